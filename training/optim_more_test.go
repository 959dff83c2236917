package training

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
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

// TestNewOptimizerMoreErrors: the by-name path of the new optimizers refuses unknown options, wrong kinds and
// invalid values with one error naming them.
func TestNewOptimizerMoreErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		args map[string]any
		want []string // substrings of the error
	}{
		{"RMSprop", map[string]any{"rho": 0.9}, []string{`unknown option "rho"`, "alpha", "centered"}},
		{"RMSprop", map[string]any{"alpha": -0.1}, []string{"invalid alpha value: -0.1"}},
		{"RMSprop", map[string]any{"momentum": -1}, []string{"invalid momentum value: -1"}},
		{"Adagrad", map[string]any{"lr_decay": -1}, []string{"invalid lr_decay value: -1"}},
		{"Adagrad", map[string]any{"initial_accumulator_value": -1},
			[]string{"invalid initial_accumulator_value value: -1"}},
		{"NAdam", map[string]any{"momentum_decay": -1}, []string{"invalid momentum_decay value: -1"}},
		{"NAdam", map[string]any{"maximize": true}, []string{`unknown option "maximize"`}},
		{"RAdam", map[string]any{"betas": []any{0.9, 1.0}}, []string{"invalid beta parameter at index 1: 1"}},
		{"LAMB", map[string]any{"b1": 0.9}, []string{`option "learning_rate" is required`}},
		{"LAMB", map[string]any{"lr": 0.1}, []string{`unknown option "lr"`, "learning_rate", "eps_root"}},
		{"LAMB", map[string]any{"learning_rate": 0.1, "b2": 1.0}, []string{"invalid b2: 1"}},
		{"Lion", map[string]any{"learning_rate": 1e-4, "mu_dtype": "int32"},
			[]string{`option "mu_dtype" must be a float dtype name`}},
		{"Lion", map[string]any{"learning_rate": -1e-4}, []string{"invalid learning_rate: -0.0001"}},
		{"Adafactor", map[string]any{"min_dim_size_to_factor": 1.5},
			[]string{`option "min_dim_size_to_factor" must be an integer`}},
		{"Adafactor", map[string]any{"momentum": 1.0}, []string{"invalid momentum: 1"}},
		{"Adafactor", map[string]any{"decay_rate": 0}, []string{"invalid decay_rate: 0"}},
		{"Adafactor", map[string]any{"mask": []any{"bias"}}, []string{`unknown option "mask"`, "no_decay"}},
	} {
		_, err := NewOptimizer(tc.name, tc.args)
		if err == nil {
			t.Errorf("NewOptimizer(%q, %v): no error", tc.name, tc.args)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("NewOptimizer(%q, %v) = %q, want it to mention %q", tc.name, tc.args, err, w)
			}
		}
	}
}

// TestNewOptimizerMoreValues: optax's None switches Adafactor's options off, names match ignoring case, and the
// descriptions use the reference's spelling.
func TestNewOptimizerMoreValues(t *testing.T) {
	for _, tc := range []struct {
		name string
		args map[string]any
		want string
	}{
		{"rmsprop", nil, "RMSprop(lr=0.01, alpha=0.99, eps=1e-08, weight_decay=0, momentum=0, centered=false)"},
		{"adagrad", map[string]any{"lr": 0.1}, "Adagrad(lr=0.1, lr_decay=0, weight_decay=0, " +
			"initial_accumulator_value=0, eps=1e-10)"},
		{"NAdam", nil, "NAdam(lr=0.002, betas=(0.9, 0.999), eps=1e-08, weight_decay=0, momentum_decay=0.004)"},
		{"RAdam", nil, "RAdam(lr=0.001, betas=(0.9, 0.999), eps=1e-08, weight_decay=0)"},
		{"lamb", map[string]any{"learning_rate": 1e-3, "weight_decay": 0.01},
			"lamb(learning_rate=0.001, b1=0.9, b2=0.999, eps=1e-06, eps_root=0, weight_decay=0.01)"},
		{"lion", map[string]any{"learning_rate": 1e-4, "mu_dtype": "bfloat16"},
			"lion(learning_rate=0.0001, b1=0.9, b2=0.99, mu_dtype=bfloat16, weight_decay=0.001)"},
		{"adafactor", nil, "adafactor(learning_rate=1, min_dim_size_to_factor=128, decay_rate=0.8, decay_offset=0, " +
			"multiply_by_parameter_scale=true, clipping_threshold=1, momentum=None, dtype_momentum=float32, " +
			"weight_decay_rate=None, eps=1e-30, factored=true)"},
		{"Adafactor", map[string]any{"learning_rate": nil, "clipping_threshold": nil, "momentum": 0.9,
			"dtype_momentum": "float64", "weight_decay_rate": nil},
			"adafactor(learning_rate=1, min_dim_size_to_factor=128, decay_rate=0.8, decay_offset=0, " +
				"multiply_by_parameter_scale=true, clipping_threshold=None, momentum=0.9, dtype_momentum=float64, " +
				"weight_decay_rate=None, eps=1e-30, factored=true)"},
	} {
		opt, err := NewOptimizer(tc.name, tc.args)
		if err != nil {
			t.Errorf("NewOptimizer(%q, %v): %v", tc.name, tc.args, err)
			continue
		}
		if got := opt.(fmt.Stringer).String(); got != tc.want {
			t.Errorf("NewOptimizer(%q, %v) = %s, want %s", tc.name, tc.args, got, tc.want)
		}
	}
}

