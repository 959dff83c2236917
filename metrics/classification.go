package metrics

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
)

// This file holds the classification metrics on label slices: accuracy, precision, recall, F-scores and the
// confusion matrix, with scikit-learn 1.2.1's definitions, options and zero-division rules.

// Average says how precision, recall and F1 combine the per-label scores: scikit-learn's `average` argument.
type Average string

// The averages scikit-learn offers.
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
	// AverageSamples scores each example's set of labels, then averages over the examples (weighted by the sample
	// weights): multilabel targets only (MultilabelPrecisionRecallFBeta).
	AverageSamples Average = "samples"
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

// Scores is what PrecisionRecallF1 and PrecisionRecallFBeta return.
type Scores struct {
	Precision, Recall Score
	// F is the F-score: F1, or F-beta for PrecisionRecallFBeta.
	F Score
	// Support is the (weighted) number of true examples of each label of Precision.Labels (nil for the 'samples'
	// average).
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
	r, err := prf("Precision", yTrue, yPred, 1, opts, warnPrecision)
	return r.Precision, err
}

// Recall is TP/(TP+FN) per label, averaged as WithAverage says: sklearn.metrics.recall_score, with the same
// arguments and errors as Precision.
func Recall(yTrue, yPred []int, opts ...ScoreOption) (Score, error) {
	r, err := prf("Recall", yTrue, yPred, 1, opts, warnRecall)
	return r.Recall, err
}

// F1 is the harmonic mean of precision and recall per label, 2PR/(P+R) (= 2TP/(2TP+FP+FN)), averaged as
// WithAverage says: sklearn.metrics.f1_score, with the same arguments and errors as Precision. With
// ZeroDivisionWarn it warns, as scikit-learn 1.2.1 does, only for labels with neither true nor predicted examples.
func F1(yTrue, yPred []int, opts ...ScoreOption) (Score, error) {
	r, err := prf("F1", yTrue, yPred, 1, opts, warnFScore)
	return r.F, err
}

// FBeta is the weighted harmonic mean of precision and recall per label, recall counting β times as much as
// precision, averaged as WithAverage says: sklearn.metrics.fbeta_score(y_true, y_pred, beta=beta), with the same
// arguments, warnings and errors as F1.
//
//	F_β = (1 + β²)·P·R / (β²·P + R)    (0 when the denominator is 0)
//
// β = 1 is F1, β = 0 precision, β = +Inf recall. It returns an error for β < 0 or NaN, as scikit-learn raises.
func FBeta(yTrue, yPred []int, beta float64, opts ...ScoreOption) (Score, error) {
	r, err := prf("FBeta", yTrue, yPred, beta, opts, warnFScore)
	return r.F, err
}

// PrecisionRecallF1 computes the three scores and the support at once, with the warnings scikit-learn gives
// (for precision and recall, "and F-score"): sklearn.metrics.precision_recall_fscore_support(y_true, y_pred,
// beta=1). As there, the default average is AverageNone (per-label scores), not AverageBinary.
func PrecisionRecallF1(yTrue, yPred []int, opts ...ScoreOption) (Scores, error) {
	opts = append([]ScoreOption{WithAverage(AverageNone)}, opts...)
	return prf("PrecisionRecallF1", yTrue, yPred, 1, opts, warnAll)
}

// PrecisionRecallFBeta is PrecisionRecallF1 with F-beta (see FBeta) in Scores.F:
// sklearn.metrics.precision_recall_fscore_support(y_true, y_pred, beta=beta).
func PrecisionRecallFBeta(yTrue, yPred []int, beta float64, opts ...ScoreOption) (Scores, error) {
	opts = append([]ScoreOption{WithAverage(AverageNone)}, opts...)
	return prf("PrecisionRecallFBeta", yTrue, yPred, beta, opts, warnAll)
}

// warnFor are scikit-learn's warn_for tuples.
type warnFor int

const (
	warnPrecision warnFor = 1 << iota
	warnRecall
	warnFScore
	warnAll = warnPrecision | warnRecall | warnFScore
)

func checkLabels(fn string, yTrue, yPred []int, weights []float64) error {
	if len(yTrue) == 0 {
		return fmt.Errorf("metrics: %s: no examples", fn)
	}
	return checkLengths(fn, yTrue, yPred, weights)
}

