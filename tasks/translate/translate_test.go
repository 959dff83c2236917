package translate_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/lossbook/lossbook/tasks/translate"
)

func smokeConfig() translate.Config {
	cfg := translate.SmokeConfig()
	cfg.DataFile = "testdata/pairs.tsv"
	cfg.VocabSize = 80
	return cfg
}

// TestTrainLoadTranslateEvaluate trains the smoke model on the fixture, reloads the run directory, translates
// and evaluates; then resumes the run for more steps.
func TestTrainLoadTranslateEvaluate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	cfg := smokeConfig()
	m, err := translate.Train(context.Background(), cfg, dir, translate.Options{Progress: io.Discard, NoPlot: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{translate.RunInfoFile, translate.VocabFile, translate.CheckpointFile, translate.MetricsFile} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("run directory lacks %s: %v", f, err)
		}
	}
	if m.Metrics.Steps != cfg.MaxSteps || len(m.Metrics.Evals) != 2 {
		t.Errorf("metrics: %d steps and %d evaluations, want %d and 2", m.Metrics.Steps, len(m.Metrics.Evals), cfg.MaxSteps)
	}
	if s := m.Metrics.PaddingShare; !(s >= 0 && s < 0.5) {
		t.Errorf("padding share %g, want in [0, 0.5)", s)
	}
	loaded, err := translate.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	out, err := loaded.Translate([]string{"The man sees the dog.", "The king loves the people."}, 1)
	if err != nil || len(out) != 2 {
		t.Fatalf("Translate: %q, %v", out, err)
	}
	scores, err := loaded.Evaluate(context.Background(), translate.EvalOptions{Beam: 2, All: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(scores) != 2 || scores[0].Sentences == 0 || !(scores[0].Perplexity > 1) || scores[0].Signature == "" {
		t.Fatalf("Evaluate: %+v", scores)
	}
	cfg.MaxSteps = 30
	more, err := translate.Train(context.Background(), cfg, dir, translate.Options{Progress: io.Discard, NoPlot: true})
	if err != nil {
		t.Fatal(err)
	}
	if more.Metrics.Steps != 30 || len(more.Metrics.Losses) != 30 {
		t.Errorf("resumed run: %d steps, %d losses, want 30", more.Metrics.Steps, len(more.Metrics.Losses))
	}
}

// TestTimeLimit: a run that --minutes stops keeps its step count and its training losses in metrics.json, and
// resumes from there.
func TestTimeLimit(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	cfg := smokeConfig()
	cfg.MaxMinutes, cfg.EvalSentences = 1e-4, 0 // 6 ms: the limit is up at the first checkpoint
	m, err := translate.Train(context.Background(), cfg, dir, translate.Options{Progress: io.Discard, NoPlot: true})
	if err != nil {
		t.Fatal(err)
	}
	if m.Metrics.Steps != cfg.CheckpointStep || len(m.Metrics.Losses) != m.Metrics.Steps {
		t.Errorf("stopped run: %d steps, %d losses, want %d of each", m.Metrics.Steps, len(m.Metrics.Losses), cfg.CheckpointStep)
	}
	cfg.MaxMinutes = 0
	more, err := translate.Train(context.Background(), cfg, dir, translate.Options{Progress: io.Discard, NoPlot: true})
	if err != nil {
		t.Fatal(err)
	}
	if more.Metrics.Steps != cfg.MaxSteps || len(more.Metrics.Losses) != cfg.MaxSteps || more.Metrics.Losses[0] != m.Metrics.Losses[0] {
		t.Errorf("resumed run: %d steps, %d losses (first %v, was %v), want %d", more.Metrics.Steps, len(more.Metrics.Losses),
			more.Metrics.Losses[:1], m.Metrics.Losses[:1], cfg.MaxSteps)
	}
}

func TestDetokenize(t *testing.T) {
	for in, want := range map[string]string{
		"y la tierra .":       "y la tierra.",
		"¿ Quién es , dijo ?": "¿Quién es, dijo?",
		"( y él ) vino":       "(y él) vino",
		"":                    "",
	} {
		if got := translate.Detokenize(in); got != want {
			t.Errorf("Detokenize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	bad := []func(*translate.Config){
		func(c *translate.Config) { c.DModel = 30 },
		func(c *translate.Config) { c.Scheduler = "cosine" },
		func(c *translate.Config) { c.Initializer = "xavier" },
		func(c *translate.Config) { c.LabelSmoothing = 1 },
		func(c *translate.Config) { c.MaxSteps = 0 },
		func(c *translate.Config) { c.Task = "textclass" },
	}
	for i, f := range bad {
		c := translate.DefaultConfig()
		f(&c)
		if err := c.Validate(); err == nil {
			t.Errorf("case %d: no error for %+v", i, c)
		}
	}
	if err := translate.DefaultConfig().Validate(); err != nil {
		t.Error(err)
	}
}

// TestExport writes the peer's files for the fixture: one JSON line per training batch.
func TestExport(t *testing.T) {
	dir := t.TempDir()
	if err := translate.Export(context.Background(), smokeConfig(), dir); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"run.json", "vocab.txt", "batches.jsonl", "test_short.tsv"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil || len(b) == 0 {
			t.Errorf("%s: %d bytes, %v", f, len(b), err)
		}
	}
	b, _ := os.ReadFile(filepath.Join(dir, "batches.jsonl"))
	if n := bytes.Count(b, []byte("\n")); n < 2 || !bytes.Contains(b, []byte(`"labels":[[`)) {
		t.Errorf("batches.jsonl: %d lines: %.200s", n, b)
	}
}

// TestDataSeed: --data-seed fixes the split, the vocabulary and the batches whatever --seed is, so that runs
// differing only in --seed share their data; without it, --seed moves the split too.
func TestDataSeed(t *testing.T) {
	export := func(seed, dataSeed uint64) string {
		cfg := smokeConfig()
		cfg.Seed, cfg.DataSeed = seed, dataSeed
		dir := t.TempDir()
		if err := translate.Export(context.Background(), cfg, dir); err != nil {
			t.Fatal(err)
		}
		var out string
		for _, f := range []string{"vocab.txt", "batches.jsonl", "test_short.tsv"} {
			b, err := os.ReadFile(filepath.Join(dir, f))
			if err != nil {
				t.Fatal(err)
			}
			out += string(b)
		}
		return out
	}
	base := export(1, 0)
	if export(2, 1) != base {
		t.Error("seed 2 with data seed 1: the vocabulary, batches or test verses differ from seed 1's")
	}
	if export(2, 0) == base {
		t.Error("seed 2 without a data seed: the same data as seed 1; want another split")
	}
}
