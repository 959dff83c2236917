package textclass

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/lossbook/lossbook/lib/tokenize"
)

// LossSpec is one loss of a comparison: a losses.New name and its arguments. Balanced adds PyTorch's "weight"
// argument with scikit-learn's "balanced" class weights of the training split, n / (classes · n_c).
type LossSpec struct {
	Label    string         // short name for tables, e.g. "CE", "focal γ=2"
	Loss     string         // losses.New name
	Args     map[string]any // its keyword arguments
	Balanced bool           // add weight = n / (C · n_c) from the training split
}

// ComparedLosses are the losses of issue 12's comparison: cross-entropy, cross-entropy with label smoothing 0.1,
// softmax focal loss with γ = 2 (Lin et al., 2017), and class-weighted cross-entropy.
func ComparedLosses() []LossSpec {
	return []LossSpec{
		{Label: "CE", Loss: "CrossEntropyLoss"},
		{Label: "CE, smoothing 0.1", Loss: "CrossEntropyLoss", Args: map[string]any{"label_smoothing": 0.1}},
		{Label: "focal, gamma 2", Loss: "SoftmaxFocalLoss", Args: map[string]any{"gamma": 2.0}},
		{Label: "CE, class weights", Loss: "CrossEntropyLoss", Balanced: true},
	}
}

// CompareRun is one training run of a comparison, scored on the test split.
type CompareRun struct {
	Loss         string  `json:"loss"`          // LossSpec.Label
	SpamFraction float64 `json:"spam_fraction"` // 0: all the spam of the training split
	Seed         uint64  `json:"seed"`
	Accuracy     float64 `json:"accuracy"`
	SpamF1       float64 `json:"spam_f1"` // F1 of the class "spam" (else of the last class)
	MacroF1      float64 `json:"macro_f1"`
	ECE          float64 `json:"ece"`
	Seconds      float64 `json:"seconds"`
}

// CompareSummary is the mean and the sample standard deviation over seeds of one loss on one variant.
type CompareSummary struct {
	Loss         string  `json:"loss"`
	SpamFraction float64 `json:"spam_fraction"`
	Seeds        int     `json:"seeds"`
	AccuracyMean float64 `json:"accuracy_mean"`
	SpamF1Mean   float64 `json:"spam_f1_mean"`
	SpamF1SD     float64 `json:"spam_f1_sd"`
	ECEMean      float64 `json:"ece_mean"`
	ECESD        float64 `json:"ece_sd"`
}

// CompareOptions says what CompareLosses compares.
type CompareOptions struct {
	Losses        []LossSpec         // nil: ComparedLosses()
	Seeds         []uint64           // split, initialisation and data order of each run, e.g. 1, 2, 3
	SpamFractions []float64          // 0 keeps all the spam of the training split; 0.05 is issue 12's imbalanced variant
	OnRun         func(r CompareRun) // if set, called after each run (e.g. to print it as it comes)
}

