#!/usr/bin/python3
"""Golden traces of torch.optim for lossbook's training package.

Run from the repository root with Debian's Python (torch 1.13):

    /usr/bin/python3 training/testdata/gen_optim.py > training/testdata/optim.json

Every case takes 20 steps on one fixed least-squares problem in float64 (full batch):

    pred = X @ W + b,  loss = mean((pred - Y)^2)        (torch.nn.functional.mse_loss)

and records, for each step, the learning rate the optimizer used, the loss before the step, the total gradient
norm (as clip_grad_norm_ returns it, before clipping) and the parameters after the step. Optimizer options are
written as torch spells them; Go reads them with training.NewOptimizer, so they are also a test of the by-name
configuration path. The linear warmup-then-decay schedule is Hugging Face's get_linear_schedule_with_warmup,
written here with torch.optim.lr_scheduler.LambdaLR because transformers is not installed. (On 2026-11-28, on a
machine with torch 2.11.0 and transformers 5.17.0, get_linear_schedule_with_warmup(opt, 5, 20) with lr 0.1 gave
the 20 learning rates of the "linear warmup" cases below bit for bit.)
"""
import datetime
import json
import sys

import torch

torch.set_default_dtype(torch.float64)
STEPS = 20

gen = torch.Generator().manual_seed(20240605)
X = torch.randn(8, 3, generator=gen)
Y = torch.randn(8, 2, generator=gen)
W0 = 0.5 * torch.randn(3, 2, generator=gen)
B0 = 0.5 * torch.randn(2, generator=gen)


def linear_with_warmup(num_warmup_steps, num_training_steps):
    # Hugging Face transformers.get_linear_schedule_with_warmup's lambda.
    def lr_lambda(current_step):
        if current_step < num_warmup_steps:
            return float(current_step) / float(max(1, num_warmup_steps))
        return max(0.0, float(num_training_steps - current_step) /
                   float(max(1, num_training_steps - num_warmup_steps)))
    return lr_lambda


def make_scheduler(opt, sched):
    if sched is None or sched["name"] == "constant":
        return None
    name, args = sched["name"], sched["args"]
    if name == "linear":
        return torch.optim.lr_scheduler.LambdaLR(
            opt, linear_with_warmup(args["num_warmup_steps"], args["num_training_steps"]))
    if name == "CosineAnnealingLR":
        return torch.optim.lr_scheduler.CosineAnnealingLR(opt, **args)
    if name == "StepLR":
        return torch.optim.lr_scheduler.StepLR(opt, **args)
    raise ValueError(name)


def run(case):
    W = W0.clone().requires_grad_(True)
    b = B0.clone().requires_grad_(True)
    kwargs = dict(case["kwargs"])
    no_decay = kwargs.pop("no_decay", None)
    cls = {"SGD": torch.optim.SGD, "GD": torch.optim.SGD, "Adam": torch.optim.Adam,
           "AdamW": torch.optim.AdamW, "RMSprop": torch.optim.RMSprop, "Adagrad": torch.optim.Adagrad,
           "NAdam": torch.optim.NAdam, "RAdam": torch.optim.RAdam}[case["optimizer"]]
    kwargs = {k: tuple(v) if isinstance(v, list) else v for k, v in kwargs.items()}
    if no_decay:
        # The Hugging Face recipe: parameters whose name contains a no_decay entry get weight_decay 0.
        named = [("linear.weight", W), ("linear.bias", b)]
        groups = [
            {"params": [p for n, p in named if not any(nd in n for nd in no_decay)]},
            {"params": [p for n, p in named if any(nd in n for nd in no_decay)], "weight_decay": 0.0},
        ]
        opt = cls(groups, **kwargs)
    else:
        opt = cls([W, b], **kwargs)
    sched = make_scheduler(opt, case.get("schedule"))
    clip = case.get("clip") or {}
    steps = []
    for _ in range(STEPS):
        opt.zero_grad()
        loss = torch.nn.functional.mse_loss(X @ W + b, Y)
        if case.get("negate_loss"):
            loss = -loss
        loss.backward()
        # Norm of all gradients together, before any clipping.
        grad_norm = torch.norm(torch.stack([torch.norm(W.grad), torch.norm(b.grad)])).item()
        if "clip_grad_value" in clip:
            torch.nn.utils.clip_grad_value_([W, b], clip["clip_grad_value"])
        if "max_grad_norm" in clip:
            torch.nn.utils.clip_grad_norm_([W, b], clip["max_grad_norm"],
                                           norm_type=float(clip.get("grad_norm_type", 2.0)))
        lr = opt.param_groups[0]["lr"]
        opt.step()
        if sched is not None:
            sched.step()
        steps.append({
            "lr": lr,
            "loss": loss.item(),
            "grad_norm": grad_norm,
            "weight": W.detach().flatten().tolist(),
            "bias": b.detach().tolist(),
        })
    return steps


