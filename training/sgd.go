package training

import (
	"errors"
	"fmt"
	"math"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX graph code reads best with the dot import.
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// SGD is stochastic gradient descent with torch.optim.SGD's update and options. Per trained variable θ with
// gradient g, at step t (1, 2, ...):
//
//	g ← −g                            if Maximize
//	g ← g + λ θ                       if WeightDecay λ ≠ 0 (L2, coupled), unless NoDecay picks θ
//	b ← g at t = 1, else μ b + (1 − τ) g      if Momentum μ ≠ 0 (τ is Dampening; t is θ's own step)
//	g ← g + μ b if Nesterov, else g ← b       if Momentum μ ≠ 0
//	θ ← θ − lr · g
//
// Create it with NewSGD (or NewGD), then set the fields you need; the zero values are torch's defaults. What
// makes it stochastic is the data: one mini-batch per step. With the whole data set at every step (Config.BatchSize
// 0 in Train) it is full-batch gradient descent, which NewGD names.
//
// PyTorch equivalent: torch.optim.SGD(params, lr, momentum=0, dampening=0, weight_decay=0, nesterov=False,
// maximize=False).
type SGD struct {
	// LR is the learning rate (torch's lr, required: it has no default). Schedules scale it.
	LR float64
	// Momentum μ (default 0, none).
	Momentum float64
	// Dampening τ of the momentum (default 0).
	Dampening float64
	// WeightDecay λ, added to the gradient as λθ (L2 regularization; default 0).
	WeightDecay float64
	// Nesterov enables Nesterov momentum; it needs Momentum > 0 and Dampening 0.
	Nesterov bool
	// Maximize maximizes the objective instead of minimizing it.
	Maximize bool
	// NoDecay, if set, picks the variables that get no weight decay (see BiasesAndNorms, NameContains, InScopes).
	NoDecay VariableFilter
	// GradientClipping clips the gradients first (zero value: no clipping).
	GradientClipping

	name     string
	instance // tells this optimizer's state from another's (see Optimizer)
}

// NewSGD returns torch.optim.SGD(params, lr=lr) with torch's defaults: no momentum, no dampening, no weight
// decay, no Nesterov.
func NewSGD(lr float64) *SGD {
	return &SGD{LR: lr, name: "SGD"}
}

// NewGD returns plain (full-batch) gradient descent, θ ← θ − lr·∇L: SGD with no momentum, named "GD".
// It is gradient descent when each step sees the whole data set (Config.BatchSize 0 in Train); torch users write
// torch.optim.SGD(params, lr) and pass the full batch.
func NewGD(lr float64) *SGD {
	return &SGD{LR: lr, name: "GD"}
}

func (o *SGD) instanceID() uint64 { return o.get() }

// Name is "SGD", or "GD" for NewGD.
func (o *SGD) Name() string {
	if o.name == "" {
		return "SGD"
	}
	return o.name
}

// BaseLR is LR.
func (o *SGD) BaseLR() float64 { return o.LR }

// String describes the configuration in torch's terms.
func (o *SGD) String() string {
	s := fmt.Sprintf("%s(lr=%g, momentum=%g, dampening=%g, weight_decay=%g, nesterov=%v", o.Name(), o.LR,
		o.Momentum, o.Dampening, o.WeightDecay, o.Nesterov)
	if o.Maximize {
		s += ", maximize=true"
	}
	return s + clippingString(o.GradientClipping) + ")"
}

// Validate checks the configuration with torch.optim.SGD's rules.
func (o *SGD) Validate() error {
	switch {
	case !(o.LR >= 0) || math.IsInf(o.LR, 0):
		return fmt.Errorf("invalid learning rate: %v", o.LR)
	case !(o.Momentum >= 0):
		return fmt.Errorf("invalid momentum value: %v", o.Momentum)
	case !(o.WeightDecay >= 0):
		return fmt.Errorf("invalid weight_decay value: %v", o.WeightDecay)
	case math.IsNaN(o.Dampening):
		return fmt.Errorf("invalid dampening value: %v", o.Dampening)
	case o.Nesterov && (o.Momentum <= 0 || o.Dampening != 0):
		return errors.New("nesterov momentum requires a momentum and zero dampening")
	}
	return o.GradientClipping.validate()
}

// UpdateGraph implements optimizers.Interface: it builds the gradients of loss for the trainable variables the
// graph uses and applies them.
func (o *SGD) UpdateGraph(ctx *context.Context, _ *Graph, loss *Node) { updateFromLoss(o, ctx, loss) }

// UpdateGraphWithGradients implements train.OptimizeWithGradients.
func (o *SGD) UpdateGraphWithGradients(ctx *context.Context, grads []*Node, _ dtypes.DType) {
	updateFromGradients(o, ctx, grads)
}

// Clear implements optimizers.Interface: it deletes the optimizer's state (step, learning rate, momentum buffers).
func (o *SGD) Clear(ctx *context.Context) error { return newOptimizerState(ctx, o.Name()).clear() }

// ApplyGradients implements Optimizer.
func (o *SGD) ApplyGradients(ctx *context.Context, vars []*context.Variable, grads []*Node) {
	g := checkApply(o, vars, grads)
	mustClaimState(ctx, o)
	state := newOptimizerState(ctx, o.Name())
	lr := state.beginStep(ctx, g, o.LR)
	grads = o.GradientClipping.clip(grads)
	for i, v := range vars {
		dtype := v.DType()
		param := v.ValueGraph(g)
		d := grads[i]
		if o.Maximize {
			d = Neg(d)
		}
		if o.WeightDecay != 0 && (o.NoDecay == nil || !o.NoDecay(v)) {
			d = Add(d, MulScalar(param, o.WeightDecay))
		}
		if o.Momentum != 0 {
			bufVar := state.perVariable(v, stateMomentum)
			damped := d
			if o.Dampening != 0 { // (1 − 0)·d is d: one pass fewer in the common case.
				damped = MulScalar(d, 1-o.Dampening)
			}
			next := Add(MulScalar(bufVar.ValueGraph(g), o.Momentum), damped)
			// torch creates the buffer as g at the variable's first step (its momentum_buffer is None before).
			isFirst := Equal(state.incrementStep(v, g), Scalar(g, dtypes.Int64, 1))
			buf := Where(isFirst, d, next)
			bufVar.SetValueGraph(buf)
			if o.Nesterov {
				d = Add(d, MulScalar(buf, o.Momentum))
			} else {
				d = buf
			}
		}
		v.SetValueGraph(Sub(param, Mul(scalarAs(lr, dtype), d)))
	}
}

// clippingString describes the clipping settings for String methods.
func clippingString(c GradientClipping) string {
	s := ""
	if c.ClipGradValue > 0 {
		s += fmt.Sprintf(", clip_grad_value=%g", c.ClipGradValue)
	}
	if c.MaxGradNorm > 0 {
		s += fmt.Sprintf(", max_grad_norm=%g", c.MaxGradNorm)
		if c.GradNormType != 0 && c.GradNormType != 2 {
			s += fmt.Sprintf(", grad_norm_type=%g", c.GradNormType)
		}
	}
	return s
}
