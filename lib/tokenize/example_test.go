package tokenize_test

import (
	"fmt"

	"github.com/lossbook/lossbook/lib/tokenize"
)

func ExampleTokenizer_Tokenize() {
	vocab, _ := tokenize.NewVocab([]string{"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]",
		"the", "un", "##aff", "##able", "cafe", "!", ","})
	tok, _ := tokenize.New(vocab, tokenize.Uncased())
	fmt.Println(tok.Tokenize("The unaffable Café, [MASK]!"))
	fmt.Println(tok.Encode("the unaffable"))
	fmt.Println(tok.Decode(tok.Encode("The unaffable Café!"), true))
	// Output:
	// [the un ##aff ##able cafe , [MASK] !]
	// [5 6 7 8]
	// the unaffable cafe !
}

func ExampleTrain() {
	corpus := []string{"low lower lowest", "new newer newest", "wide wider widest"}
	vocab, _ := tokenize.TrainFromSlice(corpus, tokenize.TrainOptions{VocabSize: 37, MinFrequency: 1})
	fmt.Println(vocab.Size(), vocab.Tokens()[:5])
	fmt.Println(vocab.Tokens()[5:15])  // the alphabet: every letter alone,
	fmt.Println(vocab.Tokens()[15:23]) // and the letters that continue words
	fmt.Println(vocab.Tokens()[23:])   // the merges, in order
	tok, _ := tokenize.New(vocab, tokenize.Options{})
	fmt.Println(tok.Tokenize("newest lowest e x")) // "e" alone is a token; "x" was never seen
	// Output:
	// 37 [[PAD] [UNK] [CLS] [SEP] [MASK]]
	// [d e i l n o r s t w]
	// [##d ##e ##i ##o ##r ##s ##t ##w]
	// [##we lo ne wi ##de ##st wide ##wer ##west low lower lowest new newer]
	// [new ##e ##st lowest e [UNK]]
}

func ExampleTokenizer_EncodePairBatch() {
	vocab, _ := tokenize.NewVocab([]string{"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "earth", "was", "void", "."})
	tok, _ := tokenize.New(vocab, tokenize.Uncased())
	e, _ := tok.EncodePairBatch([]string{"The earth", "The earth was void."}, []string{"was void.", "The earth."},
		tokenize.EncodeOptions{Padding: tokenize.PadLongest, MaxLength: 9, Truncation: true})
	for i := range e.InputIDs {
		fmt.Println(e.InputIDs[i], e.TokenTypeIDs[i], e.AttentionMask[i])
	}
	// Output:
	// [2 5 6 3 7 8 9 3 0] [0 0 0 0 1 1 1 1 0] [1 1 1 1 1 1 1 1 0]
	// [2 5 6 7 3 5 6 9 3] [0 0 0 0 0 1 1 1 1] [1 1 1 1 1 1 1 1 1]
}
