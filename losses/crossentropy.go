package losses

import (
	"fmt"
	"slices"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX's idiom: graph ops read as math.
)

// CrossEntropy is the cross-entropy between the softmax of logits and a target, with PyTorch's
// nn.CrossEntropyLoss semantics and options.
//
// Shapes: logits [N, C] or [N, C, d1, ...] float (class axis 1, as PyTorch; WithClassAxis(-1) for class-last
// logits such as [batch, seq, vocab]) or unbatched [C]. target is either class indices [N] or [N, d1, ...] (any
// integer dtype) or class probabilities shaped like logits (float). The result is a scalar, or with
// ReductionNone the per-example losses [N] or [N, d1, ...].
//
// Class-index targets, with p = softmax(x) over the class axis, weights w (WithWeight, default 1), label
// smoothing ε (WithLabelSmoothing) and valid_n = [y_n ≠ ignore_index]:
//
//	\ell_n = \mathrm{valid}_n \Big[(1-\varepsilon)\, w_{y_n} (-\log p_{n,y_n})
//	         + \frac{\varepsilon}{C} \sum_c w_c (-\log p_{n,c})\Big]
//	\mathrm{mean} = \frac{\sum_n \ell_n}{\sum_n w_{y_n} \mathrm{valid}_n}
//
// Probability targets t (label smoothing uses t ← (1-ε)t + ε/C):
//
//	\ell_n = -\sum_c w_c\, t_{n,c} \log p_{n,c}, \qquad \mathrm{mean} = \frac{1}{N'}\sum_n \ell_n
//
// where N' counts the per-example losses (N·d1·...): this mean is not weight-normalised (as PyTorch).
//
// Special cases (all as PyTorch 1.13): with every target ignored, ReductionMean gives NaN (0/0) with a zero
// gradient and ReductionSum gives 0; ReductionNone gives 0 at ignored positions; the weighted mean divides by the
// sum of the weights of the non-ignored targets, not by their count (pytorch#40560); an empty batch gives NaN with
// ReductionMean, 0 with ReductionSum and an empty result with ReductionNone. Logits of ±1e4 give finite values and
// gradients.
//
// Logits of -Inf (classes masked out, as in constrained decoding or in-batch negatives without the diagonal) are
// safe in the sense of optax's safe_softmax_cross_entropy: an example's loss is finite where its target's logit is
// finite (PyTorch's value) and +Inf where the target's logit is -Inf. With label smoothing ε > 0 the smoothed
// target puts mass ε·w_c/C on every class, so a -Inf logit of a class of nonzero weight makes that example's loss
// +Inf, as PyTorch (a class of weight 0 with a -Inf logit gives NaN, 0·∞, as PyTorch). With probability targets a
// class of target 0 contributes 0 even where its logit is -Inf (0 log 0 = 0; PyTorch gives NaN). The gradients
// stay finite in all of these, and equal PyTorch's. An example whose logits are all -Inf gives +Inf with a zero
// gradient (PyTorch: NaN); logits of NaN or +Inf give NaN, as PyTorch.
//
// Where lossbook differs: a class index outside [0, C) that is not ignore_index gives NaN (PyTorch raises an
// error). The gradient is written by hand (softmax minus target, scaled; see cecore.go) and equals the autodiff
// one.
//
// PyTorch: torch.nn.CrossEntropyLoss(weight=None, ignore_index=-100, reduction='mean', label_smoothing=0.0)(logits, target).
// Registry name: "CrossEntropyLoss".
//
// Options: WithReduction, WithWeight ([C]), WithIgnoreIndex, WithLabelSmoothing, WithClassAxis.
//
// References: https://pytorch.org/docs/1.13/generated/torch.nn.CrossEntropyLoss.html; Szegedy et al. 2016,
// "Rethinking the Inception Architecture" (label smoothing), https://arxiv.org/abs/1512.00567.
//
// Panics if target matches neither form, if the weight is not [C], if ε is outside [0, 1], or if ignore_index >= 0
// is given with probability targets (as PyTorch).
func CrossEntropy(logits, target *Node, opts ...Option) *Node {
	const fn = "CrossEntropy"
	o := configure(fn, opts, optReduction, optWeight, optIgnoreIndex, optLabelSmoothing, optClassAxis)
	return crossEntropy(fn, logits, target, o, sparseLogSoftmax)
}

