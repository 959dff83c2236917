// Package bench holds the workloads that `lossbook bench` measures on each backend against PyTorch and JAX: the
// cross-entropy of a large batch of logits, a bag-of-embeddings classifier step and a transformer encoder step
// (issue #4's table).
//
// Each workload is built at the sizes in its Config, which are also sent to scripts/bench_torch.py and
// scripts/bench_jax.py. A Runner's Shared (inputs and initial weights) is written as .npz for the peers and given
// to PrepareWith for lossbook's other backends, so that every side trains the same model on the same data. A
// Runner runs steps and does no timing: the command times them, and the helpers here (SpreadOf, RoundRatios,
// RoundOrder, StepsPerRound, Load) hold its statistics and load accounting. Tests run the workloads at toy sizes.
package bench

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"

	"github.com/lossbook/lossbook/lib/models"
)

// Kit is the loss and optimizer that the workloads train with: the seam between the benchmark and the
// packages that implement them.
type Kit struct {
	Name string // Names the implementations, for the report.
	// CrossEntropy returns the mean cross-entropy of logits [N, C] float against labels [N] int32, as
	// torch.nn.functional.cross_entropy(logits, labels).
	CrossEntropy func(logits, labels *Node) *Node
	// Adam returns an Adam optimizer as torch.optim.Adam(lr=1e-3, betas=(0.9, 0.999), eps=1e-8).
	Adam func() optimizers.Interface
}

// Config holds a workload's sizes, by the names that scripts/bench_torch.py reads.
type Config map[string]int

// Workload is one benchmark of issue #4's table.
type Workload struct {
	Name   string // Short name: "ce", "bag" or "transformer".
	Title  string // What is measured, for the table.
	Config Config // Sizes.
	// Target is the minimum of torch's time over lossbook's that the issue asks for, and TargetText says it.
	Target     float64
	TargetText string
	// JAXTarget is the minimum of JAX's time over lossbook's XLA backend's (issue #21), 0 for none.
	JAXTarget float64
	// XLASpeedup is the minimum of the pure-Go backend's time over the XLA CPU backend's (issue #21), 0 for none.
	XLASpeedup float64
	// LossbookOnly marks a workload that the PyTorch and JAX scripts do not run: it compares lossbook with itself.
	LossbookOnly bool
}

// Workloads returns the three workloads at the sizes of issue #4.
func Workloads() []Workload {
	return []Workload{
		{Name: "ce", Title: "CE forward+backward, logits [1024, 32000] f32",
			Config: Config{"batch": 1024, "classes": 32000},
			Target: 1 / 1.5, TargetText: "within 1.5x"},
		{Name: "bag", Title: "bag-of-embeddings step (vocab 20k, dim 128, seq 128, batch 64, Adam)",
			Config: Config{"vocab": 20000, "dim": 128, "seq": 128, "batch": 64, "classes": 2},
			Target: 1 / 1.5, TargetText: "within 1.5x"},
		{Name: "transformer", Title: "transformer step (2 layers, d 128, 4 heads, ffn 512, seq 64, batch 32, vocab 8000, token CE, Adam)",
			Config: Config{"vocab": 8000, "dim": 128, "heads": 4, "layers": 2, "ffn": 512, "seq": 64, "batch": 32},
			Target: 1, TargetText: "faster", JAXTarget: 0.9, XLASpeedup: 5},
		// Issue #13: a BERT pre-training step (MLM + NSP) with the dense MLM head and with the sparse one; the
		// target is a ratio between the two workloads on one backend (the PyTorch and JAX scripts do not run them).
		{Name: "mlm-dense", Title: "BERT pre-training step, dense MLM head (2 layers, d 128, 4 heads, ffn 512, seq 64, batch 32, vocab 8000, 15% masked, MLM+NSP, Adam)",
			Config: pretrainConfig, TargetText: "mlm-sparse at least 1.8x faster on pure Go", LossbookOnly: true},
		{Name: "mlm-sparse", Title: "BERT pre-training step, sparse MLM head (gather the masked positions, then project; sizes as mlm-dense)",
			Config: pretrainConfig, TargetText: "at least 1.8x faster than mlm-dense on pure Go", LossbookOnly: true},
	}
}

// pretrainConfig is the size of the mlm-dense and mlm-sparse workloads (issue #13).
var pretrainConfig = Config{"vocab": 8000, "dim": 128, "heads": 4, "layers": 2, "ffn": 512, "seq": 64, "batch": 32}

