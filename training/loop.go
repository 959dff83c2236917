package training

import (
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"time"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX graph code reads best with the dot import.
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/context/initializers"
	"github.com/gomlx/gomlx/pkg/ml/train"
	"github.com/lossbook/lossbook/lib"
)

// BatchLossFn builds the graph of one batch for Train: it returns the sum of the batch's loss terms and how many
// terms were summed, both scalars. For a language model the terms are the per-token losses of the non-padding
// tokens and count is their number; for a regression, the squared errors and the number of elements.
//
// Train divides the total sum by the total count of a step, so a step made of several micro-batches (see
// Config.AccumulationSteps) equals one step on all of them at once, even when they hold different numbers of
// tokens. A loss that is already a mean can return (mean, 1): then micro-batches are weighted equally.
//
// Loss terms that the model adds with GoMLX's train.AddLoss (layers.Dense's L1 and L2 regularisation from the
// context parameters regularizers.ParamL1 and ParamL2, for instance) are added to the step's objective, sum/count +
// extra, as GoMLX's trainer does; over micro-batches each one's extra terms are weighted by its count, so a
// regularisation of the weights counts once per step whatever the accumulation. The updates registered with
// train.AddPerStepUpdateGraphFn (L1's zeroing of small weights) run after every optimizer update. Evaluation
// ("eval_loss") leaves the extra terms out.
// batch holds the tensors Dataset.Batch returned, as graph nodes. ctx is in the scope Train was given.
type BatchLossFn func(ctx *context.Context, batch []*Node) (sum, count *Node)

// Config configures Train. Optimizer and Steps are required; the zero value of every other field is a sensible
// default.
type Config struct {
	// Optimizer updates the trainable variables (required): NewSGD, NewGD, NewAdam, NewAdamW or NewOptimizer.
	Optimizer Optimizer
	// Schedule sets the learning rate of each step from Optimizer.BaseLR(); nil keeps it constant.
	Schedule Schedule
	// Steps is the total number of optimizer steps (required), counting those taken before a resume.
	Steps int

	// BatchSize is the number of examples per micro-batch; 0 takes the whole data set at every step (full-batch
	// gradient descent). The last batch of an epoch may be smaller.
	BatchSize int
	// AccumulationSteps is the number of micro-batches whose gradients make one step (0 or 1: no accumulation).
	AccumulationSteps int
	// Shuffle reshuffles the examples at the start of every epoch with the data-order RNG.
	Shuffle bool
	// Seed seeds the data-order RNG (a PCG, whose state checkpoints keep).
	Seed uint64

	// EvalData, if set, is evaluated every EvalEvery steps and after the last step: "eval_loss" is its total sum
	// over its total count (token-weighted, not a mean of batch means), from the BatchLossFn in a graph where
	// ctx.IsTraining is false. For a classifier or language model it must be the unsmoothed, unweighted NLL per
	// token in nats, as CrossEntropySumCount and TrainingCrossEntropySumCount give it there.
	EvalData Dataset
	// EvalBatchSize is the batch size for EvalData; 0 uses BatchSize.
	EvalBatchSize int
	// EvalEvery is the number of steps between evaluations; 0 evaluates only after the last step.
	EvalEvery int
	// Eval, if set, adds metrics of its own to each evaluation (e.g. accuracy, BLEU), computed with ctx.
	Eval func(ctx *context.Context) (map[string]float64, error)
	// EarlyStopping, if set, stops when the evaluation metric stops improving.
	EarlyStopping *EarlyStopping

	// CheckpointPath, if set, is the checkpoint file: written atomically (temporary file, then rename) every
	// CheckpointEvery steps, at early stopping and at the end; if it exists when Train starts, Train resumes from
	// it, reaching the same loss trajectory as an uninterrupted run. Before it restores anything, Train checks the
	// file (CRC, every field) and compares its configuration with this run's (see ResumeAnyway): a refused
	// resume returns an error and leaves ctx as it was.
	CheckpointPath string
	// CheckpointEvery is the number of steps between checkpoints; 0 writes one only at the end.
	CheckpointEvery int
	// ResumeAnyway resumes from a checkpoint written with another configuration. Without it, Train refuses a
	// checkpoint whose Optimizer (its description: class and settings), Schedule, BatchSize, AccumulationSteps,
	// Shuffle, Seed or data size differ from this run's, naming each difference. With it, the run continues from
	// the checkpoint's step, optimizer state and data position (the data-order RNG continues from its saved state,
	// whatever Seed says) under this run's settings, and the checkpoints it writes record them.
	ResumeAnyway bool

	// Progress receives the progress bar: nil means os.Stdout in a notebook and os.Stderr elsewhere; io.Discard
	// silences it.
	Progress io.Writer
	// PlotTitle is the title of the live loss curve drawn in a notebook (nothing is drawn elsewhere); "" means
	// "loss".
	PlotTitle string
	// NoPlot skips the live loss curve (e.g. for several short runs in one notebook cell).
	NoPlot bool
	// OnStep, if set, is called after every step; an error stops Train, which returns it with the Result so far
	// (Steps, Losses, LRs and Evals through that step; the step is not checkpointed).
	OnStep func(StepInfo) error
}

