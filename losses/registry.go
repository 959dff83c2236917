package losses

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX's idiom: graph ops read as math.
	gomlxlosses "github.com/gomlx/gomlx/pkg/ml/train/losses"

	"github.com/lossbook/lossbook/internal/pyargs"
)

// Loss takes the inputs in the order of the torch module's forward() and returns the loss. New builds one from
// PyTorch's class name and keyword arguments. A Loss panics (with the "losses:" prefix) if given the wrong number
// of inputs or inputs of the wrong shapes.
type Loss func(inputs ...*Node) *Node

// LossFn adapts l to GoMLX's train.LossFn (an alias of GoMLX's losses.LossFn), so that it plugs into
// train.NewTrainer: l receives the predictions followed by the labels. For the usual one prediction (logits) and one
// label (target) this is forward(input, target); for TripletMarginLoss the three predictions are (anchor, positive,
// negative) and the labels are empty.
//
// Losses whose forward() interleaves predictions and labels need their own small LossFn: GaussianNLLLoss's is
// (input, target, var), so a model that predicts the variance must pass it after the target. The trainer
// reduces a non-scalar loss (ReductionNone) with a plain mean.
func (l Loss) LossFn() gomlxlosses.LossFn {
	return func(labels, predictions []*Node) *Node {
		inputs := make([]*Node, 0, len(predictions)+len(labels))
		inputs = append(inputs, predictions...)
		inputs = append(inputs, labels...)
		return l(inputs...)
	}
}

// New returns the loss that PyTorch's torch.nn class `name` computes, configured with PyTorch's keyword
// arguments. Names are PyTorch's ("CrossEntropyLoss", "BCEWithLogitsLoss", ...) plus lossbook's names for losses
// outside torch.nn (see Names and the package documentation). args holds the keyword arguments either as
// encoding/json decodes them (numbers as float64, lists as []any, None as nil) or Go-typed (int, float64, bool,
// string, []float64); "weight" and "pos_weight" are lists. nil args means the defaults.
//
// An unknown name, an unknown argument, a value of the wrong kind or out of its range (NaN included: see the
// With... options for each range; list values must be >= 0 and finite), and PyTorch's deprecated "size_average"
// and "reduce" give an error that says what is valid.
func New(name string, args map[string]any) (Loss, error) {
	e, ok := registry[name]
	if !ok {
		return nil, fmt.Errorf("losses: unknown loss %q (valid: %s)", name, strings.Join(Names(), ", "))
	}
	opts, consts, err := e.parse(args)
	if err != nil {
		return nil, err
	}
	return func(inputs ...*Node) *Node {
		if len(inputs) != len(e.inputs) {
			panicf(name, "takes %d inputs (%s), got %d", len(e.inputs), strings.Join(e.inputs, ", "), len(inputs))
		}
		for i, in := range inputs {
			if in == nil {
				panicf(name, "input %d (%s) is nil", i, e.inputs[i])
			}
		}
		all := slices.Clone(opts)
		for _, c := range consts {
			all = append(all, c(inputs[0]))
		}
		return e.call(inputs, all)
	}, nil
}

