package losses_test

import (
	"strings"
	"sync"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/lossbook/lossbook/lib"
	"github.com/lossbook/lossbook/losses"
	"github.com/lossbook/lossbook/losses/parity"
)

var (
	kerasGoldenOnce sync.Once
	kerasGolden     *parity.File
	kerasGoldenErr  error
)

func loadKerasGolden(t testing.TB) *parity.File {
	kerasGoldenOnce.Do(func() { kerasGolden, kerasGoldenErr = parity.Load("testdata/keras_golden.json") })
	if kerasGoldenErr != nil {
		t.Fatalf("reading testdata/keras_golden.json (regenerate with make keras-golden): %v", kerasGoldenErr)
	}
	return kerasGolden
}

// TestKerasGolden checks every Keras loss and argument against Keras 3's values and gradients
// (testdata/keras_golden.json, Keras on JAX in float64), in float64 and float32, with the tolerance tiers of
// TestGolden: Keras evaluates the same formulas, clipping included, so only the order of roundings differs.
func TestKerasGolden(t *testing.T) {
	g := loadKerasGolden(t)
	t.Logf("keras golden: %d cases, keras %v, jax %v", len(g.Cases), g.Provenance["keras"], g.Provenance["jax"])
	backend := lib.MustBackend()
	covered := map[string]bool{}
	argsCovered := map[string]map[string]bool{}
	for _, c := range g.Cases {
		if c.Framework != "keras" {
			t.Fatalf("case %s: framework %q, want \"keras\"", c.Name, c.Framework)
		}
	}
	for _, tier := range []struct {
		dtype dtypes.DType
		tol   float64
	}{{dtypes.Float64, close64}, {dtypes.Float32, close32}} {
		file := g
		if tier.dtype == dtypes.Float32 {
			file = withoutClipped(g)
		}
		for _, s := range parity.Summarize(backend, file, tier.dtype, tier.tol, goldenFloor) {
			covered[s.Loss] = true
			argsCovered[s.Loss] = map[string]bool{}
			for _, a := range s.Args {
				argsCovered[s.Loss][a] = true
			}
			t.Logf("%s %-34s %3d cases, worst relative error: value %.2g, gradient %.2g", tier.dtype, s.Loss, s.Cases,
				s.WorstValue, s.WorstGrad)
			for _, f := range s.Failed {
				t.Errorf("%s (%s): %s", s.Loss, tier.dtype, f)
			}
		}
	}
	for _, name := range losses.KerasNames() {
		if !covered[name] {
			t.Errorf("Keras loss %q has no golden case", name)
		}
		for _, arg := range losses.KerasArgs(name) {
			if !argsCovered[name][arg] {
				t.Errorf("Keras loss %q: argument %q has no golden case", name, arg)
			}
		}
	}
}

// withoutClipped drops the cases named ".../clipped/...": probabilities clipped at 1 - ε, which float32 rounds to
// 1 - 1.19e-7 (Keras in float32 does the same), so they are compared with the float64 goldens in float64 only.
func withoutClipped(g *parity.File) *parity.File {
	out := &parity.File{Provenance: g.Provenance}
	for _, c := range g.Cases {
		if !strings.Contains(c.Name, "/clipped/") {
			out.Cases = append(out.Cases, c)
		}
	}
	return out
}
