package data

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// StratifiedSubset returns the indices of a seeded subset of the items whose class labels are given, keeping
// each class's share: of a class's n_c items it keeps round(fraction·n_c), and at least one, so that no class
// disappears (all of them when fraction is 1). The items kept are the first of their class in a PCG permutation
// of 0..len(labels)-1 seeded by seed, so the same labels, fraction and seed always give the same subset, and a
// smaller fraction with the same seed gives a subset of a larger one's. The indices come back in increasing
// order (the items' own order).
//
// It is scikit-learn's train_test_split(..., train_size=fraction, stratify=labels) for the part kept, except in
// rounding: scikit-learn allocates the total round(fraction·n) among the classes, this rounds each class and never
// drops one. A learning-curve experiment uses it to train on 10% of the labels with the held-out split untouched.
//
// It returns an error if fraction is not in (0, 1] or a label is negative.
func StratifiedSubset(labels []int, fraction float64, seed uint64) ([]int, error) {
	if !(fraction > 0 && fraction <= 1) {
		return nil, fmt.Errorf("data: StratifiedSubset: fraction %g, want it in (0, 1]", fraction)
	}
	counts := map[int]int{}
	for i, l := range labels {
		if l < 0 {
			return nil, fmt.Errorf("data: StratifiedSubset: label %d at index %d, want labels >= 0", l, i)
		}
		counts[l]++
	}
	quota := make(map[int]int, len(counts))
	for l, n := range counts {
		quota[l] = max(1, int(math.Round(fraction*float64(n))))
	}
	var keep []int
	for _, i := range rand.New(rand.NewPCG(seed, subsetStream)).Perm(len(labels)) {
		if quota[labels[i]] > 0 {
			quota[labels[i]]--
			keep = append(keep, i)
		}
	}
	slices.Sort(keep)
	return keep, nil
}

// subsetStream is the second PCG seed word of StratifiedSubset, so that its permutation is not the one a split
// with the same seed draws.
const subsetStream = 0x5ab5_e7_f4ac
