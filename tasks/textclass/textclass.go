package textclass

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/lossbook/lossbook/lib"
	"github.com/lossbook/lossbook/lib/models"
	"github.com/lossbook/lossbook/lib/tokenize"
	"github.com/lossbook/lossbook/training"
)

// Files of a run directory.
const (
	RunFile        = "run.json"
	VocabFile      = "vocab.txt"
	CheckpointFile = "checkpoint.bin"
	MetricsFile    = "metrics.json"
)

// TaskName is the task's name in run.json and on the command line.
const TaskName = "textclass"

// predictBatch is the number of texts per prediction graph; shorter batches are padded to it, so one graph
// serves every call.
const predictBatch = 64

// Model is a trained text classifier: its configuration, classes, tokenizer and variables.
type Model struct {
	Config  Config
	Classes []string
	// Result is the training history when the model comes from Train (nil after Load).
	Result *training.Result
	// Metrics are the held-out results: the test split's Evaluation after Train, metrics.json's after Load.
	Metrics *Metrics

	tok     *tokenize.Tokenizer
	backend backends.Backend
	ctx     *mlctx.Context
	exec    *mlctx.Exec
	split   *Split // the data split, loaded on first need after Load
}

// Metrics is metrics.json: the test split's evaluation and how training went.
type Metrics struct {
	Test          *Evaluation        `json:"test"`
	Validation    map[string]float64 `json:"validation,omitempty"` // the last evaluation during training
	Steps         int                `json:"steps"`
	TrainSeconds  float64            `json:"train_seconds"` // wall time of the last Train call
	StepsPerSec   float64            `json:"steps_per_second"`
	FinalLoss     float64            `json:"final_loss"`
	TrainExamples int                `json:"train_examples"`
	Backend       string             `json:"backend"`
}

// Prediction is a model's answer for one text.
type Prediction struct {
	Label         int       // index of the most probable class
	Class         string    // its name
	Probabilities []float64 // one per class, in Model.Classes order
}

// runInfo is run.json.
type runInfo struct {
	Task string `json:"task"`
	Config
	Classes []string `json:"classes"`
}

// Tokenizer returns the model's WordPiece tokenizer.
func (m *Model) Tokenizer() *tokenize.Tokenizer { return m.tok }

