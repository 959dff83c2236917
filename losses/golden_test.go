package losses_test

import (
	"sync"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/lossbook/lossbook/lib"
	"github.com/lossbook/lossbook/losses"
	"github.com/lossbook/lossbook/losses/parity"
)

// Tolerance tiers, relative to the magnitude of the compared tensor (see parity.Compare).
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

var (
	goldenOnce sync.Once
	golden     *parity.File
	goldenErr  error
)

func loadGolden(t testing.TB) *parity.File {
	goldenOnce.Do(func() { golden, goldenErr = parity.Load("testdata/golden.json") })
	if goldenErr != nil {
		t.Fatalf("reading testdata/golden.json (regenerate with /usr/bin/python3 losses/testdata/gen_golden.py): %v", goldenErr)
	}
	return golden
}

// TestGolden checks every loss and option against PyTorch's values and gradients (testdata/golden.json), in
// float64 and float32.
func TestGolden(t *testing.T) {
	g := loadGolden(t)
	t.Logf("golden: %d cases, torch %v", len(g.Cases), g.Provenance["torch"])
	backend := lib.MustBackend()
	covered := map[string]bool{}
	argsCovered := map[string]map[string]bool{}
	for _, tier := range []struct {
		dtype dtypes.DType
		tol   float64
	}{{dtypes.Float64, close64}, {dtypes.Float32, close32}} {
		for _, s := range parity.Summarize(backend, g, tier.dtype, tier.tol, goldenFloor) {
			covered[s.Loss] = true
			argsCovered[s.Loss] = map[string]bool{}
			for _, a := range s.Args {
				argsCovered[s.Loss][a] = true
			}
			t.Logf("%s %-26s %3d cases, worst relative error: value %.2g, gradient %.2g", tier.dtype, s.Loss, s.Cases,
				s.WorstValue, s.WorstGrad)
			for _, f := range s.Failed {
				t.Errorf("%s (%s): %s", s.Loss, tier.dtype, f)
			}
		}
	}
	for _, name := range losses.Names() {
		if separateGolden[name] != "" {
			continue // checked against its own reference file by its own test
		}
		if !covered[name] {
			t.Errorf("loss %q has no golden case", name)
		}
		for _, arg := range losses.Args(name) {
			if !argsCovered[name][arg] {
				t.Errorf("loss %q: argument %q has no golden case", name, arg)
			}
		}
	}
}
