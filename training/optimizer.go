package training

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX graph code reads best with the dot import.
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/context/initializers"
	"github.com/gomlx/gomlx/pkg/ml/train"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"
)

// Optimizer is an optimizer with torch.optim's update equations and defaults: SGD (and GD, its full-batch use),
// Adam and AdamW.
//
// It implements GoMLX's optimizers.Interface, so it plugs into train.NewTrainer, and train.OptimizeWithGradients,
// so it also works with train.Trainer.AccumulateGradients. Train, lossbook's own loop, uses it too.
//
// State is per parameter, as torch's optimizer.state[p]. It lives in context variables under the scope
// "/optimizers/<Name>", so a checkpoint of the context holds it: the learning rate "lr", the count of optimizer steps
// "step", the instance that owns the state "owner" and, for each trained variable "/scope/name", torch's state under
// "/optimizers/<Name>/scope/name": its own "step" (torch's state[p]['step']; SGD keeps it only with momentum, to
// tell torch's first momentum buffer) and momentum_buffer, exp_avg, exp_avg_sq, max_exp_avg_sq. A variable that
// gets no gradient in a step (frozen with SetTrainable(false), or not among the loss's inputs: torch's grad None)
// is left as it is, state and step count included, as torch's step() skips parameters whose grad is None; a
// variable trained for the first time (a classifier head added after pre-training) starts with empty state at its
// own step 1, and SGD's first momentum buffer is its gradient, undamped.
//
// A new optimizer starts empty, as a new torch optimizer does: the first time an optimizer instance steps (or
// SetLR is called with it) on a context whose "/optimizers/<Name>" state belongs to another instance (an earlier
// NewAdamW on the same context, or state loaded with LoadCheckpoint), it resets that state (moments and step counts
// to zero, the learning rate to its BaseLR) and owns it from then on. The same instance used again (another Train
// call, GoMLX's trainer) continues its state, as reusing a torch optimizer does, and Train's resume from a
// checkpoint hands the checkpoint's state to the run's optimizer (torch's optimizer.load_state_dict). Optimizers
// with different Names (Adam and AdamW, SGD and GD) keep separate states. Unlike torch, where an old optimizer
// object keeps its state when a new one is made, lossbook has one state per Name in a context: going back to the
// first instance after a second one has stepped starts it empty too.
//
// Train and SetLR treat gradients as torch 2's zero_grad(set_to_none=True) does: with torch 1.13's default
// zero_grad(), a frozen parameter that once had a gradient keeps a zero one, and torch then still moves it by
// momentum and weight decay; lossbook never does.
type Optimizer interface {
	optimizers.Interface
	train.OptimizeWithGradients

	// Name is torch's class name ("SGD", "Adam", "AdamW"), or "GD" for NewGD.
	Name() string

	// BaseLR is the learning rate the optimizer was configured with: torch's base_lr, which schedules scale.
	BaseLR() float64

	// Validate checks the configuration as torch's constructors do ("Invalid learning rate: -1").
	Validate() error

	// ApplyGradients builds the update of vars given their gradients (same order, same shapes): the part of
	// optimizer.step() after backward(). Custom loops call it; UpdateGraph calls it with the trainable variables
	// the loss depends on, UpdateGraphWithGradients with those the graph uses (GoMLX's trainer computes the
	// gradients of all of them). It panics if the configuration is invalid.
	ApplyGradients(ctx *context.Context, vars []*context.Variable, grads []*Node)
}

// Compile-time checks that the optimizers plug into GoMLX's trainer.
var (
	_ Optimizer = (*SGD)(nil)
	_ Optimizer = (*Adam)(nil)
)

// OptimizersScope is the absolute scope under which optimizers keep their state, one sub-scope per optimizer Name.
const OptimizersScope = "/" + optimizers.Scope