def case(name, optimizer, kwargs, **extra):
    c = {"name": name, "optimizer": optimizer, "kwargs": kwargs}
    c.update(extra)
    return c


LINEAR = {"name": "linear", "args": {"num_warmup_steps": 5, "num_training_steps": 20}}
COSINE = {"name": "CosineAnnealingLR", "args": {"T_max": 8, "eta_min": 0.001}}
STEP = {"name": "StepLR", "args": {"step_size": 5, "gamma": 0.5}}
CONSTANT = {"name": "constant", "args": {}}

CASES = [
    case("GD", "GD", {"lr": 0.1}),
    case("SGD", "SGD", {"lr": 0.1}),
    case("SGD momentum", "SGD", {"lr": 0.05, "momentum": 0.9}),
    case("SGD momentum dampening", "SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.3}),
    case("SGD nesterov", "SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
    case("SGD weight_decay", "SGD", {"lr": 0.1, "weight_decay": 0.05}),
    case("SGD momentum weight_decay", "SGD", {"lr": 0.05, "momentum": 0.8, "weight_decay": 0.05}),
    case("SGD no_decay bias", "SGD", {"lr": 0.1, "momentum": 0.5, "weight_decay": 0.2, "no_decay": ["bias"]}),
    case("SGD maximize", "SGD", {"lr": 0.1, "momentum": 0.5, "maximize": True}, negate_loss=True),
    case("Adam", "Adam", {"lr": 0.05}),
    case("Adam betas eps", "Adam", {"lr": 0.05, "betas": [0.8, 0.99], "eps": 1e-6}),
    case("Adam weight_decay", "Adam", {"lr": 0.05, "weight_decay": 0.1}),
    case("Adam amsgrad", "Adam", {"lr": 0.05, "amsgrad": True}),
    case("Adam maximize", "Adam", {"lr": 0.05, "maximize": True}, negate_loss=True),
    case("AdamW", "AdamW", {"lr": 0.05}),
    case("AdamW weight_decay", "AdamW", {"lr": 0.05, "weight_decay": 0.3}),
    case("AdamW amsgrad", "AdamW", {"lr": 0.05, "weight_decay": 0.1, "amsgrad": True}),
    case("AdamW no_decay bias", "AdamW", {"lr": 0.05, "weight_decay": 0.3, "no_decay": ["bias"]}),
    case("SGD momentum constant", "SGD", {"lr": 0.05, "momentum": 0.9}, schedule=CONSTANT),
    case("SGD momentum linear warmup", "SGD", {"lr": 0.1, "momentum": 0.9}, schedule=LINEAR),
    case("SGD momentum CosineAnnealingLR", "SGD", {"lr": 0.1, "momentum": 0.9}, schedule=COSINE),
    case("SGD momentum StepLR", "SGD", {"lr": 0.1, "momentum": 0.9}, schedule=STEP),
    case("AdamW linear warmup", "AdamW", {"lr": 0.1}, schedule=LINEAR),
    case("AdamW CosineAnnealingLR", "AdamW", {"lr": 0.1}, schedule=COSINE),
    case("Adam StepLR", "Adam", {"lr": 0.1}, schedule=STEP),
    case("SGD clip_grad_norm_", "SGD", {"lr": 0.1, "momentum": 0.9}, clip={"max_grad_norm": 0.5}),
    case("SGD clip_grad_norm_ inf", "SGD", {"lr": 0.1, "momentum": 0.9},
         clip={"max_grad_norm": 0.3, "grad_norm_type": "inf"}),
    case("SGD clip_grad_norm_ p=1", "SGD", {"lr": 0.1}, clip={"max_grad_norm": 0.5, "grad_norm_type": 1.0}),
    case("Adam clip_grad_norm_", "Adam", {"lr": 0.05}, clip={"max_grad_norm": 0.2}),
    case("SGD clip_grad_value_", "SGD", {"lr": 0.1, "momentum": 0.9}, clip={"clip_grad_value": 0.1}),
    case("AdamW clip_grad_value_", "AdamW", {"lr": 0.05}, clip={"clip_grad_value": 0.05}),
    case("RMSprop", "RMSprop", {"lr": 0.01}),
    case("RMSprop alpha eps", "RMSprop", {"lr": 0.01, "alpha": 0.9, "eps": 1e-4}),
    case("RMSprop weight_decay", "RMSprop", {"lr": 0.01, "weight_decay": 0.1}),
    case("RMSprop momentum", "RMSprop", {"lr": 0.005, "momentum": 0.9}),
    case("RMSprop centered", "RMSprop", {"lr": 0.01, "centered": True}),
    case("RMSprop centered momentum weight_decay", "RMSprop",
         {"lr": 0.005, "momentum": 0.5, "centered": True, "weight_decay": 0.05}),
    case("RMSprop maximize", "RMSprop", {"lr": 0.01, "momentum": 0.5, "maximize": True}, negate_loss=True),
    case("RMSprop no_decay bias", "RMSprop", {"lr": 0.01, "weight_decay": 0.3, "no_decay": ["bias"]}),
    case("RMSprop linear warmup", "RMSprop", {"lr": 0.02, "momentum": 0.5}, schedule=LINEAR),
    case("Adagrad", "Adagrad", {"lr": 0.1}),
    case("Adagrad lr_decay", "Adagrad", {"lr": 0.1, "lr_decay": 0.05}),
    case("Adagrad initial_accumulator_value eps", "Adagrad",
         {"lr": 0.1, "initial_accumulator_value": 0.5, "eps": 1e-3}),
    case("Adagrad weight_decay", "Adagrad", {"lr": 0.1, "weight_decay": 0.1, "lr_decay": 0.01}),
    case("Adagrad maximize", "Adagrad", {"lr": 0.1, "maximize": True}, negate_loss=True),
    case("Adagrad StepLR", "Adagrad", {"lr": 0.2, "initial_accumulator_value": 0.1}, schedule=STEP),
    case("NAdam", "NAdam", {"lr": 0.05}),
    case("NAdam betas eps momentum_decay", "NAdam",
         {"lr": 0.05, "betas": [0.8, 0.99], "eps": 1e-6, "momentum_decay": 0.01}),
    case("NAdam weight_decay", "NAdam", {"lr": 0.05, "weight_decay": 0.1}),
    case("RAdam", "RAdam", {"lr": 0.05}),
    case("RAdam betas eps", "RAdam", {"lr": 0.05, "betas": [0.8, 0.9], "eps": 1e-6}),
    case("RAdam weight_decay", "RAdam", {"lr": 0.05, "weight_decay": 0.1}),
]


def random_cases(seed=23, per_optimizer=3):
    # Random parity: options drawn at random (seeded, so the file is reproducible) around the usual values.
    gen = torch.Generator().manual_seed(seed)

    def u(lo, hi):
        return lo + (hi - lo) * torch.rand(1, generator=gen, dtype=torch.float64).item()

    cases = []
    for i in range(per_optimizer):
        cases.append(case(f"random RMSprop {i}", "RMSprop", {
            "lr": u(0.001, 0.02), "alpha": u(0.8, 0.999), "eps": 10 ** u(-8, -3), "weight_decay": u(0, 0.2),
            "momentum": u(0, 0.9), "centered": bool(i % 2)}))
        cases.append(case(f"random Adagrad {i}", "Adagrad", {
            "lr": u(0.01, 0.3), "lr_decay": u(0, 0.1), "weight_decay": u(0, 0.2),
            "initial_accumulator_value": u(0, 1), "eps": 10 ** u(-10, -3)}))
        cases.append(case(f"random NAdam {i}", "NAdam", {
            "lr": u(0.005, 0.1), "betas": [u(0.5, 0.95), u(0.9, 0.9999)], "eps": 10 ** u(-8, -4),
            "weight_decay": u(0, 0.2), "momentum_decay": u(0, 0.02)}))
        cases.append(case(f"random RAdam {i}", "RAdam", {
            "lr": u(0.005, 0.1), "betas": [u(0.5, 0.95), u(0.8, 0.999)], "eps": 10 ** u(-8, -4),
            "weight_decay": u(0, 0.2)}))
    return cases


CASES += random_cases()


def main():
    out = {
        "source": "torch.optim, torch.optim.lr_scheduler and torch.nn.utils.clip_grad_*",
        "torch_version": torch.__version__,
        "command": "/usr/bin/python3 training/testdata/gen_optim.py > training/testdata/optim.json",
        "date": datetime.date.today().isoformat(),
        "steps": STEPS,
        "problem": {
            "description": "loss = mean((X @ weight + bias - Y)^2), float64, full batch",
            "x": X.tolist(), "y": Y.tolist(),
            "weight": W0.tolist(), "bias": B0.tolist(),
        },
        "cases": [],
    }
    for c in CASES:
        c = dict(c)
        c["trace"] = run(c)
        out["cases"].append(c)
    json.dump(out, sys.stdout, indent=1, allow_nan=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
