package robust

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX's idiom.
	gctx "github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/lossbook/lossbook/lib"
	"github.com/lossbook/lossbook/losses"
	"github.com/lossbook/lossbook/training"
)

// TwoTasksResult is the outcome of TwoTasks: each task's learned σ_k = exp(s_k/2) over training, and its final
// mean squared error.
type TwoTasksResult struct {
	Steps  []int
	Sigmas [2][]float64
	MSE    [2]float64
}

// TwoTasks fits two independent lines y_k = a_k x + noise_k (noise standard deviations noise[k], n examples,
// seed) with one objective, losses.UncertaintyWeightedFromContext of their two mean squared errors as Regression
// terms, by full-batch Adam(lr) for steps steps. Kendall et al.'s weighting should learn σ_k ≈ the noise of each
// task (the optimum of ½e^{-s}L + ½s is e^{s} = L, the task's MSE).
func TwoTasks(ctx context.Context, noise [2]float64, n, steps int, lr float64, seed uint64) (*TwoTasksResult, error) {
	if n < 2 || steps < 1 || !(lr > 0) || !(noise[0] > 0) || !(noise[1] > 0) {
		return nil, fmt.Errorf("robust: TwoTasks: need n >= 2 (got %d), steps >= 1 (%d), lr > 0 (%g), noise > 0 (%v)",
			n, steps, lr, noise)
	}
	rng := rand.New(rand.NewPCG(seed, 2018))
	xs, y1, y2 := make([][]float64, n), make([][]float64, n), make([][]float64, n)
	for i := range xs {
		x := rng.NormFloat64()
		xs[i] = []float64{x}
		y1[i] = []float64{1.5*x + noise[0]*rng.NormFloat64()}
		y2[i] = []float64{-0.5*x + noise[1]*rng.NormFloat64()}
	}
	data, err := training.NewTensorDataset(xs, y1, y2)
	if err != nil {
		return nil, fmt.Errorf("robust: TwoTasks: %w", err)
	}
	lossFn := func(ctx *gctx.Context, batch []*Node) (sum, count *Node) {
		g := batch[0].Graph()
		terms := make([]*Node, 2)
		for k := range terms {
			a := ctx.In(fmt.Sprintf("task%d", k)).VariableWithValue("a", 0.0).ValueGraph(g)
			terms[k] = losses.MSE(Mul(batch[0], a), batch[1+k])
		}
		total := losses.UncertaintyWeightedFromContext(ctx, terms, losses.Regression, losses.Regression)
		return total, ScalarOne(g, total.DType())
	}
	mctx := gctx.New()
	opt := training.NewAdam()
	opt.LR = lr
	res := &TwoTasksResult{}
	_, err = training.Train(lib.MustBackend(), mctx, data, lossFn, training.Config{
		Optimizer: opt, Steps: steps, Progress: io.Discard, NoPlot: true,
		OnStep: func(info training.StepInfo) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			s, err := losses.UncertaintyLogVariances(mctx)
			if err != nil {
				return err
			}
			res.Steps = append(res.Steps, info.Step)
			for k := range 2 {
				res.Sigmas[k] = append(res.Sigmas[k], math.Exp(s[k]/2))
			}
			return nil
		}})
	if err != nil {
		return nil, fmt.Errorf("robust: TwoTasks: %w", err)
	}
	for k := range 2 {
		a, err := mctx.In(fmt.Sprintf("task%d", k)).GetVariable("a").Value()
		if err != nil {
			return nil, fmt.Errorf("robust: TwoTasks: %w", err)
		}
		slope := a.Value().(float64)
		ys := [][][]float64{y1, y2}[k]
		for i := range xs {
			d := slope*xs[i][0] - ys[i][0]
			res.MSE[k] += d * d / float64(n)
		}
	}
	return res, nil
}