// EarlyStopping stops training when an evaluation metric has not improved for Patience evaluations in a row, as
// Hugging Face's EarlyStoppingCallback(early_stopping_patience, early_stopping_threshold).
type EarlyStopping struct {
	// Metric is the key of the evaluation metric to watch; "" means "eval_loss".
	Metric string
	// Maximize means higher is better (accuracy, F1, BLEU); otherwise lower is better.
	Maximize bool
	// Patience is the number of evaluations without improvement that stops training; 0 means 1.
	Patience int
	// MinDelta is how much better than the best so far a value must be to count as an improvement.
	MinDelta float64
}

// earlyStoppingState is the early-stopping position, kept in checkpoints.
type earlyStoppingState struct {
	HasBest  bool
	Best     float64
	BestStep int
	Bad      int
	Stopped  bool
}

// StepInfo is what Config.OnStep receives after each step.
type StepInfo struct {
	Step int // steps taken so far (1 after the first)
	// Loss is the step's loss before the update: the total sum over the total count of its micro-batches, plus
	// the extra loss terms the model added with GoMLX's train.AddLoss (layers.Dense's L1/L2 regularisation).
	Loss float64
	// ExtraLoss is the part of Loss that came from train.AddLoss terms (0 without them).
	ExtraLoss float64
	Count     float64 // the step's total count
	LR        float64 // learning rate used by the step
	// Eval holds the metrics if an evaluation ran after this step, else nil.
	Eval map[string]float64
}

// Evaluation is the metrics of one evaluation.
type Evaluation struct {
	Step    int                // the step after which it ran
	Metrics map[string]float64 // "eval_loss" and Config.Eval's metrics
}

// Result is what Train returns: the whole history, including the steps before a resume.
type Result struct {
	Steps        int           // steps taken in all
	Losses       []float64     // Losses[i] is the loss of step i+1
	LRs          []float64     // LRs[i] is the learning rate of step i+1
	Evals        []Evaluation  // every evaluation
	StoppedEarly bool          // EarlyStopping ended the run
	BestStep     int           // step of the best evaluation of EarlyStopping's metric (0 if none)
	BestMetric   float64       // its value (NaN if none)
	ResumedFrom  int           // the checkpoint's step if Train resumed, else 0
	Elapsed      time.Duration // wall time of this Train call
}

// LastEval returns the metrics of the last evaluation, or nil if there was none.
func (r *Result) LastEval() map[string]float64 {
	if len(r.Evals) == 0 {
		return nil
	}
	return r.Evals[len(r.Evals)-1].Metrics
}

// Scopes of the loop's own variables (gradient accumulators).
const (
	accumulatorScope = "/training/accumulated_gradients"
	accumulatedCount = "/training"
)

// Train minimises lossFn over data with cfg.Optimizer for cfg.Steps steps and returns the history. It draws a
// progress bar (loss, evaluation metrics, learning rate, steps/s), evaluates, stops early, checkpoints and resumes
// as cfg says, and draws a live loss curve in a notebook.
//
// backend nil means lib.Backend(). ctx holds the model's variables (created by lossFn at the first step, or
// already there) and the optimizer's state. Panics while building or running graphs (shape errors in lossFn,
// for instance) are returned as errors, as are invalid configurations and I/O errors.
func Train(backend backends.Backend, ctx *context.Context, data Dataset, lossFn BatchLossFn, cfg Config) (
	res *Result, err error) {
	defer func() {
		if r := recover(); r != nil {
			res = nil
			if e, ok := r.(error); ok {
				err = fmt.Errorf("training: Train: %w", e)
			} else {
				err = fmt.Errorf("training: Train: %v", r)
			}
		}
	}()
	l, err := newLoop(backend, ctx, data, lossFn, cfg)
	if err != nil {
		return nil, err
	}
	return l.run()
}

