package training_test

import (
	"fmt"
	"io"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX graph code reads best with the dot import.
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/lossbook/lossbook/lib"
	"github.com/lossbook/lossbook/training"
)

// Fit y = 2x + 1 by full-batch gradient descent on the mean squared error.
func ExampleTrain() {
	xs := [][]float64{{0}, {1}, {2}, {3}}
	ys := [][]float64{{1}, {3}, {5}, {7}}
	data, _ := training.NewTensorDataset(xs, ys)
	mse := func(ctx *context.Context, batch []*Node) (sum, count *Node) {
		w := ctx.VariableWithValue("w", 0.0).ValueGraph(batch[0].Graph())
		b := ctx.VariableWithValue("b", 0.0).ValueGraph(batch[0].Graph())
		diff := Sub(Add(Mul(batch[0], w), b), batch[1])
		return ReduceAllSum(Square(diff)), Scalar(w.Graph(), w.DType(), diff.Shape().Size())
	}
	ctx := context.New()
	res, err := training.Train(lib.MustBackend(), ctx, data, mse, training.Config{
		Optimizer: training.NewGD(0.1), Steps: 500, BatchSize: 0, Progress: io.Discard})
	if err != nil {
		panic(err)
	}
	w := ctx.GetVariable("w").MustValue().Value().(float64)
	b := ctx.GetVariable("b").MustValue().Value().(float64)
	fmt.Printf("loss %.4f -> %.6f; w = %.3f, b = %.3f\n", res.Losses[0], res.Losses[len(res.Losses)-1], w, b)
	// Output:
	// loss 21.0000 -> 0.000000; w = 2.000, b = 1.000
}

// Build optimizers and schedules by torch's names, e.g. from a configuration file.
func ExampleNewOptimizer() {
	opt, err := training.NewOptimizer("AdamW", map[string]any{"lr": 1e-3, "weight_decay": 0.01,
		"betas": []any{0.9, 0.999}, "no_decay": []any{"bias", "norm"}})
	fmt.Println(opt, err)
	sched, _ := training.NewSchedule("linear", map[string]any{"num_warmup_steps": 2, "num_training_steps": 6})
	for step := range 7 {
		fmt.Printf("%.4f;", sched.LR(opt.BaseLR(), step))
	}
	fmt.Println()
	_, err = training.NewOptimizer("AdamW", map[string]any{"beta1": 0.9})
	fmt.Println(err)
	// Output:
	// AdamW(lr=0.001, betas=(0.9, 0.999), eps=1e-08, weight_decay=0.01, amsgrad=false) <nil>
	// 0.0000;0.0005;0.0010;0.0008;0.0005;0.0003;0.0000;
	// training: NewOptimizer("AdamW"): unknown option "beta1"; valid options are amsgrad, betas, capturable, clip_grad_value, differentiable, eps, foreach, fused, grad_norm_type, lr, max_grad_norm, maximize, no_decay, weight_decay
}

// The typed constructors give torch's defaults; set the fields to change them.
func ExampleNewAdamW() {
	opt := training.NewAdamW()
	opt.LR = 3e-4
	opt.NoDecay = training.BiasesAndNorms // no weight decay for biases and normalization parameters
	opt.MaxGradNorm = 1                   // torch.nn.utils.clip_grad_norm_(params, 1.0) before each step
	fmt.Println(opt)
	sgd := training.NewSGD(0.1)
	sgd.Momentum, sgd.Nesterov = 0.9, true
	fmt.Println(sgd, sgd.Validate())
	// Output:
	// AdamW(lr=0.0003, betas=(0.9, 0.999), eps=1e-08, weight_decay=0.01, amsgrad=false, max_grad_norm=1)
	// SGD(lr=0.1, momentum=0.9, dampening=0, weight_decay=0, nesterov=true) <nil>
}
