package tokenize

import (
	"container/heap"
	"fmt"
	"iter"
	"sort"
	"strings"
)

// TrainOptions configures Train.
type TrainOptions struct {
	// VocabSize is the size of the vocabulary to learn, special tokens and alphabet included.
	VocabSize int
	// MinFrequency: a pair of tokens seen fewer times is never merged (default 2, as Hugging Face's
	// BertWordPieceTokenizer.train).
	MinFrequency int
	// LimitAlphabet, when positive, keeps only the LimitAlphabet most frequent characters in the alphabet
	// (Hugging Face's limit_alphabet; 0 keeps them all). Frequencies count every occurrence in the corpus's
	// words; among characters equally frequent, those with the higher code point are dropped first (Hugging
	// Face leaves that order unspecified). A dropped character is left out of the words it occurs in, as
	// Hugging Face does, so it never appears in a token and the tokenizer maps its words to [UNK].
	LimitAlphabet int
	// Options are the BasicTokenize options used to split the corpus into words (use the same ones for the
	// Tokenizer that will use the vocabulary).
	Options Options
}

// Train learns a WordPiece vocabulary from a corpus, the way Hugging Face's WordPieceTrainer does it: a BPE
// trainer whose continuation symbols carry the "##" prefix.
//
//  1. Every text goes through BasicTokenize; words are counted.
//  2. The alphabet is every character of the words (the LimitAlphabet most frequent, when set). The
//     vocabulary starts with the five special tokens ([PAD] [UNK] [CLS] [SEP] [MASK], ids 0-4), then every
//     alphabet character as a token of its own, sorted by code point, so that a character alone ("x", "8")
//     never encodes to [UNK], then the "##"-prefixed form of each character seen after a word's first, sorted.
//     Each word is spelled in those symbols: "the" is [t ##h ##e].
//  3. Repeatedly, the adjacent pair of symbols with the highest count (summed over words, weighted by word
//     frequency; ties go to the pair of lower symbol ids, first symbol then second, as in Hugging Face) is
//     merged everywhere into one symbol, the second losing its "##" (t + ##h = th, ##h + ##e = ##he), and the
//     new symbol is added to the vocabulary.
//  4. It stops when the vocabulary has VocabSize tokens or no pair occurs MinFrequency times.
//
// Words longer than MaxInputCharsPerWord count too, as in Hugging Face: the tokenizer maps such a word to
// [UNK] whole, but its characters still belong to the alphabet, so each of them alone encodes.
//
// Checked against Hugging Face tokenizers 0.23.1 (testdata/gen_trainer.py): the same alphabet, with and
// without LimitAlphabet, and the same merges in the same order. One difference remains: Hugging Face gives the
// "##" symbols ids in hash-map order, which varies from run to run, and lossbook in code-point order, so
// where a tie between equally frequent pairs is decided by those ids the merges can differ (as they differ
// between two runs of Hugging Face's trainer).
//
// Counting is incremental (only the words that hold the merged pair are recounted) with a lazy max-heap of
// pairs, so a Brown-sized corpus trains in seconds. The result is in the id order a vocab.txt file keeps.
func Train(texts iter.Seq[string], o TrainOptions) (*Vocab, error) {
	if texts == nil {
		return nil, fmt.Errorf("tokenize: Train: the corpus (texts) is nil")
	}
	if o.VocabSize < len(SpecialTokens) {
		return nil, fmt.Errorf("tokenize: Train: VocabSize %d is smaller than the %d special tokens", o.VocabSize, len(SpecialTokens))
	}
	if o.MinFrequency <= 0 {
		o.MinFrequency = 2
	}
	if o.LimitAlphabet < 0 {
		return nil, fmt.Errorf("tokenize: Train: LimitAlphabet %d, want >= 0 (0: no limit)", o.LimitAlphabet)
	}
	// 1. Word counts.
	counts := map[string]int{}
	var words []string
	for text := range texts {
		words = appendBasic(words[:0], text, o.Options)
		for _, w := range words {
			counts[w]++
		}
	}
	if len(counts) == 0 {
		return nil, fmt.Errorf("tokenize: Train: the corpus has no words")
	}
	distinct := make([]string, 0, len(counts))
	for w := range counts {
		distinct = append(distinct, w)
	}
	sort.Strings(distinct) // determinism: symbol and word order do not depend on map order

	tr := &trainer{symbolID: map[string]int32{}}
	for _, sp := range SpecialTokens {
		tr.addSymbol(sp)
	}
	// 2. Alphabet: characters weighted by word counts, cut to LimitAlphabet; bare characters sorted, then the
	// continuation symbols, sorted; then the words spelled in it.
	charCount := map[rune]int{}
	continued := map[rune]bool{}
	for _, w := range distinct {
		for i, r := range w {
			charCount[r] += counts[w]
			if i > 0 {
				continued[r] = true
			}
		}
	}
	chars := make([]rune, 0, len(charCount))
	for r := range charCount {
		chars = append(chars, r)
	}
	if o.LimitAlphabet > 0 && len(chars) > o.LimitAlphabet {
		// Most frequent first; among equals, the lower code point first.
		sort.Slice(chars, func(i, j int) bool {
			if a, b := charCount[chars[i]], charCount[chars[j]]; a != b {
				return a > b
			}
			return chars[i] < chars[j]
		})
		chars = chars[:o.LimitAlphabet]
	}
	sort.Slice(chars, func(i, j int) bool { return chars[i] < chars[j] })
	kept := make(map[rune]bool, len(chars))
	for _, r := range chars {
		kept[r] = true
		tr.addSymbol(string(r))
	}
	for _, r := range chars {
		if continued[r] {
			tr.addSymbol(ContinuationPrefix + string(r))
		}
	}
	for _, w := range distinct {
		var syms []int32
		for i, r := range w {
			if !kept[r] {
				continue // dropped by LimitAlphabet: left out of the word, as Hugging Face does
			}
			s := string(r)
			if i > 0 {
				s = ContinuationPrefix + s
			}
			syms = append(syms, tr.symbolID[s])
		}
		if len(syms) == 0 {
			continue
		}
		tr.words = append(tr.words, syms)
		tr.freq = append(tr.freq, counts[w])
	}
	// 3. Merges.
	tr.countPairs()
	for len(tr.vocab) < o.VocabSize {
		p, n, ok := tr.best()
		if !ok || n < o.MinFrequency {
			break
		}
		tr.merge(p)
	}
	if len(tr.vocab) > o.VocabSize {
		return nil, fmt.Errorf("tokenize: Train: the special tokens and the corpus's alphabet need %d tokens, more than "+
			"VocabSize %d (raise VocabSize, or cut the alphabet with LimitAlphabet)", len(tr.vocab), o.VocabSize)
	}
	return NewVocab(tr.vocab)
}

