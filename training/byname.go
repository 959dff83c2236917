package training

import (
	"fmt"
	"strings"
)

// OptimizerNames are the names NewOptimizer knows (matched exactly, or else ignoring case).
var OptimizerNames = []string{"SGD", "GD", "Adam", "AdamW"}

// Options every optimizer accepts beyond torch's own: lossbook's weight-decay exclusion and gradient clipping.
var lossbookOptimizerOptions = []string{"no_decay", "max_grad_norm", "grad_norm_type", "clip_grad_value"}

// NewOptimizer builds an optimizer from torch's class name and keyword arguments, e.g. from a configuration file:
//
//	opt, err := training.NewOptimizer("AdamW", map[string]any{"lr": 1e-3, "weight_decay": 0.01,
//		"betas": []any{0.9, 0.999}})
//
// Names: "SGD", "GD" (SGD named as full-batch gradient descent), "Adam", "AdamW". Options, with torch's names and
// defaults:
//
//   - SGD, GD: lr (required), momentum 0, dampening 0, weight_decay 0, nesterov false, maximize false.
//   - Adam: lr 1e-3, betas [0.9, 0.999], eps 1e-8, weight_decay 0, amsgrad false, maximize false.
//   - AdamW: as Adam, with weight_decay 0.01 (decoupled).
//   - torch's implementation switches (foreach, differentiable, capturable, fused) are accepted and ignored.
//   - lossbook's own, for every optimizer: no_decay (a list of substrings: variables whose GoMLX "scope/name" or
//     torch name (TorchName) contains one get no weight decay, so that the Hugging Face recipe
//     ["bias", "LayerNorm.weight"] spares the biases and layer norms of GoMLX's layers; see NameContains),
//     max_grad_norm and grad_norm_type (torch.nn.utils.clip_grad_norm_; "inf" for the max norm), clip_grad_value
//     (torch.nn.utils.clip_grad_value_).
//
// Values may be as encoding/json decodes them (float64, bool, []any, nil for the default) or Go-typed (int,
// float32, []float64, [2]float64, []string). It returns an error, listing what is valid, for an unknown name, an
// unknown option, a value of the wrong kind or an invalid value (torch's checks, e.g. a negative lr).
func NewOptimizer(name string, args map[string]any) (Optimizer, error) {
	canonical, ok := lookupName(name, OptimizerNames)
	if !ok {
		return nil, fmt.Errorf("training: unknown optimizer %q; valid names are %s", name,
			strings.Join(OptimizerNames, ", "))
	}
	k := kwargs{what: fmt.Sprintf("NewOptimizer(%q)", canonical), args: args}
	var opt Optimizer
	var err error
	switch canonical {
	case "SGD", "GD":
		opt, err = sgdFromArgs(canonical, k)
	default:
		opt, err = adamFromArgs(canonical, k)
	}
	if err != nil {
		return nil, err
	}
	if err := opt.Validate(); err != nil {
		return nil, k.errorf("%v", err)
	}
	return opt, nil
}

func sgdFromArgs(name string, k kwargs) (Optimizer, error) {
	valid := append([]string{"lr", "momentum", "dampening", "weight_decay", "nesterov", "maximize", "foreach",
		"differentiable"}, lossbookOptimizerOptions...)
	if err := k.check(valid); err != nil {
		return nil, err
	}
	if !k.has("lr") {
		return nil, k.errorf("option \"lr\" is required (torch.optim.SGD has no default learning rate)")
	}
	o := NewSGD(0)
	o.name = name
	noDecay, err := commonFromArgs(k, &o.GradientClipping)
	o.NoDecay = noDecay
	return o, firstError(err,
		k.float("lr", &o.LR), k.float("momentum", &o.Momentum), k.float("dampening", &o.Dampening),
		k.float("weight_decay", &o.WeightDecay), k.bool("nesterov", &o.Nesterov), k.bool("maximize", &o.Maximize),
		k.ignoredBool("foreach"), k.ignoredBool("differentiable"))
}

func adamFromArgs(name string, k kwargs) (Optimizer, error) {
	valid := append([]string{"lr", "betas", "eps", "weight_decay", "amsgrad", "maximize", "foreach", "capturable",
		"differentiable", "fused"}, lossbookOptimizerOptions...)
	if err := k.check(valid); err != nil {
		return nil, err
	}
	o := NewAdam()
	if name == "AdamW" {
		o = NewAdamW()
	}
	noDecay, err := commonFromArgs(k, &o.GradientClipping)
	o.NoDecay = noDecay
	return o, firstError(err,
		k.float("lr", &o.LR), k.floatPair("betas", &o.Betas), k.float("eps", &o.Eps),
		k.float("weight_decay", &o.WeightDecay), k.bool("amsgrad", &o.AMSGrad), k.bool("maximize", &o.Maximize),
		k.ignoredBool("foreach"), k.ignoredBool("capturable"), k.ignoredBool("differentiable"),
		k.ignoredBool("fused"))
}

// commonFromArgs reads lossbook's own options.
func commonFromArgs(k kwargs, clip *GradientClipping) (VariableFilter, error) {
	var noDecay []string
	err := firstError(k.strings("no_decay", &noDecay), k.float("max_grad_norm", &clip.MaxGradNorm),
		k.floatOrInf("grad_norm_type", &clip.GradNormType), k.float("clip_grad_value", &clip.ClipGradValue))
	if len(noDecay) == 0 {
		return nil, err
	}
	return NameContains(noDecay...), err
}