// Small returns the workload at toy sizes that run in milliseconds, to check that everything works end to end
// (tests, `lossbook bench -small`).
func (w Workload) Small() Workload {
	switch w.Name {
	case "ce":
		w.Config = Config{"batch": 8, "classes": 50}
	case "bag":
		w.Config = Config{"vocab": 50, "dim": 8, "seq": 12, "batch": 6, "classes": 2}
	case "transformer", "mlm-dense", "mlm-sparse":
		w.Config = Config{"vocab": 40, "dim": 16, "heads": 4, "layers": 2, "ffn": 32, "seq": 10, "batch": 4}
	}
	w.Title = fmt.Sprintf("%s at toy sizes %v", w.Name, w.Config)
	return w
}

// Find returns the workloads with the given names, in the order given, or an error naming the valid ones.
func Find(names []string) ([]Workload, error) {
	all := Workloads()
	var out []Workload
	for _, name := range names {
		i := slices.IndexFunc(all, func(w Workload) bool { return w.Name == name })
		if i < 0 {
			var valid []string
			for _, w := range all {
				valid = append(valid, w.Name)
			}
			return nil, fmt.Errorf("unknown workload %q (valid: %v)", name, valid)
		}
		out = append(out, all[i])
	}
	return out, nil
}

// Runner runs one workload's steps. Step returns the step's loss.
type Runner struct {
	compile func() error
	step    func() (float64, error)
	shared  func() (*Shared, error)
	close   func()
}

// Compile builds and compiles the step's graph and initialises the variables (from the Shared given to
// PrepareWith, if any) without running a step, so that a caller can time compilation apart from the steps. Step
// calls it if it was not called.
func (r *Runner) Compile() error { return r.compile() }

// Step runs one step (one forward+backward for "ce", one training step otherwise) and returns its loss.
func (r *Runner) Step() (float64, error) {
	if err := r.compile(); err != nil {
		return 0, err
	}
	return r.step()
}

// Shared returns the inputs and the current values of the model's trainable variables (the initial ones when
// called after Compile and before the first Step), to give the other sides of a run.
func (r *Runner) Shared() (*Shared, error) {
	if err := r.compile(); err != nil {
		return nil, err
	}
	return r.shared()
}

// Close frees the compiled graphs, the variables and the inputs.
func (r *Runner) Close() { r.close() }

// Prepare builds the workload's graphs on the backend with the kit, its inputs from a fixed seed and its weights
// from the model's initialisers. Nothing is compiled until Compile or the first Step.
func (w Workload) Prepare(backend backends.Backend, kit Kit) (*Runner, error) {
	return w.PrepareWith(backend, kit, nil)
}

// PrepareWith is Prepare with the inputs and initial weights of shared (from another Runner's Shared) when it
// is not nil. Compile fails if shared lacks one of the model's trainable variables, has one the model lacks, or
// has one of another shape.
func (w Workload) PrepareWith(backend backends.Backend, kit Kit, shared *Shared) (*Runner, error) {
	inputs := w.inputs()
	if shared != nil {
		if len(shared.Inputs) != len(inputs) {
			return nil, fmt.Errorf("bench: %s: %d shared inputs, want %d", w.Name, len(shared.Inputs), len(inputs))
		}
		for i, a := range shared.Inputs {
			if a.Name != inputs[i].Name || !slices.Equal(a.Shape, inputs[i].Shape) {
				return nil, fmt.Errorf("bench: %s: shared input %s %v, want %s %v", w.Name, a.Name, a.Shape,
					inputs[i].Name, inputs[i].Shape)
			}
		}
		inputs = shared.Inputs
	}
	ts := make([]*tensors.Tensor, len(inputs))
	for i, a := range inputs {
		ts[i] = a.tensor()
	}
	c := w.Config
	switch w.Name {
	case "ce":
		return prepareCE(backend, kit, inputs, ts)
	case "bag":
		model := models.BagOfEmbeddings{VocabSize: c["vocab"], Dim: c["dim"], NumClasses: c["classes"]}
		return prepareTraining(backend, kit, func(ctx *context.Context, in []*Node) *Node {
			return kit.CrossEntropy(model.Logits(ctx, in[0], in[1]), in[2])
		}, inputs, shared, ts)
	case "transformer":
		model := models.Transformer{VocabSize: c["vocab"], MaxLen: c["seq"], Dim: c["dim"], NumHeads: c["heads"],
			NumLayers: c["layers"], FFNDim: c["ffn"]}
		batch, seq := c["batch"], c["seq"]
		return prepareTraining(backend, kit, func(ctx *context.Context, in []*Node) *Node {
			logits := model.MLMLogits(ctx, model.Encode(ctx, in[0], nil, in[1]))
			return kit.CrossEntropy(Reshape(logits, batch*seq, model.VocabSize), in[2])
		}, inputs, shared, ts)
	case "mlm-dense", "mlm-sparse":
		return preparePretraining(backend, kit, w, inputs, shared, ts)
	}
	return nil, fmt.Errorf("bench: unknown workload %q", w.Name)
}

