package training

import (
	"fmt"
	"math"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX graph code reads best with the dot import.
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// Adam is the Adam optimizer with torch.optim.Adam's update, or AdamW's when Decoupled is set (see NewAdamW).
// Per trained variable θ with gradient g, at step t (1, 2, ...), with β₁, β₂ = Betas:
//
//	g ← −g                                  if Maximize
//	g ← g + λ θ                             Adam: L2 weight decay λ, coupled to the gradient
//	θ ← θ (1 − lr λ)                        AdamW: decoupled weight decay, in torch's form
//	m ← β₁ m + (1 − β₁) g
//	v ← β₂ v + (1 − β₂) g²
//	v̂max ← max(v̂max, v); use v̂max for v    if AMSGrad
//	θ ← θ − (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
//
// t is the variable's own step count (torch's state[p]['step']): a variable trained for the first time after others
// (a classifier head added after pre-training) starts at t = 1 with zero moments. See Optimizer for the state.
//
// ε sits outside the square root and is added to the bias-corrected √v̂, as in torch (GoMLX's Adam uses
// ε = 1e-7; TF1's "ε̂" form gives different numbers). NoDecay picks variables that get no weight decay of either
// kind, as parameter groups with weight_decay=0 do in torch.
//
// AdamW's decay is torch's form, θ(1 − lr·λ): the shrink scales with the learning rate, schedule included.
// Loshchilov and Hutter's paper (Algorithm 2) writes θ ← θ − η_t(α·Adam step + λθ), where α is the step size
// and η_t the schedule multiplier: their decay per step is η_t·λ, not α·η_t·λ. The two agree when torch's λ is
// the paper's λ divided by the learning rate, so λ values do not transfer between the two forms (the paper's
// λ = 1e-4 with α = 1e-3 is torch's weight_decay = 0.1); torch's default 0.01 at lr 1e-3 shrinks θ by 1e-5 per
// step.
//
// PyTorch equivalent: torch.optim.Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
// amsgrad=False, maximize=False) and torch.optim.AdamW(..., weight_decay=1e-2).
//
// References: Kingma & Ba, "Adam: A Method for Stochastic Optimization", 2015; Loshchilov & Hutter, "Decoupled
// Weight Decay Regularization", 2019; Reddi et al., "On the Convergence of Adam and Beyond", 2018 (AMSGrad).
type Adam struct {
	// LR is the learning rate (default 1e-3). Schedules scale it.
	LR float64
	// Betas are the decay rates of the first and second moment estimates (default 0.9, 0.999).
	Betas [2]float64
	// Eps is added to the denominator (default 1e-8).
	Eps float64
	// WeightDecay λ: L2 (added to the gradient) for Adam, decoupled for AdamW. Defaults: 0 (Adam), 0.01 (AdamW).
	WeightDecay float64
	// Decoupled makes it AdamW: θ ← θ(1 − lr·λ) (torch's form; see the type's doc for the paper's) instead of
	// adding λθ to the gradient.
	Decoupled bool
	// AMSGrad uses the maximum of all second-moment estimates so far.
	AMSGrad bool
	// Maximize maximizes the objective instead of minimizing it.
	Maximize bool
	// NoDecay, if set, picks the variables that get no weight decay (see BiasesAndNorms, NameContains, InScopes).
	NoDecay VariableFilter
	// GradientClipping clips the gradients first (zero value: no clipping).
	GradientClipping

	instance // tells this optimizer's state from another's (see Optimizer)
}

// NewAdam returns torch.optim.Adam's defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8, no weight decay.
func NewAdam() *Adam {
	return &Adam{LR: 1e-3, Betas: [2]float64{0.9, 0.999}, Eps: 1e-8}
}

// NewAdamW returns torch.optim.AdamW's defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8, decoupled weight decay
// 0.01. Set NoDecay (e.g. to BiasesAndNorms) to spare biases and normalization parameters, as most recipes do.
func NewAdamW() *Adam {
	o := NewAdam()
	o.WeightDecay = 0.01
	o.Decoupled = true
	return o
}

func (o *Adam) instanceID() uint64 { return o.get() }

// Name is "AdamW" if Decoupled, else "Adam".
func (o *Adam) Name() string {
	if o.Decoupled {
		return "AdamW"
	}
	return "Adam"
}

// BaseLR is LR.
func (o *Adam) BaseLR() float64 { return o.LR }

// String describes the configuration in torch's terms.
func (o *Adam) String() string {
	s := fmt.Sprintf("%s(lr=%g, betas=(%g, %g), eps=%g, weight_decay=%g, amsgrad=%v", o.Name(), o.LR, o.Betas[0],
		o.Betas[1], o.Eps, o.WeightDecay, o.AMSGrad)
	if o.Maximize {
		s += ", maximize=true"
	}
	return s + clippingString(o.GradientClipping) + ")"
}

// Validate checks the configuration with torch.optim.Adam's rules.
func (o *Adam) Validate() error {
	switch {
	case !(o.LR >= 0) || math.IsInf(o.LR, 0):
		return fmt.Errorf("invalid learning rate: %v", o.LR)
	case !(o.Eps >= 0):
		return fmt.Errorf("invalid epsilon value: %v", o.Eps)
	case !(o.Betas[0] >= 0 && o.Betas[0] < 1):
		return fmt.Errorf("invalid beta parameter at index 0: %v", o.Betas[0])
	case !(o.Betas[1] >= 0 && o.Betas[1] < 1):
		return fmt.Errorf("invalid beta parameter at index 1: %v", o.Betas[1])
	case !(o.WeightDecay >= 0):
		return fmt.Errorf("invalid weight_decay value: %v", o.WeightDecay)
	}
	return o.GradientClipping.validate()
}

// UpdateGraph implements optimizers.Interface: it builds the gradients of loss for the trainable variables the
// graph uses and applies them.
func (o *Adam) UpdateGraph(ctx *context.Context, _ *Graph, loss *Node) { updateFromLoss(o, ctx, loss) }

// UpdateGraphWithGradients implements train.OptimizeWithGradients.
func (o *Adam) UpdateGraphWithGradients(ctx *context.Context, grads []*Node, _ dtypes.DType) {
	updateFromGradients(o, ctx, grads)
}

// Clear implements optimizers.Interface: it deletes the optimizer's state (step, learning rate, moments).
func (o *Adam) Clear(ctx *context.Context) error { return newOptimizerState(ctx, o.Name()).clear() }

// ApplyGradients implements Optimizer.
func (o *Adam) ApplyGradients(ctx *context.Context, vars []*context.Variable, grads []*Node) {
	g := checkApply(o, vars, grads)
	mustClaimState(ctx, o)
	state := newOptimizerState(ctx, o.Name())
	lr := state.beginStep(ctx, g, o.LR)
	grads = o.GradientClipping.clip(grads)
	beta1, beta2 := o.Betas[0], o.Betas[1]
	decayFactor := OneMinus(MulScalar(lr, o.WeightDecay)) // AdamW: θ(1 − lr·λ).

	for i, v := range vars {
		dtype := v.DType()
		param := v.ValueGraph(g)
		grad := grads[i]
		if o.Maximize {
			grad = Neg(grad)
		}
		decay := o.WeightDecay != 0 && (o.NoDecay == nil || !o.NoDecay(v))
		if decay && o.Decoupled {
			param = Mul(param, scalarAs(decayFactor, dtype))
		} else if decay {
			grad = Add(grad, MulScalar(param, o.WeightDecay))
		}

		// Scalars in float64, as torch computes them in Python before the tensor updates, from the variable's own
		// step count t (torch's state[p]['step']).
		t := ConvertDType(state.incrementStep(v, g), dtypes.Float64)
		biasCorrection1 := OneMinus(Pow(Scalar(g, dtypes.Float64, beta1), t))
		biasCorrection2Sqrt := Sqrt(OneMinus(Pow(Scalar(g, dtypes.Float64, beta2), t)))
		stepSize := Div(lr, biasCorrection1)
		// torch's θ − step_size·m / (√v/√bc₂ + ε), with both sides of the fraction multiplied by √bc₂:
		// θ + (−step_size·√bc₂)·m / (√v + ε·√bc₂). Same value, one pass and one division fewer per element.
		updateScale := Neg(Mul(stepSize, biasCorrection2Sqrt))
		epsScaled := MulScalar(biasCorrection2Sqrt, o.Eps)

		mVar := state.perVariable(v, stateExpAvg)
		vVar := state.perVariable(v, stateExpAvgSq)
		// Eleven elementwise passes in all (plus one for each option), each a separate single-threaded loop on
		// GoMLX's pure-Go backend, so their number is what the update costs there.
		m := Add(MulScalar(mVar.ValueGraph(g), beta1), MulScalar(grad, 1-beta1))
		sq := Add(MulScalar(vVar.ValueGraph(g), beta2), Mul(MulScalar(grad, 1-beta2), grad))
		mVar.SetValueGraph(m)
		vVar.SetValueGraph(sq)
		if o.AMSGrad {
			maxVar := state.perVariable(v, stateMaxExpAvgSq)
			sq = Max(maxVar.ValueGraph(g), sq)
			maxVar.SetValueGraph(sq)
		}
		denom := Add(Sqrt(sq), scalarAs(epsScaled, dtype))
		// The scale before the division, as torch's addcdiv (value·m/denom): it runs beside the √v chain, so the
		// passes that wait for both are two (division, sum) rather than three.
		update := Div(Mul(m, scalarAs(updateScale, dtype)), denom)
		v.SetValueGraph(Add(param, update))
	}
}
