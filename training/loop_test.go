package training

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX graph code reads best with the dot import.
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/layers"
	"github.com/gomlx/gomlx/pkg/ml/layers/regularizers"
	"github.com/lossbook/lossbook/lib"
)

// tokenData is a small "sequence" problem whose examples hold different numbers of tokens: x, y are [n, 5]
// float64, mask [n, 5] is 1 for the first length(i) tokens and 0 for padding.
func tokenData(t testing.TB, n int, seed int) *TensorDataset {
	t.Helper()
	const maxLen = 5
	x := make([][]float64, n)
	y := make([][]float64, n)
	mask := make([][]float64, n)
	for i := range n {
		length := 1 + (i*7+seed)%maxLen
		x[i], y[i], mask[i] = make([]float64, maxLen), make([]float64, maxLen), make([]float64, maxLen)
		for j := range maxLen {
			v := math.Sin(float64(i*maxLen+j+seed)) * 2
			x[i][j] = v
			y[i][j] = 0.7*v - 0.3 + 0.1*math.Cos(float64(3*i+j))
			if j < length {
				mask[i][j] = 1
			}
		}
	}
	ds, err := NewTensorDataset(x, y, mask)
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

// tokenLoss is Σ mask·(w·x + b − y)² and Σ mask: a per-token loss summed over the real tokens.
func tokenLoss(ctx *context.Context, batch []*Node) (sum, count *Node) {
	x, y, mask := batch[0], batch[1], batch[2]
	g := x.Graph()
	w0 := ctx.In("token").VariableWithValue("w0", 0.1).ValueGraph(g)
	w1 := ctx.In("token").VariableWithValue("w1", -0.2).ValueGraph(g)
	b := ctx.In("token").VariableWithValue("b", 0.05).ValueGraph(g)
	pred := Add(Add(Mul(x, w0), Mul(Square(x), w1)), b)
	return ReduceAllSum(Mul(mask, Square(Sub(pred, y)))), ReduceAllSum(mask)
}

func tokenParams(t *testing.T, ctx *context.Context) []float64 {
	t.Helper()
	var params []float64
	for _, name := range []string{"w0", "w1", "b"} {
		params = append(params, tensors.ToScalar[float64](ctx.GetVariableByScopeAndName("/token", name).MustValue()))
	}
	return params
}

// TestAccumulationEqualsFullBatch: 3 micro-batches of 2 examples holding different numbers of tokens, accumulated,
// give the same steps as the 6 examples at once; averaging the micro-batch means (GoMLX's accumulation) does not.
func TestAccumulationEqualsFullBatch(t *testing.T) {
	data := tokenData(t, 6, 0)
	backend := lib.MustBackend()
	run := func(batchSize, accumulation int, lossFn BatchLossFn) (*Result, []float64) {
		ctx := context.New()
		opt := NewAdam()
		opt.LR = 0.05
		res, err := Train(backend, ctx, data, lossFn, Config{Optimizer: opt, Steps: 10, BatchSize: batchSize,
			AccumulationSteps: accumulation, Progress: io.Discard})
		if err != nil {
			t.Fatal(err)
		}
		return res, tokenParams(t, ctx)
	}
	counts := []float64{}
	for start := 0; start < 6; start += 2 {
		b, _ := data.Batch([]int{start, start + 1})
		counts = append(counts, sumTensor(b[2]))
	}
	t.Logf("tokens per micro-batch: %v", counts)
	if counts[0] == counts[1] && counts[1] == counts[2] {
		t.Fatal("the micro-batches should hold different numbers of tokens")
	}

	full, fullParams := run(0, 1, tokenLoss)
	accumulated, accParams := run(2, 3, tokenLoss)
	for i := range full.Losses {
		if !near(accumulated.Losses[i], full.Losses[i], close12) {
			t.Errorf("step %d: accumulated loss %.17g, full batch %.17g", i+1, accumulated.Losses[i], full.Losses[i])
		}
	}
	if !nearAll(accParams, fullParams, close12) {
		t.Errorf("parameters after 10 steps: accumulated %v, full batch %v", accParams, fullParams)
	}

	// Negative control: a loss that is already a mean per micro-batch, accumulated, is a mean of means.
	meanLoss := func(ctx *context.Context, batch []*Node) (*Node, *Node) {
		sum, count := tokenLoss(ctx, batch)
		return Div(sum, count), ScalarOne(sum.Graph(), sum.DType())
	}
	meanOfMeans, _ := run(2, 3, meanLoss)
	if near(meanOfMeans.Losses[0], full.Losses[0], 1e-6) {
		t.Errorf("mean of micro-batch means %.17g should differ from the token-weighted loss %.17g",
			meanOfMeans.Losses[0], full.Losses[0])
	}
}

func sumTensor(t *tensors.Tensor) float64 {
	s := 0.0
	for _, v := range tensors.MustCopyFlatData[float64](t) {
		s += v
	}
	return s
}

// Environment variables of the resume-after-kill child process.
const (
	envResumeChild = "LOSSBOOK_TRAINING_RESUME_CHILD" // directory of the child's checkpoint and log
)

// resumeSteps is the length of the run killed and resumed.
const resumeSteps = 120

// resumeRun is the run that TestResumeAfterKill kills and resumes: shuffled mini-batches over several epochs,
// gradient accumulation, AdamW with a warmup schedule, dropout drawn from the context's RNG, evaluations and
// early stopping (patient enough not to stop). onStep, if set, sees each step.
func resumeRun(t testing.TB, checkpoint string, onStep func(StepInfo) error) (*Result, *context.Context) {
	ctx := context.New()
	if err := ctx.SetRNGStateFromSeed(7); err != nil {
		t.Fatal(err)
	}
	opt := NewAdamW()
	opt.LR = 0.05
	opt.NoDecay = BiasesAndNorms
	cfg := Config{
		Optimizer: opt, Steps: resumeSteps, Schedule: LinearWithWarmup{WarmupSteps: 10, TrainingSteps: resumeSteps},
		BatchSize: 4, AccumulationSteps: 2, Shuffle: true, Seed: 2024,
		EvalData: tokenData(t, 7, 3), EvalEvery: 10,
		EarlyStopping:  &EarlyStopping{Patience: 1000},
		CheckpointPath: checkpoint, CheckpointEvery: 7,
		Progress: io.Discard, OnStep: onStep,
	}
	lossFn := func(ctx *context.Context, batch []*Node) (*Node, *Node) {
		g := batch[0].Graph()
		mask := batch[2]
		if ctx.IsTraining(g) {
			// Dropout-like noise from the context's RNG, so its state must be checkpointed too.
			keep := LessThan(ctx.RandomUniform(g, shapes.Make(dtypes.Float64, mask.Shape().Dimensions...)),
				Scalar(g, dtypes.Float64, 0.9))
			mask = Mul(mask, ConvertDType(keep, dtypes.Float64))
		}
		return tokenLoss(ctx, []*Node{batch[0], batch[1], mask})
	}
	res, err := Train(lib.MustBackend(), ctx, tokenData(t, 30, 1), lossFn, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return res, ctx
}

// TestResumeAfterKill runs the training in a child process (this test binary, re-executed), kills it with SIGKILL
// in the middle of the run, resumes from its last checkpoint and checks that the loss trajectory, the evaluations
// and the final parameters are exactly (bit for bit) those of an uninterrupted run.
func TestResumeAfterKill(t *testing.T) {
	if dir := os.Getenv(envResumeChild); dir != "" {
		resumeChild(t, dir)
		return
	}
	if testing.Short() {
		t.Skip("starts a child process")
	}
	dir := t.TempDir()
	checkpoint := filepath.Join(dir, "run.ckpt")
	logPath := filepath.Join(dir, "losses.log")

	cmd := exec.Command(os.Args[0], "-test.run=^TestResumeAfterKill$", "-test.count=1")
	cmd.Env = append(os.Environ(), envResumeChild+"="+dir)
	var childOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &childOut, &childOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	// Kill at a different step each run (any step, checkpointed or not, between a quarter and three quarters).
	killAt := resumeSteps/4 + rand.IntN(resumeSteps/2)
	deadline := time.After(2 * time.Minute)
	for len(readLossLog(t, logPath)) < killAt {
		select {
		case err := <-exited:
			t.Fatalf("the child exited (%v) before step %d; output:\n%s", err, killAt, childOut.String())
		case <-deadline:
			_ = cmd.Process.Kill()
			t.Fatalf("the child did not reach step %d; output:\n%s", killAt, childOut.String())
		case <-time.After(5 * time.Millisecond):
		}
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL on Unix: no chance to clean up.
		t.Fatal(err)
	}
	<-exited
	logged := readLossLog(t, logPath)
	if len(logged) >= resumeSteps {
		t.Fatalf("the child finished (%d steps) before it was killed", len(logged))
	}
	entries, _ := os.ReadDir(dir)
	t.Logf("killed the child after %d logged steps (aimed at %d); files left: %v", len(logged), killAt,
		dirNames(entries))

	resumed, resumedCtx := resumeRun(t, checkpoint, nil)
	if resumed.ResumedFrom <= 0 || resumed.ResumedFrom > len(logged) {
		t.Fatalf("resumed from step %d, want a checkpoint in (0, %d]", resumed.ResumedFrom, len(logged))
	}
	t.Logf("resumed from the checkpoint of step %d", resumed.ResumedFrom)
	straight, straightCtx := resumeRun(t, "", nil)

	if len(resumed.Losses) != resumeSteps || len(straight.Losses) != resumeSteps {
		t.Fatalf("trajectories of %d and %d steps, want %d", len(resumed.Losses), len(straight.Losses), resumeSteps)
	}
	for i := range straight.Losses {
		if math.Float64bits(resumed.Losses[i]) != math.Float64bits(straight.Losses[i]) {
			t.Fatalf("step %d: resumed loss %.17g, uninterrupted %.17g", i+1, resumed.Losses[i], straight.Losses[i])
		}
	}
	for i, loss := range logged {
		if math.Float64bits(loss) != math.Float64bits(straight.Losses[i]) {
			t.Fatalf("step %d: the killed child logged %.17g, uninterrupted %.17g", i+1, loss, straight.Losses[i])
		}
	}
	if len(resumed.Evals) != len(straight.Evals) {
		t.Fatalf("%d evaluations after resuming, %d uninterrupted", len(resumed.Evals), len(straight.Evals))
	}
	for i := range straight.Evals {
		a, b := resumed.Evals[i], straight.Evals[i]
		if a.Step != b.Step || math.Float64bits(a.Metrics["eval_loss"]) != math.Float64bits(b.Metrics["eval_loss"]) {
			t.Fatalf("evaluation %d: resumed %+v, uninterrupted %+v", i, a, b)
		}
	}
	if resumed.BestStep != straight.BestStep || resumed.BestMetric != straight.BestMetric {
		t.Errorf("early-stopping best: resumed step %d (%v), uninterrupted step %d (%v)", resumed.BestStep,
			resumed.BestMetric, straight.BestStep, straight.BestMetric)
	}
	a, b := tokenParams(t, resumedCtx), tokenParams(t, straightCtx)
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			t.Fatalf("final parameters: resumed %v, uninterrupted %v", a, b)
		}
	}
	t.Logf("%d steps: resumed and uninterrupted runs agree bit for bit (final loss %.6g)", resumeSteps,
		straight.Losses[resumeSteps-1])
}

