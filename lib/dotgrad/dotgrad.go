// Package dotgrad gives GoMLX's Dot and DotGeneral operations gradients that are themselves matrix
// multiplications, so that training never materialises an M x N x K tensor.
//
// GoMLX v0.26.0 builds the gradient of every Dot and DotGeneral (and so of every layers.Dense, Einsum and
// attention product) as a broadcast multiply followed by a reduce-sum. XLA fuses the two; GoMLX's pure-Go
// backend does not, so the gradient of a [2048, 128] x [128, 8000] output layer allocates two 8.4 GB tensors.
// This package replaces the two entries of graph.VJPRegistration, GoMLX's table of gradients, with ones that
// compute, for out = DotGeneral(lhs, rhs):
//
//	grad_lhs = v · rhsᵀ   (contract v's rhs-cross axes with rhs's cross axes, batch on the batch axes)
//	grad_rhs = lhsᵀ · v   (contract lhs's cross axes with v's lhs-cross axes, batch on the batch axes)
//
// generalised to any number of batch, contracting and cross axes, each followed by at most one transpose
// that puts the axes back in the operand's order. The values equal GoMLX's own gradients up to the order
// of floating-point summation (the tests compare them on a table of Dot, DotGeneral and Einsum cases).
//
// Importing the package installs the gradients (its init calls Install). The root package
// github.com/lossbook/lossbook/lib imports it, so every program that takes its backend from lib.Backend
// gets them. Install and Uninstall are for programs that want to switch explicitly; they modify a global
// table and must not run while another goroutine builds a gradient.
package dotgrad

