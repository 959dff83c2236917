#!/usr/bin/python3
"""Random loss cases for lossbook's parity checker: random shapes, options and inputs for every loss of the
registry, evaluated by PyTorch 1.13 in float64 (values and gradients).

    /usr/bin/python3 losses/internal/paritycheck/gen_cases.py --seed 7 --per-loss 20 --out build/parity/cases-7.json

The Go command (go run ./losses/internal/paritycheck -seed 7) runs this script and compares losses.New with it.
The same seed gives the same cases. Losses outside torch.nn are evaluated as losses/testdata/torchref.py says.
"""

import argparse
import datetime
import json
import os
import random
import sys
import zlib

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "testdata"))
import torchref  # noqa: E402

DT = torch.float64


class Draw:
    """Random draws from one seed (Python's random for choices, a torch Generator for tensors)."""

    def __init__(self, seed):
        self.r = random.Random(seed)
        self.g = torch.Generator().manual_seed(seed)

    def choice(self, xs):
        return self.r.choice(xs)

    def chance(self, p):
        return self.r.random() < p

    def uniform(self, a, b):
        return self.r.uniform(a, b)

    def int(self, a, b):
        return self.r.randint(a, b)

    def randn(self, *shape, scale=None):
        scale = scale if scale is not None else self.choice([0.1, 1.0, 1.0, 3.0, 10.0])
        return torch.randn(tuple(shape), generator=self.g, dtype=DT) * scale

    def rand(self, *shape, low=0.0, high=1.0):
        return low + (high - low) * torch.rand(tuple(shape), generator=self.g, dtype=DT)

    def labels(self, c, shape, ignore_index, frac_ignored):
        y = torch.randint(0, c, tuple(shape), generator=self.g, dtype=torch.int64)
        mask = torch.rand(tuple(shape), generator=self.g) < frac_ignored
        return torch.where(mask, torch.full_like(y, ignore_index), y)

    def signs(self, *shape):
        return (torch.randint(0, 2, shape, generator=self.g) * 2 - 1).to(torch.int64)

    def reduction(self, extra=()):
        return self.choice(["mean", "sum", "none"] + list(extra))

    def dims(self, rank, low=1, high=6):
        return [self.int(low, high) for _ in range(rank)]


def class_index_case(d, c_min=1, allow_unbatched=True, allow_kdim=True):
    """Logits [N, C] / [C] / [N, C, d1(, d2)] and labels with ignored positions, plus an ignore_index."""
    c = d.int(c_min, 9)
    kind = d.choice(["2d"] * 6 + (["unbatched"] if allow_unbatched else []) + (["kdim"] * 3 if allow_kdim else []))
    if kind == "unbatched":
        x_shape, y_shape = [c], []
    elif kind == "2d":
        n = d.int(1, 8)
        x_shape, y_shape = [n, c], [n]
    else:
        n, extra = d.int(1, 3), d.dims(d.int(1, 2), 1, 4)
        x_shape, y_shape = [n, c] + extra, [n] + extra
    kwargs = {}
    ignore_index = -100
    if d.chance(0.3):
        ignore_index = d.choice([-100, -1, d.int(0, c - 1)])
        kwargs["ignore_index"] = ignore_index
    frac = d.choice([0.0, 0.0, 0.2, 0.5, 1.0])
    y = d.labels(c, y_shape, ignore_index, frac)
    return d.randn(*x_shape), y, c, kwargs


def weight_list(d, c):
    return d.rand(c, low=0.1, high=3.0).tolist()


def gen_cross_entropy(d):
    x, y, c, kwargs = class_index_case(d)
    if d.chance(0.25):  # probability targets shaped like the input.
        kwargs.pop("ignore_index", None)
        if d.chance(0.5):
            y = torch.softmax(d.randn(*x.shape), dim=1 if x.dim() > 1 else 0)
        else:
            y = d.rand(*x.shape)
    if d.chance(0.5):
        kwargs["weight"] = weight_list(d, c)
    if d.chance(0.5):
        kwargs["label_smoothing"] = d.choice([0.0, d.uniform(0, 1), 0.1, 1.0])
    kwargs["reduction"] = d.reduction()
    # PyTorch differentiates probability targets too.
    return [("input", x), ("target", y)], kwargs, [0, 1] if y.is_floating_point() else [0]


