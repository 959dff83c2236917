package textclass

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/lossbook/lossbook/tasks/pretrain"
)

// tinyPretrain pre-trains a tiny BERT (1 layer of width 16, 6 steps; pre-norm with a final norm if normFirst) on the texts of testdata/tiny.jsonl, each
// text a document of two halves, and returns its run directory. The vocabulary is asked for 1,000 tokens and gets
// fewer (the texts have few distinct words); run.json records the size it got.
func tinyPretrain(t *testing.T, normFirst bool) string {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "tiny.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var docs [][]string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var row struct{ Text string }
		if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
			t.Fatal(err)
		}
		words := strings.Fields(row.Text)
		docs = append(docs, []string{strings.Join(words[:len(words)/2], " "), strings.Join(words[len(words)/2:], " ")})
	}
	dir := filepath.Join(t.TempDir(), "pretrain")
	c := pretrain.SmokeConfig()
	c.VocabSize, c.HiddenSize, c.NumAttentionHeads, c.NumHiddenLayers = 1000, 16, 2, 1
	c.MaxSeqLength, c.BatchSize, c.MaxSteps, c.WarmupSteps, c.EvalSteps, c.SaveSteps = 32, 8, 6, 2, 3, 3
	c.MaxEvalPairs, c.OutputDir, c.Progress, c.NormFirst, c.FinalNorm = 40, dir, io.Discard, normFirst, normFirst
	if _, err := pretrain.Train(context.Background(), c, pretrain.WithCorpus(&pretrain.Corpus{Train: docs[:100],
		Eval: docs[100:]})); err != nil {
		t.Fatal(err)
	}
	return dir
}

