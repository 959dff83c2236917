package data

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/lossbook/lossbook/lib/tokenize"
)

var testSpecial = tokenize.SpecialIDs{PAD: 0, UNK: 1, CLS: 2, SEP: 3, MASK: 4}

func TestBucketBatches(t *testing.T) {
	lengths := make([]int, 1000)
	for i := range lengths {
		lengths[i] = (i * 37) % 113
	}
	batches, err := BucketBatches(lengths, 16, 42)
	if err != nil {
		t.Fatal(err)
	}
	seen := make([]int, len(lengths))
	spread := 0
	for _, b := range batches {
		if len(b) > 16 || len(b) == 0 {
			t.Errorf("batch of %d", len(b))
		}
		lo, hi := math.MaxInt, 0
		for _, i := range b {
			seen[i]++
			lo, hi = min(lo, lengths[i]), max(hi, lengths[i])
		}
		spread += hi - lo
	}
	for i, n := range seen {
		if n != 1 {
			t.Fatalf("example %d is in %d batches", i, n)
		}
	}
	// Lengths 0..112 spread evenly: random batches of 16 would span about 100; sorted pools of 800 span ~2.
	if mean := float64(spread) / float64(len(batches)); mean > 10 {
		t.Errorf("mean length spread in a batch %.1f, want small (bucketing)", mean)
	}
	again, _ := BucketBatches(lengths, 16, 42)
	if !slices.EqualFunc(batches, again, slices.Equal) {
		t.Error("same seed, different batches")
	}
	if _, err := BucketBatches(lengths, 0, 1); err == nil {
		t.Error("batch size 0: no error")
	}
}

func TestPad(t *testing.T) {
	ids, mask := Pad([][]int32{{5, 6, 7}, {8}}, 0)
	if !slices.Equal(ids[1], []int32{8, 0, 0}) || !slices.Equal(mask[1], []int32{1, 0, 0}) || !slices.Equal(mask[0], []int32{1, 1, 1}) {
		t.Errorf("Pad: %v %v", ids, mask)
	}
}

// TestMLMStatistics draws a large sample and checks the rule's rates: 15% of non-special tokens chosen; of
// those 80% [MASK], 10% random, 10% unchanged; special tokens and padding never chosen.
func TestMLMStatistics(t *testing.T) {
	const vocab = 1000
	rows := make([][]int32, 400)
	for i := range rows {
		n := 50 + i%200
		row := []int32{testSpecial.CLS}
		for j := range n {
			row = append(row, int32(5+(i*31+j*7)%(vocab-5)))
		}
		row = append(row, testSpecial.SEP, testSpecial.UNK)
		rows[i] = row
	}
	ids, mask := Pad(rows, testSpecial.PAD)
	e := &tokenize.Encoding{InputIDs: ids, AttentionMask: mask, TokenTypeIDs: mask}
	c := NewMLMCollator(testSpecial, vocab, 1)
	var eligible, chosen, masked, random, unchanged int
	for range 20 {
		b, err := c.Collate(e)
		if err != nil {
			t.Fatal(err)
		}
		for i := range ids {
			for j, id := range ids[i] {
				got, label := b.InputIDs[i][j], b.Labels[i][j]
				if testSpecial.IsSpecial(id) {
					if label != IgnoreIndex || got != id {
						t.Fatalf("special token %d at [%d][%d] was chosen (label %d, input %d)", id, i, j, label, got)
					}
					continue
				}
				eligible++
				if label == IgnoreIndex {
					if got != id {
						t.Fatalf("unchosen token changed at [%d][%d]", i, j)
					}
					continue
				}
				if label != id {
					t.Fatalf("label %d at [%d][%d], want the original %d", label, i, j, id)
				}
				chosen++
				switch {
				case got == testSpecial.MASK:
					masked++
				case got == id:
					unchanged++
				default:
					random++
				}
			}
		}
	}
	// A random draw equals the original token with probability 1/vocab: those count as "unchanged" above,
	// hence the 1/vocab corrections in the expected rates.
	pChosen := float64(chosen) / float64(eligible)
	pMask, pRandom, pSame := float64(masked)/float64(chosen), float64(random)/float64(chosen), float64(unchanged)/float64(chosen)
	t.Logf("%d eligible tokens: chosen %.4f; of chosen: [MASK] %.4f, random %.4f, unchanged %.4f", eligible, pChosen, pMask, pRandom, pSame)
	const tol = 0.01 // absolute, as the issue asks; with 1.2M eligible tokens the standard errors are ~0.0003 (chosen) and ~0.001 (shares)
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"chosen", pChosen, 0.15}, {"[MASK]", pMask, 0.8}, {"random", pRandom, 0.1 * (1 - 1.0/vocab)}, {"unchanged", pSame, 0.1 + 0.1/vocab},
	} {
		if math.Abs(c.got-c.want) > tol {
			t.Errorf("%s rate %.4f, want %.4f ± %.2f", c.name, c.got, c.want, tol)
		}
	}
}

