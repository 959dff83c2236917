package robust

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strconv"

	"github.com/lossbook/lossbook/lib/data"
	"github.com/lossbook/lossbook/training"
)

// DiabetesConfig is the study on real data: the diabetes regression of Efron et al. (2004; data.Diabetes), a
// linear model on the ten standardised baseline variables, with a share of the TRAINING targets turned into gross
// outliers (the test targets are never touched).
type DiabetesConfig struct {
	// Dir holds the data files (data.Diabetes; "" is Debian's python3-sklearn copy).
	Dir string
	// TestFraction of the 442 patients, chosen by Seed, form the test set.
	TestFraction float64
	// OutlierFraction of the training targets (chosen by Seed) become y + OutlierShift + OutlierStd·N(0, 1), in
	// the target's units (disease progression: 25 to 346, standard deviation about 77).
	OutlierFraction, OutlierShift, OutlierStd float64
	// Loss, Steps, LR and RecordEvery are as in Config.
	Loss        string
	Steps       int
	LR          float64
	RecordEvery int
	// Seed seeds the split and the outliers.
	Seed uint64
}

// DefaultDiabetesConfig: an 80/20 split, 10% of the training targets shifted by +400 (spread 100: several
// times the spread of the targets), 1000 steps of full-batch Adam(lr=0.05), the adaptive loss. With
// LOSSBOOK_SMOKE=1 in the environment it takes 300 steps.
func DefaultDiabetesConfig() DiabetesConfig {
	cfg := DiabetesConfig{TestFraction: 0.2, OutlierFraction: 0.1, OutlierShift: 400, OutlierStd: 100, Loss: Adaptive,
		Steps: 1000, LR: 0.05, RecordEvery: 10, Seed: 1}
	if smoke, _ := strconv.ParseBool(os.Getenv("LOSSBOOK_SMOKE")); smoke {
		cfg.Steps = 300
	}
	return cfg
}

// config is the Config that RunOn takes for d.
func (c DiabetesConfig) config(d *Dataset) Config {
	return Config{N: len(d.X), Features: data.DiabetesFeatureCount, NoiseStd: 1, OutlierFraction: 0,
		Loss: c.Loss, Steps: c.Steps, LR: c.LR, RecordEvery: c.RecordEvery, Seed: c.Seed}
}

// DiabetesData reads the diabetes data (data.Diabetes), splits it by cfg.Seed, corrupts cfg.OutlierFraction of
// the training targets, and standardises: each feature by its training mean and standard deviation; the targets
// by the median and the normalised median absolute deviation (1.4826·MAD) of the training targets as given,
// outliers included (robust statistics, so that the outliers barely move them), which become
// Dataset.TargetScale. W is nil: the true weights are unknown.
func DiabetesData(cfg DiabetesConfig) (*Dataset, error) {
	switch {
	case !(cfg.TestFraction > 0 && cfg.TestFraction < 1):
		return nil, fmt.Errorf("robust: TestFraction %g must be in (0, 1)", cfg.TestFraction)
	case !(cfg.OutlierFraction >= 0 && cfg.OutlierFraction < 1):
		return nil, fmt.Errorf("robust: OutlierFraction %g must be in [0, 1)", cfg.OutlierFraction)
	case !(cfg.OutlierStd >= 0) || math.IsNaN(cfg.OutlierShift) || math.IsInf(cfg.OutlierShift, 0):
		return nil, fmt.Errorf("robust: OutlierStd %g must be >= 0, OutlierShift %g finite", cfg.OutlierStd,
			cfg.OutlierShift)
	}
	raw, err := data.Diabetes(cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("robust: %w", err)
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0xd1abe7e5))
	perm := rng.Perm(len(raw.X))
	nTest := int(math.Round(cfg.TestFraction * float64(len(raw.X))))
	testIdx, trainIdx := perm[:nTest], perm[nTest:]
	d := &Dataset{Outlier: make([]bool, len(trainIdx))}
	y := make([]float64, len(trainIdx))
	for i, k := range trainIdx {
		y[i] = raw.Y[k]
	}
	d.Outliers = int(math.Round(cfg.OutlierFraction * float64(len(trainIdx))))
	for _, i := range rng.Perm(len(trainIdx))[:d.Outliers] {
		d.Outlier[i] = true
		y[i] += cfg.OutlierShift + cfg.OutlierStd*rng.NormFloat64()
	}
	center := training.Median(y)
	dev := make([]float64, len(y))
	for i, v := range y {
		dev[i] = math.Abs(v - center)
	}
	d.TargetScale = 1.4826 * training.Median(dev)
	for i := range y {
		y[i] = (y[i] - center) / d.TargetScale
	}
	d.Y = y
	for _, k := range testIdx {
		d.TestY = append(d.TestY, (raw.Y[k]-center)/d.TargetScale)
	}
	mean, std := make([]float64, data.DiabetesFeatureCount), make([]float64, data.DiabetesFeatureCount)
	for _, k := range trainIdx {
		for j, v := range raw.X[k] {
			mean[j] += v / float64(len(trainIdx))
		}
	}
	for _, k := range trainIdx {
		for j, v := range raw.X[k] {
			std[j] += (v - mean[j]) * (v - mean[j]) / float64(len(trainIdx))
		}
	}
	scale := func(idx []int) [][]float64 {
		out := make([][]float64, len(idx))
		for i, k := range idx {
			out[i] = make([]float64, data.DiabetesFeatureCount)
			for j, v := range raw.X[k] {
				out[i][j] = (v - mean[j]) / math.Sqrt(std[j])
			}
		}
		return out
	}
	d.X, d.TestX = scale(trainIdx), scale(testIdx)
	return d, nil
}

// CompareDiabetes runs every loss of names (Losses if empty) on the same diabetes split and outliers; the test
// errors and the adaptive loss's scale are in the target's units.
func CompareDiabetes(ctx context.Context, cfg DiabetesConfig, names ...string) ([]*Result, error) {
	d, err := DiabetesData(cfg)
	if err != nil {
		return nil, err
	}
	return compareOn(ctx, d, names, "robust: diabetes", func(loss string) Config {
		c := cfg
		c.Loss = loss
		return c.config(d)
	})
}
