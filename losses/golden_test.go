package losses

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strconv"
	"sync"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX's idiom.
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/lossbook/lossbook/lib"
)

// Tolerance tiers, relative to the magnitude of the compared tensor (see closeTo).
const (
	// close64: float64 against PyTorch's float64. Both evaluate the same formulas and differ only in the order
	// of roundings: the worst golden element measured 2.3e-16 on the pure-Go backend. The margin leaves room for
	// other backends (XLA fuses and reorders) and for cancellations.
	close64 = 1e-12
	// close32: float32 against PyTorch's float64. The inputs are rounded to float32 (6e-8 relative) and every op
	// rounds at 6e-8: the worst golden element measured 1.1e-7.
	close32 = 1e-5
	// goldenFloor is the smallest scale the golden tolerances are relative to: the golden inputs are of order 1.
	goldenFloor = 1.0
)

// goldenFile is the JSON that testdata/gen_golden.py writes.
type goldenFile struct {
	Provenance map[string]any `json:"provenance"`
	Cases      []goldenCase   `json:"cases"`
}

type goldenCase struct {
	Name      string                  `json:"name"`
	Loss      string                  `json:"loss"`
	Kwargs    map[string]any          `json:"kwargs"`
	Inputs    []goldenInput           `json:"inputs"`
	Grad      []int                   `json:"grad"`
	Cotangent []any                   `json:"cotangent"`
	Value     goldenTensor            `json:"value"`
	Grads     map[string]goldenTensor `json:"grads"`
}

type goldenInput struct {
	Name  string `json:"name"`
	DType string `json:"dtype"`
	Shape []int  `json:"shape"`
	Data  []any  `json:"data"`
}

type goldenTensor struct {
	Shape []int `json:"shape"`
	Data  []any `json:"data"`
}

// jsonFloats converts JSON numbers and the strings "NaN", "Infinity", "-Infinity" to float64s.
func jsonFloats(data []any) ([]float64, error) {
	out := make([]float64, len(data))
	for i, v := range data {
		switch x := v.(type) {
		case float64:
			out[i] = x
		case string:
			f, err := strconv.ParseFloat(x, 64)
			if err != nil {
				return nil, fmt.Errorf("element %d: %q is not a number", i, x)
			}
			out[i] = f
		default:
			return nil, fmt.Errorf("element %d: %v (%T) is not a number", i, v, v)
		}
	}
	return out, nil
}

var (
	goldenOnce sync.Once
	golden     goldenFile
	goldenErr  error
)

func loadGolden(t testing.TB) goldenFile {
	goldenOnce.Do(func() {
		data, err := os.ReadFile("testdata/golden.json")
		if err != nil {
			goldenErr = err
			return
		}
		goldenErr = json.Unmarshal(data, &golden)
	})
	if goldenErr != nil {
		t.Fatalf("reading testdata/golden.json (regenerate with /usr/bin/python3 losses/testdata/gen_golden.py): %v", goldenErr)
	}
	return golden
}

// caseTensors converts a case's inputs into tensors: float inputs in dtype, integer inputs as int64.
func caseTensors(c goldenCase, dtype dtypes.DType) ([]*tensors.Tensor, error) {
	out := make([]*tensors.Tensor, len(c.Inputs))
	for i, in := range c.Inputs {
		values, err := jsonFloats(in.Data)
		if err != nil {
			return nil, fmt.Errorf("input %s: %w", in.Name, err)
		}
		out[i] = floatTensor(values, in.Shape, in.DType, dtype)
	}
	return out, nil
}

// floatTensor builds a tensor of the given dtype ("int64", or a float input converted to dtype).
func floatTensor(values []float64, shape []int, kind string, dtype dtypes.DType) *tensors.Tensor {
	if kind == "int64" {
		ints := make([]int64, len(values))
		for j, v := range values {
			ints[j] = int64(v)
		}
		return tensors.FromFlatDataAndDimensions(ints, shape...)
	}
	if dtype == dtypes.Float32 {
		fs := make([]float32, len(values))
		for j, v := range values {
			fs[j] = float32(v)
		}
		return tensors.FromFlatDataAndDimensions(fs, shape...)
	}
	return tensors.FromFlatDataAndDimensions(values, shape...)
}

// flat64 returns a float tensor's values as float64s.
func flat64(t *tensors.Tensor) []float64 {
	switch t.DType() {
	case dtypes.Float64:
		return tensors.MustCopyFlatData[float64](t)
	case dtypes.Float32:
		fs := tensors.MustCopyFlatData[float32](t)
		out := make([]float64, len(fs))
		for i, f := range fs {
			out[i] = float64(f)
		}
		return out
	}
	panic(fmt.Sprintf("flat64: unexpected dtype %s", t.DType()))
}

