package losses

import (
	"math"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX's idiom: graph ops read as math.
)

// This file holds Barron's general robust loss ρ(x, α, c) and its negative log-likelihood form (the adaptive
// loss). The graph code and the float64 scalar code evaluate the same stable rewriting:
//
//	b = |α - 2|, z = (x/c)^2, u = log1p(z/b), y = α u / 2
//	ρ = (b/α) expm1(y) = (b u / 2) φ(y),  φ(y) = expm1(y)/y  (φ(0) = 1)
//
// which has no 0/0 at α = 0 (it is log1p(z/2) there), and the partial derivatives
//
//	∂ρ/∂z = ½ exp(y - u) = ½ (1 + z/b)^{α/2 - 1}
//	∂ρ/∂α = s (u/2) φ(y) + (b u²/4) k(y) - s e^y z / (2 (b + z)),  s = sign(α - 2),
//	k(y) = (y e^y - expm1(y)) / y²  (k(0) = ½)
//
// written so that no term cancels near α = 0. Only α = 2 and α = ±∞ (where b is 0 or ∞) are special cases.

// robustSeriesThreshold: below it φ and k are evaluated by their Taylor series (see phiFloat and kFloat).
const (
	phiSeriesBelow = 1e-3 // φ: truncation y⁴/120 < 1e-14 relative.
	kSeriesBelow   = 0.5  // k: 15 terms, truncation < 1e-16; above, y e^y - expm1(y) loses at most 3 bits.
)

// kCoefficients are the Taylor coefficients of k(y) = Σ_{m≥2} (m-1)/m! y^{m-2}, m = 2..16.
var kCoefficients = func() []float64 {
	cs := make([]float64, 15)
	fact := 1.0
	for m := 1; m <= 16; m++ {
		fact *= float64(m)
		if m >= 2 {
			cs[m-2] = float64(m-1) / fact
		}
	}
	return cs
}()

// phiFloat is expm1(y)/y, 1 at y = 0.
func phiFloat(y float64) float64 {
	if math.Abs(y) < phiSeriesBelow {
		return 1 + y*(1.0/2+y*(1.0/6+y/24))
	}
	return math.Expm1(y) / y
}

// kFloat is (y e^y - expm1(y))/y², ½ at y = 0.
func kFloat(y float64) float64 {
	if math.Abs(y) < kSeriesBelow {
		r := 0.0
		for i := len(kCoefficients) - 1; i >= 0; i-- {
			r = r*y + kCoefficients[i]
		}
		return r
	}
	if y < 0 {
		return (y*math.Exp(y) - math.Expm1(y)) / (y * y)
	}
	return math.Exp(y) * (y - 1 + math.Exp(-y)) / (y * y) // no ∞ - ∞ for large y
}

// RobustRho is Barron's general robust loss ρ(x, α, c) of one residual x, in float64: the scalar twin of
// GeneralRobust, for plots and tables.
//
//	\rho(x, \alpha, c) = \frac{|\alpha - 2|}{\alpha} \left( \left( \frac{(x/c)^2}{|\alpha - 2|} + 1
//	                     \right)^{\alpha/2} - 1 \right)
//
// with its limits at α = 2 (½(x/c)², L2), α = 0 (log(½(x/c)² + 1), Cauchy), α = -∞ (1 - exp(-½(x/c)²),
// Welsch) and α = +∞ (exp(½(x/c)²) - 1). α = 1 is pseudo-Huber (sqrt((x/c)² + 1) - 1), α = -2 Geman-McClure
// (2(x/c)²/((x/c)² + 4)). A scale c <= 0 or a NaN gives NaN.
func RobustRho(x, alpha, scale float64) float64 {
	rho, _, _ := robustFloat(x, alpha, scale)
	return rho
}

// RobustPsi is the derivative ∂ρ/∂x of RobustRho (Hampel's influence function ψ of the M-estimator): how hard
// one residual pulls on the fit. For α < 1 it falls back towards 0 for large |x| (redescending); for α = 2 it is
// x/c², unbounded.
func RobustPsi(x, alpha, scale float64) float64 {
	_, dz, _ := robustFloat(x, alpha, scale)
	return dz * 2 * x / (scale * scale)
}

