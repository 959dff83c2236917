package metrics

import (
	"encoding/json"
	"math"
	"os"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// closeSK compares with scikit-learn: the same divisions, with sums and averages in a different order.
const closeSK = 1e-12

type metricsGolden struct {
	SklearnVersion   string `json:"sklearn_version"`
	Command          string
	Cases            []metricsCase
	PythonWhitespace []rune                          `json:"python_whitespace"`
	Tokenizer13a     []struct{ Line, Tokens string } `json:"tokenizer_13a"`
}

type metricsCase struct {
	Name, Fn string
	YTrue    json.RawMessage `json:"y_true"` // labels, or an indicator matrix
	YPred    json.RawMessage `json:"y_pred"` // labels, probabilities, scores, or an indicator matrix
	Kwargs   map[string]any
	Value    any
	Warnings []string
	Error    string
}

func loadMetricsGolden(t *testing.T) *metricsGolden {
	return loadMetricsFile(t, "testdata/metrics.json")
}

func loadMetricsFile(t *testing.T, path string) *metricsGolden {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var g metricsGolden
	if err := json.Unmarshal(raw, &g); err != nil {
		t.Fatal(err)
	}
	return &g
}

// scoreOptionsFrom maps scikit-learn's keyword arguments to options.
func scoreOptionsFrom(t *testing.T, kwargs map[string]any) []ScoreOption {
	var opts []ScoreOption
	for k, v := range kwargs {
		switch k {
		case "average":
			opts = append(opts, WithAverage(Average(v.(string))))
		case "labels":
			var labels []int
			for _, l := range v.([]any) {
				labels = append(labels, int(l.(float64)))
			}
			opts = append(opts, WithLabels(labels...))
		case "pos_label":
			opts = append(opts, WithPosLabel(int(v.(float64))))
		case "sample_weight":
			var w []float64
			for _, x := range v.([]any) {
				w = append(w, x.(float64))
			}
			opts = append(opts, WithSampleWeight(w))
		case "normalize":
			if n, ok := v.(string); ok {
				opts = append(opts, WithNormalize(Normalize(n)))
			} else if !v.(bool) {
				opts = append(opts, WithSum())
			}
		case "target_names":
			var names []string
			for _, n := range v.([]any) {
				names = append(names, n.(string))
			}
			opts = append(opts, WithTargetNames(names...))
		case "adjusted":
			opts = append(opts, WithAdjusted(v.(bool)))
		case "weights":
			if v != "none" {
				opts = append(opts, WithKappaWeights(KappaWeights(v.(string))))
			}
		case "eps":
			opts = append(opts, WithEps(v.(float64)))
		case "beta", "digits", "output_dict", "k", "n_bins": // arguments, not options
		case "zero_division":
			switch v {
			case "warn":
				opts = append(opts, WithZeroDivision(ZeroDivisionWarn))
			case 0.0:
				opts = append(opts, WithZeroDivision(ZeroDivisionZero))
			case 1.0:
				opts = append(opts, WithZeroDivision(ZeroDivisionOne))
			case "nan":
				opts = append(opts, WithZeroDivision(ZeroDivisionNaN))
			default:
				t.Fatalf("zero_division %v", v)
			}
		default:
			t.Fatalf("unknown kwarg %q", k)
		}
	}
	return opts
}

// goldenFloat reads a JSON number, "nan", "inf" or "-inf".
func goldenFloat(t *testing.T, v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case string:
		switch x {
		case "nan":
			return math.NaN()
		case "inf":
			return math.Inf(1)
		case "-inf":
			return math.Inf(-1)
		}
	}
	t.Fatalf("not a number: %#v", v)
	return 0
}

func goldenFloats(t *testing.T, v any) []float64 {
	var out []float64
	for _, x := range v.([]any) {
		out = append(out, goldenFloat(t, x))
	}
	return out
}

func sameFloat(got, want float64) bool {
	return (math.IsNaN(got) && math.IsNaN(want)) || got == want || near(got, want, closeSK)
}

