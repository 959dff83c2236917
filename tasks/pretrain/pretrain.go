// Package pretrain pre-trains a tiny BERT on raw text with BERT's two objectives, masked language modelling
// (MLM) and next-sentence prediction (NSP), as Hugging Face's BertForPreTraining does.
//
// It wires: the Brown corpus (lib/data), split by document; a WordPiece vocabulary trained on the training
// documents (lib/tokenize); NSP pairs from consecutive sentences inside a document, half of them with a random
// B from another document (data.NSPPairs), or, with Config.SegmentTokens, from runs of whole sentences packed as
// BERT packs them (data.PackSegments), made Config.DupeFactor times with fresh random Bs (BERT's dupe_factor); masking by data.MLMCollator (15%: 80% [MASK], 10% random, 10% kept);
// a models.Transformer with the sparse MLM head (Transformer.MLMLogitsAt, the masked positions only) and the
// pooled NSP head; the loss losses.MLM + losses.NSP; AdamW with linear warmup and decay, no weight decay on
// biases and norms, and gradient clipping (package training), with atomic checkpoints and resume. The two losses
// are summed (BERT's objective) or, with Config.LossWeighting "uncertainty", weighted by learned log-variances
// (losses.UncertaintyWeighted, Kendall et al. 2018); CompareLossWeighting runs both on the same steps. It reports
// held-out masked-token accuracy, cross-entropy and perplexity, held-out NSP accuracy and loss, and the unigram
// entropy of the training tokens (the baseline the MLM cross-entropy must beat).
//
// A run directory holds run.json ({"task": "pretrain", ...Config}), vocab.txt, checkpoint.bin (model and
// optimizer state) and metrics.json (the history and the final evaluation). LoadEncoder puts a run's encoder
// into another model's context, for fine-tuning.
//
// It owns no loss formula, optimizer or file format beyond the run directory.
package pretrain

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX graph code reads best with the dot import.
	"github.com/gomlx/gomlx/pkg/core/tensors"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/lossbook/lossbook/lib"
	"github.com/lossbook/lossbook/lib/data"
	"github.com/lossbook/lossbook/lib/models"
	"github.com/lossbook/lossbook/lib/tokenize"
	"github.com/lossbook/lossbook/losses"
	"github.com/lossbook/lossbook/training"
)

// Files of a run directory.
const (
	RunFile        = "run.json"
	VocabFile      = "vocab.txt"
	CheckpointFile = "checkpoint.bin"
	MetricsFile    = "metrics.json"
)

// ModelScope is the context scope that holds the model's variables in a run's checkpoint: "/bert/token_embeddings",
// "/bert/layer_0/...", "/bert/mlm/dense/...", "/bert/pooler/dense/...", "/bert/classifier/dense/..." (the NSP
// classifier).
const ModelScope = "bert"

