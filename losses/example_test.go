package losses_test

import (
	"fmt"
	"math"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/lossbook/lossbook/lib"
	"github.com/lossbook/lossbook/losses"
)

// The batch of PyTorch's documentation example: two examples, three classes, class-index labels.
func ExampleCrossEntropy() {
	logits := [][]float32{{2, 0.5, -1}, {0.1, 0.2, 3}}
	labels := []int32{0, 2}
	mean := graph.MustExecOnce(lib.MustBackend(), func(logits, labels *graph.Node) *graph.Node {
		return losses.CrossEntropy(logits, labels)
	}, logits, labels)
	perExample := graph.MustExecOnce(lib.MustBackend(), func(logits, labels *graph.Node) *graph.Node {
		return losses.CrossEntropy(logits, labels, losses.WithReduction(losses.ReductionNone))
	}, logits, labels)
	fmt.Printf("mean: %.4f\n", mean.Value())
	fmt.Printf("per example: %.4f\n", perExample.Value())
	// Output:
	// mean: 0.1755
	// per example: [0.2413 0.1096]
}

// New builds a loss from PyTorch's class name and keyword arguments, as encoding/json decodes them.
func ExampleNew() {
	ce, err := losses.New("CrossEntropyLoss", map[string]any{"label_smoothing": 0.1, "reduction": "mean"})
	if err != nil {
		panic(err)
	}
	loss := graph.MustExecOnce(lib.MustBackend(), func(logits, labels *graph.Node) *graph.Node {
		return ce(logits, labels)
	}, [][]float32{{2, 0.5, -1}, {0.1, 0.2, 3}}, []int64{0, 2})
	fmt.Printf("%.4f\n", loss.Value())

	_, err = losses.New("CrossEntropyLoss", map[string]any{"size_average": true})
	fmt.Println(err)
	// Output:
	// 0.3455
	// losses: CrossEntropyLoss: argument "size_average" is deprecated in PyTorch and not supported: use reduction="mean", "sum" or "none"
}

// PyTorch's weighted mean: with class weights and an ignored target, the mean divides by the sum of the weights
// of the targets that count, not by their number.
func ExampleWithWeight() {
	logits := [][]float64{{2, 0.5, -1}, {0.1, 0.2, 3}, {1, 1, 1}}
	labels := []int64{0, 2, -100} // the third target is ignored.
	loss := func(r losses.Reduction) any {
		return graph.MustExecOnce(lib.MustBackend(), func(logits, labels *graph.Node) *graph.Node {
			w := graph.Const(logits.Graph(), []float64{1, 1, 4})
			return losses.CrossEntropy(logits, labels, losses.WithWeight(w), losses.WithReduction(r))
		}, logits, labels).Value()
	}
	fmt.Printf("none: %.4f\n", loss(losses.ReductionNone))
	fmt.Printf("sum:  %.4f\n", loss(losses.ReductionSum))
	fmt.Printf("mean: %.4f (sum / (1 + 4))\n", loss(losses.ReductionMean))
	// Output:
	// none: [0.2413 0.4384 0.0000]
	// sum:  0.6797
	// mean: 0.1359 (sum / (1 + 4))
}

// With every target ignored, the mean is NaN (0/0) and the sum 0, as PyTorch.
func ExampleWithIgnoreIndex() {
	logits := [][]float32{{2, 0.5, -1}, {0.1, 0.2, 3}}
	for _, r := range []losses.Reduction{losses.ReductionMean, losses.ReductionSum} {
		loss := graph.MustExecOnce(lib.MustBackend(), func(logits, labels *graph.Node) *graph.Node {
			return losses.CrossEntropy(logits, labels, losses.WithReduction(r), losses.WithIgnoreIndex(-1))
		}, logits, []int32{-1, -1})
		fmt.Printf("%s: %v\n", r, loss.Value())
	}
	// Output:
	// mean: NaN
	// sum: 0
}

