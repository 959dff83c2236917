package losses

import (
	"fmt"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX's idiom: graph ops read as math.
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// UncertaintyScope is the context scope of UncertaintyWeightedFromContext's variable "log_variances".
const UncertaintyScope = "uncertainty_weights"

// TaskKind says how UncertaintyWeighted weighs a task's loss: a classification term (cross-entropy) by
// exp(-s), a regression term (squared error) by ½exp(-s), following the likelihoods of Kendall et al.
type TaskKind int

const (
	// Classification: the loss is a cross-entropy (a softmax likelihood scaled by 1/σ²).
	Classification TaskKind = iota
	// Regression: the loss is a squared error (a Gaussian likelihood with variance σ²).
	Regression
)

// UncertaintyWeighted combines several scalar task losses with learned homoscedastic uncertainties (Kendall, Gal
// and Cipolla 2018): each loss L_i is weighted by its precision 1/σ_i², and log σ_i stops the weights from
// collapsing to 0.
//
// Shapes: terms are scalars of one float dtype; logVariances is [len(terms)] (s_i = log σ_i²). kinds gives each
// term's TaskKind (none: all Classification). The result is a scalar.
//
//	\mathcal{L} = \sum_i \left( f_i\, e^{-s_i} L_i + \tfrac12 s_i \right), \qquad
//	f_i = 1 \text{ (classification)}, \; \tfrac12 \text{ (regression)}
//
// which is Kendall's 1/σ² L + log σ for classification and 1/(2σ²) L + log σ for regression. For a fixed L_i
// the optimum is e^{-s_i} = 1/(2 f_i L_i): a task whose loss is large gets a small weight. With s = 0 and all
// Classification it is the plain sum Σ L_i (BertPreTraining's MLM + NSP). Gradients flow to the terms and to s;
// s is unbounded, so an optimizer may drive a task with L_i → 0 to a very large weight: Kendall et al. note it,
// and a learning rate of the same order as the model's works in practice.
//
// PyTorch: none (written by hand in most code bases as (torch.exp(-s) * L + s / 2).sum(), sometimes without
// the ½ or the f_i, which changes the optimum weights by constant factors).
//
// References: Kendall, Gal and Cipolla 2018, "Multi-Task Learning Using Uncertainty to Weigh Losses for Scene
// Geometry and Semantics", CVPR, https://arxiv.org/abs/1705.07115, equations 7 and 10.
//
// Panics if there are no terms, a term is not a float scalar, logVariances is not [len(terms)], or kinds has
// another length.
func UncertaintyWeighted(terms []*Node, logVariances *Node, kinds ...TaskKind) *Node {
	const fn = "UncertaintyWeighted"
	if len(terms) == 0 {
		panicf(fn, "no loss terms")
	}
	if len(kinds) != 0 && len(kinds) != len(terms) {
		panicf(fn, "%d kinds for %d terms (give one per term, or none for all Classification)", len(kinds), len(terms))
	}
	for i, t := range terms {
		if t == nil || !t.IsScalar() || !t.DType().IsFloat() {
			what := "nil"
			if t != nil {
				what = t.Shape().String()
			}
			panicf(fn, "term %d is %s, want a float scalar", i, what)
		}
	}
	checkFloat(fn, "logVariances", logVariances)
	if logVariances.Rank() != 1 || logVariances.Shape().Dimensions[0] != len(terms) {
		panicf(fn, "logVariances %s must be [%d] (one per term)", logVariances.Shape(), len(terms))
	}
	dt := terms[0].DType()
	s := ConvertDType(logVariances, dt)
	// Vectors, not slices of s: the gradient of Slice needs Pad, which the pure-Go backend lacks.
	ls := make([]*Node, len(terms))
	fs := make([]float64, len(terms))
	for i, t := range terms {
		ls[i] = Reshape(ConvertDType(t, dt), 1)
		fs[i] = 1
		if len(kinds) > 0 && kinds[i] == Regression {
			fs[i] = 0.5
		}
	}
	l := Concatenate(ls, 0)
	f := ConstAsDType(l.Graph(), dt, fs)
	return ReduceAllSum(Add(Mul(Mul(f, Exp(Neg(s))), l), MulScalar(s, 0.5)))
}

// UncertaintyWeightedFromContext is UncertaintyWeighted with the log-variances as the context variable
// "log_variances" of ctx.In(UncertaintyScope), [len(terms)] float32, created at 0 (every weight 1: the plain sum
// at the start). Read the learned weights with UncertaintyLogVariances.
func UncertaintyWeightedFromContext(ctx *context.Context, terms []*Node, kinds ...TaskKind) *Node {
	if len(terms) == 0 {
		panicf("UncertaintyWeighted", "no loss terms")
	}
	v := ctx.In(UncertaintyScope).VariableWithValue("log_variances", make([]float32, len(terms)))
	return UncertaintyWeighted(terms, v.ValueGraph(terms[0].Graph()), kinds...)
}

// UncertaintyLogVariances returns the current log-variances s_i of UncertaintyWeightedFromContext's variable
// (the weight of term i is f_i·exp(-s_i)), or an error if it does not exist yet.
func UncertaintyLogVariances(ctx *context.Context) ([]float64, error) {
	scope := ctx.In(UncertaintyScope).Scope()
	v := ctx.InspectVariable(scope, "log_variances")
	if v == nil {
		return nil, fmt.Errorf("losses: UncertaintyLogVariances: no variable \"log_variances\" in scope %q", scope)
	}
	t, err := v.Value()
	if err != nil {
		return nil, fmt.Errorf("losses: UncertaintyLogVariances: %w", err)
	}
	fs := tensors.MustCopyFlatData[float32](t)
	out := make([]float64, len(fs))
	for i, f := range fs {
		out[i] = float64(f)
	}
	return out, nil
}
