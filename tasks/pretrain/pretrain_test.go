package pretrain_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/lossbook/lossbook/lib"
	"github.com/lossbook/lossbook/lib/data"
	"github.com/lossbook/lossbook/lib/models"
	"github.com/lossbook/lossbook/lib/tokenize"
	"github.com/lossbook/lossbook/tasks/pretrain"
)

// toyCorpus is made for the tests: documents whose sentences mix common words with the document's own topic
// words, so that consecutive sentences share words and random ones mostly do not.
func toyCorpus(docs, sentences int, seed uint64) [][]string {
	rng := rand.New(rand.NewPCG(seed, 2))
	common := strings.Fields("the a of and to in is was he she it that on with")
	var out [][]string
	for d := range docs {
		topic := []string{fmt.Sprintf("topic%c", 'a'+d%26), fmt.Sprintf("thing%c", 'a'+d%26), fmt.Sprintf("place%c", 'a'+(d*7)%26)}
		var doc []string
		for range sentences {
			var words []string
			for range 6 + rng.IntN(6) {
				if rng.IntN(3) == 0 {
					words = append(words, topic[rng.IntN(len(topic))])
				} else {
					words = append(words, common[rng.IntN(len(common))])
				}
			}
			doc = append(doc, strings.Join(words, " ")+" .")
		}
		out = append(out, doc)
	}
	return out
}

func tinyConfig(dir string) pretrain.Config {
	c := pretrain.SmokeConfig()
	c.VocabSize, c.HiddenSize, c.NumAttentionHeads, c.NumHiddenLayers = 120, 16, 2, 1
	c.MaxSeqLength, c.BatchSize, c.MaxSteps, c.WarmupSteps, c.EvalSteps, c.SaveSteps = 32, 8, 6, 2, 3, 3
	c.MaxEvalPairs, c.OutputDir, c.Progress = 40, dir, io.Discard
	return c
}

func toy() *pretrain.Corpus {
	return &pretrain.Corpus{Train: toyCorpus(8, 15, 1), Eval: toyCorpus(4, 15, 2)}
}

// TestTrainWritesRunDirectory runs a few steps on a toy corpus and checks the run directory, the metrics, that
// Load gives back the same model (the same held-out numbers), resume, FillMask and LoadEncoder.
func TestTrainWritesRunDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	cfg := tinyConfig(dir)
	m, err := pretrain.Train(context.Background(), cfg, pretrain.WithCorpus(toy()))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{pretrain.RunFile, pretrain.VocabFile, pretrain.CheckpointFile, pretrain.MetricsFile} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("run directory lacks %s: %v", f, err)
		}
	}
	var info map[string]any
	b, _ := os.ReadFile(filepath.Join(dir, pretrain.RunFile))
	if err := json.Unmarshal(b, &info); err != nil || info["task"] != "pretrain" || info["num_hidden_layers"] != 1.0 {
		t.Errorf("run.json = %s (%v), want task pretrain and the config", b, err)
	}
	met := m.Metrics
	if met.Steps != 6 || len(met.Losses) != 6 || len(met.Evals) != 2 || met.Final.Step != 6 {
		t.Errorf("metrics: %d steps, %d losses, %d evals, final at step %d; want 6, 6, 2, 6", met.Steps, len(met.Losses), len(met.Evals), met.Final.Step)
	}
	f := met.Final
	if !(f.MLMLoss > 0) || math.Abs(f.MLMPerplexity-math.Exp(f.MLMLoss)) > 1e-9*f.MLMPerplexity || f.MaskedTokens == 0 ||
		f.Pairs != 40 || f.NSPAccuracy < 0 || f.NSPAccuracy > 1 || f.MLMAccuracy < 0 || f.MLMAccuracy > 1 {
		t.Errorf("final evaluation %+v out of range", f)
	}
	if !(met.UnigramEntropy > 1 && met.UnigramEntropy < math.Log(float64(cfg.VocabSize))) {
		t.Errorf("unigram entropy %g, want in (1, log %d)", met.UnigramEntropy, cfg.VocabSize)
	}

	// Load: the same variables give the same held-out numbers (the same pairs, masked the same way).
	loaded, err := pretrain.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	e, err := loaded.EvaluateCorpus(toy())
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(e.MLMLoss-f.MLMLoss) > 1e-5 || e.NSPAccuracy != f.NSPAccuracy || e.Step != 6 {
		t.Errorf("loaded model: %+v, want the final evaluation %+v", e, f)
	}

	// A second Train into the same directory is refused; --resume with more steps continues.
	if _, err := pretrain.Train(context.Background(), cfg, pretrain.WithCorpus(toy())); err == nil ||
		!strings.Contains(err.Error(), "already holds a run") {
		t.Errorf("training into a run directory again: error %v, want 'already holds a run'", err)
	}
	more := cfg
	more.Resume, more.MaxSteps = true, 9
	resumed, err := pretrain.Train(context.Background(), more, pretrain.WithCorpus(toy()))
	if err != nil {
		t.Fatal(err)
	}
	if resumed.Metrics.Steps != 9 || len(resumed.Metrics.Losses) != 9 || resumed.Metrics.Losses[0] != met.Losses[0] {
		t.Errorf("resumed run: %d steps, %d losses; want 9 and the first run's history", resumed.Metrics.Steps, len(resumed.Metrics.Losses))
	}

	preds, err := loaded.FillMask("the [MASK] of topica", 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(preds) != 1 || len(preds[0]) != 5 {
		t.Fatalf("FillMask: %v, want one list of 5", preds)
	}
	for i := 1; i < 5; i++ {
		if preds[0][i].Probability > preds[0][i-1].Probability {
			t.Errorf("FillMask: predictions not sorted: %v", preds[0])
		}
	}
	if _, err := loaded.FillMask("no mask here", 3); err == nil {
		t.Error("FillMask without [MASK]: no error")
	}

	latest, err := pretrain.Load(dir) // the resumed run's checkpoint
	if err != nil {
		t.Fatal(err)
	}
	testLoadEncoder(t, dir, latest)
}

