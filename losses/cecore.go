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
// IdentityWithCustomGradient: the values are computed from the identity's output and cut from autodiff with
// StopGradient at their [M] size, except the gather of the target logits x[y], through which g1 reaches the custom
// gradient function; g2 reaches it through a second identity on the clamped x[y] (see logSoftmaxAtTarget). No
// value is of the form c - StopGradient(c) on a logit, which is NaN for a logit of -Inf (issue 22 item 5). The
// custom and the plain autodiff versions are tested equal to 1e-12 in float64 (TestSparseLogSoftmaxCustomGradient);
// -Inf logits are tested against PyTorch (testdata/golden.json, "-inf" cases) and TestNegInfLogits.
//
// Where the time goes (logits [1024, 32000] float32, forward and backward, GoMLX v0.26's pure-Go backend, 2 cores;
// CPU profile of `lossbook bench -workloads ce`, about 1.0 CPU second per step): Exp ~0.55 s (math.Exp per element:
// half of the total, and the floor of this design), the row maxima ~0.13 s (ArgMax's loop), the copies into row
// chunks ~0.12 s, the identity's copy of the logits (when they are a graph parameter) and the gradient's
// concatenation ~0.06 s, and ~0.03-0.04 s for each plain pass (x - max, the row sums as a matrix-vector product,
// the gradient's product). Each backend op runs on one core, so the core works in row chunks that run side by side
// (rowChunks); long rows get a chunk each, which turns the per-row broadcasts (a per-element index iterator, 5x the
// cost of a subtraction) into the binary ops' scalar fast path. The remaining speed-ups are in the backend's
// kernels (a vectorised, parallel Exp), not in this graph.

