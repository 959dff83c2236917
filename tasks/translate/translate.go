// Package translate is lossbook's machine-translation task: English to Spanish on the King James / Reina-Valera
// 1909 verse pairs of lib/data, split by chapter (reproducible by seed), with a joint WordPiece vocabulary
// trained on the training split, an encoder-decoder transformer (models.Seq2Seq) trained with teacher forcing
// on label-smoothed cross-entropy over the target tokens (padding ignored, token-weighted; losses via
// training.TrainingCrossEntropySumCount), AdamW with warmup then inverse-square-root (or linear) decay, batches
// bucketed by length, and greedy or beam-search decoding (models.Decoder) scored with corpus BLEU (sacrebleu's
// 13a), chrF and perplexity (package metrics).
//
// It wires them and owns no formula: no loss, optimizer, metric or file format of its own beyond the run
// directory, which holds run.json ({"task": "translate", ...the Config...}), vocab.txt, checkpoint.bin (package
// training's) and metrics.json (the evaluations during training).
package translate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"time"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	gcontext "github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/lossbook/lossbook/lib"
	"github.com/lossbook/lossbook/lib/data"
	"github.com/lossbook/lossbook/lib/models"
	"github.com/lossbook/lossbook/lib/tokenize"
	"github.com/lossbook/lossbook/losses"
	"github.com/lossbook/lossbook/training"
)

// TaskName is the task's name in run.json and on the command line.
const TaskName = "translate"

// Files of a run directory.
const (
	RunInfoFile    = "run.json"
	VocabFile      = "vocab.txt"
	CheckpointFile = "checkpoint.bin"
	MetricsFile    = "metrics.json"
)

// Config is a translation run's configuration. Field names follow Hugging Face's (BART/Marian configs,
// Seq2SeqTrainingArguments) and fairseq's where those have none.
type Config struct {
	Task string `json:"task"` // always "translate" in run.json

	DataFile string `json:"data_file,omitempty"` // tab-separated pairs (see ReadPairsFile); "" reads KJV/RV1909
	Seed     uint64 `json:"seed"`                // initialisation, dropout and the order of the batches; the data's too when DataSeed is 0
	DataSeed uint64 `json:"data_seed,omitempty"` // split, vocabulary and the batches (what an export holds); 0 means Seed

	VocabSize      int     `json:"vocab_size"`              // joint WordPiece vocabulary
	EncoderLayers  int     `json:"encoder_layers"`          //
	DecoderLayers  int     `json:"decoder_layers"`          //
	DModel         int     `json:"d_model"`                 //
	Heads          int     `json:"attention_heads"`         //
	FFNDim         int     `json:"ffn_dim"`                 //
	MaxPositions   int     `json:"max_position_embeddings"` // longest source or target, in tokens
	Dropout        float64 `json:"dropout"`                 //
	NormalizeFirst bool    `json:"normalize_before"`        // pre-norm (fairseq's name)
	TieEmbeddings  bool    `json:"tie_word_embeddings"`     // output layer tied to the target embeddings
	Initializer    string  `json:"initializer,omitempty"`   // linear layers' initial weights: "he" ("" too; GoMLX's default) or "torch" (as nn.Transformer's start, models.Seq2Seq.TorchInit)

	LabelSmoothing float64 `json:"label_smoothing_factor"`                //
	LearningRate   float64 `json:"learning_rate"`                         // peak rate
	WeightDecay    float64 `json:"weight_decay"`                          // AdamW's, not on biases and norms
	WarmupSteps    int     `json:"warmup_steps"`                          //
	Scheduler      string  `json:"lr_scheduler_type"`                     // "inverse_sqrt" or "linear"
	MaxTokens      int     `json:"max_tokens"`                            // tokens per batch (rows × padded length), fairseq's
	Accumulation   int     `json:"gradient_accumulation_steps,omitempty"` // batches per optimizer step (0 or 1: one); exact however many tokens each holds
	MaxSteps       int     `json:"max_steps"`                             //
	MaxMinutes     float64 `json:"max_minutes,omitempty"`                 // stop after this much training time (0: none)
	EvalSteps      int     `json:"eval_steps"`                            // evaluate every this many steps
	EvalSentences  int     `json:"eval_sentences"`                        // validation verses (<= 30 words) scored at each evaluation (NLL, greedy BLEU)
	CheckpointStep int     `json:"save_steps"`                            // checkpoint every this many steps
}