// robustFloat returns ρ(x, α, c), ∂ρ/∂z (z = (x/c)²) and ∂ρ/∂α in float64.
func robustFloat(x, alpha, scale float64) (rho, dz, dalpha float64) {
	if !(scale > 0) || math.IsNaN(x) || math.IsNaN(alpha) {
		return math.NaN(), math.NaN(), math.NaN()
	}
	z := (x / scale) * (x / scale)
	switch {
	case alpha == 2:
		da := 0.0
		if z > 0 {
			da = math.Inf(1) // ρ - z/2 behaves as ε log ε in ε = |α - 2|.
		}
		return z / 2, 0.5, da
	case math.IsInf(alpha, -1):
		return -math.Expm1(-z / 2), 0.5 * math.Exp(-z/2), 0
	case math.IsInf(alpha, 1):
		return math.Expm1(z / 2), 0.5 * math.Exp(z/2), 0
	}
	b := math.Abs(alpha - 2)
	s := 1.0
	if alpha < 2 {
		s = -1
	}
	u := math.Log1p(z / b)
	y := alpha * u / 2
	rho = b * u / 2 * phiFloat(y)
	dz = 0.5 * math.Exp(y-u)
	dalpha = s*u/2*phiFloat(y) + b*u*u/4*kFloat(y) - s*math.Exp(y)*z/(2*(b+z))
	return rho, dz, dalpha
}

// robustGraph returns ρ(d, a, c) element-wise (d, a, c of the same shape and float dtype) with its gradients with
// respect to d, a and c written by hand (see the formulas at the top of this file), so that they are exact at and
// near α = 0, 2 and ±∞.
func robustGraph(d, a, c *Node) *Node {
	g, dt := d.Graph(), d.DType()
	ds, as, cs := StopGradient(d), StopGradient(a), StopGradient(c)
	scalar := func(v float64) *Node { return Scalar(g, dt, v) }
	full := func(v float64) *Node { return BroadcastToShape(scalar(v), d.Shape()) }
	r := Div(ds, cs)
	z := Mul(r, r)

	isTwo := Equal(as, scalar(2))
	isNegInf := Equal(as, scalar(math.Inf(-1)))
	isPosInf := Equal(as, scalar(math.Inf(1)))
	special := LogicalOr(isTwo, LogicalOr(isNegInf, isPosInf))
	alpha := Where(special, full(1), as) // a safe α in the generic branch: no NaN leaks from unselected lanes

	diff := Sub(alpha, scalar(2))
	b := Abs(diff)
	s := Sign(diff)
	u := Log1p(Div(z, b))
	y := MulScalar(Mul(alpha, u), 0.5)
	phi := phiGraph(y)
	halfU := MulScalar(u, 0.5)
	rho := Mul(Mul(b, halfU), phi)
	dz := MulScalar(Exp(Sub(y, u)), 0.5)
	da := Add(Mul(s, Mul(halfU, phi)), Mul(MulScalar(Mul(b, Mul(u, u)), 0.25), kGraph(y)))
	da = Sub(da, Div(Mul(Mul(s, Exp(y)), z), MulScalar(Add(b, z), 2)))

	halfZ := MulScalar(z, 0.5)
	zeros := ZerosLike(z)
	// α = 2: L2; α = -∞: Welsch; α = +∞: exp(z/2) - 1.
	rho = Where(isTwo, halfZ, Where(isNegInf, Neg(Expm1(Neg(halfZ))), Where(isPosInf, Expm1(halfZ), rho)))
	dz = Where(isTwo, full(0.5), Where(isNegInf, MulScalar(Exp(Neg(halfZ)), 0.5),
		Where(isPosInf, MulScalar(Exp(halfZ), 0.5), dz)))
	da = Where(isTwo, Where(GreaterThan(z, zeros), full(math.Inf(1)), zeros),
		Where(LogicalOr(isNegInf, isPosInf), zeros, da))

	// c <= 0 (or NaN) gives NaN everywhere.
	bad := LogicalNot(GreaterThan(cs, zeros))
	nan := full(math.NaN())
	rho = Where(bad, nan, rho)
	// ∂z/∂d = 2d/c², ∂z/∂c = -2z/c.
	dd := Where(bad, nan, Mul(dz, MulScalar(Div(ds, Mul(cs, cs)), 2)))
	dc := Where(bad, nan, Neg(Mul(dz, MulScalar(Div(z, cs), 2))))
	da = Where(bad, nan, da)
	// withGradients adds a - StopGradient(a), which is NaN for α = ±∞: route α's gradient through a finite copy
	// (the gradient of an infinite α is 0 anyway).
	aFinite := Where(Equal(Abs(as), scalar(math.Inf(1))), ZerosLike(a), a)
	return withGradients(rho,
		gradientOf{d, func(v *Node) *Node { return Mul(v, dd) }},
		gradientOf{aFinite, func(v *Node) *Node { return Mul(v, da) }},
		gradientOf{c, func(v *Node) *Node { return Mul(v, dc) }})
}

