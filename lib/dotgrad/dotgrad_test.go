package dotgrad_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/lossbook/lossbook/lib"
	"github.com/lossbook/lossbook/lib/dotgrad"
)

// Tolerance tiers for comparing this package's gradients with GoMLX's: the two sum the same products in a
// different order, so they differ by rounding only. close64 is a few ulps of float64 on sums of up to ~100
// products of O(1) values; close32 is the same for float32 (machine epsilon 1.2e-7).
const (
	close64 = 1e-12
	close32 = 1e-5
)

// dotCase is one product whose gradients are compared.
type dotCase struct {
	name     string
	lhs, rhs []int
	product  func(lhs, rhs *Node) *Node
}

func dotGeneral(lc, lb, rc, rb []int) func(lhs, rhs *Node) *Node {
	return func(lhs, rhs *Node) *Node { return DotGeneral(lhs, lc, lb, rhs, rc, rb) }
}

func einsum(equation string) func(lhs, rhs *Node) *Node {
	return func(lhs, rhs *Node) *Node { return Einsum(equation, lhs, rhs) }
}

var cases = []dotCase{
	{"Dot vector·vector", []int{7}, []int{7}, Dot},
	{"Dot matrix·vector", []int{5, 7}, []int{7}, Dot},
	{"Dot matrix·matrix", []int{5, 7}, []int{7, 3}, Dot},
	{"DotGeneral matmul", []int{5, 7}, []int{7, 3}, dotGeneral([]int{1}, nil, []int{0}, nil)},
	{"DotGeneral lhs transposed", []int{7, 5}, []int{7, 3}, dotGeneral([]int{0}, nil, []int{0}, nil)},
	{"DotGeneral rhs transposed", []int{5, 7}, []int{3, 7}, dotGeneral([]int{1}, nil, []int{1}, nil)},
	{"DotGeneral both transposed", []int{7, 5}, []int{3, 7}, dotGeneral([]int{0}, nil, []int{1}, nil)},
	{"DotGeneral batch", []int{2, 5, 7}, []int{2, 7, 3}, dotGeneral([]int{2}, []int{0}, []int{1}, []int{0})},
	{"DotGeneral batch in the middle", []int{5, 2, 7}, []int{7, 3, 2}, dotGeneral([]int{2}, []int{1}, []int{0}, []int{2})},
	{"DotGeneral two batch axes swapped", []int{2, 3, 5, 4}, []int{3, 2, 4, 6}, dotGeneral([]int{3}, []int{0, 1}, []int{2}, []int{1, 0})},
	{"DotGeneral two contracting axes", []int{5, 4, 3}, []int{3, 4, 6}, dotGeneral([]int{1, 2}, nil, []int{1, 0}, nil)},
	{"DotGeneral contracting in reverse order", []int{4, 3, 5}, []int{6, 3, 4}, dotGeneral([]int{0, 1}, nil, []int{2, 1}, nil)},
	{"DotGeneral outer product", []int{5, 2}, []int{3}, dotGeneral(nil, nil, nil, nil)},
	{"DotGeneral batch outer product", []int{2, 5}, []int{2, 3}, dotGeneral(nil, []int{0}, nil, []int{0})},
	{"DotGeneral cross axes both sides", []int{2, 3, 7, 4}, []int{5, 7, 2}, dotGeneral([]int{2}, []int{0}, []int{1}, []int{2})},
	{"Einsum batched matmul", []int{2, 5, 7}, []int{2, 7, 3}, einsum("bij,bjk->bik")},
	{"Einsum dense rank 3", []int{2, 5, 7}, []int{7, 3}, einsum("abc,cd->abd")},
	{"Einsum attention logits", []int{2, 5, 3, 4}, []int{2, 6, 3, 4}, einsum("bqhd,bkhd->bhqk")},
	{"Einsum attention output", []int{2, 3, 5, 6}, []int{2, 6, 3, 4}, einsum("bhqk,bkhd->bqhd")},
	{"Einsum output transposed", []int{5, 7}, []int{7, 3}, einsum("ij,jk->ki")},
	{"Einsum multi-head projection", []int{2, 5, 8}, []int{8, 3, 4}, einsum("bsd,dhk->bshk")},
}

// gradients builds loss = Σ w ⊙ product(lhs, rhs) (w fixed and uneven, so that v is not constant), returns
// the gradients with respect to lhs and rhs as float64, and the size of the largest node of the graph.
func gradients(t *testing.T, c dotCase, dtype dtypes.DType, lhsValues, rhsValues []float64) (grads [2][]float64, maxNode int) {
	t.Helper()
	g := NewGraph(lib.MustBackend(), "dotgrad_test")
	// Not "lhs" and "rhs": GoMLX v0.26.0's XLA backend gives its reduction regions' inputs those names, and
	// StableHLO refuses a parameter of the same name (docs/backends.md).
	lhs := Parameter(g, "a", shapes.Make(dtype, c.lhs...))
	rhs := Parameter(g, "b", shapes.Make(dtype, c.rhs...))
	out := c.product(lhs, rhs)
	w := Sin(AddScalar(MulScalar(IotaFull(g, out.Shape()), 0.7), 0.3))
	loss := ReduceAllSum(Mul(out, w))
	gs := Gradient(loss, lhs, rhs)
	for _, n := range g.Nodes() {
		maxNode = max(maxNode, n.Shape().Size())
	}
	g.Compile(gs...)
	results := g.Run(toTensor(dtype, lhsValues, c.lhs), toTensor(dtype, rhsValues, c.rhs))
	for i, r := range results {
		grads[i] = toFloat64(r)
	}
	g.Finalize()
	return grads, maxNode
}

