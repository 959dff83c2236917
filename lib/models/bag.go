package models

import (
	"fmt"
	"slices"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/layers"
)

// BagOfEmbeddings is a text classifier that averages the embeddings of a text's tokens and maps the average to
// class logits with one linear layer: the fastText / d2l baseline, and PyTorch's
// nn.EmbeddingBag(VocabSize, Dim, mode="mean") followed by nn.Linear(Dim, NumClasses).
//
// Variables (under the context's current scope): "embeddings/embeddings" [VocabSize, Dim] and
// "output/dense/weights" [Dim, NumClasses], "output/dense/biases" [NumClasses]. They are created with the
// context's initializer (GoMLX's default is He's).
type BagOfEmbeddings struct {
	VocabSize  int          // Number of token ids; ids must be in [0, VocabSize).
	Dim        int          // Embedding dimension.
	NumClasses int          // Number of classes: the size of the logits' last axis.
	DType      dtypes.DType // Dtype of the variables and logits; the zero value means Float32.
}

// Logits returns the class logits of a batch of token sequences.
//
// Shapes: tokens [batch, seq] of an integer dtype; mask [batch, seq] bool, true at the tokens to average (nil
// means every token counts); logits [batch, NumClasses].
//
//	logits_b = W^\top \frac{\sum_s m_{bs} E_{t_{bs}}}{\max(1, \sum_s m_{bs})} + c
//
// A sequence whose mask is all false gets the average of no tokens, the zero vector, so its logits are the bias.
// PyTorch: nn.EmbeddingBag(mode="mean") with per_sample_weights set to the mask, normalised by the count.
//
// It panics if tokens is not a rank-2 integer tensor or the mask's shape differs from the tokens'.
func (m BagOfEmbeddings) Logits(ctx *context.Context, tokens, mask *Node) *Node {
	checkTokens("BagOfEmbeddings.Logits", tokens, mask)
	if m.VocabSize <= 0 || m.Dim <= 0 || m.NumClasses <= 0 {
		panic(fmt.Sprintf("models: BagOfEmbeddings.Logits: VocabSize %d, Dim %d and NumClasses %d must be positive",
			m.VocabSize, m.Dim, m.NumClasses))
	}
	dtype := orFloat32(m.DType)
	embedded := layers.Embedding(ctx.In("embeddings"), tokens, dtype, m.VocabSize, m.Dim) // [batch, seq, dim]
	var mean *Node
	if mask == nil {
		mean = ReduceMean(embedded, 1)
	} else {
		weights := ConvertDType(mask, dtype)                                  // [batch, seq]
		sum := Einsum("bs,bsd->bd", weights, embedded)                        // [batch, dim]
		count := Max(ReduceSum(weights, 1), ScalarOne(tokens.Graph(), dtype)) // [batch]
		mean = Div(sum, InsertAxes(count, -1))
	}
	return layers.Dense(ctx.In("output"), mean, true, m.NumClasses)
}

// checkTokens panics unless tokens is a rank-2 integer tensor and mask (if not nil) a bool tensor of its shape.
func checkTokens(where string, tokens, mask *Node) {
	if tokens.Rank() != 2 || !tokens.DType().IsInt() {
		panic(fmt.Sprintf("models: %s: tokens %s must be [batch, seq] of an integer dtype", where, tokens.Shape()))
	}
	if mask != nil && (mask.DType() != dtypes.Bool || !slices.Equal(mask.Shape().Dimensions, tokens.Shape().Dimensions)) {
		panic(fmt.Sprintf("models: %s: mask %s does not match tokens %s (want Bool of the same dimensions)",
			where, mask.Shape(), tokens.Shape()))
	}
}

func orFloat32(dtype dtypes.DType) dtypes.DType {
	if dtype == dtypes.InvalidDType {
		return dtypes.Float32
	}
	return dtype
}