// TestAdafactorFactoredAxes: optax's _factored_dims, including ties and rank 3.
func TestAdafactorFactoredAxes(t *testing.T) {
	o := NewAdafactor()
	o.MinDimSizeToFactor = 4
	for _, tc := range []struct {
		dims []int
		a, b int
		ok   bool
	}{
		{[]int{8}, 0, 0, false},
		{[]int{8, 3}, 0, 0, false},
		{[]int{8, 4}, 0, 1, true},
		{[]int{4, 8}, 1, 0, true},
		{[]int{5, 5}, 1, 0, true},
		{[]int{6, 2, 9}, 2, 0, true},
		{[]int{2, 7, 7}, 2, 1, true},
	} {
		a, b, ok := o.FactoredAxes(tc.dims)
		if ok != tc.ok || (ok && (a != tc.a || b != tc.b)) {
			t.Errorf("FactoredAxes(%v) = %d, %d, %v; want %d, %d, %v", tc.dims, a, b, ok, tc.a, tc.b, tc.ok)
		}
	}
	o.Factored = false
	if _, _, ok := o.FactoredAxes([]int{512, 512}); ok {
		t.Error("FactoredAxes with Factored false: factored")
	}
}

// stateCases are the new optimizers with options that use all of their state, for the resume and reset tests.
var stateCases = []struct {
	name string
	args map[string]any
}{
	{"RMSprop", map[string]any{"lr": 0.01, "momentum": 0.5, "centered": true, "weight_decay": 0.01}},
	{"Adagrad", map[string]any{"lr": 0.1, "initial_accumulator_value": 0.3, "lr_decay": 0.01}},
	{"NAdam", map[string]any{"lr": 0.05}},
	{"RAdam", map[string]any{"lr": 0.05}},
	{"LAMB", map[string]any{"learning_rate": 0.05, "weight_decay": 0.1, "no_decay": []any{"bias"}}},
	{"Lion", map[string]any{"learning_rate": 0.01, "mu_dtype": "float32"}},
	{"Adafactor", map[string]any{"learning_rate": 0.05, "min_dim_size_to_factor": 2, "momentum": 0.9}},
}

