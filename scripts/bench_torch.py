#!/usr/bin/python3
"""PyTorch side of `lossbook bench`: the workloads of internal/bench, run with PyTorch on the CPU.

`lossbook bench` starts this script with --serve, once per workload (so that its peak RSS is the workload's), and
drives it through stdin/stdout, one JSON object per line, alternating its own steps with PyTorch's:
    {"cmd": "info"}  -> {"name": "torch", "version": ..., "threads": n, "blas": ..., "blas_kind": "openblas",
                         "header": one line for the bench's header, "peak_rss": bytes, "base_rss": bytes}
    {"cmd": "setup", "workload": "bag", "config": {...}, "shared": "path.npz"}  -> {"compile": 0, "params": n}
    {"cmd": "run", "steps": 5}  -> {"times": [s...], "cpu": [CPU s...], "losses": [loss of each step...]}
The sizes come from Go (internal/bench.Workloads), and the inputs and initial weights from lossbook's .npz (written
by internal/bench.Shared.WriteNPZ, GoMLX's variable names and [in, out] layout), so that both sides train the same
model on the same data. Standalone (own random inputs and PyTorch's initialisation):
    /usr/bin/python3 scripts/bench_torch.py --workload ce --steps 5

Needs Debian's python3-torch (1.13): always run it with /usr/bin/python3. Its BLAS is Debian's libblas.so.3
alternative: OpenBLAS (libopenblas0-pthread) when installed, else the single-threaded reference BLAS, which the
bench refuses to judge against.
"""
import argparse
import ctypes
import json
import os
import statistics
import sys
import time

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

DEFAULTS = {
    "ce": {"batch": 1024, "classes": 32000},
    "bag": {"vocab": 20000, "dim": 128, "seq": 128, "batch": 64, "classes": 2},
    "transformer": {"vocab": 8000, "dim": 128, "heads": 4, "layers": 2, "ffn": 512, "seq": 64, "batch": 32},
}


def random_batch(gen, batch, seq, vocab, min_len):
    """Token ids in [1, vocab) for sequences of lengths uniform in [min_len, seq], padded with 0, and the mask."""
    lengths = torch.randint(min_len, seq + 1, (batch,), generator=gen)
    mask = torch.arange(seq)[None, :] < lengths[:, None]
    tokens = torch.randint(1, vocab, (batch, seq), generator=gen) * mask
    return tokens, mask


class Bag(nn.Module):
    """Twin of models.BagOfEmbeddings: masked mean of embeddings, then a linear layer."""

    def __init__(self, c):
        super().__init__()
        self.emb = nn.Embedding(c["vocab"], c["dim"])
        self.out = nn.Linear(c["dim"], c["classes"])

    def forward(self, tokens, mask):
        w = mask.to(torch.float32)
        total = torch.bmm(w.unsqueeze(1), self.emb(tokens)).squeeze(1)
        return self.out(total / w.sum(1).clamp(min=1).unsqueeze(1))

    def lossbook_names(self):
        """Each parameter under lossbook's variable name, with whether it is a Linear weight ([out, in] here)."""
        return {"embeddings/embeddings": (self.emb.weight, False),
                "output/dense/weights": (self.out.weight, True), "output/dense/biases": (self.out.bias, False)}


class Encoder(nn.Module):
    """Twin of models.Transformer (post-norm, ReLU, no segments, dropout 0) with its MLM head."""

    def __init__(self, c):
        super().__init__()
        d = c["dim"]
        self.tok = nn.Embedding(c["vocab"], d)
        self.pos = nn.Embedding(c["seq"], d)
        self.norm = nn.LayerNorm(d, eps=1e-5)
        self.layers = nn.ModuleList([
            nn.TransformerEncoderLayer(d, c["heads"], c["ffn"], dropout=0.0, batch_first=True)
            for _ in range(c["layers"])])
        self.mlm = nn.Linear(d, c["vocab"])

    def forward(self, tokens, mask):
        x = self.norm(self.tok(tokens) + self.pos(torch.arange(tokens.shape[1]))[None])
        for layer in self.layers:
            x = layer(x, src_key_padding_mask=~mask)
        return self.mlm(x)

    def lossbook_names(self):
        out = {"token_embeddings/embeddings": (self.tok.weight, False),
               "position_embeddings/embeddings": (self.pos.weight, False)}

        def dense(scope, linear):
            out[scope + "/dense/weights"] = (linear.weight, True)
            out[scope + "/dense/biases"] = (linear.bias, False)

        def norm(scope, ln):
            out[scope + "/layer_normalization/gain"] = (ln.weight, False)
            out[scope + "/layer_normalization/offset"] = (ln.bias, False)

        norm("embeddings_norm", self.norm)
        for i, layer in enumerate(self.layers):
            p = "layer_%d" % i
            # in_proj_weight packs query, key and value as rows [3d, d]: loaded by load_lossbook below.
            out[p + "/attention/in_proj"] = (layer.self_attn, None)
            dense(p + "/attention/output", layer.self_attn.out_proj)
            norm(p + "/attention_norm", layer.norm1)
            dense(p + "/ffn/hidden", layer.linear1)
            dense(p + "/ffn/output", layer.linear2)
            norm(p + "/ffn_norm", layer.norm2)
        dense("mlm", self.mlm)
        return out