// TrainFromSlice is Train over a slice of texts.
func TrainFromSlice(texts []string, o TrainOptions) (*Vocab, error) {
	return Train(func(yield func(string) bool) {
		for _, t := range texts {
			if !yield(t) {
				return
			}
		}
	}, o)
}

type pair struct{ a, b int32 }

type trainer struct {
	vocab    []string // symbol strings by symbol id; every symbol is a vocabulary token
	symbolID map[string]int32
	words    [][]int32 // each distinct word as symbols
	freq     []int     // its count in the corpus
	pairs    map[pair]int
	where    map[pair][]int32 // words that held the pair when it was counted (may hold stale or repeated entries)
	h        pairHeap
	seen     []int32 // stamp per word, to visit each once per merge
	stamp    int32
}

func (tr *trainer) addSymbol(s string) int32 {
	if id, ok := tr.symbolID[s]; ok {
		return id
	}
	id := int32(len(tr.vocab))
	tr.vocab = append(tr.vocab, s)
	tr.symbolID[s] = id
	return id
}

func (tr *trainer) countPairs() {
	tr.pairs = map[pair]int{}
	tr.where = map[pair][]int32{}
	tr.seen = make([]int32, len(tr.words))
	for wi, w := range tr.words {
		for i := 0; i+1 < len(w); i++ {
			p := pair{w[i], w[i+1]}
			tr.pairs[p] += tr.freq[wi]
			tr.where[p] = append(tr.where[p], int32(wi))
		}
	}
	for p, n := range tr.pairs {
		tr.h.items = append(tr.h.items, heapItem{p, n})
	}
	tr.h.tr = tr
	heap.Init(&tr.h)
}

