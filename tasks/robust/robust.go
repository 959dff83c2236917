// Package robust is the robust-regression study of notebook 08: a linear model fitted to synthetic data in
// which a known fraction of the targets are gross outliers, with each regression loss of package losses (MSE,
// L1, Huber, SmoothL1, and Barron's adaptive loss with α and the scale learned), so that the notebook can show
// which losses the outliers pull and how the adaptive loss's α settles (robust with outliers, near 2 without).
//
// It wires: synthetic data (Data), a linear model y = w·x + b held in context variables "w" and "b", a loss by
// registry name, Adam from package training, full-batch steps. It must not own: any loss formula (package
// losses), any optimizer (package training).
package robust

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"strconv"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX's idiom.
	"github.com/gomlx/gomlx/pkg/core/tensors"
	gctx "github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/lossbook/lossbook/lib"
	"github.com/lossbook/lossbook/losses"
	"github.com/lossbook/lossbook/training"
)

// Adaptive is the name Config.Loss takes for Barron's adaptive loss (losses.AdaptiveRobust, α and scale
// learned); the other names are the registry's ("MSELoss", "L1Loss", "HuberLoss", "SmoothL1Loss").
const Adaptive = "AdaptiveRobust"

// Losses lists the losses of the study, in the order the notebook shows them.
var Losses = []string{"MSELoss", "L1Loss", "HuberLoss", "SmoothL1Loss", Adaptive}

// Config describes one run: the data, the loss and the optimisation.
type Config struct {
	// N is the number of training examples; Features the number of inputs x (standard normal).
	N, Features int
	// NoiseStd is the standard deviation of the inliers' Gaussian noise.
	NoiseStd float64
	// OutlierFraction of the training targets (chosen at random) are replaced by gross outliers:
	// y + OutlierShift + OutlierStd·N(0, 1), all on one side, so that they bias a non-robust fit.
	OutlierFraction, OutlierShift, OutlierStd float64
	// Loss is a registry name ("MSELoss", "L1Loss", "HuberLoss", "SmoothL1Loss") or Adaptive.
	Loss string
	// Steps of full-batch Adam with learning rate LR (torch's other defaults).
	Steps int
	LR    float64
	// RecordEvery: the adaptive loss's α and scale are recorded every RecordEvery steps (and after the last).
	RecordEvery int
	// Seed seeds the data (the true weights, inputs, noise and outliers).
	Seed uint64
}

// DefaultConfig is the notebook's full-size run: 1000 examples, 4 features, 20% outliers shifted by +20, 1500
// steps of Adam(lr=0.05). With LOSSBOOK_SMOKE=1 in the environment it is the smoke size (200 examples, 300
// steps).
func DefaultConfig() Config {
	cfg := Config{N: 1000, Features: 4, NoiseStd: 0.5, OutlierFraction: 0.2, OutlierShift: 20, OutlierStd: 5,
		Loss: Adaptive, Steps: 1500, LR: 0.05, RecordEvery: 10, Seed: 8}
	if smoke, _ := strconv.ParseBool(os.Getenv("LOSSBOOK_SMOKE")); smoke {
		cfg.N, cfg.Steps = 200, 300
	}
	return cfg
}

// Validate returns an error naming the first field out of its range.
func (c Config) Validate() error {
	switch {
	case c.N < 2 || c.Features < 1:
		return fmt.Errorf("robust: N %d and Features %d must be >= 2 and >= 1", c.N, c.Features)
	case !(c.NoiseStd > 0) || !(c.OutlierStd >= 0) || math.IsNaN(c.OutlierShift) || math.IsInf(c.OutlierShift, 0):
		return fmt.Errorf("robust: NoiseStd %g must be > 0, OutlierStd %g >= 0, OutlierShift %g finite", c.NoiseStd,
			c.OutlierStd, c.OutlierShift)
	case !(c.OutlierFraction >= 0 && c.OutlierFraction < 1):
		return fmt.Errorf("robust: OutlierFraction %g must be in [0, 1)", c.OutlierFraction)
	case c.Steps < 1 || !(c.LR > 0) || c.RecordEvery < 1:
		return fmt.Errorf("robust: Steps %d, LR %g and RecordEvery %d must be positive", c.Steps, c.LR, c.RecordEvery)
	}
	if c.Loss != Adaptive {
		if _, err := losses.New(c.Loss, nil); err != nil {
			return fmt.Errorf("robust: Loss: %w (or %q)", err, Adaptive)
		}
	}
	return nil
}

