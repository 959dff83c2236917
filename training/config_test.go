package training

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

func TestNewOptimizerErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		args map[string]any
		want []string // substrings of the error
	}{
		{"adamx", nil, []string{`unknown optimizer "adamx"`, "SGD, GD, Adam, AdamW"}},
		{"AdamW", map[string]any{"beta1": 0.9}, []string{`unknown option "beta1"`, "betas", "weight_decay", "no_decay"}},
		{"SGD", map[string]any{"lr": 0.1, "betas": []any{0.9, 0.99}}, []string{`unknown option "betas"`, "momentum"}},
		{"Adam", map[string]any{"lr": "0.1"}, []string{`option "lr" must be a number`, `"0.1" (string)`}},
		{"Adam", map[string]any{"betas": []any{0.9}}, []string{`option "betas" must be a list of 2 numbers`}},
		{"Adam", map[string]any{"betas": "0.9,0.99"}, []string{`option "betas" must be a list of 2 numbers`}},
		{"SGD", map[string]any{"lr": 0.1, "nesterov": 1}, []string{`option "nesterov" must be a bool`}},
		{"SGD", map[string]any{"momentum": 0.9}, []string{`option "lr" is required`}},
		{"SGD", map[string]any{"lr": -1}, []string{"invalid learning rate: -1"}},
		{"SGD", map[string]any{"lr": 0.1, "nesterov": true}, []string{"nesterov momentum requires a momentum"}},
		{"SGD", map[string]any{"lr": 0.1, "momentum": 0.9, "dampening": 0.1, "nesterov": true},
			[]string{"zero dampening"}},
		{"Adam", map[string]any{"betas": []any{1.0, 0.999}}, []string{"invalid beta parameter at index 0: 1"}},
		{"AdamW", map[string]any{"eps": -1e-8}, []string{"invalid epsilon value"}},
		{"AdamW", map[string]any{"weight_decay": -0.1}, []string{"invalid weight_decay value"}},
		{"AdamW", map[string]any{"no_decay": []any{"bias", 3}}, []string{`"no_decay" must be a string or a list`}},
		{"AdamW", map[string]any{"grad_norm_type": "two"}, []string{`"grad_norm_type" must be a number or "inf"`}},
		{"AdamW", map[string]any{"max_grad_norm": -1}, []string{"invalid max_grad_norm"}},
		{"Adam", map[string]any{"foreach": "yes"}, []string{`option "foreach" must be a bool`}},
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
		if !strings.HasPrefix(err.Error(), "training: ") {
			t.Errorf("error %q lacks the package prefix", err)
		}
	}
}