// Names of the optimizer state variables: torch's state-dict keys.
const (
	stateLR            = "lr"
	stateStep          = "step"
	stateMomentum      = "momentum_buffer"
	stateExpAvg        = "exp_avg"
	stateExpAvgSq      = "exp_avg_sq"
	stateMaxExpAvgSq   = "max_exp_avg_sq"
	stateOwner         = "owner"
	stateScopeSplitter = "/"
)

// GradientClipping clips the gradients before the optimizer uses them, as calling
// torch.nn.utils.clip_grad_value_ and then clip_grad_norm_ between loss.backward() and optimizer.step().
// The zero value clips nothing. Both optimizers embed it, so `opt.MaxGradNorm = 1` reads naturally.
type GradientClipping struct {
	// MaxGradNorm, if > 0, rescales all gradients together so that their total norm is at most MaxGradNorm, as
	// torch.nn.utils.clip_grad_norm_(params, max_norm): the total norm is the GradNormType-norm of the per-variable
	// norms, and every gradient is multiplied by min(1, MaxGradNorm/(total+1e-6)).
	MaxGradNorm float64

	// GradNormType is the p of the p-norm for MaxGradNorm: 0 means 2 (torch's default), math.Inf(1) the max norm.
	GradNormType float64

	// ClipGradValue, if > 0, clamps every gradient element into [-ClipGradValue, ClipGradValue], as
	// torch.nn.utils.clip_grad_value_. It is applied before MaxGradNorm.
	ClipGradValue float64
}

// validate checks the clipping settings.
func (c GradientClipping) validate() error {
	if c.MaxGradNorm < 0 || math.IsNaN(c.MaxGradNorm) {
		return fmt.Errorf("invalid max_grad_norm: %v (want >= 0, 0 for no clipping)", c.MaxGradNorm)
	}
	if c.GradNormType < 0 || math.IsNaN(c.GradNormType) {
		return fmt.Errorf("invalid grad_norm_type: %v (want > 0 or +Inf, 0 for the default 2)", c.GradNormType)
	}
	if c.ClipGradValue < 0 || math.IsNaN(c.ClipGradValue) {
		return fmt.Errorf("invalid clip_grad_value: %v (want >= 0, 0 for no clipping)", c.ClipGradValue)
	}
	return nil
}

// clip applies ClipGradValue and then MaxGradNorm to grads.
func (c GradientClipping) clip(grads []*Node) []*Node {
	if c.ClipGradValue > 0 {
		grads = ClipGradValue(grads, c.ClipGradValue)
	}
	if c.MaxGradNorm > 0 {
		p := c.GradNormType
		if p == 0 {
			p = 2
		}
		grads, _ = ClipGradNorm(grads, c.MaxGradNorm, p)
	}
	return grads
}

// ClipGradValue clamps every element of every gradient into [-clip, clip]: torch.nn.utils.clip_grad_value_.
// It is a graph function.
func ClipGradValue(grads []*Node, clip float64) []*Node {
	out := make([]*Node, len(grads))
	for i, g := range grads {
		out[i] = ClipScalar(g, -clip, clip)
	}
	return out
}

// ClipGradNorm rescales grads so that their total p-norm is at most maxNorm, as
// torch.nn.utils.clip_grad_norm_(params, maxNorm, norm_type=p). It returns the clipped gradients and the total
// norm before clipping, a float64 scalar.
//
// The total norm is the p-norm of the per-gradient p-norms (p = math.Inf(1) takes maxima), computed in float64;
// every gradient is multiplied by min(1, maxNorm/(total + 1e-6)), even when no clipping is needed, as torch does.
// It is a graph function; it panics if grads is empty or p <= 0.
func ClipGradNorm(grads []*Node, maxNorm, p float64) (clipped []*Node, total *Node) {
	if len(grads) == 0 {
		panic("training: ClipGradNorm: no gradients")
	}
	if !(p > 0) {
		panic(fmt.Sprintf("training: ClipGradNorm: norm type %v must be > 0 (or +Inf)", p))
	}
	g := grads[0].Graph()
	norms := make([]*Node, len(grads))
	for i, grad := range grads {
		norms[i] = ConvertDType(pNorm(grad, p), dtypes.Float64)
	}
	total = pNorm(Stack(norms, 0), p)
	coef := Div(Scalar(g, dtypes.Float64, maxNorm), AddScalar(total, 1e-6))
	coef = MinScalar(coef, 1.0)
	clipped = make([]*Node, len(grads))
	for i, grad := range grads {
		clipped[i] = Mul(grad, ConvertDType(coef, grad.DType()))
	}
	return clipped, total
}

