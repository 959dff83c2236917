package models_test

import (
	"fmt"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/lossbook/lossbook/lib"
	"github.com/lossbook/lossbook/lib/models"
)

// A bag-of-embeddings classifier on two sequences of four tokens, the second padded after two.
func ExampleBagOfEmbeddings() {
	model := models.BagOfEmbeddings{VocabSize: 100, Dim: 8, NumClasses: 3}
	ctx := context.New()
	logits := context.MustNewExec(lib.MustBackend(), ctx, func(ctx *context.Context, tokens, mask *Node) *Node {
		return model.Logits(ctx, tokens, mask)
	}).MustExec([][]int32{{5, 7, 9, 11}, {3, 4, 0, 0}}, [][]bool{{true, true, true, true}, {true, true, false, false}})[0]
	fmt.Println("logits:", logits.Shape())
	for v := range ctx.IterVariables() {
		if v.Trainable {
			fmt.Println(v.ScopeAndName(), v.Shape())
		}
	}
	// Output:
	// logits: (Float32)[2 3]
	// /embeddings/embeddings (Float32)[100 8]
	// /output/dense/weights (Float32)[8 3]
	// /output/dense/biases (Float32)[3]
}

// A two-layer encoder with both heads: MLM logits at every position and pooled logits for NSP.
func ExampleTransformer() {
	model := models.Transformer{VocabSize: 50, MaxLen: 16, NumSegments: 2, Dim: 16, NumHeads: 4, NumLayers: 2, FFNDim: 32}
	ctx := context.New()
	outputs := context.MustNewExec(lib.MustBackend(), ctx, func(ctx *context.Context, tokens, segments, mask *Node) []*Node {
		hidden := model.Encode(ctx, tokens, segments, mask)
		return []*Node{hidden, model.MLMLogits(ctx, hidden), model.PooledLogits(ctx, hidden, 2)}
	}).MustExec([][]int32{{1, 8, 9, 2, 7, 2}, {1, 5, 2, 6, 2, 0}}, [][]int32{{0, 0, 0, 0, 1, 1}, {0, 0, 0, 1, 1, 0}},
		[][]bool{{true, true, true, true, true, true}, {true, true, true, true, true, false}})
	for i, name := range []string{"hidden", "mlm", "nsp"} {
		fmt.Println(name, outputs[i].Shape())
	}
	// Output:
	// hidden (Float32)[2 6 16]
	// mlm (Float32)[2 6 50]
	// nsp (Float32)[2 2]
}
