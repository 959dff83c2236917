package losses

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX's idiom.
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// same is the tolerance of properties that hold exactly in real numbers and that lossbook computes through
// different float64 paths (sums in another order).
const same = 1e-13

// run1 executes fn on the inputs and returns its outputs as float64 slices.
func run1(t *testing.T, fn func(in []*Node) []*Node, inputs ...*tensors.Tensor) [][]float64 {
	t.Helper()
	args := make([]any, len(inputs))
	for i, in := range inputs {
		args[i] = in
	}
	out := MustExecOnceN(backendForTest(t), fn, args...)
	res := make([][]float64, len(out))
	for i, o := range out {
		res[i] = flat64(o)
	}
	return res
}

func assertClose(t *testing.T, what string, got, want []float64, tol float64) {
	t.Helper()
	if ok, msg := closeTo(got, want, tol, 1); !ok {
		t.Errorf("%s: %s", what, msg)
	}
}

// TestMaskingEqualsDroppingRows: ignored targets change neither the value nor the other rows' gradients, and
// get a zero gradient: the loss over a batch with ignored rows equals the loss over the batch without them.
func TestMaskingEqualsDroppingRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const n, c = 10, 6
	x := randomTensor(rng, 2, n, c)
	labels := randomLabels(rng, c, 0, n)
	keep := []int{0, 2, 3, 6, 9}
	masked := tensors.MustCopyFlatData[int64](labels)
	for i := range masked {
		if !containsInt(keep, i) {
			masked[i] = DefaultIgnoreIndex
		}
	}
	xs := tensors.MustCopyFlatData[float64](x)
	var keptX []float64
	var keptY []int64
	for _, i := range keep {
		keptX = append(keptX, xs[i*c:(i+1)*c]...)
		keptY = append(keptY, tensors.MustCopyFlatData[int64](labels)[i])
	}
	w := []float64{0.5, 1, 2, 1.5, 0.7, 1.1}
	for name, loss := range map[string]func(x, y *Node) *Node{
		"CrossEntropy": func(x, y *Node) *Node { return CrossEntropy(x, y) },
		"CrossEntropy/weight+smoothing": func(x, y *Node) *Node {
			return CrossEntropy(x, y, WithWeight(Const(x.Graph(), w)), WithLabelSmoothing(0.2))
		},
		"CrossEntropy/sum": func(x, y *Node) *Node { return CrossEntropy(x, y, WithReduction(ReductionSum)) },
		"NLL/weight":       func(x, y *Node) *Node { return NLL(LogSoftmax(x), y, WithWeight(Const(x.Graph(), w))) },
		"SoftmaxFocal/weight": func(x, y *Node) *Node {
			return SoftmaxFocal(x, y, WithWeight(Const(x.Graph(), w)))
		},
		"Poly1CrossEntropy": func(x, y *Node) *Node { return Poly1CrossEntropy(x, y) },
		"MLM": func(x, y *Node) *Node {
			return MLM(Reshape(x, 1, x.Shape().Dimensions[0], c), Reshape(y, 1, y.Shape().Dimensions[0]))
		},
	} {
		fn := func(in []*Node) []*Node {
			l := loss(in[0], in[1])
			return []*Node{l, Gradient(l, in[0])[0]}
		}
		full := run1(t, fn, x, tensors.FromFlatDataAndDimensions(masked, n))
		kept := run1(t, fn, tensors.FromFlatDataAndDimensions(keptX, len(keep), c),
			tensors.FromFlatDataAndDimensions(keptY, len(keep)))
		assertClose(t, name+": value", full[0], kept[0], same)
		var fullGradKept []float64
		for i := range n {
			row := full[1][i*c : (i+1)*c]
			if containsInt(keep, i) {
				fullGradKept = append(fullGradKept, row...)
			} else {
				assertClose(t, name+": gradient of an ignored row", row, make([]float64, c), 0)
			}
		}
		assertClose(t, name+": gradient", fullGradKept, kept[1], same)
	}
}

