package translate

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/lossbook/lossbook/lib/data"
	"github.com/lossbook/lossbook/lib/tokenize"
	"github.com/lossbook/lossbook/training"
)

// Splits are the verse pairs of one run: cut by chapter (data.SplitVersePairs, fractions 0.9, 0.05, 0.05, the
// run's data seed), so that no chapter, and so no verse's neighbours, is in two parts.
type Splits struct {
	Train, Validation, Test []data.VersePair
}

// LoadSplits reads the verse pairs (cfg.DataFile, or the KJV/Reina-Valera pairs of lib/data when it is empty)
// and splits them by chapter with the data seed (cfg.DataSeed, or cfg.Seed when it is 0).
func LoadSplits(ctx context.Context, cfg Config) (*Splits, error) {
	var pairs []data.VersePair
	var err error
	if cfg.DataFile != "" {
		pairs, err = ReadPairsFile(cfg.DataFile)
	} else {
		pairs, err = data.LoadVersePairs(ctx, data.Options{})
	}
	if err != nil {
		return nil, err
	}
	parts, err := data.SplitVersePairs(pairs, cfg.dataSeed(), 0.9, 0.05, 0.05)
	if err != nil {
		return nil, err
	}
	for i, p := range parts {
		if len(p) == 0 {
			return nil, fmt.Errorf("translate: the split by chapter of %d pairs left part %d (of train, validation, test) empty: want more chapters", len(pairs), i)
		}
	}
	return &Splits{Train: parts[0], Validation: parts[1], Test: parts[2]}, nil
}

// ReadPairsFile reads verse pairs from a tab-separated file, one pair a line: the reference ("Gen 1:1": book,
// chapter and verse, which the split by chapter uses), the source text and the target text. Empty lines and
// lines starting with # are skipped.
func ReadPairsFile(path string) ([]data.VersePair, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("translate: %w", err)
	}
	defer f.Close()
	var pairs []data.VersePair
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<16), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cols := strings.Split(line, "\t")
		bad := func(why string) error {
			return fmt.Errorf("translate: %s:%d: %s (want REF<TAB>SOURCE<TAB>TARGET with REF like \"Gen 1:1\")", path, n, why)
		}
		if len(cols) != 3 {
			return nil, bad(fmt.Sprintf("%d tab-separated columns", len(cols)))
		}
		book, cv, ok := strings.Cut(strings.TrimSpace(cols[0]), " ")
		c, v, ok2 := strings.Cut(cv, ":")
		chapter, err1 := strconv.Atoi(c)
		verse, err2 := strconv.Atoi(v)
		if !ok || !ok2 || err1 != nil || err2 != nil || book == "" {
			return nil, bad(fmt.Sprintf("reference %q", cols[0]))
		}
		src, tgt := strings.TrimSpace(cols[1]), strings.TrimSpace(cols[2])
		if src == "" || tgt == "" {
			return nil, bad("an empty side")
		}
		pairs = append(pairs, data.VersePair{Ref: data.VerseRef{Book: book, BookName: book, Chapter: chapter, Verse: verse}, Source: src, Target: tgt})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("translate: %s: %w", path, err)
	}
	if len(pairs) == 0 {
		return nil, fmt.Errorf("translate: %s holds no pairs", path)
	}
	return pairs, nil
}

// Words is the number of white-space separated words of s (the "at most 30 words" of the evaluation).
func Words(s string) int { return len(strings.Fields(s)) }

// encoded is one pair as token ids, without special tokens.
type encoded struct{ src, tgt []int32 }

func encodePairs(tok *tokenize.Tokenizer, pairs []data.VersePair) []encoded {
	out := make([]encoded, len(pairs))
	for i, p := range pairs {
		out[i] = encoded{tok.Encode(p.Source), tok.Encode(p.Target)}
	}
	return out
}

// lengthBin is the padded length of a pair in batches: the longer of [CLS] source [SEP] and [CLS] target,
// rounded up to a multiple of binWidth, so that a run compiles one graph per bin.
const binWidth = 16

func pairLength(e encoded) int { return max(len(e.src)+2, len(e.tgt)+1) }

