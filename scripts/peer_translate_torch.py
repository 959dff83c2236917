#!/usr/bin/python3
"""PyTorch 1.13 peer of lossbook's translate task: the same encoder-decoder, loss, optimizer, schedule and batches.

Reads the folder written by `lossbook train translate --export DIR [same flags as the Go run]` (run.json,
vocab.txt, batches.jsonl, test_short.tsv), trains for --steps steps on those batches (shuffled each epoch with
--seed), prints the training steps/s with the thread count, and writes greedy translations of the first --limit
short test verses to DIR/peer_hyps.txt and their references to DIR/peer_refs.txt, to score with
`lossbook bleu DIR/peer_hyps.txt DIR/peer_refs.txt` (the same sacrebleu-13a BLEU as the Go side).

The model mirrors models.Seq2Seq: token + learned position embeddings, a layer norm and dropout on each side;
nn.TransformerEncoderLayer / nn.TransformerDecoderLayer blocks (ReLU, batch_first, norm_first as
normalize_before), a final layer norm per side when pre-norm; the output layer tied to the target embeddings with
a bias. Loss: cross_entropy(label_smoothing, ignore_index=-100, reduction='sum') / number of target tokens. AdamW
(betas 0.9, 0.98; no decay on biases, norms) with fairseq's inverse_sqrt warmup. Initialisation is PyTorch's own,
with the embeddings drawn as the Go side draws them (truncated normal, std 0.02). Train the Go side with
`--initializer torch` (models.Seq2Seq.TorchInit: the attention's in_proj Xavier-uniform with zero biases, the other
linear layers nn.Linear's default, weights and biases) and the two start from the same distributions; lossbook's
default, He's initialisation, starts the linear weights 2.4 times larger. What still differs: the random numbers
themselves (init, dropout, the order of the batches in each epoch) and the attention mask (-inf here, the lowest
finite float in lossbook, which agree wherever a row has a real token). To compare over initialisations on the same
data, vary --seed here and `--seed N --data-seed 1` on the Go side.

Command: /usr/bin/python3 scripts/peer_translate_torch.py DIR --steps 200 --threads 1
"""
import argparse
import json
import math
import os
import random
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Seq2Seq(nn.Module):
    def __init__(self, c, vocab):
        super().__init__()
        d, L = c["d_model"], c["max_position_embeddings"]
        self.src_tok, self.tgt_tok = nn.Embedding(vocab, d), nn.Embedding(vocab, d)
        self.src_pos, self.tgt_pos = nn.Embedding(L, d), nn.Embedding(L, d)
        for e in (self.src_tok, self.tgt_tok, self.src_pos, self.tgt_pos):
            nn.init.trunc_normal_(e.weight, std=0.02, a=-0.04, b=0.04)
        self.src_norm, self.tgt_norm = nn.LayerNorm(d), nn.LayerNorm(d)
        pre = c["normalize_before"]
        enc = lambda: nn.TransformerEncoderLayer(d, c["attention_heads"], c["ffn_dim"], c["dropout"], batch_first=True, norm_first=pre)
        dec = lambda: nn.TransformerDecoderLayer(d, c["attention_heads"], c["ffn_dim"], c["dropout"], batch_first=True, norm_first=pre)
        self.encoder = nn.ModuleList([enc() for _ in range(c["encoder_layers"])])
        self.decoder = nn.ModuleList([dec() for _ in range(c["decoder_layers"])])
        self.enc_final = nn.LayerNorm(d) if pre else nn.Identity()
        self.dec_final = nn.LayerNorm(d) if pre else nn.Identity()
        self.drop = nn.Dropout(c["dropout"])
        self.tied = c["tie_word_embeddings"]
        self.out = nn.Linear(d, vocab, bias=True)
        if self.tied:
            self.out.weight = self.tgt_tok.weight
            nn.init.zeros_(self.out.bias)

    def encode(self, src, mask):
        pos = torch.arange(src.shape[1])
        x = self.drop(self.src_norm(self.src_tok(src) + self.src_pos(pos)))
        for layer in self.encoder:
            x = layer(x, src_key_padding_mask=~mask)
        return self.enc_final(x)

    def logits(self, memory, mask, tgt):
        n = tgt.shape[1]
        y = self.drop(self.tgt_norm(self.tgt_tok(tgt) + self.tgt_pos(torch.arange(n))))
        causal = torch.triu(torch.ones(n, n, dtype=torch.bool), 1)
        for layer in self.decoder:
            y = layer(y, memory, tgt_mask=causal, memory_key_padding_mask=~mask)
        return self.out(self.dec_final(y))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--limit", type=int, default=200)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    c = json.load(open(os.path.join(a.dir, "run.json")))
    vocab = [l.rstrip("\n") for l in open(os.path.join(a.dir, "vocab.txt"), encoding="utf-8")]
    batches = [json.loads(l) for l in open(os.path.join(a.dir, "batches.jsonl"))]
    batches = [[torch.tensor(b[k]) for k in ("source", "source_mask", "decoder_input", "labels")] for b in batches]
    # Drop the empty rows that fill a length bin's last batch: lossbook's finite mask bias gives them uniform
    # attention and no loss, but PyTorch's -inf mask makes them NaN (and NaN·0 is NaN in the loss).
    batches = [[t[b[1].any(dim=1)] for t in b] for b in batches]
    model = Seq2Seq(c, len(vocab))
    decay = [p for n, p in model.named_parameters() if p.dim() > 1]
    no_decay = [p for n, p in model.named_parameters() if p.dim() <= 1]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": c["weight_decay"]}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=c["learning_rate"], betas=(0.9, 0.98), eps=1e-8)
    w = max(1, c["warmup_steps"])
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda t: min((t + 1) / w, math.sqrt(w / (t + 1))))
    rng = random.Random(a.seed)
    order, pos = [], 0
    model.train()
    start = time.perf_counter()
    for step in range(1, a.steps + 1):
        if pos == len(order):
            order, pos = list(range(len(batches))), 0
            rng.shuffle(order)
        src, mask, dec, lab = batches[order[pos]]
        pos += 1
        logits = model.logits(model.encode(src, mask), mask, dec)
        loss_sum = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), lab.reshape(-1), ignore_index=-100,
                                   label_smoothing=c["label_smoothing_factor"], reduction="sum")
        count = (lab != -100).sum()
        opt.zero_grad()
        (loss_sum / count).backward()
        opt.step()
        sched.step()
        if step % 50 == 0 or step == a.steps:
            el = time.perf_counter() - start
            print(f"step {step} loss {(loss_sum / count).item():.3f} {step / el:.3f} steps/s ({a.threads} thread(s), torch {torch.__version__})", flush=True)
    # Greedy decoding of the short test verses, with lossbook's tokenizer ids read from the exported vocabulary.
    ids = {t: i for i, t in enumerate(vocab)}
    write_greedy(model, c, vocab, ids, a)


