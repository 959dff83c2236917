package losses_test

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX's idiom.
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/lossbook/lossbook/lib"
	"github.com/lossbook/lossbook/losses"
	"github.com/lossbook/lossbook/losses/parity"
)

// separateGolden names the registry losses that PyTorch does not have and whose reference values live in their
// own file (TestGolden skips them; the test named here checks them).
var separateGolden = map[string]string{
	"GeneralRobustLoss":  "TestRobustGolden",
	"AdaptiveRobustLoss": "TestRobustGolden",
}

// robustFile is testdata/robust_golden.json: cases in golden.json's layout plus the partition function.
type robustFile struct {
	parity.File
	LogPartition []struct {
		Alpha float64 `json:"alpha"`
		LogZ  any     `json:"log_z"`
		DLogZ any     `json:"dlog_z"`
	} `json:"log_partition"`
	ClosedForms map[string]float64 `json:"closed_forms"`
}

var (
	robustOnce   sync.Once
	robustGolden robustFile
	robustErr    error
)

func loadRobust(t testing.TB) *robustFile {
	robustOnce.Do(func() {
		data, err := os.ReadFile("testdata/robust_golden.json")
		if err == nil {
			err = json.Unmarshal(data, &robustGolden)
		}
		robustErr = err
	})
	if robustErr != nil {
		t.Fatalf("reading testdata/robust_golden.json (regenerate with /usr/bin/python3 losses/testdata/gen_robust.py): %v", robustErr)
	}
	return &robustGolden
}

// Tolerance tiers of the robust losses, relative as in golden_test.go.
const (
	// closeSpline: the adaptive NLL adds log Z(α) from a cubic Hermite spline (1024 intervals): its
	// interpolation error, measured 9.7e-9 in value and 1.1e-5 (relative) in slope at α = 0.001 against mpmath,
	// bounds the agreement of the α-gradient (values agree to 1e-8).
	closeSpline = 2e-5
	// closeSplineSlope bounds d log Z/dα of the spline relative to mpmath's (measured 1.1e-5 near α = 0).
	closeSplineSlope = 5e-5
	// closeLogZ is the accuracy the issue asks of log Z (spline against an independent quadrature).
	closeLogZ = 1e-6
	// closeQuad: lossbook's exp-sinh quadrature against mpmath's tanh-sinh: both converge to ~1e-15.
	closeQuad = 1e-12
)

// TestRobustGolden checks GeneralRobustLoss and AdaptiveRobustLoss against the mpmath reference, values and
// gradients (x, target, α, c), in float64 and float32.
func TestRobustGolden(t *testing.T) {
	f := loadRobust(t)
	t.Logf("robust golden: %d cases, mpmath %v, scipy %v", len(f.Cases), f.Provenance["mpmath"], f.Provenance["scipy"])
	backend := lib.MustBackend()
	covered := map[string]bool{}
	for _, tier := range []struct {
		dtype           dtypes.DType
		general, spline float64
	}{{dtypes.Float64, close64, closeSpline}, {dtypes.Float32, close32, closeSpline}} {
		for _, loss := range []string{"GeneralRobustLoss", "AdaptiveRobustLoss"} {
			tol := tier.general
			if loss == "AdaptiveRobustLoss" {
				tol = tier.spline
			}
			sub := &parity.File{Provenance: f.Provenance}
			for _, c := range f.Cases {
				if c.Loss == loss {
					sub.Cases = append(sub.Cases, c)
				}
			}
			for _, s := range parity.Summarize(backend, sub, tier.dtype, tol, goldenFloor) {
				covered[s.Loss] = true
				t.Logf("%s %-20s %2d cases, worst relative error: value %.2g, gradient %.2g", tier.dtype, s.Loss,
					s.Cases, s.WorstValue, s.WorstGrad)
				for _, fail := range s.Failed {
					t.Errorf("%s (%s): %s", s.Loss, tier.dtype, fail)
				}
			}
		}
	}
	for name := range separateGolden {
		if !covered[name] {
			t.Errorf("loss %q has no case in robust_golden.json", name)
		}
	}
}

// TestRobustFiniteDifferences compares the hand-written gradients (x, target, α, c) with central differences.
func TestRobustFiniteDifferences(t *testing.T) {
	f := loadRobust(t)
	const tol = 1e-6
	for _, c := range f.Cases {
		if c.Name == "robust/alpha=2-grad/sum" {
			continue // ∂ρ/∂α is +Inf at α = 2.
		}
		if want, err := parity.Floats(c.Value.Data); err != nil || !allFinite(want) {
			continue
		}
		if err := checkFiniteDifferences(t, c, tol); err != "" {
			t.Errorf("%s: %s", c.Name, err)
		}
	}
}

