package losses

import (
	"math/rand/v2"
	"testing"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX's idiom.
	"github.com/gomlx/gomlx/pkg/core/tensors"
	gomlxlosses "github.com/gomlx/gomlx/pkg/ml/train/losses"
)

// Cross-entropy forward+backward on logits [1024, 32000] float32 (a language model's batch of 1024 tokens over a
// 32k vocabulary), the workload of issue #4. Run with:
//
//	go test ./losses -run XXX -bench CrossEntropy -benchtime 5x
//
// Benchmarks measure; no test asserts a time.
const benchRows, benchClasses = 1024, 32000

func benchInputs() (*tensors.Tensor, *tensors.Tensor) {
	rng := rand.New(rand.NewPCG(7, 8))
	x := make([]float32, benchRows*benchClasses)
	for i := range x {
		x[i] = float32(rng.NormFloat64() * 2)
	}
	y := make([]int32, benchRows)
	for i := range y {
		y[i] = int32(rng.IntN(benchClasses))
		if i%10 == 0 {
			y[i] = DefaultIgnoreIndex
		}
	}
	return tensors.FromFlatDataAndDimensions(x, benchRows, benchClasses), tensors.FromFlatDataAndDimensions(y, benchRows)
}

// benchLossAndGradient times one executable that returns the loss and its gradient with respect to the logits.
func benchLossAndGradient(b *testing.B, lossFn func(x, y *Node) *Node) {
	x, y := benchInputs()
	exec, err := NewExec(backendForTest(b), func(x, y *Node) []*Node {
		loss := lossFn(x, y)
		return []*Node{loss, Gradient(loss, x)[0]}
	})
	if err != nil {
		b.Fatal(err)
	}
	defer exec.Finalize()
	run := func() {
		out, err := exec.Exec(x, y)
		if err != nil {
			b.Fatal(err)
		}
		for _, t := range out {
			t.FinalizeAll()
		}
	}
	run() // compile outside the timed loop.
	b.ResetTimer()
	for b.Loop() {
		run()
	}
}

// BenchmarkCrossEntropy is lossbook's CrossEntropy (gather + hand-written gradient), plain.
func BenchmarkCrossEntropy(b *testing.B) {
	benchLossAndGradient(b, func(x, y *Node) *Node { return CrossEntropy(x, y) })
}

// BenchmarkCrossEntropySmoothedWeighted adds label smoothing and class weights (ignore_index is in the labels).
func BenchmarkCrossEntropySmoothedWeighted(b *testing.B) {
	benchLossAndGradient(b, func(x, y *Node) *Node {
		w := AddScalar(MulScalar(Iota(x.Graph(), shapesOf(x.DType(), benchClasses), 0), 1.0/benchClasses), 0.5)
		return CrossEntropy(x, y, WithLabelSmoothing(0.1), WithWeight(w))
	})
}

// BenchmarkCrossEntropyAutodiff is the same forward pass differentiated by GoMLX's autodiff (the reference the
// hand-written gradient is tested against).
func BenchmarkCrossEntropyAutodiff(b *testing.B) {
	benchLossAndGradient(b, func(x, y *Node) *Node {
		return crossEntropy("CrossEntropy", x, y, configure("CrossEntropy", nil), sparseLogSoftmaxAutodiff)
	})
}

// BenchmarkCrossEntropyGoMLX is GoMLX v0.26's own SparseCategoricalCrossEntropyLogits (one-hot based) with
// the mean taken over all rows (it has no ignore_index; the ignored labels are replaced by 0).
func BenchmarkCrossEntropyGoMLX(b *testing.B) {
	benchLossAndGradient(b, func(x, y *Node) *Node {
		y = Where(LessThan(y, ZerosLike(y)), ZerosLike(y), y)
		return ReduceAllMean(gomlxlosses.SparseCategoricalCrossEntropyLogits([]*Node{ExpandAxes(y, -1)}, []*Node{x}))
	})
}
