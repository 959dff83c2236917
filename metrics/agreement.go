package metrics

import (
	"fmt"
	"math"
	"strings"
)

// This file holds the metrics computed from the confusion matrix as a whole: balanced accuracy, Matthews
// correlation and Cohen's kappa.

// BalancedAccuracy is the mean of the per-label recalls, over the labels that occur in yTrue:
// sklearn.metrics.balanced_accuracy_score(y_true, y_pred, sample_weight=None, adjusted=False). On imbalanced data
// it is what accuracy would be if every label were equally frequent. WithAdjusted(true) rescales it so that
// chance (1/K over K labels) scores 0 and perfect 1: (score − 1/K)/(1 − 1/K). It reads WithSampleWeight and
// WithAdjusted; a predicted label that never occurs in yTrue adds scikit-learn's warning "y_pred contains classes
// not in y_true" to the returned warnings. It returns an error for empty or mismatched inputs.
func BalancedAccuracy(yTrue, yPred []int, opts ...ScoreOption) (float64, []string, error) {
	o := newScoreOptions(opts)
	if err := checkLabels("BalancedAccuracy", yTrue, yPred, o.sampleWeight); err != nil {
		return 0, nil, err
	}
	m, _ := ConfusionMatrix(yTrue, yPred, WithSampleWeight(o.sampleWeight))
	var warnings []string
	sum, n := 0.0, 0
	for i, row := range m.Counts {
		total := floatsSum(row)
		if total == 0 {
			continue
		}
		sum += row[i] / total
		n++
	}
	if n < len(m.Counts) {
		warnings = append(warnings, "y_pred contains classes not in y_true")
	}
	score := sum / float64(n)
	if o.adjusted {
		chance := 1 / float64(n)
		score -= chance
		score /= 1 - chance
	}
	return score, warnings, nil
}

// MatthewsCorrCoef is the Matthews correlation coefficient (the phi coefficient for two labels, Gorodkin's R_K
// for more): sklearn.metrics.matthews_corrcoef(y_true, y_pred, sample_weight=None). From the confusion matrix C
// with row sums t, column sums p, trace c and total s:
//
//	MCC = (c·s − t·p) / √((s² − p·p)(s² − t·t))
//
// between −1 and 1, 0 for a constant prediction or constant truth (where the formula is 0/0). It reads
// WithSampleWeight. It returns an error for empty or mismatched inputs.
func MatthewsCorrCoef(yTrue, yPred []int, opts ...ScoreOption) (float64, error) {
	o := newScoreOptions(opts)
	if err := checkLabels("MatthewsCorrCoef", yTrue, yPred, o.sampleWeight); err != nil {
		return 0, err
	}
	m, _ := ConfusionMatrix(yTrue, yPred, WithSampleWeight(o.sampleWeight))
	k := len(m.Labels)
	tSum, pSum := make([]float64, k), make([]float64, k)
	correct := 0.0
	for i, row := range m.Counts {
		for j, v := range row {
			tSum[i] += v
			pSum[j] += v
		}
		correct += row[i]
	}
	samples := floatsSum(pSum)
	covYtYp := correct*samples - dot(tSum, pSum)
	covYpYp := samples*samples - dot(pSum, pSum)
	covYtYt := samples*samples - dot(tSum, tSum)
	if covYpYp*covYtYt == 0 {
		return 0, nil
	}
	return covYtYp / math.Sqrt(covYtYt*covYpYp), nil
}

func dot(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// CohenKappa is Cohen's kappa, the agreement of two annotators beyond chance: sklearn.metrics.cohen_kappa_score(y1,
// y2, labels=None, weights=None, sample_weight=None). With the confusion matrix C of y1 against y2, the matrix E of
// counts expected by chance (the outer product of its marginals over the total) and disagreement weights w (1 off
// the diagonal; |i − j| with KappaLinear, (i − j)² with KappaQuadratic):
//
//	κ = 1 − Σ w·C / Σ w·E
//
// 1 for perfect agreement, 0 for chance; NaN (0/0) when both annotators give one and the same label throughout. It
// reads WithLabels, WithSampleWeight and WithKappaWeights. It returns an error for empty or mismatched inputs, an
// unknown weighting, or labels as ConfusionMatrix refuses them.
func CohenKappa(y1, y2 []int, opts ...ScoreOption) (float64, error) {
	o := newScoreOptions(opts)
	if err := checkLabels("CohenKappa", y1, y2, o.sampleWeight); err != nil {
		return 0, err
	}
	switch o.kappaWeights {
	case KappaUnweighted, KappaLinear, KappaQuadratic:
	default:
		return 0, fmt.Errorf("metrics: CohenKappa: unknown weighting %q; valid ones are %q, %q and unweighted (\"\")",
			o.kappaWeights, KappaLinear, KappaQuadratic)
	}
	cmOpts := []ScoreOption{WithSampleWeight(o.sampleWeight)}
	if o.labelsSet {
		cmOpts = append(cmOpts, WithLabels(o.labels...))
	}
	m, err := ConfusionMatrix(y1, y2, cmOpts...)
	if err != nil {
		return 0, fmt.Errorf("metrics: CohenKappa: %s", strings.TrimPrefix(err.Error(), "metrics: ConfusionMatrix: "))
	}
	k := len(m.Labels)
	sum0, sum1 := make([]float64, k), make([]float64, k)
	for i, row := range m.Counts {
		for j, v := range row {
			sum0[j] += v
			sum1[i] += v
		}
	}
	total := floatsSum(sum0)
	var observed, expected float64
	for i := range k {
		for j := range k {
			var w float64
			switch o.kappaWeights {
			case KappaUnweighted:
				if i != j {
					w = 1
				}
			case KappaLinear:
				w = math.Abs(float64(i - j))
			case KappaQuadratic:
				w = float64((i - j) * (i - j))
			}
			observed += w * m.Counts[i][j]
			expected += w * sum0[i] * sum1[j] / total
		}
	}
	return 1 - observed/expected, nil
}