// pNorm is torch.norm(x, p) over all elements of x.
func pNorm(x *Node, p float64) *Node {
	switch {
	case math.IsInf(p, 1):
		return ReduceAllMax(Abs(x))
	case p == 1:
		return ReduceAllSum(Abs(x))
	case p == 2:
		return Sqrt(ReduceAllSum(Square(x)))
	}
	return Pow(ReduceAllSum(Pow(Abs(x), Scalar(x.Graph(), x.DType(), p))), Scalar(x.Graph(), x.DType(), 1/p))
}

// VariableFilter picks variables, e.g. those to exclude from weight decay (see SGD.NoDecay and Adam.NoDecay).
type VariableFilter func(v *context.Variable) bool

// NameContains picks the variables whose name contains any of the substrings, where a variable's name is both its
// GoMLX "scope/name" (v.ScopeAndName(), e.g. "/encoder/dense/biases") and the name torch would give it (TorchName,
// e.g. "encoder.bias"). So the Hugging Face recipe `no_decay = ["bias", "LayerNorm.weight"]` works on GoMLX's
// layers as on a torch model: "bias" picks every Dense bias and every layer norm's offset (torch's LayerNorm.bias),
// "LayerNorm.weight" every layer norm's gain, as in the transformers of lib/models.
//
// BiasesAndNorms picks the same variables in lossbook's models without relying on names, and is the simpler choice.
func NameContains(substrings ...string) VariableFilter {
	subs := slices.Clone(substrings)
	return func(v *context.Variable) bool {
		name, torchName := v.ScopeAndName(), TorchName(v)
		for _, s := range subs {
			if s != "" && (strings.Contains(name, s) || strings.Contains(torchName, s)) {
				return true
			}
		}
		return false
	}
}

// TorchName returns the name torch would give the variable v in the equivalent module tree: the scopes joined with
// ".", with GoMLX's layer scopes and variable names turned into torch's:
//
//	.../layer_normalization/gain, offset  →  ....LayerNorm.weight, ....LayerNorm.bias  (layers.LayerNormalization)
//	.../rms_norm/scale                     →  ....RMSNorm.weight                        (layers.RMSNorm)
//	.../dense/weights, biases              →  ....weight, ....bias                      (layers.Dense, torch's Linear)
//	.../embeddings                         →  ....weight                                (layers.Embedding)
//
// Other names are kept: "/linear/weight" is "linear.weight". It is what NameContains matches besides the GoMLX name.
func TorchName(v *context.Variable) string {
	parts := strings.FieldsFunc(v.Scope(), func(r rune) bool { return r == '/' })
	name := v.Name()
	rename := func(from, to string) {
		if name == from {
			name = to
		}
	}
	if n := len(parts); n > 0 {
		switch parts[n-1] {
		case "layer_normalization":
			parts[n-1] = "LayerNorm"
			rename("gain", "weight")
			rename("offset", "bias")
		case "rms_norm":
			parts[n-1] = "RMSNorm"
			rename("scale", "weight")
		case "dense":
			if name == "weights" || name == "biases" {
				parts = parts[:n-1]
				rename("weights", "weight")
				rename("biases", "bias")
			}
		}
	}
	rename("embeddings", "weight")
	return strings.Join(append(parts, name), ".")
}

