package pyargs

import (
	"encoding/json"
	"slices"
	"testing"
)

func TestFloatAndInt(t *testing.T) {
	tests := []struct {
		v     any
		wantF float64
		okF   bool
		wantI int
		okI   bool
	}{
		{float64(2.5), 2.5, true, 0, false},
		{float64(3), 3, true, 3, true},
		{float32(0.5), 0.5, true, 0, false},
		{int(7), 7, true, 7, true},
		{int8(-3), -3, true, -3, true},
		{uint16(9), 9, true, 9, true},
		{int64(-100), -100, true, -100, true},
		{json.Number("1e-3"), 1e-3, true, 0, false},
		{json.Number("x"), 0, false, 0, false},
		{"1", 0, false, 0, false},
		{true, 0, false, 0, false},
		{nil, 0, false, 0, false},
		{float64(1 << 60), 1 << 60, true, 0, false},
	}
	for _, tc := range tests {
		f, okF := Float(tc.v)
		i, okI := Int(tc.v)
		if f != tc.wantF || okF != tc.okF || i != tc.wantI || okI != tc.okI {
			t.Errorf("%#v: Float = %v, %v; Int = %v, %v; want %v, %v; %v, %v", tc.v, f, okF, i, okI, tc.wantF, tc.okF, tc.wantI, tc.okI)
		}
	}
}

func TestFloats(t *testing.T) {
	var fromJSON any
	if err := json.Unmarshal([]byte(`[[1, 2, 3], [4, 5, 6]]`), &fromJSON); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		v      any
		values []float64
		dims   []int
		ok     bool
	}{
		{"json matrix", fromJSON, []float64{1, 2, 3, 4, 5, 6}, []int{2, 3}, true},
		{"[]float64", []float64{0.5, 2}, []float64{0.5, 2}, []int{2}, true},
		{"[]int", []int{1, 2}, []float64{1, 2}, []int{2}, true},
		{"[]float32", []float32{0.25}, []float64{0.25}, []int{1}, true},
		{"[][]float64", [][]float64{{1}, {2}}, []float64{1, 2}, []int{2, 1}, true},
		{"[]any mixed", []any{1, 2.5, int32(3)}, []float64{1, 2.5, 3}, []int{3}, true},
		{"empty", []any{}, nil, []int{0}, true},
		{"ragged", []any{[]any{1.0}, []any{1.0, 2.0}}, nil, nil, false},
		{"strings", []any{"a"}, nil, nil, false},
		{"number then string", []any{1.0, "a"}, nil, nil, false},
		{"scalar", 3.0, nil, nil, false},
	}
	for _, tc := range tests {
		values, dims, ok := Floats(tc.v)
		if ok != tc.ok || !slices.Equal(values, tc.values) || !slices.Equal(dims, tc.dims) {
			t.Errorf("%s: Floats = %v, %v, %v; want %v, %v, %v", tc.name, values, dims, ok, tc.values, tc.dims, tc.ok)
		}
	}
}
