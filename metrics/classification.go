package metrics

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
)

// This file holds the classification metrics, in plain Go on label slices: accuracy, precision, recall, F1 and
// the confusion matrix, with scikit-learn 1.2.1's definitions, options and zero-division rules.

// Average says how precision, recall and F1 combine the per-label scores: scikit-learn's `average` argument.
type Average string

// The averages scikit-learn offers for single-label classification.
const (
	// AverageBinary scores only the positive label (WithPosLabel, default 1); the labels must be at most two.
	// It is scikit-learn's default.
	AverageBinary Average = "binary"
	// AverageMicro pools the true positives, false positives and false negatives of all labels. For single-label
	// multiclass data over all labels, micro precision = recall = F1 = accuracy.
	AverageMicro Average = "micro"
	// AverageMacro is the unweighted mean of the per-label scores (so macro-F1 ≠ F1 of macro-P and macro-R).
	AverageMacro Average = "macro"
	// AverageWeighted weights the per-label scores by their support (true count); F1 may fall outside [P, R].
	AverageWeighted Average = "weighted"
	// AverageNone returns only the per-label scores (scikit-learn's average=None); Score.Value is NaN.
	AverageNone Average = "none"
)

// ZeroDivision is what a score worth 0/0 becomes (a label never predicted has no precision; a label never true
// has no recall): scikit-learn's zero_division argument.
type ZeroDivision int

const (
	// ZeroDivisionWarn, the default ("warn"), counts 0/0 as 0 and reports scikit-learn's UndefinedMetricWarning
	// message in Score.Warnings.
	ZeroDivisionWarn ZeroDivision = iota
	// ZeroDivisionZero counts 0/0 as 0, silently.
	ZeroDivisionZero
	// ZeroDivisionOne counts 0/0 as 1.
	ZeroDivisionOne
	// ZeroDivisionNaN makes 0/0 a NaN, which averages skip (a NaN only if every score is NaN). It follows
	// scikit-learn ≥ 1.4, checked against 1.9.1 (1.2.1 has no NaN option): F1 is then 2TP/(2TP+FP+FN), NaN only
	// when that is 0/0.
	ZeroDivisionNaN
)

// ScoreOption sets an option of Precision, Recall, F1, PrecisionRecallF1 and ConfusionMatrix.
type ScoreOption func(*scoreOptions)

type scoreOptions struct {
	average      Average
	labels       []int
	posLabel     int
	sampleWeight []float64
	zeroDivision ZeroDivision
}

// WithAverage sets the average (default AverageBinary, as scikit-learn).
func WithAverage(a Average) ScoreOption { return func(o *scoreOptions) { o.average = a } }

// WithLabels sets the labels to score, in order (default: the sorted labels present in yTrue or yPred). A label
// absent from both scores 0/0 and counts in a macro average; labels present but not listed are left out.
func WithLabels(labels ...int) ScoreOption {
	return func(o *scoreOptions) { o.labels = slices.Clone(labels) }
}

// WithPosLabel sets the positive label of AverageBinary (default 1). Other averages ignore it, with a warning.
func WithPosLabel(label int) ScoreOption { return func(o *scoreOptions) { o.posLabel = label } }

// WithSampleWeight weights every example (default 1 each).
func WithSampleWeight(w []float64) ScoreOption {
	return func(o *scoreOptions) { o.sampleWeight = slices.Clone(w) }
}

// WithZeroDivision sets what 0/0 scores become (default ZeroDivisionWarn).
func WithZeroDivision(z ZeroDivision) ScoreOption {
	return func(o *scoreOptions) { o.zeroDivision = z }
}

// Score is one metric's result.
type Score struct {
	// Value is the averaged score (NaN for AverageNone).
	Value float64
	// Labels are the labels scored, in order; for AverageBinary only the positive label.
	Labels []int
	// PerLabel are the per-label scores, in the order of Labels (nil for AverageMicro, which pools the counts).
	PerLabel []float64
	// Warnings holds the messages scikit-learn would warn with: UndefinedMetricWarning (ZeroDivisionWarn only)
	// and the note that pos_label is ignored by averages other than binary.
	Warnings []string
}

// String formats the value with 4 decimals.
func (s Score) String() string { return fmt.Sprintf("%.4f", s.Value) }

// Scores is what PrecisionRecallF1 returns.
type Scores struct {
	Precision, Recall, F1 Score
	// Support is the (weighted) number of true examples of each label of Precision.Labels.
	Support []float64
}