// CompareLosses trains base's model once for every loss, seed and spam fraction of o, without a run directory or evaluations during training, and scores each on
// the test split. The tokenizer is
// trained once per seed and fraction and shared by the losses, so runs differ only in their loss. It returns
// every run and, per loss and fraction, the mean and spread over seeds.
func CompareLosses(ctx context.Context, base Config, o CompareOptions) ([]CompareRun, []CompareSummary, error) {
	specs, seeds, spamFractions := o.Losses, o.Seeds, o.SpamFractions
	if specs == nil {
		specs = ComparedLosses()
	}
	if len(specs) == 0 || len(seeds) == 0 || len(spamFractions) == 0 {
		return nil, nil, fmt.Errorf("textclass: CompareLosses: %d losses, %d seeds, %d spam fractions; want at least one of each",
			len(specs), len(seeds), len(spamFractions))
	}
	base.Out, base.Resume, base.NoPlot, base.EvalEvery = "", false, true, 0
	var runs []CompareRun
	for _, seed := range seeds {
		cfg := base
		cfg.Seed, cfg.SpamFraction = seed, 0
		full, err := LoadSplit(ctx, cfg)
		if err != nil {
			return nil, nil, err
		}
		for _, frac := range spamFractions {
			split := *full
			if frac > 0 && frac < 1 {
				split.Train = subsample(full.Train, len(full.Classes)-1, frac)
			}
			vocab, err := trainVocab(split.Train, base.VocabSize)
			if err != nil {
				return nil, nil, err
			}
			for _, spec := range specs {
				c := cfg
				c.SpamFraction = frac
				c.Loss, c.LossArgs = spec.Loss, copyArgs(spec.Args)
				if spec.Balanced {
					c.LossArgs["weight"] = balancedWeights(split.Train, len(split.Classes))
				}
				start := time.Now()
				m, err := trainSplit(ctx, c, &split, vocab)
				if err != nil {
					return nil, nil, fmt.Errorf("textclass: CompareLosses: %s, seed %d, spam fraction %g: %w", spec.Label,
						seed, frac, err)
				}
				ev := m.Metrics.Test
				runs = append(runs, CompareRun{Loss: spec.Label, SpamFraction: frac, Seed: seed, Accuracy: ev.Accuracy,
					SpamF1: positiveF1(ev, split.Classes), MacroF1: ev.MacroF1, ECE: ev.ECE,
					Seconds: time.Since(start).Seconds()})
				if o.OnRun != nil {
					o.OnRun(runs[len(runs)-1])
				}
			}
		}
	}
	return runs, summarise(runs, specs, spamFractions), nil
}

func copyArgs(a map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range a {
		out[k] = v
	}
	return out
}

// positiveF1 is the F1 of "spam", else of the last class.
func positiveF1(ev *Evaluation, classes []string) float64 {
	for _, c := range ev.Classes {
		if c.Class == "spam" {
			return c.F1
		}
	}
	return ev.Classes[len(classes)-1].F1
}

// balancedWeights are scikit-learn's compute_class_weight("balanced"): n / (C · n_c), 0 for an absent class.
func balancedWeights(xs []Example, classes int) []float64 {
	counts := make([]float64, classes)
	for _, x := range xs {
		counts[x.Label]++
	}
	w := make([]float64, classes)
	for c, n := range counts {
		if n > 0 {
			w[c] = float64(len(xs)) / (float64(classes) * n)
		}
	}
	return w
}

func trainVocab(xs []Example, size int) (*tokenize.Vocab, error) {
	texts := make([]string, len(xs))
	for i, x := range xs {
		texts[i] = x.Text
	}
	v, err := tokenize.TrainFromSlice(texts, tokenize.TrainOptions{VocabSize: size, Options: tokenize.Uncased()})
	if err != nil {
		return nil, fmt.Errorf("textclass: tokenizer: %w", err)
	}
	return v, nil
}

func summarise(runs []CompareRun, specs []LossSpec, fracs []float64) []CompareSummary {
	var out []CompareSummary
	for _, frac := range fracs {
		for _, spec := range specs {
			var acc, f1, ece []float64
			for _, r := range runs {
				if r.Loss == spec.Label && r.SpamFraction == frac {
					acc, f1, ece = append(acc, r.Accuracy), append(f1, r.SpamF1), append(ece, r.ECE)
				}
			}
			s := CompareSummary{Loss: spec.Label, SpamFraction: frac, Seeds: len(f1), AccuracyMean: meanSD(acc)[0]}
			s.SpamF1Mean, s.SpamF1SD = meanSD(f1)[0], meanSD(f1)[1]
			s.ECEMean, s.ECESD = meanSD(ece)[0], meanSD(ece)[1]
			out = append(out, s)
		}
	}
	return out
}

// meanSD returns the mean and the sample standard deviation (n−1; 0 for one value).
func meanSD(xs []float64) [2]float64 {
	if len(xs) == 0 {
		return [2]float64{math.NaN(), math.NaN()}
	}
	var m float64
	for _, x := range xs {
		m += x
	}
	m /= float64(len(xs))
	if len(xs) == 1 {
		return [2]float64{m, 0}
	}
	var ss float64
	for _, x := range xs {
		ss += (x - m) * (x - m)
	}
	return [2]float64{m, math.Sqrt(ss / float64(len(xs)-1))}
}
