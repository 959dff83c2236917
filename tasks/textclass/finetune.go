package textclass

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/lossbook/lossbook/lib/data"
	"github.com/lossbook/lossbook/lib/models"
	"github.com/lossbook/lossbook/lib/tokenize"
	"github.com/lossbook/lossbook/tasks/pretrain"
	"github.com/lossbook/lossbook/training"
)

// FromPretrained returns c set to fine-tune the pre-training run dir (lossbook pretrain --out DIR): the
// transformer model, InitFrom dir, and the architecture fields zeroed (NormFirst and FinalNorm false) so that Train takes them
// from the run.
// The training settings (steps, batch, optimizer, schedule, dropout, data, seed) stay c's.
func (c Config) FromPretrained(dir string) Config {
	c.Model, c.InitFrom = Transformer, dir
	c.VocabSize, c.MaxLength, c.HiddenSize, c.NumHiddenLayers, c.NumAttentionHeads = 0, 0, 0, 0, 0
	c.IntermediateSize, c.TypeVocabSize, c.NormFirst, c.FinalNorm = 0, 0, false, false
	return c
}

// ResolveInit fills the architecture fields that c leaves 0 (and NormFirst and FinalNorm, left false) from the pre-trained
// encoder of c.InitFrom, reading only the run's run.json, and checks those c sets: one error names a missing directory, a run that is not a
// pre-training run, or a field that differs from the encoder's. Without InitFrom it returns c unchanged. Train
// calls it; a command line calls it first to report a conflict as a usage error.
func (c Config) ResolveInit() (Config, error) {
	if c.InitFrom == "" {
		return c, nil
	}
	if c.Model != Transformer {
		return c, fmt.Errorf("textclass: InitFrom (--init) starts a transformer from a pre-trained encoder; Model is %q, want %q",
			c.Model, Transformer)
	}
	if st, err := os.Stat(c.InitFrom); err != nil || !st.IsDir() {
		return c, fmt.Errorf("textclass: InitFrom %s: no such directory; want the run directory of lossbook pretrain", c.InitFrom)
	}
	enc, err := pretrain.EncoderConfig(c.InitFrom)
	if err != nil {
		return c, fmt.Errorf("textclass: InitFrom %s is not a usable pre-training run: %s", c.InitFrom,
			strings.TrimPrefix(err.Error(), "pretrain: "))
	}
	for _, f := range []struct {
		name string
		dst  *int
		want int
	}{
		{"vocab_size", &c.VocabSize, enc.VocabSize}, {"max_length", &c.MaxLength, enc.MaxLen},
		{"hidden_size", &c.HiddenSize, enc.Dim}, {"num_hidden_layers", &c.NumHiddenLayers, enc.NumLayers},
		{"num_attention_heads", &c.NumAttentionHeads, enc.NumHeads},
		{"intermediate_size", &c.IntermediateSize, enc.FFNDim}, {"type_vocab_size", &c.TypeVocabSize, enc.NumSegments},
	} {
		switch {
		case *f.dst == 0:
			*f.dst = f.want
		case *f.dst != f.want:
			return c, fmt.Errorf("textclass: %s %d conflicts with the pre-trained encoder's %d (%s); leave it unset to take the encoder's",
				f.name, *f.dst, f.want, c.InitFrom)
		}
	}
	for _, f := range []struct {
		dst      *bool
		want     bool
		conflict string // the error when c sets the field and the encoder lacks it
	}{
		{&c.NormFirst, enc.NormFirst, "norm_first true (pre-norm) conflicts with the pre-trained encoder's post-norm"},
		{&c.FinalNorm, enc.FinalNorm, "final_norm true conflicts with the pre-trained encoder, which has no final layer norm"},
	} {
		switch {
		case !*f.dst:
			*f.dst = f.want
		case !f.want:
			return c, fmt.Errorf("textclass: %s (%s); leave it unset to take the encoder's", f.conflict, c.InitFrom)
		}
	}
	if enc.Activation != models.GELU || enc.LayerNormEpsilon != 0 || enc.DType != 0 {
		return c, fmt.Errorf("textclass: InitFrom %s: the encoder (activation %q, epsilon %g, dtype %s) is not the "+
			"classifier's (GELU, default epsilon, float32)", c.InitFrom, enc.Activation, enc.LayerNormEpsilon, enc.DType)
	}
	return c, nil
}

