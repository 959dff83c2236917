package training

import (
	"encoding/json"
	"io"
	"math"
	"os"
	"slices"
	"testing"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX graph code reads best with the dot import.
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/lossbook/lossbook/lib"
)

// optimStateGolden is training/testdata/optim_state.json, written by gen_optim_state.py.
type optimStateGolden struct {
	TorchVersion string `json:"torch_version"`
	Command      string
	Problem      struct {
		X, Y [][]float64
		Init map[string]any
	}
	Scenarios []struct {
		Name       string
		Optimizers []struct {
			Name   string
			Kwargs map[string]any
		}
		Phases []struct {
			Steps     int
			Optimizer int
			Loss      string
			Frozen    []string
		}
		Trace []struct {
			Loss   float64
			Params map[string][]float64
		}
		States []map[string]struct {
			Step           int64
			MomentumBuffer bool `json:"momentum_buffer"`
		}
	}
}

// stateParams are the torch names of the scenario's parameters and their GoMLX scope and name.
var stateParams = []struct{ torch, scope, name string }{
	{"pre.weight", "/pre", "weight"}, {"pre.bias", "/pre", "bias"},
	{"head.weight", "/head", "weight"}, {"head.bias", "/head", "bias"},
}

// stateLoss is the golden script's loss "pre" or "head": sum and count of the squared errors. With headInGraph,
// the loss "pre" also computes the head's output and leaves it out of the loss: the head's variables are in the
// graph but get no gradient, as torch's grad None.
func stateLoss(golden *optimStateGolden, which string, headInGraph bool) BatchLossFn {
	return func(ctx *context.Context, batch []*Node) (sum, count *Node) {
		x, y := batch[0], batch[1]
		g := x.Graph()
		param := func(torchName, scope, name string) *Node {
			return ctx.InAbsPath(scope).VariableWithValue(name, typedInit(golden.Problem.Init[torchName])).ValueGraph(g)
		}
		pred := Add(Dot(x, param("pre.weight", "/pre", "weight")), InsertAxes(param("pre.bias", "/pre", "bias"), 0))
		if which == "head" || headInGraph {
			head := Add(Dot(pred, param("head.weight", "/head", "weight")),
				InsertAxes(param("head.bias", "/head", "bias"), 0))
			if which == "head" {
				pred = head
			}
		}
		diff := Sub(pred, y)
		return ReduceAllSum(Square(diff)), Scalar(g, diff.DType(), diff.Shape().Size())
	}
}

// TestOptimizerStatePerParameter replays torch's per-parameter state through Train: a head added after
// pre-training starts its own step count and momentum (with SGD's dampening skipped on its first buffer), frozen
// parameters keep their state untouched and pick it up when unfrozen, and a second optimizer of the same class on a
// used context starts empty. Each scenario runs twice: with the head created when the loss first uses it, and with
// the head in the graph from the start but outside the loss (no gradient: torch's grad None).
func TestOptimizerStatePerParameter(t *testing.T) {
	raw, err := os.ReadFile("testdata/optim_state.json")
	if err != nil {
		t.Fatal(err)
	}
	var golden optimStateGolden
	if err := json.Unmarshal(raw, &golden); err != nil {
		t.Fatal(err)
	}
	if len(golden.Scenarios) == 0 {
		t.Fatal("testdata/optim_state.json has no scenarios")
	}
	t.Logf("golden: torch %s, %d scenarios (%s)", golden.TorchVersion, len(golden.Scenarios), golden.Command)
	data, err := NewTensorDataset(golden.Problem.X, golden.Problem.Y)
	if err != nil {
		t.Fatal(err)
	}
	backend := lib.MustBackend()
	for i := range 2 * len(golden.Scenarios) {
		sc, headInGraph := golden.Scenarios[i/2], i%2 == 1
		name := sc.Name
		if headInGraph {
			name += " (head in the graph, outside the loss)"
		}
		t.Run(name, func(t *testing.T) {
			ctx := context.New()
			opts := map[int]Optimizer{}
			step := 0
			for p, phase := range sc.Phases {
				opt, ok := opts[phase.Optimizer]
				if !ok {
					spec := sc.Optimizers[phase.Optimizer]
					if opt, err = NewOptimizer(spec.Name, spec.Kwargs); err != nil {
						t.Fatal(err)
					}
					opts[phase.Optimizer] = opt
				}
				for _, sp := range stateParams {
					if v := ctx.GetVariableByScopeAndName(sp.scope, sp.name); v != nil {
						v.SetTrainable(!slices.Contains(phase.Frozen, sp.torch))
					}
				}
				cfg := Config{Optimizer: opt, Steps: phase.Steps, Progress: io.Discard, OnStep: func(info StepInfo) error {
					want := sc.Trace[step+info.Step-1]
					if !near(info.Loss, want.Loss, close10) {
						t.Errorf("phase %d step %d: loss %.17g, torch %.17g", p, info.Step, info.Loss, want.Loss)
					}
					for _, sp := range stateParams {
						v := ctx.GetVariableByScopeAndName(sp.scope, sp.name)
						if v == nil {
							continue // Not created yet: torch's stays at its initial value.
						}
						if got := tensors.MustCopyFlatData[float64](v.MustValue()); !nearAll(got, want.Params[sp.torch], close10) {
							t.Errorf("phase %d step %d: %s = %v, torch %v", p, info.Step, sp.torch, got,
								want.Params[sp.torch])
						}
					}
					return nil
				}}
				if _, err := Train(backend, ctx, data, stateLoss(&golden, phase.Loss, headInGraph), cfg); err != nil {
					t.Fatal(err)
				}
				step += phase.Steps
				for _, sp := range stateParams {
					want := sc.States[p][sp.torch]
					got := paramStepCount(ctx, opt, sp.scope, sp.name)
					if opt.Name() != "SGD" && got != want.Step {
						t.Errorf("after phase %d: %s's step count %d, torch's state[p]['step'] %d", p, sp.torch, got,
							want.Step)
					}
					if opt.Name() == "SGD" && (got > 0) != want.MomentumBuffer {
						t.Errorf("after phase %d: %s took %d steps with a momentum buffer, torch has one: %v", p,
							sp.torch, got, want.MomentumBuffer)
					}
				}
			}
		})
	}
}

