#!/usr/bin/python3
"""Generates losses/testdata/robust_golden.json: reference values and gradients of Barron's general robust loss
("GeneralRobustLoss"), of its adaptive negative log-likelihood ("AdaptiveRobustLoss") and of its partition
function log Z(alpha), for lossbook's tests.

PyTorch has no such loss, so the reference is independent of both PyTorch and lossbook's Go code:
  * rho(x, alpha, c) is evaluated with mpmath at 60 significant digits straight from Barron's formula
    |a-2|/a * (((x/c)^2/|a-2| + 1)^(a/2) - 1), with the closed forms at alpha = 2, 0, -inf, +inf (the limits);
  * gradients are central differences (h = 1e-15) of that 60-digit function, except at
    alpha = 2, where d rho/d alpha is +inf for x != 0 (rho - x^2/2 behaves as eps*log(eps));
  * log Z(alpha) = log of the integral of exp(-rho(x, alpha, 1)) over the real line is computed twice, with
    SciPy's adaptive quadrature (scipy.integrate.quad, float64) and with mpmath.quad (tanh-sinh, 30 digits); the
    script asserts that they agree to 1e-11 and stores mpmath's.

Run from the repository root with Debian's python (numpy, scipy and mpmath from Debian):

    /usr/bin/python3 losses/testdata/gen_robust.py

The file has the layout of golden.json (package losses/parity reads it), plus "log_partition": a list of
{"alpha", "log_z", "dlog_z"} and "closed_forms".
"""

import datetime
import json
import math
import os

import mpmath as mp
import numpy as np
import scipy
from scipy import integrate, special

mp.mp.dps = 60
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "robust_golden.json")
rng = np.random.default_rng(20261207)


def rho(x, a, c):
    x, c = mp.mpf(x), mp.mpf(c)
    z = (x / c) ** 2
    if mp.isinf(a):
        return -mp.expm1(-z / 2) if a < 0 else mp.expm1(z / 2)
    a = mp.mpf(a)
    if a == 2:
        return z / 2
    if a == 0:
        return mp.log(z / 2 + 1)
    b = abs(a - 2)
    return b / a * ((z / b + 1) ** (a / 2) - 1)


def d_rho(i, x, a, c):
    """Derivative of rho with respect to its argument i (0: x, 1: alpha, 2: c)."""
    args = [mp.mpf(x), a if mp.isinf(a) else mp.mpf(a), mp.mpf(c)]
    if i == 1:
        if mp.isinf(a):
            return mp.mpf(0)
        if a == 2:
            return mp.inf if x != 0 else mp.mpf(0)

    def f(v):
        w = list(args)
        w[i] = v
        return rho(*w)

    # A central difference at 60 digits with h = 1e-15: truncation ~1e-30; Barron's formula loses ~15 digits to
    # cancellation at alpha ~ h, leaving ~1e-45 (mpmath.diff's own step choice is inaccurate at alpha = 0).
    h = mp.mpf("1e-15") * max(1, abs(args[i]))
    return (f(args[i] + h) - f(args[i] - h)) / (2 * h)


def log_z_mp(a):
    a = mp.mpf(a)
    with mp.workdps(40):
        z = 2 * mp.quad(lambda x: mp.exp(-rho(x, a, 1)), [0, 1, 10, mp.inf])
        return mp.log(z)


def dlog_z_mp(a):
    """d log Z / d alpha by differences of 40-digit quadratures: central (h = 1e-9, truncation ~1e-19) inside
    (0, 2), one-sided of order 4 (h = 1e-5, truncation ~1e-20) at alpha = 0, where Z diverges for alpha < 0."""
    a = mp.mpf(a)
    with mp.workdps(40):
        if a < mp.mpf("1e-6"):
            h = mp.mpf("1e-5")
            f = [log_z_mp(a + k * h) for k in range(5)]
            return (-25 * f[0] + 48 * f[1] - 36 * f[2] + 16 * f[3] - 3 * f[4]) / (12 * h)
        h = mp.mpf("1e-9")
        return (log_z_mp(a + h) - log_z_mp(a - h)) / (2 * h)


def log_z_scipy(a):
    def f(x):
        return math.exp(-float(rho_float(x, a)))

    val = 0.0
    for lo, hi in ((0, 1), (1, 10), (10, 1e3), (1e3, np.inf)):
        v, _ = integrate.quad(f, lo, hi, epsabs=1e-15, epsrel=1e-13, limit=400)
        val += v
    return math.log(2 * val)


def rho_float(x, a):
    """Barron's formula in plain float64 (for SciPy's integrand; alpha in (0, 2) or the exact limits)."""
    z = x * x
    if a == 2:
        return z / 2
    if a == 0:
        return math.log1p(z / 2)
    b = abs(a - 2)
    return b / a * ((z / b + 1) ** (a / 2) - 1)