// evalLoss compiles loss(inputs...) once and returns its value and its gradients with respect to inputs[gradOf]:
// of the value itself if it is a scalar, else of Σ value·cotangent (a vector-Jacobian product).
func evalLoss(loss Loss, inputs []*tensors.Tensor, gradOf []int, cotangent *tensors.Tensor) (value []float64, shape []int,
	grads [][]float64, err error) {
	backend := lib.MustBackend()
	exec, err := NewExec(backend, func(params []*Node) []*Node {
		n := len(inputs)
		v := loss(params[:n]...)
		outs := []*Node{v}
		if len(gradOf) > 0 {
			target := v
			if cotangent != nil {
				target = ReduceAllSum(Mul(v, params[n]))
			}
			wrt := make([]*Node, len(gradOf))
			for i, g := range gradOf {
				wrt[i] = params[g]
			}
			outs = append(outs, Gradient(target, wrt...)...)
		}
		return outs
	})
	if err != nil {
		return nil, nil, nil, err
	}
	defer exec.Finalize()
	args := make([]any, 0, len(inputs)+1)
	for _, in := range inputs {
		args = append(args, in)
	}
	if cotangent != nil {
		args = append(args, cotangent)
	}
	results, err := exec.Exec(args...)
	if err != nil {
		return nil, nil, nil, err
	}
	value = flat64(results[0])
	shape = results[0].Shape().Dimensions
	for _, r := range results[1:] {
		grads = append(grads, flat64(r))
	}
	return value, shape, grads, nil
}

// closeTo reports whether got matches want elementwise: NaN with NaN, infinities exactly, and otherwise
// |got - want| <= tol·(|want| + scale), where scale is the largest finite |want| of the tensor, but at least
// floor (so that values near zero next to large ones are judged at the tensor's scale, and a result that should
// be 0 but comes out of terms of order 1, such as KL(p‖p), at order 1). It returns the worst element.
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
	worst, worstI := 0.0, -1
	for i := range got {
		g, w := got[i], want[i]
		switch {
		case math.IsNaN(w) || math.IsNaN(g):
			if math.IsNaN(w) != math.IsNaN(g) {
				return false, fmt.Sprintf("element %d: got %v, want %v", i, g, w)
			}
		case math.IsInf(w, 0) || math.IsInf(g, 0):
			if g != w {
				return false, fmt.Sprintf("element %d: got %v, want %v", i, g, w)
			}
		default:
			if r := math.Abs(g-w) / (math.Abs(w) + scale + math.SmallestNonzeroFloat64); r > worst {
				worst, worstI = r, i
			}
		}
	}
	if worst > tol {
		return false, fmt.Sprintf("element %d: got %.17g, want %.17g (relative error %.3g > %g)", worstI, got[worstI],
			want[worstI], worst, tol)
	}
	return true, ""
}

// checkGoldenCase evaluates one case with New and compares value and gradients with PyTorch's.
func checkGoldenCase(c goldenCase, dtype dtypes.DType, tol float64) error {
	loss, err := New(c.Loss, c.Kwargs)
	if err != nil {
		return err
	}
	inputs, err := caseTensors(c, dtype)
	if err != nil {
		return err
	}
	var cot *tensors.Tensor
	if len(c.Cotangent) > 0 && len(c.Grad) > 0 {
		values, err := jsonFloats(c.Cotangent)
		if err != nil {
			return fmt.Errorf("cotangent: %w", err)
		}
		cot = floatTensor(values, c.Value.Shape, "float", dtype)
	}
	value, shape, grads, err := evalLoss(loss, inputs, c.Grad, cot)
	if err != nil {
		return err
	}
	if !slicesEqual(shape, c.Value.Shape) {
		return fmt.Errorf("value shape %v, want %v", shape, c.Value.Shape)
	}
	want, err := jsonFloats(c.Value.Data)
	if err != nil {
		return err
	}
	if ok, msg := closeTo(value, want, tol, goldenFloor); !ok {
		return fmt.Errorf("value: %s", msg)
	}
	for i, g := range c.Grad {
		wantGrad, err := jsonFloats(c.Grads[strconv.Itoa(g)].Data)
		if err != nil {
			return err
		}
		if ok, msg := closeTo(grads[i], wantGrad, tol, goldenFloor); !ok {
			return fmt.Errorf("gradient of input %d (%s): %s", g, c.Inputs[g].Name, msg)
		}
	}
	return nil
}

// TestGolden checks every loss and option against PyTorch's values and gradients (testdata/golden.json), in
// float64 and float32.
func TestGolden(t *testing.T) {
	g := loadGolden(t)
	t.Logf("golden: %d cases, provenance %v", len(g.Cases), g.Provenance["torch"])
	covered := map[string]bool{}
	for _, c := range g.Cases {
		covered[c.Loss] = true
		for _, tier := range []struct {
			dtype dtypes.DType
			tol   float64
		}{{dtypes.Float64, close64}, {dtypes.Float32, close32}} {
			if err := checkGoldenCase(c, tier.dtype, tier.tol); err != nil {
				t.Errorf("%s (%s, %s, %v): %v", c.Name, c.Loss, tier.dtype, c.Kwargs, err)
			}
		}
	}
	for _, name := range Names() {
		if !covered[name] {
			t.Errorf("loss %q has no golden case", name)
		}
	}
}