// testLoadEncoder loads the encoder into another scope and checks that it computes the pre-trained model's
// hidden states, and that the MLM head and NSP classifier stay behind.
func testLoadEncoder(t *testing.T, dir string, m *pretrain.Model) {
	ctx := mlctx.New()
	enc, tok, err := pretrain.LoadEncoder(dir, ctx.In("model"))
	if err != nil {
		t.Fatal(err)
	}
	if tok.Vocab().Size() != m.Tokenizer.Vocab().Size() || enc.Dim != m.Encoder.Dim {
		t.Errorf("LoadEncoder: vocabulary %d, dim %d; want %d, %d", tok.Vocab().Size(), enc.Dim, m.Tokenizer.Vocab().Size(), m.Encoder.Dim)
	}
	var names []string
	for v := range ctx.IterVariables() {
		names = append(names, v.ScopeAndName())
	}
	joined := strings.Join(names, " ")
	for _, want := range []string{"/model/token_embeddings/", "/model/layer_0/attention/query/", "/model/pooler/dense/"} {
		if !strings.Contains(joined, want) {
			t.Errorf("LoadEncoder did not load %s: %v", want, names)
		}
	}
	if strings.Contains(joined, "/mlm/") || strings.Contains(joined, "/classifier/") {
		t.Errorf("LoadEncoder loaded a pre-training head: %v", names)
	}
	ids := [][]int32{{2, 7, 9, 11, 3}}
	hidden := func(c *mlctx.Context, scope string) []float32 {
		out := mlctx.MustExecOnce(lib.MustBackend(), c.Reuse(), func(ctx *mlctx.Context, tok *Node) *Node {
			ctx.SetTraining(tok.Graph(), false)
			return enc.Encode(ctx.In(scope), tok, nil, nil)
		}, ids)
		return tensors.MustCopyFlatData[float32](out)
	}
	a, b := hidden(m.Context, pretrain.ModelScope), hidden(ctx, "model")
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("hidden state %d: %g pre-trained, %g after LoadEncoder", i, a[i], b[i])
		}
	}
	// A classifier with another number of classes builds on the loaded encoder.
	mlctx.MustExecOnce(lib.MustBackend(), ctx.Reuse().Checked(false), func(ctx *mlctx.Context, tok *Node) *Node {
		return enc.PooledLogits(ctx.In("model"), enc.Encode(ctx.In("model"), tok, nil, nil), 5)
	}, ids)
	if _, _, err := pretrain.LoadEncoder(t.TempDir(), mlctx.New()); err == nil {
		t.Error("LoadEncoder of an empty directory: no error")
	}
}