def gen_nll(d):
    x, y, c, kwargs = class_index_case(d)
    if d.chance(0.7):
        x = torch.log_softmax(x, dim=1 if x.dim() > 1 else 0)
    if d.chance(0.5):
        kwargs["weight"] = weight_list(d, c)
    kwargs["reduction"] = d.reduction()
    return [("input", x), ("target", y)], kwargs, [0]


def broadcast_weight(d, shape):
    """A weight that broadcasts to shape: [last], full shape, or [1]."""
    options = [[shape[-1]] if shape else [1], list(shape), [1]]
    return d.rand(*d.choice(options), low=0.1, high=2.0).tolist() if shape else [d.uniform(0.1, 2)]


def gen_bce(d):
    shape = d.dims(d.int(1, 3))
    p = d.rand(*shape, low=0.01, high=0.99)
    if d.chance(0.2):  # exact 0s and 1s: PyTorch's clamp at -100.
        p = torch.where(d.rand(*shape) < 0.3, torch.round(p), p)
    t = d.rand(*shape) if d.chance(0.5) else torch.round(d.rand(*shape))
    kwargs = {"reduction": d.reduction()}
    if d.chance(0.5):
        kwargs["weight"] = broadcast_weight(d, shape)
    return [("input", p), ("target", t)], kwargs, [0, 1]


def gen_bce_logits(d):
    shape = d.dims(d.int(1, 3))
    t = d.rand(*shape) if d.chance(0.5) else torch.round(d.rand(*shape))
    kwargs = {"reduction": d.reduction()}
    if d.chance(0.5):
        kwargs["weight"] = broadcast_weight(d, shape)
    if d.chance(0.5):
        kwargs["pos_weight"] = d.rand(shape[-1], low=0.1, high=5).tolist()
    return [("input", d.randn(*shape)), ("target", t)], kwargs, [0, 1]


def gen_kl(d):
    shape = d.dims(d.int(1, 3))
    axis = len(shape) - 1
    x = torch.log_softmax(d.randn(*shape), dim=axis) if d.chance(0.7) else d.randn(*shape)
    kwargs = {"reduction": d.reduction(["batchmean"])}
    if d.chance(0.4):
        kwargs["log_target"] = True
        t = torch.log_softmax(d.randn(*shape), dim=axis)
    else:
        t = torch.softmax(d.randn(*shape), dim=axis)
        if d.chance(0.3):
            t = torch.where(d.rand(*shape) < 0.3, torch.zeros_like(t), t)  # zeros: 0 log 0 = 0
    return [("input", x), ("target", t)], kwargs, [0, 1]


def gen_regression(name):
    def gen(d):
        shape = d.dims(d.int(0, 3))
        x, y = d.randn(*shape), d.randn(*shape)
        kwargs = {"reduction": d.reduction()}
        if name == "HuberLoss" and d.chance(0.7):
            kwargs["delta"] = d.choice([d.uniform(0.05, 3), 1.0])
        if name == "SmoothL1Loss" and d.chance(0.7):
            kwargs["beta"] = d.choice([d.uniform(0.05, 3), 1.0, 0.0])
        return [("input", x), ("target", y)], kwargs, [0, 1]
    return gen


def gen_poisson(d):
    shape = d.dims(d.int(1, 3))
    kwargs = {"reduction": d.reduction()}
    log_input = d.chance(0.6)
    if not log_input:
        kwargs["log_input"] = False
    x = d.randn(*shape, scale=1.0) if log_input else d.rand(*shape, low=0.01, high=5)
    t = torch.floor(d.rand(*shape, low=0, high=8))
    if d.chance(0.5):
        kwargs["full"] = True
    if d.chance(0.3):
        kwargs["eps"] = d.choice([1e-8, 1e-3, 0.5])
    return [("log_input", x), ("target", t)], kwargs, [0, 1]


def gen_gaussian(d):
    shape = d.dims(d.int(1, 3))
    kind = d.choice(["same", "same", "short", "one"])
    if kind == "same" or len(shape) < 1:
        vshape = shape
    elif kind == "short":
        vshape = shape[:-1]
    else:
        vshape = shape[:-1] + [1]
    var = d.rand(*vshape, low=0.05, high=3)
    if d.chance(0.3):
        var = torch.where(d.rand(*vshape) < 0.3, torch.full_like(var, 1e-9), var)  # under the clamp
    kwargs = {"reduction": d.reduction()}
    if d.chance(0.4):
        kwargs["full"] = True
    if d.chance(0.3):
        kwargs["eps"] = d.choice([1e-6, 1e-3, 0.1])
    return [("input", d.randn(*shape)), ("target", d.randn(*shape)), ("var", var)], kwargs, [0, 1, 2]


