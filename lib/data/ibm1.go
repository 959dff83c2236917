package data

import (
	"fmt"
	"math"
	"strings"
	"unicode"
)

// IBM1 is IBM Model 1 (Brown et al., 1993, "The Mathematics of Statistical Machine Translation"): a table of
// word translation probabilities t(f|e), learned by expectation-maximisation from sentence pairs alone. Every
// source sentence gets an extra NULL word, so a target word can come from nothing. It is the simplest model
// that learns a bilingual word list from parallel text, and the baseline a translation model must beat (read
// word by word with Translate); lossbook also uses it to check that verse pairs are aligned
// (MisalignedVersePairs).
type IBM1 struct {
	src, tgt map[string]int32 // word -> id; source id 0 is NULL
	tgtWords []string
	cell     map[uint64]int32 // (source id, target id) -> index into t
	t        []float64        // t(f|e) of each co-occurring pair; unseen pairs have probability 0
	best     []int32          // per source id: the target id with the largest t(f|e), -1 if none
}

// ibmNull is the id of the NULL source word.
const ibmNull = 0

// TrainIBM1 learns t(f|e) from pairs of tokenised sentences (pairs[i][0] the source, pairs[i][1] the target)
// with iterations EM steps, starting from uniform probabilities. Each step computes, for every target word f
// of every pair, the posterior of each source word e (NULL included) having produced it,
// t(f|e) / Σ_e' t(f|e'), adds it to count(f, e), and sets t(f|e) = count(f, e) / Σ_f' count(f', e). Pairs with
// an empty side are skipped. Memory grows with the number of distinct co-occurring word pairs (about 3
// million for the 31,000 verse pairs, some 100 MB).
func TrainIBM1(pairs [][2][]string, iterations int) (*IBM1, error) {
	if iterations < 1 {
		return nil, fmt.Errorf("data: TrainIBM1: iterations %d, want at least 1", iterations)
	}
	m := &IBM1{src: map[string]int32{"": ibmNull}, tgt: map[string]int32{}, cell: map[uint64]int32{}}
	id := func(vocab map[string]int32, w string) int32 {
		i, ok := vocab[w]
		if !ok {
			i = int32(len(vocab))
			vocab[w] = i
		}
		return i
	}
	// Each pair as its distinct words with their counts, and the cells of the (target, source) grid.
	type bag struct {
		ids    []int32
		counts []float64
	}
	type sentencePair struct {
		e, f  bag
		cells []int32 // len(f.ids) * len(e.ids), row-major by target word
	}
	toBag := func(words []string, vocab map[string]int32, withNull bool) bag {
		var b bag
		at := map[int32]int{}
		if withNull {
			at[ibmNull] = 0
			b.ids, b.counts = []int32{ibmNull}, []float64{1}
		}
		for _, w := range words {
			i := id(vocab, w)
			if j, ok := at[i]; ok {
				b.counts[j]++
				continue
			}
			at[i] = len(b.ids)
			b.ids = append(b.ids, i)
			b.counts = append(b.counts, 1)
		}
		return b
	}
	var cellSource []int32
	var data []sentencePair
	for _, p := range pairs {
		if len(p[0]) == 0 || len(p[1]) == 0 {
			continue
		}
		sp := sentencePair{e: toBag(p[0], m.src, true), f: toBag(p[1], m.tgt, false)}
		sp.cells = make([]int32, 0, len(sp.e.ids)*len(sp.f.ids))
		for _, f := range sp.f.ids {
			for _, e := range sp.e.ids {
				key := uint64(e)<<32 | uint64(f)
				c, ok := m.cell[key]
				if !ok {
					c = int32(len(cellSource))
					m.cell[key] = c
					cellSource = append(cellSource, e)
				}
				sp.cells = append(sp.cells, c)
			}
		}
		data = append(data, sp)
	}
	if len(data) == 0 {
		return nil, fmt.Errorf("data: TrainIBM1: no pair with two non-empty sides")
	}
	m.t = make([]float64, len(cellSource))
	for i := range m.t {
		m.t[i] = 1 / float64(len(m.tgt))
	}
	count := make([]float64, len(m.t))
	total := make([]float64, len(m.src))
	for range iterations {
		clear(count)
		clear(total)
		for _, sp := range data {
			ne := len(sp.e.ids)
			for j, nf := range sp.f.counts {
				row := sp.cells[j*ne : (j+1)*ne]
				z := 0.0
				for i, c := range row {
					z += sp.e.counts[i] * m.t[c]
				}
				for i, c := range row {
					x := nf * sp.e.counts[i] * m.t[c] / z
					count[c] += x
					total[sp.e.ids[i]] += x
				}
			}
		}
		for c := range m.t {
			m.t[c] = count[c] / total[cellSource[c]]
		}
	}
	m.tgtWords = make([]string, len(m.tgt))
	for w, i := range m.tgt {
		m.tgtWords[i] = w
	}
	m.best = make([]int32, len(m.src))
	bestP := make([]float64, len(m.src))
	for i := range m.best {
		m.best[i] = -1
	}
	for key, c := range m.cell {
		e, f := int32(key>>32), int32(key&0xffffffff)
		if p := m.t[c]; p > bestP[e] || (p == bestP[e] && m.best[e] >= 0 && m.tgtWords[f] < m.tgtWords[m.best[e]]) {
			m.best[e], bestP[e] = f, p
		}
	}
	return m, nil
}

