package textclass

import (
	"fmt"
	"io"
	"strings"

	"github.com/lossbook/lossbook/lib"
	"github.com/lossbook/lossbook/lib/data"
	"github.com/lossbook/lossbook/losses"
	"github.com/lossbook/lossbook/training"
)

// Data sets Config.Data names; anything else is read as the path of a JSON-lines file of {"text", "label"}.
const (
	SpamAssassin = "spamassassin"
	Brown        = "brown"
)

// Models Config.Model names.
const (
	Bag         = "bag"
	Transformer = "transformer"
)

// Config configures Train. Field names follow PyTorch and Hugging Face; the JSON names are those of run.json.
// DefaultConfig gives the values that reproduce the README's numbers.
type Config struct {
	// Data is "spamassassin", "brown", or the path of a JSON-lines file with one {"text": ..., "label": ...}
	// object a line (labels are strings; the classes are their sorted distinct values).
	Data string `json:"data"`
	// Model is "bag" (models.BagOfEmbeddings) or "transformer" (models.Transformer with its pooled head).
	Model string `json:"model"`

	// Loss is a losses.New name taking (input, target), e.g. "CrossEntropyLoss", "SoftmaxFocalLoss"; LossArgs
	// are its keyword arguments (e.g. {"label_smoothing": 0.1}). It is the training objective; evaluation
	// reports the unsmoothed, unweighted NLL.
	Loss     string         `json:"loss"`
	LossArgs map[string]any `json:"loss_args,omitempty"`
	// Optimizer is a training.NewOptimizer name ("AdamW", "SGD", ...) and OptimizerArgs its keyword arguments.
	Optimizer     string         `json:"optimizer"`
	OptimizerArgs map[string]any `json:"optimizer_args,omitempty"`
	// Schedule is a training.NewSchedule name ("constant", "linear", ...); "linear" and "CosineAnnealingLR"
	// default their step counts to Steps (and "linear" its warmup to 10% of them) when ScheduleArgs omits them.
	Schedule     string         `json:"schedule"`
	ScheduleArgs map[string]any `json:"schedule_args,omitempty"`

	Steps     int    `json:"max_steps"`                   // optimizer steps
	BatchSize int    `json:"per_device_train_batch_size"` // examples per step
	Seed      uint64 `json:"seed"`                        // the split, the initialisation and the data order

	VocabSize int `json:"vocab_size"` // WordPiece vocabulary size, trained on the training split
	MaxLength int `json:"max_length"` // tokens per text, [CLS] and [SEP] included; longer texts are cut

	HiddenSize        int     `json:"hidden_size"`                 // embedding (bag) or model (transformer) width
	NumHiddenLayers   int     `json:"num_hidden_layers,omitempty"` // transformer blocks
	NumAttentionHeads int     `json:"num_attention_heads,omitempty"`
	IntermediateSize  int     `json:"intermediate_size,omitempty"` // transformer feed-forward width
	TypeVocabSize     int     `json:"type_vocab_size,omitempty"`   // transformer segment ids (0: no segment table)
	Dropout           float64 `json:"hidden_dropout_prob,omitempty"`
	// NormFirst puts the transformer's layer norms before each sub-block (pre-norm; PyTorch's norm_first)
	// instead of after it (BERT's post-norm). Transformer only.
	NormFirst bool `json:"norm_first,omitempty"`
	// FinalNorm adds a layer norm after the last transformer block (models.Transformer.FinalNorm; PyTorch's
	// nn.TransformerEncoder norm), which a pre-norm stack needs. Transformer only.
	FinalNorm bool `json:"final_norm,omitempty"`

	// InitFrom is a pre-training run directory (lossbook pretrain --out DIR; Hugging Face's model_name_or_path):
	// the transformer starts from that run's encoder (embeddings, layers and pooler; see pretrain.LoadEncoder)
	// and encodes with its WordPiece vocabulary, then fine-tunes every weight, the classification head starting
	// fresh. The architecture fields left 0 (VocabSize, MaxLength, HiddenSize, NumHiddenLayers,
	// NumAttentionHeads, IntermediateSize, TypeVocabSize) are the run's, and so are NormFirst and FinalNorm when
	// false; a field set to another value (NormFirst true on a post-norm encoder) is an error. Train writes the filled values
	// to run.json, and the checkpoint holds every weight, so Load needs only the fine-tuned run directory.
	// Transformer only.
	InitFrom string `json:"model_name_or_path,omitempty"`
	// TrainFraction, in (0, 1], trains on that share of the training split: a subset stratified by class and
	// seeded by Seed (data.StratifiedSubset; at least one example a class). Validation and test are untouched.
	// 0 keeps all, as 1 does.
	TrainFraction float64 `json:"train_fraction,omitempty"`

	// SpamFraction, between 0 and 1, keeps that fraction of the spam in the training split (the imbalanced
	// variant of the loss comparison); 0 keeps all. Validation and test are untouched. SpamAssassin only.
	SpamFraction float64 `json:"spam_fraction,omitempty"`

	EvalEvery       int `json:"eval_steps"` // steps between validation evaluations (0: only at the end)
	CheckpointEvery int `json:"save_steps"` // steps between checkpoints (0: only at the end)

	// Out is the run directory ("" writes none: the model lives in memory only). Resume continues the run in
	// Out from its checkpoint; without it an existing, non-empty Out is an error.
	Out    string `json:"-"`
	Resume bool   `json:"-"`
	// DataOptions says where data sets are cached and fetched from (zero value: lib/data's defaults).
	DataOptions data.Options `json:"-"`
	// Progress receives the progress bar (nil: training's default, stderr outside a notebook; io.Discard: none).
	Progress io.Writer `json:"-"`
	// NoPlot skips the live loss curve in a notebook.
	NoPlot bool `json:"-"`
}

