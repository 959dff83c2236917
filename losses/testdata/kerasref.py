"""Reference evaluation of lossbook's Keras losses (losses.NewKeras) with Keras 3 on its JAX backend, shared by
gen_keras_golden.py and the Keras parity checker (losses/internal/kerasparity).

Run with the Keras virtual environment (not Debian's python): `make kerasenv` creates build/kerasenv from PyPI.
Keras runs in float64 here (jax_enable_x64, keras.backend.set_floatx("float64"), and Keras's promotion of float64
to float32 on JAX turned off, see below); its epsilon stays 1e-7.

A case is a dict: {"loss": Keras class name, "framework": "keras", "kwargs": {...}, "inputs": [{"name",
"dtype": "float64"|"int64", "shape", "data"}] in Keras's call order (y_true, y_pred[, sample_weight]), "grad":
[1] (the gradient is taken with respect to y_pred), "cotangent": flat list or None}. evaluate(case) returns
{"value": {"shape", "data"}, "grads": {"1": {"shape", "data"}}}. For a non-scalar value (reduction "none") the
gradient is the vector-Jacobian product with the given cotangent.
"""

import math
import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import jax  # noqa: E402

jax.config.update("jax_enable_x64", True)
jax.config.update("jax_platforms", "cpu")

import jax.numpy as jnp  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras.src.backend.common import dtypes as _kdtypes  # noqa: E402

keras.backend.set_floatx("float64")
# Keras's type promotion on JAX turns float64 into float32 (to match JAX's default without x64), so ops.mean
# would compute in float32 and cast back. The goldens are float64 like the PyTorch ones: keep float64 float64.
# This changes no formula, only the precision the formulas are evaluated in.
_kdtypes.BIT64_TO_BIT32_DTYPE["float64"] = "float64"
assert keras.backend.backend() == "jax", keras.backend.backend()

VERSIONS = {"keras": keras.__version__, "jax": jax.__version__, "numpy": np.__version__, "backend": "jax"}


def keras_kwargs(kwargs):
    """JSON kwargs -> Keras kwargs (a list axis becomes a tuple, as ops.sum wants)."""
    out = dict(kwargs)
    if isinstance(out.get("axis"), list):
        out["axis"] = tuple(out["axis"])
    return out


def make_inputs(case):
    arrays = []
    for spec in case["inputs"]:
        dtype = np.float64 if spec["dtype"] == "float64" else np.int64
        arrays.append(jnp.asarray(np.array(spec["data"], dtype=dtype).reshape(spec["shape"])))
    return arrays


def tensor_json(t):
    t = np.asarray(t, dtype=np.float64)
    return {"shape": list(t.shape), "data": t.reshape(-1).tolist()}


def evaluate(case):
    loss = getattr(keras.losses, case["loss"])(**keras_kwargs(case.get("kwargs", {})))
    inputs = make_inputs(case)
    y_true, y_pred, rest = inputs[0], inputs[1], inputs[2:]

    def f(p):
        return loss(y_true, p, *rest)

    value, vjp = jax.vjp(f, y_pred)
    result = {"value": tensor_json(value), "grads": {}}
    if 1 in case.get("grad", []):
        if np.ndim(value) == 0:
            cot = jnp.ones_like(value)
        else:
            cot = jnp.asarray(np.array(case["cotangent"], dtype=np.float64).reshape(np.shape(value)))
        (g,) = vjp(cot)
        result["grads"]["1"] = tensor_json(g)
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
