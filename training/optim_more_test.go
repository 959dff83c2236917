package training

import (
	"encoding/json"
	"io"
	"maps"
	"math"
	"os"
	"testing"

	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/lossbook/lossbook/lib"
)

// closeXLAPow32 compares lossbook's Adafactor with optax.adafactor as shipped, whose float32 decay schedule
// 1 − t^−0.8 uses XLA's float32 power, one ulp off the correctly rounded value at t = 4: over 20 steps that moves
// the float64 parameters by up to 2.7e-7 (gen_optax.py records it per case as max_weight_diff_optax).
const closeXLAPow32 = 1e-6

// optaxGolden is training/testdata/optax.json, written by gen_optax.py in optim.json's format.
type optaxGolden struct {
	JAXVersion   string `json:"jax_version"`
	OptaxVersion string `json:"optax_version"`
	Command      string
	Steps        int
	Problem      struct {
		X, Y, Weight [][]float64
		Bias         []float64
	}
	Cases []struct {
		optimCase
		// TraceOptax is optax.adafactor's trace as shipped (Adafactor cases only; see closeXLAPow32).
		TraceOptax   []goldenStep `json:"trace_optax"`
		MaxDiffOptax float64      `json:"max_weight_diff_optax"`
	}
}

// goldenStep is one step of a golden trace.
type goldenStep struct {
	LR, Loss     float64
	GradNorm     float64 `json:"grad_norm"`
	Weight, Bias []float64
}

func loadOptaxGolden(t *testing.T) *optaxGolden {
	t.Helper()
	raw, err := os.ReadFile("testdata/optax.json")
	if err != nil {
		t.Fatal(err)
	}
	var golden optaxGolden
	if err := json.Unmarshal(raw, &golden); err != nil {
		t.Fatal(err)
	}
	if len(golden.Cases) == 0 || golden.Steps == 0 {
		t.Fatal("testdata/optax.json has no cases")
	}
	return &golden
}

// asOptimGolden gives the optax golden's problem in the torch golden's type, for linearLoss.
func (o *optaxGolden) asOptimGolden() *optimGolden {
	var golden optimGolden
	golden.Steps = o.Steps
	golden.Problem = o.Problem
	return &golden
}

// trainGolden trains the golden problem with the case's optimizer (built by name from its options) and schedule,
// full batch, and returns the parameters after each step, the learning rates and the losses.
func trainGolden(t *testing.T, golden *optimGolden, c optimCase) []goldenStep {
	t.Helper()
	args := maps.Clone(c.Kwargs)
	maps.Copy(args, c.Clip)
	opt, err := NewOptimizer(c.Optimizer, args)
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Optimizer: opt, Steps: golden.Steps, Progress: io.Discard}
	if c.Schedule != nil {
		if cfg.Schedule, err = NewSchedule(c.Schedule.Name, c.Schedule.Args); err != nil {
			t.Fatal(err)
		}
	}
	data, err := NewTensorDataset(golden.Problem.X, golden.Problem.Y)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.New()
	var got []goldenStep
	cfg.OnStep = func(info StepInfo) error {
		weight, bias := variableValues(t, ctx)
		got = append(got, goldenStep{LR: info.LR, Loss: info.Loss, Weight: weight, Bias: bias})
		return nil
	}
	if _, err := Train(lib.MustBackend(), ctx, data, linearLoss(golden, c.NegateLoss), cfg); err != nil {
		t.Fatal(err)
	}
	if StepCount(ctx, opt) != int64(golden.Steps) {
		t.Errorf("optimizer counted %d steps, want %d", StepCount(ctx, opt), golden.Steps)
	}
	return got
}

// compareTrace reports the steps where got differs from want by more than tol and returns the largest parameter
// difference.
func compareTrace(t *testing.T, got, want []goldenStep, tol float64) float64 {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d steps, want %d", len(got), len(want))
	}
	worst := 0.0
	for i, w := range want {
		g := got[i]
		if !near(g.LR, w.LR, tol) || !near(g.Loss, w.Loss, tol) || !nearAll(g.Weight, w.Weight, tol) ||
			!nearAll(g.Bias, w.Bias, tol) {
			t.Errorf("step %d:\n  got  lr=%.17g loss=%.17g weight=%v bias=%v\n  want lr=%.17g loss=%.17g "+
				"weight=%v bias=%v", i+1, g.LR, g.Loss, g.Weight, g.Bias, w.LR, w.Loss, w.Weight, w.Bias)
		}
		for j := range w.Weight {
			worst = math.Max(worst, math.Abs(g.Weight[j]-w.Weight[j]))
		}
		for j := range w.Bias {
			worst = math.Max(worst, math.Abs(g.Bias[j]-w.Bias[j]))
		}
	}
	return worst
}

// TestOptimizersMatchOptax runs every optax golden case (LAMB, Lion, Adafactor) through NewOptimizer, NewSchedule
// and Train and compares each step's learning rate, loss and parameters with optax's, to float64 rounding
// (close10); Adafactor also against optax.adafactor as shipped, within closeXLAPow32.
func TestOptimizersMatchOptax(t *testing.T) {
	golden := loadOptaxGolden(t)
	t.Logf("golden: jax %s, optax %s, %d cases of %d steps (%s)", golden.JAXVersion, golden.OptaxVersion,
		len(golden.Cases), golden.Steps, golden.Command)
	problem := golden.asOptimGolden()
	for _, c := range golden.Cases {
		t.Run(c.Name, func(t *testing.T) {
			got := trainGolden(t, problem, c.optimCase)
			want := make([]goldenStep, len(c.Trace))
			for i, s := range c.Trace {
				want[i] = goldenStep{LR: s.LR, Loss: s.Loss, Weight: s.Weight, Bias: s.Bias}
			}
			worst := compareTrace(t, got, want, close10)
			t.Logf("largest parameter difference from optax over %d steps: %.3g", golden.Steps, worst)
			if c.TraceOptax != nil {
				worst := compareTrace(t, got, c.TraceOptax, closeXLAPow32)
				t.Logf("from optax.adafactor as shipped: %.3g (golden: %.3g)", worst, c.MaxDiffOptax)
			}
		})
	}
}
