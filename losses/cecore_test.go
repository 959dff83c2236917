package losses

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX's idiom.
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// exact64 is the tolerance between the hand-written cross-entropy gradient and GoMLX's autodiff of the same
// forward pass, in float64: the two compute the same sums in different orders.
const exact64 = 1e-12

// randomTensor returns a float64 tensor of normal values times scale.
func randomTensor(rng *rand.Rand, scale float64, dims ...int) *tensors.Tensor {
	n := 1
	for _, d := range dims {
		n *= d
	}
	data := make([]float64, n)
	for i := range data {
		data[i] = rng.NormFloat64() * scale
	}
	return tensors.FromFlatDataAndDimensions(data, dims...)
}

// randomLabels returns int64 labels in [0, c), with about a fraction `ignored` set to -100.
func randomLabels(rng *rand.Rand, c int, ignored float64, dims ...int) *tensors.Tensor {
	n := 1
	for _, d := range dims {
		n *= d
	}
	data := make([]int64, n)
	for i := range data {
		data[i] = int64(rng.IntN(c))
		if rng.Float64() < ignored {
			data[i] = DefaultIgnoreIndex
		}
	}
	return tensors.FromFlatDataAndDimensions(data, dims...)
}

// TestSparseLogSoftmaxCustomGradient checks the core's hand-written gradient against GoMLX's autodiff of the
// same forward pass for arbitrary adjoints: any loss built on the core is a function of (atTarget, weightedSum)
// per row, so random coefficients a, b in Σ a·atTarget + b·weightedSum exercise every case.
func TestSparseLogSoftmaxCustomGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct {
		m, c     int
		weighted bool
		wantSum  bool
		scale    float64
	}{
		{1, 2, false, false, 1},
		{7, 5, false, false, 3},
		{7, 5, false, true, 3},
		{7, 5, true, true, 3},
		{16, 300, true, true, 5},
		{16, 300, false, true, 1e3},
		{5, 1, false, true, 1},
	} {
		name := fmt.Sprintf("m=%d,c=%d,weighted=%v,sum=%v,scale=%g", tc.m, tc.c, tc.weighted, tc.wantSum, tc.scale)
		x := randomTensor(rng, tc.scale, tc.m, tc.c)
		labels := randomLabels(rng, tc.c, 0, tc.m)
		a := randomTensor(rng, 1, tc.m)
		b := randomTensor(rng, 1, tc.m)
		u := randomTensor(rng, 1, tc.c)
		results := map[string][]*tensors.Tensor{}
		for coreName, core := range map[string]logSoftmaxCore{"custom": sparseLogSoftmax, "autodiff": sparseLogSoftmaxAutodiff} {
			results[coreName] = MustExecOnceN(backendForTest(t), func(x, labels, a, b, u *Node) []*Node {
				var uw *Node
				if tc.weighted {
					uw = u
				}
				atTarget, weightedSum := core(x, labels, uw, tc.wantSum)
				total := ReduceAllSum(Mul(a, atTarget))
				outs := []*Node{atTarget}
				if tc.wantSum {
					total = Add(total, ReduceAllSum(Mul(b, weightedSum)))
					outs = append(outs, weightedSum)
				}
				return append(outs, Gradient(total, x)[0])
			}, x, labels, a, b, u)
		}
		for i := range results["custom"] {
			ok, msg := closeTo(flat64(results["custom"][i]), flat64(results["autodiff"][i]), exact64, 0)
			if !ok {
				t.Errorf("%s: output %d (the last is the gradient): custom vs autodiff: %s", name, i, msg)
			}
		}
	}
}

