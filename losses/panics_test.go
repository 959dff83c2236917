package losses

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX's idiom.
)

// buildPanic builds a graph with parameters of the given shapes, calls f, and returns what it panicked with.
func buildPanic(t *testing.T, f func(in []*Node), shapes ...[]int) (msg string) {
	t.Helper()
	g := NewGraph(backendForTest(t), "panics")
	defer g.Finalize()
	in := make([]*Node, len(shapes))
	for i, s := range shapes {
		dtype := dtypes.Float32
		if len(s) > 0 && s[0] < 0 { // a negative first dimension marks an integer input.
			dtype, s = dtypes.Int32, append([]int{-s[0]}, s[1:]...)
		}
		in[i] = Parameter(g, fmt.Sprintf("in%d", i), shapesOf(dtype, s...))
	}
	defer func() {
		if r := recover(); r != nil {
			msg = fmt.Sprint(r)
		}
	}()
	f(in)
	return ""
}

// TestShapePanics: graph-building mistakes panic with the "losses:" prefix, the loss, both shapes and what was
// expected, before reaching the backend.
func TestShapePanics(t *testing.T) {
	for _, tc := range []struct {
		name   string
		f      func(in []*Node)
		shapes [][]int
		want   []string
	}{
		{"CE labels of the wrong shape", func(in []*Node) { CrossEntropy(in[0], in[1]) }, [][]int{{8, 5, 3}, {-8}},
			[]string{"losses: CrossEntropy: labels (Int32)[8] do not match logits (Float32)[8 5 3]", "want [8 3] integer", "[8 5 3] float"}},
		{"CE probabilities of the wrong shape", func(in []*Node) { CrossEntropy(in[0], in[1]) }, [][]int{{8, 5}, {8, 4}},
			[]string{"losses: CrossEntropy: probability target (Float32)[8 4] does not match logits (Float32)[8 5]"}},
		{"CE weight of the wrong size", func(in []*Node) { CrossEntropy(in[0], in[1], WithWeight(in[2])) },
			[][]int{{8, 5}, {-8}, {4}}, []string{"losses: CrossEntropy: weight (Float32)[4]", "want [5]"}},
		{"CE label smoothing out of range", func(in []*Node) { CrossEntropy(in[0], in[1], WithLabelSmoothing(1.5)) },
			[][]int{{8, 5}, {-8}}, []string{"losses: CrossEntropy: WithLabelSmoothing: label smoothing 1.5 must be in [0, 1]"}},
		{"CE label smoothing NaN", func(in []*Node) { CrossEntropy(in[0], in[1], WithLabelSmoothing(math.NaN())) },
			[][]int{{8, 5}, {-8}}, []string{"losses: CrossEntropy: WithLabelSmoothing: label smoothing NaN must be in [0, 1]"}},
		{"MLM label smoothing negative", func(in []*Node) { MLM(in[0], in[1], WithLabelSmoothing(-0.1)) },
			[][]int{{2, 6, 11}, {-2, 6}}, []string{"losses: MLM: WithLabelSmoothing: label smoothing -0.1 must be in [0, 1]"}},
		{"SigmoidFocal gamma NaN", func(in []*Node) { SigmoidFocal(in[0], in[0], WithGamma(math.NaN())) },
			[][]int{{4, 3}}, []string{"losses: SigmoidFocal: WithGamma: gamma NaN must be >= 0 and finite"}},
		{"SoftmaxFocal gamma negative", func(in []*Node) { SoftmaxFocal(in[0], in[1], WithGamma(-1)) },
			[][]int{{4, 3}, {-4}}, []string{"losses: SoftmaxFocal: WithGamma: gamma -1 must be >= 0 and finite"}},
		{"SoftmaxFocal gamma infinite", func(in []*Node) { SoftmaxFocal(in[0], in[1], WithGamma(math.Inf(1))) },
			[][]int{{4, 3}, {-4}}, []string{"losses: SoftmaxFocal: WithGamma: gamma +Inf must be >= 0 and finite"}},
		{"SigmoidFocal alpha above 1", func(in []*Node) { SigmoidFocal(in[0], in[0], WithAlpha(1.5)) },
			[][]int{{4, 3}}, []string{"losses: SigmoidFocal: WithAlpha: alpha 1.5 must be in [0, 1], or negative"}},
		{"SmoothL1 beta NaN", func(in []*Node) { SmoothL1(in[0], in[0], WithBeta(math.NaN())) },
			[][]int{{3}}, []string{"losses: SmoothL1: WithBeta: beta NaN must be >= 0 and finite"}},
		{"TripletMargin eps negative", func(in []*Node) { TripletMargin(in[0], in[0], in[0], WithEps(-1)) },
			[][]int{{4, 3}}, []string{"losses: TripletMargin: WithEps: eps -1 must be >= 0 and finite"}},
		{"CosineEmbedding margin NaN", func(in []*Node) { CosineEmbedding(in[0], in[0], in[1], WithMargin(math.NaN())) },
			[][]int{{4, 3}, {4}}, []string{"losses: CosineEmbedding: WithMargin: margin NaN must be finite"}},
		{"Poly1 epsilon infinite", func(in []*Node) { Poly1CrossEntropy(in[0], in[1], WithEpsilon(math.Inf(-1))) },
			[][]int{{4, 3}, {-4}}, []string{"losses: Poly1CrossEntropy: WithEpsilon: epsilon -Inf must be finite"}},
		{"BertPreTraining mixed dtypes", func(in []*Node) {
			BertPreTraining(in[0], ConvertDType(in[1], dtypes.Float64), in[2], in[3])
		}, [][]int{{2, 6, 11}, {2, 2}, {-2, 6}, {-2}},
			[]string{"losses: BertPreTraining: MLM logits (Float32)[2 6 11] and NSP logits (Float64)[2 2] must have the same float dtype"}},
		{"CE ignore_index with probabilities", func(in []*Node) { CrossEntropy(in[0], in[1], WithIgnoreIndex(0)) },
			[][]int{{8, 5}, {8, 5}}, []string{"ignore_index is not supported for probability targets"}},
		{"CE integer logits", func(in []*Node) { CrossEntropy(in[1], in[1]) }, [][]int{{8, 5}, {-8}},
			[]string{"losses: CrossEntropy: logits (Int32)[8] must have a float dtype"}},
		{"CE class axis out of range", func(in []*Node) { CrossEntropy(in[0], in[1], WithClassAxis(3)) },
			[][]int{{8, 5}, {-8}}, []string{"class axis 3 out of range for logits (Float32)[8 5]"}},
		{"NLL float targets", func(in []*Node) { NLL(in[0], in[1]) }, [][]int{{8, 5}, {8}},
			[]string{"losses: NLL: labels (Float32)[8] do not match logProbs (Float32)[8 5] (want [8] integer)"}},
		{"BCE shapes", func(in []*Node) { BinaryCrossEntropy(in[0], in[1]) }, [][]int{{8, 5}, {8}},
			[]string{"losses: BinaryCrossEntropy: target (Float32)[8] and probs (Float32)[8 5] must have the same shape"}},
		{"BCEWithLogits pos_weight", func(in []*Node) { BinaryCrossEntropyLogits(in[0], in[1], WithPosWeight(in[2])) },
			[][]int{{8, 5}, {8, 5}, {3}}, []string{"losses: BinaryCrossEntropyLogits: pos_weight (Float32)[3] does not broadcast to (Float32)[8 5]"}},
		{"MSE shapes", func(in []*Node) { MSE(in[0], in[1]) }, [][]int{{8, 5}, {5}},
			[]string{"losses: MSE: target (Float32)[5] and input (Float32)[8 5] must have the same shape"}},
		{"Huber delta", func(in []*Node) { Huber(in[0], in[1], WithDelta(0)) }, [][]int{{3}, {3}},
			[]string{"losses: Huber: WithDelta: delta 0 must be > 0 and finite"}},
		{"GaussianNLL variance", func(in []*Node) { GaussianNLL(in[0], in[1], in[2]) }, [][]int{{4, 3}, {4, 3}, {3}},
			[]string{"losses: GaussianNLL: variance (Float32)[3] does not fit input (Float32)[4 3]"}},
		{"KLDiv shapes", func(in []*Node) { KLDiv(in[0], in[1]) }, [][]int{{4, 3}, {4, 2}},
			[]string{"losses: KLDiv: target (Float32)[4 2] and input (Float32)[4 3] must have the same shape"}},
		{"CosineEmbedding target", func(in []*Node) { CosineEmbedding(in[0], in[1], in[2]) }, [][]int{{4, 3}, {4, 3}, {3}},
			[]string{"losses: CosineEmbedding: target (Float32)[3] does not match inputs (Float32)[4 3] (want [4])"}},
		{"TripletMargin p", func(in []*Node) { TripletMargin(in[0], in[1], in[2], WithP(0)) }, [][]int{{4, 3}, {4, 3}, {4, 3}},
			[]string{"losses: TripletMargin: WithP: p 0 must be > 0 and finite"}},
		{"TripletMargin rank", func(in []*Node) { TripletMargin(in[0], in[1], in[2]) }, [][]int{{2, 4, 3}, {2, 4, 3}, {2, 4, 3}},
			[]string{"losses: TripletMargin: inputs (Float32)[2 4 3] must be [N, D] or [D]"}},
		{"MLM labels", func(in []*Node) { MLM(in[0], in[1]) }, [][]int{{2, 6, 11}, {-2, 11}},
			[]string{"losses: MLM: labels (Int32)[2 11] do not match logits (Float32)[2 6 11] (want [2 6] integer"}},
		{"NSP classes", func(in []*Node) { NSP(in[0], in[1]) }, [][]int{{4, 3}, {-4}},
			[]string{"losses: NSP: logits (Float32)[4 3] must be [batch, 2]"}},
		{"option that does not apply", func(in []*Node) { MSE(in[0], in[1], WithMargin(1)) }, [][]int{{3}, {3}},
			[]string{"losses: MSE: option WithMargin does not apply (valid: WithReduction)"}},
		{"batchmean outside KL", func(in []*Node) { MSE(in[0], in[1], WithReduction(ReductionBatchMean)) }, [][]int{{3}, {3}},
			[]string{"losses: MSE: reduction \"batchmean\" is only for KLDivLoss"}},
		{"unknown reduction", func(in []*Node) { MSE(in[0], in[1], WithReduction("avg")) }, [][]int{{3}, {3}},
			[]string{"losses: MSE: unknown reduction \"avg\""}},
		{"registry: wrong number of inputs", func(in []*Node) {
			l, _ := New("CrossEntropyLoss", nil)
			l(in[0])
		}, [][]int{{3, 2}}, []string{"losses: CrossEntropyLoss: takes 2 inputs (input, target), got 1"}},
	} {
		msg := buildPanic(t, tc.f, tc.shapes...)
		if msg == "" {
			t.Errorf("%s: no panic", tc.name)
			continue
		}
		for _, want := range tc.want {
			if !strings.Contains(msg, want) {
				t.Errorf("%s: panic %q does not contain %q", tc.name, msg, want)
			}
		}
	}
}
