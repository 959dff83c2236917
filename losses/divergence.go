package losses

import (
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX's idiom: graph ops read as math.
)

// KLDiv is the Kullback-Leibler divergence KL(target ‖ input) with the input given in log space, with PyTorch's
// nn.KLDivLoss semantics.
//
// Shapes: input (log-probabilities log q) and target (probabilities p, or with WithLogTarget(true)
// log-probabilities) any shape, the same; the first axis is the batch. The result is a scalar, or with
// ReductionNone input's shape.
//
//	\ell = p\,(\log p - \log q) \text{ with } 0 \log 0 = 0, \qquad
//	\ell = e^{t}\,(t - \log q) \text{ with log\_target}
//
// ReductionBatchMean (Σℓ / N) is the true mean KL per example and what the math calls KL; ReductionMean (the
// default, as PyTorch) divides by the number of elements, i.e. by both the batch size and the support size, and
// PyTorch warns about it. Knowledge distillation: KLDiv(LogSoftmax(s/T), Softmax(t/T), batchmean)·T².
// Gradients flow into the input and into the target (NaN where the target is exactly 0, as PyTorch).
// KL(p ‖ p) = 0. optax's kl_divergence returns the per-example sum over the last axis (ReductionNone summed
// over the last axis here).
//
// PyTorch: torch.nn.KLDivLoss(reduction='mean', log_target=False)(input, target). Registry name: "KLDivLoss".
// Options: WithReduction (including ReductionBatchMean), WithLogTarget.
//
// References: Kullback & Leibler 1951, "On Information and Sufficiency"; Hinton et al. 2015, "Distilling the
// Knowledge in a Neural Network", https://arxiv.org/abs/1503.02531;
// https://pytorch.org/docs/1.13/generated/torch.nn.KLDivLoss.html.
//
// Panics if the shapes differ.
func KLDiv(input, target *Node, opts ...Option) *Node {
	const fn = "KLDiv"
	o := configure(fn, opts, optReduction, optLogTarget)
	t := regressionInputs(fn, input, target)
	if isEmpty(input) {
		return emptyLoss(fn, input, input.Shape().Dimensions, o.reduction.or(ReductionMean), true)
	}
	var loss *Node
	if o.logTarget.or(false) {
		loss = Mul(Exp(t), Sub(t, input))
	} else {
		// xlogy(t, t) - t·input, with 0·log 0 = 0. As PyTorch, the gradient with respect to the target is NaN
		// where the target is 0 (the derivative of t·log t there is -∞).
		tLogT := Where(Equal(t, ZerosLike(t)), ZerosLike(t), Mul(t, Log(t)))
		loss = Sub(tLogT, Mul(t, input))
	}
	return reduce(fn, loss, o.reduction.or(ReductionMean), reduceSpec{batchMean: true})
}