// TestCrossEntropyCustomGradient checks whole losses built on the core (weights, ignore_index, label smoothing,
// K-dim inputs, all reductions) with the hand-written gradient against the same losses with autodiff.
func TestCrossEntropyCustomGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	x := randomTensor(rng, 2, 12, 7)
	labels := randomLabels(rng, 7, 0.25, 12)
	xk := randomTensor(rng, 2, 3, 7, 4, 2)
	labelsK := randomLabels(rng, 7, 0.25, 3, 4, 2)
	weights := randomTensor(rng, 0.3, 7)
	for _, tc := range []struct {
		name   string
		x, y   *tensors.Tensor
		weight bool
		opts   []Option
	}{
		{"plain", x, labels, false, nil},
		{"weight", x, labels, true, nil},
		{"smoothing", x, labels, false, []Option{WithLabelSmoothing(0.2)}},
		{"weight+smoothing+ignore=3", x, labels, true, []Option{WithLabelSmoothing(0.1), WithIgnoreIndex(3)}},
		{"weight+smoothing/sum", x, labels, true, []Option{WithLabelSmoothing(0.1), WithReduction(ReductionSum)}},
		{"weight+smoothing/none", x, labels, true, []Option{WithLabelSmoothing(0.3), WithReduction(ReductionNone)}},
		{"kdim+weight+smoothing", xk, labelsK, true, []Option{WithLabelSmoothing(0.05)}},
	} {
		var grads [2]*tensors.Tensor
		var values [2]*tensors.Tensor
		for i, core := range []logSoftmaxCore{sparseLogSoftmax, sparseLogSoftmaxAutodiff} {
			res := MustExecOnceN(backendForTest(t), func(x, y, w *Node) []*Node {
				opts := tc.opts
				if tc.weight {
					opts = append(opts, WithWeight(AddScalar(Abs(w), 0.5)))
				}
				o := configure("CrossEntropy", opts, optReduction, optWeight, optIgnoreIndex, optLabelSmoothing)
				loss := crossEntropy("CrossEntropy", x, y, o, core)
				cot := OnesLike(loss)
				if loss.Rank() > 0 {
					cot = Sin(AddScalar(IotaFull(x.Graph(), loss.Shape()), 1)) // a fixed, varied cotangent.
				}
				return []*Node{loss, Gradient(ReduceAllSum(Mul(loss, cot)), x)[0]}
			}, tc.x, tc.y, weights)
			values[i], grads[i] = res[0], res[1]
		}
		if ok, msg := closeTo(flat64(values[0]), flat64(values[1]), exact64, 0); !ok {
			t.Errorf("%s: value: custom vs autodiff: %s", tc.name, msg)
		}
		if ok, msg := closeTo(flat64(grads[0]), flat64(grads[1]), exact64, 0); !ok {
			t.Errorf("%s: gradient: custom vs autodiff: %s", tc.name, msg)
		}
	}
}

// TestCrossEntropyNoOneHot checks that the production graph of CrossEntropy with its gradient holds no
// [M, C]-sized tensor of an integer or boolean dtype (a one-hot) and does not use GoMLX's OneHot path.
func TestCrossEntropyNoOneHot(t *testing.T) {
	g := NewGraph(backendForTest(t), "ce")
	x := Parameter(g, "logits", shapesOf(dtypes.Float32, 64, 1000))
	y := Parameter(g, "labels", shapesOf(dtypes.Int32, 64))
	loss := CrossEntropy(x, y, WithLabelSmoothing(0.1))
	_ = Gradient(loss, x)
	for _, node := range g.Nodes() {
		s := node.Shape()
		if s.Size() >= 64*1000 && !s.DType.IsFloat() {
			t.Errorf("node %s has a [M, C]-sized non-float output %s: a one-hot?", node.Type(), s)
		}
	}
}

