package lesson

import (
	"math"
	"testing"
)

func TestMineTriplets(t *testing.T) {
	// Labels 0 0 1 on a line: 0 at x=0, 1 at x=1, 2 at x=1.5.
	d := Distances([][]float64{{0}, {1}, {1.5}})
	all, hard, semi := MineTriplets(d, []int{0, 0, 1}, 1)
	// (0,1,2): 1 - 1.5 + 1 = 0.5 > 0; (1,0,2): 1 - 0.5 + 1 = 1.5.
	if len(all) != 2 || all[0] != (Triplet{0, 1, 2, 0.5}) || all[1] != (Triplet{1, 0, 2, 1.5}) {
		t.Errorf("all %v", all)
	}
	if len(hard) != 2 || hard[1] != (Triplet{1, 0, 2, 1.5}) {
		t.Errorf("hard %v", hard)
	}
	// Anchor 1's only negative (0.5 away) is nearer than its positive (1 away): no semi-hard one, the farthest.
	if len(semi) != 2 || semi[1].Negative != 2 || math.Abs(semi[0].Loss-0.5) > 1e-12 {
		t.Errorf("semi-hard %v", semi)
	}
}