// loop is one Train call.
type loop struct {
	backend backends.Backend
	ctx     *context.Context // the context the graphs are built with
	data    Dataset
	lossFn  BatchLossFn
	cfg     Config
	accum   int

	state checkpoint // the loop's position; Variables unused here
	rng   *rand.PCG
	order []int

	fullBatch []*tensors.Tensor // cached when BatchSize is 0

	stepExec, microExec, lastMicroExec, evalExec *context.Exec
	trained                                      []*context.Variable // trainable variables, set by the first graph

	progress *progressBar
	curve    lossCurve
	res      *Result
}

func newLoop(backend backends.Backend, ctx *context.Context, data Dataset, lossFn BatchLossFn, cfg Config) (
	*loop, error) {
	if err := cfg.validate(ctx, data, lossFn); err != nil {
		return nil, err
	}
	if backend == nil {
		var err error
		if backend, err = lib.Backend(); err != nil {
			return nil, err
		}
	}
	if cfg.Schedule == nil {
		cfg.Schedule = Constant{}
	}
	l := &loop{backend: backend, ctx: ctx, data: data, lossFn: lossFn, cfg: cfg, accum: max(1, cfg.AccumulationSteps)}
	l.state.Seed = cfg.Seed
	l.state.DataLen = data.Len()
	l.res = &Result{BestMetric: math.NaN()}
	return l, nil
}

// validate checks the configuration before anything runs.
func (cfg *Config) validate(ctx *context.Context, data Dataset, lossFn BatchLossFn) error {
	switch {
	case ctx == nil:
		return errors.New("training: Train: ctx is nil")
	case data == nil || data.Len() <= 0:
		return errors.New("training: Train: the data set is empty")
	case lossFn == nil:
		return errors.New("training: Train: lossFn is nil")
	case cfg.Optimizer == nil:
		return errors.New("training: Train: Config.Optimizer is required (NewSGD, NewAdamW, NewOptimizer...)")
	case cfg.Steps <= 0:
		return fmt.Errorf("training: Train: Config.Steps must be > 0, got %d", cfg.Steps)
	case cfg.BatchSize < 0 || cfg.EvalBatchSize < 0:
		return fmt.Errorf("training: Train: batch sizes must be >= 0 (0: whole data set), got BatchSize=%d, "+
			"EvalBatchSize=%d", cfg.BatchSize, cfg.EvalBatchSize)
	case cfg.AccumulationSteps < 0 || cfg.EvalEvery < 0 || cfg.CheckpointEvery < 0:
		return fmt.Errorf("training: Train: AccumulationSteps=%d, EvalEvery=%d and CheckpointEvery=%d must be >= 0",
			cfg.AccumulationSteps, cfg.EvalEvery, cfg.CheckpointEvery)
	case cfg.EarlyStopping != nil && cfg.EvalData == nil && cfg.Eval == nil:
		return errors.New("training: Train: EarlyStopping needs an evaluation (Config.EvalData or Config.Eval)")
	case cfg.EarlyStopping != nil && cfg.EarlyStopping.Patience < 0:
		return fmt.Errorf("training: Train: EarlyStopping.Patience must be >= 0, got %d", cfg.EarlyStopping.Patience)
	case cfg.EvalData != nil && cfg.EvalData.Len() <= 0:
		return errors.New("training: Train: Config.EvalData is empty")
	}
	if err := cfg.Optimizer.Validate(); err != nil {
		return fmt.Errorf("training: Train: %s: %w", cfg.Optimizer.Name(), err)
	}
	if cfg.Schedule != nil {
		if err := cfg.Schedule.Validate(); err != nil {
			return fmt.Errorf("training: Train: %w", err)
		}
	}
	return nil
}

// evaluating reports whether the configuration asks for evaluations.
func (l *loop) evaluating() bool { return l.cfg.EvalData != nil || l.cfg.Eval != nil }

