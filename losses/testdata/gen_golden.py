#!/usr/bin/python3
"""Generates losses/testdata/golden.json: PyTorch's values and gradients, in float64, for every loss of lossbook's
registry and every option, including the awkward mixes.

Run from the repository root with Debian's python, which has torch 1.13:

    /usr/bin/python3 losses/testdata/gen_golden.py

The Go tests (losses/golden_test.go) read the JSON and never need Python. See torchref.py for how each loss is
evaluated (PyTorch modules, or by hand for the losses outside torch.nn).
"""

import datetime
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torchref  # noqa: E402

DT = torch.float64
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden.json")

gen = torch.Generator().manual_seed(20240601)


def randn(*shape, scale=1.0):
    return torch.randn(*shape, generator=gen, dtype=DT) * scale


def rand(*shape, low=0.0, high=1.0):
    return low + (high - low) * torch.rand(*shape, generator=gen, dtype=DT)


def randint(high, *shape):
    return torch.randint(0, high, shape, generator=gen, dtype=torch.int64)


def signs(*shape):
    return (torch.randint(0, 2, shape, generator=gen) * 2 - 1).to(torch.int64)


def probs(*shape, dim=1):
    return torch.softmax(randn(*shape), dim=dim)


cases = []


def add(name, loss, inputs, kwargs=None, grad=(0,)):
    """Adds a case; inputs is a list of (name, tensor); float inputs are float64, integer ones int64."""
    kwargs = kwargs or {}
    specs = []
    for n, t in inputs:
        if t.is_floating_point():
            specs.append({"name": n, "dtype": "float64", "shape": list(t.shape), "data": t.reshape(-1).tolist()})
        else:
            specs.append({"name": n, "dtype": "int64", "shape": list(t.shape), "data": t.reshape(-1).tolist()})
    case = {"name": name, "loss": loss, "kwargs": kwargs, "inputs": specs, "grad": list(grad)}
    probe = torchref.evaluate({**case, "grad": []})
    if probe["value"]["shape"]:
        shape = probe["value"]["shape"]
        case["cotangent"] = randn(*shape).reshape(-1).tolist()
    case.update(torchref.evaluate(case))
    cases.append(case)


REDUCTIONS = ("mean", "sum", "none")

# --- CrossEntropyLoss -----------------------------------------------------------------------------------------
N, C = 6, 5
x = randn(N, C, scale=2)
y = randint(C, N)
y_ign = y.clone()
y_ign[1] = -100
y_ign[4] = -100
w = rand(C, low=0.2, high=2.0).tolist()
for r in REDUCTIONS:
    add(f"ce/basic/{r}", "CrossEntropyLoss", [("input", x), ("target", y)], {"reduction": r})
    add(f"ce/weight/{r}", "CrossEntropyLoss", [("input", x), ("target", y)], {"reduction": r, "weight": w})
    add(f"ce/ignore/{r}", "CrossEntropyLoss", [("input", x), ("target", y_ign)], {"reduction": r})
    add(f"ce/smoothing/{r}", "CrossEntropyLoss", [("input", x), ("target", y)], {"reduction": r, "label_smoothing": 0.1})
    add(f"ce/weight+ignore/{r}", "CrossEntropyLoss", [("input", x), ("target", y_ign)], {"reduction": r, "weight": w})
    add(f"ce/weight+ignore+smoothing/{r}", "CrossEntropyLoss", [("input", x), ("target", y_ign)],
        {"reduction": r, "weight": w, "ignore_index": -100, "label_smoothing": 0.25})
y_ign2 = y.clone()
y_ign2[0] = 2
y_ign2[3] = 2
add("ce/ignore_index=2/mean", "CrossEntropyLoss", [("input", x), ("target", y_ign2)], {"ignore_index": 2})
add("ce/ignore_index=2+weight+smoothing/mean", "CrossEntropyLoss", [("input", x), ("target", y_ign2)],
    {"ignore_index": 2, "weight": w, "label_smoothing": 0.3})
