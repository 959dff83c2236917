package metrics

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// CHRFOptions are sacrebleu.metrics.CHRF's arguments. The zero value is sacrebleu 2.x's chrF: CHRF(char_order=6,
// word_order=0, beta=2, lowercase=False, whitespace=False, eps_smoothing=False). chrF++ is WordOrder 2. Where zero
// is a legal value (CharOrder with word n-grams, Beta), an unset option is a nil pointer: Beta: new(0.0) asks for
// β = 0 (precision only).
type CHRFOptions struct {
	// CharOrder is the largest character n-gram order: nil means 6; 0 is allowed when WordOrder > 0.
	CharOrder *int
	// WordOrder is the largest word n-gram order: 0 (the default) is chrF, 2 is chrF++.
	WordOrder int
	// Beta weighs recall β times as much as precision: nil means 2; any finite value >= 0.
	Beta *float64
	// Lowercase lowercases hypotheses and references first (Go's strings.ToLower, which agrees with Python's
	// str.lower except for the few characters whose lowercase is longer, such as "İ").
	Lowercase bool
	// Whitespace keeps white space inside character n-grams (sacrebleu's whitespace=True); by default it is
	// removed first.
	Whitespace bool
	// EpsSmoothing averages the F-scores of all orders, an order without n-grams scoring ε = 1e-16, as chrF++.py,
	// Moses and NLTK do. By default (sacrebleu 2.x) precision and recall are averaged over the orders that have
	// n-grams in both hypothesis and reference, then combined into one F-score.
	EpsSmoothing bool
}

// CHRF is a chrF (or chrF++) score, as sacrebleu's CHRFScore.
type CHRF struct {
	// Score is 0 to 100.
	Score float64
	// Name is sacrebleu's: "chrF2" for chrF with β = 2, "chrF2++" with word order 2.
	Name string
	// Stats are the summed statistics: for each order, character orders first, then word orders, the hypothesis
	// n-grams, the reference n-grams and the matches, as sacrebleu's flat list (3 numbers per order). The best
	// reference of each segment (highest F) contributes.
	Stats []int
	// Signature is sacrebleu's, e.g. "nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no|version:2.6.0".
	Signature string
}

// String formats the score as sacrebleu does: "chrF2 = 59.73".
func (c CHRF) String() string { return fmt.Sprintf("%s = %.2f", c.Name, c.Score) }

// CorpusCHRF scores hypotheses against references as sacrebleu.corpus_chrf (CHRF().corpus_score) does: chrF
// (Popović 2015) with the default options, chrF++ (Popović 2017) with WordOrder 2. references holds reference
// streams aligned with hypotheses, as in CorpusBLEU.
//
// For each order n, the hypothesis and reference n-gram counts and their clipped matches are summed over the
// corpus (each segment's best reference, the one of highest F); characters are Unicode code points, with white
// space removed; words are white-space tokens with one punctuation mark split from their end (or else their
// start). From the per-order precisions P_n and recalls R_n:
//
//	P = mean of P_n, R = mean of R_n over the orders with hypothesis and reference n-grams
//	chrF = 100 · (1 + β²)·P·R / (β²·P + R)
//
// (0 when P + R = 0). With EpsSmoothing the score is instead the mean over all orders of each order's F-score.
// No white-space stripping or tokenization happens besides.
//
// It returns an error for invalid options, no reference stream, or streams of different lengths.
func CorpusCHRF(hypotheses []string, references [][]string, opts CHRFOptions) (CHRF, error) {
	o, err := opts.resolve("CorpusCHRF")
	if err != nil {
		return CHRF{}, err
	}
	if len(references) == 0 {
		return CHRF{}, fmt.Errorf("metrics: CorpusCHRF: no reference streams")
	}
	for k, stream := range references {
		if len(stream) != len(hypotheses) {
			return CHRF{}, fmt.Errorf("metrics: CorpusCHRF: reference stream %d has %d segments, there are %d "+
				"hypotheses", k, len(stream), len(hypotheses))
		}
	}
	return o.corpus(hypotheses, references), nil
}

// SentenceCHRF scores one hypothesis against its references as sacrebleu.sentence_chrf does: the statistics of
// the best reference. It returns an error for invalid options or no reference.
func SentenceCHRF(hypothesis string, references []string, opts CHRFOptions) (CHRF, error) {
	o, err := opts.resolve("SentenceCHRF")
	if err != nil {
		return CHRF{}, err
	}
	if len(references) == 0 {
		return CHRF{}, fmt.Errorf("metrics: SentenceCHRF: no reference")
	}
	streams := make([][]string, len(references))
	for i, r := range references {
		streams[i] = []string{r}
	}
	return o.corpus([]string{hypothesis}, streams), nil
}

// chrfConfig is CHRFOptions with the defaults filled in.
type chrfConfig struct {
	CHRFOptions
	charOrder int
	beta      float64
}

func (opts CHRFOptions) resolve(fn string) (chrfConfig, error) {
	o := chrfConfig{CHRFOptions: opts, charOrder: 6, beta: 2}
	if opts.CharOrder != nil {
		o.charOrder = *opts.CharOrder
	}
	if opts.Beta != nil {
		o.beta = *opts.Beta
	}
	switch {
	case o.charOrder < 0 || o.WordOrder < 0:
		return o, fmt.Errorf("metrics: %s: CharOrder (%d) and WordOrder (%d) must be >= 0", fn, o.charOrder,
			o.WordOrder)
	case o.charOrder+o.WordOrder == 0:
		return o, fmt.Errorf("metrics: %s: CharOrder and WordOrder are both 0: there is nothing to count", fn)
	case math.IsNaN(o.beta) || math.IsInf(o.beta, 0) || o.beta < 0:
		return o, fmt.Errorf("metrics: %s: Beta must be a finite number >= 0, got %v", fn, o.beta)
	}
	return o, nil
}

