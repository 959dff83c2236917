#!/usr/bin/python3
"""PyTorch peer for `lossbook train textclass --model bag`: the same bag of embeddings, optimizer, steps and
batches of the same token ids, in torch.

    lossbook train textclass --out runs/spam
    lossbook eval --checkpoint runs/spam --export /tmp/spam-split
    /usr/bin/python3 scripts/peer_textclass_torch.py runs/spam /tmp/spam-split

Reads the run's run.json (hidden_size, optimizer and its arguments, max_steps, per_device_train_batch_size,
seed) and metrics.json (lossbook's accuracy and steps/s), trains
nn.EmbeddingBag(vocab, hidden_size, mode="mean", padding_idx=[PAD]) + nn.Linear(hidden_size, classes) with
nn.CrossEntropyLoss and torch.optim.AdamW (or the run's optimizer) on the exported train.jsonl, batches drawn by
reshuffling every epoch, and scores test.jsonl. Initialisation and data order are torch's own (seeded by the
run's seed), so the two runs agree in distribution, not bit for bit. Prints accuracy, spam F1, training
steps/s and the ratio to lossbook's steps/s from metrics.json. torch runs on --threads threads (default 1: on a
loaded 2-core machine two OpenMP threads ran slower than one).
"""

import argparse
import json
import os
import sys
import time

import torch
from torch import nn


def read(folder, name):
    with open(os.path.join(folder, name + ".jsonl"), encoding="utf-8") as f:
        rows = [json.loads(line) for line in f]
    return [r["ids"] for r in rows], [r["label"] for r in rows]


def pad(rows, pad_id, length):
    t = torch.full((len(rows), length), pad_id, dtype=torch.long)
    for i, r in enumerate(rows):
        t[i, :len(r)] = torch.tensor(r[:length], dtype=torch.long)
    return t


class Bag(nn.Module):
    def __init__(self, vocab, dim, classes, pad_id):
        super().__init__()
        self.emb = nn.EmbeddingBag(vocab, dim, mode="mean", padding_idx=pad_id)
        self.out = nn.Linear(dim, classes)

    def forward(self, ids):
        return self.out(self.emb(ids))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("run", help="run directory of lossbook train textclass --model bag")
    ap.add_argument("folder", help="its split, from lossbook eval --checkpoint RUN --export FOLDER")
    ap.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    ap.add_argument("--json", action="store_true", help="print the results as JSON")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    with open(os.path.join(args.run, "run.json"), encoding="utf-8") as f:
        run = json.load(f)
    with open(os.path.join(args.run, "metrics.json"), encoding="utf-8") as f:
        lossbook = json.load(f)
    with open(os.path.join(args.folder, "classes.json"), encoding="utf-8") as f:
        meta = json.load(f)
    if run["model"] != "bag":
        sys.exit(f"{args.run}: model {run['model']!r}; this peer is the bag model")
    torch.manual_seed(run["seed"])
    xtr, ytr = read(args.folder, "train")
    xte, yte = read(args.folder, "test")
    length = run["max_length"]
    xtr, xte = pad(xtr, meta["pad_id"], length), pad(xte, meta["pad_id"], length)
    ytr, yte = torch.tensor(ytr), torch.tensor(yte)
    model = Bag(meta["vocab_size"], run["hidden_size"], len(meta["classes"]), meta["pad_id"])
    opt_args = dict(run.get("optimizer_args") or {})
    if "betas" in opt_args:
        opt_args["betas"] = tuple(opt_args["betas"])
    opt = getattr(torch.optim, run["optimizer"])(model.parameters(), **opt_args)
    loss_fn = nn.CrossEntropyLoss(**(run.get("loss_args") or {}))
    steps, batch = run["max_steps"], run["per_device_train_batch_size"]
    gen = torch.Generator().manual_seed(run["seed"])
    order, pos = torch.randperm(len(ytr), generator=gen), 0
    model.train()
    start = time.perf_counter()
    for _ in range(steps):
        if pos >= len(order):
            order, pos = torch.randperm(len(ytr), generator=gen), 0
        idx = order[pos:pos + batch]
        pos += batch
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(xtr[idx]), ytr[idx])
        loss.backward()
        opt.step()
    seconds = time.perf_counter() - start
    model.eval()
    with torch.no_grad():
        pred = model(xte).argmax(-1)
    acc = (pred == yte).float().mean().item()
    out = {"torch": torch.__version__, "threads": args.threads, "steps": steps, "seconds": seconds,
           "steps_per_second": steps / seconds, "accuracy": acc,
           "lossbook_accuracy": lossbook["test"]["accuracy"],
           "lossbook_steps_per_second": lossbook["steps_per_second"], "lossbook_backend": lossbook.get("backend")}
    classes = meta["classes"]
    f1s = {}
    for p, name in enumerate(classes):
        tp = ((pred == p) & (yte == p)).sum().item()
        fp = ((pred == p) & (yte != p)).sum().item()
        fn = ((pred != p) & (yte == p)).sum().item()
        f1s[name] = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    out["macro_f1"] = sum(f1s.values()) / len(f1s)
    if "spam" in classes:
        out["spam_f1"] = f1s["spam"]
    out["steps_per_second_ratio"] = out["lossbook_steps_per_second"] / out["steps_per_second"]
    if args.json:
        print(json.dumps(out, indent=2))
        return
    print(f"torch {out['torch']}, {args.threads} thread(s): {steps} steps in {seconds:.1f} s "
          f"({out['steps_per_second']:.2f} steps/s); test accuracy {acc:.4f}, macro-F1 {out['macro_f1']:.4f}"
          + (f", spam F1 {out['spam_f1']:.4f}" if "spam_f1" in out else ""))
    print(f"lossbook ({out['lossbook_backend']}): accuracy {out['lossbook_accuracy']:.4f}, "
          f"{out['lossbook_steps_per_second']:.2f} steps/s; lossbook/torch steps/s ratio "
          f"{out['steps_per_second_ratio']:.2f}")


if __name__ == "__main__":
    main()