// inputs returns the workload's inputs, drawn from a fixed seed: the same on every call.
func (w Workload) inputs() []Array {
	rng := rand.New(rand.NewPCG(42, uint64(len(w.Name))))
	c := w.Config
	switch w.Name {
	case "ce":
		logits := make([]float32, c["batch"]*c["classes"])
		for i := range logits {
			logits[i] = float32(rng.NormFloat64())
		}
		return []Array{{"logits", []int{c["batch"], c["classes"]}, logits},
			{"labels", []int{c["batch"]}, randomInts(rng, c["classes"], c["batch"])}}
	case "bag":
		tokens, mask := randomBatch(rng, c["batch"], c["seq"], c["vocab"], c["seq"]/4)
		return []Array{{"tokens", []int{c["batch"], c["seq"]}, tokens}, {"mask", []int{c["batch"], c["seq"]}, mask},
			{"labels", []int{c["batch"]}, randomInts(rng, c["classes"], c["batch"])}}
	case "transformer":
		batch, seq := c["batch"], c["seq"]
		tokens, mask := randomBatch(rng, batch, seq, c["vocab"], seq/2)
		return []Array{{"tokens", []int{batch, seq}, tokens}, {"mask", []int{batch, seq}, mask},
			{"labels", []int{batch * seq}, randomInts(rng, c["vocab"], batch*seq)}}
	case "mlm-dense", "mlm-sparse":
		return pretrainInputs(c)
	}
	return nil
}

// prepareCE measures the loss and its gradient with respect to the logits, as torch's
// cross_entropy(logits, labels).backward() with logits.requires_grad.
func prepareCE(backend backends.Backend, kit Kit, inputs []Array, ts []*tensors.Tensor) (*Runner, error) {
	exec, err := NewExec(backend, func(logits, labels *Node) []*Node {
		loss := kit.CrossEntropy(logits, labels)
		return []*Node{loss, Gradient(loss, logits)[0]}
	})
	if err != nil {
		return nil, err
	}
	compiled, compileErr := false, error(nil)
	return &Runner{compile: func() error {
		if !compiled {
			compiled, compileErr = true, exec.PreCompile(ts[0], ts[1])
		}
		return compileErr
	}, step: func() (float64, error) {
		outputs, err := exec.Exec(ts[0], ts[1])
		if err != nil {
			return 0, err
		}
		loss := scalar(outputs[0])
		finalize(outputs)
		return loss, nil
	}, shared: func() (*Shared, error) {
		return &Shared{Inputs: inputs}, nil
	}, close: func() {
		exec.Finalize()
		finalize(ts)
	}}, nil
}

// prepareTraining builds a training step: loss(ctx, inputs) (the inputs in the order of Workload.inputs), its
// gradients and an Adam update.
func prepareTraining(backend backends.Backend, kit Kit, loss func(ctx *context.Context, inputs []*Node) *Node,
	inputs []Array, shared *Shared, ts []*tensors.Tensor) (*Runner, error) {
	optimizer := kit.Adam()
	ctx := context.New()
	exec, err := context.NewExec(backend, ctx, func(ctx *context.Context, inputs []*Node) *Node {
		g := inputs[0].Graph()
		ctx.SetTraining(g, true)
		l := loss(ctx, inputs)
		optimizer.UpdateGraph(ctx, g, l)
		return l
	})
	if err != nil {
		return nil, err
	}
	args := make([]any, len(ts))
	for i, t := range ts {
		args[i] = t
	}
	compiled, compileErr := false, error(nil)
	return &Runner{compile: func() error {
		if compiled {
			return compileErr
		}
		compiled = true
		if compileErr = exec.PreCompile(args...); compileErr != nil {
			return compileErr
		}
		compileErr = restoreAfterPreCompile(ctx, backend)
		if compileErr != nil {
			return compileErr
		}
		if shared != nil {
			compileErr = setWeights(ctx, shared.Weights)
		}
		return compileErr
	}, step: func() (float64, error) {
		outputs, err := exec.Exec(args...)
		if err != nil {
			return 0, err
		}
		l := scalar(outputs[0])
		finalize(outputs)
		return l, nil
	}, shared: func() (*Shared, error) {
		weights, err := trainable(ctx)
		return &Shared{Inputs: inputs, Weights: weights}, err
	}, close: func() {
		exec.Finalize()
		ctx.Finalize()
		finalize(ts)
	}}, nil
}