// DefaultConfig is the bag of embeddings on SpamAssassin: WordPiece 16k, 256 tokens, 64 dimensions, AdamW
// (lr 3e-3, weight decay 0.01) with a constant rate, 1,000 steps of 32 messages (7 epochs), seed 1. It is what `lossbook
// train textclass` runs with no flags.
func DefaultConfig() Config {
	return Config{
		Data:            SpamAssassin,
		Model:           Bag,
		Loss:            "CrossEntropyLoss",
		Optimizer:       "AdamW",
		OptimizerArgs:   map[string]any{"lr": 3e-3},
		Schedule:        "constant",
		Steps:           1000,
		BatchSize:       32,
		Seed:            1,
		VocabSize:       16000,
		MaxLength:       256,
		HiddenSize:      64,
		EvalEvery:       250,
		CheckpointEvery: 250,
	}
}

// TransformerConfig is DefaultConfig with a small BERT-style encoder: 2 layers, width 128, 4 heads, feed-forward
// 512, dropout 0.1, 128 tokens a text, AdamW lr 5e-4 with a linear schedule (10% warmup). At 256 tokens a step of
// 32 took over 3 CPU seconds on the pure-Go backend (issue 12's measurement), so 1,000 steps would not fit in 20
// minutes on 2 cores; 128 tokens roughly halves that (not yet measured).
func TransformerConfig() Config {
	c := DefaultConfig()
	c.Model = Transformer
	c.MaxLength = 128
	c.HiddenSize, c.NumHiddenLayers, c.NumAttentionHeads, c.IntermediateSize, c.Dropout = 128, 2, 4, 512, 0.1
	c.OptimizerArgs = map[string]any{"lr": 5e-4}
	c.Schedule = "linear"
	return c
}

// Smoke shrinks c to a run of seconds (notebooks under LOSSBOOK_SMOKE, tests): 40 steps of 16 at a learning
// rate of 0.01, a 2,000-token vocabulary, 64 tokens a text, the transformer 1 layer of width 32.
func (c Config) Smoke() Config {
	c.Steps, c.BatchSize, c.VocabSize, c.MaxLength = 40, 16, 2000, 64
	c.EvalEvery, c.CheckpointEvery = 20, 20
	c.OptimizerArgs = map[string]any{"lr": 0.01}
	if c.Model == Transformer {
		c.HiddenSize, c.NumHiddenLayers, c.NumAttentionHeads, c.IntermediateSize = 32, 1, 2, 64
	}
	return c
}

// SizedConfig is DefaultConfig, or its Smoke size when LOSSBOOK_SMOKE is set.
func SizedConfig() Config {
	if lib.Smoke() {
		return DefaultConfig().Smoke()
	}
	return DefaultConfig()
}

// Validate checks c without reading any data: the names and arguments of the loss, optimizer and schedule, the
// sizes and ranges. It returns one error naming what is wrong and what is valid.
func (c Config) Validate() error {
	_, _, _, err := c.validate()
	return err
}

