//go:build !noxla && cgo && ((linux && amd64) || darwin)

package main

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/lossbook/lossbook/lib"
)

// Tolerances of the two-device run against the one-device run. Both compute the same float32 graph, but XLA's
// SPMD partitioner splits every sum over the batch (the mean loss, the gradients of the embedding table and of
// the dense layer) into one partial sum per device followed by an all-reduce: the float32 additions are
// reassociated, so each step's loss and gradients differ from the one-device ones by a few ulps (2^-23 = 1.2e-7
// relative), and the next steps carry the difference on through the weights.
const (
	// lossTol bounds max_k |loss2_k - loss1_k| / |loss1_k| over the trajectory: about 80 float32 ulps. Measured on
	// the default run (50 Adam steps, 2 devices): at most 2.0e-7, and 8.6e-8 at the first step, where only the
	// loss's own reduction differs. A device that trained on its half of the batch alone would differ by 8e-4
	// already at its first step's loss (the half-batch loss) and by 0.7 relative after 50 steps.
	lossTol = 1e-5

	// weightTol bounds max |w2 - w1| over the model's weights after training, whose largest entries are about 1
	// and which Adam moves by up to lr = 0.01 per step. Adam divides by √v, so a coordinate with a tiny gradient
	// turns the gradient's few-ulp reassociation difference into a larger relative change of its step: measured
	// 1.3e-6 (seed 1) and 2.3e-5 (seed 2) after 50 steps. A missing all-reduce moves weights by ~lr per step.
	weightTol = 1e-3
)

// usableCPUPlugin returns the path of the installed XLA CPU plugin lossbook can load, or "" if there is none.
func usableCPUPlugin() string {
	for _, p := range lib.FindPlugins() {
		if p.Name == "cpu" && p.Err == nil {
			return p.Path
		}
	}
	return ""
}

func TestDataParallelEqualsOneDevice(t *testing.T) {
	if usableCPUPlugin() == "" {
		t.Skipf("no usable XLA CPU plugin (pjrt_c_api_cpu_plugin.so) in $%s or ~/.local/lib/go-xla: run "+
			"`lossbook xla install cpu`, or set %s=/folder/of/the/plugin", lib.EnvPluginPath, lib.EnvPluginPath)
	}
	backend, err := lib.NewXLAWithDevices(2)
	if err != nil {
		t.Fatal(err)
	}
	defer backend.Finalize()
	cfg := DefaultConfig()
	data := MakeData(cfg)
	initial, err := InitialWeights(backend, cfg)
	if err != nil {
		t.Fatal(err)
	}
	one, err := Train(backend, initial, data, cfg, 1)
	if err != nil {
		t.Fatalf("one device: %v", err)
	}
	two, err := Train(backend, initial, data, cfg, 2)
	if err != nil {
		t.Fatalf("two devices: %v", err)
	}

	if len(one.Losses) != cfg.Steps || len(two.Losses) != cfg.Steps {
		t.Fatalf("recorded %d and %d losses, want %d each", len(one.Losses), len(two.Losses), cfg.Steps)
	}
	if first, last := one.Losses[0], one.Losses[cfg.Steps-1]; !(last < first/2) {
		t.Errorf("one device: the loss went from %.4f to %.4f in %d steps: the model did not learn", first, last, cfg.Steps)
	}
	if d := MaxRelDiff(two.Losses, one.Losses); !(d <= lossTol) {
		t.Errorf("loss trajectories differ by %.3g relative (tolerance %g)\n1 device:  %.7f\n2 devices: %.7f",
			d, lossTol, one.Losses, two.Losses)
	} else {
		t.Logf("loss trajectories over %d steps differ by at most %.2g relative", cfg.Steps, d)
	}

	for _, name := range []string{"/embeddings/embeddings", "/output/dense/weights", "/output/dense/biases"} {
		scope, short := context.SplitScope(name)
		v1, v2 := one.Ctx.GetVariableByScopeAndName(scope, short), two.Ctx.GetVariableByScopeAndName(scope, short)
		if v1 == nil || v2 == nil {
			t.Fatalf("variable %s missing after training (1 device: %v, 2 devices: %v)", name, v1 != nil, v2 != nil)
		}
		if d := maxAbsDiff(t, v1.MustValue(), v2.MustValue()); !(d <= weightTol) {
			t.Errorf("%s after training: the two runs differ by %.3g (tolerance %g)", name, d, weightTol)
		}
	}

	// The weights and the optimizer state stay replicated: the all-reduce gives both devices the same sums, so
	// their copies are bit-identical.
	replicated := 0
	for v := range two.Ctx.IterVariables() {
		if !v.Shape().DType.IsFloat() {
			continue
		}
		dv, err := v.DistributedValue()
		if err != nil {
			t.Fatalf("%s: %v", v.ScopeAndName(), err)
		}
		if shards := dv.Shards(); len(shards) != 2 || !dv.ShardingSpec().IsReplicated() {
			t.Errorf("%s: %d shards with %s, want 2 replicas", v.ScopeAndName(), len(shards), dv.ShardingSpec())
			continue
		}
		if d := maxAbsDiff(t, dv.Shards()[0], dv.Shards()[1]); d != 0 {
			t.Errorf("%s: the replicas on the two devices differ by %g", v.ScopeAndName(), d)
		}
		replicated++
	}
	if replicated < 3 {
		t.Errorf("only %d float variables of the two-device run were checked for replication, want >= 3", replicated)
	}
}

// maxAbsDiff returns max |a - b| over two float tensors of the same shape.
func maxAbsDiff(t *testing.T, a, b *tensors.Tensor) float64 {
	t.Helper()
	if !a.Shape().Equal(b.Shape()) {
		t.Fatalf("shapes differ: %s and %s", a.Shape(), b.Shape())
	}
	var x, y []float64
	switch a.DType() {
	case dtypes.Float32:
		x, y = widen(tensors.MustCopyFlatData[float32](a)), widen(tensors.MustCopyFlatData[float32](b))
	case dtypes.Float64:
		x, y = tensors.MustCopyFlatData[float64](a), tensors.MustCopyFlatData[float64](b)
	default:
		t.Fatalf("maxAbsDiff: dtype %s not handled", a.DType())
	}
	d := 0.0
	for i := range x {
		d = max(d, math.Abs(x[i]-y[i]))
	}
	return d
}

func widen(x []float32) []float64 {
	y := make([]float64, len(x))
	for i, v := range x {
		y[i] = float64(v)
	}
	return y
}

func TestRunRejects(t *testing.T) {
	for _, tc := range []struct {
		name    string
		backend string
		change  func(c *Config, rounds *int)
		want    string
	}{
		{"one device", "", func(c *Config, _ *int) { c.Devices = 1 }, "-devices >= 2"},
		{"zero devices without -backend", "", func(c *Config, _ *int) { c.Devices = 0 }, "-devices >= 2"},
		{"no rounds", "", func(_ *Config, r *int) { *r = 0 }, "-rounds >= 1"},
		{"one step", "", func(c *Config, _ *int) { c.Steps = 1 }, "-steps >= 2"},
		{"pure Go has one device", "go", func(c *Config, _ *int) { c.Devices = 0 }, "has 1 device(s)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, rounds := DefaultConfig(), 1
			tc.change(&cfg, &rounds)
			var out bytes.Buffer
			err := run(&out, tc.backend, cfg, rounds)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("run(%q, %+v, %d) = %v, want an error containing %q", tc.backend, cfg, rounds, err, tc.want)
			}
		})
	}
}
