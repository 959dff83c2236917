package bench

import (
	. "github.com/gomlx/gomlx/pkg/core/graph"
	gomlxlosses "github.com/gomlx/gomlx/pkg/ml/train/losses"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"

	"github.com/lossbook/lossbook/losses"
	"github.com/lossbook/lossbook/training"
)

// LossbookKit trains with lossbook's own code: losses.CrossEntropy (a gather of the target and a hand-written
// gradient) and training.NewAdam (torch.optim.Adam's update and defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8).
func LossbookKit() Kit {
	return Kit{
		Name:         "lossbook losses.CrossEntropy, training.NewAdam",
		CrossEntropy: func(logits, labels *Node) *Node { return losses.CrossEntropy(logits, labels) },
		Adam:         func() optimizers.Interface { return training.NewAdam() },
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
		Adam: func() optimizers.Interface {
			return optimizers.Adam().LearningRate(1e-3).Betas(0.9, 0.999).Epsilon(1e-8).Done()
		},
	}
}

// Kits returns the kits by name: "lossbook" (the default of lossbook bench) and "gomlx".
func Kits() map[string]Kit {
	return map[string]Kit{"lossbook": LossbookKit(), "gomlx": GoMLXKit()}
}
