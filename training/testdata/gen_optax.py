"""Golden traces of optax's LAMB, Adafactor and Lion for lossbook's training package.

Run from the repository root with the virtual environment that scripts/optaxenv.sh creates (JAX on CPU and optax
from PyPI; this script records their versions):

    sh scripts/optaxenv.sh
    build/optaxenv/bin/python training/testdata/gen_optax.py > training/testdata/optax.json

It uses the least-squares problem of training/testdata/optim.json (the torch goldens), in float64
(jax_enable_x64), full batch, 20 steps:

    pred = X @ weight + bias,  loss = mean((pred - Y)^2)

and records, for each step, the learning rate used, the loss before the step, the gradient norm and the
parameters after the step, in optim.json's format. Options are written as optax spells them (learning_rate, b1,
weight_decay_rate, ...) and Go reads them with training.NewOptimizer. lossbook's own options are translated here:
no_decay (a list of name substrings) becomes optax's mask (True where weight decay applies) over the names
"linear.weight" and "linear.bias"; dtype strings ("float32") become dtypes; a "schedule" is Hugging Face's linear
warmup-then-decay as an optax schedule (a function of the step count, 0 at the first update).

Adafactor: optax computes its second-moment decay 1 - t^-0.8 in float32 with XLA's float32 power, which is not
correctly rounded: at t = 4 (and t = 36) it is one float32 ulp off the correctly rounded value. lossbook computes
the power in float64 and rounds it to float32, the same on every backend. So each Adafactor case carries two
traces: "trace", from optax's own adafactor chain (rebuilt from optax's transformations, checked here to equal
optax.adafactor bit for bit) with the correctly rounded decay, which lossbook must equal to float64 rounding; and
"trace_optax", from optax.adafactor as shipped, which differs from it after step 4 by the amount recorded in
"max_weight_diff_optax" (a looser tier in the Go test).
"""
import datetime
import json
import os
import sys

import jax

jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import optax  # noqa: E402
from optax._src import factorized  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, "optim.json")) as f:
    PROBLEM = json.load(f)["problem"]
STEPS = 20
X = jnp.array(PROBLEM["x"], dtype=jnp.float64)
Y = jnp.array(PROBLEM["y"], dtype=jnp.float64)
NAMES = {"weight": "linear.weight", "bias": "linear.bias"}


def loss_fn(params):
    return jnp.mean((X @ params["weight"] + params["bias"] - Y) ** 2)


def linear_with_warmup(lr, warmup, total):
    # Hugging Face's get_linear_schedule_with_warmup, as an optax schedule of the update count.
    def schedule(count):
        count = jnp.asarray(count, jnp.float64)
        factor = jnp.where(count < warmup, count / max(1, warmup),
                           jnp.maximum(0.0, (total - count) / max(1, total - warmup)))
        return lr * factor
    return schedule


def correctly_rounded_decay(i, exponent=0.8):
    # optax's _decay_rate_pow with the power computed in float64 and rounded to float32 (see the module doc).
    t = np.float32(i + 1)
    return jnp.float32(1.0) - jnp.asarray(np.float32(np.float64(t) ** -exponent), jnp.float32)


def adafactor_chain(decay_rate_fn, learning_rate=None, min_dim_size_to_factor=128, decay_rate=0.8,
                    decay_offset=0, multiply_by_parameter_scale=True, clipping_threshold=1.0, momentum=None,
                    dtype_momentum=jnp.float32, weight_decay_rate=None, eps=1e-30, factored=True,
                    weight_decay_mask=None):
    # optax.adafactor's chain (optax/_src/alias.py), with the decay schedule as a parameter.
    tx = [factorized.scale_by_factored_rms(factored, decay_rate, decay_offset, min_dim_size_to_factor, eps,
                                           decay_rate_fn=decay_rate_fn)]
    if clipping_threshold is not None:
        tx.append(optax.clip_by_block_rms(clipping_threshold))
    if learning_rate is not None:
        tx.append(optax.scale_by_learning_rate(learning_rate, flip_sign=False))
    if multiply_by_parameter_scale:
        tx.append(optax.scale_by_param_block_rms())
    if momentum is not None:
        tx.append(optax.ema(momentum, debias=False, accumulator_dtype=dtype_momentum))
    if weight_decay_rate is not None:
        tx.append(optax.add_decayed_weights(weight_decay_rate, mask=weight_decay_mask))
    tx.append(optax.scale(-1))
    return optax.chain(*tx)


