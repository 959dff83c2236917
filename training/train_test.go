package training

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX graph code reads best with the dot import.
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/lossbook/lossbook/lib"
)

func TestTrainConfigErrors(t *testing.T) {
	data := tokenData(t, 4, 0)
	ok := Config{Optimizer: NewSGD(0.1), Steps: 3, Progress: io.Discard}
	for _, tc := range []struct {
		name   string
		change func(c *Config)
		want   string
	}{
		{"no optimizer", func(c *Config) { c.Optimizer = nil }, "Config.Optimizer is required"},
		{"no steps", func(c *Config) { c.Steps = 0 }, "Config.Steps must be > 0"},
		{"negative batch", func(c *Config) { c.BatchSize = -1 }, "batch sizes must be >= 0"},
		{"early stopping without eval", func(c *Config) { c.EarlyStopping = &EarlyStopping{} },
			"EarlyStopping needs an evaluation"},
		{"invalid optimizer", func(c *Config) { c.Optimizer = NewSGD(-1) }, "invalid learning rate: -1"},
		{"invalid schedule", func(c *Config) { c.Schedule = StepLR{} }, "step_size must be > 0"},
		{"unknown early-stopping metric", func(c *Config) {
			c.EvalData = data
			c.EarlyStopping = &EarlyStopping{Metric: "accuracy"}
		}, `EarlyStopping.Metric "accuracy" is not among the evaluation metrics [eval_loss]`},
	} {
		cfg := ok
		tc.change(&cfg)
		_, err := Train(lib.MustBackend(), context.New(), data, tokenLoss, cfg)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want it to mention %q", tc.name, err, tc.want)
		}
	}
}

// TestTrainPanicsBecomeErrors: mistakes found while building the graph are returned as errors by Train.
func TestTrainPanicsBecomeErrors(t *testing.T) {
	data := tokenData(t, 4, 0)
	cfg := Config{Optimizer: NewSGD(0.1), Steps: 2, Progress: io.Discard}
	for _, tc := range []struct {
		name   string
		lossFn BatchLossFn
		want   string
	}{
		{"shape mismatch", func(ctx *context.Context, batch []*Node) (*Node, *Node) {
			w := ctx.VariableWithValue("w", []float64{1, 2, 3}).ValueGraph(batch[0].Graph())
			return ReduceAllSum(Mul(batch[0], w)), ScalarOne(w.Graph(), w.DType())
		}, "Mul"},
		{"not scalars", func(ctx *context.Context, batch []*Node) (*Node, *Node) {
			w := ctx.VariableWithValue("w", 1.0).ValueGraph(batch[0].Graph())
			return Mul(batch[0], w), ScalarOne(w.Graph(), w.DType())
		}, "lossFn must return two scalars (sum, count), got (Float64)[4 5]"},
		{"no trainable variables", func(ctx *context.Context, batch []*Node) (*Node, *Node) {
			return ReduceAllSum(batch[0]), ScalarOne(batch[0].Graph(), batch[0].DType())
		}, "uses no trainable variable"},
	} {
		res, err := Train(lib.MustBackend(), context.New(), data, tc.lossFn, cfg)
		if err == nil || !strings.Contains(err.Error(), tc.want) || res != nil {
			t.Errorf("%s: Train = %v, %v; want an error mentioning %q", tc.name, res, err, tc.want)
		}
	}
}

func TestEarlyStoppingAndCheckpoint(t *testing.T) {
	data := tokenData(t, 8, 0)
	// Scripted accuracies, one per evaluation (every 5 steps): best 0.7 at step 15, then two evaluations without
	// an improvement of more than MinDelta stop the run at step 25.
	script := []float64{0.5, 0.6, 0.7, 0.69, 0.705, 0.9}
	path := filepath.Join(t.TempDir(), "sub", "run.ckpt")
	newCfg := func() Config {
		evals := 0
		return Config{Optimizer: NewAdam(), Steps: 50, BatchSize: 4, EvalEvery: 5, Progress: io.Discard,
			Eval: func(*context.Context) (map[string]float64, error) {
				evals++
				return map[string]float64{"accuracy": script[evals-1]}, nil
			},
			EarlyStopping:  &EarlyStopping{Metric: "accuracy", Maximize: true, Patience: 2, MinDelta: 0.01},
			CheckpointPath: path}
	}
	res, err := Train(lib.MustBackend(), context.New(), data, tokenLoss, newCfg())
	if err != nil {
		t.Fatal(err)
	}
	if !res.StoppedEarly || res.Steps != 25 || res.BestStep != 15 || res.BestMetric != 0.7 || len(res.Evals) != 5 {
		t.Errorf("stopped early %v at step %d, best %v at step %d, %d evaluations; want true, 25, 0.7, 15, 5",
			res.StoppedEarly, res.Steps, res.BestMetric, res.BestStep, len(res.Evals))
	}

	// The checkpoint was written when the run stopped: running again resumes into the stopped state.
	ctx := context.New()
	again, err := Train(lib.MustBackend(), ctx, data, tokenLoss, newCfg())
	if err != nil {
		t.Fatal(err)
	}
	if again.ResumedFrom != 25 || !again.StoppedEarly || again.Steps != 25 || len(again.Losses) != 25 {
		t.Errorf("after resuming: from %d, stopped %v, %d steps, %d losses; want 25, true, 25, 25",
			again.ResumedFrom, again.StoppedEarly, again.Steps, len(again.Losses))
	}
	if got := tokenParams(t, ctx); len(got) != 3 {
		t.Errorf("resumed context lacks the model variables: %v", got)
	}

	// LoadCheckpoint restores the model into a fresh context.
	fresh := context.New()
	step, err := LoadCheckpoint(fresh, path)
	if err != nil || step != 25 {
		t.Fatalf("LoadCheckpoint = %d, %v; want 25", step, err)
	}
	if a, b := tokenParams(t, fresh), tokenParams(t, ctx); !nearAll(a, b, 0) {
		t.Errorf("LoadCheckpoint parameters %v, want %v", a, b)
	}
	if StepCount(fresh, NewAdam()) != 25 {
		t.Errorf("optimizer step count after LoadCheckpoint = %d, want 25", StepCount(fresh, NewAdam()))
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("checkpoint directory holds %v, want only run.ckpt (no temporary files)", dirNames(entries))
	}

	// A checkpoint from another optimizer is refused.
	cfg := newCfg()
	cfg.Optimizer = NewSGD(0.1)
	if _, err := Train(lib.MustBackend(), context.New(), data, tokenLoss, cfg); err == nil ||
		!strings.Contains(err.Error(), "in the checkpoint, SGD(lr=0.1, momentum=0, ") ||
		!strings.Contains(err.Error(), "Optimizer: Adam(lr=0.001, ") {
		t.Errorf("resuming with another optimizer: %v", err)
	}
}