// InScopes picks the variables that live in one of the given absolute scopes or below it: InScopes("/encoder/norm")
// picks "/encoder/norm/gain" and "/encoder/norm/0/offset", but not "/encoder/normalize/x".
func InScopes(scopes ...string) VariableFilter {
	clean := make([]string, len(scopes))
	for i, s := range scopes {
		clean[i] = strings.TrimSuffix(s, stateScopeSplitter)
	}
	return func(v *context.Variable) bool {
		for _, s := range clean {
			if v.Scope() == s || strings.HasPrefix(v.Scope(), s+stateScopeSplitter) || s == "" {
				return true
			}
		}
		return false
	}
}

// BiasesAndNorms picks the variables of rank 0 or 1, that is biases and the gains and offsets of normalization
// layers: the usual set excluded from weight decay (nanoGPT's rule `p.dim() < 2`), whatever the layers call them.
// In lib/models' transformers it picks exactly what the Hugging Face list ["bias", "LayerNorm.weight"] picks
// through NameContains; it is the recommended NoDecay.
func BiasesAndNorms(v *context.Variable) bool {
	return v.Shape().Rank() < 2
}

// optimizerState gives access to one optimizer's state variables.
type optimizerState struct {
	ctx *context.Context // scoped at /optimizers/<name>, unchecked
}

func newOptimizerState(ctx *context.Context, name string) optimizerState {
	return optimizerState{ctx: ctx.InAbsPath(OptimizersScope + "/" + name).Checked(false)}
}

// lrVar returns the learning-rate variable (float64 scalar), creating it with baseLR.
func (s optimizerState) lrVar(baseLR float64) *context.Variable {
	return s.ctx.VariableWithValue(stateLR, baseLR).SetTrainable(false)
}

// stepVar returns the step-count variable (int64 scalar, 0 before the first step).
func (s optimizerState) stepVar() *context.Variable {
	return s.ctx.VariableWithValue(stateStep, int64(0)).SetTrainable(false)
}

// perVariable returns the state variable `kind` for the trained variable v, zero-initialised, with v's shape.
// It lives at /optimizers/<name>/<v's scope>/<v's name>/<kind>.
func (s optimizerState) perVariable(v *context.Variable, kind string) *context.Variable {
	scope := s.ctx.Scope()
	if v.Scope() != context.RootScope {
		scope += v.Scope()
	}
	scoped := s.ctx.InAbsPath(scope).In(v.Name()).WithInitializer(initializers.Zero)
	return scoped.VariableWithShape(kind, v.Shape()).SetTrainable(false)
}

// perVariableStep returns v's own step count (int64 scalar, 0 before v's first step): torch's state[p]['step'].
func (s optimizerState) perVariableStep(v *context.Variable) *context.Variable {
	scope := s.ctx.Scope()
	if v.Scope() != context.RootScope {
		scope += v.Scope()
	}
	return s.ctx.InAbsPath(scope).In(v.Name()).VariableWithValue(stateStep, int64(0)).SetTrainable(false)
}

// incrementStep adds 1 to v's own step count in the graph and returns the new count (int64, 1 at v's first step).
func (s optimizerState) incrementStep(v *context.Variable, g *Graph) *Node {
	stepVar := s.perVariableStep(v)
	step := AddScalar(stepVar.ValueGraph(g), 1)
	stepVar.SetValueGraph(step)
	return step
}

// beginStep reads the learning rate and increments the optimizer's step count (also GoMLX's global_step). It
// returns the learning rate (float64).
func (s optimizerState) beginStep(ctx *context.Context, g *Graph, baseLR float64) (lr *Node) {
	lr = s.lrVar(baseLR).ValueGraph(g)
	stepVar := s.stepVar()
	stepVar.SetValueGraph(AddScalar(stepVar.ValueGraph(g), 1))
	_ = optimizers.IncrementGlobalStepGraph(ctx, g, dtypes.Int64)
	return lr
}

// owner returns the id of the optimizer instance that owns the state (0 if none).
func (s optimizerState) owner() uint64 {
	v := s.ctx.GetVariableByScopeAndName(s.ctx.Scope(), stateOwner)
	if v == nil || !v.HasValue() {
		return 0
	}
	return uint64(tensors.ToScalar[int64](v.MustValue()))
}

