// Package optimcompare is the experiment of issue 23: the optimizers that pre-training uses (AdamW, LAMB,
// Adafactor, Lion), each at its usual learning rate, training the same small BERT-style transformer to classify
// the SpamAssassin corpus (spam or ham) for the same steps from the same seeds, with their loss curves, their
// held-out loss and accuracy, and the memory their state takes.
//
// It owns no formula: the data come from lib/data, the tokenizer from lib/tokenize, the model from lib/models,
// the optimizers and the loop from training. Run it with `make experiment-optimizers` (or
// `go run ./internal/cmd/optimcompare`), or call Compare from a notebook.
package optimcompare

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX graph code reads best with the dot import.
	"github.com/gomlx/gomlx/pkg/core/tensors"
	gcontext "github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/lossbook/lossbook/lib"
	"github.com/lossbook/lossbook/lib/data"
	"github.com/lossbook/lossbook/lib/models"
	"github.com/lossbook/lossbook/lib/tokenize"
	"github.com/lossbook/lossbook/training"
)

// Config configures Compare.
type Config struct {
	// Optimizers are the names to compare, each built by NewOptimizer with its usual settings (Usual).
	Optimizers []string
	// Seeds: one run per optimizer and seed; the seed sets the initial weights, the dropout and the data order.
	Seeds []uint64
	// Steps per run, each of BatchSize messages; the learning rate warms up linearly for WarmupSteps, then decays
	// linearly to 0 (Hugging Face's get_linear_schedule_with_warmup), the same for every optimizer.
	Steps, BatchSize, WarmupSteps int
	// EvalEvery is the number of steps between evaluations of the held-out loss (0: only at the end).
	EvalEvery int
	// Messages caps the corpus (0: all 5,732); the split (80% train, 10% held out, 10% unused) is fixed.
	Messages int
	// MaxLength is the number of tokens per message, [CLS] and [SEP] included; VocabSize the WordPiece vocabulary.
	MaxLength, VocabSize int
	// Model is the encoder; its VocabSize and MaxLen are set from the fields above.
	Model models.Transformer
	// Data are lib/data's options (cache directory, registry); not saved with a Comparison.
	Data data.Options `json:"-"`
	// Progress receives one line per run (nil: silent); not saved with a Comparison.
	Progress io.Writer `json:"-"`
}

// DefaultConfig is the full experiment: AdamW, LAMB, Adafactor and Lion, 3 seeds, 100 steps of 32 messages of 64
// tokens (two epochs of 1,600 training messages; 200 held out), a 2-layer transformer of width 64. It is sized for
// a shared 2-core machine: it took 38 minutes on XLA CPU there, under a load average of 35.
func DefaultConfig() Config {
	return Config{
		Optimizers: []string{"AdamW", "LAMB", "Adafactor", "Lion"},
		Seeds:      []uint64{1, 2, 3},
		Steps:      100, BatchSize: 32, WarmupSteps: 10, EvalEvery: 20,
		Messages: 2000, MaxLength: 64, VocabSize: 2000,
		Model: models.Transformer{Dim: 64, NumHeads: 4, NumLayers: 2, FFNDim: 128, Activation: models.GELU,
			Dropout: 0.1},
	}
}

// Smoke is a small run for tests and LOSSBOOK_SMOKE notebooks: every optimizer, 1 seed, 12 steps, 400 messages of
// 32 tokens, one layer of width 32.
func Smoke() Config {
	c := DefaultConfig()
	c.Seeds = []uint64{1}
	c.Steps, c.BatchSize, c.WarmupSteps, c.EvalEvery = 12, 16, 2, 6
	c.Messages, c.MaxLength, c.VocabSize = 400, 32, 600
	c.Model = models.Transformer{Dim: 32, NumHeads: 2, NumLayers: 1, FFNDim: 64, Activation: models.GELU}
	return c
}