// TestNormFirstRecorded: run.json records norm_first and final_norm (each omitted when false), and
// EncoderConfig, Load and LoadEncoder give back the encoder's norm placement, which a fine-tuning task reads
// from there.
func TestNormFirstRecorded(t *testing.T) {
	for _, tc := range []struct {
		name                 string
		normFirst, finalNorm bool
	}{{"post-norm", false, false}, {"pre-norm", true, false}, {"pre-norm, final norm", true, true}} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "run")
			cfg := tinyConfig(dir)
			cfg.MaxSteps, cfg.WarmupSteps, cfg.EvalSteps, cfg.SaveSteps = 2, 1, 2, 2
			cfg.NormFirst, cfg.FinalNorm = tc.normFirst, tc.finalNorm
			m, err := pretrain.Train(context.Background(), cfg, pretrain.WithCorpus(toy()))
			if err != nil {
				t.Fatal(err)
			}
			var info map[string]any
			b, _ := os.ReadFile(filepath.Join(dir, pretrain.RunFile))
			if err := json.Unmarshal(b, &info); err != nil {
				t.Fatal(err)
			}
			for key, want := range map[string]bool{"norm_first": tc.normFirst, "final_norm": tc.finalNorm} {
				if v, ok := info[key]; ok != want || (ok && v != true) {
					t.Errorf("run.json %s = %v (present %v), want %v", key, v, ok, want)
				}
			}
			enc, err := pretrain.EncoderConfig(dir)
			if err != nil {
				t.Fatal(err)
			}
			loaded, err := pretrain.Load(dir)
			if err != nil {
				t.Fatal(err)
			}
			ctx := mlctx.New()
			fromCkpt, _, err := pretrain.LoadEncoder(dir, ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, got := range []struct {
				from string
				enc  models.Transformer
			}{{"EncoderConfig", enc}, {"trained", m.Encoder}, {"Load", loaded.Encoder}, {"LoadEncoder", fromCkpt}} {
				if got.enc.NormFirst != tc.normFirst || got.enc.FinalNorm != tc.finalNorm {
					t.Errorf("%s: NormFirst %v, FinalNorm %v; want %v, %v", got.from, got.enc.NormFirst,
						got.enc.FinalNorm, tc.normFirst, tc.finalNorm)
				}
			}
			hasFinal := false
			for v := range ctx.IterVariables() {
				hasFinal = hasFinal || strings.Contains(v.Scope(), "final_norm")
			}
			if hasFinal != tc.finalNorm {
				t.Errorf("LoadEncoder's context holds final_norm variables: %v, want %v", hasFinal, tc.finalNorm)
			}
		})
	}
}

// TestSegmentTokens: packing sentences into NSP segments gives fewer, longer pairs on both splits, and run.json
// records the setting.
func TestSegmentTokens(t *testing.T) {
	pairs := map[int][2]int{}
	for _, seg := range []int{0, 40} {
		dir := filepath.Join(t.TempDir(), "run")
		cfg := tinyConfig(dir)
		cfg.MaxSteps, cfg.WarmupSteps, cfg.EvalSteps, cfg.SaveSteps, cfg.MaxEvalPairs = 1, 0, 1, 1, 0
		cfg.SegmentTokens = seg
		m, err := pretrain.Train(context.Background(), cfg, pretrain.WithCorpus(toy()))
		if err != nil {
			t.Fatal(err)
		}
		pairs[seg] = [2]int{m.Metrics.TrainPairs, m.Metrics.EvalPairs}
		b, _ := os.ReadFile(filepath.Join(dir, pretrain.RunFile))
		if got := strings.Contains(string(b), fmt.Sprintf(`"segment_tokens": %d`, seg)); got != (seg > 0) {
			t.Errorf("segment_tokens %d: run.json records it %v, want %v:\n%s", seg, got, seg > 0, b)
		}
	}
	// The toy sentences are 7-12 words: single sentences give 14 pairs a document, packed ones far fewer.
	if one, packed := pairs[0], pairs[40]; one != [2]int{8 * 14, 4 * 14} || packed[0] >= one[0]/2 || packed[1] >= one[1]/2 || packed[1] == 0 {
		t.Errorf("(train, held-out) pairs: %v one sentence a segment, %v packed to 40 tokens", one, packed)
	}
}

