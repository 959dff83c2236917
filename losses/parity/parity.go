// Package parity compares lossbook's losses with PyTorch's numbers: it reads loss cases that PyTorch evaluated
// (losses/testdata/golden.json, written by losses/testdata/gen_golden.py, and the random cases of
// losses/internal/paritycheck), evaluates them with losses.New on a GoMLX backend, and reports the worst relative
// errors of the values and gradients.
//
// A case holds a loss's registry name, its keyword arguments, its inputs, and PyTorch's value and gradients
// (float64). The golden tests, the parity checker and the notebooks' parity table all use this package.
//
// It owns: reading case files and comparing numbers. It must not touch: how losses are computed.
package parity

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX's idiom.
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// File is a JSON file of cases with its provenance (torch version, command, date).
type File struct {
	Provenance map[string]any `json:"provenance"`
	Cases      []Case         `json:"cases"`
}

// Case is one loss evaluation by PyTorch.
type Case struct {
	Name      string            `json:"name"`
	Loss      string            `json:"loss"`   // registry name, e.g. "CrossEntropyLoss".
	Kwargs    map[string]any    `json:"kwargs"` // PyTorch keyword arguments, as JSON decodes them.
	Inputs    []Input           `json:"inputs"` // in the order of forward().
	Grad      []int             `json:"grad"`   // indices of the inputs PyTorch differentiated.
	Cotangent []any             `json:"cotangent"`
	Value     Tensor            `json:"value"`
	Grads     map[string]Tensor `json:"grads"` // by input index.

	// Framework is "" for PyTorch's cases (losses.New) and "keras" for Keras 3's (losses.NewKeras).
	Framework string `json:"framework,omitempty"`
}

// Input is one input of a case: float64 or int64 values.
type Input struct {
	Name  string `json:"name"`
	DType string `json:"dtype"` // "float64" or "int64".
	Shape []int  `json:"shape"`
	Data  []any  `json:"data"`
}

// Tensor is a value or gradient: numbers, or the strings "NaN", "Infinity", "-Infinity".
type Tensor struct {
	Shape []int `json:"shape"`
	Data  []any `json:"data"`
}

// Load reads a File.
func Load(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var f File
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &f, nil
}

