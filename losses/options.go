package losses

import (
	"fmt"
	"math"
	"slices"
	"strings"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX's idiom: graph ops read as math.
)

// Reduction says how a loss turns its per-element values into the tensor it returns. The values are PyTorch's
// `reduction` strings; see the package documentation for the exact rule each loss follows.
type Reduction string

const (
	// ReductionNone returns the per-element (or per-example) losses, unreduced.
	ReductionNone Reduction = "none"
	// ReductionMean returns the mean: over all elements for most losses, but the weighted mean
	// Σℓ / Σ w[y]·valid for the class-index losses (CrossEntropy, NLL, their focal/Poly-1/MLM variants),
	// exactly as PyTorch. It is the default of every loss except SigmoidFocal.
	ReductionMean Reduction = "mean"
	// ReductionSum returns the sum of all elements.
	ReductionSum Reduction = "sum"
	// ReductionBatchMean returns the sum divided by the batch size (the first dimension): the true mean KL per
	// example. Only KLDiv accepts it.
	ReductionBatchMean Reduction = "batchmean"
)

// ParseReduction converts PyTorch's reduction string ("none", "mean", "sum", "batchmean") into a Reduction.
func ParseReduction(s string) (Reduction, error) {
	switch r := Reduction(s); r {
	case ReductionNone, ReductionMean, ReductionSum, ReductionBatchMean:
		return r, nil
	}
	return "", fmt.Errorf("losses: unknown reduction %q (valid: \"none\", \"mean\", \"sum\", and \"batchmean\" for KLDivLoss)", s)
}

// DefaultIgnoreIndex is PyTorch's default ignore_index (-100): the label that class-index losses skip.
const DefaultIgnoreIndex = -100

// Option configures a loss. Options have PyTorch's names and defaults; each loss accepts the options its PyTorch
// module (or reference function) takes, and panics, listing the valid ones, when given another.
type Option struct {
	name  string
	apply func(*options)
	check func() error // nil, or the range check of the option's value (run when a loss uses it)
}

// optional is a value that may not have been set.
type optional[T any] struct {
	value T
	set   bool
}

func (o optional[T]) or(def T) T {
	if o.set {
		return o.value
	}
	return def
}

// options holds every option of every loss; each loss reads the ones it accepts, with its own defaults.
type options struct {
	reduction      optional[Reduction]
	weight         *Node
	posWeight      *Node
	ignoreIndex    optional[int]
	labelSmoothing optional[float64]
	classAxis      optional[int]
	logTarget      optional[bool]
	margin         optional[float64]
	delta          optional[float64]
	beta           optional[float64]
	p              optional[float64]
	eps            optional[float64]
	swap           optional[bool]
	alpha          optional[float64]
	gamma          optional[float64]
	logInput       optional[bool]
	full           optional[bool]
	epsilon        optional[float64]
	metric         metricOptions // the contrastive and triplet family's options (metric_learning.go)
}

// Option names, as they appear in panics.
const (
	optReduction      = "WithReduction"
	optWeight         = "WithWeight"
	optPosWeight      = "WithPosWeight"
	optIgnoreIndex    = "WithIgnoreIndex"
	optLabelSmoothing = "WithLabelSmoothing"
	optClassAxis      = "WithClassAxis"
	optLogTarget      = "WithLogTarget"
	optMargin         = "WithMargin"
	optDelta          = "WithDelta"
	optBeta           = "WithBeta"
	optP              = "WithP"
	optEps            = "WithEps"
	optSwap           = "WithSwap"
	optAlpha          = "WithAlpha"
	optGamma          = "WithGamma"
	optLogInput       = "WithLogInput"
	optFull           = "WithFull"
	optEpsilon        = "WithEpsilon"
)

