package losses

import (
	"fmt"

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
// sum of the weights of the non-ignored targets, not by their count (pytorch#40560). Logits of ±1e4 give finite
// values and gradients. Where lossbook differs: a class index outside [0, C) that is not ignore_index gives NaN
// (PyTorch raises an error). The gradient is written by hand (softmax minus target, scaled; see cecore.go) and
// equals the autodiff one.
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
	eps := o.labelSmoothing.or(0)
	if eps < 0 || eps > 1 {
		panicf(fn, "label smoothing %g must be in [0, 1]", eps)
	}
	r := o.reduction.or(ReductionMean)
	if target.DType().IsFloat() {
		return crossEntropyProbabilities(fn, logits, target, o, eps, r)
	}
	ct := prepareClassTargets(fn, "logits", logits, target, o, true)
	w := classWeight(fn, o.weight, ct.c, logits.DType())
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
	if !slicesEqual(logits.Shape().Dimensions, target.Shape().Dimensions) {
		panicf(fn, "probability target %s does not match logits %s (want the same shape, or class indices)",
			target.Shape(), logits.Shape())
	}
	if o.ignoreIndex.set && o.ignoreIndex.value >= 0 {
		panicf(fn, "ignore_index is not supported for probability targets (got %d)", o.ignoreIndex.value)
	}
	axis := classAxis(fn, logits, o)
	c := logits.Shape().Dimensions[axis]
	t := asDType(target, logits.DType())
	if eps > 0 {
		t = AddScalar(MulScalar(t, 1-eps), eps/float64(c))
	}
	w := classWeight(fn, o.weight, c, logits.DType())
	if w != nil {
		t = Mul(t, reshapeOnAxis(w, logits.Rank(), axis))
	}
	loss := Neg(ReduceSum(Mul(t, LogSoftmax(logits, axis)), axis))
	return reduce(fn, loss, r, reduceSpec{})
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
}

// prepareClassTargets checks logits (or log-probabilities) against class-index labels and flattens both.
func prepareClassTargets(fn, xName string, x, labels *Node, o *options, probabilitiesAllowed bool) classTargets {
	axis := classAxis(fn, x, o)
	dims := x.Shape().Dimensions
	want := make([]int, 0, len(dims))
	want = append(want, dims[:axis]...)
	want = append(want, dims[axis+1:]...)
	if !labels.DType().IsInt() || !slicesEqual(labels.Shape().Dimensions, want) {
		alt := ""
		if probabilitiesAllowed {
			alt = fmt.Sprintf(", or %v float for probabilities", dims)
		}
		panicf(fn, "labels %s do not match %s %s (want %v integer%s)", labels.Shape(), xName, x.Shape(), want, alt)
	}
	c := dims[axis]
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