// Accuracy is the fraction of predictions equal to the true labels: sklearn.metrics.accuracy_score(y_true,
// y_pred). It returns an error if the slices are empty or differ in length.
func Accuracy(yTrue, yPred []int) (float64, error) {
	if err := checkLabels("Accuracy", yTrue, yPred, nil); err != nil {
		return 0, err
	}
	correct := 0
	for i := range yTrue {
		if yTrue[i] == yPred[i] {
			correct++
		}
	}
	return float64(correct) / float64(len(yTrue)), nil
}

// Precision is TP/(TP+FP) per label, averaged as WithAverage says: sklearn.metrics.precision_score(y_true, y_pred,
// labels=None, pos_label=1, average='binary', sample_weight=None, zero_division='warn').
//
// It returns an error, as scikit-learn raises, for empty or mismatched inputs, AverageBinary on more than two
// labels, a pos_label absent from two present labels, or an unknown average.
func Precision(yTrue, yPred []int, opts ...ScoreOption) (Score, error) {
	r, err := prf("Precision", yTrue, yPred, opts, warnPrecision)
	return r.Precision, err
}

// Recall is TP/(TP+FN) per label, averaged as WithAverage says: sklearn.metrics.recall_score, with the same
// arguments and errors as Precision.
func Recall(yTrue, yPred []int, opts ...ScoreOption) (Score, error) {
	r, err := prf("Recall", yTrue, yPred, opts, warnRecall)
	return r.Recall, err
}

// F1 is the harmonic mean of precision and recall per label, 2PR/(P+R) (= 2TP/(2TP+FP+FN)), averaged as
// WithAverage says: sklearn.metrics.f1_score, with the same arguments and errors as Precision. With
// ZeroDivisionWarn it warns, as scikit-learn 1.2.1 does, only for labels with neither true nor predicted examples.
func F1(yTrue, yPred []int, opts ...ScoreOption) (Score, error) {
	r, err := prf("F1", yTrue, yPred, opts, warnFScore)
	return r.F1, err
}

// PrecisionRecallF1 computes the three scores and the support at once, with the warnings scikit-learn gives
// (for precision and recall, "and F-score"): sklearn.metrics.precision_recall_fscore_support(y_true, y_pred,
// beta=1). As there, the default average is AverageNone (per-label scores), not AverageBinary.
func PrecisionRecallF1(yTrue, yPred []int, opts ...ScoreOption) (Scores, error) {
	opts = append([]ScoreOption{WithAverage(AverageNone)}, opts...)
	return prf("PrecisionRecallF1", yTrue, yPred, opts, warnPrecision|warnRecall|warnFScore)
}

// warnFor are scikit-learn's warn_for tuples.
type warnFor int

const (
	warnPrecision warnFor = 1 << iota
	warnRecall
	warnFScore
)

func checkLabels(fn string, yTrue, yPred []int, weights []float64) error {
	switch {
	case len(yTrue) == 0:
		return fmt.Errorf("metrics: %s: no examples", fn)
	case len(yTrue) != len(yPred):
		return fmt.Errorf("metrics: %s: %d true labels but %d predictions", fn, len(yTrue), len(yPred))
	case weights != nil && len(weights) != len(yTrue):
		return fmt.Errorf("metrics: %s: %d sample weights for %d examples", fn, len(weights), len(yTrue))
	}
	return nil
}

// presentLabels is scikit-learn's unique_labels: the sorted union.
func presentLabels(yTrue, yPred []int) []int {
	all := append(slices.Clone(yTrue), yPred...)
	slices.Sort(all)
	return slices.Compact(all)
}

// labelCounts are the (weighted) true-positive, predicted and true counts of each label.
type labelCounts struct {
	tp, pred, true_ []float64
}

func countLabels(yTrue, yPred []int, weights []float64, labels []int) labelCounts {
	index := make(map[int]int, len(labels))
	for i, l := range labels {
		if _, dup := index[l]; !dup {
			index[l] = i
		}
	}
	c := labelCounts{tp: make([]float64, len(labels)), pred: make([]float64, len(labels)),
		true_: make([]float64, len(labels))}
	for i := range yTrue {
		w := 1.0
		if weights != nil {
			w = weights[i]
		}
		it, okT := index[yTrue[i]]
		ip, okP := index[yPred[i]]
		if okT {
			c.true_[it] += w
		}
		if okP {
			c.pred[ip] += w
		}
		if okT && yTrue[i] == yPred[i] {
			c.tp[it] += w
		}
	}
	return c
}

