package training_test

import (
	"fmt"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/lossbook/lossbook/training"
)

// The Hugging Face no_decay list matches GoMLX's layers through the names torch would give their variables.
func ExampleTorchName() {
	ctx := context.New()
	noDecay := training.NameContains("bias", "LayerNorm.weight")
	for _, v := range []*context.Variable{
		ctx.InAbsPath("/layer_0/ffn/hidden/dense").VariableWithShape("weights", shapes.Make(dtypes.Float32, 8, 16)),
		ctx.InAbsPath("/layer_0/ffn/hidden/dense").VariableWithShape("biases", shapes.Make(dtypes.Float32, 16)),
		ctx.InAbsPath("/layer_0/ffn_norm/layer_normalization").VariableWithShape("gain", shapes.Make(dtypes.Float32, 8)),
		ctx.InAbsPath("/layer_0/ffn_norm/layer_normalization").VariableWithShape("offset", shapes.Make(dtypes.Float32, 8)),
	} {
		fmt.Printf("%-45s %-36s no decay: %v\n", v.ScopeAndName(), training.TorchName(v), noDecay(v))
	}
	// Output:
	// /layer_0/ffn/hidden/dense/weights             layer_0.ffn.hidden.weight            no decay: false
	// /layer_0/ffn/hidden/dense/biases              layer_0.ffn.hidden.bias              no decay: true
	// /layer_0/ffn_norm/layer_normalization/gain    layer_0.ffn_norm.LayerNorm.weight    no decay: true
	// /layer_0/ffn_norm/layer_normalization/offset  layer_0.ffn_norm.LayerNorm.bias      no decay: true
}