// resumeChild is the child side: train, logging every step's loss, slowly enough to be killed mid-run.
func resumeChild(t *testing.T, dir string) {
	f, err := os.OpenFile(filepath.Join(dir, "losses.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	resumeRun(t, filepath.Join(dir, "run.ckpt"), func(info StepInfo) error {
		if _, err := fmt.Fprintf(f, "%d %x\n", info.Step, math.Float64bits(info.Loss)); err != nil {
			return err
		}
		time.Sleep(10 * time.Millisecond)
		return nil
	})
}

// readLossLog reads the child's complete log lines.
func readLossLog(t *testing.T, path string) []float64 {
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var losses []float64
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) != 2 {
			break // a line being written
		}
		step, err1 := strconv.Atoi(fields[0])
		bits, err2 := strconv.ParseUint(fields[1], 16, 64)
		if err1 != nil || err2 != nil || step != len(losses)+1 {
			break
		}
		losses = append(losses, math.Float64frombits(bits))
	}
	return losses
}

func dirNames(entries []os.DirEntry) []string {
	names := make([]string, len(entries))
	for i, e := range entries {
		names[i] = e.Name()
	}
	return names
}

// TestAccumulationLanguageModel: a tiny language model (embedding, then a projection to the vocabulary) trained on
// padded sequences with CrossEntropySumCount: accumulating micro-batches that hold
// different numbers of real tokens equals the full batch, and the first loss is CrossEntropyLoss()'s token mean.
func TestAccumulationLanguageModel(t *testing.T) {
	const vocab, ignore = 5, -100
	tokens := [][]int32{{1, 2, 3, 4}, {2, 3, 0, 0}, {4, 1, 2, 0}, {3, 0, 0, 0}, {1, 1, 2, 2}, {4, 3, 0, 0}}
	lengths := []int{4, 2, 3, 1, 4, 2}
	targets := make([][]int32, len(tokens))
	for i, seq := range tokens {
		targets[i] = make([]int32, len(seq))
		for j := range seq {
			targets[i][j] = ignore
			if j+1 < lengths[i] {
				targets[i][j] = seq[j+1] // Next-token prediction; padding and the last token are ignored.
			}
		}
	}
	data, err := NewTensorDataset(tokens, targets)
	if err != nil {
		t.Fatal(err)
	}
	lm := func(ctx *context.Context, batch []*Node) (*Node, *Node) {
		g := batch[0].Graph()
		embed := ctx.In("lm").VariableWithValue("embed", identityish(vocab, 3)).ValueGraph(g)
		proj := ctx.In("lm").VariableWithValue("proj", identityish(3, vocab)).ValueGraph(g)
		hidden := Gather(embed, InsertAxes(batch[0], -1)) // [B, T, 3]
		logits := Einsum("btd,dv->btv", hidden, proj)     // [B, T, vocab]
		return CrossEntropySumCount(logits, batch[1], ignore, -1)
	}
	run := func(batchSize, accumulation int) *Result {
		res, err := Train(lib.MustBackend(), context.New(), data, lm, Config{Optimizer: NewAdamW(), Steps: 5,
			BatchSize: batchSize, AccumulationSteps: accumulation, Progress: io.Discard})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	full, accumulated := run(0, 1), run(2, 3)
	if !nearAll(accumulated.Losses, full.Losses, close12) {
		t.Errorf("losses: accumulated %v, full batch %v", accumulated.Losses, full.Losses)
	}
	// The first loss is the token mean of CrossEntropyLoss over the 10 predicted tokens, computed here directly.
	mean := context.MustExecOnce(lib.MustBackend(), context.New(), func(ctx *context.Context, x, y *Node) *Node {
		s, c := lm(ctx, []*Node{x, y})
		return Div(s, c)
	}, tokens, targets).Value().(float64)
	if !near(full.Losses[0], mean, close12) {
		t.Errorf("first loss %.17g, CrossEntropy token mean %.17g", full.Losses[0], mean)
	}
}

// identityish is a rows×cols matrix with distinct small entries, a deterministic starting point.
func identityish(rows, cols int) [][]float64 {
	m := make([][]float64, rows)
	for i := range m {
		m[i] = make([]float64, cols)
		for j := range m[i] {
			m[i][j] = 0.1 * math.Sin(float64(1+i*cols+j))
		}
	}
	return m
}

// regularizedData and regularizedLoss are a dense layer with L2 and L1 regularisation from context parameters
// (GoMLX's layers.Dense adds them with train.AddLoss, and L1 also registers a per-step update that zeroes the
// weights smaller than its amount), on 8 examples.
func regularizedData(t *testing.T) *TensorDataset {
	t.Helper()
	x := make([][]float64, 8)
	y := make([][]float64, 8)
	for i := range x {
		x[i] = []float64{math.Sin(float64(i)), math.Cos(float64(2 * i)), float64(i%3) - 1}
		y[i] = []float64{0.5*x[i][0] - x[i][2], 0.2 + 0.3*x[i][1]}
	}
	ds, err := NewTensorDataset(x, y)
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

// Regularisation amounts of regularizedLoss.
const (
	testL2 = 0.1
	testL1 = 0.04
)

var regularizedWeights = [][]float64{{0.8, -0.03}, {0.02, 0.5}, {-0.6, 0.3}}

func regularizedLoss(ctx *context.Context, batch []*Node) (*Node, *Node) {
	model := ctx.In("model").Checked(false) // The weights are created here with fixed values, then reused by Dense.
	model.SetParam(regularizers.ParamL2, testL2)
	model.SetParam(regularizers.ParamL1, testL1)
	dense := model.In("out").In("dense")
	if dense.GetVariableByScopeAndName(dense.Scope(), "weights") == nil {
		dense.VariableWithValue("weights", regularizedWeights)
		dense.VariableWithValue("biases", []float64{0.1, -0.1})
	}
	pred := layers.Dense(model.In("out"), batch[0], true, 2)
	diff := Sub(pred, batch[1])
	return ReduceAllSum(Square(diff)), Scalar(diff.Graph(), diff.DType(), diff.Shape().Size())
}

// TestExtraLossesInEveryPath: train.AddLoss terms (a regularised layers.Dense) and train.AddPerStepUpdateGraphFn
// updates (L1's zeroing of small weights) count in the fused step and in gradient accumulation alike, so one batch
// of 8 and two accumulated micro-batches of 4 follow the same trajectory, and the reported loss includes the terms.
func TestExtraLossesInEveryPath(t *testing.T) {
	data := regularizedData(t)
	// run returns the result, the weights after each step and the StepInfos.
	run := func(batchSize, accumulation int) (*Result, [][]float64, []StepInfo) {
		ctx := context.New()
		var infos []StepInfo
		var weights [][]float64
		res, err := Train(lib.MustBackend(), ctx, data, regularizedLoss, Config{Optimizer: NewSGD(0.05), Steps: 6,
			BatchSize: batchSize, AccumulationSteps: accumulation, Progress: io.Discard,
			OnStep: func(info StepInfo) error {
				infos = append(infos, info)
				w := ctx.GetVariableByScopeAndName("/model/out/dense", "weights")
				weights = append(weights, tensors.MustCopyFlatData[float64](w.MustValue()))
				return nil
			}})
		if err != nil {
			t.Fatal(err)
		}
		return res, weights, infos
	}
	full, fullW, fullInfos := run(0, 1)
	acc, accW, accInfos := run(4, 2)
	if !nearAll(acc.Losses, full.Losses, close12) {
		t.Errorf("losses: accumulated %v, full batch %v", acc.Losses, full.Losses)
	}
	for i := range fullW {
		if !nearAll(accW[i], fullW[i], close12) {
			t.Errorf("weights after step %d: accumulated %v, full batch %v", i+1, accW[i], fullW[i])
		}
	}

	// The first step's loss is the data's mean squared error plus L2·Σw² + L1·Σ|w|.
	mse := context.MustExecOnce(lib.MustBackend(), context.New(), func(ctx *context.Context, x, y *Node) *Node {
		s, c := regularizedLoss(ctx, []*Node{x, y})
		return Div(s, c)
	}, data.Columns()[0], data.Columns()[1]).Value().(float64)
	var l2, l1 float64
	for _, row := range regularizedWeights {
		for _, w := range row {
			l2, l1 = l2+w*w, l1+math.Abs(w)
		}
	}
	wantExtra := testL2*l2 + testL1*l1
	for name, info := range map[string]StepInfo{"full batch": fullInfos[0], "accumulated": accInfos[0]} {
		if !near(info.Loss, mse+wantExtra, close12) {
			t.Errorf("%s: first loss %.17g, want %.17g + %.17g", name, info.Loss, mse, wantExtra)
		}
	}
	// L1's per-step update zeroed the two weights that the first step left smaller than its amount, in both paths.
	for name, w := range map[string][]float64{"full batch": fullW[0], "accumulated": accW[0]} {
		if w[1] != 0 || w[2] != 0 {
			t.Errorf("%s: weights after step 1 %v, want the small ones (indices 1 and 2) zeroed by L1's per-step "+
				"update", name, w)
		}
	}
}

// TestOnStepErrorKeepsResult: an error from OnStep stops Train, which returns it wrapped together with the Result
// of the steps taken, the stopping step included.
func TestOnStepErrorKeepsResult(t *testing.T) {
	stop := errors.New("stop here")
	var seen []float64
	res, err := Train(lib.MustBackend(), context.New(), regularizedData(t), regularizedLoss, Config{Optimizer: NewSGD(0.05),
		Steps: 10, Progress: io.Discard, OnStep: func(info StepInfo) error {
			seen = append(seen, info.Loss)
			if info.Step == 4 {
				return stop
			}
			return nil
		}})
	if !errors.Is(err, stop) || !strings.Contains(err.Error(), "OnStep at step 4") {
		t.Fatalf("error %v, want OnStep's, at step 4", err)
	}
	if res == nil || res.Steps != 4 || !slices.Equal(res.Losses, seen) || len(res.LRs) != 4 {
		t.Fatalf("result %+v, want 4 steps with losses %v", res, seen)
	}
}