// Config configures a pre-training run. Field names follow Hugging Face's BertConfig and TrainingArguments.
type Config struct {
	Corpus            string  `json:"corpus"`                      // "brown"
	VocabSize         int     `json:"vocab_size"`                  // WordPiece vocabulary, special tokens included
	NumHiddenLayers   int     `json:"num_hidden_layers"`           // encoder blocks
	HiddenSize        int     `json:"hidden_size"`                 // model width d
	NumAttentionHeads int     `json:"num_attention_heads"`         // heads; HiddenSize must be a multiple
	IntermediateSize  int     `json:"intermediate_size"`           // feed-forward width; 0 means 4·HiddenSize
	MaxSeqLength      int     `json:"max_seq_length"`              // tokens per pair, [CLS] and [SEP]s included
	HiddenDropoutProb float64 `json:"hidden_dropout_prob"`         // dropout everywhere in the encoder
	MLMProbability    float64 `json:"mlm_probability"`             // share of tokens chosen for MLM (0.15)
	NormFirst         bool    `json:"norm_first,omitempty"`        // layer norm before each sub-block (pre-norm; PyTorch's norm_first) instead of BERT's post-norm
	FinalNorm         bool    `json:"final_norm,omitempty"`        // a layer norm after the last block (models.Transformer.FinalNorm); pre-norm needs it
	SegmentTokens     int     `json:"segment_tokens,omitempty"`    // > 0: NSP segments are runs of whole sentences of at most this many tokens (data.PackSegments, as BERT packs them); 0: one sentence each
	DupeFactor        int     `json:"dupe_factor,omitempty"`       // > 1: pair the training segments this many times, each time with fresh random Bs (BERT's create_pretraining_data dupe_factor); 0 or 1: once
	Initializer       string  `json:"initializer,omitempty"`       // linear layers' initial weights: "he" ("" too; GoMLX's default), "bert" (models.BERTInitializer, std InitializerRange) or "torch" (models.Transformer.TorchInit)
	InitializerRange  float64 `json:"initializer_range,omitempty"` // "bert"'s standard deviation; 0 means 0.02

	LearningRate  float64      `json:"learning_rate"`
	WeightDecay   float64      `json:"weight_decay"`  // AdamW's, not on biases and norms
	MaxGradNorm   float64      `json:"max_grad_norm"` // gradient clipping by global norm; 0: none
	WarmupSteps   int          `json:"warmup_steps"`  // linear warmup, then linear decay to 0 at MaxSteps
	BatchSize     int          `json:"per_device_train_batch_size"`
	MaxSteps      int          `json:"max_steps"`      // optimizer steps; with Minutes, the steps that fit are measured
	Minutes       float64      `json:"minutes"`        // > 0: size MaxSteps to about this many minutes of training
	EvalSteps     int          `json:"eval_steps"`     // evaluate every EvalSteps steps (and at the end)
	SaveSteps     int          `json:"save_steps"`     // checkpoint every SaveSteps steps (and at the end)
	EvalFraction  float64      `json:"eval_fraction"`  // share of documents held out
	MaxEvalPairs  int          `json:"max_eval_pairs"` // held-out NSP pairs evaluated (0: all)
	MaxDocuments  int          `json:"max_documents"`  // > 0: keep only so many documents per split (smoke)
	Seed          uint64       `json:"seed"`           // split, pairs, masking, data order, initialisation
	DenseMLMHead  bool         `json:"dense_mlm_head"` // project every position (the slow way, for comparison)
	LossWeighting string       `json:"loss_weighting"` // "fixed" (MLM + NSP; "" too) or "uncertainty": see Objective
	OutputDir     string       `json:"-"`              // the run directory
	Resume        bool         `json:"-"`              // continue the run in OutputDir from its checkpoint
	Data          data.Options `json:"-"`              // where the corpus is fetched from and cached
	Progress      io.Writer    `json:"-"`              // progress bar and log lines; nil: os.Stderr
}

// DefaultConfig is the run of the targets, measured on two shared cores on XLA (the backend `make lab`
// gives): 4 pre-norm layers (NormFirst) of width 128 with 4 heads (feed-forward 512) and a final layer norm
// (FinalNorm), vocabulary 4,000; NSP segments packed from whole sentences up to 46 tokens (SegmentTokens), pairs of
// at most 96 tokens, the training documents paired 5 times (DupeFactor); batches of 32, no dropout, AdamW at 2e-3
// (weight decay 0.01, not on biases and norms; warmup over 200 steps or a tenth of the run, then linear decay to 0;
// gradient norm clipped at 1), and as many steps as fit in 30 minutes (Minutes; MaxSteps 3,000 when Minutes is 0),
// evaluated every 250 steps on the first 512 held-out pairs, the objective the fixed sum MLM + NSP. The run
// directory is build/pretrain.
//
// Its 30-minute run (5,327 steps in 26.4 minutes) ended 1.687 nats below the unigram entropy of 6.652 (held-out
// masked cross-entropy 4.965 over all 3,942 held-out pairs) with NSP accuracy 0.703 on them (binomial standard
// error 0.007); its running evaluation, on the first 512 pairs (6 documents), read 5.122 nats and 0.646.
//
// Pre-norm, not BERT's post-norm: at this size and rate a post-norm encoder stayed at the unigram plateau for a
// whole 30-minute run (held-out masked cross-entropy 6.674 nats after 3,249 steps, against a unigram entropy of
// 6.652), while the pre-norm one was 1.49 nats below it after 1,750 steps. Packing trades the two objectives
// against each other, and 46 tokens is where both targets held in one run:
//   - one sentence a segment, pairs of at most 64 tokens (the earlier default): 4.782 nats after 4,750 steps,
//     1.870 below the unigram entropy, but NSP 0.564;
//   - segments of up to 62 tokens, pairs of 128: NSP 0.742 on all 3,139 held-out pairs after 4,250 steps, but the
//     masked cross-entropy stayed near the plateau of a topic-aware unigram model, 5.916 nats (0.736 below);
//   - paired once instead of 5 times (62 tokens, with the bert initializer), the model learned its training pairs'
//     NSP labels by heart: 0.81 on them against 0.73 held out. Five pairings closed that gap (0.744 against 0.742).
//
// Without the final layer norm, one sentence a segment reached 4.227 nats after 3,750 steps with NSP at chance
// (0.504) and the pooler's tanh saturated.
func DefaultConfig() Config {
	return Config{
		Corpus: "brown", VocabSize: 4000, NumHiddenLayers: 4, HiddenSize: 128, NumAttentionHeads: 4, NormFirst: true,
		FinalNorm: true, MaxSeqLength: 96, SegmentTokens: 46, DupeFactor: 5, HiddenDropoutProb: 0, MLMProbability: 0.15,
		LearningRate: 2e-3, WeightDecay: 0.01, MaxGradNorm: 1, WarmupSteps: 200, BatchSize: 32,
		MaxSteps: 3000, Minutes: 30, EvalSteps: 250, SaveSteps: 250, EvalFraction: 0.1, MaxEvalPairs: 512, Seed: 1,
		LossWeighting: FixedWeighting, OutputDir: "build/pretrain",
	}
}

