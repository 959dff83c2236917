package losses_test

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX's idiom.
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/lossbook/lossbook/lib"
	"github.com/lossbook/lossbook/losses"
)

// zeroSizeEnv names the one case a re-executed test binary runs (see TestZeroSizeDimensions).
const zeroSizeEnv = "LOSSBOOK_ZERO_SIZE_CASE"

// zeroInput is one input of a zero-size case: its dimensions, and whether it holds class indices (int64).
type zeroInput struct {
	dims []int
	ints bool
}

// zeroPattern is a set of dimensions: batch n, sequence t (MLM and BERT only), classes (or features) c.
type zeroPattern struct {
	name    string
	n, t, c int
}

var zeroPatterns = []zeroPattern{
	{"batch0", 0, 4, 3},
	{"classes0", 2, 4, 0},
	{"batch0+classes0", 0, 4, 0},
	{"seq0", 2, 0, 3}, // only for the losses with a sequence axis
}

// zeroSizeInputs returns the inputs of the registry loss `name` for a pattern, whether zero classes must be refused
// (PyTorch raises for them: the class-index losses and MultiLabelSoftMargin), and whether the pattern applies.
func zeroSizeInputs(name string, p zeroPattern) (inputs []zeroInput, classes, applies bool) {
	f := func(dims ...int) zeroInput { return zeroInput{dims: dims} }
	i := func(dims ...int) zeroInput { return zeroInput{dims: dims, ints: true} }
	n, t, c := p.n, p.t, p.c
	seqPattern := p.name == "seq0"
	switch name {
	case "CrossEntropyLoss+probabilities", "Poly1CrossEntropyLoss+probabilities":
		return []zeroInput{f(n, c), f(n, c)}, true, !seqPattern
	case "CrossEntropyLoss", "NLLLoss", "SoftmaxFocalLoss", "Poly1CrossEntropyLoss":
		return []zeroInput{f(n, c), i(n)}, true, !seqPattern
	case "MultiLabelSoftMarginLoss":
		return []zeroInput{f(n, c), f(n, c)}, true, !seqPattern
	case "NSPLoss":
		return []zeroInput{f(n, 2), i(n)}, false, p.name == "batch0"
	case "MLMLoss":
		return []zeroInput{f(n, t, c), i(n, t)}, true, true
	case "BertPreTrainingLoss":
		return []zeroInput{f(n, t, c), f(n, 2), i(n, t), i(n)}, true, true
	case "CosineEmbeddingLoss":
		return []zeroInput{f(n, c), f(n, c), f(n)}, false, !seqPattern
	case "MarginRankingLoss":
		return []zeroInput{f(n), f(n), f(n)}, false, p.name == "batch0"
	case "TripletMarginLoss":
		return []zeroInput{f(n, c), f(n, c), f(n, c)}, false, !seqPattern
	case "GaussianNLLLoss":
		return []zeroInput{f(n, c), f(n, c), f(n, c)}, false, !seqPattern
	case "GeneralRobustLoss", "AdaptiveRobustLoss":
		return []zeroInput{f(n, c), f(n, c), f(n, c), f(n, c)}, false, !seqPattern
	}
	// Element-wise losses: input and target of the same shape.
	return []zeroInput{f(n, c), f(n, c)}, false, !seqPattern
}

// zeroSizeResult is what a re-executed test binary reports for one case.
type zeroSizeResult struct {
	Panic   string                    `json:"panic,omitempty"`
	Values  map[string]zeroSizeTensor `json:"values,omitempty"` // by reduction
	Grads   map[string][][]int        `json:"grads,omitempty"`  // shapes of the gradients of the float inputs
	Inputs  [][]int                   `json:"inputs"`
	Ints    []int                     `json:"ints"` // the indices of the class-index inputs (no gradient)
	Classes bool                      `json:"classes"`
}

type zeroSizeTensor struct {
	Shape []int    `json:"shape"`
	Data  []string `json:"data"` // %v of each value (NaN survives JSON)
}

// TestZeroSizeDimensions runs every loss of the registry on inputs with a zero-size batch, zero classes (or
// features), both, and (MLM, BERT) a zero-length sequence, each case in a re-executed test binary, so that a
// crash on a backend goroutine fails that case and not the suite. Each case must either panic with the "losses:"
// prefix (required for zero classes in the class-index losses, as PyTorch raises) or follow PyTorch: an empty
// per-example result, a mean of NaN and a sum of 0, and gradients of the inputs' shapes.
func TestZeroSizeDimensions(t *testing.T) {
	if c := os.Getenv(zeroSizeEnv); c != "" {
		runZeroSizeCase(c)
		return
	}
	if testing.Short() {
		t.Skip("-short: the zero-size cases re-execute the test binary once each")
	}
	// Every registry loss, and the losses that also take probability targets with them.
	names := append(losses.Names(), "CrossEntropyLoss+probabilities", "Poly1CrossEntropyLoss+probabilities")
	for _, name := range names {
		for _, p := range zeroPatterns {
			if _, _, applies := zeroSizeInputs(name, p); !applies {
				continue
			}
			t.Run(name+"/"+p.name, func(t *testing.T) {
				cmd := exec.Command(os.Args[0], "-test.run=^TestZeroSizeDimensions$")
				cmd.Env = append(os.Environ(), zeroSizeEnv+"="+name+"/"+p.name)
				var stdout, stderr strings.Builder
				cmd.Stdout, cmd.Stderr = &stdout, &stderr
				err := cmd.Run()
				res, ok := parseZeroSizeResult(stdout.String())
				if err != nil || !ok {
					t.Fatalf("the case crashed (%v); stderr:\n%s", err, tail(stderr.String(), 1500))
				}
				checkZeroSizeResult(t, res)
			})
		}
	}
}

