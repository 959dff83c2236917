package data_test

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/lossbook/lossbook/lib/data"
)

func ExampleStratifiedSubset() {
	// 8 items of class 0, 4 of class 1, 2 of class 2: half of each class, at least one.
	labels := []int{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2}
	keep, _ := data.StratifiedSubset(labels, 0.5, 1)
	perClass := make([]int, 3)
	for _, i := range keep {
		perClass[labels[i]]++
	}
	fmt.Println(len(keep), "items kept; per class:", perClass)
	// Output:
	// 7 items kept; per class: [4 2 1]
}

// TestStratifiedSubset: each class keeps round(f·n_c) items (at least one), the indices are sorted and distinct,
// the same seed gives the same subset, another seed another one, and a smaller fraction a subset of a larger.
func TestStratifiedSubset(t *testing.T) {
	// 600 items of class 0, 300 of class 1, 90 of 2, 7 of 3, 1 of 5 (no class 4), interleaved.
	var labels []int
	for i := range 600 {
		labels = append(labels, 0)
		if i%2 == 0 {
			labels = append(labels, 1)
		}
		if i%20 < 3 {
			labels = append(labels, 2)
		}
		if i%90 == 0 && i < 630 {
			labels = append(labels, 3)
		}
	}
	labels = append(labels, 5)
	counts := map[int]int{}
	for _, l := range labels {
		counts[l]++
	}
	tests := []struct {
		fraction float64
		want     map[int]int
	}{
		{1, counts},
		{0.1, map[int]int{0: 60, 1: 30, 2: 9, 3: 1, 5: 1}},
		{0.5, map[int]int{0: 300, 1: 150, 2: 45, 3: 4, 5: 1}}, // 3.5 rounds half away from zero
		{0.001, map[int]int{0: 1, 1: 1, 2: 1, 3: 1, 5: 1}},
	}
	if counts[3] != 7 || counts[2] != 90 {
		t.Fatalf("test data: counts %v", counts)
	}
	for _, tc := range tests {
		keep, err := data.StratifiedSubset(labels, tc.fraction, 7)
		if err != nil {
			t.Fatal(err)
		}
		got := map[int]int{}
		for _, i := range keep {
			got[labels[i]]++
		}
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("fraction %g: per class %v, want %v", tc.fraction, got, tc.want)
		}
		if !slices.IsSorted(keep) || len(slices.Compact(slices.Clone(keep))) != len(keep) {
			t.Errorf("fraction %g: indices not sorted and distinct", tc.fraction)
		}
		again, _ := data.StratifiedSubset(labels, tc.fraction, 7)
		if !slices.Equal(keep, again) {
			t.Errorf("fraction %g: same seed, different subsets", tc.fraction)
		}
		if tc.fraction == 0.1 {
			other, _ := data.StratifiedSubset(labels, tc.fraction, 8)
			if slices.Equal(keep, other) {
				t.Errorf("fraction %g: seeds 7 and 8 give the same subset", tc.fraction)
			}
			larger, _ := data.StratifiedSubset(labels, 0.5, 7)
			for _, i := range keep {
				if _, found := slices.BinarySearch(larger, i); !found {
					t.Errorf("the 10%% subset holds item %d, the 50%% subset of the same seed does not", i)
					break
				}
			}
		}
	}
}

func TestStratifiedSubsetErrors(t *testing.T) {
	tests := []struct {
		labels   []int
		fraction float64
		want     string
	}{
		{[]int{0, 1}, 0, "fraction 0, want it in (0, 1]"},
		{[]int{0, 1}, 1.5, "fraction 1.5"},
		{[]int{0, 1}, math.NaN(), "fraction NaN"},
		{[]int{0, -1}, 0.5, "label -1 at index 1, want labels >= 0"},
	}
	for _, tc := range tests {
		if _, err := data.StratifiedSubset(tc.labels, tc.fraction, 1); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("StratifiedSubset(%v, %g): error %v, want %q", tc.labels, tc.fraction, err, tc.want)
		}
	}
	if keep, err := data.StratifiedSubset(nil, 0.5, 1); err != nil || len(keep) != 0 {
		t.Errorf("no labels: %v, %v; want none and no error", keep, err)
	}
}