// loadPretrained puts the encoder of m.Config.InitFrom into m's context, where logits finds it, and checks that
// it is the architecture of m.Config and that its vocabulary is m's.
func (m *Model) loadPretrained() error {
	enc, tok, err := pretrain.LoadEncoder(m.Config.InitFrom, m.ctx.In(modelScope))
	if err != nil {
		return fmt.Errorf("textclass: InitFrom: %w", err)
	}
	if got := m.transformer(); enc.VocabSize != got.VocabSize || enc.MaxLen != got.MaxLen || enc.Dim != got.Dim ||
		enc.NumHeads != got.NumHeads || enc.NumLayers != got.NumLayers || enc.FFNDim != got.FFNDim ||
		enc.NumSegments != got.NumSegments || enc.NormFirst != got.NormFirst || enc.FinalNorm != got.FinalNorm {
		return fmt.Errorf("textclass: InitFrom %s: the encoder %+v is not the classifier's %+v", m.Config.InitFrom, enc, got)
	}
	if !slices.Equal(tok.Vocab().Tokens(), m.tok.Vocab().Tokens()) {
		return fmt.Errorf("textclass: InitFrom %s: the run's vocabulary is not the one this model encodes with",
			m.Config.InitFrom)
	}
	return nil
}

// pretrainedVocab reads the WordPiece vocabulary of the pre-training run dir.
func pretrainedVocab(dir string) (*tokenize.Vocab, error) {
	v, err := tokenize.LoadVocab(filepath.Join(dir, pretrain.VocabFile))
	if err != nil {
		return nil, fmt.Errorf("textclass: InitFrom: %w", err)
	}
	return v, nil
}

// trainSubset keeps the share f of xs, stratified by label and seeded (data.StratifiedSubset), in xs's order;
// f of 0 or 1 keeps all.
func trainSubset(xs []Example, f float64, seed uint64) ([]Example, error) {
	if f == 0 || f == 1 {
		return xs, nil
	}
	labels := make([]int, len(xs))
	for i, x := range xs {
		labels[i] = x.Label
	}
	keep, err := data.StratifiedSubset(labels, f, seed)
	if err != nil {
		return nil, fmt.Errorf("textclass: TrainFraction: %w", err)
	}
	out := make([]Example, len(keep))
	for i, j := range keep {
		out[i] = xs[j]
	}
	return out, nil
}

// The two arms of a fine-tuning comparison (FineTuneRun.Init).
const (
	Pretrained = "pretrained"
	Scratch    = "scratch"
)

// FineTuneOptions says what CompareFineTuning compares.
type FineTuneOptions struct {
	InitFrom       string              // the pre-training run (lossbook pretrain --out DIR)
	Seeds          []uint64            // split, label subset, initialisation and data order of each run, e.g. 1, 2, 3
	TrainFractions []float64           // shares of the training labels, e.g. 0.1 and 1
	OnRun          func(r FineTuneRun) // if set, called after each run (e.g. to print it as it comes)
}

// FineTuneRun is one training run of a fine-tuning comparison, scored on the test split.
type FineTuneRun struct {
	Init          string  `json:"init"` // Pretrained or Scratch
	TrainFraction float64 `json:"train_fraction"`
	Seed          uint64  `json:"seed"`
	TrainExamples int     `json:"train_examples"`
	Accuracy      float64 `json:"accuracy"`
	MacroF1       float64 `json:"macro_f1"`
	FinalLoss     float64 `json:"final_loss"` // training loss of the last step
	Steps         int     `json:"steps"`
	StepsPerSec   float64 `json:"steps_per_second"` // of the training loop, graph compilation included
	Seconds       float64 `json:"seconds"`          // the whole run: tokenizing, training and scoring
}

// FineTuneSummary is the mean and the sample standard deviation over seeds of one arm at one share of the labels.
type FineTuneSummary struct {
	Init          string  `json:"init"`
	TrainFraction float64 `json:"train_fraction"`
	Seeds         int     `json:"seeds"`
	MacroF1Mean   float64 `json:"macro_f1_mean"`
	MacroF1SD     float64 `json:"macro_f1_sd"`
	AccuracyMean  float64 `json:"accuracy_mean"`
	AccuracySD    float64 `json:"accuracy_sd"`
}