// TestRobustLogPartition checks log Z(α): the quadrature at the closed forms (α = 0 Cauchy, 1, 2 normal) and
// against mpmath (itself checked against SciPy's quad by the generator), and the in-graph spline and its
// gradient against the same reference, to closeLogZ (1e-6) as the issue asks.
func TestRobustLogPartition(t *testing.T) {
	f := loadRobust(t)
	for _, tc := range []struct {
		alpha float64
		want  float64
		what  string
	}{
		{0, math.Log(math.Pi * math.Sqrt2), "Cauchy: π sqrt 2"},
		{2, 0.5 * math.Log(2*math.Pi), "normal: sqrt(2π)"},
		{1, math.Log(2 * math.E * f.ClosedForms["scipy_k1_of_1"]), "2e K1(1) (K1 from scipy.special.k1)"},
	} {
		got, _ := losses.RobustLogPartition(tc.alpha)
		if math.Abs(got-tc.want) > closeQuad {
			t.Errorf("RobustLogPartition(%g) = %.17g, want %.17g (%s)", tc.alpha, got, tc.want, tc.what)
		}
	}
	alphas := make([]float64, len(f.LogPartition))
	wantZ := make([]float64, len(alphas))
	wantD := make([]float64, len(alphas))
	worstQ, worstDQ := 0.0, 0.0
	for i, p := range f.LogPartition {
		alphas[i] = p.Alpha
		v, err := parity.Floats([]any{p.LogZ, p.DLogZ})
		if err != nil {
			t.Fatal(err)
		}
		wantZ[i], wantD[i] = v[0], v[1]
		gotZ, gotD := losses.RobustLogPartition(p.Alpha)
		worstQ = max(worstQ, math.Abs(gotZ-wantZ[i]))
		if p.Alpha > 0 && p.Alpha < 2 {
			worstDQ = max(worstDQ, math.Abs(gotD-wantD[i])/max(1, math.Abs(wantD[i])))
		}
	}
	t.Logf("quadrature vs mpmath: log Z %.2g, d log Z/dα %.2g", worstQ, worstDQ)
	if worstQ > closeQuad || worstDQ > 1e-10 {
		t.Errorf("quadrature vs mpmath: log Z off by %.3g (tol %g), derivative by %.3g (tol 1e-10)", worstQ, closeQuad, worstDQ)
	}
	for _, dtype := range []dtypes.DType{dtypes.Float64, dtypes.Float32} {
		tol := closeLogZ
		if dtype == dtypes.Float32 {
			tol = close32
		}
		exec := MustNewExec(lib.MustBackend(), func(a *Node) []*Node {
			z := losses.RobustLogPartitionGraph(a)
			return []*Node{z, Gradient(ReduceAllSum(z), a)[0]}
		})
		out := exec.MustExec(parity.MakeTensor(alphas, []int{len(alphas)}, "float64", dtype))
		gotZ, gotD := parity.Flat64(out[0]), parity.Flat64(out[1])
		worstZ, worstD := 0.0, 0.0
		for i, a := range alphas {
			worstZ = max(worstZ, math.Abs(gotZ[i]-wantZ[i]))
			if a > 0 && a < 1.99 { // the slope grows as log(2 - α) near 2: compared relatively below 1.99
				worstD = max(worstD, math.Abs(gotD[i]-wantD[i])/max(1, math.Abs(wantD[i])))
			}
		}
		t.Logf("%s spline vs mpmath: log Z %.2g, d log Z/dα %.2g", dtype, worstZ, worstD)
		if worstZ > tol || worstD > closeSplineSlope {
			t.Errorf("%s spline vs mpmath: log Z off by %.3g, derivative by %.3g (tol %g)", dtype, worstZ, worstD, tol)
		}
		exec.Finalize()
	}
}

