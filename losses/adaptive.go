package losses

import (
	"fmt"
	"math"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX's idiom: graph ops read as math.
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// AdaptiveRobustScope is the context scope under which AdaptiveRobust keeps its variables "alpha_latent" and
// "scale_latent".
const AdaptiveRobustScope = "adaptive_robust"

// AdaptiveRobustConfig configures AdaptiveRobust: the range of α, the initial α and scale, and whether each
// output dimension learns its own. DefaultAdaptiveRobustConfig gives Barron's defaults.
type AdaptiveRobustConfig struct {
	// AlphaLow and AlphaHigh bound α = AlphaLow + (AlphaHigh - AlphaLow)·sigmoid(latent); within [0, 2].
	AlphaLow, AlphaHigh float64
	// AlphaInit is the initial α, strictly inside (AlphaLow, AlphaHigh).
	AlphaInit float64
	// ScaleLow bounds the scale c = ScaleLow + softplus(latent) from below (> 0).
	ScaleLow float64
	// ScaleInit is the initial scale, > ScaleLow.
	ScaleInit float64
	// PerDimension learns one α and one c per element of the input's last axis; otherwise one of each, shared.
	PerDimension bool
	// Reduction of the per-element NLL (default ReductionMean).
	Reduction Reduction
}

// DefaultAdaptiveRobustConfig returns Barron's defaults (robust_loss_pytorch.adaptive.AdaptiveLossFunction):
// α in [0.001, 1.999] starting at 1, c >= 1e-5 starting at 1, shared, mean.
func DefaultAdaptiveRobustConfig() AdaptiveRobustConfig {
	return AdaptiveRobustConfig{AlphaLow: 0.001, AlphaHigh: 1.999, AlphaInit: 1, ScaleLow: 1e-5, ScaleInit: 1,
		Reduction: ReductionMean}
}

// Validate returns an error naming the first field out of its range.
func (c AdaptiveRobustConfig) Validate() error {
	switch {
	case !(c.AlphaLow >= 0 && c.AlphaLow < c.AlphaHigh && c.AlphaHigh <= 2):
		return fmt.Errorf("losses: AdaptiveRobustConfig: AlphaLow %g and AlphaHigh %g must satisfy 0 <= AlphaLow < AlphaHigh <= 2",
			c.AlphaLow, c.AlphaHigh)
	case !(c.AlphaInit > c.AlphaLow && c.AlphaInit < c.AlphaHigh):
		return fmt.Errorf("losses: AdaptiveRobustConfig: AlphaInit %g must be inside (%g, %g)", c.AlphaInit,
			c.AlphaLow, c.AlphaHigh)
	case !(c.ScaleLow > 0) || math.IsInf(c.ScaleLow, 1):
		return fmt.Errorf("losses: AdaptiveRobustConfig: ScaleLow %g must be > 0 and finite", c.ScaleLow)
	case !(c.ScaleInit > c.ScaleLow) || math.IsInf(c.ScaleInit, 1):
		return fmt.Errorf("losses: AdaptiveRobustConfig: ScaleInit %g must be > ScaleLow %g and finite", c.ScaleInit,
			c.ScaleLow)
	}
	switch c.Reduction {
	case "", ReductionMean, ReductionSum, ReductionNone:
		return nil
	}
	return fmt.Errorf("losses: AdaptiveRobustConfig: unknown reduction %q (valid: \"none\", \"mean\", \"sum\")", c.Reduction)
}

// alpha and scale map latent values to α and c.
func (c AdaptiveRobustConfig) alpha(latent float64) float64 {
	return c.AlphaLow + (c.AlphaHigh-c.AlphaLow)/(1+math.Exp(-latent))
}

func (c AdaptiveRobustConfig) scale(latent float64) float64 {
	return c.ScaleLow + math.Max(latent, 0) + math.Log1p(math.Exp(-math.Abs(latent)))
}

// latents returns the initial latent values of α and c.
func (c AdaptiveRobustConfig) latents() (alpha, scale float64) {
	p := (c.AlphaInit - c.AlphaLow) / (c.AlphaHigh - c.AlphaLow)
	s := c.ScaleInit - c.ScaleLow
	scale = s + math.Log(-math.Expm1(-s)) // softplus⁻¹(s) = log(expm1(s)), stable for large s
	return math.Log(p / (1 - p)), scale
}

// AdaptiveRobust is Barron's adaptive robust loss with α and the scale c learned as context variables: the NLL
// of AdaptiveRobustNLL with α = AlphaLow + (AlphaHigh - AlphaLow)·sigmoid(a) and c = ScaleLow + softplus(s),
// where a and s are the variables "alpha_latent" and "scale_latent" of ctx.In(AdaptiveRobustScope), created at
// cfg's initial values: scalars, or with cfg.PerDimension vectors of the input's last dimension. Train them with
// the model's other variables (an optimizer that updates every trainable variable does); read them back with
// AdaptiveRobustParams.
//
// Shapes: input and target any shape (rank >= 1 with PerDimension), the same. The result is a scalar, or with
// ReductionNone input's shape.
//
//	\alpha = \alpha_{lo} + (\alpha_{hi} - \alpha_{lo})\,\sigma(a), \quad c = c_{lo} + \log(1 + e^{s}), \quad
//	\ell = \rho(x - y, \alpha, c) + \log c + \log Z(\alpha)
//
// PyTorch: none; Barron's robust_loss_pytorch.adaptive.AdaptiveLossFunction(num_dims, float_dtype, device,
// alpha_lo=0.001, alpha_hi=1.999, alpha_init=None, scale_lo=1e-5, scale_init=1.0).lossfun(x - y) with the
// per-element NLL (its num_dims are PerDimension's last axis).
//
// References: Barron 2019, "A General and Adaptive Robust Loss Function", CVPR, section 3.
//
// Panics if cfg is invalid (see Validate) or the shapes differ.
func AdaptiveRobust(ctx *context.Context, input, target *Node, cfg AdaptiveRobustConfig) *Node {
	const fn = "AdaptiveRobust"
	if err := cfg.Validate(); err != nil {
		panicf(fn, "%v", err)
	}
	checkFloat(fn, "input", input)
	la, ls := cfg.latents()
	dims := []int{}
	if cfg.PerDimension {
		if input.Rank() == 0 {
			panicf(fn, "PerDimension needs an input of rank >= 1, got %s", input.Shape())
		}
		dims = []int{input.Shape().Dimensions[input.Rank()-1]}
	}
	g, dt := input.Graph(), input.DType()
	scope := ctx.In(AdaptiveRobustScope)
	aVar := scope.VariableWithValue("alpha_latent", tensorFilled(dims, la))
	sVar := scope.VariableWithValue("scale_latent", tensorFilled(dims, ls))
	a := ConvertDType(aVar.ValueGraph(g), dt)
	s := ConvertDType(sVar.ValueGraph(g), dt)
	alpha := AddScalar(MulScalar(Sigmoid(a), cfg.AlphaHigh-cfg.AlphaLow), cfg.AlphaLow)
	scale := AddScalar(Softplus(s), cfg.ScaleLow)
	r := cfg.Reduction
	if r == "" {
		r = ReductionMean
	}
	return AdaptiveRobustNLL(input, target, alpha, scale, WithReduction(r))
}

// tensorFilled is a float64 tensor of dims (a scalar for none) filled with v.
func tensorFilled(dims []int, v float64) *tensors.Tensor {
	if len(dims) == 0 {
		return tensors.FromValue(v)
	}
	data := make([]float64, dims[0])
	for i := range data {
		data[i] = v
	}
	return tensors.FromFlatDataAndDimensions(data, dims...)
}

// AdaptiveRobustParams returns the current α and c of AdaptiveRobust's variables in ctx (one value each, or one
// per dimension), mapped through cfg's ranges. It returns an error if the variables do not exist yet.
func AdaptiveRobustParams(ctx *context.Context, cfg AdaptiveRobustConfig) (alpha, scale []float64, err error) {
	read := func(name string, f func(float64) float64) ([]float64, error) {
		v := ctx.InspectVariable(ctx.In(AdaptiveRobustScope).Scope(), name)
		if v == nil {
			return nil, fmt.Errorf("losses: AdaptiveRobustParams: no variable %q in scope %q (build AdaptiveRobust first)",
				name, ctx.In(AdaptiveRobustScope).Scope())
		}
		t, err := v.Value()
		if err != nil {
			return nil, fmt.Errorf("losses: AdaptiveRobustParams: %w", err)
		}
		var out []float64
		if t.Shape().IsScalar() {
			out = []float64{tensors.ToScalar[float64](t)}
		} else {
			out = tensors.MustCopyFlatData[float64](t)
		}
		for i := range out {
			out[i] = f(out[i])
		}
		return out, nil
	}
	if alpha, err = read("alpha_latent", cfg.alpha); err != nil {
		return nil, nil, err
	}
	if scale, err = read("scale_latent", cfg.scale); err != nil {
		return nil, nil, err
	}
	return alpha, scale, nil
}
