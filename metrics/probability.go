package metrics

import (
	"fmt"
	"math"
	"slices"
	"sort"
)

// This file holds the metrics of predicted probabilities and scores: log loss, Brier score, top-k accuracy, and
// for binary scores ROC AUC and average precision.

// probColumns returns the labels that the columns of probs stand for: WithLabels, else the sorted labels of yTrue.
func probColumns(yTrue []int, o scoreOptions) []int {
	if o.labelsSet {
		labels := slices.Clone(o.labels)
		slices.Sort(labels)
		return slices.Compact(labels)
	}
	labels := slices.Clone(yTrue)
	slices.Sort(labels)
	return slices.Compact(labels)
}

// checkRows checks that probs has one row per example, all of the same length, and returns that length.
func checkRows(fn string, n int, rows [][]float64, weights []float64) (int, error) {
	if len(rows) != n {
		return 0, fmt.Errorf("metrics: %s: %d true labels but %d rows of probabilities", fn, n, len(rows))
	}
	if weights != nil && len(weights) != n {
		return 0, fmt.Errorf("metrics: %s: %d sample weights for %d examples", fn, len(weights), n)
	}
	if n == 0 {
		return 0, fmt.Errorf("metrics: %s: no examples", fn)
	}
	c := len(rows[0])
	for i, row := range rows {
		if len(row) != c {
			return 0, fmt.Errorf("metrics: %s: row %d has %d columns, row 0 has %d", fn, i, len(row), c)
		}
		for _, v := range row {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return 0, fmt.Errorf("metrics: %s: row %d holds %v: values must be finite", fn, i, v)
			}
		}
	}
	return c, nil
}

// weightedMean is numpy's average with optional weights, or the (weighted) sum.
func weightedMean(values, weights []float64, sum bool) float64 {
	var s, w float64
	for i, v := range values {
		wi := 1.0
		if weights != nil {
			wi = weights[i]
		}
		s += v * wi
		w += wi
	}
	if sum {
		return s
	}
	return s / w
}

// LogLoss is the mean negative log-likelihood of the true labels under predicted probabilities (cross-entropy):
// sklearn.metrics.log_loss(y_true, y_pred, eps='auto', normalize=True, sample_weight=None, labels=None). probs
// holds one row per example with one column per label, in sorted order (the labels of yTrue, or WithLabels); a
// row of one column is the probability of the greater of two labels. Each probability is clipped to
// [eps, 1 − eps] (WithEps, default float64's epsilon), each row renormalized to sum 1, then
//
//	log loss = −(1/N) Σ_n log p_{n, y_n}     (natural log)
//
// WithSum returns the (weighted) sum instead; WithSampleWeight weights the mean. It returns an error, as
// scikit-learn raises, for a single label (give the labels with WithLabels), a column count different from the
// number of labels, mismatched lengths, non-finite values, or an eps outside [0, 0.5); and for a true label not
// among WithLabels' (scikit-learn silently scores such an example 0). WithLabels may come in any order: the
// columns follow the sorted labels, as scikit-learn's LabelBinarizer sorts them.
func LogLoss(yTrue []int, probs [][]float64, opts ...ScoreOption) (float64, error) {
	const fn = "LogLoss"
	o := newScoreOptions(opts)
	cols, err := checkRows(fn, len(yTrue), probs, o.sampleWeight)
	if err != nil {
		return 0, err
	}
	eps := math.Nextafter(1, 2) - 1
	if o.epsSet {
		eps = o.eps
	}
	if math.IsNaN(eps) || eps < 0 || eps >= 0.5 {
		return 0, fmt.Errorf("metrics: %s: eps must be in [0, 0.5), got %v", fn, eps)
	}
	labels := probColumns(yTrue, o)
	switch {
	case len(labels) == 1 && !o.labelsSet:
		return 0, fmt.Errorf("metrics: %s: y_true contains only one label (%d): give the labels with WithLabels", fn,
			labels[0])
	case len(labels) < 2:
		return 0, fmt.Errorf("metrics: %s: WithLabels needs at least two labels, got %v", fn, labels)
	case cols == 1 && len(labels) != 2, cols > 1 && cols != len(labels):
		return 0, fmt.Errorf("metrics: %s: %d labels %v but %d columns of probabilities", fn, len(labels), labels,
			cols)
	}
	index := labelIndex(labels)
	losses := make([]float64, len(yTrue))
	row := make([]float64, len(labels))
	for n, y := range yTrue {
		k, ok := index[y]
		if !ok {
			return 0, fmt.Errorf("metrics: %s: true label %d of example %d is not among the labels %v", fn, y, n,
				labels)
		}
		clip := func(p float64) float64 { return min(max(p, eps), 1-eps) }
		if cols == 1 {
			p := clip(probs[n][0])
			row[0], row[1] = 1-p, p
		} else {
			for c, p := range probs[n] {
				row[c] = clip(p)
			}
		}
		sum := 0.0
		for _, p := range row {
			sum += p
		}
		losses[n] = -math.Log(row[k] / sum)
	}
	return weightedMean(losses, o.sampleWeight, o.sum), nil
}

