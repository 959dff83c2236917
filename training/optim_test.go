package training

import (
	"encoding/json"
	"io"
	"maps"
	"math"
	"os"
	"testing"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX graph code reads best with the dot import.
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/train"
	"github.com/lossbook/lossbook/lib"
)

// Tolerance tiers.
const (
	// close10 is the bar for 20 float64 steps against torch: GoMLX and ATen order a few sums and products
	// differently, which costs some ulps per operation; over 20 steps that stays orders of magnitude below it.
	close10 = 1e-10
	// close12 compares two lossbook computations that differ only in the order of float64 sums (gradient
	// accumulation against the full batch).
	close12 = 1e-12
)

// optimGolden is training/testdata/optim.json, written by gen_optim.py.
type optimGolden struct {
	TorchVersion string `json:"torch_version"`
	Command      string
	Steps        int
	Problem      struct {
		X, Y, Weight [][]float64
		Bias         []float64
	}
	Cases []optimCase
}

type optimCase struct {
	Name      string
	Optimizer string
	Kwargs    map[string]any
	Schedule  *struct {
		Name string
		Args map[string]any
	}
	Clip       map[string]any
	NegateLoss bool `json:"negate_loss"`
	Trace      []struct {
		LR, Loss     float64
		GradNorm     float64 `json:"grad_norm"`
		Weight, Bias []float64
	}
}

func loadOptimGolden(t *testing.T) *optimGolden {
	t.Helper()
	raw, err := os.ReadFile("testdata/optim.json")
	if err != nil {
		t.Fatal(err)
	}
	var golden optimGolden
	if err := json.Unmarshal(raw, &golden); err != nil {
		t.Fatal(err)
	}
	if len(golden.Cases) == 0 || golden.Steps == 0 {
		t.Fatal("testdata/optim.json has no cases")
	}
	return &golden
}

// linearLoss is the golden problem: sum and count of (x·W + b − y)², negated for the maximize cases.
func linearLoss(golden *optimGolden, negate bool) BatchLossFn {
	return func(ctx *context.Context, batch []*Node) (sum, count *Node) {
		x, y := batch[0], batch[1]
		w := ctx.In("linear").VariableWithValue("weight", golden.Problem.Weight).ValueGraph(x.Graph())
		b := ctx.In("linear").VariableWithValue("bias", golden.Problem.Bias).ValueGraph(x.Graph())
		diff := Sub(Add(Dot(x, w), InsertAxes(b, 0)), y)
		sum = ReduceAllSum(Square(diff))
		if negate {
			sum = Neg(sum)
		}
		return sum, Scalar(x.Graph(), sum.DType(), diff.Shape().Size())
	}
}

// variableValues reads the golden problem's parameters, flattened.
func variableValues(t *testing.T, ctx *context.Context) (weight, bias []float64) {
	t.Helper()
	w := ctx.GetVariableByScopeAndName("/linear", "weight")
	b := ctx.GetVariableByScopeAndName("/linear", "bias")
	if w == nil || b == nil {
		t.Fatal("variables /linear/weight and /linear/bias not found")
	}
	return tensors.MustCopyFlatData[float64](w.MustValue()), tensors.MustCopyFlatData[float64](b.MustValue())
}

func near(got, want, tol float64) bool {
	return math.Abs(got-want) <= tol*math.Max(1, math.Abs(want))
}

func nearAll(got, want []float64, tol float64) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if !near(got[i], want[i], tol) {
			return false
		}
	}
	return true
}