import (
	"math"
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
// backend runs each op on one core, but runs independent ops side by side, so the [M, C] passes of the core done
// per chunk use every core. On the pure-Go backend, for x of at least minChunkedSize values:
//
//   - one row per chunk if rows are long (C >= minRowLength) and not too many (M <= maxRowChunks): each row's
//     max, log-sum-exp and gradient scale are then single values, which the backend's binary ops apply in a
//     tight loop (their scalar fast path), where a [r] -> [r, C] broadcast walks a per-element index iterator
//     about 5 times slower than the subtraction itself;
//   - else one chunk per core (GOMAXPROCS, at most maxCoreChunks, at most M).
//
// Otherwise 1. Measured with `lossbook bench -workloads ce -notorch` (logits [1024, 32000] float32, 2 shared
// cores, two runs): per-row chunks take 1.02-1.05 CPU s and 0.55-0.57 s per forward and backward, two chunks
// 1.28-1.32 CPU s and 0.69-0.71 s. Per forward and backward at other sizes (CPU s, two runs, per-row against two
// chunks): [2048, 8000] 0.60-0.64 against 0.68-0.70, [4096, 4000] 0.88 against 0.69-0.77: hence minRowLength.
func rowChunks(x *Node) int {
	m, c := x.Shape().Dimensions[0], x.Shape().Dimensions[1]
	if _, pureGo := x.Graph().Backend().(*simplego.Backend); !pureGo || m*c < minChunkedSize {
		return 1
	}
	if c >= minRowLength && m <= maxRowChunks {
		return m
	}
	return max(1, min(m, runtime.GOMAXPROCS(0), maxCoreChunks))
}

const (
	minChunkedSize = 1 << 20 // below, the copies into chunks cost more than the parallelism saves
	minRowLength   = 6000    // shorter rows: the per-row ops' overhead outweighs the broadcasts they save
	maxRowChunks   = 8192    // more rows: too many graph nodes (about 10 per row)
	maxCoreChunks  = 8
)

// forwardRows computes the log-softmax at the targets (and the u-weighted sum) of the rows x [r, C], labels [r],
// in plain graph ops: the reference that GoMLX's autodiff differentiates (sparseLogSoftmaxAutodiff).
func forwardRows(x, labels, u *Node, wantSum bool) (atTarget, weightedSum *Node) {
	c := x.Shape().Dimensions[1]
	shifted := Sub(x, StopGradient(rowBroadcast(ReduceMax(x, -1), c))) // x - max, [r, C]
	logSumExp := Log(ReduceSum(Exp(shifted), -1))                      // [r]
	atTarget = Sub(Gather(shifted, rowColumnIndices(labels)), logSumExp)
	if wantSum {
		var total, sumU *Node
		if u == nil {
			total = ReduceSum(shifted, -1)
			sumU = Scalar(x.Graph(), x.DType(), float64(c))
		} else {
			total = Dot(shifted, u)
			sumU = ReduceAllSum(u)
		}
		weightedSum = Sub(total, Mul(sumU, logSumExp))
	}
	return atTarget, weightedSum
}

// rowsChunk holds the forward pass over one chunk of rows [r, C] that the hand-written gradient reuses.
type rowsChunk struct {
	start, end int   // the rows [start, end)
	expShifted *Node // exp(x - max) [r, C]
}

// logSoftmaxAtTarget implements the cores; chunks > 1 (hand-written gradient only) splits the rows into that
// many independent chunks.
//
// Logits of -Inf (classes masked out) are safe in optax's safe_softmax_cross_entropy sense: a row with at least
// one finite logit gives finite values where its target's logit is finite, atTarget = -Inf where the target's
// logit is -Inf, and weightedSum = -Inf where a class of nonzero weight has logit -Inf (0·(-Inf) = NaN for a
// class of weight 0, as PyTorch); the gradient stays finite. A row whose logits are all -Inf gives -Inf for both,
// with a zero gradient. NaN and +Inf logits give NaN, as PyTorch.
//
// How the adjoints reach the hand-written gradient without a value of the form c - c (NaN where c is infinite):
// atTarget is x[y] - (max + logSumExp) with the gather of x[y] left to autodiff, so the adjoint g1 arrives in
// the custom gradient's v at the targets (and nowhere else: every other use of x is cut from autodiff); the
// adjoint g2 of weightedSum arrives through a second custom identity on max(x[y], lowest finite value), added as
// c - StopGradient(c) (finite), whose gradient function keeps g2 for the first one and passes on zeros (an
// [M]-sized add into x[y]'s adjoint), so that the first one runs in every Gradient call where the second does.
// GoMLX's reverse pass visits a node only after every node built from it, so the second identity's function runs
// before the first's.
func logSoftmaxAtTarget(x, labels, u *Node, wantSum, customGradient bool, chunks int) (atTarget, weightedSum *Node) {
	m, c := x.Shape().Dimensions[0], x.Shape().Dimensions[1]
	if c == 1 {
		return singleClass(x, u, wantSum)
	}
	if !customGradient {
		return forwardRows(x, labels, u, wantSum)
	}
	g := x.Graph()
	bounds := chunkBounds(m, chunks)
	parts := make([]rowsChunk, len(bounds)) // the forward-pass nodes that the custom gradient reuses
	var sumExp *Node                        // [M]
	var g2 *Node                            // the adjoint of weightedSum, handed on by the carrier's gradient
	targetIdx := rowColumnIndices(labels)   // [M, 2]
	xi := IdentityWithCustomGradient(x, func(_, v *Node) *Node {
		// v is zero except at the targets, where it holds the adjoint g1 of atTarget.
		g1 := Gather(v, targetIdx)
		g2Here := g2
		g2 = nil // (a later Gradient call of the same graph gets its own)
		// Rows whose logits are all -Inf have sumExp 0 and g1 = g2 = 0 (cut below); elsewhere sumExp >= 1.
		return gradient(parts, MaxScalar(sumExp, 1), targetIdx, u, g1, g2Here)
	})

	// Forward, per chunk: the row maxima, x - max, its exp and their row sums (and the u-weighted sums of x - max).
	ones := Ones(g, shapes.Make(x.DType(), c))
	lowest := ConstAsDType(g, x.DType(), lowestFinite(x.DType())) // a row of -Inf: x - max stays -Inf, exp 0.
	var maxes, safeMaxes, sums, totals []*Node
	rowIotas := map[int]*Node{} // the row indices [r, 1] of a chunk of r rows, shared by the chunks of that size
	for i, b := range bounds {
		xc := xi
		if len(bounds) > 1 {
			// The values are cut from autodiff below, so Slice's gradient (Pad, which the pure-Go backend lacks)
			// is never built.
			xc = Slice(xi, AxisRange(b[0], b[1]))
		}
		r := b[1] - b[0]
		if rowIotas[r] == nil {
			rowIotas[r] = Iota(g, shapes.Make(indexDType(r), r, 1), 0)
		}
		mx := rowMax(xc, rowIotas[r]) // [r]
		safeMx := Max(mx, lowest)
		var shifted *Node
		if b[1]-b[0] == 1 {
			// One row: its maximum is a scalar, subtracted in the binary op's scalar fast path.
			shifted = Sub(xc, Reshape(safeMx))
		} else {
			shifted = Sub(xc, rowBroadcast(safeMx, c))
		}
		// (The subtraction is xc's last use: the backend subtracts in place.)
		parts[i] = rowsChunk{start: b[0], end: b[1], expShifted: Exp(shifted)}
		maxes = append(maxes, mx)
		safeMaxes = append(safeMaxes, safeMx)
		sums = append(sums, Dot(parts[i].expShifted, ones))
		if wantSum {
			if u == nil {
				totals = append(totals, Dot(shifted, ones))
			} else {
				totals = append(totals, Dot(shifted, u))
			}
		}
	}
	sumExp = concatenate(sums)
	logSumExp := StopGradient(Log(sumExp))
	allNegInf := Equal(concatenate(maxes), Infinity(g, x.DType(), -1)) // [M]
	negInf := BroadcastToDims(Infinity(g, x.DType(), -1), m)
	// x[y] - max - logSumExp, as the textbook form's (x - max)[y] - logSumExp; only the gather is differentiated.
	xy := Gather(xi, targetIdx)
	atTarget = Sub(Sub(xy, StopGradient(concatenate(safeMaxes))), logSumExp)
	atTarget = Where(allNegInf, negInf, atTarget)
	if wantSum {
		sumU := Scalar(g, x.DType(), float64(c))
		if u != nil {
			sumU = ReduceAllSum(u)
		}
		carrier := IdentityWithCustomGradient(Max(xy, lowest), func(_, v *Node) *Node {
			g2 = v
			return ZerosLike(v) // the adjoint goes on through xi's gradient function, not through x[y]
		})
		value := StopGradient(Sub(concatenate(totals), Mul(sumU, logSumExp)))
		weightedSum = Add(value, Sub(carrier, StopGradient(carrier))) // + 0: the carrier is finite
		weightedSum = Where(allNegInf, negInf, weightedSum)
	}
	return atTarget, weightedSum
}

// singleClass is the core for logits [M, 1]: the log-softmax of a single class is 0 (-Inf for a logit of -Inf,
// NaN for NaN or +Inf), and its gradient is 0.
func singleClass(x, u *Node, wantSum bool) (atTarget, weightedSum *Node) {
	m := x.Shape().Dimensions[0]
	x = Reshape(StopGradient(x), m)
	atTarget = Where(Equal(x, Infinity(x.Graph(), x.DType(), -1)), x, Sub(x, x))
	if wantSum {
		weightedSum = atTarget
		if u != nil {
			weightedSum = Mul(atTarget, Reshape(u))
		}
	}
	return atTarget, weightedSum
}

// gradient is the hand-written gradient of the chunked forward pass with respect to the logits [M, C], given the
// adjoints g1 (of atTarget) and g2 (of weightedSum, nil unless wanted), both [M]:
//
//	∂/∂x_c = g1·(δ_{c,y} - p_c) + g2·(u_c - U·p_c) = -(g1 + U·g2)/Σexp · exp(x_c - max) + g2·u_c + g1·δ_{c,y}
func gradient(parts []rowsChunk, sumExp, targetIdx, u, g1, g2 *Node) *Node {
	c := parts[0].expShifted.Shape().Dimensions[1]
	scale := g1 // Σ of the coefficients of p_c: g1 + U·g2.
	if g2 != nil {
		if u == nil {
			scale = Add(scale, MulScalar(g2, float64(c)))
		} else {
			scale = Add(scale, Mul(g2, ReduceAllSum(u)))
		}
	}
	m := g1.Shape().Dimensions[0]
	coef := Reshape(Neg(Div(scale, sumExp)), m, 1) // [M, 1]
	if g2 != nil {
		g2 = Reshape(g2, m, 1)
	}
	// rows returns the rows of p of v [M, 1], broadcast to [r, C] unless r is 1 (then the binary ops' scalar fast
	// path applies).
	rows := func(v *Node, p rowsChunk) *Node {
		if len(parts) > 1 {
			v = Slice(v, AxisRange(p.start, p.end))
		}
		if r := p.end - p.start; r > 1 {
			v = BroadcastToDims(v, r, c)
		}
		return v
	}
	grads := make([]*Node, len(parts))
	for i, p := range parts {
		grad := Mul(p.expShifted, rows(coef, p)) // -scale·softmax; the last use of expShifted
		if g2 != nil {
			g2p := rows(g2, p)
			if u == nil {
				grad = Add(grad, g2p)
			} else {
				grad = Add(grad, Mul(g2p, BroadcastToDims(Reshape(u, 1, c), p.end-p.start, c)))
			}
		}
		grads[i] = grad
	}
	// + g1 at the target: a scatter of M values, no one-hot tensor.
	return ScatterSum(concatenate(grads), targetIdx, g1, true, true) // row-major: sorted and unique.
}

// concatenate joins xs along axis 0 (a single one is returned as is).
func concatenate(xs []*Node) *Node {
	if len(xs) == 1 {
		return xs[0]
	}
	return Concatenate(xs, 0)
}

// rowMax returns the maximum of each row of x [r, C] as [r]: the value at ArgMax, whose loop the pure-Go backend
// runs faster than ReduceMax's per-element index iterator (logits [1024, 32000], one chunk per row: 0.95-1.10
// CPU s per forward and backward against 1.09-1.14 with ReduceMax). A NaN anywhere in a row makes its maximum
// NaN, as ReduceMax does. rows is Iota [r, 1] of an index dtype (shared between chunks: one node less per chunk).
func rowMax(x, rows *Node) *Node {
	r := x.Shape().Dimensions[0]
	cols := Reshape(ArgMax(x, -1, rows.DType()), r, 1)
	return Gather(x, Concatenate([]*Node{rows, cols}, -1))
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

// rowBroadcast broadcasts a per-row vector [M] to [M, C]. (An explicit BroadcastInDim followed by a same-shape
// op measured 1.4x faster on the pure-Go backend than a binary op with implicit [M, 1] broadcasting.)
func rowBroadcast(v *Node, c int) *Node {
	m := v.Shape().Dimensions[0]
	return BroadcastToDims(Reshape(v, m, 1), m, c)
}

// rowColumnIndices returns the indices [M, 2] of (row m, column labels[m]), for Gather and ScatterSum on [M, C]
// tensors (2-D indices: no reshape, which copies on the pure-Go backend).
func rowColumnIndices(labels *Node) *Node {
	m := labels.Shape().Dimensions[0]
	dtype := indexDType(m)
	rows := Iota(labels.Graph(), shapes.Make(dtype, m, 1), 0)
	return Concatenate([]*Node{rows, Reshape(ConvertDType(labels, dtype), m, 1)}, -1)
}

// lowestFinite is the most negative finite value of a float dtype.
func lowestFinite(dtype dtypes.DType) float64 {
	switch dtype {
	case dtypes.Float64:
		return -math.MaxFloat64
	case dtypes.Float16:
		return -65504
	case dtypes.BFloat16:
		return -3.3895313892515355e38
	}
	return -math.MaxFloat32
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