// crossEntropy implements CrossEntropy with a given log-softmax core (tests swap in the autodiff one).
func crossEntropy(fn string, logits, target *Node, o *options, core logSoftmaxCore) *Node {
	checkFloat(fn, "logits", logits)
	eps := o.labelSmoothing.or(0) // in [0, 1]: checked by WithLabelSmoothing
	r := o.reduction.or(ReductionMean)
	if target.DType().IsFloat() {
		return crossEntropyProbabilities(fn, logits, target, o, eps, r)
	}
	ct := prepareClassTargets(fn, "logits", logits, target, o, true)
	w := classWeight(fn, o.weight, ct.c, logits.DType())
	if ct.empty {
		return emptyLoss(fn, logits, ct.dims, r, false)
	}
	logpY, weightedSum := core(ct.x, ct.labels, w, eps > 0)
	nll := Neg(logpY)
	var wY *Node
	if w != nil {
		wY = Gather(w, ExpandAxes(ct.labels, -1))
	}
	if eps == 0 {
		return ct.finish(fn, nll, r, reduceSpec{weight: wY, meanWeight: wY})
	}
	loss := MulScalar(nll, 1-eps)
	if wY != nil {
		loss = Mul(loss, wY)
	}
	loss = Add(loss, MulScalar(Neg(weightedSum), eps/float64(ct.c)))
	return ct.finish(fn, loss, r, reduceSpec{meanWeight: wY})
}

// crossEntropyProbabilities is CrossEntropy with probability targets.
func crossEntropyProbabilities(fn string, logits, target *Node, o *options, eps float64, r Reduction) *Node {
	if !slices.Equal(logits.Shape().Dimensions, target.Shape().Dimensions) {
		panicf(fn, "probability target %s does not match logits %s (want the same shape, or class indices)",
			target.Shape(), logits.Shape())
	}
	if o.ignoreIndex.set && o.ignoreIndex.value >= 0 {
		panicf(fn, "ignore_index is not supported for probability targets (got %d)", o.ignoreIndex.value)
	}
	axis := classAxis(fn, logits, o)
	c := logits.Shape().Dimensions[axis]
	checkClasses(fn, "logits", logits, c)
	w := classWeight(fn, o.weight, c, logits.DType())
	if isEmpty(logits) {
		return emptyLoss(fn, logits, withoutAxis(logits.Shape().Dimensions, axis), r, false)
	}
	t := asDType(target, logits.DType())
	if eps > 0 {
		t = AddScalar(MulScalar(t, 1-eps), eps/float64(c))
	}
	if w != nil {
		t = Mul(t, reshapeOnAxis(w, logits.Rank(), axis))
	}
	loss := Neg(ReduceSum(xLogP(t, LogSoftmax(logits, axis)), axis))
	return reduce(fn, loss, r, reduceSpec{})
}

// xLogP is t·logp with 0·log 0 = 0: a class that the target gives no mass contributes nothing, even where its
// logit is -Inf (optax's safe_softmax_cross_entropy; PyTorch gives NaN there).
func xLogP(t, logp *Node) *Node {
	zeros := ZerosLike(logp)
	return Where(Equal(t, zeros), zeros, Mul(t, logp))
}

// NLL is the negative log-likelihood of class indices under given log-probabilities, with PyTorch's
// nn.NLLLoss semantics: CrossEntropy(x, y) == NLL(LogSoftmax(x), y), weights and ignore_index included.
//
// Shapes: logProbs [N, C] or [N, C, d1, ...] float (class axis 1, or WithClassAxis), or unbatched [C]; target
// [N] or [N, d1, ...] (or a scalar), any integer dtype. The result is a scalar, or with ReductionNone [N, d1, ...].
//
//	\ell_n = -\mathrm{valid}_n\, w_{y_n}\, \mathrm{input}_{n, y_n}, \qquad
//	\mathrm{mean} = \frac{\sum_n \ell_n}{\sum_n w_{y_n} \mathrm{valid}_n}
//
// Special cases: every target ignored gives NaN with ReductionMean (zero gradient) and 0 with ReductionSum, as
// PyTorch; a class index outside [0, C) that is not ignore_index gives NaN (PyTorch raises).
//
// PyTorch: torch.nn.NLLLoss(weight=None, ignore_index=-100, reduction='mean')(logProbs, target).
// Registry name: "NLLLoss". Options: WithReduction, WithWeight ([C]), WithIgnoreIndex, WithClassAxis.
//
// References: https://pytorch.org/docs/1.13/generated/torch.nn.NLLLoss.html.
//
// Panics if target is not an integer tensor matching logProbs without its class axis, or the weight is not [C].
func NLL(logProbs, target *Node, opts ...Option) *Node {
	const fn = "NLL"
	o := configure(fn, opts, optReduction, optWeight, optIgnoreIndex, optClassAxis)
	checkFloat(fn, "logProbs", logProbs)
	ct := prepareClassTargets(fn, "logProbs", logProbs, target, o, false)
	w := classWeight(fn, o.weight, ct.c, logProbs.DType())
	if ct.empty {
		return emptyLoss(fn, logProbs, ct.dims, o.reduction.or(ReductionMean), false)
	}
	var wY *Node
	if w != nil {
		wY = Gather(w, ExpandAxes(ct.labels, -1))
	}
	return ct.finish(fn, Neg(gatherRows(ct.x, ct.labels)), o.reduction.or(ReductionMean),
		reduceSpec{weight: wY, meanWeight: wY})
}