def load_lossbook(model, weights):
    """Copies lossbook's initial weights (name -> array, GoMLX layout) into the model's parameters. Every weight
    must be used and every parameter set, or it raises."""
    left = dict(weights)
    seen = set()
    with torch.no_grad():
        for name, (param, transpose) in model.lossbook_names().items():
            if transpose is None:  # packed attention projections
                scope = name[:-len("/in_proj")]
                ws, bs = [], []
                for part in ("query", "key", "value"):
                    ws.append(torch.from_numpy(left.pop(scope + "/" + part + "/dense/weights")).t())
                    bs.append(torch.from_numpy(left.pop(scope + "/" + part + "/dense/biases")))
                param.in_proj_weight.copy_(torch.cat(ws, 0))
                param.in_proj_bias.copy_(torch.cat(bs, 0))
                seen.update({id(param.in_proj_weight), id(param.in_proj_bias)})
                continue
            value = torch.from_numpy(left.pop(name))
            if transpose:
                value = value.t()
            if tuple(value.shape) != tuple(param.shape):
                raise ValueError("lossbook weight %s is %s, PyTorch's parameter is %s" % (
                    name, tuple(value.shape), tuple(param.shape)))
            param.copy_(value)
            seen.add(id(param))
    if left:
        raise ValueError("lossbook weights with no PyTorch parameter: %s" % ", ".join(sorted(left)))
    unset = [n for n, p in model.named_parameters() if id(p) not in seen]
    if unset:
        raise ValueError("PyTorch parameters not set from lossbook's weights: %s" % ", ".join(unset))


def read_shared(path):
    """The inputs and weights of lossbook's .npz, as two dicts of NumPy arrays."""
    inputs, weights = {}, {}
    with np.load(path) as z:
        for key in z.files:
            kind, _, name = key.partition("/")
            (inputs if kind == "inputs" else weights)[name] = z[key]
    return inputs, weights


class Workload:
    def __init__(self, name, c, shared=None):
        if name not in DEFAULTS:
            raise ValueError("unknown workload %r (valid: %s)" % (name, ", ".join(DEFAULTS)))
        self.name = name
        inputs, weights = read_shared(shared) if shared else (None, None)
        gen = torch.Generator().manual_seed(42)
        if name == "ce":
            if inputs:
                self.logits = torch.from_numpy(inputs["logits"]).clone().requires_grad_(True)
                self.labels = torch.from_numpy(inputs["labels"]).long()
            else:
                self.logits = torch.randn(c["batch"], c["classes"], generator=gen, requires_grad=True)
                self.labels = torch.randint(0, c["classes"], (c["batch"],), generator=gen)
            self.params = 0
            return
        self.model = Bag(c) if name == "bag" else Encoder(c)
        if inputs:
            self.tokens = torch.from_numpy(inputs["tokens"]).long()
            self.mask = torch.from_numpy(inputs["mask"])
            self.labels = torch.from_numpy(inputs["labels"]).long()
            load_lossbook(self.model, weights)
        elif name == "bag":
            self.tokens, self.mask = random_batch(gen, c["batch"], c["seq"], c["vocab"], c["seq"] // 4)
            self.labels = torch.randint(0, c["classes"], (c["batch"],), generator=gen)
        else:
            self.tokens, self.mask = random_batch(gen, c["batch"], c["seq"], c["vocab"], c["seq"] // 2)
            self.labels = torch.randint(0, c["vocab"], (c["batch"] * c["seq"],), generator=gen)
        self.params = sum(p.numel() for p in self.model.parameters())
        self.model.train()  # dropout is 0; training mode keeps PyTorch off its inference fast path
        self.opt = torch.optim.Adam(self.model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8)

    def step(self):
        if self.name == "ce":
            self.logits.grad = None
            loss = F.cross_entropy(self.logits, self.labels)
            loss.backward()
            return loss.item()
        self.opt.zero_grad(set_to_none=True)
        logits = self.model(self.tokens, self.mask)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), self.labels)
        loss.backward()
        self.opt.step()
        return loss.item()

    def run(self, steps):
        """Runs steps; returns the wall and the CPU (all threads) seconds of each, and each step's loss."""
        times, cpu, losses = [], [], []
        for _ in range(steps):
            start, start_cpu = time.perf_counter(), time.process_time()
            losses.append(self.step())
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
        return times, cpu, losses