// TestNewOptimizerValues: JSON-decoded and Go-typed arguments give the same optimizers as the typed constructors.
func TestNewOptimizerValues(t *testing.T) {
	var fromJSON map[string]any
	if err := json.Unmarshal([]byte(`{"lr": 0.5, "weight_decay": 0.05, "betas": [0.9, 0.95], "eps": 1e-6,
		"amsgrad": true, "foreach": null, "fused": false, "no_decay": ["bias", "LayerNorm.weight"],
		"max_grad_norm": 1, "grad_norm_type": "inf"}`), &fromJSON); err != nil {
		t.Fatal(err)
	}
	fromGo := map[string]any{"lr": float32(0.5), "weight_decay": 0.05, "betas": [2]float64{0.9, 0.95},
		"eps": 1e-6, "amsgrad": true, "no_decay": []string{"bias", "LayerNorm.weight"}, "max_grad_norm": 1,
		"grad_norm_type": math.Inf(1)}
	want := NewAdamW()
	want.LR, want.WeightDecay, want.Betas, want.Eps, want.AMSGrad = 0.5, 0.05, [2]float64{0.9, 0.95}, 1e-6, true
	want.MaxGradNorm, want.GradNormType = 1, math.Inf(1)
	for name, args := range map[string]map[string]any{"json": fromJSON, "go": fromGo} {
		opt, err := NewOptimizer("adamw", args) // Names match ignoring case.
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got := opt.(*Adam)
		if got.NoDecay == nil {
			t.Fatalf("%s: no_decay ignored", name)
		}
		if got.String() != want.String() {
			t.Errorf("%s: got %s, want %s", name, got, want)
		}
	}

	defaults := []struct {
		name string
		args map[string]any
		want string
	}{
		{"Adam", nil, NewAdam().String()},
		{"AdamW", map[string]any{}, NewAdamW().String()},
		{"SGD", map[string]any{"lr": 1}, NewSGD(1).String()},
		{"GD", map[string]any{"lr": 0.5}, NewGD(0.5).String()},
		{"SGD", map[string]any{"lr": 0.1, "momentum": 0.9, "nesterov": true, "weight_decay": 1e-4},
			"SGD(lr=0.1, momentum=0.9, dampening=0, weight_decay=0.0001, nesterov=true)"},
	}
	for _, d := range defaults {
		opt, err := NewOptimizer(d.name, d.args)
		if err != nil {
			t.Fatal(err)
		}
		if s := opt.(interface{ String() string }).String(); s != d.want {
			t.Errorf("NewOptimizer(%q, %v) = %s, want %s", d.name, d.args, s, d.want)
		}
	}
	if a := NewAdam(); a.LR != 1e-3 || a.Betas != [2]float64{0.9, 0.999} || a.Eps != 1e-8 || a.WeightDecay != 0 {
		t.Errorf("NewAdam() = %s, want torch's defaults", a)
	}
	if a := NewAdamW(); a.WeightDecay != 0.01 || !a.Decoupled || a.Name() != "AdamW" {
		t.Errorf("NewAdamW() = %s, want torch's defaults", a)
	}
}

func TestNewSchedule(t *testing.T) {
	for _, tc := range []struct {
		name string
		args map[string]any
		want string // String() of the schedule, or a substring of the error
		err  bool
	}{
		{"constant", nil, "constant", false},
		{"linear", map[string]any{"num_warmup_steps": 10.0, "num_training_steps": 100},
			"linear(num_warmup_steps=10, num_training_steps=100)", false},
		{"cosineannealinglr", map[string]any{"T_max": 50}, "CosineAnnealingLR(T_max=50, eta_min=0)", false},
		{"StepLR", map[string]any{"step_size": 3}, "StepLR(step_size=3, gamma=0.1)", false},
		{"StepLR", map[string]any{"step_size": 3, "gamma": 0.5}, "StepLR(step_size=3, gamma=0.5)", false},
		{"cosine", nil, `unknown schedule "cosine"; valid names are constant, linear, CosineAnnealingLR, StepLR`, true},
		{"constant", map[string]any{"factor": 0.5}, `unknown option "factor"`, true},
		{"linear", map[string]any{"num_warmup_steps": 10}, `option "num_training_steps" is required`, true},
		{"linear", map[string]any{"num_warmup_steps": 10, "num_training_steps": 5}, "exceeds", true},
		{"CosineAnnealingLR", map[string]any{"T_max": 2.5}, `option "T_max" must be an integer`, true},
		{"CosineAnnealingLR", map[string]any{"T_max": 0}, "T_max must be > 0", true},
		{"StepLR", map[string]any{"step_size": 0}, "step_size must be > 0", true},
	} {
		s, err := NewSchedule(tc.name, tc.args)
		switch {
		case tc.err && err == nil:
			t.Errorf("NewSchedule(%q, %v) = %s, want an error", tc.name, tc.args, s)
		case tc.err && !strings.Contains(err.Error(), tc.want):
			t.Errorf("NewSchedule(%q, %v) error %q, want it to mention %q", tc.name, tc.args, err, tc.want)
		case !tc.err && err != nil:
			t.Errorf("NewSchedule(%q, %v): %v", tc.name, tc.args, err)
		case !tc.err && s.String() != tc.want:
			t.Errorf("NewSchedule(%q, %v) = %s, want %s", tc.name, tc.args, s, tc.want)
		}
	}
}

