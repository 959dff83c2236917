"""Reference evaluation of lossbook's losses with PyTorch, shared by gen_golden.py and the parity checker.

Run only with Debian's python (/usr/bin/python3), which has torch 1.13. Every loss of lossbook's registry is
evaluated here by its PyTorch module (torch.nn.<Name>) or, for the losses outside torch.nn, by a by-hand
implementation of its reference definition:

- SigmoidFocalLoss: torchvision.ops.sigmoid_focal_loss (torchvision is not installed here), written from its
  documented definition (Lin et al. 2017; torchvision 0.14 docs): p_t, alpha_t, (1-p_t)^gamma * BCEWithLogits.
- Poly1CrossEntropyLoss: optax.poly_loss_cross_entropy (optax is not installed here), from its definition:
  CE + epsilon * sum(labels * (1 - softmax)); lossbook adds ignore_index and torch's reductions.
- SoftmaxFocalLoss: the multi-class focal loss of Lin et al. with CrossEntropyLoss's weight/ignore_index/mean.
- MLMLoss, NSPLoss, BertPreTrainingLoss: as Hugging Face's BertForPreTraining computes them with
  nn.CrossEntropyLoss on flattened views.

A case is a dict: {"loss": name, "kwargs": {...}, "inputs": [{"name", "dtype": "float64"|"int64", "shape",
"data"}], "grad": [indices of inputs to differentiate], "cotangent": flat list or None}. evaluate(case) returns
{"value": {"shape", "data"}, "grads": {str(index): {"shape", "data"}}}. For reduction "none" the gradient is the
vector-Jacobian product with the given cotangent (same shape as the value).
"""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

DT = torch.float64


def reduce(loss, reduction):
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    if reduction == "mean":
        return loss.mean()
    raise ValueError(reduction)


def sigmoid_focal_loss(inputs, targets, alpha=0.25, gamma=2.0, reduction="none"):
    """torchvision.ops.sigmoid_focal_loss, from its documented definition."""
    p = torch.sigmoid(inputs)
    ce_loss = F.binary_cross_entropy_with_logits(inputs, targets, reduction="none")
    p_t = p * targets + (1 - p) * (1 - targets)
    loss = ce_loss * ((1 - p_t) ** gamma)
    if alpha >= 0:
        alpha_t = alpha * targets + (1 - alpha) * (1 - targets)
        loss = alpha_t * loss
    return reduce(loss, reduction)


def _class_index_parts(logits, target, ignore_index):
    """log-softmax over axis 1 gathered at the targets, the valid mask and the clamped targets."""
    logp = F.log_softmax(logits, dim=1)
    valid = target != ignore_index
    safe = torch.where(valid, target, torch.zeros_like(target))
    logp_t = logp.gather(1, safe.unsqueeze(1)).squeeze(1)
    return logp, logp_t, valid, safe


def softmax_focal_loss(logits, target, weight=None, gamma=2.0, ignore_index=-100, reduction="mean"):
    """Multi-class focal loss (Lin et al. 2017) with CrossEntropyLoss's weight, ignore_index and weighted mean."""
    if logits.dim() == 1:  # unbatched [C] with a scalar target, as CrossEntropyLoss.
        loss = softmax_focal_loss(logits.unsqueeze(0), target.unsqueeze(0), weight, gamma, ignore_index, reduction)
        return loss.squeeze(0) if reduction == "none" else loss
    _, logp_t, valid, safe = _class_index_parts(logits, target, ignore_index)
    w = weight[safe] if weight is not None else torch.ones_like(logp_t)
    loss = -w * (1 - logp_t.exp()) ** gamma * logp_t
    zero = torch.zeros_like(loss)
    loss = torch.where(valid, loss, zero)
    if reduction == "mean":
        return loss.sum() / torch.where(valid, w, zero).sum()
    return reduce(loss, reduction)


def poly1_cross_entropy(logits, labels, epsilon=2.0, ignore_index=-100, reduction="mean"):
    """optax.poly_loss_cross_entropy (class axis 1 here) with ignore_index and torch's reductions."""
    if logits.dim() == 1:  # unbatched [C], as CrossEntropyLoss.
        loss = poly1_cross_entropy(logits.unsqueeze(0), labels.unsqueeze(0), epsilon, ignore_index, reduction)
        return loss.squeeze(0) if reduction == "none" else loss
    if labels.is_floating_point():
        logp = F.log_softmax(logits, dim=1)
        ce = -(labels * logp).sum(1)
        one_minus_pt = (labels * (1 - F.softmax(logits, dim=1))).sum(1)
        return reduce(ce + epsilon * one_minus_pt, reduction)
    _, logp_t, valid, _ = _class_index_parts(logits, labels, ignore_index)
    p_t = F.softmax(logits, dim=1).gather(1, torch.where(valid, labels, torch.zeros_like(labels)).unsqueeze(1)).squeeze(1)
    loss = -logp_t + epsilon * (1 - p_t)
    loss = torch.where(valid, loss, torch.zeros_like(loss))
    if reduction == "mean":
        return loss.sum() / valid.sum()
    return reduce(loss, reduction)


