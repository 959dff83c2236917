package models_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/lossbook/lossbook/lib"
	"github.com/lossbook/lossbook/lib/models"
	"github.com/lossbook/lossbook/losses"
)

// Tolerance tier for the sparse head against the dense one in float32: the same products summed in a different
// order (a [n, Dim] x [Dim, V] product instead of a [batch·seq, Dim] one, and the gradient of the hidden states
// scattered back instead of computed in place) round differently; observed ~1e-7 relative. A wrong mask or mean
// shows at 1e-2.
const close32 = 2e-5

// mlmBatch is a batch with padding and about 15% of the real positions masked (labels -100 elsewhere).
func mlmBatch(batch, seq, vocab int, seed uint64) (tokens [][]int32, mask [][]bool, labels [][]int32) {
	rng := rand.New(rand.NewPCG(seed, 1))
	for b := range batch {
		n := seq - b%3 // some rows padded
		tok, m, lab := make([]int32, seq), make([]bool, seq), make([]int32, seq)
		for t := range seq {
			lab[t] = -100
			if t < n {
				tok[t], m[t] = int32(rng.IntN(vocab)), true
				if rng.Float64() < 0.15 {
					lab[t] = int32(rng.IntN(vocab))
				}
			}
		}
		tokens, mask, labels = append(tokens, tok), append(mask, m), append(labels, lab)
	}
	labels[0][1] = 3 // at least one masked position
	return
}

// TestSparseMLMHeadMatchesDense checks that the loss and the gradient of every variable are the same with the
// sparse head (gather the masked positions, then project) as with the dense head (project every position, then
// ignore the unmasked ones), in float32 and float64, on the backend the tests run on.
func TestSparseMLMHeadMatchesDense(t *testing.T) {
	for _, tc := range []struct {
		dtype dtypes.DType
		tol   float64
	}{{dtypes.Float32, close32}, {dtypes.Float64, close64}} {
		t.Run(tc.dtype.String(), func(t *testing.T) {
			const batch, seq, vocab = 4, 9, 37
			model := models.Transformer{VocabSize: vocab, MaxLen: seq, NumSegments: 2, Dim: 8, NumHeads: 2, NumLayers: 1,
				FFNDim: 16, DType: tc.dtype}
			tokens, mask, labels := mlmBatch(batch, seq, vocab, 7)
			positions, targets, err := models.SparseMLMTargets(labels, -100, 8)
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.New()
			run := func(sparse bool) []float64 {
				var out []float64
				results := context.MustNewExec(lib.MustBackend(), ctx.Reuse(), func(ctx *context.Context, tok, m, lab, pos, tgt *Node) []*Node {
					hidden := model.Encode(ctx, tok, nil, m)
					var loss *Node
					if sparse {
						loss = losses.MLM(model.MLMLogitsAt(ctx, hidden, pos), tgt)
					} else {
						loss = losses.MLM(model.MLMLogits(ctx, hidden), lab)
					}
					var vars []*Node
					for v := range ctx.IterVariables() {
						vars = append(vars, v.ValueGraph(tok.Graph()))
					}
					outs := append([]*Node{loss}, Gradient(loss, vars...)...)
					for i := range outs {
						outs[i] = ConvertDType(outs[i], dtypes.Float64)
					}
					return outs
				}).MustExec(tokens, mask, labels, positions, targets)
				for _, r := range results {
					out = append(out, tensors.MustCopyFlatData[float64](r)...)
				}
				return out
			}
			// Initialise the variables once so that both heads see the same weights.
			context.MustNewExec(lib.MustBackend(), ctx, func(ctx *context.Context, tok, m *Node) *Node {
				return model.MLMLogits(ctx, model.Encode(ctx, tok, nil, m))
			}).MustExec(tokens, mask)
			dense, sparse := run(false), run(true)
			if len(dense) != len(sparse) {
				t.Fatalf("dense head gave %d values, sparse head %d", len(dense), len(sparse))
			}
			scale := 0.0
			for _, v := range dense {
				scale = max(scale, math.Abs(v))
			}
			worst := 0.0
			for i := range dense {
				worst = max(worst, math.Abs(dense[i]-sparse[i])/scale)
			}
			if worst > tc.tol || math.IsNaN(dense[0]) {
				t.Errorf("loss %.9g (dense) vs %.9g (sparse); largest difference over loss and gradients %.3g of the largest value %.3g (tolerance %g)",
					dense[0], sparse[0], worst, scale, tc.tol)
			}
			t.Logf("%s: loss %.9g dense, %.9g sparse; largest relative difference %.3g over %d values", lib.MustBackend().Name(),
				dense[0], sparse[0], worst, len(dense))
		})
	}
}

