package bench

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// Array is one named array of a Shared: float32, int32 or bool values in row-major order.
type Array struct {
	Name  string // "tokens", "embeddings/embeddings", ...
	Shape []int
	Data  any // []float32, []int32 or []bool
}

// Shared is a workload's inputs and initial weights, taken from lossbook's first backend before its first step,
// so that every side of a run (each lossbook backend, PyTorch, JAX) trains the same model on the same data.
//
// Inputs are named as the peers' scripts read them: "logits" and "labels" for "ce"; "tokens", "mask" and
// "labels" for "bag" and "transformer". Weights are the model's trainable variables by GoMLX scope and name
// without the leading "/" ("embeddings/embeddings", "output/dense/weights" [in, out], ...); optimizer state is not
// shared: every side starts Adam from zero moments.
type Shared struct {
	Inputs  []Array
	Weights []Array // sorted by name
}

// WriteNPZ writes the arrays to path as NumPy's .npz (a zip of .npy files) that numpy.load reads: inputs under
// "inputs/<name>", weights under "weights/<name>". It writes a temporary file and renames it.
func (s *Shared) WriteNPZ(path string) error {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for prefix, arrays := range map[string][]Array{"inputs/": s.Inputs, "weights/": s.Weights} {
		for _, a := range arrays {
			w, err := zw.CreateHeader(&zip.FileHeader{Name: prefix + a.Name + ".npy", Method: zip.Store})
			if err != nil {
				return err
			}
			if err := writeNPY(w, a); err != nil {
				return fmt.Errorf("bench: %s%s: %w", prefix, a.Name, err)
			}
		}
	}
	if err := zw.Close(); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".shared-*.npz")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(buf.Bytes()); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// writeNPY writes one array in NumPy's .npy format, version 1.0: the magic, a little-endian header length, a
// Python dict literal padded to a multiple of 64 bytes, then the raw little-endian values.
func writeNPY(w interface{ Write([]byte) (int, error) }, a Array) error {
	var descr string
	var raw []byte
	switch d := a.Data.(type) {
	case []float32:
		descr = "<f4"
		for _, v := range d {
			raw = binary.LittleEndian.AppendUint32(raw, math.Float32bits(v))
		}
	case []int32:
		descr = "<i4"
		for _, v := range d {
			raw = binary.LittleEndian.AppendUint32(raw, uint32(v))
		}
	case []bool:
		descr = "|b1"
		for _, v := range d {
			raw = append(raw, boolByte(v))
		}
	default:
		return fmt.Errorf("unsupported data %T (want []float32, []int32 or []bool)", a.Data)
	}
	size := 1
	dims := make([]string, len(a.Shape))
	for i, d := range a.Shape {
		size *= d
		dims[i] = fmt.Sprint(d)
	}
	if n := len(raw) / elemSize(descr); n != size {
		return fmt.Errorf("%d values for shape %v", n, a.Shape)
	}
	shape := strings.Join(dims, ", ")
	if len(dims) == 1 {
		shape += ","
	}
	header := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': (%s), }", descr, shape)
	total := 10 + len(header) + 1
	header += strings.Repeat(" ", (64-total%64)%64) + "\n"
	out := append([]byte("\x93NUMPY\x01\x00"), binary.LittleEndian.AppendUint16(nil, uint16(len(header)))...)
	out = append(append(out, header...), raw...)
	_, err := w.Write(out)
	return err
}

func elemSize(descr string) int {
	if descr == "|b1" {
		return 1
	}
	return 4
}

func boolByte(b bool) byte {
	if b {
		return 1
	}
	return 0
}

// arrayOf copies a tensor's values into an Array.
func arrayOf(name string, t *tensors.Tensor) (Array, error) {
	a := Array{Name: name, Shape: slices.Clone(t.Shape().Dimensions)}
	err := t.ConstFlatData(func(flat any) {
		switch d := flat.(type) {
		case []float32:
			a.Data = slices.Clone(d)
		case []int32:
			a.Data = slices.Clone(d)
		case []bool:
			a.Data = slices.Clone(d)
		}
	})
	if err == nil && a.Data == nil {
		err = fmt.Errorf("bench: %s is %s: only float32, int32 and bool are shared", name, t.Shape())
	}
	return a, err
}

// tensor makes a new local tensor holding a copy of the array's values.
func (a Array) tensor() *tensors.Tensor {
	switch d := a.Data.(type) {
	case []float32:
		return tensors.FromFlatDataAndDimensions(slices.Clone(d), a.Shape...)
	case []int32:
		return tensors.FromFlatDataAndDimensions(slices.Clone(d), a.Shape...)
	case []bool:
		return tensors.FromFlatDataAndDimensions(slices.Clone(d), a.Shape...)
	}
	panic(fmt.Sprintf("bench: array %s holds %T", a.Name, a.Data))
}
