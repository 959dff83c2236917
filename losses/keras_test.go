package losses

import (
	"math"
	"slices"
	"strings"
	"testing"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX's idiom.
)

// TestNewKerasErrors: bad names, arguments and values give one error naming what was wrong and what is valid.
func TestNewKerasErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		args map[string]any
		want string
	}{
		{"CrossEntropyLoss", nil, `unknown Keras loss "CrossEntropyLoss" (valid: BinaryCrossentropy,`},
		{"categorical_crossentropy", nil, `unknown Keras loss "categorical_crossentropy"`},
		{"CategoricalCrossentropy", map[string]any{"ignore_index": -100}, `unknown argument "ignore_index" (valid: from_logits, label_smoothing, axis, reduction)`},
		{"CategoricalCrossentropy", map[string]any{"from_logits": 1}, `argument "from_logits" must be true or false, got 1 (int)`},
		{"CategoricalCrossentropy", map[string]any{"label_smoothing": 1.5}, `argument "label_smoothing" must be a number in [0, 1], got 1.5`},
		{"CategoricalCrossentropy", map[string]any{"label_smoothing": math.NaN()}, `argument "label_smoothing" must be a number in [0, 1], got NaN`},
		{"CategoricalCrossentropy", map[string]any{"axis": true}, `argument "axis" must be an integer, got true (bool)`},
		{"CategoricalCrossentropy", map[string]any{"axis": 1.5}, `argument "axis" must be an integer, got 1.5`},
		{"MeanSquaredError", map[string]any{"reduction": "mean_with_weights"}, `argument "reduction" must be one of "sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none" or nil`},
		{"MeanSquaredError", map[string]any{"reduction": "batchmean"}, `argument "reduction" must be one of`},
		{"MeanSquaredError", map[string]any{"name": "mse"}, `unknown argument "name" (valid: reduction)`},
		{"Huber", map[string]any{"delta": 0}, `argument "delta" must be a number > 0, finite, got 0`},
		{"CategoricalGeneralizedCrossEntropy", map[string]any{"q": 1.0}, `argument "q" must be a number in (0, 1), got 1`},
		{"SparseCategoricalCrossentropy", map[string]any{"ignore_class": 0.5}, `argument "ignore_class" must be an integer or nil, got 0.5`},
		{"SparseCategoricalCrossentropy", map[string]any{"ignore_class": false}, `argument "ignore_class" must be an integer or nil`},
		{"Dice", map[string]any{"axis": []any{1.0, "x"}}, `argument "axis" must be an integer, a list of integers, or nil`},
		{"Tversky", map[string]any{"alpha": math.Inf(1)}, `argument "alpha" must be a finite number, got +Inf`},
		{"BinaryFocalCrossentropy", map[string]any{"gamma": "2"}, `argument "gamma" must be a finite number, got 2 (string)`},
	} {
		_, err := NewKeras(tc.name, tc.args)
		if err == nil {
			t.Errorf("NewKeras(%q, %v): no error, want %q", tc.name, tc.args, tc.want)
			continue
		}
		if !strings.HasPrefix(err.Error(), "losses: ") || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("NewKeras(%q, %v): error %q, want it to contain %q", tc.name, tc.args, err, tc.want)
		}
	}
	for _, name := range KerasNames() {
		if _, err := NewKeras(name, map[string]any{"reduction": nil}); err != nil {
			t.Errorf("NewKeras(%q, reduction=None): %v", name, err)
		}
	}
	if KerasArgs("Nope") != nil || len(KerasNames()) != 20 {
		t.Errorf("KerasArgs(Nope) = %v, KerasNames() has %d names, want nil and 20", KerasArgs("Nope"), len(KerasNames()))
	}
}