func sameFloats(got, want []float64) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if !sameFloat(got[i], want[i]) {
			return false
		}
	}
	return true
}

// checkScore compares a Score with scikit-learn's value: a number, or per-label values for average=None.
func checkScore(t *testing.T, c metricsCase, what string, got Score, want any) {
	t.Helper()
	if list, ok := want.([]any); ok {
		if !math.IsNaN(got.Value) || !sameFloats(got.PerLabel, goldenFloats(t, list)) {
			t.Errorf("%s: %s per label %v (value %v), sklearn %v", c.Name, what, got.PerLabel, got.Value, want)
		}
		return
	}
	if w := goldenFloat(t, want); !sameFloat(got.Value, w) {
		t.Errorf("%s: %s = %.17g, sklearn %.17g", c.Name, what, got.Value, w)
	}
}

// TestMetricsMatchSklearn checks every golden case of scikit-learn 1.2.1: values, warnings and errors.
func TestMetricsMatchSklearn(t *testing.T) { checkSklearnCases(t, loadMetricsGolden(t)) }

// TestZeroDivisionNaNMatchesSklearn checks zero_division=np.nan against a newer scikit-learn (testdata/
// sklearn_nan.json, written by gen_sklearn_nan.py).
func TestZeroDivisionNaNMatchesSklearn(t *testing.T) {
	checkSklearnCases(t, loadMetricsFile(t, "testdata/sklearn_nan.json"))
}

// decode reads a golden JSON value.
func decode[T any](t *testing.T, raw json.RawMessage) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("decoding %.80s: %v", raw, err)
	}
	return v
}

// isMatrix reports whether a golden y is a matrix (multilabel indicators or probabilities).
func isMatrix(raw json.RawMessage) bool {
	s := strings.TrimSpace(string(raw))
	return strings.HasPrefix(s, "[") && strings.HasPrefix(strings.TrimSpace(s[1:]), "[")
}

// rows reads probabilities or scores: a matrix, or a vector as rows of one column.
func rows(t *testing.T, raw json.RawMessage) [][]float64 {
	if isMatrix(raw) {
		return decode[[][]float64](t, raw)
	}
	var out [][]float64
	for _, v := range decode[[]float64](t, raw) {
		out = append(out, []float64{v})
	}
	return out
}

