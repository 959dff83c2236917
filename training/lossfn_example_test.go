package training_test

import (
	"fmt"
	"math"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX graph code reads best with the dot import.
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/lossbook/lossbook/lib"
	"github.com/lossbook/lossbook/losses"
	"github.com/lossbook/lossbook/metrics"
	"github.com/lossbook/lossbook/training"
)

// One loss function for Train: label-smoothed in training graphs, the plain NLL (what perplexity needs) in
// evaluation graphs. The last target is padding (-100) and counts in neither.
func ExampleTrainingCrossEntropySumCount() {
	logits := [][]float64{{2, 0, 0}, {0, 1, 0}, {5, 5, 5}}
	targets := []int32{0, 2, -100}
	for _, isTraining := range []bool{true, false} {
		out := context.MustExecOnceN(lib.MustBackend(), context.New(), func(ctx *context.Context, x, y *Node) []*Node {
			ctx.SetTraining(x.Graph(), isTraining)
			sum, count := training.TrainingCrossEntropySumCount(ctx, x, y, -100, -1, losses.WithLabelSmoothing(0.1))
			return []*Node{sum, count}
		}, logits, targets)
		var ppl metrics.Perplexity
		ppl.Add(out[0].Value().(float64), out[1].Value().(float64))
		fmt.Printf("training %-5v loss per token %.4f, exp %.4f\n", isTraining, ppl.Loss(), ppl.Value())
	}
	nll := (-math.Log(math.Exp(2)/(math.Exp(2)+2)) - math.Log(1/(math.E+2))) / 2
	fmt.Printf("NLL by hand %.4f\n", nll)
	// Output:
	// training true  loss per token 0.9455, exp 2.5741
	// training false loss per token 0.8955, exp 2.4485
	// NLL by hand 0.8955
}