func containsInt(s []int, x int) bool {
	for _, v := range s {
		if v == x {
			return true
		}
	}
	return false
}

// TestMLMIgnoresUnmaskedPositions: changing the logits at positions whose label is -100 does not move the MLM
// loss (the d2l/transformers bugs were reductions that let them in).
func TestMLMIgnoresUnmaskedPositions(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	const b, s, v = 2, 6, 11
	x := randomTensor(rng, 2, b, s, v)
	labels := randomLabels(rng, v, 0.6, b, s)
	y := tensors.MustCopyFlatData[int64](labels)
	x2 := tensors.MustCopyFlatData[float64](x)
	for i, label := range y {
		if label == DefaultIgnoreIndex {
			for j := range v {
				x2[i*v+j] += 100 * rng.NormFloat64()
			}
		}
	}
	fn := func(in []*Node) []*Node { return []*Node{MLM(in[0], in[1])} }
	a := run1(t, fn, x, labels)
	c := run1(t, fn, tensors.FromFlatDataAndDimensions(x2, b, s, v), labels)
	assertClose(t, "MLM with changed unmasked logits", c[0], a[0], 0)
}

// TestReductionProperties checks identities between losses and options, each holding in real numbers.
func TestReductionProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	const n, c = 8, 5
	x := randomTensor(rng, 2, n, c)
	labels := randomLabels(rng, c, 0.25, n)
	cleanLabels := randomLabels(rng, c, 0, n)
	oneHot := make([]float64, n*c)
	for i, y := range tensors.MustCopyFlatData[int64](cleanLabels) {
		oneHot[i*c+int(y)] = 1
	}
	oneHotT := tensors.FromFlatDataAndDimensions(oneHot, n, c)
	xr, yr := randomTensor(rng, 2, n, c), randomTensor(rng, 2, n, c)
	binary := make([]float64, n*c)
	for i := range binary {
		binary[i] = float64(rng.IntN(2))
	}
	binaryT := tensors.FromFlatDataAndDimensions(binary, n, c)
	w := []float64{0.5, 1, 2, 1.5, 0.7}
	weight := func(g *Graph) *Node { return Const(g, w) }
	for _, tc := range []struct {
		name string
		a, b func(in []*Node) *Node
		in   []*tensors.Tensor
	}{
		{"label_smoothing 0 == plain CE",
			func(in []*Node) *Node { return CrossEntropy(in[0], in[1], WithLabelSmoothing(0)) },
			func(in []*Node) *Node { return CrossEntropy(in[0], in[1]) },
			[]*tensors.Tensor{x, labels}},
		{"one-hot probabilities == class indices",
			func(in []*Node) *Node { return CrossEntropy(in[0], in[2], WithLabelSmoothing(0.1)) },
			func(in []*Node) *Node { return CrossEntropy(in[0], in[1], WithLabelSmoothing(0.1)) },
			[]*tensors.Tensor{x, cleanLabels, oneHotT}},
		{"SoftmaxFocal with gamma 0 == CE (weights, ignore_index)",
			func(in []*Node) *Node {
				return SoftmaxFocal(in[0], in[1], WithGamma(0), WithWeight(weight(in[0].Graph())))
			},
			func(in []*Node) *Node { return CrossEntropy(in[0], in[1], WithWeight(weight(in[0].Graph()))) },
			[]*tensors.Tensor{x, labels}},
		{"SigmoidFocal with gamma 0, alpha < 0 == BCEWithLogits",
			func(in []*Node) *Node { return SigmoidFocal(in[0], in[1], WithGamma(0), WithAlpha(-1)) },
			func(in []*Node) *Node { return BinaryCrossEntropyLogits(in[0], in[1], WithReduction(ReductionNone)) },
			[]*tensors.Tensor{xr, binaryT}},
		{"Poly1 with epsilon 0 == CE",
			func(in []*Node) *Node { return Poly1CrossEntropy(in[0], in[1], WithEpsilon(0)) },
			func(in []*Node) *Node { return CrossEntropy(in[0], in[1]) },
			[]*tensors.Tensor{x, labels}},
		{"CE == NLL(LogSoftmax) with weights and ignore_index",
			func(in []*Node) *Node { return CrossEntropy(in[0], in[1], WithWeight(weight(in[0].Graph()))) },
			func(in []*Node) *Node { return NLL(LogSoftmax(in[0]), in[1], WithWeight(weight(in[0].Graph()))) },
			[]*tensors.Tensor{x, labels}},
		{"BCE(sigmoid) == BCEWithLogits",
			func(in []*Node) *Node { return BinaryCrossEntropy(Sigmoid(in[0]), in[1]) },
			func(in []*Node) *Node { return BinaryCrossEntropyLogits(in[0], in[1]) },
			[]*tensors.Tensor{xr, binaryT}},
		{"Huber(delta) == delta * SmoothL1(beta=delta)",
			func(in []*Node) *Node { return Huber(in[0], in[1], WithDelta(1.7)) },
			func(in []*Node) *Node { return MulScalar(SmoothL1(in[0], in[1], WithBeta(1.7)), 1.7) },
			[]*tensors.Tensor{xr, yr}},
		{"MultiLabelSoftMargin == mean over classes of BCEWithLogits",
			func(in []*Node) *Node { return MultiLabelSoftMargin(in[0], in[1]) },
			func(in []*Node) *Node { return BinaryCrossEntropyLogits(in[0], in[1]) },
			[]*tensors.Tensor{xr, binaryT}},
		{"NSP == 2-class CE",
			func(in []*Node) *Node { return NSP(in[0], in[1]) },
			func(in []*Node) *Node { return CrossEntropy(in[0], in[1]) },
			[]*tensors.Tensor{randomTensor(rng, 2, n, 2), randomLabels(rng, 2, 0, n)}},
		{"KL(p||p) == 0",
			func(in []*Node) *Node {
				return KLDiv(LogSoftmax(in[0]), Softmax(in[0]), WithReduction(ReductionNone))
			},
			func(in []*Node) *Node { return ZerosLike(in[0]) },
			[]*tensors.Tensor{x}},
	} {
		fn := func(f func([]*Node) *Node) func([]*Node) []*Node {
			return func(in []*Node) []*Node {
				v := f(in)
				g := Gradient(ReduceAllSum(Mul(v, Sin(AddScalar(IotaFull(v.Graph(), v.Shape()), 1)))), in[0])[0]
				return []*Node{v, g}
			}
		}
		a := run1(t, fn(tc.a), tc.in...)
		b := run1(t, fn(tc.b), tc.in...)
		assertClose(t, tc.name+": value", a[0], b[0], same)
		if !strings.HasPrefix(tc.name, "KL") {
			assertClose(t, tc.name+": gradient", a[1], b[1], same)
		}
	}
}