func checkSklearnCases(t *testing.T, g *metricsGolden) {
	t.Logf("golden: scikit-learn %s, %d cases (%s)", g.SklearnVersion, len(g.Cases), g.Command)
	for _, c := range g.Cases {
		opts := scoreOptionsFrom(t, c.Kwargs)
		beta := 1.0
		if b, ok := c.Kwargs["beta"]; ok {
			beta = b.(float64)
		}
		multilabel := isMatrix(c.YTrue)
		var yTrue []int
		var mlTrue, mlPred [][]int
		if multilabel {
			mlTrue, mlPred = decode[[][]int](t, c.YTrue), decode[[][]int](t, c.YPred)
		} else {
			yTrue = decode[[]int](t, c.YTrue)
		}
		labelPreds := func() []int { return decode[[]int](t, c.YPred) }
		var err error
		var warnings []string
		switch c.Fn {
		case "accuracy_score":
			var acc float64
			if multilabel {
				acc, err = MultilabelAccuracy(mlTrue, mlPred, opts...)
			} else {
				acc, err = Accuracy(yTrue, labelPreds())
			}
			if err == nil && !sameFloat(acc, goldenFloat(t, c.Value)) {
				t.Errorf("%s: accuracy = %v, sklearn %v", c.Name, acc, c.Value)
			}
		case "precision_score", "recall_score", "f1_score", "fbeta_score":
			warn := map[string]warnFor{"precision_score": warnPrecision, "recall_score": warnRecall,
				"f1_score": warnFScore, "fbeta_score": warnFScore}[c.Fn]
			var s Scores
			if multilabel {
				opts = append([]ScoreOption{WithAverage(AverageBinary)}, opts...)
				s, err = multilabelPRF(c.Fn, mlTrue, mlPred, beta, opts, warn)
			} else {
				s, err = prf(c.Fn, yTrue, labelPreds(), beta, opts, warn)
			}
			if err == nil {
				got := map[string]Score{"precision_score": s.Precision, "recall_score": s.Recall, "f1_score": s.F,
					"fbeta_score": s.F}[c.Fn]
				checkScore(t, c, c.Fn, got, c.Value)
				warnings = got.Warnings
			}
		case "precision_recall_fscore_support":
			var s Scores
			if multilabel {
				s, err = MultilabelPrecisionRecallFBeta(mlTrue, mlPred, beta, opts...)
			} else {
				s, err = PrecisionRecallFBeta(yTrue, labelPreds(), beta, opts...)
			}
			if err == nil {
				want := c.Value.([]any)
				checkScore(t, c, "precision", s.Precision, want[0])
				checkScore(t, c, "recall", s.Recall, want[1])
				checkScore(t, c, "f", s.F, want[2])
				if want[3] != nil && !sameFloats(s.Support, goldenFloats(t, want[3])) {
					t.Errorf("%s: support %v, sklearn %v", c.Name, s.Support, want[3])
				}
				warnings = s.Precision.Warnings
			}
		case "confusion_matrix":
			var m Confusion
			if m, err = ConfusionMatrix(yTrue, labelPreds(), opts...); err == nil {
				checkMatrix(t, c.Name, m.Counts, c.Value)
			}
		case "multilabel_confusion_matrix":
			var m [][2][2]float64
			if m, err = MultilabelConfusionMatrix(mlTrue, mlPred, opts...); err == nil {
				var flat [][]float64
				for _, mm := range m {
					flat = append(flat, mm[0][:], mm[1][:])
				}
				var want []any
				for _, mm := range c.Value.([]any) {
					want = append(want, mm.([]any)...)
				}
				checkMatrix(t, c.Name, flat, want)
			}
		case "classification_report":
			var r Report
			if multilabel {
				r, err = MultilabelClassificationReport(mlTrue, mlPred, opts...)
			} else {
				r, err = ClassificationReport(yTrue, labelPreds(), opts...)
			}
			if err == nil {
				checkReport(t, c, r)
				warnings = r.Warnings
			}
		case "balanced_accuracy_score":
			var v float64
			if v, warnings, err = BalancedAccuracy(yTrue, labelPreds(), opts...); err == nil {
				checkValue(t, c, v)
			}
		case "matthews_corrcoef":
			var v float64
			if v, err = MatthewsCorrCoef(yTrue, labelPreds(), opts...); err == nil {
				checkValue(t, c, v)
			}
		case "cohen_kappa_score":
			var v float64
			if v, err = CohenKappa(yTrue, labelPreds(), opts...); err == nil {
				checkValue(t, c, v)
			}
		case "log_loss":
			var v float64
			if v, err = LogLoss(yTrue, rows(t, c.YPred), opts...); err == nil {
				checkValue(t, c, v)
			}
		case "brier_score_loss":
			var v float64
			if v, err = BrierScore(yTrue, decode[[]float64](t, c.YPred), opts...); err == nil {
				checkValue(t, c, v)
			}
		case "top_k_accuracy_score":
			var v float64
			k := int(c.Kwargs["k"].(float64))
			if v, warnings, err = TopKAccuracy(yTrue, rows(t, c.YPred), k, opts...); err == nil {
				checkValue(t, c, v)
			}
		case "roc_auc_score":
			var v float64
			if v, err = ROCAUC(yTrue, decode[[]float64](t, c.YPred), opts...); err == nil {
				checkValue(t, c, v)
			}
		case "average_precision_score":
			var v float64
			if v, warnings, err = AveragePrecision(yTrue, decode[[]float64](t, c.YPred), opts...); err == nil {
				checkValue(t, c, v)
			}
		case "reliability":
			bins := int(c.Kwargs["n_bins"].(float64))
			var d []ReliabilityBin
			var ece float64
			if d, err = ReliabilityDiagram(yTrue, rows(t, c.YPred), bins); err == nil {
				ece, err = ExpectedCalibrationError(yTrue, rows(t, c.YPred), bins)
				checkReliability(t, c, d, ece)
			}
		default:
			t.Fatalf("unknown function %q", c.Fn)
		}
		switch {
		case c.Error != "" && err == nil:
			t.Errorf("%s: no error, sklearn raised %q", c.Name, c.Error)
		case c.Error == "" && err != nil:
			t.Errorf("%s: %v", c.Name, err)
		case c.Error == "" && !slices.Equal(warnings, sklearnWarnings(c.Warnings)) &&
			!(len(warnings) == 0 && len(sklearnWarnings(c.Warnings)) == 0):
			t.Errorf("%s: warnings\n  %q\nsklearn\n  %q", c.Name, warnings, c.Warnings)
		}
		if c.Error != "" && err != nil {
			t.Logf("%s: sklearn %q; lossbook %q", c.Name, c.Error, err)
		}
	}
}

