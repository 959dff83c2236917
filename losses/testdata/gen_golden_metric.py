#!/usr/bin/python3
"""Generates losses/testdata/golden_metric.json: values and gradients, in float64, of the contrastive and triplet
family of losses/metric_learning.go (MultipleNegativesRanking, its symmetric form, NT-Xent, the pairwise
contrastive loss, the batch-mined triplet losses, CoSENT, TripletMarginWithDistance).

Run from the repository root with Debian's python, which has torch 1.13:

    /usr/bin/python3 losses/testdata/gen_golden_metric.py

The Go tests (losses/golden_test.go, which reads every testdata/golden*.json) never need Python. How each loss is
computed, and why (SOURCE below is recorded in the file's provenance):

- TripletMarginWithDistanceLoss is torch.nn's own module.
- The others are outside torch.nn. sentence-transformers and optax are not installed here (and optax is JAX), so
  each is composed from torch 1.13 ops (F.normalize, F.cross_entropy, F.pairwise_distance, F.cosine_similarity,
  torch.logsumexp, masks) following the peer's definition step by step; torch's autograd gives the gradients.
  NT-Xent follows optax.losses.ntxent's masked log-softmax with -inf entries; the batch-mined triplet losses
  follow sentence-transformers' BatchAllTripletLoss, BatchHardTripletLoss and BatchSemiHardTripletLoss (the
  "masked minimum/maximum" tricks included); it is a second, independent implementation of the Go code (which
  computes NT-Xent as a softplus, masks with Where and reduces with the shared helper).
"""

import datetime
import json
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torchref  # noqa: E402

DT = torch.float64
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden_metric.json")

gen = torch.Generator().manual_seed(20261207)


def randn(*shape, scale=1.0):
    return torch.randn(*shape, generator=gen, dtype=DT) * scale


def reduce(loss, reduction):
    return torchref.reduce(loss, reduction)


def cos_sim(a, b):
    """sentence-transformers' util.cos_sim: F.normalize (eps 1e-12) and a matrix product."""
    return F.normalize(a, p=2, dim=1) @ F.normalize(b, p=2, dim=1).T


def mnrl(anchors, candidates, scale=20.0, reduction="mean"):
    """sentence-transformers MultipleNegativesRankingLoss: CE(cos_sim(a, cat(p, negatives)) * scale, arange(N))."""
    scores = cos_sim(anchors, candidates) * scale
    return F.cross_entropy(scores, torch.arange(anchors.shape[0]), reduction=reduction)


def mnrl_symmetric(anchors, candidates, scale=20.0, reduction="mean"):
    """sentence-transformers MultipleNegativesSymmetricRankingLoss: (forward + backward) / 2, per pair."""
    n = anchors.shape[0]
    scores = cos_sim(anchors, candidates) * scale
    labels = torch.arange(n)
    forward = F.cross_entropy(scores, labels, reduction="none")
    backward = F.cross_entropy(scores[:, :n].T, labels, reduction="none")
    return reduce((forward + backward) / 2, reduction)


def ntxent(embeddings, labels, temperature=0.07, reduction="mean"):
    """optax.losses.ntxent, step by step in torch (its cosine_similarity clips norms at the dtype's epsilon)."""
    eps = torch.finfo(embeddings.dtype).eps
    unit = embeddings / embeddings.norm(dim=-1, keepdim=True).clamp_min(eps)
    xcs = (unit @ unit.T) / temperature
    matches = labels[:, None] == labels[None, :]
    diffs = ~matches
    matches = matches & ~torch.eye(len(labels), dtype=torch.bool)
    ninf = torch.full_like(xcs, -float("inf"))
    xcs_diffs = torch.where(diffs, xcs, ninf)
    xcs_matches = torch.where(matches, xcs, ninf)
    xcs_max = torch.cat((xcs_diffs, xcs_matches), dim=-1).max(dim=1, keepdim=True).values.detach()
    shift_diffs = xcs_diffs - xcs_max
    shift_matches = xcs_matches - xcs_max
    denom = torch.exp(shift_diffs).sum(dim=1, keepdim=True) + torch.exp(shift_matches)
    log_softm = shift_matches - torch.log(denom)
    per_pair = -torch.where(matches, log_softm, torch.zeros_like(log_softm))
    if reduction == "none":
        return per_pair
    if reduction == "sum":
        return per_pair.sum()
    return per_pair.sum() / matches.sum()


