package losses

import (
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
