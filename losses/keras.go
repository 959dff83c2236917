package losses

// This file is the Keras 3 face of the catalogue: NewKeras builds a loss from a keras.losses class name and its
// keyword arguments, and evaluates it as Keras 3 does (on its JAX backend), reduction and sample weights
// included. The per-loss graph code is in keras_losses.go; docs/keras.md tabulates how each differs from torch.

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

// KerasEpsilon is keras.backend.epsilon() (1e-7): Keras clips probabilities to [ε, 1-ε] before taking their
// logarithm, and uses ε as the floor of denominators (MAPE, MSLE, Poisson, Dice, Tversky, CosineSimilarity).
const KerasEpsilon = 1e-7

// KerasLoss is a loss built by NewKeras. It takes Keras's call order: loss(y_true, y_pred) or
// loss(y_true, y_pred, sample_weight), and returns a scalar (or, with reduction "none", the weighted
// per-sample losses). It panics (with the "losses:" prefix) if given the wrong number of inputs or inputs of
// the wrong shapes.
//
// Note the order: lossbook's Loss (PyTorch's forward()) takes the prediction first; Keras takes the target
// first, as GoMLX's LossFn does.
type KerasLoss func(inputs ...*Node) *Node

// LossFn adapts l to GoMLX's train.LossFn: labels[0] is y_true, predictions[0] is y_pred, and an optional
// labels[1] is the sample_weight (as Keras's model.fit passes a dataset's third element).
func (l KerasLoss) LossFn() gomlxlosses.LossFn {
	return func(labels, predictions []*Node) *Node {
		if len(labels) == 0 || len(labels) > 2 || len(predictions) != 1 {
			panicf("KerasLoss.LossFn", "want labels (y_true[, sample_weight]) and one prediction (y_pred), got %d "+
				"labels and %d predictions", len(labels), len(predictions))
		}
		inputs := []*Node{labels[0], predictions[0]}
		return l(append(inputs, labels[1:]...)...)
	}
}