// ConfigFromEnv is Smoke when LOSSBOOK_SMOKE is set, DefaultConfig otherwise.
func ConfigFromEnv() Config {
	if lib.Smoke() {
		return Smoke()
	}
	return DefaultConfig()
}

// Usual returns the optimizer name at the settings used for BERT-sized transformers:
//
//   - AdamW: torch.optim.AdamW(lr=1e-3, weight_decay=0.01), no decay for biases and norms.
//   - LAMB: optax.lamb(learning_rate=2e-3, weight_decay=0.01), the same exclusions (the mask).
//   - Adafactor: optax.adafactor(learning_rate=1e-2, min_dim_size_to_factor=32), T5's constant 1e-2 as a
//     relative step (the update is scaled by each matrix's RMS), clipped at 1, no momentum, no decay. optax's
//     default min_dim_size_to_factor 128 suits widths of 512 and more; 32 factors this experiment's matrices
//     (width 64), as 128 would a BERT-base's.
//   - Lion: optax.lion(learning_rate=1e-4, weight_decay=0.1): AdamW's rate over 10 and its decay times 10, the
//     paper's rule.
//
// It returns an error for another name.
func Usual(name string) (training.Optimizer, error) {
	noDecay := []any{"bias", "LayerNorm.weight"}
	switch name {
	case "AdamW":
		return training.NewOptimizer(name, map[string]any{"lr": 1e-3, "weight_decay": 0.01, "no_decay": noDecay})
	case "LAMB":
		return training.NewOptimizer(name, map[string]any{"learning_rate": 2e-3, "weight_decay": 0.01,
			"no_decay": noDecay})
	case "Adafactor":
		return training.NewOptimizer(name, map[string]any{"learning_rate": 1e-2, "min_dim_size_to_factor": 32})
	case "Lion":
		return training.NewOptimizer(name, map[string]any{"learning_rate": 1e-4, "weight_decay": 0.1,
			"no_decay": noDecay})
	}
	return nil, fmt.Errorf("optimcompare: no usual settings for optimizer %q (want AdamW, LAMB, Adafactor or Lion)",
		name)
}

// Run is one training run.
type Run struct {
	Optimizer   string    // the Name
	Description string    // the optimizer's settings (its String)
	LR          float64   // its base learning rate
	Seed        uint64    // the run's seed
	Losses      []float64 // the training loss of each step
	EvalSteps   []int     // the steps after which the held-out loss was measured
	EvalLosses  []float64 // the held-out loss (NLL per message, nats) at EvalSteps
	EvalLoss    float64   // the final held-out loss
	Accuracy    float64   // the final held-out accuracy
	StateBytes  int64     // the optimizer's state (training.StateBytes)
	ParamBytes  int64     // the trained parameters
	Elapsed     time.Duration
}

// Comparison is Compare's result.
type Comparison struct {
	Config   Config
	Train    int   // messages trained on
	HeldOut  int   // messages held out
	Runs     []Run // by optimizer, then seed
	Backend  string
	Vocab    int // vocabulary size
	Params   int // number of trained parameters
	Duration time.Duration
}

// ReadComparison reads a Comparison written as JSON (internal/cmd/optimcompare's -json file).
func ReadComparison(path string) (*Comparison, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("optimcompare: %w", err)
	}
	var c Comparison
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, fmt.Errorf("optimcompare: reading %s: %w", path, err)
	}
	if len(c.Runs) == 0 {
		return nil, fmt.Errorf("optimcompare: %s holds no runs", path)
	}
	return &c, nil
}

