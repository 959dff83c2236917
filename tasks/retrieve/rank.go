package retrieve

import (
	"fmt"
	"math"
	"unicode"

	"github.com/lossbook/lossbook/lib/tokenize"
)

// Ranking is how well a scorer retrieves each query's own candidate (query i's is candidate i) among all
// candidates.
type Ranking struct {
	Queries    int     `json:"queries"`
	Candidates int     `json:"candidates"`
	RecallAt1  float64 `json:"recall_at_1"`
	RecallAt10 float64 `json:"recall_at_10"`
	MRR        float64 `json:"mrr"`
}

func (r Ranking) String() string {
	return fmt.Sprintf("recall@1 %.4f  recall@10 %.4f  MRR %.4f  (%d queries, %d candidates)", r.RecallAt1,
		r.RecallAt10, r.MRR, r.Queries, r.Candidates)
}

// RankScores turns a score matrix (scores[i][j]: query i against candidate j; the right answer of query i is
// candidate i) into recall@1, recall@10 and the mean reciprocal rank. Ties count in expectation over a random
// order of the tied candidates: with g candidates strictly above the right one and t tied with it, the right one
// is equally likely at each rank g+1 .. g+t+1.
//
//	\text{recall@}k = \frac1Q \sum_i P(\text{rank}_i \le k), \qquad \text{MRR} = \frac1Q \sum_i E[1/\text{rank}_i]
func RankScores(scores [][]float64) (Ranking, error) {
	q := len(scores)
	r := Ranking{Queries: q}
	if q == 0 {
		return r, fmt.Errorf("retrieve: no queries to rank")
	}
	r.Candidates = len(scores[0])
	for i, row := range scores {
		if len(row) != r.Candidates || len(row) <= i {
			return r, fmt.Errorf("retrieve: score row %d has %d candidates, want %d (and more than %d)", i, len(row),
				r.Candidates, i)
		}
		truth := row[i]
		if math.IsNaN(truth) {
			return r, fmt.Errorf("retrieve: score %d of query %d is NaN", i, i)
		}
		greater, ties := 0, 0
		for j, s := range row {
			switch {
			case j == i:
			case s > truth:
				greater++
			case s == truth:
				ties++
			}
		}
		n := float64(ties + 1)
		r.RecallAt1 += float64(max(0, min(1, greater+ties+1)-greater)) / n
		r.RecallAt10 += float64(max(0, min(10, greater+ties+1)-greater)) / n
		for rank := greater + 1; rank <= greater+ties+1; rank++ {
			r.MRR += 1 / float64(rank) / n
		}
	}
	r.RecallAt1 /= float64(q)
	r.RecallAt10 /= float64(q)
	r.MRR /= float64(q)
	return r, nil
}

// Words splits a text into the words the bag-of-words baselines compare: BasicTokenize with lower-casing and
// accent stripping ("Jehová" and "JEHOVA" are one word), punctuation dropped.
func Words(text string) []string {
	var out []string
	for _, w := range tokenize.BasicTokenize(text, tokenize.Uncased()) {
		for _, r := range w {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				out = append(out, w)
				break
			}
		}
	}
	return out
}

// OverlapScores scores each query against each candidate by the Jaccard similarity of their word sets (Words):
// the shared-token baseline. English and Spanish share names (David, Jerusalem), numbers and a few words.
func OverlapScores(queries, candidates []string) [][]float64 {
	sets := func(texts []string) []map[string]bool {
		out := make([]map[string]bool, len(texts))
		for i, t := range texts {
			out[i] = map[string]bool{}
			for _, w := range Words(t) {
				out[i][w] = true
			}
		}
		return out
	}
	qs, cs := sets(queries), sets(candidates)
	postings := map[string][]int{}
	for j, c := range cs {
		for w := range c {
			postings[w] = append(postings[w], j)
		}
	}
	scores := make([][]float64, len(qs))
	for i, q := range qs {
		shared := make([]int, len(cs))
		for w := range q {
			for _, j := range postings[w] {
				shared[j]++
			}
		}
		scores[i] = make([]float64, len(cs))
		for j, s := range shared {
			if union := len(q) + len(cs[j]) - s; union > 0 {
				scores[i][j] = float64(s) / float64(union)
			}
		}
	}
	return scores
}

// TFIDF is a TF-IDF vectorizer with scikit-learn's TfidfVectorizer defaults over Words: raw counts, smoothed
// idf(w) = ln((1 + n) / (1 + df(w))) + 1 fitted on a corpus of n documents, rows L2-normalised, words outside the
// fitted vocabulary ignored.
type TFIDF struct {
	idf map[string]float64
}

// FitTFIDF fits the idf on docs.
func FitTFIDF(docs []string) *TFIDF {
	df := map[string]int{}
	for _, d := range docs {
		seen := map[string]bool{}
		for _, w := range Words(d) {
			if !seen[w] {
				seen[w] = true
				df[w]++
			}
		}
	}
	t := &TFIDF{idf: make(map[string]float64, len(df))}
	n := float64(len(docs))
	for w, c := range df {
		t.idf[w] = math.Log((1+n)/(1+float64(c))) + 1
	}
	return t
}

// Vector returns the L2-normalised TF-IDF weights of text's words.
func (t *TFIDF) Vector(text string) map[string]float64 {
	v := map[string]float64{}
	for _, w := range Words(text) {
		if idf, ok := t.idf[w]; ok {
			v[w] += idf
		}
	}
	norm := 0.0
	for _, x := range v {
		norm += x * x
	}
	if norm > 0 {
		norm = math.Sqrt(norm)
		for w := range v {
			v[w] /= norm
		}
	}
	return v
}

// Scores is the cosine similarity of each query's TF-IDF vector with each candidate's.
func (t *TFIDF) Scores(queries, candidates []string) [][]float64 {
	postings := map[string][]struct {
		j int
		w float64
	}{}
	for j, c := range candidates {
		for w, x := range t.Vector(c) {
			postings[w] = append(postings[w], struct {
				j int
				w float64
			}{j, x})
		}
	}
	scores := make([][]float64, len(queries))
	for i, q := range queries {
		scores[i] = make([]float64, len(candidates))
		for w, x := range t.Vector(q) {
			for _, p := range postings[w] {
				scores[i][p.j] += x * p.w
			}
		}
	}
	return scores
}

// Baselines ranks the candidates for each query by word overlap and by TF-IDF cosine, its idf fitted on fitDocs
// (the task fits it on both languages of the training split).
func Baselines(fitDocs, queries, candidates []string) (overlap, tfidf Ranking, err error) {
	if overlap, err = RankScores(OverlapScores(queries, candidates)); err != nil {
		return overlap, tfidf, err
	}
	tfidf, err = RankScores(FitTFIDF(fitDocs).Scores(queries, candidates))
	return overlap, tfidf, err
}
