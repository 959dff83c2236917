package losses_test

import (
	"fmt"
	"math"
	"strings"
	"testing"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX's idiom.
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/lossbook/lossbook/lib"
	"github.com/lossbook/lossbook/losses"
	"github.com/lossbook/lossbook/losses/parity"
)

// TestUncertaintyWeighted: s = 0 gives BertPreTraining's MLM + NSP sum; other s give Kendall's formula and its
// gradient -f e^{-s} L + ½ (optimum at e^{-s} = 1/(2 f L)), for classification and regression terms.
func TestUncertaintyWeighted(t *testing.T) {
	mlmLogits := [][][]float64{{{2, 0.5, -1, 0}, {0.1, 0.2, 3, -2}, {1, 1, 1, 1}}}
	mlmLabels := [][]int32{{0, -100, 3}}
	nspLogits := [][]float64{{0.3, -0.4}}
	nspLabels := []int32{1}
	for _, tc := range []struct {
		name  string
		s     []float64
		kinds []losses.TaskKind
	}{
		{"zero", []float64{0, 0}, nil},
		{"learned", []float64{0.7, -1.2}, nil},
		{"regression", []float64{0.3, 0.5}, []losses.TaskKind{losses.Classification, losses.Regression}},
	} {
		out := MustExecOnceN(lib.MustBackend(), func(ml, nl, mlab, nlab, s *Node) []*Node {
			mlm, nsp := losses.MLM(ml, mlab), losses.NSP(nl, nlab)
			total := losses.UncertaintyWeighted([]*Node{mlm, nsp}, s, tc.kinds...)
			return []*Node{total, mlm, nsp, losses.BertPreTraining(ml, nl, mlab, nlab), Gradient(total, s)[0]}
		}, mlmLogits, nspLogits, mlmLabels, nspLabels, tc.s)
		total, l1, l2, bert := parity.Flat64(out[0])[0], parity.Flat64(out[1])[0], parity.Flat64(out[2])[0],
			parity.Flat64(out[3])[0]
		grad := parity.Flat64(out[4])
		f := []float64{1, 1}
		if tc.kinds != nil {
			f[1] = 0.5
		}
		ls := []float64{l1, l2}
		want := 0.0
		for i := range ls {
			want += f[i]*math.Exp(-tc.s[i])*ls[i] + tc.s[i]/2
			if g := -f[i]*math.Exp(-tc.s[i])*ls[i] + 0.5; math.Abs(grad[i]-g) > 1e-12 {
				t.Errorf("%s: ∂/∂s_%d = %.15g, want %.15g", tc.name, i, grad[i], g)
			}
		}
		if math.Abs(total-want) > 1e-12 {
			t.Errorf("%s: total %.15g, want %.15g", tc.name, total, want)
		}
		if tc.name == "zero" && math.Abs(total-bert) > 1e-12 {
			t.Errorf("s = 0: %.15g, want BertPreTraining's %.15g", total, bert)
		}
	}
}

// TestUncertaintyWeightedFromContext: the variable starts at 0 (the plain sum) and is readable.
func TestUncertaintyWeightedFromContext(t *testing.T) {
	ctx := context.New()
	exec := context.MustNewExec(lib.MustBackend(), ctx, func(ctx *context.Context, a, b *Node) *Node {
		return losses.UncertaintyWeightedFromContext(ctx, []*Node{a, b})
	})
	got := parity.Flat64(exec.MustExec(float32(1.5), float32(2))[0])[0]
	if math.Abs(got-3.5) > 1e-6 {
		t.Errorf("initial total %g, want 3.5", got)
	}
	s, err := losses.UncertaintyLogVariances(ctx)
	if err != nil || len(s) != 2 || s[0] != 0 || s[1] != 0 {
		t.Errorf("UncertaintyLogVariances = %v, %v; want [0 0]", s, err)
	}
	if _, err := losses.UncertaintyLogVariances(context.New()); err == nil {
		t.Error("UncertaintyLogVariances of an empty context: no error")
	}
}