// DefaultConfig is the run of the targets, measured on two shared cores on XLA (the backend `make lab`
// gives): 2+2 pre-norm layers of width 128 with 4 heads (feed-forward 512), a joint vocabulary of 8,000 tokens,
// the output tied to the target embeddings, dropout 0.1, label smoothing 0.1, AdamW at 2e-3 (betas 0.9, 0.98,
// weight decay 0.01, not on biases and norms) with 400 warmup steps then inverse-square-root decay, batches of at
// most 3,000 tokens, evaluated every 500 steps. `lossbook train translate --minutes 60` with these defaults took
// 2,560 steps in 60 minutes; greedy BLEU on the 200 validation verses rose 4.2, 13.4, 18.8, 22.5, 25.7 at
// steps 500-2,500 (12.5, 23.4, 35.1, 47.0, 58.7 minutes).
func DefaultConfig() Config {
	return Config{Task: TaskName, Seed: 1, VocabSize: 8000, EncoderLayers: 2, DecoderLayers: 2, DModel: 128, Heads: 4,
		FFNDim: 512, MaxPositions: 128, Dropout: 0.1, NormalizeFirst: true, TieEmbeddings: true,
		LabelSmoothing: 0.1, LearningRate: 2e-3, WeightDecay: 0.01, WarmupSteps: 400, Scheduler: "inverse_sqrt",
		MaxTokens: 3000, MaxSteps: 20000, EvalSteps: 500, EvalSentences: 200, CheckpointStep: 50}
}

// SmokeConfig is a tiny configuration that trains in seconds (tests, LOSSBOOK_SMOKE notebooks).
func SmokeConfig() Config {
	c := DefaultConfig()
	c.VocabSize, c.EncoderLayers, c.DecoderLayers, c.DModel, c.Heads, c.FFNDim = 300, 1, 1, 32, 2, 64
	c.MaxTokens, c.MaxSteps, c.WarmupSteps, c.EvalSteps, c.EvalSentences, c.CheckpointStep = 512, 20, 5, 10, 8, 10
	return c
}