func ExampleNLL() {
	logProbs := [][]float64{{-0.2, -1.8, -3.0}, {-2.5, -0.1, -4.0}}
	loss := graph.MustExecOnce(lib.MustBackend(), func(logProbs, labels *graph.Node) *graph.Node {
		return losses.NLL(logProbs, labels)
	}, logProbs, []int64{0, 1})
	fmt.Printf("%.2f\n", loss.Value()) // (0.2 + 0.1) / 2
	// Output: 0.15
}

func ExampleBinaryCrossEntropyLogits() {
	logits := [][]float32{{1.5, -0.5}, {-2, 0.3}}
	targets := [][]float32{{1, 0}, {0, 1}}
	loss := graph.MustExecOnce(lib.MustBackend(), func(logits, targets *graph.Node) *graph.Node {
		posWeight := graph.Const(logits.Graph(), []float32{1, 3}) // positives of class 1 count 3 times.
		return losses.BinaryCrossEntropyLogits(logits, targets, losses.WithPosWeight(posWeight))
	}, logits, targets)
	fmt.Printf("%.4f\n", loss.Value())
	// Output: 0.6164
}

// Knowledge distillation: KL(teacher ‖ student) at temperature T, per example ("batchmean"), times T².
func ExampleKLDiv() {
	student := [][]float64{{1, 2, 0.5}, {0.2, 0.1, 3}}
	teacher := [][]float64{{1.2, 2.5, 0}, {0, 0.5, 2.5}}
	const T = 2.0
	loss := graph.MustExecOnce(lib.MustBackend(), func(s, t *graph.Node) *graph.Node {
		logQ := graph.LogSoftmax(graph.DivScalar(s, T))
		p := graph.Softmax(graph.DivScalar(t, T))
		return graph.MulScalar(losses.KLDiv(logQ, p, losses.WithReduction(losses.ReductionBatchMean)), T*T)
	}, student, teacher)
	fmt.Printf("%.4f\n", loss.Value())
	// Output: 0.0645
}

func ExampleMSE() {
	loss := graph.MustExecOnce(lib.MustBackend(), func(pred, target *graph.Node) *graph.Node {
		return losses.MSE(pred, target)
	}, []float32{2.5, 0, 2}, []float32{3, -0.5, 2})
	fmt.Printf("%.4f\n", loss.Value()) // (0.25 + 0.25 + 0) / 3, no ½
	// Output: 0.1667
}

func ExampleHuber() {
	loss := graph.MustExecOnce(lib.MustBackend(), func(pred, target *graph.Node) *graph.Node {
		return losses.Huber(pred, target, losses.WithDelta(1), losses.WithReduction(losses.ReductionNone))
	}, []float32{0.5, 3}, []float32{0, 0})
	fmt.Printf("%.3f\n", loss.Value()) // ½·0.5², 1·(3 - ½)
	// Output: [0.125 2.500]
}

func ExampleTripletMargin() {
	anchor := [][]float32{{0, 0}, {1, 1}}
	positive := [][]float32{{0, 1}, {1, 1.5}}
	negative := [][]float32{{3, 0}, {1, 1.2}}
	loss := graph.MustExecOnce(lib.MustBackend(), func(a, p, n *graph.Node) *graph.Node {
		return losses.TripletMargin(a, p, n, losses.WithReduction(losses.ReductionNone))
	}, anchor, positive, negative)
	fmt.Printf("%.4f\n", loss.Value()) // max(d(a,p) - d(a,n) + 1, 0)
	// Output: [0.0000 1.3000]
}

// MLM averages the cross-entropy over the masked positions only (labels -100 elsewhere); logits are
// [batch, seq, vocab], class axis last.
func ExampleMLM() {
	logits := [][][]float32{{{2, 0, 0, 0}, {0, 0, 5, 0}, {1, 1, 1, 1}}}
	labels := [][]int32{{0, -100, 3}} // position 1 is not masked.
	loss := graph.MustExecOnce(lib.MustBackend(), func(logits, labels *graph.Node) *graph.Node {
		return losses.MLM(logits, labels)
	}, logits, labels)
	fmt.Printf("%.4f\n", loss.Value()) // (-log softmax([2 0 0 0])[0] + log 4) / 2
	// Output: 0.8635
}

