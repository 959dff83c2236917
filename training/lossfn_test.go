package training

import (
	"io"
	"math"
	"testing"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX graph code reads best with the dot import.
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/lossbook/lossbook/lib"
	"github.com/lossbook/lossbook/losses"
	"github.com/lossbook/lossbook/metrics"
)

// perplexity11 is a model of perplexity 11 over a vocabulary of 30,000 (issue 24's case): every row gives its
// target the logit a and every other class 0, with e^a = (V−1)/10, so p(target) = 1/11 exactly. Two targets are
// ignored. Label smoothing ε adds ε·(mean over classes of −log p − (−log p_target)), so the smoothed "loss" per
// token is log Z − a·(1 − ε + ε/V) with log Z = log(e^a + V − 1).
func perplexity11() (logits [][]float64, targets []int32, a, logZ float64) {
	const vocab, rows, ignore = 30000, 6, -100
	a = math.Log((vocab - 1) / 10.0)
	logZ = math.Log(math.Exp(a) + vocab - 1)
	targets = []int32{7, 29999, ignore, 0, 12345, ignore}
	logits = make([][]float64, rows)
	for i, y := range targets {
		logits[i] = make([]float64, vocab)
		if y != ignore {
			logits[i][y] = a
		} else {
			logits[i][3] = 5 // Whatever an ignored position holds must not count.
		}
	}
	return logits, targets, a, logZ
}

// TestEvalLossIsUnsmoothedNLL: a model trained with label smoothing 0.1 reports its training loss smoothed, but
// Train's eval_loss, CrossEntropySumCount and metrics.Perplexity give its NLL per token: log 11, perplexity 11.
// Before, CrossEntropySumCount passed WithLabelSmoothing on to eval_loss and Perplexity.Add.
func TestEvalLossIsUnsmoothedNLL(t *testing.T) {
	const eps, vocab = 0.1, 30000
	logits, targets, a, logZ := perplexity11()
	data, err := NewTensorDataset(logits, targets)
	if err != nil {
		t.Fatal(err)
	}
	lossFn := func(ctx *context.Context, batch []*Node) (*Node, *Node) {
		// A variable whose gradient is 0, so that Train has something to update and the model stays as built.
		w := ctx.VariableWithValue("w", 0.0).ValueGraph(batch[0].Graph())
		x := Add(batch[0], Mul(w, ScalarZero(batch[0].Graph(), w.DType())))
		return TrainingCrossEntropySumCount(ctx, x, batch[1], -100, -1, losses.WithLabelSmoothing(eps))
	}
	res, err := Train(lib.MustBackend(), context.New(), data, lossFn, Config{Optimizer: NewSGD(0.1), Steps: 1,
		EvalData: data, EvalBatchSize: 4, Progress: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	smoothed := logZ - a*(1-eps+eps/vocab)
	evalLoss := res.LastEval()["eval_loss"]
	if !near(res.Losses[0], smoothed, close12) || !near(evalLoss, math.Log(11), close12) {
		t.Errorf("training loss %.12g (want the smoothed %.12g), eval_loss %.12g (want log 11 = %.12g)",
			res.Losses[0], smoothed, evalLoss, math.Log(11))
	}
	t.Logf("smoothing %v: training loss %.4f (exp %.1f), eval_loss %.4f (perplexity %.4f)", eps, res.Losses[0],
		math.Exp(res.Losses[0]), evalLoss, math.Exp(evalLoss))

	// Outside Train (no training flag), CrossEntropySumCount and TrainingCrossEntropySumCount give the NLL sum.
	outs := context.MustExecOnceN(lib.MustBackend(), context.New(), func(ctx *context.Context, x, y *Node) []*Node {
		s1, c1 := CrossEntropySumCount(x, y, -100, -1)
		s2, c2 := TrainingCrossEntropySumCount(ctx, x, y, -100, 1, losses.WithLabelSmoothing(eps))
		return []*Node{s1, c1, s2, c2}
	}, logits, targets)
	var ppl metrics.Perplexity
	ppl.Add(outs[0].Value().(float64), outs[1].Value().(float64))
	if !near(ppl.Value(), 11, close12) || ppl.Tokens() != 4 || !near(outs[2].Value().(float64), 4*math.Log(11), close12) ||
		outs[3].Value().(float64) != 4 {
		t.Errorf("perplexity %.12g over %v tokens (want 11 over 4); evaluation graph sum %v count %v (want 4 log 11, 4)",
			ppl.Value(), ppl.Tokens(), outs[2].Value(), outs[3].Value())
	}
}
