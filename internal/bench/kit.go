package bench

import (
	. "github.com/gomlx/gomlx/pkg/core/graph"
	gomlxlosses "github.com/gomlx/gomlx/pkg/ml/train/losses"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"

	"github.com/lossbook/lossbook/losses"
)

// LossbookKit trains with lossbook's own cross-entropy (losses.CrossEntropy: a gather of the target and a
// hand-written gradient) and GoMLX's Adam with PyTorch's epsilon 1e-8, until package training's Adam lands.
func LossbookKit() Kit {
	return Kit{
		Name:         "lossbook losses.CrossEntropy, GoMLX optimizers.Adam (eps 1e-8)",
		CrossEntropy: func(logits, labels *Node) *Node { return losses.CrossEntropy(logits, labels) },
		Adam:         gomlxAdam,
	}
}

// GoMLXKit trains with GoMLX v0.26's own sparse cross-entropy (a one-hot of the labels times the log-softmax)
// and its Adam, with PyTorch's epsilon 1e-8 (GoMLX's default is 1e-7): the baseline of issue #4's table.
func GoMLXKit() Kit {
	return Kit{
		Name: "GoMLX v0.26 losses.SparseCategoricalCrossEntropyLogits, optimizers.Adam (eps 1e-8)",
		CrossEntropy: func(logits, labels *Node) *Node {
			return gomlxlosses.SparseCategoricalCrossEntropyLogits([]*Node{InsertAxes(labels, -1)}, []*Node{logits})
		},
		Adam: gomlxAdam,
	}
}

// Kits returns the kits by name: "lossbook" (the default of lossbook bench) and "gomlx".
func Kits() map[string]Kit {
	return map[string]Kit{"lossbook": LossbookKit(), "gomlx": GoMLXKit()}
}

func gomlxAdam() optimizers.Interface {
	return optimizers.Adam().LearningRate(1e-3).Betas(0.9, 0.999).Epsilon(1e-8).Done()
}
