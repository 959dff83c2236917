package training

import (
	"io"
	"math"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX graph code reads best with the dot import.
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/lossbook/lossbook/lib"
	"github.com/lossbook/lossbook/lib/models"
)

// TestHuggingFaceNoDecayOnTransformer: the Hugging Face recipe no_decay = ["bias", "LayerNorm.weight"], given to
// NewOptimizer, spares every layer norm (GoMLX's gain and offset) and every bias of models.Transformer, and
// decays the rest (weights and embedding tables): one AdamW step with zero gradients moves only by weight decay.
func TestHuggingFaceNoDecayOnTransformer(t *testing.T) {
	model := models.Transformer{VocabSize: 11, MaxLen: 6, NumSegments: 2, Dim: 8, NumHeads: 2, NumLayers: 2,
		FFNDim: 16, DType: dtypes.Float64}
	tokens := [][]int32{{1, 2, 3, 4}, {5, 6, 7, 0}}
	segments := [][]int32{{0, 0, 1, 1}, {0, 1, 1, 1}}
	data, err := NewTensorDataset(tokens, segments)
	if err != nil {
		t.Fatal(err)
	}
	// A loss whose gradient is zero: Adam's update is then 0/(0 + ε) = 0, and only weight decay moves a variable.
	lossFn := func(ctx *context.Context, batch []*Node) (*Node, *Node) {
		hidden := model.Encode(ctx, batch[0], batch[1], nil)
		logits := Add(ReduceAllSum(model.MLMLogits(ctx, hidden)), ReduceAllSum(model.PooledLogits(ctx, hidden, 2)))
		return MulScalar(logits, 0), ScalarOne(logits.Graph(), logits.DType())
	}
	ctx := context.New()
	if err := ctx.SetRNGStateFromSeed(3); err != nil {
		t.Fatal(err)
	}
	// Create the variables, and keep their initial values.
	context.MustExecOnce(lib.MustBackend(), ctx, func(ctx *context.Context, x, s *Node) *Node {
		sum, _ := lossFn(ctx, []*Node{x, s})
		return sum
	}, tokens, segments)
	before := map[string][]float64{}
	for v := range ctx.IterVariables() {
		if v.Trainable {
			before[v.ScopeAndName()] = tensors.MustCopyFlatData[float64](v.MustValue())
		}
	}

	const lr, decay = 0.1, 0.5
	opt, err := NewOptimizer("AdamW", map[string]any{"lr": lr, "weight_decay": decay,
		"no_decay": []any{"bias", "LayerNorm.weight"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Train(lib.MustBackend(), ctx, data, lossFn, Config{Optimizer: opt, Steps: 1,
		Progress: io.Discard}); err != nil {
		t.Fatal(err)
	}
	norms, biases, decayed := 0, 0, 0
	for v := range ctx.IterVariables() {
		if !v.Trainable {
			continue
		}
		name := v.ScopeAndName()
		isNorm := v.Name() == "gain" || v.Name() == "offset"
		isBias := v.Name() == "biases"
		spared := isNorm || isBias
		if spared != (v.Shape().Rank() < 2) {
			t.Fatalf("%s %s: the test assumes that exactly the norms and biases have rank < 2", name, v.Shape())
		}
		if got := opt.(*Adam).NoDecay(v); got != spared {
			t.Errorf("no_decay picks %s (%s): %v, want %v", name, TorchName(v), got, spared)
		}
		factor := 1.0
		switch {
		case isNorm:
			norms++
		case isBias:
			biases++
		default:
			decayed++
			factor = 1 - lr*decay
		}
		got := tensors.MustCopyFlatData[float64](v.MustValue())
		for i, x := range before[name] {
			if math.Abs(got[i]-factor*x) > 1e-15*math.Abs(x) {
				t.Errorf("%s (%s): %v became %v, want ×%v (decayed: %v)", name, TorchName(v), x, got[i], factor,
					!spared)
				break
			}
		}
	}
	t.Logf("%d layer-norm variables and %d biases spared, %d decayed", norms, biases, decayed)
	if norms != 2*(1+2*model.NumLayers) || biases == 0 || decayed == 0 {
		t.Errorf("%d norm variables (want %d), %d biases, %d decayed", norms, 2*(1+2*model.NumLayers), biases,
			decayed)
	}
}

func TestTorchName(t *testing.T) {
	ctx := context.New()
	for _, tc := range []struct{ scope, name, want string }{
		{"/layer_0/attention_norm/layer_normalization", "gain", "layer_0.attention_norm.LayerNorm.weight"},
		{"/layer_0/attention_norm/layer_normalization", "offset", "layer_0.attention_norm.LayerNorm.bias"},
		{"/layer_0/attention/query/dense", "weights", "layer_0.attention.query.weight"},
		{"/layer_0/attention/query/dense", "biases", "layer_0.attention.query.bias"},
		{"/token_embeddings", "embeddings", "token_embeddings.weight"},
		{"/decoder/rms_norm", "scale", "decoder.RMSNorm.weight"},
		{"/", "w", "w"},
		{"/linear", "weight", "linear.weight"},
		{"/odd/layer_normalization", "extra", "odd.LayerNorm.extra"},
	} {
		v := ctx.InAbsPath(tc.scope).VariableWithValue(tc.name, 1.0)
		if got := TorchName(v); got != tc.want {
			t.Errorf("TorchName(%s) = %q, want %q", v.ScopeAndName(), got, tc.want)
		}
	}
}