// restoreAfterPreCompile gives back the values that GoMLX v0.26's context.Exec.PreCompile takes away: it runs
// the side-parameter hook, which initialises the variables and then donates (and resets) every variable that the
// graph changes, although nothing is executed. The optimizer's state (moments, step counts), all zero at the
// start, is set to zeros; the trainable variables are initialised again from their initializers.
func restoreAfterPreCompile(ctx *context.Context, backend backends.Backend) error {
	for v := range ctx.IterVariables() {
		if !v.HasValue() && !v.Trainable {
			if err := v.SetValue(tensors.FromShape(v.Shape())); err != nil {
				return fmt.Errorf("bench: zeroing %s: %w", v.ScopeAndName(), err)
			}
		}
	}
	return ctx.InitializeVariables(backend, nil)
}

// trainable returns the values of the context's trainable variables, sorted by name.
func trainable(ctx *context.Context) ([]Array, error) {
	var out []Array
	for v := range ctx.IterVariables() {
		if !v.Trainable {
			continue
		}
		t, err := v.Value()
		if err != nil {
			return nil, err
		}
		a, err := arrayOf(strings.TrimPrefix(v.ScopeAndName(), "/"), t)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	slices.SortFunc(out, func(a, b Array) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// setWeights sets every trainable variable of the context from weights, which must hold exactly those variables
// with their shapes.
func setWeights(ctx *context.Context, weights []Array) error {
	byName := map[string]Array{}
	for _, a := range weights {
		byName[a.Name] = a
	}
	for v := range ctx.IterVariables() {
		if !v.Trainable {
			continue
		}
		name := strings.TrimPrefix(v.ScopeAndName(), "/")
		a, ok := byName[name]
		if !ok {
			return fmt.Errorf("bench: shared weights lack the model's variable %s %s", name, v.Shape())
		}
		delete(byName, name)
		if !slices.Equal(a.Shape, v.Shape().Dimensions) {
			return fmt.Errorf("bench: shared weight %s is %v, the model's variable is %s", name, a.Shape, v.Shape())
		}
		if err := v.SetValue(a.tensor()); err != nil {
			return fmt.Errorf("bench: setting %s: %w", name, err)
		}
	}
	for name := range byName {
		return fmt.Errorf("bench: shared weight %s is not a trainable variable of the model", name)
	}
	return nil
}

// randomBatch returns token ids in [1, vocab) for [batch, seq] sequences whose lengths are uniform in
// [minLen, seq], padded with id 0, and the mask of the real tokens.
func randomBatch(rng *rand.Rand, batch, seq, vocab, minLen int) ([]int32, []bool) {
	tokens := make([]int32, batch*seq)
	mask := make([]bool, batch*seq)
	for b := range batch {
		n := max(1, minLen+rng.IntN(seq-minLen+1))
		for s := range n {
			tokens[b*seq+s] = int32(1 + rng.IntN(vocab-1))
			mask[b*seq+s] = true
		}
	}
	return tokens, mask
}

func randomInts(rng *rand.Rand, n, count int) []int32 {
	out := make([]int32, count)
	for i := range out {
		out[i] = int32(rng.IntN(n))
	}
	return out
}

func scalar(t *tensors.Tensor) float64 {
	switch v := t.Value().(type) {
	case float32:
		return float64(v)
	case float64:
		return v
	}
	panic(fmt.Sprintf("bench: loss %s is not a float scalar", t.Shape()))
}

// finalize frees the outputs' memory now rather than at the next garbage collection.
func finalize(outputs []*tensors.Tensor) {
	for _, t := range outputs {
		t.FinalizeAll()
	}
}
