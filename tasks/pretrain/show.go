package pretrain

import (
	"fmt"
	"strings"

	"github.com/lossbook/lossbook/lib/data"
	"github.com/lossbook/lossbook/lib/tokenize"
)

// Batch is a collated pre-training batch as Go slices: what Train's steps see.
type Batch struct {
	InputIDs          [][]int32 // [CLS] A [SEP] B [SEP] after masking, padded with [PAD] to seq
	TokenTypeIDs      [][]int32 // 0 for [CLS] A [SEP], 1 for B [SEP], 0 on padding
	AttentionMask     [][]bool  // true at tokens, false at padding
	Labels            [][]int32 // the original token at masked positions, -100 elsewhere (padding included)
	Positions         []int32   // flat indices b·seq + t of the masked positions, padded (see models.SparseMLMTargets)
	Targets           []int32   // their labels, -100 on padding slots
	NextSentenceLabel []int32   // 0: B follows A; 1: B is random
	Original          [][]int32 // the ids before masking
}

// CollatePairs encodes, pads to seq and masks NSP pairs exactly as Train does (mlmProbability of the tokens
// chosen, with data.MLMCollator's 80/10/10 rule, seeded by seed and the pairs' indices 0, 1, ...).
func CollatePairs(tok *tokenize.Tokenizer, pairs []data.NSPExample, seq int, mlmProbability float64, seed uint64) (*Batch, error) {
	if tok == nil || len(pairs) == 0 {
		return nil, fmt.Errorf("pretrain: CollatePairs: need a tokenizer and at least one pair")
	}
	d := &pairDataset{pairs: pairs, special: tok.Special(), vocab: tok.Vocab().Size(), seq: seq, mlmProb: mlmProbability, seed: seed}
	idx := make([]int, len(pairs))
	for i := range idx {
		idx[i] = i
	}
	b, err := d.collate(idx)
	if err != nil {
		return nil, err
	}
	out := &Batch{InputIDs: b.ids, TokenTypeIDs: b.types, AttentionMask: b.mask, Labels: b.labels, Positions: b.positions,
		Targets: b.targets, NextSentenceLabel: b.nsp}
	for i, row := range b.ids {
		orig := append([]int32(nil), row...)
		for j, y := range b.labels[i] {
			if y != data.IgnoreIndex {
				orig[j] = y
			}
		}
		out.Original = append(out.Original, orig)
	}
	return out, nil
}

// PairTable lays out row i of a batch token by token, for display: position, segment, the original token, the
// token the model reads, and the MLM label (the original at a masked position, "-100" elsewhere). Padding is
// left out.
func PairTable(tok *tokenize.Tokenizer, b *Batch, i int) (header []string, rows [][]string) {
	header = []string{"position", "segment", "original", "input", "label"}
	v := tok.Vocab()
	for t, id := range b.InputIDs[i] {
		if !b.AttentionMask[i][t] {
			break
		}
		label := "-100"
		if y := b.Labels[i][t]; y != data.IgnoreIndex {
			label = fmt.Sprintf("%s (%d)", v.Token(y), y)
		}
		rows = append(rows, []string{fmt.Sprint(t), fmt.Sprint(b.TokenTypeIDs[i][t]), v.Token(b.Original[i][t]), v.Token(id), label})
	}
	return header, rows
}

// MaskedSentence picks a held-out sentence for Model.FillMask: the first sentence of corpus.Eval with 8 to 25
// words that encodes to at most maxTokens tokens with [CLS] and [SEP] (the model's MaxSeqLength), of which at least two, among the words after the first two, are lowercase words of at least three
// letters that the tokenizer keeps whole (one WordPiece token). It returns the sentence with the first two such
// words replaced by [MASK], and those words. It returns an error when no sentence qualifies.
func MaskedSentence(corpus *Corpus, tok *tokenize.Tokenizer, maxTokens int) (masked string, words []string, err error) {
	for _, doc := range corpus.Eval {
		for _, s := range doc {
			fields := strings.Fields(s)
			if len(fields) < 8 || len(fields) > 25 || len(tok.Encode(s))+2 > maxTokens {
				continue
			}
			var picked []int
			for i := 2; i < len(fields) && len(picked) < 2; i++ {
				w := fields[i]
				if len(w) >= 3 && strings.ToLower(w) == w && isLetters(w) && len(tok.Encode(w)) == 1 {
					picked = append(picked, i)
				}
			}
			if len(picked) < 2 {
				continue
			}
			for _, i := range picked {
				words = append(words, fields[i])
				fields[i] = "[MASK]"
			}
			return strings.Join(fields, " "), words, nil
		}
	}
	return "", nil, fmt.Errorf("pretrain: MaskedSentence: no held-out sentence of 8 to 25 words and at most %d tokens with two whole lowercase words", maxTokens)
}

func isLetters(w string) bool {
	for _, r := range w {
		if r < 'a' || r > 'z' {
			return false
		}
	}
	return true
}
