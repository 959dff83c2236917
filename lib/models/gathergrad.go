package models

import (
	"fmt"
	"reflect"
	"slices"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// This file extends GoMLX v0.26's gradient of Gather to gathers whose slice axes are not the output's trailing
// axes, such as the embedding lookup of BagOfEmbeddings, which gathers [batch, dim, seq] so that the masked sum
// over seq is a matrix product with the contracting axis last (GoMLX's pure-Go backend otherwise transposes the
// [batch, seq, dim] embeddings in every product). GoMLX's own gradient assumes trailing slice axes: it panics on
// other layouts, or, when two dimensions happen to be equal (dim == seq), silently scatters the adjoint in the
// wrong layout.
//
// The gradient of Gather(operand, indices, indexVectorAxis, offsetAxes, collapsedAxes, startIndexMap, sizes) is
// the scatter-add of the adjoint v into zeros shaped like the operand, with the same index layout: update window
// axes = offsetAxes, inserted window axes = collapsedAxes, scatter axes = startIndexMap (for indices in range;
// out-of-range ones are clamped by the gather). gatherVJP builds it for those layouts and leaves every gather
// with trailing slice axes to GoMLX's own gradient. It is installed when the package is loaded, as lib/dotgrad
// installs the matrix-product gradients.

// stockGatherVJP is GoMLX's gradient of Gather.
var stockGatherVJP = VJPRegistration[NodeTypeGather]

func init() { VJPRegistration[NodeTypeGather] = gatherVJP }

// gatherParams are a Gather node's parameters.
type gatherParams struct {
	indexVectorAxis                          int
	offsetAxes, collapsedAxes, startIndexMap []int
	sorted                                   bool
}

// gatherVJP is the gradient of Gather: GoMLX's own for trailing slice axes, else a scatter-add with the gather's
// index layout (see the top of this file).
func gatherVJP(node *Node, vjps []*Node, outputShape shapes.Shape) []*Node {
	p := readGatherParams(node)
	if trailingAxes(p.offsetAxes, node.Rank()) || !slices.Equal(p.collapsedAxes, p.startIndexMap) {
		return stockGatherVJP(node, vjps, outputShape)
	}
	operand, indices := node.Inputs()[0], node.Inputs()[1]
	grad := BackendScatterSum(Zeros(node.Graph(), operand.Shape()), indices, vjps[0], p.indexVectorAxis,
		p.offsetAxes, p.collapsedAxes, p.startIndexMap, p.sorted, false)
	return []*Node{grad, nil} // no gradient for the indices
}

// trailingAxes reports whether axes are the last len(axes) axes of a rank-r shape, in order.
func trailingAxes(axes []int, rank int) bool {
	for i, axis := range axes {
		if axis != rank-len(axes)+i {
			return false
		}
	}
	return true
}

// readGatherParams reads a Gather node's parameters, which GoMLX v0.26 keeps in unexported fields.
func readGatherParams(node *Node) gatherParams {
	fail := func(what string) {
		panic(fmt.Sprintf("models: cannot read %s of %s: GoMLX's node layout changed (this code is written for "+
			"GoMLX v0.26.0)", what, node))
	}
	inputs := reflect.ValueOf(node).Elem().FieldByName("inputs")
	for inputs.IsValid() && (inputs.Kind() == reflect.Interface || inputs.Kind() == reflect.Pointer) {
		inputs = inputs.Elem()
	}
	if !inputs.IsValid() || inputs.Kind() != reflect.Struct {
		fail("the inputs")
	}
	ints := func(name string) []int {
		f := inputs.FieldByName(name)
		if f.Kind() != reflect.Slice || f.Type().Elem().Kind() != reflect.Int {
			fail(name)
		}
		out := make([]int, f.Len())
		for i := range out {
			out[i] = int(f.Index(i).Int())
		}
		return out
	}
	axis, sorted := inputs.FieldByName("indexVectorAxis"), inputs.FieldByName("indicesAreSorted")
	if axis.Kind() != reflect.Int || sorted.Kind() != reflect.Bool {
		fail("indexVectorAxis or indicesAreSorted")
	}
	return gatherParams{
		indexVectorAxis: int(axis.Int()),
		offsetAxes:      ints("offsetOutputAxes"),
		collapsedAxes:   ints("collapsedSliceAxes"),
		startIndexMap:   ints("startIndexMap"),
		sorted:          sorted.Bool(),
	}
}