// TestConfigValidate: every setting out of range is one error naming it.
func TestConfigValidate(t *testing.T) {
	tests := []struct {
		change func(*pretrain.Config)
		want   string
	}{
		{func(c *pretrain.Config) { c.Corpus = "wiki" }, `corpus "wiki"`},
		{func(c *pretrain.Config) { c.NumAttentionHeads = 3 }, "3 heads"},
		{func(c *pretrain.Config) { c.MaxSteps, c.Minutes = 0, 0 }, "max_steps 0"},
		{func(c *pretrain.Config) { c.MLMProbability = 1 }, "mlm_probability 1"},
		{func(c *pretrain.Config) { c.VocabSize = 10 }, "vocab_size 10, want >= 16"},
		{func(c *pretrain.Config) { c.OutputDir = "" }, "output directory"},
		{func(c *pretrain.Config) { c.SegmentTokens = -1 }, "segment_tokens -1"},
		{func(c *pretrain.Config) { c.Initializer = "xavier" }, `initializer "xavier", want he, bert or torch`},
		{func(c *pretrain.Config) { c.InitializerRange = -0.02 }, "initializer_range -0.02"},
	}
	if err := pretrain.DefaultConfig().Validate(); err != nil {
		t.Errorf("DefaultConfig: %v", err)
	}
	for _, tc := range tests {
		c := pretrain.DefaultConfig()
		tc.change(&c)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("error %v, want one containing %q", err, tc.want)
		}
	}
}

// TestUnigramEntropy checks the baseline on counts with a known entropy; special tokens do not count.
func TestUnigramEntropy(t *testing.T) {
	special := tokenize.SpecialIDs{PAD: 0, UNK: 1, CLS: 2, SEP: 3, MASK: 4}
	tests := []struct {
		docs [][][]int32
		want float64
	}{
		{[][][]int32{{{5, 5, 5, 5}}}, 0},
		{[][][]int32{{{5, 6}, {7, 8}}}, math.Log(4)},
		{[][][]int32{{{2, 5, 6, 3}}, {{5, 5, 6, 6, 0}}}, math.Log(2)},
	}
	for _, tc := range tests {
		if got := pretrain.UnigramEntropy(tc.docs, special); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("UnigramEntropy(%v) = %g, want %g", tc.docs, got, tc.want)
		}
	}
}

// The entropy of the token distribution: the cross-entropy per token of a model that ignores context.
func ExampleUnigramEntropy() {
	special := tokenize.SpecialIDs{PAD: 0, UNK: 1, CLS: 2, SEP: 3, MASK: 4}
	docs := [][][]int32{{{5, 6, 5}, {7, 5}}} // token 5 three times in five, 6 and 7 once each
	fmt.Printf("%.4f nats\n", pretrain.UnigramEntropy(docs, special))
	// Output:
	// 0.9503 nats
}

// TestCollatePairs checks the batch a step sees: [CLS] A [SEP] B [SEP] padded to seq, labels only at changed or
// chosen positions and never at special tokens or padding, and the sparse lists matching the labels.
func TestCollatePairs(t *testing.T) {
	c := toy()
	var texts []string
	for _, d := range c.Train {
		texts = append(texts, d...)
	}
	vocab, err := tokenize.TrainFromSlice(texts, tokenize.TrainOptions{VocabSize: 120, Options: tokenize.Uncased()})
	if err != nil {
		t.Fatal(err)
	}
	tok, _ := tokenize.New(vocab, tokenize.Uncased())
	sp := tok.Special()
	pairs := []data.NSPExample{{A: tok.Encode("the topica of it"), B: tok.Encode("she was in placeb"), IsNext: false},
		{A: tok.Encode("a thinga"), B: tok.Encode("it is"), IsNext: true}}
	b, err := pretrain.CollatePairs(tok, pairs, 16, 0.5, 3)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(b.NextSentenceLabel) != "[1 0]" || len(b.InputIDs[0]) != 16 || b.Original[1][0] != sp.CLS {
		t.Fatalf("batch %+v", b)
	}
	masked := 0
	for i := range b.InputIDs {
		for j, y := range b.Labels[i] {
			if y == data.IgnoreIndex {
				if b.InputIDs[i][j] != b.Original[i][j] {
					t.Errorf("row %d position %d changed without a label", i, j)
				}
				continue
			}
			masked++
			if !b.AttentionMask[i][j] || sp.IsSpecial(b.Original[i][j]) {
				t.Errorf("row %d position %d: label at padding or a special token", i, j)
			}
			if b.Positions[masked-1] != int32(i*16+j) || b.Targets[masked-1] != y {
				t.Errorf("sparse lists disagree with the labels at row %d position %d", i, j)
			}
		}
	}
	if masked == 0 {
		t.Error("nothing masked at probability 0.5")
	}
	header, rows := pretrain.PairTable(tok, b, 1)
	if len(header) != 5 || len(rows) != len(pairs[1].A)+len(pairs[1].B)+3 || rows[0][2] != "[CLS]" {
		t.Errorf("PairTable: %v %v", header, rows)
	}
}