// validate checks c and builds its loss, optimizer and schedule, returning one error naming what is wrong.
func (c Config) validate() (losses.Loss, training.Optimizer, training.Schedule, error) {
	// fromInit reports whether an architecture field is left for InitFrom to fill.
	fromInit := func(v int) bool { return c.InitFrom != "" && v == 0 }
	fail := func(format string, a ...any) (losses.Loss, training.Optimizer, training.Schedule, error) {
		return nil, nil, nil, fmt.Errorf("textclass: "+format, a...)
	}
	switch {
	case c.Data == "":
		return fail("Data is empty; want %q, %q or the path of a .jsonl file", SpamAssassin, Brown)
	case c.Model != Bag && c.Model != Transformer:
		return fail("unknown model %q; valid: %s, %s", c.Model, Bag, Transformer)
	case c.Steps <= 0:
		return fail("Steps %d must be positive", c.Steps)
	case c.BatchSize <= 0:
		return fail("BatchSize %d must be positive", c.BatchSize)
	case c.NormFirst && c.Model != Transformer:
		return fail("NormFirst (--norm-first) applies to the transformer; Model is %q", c.Model)
	case c.FinalNorm && c.Model != Transformer:
		return fail("FinalNorm (--final-norm) applies to the transformer; Model is %q", c.Model)
	case c.InitFrom != "" && c.Model != Transformer:
		return fail("InitFrom (--init) starts a transformer from a pre-trained encoder; Model is %q, want %q", c.Model,
			Transformer)
	case c.VocabSize < 16 && !fromInit(c.VocabSize):
		return fail("VocabSize %d is too small (want at least 16)", c.VocabSize)
	case c.MaxLength < 3 && !fromInit(c.MaxLength):
		return fail("MaxLength %d is too small (want at least 3: [CLS], a token, [SEP])", c.MaxLength)
	case c.HiddenSize <= 0 && !fromInit(c.HiddenSize):
		return fail("HiddenSize %d must be positive", c.HiddenSize)
	case c.TypeVocabSize < 0:
		return fail("TypeVocabSize %d must not be negative", c.TypeVocabSize)
	case !(c.TrainFraction >= 0 && c.TrainFraction <= 1):
		return fail("TrainFraction %g must be in (0, 1] (0 keeps all)", c.TrainFraction)
	case c.EvalEvery < 0 || c.CheckpointEvery < 0:
		return fail("EvalEvery %d and CheckpointEvery %d must not be negative", c.EvalEvery, c.CheckpointEvery)
	case !(c.SpamFraction >= 0 && c.SpamFraction <= 1):
		return fail("SpamFraction %g must be in [0, 1]", c.SpamFraction)
	case c.SpamFraction != 0 && c.Data != SpamAssassin:
		return fail("SpamFraction applies to %q only, not %q", SpamAssassin, c.Data)
	case !(c.Dropout >= 0 && c.Dropout < 1):
		return fail("Dropout %g must be in [0, 1)", c.Dropout)
	}
	if c.Model == Transformer {
		for _, v := range []int{c.NumHiddenLayers, c.NumAttentionHeads, c.IntermediateSize} {
			if v <= 0 && !fromInit(v) {
				return fail("transformer: NumHiddenLayers %d, NumAttentionHeads %d and IntermediateSize %d must be positive",
					c.NumHiddenLayers, c.NumAttentionHeads, c.IntermediateSize)
			}
		}
		if c.HiddenSize > 0 && c.NumAttentionHeads > 0 && c.HiddenSize%c.NumAttentionHeads != 0 {
			return fail("transformer: HiddenSize %d is not a multiple of NumAttentionHeads %d", c.HiddenSize,
				c.NumAttentionHeads)
		}
	}
	if n := len(losses.Inputs(c.Loss)); n != 2 && n != 0 {
		return fail("loss %s takes %d inputs (%s); a classifier's loss takes (input, target)", c.Loss, n,
			strings.Join(losses.Inputs(c.Loss), ", "))
	}
	loss, err := losses.New(c.Loss, c.LossArgs)
	if err != nil {
		return nil, nil, nil, err
	}
	opt, err := training.NewOptimizer(c.Optimizer, c.OptimizerArgs)
	if err != nil {
		return nil, nil, nil, err
	}
	sched, err := training.NewSchedule(c.Schedule, c.scheduleArgs())
	if err != nil {
		return nil, nil, nil, err
	}
	return loss, opt, sched, nil
}

// scheduleArgs fills the step counts a schedule needs from Steps when ScheduleArgs leaves them out.
func (c Config) scheduleArgs() map[string]any {
	args := map[string]any{}
	for k, v := range c.ScheduleArgs {
		args[k] = v
	}
	switch strings.ToLower(c.Schedule) {
	case "linear":
		if _, ok := args["num_training_steps"]; !ok {
			args["num_training_steps"] = c.Steps
		}
		if _, ok := args["num_warmup_steps"]; !ok {
			args["num_warmup_steps"] = c.Steps / 10
		}
	case "cosineannealinglr":
		if _, ok := args["T_max"]; !ok {
			args["T_max"] = c.Steps
		}
	}
	return args
}