// SmokeConfig is a run that finishes in seconds on pure Go: 40 documents, vocabulary 600, one layer of width
// 32, one sentence a segment in pairs of at most 48 tokens, paired once, 30 steps. It checks the wiring; its numbers mean nothing.
func SmokeConfig() Config {
	c := DefaultConfig()
	c.VocabSize, c.NumHiddenLayers, c.HiddenSize, c.NumAttentionHeads = 600, 1, 32, 2
	c.MaxSeqLength, c.BatchSize, c.MaxSteps, c.WarmupSteps, c.EvalSteps, c.SaveSteps = 48, 16, 30, 5, 10, 10
	c.MaxDocuments, c.MaxEvalPairs, c.EvalFraction, c.Minutes, c.SegmentTokens, c.DupeFactor = 40, 128, 0.2, 0, 0, 1
	c.OutputDir = filepath.Join(os.TempDir(), "lossbook-pretrain-smoke")
	return c
}

// ConfigFromEnv is SmokeConfig when LOSSBOOK_SMOKE is set to a non-empty value other than "0", else
// DefaultConfig.
func ConfigFromEnv() Config {
	if v := os.Getenv("LOSSBOOK_SMOKE"); v != "" && v != "0" {
		return SmokeConfig()
	}
	return DefaultConfig()
}

// Validate returns one error naming the first setting out of range.
func (c Config) Validate() error {
	switch {
	case c.Corpus != "brown":
		return fmt.Errorf("pretrain: corpus %q, want brown", c.Corpus)
	case c.VocabSize < 16:
		return fmt.Errorf("pretrain: vocab_size %d, want >= 16", c.VocabSize)
	case c.NumHiddenLayers < 1 || c.HiddenSize < 1 || c.NumAttentionHeads < 1 || c.HiddenSize%c.NumAttentionHeads != 0:
		return fmt.Errorf("pretrain: %d layers, hidden size %d, %d heads: want positive, hidden size a multiple of heads",
			c.NumHiddenLayers, c.HiddenSize, c.NumAttentionHeads)
	case c.MaxSeqLength < 8:
		return fmt.Errorf("pretrain: max_seq_length %d, want >= 8", c.MaxSeqLength)
	case c.SegmentTokens < 0:
		return fmt.Errorf("pretrain: segment_tokens %d, want >= 0 (0: one sentence a segment; (max_seq_length-3)/2 = %d fills a pair)",
			c.SegmentTokens, (c.MaxSeqLength-3)/2)
	case c.BatchSize < 1:
		return fmt.Errorf("pretrain: batch size %d, want >= 1", c.BatchSize)
	case c.MaxSteps < 1 && c.Minutes <= 0:
		return fmt.Errorf("pretrain: max_steps %d and minutes %g: want one of them positive", c.MaxSteps, c.Minutes)
	case c.Minutes < 0 || math.IsNaN(c.Minutes):
		return fmt.Errorf("pretrain: minutes %g, want >= 0", c.Minutes)
	case c.WarmupSteps < 0 || c.EvalSteps < 0 || c.SaveSteps < 0 || c.MaxEvalPairs < 0 || c.MaxDocuments < 0:
		return fmt.Errorf("pretrain: warmup %d, eval %d, save %d steps, %d eval pairs, %d documents: want >= 0",
			c.WarmupSteps, c.EvalSteps, c.SaveSteps, c.MaxEvalPairs, c.MaxDocuments)
	case !(c.MLMProbability > 0 && c.MLMProbability < 1) || !(c.HiddenDropoutProb >= 0 && c.HiddenDropoutProb < 1):
		return fmt.Errorf("pretrain: mlm_probability %g and dropout %g, want in (0, 1) and [0, 1)", c.MLMProbability, c.HiddenDropoutProb)
	case !(c.LearningRate > 0) || c.WeightDecay < 0 || c.MaxGradNorm < 0:
		return fmt.Errorf("pretrain: learning rate %g, weight decay %g, max grad norm %g: want > 0, >= 0, >= 0",
			c.LearningRate, c.WeightDecay, c.MaxGradNorm)
	case c.DupeFactor < 0:
		return fmt.Errorf("pretrain: dupe_factor %d, want >= 0 (0 or 1: the training pairs made once)", c.DupeFactor)
	case c.Initializer != "" && c.Initializer != "he" && c.Initializer != "bert" && c.Initializer != "torch":
		return fmt.Errorf("pretrain: initializer %q, want he, bert or torch", c.Initializer)
	case c.InitializerRange < 0 || math.IsNaN(c.InitializerRange):
		return fmt.Errorf("pretrain: initializer_range %g, want >= 0 (0: 0.02)", c.InitializerRange)
	case c.OutputDir == "":
		return fmt.Errorf("pretrain: no output directory")
	}
	return checkLossWeighting(c.LossWeighting)
}

