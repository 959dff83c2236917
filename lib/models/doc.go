// Package models holds the small language models lossbook trains: built from GoMLX layers, with their variables
// in a GoMLX context.
//
//   - BagOfEmbeddings: the mean of a text's token embeddings and a linear layer (a text-classification baseline).
//   - Transformer: a BERT-style encoder (token, position and segment embeddings; multi-head self-attention with a
//     padding mask; feed-forward blocks; layer norms) with a token-level head over the vocabulary (MLM) and a
//     pooled head on the first position (classification, NSP). Its outputs equal PyTorch's
//     nn.TransformerEncoderLayer stack given the same weights (see TestTransformerMatchesPyTorch).
//
// Models return logits; losses come from package losses, optimizers from package training. Their gradients go
// through lib/dotgrad (imported by package lib), so training them on the pure-Go backend never builds the
// M x N x K tensors of GoMLX v0.26.0's own matmul gradients.
//
// It owns: model graphs (embeddings, encoders, heads). It must not touch: loss formulas (package losses),
// optimizers (package training), data reading or display.
package models
