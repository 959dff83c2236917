package training_test

import (
	"fmt"
	"io"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX graph code reads best with the dot import.
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/lossbook/lossbook/lib"
	"github.com/lossbook/lossbook/training"
)

// optax's optimizers take optax's names; torch's take torch's.
func ExampleNewOptimizer_optax() {
	lamb, _ := training.NewOptimizer("LAMB", map[string]any{"learning_rate": 1e-3, "weight_decay": 0.01,
		"no_decay": []any{"bias", "LayerNorm.weight"}})
	fmt.Println(lamb)
	lion, _ := training.NewOptimizer("Lion", map[string]any{"learning_rate": 1e-4, "weight_decay": 0.1})
	fmt.Println(lion)
	adafactor, _ := training.NewOptimizer("Adafactor", map[string]any{"learning_rate": 1e-2, "momentum": nil})
	fmt.Println(adafactor)
	rmsprop, _ := training.NewOptimizer("RMSprop", map[string]any{"lr": 1e-3, "centered": true})
	fmt.Println(rmsprop)
	// Output:
	// lamb(learning_rate=0.001, b1=0.9, b2=0.999, eps=1e-06, eps_root=0, weight_decay=0.01)
	// lion(learning_rate=0.0001, b1=0.9, b2=0.99, mu_dtype=None, weight_decay=0.1)
	// adafactor(learning_rate=0.01, min_dim_size_to_factor=128, decay_rate=0.8, decay_offset=0, multiply_by_parameter_scale=true, clipping_threshold=1, momentum=None, dtype_momentum=float32, weight_decay_rate=None, eps=1e-30, factored=true)
	// RMSprop(lr=0.001, alpha=0.99, eps=1e-08, weight_decay=0, momentum=0, centered=true)
}

// The optimizer state of a 256×512 layer (131,072 float32 weights, 512 biases): Adam keeps two moments per
// parameter, Lion one, Adafactor a row and a column for the matrix.
func ExampleStateBytes() {
	data, _ := training.NewTensorDataset([][]float32{make([]float32, 256)}, [][]float32{make([]float32, 512)})
	loss := func(ctx *context.Context, batch []*Node) (sum, count *Node) {
		g := batch[0].Graph()
		w := ctx.In("dense").VariableWithValue("weights", tensors.FromShape(shapes.Make(dtypes.Float32, 256, 512))).ValueGraph(g)
		b := ctx.In("dense").VariableWithValue("biases", make([]float32, 512)).ValueGraph(g)
		diff := Sub(Add(Dot(batch[0], w), InsertAxes(b, 0)), batch[1])
		return ReduceAllSum(Square(diff)), Scalar(g, w.DType(), 512)
	}
	for _, opt := range []training.Optimizer{training.NewAdamW(), training.NewLion(1e-4), training.NewAdafactor()} {
		ctx := context.New()
		_, err := training.Train(lib.MustBackend(), ctx, data, loss, training.Config{Optimizer: opt, Steps: 1,
			Progress: io.Discard})
		fmt.Printf("%-9s %7d bytes, %v\n", opt.Name(), training.StateBytes(ctx, opt), err)
	}
	// Output:
	// AdamW     1052712 bytes, <nil>
	// Lion       526376 bytes, <nil>
	// Adafactor    5160 bytes, <nil>
}