// TestMinutesStopsCleanly: a run given a time budget sizes its steps to it, stops at an evaluation when the
// next interval would not fit, and still writes a complete run directory.
func TestMinutesStopsCleanly(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	cfg := tinyConfig(dir)
	cfg.Minutes, cfg.MaxSteps, cfg.EvalSteps = 0.05, 0, 2
	m, err := pretrain.Train(context.Background(), cfg, pretrain.WithCorpus(toy()))
	if err != nil {
		t.Fatal(err)
	}
	met := m.Metrics
	if met.Steps < 1 || met.Steps > m.Config.MaxSteps || len(met.Losses) != met.Steps || met.Final.Step != met.Steps {
		t.Errorf("%d steps of %d planned, %d losses, final evaluation at step %d", met.Steps, m.Config.MaxSteps, len(met.Losses), met.Final.Step)
	}
	if _, err := pretrain.Load(dir); err != nil {
		t.Errorf("Load after a timed run: %v", err)
	}
	t.Logf("%d of %d planned steps in %.1f s", met.Steps, m.Config.MaxSteps, met.Seconds)
}

// TestDupeFactor: dupe_factor N pairs the training segments N times. Round one is the pairing of dupe_factor 1 (and
// 0); every round gives one pair for each segment with a successor, keeps IsNext pairs true to the documents, and
// draws its own random Bs. Train reports N times the pairs and records the setting in run.json.
func TestDupeFactor(t *testing.T) {
	var docs [][][]int32
	for d := range 6 {
		var doc [][]int32
		for s := range 10 {
			doc = append(doc, []int32{int32(10 + 100*d + s), int32(11 + 100*d + s)})
		}
		docs = append(docs, doc)
	}
	cfg := pretrain.DefaultConfig()
	pairs := map[int][]data.NSPExample{}
	for _, n := range []int{0, 1, 3} {
		cfg.DupeFactor = n
		p, err := pretrain.TrainPairs(cfg, docs)
		if err != nil {
			t.Fatal(err)
		}
		pairs[n] = p
	}
	once, err := data.NSPPairs(docs, cfg.Seed)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(pairs[0], once) || !reflect.DeepEqual(pairs[1], once) {
		t.Fatalf("dupe_factor 0 and 1 should give data.NSPPairs(docs, Seed)")
	}
	three := pairs[3]
	if len(three) != 3*len(once) || !reflect.DeepEqual(three[:len(once)], once) {
		t.Fatalf("dupe_factor 3: %d pairs, want %d starting with dupe_factor 1's", len(three), 3*len(once))
	}
	differ := 0
	for i, p := range three {
		sameDoc := p.A[0]/100 == p.B[0]/100
		if p.IsNext != sameDoc || (p.IsNext && p.B[0] != p.A[0]+1) {
			t.Fatalf("pair %d: A %v, B %v, IsNext %v", i, p.A, p.B, p.IsNext)
		}
		if j := i % len(once); i >= len(once) && (p.IsNext != three[j].IsNext || p.B[0] != three[j].B[0]) {
			differ++
		}
	}
	if differ < len(once)/2 {
		t.Errorf("rounds 2 and 3 differ from round 1 in %d of %d pairs: want fresh draws", differ, 2*len(once))
	}

	dir := filepath.Join(t.TempDir(), "run")
	tc := tinyConfig(dir)
	tc.MaxSteps, tc.WarmupSteps, tc.EvalSteps, tc.SaveSteps, tc.MaxEvalPairs, tc.DupeFactor = 1, 0, 1, 1, 0, 3
	m, err := pretrain.Train(context.Background(), tc, pretrain.WithCorpus(toy()))
	if err != nil {
		t.Fatal(err)
	}
	if m.Metrics.TrainPairs != 3*8*14 || m.Metrics.EvalPairs != 4*14 {
		t.Errorf("dupe_factor 3: %d training and %d held-out pairs, want %d and %d", m.Metrics.TrainPairs, m.Metrics.EvalPairs, 3*8*14, 4*14)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, pretrain.RunFile)); !strings.Contains(string(b), `"dupe_factor": 3`) {
		t.Errorf("run.json does not record dupe_factor 3:\n%s", b)
	}
}
