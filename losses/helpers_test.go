package losses

import (
	"fmt"
	"math"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/lossbook/lossbook/lib"
)

// backendForTest returns lossbook's process-wide backend, failing the test if there is none.
func backendForTest(t testing.TB) backends.Backend {
	t.Helper()
	b, err := lib.Backend()
	if err != nil {
		t.Fatalf("lib.Backend: %v", err)
	}
	return b
}

func shapesOf(dtype dtypes.DType, dims ...int) shapes.Shape {
	return shapes.Make(dtype, dims...)
}

// flat64 returns a float tensor's values as float64s.
func flat64(t *tensors.Tensor) []float64 {
	if t.DType() == dtypes.Float32 {
		fs := tensors.MustCopyFlatData[float32](t)
		out := make([]float64, len(fs))
		for i, f := range fs {
			out[i] = float64(f)
		}
		return out
	}
	return tensors.MustCopyFlatData[float64](t)
}

// makeTensor builds an int64 tensor (kind "int64") or a float tensor of dtype from float64 values.
func makeTensor(values []float64, shape []int, kind string, dtype dtypes.DType) *tensors.Tensor {
	switch {
	case kind == "int64":
		ints := make([]int64, len(values))
		for i, v := range values {
			ints[i] = int64(v)
		}
		return tensors.FromFlatDataAndDimensions(ints, shape...)
	case dtype == dtypes.Float32:
		fs := make([]float32, len(values))
		for i, v := range values {
			fs[i] = float32(v)
		}
		return tensors.FromFlatDataAndDimensions(fs, shape...)
	}
	return tensors.FromFlatDataAndDimensions(values, shape...)
}

// closeTo reports whether got matches want elementwise (NaN with NaN, infinities exactly) within
// tol·(|want| + scale), where scale is the largest finite |want|, at least floor. (The internal tests cannot
// import package parity, which imports losses; it has the same rule.)
func closeTo(got, want []float64, tol, floor float64) (bool, string) {
	if len(got) != len(want) {
		return false, fmt.Sprintf("%d values, want %d", len(got), len(want))
	}
	scale := floor
	for _, w := range want {
		if !math.IsNaN(w) && !math.IsInf(w, 0) {
			scale = max(scale, math.Abs(w))
		}
	}
	for i, g := range got {
		w := want[i]
		switch {
		case math.IsNaN(w) || math.IsNaN(g) || math.IsInf(w, 0) || math.IsInf(g, 0):
			if !(math.IsNaN(w) && math.IsNaN(g)) && g != w {
				return false, fmt.Sprintf("element %d: got %v, want %v", i, g, w)
			}
		case math.Abs(g-w) > tol*(math.Abs(w)+scale):
			return false, fmt.Sprintf("element %d: got %.17g, want %.17g (relative error %.3g > %g)", i, g, w,
				math.Abs(g-w)/(math.Abs(w)+scale), tol)
		}
	}
	return true, ""
}
