package retrieve

import (
	"fmt"
	"io"
	"strings"

	"github.com/lossbook/lossbook/lib"
	"github.com/lossbook/lossbook/lib/data"
	"github.com/lossbook/lossbook/losses"
	"github.com/lossbook/lossbook/training"
)

// Verses is Config.Data's name for lib/data's English-Spanish verse pairs; anything else is read as the path of
// a JSON-lines file of {"book", "chapter", "verse", "source", "target"}.
const Verses = "verses"

// Config configures Train. Field names follow PyTorch, Hugging Face and sentence-transformers; the JSON names are
// those of run.json. DefaultConfig gives the values of the README's numbers.
type Config struct {
	// Data is "verses" or the path of a JSON-lines file of verse pairs (tests use a tiny one).
	Data string `json:"data"`
	// Split is the fractions of chapters for train, validation and test (lib/data.SplitVersePairs).
	Split []float64 `json:"split"`
	// MaxTrainPairs, when positive, keeps only the first MaxTrainPairs training pairs (smoke runs); the
	// validation and test parts are untouched.
	MaxTrainPairs int `json:"max_train_pairs,omitempty"`

	// Loss is a losses.New name whose inputs are embeddings (see the package documentation), LossArgs its
	// keyword arguments (e.g. {"scale": 20}).
	Loss     string         `json:"loss"`
	LossArgs map[string]any `json:"loss_args,omitempty"`
	// Optimizer is a training.NewOptimizer name and OptimizerArgs its keyword arguments.
	Optimizer     string         `json:"optimizer"`
	OptimizerArgs map[string]any `json:"optimizer_args,omitempty"`
	// Schedule is a training.NewSchedule name; "linear" defaults its steps to Steps and its warmup to 10%.
	Schedule     string         `json:"schedule"`
	ScheduleArgs map[string]any `json:"schedule_args,omitempty"`

	Steps     int    `json:"max_steps"`                   // optimizer steps
	BatchSize int    `json:"per_device_train_batch_size"` // translation pairs per step (B - 1 in-batch negatives)
	Seed      uint64 `json:"seed"`                        // the split, the initialisation and the data order

	VocabSize int `json:"vocab_size"` // joint WordPiece vocabulary, trained on both languages of the training split
	MaxLength int `json:"max_length"` // tokens per verse, [CLS] and [SEP] included; longer verses are cut

	HiddenSize        int     `json:"hidden_size"`
	NumHiddenLayers   int     `json:"num_hidden_layers"`
	NumAttentionHeads int     `json:"num_attention_heads"`
	IntermediateSize  int     `json:"intermediate_size"`
	Dropout           float64 `json:"hidden_dropout_prob"`

	EvalEvery       int `json:"eval_steps"` // steps between validation evaluations (0: only at the end)
	EvalSize        int `json:"eval_size"`  // validation verses ranked at each evaluation (0: all)
	CheckpointEvery int `json:"save_steps"` // steps between checkpoints (0: only at the end)

	// Out is the run directory ("" writes none). Resume continues the run in Out from its checkpoint.
	Out    string `json:"-"`
	Resume bool   `json:"-"`
	// DataOptions says where data sets are cached and fetched from.
	DataOptions data.Options `json:"-"`
	// Progress receives the progress bar (nil: training's default; io.Discard: none).
	Progress io.Writer `json:"-"`
	// NoPlot skips the live loss curve in a notebook.
	NoPlot bool `json:"-"`
	// OnStep, if set, is called after every step (training.Config.OnStep).
	OnStep func(training.StepInfo) error `json:"-"`
}

// DefaultConfig is in-batch negatives (MultipleNegativesRankingLoss, scale 20) on the verse pairs split 90/5/5 by
// chapter: a joint WordPiece vocabulary of 8,000, 48 tokens a verse, a 2-layer encoder of width 64 (4 heads,
// feed-forward 128), AdamW lr 1e-3 with a linear schedule (10% warmup), 1,500 steps of 64 pairs, seed 1.
func DefaultConfig() Config {
	return Config{
		Data:              Verses,
		Split:             []float64{0.9, 0.05, 0.05},
		Loss:              "MultipleNegativesRankingLoss",
		Optimizer:         "AdamW",
		OptimizerArgs:     map[string]any{"lr": 1e-3},
		Schedule:          "linear",
		Steps:             1500,
		BatchSize:         64,
		Seed:              1,
		VocabSize:         8000,
		MaxLength:         48,
		HiddenSize:        64,
		NumHiddenLayers:   2,
		NumAttentionHeads: 4,
		IntermediateSize:  128,
		EvalEvery:         250,
		EvalSize:          500,
		CheckpointEvery:   250,
	}
}

