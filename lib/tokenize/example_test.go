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
	vocab, _ := tokenize.TrainFromSlice(corpus, tokenize.TrainOptions{VocabSize: 30, MinFrequency: 1})
	fmt.Println(vocab.Size(), vocab.Tokens()[:5])
	fmt.Println(vocab.Tokens()[5:16]) // the alphabet: continuation letters, then word-initial ones
	fmt.Println(vocab.Tokens()[16:])  // the merges, in order
	tok, _ := tokenize.New(vocab, tokenize.Options{})
	fmt.Println(tok.Tokenize("newest lowest"))
	// Output:
	// 30 [[PAD] [UNK] [CLS] [SEP] [MASK]]
	// [##d ##e ##i ##o ##r ##s ##t ##w l n w]
	// [##we ##de ##ide ##st lo ne wide ##wer ##west low lower lowest new newer]
	// [new ##e ##st lowest]
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
