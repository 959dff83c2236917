// Command dataparallel trains lossbook's bag-of-embeddings classifier on several devices of one XLA backend,
// with the batch sharded along a "data" mesh axis and XLA's SPMD partitioner doing the rest, through GoMLX's own
// trainer (train.Trainer, train.Loop, datasets.NewDistributedAccumulator). It runs the same steps on one device,
// from the same initial weights and the same batches, and prints both loss trajectories, their largest difference
// and the steps/s of each (see docs/dataparallel.md).
//
//	PJRT_PLUGIN_LIBRARY_PATH=/opt/xla go run ./examples/dataparallel -devices 2 -steps 50
package main

import (
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"time"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/distributed"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX graph code reads best with the dot import.
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/datasets"
	"github.com/gomlx/gomlx/pkg/ml/train"

	"github.com/lossbook/lossbook/lib"
	"github.com/lossbook/lossbook/lib/models"
	"github.com/lossbook/lossbook/losses"
	"github.com/lossbook/lossbook/training"
)

// Config sizes the run. DefaultConfig's values are those of docs/dataparallel.md.
type Config struct {
	Devices   int     // Devices on the "data" mesh axis; the global batch is split evenly among them.
	Batch     int     // Global batch size: every step sees Batch examples in total, Batch/Devices per device.
	Steps     int     // Optimizer steps of each run.
	Examples  int     // Size of the synthetic data set (a multiple of Batch keeps every batch full).
	SeqLen    int     // Tokens per example.
	VocabSize int     // Token ids in [0, VocabSize).
	Dim       int     // Embedding dimension.
	Classes   int     // Number of classes.
	LR        float64 // Adam's learning rate.
	Seed      uint64  // Seed of the data and of the initial weights.
}

// DefaultConfig returns the run of docs/dataparallel.md: 2 devices, global batch 256, 50 Adam steps.
func DefaultConfig() Config {
	return Config{Devices: 2, Batch: 256, Steps: 50, Examples: 4096, SeqLen: 32, VocabSize: 2000, Dim: 64,
		Classes: 4, LR: 1e-2, Seed: 1}
}

// Run is the outcome of one training run.
type Run struct {
	Devices     int              // Devices the batch was sharded over (1: the plain, undistributed trainer).
	Losses      []float64        // Batch loss of every step, before that step's update (GoMLX's first train metric).
	StepsPerSec float64          // Steps per second (wall clock), the first step (compilation) excluded.
	CPUPerStep  time.Duration    // Process CPU time (user + system, all threads) per step, the first excluded.
	Compile     time.Duration    // The first step: compilation, transfers and one step.
	Ctx         *context.Context // The trained weights and optimizer state.
}

// Data is the synthetic classification set: every example draws most of its tokens from its class's quarter
// of the vocabulary and the rest uniformly, with a random length (the mask) between SeqLen/4 and SeqLen.
type Data struct {
	Tokens [][]int32
	Mask   [][]bool
	Labels []int32
}

// MakeData returns cfg.Examples examples drawn with cfg.Seed.
func MakeData(cfg Config) Data {
	rng := rand.New(rand.NewPCG(cfg.Seed, 0xda7a))
	d := Data{Tokens: make([][]int32, cfg.Examples), Mask: make([][]bool, cfg.Examples),
		Labels: make([]int32, cfg.Examples)}
	band := cfg.VocabSize / cfg.Classes
	for i := range cfg.Examples {
		label := rng.IntN(cfg.Classes)
		length := cfg.SeqLen/4 + rng.IntN(cfg.SeqLen-cfg.SeqLen/4+1)
		d.Labels[i] = int32(label)
		d.Tokens[i] = make([]int32, cfg.SeqLen)
		d.Mask[i] = make([]bool, cfg.SeqLen)
		for s := range cfg.SeqLen {
			if rng.Float64() < 0.3 {
				d.Tokens[i][s] = int32(label*band + rng.IntN(band))
			} else {
				d.Tokens[i][s] = int32(rng.IntN(cfg.VocabSize))
			}
			d.Mask[i][s] = s < length
		}
	}
	return d
}

// model returns the bag-of-embeddings classifier for cfg.
func model(cfg Config) models.BagOfEmbeddings {
	return models.BagOfEmbeddings{VocabSize: cfg.VocabSize, Dim: cfg.Dim, NumClasses: cfg.Classes}
}

// InitialWeights returns a context holding the model's initial weights, drawn with cfg.Seed on the backend's
// first device. Every run trains a Clone of it, so that all runs start from the same weights.
func InitialWeights(backend backends.Backend, cfg Config) (*context.Context, error) {
	ctx := context.New()
	if err := ctx.SetRNGStateFromSeed(int64(cfg.Seed)); err != nil {
		return nil, err
	}
	m := model(cfg)
	tokens := [][]int32{make([]int32, cfg.SeqLen)}
	_, err := context.ExecOnce(backend, ctx, func(ctx *context.Context, tokens *Node) *Node {
		return m.Logits(ctx, tokens, nil)
	}, tokens)
	return ctx, err
}

