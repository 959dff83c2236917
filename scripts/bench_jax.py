#!/usr/bin/env python3
"""JAX side of `lossbook bench`: the workloads of internal/bench in JAX on the CPU (XLA, as lossbook's xla:cpu).

The same model, loss, optimizer and batch as scripts/bench_torch.py: the CE forward+backward of fixed logits; the
bag-of-embeddings classifier (masked mean of embeddings, a linear layer, mean CE, Adam); the post-norm transformer
encoder (token + position embeddings, LayerNorm, layers of multi-head self-attention with a padding mask and a ReLU
feed-forward, each followed by a residual LayerNorm; the MLM head over the vocabulary; mean token CE; Adam with
lr 1e-3, betas (0.9, 0.999), eps 1e-8 as torch.optim.Adam). Parameters are kept under lossbook's variable names
in its [in, out] layout, so that lossbook's .npz of inputs and initial weights loads without renaming.

It speaks the same JSON protocol on stdin/stdout as bench_torch.py (see there); "setup" answers the seconds that
jax.jit's lower+compile of the step took, apart from the steps. Each step is jitted whole (forward, gradient and
Adam update), its buffers donated, and waited on with block_until_ready.

Needs jax and jaxlib from PyPI in a virtual environment (not Debian's Python); `lossbook bench` looks for
build/jaxenv (give -jaxpython). Create it with:
    python3 -m venv build/jaxenv && build/jaxenv/bin/pip install 'jax[cpu]==0.8.1'
Standalone: build/jaxenv/bin/python scripts/bench_jax.py --workload transformer --steps 5
"""
import argparse
import json
import os
import statistics
import sys
import time

import numpy as np
import jax
import jax.numpy as jnp

DEFAULTS = {
    "ce": {"batch": 1024, "classes": 32000},
    "bag": {"vocab": 20000, "dim": 128, "seq": 128, "batch": 64, "classes": 2},
    "transformer": {"vocab": 8000, "dim": 128, "heads": 4, "layers": 2, "ffn": 512, "seq": 64, "batch": 32},
}
LN_EPS = 1e-5
LR, B1, B2, EPS = 1e-3, 0.9, 0.999, 1e-8


def cross_entropy(logits, labels):
    """Mean over rows of -log_softmax(logits)[label], as torch.nn.functional.cross_entropy."""
    logp = jax.nn.log_softmax(logits, axis=-1)
    return -jnp.mean(jnp.take_along_axis(logp, labels[:, None], axis=-1))


def dense(p, scope, x):
    return x @ p[scope + "/dense/weights"] + p[scope + "/dense/biases"]


def layer_norm(p, scope, x):
    mean = jnp.mean(x, axis=-1, keepdims=True)
    var = jnp.mean(jnp.square(x - mean), axis=-1, keepdims=True)
    y = (x - mean) * jax.lax.rsqrt(var + LN_EPS)
    return y * p[scope + "/layer_normalization/gain"] + p[scope + "/layer_normalization/offset"]


def bag_logits(p, tokens, mask):
    w = mask.astype(jnp.float32)
    emb = p["embeddings/embeddings"][tokens]                      # [b, s, d]
    total = jnp.einsum("bs,bsd->bd", w, emb)
    return dense(p, "output", total / jnp.maximum(w.sum(1), 1.0)[:, None])


def transformer_logits(c, p, tokens, mask):
    b, s = tokens.shape
    d, h = c["dim"], c["heads"]
    hd = d // h
    x = p["token_embeddings/embeddings"][tokens] + p["position_embeddings/embeddings"][:s][None]
    x = layer_norm(p, "embeddings_norm", x)
    bias = jnp.where(mask, 0.0, jnp.finfo(jnp.float32).min)[:, None, None, :]  # [b, 1, 1, keys]
    for i in range(c["layers"]):
        sc = "layer_%d" % i

        def project(name):
            return dense(p, sc + "/attention/" + name, x).reshape(b, s, h, hd)

        q, k, v = project("query") / np.sqrt(hd), project("key"), project("value")
        att = jax.nn.softmax(jnp.einsum("bqhd,bkhd->bhqk", q, k) + bias, axis=-1)
        out = jnp.einsum("bhqk,bkhd->bqhd", att, v).reshape(b, s, d)
        x = layer_norm(p, sc + "/attention_norm", x + dense(p, sc + "/attention/output", out))
        ffn = dense(p, sc + "/ffn/output", jax.nn.relu(dense(p, sc + "/ffn/hidden", x)))
        x = layer_norm(p, sc + "/ffn_norm", x + ffn)
    return dense(p, "mlm", x)


