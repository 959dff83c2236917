package data

import (
	"context"
	"fmt"
)

// VersePair is one verse in two languages, aligned by the shared KJV versification.
type VersePair struct {
	Ref    VerseRef
	Source string // English (KJV) for LoadVersePairs, cleaned with CleanOSIS
	Target string // Spanish (Reina-Valera 1909) for LoadVersePairs, cleaned with CleanOSIS
}

// LoadVersePairs reads the English-Spanish verse pairs: KJV (Debian sword-text-kjv) as Source and
// Reina-Valera 1909 (Debian sword-text-sparv) as Target, aligned slot by slot. Installed modules are read in
// place; otherwise the .deb files are fetched (see SwordModule.Open). With the pinned packages this gives
// 31,084 pairs in canonical order, Genesis 1:1 first.
func LoadVersePairs(ctx context.Context, opts Options) ([]VersePair, error) {
	src, err := KJVModule.Open(ctx, opts)
	if err != nil {
		return nil, err
	}
	tgt, err := SpanishRV1909Module.Open(ctx, opts)
	if err != nil {
		return nil, err
	}
	return AlignVerses(src, tgt)
}

// AlignVerses pairs the verses of two modules in the KJV versification: for every verse of KJVSlots, both
// entries are cleaned with CleanOSIS, and the verse is kept when both are non-empty. Headings and
// introductions (book, chapter) are not verses and are skipped.
func AlignVerses(source, target *ZText) ([]VersePair, error) {
	want := kjvTestamentSlots()
	for t := range 2 {
		for _, z := range []*ZText{source, target} {
			if n := z.Slots(t); n != 0 && n != want[t] {
				return nil, fmt.Errorf("data: AlignVerses: testament %d has %d slots, want %d (the KJV versification)", t, n, want[t])
			}
		}
	}
	var out []VersePair
	for _, s := range KJVSlots() {
		if s.Slot >= source.Slots(s.Testament) || s.Slot >= target.Slots(s.Testament) {
			continue
		}
		a, err := source.Entry(s.Testament, s.Slot)
		if err != nil {
			return nil, err
		}
		b, err := target.Entry(s.Testament, s.Slot)
		if err != nil {
			return nil, err
		}
		a, b = CleanOSIS(a), CleanOSIS(b)
		if a != "" && b != "" {
			out = append(out, VersePair{Ref: s.Ref, Source: a, Target: b})
		}
	}
	return out, nil
}

// SplitVersePairs cuts pairs into parts by chapter (every verse of a chapter goes to the same part, so
// neighbouring verses, which often repeat each other, do not straddle train and test), following fractions,
// deterministically for a seed. See SplitIndices.
func SplitVersePairs(pairs []VersePair, seed uint64, fractions ...float64) ([][]VersePair, error) {
	type chapter struct {
		book string
		ch   int
	}
	var chapters []chapter
	index := map[chapter]int{}
	for _, p := range pairs {
		c := chapter{p.Ref.Book, p.Ref.Chapter}
		if _, ok := index[c]; !ok {
			index[c] = len(chapters)
			chapters = append(chapters, c)
		}
	}
	parts, err := SplitIndices(len(chapters), seed, fractions...)
	if err != nil {
		return nil, err
	}
	partOf := make([]int, len(chapters))
	for i, part := range parts {
		for _, c := range part {
			partOf[c] = i
		}
	}
	out := make([][]VersePair, len(parts))
	for _, p := range pairs {
		i := partOf[index[chapter{p.Ref.Book, p.Ref.Chapter}]]
		out[i] = append(out[i], p)
	}
	return out, nil
}
