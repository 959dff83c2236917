package training

import (
	"fmt"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX graph code reads best with the dot import.
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// Lion (EvoLved Sign Momentum) is the optimizer found by program search, with optax.lion's update: the sign of an
// interpolation between the gradient and a momentum, so every element moves by exactly ±lr (plus weight decay).
// Per trained variable θ with gradient g:
//
//	u = sign((1 − b₁) g + b₁ m)
//	m ← (1 − b₂) g + b₂ m                        "mu", kept in MuDType
//	u ← u + λ θ                                  if WeightDecay λ ≠ 0, unless NoDecay picks θ
//	θ ← θ − lr · u
//
// Because its steps have unit size per element, Lion's usual learning rate is 3 to 10 times smaller than AdamW's
// and its weight decay 3 to 10 times larger, for the same effective decay lr·λ (Chen et al., section 5). It keeps
// one moment per parameter, Adam two. sign(0) is 0. The weight decay is decoupled from the gradient and scaled by
// the learning rate, as AdamW's in torch. NoDecay is the complement of optax's mask. The state per variable is
// "mu" and the step count "step" (optax counts steps but does not use the count).
//
// optax equivalent: optax.lion(learning_rate, b1=0.9, b2=0.99, mu_dtype=None, weight_decay=1e-3, mask=None).
// There is no torch.optim.Lion; lion-pytorch, the authors' port, multiplies θ by (1 − lr·λ) before the signed
// step, which is the same update.
//
// Reference: Chen et al., "Symbolic Discovery of Optimization Algorithms", NeurIPS 2023.
type Lion struct {
	// LearningRate is the learning rate (optax's learning_rate, required). Schedules scale it.
	LearningRate float64
	// B1 interpolates the update's direction, B2 is the momentum's decay rate (defaults 0.9, 0.99).
	B1, B2 float64
	// MuDType is the dtype of the momentum: InvalidDType (the zero value, optax's None) keeps the variable's.
	MuDType dtypes.DType
	// WeightDecay λ (default 1e-3).
	WeightDecay float64
	// NoDecay, if set, picks the variables that get no weight decay: the complement of optax's mask.
	NoDecay VariableFilter
	// GradientClipping clips the gradients first (zero value: no clipping).
	GradientClipping

	instance // tells this optimizer's state from another's (see Optimizer)
}

// NewLion returns optax.lion(learning_rate)'s defaults: b1 0.9, b2 0.99, weight_decay 1e-3.
func NewLion(learningRate float64) *Lion {
	return &Lion{LearningRate: learningRate, B1: 0.9, B2: 0.99, WeightDecay: 1e-3}
}

func (o *Lion) instanceID() uint64 { return o.get() }

// Name is "Lion".
func (o *Lion) Name() string { return "Lion" }

// BaseLR is LearningRate.
func (o *Lion) BaseLR() float64 { return o.LearningRate }

// String describes the configuration in optax's terms.
func (o *Lion) String() string {
	return fmt.Sprintf("lion(learning_rate=%g, b1=%g, b2=%g, mu_dtype=%s, weight_decay=%g%s)", o.LearningRate,
		o.B1, o.B2, dtypeName(o.MuDType), o.WeightDecay, clippingString(o.GradientClipping))
}

// Validate checks the configuration: learning_rate and weight_decay >= 0, b1 and b2 in [0, 1], a float MuDType.
func (o *Lion) Validate() error {
	if err := validLR("learning_rate", o.LearningRate); err != nil {
		return err
	}
	switch {
	case !(o.B1 >= 0 && o.B1 <= 1):
		return fmt.Errorf("invalid b1: %v (want 0 <= b1 <= 1)", o.B1)
	case !(o.B2 >= 0 && o.B2 <= 1):
		return fmt.Errorf("invalid b2: %v (want 0 <= b2 <= 1)", o.B2)
	case !(o.WeightDecay >= 0):
		return fmt.Errorf("invalid weight_decay: %v (want >= 0)", o.WeightDecay)
	case o.MuDType != dtypes.InvalidDType && !o.MuDType.IsFloat():
		return fmt.Errorf("invalid mu_dtype: %s (want a float dtype, or none for the variable's)", o.MuDType)
	}
	return o.GradientClipping.validate()
}

// UpdateGraph implements optimizers.Interface.
func (o *Lion) UpdateGraph(ctx *context.Context, _ *Graph, loss *Node) { updateFromLoss(o, ctx, loss) }

// UpdateGraphWithGradients implements train.OptimizeWithGradients.
func (o *Lion) UpdateGraphWithGradients(ctx *context.Context, grads []*Node, _ dtypes.DType) {
	updateFromGradients(o, ctx, grads)
}

// Clear implements optimizers.Interface: it deletes the optimizer's state.
func (o *Lion) Clear(ctx *context.Context) error { return newOptimizerState(ctx, o.Name()).clear() }

// ApplyGradients implements Optimizer.
func (o *Lion) ApplyGradients(ctx *context.Context, vars []*context.Variable, grads []*Node) {
	g := checkApply(o, vars, grads)
	mustClaimState(ctx, o)
	state := newOptimizerState(ctx, o.Name())
	lr := state.beginStep(ctx, g, o.LearningRate)
	grads = o.GradientClipping.clip(grads)
	for i, v := range vars {
		dtype := v.DType()
		param := v.ValueGraph(g)
		grad := grads[i]
		_ = state.incrementStep(v, g)
		muDType := o.MuDType
		if muDType == dtypes.InvalidDType {
			muDType = dtype
		}
		muVar := state.perVariableShaped(v, "mu", shapes.Make(muDType, v.Shape().Dimensions...))
		mu := muVar.ValueGraph(g)
		update := Sign(Add(MulScalar(grad, 1-o.B1), decayed(mu, o.B1, dtype)))
		muVar.SetValueGraph(scalarAsDType(Add(MulScalar(grad, 1-o.B2), decayed(mu, o.B2, dtype)), muDType))
		if applyDecay(o.WeightDecay, o.NoDecay, v) {
			update = Add(update, MulScalar(param, o.WeightDecay))
		}
		v.SetValueGraph(Sub(param, Mul(scalarAs(lr, dtype), update)))
	}
}

// lionFromArgs reads optax.lion's keyword arguments.
func lionFromArgs(k kwargs) (Optimizer, error) {
	valid := append([]string{"learning_rate", "b1", "b2", "mu_dtype", "weight_decay"}, lossbookOptimizerOptions...)
	if err := k.check(valid); err != nil {
		return nil, err
	}
	if !k.has("learning_rate") {
		return nil, k.errorf("option \"learning_rate\" is required (optax.lion has no default learning rate)")
	}
	o := NewLion(0)
	noDecay, err := commonFromArgs(k, &o.GradientClipping)
	o.NoDecay = noDecay
	return o, firstError(err,
		k.float("learning_rate", &o.LearningRate), k.float("b1", &o.B1), k.float("b2", &o.B2),
		k.floatDType("mu_dtype", &o.MuDType), k.float("weight_decay", &o.WeightDecay))
}
