package bench

import (
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/train/losses"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"
)

// GoMLXKit trains with GoMLX v0.26's own sparse cross-entropy (a one-hot of the labels times the log-softmax)
// and its Adam, with PyTorch's epsilon 1e-8 (GoMLX's default is 1e-7).
func GoMLXKit() Kit {
	return Kit{
		Name: "GoMLX v0.26 losses.SparseCategoricalCrossEntropyLogits, optimizers.Adam (eps 1e-8)",
		CrossEntropy: func(logits, labels *Node) *Node {
			return losses.SparseCategoricalCrossEntropyLogits([]*Node{InsertAxes(labels, -1)}, []*Node{logits})
		},
		Adam: func() optimizers.Interface {
			return optimizers.Adam().LearningRate(1e-3).Betas(0.9, 0.999).Epsilon(1e-8).Done()
		},
	}
}
