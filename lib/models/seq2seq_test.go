package models_test

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/lossbook/lossbook/lib"
	"github.com/lossbook/lossbook/lib/models"
)

// close64Steps: incremental decoding sums the same float64 products as full decoding, but over MaxLen keys
// (zeros and masked) instead of tgtLen, so sums differ in order: ~1e-15 observed.
const close64Steps = 1e-10

func tinySeq2Seq(normFirst, tie bool) models.Seq2Seq {
	return models.Seq2Seq{SourceVocabSize: 20, TargetVocabSize: 20, MaxLen: 12, Dim: 8, NumHeads: 2,
		EncoderLayers: 2, DecoderLayers: 2, FFNDim: 16, NormFirst: normFirst, TieOutput: tie, DType: dtypes.Float64}
}

// TestSeq2SeqIncrementalEqualsFull decodes a target one position at a time with the key/value cache and compares
// every step's logits with the full teacher-forced decoding of the same tokens.
func TestSeq2SeqIncrementalEqualsFull(t *testing.T) {
	source := [][]int32{{1, 5, 6, 7, 2}, {1, 9, 2, 0, 0}}
	sourceMask := [][]bool{{true, true, true, true, true}, {true, true, true, false, false}}
	target := [][]int32{{1, 11, 12, 13, 14, 15}, {1, 3, 4, 0, 0, 0}}
	for _, tc := range []struct{ normFirst, tie bool }{{false, false}, {true, false}, {false, true}, {true, true}} {
		t.Run(fmt.Sprintf("normFirst=%v,tie=%v", tc.normFirst, tc.tie), func(t *testing.T) {
			model := tinySeq2Seq(tc.normFirst, tc.tie)
			ctx := context.New()
			backend := lib.MustBackend()
			full := context.MustNewExec(backend, ctx, func(ctx *context.Context, src, mask, tgt *Node) *Node {
				return model.Logits(ctx, model.Encode(ctx, src, mask), mask, tgt)
			}).MustExec(source, sourceMask, target)[0]
			want := tensors.MustCopyFlatData[float64](full)
			encode := context.MustNewExec(backend, ctx.Reuse(), func(ctx *context.Context, src, mask *Node) []*Node {
				return model.NewDecodeCache(ctx, model.Encode(ctx, src, mask)).Nodes()
			})
			step := context.MustNewExec(backend, ctx.Reuse(), func(ctx *context.Context, in []*Node) []*Node {
				logits, next := model.DecodeStep(ctx, model.CacheFromNodes(in[3:]), in[0], in[1], nil, in[2])
				return append([]*Node{logits}, next.Nodes()...)
			})
			cache := encode.MustExec(source, sourceMask)
			tgtLen, v := len(target[0]), model.TargetVocabSize
			worst := 0.0
			for pos := range tgtLen {
				args := []any{[]int32{target[0][pos], target[1][pos]}, int32(pos), sourceMask}
				for _, c := range cache {
					args = append(args, c)
				}
				out := step.MustExec(args...)
				got := tensors.MustCopyFlatData[float64](out[0])
				cache = out[1:]
				for b := range 2 {
					for j := range v {
						d := math.Abs(got[b*v+j] - want[(b*tgtLen+pos)*v+j])
						worst = max(worst, d)
					}
				}
			}
			if worst > close64Steps {
				t.Errorf("incremental logits differ from full decoding by %g > %g", worst, close64Steps)
			}
		})
	}
}

// TestSeq2SeqShapesAndGradients checks the output shape and that the gradients of a loss reach every variable
// and are finite, with dropout on.
func TestSeq2SeqShapesAndGradients(t *testing.T) {
	model := tinySeq2Seq(true, true)
	model.DType, model.Dropout = dtypes.Float32, 0.1
	ctx := context.New()
	var names []string
	outs := context.MustNewExec(lib.MustBackend(), ctx, func(ctx *context.Context, src, mask, tgt *Node) []*Node {
		ctx.SetTraining(src.Graph(), true)
		logits := model.Logits(ctx, model.Encode(ctx, src, mask), mask, tgt)
		loss := ReduceAllSum(Square(logits))
		var vars []*Node
		for v := range ctx.IterVariables() {
			if v.Trainable && v.Shape().DType.IsFloat() {
				names = append(names, v.ScopeAndName())
				vars = append(vars, v.ValueGraph(src.Graph()))
			}
		}
		return append([]*Node{logits}, Gradient(loss, vars...)...)
	}).MustExec([][]int32{{1, 5, 2, 0}, {1, 6, 7, 2}}, [][]bool{{true, true, true, false}, {true, true, true, true}},
		[][]int32{{1, 3, 4}, {1, 8, 0}})
	if got := outs[0].Shape().Dimensions; !slices.Equal(got, []int{2, 3, 20}) {
		t.Errorf("logits shape %v, want [2 3 20]", got)
	}
	if slices.Contains(names, "/decoder/output/dense/weights") {
		t.Errorf("TieOutput made a separate output matrix: %v", names)
	}
	for i, g := range outs[1:] {
		sum := 0.0
		for _, x := range tensors.MustCopyFlatData[float32](g) {
			if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
				t.Fatalf("gradient of %s is not finite", names[i])
			}
			sum += math.Abs(float64(x))
		}
		if sum == 0 {
			t.Errorf("gradient of %s is zero", names[i])
		}
	}
}

