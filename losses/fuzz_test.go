package losses

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// The fuzz targets run their seed corpus under go test (make test runs each for a few seconds more with
// -fuzz); `go test -fuzz FuzzLossShapes -fuzztime 10m ./losses` runs one longer. Inputs that found a bug are
// kept under testdata/fuzz/<target>.

// FuzzNew: New with any name and keyword argument (of any kind of value) returns a loss or an error naming the
// problem; it never panics.
func FuzzNew(f *testing.F) {
	for _, name := range Names() {
		f.Add(name, "reduction", "mean", 0.1, int64(-100), true)
	}
	f.Add("CrossEntropyLoss", "label_smoothing", "", math.NaN(), int64(0), false)
	f.Add("FocalLoss", "gamma", "", math.Inf(-1), int64(3), false)
	f.Add("nosuch", "", "\xff", 0.0, int64(0), false)
	f.Fuzz(func(t *testing.T, name, key, s string, x float64, i int64, b bool) {
		for _, value := range []any{s, x, i, int(i), b, float32(x), []float64{x, x}, nil} {
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("New(%q, {%q: %#v}) panicked: %v", name, key, value, r)
					}
				}()
				l, err := New(name, map[string]any{key: value})
				if err == nil && l == nil {
					t.Fatalf("New(%q, {%q: %#v}) returned neither a loss nor an error", name, key, value)
				}
				if err != nil && !strings.HasPrefix(err.Error(), "losses:") {
					t.Fatalf("New(%q, {%q: %#v}) error %q lacks the losses: prefix", name, key, value, err)
				}
			}()
		}
	})
}

// FuzzLossShapes: every loss of the registry, called on inputs of arbitrary shapes (zero-size dimensions
// included) and dtypes, either panics with a "losses:" message while the graph is built, or computes a value;
// never an index-out-of-range (which, on a backend worker, would crash the whole fuzzing process).
func FuzzLossShapes(f *testing.F) {
	names := Names()
	f.Add(uint8(0), uint8(2), uint8(3), uint8(0), uint8(0), false)
	f.Add(uint8(3), uint8(0), uint8(3), uint8(1), uint8(2), true)
	f.Add(uint8(7), uint8(4), uint8(0), uint8(2), uint8(1), false)
	f.Fuzz(func(t *testing.T, which, batch, classes, rankMix, intMask uint8, f64 bool) {
		name := names[int(which)%len(names)]
		e := registry[name]
		dtype := dtypes.Float32
		if f64 {
			dtype = dtypes.Float64
		}
		b, c := int(batch%5), int(classes%5)
		var inputs []*tensors.Tensor
		var descr []string
		for k := range e.inputs {
			dims := []int{b, c}
			switch (int(rankMix) >> k) % 3 {
			case 1:
				dims = []int{b}
			case 2:
				dims = []int{b, c, 2}
			}
			dt := dtype
			if (intMask>>k)&1 == 1 {
				dt = dtypes.Int32
			}
			sh := shapes.Make(dt, dims...)
			inputs = append(inputs, tensors.FromShape(sh)) // zeros: valid labels and finite values
			descr = append(descr, sh.String())
		}
		loss, err := New(name, nil)
		if err != nil {
			t.Fatalf("New(%q, nil): %v", name, err)
		}
		var buildPanic any
		func() {
			defer func() { buildPanic = recover() }()
			exec := MustNewExec(backendForTest(t), func(xs []*Node) *Node { return loss(xs...) })
			args := make([]any, len(inputs))
			for i, x := range inputs {
				args[i] = x
			}
			exec.MustExec(args...)
		}()
		if buildPanic != nil {
			msg := fmt.Sprint(buildPanic)
			if !strings.Contains(msg, "losses:") {
				t.Fatalf("%s(%s) panicked without a losses: message: %s", name, strings.Join(descr, ", "), msg)
			}
		}
	})
}
