package translate

import (
	"context"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	gcontext "github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/lossbook/lossbook/lib"
	"github.com/lossbook/lossbook/lib/data"
	"github.com/lossbook/lossbook/lib/models"
	"github.com/lossbook/lossbook/metrics"
	"github.com/lossbook/lossbook/training"
)

// MaxEvalWords is the length limit of the short held-out set: verses of at most 30 words on both sides.
const MaxEvalWords = 30

// Decoding batches: sentences per batch for greedy decoding and for beam search (times the beam size rows),
// padded to a fixed number of rows so that each source-length bin compiles once.
const (
	greedyRows = 64
	beamRows   = 64
)

// Translate translates English texts to Spanish, greedily (beam <= 1) or by beam search with the GNMT length
// penalty (models.DefaultLengthPenalty). Each text is tokenized, cut to the model's longest source, decoded, and
// detokenized (no space before punctuation).
func (m *Model) Translate(texts []string, beam int) ([]string, error) {
	if m == nil || m.ctx == nil {
		return nil, fmt.Errorf("translate: Translate: the model is not loaded")
	}
	if beam < 0 {
		return nil, fmt.Errorf("translate: Translate: beam %d, want >= 1 (1 is greedy)", beam)
	}
	if m.decoder == nil {
		special := m.Tokenizer.Special()
		d, err := models.NewDecoder(lib.MustBackend(), m.ctx, m.Net, special.CLS, special.SEP, special.PAD)
		if err != nil {
			return nil, err
		}
		m.decoder = d
	}
	special := m.Tokenizer.Special()
	srcs := make([][]int32, len(texts))
	for i, t := range texts {
		ids := m.Tokenizer.Encode(t)
		if len(ids) > m.Net.MaxLen-2 {
			ids = ids[:m.Net.MaxLen-2]
		}
		srcs[i] = append(append([]int32{special.CLS}, ids...), special.SEP)
	}
	// Sort by length so that a batch pads little; decode in fixed-size batches (padded with one-token sources).
	order := make([]int, len(texts))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return len(srcs[a]) - len(srcs[b]) })
	rows := greedyRows
	if beam > 1 {
		rows = max(1, beamRows/beam)
	}
	out := make([]string, len(texts))
	opts := models.DecodeOptions{BeamSize: max(beam, 1), LengthPenalty: models.DefaultLengthPenalty}
	for start := 0; start < len(order); start += rows {
		chunk := order[start:min(start+rows, len(order))]
		batch := make([][]int32, rows)
		longest := 0
		for j, i := range chunk {
			batch[j] = srcs[i]
			longest = max(longest, len(srcs[i]))
		}
		for j := len(chunk); j < rows; j++ {
			batch[j] = []int32{special.CLS, special.SEP}
		}
		// Pad the sources to a multiple of 16 tokens, so that each bin compiles once.
		opts.PadSourceTo = min(m.Net.MaxLen, (longest+15)/16*16)
		var ids [][]int32
		var err error
		if beam > 1 {
			ids, err = m.decoder.Beam(batch, opts)
		} else {
			ids, err = m.decoder.Greedy(batch, opts)
		}
		if err != nil {
			return nil, err
		}
		for j, i := range chunk {
			out[i] = Detokenize(m.Tokenizer.Decode(ids[j], true))
		}
	}
	return out, nil
}

// Detokenize removes the spaces that WordPiece decoding leaves before closing punctuation and after opening
// punctuation ("tierra ." -> "tierra.", "¿ Quién" -> "¿Quién"). BLEU's 13a tokenizer splits punctuation again,
// so it does not change BLEU; it makes the output readable.
func Detokenize(s string) string {
	words := strings.Fields(s)
	var b strings.Builder
	glueNext := false
	for i, w := range words {
		closing := len([]rune(w)) == 1 && strings.ContainsAny(w, ".,;:!?)]»")
		if i > 0 && !closing && !glueNext {
			b.WriteByte(' ')
		}
		b.WriteString(w)
		glueNext = len([]rune(w)) == 1 && strings.ContainsAny(w, "(¿¡[«")
	}
	return b.String()
}

func sources(pairs []data.VersePair) []string {
	out := make([]string, len(pairs))
	for i, p := range pairs {
		out[i] = p.Source
	}
	return out
}

func targets(pairs []data.VersePair) []string {
	out := make([]string, len(pairs))
	for i, p := range pairs {
		out[i] = p.Target
	}
	return out
}

// ShortPairs keeps the pairs whose both sides have at most MaxEvalWords words.
func ShortPairs(pairs []data.VersePair) []data.VersePair {
	var out []data.VersePair
	for _, p := range pairs {
		if Words(p.Source) <= MaxEvalWords && Words(p.Target) <= MaxEvalWords {
			out = append(out, p)
		}
	}
	return out
}

// evalSubset is the first n short validation pairs (BLEU during training).
func evalSubset(pairs []data.VersePair, n int) []data.VersePair {
	s := ShortPairs(pairs)
	return s[:min(n, len(s))]
}

func corpusBLEU(hyps, refs []string) (metrics.BLEU, error) {
	return metrics.CorpusBLEU(hyps, [][]string{refs}, metrics.BLEUOptions{})
}

