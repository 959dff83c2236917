package losses_test

import (
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX's idiom.
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/lossbook/lossbook/lib"
	"github.com/lossbook/lossbook/losses"
	"github.com/lossbook/lossbook/losses/parity"
)

// fdSkip lists golden cases whose points sit on a kink or a clamp on purpose (finite differences are not the
// derivative there) or whose value is not finite.
var fdSkip = map[string]string{
	"bce/clamp/mean":                   "probabilities 0 and 1: the clamp at -100",
	"bce/clamp/none":                   "probabilities 0 and 1: the clamp at -100",
	"bcel/zeros-and-extremes/none":     "logits ±1e4: a step of 1e-6 is below their float64 resolution",
	"ce/extreme/mean":                  "logits ±1e4: a step of 1e-6 is below their float64 resolution",
	"gaussian/clamped/eps":             "variances under the clamp: PyTorch's gradient ignores the clamp",
	"smoothl1/beta=0.0":                "x = y at β = 0: PyTorch's subgradient is -1, the central difference of |d| is 0",
	"gaussian/clamped/default-eps/sum": "variances under the clamp: PyTorch's gradient ignores the clamp",
	"poisson/rate/full=True":           "targets of 0: PyTorch's gradient there is NaN (0 times the masked Stirling term's log 0)",
}

// TestFiniteDifferences compares the gradients of every golden case (float64) with central finite differences.
func TestFiniteDifferences(t *testing.T) {
	g := loadGolden(t)
	const tol = 1e-6 // central differences with h = 1e-6: truncation ~h², rounding ~1e-16/h.
	for _, c := range g.Cases {
		if reason, skip := fdSkip[c.Name]; skip {
			t.Logf("skipping %s: %s", c.Name, reason)
			continue
		}
		if len(c.Grad) == 0 || strings.Contains(c.Name, "all-ignored") || strings.Contains(c.Name, "no-masked") {
			continue // NaN means.
		}
		if want, err := parity.Floats(c.Value.Data); err != nil || !allFinite(want) {
			continue // an infinite loss (a target logit of -Inf): its differences are Inf - Inf.
		}
		if err := checkFiniteDifferences(t, c, tol); err != "" {
			t.Errorf("%s (%s %v): %s", c.Name, c.Loss, c.Kwargs, err)
		}
	}
}

func checkFiniteDifferences(t *testing.T, c parity.Case, tol float64) string {
	loss, err := losses.New(c.Loss, c.Kwargs)
	if err != nil {
		return err.Error()
	}
	inputs, err := c.Tensors(dtypes.Float64)
	if err != nil {
		return err.Error()
	}
	cot, err := c.CotangentTensor(dtypes.Float64)
	if err != nil {
		return err.Error()
	}
	n := len(inputs)
	exec := MustNewExec(lib.MustBackend(), func(params []*Node) *Node {
		v := loss(params[:n]...)
		if cot != nil {
			v = ReduceAllSum(Mul(v, params[n]))
		}
		return v
	})
	defer exec.Finalize()
	eval := func(in []*tensors.Tensor) float64 {
		args := make([]any, 0, n+1)
		for _, x := range in {
			args = append(args, x)
		}
		if cot != nil {
			args = append(args, cot)
		}
		return parity.Flat64(exec.MustExec(args...)[0])[0]
	}
	res, err := parity.Eval(lib.MustBackend(), loss, inputs, c.Grad, cot)
	if err != nil {
		return err.Error()
	}
	grads := res.Grads
	for gi, idx := range c.Grad {
		base := tensors.MustCopyFlatData[float64](inputs[idx])
		numeric := make([]float64, len(base))
		for j := range base {
			if math.IsInf(base[j], 0) {
				numeric[j] = grads[gi][j] // a logit of -Inf: no step moves it; its class has probability 0.
				continue
			}
			h := 1e-6 * max(1, math.Abs(base[j]))
			perturbed := func(delta float64) float64 {
				data := append([]float64(nil), base...)
				data[j] += delta
				in := append([]*tensors.Tensor(nil), inputs...)
				in[idx] = tensors.FromFlatDataAndDimensions(data, c.Inputs[idx].Shape...)
				return eval(in)
			}
			numeric[j] = (perturbed(h) - perturbed(-h)) / (2 * h)
		}
		if ok, msg := parity.CloseTo(grads[gi], numeric, tol, 1); !ok {
			return "input " + strconv.Itoa(idx) + " (" + c.Inputs[idx].Name + "): autodiff vs finite differences: " + msg
		}
	}
	return ""
}

// allFinite reports whether no value is NaN or infinite.
func allFinite(values []float64) bool {
	for _, v := range values {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}
