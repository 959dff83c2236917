package training

import (
	"fmt"
	"strings"
)

// OptimizerNames are the names NewOptimizer knows (matched exactly, or else ignoring case).
var OptimizerNames = []string{"SGD", "GD", "Adam", "AdamW", "RMSprop", "Adagrad", "NAdam", "RAdam", "LAMB",
	"Lion", "Adafactor"}

// Options every optimizer accepts beyond torch's own: lossbook's weight-decay exclusion and gradient clipping.
var lossbookOptimizerOptions = []string{"no_decay", "max_grad_norm", "grad_norm_type", "clip_grad_value"}

// NewOptimizer builds an optimizer from torch's class name and keyword arguments, e.g. from a configuration file:
//
//	opt, err := training.NewOptimizer("AdamW", map[string]any{"lr": 1e-3, "weight_decay": 0.01,
//		"betas": []any{0.9, 0.999}})
//
// Names: "SGD", "GD" (SGD named as full-batch gradient descent), "Adam", "AdamW", "RMSprop", "Adagrad", "NAdam",
// "RAdam" (torch.optim's), "LAMB", "Lion", "Adafactor" (optax's lamb, lion, adafactor). Options, with the
// reference's names and defaults (torch's for torch's classes, optax's for optax's):
//
//   - SGD, GD: lr (required), momentum 0, dampening 0, weight_decay 0, nesterov false, maximize false.
//   - Adam: lr 1e-3, betas [0.9, 0.999], eps 1e-8, weight_decay 0, amsgrad false, maximize false.
//   - AdamW: as Adam, with weight_decay 0.01 (decoupled).
//   - RMSprop: lr 1e-2, alpha 0.99, eps 1e-8, weight_decay 0, momentum 0, centered false, maximize false.
//   - Adagrad: lr 1e-2, lr_decay 0, weight_decay 0, initial_accumulator_value 0, eps 1e-10, maximize false.
//   - NAdam: lr 2e-3, betas [0.9, 0.999], eps 1e-8, weight_decay 0, momentum_decay 4e-3 (torch 1.13's options).
//   - RAdam: lr 1e-3, betas [0.9, 0.999], eps 1e-8, weight_decay 0 (torch 1.13's options).
//   - LAMB: learning_rate (required), b1 0.9, b2 0.999, eps 1e-6, eps_root 0, weight_decay 0.
//   - Lion: learning_rate (required), b1 0.9, b2 0.99, mu_dtype null (the variable's; or "float32", ...),
//     weight_decay 1e-3.
//   - Adafactor: learning_rate null (no scaling), min_dim_size_to_factor 128, decay_rate 0.8, decay_offset 0,
//     multiply_by_parameter_scale true, clipping_threshold 1 (null: none), momentum null, dtype_momentum
//     "float32", weight_decay_rate null, eps 1e-30, factored true.
//   - optax's mask and weight_decay_mask (True where weight decay applies) are spelled with lossbook's no_decay
//     below (its complement).
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
	case "RMSprop":
		opt, err = rmspropFromArgs(k)
	case "Adagrad":
		opt, err = adagradFromArgs(k)
	case "NAdam":
		opt, err = nadamFromArgs(k)
	case "RAdam":
		opt, err = radamFromArgs(k)
	case "LAMB":
		opt, err = lambFromArgs(k)
	case "Lion":
		opt, err = lionFromArgs(k)
	case "Adafactor":
		opt, err = adafactorFromArgs(k)
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
