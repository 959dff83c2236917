package data

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
)

// VersePair is one verse in two languages, aligned by the shared KJV versification.
type VersePair struct {
	// Ref is the KJV verse. Where the target module cannot be cut as the KJV is (RV1909 puts two or more KJV
	// verses in one slot; see RV1909Remap), the pair holds all of those verses and Ref is the first.
	Ref    VerseRef
	Source string // English (KJV) for LoadVersePairs, cleaned with CleanOSIS
	Target string // Spanish (Reina-Valera 1909) for LoadVersePairs, cleaned with CleanOSIS
}

// LoadVersePairs reads the English-Spanish verse pairs: KJV (Debian sword-text-kjv) as Source and
// Reina-Valera 1909 (Debian sword-text-sparv) as Target, aligned by content with RV1909Remap. Installed
// modules are read in place; otherwise the .deb files are fetched (see SwordModule.Open). With the pinned
// packages this gives 31,082 pairs in canonical order, Genesis 1:1 first; 13 of them join two or more KJV
// verses and 2 join two Spanish slots. (Slot by slot, without the remap, 186 pairs would hold another Spanish
// text, most of them a neighbouring verse's.)
func LoadVersePairs(ctx context.Context, opts Options) ([]VersePair, error) {
	src, err := KJVModule.Open(ctx, opts)
	if err != nil {
		return nil, err
	}
	tgt, err := SpanishRV1909Module.Open(ctx, opts)
	if err != nil {
		return nil, err
	}
	return AlignVerses(src, tgt, RV1909Remap())
}

// VerseRemap says which slots of a target module hold which KJV verses, where the module names its slots in
// the KJV versification but numbers its verses otherwise. Both are verse ranges, written "Num 13:1",
// "Num 13:1-31" or "Job 39:27-40:5" (OSIS book abbreviations, as VerseRef.String). Ranges of the same length
// map verse by verse; otherwise the verses of each side are joined into one pair.
type VerseRemap struct {
	KJV    string // the KJV verses
	Target string // the slots of the target module that hold them
}

// RV1909Remap returns where the Reina-Valera 1909 module (Debian sword-text-sparv 2.60) holds other KJV verses
// than its slots' names say. The module claims the KJV versification but follows the Hebrew numbering in
// Numbers 13 and 30, 1 Samuel 24, 1 Kings 22, 1 Chronicles 21, 2 Chronicles 33, Job 38-40, Hosea 12 and Jonah
// 2, and ends 2 Corinthians 13 one verse early: a verse moves to the next slot (or chapter), or one KJV verse
// takes two slots (1 Kings 22:43, 1 Chronicles 21:15), the run after it is one to five slots off, and where
// the run meets the end of the KJV's chapter two or more verses share a slot (Job 39:27-40:5 share one). Job
// 35:16, 2 Samuel 20:26 and Acts 19:41 share a slot with the verse before. So 18 slots are empty, and slot
// by slot 186 pairs would hold another Spanish text. Each entry was found by reading the two texts side by
// side; MisalignedVersePairs finds none left (TestRealVerseAlignment).
func RV1909Remap() []VerseRemap { return slices.Clone(rv1909Remap) }