// TestMoreOptimizersResumeExactly: a run of 20 steps checkpointed at step 8 and resumed by a new optimizer (a new
// process would build one from its configuration) ends with exactly (bit for bit) the parameters and optimizer
// state of the uninterrupted run: every state variable (moments, factored moments, μ products, float32
// momenta, step counts) is in the checkpoint.
func TestMoreOptimizersResumeExactly(t *testing.T) {
	golden := loadOptimGolden(t)
	data, err := NewTensorDataset(golden.Problem.X, golden.Problem.Y)
	if err != nil {
		t.Fatal(err)
	}
	run := func(t *testing.T, name string, args map[string]any, steps int, path string, ctx *context.Context) {
		opt, err := NewOptimizer(name, args)
		if err != nil {
			t.Fatal(err)
		}
		cfg := Config{Optimizer: opt, Steps: steps, Schedule: LinearWithWarmup{WarmupSteps: 3, TrainingSteps: 20},
			CheckpointPath: path, Progress: io.Discard}
		if _, err := Train(lib.MustBackend(), ctx, data, linearLoss(golden, false), cfg); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range stateCases {
		t.Run(tc.name, func(t *testing.T) {
			whole := context.New()
			run(t, tc.name, tc.args, 20, "", whole)
			path := filepath.Join(t.TempDir(), "run.ckpt")
			run(t, tc.name, tc.args, 8, path, context.New())
			resumed := context.New()
			run(t, tc.name, tc.args, 20, path, resumed)
			want, got := optimizerValues(t, whole, tc.name), optimizerValues(t, resumed, tc.name)
			if len(want) == 0 || !maps.EqualFunc(want, got, slices.Equal[[]float64]) {
				t.Errorf("resumed run differs from the uninterrupted one:\n got  %v\n want %v", got, want)
			}
			t.Logf("%d variables equal bit for bit", len(want))
		})
	}
}

// optimizerValues returns the trained parameters and the optimizer's state variables, as float64.
func optimizerValues(t *testing.T, ctx *context.Context, name string) map[string][]float64 {
	t.Helper()
	values := map[string][]float64{}
	for v := range ctx.IterVariables() {
		if !strings.HasPrefix(v.Scope(), "/linear") && !strings.HasPrefix(v.Scope(), OptimizersScope+"/"+name) {
			continue
		}
		if v.Name() == stateOwner {
			continue // The instance id differs by design.
		}
		value := v.MustValue()
		var flat []float64
		switch value.DType() {
		case dtypes.Float64:
			flat = tensors.MustCopyFlatData[float64](value)
		case dtypes.Float32:
			for _, x := range tensors.MustCopyFlatData[float32](value) {
				flat = append(flat, float64(x))
			}
		case dtypes.Int64:
			for _, x := range tensors.MustCopyFlatData[int64](value) {
				flat = append(flat, float64(x))
			}
		default:
			t.Fatalf("%s: unexpected dtype %s", v.ScopeAndName(), value.DType())
		}
		values[v.ScopeAndName()] = flat
	}
	return values
}

// TestMoreOptimizersNewInstanceStartsEmpty: a new optimizer on a context that another instance of the same Name
// trained starts as a new torch (or optax) optimizer does, from Adagrad's initial accumulator and NAdam's μ
// product 1: its run equals the same run on a fresh context holding the same parameters.
func TestMoreOptimizersNewInstanceStartsEmpty(t *testing.T) {
	golden := loadOptimGolden(t)
	data, err := NewTensorDataset(golden.Problem.X, golden.Problem.Y)
	if err != nil {
		t.Fatal(err)
	}
	train := func(t *testing.T, ctx *context.Context, name string, args map[string]any, steps int) {
		opt, err := NewOptimizer(name, args)
		if err != nil {
			t.Fatal(err)
		}
		cfg := Config{Optimizer: opt, Steps: steps, Progress: io.Discard}
		if _, err := Train(lib.MustBackend(), ctx, data, linearLoss(golden, false), cfg); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range stateCases {
		t.Run(tc.name, func(t *testing.T) {
			used := context.New()
			train(t, used, tc.name, tc.args, 5)
			weight, bias := variableValues(t, used)
			fresh := context.New()
			w := make([][]float64, 3)
			for i := range w {
				w[i] = weight[2*i : 2*i+2]
			}
			fresh.In("linear").VariableWithValue("weight", w)
			fresh.In("linear").VariableWithValue("bias", bias)
			train(t, used, tc.name, tc.args, 6)
			train(t, fresh, tc.name, tc.args, 6)
			want, got := optimizerValues(t, fresh, tc.name), optimizerValues(t, used, tc.name)
			if !maps.EqualFunc(want, got, slices.Equal[[]float64]) {
				t.Errorf("new optimizer on a used context:\n got  %v\n want %v", got, want)
			}
		})
	}
}