// phiGraph is φ(y) = expm1(y)/y element-wise (see phiFloat).
func phiGraph(y *Node) *Node {
	g, dt := y.Graph(), y.DType()
	small := LessThan(Abs(y), Scalar(g, dt, phiSeriesBelow))
	series := AddScalar(Mul(y, AddScalar(Mul(y, AddScalar(MulScalar(y, 1.0/24), 1.0/6)), 0.5)), 1)
	ySafe := Where(small, OnesLike(y), y)
	return Where(small, series, Div(Expm1(ySafe), ySafe))
}

// kGraph is k(y) = (y e^y - expm1(y))/y² element-wise (see kFloat).
func kGraph(y *Node) *Node {
	g, dt := y.Graph(), y.DType()
	small := LessThan(Abs(y), Scalar(g, dt, kSeriesBelow))
	series := ZerosLike(y)
	for i := len(kCoefficients) - 1; i >= 0; i-- {
		series = AddScalar(Mul(series, y), kCoefficients[i])
	}
	ySafe := Where(small, OnesLike(y), y)
	y2 := Mul(ySafe, ySafe)
	negative := Div(Sub(Mul(ySafe, Exp(ySafe)), Expm1(ySafe)), y2)
	// For y > 0: e^y (y - 1 + e^{-y}) / y², with y clamped so that e^{-y} of the unselected lanes stays finite.
	yPos := Max(ySafe, ScalarZero(g, dt))
	positive := Div(Mul(Exp(yPos), Add(AddScalar(yPos, -1), Exp(Neg(yPos)))), Mul(yPos, yPos))
	positive = Where(GreaterThan(ySafe, ScalarZero(g, dt)), positive, negative)
	return Where(small, series, positive)
}

// robustParams checks and broadcasts alpha and scale to input's shape and dtype (NumPy's rules, aligned on the
// right: a scalar, one value per last-axis element, or input's shape).
func robustParams(fn string, input, alpha, scale *Node) (a, c *Node) {
	checkFloat(fn, "alpha", alpha)
	checkFloat(fn, "scale", scale)
	return broadcastRight(fn, "alpha", alpha, input), broadcastRight(fn, "scale", scale, input)
}

