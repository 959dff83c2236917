package models_test

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/lossbook/lossbook/lib"
	"github.com/lossbook/lossbook/lib/models"
)

// Tolerance tiers. close64: PyTorch and GoMLX run the same float64 formulas with sums in a different order,
// through two encoder blocks and layer norms; the observed difference is ~1e-15, the tier leaves room for
// a different summation order without hiding a formula error (those show at 1e-2). exact: a property that
// must hold bit for bit (padding never reaches a real position's computation; only exp(-huge) = 0 does).
const (
	close64 = 1e-12
	exact   = 0
)

// readGolden reads a golden file of testdata (written by a gen_*.py there) into v and logs its provenance.
func readGolden(t *testing.T, file string, v any) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var head struct {
		TorchVersion string `json:"torch_version"`
		Command      string
	}
	if err := json.Unmarshal(data, &head); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatal(err)
	}
	t.Logf("golden values from torch %s (%s)", head.TorchVersion, head.Command)
}

// golden is testdata/transformer.json, written by testdata/gen_transformer.py.
type golden struct {
	Cases []struct {
		Name   string
		Config struct {
			VocabSize, MaxLen, NumSegments, Dim, NumHeads, NumLayers, FFNDim int
			Activation                                                       string
			NormFirst, FinalNorm                                             bool
		}
		Tokens, Segments    [][]int32
		Mask                [][]bool
		Variables           goldenVariables
		Hidden, MLM, Pooled []float64
	}
}

// goldenVariables are a PyTorch twin's weights under the GoMLX variable names ("/scope/.../name", Linear weights
// transposed to [in, out]) that the testdata generators write.
type goldenVariables map[string]struct {
	Shape  []int
	Values []float64
}

// load returns a new context holding the variables.
func (vars goldenVariables) load() *context.Context {
	ctx := context.New()
	for name, v := range vars {
		scope, base := path.Split(name)
		ctx.InAbsPath(strings.TrimSuffix(scope, "/")).VariableWithValue(base, tensors.FromFlatDataAndDimensions(v.Values, v.Shape...))
	}
	return ctx
}

// checkAllUsed fails the test when the model, run in ctx, has another number of trainable variables than the twin:
// then it created one that was not loaded.
func (vars goldenVariables) checkAllUsed(t *testing.T, ctx *context.Context) {
	t.Helper()
	var trainable int
	for v := range ctx.IterVariables() {
		if v.Trainable {
			trainable++
		}
	}
	if trainable != len(vars) {
		t.Errorf("model has %d trainable variables, PyTorch's twin %d: a variable was not loaded", trainable, len(vars))
	}
}

// checkClose64 fails the test when got differs from PyTorch's want by more than close64 relative to 1+|want|.
func checkClose64(t *testing.T, name string, got, want []float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s has %d values, PyTorch's %d", name, len(got), len(want))
	}
	worst := 0.0
	for j := range got {
		worst = max(worst, math.Abs(got[j]-want[j])/(1+math.Abs(want[j])))
	}
	if worst > close64 {
		t.Errorf("%s differs from PyTorch by up to %.3g (relative), want <= %g", name, worst, close64)
	}
	t.Logf("%s: worst relative difference %.3g", name, worst)
}

// TestTransformerMatchesPyTorch loads PyTorch's weights into a context and compares the hidden states and
// both heads' logits with PyTorch's, in float64.
func TestTransformerMatchesPyTorch(t *testing.T) {
	var gold golden
	readGolden(t, "testdata/transformer.json", &gold)
	for _, c := range gold.Cases {
		t.Run(c.Name, func(t *testing.T) {
			cfg := c.Config
			model := models.Transformer{VocabSize: cfg.VocabSize, MaxLen: cfg.MaxLen, NumSegments: cfg.NumSegments,
				Dim: cfg.Dim, NumHeads: cfg.NumHeads, NumLayers: cfg.NumLayers, FFNDim: cfg.FFNDim,
				Activation: models.Activation(cfg.Activation), NormFirst: cfg.NormFirst,
				FinalNorm: cfg.FinalNorm, DType: dtypes.Float64}
			ctx := c.Variables.load()
			outputs := context.MustNewExec(lib.MustBackend(), ctx.Reuse(), func(ctx *context.Context, tokens, segments, mask *Node) []*Node {
				hidden := model.Encode(ctx, tokens, segments, mask)
				return []*Node{hidden, model.MLMLogits(ctx, hidden), model.PooledLogits(ctx, hidden, 2)}
			}).MustExec(c.Tokens, c.Segments, c.Mask)
			for i, want := range [][]float64{c.Hidden, c.MLM, c.Pooled} {
				checkClose64(t, []string{"hidden", "mlm", "pooled"}[i], tensors.MustCopyFlatData[float64](outputs[i]), want)
			}
			c.Variables.checkAllUsed(t, ctx)
		})
	}
}

