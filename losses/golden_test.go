package losses

import (
	"sync"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/lossbook/lossbook/losses/internal/torchcases"
)

// Tolerance tiers, relative to the magnitude of the compared tensor (see torchcases.Compare).
const (
	// close64: float64 against PyTorch's float64. Both evaluate the same formulas and differ only in the order
	// of roundings: the worst golden element measured 2.3e-16 on the pure-Go backend. The margin leaves room for
	// other backends (XLA fuses and reorders) and for cancellations.
	close64 = 1e-12
	// close32: float32 against PyTorch's float64. The inputs are rounded to float32 (6e-8 relative) and every op
	// rounds at 6e-8: the worst golden element measured 1.1e-7.
	close32 = 1e-5
	// goldenFloor is the smallest scale the golden tolerances are relative to: the golden inputs are of order 1,
	// and a result that should be 0 but comes out of terms of order 1 (KL(p‖p)) is judged at order 1.
	goldenFloor = 1.0
)

// Test-local names for the shared helpers.
var (
	flat64  = torchcases.Flat64
	closeTo = torchcases.CloseTo
)

var (
	goldenOnce sync.Once
	golden     *torchcases.File
	goldenErr  error
)

func loadGolden(t testing.TB) *torchcases.File {
	goldenOnce.Do(func() { golden, goldenErr = torchcases.Load("testdata/golden.json") })
	if goldenErr != nil {
		t.Fatalf("reading testdata/golden.json (regenerate with /usr/bin/python3 losses/testdata/gen_golden.py): %v", goldenErr)
	}
	return golden
}

// checkGoldenCase evaluates one case with New and compares value and gradients with PyTorch's.
func checkGoldenCase(t *testing.T, c torchcases.Case, dtype dtypes.DType, tol float64) {
	t.Helper()
	loss, err := New(c.Loss, c.Kwargs)
	if err != nil {
		t.Errorf("%s: %v", c.Name, err)
		return
	}
	value, grads, err := torchcases.Check(backendForTest(t), c, loss, dtype, goldenFloor)
	if err != nil {
		t.Errorf("%s (%s): %v", c.Name, dtype, err)
		return
	}
	report := func(what string, w torchcases.Worst) {
		if w.Mismatch != "" || w.RelErr > tol {
			t.Errorf("%s (%s, %s, %v): %s: element %d: got %.17g, want %.17g (relative error %.3g > %g) %s",
				c.Name, c.Loss, dtype, c.Kwargs, what, w.Index, w.Got, w.Want, w.RelErr, tol, w.Mismatch)
		}
	}
	report("value", value)
	for i, g := range grads {
		report("gradient of "+c.Inputs[c.Grad[i]].Name, g)
	}
}

// TestGolden checks every loss and option against PyTorch's values and gradients (testdata/golden.json), in
// float64 and float32.
func TestGolden(t *testing.T) {
	g := loadGolden(t)
	t.Logf("golden: %d cases, torch %v", len(g.Cases), g.Provenance["torch"])
	covered := map[string]bool{}
	for _, c := range g.Cases {
		covered[c.Loss] = true
		checkGoldenCase(t, c, dtypes.Float64, close64)
		checkGoldenCase(t, c, dtypes.Float32, close32)
	}
	for _, name := range Names() {
		if !covered[name] {
			t.Errorf("loss %q has no golden case", name)
		}
	}
}