// NewKeras returns the loss that Keras 3's class keras.losses.<name> computes, configured with Keras's keyword
// arguments and defaults: "CategoricalCrossentropy" with {"from_logits": true, "label_smoothing": 0.1}, say.
// See KerasNames for the names and KerasArgs for each one's arguments. args holds the keyword arguments as
// encoding/json decodes them (numbers as float64, lists as []any, None as nil) or Go-typed; nil args means the
// defaults.
//
// Every loss follows keras.losses.Loss.__call__ on the JAX backend (Keras 3.15):
//
//  1. y_true and y_pred are brought to the same rank by squeezing (or, for rank 1, expanding) a trailing axis of
//     size 1, as squeeze_or_expand_to_same_rank does; y_true is converted to y_pred's dtype (class indices of the
//     sparse losses stay integers).
//  2. the loss function gives per-sample values, usually the mean over the last axis (axis=-1);
//  3. sample_weight (optional third input) multiplies them, broadcast NumPy-style after the same rank rule;
//     SparseCategoricalCrossentropy's ignore_class acts as a mask folded into the weights;
//  4. reduction: "sum_over_batch_size" (the default) and "mean" divide the weighted sum by the number of
//     weighted values (not by the sum of the weights: a sample weight of 0 still counts in the denominator);
//     "mean_with_sample_weight" divides by the sum of the weights (by the count without weights); "sum"; "none"
//     or nil returns the weighted values. A zero divisor gives 0 (Keras's divide_no_nan), not NaN.
//
// The names, their arguments (Keras's defaults) and how each differs from its PyTorch neighbour (ε = 1e-7;
// docs/keras.md has the full table):
//
//	CategoricalCrossentropy(from_logits=False, label_smoothing=0, axis=-1)  probabilities by default, normalised
//	    to sum 1 and clipped to [ε, 1-ε]; smoothing divides by the last axis's size. CrossEntropyLoss: logits, axis 1.
//	SparseCategoricalCrossentropy(from_logits=False, ignore_class=None, axis=-1)  as above with class indices;
//	    no ignored label by default (CrossEntropyLoss: ignore_index=-100); an out-of-range label gives 0.
//	BinaryCrossentropy(from_logits=False, label_smoothing=0, axis=-1)  clipped (BCELoss clamps the log at -100),
//	    smoothing y(1-ε)+ε/2 (BCELoss has none), mean over axis per sample.
//	BinaryFocalCrossentropy(apply_class_balancing=False, alpha=0.25, gamma=2, from_logits=False, label_smoothing=0,
//	    axis=-1)  α only with apply_class_balancing (torchvision's sigmoid_focal_loss always applies it), clipped.
//	CategoricalFocalCrossentropy(alpha=0.25, gamma=2, from_logits=False, label_smoothing=0, axis=-1)  α(1-p)^γ on
//	    every class's term, clipped.
//	CategoricalGeneralizedCrossEntropy(q=0.5)  (1 - p_y^q)/q on probabilities; no torch loss.
//	KLDivergence()  y_pred as probabilities, y_true and y_pred clipped to [ε, 1], summed over the last axis
//	    (KLDivLoss: log-probabilities, no clipping, mean over elements).
//	Poisson()  p - y log(p + ε): PoissonNLLLoss(log_input=False) with eps 1e-7.
//	MeanSquaredError(), MeanAbsoluteError(), Huber(delta=1), LogCosh(), MeanAbsolutePercentageError(),
//	MeanSquaredLogarithmicError()  means over the last axis first; MSLE and MAPE floor at ε.
//	CosineSimilarity(axis=-1)  minus the cosine (CosineEmbeddingLoss: 1 - cosine, with ±1 pair labels).
//	Hinge(), SquaredHinge()  labels in {0, 1} become ±1 when every label is 0 or 1; CategoricalHinge().
//	Dice(axis=None), Tversky(alpha=0.5, beta=0.5, axis=None)  overlap losses summed over axis (None: all).
//
// Every name takes reduction too. Where lossbook differs from Keras: label_smoothing must be in [0, 1] and Huber's delta > 0; inputs must have the same shape after
// the rank rule (Keras would broadcast y_true against y_pred); zero-size inputs panic; the name and dtype
// arguments are not taken (the dtype is the inputs').
//
// An unknown name, an unknown argument or a value of the wrong kind or out of range gives an error that says
// what is valid.
func NewKeras(name string, args map[string]any) (KerasLoss, error) {
	e, ok := kerasRegistry[name]
	if !ok {
		return nil, fmt.Errorf("losses: unknown Keras loss %q (valid: %s)", name, strings.Join(KerasNames(), ", "))
	}
	cfg, err := e.parse(args)
	if err != nil {
		return nil, err
	}
	fn := "keras." + name
	return func(inputs ...*Node) *Node {
		if len(inputs) != 2 && len(inputs) != 3 {
			panicf(fn, "takes 2 or 3 inputs (y_true, y_pred[, sample_weight]), got %d", len(inputs))
		}
		for i, in := range inputs {
			if in == nil {
				panicf(fn, "input %d (%s) is nil", i, []string{"y_true", "y_pred", "sample_weight"}[i])
			}
		}
		yTrue, yPred := inputs[0], inputs[1]
		checkFloat(fn, "y_pred", yPred)
		if yTrue.Rank() == 0 && yPred.Rank() == 0 || isEmpty(yTrue) || isEmpty(yPred) {
			panicf(fn, "y_true %s and y_pred %s: want non-empty tensors of rank >= 1", yTrue.Shape(), yPred.Shape())
		}
		if !yTrue.DType().IsFloat() && !yTrue.DType().IsInt() {
			panicf(fn, "y_true %s must be a number", yTrue.Shape())
		}
		if !e.intLabels {
			yTrue = asDType(yTrue, yPred.DType())
		}
		yTrue, yPred = kerasSameRank(yTrue, yPred, true)
		values, mask := e.call(fn, cfg, yTrue, yPred)
		var sw *Node
		if len(inputs) == 3 {
			sw = inputs[2]
			if !sw.DType().IsFloat() && !sw.DType().IsInt() {
				panicf(fn, "sample_weight %s must be a number", sw.Shape())
			}
			sw = asDType(sw, values.DType())
		}
		return kerasReduce(fn, values, sw, mask, cfg.reduction)
	}, nil
}