// TestKerasShapePanics: graph-building mistakes panic with the "losses:" prefix, the Keras name and the shapes.
func TestKerasShapePanics(t *testing.T) {
	keras := func(name string, args map[string]any) func(in []*Node) {
		l, err := NewKeras(name, args)
		if err != nil {
			t.Fatal(err)
		}
		return func(in []*Node) { l(in...) }
	}
	for _, tc := range []struct {
		name   string
		f      func(in []*Node)
		shapes [][]int
		want   string
	}{
		{"one input", keras("MeanSquaredError", nil), [][]int{{2, 3}}, "keras.MeanSquaredError: takes 2 or 3 inputs (y_true, y_pred[, sample_weight]), got 1"},
		{"shapes", keras("MeanSquaredError", nil), [][]int{{2, 3}, {2, 4}}, "y_true (Float32)[2 3] and y_pred (Float32)[2 4] must have the same shape"},
		{"int y_pred", keras("MeanSquaredError", nil), [][]int{{2, 3}, {-2, 3}}, "y_pred (Int32)[2 3] must have a float dtype"},
		{"empty", keras("Huber", nil), [][]int{{0, 3}, {0, 3}}, "want non-empty tensors"},
		{"weights", keras("MeanSquaredError", nil), [][]int{{2, 3}, {2, 3}, {3}}, "sample_weight (Float32)[3] does not broadcast with loss values (Float32)[2]"},
		{"axis", keras("CategoricalCrossentropy", map[string]any{"axis": 2}), [][]int{{2, 3}, {2, 3}}, "axis 2 out of range for y_pred (Float32)[2 3]"},
		{"sparse labels", keras("SparseCategoricalCrossentropy", nil), [][]int{{-4}, {2, 3}}, "y_true (Int32)[4] does not match y_pred (Float32)[2 3]"},
		{"sparse axis", keras("SparseCategoricalCrossentropy", map[string]any{"axis": 0}), [][]int{{-3}, {2, 3}}, "takes the class axis last"},
		{"dice axes", keras("Dice", map[string]any{"axis": []any{1, -1}}), [][]int{{2, 3}, {2, 3}}, "axis [1 -1] repeats an axis"},
	} {
		msg := buildPanic(t, tc.f, tc.shapes...)
		if !strings.HasPrefix(msg, "losses: ") || !strings.Contains(msg, tc.want) {
			t.Errorf("%s: panic %q, want it to contain %q", tc.name, msg, tc.want)
		}
	}
}