// torchvision's sigmoid focal loss returns per-element values by default.
func ExampleSigmoidFocal() {
	loss := graph.MustExecOnce(lib.MustBackend(), func(logits, targets *graph.Node) *graph.Node {
		return losses.SigmoidFocal(logits, targets) // alpha 0.25, gamma 2
	}, []float32{3, -1, 0.5}, []float32{1, 0, 0})
	fmt.Printf("%.4f\n", loss.Value())
	// Output: [0.0000 0.0170 0.2831]
}

func ExampleNames() {
	names := losses.Names()
	fmt.Println(len(names), names[:4])
	fmt.Println(losses.Inputs("TripletMarginLoss"), losses.Args("TripletMarginLoss"))
	// Output:
	// 25 [AdaptiveRobustLoss BCELoss BCEWithLogitsLoss BertPreTrainingLoss]
	// [anchor positive negative] [margin p eps swap reduction]
}

// Label smoothing mixes the one-hot target with the uniform distribution: (1-ε)·onehot + ε/C.
func ExampleWithLabelSmoothing() {
	for _, eps := range []float64{0, 0.1} {
		loss := graph.MustExecOnce(lib.MustBackend(), func(logits, labels *graph.Node) *graph.Node {
			return losses.CrossEntropy(logits, labels, losses.WithLabelSmoothing(eps))
		}, [][]float32{{4, 0, 0}}, []int32{0})
		fmt.Printf("ε=%.1f: %.4f\n", eps, loss.Value())
	}
	// Output:
	// ε=0.0: 0.0360
	// ε=0.1: 0.3026
}

// A language model's logits are [batch, seq, vocab]: the class axis is the last one, not PyTorch's axis 1.
func ExampleWithClassAxis() {
	logits := [][][]float32{{{2, 0, 0}, {0, 3, 0}}} // [1, 2, 3]
	labels := [][]int32{{0, 1}}                     // [1, 2]
	loss := graph.MustExecOnce(lib.MustBackend(), func(logits, labels *graph.Node) *graph.Node {
		return losses.CrossEntropy(logits, labels, losses.WithClassAxis(-1), losses.WithReduction(losses.ReductionNone))
	}, logits, labels)
	fmt.Printf("%.4f\n", loss.Value())
	// Output: [[0.2395 0.0949]]
}

// PyTorch clamps BCE's logs at -100, so a probability of exactly 0 for a positive target costs 100, not +Inf.
func ExampleBinaryCrossEntropy() {
	loss := graph.MustExecOnce(lib.MustBackend(), func(probs, targets *graph.Node) *graph.Node {
		return losses.BinaryCrossEntropy(probs, targets, losses.WithReduction(losses.ReductionNone))
	}, []float64{0.9, 0, 0.5}, []float64{1, 1, 0})
	fmt.Printf("%.4f\n", loss.Value())
	// Output: [0.1054 100.0000 0.6931]
}

func ExampleCosineEmbedding() {
	x1 := [][]float32{{1, 0}, {1, 1}}
	x2 := [][]float32{{0, 1}, {1, 1}}
	loss := graph.MustExecOnce(lib.MustBackend(), func(x1, x2, y *graph.Node) *graph.Node {
		return losses.CosineEmbedding(x1, x2, y, losses.WithReduction(losses.ReductionNone))
	}, x1, x2, []int32{1, -1}) // pull the first pair together, push the second apart.
	fmt.Printf("%.4f\n", loss.Value()) // [1 - cos, max(0, cos - margin)]
	// Output: [1.0000 1.0000]
}

