package losses

import (
	"math"
	"slices"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX's idiom: graph ops read as math.
)

// regressionInputs checks a prediction and a target of the same shape and returns the target in the
// prediction's dtype. The target stays differentiable, as in PyTorch's regression losses.
func regressionInputs(fn string, input, target *Node) *Node {
	checkFloat(fn, "input", input)
	checkSameShape(fn, "input", input, "target", target)
	return asDType(target, input.DType())
}

// MSE is the mean squared error, with PyTorch's nn.MSELoss semantics (no ½, unlike optax's l2_loss and d2l's
// from-scratch squared_loss).
//
// Shapes: input and target any shape, the same. The result is a scalar, or with ReductionNone input's shape.
//
//	\ell = (x - y)^2, \qquad \mathrm{mean} = \frac{1}{\mathrm{numel}} \sum \ell
//
// Where lossbook differs: PyTorch broadcasts input and target of different shapes (with a warning, as it is
// usually a bug); lossbook panics.
//
// PyTorch: torch.nn.MSELoss(reduction='mean')(input, target). Registry name: "MSELoss". Options: WithReduction.
//
// References: https://pytorch.org/docs/1.13/generated/torch.nn.MSELoss.html.
//
// Panics if the shapes differ.
func MSE(input, target *Node, opts ...Option) *Node {
	const fn = "MSE"
	o := configure(fn, opts, optReduction)
	y := regressionInputs(fn, input, target)
	if isEmpty(input) {
		return emptyLoss(fn, input, input.Shape().Dimensions, o.reduction.or(ReductionMean), false)
	}
	d := Sub(input, y)
	return reduce(fn, Mul(d, d), o.reduction.or(ReductionMean), reduceSpec{})
}

// L1 is the mean absolute error, with PyTorch's nn.L1Loss semantics.
//
// Shapes: input and target any shape, the same. The result is a scalar, or with ReductionNone input's shape.
//
//	\ell = |x - y|, \qquad \mathrm{mean} = \frac{1}{\mathrm{numel}} \sum \ell
//
// The gradient at x = y is 0, as PyTorch (sign(0) = 0; GoMLX's Abs gradient would give 1).
//
// PyTorch: torch.nn.L1Loss(reduction='mean')(input, target). Registry name: "L1Loss". Options: WithReduction.
//
// References: https://pytorch.org/docs/1.13/generated/torch.nn.L1Loss.html.
//
// Panics if the shapes differ.
func L1(input, target *Node, opts ...Option) *Node {
	const fn = "L1"
	o := configure(fn, opts, optReduction)
	y := regressionInputs(fn, input, target)
	if isEmpty(input) {
		return emptyLoss(fn, input, input.Shape().Dimensions, o.reduction.or(ReductionMean), false)
	}
	d := Sub(input, y)
	return reduce(fn, absSign(d), o.reduction.or(ReductionMean), reduceSpec{})
}

// Huber is the Huber loss: quadratic for errors below δ and linear above, with PyTorch's nn.HuberLoss
// semantics.
//
// Shapes: input and target any shape, the same. The result is a scalar, or with ReductionNone input's shape.
//
//	\ell = \begin{cases} \tfrac12 d^2 & |d| < \delta \\ \delta\,(|d| - \tfrac12\delta) & \text{otherwise}
//	       \end{cases}, \qquad d = x - y
//
// Huber(δ) = δ·SmoothL1(β=δ). GoMLX's MakeHuberLoss computes the same value.
//
// PyTorch: torch.nn.HuberLoss(reduction='mean', delta=1.0)(input, target). Registry name: "HuberLoss".
// Options: WithReduction, WithDelta.
//
// References: Huber 1964, "Robust Estimation of a Location Parameter";
// https://pytorch.org/docs/1.13/generated/torch.nn.HuberLoss.html.
//
// Panics if the shapes differ or δ <= 0.
func Huber(input, target *Node, opts ...Option) *Node {
	const fn = "Huber"
	o := configure(fn, opts, optReduction, optDelta)
	delta := o.delta.or(1) // > 0: checked by WithDelta
	y := regressionInputs(fn, input, target)
	if isEmpty(input) {
		return emptyLoss(fn, input, input.Shape().Dimensions, o.reduction.or(ReductionMean), false)
	}
	d := Sub(input, y)
	absD := absSign(d)
	quadratic := MulScalar(Mul(d, d), 0.5)
	linear := MulScalar(AddScalar(absD, -0.5*delta), delta)
	loss := Where(LessThan(absD, Scalar(d.Graph(), d.DType(), delta)), quadratic, linear)
	return reduce(fn, loss, o.reduction.or(ReductionMean), reduceSpec{})
}

