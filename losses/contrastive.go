package losses

import (
	"slices"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX's idiom: graph ops read as math.
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// pairTarget checks the ±1 target of a pair loss: [N] for [N, D] inputs, a scalar for [D] inputs.
func pairTarget(fn string, x, target *Node) *Node {
	want := x.Shape().Dimensions[:x.Rank()-1]
	if !slices.Equal(target.Shape().Dimensions, want) {
		panicf(fn, "target %s does not match inputs %s (want %v)", target.Shape(), x.Shape(), want)
	}
	return StopGradient(asDType(target, x.DType()))
}

// CosineEmbedding is the cosine embedding loss: it pulls pairs labelled 1 together and pushes pairs labelled
// -1 apart beyond a margin, with PyTorch's nn.CosineEmbeddingLoss semantics.
//
// Shapes: x1 and x2 [N, D] or [D] float, the same; target [N] or a scalar, with values 1 or -1 (any dtype). The
// result is a scalar, or with ReductionNone [N].
//
//	\cos = \frac{x_1 \cdot x_2}{\sqrt{(\|x_1\|^2 + 10^{-12})(\|x_2\|^2 + 10^{-12})}}, \qquad
//	\ell = \begin{cases} 1 - \cos & y = 1 \\ \max(0, \cos - m) & y = -1 \end{cases}
//
// A target other than ±1 gives 0, as PyTorch. The margin m (WithMargin) defaults to 0.
//
// PyTorch: torch.nn.CosineEmbeddingLoss(margin=0.0, reduction='mean')(x1, x2, target).
// Registry name: "CosineEmbeddingLoss". Options: WithReduction, WithMargin.
//
// References: https://pytorch.org/docs/1.13/generated/torch.nn.CosineEmbeddingLoss.html.
//
// Panics if the shapes do not fit.
func CosineEmbedding(x1, x2, target *Node, opts ...Option) *Node {
	const fn = "CosineEmbedding"
	o := configure(fn, opts, optReduction, optMargin)
	checkFloat(fn, "x1", x1)
	checkSameShape(fn, "x1", x1, "x2", x2)
	if x1.Rank() != 1 && x1.Rank() != 2 {
		panicf(fn, "inputs %s must be [N, D] or [D]", x1.Shape())
	}
	y := pairTarget(fn, x1, target)
	if isEmpty(y) {
		return emptyLoss(fn, x1, y.Shape().Dimensions, o.reduction.or(ReductionMean), false)
	}
	x2 = asDType(x2, x1.DType())
	const eps = 1e-12 // PyTorch's EPSILON in cosine_embedding_loss.
	dot := ReduceSum(Mul(x1, x2), -1)
	mag1 := AddScalar(ReduceSum(Mul(x1, x1), -1), eps)
	mag2 := AddScalar(ReduceSum(Mul(x2, x2), -1), eps)
	cos := Div(dot, Sqrt(Mul(mag1, mag2)))
	zeros := ZerosLike(cos)
	pos := Where(Equal(y, OnesLike(y)), OneMinus(cos), zeros)
	neg := Where(Equal(y, Neg(OnesLike(y))), MaxScalar(AddScalar(cos, -o.margin.or(0)), 0), zeros)
	return reduce(fn, Add(pos, neg), o.reduction.or(ReductionMean), reduceSpec{})
}

// MarginRanking is the margin ranking loss: it asks x1 to rank above x2 by a margin when y = 1 (below when
// y = -1), with PyTorch's nn.MarginRankingLoss semantics.
//
// Shapes: x1, x2 and target any shape, the same (usually [N]). The result is a scalar, or with ReductionNone
// x1's shape.
//
//	\ell = \max(0, -y\,(x_1 - x_2) + m)
//
// PyTorch: torch.nn.MarginRankingLoss(margin=0.0, reduction='mean')(x1, x2, target).
// Registry name: "MarginRankingLoss". Options: WithReduction, WithMargin.
//
// References: https://pytorch.org/docs/1.13/generated/torch.nn.MarginRankingLoss.html.
//
// Panics if the shapes differ.
func MarginRanking(x1, x2, target *Node, opts ...Option) *Node {
	const fn = "MarginRanking"
	o := configure(fn, opts, optReduction, optMargin)
	checkFloat(fn, "x1", x1)
	checkSameShape(fn, "x1", x1, "x2", x2)
	checkSameShape(fn, "x1", x1, "target", target)
	y := asDType(target, x1.DType()) // differentiable, as in PyTorch's formula
	if isEmpty(x1) {
		return emptyLoss(fn, x1, x1.Shape().Dimensions, o.reduction.or(ReductionMean), false)
	}
	loss := MaxScalar(AddScalar(Neg(Mul(y, Sub(x1, asDType(x2, x1.DType())))), o.margin.or(0)), 0)
	return reduce(fn, loss, o.reduction.or(ReductionMean), reduceSpec{})
}

// TripletMargin is the triplet margin loss: the anchor should be closer to the positive than to the negative
// by a margin, with PyTorch's nn.TripletMarginLoss semantics.
//
// Shapes: anchor, positive and negative [N, D] or [D] float, the same. The result is a scalar, or with
// ReductionNone [N].
//
//	d(a, b) = \|a - b + \varepsilon\|_p, \qquad \ell = \max(d(a, p) - d(a, n) + m,\; 0)
//
// ε (WithEps, 1e-6) is added to the difference, as PyTorch's pairwise_distance (optax puts it inside the sum:
// the values differ slightly). WithSwap(true) replaces d(a, n) by min(d(a, n), d(p, n)) (Balntas et al.). The
// defaults are m = 1 (WithMargin) and p = 2 (WithP). As PyTorch, a p other than 1 and 2 is used rounded to
// float32.
//
// PyTorch: torch.nn.TripletMarginLoss(margin=1.0, p=2.0, eps=1e-06, swap=False, reduction='mean')(anchor,
// positive, negative). Registry name: "TripletMarginLoss". Options: WithReduction, WithMargin, WithP, WithEps,
// WithSwap.
//
// References: Schroff et al. 2015, "FaceNet", https://arxiv.org/abs/1503.03832; Balntas et al. 2016, "Learning
// local feature descriptors with triplets and shallow convolutional neural networks";
// https://pytorch.org/docs/1.13/generated/torch.nn.TripletMarginLoss.html.
//
// Panics if the shapes differ, they are not rank 1 or 2, or p is not in (0, ∞).
func TripletMargin(anchor, positive, negative *Node, opts ...Option) *Node {
	const fn = "TripletMargin"
	o := configure(fn, opts, optReduction, optMargin, optP, optEps, optSwap)
	checkFloat(fn, "anchor", anchor)
	checkSameShape(fn, "anchor", anchor, "positive", positive)
	checkSameShape(fn, "anchor", anchor, "negative", negative)
	if anchor.Rank() != 1 && anchor.Rank() != 2 {
		panicf(fn, "inputs %s must be [N, D] or [D]", anchor.Shape())
	}
	p, eps := o.p.or(2), o.eps.or(1e-6) // p > 0 and finite, eps >= 0: checked by WithP and WithEps
	positive, negative = asDType(positive, anchor.DType()), asDType(negative, anchor.DType())
	dims := anchor.Shape().Dimensions[:anchor.Rank()-1] // per-example
	r := o.reduction.or(ReductionMean)
	if isEmpty(anchor) {
		if slices.Contains(dims, 0) {
			return emptyLoss(fn, anchor, dims, r, false)
		}
		// D = 0: every distance is the norm of nothing, 0 (as PyTorch), so the loss is max(margin, 0).
		loss := Zeros(anchor.Graph(), shapes.Make(anchor.DType(), dims...))
		return reduce(fn, MaxScalar(AddScalar(loss, o.margin.or(1)), 0), r, reduceSpec{})
	}
	dist := func(a, b *Node) *Node { return pNorm(AddScalar(Sub(a, b), eps), p) }
	dPos, dNeg := dist(anchor, positive), dist(anchor, negative)
	if o.swap.or(false) {
		dNeg = Min(dNeg, dist(positive, negative))
	}
	loss := MaxScalar(AddScalar(Sub(dPos, dNeg), o.margin.or(1)), 0)
	return reduce(fn, loss, r, reduceSpec{})
}

// pNorm is the p-norm over the last axis, with PyTorch 1.13's numbers: its forward kernel rounds a p other than 1
// and 2 to float32 (measured: p = 2.0122906694547242 gives norms 1.3e-8 apart), while its backward,
// sign(x)·|x|^(p-1) / ‖x‖^(p-1) (0 where the norm is 0), uses p as given.
func pNorm(x *Node, p float64) *Node {
	if p == 1 {
		return ReduceSum(absSign(x), -1)
	}
	var norm *Node
	if p == 2 {
		norm = Sqrt(ReduceSum(Mul(x, x), -1))
	} else {
		p32 := float64(float32(p))
		norm = powScalar(ReduceSum(powScalar(Abs(x), p32), -1), 1/p32)
	}
	return withGradient(norm, x, func(v *Node) *Node {
		n := ExpandAxes(norm, -1)
		var scaled *Node // d‖x‖/dx · ‖x‖^(p-1)
		if p == 2 {
			scaled = x
		} else {
			scaled = Mul(Sign(x), Pow(Abs(x), Scalar(x.Graph(), x.DType(), p-1)))
		}
		g := Div(Mul(v, scaled), powScalar(n, p-1))
		// 0 where the norm is 0, and (for p < 1, where |x|^(p-1) is infinite) where x is 0, as PyTorch.
		isZero := Or(BroadcastToShape(Equal(n, ZerosLike(n)), g.Shape()), Equal(x, ZerosLike(x)))
		return Where(isZero, ZerosLike(g), g)
	})
}

// HingeEmbedding is the hinge embedding loss for distances (or dissimilarities) x with ±1 labels, with
// PyTorch's nn.HingeEmbeddingLoss semantics.
//
// Shapes: input and target any shape, the same (target float or integer, values ±1). The result is a scalar,
// or with ReductionNone input's shape.
//
//	\ell = \begin{cases} x & y = 1 \\ \max(0, m - x) & y = -1 \end{cases}
//
// As PyTorch, a target that is neither 1 nor -1 adds both terms. The margin m (WithMargin) defaults to 1.
//
// PyTorch: torch.nn.HingeEmbeddingLoss(margin=1.0, reduction='mean')(input, target).
// Registry name: "HingeEmbeddingLoss". Options: WithReduction, WithMargin.
//
// References: https://pytorch.org/docs/1.13/generated/torch.nn.HingeEmbeddingLoss.html.
//
// Panics if the shapes differ.
func HingeEmbedding(input, target *Node, opts ...Option) *Node {
	const fn = "HingeEmbedding"
	o := configure(fn, opts, optReduction, optMargin)
	y := StopGradient(regressionInputs(fn, input, target))
	if isEmpty(input) {
		return emptyLoss(fn, input, input.Shape().Dimensions, o.reduction.or(ReductionMean), false)
	}
	zeros := ZerosLike(input)
	marginTerm := MaxScalar(Neg(AddScalar(input, -o.margin.or(1))), 0)
	loss := Add(
		Where(NotEqual(y, OnesLike(y)), marginTerm, zeros),
		Where(NotEqual(y, Neg(OnesLike(y))), input, zeros))
	return reduce(fn, loss, o.reduction.or(ReductionMean), reduceSpec{})
}