// classTargets is the front half shared by the class-index losses: the logits moved to [M, C] with the class axis
// last, the labels flattened to [M], and the masks that ignore_index and out-of-range labels give.
type classTargets struct {
	x       *Node // [M, C]
	labels  *Node // [M] int64, in [0, C): 0 where the label is ignored or out of range.
	ignored *Node // [M] bool: label == ignore_index.
	inRange *Node // [M] bool: 0 <= label < C.
	dims    []int // shape of the per-example result.
	c       int
	empty   bool // no examples: x, labels, ignored and inRange are nil (see emptyLoss).
}

// prepareClassTargets checks logits (or log-probabilities) against class-index labels and flattens both.
func prepareClassTargets(fn, xName string, x, labels *Node, o *options, probabilitiesAllowed bool) classTargets {
	axis := classAxis(fn, x, o)
	dims := x.Shape().Dimensions
	want := make([]int, 0, len(dims))
	want = append(want, dims[:axis]...)
	want = append(want, dims[axis+1:]...)
	if !labels.DType().IsInt() || !slices.Equal(labels.Shape().Dimensions, want) {
		alt := ""
		if probabilitiesAllowed {
			alt = fmt.Sprintf(", or %v float for probabilities", dims)
		}
		panicf(fn, "labels %s do not match %s %s (want %v integer%s)", labels.Shape(), xName, x.Shape(), want, alt)
	}
	c := dims[axis]
	checkClasses(fn, xName, x, c)
	if slices.Contains(want, 0) {
		return classTargets{dims: want, c: c, empty: true}
	}
	if axis != x.Rank()-1 {
		perm := make([]int, 0, x.Rank())
		for a := range x.Rank() {
			if a != axis {
				perm = append(perm, a)
			}
		}
		x = TransposeAllDims(x, append(perm, axis)...)
	}
	m := 1
	for _, d := range want {
		m *= d
	}
	x = Reshape(x, m, c)
	y := Reshape(asDType(labels, dtypes.Int64), m)
	g := x.Graph()
	ignored := Equal(y, Const(g, int64(o.ignoreIndex.or(DefaultIgnoreIndex))))
	inRange := And(GreaterOrEqual(y, ScalarZero(g, dtypes.Int64)), LessThan(y, Const(g, int64(c))))
	return classTargets{
		x:       x,
		labels:  Where(inRange, y, ZerosLike(y)),
		ignored: ignored,
		inRange: inRange,
		dims:    want,
		c:       c,
	}
}

// finish turns per-row losses [M] into the loss's result: NaN for out-of-range labels, ignored rows masked, the
// per-example shape restored, and the reduction applied.
func (ct classTargets) finish(fn string, loss *Node, r Reduction, spec reduceSpec) *Node {
	loss = Where(Or(ct.inRange, ct.ignored), loss, nanLike(loss))
	spec.mask = Reshape(LogicalNot(ct.ignored), ct.dims...)
	if spec.weight != nil {
		spec.weight = Reshape(spec.weight, ct.dims...)
	}
	if spec.meanWeight != nil {
		spec.meanWeight = Reshape(spec.meanWeight, ct.dims...)
	}
	return reduce(fn, Reshape(loss, ct.dims...), r, spec)
}

// classAxis returns the class axis of x (default 1, as PyTorch; 0 for unbatched [C] inputs), or panics.
func classAxis(fn string, x *Node, o *options) int {
	if x.Rank() == 0 {
		panicf(fn, "logits %s must have a class axis", x.Shape())
	}
	if x.Rank() == 1 {
		return 0
	}
	axis := o.classAxis.or(1)
	if axis < 0 {
		axis += x.Rank()
	}
	if axis < 0 || axis >= x.Rank() {
		panicf(fn, "class axis %d out of range for logits %s", o.classAxis.value, x.Shape())
	}
	return axis
}

// checkClasses panics if the class axis (of size c) is empty: PyTorch raises for zero classes.
func checkClasses(fn, xName string, x *Node, c int) {
	if c == 0 {
		panicf(fn, "%s %s: zero classes (want at least 1 along the class axis, as PyTorch)", xName, x.Shape())
	}
}

// withoutAxis returns dims without the given axis.
func withoutAxis(dims []int, axis int) []int {
	out := make([]int, 0, len(dims))
	out = append(out, dims[:axis]...)
	return append(out, dims[axis+1:]...)
}

// classWeight checks per-class weights (nil stays nil) and returns them as constants of the given dtype.
func classWeight(fn string, w *Node, c int, dtype dtypes.DType) *Node {
	if w == nil {
		return nil
	}
	if w.Rank() != 1 || w.Shape().Dimensions[0] != c {
		panicf(fn, "weight %s must have one value per class (want [%d])", w.Shape(), c)
	}
	return StopGradient(asDType(w, dtype))
}