// sklearnWarnings drops numpy's RuntimeWarnings ("invalid value encountered in scalar divide"), which say how
// numpy computed a NaN, not what scikit-learn means to warn about.
func sklearnWarnings(ws []string) []string {
	return slices.DeleteFunc(slices.Clone(ws), func(w string) bool { return strings.Contains(w, " encountered in ") })
}

func checkValue(t *testing.T, c metricsCase, got float64) {
	t.Helper()
	if want := goldenFloat(t, c.Value); !sameFloat(got, want) {
		t.Errorf("%s: %s = %.17g, sklearn %.17g", c.Name, c.Fn, got, want)
	}
}

func checkMatrix(t *testing.T, name string, got [][]float64, value any) {
	t.Helper()
	want := value.([]any)
	if len(got) != len(want) {
		t.Errorf("%s: %d rows, sklearn %d", name, len(got), len(want))
		return
	}
	for i := range want {
		if !sameFloats(got[i], goldenFloats(t, want[i])) {
			t.Errorf("%s: row %d = %v, sklearn %v", name, i, got[i], want[i])
		}
	}
}

// checkReport compares a Report with classification_report's text (to the character) or its output_dict.
func checkReport(t *testing.T, c metricsCase, r Report) {
	t.Helper()
	if text, ok := c.Value.(string); ok {
		digits := 2
		if d, ok := c.Kwargs["digits"]; ok {
			digits = int(d.(float64))
		}
		if got := r.Format(digits); got != text {
			t.Errorf("%s: report\n%s\nsklearn\n%s", c.Name, got, text)
		}
		return
	}
	want := c.Value.(map[string]any)
	// MarshalJSON writes output_dict's layout: the same keys, and the same numbers.
	raw, err := json.Marshal(r)
	var decoded map[string]any
	if err == nil {
		err = json.Unmarshal(raw, &decoded)
	}
	if err != nil || len(decoded) != len(want) {
		t.Errorf("%s: MarshalJSON %s (%v), sklearn %v", c.Name, raw, err, want)
	}
	for name, w := range want {
		if m, ok := w.(map[string]any); ok {
			d, _ := decoded[name].(map[string]any)
			for _, k := range []string{"precision", "recall", "f1-score", "support"} {
				if d == nil || !sameFloat(goldenFloat(t, d[k]), goldenFloat(t, m[k])) {
					t.Errorf("%s: MarshalJSON %q %s = %v, sklearn %v", c.Name, name, k, d, m)
					break
				}
			}
		} else if !sameFloat(goldenFloat(t, decoded[name]), goldenFloat(t, w)) {
			t.Errorf("%s: MarshalJSON %q = %v, sklearn %v", c.Name, name, decoded[name], w)
		}
	}
	rowsByName := map[string]ReportRow{}
	for _, row := range append(slices.Clone(r.Labels), r.Averages...) {
		rowsByName[row.Name] = row
	}
	if len(want) != len(rowsByName)+map[bool]int{true: 1}[r.Accuracy != nil] {
		t.Errorf("%s: %d rows (accuracy %v), sklearn %d: %v", c.Name, len(rowsByName), r.Accuracy != nil, len(want),
			want)
	}
	for name, w := range want {
		if name == "accuracy" {
			if r.Accuracy == nil || !sameFloat(*r.Accuracy, goldenFloat(t, w)) {
				t.Errorf("%s: accuracy %v, sklearn %v", c.Name, r.Accuracy, w)
			}
			continue
		}
		row, ok := rowsByName[name]
		m := w.(map[string]any)
		if !ok || !sameFloat(row.Precision, goldenFloat(t, m["precision"])) ||
			!sameFloat(row.Recall, goldenFloat(t, m["recall"])) || !sameFloat(row.F1, goldenFloat(t, m["f1-score"])) ||
			!sameFloat(row.Support, goldenFloat(t, m["support"])) {
			t.Errorf("%s: row %q = %+v, sklearn %v", c.Name, name, row, m)
		}
	}
}

