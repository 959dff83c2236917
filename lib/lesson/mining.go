package lesson

import "math"

// Triplet is one (anchor, positive, negative) of a batch, by index, with its hinge loss d(a,p) - d(a,n) + margin.
type Triplet struct {
	Anchor, Positive, Negative int
	Loss                       float64
}

// Distances is the Euclidean distance of every pair of points.
func Distances(points [][]float64) [][]float64 {
	d := make([][]float64, len(points))
	for i, a := range points {
		d[i] = make([]float64, len(points))
		for j, b := range points {
			s := 0.0
			for k := range a {
				s += (a[k] - b[k]) * (a[k] - b[k])
			}
			d[i][j] = math.Sqrt(s)
		}
	}
	return d
}

// MineTriplets lists the triplets that each batch-mining strategy of losses.BatchAllTriplet, BatchHardTriplet and
// BatchSemiHardTriplet uses on a batch with distances d and labels, for a picture of what each keeps:
//
//   - all: every valid triplet (a ≠ p with a's label, n with another) whose hinge is positive;
//   - hard: per anchor with a positive and a negative, its farthest positive and its nearest negative;
//   - semi-hard: per positive pair (a, p), the nearest negative farther than p, else the farthest negative.
//
// Loss is the hinge before the max with 0 (so hard and semi-hard triplets may show a negative one).
func MineTriplets(d [][]float64, labels []int, margin float64) (all, hard, semiHard []Triplet) {
	n := len(labels)
	for a := range n {
		hp, hn := -1, -1
		for p := range n {
			if p == a || labels[p] != labels[a] {
				continue
			}
			if hp < 0 || d[a][p] > d[a][hp] {
				hp = p
			}
			semi, far := -1, -1
			for k := range n {
				if labels[k] == labels[a] {
					continue
				}
				if l := d[a][p] - d[a][k] + margin; l > 0 {
					all = append(all, Triplet{a, p, k, l})
				}
				if d[a][k] > d[a][p] && (semi < 0 || d[a][k] < d[a][semi]) {
					semi = k
				}
				if far < 0 || d[a][k] > d[a][far] {
					far = k
				}
			}
			if semi < 0 {
				semi = far
			}
			if semi >= 0 {
				semiHard = append(semiHard, Triplet{a, p, semi, d[a][p] - d[a][semi] + margin})
			}
		}
		for k := range n {
			if labels[k] != labels[a] && (hn < 0 || d[a][k] < d[a][hn]) {
				hn = k
			}
		}
		if hp >= 0 && hn >= 0 {
			hard = append(hard, Triplet{a, hp, hn, d[a][hp] - d[a][hn] + margin})
		}
	}
	return all, hard, semiHard
}