// reshapeOnAxis reshapes a vector so that it broadcasts along axis of a rank-r tensor.
func reshapeOnAxis(v *Node, rank, axis int) *Node {
	dims := make([]int, rank)
	for i := range dims {
		dims[i] = 1
	}
	dims[axis] = v.Shape().Dimensions[0]
	return Reshape(v, dims...)
}

// BinaryCrossEntropy is the binary cross-entropy between probabilities and targets, with PyTorch's nn.BCELoss
// semantics: each log is clamped at -100, so a probability of exactly 0 or 1 gives a finite loss.
//
// Shapes: probs and target any shape, the same (float); the weight (WithWeight) broadcasts to it (aligned on the
// right). The result is a scalar, or with ReductionNone probs' shape.
//
//	\ell = -w\,\big[y \max(\log x, -100) + (1-y) \max(\log(1-x), -100)\big], \qquad
//	\mathrm{mean} = \frac{1}{\mathrm{numel}} \sum \ell
//
// The mean is over all elements; the weight is not normalised. The gradient is PyTorch's hand-written one,
// w·(x - y) / max(x(1-x), ε) with PyTorch's ε = float32(1e-12), so that at x = 0 or 1 it matches PyTorch (autodiff of the clamp would give 0).
// Where lossbook differs: probabilities outside [0, 1] give NaN (PyTorch raises). For logits use
// BinaryCrossEntropyLogits, which is numerically stable.
//
// PyTorch: torch.nn.BCELoss(weight=None, reduction='mean')(probs, target). Registry name: "BCELoss".
// Options: WithReduction, WithWeight.
//
// References: https://pytorch.org/docs/1.13/generated/torch.nn.BCELoss.html.
//
// Panics if the shapes differ or the weight does not broadcast.
func BinaryCrossEntropy(probs, target *Node, opts ...Option) *Node {
	const fn = "BinaryCrossEntropy"
	o := configure(fn, opts, optReduction, optWeight)
	checkFloat(fn, "probs", probs)
	checkSameShape(fn, "probs", probs, "target", target)
	if isEmpty(probs) {
		return emptyLoss(fn, probs, probs.Shape().Dimensions, o.reduction.or(ReductionMean), false)
	}
	y := asDType(target, probs.DType())
	logX := MaxScalar(Log(probs), -100)
	log1mX := MaxScalar(Log(OneMinus(probs)), -100)
	value := Neg(Add(Mul(y, logX), Mul(OneMinus(y), log1mX)))
	loss := withGradients(value, gradientOf{probs, func(v *Node) *Node {
		return Mul(v, Div(Sub(probs, y), MaxScalar(Mul(probs, OneMinus(probs)), bceGradEpsilon)))
	}}, gradientOf{y, func(v *Node) *Node {
		// PyTorch's binary_cross_entropy_target_backward: -logit(p), not clamped.
		return Mul(v, Sub(Log(OneMinus(probs)), Log(probs)))
	}})
	return reduce(fn, loss, o.reduction.or(ReductionMean), reduceSpec{weight: stopGradientOrNil(o.weight)})
}

// BinaryCrossEntropyLogits is the binary cross-entropy of sigmoid(logits) and targets in PyTorch's stable
// form, with nn.BCEWithLogitsLoss's semantics, including pos_weight.
//
// Shapes: logits and target any shape, the same (float); the weight (WithWeight) broadcasts to it, and pos_weight
// (WithPosWeight) broadcasts along the last (class) axis. The result is a scalar, or with ReductionNone logits'
// shape.
//
//	\ell = w\,\big[(1-y)\,x + (1 + (p_c - 1)\,y)\,\log(1 + e^{-x})\big]
//	     = -w\,\big[p_c\, y \log\sigma(x) + (1-y) \log(1 - \sigma(x))\big]
//
// computed as (1-y)x + (1+(p_c-1)y)(m + log(e^{-m} + e^{-x-m})), m = max(-x, 0), as PyTorch. The mean is over all
// elements; weights are not normalised. The gradient is PyTorch's, w·((1+(p_c-1)y)σ(x) - p_c y).
//
// PyTorch: torch.nn.BCEWithLogitsLoss(weight=None, reduction='mean', pos_weight=None)(logits, target).
// Registry name: "BCEWithLogitsLoss". Options: WithReduction, WithWeight, WithPosWeight.
//
// References: https://pytorch.org/docs/1.13/generated/torch.nn.BCEWithLogitsLoss.html.
//
// Panics if the shapes differ or a weight does not broadcast.
func BinaryCrossEntropyLogits(logits, target *Node, opts ...Option) *Node {
	const fn = "BinaryCrossEntropyLogits"
	o := configure(fn, opts, optReduction, optWeight, optPosWeight)
	checkFloat(fn, "logits", logits)
	checkSameShape(fn, "logits", logits, "target", target)
	if isEmpty(logits) {
		return emptyLoss(fn, logits, logits.Shape().Dimensions, o.reduction.or(ReductionMean), false)
	}
	y := asDType(target, logits.DType())
	var posWeight *Node
	if o.posWeight != nil {
		posWeight = broadcastRight(fn, "pos_weight", StopGradient(o.posWeight), logits)
	}
	loss := bceLogitsElements(logits, y, posWeight)
	return reduce(fn, loss, o.reduction.or(ReductionMean), reduceSpec{weight: stopGradientOrNil(o.weight)})
}

