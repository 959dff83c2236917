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

// The worked example of precision, recall and F1 with scikit-learn's averages.
func ExamplePrecisionRecallF1() {
	yTrue := []int{0, 0, 0, 0, 1, 1, 2, 2, 2, 2}
	yPred := []int{0, 0, 1, 2, 1, 1, 2, 0, 2, 2}
	perLabel, _ := training.PrecisionRecallF1(yTrue, yPred)
	fmt.Printf("labels %v F1 %.4f support %v\n", perLabel.F1.Labels, perLabel.F1.PerLabel, perLabel.Support)
	for _, avg := range []training.Average{training.AverageMacro, training.AverageWeighted, training.AverageMicro} {
		s, _ := training.PrecisionRecallF1(yTrue, yPred, training.WithAverage(avg))
		fmt.Printf("%-8s P %s R %s F1 %s\n", avg, s.Precision, s.Recall, s.F1)
	}
	acc, _ := training.Accuracy(yTrue, yPred)
	fmt.Printf("accuracy %.4f\n", acc)
	// Output:
	// labels [0 1 2] F1 [0.5714 0.8000 0.7500] support [4 2 4]
	// macro    P 0.6944 R 0.7500 F1 0.7071
	// weighted P 0.7000 R 0.7000 F1 0.6886
	// micro    P 0.7000 R 0.7000 F1 0.7000
	// accuracy 0.7000
}

// A label never predicted has no precision: scikit-learn's zero_division rules.
func ExampleWithZeroDivision() {
	yTrue, yPred := []int{0, 1, 1, 0}, []int{0, 0, 0, 0}
	p, _ := training.Precision(yTrue, yPred)
	fmt.Println(p, p.Warnings)
	for _, zd := range []training.ZeroDivision{training.ZeroDivisionZero, training.ZeroDivisionOne,
		training.ZeroDivisionNaN} {
		p, _ := training.Precision(yTrue, yPred, training.WithZeroDivision(zd))
		fmt.Print(p, " ")
	}
	fmt.Println()
	// Output:
	// 0.0000 [Precision is ill-defined and being set to 0.0 due to no predicted samples. Use `zero_division` parameter to control this behavior.]
	// 0.0000 1.0000 NaN
}

func ExampleConfusionMatrix() {
	m, _ := training.ConfusionMatrix([]int{0, 0, 0, 0, 1, 1, 2, 2, 2, 2}, []int{0, 0, 1, 2, 1, 1, 2, 0, 2, 2})
	fmt.Println(m)
	// Output:
	// true\pred	0	1	2
	// 0	2	1	1
	// 1	0	2	0
	// 2	1	0	3
}

// Perplexity over a set is token-weighted: here exp((10 + 16)/20), not the mean of the batches' exp(2.5), exp(1).
func ExamplePerplexity() {
	var ppl training.Perplexity
	ppl.Add(10, 4)       // a batch of 4 tokens whose NLLs sum to 10
	ppl.AddMean(1.0, 16) // a batch of 16 tokens with mean NLL 1
	fmt.Printf("loss %.3f perplexity %.3f over %v tokens\n", ppl.Loss(), ppl.Value(), ppl.Tokens())
	// Output:
	// loss 1.300 perplexity 3.669 over 20 tokens
}

// Corpus BLEU as sacrebleu computes it, with its signature.
func ExampleCorpusBLEU() {
	hyps := []string{"the cat is on the mat", "There is a dog."}
	refs := [][]string{{"the cat sat on the mat", "There is a big dog."}}
	bleu, _ := training.CorpusBLEU(hyps, refs, training.BLEUOptions{})
	fmt.Println(bleu)
	fmt.Println(bleu.Signature)
	// Output:
	// BLEU = 33.12 90.9/66.7/28.6/10.0 (BP = 0.913 ratio = 0.917 hyp_len = 11 ref_len = 12)
	// nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0
}

func ExampleTokenize13a() {
	fmt.Println(training.Tokenize13a(`He paid $3.50, "twice" (in 1990-1995).`))
	// Output:
	// He paid $ 3.50 , " twice " ( in 1990 - 1995 ) .
}