def init_params(name, c, key):
    """Random parameters when no lossbook weights are given (standalone runs): normal(0, 0.02), zero biases."""
    shapes = {}
    if name == "bag":
        shapes = {"embeddings/embeddings": (c["vocab"], c["dim"]), "output/dense/weights": (c["dim"], c["classes"]),
                  "output/dense/biases": (c["classes"],)}
    else:
        d = c["dim"]
        shapes = {"token_embeddings/embeddings": (c["vocab"], d), "position_embeddings/embeddings": (c["seq"], d),
                  "mlm/dense/weights": (d, c["vocab"]), "mlm/dense/biases": (c["vocab"],)}
        norms = ["embeddings_norm"]
        for i in range(c["layers"]):
            sc = "layer_%d/" % i
            for n in ("query", "key", "value", "output"):
                shapes[sc + "attention/" + n + "/dense/weights"] = (d, d)
                shapes[sc + "attention/" + n + "/dense/biases"] = (d,)
            shapes[sc + "ffn/hidden/dense/weights"] = (d, c["ffn"])
            shapes[sc + "ffn/hidden/dense/biases"] = (c["ffn"],)
            shapes[sc + "ffn/output/dense/weights"] = (c["ffn"], d)
            shapes[sc + "ffn/output/dense/biases"] = (d,)
            norms += [sc + "attention_norm", sc + "ffn_norm"]
        for n in norms:
            shapes[n + "/layer_normalization/gain"] = (d,)
            shapes[n + "/layer_normalization/offset"] = (d,)
    params = {}
    for i, (n, shape) in enumerate(sorted(shapes.items())):
        if n.endswith("/gain"):
            params[n] = jnp.ones(shape, jnp.float32)
        elif n.endswith("/biases") or n.endswith("/offset"):
            params[n] = jnp.zeros(shape, jnp.float32)
        else:
            params[n] = 0.02 * jax.random.normal(jax.random.fold_in(key, i), shape, jnp.float32)
    return params


def read_shared(path):
    inputs, weights = {}, {}
    with np.load(path) as z:
        for key in z.files:
            kind, _, name = key.partition("/")
            (inputs if kind == "inputs" else weights)[name] = z[key]
    return inputs, weights


def random_inputs(name, c, key):
    k1, k2, k3 = jax.random.split(key, 3)
    if name == "ce":
        return {"logits": jax.random.normal(k1, (c["batch"], c["classes"]), jnp.float32),
                "labels": jax.random.randint(k2, (c["batch"],), 0, c["classes"], jnp.int32)}
    b, s = c["batch"], c["seq"]
    min_len = s // 4 if name == "bag" else s // 2
    lengths = jax.random.randint(k1, (b,), min_len, s + 1)
    mask = jnp.arange(s)[None, :] < lengths[:, None]
    tokens = jax.random.randint(k2, (b, s), 1, c["vocab"], jnp.int32) * mask
    n, top = (b, c["classes"]) if name == "bag" else (b * s, c["vocab"])
    return {"tokens": tokens, "mask": mask, "labels": jax.random.randint(k3, (n,), 0, top, jnp.int32)}


class Workload:
    def __init__(self, name, c, shared=None):
        if name not in DEFAULTS:
            raise ValueError("unknown workload %r (valid: %s)" % (name, ", ".join(DEFAULTS)))
        self.name = name
        key = jax.random.PRNGKey(42)
        if shared:
            inputs, weights = read_shared(shared)
        else:
            inputs, weights = random_inputs(name, c, key), (None if name == "ce" else init_params(name, c, key))
        self.inputs = {k: jnp.asarray(v) for k, v in inputs.items()}
        if name == "ce":
            self.params = 0
            grad = jax.value_and_grad(cross_entropy)
            fn = jax.jit(lambda logits, labels: grad(logits, labels))
            args = (self.inputs["logits"], self.inputs["labels"])
            start = time.perf_counter()
            self.compiled = fn.lower(*args).compile()
            self.compile_seconds = time.perf_counter() - start
            self.args = args
            return
        self.state = ({k: jnp.asarray(v) for k, v in weights.items()},)
        self.params = sum(int(np.prod(v.shape)) for v in self.state[0].values())
        logits = bag_logits if name == "bag" else (lambda p, t, m: transformer_logits(c, p, t, m))

        def loss_fn(p, tokens, mask, labels):
            out = logits(p, tokens, mask)
            return cross_entropy(out.reshape(-1, out.shape[-1]), labels)

        def train_step(p, m, v, t, tokens, mask, labels):
            loss, g = jax.value_and_grad(loss_fn)(p, tokens, mask, labels)
            t = t + 1
            m = jax.tree_util.tree_map(lambda m, g: B1 * m + (1 - B1) * g, m, g)
            v = jax.tree_util.tree_map(lambda v, g: B2 * v + (1 - B2) * g * g, v, g)
            c1, c2 = 1 - B1 ** t, 1 - B2 ** t
            # torch.optim.Adam: p -= lr/c1 * m / (sqrt(v)/sqrt(c2) + eps)
            p = jax.tree_util.tree_map(lambda p, m, v: p - (LR / c1) * m / (jnp.sqrt(v) / jnp.sqrt(c2) + EPS), p, m, v)
            return loss, p, m, v, t

        p = self.state[0]
        zeros = jax.tree_util.tree_map(jnp.zeros_like, p)
        self.state = (p, zeros, jax.tree_util.tree_map(jnp.zeros_like, p), jnp.zeros((), jnp.float32))
        self.batch = (self.inputs["tokens"], self.inputs["mask"], self.inputs["labels"])
        start = time.perf_counter()
        self.compiled = jax.jit(train_step, donate_argnums=(0, 1, 2, 3)).lower(*self.state, *self.batch).compile()
        self.compile_seconds = time.perf_counter() - start

    def step(self):
        if self.name == "ce":
            loss, grad = self.compiled(*self.args)
            grad.block_until_ready()
            return float(loss)
        loss, *state = self.compiled(*self.state, *self.batch)
        self.state = tuple(state)
        jax.block_until_ready(self.state)
        return float(loss)

    def run(self, steps):
        times, cpu, losses = [], [], []
        for _ in range(steps):
            start, start_cpu = time.perf_counter(), time.process_time()
            losses.append(self.step())
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
        return times, cpu, losses