// paramStepCount reads the per-parameter step count of opt's state for the variable scope/name (0 if none).
func paramStepCount(ctx *context.Context, opt Optimizer, scope, name string) int64 {
	v := ctx.GetVariableByScopeAndName(OptimizersScope+"/"+opt.Name()+scope+"/"+name, stateStep)
	if v == nil || !v.HasValue() {
		return 0
	}
	return tensors.ToScalar[int64](v.MustValue())
}

// typedInit turns a JSON-decoded vector ([]any of float64) or matrix ([]any of []any) into []float64 or
// [][]float64.
func typedInit(v any) any {
	rows, ok := v.([]any)
	if !ok || len(rows) == 0 {
		panic("training: test: an initial value must be a non-empty list")
	}
	if _, isRow := rows[0].([]any); !isRow {
		out := make([]float64, len(rows))
		for i, x := range rows {
			out[i] = x.(float64)
		}
		return out
	}
	out := make([][]float64, len(rows))
	for i, row := range rows {
		out[i] = typedInit(row).([]float64)
	}
	return out
}

// TestNewAdamOnPretrainedContext is the case: 10 Adam steps on a variable "pre", then Train with a new
// Adam on a new variable "head" in the same context. As with a fresh torch optimizer, the head's first step moves
// every element by lr (Adam's first update is lr·g/(|g| + ε)) and the new optimizer's step count is 1.
func TestNewAdamOnPretrainedContext(t *testing.T) {
	data := tokenData(t, 6, 0)
	ctx := context.New()
	pre := func(ctx *context.Context, batch []*Node) (*Node, *Node) {
		w := ctx.In("pre").VariableWithValue("w", 0.3).ValueGraph(batch[0].Graph())
		return ReduceAllSum(Square(Sub(Mul(batch[0], w), batch[1]))), ReduceAllSum(batch[2])
	}
	if _, err := Train(lib.MustBackend(), ctx, data, pre, Config{Optimizer: NewAdam(), Steps: 10,
		Progress: io.Discard}); err != nil {
		t.Fatal(err)
	}
	ctx.GetVariableByScopeAndName("/pre", "w").SetTrainable(false)
	const head0 = 0.5
	head := func(ctx *context.Context, batch []*Node) (*Node, *Node) {
		g := batch[0].Graph()
		w := ctx.In("pre").VariableWithValue("w", 0.3).ValueGraph(g)
		h := ctx.In("head").VariableWithValue("w", head0).ValueGraph(g)
		return ReduceAllSum(Square(Sub(Mul(Mul(batch[0], w), h), batch[1]))), ReduceAllSum(batch[2])
	}
	opt := NewAdam()
	var moved float64
	if _, err := Train(lib.MustBackend(), ctx, data, head, Config{Optimizer: opt, Steps: 1, Progress: io.Discard,
		OnStep: func(StepInfo) error {
			moved = tensors.ToScalar[float64](ctx.GetVariableByScopeAndName("/head", "w").MustValue()) - head0
			return nil
		}}); err != nil {
		t.Fatal(err)
	}
	if !near(math.Abs(moved), opt.LR, 1e-6) {
		t.Errorf("the head moved by %.3g at its first step, want lr = %g", moved, opt.LR)
	}
	if got := StepCount(ctx, opt); got != 1 {
		t.Errorf("the new optimizer's step count is %d, want 1", got)
	}
	if got := paramStepCount(ctx, opt, "/head", "w"); got != 1 {
		t.Errorf("the head's step count is %d, want 1", got)
	}
	t.Logf("head moved by %.6g at its first step (lr %g); step count %d", moved, opt.LR, StepCount(ctx, opt))
}
