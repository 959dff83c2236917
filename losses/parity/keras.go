package parity

import (
	"fmt"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX's idiom.
	"github.com/lossbook/lossbook/losses"
)

// NewLoss builds the case's loss: losses.New(c.Loss, c.Kwargs) for PyTorch's cases, losses.NewKeras for the
// cases of Keras 3 (Framework "keras", written by losses/testdata/gen_keras_golden.py and the Keras parity
// checker), whose inputs are in Keras's call order (y_true, y_pred[, sample_weight]).
func (c Case) NewLoss() (func(...*Node) *Node, error) {
	switch c.Framework {
	case "":
		return losses.New(c.Loss, c.Kwargs)
	case "keras":
		return losses.NewKeras(c.Loss, c.Kwargs)
	}
	return nil, fmt.Errorf("parity: case %s: unknown framework %q (want \"\" for PyTorch or \"keras\")", c.Name, c.Framework)
}