// configure applies opts for the loss fn, panicking if one of them is not in valid.
func configure(fn string, opts []Option, valid ...string) *options {
	o := &options{}
	for _, opt := range opts {
		if opt.apply == nil {
			panicf(fn, "zero Option given (use the With... constructors)")
		}
		if !slices.Contains(valid, opt.name) {
			panicf(fn, "option %s does not apply (valid: %s)", opt.name, strings.Join(valid, ", "))
		}
		if opt.check != nil {
			if err := opt.check(); err != nil {
				panicf(fn, "%s: %v", opt.name, err)
			}
		}
		opt.apply(o)
	}
	return o
}

// valueRange is the set of values a float option accepts, as a predicate and its description.
type valueRange struct {
	ok   func(float64) bool
	desc string
}

var (
	anyFinite   = valueRange{func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }, "finite"}
	unitRange   = valueRange{func(v float64) bool { return v >= 0 && v <= 1 }, "in [0, 1]"}
	positive    = valueRange{func(v float64) bool { return v > 0 && !math.IsInf(v, 1) }, "> 0 and finite"}
	nonNegative = valueRange{func(v float64) bool { return v >= 0 && !math.IsInf(v, 1) }, ">= 0 and finite"}
	alphaRange  = valueRange{func(v float64) bool { return v <= 1 && !math.IsInf(v, -1) }, "in [0, 1], or negative (finite) to disable"}
)

// floatOption builds an Option holding a float64 value checked against r when a loss uses it. what names the
// value in the message ("label smoothing").
func floatOption(name, what string, v float64, r valueRange, set func(*options, float64)) Option {
	return Option{name: name, apply: func(o *options) { set(o, v) }, check: func() error {
		if !r.ok(v) {
			return fmt.Errorf("%s %g must be %s", what, v, r.desc)
		}
		return nil
	}}
}

// WithReduction sets the reduction (PyTorch `reduction`; default ReductionMean, except SigmoidFocal: ReductionNone).
func WithReduction(r Reduction) Option {
	return Option{name: optReduction, apply: func(o *options) { o.reduction = optional[Reduction]{r, true} }}
}

// WithWeight sets per-class weights (PyTorch `weight`): shape [C] for CrossEntropy, NLL, SoftmaxFocal and
// MultiLabelSoftMargin; for BinaryCrossEntropy and BinaryCrossEntropyLogits any shape that broadcasts to the
// input (aligned on the right, as PyTorch). Weights are constants: no gradient flows into them (as PyTorch).
func WithWeight(w *Node) Option {
	return Option{name: optWeight, apply: func(o *options) { o.weight = w }}
}

// WithPosWeight sets BinaryCrossEntropyLogits' weight of positive examples (PyTorch `pos_weight`), broadcast
// along the last (class) axis.
func WithPosWeight(w *Node) Option {
	return Option{name: optPosWeight, apply: func(o *options) { o.posWeight = w }}
}

// WithIgnoreIndex sets the label whose positions contribute neither to the loss nor to the mean's denominator
// (PyTorch `ignore_index`, default DefaultIgnoreIndex = -100).
func WithIgnoreIndex(i int) Option {
	return Option{name: optIgnoreIndex, apply: func(o *options) { o.ignoreIndex = optional[int]{i, true} }}
}

// WithLabelSmoothing sets CrossEntropy's label smoothing ε in [0, 1] (PyTorch `label_smoothing`, default 0). A loss
// given another value (NaN included) panics.
func WithLabelSmoothing(eps float64) Option {
	return floatOption(optLabelSmoothing, "label smoothing", eps, unitRange,
		func(o *options, v float64) { o.labelSmoothing = optional[float64]{v, true} })
}

// WithClassAxis sets the class axis of the logits for the class-index losses. The default is 1, as PyTorch
// (logits [N, C, d1, ...]); use -1 for class-last logits such as a language model's [batch, seq, vocab].
func WithClassAxis(axis int) Option {
	return Option{name: optClassAxis, apply: func(o *options) { o.classAxis = optional[int]{axis, true} }}
}