// Prob returns t(f|e), the probability that source word e translates as target word f; e == "" is NULL. It
// is 0 for a pair never seen together.
func (m *IBM1) Prob(e, f string) float64 {
	ei, ok1 := m.src[e]
	fi, ok2 := m.tgt[f]
	if !ok1 || !ok2 {
		return 0
	}
	if c, ok := m.cell[uint64(ei)<<32|uint64(fi)]; ok {
		return m.t[c]
	}
	return 0
}

// Translate turns a source sentence into a target one word by word: each source word becomes the target word
// it most likely translates as (ties to the smaller string), and a word never seen in training is copied.
func (m *IBM1) Translate(source []string) []string {
	out := make([]string, len(source))
	for i, w := range source {
		out[i] = w
		if e, ok := m.src[w]; ok && e != ibmNull && m.best[e] >= 0 {
			out[i] = m.tgtWords[m.best[e]]
		}
	}
	return out
}

// ibm1Floor is the probability given to a target word that no word of the source sentence produces.
const ibm1Floor = 1e-7

// LogProb is the mean log-likelihood per target word of target given source under the model:
// (1/|F|) Σ_f log( (1/(|E|+1)) Σ_{e ∈ E ∪ {NULL}} t(f|e) ), each word's probability floored at 1e-7. It is 0
// for an empty target. Comparing it between several sources for the same target says which source the target
// translates best.
func (m *IBM1) LogProb(source, target []string) float64 {
	return m.logProbIDs(m.sourceIDs(source), m.targetIDs(target))
}

// sourceIDs returns the ids of the known words of a source sentence, NULL first; targetIDs those of a target
// sentence, -1 for an unknown word.
func (m *IBM1) sourceIDs(words []string) []int32 {
	ids := make([]int32, 1, len(words)+1)
	ids[0] = ibmNull
	for _, w := range words {
		if e, ok := m.src[w]; ok && e != ibmNull {
			ids = append(ids, e)
		}
	}
	return ids
}

func (m *IBM1) targetIDs(words []string) []int32 {
	ids := make([]int32, len(words))
	for i, w := range words {
		ids[i] = -1
		if f, ok := m.tgt[w]; ok {
			ids[i] = f
		}
	}
	return ids
}

func (m *IBM1) logProbIDs(source, target []int32) float64 {
	if len(target) == 0 {
		return 0
	}
	sum := 0.0
	for _, f := range target {
		p := 0.0
		if f >= 0 {
			for _, e := range source {
				if c, ok := m.cell[uint64(e)<<32|uint64(f)]; ok {
					p += m.t[c]
				}
			}
		}
		sum += math.Log(max(p/float64(len(source)), ibm1Floor))
	}
	return sum / float64(len(target))
}

// alignmentWords splits a text into lower-case words (runs of letters and digits), dropping punctuation: the
// tokens MisalignedVersePairs compares.
func alignmentWords(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}