def wordpiece(text, ids):
    """A plain WordPiece encoder (cased, BERT's punctuation split), enough for the exported vocabulary."""
    import unicodedata
    words, cur = [], ""
    for ch in text:
        if ch.isspace():
            if cur:
                words.append(cur)
            cur = ""
        elif unicodedata.category(ch).startswith("P") or (ch.isascii() and not ch.isalnum()):
            if cur:
                words.append(cur)
            words.append(ch)
            cur = ""
        else:
            cur += ch
    if cur:
        words.append(cur)
    out = []
    for wd in words:
        start, pieces = 0, []
        while start < len(wd):
            end = len(wd)
            while end > start:
                piece = wd[start:end] if start == 0 else "##" + wd[start:end]
                if piece in ids:
                    break
                end -= 1
            if end == start:
                pieces = [ids["[UNK]"]]
                break
            pieces.append(ids[piece])
            start = end
        out.extend(pieces)
    return out


def write_greedy(model, c, vocab, ids, a):
    """Greedy decoding of the short test verses, 64 at a time (sources padded and masked, as the Go side batches
    them): each verse stops at [SEP] or after min(L - 1, 1.5 * source tokens + 10) tokens, [SEP] barred first."""
    model.eval()
    pairs = [l.rstrip("\n").split("\t") for l in open(os.path.join(a.dir, "test_short.tsv"), encoding="utf-8")][: a.limit]
    cls, sep = ids["[CLS]"], ids["[SEP]"]
    L = c["max_position_embeddings"]
    srcs = [[cls] + wordpiece(src_text, ids)[: L - 2] + [sep] for src_text, _ in pairs]
    outs = [None] * len(srcs)
    order = sorted(range(len(srcs)), key=lambda i: len(srcs[i]))
    with torch.no_grad():
        for b in range(0, len(order), 64):
            rows = order[b : b + 64]
            n = max(len(srcs[i]) for i in rows)
            src = torch.tensor([srcs[i] + [0] * (n - len(srcs[i])) for i in rows])
            mask = torch.tensor([[j < len(srcs[i]) for j in range(n)] for i in rows])
            limits = [min(L - 1, int(1.5 * len(srcs[i]) + 10)) for i in rows]
            memory = model.encode(src, mask)
            out = torch.full((len(rows), 1), cls)
            done = [False] * len(rows)
            for step in range(max(limits)):
                logits = model.logits(memory, mask, out)[:, -1]
                if step == 0:
                    logits[:, sep] = -math.inf
                nxt = logits.argmax(-1)
                for r in range(len(rows)):
                    if step >= limits[r] or int(nxt[r]) == sep:
                        done[r] = True
                    if done[r]:
                        nxt[r] = sep
                if all(done):
                    break
                out = torch.cat([out, nxt[:, None]], 1)
            for r, i in enumerate(rows):
                toks = [t for t in out[r, 1:].tolist()]
                outs[i] = toks[: toks.index(sep)] if sep in toks else toks
    hyps = []
    for toks in outs:
        text = ""
        for t in (vocab[i] for i in toks):
            text += t[2:] if t.startswith("##") and text else (" " if text else "") + t
        hyps.append(text)
    with open(os.path.join(a.dir, "peer_hyps.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(hyps) + "\n")
    with open(os.path.join(a.dir, "peer_refs.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(p[1] for p in pairs) + "\n")
    print(f"wrote {len(hyps)} greedy translations to {a.dir}/peer_hyps.txt; score: lossbook bleu {a.dir}/peer_hyps.txt {a.dir}/peer_refs.txt")


if __name__ == "__main__":
    main()
