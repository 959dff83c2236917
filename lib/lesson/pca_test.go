package lesson

import (
	"math"
	"testing"
)

// TestFitPCA: points spread along known orthogonal directions give those directions, their variances and
// projections that reconstruct the points.
func TestFitPCA(t *testing.T) {
	u := []float64{0.6, 0.8, 0}
	v := []float64{0.8, -0.6, 0}
	var pts [][]float64
	for i := -3; i <= 3; i++ {
		for j := -1; j <= 1; j++ {
			a, b := 2*float64(i), 0.5*float64(j)
			pts = append(pts, []float64{1 + a*u[0] + b*v[0], -2 + a*u[1] + b*v[1], 5})
		}
	}
	p, err := FitPCA(pts, 2)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(p.Mean[0]-1) > 1e-12 || math.Abs(p.Mean[1]+2) > 1e-12 || math.Abs(p.Mean[2]-5) > 1e-12 {
		t.Errorf("mean %v", p.Mean)
	}
	// var along u: mean of (2i)² over i = -3..3 (each thrice), divided by n-1 = 20: Σ 4i²·3 / 20 = 4·28·3/20.
	wantVar := []float64{4 * 28 * 3 / 20.0, 0.25 * 2 * 7 / 20.0}
	for c, want := range [][]float64{u, v} {
		for j := range want {
			if math.Abs(p.Components[c][j]-want[j]) > 1e-9 {
				t.Errorf("component %d = %v, want %v", c, p.Components[c], want)
				break
			}
		}
		if math.Abs(p.Variance[c]-wantVar[c]) > 1e-9 {
			t.Errorf("variance %d = %v, want %v", c, p.Variance[c], wantVar[c])
		}
	}
	if math.Abs(p.Total-(wantVar[0]+wantVar[1])) > 1e-9 {
		t.Errorf("total %v", p.Total)
	}
	proj := p.Project(pts[:1])
	if math.Abs(proj[0][0]+6) > 1e-9 || math.Abs(proj[0][1]+0.5) > 1e-9 {
		t.Errorf("projection of the first point %v, want [-6 -0.5]", proj[0])
	}
	for _, bad := range [][][]float64{{{1, 2}}, {{1, 2}, {1}}} {
		if _, err := FitPCA(bad, 1); err == nil {
			t.Errorf("FitPCA(%v) accepted", bad)
		}
	}
	if _, err := FitPCA(pts, 4); err == nil {
		t.Error("4 components of 3-d points accepted")
	}
}