add("ce/smoothing=1/mean", "CrossEntropyLoss", [("input", x), ("target", y)], {"label_smoothing": 1.0})
# K-dimensional: [N, C, d1, d2] with targets [N, d1, d2].
xk = randn(2, 4, 3, 2)
yk = randint(4, 2, 3, 2)
yk[0, 1, 0] = -100
yk[1, 2, 1] = -100
wk = rand(4, low=0.5, high=1.5).tolist()
for r in REDUCTIONS:
    add(f"ce/kdim/{r}", "CrossEntropyLoss", [("input", xk), ("target", yk)], {"reduction": r})
    add(f"ce/kdim+weight+ignore+smoothing/{r}", "CrossEntropyLoss", [("input", xk), ("target", yk)],
        {"reduction": r, "weight": wk, "label_smoothing": 0.2})
add("ce/kdim1/mean", "CrossEntropyLoss", [("input", randn(3, 4, 5)), ("target", randint(4, 3, 5))], {})
# Every target ignored: mean is NaN (0/0) with a zero gradient, sum is 0.
y_all = torch.full((N,), -100, dtype=torch.int64)
for r in REDUCTIONS:
    add(f"ce/all-ignored/{r}", "CrossEntropyLoss", [("input", x), ("target", y_all)], {"reduction": r})
    add(f"ce/all-ignored+weight+smoothing/{r}", "CrossEntropyLoss", [("input", x), ("target", y_all)],
        {"reduction": r, "weight": w, "label_smoothing": 0.1})
# Probability targets.
t = probs(N, C)
for r in REDUCTIONS:
    add(f"ce/probs/{r}", "CrossEntropyLoss", [("input", x), ("target", t)], {"reduction": r})
    add(f"ce/probs+weight+smoothing/{r}", "CrossEntropyLoss", [("input", x), ("target", t)],
        {"reduction": r, "weight": w, "label_smoothing": 0.15}, grad=(0, 1))
add("ce/probs+weight/mean", "CrossEntropyLoss", [("input", x), ("target", t)], {"weight": w})
add("ce/probs/kdim/mean", "CrossEntropyLoss", [("input", xk), ("target", probs(2, 4, 3, 2))], {"label_smoothing": 0.1})
add("ce/onehot-probs/mean", "CrossEntropyLoss", [("input", x), ("target", torch.nn.functional.one_hot(y, C).to(DT))], {})
# Unbatched, one class, extreme logits.
add("ce/unbatched/mean", "CrossEntropyLoss", [("input", randn(C)), ("target", torch.tensor(3))], {})
add("ce/unbatched/none", "CrossEntropyLoss", [("input", randn(C)), ("target", torch.tensor(1))], {"reduction": "none"})
add("ce/one-class/mean", "CrossEntropyLoss", [("input", randn(4, 1)), ("target", torch.zeros(4, dtype=torch.int64))], {})
xe = torch.tensor([[1e4, -1e4, 0.0], [-1e4, 1e4, 5.0], [1e4, 1e4, -1e4]], dtype=DT)
ye = torch.tensor([1, 1, 2])
add("ce/extreme/mean", "CrossEntropyLoss", [("input", xe), ("target", ye)], {"label_smoothing": 0.1})

# --- NLLLoss ----------------------------------------------------------------------------------------------------
lp = torch.log_softmax(x, 1)
for r in REDUCTIONS:
    add(f"nll/weight+ignore/{r}", "NLLLoss", [("input", lp), ("target", y_ign)], {"reduction": r, "weight": w})
add("nll/basic/mean", "NLLLoss", [("input", lp), ("target", y)], {})
add("nll/kdim/mean", "NLLLoss", [("input", torch.log_softmax(xk, 1)), ("target", yk)], {"weight": wk})
add("nll/all-ignored/mean", "NLLLoss", [("input", lp), ("target", y_all)], {})
add("nll/all-ignored/sum", "NLLLoss", [("input", lp), ("target", y_all)], {"reduction": "sum"})
add("nll/ignore_index=0/mean", "NLLLoss", [("input", lp), ("target", y)], {"ignore_index": 0})

