package metrics

import (
	"fmt"
	"slices"
)

// This file holds the metrics of multilabel targets: indicator matrices with one row per example and one column
// per label, 1 where the label applies.

// checkIndicators checks two indicator matrices of the same shape with 0/1 entries, and the weights; it returns
// the number of labels (columns).
func checkIndicators(fn string, yTrue, yPred [][]int, weights []float64) (int, error) {
	switch {
	case len(yTrue) == 0:
		return 0, fmt.Errorf("metrics: %s: no examples", fn)
	case len(yTrue) != len(yPred):
		return 0, fmt.Errorf("metrics: %s: %d true rows but %d predicted rows", fn, len(yTrue), len(yPred))
	case weights != nil && len(weights) != len(yTrue):
		return 0, fmt.Errorf("metrics: %s: %d sample weights for %d examples", fn, len(weights), len(yTrue))
	}
	cols := len(yTrue[0])
	if cols == 0 {
		return 0, fmt.Errorf("metrics: %s: the indicator rows have no column", fn)
	}
	for _, m := range [][][]int{yTrue, yPred} {
		for i, row := range m {
			if len(row) != cols {
				return 0, fmt.Errorf("metrics: %s: row %d has %d columns, row 0 of y_true has %d", fn, i, len(row),
					cols)
			}
			for _, v := range row {
				if v != 0 && v != 1 {
					return 0, fmt.Errorf("metrics: %s: row %d holds %d: indicator matrices hold 0 or 1", fn, i, v)
				}
			}
		}
	}
	return cols, nil
}

// MultilabelAccuracy is the subset accuracy of multilabel targets: the fraction of examples whose predicted set
// of labels is exactly the true one, sklearn.metrics.accuracy_score on indicator matrices. It reads
// WithSampleWeight. It returns an error for empty or mismatched matrices or entries other than 0 and 1.
func MultilabelAccuracy(yTrue, yPred [][]int, opts ...ScoreOption) (float64, error) {
	o := newScoreOptions(opts)
	if _, err := checkIndicators("MultilabelAccuracy", yTrue, yPred, o.sampleWeight); err != nil {
		return 0, err
	}
	hits := make([]float64, len(yTrue))
	for i := range yTrue {
		if slices.Equal(yTrue[i], yPred[i]) {
			hits[i] = 1
		}
	}
	return weightedMean(hits, o.sampleWeight, false), nil
}

// multilabelColumns returns the label columns to score: WithLabels (checked against the column count), or all.
func multilabelColumns(fn string, cols int, o scoreOptions) ([]int, error) {
	if !o.labelsSet {
		labels := make([]int, cols)
		for i := range labels {
			labels[i] = i
		}
		return labels, nil
	}
	if len(o.labels) == 0 {
		return nil, fmt.Errorf("metrics: %s: WithLabels needs at least one label", fn)
	}
	for _, l := range o.labels {
		if l < 0 || l >= cols {
			return nil, fmt.Errorf("metrics: %s: label %d is not a column: multilabel labels are in [0, %d)", fn, l,
				cols)
		}
	}
	return o.labels, nil
}

// multilabelCounts counts, per label column (or per example when samples), the (weighted) true positives,
// predictions and true labels.
func multilabelCounts(yTrue, yPred [][]int, weights []float64, labels []int, samples bool) labelCounts {
	n := len(labels)
	if samples {
		n = len(yTrue)
	}
	c := labelCounts{tp: make([]float64, n), pred: make([]float64, n), true_: make([]float64, n)}
	for i := range yTrue {
		w := 1.0
		if weights != nil && !samples {
			w = weights[i]
		}
		for j, l := range labels {
			k := j
			if samples {
				k = i
			}
			t, p := yTrue[i][l] == 1, yPred[i][l] == 1
			if t {
				c.true_[k] += w
			}
			if p {
				c.pred[k] += w
			}
			if t && p {
				c.tp[k] += w
			}
		}
	}
	if samples && weights != nil { // scikit-learn multiplies each example's counts by its weight.
		for i, w := range weights {
			c.tp[i] *= w
			c.pred[i] *= w
			c.true_[i] *= w
		}
	}
	return c
}

