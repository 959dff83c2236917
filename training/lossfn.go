package training

import (
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX graph code reads best with the dot import.
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/lossbook/lossbook/losses"
)

// CrossEntropySumCount is the (sum, count) pair of the negative log-likelihood of a classifier or a language
// model: the sum, in nats, of −log softmax(logits)[target] over the targets that are not ignoreIndex, unsmoothed
// and unweighted (PyTorch's CrossEntropyLoss(reduction='sum', ignore_index=ignoreIndex)), and the number of those
// targets. It is what Train's eval_loss and metrics.Perplexity measure: Perplexity.Add takes it, and Train,
// dividing the total sum by the total count, reports the token mean over all micro-batches or evaluation batches,
// however many tokens each holds.
//
// It takes no losses options on purpose: label smoothing and class weights make a training objective, not a
// measurement (smoothing 0.1 over 30,000 classes turned a perplexity of 11.0 into 24.5 for lossfn_test.go's model,
// 38.0 for issue 24's). To train with them, use TrainingCrossEntropySumCount, which applies them only in training
// graphs.
//
// Shapes: logits [N, C, d1, ...] with classAxis 1 (PyTorch's layout), or class-last with classAxis -1 (e.g.
// [batch, seq, vocab]); integer targets [N, d1, ...].
//
//	sum = Σ_{n: y_n ≠ ignoreIndex} −log p_{n, y_n},  count = #{n: y_n ≠ ignoreIndex}
//
// Panics (at graph building) as losses.CrossEntropy does.
func CrossEntropySumCount(logits, targets *Node, ignoreIndex, classAxis int) (sum, count *Node) {
	sum = losses.CrossEntropy(logits, targets, losses.WithClassAxis(classAxis),
		losses.WithReduction(losses.ReductionSum), losses.WithIgnoreIndex(ignoreIndex))
	return sum, countValid(targets, ignoreIndex, sum)
}

// TrainingCrossEntropySumCount is the training loss of a classifier or language model as a (sum, count) pair for
// a BatchLossFn: in a training graph (ctx.IsTraining, as Train's training steps set it) the sum of
// losses.CrossEntropy with opts (e.g. losses.WithLabelSmoothing, losses.WithWeight) over the targets that are not
// ignoreIndex and their number; in any other graph (Train's evaluations) exactly CrossEntropySumCount, the
// unsmoothed, unweighted NLL, whatever opts say. So one BatchLossFn trains with label smoothing and reports an
// eval_loss (and a perplexity) that is the model's NLL per token.
//
// Shapes and classAxis as CrossEntropySumCount; opts must not set the class axis, the reduction or the ignore
// index (those given here win). With class weights the count is still the number of tokens, not PyTorch's
// weighted denominator Σ w[y].
//
// Panics (at graph building) as losses.CrossEntropy does.
func TrainingCrossEntropySumCount(ctx *context.Context, logits, targets *Node, ignoreIndex, classAxis int,
	opts ...losses.Option) (sum, count *Node) {
	if !ctx.IsTraining(logits.Graph()) {
		return CrossEntropySumCount(logits, targets, ignoreIndex, classAxis)
	}
	opts = append(opts, losses.WithClassAxis(classAxis), losses.WithReduction(losses.ReductionSum),
		losses.WithIgnoreIndex(ignoreIndex))
	sum = losses.CrossEntropy(logits, targets, opts...)
	return sum, countValid(targets, ignoreIndex, sum)
}

// countValid is the number of targets that are not ignoreIndex, in like's dtype.
func countValid(targets *Node, ignoreIndex int, like *Node) *Node {
	valid := NotEqual(targets, Scalar(targets.Graph(), targets.DType(), ignoreIndex))
	return ReduceAllSum(ConvertDType(valid, like.DType()))
}