// Train trains a clone of initial for cfg.Steps steps with Adam (training.NewAdam, lossbook's) on the mean
// cross-entropy (losses.CrossEntropy, lossbook's), through GoMLX's train.Trainer and train.Loop. With
// devices == 1 it is the plain trainer on device 0 with batches of cfg.Batch; with devices > 1 the batch is
// sharded along the "data" axis of a mesh of that many devices: GoMLX's datasets.NewDistributedAccumulator
// joins `devices` consecutive batches of cfg.Batch/devices into one distributed batch, the trainer compiles the
// step with distributed.AutoSharding (XLA's SPMD partitioner), and the weights are replicated. Both read the
// examples in the same order, so step k of both sees the same global batch.
//
// The accumulator prepares each next batch ahead, in a goroutine, while the current step runs: the batch it
// prepared after the last step is left unused (GoMLX v0.26.0's accumulator has no Close; the garbage collector
// frees it).
func Train(backend backends.Backend, initial *context.Context, data Data, cfg Config, devices int) (*Run, error) {
	if cfg.Steps < 2 {
		return nil, fmt.Errorf("dataparallel: %d steps, want at least 2 (the first one compiles)", cfg.Steps)
	}
	if devices < 1 || cfg.Batch%devices != 0 {
		return nil, fmt.Errorf("dataparallel: global batch %d does not split over %d devices", cfg.Batch, devices)
	}
	if devices > backend.NumDevices() {
		return nil, fmt.Errorf("dataparallel: %d devices asked, the backend has %d", devices, backend.NumDevices())
	}
	cloned, err := initial.Clone()
	if err != nil {
		return nil, err
	}
	ctx := cloned.Reuse() // The clone holds the initial weights: the model reuses them.
	m := model(cfg)
	modelFn := func(ctx *context.Context, _ any, inputs []*Node) []*Node {
		return []*Node{m.Logits(ctx, inputs[0], inputs[1])}
	}
	lossFn := func(labels, predictions []*Node) *Node { return losses.CrossEntropy(predictions[0], labels[0]) }
	opt := training.NewAdam()
	opt.LR = cfg.LR
	trainer := train.NewTrainer(backend, ctx, modelFn, lossFn, opt, nil, nil)

	source, err := datasets.InMemoryFromData(backend, "synthetic",
		[]any{data.Tokens, data.Mask}, []any{data.Labels})
	if err != nil {
		return nil, err
	}
	source.BatchSize(cfg.Batch/devices, true).Infinite(true) // In order, no shuffling: both runs see the same batches.
	var ds train.Dataset = source
	if devices > 1 {
		mesh, err := distributed.NewDeviceMesh([]int{devices}, []string{"data"})
		if err != nil {
			return nil, err
		}
		byBatch, err := distributed.NewShardingSpec(mesh, distributed.AxisSpec{"data"}) // Axis 0 split over "data".
		if err != nil {
			return nil, err
		}
		ds, err = datasets.NewDistributedAccumulator(backend, source, distributed.AutoSharding,
			[]*distributed.ShardingSpec{byBatch}, []*distributed.ShardingSpec{byBatch}, nil)
		if err != nil {
			return nil, err
		}
	}

	run := &Run{Devices: devices, Ctx: ctx}
	loop := train.NewLoop(trainer)
	loop.OnStep("record loss", train.Priority(0), func(_ *train.Loop, metrics []*tensors.Tensor) error {
		run.Losses = append(run.Losses, float64(tensors.ToScalar[float32](metrics[0])))
		return nil
	})
	// The first step compiles; the steps/s are timed over the others, data loading included.
	start := time.Now()
	if _, err := loop.RunSteps(ds, 1); err != nil {
		return nil, err
	}
	run.Compile = time.Since(start)
	start, cpuStart := time.Now(), cpuTime()
	if _, err := loop.RunSteps(ds, cfg.Steps-1); err != nil {
		return nil, err
	}
	elapsed := time.Since(start)
	run.CPUPerStep = (cpuTime() - cpuStart) / time.Duration(cfg.Steps-1)
	run.StepsPerSec = float64(cfg.Steps-1) / elapsed.Seconds()
	return run, nil
}

// MaxRelDiff returns max_k |a_k − b_k| / |b_k| over two loss trajectories of the same length.
func MaxRelDiff(a, b []float64) float64 {
	worst := 0.0
	for k := range min(len(a), len(b)) {
		worst = max(worst, math.Abs(a[k]-b[k])/math.Abs(b[k]))
	}
	return worst
}

