package models

import (
	"math"
	"math/rand/v2"
	"testing"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/lossbook/lossbook/lib"
)

// chunks64 is the tolerance between bagMean and the textbook form, in float64: the same sums in another order
// (the table's gradient sums the chunks' scatters).
const chunks64 = 1e-12

// TestBagMeanChunks checks bagMean, in one piece and split into batch chunks (as batchChunks does for large
// batches on the pure-Go backend), against the textbook form (a [batch, seq, dim] Gather and an Einsum, whose
// gradients are GoMLX's): the means and the gradient with respect to the table, with and without a mask, for
// chunk counts that do and do not divide the batch.
func TestBagMeanChunks(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	const batch, seq, vocab, dim = 5, 6, 7, 3
	table := make([]float64, vocab*dim)
	for i := range table {
		table[i] = rng.NormFloat64()
	}
	tokens := make([]int32, batch*seq)
	mask := make([]bool, batch*seq)
	for i := range tokens {
		tokens[i] = int32(rng.IntN(vocab)) // repeated ids: the scatters add into the same rows
		mask[i] = rng.IntN(3) > 0
	}
	cot := make([]float64, batch*dim) // a fixed, varied cotangent for the means
	for i := range cot {
		cot[i] = rng.NormFloat64()
	}
	args := []any{tensors.FromFlatDataAndDimensions(table, vocab, dim), tensors.FromFlatDataAndDimensions(tokens, batch, seq),
		tensors.FromFlatDataAndDimensions(mask, batch, seq), tensors.FromFlatDataAndDimensions(cot, batch, dim)}
	for _, masked := range []bool{true, false} {
		run := func(chunks int) [][]float64 {
			out := MustExecOnceN(lib.MustBackend(), func(table, tokens, mask, cot *Node) []*Node {
				if !masked {
					mask = nil
				}
				var mean *Node
				if chunks == 0 {
					mean = textbookBagMean(table, tokens, mask)
				} else {
					mean = bagMean(table, tokens, mask, chunks)
				}
				return []*Node{mean, Gradient(ReduceAllSum(Mul(mean, cot)), table)[0]}
			}, args...)
			return [][]float64{tensors.MustCopyFlatData[float64](out[0]), tensors.MustCopyFlatData[float64](out[1])}
		}
		want := run(0)
		for _, chunks := range []int{1, 2, 3, 5} {
			got := run(chunks)
			for i, name := range []string{"mean", "table gradient"} {
				for j := range want[i] {
					if math.Abs(got[i][j]-want[i][j]) > chunks64*math.Max(1, math.Abs(want[i][j])) {
						t.Fatalf("masked=%v chunks=%d: %s[%d] = %.17g, textbook form %.17g", masked, chunks, name, j,
							got[i][j], want[i][j])
					}
				}
			}
		}
	}
}

// textbookBagMean is the masked mean of embeddings in the plain form: Gather [batch, seq, dim], then an Einsum.
func textbookBagMean(table, tokens, mask *Node) *Node {
	embedded := Gather(table, InsertAxes(tokens, -1))
	if mask == nil {
		return ReduceMean(embedded, 1)
	}
	weights := ConvertDType(mask, table.DType())
	count := Max(ReduceSum(weights, 1), ScalarOne(tokens.Graph(), table.DType()))
	return Div(Einsum("bs,bsd->bd", weights, embedded), InsertAxes(count, -1))
}

// TestGatherGradientSliceAxes checks gatherVJP on gathers whose slice axes are not trailing against the same
// gather in GoMLX's layout followed by a transpose (GoMLX's own gradients), including dim == seq, where GoMLX's
// gradient alone would scatter the adjoint in the wrong layout without an error.
func TestGatherGradientSliceAxes(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, tc := range []struct{ vocab, dim, batch, seq int }{{7, 3, 2, 5}, {6, 4, 3, 4}} {
		table := make([]float64, tc.vocab*tc.dim)
		for i := range table {
			table[i] = rng.NormFloat64()
		}
		tokens := make([]int32, tc.batch*tc.seq)
		for i := range tokens {
			tokens[i] = int32(rng.IntN(tc.vocab))
		}
		cot := make([]float64, tc.batch*tc.dim*tc.seq)
		for i := range cot {
			cot[i] = rng.NormFloat64()
		}
		var results [2][]*tensors.Tensor
		for i := range results {
			results[i] = MustExecOnceN(lib.MustBackend(), func(table, tokens, cot *Node) []*Node {
				idx := InsertAxes(tokens, -1)
				var gathered *Node // [batch, dim, seq]
				if i == 0 {
					gathered = BackendGather(table, idx, 2, []int{1}, []int{0}, []int{0}, []int{1, tc.dim}, false)
				} else {
					gathered = Transpose(Gather(table, idx), 1, 2)
				}
				return []*Node{gathered, Gradient(ReduceAllSum(Mul(gathered, cot)), table)[0]}
			}, tensors.FromFlatDataAndDimensions(table, tc.vocab, tc.dim),
				tensors.FromFlatDataAndDimensions(tokens, tc.batch, tc.seq),
				tensors.FromFlatDataAndDimensions(cot, tc.batch, tc.dim, tc.seq))
		}
		for k, name := range []string{"gathered", "gradient"} {
			got, want := tensors.MustCopyFlatData[float64](results[0][k]), tensors.MustCopyFlatData[float64](results[1][k])
			for j := range want {
				if math.Abs(got[j]-want[j]) > chunks64*math.Max(1, math.Abs(want[j])) {
					t.Fatalf("%+v: %s[%d] = %.17g, want %.17g", tc, name, j, got[j], want[j])
				}
			}
		}
	}
}
