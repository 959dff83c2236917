package pretrain

import (
	"context"
	"fmt"
	"hash/fnv"
	"math"

	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/lossbook/lossbook/lib/data"
	"github.com/lossbook/lossbook/lib/models"
	"github.com/lossbook/lossbook/lib/tokenize"
	"github.com/lossbook/lossbook/training"
)

// sparsePad is the multiple that the lists of masked positions are padded to, so that batches with slightly
// different numbers of masked tokens share one compiled graph.
const sparsePad = 32

// Corpus is a pre-training corpus split by document: each document a list of sentences in order.
type Corpus struct {
	Train, Eval [][]string // documents of sentences (raw text)
}

// LoadCorpus reads the named corpus ("brown") and splits it by document: a fraction evalFraction of the
// documents (seeded) is held out, so no held-out sentence, and no NSP pair, shares a document with training.
// maxDocs > 0 keeps only the first maxDocs documents of each part (smoke runs).
func LoadCorpus(ctx context.Context, name string, evalFraction float64, seed uint64, maxDocs int, opts data.Options) (*Corpus, error) {
	if name != "brown" {
		return nil, fmt.Errorf("pretrain: unknown corpus %q (valid: brown)", name)
	}
	if !(evalFraction > 0 && evalFraction < 1) {
		return nil, fmt.Errorf("pretrain: eval fraction %g, want in (0, 1)", evalFraction)
	}
	brown, err := data.LoadBrown(ctx, opts)
	if err != nil {
		return nil, err
	}
	parts, err := brown.Split(seed, 1-evalFraction, evalFraction)
	if err != nil {
		return nil, err
	}
	docs := func(b *data.Brown) [][]string {
		var out [][]string
		for i := range b.Documents {
			if maxDocs > 0 && i >= maxDocs {
				break
			}
			var sents []string
			for _, s := range b.Documents[i].Sentences() {
				sents = append(sents, s.Text())
			}
			out = append(out, sents)
		}
		return out
	}
	return &Corpus{Train: docs(parts[0]), Eval: docs(parts[1])}, nil
}

// encodeDocs tokenizes every sentence of every document.
func encodeDocs(tok *tokenize.Tokenizer, docs [][]string) [][][]int32 {
	out := make([][][]int32, len(docs))
	for d, doc := range docs {
		for _, s := range doc {
			if ids := tok.Encode(s); len(ids) > 0 {
				out[d] = append(out[d], ids)
			}
		}
	}
	return out
}

// UnigramEntropy is the entropy, in nats, of the token distribution of docs (special tokens excluded):
// H = −Σ_v p_v log p_v with p_v the share of token v. It is the cross-entropy of the best model that ignores
// context, the baseline a masked-language model must beat; lossbook's targets ask the held-out masked-token
// cross-entropy to be at least one nat below it.
func UnigramEntropy(docs [][][]int32, special tokenize.SpecialIDs) float64 {
	counts := map[int32]float64{}
	total := 0.0
	for _, doc := range docs {
		for _, s := range doc {
			for _, id := range s {
				if !special.IsSpecial(id) {
					counts[id]++
					total++
				}
			}
		}
	}
	h := 0.0
	for _, c := range counts {
		p := c / total
		h -= p * math.Log(p)
	}
	return h
}

// pairDataset is the training.Dataset of NSP pairs: each batch is encoded as [CLS] A [SEP] B [SEP] padded to
// seq, masked by data.MLMCollator with a seed drawn from the batch's indices (so that a resumed run, which
// sees the same batches, masks them the same way, and a held-out batch is masked the same at every
// evaluation), and its masked positions listed for the sparse head.
//
// A batch is [input_ids [B, seq] int32, token_type_ids [B, seq] int32, attention_mask [B, seq] bool, labels
// [B, seq] int32 (-100 where not masked), positions [P] int32, targets [P] int32, next_sentence_label [B]
// int32].
type pairDataset struct {
	pairs   []data.NSPExample
	special tokenize.SpecialIDs
	vocab   int
	seq     int
	mlmProb float64
	seed    uint64
}

var _ training.Dataset = (*pairDataset)(nil)

func (d *pairDataset) Len() int { return len(d.pairs) }

func (d *pairDataset) Batch(indices []int) ([]*tensors.Tensor, error) {
	b, err := d.collate(indices)
	if err != nil {
		return nil, err
	}
	return []*tensors.Tensor{tensors.FromValue(b.ids), tensors.FromValue(b.types), tensors.FromValue(b.mask),
		tensors.FromValue(b.labels), tensors.FromValue(b.positions), tensors.FromValue(b.targets),
		tensors.FromValue(b.nsp)}, nil
}

// batch is one collated batch, as Go slices.
type batch struct {
	ids, types, labels [][]int32
	mask               [][]bool
	positions, targets []int32
	nsp                []int32
}

func (d *pairDataset) collate(indices []int) (*batch, error) {
	examples := make([]data.NSPExample, len(indices))
	h := fnv.New64a()
	fmt.Fprint(h, d.seed)
	for i, idx := range indices {
		examples[i] = d.pairs[idx]
		fmt.Fprint(h, ",", idx)
	}
	nb, err := data.NewNSPBatch(examples, d.special, d.seq)
	if err != nil {
		return nil, err
	}
	collator := data.NewMLMCollator(d.special, d.vocab, h.Sum64())
	collator.Probability = d.mlmProb
	mb, err := collator.Collate(&nb.Encoding)
	if err != nil {
		return nil, err
	}
	b := &batch{nsp: nb.NextSentenceLabels}
	// Pad every row to seq (NewNSPBatch pads to the batch's longest): one graph shape for every batch.
	b.ids, _ = data.Pad(append(mb.InputIDs[:len(mb.InputIDs):len(mb.InputIDs)], make([]int32, d.seq)), d.special.PAD)
	b.types, _ = data.Pad(append(mb.TokenTypeIDs[:len(mb.TokenTypeIDs):len(mb.TokenTypeIDs)], make([]int32, d.seq)), 0)
	b.labels, _ = data.Pad(append(mb.Labels[:len(mb.Labels):len(mb.Labels)], make([]int32, d.seq)), data.IgnoreIndex)
	am, _ := data.Pad(append(mb.AttentionMask[:len(mb.AttentionMask):len(mb.AttentionMask)], make([]int32, d.seq)), 0)
	n := len(indices)
	b.ids, b.types, b.labels, am = b.ids[:n], b.types[:n], b.labels[:n], am[:n]
	b.mask = make([][]bool, n)
	for i, row := range am {
		b.mask[i] = make([]bool, len(row))
		for j, v := range row {
			b.mask[i][j] = v != 0
		}
	}
	b.positions, b.targets, err = models.SparseMLMTargets(b.labels, data.IgnoreIndex, sparsePad)
	return b, err
}
