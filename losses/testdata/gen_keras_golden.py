"""Generates losses/testdata/keras_golden.json: Keras 3's values and gradients (with respect to y_pred), in
float64 on its JAX backend, for every loss of losses.NewKeras and every argument, with sample weights and each
reduction.

Run from the repository root with the Keras virtual environment (Keras and JAX from PyPI):

    make keras-golden        # = make kerasenv, then: KERAS_BACKEND=jax build/kerasenv/bin/python losses/testdata/gen_keras_golden.py

The Go tests (losses/keras_golden_test.go) read the JSON and never need Python. See kerasref.py for how a case is
evaluated.
"""

import datetime
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kerasref  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "keras_golden.json")
rng = np.random.default_rng(20261207)

REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None)


def randn(*shape, scale=1.0):
    return rng.standard_normal(shape) * scale


def rand(*shape, low=0.0, high=1.0):
    return low + (high - low) * rng.random(shape)


def randint(high, *shape, low=0):
    return rng.integers(low, high, shape)


def probs(*shape, axis=-1):
    e = np.exp(randn(*shape))
    return e / e.sum(axis=axis, keepdims=True)


def onehot(labels, c):
    return np.eye(c)[labels]


cases = []


def add(name, loss, y_true, y_pred, kwargs=None, sample_weight=None):
    """Adds a case; integer y_true is int64, everything else float64."""
    kwargs = kwargs or {}
    inputs = [("y_true", np.asarray(y_true)), ("y_pred", np.asarray(y_pred, dtype=np.float64))]
    if sample_weight is not None:
        inputs.append(("sample_weight", np.asarray(sample_weight, dtype=np.float64)))
    specs = []
    for n, a in inputs:
        dtype = "int64" if np.issubdtype(a.dtype, np.integer) else "float64"
        data = a.reshape(-1).tolist()
        specs.append({"name": n, "dtype": dtype, "shape": list(a.shape), "data": data})
    case = {"name": name, "loss": loss, "framework": "keras", "kwargs": kwargs, "inputs": specs, "grad": [1]}
    probe = kerasref.evaluate({**case, "grad": []})
    if probe["value"]["shape"]:
        case["cotangent"] = randn(*probe["value"]["shape"]).reshape(-1).tolist()
    case.update(kerasref.evaluate(case))
    cases.append(case)


N, C = 5, 4
sw = rand(N, low=0.0, high=2.0)
sw[2] = 0.0

# --- Regression ---------------------------------------------------------------------------------------------------
for loss in ("MeanSquaredError", "MeanAbsoluteError", "LogCosh"):
    yt, yp = randn(N, C), randn(N, C)
    for r in REDUCTIONS:
        add(f"{loss}/{r}", loss, yt, yp, {"reduction": r})
        add(f"{loss}/{r}/sample_weight", loss, yt, yp, {"reduction": r}, sample_weight=sw)
    add(f"{loss}/rank3", loss, randn(2, 3, 4), randn(2, 3, 4))
    add(f"{loss}/rank1", loss, randn(6), randn(6))
    add(f"{loss}/[N,1]-vs-[N]", loss, randn(N, 1), randn(N))
    add(f"{loss}/sample_weight[N,1]", loss, yt, yp, sample_weight=sw.reshape(N, 1))
    add(f"{loss}/sample_weight-scalar", loss, yt, yp, sample_weight=np.array(0.7))
add("MeanSquaredError/rank3/sample_weight[2,3]", "MeanSquaredError", randn(2, 3, 4), randn(2, 3, 4),
    sample_weight=rand(2, 3))
add("LogCosh/large", "LogCosh", randn(N, C, scale=50), randn(N, C, scale=50))
yt = randn(N, C, scale=3)
yt[0, 0] = 0.0  # MAPE divides by max(|y|, eps)
yt[1, 2] = 1e-9
for r in ("sum_over_batch_size", "none"):
    add(f"MeanAbsolutePercentageError/{r}", "MeanAbsolutePercentageError", yt, randn(N, C, scale=3), {"reduction": r},
        sample_weight=sw)
yl = rand(N, C, high=5)
yl[0, 0] = 0.0
pl = rand(N, C, high=5)
pl[1, 1] = -0.5  # clipped to eps
for r in ("sum_over_batch_size", "none"):
    add(f"MeanSquaredLogarithmicError/{r}", "MeanSquaredLogarithmicError", yl, pl, {"reduction": r}, sample_weight=sw)
for d in (1.0, 0.5, 2.5):
    add(f"Huber/delta={d}", "Huber", randn(N, C, scale=2), randn(N, C, scale=2), {"delta": d})