// BrierScore is the mean squared difference between the predicted probability of the positive label and the
// outcome (1 if the true label is positive, else 0): sklearn.metrics.brier_score_loss(y_true, y_prob,
// sample_weight=None, pos_label=None). Lower is better; 0.25 is what always predicting 0.5 scores.
//
//	Brier = Σ_n w_n (1[y_n = pos] − p_n)² / Σ_n w_n
//
// The positive label is WithPosLabel's, else 1 when the labels are within {0, 1} or {-1, 1}, else the greater
// label. It reads WithPosLabel and WithSampleWeight. It returns an error, as scikit-learn raises, for more than
// two labels, probabilities outside [0, 1], non-finite values or mismatched lengths.
func BrierScore(yTrue []int, probPos []float64, opts ...ScoreOption) (float64, error) {
	const fn = "BrierScore"
	o := newScoreOptions(opts)
	if err := checkScores(fn, yTrue, probPos, o.sampleWeight); err != nil {
		return 0, err
	}
	classes := presentLabels(yTrue, nil)
	if len(classes) > 2 {
		return 0, fmt.Errorf("metrics: %s: only binary targets are supported; the true labels are %v", fn, classes)
	}
	for _, p := range probPos {
		if p > 1 || p < 0 {
			return 0, fmt.Errorf("metrics: %s: probabilities must be in [0, 1], got %v", fn, p)
		}
	}
	pos := o.posLabel
	if !o.posLabelSet {
		within := func(set ...int) bool {
			for _, c := range classes {
				if !slices.Contains(set, c) {
					return false
				}
			}
			return true
		}
		if !within(0, 1) && !within(-1, 1) {
			pos = classes[len(classes)-1]
		}
	}
	sq := make([]float64, len(yTrue))
	for n, y := range yTrue {
		outcome := 0.0
		if y == pos {
			outcome = 1
		}
		sq[n] = (outcome - probPos[n]) * (outcome - probPos[n])
	}
	return weightedMean(sq, o.sampleWeight, false), nil
}

// checkScores checks one score per example, finite, and the weights.
func checkScores(fn string, yTrue []int, scores, weights []float64) error {
	switch {
	case len(yTrue) == 0:
		return fmt.Errorf("metrics: %s: no examples", fn)
	case len(scores) != len(yTrue):
		return fmt.Errorf("metrics: %s: %d true labels but %d scores", fn, len(yTrue), len(scores))
	case weights != nil && len(weights) != len(yTrue):
		return fmt.Errorf("metrics: %s: %d sample weights for %d examples", fn, len(weights), len(yTrue))
	}
	for i, s := range scores {
		if math.IsNaN(s) || math.IsInf(s, 0) {
			return fmt.Errorf("metrics: %s: score %d is %v: scores must be finite", fn, i, s)
		}
	}
	return nil
}