// MeanCurve returns the optimizer's training loss at each step averaged over its runs (seeds), smoothed by a
// trailing moving average over window steps (1: none), and its held-out loss at each evaluation, averaged.
func (c *Comparison) MeanCurve(optimizer string, window int) (loss []float64, evalSteps []int, evalLoss []float64) {
	n := 0
	for _, r := range c.Runs {
		if r.Optimizer != optimizer {
			continue
		}
		if n == 0 {
			loss = make([]float64, len(r.Losses))
			evalSteps = slices.Clone(r.EvalSteps)
			evalLoss = make([]float64, len(r.EvalLosses))
		}
		n++
		for i, x := range r.Losses {
			loss[i] += x
		}
		for i, x := range r.EvalLosses {
			evalLoss[i] += x
		}
	}
	for i := range loss {
		loss[i] /= float64(n)
	}
	for i := range evalLoss {
		evalLoss[i] /= float64(n)
	}
	if window > 1 {
		smoothed := make([]float64, len(loss))
		for i := range loss {
			smoothed[i] = mean(loss[max(0, i-window+1) : i+1])
		}
		loss = smoothed
	}
	return loss, evalSteps, evalLoss
}

// Summary is one optimizer's runs in a Comparison, averaged over the seeds.
type Summary struct {
	Optimizer                 string
	Description               string
	LR                        float64 // the base learning rate
	EvalLossMean, EvalLossStd float64 // the final held-out loss over the seeds (std with n − 1)
	AccuracyMean, AccuracyStd float64
	FinalTrainLoss            float64 // the mean over seeds of the last 10% of steps' training losses
	StateBytes, ParamBytes    int64
	Seeds                     int
	ElapsedMean               time.Duration
}

// Summaries averages the runs of each optimizer, in Config.Optimizers order.
func (c *Comparison) Summaries() []Summary {
	var out []Summary
	for _, name := range c.Config.Optimizers {
		var s Summary
		var losses, accs, tails []float64
		var elapsed time.Duration
		for _, r := range c.Runs {
			if r.Optimizer != name {
				continue
			}
			s.Optimizer, s.Description, s.LR, s.StateBytes, s.ParamBytes = r.Optimizer, r.Description, r.LR,
				r.StateBytes, r.ParamBytes
			losses = append(losses, r.EvalLoss)
			accs = append(accs, r.Accuracy)
			tail := r.Losses[len(r.Losses)-max(1, len(r.Losses)/10):]
			tails = append(tails, mean(tail))
			elapsed += r.Elapsed
		}
		if len(losses) == 0 {
			continue
		}
		s.Seeds = len(losses)
		s.EvalLossMean, s.EvalLossStd = mean(losses), std(losses)
		s.AccuracyMean, s.AccuracyStd = mean(accs), std(accs)
		s.FinalTrainLoss = mean(tails)
		s.ElapsedMean = elapsed / time.Duration(len(losses))
		out = append(out, s)
	}
	return out
}

// Table is the summaries as a Markdown table.
func (c *Comparison) Table() string {
	var b strings.Builder
	b.WriteString("| optimizer | learning rate | held-out loss | held-out accuracy | train loss (last 10%) | " +
		"state bytes | state / params | time per run |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|\n")
	for _, s := range c.Summaries() {
		fmt.Fprintf(&b, "| %s | %g | %.4f ± %.4f | %.4f ± %.4f | %.4f | %d | %.3f | %s |\n", s.Optimizer, s.LR,
			s.EvalLossMean, s.EvalLossStd, s.AccuracyMean, s.AccuracyStd, s.FinalTrainLoss, s.StateBytes,
			float64(s.StateBytes)/float64(s.ParamBytes), s.ElapsedMean.Round(100*time.Millisecond))
	}
	return b.String()
}

func mean(xs []float64) float64 {
	sum := 0.0
	for _, x := range xs {
		sum += x
	}
	return sum / float64(len(xs))
}

func std(xs []float64) float64 {
	if len(xs) < 2 {
		return 0
	}
	m, ss := mean(xs), 0.0
	for _, x := range xs {
		ss += (x - m) * (x - m)
	}
	return math.Sqrt(ss / float64(len(xs)-1))
}

// prepared is the tokenized corpus, shared by every run.
type prepared struct {
	train, heldOut *training.TensorDataset
	heldIDs        [][]int32
	heldMask       [][]int32
	heldLabels     []int32
	vocab          int
	trainN         int
}