// Validate checks the configuration and returns one error naming the first bad field.
func (c Config) Validate() error {
	switch {
	case c.Task != "" && c.Task != TaskName:
		return fmt.Errorf("translate: task %q, want %q", c.Task, TaskName)
	case c.VocabSize < 10:
		return fmt.Errorf("translate: vocab_size %d, want >= 10", c.VocabSize)
	case c.EncoderLayers < 1 || c.DecoderLayers < 1:
		return fmt.Errorf("translate: encoder_layers %d and decoder_layers %d, want >= 1", c.EncoderLayers, c.DecoderLayers)
	case c.DModel < 1 || c.Heads < 1 || c.DModel%c.Heads != 0:
		return fmt.Errorf("translate: d_model %d and attention_heads %d: want positive, d_model a multiple of the heads", c.DModel, c.Heads)
	case c.FFNDim < 1 || c.MaxPositions < 8:
		return fmt.Errorf("translate: ffn_dim %d, max_position_embeddings %d: want >= 1 and >= 8", c.FFNDim, c.MaxPositions)
	case !(c.Dropout >= 0 && c.Dropout < 1) || !(c.LabelSmoothing >= 0 && c.LabelSmoothing < 1):
		return fmt.Errorf("translate: dropout %g and label_smoothing_factor %g, want in [0, 1)", c.Dropout, c.LabelSmoothing)
	case !(c.LearningRate > 0) || math.IsInf(c.LearningRate, 0) || !(c.WeightDecay >= 0):
		return fmt.Errorf("translate: learning_rate %g (want > 0, finite), weight_decay %g (want >= 0)", c.LearningRate, c.WeightDecay)
	case c.WarmupSteps < 0 || c.MaxSteps < 1 || c.MaxTokens < c.MaxPositions:
		return fmt.Errorf("translate: warmup_steps %d (>= 0), max_steps %d (>= 1), max_tokens %d (>= max_position_embeddings %d)",
			c.WarmupSteps, c.MaxSteps, c.MaxTokens, c.MaxPositions)
	case c.Initializer != "" && c.Initializer != "he" && c.Initializer != "torch":
		return fmt.Errorf("translate: initializer %q, want he or torch", c.Initializer)
	case c.Scheduler != "inverse_sqrt" && c.Scheduler != "linear":
		return fmt.Errorf("translate: lr_scheduler_type %q, want inverse_sqrt or linear", c.Scheduler)
	case c.MaxMinutes < 0 || math.IsNaN(c.MaxMinutes) || math.IsInf(c.MaxMinutes, 0):
		return fmt.Errorf("translate: max_minutes %g, want a finite number >= 0", c.MaxMinutes)
	case c.Accumulation < 0:
		return fmt.Errorf("translate: gradient_accumulation_steps %d, want >= 0", c.Accumulation)
	case c.EvalSteps < 0 || c.EvalSentences < 0 || c.CheckpointStep < 1:
		return fmt.Errorf("translate: eval_steps %d, eval_sentences %d (>= 0), save_steps %d (>= 1)", c.EvalSteps, c.EvalSentences, c.CheckpointStep)
	}
	return nil
}

// Net is the model the configuration describes.
func (c Config) Net(vocabSize int) models.Seq2Seq {
	return models.Seq2Seq{SourceVocabSize: vocabSize, TargetVocabSize: vocabSize, MaxLen: c.MaxPositions, Dim: c.DModel,
		NumHeads: c.Heads, EncoderLayers: c.EncoderLayers, DecoderLayers: c.DecoderLayers, FFNDim: c.FFNDim,
		NormFirst: c.NormalizeFirst, TieOutput: c.TieEmbeddings, Dropout: c.Dropout, TorchInit: c.Initializer == "torch"}
}

// dataSeed is the seed of the split and the batches: DataSeed, or Seed when DataSeed is 0. Unlike Hugging Face's
// data_seed it leaves the order of the batches to Seed, as the peer script's --seed does with an export: runs that
// differ in Seed alone differ as two peer runs with different seeds do (initialisation, dropout, order).
func (c Config) dataSeed() uint64 {
	if c.DataSeed != 0 {
		return c.DataSeed
	}
	return c.Seed
}

// InverseSqrt is the schedule of "Attention Is All You Need" as fairseq's inverse_sqrt writes it: a linear
// warmup to the base rate over WarmupSteps, then decay with the inverse square root of the step:
//
//	lr(t) = base · min((t+1)/warmup, sqrt(warmup/(t+1)))
//
// (t counts from 0; warmup 0 means base/sqrt(t+1)).
type InverseSqrt struct{ WarmupSteps int }

// LR implements training.Schedule.
func (s InverseSqrt) LR(base float64, step int) float64 {
	t := float64(step + 1)
	w := float64(max(1, s.WarmupSteps))
	return base * math.Min(t/w, math.Sqrt(w/t))
}

// Validate implements training.Schedule.
func (s InverseSqrt) Validate() error {
	if s.WarmupSteps < 0 {
		return fmt.Errorf("translate: InverseSqrt: WarmupSteps %d < 0", s.WarmupSteps)
	}
	return nil
}