// bceLogitsElements is the unreduced, unweighted BCEWithLogits with PyTorch's value and gradient; posWeight may be
// nil, else it has x's shape.
func bceLogitsElements(x, y, posWeight *Node) *Node {
	m := MaxScalar(Neg(x), 0)
	logTerm := Add(m, Log(Add(Exp(Neg(m)), Exp(Sub(Neg(x), m))))) // log(1 + e^{-x}), stable.
	logWeight := OnesLike(x)
	if posWeight != nil {
		logWeight = AddScalar(Mul(AddScalar(posWeight, -1), y), 1)
	}
	value := Add(Mul(OneMinus(y), x), Mul(logWeight, logTerm))
	return withGradients(value, gradientOf{x, func(v *Node) *Node {
		g := Sub(Sigmoid(x), y)
		if posWeight != nil {
			g = Sub(Mul(logWeight, Sigmoid(x)), Mul(posWeight, y))
		}
		return Mul(v, g)
	}}, gradientOf{y, func(v *Node) *Node {
		// PyTorch's binary_cross_entropy_with_logits_target_backward: -x, or
		// log σ(-x) - p_c log σ(x) = -x + (p_c - 1) log(1 + e^{-x}) with pos_weight.
		g := Neg(x)
		if posWeight != nil {
			g = Add(g, Mul(AddScalar(posWeight, -1), logTerm))
		}
		return Mul(v, g)
	}})
}

// SoftMargin is the two-class logistic loss of inputs and ±1 targets, with PyTorch's nn.SoftMarginLoss
// semantics.
//
// Shapes: input and target any shape, the same (target float or integer, values ±1). The result is a scalar, or
// with ReductionNone input's shape.
//
//	\ell = \log(1 + e^{-y x}), \qquad \mathrm{mean} = \frac{1}{\mathrm{numel}} \sum \ell
//
// Where lossbook differs: it computes log(1 + e^{-yx}) stably (softplus), so -yx beyond ~88 (float32) or ~709
// (float64) stays finite where PyTorch's log1p(exp(.)) overflows to inf; elsewhere the values agree.
//
// PyTorch: torch.nn.SoftMarginLoss(reduction='mean')(input, target). Registry name: "SoftMarginLoss".
// Options: WithReduction.
//
// References: https://pytorch.org/docs/1.13/generated/torch.nn.SoftMarginLoss.html.
//
// Panics if the shapes differ.
func SoftMargin(input, target *Node, opts ...Option) *Node {
	const fn = "SoftMargin"
	o := configure(fn, opts, optReduction)
	checkFloat(fn, "input", input)
	checkSameShape(fn, "input", input, "target", target)
	if isEmpty(input) {
		return emptyLoss(fn, input, input.Shape().Dimensions, o.reduction.or(ReductionMean), false)
	}
	y := StopGradient(asDType(target, input.DType()))
	z := Neg(Mul(y, input))
	value := Add(MaxScalar(z, 0), Log1p(Exp(Neg(Abs(z))))) // softplus(z)
	loss := withGradient(value, input, func(v *Node) *Node {
		return Mul(v, Neg(Mul(y, Sigmoid(z))))
	})
	return reduce(fn, loss, o.reduction.or(ReductionMean), reduceSpec{})
}

// MultiLabelSoftMargin is the multi-label one-versus-all logistic loss, with PyTorch's
// nn.MultiLabelSoftMarginLoss semantics: BCE with logits per class, weighted, averaged over the classes.
//
// Shapes: input [N, C] or [C] float; target the same shape, with values 0 or 1 (float or integer); weight
// (WithWeight) [C]. The result is a scalar, or with ReductionNone [N].
//
//	\ell_n = -\frac{1}{C} \sum_c w_c \big[y_{n,c} \log\sigma(x_{n,c}) + (1-y_{n,c}) \log\sigma(-x_{n,c})\big],
//	\qquad \mathrm{mean} = \frac{1}{N} \sum_n \ell_n
//
// PyTorch: torch.nn.MultiLabelSoftMarginLoss(weight=None, reduction='mean')(input, target).
// Registry name: "MultiLabelSoftMarginLoss". Options: WithReduction, WithWeight.
//
// References: https://pytorch.org/docs/1.13/generated/torch.nn.MultiLabelSoftMarginLoss.html.
//
// Panics if the shapes differ, input is not rank 1 or 2, or the weight does not broadcast to it.
func MultiLabelSoftMargin(input, target *Node, opts ...Option) *Node {
	const fn = "MultiLabelSoftMargin"
	o := configure(fn, opts, optReduction, optWeight)
	checkFloat(fn, "input", input)
	checkSameShape(fn, "input", input, "target", target)
	if input.Rank() != 1 && input.Rank() != 2 {
		panicf(fn, "input %s must be [N, C] or [C]", input.Shape())
	}
	checkClasses(fn, "input", input, input.Shape().Dimensions[input.Rank()-1])
	if isEmpty(input) {
		return emptyLoss(fn, input, input.Shape().Dimensions[:input.Rank()-1], o.reduction.or(ReductionMean), false)
	}
	y := asDType(target, input.DType())
	loss := bceLogitsElements(input, y, nil)
	if o.weight != nil {
		loss = Mul(loss, broadcastRight(fn, "weight", StopGradient(o.weight), loss))
	}
	c := input.Shape().Dimensions[input.Rank()-1]
	loss = DivScalar(ReduceSum(loss, -1), float64(c))
	return reduce(fn, loss, o.reduction.or(ReductionMean), reduceSpec{})
}

