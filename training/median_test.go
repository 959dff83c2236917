package training_test

import (
	"slices"
	"testing"

	"github.com/lossbook/lossbook/training"
)

func TestMedian(t *testing.T) {
	tests := []struct {
		xs   []float64
		want float64
	}{{nil, 0}, {[]float64{3}, 3}, {[]float64{3, 1, 2}, 2}, {[]float64{4, 1, 3, 2}, 2.5}}
	for _, tc := range tests {
		in := slices.Clone(tc.xs)
		if got := training.Median(tc.xs); got != tc.want {
			t.Errorf("Median(%v) = %g, want %g", tc.xs, got, tc.want)
		}
		if !slices.Equal(in, tc.xs) {
			t.Errorf("Median reordered its argument to %v", tc.xs)
		}
	}
}