// SmoothL1 is the smooth L1 loss: quadratic (scaled by 1/β) for errors below β and L1 above, with PyTorch's
// nn.SmoothL1Loss semantics.
//
// Shapes: input and target any shape, the same. The result is a scalar, or with ReductionNone input's shape.
//
//	\ell = \begin{cases} \tfrac12 d^2 / \beta & |d| < \beta \\ |d| - \tfrac12\beta & \text{otherwise}
//	       \end{cases}, \qquad d = x - y
//
// β = 0 gives the value of L1. The gradient is PyTorch's: -1 for d <= -β, 1 for d >= β, d/β between (so at
// β = 0 and d = 0 it is -1, where L1's is 0).
//
// PyTorch: torch.nn.SmoothL1Loss(reduction='mean', beta=1.0)(input, target). Registry name: "SmoothL1Loss".
// Options: WithReduction, WithBeta.
//
// References: Girshick 2015, "Fast R-CNN", https://arxiv.org/abs/1504.08083;
// https://pytorch.org/docs/1.13/generated/torch.nn.SmoothL1Loss.html.
//
// Panics if the shapes differ or β < 0.
func SmoothL1(input, target *Node, opts ...Option) *Node {
	const fn = "SmoothL1"
	o := configure(fn, opts, optReduction, optBeta)
	beta := o.beta.or(1) // >= 0: checked by WithBeta
	y := regressionInputs(fn, input, target)
	if isEmpty(input) {
		return emptyLoss(fn, input, input.Shape().Dimensions, o.reduction.or(ReductionMean), false)
	}
	d := Sub(StopGradient(input), StopGradient(y))
	absD := Abs(d)
	g, dt := d.Graph(), d.DType()
	b := Scalar(g, dt, beta)
	// Div by the β node, not DivScalar: with β = 0 the quadratic branch is never selected.
	value := Where(LessThan(absD, b), Div(MulScalar(Mul(d, d), 0.5), b), AddScalar(absD, -0.5*beta))
	// PyTorch's backward, slope(d) = -1 for d <= -β, 1 for d >= β, d/β between, is applied to the input with
	// d = x - y and to the target with d = y - x (so at β = 0 and x = y both get -1).
	slope := func(d *Node) *Node {
		return Where(LessOrEqual(d, Neg(b)), Scalar(g, dt, -1.0), Where(GreaterOrEqual(d, b), ScalarOne(g, dt), Div(d, b)))
	}
	loss := withGradients(value,
		gradientOf{input, func(v *Node) *Node { return Mul(v, slope(d)) }},
		gradientOf{y, func(v *Node) *Node { return Mul(v, slope(Neg(d))) }})
	return reduce(fn, loss, o.reduction.or(ReductionMean), reduceSpec{})
}

// PoissonNLL is the negative log-likelihood of a Poisson target given its (log-)rate, with PyTorch's
// nn.PoissonNLLLoss semantics.
//
// Shapes: input (the log-rate, or with WithLogInput(false) the rate) and target (counts, float) any shape, the
// same. The result is a scalar, or with ReductionNone input's shape.
//
//	\ell = e^{x} - y\,x \;\;(\text{log\_input}), \qquad \ell = x - y \log(x + \varepsilon) \;\;(\text{otherwise})
//
// With WithFull(true) the Stirling term y log y - y + ½ log(2πy) is added where y > 1. ε is WithEps (1e-8).
//
// PyTorch: torch.nn.PoissonNLLLoss(log_input=True, full=False, eps=1e-08, reduction='mean')(input, target).
// Registry name: "PoissonNLLLoss". Options: WithReduction, WithLogInput, WithFull, WithEps.
//
// References: https://pytorch.org/docs/1.13/generated/torch.nn.PoissonNLLLoss.html.
//
// Panics if the shapes differ.
func PoissonNLL(input, target *Node, opts ...Option) *Node {
	const fn = "PoissonNLL"
	o := configure(fn, opts, optReduction, optLogInput, optFull, optEps)
	y := regressionInputs(fn, input, target) // differentiable, as in PyTorch's formula
	if isEmpty(input) {
		return emptyLoss(fn, input, input.Shape().Dimensions, o.reduction.or(ReductionMean), false)
	}
	var loss *Node
	if o.logInput.or(true) {
		loss = Sub(Exp(input), Mul(y, input))
	} else {
		loss = Sub(input, Mul(y, Log(AddScalar(input, o.eps.or(1e-8)))))
	}
	if o.full.or(false) {
		stirling := Add(Sub(Mul(y, Log(y)), y), MulScalar(Log(MulScalar(y, 2*math.Pi)), 0.5))
		one := Scalar(y.Graph(), y.DType(), 1.0)
		loss = Add(loss, Where(GreaterThan(y, one), stirling, ZerosLike(stirling)))
	}
	return reduce(fn, loss, o.reduction.or(ReductionMean), reduceSpec{})
}

