package main

import (
	"fmt"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/lossbook/lossbook/lib"
	"github.com/lossbook/lossbook/losses"
)

func main() {
	backend := lib.MustBackend() // GOMLX_BACKEND, else an installed XLA plugin, else pure Go
	logits := [][]float64{{2, 1, 0.1}, {0.5, 2.5, 0.3}}
	labels := []int32{0, 1}
	// PyTorch: nn.CrossEntropyLoss()(logits, labels); options: losses.WithWeight, WithLabelSmoothing, ...
	ce := func(x, y *Node) *Node { return losses.CrossEntropy(x, y) }
	fmt.Println(MustExecOnce(backend, ce, logits, labels).Value()) // 0.31853976964918573, as PyTorch 1.13
}