add("Huber/delta=0.3/none", "Huber", randn(N, C), randn(N, C), {"delta": 0.3, "reduction": "none"}, sample_weight=sw)
yc = rand(N, C, high=6).round()
for r in ("sum_over_batch_size", "none"):
    add(f"Poisson/{r}", "Poisson", yc, rand(N, C, low=0.1, high=4), {"reduction": r}, sample_weight=sw)
add("Poisson/rank3", "Poisson", rand(2, 3, 4, high=3).round(), rand(2, 3, 4, low=0.2, high=3))

# --- Cosine similarity --------------------------------------------------------------------------------------------
for axis in (-1, 0, 1):
    add(f"CosineSimilarity/axis={axis}", "CosineSimilarity", randn(N, C), randn(N, C), {"axis": axis})
add("CosineSimilarity/rank3/axis=1/none", "CosineSimilarity", randn(2, 3, 4), randn(2, 3, 4),
    {"axis": 1, "reduction": "none"})
add("CosineSimilarity/sample_weight", "CosineSimilarity", randn(N, C), randn(N, C), sample_weight=sw)

# --- Hinge losses -------------------------------------------------------------------------------------------------
yb01 = randint(2, N, C).astype(np.float64)
ypm = 2 * randint(2, N, C).astype(np.float64) - 1
for loss in ("Hinge", "SquaredHinge"):
    for r in ("sum_over_batch_size", "sum", "none"):
        add(f"{loss}/01/{r}", loss, yb01, randn(N, C), {"reduction": r})
    add(f"{loss}/pm1", loss, ypm, randn(N, C))
    add(f"{loss}/pm1/sample_weight", loss, ypm, randn(N, C), sample_weight=sw)
    mixed = yb01.copy()
    mixed[0, 0] = 0.5  # not all binary: kept as given
    add(f"{loss}/not-binary", loss, mixed, randn(N, C))
for r in ("sum_over_batch_size", "none"):
    add(f"CategoricalHinge/{r}", "CategoricalHinge", onehot(randint(C, N), C), randn(N, C), {"reduction": r},
        sample_weight=sw)

# --- KL divergence ------------------------------------------------------------------------------------------------
pt = probs(N, C)
pt[0] = onehot(np.array(1), C)  # zeros clipped to eps
pp = probs(N, C)
for r in ("sum_over_batch_size", "sum", "none"):
    add(f"KLDivergence/{r}", "KLDivergence", pt, pp, {"reduction": r}, sample_weight=sw)
add("KLDivergence/rank3", "KLDivergence", probs(2, 3, 4), probs(2, 3, 4))

# --- Binary cross-entropy -----------------------------------------------------------------------------------------
yb = randint(2, N, C).astype(np.float64)
pb = rand(N, C, low=0.02, high=0.98)
# Probabilities beyond [eps, 1 - eps] are clipped. In float32, 1 - 1e-7 rounds to 1 - 1.19e-7, so the "clipped"
# cases differ from these float64 goldens by design: the Go test compares them in float64 only.
pclip = pb.copy()
pclip[0, 0] = 1e-9
pclip[1, 1] = 1 - 1e-9
pclip[2, 2] = 1.0
pclip[3, 3] = 0.0
xb = randn(N, C, scale=3)
for fl, yp in ((False, pb), (True, xb)):
    for r in REDUCTIONS:
        add(f"BinaryCrossentropy/from_logits={fl}/{r}", "BinaryCrossentropy", yb, yp, {"from_logits": fl, "reduction": r},
            sample_weight=sw)
    for ls in (0.1, 0.5):
        add(f"BinaryCrossentropy/from_logits={fl}/label_smoothing={ls}", "BinaryCrossentropy", yb, yp,
            {"from_logits": fl, "label_smoothing": ls})
    add(f"BinaryCrossentropy/from_logits={fl}/axis=0", "BinaryCrossentropy", yb, yp, {"from_logits": fl, "axis": 0})
    add(f"BinaryCrossentropy/from_logits={fl}/soft-targets", "BinaryCrossentropy", rand(N, C), yp, {"from_logits": fl})
for r in ("sum_over_batch_size", "none"):
    add(f"BinaryCrossentropy/clipped/{r}", "BinaryCrossentropy", yb, pclip, {"reduction": r})
    add(f"BinaryFocalCrossentropy/clipped/{r}", "BinaryFocalCrossentropy", yb, pclip, {"reduction": r})