// prf is precision_recall_fscore_support with scikit-learn 1.2.1's rules.
func prf(fn string, yTrue, yPred []int, optList []ScoreOption, warn warnFor) (Scores, error) {
	o := scoreOptions{average: AverageBinary, posLabel: 1}
	for _, opt := range optList {
		opt(&o)
	}
	if err := checkLabels(fn, yTrue, yPred, o.sampleWeight); err != nil {
		return Scores{}, err
	}
	var warnings []string
	present := presentLabels(yTrue, yPred)
	labels := o.labels
	switch o.average {
	case AverageBinary:
		if len(present) > 2 {
			return Scores{}, fmt.Errorf("metrics: %s: target is multiclass (labels %v) but average is binary; "+
				"choose one of %s, %s, %s, %s", fn, present, AverageMicro, AverageMacro, AverageWeighted, AverageNone)
		}
		if !slices.Contains(present, o.posLabel) && len(present) >= 2 {
			return Scores{}, fmt.Errorf("metrics: %s: pos_label=%d is not a valid label: it should be one of %v", fn,
				o.posLabel, present)
		}
		labels = []int{o.posLabel}
	case AverageMicro, AverageMacro, AverageWeighted, AverageNone:
		if o.posLabel != 1 {
			warnings = append(warnings, fmt.Sprintf("Note that pos_label (set to %d) is ignored when average != "+
				"'binary' (got '%s'). You may use labels=[pos_label] to specify a single positive class.",
				o.posLabel, o.average))
		}
	default:
		return Scores{}, fmt.Errorf("metrics: %s: unknown average %q; valid ones are %s, %s, %s, %s, %s", fn,
			o.average, AverageBinary, AverageMicro, AverageMacro, AverageWeighted, AverageNone)
	}
	if labels == nil {
		labels = present
	}
	if len(labels) == 0 {
		return Scores{}, fmt.Errorf("metrics: %s: no labels to score", fn)
	}
	c := countLabels(yTrue, yPred, o.sampleWeight, labels)
	tp, pred, true_ := c.tp, c.pred, c.true_
	if o.average == AverageMicro {
		tp, pred, true_ = []float64{floatsSum(tp)}, []float64{floatsSum(pred)}, []float64{floatsSum(true_)}
	}

	zd := o.zeroDivision
	zdValue := 0.0
	switch zd {
	case ZeroDivisionOne:
		zdValue = 1
	case ZeroDivisionNaN:
		zdValue = math.NaN()
	}
	n := len(tp)
	precision, recall, f1 := make([]float64, n), make([]float64, n), make([]float64, n)
	var noPred, noTrue, noBoth bool
	for i := range n {
		precision[i], recall[i] = zdValue, zdValue
		if pred[i] != 0 {
			precision[i] = tp[i] / pred[i]
		} else {
			noPred = true
		}
		if true_[i] != 0 {
			recall[i] = tp[i] / true_[i]
		} else {
			noTrue = true
			noBoth = noBoth || pred[i] == 0
		}
		if zd == ZeroDivisionNaN { // scikit-learn ≥ 1.4: 2TP / (2TP + FP + FN).
			f1[i] = zdValue
			if denom := true_[i] + pred[i]; denom != 0 {
				f1[i] = 2 * tp[i] / denom
			}
		} else if denom := precision[i] + recall[i]; denom != 0 { // scikit-learn 1.2.1: from P and R.
			f1[i] = 2 * precision[i] * recall[i] / denom
		}
	}
	if zd == ZeroDivisionWarn {
		warnings = append(warnings, prfWarnings(warn, n, noPred, noTrue, noBoth)...)
	}

	res := Scores{Support: c.true_}
	for _, s := range []*Score{&res.Precision, &res.Recall, &res.F1} {
		s.Labels, s.Warnings = labels, warnings
	}
	if o.average != AverageMicro {
		res.Precision.PerLabel, res.Recall.PerLabel, res.F1.PerLabel = precision, recall, f1
	}
	switch o.average {
	case AverageNone:
		res.Precision.Value, res.Recall.Value, res.F1.Value = math.NaN(), math.NaN(), math.NaN()
	case AverageWeighted:
		if floatsSum(true_) == 0 && zd != ZeroDivisionNaN {
			// scikit-learn 1.2.1: no true example of any scored label.
			value := 0.0
			if zd == ZeroDivisionOne {
				value = 1
			}
			if floatsSum(pred) == 0 {
				res.Precision.Value, res.Recall.Value, res.F1.Value = value, value, value
			} else {
				res.Precision.Value, res.Recall.Value, res.F1.Value = 0, value, 0
			}
			break
		}
		res.Precision.Value = nanAverage(precision, true_)
		res.Recall.Value = nanAverage(recall, true_)
		res.F1.Value = nanAverage(f1, true_)
	default:
		res.Precision.Value = nanAverage(precision, nil)
		res.Recall.Value = nanAverage(recall, nil)
		res.F1.Value = nanAverage(f1, nil)
	}
	return res, nil
}