def rss(field):
    """A memory field of /proc/self/status in bytes: VmRSS now, VmHWM the peak. Not ru_maxrss: when Go's os/exec
    starts this process, exec folds the spawning lossbook process's peak into it."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return -1


def info():
    devices = jax.devices()
    header = ("jax %s, jaxlib %s, backend %s, %d device(s) (%s); threads: XLA's CPU thread pool, one per core "
              "(%d; jax.config has no thread setting), XLA_FLAGS=%r, jax_enable_x64=%s") % (
        jax.__version__, jax.lib.__version__ if hasattr(jax.lib, "__version__") else jaxlib_version(),
        jax.default_backend(), len(devices), ", ".join(str(d) for d in devices), os.cpu_count(),
        os.environ.get("XLA_FLAGS", ""), jax.config.jax_enable_x64)
    return {"name": "jax", "version": jax.__version__, "threads": os.cpu_count(), "devices": len(devices),
            "header": header, "peak_rss": rss("VmHWM"),
            "base_rss": BASE_RSS}


def jaxlib_version():
    import jaxlib
    return jaxlib.__version__


BASE_RSS = rss("VmRSS")


def serve():
    workload = None
    for line in sys.stdin:
        req = json.loads(line)
        cmd = req.get("cmd")
        try:
            if cmd == "setup":
                workload = None
                workload = Workload(req["workload"], req["config"], req.get("shared"))
                resp = {"compile": workload.compile_seconds, "params": workload.params}
            elif cmd == "run":
                times, cpu, losses = workload.run(req["steps"])
                resp = {"times": times, "cpu": cpu, "losses": losses}
            elif cmd == "info":
                resp = info()
            else:
                resp = {"error": "unknown command %r" % cmd}
        except Exception as e:  # reported to Go, which names the request
            resp = {"error": "%s: %s" % (type(e).__name__, e)}
        sys.stdout.write(json.dumps(resp) + "\n")
        sys.stdout.flush()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--serve", action="store_true", help="answer JSON requests on stdin (used by lossbook bench)")
    p.add_argument("--workload", choices=sorted(DEFAULTS), help="run one workload standalone")
    p.add_argument("--shared", help="lossbook's .npz of inputs and initial weights (standalone)")
    p.add_argument("--config", help="sizes as a JSON object (standalone; default: the workload's full sizes)")
    p.add_argument("--json", action="store_true",
                   help="standalone: print {\"losses\": [...]} of --steps steps from the start, no warm-up")
    p.add_argument("--steps", type=int, default=5)
    args = p.parse_args()
    jax.config.update("jax_platforms", "cpu")
    if args.serve:
        serve()
        return
    if not args.workload:
        p.error("give --serve or --workload")
    w = Workload(args.workload, json.loads(args.config) if args.config else DEFAULTS[args.workload], args.shared)
    if args.json:
        print(json.dumps({"losses": w.run(args.steps)[2]}))
        return
    w.run(1)
    times, _, losses = w.run(args.steps)
    print("%s: compile %.2f s, median %.4f s over %d steps (last loss %.4f); %s; peak RSS %.0f MB" % (
        args.workload, w.compile_seconds, statistics.median(times), args.steps, losses[-1], info()["header"],
        info()["peak_rss"] / 1e6))


if __name__ == "__main__":
    main()