add("BinaryCrossentropy/[N,1]", "BinaryCrossentropy", randint(2, N, 1).astype(np.float64), rand(N, 1, low=0.05, high=0.95))
add("BinaryCrossentropy/int-labels", "BinaryCrossentropy", randint(2, N, C), rand(N, C, low=0.05, high=0.95))
for fl, yp in ((False, pb), (True, xb)):
    for bal in (False, True):
        for g in (2.0, 0.0, 3.5):
            add(f"BinaryFocalCrossentropy/from_logits={fl}/balancing={bal}/gamma={g}", "BinaryFocalCrossentropy", yb, yp,
                {"from_logits": fl, "apply_class_balancing": bal, "gamma": g, "alpha": 0.3 if bal else 0.25})
    add(f"BinaryFocalCrossentropy/from_logits={fl}/smoothing+axis0/none", "BinaryFocalCrossentropy", yb, yp,
        {"from_logits": fl, "label_smoothing": 0.2, "axis": 0, "reduction": "none"})
    add(f"BinaryFocalCrossentropy/from_logits={fl}/sample_weight", "BinaryFocalCrossentropy", yb, yp,
        {"from_logits": fl}, sample_weight=sw)

# --- Categorical cross-entropy ------------------------------------------------------------------------------------
lab = randint(C, N)
yo = onehot(lab, C)
pc = probs(N, C)
xc = randn(N, C, scale=2)
unnorm = rand(N, C, low=0.1, high=3.0)  # Keras normalises y_pred to sum 1
for fl, yp in ((False, pc), (True, xc)):
    for r in REDUCTIONS:
        add(f"CategoricalCrossentropy/from_logits={fl}/{r}", "CategoricalCrossentropy", yo, yp,
            {"from_logits": fl, "reduction": r}, sample_weight=sw)
    add(f"CategoricalCrossentropy/from_logits={fl}/label_smoothing=0.1", "CategoricalCrossentropy", yo, yp,
        {"from_logits": fl, "label_smoothing": 0.1})
    add(f"CategoricalCrossentropy/from_logits={fl}/soft-targets", "CategoricalCrossentropy", probs(N, C), yp,
        {"from_logits": fl})
    add(f"CategoricalCrossentropy/from_logits={fl}/axis=1/rank3", "CategoricalCrossentropy",
        onehot(randint(3, 2, 4), 3).transpose(0, 2, 1), randn(2, 3, 4) if fl else probs(2, 3, 4, axis=1),
        {"from_logits": fl, "axis": 1, "label_smoothing": 0.2})
add("CategoricalCrossentropy/unnormalised", "CategoricalCrossentropy", yo, unnorm)
add("CategoricalCrossentropy/clipped", "CategoricalCrossentropy", yo, np.array([[1e-12, 0.5, 0.5, 1e-12]] * N) + 0)
add("CategoricalCrossentropy/rank3/sample_weight[2,3]", "CategoricalCrossentropy", onehot(randint(C, 2, 3), C),
    probs(2, 3, C), sample_weight=rand(2, 3))
for fl, yp in ((False, pc), (True, xc)):
    for g, a in ((2.0, 0.25), (0.0, 1.0), (1.5, 0.5)):
        add(f"CategoricalFocalCrossentropy/from_logits={fl}/gamma={g}/alpha={a}", "CategoricalFocalCrossentropy", yo,
            yp, {"from_logits": fl, "gamma": g, "alpha": a})
    add(f"CategoricalFocalCrossentropy/from_logits={fl}/smoothing+axis0/none", "CategoricalFocalCrossentropy", yo, yp,
        {"from_logits": fl, "label_smoothing": 0.1, "axis": 0, "reduction": "none"})
    add(f"CategoricalFocalCrossentropy/from_logits={fl}/sample_weight", "CategoricalFocalCrossentropy", yo, yp,
        {"from_logits": fl}, sample_weight=sw)