// TestPaddingIsIgnored changes the tokens at padding positions and checks that nothing computed for the real
// positions moves: the bag's logits, and the transformer's hidden states at real positions and pooled logits.
func TestPaddingIsIgnored(t *testing.T) {
	mask := [][]bool{{true, true, true, false, false}, {true, true, true, true, true}}
	tokensA := [][]int32{{3, 4, 5, 0, 0}, {6, 7, 8, 9, 1}}
	tokensB := [][]int32{{3, 4, 5, 17, 11}, {6, 7, 8, 9, 1}}

	bag := models.BagOfEmbeddings{VocabSize: 20, Dim: 6, NumClasses: 3, DType: dtypes.Float64}
	enc := models.Transformer{VocabSize: 20, MaxLen: 8, Dim: 8, NumHeads: 2, NumLayers: 2, FFNDim: 16, DType: dtypes.Float64}
	tests := []struct {
		name string
		fn   func(ctx *context.Context, tokens, mask *Node) []*Node
		// real says which values of each output belong to real positions (all, when nil).
		real []func(i int) bool
	}{
		{"BagOfEmbeddings", func(ctx *context.Context, tokens, mask *Node) []*Node {
			return []*Node{bag.Logits(ctx, tokens, mask)}
		}, []func(int) bool{nil}},
		{"Transformer", func(ctx *context.Context, tokens, mask *Node) []*Node {
			hidden := enc.Encode(ctx, tokens, nil, mask)
			return []*Node{hidden, enc.PooledLogits(ctx, hidden, 2)}
		}, []func(int) bool{func(i int) bool { pos := i / 8; return mask[pos/5][pos%5] }, nil}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			exec := context.MustNewExec(lib.MustBackend(), context.New(), tc.fn)
			a, b := exec.MustExec(tokensA, mask), exec.MustExec(tokensB, mask)
			for i := range a {
				va, vb := tensors.MustCopyFlatData[float64](a[i]), tensors.MustCopyFlatData[float64](b[i])
				for j := range va {
					if (tc.real[i] == nil || tc.real[i](j)) && math.Abs(va[j]-vb[j]) > exact {
						t.Fatalf("output %d value %d moved from %g to %g when only padding tokens changed", i, j, va[j], vb[j])
					}
				}
			}
		})
	}
}

// TestBagOfEmbeddingsMean checks the masked mean against one computed here from the embedding table.
func TestBagOfEmbeddingsMean(t *testing.T) {
	model := models.BagOfEmbeddings{VocabSize: 5, Dim: 2, NumClasses: 2, DType: dtypes.Float64}
	ctx := context.New()
	ctx.InAbsPath("/embeddings").VariableWithValue("embeddings", [][]float64{{0, 0}, {1, 2}, {3, 4}, {5, 6}, {7, 8}})
	ctx.InAbsPath("/output/dense").VariableWithValue("weights", [][]float64{{1, 0}, {0, 1}}) // identity: logits = mean
	ctx.InAbsPath("/output/dense").VariableWithValue("biases", []float64{0.5, -0.5})
	got := context.MustNewExec(lib.MustBackend(), ctx.Reuse(), model.Logits).
		MustExec([][]int32{{1, 2, 4}, {3, 3, 1}, {2, 2, 2}}, [][]bool{{true, true, false}, {true, true, true}, {false, false, false}})[0].Value().([][]float64)
	want := [][]float64{{2 + 0.5, 3 - 0.5}, {11.0/3 + 0.5, 14.0/3 - 0.5}, {0.5, -0.5}} // the all-padding row gets the bias
	for i := range want {
		for j := range want[i] {
			if math.Abs(got[i][j]-want[i][j]) > close64 {
				t.Errorf("logits = %v, want %v", got, want)
			}
		}
	}
}