// prepare loads SpamAssassin, splits it, trains the WordPiece vocabulary on the training part and encodes both
// parts.
func prepare(ctx context.Context, cfg Config) (*prepared, error) {
	corpus, err := data.LoadSpamAssassin(ctx, cfg.Data)
	if err != nil {
		return nil, err
	}
	msgs := corpus.Messages
	parts, err := data.SplitIndices(len(msgs), 20231207, 0.8, 0.1, 0.1)
	if err != nil {
		return nil, err
	}
	pick := func(idx []int, limit int) (texts []string, labels []int32) {
		if limit > 0 && len(idx) > limit {
			idx = idx[:limit]
		}
		for _, i := range idx {
			m := msgs[i]
			texts = append(texts, m.Subject+" "+m.Text)
			label := int32(0)
			if m.Spam {
				label = 1
			}
			labels = append(labels, label)
		}
		return texts, labels
	}
	trainLimit, heldLimit := 0, 0
	if cfg.Messages > 0 {
		trainLimit, heldLimit = cfg.Messages*8/10, cfg.Messages/10
	}
	trainTexts, trainLabels := pick(parts[0], trainLimit)
	heldTexts, heldLabels := pick(parts[1], heldLimit)
	opts := tokenize.Uncased()
	vocab, err := tokenize.TrainFromSlice(trainTexts, tokenize.TrainOptions{VocabSize: cfg.VocabSize, Options: opts})
	if err != nil {
		return nil, err
	}
	tok, err := tokenize.New(vocab, opts)
	if err != nil {
		return nil, err
	}
	enc := tokenize.EncodeOptions{Padding: tokenize.PadMaxLength, MaxLength: cfg.MaxLength, Truncation: true}
	trainEnc, err := tok.EncodeBatch(trainTexts, enc)
	if err != nil {
		return nil, err
	}
	heldEnc, err := tok.EncodeBatch(heldTexts, enc)
	if err != nil {
		return nil, err
	}
	p := &prepared{heldIDs: heldEnc.InputIDs, heldMask: heldEnc.AttentionMask, heldLabels: heldLabels,
		vocab: vocab.Size(), trainN: len(trainTexts)}
	if p.train, err = training.NewTensorDataset(trainEnc.InputIDs, trainEnc.AttentionMask, trainLabels); err != nil {
		return nil, err
	}
	if p.heldOut, err = training.NewTensorDataset(heldEnc.InputIDs, heldEnc.AttentionMask, heldLabels); err != nil {
		return nil, err
	}
	return p, nil
}

// logits is the classifier: the transformer's pooled head on [CLS], 2 classes.
func logits(m models.Transformer, ctx *gcontext.Context, ids, mask *Node) *Node {
	hidden := m.Encode(ctx, ids, nil, NotEqual(mask, ScalarZero(mask.Graph(), mask.DType())))
	return m.PooledLogits(ctx, hidden, 2)
}

// Compare trains the model once per optimizer and seed and measures each run. It returns an error if the data
// cannot be loaded or a run fails.
func Compare(ctx context.Context, cfg Config) (*Comparison, error) {
	if len(cfg.Optimizers) == 0 || len(cfg.Seeds) == 0 || cfg.Steps <= 0 || cfg.BatchSize <= 0 {
		return nil, errors.New("optimcompare: Compare: Optimizers, Seeds, Steps and BatchSize must be set")
	}
	start := time.Now()
	p, err := prepare(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("optimcompare: %w", err)
	}
	model := cfg.Model
	model.VocabSize, model.MaxLen = p.vocab, cfg.MaxLength
	backend := lib.MustBackend()
	cmp := &Comparison{Config: cfg, Train: p.trainN, HeldOut: len(p.heldLabels), Backend: backend.Name(),
		Vocab: p.vocab}
	lossFn := func(c *gcontext.Context, batch []*Node) (sum, count *Node) {
		return training.CrossEntropySumCount(logits(model, c, batch[0], batch[1]), batch[2], -100, -1)
	}
	for _, name := range cfg.Optimizers {
		for _, seed := range cfg.Seeds {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			run, params, err := runOne(backend, p, model, lossFn, cfg, name, seed)
			if err != nil {
				return nil, fmt.Errorf("optimcompare: %s seed %d: %w", name, seed, err)
			}
			cmp.Params = params
			cmp.Runs = append(cmp.Runs, *run)
			if cfg.Progress != nil {
				fmt.Fprintf(cfg.Progress, "%-9s seed %d: held-out loss %.4f, accuracy %.4f, state %d bytes, %s\n",
					name, seed, run.EvalLoss, run.Accuracy, run.StateBytes, run.Elapsed.Round(time.Second/10))
			}
		}
	}
	cmp.Duration = time.Since(start)
	return cmp, nil
}