// checkReliability compares the non-empty bins with calibration_curve's, the counts and the ECE.
func checkReliability(t *testing.T, c metricsCase, d []ReliabilityBin, ece float64) {
	t.Helper()
	want := c.Value.(map[string]any)
	var acc, conf, counts []float64
	for _, b := range d {
		counts = append(counts, float64(b.Count))
		if b.Count > 0 {
			acc = append(acc, b.Accuracy)
			conf = append(conf, b.Confidence)
		}
	}
	if !sameFloats(acc, goldenFloats(t, want["accuracy"])) || !sameFloats(conf, goldenFloats(t, want["confidence"])) ||
		!sameFloats(counts, goldenFloats(t, want["counts"])) || !sameFloat(ece, goldenFloat(t, want["ece"])) {
		t.Errorf("%s: accuracy %v confidence %v counts %v ECE %v\nsklearn %v", c.Name, acc, conf, counts, ece, want)
	}
}

// TestZeroDivisionNaN checks ZeroDivisionNaN on cases worked out by hand from scikit-learn ≥ 1.4's definitions
// (1.2.1, the golden oracle, has no NaN option): 0/0 scores are NaN, averages skip them, F1 = 2TP/(2TP+FP+FN).
func TestZeroDivisionNaN(t *testing.T) {
	// The worked example with labels [0 1 2 3]: label 3 is neither true nor predicted, so its P, R and F1 are
	// 0/0 = NaN and the macro averages are those of labels 0-2:
	//   P = (2/3 + 2/3 + 3/4)/3 = 25/36,  R = (1/2 + 1 + 3/4)/3 = 3/4,  F1 = (4/7 + 4/5 + 3/4)/3 = 297/420.
	yTrue := []int{0, 0, 0, 0, 1, 1, 2, 2, 2, 2}
	yPred := []int{0, 0, 1, 2, 1, 1, 2, 0, 2, 2}
	s, err := PrecisionRecallF1(yTrue, yPred, WithLabels(0, 1, 2, 3), WithAverage(AverageMacro),
		WithZeroDivision(ZeroDivisionNaN))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name      string
		got, want float64
	}{{"P", s.Precision.Value, 25.0 / 36}, {"R", s.Recall.Value, 0.75}, {"F1", s.F.Value, 297.0 / 420}} {
		if !near(c.got, c.want, closeSK) {
			t.Errorf("macro %s = %.17g, want %.17g", c.name, c.got, c.want)
		}
	}
	if !math.IsNaN(s.Precision.PerLabel[3]) || !math.IsNaN(s.F.PerLabel[3]) || len(s.Precision.Warnings) != 0 {
		t.Errorf("label 3: P %v, F1 %v (want NaN), warnings %q (want none)", s.Precision.PerLabel[3],
			s.F.PerLabel[3], s.Precision.Warnings)
	}
	// Nothing predicted positive, one true positive label: P = 0/0 = NaN, R = 0/2 = 0, F1 = 0/(0+0+2) = 0.
	p, _ := Precision([]int{0, 1, 1, 0}, []int{0, 0, 0, 0}, WithZeroDivision(ZeroDivisionNaN))
	f, _ := F1([]int{0, 1, 1, 0}, []int{0, 0, 0, 0}, WithZeroDivision(ZeroDivisionNaN))
	if !math.IsNaN(p.Value) || f.Value != 0 {
		t.Errorf("binary without predicted positives: P = %v (want NaN), F1 = %v (want 0)", p.Value, f.Value)
	}
	// Only NaN scores: the average is NaN.
	r, _ := Recall([]int{0, 1}, []int{0, 1}, WithLabels(5, 6), WithAverage(AverageMacro),
		WithZeroDivision(ZeroDivisionNaN))
	if !math.IsNaN(r.Value) {
		t.Errorf("macro recall over absent labels = %v, want NaN", r.Value)
	}
}

func TestMetricErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"empty", second(Accuracy(nil, nil)), "no examples"},
		{"lengths", second(Accuracy([]int{1}, []int{1, 2})), "1 true labels but 2 predictions"},
		{"weights", second(F1([]int{1, 0}, []int{1, 1}, WithSampleWeight([]float64{1}))), "1 sample weights for 2"},
		{"average", second(F1([]int{1, 0}, []int{1, 1}, WithAverage("sample"))), `unknown average "sample"`},
		{"samples on labels", second(F1([]int{1, 0}, []int{1, 1}, WithAverage(AverageSamples))), "needs multilabel targets"},
		{"multiclass binary", second(Recall([]int{0, 1, 2}, []int{0, 1, 2})), "target is multiclass"},
		{"confusion labels", second(ConfusionMatrix([]int{0, 1}, []int{0, 1}, WithLabels(7))),
			"none of the labels [7] is a true label"},
		// WithLabels() with no label is a given, empty list, not "unset" (issue 10: unset is not zero).
		{"no labels", second(F1([]int{0, 1}, []int{0, 1}, WithLabels(), WithAverage(AverageMacro))),
			"WithLabels needs at least one label"},
		{"confusion no labels", second(ConfusionMatrix(nil, nil, WithLabels())), "WithLabels needs at least one label"},
		{"normalize", second(ConfusionMatrix([]int{1}, []int{1}, WithNormalize("rows"))), `unknown normalization "rows"`},
		{"kappa weights", second(CohenKappa([]int{1}, []int{1}, WithKappaWeights("cubic"))), `unknown weighting "cubic"`},
		{"log loss eps", second(LogLoss([]int{0, 1}, [][]float64{{1, 0}, {0, 1}}, WithEps(0.5))), "eps must be in [0, 0.5)"},
		{"log loss columns", second(LogLoss([]int{0, 1}, [][]float64{{1, 0, 0}, {0, 1, 0}})), "2 labels [0 1] but 3 columns"},
		{"log loss unknown label", second(LogLoss([]int{0, 3}, [][]float64{{1, 0}, {0, 1}}, WithLabels(0, 1))),
			"true label 3 of example 1 is not among the labels [0 1]"},
		{"top-k label order", second3(TopKAccuracy([]int{0, 1}, [][]float64{{1, 0}, {0, 1}}, 1, WithLabels(1, 0))),
			"distinct and in increasing order"},
		{"top-k k", second3(TopKAccuracy([]int{0, 1}, [][]float64{{1, 0}, {0, 1}}, 0)), "k must be >= 1"},
		{"ragged rows", second3(TopKAccuracy([]int{0, 1}, [][]float64{{1, 0}, {0}}, 1)), "row 1 has 1 columns"},
		{"NaN score", second(ROCAUC([]int{0, 1}, []float64{math.NaN(), 1})), "scores must be finite"},
		{"multilabel entries", second(MultilabelAccuracy([][]int{{0, 2}}, [][]int{{0, 1}})), "indicator matrices hold 0 or 1"},
		{"multilabel column", second(MultilabelConfusionMatrix([][]int{{0, 1}}, [][]int{{0, 1}}, WithLabels(2))),
			"label 2 is not a column"},
		{"reliability bins", second(ExpectedCalibrationError([]int{0}, [][]float64{{1, 0}}, 0)), "bins must be >= 1"},
		{"reliability label", second(ReliabilityDiagram([]int{3}, [][]float64{{1, 0}}, 5)), "true label 3"},
		{"reliability range", second(ReliabilityDiagram([]int{0}, [][]float64{{1.5, 0}}, 5)), "must be in [0, 1]"},
		{"chrf orders", second(CorpusCHRF([]string{"a"}, [][]string{{"a"}}, CHRFOptions{CharOrder: new(0)})),
			"CharOrder and WordOrder are both 0"},
		{"chrf beta", second(SentenceCHRF("a", []string{"a"}, CHRFOptions{Beta: new(-1.0)})), "Beta must be a finite number >= 0"},
		{"chrf streams", second(CorpusCHRF([]string{"a", "b"}, [][]string{{"a"}}, CHRFOptions{})), "reference stream 0 has 1"},
		{"sentence bleu refs", second(SentenceBLEU("a", nil, BLEUOptions{})), "no reference"},
	} {
		if tc.err == nil || !strings.Contains(tc.err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error mentioning %q", tc.name, tc.err, tc.want)
		}
	}
}