def siamese_distance(metric):
    if metric == "euclidean":
        return lambda x, y: F.pairwise_distance(x, y, p=2)
    return lambda x, y: 1 - F.cosine_similarity(x, y)


def contrastive(input1, input2, target, distance_metric="cosine", margin=0.5, reduction="mean"):
    """sentence-transformers ContrastiveLoss (size_average: mean; lossbook adds sum and none)."""
    d = siamese_distance(distance_metric)(input1, input2)
    y = target.to(DT)
    losses = 0.5 * (y * d.pow(2) + (1 - y) * F.relu(margin - d).pow(2))
    return reduce(losses, reduction)


def pairwise_distances(embeddings, metric):
    """sentence-transformers BatchHardTripletLossDistanceFunction: eucledian_distance or cosine_distance."""
    if metric == "cosine":
        return 1 - cos_sim(embeddings, embeddings)
    dot = embeddings @ embeddings.T
    square_norm = torch.diag(dot)
    distances = square_norm.unsqueeze(0) - 2.0 * dot + square_norm.unsqueeze(1)
    distances = distances.clamp_min(0)
    mask = distances.eq(0).to(DT)
    distances = distances + mask * 1e-16
    return (1.0 - mask) * torch.sqrt(distances)


def batch_all(embeddings, labels, distance_metric="euclidean", margin=5.0, reduction="mean"):
    """sentence-transformers batch_all_triplet_loss."""
    d = pairwise_distances(embeddings, distance_metric)
    loss = d.unsqueeze(2) - d.unsqueeze(1) + margin
    n = len(labels)
    distinct = ~torch.eye(n, dtype=torch.bool)
    distinct3 = distinct.unsqueeze(2) & distinct.unsqueeze(1) & distinct.unsqueeze(0)
    same = labels.unsqueeze(0) == labels.unsqueeze(1)
    valid = distinct3 & (same.unsqueeze(2) & ~same.unsqueeze(1))
    loss = F.relu(valid.to(DT) * loss)
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    positive = (loss > 1e-16).sum()
    return loss.sum() / (positive + 1e-16)


def batch_hard(embeddings, labels, distance_metric="euclidean", margin=5.0, reduction="mean"):
    """sentence-transformers batch_hard_triplet_loss."""
    d = pairwise_distances(embeddings, distance_metric)
    n = len(labels)
    same = labels.unsqueeze(0) == labels.unsqueeze(1)
    ap = (same & ~torch.eye(n, dtype=torch.bool)).to(DT)
    hardest_positive = (ap * d).max(1, keepdim=True).values
    an = (~same).to(DT)
    row_max = d.max(1, keepdim=True).values
    hardest_negative = (d + row_max * (1.0 - an)).min(1, keepdim=True).values
    loss = F.relu(hardest_positive - hardest_negative + margin).squeeze(1)
    return reduce(loss, reduction)


def masked_minimum(data, mask, dim=1):
    axis_max = data.max(dim, keepdim=True).values
    return ((data - axis_max) * mask).min(dim, keepdim=True).values + axis_max


def masked_maximum(data, mask, dim=1):
    axis_min = data.min(dim, keepdim=True).values
    return ((data - axis_min) * mask).max(dim, keepdim=True).values + axis_min


