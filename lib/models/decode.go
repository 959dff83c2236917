package models

import (
	"fmt"
	"math"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// DecodeOptions configures Decoder.Greedy and Decoder.Beam.
type DecodeOptions struct {
	// BeamSize is the number of hypotheses kept per sentence by Beam (0 means 4); Greedy ignores it.
	BeamSize int
	// LengthPenalty is GNMT's α (Wu et al. 2016): a finished hypothesis Y is ranked by log P(Y) / lp(Y) with
	// lp(Y) = ((5 + |Y|) / 6)^α, |Y| counting its tokens and the end token. 0 ranks by log P(Y) alone.
	LengthPenalty float64
	// MaxLenA and MaxLenB bound the output: at most MaxLenA·n + MaxLenB tokens (the end token included) for a
	// source of n tokens (its special tokens included), and never more than the model's MaxLen − 1. Both 0 mean
	// 1.5 n + 10.
	MaxLenA, MaxLenB float64
	// PadSourceTo pads the batch's sources to at least this many tokens (at most the model's MaxLen), so that
	// batches of different lengths can share a compiled graph; 0 pads to the longest source only. Padding never
	// changes the output.
	PadSourceTo int
}

// DefaultLengthPenalty is GNMT's α (their best on WMT'14 En-Fr was 0.6 to 0.7, with a coverage penalty).
const DefaultLengthPenalty = 0.6

// Decoder translates with a trained Seq2Seq: it encodes a batch of sources once and decodes the targets one
// position at a time with the model's key/value cache (DecodeStep), greedily or by beam search, batched over
// sentences. The decoder input starts with BOS; a hypothesis ends at EOS. Graphs are compiled once per batch
// shape.
type Decoder struct {
	Model    Seq2Seq
	BOS, EOS int32 // beginning- and end-of-sequence ids (lossbook's WordPiece: [CLS] and [SEP])
	PAD      int32 // the id that pads sources

	encode, step *context.Exec
}

// NewDecoder returns a Decoder for the model whose variables are in ctx (ctx is used read-only, with Reuse).
// backend nil is not allowed.
func NewDecoder(backend backends.Backend, ctx *context.Context, model Seq2Seq, bos, eos, pad int32) (*Decoder, error) {
	if backend == nil || ctx == nil {
		return nil, fmt.Errorf("models: NewDecoder: backend and ctx must not be nil")
	}
	for _, id := range []int32{bos, eos, pad} {
		if id < 0 || int(id) >= model.TargetVocabSize {
			return nil, fmt.Errorf("models: NewDecoder: special id %d is outside the target vocabulary [0, %d)", id, model.TargetVocabSize)
		}
	}
	d := &Decoder{Model: model, BOS: bos, EOS: eos, PAD: pad}
	ctx = ctx.Reuse()
	var err error
	d.encode, err = context.NewExec(backend, ctx, func(ctx *context.Context, source, mask *Node) []*Node {
		memory := model.Encode(ctx, source, mask)
		return model.NewDecodeCache(ctx, memory).Nodes()
	})
	if err != nil {
		return nil, err
	}
	d.step, err = context.NewExec(backend, ctx, func(ctx *context.Context, in []*Node) []*Node {
		cache := model.CacheFromNodes(in[4:])
		logits, next := model.DecodeStep(ctx, cache, in[0], in[1], in[2], in[3])
		return append([]*Node{LogSoftmax(ConvertDType(logits, dtypes.Float32))}, next.Nodes()...)
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

func (o DecodeOptions) maxLen(srcLen, modelMax int) int {
	a, b := o.MaxLenA, o.MaxLenB
	if a == 0 && b == 0 {
		a, b = 1.5, 10
	}
	return max(1, min(modelMax-1, int(math.Floor(a*float64(srcLen)+b))))
}

func (o DecodeOptions) validate() error {
	if o.BeamSize < 0 || o.LengthPenalty < 0 || math.IsNaN(o.LengthPenalty) || o.MaxLenA < 0 || o.MaxLenB < 0 || o.PadSourceTo < 0 {
		return fmt.Errorf("models: DecodeOptions %+v: BeamSize, LengthPenalty, MaxLenA, MaxLenB and PadSourceTo must not be negative", o)
	}
	return nil
}

// run is one decoding: it encodes sources repeated rowsPer times and calls pick after every step with the
// step's log-probabilities [rows][V]; pick returns the next tokens and parents, and whether all are done.
func (d *Decoder) run(sources [][]int32, rowsPer, padTo int, pick func(step int, logp [][]float32) (tokens, parents []int32, done bool)) error {
	srcLen := 0
	for i, s := range sources {
		if len(s) == 0 || len(s) > d.Model.MaxLen {
			return fmt.Errorf("models: Decoder: source %d has %d tokens, want 1 to MaxLen %d", i, len(s), d.Model.MaxLen)
		}
		for _, id := range s {
			if id < 0 || int(id) >= d.Model.SourceVocabSize {
				return fmt.Errorf("models: Decoder: source %d holds id %d outside [0, %d)", i, id, d.Model.SourceVocabSize)
			}
		}
		srcLen = max(srcLen, len(s))
	}
	srcLen = max(srcLen, min(padTo, d.Model.MaxLen))
	rows := len(sources) * rowsPer
	ids := make([][]int32, rows)
	mask := make([][]bool, rows)
	for i, s := range sources {
		for k := range rowsPer {
			r := i*rowsPer + k
			ids[r], mask[r] = make([]int32, srcLen), make([]bool, srcLen)
			for j := range srcLen {
				if j < len(s) {
					ids[r][j], mask[r][j] = s[j], true
				} else {
					ids[r][j] = d.PAD
				}
			}
		}
	}
	cache, err := d.encode.Exec(ids, mask)
	if err != nil {
		return err
	}
	maskT := tensors.FromValue(mask)
	tokens := make([]int32, rows)
	parents := make([]int32, rows)
	for r := range rows {
		tokens[r], parents[r] = d.BOS, int32(r)
	}
	for step := 0; step < d.Model.MaxLen; step++ {
		args := []any{tokens, int32(step), parents, maskT}
		for _, c := range cache {
			args = append(args, c)
		}
		out, err := d.step.Exec(args...)
		if err != nil {
			return err
		}
		for _, c := range cache {
			c.FinalizeAll()
		}
		logp := tensors.MustCopyFlatData[float32](out[0])
		out[0].FinalizeAll()
		cache = out[1:]
		v := d.Model.TargetVocabSize
		byRow := make([][]float32, rows)
		for r := range rows {
			byRow[r] = logp[r*v : (r+1)*v]
		}
		var done bool
		tokens, parents, done = pick(step, byRow)
		if done {
			break
		}
	}
	for _, c := range cache {
		c.FinalizeAll()
	}
	return nil
}

// Greedy translates each source (token ids with their special tokens, without padding) by taking the most
// likely token at every step, until EOS or the maximum length; it returns the target ids without BOS and EOS.
// EOS is not allowed at the first step (as in Beam), so no output is empty.
func (d *Decoder) Greedy(sources [][]int32, opts DecodeOptions) ([][]int32, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	if len(sources) == 0 {
		return nil, nil
	}
	out := make([][]int32, len(sources))
	done := make([]bool, len(sources))
	err := d.run(sources, 1, opts.PadSourceTo, func(step int, logp [][]float32) ([]int32, []int32, bool) {
		tokens, parents := make([]int32, len(sources)), make([]int32, len(sources))
		all := true
		for i := range sources {
			parents[i] = int32(i)
			tokens[i] = d.EOS
			if done[i] {
				continue
			}
			best := argmax(noEmpty(logp[i], step, d.EOS))
			if best == d.EOS {
				done[i] = true
				continue
			}
			out[i] = append(out[i], best)
			tokens[i] = best
			if step+1 >= opts.maxLen(len(sources[i]), d.Model.MaxLen) {
				done[i] = true
				continue
			}
			all = false
		}
		return tokens, parents, all
	})
	return out, err
}

// noEmpty forbids the end token at the first step (fairseq's min_len 1): an empty translation is never the
// output, which an undertrained model's beam search otherwise favours (one factor below one instead of many).
func noEmpty(logp []float32, step int, eos int32) []float32 {
	if step == 0 {
		logp[eos] = float32(math.Inf(-1))
	}
	return logp
}

func argmax(xs []float32) int32 {
	best := 0
	for j, x := range xs {
		if x > xs[best] {
			best = j
		}
	}
	return int32(best)
}

// hypothesis is one beam-search hypothesis.
type hypothesis struct {
	tokens []int32
	score  float64 // log-probability
}

// Beam translates each source by beam search with opts.BeamSize hypotheses (batched over sources): at every step
// each live hypothesis is extended by every token, the 2·BeamSize best extensions are kept in order of
// log-probability, those ending in EOS among the first BeamSize become finished, and the best BeamSize others
// stay live. A sentence is done when BeamSize hypotheses have finished (Hugging Face's early_stopping=True) or
// at the maximum length, where the live ones finish too. The finished hypothesis with the best length-penalised
// score (see DecodeOptions.LengthPenalty) is returned, without BOS and EOS. With BeamSize 1 it equals Greedy.
func (d *Decoder) Beam(sources [][]int32, opts DecodeOptions) ([][]int32, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	if len(sources) == 0 {
		return nil, nil
	}
	k := opts.BeamSize
	if k == 0 {
		k = 4
	}
	lp := func(h hypothesis) float64 {
		if opts.LengthPenalty == 0 {
			return h.score
		}
		return h.score / math.Pow((5+float64(len(h.tokens)+1))/6, opts.LengthPenalty)
	}
	n := len(sources)
	live := make([][]hypothesis, n)
	finished := make([][]hypothesis, n)
	done := make([]bool, n)
	for i := range live {
		live[i] = []hypothesis{{score: 0}} // one live hypothesis at first, so the beams do not start as copies
	}
	type cand struct {
		beam  int
		token int32
		score float64
	}
	err := d.run(sources, k, opts.PadSourceTo, func(step int, logp [][]float32) ([]int32, []int32, bool) {
		tokens, parents := make([]int32, n*k), make([]int32, n*k)
		all := true
		for i := range n {
			for b := range k {
				tokens[i*k+b], parents[i*k+b] = d.EOS, int32(i*k+b)
			}
			if done[i] {
				continue
			}
			// The 2k best extensions, best first (ties: lower beam, then lower token id, as argmax).
			var top []cand
			better := func(a, c cand) bool {
				if a.score != c.score {
					return a.score > c.score
				}
				if a.beam != c.beam {
					return a.beam < c.beam
				}
				return a.token < c.token
			}
			for b, h := range live[i] {
				for v, l := range noEmpty(logp[i*k+b], step, d.EOS) {
					c := cand{b, int32(v), h.score + float64(l)}
					if len(top) == 2*k && !better(c, top[len(top)-1]) {
						continue
					}
					j := len(top)
					if j < 2*k {
						top = append(top, c)
					} else {
						j--
					}
					for ; j > 0 && better(c, top[j-1]); j-- {
						top[j] = top[j-1]
					}
					top[j] = c
				}
			}
			var next []hypothesis
			for rank, c := range top {
				prefix := live[i][c.beam].tokens
				if c.token == d.EOS {
					if rank < k {
						finished[i] = append(finished[i], hypothesis{append([]int32(nil), prefix...), c.score})
					}
					continue
				}
				if len(next) < k {
					tokens[i*k+len(next)] = c.token
					parents[i*k+len(next)] = int32(i*k + c.beam)
					next = append(next, hypothesis{append(append([]int32(nil), prefix...), c.token), c.score})
				}
			}
			live[i] = next
			if len(finished[i]) >= k {
				done[i] = true
				continue
			}
			if step+1 >= opts.maxLen(len(sources[i]), d.Model.MaxLen) {
				finished[i] = append(finished[i], live[i]...)
				done[i] = true
				continue
			}
			all = false
		}
		return tokens, parents, all
	})
	if err != nil {
		return nil, err
	}
	out := make([][]int32, n)
	for i := range n {
		if len(finished[i]) == 0 { // the model's MaxLen stopped the run first
			finished[i] = live[i]
		}
		best := 0
		for j, h := range finished[i] {
			if lp(h) > lp(finished[i][best]) {
				best = j
			}
		}
		out[i] = finished[i][best].tokens
	}
	return out, nil
}