// TestScheduleValues checks a few values worked out from the formulas (the golden traces check whole sequences
// against torch).
func TestScheduleValues(t *testing.T) {
	for _, tc := range []struct {
		s    Schedule
		step int
		want float64
	}{
		{Constant{}, 7, 2},
		{LinearWithWarmup{WarmupSteps: 5, TrainingSteps: 20}, 0, 0},
		{LinearWithWarmup{WarmupSteps: 5, TrainingSteps: 20}, 2, 2 * 2.0 / 5},
		{LinearWithWarmup{WarmupSteps: 5, TrainingSteps: 20}, 5, 2},
		{LinearWithWarmup{WarmupSteps: 5, TrainingSteps: 20}, 11, 2 * 9.0 / 15},
		{LinearWithWarmup{WarmupSteps: 5, TrainingSteps: 20}, 20, 0},
		{LinearWithWarmup{WarmupSteps: 5, TrainingSteps: 20}, 25, 0},
		{LinearWithWarmup{WarmupSteps: 0, TrainingSteps: 4}, 0, 2},
		{CosineAnnealingLR{TMax: 10, EtaMin: 0.5}, 0, 2},
		{CosineAnnealingLR{TMax: 10, EtaMin: 0.5}, 5, 1.25},
		{CosineAnnealingLR{TMax: 10, EtaMin: 0.5}, 10, 0.5},
		{CosineAnnealingLR{TMax: 10, EtaMin: 0.5}, 20, 2}, // no restart, but the cosine goes on: back at base.
		{StepLR{StepSize: 3, Gamma: 0.5}, 2, 2},
		{StepLR{StepSize: 3, Gamma: 0.5}, 3, 1},
		{StepLR{StepSize: 3, Gamma: 0.5}, 8, 0.5},
	} {
		if got := tc.s.LR(2, tc.step); !near(got, tc.want, 1e-15) {
			t.Errorf("%s.LR(2, %d) = %v, want %v", tc.s, tc.step, got, tc.want)
		}
	}
}

func TestVariableFilters(t *testing.T) {
	ctx := context.New()
	mk := func(scope, name string, dims ...int) *context.Variable {
		return ctx.InAbsPath(scope).VariableWithShape(name, shapes.Make(dtypes.Float32, dims...))
	}
	weights := mk("/encoder/dense", "weights", 4, 4)
	biases := mk("/encoder/dense", "biases", 4)
	gain := mk("/encoder/layer_norm", "gain", 4)
	normalize := mk("/encoder/normalize", "w", 4, 4)
	for _, tc := range []struct {
		name   string
		filter VariableFilter
		picks  map[*context.Variable]bool
	}{
		{"BiasesAndNorms", BiasesAndNorms, map[*context.Variable]bool{biases: true, gain: true}},
		{"NameContains(bias, norm)", NameContains("bias", "_norm"), map[*context.Variable]bool{biases: true, gain: true}},
		{"InScopes(/encoder/layer_norm)", InScopes("/encoder/layer_norm/"), map[*context.Variable]bool{gain: true}},
		{"InScopes(/encoder)", InScopes("/encoder"),
			map[*context.Variable]bool{weights: true, biases: true, gain: true, normalize: true}},
		{"InScopes(/encoder/norm)", InScopes("/encoder/norm"), map[*context.Variable]bool{}},
	} {
		for _, v := range []*context.Variable{weights, biases, gain, normalize} {
			if got := tc.filter(v); got != tc.picks[v] {
				t.Errorf("%s(%s) = %v, want %v", tc.name, v.ScopeAndName(), got, tc.picks[v])
			}
		}
	}
}