func main() {
	cfg := DefaultConfig()
	flag.IntVar(&cfg.Devices, "devices", cfg.Devices, "devices to shard the batch over (>= 2); 0 with -backend: all of them")
	backendConfig := flag.String("backend", "", "GoMLX backend, e.g. xla:cuda for the GPUs (default: the XLA CPU "+
		"plugin with -devices devices, through the client option cpu_device_count)")
	flag.IntVar(&cfg.Batch, "batch", cfg.Batch, "global batch size (split evenly over the devices)")
	flag.IntVar(&cfg.Steps, "steps", cfg.Steps, "training steps of each run")
	rounds := flag.Int("rounds", 1, "rounds of (one device, several devices) runs, alternating, for the steps/s")
	flag.Parse()
	if err := run(os.Stdout, *backendConfig, cfg, *rounds); err != nil {
		fmt.Fprintln(os.Stderr, "dataparallel:", err)
		os.Exit(1)
	}
}

// run trains on one device and on cfg.Devices devices, `rounds` times alternating, and prints the first round's
// loss trajectories, their largest relative difference, and each round's steps/s and their ratio. backendConfig
// "" means the XLA CPU plugin with cfg.Devices devices; else it is a GoMLX backend configuration (xla:cuda), and
// cfg.Devices 0 means all of its devices.
func run(w io.Writer, backendConfig string, cfg Config, rounds int) error {
	if (cfg.Devices < 2 && (backendConfig == "" || cfg.Devices != 0)) || rounds < 1 || cfg.Steps < 2 {
		return fmt.Errorf("want -devices >= 2 (or 0 with -backend), -rounds >= 1 and -steps >= 2, got %d, %d and %d",
			cfg.Devices, rounds, cfg.Steps)
	}
	var backend backends.Backend
	var err error
	if backendConfig == "" {
		backend, err = lib.NewXLAWithDevices(cfg.Devices)
	} else {
		backend, err = lib.New(backendConfig)
	}
	if err != nil {
		return err
	}
	defer backend.Finalize()
	if cfg.Devices == 0 {
		cfg.Devices = backend.NumDevices()
	}
	if cfg.Devices < 2 || cfg.Devices > backend.NumDevices() {
		return fmt.Errorf("backend %s has %d device(s); data parallelism needs 2 or more (asked for %d)",
			backend.Name(), backend.NumDevices(), cfg.Devices)
	}
	fmt.Fprintf(w, "backend: %s; GOMAXPROCS %d\n", backend.Description(), runtime.GOMAXPROCS(0))
	data := MakeData(cfg)
	initial, err := InitialWeights(backend, cfg)
	if err != nil {
		return err
	}
	var ratios []float64
	for round := range rounds {
		one, err := Train(backend, initial, data, cfg, 1)
		if err != nil {
			return fmt.Errorf("one device: %w", err)
		}
		many, err := Train(backend, initial, data, cfg, cfg.Devices)
		if err != nil {
			return fmt.Errorf("%d devices: %w", cfg.Devices, err)
		}
		if round == 0 {
			fmt.Fprintf(w, "%5s %12s %12s\n", "step", "1 device", fmt.Sprintf("%d devices", cfg.Devices))
			for k := range one.Losses {
				if k < 3 || k%10 == 9 || k == len(one.Losses)-1 {
					fmt.Fprintf(w, "%5d %12.7f %12.7f\n", k+1, one.Losses[k], many.Losses[k])
				}
			}
			fmt.Fprintf(w, "largest relative difference of the loss over %d steps: %.2g\n", cfg.Steps,
				MaxRelDiff(many.Losses, one.Losses))
		}
		ratios = append(ratios, many.StepsPerSec/one.StepsPerSec)
		fmt.Fprintf(w, "round %d: 1 device %.1f steps/s (%s CPU/step), %d devices %.1f steps/s (%s CPU/step); "+
			"ratio %.2f; first step (compilation) %s and %s\n", round+1, one.StepsPerSec,
			one.CPUPerStep.Round(time.Microsecond), cfg.Devices, many.StepsPerSec,
			many.CPUPerStep.Round(time.Microsecond), ratios[round], one.Compile.Round(time.Millisecond),
			many.Compile.Round(time.Millisecond))
	}
	if rounds > 1 {
		fmt.Fprintf(w, "ratio %d devices / 1 device: median %.2f, min %.2f, max %.2f over %d rounds\n", cfg.Devices,
			median(ratios), slices.Min(ratios), slices.Max(ratios), rounds)
	}
	return nil
}

func median(x []float64) float64 {
	s := slices.Sorted(slices.Values(x))
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