func (s InverseSqrt) String() string { return fmt.Sprintf("inverse_sqrt(warmup=%d)", s.WarmupSteps) }

// EvalPoint is one evaluation during training.
type EvalPoint struct {
	Step    int     `json:"step"`
	Minutes float64 `json:"minutes"`   // training wall time so far
	Loss    float64 `json:"eval_loss"` // validation NLL per target token (nats)
	BLEU    float64 `json:"bleu"`      // greedy corpus BLEU on the first EvalSentences validation verses of <= 30 words
}

// Metrics is metrics.json: the training history of a run directory.
type Metrics struct {
	Steps        int         `json:"steps"`
	Minutes      float64     `json:"minutes"`
	Losses       []float64   `json:"train_loss"`
	Evals        []EvalPoint `json:"evals"`
	PaddingShare float64     `json:"padding_share"` // share of padding positions in the training batches
	TrainPairs   int         `json:"train_pairs"`
	Backend      string      `json:"backend"`
}

// Options are Train's optional settings.
type Options struct {
	Progress io.Writer       // progress bar; nil: training's default
	OnEval   func(EvalPoint) // called after every evaluation (notebooks draw the BLEU curve)
	Splits   *Splits         // the data, if already loaded (else LoadSplits)
	Log      io.Writer       // status lines (vocabulary, batches); nil: none
	NoPlot   bool            // no live loss curve in a notebook
}

// Model is a trained (or loaded) translation model.
type Model struct {
	Dir       string
	Config    Config
	Tokenizer *tokenize.Tokenizer
	Net       models.Seq2Seq
	Metrics   Metrics

	ctx     *gcontext.Context
	decoder *models.Decoder
}

func logf(w io.Writer, format string, a ...any) {
	if w != nil {
		fmt.Fprintf(w, format, a...)
	}
}

// timedCheckpointSteps is the longest interval between checkpoints of a run with a time limit.
const timedCheckpointSteps = 10