func (l *loop) run() (*Result, error) {
	start := time.Now()
	if l.cfg.CheckpointPath != "" && fileExists(l.cfg.CheckpointPath) {
		if err := l.resume(); err != nil {
			return nil, err
		}
	} else {
		l.startEpoch(true)
	}
	if l.ctx.NumVariables() > 0 {
		// Variables exist (restored, or from an earlier run): build graphs that reuse them.
		l.ctx = l.ctx.Checked(false)
	}
	l.res.Losses = append(l.res.Losses, l.state.Losses...)
	l.res.LRs = append(l.res.LRs, l.state.LRs...)
	l.res.Evals = append(l.res.Evals, l.state.Evals...)

	out := l.cfg.Progress
	if out == nil {
		out = os.Stderr
		if inNotebook() {
			out = os.Stdout
		}
	}
	l.progress = newProgressBar(out, l.cfg.Steps, l.state.Step)
	title := l.cfg.PlotTitle
	if title == "" {
		title = "loss"
	}
	l.curve = newLossCurve(title)
	if l.cfg.NoPlot {
		l.curve = noCurve{}
	}
	for i, loss := range l.state.Losses {
		l.curve.Add("train", i+1, loss)
	}
	for _, e := range l.state.Evals {
		if v, ok := e.Metrics["eval_loss"]; ok {
			l.curve.Add("eval", e.Step, v)
		}
	}
	defer l.curve.Done()

	for l.state.Step < l.cfg.Steps && !l.state.Early.Stopped {
		info, err := l.step()
		if err != nil {
			return nil, err
		}
		last := l.state.Step == l.cfg.Steps
		if l.evaluating() && ((l.cfg.EvalEvery > 0 && l.state.Step%l.cfg.EvalEvery == 0) || last) {
			if info.Eval, err = l.evaluate(); err != nil {
				return nil, err
			}
		}
		l.progress.update(l.state.Step, info.Loss, info.LR, info.Eval, last || l.state.Early.Stopped)
		if l.cfg.OnStep != nil {
			if err := l.cfg.OnStep(info); err != nil {
				l.res.Steps, l.res.Elapsed = l.state.Step, time.Since(start)
				return l.res, fmt.Errorf("training: Train: OnStep at step %d: %w", l.state.Step, err)
			}
		}
		if l.cfg.CheckpointPath != "" && (last || l.state.Early.Stopped ||
			(l.cfg.CheckpointEvery > 0 && l.state.Step%l.cfg.CheckpointEvery == 0)) {
			if err := l.save(); err != nil {
				return nil, err
			}
		}
	}
	l.res.Steps = l.state.Step
	l.res.StoppedEarly = l.state.Early.Stopped
	if l.state.Early.HasBest {
		l.res.BestStep, l.res.BestMetric = l.state.Early.BestStep, l.state.Early.Best
	}
	l.res.Elapsed = time.Since(start)
	return l.res, nil
}

// step takes one optimizer step.
func (l *loop) step() (StepInfo, error) {
	lr := l.cfg.Schedule.LR(l.cfg.Optimizer.BaseLR(), l.state.Step)
	if err := SetLR(l.ctx, l.cfg.Optimizer, lr); err != nil {
		return StepInfo{}, err
	}
	var sum, count, extra float64
	for micro := range l.accum {
		batch, err := l.nextBatch()
		if err != nil {
			return StepInfo{}, err
		}
		args := make([]any, len(batch))
		for i, t := range batch {
			args[i] = t
		}
		var outs []*tensors.Tensor
		switch {
		case l.accum == 1:
			outs, err = l.execStep().Exec(args...)
		case micro < l.accum-1:
			outs, err = l.execMicro().Exec(args...)
		default:
			outs, err = l.execLastMicro().Exec(args...)
		}
		if err != nil {
			return StepInfo{}, fmt.Errorf("training: Train: step %d, micro-batch %d: %w", l.state.Step+1, micro, err)
		}
		sum += tensors.ToScalar[float64](outs[0])
		count += tensors.ToScalar[float64](outs[1])
		extra += tensors.ToScalar[float64](outs[2])
	}
	extraLoss := extra / count
	loss := sum/count + extraLoss
	l.state.Step++
	l.state.Losses = append(l.state.Losses, loss)
	l.state.LRs = append(l.state.LRs, lr)
	l.res.Losses = append(l.res.Losses, loss)
	l.res.LRs = append(l.res.LRs, lr)
	l.curve.Add("train", l.state.Step, loss)
	return StepInfo{Step: l.state.Step, Loss: loss, ExtraLoss: extraLoss, Count: count, LR: lr}, nil
}

