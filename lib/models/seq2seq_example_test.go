package models_test

import (
	"fmt"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/lossbook/lossbook/lib"
	"github.com/lossbook/lossbook/lib/models"
)

// An encoder-decoder with tied output: teacher-forced logits for two sources (the second padded) and three
// target positions, then greedy decoding with the key/value cache.
func ExampleSeq2Seq() {
	model := models.Seq2Seq{SourceVocabSize: 30, TargetVocabSize: 30, MaxLen: 8, Dim: 16, NumHeads: 2,
		EncoderLayers: 1, DecoderLayers: 1, FFNDim: 32, TieOutput: true}
	ctx := context.New()
	logits := context.MustNewExec(lib.MustBackend(), ctx, func(ctx *context.Context, src, mask, tgt *Node) *Node {
		return model.Logits(ctx, model.Encode(ctx, src, mask), mask, tgt)
	}).MustExec([][]int32{{2, 7, 8, 3}, {2, 9, 3, 0}}, [][]bool{{true, true, true, true}, {true, true, true, false}},
		[][]int32{{2, 11, 12}, {2, 13, 0}})[0]
	fmt.Println("logits:", logits.Shape())
	dec, _ := models.NewDecoder(lib.MustBackend(), ctx, model, 2, 3, 0)
	out, _ := dec.Greedy([][]int32{{2, 7, 8, 3}}, models.DecodeOptions{MaxLenA: 1})
	fmt.Println("at most 4 tokens:", len(out[0]) <= 4)
	// Output:
	// logits: (Float32)[2 3 30]
	// at most 4 tokens: true
}