// segments are the NSP segments of tokenized documents: the sentences themselves, or with SegmentTokens > 0 runs
// of whole sentences packed up to that many tokens.
func (c Config) segments(docs [][][]int32) ([][][]int32, error) {
	if c.SegmentTokens == 0 {
		return docs, nil
	}
	return data.PackSegments(docs, c.SegmentTokens)
}

// trainPairs are the NSP pairs of the training segments: DupeFactor rounds of data.NSPPairs (at least one), each
// with its own seed, so that every A meets its next segment in about half of the rounds and a fresh random B in
// the others, as BERT's create_pretraining_data duplicates its input dupe_factor times. The first round's seed is
// Seed, so a DupeFactor of 1 gives the pairs of 0; the held-out pairs' seed, Seed+1, is never used here.
func (c Config) trainPairs(segments [][][]int32) ([]data.NSPExample, error) {
	var out []data.NSPExample
	for round := range max(c.DupeFactor, 1) {
		pairs, err := data.NSPPairs(segments, c.Seed^(uint64(round)<<40))
		if err != nil {
			return nil, err
		}
		out = append(out, pairs...)
	}
	return out, nil
}

// model is the Transformer a Config describes.
func (c Config) model() models.Transformer {
	ffn := c.IntermediateSize
	if ffn == 0 {
		ffn = 4 * c.HiddenSize
	}
	return models.Transformer{VocabSize: c.VocabSize, MaxLen: c.MaxSeqLength, NumSegments: 2, Dim: c.HiddenSize,
		NumHeads: c.NumAttentionHeads, NumLayers: c.NumHiddenLayers, FFNDim: ffn, Activation: models.GELU,
		Dropout: c.HiddenDropoutProb, NormFirst: c.NormFirst, FinalNorm: c.FinalNorm, TorchInit: c.Initializer == "torch"}
}

// context is a new model context whose initializer is the one Initializer names.
func (c Config) context() *mlctx.Context {
	ctx := mlctx.New()
	if c.Initializer == "bert" {
		std := c.InitializerRange
		if std == 0 {
			std = models.EmbeddingInitStddev
		}
		ctx = ctx.WithInitializer(models.BERTInitializer(ctx, std))
	}
	return ctx
}

// Model is a pre-trained BERT: its configuration, tokenizer, variables and history.
type Model struct {
	Config    Config
	Tokenizer *tokenize.Tokenizer
	Encoder   models.Transformer // the architecture; its variables are in Context under ModelScope
	Context   *mlctx.Context
	Metrics   *Metrics
	Dir       string // the run directory

	backend   backends.Backend
	opt       training.Optimizer
	evalPairs *pairDataset
	evalExec  *mlctx.Exec // Evaluate's graph, compiled at the first call and reused (it reads the variables each time)
}

// Metrics is metrics.json: the baseline, the history and the last held-out evaluation.
type Metrics struct {
	UnigramEntropy float64    `json:"unigram_entropy"` // nats per token of the training tokens' distribution
	TrainPairs     int        `json:"train_pairs"`
	EvalPairs      int        `json:"eval_pairs"`
	TrainDocuments int        `json:"train_documents"`
	EvalDocuments  int        `json:"eval_documents"`
	Steps          int        `json:"steps"`
	Seconds        float64    `json:"seconds"` // training wall time (this call, plus earlier ones on resume)
	StepsPerSecond float64    `json:"steps_per_second"`
	LoadAverage    [2]float64 `json:"load_average"` // 1-minute load average at the start and at the end
	Losses         []float64  `json:"losses"`       // the objective (see Objective) of every step, on its batch
	Evals          []Eval     `json:"evals"`        // held-out evaluations
	Final          Eval       `json:"final"`        // the last one
}