// SigmoidFocal is the focal loss of Lin et al. on independent sigmoid outputs, exactly as torchvision's
// ops.sigmoid_focal_loss, whose default reduction is "none" (unlike the torch.nn losses).
//
// Shapes: logits and target any shape, the same (target float, 0 or 1, or probabilities). The result has
// logits' shape with ReductionNone (the default), else a scalar.
//
//	p = \sigma(x), \quad p_t = p\,y + (1-p)(1-y), \quad \alpha_t = \alpha y + (1-\alpha)(1-y)
//	\ell = \alpha_t\,(1-p_t)^\gamma\,\mathrm{BCEWithLogits}(x, y)
//
// α < 0 disables α_t (torchvision's convention). With γ = 0 and α < 0 it equals BinaryCrossEntropyLogits. The mean
// is over all elements.
//
// The values are torchvision's. Where lossbook differs: where 1 - p_t is exactly 0 (logits of ±50 or ±1e4 with the
// matching label) the derivative of (1 - p_t)^γ is 0·∞ for γ < 1 and PyTorch's gradient is NaN; lossbook uses its
// limit, 0, there (for the target too), so values and gradients stay finite at any finite logit.
//
// torchvision: torchvision.ops.sigmoid_focal_loss(logits, target, alpha=0.25, gamma=2, reduction='none').
// Registry name: "SigmoidFocalLoss" (arguments alpha, gamma, reduction). Options: WithReduction, WithAlpha,
// WithGamma.
//
// References: Lin et al. 2017, "Focal Loss for Dense Object Detection", https://arxiv.org/abs/1708.02002;
// https://pytorch.org/vision/0.14/generated/torchvision.ops.sigmoid_focal_loss.html.
//
// Panics if the shapes differ or γ < 0.
func SigmoidFocal(logits, target *Node, opts ...Option) *Node {
	const fn = "SigmoidFocal"
	o := configure(fn, opts, optReduction, optAlpha, optGamma)
	checkFloat(fn, "logits", logits)
	checkSameShape(fn, "logits", logits, "target", target)
	alpha, gamma := o.alpha.or(0.25), o.gamma.or(2) // in range: checked by WithAlpha and WithGamma
	if isEmpty(logits) {
		return emptyLoss(fn, logits, logits.Shape().Dimensions, o.reduction.or(ReductionNone), false)
	}
	y := asDType(target, logits.DType())
	loss := bceLogitsElements(logits, y, nil)
	if gamma != 0 {
		loss = Mul(loss, sigmoidFocalFactor(logits, y, gamma))
	}
	if alpha >= 0 {
		alphaT := Add(MulScalar(y, alpha), MulScalar(OneMinus(y), 1-alpha))
		loss = Mul(alphaT, loss)
	}
	return reduce(fn, loss, o.reduction.or(ReductionNone), reduceSpec{})
}

