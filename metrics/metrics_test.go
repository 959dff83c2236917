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
	YTrue    []int `json:"y_true"`
	YPred    []int `json:"y_pred"`
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

// goldenFloat reads a JSON number or "nan".
func goldenFloat(t *testing.T, v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case string:
		if x == "nan" {
			return math.NaN()
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
	return (math.IsNaN(got) && math.IsNaN(want)) || near(got, want, closeSK)
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

func checkSklearnCases(t *testing.T, g *metricsGolden) {
	t.Logf("golden: scikit-learn %s, %d cases (%s)", g.SklearnVersion, len(g.Cases), g.Command)
	for _, c := range g.Cases {
		opts := scoreOptionsFrom(t, c.Kwargs)
		var err error
		var warnings []string
		switch c.Fn {
		case "accuracy_score":
			var acc float64
			if acc, err = Accuracy(c.YTrue, c.YPred); err == nil && !sameFloat(acc, goldenFloat(t, c.Value)) {
				t.Errorf("%s: Accuracy = %v, sklearn %v", c.Name, acc, c.Value)
			}
		case "precision_score", "recall_score", "f1_score":
			fn := map[string]func([]int, []int, ...ScoreOption) (Score, error){
				"precision_score": Precision, "recall_score": Recall, "f1_score": F1}[c.Fn]
			var s Score
			if s, err = fn(c.YTrue, c.YPred, opts...); err == nil {
				checkScore(t, c, c.Fn, s, c.Value)
				warnings = s.Warnings
			}
		case "precision_recall_fscore_support":
			var s Scores
			if s, err = PrecisionRecallF1(c.YTrue, c.YPred, opts...); err == nil {
				want := c.Value.([]any)
				checkScore(t, c, "precision", s.Precision, want[0])
				checkScore(t, c, "recall", s.Recall, want[1])
				checkScore(t, c, "f1", s.F1, want[2])
				if want[3] != nil && !sameFloats(s.Support, goldenFloats(t, want[3])) {
					t.Errorf("%s: support %v, sklearn %v", c.Name, s.Support, want[3])
				}
				warnings = s.Precision.Warnings
			}
		case "confusion_matrix":
			var m Confusion
			if m, err = ConfusionMatrix(c.YTrue, c.YPred, opts...); err == nil {
				want := c.Value.([]any)
				if len(m.Counts) != len(want) {
					t.Errorf("%s: %d rows, sklearn %d", c.Name, len(m.Counts), len(want))
					continue
				}
				for i := range want {
					if !sameFloats(m.Counts[i], goldenFloats(t, want[i])) {
						t.Errorf("%s: row %d = %v, sklearn %v", c.Name, i, m.Counts[i], want[i])
					}
				}
			}
		default:
			t.Fatalf("unknown function %q", c.Fn)
		}
		switch {
		case c.Error != "" && err == nil:
			t.Errorf("%s: no error, sklearn raised %q", c.Name, c.Error)
		case c.Error == "" && err != nil:
			t.Errorf("%s: %v", c.Name, err)
		case c.Error == "" && !slices.Equal(warnings, c.Warnings) && !(len(warnings) == 0 && len(c.Warnings) == 0):
			t.Errorf("%s: warnings\n  %q\nsklearn\n  %q", c.Name, warnings, c.Warnings)
		}
		if c.Error != "" && err != nil {
			t.Logf("%s: sklearn %q; lossbook %q", c.Name, c.Error, err)
		}
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
	}{{"P", s.Precision.Value, 25.0 / 36}, {"R", s.Recall.Value, 0.75}, {"F1", s.F1.Value, 297.0 / 420}} {
		if !near(c.got, c.want, closeSK) {
			t.Errorf("macro %s = %.17g, want %.17g", c.name, c.got, c.want)
		}
	}
	if !math.IsNaN(s.Precision.PerLabel[3]) || !math.IsNaN(s.F1.PerLabel[3]) || len(s.Precision.Warnings) != 0 {
		t.Errorf("label 3: P %v, F1 %v (want NaN), warnings %q (want none)", s.Precision.PerLabel[3],
			s.F1.PerLabel[3], s.Precision.Warnings)
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
		{"average", second(F1([]int{1, 0}, []int{1, 1}, WithAverage("samples"))), `unknown average "samples"`},
		{"multiclass binary", second(Recall([]int{0, 1, 2}, []int{0, 1, 2})), "target is multiclass"},
		{"confusion labels", second(ConfusionMatrix([]int{0, 1}, []int{0, 1}, WithLabels(7))),
			"none of the labels [7] is a true label"},
	} {
		if tc.err == nil || !strings.Contains(tc.err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error mentioning %q", tc.name, tc.err, tc.want)
		}
	}
}

func second[T any](_ T, err error) error { return err }

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
