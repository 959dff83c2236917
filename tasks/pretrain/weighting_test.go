package pretrain_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/lossbook/lossbook/lib"
	"github.com/lossbook/lossbook/losses"
	"github.com/lossbook/lossbook/tasks/pretrain"
)

// close32 is the tolerance of a float32 graph against the float64 formula: a few ulps of float32 (2^-23 ≈ 1.2e-7)
// on values of order 1.
const close32 = 1e-6

// objective runs pretrain.Objective on given MLM and NSP losses; s, if not nil, is the value the log-variances
// are given before. It returns the objective and the log-variances found in the context afterwards (nil: none).
func objective(t *testing.T, weighting string, s []float32, mlm, nsp float32) (float64, []float64) {
	t.Helper()
	ctx := mlctx.New()
	if s != nil {
		ctx.In(losses.UncertaintyScope).VariableWithValue("log_variances", s)
	}
	out := mlctx.MustExecOnce(lib.MustBackend(), ctx.Checked(false), func(ctx *mlctx.Context, m, n *Node) *Node {
		return pretrain.Objective(ctx, weighting, m, n)
	}, mlm, nsp)
	got := float64(tensors.ToScalar[float32](out))
	vars, err := losses.UncertaintyLogVariances(ctx)
	if err != nil {
		vars = nil
	}
	return got, vars
}

// TestObjective checks both objectives against their formulas at fixed values: the fixed sum, and
// e^{-s1} MLM + e^{-s2} NSP + (s1 + s2)/2 at given log-variances and at their initial 0 (the plain sum).
func TestObjective(t *testing.T) {
	const mlm, nsp = 4.25, 0.6875
	tests := []struct {
		name, weighting string
		s               []float32 // nil: the variable is created by Objective
		want            float64
		wantVars        []float64 // the log-variances in the context afterwards; nil: none
	}{
		{"fixed", pretrain.FixedWeighting, nil, mlm + nsp, nil},
		{"empty means fixed", "", nil, mlm + nsp, nil},
		{"uncertainty at s = 0", pretrain.UncertaintyWeighting, nil, mlm + nsp, []float64{0, 0}},
		{"uncertainty at s = (0.5, -0.25)", pretrain.UncertaintyWeighting, []float32{0.5, -0.25},
			math.Exp(-0.5)*mlm + math.Exp(0.25)*nsp + 0.5*(0.5-0.25), []float64{0.5, -0.25}},
		{"uncertainty at s = (2, 1)", pretrain.UncertaintyWeighting, []float32{2, 1},
			math.Exp(-2)*mlm + math.Exp(-1)*nsp + 0.5*3, []float64{2, 1}},
		{"fixed ignores existing log-variances", pretrain.FixedWeighting, []float32{2, 1}, mlm + nsp, []float64{2, 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, vars := objective(t, tc.weighting, tc.s, mlm, nsp)
			if math.Abs(got-tc.want) > close32*math.Abs(tc.want) {
				t.Errorf("Objective = %.8g, want %.8g", got, tc.want)
			}
			if fmt.Sprint(vars) != fmt.Sprint(tc.wantVars) {
				t.Errorf("log-variances in the context: %v, want %v", vars, tc.wantVars)
			}
		})
	}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), `loss_weighting "gradnorm", want one of fixed, uncertainty`) {
			t.Errorf("Objective with an unknown weighting: panic %v, want one naming it and the choices", r)
		}
	}()
	objective(t, "gradnorm", nil, mlm, nsp)
}

// TestConfigLossWeighting: an unknown Config.LossWeighting is one error listing the choices; the known ones and
// "" (run.json of earlier versions) are valid.
func TestConfigLossWeighting(t *testing.T) {
	for _, w := range []string{"fixed", "uncertainty", ""} {
		c := pretrain.DefaultConfig()
		c.LossWeighting = w
		if err := c.Validate(); err != nil {
			t.Errorf("LossWeighting %q: %v", w, err)
		}
	}
	c := pretrain.DefaultConfig()
	c.LossWeighting = "Uncertainty"
	want := `pretrain: loss_weighting "Uncertainty", want one of fixed, uncertainty`
	if err := c.Validate(); err == nil || err.Error() != want {
		t.Errorf("error %v, want %q", err, want)
	}
	if got := pretrain.DefaultConfig().LossWeighting; got != pretrain.FixedWeighting {
		t.Errorf("DefaultConfig().LossWeighting = %q, want fixed", got)
	}
}