// TestSeq2SeqSourcePadding: more padding on the source does not move the logits.
func TestSeq2SeqSourcePadding(t *testing.T) {
	model := tinySeq2Seq(false, false)
	ctx := context.New()
	fn := func(ctx *context.Context, src, mask, tgt *Node) *Node {
		return model.Logits(ctx, model.Encode(ctx, src, mask), mask, tgt)
	}
	a := context.MustNewExec(lib.MustBackend(), ctx, fn).MustExec([][]int32{{1, 5, 2}}, [][]bool{{true, true, true}}, [][]int32{{1, 3}})[0]
	b := context.MustNewExec(lib.MustBackend(), ctx.Reuse(), fn).MustExec([][]int32{{1, 5, 2, 0, 0}}, [][]bool{{true, true, true, false, false}}, [][]int32{{1, 3}})[0]
	x, y := tensors.MustCopyFlatData[float64](a), tensors.MustCopyFlatData[float64](b)
	for i := range x {
		if math.Abs(x[i]-y[i]) > close64Steps {
			t.Fatalf("logit %d: %g without padding, %g with", i, x[i], y[i])
		}
	}
}

// TestBeamOneEqualsGreedy: beam search with one beam is greedy decoding, on an untrained model whose outputs
// run to the maximum length or stop early.
func TestBeamOneEqualsGreedy(t *testing.T) {
	for _, seed := range []int64{1, 2, 3} {
		model := tinySeq2Seq(seed == 2, seed == 3)
		model.DType = dtypes.Float32
		ctx := context.New()
		ctx.SetParam(context.ParamInitialSeed, seed)
		context.MustNewExec(lib.MustBackend(), ctx, func(ctx *context.Context, src, mask, tgt *Node) *Node {
			return model.Logits(ctx, model.Encode(ctx, src, mask), mask, tgt)
		}).MustExec([][]int32{{1, 5, 2}}, [][]bool{{true, true, true}}, [][]int32{{1, 3}})
		dec, err := models.NewDecoder(lib.MustBackend(), ctx, model, 1, 2, 0)
		if err != nil {
			t.Fatal(err)
		}
		sources := [][]int32{{1, 5, 6, 2}, {1, 7, 2}, {1, 8, 9, 10, 11, 2}}
		opts := models.DecodeOptions{MaxLenA: 1, MaxLenB: 2, LengthPenalty: 0.6}
		greedy, err := dec.Greedy(sources, opts)
		if err != nil {
			t.Fatal(err)
		}
		opts.BeamSize = 1
		beam, err := dec.Beam(sources, opts)
		if err != nil {
			t.Fatal(err)
		}
		for i := range sources {
			if !slices.Equal(greedy[i], beam[i]) {
				t.Errorf("seed %d, source %d: greedy %v, beam 1 %v", seed, i, greedy[i], beam[i])
			}
			if len(greedy[i]) > len(sources[i])+2 {
				t.Errorf("seed %d, source %d: %d tokens, more than the maximum %d", seed, i, len(greedy[i]), len(sources[i])+2)
			}
		}
		t.Logf("seed %d: greedy %v", seed, greedy)
		opts.BeamSize = 3
		if _, err := dec.Beam(sources, opts); err != nil {
			t.Fatal(err)
		}
	}
}

// TestSeq2SeqMatchesPyTorch loads the weights of the translate peer's PyTorch model (scripts/peer_translate_torch.py,
// through testdata/gen_seq2seq.py) and compares the logits on a padded batch, in float64: the Go model and the
// peer's compute the same function, so that their BLEU can differ only through training.
func TestSeq2SeqMatchesPyTorch(t *testing.T) {
	var gold struct {
		Cases []struct {
			Name   string
			Vocab  int
			Config struct {
				Dim, MaxLen, NumHeads, FFNDim, Layers int
				NormFirst, TieOutput                  bool
			}
			Source, Target [][]int32
			SourceMask     [][]bool `json:"source_mask"`
			Variables      goldenVariables
			Logits         []float64
		}
	}
	readGolden(t, "testdata/seq2seq.json", &gold)
	for _, c := range gold.Cases {
		t.Run(c.Name, func(t *testing.T) {
			cfg := c.Config
			model := models.Seq2Seq{SourceVocabSize: c.Vocab, TargetVocabSize: c.Vocab, MaxLen: cfg.MaxLen, Dim: cfg.Dim,
				NumHeads: cfg.NumHeads, EncoderLayers: cfg.Layers, DecoderLayers: cfg.Layers, FFNDim: cfg.FFNDim,
				NormFirst: cfg.NormFirst, TieOutput: cfg.TieOutput, DType: dtypes.Float64}
			ctx := c.Variables.load()
			logits := context.MustNewExec(lib.MustBackend(), ctx.Reuse(), func(ctx *context.Context, src, mask, tgt *Node) *Node {
				return model.Logits(ctx, model.Encode(ctx, src, mask), mask, tgt)
			}).MustExec(c.Source, c.SourceMask, c.Target)
			checkClose64(t, "logits", tensors.MustCopyFlatData[float64](logits[0]), c.Logits)
			c.Variables.checkAllUsed(t, ctx)
		})
	}
}
