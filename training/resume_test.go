package training

import (
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/lossbook/lossbook/lib"
)

// resumeConfig is the configuration of the checkpointed run of the resume tests.
func resumeConfig(path string, steps int) Config {
	opt := NewAdamW()
	opt.LR = 0.05
	return Config{Optimizer: opt, Schedule: LinearWithWarmup{WarmupSteps: 2, TrainingSteps: 10}, Steps: steps,
		BatchSize: 3, AccumulationSteps: 2, Shuffle: true, Seed: 5, CheckpointPath: path, Progress: io.Discard}
}

// TestResumeRefusesAnotherConfiguration: resuming with another schedule, batch size, accumulation, shuffling, seed,
// optimizer or data size is refused with an error naming what differs, unless Config.ResumeAnyway is set.
func TestResumeRefusesAnotherConfiguration(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run.ckpt")
	_, err := Train(lib.MustBackend(), context.New(), tokenData(t, 8, 0), tokenLoss, resumeConfig(path, 4))
	if err != nil {
		t.Fatal(err)
	}
	saved, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		change func(c *Config)
		n      int // examples in the data set
		want   string
	}{
		{"schedule", func(c *Config) { c.Schedule = LinearWithWarmup{WarmupSteps: 2, TrainingSteps: 20} }, 8,
			"Schedule: linear(num_warmup_steps=2, num_training_steps=10) in the checkpoint, " +
				"linear(num_warmup_steps=2, num_training_steps=20) in this run"},
		{"no schedule", func(c *Config) { c.Schedule = nil }, 8, "in the checkpoint, constant in this run"},
		{"batch size", func(c *Config) { c.BatchSize = 4 }, 8, "BatchSize: 3 in the checkpoint, 4 in this run"},
		{"accumulation", func(c *Config) { c.AccumulationSteps = 0 }, 8,
			"AccumulationSteps: 2 in the checkpoint, 0 in this run"},
		{"shuffle", func(c *Config) { c.Shuffle = false }, 8, "Shuffle: true in the checkpoint, false in this run"},
		{"seed", func(c *Config) { c.Seed = 6 }, 8, "Seed: 5 in the checkpoint, 6 in this run"},
		{"learning rate", func(c *Config) { c.Optimizer.(*Adam).LR = 0.1 }, 8,
			"Optimizer: AdamW(lr=0.05, betas=(0.9, 0.999), eps=1e-08, weight_decay=0.01, amsgrad=false) in the " +
				"checkpoint, AdamW(lr=0.1, "},
		{"optimizer", func(c *Config) { c.Optimizer = NewSGD(0.1) }, 8, "in the checkpoint, SGD(lr=0.1, "},
		{"data size", func(*Config) {}, 9, "data size: 8 examples in the checkpoint, 9 in this run"},
		{"two fields", func(c *Config) { c.Seed, c.BatchSize = 6, 2 }, 8,
			"BatchSize: 3 in the checkpoint, 2 in this run; Seed: 5 in the checkpoint, 6 in this run"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := os.WriteFile(path, saved, 0o644); err != nil {
				t.Fatal(err)
			}
			cfg := resumeConfig(path, 6)
			tc.change(&cfg)
			_, err := Train(lib.MustBackend(), context.New(), tokenData(t, tc.n, 0), tokenLoss, cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "ResumeAnyway") {
				t.Fatalf("resuming with another %s: %v; want an error mentioning %q and ResumeAnyway", tc.name, err,
					tc.want)
			}
			cfg.ResumeAnyway = true
			res, err := Train(lib.MustBackend(), context.New(), tokenData(t, tc.n, 0), tokenLoss, cfg)
			if err != nil || res.ResumedFrom != 4 || res.Steps != 6 {
				t.Fatalf("with ResumeAnyway: %v; want a resume from step 4 to step 6", err)
			}
			// The checkpoint now records this run's configuration: resuming again needs no ResumeAnyway.
			cfg.ResumeAnyway = false
			cfg.Steps = 7
			if _, err := Train(lib.MustBackend(), context.New(), tokenData(t, tc.n, 0), tokenLoss, cfg); err != nil {
				t.Errorf("resuming the run resumed anyway: %v", err)
			}
		})
	}
}

// TestFailedResumeLeavesContext: a resume refused for any reason leaves the context's variables as they were.
func TestFailedResumeLeavesContext(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run.ckpt")
	if _, err := Train(lib.MustBackend(), context.New(), tokenData(t, 8, 0), tokenLoss,
		resumeConfig(path, 3)); err != nil {
		t.Fatal(err)
	}
	ctx := context.New()
	other := resumeConfig("", 5)
	other.Optimizer = NewSGD(0.2)
	if _, err := Train(lib.MustBackend(), ctx, tokenData(t, 8, 1), tokenLoss, other); err != nil {
		t.Fatal(err)
	}
	before := tokenParams(t, ctx)
	steps := StepCount(ctx, NewAdamW())
	_, err := Train(lib.MustBackend(), ctx, tokenData(t, 6, 0), tokenLoss, resumeConfig(path, 5))
	if after := tokenParams(t, ctx); !nearAll(after, before, 0) || StepCount(ctx, NewAdamW()) != steps {
		t.Errorf("a refused resume changed the context: parameters %v -> %v, AdamW steps %d -> %d", before, after,
			steps, StepCount(ctx, NewAdamW()))
	}
	if err == nil || !strings.Contains(err.Error(), "data size: 8 examples in the checkpoint, 6 in this run") {
		t.Errorf("resuming with another data size: %v", err)
	}
}