// SoftmaxFocal is the multi-class (softmax) focal loss of Lin et al., with CrossEntropy's shapes, class
// weights (the α_t of the paper), ignore_index and weighted mean, so that γ = 0 gives exactly CrossEntropy.
//
// Shapes: as CrossEntropy with class-index targets: logits [N, C] or [N, C, d1, ...] (class axis 1, or
// WithClassAxis), labels [N] or [N, d1, ...] (any integer dtype). The result is a scalar, or with ReductionNone
// [N, d1, ...].
//
//	\ell_n = -\mathrm{valid}_n\, w_{y_n}\, (1 - p_{n,y_n})^\gamma \log p_{n,y_n}, \qquad
//	\mathrm{mean} = \frac{\sum_n \ell_n}{\sum_n w_{y_n}\mathrm{valid}_n}
//
// There is no torch.nn or torchvision module; this follows the paper's multi-class form and PyTorch's
// CrossEntropy conventions. Every target ignored gives NaN with ReductionMean and 0 with ReductionSum. Logits of
// -Inf are handled as in CrossEntropy: finite where the target's logit is finite, +Inf where it is -Inf. The
// gradient stays finite where p_t rounds to 1 (logits of ±50 or ±1e4) or the target's logit is -Inf, where
// autodiff of the formula (and PyTorch) gives NaN for γ < 1 (0·∞): the limit of the derivative is used there.
//
// Registry name: "SoftmaxFocalLoss" (arguments weight, gamma, ignore_index, reduction). Options: WithReduction,
// WithWeight, WithGamma, WithIgnoreIndex, WithClassAxis.
//
// References: Lin et al. 2017, "Focal Loss for Dense Object Detection", https://arxiv.org/abs/1708.02002.
//
// Panics as CrossEntropy with class-index targets, or if γ < 0.
func SoftmaxFocal(logits, labels *Node, opts ...Option) *Node {
	const fn = "SoftmaxFocal"
	o := configure(fn, opts, optReduction, optWeight, optGamma, optIgnoreIndex, optClassAxis)
	checkFloat(fn, "logits", logits)
	gamma := o.gamma.or(2) // >= 0: checked by WithGamma
	ct := prepareClassTargets(fn, "logits", logits, labels, o, false)
	w := classWeight(fn, o.weight, ct.c, logits.DType())
	if ct.empty {
		return emptyLoss(fn, logits, ct.dims, o.reduction.or(ReductionMean), false)
	}
	logpY, _ := sparseLogSoftmax(ct.x, ct.labels, nil, false)
	loss := Neg(logpY)
	if gamma != 0 {
		loss = softmaxFocalTerm(logpY, gamma)
	}
	var wY *Node
	if w != nil {
		wY = Gather(w, ExpandAxes(ct.labels, -1))
	}
	return ct.finish(fn, loss, o.reduction.or(ReductionMean), reduceSpec{weight: wY, meanWeight: wY})
}

// Poly1CrossEntropy is the Poly-1 loss of Leng et al.: cross-entropy plus ε times (1 - p_t), as optax's
// poly_loss_cross_entropy, with CrossEntropy's shapes, ignore_index and reductions.
//
// Shapes: as CrossEntropy: logits [N, C] or [N, C, d1, ...] (class axis 1, or WithClassAxis), and class-index
// labels [N, d1, ...] (any integer dtype) or probability targets shaped like logits. The result is a scalar, or
// with ReductionNone [N, d1, ...].
//
//	\ell_n = -\sum_c t_{n,c} \log p_{n,c} + \varepsilon \sum_c t_{n,c} (1 - p_{n,c})
//	       \;=\; -\log p_{n,y_n} + \varepsilon (1 - p_{n,y_n}) \text{ for class indices}
//
// optax returns the per-example values (ReductionNone here); the default ReductionMean averages them over the
// non-ignored targets (class indices) or over all examples (probabilities). With ε = 0 it equals CrossEntropy.
// Logits of -Inf are handled as in CrossEntropy (finite where the target's logit is finite, +Inf where it is -Inf,
// finite gradients); the term ε(1 - p_t) has no power, so extreme logits need nothing more.
//
// optax: optax.poly_loss_cross_entropy(logits, labels, epsilon=2.0) (class axis last). Registry name:
// "Poly1CrossEntropyLoss" (arguments epsilon, ignore_index, reduction). Options: WithReduction, WithEpsilon,
// WithIgnoreIndex, WithClassAxis.
//
// References: Leng et al. 2022, "PolyLoss: A Polynomial Expansion Perspective of Classification Loss
// Functions", https://arxiv.org/abs/2204.12511.
//
// Panics as CrossEntropy.
func Poly1CrossEntropy(logits, target *Node, opts ...Option) *Node {
	const fn = "Poly1CrossEntropy"
	o := configure(fn, opts, optReduction, optEpsilon, optIgnoreIndex, optClassAxis)
	checkFloat(fn, "logits", logits)
	eps := o.epsilon.or(2)
	r := o.reduction.or(ReductionMean)
	if target.DType().IsFloat() {
		if !slices.Equal(logits.Shape().Dimensions, target.Shape().Dimensions) {
			panicf(fn, "probability target %s does not match logits %s (want the same shape, or class indices)",
				target.Shape(), logits.Shape())
		}
		axis := classAxis(fn, logits, o)
		checkClasses(fn, "logits", logits, logits.Shape().Dimensions[axis])
		if isEmpty(logits) {
			return emptyLoss(fn, logits, withoutAxis(logits.Shape().Dimensions, axis), r, false)
		}
		t := StopGradient(asDType(target, logits.DType()))
		logp := LogSoftmax(logits, axis)
		ce := Neg(ReduceSum(xLogP(t, logp), axis))
		oneMinusPT := ReduceSum(Mul(t, OneMinus(Exp(logp))), axis)
		return reduce(fn, Add(ce, MulScalar(oneMinusPT, eps)), r, reduceSpec{})
	}
	ct := prepareClassTargets(fn, "logits", logits, target, o, true)
	if ct.empty {
		return emptyLoss(fn, logits, ct.dims, r, false)
	}
	logpY, _ := sparseLogSoftmax(ct.x, ct.labels, nil, false)
	loss := Add(Neg(logpY), MulScalar(OneMinus(Exp(logpY)), eps))
	return ct.finish(fn, loss, r, reduceSpec{})
}