var rv1909Remap = []VerseRemap{
	{"Num 12:16", "Num 13:1"}, {"Num 13:1-31", "Num 13:2-32"}, {"Num 13:32-33", "Num 13:33"},
	{"Num 29:40", "Num 30:1"}, {"Num 30:1-14", "Num 30:2-15"}, {"Num 30:15-16", "Num 30:16"},
	{"1Sam 23:29", "1Sam 24:1"}, {"1Sam 24:1-20", "1Sam 24:2-21"}, {"1Sam 24:21-22", "1Sam 24:22"},
	{"2Sam 20:25-26", "2Sam 20:25"},
	{"1Kgs 22:43", "1Kgs 22:43-44"}, {"1Kgs 22:44-51", "1Kgs 22:45-52"}, {"1Kgs 22:52-53", "1Kgs 22:53"},
	{"1Chr 21:15", "1Chr 21:15-16"}, {"1Chr 21:16-28", "1Chr 21:17-29"}, {"1Chr 21:29-30", "1Chr 21:30"},
	{"2Chr 33:10-11", "2Chr 33:10"}, {"2Chr 33:12-25", "2Chr 33:11-24"},
	{"Job 35:15-16", "Job 35:15"},
	{"Job 38:39-41", "Job 39:1-3"}, {"Job 39:1-26", "Job 39:4-29"}, {"Job 39:27-40:5", "Job 39:30"},
	{"Job 40:6-24", "Job 40:1-19"},
	{"Hos 11:12", "Hos 12:1"}, {"Hos 12:1-12", "Hos 12:2-13"}, {"Hos 12:13-14", "Hos 12:14"},
	{"Jonah 1:17", "Jonah 2:1"}, {"Jonah 2:1-8", "Jonah 2:2-9"}, {"Jonah 2:9-10", "Jonah 2:10"},
	{"Acts 19:40-41", "Acts 19:40"},
	{"2Cor 13:12-13", "2Cor 13:12"}, {"2Cor 13:14", "2Cor 13:13"},
}

// AlignVerses pairs the verses of two modules in the KJV versification: every verse of KJVSlots is paired with
// the target's slot of the same name, except where remap says the target holds it elsewhere (see VerseRemap;
// nil for none). Both sides are cleaned with CleanOSIS (the verses of a joined pair with a space between), and
// a pair is kept when both are non-empty. Headings and introductions (book, chapter) are not verses and are
// skipped. It returns an error when a module does not have the KJV's slot counts, or when remap names an
// unknown verse, spans two testaments, or uses a verse or a slot twice.
func AlignVerses(source, target *ZText, remap []VerseRemap) ([]VersePair, error) {
	want := kjvTestamentSlots()
	for t := range 2 {
		for _, z := range []*ZText{source, target} {
			if n := z.Slots(t); n != 0 && n != want[t] {
				return nil, fmt.Errorf("data: AlignVerses: testament %d has %d slots, want %d (the KJV versification)", t, n, want[t])
			}
		}
	}
	slots := KJVSlots()
	groups, err := remapGroups(slots, remap)
	if err != nil {
		return nil, err
	}
	read := func(z *ZText, span [2]int) (string, error) {
		var parts []string
		for _, s := range slots[span[0] : span[1]+1] {
			if s.Slot >= z.Slots(s.Testament) {
				continue
			}
			e, err := z.Entry(s.Testament, s.Slot)
			if err != nil {
				return "", err
			}
			if e = CleanOSIS(e); e != "" {
				parts = append(parts, e)
			}
		}
		return strings.Join(parts, " "), nil
	}
	var out []VersePair
	for _, g := range groups {
		a, err := read(source, g[0])
		if err != nil {
			return nil, err
		}
		b, err := read(target, g[1])
		if err != nil {
			return nil, err
		}
		if a != "" && b != "" {
			out = append(out, VersePair{Ref: slots[g[0][0]].Ref, Source: a, Target: b})
		}
	}
	return out, nil
}