# --- BCELoss / BCEWithLogitsLoss --------------------------------------------------------------------------------
pb = rand(4, 3, low=0.05, high=0.95)
tb = rand(4, 3)
yb = randint(2, 4, 3).to(DT)
wb = rand(3, low=0.5, high=2).tolist()
for r in REDUCTIONS:
    add(f"bce/basic/{r}", "BCELoss", [("input", pb), ("target", yb)], {"reduction": r})
    add(f"bce/weight/{r}", "BCELoss", [("input", pb), ("target", tb)], {"reduction": r, "weight": wb}, grad=(0, 1))
pc = torch.tensor([[0.0, 1.0, 0.0], [1.0, 0.5, 1e-30]], dtype=DT)
yc = torch.tensor([[1.0, 0.0, 0.0], [1.0, 1.0, 1.0]], dtype=DT)
add("bce/clamp/mean", "BCELoss", [("input", pc), ("target", yc)], {})
add("bce/clamp/none", "BCELoss", [("input", pc), ("target", yc)], {"reduction": "none"})
xb = randn(4, 3, scale=3)
pw = rand(3, low=0.5, high=3).tolist()
for r in REDUCTIONS:
    add(f"bcel/basic/{r}", "BCEWithLogitsLoss", [("input", xb), ("target", yb)], {"reduction": r})
    add(f"bcel/weight+pos_weight/{r}", "BCEWithLogitsLoss", [("input", xb), ("target", tb)],
        {"reduction": r, "weight": wb, "pos_weight": pw}, grad=(0, 1))
add("bcel/pos_weight/mean", "BCEWithLogitsLoss", [("input", xb), ("target", yb)], {"pos_weight": pw})
add("bcel/zeros-and-extremes/none", "BCEWithLogitsLoss",
    [("input", torch.tensor([0.0, 0.0, 1e4, -1e4, 50.0], dtype=DT)),
     ("target", torch.tensor([1.0, 0.0, 0.0, 1.0, 1.0], dtype=DT))], {"reduction": "none"})
add("bcel/weight-2d/mean", "BCEWithLogitsLoss", [("input", xb), ("target", yb)], {"weight": rand(4, 3).tolist()})

# --- KLDivLoss --------------------------------------------------------------------------------------------------
q = torch.log_softmax(randn(4, 5), 1)
p = probs(4, 5)
p0 = p.clone()
p0[0, 2] = 0.0
p0[3, 0] = 0.0
for r in ("mean", "sum", "none", "batchmean"):
    add(f"kl/{r}", "KLDivLoss", [("input", q), ("target", p0)], {"reduction": r}, grad=(0, 1))
    add(f"kl/log_target/{r}", "KLDivLoss", [("input", q), ("target", torch.log(p))],
        {"reduction": r, "log_target": True}, grad=(0, 1))
add("kl/self/batchmean", "KLDivLoss", [("input", torch.log(p)), ("target", p)], {"reduction": "batchmean"})

# --- Regression -------------------------------------------------------------------------------------------------
xr = randn(3, 4, scale=2)
yr = randn(3, 4, scale=2)
yr_eq = yr.clone()
yr_eq[0, 0] = xr[0, 0]
for r in REDUCTIONS:
    add(f"mse/{r}", "MSELoss", [("input", xr), ("target", yr)], {"reduction": r}, grad=(0, 1))
    add(f"l1/{r}", "L1Loss", [("input", xr), ("target", yr_eq)], {"reduction": r}, grad=(0, 1))
    add(f"huber/{r}", "HuberLoss", [("input", xr), ("target", yr)], {"reduction": r}, grad=(0, 1))
    add(f"smoothl1/{r}", "SmoothL1Loss", [("input", xr), ("target", yr)], {"reduction": r}, grad=(0, 1))
for d in (0.5, 2.0, 3.5):
    add(f"huber/delta={d}", "HuberLoss", [("input", xr), ("target", yr)], {"delta": d}, grad=(0, 1))
for b in (0.0, 0.5, 2.0):
    add(f"smoothl1/beta={b}", "SmoothL1Loss", [("input", xr), ("target", yr_eq)], {"beta": b}, grad=(0, 1))
# Poisson: log-rate inputs, or rates; counts as targets (some <= 1 for the Stirling mask).
counts = torch.tensor([[0.0, 1.0, 2.0, 5.0], [3.0, 0.0, 1.0, 7.0], [10.0, 4.0, 2.0, 0.5]], dtype=DT)
rates = rand(3, 4, low=0.1, high=5)
for r in REDUCTIONS:
    add(f"poisson/{r}", "PoissonNLLLoss", [("log_input", randn(3, 4)), ("target", counts)], {"reduction": r})
