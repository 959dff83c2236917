#!/usr/bin/python3
"""PyTorch side of `lossbook bench`: the workloads of internal/bench, run with PyTorch on the CPU.

`lossbook bench` starts this script with --serve and drives it through stdin/stdout, one JSON object per line,
alternating its own steps with PyTorch's:
    {"cmd": "setup", "workload": "ce", "config": {"batch": 1024, "classes": 32000}}  -> {"ok": true}
    {"cmd": "run", "steps": 5}    -> {"times": [seconds per step...], "cpu": [CPU seconds per step...], "loss": last loss}
    {"cmd": "info"}               -> {"torch": version, "threads": n, "peak_rss": bytes}
The sizes come from Go (internal/bench.Workloads), so both sides run the same work. Standalone:
    /usr/bin/python3 scripts/bench_torch.py --workload ce --steps 5
prints the median step time at the default sizes.

Needs Debian's python3-torch (1.13): always run it with /usr/bin/python3.
"""
import argparse
import json
import os
import resource
import statistics
import sys
import time

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


class Encoder(nn.Module):
    """Twin of models.Transformer (no segments, dropout 0) with its MLM head."""

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


class Workload:
    def __init__(self, name, c):
        gen = torch.Generator().manual_seed(42)
        self.name = name
        if name == "ce":
            self.logits = torch.randn(c["batch"], c["classes"], generator=gen, requires_grad=True)
            self.labels = torch.randint(0, c["classes"], (c["batch"],), generator=gen)
            return
        if name == "bag":
            self.model = Bag(c)
            self.tokens, self.mask = random_batch(gen, c["batch"], c["seq"], c["vocab"], c["seq"] // 4)
            self.labels = torch.randint(0, c["classes"], (c["batch"],), generator=gen)
        elif name == "transformer":
            self.model = Encoder(c)
            self.tokens, self.mask = random_batch(gen, c["batch"], c["seq"], c["vocab"], c["seq"] // 2)
            self.labels = torch.randint(0, c["vocab"], (c["batch"] * c["seq"],), generator=gen)
        else:
            raise ValueError("unknown workload %r (valid: %s)" % (name, ", ".join(DEFAULTS)))
        self.model.train()
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
        """Runs steps; returns the wall and the CPU (all threads) seconds of each, and the last loss."""
        times, cpu, loss = [], [], None
        for _ in range(steps):
            start, start_cpu = time.perf_counter(), time.process_time()
            loss = self.step()
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
        return times, cpu, loss


def blas_libraries():
    """The BLAS/LAPACK shared libraries this process has loaded (Debian's python3-torch takes libblas.so.3, which
    the alternatives system points at the reference BLAS or OpenBLAS)."""
    libs = set()
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                path = line.split()[-1]
                name = os.path.basename(path)
                if "blas" in name or "lapack" in name or "mkl" in name:
                    libs.add(os.path.realpath(path))
    except OSError:
        pass
    return sorted(libs)


def peak_rss():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB


def serve():
    workload = None
    for line in sys.stdin:
        req = json.loads(line)
        cmd = req.get("cmd")
        try:
            if cmd == "setup":
                workload = None
                workload = Workload(req["workload"], req["config"])
                resp = {"ok": True}
            elif cmd == "run":
                times, cpu, loss = workload.run(req["steps"])
                resp = {"times": times, "cpu": cpu, "loss": loss}
            elif cmd == "info":
                resp = {"torch": torch.__version__, "threads": torch.get_num_threads(), "peak_rss": peak_rss(),
                        "blas": blas_libraries()}
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
    p.add_argument("--steps", type=int, default=5)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    if args.serve:
        serve()
        return
    if not args.workload:
        p.error("give --serve or --workload")
    w = Workload(args.workload, DEFAULTS[args.workload])
    w.run(1)  # warm-up
    times, _, loss = w.run(args.steps)
    print("%s: median %.4f s over %d steps (loss %.4f), torch %s, %d threads, peak RSS %.0f MB, BLAS %s" % (
        args.workload, statistics.median(times), args.steps, loss, torch.__version__, torch.get_num_threads(),
        peak_rss() / 1e6, " ".join(blas_libraries())))


if __name__ == "__main__":
    main()