// TestExtremeLogitsAreFinite: logits of ±1e4 give finite values and gradients, in float32 and float64.
func TestExtremeLogitsAreFinite(t *testing.T) {
	xs := []float64{1e4, -1e4, 0, -1e4, 1e4, 3, 1e4, 1e4, -1e4, -1e4, -1e4, -1e4}
	labels := []int64{1, 2, 0, 2}
	binary := []float64{0, 1, 1, 1, 0, 0, 1, 0, 1, 0, 0, 1}
	for _, dtype := range []dtypes.DType{dtypes.Float64, dtypes.Float32} {
		x := makeTensor(xs, []int{4, 3}, "float", dtype)
		y := tensors.FromFlatDataAndDimensions(labels, 4)
		yb := makeTensor(binary, []int{4, 3}, "float", dtype)
		for name, loss := range map[string]func(x, y, yb *Node) *Node{
			"CrossEntropy":           func(x, y, _ *Node) *Node { return CrossEntropy(x, y) },
			"CrossEntropy/smoothing": func(x, y, _ *Node) *Node { return CrossEntropy(x, y, WithLabelSmoothing(0.1)) },
			"CrossEntropy/probabilities": func(x, _, yb *Node) *Node {
				return CrossEntropy(x, DivScalar(yb, 2), WithLabelSmoothing(0.1))
			},
			"BCEWithLogits":        func(x, _, yb *Node) *Node { return BinaryCrossEntropyLogits(x, yb) },
			"SoftMargin":           func(x, _, yb *Node) *Node { return SoftMargin(x, AddScalar(MulScalar(yb, 2), -1)) },
			"MultiLabelSoftMargin": func(x, _, yb *Node) *Node { return MultiLabelSoftMargin(x, yb) },
			"SigmoidFocal":         func(x, _, yb *Node) *Node { return SigmoidFocal(x, yb, WithReduction(ReductionMean)) },
			"SoftmaxFocal":         func(x, y, _ *Node) *Node { return SoftmaxFocal(x, y) },
			"Poly1CrossEntropy":    func(x, y, _ *Node) *Node { return Poly1CrossEntropy(x, y) },
			"MLM": func(x, y, _ *Node) *Node {
				return MLM(Reshape(x, 2, 2, 3), Reshape(y, 2, 2))
			},
		} {
			out := run1(t, func(in []*Node) []*Node {
				l := loss(in[0], in[1], in[2])
				return []*Node{l, Gradient(l, in[0])[0]}
			}, x, y, yb)
			for i, o := range out {
				for j, v := range o {
					if math.IsNaN(v) || math.IsInf(v, 0) {
						t.Errorf("%s (%s): output %d element %d is %v", name, dtype, i, j, v)
					}
				}
			}
		}
	}
}