for full in (False, True):
    add(f"poisson/rate/full={full}", "PoissonNLLLoss", [("log_input", rates), ("target", counts)],
        {"log_input": False, "full": full}, grad=(0, 1))
    add(f"poisson/log/full={full}", "PoissonNLLLoss", [("log_input", randn(3, 4)), ("target", counts)],
        {"full": full})
add("poisson/rate/eps", "PoissonNLLLoss", [("log_input", rates), ("target", counts)], {"log_input": False, "eps": 0.5})
# Gaussian: heteroscedastic, homoscedastic ([N] and [N, 1]), clamped variances, full.
mu = randn(4, 3)
tg = randn(4, 3)
var = rand(4, 3, low=0.1, high=2)
var_small = var.clone()
var_small[0, 0] = 1e-9
var_small[2, 1] = 0.0
for r in REDUCTIONS:
    add(f"gaussian/hetero/{r}", "GaussianNLLLoss", [("input", mu), ("target", tg), ("var", var)], {"reduction": r},
        grad=(0, 1, 2))
add("gaussian/homo-N", "GaussianNLLLoss", [("input", mu), ("target", tg), ("var", rand(4, low=0.1, high=2))], {},
    grad=(0, 1, 2))
add("gaussian/homo-N1/full", "GaussianNLLLoss", [("input", mu), ("target", tg), ("var", rand(4, 1, low=0.1, high=2))],
    {"full": True}, grad=(0, 1, 2))
add("gaussian/clamped/eps", "GaussianNLLLoss", [("input", mu), ("target", tg), ("var", var_small)], {"eps": 1e-3},
    grad=(0, 1, 2))
add("gaussian/clamped/default-eps/sum", "GaussianNLLLoss", [("input", mu), ("target", tg), ("var", var_small)],
    {"reduction": "sum"}, grad=(0, 1, 2))

# --- Embedding and ranking losses -------------------------------------------------------------------------------
e1, e2 = randn(5, 4), randn(5, 4)
ye = signs(5)
for r in REDUCTIONS:
    add(f"cosine/{r}", "CosineEmbeddingLoss", [("input1", e1), ("input2", e2), ("target", ye)], {"reduction": r},
        grad=(0, 1))
add("cosine/margin=-0.2", "CosineEmbeddingLoss", [("input1", e1), ("input2", e2), ("target", ye)], {"margin": -0.2},
    grad=(0, 1))
add("cosine/margin=-0.5", "CosineEmbeddingLoss", [("input1", e1), ("input2", e2), ("target", ye)], {"margin": -0.5},
    grad=(0, 1))
add("cosine/unbatched", "CosineEmbeddingLoss", [("input1", randn(4)), ("input2", randn(4)), ("target", torch.tensor(-1))],
    {"margin": -0.9}, grad=(0, 1))
r1, r2 = randn(6), randn(6)
yrk = signs(6)
for r in REDUCTIONS:
    add(f"ranking/{r}", "MarginRankingLoss", [("input1", r1), ("input2", r2), ("target", yrk)], {"reduction": r},
        grad=(0, 1))
add("ranking/margin=0.5", "MarginRankingLoss", [("input1", r1), ("input2", r2), ("target", yrk)], {"margin": 0.5},
    grad=(0, 1))
a, pp, nn_ = randn(5, 4), randn(5, 4), randn(5, 4)
for r in REDUCTIONS:
    add(f"triplet/{r}", "TripletMarginLoss", [("anchor", a), ("positive", pp), ("negative", nn_)], {"reduction": r},
        grad=(0, 1, 2))
for kw in ({"p": 1.0}, {"p": 3.0}, {"p": 1.5, "margin": 2.0}, {"eps": 0.1}, {"swap": True},
           {"swap": True, "margin": 3.0, "p": 1.0}, {"margin": 0.0}):
    add("triplet/" + ",".join(f"{k}={v}" for k, v in kw.items()), "TripletMarginLoss",
        [("anchor", a), ("positive", pp), ("negative", nn_)], kw, grad=(0, 1, 2))