// remapGroups turns remap into the list of aligned groups, in canonical order: each group is a range of
// source verses and a range of target slots (inclusive indices into slots).
func remapGroups(slots []KJVSlot, remap []VerseRemap) ([][2][2]int, error) {
	index := make(map[string]int, len(slots))
	for i, s := range slots {
		index[s.Ref.String()] = i
	}
	srcUsed := make([]bool, len(slots))
	tgtUsed := make([]bool, len(slots))
	var groups [][2][2]int
	add := func(r VerseRemap, src, tgt [2]int) error {
		for i := src[0]; i <= src[1]; i++ {
			if srcUsed[i] {
				return fmt.Errorf("data: AlignVerses: remap %q -> %q: KJV verse %s is remapped twice", r.KJV, r.Target, slots[i].Ref)
			}
			srcUsed[i] = true
		}
		for i := tgt[0]; i <= tgt[1]; i++ {
			if tgtUsed[i] {
				return fmt.Errorf("data: AlignVerses: remap %q -> %q: target slot %s is used twice", r.KJV, r.Target, slots[i].Ref)
			}
			tgtUsed[i] = true
		}
		groups = append(groups, [2][2]int{src, tgt})
		return nil
	}
	for _, r := range remap {
		src, err := parseVerseRange(index, slots, r.KJV)
		if err != nil {
			return nil, err
		}
		tgt, err := parseVerseRange(index, slots, r.Target)
		if err != nil {
			return nil, err
		}
		n := src[1] - src[0]
		if n != tgt[1]-tgt[0] {
			if err := add(r, src, tgt); err != nil {
				return nil, err
			}
			continue
		}
		for k := 0; k <= n; k++ {
			if err := add(r, [2]int{src[0] + k, src[0] + k}, [2]int{tgt[0] + k, tgt[0] + k}); err != nil {
				return nil, err
			}
		}
	}
	for i := range slots {
		if srcUsed[i] {
			continue
		}
		if tgtUsed[i] {
			return nil, fmt.Errorf("data: AlignVerses: remap moves other verses into target slot %s but leaves KJV verse %s paired with it", slots[i].Ref, slots[i].Ref)
		}
		groups = append(groups, [2][2]int{{i, i}, {i, i}})
	}
	sort.Slice(groups, func(a, b int) bool { return groups[a][0][0] < groups[b][0][0] })
	return groups, nil
}

// parseVerseRange reads "Book C:V", "Book C:V-V2" or "Book C:V-C2:V2" into inclusive indices into slots.
func parseVerseRange(index map[string]int, slots []KJVSlot, s string) ([2]int, error) {
	bad := func(why string) ([2]int, error) {
		return [2]int{}, fmt.Errorf("data: AlignVerses: verse range %q: %s (want e.g. \"Num 13:1\", \"Num 13:1-31\" or \"Job 39:27-40:5\")", s, why)
	}
	book, cv, ok := strings.Cut(s, " ")
	if !ok {
		return bad("no space between book and chapter")
	}
	first, last, isRange := strings.Cut(cv, "-")
	lo, ok := index[book+" "+first]
	if !ok {
		return bad("no such KJV verse " + book + " " + first)
	}
	if !isRange {
		return [2]int{lo, lo}, nil
	}
	if !strings.Contains(last, ":") {
		ch, _, _ := strings.Cut(first, ":")
		last = ch + ":" + last
	}
	hi, ok := index[book+" "+last]
	if !ok {
		return bad("no such KJV verse " + book + " " + last)
	}
	if hi < lo {
		return bad("ends before it starts")
	}
	if slots[lo].Testament != slots[hi].Testament {
		return bad("spans two testaments")
	}
	return [2]int{lo, hi}, nil
}

// SplitVersePairs cuts pairs into parts by chapter (every verse of a chapter goes to the same part, so
// neighbouring verses, which often repeat each other, do not straddle train and test), following fractions,
// deterministically for a seed (see SplitIndices); the first part is the training part. Then, so that the
// later parts (validation, test) hold only new text, it compares each side of every pair with those of the
// earlier parts (SplitOverlaps on the sources, then on the targets): a pair whose source or target is an exact
// copy ("And the LORD spake unto Moses, saying,") is dropped from the later part (its text stays where it
// first came), and a pair whose source or target is a near copy, a word-trigram Jaccard similarity of at
// least VerseNearCopy (parallel passages, such as Deuteronomy 5:9 and Exodus 20:5), is moved to the training
// part (a pair can copy another of its own part that moved; the checks repeat until nothing is found). Each
// part keeps canonical order. With fractions 0.9, 0.05, 0.05 and seed 1 this drops 64 pairs of validation and
// test and moves 9 to training (their 3,214 pairs become 3,141); with 0.8, 0.1, 0.1 it drops 103 and moves 26
// (6,298 become 6,169; see TestRealVerseSplitOverlap).
func SplitVersePairs(pairs []VersePair, seed uint64, fractions ...float64) ([][]VersePair, error) {
	members, err := splitVerseChapters(pairs, seed, fractions...)
	if err != nil {
		return nil, err
	}
	removeVerseCopies(pairs, members)
	out := make([][]VersePair, len(members))
	for k, m := range members {
		out[k] = pick(pairs, m)
	}
	return out, nil
}

