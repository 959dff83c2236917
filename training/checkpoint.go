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
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// checkpointMagic starts every checkpoint file; the last 4 bytes are the CRC-32 (IEEE) of everything before.
// Version 2 keeps the optimizer state per parameter and the whole configuration that a resume compares.
const checkpointMagic = "lossbook-checkpoint-v2\n"

// checkpointMagicV1 started the checkpoints of earlier lossbook versions, which cannot be resumed: their optimizer
// state was counted per optimizer, not per parameter.
const checkpointMagicV1 = "lossbook-checkpoint-v1\n"

// checkpoint is what Train writes: the whole context (model variables, optimizer state, GoMLX's RNG state) and the
// loop's position (step, data order, RNG, history, early-stopping state).
//
// The configuration fields are compared with the resuming run's (see Config.ResumeAnyway).
type checkpoint struct {
	Step            int    // optimizer steps taken
	Optimizer       string // the optimizer's Name, whose state scope the checkpoint holds
	OptimizerConfig string // the optimizer's description (its String method), compared on resume
	Schedule        string // the schedule's description, compared on resume

	BatchSize         int    // Config.BatchSize, compared on resume
	AccumulationSteps int    // Config.AccumulationSteps, compared on resume
	Shuffle           bool   // Config.Shuffle, compared on resume
	DataLen           int    // number of training examples, compared on resume
	Seed              uint64 // seed of the data-order RNG, compared on resume
	Epoch             int    // epochs started (at least 1)
	Cursor            int    // examples of the current epoch already used, in [0, DataLen]
	EpochRNG          []byte // data-order RNG state at the start of the current epoch (rand.PCG binary)

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
	return writeCheckpoint(path, c)
}

// writeCheckpoint writes c (variables included) to path atomically.
func writeCheckpoint(path string, c *checkpoint) error {
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
	if bytes.HasPrefix(raw, []byte(checkpointMagicV1)) {
		return nil, fmt.Errorf("training: %s was written by an earlier lossbook (%q), whose optimizer state was "+
			"counted per optimizer rather than per parameter; it cannot be resumed or loaded: train again into a "+
			"new CheckpointPath", path, checkpointMagicV1[:len(checkpointMagicV1)-1])
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
	if err := c.validate(); err != nil {
		return nil, fmt.Errorf("training: checkpoint %s is invalid: %w", path, err)
	}
	return &c, nil
}

// validate checks every field of a checkpoint whose CRC is valid (a file edited or written by another program can
// still hold anything), so that nothing restores or indexes a slice with an impossible value.
func (c *checkpoint) validate() error {
	switch {
	case c.Step < 0:
		return fmt.Errorf("Step %d is negative", c.Step)
	case len(c.Losses) != c.Step || len(c.LRs) != c.Step:
		return fmt.Errorf("it holds %d losses and %d learning rates for Step %d (want one of each per step)",
			len(c.Losses), len(c.LRs), c.Step)
	case c.DataLen <= 0:
		return fmt.Errorf("DataLen %d must be > 0", c.DataLen)
	case c.BatchSize < 0:
		return fmt.Errorf("BatchSize %d is negative", c.BatchSize)
	case c.AccumulationSteps < 0:
		return fmt.Errorf("AccumulationSteps %d is negative", c.AccumulationSteps)
	case c.Epoch < 1:
		return fmt.Errorf("Epoch %d must be >= 1", c.Epoch)
	case c.Cursor < 0 || c.Cursor > c.DataLen:
		return fmt.Errorf("Cursor %d is outside [0, %d] (DataLen)", c.Cursor, c.DataLen)
	case c.Early.BestStep < 0 || c.Early.BestStep > c.Step:
		return fmt.Errorf("early-stopping BestStep %d is outside [0, %d]", c.Early.BestStep, c.Step)
	case c.Early.Bad < 0:
		return fmt.Errorf("early-stopping count %d is negative", c.Early.Bad)
	}
	if err := rand.NewPCG(0, 0).UnmarshalBinary(c.EpochRNG); err != nil {
		return fmt.Errorf("data-order RNG state: %w", err)
	}
	for i, lr := range c.LRs {
		if math.IsNaN(lr) || math.IsInf(lr, 0) || lr < 0 {
			return fmt.Errorf("the learning rate of step %d is %v (want a finite value >= 0)", i+1, lr)
		}
	}
	for i, e := range c.Evals {
		if e.Step < 1 || e.Step > c.Step {
			return fmt.Errorf("evaluation %d is at step %d, outside [1, %d]", i, e.Step, c.Step)
		}
		if i > 0 && e.Step < c.Evals[i-1].Step {
			return fmt.Errorf("evaluation %d is at step %d, before evaluation %d at step %d", i, e.Step, i-1,
				c.Evals[i-1].Step)
		}
	}
	seen := make(map[[2]string]bool, len(c.Variables))
	for i := range c.Variables {
		sv := &c.Variables[i]
		if _, err := sv.tensor(); err != nil {
			return err
		}
		key := [2]string{sv.Scope, sv.Name}
		if seen[key] {
			return fmt.Errorf("variable %s/%s appears twice", sv.Scope, sv.Name)
		}
		seen[key] = true
	}
	return nil
}

// dtypeSize returns the size in bytes of one element of dtype, or an error for a dtype GoMLX does not know.
func dtypeSize(dtype dtypes.DType) (size int, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("unknown dtype %d", int(dtype))
		}
	}()
	if size = dtype.Size(); size <= 0 {
		return 0, fmt.Errorf("dtype %s has no whole-byte size", dtype)
	}
	return size, nil
}

