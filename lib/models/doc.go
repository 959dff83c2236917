// Package models holds the language models that lossbook's notebooks and tasks train: a bag-of-embeddings
// text classifier and a BERT-style Transformer encoder with MLM and classification heads, built from GoMLX
// layers with their variables in a GoMLX context. They return logits; package losses scores them.
//
//	model := models.BagOfEmbeddings{VocabSize: 8000, Dim: 64, NumClasses: 2}
//	ctx := context.New() // holds the model's variables, created at the first call
//	exec := context.MustNewExec(lib.MustBackend(), ctx, model.Logits)
//	logits := exec.MustExec([][]int32{{5, 6, 7}}, [][]bool{{true, true, false}})[0] // shape [1, 2]
//
// The models:
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
// # For contributors
//
// models owns: model graphs (embeddings, encoders, heads). It must not touch: loss formulas (package losses),
// optimizers (package training), data reading or display.
package models