func (o chrfConfig) corpus(hypotheses []string, references [][]string) CHRF {
	order := o.charOrder + o.WordOrder
	total := make([]int, 3*order)
	for i, hyp := range hypotheses {
		hypNgrams := o.ngrams(hyp)
		var best []int
		bestF := -1.0
		for _, stream := range references {
			refNgrams := o.ngrams(stream[i])
			stats := make([]int, 0, 3*order)
			for n := range order {
				stats = append(stats, chrfMatch(hypNgrams[n], refNgrams[n])...)
			}
			if f := o.fScore(stats); f > bestF {
				best, bestF = stats, f
			}
		}
		for j, s := range best {
			total[j] += s
		}
	}
	name := "chrF" + strconv.FormatFloat(o.beta, 'g', -1, 64) + strings.Repeat("+", o.WordOrder)
	sig := fmt.Sprintf("nrefs:%d|case:%s|eff:%s|nc:%d|nw:%d|space:%s|version:%s", len(references),
		choose(o.Lowercase, "lc", "mixed"), choose(o.EpsSmoothing, "no", "yes"), o.charOrder, o.WordOrder,
		choose(o.Whitespace, "yes", "no"), SacreBLEUVersion)
	return CHRF{Score: o.fScore(total), Name: name, Stats: total, Signature: sig}
}

// ngrams counts the character n-grams of orders 1..charOrder, then the word n-grams of orders 1..wordOrder.
func (o chrfConfig) ngrams(s string) []map[string]int {
	if o.Lowercase {
		s = strings.ToLower(s)
	}
	out := make([]map[string]int, 0, o.charOrder+o.WordOrder)
	chars := s
	if !o.Whitespace {
		chars = strings.Join(pyFields(s), "")
	}
	runes := []rune(chars)
	for n := 1; n <= o.charOrder; n++ {
		counts := map[string]int{}
		for i := 0; i+n <= len(runes); i++ {
			counts[string(runes[i:i+n])]++
		}
		out = append(out, counts)
	}
	if o.WordOrder > 0 {
		words := chrfWords(s)
		for n := 1; n <= o.WordOrder; n++ {
			counts := map[string]int{}
			for i := 0; i+n <= len(words); i++ {
				counts[strings.Join(words[i:i+n], " ")]++
			}
			out = append(out, counts)
		}
	}
	return out
}

// chrfPunct is Python's string.punctuation, which chrF++ splits from words.
const chrfPunct = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"

// chrfWords splits at white space and separates one ASCII punctuation mark from the end of each word of two or more
// characters, or else from its start (so "(hi)" gives "(hi" and ")", as sacrebleu and chrF++.py).
func chrfWords(s string) []string {
	var words []string
	for _, w := range pyFields(s) {
		r := []rune(w)
		switch {
		case len(r) == 1:
			words = append(words, w)
		case strings.ContainsRune(chrfPunct, r[len(r)-1]):
			words = append(words, string(r[:len(r)-1]), string(r[len(r)-1]))
		case strings.ContainsRune(chrfPunct, r[0]):
			words = append(words, string(r[0]), string(r[1:]))
		default:
			words = append(words, w)
		}
	}
	return words
}

// chrfMatch is one order's [hypothesis n-grams, reference n-grams, clipped matches]; the hypothesis count is 0 when
// the reference has no n-gram of this order, as sacrebleu.
func chrfMatch(hyp, ref map[string]int) []int {
	hypCount, refCount, match := 0, 0, 0
	for ng, c := range hyp {
		hypCount += c
		match += min(c, ref[ng])
	}
	for _, c := range ref {
		refCount += c
	}
	if refCount == 0 {
		hypCount = 0
	}
	return []int{hypCount, refCount, match}
}

// fScore is sacrebleu 2.x's CHRF._compute_f_score.
func (o chrfConfig) fScore(stats []int) float64 {
	const eps = 1e-16
	factor := o.beta * o.beta
	order := len(stats) / 3
	var sum, avgPrec, avgRec float64
	effective := 0
	for i := range order {
		nHyp, nRef, nMatch := float64(stats[3*i]), float64(stats[3*i+1]), float64(stats[3*i+2])
		prec, rec := eps, eps
		if nHyp > 0 {
			prec = nMatch / nHyp
		}
		if nRef > 0 {
			rec = nMatch / nRef
		}
		if denom := factor*prec + rec; denom > 0 {
			sum += (1 + factor) * prec * rec / denom
		} else {
			sum += eps
		}
		if nHyp > 0 && nRef > 0 {
			avgPrec += prec
			avgRec += rec
			effective++
		}
	}
	if o.EpsSmoothing {
		return 100 * sum / float64(order)
	}
	if effective == 0 {
		return 0
	}
	avgPrec /= float64(effective)
	avgRec /= float64(effective)
	if avgPrec+avgRec == 0 {
		return 0
	}
	score := (1 + factor) * avgPrec * avgRec
	score /= factor*avgPrec + avgRec
	return 100 * score
}
