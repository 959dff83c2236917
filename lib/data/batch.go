package data

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/lossbook/lossbook/lib/tokenize"
)

// IgnoreIndex is the label of positions a loss must skip (PyTorch's ignore_index default, used by lossbook's
// losses): padding, and the tokens MLM did not choose.
const IgnoreIndex = tokenize.IgnoreIndex

// bucketPool is how many batches' worth of examples BucketBatches sorts together.
const bucketPool = 50

// BucketBatches groups example indices into batches of similar length, so that padding to each batch's longest
// wastes little: the examples are shuffled (seeded), cut into pools of 50 batches, each pool is sorted by
// length (stable) and cut into batches of batchSize (the last batch of the last pool may be smaller), and the
// order of the batches is shuffled. The same lengths, batchSize and seed always give the same batches.
func BucketBatches(lengths []int, batchSize int, seed uint64) ([][]int, error) {
	if batchSize <= 0 {
		return nil, fmt.Errorf("data: BucketBatches: batchSize %d, want > 0", batchSize)
	}
	rng := rand.New(rand.NewPCG(seed, bucketStream))
	idx := rng.Perm(len(lengths))
	var batches [][]int
	for start := 0; start < len(idx); start += bucketPool * batchSize {
		pool := idx[start:min(start+bucketPool*batchSize, len(idx))]
		slices.SortStableFunc(pool, func(a, b int) int { return lengths[a] - lengths[b] })
		for s := 0; s < len(pool); s += batchSize {
			batches = append(batches, slices.Clone(pool[s:min(s+batchSize, len(pool))]))
		}
	}
	rng.Shuffle(len(batches), func(i, j int) { batches[i], batches[j] = batches[j], batches[i] })
	return batches, nil
}

const bucketStream = 0xb0c4e7

// Pad pads rows to the longest with pad and returns them with their attention masks (1 for tokens, 0 for
// padding). The input rows are not modified.
func Pad(rows [][]int32, pad int32) (ids, mask [][]int32) {
	length := 0
	for _, r := range rows {
		length = max(length, len(r))
	}
	ids, mask = make([][]int32, len(rows)), make([][]int32, len(rows))
	for i, r := range rows {
		ids[i] = make([]int32, length)
		mask[i] = make([]int32, length)
		copy(ids[i], r)
		for j := range length {
			if j < len(r) {
				mask[i][j] = 1
			} else {
				ids[i][j] = pad
			}
		}
	}
	return ids, mask
}

// MLMBatch is a batch for masked language modelling: the inputs with some tokens replaced, and the labels to
// predict (the original ids at the chosen positions, IgnoreIndex elsewhere).
type MLMBatch struct {
	InputIDs      [][]int32
	TokenTypeIDs  [][]int32
	AttentionMask [][]int32
	Labels        [][]int32
}

// MLMCollator masks batches for MLM with the rule of Hugging Face's DataCollatorForLanguageModeling:
//
//   - each token that is not special ([PAD] [UNK] [CLS] [SEP] [MASK], so neither padding) is chosen
//     independently with probability Probability (0.15);
//   - a chosen token is replaced by [MASK] with probability MaskFraction (0.8), else by a token drawn
//     uniformly from the whole vocabulary (any id in [0, VocabSize), as torch.randint(len(tokenizer)) does)
//     with probability RandomFraction / (1 - MaskFraction) (0.1 of all chosen), else left unchanged (0.1);
//   - labels hold the original id at chosen positions and IgnoreIndex (-100) everywhere else.
//
// Draws come from a PCG generator seeded by the seed given to NewMLMCollator, so the same batches in the same
// order are masked the same way. It is not safe for concurrent use.
type MLMCollator struct {
	Special        tokenize.SpecialIDs
	VocabSize      int
	Probability    float64 // chance that a non-special token is chosen (mlm_probability)
	MaskFraction   float64 // share of chosen tokens replaced by [MASK]
	RandomFraction float64 // share of chosen tokens replaced by a random token

	rng *rand.Rand
}

// NewMLMCollator returns a collator with Hugging Face's defaults: 15% chosen, of those 80% [MASK], 10% random,
// 10% unchanged.
func NewMLMCollator(special tokenize.SpecialIDs, vocabSize int, seed uint64) *MLMCollator {
	return &MLMCollator{
		Special: special, VocabSize: vocabSize,
		Probability: 0.15, MaskFraction: 0.8, RandomFraction: 0.1,
		rng: rand.New(rand.NewPCG(seed, mlmStream)),
	}
}

const mlmStream = 0x3a5c

