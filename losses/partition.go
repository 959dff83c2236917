package losses

import (
	"math"
	"sync"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX's idiom: graph ops read as math.
)

// The partition function of Barron's adaptive loss, Z(α) = ∫ exp(-ρ(x, α, 1)) dx for α in [0, 2].
//
// Z is computed by exp-sinh quadrature (x = exp(π/2 sinh t) on the half line, trapezoid in t), which converges
// doubly exponentially both for the Gaussian tail at α = 2 and for the 1/x² tail at α = 0. log Z has a vertical
// tangent at α = 2 (it behaves as ε log ε in ε = 2 - α, as ρ does), so the table is uniform in
// v = 1 - ((2 - α)/2)^{1/3}, in which it is smooth enough for a cubic Hermite spline through the values and the
// derivatives (both from quadrature) to be accurate to 1e-8 in value and 2e-5 (relative) in slope, worst near
// α = 0 (checked against mpmath's and SciPy's quadratures in the tests). The spline runs in float64 whatever α's dtype.

const (
	partitionKnots = 1024 // intervals of the table in v.
	partitionPower = 3    // α = 2 - 2 (1 - v)^p.
	quadStep       = 1.0 / 64
	quadLimit      = 4.75 // t in [-quadLimit, quadLimit]: x from e^-95 to e^95.
)

// RobustLogPartition returns log Z(α) and its derivative d log Z/dα by quadrature, for α in [0, 2] (NaN outside).
// At α = 2, Z = sqrt(2π) and the derivative is +Inf; at α = 0, Z = π sqrt 2; at α = 1, Z = 2e·K₁(1).
func RobustLogPartition(alpha float64) (logZ, dLogZ float64) {
	if !(alpha >= 0 && alpha <= 2) {
		return math.NaN(), math.NaN()
	}
	var z, dz float64
	for t := -quadLimit; t <= quadLimit+1e-12; t += quadStep {
		sh := math.Pi / 2 * math.Sinh(t)
		x := math.Exp(sh)
		w := math.Pi / 2 * math.Cosh(t) * x
		if x == 0 || w == 0 {
			continue
		}
		rho, _, da := robustFloat(x, alpha, 1)
		f := math.Exp(-rho)
		if f == 0 {
			continue
		}
		z += w * f
		if alpha != 2 {
			dz -= w * f * da
		}
	}
	z *= 2 * quadStep
	dz *= 2 * quadStep
	if alpha == 2 {
		return math.Log(z), math.Inf(1)
	}
	return math.Log(z), dz / z
}

// partitionTable holds log Z and d log Z/dv at the knots v_i = i/partitionKnots.
var partitionTable = sync.OnceValues(func() (values, slopes []float64) {
	values = make([]float64, partitionKnots+1)
	slopes = make([]float64, partitionKnots+1)
	for i := range values {
		v := float64(i) / partitionKnots
		w := 1 - v
		alpha := 2 - 2*math.Pow(w, partitionPower)
		if i == partitionKnots {
			alpha = 2
		}
		logZ, d := RobustLogPartition(alpha)
		values[i] = logZ
		if i < partitionKnots {
			// dα/dv = 2p (1 - v)^{p-1}; at v = 1 it is 0 and the slope in v is 0 (d log Z/dα ~ log ε only).
			slopes[i] = d * 2 * partitionPower * math.Pow(w, partitionPower-1)
		}
	}
	return values, slopes
})

// RobustLogPartitionGraph is log Z(α) of Barron's adaptive loss, element-wise, for α in [0, 2] (NaN outside):
// a cubic Hermite spline in v = 1 - ((2 - α)/2)^{1/3} through the values and derivatives of RobustLogPartition
// at 1025 knots, so that it has a gradient with respect to α (unbounded at α = 2, as the exact one).
//
// Shapes: alpha any shape, float; the result has its shape.
func RobustLogPartitionGraph(alpha *Node) *Node {
	checkFloat("RobustLogPartition", "alpha", alpha)
	if alpha.Rank() != 1 { // gather from a flat vector of indices
		return Reshape(RobustLogPartitionGraph(Reshape(alpha, alpha.Shape().Size())), alpha.Shape().Dimensions...)
	}
	if alpha.DType() != dtypes.Float64 { // the spline runs in float64: float32 differences of table entries lose 1e-4
		return ConvertDType(RobustLogPartitionGraph(ConvertDType(alpha, dtypes.Float64)), alpha.DType())
	}
	g, dt := alpha.Graph(), alpha.DType()
	values, slopes := partitionTable()
	inRange := LogicalAnd(GreaterOrEqual(alpha, ScalarZero(g, dt)), LessOrEqual(alpha, Scalar(g, dt, 2.0)))
	a := Where(inRange, alpha, OnesLike(alpha))
	w := MulScalar(Sub(Scalar(g, dt, 2.0), a), 0.5)
	// w^{1/3}, with w = 0 (α = 2) kept off Pow's infinite derivative in the unselected lane.
	wPos := GreaterThan(w, ScalarZero(g, dt))
	root := Where(wPos, Pow(Where(wPos, w, OnesLike(w)), Scalar(g, dt, 1.0/partitionPower)), ZerosLike(w))
	pos := MulScalar(OneMinus(root), partitionKnots)
	idx := StopGradient(MinScalar(MaxScalar(Floor(StopGradient(pos)), 0), partitionKnots-1))
	t := Sub(pos, idx)
	i0 := ExpandAxes(ConvertDType(idx, indexDType(partitionKnots+1)), -1)
	i1 := AddScalar(i0, 1)
	table := func(xs []float64) *Node { return ConstAsDType(g, dt, xs) }
	vt, st := table(values), table(slopes)
	y0, y1 := Gather(vt, i0), Gather(vt, i1)
	h := 1.0 / partitionKnots
	m0, m1 := MulScalar(Gather(st, i0), h), MulScalar(Gather(st, i1), h)
	t2 := Mul(t, t)
	t3 := Mul(t2, t)
	h00 := AddScalar(Sub(MulScalar(t3, 2), MulScalar(t2, 3)), 1)
	h10 := Add(Sub(t3, MulScalar(t2, 2)), t)
	h01 := Sub(MulScalar(t2, 3), MulScalar(t3, 2))
	h11 := Sub(t3, t2)
	out := Add(Add(Mul(h00, y0), Mul(h10, m0)), Add(Mul(h01, y1), Mul(h11, m1)))
	return Where(inRange, out, BroadcastToShape(nanLike(alpha), alpha.Shape()))
}
