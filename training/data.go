package training

import (
	"fmt"

	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// Dataset is what Train reads: a fixed number of examples that can be gathered into a batch by index. Train
// decides the order (shuffled with its own, checkpointed RNG) and the batch sizes, so a resumed run sees exactly
// the batches an uninterrupted run would have seen.
type Dataset interface {
	// Len is the number of examples.
	Len() int
	// Batch gathers the examples at indices, in that order, into the inputs of one batch (each tensor's first
	// axis is the batch axis). These become the batch []*Node given to the BatchLossFn.
	Batch(indices []int) ([]*tensors.Tensor, error)
}

// TensorDataset is a Dataset held in memory as tensors whose first axis indexes the examples, like torch's
// torch.utils.data.TensorDataset: NewTensorDataset(x, y) yields batches [x[idx], y[idx]].
type TensorDataset struct {
	columns  []*tensors.Tensor
	rowBytes []int
	n        int
}

var _ Dataset = (*TensorDataset)(nil)

// NewTensorDataset makes a dataset from columns: tensors or Go slices (e.g. [][]float32, []int32) that GoMLX's
// tensors.FromAnyValue accepts, all with the same first dimension, the number of examples. It returns an error for
// a scalar column, a value that is not a tensor or a slice, or different numbers of examples.
func NewTensorDataset(columns ...any) (ds *TensorDataset, err error) {
	if len(columns) == 0 {
		return nil, fmt.Errorf("training: NewTensorDataset: no columns given")
	}
	ds = &TensorDataset{n: -1}
	for i, c := range columns {
		t, ok := c.(*tensors.Tensor)
		if !ok {
			t, err = tensorFromValue(c)
			if err != nil {
				return nil, fmt.Errorf("training: NewTensorDataset: column %d: %w", i, err)
			}
		}
		shape := t.Shape()
		if shape.Rank() == 0 {
			return nil, fmt.Errorf("training: NewTensorDataset: column %d is a scalar %s, want a first axis of "+
				"examples", i, shape)
		}
		if ds.n >= 0 && shape.Dim(0) != ds.n {
			return nil, fmt.Errorf("training: NewTensorDataset: column %d %s has %d examples, column 0 has %d", i,
				shape, shape.Dim(0), ds.n)
		}
		ds.n = shape.Dim(0)
		ds.columns = append(ds.columns, t)
		rowBytes := 0
		if ds.n > 0 {
			rowBytes = int(shape.Memory()) / ds.n
		}
		ds.rowBytes = append(ds.rowBytes, rowBytes)
	}
	return ds, nil
}

// tensorFromValue converts a Go value, turning GoMLX's panic on unsupported values into an error.
func tensorFromValue(v any) (t *tensors.Tensor, err error) {
	defer func() {
		if r := recover(); r != nil {
			t, err = nil, fmt.Errorf("cannot make a tensor of %T: %v", v, r)
		}
	}()
	return tensors.FromAnyValue(v), nil
}

// Len is the number of examples.
func (ds *TensorDataset) Len() int { return ds.n }

// Columns returns the dataset's tensors (not copies).
func (ds *TensorDataset) Columns() []*tensors.Tensor { return ds.columns }

// Batch gathers the rows at indices of every column.
func (ds *TensorDataset) Batch(indices []int) ([]*tensors.Tensor, error) {
	for _, idx := range indices {
		if idx < 0 || idx >= ds.n {
			return nil, fmt.Errorf("training: TensorDataset.Batch: index %d out of range [0, %d)", idx, ds.n)
		}
	}
	out := make([]*tensors.Tensor, len(ds.columns))
	for c, col := range ds.columns {
		dims := col.Shape().Clone().Dimensions
		dims[0] = len(indices)
		batch := tensors.FromShape(shapes.Make(col.DType(), dims...))
		rb := ds.rowBytes[c]
		var errCopy error
		errSrc := col.ConstBytes(func(src []byte) {
			errCopy = batch.MutableBytes(func(dst []byte) {
				for i, idx := range indices {
					copy(dst[i*rb:(i+1)*rb], src[idx*rb:(idx+1)*rb])
				}
			})
		})
		if err := firstError(errSrc, errCopy); err != nil {
			return nil, fmt.Errorf("training: TensorDataset.Batch: column %d: %w", c, err)
		}
		out[c] = batch
	}
	return out, nil
}