func toTensor(dtype dtypes.DType, values []float64, dims []int) *tensors.Tensor {
	if dtype == dtypes.Float64 {
		return tensors.FromFlatDataAndDimensions(values, dims...)
	}
	f32 := make([]float32, len(values))
	for i, v := range values {
		f32[i] = float32(v)
	}
	return tensors.FromFlatDataAndDimensions(f32, dims...)
}

func toFloat64(t *tensors.Tensor) []float64 {
	if t.DType() == dtypes.Float64 {
		return tensors.MustCopyFlatData[float64](t)
	}
	var out []float64
	for _, v := range tensors.MustCopyFlatData[float32](t) {
		out = append(out, float64(v))
	}
	return out
}

func randomValues(rng *rand.Rand, dims []int) []float64 {
	n := 1
	for _, d := range dims {
		n *= d
	}
	values := make([]float64, n)
	for i := range values {
		values[i] = rng.NormFloat64()
	}
	return values
}

func size(dims []int) int {
	n := 1
	for _, d := range dims {
		n *= d
	}
	return n
}

// withStock runs f with GoMLX's own gradients installed, then puts this package's back.
func withStock(f func()) {
	dotgrad.Uninstall()
	defer dotgrad.Install()
	f()
}

// TestEqualsStock compares this package's gradients with GoMLX's own on every case, in float32 and float64.
func TestEqualsStock(t *testing.T) {
	if !dotgrad.Installed() {
		t.Fatal("importing dotgrad did not install its gradients")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, c := range cases {
		for _, dtype := range []dtypes.DType{dtypes.Float32, dtypes.Float64} {
			t.Run(fmt.Sprintf("%s/%s", c.name, dtype), func(t *testing.T) {
				lhsValues, rhsValues := randomValues(rng, c.lhs), randomValues(rng, c.rhs)
				got, _ := gradients(t, c, dtype, lhsValues, rhsValues)
				var want [2][]float64
				withStock(func() { want, _ = gradients(t, c, dtype, lhsValues, rhsValues) })
				tol := close64
				if dtype == dtypes.Float32 {
					tol = close32
				}
				for i, name := range []string{"lhs", "rhs"} {
					if len(got[i]) != len(want[i]) {
						t.Fatalf("grad %s has %d values, GoMLX's has %d", name, len(got[i]), len(want[i]))
					}
					for j := range got[i] {
						if diff := math.Abs(got[i][j] - want[i][j]); diff > tol*(1+math.Abs(want[i][j])) {
							t.Fatalf("grad %s[%d] = %.17g, GoMLX's = %.17g (diff %.3g > %.0e)", name, j, got[i][j], want[i][j], diff, tol)
						}
					}
				}
			})
		}
	}
}

// TestNoCubeIntermediate checks the point of the package: no node of the gradient graph is larger than the
// largest of lhs, rhs and the product, where GoMLX's own gradients build a batch x M x N x K tensor. Running
// the check on the stock gradients too shows that it does detect the cube.
func TestNoCubeIntermediate(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			lhsValues, rhsValues := randomValues(rng, c.lhs), randomValues(rng, c.rhs)
			g := NewGraph(lib.MustBackend(), "shape")
			outSize := c.product(Parameter(g, "lhs", shapes.Make(dtypes.Float32, c.lhs...)),
				Parameter(g, "rhs", shapes.Make(dtypes.Float32, c.rhs...))).Shape().Size()
			g.Finalize()
			bound := max(size(c.lhs), size(c.rhs), outSize)
			_, got := gradients(t, c, dtypes.Float32, lhsValues, rhsValues)
			if got > bound {
				t.Errorf("largest node of the gradient graph has %d elements, want at most %d (lhs %v, rhs %v, out %d)",
					got, bound, c.lhs, c.rhs, outSize)
			}
			var stock int
			withStock(func() { _, stock = gradients(t, c, dtypes.Float32, lhsValues, rhsValues) })
			t.Logf("largest node: dotgrad %d, GoMLX's own %d, bound %d", got, stock, bound)
		})
	}
	t.Run("stock materialises the cube", func(t *testing.T) {
		const m, k, n = 37, 41, 43
		c := dotCase{"matmul", []int{m, k}, []int{k, n}, Dot}
		var stock int
		withStock(func() {
			_, stock = gradients(t, c, dtypes.Float32, randomValues(rng, c.lhs), randomValues(rng, c.rhs))
		})
		if stock < m*k*n {
			t.Errorf("GoMLX's own Dot gradient's largest node has %d elements, want the %d of M x K x N: "+
				"the check above would not detect the cube", stock, m*k*n)
		}
	})
}

// TestGradientsPanicsOnShape checks that Gradients names both shapes when v does not fit the product.
func TestGradientsPanicsOnShape(t *testing.T) {
	g := NewGraph(lib.MustBackend(), "panic")
	defer g.Finalize()
	lhs := Parameter(g, "lhs", shapes.Make(dtypes.Float32, 5, 7))
	rhs := Parameter(g, "rhs", shapes.Make(dtypes.Float32, 7, 3))
	v := Parameter(g, "v", shapes.Make(dtypes.Float32, 5, 4))
	defer func() {
		r := recover()
		want := "dotgrad: Gradients: v (Float32)[5 4] does not match the DotGeneral output (Float32)[5 3] of lhs (Float32)[5 7] and rhs (Float32)[7 3]"
		if fmt.Sprint(r) != want {
			t.Errorf("panic = %v, want %q", r, want)
		}
	}()
	dotgrad.Gradients(lhs, rhs, v, dotgrad.Axes{LHSContracting: []int{1}, RHSContracting: []int{0}})
}