// MultilabelPrecisionRecallFBeta is precision, recall and F-beta (see FBeta; β = 1 for F1) of multilabel targets:
// sklearn.metrics.precision_recall_fscore_support(y_true, y_pred, beta=beta) on indicator matrices. Each label
// column is a binary problem; WithAverage combines them: AverageNone (the default, per label), AverageMicro,
// AverageMacro, AverageWeighted, or AverageSamples, which scores each example's label set and averages over the
// examples (weighted by WithSampleWeight). WithLabels picks the columns. It reads WithZeroDivision too, with
// scikit-learn's warnings (for AverageSamples, "in samples with no predicted labels"). It returns an error for
// AverageBinary (as scikit-learn), an unknown average, a label that is not a column, or bad matrices.
func MultilabelPrecisionRecallFBeta(yTrue, yPred [][]int, beta float64, opts ...ScoreOption) (Scores, error) {
	opts = append([]ScoreOption{WithAverage(AverageNone)}, opts...)
	return multilabelPRF("MultilabelPrecisionRecallFBeta", yTrue, yPred, beta, opts, warnAll)
}

// multilabelPRF is precision_recall_fscore_support on indicator matrices, warning as warn says.
func multilabelPRF(fn string, yTrue, yPred [][]int, beta float64, opts []ScoreOption, warn warnFor) (Scores,
	error) {
	o := newScoreOptions(opts)
	cols, err := checkIndicators(fn, yTrue, yPred, o.sampleWeight)
	if err != nil {
		return Scores{}, err
	}
	if err := checkBeta(fn, beta); err != nil {
		return Scores{}, err
	}
	switch o.average {
	case AverageNone, AverageMicro, AverageMacro, AverageWeighted, AverageSamples:
	case AverageBinary:
		return Scores{}, fmt.Errorf("metrics: %s: target is multilabel but average is binary; choose one of %s, %s, "+
			"%s, %s, %s", fn, AverageMicro, AverageMacro, AverageWeighted, AverageSamples, AverageNone)
	default:
		return Scores{}, fmt.Errorf("metrics: %s: unknown average %q; valid ones are %s, %s, %s, %s, %s", fn,
			o.average, AverageMicro, AverageMacro, AverageWeighted, AverageSamples, AverageNone)
	}
	labels, err := multilabelColumns(fn, cols, o)
	if err != nil {
		return Scores{}, err
	}
	c := multilabelCounts(yTrue, yPred, o.sampleWeight, labels, o.average == AverageSamples)
	return prfFromCounts(c, labels, o, beta, warn, posLabelIgnored(o)), nil
}

// MultilabelConfusionMatrix is a 2×2 confusion matrix per label column, [[TN, FP], [FN, TP]] with the (weighted)
// counts: sklearn.metrics.multilabel_confusion_matrix(y_true, y_pred, sample_weight=None, labels=None) on
// indicator matrices. WithLabels picks the columns, in order. It returns an error for a label that is not a
// column, or bad matrices.
func MultilabelConfusionMatrix(yTrue, yPred [][]int, opts ...ScoreOption) ([][2][2]float64, error) {
	const fn = "MultilabelConfusionMatrix"
	o := newScoreOptions(opts)
	cols, err := checkIndicators(fn, yTrue, yPred, o.sampleWeight)
	if err != nil {
		return nil, err
	}
	labels, err := multilabelColumns(fn, cols, o)
	if err != nil {
		return nil, err
	}
	c := multilabelCounts(yTrue, yPred, o.sampleWeight, labels, false)
	total := float64(len(yTrue))
	if o.sampleWeight != nil {
		total = floatsSum(o.sampleWeight)
	}
	out := make([][2][2]float64, len(labels))
	for j := range labels {
		tp, fp, fn := c.tp[j], c.pred[j]-c.tp[j], c.true_[j]-c.tp[j]
		out[j] = [2][2]float64{{total - tp - fp - fn, fp}, {fn, tp}}
	}
	return out, nil
}

// MultilabelClassificationReport is ClassificationReport for indicator matrices: per-label rows, then the micro,
// macro, weighted and samples averages, as scikit-learn prints them. It reads WithLabels (columns),
// WithTargetNames, WithSampleWeight and WithZeroDivision.
func MultilabelClassificationReport(yTrue, yPred [][]int, opts ...ScoreOption) (Report, error) {
	const fn = "MultilabelClassificationReport"
	o := newScoreOptions(opts)
	cols, err := checkIndicators(fn, yTrue, yPred, o.sampleWeight)
	if err != nil {
		return Report{}, err
	}
	labels, err := multilabelColumns(fn, cols, o)
	if err != nil {
		return Report{}, err
	}
	counts := func(lbls []int) labelCounts { return multilabelCounts(yTrue, yPred, o.sampleWeight, lbls, false) }
	samples := func() labelCounts { return multilabelCounts(yTrue, yPred, o.sampleWeight, labels, true) }
	return buildReport(fn, labels, o, false, true, counts, samples)
}
