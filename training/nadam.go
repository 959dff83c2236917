package training

import (
	"fmt"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX graph code reads best with the dot import.
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// NAdam is Adam with Nesterov momentum, with torch.optim.NAdam's update (torch 1.13). Per trained variable θ with
// gradient g, at its step t (1, 2, ...), with β₁, β₂ = Betas and ψ = MomentumDecay:
//
//	g ← g + λ θ                                 if WeightDecay λ ≠ 0 (L2, coupled), unless NoDecay picks θ
//	μₜ = β₁ (1 − ½ · 0.96^(t ψ)),  μₜ₊₁ likewise
//	Π ← Π · μₜ                                   "mu_product", starting at 1
//	m ← β₁ m + (1 − β₁) g;  v ← β₂ v + (1 − β₂) g²
//	d = √(v / (1 − β₂ᵗ)) + ε
//	θ ← θ − lr (1 − μₜ) / (1 − Π) · g / d − lr μₜ₊₁ / (1 − Π μₜ₊₁) · m / d
//
// The state per variable is torch's "exp_avg", "exp_avg_sq", "mu_product" (a float64 scalar) and "step". See
// Optimizer. torch 1.13's NAdam has no maximize option and no decoupled weight decay (torch 2.1's
// decoupled_weight_decay): lossbook follows 1.13.
//
// PyTorch equivalent: torch.optim.NAdam(params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
// momentum_decay=4e-3).
//
// Reference: Dozat, "Incorporating Nesterov Momentum into Adam", ICLR 2016 workshop.
type NAdam struct {
	// LR is the learning rate (default 2e-3). Schedules scale it.
	LR float64
	// Betas are the decay rates of the first and second moment estimates (default 0.9, 0.999).
	Betas [2]float64
	// Eps ε is added to the denominator (default 1e-8).
	Eps float64
	// WeightDecay λ, added to the gradient as λθ (default 0).
	WeightDecay float64
	// MomentumDecay ψ sets the momentum schedule μₜ (default 4e-3).
	MomentumDecay float64
	// NoDecay, if set, picks the variables that get no weight decay (see BiasesAndNorms, NameContains, InScopes).
	NoDecay VariableFilter
	// GradientClipping clips the gradients first (zero value: no clipping).
	GradientClipping

	instance // tells this optimizer's state from another's (see Optimizer)
}

// NewNAdam returns torch.optim.NAdam's defaults: lr 2e-3, betas (0.9, 0.999), eps 1e-8, weight_decay 0,
// momentum_decay 4e-3.
func NewNAdam() *NAdam {
	return &NAdam{LR: 2e-3, Betas: [2]float64{0.9, 0.999}, Eps: 1e-8, MomentumDecay: 4e-3}
}

func (o *NAdam) instanceID() uint64 { return o.get() }

// Name is "NAdam", torch's class name.
func (o *NAdam) Name() string { return "NAdam" }

// BaseLR is LR.
func (o *NAdam) BaseLR() float64 { return o.LR }

// String describes the configuration in torch's terms.
func (o *NAdam) String() string {
	return fmt.Sprintf("NAdam(lr=%g, betas=(%g, %g), eps=%g, weight_decay=%g, momentum_decay=%g%s)", o.LR,
		o.Betas[0], o.Betas[1], o.Eps, o.WeightDecay, o.MomentumDecay, clippingString(o.GradientClipping))
}

// Validate checks the configuration with torch.optim.NAdam's rules.
func (o *NAdam) Validate() error {
	if err := validateAdamLike(o.LR, o.Betas, o.Eps, o.WeightDecay); err != nil {
		return err
	}
	if !(o.MomentumDecay >= 0) {
		return fmt.Errorf("invalid momentum_decay value: %v", o.MomentumDecay)
	}
	return o.GradientClipping.validate()
}

// validateAdamLike checks lr, betas, eps and weight_decay with torch's rules and messages.
func validateAdamLike(lr float64, betas [2]float64, eps, weightDecay float64) error {
	if err := validLR("learning rate", lr); err != nil {
		return err
	}
	switch {
	case !(eps >= 0):
		return fmt.Errorf("invalid epsilon value: %v", eps)
	case !validFraction(betas[0]):
		return fmt.Errorf("invalid beta parameter at index 0: %v", betas[0])
	case !validFraction(betas[1]):
		return fmt.Errorf("invalid beta parameter at index 1: %v", betas[1])
	case !(weightDecay >= 0):
		return fmt.Errorf("invalid weight_decay value: %v", weightDecay)
	}
	return nil
}

// UpdateGraph implements optimizers.Interface.
func (o *NAdam) UpdateGraph(ctx *context.Context, _ *Graph, loss *Node) { updateFromLoss(o, ctx, loss) }

// UpdateGraphWithGradients implements train.OptimizeWithGradients.
func (o *NAdam) UpdateGraphWithGradients(ctx *context.Context, grads []*Node, _ dtypes.DType) {
	updateFromGradients(o, ctx, grads)
}

// Clear implements optimizers.Interface: it deletes the optimizer's state.
func (o *NAdam) Clear(ctx *context.Context) error { return newOptimizerState(ctx, o.Name()).clear() }

// ApplyGradients implements Optimizer.
func (o *NAdam) ApplyGradients(ctx *context.Context, vars []*context.Variable, grads []*Node) {
	g := checkApply(o, vars, grads)
	mustClaimState(ctx, o)
	state := newOptimizerState(ctx, o.Name())
	lr := state.beginStep(ctx, g, o.LR)
	grads = o.GradientClipping.clip(grads)
	beta1, beta2 := o.Betas[0], o.Betas[1]
	for i, v := range vars {
		dtype := v.DType()
		param := v.ValueGraph(g)
		grad := grads[i]
		if applyDecay(o.WeightDecay, o.NoDecay, v) {
			grad = Add(grad, MulScalar(param, o.WeightDecay))
		}
		step := state.incrementStep(v, g)
		t := ConvertDType(step, dtypes.Float64)
		biasCorrection2 := OneMinus(powScalar(beta2, t))
		mu := MulScalar(OneMinus(MulScalar(powScalar(0.96, MulScalar(t, o.MomentumDecay)), 0.5)), beta1)
		muNext := MulScalar(OneMinus(MulScalar(powScalar(0.96, MulScalar(AddScalar(t, 1), o.MomentumDecay)), 0.5)),
			beta1)
		prodVar := state.perVariableShaped(v, "mu_product", shapes.Make(dtypes.Float64))
		prev := Where(isFirstStep(step), Scalar(g, dtypes.Float64, 1), prodVar.ValueGraph(g))
		muProduct := Mul(prev, mu)
		prodVar.SetValueGraph(muProduct)
		muProductNext := Mul(Mul(muProduct, mu), muNext)

		mVar := state.perVariable(v, stateExpAvg)
		vVar := state.perVariable(v, stateExpAvgSq)
		m := Add(MulScalar(mVar.ValueGraph(g), beta1), MulScalar(grad, 1-beta1))
		sq := Add(MulScalar(vVar.ValueGraph(g), beta2), Mul(MulScalar(grad, 1-beta2), grad))
		mVar.SetValueGraph(m)
		vVar.SetValueGraph(sq)
		denom := AddScalar(Sqrt(Div(sq, scalarAs(biasCorrection2, dtype))), o.Eps)
		gradScale := Div(Mul(lr, OneMinus(mu)), OneMinus(muProduct))
		momentumScale := Div(Mul(lr, muNext), OneMinus(muProductNext))
		param = Sub(param, Mul(scalarAs(gradScale, dtype), Div(grad, denom)))
		param = Sub(param, Mul(scalarAs(momentumScale, dtype), Div(m, denom)))
		v.SetValueGraph(param)
	}
}

// nadamFromArgs reads torch.optim.NAdam's keyword arguments (torch 1.13).
func nadamFromArgs(k kwargs) (Optimizer, error) {
	valid := append([]string{"lr", "betas", "eps", "weight_decay", "momentum_decay", "foreach"},
		lossbookOptimizerOptions...)
	if err := k.check(valid); err != nil {
		return nil, err
	}
	o := NewNAdam()
	noDecay, err := commonFromArgs(k, &o.GradientClipping)
	o.NoDecay = noDecay
	return o, firstError(err,
		k.float("lr", &o.LR), k.floatPair("betas", &o.Betas), k.float("eps", &o.Eps),
		k.float("weight_decay", &o.WeightDecay), k.float("momentum_decay", &o.MomentumDecay),
		k.ignoredBool("foreach"))
}