// TopKAccuracy is the fraction of examples whose true label is among the k highest-scored labels:
// sklearn.metrics.top_k_accuracy_score(y_true, y_score, k=k, normalize=True, sample_weight=None, labels=None).
// scores holds one row per example, one column per label in sorted order (the labels of yTrue, or WithLabels).
// Among equal scores, the label of the higher column ranks first (scikit-learn's reversed stable sort). A row of
// one column is a binary score of the greater label: with k = 1 it predicts that label above 0.5 (or above 0 when
// the scores are not all within [0, 1]); with k ≥ 2 every example is a hit. Rows of two columns with two labels,
// which scikit-learn refuses, are ranked like any other.
//
// WithSum returns the (weighted) number of hits; WithSampleWeight weights them. k ≥ the number of labels gives 1
// with scikit-learn's warning, returned. It returns an error for k < 1, labels that are not distinct, a column
// count that does not match the labels, a true label not among them, or mismatched lengths. Labels given out of
// order are refused, as scikit-learn does: the columns follow the sorted labels.
func TopKAccuracy(yTrue []int, scores [][]float64, k int, opts ...ScoreOption) (float64, []string, error) {
	const fn = "TopKAccuracy"
	o := newScoreOptions(opts)
	cols, err := checkRows(fn, len(yTrue), scores, o.sampleWeight)
	if err != nil {
		return 0, nil, err
	}
	if k < 1 {
		return 0, nil, fmt.Errorf("metrics: %s: k must be >= 1, got %d", fn, k)
	}
	labels := probColumns(yTrue, o)
	if o.labelsSet && !slices.Equal(labels, o.labels) {
		return 0, nil, fmt.Errorf("metrics: %s: the labels %v must be distinct and in increasing order (the order "+
			"of the score columns)", fn, o.labels)
	}
	nClasses := cols
	if cols == 1 {
		nClasses = 2
	}
	if len(labels) != nClasses {
		return 0, nil, fmt.Errorf("metrics: %s: %d labels %v but scores for %d", fn, len(labels), labels, nClasses)
	}
	index := labelIndex(labels)
	var warnings []string
	if k >= nClasses {
		warnings = append(warnings, fmt.Sprintf("'k' (%d) greater than or equal to 'n_classes' (%d) will result in "+
			"a perfect score and is therefore meaningless.", k, nClasses))
	}
	threshold := 0.5
	for _, row := range scores {
		if row[0] < 0 || row[0] > 1 {
			threshold = 0
		}
	}
	hits := make([]float64, len(yTrue))
	order := make([]int, cols)
	for n, y := range yTrue {
		target, ok := index[y]
		if !ok {
			return 0, nil, fmt.Errorf("metrics: %s: true label %d of example %d is not among the labels %v", fn, y,
				n, labels)
		}
		if cols == 1 {
			pred := 0
			if scores[n][0] > threshold {
				pred = 1
			}
			if k > 1 || pred == target {
				hits[n] = 1
			}
			continue
		}
		for c := range order {
			order[c] = c
		}
		row := scores[n]
		sort.SliceStable(order, func(a, b int) bool {
			if row[order[a]] != row[order[b]] {
				return row[order[a]] > row[order[b]]
			}
			return order[a] > order[b]
		})
		if slices.Contains(order[:min(k, cols)], target) {
			hits[n] = 1
		}
	}
	return weightedMean(hits, o.sampleWeight, o.sum), warnings, nil
}

// binaryCurve is scikit-learn's _binary_clf_curve: the cumulative (weighted) false and true positives at each
// distinct score, from the highest.
func binaryCurve(positive []bool, scores, weights []float64) (fps, tps []float64) {
	idx := make([]int, len(scores))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return scores[idx[a]] > scores[idx[b]] })
	var tp, fp float64
	for j, i := range idx {
		w := 1.0
		if weights != nil {
			w = weights[i]
		}
		if positive[i] {
			tp += w
		} else {
			fp += w
		}
		if j == len(idx)-1 || scores[idx[j+1]] != scores[i] {
			tps = append(tps, tp)
			fps = append(fps, fp)
		}
	}
	return fps, tps
}

