package optimcompare

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lossbook/lossbook/lib/data"
)

// TestUsual: each optimizer's usual settings, by name, and one error for another name.
func TestUsual(t *testing.T) {
	for name, want := range map[string]string{
		"AdamW":     "AdamW(lr=0.001, betas=(0.9, 0.999), eps=1e-08, weight_decay=0.01, amsgrad=false)",
		"LAMB":      "lamb(learning_rate=0.002, b1=0.9, b2=0.999, eps=1e-06, eps_root=0, weight_decay=0.01)",
		"Lion":      "lion(learning_rate=0.0001, b1=0.9, b2=0.99, mu_dtype=None, weight_decay=0.1)",
		"Adafactor": "adafactor(learning_rate=0.01, min_dim_size_to_factor=32,",
	} {
		opt, err := Usual(name)
		if err != nil {
			t.Fatalf("Usual(%q): %v", name, err)
		}
		if got := opt.(interface{ String() string }).String(); !strings.HasPrefix(got, want) {
			t.Errorf("Usual(%q) = %s, want %s", name, got, want)
		}
	}
	if _, err := Usual("SGD"); err == nil || !strings.Contains(err.Error(), `optimizer "SGD"`) {
		t.Errorf("Usual(\"SGD\"): %v, want an error naming it", err)
	}
}

// TestSummaries: means and sample standard deviations over seeds, in Config order, and the table's rows.
func TestSummaries(t *testing.T) {
	cmp := &Comparison{Config: Config{Optimizers: []string{"Lion", "AdamW"}}, Runs: []Run{
		{Optimizer: "AdamW", LR: 1e-3, Losses: []float64{1, 0.5}, EvalLoss: 0.4, Accuracy: 0.9, StateBytes: 200,
			ParamBytes: 100, Elapsed: time.Second},
		{Optimizer: "AdamW", LR: 1e-3, Losses: []float64{1, 0.3}, EvalLoss: 0.6, Accuracy: 0.8, StateBytes: 200,
			ParamBytes: 100, Elapsed: 3 * time.Second},
		{Optimizer: "Lion", LR: 1e-4, Losses: []float64{1, 0.7}, EvalLoss: 0.5, Accuracy: 0.85, StateBytes: 100,
			ParamBytes: 100, Elapsed: time.Second},
	}}
	s := cmp.Summaries()
	if len(s) != 2 || s[0].Optimizer != "Lion" || s[1].Optimizer != "AdamW" {
		t.Fatalf("summaries %+v, want Lion then AdamW", s)
	}
	a := s[1]
	if a.Seeds != 2 || math.Abs(a.EvalLossMean-0.5) > 1e-12 || math.Abs(a.EvalLossStd-math.Sqrt(0.02)) > 1e-12 ||
		math.Abs(a.AccuracyMean-0.85) > 1e-12 || math.Abs(a.FinalTrainLoss-0.4) > 1e-12 ||
		a.ElapsedMean != 2*time.Second {
		t.Errorf("AdamW summary %+v", a)
	}
	if s[0].EvalLossStd != 0 {
		t.Errorf("one seed: std %v, want 0", s[0].EvalLossStd)
	}
	table := cmp.Table()
	for _, want := range []string{"| Lion | 0.0001 | 0.5000 ± 0.0000 |", "| AdamW | 0.001 | 0.5000 ± 0.1414 |",
		"| 200 | 2.000 | 2s |"} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q:\n%s", want, table)
		}
	}
}

