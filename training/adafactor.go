package training

import (
	"fmt"
	"math"
	"slices"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX graph code reads best with the dot import.
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// Adafactor is the memory-saving adaptive optimizer of T5, with optax.adafactor's update and defaults. For a
// variable with two dimensions of at least MinDimSizeToFactor elements it keeps the second moment factored, as a
// row and a column average (n + m numbers instead of n·m); other variables keep it whole. Per trained variable θ
// with gradient g, at its step t (1, 2, ...), with decay βₜ = 1 − (t − DecayOffset)^(−DecayRate):
//
//	G = g² + ε                                          (Eps, 1e-30)
//	factored, over the two largest axes a (largest) and b (next):
//	  R ← βₜ R + (1 − βₜ) mean_a(G);  C ← βₜ C + (1 − βₜ) mean_b(G)     "v_row", "v_col"
//	  u = g / √(R / mean(R)) / √C                        (R broadcast along a, C along b)
//	otherwise:
//	  V ← βₜ V + (1 − βₜ) G;  u = g / √V                "v"
//	u ← u / max(1, RMS(u) / d)                          update clipping, d = ClippingThreshold (0: none)
//	u ← lr · u                                          the relative step size ρₜ
//	u ← u · max(RMS(θ), 1e-3)                           if MultiplyByParameterScale
//	u ← M ← μ M + (1 − μ) u                             if Momentum μ > 0, "ema" kept in DTypeMomentum
//	u ← u + λ θ                                         if WeightDecayRate λ ≠ 0, unless NoDecay picks θ
//	θ ← θ − u
//
// βₜ starts at 0 (the first step's moment is G itself) and rises to 1 as 1 − t^−0.8. The paper's relative step
// size αₜ = max(ε₂, RMS(θ)) · ρₜ is MultiplyByParameterScale with lr = ρₜ; the paper's ρₜ = min(10⁻², 1/√t) is a
// schedule, not part of optax.adafactor: T5 trained with lr 1e-2 constant, then an inverse-square-root decay.
// LearningRate 1 is optax's learning_rate=None (no scaling: steps of about RMS(θ) each, too large for most uses),
// NewAdafactor's default. Weight decay is added after the learning rate, so it is not scaled by the schedule.
//
// Differences from optax: optax computes βₜ in float32 with XLA's float32 power, which is one ulp off the
// correctly rounded value at some steps (t = 4 and 36 among the first 40); lossbook rounds the float64 power to
// float32, so both backends agree (the difference moves float64 parameters by about 1e-9 after 20 steps). The step
// count is per variable (optax's is global: the same unless a variable starts training late, see Optimizer).
//
// optax equivalent: optax.adafactor(learning_rate=None, min_dim_size_to_factor=128, decay_rate=0.8,
// decay_offset=0, multiply_by_parameter_scale=True, clipping_threshold=1.0, momentum=None,
// dtype_momentum=jnp.float32, weight_decay_rate=None, eps=1e-30, factored=True, weight_decay_mask=None).
// torch 1.13 has no Adafactor (Hugging Face's transformers.Adafactor follows the paper's ρₜ instead).
//
// Reference: Shazeer & Stern, "Adafactor: Adaptive Learning Rates with Sublinear Memory Cost", ICML 2018.
type Adafactor struct {
	// LearningRate scales the update (optax's learning_rate; 1, NewAdafactor's default, is optax's None).
	// Schedules scale it.
	LearningRate float64
	// MinDimSizeToFactor is the size that the two largest dimensions must both reach for the second moment to be
	// factored (default 128).
	MinDimSizeToFactor int
	// DecayRate is the exponent of the second moment's decay schedule (default 0.8).
	DecayRate float64
	// DecayOffset is subtracted from the step count in the decay schedule (default 0; for fine-tuning, the step
	// at which it starts).
	DecayOffset int
	// MultiplyByParameterScale scales the step by the variable's RMS, at least 1e-3 (default true).
	MultiplyByParameterScale bool
	// ClippingThreshold d caps the update's RMS at d (default 1; 0 is optax's None: no clipping).
	ClippingThreshold float64
	// Momentum μ (default 0, optax's None: no momentum and no memory for it).
	Momentum float64
	// DTypeMomentum is the dtype of the momentum (default Float32, as optax's dtype_momentum; InvalidDType keeps
	// the variable's).
	DTypeMomentum dtypes.DType
	// WeightDecayRate λ (default 0, optax's None).
	WeightDecayRate float64
	// Eps is added to the squared gradient (default 1e-30).
	Eps float64
	// Factored enables the factored second moment (default true).
	Factored bool
	// NoDecay, if set, picks the variables that get no weight decay: the complement of optax's weight_decay_mask.
	NoDecay VariableFilter
	// GradientClipping clips the gradients first (zero value: no clipping).
	GradientClipping

	instance // tells this optimizer's state from another's (see Optimizer)
}

// NewAdafactor returns optax.adafactor()'s defaults: no learning-rate scaling (LearningRate 1),
// min_dim_size_to_factor 128, decay_rate 0.8, multiply_by_parameter_scale, clipping_threshold 1, no momentum
// (dtype_momentum float32 if set), no weight decay, eps 1e-30, factored.
func NewAdafactor() *Adafactor {
	return &Adafactor{LearningRate: 1, MinDimSizeToFactor: 128, DecayRate: 0.8, MultiplyByParameterScale: true,
		ClippingThreshold: 1, DTypeMomentum: dtypes.Float32, Eps: 1e-30, Factored: true}
}

func (o *Adafactor) instanceID() uint64 { return o.get() }

// Name is "Adafactor".
func (o *Adafactor) Name() string { return "Adafactor" }

// BaseLR is LearningRate.
func (o *Adafactor) BaseLR() float64 { return o.LearningRate }

// String describes the configuration in optax's terms.
func (o *Adafactor) String() string {
	optional := func(x float64) string {
		if x == 0 {
			return "None"
		}
		return fmt.Sprintf("%g", x)
	}
	return fmt.Sprintf("adafactor(learning_rate=%g, min_dim_size_to_factor=%d, decay_rate=%g, decay_offset=%d, "+
		"multiply_by_parameter_scale=%v, clipping_threshold=%s, momentum=%s, dtype_momentum=%s, "+
		"weight_decay_rate=%s, eps=%g, factored=%v%s)", o.LearningRate, o.MinDimSizeToFactor, o.DecayRate,
		o.DecayOffset, o.MultiplyByParameterScale, optional(o.ClippingThreshold), optional(o.Momentum),
		dtypeName(o.DTypeMomentum), optional(o.WeightDecayRate), o.Eps, o.Factored,
		clippingString(o.GradientClipping))
}

// Validate checks the configuration: learning_rate, clipping_threshold, weight_decay_rate, eps and
// min_dim_size_to_factor >= 0, decay_rate > 0, momentum in [0, 1), a float dtype_momentum. DecayOffset is not
// checked: at steps t <= DecayOffset, βₜ is −Inf or NaN, as in optax.
func (o *Adafactor) Validate() error {
	if err := validLR("learning_rate", o.LearningRate); err != nil {
		return err
	}
	switch {
	case o.MinDimSizeToFactor < 0:
		return fmt.Errorf("invalid min_dim_size_to_factor: %d (want >= 0)", o.MinDimSizeToFactor)
	case !(o.DecayRate > 0) || math.IsInf(o.DecayRate, 0):
		return fmt.Errorf("invalid decay_rate: %v (want > 0)", o.DecayRate)
	case !(o.ClippingThreshold >= 0):
		return fmt.Errorf("invalid clipping_threshold: %v (want > 0, or 0 for none)", o.ClippingThreshold)
	case !validFraction(o.Momentum):
		return fmt.Errorf("invalid momentum: %v (want 0 <= momentum < 1, 0 for none)", o.Momentum)
	case o.DTypeMomentum != dtypes.InvalidDType && !o.DTypeMomentum.IsFloat():
		return fmt.Errorf("invalid dtype_momentum: %s (want a float dtype)", o.DTypeMomentum)
	case !(o.WeightDecayRate >= 0):
		return fmt.Errorf("invalid weight_decay_rate: %v (want >= 0, 0 for none)", o.WeightDecayRate)
	case !(o.Eps >= 0):
		return fmt.Errorf("invalid eps: %v (want >= 0)", o.Eps)
	}
	return o.GradientClipping.validate()
}

// UpdateGraph implements optimizers.Interface.
func (o *Adafactor) UpdateGraph(ctx *context.Context, _ *Graph, loss *Node) {
	updateFromLoss(o, ctx, loss)
}

// UpdateGraphWithGradients implements train.OptimizeWithGradients.
func (o *Adafactor) UpdateGraphWithGradients(ctx *context.Context, grads []*Node, _ dtypes.DType) {
	updateFromGradients(o, ctx, grads)
}

// Clear implements optimizers.Interface: it deletes the optimizer's state.
func (o *Adafactor) Clear(ctx *context.Context) error {
	return newOptimizerState(ctx, o.Name()).clear()
}

// FactoredAxes returns the axes over which Adafactor averages a variable of the given dimensions, as optax's
// _factored_dims: a the largest, b the next (ties keep the later axis as the largest), or ok false when the
// second moment is kept whole (not Factored, rank < 2, or the second largest dimension under
// MinDimSizeToFactor). v_row has the dimensions without a, v_col those without b.
func (o *Adafactor) FactoredAxes(dims []int) (a, b int, ok bool) {
	if !o.Factored || len(dims) < 2 {
		return 0, 0, false
	}
	order := make([]int, len(dims))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(x, y int) int { return dims[x] - dims[y] })
	a, b = order[len(order)-1], order[len(order)-2]
	if dims[b] < o.MinDimSizeToFactor {
		return 0, 0, false
	}
	return a, b, true
}