// TestPanics checks that configuration and shape mistakes panic with a "models:" message that names them.
func TestPanics(t *testing.T) {
	good := models.Transformer{VocabSize: 10, MaxLen: 4, Dim: 8, NumHeads: 2, NumLayers: 1, FFNDim: 8}
	tests := []struct {
		name string
		fn   func(g *Graph)
		want string
	}{
		{"float tokens", func(g *Graph) {
			good.Encode(context.New(), Parameter(g, "t", shapes.Make(dtypes.Float32, 2, 3)), nil, nil)
		}, "models: Transformer.Encode: tokens (Float32)[2 3] must be [batch, seq] of an integer dtype"},
		{"too long", func(g *Graph) {
			good.Encode(context.New(), Parameter(g, "t", shapes.Make(dtypes.Int32, 2, 5)), nil, nil)
		}, "models: Transformer.Encode: tokens (Int32)[2 5] are longer than MaxLen 4"},
		{"mask shape", func(g *Graph) {
			good.Encode(context.New(), Parameter(g, "t", shapes.Make(dtypes.Int32, 2, 3)), nil, Parameter(g, "m", shapes.Make(dtypes.Bool, 2, 4)))
		}, "models: Transformer.Encode: mask (Bool)[2 4] does not match tokens (Int32)[2 3] (want Bool of the same dimensions)"},
		{"heads", func(g *Graph) {
			bad := good
			bad.NumHeads = 3
			bad.Encode(context.New(), Parameter(g, "t", shapes.Make(dtypes.Int32, 2, 3)), nil, nil)
		}, "models: Transformer: Dim 8 is not a multiple of NumHeads 3"},
		{"activation", func(g *Graph) {
			bad := good
			bad.Activation = "tanh"
			bad.Encode(context.New(), Parameter(g, "t", shapes.Make(dtypes.Int32, 2, 3)), nil, nil)
		}, `models: Transformer: unknown Activation "tanh" (want "relu" or "gelu")`},
		{"segments without NumSegments", func(g *Graph) {
			good.Encode(context.New(), Parameter(g, "t", shapes.Make(dtypes.Int32, 2, 3)), Parameter(g, "s", shapes.Make(dtypes.Int32, 2, 3)), nil)
		}, "models: Transformer.Encode: segments (Int32)[2 3] given but NumSegments is 0"},
		{"hidden width", func(g *Graph) {
			good.MLMLogits(context.New(), Parameter(g, "h", shapes.Make(dtypes.Float32, 2, 3, 7)))
		}, "models: Transformer.MLMLogits: hidden (Float32)[2 3 7] must be [batch, seq, 8]"},
		{"bag sizes", func(g *Graph) {
			models.BagOfEmbeddings{VocabSize: 10, Dim: 0, NumClasses: 2}.Logits(context.New(), Parameter(g, "t", shapes.Make(dtypes.Int32, 2, 3)), nil)
		}, "models: BagOfEmbeddings.Logits: VocabSize 10, Dim 0 and NumClasses 2 must be positive"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := NewGraph(lib.MustBackend(), tc.name)
			defer g.Finalize()
			defer func() {
				if r := recover(); fmt.Sprint(r) != tc.want {
					t.Errorf("panic = %v\nwant    %s", r, tc.want)
				}
			}()
			tc.fn(g)
		})
	}
}

// TestTrainingGraphHasNoCube builds (without running) the gradient graph of the benchmark's transformer,
// 2 layers, d 128, ffn 512, seq 64, batch 32, vocab 8000, and checks that no node is larger than the MLM
// logits [32, 64, 8000]. With GoMLX v0.26.0's own matmul gradients the output layer alone builds
// [2048, 128, 8000] nodes (2.1 G elements, 8.4 GB); lib's import of lib/dotgrad removes them.
func TestTrainingGraphHasNoCube(t *testing.T) {
	const batch, seq, vocab = 32, 64, 8000
	model := models.Transformer{VocabSize: vocab, MaxLen: seq, Dim: 128, NumHeads: 4, NumLayers: 2, FFNDim: 512}
	ctx := context.New()
	g := NewGraph(lib.MustBackend(), "no_cube")
	defer g.Finalize()
	tokens := Parameter(g, "tokens", shapes.Make(dtypes.Int32, batch, seq))
	mask := Parameter(g, "mask", shapes.Make(dtypes.Bool, batch, seq))
	logits := model.MLMLogits(ctx, model.Encode(ctx, tokens, nil, mask))
	loss := ReduceAllMean(Neg(ReduceMax(LogSoftmax(logits), -1))) // any scalar of the logits will do
	ctx.BuildTrainableVariablesGradientsGraph(loss)
	largest, bound := 0, batch*seq*vocab
	for _, n := range g.Nodes() {
		if n.Shape().Size() > largest {
			largest = n.Shape().Size()
		}
	}
	if largest > bound {
		t.Errorf("largest node of the training graph has %d elements, want at most the %d of the logits", largest, bound)
	}
	t.Logf("%d nodes, the largest has %d elements", len(g.Nodes()), largest)
}