// ROCAUC is the area under the receiver operating characteristic curve of binary scores:
// sklearn.metrics.roc_auc_score(y_true, y_score) for two labels, the greater one positive. It is the probability
// that a random positive example scores above a random negative one (ties counting half), computed as the
// trapezoidal area under the curve of true-positive against false-positive rate over all thresholds. It reads
// WithSampleWeight. It returns an error, as scikit-learn raises, unless yTrue holds exactly two labels, and for
// non-finite scores or mismatched lengths.
func ROCAUC(yTrue []int, scores []float64, opts ...ScoreOption) (float64, error) {
	const fn = "ROCAUC"
	o := newScoreOptions(opts)
	if err := checkScores(fn, yTrue, scores, o.sampleWeight); err != nil {
		return 0, err
	}
	classes := presentLabels(yTrue, nil)
	if len(classes) != 2 {
		return 0, fmt.Errorf("metrics: %s: the true labels are %v; ROC AUC needs exactly two (binary scores)", fn,
			classes)
	}
	positive, w, s := binaryTargets(yTrue, scores, o.sampleWeight, classes[1])
	fps, tps := binaryCurve(positive, s, w)
	// scikit-learn's roc_curve keeps only the corners (drop_intermediate) and starts at (0, 0).
	keep := []int{}
	for i := range fps {
		if i == 0 || i == len(fps)-1 || (fps[i+1]-fps[i])-(fps[i]-fps[i-1]) != 0 ||
			(tps[i+1]-tps[i])-(tps[i]-tps[i-1]) != 0 {
			keep = append(keep, i)
		}
	}
	if len(fps) <= 2 {
		keep = keep[:0]
		for i := range fps {
			keep = append(keep, i)
		}
	}
	fpr, tpr := []float64{0}, []float64{0}
	lastF, lastT := fps[len(fps)-1], tps[len(tps)-1]
	for _, i := range keep {
		fpr = append(fpr, fps[i]/lastF)
		tpr = append(tpr, tps[i]/lastT)
	}
	area := 0.0
	for i := 1; i < len(fpr); i++ {
		area += (fpr[i] - fpr[i-1]) * (tpr[i] + tpr[i-1]) / 2
	}
	return area, nil
}

// binaryTargets marks the positive examples and drops those of weight 0 (as scikit-learn's curves do).
func binaryTargets(yTrue []int, scores, weights []float64, pos int) ([]bool, []float64, []float64) {
	var positive []bool
	var w, s []float64
	for i, y := range yTrue {
		if weights != nil && weights[i] == 0 {
			continue
		}
		positive = append(positive, y == pos)
		s = append(s, scores[i])
		if weights != nil {
			w = append(w, weights[i])
		}
	}
	return positive, w, s
}

// AveragePrecision summarizes the precision-recall curve of binary scores as the mean of the precisions at each
// threshold, weighted by the increase in recall: sklearn.metrics.average_precision_score(y_true, y_score,
// pos_label=1, sample_weight=None).
//
//	AP = Σ_n (R_n − R_{n−1}) P_n     (thresholds from the highest score down; no interpolation)
//
// The positive label is WithPosLabel's (default 1). Without positive examples the recall is taken as 1 throughout
// and the result returns scikit-learn's warning. It reads WithPosLabel and WithSampleWeight. It returns an error
// for more than two labels, a positive label absent from two present labels, non-finite scores or mismatched
// lengths.
func AveragePrecision(yTrue []int, scores []float64, opts ...ScoreOption) (float64, []string, error) {
	const fn = "AveragePrecision"
	o := newScoreOptions(opts)
	if err := checkScores(fn, yTrue, scores, o.sampleWeight); err != nil {
		return 0, nil, err
	}
	classes := presentLabels(yTrue, nil)
	switch {
	case len(classes) > 2:
		return 0, nil, fmt.Errorf("metrics: %s: the true labels are %v; average precision needs binary targets", fn,
			classes)
	case len(classes) == 2 && !slices.Contains(classes, o.posLabel):
		return 0, nil, fmt.Errorf("metrics: %s: pos_label=%d is not a valid label: it should be one of %v", fn,
			o.posLabel, classes)
	}
	positive, w, s := binaryTargets(yTrue, scores, o.sampleWeight, o.posLabel)
	fps, tps := binaryCurve(positive, s, w)
	var warnings []string
	last := tps[len(tps)-1]
	if last == 0 {
		warnings = append(warnings, "No positive class found in y_true, recall is set to one for all thresholds.")
	}
	ap := 0.0
	prevRecall := 0.0
	for i := range tps {
		precision := 0.0
		if ps := tps[i] + fps[i]; ps != 0 {
			precision = tps[i] / ps
		}
		recall := 1.0
		if last != 0 {
			recall = tps[i] / last
		}
		ap += (recall - prevRecall) * precision
		prevRecall = recall
	}
	return ap, warnings, nil
}