// Smoke shrinks c to a run of seconds (notebooks under LOSSBOOK_SMOKE, tests): 30 steps of 16 pairs from the
// first 2,000 training pairs, a 2,000-token vocabulary, 32 tokens a verse, one layer of width 32, 200 validation
// verses.
func (c Config) Smoke() Config {
	c.Steps, c.BatchSize, c.VocabSize, c.MaxLength, c.MaxTrainPairs = 30, 16, 2000, 32, 2000
	c.HiddenSize, c.NumHiddenLayers, c.NumAttentionHeads, c.IntermediateSize = 32, 1, 2, 64
	c.EvalEvery, c.CheckpointEvery, c.EvalSize = 15, 15, 200
	return c
}

// SizedConfig is DefaultConfig, or its Smoke size when LOSSBOOK_SMOKE is set.
func SizedConfig() Config {
	if lib.Smoke() {
		return DefaultConfig().Smoke()
	}
	return DefaultConfig()
}

// Validate checks c without reading any data, returning one error naming what is wrong and what is valid.
func (c Config) Validate() error {
	_, _, _, err := c.validate()
	return err
}

// lossKinds are the input signatures the task can feed, by the registry's input names.
var lossKinds = map[string]string{
	"anchors,candidates":       "in-batch",
	"embeddings,labels":        "labelled",
	"input1,input2,target":     "pairs",
	"anchor,positive,negative": "triplets",
}

// lossKind returns how the task feeds the loss name, or "".
func lossKind(name string) string {
	return lossKinds[strings.Join(losses.Inputs(name), ",")]
}

func (c Config) validate() (losses.Loss, training.Optimizer, training.Schedule, error) {
	fail := func(format string, a ...any) (losses.Loss, training.Optimizer, training.Schedule, error) {
		return nil, nil, nil, fmt.Errorf("retrieve: "+format, a...)
	}
	switch {
	case c.Data == "":
		return fail("Data is empty; want %q or the path of a .jsonl file of verse pairs", Verses)
	case len(c.Split) < 2 || len(c.Split) > 3:
		return fail("Split %v must hold 2 or 3 fractions (train, [validation,] test)", c.Split)
	case c.Steps <= 0:
		return fail("Steps %d must be positive", c.Steps)
	case c.BatchSize < 2:
		return fail("BatchSize %d must be at least 2 (a pair and one negative)", c.BatchSize)
	case c.VocabSize < 16:
		return fail("VocabSize %d is too small (want at least 16)", c.VocabSize)
	case c.MaxLength < 3:
		return fail("MaxLength %d is too small (want at least 3: [CLS], a token, [SEP])", c.MaxLength)
	case c.HiddenSize <= 0 || c.NumHiddenLayers <= 0 || c.NumAttentionHeads <= 0 || c.IntermediateSize <= 0:
		return fail("HiddenSize %d, NumHiddenLayers %d, NumAttentionHeads %d and IntermediateSize %d must be positive",
			c.HiddenSize, c.NumHiddenLayers, c.NumAttentionHeads, c.IntermediateSize)
	case c.HiddenSize%c.NumAttentionHeads != 0:
		return fail("HiddenSize %d is not a multiple of NumAttentionHeads %d", c.HiddenSize, c.NumAttentionHeads)
	case !(c.Dropout >= 0 && c.Dropout < 1):
		return fail("Dropout %g must be in [0, 1)", c.Dropout)
	case c.MaxTrainPairs < 0:
		return fail("MaxTrainPairs %d must not be negative", c.MaxTrainPairs)
	case c.EvalEvery < 0 || c.CheckpointEvery < 0 || c.EvalSize < 0:
		return fail("EvalEvery %d, EvalSize %d and CheckpointEvery %d must not be negative", c.EvalEvery,
			c.EvalSize, c.CheckpointEvery)
	}
	loss, err := losses.New(c.Loss, c.LossArgs)
	if err != nil {
		return nil, nil, nil, err
	}
	if lossKind(c.Loss) == "" {
		return fail("loss %s takes (%s); a retriever's loss takes embeddings: (anchors, candidates), (embeddings, "+
			"labels), (input1, input2, target) or (anchor, positive, negative)", c.Loss,
			strings.Join(losses.Inputs(c.Loss), ", "))
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