// Collate masks an encoded batch (as tokenize.EncodeBatch or EncodeIDs make it) and returns a new batch; e is
// not modified. It returns an error when the settings are out of range, when e is nil, or when c was not made
// by NewMLMCollator (it has no random generator).
func (c *MLMCollator) Collate(e *tokenize.Encoding) (*MLMBatch, error) {
	switch {
	case c == nil:
		return nil, fmt.Errorf("data: MLMCollator.Collate: the collator is nil (make one with NewMLMCollator)")
	case c.rng == nil:
		return nil, fmt.Errorf("data: MLMCollator.Collate: the collator has no random generator (make it with NewMLMCollator, then change its fields)")
	case e == nil:
		return nil, fmt.Errorf("data: MLMCollator.Collate: the batch is nil")
	}
	if c.VocabSize <= 0 || !(c.Probability >= 0 && c.Probability <= 1) || !(c.MaskFraction >= 0) ||
		!(c.RandomFraction >= 0) || c.MaskFraction+c.RandomFraction > 1 {
		return nil, fmt.Errorf("data: MLMCollator: VocabSize %d, Probability %g, MaskFraction %g, RandomFraction %g: "+
			"want VocabSize > 0, Probability in [0, 1], fractions >= 0 summing to at most 1",
			c.VocabSize, c.Probability, c.MaskFraction, c.RandomFraction)
	}
	randomGivenNotMasked := 0.0
	if c.MaskFraction < 1 {
		randomGivenNotMasked = c.RandomFraction / (1 - c.MaskFraction)
	}
	b := &MLMBatch{
		InputIDs:      make([][]int32, len(e.InputIDs)),
		TokenTypeIDs:  e.TokenTypeIDs,
		AttentionMask: e.AttentionMask,
		Labels:        make([][]int32, len(e.InputIDs)),
	}
	for i, row := range e.InputIDs {
		in := slices.Clone(row)
		labels := make([]int32, len(row))
		for j, id := range row {
			labels[j] = IgnoreIndex
			if c.Special.IsSpecial(id) || c.rng.Float64() >= c.Probability {
				continue
			}
			labels[j] = id
			switch u := c.rng.Float64(); {
			case u < c.MaskFraction:
				in[j] = c.Special.MASK
			case c.rng.Float64() < randomGivenNotMasked:
				in[j] = int32(c.rng.IntN(c.VocabSize))
			}
		}
		b.InputIDs[i], b.Labels[i] = in, labels
	}
	return b, nil
}

// NSPExample is a sentence pair for next-sentence prediction.
type NSPExample struct {
	A, B   []int32 // token ids, without special tokens
	IsNext bool    // B follows A in the same document
}

// NSPPairs builds next-sentence-prediction pairs from documents, each a list of tokenized sentences in order.
// For every sentence that has a successor in its document, A is the sentence and, with probability 1/2, B is
// the next sentence (IsNext); otherwise B is a random sentence of another, randomly chosen, document (as BERT
// does). Documents with fewer than two sentences give no pairs but can supply random sentences. At least two
// non-empty documents are needed. Seeded, so the same input and seed give the same pairs.
func NSPPairs(docs [][][]int32, seed uint64) ([]NSPExample, error) {
	var nonEmpty []int
	for d, doc := range docs {
		if len(doc) > 0 {
			nonEmpty = append(nonEmpty, d)
		}
	}
	if len(nonEmpty) < 2 {
		return nil, fmt.Errorf("data: NSPPairs: %d documents with sentences, want at least 2 (random B comes from another document)", len(nonEmpty))
	}
	rng := rand.New(rand.NewPCG(seed, nspStream))
	var out []NSPExample
	for d, doc := range docs {
		for i := 0; i+1 < len(doc); i++ {
			if rng.IntN(2) == 0 {
				out = append(out, NSPExample{A: doc[i], B: doc[i+1], IsNext: true})
				continue
			}
			other := nonEmpty[rng.IntN(len(nonEmpty))]
			for other == d {
				other = nonEmpty[rng.IntN(len(nonEmpty))]
			}
			od := docs[other]
			out = append(out, NSPExample{A: doc[i], B: od[rng.IntN(len(od))], IsNext: false})
		}
	}
	return out, nil
}

const nspStream = 0x45b

// PackSegments joins consecutive sentences of each document into segments of at most maxTokens tokens, as BERT's
// pre-training data does before it makes next-sentence pairs: a segment is a run of whole sentences, and a sentence
// longer than maxTokens is a segment on its own (the pair encoder cuts it later). Pass the result to NSPPairs, so
// that A and B are spans of text rather than single sentences, which gives next-sentence prediction more context to
// judge by. Sentence order and every token are kept; maxTokens must be positive. The input is not modified.
func PackSegments(docs [][][]int32, maxTokens int) ([][][]int32, error) {
	if maxTokens < 1 {
		return nil, fmt.Errorf("data: PackSegments: maxTokens %d, want >= 1", maxTokens)
	}
	out := make([][][]int32, len(docs))
	for d, doc := range docs {
		var cur []int32
		for _, s := range doc {
			if len(cur) > 0 && len(cur)+len(s) > maxTokens {
				out[d] = append(out[d], cur)
				cur = nil
			}
			cur = append(cur, s...)
		}
		if len(cur) > 0 {
			out[d] = append(out[d], cur)
		}
	}
	return out, nil
}