def batch_semi_hard(embeddings, labels, distance_metric="euclidean", margin=5.0, reduction="mean"):
    """sentence-transformers batch_semi_hard_triplet_loss (TensorFlow Addons' triplet_semihard_loss)."""
    lab = labels.unsqueeze(1)
    pdist = pairwise_distances(embeddings, distance_metric)
    adjacency = lab == lab.T
    adjacency_not = ~adjacency
    n = len(labels)
    pdist_tile = pdist.repeat([n, 1])
    mask = adjacency_not.repeat([n, 1]) & (pdist_tile > pdist.T.reshape(-1, 1))
    mask_final = (mask.sum(1, keepdim=True) > 0).reshape(n, n).T
    outside = masked_minimum(pdist_tile, mask.to(DT)).reshape(n, n).T
    inside = masked_maximum(pdist, adjacency_not.to(DT)).repeat([1, n])
    semi_hard = torch.where(mask_final, outside, inside)
    loss_mat = pdist - semi_hard + margin
    mask_positives = adjacency.to(DT) - torch.eye(n, dtype=DT)
    per_pair = torch.clamp_min(loss_mat * mask_positives, 0.0)
    if reduction == "none":
        return per_pair
    if reduction == "sum":
        return per_pair.sum()
    return per_pair.sum() / mask_positives.sum()


def cosent(input1, input2, target, scale=20.0):
    """sentence-transformers CoSENTLoss."""
    scores = F.cosine_similarity(input1, input2) * scale  # pairwise_cos_sim
    scores = scores[:, None] - scores[None, :]
    y = target.to(DT)
    lower = (y[:, None] < y[None, :]).to(DT)
    scores = scores - (1 - lower) * 1e12
    scores = torch.cat((torch.zeros(1, dtype=DT), scores.reshape(-1)))
    return torch.logsumexp(scores, dim=0)


def triplet_with_distance(anchor, positive, negative, distance_function="euclidean", **kw):
    """torch.nn.TripletMarginWithDistanceLoss; "cosine" is distance_function=lambda a, b: 1 - cosine_similarity."""
    fn = None if distance_function == "euclidean" else (lambda a, b: 1 - F.cosine_similarity(a, b))
    return nn.TripletMarginWithDistanceLoss(distance_function=fn, **kw)(anchor, positive, negative)


BY_HAND = {
    "MultipleNegativesRankingLoss": mnrl,
    "MultipleNegativesSymmetricRankingLoss": mnrl_symmetric,
    "NTXentLoss": ntxent,
    "ContrastiveLoss": contrastive,
    "BatchAllTripletLoss": batch_all,
    "BatchHardTripletLoss": batch_hard,
    "BatchSemiHardTripletLoss": batch_semi_hard,
    "CoSENTLoss": cosent,
    "TripletMarginWithDistanceLoss": triplet_with_distance,
}
SOURCE = {
    "MultipleNegativesRankingLoss": "torch ops: F.cross_entropy(F.normalize(a) @ F.normalize(c).T * scale, arange(N)), "
                                    "as sentence-transformers MultipleNegativesRankingLoss",
    "MultipleNegativesSymmetricRankingLoss": "torch ops: (CE(scores) + CE(scores[:, :N].T)) / 2 per pair, as "
                                             "sentence-transformers MultipleNegativesSymmetricRankingLoss",
    "NTXentLoss": "torch ops: optax.losses.ntxent's masked log-softmax (-inf masks, max shift), its epsilon-clipped "
                  "cosine; none = the per-pair matrix, mean = sum / number of positive pairs",
    "ContrastiveLoss": "torch ops: sentence-transformers ContrastiveLoss with F.pairwise_distance or "
                       "1 - F.cosine_similarity",
    "BatchAllTripletLoss": "torch ops: sentence-transformers batch_all_triplet_loss",
    "BatchHardTripletLoss": "torch ops: sentence-transformers batch_hard_triplet_loss",
    "BatchSemiHardTripletLoss": "torch ops: sentence-transformers batch_semi_hard_triplet_loss (TF Addons' "
                                "triplet_semihard_loss)",
    "CoSENTLoss": "torch ops: sentence-transformers CoSENTLoss (F.cosine_similarity, -1e12 mask, logsumexp with 0)",
    "TripletMarginWithDistanceLoss": "torch.nn.TripletMarginWithDistanceLoss (distance_function None, or "
                                     "lambda a, b: 1 - F.cosine_similarity(a, b) for \"cosine\")",
}
torchref.BY_HAND.update(BY_HAND)