func TestMLMReproducible(t *testing.T) {
	e := &tokenize.Encoding{InputIDs: [][]int32{{2, 10, 11, 12, 13, 14, 15, 16, 17, 3}}}
	a, _ := NewMLMCollator(testSpecial, 100, 9).Collate(e)
	b, _ := NewMLMCollator(testSpecial, 100, 9).Collate(e)
	if !slices.Equal(a.InputIDs[0], b.InputIDs[0]) || !slices.Equal(a.Labels[0], b.Labels[0]) {
		t.Error("same seed, different masks")
	}
	if !slices.Equal(e.InputIDs[0], []int32{2, 10, 11, 12, 13, 14, 15, 16, 17, 3}) {
		t.Error("Collate modified its input")
	}
	bad := NewMLMCollator(testSpecial, 100, 9)
	bad.MaskFraction = 0.95
	if _, err := bad.Collate(e); err == nil {
		t.Error("fractions summing past 1: no error")
	}
}

func TestNSPPairs(t *testing.T) {
	var docs [][][]int32
	for d := range 50 {
		var doc [][]int32
		for s := range 21 {
			doc = append(doc, []int32{int32(1000*d + s)}) // the id says document and sentence
		}
		docs = append(docs, doc)
	}
	docs = append(docs, nil, [][]int32{{999999}}) // an empty document and a one-sentence one
	pairs, err := NSPPairs(docs, 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(pairs) != 50*20 {
		t.Fatalf("%d pairs, want 1000", len(pairs))
	}
	next := 0
	for _, p := range pairs {
		a, b := p.A[0], p.B[0]
		if p.IsNext {
			next++
			if b != a+1 {
				t.Fatalf("IsNext pair (%d, %d) is not consecutive", a, b)
			}
		} else if b/1000 == a/1000 {
			t.Fatalf("random pair (%d, %d) takes B from A's own document", a, b)
		}
	}
	if frac := float64(next) / float64(len(pairs)); math.Abs(frac-0.5) > 0.05 {
		t.Errorf("%.3f of pairs are IsNext, want 0.5 ± 0.05", frac)
	}
	if _, err := NSPPairs(docs[:1], 1); err == nil {
		t.Error("one document: no error")
	}
	batch, err := NewNSPBatch(pairs[:2], testSpecial, 16)
	if err != nil {
		t.Fatal(err)
	}
	want := []int32{testSpecial.CLS, pairs[0].A[0], testSpecial.SEP, pairs[0].B[0], testSpecial.SEP}
	if !slices.Equal(batch.InputIDs[0], want) || !slices.Equal(batch.TokenTypeIDs[0], []int32{0, 0, 0, 1, 1}) {
		t.Errorf("NSP row %v types %v, want %v", batch.InputIDs[0], batch.TokenTypeIDs[0], want)
	}
	for i, p := range pairs[:2] {
		if want := map[bool]int32{true: 0, false: 1}[p.IsNext]; batch.NextSentenceLabels[i] != want {
			t.Errorf("label %d = %d, want %d", i, batch.NextSentenceLabels[i], want)
		}
	}
}

func TestPackSegments(t *testing.T) {
	docs := [][][]int32{
		{{1, 2}, {3}, {4, 5, 6, 7, 8}, {9}, {10}},
		nil,
		{{20, 21, 22, 23, 24, 25}}, // longer than maxTokens: a segment on its own
	}
	for _, tc := range []struct {
		max  int
		want [][][]int32
	}{
		{1, [][][]int32{{{1, 2}, {3}, {4, 5, 6, 7, 8}, {9}, {10}}, nil, {{20, 21, 22, 23, 24, 25}}}},
		{3, [][][]int32{{{1, 2, 3}, {4, 5, 6, 7, 8}, {9, 10}}, nil, {{20, 21, 22, 23, 24, 25}}}},
		{8, [][][]int32{{{1, 2, 3, 4, 5, 6, 7, 8}, {9, 10}}, nil, {{20, 21, 22, 23, 24, 25}}}},
		{100, [][][]int32{{{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}}, nil, {{20, 21, 22, 23, 24, 25}}}},
	} {
		got, err := PackSegments(docs, tc.max)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("maxTokens %d: %v, want %v", tc.max, got, tc.want)
		}
	}
	if fmt.Sprint(docs[0]) != "[[1 2] [3] [4 5 6 7 8] [9] [10]]" {
		t.Errorf("input modified: %v", docs[0])
	}
	if _, err := PackSegments(docs, 0); err == nil || !strings.Contains(err.Error(), "maxTokens 0") {
		t.Errorf("maxTokens 0: error %v, want one naming it", err)
	}
}