// bceGradEpsilon is the clamp of the denominator of BCELoss's gradient: PyTorch's EPSILON = 1e-12, stored as a
// float32 in its backward kernel, hence 9.99999996e-13 (measured: the golden case bce/clamp differs by 4e-9
// relative with 1e-12).
const bceGradEpsilon = float64(float32(1e-12))

// sigmoidFocalFactor is the modulating factor (1 - p_t)^γ of SigmoidFocal, γ > 0, with p = σ(x) and
// p_t = p·y + (1-p)(1-y) computed as torchvision does, and a gradient that is finite everywhere: where 1 - p_t is
// exactly 0 (x = ±50 with a matching label, in float64) the derivative γ(1 - p_t)^(γ-1)·∂(1 - p_t) is 0·∞ for γ < 1
// (NaN in PyTorch); its limit there, 0, is used (for the target too, where the one-sided derivative is -∞).
// Elsewhere the gradient is autodiff's:
//
//	∂/∂x = -γ (1-p_t)^{γ-1} p(1-p)(2y-1), \qquad ∂/∂y = γ (1-p_t)^{γ-1} (1-2p)
func sigmoidFocalFactor(x, y *Node, gamma float64) *Node {
	p := Sigmoid(x)
	q := OneMinus(Add(Mul(p, y), Mul(OneMinus(p), OneMinus(y)))) // 1 - p_t
	// γ(1 - p_t)^(γ-1), 0 where 1 - p_t is 0.
	slope := func() *Node {
		s := MulScalar(powScalar(q, gamma-1), gamma)
		return Where(GreaterThan(q, ZerosLike(q)), s, ZerosLike(s))
	}
	return withGradients(powScalar(q, gamma),
		gradientOf{x, func(v *Node) *Node {
			dq := Neg(Mul(Mul(p, OneMinus(p)), AddScalar(MulScalar(y, 2), -1)))
			return Mul(v, Mul(slope(), dq))
		}},
		gradientOf{y, func(v *Node) *Node {
			return Mul(v, Mul(slope(), OneMinus(MulScalar(p, 2))))
		}})
}

// softmaxFocalTerm is -l·(1 - e^l)^γ for l = log p_t, γ > 0 (the value as the reference computes it), with a
// gradient that is finite everywhere:
//
//	f'(l) = -(1-e^l)^γ + γ\, l\, e^l (1-e^l)^{γ-1}
//
// The second term is 0·∞ where e^l rounds to 1 (p_t = 1, PyTorch gives NaN for γ < 1) and ∞·0 where l = -Inf (a
// target logit of -Inf, where the term is +Inf); its limit, 0, is used in both. The first term goes through
// autodiff of -l·m with m held constant, which stays finite at l = -Inf; the second through a custom gradient on
// max(l, lowest finite), which is finite (and cuts it where l = -Inf, where it is 0).
func softmaxFocalTerm(l *Node, gamma float64) *Node {
	p := Exp(l)
	q := OneMinus(p)
	m := powScalar(q, gamma)
	lc := Max(l, ConstAsDType(l.Graph(), l.DType(), lowestFinite(l.DType())))
	lci := IdentityWithCustomGradient(lc, func(_, v *Node) *Node {
		second := Mul(MulScalar(Mul(StopGradient(lc), StopGradient(p)), gamma), powScalar(StopGradient(q), gamma-1))
		return Mul(v, Where(GreaterThan(StopGradient(q), ZerosLike(q)), second, ZerosLike(second)))
	})
	return Add(Mul(Neg(l), StopGradient(m)), Sub(lci, StopGradient(lci))) // the second term's value is 0.
}

// powScalar returns x^p for a constant p >= 0, by multiplication for small integer p (exact, and no NaN
// gradient at x = 0).
func powScalar(x *Node, p float64) *Node {
	switch p {
	case 0:
		return OnesLike(x)
	case 1:
		return x
	case 2:
		return Mul(x, x)
	case 3:
		return Mul(Mul(x, x), x)
	}
	return Pow(x, Scalar(x.Graph(), x.DType(), p))
}

// stopGradientOrNil returns StopGradient(w), or nil for nil: weights are constants, as PyTorch.
func stopGradientOrNil(w *Node) *Node {
	if w == nil {
		return nil
	}
	return StopGradient(w)
}
