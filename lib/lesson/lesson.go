// Package lesson holds the helpers that lossbook's notebooks call, so that their cells stay short and the helpers
// are tested: finite-difference gradients, comparisons, grids, a count-based bigram language model on real text,
// and the Gaussians of the forward- against reverse-KL picture. It is plain Go (no GoMLX): the notebooks compute
// the losses with package losses and use this package for the numbers around them.
//
// # For contributors
//
// Only what a notebook needs, and only what it would otherwise define in a cell of more than a few lines. Package
// nb displays; this package computes; neither imports the other.
package lesson

import (
	"fmt"
	"math"
)

// NumericGradient is the central finite-difference gradient of f at x with step h:
// (f(x + h·e_ij) − f(x − h·e_ij)) / 2h for every element (i, j). It restores x before returning. With h = 1e-6
// in float64 its error is about 1e-9 for smooth f of order-one values.
func NumericGradient(f func(x [][]float64) float64, x [][]float64, h float64) [][]float64 {
	grad := make([][]float64, len(x))
	for i := range x {
		grad[i] = make([]float64, len(x[i]))
		for j := range x[i] {
			orig := x[i][j]
			x[i][j] = orig + h
			plus := f(x)
			x[i][j] = orig - h
			minus := f(x)
			x[i][j] = orig
			grad[i][j] = (plus - minus) / (2 * h)
		}
	}
	return grad
}

// MaxAbsDiff is the largest |a[i][j] − b[i][j]|. It panics, naming both shapes, when the shapes differ.
func MaxAbsDiff(a, b [][]float64) float64 {
	if len(a) != len(b) {
		panic(fmt.Sprintf("lesson: MaxAbsDiff of %d rows and %d rows", len(a), len(b)))
	}
	d := 0.0
	for i := range a {
		if len(a[i]) != len(b[i]) {
			panic(fmt.Sprintf("lesson: MaxAbsDiff: row %d has %d and %d elements", i, len(a[i]), len(b[i])))
		}
		for j := range a[i] {
			d = math.Max(d, math.Abs(a[i][j]-b[i][j]))
		}
	}
	return d
}

// Linspace returns n evenly spaced values from lo to hi, both included (numpy.linspace). n = 1 gives [lo].
func Linspace(lo, hi float64, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		if n > 1 {
			out[i] = lo + (hi-lo)*float64(i)/float64(n-1)
		} else {
			out[i] = lo
		}
	}
	return out
}

// LogSoftmax returns log softmax(row), computed stably (the largest value is subtracted before exp).
func LogSoftmax(row []float64) []float64 {
	maxV := math.Inf(-1)
	for _, v := range row {
		maxV = math.Max(maxV, v)
	}
	sum := 0.0
	for _, v := range row {
		sum += math.Exp(v - maxV)
	}
	out := make([]float64, len(row))
	for i, v := range row {
		out[i] = v - maxV - math.Log(sum)
	}
	return out
}

// Entropy is H(p) = −Σ p_c log p_c in nats, with 0 log 0 = 0.
func Entropy(p []float64) float64 {
	h := 0.0
	for _, pc := range p {
		if pc > 0 {
			h -= pc * math.Log(pc)
		}
	}
	return h
}

// KL is KL(p ‖ q) = Σ p_c (log p_c − log q_c) in nats, with 0 log 0 = 0; +Inf where q_c = 0 < p_c.
// It panics when the lengths differ.
func KL(p, q []float64) float64 {
	if len(p) != len(q) {
		panic(fmt.Sprintf("lesson: KL of %d and %d probabilities", len(p), len(q)))
	}
	d := 0.0
	for c, pc := range p {
		if pc > 0 {
			d += pc * (math.Log(pc) - math.Log(q[c]))
		}
	}
	return d
}

// Exp returns e^x for each x, e.g. probabilities from log-probabilities.
func Exp(xs []float64) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = math.Exp(x)
	}
	return out
}

// Log returns log x for each x (−Inf for 0), e.g. logits from probabilities.
func Log(xs []float64) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = math.Log(x)
	}
	return out
}

// Int32s converts class labels to int32, the label type the notebooks give GoMLX graphs.
func Int32s(labels []int) []int32 {
	out := make([]int32, len(labels))
	for i, l := range labels {
		out[i] = int32(l)
	}
	return out
}