// Train trains a text classifier as cfg says and, when cfg.Out is set, writes its run directory (see the package
// documentation). ctx cancels training between steps; the last checkpoint written stays usable, and
// cfg.Resume continues from it.
func Train(ctx context.Context, cfg Config) (*Model, error) {
	if _, _, _, err := cfg.validate(); err != nil {
		return nil, err
	}
	cfg, err := cfg.ResolveInit()
	if err != nil {
		return nil, err
	}
	var vocab *tokenize.Vocab
	if cfg.Out != "" {
		v, err := prepareOut(cfg)
		if err != nil {
			return nil, err
		}
		vocab = v
	}
	split, err := LoadSplit(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return trainSplit(ctx, cfg, split, vocab)
}

// prepareOut checks cfg.Out: absent or empty for a new run; a run of the same configuration for a resume,
// whose vocabulary it returns.
func prepareOut(cfg Config) (*tokenize.Vocab, error) {
	return training.PrepareRunDir(training.RunDir{Task: TaskName, Dir: cfg.Out, Resume: cfg.Resume, RunFile: RunFile,
		VocabFile: VocabFile, Ignore: []string{"max_steps", "save_steps", "eval_steps"}}, cfg)
}

func readRunInfo(dir string) (*runInfo, error) {
	var info runInfo
	if err := training.ReadRunFile(filepath.Join(dir, RunFile), TaskName, &info); err != nil {
		return nil, err
	}
	return &info, nil
}

// trainSplit trains on split; vocab, if not nil, is the tokenizer's vocabulary (a resume, or a comparison's shared
// one), else it is the pre-training run's (InitFrom) or one trained on split.Train.
func trainSplit(ctx context.Context, cfg Config, split *Split, vocab *tokenize.Vocab) (*Model, error) {
	loss, opt, sched, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	if cfg, err = cfg.ResolveInit(); err != nil {
		return nil, err
	}
	switch {
	case vocab != nil:
	case cfg.InitFrom != "":
		if vocab, err = pretrainedVocab(cfg.InitFrom); err != nil {
			return nil, err
		}
	default:
		if vocab, err = trainVocab(split.Train, cfg.VocabSize); err != nil {
			return nil, err
		}
	}
	m, err := newModel(cfg, split.Classes, vocab)
	if err != nil {
		return nil, err
	}
	resuming := false
	if cfg.Out != "" {
		_, err := os.Stat(filepath.Join(cfg.Out, CheckpointFile))
		resuming = cfg.Resume && err == nil
	}
	if cfg.InitFrom != "" && !resuming { // a resumed run's checkpoint holds the fine-tuned weights
		if err := m.loadPretrained(); err != nil {
			return nil, err
		}
	}
	m.split = split
	if err := m.ctx.SetRNGStateFromSeed(int64(cfg.Seed)); err != nil {
		return nil, fmt.Errorf("textclass: %w", err)
	}
	if cfg.Out != "" {
		if err := m.writeRunFiles(); err != nil {
			return nil, err
		}
	}
	trainData, err := m.dataset(split.Train)
	if err != nil {
		return nil, err
	}
	pad := int(m.tok.Special().PAD)
	lossFn := func(ctx *mlctx.Context, batch []*graph.Node) (sum, count *graph.Node) {
		logits := m.logits(ctx, batch[0], pad)
		labels := batch[1]
		if ctx.IsTraining(logits.Graph()) {
			l := loss(logits, labels)
			return l, graph.OnesLike(l)
		}
		return training.CrossEntropySumCount(logits, labels, int(tokenize.IgnoreIndex), -1)
	}
	tcfg := training.Config{
		Optimizer: opt, Schedule: sched, Steps: cfg.Steps, BatchSize: cfg.BatchSize, Shuffle: true, Seed: cfg.Seed,
		EvalEvery: cfg.EvalEvery, Progress: cfg.Progress, NoPlot: cfg.NoPlot,
		PlotTitle: "textclass: " + cfg.Model + " on " + filepath.Base(cfg.Data),
		OnStep:    func(training.StepInfo) error { return ctx.Err() },
	}
	// A split without a validation part (a comparison, which scores the test split only) trains without
	// evaluations.
	if len(split.Validation) > 0 {
		if tcfg.EvalData, err = m.dataset(split.Validation); err != nil {
			return nil, err
		}
		tcfg.Eval = func(*mlctx.Context) (map[string]float64, error) {
			ev, err := m.EvaluateExamples(split.Validation)
			if err != nil {
				return nil, err
			}
			return map[string]float64{"accuracy": ev.Accuracy, "macro_f1": ev.MacroF1}, nil
		}
	}
	if cfg.Out != "" {
		tcfg.CheckpointPath = filepath.Join(cfg.Out, CheckpointFile)
		tcfg.CheckpointEvery = cfg.CheckpointEvery
	}
	res, err := training.Train(m.backend, m.ctx, trainData, lossFn, tcfg)
	if err != nil {
		return nil, err
	}
	m.Result = res
	ev, err := m.EvaluateExamples(split.Test)
	if err != nil {
		return nil, err
	}
	ev.Split = "test"
	steps := res.Steps - res.ResumedFrom
	m.Metrics = &Metrics{Test: ev, Validation: res.LastEval(), Steps: res.Steps,
		TrainSeconds: res.Elapsed.Seconds(), StepsPerSec: float64(steps) / res.Elapsed.Seconds(),
		TrainExamples: len(split.Train), Backend: m.backend.Name()}
	if len(res.Losses) > 0 {
		m.Metrics.FinalLoss = res.Losses[len(res.Losses)-1]
	}
	if cfg.Out != "" {
		if err := writeJSONAtomic(filepath.Join(cfg.Out, MetricsFile), m.Metrics); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// newModel makes an untrained model with a tokenizer over vocab and an empty context.
func newModel(cfg Config, classes []string, vocab *tokenize.Vocab) (*Model, error) {
	tok, err := tokenize.New(vocab, tokenize.Uncased())
	if err != nil {
		return nil, fmt.Errorf("textclass: tokenizer: %w", err)
	}
	backend, err := lib.Backend()
	if err != nil {
		return nil, err
	}
	return &Model{Config: cfg, Classes: classes, tok: tok, backend: backend, ctx: mlctx.New()}, nil
}

// writeRunFiles writes run.json and vocab.txt.
func (m *Model) writeRunFiles() error {
	if err := os.MkdirAll(m.Config.Out, 0o755); err != nil {
		return fmt.Errorf("textclass: %w", err)
	}
	if err := m.tok.Vocab().Save(filepath.Join(m.Config.Out, VocabFile)); err != nil {
		return fmt.Errorf("textclass: %w", err)
	}
	return writeJSONAtomic(filepath.Join(m.Config.Out, RunFile), runInfo{Task: TaskName, Config: m.Config,
		Classes: m.Classes})
}

// writeJSONAtomic writes v to path through training.WriteJSONFile (indented JSON, temporary file, rename).
func writeJSONAtomic(path string, v any) error {
	if err := training.WriteJSONFile(path, v); err != nil {
		return fmt.Errorf("textclass: %w", err)
	}
	return nil
}

// Load reads a run directory written by Train: its configuration, vocabulary and checkpoint.
func Load(dir string) (*Model, error) {
	info, err := readRunInfo(dir)
	if err != nil {
		return nil, fmt.Errorf("textclass: %s is not a textclass run directory: %w", dir, err)
	}
	if _, _, _, err := info.Config.validate(); err != nil {
		return nil, fmt.Errorf("textclass: %s: %w", filepath.Join(dir, RunFile), err)
	}
	if len(info.Classes) < 2 {
		return nil, fmt.Errorf("textclass: %s: %d classes, want at least 2", filepath.Join(dir, RunFile),
			len(info.Classes))
	}
	vocab, err := tokenize.LoadVocab(filepath.Join(dir, VocabFile))
	if err != nil {
		return nil, fmt.Errorf("textclass: %w", err)
	}
	cfg := info.Config
	cfg.Out = dir
	m, err := newModel(cfg, info.Classes, vocab)
	if err != nil {
		return nil, err
	}
	if _, err := training.LoadCheckpoint(m.ctx, filepath.Join(dir, CheckpointFile)); err != nil {
		return nil, err
	}
	if b, err := os.ReadFile(filepath.Join(dir, MetricsFile)); err == nil {
		var mt Metrics
		if json.Unmarshal(b, &mt) == nil {
			m.Metrics = &mt
		}
	}
	return m, nil
}

// logits builds the model's class logits [batch, classes] from token ids [batch, seq].
func (m *Model) logits(ctx *mlctx.Context, ids *graph.Node, pad int) *graph.Node {
	cfg := m.Config
	mask := graph.NotEqual(ids, graph.Scalar(ids.Graph(), ids.DType(), pad))
	ctx = ctx.In(modelScope)
	if cfg.Model == Bag {
		return models.BagOfEmbeddings{VocabSize: m.tok.Vocab().Size(), Dim: cfg.HiddenSize,
			NumClasses: len(m.Classes)}.Logits(ctx, ids, mask)
	}
	t := m.transformer()
	return t.PooledLogits(ctx, t.Encode(ctx, ids, nil, mask), len(m.Classes))
}

// modelScope is the context scope of the model's variables.
const modelScope = "textclass"

// transformer is the encoder of a Transformer model. Its embedding table has a row per vocabulary token, or
// VocabSize rows when the model starts from a pre-trained encoder (whose table it takes whole).
func (m *Model) transformer() models.Transformer {
	cfg := m.Config
	rows := m.tok.Vocab().Size()
	if cfg.InitFrom != "" {
		rows = cfg.VocabSize
	}
	return models.Transformer{VocabSize: rows, MaxLen: cfg.MaxLength, NumSegments: cfg.TypeVocabSize,
		Dim: cfg.HiddenSize, NumHeads: cfg.NumAttentionHeads, NumLayers: cfg.NumHiddenLayers,
		FFNDim: cfg.IntermediateSize, Activation: models.GELU, NormFirst: cfg.NormFirst, FinalNorm: cfg.FinalNorm,
		Dropout: cfg.Dropout}
}

// encode returns the token ids of texts, [CLS] and [SEP] added, cut and padded to MaxLength.
func (m *Model) encode(texts []string) ([][]int32, error) {
	enc, err := m.tok.EncodeBatch(texts, tokenize.EncodeOptions{Padding: tokenize.PadMaxLength,
		MaxLength: m.Config.MaxLength, Truncation: true})
	if err != nil {
		return nil, fmt.Errorf("textclass: %w", err)
	}
	return enc.InputIDs, nil
}

// Encode returns the token ids the model sees for each text: [CLS], the WordPiece tokens, [SEP], cut and padded
// with [PAD] to Config.MaxLength.
func (m *Model) Encode(texts []string) ([][]int32, error) { return m.encode(texts) }

// dataset makes the training dataset [ids, labels] of xs.
func (m *Model) dataset(xs []Example) (*training.TensorDataset, error) {
	texts := make([]string, len(xs))
	labels := make([]int32, len(xs))
	for i, x := range xs {
		texts[i], labels[i] = x.Text, int32(x.Label)
	}
	ids, err := m.encode(texts)
	if err != nil {
		return nil, err
	}
	return training.NewTensorDataset(ids, labels)
}

// Predict returns the most probable class of each text and the probabilities of all classes.
func (m *Model) Predict(texts []string) ([]Prediction, error) {
	probs, err := m.Probabilities(texts)
	if err != nil {
		return nil, err
	}
	out := make([]Prediction, len(texts))
	for i, p := range probs {
		best := 0
		for c := range p {
			if p[c] > p[best] {
				best = c
			}
		}
		out[i] = Prediction{Label: best, Class: m.Classes[best], Probabilities: p}
	}
	return out, nil
}

// Probabilities returns the softmax of the model's logits for each text: [len(texts)][len(Classes)].
func (m *Model) Probabilities(texts []string) (probs [][]float64, err error) {
	if m == nil || m.tok == nil {
		return nil, fmt.Errorf("textclass: Probabilities on a nil or untrained Model")
	}
	ids, err := m.encode(texts)
	if err != nil {
		return nil, err
	}
	return m.probabilities(ids)
}

func (m *Model) probabilities(ids [][]int32) (probs [][]float64, err error) {
	defer func() {
		if r := recover(); r != nil {
			probs, err = nil, fmt.Errorf("textclass: predicting: %v", r)
		}
	}()
	if m.exec == nil {
		pad := int(m.tok.Special().PAD)
		m.exec, err = mlctx.NewExec(m.backend, m.ctx.Reuse(), func(ctx *mlctx.Context, ids *graph.Node) *graph.Node {
			return graph.Softmax(graph.ConvertDType(m.logits(ctx, ids, pad), dtypes.Float64), -1)
		})
		if err != nil {
			return nil, fmt.Errorf("textclass: %w", err)
		}
	}
	pad := m.tok.Special().PAD
	probs = make([][]float64, 0, len(ids))
	for start := 0; start < len(ids); start += predictBatch {
		chunk := make([][]int32, predictBatch)
		for i := range chunk {
			if start+i < len(ids) {
				chunk[i] = ids[start+i]
				continue
			}
			row := make([]int32, m.Config.MaxLength)
			for j := range row {
				row[j] = pad
			}
			chunk[i] = row
		}
		out, err := m.exec.Exec(tensors.FromValue(chunk))
		if err != nil {
			return nil, fmt.Errorf("textclass: %w", err)
		}
		rows := out[0].Value().([][]float64)
		for i := 0; i < predictBatch && start+i < len(ids); i++ {
			probs = append(probs, rows[i])
		}
	}
	return probs, nil
}
