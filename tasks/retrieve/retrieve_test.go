package retrieve

import (
	"context"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// tinyConfig trains in a second on the 80 verse pairs of testdata/verses.jsonl (16 chapters of Genesis and John).
func tinyConfig(t *testing.T, loss string, args map[string]any) Config {
	t.Helper()
	c := DefaultConfig().Smoke()
	c.Data = filepath.Join("testdata", "verses.jsonl")
	c.Split = []float64{0.6, 0.2, 0.2}
	c.Loss, c.LossArgs = loss, args
	c.Steps, c.BatchSize, c.VocabSize, c.MaxLength = 6, 8, 300, 24
	c.HiddenSize, c.NumAttentionHeads, c.IntermediateSize = 16, 2, 32
	c.EvalEvery, c.CheckpointEvery, c.EvalSize = 3, 3, 0
	c.Progress, c.NoPlot = io.Discard, true
	return c
}

// TestTrainEveryLossKind trains with one loss of each input signature, writes the run directory, loads it back
// and checks that it ranks as it did before saving.
func TestTrainEveryLossKind(t *testing.T) {
	for _, tc := range []struct {
		loss string
		args map[string]any
	}{
		{"MultipleNegativesRankingLoss", nil},
		{"BatchHardTripletLoss", map[string]any{"distance_metric": "cosine", "margin": 0.3}},
		{"ContrastiveLoss", nil},
		{"TripletMarginWithDistanceLoss", map[string]any{"distance_function": "cosine", "margin": 0.3}},
		{"CosineEmbeddingLoss", nil},
	} {
		t.Run(tc.loss, func(t *testing.T) {
			cfg := tinyConfig(t, tc.loss, tc.args)
			cfg.Out = t.TempDir()
			m, err := Train(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			if m.Result.Steps != cfg.Steps || len(m.Result.Losses) != cfg.Steps {
				t.Fatalf("%d steps, %d losses; want %d", m.Result.Steps, len(m.Result.Losses), cfg.Steps)
			}
			for _, l := range m.Result.Losses {
				if math.IsNaN(l) || math.IsInf(l, 0) {
					t.Fatalf("loss %v", m.Result.Losses)
				}
			}
			mt := m.Metrics
			if mt.Test.Queries < 2 || mt.Test.Queries != mt.TFIDF.Queries || mt.Untrained.Queries != mt.Test.Queries {
				t.Fatalf("metrics %+v", mt)
			}
			for _, r := range []Ranking{mt.Test, mt.Untrained, mt.Overlap, mt.TFIDF} {
				if !(r.RecallAt1 >= 0 && r.RecallAt1 <= r.RecallAt10 && r.RecallAt10 <= 1 && r.MRR >= r.RecallAt1/1 &&
					r.MRR <= 1) {
					t.Errorf("inconsistent ranking %+v", r)
				}
			}
			loaded, err := Load(cfg.Out)
			if err != nil {
				t.Fatal(err)
			}
			split, err := loaded.Split(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			got, err := loaded.Rank(split.Test)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(got.MRR-mt.Test.MRR) > 1e-6 || loaded.Metrics == nil || loaded.Metrics.Test != mt.Test {
				t.Errorf("loaded model ranks %+v, trained one %+v (metrics.json %+v)", got, mt.Test, loaded.Metrics)
			}
			// The untrained baseline is the encoder Untrained gives for the same seed and vocabulary.
			u, err := Untrained(cfg, loaded.Tokenizer().Vocab())
			if err != nil {
				t.Fatal(err)
			}
			if r, err := u.Rank(split.Test); err != nil || math.Abs(r.MRR-mt.Untrained.MRR) > 1e-6 {
				t.Errorf("Untrained ranks %+v (%v), Train's untrained encoder %+v", r, err, mt.Untrained)
			}
			_, es := sides(split.Test)
			hits, err := loaded.Search(split.Test[0].Source, es, 3)
			if err != nil {
				t.Fatal(err)
			}
			if len(hits) != 3 || hits[0].Score < hits[1].Score || hits[1].Score < hits[2].Score ||
				hits[0].Text != es[hits[0].Index] {
				t.Errorf("hits %+v", hits)
			}
		})
	}
}

// TestResume: a run stopped after its checkpoint and resumed ends at the same test ranking as one run straight.
func TestResume(t *testing.T) {
	cfg := tinyConfig(t, "MultipleNegativesRankingLoss", nil)
	cfg.Schedule = "constant" // a linear schedule's length is part of the run: a shorter first part differs
	straight, err := Train(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Out = t.TempDir()
	half := cfg
	half.Steps = 3
	if _, err := Train(context.Background(), half); err != nil {
		t.Fatal(err)
	}
	cfg.Resume = true
	resumed, err := Train(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if resumed.Result.ResumedFrom != 3 {
		t.Fatalf("resumed from %d, want 3", resumed.Result.ResumedFrom)
	}
	if a, b := straight.Result.Losses[5], resumed.Result.Losses[5]; math.Abs(a-b) > 1e-5*math.Abs(a) {
		t.Errorf("step 6 loss: straight %v, resumed %v", a, b)
	}
}

func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		edit func(*Config)
		want string
	}{
		{func(c *Config) { c.Loss = "CrossEntropyLoss" }, "loss CrossEntropyLoss takes (input, target); a retriever's loss takes embeddings"},
		{func(c *Config) { c.Loss = "NoSuchLoss" }, `unknown loss "NoSuchLoss"`},
		{func(c *Config) { c.LossArgs = map[string]any{"scale": 0.0} }, `"scale": scale 0 must be > 0`},
		{func(c *Config) { c.BatchSize = 1 }, "BatchSize 1 must be at least 2"},
		{func(c *Config) { c.HiddenSize = 30 }, "HiddenSize 30 is not a multiple of NumAttentionHeads 4"},
		{func(c *Config) { c.Split = []float64{1} }, "Split [1] must hold 2 or 3 fractions"},
		{func(c *Config) { c.Data = "" }, `Data is empty; want "verses"`},
	} {
		c := DefaultConfig()
		tc.edit(&c)
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Validate() = %v, want %q", err, tc.want)
		}
	}
	if err := DefaultConfig().Validate(); err != nil {
		t.Errorf("DefaultConfig: %v", err)
	}
}

func TestRankScores(t *testing.T) {
	for _, tc := range []struct {
		name         string
		scores       [][]float64
		r1, r10, mrr float64
	}{
		{"perfect", [][]float64{{1, 0}, {0, 1}}, 1, 1, 1},
		{"reversed", [][]float64{{0, 1}, {1, 0}}, 0, 1, 0.5},
		// Query 0 ties with one other candidate: half a hit at 1, reciprocal rank (1 + 1/2) / 2.
		{"tie", [][]float64{{1, 1, 0}, {0, 1, 0}, {0, 0, 1}}, (0.5 + 1 + 1) / 3, 1, (0.75 + 1 + 1) / 3},
		// All 12 candidates tied: recall@10 is 10/12, MRR the mean of 1/1 .. 1/12.
		{"all tied", [][]float64{make([]float64, 12)}, 1.0 / 12, 10.0 / 12, harmonic(12) / 12},
	} {
		got, err := RankScores(tc.scores)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if math.Abs(got.RecallAt1-tc.r1) > 1e-12 || math.Abs(got.RecallAt10-tc.r10) > 1e-12 || math.Abs(got.MRR-tc.mrr) > 1e-12 {
			t.Errorf("%s: %+v, want recall@1 %v, recall@10 %v, MRR %v", tc.name, got, tc.r1, tc.r10, tc.mrr)
		}
	}
	if _, err := RankScores([][]float64{{math.NaN(), 0}}); err == nil {
		t.Error("NaN score accepted")
	}
}

func harmonic(n int) float64 {
	s := 0.0
	for i := 1; i <= n; i++ {
		s += 1 / float64(i)
	}
	return s
}

// TestBaselines checks TF-IDF against scikit-learn's definition on a hand example and the overlap's Jaccard.
func TestBaselines(t *testing.T) {
	docs := []string{"the cat sat", "the dog", "a cat"}
	tf := FitTFIDF(docs)
	// idf(the) = ln(4/3) + 1, idf(cat) = ln(4/3) + 1, idf(sat) = ln(4/2) + 1.
	v := tf.Vector("The cat, the SAT!")
	the, cat, sat := 2*(math.Log(4.0/3)+1), math.Log(4.0/3)+1, math.Log(2)+1
	norm := math.Sqrt(the*the + cat*cat + sat*sat)
	for w, want := range map[string]float64{"the": the / norm, "cat": cat / norm, "sat": sat / norm} {
		if math.Abs(v[w]-want) > 1e-12 {
			t.Errorf("tfidf[%s] = %v, want %v", w, v[w], want)
		}
	}
	ov := OverlapScores([]string{"Jesús dijo"}, []string{"JESUS said", "nothing here"})
	if ov[0][0] != 1.0/3 || ov[0][1] != 0 {
		t.Errorf("overlap %v, want [1/3 0]", ov)
	}
}

// TestRunDirErrors: Train checks its run directory before it loads any data (training.PrepareRunDir), and a
// resume of an empty directory starts a new run.
func TestRunDirErrors(t *testing.T) {
	cfg := tinyConfig(t, "MultipleNegativesRankingLoss", nil)
	wider := cfg
	wider.HiddenSize = 32
	root := t.TempDir()
	dir := func(name string, info *runInfo, files ...string) string {
		d := filepath.Join(root, name)
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if info != nil {
			if err := writeJSONAtomic(filepath.Join(d, RunFile), info); err != nil {
				t.Fatal(err)
			}
		}
		for _, f := range files {
			if err := os.WriteFile(filepath.Join(d, f), []byte("x\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return d
	}
	used := dir("used", nil, "notes.txt")
	other := dir("other", &runInfo{Task: "textclass", Config: cfg})
	changed := dir("changed", &runInfo{Task: TaskName, Config: wider})
	noVocab := dir("novocab", &runInfo{Task: TaskName, Config: cfg})
	for _, tc := range []struct {
		dir    string
		resume bool
		want   string
	}{
		{used, false, "retrieve: output directory " + used + " is not empty; resume it (Resume, --resume) or choose another"},
		{used, true, "retrieve: nothing to resume in " + used + ": open " + filepath.Join(used, RunFile)},
		{other, true, "retrieve: nothing to resume in " + other + ": " + filepath.Join(other, RunFile) +
			`: task "textclass", want "retrieve"`},
		{changed, true, "retrieve: cannot resume " + changed + ": its configuration differs in [hidden_size (32, now 16)]"},
		{noVocab, true, "retrieve: resume " + noVocab + ": tokenize: open " + filepath.Join(noVocab, VocabFile)},
	} {
		c := cfg
		c.Out, c.Resume = tc.dir, tc.resume
		if _, err := Train(context.Background(), c); err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("Train into %s (resume %v): error %v, want one starting %q", tc.dir, tc.resume, err, tc.want)
		}
	}
	for _, d := range []string{filepath.Join(root, "absent"), dir("empty", nil)} {
		c := cfg
		c.Out, c.Resume = d, true
		if vocab, err := prepareOut(c); vocab != nil || err != nil {
			t.Errorf("resume of the empty %s: vocabulary %v, error %v; want a new run (nil, nil)", d, vocab, err)
		}
	}
}