cases = []


def add(name, loss, inputs, kwargs=None, grad=(0,)):
    """Adds a case; inputs is a list of (name, tensor); float inputs are float64, integer ones int64."""
    kwargs = kwargs or {}
    specs = []
    for n, t in inputs:
        kind = "float64" if t.is_floating_point() else "int64"
        specs.append({"name": n, "dtype": kind, "shape": list(t.shape), "data": t.reshape(-1).tolist()})
    case = {"name": name, "loss": loss, "kwargs": kwargs, "inputs": specs, "grad": list(grad)}
    probe = torchref.evaluate({**case, "grad": []})
    if probe["value"]["shape"]:
        case["cotangent"] = randn(*probe["value"]["shape"]).reshape(-1).tolist()
    case.update(torchref.evaluate(case))
    cases.append(case)


REDUCTIONS = ("mean", "sum", "none")
N, D = 6, 4

# --- In-batch negatives -----------------------------------------------------------------------------------------
a, p, hn = randn(N, D), randn(N, D), randn(3, D)
pos = a + 0.5 * randn(N, D)  # positives near their anchors, so the loss is not flat
for loss in ("MultipleNegativesRankingLoss", "MultipleNegativesSymmetricRankingLoss"):
    short = "mnrl" if loss == "MultipleNegativesRankingLoss" else "mnrl-sym"
    for r in REDUCTIONS:
        add(f"{short}/{r}", loss, [("anchors", a), ("candidates", pos)], {"reduction": r}, grad=(0, 1))
    add(f"{short}/hard-negatives", loss, [("anchors", a), ("candidates", torch.cat((pos, hn)))], {}, grad=(0, 1))
    add(f"{short}/scale=1", loss, [("anchors", a), ("candidates", torch.cat((p, hn)))], {"scale": 1.0},
        grad=(0, 1))
    add(f"{short}/clip-temperature", loss, [("anchors", a), ("candidates", pos)], {"scale": 1 / 0.07,
                                                                                   "reduction": "sum"}, grad=(0, 1))
add("mnrl/one-pair", "MultipleNegativesRankingLoss", [("anchors", a[:1]), ("candidates", pos[:1])], {},
    grad=(0, 1))

# --- NT-Xent ----------------------------------------------------------------------------------------------------
x = randn(N, D)
pairs = torch.tensor([0, 1, 2, 0, 1, 2])  # SimCLR: two views per example
groups = torch.tensor([3, 3, 3, 7, 7, 9])  # a group of three (two positives each) and a singleton
for r in REDUCTIONS:
    add(f"ntxent/pairs/{r}", "NTXentLoss", [("embeddings", x), ("labels", pairs)], {"reduction": r})
add("ntxent/groups", "NTXentLoss", [("embeddings", x), ("labels", groups)], {})
add("ntxent/temperature=0.5", "NTXentLoss", [("embeddings", x), ("labels", pairs)], {"temperature": 0.5})
add("ntxent/temperature=1/none", "NTXentLoss", [("embeddings", x), ("labels", groups)],
    {"temperature": 1.0, "reduction": "none"})
# One group only: no negatives, every pair's loss is 0 (optax's too).
add("ntxent/no-negatives/sum", "NTXentLoss", [("embeddings", x[:3]), ("labels", torch.tensor([5, 5, 5]))],
    {"reduction": "sum"})

# --- Pairwise contrastive ---------------------------------------------------------------------------------------
x1, x2 = randn(N, D), randn(N, D)
x2[:3] = x1[:3] + 0.3 * randn(3, D)
y01 = torch.tensor([1, 1, 1, 0, 0, 1])
for r in REDUCTIONS:
    add(f"contrastive/cosine/{r}", "ContrastiveLoss", [("input1", x1), ("input2", x2), ("target", y01)],
        {"reduction": r}, grad=(0, 1))