// TestCompareSmall runs the experiment on the real corpus at a tiny size (two optimizers, one seed, 2 steps),
// skipping when SpamAssassin is neither cached nor reachable.
func TestCompareSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("reads a real data set; skipped with -short")
	}
	cfg := Smoke()
	cfg.Optimizers = []string{"AdamW", "Adafactor"}
	cfg.Steps, cfg.WarmupSteps, cfg.EvalEvery, cfg.Messages = 2, 1, 0, 100
	cmp, err := Compare(context.Background(), cfg)
	var offline *data.OfflineError
	if errors.As(err, &offline) {
		t.Skipf("SpamAssassin not cached and its registry unreachable: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	if len(cmp.Runs) != 2 || cmp.Train != 80 || cmp.HeldOut != 10 {
		t.Fatalf("%d runs on %d/%d messages, want 2 on 80/10", len(cmp.Runs), cmp.Train, cmp.HeldOut)
	}
	adamw, adafactor := cmp.Runs[0], cmp.Runs[1]
	for _, r := range cmp.Runs {
		if len(r.Losses) != 2 || !(r.EvalLoss > 0) || r.Accuracy < 0 || r.Accuracy > 1 || r.ParamBytes == 0 {
			t.Errorf("%s run: %+v", r.Optimizer, r)
		}
	}
	// AdamW keeps two moments per parameter; Adafactor factors the 32-wide matrices (Smoke's width), so it keeps
	// less than one number per parameter.
	if ratio := float64(adamw.StateBytes) / float64(adamw.ParamBytes); ratio < 2 || ratio > 2.05 {
		t.Errorf("AdamW state / params = %.3f, want about 2", ratio)
	}
	if ratio := float64(adafactor.StateBytes) / float64(adafactor.ParamBytes); ratio > 0.5 {
		t.Errorf("Adafactor state / params = %.3f, want < 0.5", ratio)
	}
	t.Logf("\n%s", cmp.Table())
}

// TestReadComparisonAndMeanCurve: a Comparison survives its JSON form, and MeanCurve averages over seeds and
// smooths with a trailing window.
func TestReadComparisonAndMeanCurve(t *testing.T) {
	cmp := &Comparison{Config: Config{Optimizers: []string{"Lion"}, Progress: io.Discard}, Runs: []Run{
		{Optimizer: "Lion", Losses: []float64{4, 2, 0}, EvalSteps: []int{3}, EvalLosses: []float64{1}},
		{Optimizer: "Lion", Losses: []float64{2, 2, 2}, EvalSteps: []int{3}, EvalLosses: []float64{3}},
	}}
	raw, err := json.Marshal(cmp)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "c.json")
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := ReadComparison(path)
	if err != nil {
		t.Fatal(err)
	}
	loss, steps, eval := got.MeanCurve("Lion", 1)
	if !slices.Equal(loss, []float64{3, 2, 1}) || !slices.Equal(steps, []int{3}) || !slices.Equal(eval, []float64{2}) {
		t.Errorf("MeanCurve = %v %v %v, want [3 2 1] [3] [2]", loss, steps, eval)
	}
	if loss, _, _ := got.MeanCurve("Lion", 2); !slices.Equal(loss, []float64{3, 2.5, 1.5}) {
		t.Errorf("MeanCurve window 2 = %v, want [3 2.5 1.5]", loss)
	}
	if _, err := ReadComparison(filepath.Join(t.TempDir(), "missing.json")); err == nil {
		t.Error("ReadComparison of a missing file: no error")
	}
}

// TestCommittedComparison checks the committed output of `make experiment-optimizers` that notebook 03 reads: every
// optimizer with every seed, full curves, and state sizes as the optimizers' designs say (AdamW and LAMB two
// numbers per parameter, Lion one, factored Adafactor far fewer).
func TestCommittedComparison(t *testing.T) {
	cmp, err := ReadComparison("testdata/full.json")
	if err != nil {
		t.Fatal(err)
	}
	cfg := cmp.Config
	if len(cmp.Runs) != len(cfg.Optimizers)*len(cfg.Seeds) || len(cfg.Seeds) != 3 {
		t.Fatalf("%d runs of %v × %v, want every optimizer with 3 seeds", len(cmp.Runs), cfg.Optimizers, cfg.Seeds)
	}
	want := map[string][2]float64{"AdamW": {2, 2.01}, "LAMB": {2, 2.01}, "Lion": {1, 1.01}, "Adafactor": {0, 0.5}}
	for _, r := range cmp.Runs {
		ratio := float64(r.StateBytes) / float64(r.ParamBytes)
		if w := want[r.Optimizer]; ratio < w[0] || ratio > w[1] {
			t.Errorf("%s seed %d: state / params = %.3f, want in [%g, %g]", r.Optimizer, r.Seed, ratio, w[0], w[1])
		}
		if len(r.Losses) != cfg.Steps || len(r.EvalLosses) == 0 || !(r.Accuracy > 0.5) {
			t.Errorf("%s seed %d: %d losses, %d evaluations, accuracy %v", r.Optimizer, r.Seed, len(r.Losses),
				len(r.EvalLosses), r.Accuracy)
		}
	}
	t.Logf("\n%s", cmp.Table())
}
