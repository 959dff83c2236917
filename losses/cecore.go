package losses

// This file is the cross-entropy core: the only place where the log-softmax of class-index losses is computed
// and differentiated. CrossEntropy, SoftmaxFocal, Poly1CrossEntropy, MLM and NSP all call sparseLogSoftmax and
// combine its per-row results with cheap [M]-sized ops (whose gradients GoMLX's autodiff handles).
//
// Why a hand-written gradient: on GoMLX's pure-Go backend every op is a separate pass over memory, and autodiff
// of the textbook form (one-hot labels times log-softmax) makes many passes over the [M, C] logits, plus a one-hot
// tensor. Here the forward pass gathers the target log-probability (no one-hot), and the gradient is written by
// hand as "softmax minus target, scaled", reusing the forward's exp(x - max):
//
//	∂/∂x_c = g1·(δ_{c,y} - p_c) + g2·(u_c - U·p_c),   U = Σ_c u_c,
//
// where g1 and g2 are the adjoints arriving at atTarget and weightedSum. The gradient is attached through GoMLX's
// IdentityWithCustomGradient: the values are computed from the identity's output and then cut from autodiff with
// StopGradient at their [M] size; a "carrier" slice of the identity's output (one or two columns), added as
// c - StopGradient(c), which is exactly 0, routes the adjoints g1 and g2 into the custom gradient function. The
// custom and the plain autodiff versions are tested equal to 1e-12 in float64 (TestSparseLogSoftmaxCustomGradient).
//
// Where the time goes (BenchmarkCrossEntropy, logits [1024, 32000] float32, forward and backward, GoMLX v0.26's
// pure-Go backend on 2 shared cores; CPU profile per run): Exp ~0.6 s (math.Exp per element, half of the total),
// ReduceMax ~0.2 s and ReduceSum ~0.15 s (the generic reduce iterator), two row broadcasts [M] -> [M, C] ~0.17 s
// each (x - max forward, -scale·softmax backward; BroadcastInDim then a same-shape op measured 1.4x faster than
// an implicit [M, 1] broadcast), and a few plain passes (~0.03 s each: the subtraction, the product, the
// carriers' zero-filled scatter, the identity's copy when the logits are a graph parameter). Each of those
// backend ops runs on one core; split into one row chunk per core (rowChunks), they run side by side, 1.3-1.5x
// faster on 2 cores (the copies into chunks cost one more pass). The remaining speed-ups are in the backend's
// kernels, not in this graph.