func TestCheckpointCorruption(t *testing.T) {
	data := tokenData(t, 8, 0)
	path := filepath.Join(t.TempDir(), "run.ckpt")
	cfg := Config{Optimizer: NewSGD(0.1), Steps: 3, Progress: io.Discard, CheckpointPath: path}
	if _, err := Train(lib.MustBackend(), context.New(), data, tokenLoss, cfg); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	corrupt := bytes.Clone(raw)
	corrupt[len(corrupt)/2] ^= 0xff
	for _, tc := range []struct {
		name    string
		content []byte
		want    string
	}{
		{"flipped byte", corrupt, "is corrupt: CRC-32"},
		{"truncated", raw[:len(raw)/2], "is corrupt"},
		{"not a checkpoint", []byte("hello, world: this is not a checkpoint file"), "is not a lossbook checkpoint"},
		{"version 1", append([]byte(checkpointMagicV1), raw[len(checkpointMagic):]...),
			"was written by an earlier lossbook"},
	} {
		if err := os.WriteFile(path, tc.content, 0o644); err != nil {
			t.Fatal(err)
		}
		cfg.Steps = 5
		_, err := Train(lib.MustBackend(), context.New(), data, tokenLoss, cfg)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error mentioning %q", tc.name, err, tc.want)
		}
	}
}

// TestWriteFileAtomic: a failed write leaves the previous file as it was and no temporary file behind.
func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	if err := writeFileAtomic(path, func(w io.Writer) error { _, err := io.WriteString(w, "old"); return err }); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("disk on fire")
	err := writeFileAtomic(path, func(w io.Writer) error {
		_, _ = io.WriteString(w, "half of the new")
		return boom
	})
	if !errors.Is(err, boom) {
		t.Errorf("writeFileAtomic error %v, want %v", err, boom)
	}
	if got, _ := os.ReadFile(path); string(got) != "old" {
		t.Errorf("after a failed write the file holds %q, want %q", got, "old")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("directory holds %v, want only f", dirNames(entries))
	}
}

func TestProgressOutput(t *testing.T) {
	var out bytes.Buffer
	cfg := Config{Optimizer: NewSGD(0.05), Steps: 40, BatchSize: 3, Progress: &out, EvalData: tokenData(t, 5, 2),
		EvalEvery: 20}
	if _, err := Train(lib.MustBackend(), context.New(), tokenData(t, 9, 0), tokenLoss, cfg); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	t.Logf("progress:\n%s", out.String())
	// Not a terminal: a line per tenth of the run (10), the evaluations falling on tenths.
	if len(lines) != 10 {
		t.Errorf("%d progress lines, want 10", len(lines))
	}
	last := lines[len(lines)-1]
	for _, want := range []string{"[####################] 40/40 loss ", " eval_loss ", " lr 0.05 ", " steps/s, ETA 0s"} {
		if !strings.Contains(last, want) {
			t.Errorf("last progress line %q lacks %q", last, want)
		}
	}
}

func TestOptimizerClear(t *testing.T) {
	ctx := context.New()
	opt := NewAdamW()
	if _, err := Train(lib.MustBackend(), ctx, tokenData(t, 4, 0), tokenLoss,
		Config{Optimizer: opt, Steps: 2, Progress: io.Discard}); err != nil {
		t.Fatal(err)
	}
	if StepCount(ctx, opt) != 2 {
		t.Fatalf("step count %d, want 2", StepCount(ctx, opt))
	}
	if ctx.GetVariableByScopeAndName("/optimizers/AdamW/token/w0", "exp_avg") == nil {
		t.Fatal("no exp_avg state for /token/w0")
	}
	if err := opt.Clear(ctx); err != nil {
		t.Fatal(err)
	}
	if StepCount(ctx, opt) != 0 || ctx.GetVariableByScopeAndName("/optimizers/AdamW/token/w0", "exp_avg") != nil {
		t.Error("Clear left the optimizer state")
	}
}