// Score is the evaluation of one held-out set.
type Score struct {
	Name       string   `json:"name"`      // "test, <= 30 words" or "test, all"
	Sentences  int      `json:"sentences"` //
	BLEUGreedy float64  `json:"bleu_greedy"`
	BLEUBeam   float64  `json:"bleu_beam"`
	CHRFGreedy float64  `json:"chrf_greedy"`
	CopyBLEU   float64  `json:"copy_bleu"`  // BLEU of the English source as the Spanish output, for scale
	Perplexity float64  `json:"perplexity"` // exp(NLL per target token), unsmoothed
	Loss       float64  `json:"loss"`       // NLL per target token, nats
	Greedy     string   `json:"greedy"`     // sacrebleu's line for greedy
	Beam       string   `json:"beam"`       // and for beam search
	Signature  string   `json:"signature"`
	Hypotheses []string `json:"-"` // greedy outputs, in order
	BeamHyps   []string `json:"-"`
	References []string `json:"-"`
	Sources    []string `json:"-"`
}

// EvalOptions configures Evaluate.
type EvalOptions struct {
	Beam  int  // beam size for the beam-search score (0 means 4; 1 skips beam search)
	Limit int  // evaluate at most this many verses of each set (0: all)
	All   bool // also the set of all lengths (besides the short verses)
	Log   io.Writer
}

// Evaluate scores the model on its run's held-out test split (the same chapters as at training: same data,
// seed and fractions): the verses of at most 30 words a side and, with opts.All, all of them.
func (m *Model) Evaluate(ctx context.Context, opts EvalOptions) ([]Score, error) {
	splits, err := LoadSplits(ctx, m.Config)
	if err != nil {
		return nil, err
	}
	return m.EvaluatePairs(splits.Test, opts)
}

// EvaluatePairs is Evaluate on the given pairs.
func (m *Model) EvaluatePairs(test []data.VersePair, opts EvalOptions) ([]Score, error) {
	if opts.Beam == 0 {
		opts.Beam = 4
	}
	sets := []struct {
		name  string
		pairs []data.VersePair
	}{{fmt.Sprintf("test, <= %d words", MaxEvalWords), ShortPairs(test)}}
	if opts.All {
		sets = append(sets, struct {
			name  string
			pairs []data.VersePair
		}{"test, all", test})
	}
	var out []Score
	for _, set := range sets {
		pairs := set.pairs
		if opts.Limit > 0 && len(pairs) > opts.Limit {
			pairs = pairs[:opts.Limit]
		}
		if len(pairs) == 0 {
			continue
		}
		s := Score{Name: set.name, Sentences: len(pairs), Sources: sources(pairs), References: targets(pairs)}
		logf(opts.Log, "translate: %s: %d verses, greedy...\n", set.name, len(pairs))
		var err error
		if s.Hypotheses, err = m.Translate(s.Sources, 1); err != nil {
			return nil, err
		}
		b, err := corpusBLEU(s.Hypotheses, s.References)
		if err != nil {
			return nil, err
		}
		s.BLEUGreedy, s.Greedy, s.Signature = b.Score, b.String(), b.Signature
		c, err := metrics.CorpusCHRF(s.Hypotheses, [][]string{s.References}, metrics.CHRFOptions{})
		if err != nil {
			return nil, err
		}
		s.CHRFGreedy = c.Score
		cp, err := corpusBLEU(s.Sources, s.References)
		if err != nil {
			return nil, err
		}
		s.CopyBLEU = cp.Score
		if opts.Beam > 1 {
			logf(opts.Log, "translate: %s: beam %d...\n", set.name, opts.Beam)
			if s.BeamHyps, err = m.Translate(s.Sources, opts.Beam); err != nil {
				return nil, err
			}
			bb, err := corpusBLEU(s.BeamHyps, s.References)
			if err != nil {
				return nil, err
			}
			s.BLEUBeam, s.Beam = bb.Score, bb.String()
		}
		if s.Loss, err = m.nll(pairs); err != nil {
			return nil, err
		}
		s.Perplexity = math.Exp(s.Loss)
		out = append(out, s)
	}
	return out, nil
}

// nll is the unsmoothed negative log-likelihood per target token of pairs (teacher forcing).
func (m *Model) nll(pairs []data.VersePair) (float64, error) {
	ds, err := newBatchDataset(encodePairs(m.Tokenizer, pairs), m.Tokenizer.Special(), m.Config.MaxTokens, m.Config.MaxPositions, 0)
	if err != nil {
		return 0, err
	}
	net := m.Net
	exec, err := gcontext.NewExec(lib.MustBackend(), m.ctx.Reuse(), func(ctx *gcontext.Context, b []*Node) []*Node {
		logits := net.Logits(ctx, net.Encode(ctx, b[0], b[1]), b[1], b[2])
		sum, count := training.CrossEntropySumCount(logits, b[3], int(data.IgnoreIndex), -1)
		return []*Node{sum, count}
	})
	if err != nil {
		return 0, err
	}
	var ppl metrics.Perplexity
	for _, b := range ds.batches {
		args := make([]any, len(b))
		for i, t := range b {
			args[i] = t
		}
		outs, err := exec.Exec(args...)
		if err != nil {
			return 0, err
		}
		ppl.Add(toFloat(outs[0]), toFloat(outs[1]))
	}
	return ppl.Loss(), nil
}

func toFloat(t *tensors.Tensor) float64 {
	switch v := t.Value().(type) {
	case float32:
		return float64(v)
	case float64:
		return v
	}
	panic(fmt.Sprintf("translate: unexpected %s", t.Shape()))
}