// runOne trains one model and measures it.
func runOne(b backends.Backend, p *prepared, model models.Transformer, lossFn training.BatchLossFn,
	cfg Config, name string, seed uint64) (*Run, int, error) {
	opt, err := Usual(name)
	if err != nil {
		return nil, 0, err
	}
	ctx := gcontext.New()
	if err := ctx.SetRNGStateFromSeed(int64(seed)); err != nil {
		return nil, 0, err
	}
	res, err := training.Train(b, ctx, p.train, lossFn, training.Config{
		Optimizer: opt, Steps: cfg.Steps, BatchSize: cfg.BatchSize, Shuffle: true, Seed: seed,
		Schedule: training.LinearWithWarmup{WarmupSteps: cfg.WarmupSteps, TrainingSteps: cfg.Steps},
		EvalData: p.heldOut, EvalBatchSize: 64, EvalEvery: cfg.EvalEvery, Progress: io.Discard, NoPlot: true,
	})
	if err != nil {
		return nil, 0, err
	}
	run := &Run{Optimizer: opt.Name(), Description: fmt.Sprint(opt), LR: opt.BaseLR(), Seed: seed, Losses: res.Losses,
		StateBytes: training.StateBytes(ctx, opt), Elapsed: res.Elapsed}
	for _, e := range res.Evals {
		run.EvalSteps = append(run.EvalSteps, e.Step)
		run.EvalLosses = append(run.EvalLosses, e.Metrics["eval_loss"])
	}
	run.EvalLoss = run.EvalLosses[len(run.EvalLosses)-1]
	params := 0
	for v := range ctx.IterVariables() {
		if v.Trainable && !strings.HasPrefix(v.Scope(), training.OptimizersScope) {
			run.ParamBytes += int64(v.Shape().Memory())
			params += v.Shape().Size()
		}
	}
	if run.Accuracy, err = accuracy(b, ctx, model, p); err != nil {
		return nil, 0, err
	}
	return run, params, nil
}

// accuracy classifies the held-out messages (dropout off) and returns the fraction right.
func accuracy(backend backends.Backend, ctx *gcontext.Context, model models.Transformer, p *prepared) (float64, error) {
	exec, err := gcontext.NewExec(backend, ctx.Reuse(), func(c *gcontext.Context, ids, mask *Node) *Node {
		return ArgMax(logits(model, c, ids, mask), -1, dtypes.Int32)
	})
	if err != nil {
		return 0, err
	}
	right := 0
	const batch = 64
	for lo := 0; lo < len(p.heldLabels); lo += batch {
		hi := min(lo+batch, len(p.heldLabels))
		out, err := exec.Exec(p.heldIDs[lo:hi], p.heldMask[lo:hi])
		if err != nil {
			return 0, err
		}
		for i, y := range tensors.MustCopyFlatData[int32](out[0]) {
			if y == p.heldLabels[lo+i] {
				right++
			}
		}
	}
	return float64(right) / float64(len(p.heldLabels)), nil
}