// TestDropoutOnlyInTraining checks that Dropout changes the outputs in training mode and is a no-op otherwise.
func TestDropoutOnlyInTraining(t *testing.T) {
	base := models.Transformer{VocabSize: 20, MaxLen: 8, Dim: 8, NumHeads: 2, NumLayers: 2, FFNDim: 16, DType: dtypes.Float64}
	withDropout := base
	withDropout.Dropout = 0.5
	tokens := [][]int32{{3, 4, 5, 6}, {7, 8, 9, 1}}
	ctx := context.New()
	run := func(m models.Transformer, training bool) []float64 {
		exec := context.MustNewExec(lib.MustBackend(), ctx.Reuse(), func(ctx *context.Context, tokens *Node) *Node {
			ctx.SetTraining(tokens.Graph(), training)
			return m.PooledLogits(ctx, m.Encode(ctx, tokens, nil, nil), 2)
		})
		defer exec.Finalize()
		return tensors.MustCopyFlatData[float64](exec.MustExec(tokens)[0])
	}
	// Create the variables once, without dropout.
	context.MustNewExec(lib.MustBackend(), ctx, func(ctx *context.Context, tokens *Node) *Node {
		return base.PooledLogits(ctx, base.Encode(ctx, tokens, nil, nil), 2)
	}).MustExec(tokens)
	plain := run(base, false)
	if got := run(withDropout, false); fmt.Sprint(got) != fmt.Sprint(plain) {
		t.Errorf("dropout changed the inference outputs: %v, want %v", got, plain)
	}
	if got := run(withDropout, true); fmt.Sprint(got) == fmt.Sprint(plain) {
		t.Errorf("dropout 0.5 in training mode left the outputs unchanged: %v", got)
	}
}

// TestTrainsOnPureGo runs the gradients of both heads with sequences shorter than MaxLen on the backend, and
// checks that every trainable variable gets a finite, non-zero gradient. (GoMLX v0.26's pure-Go backend has
// no Pad, so a model that used Slice would fail here.)
func TestTrainsOnPureGo(t *testing.T) {
	model := models.Transformer{VocabSize: 30, MaxLen: 16, NumSegments: 2, Dim: 8, NumHeads: 2, NumLayers: 1, FFNDim: 16}
	bag := models.BagOfEmbeddings{VocabSize: 30, Dim: 8, NumClasses: 3}
	ctx := context.New()
	var names []string
	grads := context.MustNewExec(lib.MustBackend(), ctx, func(ctx *context.Context, tokens, segments, mask *Node) []*Node {
		hidden := model.Encode(ctx.In("encoder"), tokens, segments, mask)
		loss := Add(ReduceAllMean(model.MLMLogits(ctx.In("encoder"), hidden)),
			ReduceAllMean(model.PooledLogits(ctx.In("encoder"), hidden, 2)))
		loss = Add(loss, ReduceAllMean(bag.Logits(ctx.In("bag"), tokens, mask)))
		var vars []*Node
		for v := range ctx.IterVariables() {
			if v.Trainable {
				names = append(names, v.ScopeAndName())
				vars = append(vars, v.ValueGraph(tokens.Graph()))
			}
		}
		return Gradient(Square(loss), vars...)
	}).MustExec([][]int32{{1, 5, 7, 2, 9}, {1, 3, 2, 0, 0}}, [][]int32{{0, 0, 0, 1, 1}, {0, 0, 0, 0, 0}},
		[][]bool{{true, true, true, true, true}, {true, true, true, false, false}})
	for i, g := range grads {
		sum := 0.0
		for _, v := range tensors.MustCopyFlatData[float32](g) {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				t.Fatalf("gradient of %s has %v", names[i], v)
			}
			sum += math.Abs(float64(v))
		}
		if sum == 0 {
			t.Errorf("gradient of %s is zero", names[i])
		}
	}
	t.Logf("%d variables have finite, non-zero gradients", len(grads))
}

