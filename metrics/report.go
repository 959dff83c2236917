package metrics

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ReportRow is one line of a ClassificationReport.
type ReportRow struct {
	// Name is the label's name (WithTargetNames, else its number) or the average's: "micro avg", "macro avg",
	// "weighted avg", "samples avg".
	Name                           string
	Precision, Recall, F1, Support float64
}

// Report is scikit-learn's classification_report: per-label precision, recall, F1 and support, then the
// averages. String lays it out as scikit-learn prints it; the fields are its output_dict.
type Report struct {
	// Labels holds one row per label, in the order scored.
	Labels []ReportRow
	// Accuracy is the accuracy when the micro average equals it (single-label targets scored over all present
	// labels): the report then shows an "accuracy" line instead of "micro avg". Otherwise it is nil.
	Accuracy *float64
	// Averages are "micro avg" (when Accuracy is nil), "macro avg", "weighted avg" and, for multilabel targets,
	// "samples avg"; their support is the total support.
	Averages []ReportRow
	// Warnings are scikit-learn's warnings, in the order its computations raise them.
	Warnings []string
	// weighted says the supports are weighted sums (printed as floats, as scikit-learn does).
	weighted bool
}

// String is Format(2).
func (r Report) String() string { return r.Format(2) }

// Format lays the report out exactly as sklearn.metrics.classification_report(..., digits=digits) prints it: a
// header, the label rows, a blank line, then the accuracy and average lines; columns 9 characters wide, right
// aligned after the names.
func (r Report) Format(digits int) string {
	width := max(utf8.RuneCountInString("weighted avg"), digits)
	for _, row := range r.Labels {
		width = max(width, utf8.RuneCountInString(row.Name))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%*s  %9s %9s %9s %9s\n\n", width, "", "precision", "recall", "f1-score", "support")
	line := func(row ReportRow) {
		fmt.Fprintf(&b, "%*s  %9s %9s %9s %9s\n", width, row.Name, pyFixed(row.Precision, digits),
			pyFixed(row.Recall, digits), pyFixed(row.F1, digits), r.support(row.Support))
	}
	for _, row := range r.Labels {
		line(row)
	}
	b.WriteString("\n")
	if r.Accuracy != nil {
		total := 0.0
		for _, row := range r.Labels {
			total += row.Support
		}
		fmt.Fprintf(&b, "%*s  %9s %9s %9s %9s\n", width, "accuracy", "", "", pyFixed(*r.Accuracy, digits),
			r.support(total))
	}
	for _, row := range r.Averages {
		line(row)
	}
	return b.String()
}

// support formats a support as numpy prints it: an integer, or with sample weights a Python float.
func (r Report) support(v float64) string {
	if !r.weighted {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return pyFloatRepr(v)
}

// pySpecial is Python's spelling of NaN and the infinities ("nan", "inf", "-inf"); ok is false for a finite v.
func pySpecial(v float64) (s string, ok bool) {
	switch {
	case math.IsNaN(v):
		return "nan", true
	case math.IsInf(v, 1):
		return "inf", true
	case math.IsInf(v, -1):
		return "-inf", true
	}
	return "", false
}

// pyFixed is Python's format(v, ".{digits}f"): "nan", "inf" and "-inf" for the special values.
func pyFixed(v float64, digits int) string {
	if special, ok := pySpecial(v); ok {
		return special
	}
	return strconv.FormatFloat(v, 'f', digits, 64)
}

// pyFloatRepr is Python's repr of a float: the shortest representation that reads back, with ".0" on integers,
// and an exponent below 1e-4 or from 1e16.
func pyFloatRepr(v float64) string {
	if special, ok := pySpecial(v); ok {
		return special
	}
	if a := math.Abs(v); a != 0 && (a < 1e-4 || a >= 1e16) {
		s := strconv.FormatFloat(v, 'e', -1, 64)
		mant, exp, _ := strings.Cut(s, "e")
		sign := exp[0]
		exp = strings.TrimLeft(exp[1:], "0")
		if len(exp) < 2 {
			exp = strings.Repeat("0", 2-len(exp)) + exp
		}
		return mant + "e" + string(sign) + exp
	}
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

// ClassificationReport is sklearn.metrics.classification_report(y_true, y_pred, labels=None, target_names=None,
// sample_weight=None, zero_division='warn'): per-label precision, recall, F1 and support, and the micro (or
// accuracy), macro and weighted averages. It reads WithLabels, WithTargetNames, WithSampleWeight and
// WithZeroDivision. It returns an error for empty or mismatched inputs, or target names that do not match the
// labels (scikit-learn only warns when labels are given; lossbook refuses both).
func ClassificationReport(yTrue, yPred []int, opts ...ScoreOption) (Report, error) {
	const fn = "ClassificationReport"
	o := newScoreOptions(opts)
	if err := checkLabels(fn, yTrue, yPred, o.sampleWeight); err != nil {
		return Report{}, err
	}
	present := presentLabels(yTrue, yPred)
	labels := present
	if o.labelsSet {
		labels = o.labels
	}
	// scikit-learn: micro average = accuracy for single-label data over all present labels.
	sorted := slices.Clone(labels)
	slices.Sort(sorted)
	microIsAccuracy := slices.Equal(slices.Compact(sorted), present)
	count := func(lbls []int) labelCounts { return countLabels(yTrue, yPred, o.sampleWeight, lbls) }
	return buildReport(fn, labels, o, microIsAccuracy, false, count, nil)
}

// buildReport computes the rows and averages of a report; counts gives the per-label counts, samples (multilabel
// only) the per-example ones.
func buildReport(fn string, labels []int, o scoreOptions, microIsAccuracy, multilabel bool,
	counts func([]int) labelCounts, samples func() labelCounts) (Report, error) {
	if len(labels) == 0 {
		return Report{}, fmt.Errorf("metrics: %s: WithLabels needs at least one label", fn)
	}
	names := o.targetNames
	if names == nil {
		for _, l := range labels {
			names = append(names, strconv.Itoa(l))
		}
	} else if len(names) != len(labels) {
		return Report{}, fmt.Errorf("metrics: %s: %d target names for %d labels %v", fn, len(names), len(labels),
			labels)
	}
	r := Report{weighted: o.sampleWeight != nil}
	c := counts(labels)
	o.average = AverageNone
	per := prfFromCounts(c, labels, o, 1, warnAll, nil)
	r.Warnings = append(r.Warnings, per.Precision.Warnings...)
	total := floatsSum(per.Support)
	for i := range labels {
		r.Labels = append(r.Labels, ReportRow{Name: names[i], Precision: per.Precision.PerLabel[i],
			Recall: per.Recall.PerLabel[i], F1: per.F.PerLabel[i], Support: per.Support[i]})
	}
	averages := []Average{AverageMicro, AverageMacro, AverageWeighted}
	if multilabel {
		averages = append(averages, AverageSamples)
	}
	for _, avg := range averages {
		o.average = avg
		var s Scores
		if avg == AverageSamples {
			s = prfFromCounts(samples(), labels, o, 1, warnAll, nil)
		} else {
			s = prfFromCounts(c, labels, o, 1, warnAll, nil)
		}
		r.Warnings = append(r.Warnings, s.Precision.Warnings...)
		if avg == AverageMicro && microIsAccuracy && !multilabel {
			r.Accuracy = new(s.Precision.Value)
			continue
		}
		r.Averages = append(r.Averages, ReportRow{Name: string(avg) + " avg", Precision: s.Precision.Value,
			Recall: s.Recall.Value, F1: s.F.Value, Support: total})
	}
	return r, nil
}

// MarshalJSON writes the report as scikit-learn's output_dict serializes with json.dumps: an object with one entry
// per label name, then "accuracy" (a number) or "micro avg", then the other averages, each row an object with
// "precision", "recall", "f1-score" and "support". NaN scores (ZeroDivisionNaN only) are written as null.
func (r Report) MarshalJSON() ([]byte, error) {
	var b strings.Builder
	num := func(v float64) string {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return "null"
		}
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	row := func(x ReportRow) {
		name, _ := json.Marshal(x.Name)
		fmt.Fprintf(&b, `%s: {"precision": %s, "recall": %s, "f1-score": %s, "support": %s}`, name,
			num(x.Precision), num(x.Recall), num(x.F1), num(x.Support))
	}
	b.WriteString("{")
	for i, x := range r.Labels {
		if i > 0 {
			b.WriteString(", ")
		}
		row(x)
	}
	if r.Accuracy != nil {
		fmt.Fprintf(&b, `, "accuracy": %s`, num(*r.Accuracy))
	}
	for _, x := range r.Averages {
		b.WriteString(", ")
		row(x)
	}
	b.WriteString("}")
	return []byte(b.String()), nil
}