// TestIntegerLabelDTypes: class indices may have any integer dtype.
func TestIntegerLabelDTypes(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 18))
	x := randomTensor(rng, 2, 6, 4)
	labels := []int64{0, 3, -100, 2, 1, -100}
	var want []float64
	for _, dtype := range []dtypes.DType{dtypes.Int64, dtypes.Int32, dtypes.Int16, dtypes.Int8, dtypes.Uint8,
		dtypes.Uint16, dtypes.Uint32, dtypes.Uint64} {
		got := run1(t, func(in []*Node) []*Node {
			y := ConvertDType(Const(in[0].Graph(), labels), dtype)
			if !dtype.IsUnsigned() {
				return []*Node{CrossEntropy(in[0], y, WithReduction(ReductionNone))}
			}
			// Unsigned labels cannot hold -100: ignore 3 instead.
			y = Where(LessThan(Const(in[0].Graph(), labels), ScalarZero(in[0].Graph(), dtypes.Int64)),
				ConvertDType(Scalar(in[0].Graph(), dtypes.Int64, 3), dtype), y)
			return []*Node{CrossEntropy(in[0], y, WithReduction(ReductionNone), WithIgnoreIndex(3))}
		}, x)[0]
		if dtype == dtypes.Int64 {
			want = got
			continue
		}
		if dtype.IsUnsigned() {
			got[1] = want[1] // label 3 is the ignore index here.
		}
		assertClose(t, "CrossEntropy with "+dtype.String()+" labels", got, want, 0)
	}
}