// TestEmbeddingInit checks BERT's initialisation of the three embedding tables: a normal of std 0.02 truncated
// at two standard deviations (std 0.0176), whatever the table's number of rows. Under GoMLX's He default the
// tables had std sqrt(2/rows): 0.0158, 0.126 and 0.956 for 8,000 tokens, 128 positions and 2 segments.
func TestEmbeddingInit(t *testing.T) {
	model := models.Transformer{VocabSize: 8000, MaxLen: 128, NumSegments: 2, Dim: 64, NumHeads: 2, NumLayers: 0, FFNDim: 16}
	ctx := context.New()
	ctx.SetParam(context.ParamInitialSeed, int64(7))
	context.MustNewExec(lib.MustBackend(), ctx, func(ctx *context.Context, tokens, segments *Node) *Node {
		return model.Encode(ctx, tokens, segments, nil)
	}).MustExec([][]int32{{1, 2}}, [][]int32{{0, 1}})
	const truncatedStd = 0.02 * 0.8796 // std of a standard normal truncated to [-2, 2]
	for _, scope := range []string{"token_embeddings", "position_embeddings", "segment_embeddings"} {
		t.Run(scope, func(t *testing.T) {
			var values []float32
			for v := range ctx.IterVariables() {
				if strings.HasPrefix(v.Scope(), "/"+scope) {
					values = tensors.MustCopyFlatData[float32](v.MustValue())
				}
			}
			if len(values) == 0 {
				t.Fatalf("no variable under %s", scope)
			}
			var sum, sumSq, maxAbs float64
			for _, v := range values {
				sum += float64(v)
				sumSq += float64(v) * float64(v)
				maxAbs = max(maxAbs, math.Abs(float64(v)))
			}
			n := float64(len(values))
			std := math.Sqrt(sumSq/n - (sum/n)*(sum/n))
			// Sampling error of a std over n draws is about std/sqrt(2n): 128 values (2 segments x 64) give 6%.
			if tol := 4 * truncatedStd / math.Sqrt(2*n); math.Abs(std-truncatedStd) > tol {
				t.Errorf("%s: std %.4f over %d values, want %.4f ± %.4f", scope, std, len(values), truncatedStd, tol)
			}
			if maxAbs > 2*0.02+1e-7 {
				t.Errorf("%s: max |value| %.4f, want at most 0.04 (truncated at 2 std)", scope, maxAbs)
			}
			t.Logf("%s: %d values, std %.4f, max |value| %.4f", scope, len(values), std, maxAbs)
		})
	}
}

// TestTorchInit: with TorchInit a Seq2Seq's linear layers start as nn.Transformer's do. Each variable's values
// lie within PyTorch's bound, and their standard deviation is the uniform's, bound/sqrt(3), to four times its
// sampling error sqrt(0.2/n) (relative; 4% for the 128 output biases, 0.7% for 4,096 weights); zero where PyTorch
// zeroes them. The layer norms and embeddings are
// untouched by it. Without TorchInit the attention biases start at zero and the weights from He's normal, whose
// std sqrt(2/d) is 2.4 times the torch value.
func TestTorchInit(t *testing.T) {
	const d, ffn = 64, 256
	model := models.Seq2Seq{SourceVocabSize: 40, TargetVocabSize: 40, MaxLen: 8, Dim: d, NumHeads: 4, EncoderLayers: 1,
		DecoderLayers: 1, FFNDim: ffn, TieOutput: true, DType: dtypes.Float64, TorchInit: true}
	ctx := context.New()
	ctx.SetParam(context.ParamInitialSeed, int64(3))
	context.MustNewExec(lib.MustBackend(), ctx, func(ctx *context.Context, src, tgt *Node) *Node {
		return model.Logits(ctx, model.Encode(ctx, src, nil), nil, tgt)
	}).MustExec([][]int32{{1, 2, 3}}, [][]int32{{1, 4}})
	xavier, linear := math.Sqrt(6.0/(4*d)), 1/math.Sqrt(d)
	cases := []struct {
		suffix string  // end of the variable's scope and name
		bound  float64 // PyTorch's bound; 0 means all zero
	}{
		{"self_attention/query/weights", xavier},
		{"cross_attention/key/weights", xavier},
		{"attention/value/weights", xavier},
		{"attention/query/biases", 0},
		{"attention/output/weights", linear},
		{"attention/output/biases", 0},
		{"ffn/hidden/weights", linear},
		{"ffn/hidden/biases", linear},
		{"ffn/output/weights", 1 / math.Sqrt(ffn)},
		{"ffn/output/biases", 1 / math.Sqrt(ffn)},
		{"decoder/output/biases", 0}, // tied output layer: nn.Linear's bias zeroed, as the peer script does
	}
	for _, c := range cases {
		t.Run(c.suffix, func(t *testing.T) {
			var values []float64
			for v := range ctx.IterVariables() {
				if strings.HasSuffix(strings.ReplaceAll(v.Scope(), "/dense", "")+"/"+v.Name(), c.suffix) { // layers.Dense's own scope
					values = append(values, tensors.MustCopyFlatData[float64](v.MustValue())...)
				}
			}
			if len(values) == 0 {
				t.Fatalf("no variable ends in %s", c.suffix)
			}
			sum2 := 0.0
			for _, x := range values {
				if math.Abs(x) > c.bound {
					t.Fatalf("value %g outside ±%g", x, c.bound)
				}
				sum2 += x * x
			}
			std, want := math.Sqrt(sum2/float64(len(values))), c.bound/math.Sqrt(3)
			if tol := 4 * math.Sqrt(0.2/float64(len(values))) * want; math.Abs(std-want) > tol {
				t.Errorf("std %.5f over %d values, want %.5f (bound %.5f / sqrt 3)", std, len(values), want, c.bound)
			}
		})
	}
	for v := range ctx.IterVariables() {
		if strings.Contains(v.Scope(), "norm") && v.Name() == "gain" {
			if x := tensors.MustCopyFlatData[float64](v.MustValue())[0]; x != 1 {
				t.Errorf("%s/%s starts at %g, want 1", v.Scope(), v.Name(), x)
			}
		}
	}
}

