package models

import (
	"fmt"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// MLMLogitsAt is the sparse MLM head: it gathers the hidden states at the given positions first, then applies
// the same head as MLMLogits (the same variables, under "mlm/dense"), so the vocabulary projection, the largest
// matrix product of a pre-training step, runs on the masked positions only (at 15% masking, about one row in
// seven), as NVIDIA's and Hugging Face's efficient BERT implementations do.
//
// Shapes: hidden [batch, seq, Dim] (Encode's output); positions [n] of an integer dtype, flat indices b·seq + t
// into the batch's positions; logits [n, VocabSize]. Row i equals MLMLogits(hidden)[b, t] for positions[i] =
// b·seq + t, so
//
//	\mathrm{MLM}(\mathrm{MLMLogitsAt}(h, p), y_p) = \mathrm{MLM}(\mathrm{MLMLogits}(h), y)
//
// when p lists every position whose label y is not the ignore index and y_p holds their labels (padding slots
// of p may point anywhere, with label -100): SparseMLMTargets builds p and y_p from a batch's labels.
//
// PyTorch: nn.Linear(Dim, VocabSize)(hidden.view(-1, Dim)[positions]). Positions outside [0, batch·seq) cannot
// be checked while building the graph: GoMLX clamps them to the nearest row.
//
// It panics if hidden is not [batch, seq, Dim] or positions is not a rank-1 integer tensor.
func (m Transformer) MLMLogitsAt(ctx *context.Context, hidden, positions *Node) *Node {
	m.checkHidden("MLMLogitsAt", hidden)
	if positions.Rank() != 1 || !positions.DType().IsInt() {
		panic(fmt.Sprintf("models: Transformer.MLMLogitsAt: positions %s must be [n] integer flat indices into hidden %s",
			positions.Shape(), hidden.Shape()))
	}
	batch, seq := hidden.Shape().Dimensions[0], hidden.Shape().Dimensions[1]
	n := positions.Shape().Dimensions[0]
	rows := Reshape(ConvertDType(positions, dtypes.Int32), n, 1)
	picked := Gather(Reshape(hidden, batch*seq, m.Dim), rows, false) // [n, Dim]
	return dense(ctx, "mlm", picked, m.VocabSize, m.TorchInit, torchLinear)
}

// SparseMLMTargets lists the masked positions of a batch of MLM labels for MLMLogitsAt: positions[i] = b·seq + t
// for every label labels[b][t] that is not ignoreIndex (in row-major order) and targets[i] that label. The lists
// are padded with position 0 and target ignoreIndex to a multiple of padTo (0 or 1: no padding), so that batches
// with slightly different numbers of masked tokens share one graph shape (a new shape compiles a new graph).
// There is always at least one slot, so that a batch with no masked token still gives a valid (ignored) row.
//
// It returns an error if the rows have different lengths or padTo is negative.
func SparseMLMTargets(labels [][]int32, ignoreIndex int32, padTo int) (positions, targets []int32, err error) {
	if padTo < 0 {
		return nil, nil, fmt.Errorf("models: SparseMLMTargets: padTo %d, want >= 0", padTo)
	}
	seq := 0
	if len(labels) > 0 {
		seq = len(labels[0])
	}
	for b, row := range labels {
		if len(row) != seq {
			return nil, nil, fmt.Errorf("models: SparseMLMTargets: row %d has %d labels, row 0 has %d (want a rectangular batch)", b, len(row), seq)
		}
		for t, y := range row {
			if y != ignoreIndex {
				positions = append(positions, int32(b*seq+t))
				targets = append(targets, y)
			}
		}
	}
	n := max(len(positions), 1)
	if padTo > 1 {
		n = (n + padTo - 1) / padTo * padTo
	}
	for len(positions) < n {
		positions = append(positions, 0)
		targets = append(targets, ignoreIndex)
	}
	return positions, targets, nil
}
