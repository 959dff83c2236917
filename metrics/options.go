package metrics

import "slices"

// ScoreOption sets an option of the classification metrics, scikit-learn's keyword arguments. Each function says
// which options it reads and ignores the others. An option that is not given takes scikit-learn's default; an
// option given with a zero value (WithLabels() with no label, WithEps(0)) means that value, not the default.
type ScoreOption func(*scoreOptions)

type scoreOptions struct {
	average      Average
	labels       []int
	labelsSet    bool
	posLabel     int
	posLabelSet  bool
	sampleWeight []float64
	zeroDivision ZeroDivision
	targetNames  []string
	normalize    Normalize
	adjusted     bool
	kappaWeights KappaWeights
	eps          float64
	epsSet       bool
	sum          bool
}

func newScoreOptions(opts []ScoreOption) scoreOptions {
	o := scoreOptions{average: AverageBinary, posLabel: 1}
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// WithAverage sets the average of precision, recall and F-scores (default AverageBinary, as scikit-learn, except
// PrecisionRecallF1 and PrecisionRecallFBeta: AverageNone).
func WithAverage(a Average) ScoreOption { return func(o *scoreOptions) { o.average = a } }

// WithLabels sets the labels to score, in order (default: the sorted labels present in yTrue or yPred). A label
// absent from both scores 0/0 and counts in a macro average; labels present but not listed are left out. For
// multilabel targets the labels are column indices. Given with no label, it is an error where labels are needed.
func WithLabels(labels ...int) ScoreOption {
	return func(o *scoreOptions) { o.labels, o.labelsSet = append([]int{}, labels...), true }
}

// WithPosLabel sets the positive label of AverageBinary, AveragePrecision and BrierScore (default 1, or for
// BrierScore the greater label when the labels are not {0, 1} or {-1, 1}). Averages other than binary ignore it,
// with a warning.
func WithPosLabel(label int) ScoreOption {
	return func(o *scoreOptions) { o.posLabel, o.posLabelSet = label, true }
}

// WithSampleWeight weights every example (default 1 each).
func WithSampleWeight(w []float64) ScoreOption {
	return func(o *scoreOptions) { o.sampleWeight = slices.Clone(w) }
}

// WithZeroDivision sets what 0/0 scores become (default ZeroDivisionWarn).
func WithZeroDivision(z ZeroDivision) ScoreOption {
	return func(o *scoreOptions) { o.zeroDivision = z }
}

// WithTargetNames names the labels in a ClassificationReport (default: the labels' numbers), one per label.
func WithTargetNames(names ...string) ScoreOption {
	return func(o *scoreOptions) { o.targetNames = slices.Clone(names) }
}

// Normalize says how ConfusionMatrix normalizes its counts: scikit-learn's normalize argument.
type Normalize string

// The normalizations of ConfusionMatrix.
const (
	// NormalizeNone keeps the (weighted) counts; it is the default.
	NormalizeNone Normalize = ""
	// NormalizeTrue divides each row by its sum: row i holds the distribution of predictions of true label i
	// (its diagonal entry is the label's recall).
	NormalizeTrue Normalize = "true"
	// NormalizePred divides each column by its sum (the diagonal holds the precisions).
	NormalizePred Normalize = "pred"
	// NormalizeAll divides every count by the total.
	NormalizeAll Normalize = "all"
)

// WithNormalize normalizes ConfusionMatrix over true labels, predictions or all (default: counts).
func WithNormalize(n Normalize) ScoreOption { return func(o *scoreOptions) { o.normalize = n } }

// WithAdjusted rescales BalancedAccuracy so that chance scores 0 and perfect 1 (scikit-learn's adjusted=True).
func WithAdjusted(adjusted bool) ScoreOption { return func(o *scoreOptions) { o.adjusted = adjusted } }

// KappaWeights says how CohenKappa weighs disagreements: scikit-learn's weights argument.
type KappaWeights string

// The weightings of CohenKappa.
const (
	// KappaUnweighted counts every disagreement as 1; it is the default.
	KappaUnweighted KappaWeights = ""
	// KappaLinear weighs a disagreement between the i-th and j-th labels by |i − j|.
	KappaLinear KappaWeights = "linear"
	// KappaQuadratic weighs it by (i − j)².
	KappaQuadratic KappaWeights = "quadratic"
)

// WithKappaWeights sets CohenKappa's weighting (default KappaUnweighted).
func WithKappaWeights(w KappaWeights) ScoreOption {
	return func(o *scoreOptions) { o.kappaWeights = w }
}

// WithEps clips LogLoss's probabilities to [eps, 1 − eps] (default: float64's machine epsilon, 2.22e-16, as
// scikit-learn's eps="auto"); WithEps(0) clips nothing, so a zero probability of the true class gives +Inf.
func WithEps(eps float64) ScoreOption { return func(o *scoreOptions) { o.eps, o.epsSet = eps, true } }

// WithSum makes LogLoss return the (weighted) sum of the per-example losses, and TopKAccuracy the (weighted) number
// of hits, instead of their means (scikit-learn's normalize=False).
func WithSum() ScoreOption { return func(o *scoreOptions) { o.sum = true } }