// checkLengths checks that the true labels, the predictions and the sample weights (if any) match.
func checkLengths(fn string, yTrue, yPred []int, weights []float64) error {
	switch {
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
	index := labelIndex(labels)
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

// prf is precision_recall_fscore_support with scikit-learn 1.2.1's rules, on label slices.
func prf(fn string, yTrue, yPred []int, beta float64, optList []ScoreOption, warn warnFor) (Scores, error) {
	o := newScoreOptions(optList)
	if err := checkLabels(fn, yTrue, yPred, o.sampleWeight); err != nil {
		return Scores{}, err
	}
	if err := checkBeta(fn, beta); err != nil {
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
		warnings = posLabelIgnored(o)
	case AverageSamples:
		return Scores{}, fmt.Errorf("metrics: %s: the samples average needs multilabel targets (indicator "+
			"matrices: MultilabelPrecisionRecallFBeta); for labels choose one of %s, %s, %s, %s, %s", fn,
			AverageBinary, AverageMicro, AverageMacro, AverageWeighted, AverageNone)
	default:
		return Scores{}, fmt.Errorf("metrics: %s: unknown average %q; valid ones are %s, %s, %s, %s, %s", fn,
			o.average, AverageBinary, AverageMicro, AverageMacro, AverageWeighted, AverageNone)
	}
	if o.average != AverageBinary && !o.labelsSet {
		labels = present
	}
	if len(labels) == 0 {
		return Scores{}, fmt.Errorf("metrics: %s: WithLabels needs at least one label", fn)
	}
	c := countLabels(yTrue, yPred, o.sampleWeight, labels)
	return prfFromCounts(c, labels, o, beta, warn, warnings), nil
}

// posLabelIgnored is scikit-learn's note that pos_label only serves the binary average.
func posLabelIgnored(o scoreOptions) []string {
	if !o.posLabelSet || o.posLabel == 1 {
		return nil
	}
	return []string{fmt.Sprintf("Note that pos_label (set to %d) is ignored when average != 'binary' (got '%s'). "+
		"You may use labels=[pos_label] to specify a single positive class.", o.posLabel, o.average)}
}

func checkBeta(fn string, beta float64) error {
	if math.IsNaN(beta) || beta < 0 {
		return fmt.Errorf("metrics: %s: beta must be >= 0 (or +Inf), got %v", fn, beta)
	}
	return nil
}

// prfFromCounts divides and averages the counts: per label, or per example for AverageSamples (whose weights are
// the sample weights).
func prfFromCounts(c labelCounts, labels []int, o scoreOptions, beta float64, warn warnFor,
	warnings []string) Scores {
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
	beta2 := beta * beta
	n := len(tp)
	precision, recall, f := make([]float64, n), make([]float64, n), make([]float64, n)
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
		switch {
		case math.IsInf(beta, 1):
			f[i] = recall[i]
		case zd == ZeroDivisionNaN: // scikit-learn ≥ 1.4: (1 + β²)TP / (β²(TP + FN) + TP + FP).
			f[i] = zdValue
			if denom := beta2*true_[i] + pred[i]; denom != 0 {
				f[i] = (1 + beta2) * tp[i] / denom
			}
		default: // scikit-learn 1.2.1: from P and R.
			if denom := beta2*precision[i] + recall[i]; denom != 0 {
				f[i] = (1 + beta2) * precision[i] * recall[i] / denom
			}
		}
	}
	if zd == ZeroDivisionWarn {
		warnings = append(warnings, prfWarnings(warn, n, noPred, noTrue, noBoth, o.average == AverageSamples)...)
	}

	res := Scores{Support: c.true_}
	for _, s := range []*Score{&res.Precision, &res.Recall, &res.F} {
		s.Labels, s.Warnings = labels, warnings
	}
	switch o.average {
	case AverageMicro:
	case AverageSamples:
		res.Support = nil
	default:
		res.Precision.PerLabel, res.Recall.PerLabel, res.F.PerLabel = precision, recall, f
	}
	switch o.average {
	case AverageNone:
		res.Precision.Value, res.Recall.Value, res.F.Value = math.NaN(), math.NaN(), math.NaN()
	case AverageWeighted:
		if floatsSum(true_) == 0 && zd != ZeroDivisionNaN {
			// scikit-learn 1.2.1: no true example of any scored label.
			value := 0.0
			if zd == ZeroDivisionOne {
				value = 1
			}
			if floatsSum(pred) == 0 {
				res.Precision.Value, res.Recall.Value, res.F.Value = value, value, value
			} else {
				res.Precision.Value, res.Recall.Value, res.F.Value = 0, value, 0
			}
			break
		}
		res.Precision.Value = nanAverage(precision, true_)
		res.Recall.Value = nanAverage(recall, true_)
		res.F.Value = nanAverage(f, true_)
	case AverageSamples:
		res.Precision.Value = nanAverage(precision, o.sampleWeight)
		res.Recall.Value = nanAverage(recall, o.sampleWeight)
		res.F.Value = nanAverage(f, o.sampleWeight)
	default:
		res.Precision.Value = nanAverage(precision, nil)
		res.Recall.Value = nanAverage(recall, nil)
		res.F.Value = nanAverage(f, nil)
	}
	return res
}

// prfWarnings builds scikit-learn's UndefinedMetricWarning messages; samples says the scores are per example.
func prfWarnings(warn warnFor, n int, noPred, noTrue, noBoth, samples bool) []string {
	axis0, axis1 := "sample", "label"
	if samples {
		axis0, axis1 = axis1, axis0
	}
	msg := func(start, modifier string) string {
		where := "in " + axis1 + "s with"
		if n == 1 {
			where = "due to"
		}
		return fmt.Sprintf("%s ill-defined and being set to 0.0 %s no %s %ss. Use `zero_division` parameter "+
			"to control this behavior.", start, where, modifier, axis0)
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
// labels=None, sample_weight=None, normalize=None). WithLabels picks and orders the labels (examples whose true
// label or prediction is not among them are left out); by default they are the sorted labels present;
// WithSampleWeight weights the examples; WithNormalize divides each row, each column or the whole matrix by its
// sum (a zero sum gives zeros). Other options are ignored.
//
// Empty inputs give a matrix of zeros, as scikit-learn: 0×0 without labels, N×N with N labels given. It returns
// an error for mismatched inputs, WithLabels with no label, or none of the given labels a true label.
func ConfusionMatrix(yTrue, yPred []int, opts ...ScoreOption) (Confusion, error) {
	o := newScoreOptions(opts)
	if err := checkLengths("ConfusionMatrix", yTrue, yPred, o.sampleWeight); err != nil {
		return Confusion{}, err
	}
	if err := checkNormalize("ConfusionMatrix", o.normalize); err != nil {
		return Confusion{}, err
	}
	labels := o.labels
	if !o.labelsSet {
		labels = presentLabels(yTrue, yPred)
	} else {
		if len(labels) == 0 {
			return Confusion{}, errors.New("metrics: ConfusionMatrix: WithLabels needs at least one label")
		}
		found := len(yTrue) == 0
		for _, l := range labels {
			found = found || slices.Contains(yTrue, l)
		}
		if !found {
			return Confusion{}, fmt.Errorf("metrics: ConfusionMatrix: none of the labels %v is a true label", labels)
		}
	}
	index := labelIndex(labels)
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
	normalizeConfusion(counts, o.normalize)
	return Confusion{Labels: slices.Clone(labels), Counts: counts}, nil
}

// labelIndex maps each label to its first position.
func labelIndex(labels []int) map[int]int {
	index := make(map[int]int, len(labels))
	for i, l := range labels {
		if _, dup := index[l]; !dup {
			index[l] = i
		}
	}
	return index
}

func checkNormalize(fn string, n Normalize) error {
	switch n {
	case NormalizeNone, NormalizeTrue, NormalizePred, NormalizeAll:
		return nil
	}
	return fmt.Errorf("metrics: %s: unknown normalization %q; valid ones are %q, %q, %q and none (\"\")", fn, n,
		NormalizeTrue, NormalizePred, NormalizeAll)
}

// normalizeConfusion divides by row, column or total sums, 0/0 giving 0 (scikit-learn's nan_to_num).
func normalizeConfusion(m [][]float64, n Normalize) {
	div := func(x, d float64) float64 {
		if d == 0 {
			return 0
		}
		return x / d
	}
	switch n {
	case NormalizeTrue:
		for _, row := range m {
			s := floatsSum(row)
			for j := range row {
				row[j] = div(row[j], s)
			}
		}
	case NormalizePred:
		for j := range m {
			s := 0.0
			for i := range m {
				s += m[i][j]
			}
			for i := range m {
				m[i][j] = div(m[i][j], s)
			}
		}
	case NormalizeAll:
		s := 0.0
		for _, row := range m {
			s += floatsSum(row)
		}
		for _, row := range m {
			for j := range row {
				row[j] = div(row[j], s)
			}
		}
	}
}
