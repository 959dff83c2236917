package lesson

import (
	"fmt"
	"math"
)

// PCA is a principal component analysis fitted to a set of points: their mean and the leading directions of
// their variance, for 2-D pictures of embeddings.
type PCA struct {
	Mean       []float64   // the points' mean
	Components [][]float64 // unit directions, largest variance first; the largest |coordinate| of each is positive
	Variance   []float64   // the variance along each component (divided by n - 1, as scikit-learn's explained_variance_)
	Total      float64     // the total variance (the trace of the covariance)
}

// FitPCA finds the k leading principal components of points (n rows of d coordinates, n >= 2) by power
// iteration on the covariance matrix with deflation, as scikit-learn's PCA(n_components=k) does with an exact
// solver up to the sign of each component (here its largest coordinate is made positive).
func FitPCA(points [][]float64, k int) (*PCA, error) {
	n := len(points)
	if n < 2 {
		return nil, fmt.Errorf("lesson: FitPCA: %d points, want at least 2", n)
	}
	d := len(points[0])
	if k < 1 || k > d {
		return nil, fmt.Errorf("lesson: FitPCA: %d components of %d-dimensional points (want 1 to %d)", k, d, d)
	}
	p := &PCA{Mean: make([]float64, d)}
	for i, x := range points {
		if len(x) != d {
			return nil, fmt.Errorf("lesson: FitPCA: point %d has %d coordinates, want %d", i, len(x), d)
		}
		for j, v := range x {
			p.Mean[j] += v / float64(n)
		}
	}
	cov := make([][]float64, d)
	for a := range cov {
		cov[a] = make([]float64, d)
	}
	for _, x := range points {
		for a := range d {
			da := x[a] - p.Mean[a]
			for b := range d {
				cov[a][b] += da * (x[b] - p.Mean[b]) / float64(n-1)
			}
		}
	}
	for a := range d {
		p.Total += cov[a][a]
	}
	for range k {
		v := make([]float64, d)
		for j := range v {
			v[j] = 1 / math.Sqrt(float64(d)) * (1 + 0.01*float64(j)) // a fixed start, not orthogonal to any axis
		}
		lambda := 0.0
		for iter := 0; iter < 5000; iter++ {
			w := make([]float64, d)
			for a := range d {
				for b := range d {
					w[a] += cov[a][b] * v[b]
				}
			}
			norm := 0.0
			for _, x := range w {
				norm += x * x
			}
			norm = math.Sqrt(norm)
			if norm == 0 {
				break
			}
			change := 0.0
			for j := range w {
				w[j] /= norm
				change = math.Max(change, math.Abs(w[j]-v[j]))
			}
			v, lambda = w, norm
			if change < 1e-13 {
				break
			}
		}
		big := 0
		for j := range v {
			if math.Abs(v[j]) > math.Abs(v[big]) {
				big = j
			}
		}
		if v[big] < 0 {
			for j := range v {
				v[j] = -v[j]
			}
		}
		p.Components = append(p.Components, v)
		p.Variance = append(p.Variance, lambda)
		for a := range d { // deflate: cov -= λ v vᵀ
			for b := range d {
				cov[a][b] -= lambda * v[a] * v[b]
			}
		}
	}
	return p, nil
}

// Project returns the coordinates of points along the components: (x - Mean) · Components[c].
func (p *PCA) Project(points [][]float64) [][]float64 {
	out := make([][]float64, len(points))
	for i, x := range points {
		out[i] = make([]float64, len(p.Components))
		for c, v := range p.Components {
			for j := range v {
				out[i][c] += (x[j] - p.Mean[j]) * v[j]
			}
		}
	}
	return out
}

// Float64s converts rows of float32 (embeddings) to float64.
func Float64s(rows [][]float32) [][]float64 {
	out := make([][]float64, len(rows))
	for i, r := range rows {
		out[i] = make([]float64, len(r))
		for j, v := range r {
			out[i][j] = float64(v)
		}
	}
	return out
}