// copyDir copies the files of src into a new directory and returns it.
func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), filepath.Base(src))
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// TestFineTune pre-trains a tiny BERT once and checks --init on it: the classifier starts from the pre-trained
// encoder and a fresh head, its run directory stands alone, bad settings are one clear error, and the
// comparison of pre-trained and scratch arms runs end to end.
func TestFineTune(t *testing.T) {
	pre, preNorm := tinyPretrain(t, false), tinyPretrain(t, true)
	enc, err := pretrain.EncoderConfig(pre)
	if err != nil {
		t.Fatal(err)
	}
	vocab, err := pretrainedVocab(pre)
	if err != nil {
		t.Fatal(err)
	}
	if vocab.Size() != enc.VocabSize {
		t.Fatalf("pre-training vocabulary of %d tokens for a table of %d rows", vocab.Size(), enc.VocabSize)
	}

	// Post-norm (BERT's) and pre-norm (--norm-first) encoders load the same way; the classifier takes the
	// encoder's norm placement from the run.
	for _, arm := range []struct {
		name      string
		dir       string
		normFirst bool
	}{{"post-norm", pre, false}, {"pre-norm", preNorm, true}} {
		t.Run("loads the encoder, fresh head, stands alone: "+arm.name, func(t *testing.T) {
			testLoadsEncoder(t, arm.dir, arm.normFirst)
		})
	}

	t.Run("fine-tunes", func(t *testing.T) {
		// At a working learning rate the pre-trained classifier learns the separable tiny data.
		cfg := tinyConfig(t, Transformer).FromPretrained(pre)
		cfg.Steps, cfg.OptimizerArgs = 60, map[string]any{"lr": 5e-3}
		m, err := Train(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		if m.Metrics.Test.Accuracy < 0.9 {
			t.Errorf("test accuracy %.3f after %d steps on separable data, want >= 0.9", m.Metrics.Test.Accuracy, cfg.Steps)
		}
	})

	t.Run("errors", func(t *testing.T) {
		notPretrain := t.TempDir()
		if err := os.WriteFile(filepath.Join(notPretrain, RunFile), []byte(`{"task": "textclass"}`), 0o644); err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(t.TempDir(), "file")
		if err := os.WriteFile(file, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		base := tinyConfig(t, Transformer)
		tests := []struct {
			name string
			edit func(c *Config)
			want string
		}{
			{"missing directory", func(c *Config) { *c = c.FromPretrained("/nonexistent/pretrain") },
				"textclass: InitFrom /nonexistent/pretrain: no such directory; want the run directory of lossbook pretrain"},
			{"a file", func(c *Config) { *c = c.FromPretrained(file) }, "no such directory"},
			{"empty directory", func(c *Config) { *c = c.FromPretrained(t.TempDir()) }, "is not a usable pre-training run"},
			{"another task's run", func(c *Config) { *c = c.FromPretrained(notPretrain) },
				`is not a usable pre-training run: ` + notPretrain + ` is a "textclass" run, want "pretrain"`},
			{"conflicting layers", func(c *Config) { *c = c.FromPretrained(pre); c.NumHiddenLayers = 3 },
				"textclass: num_hidden_layers 3 conflicts with the pre-trained encoder's 1 (" + pre + "); leave it unset"},
			{"conflicting length", func(c *Config) { *c = c.FromPretrained(pre); c.MaxLength = 24 },
				"textclass: max_length 24 conflicts with the pre-trained encoder's 32"},
			{"pre-norm on a post-norm encoder", func(c *Config) { *c = c.FromPretrained(pre); c.NormFirst = true },
				"textclass: norm_first true (pre-norm) conflicts with the pre-trained encoder's post-norm (" + pre + "); leave it unset"},
			{"final norm on an encoder without one", func(c *Config) { *c = c.FromPretrained(pre); c.FinalNorm = true },
				"textclass: final_norm true conflicts with the pre-trained encoder, which has no final layer norm (" + pre + ")"},
			{"final-norm bag", func(c *Config) { c.Model, c.FinalNorm = Bag, true },
				`FinalNorm (--final-norm) applies to the transformer; Model is "bag"`},
			{"pre-norm bag", func(c *Config) { c.Model, c.NormFirst = Bag, true },
				`NormFirst (--norm-first) applies to the transformer; Model is "bag"`},
			{"the bag", func(c *Config) { *c = c.FromPretrained(pre); c.Model = Bag },
				`InitFrom (--init) starts a transformer from a pre-trained encoder; Model is "bag", want "transformer"`},
			{"fraction above 1", func(c *Config) { c.TrainFraction = 1.5 }, "TrainFraction 1.5 must be in (0, 1]"},
			{"negative fraction", func(c *Config) { c.TrainFraction = -0.1 }, "TrainFraction -0.1 must be in (0, 1]"},
			{"NaN fraction", func(c *Config) { c.TrainFraction = math.NaN() }, "TrainFraction NaN"},
		}
		for _, tc := range tests {
			c := base
			tc.edit(&c)
			_, err := Train(context.Background(), c)
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Count(err.Error(), "textclass:") != 1 {
				t.Errorf("%s: error %v, want one error containing %q", tc.name, err, tc.want)
			}
		}
	})

	t.Run("compare pre-norm", func(t *testing.T) {
		// Both arms take the encoder's norm placement: the scratch arm is the pre-trained arm's config without
		// InitFrom.
		base := tinyConfig(t, Transformer)
		base.Steps = 2
		cmp, err := CompareFineTuning(context.Background(), base, FineTuneOptions{InitFrom: preNorm, Seeds: []uint64{1},
			TrainFractions: []float64{1}})
		if err != nil {
			t.Fatal(err)
		}
		if !cmp.Config.NormFirst || len(cmp.Runs) != 2 {
			t.Errorf("comparison from a pre-norm run: NormFirst %v, %d runs; want true, 2", cmp.Config.NormFirst, len(cmp.Runs))
		}
	})

	t.Run("compare", func(t *testing.T) {
		base := tinyConfig(t, Transformer)
		base.Steps = 5
		var seen int
		cmp, err := CompareFineTuning(context.Background(), base, FineTuneOptions{InitFrom: pre, Seeds: []uint64{1, 2},
			TrainFractions: []float64{0.25, 1}, OnRun: func(FineTuneRun) { seen++ }})
		if err != nil {
			t.Fatal(err)
		}
		if len(cmp.Runs) != 8 || seen != 8 || len(cmp.Summary) != 4 {
			t.Fatalf("%d runs (%d reported), %d summaries; want 8, 8, 4", len(cmp.Runs), seen, len(cmp.Summary))
		}
		// 120 texts, 96 for training (64 of one class, 32 of the other); a quarter keeps 16 and 8.
		for _, r := range cmp.Runs {
			want := 96
			if r.TrainFraction == 0.25 {
				want = 24
			}
			if r.TrainExamples != want || r.Steps != 5 || !(r.MacroF1 >= 0 && r.MacroF1 <= 1) || r.Seconds <= 0 {
				t.Errorf("run %+v: want %d training examples, 5 steps, a macro-F1 in [0, 1]", r, want)
			}
		}
		if cmp.Classes != 2 || cmp.TestN != 12 || cmp.Backend == "" || cmp.Config.NumHiddenLayers != enc.NumLayers ||
			cmp.Config.InitFrom != pre {
			t.Errorf("comparison %+v: want 2 classes, 12 test texts, the backend and the pre-trained config", cmp)
		}
		for _, s := range cmp.Summary {
			var f1 []float64
			for _, r := range cmp.Runs {
				if r.Init == s.Init && r.TrainFraction == s.TrainFraction {
					f1 = append(f1, r.MacroF1)
				}
			}
			ms := meanSD(f1)
			if s.Seeds != 2 || math.Abs(s.MacroF1Mean-ms[0]) > 1e-12 || math.Abs(s.MacroF1SD-ms[1]) > 1e-12 {
				t.Errorf("summary %+v, want 2 seeds, mean %g, sd %g", s, ms[0], ms[1])
			}
		}
		series, err := cmp.PlotSeries("macro_f1")
		pre25, _ := cmp.Cell(Pretrained, 0.25)
		if err != nil || len(series) != 2 || len(series[0].X) != 8 || series[0].X[0] != 23 || series[0].X[7] != 98 ||
			series[1].X[4] != 102 || series[0].Y[0] != pre25.MacroF1Mean || series[0].Y[1] != pre25.MacroF1Mean-pre25.MacroF1SD ||
			series[0].Y[2] != pre25.MacroF1Mean+pre25.MacroF1SD {
			t.Errorf("PlotSeries: %+v, %v; want 2 series, 4 points a share (mean, mean-sd, mean+sd, mean) at 23 and 98 / 27 and 102",
				series, err)
		}
		if _, err := cmp.PlotSeries("loss"); err == nil {
			t.Error("PlotSeries(loss): no error")
		}
		path := filepath.Join(t.TempDir(), "finetune.json")
		if err := WriteFineTuneReport(path, &FineTuneReport{Command: "test", Comparisons: []*FineTuneComparison{cmp}}); err != nil {
			t.Fatal(err)
		}
		r, err := ReadFineTuneReport(path)
		if err != nil || len(r.Comparisons[0].Runs) != 8 || r.Comparisons[0].Summary[0] != cmp.Summary[0] {
			t.Errorf("ReadFineTuneReport: %+v, %v; want the comparison back", r, err)
		}
		if _, err := ReadFineTuneReport(filepath.Join(t.TempDir(), "absent.json")); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("ReadFineTuneReport of an absent file: %v, want a not-exist error", err)
		}
	})
}

// testLoadsEncoder fine-tunes the tiny pre-training run pre for one step at a learning rate of 1e-9 and checks
// that the classifier has the encoder's architecture (norm placement normFirst included), its weights and
// vocabulary and a fresh head, that run.json records them, and that the run directory alone serves Load,
// Probabilities and Evaluate.
func testLoadsEncoder(t *testing.T, pre string, normFirst bool) {
	enc, err := pretrain.EncoderConfig(pre)
	if err != nil {
		t.Fatal(err)
	}
	if enc.NormFirst != normFirst || enc.FinalNorm != normFirst {
		t.Fatalf("pre-training run %s: NormFirst %v, FinalNorm %v, want %v", pre, enc.NormFirst, enc.FinalNorm, normFirst)
	}
	vocab, err := pretrainedVocab(pre)
	if err != nil {
		t.Fatal(err)
	}
	init := copyDir(t, pre)
	cfg := tinyConfig(t, Transformer).FromPretrained(init)
	// One step at a learning rate of 1e-9 moves no weight by more than about 1e-9: the trained model's encoder
	// must still be the checkpoint's.
	cfg.Steps, cfg.EvalEvery, cfg.CheckpointEvery = 1, 0, 0
	cfg.OptimizerArgs = map[string]any{"lr": 1e-9}
	cfg.Out = filepath.Join(t.TempDir(), "run")
	m, err := Train(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	c := m.Config
	if c.NumHiddenLayers != enc.NumLayers || c.HiddenSize != enc.Dim || c.NumAttentionHeads != enc.NumHeads ||
		c.VocabSize != enc.VocabSize || c.MaxLength != enc.MaxLen || c.IntermediateSize != enc.FFNDim ||
		c.TypeVocabSize != enc.NumSegments || c.NormFirst != enc.NormFirst || m.transformer().NormFirst != normFirst ||
		c.FinalNorm != enc.FinalNorm || m.transformer().FinalNorm != normFirst {
		t.Errorf("fine-tuned config %+v, want the encoder's architecture %+v", c, enc)
	}
	if m.tok.Vocab().Size() != vocab.Size() {
		t.Errorf("fine-tuned tokenizer has %d tokens, want the pre-training run's %d", m.tok.Vocab().Size(), vocab.Size())
	}
	src, err := pretrain.Load(init)
	if err != nil {
		t.Fatal(err)
	}
	loaded := 0
	for v := range src.Context.IterVariables() {
		rel, ok := strings.CutPrefix(v.Scope(), "/"+pretrain.ModelScope+"/")
		if !ok {
			continue
		}
		got := m.ctx.GetVariableByScopeAndName("/"+modelScope+"/"+rel, v.Name())
		want := tensors.MustCopyFlatData[float32](v.MustValue())
		if strings.HasPrefix(rel, "mlm") {
			if got != nil {
				t.Errorf("the MLM head %s/%s was loaded", rel, v.Name())
			}
			continue
		}
		if got == nil {
			t.Errorf("the classifier has no %s/%s", rel, v.Name())
			continue
		}
		g := tensors.MustCopyFlatData[float32](got.MustValue())
		if len(g) != len(want) {
			t.Errorf("%s/%s: %d values, the checkpoint's %d", rel, v.Name(), len(g), len(want))
			continue
		}
		maxDiff := 0.0
		for i := range g {
			maxDiff = max(maxDiff, math.Abs(float64(g[i]-want[i])))
		}
		if strings.HasPrefix(rel, "classifier") {
			// The NSP classifier is [16, 2] as the 2-class head is: the head's weights must be fresh, not the
			// NSP ones (biases start at 0 in both, and the NSP ones moved little in 6 steps).
			if v.Name() == "weights" && maxDiff < 1e-2 {
				t.Errorf("head %s/%s equals the NSP classifier's (largest difference %g): want a fresh head", rel,
					v.Name(), maxDiff)
			}
			continue
		}
		loaded++
		if maxDiff > 1e-5 {
			t.Errorf("%s/%s differs from the checkpoint's by up to %g after one step at lr 1e-9", rel, v.Name(), maxDiff)
		}
	}
	if loaded < 10 {
		t.Errorf("compared %d encoder variables, want the embeddings, the layer and the pooler", loaded)
	}

	var info map[string]any
	b, _ := os.ReadFile(filepath.Join(cfg.Out, RunFile))
	if err := json.Unmarshal(b, &info); err != nil || info["model_name_or_path"] != init ||
		info["num_hidden_layers"] != float64(enc.NumLayers) || info["type_vocab_size"] != 2.0 ||
		(info["norm_first"] == true) != normFirst || (info["final_norm"] == true) != normFirst {
		t.Errorf("run.json = %s, want model_name_or_path %s and the encoder's architecture", b, init)
	}
	// The run directory stands alone: without the pre-training run, Load, Predict and Evaluate work and give
	// the trained model's answers (the same norm placement: the other would change the probabilities).
	if err := os.RemoveAll(init); err != nil {
		t.Fatal(err)
	}
	l, err := Load(cfg.Out)
	if err != nil {
		t.Fatal(err)
	}
	if l.Config.NormFirst != normFirst || l.Config.FinalNorm != normFirst {
		t.Errorf("loaded run: NormFirst %v, FinalNorm %v, want %v", l.Config.NormFirst, l.Config.FinalNorm, normFirst)
	}
	texts := []string{"free money click now", "meeting tomorrow review the patch"}
	want, err := m.Probabilities(texts)
	if err != nil {
		t.Fatal(err)
	}
	got, err := l.Probabilities(texts)
	if err != nil {
		t.Fatal(err)
	}
	for i := range want {
		for j := range want[i] {
			if math.Abs(got[i][j]-want[i][j]) > 1e-6 {
				t.Errorf("loaded model: probabilities %v, trained model %v", got[i], want[i])
			}
		}
	}
	if ev, err := l.Evaluate(); err != nil || ev.N != m.Metrics.Test.N {
		t.Errorf("Evaluate of the loaded run: %v, %v; want %d test examples", ev, err, m.Metrics.Test.N)
	}
}

// TestTrainFraction: a TrainFraction cuts the training split to that share of each class, the same subset for the
// same seed, and leaves validation and test alone.
func TestTrainFraction(t *testing.T) {
	base := tinyConfig(t, Bag)
	full, err := LoadSplit(context.Background(), base)
	if err != nil {
		t.Fatal(err)
	}
	part := base
	part.TrainFraction = 0.25
	a, err := LoadSplit(context.Background(), part)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := LoadSplit(context.Background(), part)
	count := func(xs []Example) [2]int {
		var n [2]int
		for _, x := range xs {
			n[x.Label]++
		}
		return n
	}
	if n, all := count(a.Train), count(full.Train); n != [2]int{16, 8} || all != [2]int{64, 32} {
		t.Errorf("a quarter of the training split: %v per class of %v, want 16 and 8 of 64 and 32", n, all)
	}
	in := map[string]bool{}
	for _, x := range full.Train {
		in[x.Text] = true
	}
	for i, x := range a.Train {
		if !in[x.Text] || x != b.Train[i] {
			t.Fatalf("subset example %d %q: not in the full training split, or not the same for the same seed", i, x.Text)
		}
	}
	for i := range full.Test {
		if a.Test[i] != full.Test[i] {
			t.Fatal("the test split changed with TrainFraction")
		}
	}
	if len(a.Validation) != len(full.Validation) {
		t.Errorf("validation %d examples, want %d", len(a.Validation), len(full.Validation))
	}
	other := part
	other.Seed = 2
	o, _ := LoadSplit(context.Background(), other)
	otherFull, _ := LoadSplit(context.Background(), func() Config { c := base; c.Seed = 2; return c }())
	if count(o.Train) != [2]int{16, 8} || len(otherFull.Train) != 96 {
		t.Errorf("seed 2: %v per class", count(o.Train))
	}
	// Through Train: metrics.json counts the examples trained on.
	part.Steps = 2
	m, err := Train(context.Background(), part)
	if err != nil {
		t.Fatal(err)
	}
	if m.Metrics.TrainExamples != 24 {
		t.Errorf("TrainExamples %d, want 24", m.Metrics.TrainExamples)
	}
}
