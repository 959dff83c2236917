#!/usr/bin/python3
"""Golden values for lib/models.Transformer from PyTorch, in float64.

Builds the PyTorch twin of models.Transformer (token, position and segment embeddings, a LayerNorm,
nn.TransformerEncoderLayer blocks with batch_first=True and dropout 0, nn.TransformerEncoder's final LayerNorm
when FinalNorm, a Linear MLM head, and a BERT pooler plus classifier), runs it on a padded batch, and writes its weights (renamed and transposed into GoMLX's
variable layout) and outputs to transformer.json. Go tests load the weights into a context and compare.

Run from the repository root:
    /usr/bin/python3 lib/models/testdata/gen_transformer.py
"""
import datetime
import json
import os

import torch
from torch import nn

COMMAND = "/usr/bin/python3 lib/models/testdata/gen_transformer.py"
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "transformer.json")


# Writers of GoMLX variables into out (name -> shape and flat values), shared with gen_seq2seq.py.
def put(out, name, t):
    out[name] = {"shape": list(t.shape), "values": t.detach().reshape(-1).tolist()}


def dense(out, scope, linear_w, linear_b):
    """A layers.Dense under scope: the Linear's weight transposed to [in, out], and its bias."""
    put(out, scope + "/dense/weights", linear_w.t())
    put(out, scope + "/dense/biases", linear_b)


def norm(out, scope, ln):
    put(out, scope + "/layer_normalization/gain", ln.weight)
    put(out, scope + "/layer_normalization/offset", ln.bias)


def attention(out, scope, mha):
    """nn.MultiheadAttention as models' query, key, value and output Dense layers (in_proj split in three)."""
    d = mha.embed_dim
    w, b = mha.in_proj_weight, mha.in_proj_bias
    for j, name in enumerate(["query", "key", "value"]):
        dense(out, scope + "/" + name, w[j * d:(j + 1) * d], b[j * d:(j + 1) * d])
    dense(out, scope + "/output", mha.out_proj.weight, mha.out_proj.bias)


def encoder_layer(out, scope, layer):
    """nn.TransformerEncoderLayer as one of models.Transformer's blocks."""
    attention(out, scope + "/attention", layer.self_attn)
    norm(out, scope + "/attention_norm", layer.norm1)
    dense(out, scope + "/ffn/hidden", layer.linear1.weight, layer.linear1.bias)
    dense(out, scope + "/ffn/output", layer.linear2.weight, layer.linear2.bias)
    norm(out, scope + "/ffn_norm", layer.norm2)


class Twin(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d = cfg["Dim"]
        self.tok = nn.Embedding(cfg["VocabSize"], d)
        self.pos = nn.Embedding(cfg["MaxLen"], d)
        self.seg = nn.Embedding(cfg["NumSegments"], d)
        self.norm = nn.LayerNorm(d, eps=1e-5)
        self.layers = nn.ModuleList([
            nn.TransformerEncoderLayer(d, cfg["NumHeads"], cfg["FFNDim"], dropout=0.0, activation=cfg["Activation"],
                                       layer_norm_eps=1e-5, batch_first=True, norm_first=cfg["NormFirst"])
            for _ in range(cfg["NumLayers"])])
        # nn.TransformerEncoder's norm: created only when asked, so the other cases draw the same weights.
        self.final = nn.LayerNorm(d, eps=1e-5) if cfg.get("FinalNorm") else None
        self.mlm = nn.Linear(d, cfg["VocabSize"])
        self.pooler = nn.Linear(d, d)
        self.classifier = nn.Linear(d, 2)

    def forward(self, tokens, segments, mask):
        s = tokens.shape[1]
        x = self.tok(tokens) + self.pos(torch.arange(s))[None] + self.seg(segments)
        x = self.norm(x)
        for layer in self.layers:
            x = layer(x, src_key_padding_mask=~mask)
        if self.final is not None:
            x = self.final(x)
        return x, self.mlm(x), self.classifier(torch.tanh(self.pooler(x[:, 0])))

    def variables(self):
        """Weights under models.Transformer's GoMLX variable names, Linear weights transposed to [in, out]."""
        out = {}
        put(out, "/token_embeddings/embeddings", self.tok.weight)
        put(out, "/position_embeddings/embeddings", self.pos.weight)
        put(out, "/segment_embeddings/embeddings", self.seg.weight)
        norm(out, "/embeddings_norm", self.norm)
        for i, layer in enumerate(self.layers):
            encoder_layer(out, "/layer_%d" % i, layer)
        if self.final is not None:
            norm(out, "/final_norm", self.final)
        dense(out, "/mlm", self.mlm.weight, self.mlm.bias)
        dense(out, "/pooler", self.pooler.weight, self.pooler.bias)
        dense(out, "/classifier", self.classifier.weight, self.classifier.bias)
        return out


def case(name, seed, **overrides):
    cfg = dict(VocabSize=13, MaxLen=7, NumSegments=2, Dim=8, NumHeads=2, NumLayers=2, FFNDim=12,
               Activation="relu", NormFirst=False, FinalNorm=False)
    cfg.update(overrides)
    torch.manual_seed(seed)
    model = Twin(cfg).double()
    with torch.no_grad():  # non-trivial layer norm parameters, so that a swapped gain/offset shows
        for m in model.modules():
            if isinstance(m, nn.LayerNorm):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.5, 0.5)
    model.train()  # dropout is 0; training mode keeps PyTorch off its inference fast path
    tokens = torch.tensor([[1, 5, 7, 2, 9, 4], [1, 3, 12, 2, 0, 0], [1, 8, 2, 0, 0, 0]])
    segments = torch.tensor([[0, 0, 0, 0, 1, 1], [0, 0, 1, 1, 0, 0], [0, 0, 0, 0, 0, 0]])
    mask = tokens != 0
    mask[0, :] = True
    hidden, mlm, pooled = model(tokens, segments, mask)
    return {
        "name": name, "config": cfg,
        "tokens": tokens.tolist(), "segments": segments.tolist(), "mask": mask.tolist(),
        "variables": model.variables(),
        "hidden": hidden.detach().reshape(-1).tolist(),
        "mlm": mlm.detach().reshape(-1).tolist(),
        "pooled": pooled.detach().reshape(-1).tolist(),
    }


def main():
    cases = [
        case("post-norm relu", 1),
        case("pre-norm gelu", 2, Activation="gelu", NormFirst=True),
        case("one layer, four heads", 3, NumLayers=1, NumHeads=4),
        case("pre-norm gelu, final norm", 4, Activation="gelu", NormFirst=True, FinalNorm=True),
    ]
    write(OUT, COMMAND, cases)


def write(path, command, cases):
    """Writes the golden file (temp file, then rename) with its provenance: torch version, command, date."""
    doc = {
        "torch_version": torch.__version__,
        "command": command,
        "date": datetime.date.today().isoformat(),
        "dtype": "float64",
        "cases": cases,
    }
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(doc, f)
    os.replace(tmp, path)
    print("wrote", path)


if __name__ == "__main__":
    main()
