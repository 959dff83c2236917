package losses

import (
	"math"
	"slices"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX's idiom: graph ops read as math.
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// reduceSpec says how reduce combines per-element losses. Every field is optional.
type reduceSpec struct {
	// mask (bool, the loss's shape) drops elements: they are 0 in the value and get a 0 gradient (no NaN leaks
	// through a 0/0 mean, as PyTorch's ignore_index).
	mask *Node
	// weight multiplies each element; it is broadcast (aligned on the right) to the loss's shape.
	weight *Node
	// meanWeight, when set, makes ReductionMean PyTorch's weighted mean Σℓ / Σ mask·meanWeight (class weights and
	// ignore_index). When nil, the mean divides by the number of unmasked elements.
	meanWeight *Node
	// batchMean allows ReductionBatchMean (KL only).
	batchMean bool
}

// reduce is the one place where masks, weights and the reduction are applied to per-element losses. Every loss
// in the package ends with it, so that the rules of the table in the package documentation hold everywhere.
func reduce(fn string, loss *Node, r Reduction, spec reduceSpec) *Node {
	if spec.weight != nil {
		loss = Mul(loss, broadcastRight(fn, "weight", spec.weight, loss))
	}
	if spec.mask != nil {
		loss = Where(spec.mask, loss, ZerosLike(loss))
	}
	switch r {
	case ReductionNone:
		return loss
	case ReductionSum:
		return ReduceAllSum(loss)
	case ReductionMean:
		sum := ReduceAllSum(loss)
		switch {
		case spec.meanWeight != nil:
			w := BroadcastToShape(spec.meanWeight, loss.Shape())
			if spec.mask != nil {
				w = Where(spec.mask, w, ZerosLike(w))
			}
			return Div(sum, ReduceAllSum(w))
		case spec.mask != nil:
			return Div(sum, ReduceAllSum(ConvertDType(spec.mask, loss.DType())))
		default:
			if loss.Shape().Size() == 0 {
				return Div(sum, ScalarZero(loss.Graph(), loss.DType())) // 0/0 = NaN, as PyTorch's mean of nothing.
			}
			return DivScalar(sum, float64(loss.Shape().Size()))
		}
	case ReductionBatchMean:
		if !spec.batchMean {
			panicf(fn, "reduction %q is only for KLDivLoss (valid: \"none\", \"mean\", \"sum\")", r)
		}
		sum := ReduceAllSum(loss)
		if loss.Rank() == 0 {
			return sum
		}
		return DivScalar(sum, float64(loss.Shape().Dimensions[0]))
	}
	if spec.batchMean {
		panicf(fn, "unknown reduction %q (valid: \"none\", \"mean\", \"sum\", \"batchmean\")", r)
	}
	panicf(fn, "unknown reduction %q (valid: \"none\", \"mean\", \"sum\")", r)
	return nil
}

// emptyLoss is the result of a loss whose per-element (or per-example) losses, of shape dims, are empty: with
// ReductionNone an empty tensor, with ReductionMean NaN (0/0, as PyTorch's mean of nothing), with ReductionSum 0,
// with ReductionBatchMean (batchMean only) NaN for an empty batch and 0 otherwise. The result is a constant, built
// without any op on the (empty) inputs: GoMLX's pure-Go backend crashes the process on some ops over empty tensors
// (Where, Gather), so every loss checks for empty inputs before it builds its graph. Its gradient is zero, i.e.
// empty tensors of the inputs' shapes.
func emptyLoss(fn string, like *Node, dims []int, r Reduction, batchMean bool) *Node {
	g, dtype := like.Graph(), like.DType()
	checkReduction(fn, r, batchMean)
	switch r {
	case ReductionNone:
		return Zeros(g, shapes.Make(dtype, dims...))
	case ReductionSum:
		return ScalarZero(g, dtype)
	case ReductionBatchMean:
		if len(dims) > 0 && dims[0] > 0 {
			return ScalarZero(g, dtype)
		}
	}
	return nanLike(like)
}

// isEmpty reports whether x has no elements (a dimension of 0).
func isEmpty(x *Node) bool {
	return x.Shape().Size() == 0
}

// checkReduction panics unless r is a reduction that the loss accepts (ReductionBatchMean only with batchMean).
func checkReduction(fn string, r Reduction, batchMean bool) {
	switch r {
	case ReductionNone, ReductionMean, ReductionSum:
		return
	case ReductionBatchMean:
		if batchMean {
			return
		}
		panicf(fn, "reduction %q is only for KLDivLoss (valid: \"none\", \"mean\", \"sum\")", r)
	}
	if batchMean {
		panicf(fn, "unknown reduction %q (valid: \"none\", \"mean\", \"sum\", \"batchmean\")", r)
	}
	panicf(fn, "unknown reduction %q (valid: \"none\", \"mean\", \"sum\")", r)
}

// broadcastRight broadcasts w to the shape of like with NumPy's rules (dimensions aligned on the right, 1s
// stretched), converting it to like's dtype, or panics naming both shapes.
func broadcastRight(fn, what string, w, like *Node) *Node {
	if w.DType() != like.DType() {
		if !w.DType().IsFloat() && !w.DType().IsInt() {
			panicf(fn, "%s %s must be a number", what, w.Shape())
		}
		w = ConvertDType(w, like.DType())
	}
	if w.Shape().Equal(like.Shape()) {
		return w
	}
	if w.Rank() > like.Rank() {
		panicf(fn, "%s %s does not broadcast to %s", what, w.Shape(), like.Shape())
	}
	dims := make([]int, like.Rank())
	offset := like.Rank() - w.Rank()
	for axis := range dims {
		dims[axis] = 1
		if axis >= offset {
			d := w.Shape().Dimensions[axis-offset]
			if d != 1 && d != like.Shape().Dimensions[axis] {
				panicf(fn, "%s %s does not broadcast to %s", what, w.Shape(), like.Shape())
			}
			dims[axis] = d
		}
	}
	return BroadcastToShape(Reshape(w, dims...), like.Shape())
}

// nanLike returns a NaN scalar of x's dtype.
func nanLike(x *Node) *Node {
	return ConstAsDType(x.Graph(), x.DType(), math.NaN())
}

// checkFloat panics unless x has a float dtype.
func checkFloat(fn, what string, x *Node) {
	if !x.DType().IsFloat() {
		panicf(fn, "%s %s must have a float dtype", what, x.Shape())
	}
}

// checkSameShape panics unless a and b have the same dimensions (dtypes may differ: callers convert).
func checkSameShape(fn, aName string, a *Node, bName string, b *Node) {
	if !slices.Equal(a.Shape().Dimensions, b.Shape().Dimensions) {
		panicf(fn, "%s %s and %s %s must have the same shape", bName, b.Shape(), aName, a.Shape())
	}
}

// asDType converts x to dtype if needed (targets given as integers to a float loss, for example).
func asDType(x *Node, dtype dtypes.DType) *Node {
	if x.DType() == dtype {
		return x
	}
	return ConvertDType(x, dtype)
}

// withGradient returns value (computed from x, any graph) whose gradient with respect to x is given by hand:
// grad(v) receives the adjoint v of the result (value's shape, which must be x's) and returns the adjoint of x.
// PyTorch writes the backward of several losses by hand (BCE's clamp, the logistic losses at 0); this reproduces
// them exactly, where autodiff of the forward formula would differ (a subgradient at a kink, or 0 under a clamp).
//
// The value is cut from autodiff with StopGradient, and x's identity is added as xi - StopGradient(xi), which is
// exactly 0, so that the adjoint reaches the custom gradient unchanged.
func withGradient(value, x *Node, grad func(v *Node) *Node) *Node {
	return withGradients(value, gradientOf{x, grad})
}

// gradientOf pairs a node with the hand-written gradient of a value with respect to it (see withGradient).
type gradientOf struct {
	x    *Node
	grad func(v *Node) *Node
}

// withGradients is withGradient for several nodes at once. A node may have more axes than the value (a value
// reduced over x's trailing axes, such as a norm): then grad receives the adjoint broadcast to x's shape.
func withGradients(value *Node, pairs ...gradientOf) *Node {
	out := StopGradient(value)
	for _, p := range pairs {
		grad := p.grad
		xi := IdentityWithCustomGradient(p.x, func(_, v *Node) *Node { return grad(v) })
		zero := Sub(xi, StopGradient(xi))
		if extra := xi.Rank() - value.Rank(); extra > 0 {
			axes := make([]int, extra)
			for i := range axes {
				axes[i] = value.Rank() + i
			}
			zero = ReduceSum(zero, axes...)
		}
		out = Add(out, zero)
	}
	return out
}

// absSign is |x| with PyTorch's gradient sign(x), which is 0 at x = 0 (GoMLX's Abs gradient is ±1 there).
func absSign(x *Node) *Node {
	return withGradient(Abs(x), x, func(v *Node) *Node { return Mul(v, Sign(x)) })
}
