package textclass

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// tinyConfig is a run of seconds on testdata/tiny.jsonl (120 made-up mails; see testdata/gen_tiny.py).
func tinyConfig(t *testing.T, model string) Config {
	t.Helper()
	c := DefaultConfig()
	c.Model = model
	if model == Transformer {
		c = TransformerConfig()
	}
	c = c.Smoke()
	c.Data = filepath.Join("testdata", "tiny.jsonl")
	c.VocabSize, c.MaxLength, c.Steps, c.BatchSize, c.EvalEvery, c.CheckpointEvery = 100, 24, 30, 16, 10, 10
	c.OptimizerArgs = map[string]any{"lr": 0.02}
	c.Progress, c.NoPlot = io.Discard, true
	return c
}

func TestTrainPredictEvaluate(t *testing.T) {
	for _, model := range []string{Bag, Transformer} {
		t.Run(model, func(t *testing.T) {
			cfg := tinyConfig(t, model)
			if model == Transformer {
				cfg.Steps, cfg.OptimizerArgs = 60, map[string]any{"lr": 5e-3}
			}
			cfg.Out = filepath.Join(t.TempDir(), "run")
			m, err := Train(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range []string{RunFile, VocabFile, CheckpointFile, MetricsFile} {
				if _, err := os.Stat(filepath.Join(cfg.Out, f)); err != nil {
					t.Errorf("run directory lacks %s: %v", f, err)
				}
			}
			entries, _ := os.ReadDir(cfg.Out)
			if len(entries) != 4 {
				t.Errorf("run directory holds %d entries, want exactly the 4 files", len(entries))
			}
			var info map[string]any
			b, _ := os.ReadFile(filepath.Join(cfg.Out, RunFile))
			if err := json.Unmarshal(b, &info); err != nil || info["task"] != "textclass" || info["seed"] != 1.0 {
				t.Errorf("run.json = %s, want task textclass and seed 1", b)
			}
			ev := m.Metrics.Test
			if ev.N != 12 || len(ev.Classes) != 2 || ev.Classes[0].Support+ev.Classes[1].Support != 12 {
				t.Errorf("test evaluation of %d examples, classes %+v; want 12 (10%% of 120)", ev.N, ev.Classes)
			}
			if ev.Accuracy < 0.9 {
				t.Errorf("accuracy %.3f after %d steps on separable data, want >= 0.9", ev.Accuracy, cfg.Steps)
			}
			preds, err := m.Predict([]string{"free money click now", "meeting tomorrow review the patch"})
			if err != nil {
				t.Fatal(err)
			}
			if preds[0].Class != "spam" || preds[1].Class != "ham" {
				t.Errorf("predictions %+v, want spam then ham", preds)
			}
			for _, p := range preds {
				if s := p.Probabilities[0] + p.Probabilities[1]; s < 0.999 || s > 1.001 {
					t.Errorf("probabilities %v sum to %g", p.Probabilities, s)
				}
			}
			// Load gives the same model: same probabilities, same test evaluation.
			l, err := Load(cfg.Out)
			if err != nil {
				t.Fatal(err)
			}
			again, err := l.Predict([]string{"free money click now", "meeting tomorrow review the patch"})
			if err != nil {
				t.Fatal(err)
			}
			for i := range preds {
				for c := range preds[i].Probabilities {
					if d := preds[i].Probabilities[c] - again[i].Probabilities[c]; d > 1e-6 || d < -1e-6 {
						t.Errorf("loaded model: probabilities %v, trained model %v", again[i].Probabilities,
							preds[i].Probabilities)
					}
				}
			}
			lev, err := l.Evaluate()
			if err != nil {
				t.Fatal(err)
			}
			if lev.Accuracy != ev.Accuracy || lev.MacroF1 != ev.MacroF1 {
				t.Errorf("loaded model: accuracy %g macro-F1 %g, want %g %g", lev.Accuracy, lev.MacroF1,
					ev.Accuracy, ev.MacroF1)
			}
			if l.Metrics == nil || l.Metrics.Test.Accuracy != ev.Accuracy {
				t.Errorf("loaded metrics.json %+v, want the test accuracy %g", l.Metrics, ev.Accuracy)
			}
		})
	}
}

// TestResume: a run stopped after its checkpoint at step 10 and resumed to 30 steps ends where an uninterrupted
// 30-step run ends.
func TestResume(t *testing.T) {
	full := tinyConfig(t, Bag)
	full.Out = filepath.Join(t.TempDir(), "full")
	want, err := Train(context.Background(), full)
	if err != nil {
		t.Fatal(err)
	}
	part := full
	part.Out = filepath.Join(t.TempDir(), "part")
	part.Steps = 10
	if _, err := Train(context.Background(), part); err != nil {
		t.Fatal(err)
	}
	if _, err := Train(context.Background(), part); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("training again into a used directory: error %v, want one saying it is not empty", err)
	}
	part.Steps, part.Resume = 30, true
	got, err := Train(context.Background(), part)
	if err != nil {
		t.Fatal(err)
	}
	if got.Result.ResumedFrom != 10 {
		t.Errorf("resumed from step %d, want 10", got.Result.ResumedFrom)
	}
	if g, w := got.Result.Losses[29], want.Result.Losses[29]; g != w {
		t.Errorf("loss at step 30: resumed %g, uninterrupted %g", g, w)
	}
	bad := part
	bad.HiddenSize = 8
	if _, err := Train(context.Background(), bad); err == nil || !strings.Contains(err.Error(), "hidden_size") {
		t.Errorf("resume with another hidden size: error %v, want one naming hidden_size", err)
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		edit func(*Config)
		want string
	}{
		{func(c *Config) { c.Model = "cnn" }, `unknown model "cnn"`},
		{func(c *Config) { c.Steps = 0 }, "Steps 0 must be positive"},
		{func(c *Config) { c.Loss = "MSELos" }, `unknown loss "MSELos"`},
		{func(c *Config) { c.Loss = "TripletMarginLoss" }, "takes 3 inputs"},
		{func(c *Config) { c.LossArgs = map[string]any{"label_smoothing": 2.0} }, "label_smoothing"},
		{func(c *Config) { c.Optimizer = "Adamax" }, `unknown optimizer "Adamax"`},
		{func(c *Config) { c.Schedule = "warm" }, `unknown schedule "warm"`},
		{func(c *Config) { c.SpamFraction = 1.5 }, "SpamFraction 1.5"},
		{func(c *Config) { c.Data = "nope.jsonl" }, `data "nope.jsonl" is neither`},
		{func(c *Config) {
			c.Model, c.HiddenSize, c.NumHiddenLayers, c.NumAttentionHeads, c.IntermediateSize = Transformer, 10, 1, 3, 8
		}, "not a multiple"},
	}
	for _, tc := range tests {
		cfg := tinyConfig(t, Bag)
		tc.edit(&cfg)
		_, err := Train(context.Background(), cfg)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("error %v, want one containing %q", err, tc.want)
		}
	}
}