// startEpoch begins an epoch: it records the RNG state, then draws the epoch's order.
func (l *loop) startEpoch(first bool) {
	if first {
		l.rng = rand.NewPCG(l.state.Seed, l.state.Seed^0x9e3779b97f4a7c15)
	}
	state, err := l.rng.MarshalBinary()
	if err != nil {
		panic(fmt.Sprintf("training: saving the data-order RNG state: %v", err))
	}
	l.state.EpochRNG = state
	l.state.Epoch++
	l.state.Cursor = 0
	l.drawOrder()
}

// drawOrder draws the current epoch's order from the RNG.
func (l *loop) drawOrder() {
	n := l.data.Len()
	if len(l.order) != n {
		l.order = make([]int, n)
	}
	for i := range l.order {
		l.order[i] = i
	}
	if l.cfg.Shuffle {
		rand.New(l.rng).Shuffle(n, func(i, j int) { l.order[i], l.order[j] = l.order[j], l.order[i] })
	}
}

// nextBatch returns the next micro-batch in data order.
func (l *loop) nextBatch() ([]*tensors.Tensor, error) {
	n := l.data.Len()
	if l.cfg.BatchSize == 0 || l.cfg.BatchSize >= n && !l.cfg.Shuffle {
		if l.fullBatch == nil {
			var err error
			if l.fullBatch, err = l.data.Batch(l.order); err != nil {
				return nil, fmt.Errorf("training: Train: reading the data: %w", err)
			}
		}
		l.state.Epoch++
		return l.fullBatch, nil
	}
	if l.state.Cursor >= n {
		l.startEpoch(false)
	}
	end := min(l.state.Cursor+l.cfg.BatchSize, n)
	indices := l.order[l.state.Cursor:end]
	l.state.Cursor = end
	batch, err := l.data.Batch(indices)
	if err != nil {
		return nil, fmt.Errorf("training: Train: reading the data: %w", err)
	}
	return batch, nil
}

// lossGraph calls lossFn and checks its results.
func (l *loop) lossGraph(ctx *context.Context, batch []*Node) (sum, count *Node) {
	sum, count = l.lossFn(ctx, batch)
	if sum == nil || count == nil || !sum.Shape().IsScalar() || !count.Shape().IsScalar() {
		panic(fmt.Sprintf("training: Train: lossFn must return two scalars (sum, count), got %v and %v",
			shapeOf(sum), shapeOf(count)))
	}
	if !sum.DType().IsFloat() {
		panic(fmt.Sprintf("training: Train: lossFn's sum must be a float, got %s", sum.Shape()))
	}
	return sum, count
}

func shapeOf(n *Node) string {
	if n == nil {
		return "nil"
	}
	return n.Shape().String()
}

// trainableVars returns the trainable variables of the graph on which the objective depends (the others get no
// gradient, as torch's grad None, and the optimizer leaves them alone), checking they are the same at every build.
func (l *loop) trainableVars(ctx *context.Context, objective *Node) []*context.Variable {
	vars := withGradient(objective, trainableInGraph(ctx, objective.Graph()))
	if len(vars) == 0 {
		panic("training: Train: lossFn uses no trainable variable that the loss depends on, there is nothing to train")
	}
	if l.trained == nil {
		l.trained = vars
	} else if len(vars) != len(l.trained) {
		panic(fmt.Sprintf("training: Train: lossFn used %d trainable variables, then %d", len(l.trained), len(vars)))
	}
	return vars
}

// extraLoss returns the sum of the loss terms added with GoMLX's train.AddLoss while building g (regularisation),
// as dtype, or nil if there are none.
func extraLoss(ctx *context.Context, g *Graph, dtype dtypes.DType) *Node {
	value, found := ctx.InAbsPath(train.TrainerAbsoluteScope).GetGraphParam(g, train.TrainerLossGraphParamKey)
	if !found || value == nil {
		return nil
	}
	extra, ok := value.(*Node)
	if !ok || extra == nil {
		return nil
	}
	if !extra.Shape().IsScalar() {
		panic(fmt.Sprintf("training: Train: the loss terms added with train.AddLoss must sum to a scalar, got %s",
			extra.Shape()))
	}
	return ConvertDType(extra, dtype)
}

