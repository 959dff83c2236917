package lesson

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

// Special tokens of Bigram's vocabulary.
const (
	Unknown  = "<unk>" // any word outside the vocabulary
	Boundary = "</s>"  // the end of a sentence, and the "previous token" of its first word
)

// Bigram is a count-based bigram language model: P(next | prev) = (count(prev, next) + α) / (count(prev) + α·V)
// over a vocabulary of V tokens (the most frequent words of the training text, lower-cased, plus Unknown and
// Boundary). Its log-probabilities are a model's logits: a row of LogProbs sums to 1 after exp, so
// softmax(LogProbs(prev)) = P(· | prev) and the cross-entropy of next-token prediction is −log P(next | prev).
type Bigram struct {
	Vocab  []string       // token of each ID: Boundary is 0, Unknown 1, then words by falling frequency
	IDs    map[string]int // the inverse of Vocab
	Alpha  float64        // add-α smoothing
	counts [][]float64    // counts[prev][next]
	totals []float64      // totals[prev] = Σ_next counts[prev][next]
}

// NewBigram counts the bigrams of sentences (each a list of words; sentence boundaries count as tokens) over a
// vocabulary of the vocabSize most frequent lower-cased words (ties broken alphabetically) plus Boundary and
// Unknown. It panics when vocabSize < 1 or alpha <= 0.
func NewBigram(sentences [][]string, vocabSize int, alpha float64) *Bigram {
	if vocabSize < 1 || !(alpha > 0) {
		panic(fmt.Sprintf("lesson: NewBigram needs vocabSize >= 1 and alpha > 0, got %d and %v", vocabSize, alpha))
	}
	freq := map[string]int{}
	for _, s := range sentences {
		for _, w := range s {
			freq[strings.ToLower(w)]++
		}
	}
	words := make([]string, 0, len(freq))
	for w := range freq {
		words = append(words, w)
	}
	sort.Slice(words, func(i, j int) bool {
		if freq[words[i]] != freq[words[j]] {
			return freq[words[i]] > freq[words[j]]
		}
		return words[i] < words[j]
	})
	m := &Bigram{Vocab: []string{Boundary, Unknown}, IDs: map[string]int{Boundary: 0, Unknown: 1}, Alpha: alpha}
	for _, w := range words[:min(vocabSize, len(words))] {
		m.IDs[w] = len(m.Vocab)
		m.Vocab = append(m.Vocab, w)
	}
	v := len(m.Vocab)
	m.counts = make([][]float64, v)
	for i := range m.counts {
		m.counts[i] = make([]float64, v)
	}
	m.totals = make([]float64, v)
	prev, next := m.Pairs(sentences)
	for i := range prev {
		m.counts[prev[i]][next[i]]++
		m.totals[prev[i]]++
	}
	return m
}

// ID is the token ID of a word (lower-cased), Unknown's when it is outside the vocabulary.
func (m *Bigram) ID(word string) int {
	if id, ok := m.IDs[strings.ToLower(word)]; ok {
		return id
	}
	return 1
}

// Pairs returns the (previous, next) token IDs of every prediction in sentences: each sentence is read as
// Boundary w1 ... wk Boundary, so it gives k+1 predictions.
func (m *Bigram) Pairs(sentences [][]string) (prev, next []int32) {
	for _, s := range sentences {
		p := int32(0)
		for _, w := range s {
			id := int32(m.ID(w))
			prev, next = append(prev, p), append(next, id)
			p = id
		}
		prev, next = append(prev, p), append(next, 0)
	}
	return prev, next
}

// LogProbs returns log P(· | prev), a row of V log-probabilities.
func (m *Bigram) LogProbs(prev int) []float64 {
	v := float64(len(m.Vocab))
	out := make([]float64, len(m.Vocab))
	for c := range out {
		out[c] = math.Log((m.counts[prev][c] + m.Alpha) / (m.totals[prev] + m.Alpha*v))
	}
	return out
}

// Logits returns LogProbs of each previous token: [len(prev), V], the logits of next-token prediction.
func (m *Bigram) Logits(prev []int32) [][]float64 {
	out := make([][]float64, len(prev))
	for i, p := range prev {
		out[i] = m.LogProbs(int(p))
	}
	return out
}

// Unigram returns the smoothed unigram distribution P(next) = (count(next) + α) / (N + α·V) of the training
// predictions, for a baseline that ignores the previous token.
func (m *Bigram) Unigram() []float64 {
	v := len(m.Vocab)
	out := make([]float64, v)
	total := 0.0
	for prev := range m.counts {
		for c, n := range m.counts[prev] {
			out[c] += n
		}
		total += m.totals[prev]
	}
	for c := range out {
		out[c] = (out[c] + m.Alpha) / (total + m.Alpha*float64(v))
	}
	return out
}

// EvenlySpaced returns n of the (prev, next) pairs, evenly spread over them (pair i·len/n for i < n), so that a
// sample of a test set covers all of its documents, not only the first. It returns them all when n >= len(prev).
func EvenlySpaced(prev, next []int32, n int) ([]int32, []int32) {
	if n >= len(prev) {
		return prev, next
	}
	p, q := make([]int32, n), make([]int32, n)
	for i := range n {
		j := i * len(prev) / n
		p[i], q[i] = prev[j], next[j]
	}
	return p, q
}