def num(v):
    v = float(v)
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    return v


cases = []


def nll(x, a, c):
    return rho(x, a, c) + mp.log(c) + log_z_mp(a)


def d_nll(i, x, a, c):
    if i == 0:
        return d_rho(0, x, a, c)
    if i == 2:
        return d_rho(2, x, a, c) + 1 / mp.mpf(c)
    return d_rho(1, x, a, c) + dlog_z_mp(a)


def add(name, loss, x, y, alpha, scale, reduction, grad):
    """Adds a case: x, y of one shape; alpha and scale broadcast to it (aligned on the right)."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    alpha, scale = np.asarray(alpha, float), np.asarray(scale, float)
    ab = np.broadcast_to(alpha, x.shape)
    cb = np.broadcast_to(scale, x.shape)
    d = x - y
    per = np.empty(x.shape, dtype=object)
    grads = {i: np.empty(x.shape, dtype=object) for i in range(4)}
    f, df = (rho, d_rho) if loss == "GeneralRobustLoss" else (nll, d_nll)
    for idx in np.ndindex(x.shape):
        args = (d[idx], ab[idx], cb[idx])
        per[idx] = f(*args)
        if grad:
            gd = df(0, *args)
            grads[0][idx], grads[1][idx] = gd, -gd
            grads[2][idx] = df(1, *args) if 2 in grad else 0
            grads[3][idx] = df(2, *args) if 3 in grad else 0
    if reduction == "none":
        value = per
        cot = rng.standard_normal(x.shape)
    else:
        s = mp.fsum(per.reshape(-1))
        value = np.array(s / per.size if reduction == "mean" else s, dtype=object)
        cot = None
    weight = np.ones(x.shape) if cot is None else cot
    if reduction == "mean":
        weight = weight / x.size

    def reduce_to(g, shape):
        g = np.asarray(g * weight, dtype=object)
        while g.ndim > len(shape):
            g = np.asarray(g.sum(axis=0), dtype=object)
        for ax, n in enumerate(shape):
            if n == 1 and g.shape[ax] != 1:
                g = np.asarray(g.sum(axis=ax, keepdims=True), dtype=object)
        return g

    out_grads = {}
    for i in grad:
        g = grads[i]
        # 0 * inf: a zero cotangent on an infinite derivative is taken as 0 (no such case is generated).
        shape = {0: x.shape, 1: y.shape, 2: alpha.shape, 3: scale.shape}[i]
        r = reduce_to(g, shape)
        out_grads[str(i)] = {"shape": list(shape), "data": [num(v) for v in np.asarray(r).reshape(-1)]}

    def spec(n, t):
        return {"name": n, "dtype": "float64", "shape": list(t.shape), "data": [num(v) for v in t.reshape(-1)]}

    case = {
        "name": name,
        "loss": loss,
        "kwargs": {} if reduction == "mean" and "default" in name else {"reduction": reduction},
        "inputs": [spec("input", x), spec("target", y), spec("alpha", alpha), spec("scale", scale)],
        "grad": list(grad),
        "value": {"shape": list(np.shape(value)), "data": [num(v) for v in np.asarray(value).reshape(-1)]},
        "grads": out_grads,
    }
    if cot is not None:
        case["cotangent"] = cot.reshape(-1).tolist()
    cases.append(case)


G = "GeneralRobustLoss"
A = "AdaptiveRobustLoss"
INF = float("inf")

# Every named special case and points near the limits, per element: residuals from 0 to 30.
resid = np.array([0.0, 0.1, -0.5, 1.0, -2.0, 3.0, 7.5, -30.0])
named = [2.0, 1.0, 0.0, -2.0, -INF, INF]
near = [1e-9, -1e-9, 1e-4, 0.5, 1.5, 1.999, 2.001, 1 + 1e-9, -1e6, 4.0, -7.0, 10.0]
y0 = np.zeros_like(resid)

# (1) Finite, non-special alphas (near the limits too): gradients in everything.
xs, als, cs = [], [], []
for a in near:
    for r in resid:
        xs.append(r)
        als.append(a)
        cs.append(float(rng.uniform(0.3, 2.5)))
xs, als, cs = np.array(xs), np.array(als), np.array(cs)
ys = rng.standard_normal(xs.shape) * 0.1
add("robust/near-limits/none", G, xs + ys, ys, als, cs, "none", (0, 1, 2, 3))

# (2) The named special cases (alpha = 2, 1, 0, -2, +-inf): gradients in x, target and scale; in alpha where
# finite (case 3).
xs = np.concatenate([resid if a != INF else resid / 10 for a in named])  # exp(z/2) stays finite in float32
als = np.repeat(named, len(resid))
cs = np.tile([0.5, 1.0, 2.0, 1.5], len(xs) // 4)
add("robust/special/none", G, xs, np.zeros_like(xs), als, cs, "none", (0, 1, 3))
sub = np.array([1.0, 0.0, -2.0, 1.0, 0.0, -2.0])
add("robust/special-alpha-grad/none", G, np.tile(resid[:6], 1), np.zeros(6), sub, np.ones(6) * 1.3, "none",
    (0, 2, 3))
# alpha = 2 exactly: d rho / d alpha = +inf where x != 0, 0 at x = 0.
add("robust/alpha=2-grad/sum", G, np.array([0.0, 0.5, -1.5]), np.zeros(3), np.array([2.0, 2.0, 2.0]),
    np.array([1.0, 1.0, 2.0]), "sum", (2,))

# (3) Reductions with a shared alpha and scale (scalars), and per-dimension ones ([3] on [4, 3]).
x = rng.standard_normal((5, 3)) * 3
y = rng.standard_normal((5, 3))
add("robust/shared/default-mean", G, x, y, np.array(0.7), np.array(1.2), "mean", (0, 1, 2, 3))
add("robust/shared/sum", G, x, y, np.array(-3.0), np.array(0.8), "sum", (0, 1, 2, 3))
x = rng.standard_normal((4, 3)) * 2
y = rng.standard_normal((4, 3))
add("robust/per-dimension/mean", G, x, y, np.array([0.0, 1.0, 1.9]), np.array([0.5, 1.0, 2.0]), "mean",
    (0, 1, 2, 3))

# (4) The adaptive NLL: alpha in [0, 2], gradients in everything inside (0, 2).
x = rng.standard_normal(8) * 2
y = rng.standard_normal(8) * 0.5
add("adaptive/inside/none", A, x, y, np.array([0.001, 0.1, 0.5, 1.0, 1.3, 1.7, 1.9, 1.999]),
    rng.uniform(0.5, 2.0, 8), "none", (0, 1, 2, 3))
x = rng.standard_normal((6, 2)) * 2
add("adaptive/per-dimension/default-mean", A, x, np.zeros((6, 2)), np.array([0.25, 1.5]), np.array([0.7, 1.4]),
    "mean", (0, 2, 3))
add("adaptive/ends/none", A, np.array([0.0, 1.5, -4.0, 0.0, 1.5, -4.0]), np.zeros(6),
    np.array([0.0, 0.0, 0.0, 2.0, 2.0, 2.0]), np.array([1.0, 0.5, 2.0, 1.0, 0.5, 2.0]), "none", (0, 3))

# log Z(alpha): SciPy's quad against mpmath's quad; the stored values are mpmath's.
grid = sorted(set([0.0, 1e-3, 0.01, 0.1, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 1.9, 1.99, 1.999, 2.0]
                  + rng.uniform(0, 2, 25).round(6).tolist()))
table = []
worst = 0.0
for a in grid:
    lz = log_z_mp(a)
    worst = max(worst, abs(float(lz) - log_z_scipy(a)))
    dz = mp.inf if a == 2 else dlog_z_mp(a)
    table.append({"alpha": a, "log_z": num(lz), "dlog_z": num(dz)})
assert worst < 1e-11, worst

closed = {
    "log_z_alpha0": num(mp.log(mp.pi * mp.sqrt(2))),
    "log_z_alpha1": num(mp.log(2 * mp.e * mp.besselk(1, 1))),
    "log_z_alpha2": num(mp.log(mp.sqrt(2 * mp.pi))),
    "scipy_k1_of_1": float(special.k1(1.0)),
}

out = {
    "provenance": {
        "command": "/usr/bin/python3 losses/testdata/gen_robust.py",
        "date": datetime.date.today().isoformat(),
        "dtype": "float64",
        "mpmath": mp.__version__,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "notes": "Independent of PyTorch (no such loss) and of lossbook: rho from Barron's formula at 60 digits "
                 "(mpmath) with the exact limits, gradients by mpmath.diff, log Z by mpmath.quad checked against "
                 "scipy.integrate.quad (worst difference %.2g)." % worst,
    },
    "cases": cases,
    "log_partition": table,
    "closed_forms": closed,
}
tmp = OUT + ".tmp"
with open(tmp, "w") as f:
    json.dump(out, f, separators=(",", ":"))
os.replace(tmp, OUT)
print("wrote %s: %d cases, %d log Z values (mpmath vs scipy: %.2g)" % (OUT, len(cases), len(table), worst))