// tensor checks the saved variable (absolute scope, a name, a known dtype, dimensions >= 0 whose size matches
// the data) and returns its value.
func (sv *savedVariable) tensor() (*tensors.Tensor, error) {
	where := fmt.Sprintf("variable %s/%s", sv.Scope, sv.Name)
	if !strings.HasPrefix(sv.Scope, context.ScopeSeparator) {
		return nil, fmt.Errorf("%s: scope %q is not absolute", where, sv.Scope)
	}
	if sv.Name == "" {
		return nil, fmt.Errorf("a variable in scope %s has no name", sv.Scope)
	}
	size, err := dtypeSize(sv.DType)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	for _, d := range sv.Dims {
		if d < 0 {
			return nil, fmt.Errorf("%s: dimension %d in %v", where, d, sv.Dims)
		}
		if d > 0 && size > len(sv.Data)/d {
			return nil, fmt.Errorf("%s: %d bytes for %s%v", where, len(sv.Data), sv.DType, sv.Dims)
		}
		size *= d
	}
	if size != len(sv.Data) {
		return nil, fmt.Errorf("%s: %d bytes for %s%v (want %d)", where, len(sv.Data), sv.DType, sv.Dims, size)
	}
	t := tensors.FromShape(shapes.Make(sv.DType, sv.Dims...))
	if err := t.MutableBytes(func(b []byte) { copy(b, sv.Data) }); err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	return t, nil
}

// restoreVariables sets ctx's variables from c: existing ones get the saved value (same shape required), missing
// ones are created. It checks every variable first: on error the context is left as it was.
func restoreVariables(ctx *context.Context, c *checkpoint) error {
	values := make([]*tensors.Tensor, len(c.Variables))
	for i := range c.Variables {
		sv := &c.Variables[i]
		t, err := sv.tensor()
		if err != nil {
			return fmt.Errorf("training: checkpoint %w", err)
		}
		if v := ctx.GetVariableByScopeAndName(sv.Scope, sv.Name); v != nil && !v.Shape().Equal(t.Shape()) {
			return fmt.Errorf("training: checkpoint variable %s/%s is %s but the context has %s", sv.Scope,
				sv.Name, t.Shape(), v.Shape())
		}
		values[i] = t
	}
	for i, sv := range c.Variables {
		if v := ctx.GetVariableByScopeAndName(sv.Scope, sv.Name); v != nil {
			if err := v.SetValue(values[i]); err != nil {
				return fmt.Errorf("training: checkpoint variable %s/%s: %w", sv.Scope, sv.Name, err)
			}
			v.SetTrainable(sv.Trainable)
			continue
		}
		ctx.InAbsPath(sv.Scope).Checked(false).VariableWithValue(sv.Name, values[i]).SetTrainable(sv.Trainable)
	}
	return nil
}

// LoadCheckpoint sets ctx's variables (model, optimizer state) from a checkpoint written by Train, e.g. to use a
// trained model for inference, and returns the step the checkpoint was taken at. It returns an error, leaving ctx
// as it was, if the file is missing, not a checkpoint, corrupt (CRC mismatch), holds an invalid field, or holds a
// variable whose shape differs from ctx's.
//
// The optimizer state it loads belongs to no optimizer: a new optimizer that then trains ctx starts empty, as
// torch's does after model.load_state_dict (see Optimizer). To continue a run with its optimizer state, resume it
// with Train and the same Config.CheckpointPath.
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