// setOwner records id as the owner of the state, keeping the state as it is.
func (s optimizerState) setOwner(id uint64) error {
	v := s.ctx.VariableWithValue(stateOwner, int64(0)).SetTrainable(false)
	return v.SetValue(tensors.FromScalar(int64(id)))
}

// claim makes the optimizer instance id the owner of the state. State owned by another instance (or by none:
// loaded from a checkpoint) is reset first, so that a new optimizer starts empty: every step count, moment and
// buffer becomes zero, the learning rate baseLR. It works on the variables' values, outside any graph.
func (s optimizerState) claim(id uint64, baseLR float64) error {
	if s.owner() == id {
		return nil
	}
	for v := range s.ctx.IterVariablesInScope() {
		var value *tensors.Tensor
		switch {
		case v.Scope() == s.ctx.Scope() && v.Name() == stateOwner:
			continue
		case v.Scope() == s.ctx.Scope() && v.Name() == stateLR:
			value = tensors.FromScalar(baseLR)
		default:
			value = tensors.FromShape(v.Shape()) // Zeros.
		}
		if err := v.SetValue(value); err != nil {
			return fmt.Errorf("training: resetting optimizer state %s: %w", v.ScopeAndName(), err)
		}
	}
	return s.setOwner(id)
}

// instance gives each optimizer value an id, drawn at random the first time it is needed, that tells its state
// from another optimizer's of the same Name.
type instance struct{ id uint64 }

// get returns the id, drawing it (non-zero) the first time.
func (i *instance) get() uint64 {
	if id := atomic.LoadUint64(&i.id); id != 0 {
		return id
	}
	atomic.CompareAndSwapUint64(&i.id, 0, rand.Uint64()|1)
	return atomic.LoadUint64(&i.id)
}

// stateOwnerOf is implemented by lossbook's optimizers: the id of the instance, for its state's owner.
type stateOwnerOf interface{ instanceID() uint64 }

// claimState makes opt the owner of its state in ctx (see Optimizer): it resets state left by another instance.
func claimState(ctx *context.Context, opt Optimizer) error {
	o, ok := opt.(stateOwnerOf)
	if !ok {
		return nil
	}
	return newOptimizerState(ctx, opt.Name()).claim(o.instanceID(), opt.BaseLR())
}

// adoptState makes opt the owner of the state in ctx as it is (Train's resume: torch's load_state_dict).
func adoptState(ctx *context.Context, opt Optimizer) error {
	o, ok := opt.(stateOwnerOf)
	if !ok {
		return nil
	}
	return newOptimizerState(ctx, opt.Name()).setOwner(o.instanceID())
}

// mustClaimState is claimState for graph-building code, which panics.
func mustClaimState(ctx *context.Context, opt Optimizer) {
	if err := claimState(ctx, opt); err != nil {
		panic(fmt.Sprintf("training: %s: %v", opt.Name(), err))
	}
}

// clear deletes the optimizer's state.
func (s optimizerState) clear() error {
	return s.ctx.DeleteVariablesInScope()
}

// trainableInGraph lists the trainable variables used by g, in the order of
// Context.BuildTrainableVariablesGradientsGraph.
func trainableInGraph(ctx *context.Context, g *Graph) []*context.Variable {
	var vars []*context.Variable
	for v := range ctx.IterVariables() {
		if v.Trainable && v.InUseByGraph(g) {
			vars = append(vars, v)
		}
	}
	return vars
}

// withGradient keeps the variables whose value in loss's graph is among loss's inputs, directly or not: the others
// (used by the graph for something else, an unused head's output for instance) get no gradient, which torch marks
// with grad None and its step() skips. A variable reached only through StopGradient counts as having a (zero)
// gradient.
func withGradient(loss *Node, vars []*context.Variable) []*context.Variable {
	seen := map[*Node]bool{}
	stack := []*Node{loss}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[n] {
			continue
		}
		seen[n] = true
		stack = append(stack, n.Inputs()...)
	}
	var kept []*context.Variable
	for _, v := range vars {
		if seen[v.ValueGraph(loss.Graph())] {
			kept = append(kept, v)
		}
	}
	return kept
}

