// Package tokenize turns text into the token ids a model reads, and back: a BERT-style WordPiece tokenizer
// (the same tokens as Hugging Face's BertTokenizerFast), a trainer that learns its vocabulary from a corpus,
// and batch encoding with padding, truncation, attention masks and token-type ids.
//
//	opts := tokenize.Uncased() // lower-case and strip accents, as bert-base-uncased
//	vocab, err := tokenize.Train(slices.Values(texts), tokenize.TrainOptions{VocabSize: 8000, Options: opts})
//	if err != nil {
//		log.Fatal(err)
//	}
//	tok, err := tokenize.New(vocab, opts)
//	if err != nil {
//		log.Fatal(err)
//	}
//	fmt.Println(tok.Tokenize("Unbelievable offers!")) // e.g. [un ##believ ##able offers !]
//	enc, err := tok.EncodeBatch(texts[:2], tokenize.EncodeOptions{Padding: tokenize.PadLongest})
//	// enc.InputIDs: [CLS] ... [SEP] [PAD]...; enc.AttentionMask: 1 for tokens, 0 for padding
//
// Tokenizer follows BERT and Hugging Face's BertTokenizerFast: BasicTokenize cleans the text, splits CJK
// ideographs, white space and punctuation, and optionally lower-cases and strips accents (Options, Uncased);
// WordPiece then cuts each word greedily into the longest vocabulary entries, continuations prefixed with "##",
// and maps a word it cannot cut (or longer than 100 characters) to [UNK]. Its results are checked against
// Hugging Face's tokenizers (testdata/wordpiece_golden.json). Vocabularies are BERT's vocab.txt files (one
// token per line; ReadVocab, LoadVocab, Vocab.Save) and must hold [PAD] [UNK] [CLS] [SEP] [MASK]. Train learns
// a vocabulary of a given size from a corpus, with BPE merges kept in WordPiece form, as Hugging Face's
// WordPieceTrainer does. EncodeBatch and EncodePairBatch add [CLS]/[SEP], truncate (longest_first for pairs)
// and pad (to the longest or to MaxLength), with attention masks and token-type ids.
//
// Ids are int32, and IgnoreIndex (-100) marks labels a loss must skip, as PyTorch and lossbook's losses do.
//
// # For contributors
//
// tokenize owns: text to token ids and back. It must not touch: GoMLX graphs, files other than vocabulary files it is
// asked to read or write, or data set fetching (lib/data).
package tokenize
