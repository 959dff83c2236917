package losses_test

import (
	"fmt"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/lossbook/lossbook/lib"
	"github.com/lossbook/lossbook/losses"
)

// The batch of PyTorch's documentation example: two examples, three classes, class-index labels.
func ExampleCrossEntropy() {
	logits := [][]float32{{2, 0.5, -1}, {0.1, 0.2, 3}}
	labels := []int32{0, 2}
	mean := graph.MustExecOnce(lib.MustBackend(), func(logits, labels *graph.Node) *graph.Node {
		return losses.CrossEntropy(logits, labels)
	}, logits, labels)
	perExample := graph.MustExecOnce(lib.MustBackend(), func(logits, labels *graph.Node) *graph.Node {
		return losses.CrossEntropy(logits, labels, losses.WithReduction(losses.ReductionNone))
	}, logits, labels)
	fmt.Printf("mean: %.4f\n", mean.Value())
	fmt.Printf("per example: %.4f\n", perExample.Value())
	// Output:
	// mean: 0.1755
	// per example: [0.2413 0.1096]
}

// New builds a loss from PyTorch's class name and keyword arguments, as encoding/json decodes them.
func ExampleNew() {
	ce, err := losses.New("CrossEntropyLoss", map[string]any{"label_smoothing": 0.1, "reduction": "mean"})
	if err != nil {
		panic(err)
	}
	loss := graph.MustExecOnce(lib.MustBackend(), func(logits, labels *graph.Node) *graph.Node {
		return ce(logits, labels)
	}, [][]float32{{2, 0.5, -1}, {0.1, 0.2, 3}}, []int64{0, 2})
	fmt.Printf("%.4f\n", loss.Value())

	_, err = losses.New("CrossEntropyLoss", map[string]any{"size_average": true})
	fmt.Println(err)
	// Output:
	// 0.3455
	// losses: CrossEntropyLoss: argument "size_average" is deprecated in PyTorch and not supported: use reduction="mean", "sum" or "none"
}