add("triplet/unbatched", "TripletMarginLoss", [("anchor", randn(4)), ("positive", randn(4)), ("negative", randn(4))],
    {"margin": 3.0}, grad=(0, 1, 2))
hd = rand(3, 4, low=0, high=2)
hy = signs(3, 4)
for r in REDUCTIONS:
    add(f"hinge/{r}", "HingeEmbeddingLoss", [("input", hd), ("target", hy)], {"reduction": r})
add("hinge/margin=1.5", "HingeEmbeddingLoss", [("input", hd), ("target", hy)], {"margin": 1.5})
sm_x = randn(3, 4, scale=2)
for r in REDUCTIONS:
    add(f"softmargin/{r}", "SoftMarginLoss", [("input", sm_x), ("target", hy)], {"reduction": r})
ml_y = randint(2, 4, 5)
for r in REDUCTIONS:
    add(f"multilabel/{r}", "MultiLabelSoftMarginLoss", [("input", randn(4, 5, scale=2)), ("target", ml_y)],
        {"reduction": r})
    add(f"multilabel/weight/{r}", "MultiLabelSoftMarginLoss", [("input", randn(4, 5, scale=2)), ("target", ml_y)],
        {"reduction": r, "weight": rand(5, low=0.5, high=2).tolist()})

# --- Beyond torch.nn --------------------------------------------------------------------------------------------
fx = randn(4, 3, scale=2)
fy = randint(2, 4, 3).to(DT)
for r in REDUCTIONS:
    add(f"sigmoidfocal/{r}", "SigmoidFocalLoss", [("inputs", fx), ("targets", fy)], {"reduction": r})
for kw in ({"gamma": 0.0, "alpha": -1.0}, {"gamma": 0.0}, {"alpha": 0.5, "gamma": 1.0}, {"gamma": 1.5},
           {"alpha": -1.0, "gamma": 3.0, "reduction": "mean"}):
    add("sigmoidfocal/" + ",".join(f"{k}={v}" for k, v in kw.items()), "SigmoidFocalLoss",
        [("inputs", fx), ("targets", fy)], kw)
add("sigmoidfocal/soft-targets/mean", "SigmoidFocalLoss", [("inputs", fx), ("targets", rand(4, 3))],
    {"reduction": "mean"}, grad=(0, 1))
for r in REDUCTIONS:
    add(f"softmaxfocal/{r}", "SoftmaxFocalLoss", [("input", x), ("target", y)], {"reduction": r})
    add(f"softmaxfocal/weight+ignore/{r}", "SoftmaxFocalLoss", [("input", x), ("target", y_ign)],
        {"reduction": r, "weight": w, "gamma": 1.5})
add("softmaxfocal/gamma=0/mean", "SoftmaxFocalLoss", [("input", x), ("target", y_ign)], {"gamma": 0.0, "weight": w})
add("softmaxfocal/kdim/mean", "SoftmaxFocalLoss", [("input", xk), ("target", yk)], {"gamma": 3.0})
add("softmaxfocal/all-ignored/mean", "SoftmaxFocalLoss", [("input", x), ("target", y_all)], {})
add("softmaxfocal/ignore_index=2/sum", "SoftmaxFocalLoss", [("input", x), ("target", y_ign2)],
    {"ignore_index": 2, "reduction": "sum", "weight": w})
for r in REDUCTIONS:
    add(f"poly1/{r}", "Poly1CrossEntropyLoss", [("logits", x), ("labels", y)], {"reduction": r})
    add(f"poly1/ignore/{r}", "Poly1CrossEntropyLoss", [("logits", x), ("labels", y_ign)], {"reduction": r,
                                                                                           "epsilon": 1.0})
    add(f"poly1/probs/{r}", "Poly1CrossEntropyLoss", [("logits", x), ("labels", t)], {"reduction": r})
