package data

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// SplitIndices shuffles the indices 0..n-1 with a PCG generator seeded by seed and cuts them into consecutive
// parts whose sizes follow fractions (which must be positive and sum to 1; sizes are rounded by largest
// remainder so they add up to n). The same n, seed and fractions always give the same parts. Data sets call it
// on their documents or messages, never on sentences, so that no item is cut between parts. That alone does
// not keep a text out of two parts: copies of an item would still land on both sides, so a data set removes
// them before it splits (SpamAssassin on Message.Key, after decoding) and its tests check the parts.
func SplitIndices(n int, seed uint64, fractions ...float64) ([][]int, error) {
	if n < 0 {
		return nil, fmt.Errorf("data: SplitIndices: n %d, want the number of items (>= 0)", n)
	}
	if len(fractions) == 0 {
		return nil, fmt.Errorf("data: SplitIndices: no fractions given (want e.g. 0.8, 0.1, 0.1)")
	}
	sum := 0.0
	for _, f := range fractions {
		if !(f > 0) {
			return nil, fmt.Errorf("data: SplitIndices: fractions %v: each must be > 0", fractions)
		}
		sum += f
	}
	if math.Abs(sum-1) > 1e-9 {
		return nil, fmt.Errorf("data: SplitIndices: fractions %v sum to %g, want 1", fractions, sum)
	}
	// Largest-remainder rounding: floor every share, then give the leftover items to the largest remainders.
	sizes := make([]int, len(fractions))
	rem := make([]float64, len(fractions))
	total := 0
	for i, f := range fractions {
		exact := f * float64(n)
		sizes[i] = int(math.Floor(exact))
		rem[i] = exact - float64(sizes[i])
		total += sizes[i]
	}
	for ; total < n; total++ {
		best := 0
		for i := range rem {
			if rem[i] > rem[best] {
				best = i
			}
		}
		sizes[best]++
		rem[best] = -1
	}
	perm := rand.New(rand.NewPCG(seed, splitStream)).Perm(n)
	parts := make([][]int, len(fractions))
	start := 0
	for i, s := range sizes {
		parts[i] = perm[start : start+s : start+s]
		start += s
	}
	return parts, nil
}

// splitStream is the second PCG seed word for splits, so that a split and a batch order drawn with the same
// user seed are not the same permutation.
const splitStream = 0x5ed5_0f_da7a

// pick returns the elements of xs at the given indices, in that order.
func pick[T any](xs []T, idx []int) []T {
	out := make([]T, len(idx))
	for i, j := range idx {
		out[i] = xs[j]
	}
	return out
}