// best pops the pair with the highest current count.
func (tr *trainer) best() (pair, int, bool) {
	for tr.h.Len() > 0 {
		it := heap.Pop(&tr.h).(heapItem)
		cur := tr.pairs[it.p]
		if cur == it.n {
			return it.p, it.n, true
		}
		if cur > 0 { // stale entry: counts of old pairs only go down, so re-queue at the current count
			heap.Push(&tr.h, heapItem{it.p, cur})
		}
	}
	return pair{}, 0, false
}

// merge replaces every occurrence of p by a new symbol and updates the pair counts of the words touched.
func (tr *trainer) merge(p pair) {
	merged := tr.vocab[p.a] + strings.TrimPrefix(tr.vocab[p.b], ContinuationPrefix)
	c := tr.addSymbol(merged)
	tr.stamp++
	changed := map[pair]bool{}
	for _, wi := range tr.where[p] {
		if tr.seen[wi] == tr.stamp {
			continue
		}
		tr.seen[wi] = tr.stamp
		w := tr.words[wi]
		f := tr.freq[wi]
		// Remove the word's old pairs, merge, add its new pairs.
		for i := 0; i+1 < len(w); i++ {
			tr.pairs[pair{w[i], w[i+1]}] -= f
		}
		out := w[:0]
		for i := 0; i < len(w); i++ {
			if i+1 < len(w) && w[i] == p.a && w[i+1] == p.b {
				out = append(out, c)
				i++
			} else {
				out = append(out, w[i])
			}
		}
		tr.words[wi] = out
		for i := 0; i+1 < len(out); i++ {
			q := pair{out[i], out[i+1]}
			tr.pairs[q] += f
			if out[i] == c || out[i+1] == c {
				tr.where[q] = append(tr.where[q], wi)
				changed[q] = true
			}
		}
	}
	delete(tr.where, p)
	delete(tr.pairs, p)
	// New pairs (those holding c) are queued now; old pairs only lost counts and are fixed lazily in best.
	qs := make([]pair, 0, len(changed))
	for q := range changed {
		qs = append(qs, q)
	}
	sort.Slice(qs, func(i, j int) bool { return tr.h.less(qs[i], qs[j]) })
	for _, q := range qs {
		if n := tr.pairs[q]; n > 0 {
			heap.Push(&tr.h, heapItem{q, n})
		}
	}
}

type heapItem struct {
	p pair
	n int
}

// pairHeap is a max-heap on count; ties go to the pair of lower symbol ids (first symbol, then second), as in
// Hugging Face's BPE trainer.
type pairHeap struct {
	items []heapItem
	tr    *trainer
}

func (h *pairHeap) less(p, q pair) bool {
	if p.a != q.a {
		return p.a < q.a
	}
	return p.b < q.b
}

func (h *pairHeap) Len() int { return len(h.items) }
func (h *pairHeap) Less(i, j int) bool {
	if h.items[i].n != h.items[j].n {
		return h.items[i].n > h.items[j].n
	}
	return h.less(h.items[i].p, h.items[j].p)
}
func (h *pairHeap) Swap(i, j int) { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *pairHeap) Push(x any)    { h.items = append(h.items, x.(heapItem)) }
func (h *pairHeap) Pop() any {
	it := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	return it
}