// With gamma 0, the softmax focal loss is the cross-entropy; larger gamma discounts well-classified examples.
func ExampleSoftmaxFocal() {
	for _, gamma := range []float64{0, 2} {
		loss := graph.MustExecOnce(lib.MustBackend(), func(logits, labels *graph.Node) *graph.Node {
			return losses.SoftmaxFocal(logits, labels, losses.WithGamma(gamma), losses.WithReduction(losses.ReductionNone))
		}, [][]float32{{3, 0, 0}, {0, 0.5, 0}}, []int32{0, 0})
		fmt.Printf("gamma %g: %.4f\n", gamma, loss.Value())
	}
	// Output:
	// gamma 0: [0.0949 1.2944]
	// gamma 2: [0.0008 0.6821]
}

func ExamplePoly1CrossEntropy() {
	loss := graph.MustExecOnce(lib.MustBackend(), func(logits, labels *graph.Node) *graph.Node {
		return losses.Poly1CrossEntropy(logits, labels, losses.WithEpsilon(1)) // CE + 1·(1 - p_t)
	}, [][]float32{{2, 0, 0}}, []int32{0})
	fmt.Printf("%.4f\n", loss.Value())
	// Output: 0.4526
}

// BERT's pre-training loss is MLM (mean over the masked positions) plus NSP (mean over the examples).
func ExampleBertPreTraining() {
	mlmLogits := [][][]float32{{{2, 0, 0, 0}, {0, 0, 5, 0}}} // [batch 1, seq 2, vocab 4]
	nspLogits := [][]float32{{1.5, -0.5}}                    // [batch 1, 2]
	mlmLabels := [][]int32{{0, -100}}                        // only position 0 is masked
	nspLabels := []int32{0}
	loss := graph.MustExecOnce(lib.MustBackend(), func(mlm, nsp, mlmY, nspY *graph.Node) *graph.Node {
		return losses.BertPreTraining(mlm, nsp, mlmY, nspY)
	}, mlmLogits, nspLogits, mlmLabels, nspLabels)
	fmt.Printf("%.4f\n", loss.Value())
	// Output: 0.4677
}

// A Loss plugs into GoMLX's trainer through LossFn: the model's predictions, then the dataset's labels.
func ExampleLoss_LossFn() {
	ce, err := losses.New("CrossEntropyLoss", map[string]any{"ignore_index": -100})
	if err != nil {
		panic(err)
	}
	lossFn := ce.LossFn() // a train.LossFn, for train.NewTrainer(backend, ctx, modelFn, lossFn, optimizer, nil, nil)
	loss := graph.MustExecOnce(lib.MustBackend(), func(logits, labels *graph.Node) *graph.Node {
		return lossFn([]*graph.Node{labels}, []*graph.Node{logits})
	}, [][]float32{{2, 0.5, -1}, {0.1, 0.2, 3}}, []int32{0, 2})
	fmt.Printf("%.4f\n", loss.Value())
	// Output: 0.1755
}

// Classes masked out with logits of -Inf (constrained decoding, in-batch negatives without the diagonal): the loss
// is finite where the target is allowed, +Inf where the target itself is masked, and the gradient is finite.
func ExampleCrossEntropy_maskedClasses() {
	inf := float32(math.Inf(1))
	logits := [][]float32{{-inf, 0, 1}, {-inf, 0, 1}}
	labels := []int32{2, 0} // the second target is a masked class
	outs := graph.MustExecOnceN(lib.MustBackend(), func(logits, labels *graph.Node) []*graph.Node {
		perExample := losses.CrossEntropy(logits, labels, losses.WithReduction(losses.ReductionNone))
		return []*graph.Node{perExample, graph.Gradient(graph.ReduceAllSum(perExample), logits)[0]}
	}, logits, labels)
	fmt.Printf("per example: %.4f\n", outs[0].Value())
	fmt.Printf("gradient: %.4f\n", outs[1].Value())
	// Output:
	// per example: [0.3133 +Inf]
	// gradient: [[0.0000 0.2689 -0.2689] [-1.0000 0.2689 0.7311]]
}