// Train trains a model as cfg says and writes the run directory dir (created if missing; a directory holding a
// checkpoint of the same run is resumed). It returns the trained model.
func Train(ctx context.Context, cfg Config, dir string, opts Options) (m *Model, err error) {
	cfg.Task = TaskName
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if dir == "" {
		return nil, errors.New("translate: Train: no run directory given")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("translate: %w", err)
	}
	if prev, err := readConfig(dir); err == nil {
		// Resuming: the run's own configuration wins, except for how long to train.
		prev.MaxSteps, prev.MaxMinutes = cfg.MaxSteps, cfg.MaxMinutes
		cfg = prev
	}
	splits := opts.Splits
	if splits == nil {
		if splits, err = LoadSplits(ctx, cfg); err != nil {
			return nil, err
		}
	}
	tok, err := vocabulary(dir, cfg, splits.Train)
	if err != nil {
		return nil, err
	}
	special := tok.Special()
	train, err := newBatchDataset(encodePairs(tok, splits.Train), special, cfg.MaxTokens, cfg.MaxPositions, cfg.dataSeed())
	if err != nil {
		return nil, err
	}
	// Evaluations during training read the first EvalSentences validation verses of <= 30 words: their NLL and
	// their greedy BLEU (Evaluate scores the test chapters in full).
	evalSet := evalSubset(splits.Validation, cfg.EvalSentences)
	if len(evalSet) == 0 {
		evalSet = splits.Validation[:min(len(splits.Validation), max(1, cfg.EvalSentences))]
	}
	valid, err := newBatchDataset(encodePairs(tok, evalSet), special, cfg.MaxTokens, cfg.MaxPositions, cfg.dataSeed())
	if err != nil {
		return nil, err
	}
	logf(opts.Log, "translate: %d training pairs (of %d; longer than %d tokens left out) in %d batches of <= %d tokens (padding %.1f%%), %d validation pairs for evaluations, vocabulary %d\n",
		train.examples, len(splits.Train), cfg.MaxPositions, train.Len(), cfg.MaxTokens, 100*train.PaddingShare(), valid.examples, tok.Vocab().Size())
	if err := writeJSONAtomic(filepath.Join(dir, RunInfoFile), cfg); err != nil {
		return nil, err
	}

	net := cfg.Net(tok.Vocab().Size())
	gctx := gcontext.New()
	gctx.SetParam(gcontext.ParamInitialSeed, int64(cfg.Seed))
	lossFn := func(ctx *gcontext.Context, b []*Node) (sum, count *Node) {
		logits := net.Logits(ctx, net.Encode(ctx, b[0], b[1]), b[1], b[2])
		return training.TrainingCrossEntropySumCount(ctx, logits, b[3], int(data.IgnoreIndex), -1,
			losses.WithLabelSmoothing(cfg.LabelSmoothing))
	}
	opt := training.NewAdamW()
	opt.LR, opt.WeightDecay, opt.NoDecay = cfg.LearningRate, cfg.WeightDecay, training.BiasesAndNorms
	opt.Betas = [2]float64{0.9, 0.98}
	var sched training.Schedule = InverseSqrt{cfg.WarmupSteps}
	if cfg.Scheduler == "linear" {
		sched = training.LinearWithWarmup{WarmupSteps: cfg.WarmupSteps, TrainingSteps: cfg.MaxSteps}
	}
	metrics := Metrics{PaddingShare: train.PaddingShare(), TrainPairs: train.examples, Backend: lib.MustBackend().Name()}
	if prev, err := readMetrics(dir); err == nil {
		metrics.Evals, metrics.Minutes = prev.Evals, prev.Minutes
	}
	model := &Model{Dir: dir, Config: cfg, Tokenizer: tok, Net: net}
	start := time.Now()
	priorMinutes := metrics.Minutes
	elapsed := func() float64 { return priorMinutes + time.Since(start).Minutes() }
	errTimeUp := errors.New("time is up")
	// With a time limit, checkpoint at least every timedCheckpointSteps steps, so that the run stops within that
	// many steps of the limit (it stops at the first step after a checkpoint).
	every := cfg.CheckpointStep
	if cfg.MaxMinutes > 0 {
		every = min(every, timedCheckpointSteps)
	}
	tcfg := training.Config{Optimizer: opt, Schedule: sched, Steps: cfg.MaxSteps, BatchSize: 1, AccumulationSteps: cfg.Accumulation, Shuffle: true,
		Seed: cfg.Seed, EvalData: valid, EvalBatchSize: 1, EvalEvery: cfg.EvalSteps,
		CheckpointPath: filepath.Join(dir, CheckpointFile), CheckpointEvery: every,
		Progress: opts.Progress, PlotTitle: "translation: label-smoothed CE (train), NLL (eval)", NoPlot: opts.NoPlot}
	if cfg.EvalSentences > 0 {
		tcfg.Eval = func(ctx *gcontext.Context) (map[string]float64, error) {
			if model.ctx == nil {
				model.ctx = ctx
			}
			hyps, err := model.Translate(sources(evalSet), 1)
			if err != nil {
				return nil, err
			}
			b, err := corpusBLEU(hyps, targets(evalSet))
			if err != nil {
				return nil, err
			}
			return map[string]float64{"bleu": b.Score}, nil
		}
	}
	tcfg.OnStep = func(info training.StepInfo) error {
		if info.Eval != nil {
			p := EvalPoint{Step: info.Step, Minutes: elapsed(), Loss: info.Eval["eval_loss"], BLEU: info.Eval["bleu"]}
			metrics.Evals = append(metrics.Evals, p)
			if opts.OnEval != nil {
				opts.OnEval(p)
			}
			metrics.Minutes = p.Minutes
			if err := writeJSONAtomic(filepath.Join(dir, MetricsFile), metrics); err != nil {
				return err
			}
		}
		// Stop at the first step after a checkpoint once the time is up (the checkpoint of step-1 is written).
		if cfg.MaxMinutes > 0 && time.Since(start).Minutes() >= cfg.MaxMinutes && info.Step > 1 && (info.Step-1)%every == 0 {
			return errTimeUp
		}
		return nil
	}
	res, err := training.Train(lib.MustBackend(), gctx, train, lossFn, tcfg)
	timeUp := errors.Is(err, errTimeUp)
	if err != nil && !timeUp {
		return nil, err
	}
	metrics.Minutes = elapsed()
	metrics.Steps, metrics.Losses = res.Steps, res.Losses
	if timeUp {
		// Stopped at the first step after a checkpoint: keep what the checkpoint holds.
		metrics.Steps--
		metrics.Losses = metrics.Losses[:metrics.Steps]
	}
	if err := writeJSONAtomic(filepath.Join(dir, MetricsFile), metrics); err != nil {
		return nil, err
	}
	return Load(dir)
}