// FineTuneComparison is the result of CompareFineTuning on one data set.
type FineTuneComparison struct {
	Data      string `json:"data"`
	InitFrom  string `json:"model_name_or_path"`
	Classes   int    `json:"classes"`
	TestN     int    `json:"test_examples"`
	Steps     int    `json:"max_steps"`
	BatchSize int    `json:"per_device_train_batch_size"`
	// Config is the pre-trained arm's configuration, architecture filled in; the scratch arm's differs only in
	// model_name_or_path (none).
	Config      Config            `json:"config"`
	Backend     string            `json:"backend"`
	Seconds     float64           `json:"seconds"`      // wall time of the whole comparison
	LoadAverage [2]float64        `json:"load_average"` // 1-minute load average at the start and at the end
	Runs        []FineTuneRun     `json:"runs"`
	Summary     []FineTuneSummary `json:"summary"`
}

// CompareFineTuning trains base's transformer on base.Data twice for every seed and share of the training labels
// in o: once from the pre-trained encoder of o.InitFrom (Pretrained) and once from a random initialisation
// (Scratch), with the same architecture (the encoder's), the same vocabulary (the pre-training run's), the same
// label subset, steps, batch, optimizer, learning-rate schedule and dropout. Only the starting weights differ.
// Each run is scored on the test split (the same for every share), without a run directory or evaluations
// during training (the validation split is not used). It returns every run and, per arm and share, the mean and spread over seeds.
func CompareFineTuning(ctx context.Context, base Config, o FineTuneOptions) (*FineTuneComparison, error) {
	if o.InitFrom == "" || len(o.Seeds) == 0 || len(o.TrainFractions) == 0 {
		return nil, fmt.Errorf("textclass: CompareFineTuning: pre-training run %q, %d seeds, %d label shares; want a run and at least one of each",
			o.InitFrom, len(o.Seeds), len(o.TrainFractions))
	}
	for _, f := range o.TrainFractions {
		if !(f > 0 && f <= 1) {
			return nil, fmt.Errorf("textclass: CompareFineTuning: label share %g, want it in (0, 1]", f)
		}
	}
	start := time.Now()
	pre, err := base.FromPretrained(o.InitFrom).ResolveInit()
	if err != nil {
		return nil, err
	}
	pre.Out, pre.Resume, pre.NoPlot, pre.EvalEvery, pre.TrainFraction = "", false, true, 0, 0
	if _, _, _, err := pre.validate(); err != nil {
		return nil, err
	}
	scratch := pre
	scratch.InitFrom = ""
	vocab, err := pretrainedVocab(o.InitFrom)
	if err != nil {
		return nil, err
	}
	cmp := &FineTuneComparison{Data: pre.Data, InitFrom: o.InitFrom, Steps: pre.Steps, BatchSize: pre.BatchSize,
		Config: pre, LoadAverage: [2]float64{training.LoadAverage(), 0}}
	for _, seed := range o.Seeds {
		c := pre
		c.Seed = seed
		full, err := LoadSplit(ctx, c)
		if err != nil {
			return nil, err
		}
		cmp.Classes, cmp.TestN = len(full.Classes), len(full.Test)
		for _, frac := range o.TrainFractions {
			split := *full
			split.Validation = nil // no evaluations during training: every run is scored on the test split
			if split.Train, err = trainSubset(full.Train, frac, seed); err != nil {
				return nil, err
			}
			for _, arm := range []Config{pre, scratch} {
				arm.Seed = seed
				name := Pretrained
				if arm.InitFrom == "" {
					name = Scratch
				}
				runStart := time.Now()
				m, err := trainSplit(ctx, arm, &split, vocab)
				if err != nil {
					return nil, fmt.Errorf("textclass: CompareFineTuning: %s, seed %d, label share %g: %w", name, seed, frac, err)
				}
				mt := m.Metrics
				cmp.Backend = mt.Backend
				r := FineTuneRun{Init: name, TrainFraction: frac, Seed: seed, TrainExamples: len(split.Train),
					Accuracy: mt.Test.Accuracy, MacroF1: mt.Test.MacroF1, FinalLoss: mt.FinalLoss, Steps: mt.Steps,
					StepsPerSec: mt.StepsPerSec, Seconds: time.Since(runStart).Seconds()}
				cmp.Runs = append(cmp.Runs, r)
				if o.OnRun != nil {
					o.OnRun(r)
				}
			}
		}
	}
	cmp.Summary = summariseFineTuning(cmp.Runs, o.TrainFractions)
	cmp.Seconds, cmp.LoadAverage[1] = time.Since(start).Seconds(), training.LoadAverage()
	return cmp, nil
}