import (
	"runtime"

	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX's idiom: graph ops read as math.
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// logSoftmaxCore is the signature of sparseLogSoftmax and of its plain-autodiff twin used by tests.
//
// Given logits x [M, C] (float), labels [M] (integer, every value in [0, C)) and class weights u ([C], or nil for
// all ones), it returns, for each row m:
//
//	atTarget[m]    = log softmax(x[m])[labels[m]]
//	weightedSum[m] = Σ_c u[c]·log softmax(x[m])[c]      (nil unless wantSum)
type logSoftmaxCore func(x, labels, u *Node, wantSum bool) (atTarget, weightedSum *Node)

// sparseLogSoftmax is the production logSoftmaxCore, with the hand-written gradient, in row chunks that run side
// by side on the pure-Go backend (see rowChunks).
func sparseLogSoftmax(x, labels, u *Node, wantSum bool) (atTarget, weightedSum *Node) {
	return logSoftmaxAtTarget(x, labels, u, wantSum, true, rowChunks(x))
}

// sparseLogSoftmaxAutodiff is the same computation differentiated by GoMLX's autodiff: the reference that the
// hand-written gradient is tested against.
func sparseLogSoftmaxAutodiff(x, labels, u *Node, wantSum bool) (atTarget, weightedSum *Node) {
	return logSoftmaxAtTarget(x, labels, u, wantSum, false, 1)
}

// rowChunks is the number of row chunks that sparseLogSoftmax splits logits x [M, C] into. GoMLX's pure-Go
// backend runs each op on one core, but runs independent ops side by side: the [M, C] passes of the core (max,
// x - max, exp, sum, and the gradient's product) done per chunk use every core. So, for the pure-Go backend and
// x of at least minChunkedSize values: one chunk per core (GOMAXPROCS, at most maxRowChunks, at most M); else 1.
// (Logits [1024, 32000] float32 on 2 shared cores: 1.3-1.5x faster forward and backward with 2 chunks, by
// `lossbook bench -workloads ce` against the same build with 1 chunk.)
func rowChunks(x *Node) int {
	m, c := x.Shape().Dimensions[0], x.Shape().Dimensions[1]
	if _, pureGo := x.Graph().Backend().(*simplego.Backend); !pureGo || m*c < minChunkedSize {
		return 1
	}
	return max(1, min(m, runtime.GOMAXPROCS(0), maxRowChunks))
}

const (
	minChunkedSize = 1 << 20 // below, the copies into chunks cost more than the parallelism saves
	maxRowChunks   = 8
)

// rowsForward holds the forward pass over some rows of the logits.
type rowsForward struct {
	expShifted, sumExp    *Node // exp(x - max) [r, C] and its row sums [r]
	atTarget, weightedSum *Node // [r]; weightedSum is nil unless wanted
	targetIdx             *Node // (row, label) indices [r, 2]
}

// forwardRows computes the log-softmax at the targets (and the u-weighted sum) of the rows x [r, C], labels [r].
func forwardRows(x, labels, u *Node, wantSum bool) rowsForward {
	c := x.Shape().Dimensions[1]
	var f rowsForward
	f.targetIdx = rowColumnIndices(labels)
	shifted := Sub(x, StopGradient(rowBroadcast(ReduceMax(x, -1), c))) // x - max, [r, C]
	f.expShifted = Exp(shifted)
	f.sumExp = ReduceSum(f.expShifted, -1) // [r]
	logSumExp := Log(f.sumExp)
	f.atTarget = Sub(Gather(shifted, f.targetIdx), logSumExp)
	if wantSum {
		var total, sumU *Node
		if u == nil {
			total = ReduceSum(shifted, -1)
			sumU = Scalar(x.Graph(), x.DType(), float64(c))
		} else {
			total = Dot(shifted, u)
			sumU = ReduceAllSum(u)
		}
		f.weightedSum = Sub(total, Mul(sumU, logSumExp))
	}
	return f
}

// gradientRows is the hand-written gradient for the rows of f, given the adjoints g1 (of atTarget) and g2 (of
// weightedSum, nil unless wanted), both [r].
func gradientRows(f rowsForward, u, g1, g2 *Node) *Node {
	c := f.expShifted.Shape().Dimensions[1]
	scale := g1 // Σ of the coefficients of p_c: g1 + U·g2.
	if g2 != nil {
		if u == nil {
			scale = Add(scale, MulScalar(g2, float64(c)))
		} else {
			scale = Add(scale, Mul(g2, ReduceAllSum(u)))
		}
	}
	grad := Mul(f.expShifted, rowBroadcast(Neg(Div(scale, f.sumExp)), c)) // -scale·softmax
	if g2 != nil {
		r := g2.Shape().Dimensions[0]
		if u == nil {
			grad = Add(grad, rowBroadcast(g2, c))
		} else {
			grad = Add(grad, Mul(rowBroadcast(g2, c), BroadcastToDims(Reshape(u, 1, c), r, c)))
		}
	}
	// + g1 at the target: a scatter of r values, no one-hot tensor.
	return ScatterSum(grad, f.targetIdx, g1, true, true) // row-major: sorted and unique.
}

// logSoftmaxAtTarget implements the cores; chunks > 1 (hand-written gradient only) splits the rows into that
// many independent chunks.
func logSoftmaxAtTarget(x, labels, u *Node, wantSum, customGradient bool, chunks int) (atTarget, weightedSum *Node) {
	m, c := x.Shape().Dimensions[0], x.Shape().Dimensions[1]
	if c == 1 {
		// log softmax of a single class is exactly 0, and so is its gradient.
		customGradient = false
	}
	if !customGradient {
		f := forwardRows(x, labels, u, wantSum)
		return f.atTarget, f.weightedSum
	}

	k := 1
	if wantSum {
		k = 2
	}
	bounds := chunkBounds(m, chunks)
	parts := make([]rowsForward, len(bounds)) // the forward-pass nodes that the custom gradient reuses
	carrierIdx := carrierIndices(x.Graph(), m, c, k)
	xi := IdentityWithCustomGradient(x, func(_, v *Node) *Node {
		// v is zero except at the carriers (the first k columns), where it holds the adjoints g1 (and g2).
		g := Reshape(Gather(v, carrierIdx), m, k)
		g1 := Reshape(Slice(g, AxisRange(), AxisElem(0)), m)
		var g2 *Node
		if wantSum {
			g2 = Reshape(Slice(g, AxisRange(), AxisElem(1)), m)
		}
		if len(parts) == 1 {
			return gradientRows(parts[0], u, g1, g2)
		}
		grads := make([]*Node, len(parts))
		for i, b := range bounds {
			var g2b *Node
			if g2 != nil {
				g2b = Slice(g2, AxisRange(b[0], b[1]))
			}
			grads[i] = gradientRows(parts[i], u, Slice(g1, AxisRange(b[0], b[1])), g2b)
		}
		return Concatenate(grads, 0)
	})

	if len(bounds) == 1 {
		parts[0] = forwardRows(xi, labels, u, wantSum)
		atTarget, weightedSum = parts[0].atTarget, parts[0].weightedSum
	} else {
		// Slices of xi: the values are cut from autodiff below, so Slice's gradient (Pad, which the pure-Go
		// backend lacks) is never built.
		var ats, sums []*Node
		for i, b := range bounds {
			parts[i] = forwardRows(Slice(xi, AxisRange(b[0], b[1])), Slice(labels, AxisRange(b[0], b[1])), u, wantSum)
			ats = append(ats, parts[i].atTarget)
			sums = append(sums, parts[i].weightedSum)
		}
		atTarget = Concatenate(ats, 0)
		if wantSum {
			weightedSum = Concatenate(sums, 0)
		}
	}

	// Carriers: the first k columns of xi, gathered (GoMLX's pure-Go backend has no Pad, so Slice has no
	// gradient there) and added as c - StopGradient(c), which is exactly 0, so that the adjoints of the results
	// arrive, unchanged, in the custom gradient's v.
	carriers := Reshape(Gather(xi, carrierIdx), m, k)
	zeros := Sub(carriers, StopGradient(carriers))
	atTarget = Add(StopGradient(atTarget), column(zeros, 0))
	if wantSum {
		weightedSum = Add(StopGradient(weightedSum), column(zeros, 1))
	}
	return atTarget, weightedSum
}

// chunkBounds splits [0, m) into n ranges [start, end) of sizes differing by at most 1.
func chunkBounds(m, n int) [][2]int {
	n = max(1, min(n, m))
	bounds := make([][2]int, n)
	for i := range n {
		bounds[i] = [2]int{i * m / n, (i + 1) * m / n}
	}
	return bounds
}

// carrierIndices returns the (row, column) indices [M·k, 2] of the first k columns of each row of [M, C].
func carrierIndices(g *Graph, m, c, k int) *Node {
	dtype := indexDType(m, c)
	shape := shapes.Make(dtype, m, k, 1)
	idx := Concatenate([]*Node{Iota(g, shape, 0), Iota(g, shape, 1)}, -1)
	return Reshape(idx, m*k, 2)
}

// rowBroadcast broadcasts a per-row vector [M] to [M, C]. (An explicit BroadcastInDim followed by a same-shape
// op measured 1.4x faster on the pure-Go backend than a binary op with implicit [M, 1] broadcasting.)
func rowBroadcast(v *Node, c int) *Node {
	m := v.Shape().Dimensions[0]
	return BroadcastToDims(Reshape(v, m, 1), m, c)
}

// column returns x[:, j] of a [M, k] tensor as [M] through ops that have gradients on every backend (a masked
// sum: exact, since the other terms are multiplied by 0).
func column(x *Node, j int) *Node {
	k := x.Shape().Dimensions[1]
	if k == 1 {
		return Reshape(x, x.Shape().Dimensions[0])
	}
	mask := make([]float64, k)
	mask[j] = 1
	return ReduceSum(Mul(x, Reshape(ConstAsDType(x.Graph(), x.DType(), mask), 1, k)), -1)
}

// rowColumnIndices returns the indices [M, 2] of (row m, column labels[m]), for Gather and ScatterSum on [M, C]
// tensors (2-D indices: no reshape, which copies on the pure-Go backend).
func rowColumnIndices(labels *Node) *Node {
	m := labels.Shape().Dimensions[0]
	dtype := indexDType(m)
	rows := Iota(labels.Graph(), shapes.Make(dtype, m, 1), 0)
	return Concatenate([]*Node{rows, Reshape(ConvertDType(labels, dtype), m, 1)}, -1)
}

// indexDType is the integer dtype for indices along axes of the given dimensions.
func indexDType(dims ...int) dtypes.DType {
	for _, d := range dims {
		if int64(d) >= 1<<31 {
			return dtypes.Int64
		}
	}
	return dtypes.Int32
}

// gatherRows returns x[m, labels[m]] for x [M, C] and labels [M] in [0, C); its autodiff gradient is a scatter.
func gatherRows(x, labels *Node) *Node {
	return Gather(x, rowColumnIndices(labels))
}