def mlm_loss(prediction_scores, labels, ignore_index=-100, reduction="mean", label_smoothing=0.0):
    """Hugging Face BertForPreTraining's masked_lm_loss (class axis last, flattened)."""
    vocab = prediction_scores.shape[-1]
    loss = nn.CrossEntropyLoss(ignore_index=ignore_index, reduction=reduction, label_smoothing=label_smoothing)(
        prediction_scores.view(-1, vocab), labels.view(-1))
    if reduction == "none":
        loss = loss.view(labels.shape)
    return loss


def nsp_loss(seq_relationship_score, next_sentence_label, reduction="mean"):
    """Hugging Face BertForPreTraining's next_sentence_loss."""
    return nn.CrossEntropyLoss(reduction=reduction)(seq_relationship_score.view(-1, 2), next_sentence_label.view(-1))


def bert_pretraining_loss(prediction_scores, seq_relationship_score, labels, next_sentence_label, ignore_index=-100):
    """Hugging Face BertForPreTraining: total_loss = masked_lm_loss + next_sentence_loss."""
    return mlm_loss(prediction_scores, labels, ignore_index=ignore_index) + nsp_loss(seq_relationship_score,
                                                                                      next_sentence_label)


# Losses implemented by hand: name -> function(*inputs, **kwargs).
BY_HAND = {
    "SigmoidFocalLoss": sigmoid_focal_loss,
    "SoftmaxFocalLoss": softmax_focal_loss,
    "Poly1CrossEntropyLoss": poly1_cross_entropy,
    "MLMLoss": mlm_loss,
    "NSPLoss": nsp_loss,
    "BertPreTrainingLoss": bert_pretraining_loss,
}

# Where each loss comes from, for provenance.
SOURCE = {
    "SigmoidFocalLoss": "by hand: torchvision.ops.sigmoid_focal_loss's documented definition (torchvision not installed)",
    "SoftmaxFocalLoss": "by hand: Lin et al. 2017 multi-class focal loss with CrossEntropyLoss's weight/ignore_index/weighted mean",
    "Poly1CrossEntropyLoss": "by hand: optax.poly_loss_cross_entropy's definition CE + epsilon*sum(t*(1-softmax)) (optax not installed), plus ignore_index and torch reductions",
    "MLMLoss": "nn.CrossEntropyLoss on (prediction_scores.view(-1, V), labels.view(-1)), as Hugging Face BertForPreTraining",
    "NSPLoss": "nn.CrossEntropyLoss on (seq_relationship_score.view(-1, 2), next_sentence_label.view(-1)), as Hugging Face",
    "BertPreTrainingLoss": "MLMLoss + NSPLoss, as Hugging Face BertForPreTraining",
}


def torch_kwargs(kwargs):
    """JSON kwargs -> torch kwargs (lists of weights become float64 tensors)."""
    out = {}
    for k, v in kwargs.items():
        if k in ("weight", "pos_weight") and v is not None:
            v = torch.tensor(v, dtype=DT)
        out[k] = v
    return out


def make_inputs(case):
    tensors = []
    for i, spec in enumerate(case["inputs"]):
        data = [float(x) for x in spec["data"]] if spec["dtype"] == "float64" else [int(x) for x in spec["data"]]
        dtype = DT if spec["dtype"] == "float64" else torch.int64
        t = torch.tensor(data, dtype=dtype).reshape(spec["shape"])
        if i in case.get("grad", []):
            t.requires_grad_(True)
        tensors.append(t)
    return tensors


def loss_fn(name, kwargs):
    kw = torch_kwargs(kwargs)
    if name in BY_HAND:
        f = BY_HAND[name]
        return lambda *inputs: f(*inputs, **kw)
    return getattr(nn, name)(**kw)


def tensor_json(t):
    t = t.detach().to(DT)
    return {"shape": list(t.shape), "data": t.reshape(-1).tolist()}


def evaluate(case):
    inputs = make_inputs(case)
    value = loss_fn(case["loss"], case.get("kwargs", {}))(*inputs)
    result = {"value": tensor_json(value), "grads": {}}
    grad_of = case.get("grad", [])
    if grad_of:
        if value.dim() == 0:
            value.backward()
        else:
            cot = torch.tensor(case["cotangent"], dtype=DT).reshape(value.shape)
            value.backward(cot)
        for i in grad_of:
            g = inputs[i].grad
            if g is None:
                g = torch.zeros_like(inputs[i])
            result["grads"][str(i)] = tensor_json(g)
    return result


def finite_json(x):
    """Replaces non-finite floats by the strings "NaN", "Infinity", "-Infinity" (JSON has no such numbers)."""
    if isinstance(x, float):
        if math.isnan(x):
            return "NaN"
        if math.isinf(x):
            return "Infinity" if x > 0 else "-Infinity"
        return x
    if isinstance(x, dict):
        return {k: finite_json(v) for k, v in x.items()}
    if isinstance(x, list):
        return [finite_json(v) for v in x]
    return x
