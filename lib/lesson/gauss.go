package lesson

import "math"

// Gaussian returns the normal density with mean mu and standard deviation sigma at xs, normalised to sum to 1
// over the grid (a distribution over the grid's points, as KL needs).
func Gaussian(xs []float64, mu, sigma float64) []float64 {
	out := make([]float64, len(xs))
	sum := 0.0
	for i, x := range xs {
		z := (x - mu) / sigma
		out[i] = math.Exp(-z * z / 2)
		sum += out[i]
	}
	for i := range out {
		out[i] /= sum
	}
	return out
}

// Mixture returns w·a + (1 − w)·b, elementwise.
func Mixture(w float64, a, b []float64) []float64 {
	out := make([]float64, len(a))
	for i := range a {
		out[i] = w*a[i] + (1-w)*b[i]
	}
	return out
}

// FitGaussian finds, by grid search over means in [lo, hi] of xs (step (hi−lo)/200) and standard deviations
// from 0.1 to the width of xs (step 0.005 of the width), the Gaussian q on the grid xs that minimises
// KL(p ‖ q) (forward, reverse false: what cross-entropy and KLDivLoss minimise) or KL(q ‖ p) (reverse true). It
// returns the mean, the standard deviation and q.
//
// Forward KL is "mean-seeking" (zero-avoiding): q must cover every point where p has mass, so for a two-peaked
// p it sits between the peaks, wide. Reverse KL is "mode-seeking" (zero-forcing): q is punished where p is
// small, so it picks one peak.
func FitGaussian(xs, p []float64, reverse bool) (mu, sigma float64, q []float64) {
	lo, hi := xs[0], xs[len(xs)-1]
	width := hi - lo
	best := math.Inf(1)
	for i := 0; i <= 200; i++ {
		m := lo + width*float64(i)/200
		for s := 0.1; s <= width; s += 0.005 * width {
			cand := Gaussian(xs, m, s)
			var d float64
			if reverse {
				d = KL(cand, p)
			} else {
				d = KL(p, cand)
			}
			if d < best {
				best, mu, sigma, q = d, m, s, cand
			}
		}
	}
	return mu, sigma, q
}