// Dataset is the synthetic data of a Config: training inputs and targets, which targets are outliers, a clean
// test set from the same line, and the true weights and bias.
type Dataset struct {
	X        [][]float64
	Y        []float64
	Outlier  []bool
	TestX    [][]float64
	TestY    []float64
	W        []float64
	B        float64
	Outliers int
	// TargetScale, when not 0, is the unit of the targets in the original units of a real data set (the targets
	// were divided by it): Result.TestRMSE and TestMAE are multiplied by it. W is nil when the true weights are
	// unknown (real data).
	TargetScale float64
}

// Data draws the data of cfg (deterministic in cfg.Seed).
func Data(cfg Config) (*Dataset, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x0b5e55ed))
	d := &Dataset{W: make([]float64, cfg.Features), B: 1}
	for j := range d.W {
		d.W[j] = rng.NormFloat64() * 2
	}
	line := func(x []float64) float64 {
		y := d.B
		for j, w := range d.W {
			y += w * x[j]
		}
		return y
	}
	draw := func(n int) ([][]float64, []float64) {
		xs, ys := make([][]float64, n), make([]float64, n)
		for i := range xs {
			xs[i] = make([]float64, cfg.Features)
			for j := range xs[i] {
				xs[i][j] = rng.NormFloat64()
			}
			ys[i] = line(xs[i]) + cfg.NoiseStd*rng.NormFloat64()
		}
		return xs, ys
	}
	d.X, d.Y = draw(cfg.N)
	d.Outlier = make([]bool, cfg.N)
	d.Outliers = int(math.Round(cfg.OutlierFraction * float64(cfg.N)))
	for _, i := range rng.Perm(cfg.N)[:d.Outliers] {
		d.Outlier[i] = true
		d.Y[i] += cfg.OutlierShift + cfg.OutlierStd*rng.NormFloat64()
	}
	d.TestX, d.TestY = draw(cfg.N)
	return d, nil
}

// Result is the outcome of one run.
type Result struct {
	Loss string
	// W and B are the fitted weights and bias; WeightError is ‖(w, b) - (w*, b*)‖₂ (NaN when the true weights
	// are unknown: real data).
	W           []float64
	B           float64
	WeightError float64
	// TestRMSE is the root mean squared error on the clean test set (the noise floor is Config.NoiseStd), TestMAE
	// the mean absolute error; both in the targets' original units (Dataset.TargetScale).
	TestRMSE, TestMAE float64
	// Losses is the training loss of every step (the loss's own units: not comparable across losses).
	Losses []float64
	// RecordedSteps, Alpha and Scale trace the adaptive loss's α and scale (empty for the other losses); Scale is in
	// the targets' original units (Dataset.TargetScale).
	RecordedSteps []int
	Alpha, Scale  []float64
}

// Run trains the linear model of cfg with its loss and returns the fit. ctx is checked between steps.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	d, err := Data(cfg)
	if err != nil {
		return nil, err
	}
	return RunOn(ctx, cfg, d)
}