def build(case, variant):
    kwargs = dict(case["kwargs"])
    no_decay = kwargs.pop("no_decay", None)
    for key in ("mu_dtype", "dtype_momentum"):
        if key in kwargs:
            kwargs[key] = jnp.dtype(kwargs[key])
    lr = kwargs.get("learning_rate")
    if case.get("schedule") and lr is not None:
        args = case["schedule"]["args"]
        kwargs["learning_rate"] = linear_with_warmup(lr, args["num_warmup_steps"], args["num_training_steps"])
    mask_key = "weight_decay_mask" if case["optimizer"] == "Adafactor" else "mask"
    if no_decay:
        kwargs[mask_key] = {k: not any(s in NAMES[k] for s in no_decay) for k in NAMES}
    if case["optimizer"] == "LAMB":
        return optax.lamb(**kwargs)
    if case["optimizer"] == "Lion":
        return optax.lion(**kwargs)
    if variant == "optax":
        return optax.adafactor(**kwargs)
    if variant == "chain":
        return adafactor_chain(factorized._decay_rate_pow, **kwargs)
    return adafactor_chain(correctly_rounded_decay, **kwargs)


def lr_at(case, step):
    lr = case["kwargs"].get("learning_rate")
    if lr is None:
        return 1.0  # Adafactor without a learning rate: no scaling, lossbook's learning rate 1.
    if case.get("schedule"):
        args = case["schedule"]["args"]
        return float(linear_with_warmup(lr, args["num_warmup_steps"], args["num_training_steps"])(step))
    return float(lr)


def run(case, variant="golden"):
    params = {"weight": jnp.array(PROBLEM["weight"], jnp.float64), "bias": jnp.array(PROBLEM["bias"], jnp.float64)}
    opt = build(case, variant)
    state = opt.init(params)
    steps = []
    for step in range(STEPS):
        loss, grads = jax.value_and_grad(loss_fn)(params)
        grad_norm = float(optax.global_norm(grads))
        updates, state = opt.update(grads, state, params)
        params = optax.apply_updates(params, updates)
        steps.append({
            "lr": lr_at(case, step),
            "loss": float(loss),
            "grad_norm": grad_norm,
            "weight": np.asarray(params["weight"]).flatten().tolist(),
            "bias": np.asarray(params["bias"]).tolist(),
        })
    return steps


def case(name, optimizer, kwargs, **extra):
    c = {"name": name, "optimizer": optimizer, "kwargs": kwargs}
    c.update(extra)
    return c


LINEAR = {"name": "linear", "args": {"num_warmup_steps": 5, "num_training_steps": 20}}