// KerasNames returns the names NewKeras accepts (Keras 3's class names), sorted.
func KerasNames() []string {
	names := make([]string, 0, len(kerasRegistry))
	for name := range kerasRegistry {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// KerasArgs returns the keyword arguments NewKeras accepts for the Keras loss `name` (with Keras's spelling),
// or nil if the name is unknown.
func KerasArgs(name string) []string {
	if e, ok := kerasRegistry[name]; ok {
		return slices.Clone(e.args)
	}
	return nil
}

// KerasReductions are the values of Keras 3's `reduction` argument (nil, Python's None, means "none" too).
var KerasReductions = []string{"sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none"}

// kerasConfig holds every Keras keyword argument of every loss; each entry's defaults fill it first.
type kerasConfig struct {
	reduction           string
	fromLogits          bool
	labelSmoothing      float64
	axis                int
	axes                []int // Dice and Tversky: nil with allAxes means axis=None.
	allAxes             bool
	ignoreClass         optional[int]
	applyClassBalancing bool
	alpha, beta, gamma  float64
	delta, q            float64
}

// kerasEntry describes one Keras loss.
type kerasEntry struct {
	name      string
	args      []string
	intLabels bool // y_true holds class indices (kept as integers)
	defaults  func(*kerasConfig)
	// call returns the per-sample values and an optional mask (bool, values' shape) that the reduction folds
	// into the sample weights, as Keras's keras_mask.
	call func(fn string, c *kerasConfig, yTrue, yPred *Node) (values, mask *Node)
}

// parse validates args and fills a kerasConfig from the entry's defaults.
func (e kerasEntry) parse(args map[string]any) (*kerasConfig, error) {
	c := &kerasConfig{reduction: "sum_over_batch_size", axis: -1}
	if e.defaults != nil {
		e.defaults(c)
	}
	keys := make([]string, 0, len(args))
	for k := range args {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := args[k]
		if !slices.Contains(e.args, k) {
			return nil, fmt.Errorf("losses: keras.%s: unknown argument %q (valid: %s)", e.name, k, strings.Join(e.args, ", "))
		}
		bad := func(want string) error {
			return fmt.Errorf("losses: keras.%s: argument %q must be %s, got %v (%T)", e.name, k, want, v, v)
		}
		float := func(ok func(float64) bool, want string) (float64, error) {
			f, isNum := pyargs.Float(v)
			if _, isBool := v.(bool); isBool || !isNum || !ok(f) {
				return 0, bad(want)
			}
			return f, nil
		}
		finite := func(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }
		var err error
		switch k {
		case "reduction":
			if v == nil {
				c.reduction = "none"
				break
			}
			s, ok := v.(string)
			if !ok || !slices.Contains(KerasReductions, s) {
				return nil, bad(`one of "` + strings.Join(KerasReductions, `", "`) + `" or nil`)
			}
			c.reduction = s
		case "from_logits", "apply_class_balancing":
			b, ok := v.(bool)
			if !ok {
				return nil, bad("true or false")
			}
			if k == "from_logits" {
				c.fromLogits = b
			} else {
				c.applyClassBalancing = b
			}
		case "label_smoothing":
			c.labelSmoothing, err = float(func(f float64) bool { return f >= 0 && f <= 1 }, "a number in [0, 1]")
		case "alpha":
			c.alpha, err = float(finite, "a finite number")
		case "beta":
			c.beta, err = float(finite, "a finite number")
		case "gamma":
			c.gamma, err = float(finite, "a finite number")
		case "delta":
			c.delta, err = float(func(f float64) bool { return f > 0 && !math.IsInf(f, 1) }, "a number > 0, finite")
		case "q":
			c.q, err = float(func(f float64) bool { return f > 0 && f < 1 }, "a number in (0, 1)")
		case "ignore_class":
			if v == nil {
				c.ignoreClass = optional[int]{}
				break
			}
			i, ok := pyargs.Int(v)
			if _, isBool := v.(bool); isBool || !ok {
				return nil, bad("an integer or nil")
			}
			c.ignoreClass = optional[int]{i, true}
		case "axis":
			if e.name == "Dice" || e.name == "Tversky" {
				c.allAxes, c.axes, err = parseKerasAxes(v)
				if err != nil {
					return nil, bad("an integer, a list of integers, or nil")
				}
				break
			}
			i, ok := pyargs.Int(v)
			if _, isBool := v.(bool); isBool || !ok {
				return nil, bad("an integer")
			}
			c.axis = i
		}
		if err != nil {
			return nil, err
		}
	}
	return c, nil
}

// parseKerasAxes parses Dice's and Tversky's axis: nil (every axis), an integer, or a list of integers.
func parseKerasAxes(v any) (all bool, axes []int, err error) {
	if v == nil {
		return true, nil, nil
	}
	if _, isBool := v.(bool); isBool {
		return false, nil, fmt.Errorf("bool")
	}
	if i, ok := pyargs.Int(v); ok {
		return false, []int{i}, nil
	}
	values, dims, ok := pyargs.Floats(v)
	if !ok || len(dims) != 1 || len(values) == 0 {
		return false, nil, fmt.Errorf("not a list")
	}
	for _, f := range values {
		i, ok := pyargs.Int(f)
		if !ok {
			return false, nil, fmt.Errorf("not integers")
		}
		axes = append(axes, i)
	}
	return false, axes, nil
}

// kerasAxis resolves a possibly negative axis of x, or panics.
func kerasAxis(fn string, x *Node, axis int) int {
	a := axis
	if a < 0 {
		a += x.Rank()
	}
	if a < 0 || a >= x.Rank() {
		panicf(fn, "axis %d out of range for y_pred %s", axis, x.Shape())
	}
	return a
}

// kerasSameRank is Keras's squeeze_or_expand_to_same_rank: when the ranks differ by one and the longer tensor's
// last axis has size 1, that axis is squeezed, or, if the shorter one is rank 1 (and expandRank1), the shorter
// one gets a trailing axis of size 1.
func kerasSameRank(x1, x2 *Node, expandRank1 bool) (*Node, *Node) {
	r1, r2 := x1.Rank(), x2.Rank()
	if r1 == r2+1 && x1.Shape().Dimensions[r1-1] == 1 {
		if r2 == 1 && expandRank1 {
			x2 = ExpandAxes(x2, -1)
		} else {
			x1 = Squeeze(x1, -1)
		}
	}
	if r2 == r1+1 && x2.Shape().Dimensions[r2-1] == 1 {
		if r1 == 1 && expandRank1 {
			x1 = ExpandAxes(x1, -1)
		} else {
			x2 = Squeeze(x2, -1)
		}
	}
	return x1, x2
}

// numpyBroadcast broadcasts a and b to their common shape with NumPy's rules (aligned on the right, 1s
// stretched), or panics naming both shapes.
func numpyBroadcast(fn, aName string, a *Node, bName string, b *Node) (*Node, *Node) {
	rank := max(a.Rank(), b.Rank())
	pad := func(x *Node) []int {
		dims := make([]int, rank)
		for i := range dims {
			dims[i] = 1
		}
		copy(dims[rank-x.Rank():], x.Shape().Dimensions)
		return dims
	}
	da, db := pad(a), pad(b)
	out := make([]int, rank)
	for i := range out {
		switch {
		case da[i] == db[i] || db[i] == 1:
			out[i] = da[i]
		case da[i] == 1:
			out[i] = db[i]
		default:
			panicf(fn, "%s %s does not broadcast with %s %s", bName, b.Shape(), aName, a.Shape())
		}
	}
	expand := func(x *Node, dims []int) *Node {
		if slices.Equal(x.Shape().Dimensions, out) {
			return x
		}
		return BroadcastToDims(Reshape(x, dims...), out...)
	}
	return expand(a, da), expand(b, db)
}

// divideNoNaN is Keras's ops.divide_no_nan: x / y, and 0 where y is 0 (with a zero gradient there).
func divideNoNaN(x, y *Node) *Node {
	zero := ZerosLike(y)
	isZero := Equal(y, zero)
	safe := Where(isZero, OnesLike(y), y)
	q := Div(x, safe)
	return Where(isZero, ZerosLike(q), q)
}

// kerasReduce is Keras's reduce_weighted_values with apply_mask: the mask becomes weights (scaled by
// total/valid for "sum_over_batch_size" and "mean", so that those reductions average over the valid values),
// the weights multiply the values, and the reduction follows.
func kerasReduce(fn string, values, sw, mask *Node, reduction string) *Node {
	dt := values.DType()
	if mask != nil {
		var fm *Node
		if reduction == "mean" || reduction == "sum_over_batch_size" {
			total := Scalar(values.Graph(), dt, float64(mask.Shape().Size()))
			valid := ReduceAllSum(ConvertDType(mask, dt))
			w := BroadcastToShape(divideNoNaN(total, valid), mask.Shape())
			fm = Where(mask, w, ZerosLike(w))
		} else {
			fm = ConvertDType(mask, dt)
		}
		if sw != nil {
			fm, sw = kerasSameRank(fm, sw, true)
			fm, sw = numpyBroadcast(fn, "mask", fm, "sample_weight", sw)
			sw = Mul(sw, fm)
		} else {
			sw = fm
		}
	}
	if sw != nil {
		values, sw = kerasSameRank(values, sw, true)
		var w *Node
		values, w = numpyBroadcast(fn, "loss values", values, "sample_weight", sw)
		values = Mul(values, w)
	}
	if reduction == "none" || values.Rank() == 0 {
		return values
	}
	loss := ReduceAllSum(values)
	switch reduction {
	case "sum":
		return loss
	case "mean_with_sample_weight":
		if sw != nil {
			return divideNoNaN(loss, ReduceAllSum(sw))
		}
	}
	return divideNoNaN(loss, Scalar(values.Graph(), dt, float64(values.Shape().Size())))
}

// kerasRegistry maps Keras 3's class names to their entries. Every loss takes reduction.
var kerasRegistry = func() map[string]kerasEntry {
	entries := []kerasEntry{
		{name: "MeanSquaredError", call: kerasMeanSquaredError},
		{name: "MeanAbsoluteError", call: kerasMeanAbsoluteError},
		{name: "MeanAbsolutePercentageError", call: kerasMeanAbsolutePercentageError},
		{name: "MeanSquaredLogarithmicError", call: kerasMeanSquaredLogarithmicError},
		{name: "CosineSimilarity", args: []string{"axis"}, call: kerasCosineSimilarity},
		{name: "Huber", args: []string{"delta"}, defaults: func(c *kerasConfig) { c.delta = 1 }, call: kerasHuber},
		{name: "LogCosh", call: kerasLogCosh},
		{name: "Hinge", call: kerasHinge},
		{name: "SquaredHinge", call: kerasSquaredHinge},
		{name: "CategoricalHinge", call: kerasCategoricalHinge},
		{name: "KLDivergence", call: kerasKLDivergence},
		{name: "Poisson", call: kerasPoisson},
		{name: "BinaryCrossentropy", args: []string{"from_logits", "label_smoothing", "axis"},
			call: kerasBinaryCrossentropy},
		{name: "BinaryFocalCrossentropy",
			args:     []string{"apply_class_balancing", "alpha", "gamma", "from_logits", "label_smoothing", "axis"},
			defaults: func(c *kerasConfig) { c.alpha, c.gamma = 0.25, 2 }, call: kerasBinaryFocalCrossentropy},
		{name: "CategoricalCrossentropy", args: []string{"from_logits", "label_smoothing", "axis"},
			call: kerasCategoricalCrossentropy},
		{name: "CategoricalFocalCrossentropy", args: []string{"alpha", "gamma", "from_logits", "label_smoothing", "axis"},
			defaults: func(c *kerasConfig) { c.alpha, c.gamma = 0.25, 2 }, call: kerasCategoricalFocalCrossentropy},
		{name: "SparseCategoricalCrossentropy", args: []string{"from_logits", "ignore_class", "axis"}, intLabels: true,
			call: kerasSparseCategoricalCrossentropy},
		{name: "CategoricalGeneralizedCrossEntropy", args: []string{"q"}, intLabels: true,
			defaults: func(c *kerasConfig) { c.q = 0.5 }, call: kerasCategoricalGeneralizedCrossEntropy},
		{name: "Dice", args: []string{"axis"}, defaults: func(c *kerasConfig) { c.allAxes = true }, call: kerasDice},
		{name: "Tversky", args: []string{"alpha", "beta", "axis"},
			defaults: func(c *kerasConfig) { c.alpha, c.beta, c.allAxes = 0.5, 0.5, true }, call: kerasTversky},
	}
	m := make(map[string]kerasEntry, len(entries))
	for _, e := range entries {
		e.args = append(e.args, "reduction")
		if _, dup := m[e.name]; dup {
			panic("losses: duplicate Keras registry entry " + e.name)
		}
		m[e.name] = e
	}
	return m
}()
