package losses_test

import (
	"fmt"
	"math"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/lossbook/lossbook/lib"
	"github.com/lossbook/lossbook/losses"
)

// Barron's loss of the residuals 0.5 and 3 for α = 2 (L2), 0 (Cauchy) and -∞ (Welsch), scale 1.
func ExampleGeneralRobust() {
	for _, alpha := range []float64{2, 0, math.Inf(-1)} {
		rho := graph.MustExecOnce(lib.MustBackend(), func(x, a *graph.Node) *graph.Node {
			return losses.GeneralRobust(x, graph.ZerosLike(x), a, graph.OnesLike(a),
				losses.WithReduction(losses.ReductionNone))
		}, []float64{0.5, 3}, alpha)
		fmt.Printf("α = %v: %.4f\n", alpha, rho.Value())
	}
	// Output:
	// α = 2: [0.1250 4.5000]
	// α = 0: [0.1178 1.7047]
	// α = -Inf: [0.1175 0.9889]
}

// The adaptive loss at α = 2 is the Gaussian NLL with σ = c: ½(x/c)² + log c + ½ log 2π.
func ExampleAdaptiveRobustNLL() {
	nll := graph.MustExecOnce(lib.MustBackend(), func(x, a, c *graph.Node) *graph.Node {
		return losses.AdaptiveRobustNLL(x, graph.ZerosLike(x), a, c)
	}, []float64{1.5}, 2.0, 0.5)
	fmt.Printf("%.6f %.6f\n", nll.Value(), 0.5*9+math.Log(0.5)+0.5*math.Log(2*math.Pi))
	// Output:
	// 4.725791 4.725791
}

// log Z(α) by quadrature, at the closed forms: π√2 (Cauchy) and √(2π) (normal).
func ExampleRobustLogPartition() {
	z0, _ := losses.RobustLogPartition(0)
	z2, _ := losses.RobustLogPartition(2)
	fmt.Printf("%.12f %.12f\n", math.Exp(z0), math.Pi*math.Sqrt2)
	fmt.Printf("%.12f %.12f\n", math.Exp(z2), math.Sqrt(2*math.Pi))
	// Output:
	// 4.442882938158 4.442882938158
	// 2.506628274631 2.506628274631
}

// Kendall's weighting of MLM and NSP losses (3.2 and 0.4) with log-variances s: Σ e^{-s}L + s/2.
func ExampleUncertaintyWeighted() {
	total := graph.MustExecOnce(lib.MustBackend(), func(mlm, nsp, s *graph.Node) *graph.Node {
		return losses.UncertaintyWeighted([]*graph.Node{mlm, nsp}, s)
	}, 3.2, 0.4, []float64{math.Log(6.4), math.Log(0.8)})
	fmt.Printf("%.4f\n", total.Value()) // at the optimum e^{s} = 2L: 0.5 + 0.5 + ½log 6.4 + ½log 0.8
	// Output:
	// 1.8166
}