// RunOn is Run on given data (so that several losses see the same draw).
func RunOn(ctx context.Context, cfg Config, d *Dataset) (*Result, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	ys := make([][]float64, len(d.Y))
	for i, y := range d.Y {
		ys[i] = []float64{y}
	}
	data, err := training.NewTensorDataset(d.X, ys)
	if err != nil {
		return nil, fmt.Errorf("robust: %w", err)
	}
	adaptiveCfg := losses.DefaultAdaptiveRobustConfig()
	adaptiveCfg.Reduction = losses.ReductionSum
	var loss losses.Loss
	if cfg.Loss != Adaptive {
		loss, err = losses.New(cfg.Loss, map[string]any{"reduction": "sum"})
		if err != nil {
			return nil, fmt.Errorf("robust: %w", err)
		}
	}
	lossFn := func(ctx *gctx.Context, batch []*Node) (sum, count *Node) {
		x, y := batch[0], batch[1]
		g := x.Graph()
		w := ctx.VariableWithValue("w", make([]float64, cfg.Features)).ValueGraph(g)
		b := ctx.VariableWithValue("b", 0.0).ValueGraph(g)
		pred := Add(Dot(x, ExpandAxes(w, -1)), b) // [n, 1]
		if cfg.Loss == Adaptive {
			sum = losses.AdaptiveRobust(ctx, pred, y, adaptiveCfg)
		} else {
			sum = loss(pred, y)
		}
		return sum, Scalar(g, sum.DType(), float64(x.Shape().Dimensions[0]))
	}
	mctx := gctx.New()
	opt := training.NewAdam()
	opt.LR = cfg.LR
	res := &Result{Loss: cfg.Loss}
	unit := 1.0
	if d.TargetScale != 0 {
		unit = d.TargetScale
	}
	record := func(step int) error {
		if cfg.Loss != Adaptive {
			return nil
		}
		a, s, err := losses.AdaptiveRobustParams(mctx, adaptiveCfg)
		if err != nil {
			return err
		}
		res.RecordedSteps = append(res.RecordedSteps, step)
		res.Alpha, res.Scale = append(res.Alpha, a[0]), append(res.Scale, unit*s[0])
		return nil
	}
	tr, err := training.Train(lib.MustBackend(), mctx, data, lossFn, training.Config{
		Optimizer: opt, Steps: cfg.Steps, Progress: io.Discard, NoPlot: true,
		OnStep: func(info training.StepInfo) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			if info.Step == 1 || info.Step%cfg.RecordEvery == 0 || info.Step == cfg.Steps {
				return record(info.Step)
			}
			return nil
		}})
	if err != nil {
		return nil, fmt.Errorf("robust: %w", err)
	}
	res.Losses = tr.Losses
	wt, err := mctx.GetVariable("w").Value()
	if err != nil {
		return nil, fmt.Errorf("robust: %w", err)
	}
	bt, err := mctx.GetVariable("b").Value()
	if err != nil {
		return nil, fmt.Errorf("robust: %w", err)
	}
	res.W, res.B = tensors.MustCopyFlatData[float64](wt), tensors.ToScalar[float64](bt)
	res.WeightError = math.NaN()
	if len(d.W) == len(res.W) {
		sq := (res.B - d.B) * (res.B - d.B)
		for j := range res.W {
			sq += (res.W[j] - d.W[j]) * (res.W[j] - d.W[j])
		}
		res.WeightError = math.Sqrt(sq)
	}
	mse, mae := 0.0, 0.0
	for i, x := range d.TestX {
		p := res.B
		for j, w := range res.W {
			p += w * x[j]
		}
		mse += (p - d.TestY[i]) * (p - d.TestY[i])
		mae += math.Abs(p - d.TestY[i])
	}
	res.TestRMSE = unit * math.Sqrt(mse/float64(len(d.TestX)))
	res.TestMAE = unit * mae / float64(len(d.TestX))
	return res, nil
}

// Compare runs every loss of names (Losses if empty) on the same data drawn from cfg.
func Compare(ctx context.Context, cfg Config, names ...string) ([]*Result, error) {
	d, err := Data(cfg)
	if err != nil {
		return nil, err
	}
	return compareOn(ctx, d, names, "robust", func(loss string) Config {
		c := cfg
		c.Loss = loss
		return c
	})
}

// compareOn runs RunOn on d once per loss of names (Losses if empty), with the configuration configFor(loss); an
// error names the loss after prefix.
func compareOn(ctx context.Context, d *Dataset, names []string, prefix string, configFor func(loss string) Config) ([]*Result, error) {
	if len(names) == 0 {
		names = Losses
	}
	out := make([]*Result, 0, len(names))
	for _, name := range names {
		r, err := RunOn(ctx, configFor(name), d)
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", prefix, name, err)
		}
		out = append(out, r)
	}
	return out, nil
}
