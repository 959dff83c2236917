package training

import (
	"fmt"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX graph code reads best with the dot import.
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// RMSprop is the RMSprop optimizer with torch.optim.RMSprop's update and options. Per trained variable θ with
// gradient g, with α = Alpha, μ = Momentum:
//
//	g ← −g                          if Maximize
//	g ← g + λ θ                     if WeightDecay λ ≠ 0 (L2, coupled), unless NoDecay picks θ
//	v ← α v + (1 − α) g²            square_avg
//	ḡ ← α ḡ + (1 − α) g             grad_avg, if Centered
//	d ← √(v − ḡ²) + ε if Centered, else √v + ε
//	b ← μ b + g / d;  θ ← θ − lr · b     if μ > 0 (momentum_buffer, zero at the start)
//	θ ← θ − lr · g / d                    otherwise
//
// ε is added outside the square root, as torch does (Keras and TF1 add it inside). The state per variable is
// torch's: "square_avg", "grad_avg" (Centered), "momentum_buffer" (Momentum > 0) and "step". See Optimizer.
//
// PyTorch equivalent: torch.optim.RMSprop(params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
// centered=False, maximize=False).
//
// References: Hinton, Srivastava & Swersky, "Neural Networks for Machine Learning", lecture 6e, 2012 (RMSprop);
// Graves, "Generating Sequences With Recurrent Neural Networks", 2013 (the centered form).
type RMSprop struct {
	// LR is the learning rate (default 1e-2). Schedules scale it.
	LR float64
	// Alpha α is the smoothing constant of the squared-gradient average (default 0.99).
	Alpha float64
	// Eps ε is added to the denominator (default 1e-8).
	Eps float64
	// WeightDecay λ, added to the gradient as λθ (default 0).
	WeightDecay float64
	// Momentum μ (default 0, none).
	Momentum float64
	// Centered normalizes by an estimate of the gradient's variance instead of its second moment.
	Centered bool
	// Maximize maximizes the objective instead of minimizing it.
	Maximize bool
	// NoDecay, if set, picks the variables that get no weight decay (see BiasesAndNorms, NameContains, InScopes).
	NoDecay VariableFilter
	// GradientClipping clips the gradients first (zero value: no clipping).
	GradientClipping

	instance // tells this optimizer's state from another's (see Optimizer)
}

// NewRMSprop returns torch.optim.RMSprop's defaults: lr 1e-2, alpha 0.99, eps 1e-8, no weight decay, no momentum,
// not centered.
func NewRMSprop() *RMSprop {
	return &RMSprop{LR: 1e-2, Alpha: 0.99, Eps: 1e-8}
}

func (o *RMSprop) instanceID() uint64 { return o.get() }

// Name is "RMSprop", torch's class name.
func (o *RMSprop) Name() string { return "RMSprop" }

// BaseLR is LR.
func (o *RMSprop) BaseLR() float64 { return o.LR }

// String describes the configuration in torch's terms.
func (o *RMSprop) String() string {
	s := fmt.Sprintf("RMSprop(lr=%g, alpha=%g, eps=%g, weight_decay=%g, momentum=%g, centered=%v", o.LR, o.Alpha,
		o.Eps, o.WeightDecay, o.Momentum, o.Centered)
	if o.Maximize {
		s += ", maximize=true"
	}
	return s + clippingString(o.GradientClipping) + ")"
}

// Validate checks the configuration with torch.optim.RMSprop's rules.
func (o *RMSprop) Validate() error {
	if err := validLR("learning rate", o.LR); err != nil {
		return err
	}
	switch {
	case !(o.Eps >= 0):
		return fmt.Errorf("invalid epsilon value: %v", o.Eps)
	case !(o.Momentum >= 0):
		return fmt.Errorf("invalid momentum value: %v", o.Momentum)
	case !(o.WeightDecay >= 0):
		return fmt.Errorf("invalid weight_decay value: %v", o.WeightDecay)
	case !(o.Alpha >= 0):
		return fmt.Errorf("invalid alpha value: %v", o.Alpha)
	}
	return o.GradientClipping.validate()
}

// UpdateGraph implements optimizers.Interface.
func (o *RMSprop) UpdateGraph(ctx *context.Context, _ *Graph, loss *Node) {
	updateFromLoss(o, ctx, loss)
}

// UpdateGraphWithGradients implements train.OptimizeWithGradients.
func (o *RMSprop) UpdateGraphWithGradients(ctx *context.Context, grads []*Node, _ dtypes.DType) {
	updateFromGradients(o, ctx, grads)
}

// Clear implements optimizers.Interface: it deletes the optimizer's state.
func (o *RMSprop) Clear(ctx *context.Context) error { return newOptimizerState(ctx, o.Name()).clear() }

// ApplyGradients implements Optimizer.
func (o *RMSprop) ApplyGradients(ctx *context.Context, vars []*context.Variable, grads []*Node) {
	g := checkApply(o, vars, grads)
	mustClaimState(ctx, o)
	state := newOptimizerState(ctx, o.Name())
	lr := state.beginStep(ctx, g, o.LR)
	grads = o.GradientClipping.clip(grads)
	alpha := o.Alpha
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
		_ = state.incrementStep(v, g)
		sqVar := state.perVariable(v, "square_avg")
		sq := Add(MulScalar(sqVar.ValueGraph(g), alpha), Mul(MulScalar(grad, 1-alpha), grad))
		sqVar.SetValueGraph(sq)
		var avg *Node
		if o.Centered {
			gaVar := state.perVariable(v, "grad_avg")
			ga := Add(MulScalar(gaVar.ValueGraph(g), alpha), MulScalar(grad, 1-alpha))
			gaVar.SetValueGraph(ga)
			avg = Sqrt(Sub(sq, Mul(ga, ga)))
		} else {
			avg = Sqrt(sq)
		}
		avg = AddScalar(avg, o.Eps)
		step := Div(grad, avg)
		if o.Momentum > 0 {
			bufVar := state.perVariable(v, stateMomentum)
			step = Add(MulScalar(bufVar.ValueGraph(g), o.Momentum), step)
			bufVar.SetValueGraph(step)
		}
		v.SetValueGraph(Sub(param, Mul(scalarAs(lr, dtype), step)))
	}
}

// rmspropFromArgs reads torch.optim.RMSprop's keyword arguments.
func rmspropFromArgs(k kwargs) (Optimizer, error) {
	valid := append([]string{"lr", "alpha", "eps", "weight_decay", "momentum", "centered", "maximize", "foreach",
		"differentiable"}, lossbookOptimizerOptions...)
	if err := k.check(valid); err != nil {
		return nil, err
	}
	o := NewRMSprop()
	noDecay, err := commonFromArgs(k, &o.GradientClipping)
	o.NoDecay = noDecay
	return o, firstError(err,
		k.float("lr", &o.LR), k.float("alpha", &o.Alpha), k.float("eps", &o.Eps),
		k.float("weight_decay", &o.WeightDecay), k.float("momentum", &o.Momentum), k.bool("centered", &o.Centered),
		k.bool("maximize", &o.Maximize), k.ignoredBool("foreach"), k.ignoredBool("differentiable"))
}
