package training

import (
	"fmt"
	"math"
	"strings"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX graph code reads best with the dot import.
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/context/initializers"
)

// Helpers shared by the optimizers beyond SGD and Adam (RMSprop, Adagrad, NAdam, RAdam, LAMB, Lion, Adafactor).

// Compile-time checks that they plug into GoMLX's trainer.
var (
	_ Optimizer = (*RMSprop)(nil)
	_ Optimizer = (*Adagrad)(nil)
	_ Optimizer = (*NAdam)(nil)
	_ Optimizer = (*RAdam)(nil)
	_ Optimizer = (*LAMB)(nil)
	_ Optimizer = (*Lion)(nil)
	_ Optimizer = (*Adafactor)(nil)
)

// perVariableShaped is perVariable with its own shape (Adafactor's factored moments, a momentum kept in another
// dtype, NAdam's scalar μ product): zero-initialised, at /optimizers/<name>/<v's scope>/<v's name>/<kind>.
func (s optimizerState) perVariableShaped(v *context.Variable, kind string, shape shapes.Shape) *context.Variable {
	scope := s.ctx.Scope()
	if v.Scope() != context.RootScope {
		scope += v.Scope()
	}
	scoped := s.ctx.InAbsPath(scope).In(v.Name()).WithInitializer(initializers.Zero)
	return scoped.VariableWithShape(kind, shape).SetTrainable(false)
}

// isFirstStep is true (a scalar bool) when t, a variable's own step count after its increment, is 1: its state
// variables still hold zeros (never stepped, or reset by a new optimizer instance), where torch would hold their
// initial values (Adagrad's initial_accumulator_value, NAdam's μ product 1).
func isFirstStep(t *Node) *Node {
	return Equal(t, Scalar(t.Graph(), t.DType(), 1))
}

// powScalar is base^t for a float64 scalar node t: the step-dependent constants torch computes in Python floats.
func powScalar(base float64, t *Node) *Node {
	return Pow(Scalar(t.Graph(), dtypes.Float64, base), t)
}

// decayed returns decay·m computed in m's dtype (optax's `decay * t` on a moment kept in mu_dtype), converted to
// dtype: in JAX a Python float times a float32 array is a float32 product, promoted only when added to a float64
// gradient.
func decayed(m *Node, decay float64, dtype dtypes.DType) *Node {
	return scalarAsDType(MulScalar(m, decay), dtype)
}

// scalarAsDType converts x to dtype if it differs.
func scalarAsDType(x *Node, dtype dtypes.DType) *Node {
	if x.DType() == dtype {
		return x
	}
	return ConvertDType(x, dtype)
}

// applyDecay reports whether the variable gets weight decay λ: λ ≠ 0 and the NoDecay filter does not pick it.
func applyDecay(lambda float64, noDecay VariableFilter, v *context.Variable) bool {
	return lambda != 0 && (noDecay == nil || !noDecay(v))
}

// validFraction reports whether x is in [0, 1).
func validFraction(x float64) bool { return x >= 0 && x < 1 }

// validLR checks a learning rate as torch does (>= 0), and finite.
func validLR(name string, lr float64) error {
	if !(lr >= 0) || math.IsInf(lr, 0) {
		return fmt.Errorf("invalid %s: %v", name, lr)
	}
	return nil
}

// floatDType reads a float dtype option ("float32", "float64", "bfloat16", "float16") into dst; nil keeps dst.
func (k kwargs) floatDType(key string, dst *dtypes.DType) error {
	if !k.has(key) {
		return nil
	}
	if s, ok := k.args[key].(string); ok {
		if dt, err := dtypes.DTypeString(s); err == nil && dt.IsFloat() {
			*dst = dt
			return nil
		}
	}
	return k.errorf("option %q must be a float dtype name (\"float32\", \"float64\", \"bfloat16\", \"float16\"), "+
		"got %s", key, describe(k.args[key]))
}

// floatOrNone reads a number into dst; an explicit nil (Python's None) stores none instead, for the options that
// None switches off (Adafactor's clipping_threshold, momentum).
func (k kwargs) floatOrNone(key string, dst *float64, none float64) error {
	if v, ok := k.args[key]; ok && v == nil {
		*dst = none
		return nil
	}
	return k.float(key, dst)
}

// dtypeName is the dtype's name in numpy's spelling ("float32"), "None" for InvalidDType (the parameter's own).
func dtypeName(dt dtypes.DType) string {
	if dt == dtypes.InvalidDType {
		return "None"
	}
	return strings.ToLower(dt.String())
}

// StateBytes returns the memory held by opt's state in ctx: the bytes of every variable under
// "/optimizers/<Name>" (moments, factored moments, buffers, step counts, learning rate), 0 before its first step.
// Adam's state is about twice the trained parameters', Lion's once, Adafactor's (factored) far less.
func StateBytes(ctx *context.Context, opt Optimizer) int64 {
	scope := OptimizersScope + "/" + opt.Name()
	var total int64
	for v := range ctx.IterVariablesInScope() {
		if v.Scope() == scope || strings.HasPrefix(v.Scope(), scope+"/") {
			total += int64(v.Shape().Memory())
		}
	}
	return total
}