def gen_cosine(d):
    shape = [d.int(1, 6), d.int(1, 6)] if d.chance(0.8) else [d.int(1, 6)]
    t = d.signs(*shape[:-1]) if len(shape) == 2 else d.signs(1).reshape(())
    kwargs = {"reduction": d.reduction()}
    if d.chance(0.6):
        kwargs["margin"] = d.uniform(-1, 1)
    return [("input1", d.randn(*shape)), ("input2", d.randn(*shape)), ("target", t)], kwargs, [0, 1]


def gen_ranking(d):
    n = d.int(1, 8)
    kwargs = {"reduction": d.reduction()}
    if d.chance(0.6):
        kwargs["margin"] = d.uniform(-1, 2)
    return [("input1", d.randn(n)), ("input2", d.randn(n)), ("target", d.signs(n))], kwargs, [0, 1]


def gen_triplet(d):
    shape = [d.int(1, 6), d.int(1, 6)] if d.chance(0.8) else [d.int(1, 6)]
    kwargs = {"reduction": d.reduction()}
    if d.chance(0.5):
        kwargs["margin"] = d.uniform(0, 3)
    if d.chance(0.5):
        kwargs["p"] = d.choice([1.0, 2.0, 3.0, d.uniform(1, 4)])
    if d.chance(0.3):
        kwargs["eps"] = d.choice([1e-6, 1e-3, 0.1])
    if d.chance(0.4):
        kwargs["swap"] = True
    ins = [("anchor", d.randn(*shape)), ("positive", d.randn(*shape)), ("negative", d.randn(*shape))]
    return ins, kwargs, [0, 1, 2]


def gen_hinge(d):
    shape = d.dims(d.int(1, 3))
    kwargs = {"reduction": d.reduction()}
    if d.chance(0.5):
        kwargs["margin"] = d.uniform(0, 3)
    return [("input", d.randn(*shape)), ("target", d.signs(*shape))], kwargs, [0]


def gen_soft_margin(d):
    shape = d.dims(d.int(1, 3))
    return [("input", d.randn(*shape)), ("target", d.signs(*shape))], {"reduction": d.reduction()}, [0]


def gen_multilabel(d):
    c = d.int(1, 7)
    shape = [d.int(1, 6), c] if d.chance(0.8) else [c]
    kwargs = {"reduction": d.reduction()}
    if d.chance(0.5):
        kwargs["weight"] = d.rand(c, low=0.1, high=2).tolist()
    t = torch.round(d.rand(*shape))
    return [("input", d.randn(*shape)), ("target", t)], kwargs, [0, 1]


def gen_sigmoid_focal(d):
    shape = d.dims(d.int(1, 3))
    kwargs = {"reduction": d.choice(["none", "mean", "sum"])}
    if d.chance(0.6):
        kwargs["alpha"] = d.choice([d.uniform(0, 1), -1.0, 0.25])
    if d.chance(0.6):
        kwargs["gamma"] = d.choice([0.0, 1.0, 2.0, d.uniform(0, 4)])
    t = torch.round(d.rand(*shape)) if d.chance(0.7) else d.rand(*shape)
    return [("inputs", d.randn(*shape)), ("targets", t)], kwargs, [0, 1]


def gen_softmax_focal(d):
    x, y, c, kwargs = class_index_case(d)
    if d.chance(0.5):
        kwargs["weight"] = weight_list(d, c)
    if d.chance(0.7):
        kwargs["gamma"] = d.choice([0.0, 1.0, 2.0, d.uniform(0, 4)])
    kwargs["reduction"] = d.reduction()
    return [("input", x), ("target", y)], kwargs, [0]


def gen_poly1(d):
    x, y, c, kwargs = class_index_case(d)
    if d.chance(0.25):
        kwargs.pop("ignore_index", None)
        y = torch.softmax(d.randn(*x.shape), dim=1 if x.dim() > 1 else 0)
    if d.chance(0.7):
        kwargs["epsilon"] = d.choice([d.uniform(-1, 3), 1.0, 2.0, 0.0])
    kwargs["reduction"] = d.reduction()
    return [("logits", x), ("labels", y)], kwargs, [0]