// Eval is one held-out evaluation: masked tokens and NSP pairs of the held-out documents, masked the same way
// every time.
type Eval struct {
	Step          int     `json:"step"`
	MLMLoss       float64 `json:"mlm_loss"`       // cross-entropy per masked token, nats (unsmoothed)
	MLMPerplexity float64 `json:"mlm_perplexity"` // exp(MLMLoss)
	MLMAccuracy   float64 `json:"mlm_accuracy"`   // argmax equals the original token, over masked tokens
	NSPLoss       float64 `json:"nsp_loss"`
	NSPAccuracy   float64 `json:"nsp_accuracy"`
	MaskedTokens  int     `json:"masked_tokens"`
	Pairs         int     `json:"pairs"`
	// With LossWeighting "uncertainty", the learned log-variances [s_MLM, s_NSP] at this step and the weights
	// [e^{-s_MLM}, e^{-s_NSP}] of the two losses in the objective; absent for the fixed sum. The held-out losses
	// above are never weighted.
	LogVariances []float64 `json:"log_variances,omitempty"`
	LossWeights  []float64 `json:"loss_weights,omitempty"`
}

func (e Eval) metricsMap() map[string]float64 {
	out := map[string]float64{"mlm_loss": e.MLMLoss, "mlm_accuracy": e.MLMAccuracy, "nsp_accuracy": e.NSPAccuracy}
	if len(e.LossWeights) == 2 {
		out["mlm_weight"], out["nsp_weight"] = e.LossWeights[0], e.LossWeights[1]
	}
	return out
}