// WithLogTarget says KLDiv's target is given in log space (PyTorch `log_target`, default false).
func WithLogTarget(b bool) Option {
	return Option{name: optLogTarget, apply: func(o *options) { o.logTarget = optional[bool]{b, true} }}
}

// WithMargin sets the margin of CosineEmbedding (default 0), MarginRanking (0), TripletMargin (1) and
// HingeEmbedding (1) (PyTorch `margin`). It must be finite.
func WithMargin(m float64) Option {
	return floatOption(optMargin, "margin", m, anyFinite, func(o *options, v float64) { o.margin = optional[float64]{v, true} })
}

// WithDelta sets Huber's δ > 0, finite (PyTorch `delta`, default 1).
func WithDelta(d float64) Option {
	return floatOption(optDelta, "delta", d, positive, func(o *options, v float64) { o.delta = optional[float64]{v, true} })
}

// WithBeta sets SmoothL1's β >= 0, finite (PyTorch `beta`, default 1; 0 gives L1).
func WithBeta(b float64) Option {
	return floatOption(optBeta, "beta", b, nonNegative, func(o *options, v float64) { o.beta = optional[float64]{v, true} })
}

// WithP sets TripletMargin's norm degree p > 0, finite (PyTorch `p`, default 2).
func WithP(p float64) Option {
	return floatOption(optP, "p", p, positive, func(o *options, v float64) { o.p = optional[float64]{v, true} })
}

// WithEps sets the small constant of TripletMargin (added to the difference, default 1e-6), PoissonNLL (added
// inside the log when logInput is false, default 1e-8) and GaussianNLL (variance clamp, default 1e-6)
// (PyTorch `eps`). It must be >= 0 and finite.
func WithEps(eps float64) Option {
	return floatOption(optEps, "eps", eps, nonNegative, func(o *options, v float64) { o.eps = optional[float64]{v, true} })
}

// WithSwap enables TripletMargin's distance swap (PyTorch `swap`, default false).
func WithSwap(b bool) Option {
	return Option{name: optSwap, apply: func(o *options) { o.swap = optional[bool]{b, true} }}
}

// WithAlpha sets SigmoidFocal's α in [0, 1], the weight of positives (torchvision `alpha`, default 0.25; a finite
// negative value disables weighting).
func WithAlpha(a float64) Option {
	return floatOption(optAlpha, "alpha", a, alphaRange, func(o *options, v float64) { o.alpha = optional[float64]{v, true} })
}

// WithGamma sets the focusing exponent γ >= 0, finite, of SigmoidFocal and SoftmaxFocal (default 2).
func WithGamma(g float64) Option {
	return floatOption(optGamma, "gamma", g, nonNegative, func(o *options, v float64) { o.gamma = optional[float64]{v, true} })
}

// WithLogInput says PoissonNLL's input is the log of the rate (PyTorch `log_input`, default true).
func WithLogInput(b bool) Option {
	return Option{name: optLogInput, apply: func(o *options) { o.logInput = optional[bool]{b, true} }}
}

// WithFull adds the constant terms of PoissonNLL (Stirling) and GaussianNLL (½log 2π) (PyTorch `full`,
// default false).
func WithFull(b bool) Option {
	return Option{name: optFull, apply: func(o *options) { o.full = optional[bool]{b, true} }}
}

// WithEpsilon sets Poly-1's ε, the weight of the (1 - p_t) term (optax `epsilon`, default 2; any finite value,
// the paper uses -1 to 1).
func WithEpsilon(eps float64) Option {
	return floatOption(optEpsilon, "epsilon", eps, anyFinite, func(o *options, v float64) { o.epsilon = optional[float64]{v, true} })
}

// panicf panics while building a graph, with the package prefix and the loss name.
func panicf(fn, format string, args ...any) {
	panic(fmt.Errorf("losses: %s: "+format, append([]any{fn}, args...)...))
}