func summariseFineTuning(runs []FineTuneRun, fracs []float64) []FineTuneSummary {
	var out []FineTuneSummary
	for _, frac := range fracs {
		for _, arm := range []string{Pretrained, Scratch} {
			var acc, f1 []float64
			for _, r := range runs {
				if r.Init == arm && r.TrainFraction == frac {
					acc, f1 = append(acc, r.Accuracy), append(f1, r.MacroF1)
				}
			}
			a, f := meanSD(acc), meanSD(f1)
			out = append(out, FineTuneSummary{Init: arm, TrainFraction: frac, Seeds: len(f1), MacroF1Mean: f[0],
				MacroF1SD: f[1], AccuracyMean: a[0], AccuracySD: a[1]})
		}
	}
	return out
}

// Cell returns the summary of one arm (Pretrained or Scratch) at one share of the labels, and whether there is
// one.
func (c *FineTuneComparison) Cell(init string, trainFraction float64) (FineTuneSummary, bool) {
	for _, s := range c.Summary {
		if s.Init == init && s.TrainFraction == trainFraction {
			return s, true
		}
	}
	return FineTuneSummary{}, false
}

// Series is one named line of a plot: points (X[i], Y[i]).
type Series struct {
	Name string
	X, Y []float64
}

// PlotSeries lays the comparison out for a plot of macro-F1 (metric "macro_f1") or accuracy ("accuracy")
// against the share of training labels in percent: one line per arm (pre-trained, then from scratch) through the
// means over seeds, with an error bar of one standard deviation either side of each mean drawn by the same line
// (down to mean − sd, up to mean + sd, back to the mean), so that a bar has its arm's colour. The pre-trained arm
// sits 2 points left of its share, the scratch arm 2 points right, so that their bars do not overlap. It returns
// an error for another metric.
func (c *FineTuneComparison) PlotSeries(metric string) ([]Series, error) {
	if metric != "macro_f1" && metric != "accuracy" {
		return nil, fmt.Errorf("textclass: PlotSeries: metric %q, want macro_f1 or accuracy", metric)
	}
	fracs := map[float64]bool{}
	for _, s := range c.Summary {
		fracs[s.TrainFraction] = true
	}
	order := make([]float64, 0, len(fracs))
	for f := range fracs {
		order = append(order, f)
	}
	slices.Sort(order)
	var out []Series
	for _, arm := range []struct {
		name, label string
		shift       float64
	}{{Pretrained, "pre-trained (±1 sd)", -2}, {Scratch, "from scratch (±1 sd)", 2}} {
		line := Series{Name: arm.label}
		for _, f := range order {
			s, ok := c.Cell(arm.name, f)
			if !ok {
				continue
			}
			m, sd := s.MacroF1Mean, s.MacroF1SD
			if metric == "accuracy" {
				m, sd = s.AccuracyMean, s.AccuracySD
			}
			x := 100*f + arm.shift
			line.X = append(line.X, x, x, x, x)
			line.Y = append(line.Y, m, m-sd, m+sd, m)
		}
		out = append(out, line)
	}
	return out, nil
}

// FineTuneReport is the file `make experiment-finetune` writes (tasks/textclass/testdata/finetune.json when
// committed): the command that produced it and one comparison per data set.
type FineTuneReport struct {
	Command     string                `json:"command"`
	Date        string                `json:"date"` // when it finished, RFC 3339, UTC
	Comparisons []*FineTuneComparison `json:"comparisons"`
}

// ReadFineTuneReport reads a FineTuneReport from path; an error names the file (os.ErrNotExist when it is absent,
// for errors.Is).
func ReadFineTuneReport(path string) (*FineTuneReport, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("textclass: %w", err)
	}
	var r FineTuneReport
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("textclass: %s: %w", path, err)
	}
	if len(r.Comparisons) == 0 {
		return nil, fmt.Errorf("textclass: %s holds no comparison", path)
	}
	return &r, nil
}

// WriteFineTuneReport writes r to path as indented JSON, atomically (a temporary file, then a rename).
func WriteFineTuneReport(path string, r *FineTuneReport) error { return writeJSONAtomic(path, r) }