// TestCompareLossWeighting runs the comparison at a tiny size and checks: both runs take the same steps on the
// same batches (their first step, at s = 0, has the same objective), the fixed run logs no weights, the
// uncertainty run logs e^{-s} at every evaluation and its log-variances move (up: both losses exceed ½ early),
// the checkpoint and run.json hold them, the JSON reads back, and resuming the uncertainty run is exact.
func TestCompareLossWeighting(t *testing.T) {
	base := t.TempDir()
	cfg := tinyConfig(base)
	cmp, err := pretrain.CompareLossWeighting(context.Background(), cfg, pretrain.WithCorpus(toy()))
	if err != nil {
		t.Fatal(err)
	}
	fixed, unc := cmp.Run(pretrain.FixedWeighting), cmp.Run(pretrain.UncertaintyWeighting)
	if len(cmp.Runs) != 2 || fixed == nil || unc == nil || cmp.Backend == "" {
		t.Fatalf("comparison %+v, want a fixed and an uncertainty run and a backend", cmp)
	}
	if fixed.Steps != 6 || unc.Steps != 6 || len(fixed.Evals) != 2 || len(unc.Evals) != 2 || unc.Final.Step != 6 {
		t.Fatalf("steps %d and %d, evaluations %d and %d; want 6, 6, 2, 2", fixed.Steps, unc.Steps, len(fixed.Evals), len(unc.Evals))
	}
	prev := []float64{0, 0}
	for i, e := range unc.Evals {
		if len(fixed.Evals[i].LossWeights) != 0 || len(fixed.Evals[i].LogVariances) != 0 {
			t.Errorf("fixed run's evaluation %d logs weights %v", i, fixed.Evals[i].LossWeights)
		}
		if len(e.LogVariances) != 2 || len(e.LossWeights) != 2 {
			t.Fatalf("uncertainty evaluation %d: log-variances %v, weights %v; want 2 of each", i, e.LogVariances, e.LossWeights)
		}
		for k := range 2 {
			if e.LossWeights[k] != math.Exp(-e.LogVariances[k]) {
				t.Errorf("evaluation %d: weight %d is %g, want exp(-%g)", i, k, e.LossWeights[k], e.LogVariances[k])
			}
			if !(e.LogVariances[k] > prev[k]) {
				t.Errorf("evaluation %d (step %d): log-variance %d is %g, want above %g", i, e.Step, k, e.LogVariances[k], prev[k])
			}
		}
		prev = e.LogVariances
		if !(e.MLMLoss > 0) || e.MaskedTokens != fixed.Evals[i].MaskedTokens || e.Pairs != fixed.Evals[i].Pairs {
			t.Errorf("evaluation %d: %+v against fixed %+v: want the same held-out tokens and pairs", i, e, fixed.Evals[i])
		}
	}

	// The run directories: run.json names the weighting, the checkpoint holds the log-variances, and the
	// objective of the first step (s = 0) is the plain sum, the fixed run's.
	runs := map[string]*pretrain.Model{}
	for _, w := range pretrain.LossWeightings() {
		dir := filepath.Join(base, w)
		var info map[string]any
		b, _ := os.ReadFile(filepath.Join(dir, pretrain.RunFile))
		if err := json.Unmarshal(b, &info); err != nil || info["loss_weighting"] != w {
			t.Errorf("%s: run.json = %s (%v), want loss_weighting %q", w, b, err, w)
		}
		if runs[w], err = pretrain.Load(dir); err != nil {
			t.Fatal(err)
		}
	}
	s, weights, err := runs[pretrain.UncertaintyWeighting].LossWeights()
	if err != nil || fmt.Sprint(s) != fmt.Sprint(unc.Final.LogVariances) || fmt.Sprint(weights) != fmt.Sprint(unc.Final.LossWeights) {
		t.Errorf("loaded uncertainty run: log-variances %v, weights %v (%v); want the final evaluation's %v, %v", s, weights, err,
			unc.Final.LogVariances, unc.Final.LossWeights)
	}
	if s, w, err := runs[pretrain.FixedWeighting].LossWeights(); s != nil || w != nil || err != nil {
		t.Errorf("loaded fixed run: LossWeights = %v, %v, %v; want nil, nil, nil", s, w, err)
	}
	lf, lu := runs[pretrain.FixedWeighting].Metrics.Losses, runs[pretrain.UncertaintyWeighting].Metrics.Losses
	if math.Abs(lf[0]-lu[0]) > close32*lf[0] || lf[len(lf)-1] == lu[len(lu)-1] {
		t.Errorf("objectives: first step %g fixed, %g uncertainty (want equal: s = 0); last %g and %g (want different)",
			lf[0], lu[0], lf[len(lf)-1], lu[len(lu)-1])
	}

	path := filepath.Join(t.TempDir(), "loss_weighting.json")
	cmp.Command = "test"
	if err := pretrain.WriteWeightingComparison(path, cmp); err != nil {
		t.Fatal(err)
	}
	back, err := pretrain.ReadWeightingComparison(path)
	if err != nil {
		t.Fatal(err)
	}
	steps, ce, _, _, w := back.Run(pretrain.UncertaintyWeighting).Curves()
	if back.Command != "test" || len(steps) != 2 || steps[1] != 6 || ce[1] != unc.Final.MLMLoss || len(w[0]) != 2 ||
		w[1][1] != unc.Final.LossWeights[1] || back.Config.MaxSteps != 6 {
		t.Errorf("read back: command %q, steps %v, CE %v, weights %v, config %+v", back.Command, steps, ce, w, back.Config)
	}
	if _, _, _, _, w := back.Run(pretrain.FixedWeighting).Curves(); w[0] != nil {
		t.Errorf("fixed run's curves have weights %v", w)
	}

	// Refused: a time budget (the runs would take different steps), run directories already used, a file
	// without both runs.
	timed := cfg
	timed.Minutes = 1
	if _, err := pretrain.CompareLossWeighting(context.Background(), timed, pretrain.WithCorpus(toy())); err == nil ||
		!strings.Contains(err.Error(), "minutes 1, want 0") {
		t.Errorf("comparison with minutes: error %v", err)
	}
	if _, err := pretrain.CompareLossWeighting(context.Background(), cfg, pretrain.WithCorpus(toy())); err == nil ||
		!strings.Contains(err.Error(), "already holds a run") {
		t.Errorf("comparison into used run directories: error %v", err)
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte(`{"runs": [{"loss_weighting": "fixed", "evals": [{"step": 1}]}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := pretrain.ReadWeightingComparison(bad); err == nil || !strings.Contains(err.Error(), `no "uncertainty" run`) {
		t.Errorf("reading a file without the uncertainty run: error %v", err)
	}

	straight := runs[pretrain.UncertaintyWeighting]
	ucfg := cfg
	ucfg.LossWeighting = pretrain.UncertaintyWeighting
	testResumeExact(t, ucfg, straight)
}

// testResumeExact: a run interrupted after step 4 (its last checkpoint at step 3) and resumed ends exactly
// where the uninterrupted run straight ends (cfg's), with the same losses, held-out numbers and log-variances.
func testResumeExact(t *testing.T, cfg pretrain.Config, straight *pretrain.Model) {
	cfg.OutputDir = filepath.Join(t.TempDir(), "interrupted")
	if _, err := pretrain.Train(context.Background(), cfg, pretrain.WithCorpus(toy()), pretrain.InterruptAt(4)); err == nil ||
		!strings.Contains(err.Error(), "interrupted after step 4") {
		t.Fatalf("interrupted run: error %v", err)
	}
	cfg.Resume = true
	cfg.LossWeighting = "" // the run's own, from run.json
	resumed, err := pretrain.Train(context.Background(), cfg, pretrain.WithCorpus(toy()))
	if err != nil {
		t.Fatal(err)
	}
	if resumed.Config.LossWeighting != straight.Config.LossWeighting {
		t.Errorf("resumed run's weighting %q, want %q from run.json", resumed.Config.LossWeighting, straight.Config.LossWeighting)
	}
	a, b := straight.Metrics, resumed.Metrics
	if fmt.Sprint(a.Losses) != fmt.Sprint(b.Losses) {
		t.Errorf("losses: straight %v, resumed %v", a.Losses, b.Losses)
	}
	fa, fb := a.Final, b.Final
	if fa.Step != cfg.MaxSteps || fb.Step != cfg.MaxSteps || fa.MLMLoss != fb.MLMLoss || fa.NSPLoss != fb.NSPLoss ||
		len(fb.LogVariances) != 2 || fmt.Sprint(fa.LogVariances) != fmt.Sprint(fb.LogVariances) {
		t.Errorf("final evaluation: straight %+v, resumed %+v", fa, fb)
	}
}