// Train pre-trains a model as cfg says and writes the run directory cfg.OutputDir; with cfg.Resume it continues
// the run found there (its run.json's settings win over cfg's, except Minutes, MaxSteps when larger, and
// Progress). It returns an error for an invalid configuration, an output directory that already holds a run
// (without Resume), a corpus that cannot be read, or a failed step; ctx cancels the download of the corpus.
func Train(ctx context.Context, cfg Config, opts ...Option) (*Model, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	logw := cfg.Progress
	if logw == nil {
		logw = os.Stderr
	}
	dir := cfg.OutputDir
	moreSteps := false
	if cfg.Resume {
		prev, err := readConfig(dir)
		if err != nil {
			return nil, fmt.Errorf("pretrain: --resume: %w", err)
		}
		prev.OutputDir, prev.Resume, prev.Data, prev.Progress = dir, true, cfg.Data, cfg.Progress
		if cfg.MaxSteps > prev.MaxSteps && cfg.Minutes == 0 {
			prev.MaxSteps, moreSteps = cfg.MaxSteps, true
		}
		cfg = prev
	} else if _, err := os.Stat(filepath.Join(dir, RunFile)); err == nil {
		return nil, fmt.Errorf("pretrain: %s already holds a run (give --resume to continue it, or another --out)", dir)
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	backend, err := lib.Backend()
	if err != nil {
		return nil, err
	}
	load0 := training.LoadAverage()

	corpus := o.corpus
	if corpus == nil {
		if corpus, err = LoadCorpus(ctx, cfg.Corpus, cfg.EvalFraction, cfg.Seed, cfg.MaxDocuments, cfg.Data); err != nil {
			return nil, err
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("pretrain: %w", err)
	}
	// The vocabulary: trained on the training documents only, or the run's own when resuming.
	var vocab *tokenize.Vocab
	if cfg.Resume {
		vocab, err = tokenize.LoadVocab(filepath.Join(dir, VocabFile))
	} else {
		var texts []string
		for _, doc := range corpus.Train {
			texts = append(texts, doc...)
		}
		vocab, err = tokenize.TrainFromSlice(texts, tokenize.TrainOptions{VocabSize: cfg.VocabSize, Options: tokenize.Uncased()})
		if err == nil {
			err = vocab.Save(filepath.Join(dir, VocabFile))
		}
	}
	if err != nil {
		return nil, err
	}
	cfg.VocabSize = vocab.Size() // a small corpus may give fewer tokens than asked
	tok, err := tokenize.New(vocab, tokenize.Uncased())
	if err != nil {
		return nil, err
	}
	special := tok.Special()
	trainDocs := encodeDocs(tok, corpus.Train)
	trainSegments, err := cfg.segments(trainDocs)
	if err != nil {
		return nil, err
	}
	trainPairs, err := cfg.trainPairs(trainSegments)
	if err != nil {
		return nil, err
	}
	evalSet, evalDocs, err := heldOut(cfg, tok, corpus)
	if err != nil {
		return nil, err
	}
	trainSet := &pairDataset{pairs: trainPairs, special: special, vocab: cfg.VocabSize, seq: cfg.MaxSeqLength, mlmProb: cfg.MLMProbability, seed: cfg.Seed}
	evalPairs := evalSet.pairs

	m := &Model{Config: cfg, Tokenizer: tok, Encoder: cfg.model(), Context: cfg.context(), Dir: dir, backend: backend, evalPairs: evalSet}
	if err := m.Context.SetRNGStateFromSeed(int64(cfg.Seed)); err != nil {
		return nil, err
	}
	m.Metrics = &Metrics{UnigramEntropy: UnigramEntropy(trainDocs, special), TrainPairs: len(trainPairs),
		EvalPairs: len(evalPairs), TrainDocuments: len(trainDocs), EvalDocuments: len(evalDocs)}
	if cfg.Resume {
		if old, err := readMetrics(dir); err == nil {
			m.Metrics.Seconds = old.Seconds
		}
	}
	fmt.Fprintf(logw, "pretrain: %d training documents (%d NSP pairs), %d held-out documents (%d pairs); vocabulary %d; "+
		"unigram entropy of the training tokens %.3f nats\n", len(trainDocs), len(trainPairs), len(evalDocs), len(evalPairs),
		cfg.VocabSize, m.Metrics.UnigramEntropy)

	opt := training.NewAdamW()
	m.opt = opt
	// No weight decay on biases, norms and the learned log-variances (which BiasesAndNorms, rank < 2, already
	// picks: named here so that the rule does not hang on their shape).
	noDecay := training.InScopes("/" + losses.UncertaintyScope)
	opt.LR, opt.WeightDecay, opt.MaxGradNorm = cfg.LearningRate, cfg.WeightDecay, cfg.MaxGradNorm
	opt.NoDecay = func(v *mlctx.Variable) bool { return training.BiasesAndNorms(v) || noDecay(v) }
	weighting := cfg.LossWeighting
	lossFn := func(ctx *mlctx.Context, b []*Node) (sum, count *Node) {
		mlm, nsp, _, _ := m.heads(ctx.In(ModelScope), b)
		return Objective(ctx, weighting, mlm, nsp), OnesLike(mlm)
	}
	title := "pre-training loss (MLM + NSP)"
	if weighting == UncertaintyWeighting {
		title = "pre-training objective (uncertainty-weighted MLM + NSP)"
	}
	tcfg := training.Config{
		Optimizer: opt, BatchSize: cfg.BatchSize, Shuffle: true, Seed: cfg.Seed,
		EvalEvery: cfg.EvalSteps, CheckpointPath: filepath.Join(dir, CheckpointFile), CheckpointEvery: cfg.SaveSteps,
		Progress: cfg.Progress, PlotTitle: title, NoPlot: o.noPlot,
		Eval: m.trainEval(time.Time{}),
	}
	schedule := func(steps int) training.Schedule {
		return training.LinearWithWarmup{WarmupSteps: min(cfg.WarmupSteps, steps), TrainingSteps: steps}
	}
	if err := writeJSON(filepath.Join(dir, RunFile), runInfo{Task: "pretrain", Config: cfg}); err != nil {
		return nil, err
	}
	start := time.Now()
	var res *training.Result
	if cfg.Minutes > 0 && !cfg.Resume {
		// Measure the step time over a few steps (inside the warmup, whose rates do not depend on the total),
		// then size the run to the minutes left, evaluations included.
		probe := min(20, max(cfg.WarmupSteps, 5))
		var stamps []time.Time
		tcfg.Steps, tcfg.Schedule, tcfg.EvalEvery = probe, training.LinearWithWarmup{WarmupSteps: cfg.WarmupSteps, TrainingSteps: 1 << 30}, 0
		tcfg.Eval, tcfg.OnStep = nil, func(training.StepInfo) error { stamps = append(stamps, time.Now()); return nil }
		if _, err := training.Train(backend, m.Context, trainSet, lossFn, tcfg); err != nil {
			return nil, err
		}
		// The median step, not the mean: on XLA a step whose number of masked positions is new compiles its
		// graph first, and most of the probe's early steps are such steps.
		gaps := make([]float64, 0, len(stamps)-1)
		for i := 1; i < len(stamps); i++ {
			gaps = append(gaps, stamps[i].Sub(stamps[i-1]).Seconds())
		}
		slices.Sort(gaps)
		perStep := gaps[len(gaps)/2]
		if _, err := m.Evaluate(); err != nil { // compiles the evaluation's graphs, which later evaluations reuse
			return nil, err
		}
		evalStart := time.Now()
		if _, err := m.Evaluate(); err != nil {
			return nil, err
		}
		perEval := time.Since(evalStart).Seconds()
		left := cfg.Minutes*60 - time.Since(start).Seconds()
		steps := int(left / perStep)
		if cfg.EvalSteps > 0 {
			steps = int(left / (perStep + perEval/float64(cfg.EvalSteps)))
		}
		cfg.MaxSteps = max(steps, probe+1)
		// Warm up over at most a tenth of the run (Hugging Face's warmup_ratio 0.1 when the run is short); the
		// probe's steps used WarmupSteps' slope.
		cfg.WarmupSteps = max(min(cfg.WarmupSteps, cfg.MaxSteps/10), 1)
		m.Config = cfg
		fmt.Fprintf(logw, "pretrain: %.2f s per step, %.1f s per evaluation: %d steps fit in %.1f minutes\n",
			perStep, perEval, cfg.MaxSteps, cfg.Minutes)
		if err := writeJSON(filepath.Join(dir, RunFile), runInfo{Task: "pretrain", Config: cfg}); err != nil {
			return nil, err
		}
		tcfg.ResumeAnyway = true // the probe's checkpoint names another total of steps
		tcfg.Eval, tcfg.EvalEvery, tcfg.OnStep = m.trainEval(start.Add(time.Duration(cfg.Minutes*float64(time.Minute)))), cfg.EvalSteps, nil
		tcfg.EarlyStopping = &training.EarlyStopping{Metric: timeLeftMetric, Maximize: true, Patience: 1}
	}
	tcfg.Steps, tcfg.Schedule = cfg.MaxSteps, schedule(cfg.MaxSteps)
	if moreSteps {
		tcfg.ResumeAnyway = true // a longer run: the decay now ends at the new MaxSteps
	}
	if o.interruptAt > 0 {
		tcfg.OnStep = func(info training.StepInfo) error {
			if info.Step >= o.interruptAt {
				return fmt.Errorf("interrupted after step %d", info.Step)
			}
			return nil
		}
	}
	res, err = training.Train(backend, m.Context, trainSet, lossFn, tcfg)
	if err != nil {
		return nil, err
	}
	m.Metrics.Steps = res.Steps
	m.Metrics.Seconds += time.Since(start).Seconds()
	m.Metrics.StepsPerSecond = float64(res.Steps-res.ResumedFrom) / res.Elapsed.Seconds()
	m.Metrics.Losses = res.Losses
	m.Metrics.LoadAverage = [2]float64{load0, training.LoadAverage()}
	if cfg.Resume {
		if old, err := readMetrics(dir); err == nil {
			m.Metrics.Evals = append(old.Evals, m.Metrics.Evals...)
		}
	}
	if n := len(m.Metrics.Evals); n > 0 {
		m.Metrics.Final = m.Metrics.Evals[n-1]
	}
	if err := writeJSON(filepath.Join(dir, MetricsFile), m.Metrics); err != nil {
		return nil, err
	}
	return m, nil
}

// Option changes how Train runs without being part of the run's configuration.
type Option func(*options)

type options struct {
	corpus      *Corpus
	noPlot      bool
	interruptAt int // > 0: fail after this step, before its checkpoint (tests of resume)
}

// WithCorpus trains on the given documents instead of reading Config.Corpus (tests, other corpora); Corpus
// still names the run's corpus in run.json, and EvaluateHeldOut of a loaded run reads Config.Corpus.
func WithCorpus(c *Corpus) Option { return func(o *options) { o.corpus = c } }

// WithoutPlot skips the live loss curve that Train draws in a notebook (for several runs in one cell, as
// CompareLossWeighting makes).
func WithoutPlot() Option { return func(o *options) { o.noPlot = true } }

// trainEval is training.Config.Eval for the main run: it records every evaluation in the metrics. With a
// deadline (a Minutes run), it also reports "time_left_steps", the step while the next evaluation interval still
// fits before the deadline and a constant afterwards, which Train's early stopping (Patience 1, maximised) turns
// into a clean stop: the last evaluation, a checkpoint and the history are written as at the end of a run.
func (m *Model) trainEval(deadline time.Time) func(*mlctx.Context) (map[string]float64, error) {
	last, lastValue := time.Now(), 0.0
	return func(*mlctx.Context) (map[string]float64, error) {
		e, err := m.Evaluate()
		if err != nil {
			return nil, err
		}
		m.Metrics.Evals = append(m.Metrics.Evals, e)
		out := e.metricsMap()
		if !deadline.IsZero() {
			now := time.Now()
			if !now.Add(now.Sub(last)).After(deadline) {
				lastValue = float64(e.Step)
			}
			last = now
			out[timeLeftMetric] = lastValue
		}
		return out, nil
	}
}

// timeLeftMetric is the evaluation metric that stops a Minutes run (see trainEval).
const timeLeftMetric = "time_left_steps"

// heads builds both heads and their losses for a batch of pairDataset; it also returns the MLM logits (at the
// listed positions, or everywhere with DenseMLMHead) and the NSP logits.
func (m *Model) heads(ctx *mlctx.Context, b []*Node) (mlm, nsp, mlmLogits, nspLogits *Node) {
	ids, types, mask, labels, positions, targets, next := b[0], b[1], b[2], b[3], b[4], b[5], b[6]
	hidden := m.Encoder.Encode(ctx, ids, types, mask)
	if m.Config.DenseMLMHead {
		mlmLogits = m.Encoder.MLMLogits(ctx, hidden)
		mlm = losses.MLM(mlmLogits, labels)
	} else {
		mlmLogits = m.Encoder.MLMLogitsAt(ctx, hidden, positions)
		mlm = losses.MLM(mlmLogits, targets)
	}
	nspLogits = m.Encoder.PooledLogits(ctx, hidden, 2)
	return mlm, losses.NSP(nspLogits, next), mlmLogits, nspLogits
}

// Evaluate measures the model on the held-out pairs (masked the same way every time): masked-token
// cross-entropy, perplexity and accuracy, NSP loss and accuracy. Sums are over tokens and pairs, not means of
// batch means.
func (m *Model) Evaluate() (Eval, error) {
	if m.evalPairs == nil || m.evalPairs.Len() == 0 {
		return Eval{}, errors.New("pretrain: Evaluate: no held-out pairs")
	}
	if m.evalExec == nil {
		exec, err := m.newEvalExec()
		if err != nil {
			return Eval{}, err
		}
		// One graph per length of the masked-position list: at most one per batch, the same at every evaluation.
		m.evalExec = exec.SetMaxCache(0)
	}
	var sums [5]float64
	n := m.evalPairs.Len()
	bs := m.Config.BatchSize
	for start := 0; start < n; start += bs {
		idx := make([]int, 0, bs)
		for i := start; i < min(start+bs, n); i++ {
			idx = append(idx, i)
		}
		batch, err := m.evalPairs.Batch(idx)
		if err != nil {
			return Eval{}, err
		}
		args := make([]any, len(batch))
		for i, t := range batch {
			args[i] = t
		}
		outs, err := m.evalExec.Exec(args...)
		if err != nil {
			return Eval{}, fmt.Errorf("pretrain: Evaluate: %w", err)
		}
		for i := range sums {
			sums[i] += tensors.ToScalar[float64](outs[i])
			outs[i].FinalizeAll()
		}
	}
	e := Eval{Step: int(training.StepCount(m.Context, m.opt)), MLMLoss: sums[0] / sums[1], MLMAccuracy: sums[2] / sums[1],
		NSPLoss: sums[3] / float64(n), NSPAccuracy: sums[4] / float64(n), MaskedTokens: int(sums[1]), Pairs: n}
	e.MLMPerplexity = math.Exp(e.MLMLoss)
	var err error
	if e.LogVariances, e.LossWeights, err = m.LossWeights(); err != nil {
		return Eval{}, err
	}
	return e, nil
}

// newEvalExec builds Evaluate's graph: for a batch of pairDataset, the sums of the masked tokens' cross-entropy,
// the masked tokens, the correct ones, the NSP loss and the correct NSP predictions, in float64.
func (m *Model) newEvalExec() (*mlctx.Exec, error) {
	return mlctx.NewExec(m.backend, m.Context.Reuse(), func(ctx *mlctx.Context, b []*Node) []*Node {
		ctx.SetTraining(b[0].Graph(), false)
		mlmCtx := ctx.In(ModelScope)
		_, _, logits, nspLogits := m.heads(mlmCtx, b)
		var targets *Node
		if m.Config.DenseMLMHead {
			targets = b[3]
		} else {
			targets = b[5]
		}
		perToken := losses.MLM(logits, targets, losses.WithReduction(losses.ReductionNone))
		valid := NotEqual(targets, Const(targets.Graph(), int32(data.IgnoreIndex)))
		correct := And(valid, Equal(ConvertDType(ArgMax(logits, -1), dtypes.Int32), targets))
		nspLoss := losses.NSP(nspLogits, b[6], losses.WithReduction(losses.ReductionSum))
		nspCorrect := Equal(ConvertDType(ArgMax(nspLogits, -1), dtypes.Int32), b[6])
		f64 := func(x *Node) *Node { return ReduceAllSum(ConvertDType(x, dtypes.Float64)) }
		return []*Node{f64(perToken), f64(valid), f64(correct), f64(nspLoss), f64(nspCorrect)}
	})
}