// Names returns the names New accepts, sorted.
func Names() []string {
	names := make([]string, 0, len(registry))
	for name := range registry {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// Inputs returns the names of the inputs of the loss `name`, in the order a Loss takes them (PyTorch's forward()),
// or nil if the name is unknown.
func Inputs(name string) []string {
	if e, ok := registry[name]; ok {
		return slices.Clone(e.inputs)
	}
	return nil
}

// Args returns the keyword arguments New accepts for the loss `name`, or nil if the name is unknown.
func Args(name string) []string {
	if e, ok := registry[name]; ok {
		return slices.Clone(e.args)
	}
	return nil
}

// entry describes one registered loss.
type entry struct {
	name   string                                    // PyTorch's class name, or lossbook's.
	inputs []string                                  // forward() argument names.
	args   []string                                  // valid keyword arguments.
	call   func(inputs []*Node, opts []Option) *Node // calls the Go function.
}

// argKind is the kind of value a keyword argument takes.
type argKind int

const (
	kindFloat argKind = iota
	kindInt
	kindBool
	kindReduction
	kindList // list of numbers, or nil; becomes a constant of the first input's dtype.
)

// argSpec maps a PyTorch keyword argument to its kind and its Option.
type argSpec struct {
	kind argKind
	// option builds the Option from the parsed value: float64, int, bool, Reduction; kindList uses listOption.
	option     func(v any) Option
	listOption func(*Node) Option
}

// kwargs are all keyword arguments that some registered loss accepts.
var kwargs = map[string]argSpec{
	"reduction":       {kind: kindReduction, option: func(v any) Option { return WithReduction(v.(Reduction)) }},
	"weight":          {kind: kindList, listOption: WithWeight},
	"pos_weight":      {kind: kindList, listOption: WithPosWeight},
	"ignore_index":    {kind: kindInt, option: func(v any) Option { return WithIgnoreIndex(v.(int)) }},
	"label_smoothing": {kind: kindFloat, option: func(v any) Option { return WithLabelSmoothing(v.(float64)) }},
	"log_target":      {kind: kindBool, option: func(v any) Option { return WithLogTarget(v.(bool)) }},
	"margin":          {kind: kindFloat, option: func(v any) Option { return WithMargin(v.(float64)) }},
	"delta":           {kind: kindFloat, option: func(v any) Option { return WithDelta(v.(float64)) }},
	"beta":            {kind: kindFloat, option: func(v any) Option { return WithBeta(v.(float64)) }},
	"p":               {kind: kindFloat, option: func(v any) Option { return WithP(v.(float64)) }},
	"eps":             {kind: kindFloat, option: func(v any) Option { return WithEps(v.(float64)) }},
	"swap":            {kind: kindBool, option: func(v any) Option { return WithSwap(v.(bool)) }},
	"alpha":           {kind: kindFloat, option: func(v any) Option { return WithAlpha(v.(float64)) }},
	"gamma":           {kind: kindFloat, option: func(v any) Option { return WithGamma(v.(float64)) }},
	"log_input":       {kind: kindBool, option: func(v any) Option { return WithLogInput(v.(bool)) }},
	"full":            {kind: kindBool, option: func(v any) Option { return WithFull(v.(bool)) }},
	"epsilon":         {kind: kindFloat, option: func(v any) Option { return WithEpsilon(v.(float64)) }},
}

// parse validates args and converts them into Options; list arguments become functions that build a constant in
// the graph of the first input, with its dtype.
func (e entry) parse(args map[string]any) (opts []Option, consts []func(*Node) Option, err error) {
	name := e.name
	keys := make([]string, 0, len(args))
	for k := range args {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := args[k]
		if k == "size_average" || k == "reduce" {
			return nil, nil, fmt.Errorf("losses: %s: argument %q is deprecated in PyTorch and not supported: use "+
				"reduction=\"mean\", \"sum\" or \"none\"", name, k)
		}
		if !slices.Contains(e.args, k) {
			return nil, nil, fmt.Errorf("losses: %s: unknown argument %q (valid: %s)", name, k, strings.Join(e.args, ", "))
		}
		spec := kwargs[k]
		switch spec.kind {
		case kindFloat:
			f, ok := pyargs.Float(v)
			if !ok {
				return nil, nil, fmt.Errorf("losses: %s: argument %q must be a number, got %v (%T)", name, k, v, v)
			}
			opt := spec.option(f)
			if err := opt.check(); err != nil {
				return nil, nil, fmt.Errorf("losses: %s: argument %q: %w", name, k, err)
			}
			opts = append(opts, opt)
		case kindInt:
			i, ok := pyargs.Int(v)
			if !ok {
				return nil, nil, fmt.Errorf("losses: %s: argument %q must be an integer, got %v (%T)", name, k, v, v)
			}
			opts = append(opts, spec.option(i))
		case kindBool:
			b, ok := v.(bool)
			if !ok {
				return nil, nil, fmt.Errorf("losses: %s: argument %q must be true or false, got %v (%T)", name, k, v, v)
			}
			opts = append(opts, spec.option(b))
		case kindReduction:
			s, ok := v.(string)
			if !ok {
				return nil, nil, fmt.Errorf("losses: %s: argument %q must be a string, got %v (%T)", name, k, v, v)
			}
			r, err := ParseReduction(s)
			if err == nil && r == ReductionBatchMean && name != "KLDivLoss" {
				err = fmt.Errorf("reduction \"batchmean\" is only for KLDivLoss")
			}
			if err != nil {
				return nil, nil, fmt.Errorf("losses: %s: %w (valid: \"none\", \"mean\", \"sum\")", name, err)
			}
			opts = append(opts, spec.option(r))
		case kindList:
			if v == nil {
				continue // None: the default.
			}
			values, dims, ok := pyargs.Floats(v)
			if !ok {
				return nil, nil, fmt.Errorf("losses: %s: argument %q must be a list of numbers (or a rectangular "+
					"list of lists), got %v (%T)", name, k, v, v)
			}
			if len(values) == 0 {
				return nil, nil, fmt.Errorf("losses: %s: argument %q must not be empty", name, k)
			}
			for i, x := range values {
				if !(x >= 0) || math.IsInf(x, 1) {
					return nil, nil, fmt.Errorf("losses: %s: argument %q: element %d is %g (want >= 0 and finite)",
						name, k, i, x)
				}
			}
			listOption := spec.listOption
			consts = append(consts, func(like *Node) Option {
				return listOption(Reshape(ConstAsDType(like.Graph(), like.DType(), values), dims...))
			})
		}
	}
	return opts, consts, nil
}

// two adapts a two-input Go loss function to an entry's call.
func two(f func(a, b *Node, opts ...Option) *Node) func([]*Node, []Option) *Node {
	return func(in []*Node, opts []Option) *Node { return f(in[0], in[1], opts...) }
}

// three adapts a three-input Go loss function to an entry's call.
func three(f func(a, b, c *Node, opts ...Option) *Node) func([]*Node, []Option) *Node {
	return func(in []*Node, opts []Option) *Node { return f(in[0], in[1], in[2], opts...) }
}

// four adapts a four-input Go loss function to an entry's call.
func four(f func(a, b, c, d *Node, opts ...Option) *Node) func([]*Node, []Option) *Node {
	return func(in []*Node, opts []Option) *Node { return f(in[0], in[1], in[2], in[3], opts...) }
}

// registry maps PyTorch's class names (and lossbook's names for losses outside torch.nn) to the Go functions.
// Inputs are named as the arguments of the torch module's forward() (or of the reference function).
var registry = makeRegistry(
	entry{
		name:   "CrossEntropyLoss",
		inputs: []string{"input", "target"},
		args:   []string{"weight", "ignore_index", "reduction", "label_smoothing"},
		call:   two(CrossEntropy),
	},
	entry{
		name:   "NLLLoss",
		inputs: []string{"input", "target"},
		args:   []string{"weight", "ignore_index", "reduction"},
		call:   two(NLL),
	},
	entry{
		name:   "BCELoss",
		inputs: []string{"input", "target"},
		args:   []string{"weight", "reduction"},
		call:   two(BinaryCrossEntropy),
	},
	entry{
		name:   "BCEWithLogitsLoss",
		inputs: []string{"input", "target"},
		args:   []string{"weight", "reduction", "pos_weight"},
		call:   two(BinaryCrossEntropyLogits),
	},
	entry{
		name:   "KLDivLoss",
		inputs: []string{"input", "target"},
		args:   []string{"reduction", "log_target"},
		call:   two(KLDiv),
	},
	entry{
		name:   "MSELoss",
		inputs: []string{"input", "target"},
		args:   []string{"reduction"},
		call:   two(MSE),
	},
	entry{
		name:   "L1Loss",
		inputs: []string{"input", "target"},
		args:   []string{"reduction"},
		call:   two(L1),
	},
	entry{
		name:   "HuberLoss",
		inputs: []string{"input", "target"},
		args:   []string{"reduction", "delta"},
		call:   two(Huber),
	},
	entry{
		name:   "SmoothL1Loss",
		inputs: []string{"input", "target"},
		args:   []string{"reduction", "beta"},
		call:   two(SmoothL1),
	},
	entry{
		name:   "CosineEmbeddingLoss",
		inputs: []string{"input1", "input2", "target"},
		args:   []string{"margin", "reduction"},
		call:   three(CosineEmbedding),
	},
	entry{
		name:   "MarginRankingLoss",
		inputs: []string{"input1", "input2", "target"},
		args:   []string{"margin", "reduction"},
		call:   three(MarginRanking),
	},
	entry{
		name:   "TripletMarginLoss",
		inputs: []string{"anchor", "positive", "negative"},
		args:   []string{"margin", "p", "eps", "swap", "reduction"},
		call:   three(TripletMargin),
	},
	entry{
		name:   "HingeEmbeddingLoss",
		inputs: []string{"input", "target"},
		args:   []string{"margin", "reduction"},
		call:   two(HingeEmbedding),
	},
	entry{
		name:   "SoftMarginLoss",
		inputs: []string{"input", "target"},
		args:   []string{"reduction"},
		call:   two(SoftMargin),
	},
	entry{
		name:   "MultiLabelSoftMarginLoss",
		inputs: []string{"input", "target"},
		args:   []string{"weight", "reduction"},
		call:   two(MultiLabelSoftMargin),
	},
	entry{
		name:   "PoissonNLLLoss",
		inputs: []string{"log_input", "target"},
		args:   []string{"log_input", "full", "eps", "reduction"},
		call:   two(PoissonNLL),
	},
	entry{
		name:   "GaussianNLLLoss",
		inputs: []string{"input", "target", "var"},
		args:   []string{"full", "eps", "reduction"},
		call:   three(GaussianNLL),
	},
	entry{
		name:   "SigmoidFocalLoss",
		inputs: []string{"inputs", "targets"},
		args:   []string{"alpha", "gamma", "reduction"},
		call:   two(SigmoidFocal),
	},
	entry{
		name:   "SoftmaxFocalLoss",
		inputs: []string{"input", "target"},
		args:   []string{"weight", "gamma", "ignore_index", "reduction"},
		call:   two(SoftmaxFocal),
	},
	entry{
		name:   "Poly1CrossEntropyLoss",
		inputs: []string{"logits", "labels"},
		args:   []string{"epsilon", "ignore_index", "reduction"},
		call:   two(Poly1CrossEntropy),
	},
	entry{
		name:   "MLMLoss",
		inputs: []string{"prediction_scores", "labels"},
		args:   []string{"ignore_index", "reduction", "label_smoothing"},
		call:   two(MLM),
	},
	entry{
		name:   "NSPLoss",
		inputs: []string{"seq_relationship_score", "next_sentence_label"},
		args:   []string{"reduction"},
		call:   two(NSP),
	},
	entry{
		name:   "BertPreTrainingLoss",
		inputs: []string{"prediction_scores", "seq_relationship_score", "labels", "next_sentence_label"},
		args:   []string{"ignore_index"},
		call:   four(BertPreTraining),
	},
	entry{
		name:   "GeneralRobustLoss",
		inputs: []string{"input", "target", "alpha", "scale"},
		args:   []string{"reduction"},
		call:   four(GeneralRobust),
	},
	entry{
		name:   "AdaptiveRobustLoss",
		inputs: []string{"input", "target", "alpha", "scale"},
		args:   []string{"reduction"},
		call:   four(AdaptiveRobustNLL),
	},
)

func makeRegistry(entries ...entry) map[string]entry {
	m := make(map[string]entry, len(entries))
	for _, e := range entries {
		if _, dup := m[e.name]; dup {
			panic("losses: duplicate registry entry " + e.name)
		}
		m[e.name] = e
	}
	return m
}