# --- Sparse categorical cross-entropy -----------------------------------------------------------------------------
lab_ign = lab.copy()
lab_ign[1] = -1
lab_ign[3] = -1
for fl, yp in ((False, pc), (True, xc)):
    for r in REDUCTIONS:
        add(f"SparseCategoricalCrossentropy/from_logits={fl}/{r}", "SparseCategoricalCrossentropy", lab, yp,
            {"from_logits": fl, "reduction": r}, sample_weight=sw)
        add(f"SparseCategoricalCrossentropy/from_logits={fl}/ignore_class=-1/{r}", "SparseCategoricalCrossentropy",
            lab_ign, yp, {"from_logits": fl, "ignore_class": -1, "reduction": r}, sample_weight=sw)
    add(f"SparseCategoricalCrossentropy/from_logits={fl}/ignore_class=-1/no-weights", "SparseCategoricalCrossentropy",
        lab_ign, yp, {"from_logits": fl, "ignore_class": -1})
    add(f"SparseCategoricalCrossentropy/from_logits={fl}/ignore_class=2", "SparseCategoricalCrossentropy", lab, yp,
        {"from_logits": fl, "ignore_class": 2, "axis": -1})
    add(f"SparseCategoricalCrossentropy/from_logits={fl}/all-ignored", "SparseCategoricalCrossentropy",
        np.full(N, 7), yp, {"from_logits": fl, "ignore_class": 7})
    add(f"SparseCategoricalCrossentropy/from_logits={fl}/[N,1]-labels", "SparseCategoricalCrossentropy",
        lab.reshape(N, 1), yp, {"from_logits": fl})
    add(f"SparseCategoricalCrossentropy/from_logits={fl}/float-labels", "SparseCategoricalCrossentropy",
        lab.astype(np.float64), yp, {"from_logits": fl})
    add(f"SparseCategoricalCrossentropy/from_logits={fl}/ignore_class=None", "SparseCategoricalCrossentropy", lab, yp,
        {"from_logits": fl, "ignore_class": None})
# Sequences: [B, T] labels with padding 0 ignored, as a language model's loss.
seq = randint(6, 3, 4)
seq[0, 3] = 0
seq[2, 2:] = 0
add("SparseCategoricalCrossentropy/lm/ignore_class=0", "SparseCategoricalCrossentropy", seq, randn(3, 4, 6),
    {"from_logits": True, "ignore_class": 0})
add("SparseCategoricalCrossentropy/lm/sample_weight[B,T]", "SparseCategoricalCrossentropy", seq, randn(3, 4, 6),
    {"from_logits": True}, sample_weight=(seq != 0).astype(np.float64))
add("SparseCategoricalCrossentropy/lm/probs", "SparseCategoricalCrossentropy", seq, probs(3, 4, 6), {})
for q in (0.5, 0.2, 0.8):
    add(f"CategoricalGeneralizedCrossEntropy/q={q}", "CategoricalGeneralizedCrossEntropy", lab, pc, {"q": q})
add("CategoricalGeneralizedCrossEntropy/none", "CategoricalGeneralizedCrossEntropy", lab, pc, {"reduction": "none"},
    sample_weight=sw)

# --- Segmentation overlap losses ----------------------------------------------------------------------------------
ys = randint(2, 2, 4, 3).astype(np.float64)
ps = rand(2, 4, 3)
for loss, extra in (("Dice", {}), ("Tversky", {}), ("Tversky", {"alpha": 0.7, "beta": 0.3})):
    tag = "".join(f"/{k}={v}" for k, v in extra.items())
    add(f"{loss}{tag}/axis=None", loss, ys, ps, extra)
    add(f"{loss}{tag}/axis=None/explicit", loss, ys, ps, {**extra, "axis": None})
    add(f"{loss}{tag}/axis=[1,2]", loss, ys, ps, {**extra, "axis": [1, 2]})
    add(f"{loss}{tag}/axis=-1/none", loss, ys, ps, {**extra, "axis": -1, "reduction": "none"})
    add(f"{loss}{tag}/axis=[1,2]/sample_weight", loss, ys, ps, {**extra, "axis": [1, 2]},
        sample_weight=np.array([0.5, 2.0]))

provenance = {
    **kerasref.VERSIONS,
    "command": "make keras-golden (KERAS_BACKEND=jax build/kerasenv/bin/python losses/testdata/gen_keras_golden.py)",
    "date": datetime.date.today().isoformat(),
    "dtype": "float64 (jax_enable_x64, keras.backend.set_floatx('float64'), Keras's float64->float32 promotion on "
             "JAX disabled: see kerasref.py); keras.backend.epsilon() = %g"
             % kerasref.keras.backend.epsilon(),
    "notes": "Values of keras.losses.<name>(**kwargs)(y_true, y_pred[, sample_weight]); gradients with respect to "
             "y_pred (input 1) by jax.vjp; for a non-scalar value the vector-Jacobian product with 'cotangent'. "
             "Non-finite numbers are written as the strings NaN, Infinity, -Infinity.",
}
doc = kerasref.finite_json({"provenance": provenance, "cases": cases})
tmp = OUT + ".tmp"
with open(tmp, "w") as f:
    json.dump(doc, f, indent=None, separators=(",", ":"))
    f.write("\n")
os.replace(tmp, OUT)
print(f"wrote {len(cases)} cases to {OUT}")