// TestSparseLogSoftmaxChunks checks the core split into row chunks (as rowChunks does for large logits on the
// pure-Go backend) against the autodiff reference: values and gradients to exact64, for chunk counts that do
// and do not divide the rows.
func TestSparseLogSoftmaxChunks(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const m, c = 7, 11
	x := randomTensor(rng, 3, m, c)
	labels := randomLabels(rng, c, 0, m)
	a, b, u := randomTensor(rng, 1, m), randomTensor(rng, 1, m), randomTensor(rng, 1, c)
	for _, wantSum := range []bool{false, true} {
		for _, weighted := range []bool{false, true} {
			run := func(customGradient bool, chunks int) []*tensors.Tensor {
				return MustExecOnceN(backendForTest(t), func(x, labels, a, b, u *Node) []*Node {
					var uw *Node
					if weighted {
						uw = u
					}
					atTarget, weightedSum := logSoftmaxAtTarget(x, labels, uw, wantSum, customGradient, chunks)
					total := ReduceAllSum(Mul(a, atTarget))
					outs := []*Node{atTarget}
					if wantSum {
						total = Add(total, ReduceAllSum(Mul(b, weightedSum)))
						outs = append(outs, weightedSum)
					}
					return append(outs, Gradient(total, x)[0])
				}, x, labels, a, b, u)
			}
			want := run(false, 1)
			for _, chunks := range []int{2, 3, 7, 20} {
				got := run(true, chunks)
				for i := range got {
					if ok, msg := closeTo(flat64(got[i]), flat64(want[i]), exact64, 0); !ok {
						t.Errorf("chunks=%d sum=%v weighted=%v: output %d (the last is the gradient): %s", chunks, wantSum,
							weighted, i, msg)
					}
				}
			}
		}
	}
	if got := chunkBounds(7, 3); fmt.Sprint(got) != "[[0 2] [2 4] [4 7]]" {
		t.Errorf("chunkBounds(7, 3) = %v", got)
	}
}

// TestRowChunks checks the chunking policy on the pure-Go backend: small logits stay whole, long rows get a chunk
// each, and other large logits one chunk per core.
func TestRowChunks(t *testing.T) {
	backend := backendForTest(t)
	if _, pureGo := backend.(*simplego.Backend); !pureGo {
		t.Skipf("backend %s: the chunking policy is for the pure-Go backend", backend.Name())
	}
	cores := min(runtime.GOMAXPROCS(0), maxCoreChunks)
	for _, tc := range []struct {
		m, c, want int
	}{
		{64, 1000, 1},                    // below minChunkedSize
		{1024, 32000, 1024},              // long rows
		{4096, 4000, min(4096, cores)},   // rows shorter than minRowLength
		{maxRowChunks + 1, 32000, cores}, // too many rows for one node chain each
		{1 << 20, 2, min(1<<20, cores)},  // many short rows
		{maxRowChunks, minRowLength, maxRowChunks},
	} {
		g := NewGraph(backend, "chunks")
		x := Parameter(g, "x", shapesOf(dtypes.Float32, tc.m, tc.c))
		if got := rowChunks(x); got != tc.want {
			t.Errorf("rowChunks([%d, %d]) = %d, want %d", tc.m, tc.c, got, tc.want)
		}
		g.Finalize()
	}
}

// TestSparseLogSoftmaxSeparateGradients: the gradient of weightedSum alone, and of atTarget alone, in the same
// graph (two Gradient calls, which the custom gradient's hand-over of g2 must keep apart), equal autodiff's.
func TestSparseLogSoftmaxSeparateGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	x := randomTensor(rng, 2, 6, 5)
	labels := randomLabels(rng, 5, 0, 6)
	results := map[string][]*tensors.Tensor{}
	for name, core := range map[string]logSoftmaxCore{"custom": sparseLogSoftmax, "autodiff": sparseLogSoftmaxAutodiff} {
		results[name] = MustExecOnceN(backendForTest(t), func(x, labels *Node) []*Node {
			atTarget, weightedSum := core(x, labels, nil, true)
			gSum := Gradient(ReduceAllSum(weightedSum), x)[0]
			gAt := Gradient(ReduceAllSum(atTarget), x)[0]
			return []*Node{gSum, gAt}
		}, x, labels)
	}
	for i, what := range []string{"gradient of weightedSum alone", "gradient of atTarget alone, after it"} {
		if ok, msg := closeTo(flat64(results["custom"][i]), flat64(results["autodiff"][i]), exact64, 0); !ok {
			t.Errorf("%s: custom vs autodiff: %s", what, msg)
		}
	}
}