// splitVerseChapters cuts pairs by chapter: members[k] lists the indices into pairs of part k, in order.
func splitVerseChapters(pairs []VersePair, seed uint64, fractions ...float64) ([][]int, error) {
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
	members := make([][]int, len(parts))
	for i, p := range pairs {
		k := partOf[index[chapter{p.Ref.Book, p.Ref.Chapter}]]
		members[k] = append(members[k], i)
	}
	return members, nil
}

// verseCopies returns the pairs (indices into pairs) of members[1:] whose source or target is an exact copy,
// or else a near copy, of one in an earlier part.
func verseCopies(pairs []VersePair, members [][]int) (exact, near map[int]bool) {
	exact, near = map[int]bool{}, map[int]bool{}
	for _, side := range []func(VersePair) string{
		func(p VersePair) string { return p.Source },
		func(p VersePair) string { return p.Target },
	} {
		texts := make([][]string, len(members))
		for k, m := range members {
			for _, i := range m {
				texts[k] = append(texts[k], side(pairs[i]))
			}
		}
		for _, o := range SplitOverlaps(texts, VerseNearCopy) {
			if i := members[o.Part][o.Index]; o.Exact {
				exact[i] = true
			} else {
				near[i] = true
			}
		}
	}
	return exact, near
}

// removeVerseCopies drops exact copies from members[1:] and moves near copies to members[0], until none is
// left (a pair moved to training can be the near copy of one checked before it moved; in practice a second
// pass finds nothing).
func removeVerseCopies(pairs []VersePair, members [][]int) {
	for {
		exact, near := verseCopies(pairs, members)
		if len(exact)+len(near) == 0 {
			return
		}
		for k := 1; k < len(members); k++ {
			members[k] = slices.DeleteFunc(members[k], func(i int) bool {
				if !exact[i] && near[i] {
					members[0] = append(members[0], i)
				}
				return exact[i] || near[i]
			})
		}
		slices.Sort(members[0])
	}
}

// VerseNearCopy is the word-trigram Jaccard similarity from which SplitVersePairs takes a verse for a copy of
// another.
const VerseNearCopy = 0.8

// VerseMisalignment is a verse pair whose target the source of a pair Offset places away explains better than
// its own, as do those of the pairs around it.
type VerseMisalignment struct {
	Index  int     // the pair, an index into the pairs checked
	Offset int     // the source that explains Index's target best is that of pair Index+Offset (same book)
	Gain   float64 // how much better, in mean log-probability per target word over the run of pairs
}