// objective builds one batch's part of the step's objective: lossFn's sum and count, and the count-weighted extra
// loss terms count·extra (zero without them). The gradient of sum + count·extra, divided by the step's total count,
// is the gradient of sum/count + extra for a single batch and the count-weighted mean over micro-batches.
func (l *loop) objective(ctx *context.Context, batch []*Node) (sum, count, weightedExtra *Node) {
	g := batch[0].Graph()
	ctx.SetTraining(g, true)
	sum, count = l.lossGraph(ctx, batch)
	count = ConvertDType(count, sum.DType())
	if extra := extraLoss(ctx, g, sum.DType()); extra != nil {
		return sum, count, Mul(count, extra)
	}
	return sum, count, ScalarZero(g, sum.DType())
}

// graphValues returns the graph values of vars.
func graphValues(g *Graph, vars []*context.Variable) []*Node {
	values := make([]*Node, len(vars))
	for i, v := range vars {
		values[i] = v.ValueGraph(g)
	}
	return values
}

// float64s converts the nodes to float64.
func float64s(nodes ...*Node) []*Node {
	out := make([]*Node, len(nodes))
	for i, n := range nodes {
		out[i] = ConvertDType(n, dtypes.Float64)
	}
	return out
}

// execStep is the fused step (no accumulation): loss = sum/count + extra, gradients, update, per-step updates.
// It returns sum, count and count·extra, as float64.
func (l *loop) execStep() *context.Exec {
	if l.stepExec == nil {
		l.stepExec = context.MustNewExec(l.backend, l.ctx, func(ctx *context.Context, batch []*Node) []*Node {
			g := batch[0].Graph()
			sum, count, weightedExtra := l.objective(ctx, batch)
			loss := Div(Add(sum, weightedExtra), count)
			vars := l.trainableVars(ctx, loss)
			l.cfg.Optimizer.ApplyGradients(ctx, vars, Gradient(loss, graphValues(g, vars)...))
			train.ExecPerStepUpdateGraphFn(ctx, g)
			return float64s(sum, count, weightedExtra)
		})
	}
	return l.stepExec
}

// execMicro accumulates the gradients of one micro-batch's sum + count·extra, and its count.
func (l *loop) execMicro() *context.Exec {
	if l.microExec == nil {
		l.microExec = context.MustNewExec(l.backend, l.ctx, func(ctx *context.Context, batch []*Node) []*Node {
			return l.accumulate(ctx, batch, false)
		})
	}
	return l.microExec
}

// execLastMicro accumulates the last micro-batch of a step, divides the accumulated gradients by the accumulated
// count, updates, runs the per-step updates and resets the accumulators, as GoMLX's accumulateStepAndApplyGraph.
func (l *loop) execLastMicro() *context.Exec {
	if l.lastMicroExec == nil {
		// The variables exist: the first micro-batch of the step built them.
		l.lastMicroExec = context.MustNewExec(l.backend, l.ctx.Checked(false),
			func(ctx *context.Context, batch []*Node) []*Node {
				return l.accumulate(ctx, batch, true)
			})
	}
	return l.lastMicroExec
}