// Floats converts JSON numbers and the strings "NaN", "Infinity", "-Infinity" to float64s.
func Floats(data []any) ([]float64, error) {
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

// MakeTensor builds a tensor from float64 values: int64 if kind is "int64", else of the float dtype.
func MakeTensor(values []float64, shape []int, kind string, dtype dtypes.DType) *tensors.Tensor {
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

// Tensors returns the case's inputs: float inputs in dtype (Float64 or Float32), integer inputs as int64.
func (c Case) Tensors(dtype dtypes.DType) ([]*tensors.Tensor, error) {
	out := make([]*tensors.Tensor, len(c.Inputs))
	for i, in := range c.Inputs {
		values, err := Floats(in.Data)
		if err != nil {
			return nil, fmt.Errorf("input %s: %w", in.Name, err)
		}
		out[i] = MakeTensor(values, in.Shape, in.DType, dtype)
	}
	return out, nil
}

// CotangentTensor returns the cotangent of a case with reduction "none" (nil for scalar losses).
func (c Case) CotangentTensor(dtype dtypes.DType) (*tensors.Tensor, error) {
	if len(c.Cotangent) == 0 || len(c.Grad) == 0 {
		return nil, nil
	}
	values, err := Floats(c.Cotangent)
	if err != nil {
		return nil, fmt.Errorf("cotangent: %w", err)
	}
	return MakeTensor(values, c.Value.Shape, "float", dtype), nil
}

// Flat64 returns a float tensor's values as float64s.
func Flat64(t *tensors.Tensor) []float64 {
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
	panic(fmt.Sprintf("parity.Flat64: unexpected dtype %s", t.DType()))
}

// Result is a loss's value and its gradients with respect to some inputs.
type Result struct {
	Value []float64
	Shape []int
	Grads [][]float64
}

// Eval compiles loss(inputs...) once and returns its value and its gradients with respect to inputs[gradOf]: of
// the value itself if cotangent is nil (a scalar), else of Σ value·cotangent (a vector-Jacobian product). A panic
// while building the graph is returned as an error.
func Eval(backend backends.Backend, loss func(...*Node) *Node, inputs []*tensors.Tensor, gradOf []int,
	cotangent *tensors.Tensor) (res Result, err error) {
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
		return res, err
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
		return res, err
	}
	res.Value = Flat64(results[0])
	res.Shape = results[0].Shape().Dimensions
	for _, r := range results[1:] {
		res.Grads = append(res.Grads, Flat64(r))
	}
	return res, nil
}

// Worst is the largest relative error of a comparison and where it is.
type Worst struct {
	RelErr    float64
	Index     int
	Got, Want float64
	Mismatch  string // non-empty when a NaN, an infinity or the length does not match.
}

// Compare compares got with want elementwise: NaN must match NaN, infinities must be equal, and otherwise the
// error |got - want| is measured relative to |want| + scale, where scale is the largest finite |want| of the
// tensor but at least floor (so that an element near zero next to large ones is judged at the tensor's scale).
func Compare(got, want []float64, floor float64) Worst {
	if len(got) != len(want) {
		return Worst{Mismatch: fmt.Sprintf("%d values, want %d", len(got), len(want))}
	}
	scale := floor
	for _, w := range want {
		if !math.IsNaN(w) && !math.IsInf(w, 0) {
			scale = max(scale, math.Abs(w))
		}
	}
	worst := Worst{Index: -1}
	for i := range got {
		g, w := got[i], want[i]
		switch {
		case math.IsNaN(w) || math.IsNaN(g):
			if math.IsNaN(w) != math.IsNaN(g) {
				return Worst{Index: i, Got: g, Want: w, Mismatch: fmt.Sprintf("element %d: got %v, want %v", i, g, w)}
			}
		case math.IsInf(w, 0) || math.IsInf(g, 0):
			if g != w {
				return Worst{Index: i, Got: g, Want: w, Mismatch: fmt.Sprintf("element %d: got %v, want %v", i, g, w)}
			}
		default:
			denom := math.Abs(w) + scale
			var r float64
			if denom > 0 {
				r = math.Abs(g-w) / denom
			} else if g != w {
				r = math.Inf(1)
			}
			if r > worst.RelErr {
				worst = Worst{RelErr: r, Index: i, Got: g, Want: w}
			}
		}
	}
	return worst
}

// CloseTo reports whether Compare(got, want, floor) is within tol, with a description of the worst element.
func CloseTo(got, want []float64, tol, floor float64) (bool, string) {
	w := Compare(got, want, floor)
	if w.Mismatch != "" {
		return false, w.Mismatch
	}
	if w.RelErr > tol {
		return false, fmt.Sprintf("element %d: got %.17g, want %.17g (relative error %.3g > %g)", w.Index, w.Got,
			w.Want, w.RelErr, tol)
	}
	return true, ""
}

// Check evaluates a case with c.NewLoss() (losses.New(c.Loss, c.Kwargs) for PyTorch's cases) in dtype (Float64 or Float32) and returns the worst
// relative errors (see Compare, with floor) of the value and of each gradient in c.Grad.
func Check(backend backends.Backend, c Case, dtype dtypes.DType, floor float64) (value Worst, grads []Worst, err error) {
	loss, err := c.NewLoss()
	if err != nil {
		return value, nil, err
	}
	inputs, err := c.Tensors(dtype)
	if err != nil {
		return value, nil, err
	}
	cot, err := c.CotangentTensor(dtype)
	if err != nil {
		return value, nil, err
	}
	res, err := Eval(backend, loss, inputs, c.Grad, cot)
	if err != nil {
		return value, nil, err
	}
	if !slices.Equal(res.Shape, c.Value.Shape) {
		return Worst{Mismatch: fmt.Sprintf("value shape %v, want %v", res.Shape, c.Value.Shape)}, nil, nil
	}
	want, err := Floats(c.Value.Data)
	if err != nil {
		return value, nil, err
	}
	value = Compare(res.Value, want, floor)
	for i, g := range c.Grad {
		wantGrad, err := Floats(c.Grads[strconv.Itoa(g)].Data)
		if err != nil {
			return value, nil, err
		}
		grads = append(grads, Compare(res.Grads[i], wantGrad, floor))
	}
	return value, grads, nil
}

// Summary is the agreement of one loss with PyTorch over a file's cases.
type Summary struct {
	Loss       string   // registry name.
	Cases      int      // cases evaluated.
	Failed     []string // "case: what differs" for the cases beyond the tolerance (or that failed to run).
	WorstValue float64  // worst relative error of a value.
	WorstGrad  float64  // worst relative error of a gradient element (0 if no case has gradients).
	Args       []string // the keyword arguments the cases used, sorted.
}

// Summarize checks every case of f in dtype and returns one Summary per loss, sorted by name. Cases whose worst
// relative error exceeds tol, or that fail to run, are listed in Failed.
func Summarize(backend backends.Backend, f *File, dtype dtypes.DType, tol, floor float64) []Summary {
	byLoss := map[string]*Summary{}
	args := map[string]map[string]bool{}
	for _, c := range f.Cases {
		s := byLoss[c.Loss]
		if s == nil {
			s = &Summary{Loss: c.Loss}
			byLoss[c.Loss] = s
			args[c.Loss] = map[string]bool{}
		}
		s.Cases++
		for k := range c.Kwargs {
			args[c.Loss][k] = true
		}
		if problem := CheckSummary(backend, c, dtype, tol, floor, s); problem != "" {
			s.Failed = append(s.Failed, c.Name+": "+problem)
		}
	}
	out := make([]Summary, 0, len(byLoss))
	for name, s := range byLoss {
		for k := range args[name] {
			s.Args = append(s.Args, k)
		}
		sort.Strings(s.Args)
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Loss < out[j].Loss })
	return out
}

// CheckSummary checks one case, folds its worst errors into s, and returns "" or what differs beyond tol.
func CheckSummary(backend backends.Backend, c Case, dtype dtypes.DType, tol, floor float64, s *Summary) string {
	value, grads, err := Check(backend, c, dtype, floor)
	if err != nil {
		return err.Error()
	}
	var problems []string
	note := func(what string, w Worst, worst *float64) {
		if w.Mismatch != "" {
			problems = append(problems, what+": "+w.Mismatch)
			return
		}
		*worst = max(*worst, w.RelErr)
		if w.RelErr > tol {
			problems = append(problems, fmt.Sprintf("%s: element %d: got %.17g, want %.17g (relative error %.3g > %g)",
				what, w.Index, w.Got, w.Want, w.RelErr, tol))
		}
	}
	note("value", value, &s.WorstValue)
	for i, g := range grads {
		note("gradient of "+c.Inputs[c.Grad[i]].Name, g, &s.WorstGrad)
	}
	return strings.Join(problems, "; ")
}