func second[T any](_ T, err error) error { return err }

func second3[T, U any](_ T, _ U, err error) error { return err }

// TestPerplexity: token-weighted over the set, not a mean of batch means.
func TestPerplexity(t *testing.T) {
	var p Perplexity
	if !math.IsNaN(p.Value()) {
		t.Errorf("empty perplexity = %v, want NaN", p.Value())
	}
	p.Add(10, 4)       // a batch of 4 tokens, mean NLL 2.5
	p.AddMean(1.0, 16) // a batch of 16 tokens, mean NLL 1
	p.AddMean(math.NaN(), 0)
	// (10 + 16) / 20 = 1.3, not (2.5 + 1)/2 = 1.75.
	if !near(p.Loss(), 1.3, 1e-15) || !near(p.Value(), math.Exp(1.3), 1e-15) || p.Tokens() != 20 {
		t.Errorf("perplexity loss %v value %v tokens %v, want 1.3, e^1.3, 20", p.Loss(), p.Value(), p.Tokens())
	}
}

// TestPythonWhitespace: the tokenizers split where Python's str.split() does.
func TestPythonWhitespace(t *testing.T) {
	g := loadMetricsGolden(t)
	want := map[rune]bool{}
	for _, r := range g.PythonWhitespace {
		want[r] = true
	}
	for r := rune(0); r <= utf8.MaxRune; r++ {
		if pyIsSpace(r) != want[r] {
			t.Errorf("pyIsSpace(%U) = %v, Python's isspace %v", r, pyIsSpace(r), want[r])
		}
	}
}

func TestTokenize13a(t *testing.T) {
	g := loadMetricsGolden(t)
	for _, c := range g.Tokenizer13a {
		if got := Tokenize13a(c.Line); got != c.Tokens {
			t.Errorf("Tokenize13a(%q)\n  = %q\nwant %q", c.Line, got, c.Tokens)
		}
	}
}

func near(got, want, tol float64) bool {
	return math.Abs(got-want) <= tol*math.Max(1, math.Abs(want))
}

func nearAll(got, want []float64, tol float64) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if !near(got[i], want[i], tol) {
			return false
		}
	}
	return true
}