func TestStratifiedSplit(t *testing.T) {
	cfg := tinyConfig(t, Bag)
	s, err := LoadSplit(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	count := func(xs []Example) (ham, spam int) {
		for _, x := range xs {
			if x.Label == 1 {
				spam++
			} else {
				ham++
			}
		}
		return
	}
	for _, tc := range []struct {
		name      string
		xs        []Example
		ham, spam int
	}{{"train", s.Train, 64, 32}, {"validation", s.Validation, 8, 4}, {"test", s.Test, 8, 4}} {
		if h, sp := count(tc.xs); h != tc.ham || sp != tc.spam {
			t.Errorf("%s: %d ham, %d spam; want %d, %d", tc.name, h, sp, tc.ham, tc.spam)
		}
	}
	again, _ := LoadSplit(context.Background(), cfg)
	if again.Test[0] != s.Test[0] || again.Train[5] != s.Train[5] {
		t.Error("the same seed gave another split")
	}
	if got := subsample(s.Train, 1, 0.25); len(got) != 64+8 {
		t.Errorf("subsample to 25%% of 32 spam: %d examples, want 72", len(got))
	}
}

func TestCompareLosses(t *testing.T) {
	cfg := tinyConfig(t, Bag)
	var seen int
	runs, sum, err := CompareLosses(context.Background(), cfg, CompareOptions{Seeds: []uint64{1, 2},
		SpamFractions: []float64{0}, Losses: ComparedLosses()[2:], OnRun: func(CompareRun) { seen++ }})
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 4 || seen != 4 || len(sum) != 2 {
		t.Fatalf("%d runs (%d reported), %d summaries; want 4, 4, 2", len(runs), seen, len(sum))
	}
	for _, s := range sum {
		if s.Seeds != 2 || s.SpamF1Mean < 0.5 || s.ECEMean < 0 || s.ECEMean > 1 {
			t.Errorf("summary %+v: want 2 seeds, spam F1 >= 0.5, ECE in [0, 1]", s)
		}
	}
	if _, _, err := CompareLosses(context.Background(), cfg, CompareOptions{}); err == nil {
		t.Error("CompareLosses with no seeds: no error")
	}
}

func TestBalancedWeights(t *testing.T) {
	xs := []Example{{Label: 0}, {Label: 0}, {Label: 0}, {Label: 1}}
	// scikit-learn: compute_class_weight("balanced", classes=[0, 1, 2], y=[0, 0, 0, 1]) needs every class
	// present; lossbook gives an absent class weight 0.
	got := balancedWeights(xs, 3)
	want := []float64{4.0 / 9, 4.0 / 3, 0}
	for i := range want {
		if d := got[i] - want[i]; d > 1e-12 || d < -1e-12 {
			t.Errorf("balancedWeights = %v, want %v", got, want)
		}
	}
	if m := meanSD([]float64{1, 2, 3}); m[0] != 2 || m[1] != 1 {
		t.Errorf("meanSD(1, 2, 3) = %v, want [2 1]", m)
	}
}
