package models

import (
	"fmt"
	"runtime"
	"slices"

	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
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
	// The table layers.Embedding would create: same scope, name and initializer.
	table := ctx.In("embeddings").VariableWithShape("embeddings", shapes.Make(dtype, m.VocabSize, m.Dim))
	mean := bagMean(table.ValueGraph(tokens.Graph()), tokens, mask, batchChunks(tokens, m.Dim))
	return layers.Dense(ctx.In("output"), mean, true, m.NumClasses)
}

// bagMean returns the masked mean of the embeddings of tokens [batch, seq] (mask nil: all tokens), [batch, dim],
// computed in `chunks` independent chunks of the batch (see batchChunks).
//
// The embeddings are gathered as [batch, dim, seq], seq last, so that the masked sum over seq is a matrix product
// whose operands GoMLX's pure-Go backend takes as they are: from [batch, seq, dim] it would transpose 1M values
// per product (bag workload: 0.095 -> 0.089 CPU s per step, peak RSS 180 -> 114 MB). The gather's gradient is
// gatherVJP's scatter (gathergrad.go).
func bagMean(table, tokens, mask *Node, chunks int) *Node {
	batch, dim := tokens.Shape().Dimensions[0], table.Shape().Dimensions[1]
	means := make([]*Node, 0, chunks)
	for i := range chunks {
		start, end := i*batch/chunks, (i+1)*batch/chunks
		t, mk := tokens, mask
		if chunks > 1 {
			t = Slice(tokens, AxisRange(start, end))
			if mask != nil {
				mk = Slice(mask, AxisRange(start, end))
			}
		}
		// Rows of the table at t [b, seq, 1] (index vector axis 2), the slice axis (dim) placed at axis 1.
		embedded := BackendGather(table, InsertAxes(t, -1), 2, []int{1}, []int{0}, []int{0}, []int{1, dim}, false)
		if mk == nil {
			means = append(means, ReduceMean(embedded, 2))
			continue
		}
		weights := ConvertDType(mk, table.DType())                                    // [b, seq]
		sum := DotGeneral(embedded, []int{2}, []int{0}, weights, []int{1}, []int{0})  // [b, dim]
		count := Max(ReduceSum(weights, 1), ScalarOne(tokens.Graph(), table.DType())) // [b]
		means = append(means, Div(sum, InsertAxes(count, -1)))
	}
	if chunks == 1 {
		return means[0]
	}
	return Concatenate(means, 0)
}

// batchChunks is the number of chunks of the batch that bagMean works in. GoMLX's pure-Go backend runs each
// op on one core, element by element for Gather and for its gradient's ScatterSum, but runs independent ops side
// by side: a gather (and a scatter) per chunk uses every core. So on the pure-Go backend, for at least
// minChunkedGather gathered values: one chunk per core (GOMAXPROCS, at most 8, at most batch); else 1. The
// price is one more pass over the table's gradient per extra chunk (the scatters' sum).
// (`lossbook bench -workloads bag -notorch`, 2 cores: 0.058-0.062 s per step with 2 chunks, 0.066-0.077 s with 1.)
func batchChunks(tokens *Node, dim int) int {
	batch, seq := tokens.Shape().Dimensions[0], tokens.Shape().Dimensions[1]
	if _, pureGo := tokens.Graph().Backend().(*simplego.Backend); !pureGo || batch*seq*dim < minChunkedGather {
		return 1
	}
	return max(1, min(batch, runtime.GOMAXPROCS(0), 8))
}

// minChunkedGather is the number of gathered values below which bagMean does not split the batch: the extra
// pass over the table's gradient would cost more than the parallel gathers save.
const minChunkedGather = 1 << 18

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