// NSPBatch is a batch of sentence pairs for next-sentence prediction.
type NSPBatch struct {
	tokenize.Encoding          // [CLS] A [SEP] B [SEP], token types 0/1, padded to the batch's longest
	NextSentenceLabels []int32 // 0 when B follows A, 1 when B is random (Hugging Face's next_sentence_label)
}

// NewNSPBatch encodes examples as BERT pairs, cutting each pair to maxLength tokens (special tokens included)
// with Hugging Face's longest_first rule (0 means no limit; otherwise maxLength must hold the 3 special
// tokens), and padding to the batch's longest. For BERT pre-training, mask the result with
// MLMCollator.Collate(&batch.Encoding).
func NewNSPBatch(examples []NSPExample, special tokenize.SpecialIDs, maxLength int) (*NSPBatch, error) {
	if maxLength < 0 || (maxLength > 0 && maxLength < 3) {
		return nil, fmt.Errorf("data: NewNSPBatch: maxLength %d, want 0 (no limit) or at least 3 (room for [CLS] and two [SEP])", maxLength)
	}
	a, b := make([][]int32, len(examples)), make([][]int32, len(examples))
	labels := make([]int32, len(examples))
	for i, ex := range examples {
		a[i], b[i] = ex.A, ex.B
		if !ex.IsNext {
			labels[i] = 1
		}
	}
	e, err := tokenize.EncodeIDs(special, a, b, tokenize.EncodeOptions{Padding: tokenize.PadLongest, MaxLength: maxLength, Truncation: maxLength > 0})
	if err != nil {
		return nil, err
	}
	return &NSPBatch{Encoding: *e, NextSentenceLabels: labels}, nil
}

// TranslationBatch is a batch of source/target pairs for an encoder-decoder trained with teacher forcing.
type TranslationBatch struct {
	SourceIDs       [][]int32 // [CLS] source [SEP], padded with [PAD]
	SourceMask      [][]int32 // 1 for tokens, 0 for padding
	DecoderInputIDs [][]int32 // [CLS] target (the beginning-of-sequence token, then the target), padded
	DecoderMask     [][]int32 // 1 for tokens, 0 for padding
	Labels          [][]int32 // target [SEP] (the decoder input shifted left, ending with end-of-sequence), IgnoreIndex on padding
}

// NewTranslationBatch builds a teacher-forcing batch from tokenized source and target sentences (without
// special tokens). [CLS] plays beginning-of-sequence and [SEP] end-of-sequence: the decoder reads
// [CLS] t1 ... tn and must predict t1 ... tn [SEP], so DecoderInputIDs[i][j+1] == Labels[i][j] wherever both
// are tokens. Sources longer than maxSource-2 and targets longer than maxTarget-1 tokens are cut at the end
// (0 means no limit). Rows are padded to the batch's longest.
func NewTranslationBatch(source, target [][]int32, special tokenize.SpecialIDs, maxSource, maxTarget int) (*TranslationBatch, error) {
	if len(source) != len(target) {
		return nil, fmt.Errorf("data: NewTranslationBatch: %d sources but %d targets", len(source), len(target))
	}
	if maxSource < 0 || maxTarget < 0 || (maxSource > 0 && maxSource < 3) || (maxTarget > 0 && maxTarget < 2) {
		return nil, fmt.Errorf("data: NewTranslationBatch: maxSource %d, maxTarget %d: want at least 3 and 2 (room for the special tokens and one token), or 0", maxSource, maxTarget)
	}
	src := make([][]int32, len(source))
	dec := make([][]int32, len(source))
	lab := make([][]int32, len(source))
	for i := range source {
		s, t := source[i], target[i]
		if maxSource > 0 && len(s) > maxSource-2 {
			s = s[:maxSource-2]
		}
		if maxTarget > 0 && len(t) > maxTarget-1 {
			t = t[:maxTarget-1]
		}
		src[i] = append(append(append(make([]int32, 0, len(s)+2), special.CLS), s...), special.SEP)
		dec[i] = append(append(make([]int32, 0, len(t)+1), special.CLS), t...)
		lab[i] = append(append(make([]int32, 0, len(t)+1), t...), special.SEP)
	}
	b := &TranslationBatch{}
	b.SourceIDs, b.SourceMask = Pad(src, special.PAD)
	b.DecoderInputIDs, b.DecoderMask = Pad(dec, special.PAD)
	b.Labels, _ = Pad(lab, IgnoreIndex)
	return b, nil
}
