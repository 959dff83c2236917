// Package bench holds the workloads that `lossbook bench` measures against PyTorch: the cross-entropy of a
// large batch of logits, a bag-of-embeddings classifier step and a transformer encoder step (issue #4's table).
//
// Each workload is built at the sizes in its Config, which are also sent to scripts/bench_torch.py so that
// PyTorch runs the same work. A Runner runs steps and does no timing: the command times them. Tests run the
// workloads at toy sizes to check that they build and train.
package bench

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"

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
			Target: 1, TargetText: "faster"},
	}
}

// Small returns the workload at toy sizes that run in milliseconds, to check that everything works end to end
// (tests, `lossbook bench -small`).
func (w Workload) Small() Workload {
	switch w.Name {
	case "ce":
		w.Config = Config{"batch": 8, "classes": 50}
	case "bag":
		w.Config = Config{"vocab": 50, "dim": 8, "seq": 12, "batch": 6, "classes": 2}
	case "transformer":
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
	step  func() (float64, error)
	close func()
}

// Step runs one step (one forward+backward for "ce", one training step otherwise) and returns its loss.
func (r *Runner) Step() (float64, error) { return r.step() }

// Close frees the compiled graphs, the variables and the inputs.
func (r *Runner) Close() { r.close() }

// Prepare builds the workload's graphs and inputs with the kit on the backend. The first Step compiles.
func (w Workload) Prepare(backend backends.Backend, kit Kit) (*Runner, error) {
	rng := rand.New(rand.NewPCG(42, uint64(len(w.Name))))
	c := w.Config
	switch w.Name {
	case "ce":
		return prepareCE(backend, kit, rng, c["batch"], c["classes"])
	case "bag":
		model := models.BagOfEmbeddings{VocabSize: c["vocab"], Dim: c["dim"], NumClasses: c["classes"]}
		tokens, mask := randomBatch(rng, c["batch"], c["seq"], c["vocab"], c["seq"]/4)
		labels := randomInts(rng, c["classes"], c["batch"])
		return prepareTraining(backend, kit, func(ctx *context.Context, tokens, mask, labels *Node) *Node {
			return kit.CrossEntropy(model.Logits(ctx, tokens, mask), labels)
		}, tensors.FromFlatDataAndDimensions(tokens, c["batch"], c["seq"]),
			tensors.FromFlatDataAndDimensions(mask, c["batch"], c["seq"]),
			tensors.FromFlatDataAndDimensions(labels, c["batch"]))
	case "transformer":
		model := models.Transformer{VocabSize: c["vocab"], MaxLen: c["seq"], Dim: c["dim"], NumHeads: c["heads"],
			NumLayers: c["layers"], FFNDim: c["ffn"]}
		batch, seq := c["batch"], c["seq"]
		tokens, mask := randomBatch(rng, batch, seq, c["vocab"], seq/2)
		labels := randomInts(rng, c["vocab"], batch*seq)
		return prepareTraining(backend, kit, func(ctx *context.Context, tokens, mask, labels *Node) *Node {
			logits := model.MLMLogits(ctx, model.Encode(ctx, tokens, nil, mask))
			return kit.CrossEntropy(Reshape(logits, batch*seq, model.VocabSize), labels)
		}, tensors.FromFlatDataAndDimensions(tokens, batch, seq),
			tensors.FromFlatDataAndDimensions(mask, batch, seq),
			tensors.FromFlatDataAndDimensions(labels, batch*seq))
	}
	return nil, fmt.Errorf("bench: unknown workload %q", w.Name)
}

// prepareCE measures the loss and its gradient with respect to the logits, as torch's
// cross_entropy(logits, labels).backward() with logits.requires_grad.
func prepareCE(backend backends.Backend, kit Kit, rng *rand.Rand, batch, classes int) (*Runner, error) {
	logitsData := make([]float32, batch*classes)
	for i := range logitsData {
		logitsData[i] = float32(rng.NormFloat64())
	}
	logits := tensors.FromFlatDataAndDimensions(logitsData, batch, classes)
	labels := tensors.FromFlatDataAndDimensions(randomInts(rng, classes, batch), batch)
	exec, err := NewExec(backend, func(logits, labels *Node) []*Node {
		loss := kit.CrossEntropy(logits, labels)
		return []*Node{loss, Gradient(loss, logits)[0]}
	})
	if err != nil {
		return nil, err
	}
	return &Runner{step: func() (float64, error) {
		outputs, err := exec.Exec(logits, labels)
		if err != nil {
			return 0, err
		}
		loss := scalar(outputs[0])
		finalize(outputs)
		return loss, nil
	}, close: func() {
		exec.Finalize()
		finalize([]*tensors.Tensor{logits, labels})
	}}, nil
}

// prepareTraining builds a training step: loss(ctx, tokens, mask, labels), its gradients and an Adam update.
func prepareTraining(backend backends.Backend, kit Kit, loss func(ctx *context.Context, tokens, mask, labels *Node) *Node,
	inputs ...*tensors.Tensor) (*Runner, error) {
	optimizer := kit.Adam()
	ctx := context.New()
	exec, err := context.NewExec(backend, ctx, func(ctx *context.Context, tokens, mask, labels *Node) *Node {
		g := tokens.Graph()
		ctx.SetTraining(g, true)
		l := loss(ctx, tokens, mask, labels)
		optimizer.UpdateGraph(ctx, g, l)
		return l
	})
	if err != nil {
		return nil, err
	}
	args := make([]any, len(inputs))
	for i, t := range inputs {
		args[i] = t
	}
	return &Runner{step: func() (float64, error) {
		outputs, err := exec.Exec(args...)
		if err != nil {
			return 0, err
		}
		l := scalar(outputs[0])
		finalize(outputs)
		return l, nil
	}, close: func() {
		exec.Finalize()
		ctx.Finalize()
		finalize(inputs)
	}}, nil
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

// Median returns the median of xs (the mean of the two middle values for an even count); 0 for none.
func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
