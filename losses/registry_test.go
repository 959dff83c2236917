package losses

import (
	"math"
	"strings"
	"testing"
)

func TestNewErrors(t *testing.T) {
	tests := []struct {
		name string
		args map[string]any
		want []string // substrings of the error
	}{
		{"CrossEntropy", nil, []string{`unknown loss "CrossEntropy"`, "CrossEntropyLoss", "NLLLoss"}},
		{"CrossEntropyLoss", map[string]any{"smoothing": 0.1}, []string{`unknown argument "smoothing"`, "label_smoothing", "ignore_index"}},
		{"CrossEntropyLoss", map[string]any{"reduce": false}, []string{`"reduce" is deprecated`, "reduction="}},
		{"NLLLoss", map[string]any{"size_average": true}, []string{`"size_average" is deprecated`}},
		{"CrossEntropyLoss", map[string]any{"ignore_index": 1.5}, []string{`"ignore_index" must be an integer`, "1.5"}},
		{"CrossEntropyLoss", map[string]any{"label_smoothing": "0.1"}, []string{`"label_smoothing" must be a number`}},
		{"CrossEntropyLoss", map[string]any{"reduction": "avg"}, []string{`unknown reduction "avg"`, `"mean"`}},
		{"CrossEntropyLoss", map[string]any{"reduction": "batchmean"}, []string{"only for KLDivLoss"}},
		{"CrossEntropyLoss", map[string]any{"weight": []any{1.0, "x"}}, []string{`"weight" must be a list of numbers`}},
		{"CrossEntropyLoss", map[string]any{"weight": []any{}}, []string{`"weight" must not be empty`}},
		// Values out of range, NaN included (issue 22 item 9): one error naming the argument and its range.
		{"CrossEntropyLoss", map[string]any{"label_smoothing": math.NaN()},
			[]string{`losses: CrossEntropyLoss: argument "label_smoothing": label smoothing NaN must be in [0, 1]`}},
		{"MLMLoss", map[string]any{"label_smoothing": 1.5}, []string{`"label_smoothing": label smoothing 1.5 must be in [0, 1]`}},
		{"SigmoidFocalLoss", map[string]any{"gamma": math.NaN()}, []string{`"gamma": gamma NaN must be >= 0 and finite`}},
		{"SoftmaxFocalLoss", map[string]any{"gamma": -2.0}, []string{`"gamma": gamma -2 must be >= 0 and finite`}},
		{"SigmoidFocalLoss", map[string]any{"alpha": 2.0}, []string{`"alpha": alpha 2 must be in [0, 1]`}},
		{"HuberLoss", map[string]any{"delta": 0.0}, []string{`"delta": delta 0 must be > 0 and finite`}},
		{"SmoothL1Loss", map[string]any{"beta": math.Inf(1)}, []string{`"beta": beta +Inf must be >= 0 and finite`}},
		{"TripletMarginLoss", map[string]any{"p": -1.0}, []string{`"p": p -1 must be > 0 and finite`}},
		{"TripletMarginLoss", map[string]any{"eps": math.NaN()}, []string{`"eps": eps NaN must be >= 0 and finite`}},
		{"GaussianNLLLoss", map[string]any{"eps": -1e-6}, []string{`"eps": eps -1e-06 must be >= 0 and finite`}},
		{"MarginRankingLoss", map[string]any{"margin": math.Inf(-1)}, []string{`"margin": margin -Inf must be finite`}},
		{"Poly1CrossEntropyLoss", map[string]any{"epsilon": math.NaN()}, []string{`"epsilon": epsilon NaN must be finite`}},
		{"CrossEntropyLoss", map[string]any{"weight": []any{1.0, math.NaN()}}, []string{`"weight": element 1 is NaN (want >= 0 and finite)`}},
		{"BCEWithLogitsLoss", map[string]any{"pos_weight": []float64{-1}}, []string{`"pos_weight": element 0 is -1 (want >= 0 and finite)`}},
	}
	for _, tc := range tests {
		_, err := New(tc.name, tc.args)
		if err == nil {
			t.Errorf("New(%q, %v): no error", tc.name, tc.args)
			continue
		}
		for _, want := range tc.want {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("New(%q, %v) = %q, want it to contain %q", tc.name, tc.args, err, want)
			}
		}
	}
}

func TestNewAcceptsJSONAndGoValues(t *testing.T) {
	for _, args := range []map[string]any{
		{"weight": []any{1.0, 2.0}, "ignore_index": float64(-1), "reduction": "sum", "label_smoothing": 0.2},
		{"weight": []float64{1, 2}, "ignore_index": -1, "reduction": "none", "label_smoothing": 0.0},
		{"weight": []int{1, 2}, "ignore_index": int64(3)},
		{"weight": nil},
		nil,
	} {
		if _, err := New("CrossEntropyLoss", args); err != nil {
			t.Errorf("New(CrossEntropyLoss, %v): %v", args, err)
		}
	}
}
