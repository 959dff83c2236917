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

// BenchmarkOps measures single graph ops of the pure-Go backend at the CE workload's size, [1024, 32000]
// float32, to choose formulations: go test ./internal/bench -run XXX -bench Ops -benchtime 5x.
func BenchmarkOps(b *testing.B) {
	const n, c = 1024, 32000
	rng := rand.New(rand.NewPCG(1, 1))
	data := make([]float32, n*c)
	for i := range data {
		data[i] = float32(rng.NormFloat64())
	}
	x := tensors.FromFlatDataAndDimensions(data, n, c)
	labels := tensors.FromFlatDataAndDimensions(randomInts(rng, c, n), n)
	ops := []struct {
		name string
		fn   func(x, labels *Node) *Node
	}{
		{"Identity+1 (AddScalar)", func(x, _ *Node) *Node { return AddScalar(x, 1) }},
		{"Mul same shape", func(x, _ *Node) *Node { return Mul(x, x) }},
		{"Sub row broadcast [N,1]", func(x, _ *Node) *Node { return Sub(x, Slice(x, AxisRange(), AxisRange(0, 1))) }},
		{"Exp", func(x, _ *Node) *Node { return Exp(x) }},
		{"ReduceMax axis 1", func(x, _ *Node) *Node { return ReduceMax(x, 1) }},
		{"ReduceSum axis 1", func(x, _ *Node) *Node { return ReduceSum(x, 1) }},
		{"ReduceAllSum", func(x, _ *Node) *Node { return ReduceAllSum(x) }},
		{"LogSoftmax", func(x, _ *Node) *Node { return LogSoftmax(x) }},
		{"Gather label", func(x, labels *Node) *Node {
			idx := Concatenate([]*Node{InsertAxes(Iota(x.Graph(), labels.Shape(), 0), -1), InsertAxes(labels, -1)}, -1)
			return Gather(x, idx)
		}},
		{"OneHot", func(x, labels *Node) *Node { return OneHot(labels, c, x.DType()) }},
		{"Transpose", func(x, _ *Node) *Node { return Transpose(x, 0, 1) }},
		{"Mul row broadcast [N,1]", func(x, _ *Node) *Node { return Mul(x, Slice(x, AxisRange(), AxisRange(0, 1))) }},
		{"Mul row scale via DotGeneral", func(x, _ *Node) *Node {
			r := Slice(x, AxisRange(), AxisRange(0, 1))                               // [N, 1]
			r2 := Reshape(BroadcastToDims(r, n, 2), 2*n, 1)                           // [2N, 1]
			out := DotGeneral(Reshape(x, 2*n, c/2), nil, []int{0}, r2, nil, []int{0}) // [2N, C/2, 1]
			return Reshape(out, n, c)
		}},
	}
	for _, op := range ops {
		if filter := os.Getenv("OPS"); filter != "" && !strings.Contains(op.name, filter) {
			continue
		}
		b.Run(op.name, func(b *testing.B) {
			exec := MustNewExec(lib.MustBackend(), func(x, labels *Node) *Node { return op.fn(x, labels) })
			defer exec.Finalize()
			exec.MustExec(x, labels)[0].FinalizeAll()
			b.ResetTimer()
			for range b.N {
				exec.MustExec(x, labels)[0].FinalizeAll()
			}
		})
	}
}
