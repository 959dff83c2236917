#!/usr/bin/python3
"""Golden traces of torch.optim's per-parameter state (state[p]) for lossbook's training package.

Run from the repository root with Debian's Python (torch 1.13):

    /usr/bin/python3 training/testdata/gen_optim_state.py > training/testdata/optim_state.json

Each scenario trains four float64 parameters through phases. A phase takes some full-batch steps with one
optimizer, one loss and some parameters frozen:

    loss "pre":  mean((X @ pre.weight + pre.bias - Y)^2)                               (head unused)
    loss "head": mean(((X @ pre.weight + pre.bias) @ head.weight + head.bias - Y)^2)

Every optimizer is built over all four parameters, as torch users do, so a parameter that the loss does not use
or that is frozen (requires_grad False) has grad None and torch's step() skips it: no state, no weight decay, no
step count. Gradients are reset to None before every step (zero_grad(set_to_none=True), torch 2's default; with
torch 1.13's default zero_grad() a frozen parameter would keep a zero gradient and still be moved by momentum and
weight decay). A phase that names a new optimizer index builds a new optimizer object, whose state is empty.

The scenarios cover a head added after pre-training (a late parameter), parameters frozen then unfrozen, and two
optimizers of the same class in sequence. For each step the trace records the loss before the step and every
parameter after it; at the end of each phase it records every parameter's torch state: the Adam step count (0 if
none) and whether a momentum buffer exists.
"""
import datetime
import json
import sys

import torch

torch.set_default_dtype(torch.float64)

gen = torch.Generator().manual_seed(20261207)
X = torch.randn(8, 3, generator=gen)
Y = torch.randn(8, 2, generator=gen)
INIT = {
    "pre.weight": 0.5 * torch.randn(3, 2, generator=gen),
    "pre.bias": 0.5 * torch.randn(2, generator=gen),
    "head.weight": 0.5 * torch.randn(2, 2, generator=gen),
    "head.bias": 0.5 * torch.randn(2, generator=gen),
}
NAMES = list(INIT)


def loss_fn(name, p):
    hidden = X @ p["pre.weight"] + p["pre.bias"]
    if name == "pre":
        return torch.nn.functional.mse_loss(hidden, Y)
    return torch.nn.functional.mse_loss(hidden @ p["head.weight"] + p["head.bias"], Y)


CLASSES = {"SGD": torch.optim.SGD, "Adam": torch.optim.Adam, "AdamW": torch.optim.AdamW}


def run(scenario):
    params = {n: INIT[n].clone().requires_grad_(True) for n in NAMES}
    built = {}
    trace, states = [], []
    for phase in scenario["phases"]:
        k = phase["optimizer"]
        if k not in built:
            spec = scenario["optimizers"][k]
            kwargs = {a: tuple(v) if isinstance(v, list) else v for a, v in spec["kwargs"].items()}
            built[k] = CLASSES[spec["name"]]([params[n] for n in NAMES], **kwargs)
        opt = built[k]
        for n in NAMES:
            params[n].requires_grad_(n not in phase.get("frozen", []))
        for _ in range(phase["steps"]):
            for n in NAMES:
                params[n].grad = None
            loss = loss_fn(phase["loss"], params)
            loss.backward()
            opt.step()
            trace.append({"loss": loss.item(), "params": {n: params[n].detach().flatten().tolist() for n in NAMES}})
        state = {}
        for n in NAMES:
            s = opt.state.get(params[n], {})
            step = s.get("step", 0)
            state[n] = {"step": int(step.item() if torch.is_tensor(step) else step),
                        "momentum_buffer": s.get("momentum_buffer") is not None}
        states.append(state)
    return trace, states


def phase(steps, optimizer, loss, frozen=()):
    return {"steps": steps, "optimizer": optimizer, "loss": loss, "frozen": list(frozen)}


def opt(name, **kwargs):
    return {"name": name, "kwargs": kwargs}


ADAM = opt("Adam", lr=0.05)
ADAMW = opt("AdamW", lr=0.05, weight_decay=0.1, amsgrad=True)
SGD_DAMPENING = opt("SGD", lr=0.05, momentum=0.9, dampening=0.3, weight_decay=0.01)
SGD_NESTEROV = opt("SGD", lr=0.05, momentum=0.9, nesterov=True)
LATE = [phase(6, 0, "pre"), phase(6, 0, "head")]
FROZEN = [phase(4, 0, "head"), phase(4, 0, "head", frozen=["pre.bias", "head.weight"]), phase(4, 0, "head")]
TWO = [phase(6, 0, "pre"), phase(6, 1, "head")]

SCENARIOS = [
    {"name": "late head Adam", "optimizers": [ADAM], "phases": LATE},
    {"name": "late head AdamW amsgrad", "optimizers": [ADAMW], "phases": LATE},
    {"name": "late head SGD dampening", "optimizers": [SGD_DAMPENING], "phases": LATE},
    {"name": "late head SGD nesterov", "optimizers": [SGD_NESTEROV], "phases": LATE},
    {"name": "frozen then unfrozen Adam", "optimizers": [ADAM], "phases": FROZEN},
    {"name": "frozen then unfrozen AdamW amsgrad", "optimizers": [ADAMW], "phases": FROZEN},
    {"name": "frozen then unfrozen SGD dampening", "optimizers": [SGD_DAMPENING], "phases": FROZEN},
    {"name": "two optimizers Adam", "optimizers": [ADAM, opt("Adam", lr=0.02)], "phases": TWO},
    {"name": "two optimizers AdamW", "optimizers": [ADAMW, opt("AdamW", lr=0.03)], "phases": TWO},
    {"name": "two optimizers SGD dampening",
     "optimizers": [SGD_DAMPENING, opt("SGD", lr=0.03, momentum=0.8, dampening=0.5)], "phases": TWO},
    {"name": "Adam then AdamW", "optimizers": [ADAM, opt("AdamW", lr=0.02)], "phases": TWO},
]


def main():
    out = {
        "source": "torch.optim.SGD, Adam, AdamW: per-parameter state over phases",
        "torch_version": torch.__version__,
        "command": "/usr/bin/python3 training/testdata/gen_optim_state.py > training/testdata/optim_state.json",
        "date": datetime.date.today().isoformat(),
        "problem": {
            "description": "losses 'pre' and 'head' of the script's docstring, float64, full batch",
            "x": X.tolist(), "y": Y.tolist(),
            "init": {n: INIT[n].tolist() for n in NAMES},
        },
        "scenarios": [],
    }
    for s in SCENARIOS:
        s = dict(s)
        s["trace"], s["states"] = run(s)
        out["scenarios"].append(s)
    json.dump(out, sys.stdout, indent=1, allow_nan=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