// ApplyGradients implements Optimizer.
func (o *Adafactor) ApplyGradients(ctx *context.Context, vars []*context.Variable, grads []*Node) {
	g := checkApply(o, vars, grads)
	mustClaimState(ctx, o)
	state := newOptimizerState(ctx, o.Name())
	lr := state.beginStep(ctx, g, o.LearningRate)
	grads = o.GradientClipping.clip(grads)
	for i, v := range vars {
		dtype := v.DType()
		param := v.ValueGraph(g)
		grad := grads[i]
		t := ConvertDType(state.incrementStep(v, g), dtypes.Float64)
		// βₜ = 1 − (t − offset)^−decay_rate in float32, as optax, from the correctly rounded float64 power.
		power := ConvertDType(Pow(AddScalar(t, -float64(o.DecayOffset)), Scalar(g, dtypes.Float64, -o.DecayRate)),
			dtypes.Float32)
		beta32 := OneMinus(power)
		beta := scalarAsDType(beta32, dtype)
		oneMinusBeta := scalarAsDType(OneMinus(beta32), dtype)
		ema := func(old, value *Node) *Node { return Add(Mul(beta, old), Mul(oneMinusBeta, value)) }

		sq := AddScalar(Mul(grad, grad), o.Eps)
		var update *Node
		dims := v.Shape().Dimensions
		if a, b, ok := o.FactoredAxes(dims); ok {
			rowVar := state.perVariableShaped(v, "v_row", shapes.Make(dtype, without(dims, a)...))
			colVar := state.perVariableShaped(v, "v_col", shapes.Make(dtype, without(dims, b)...))
			row := ema(rowVar.ValueGraph(g), ReduceMean(sq, a))
			col := ema(colVar.ValueGraph(g), ReduceMean(sq, b))
			rowVar.SetValueGraph(row)
			colVar.SetValueGraph(col)
			rowB := b // b's axis in v_row, which lacks a.
			if b > a {
				rowB--
			}
			rowFactor := Rsqrt(Div(row, InsertAxes(ReduceMean(row, rowB), rowB)))
			colFactor := Rsqrt(col)
			update = Mul(Mul(grad, InsertAxes(rowFactor, a)), InsertAxes(colFactor, b))
		} else {
			vVar := state.perVariable(v, "v")
			sqAvg := ema(vVar.ValueGraph(g), sq)
			vVar.SetValueGraph(sqAvg)
			update = Mul(grad, Rsqrt(sqAvg))
		}
		if o.ClippingThreshold > 0 {
			rms := Sqrt(ReduceAllMean(Mul(update, update)))
			update = Div(update, MaxScalar(DivScalar(rms, o.ClippingThreshold), 1.0))
		}
		update = Mul(update, scalarAs(lr, dtype))
		if o.MultiplyByParameterScale {
			update = Mul(update, MaxScalar(Sqrt(ReduceAllMean(Mul(param, param))), 1e-3))
		}
		if o.Momentum > 0 {
			emaDType := o.DTypeMomentum
			if emaDType == dtypes.InvalidDType {
				emaDType = dtype
			}
			emaVar := state.perVariableShaped(v, "ema", shapes.Make(emaDType, dims...))
			update = Add(MulScalar(update, 1-o.Momentum), decayed(emaVar.ValueGraph(g), o.Momentum, dtype))
			emaVar.SetValueGraph(scalarAsDType(update, emaDType))
		}
		if applyDecay(o.WeightDecayRate, o.NoDecay, v) {
			update = Add(update, MulScalar(param, o.WeightDecayRate))
		}
		v.SetValueGraph(Sub(param, update))
	}
}