def sgemm_provider(maps):
    """The file that PyTorch's calls to sgemm_ bind to: dlsym on libtorch_cpu's handle searches it and its
    dependencies in the order its own references resolve. Loaded libraries alone do not tell: with the reference
    libblas.so.3 first, Debian's OpenBLAS liblapack.so.3 still loads libopenblas, whose sgemm_ goes unused."""
    torch_cpu = [p[5] for p in maps if len(p) >= 6 and "libtorch_cpu" in os.path.basename(p[5])]
    if not torch_cpu:
        return None
    try:
        addr = ctypes.cast(ctypes.CDLL(torch_cpu[0]).sgemm_, ctypes.c_void_p).value
    except (OSError, AttributeError):
        return None
    for p in maps:
        lo, hi = (int(x, 16) for x in p[0].split("-"))
        if lo <= addr < hi and len(p) >= 6:
            return os.path.realpath(p[5])
    return None


def blas_info():
    """The BLAS/LAPACK libraries this process loaded, the file PyTorch's sgemm_ comes from, its kind ("openblas",
    "reference", "mkl", "unknown") and OpenBLAS's thread count. Debian's python3-torch links libblas.so.3, which the
    alternatives system (or -torchblas) points at OpenBLAS or at the single-threaded reference BLAS."""
    try:
        with open("/proc/self/maps") as f:
            maps = [line.split() for line in f]
    except OSError:
        maps = []
    libs = sorted({os.path.realpath(p[5]) for p in maps if len(p) >= 6 and any(
        k in os.path.basename(p[5]) for k in ("blas", "lapack", "mkl"))})
    provider = sgemm_provider(maps)
    kind, threads = "unknown", None
    if provider and "openblas" in provider:
        kind = "openblas"
        try:
            threads = ctypes.CDLL(provider).openblas_get_num_threads()
        except (OSError, AttributeError):
            pass
    elif provider and "mkl" in provider:
        kind = "mkl"
    elif provider and ("/blas/" in provider or os.path.basename(provider).startswith("libblas.so")):
        kind = "reference"
    return libs, provider, kind, threads


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
    libs, provider, kind, blas_threads = blas_info()
    header = ("torch %s, %d intra-op threads (torch.get_num_threads), %d inter-op; BLAS %s (sgemm_ from %s%s; "
              "loaded: %s); MKL %s, oneDNN %s") % (
        torch.__version__, torch.get_num_threads(), torch.get_num_interop_threads(), kind, provider or "not found",
        ", %d OpenBLAS threads" % blas_threads if blas_threads is not None else "", " ".join(libs) or "none",
        "yes" if torch.backends.mkl.is_available() else "no",
        "yes" if torch.backends.mkldnn.is_available() else "no")
    return {"name": "torch", "version": torch.__version__, "threads": torch.get_num_threads(), "blas": libs,
            "blas_kind": kind, "blas_threads": blas_threads, "header": header,
            "peak_rss": rss("VmHWM"), "base_rss": BASE_RSS}


BASE_RSS = rss("VmRSS")  # after the imports: the interpreter's and PyTorch's own memory


def serve():
    workload = None
    for line in sys.stdin:
        req = json.loads(line)
        cmd = req.get("cmd")
        try:
            if cmd == "setup":
                workload = None
                workload = Workload(req["workload"], req["config"], req.get("shared"))
                resp = {"compile": -1, "params": workload.params}  # nothing to compile
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
    p.add_argument("--threads", type=int, default=os.cpu_count(), help="torch.set_num_threads (default: cores)")
    p.add_argument("--workload", choices=sorted(DEFAULTS), help="run one workload standalone")
    p.add_argument("--shared", help="lossbook's .npz of inputs and initial weights (standalone)")
    p.add_argument("--config", help="sizes as a JSON object (standalone; default: the workload's full sizes)")
    p.add_argument("--json", action="store_true",
                   help="standalone: print {\"losses\": [...]} of --steps steps from the start, no warm-up")
    p.add_argument("--steps", type=int, default=5)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    if args.serve:
        serve()
        return
    if not args.workload:
        p.error("give --serve or --workload")
    w = Workload(args.workload, json.loads(args.config) if args.config else DEFAULTS[args.workload], args.shared)
    if args.json:
        print(json.dumps({"losses": w.run(args.steps)[2]}))
        return
    w.run(1)  # warm-up
    times, _, losses = w.run(args.steps)
    print("%s: median %.4f s over %d steps (last loss %.4f); %s; peak RSS %.0f MB" % (
        args.workload, statistics.median(times), args.steps, losses[-1], info()["header"],
        info()["peak_rss"] / 1e6))


if __name__ == "__main__":
    main()