// TestMLMMaskingRule pins BERT's masking rule on logits [batch, seq, vocab] with labels -100 at unmasked and
// padded positions: the loss is the mean of the per-token cross-entropy over the masked positions only (not over
// all positions, the d2l-en#2582 bug), and changing the logits at ignored positions moves neither the loss nor
// its gradient.
func TestMLMMaskingRule(t *testing.T) {
	const batch, seq, vocab = 3, 6, 5
	rng := rand.New(rand.NewPCG(3, 4))
	logitsA := make([]float64, batch*seq*vocab)
	for i := range logitsA {
		logitsA[i] = rng.NormFloat64() * 2
	}
	labels := [][]int32{{-100, 2, -100, -100, 4, -100}, {1, -100, -100, -100, -100, -100}, {-100, -100, 0, 3, -100, -100}}
	logitsB := append([]float64(nil), logitsA...) // changed at every ignored position
	for b := range batch {
		for s := range seq {
			if labels[b][s] == -100 {
				for c := range vocab {
					logitsB[(b*seq+s)*vocab+c] += rng.NormFloat64() * 50
				}
			}
		}
	}
	// The reference: per-position cross-entropy in Go, then the mean over masked positions, and the wrong mean
	// over all positions (the trap).
	var sum, all float64
	masked := 0
	for b := range batch {
		for s := range seq {
			row := logitsA[(b*seq+s)*vocab : (b*seq+s+1)*vocab]
			m := math.Inf(-1)
			for _, v := range row {
				m = max(m, v)
			}
			z := 0.0
			for _, v := range row {
				z += math.Exp(v - m)
			}
			if y := labels[b][s]; y != -100 {
				sum += m + math.Log(z) - row[y]
				masked++
			}
			all++
		}
	}
	wantMean, trapMean := sum/float64(masked), sum/all

	exec := MustNewExec(lib.MustBackend(), func(logits, labels *Node) []*Node {
		loss := losses.MLM(logits, labels)
		return []*Node{loss, Gradient(loss, logits)[0]}
	})
	shape := []int{batch, seq, vocab}
	outA := exec.MustExec(tensors.FromFlatDataAndDimensions(logitsA, shape...), labels)
	outB := exec.MustExec(tensors.FromFlatDataAndDimensions(logitsB, shape...), labels)
	lossA, lossB := tensors.ToScalar[float64](outA[0]), tensors.ToScalar[float64](outB[0])
	gradA, gradB := tensors.MustCopyFlatData[float64](outA[1]), tensors.MustCopyFlatData[float64](outB[1])

	if math.Abs(lossA-wantMean) > close64 {
		t.Errorf("MLM loss %.15g, want the mean over the %d masked positions %.15g (the mean over all %g positions would be %.15g)",
			lossA, masked, wantMean, all, trapMean)
	}
	if math.Abs(wantMean-trapMean) < 0.1 {
		t.Fatalf("test data too weak: the right mean %g and the trap %g are too close to tell apart", wantMean, trapMean)
	}
	if lossA != lossB {
		t.Errorf("changing the logits at ignored positions moved the loss from %.17g to %.17g", lossA, lossB)
	}
	for i := range gradA {
		pos := i / vocab
		if labels[pos/seq][pos%seq] == -100 && (gradA[i] != 0 || gradB[i] != 0) {
			t.Fatalf("gradient %d at an ignored position is %g / %g, want 0", i, gradA[i], gradB[i])
		}
		if gradA[i] != gradB[i] {
			t.Fatalf("changing the logits at ignored positions moved gradient %d from %g to %g", i, gradA[i], gradB[i])
		}
	}
}

// TestSparseMLMTargets checks the flat positions, the padding to a multiple, and the errors.
func TestSparseMLMTargets(t *testing.T) {
	labels := [][]int32{{-100, 5, -100}, {7, -100, 9}}
	tests := []struct {
		padTo          int
		wantPos, wantY []int32
	}{
		{0, []int32{1, 3, 5}, []int32{5, 7, 9}},
		{1, []int32{1, 3, 5}, []int32{5, 7, 9}},
		{4, []int32{1, 3, 5, 0}, []int32{5, 7, 9, -100}},
		{3, []int32{1, 3, 5}, []int32{5, 7, 9}},
	}
	for _, tc := range tests {
		pos, y, err := models.SparseMLMTargets(labels, -100, tc.padTo)
		if err != nil || fmt.Sprint(pos, y) != fmt.Sprint(tc.wantPos, tc.wantY) {
			t.Errorf("padTo %d: got %v %v %v, want %v %v", tc.padTo, pos, y, err, tc.wantPos, tc.wantY)
		}
	}
	if pos, y, err := models.SparseMLMTargets([][]int32{{-100, -100}}, -100, 0); err != nil || fmt.Sprint(pos, y) != "[0] [-100]" {
		t.Errorf("no masked position: got %v %v %v, want one ignored slot", pos, y, err)
	}
	for _, bad := range []struct {
		labels [][]int32
		padTo  int
	}{{[][]int32{{1, 2}, {3}}, 0}, {labels, -1}} {
		if _, _, err := models.SparseMLMTargets(bad.labels, -100, bad.padTo); err == nil {
			t.Errorf("SparseMLMTargets(%v, padTo %d): no error", bad.labels, bad.padTo)
		}
	}
}

// The sparse MLM head: the logits of the two masked positions only, instead of all twelve.
func ExampleTransformer_MLMLogitsAt() {
	model := models.Transformer{VocabSize: 50, MaxLen: 8, Dim: 16, NumHeads: 4, NumLayers: 1, FFNDim: 32}
	labels := [][]int32{{-100, 9, -100, -100, -100, -100}, {-100, -100, -100, 6, -100, -100}}
	positions, targets, _ := models.SparseMLMTargets(labels, -100, 0)
	fmt.Println("positions", positions, "targets", targets)
	logits := context.MustNewExec(lib.MustBackend(), context.New(), func(ctx *context.Context, tokens, positions *Node) *Node {
		return model.MLMLogitsAt(ctx, model.Encode(ctx, tokens, nil, nil), positions)
	}).MustExec([][]int32{{1, 4, 8, 9, 2, 0}, {1, 5, 2, 4, 3, 2}}, positions)[0]
	fmt.Println("logits", logits.Shape())
	// Output:
	// positions [1 9] targets [9 6]
	// logits (Float32)[2 50]
}
