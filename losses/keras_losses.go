package losses

// The per-sample functions of the Keras losses (keras.losses.<name>'s call on the JAX backend, Keras 3.15).
// Each returns the values that kerasReduce weights and reduces, and an optional mask. Where the math is the
// same as a torch loss's, the torch function computes it (with ReductionNone); docs/keras.md lists where they
// differ.

import (
	"math"
	"slices"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX's idiom: graph ops read as math.
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// kerasLast averages x over its last axis (Keras's ops.mean(..., axis=-1)); a scalar stays a scalar.
func kerasLast(x *Node) *Node {
	if x.Rank() == 0 {
		return x
	}
	return ReduceMean(x, x.Rank()-1)
}

// kerasMax is JAX's maximum(x, c) for a constant c: its gradient is 1 where x > c, 0 where x < c, and ½ at a tie
// (JAX splits a tie between the two operands; GoMLX's Max would give 0 or 1).
func kerasMax(x *Node, c float64) *Node {
	return kerasChooser(x, c, MaxScalar(x, c), GreaterThan)
}

// kerasMin is JAX's minimum(x, c) for a constant c, with JAX's gradient (see kerasMax).
func kerasMin(x *Node, c float64) *Node {
	return kerasChooser(x, c, MinScalar(x, c), LessThan)
}

func kerasChooser(x *Node, c float64, value *Node, wins func(a, b *Node) *Node) *Node {
	return withGradient(value, x, func(v *Node) *Node {
		cn := Scalar(x.Graph(), x.DType(), c)
		one, zero := OnesLike(x), ZerosLike(x)
		slope := Where(wins(x, cn), one, Where(Equal(x, cn), MulScalar(one, 0.5), zero))
		return Mul(v, slope)
	})
}

// kerasClipTo is jnp.clip(x, lo, hi) = minimum(maximum(x, lo), hi), with JAX's gradient at the bounds.
func kerasClipTo(x *Node, lo, hi float64) *Node {
	return kerasMin(kerasMax(x, lo), hi)
}

// kerasClip clips probabilities to [ε, 1-ε], as Keras before a logarithm.
func kerasClip(p *Node) *Node {
	return kerasClipTo(p, KerasEpsilon, 1-KerasEpsilon)
}

// kerasSmoothBinary is Keras's label smoothing of binary targets: y(1-ε) + ε/2 (none when ε is 0).
func kerasSmoothBinary(y *Node, eps float64) *Node {
	if eps == 0 {
		return y
	}
	return AddScalar(MulScalar(y, 1-eps), 0.5*eps)
}

// kerasSmoothCategorical is Keras's label smoothing of categorical targets: y(1-ε) + ε/C, where C is the size of
// y's last axis, whatever the class axis (Keras 3.15 reads ops.shape(y_true)[-1]).
func kerasSmoothCategorical(y *Node, eps float64) *Node {
	if eps == 0 {
		return y
	}
	return AddScalar(MulScalar(y, 1-eps), eps/float64(y.Shape().Dimensions[y.Rank()-1]))
}

// kerasBCEProbabilities is Keras's binary cross-entropy of probabilities, clipped to [ε, 1-ε]:
// -(y log p + (1-y) log(1-p)), elementwise.
func kerasBCEProbabilities(y, p *Node) *Node {
	pc := kerasClip(p)
	return Neg(Add(Mul(y, Log(pc)), Mul(OneMinus(y), Log(OneMinus(pc)))))
}

// kerasNormalizeClipLog is log(clip(p / Σ_axis p)): Keras's probabilities path of the categorical losses.
func kerasNormalize(p *Node, axis int) *Node {
	return kerasClip(Div(p, ReduceAndKeep(p, ReduceSum, axis)))
}

func kerasMeanSquaredError(fn string, _ *kerasConfig, y, p *Node) (*Node, *Node) {
	checkSameShape(fn, "y_pred", p, "y_true", y)
	return kerasLast(MSE(p, y, WithReduction(ReductionNone))), nil
}

func kerasMeanAbsoluteError(fn string, _ *kerasConfig, y, p *Node) (*Node, *Node) {
	checkSameShape(fn, "y_pred", p, "y_true", y)
	return kerasLast(L1(p, y, WithReduction(ReductionNone))), nil
}

func kerasMeanAbsolutePercentageError(fn string, _ *kerasConfig, y, p *Node) (*Node, *Node) {
	checkSameShape(fn, "y_pred", p, "y_true", y)
	diff := Abs(Div(Sub(y, p), kerasMax(Abs(y), KerasEpsilon)))
	return MulScalar(kerasLast(diff), 100), nil
}

func kerasMeanSquaredLogarithmicError(fn string, _ *kerasConfig, y, p *Node) (*Node, *Node) {
	checkSameShape(fn, "y_pred", p, "y_true", y)
	first := Log(AddScalar(kerasMax(p, KerasEpsilon), 1))
	second := Log(AddScalar(kerasMax(y, KerasEpsilon), 1))
	return kerasLast(Square(Sub(first, second))), nil
}

// kerasL2Normalize is Keras's ops.normalize(x, axis, order=2): x · min(1/‖x‖, 1/ε).
func kerasL2Normalize(x *Node, axis int) *Node {
	norm := Sqrt(ReduceAndKeep(Square(x), ReduceSum, axis))
	inv := kerasMin(Div(OnesLike(norm), norm), 1/KerasEpsilon) // GoMLX has no gradient for Rsqrt.
	return Mul(x, inv)
}

func kerasCosineSimilarity(fn string, c *kerasConfig, y, p *Node) (*Node, *Node) {
	checkSameShape(fn, "y_pred", p, "y_true", y)
	axis := kerasAxis(fn, p, c.axis)
	return Neg(ReduceSum(Mul(kerasL2Normalize(y, axis), kerasL2Normalize(p, axis)), axis)), nil
}

func kerasHuber(fn string, c *kerasConfig, y, p *Node) (*Node, *Node) {
	checkSameShape(fn, "y_pred", p, "y_true", y)
	return kerasLast(Huber(p, y, WithDelta(c.delta), WithReduction(ReductionNone))), nil
}

func kerasLogCosh(fn string, _ *kerasConfig, y, p *Node) (*Node, *Node) {
	checkSameShape(fn, "y_pred", p, "y_true", y)
	x := Sub(p, y)
	return kerasLast(AddScalar(Add(x, Softplus(MulScalar(x, -2))), -math.Log(2))), nil
}

// kerasHingeLabels is Keras's convert_binary_labels_to_hinge: if every label is 0 or 1, they become -1 and 1;
// otherwise they are kept (±1 labels).
func kerasHingeLabels(y *Node) *Node {
	isBinary := LogicalOr(Equal(y, ZerosLike(y)), Equal(y, OnesLike(y)))
	allBinary := Equal(ReduceAllMin(ConvertDType(isBinary, y.DType())), ScalarOne(y.Graph(), y.DType()))
	return Where(BroadcastToShape(allBinary, y.Shape()), AddScalar(MulScalar(y, 2), -1), y)
}

func kerasHingeMargins(fn string, y, p *Node) *Node {
	checkSameShape(fn, "y_pred", p, "y_true", y)
	return kerasMax(OneMinus(Mul(kerasHingeLabels(y), p)), 0)
}

func kerasHinge(fn string, _ *kerasConfig, y, p *Node) (*Node, *Node) {
	return kerasLast(kerasHingeMargins(fn, y, p)), nil
}

func kerasSquaredHinge(fn string, _ *kerasConfig, y, p *Node) (*Node, *Node) {
	return kerasLast(Square(kerasHingeMargins(fn, y, p))), nil
}

func kerasCategoricalHinge(fn string, _ *kerasConfig, y, p *Node) (*Node, *Node) {
	checkSameShape(fn, "y_pred", p, "y_true", y)
	last := p.Rank() - 1
	pos := ReduceSum(Mul(y, p), last)
	neg := ReduceMax(Mul(OneMinus(y), p), last)
	return kerasMax(AddScalar(Sub(neg, pos), 1), 0), nil
}

func kerasKLDivergence(fn string, _ *kerasConfig, y, p *Node) (*Node, *Node) {
	checkSameShape(fn, "y_pred", p, "y_true", y)
	yc, pc := kerasClipTo(y, KerasEpsilon, 1), kerasClipTo(p, KerasEpsilon, 1)
	return ReduceSum(Mul(yc, Log(Div(yc, pc))), p.Rank()-1), nil
}

func kerasPoisson(fn string, _ *kerasConfig, y, p *Node) (*Node, *Node) {
	checkSameShape(fn, "y_pred", p, "y_true", y)
	return kerasLast(PoissonNLL(p, y, WithLogInput(false), WithEps(KerasEpsilon), WithReduction(ReductionNone))), nil
}

func kerasBinaryCrossentropy(fn string, c *kerasConfig, y, p *Node) (*Node, *Node) {
	checkSameShape(fn, "y_pred", p, "y_true", y)
	axis := kerasAxis(fn, p, c.axis)
	y = kerasSmoothBinary(y, c.labelSmoothing)
	var bce *Node
	if c.fromLogits {
		bce = BinaryCrossEntropyLogits(p, y, WithReduction(ReductionNone))
	} else {
		bce = kerasBCEProbabilities(y, p)
	}
	return ReduceMean(bce, axis), nil
}

func kerasBinaryFocalCrossentropy(fn string, c *kerasConfig, y, p *Node) (*Node, *Node) {
	checkSameShape(fn, "y_pred", p, "y_true", y)
	axis := kerasAxis(fn, p, c.axis)
	y = kerasSmoothBinary(y, c.labelSmoothing)
	if c.fromLogits {
		p = Sigmoid(p)
	}
	bce := kerasBCEProbabilities(y, p)
	pt := Add(Mul(y, p), Mul(OneMinus(y), OneMinus(p)))
	focal := Mul(powScalar(OneMinus(pt), c.gamma), bce)
	if c.applyClassBalancing {
		w := Add(MulScalar(y, c.alpha), MulScalar(OneMinus(y), 1-c.alpha))
		focal = Mul(w, focal)
	}
	return ReduceMean(focal, axis), nil
}

func kerasCategoricalCrossentropy(fn string, c *kerasConfig, y, p *Node) (*Node, *Node) {
	checkSameShape(fn, "y_pred", p, "y_true", y)
	axis := kerasAxis(fn, p, c.axis)
	y = kerasSmoothCategorical(y, c.labelSmoothing)
	if c.fromLogits {
		return CrossEntropy(p, y, WithClassAxis(axis), WithReduction(ReductionNone)), nil
	}
	return Neg(ReduceSum(Mul(y, Log(kerasNormalize(p, axis))), axis)), nil
}

func kerasCategoricalFocalCrossentropy(fn string, c *kerasConfig, y, p *Node) (*Node, *Node) {
	checkSameShape(fn, "y_pred", p, "y_true", y)
	axis := kerasAxis(fn, p, c.axis)
	y = kerasSmoothCategorical(y, c.labelSmoothing)
	if c.fromLogits {
		p = Softmax(p, axis)
	}
	out := kerasNormalize(p, axis)
	cce := Neg(Mul(y, Log(out)))
	focal := Mul(MulScalar(powScalar(OneMinus(out), c.gamma), c.alpha), cce)
	return ReduceSum(focal, axis), nil
}

// kerasClassLabels checks that labels (integer or float class indices) fit y_pred with its class axis last,
// squeezing a trailing axis of size 1, and returns them as int32.
func kerasClassLabels(fn string, labels, p *Node) *Node {
	if labels.Rank() == p.Rank() && labels.Rank() > 0 && labels.Shape().Dimensions[labels.Rank()-1] == 1 {
		labels = Squeeze(labels, -1)
	}
	if !slices.Equal(labels.Shape().Dimensions, p.Shape().Dimensions[:p.Rank()-1]) {
		panicf(fn, "y_true %s does not match y_pred %s (want y_pred's shape without its last, class, axis)",
			labels.Shape(), p.Shape())
	}
	if labels.DType() != dtypes.Int32 {
		labels = ConvertDType(labels, dtypes.Int32)
	}
	return labels
}

// kerasOneHot is JAX's one_hot of int32 labels over the last axis of p, in p's dtype: a label outside [0, C)
// gives a row of zeros.
func kerasOneHot(labels, p *Node) *Node {
	iota := Iota(p.Graph(), shapes.Make(dtypes.Int32, p.Shape().Dimensions...), p.Rank()-1)
	return ConvertDType(Equal(iota, BroadcastToShape(ExpandAxes(labels, -1), iota.Shape())), p.DType())
}

func kerasSparseCategoricalCrossentropy(fn string, c *kerasConfig, y, p *Node) (*Node, *Node) {
	if kerasAxis(fn, p, c.axis) != p.Rank()-1 {
		panicf(fn, "axis %d: Keras's JAX backend takes the class axis last (axis=-1) for y_pred %s", c.axis, p.Shape())
	}
	labels := kerasClassLabels(fn, y, p)
	var ignored *Node // bool, labels' shape
	if c.ignoreClass.set {
		ignored = Equal(labels, Scalar(labels.Graph(), dtypes.Int32, c.ignoreClass.value))
		labels = Where(ignored, ZerosLike(labels), labels)
		// Keras sets y_pred to 0 where the label is ignored; its loss there is dropped and its gradient is 0.
		p = Where(BroadcastToShape(ExpandAxes(ignored, -1), p.Shape()), OnesLike(p), p)
	}
	var loss *Node
	if c.fromLogits {
		classes := p.Shape().Dimensions[p.Rank()-1]
		inRange := LogicalAnd(GreaterOrEqual(labels, ZerosLike(labels)),
			LessThan(labels, Scalar(labels.Graph(), dtypes.Int32, classes)))
		safe := Where(inRange, labels, ZerosLike(labels))
		ce := CrossEntropy(p, safe, WithClassAxis(p.Rank()-1), WithReduction(ReductionNone))
		loss = Where(inRange, ce, ZerosLike(ce)) // JAX's one_hot of an out-of-range label is all zeros.
	} else {
		logp := Log(kerasNormalize(p, p.Rank()-1))
		loss = Neg(ReduceSum(Mul(kerasOneHot(labels, p), logp), p.Rank()-1))
	}
	if ignored == nil {
		return loss, nil
	}
	valid := LogicalNot(ignored)
	return Where(valid, loss, ZerosLike(loss)), valid
}

func kerasCategoricalGeneralizedCrossEntropy(fn string, c *kerasConfig, y, p *Node) (*Node, *Node) {
	if p.Shape().Dimensions[p.Rank()-1] < 2 {
		// Keras squeezes y_pred [N, 1] to [N] or expands y_true to [N, 1], and its one-hot labels then broadcast
		// against y_pred into an [N, N] matrix: not a loss.
		panicf(fn, "y_pred %s has %d class: want at least 2 classes on the last axis", p.Shape(),
			p.Shape().Dimensions[p.Rank()-1])
	}
	labels := kerasClassLabels(fn, y, p)
	pt := ReduceSum(Mul(p, kerasOneHot(labels, p)), p.Rank()-1)
	return DivScalar(OneMinus(Pow(pt, Scalar(pt.Graph(), pt.DType(), c.q))), c.q), nil
}

// kerasSumAxes resolves Dice's and Tversky's axis (nil: every axis) against x.
func kerasSumAxes(fn string, c *kerasConfig, x *Node) []int {
	if c.allAxes {
		axes := make([]int, x.Rank())
		for i := range axes {
			axes[i] = i
		}
		return axes
	}
	var axes []int
	for _, a := range c.axes {
		a = kerasAxis(fn, x, a)
		if slices.Contains(axes, a) {
			panicf(fn, "axis %v repeats an axis of y_pred %s", c.axes, x.Shape())
		}
		axes = append(axes, a)
	}
	return axes
}

func kerasDice(fn string, c *kerasConfig, y, p *Node) (*Node, *Node) {
	checkSameShape(fn, "y_pred", p, "y_true", y)
	axes := kerasSumAxes(fn, c, p)
	intersection := ReduceSum(Mul(y, p), axes...)
	denom := AddScalar(Add(ReduceSum(y, axes...), ReduceSum(p, axes...)), KerasEpsilon)
	return OneMinus(Div(MulScalar(intersection, 2), denom)), nil
}

func kerasTversky(fn string, c *kerasConfig, y, p *Node) (*Node, *Node) {
	checkSameShape(fn, "y_pred", p, "y_true", y)
	axes := kerasSumAxes(fn, c, p)
	intersection := ReduceSum(Mul(y, p), axes...)
	fp := ReduceSum(Mul(OneMinus(p), y), axes...)
	fnn := ReduceSum(Mul(p, OneMinus(y)), axes...)
	denom := AddScalar(Add(intersection, Add(MulScalar(fp, c.alpha), MulScalar(fnn, c.beta))), KerasEpsilon)
	return OneMinus(Div(intersection, denom)), nil
}