def mlm_inputs(d):
    b, t, v = d.int(1, 3), d.int(1, 6), d.int(2, 9)
    ignore_index = -100
    kwargs = {}
    if d.chance(0.2):
        ignore_index = -1
        kwargs["ignore_index"] = -1
    y = d.labels(v, [b, t], ignore_index, d.choice([0.0, 0.5, 0.85, 1.0]))
    return d.randn(b, t, v), y, kwargs


def gen_mlm(d):
    x, y, kwargs = mlm_inputs(d)
    kwargs["reduction"] = d.reduction()
    if d.chance(0.3):
        kwargs["label_smoothing"] = d.uniform(0, 0.5)
    return [("prediction_scores", x), ("labels", y)], kwargs, [0]


def gen_nsp(d):
    b = d.int(1, 8)
    y = torch.randint(0, 2, (b,), generator=d.g)
    return [("seq_relationship_score", d.randn(b, 2)), ("next_sentence_label", y)], {"reduction": d.reduction()}, [0]


def gen_bert(d):
    x, y, kwargs = mlm_inputs(d)
    b = x.shape[0]
    nsp_y = torch.randint(0, 2, (b,), generator=d.g)
    ins = [("prediction_scores", x), ("seq_relationship_score", d.randn(b, 2)), ("labels", y),
           ("next_sentence_label", nsp_y)]
    return ins, kwargs, [0, 1]


GENERATORS = {
    "CrossEntropyLoss": gen_cross_entropy,
    "NLLLoss": gen_nll,
    "BCELoss": gen_bce,
    "BCEWithLogitsLoss": gen_bce_logits,
    "KLDivLoss": gen_kl,
    "MSELoss": gen_regression("MSELoss"),
    "L1Loss": gen_regression("L1Loss"),
    "HuberLoss": gen_regression("HuberLoss"),
    "SmoothL1Loss": gen_regression("SmoothL1Loss"),
    "CosineEmbeddingLoss": gen_cosine,
    "MarginRankingLoss": gen_ranking,
    "TripletMarginLoss": gen_triplet,
    "HingeEmbeddingLoss": gen_hinge,
    "SoftMarginLoss": gen_soft_margin,
    "MultiLabelSoftMarginLoss": gen_multilabel,
    "PoissonNLLLoss": gen_poisson,
    "GaussianNLLLoss": gen_gaussian,
    "SigmoidFocalLoss": gen_sigmoid_focal,
    "SoftmaxFocalLoss": gen_softmax_focal,
    "Poly1CrossEntropyLoss": gen_poly1,
    "MLMLoss": gen_mlm,
    "NSPLoss": gen_nsp,
    "BertPreTrainingLoss": gen_bert,
}


def spec(name, t):
    kind = "float64" if t.is_floating_point() else "int64"
    return {"name": name, "dtype": kind, "shape": list(t.shape), "data": t.reshape(-1).tolist()}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--per-loss", type=int, default=20)
    ap.add_argument("--out", required=True)
    ap.add_argument("--losses", default="", help="comma-separated registry names (default: all)")
    args = ap.parse_args()
    names = [n for n in args.losses.split(",") if n] or list(GENERATORS)
    cases, skipped = [], []
    for name in names:
        for i in range(args.per_loss):
            d = Draw(zlib.crc32(f"{args.seed}/{name}/{i}".encode()))
            inputs, kwargs, grad = GENERATORS[name](d)
            case = {"name": f"{name}/{i}", "loss": name, "kwargs": kwargs,
                    "inputs": [spec(n, t) for n, t in inputs], "grad": grad}
            try:
                probe = torchref.evaluate({**case, "grad": []})
                if probe["value"]["shape"]:
                    case["cotangent"] = d.randn(*probe["value"]["shape"], scale=1.0).reshape(-1).tolist()
                case.update(torchref.evaluate(case))
            except Exception as e:  # PyTorch refused the draw: report it, do not hide it.
                skipped.append({"name": case["name"], "kwargs": kwargs, "error": str(e)})
                continue
            cases.append(case)
    doc = {
        "provenance": {
            "torch": torch.__version__,
            "command": "/usr/bin/python3 " + " ".join(sys.argv),
            "date": datetime.date.today().isoformat(),
            "seed": args.seed,
            "dtype": "float64",
            "skipped": skipped,
        },
        "cases": cases,
    }
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    tmp = args.out + ".tmp"
    with open(tmp, "w") as f:
        json.dump(torchref.finite_json(doc), f, separators=(",", ":"))
    os.replace(tmp, args.out)
    print(f"gen_cases: seed {args.seed}: {len(cases)} cases, {len(skipped)} refused by PyTorch -> {args.out}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
