// Package tokenize holds lossbook's tokenizers: a BERT-style WordPiece tokenizer, its vocabulary trainer, and
// batch encoding with padding, truncation, attention masks and token-type ids.
//
// It owns: text to token ids and back. It must not touch: GoMLX graphs, files other than vocabulary files it is
// asked to read or write, or data set fetching (lib/data).
package tokenize
