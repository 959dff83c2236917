package main

import (
	"fmt"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/lossbook/lossbook/lib"
)

func main() {
	backend := lib.MustBackend() // GOMLX_BACKEND, else an installed XLA plugin, else pure Go
	ce := func(logits, labels *Node) *Node { // mean of -log softmax(logits)[label]
		oneHot := OneHot(labels, logits.Shape().Dimensions[1], logits.DType())
		return Neg(ReduceAllMean(ReduceSum(Mul(LogSoftmax(logits, -1), oneHot), -1)))
	}
	loss := MustExecOnce(backend, ce, [][]float64{{2, 1, 0.1}, {0.5, 2.5, 0.3}}, []int32{0, 1})
	fmt.Println(loss.Value()) // 0.31853976964918573, as torch.nn.functional.cross_entropy gives
}