import (
	"fmt"
	"reflect"
	"slices"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// stock holds GoMLX's own gradients, saved before Install replaces them, for Uninstall and the tests.
var stock = map[NodeType]VJP{
	NodeTypeDot:        VJPRegistration[NodeTypeDot],
	NodeTypeDotGeneral: VJPRegistration[NodeTypeDotGeneral],
}

func init() { Install() }

// Install puts this package's gradients of Dot and DotGeneral into graph.VJPRegistration. It is idempotent,
// and it runs when the package is imported.
func Install() {
	VJPRegistration[NodeTypeDot] = dotVJP
	VJPRegistration[NodeTypeDotGeneral] = dotGeneralVJP
}

// Uninstall restores GoMLX's own gradients of Dot and DotGeneral (broadcast multiply and reduce-sum).
func Uninstall() {
	for t, vjp := range stock {
		VJPRegistration[t] = vjp
	}
}

// Installed reports whether this package's gradients are the ones in graph.VJPRegistration.
func Installed() bool {
	return reflect.ValueOf(VJPRegistration[NodeTypeDot]).Pointer() == reflect.ValueOf(VJP(dotVJP)).Pointer() &&
		reflect.ValueOf(VJPRegistration[NodeTypeDotGeneral]).Pointer() == reflect.ValueOf(VJP(dotGeneralVJP)).Pointer()
}

// Axes describes one DotGeneral: which axes of each operand are contracted and which are batch axes, in the
// order they are paired. Every other axis is a cross axis; the output is [batch..., lhs cross..., rhs cross...].
type Axes struct {
	LHSContracting, LHSBatch []int
	RHSContracting, RHSBatch []int
}

// Gradients returns the gradients of out = DotGeneral(lhs, axes.LHSContracting, axes.LHSBatch, rhs,
// axes.RHSContracting, axes.RHSBatch) with respect to lhs and rhs, given v, the gradient with respect to out
// (same shape as out). Each is one DotGeneral, plus a transpose when its axes come out in another order than
// the operand's. Axes must be non-negative.
//
// It panics if v's shape is not the shape of the DotGeneral's output.
func Gradients(lhs, rhs, v *Node, axes Axes) (gradLHS, gradRHS *Node) {
	lhsCross := crossAxes(lhs.Rank(), axes.LHSContracting, axes.LHSBatch)
	rhsCross := crossAxes(rhs.Rank(), axes.RHSContracting, axes.RHSBatch)
	nBatch := len(axes.LHSBatch)
	if want := outputShape(lhs, rhs, axes, lhsCross, rhsCross); !v.Shape().Equal(want) {
		panic(fmt.Sprintf("dotgrad: Gradients: v %s does not match the DotGeneral output %s of lhs %s and rhs %s",
			v.Shape(), want, lhs.Shape(), rhs.Shape()))
	}
	// Axes of v: [batch (0..nBatch), lhs cross (nBatch..), rhs cross (..rank)].
	vBatch := iota(0, nBatch)
	vLHSCross := iota(nBatch, len(lhsCross))
	vRHSCross := iota(nBatch+len(lhsCross), len(rhsCross))

	// grad_lhs: v contracted with rhs over the rhs cross axes. The free axes of rhs left are its contracting
	// axes, which pair with lhs's contracting axes.
	gradLHS = contractAndPlace(
		operand{node: v, batch: vBatch, contracting: vRHSCross, free: vLHSCross},
		operand{node: rhs, batch: axes.RHSBatch, contracting: rhsCross, free: axes.RHSContracting},
		target{rank: lhs.Rank(), batch: axes.LHSBatch, fromA: lhsCross, fromB: axes.LHSContracting},
	)
	// grad_rhs: lhs contracted with v over the lhs cross axes. The free axes of lhs left are its contracting
	// axes, which pair with rhs's contracting axes.
	gradRHS = contractAndPlace(
		operand{node: v, batch: vBatch, contracting: vLHSCross, free: vRHSCross},
		operand{node: lhs, batch: axes.LHSBatch, contracting: lhsCross, free: axes.LHSContracting},
		target{rank: rhs.Rank(), batch: axes.RHSBatch, fromA: rhsCross, fromB: axes.RHSContracting},
	)
	return gradLHS, gradRHS
}

// operand of one gradient DotGeneral: its batch and contracting axes, and its free (cross) axes in the order
// that they must pair with the target's axes.
type operand struct {
	node                     *Node
	batch, contracting, free []int
}

// target says where the gradient's axes go: batch axes of the DotGeneral to target axes batch[i], the free
// axes of operand a to fromA[i] and those of operand b to fromB[i].
type target struct {
	rank                int
	batch, fromA, fromB []int
}

// contractAndPlace computes DotGeneral(a, b) over their contracting and batch axes and transposes the result
// into the target's axis order. It tries both operand orders and keeps the one that needs no transpose, if any.
func contractAndPlace(a, b operand, t target) *Node {
	build := func(first, second operand, firstTarget, secondTarget []int) (perm []int) {
		// DotGeneral output axes: batch, then first's free axes in increasing axis order, then second's.
		perm = make([]int, t.rank) // perm[targetAxis] = DotGeneral output axis.
		for i, axis := range t.batch {
			perm[axis] = i
		}
		pos := len(t.batch)
		for _, src := range []struct {
			free, targetAxes []int
		}{{first.free, firstTarget}, {second.free, secondTarget}} {
			sorted := slices.Clone(src.free)
			slices.Sort(sorted)
			for i, axis := range src.free {
				perm[src.targetAxes[i]] = pos + slices.Index(sorted, axis)
			}
			pos += len(sorted)
		}
		return perm
	}
	permAB := build(a, b, t.fromA, t.fromB)
	permBA := build(b, a, t.fromB, t.fromA)
	first, second, perm := a, b, permAB
	if !isIdentity(permAB) && isIdentity(permBA) {
		first, second, perm = b, a, permBA
	}
	out := DotGeneral(first.node, first.contracting, first.batch, second.node, second.contracting, second.batch)
	if !isIdentity(perm) {
		out = TransposeAllAxes(out, perm...)
	}
	return out
}

// dotGeneralVJP is the graph.VJP of a DotGeneral node.
func dotGeneralVJP(node *Node, vjpOutputs []*Node, _ shapes.Shape) []*Node {
	inputs := node.Inputs()
	gradLHS, gradRHS := Gradients(inputs[0], inputs[1], vjpOutputs[0], dotGeneralAxes(node))
	return []*Node{gradLHS, gradRHS}
}

// dotVJP is the graph.VJP of a Dot node: vector·vector, matrix·vector or matrix·matrix.
func dotVJP(node *Node, vjpOutputs []*Node, _ shapes.Shape) []*Node {
	lhs, rhs := node.Inputs()[0], node.Inputs()[1]
	if lhs.Rank() < 1 || lhs.Rank() > 2 || rhs.Rank() < 1 || rhs.Rank() > 2 || (lhs.Rank() == 1 && rhs.Rank() == 2) {
		panic(fmt.Sprintf("dotgrad: Dot of lhs %s and rhs %s: GoMLX's Dot takes vector·vector, matrix·vector "+
			"or matrix·matrix", lhs.Shape(), rhs.Shape()))
	}
	gradLHS, gradRHS := Gradients(lhs, rhs, vjpOutputs[0], Axes{
		LHSContracting: []int{lhs.Rank() - 1}, LHSBatch: []int{},
		RHSContracting: []int{0}, RHSBatch: []int{},
	})
	return []*Node{gradLHS, gradRHS}
}

// dotGeneralAxes reads the contracting and batch axes of a DotGeneral node. GoMLX v0.26.0 keeps them in
// unexported fields (node.inputs, a *nodeInputsDotGeneral) with no accessor, so they are read by reflection,
// which can read (not write) unexported fields. TestDotGeneralAxes fails if a GoMLX upgrade changes them.
func dotGeneralAxes(node *Node) Axes {
	inputs := reflect.ValueOf(node).Elem().FieldByName("inputs")
	if inputs.Kind() == reflect.Interface {
		inputs = inputs.Elem()
	}
	if inputs.Kind() == reflect.Pointer {
		inputs = inputs.Elem()
	}
	read := func(name string) []int {
		if inputs.Kind() != reflect.Struct {
			panic(fmt.Sprintf("dotgrad: cannot read the axes of %s: GoMLX's node layout changed (want node.inputs "+
				"to point to a struct, got %s); dotgrad is written for GoMLX v0.26.0", node, inputs.Kind()))
		}
		f := inputs.FieldByName(name)
		if f.Kind() != reflect.Slice || f.Type().Elem().Kind() != reflect.Int {
			panic(fmt.Sprintf("dotgrad: cannot read %s of %s: GoMLX's node layout changed; dotgrad is written for "+
				"GoMLX v0.26.0", name, node))
		}
		axes := make([]int, f.Len())
		for i := range axes {
			axes[i] = int(f.Index(i).Int())
		}
		return axes
	}
	return Axes{
		LHSContracting: read("lhsContractingAxes"), LHSBatch: read("lhsBatchAxes"),
		RHSContracting: read("rhsContractingAxes"), RHSBatch: read("rhsBatchAxes"),
	}
}

// crossAxes lists, in increasing order, the axes that are neither contracting nor batch.
func crossAxes(rank int, contracting, batch []int) []int {
	var cross []int
	for axis := range rank {
		if !slices.Contains(contracting, axis) && !slices.Contains(batch, axis) {
			cross = append(cross, axis)
		}
	}
	return cross
}

// outputShape is the shape of DotGeneral(lhs, rhs) for the given axes.
func outputShape(lhs, rhs *Node, axes Axes, lhsCross, rhsCross []int) shapes.Shape {
	var dims []int
	for _, axis := range axes.LHSBatch {
		dims = append(dims, lhs.Shape().Dimensions[axis])
	}
	for _, axis := range lhsCross {
		dims = append(dims, lhs.Shape().Dimensions[axis])
	}
	for _, axis := range rhsCross {
		dims = append(dims, rhs.Shape().Dimensions[axis])
	}
	return shapes.Make(lhs.DType(), dims...)
}

func iota(start, n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = start + i
	}
	return s
}

func isIdentity(perm []int) bool {
	for i, p := range perm {
		if i != p {
			return false
		}
	}
	return true
}