// accumulate is the graph of execMicro (apply false) and execLastMicro (apply true).
func (l *loop) accumulate(ctx *context.Context, batch []*Node, apply bool) []*Node {
	g := batch[0].Graph()
	sum, count, weightedExtra := l.objective(ctx, batch)
	objective := Add(sum, weightedExtra)
	vars := l.trainableVars(ctx, objective)
	grads := Gradient(objective, graphValues(g, vars)...)
	countVar := ctx.InAbsPath(accumulatedCount).Checked(false).
		VariableWithValue("accumulated_count", 0.0).SetTrainable(false)
	totalCount := Add(countVar.ValueGraph(g), ConvertDType(count, dtypes.Float64))
	accumulators := make([]*context.Variable, len(vars))
	for i, v := range vars {
		accumulators[i] = shadowVariable(ctx, accumulatorScope, v)
		grads[i] = Add(accumulators[i].ValueGraph(g), grads[i])
	}
	if !apply {
		for i, acc := range accumulators {
			acc.SetValueGraph(grads[i])
		}
		countVar.SetValueGraph(totalCount)
		return float64s(sum, count, weightedExtra)
	}
	for i, grad := range grads {
		grads[i] = Div(grad, ConvertDType(totalCount, grad.DType()))
	}
	l.cfg.Optimizer.ApplyGradients(ctx, vars, grads)
	train.ExecPerStepUpdateGraphFn(ctx, g)
	for _, acc := range accumulators {
		acc.SetValueGraph(Zeros(g, acc.Shape()))
	}
	countVar.SetValueGraph(ZerosLike(totalCount))
	return float64s(sum, count, weightedExtra)
}

// shadowVariable returns a zero-initialised, non-trainable variable shaped as v under root + v's scope.
func shadowVariable(ctx *context.Context, root string, v *context.Variable) *context.Variable {
	scope := root
	if v.Scope() != context.RootScope {
		scope += v.Scope()
	}
	return ctx.InAbsPath(scope).Checked(false).WithInitializer(initializers.Zero).
		VariableWithShape(v.Name(), v.Shape()).SetTrainable(false)
}

// evaluate computes eval_loss over EvalData and the metrics of Config.Eval, and applies early stopping.
func (l *loop) evaluate() (map[string]float64, error) {
	metrics := map[string]float64{}
	if l.cfg.EvalData != nil {
		loss, err := l.evalLoss()
		if err != nil {
			return nil, err
		}
		metrics["eval_loss"] = loss
		l.curve.Add("eval", l.state.Step, loss)
	}
	if l.cfg.Eval != nil {
		extra, err := l.cfg.Eval(l.ctx)
		if err != nil {
			return nil, fmt.Errorf("training: Train: Eval at step %d: %w", l.state.Step, err)
		}
		for k, v := range extra {
			metrics[k] = v
		}
	}
	e := Evaluation{Step: l.state.Step, Metrics: metrics}
	l.state.Evals = append(l.state.Evals, e)
	l.res.Evals = append(l.res.Evals, e)
	if es := l.cfg.EarlyStopping; es != nil {
		if err := l.earlyStop(es, metrics); err != nil {
			return nil, err
		}
	}
	return metrics, nil
}

// evalLoss is the total sum over the total count of EvalData, in order, without updates.
func (l *loop) evalLoss() (float64, error) {
	if l.evalExec == nil {
		l.evalExec = context.MustNewExec(l.backend, l.ctx.Checked(false),
			func(ctx *context.Context, batch []*Node) []*Node {
				ctx.SetTraining(batch[0].Graph(), false)
				sum, count := l.lossGraph(ctx, batch)
				return []*Node{ConvertDType(sum, dtypes.Float64), ConvertDType(count, dtypes.Float64)}
			})
	}
	n := l.cfg.EvalData.Len()
	bs := l.cfg.EvalBatchSize
	if bs == 0 {
		bs = l.cfg.BatchSize
	}
	if bs == 0 {
		bs = n
	}
	var sum, count float64
	indices := make([]int, 0, bs)
	for start := 0; start < n; start += bs {
		indices = indices[:0]
		for i := start; i < min(start+bs, n); i++ {
			indices = append(indices, i)
		}
		batch, err := l.cfg.EvalData.Batch(indices)
		if err != nil {
			return 0, fmt.Errorf("training: Train: reading the evaluation data: %w", err)
		}
		args := make([]any, len(batch))
		for i, t := range batch {
			args[i] = t
		}
		outs, err := l.evalExec.Exec(args...)
		if err != nil {
			return 0, fmt.Errorf("training: Train: evaluation at step %d: %w", l.state.Step, err)
		}
		sum += tensors.ToScalar[float64](outs[0])
		count += tensors.ToScalar[float64](outs[1])
	}
	return sum / count, nil
}

