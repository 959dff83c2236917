package bench

import (
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/lossbook/lossbook/lib"
)

// BenchmarkMatmul measures the pure-Go backend's DotGeneral on the transformer workload's largest products
// (the MLM head, [2048, 128] x [128, 8000], and its two gradients) and reports GFLOP/s:
// go test ./internal/bench -run XXX -bench Matmul -benchtime 3x. MATMUL=substring selects cases.
func BenchmarkMatmul(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	random := func(dims ...int) *tensors.Tensor {
		n := 1
		for _, d := range dims {
			n *= d
		}
		data := make([]float32, n)
		for i := range data {
			data[i] = float32(rng.NormFloat64())
		}
		return tensors.FromFlatDataAndDimensions(data, dims...)
	}
	cases := []struct {
		name     string
		lhs, rhs []int
		flops    float64
		fn       func(lhs, rhs *Node) *Node
	}{
		{"forward x·W", []int{2048, 128}, []int{128, 8000}, 2 * 2048 * 128 * 8000, func(l, r *Node) *Node {
			return DotGeneral(l, []int{1}, nil, r, []int{0}, nil)
		}},
		{"grad x = v·Wᵀ", []int{2048, 8000}, []int{128, 8000}, 2 * 2048 * 128 * 8000, func(l, r *Node) *Node {
			return DotGeneral(l, []int{1}, nil, r, []int{1}, nil)
		}},
		{"grad W = xᵀ·v", []int{2048, 128}, []int{2048, 8000}, 2 * 2048 * 128 * 8000, func(l, r *Node) *Node {
			return DotGeneral(l, []int{0}, nil, r, []int{0}, nil)
		}},
		{"dW 128x128 contract 2048", []int{2048, 128}, []int{2048, 128}, 2 * 2048 * 128 * 128, func(l, r *Node) *Node {
			return DotGeneral(l, []int{0}, nil, r, []int{0}, nil)
		}},
		{"dense 2048x128 · 128x128", []int{2048, 128}, []int{128, 128}, 2 * 2048 * 128 * 128, func(l, r *Node) *Node {
			return DotGeneral(l, []int{1}, nil, r, []int{0}, nil)
		}},
	}
	for _, c := range cases {
		if filter := os.Getenv("MATMUL"); filter != "" && !strings.Contains(c.name, filter) {
			continue
		}
		b.Run(c.name, func(b *testing.B) {
			lhs, rhs := random(c.lhs...), random(c.rhs...)
			exec := MustNewExec(lib.MustBackend(), c.fn)
			defer exec.Finalize()
			exec.MustExec(lhs, rhs)[0].FinalizeAll()
			b.ResetTimer()
			for range b.N {
				exec.MustExec(lhs, rhs)[0].FinalizeAll()
			}
			b.ReportMetric(c.flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