// GeneralRobust is Barron's general robust loss ρ(x - y, α, c) of a prediction x and a target y, one loss for
// every real shape parameter α: L2, pseudo-Huber/Charbonnier, Cauchy, Geman-McClure and Welsch are special
// cases, and α in between interpolates them.
//
// Shapes: input and target any shape, the same; alpha and scale float, broadcast to input's shape (aligned on the
// right: a scalar, one value per element of the last axis, or input's shape). The result is a scalar, or with
// ReductionNone input's shape.
//
//	\rho(d, \alpha, c) = \frac{|\alpha - 2|}{\alpha} \left( \left( \frac{(d/c)^2}{|\alpha - 2|} + 1
//	                     \right)^{\alpha/2} - 1 \right), \qquad d = x - y
//
// Special cases, computed exactly (not by nudging α): α = 2 gives ½(d/c)² (L2), α = 1 sqrt((d/c)² + 1) - 1
// (pseudo-Huber), α = 0 log(½(d/c)² + 1) (Cauchy/Lorentzian), α = -2 2(d/c)²/((d/c)² + 4) (Geman-McClure),
// α = -∞ 1 - exp(-½(d/c)²) (Welsch), α = +∞ exp(½(d/c)²) - 1. The formula is evaluated as
// (b u/2)·expm1(α u/2)/(α u/2) with b = |α - 2| and u = log1p((d/c)²/b), so that it is accurate near 0 and 2.
// Gradients flow to input, target, alpha and scale, written by hand from the same rewriting. ∂ρ/∂α is unbounded
// at α = 2 (ρ - ½(d/c)² behaves as ε log ε in ε = |α - 2|): it is +Inf there where d ≠ 0, which is why the
// adaptive form keeps α inside [0.001, 1.999]. A scale <= 0 gives NaN.
//
// PyTorch: none; Barron's reference is robust_loss_pytorch.general.lossfun(x - y, alpha, scale) (which clamps α
// away from 0 and 2 instead of taking the limits). Registry name: "GeneralRobustLoss", inputs (input, target,
// alpha, scale). Options: WithReduction (default ReductionMean).
//
// References: Barron 2019, "A General and Adaptive Robust Loss Function", CVPR, https://arxiv.org/abs/1701.03077.
//
// Panics if input and target differ in shape, or alpha or scale do not broadcast to it.
func GeneralRobust(input, target, alpha, scale *Node, opts ...Option) *Node {
	const fn = "GeneralRobust"
	o := configure(fn, opts, optReduction)
	y := regressionInputs(fn, input, target)
	a, c := robustParams(fn, input, alpha, scale)
	if isEmpty(input) {
		return emptyLoss(fn, input, input.Shape().Dimensions, o.reduction.or(ReductionMean), false)
	}
	return reduce(fn, robustGraph(Sub(input, y), a, c), o.reduction.or(ReductionMean), reduceSpec{})
}

// AdaptiveRobustNLL is the negative log-likelihood of Barron's adaptive robust loss: the general loss
// normalised into a probability density over the residual, so that α and c can be learned with the model
// without the trivial solution (α → -∞, c → ∞) that minimises ρ alone.
//
// Shapes: as GeneralRobust. alpha must lie in [0, 2] (the density exists for α >= 0; lossbook tabulates
// α <= 2), else the result is NaN.
//
//	-\log p(d \mid \alpha, c) = \rho(d, \alpha, c) + \log c + \log Z(\alpha), \qquad
//	Z(\alpha) = \int_{-\infty}^{\infty} e^{-\rho(x, \alpha, 1)}\, dx
//
// log Z is RobustLogPartitionGraph: a cubic Hermite spline through values and derivatives computed by
// quadrature (RobustLogPartition), differentiable in α. At α = 2 this is the Gaussian NLL with σ = c
// (log Z = ½ log 2π), at α = 0 the Cauchy NLL with γ = c·sqrt(2) (log Z = log(π sqrt 2)).
//
// PyTorch: none; Barron's robust_loss_pytorch.adaptive.AdaptiveLossFunction computes the same value with α and
// c as module parameters (AdaptiveRobust here). Registry name: "AdaptiveRobustLoss", inputs (input, target,
// alpha, scale). Options: WithReduction (default ReductionMean).
//
// References: Barron 2019, "A General and Adaptive Robust Loss Function", CVPR, section 2.
//
// Panics if the shapes do not fit (see GeneralRobust).
func AdaptiveRobustNLL(input, target, alpha, scale *Node, opts ...Option) *Node {
	const fn = "AdaptiveRobustNLL"
	o := configure(fn, opts, optReduction)
	y := regressionInputs(fn, input, target)
	a, c := robustParams(fn, input, alpha, scale)
	if isEmpty(input) {
		return emptyLoss(fn, input, input.Shape().Dimensions, o.reduction.or(ReductionMean), false)
	}
	nll := Add(robustGraph(Sub(input, y), a, c), Add(Log(c), RobustLogPartitionGraph(a)))
	return reduce(fn, nll, o.reduction.or(ReductionMean), reduceSpec{})
}
