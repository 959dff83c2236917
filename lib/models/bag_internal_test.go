package models

import (
	"math"
	"math/rand/v2"
	"testing"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/lossbook/lossbook/lib"
)

// chunks64 is the tolerance between bagMean in batch chunks and in one piece, in float64: the values are
// computed by the same ops on the same rows; the table's gradient sums the chunks' scatters in another order.
const chunks64 = 1e-12

// TestBagMeanChunks checks bagMean split into batch chunks (as batchChunks does for large batches on the pure-Go
// backend) against one piece: the means and the gradient with respect to the table, with and without a mask, for
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
				mean := bagMean(table, tokens, mask, chunks)
				return []*Node{mean, Gradient(ReduceAllSum(Mul(mean, cot)), table)[0]}
			}, args...)
			return [][]float64{tensors.MustCopyFlatData[float64](out[0]), tensors.MustCopyFlatData[float64](out[1])}
		}
		want := run(1)
		for _, chunks := range []int{2, 3, 5} {
			got := run(chunks)
			for i, name := range []string{"mean", "table gradient"} {
				for j := range want[i] {
					if math.Abs(got[i][j]-want[i][j]) > chunks64*math.Max(1, math.Abs(want[i][j])) {
						t.Fatalf("masked=%v chunks=%d: %s[%d] = %.17g, in one piece %.17g", masked, chunks, name, j,
							got[i][j], want[i][j])
					}
				}
			}
		}
	}
}