// GaussianNLL is the negative log-likelihood of a target under a Gaussian with predicted mean and variance,
// with PyTorch's nn.GaussianNLLLoss semantics.
//
// Shapes: input (the mean) and target [N, *], the same; variance either the same shape (heteroscedastic), or
// one value per example: input's shape without its last axis, or with it as 1 (homoscedastic). The result is a
// scalar, or with ReductionNone input's shape.
//
//	\ell = \tfrac12 \Big(\log \max(\sigma^2, \varepsilon) + \frac{(x - y)^2}{\max(\sigma^2, \varepsilon)}\Big)
//	       \; [+ \tfrac12 \log 2\pi \text{ with full}]
//
// As PyTorch, the clamp at ε (WithEps, 1e-6) is not differentiated: the gradient with respect to the variance
// flows as if the clamp were the identity. Where lossbook differs: a negative variance gives NaN (PyTorch
// raises).
//
// PyTorch: torch.nn.GaussianNLLLoss(full=False, eps=1e-06, reduction='mean')(input, target, var).
// Registry name: "GaussianNLLLoss". Options: WithReduction, WithFull, WithEps.
//
// References: Nix & Weigend 1994, "Estimating the mean and variance of the target probability distribution";
// https://pytorch.org/docs/1.13/generated/torch.nn.GaussianNLLLoss.html.
//
// Panics if the shapes do not fit.
func GaussianNLL(input, target, variance *Node, opts ...Option) *Node {
	const fn = "GaussianNLL"
	o := configure(fn, opts, optReduction, optFull, optEps)
	y := regressionInputs(fn, input, target)
	checkFloat(fn, "variance", variance)
	dims := input.Shape().Dimensions
	v := asDType(variance, input.DType())
	switch vd := variance.Shape().Dimensions; {
	case slices.Equal(vd, dims):
	case input.Rank() > 0 && slices.Equal(vd, dims[:len(dims)-1]):
		v = BroadcastToShape(ExpandAxes(v, -1), input.Shape())
	case input.Rank() > 0 && variance.Rank() == input.Rank() && slices.Equal(vd[:len(vd)-1], dims[:len(dims)-1]) &&
		vd[len(vd)-1] == 1:
		v = BroadcastToShape(v, input.Shape())
	default:
		panicf(fn, "variance %s does not fit input %s (want %v, %v or %v with a last axis of 1)", variance.Shape(),
			input.Shape(), dims, dims[:max(len(dims)-1, 0)], dims[:max(len(dims)-1, 0)])
	}
	if isEmpty(input) {
		return emptyLoss(fn, input, input.Shape().Dimensions, o.reduction.or(ReductionMean), false)
	}
	eps := o.eps.or(1e-6)
	// Clamp without differentiating it: value max(v, eps), gradient of the identity.
	clamped := Add(StopGradient(MaxScalar(v, eps)), Sub(v, StopGradient(v)))
	d := Sub(input, y)
	loss := MulScalar(Add(Log(clamped), Div(Mul(d, d), clamped)), 0.5)
	if o.full.or(false) {
		loss = AddScalar(loss, 0.5*math.Log(2*math.Pi))
	}
	zero := ScalarZero(v.Graph(), v.DType())
	loss = Where(LessThan(StopGradient(v), zero), BroadcastToShape(nanLike(loss), loss.Shape()), loss)
	return reduce(fn, loss, o.reduction.or(ReductionMean), reduceSpec{})
}