// TestFocalExtremeLogitsAreFinite: logits of ±50 and ±1e4 with their matching labels (1 - p_t exactly 0) and with
// the opposite labels give finite values and finite gradients for γ in {0.5, 1, 2}, for the sigmoid and softmax
// focal losses and Poly-1 (issue 10 item 3: PyTorch's gradient of (1 - p_t)^γ is NaN there for γ < 1).
func TestFocalExtremeLogitsAreFinite(t *testing.T) {
	for _, big := range []float64{50, 1e4} {
		xs := []float64{big, -big, big, -big, -big, big, 0, big}
		binary := []float64{1, 0, 0, 1, 0, 1, 1, 1} // matching, matching, opposite, opposite, ...
		labels := []int64{0, 1, 0, 1}               // rows [big, -big], [big, -big], [-big, big], [0, big]
		for _, dtype := range []dtypes.DType{dtypes.Float64, dtypes.Float32} {
			x := makeTensor(xs, []int{4, 2}, "float", dtype)
			yb := makeTensor(binary, []int{4, 2}, "float", dtype)
			y := tensors.FromFlatDataAndDimensions(labels, 4)
			for _, gamma := range []float64{0.5, 1, 2} {
				for name, loss := range map[string]func(x, y, yb *Node) *Node{
					"SigmoidFocal": func(x, _, yb *Node) *Node {
						return SigmoidFocal(x, yb, WithGamma(gamma), WithReduction(ReductionSum))
					},
					"SigmoidFocal/no-alpha": func(x, _, yb *Node) *Node {
						return SigmoidFocal(x, yb, WithGamma(gamma), WithAlpha(-1), WithReduction(ReductionMean))
					},
					"SoftmaxFocal": func(x, y, _ *Node) *Node { return SoftmaxFocal(x, y, WithGamma(gamma)) },
					"Poly1CrossEntropy": func(x, y, _ *Node) *Node {
						return Poly1CrossEntropy(x, y, WithEpsilon(gamma))
					},
				} {
					out := run1(t, func(in []*Node) []*Node {
						l := loss(in[0], in[1], in[2])
						gx := Gradient(l, in[0])[0]
						return []*Node{l, gx}
					}, x, y, yb)
					for i, o := range out {
						for j, v := range o {
							if math.IsNaN(v) || math.IsInf(v, 0) {
								t.Errorf("%s (logits ±%g, gamma %g, %s): output %d (1: gradient) element %d is %v", name,
									big, gamma, dtype, i, j, v)
							}
						}
					}
				}
			}
		}
	}
}

// TestSigmoidFocalTargetGradientIsFinite: the gradient with respect to the targets stays finite where 1 - p_t is
// 0 (its one-sided limit there is -∞ for γ < 1: lossbook uses 0, see SigmoidFocal).
func TestSigmoidFocalTargetGradientIsFinite(t *testing.T) {
	x := tensors.FromFlatDataAndDimensions([]float64{50, -50, 1e4, 0.3}, 4)
	y := tensors.FromFlatDataAndDimensions([]float64{1, 0, 1, 0.7}, 4)
	out := run1(t, func(in []*Node) []*Node {
		l := SigmoidFocal(in[0], in[1], WithGamma(0.5), WithReduction(ReductionSum))
		return Gradient(l, in[0], in[1])
	}, x, y)
	for i, o := range out {
		for j, v := range o {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Errorf("gradient %d element %d is %v", i, j, v)
			}
		}
	}
}