func binOf(e encoded) int { return (pairLength(e) + binWidth - 1) / binWidth * binWidth }

// batchDataset is a training.Dataset whose examples are whole batches, built once: the pairs are grouped by
// length bin, shuffled within their bin with the seed, and cut into batches of about maxTokens tokens (rows ×
// bin), every batch of a bin having the same number of rows (the last one is filled with empty rows, whose
// labels are all ignored). Training reads it with BatchSize 1 and Shuffle, so the batch order changes every
// epoch and the shapes stay few.
type batchDataset struct {
	batches  [][]*tensors.Tensor
	real     int // non-padding tokens (source + decoder input) over all batches
	total    int // all positions over all batches
	examples int
}

var _ training.Dataset = (*batchDataset)(nil)

func (d *batchDataset) Len() int { return len(d.batches) }

func (d *batchDataset) Batch(indices []int) ([]*tensors.Tensor, error) {
	if len(indices) != 1 || indices[0] < 0 || indices[0] >= len(d.batches) {
		return nil, fmt.Errorf("translate: a batch dataset is read one batch at a time, got indices %v of %d", indices, len(d.batches))
	}
	return d.batches[indices[0]], nil
}

// PaddingShare is the fraction of batch positions (source and target sides) that are padding.
func (d *batchDataset) PaddingShare() float64 {
	if d.total == 0 {
		return 0
	}
	return 1 - float64(d.real)/float64(d.total)
}

// newBatchDataset builds the batches of pairs (dropping those longer than maxLen tokens).
func newBatchDataset(pairs []encoded, special tokenize.SpecialIDs, maxTokens, maxLen int, seed uint64) (*batchDataset, error) {
	bins := map[int][]int{}
	for i, e := range pairs {
		if pairLength(e) > maxLen {
			continue
		}
		b := min(binOf(e), maxLen)
		bins[b] = append(bins[b], i)
	}
	keys := make([]int, 0, len(bins))
	for k := range bins {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	rng := rand.New(rand.NewPCG(seed, 0x7a5c))
	d := &batchDataset{}
	for _, bin := range keys {
		idx := bins[bin]
		rng.Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
		rows := max(1, maxTokens/bin)
		for start := 0; start < len(idx); start += rows {
			chunk := idx[start:min(start+rows, len(idx))]
			t, real := makeBatch(pairs, chunk, rows, bin, special)
			d.batches = append(d.batches, t)
			d.real += real
			d.total += 2 * rows * bin
			d.examples += len(chunk)
		}
	}
	if len(d.batches) == 0 {
		return nil, fmt.Errorf("translate: no pair fits in %d tokens", maxLen)
	}
	return d, nil
}

// makeBatch returns [source [rows, bin] int32, sourceMask [rows, bin] bool, decoderInput [rows, bin] int32,
// labels [rows, bin] int32] and the number of real tokens (source + decoder input).
func makeBatch(pairs []encoded, chunk []int, rows, bin int, special tokenize.SpecialIDs) ([]*tensors.Tensor, int) {
	src := make([][]int32, rows)
	mask := make([][]bool, rows)
	dec := make([][]int32, rows)
	lab := make([][]int32, rows)
	real := 0
	for r := range rows {
		src[r], mask[r], dec[r], lab[r] = make([]int32, bin), make([]bool, bin), make([]int32, bin), make([]int32, bin)
		for j := range bin {
			src[r][j], dec[r][j], lab[r][j] = special.PAD, special.PAD, data.IgnoreIndex
		}
		if r >= len(chunk) {
			continue
		}
		e := pairs[chunk[r]]
		s := append(append([]int32{special.CLS}, e.src...), special.SEP)
		copy(src[r], s)
		for j := range s {
			mask[r][j] = true
		}
		dec[r][0] = special.CLS
		copy(dec[r][1:], e.tgt)
		copy(lab[r], e.tgt)
		lab[r][len(e.tgt)] = special.SEP
		real += len(s) + len(e.tgt) + 1
	}
	return []*tensors.Tensor{tensors.FromValue(src), tensors.FromValue(mask), tensors.FromValue(dec), tensors.FromValue(lab)}, real
}