// updateFromLoss is UpdateGraph for both optimizers.
func updateFromLoss(opt Optimizer, ctx *context.Context, loss *Node) {
	if !loss.Shape().IsScalar() {
		panic(fmt.Sprintf("training: %s: the loss must be a scalar, got %s", opt.Name(), loss.Shape()))
	}
	vars := withGradient(loss, trainableInGraph(ctx, loss.Graph()))
	if len(vars) == 0 {
		panic(fmt.Sprintf("training: %s: the loss depends on no trainable variable, there is nothing to optimize",
			opt.Name()))
	}
	values := make([]*Node, len(vars))
	for i, v := range vars {
		values[i] = v.ValueGraph(loss.Graph())
	}
	opt.ApplyGradients(ctx, vars, Gradient(loss, values...))
}

// updateFromGradients is UpdateGraphWithGradients for both optimizers.
func updateFromGradients(opt Optimizer, ctx *context.Context, grads []*Node) {
	if len(grads) == 0 {
		panic(fmt.Sprintf("training: %s: no gradients given", opt.Name()))
	}
	vars := trainableInGraph(ctx, grads[0].Graph())
	opt.ApplyGradients(ctx, vars, grads)
}

// checkApply validates the arguments common to every ApplyGradients.
func checkApply(opt Optimizer, vars []*context.Variable, grads []*Node) *Graph {
	if err := opt.Validate(); err != nil {
		panic(fmt.Sprintf("training: %s: %v", opt.Name(), err))
	}
	if len(vars) != len(grads) {
		panic(fmt.Sprintf("training: %s: %d variables but %d gradients", opt.Name(), len(vars), len(grads)))
	}
	if len(vars) == 0 {
		panic(fmt.Sprintf("training: %s: no variables to update", opt.Name()))
	}
	for i, v := range vars {
		if !grads[i].Shape().Equal(v.Shape()) {
			panic(fmt.Sprintf("training: %s: gradient #%d %s does not match variable %q %s", opt.Name(), i,
				grads[i].Shape(), v.ScopeAndName(), v.Shape()))
		}
		if !v.Shape().DType.IsFloat() {
			panic(fmt.Sprintf("training: %s: variable %q is %s, want a float dtype", opt.Name(), v.ScopeAndName(),
				v.Shape()))
		}
	}
	return grads[0].Graph()
}

// scalarAs converts a float64 scalar node to dtype (a no-op for float64).
func scalarAs(x *Node, dtype dtypes.DType) *Node {
	if x.DType() == dtype {
		return x
	}
	return ConvertDType(x, dtype)
}

// SetLR sets the learning rate that opt uses from its next step on (the variable "/optimizers/<Name>/lr"), e.g.
// from a Schedule in a custom loop or a train.Loop callback. Train does it for you.
//
// Like a step, it makes opt the owner of its state in ctx: state left there by another optimizer instance of the
// same Name is reset first (see Optimizer).
func SetLR(ctx *context.Context, opt Optimizer, lr float64) error {
	if err := claimState(ctx, opt); err != nil {
		return err
	}
	v := newOptimizerState(ctx, opt.Name()).lrVar(opt.BaseLR())
	return v.SetValue(tensors.FromScalar(lr))
}

// StepCount returns how many steps an optimizer of opt's Name has taken with ctx (0 before the first), as recorded
// in its state ("/optimizers/<Name>/step"); each variable's own count, torch's state[p]['step'], is
// "/optimizers/<Name>/<scope>/<name>/step".
func StepCount(ctx *context.Context, opt Optimizer) int64 {
	v := ctx.GetVariableByScopeAndName(OptimizersScope+"/"+opt.Name(), stateStep)
	if v == nil || !v.HasValue() {
		return 0
	}
	return tensors.ToScalar[int64](v.MustValue())
}