// without returns dims with the axis removed.
func without(dims []int, axis int) []int {
	return slices.Delete(slices.Clone(dims), axis, axis+1)
}

// adafactorFromArgs reads optax.adafactor's keyword arguments. learning_rate, clipping_threshold, momentum and
// weight_decay_rate may be null (Python's None): no scaling, no clipping, no momentum, no decay.
func adafactorFromArgs(k kwargs) (Optimizer, error) {
	valid := append([]string{"learning_rate", "min_dim_size_to_factor", "decay_rate", "decay_offset",
		"multiply_by_parameter_scale", "clipping_threshold", "momentum", "dtype_momentum", "weight_decay_rate", "eps",
		"factored"}, lossbookOptimizerOptions...)
	if err := k.check(valid); err != nil {
		return nil, err
	}
	o := NewAdafactor()
	noDecay, err := commonFromArgs(k, &o.GradientClipping)
	o.NoDecay = noDecay
	return o, firstError(err,
		k.floatOrNone("learning_rate", &o.LearningRate, 1), k.int("min_dim_size_to_factor", &o.MinDimSizeToFactor),
		k.float("decay_rate", &o.DecayRate), k.int("decay_offset", &o.DecayOffset),
		k.bool("multiply_by_parameter_scale", &o.MultiplyByParameterScale),
		k.floatOrNone("clipping_threshold", &o.ClippingThreshold, 0), k.floatOrNone("momentum", &o.Momentum, 0),
		k.floatDType("dtype_momentum", &o.DTypeMomentum),
		k.floatOrNone("weight_decay_rate", &o.WeightDecayRate, 0), k.float("eps", &o.Eps),
		k.bool("factored", &o.Factored))
}