func TestTranslationBatch(t *testing.T) {
	s := testSpecial
	b, err := NewTranslationBatch([][]int32{{10, 11, 12}, {13}}, [][]int32{{20, 21}, {22, 23, 24, 25}}, s, 0, 4)
	if err != nil {
		t.Fatal(err)
	}
	want := TranslationBatch{
		SourceIDs:       [][]int32{{s.CLS, 10, 11, 12, s.SEP}, {s.CLS, 13, s.SEP, s.PAD, s.PAD}},
		SourceMask:      [][]int32{{1, 1, 1, 1, 1}, {1, 1, 1, 0, 0}},
		DecoderInputIDs: [][]int32{{s.CLS, 20, 21, s.PAD}, {s.CLS, 22, 23, 24}}, // target cut to maxTarget-1 = 3
		DecoderMask:     [][]int32{{1, 1, 1, 0}, {1, 1, 1, 1}},
		Labels:          [][]int32{{20, 21, s.SEP, IgnoreIndex}, {22, 23, 24, s.SEP}},
	}
	check := func(name string, got, want [][]int32) {
		if !slices.EqualFunc(got, want, slices.Equal) {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	check("SourceIDs", b.SourceIDs, want.SourceIDs)
	check("SourceMask", b.SourceMask, want.SourceMask)
	check("DecoderInputIDs", b.DecoderInputIDs, want.DecoderInputIDs)
	check("DecoderMask", b.DecoderMask, want.DecoderMask)
	check("Labels", b.Labels, want.Labels)
	// Teacher forcing: the decoder input is the labels shifted right by one.
	for i := range b.Labels {
		for j := 0; j+1 < len(b.Labels[i]); j++ {
			if b.Labels[i][j] != IgnoreIndex && b.DecoderMask[i][j+1] == 1 && b.DecoderInputIDs[i][j+1] != b.Labels[i][j] {
				t.Errorf("row %d: decoder input %d at %d is not label %d", i, b.DecoderInputIDs[i][j+1], j+1, b.Labels[i][j])
			}
		}
	}
	if _, err := NewTranslationBatch([][]int32{{1}}, nil, s, 0, 0); err == nil {
		t.Error("1 source, 0 targets: no error")
	}
}

// TestBatchBadInput: bad arguments to the batch builders are one clear error each, never an index or nil panic
// nor a silent default.
func TestBatchBadInput(t *testing.T) {
	ex := []NSPExample{{A: []int32{10, 11}, B: []int32{12}, IsNext: true}}
	e := &tokenize.Encoding{InputIDs: [][]int32{{2, 10, 3}}}
	var nilCollator *MLMCollator
	tests := []struct {
		name string
		call func() error
		want string
	}{
		{"NewNSPBatch maxLength -1", func() error { _, err := NewNSPBatch(ex, testSpecial, -1); return err }, "maxLength -1"},
		{"NewNSPBatch maxLength 2", func() error { _, err := NewNSPBatch(ex, testSpecial, 2); return err }, "maxLength 2"},
		{"NewTranslationBatch -5, -5", func() error {
			_, err := NewTranslationBatch([][]int32{{1}}, [][]int32{{2}}, testSpecial, -5, -5)
			return err
		}, "maxSource -5, maxTarget -5"},
		{"NewTranslationBatch 0, -1", func() error {
			_, err := NewTranslationBatch([][]int32{{1}}, [][]int32{{2}}, testSpecial, 0, -1)
			return err
		}, "maxTarget -1"},
		{"Collate(nil)", func() error { _, err := NewMLMCollator(testSpecial, 100, 1).Collate(nil); return err }, "nil"},
		{"nil collator", func() error { _, err := nilCollator.Collate(e); return err }, "nil"},
		{"collator not from NewMLMCollator", func() error {
			c := &MLMCollator{Special: testSpecial, VocabSize: 100, Probability: 0.15, MaskFraction: 0.8, RandomFraction: 0.1}
			_, err := c.Collate(e)
			return err
		}, "NewMLMCollator"},
	}
	for _, tc := range tests {
		var err error
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("%s: panic %v", tc.name, r)
				}
			}()
			err = tc.call()
		}()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
	// maxLength 0 means no limit, as NewTranslationBatch's 0.
	long := []NSPExample{{A: make([]int32, 300), B: make([]int32, 300)}}
	b, err := NewNSPBatch(long, testSpecial, 0)
	if err != nil || len(b.InputIDs[0]) != 603 {
		t.Errorf("NewNSPBatch maxLength 0: error %v, want a row of 603 tokens (no limit)", err)
	}
}

// TestSplitIndicesNegative: a negative number of items is an error, not a makeslice panic. (SplitIndices lives
// in split.go; its bad-input case sits here with the other batch builders'.)
func TestSplitIndicesNegative(t *testing.T) {
	var err error
	func() {
		defer func() {
			if r := recover(); r != nil {
				t.Errorf("SplitIndices(-1, 1, 1): panic %v", r)
			}
		}()
		_, err = SplitIndices(-1, 1, 1)
	}()
	if err == nil || !strings.Contains(err.Error(), "n -1") {
		t.Errorf("SplitIndices(-1, 1, 1): error %v, want one naming n -1", err)
	}
}
