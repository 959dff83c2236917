package training

import (
	"fmt"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX graph code reads best with the dot import.
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// RAdam is Rectified Adam with torch.optim.RAdam's update (torch 1.13). Per trained variable θ with gradient g, at
// its step t (1, 2, ...), with β₁, β₂ = Betas:
//
//	g ← g + λ θ                                 if WeightDecay λ ≠ 0 (L2, coupled), unless NoDecay picks θ
//	m ← β₁ m + (1 − β₁) g;  v ← β₂ v + (1 − β₂) g²
//	m̂ = m / (1 − β₁ᵗ)
//	ρ∞ = 2 / (1 − β₂) − 1;  ρₜ = ρ∞ − 2 t β₂ᵗ / (1 − β₂ᵗ)
//	if ρₜ > 5:  r = √((ρₜ − 4)(ρₜ − 2) ρ∞ / ((ρ∞ − 4)(ρ∞ − 2) ρₜ))
//	            θ ← θ − lr · m̂ · r · √(1 − β₂ᵗ) / (√v + ε)
//	else:       θ ← θ − lr · m̂                 (SGD with momentum while the variance estimate is unreliable)
//
// With the default β₂ = 0.999 the first 5 steps take the momentum branch. The state per variable is torch's
// "exp_avg", "exp_avg_sq" and "step". See Optimizer. torch 1.13's RAdam has no maximize option and no decoupled
// weight decay (torch 2.0's decoupled_weight_decay): lossbook follows 1.13.
//
// PyTorch equivalent: torch.optim.RAdam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0).
//
// Reference: Liu et al., "On the Variance of the Adaptive Learning Rate and Beyond", ICLR 2020.
type RAdam struct {
	// LR is the learning rate (default 1e-3). Schedules scale it.
	LR float64
	// Betas are the decay rates of the first and second moment estimates (default 0.9, 0.999).
	Betas [2]float64
	// Eps ε is added to the denominator (default 1e-8).
	Eps float64
	// WeightDecay λ, added to the gradient as λθ (default 0).
	WeightDecay float64
	// NoDecay, if set, picks the variables that get no weight decay (see BiasesAndNorms, NameContains, InScopes).
	NoDecay VariableFilter
	// GradientClipping clips the gradients first (zero value: no clipping).
	GradientClipping

	instance // tells this optimizer's state from another's (see Optimizer)
}

// NewRAdam returns torch.optim.RAdam's defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight_decay 0.
func NewRAdam() *RAdam {
	return &RAdam{LR: 1e-3, Betas: [2]float64{0.9, 0.999}, Eps: 1e-8}
}

func (o *RAdam) instanceID() uint64 { return o.get() }

// Name is "RAdam", torch's class name.
func (o *RAdam) Name() string { return "RAdam" }

// BaseLR is LR.
func (o *RAdam) BaseLR() float64 { return o.LR }

// String describes the configuration in torch's terms.
func (o *RAdam) String() string {
	return fmt.Sprintf("RAdam(lr=%g, betas=(%g, %g), eps=%g, weight_decay=%g%s)", o.LR, o.Betas[0], o.Betas[1],
		o.Eps, o.WeightDecay, clippingString(o.GradientClipping))
}

// Validate checks the configuration with torch.optim.RAdam's rules.
func (o *RAdam) Validate() error {
	if err := validateAdamLike(o.LR, o.Betas, o.Eps, o.WeightDecay); err != nil {
		return err
	}
	return o.GradientClipping.validate()
}

// UpdateGraph implements optimizers.Interface.
func (o *RAdam) UpdateGraph(ctx *context.Context, _ *Graph, loss *Node) { updateFromLoss(o, ctx, loss) }

// UpdateGraphWithGradients implements train.OptimizeWithGradients.
func (o *RAdam) UpdateGraphWithGradients(ctx *context.Context, grads []*Node, _ dtypes.DType) {
	updateFromGradients(o, ctx, grads)
}

// Clear implements optimizers.Interface: it deletes the optimizer's state.
func (o *RAdam) Clear(ctx *context.Context) error { return newOptimizerState(ctx, o.Name()).clear() }

// ApplyGradients implements Optimizer.
func (o *RAdam) ApplyGradients(ctx *context.Context, vars []*context.Variable, grads []*Node) {
	g := checkApply(o, vars, grads)
	mustClaimState(ctx, o)
	state := newOptimizerState(ctx, o.Name())
	lr := state.beginStep(ctx, g, o.LR)
	grads = o.GradientClipping.clip(grads)
	beta1, beta2 := o.Betas[0], o.Betas[1]
	rhoInf := 2/(1-beta2) - 1
	for i, v := range vars {
		dtype := v.DType()
		param := v.ValueGraph(g)
		grad := grads[i]
		if applyDecay(o.WeightDecay, o.NoDecay, v) {
			grad = Add(grad, MulScalar(param, o.WeightDecay))
		}
		t := ConvertDType(state.incrementStep(v, g), dtypes.Float64)
		beta2t := powScalar(beta2, t)
		biasCorrection1 := OneMinus(powScalar(beta1, t))
		biasCorrection2 := OneMinus(beta2t)

		mVar := state.perVariable(v, stateExpAvg)
		vVar := state.perVariable(v, stateExpAvgSq)
		m := Add(MulScalar(mVar.ValueGraph(g), beta1), MulScalar(grad, 1-beta1))
		sq := Add(MulScalar(vVar.ValueGraph(g), beta2), Mul(MulScalar(grad, 1-beta2), grad))
		mVar.SetValueGraph(m)
		vVar.SetValueGraph(sq)
		corrected := Div(m, scalarAs(biasCorrection1, dtype))

		rhoT := AddScalar(Neg(Div(MulScalar(Mul(t, beta2t), 2), biasCorrection2)), rhoInf)
		rectified := GreaterThan(rhoT, Scalar(g, dtypes.Float64, 5))
		// Where the branch is not taken, the rectification's square root may be of a negative number: its NaN is
		// replaced by 1 before it meets the parameters.
		rect := Sqrt(Div(Mul(Mul(AddScalar(rhoT, -4), AddScalar(rhoT, -2)), Scalar(g, dtypes.Float64, rhoInf)),
			MulScalar(rhoT, (rhoInf-4)*(rhoInf-2))))
		rect = Where(rectified, rect, Scalar(g, dtypes.Float64, 1))
		adaptive := Div(scalarAs(Sqrt(biasCorrection2), dtype), AddScalar(Sqrt(sq), o.Eps))
		scaled := Mul(Mul(Mul(corrected, scalarAs(lr, dtype)), adaptive), scalarAs(rect, dtype))
		update := Where(rectified, scaled, Mul(corrected, scalarAs(lr, dtype)))
		v.SetValueGraph(Sub(param, update))
	}
}

// radamFromArgs reads torch.optim.RAdam's keyword arguments (torch 1.13).
func radamFromArgs(k kwargs) (Optimizer, error) {
	valid := append([]string{"lr", "betas", "eps", "weight_decay", "foreach"}, lossbookOptimizerOptions...)
	if err := k.check(valid); err != nil {
		return nil, err
	}
	o := NewRAdam()
	noDecay, err := commonFromArgs(k, &o.GradientClipping)
	o.NoDecay = noDecay
	return o, firstError(err,
		k.float("lr", &o.LR), k.floatPair("betas", &o.Betas), k.float("eps", &o.Eps),
		k.float("weight_decay", &o.WeightDecay), k.ignoredBool("foreach"))
}
