package training

import (
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX graph code reads best with the dot import.
	"github.com/lossbook/lossbook/losses"
)

// CrossEntropySumCount is the (sum, count) pair a BatchLossFn returns for a classifier or a language model: the
// sum of losses.CrossEntropy over the targets that are not ignoreIndex (PyTorch's reduction='sum') and their
// number. Train divides the step's total sum by its total count, which is CrossEntropyLoss()'s token mean over all
// the step's micro-batches, however many tokens each holds. It is also what Perplexity.Add takes.
//
// Shapes as losses.CrossEntropy: logits [N, C, d1, ...] (or class-last with losses.WithClassAxis(-1), e.g.
// [batch, seq, vocab]) and integer targets [N, d1, ...]. opts are passed on (e.g. WithClassAxis,
// WithLabelSmoothing); the reduction and ignore index are set here. With class weights (losses.WithWeight) the
// count is still the number of tokens, not PyTorch's weighted denominator Σ w[y].
//
// Panics (at graph building) as losses.CrossEntropy does.
func CrossEntropySumCount(logits, targets *Node, ignoreIndex int, opts ...losses.Option) (sum, count *Node) {
	opts = append(opts, losses.WithReduction(losses.ReductionSum), losses.WithIgnoreIndex(ignoreIndex))
	sum = losses.CrossEntropy(logits, targets, opts...)
	valid := NotEqual(targets, Scalar(targets.Graph(), targets.DType(), ignoreIndex))
	return sum, ReduceAllSum(ConvertDType(valid, sum.DType()))
}
