"""Random Keras loss cases for lossbook's Keras parity checker: random shapes, arguments, sample weights and
inputs for every loss of losses.NewKeras, evaluated by Keras 3 on JAX in float64 (values and gradients with
respect to y_pred).

    KERAS_BACKEND=jax build/kerasenv/bin/python losses/internal/kerasparity/gen_cases.py --seed 7 --per-loss 20 \\
        --out build/parity/keras-cases-7.json

The Go command (go run ./losses/internal/kerasparity -seed 7) runs this script and compares losses.NewKeras with
it. The same seed gives the same cases. See losses/testdata/kerasref.py for how a case is evaluated.
"""

import argparse
import datetime
import json
import os
import random
import sys
import zlib

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "testdata"))
import kerasref  # noqa: E402

REDUCTIONS = ["sum_over_batch_size", "sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None]


class Draw:
    """Random draws from one seed (Python's random for choices, a NumPy Generator for arrays)."""

    def __init__(self, seed):
        self.r = random.Random(seed)
        self.g = np.random.default_rng(seed)

    def choice(self, xs):
        return self.r.choice(xs)

    def chance(self, p):
        return self.r.random() < p

    def uniform(self, a, b):
        return self.r.uniform(a, b)

    def int(self, a, b):
        return self.r.randint(a, b)

    def shape(self, min_rank=1, max_rank=3):
        return [self.int(1, 5) for _ in range(self.int(min_rank, max_rank))]

    def randn(self, shape, scale=None):
        scale = scale if scale is not None else self.choice([0.1, 1.0, 1.0, 3.0, 10.0])
        return self.g.standard_normal(shape) * scale

    def rand(self, shape, low=0.0, high=1.0):
        return low + (high - low) * self.g.random(shape)

    def probs(self, shape, axis=-1):
        e = np.exp(self.randn(shape, scale=self.choice([0.5, 1.0, 3.0])))
        return e / e.sum(axis=axis, keepdims=True)

    def labels(self, c, shape):
        return self.g.integers(0, c, shape)


def sample_weight(d, value_shape):
    """None, or a weight that broadcasts to the per-sample values: their shape, a prefix-trimmed one, or a scalar."""
    if not d.chance(0.5):
        return None
    kind = d.choice(["same", "same", "scalar", "first"])
    if kind == "scalar" or not value_shape:
        return d.rand([], 0.0, 2.0)
    if kind == "first" and len(value_shape) >= 2:
        return d.rand(value_shape[:1] + [1] * (len(value_shape) - 1), 0.0, 2.0)
    w = d.rand(value_shape, 0.0, 2.0)
    if d.chance(0.3):
        w.reshape(-1)[0] = 0.0
    return w


def reduction(d, kwargs):
    r = d.choice(REDUCTIONS)
    if r != "sum_over_batch_size" or d.chance(0.3):
        kwargs["reduction"] = r


def regression(name, y_pos=False, p_pos=False):
    def draw(d):
        shape = d.shape()
        y = d.rand(shape, 0, 5) if y_pos else d.randn(shape)
        p = d.rand(shape, 0.05, 5) if p_pos else d.randn(shape)
        kwargs = {}
        if name == "Huber" and d.chance(0.7):
            kwargs["delta"] = d.choice([0.5, 1.0, 2.0, d.uniform(0.1, 3)])
        if name == "CosineSimilarity" and d.chance(0.7):
            kwargs["axis"] = d.int(-len(shape), len(shape) - 1)
        if name == "Poisson":
            y = np.round(y)
        axis = kwargs.get("axis", -1) % len(shape)
        vshape = shape[:-1] if name != "CosineSimilarity" else shape[:axis] + shape[axis + 1:]
        return y, p, kwargs, vshape
    return draw


def hinge(d):
    shape = d.shape()
    y = d.labels(2, shape).astype(np.float64)
    if d.chance(0.5):
        y = 2 * y - 1
    return y, d.randn(shape), {}, shape[:-1]


def categorical_hinge(d):
    shape = d.shape()
    y = np.eye(shape[-1])[d.labels(shape[-1], shape[:-1])]
    return y, d.randn(shape), {}, shape[:-1]


def kl(d):
    shape = d.shape()
    y = d.probs(shape)
    if d.chance(0.3):
        y = np.eye(shape[-1])[d.labels(shape[-1], shape[:-1])]
    return y, d.probs(shape), {}, shape[:-1]


def binary(name):
    def draw(d):
        shape = d.shape()
        y = d.labels(2, shape).astype(np.float64) if d.chance(0.7) else d.rand(shape)
        kwargs = {"from_logits": d.chance(0.5)}
        p = d.randn(shape) if kwargs["from_logits"] else d.rand(shape, 0.01, 0.99)
        if d.chance(0.5):
            kwargs["label_smoothing"] = d.choice([0.1, 0.2, d.uniform(0, 0.5)])
        if d.chance(0.3):
            kwargs["axis"] = d.int(-len(shape), len(shape) - 1)
        if name == "BinaryFocalCrossentropy":
            kwargs["apply_class_balancing"] = d.chance(0.5)
            kwargs["alpha"] = d.choice([0.25, d.uniform(0, 1)])
            kwargs["gamma"] = d.choice([0.0, 1.0, 2.0, d.uniform(0, 4)])
        axis = kwargs.get("axis", -1) % len(shape)
        return y, p, kwargs, shape[:axis] + shape[axis + 1:]
    return draw


def categorical(name):
    def draw(d):
        shape = d.shape()
        shape[-1] = max(shape[-1], 2)
        kwargs = {"from_logits": d.chance(0.5)}
        if d.chance(0.3):
            kwargs["axis"] = d.int(-len(shape), len(shape) - 1)
        axis = kwargs.get("axis", -1) % len(shape)
        c = shape[axis]
        if d.chance(0.6):
            y = np.moveaxis(np.eye(c)[d.labels(c, shape[:axis] + shape[axis + 1:])], -1, axis)
        else:
            y = d.probs(shape, axis=axis)
        p = d.randn(shape) if kwargs["from_logits"] else d.probs(shape, axis=axis)
        if d.chance(0.5):
            kwargs["label_smoothing"] = d.choice([0.1, d.uniform(0, 0.5)])
        if name == "CategoricalFocalCrossentropy":
            kwargs["alpha"] = d.choice([0.25, d.uniform(0, 1)])
            kwargs["gamma"] = d.choice([0.0, 1.0, 2.0, d.uniform(0, 4)])
        return y, p, kwargs, shape[:axis] + shape[axis + 1:]
    return draw


def sparse(d):
    shape = d.shape()
    shape[-1] = max(shape[-1], 2)
    c = shape[-1]
    y = d.labels(c, shape[:-1])
    kwargs = {"from_logits": d.chance(0.5)}
    if d.chance(0.5):
        ign = d.choice([-1, 0, c - 1])
        kwargs["ignore_class"] = ign
        mask = d.rand(shape[:-1]) < d.choice([0.0, 0.3, 0.6])
        y = np.where(mask, ign, y)
    p = d.randn(shape) if kwargs["from_logits"] else d.probs(shape)
    return y, p, kwargs, shape[:-1]


def generalized(d):
    shape = d.shape()
    shape[-1] = max(shape[-1], 2)  # with one class Keras broadcasts the one-hot labels into an [N, N] matrix
    c = shape[-1]
    kwargs = {}
    if d.chance(0.7):
        kwargs["q"] = d.choice([0.5, d.uniform(0.05, 0.95)])
    return d.labels(c, shape[:-1]), d.probs(shape), kwargs, shape[:-1]


def overlap(name):
    def draw(d):
        shape = d.shape()
        y = d.labels(2, shape).astype(np.float64) if d.chance(0.7) else d.rand(shape)
        p = d.rand(shape)
        kwargs = {}
        vshape = []
        if d.chance(0.6):
            axes = sorted(d.r.sample(range(len(shape)), d.int(1, len(shape))))
            kwargs["axis"] = axes[0] if len(axes) == 1 and d.chance(0.5) else axes
            vshape = [s for i, s in enumerate(shape) if i not in axes]
        if name == "Tversky":
            for k in ("alpha", "beta"):
                if d.chance(0.6):
                    kwargs[k] = d.uniform(0, 1)
        return y, p, kwargs, vshape
    return draw


DRAW = {
    "MeanSquaredError": regression("MeanSquaredError"),
    "MeanAbsoluteError": regression("MeanAbsoluteError"),
    "MeanAbsolutePercentageError": regression("MeanAbsolutePercentageError"),
    "MeanSquaredLogarithmicError": regression("MeanSquaredLogarithmicError", y_pos=True, p_pos=True),
    "CosineSimilarity": regression("CosineSimilarity"),
    "Huber": regression("Huber"),
    "LogCosh": regression("LogCosh"),
    "Poisson": regression("Poisson", y_pos=True, p_pos=True),
    "Hinge": hinge,
    "SquaredHinge": hinge,
    "CategoricalHinge": categorical_hinge,
    "KLDivergence": kl,
    "BinaryCrossentropy": binary("BinaryCrossentropy"),
    "BinaryFocalCrossentropy": binary("BinaryFocalCrossentropy"),
    "CategoricalCrossentropy": categorical("CategoricalCrossentropy"),
    "CategoricalFocalCrossentropy": categorical("CategoricalFocalCrossentropy"),
    "SparseCategoricalCrossentropy": sparse,
    "CategoricalGeneralizedCrossEntropy": generalized,
    "Dice": overlap("Dice"),
    "Tversky": overlap("Tversky"),
}


def spec(name, a):
    a = np.asarray(a)
    dtype = "int64" if np.issubdtype(a.dtype, np.integer) else "float64"
    return {"name": name, "dtype": dtype, "shape": list(a.shape), "data": a.reshape(-1).tolist()}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--per-loss", type=int, default=20)
    ap.add_argument("--losses", default="", help="comma-separated Keras class names (default: all)")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    names = [n for n in args.losses.split(",") if n] or sorted(DRAW)
    cases, skipped = [], []
    for name in names:
        if name not in DRAW:
            sys.exit(f"gen_cases.py: unknown Keras loss {name!r} (valid: {', '.join(sorted(DRAW))})")
        # One stream per loss, so that --losses gives the same cases as a full run.
        d = Draw(args.seed * 1000003 + zlib.crc32(name.encode()))
        for i in range(args.per_loss):
            y, p, kwargs, vshape = DRAW[name](d)
            reduction(d, kwargs)
            inputs = [spec("y_true", y), spec("y_pred", p)]
            w = sample_weight(d, vshape)
            if w is not None:
                inputs.append(spec("sample_weight", w))
            case = {"name": f"{name}/{i}", "loss": name, "framework": "keras", "kwargs": kwargs, "inputs": inputs,
                    "grad": [1]}
            try:
                probe = kerasref.evaluate({**case, "grad": []})
                if probe["value"]["shape"]:
                    case["cotangent"] = d.randn(probe["value"]["shape"], scale=1.0).reshape(-1).tolist()
                case.update(kerasref.evaluate(case))
            except Exception as e:  # noqa: BLE001 - a refused case is reported, not fatal
                skipped.append(f"{case['name']} {kwargs}: {type(e).__name__}: {e}")
                continue
            cases.append(case)
    provenance = {**kerasref.VERSIONS, "seed": args.seed, "per_loss": args.per_loss,
                  "command": " ".join(["gen_cases.py"] + sys.argv[1:]), "date": datetime.date.today().isoformat(),
                  "skipped": skipped}
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    tmp = args.out + ".tmp"
    with open(tmp, "w") as f:
        json.dump(kerasref.finite_json({"provenance": provenance, "cases": cases}), f, separators=(",", ":"))
        f.write("\n")
    os.replace(tmp, args.out)
    print(f"gen_cases.py: {len(cases)} Keras cases ({len(skipped)} refused) to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