// earlyStop updates the early-stopping state with the latest metrics.
func (l *loop) earlyStop(es *EarlyStopping, metrics map[string]float64) error {
	name := es.Metric
	if name == "" {
		name = "eval_loss"
	}
	v, ok := metrics[name]
	if !ok {
		keys := make([]string, 0, len(metrics))
		for k := range metrics {
			keys = append(keys, k)
		}
		return fmt.Errorf("training: Train: EarlyStopping.Metric %q is not among the evaluation metrics %v", name,
			keys)
	}
	s := &l.state.Early
	better := false
	if !math.IsNaN(v) {
		switch {
		case !s.HasBest:
			better = true
		case es.Maximize:
			better = v > s.Best+es.MinDelta
		default:
			better = v < s.Best-es.MinDelta
		}
	}
	if better {
		s.HasBest, s.Best, s.BestStep, s.Bad = true, v, l.state.Step, 0
		return nil
	}
	s.Bad++
	if s.Bad >= max(1, es.Patience) {
		s.Stopped = true
	}
	return nil
}

// save writes the checkpoint, with this run's configuration.
func (l *loop) save() error {
	c := l.state
	c.Optimizer = l.cfg.Optimizer.Name()
	c.OptimizerConfig = describeOptimizer(l.cfg.Optimizer)
	c.Schedule = l.cfg.Schedule.String()
	c.BatchSize, c.AccumulationSteps, c.Shuffle = l.cfg.BatchSize, l.cfg.AccumulationSteps, l.cfg.Shuffle
	c.Seed, c.DataLen = l.cfg.Seed, l.data.Len()
	return saveCheckpoint(l.cfg.CheckpointPath, l.ctx, &c)
}

// describeOptimizer is the optimizer's String (torch's repr), or its Name if it has none.
func describeOptimizer(opt Optimizer) string {
	if s, ok := opt.(fmt.Stringer); ok {
		return s.String()
	}
	return opt.Name()
}

// configDifferences lists, in a fixed order, how this run's configuration differs from the checkpoint's.
func (l *loop) configDifferences(c *checkpoint) []string {
	var diffs []string
	differ := func(field string, saved, now any) {
		if saved != now {
			diffs = append(diffs, fmt.Sprintf("%s: %v in the checkpoint, %v in this run", field, saved, now))
		}
	}
	differ("Optimizer", c.OptimizerConfig, describeOptimizer(l.cfg.Optimizer))
	differ("Schedule", c.Schedule, l.cfg.Schedule.String())
	differ("BatchSize", c.BatchSize, l.cfg.BatchSize)
	differ("AccumulationSteps", c.AccumulationSteps, l.cfg.AccumulationSteps)
	differ("Shuffle", c.Shuffle, l.cfg.Shuffle)
	differ("Seed", c.Seed, l.cfg.Seed)
	if c.DataLen != l.data.Len() {
		diffs = append(diffs, fmt.Sprintf("data size: %d examples in the checkpoint, %d in this run", c.DataLen,
			l.data.Len()))
	}
	return diffs
}

// resume restores the context and the loop's position from the checkpoint. It checks everything first (the file,
// every field, the configuration, the variables' shapes), so that a refused resume leaves the context as it was.
func (l *loop) resume() error {
	c, err := readCheckpoint(l.cfg.CheckpointPath)
	if err != nil {
		return err
	}
	if diffs := l.configDifferences(c); len(diffs) > 0 && !l.cfg.ResumeAnyway {
		return fmt.Errorf("training: Train: checkpoint %s was written with another configuration (%s); set "+
			"Config.ResumeAnyway to resume anyway, or use another CheckpointPath", l.cfg.CheckpointPath,
			strings.Join(diffs, "; "))
	}
	if err := restoreVariables(l.ctx, c); err != nil {
		return err
	}
	// The checkpoint's optimizer state is this run's (torch's optimizer.load_state_dict).
	if err := adoptState(l.ctx, l.cfg.Optimizer); err != nil {
		return err
	}
	l.state = *c
	l.state.Variables = nil
	l.rng = rand.NewPCG(0, 0)
	if err := l.rng.UnmarshalBinary(c.EpochRNG); err != nil { // validate checked it already.
		return fmt.Errorf("training: Train: checkpoint %s: data-order RNG state: %w", l.cfg.CheckpointPath, err)
	}
	l.drawOrder()
	l.state.Cursor = min(l.state.Cursor, l.data.Len()) // A different data size, resumed anyway.
	l.res.ResumedFrom = c.Step
	return nil
}