for m in (0.5, 3.0):
    add(f"contrastive/euclidean/margin={m}", "ContrastiveLoss", [("input1", x1), ("input2", x2), ("target", y01)],
        {"distance_metric": "euclidean", "margin": m}, grad=(0, 1))
add("contrastive/cosine/margin=1.5/float-target", "ContrastiveLoss",
    [("input1", x1), ("input2", x2), ("target", torch.tensor([1.0, 0.0, 1.0, 0.0, 0.0, 1.0], dtype=DT))],
    {"margin": 1.5, "reduction": "sum"}, grad=(0, 1))

# --- Batch-mined triplets ---------------------------------------------------------------------------------------
e = randn(8, D)
lab = torch.tensor([0, 1, 0, 2, 1, 2, 0, 1])
for loss, short in (("BatchAllTripletLoss", "batch-all"), ("BatchHardTripletLoss", "batch-hard"),
                    ("BatchSemiHardTripletLoss", "batch-semihard")):
    for r in REDUCTIONS:
        add(f"{short}/euclidean/{r}", loss, [("embeddings", e), ("labels", lab)], {"reduction": r})
    for m in (0.5, 1.0):
        add(f"{short}/cosine/margin={m}", loss, [("embeddings", e), ("labels", lab)],
            {"distance_metric": "cosine", "margin": m})
    add(f"{short}/euclidean/margin=1", loss, [("embeddings", e), ("labels", lab)],
        {"distance_metric": "euclidean", "margin": 1.0})
    # A singleton label: an anchor without positives.
    add(f"{short}/singleton", loss, [("embeddings", e), ("labels", torch.tensor([0, 1, 0, 2, 1, 3, 0, 1]))],
        {"margin": 1.0})

# --- CoSENT -----------------------------------------------------------------------------------------------------
scores = torch.tensor([0.9, 0.1, 0.5, 0.5, 0.0, 0.7], dtype=DT)
add("cosent/default", "CoSENTLoss", [("input1", x1), ("input2", x2), ("target", scores)], {}, grad=(0, 1))
add("cosent/scale=1", "CoSENTLoss", [("input1", x1), ("input2", x2), ("target", scores)], {"scale": 1.0},
    grad=(0, 1))
add("cosent/int-labels", "CoSENTLoss", [("input1", x1), ("input2", x2), ("target", y01)], {"scale": 5.0},
    grad=(0, 1))
add("cosent/all-equal", "CoSENTLoss", [("input1", x1), ("input2", x2), ("target", torch.ones(N, dtype=DT))], {},
    grad=(0, 1))

# --- TripletMarginWithDistanceLoss ------------------------------------------------------------------------------
ta, tp, tn = randn(N, D), randn(N, D), randn(N, D)
tp = ta + 0.8 * tp
for r in REDUCTIONS:
    add(f"tmwd/{r}", "TripletMarginWithDistanceLoss", [("anchor", ta), ("positive", tp), ("negative", tn)],
        {"reduction": r}, grad=(0, 1, 2))
for swap in (False, True):
    add(f"tmwd/cosine/swap={swap}", "TripletMarginWithDistanceLoss",
        [("anchor", ta), ("positive", tp), ("negative", tn)],
        {"distance_function": "cosine", "swap": swap, "margin": 0.5}, grad=(0, 1, 2))
    add(f"tmwd/euclidean/swap={swap}", "TripletMarginWithDistanceLoss",
        [("anchor", ta), ("positive", tp), ("negative", ta + 0.9 * tn)],
        {"distance_function": "euclidean", "swap": swap, "margin": 2.0}, grad=(0, 1, 2))

provenance = {
    "torch": torch.__version__,
    "command": "/usr/bin/python3 losses/testdata/gen_golden_metric.py",
    "date": datetime.date.today().isoformat(),
    "dtype": "float64",
    "notes": "; ".join(f"{k}: {v}" for k, v in SOURCE.items()) +
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
