#!/usr/bin/python3
"""Golden values for lib/models.Seq2Seq from PyTorch, in float64: the translate peer's own model.

Imports the Seq2Seq module of scripts/peer_translate_torch.py (token + position embeddings, a LayerNorm per side,
nn.TransformerEncoderLayer / nn.TransformerDecoderLayer blocks, final LayerNorms when pre-norm, the output layer tied
to the target embeddings or not), runs it with dropout 0 on a padded batch, and writes its weights (renamed and
transposed into GoMLX's variable layout) and logits to seq2seq.json. TestSeq2SeqMatchesPyTorch loads the weights
and compares, so that the Go model and the peer's are the same function.

Run from the repository root:
    /usr/bin/python3 lib/models/testdata/gen_seq2seq.py
"""
import importlib.util
import os

import torch
from torch import nn

COMMAND = "/usr/bin/python3 lib/models/testdata/gen_seq2seq.py"
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "seq2seq.json")
PEER = os.path.join(HERE, "..", "..", "..", "scripts", "peer_translate_torch.py")


def load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


peer = load("peer_translate_torch", PEER)
gt = load("gen_transformer", os.path.join(HERE, "gen_transformer.py"))  # its writers of GoMLX variables


def variables(model, pre, tied):
    """The peer's weights under models.Seq2Seq's GoMLX variable names, Linear weights transposed to [in, out]."""
    out = {}
    for side, tok, pos, ln in (("/encoder", model.src_tok, model.src_pos, model.src_norm),
                               ("/decoder", model.tgt_tok, model.tgt_pos, model.tgt_norm)):
        gt.put(out, side + "/token_embeddings/embeddings", tok.weight)
        gt.put(out, side + "/position_embeddings/embeddings", pos.weight)
        gt.norm(out, side + "/embeddings_norm", ln)
    for i, layer in enumerate(model.encoder):
        gt.encoder_layer(out, "/encoder/layer_%d" % i, layer)
    for i, layer in enumerate(model.decoder):
        p = "/decoder/layer_%d" % i
        gt.attention(out, p + "/self_attention", layer.self_attn)
        gt.norm(out, p + "/self_attention_norm", layer.norm1)
        gt.attention(out, p + "/cross_attention", layer.multihead_attn)
        gt.norm(out, p + "/cross_attention_norm", layer.norm2)
        gt.dense(out, p + "/ffn/hidden", layer.linear1.weight, layer.linear1.bias)
        gt.dense(out, p + "/ffn/output", layer.linear2.weight, layer.linear2.bias)
        gt.norm(out, p + "/ffn_norm", layer.norm3)
    if pre:
        gt.norm(out, "/encoder/final_norm", model.enc_final)
        gt.norm(out, "/decoder/final_norm", model.dec_final)
    if tied:
        gt.put(out, "/decoder/output/biases", model.out.bias)
    else:
        gt.dense(out, "/decoder/output", model.out.weight, model.out.bias)
    return out


def case(name, seed, pre, tied, layers=2, heads=2):
    c = {"d_model": 8, "max_position_embeddings": 7, "attention_heads": heads, "ffn_dim": 12, "dropout": 0.0,
         "normalize_before": pre, "encoder_layers": layers, "decoder_layers": layers, "tie_word_embeddings": tied}
    vocab = 13
    torch.manual_seed(seed)
    model = peer.Seq2Seq(c, vocab).double()
    with torch.no_grad():  # non-trivial biases and layer norms, so that a swapped or missing one shows
        for m in model.modules():
            if isinstance(m, nn.LayerNorm):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.5, 0.5)
        for n, p in model.named_parameters():
            if n.endswith("bias") and not isinstance(dict(model.named_modules()).get(n.rsplit(".", 1)[0]), nn.LayerNorm):
                p.uniform_(-0.3, 0.3)
    model.train()  # dropout is 0; training mode keeps PyTorch off its inference fast path
    source = torch.tensor([[1, 5, 7, 9, 2], [1, 3, 2, 0, 0]])
    source_mask = source != 0
    target = torch.tensor([[1, 4, 6, 8], [1, 11, 0, 0]])  # decoder input; the second row padded at the end
    logits = model.logits(model.encode(source, source_mask), source_mask, target)
    return {
        "name": name, "vocab": vocab,
        "config": {"Dim": c["d_model"], "MaxLen": c["max_position_embeddings"], "NumHeads": heads, "FFNDim": c["ffn_dim"],
                   "Layers": layers, "NormFirst": pre, "TieOutput": tied},
        "source": source.tolist(), "source_mask": source_mask.tolist(), "target": target.tolist(),
        "variables": variables(model, pre, tied),
        "logits": logits.detach().reshape(-1).tolist(),
    }


def main():
    cases = [
        case("pre-norm, tied (translate's)", 1, pre=True, tied=True),
        case("post-norm, untied", 2, pre=False, tied=False),
        case("one layer, four heads, pre-norm, untied", 3, pre=True, tied=False, layers=1, heads=4),
    ]
    gt.write(OUT, COMMAND, cases)


if __name__ == "__main__":
    main()