// prfWarnings builds scikit-learn's UndefinedMetricWarning messages.
func prfWarnings(warn warnFor, n int, noPred, noTrue, noBoth bool) []string {
	msg := func(start, modifier string) string {
		where := "in labels with"
		if n == 1 {
			where = "due to"
		}
		return fmt.Sprintf("%s ill-defined and being set to 0.0 %s no %s samples. Use `zero_division` parameter "+
			"to control this behavior.", start, where, modifier)
	}
	start := func(metric string) string {
		if warn&warnFScore != 0 {
			return metric + " and F-score are"
		}
		return metric + " is"
	}
	var out []string
	if noPred && warn&warnPrecision != 0 {
		out = append(out, msg(start("Precision"), "predicted"))
	}
	if noTrue && warn&warnRecall != 0 {
		out = append(out, msg(start("Recall"), "true"))
	}
	if noBoth && warn == warnFScore {
		out = append(out, msg("F-score is", "true nor predicted"))
	}
	return out
}

// nanAverage is scikit-learn's _nanaverage: the (weighted) mean of the non-NaN values, NaN if all are NaN; if the
// remaining weights sum to 0, the unweighted mean.
func nanAverage(values, weights []float64) float64 {
	var sum, wsum, plain float64
	count := 0
	for i, v := range values {
		if math.IsNaN(v) {
			continue
		}
		count++
		plain += v
		if weights != nil {
			sum += v * weights[i]
			wsum += weights[i]
		}
	}
	switch {
	case count == 0:
		return math.NaN()
	case weights == nil || wsum == 0:
		return plain / float64(count)
	}
	return sum / wsum
}

func floatsSum(xs []float64) float64 {
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s
}

// Confusion is a confusion matrix: Counts[i][j] is the (weighted) number of examples whose true label is Labels[i]
// and whose prediction is Labels[j].
type Confusion struct {
	Labels []int
	Counts [][]float64
}

// String draws the matrix with true labels as rows and predictions as columns.
func (c Confusion) String() string {
	var b strings.Builder
	b.WriteString("true\\pred")
	for _, l := range c.Labels {
		fmt.Fprintf(&b, "\t%d", l)
	}
	for i, row := range c.Counts {
		fmt.Fprintf(&b, "\n%d", c.Labels[i])
		for _, v := range row {
			fmt.Fprintf(&b, "\t%g", v)
		}
	}
	return b.String()
}

// ConfusionMatrix counts true labels against predictions: sklearn.metrics.confusion_matrix(y_true, y_pred,
// labels=None, sample_weight=None). WithLabels picks and orders the labels (examples whose true label or
// prediction is not among them are left out); by default they are the sorted labels present; WithSampleWeight
// weights the examples. Other options are ignored. It returns an error for empty or mismatched inputs, or when
// none of the given labels is a true label.
func ConfusionMatrix(yTrue, yPred []int, opts ...ScoreOption) (Confusion, error) {
	o := scoreOptions{}
	for _, opt := range opts {
		opt(&o)
	}
	if err := checkLabels("ConfusionMatrix", yTrue, yPred, o.sampleWeight); err != nil {
		return Confusion{}, err
	}
	labels := o.labels
	if labels == nil {
		labels = presentLabels(yTrue, yPred)
	} else {
		if len(labels) == 0 {
			return Confusion{}, errors.New("metrics: ConfusionMatrix: WithLabels needs at least one label")
		}
		found := false
		for _, l := range labels {
			found = found || slices.Contains(yTrue, l)
		}
		if !found {
			return Confusion{}, fmt.Errorf("metrics: ConfusionMatrix: none of the labels %v is a true label", labels)
		}
	}
	index := make(map[int]int, len(labels))
	for i, l := range labels {
		if _, dup := index[l]; !dup {
			index[l] = i
		}
	}
	counts := make([][]float64, len(labels))
	for i := range counts {
		counts[i] = make([]float64, len(labels))
	}
	for i := range yTrue {
		it, okT := index[yTrue[i]]
		ip, okP := index[yPred[i]]
		if !okT || !okP {
			continue
		}
		w := 1.0
		if o.sampleWeight != nil {
			w = o.sampleWeight[i]
		}
		counts[it][ip] += w
	}
	return Confusion{Labels: slices.Clone(labels), Counts: counts}, nil
}