add("poly1/epsilon=0/mean", "Poly1CrossEntropyLoss", [("logits", x), ("labels", y)], {"epsilon": 0.0})
add("poly1/kdim/mean", "Poly1CrossEntropyLoss", [("logits", xk), ("labels", yk)], {"epsilon": -0.5})
add("poly1/ignore_index=2/mean", "Poly1CrossEntropyLoss", [("logits", x), ("labels", y_ign2)], {"ignore_index": 2})
# BERT pre-training: [batch, seq, vocab] logits (class axis last) and -100 outside the masked positions.
B, T, V = 2, 5, 7
mlm_x = randn(B, T, V, scale=2)
mlm_y = torch.full((B, T), -100, dtype=torch.int64)
mlm_y[0, 1], mlm_y[0, 3], mlm_y[1, 0], mlm_y[1, 4] = 3, 6, 0, 2
nsp_x = randn(B, 2)
nsp_y = torch.tensor([0, 1])
for r in REDUCTIONS:
    add(f"mlm/{r}", "MLMLoss", [("prediction_scores", mlm_x), ("labels", mlm_y)], {"reduction": r})
    add(f"nsp/{r}", "NSPLoss", [("seq_relationship_score", nsp_x), ("next_sentence_label", nsp_y)], {"reduction": r})
add("mlm/smoothing", "MLMLoss", [("prediction_scores", mlm_x), ("labels", mlm_y)], {"label_smoothing": 0.1})
add("mlm/no-masked/mean", "MLMLoss", [("prediction_scores", mlm_x), ("labels", torch.full((B, T), -100))], {})
mlm_y1 = torch.where(mlm_y == -100, torch.full_like(mlm_y, -1), mlm_y)
add("mlm/ignore_index=-1", "MLMLoss", [("prediction_scores", mlm_x), ("labels", mlm_y1)], {"ignore_index": -1})
add("bert/pretraining/ignore_index=-1", "BertPreTrainingLoss",
    [("prediction_scores", mlm_x), ("seq_relationship_score", nsp_x), ("labels", mlm_y1), ("next_sentence_label", nsp_y)],
    {"ignore_index": -1}, grad=(0, 1))
add("bert/pretraining", "BertPreTrainingLoss",
    [("prediction_scores", mlm_x), ("seq_relationship_score", nsp_x), ("labels", mlm_y), ("next_sentence_label", nsp_y)],
    {}, grad=(0, 1))

# --- -Inf logits (classes masked out; issue 22 item 5, issue 10 item 4) -----------------------------------------
# PyTorch 1.13 is finite wherever the target's logit is finite, +inf where it is -inf, and +inf with label
# smoothing (the smoothed target puts mass on the masked classes); its gradients stay finite in all of these.
INF = float("inf")
xi = torch.tensor([[-INF, 0.0, 1.0], [0.5, -INF, 2.0], [1.0, 2.0, -INF], [-INF, -INF, 3.0], [-INF, 0.3, -0.4]],
                  dtype=DT)
yi = torch.tensor([2, 0, 1, 2, 1])
yi_target = torch.tensor([2, 0, 1, 2, 0])  # the last row's target is -inf: +inf
yi_ign = torch.tensor([2, -100, 1, 2, 1])
add("ce/-inf/issue22", "CrossEntropyLoss", [("input", xi[:1]), ("target", yi[:1])], {})
for r in REDUCTIONS:
    add(f"ce/-inf/{r}", "CrossEntropyLoss", [("input", xi), ("target", yi)], {"reduction": r})
    add(f"ce/-inf-target/{r}", "CrossEntropyLoss", [("input", xi), ("target", yi_target)], {"reduction": r})
    add(f"ce/-inf+smoothing/{r}", "CrossEntropyLoss", [("input", xi), ("target", yi)],
        {"reduction": r, "label_smoothing": 0.1})
add("ce/-inf+weight+ignore/mean", "CrossEntropyLoss", [("input", xi), ("target", yi_ign)],
    {"weight": [0.5, 2.0, 1.5]})
add("ce/-inf+weight+ignore+smoothing/mean", "CrossEntropyLoss", [("input", xi), ("target", yi_ign)],
    {"weight": [0.5, 2.0, 1.5], "label_smoothing": 0.2})