// TestNegInfLogits covers what the PyTorch golden cases cannot (PyTorch gives NaN): a row whose logits are all
// -Inf gives +Inf with a zero gradient, and the other rows keep their values and gradients; a target logit of
// -Inf in the focal loss gives +Inf with a finite gradient; with probability targets, a -Inf logit of a class of
// target 0 adds nothing. In float32 and float64, with and without row chunks.
func TestNegInfLogits(t *testing.T) {
	inf := math.Inf(1)
	xs := []float64{-inf, 0, 1, -inf, -inf, -inf, 0.5, -inf, 2}
	labels := []int64{2, 1, 1} // row 0: a finite target; row 1: all -Inf; row 2: the target's logit is -Inf
	for _, dtype := range []dtypes.DType{dtypes.Float64, dtypes.Float32} {
		x := makeTensor(xs, []int{3, 3}, "float", dtype)
		y := tensors.FromFlatDataAndDimensions(labels, 3)
		for _, chunks := range []int{1, 3} {
			out := run1(t, func(in []*Node) []*Node {
				atTarget, weightedSum := logSoftmaxAtTarget(in[0], in[1], nil, true, true, chunks)
				// The gradient of the finite values (with the infinite ones masked out by Where).
				return []*Node{atTarget, weightedSum, Gradient(ReduceAllSum(Add(
					Where(IsFinite(atTarget), atTarget, ZerosLike(atTarget)),
					MulScalar(Where(IsFinite(weightedSum), weightedSum, ZerosLike(weightedSum)), 0.1))), in[0])[0]}
			}, x, y)
			want0 := -math.Log1p(math.Exp(-1)) // row 0: log softmax([-Inf, 0, 1])[2] = 1 - log(1 + e)
			if got := out[0]; math.Abs(got[0]-want0) > 1e-6 || !math.IsInf(got[1], -1) || !math.IsInf(got[2], -1) {
				t.Errorf("%s chunks=%d: atTarget = %v, want [%v -Inf -Inf]", dtype, chunks, got, want0)
			}
			if got := out[1]; !math.IsInf(got[0], -1) || !math.IsInf(got[1], -1) || !math.IsInf(got[2], -1) {
				t.Errorf("%s chunks=%d: weightedSum = %v, want -Inf everywhere (masked classes under smoothing)", dtype,
					chunks, got)
			}
			for j, v := range out[2] {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					t.Errorf("%s chunks=%d: gradient element %d is %v", dtype, chunks, j, v)
				}
				if j >= 3 && j < 6 && v != 0 {
					t.Errorf("%s chunks=%d: gradient of the all -Inf row: element %d is %v, want 0", dtype, chunks, j, v)
				}
			}
		}
		// Whole losses: all -Inf row gives +Inf; focal with a -Inf target gives +Inf, finite gradient.
		for name, loss := range map[string]func(x, y *Node) *Node{
			"CrossEntropy":      func(x, y *Node) *Node { return CrossEntropy(x, y, WithReduction(ReductionNone)) },
			"SoftmaxFocal/0.5":  func(x, y *Node) *Node { return SoftmaxFocal(x, y, WithGamma(0.5), WithReduction(ReductionNone)) },
			"SoftmaxFocal/2":    func(x, y *Node) *Node { return SoftmaxFocal(x, y, WithReduction(ReductionNone)) },
			"Poly1CrossEntropy": func(x, y *Node) *Node { return Poly1CrossEntropy(x, y, WithReduction(ReductionNone)) },
		} {
			out := run1(t, func(in []*Node) []*Node {
				l := loss(in[0], in[1])
				// Row 0's target logit is finite, row 1 is all -Inf, row 2's target logit is -Inf.
				return []*Node{l, Gradient(ReduceAllSum(Where(IsFinite(l), l, ZerosLike(l))), in[0])[0]}
			}, x, y)
			if v := out[0]; math.IsInf(v[0], 0) || math.IsNaN(v[0]) || !math.IsInf(v[1], 1) || !math.IsInf(v[2], 1) {
				t.Errorf("%s (%s): per-example values %v, want [finite +Inf +Inf]", name, dtype, v)
			}
			for j, v := range out[1] {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					t.Errorf("%s (%s): gradient element %d is %v", name, dtype, j, v)
				}
			}
		}
		// Probability targets: no mass on the -Inf classes gives the finite value of the remaining classes.
		probs := makeTensor([]float64{0, 0.25, 0.75}, []int{1, 3}, "float", dtype)
		x1 := makeTensor([]float64{-inf, 0, 1}, []int{1, 3}, "float", dtype)
		out := run1(t, func(in []*Node) []*Node {
			l := CrossEntropy(in[0], in[1])
			return []*Node{l, Gradient(l, in[0])[0]}
		}, x1, probs)
		lse := math.Log(1 + math.E)
		if want := 0.25*lse + 0.75*(lse-1); math.Abs(out[0][0]-want) > 1e-6 {
			t.Errorf("probabilities (%s): %v, want %v", dtype, out[0], want)
		}
		for j, v := range out[1] {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Errorf("probabilities (%s): gradient element %d is %v", dtype, j, v)
			}
		}
	}
}