// TestOptimizersMatchTorch runs every golden case through NewOptimizer, NewSchedule and Train (full batch) and
// compares each step's learning rate, loss and parameters with torch's.
func TestOptimizersMatchTorch(t *testing.T) {
	golden := loadOptimGolden(t)
	t.Logf("golden: torch %s, %d cases of %d steps (%s)", golden.TorchVersion, len(golden.Cases), golden.Steps,
		golden.Command)
	data, err := NewTensorDataset(golden.Problem.X, golden.Problem.Y)
	if err != nil {
		t.Fatal(err)
	}
	backend := lib.MustBackend()
	for _, c := range golden.Cases {
		t.Run(c.Name, func(t *testing.T) {
			args := maps.Clone(c.Kwargs)
			maps.Copy(args, c.Clip) // lossbook's optimizers take clipping as options.
			opt, err := NewOptimizer(c.Optimizer, args)
			if err != nil {
				t.Fatal(err)
			}
			cfg := Config{Optimizer: opt, Steps: golden.Steps, Progress: io.Discard}
			if c.Schedule != nil {
				if cfg.Schedule, err = NewSchedule(c.Schedule.Name, c.Schedule.Args); err != nil {
					t.Fatal(err)
				}
			}
			ctx := context.New()
			worst := 0.0
			cfg.OnStep = func(info StepInfo) error {
				want := c.Trace[info.Step-1]
				weight, bias := variableValues(t, ctx)
				if !near(info.LR, want.LR, close10) || !near(info.Loss, want.Loss, close10) ||
					!nearAll(weight, want.Weight, close10) || !nearAll(bias, want.Bias, close10) {
					t.Errorf("step %d:\n  got  lr=%.17g loss=%.17g weight=%v bias=%v\n  want lr=%.17g loss=%.17g "+
						"weight=%v bias=%v", info.Step, info.LR, info.Loss, weight, bias, want.LR, want.Loss,
						want.Weight, want.Bias)
				}
				for i := range weight {
					worst = math.Max(worst, math.Abs(weight[i]-want.Weight[i]))
				}
				return nil
			}
			res, err := Train(backend, ctx, data, linearLoss(golden, c.NegateLoss), cfg)
			if err != nil {
				t.Fatal(err)
			}
			if res.Steps != golden.Steps || StepCount(ctx, opt) != int64(golden.Steps) {
				t.Errorf("took %d steps (optimizer counted %d), want %d", res.Steps, StepCount(ctx, opt), golden.Steps)
			}
			t.Logf("%s: largest weight difference from torch over %d steps: %.3g", opt, golden.Steps, worst)
		})
	}
}

// TestClipGradNormTotal checks the total norm ClipGradNorm returns against torch's at the first step.
func TestClipGradNormTotal(t *testing.T) {
	golden := loadOptimGolden(t)
	backend := lib.MustBackend()
	want := golden.Cases[0].Trace[0].GradNorm
	for _, p := range []float64{2} {
		ctx := context.New()
		loss := linearLoss(golden, false)
		exec := context.MustNewExec(backend, ctx, func(ctx *context.Context, x, y *Node) *Node {
			sum, count := loss(ctx, []*Node{x, y})
			vars := trainableInGraph(ctx, x.Graph())
			values := []*Node{vars[0].ValueGraph(x.Graph()), vars[1].ValueGraph(x.Graph())}
			_, total := ClipGradNorm(Gradient(Div(sum, count), values...), 1, p)
			return total
		})
		got := tensors.ToScalar[float64](exec.MustExec(golden.Problem.X, golden.Problem.Y)[0])
		if !near(got, want, close10) {
			t.Errorf("ClipGradNorm total (p=%g) = %.17g, torch's = %.17g", p, got, want)
		}
	}
}

// TestGoMLXTrainer runs lossbook's optimizers inside GoMLX's own train.Trainer and compares with torch.
func TestGoMLXTrainer(t *testing.T) {
	golden := loadOptimGolden(t)
	backend := lib.MustBackend()
	for _, c := range golden.Cases {
		if c.Schedule != nil || c.NegateLoss || len(c.Clip) > 0 || (c.Name != "SGD nesterov" && c.Name != "AdamW" &&
			c.Name != "Adam amsgrad") {
			continue
		}
		t.Run(c.Name, func(t *testing.T) {
			opt, err := NewOptimizer(c.Optimizer, c.Kwargs)
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.New()
			model := func(ctx *context.Context, _ any, inputs []*Node) []*Node {
				g := inputs[0].Graph()
				w := ctx.In("linear").VariableWithValue("weight", golden.Problem.Weight).ValueGraph(g)
				b := ctx.In("linear").VariableWithValue("bias", golden.Problem.Bias).ValueGraph(g)
				return []*Node{Add(Dot(inputs[0], w), InsertAxes(b, 0))}
			}
			mse := func(labels, predictions []*Node) *Node {
				return ReduceAllMean(Square(Sub(predictions[0], labels[0])))
			}
			trainer := train.NewTrainer(backend, ctx, model, mse, opt, nil, nil)
			x, y := tensors.FromValue(golden.Problem.X), tensors.FromValue(golden.Problem.Y)
			for step := range golden.Steps {
				if _, err := trainer.TrainStep(nil, []*tensors.Tensor{x}, []*tensors.Tensor{y}); err != nil {
					t.Fatal(err)
				}
				weight, bias := variableValues(t, ctx)
				want := c.Trace[step]
				if !nearAll(weight, want.Weight, close10) || !nearAll(bias, want.Bias, close10) {
					t.Fatalf("step %d: weight=%v bias=%v, torch: %v %v", step+1, weight, bias, want.Weight, want.Bias)
				}
			}
			if trainer.GlobalStep() != int64(golden.Steps) {
				t.Errorf("GoMLX global step %d, want %d", trainer.GlobalStep(), golden.Steps)
			}
		})
	}
}