// vocabulary loads dir's vocab.txt, or trains the joint vocabulary on the training pairs (both sides) and
// saves it there.
func vocabulary(dir string, cfg Config, train []data.VersePair) (*tokenize.Tokenizer, error) {
	path := filepath.Join(dir, VocabFile)
	v, err := tokenize.LoadVocab(path)
	if err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
		texts := make([]string, 0, 2*len(train))
		for _, p := range train {
			texts = append(texts, p.Source, p.Target)
		}
		if v, err = tokenize.TrainFromSlice(texts, tokenize.TrainOptions{VocabSize: cfg.VocabSize, LimitAlphabet: 200}); err != nil {
			return nil, err
		}
		if err := v.Save(path); err != nil {
			return nil, err
		}
	}
	return tokenize.New(v, tokenize.Options{})
}

// Load reads a run directory written by Train.
func Load(dir string) (*Model, error) {
	cfg, err := readConfig(dir)
	if err != nil {
		return nil, err
	}
	v, err := tokenize.LoadVocab(filepath.Join(dir, VocabFile))
	if err != nil {
		return nil, fmt.Errorf("translate: %s: %w", dir, err)
	}
	tok, err := tokenize.New(v, tokenize.Options{})
	if err != nil {
		return nil, err
	}
	ctx := gcontext.New()
	if _, err := training.LoadCheckpoint(ctx, filepath.Join(dir, CheckpointFile)); err != nil {
		return nil, err
	}
	m := &Model{Dir: dir, Config: cfg, Tokenizer: tok, Net: cfg.Net(v.Size()), ctx: ctx}
	if mt, err := readMetrics(dir); err == nil {
		m.Metrics = mt
	}
	return m, nil
}

func readConfig(dir string) (Config, error) {
	b, err := os.ReadFile(filepath.Join(dir, RunInfoFile))
	if err != nil {
		return Config{}, fmt.Errorf("translate: %s is not a translation run directory: %w", dir, err)
	}
	var c Config
	if err := json.Unmarshal(b, &c); err != nil {
		return Config{}, fmt.Errorf("translate: %s: %w", filepath.Join(dir, RunInfoFile), err)
	}
	if c.Task != TaskName {
		return Config{}, fmt.Errorf("translate: %s holds a %q run, not %q", dir, c.Task, TaskName)
	}
	return c, c.Validate()
}

func readMetrics(dir string) (Metrics, error) {
	var m Metrics
	b, err := os.ReadFile(filepath.Join(dir, MetricsFile))
	if err != nil {
		return m, err
	}
	return m, json.Unmarshal(b, &m)
}

// writeJSONAtomic writes v to path through training.WriteJSONFile (indented JSON, temporary file, rename).
func writeJSONAtomic(path string, v any) error {
	if err := training.WriteJSONFile(path, v); err != nil {
		return fmt.Errorf("translate: %w", err)
	}
	return nil
}