xik = randn(2, 3, 4)
xik[0, 0, 1] = -INF
xik[1, 2, 0] = -INF
xik[1, 0, 3] = -INF
add("ce/-inf/kdim", "CrossEntropyLoss", [("input", xik), ("target", torch.tensor([[1, 2, 2, 1], [1, 1, 0, 1]]))], {})
# (Not the row [-inf, -inf, 3]: its p_t is 1 and PyTorch's gradient of (1 - p_t)^0.5 there is NaN.)
xi_f, yi_f = xi[[0, 1, 2, 4]], yi[[0, 1, 2, 4]]
for r in REDUCTIONS:
    add(f"softmaxfocal/-inf/{r}", "SoftmaxFocalLoss", [("input", xi_f), ("target", yi_f)],
        {"reduction": r, "gamma": 0.5})
# A target of -inf: +inf (PyTorch's gradient is NaN there: values only).
add("softmaxfocal/-inf-target/none", "SoftmaxFocalLoss", [("input", xi), ("target", yi_target)],
    {"reduction": "none", "gamma": 0.5}, grad=())
add("softmaxfocal/-inf/gamma=2", "SoftmaxFocalLoss", [("input", xi), ("target", yi_ign)], {"weight": [0.5, 2.0, 1.5]})
for r in REDUCTIONS:
    add(f"poly1/-inf/{r}", "Poly1CrossEntropyLoss", [("logits", xi), ("labels", yi)], {"reduction": r})
add("poly1/-inf-target/none", "Poly1CrossEntropyLoss", [("logits", xi), ("labels", yi_target)], {"reduction": "none"})
mlm_xi = mlm_x.clone()
mlm_xi[:, :, 0] = -INF  # a token the model may never predict (e.g. [PAD])
mlm_xi[1, 4, 5] = -INF
add("mlm/-inf/mean", "MLMLoss", [("prediction_scores", mlm_xi), ("labels", torch.where(mlm_y == 0, 1, mlm_y))], {})
add("mlm/-inf-target/none", "MLMLoss", [("prediction_scores", mlm_xi), ("labels", mlm_y)], {"reduction": "none"})

# --- Focal losses at extreme logits (issue 10 item 3) ------------------------------------------------------------
# Logits of +-50 and +-1e4 with matching labels make 1 - p_t exactly 0: PyTorch's gradient of (1 - p_t)^gamma is
# NaN there for gamma < 1, so those cases keep PyTorch's values only; gamma 1 and 2 keep the gradients too.
fxe = torch.tensor([[50.0, -50.0, 1e4, -1e4], [50.0, -50.0, 0.5, -2.0]], dtype=DT)
fye = torch.tensor([[1.0, 0.0, 1.0, 0.0], [0.0, 1.0, 1.0, 0.0]], dtype=DT)
for g in (0.5, 1.0, 2.0):
    add(f"sigmoidfocal/extreme/gamma={g}", "SigmoidFocalLoss", [("inputs", fxe), ("targets", fye)], {"gamma": g},
        grad=(0,) if g >= 1 else ())
sxe = torch.tensor([[50.0, -50.0, 0.0], [-1e4, 1e4, 0.0], [1.0, 2.0, 3.0]], dtype=DT)
sye = torch.tensor([0, 1, 0])
for g in (0.5, 1.0, 2.0):
    add(f"softmaxfocal/extreme/gamma={g}", "SoftmaxFocalLoss", [("input", sxe), ("target", sye)],
        {"gamma": g, "reduction": "none"}, grad=(0,) if g >= 1 else ())

provenance = {
    "torch": torch.__version__,
    "command": "/usr/bin/python3 losses/testdata/gen_golden.py",
    "date": datetime.date.today().isoformat(),
    "dtype": "float64",
    "notes": "Values from torch.nn modules, except: " + "; ".join(f"{k}: {v}" for k, v in torchref.SOURCE.items()) +
             ". Gradients are of the returned loss; for reduction 'none' they are the vector-Jacobian product with "
             "'cotangent'. Non-finite numbers are written as the strings NaN, Infinity, -Infinity.",
}
doc = torchref.finite_json({"provenance": provenance, "cases": cases})
tmp = OUT + ".tmp"
with open(tmp, "w") as f:
    json.dump(doc, f, indent=None, separators=(",", ":"))
    f.write("\n")
os.replace(tmp, OUT)
print(f"wrote {len(cases)} cases to {OUT}")
