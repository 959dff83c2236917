package bench

import (
	"math/rand/v2"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/lossbook/lossbook/lib/models"
	"github.com/lossbook/lossbook/losses"
)

// pretrainMaskRate is the share of real tokens chosen for MLM (BERT's 15%).
const pretrainMaskRate = 0.15

// pretrainInputs draws a pre-training batch: sentence pairs as tokens with padding, segments 0 then 1, 15% of
// the real tokens chosen for MLM (labels -100 elsewhere), the chosen positions as flat indices with their labels
// (for the sparse head, padded with -100 to a multiple of 32), and NSP labels. It draws from its own fixed seed,
// so that mlm-dense and mlm-sparse time the same batch.
func pretrainInputs(c Config) []Array {
	rng := rand.New(rand.NewPCG(42, 13))
	batch, seq, vocab := c["batch"], c["seq"], c["vocab"]
	tokens, mask := randomBatch(rng, batch, seq, vocab, seq/2)
	segments := make([]int32, batch*seq)
	labels := make([][]int32, batch)
	for b := range batch {
		labels[b] = make([]int32, seq)
		for t := range seq {
			i := b*seq + t
			labels[b][t] = -100
			if t >= seq/2 {
				segments[i] = 1
			}
			if mask[i] && rng.Float64() < pretrainMaskRate {
				labels[b][t] = tokens[i]
			}
		}
	}
	labels[0][0] = tokens[0] // at least one
	positions, targets, _ := models.SparseMLMTargets(labels, -100, 32)
	flat := make([]int32, 0, batch*seq)
	for _, row := range labels {
		flat = append(flat, row...)
	}
	return []Array{{"tokens", []int{batch, seq}, tokens}, {"mask", []int{batch, seq}, mask},
		{"segments", []int{batch, seq}, segments}, {"mlm_labels", []int{batch, seq}, flat},
		{"positions", []int{len(positions)}, positions}, {"targets", []int{len(targets)}, targets},
		{"nsp_labels", []int{batch}, randomInts(rng, 2, batch)}}
}

// preparePretraining builds the mlm-dense or mlm-sparse step: a Transformer with segments, the MLM head at every
// position (dense: losses.MLM over [batch, seq, vocab] with -100 at the unmasked positions) or at the masked ones
// only (sparse: Transformer.MLMLogitsAt), the NSP head, loss MLM + NSP, and the kit's Adam.
func preparePretraining(backend backends.Backend, kit Kit, w Workload, inputs []Array, shared *Shared,
	ts []*tensors.Tensor) (*Runner, error) {
	c := w.Config
	model := models.Transformer{VocabSize: c["vocab"], MaxLen: c["seq"], NumSegments: 2, Dim: c["dim"],
		NumHeads: c["heads"], NumLayers: c["layers"], FFNDim: c["ffn"], Activation: models.GELU}
	sparse := w.Name == "mlm-sparse"
	return prepareTraining(backend, kit, func(ctx *context.Context, in []*Node) *Node {
		tokens, mask, segments, labels, positions, targets, nsp := in[0], in[1], in[2], in[3], in[4], in[5], in[6]
		hidden := model.Encode(ctx, tokens, segments, mask)
		var mlm *Node
		if sparse {
			mlm = losses.MLM(model.MLMLogitsAt(ctx, hidden, positions), targets)
		} else {
			mlm = losses.MLM(model.MLMLogits(ctx, hidden), labels)
		}
		return Add(mlm, losses.NSP(model.PooledLogits(ctx, hidden, 2), nsp))
	}, inputs, shared, ts)
}
