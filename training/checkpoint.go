package training

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/gob"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// checkpointMagic starts every checkpoint file; the last 4 bytes are the CRC-32 (IEEE) of everything before.
const checkpointMagic = "lossbook-checkpoint-v1\n"

// checkpoint is what Train writes: the whole context (model variables, optimizer state, GoMLX's RNG state) and the
// loop's position (step, data order, RNG, history, early-stopping state).
type checkpoint struct {
	Step      int    // optimizer steps taken
	Optimizer string // description, checked on resume
	Schedule  string // description, checked on resume

	DataLen  int    // number of training examples, checked on resume
	Seed     uint64 // seed of the data-order RNG
	Epoch    int    // epochs started
	Cursor   int    // examples of the current epoch already used
	EpochRNG []byte // data-order RNG state at the start of the current epoch (rand.PCG binary)

	Losses []float64
	LRs    []float64
	Evals  []Evaluation
	Early  earlyStoppingState

	Variables []savedVariable
}

// savedVariable is one context variable.
type savedVariable struct {
	Scope, Name string
	DType       dtypes.DType
	Dims        []int
	Trainable   bool
	Data        []byte
}

// saveCheckpoint writes c with ctx's variables to path atomically: to a temporary file in the same directory,
// synced, then renamed over path. A crash at any point leaves either the old or the new checkpoint.
func saveCheckpoint(path string, ctx *context.Context, c *checkpoint) error {
	c.Variables = c.Variables[:0]
	for v := range ctx.IterVariables() {
		if !v.HasValue() {
			continue
		}
		t := v.MustValue()
		var data []byte
		if err := t.ConstBytes(func(b []byte) { data = bytes.Clone(b) }); err != nil {
			return fmt.Errorf("training: checkpoint: reading variable %q: %w", v.ScopeAndName(), err)
		}
		c.Variables = append(c.Variables, savedVariable{Scope: v.Scope(), Name: v.Name(), DType: t.DType(),
			Dims: t.Shape().Dimensions, Trainable: v.Trainable, Data: data})
	}
	return writeFileAtomic(path, func(w io.Writer) error {
		h := crc32.NewIEEE()
		mw := io.MultiWriter(w, h)
		if _, err := io.WriteString(mw, checkpointMagic); err != nil {
			return err
		}
		if err := gob.NewEncoder(mw).Encode(c); err != nil {
			return err
		}
		return binary.Write(w, binary.LittleEndian, h.Sum32())
	})
}

// writeFileAtomic writes path through a temporary file in the same directory, fsyncs it, renames it over path
// and fsyncs the directory.
func writeFileAtomic(path string, write func(io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("training: checkpoint: %w", err)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("training: checkpoint: %w", err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(tmp)
			err = fmt.Errorf("training: writing checkpoint %s: %w", path, err)
		}
	}()
	bw := bufio.NewWriterSize(f, 1<<20)
	if err = write(bw); err != nil {
		return err
	}
	if err = bw.Flush(); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp, path); err != nil {
		return err
	}
	if d, errDir := os.Open(dir); errDir == nil {
		_ = d.Sync() // Best effort: not every file system supports syncing a directory.
		_ = d.Close()
	}
	return nil
}

// readCheckpoint reads and verifies a checkpoint file.
func readCheckpoint(path string) (*checkpoint, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("training: reading checkpoint: %w", err)
	}
	if len(raw) < len(checkpointMagic)+4 || string(raw[:len(checkpointMagic)]) != checkpointMagic {
		return nil, fmt.Errorf("training: %s is not a lossbook checkpoint (want a file starting with %q)", path,
			checkpointMagic[:len(checkpointMagic)-1])
	}
	body, sum := raw[:len(raw)-4], binary.LittleEndian.Uint32(raw[len(raw)-4:])
	if got := crc32.ChecksumIEEE(body); got != sum {
		return nil, fmt.Errorf("training: checkpoint %s is corrupt: CRC-32 %08x, want %08x", path, got, sum)
	}
	var c checkpoint
	if err := gob.NewDecoder(bytes.NewReader(body[len(checkpointMagic):])).Decode(&c); err != nil {
		return nil, fmt.Errorf("training: checkpoint %s: decoding: %w", path, err)
	}
	return &c, nil
}

// restoreVariables sets ctx's variables from c: existing ones get the saved value (same shape required), missing
// ones are created.
func restoreVariables(ctx *context.Context, c *checkpoint) error {
	for _, sv := range c.Variables {
		shape := shapes.Make(sv.DType, sv.Dims...)
		if int(shape.Memory()) != len(sv.Data) {
			return fmt.Errorf("training: checkpoint variable %s/%s: %d bytes for %s", sv.Scope, sv.Name,
				len(sv.Data), shape)
		}
		t := tensors.FromShape(shape)
		if err := t.MutableBytes(func(b []byte) { copy(b, sv.Data) }); err != nil {
			return fmt.Errorf("training: checkpoint variable %s/%s: %w", sv.Scope, sv.Name, err)
		}
		if v := ctx.GetVariableByScopeAndName(sv.Scope, sv.Name); v != nil {
			if !v.Shape().Equal(shape) {
				return fmt.Errorf("training: checkpoint variable %s/%s is %s but the context has %s", sv.Scope,
					sv.Name, shape, v.Shape())
			}
			if err := v.SetValue(t); err != nil {
				return fmt.Errorf("training: checkpoint variable %s/%s: %w", sv.Scope, sv.Name, err)
			}
			v.SetTrainable(sv.Trainable)
			continue
		}
		ctx.InAbsPath(sv.Scope).Checked(false).VariableWithValue(sv.Name, t).SetTrainable(sv.Trainable)
	}
	return nil
}

// LoadCheckpoint sets ctx's variables (model, optimizer state) from a checkpoint written by Train, e.g. to use a
// trained model for inference, and returns the step the checkpoint was taken at. It returns an error if the file
// is missing, not a checkpoint, corrupt (CRC mismatch), or holds a variable whose shape differs from ctx's.
func LoadCheckpoint(ctx *context.Context, path string) (step int, err error) {
	c, err := readCheckpoint(path)
	if err != nil {
		return 0, err
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("training: LoadCheckpoint: %v", r)
		}
	}()
	if err := restoreVariables(ctx, c); err != nil {
		return 0, err
	}
	return c.Step, nil
}

// fileExists reports whether path exists (a stat error other than "not exist" counts as existing, so that the
// caller reports it when reading).
func fileExists(path string) bool {
	_, err := os.Stat(path)
	return !errors.Is(err, os.ErrNotExist)
}
