package losses

import (
	"math/rand/v2"
	"testing"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX's idiom.
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/layers"
	"github.com/gomlx/gomlx/pkg/ml/train"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"
)

var _ train.LossFn = Loss(nil).LossFn() // Loss plugs into GoMLX's trainer.

// TestLossFnTrains plugs a registry loss into GoMLX's trainer: a linear classifier on a separable problem, whose
// training loss must fall.
func TestLossFnTrains(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	const n, d, c = 64, 4, 3
	xs := make([]float32, n*d)
	ys := make([]int32, n)
	for i := range n {
		ys[i] = int32(rng.IntN(c))
		for j := range d {
			xs[i*d+j] = float32(rng.NormFloat64())
		}
		xs[i*d+int(ys[i])] += 3 // the class shows in its feature.
	}
	inputs := tensors.FromFlatDataAndDimensions(xs, n, d)
	labels := tensors.FromFlatDataAndDimensions(ys, n)
	ce, err := New("CrossEntropyLoss", map[string]any{"label_smoothing": 0.05})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.New()
	modelFn := func(ctx *context.Context, _ any, in []*Node) []*Node {
		return []*Node{layers.Dense(ctx, in[0], true, c)}
	}
	opt := optimizers.StochasticGradientDescent().WithLearningRate(0.5).Done()
	trainer := train.NewTrainer(backendForTest(t), ctx, modelFn, ce.LossFn(), opt, nil, nil)
	var first, last float64
	for step := range 30 {
		metrics, err := trainer.TrainStep(nil, []*tensors.Tensor{inputs}, []*tensors.Tensor{labels})
		if err != nil {
			t.Fatal(err)
		}
		loss := flat64(metrics[0])[0]
		if step == 0 {
			first = loss
		}
		last = loss
	}
	t.Logf("training loss: %.4f -> %.4f", first, last)
	if !(last < first/2) {
		t.Errorf("training loss went from %.4f to %.4f; want it at least halved", first, last)
	}
}

// TestLossFnOrder: the adapter passes the predictions, then the labels.
func TestLossFnOrder(t *testing.T) {
	triplet, err := New("TripletMarginLoss", nil)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(15, 16))
	a, p, n := randomTensor(rng, 1, 4, 3), randomTensor(rng, 1, 4, 3), randomTensor(rng, 1, 4, 3)
	viaAdapter := run1(t, func(in []*Node) []*Node { return []*Node{triplet.LossFn()(nil, in)} }, a, p, n)
	direct := run1(t, func(in []*Node) []*Node { return []*Node{TripletMargin(in[0], in[1], in[2])} }, a, p, n)
	assertClose(t, "TripletMarginLoss via LossFn", viaAdapter[0], direct[0], 0)
	gauss, _ := New("GaussianNLLLoss", nil)
	v := randomTensor(rng, 1, 4, 3)
	viaAdapter = run1(t, func(in []*Node) []*Node {
		return []*Node{gauss.LossFn()([]*Node{in[1], Abs(in[2])}, []*Node{in[0]})}
	}, a, p, v)
	direct = run1(t, func(in []*Node) []*Node { return []*Node{GaussianNLL(in[0], in[1], Abs(in[2]))} }, a, p, v)
	assertClose(t, "GaussianNLLLoss via LossFn", viaAdapter[0], direct[0], 0)
}
