package losses_test

import (
	"fmt"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/lossbook/lossbook/lib"
	"github.com/lossbook/lossbook/losses"
)

// NewKeras takes Keras's class names and defaults: CategoricalCrossentropy reads y_pred as probabilities unless
// from_logits is true, and takes y_true first.
func ExampleNewKeras() {
	yTrue := [][]float32{{0, 1, 0}, {0, 0, 1}}
	yPred := [][]float32{{0.05, 0.95, 0}, {0.1, 0.8, 0.1}}
	for _, args := range []map[string]any{nil, {"from_logits": true}} {
		cce, err := losses.NewKeras("CategoricalCrossentropy", args)
		if err != nil {
			panic(err)
		}
		loss := graph.MustExecOnce(lib.MustBackend(), func(yTrue, yPred *graph.Node) *graph.Node {
			return cce(yTrue, yPred)
		}, yTrue, yPred)
		fmt.Printf("%v: %.4f\n", args, loss.Value())
	}
	_, err := losses.NewKeras("CategoricalCrossentropy", map[string]any{"ignore_index": -100})
	fmt.Println(err)
	// Output:
	// map[]: 1.1769
	// map[from_logits:true]: 0.9869
	// losses: keras.CategoricalCrossentropy: unknown argument "ignore_index" (valid: from_logits, label_smoothing, axis, reduction)
}

// A language model's loss with padding id 0, in Keras's spelling: ignore_class=0 averages over the real tokens
// only, as PyTorch's CrossEntropyLoss(ignore_index=0) does.
func ExampleNewKeras_ignoreClass() {
	logits := [][][]float32{{{2, 0.5, -1}, {0.1, 0.2, 3}, {1, 1, 1}}}
	labels := [][]int32{{1, 2, 0}} // the last token is padding
	scce, err := losses.NewKeras("SparseCategoricalCrossentropy", map[string]any{"from_logits": true, "ignore_class": 0})
	if err != nil {
		panic(err)
	}
	ce, err := losses.New("CrossEntropyLoss", map[string]any{"ignore_index": 0})
	if err != nil {
		panic(err)
	}
	keras := graph.MustExecOnce(lib.MustBackend(), func(y, p *graph.Node) *graph.Node { return scce(y, p) }, labels, logits)
	torch := graph.MustExecOnce(lib.MustBackend(), func(p, y *graph.Node) *graph.Node {
		return ce(graph.Reshape(p, 3, 3), graph.Reshape(y, 3))
	}, logits, labels)
	fmt.Printf("keras %.4f, torch %.4f\n", keras.Value(), torch.Value())
	// Output:
	// keras 0.9255, torch 0.9255
}

// Keras's default reduction, "sum_over_batch_size", divides the weighted sum by the number of values, not by
// the sum of the weights: a sample weight of 0 still counts. "mean_with_sample_weight" divides by the weights.
func ExampleNewKeras_sampleWeight() {
	yTrue := [][]float32{{1}, {0}, {1}, {0}}
	yPred := [][]float32{{0.9}, {0.2}, {0.3}, {0.6}}
	weights := []float32{1, 1, 0, 0}
	for _, r := range []string{"sum_over_batch_size", "mean_with_sample_weight", "sum"} {
		bce, err := losses.NewKeras("BinaryCrossentropy", map[string]any{"reduction": r})
		if err != nil {
			panic(err)
		}
		loss := graph.MustExecOnce(lib.MustBackend(), func(y, p, w *graph.Node) *graph.Node {
			return bce(y, p, w)
		}, yTrue, yPred, weights)
		fmt.Printf("%-24s %.4f\n", r, loss.Value())
	}
	// Output:
	// sum_over_batch_size      0.0821
	// mean_with_sample_weight  0.1643
	// sum                      0.3285
}