// TestCheckpointFieldsValidated: a checkpoint with a valid CRC but impossible fields (a file edited or written by
// another program) is refused with an error naming the field, before anything is restored, never with a panic.
func TestCheckpointFieldsValidated(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run.ckpt")
	if _, err := Train(lib.MustBackend(), context.New(), tokenData(t, 8, 0), tokenLoss,
		resumeConfig(path, 3)); err != nil {
		t.Fatal(err)
	}
	good, err := readCheckpoint(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := good.validate(); err != nil {
		t.Fatalf("the checkpoint Train wrote does not validate: %v", err)
	}
	firstTrainable := -1
	for i, v := range good.Variables {
		if v.Trainable {
			firstTrainable = i
			break
		}
	}
	for _, tc := range []struct {
		name   string
		change func(c *checkpoint)
		want   string
	}{
		{"negative cursor", func(c *checkpoint) { c.Cursor = -5 }, "Cursor -5 is outside [0, 8]"},
		{"cursor past the data", func(c *checkpoint) { c.Cursor = 9 }, "Cursor 9 is outside [0, 8]"},
		{"negative step", func(c *checkpoint) { c.Step = -3 }, "Step -3 is negative"},
		{"step without history", func(c *checkpoint) { c.Step = 7 }, "3 losses and 3 learning rates for Step 7"},
		{"no epoch", func(c *checkpoint) { c.Epoch = 0 }, "Epoch 0 must be >= 1"},
		{"empty data", func(c *checkpoint) { c.DataLen = 0 }, "DataLen 0 must be > 0"},
		{"negative batch size", func(c *checkpoint) { c.BatchSize = -2 }, "BatchSize -2 is negative"},
		{"negative accumulation", func(c *checkpoint) { c.AccumulationSteps = -1 }, "AccumulationSteps -1 is negative"},
		{"RNG state", func(c *checkpoint) { c.EpochRNG = []byte("junk") }, "data-order RNG state"},
		{"NaN learning rate", func(c *checkpoint) { c.LRs[1] = math.NaN() }, "learning rate of step 2 is NaN"},
		{"evaluation in the future", func(c *checkpoint) { c.Evals = []Evaluation{{Step: 9}} },
			"evaluation 0 is at step 9, outside [1, 3]"},
		{"best step in the future", func(c *checkpoint) { c.Early.BestStep = 4 }, "BestStep 4 is outside [0, 3]"},
		{"negative patience count", func(c *checkpoint) { c.Early.Bad = -1 }, "early-stopping count -1 is negative"},
		{"negative dimension", func(c *checkpoint) { c.Variables[firstTrainable].Dims = []int{-1} },
			"dimension -1"},
		{"short data", func(c *checkpoint) { c.Variables[firstTrainable].Data = c.Variables[firstTrainable].Data[:3] },
			"3 bytes for"},
		{"bad dtype", func(c *checkpoint) { c.Variables[firstTrainable].DType = dtypes.DType(200) }, "dtype"},
		{"relative scope", func(c *checkpoint) { c.Variables[firstTrainable].Scope = "token" },
			`scope "token" is not absolute`},
		{"no name", func(c *checkpoint) { c.Variables[firstTrainable].Name = "" }, "has no name"},
		{"duplicate variable", func(c *checkpoint) { c.Variables = append(c.Variables, c.Variables[firstTrainable]) },
			"appears twice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := readCheckpoint(path)
			if err != nil {
				t.Fatal(err)
			}
			tc.change(c)
			broken := filepath.Join(t.TempDir(), "broken.ckpt")
			if err := writeCheckpoint(broken, c); err != nil {
				t.Fatal(err)
			}
			ctx := context.New()
			_, err = Train(lib.MustBackend(), ctx, tokenData(t, 8, 0), tokenLoss, resumeConfig(broken, 5))
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "runtime error") {
				t.Errorf("Train: %v; want an error mentioning %q", err, tc.want)
			}
			if ctx.NumVariables() != 0 {
				t.Errorf("the refused checkpoint left %d variables in the context", ctx.NumVariables())
			}
			if _, err := LoadCheckpoint(context.New(), broken); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("LoadCheckpoint: %v; want an error mentioning %q", err, tc.want)
			}
		})
	}
}