func checkZeroSizeResult(t *testing.T, res zeroSizeResult) {
	t.Helper()
	first := res.Inputs[0] // the logits (or input) of every registry loss: classes or features last
	zeroClasses := len(first) > 1 && first[len(first)-1] == 0
	if res.Panic != "" {
		if !strings.HasPrefix(res.Panic, "losses: ") {
			t.Fatalf("panic without the losses: prefix: %s", res.Panic)
		}
		if !(zeroClasses && res.Classes) {
			t.Fatalf("panic where PyTorch gives a value: %s", res.Panic)
		}
		t.Logf("refused: %s", res.Panic)
		return
	}
	if zeroClasses && res.Classes {
		t.Fatalf("zero classes accepted (PyTorch raises): %v", res.Values)
	}
	if none, ok := res.Values["none"]; ok {
		size := 1
		for _, d := range none.Shape {
			size *= d
		}
		if size == 0 {
			if got := res.Values["mean"].Data; !slices.Equal(got, []string{"NaN"}) {
				t.Errorf("mean of nothing = %v, want NaN", got)
			}
			if got := res.Values["sum"].Data; !slices.Equal(got, []string{"0"}) {
				t.Errorf("sum of nothing = %v, want 0", got)
			}
		}
	}
	for r, v := range res.Values {
		for _, s := range v.Data {
			if s == "NaN" && !(r == "mean" || r == "batchmean") {
				t.Errorf("reduction %s: NaN in %v", r, v.Data)
			}
		}
	}
	for r, shapes := range res.Grads {
		var want [][]int
		for i, in := range res.Inputs {
			if !slices.Contains(res.Ints, i) {
				want = append(want, in)
			}
		}
		if fmt.Sprint(shapes) != fmt.Sprint(want) {
			t.Errorf("reduction %s: gradient shapes %v, want %v", r, shapes, want)
		}
	}
}

func parseZeroSizeResult(out string) (zeroSizeResult, bool) {
	const marker = "ZERO-SIZE-RESULT "
	for _, line := range strings.Split(out, "\n") {
		if rest, ok := strings.CutPrefix(line, marker); ok {
			var res zeroSizeResult
			if err := json.Unmarshal([]byte(rest), &res); err == nil {
				return res, true
			}
		}
	}
	return zeroSizeResult{}, false
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

// runZeroSizeCase runs one case ("Loss/pattern") in this process and prints its result.
func runZeroSizeCase(c string) {
	name, patternName, _ := strings.Cut(c, "/")
	var p zeroPattern
	for _, q := range zeroPatterns {
		if q.name == patternName {
			p = q
		}
	}
	specs, classes, _ := zeroSizeInputs(name, p)
	res := zeroSizeResult{Values: map[string]zeroSizeTensor{}, Grads: map[string][][]int{}, Classes: classes}
	var inputs []*tensors.Tensor
	var floatIdx []int
	for i, s := range specs {
		res.Inputs = append(res.Inputs, s.dims)
		size := 1
		for _, d := range s.dims {
			size *= d
		}
		if s.ints {
			inputs = append(inputs, tensors.FromFlatDataAndDimensions(make([]int64, size), s.dims...))
			res.Ints = append(res.Ints, i)
			continue
		}
		data := make([]float64, size)
		for j := range data {
			data[j] = 0.5
		}
		inputs = append(inputs, tensors.FromFlatDataAndDimensions(data, s.dims...))
		floatIdx = append(floatIdx, i)
	}
	name, _, _ = strings.Cut(name, "+") // the registry name
	reductions := []string{""}
	if slices.Contains(losses.Args(name), "reduction") {
		reductions = []string{"mean", "sum", "none"}
		if name == "KLDivLoss" {
			reductions = append(reductions, "batchmean")
		}
	}
	report := func() {
		out, _ := json.Marshal(res)
		fmt.Println("ZERO-SIZE-RESULT " + string(out))
	}
	defer func() {
		if r := recover(); r != nil {
			res.Panic = fmt.Sprint(r)
			report()
		}
	}()
	for _, r := range reductions {
		args := map[string]any{}
		key := r
		if r != "" {
			args["reduction"] = r
		} else {
			key = "mean"
		}
		loss, err := losses.New(name, args)
		if err != nil {
			panic(err)
		}
		argsAny := make([]any, len(inputs))
		for i, in := range inputs {
			argsAny[i] = in
		}
		out := MustExecOnceN(lib.MustBackend(), func(in []*Node) []*Node {
			v := loss(in...)
			wrt := make([]*Node, len(floatIdx))
			for j, i := range floatIdx {
				wrt[j] = in[i]
			}
			return append([]*Node{v}, Gradient(ReduceAllSum(v), wrt...)...)
		}, argsAny...)
		v := zeroSizeTensor{Shape: out[0].Shape().Dimensions}
		for _, x := range flatFloats(out[0]) {
			switch {
			case math.IsNaN(x):
				v.Data = append(v.Data, "NaN")
			default:
				v.Data = append(v.Data, fmt.Sprint(x))
			}
		}
		res.Values[key] = v
		for _, g := range out[1:] {
			res.Grads[key] = append(res.Grads[key], g.Shape().Dimensions)
		}
	}
	report()
}

func flatFloats(t *tensors.Tensor) []float64 {
	if t.DType() == dtypes.Float32 {
		var out []float64
		for _, f := range tensors.MustCopyFlatData[float32](t) {
			out = append(out, float64(f))
		}
		return out
	}
	return tensors.MustCopyFlatData[float64](t)
}