CASES = [
    case("LAMB", "LAMB", {"learning_rate": 0.05}),
    case("LAMB b1 b2 eps eps_root", "LAMB", {"learning_rate": 0.05, "b1": 0.8, "b2": 0.99, "eps": 1e-4,
                                             "eps_root": 1e-8}),
    case("LAMB weight_decay", "LAMB", {"learning_rate": 0.05, "weight_decay": 0.1}),
    case("LAMB weight_decay mask", "LAMB", {"learning_rate": 0.05, "weight_decay": 0.3, "no_decay": ["bias"]}),
    case("LAMB linear warmup", "LAMB", {"learning_rate": 0.1, "weight_decay": 0.01}, schedule=LINEAR),
    case("Lion", "Lion", {"learning_rate": 0.01}),
    case("Lion b1 b2", "Lion", {"learning_rate": 0.01, "b1": 0.95, "b2": 0.98, "weight_decay": 0.0}),
    case("Lion weight_decay mask", "Lion", {"learning_rate": 0.01, "weight_decay": 0.5, "no_decay": ["bias"]}),
    case("Lion mu_dtype float32", "Lion", {"learning_rate": 0.01, "mu_dtype": "float32"}),
    case("Lion linear warmup", "Lion", {"learning_rate": 0.02}, schedule=LINEAR),
    case("Adafactor", "Adafactor", {}),
    case("Adafactor learning_rate", "Adafactor", {"learning_rate": 0.05}),
    case("Adafactor factored", "Adafactor", {"learning_rate": 0.05, "min_dim_size_to_factor": 2}),
    case("Adafactor factored no scale no clipping", "Adafactor",
         {"learning_rate": 0.02, "min_dim_size_to_factor": 2, "multiply_by_parameter_scale": False,
          "clipping_threshold": None, "decay_rate": 0.6, "eps": 1e-20}),
    case("Adafactor clipping_threshold", "Adafactor",
         {"learning_rate": 0.05, "min_dim_size_to_factor": 2, "clipping_threshold": 0.5}),
    case("Adafactor unfactored", "Adafactor", {"learning_rate": 0.05, "min_dim_size_to_factor": 2,
                                               "factored": False}),
    case("Adafactor momentum", "Adafactor", {"learning_rate": 0.05, "min_dim_size_to_factor": 2, "momentum": 0.9}),
    case("Adafactor momentum float64", "Adafactor",
         {"learning_rate": 0.05, "min_dim_size_to_factor": 2, "momentum": 0.8, "dtype_momentum": "float64"}),
    case("Adafactor weight_decay_rate mask", "Adafactor",
         {"learning_rate": 0.05, "min_dim_size_to_factor": 2, "weight_decay_rate": 0.01, "no_decay": ["bias"]}),
    case("Adafactor linear warmup", "Adafactor", {"learning_rate": 0.1, "min_dim_size_to_factor": 2},
         schedule=LINEAR),
]


def random_cases(seed=23, per_optimizer=4):
    # Random parity: options drawn at random (seeded, so the file is reproducible) around the usual values.
    rng = np.random.default_rng(seed)
    cases = []
    for i in range(per_optimizer):
        cases.append(case(f"random LAMB {i}", "LAMB", {
            "learning_rate": float(rng.uniform(0.005, 0.1)), "b1": float(rng.uniform(0.5, 0.95)),
            "b2": float(rng.uniform(0.9, 0.9999)), "eps": float(10 ** rng.uniform(-8, -3)),
            "weight_decay": float(rng.uniform(0, 0.5))}))
        cases.append(case(f"random Lion {i}", "Lion", {
            "learning_rate": float(rng.uniform(0.001, 0.05)), "b1": float(rng.uniform(0.5, 0.99)),
            "b2": float(rng.uniform(0.9, 0.999)), "weight_decay": float(rng.uniform(0, 1))}))
        cases.append(case(f"random Adafactor {i}", "Adafactor", {
            "learning_rate": float(rng.uniform(0.005, 0.2)), "min_dim_size_to_factor": int(rng.integers(1, 4)),
            "decay_rate": float(rng.uniform(0.5, 1.0)), "clipping_threshold": float(rng.uniform(0.5, 2)),
            "momentum": float(rng.uniform(0.5, 0.95)), "dtype_momentum": "float64",
            "weight_decay_rate": float(rng.uniform(0, 0.1)),
            "multiply_by_parameter_scale": bool(rng.integers(0, 2))}))
    return cases


CASES += random_cases()


def max_weight_diff(a, b):
    return max(abs(x - y) for sa, sb in zip(a, b) for x, y in zip(sa["weight"] + sa["bias"], sb["weight"] + sb["bias"]))


def main():
    out = {
        "source": "optax.lamb, optax.lion, optax.adafactor",
        "jax_version": jax.__version__,
        "optax_version": optax.__version__,
        "command": "build/optaxenv/bin/python training/testdata/gen_optax.py > training/testdata/optax.json",
        "date": datetime.date.today().isoformat(),
        "steps": STEPS,
        "problem": PROBLEM,
        "cases": [],
    }
    for c in CASES:
        c = dict(c)
        c["trace"] = run(c)
        if c["optimizer"] == "Adafactor":
            shipped = run(c, "optax")
            if run(c, "chain") != shipped:
                raise SystemExit(f"{c['name']}: the rebuilt chain differs from optax.adafactor")
            c["trace_optax"] = shipped
            c["max_weight_diff_optax"] = max_weight_diff(c["trace"], shipped)
        out["cases"].append(c)
    json.dump(out, sys.stdout, indent=1, allow_nan=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