// TestKerasMatchesTorch: where Keras and PyTorch define the same number, NewKeras and New agree (float64).
func TestKerasMatchesTorch(t *testing.T) {
	backend := backendForTest(t)
	logits := [][]float64{{2, 0.5, -1, 0.3}, {0.1, 0.2, 3, -2}, {1, 1, 1, 1}, {-0.7, 4, 0.2, 0.1}}
	labels := []int64{0, 2, -100, 1}
	onehot := [][]float64{{1, 0, 0, 0}, {0, 0, 1, 0}, {0, 0, 0, 1}, {0, 1, 0, 0}}
	targets := [][]float64{{1, 0, 1, 0}, {0, 0, 1, 1}, {0.3, 0.2, 1, 0}, {0, 1, 0, 0.5}}
	mustKeras := func(name string, args map[string]any) KerasLoss {
		l, err := NewKeras(name, args)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	mustTorch := func(name string, args map[string]any) Loss {
		l, err := New(name, args)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	for _, tc := range []struct {
		name         string
		keras        KerasLoss
		torch        Loss
		yTrue, yPred any
	}{
		{"CCE logits = CrossEntropyLoss", mustKeras("CategoricalCrossentropy", map[string]any{"from_logits": true, "label_smoothing": 0.1}),
			mustTorch("CrossEntropyLoss", map[string]any{"label_smoothing": 0.1}), onehot, logits},
		{"SCCE ignore_class = ignore_index", mustKeras("SparseCategoricalCrossentropy", map[string]any{"from_logits": true, "ignore_class": -100}),
			mustTorch("CrossEntropyLoss", nil), labels, logits},
		{"MSE", mustKeras("MeanSquaredError", nil), mustTorch("MSELoss", nil), targets, logits},
		{"MAE", mustKeras("MeanAbsoluteError", nil), mustTorch("L1Loss", nil), targets, logits},
		{"Huber", mustKeras("Huber", map[string]any{"delta": 0.7}), mustTorch("HuberLoss", map[string]any{"delta": 0.7}), targets, logits},
		{"BCE logits", mustKeras("BinaryCrossentropy", map[string]any{"from_logits": true}), mustTorch("BCEWithLogitsLoss", nil), targets, logits},
	} {
		got := MustExecOnce(backend, func(y, p *Node) *Node { return tc.keras(y, p) }, tc.yTrue, tc.yPred).Value().(float64)
		want := MustExecOnce(backend, func(y, p *Node) *Node { return tc.torch(p, y) }, tc.yTrue, tc.yPred).Value().(float64)
		if math.Abs(got-want) > 1e-12*math.Max(1, math.Abs(want)) {
			t.Errorf("%s: keras %.17g, torch %.17g", tc.name, got, want)
		}
	}
}

// TestKerasLossFn: the train.LossFn adapter passes labels[0] as y_true, predictions[0] as y_pred and labels[1]
// as the sample weights.
func TestKerasLossFn(t *testing.T) {
	backend := backendForTest(t)
	l, err := NewKeras("MeanSquaredError", nil)
	if err != nil {
		t.Fatal(err)
	}
	y, p, w := [][]float64{{1, 2}, {3, 4}}, [][]float64{{0, 2}, {3, 6}}, []float64{2, 0.5}
	direct := MustExecOnce(backend, func(y, p, w *Node) *Node { return l(y, p, w) }, y, p, w).Value().(float64)
	viaFn := MustExecOnce(backend, func(y, p, w *Node) *Node {
		return l.LossFn()([]*Node{y, w}, []*Node{p})
	}, y, p, w).Value().(float64)
	// Per-sample means 0.5 and 2, weighted 1 and 1, over 2 samples.
	if direct != 1 || viaFn != 1 {
		t.Errorf("MeanSquaredError with weights: direct %v, LossFn %v, want 1", direct, viaFn)
	}
}

// FuzzNewKeras: NewKeras with any name and keyword argument (of any kind of value) returns a loss or an error
// that starts with "losses:"; it never panics.
func FuzzNewKeras(f *testing.F) {
	for _, name := range KerasNames() {
		for _, arg := range KerasArgs(name) {
			f.Add(name, arg, "none", 0.1, int64(-1), true)
		}
	}
	f.Add("Dice", "axis", "", math.NaN(), int64(1<<40), false)
	f.Add("nosuch", "", "\xff", 0.0, int64(0), false)
	f.Fuzz(func(t *testing.T, name, key, s string, x float64, i int64, b bool) {
		for _, value := range []any{s, x, i, int(i), b, float32(x), []float64{x, x}, []any{i, x}, nil} {
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("NewKeras(%q, {%q: %#v}) panicked: %v", name, key, value, r)
					}
				}()
				l, err := NewKeras(name, map[string]any{key: value})
				if (err == nil) == (l == nil) || err != nil && !strings.HasPrefix(err.Error(), "losses: ") {
					t.Fatalf("NewKeras(%q, {%q: %#v}) = (%v, %v)", name, key, value, l != nil, err)
				}
			}()
		}
	})
}

// TestKerasTieGradients: maximum, minimum and clip split the gradient at a tie, as JAX does (Keras's KLDivergence
// of a one-class probability of exactly 1 has gradient -½·y/p there, not 0). Found by kerasparity, seed 7.
func TestKerasTieGradients(t *testing.T) {
	backend := backendForTest(t)
	x := []float64{-1, 0, 0.5, 1, 2}
	grads := MustExecOnceN(backend, func(x *Node) []*Node {
		return []*Node{
			Gradient(ReduceAllSum(kerasMax(x, 0)), x)[0],
			Gradient(ReduceAllSum(kerasMin(x, 1)), x)[0],
			Gradient(ReduceAllSum(kerasClipTo(x, 0, 1)), x)[0],
		}
	}, x)
	for i, want := range [][]float64{{0, 0.5, 1, 1, 1}, {1, 1, 1, 0.5, 0}, {0, 0.5, 1, 0.5, 0}} {
		if got := grads[i].Value().([]float64); !slices.Equal(got, want) {
			t.Errorf("gradient %d at %v: got %v, want %v", i, x, got, want)
		}
	}
}