// TestRobustSpecialCases checks the named members of the family (values and x-gradients), the continuity of the
// loss across α = 0 and 2, and the NaN rules, on the graph function.
func TestRobustSpecialCases(t *testing.T) {
	xs := []float64{-20, -3, -1, -0.25, 0, 0.3, 1, 2.5, 40}
	const c = 1.5
	named := map[float64]func(r float64) float64{
		2:            func(r float64) float64 { return r * r / 2 },
		1:            func(r float64) float64 { return math.Sqrt(r*r+1) - 1 },
		0:            func(r float64) float64 { return math.Log(r*r/2 + 1) },
		-2:           func(r float64) float64 { return 2 * r * r / (r*r + 4) },
		math.Inf(-1): func(r float64) float64 { return 1 - math.Exp(-r*r/2) },
		math.Inf(1):  func(r float64) float64 { return math.Expm1(r * r / 2) },
	}
	for alpha, want := range named {
		xsA := xs
		if math.IsInf(alpha, 1) {
			xsA = xs[1:8]
		}
		got := robustValues(t, xsA, alpha, c)
		for i, x := range xsA {
			w := want(x / c)
			if math.Abs(got[i]-w) > 1e-14*max(1, math.Abs(w)) {
				t.Errorf("α=%g x=%g: %.17g, want %.17g", alpha, x, got[i], w)
			}
			if r := losses.RobustRho(x, alpha, c); math.Abs(r-w) > 1e-14*max(1, math.Abs(w)) {
				t.Errorf("RobustRho(%g, %g): %.17g, want %.17g", x, alpha, r, w)
			}
		}
	}
	// Continuity: ρ at α = a ± 1e-7 is within ~|ε log ε|·z of ρ at a.
	for _, a := range []float64{0, 2} {
		at := robustValues(t, xs, a, c)
		for _, eps := range []float64{-1e-7, 1e-7} {
			near := robustValues(t, xs, a+eps, c)
			for i := range xs {
				z := xs[i] * xs[i] / (c * c)
				if d := math.Abs(near[i] - at[i]); d > 1e-5*(1+z) {
					t.Errorf("α=%g%+g x=%g: ρ jumps by %.3g", a, eps, xs[i], d)
				}
			}
		}
	}
	if !math.IsNaN(losses.RobustRho(1, 1, 0)) || !math.IsNaN(losses.RobustRho(1, math.NaN(), 1)) {
		t.Error("RobustRho with scale 0 or α NaN should be NaN")
	}
	nan := robustValuesScale(t, []float64{1, 0}, 1, []float64{0, -1})
	if !math.IsNaN(nan[0]) || !math.IsNaN(nan[1]) {
		t.Errorf("GeneralRobust with scale <= 0 = %v, want NaN", nan)
	}
}

func robustValues(t *testing.T, xs []float64, alpha, c float64) []float64 {
	cs := make([]float64, len(xs))
	for i := range cs {
		cs[i] = c
	}
	out := MustExecOnce(lib.MustBackend(), func(x, a, s *Node) *Node {
		return losses.GeneralRobust(x, ZerosLike(x), a, s, losses.WithReduction(losses.ReductionNone))
	}, xs, alpha, cs)
	return parity.Flat64(out)
}

func robustValuesScale(t *testing.T, xs []float64, alpha float64, cs []float64) []float64 {
	out := MustExecOnce(lib.MustBackend(), func(x, a, s *Node) *Node {
		return losses.GeneralRobust(x, ZerosLike(x), a, s, losses.WithReduction(losses.ReductionNone))
	}, xs, alpha, cs)
	return parity.Flat64(out)
}

// TestRobustPanics: shapes that do not broadcast, and integer α, panic with the losses: prefix naming them.
func TestRobustPanics(t *testing.T) {
	for _, tc := range []struct {
		name         string
		alpha, scale []int
		want         string
	}{
		{"alpha [4]", []int{4}, nil, "alpha (Float64)[4] does not broadcast to (Float64)[2 3]"},
		{"scale [2]", nil, []int{2}, "scale (Float64)[2] does not broadcast to (Float64)[2 3]"},
	} {
		msg := func() (msg string) {
			defer func() { msg = fmt.Sprint(recover()) }()
			g := NewGraph(lib.MustBackend(), "p")
			defer g.Finalize()
			x := Parameter(g, "x", shapes.Make(dtypes.Float64, 2, 3))
			a := Parameter(g, "a", shapes.Make(dtypes.Float64, tc.alpha...))
			s := Parameter(g, "s", shapes.Make(dtypes.Float64, tc.scale...))
			losses.GeneralRobust(x, x, a, s)
			return ""
		}()
		if !strings.HasPrefix(msg, "losses: GeneralRobust: ") || !strings.Contains(msg, tc.want) {
			t.Errorf("%s: panic %q, want it to contain %q", tc.name, msg, tc.want)
		}
	}
}
