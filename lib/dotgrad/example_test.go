package dotgrad_test

import (
	"fmt"

	. "github.com/gomlx/gomlx/pkg/core/graph"

	"github.com/lossbook/lossbook/lib"
	"github.com/lossbook/lossbook/lib/dotgrad"
)

// The gradients of a matrix product, computed as two matrix products: d/dx Σ(x·w) = 1·wᵀ and d/dw = xᵀ·1.
func ExampleGradients() {
	grads := MustNewExec(lib.MustBackend(), func(x, w *Node) []*Node {
		return Gradient(ReduceAllSum(Dot(x, w)), x, w)
	}).MustExec([][]float32{{1, 2}, {3, 4}}, [][]float32{{1, 0, 2}, {0, 1, 3}})
	fmt.Println("installed:", dotgrad.Installed())
	fmt.Println("d/dx:", grads[0].Value())
	fmt.Println("d/dw:", grads[1].Value())
	// Output:
	// installed: true
	// d/dx: [[3 4] [3 4]]
	// d/dw: [[4 4 4] [6 6 6]]
}
