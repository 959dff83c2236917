package training

import (
	"fmt"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX graph code reads best with the dot import.
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// Adagrad is the Adagrad optimizer with torch.optim.Adagrad's update and options. Per trained variable θ with
// gradient g, at its step t (1, 2, ...):
//
//	g ← −g                              if Maximize
//	g ← g + λ θ                         if WeightDecay λ ≠ 0 (L2, coupled), unless NoDecay picks θ
//	lrₜ = lr / (1 + (t − 1) · LRDecay)
//	s ← s + g²                          "sum", starting at InitialAccumulatorValue
//	θ ← θ − lrₜ · g / (√s + ε)
//
// The state per variable is torch's "sum" and "step". See Optimizer. torch fills "sum" with
// initial_accumulator_value when the optimizer is built; lossbook's state starts at zero and the first step of a
// variable adds InitialAccumulatorValue, which gives the same numbers (and the same for a variable trained late).
// torch's sparse-gradient path has no counterpart: GoMLX's gradients are dense.
//
// PyTorch equivalent: torch.optim.Adagrad(params, lr=1e-2, lr_decay=0, weight_decay=0,
// initial_accumulator_value=0, eps=1e-10, maximize=False).
//
// Reference: Duchi, Hazan & Singer, "Adaptive Subgradient Methods for Online Learning and Stochastic
// Optimization", JMLR 2011.
type Adagrad struct {
	// LR is the learning rate (default 1e-2). Schedules scale it.
	LR float64
	// LRDecay divides the learning rate by 1 + (t − 1)·LRDecay at step t (default 0).
	LRDecay float64
	// WeightDecay λ, added to the gradient as λθ (default 0).
	WeightDecay float64
	// InitialAccumulatorValue is the starting value of the sum of squared gradients (default 0).
	InitialAccumulatorValue float64
	// Eps ε is added to the denominator (default 1e-10).
	Eps float64
	// Maximize maximizes the objective instead of minimizing it.
	Maximize bool
	// NoDecay, if set, picks the variables that get no weight decay (see BiasesAndNorms, NameContains, InScopes).
	NoDecay VariableFilter
	// GradientClipping clips the gradients first (zero value: no clipping).
	GradientClipping

	instance // tells this optimizer's state from another's (see Optimizer)
}

// NewAdagrad returns torch.optim.Adagrad's defaults: lr 1e-2, lr_decay 0, weight_decay 0,
// initial_accumulator_value 0, eps 1e-10.
func NewAdagrad() *Adagrad {
	return &Adagrad{LR: 1e-2, Eps: 1e-10}
}

func (o *Adagrad) instanceID() uint64 { return o.get() }

// Name is "Adagrad", torch's class name.
func (o *Adagrad) Name() string { return "Adagrad" }

// BaseLR is LR.
func (o *Adagrad) BaseLR() float64 { return o.LR }

// String describes the configuration in torch's terms.
func (o *Adagrad) String() string {
	s := fmt.Sprintf("Adagrad(lr=%g, lr_decay=%g, weight_decay=%g, initial_accumulator_value=%g, eps=%g", o.LR,
		o.LRDecay, o.WeightDecay, o.InitialAccumulatorValue, o.Eps)
	if o.Maximize {
		s += ", maximize=true"
	}
	return s + clippingString(o.GradientClipping) + ")"
}

// Validate checks the configuration with torch.optim.Adagrad's rules.
func (o *Adagrad) Validate() error {
	if err := validLR("learning rate", o.LR); err != nil {
		return err
	}
	switch {
	case !(o.LRDecay >= 0):
		return fmt.Errorf("invalid lr_decay value: %v", o.LRDecay)
	case !(o.WeightDecay >= 0):
		return fmt.Errorf("invalid weight_decay value: %v", o.WeightDecay)
	case !(o.InitialAccumulatorValue >= 0):
		return fmt.Errorf("invalid initial_accumulator_value value: %v", o.InitialAccumulatorValue)
	case !(o.Eps >= 0):
		return fmt.Errorf("invalid epsilon value: %v", o.Eps)
	}
	return o.GradientClipping.validate()
}

// UpdateGraph implements optimizers.Interface.
func (o *Adagrad) UpdateGraph(ctx *context.Context, _ *Graph, loss *Node) {
	updateFromLoss(o, ctx, loss)
}

// UpdateGraphWithGradients implements train.OptimizeWithGradients.
func (o *Adagrad) UpdateGraphWithGradients(ctx *context.Context, grads []*Node, _ dtypes.DType) {
	updateFromGradients(o, ctx, grads)
}

// Clear implements optimizers.Interface: it deletes the optimizer's state.
func (o *Adagrad) Clear(ctx *context.Context) error { return newOptimizerState(ctx, o.Name()).clear() }

// ApplyGradients implements Optimizer.
func (o *Adagrad) ApplyGradients(ctx *context.Context, vars []*context.Variable, grads []*Node) {
	g := checkApply(o, vars, grads)
	mustClaimState(ctx, o)
	state := newOptimizerState(ctx, o.Name())
	lr := state.beginStep(ctx, g, o.LR)
	grads = o.GradientClipping.clip(grads)
	for i, v := range vars {
		dtype := v.DType()
		param := v.ValueGraph(g)
		grad := grads[i]
		if o.Maximize {
			grad = Neg(grad)
		}
		if applyDecay(o.WeightDecay, o.NoDecay, v) {
			grad = Add(grad, MulScalar(param, o.WeightDecay))
		}
		step := state.incrementStep(v, g)
		t := ConvertDType(step, dtypes.Float64)
		clr := Div(lr, AddScalar(MulScalar(AddScalar(t, -1), o.LRDecay), 1))
		sumVar := state.perVariable(v, "sum")
		prev := sumVar.ValueGraph(g)
		if o.InitialAccumulatorValue != 0 {
			prev = Where(isFirstStep(step), Scalar(g, dtype, o.InitialAccumulatorValue), prev)
		}
		sum := Add(prev, Mul(grad, grad))
		sumVar.SetValueGraph(sum)
		std := AddScalar(Sqrt(sum), o.Eps)
		v.SetValueGraph(Sub(param, Mul(scalarAs(clr, dtype), Div(grad, std))))
	}
}

// adagradFromArgs reads torch.optim.Adagrad's keyword arguments.
func adagradFromArgs(k kwargs) (Optimizer, error) {
	valid := append([]string{"lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps", "maximize",
		"foreach", "differentiable"}, lossbookOptimizerOptions...)
	if err := k.check(valid); err != nil {
		return nil, err
	}
	o := NewAdagrad()
	noDecay, err := commonFromArgs(k, &o.GradientClipping)
	o.NoDecay = noDecay
	return o, firstError(err,
		k.float("lr", &o.LR), k.float("lr_decay", &o.LRDecay), k.float("weight_decay", &o.WeightDecay),
		k.float("initial_accumulator_value", &o.InitialAccumulatorValue), k.float("eps", &o.Eps),
		k.bool("maximize", &o.Maximize), k.ignoredBool("foreach"), k.ignoredBool("differentiable"))
}