func TestUncertaintyWeightedPanics(t *testing.T) {
	for _, tc := range []struct {
		name  string
		build func(g *Graph)
		want  string
	}{
		{"no terms", func(g *Graph) { losses.UncertaintyWeighted(nil, Const(g, []float64{0})) }, "no loss terms"},
		{"vector term", func(g *Graph) {
			losses.UncertaintyWeighted([]*Node{Const(g, []float64{1, 2})}, Const(g, []float64{0}))
		}, "term 0 is (Float64)[2], want a float scalar"},
		{"wrong s", func(g *Graph) {
			losses.UncertaintyWeighted([]*Node{Const(g, 1.0), Const(g, 2.0)}, Const(g, []float64{0}))
		}, "logVariances (Float64)[1] must be [2]"},
		{"kinds", func(g *Graph) {
			losses.UncertaintyWeighted([]*Node{Const(g, 1.0)}, Const(g, []float64{0}), losses.Regression, losses.Regression)
		}, "2 kinds for 1 terms"},
	} {
		msg := func() (msg string) {
			defer func() {
				if r := recover(); r != nil {
					msg = panicText(r)
				}
			}()
			g := NewGraph(lib.MustBackend(), "p")
			defer g.Finalize()
			tc.build(g)
			return ""
		}()
		if !strings.HasPrefix(msg, "losses: UncertaintyWeighted: ") || !strings.Contains(msg, tc.want) {
			t.Errorf("%s: panic %q, want it to contain %q", tc.name, msg, tc.want)
		}
	}
}

// TestAdaptiveRobust: the context variables start at the configured α and c (the NLL equals AdaptiveRobustNLL
// there), per dimension too; invalid configurations panic with one clear message.
func TestAdaptiveRobust(t *testing.T) {
	x := [][]float64{{0.5, -2, 3}, {1, 0, -0.25}}
	y := [][]float64{{0, 0, 1}, {0.5, 0.1, 0}}
	for _, per := range []bool{false, true} {
		cfg := losses.DefaultAdaptiveRobustConfig()
		cfg.PerDimension, cfg.AlphaInit, cfg.ScaleInit = per, 1.5, 0.7
		ctx := context.New()
		exec := context.MustNewExec(lib.MustBackend(), ctx, func(ctx *context.Context, x, y *Node) []*Node {
			return []*Node{losses.AdaptiveRobust(ctx, x, y, cfg),
				losses.AdaptiveRobustNLL(x, y, Const(x.Graph(), 1.5), Const(x.Graph(), 0.7))}
		})
		out := exec.MustExec(x, y)
		if got, want := parity.Flat64(out[0])[0], parity.Flat64(out[1])[0]; math.Abs(got-want) > 1e-12 {
			t.Errorf("PerDimension=%v: %.15g, want %.15g", per, got, want)
		}
		alpha, scale, err := losses.AdaptiveRobustParams(ctx, cfg)
		wantN := 1
		if per {
			wantN = 3
		}
		if err != nil || len(alpha) != wantN || len(scale) != wantN || math.Abs(alpha[0]-1.5) > 1e-12 ||
			math.Abs(scale[0]-0.7) > 1e-12 {
			t.Errorf("PerDimension=%v: AdaptiveRobustParams = %v, %v, %v", per, alpha, scale, err)
		}
	}
	bad := losses.DefaultAdaptiveRobustConfig()
	bad.AlphaInit = 2
	if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), "AlphaInit 2 must be inside (0.001, 1.999)") {
		t.Errorf("Validate: %v", err)
	}
	if _, _, err := losses.AdaptiveRobustParams(context.New(), losses.DefaultAdaptiveRobustConfig()); err == nil {
		t.Error("AdaptiveRobustParams of an empty context: no error")
	}
}

func panicText(r any) string {
	if e, ok := r.(error); ok {
		return e.Error()
	}
	return fmt.Sprint(r)
}
