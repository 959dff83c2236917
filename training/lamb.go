package training

import (
	"fmt"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX graph code reads best with the dot import.
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// LAMB is the layer-wise adaptive large-batch optimizer, with optax.lamb's update: Adam's direction, plus weight
// decay, rescaled per variable by the trust ratio ‖θ‖ / ‖u‖. Per trained variable θ with gradient g, at its step
// t (1, 2, ...):
//
//	m ← b₁ m + (1 − b₁) g;  ν ← b₂ ν + (1 − b₂) g²          "mu", "nu"
//	u = (m / (1 − b₁ᵗ)) / (√(ν / (1 − b₂ᵗ) + ε_root) + ε)
//	u ← u + λ θ                                  if WeightDecay λ ≠ 0, unless NoDecay picks θ
//	r = ‖θ‖ / ‖u‖ (Frobenius norms of the whole variable), or 1 if either norm is 0
//	θ ← θ − lr · r · u
//
// The trust ratio makes each variable's step proportional to its own norm: a layer moves by about lr times its
// size whatever its gradients' scale, which is what lets BERT train with batches of 32k (You et al.). Weight decay
// is added to the direction before the trust ratio, so it is decoupled from the gradient's scale but not from
// the learning rate. Biases and normalization gains are usually excluded from the weight decay (NoDecay =
// BiasesAndNorms): that is optax's mask, whose complement NoDecay is (mask True means "decay"). As in optax, the
// trust ratio applies to every variable, excluded ones included (the TF LAMB of BERT's repository also had a
// separate exclude_from_layer_adaptation list, which optax does not have).
//
// ε (1e-6 by default, not Adam's 1e-8) is outside the square root; ε_root inside. The state per variable is "mu",
// "nu" and the step count "step" (optax keeps one count for all variables; lossbook's per-variable count is the
// same unless a variable starts training late, see Optimizer).
//
// optax equivalent: optax.lamb(learning_rate, b1=0.9, b2=0.999, eps=1e-6, eps_root=0.0, weight_decay=0.0,
// mask=None). There is no torch.optim.LAMB.
//
// Reference: You et al., "Large Batch Optimization for Deep Learning: Training BERT in 76 minutes", ICLR 2020.
type LAMB struct {
	// LearningRate is the learning rate (optax's learning_rate, required). Schedules scale it.
	LearningRate float64
	// B1, B2 are the decay rates of the first and second moments (default 0.9, 0.999).
	B1, B2 float64
	// Eps ε is added to the denominator outside the square root (default 1e-6).
	Eps float64
	// EpsRoot ε_root is added inside the square root (default 0).
	EpsRoot float64
	// WeightDecay λ, added to the update as λθ before the trust ratio (default 0).
	WeightDecay float64
	// NoDecay, if set, picks the variables that get no weight decay: the complement of optax's mask.
	NoDecay VariableFilter
	// GradientClipping clips the gradients first (zero value: no clipping).
	GradientClipping

	instance // tells this optimizer's state from another's (see Optimizer)
}

// NewLAMB returns optax.lamb(learning_rate)'s defaults: b1 0.9, b2 0.999, eps 1e-6, eps_root 0, weight_decay 0.
func NewLAMB(learningRate float64) *LAMB {
	return &LAMB{LearningRate: learningRate, B1: 0.9, B2: 0.999, Eps: 1e-6}
}

func (o *LAMB) instanceID() uint64 { return o.get() }

// Name is "LAMB".
func (o *LAMB) Name() string { return "LAMB" }

// BaseLR is LearningRate.
func (o *LAMB) BaseLR() float64 { return o.LearningRate }

// String describes the configuration in optax's terms.
func (o *LAMB) String() string {
	return fmt.Sprintf("lamb(learning_rate=%g, b1=%g, b2=%g, eps=%g, eps_root=%g, weight_decay=%g%s)",
		o.LearningRate, o.B1, o.B2, o.Eps, o.EpsRoot, o.WeightDecay, clippingString(o.GradientClipping))
}

// Validate checks the configuration: learning_rate, eps, eps_root and weight_decay >= 0, b1 and b2 in [0, 1).
func (o *LAMB) Validate() error {
	if err := validLR("learning_rate", o.LearningRate); err != nil {
		return err
	}
	switch {
	case !validFraction(o.B1):
		return fmt.Errorf("invalid b1: %v (want 0 <= b1 < 1)", o.B1)
	case !validFraction(o.B2):
		return fmt.Errorf("invalid b2: %v (want 0 <= b2 < 1)", o.B2)
	case !(o.Eps >= 0):
		return fmt.Errorf("invalid eps: %v (want >= 0)", o.Eps)
	case !(o.EpsRoot >= 0):
		return fmt.Errorf("invalid eps_root: %v (want >= 0)", o.EpsRoot)
	case !(o.WeightDecay >= 0):
		return fmt.Errorf("invalid weight_decay: %v (want >= 0)", o.WeightDecay)
	}
	return o.GradientClipping.validate()
}

// UpdateGraph implements optimizers.Interface.
func (o *LAMB) UpdateGraph(ctx *context.Context, _ *Graph, loss *Node) { updateFromLoss(o, ctx, loss) }

// UpdateGraphWithGradients implements train.OptimizeWithGradients.
func (o *LAMB) UpdateGraphWithGradients(ctx *context.Context, grads []*Node, _ dtypes.DType) {
	updateFromGradients(o, ctx, grads)
}

// Clear implements optimizers.Interface: it deletes the optimizer's state.
func (o *LAMB) Clear(ctx *context.Context) error { return newOptimizerState(ctx, o.Name()).clear() }

// ApplyGradients implements Optimizer.
func (o *LAMB) ApplyGradients(ctx *context.Context, vars []*context.Variable, grads []*Node) {
	g := checkApply(o, vars, grads)
	mustClaimState(ctx, o)
	state := newOptimizerState(ctx, o.Name())
	lr := state.beginStep(ctx, g, o.LearningRate)
	grads = o.GradientClipping.clip(grads)
	b1, b2 := o.B1, o.B2
	for i, v := range vars {
		dtype := v.DType()
		param := v.ValueGraph(g)
		grad := grads[i]
		t := ConvertDType(state.incrementStep(v, g), dtypes.Float64)
		mVar := state.perVariable(v, "mu")
		nuVar := state.perVariable(v, "nu")
		m := Add(MulScalar(grad, 1-b1), MulScalar(mVar.ValueGraph(g), b1))
		nu := Add(MulScalar(Mul(grad, grad), 1-b2), MulScalar(nuVar.ValueGraph(g), b2))
		mVar.SetValueGraph(m)
		nuVar.SetValueGraph(nu)
		mHat := Div(m, scalarAs(OneMinus(powScalar(b1, t)), dtype))
		nuHat := Div(nu, scalarAs(OneMinus(powScalar(b2, t)), dtype))
		update := Div(mHat, AddScalar(Sqrt(AddScalar(nuHat, o.EpsRoot)), o.Eps))
		if applyDecay(o.WeightDecay, o.NoDecay, v) {
			update = Add(update, MulScalar(param, o.WeightDecay))
		}
		update = Mul(update, trustRatio(param, update))
		v.SetValueGraph(Sub(param, Mul(scalarAs(lr, dtype), update)))
	}
}

// trustRatio is optax.scale_by_trust_ratio's factor ‖θ‖/‖u‖, or 1 where either norm is 0: a scalar of θ's dtype.
func trustRatio(param, update *Node) *Node {
	paramNorm := Sqrt(ReduceAllSum(Mul(param, param)))
	updateNorm := Sqrt(ReduceAllSum(Mul(update, update)))
	zero := ScalarZero(param.Graph(), param.DType())
	isZero := Or(Equal(paramNorm, zero), Equal(updateNorm, zero))
	return Where(isZero, ScalarOne(param.Graph(), param.DType()), Div(paramNorm, updateNorm))
}

// lambFromArgs reads optax.lamb's keyword arguments.
func lambFromArgs(k kwargs) (Optimizer, error) {
	valid := append([]string{"learning_rate", "b1", "b2", "eps", "eps_root", "weight_decay"},
		lossbookOptimizerOptions...)
	if err := k.check(valid); err != nil {
		return nil, err
	}
	if !k.has("learning_rate") {
		return nil, k.errorf("option \"learning_rate\" is required (optax.lamb has no default learning rate)")
	}
	o := NewLAMB(0)
	noDecay, err := commonFromArgs(k, &o.GradientClipping)
	o.NoDecay = noDecay
	return o, firstError(err,
		k.float("learning_rate", &o.LearningRate), k.float("b1", &o.B1), k.float("b2", &o.B2),
		k.float("eps", &o.Eps), k.float("eps_root", &o.EpsRoot), k.float("weight_decay", &o.WeightDecay))
}
