package losses_test

import (
	"fmt"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/lossbook/lossbook/lib"
	"github.com/lossbook/lossbook/losses"
)

// Two sentences and their translations: each anchor must pick its own translation among the batch's.
func ExampleMultipleNegativesRanking() {
	anchors := [][]float32{{1, 0.2, 0}, {0, 1, 0.3}}
	positives := [][]float32{{0.9, 0.1, 0.1}, {0.1, 0.8, 0.4}}
	loss := graph.MustExecOnce(lib.MustBackend(), func(a, p *graph.Node) *graph.Node {
		return losses.MultipleNegativesRanking(a, p, losses.WithScale(5), losses.WithReduction(losses.ReductionNone))
	}, anchors, positives)
	fmt.Printf("per anchor: %.4f\n", loss.Value())
	// Output:
	// per anchor: [0.0287 0.0147]
}

// Four embeddings, two views each of two examples (labels 0 and 1): NT-Xent at temperature 0.5.
func ExampleNTXent() {
	x := [][]float32{{1, 0}, {0, 1}, {0.8, 0.6}, {0.6, 0.8}}
	labels := []int32{0, 1, 0, 1}
	loss := graph.MustExecOnce(lib.MustBackend(), func(x, y *graph.Node) *graph.Node {
		return losses.NTXent(x, y, losses.WithTemperature(0.5))
	}, x, labels)
	fmt.Printf("%.4f\n", loss.Value())
	// Output:
	// 0.8707
}

// Batch-hard mining: each anchor's farthest positive against its nearest negative, Euclidean, margin 3.
func ExampleBatchHardTriplet() {
	x := [][]float32{{0, 0}, {0, 1}, {3, 0}, {3, 2}}
	labels := []int32{0, 0, 1, 1}
	loss := graph.MustExecOnce(lib.MustBackend(), func(x, y *graph.Node) *graph.Node {
		return losses.BatchHardTriplet(x, y, losses.WithMargin(3), losses.WithReduction(losses.ReductionNone))
	}, x, labels)
	fmt.Printf("%.4f\n", loss.Value())
	// Output:
	// [1.0000 0.8377 2.0000 1.8377]
}