// TestBERTInitializer: under BERTInitializer every linear layer's weights come from a normal of std 0.02 truncated
// at ±0.04 (whose standard deviation is 0.8796·0.02), every bias starts at zero, and the layer norms keep gain 1
// and offset 0.
func TestBERTInitializer(t *testing.T) {
	const std = 0.02
	model := models.Transformer{VocabSize: 50, MaxLen: 8, NumSegments: 2, Dim: 64, NumHeads: 4, NumLayers: 2, FFNDim: 256,
		Activation: models.GELU, NormFirst: true, FinalNorm: true, DType: dtypes.Float64}
	root := context.New()
	root.SetParam(context.ParamInitialSeed, int64(5))
	ctx := root.WithInitializer(models.BERTInitializer(root, std))
	context.MustNewExec(lib.MustBackend(), ctx, func(ctx *context.Context, tokens *Node) *Node {
		hidden := model.Encode(ctx, tokens, nil, nil)
		return Add(ReduceAllSum(model.MLMLogits(ctx, hidden)), ReduceAllSum(model.PooledLogits(ctx, hidden, 2)))
	}).MustExec([][]int32{{1, 2, 3}})
	var weights []float64
	checked := 0
	for v := range ctx.IterVariables() {
		if v.Shape().DType != dtypes.Float64 {
			continue // the context's random-number state
		}
		values := tensors.MustCopyFlatData[float64](v.MustValue())
		name := v.Scope() + "/" + v.Name()
		switch {
		case strings.Contains(name, "embeddings"):
			continue // BERT's tables, tested with the encoder
		case v.Name() == "weights":
			weights = append(weights, values...)
		case v.Name() == "biases" || v.Name() == "offset" || v.Name() == "gain":
			want := 0.0
			if v.Name() == "gain" {
				want = 1
			}
			for _, x := range values {
				if x != want {
					t.Fatalf("%s starts with %g, want %g", name, x, want)
				}
			}
		default:
			t.Fatalf("unexpected variable %s", name)
		}
		checked++
	}
	if checked < 30 || len(weights) < 100000 {
		t.Fatalf("checked %d variables with %d weights: the model should have more", checked, len(weights))
	}
	sum2 := 0.0
	for _, x := range weights {
		if math.Abs(x) > 2*std {
			t.Fatalf("weight %g outside ±%g", x, 2*std)
		}
		sum2 += x * x
	}
	got, want := math.Sqrt(sum2/float64(len(weights))), 0.8796*std
	if tol := 4 * math.Sqrt(0.35/float64(len(weights))) * want; math.Abs(got-want) > tol {
		t.Errorf("weights' std %.6f over %d values, want %.6f ± %.6f", got, len(weights), want, tol)
	}
}