// MisalignedVersePairs finds pairs that pair a source verse with the wrong target verse, by content, as a
// numbering that differs from the KJV's leaves them: in runs, each target one or more verses away from its
// source. It learns a word list from the pairs themselves: IBM Model 1 (TrainIBM1) on lower-case words, source
// to target, with iterations EM steps (the few hundred pairs that are off do not spoil what thousands of right
// ones teach), keeping only words found in at least minChapters chapters on their side: a word of one or two
// chapters (Job 39's "unicorn", "ostrich") is learned from those chapters alone, so where they are off it
// vouches for the wrong pairing. Then for each pair i and offset
// k (|k| <= 6, pair i+k in the same book) it takes the gain d_k(i) = score(i+k, i) - score(i, i), where
// score(j, i) is IBM1.LogProb of pair i's target given pair j's source, and reports pair i when, for some k,
// the mean gain over three consecutive pairs that include i exceeds margin. Averaging over three pairs keeps
// lists of names and repeated formulas, where a single neighbour can win by chance, from being reported; a
// lone wrong pair between right ones is missed. Each pair is reported once, with its largest mean gain.
func MisalignedVersePairs(pairs []VersePair, iterations, minChapters int, margin float64) ([]VerseMisalignment, error) {
	words := make([][2][]string, len(pairs))
	type chapter struct {
		book string
		ch   int
	}
	chapters := [2]map[string]map[chapter]bool{{}, {}} // side -> word -> the chapters it occurs in
	for i, p := range pairs {
		words[i] = [2][]string{alignmentWords(p.Source), alignmentWords(p.Target)}
		c := chapter{p.Ref.Book, p.Ref.Chapter}
		for side := range 2 {
			for _, w := range words[i][side] {
				if chapters[side][w] == nil {
					chapters[side][w] = map[chapter]bool{}
				}
				chapters[side][w][c] = true
			}
		}
	}
	for i := range words {
		for side := range 2 {
			words[i][side] = slices.DeleteFunc(words[i][side], func(w string) bool { return len(chapters[side][w]) < minChapters })
		}
	}
	m, err := TrainIBM1(words, iterations)
	if err != nil {
		return nil, fmt.Errorf("data: MisalignedVersePairs: %w", err)
	}
	// rows[e]: the target words e translates as with t(f|e) >= 0.001 (the rest change no score visibly).
	type entry struct {
		f int32
		p float64
	}
	rows := make([][]entry, len(m.src))
	for key, c := range m.cell {
		if p := m.t[c]; p >= 1e-3 {
			e := int32(key >> 32)
			rows[e] = append(rows[e], entry{int32(key & 0xffffffff), p})
		}
	}
	// translations(j): Σ_e t(f|e) / (|E|+1) over pair j's source words and NULL, for every f it reaches.
	cache := map[int]map[int32]float64{}
	translations := func(j int) map[int32]float64 {
		if tr, ok := cache[j]; ok {
			return tr
		}
		ids := m.sourceIDs(words[j][0])
		tr := map[int32]float64{}
		for _, e := range ids {
			for _, x := range rows[e] {
				tr[x.f] += x.p / float64(len(ids))
			}
		}
		cache[j] = tr
		return tr
	}
	score := func(j, i int) float64 {
		tr := translations(j)
		sum := 0.0
		for _, f := range m.targetIDs(words[i][1]) {
			sum += math.Log(max(tr[f], ibm1Floor))
		}
		return sum / float64(len(words[i][1]))
	}
	sameBook := func(i, j int) bool { return j >= 0 && j < len(pairs) && pairs[j].Ref.Book == pairs[i].Ref.Book }
	// gain[i][k+verseWindow] = d_k(i), NaN where pair i+k is not in the book or pair i has no target words.
	gain := make([][2*verseWindow + 1]float64, len(pairs))
	for i := range pairs {
		delete(cache, i-verseWindow-1)
		own := score(i, i)
		for k := -verseWindow; k <= verseWindow; k++ {
			gain[i][k+verseWindow] = math.NaN()
			if k != 0 && len(words[i][1]) >= minVerseWords && sameBook(i, i+k) {
				gain[i][k+verseWindow] = score(i+k, i) - own
			}
		}
	}
	var out []VerseMisalignment
	for i := range pairs {
		best := VerseMisalignment{Index: i, Gain: margin}
		for k := -verseWindow; k <= verseWindow; k++ {
			for start := i - 2; start <= i; start++ {
				if !sameBook(i, start) || !sameBook(i, start+2) {
					continue
				}
				mean := 0.0
				for r := start; r <= start+2; r++ {
					mean += gain[r][k+verseWindow] / 3
				}
				if mean > best.Gain { // false for NaN
					best.Offset, best.Gain = k, mean
				}
			}
		}
		if best.Offset != 0 {
			out = append(out, best)
		}
	}
	return out, nil
}

// minVerseWords is the fewest words (of those kept) a target needs to be scored: a verse of names ("And
// Parshandatha, and Dalphon, and Aspatha,") keeps only its "and"s, which any neighbour explains as well.
const minVerseWords = 3

// verseWindow is how many pairs before and after a pair MisalignedVersePairs compares it with: Job 40 of
// RV1909 is five verses off.
const verseWindow = 6
