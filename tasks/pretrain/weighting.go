package pretrain

import (
	"fmt"
	"math"
	"strings"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX graph code reads best with the dot import.
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/lossbook/lossbook/losses"
)

// The values of Config.LossWeighting.
const (
	// FixedWeighting sums the two losses, MLM + NSP, as BertForPreTraining does.
	FixedWeighting = "fixed"
	// UncertaintyWeighting weighs them by learned homoscedastic uncertainties (Kendall, Gal and Cipolla 2018).
	UncertaintyWeighting = "uncertainty"
)

// LossWeightings lists the values of Config.LossWeighting.
func LossWeightings() []string { return []string{FixedWeighting, UncertaintyWeighting} }

// checkLossWeighting returns one error naming a value of Config.LossWeighting that is not known, and the choices.
func checkLossWeighting(w string) error {
	switch w {
	case FixedWeighting, UncertaintyWeighting, "":
		return nil
	}
	return fmt.Errorf("pretrain: loss_weighting %q, want one of %s", w, strings.Join(LossWeightings(), ", "))
}

// Objective is the pre-training loss that Train minimises, built from a batch's MLM and NSP losses (float
// scalars: the mean cross-entropy over the masked tokens, and over the pairs) as weighting says:
//
//	fixed ("" too):  \mathcal{L} = L_{MLM} + L_{NSP}
//	uncertainty:     \mathcal{L} = e^{-s_1} L_{MLM} + e^{-s_2} L_{NSP} + \tfrac12 (s_1 + s_2)
//
// The second is losses.UncertaintyWeightedFromContext(ctx, [MLM, NSP]) with both terms Classification: s =
// [s_1, s_2] are the log-variances log σ_i² of Kendall, Gal and Cipolla (2018), the context variable
// "log_variances" of scope losses.UncertaintyScope under ctx ("/uncertainty_weights/log_variances" in a run's
// checkpoint), created at 0, so that the first step's objective is the fixed sum. They are trained by the
// model's optimizer (in Train: AdamW with the model's learning rate and schedule, no weight decay, their
// gradients clipped together with the model's); for fixed losses the optimum would be e^{-s_i} = 1/(2 L_i), so
// the term with the larger loss (MLM) gets the smaller weight. The fixed objective creates no variable.
//
// PyTorch: mlm + nsp (BertForPreTraining's total_loss); (torch.exp(-s) * torch.stack([mlm, nsp]) + s / 2).sum()
// with s = nn.Parameter(torch.zeros(2)) for the uncertainty weighting.
//
// Panics (with a pretrain: prefix) for another weighting; losses.UncertaintyWeighted panics for terms that are
// not float scalars.
func Objective(ctx *mlctx.Context, weighting string, mlm, nsp *Node) *Node {
	switch weighting {
	case FixedWeighting, "":
		return Add(mlm, nsp)
	case UncertaintyWeighting:
		return losses.UncertaintyWeightedFromContext(ctx, []*Node{mlm, nsp})
	}
	panic(checkLossWeighting(weighting))
}

// LossWeights returns the model's learned log-variances [s_MLM, s_NSP] and the weights [e^{-s_MLM}, e^{-s_NSP}]
// of the two losses in its objective (see Objective), or nil, nil for the fixed sum. It returns an error when a
// run with LossWeighting "uncertainty" has no log-variances in its context (not trained yet).
func (m *Model) LossWeights() (logVariances, weights []float64, err error) {
	if m.Config.LossWeighting != UncertaintyWeighting {
		return nil, nil, nil
	}
	s, err := losses.UncertaintyLogVariances(m.Context)
	if err != nil {
		return nil, nil, fmt.Errorf("pretrain: %w", err)
	}
	weights = make([]float64, len(s))
	for i, v := range s {
		weights[i] = math.Exp(-v)
	}
	return s, weights, nil
}
