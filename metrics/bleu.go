package metrics

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// SacreBLEUVersion is the sacrebleu release whose BLEU CorpusBLEU follows, as its signature reports it.
// lossbook reimplements sacrebleu's rules (metrics/bleu.py, metrics/base.py, tokenizers/tokenizer_13a.py and
// tokenizer_re.py); testdata/sacrebleu.json, written by sacrebleu 2.6.0 itself, checks scores, statistics,
// signatures and tokens. (Releases before 2.4 or so skipped empty references; 2.6.0 keeps them, see CorpusBLEU.)
const SacreBLEUVersion = "2.6.0"

// BLEUOptions are sacrebleu.metrics.BLEU's arguments. The zero value is sacrebleu's default:
// BLEU(lowercase=False, tokenize='13a', smooth_method='exp', smooth_value=None, max_ngram_order=4,
// effective_order=False) for CorpusBLEU, and sentence_bleu's defaults (the same with effective order) for
// SentenceBLEU. Where zero is a legal value, an unset option is a nil pointer: SmoothValue: new(0.0) asks for
// floor smoothing with the value 0, as sacrebleu's smooth_value=0.0, while nil means the method's default.
type BLEUOptions struct {
	// Lowercase lowercases hypotheses and references first (Go's strings.ToLower, which agrees with Python's
	// str.lower except for the few characters whose lowercase is longer, such as "İ").
	Lowercase bool
	// Tokenize is "13a" (the default, mteval-v13a's tokenizer, used by WMT), "intl" (mteval-v14's international
	// tokenizer, on Unicode punctuation and symbols), "char" (every character a token) or "none" (split at white
	// space). See Tokenize13a, TokenizeIntl and TokenizeChar.
	Tokenize string
	// SmoothMethod is "exp" (the default: NIST's, for orders with no match), "floor", "add-k" or "none".
	SmoothMethod string
	// SmoothValue is the value of "floor" and "add-k": nil takes sacrebleu's defaults, 0.1 and 1; any finite
	// value >= 0, 0 included, is used as given. Other methods ignore it.
	SmoothValue *float64
	// MaxNgramOrder is the largest n-gram order: 0 means sacrebleu's 4; it must be >= 1 otherwise.
	MaxNgramOrder int
	// EffectiveOrder stops at the largest order with n-grams in the hypotheses (for sentence-level BLEU): nil
	// means false for CorpusBLEU and true for SentenceBLEU, as sacrebleu.
	EffectiveOrder *bool
}

// BLEU is a corpus BLEU score and its sufficient statistics, as sacrebleu's BLEUScore.
type BLEU struct {
	Score      float64   // 0 to 100
	Counts     []int     // matched n-grams of each order, over the corpus (before add-k smoothing, unlike sacrebleu)
	Totals     []int     // hypothesis n-grams of each order, over the corpus (idem)
	Precisions []float64 // n-gram precisions in percent, smoothed
	BP         float64   // brevity penalty
	SysLen     int       // hypothesis tokens, over the corpus
	RefLen     int       // closest reference tokens, over the corpus
	Signature  string    // e.g. "nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0"
}

// String formats the score as sacrebleu does:
// "BLEU = 20.50 54.5/26.3/11.1/5.9 (BP = 1.000 ratio = 1.100 hyp_len = 11 ref_len = 10)".
func (b BLEU) String() string {
	precs := make([]string, len(b.Precisions))
	for i, p := range b.Precisions {
		precs[i] = fmt.Sprintf("%.1f", p)
	}
	ratio := 0.0
	if b.RefLen != 0 {
		ratio = float64(b.SysLen) / float64(b.RefLen)
	}
	return fmt.Sprintf("BLEU = %.2f %s (BP = %.3f ratio = %.3f hyp_len = %d ref_len = %d)", b.Score,
		strings.Join(precs, "/"), b.BP, ratio, b.SysLen, b.RefLen)
}

// CorpusBLEU scores hypotheses against references as sacrebleu.corpus_bleu(hypotheses, references) does, and
// returns the score with its signature. references holds reference streams, each aligned with hypotheses:
// references[k][i] is the k-th reference of hypothesis i. As in sacrebleu 2.6.0, an empty string is an empty
// reference (no n-grams, length 0, which can be the closest length); sacrebleu's None, which drops a reference,
// has no Go equivalent.
//
// As sacrebleu: each segment is right-stripped, optionally lowercased and tokenized; n-gram matches are clipped
// by the maximum count over the segment's references; matches and totals, hypothesis lengths and closest reference
// lengths (ties go to the shorter reference) are summed over the corpus; the brevity penalty is
// exp(1 − r/c) if c < r (0 if c = 0), else 1; the score is 100·BP·exp(mean of log precisions), 0 when nothing
// matches; 'exp' smoothing gives the k-th order with no match the precision 100/(2^k·total).
//
// It returns an error for unknown options, no reference stream, or streams of different lengths (sacrebleu
// silently truncates to the shortest).
func CorpusBLEU(hypotheses []string, references [][]string, opts BLEUOptions) (BLEU, error) {
	o, err := opts.resolve("CorpusBLEU", false)
	if err != nil {
		return BLEU{}, err
	}
	if len(references) == 0 {
		return BLEU{}, fmt.Errorf("metrics: CorpusBLEU: no reference streams")
	}
	for k, stream := range references {
		if len(stream) != len(hypotheses) {
			return BLEU{}, fmt.Errorf("metrics: CorpusBLEU: reference stream %d has %d segments, there are %d "+
				"hypotheses", k, len(stream), len(hypotheses))
		}
	}
	return o.corpus(hypotheses, references), nil
}

// SentenceBLEU scores one hypothesis against its references as sacrebleu.sentence_bleu(hypothesis, references)
// does: the statistics of that one segment, with effective order unless opts.EffectiveOrder says otherwise (BLEU
// is a corpus metric; at the sentence level most 4-grams are missing). Averaging sentence BLEU over a corpus is
// not corpus BLEU. It returns an error for unknown options or no reference.
func SentenceBLEU(hypothesis string, references []string, opts BLEUOptions) (BLEU, error) {
	o, err := opts.resolve("SentenceBLEU", true)
	if err != nil {
		return BLEU{}, err
	}
	if len(references) == 0 {
		return BLEU{}, fmt.Errorf("metrics: SentenceBLEU: no reference")
	}
	streams := make([][]string, len(references))
	for i, r := range references {
		streams[i] = []string{r}
	}
	return o.corpus([]string{hypothesis}, streams), nil
}

// bleuConfig is BLEUOptions with the defaults filled in.
type bleuConfig struct {
	lowercase      bool
	tokenize       string
	tokenizer      func(string) string
	smoothMethod   string
	smoothValue    float64
	maxOrder       int
	effectiveOrder bool
}

// corpus computes BLEU over checked streams.
func (o bleuConfig) corpus(hypotheses []string, references [][]string) BLEU {
	n := o.maxOrder
	counts, totals := make([]int, n), make([]int, n)
	sysLen, refLen := 0, 0
	for i, hyp := range hypotheses {
		refNgrams := map[ngram]int{}
		refLens := make([]int, len(references))
		for r, stream := range references {
			tokens := o.preprocess(stream[i])
			refLens[r] = len(tokens)
			for ng, c := range ngramCounts(tokens, n) {
				refNgrams[ng] = max(refNgrams[ng], c)
			}
		}
		tokens := o.preprocess(hyp)
		sysLen += len(tokens)
		refLen += closestRefLen(len(tokens), refLens)
		for ng, c := range ngramCounts(tokens, n) {
			totals[ng.order-1] += c
			counts[ng.order-1] += min(c, refNgrams[ng])
		}
	}
	b := computeBLEU(counts, totals, sysLen, refLen, o)
	b.Signature = o.signature(len(references))
	return b
}

// resolve fills in the defaults and checks the options; eff is the default of EffectiveOrder.
func (opts BLEUOptions) resolve(fn string, eff bool) (bleuConfig, error) {
	o := bleuConfig{lowercase: opts.Lowercase, tokenize: opts.Tokenize, smoothMethod: opts.SmoothMethod,
		maxOrder: opts.MaxNgramOrder, effectiveOrder: eff}
	if o.tokenize == "" {
		o.tokenize = "13a"
	}
	if o.smoothMethod == "" {
		o.smoothMethod = "exp"
	}
	if o.maxOrder == 0 {
		o.maxOrder = 4
	}
	if opts.EffectiveOrder != nil {
		o.effectiveOrder = *opts.EffectiveOrder
	}
	var ok bool
	if o.tokenizer, ok = bleuTokenizers[o.tokenize]; !ok {
		return o, fmt.Errorf("metrics: %s: unknown tokenizer %q; valid ones are 13a, intl, char, none", fn,
			o.tokenize)
	}
	if o.maxOrder < 1 {
		return o, fmt.Errorf("metrics: %s: MaxNgramOrder must be >= 1 (or 0 for 4), got %d", fn, o.maxOrder)
	}
	switch o.smoothMethod {
	case "exp", "none":
	case "floor":
		o.smoothValue = 0.1
	case "add-k":
		o.smoothValue = 1
	default:
		return o, fmt.Errorf("metrics: %s: unknown smooth method %q; valid ones are exp, floor, add-k, none", fn,
			o.smoothMethod)
	}
	if v := opts.SmoothValue; v != nil {
		if math.IsNaN(*v) || math.IsInf(*v, 0) || *v < 0 {
			return o, fmt.Errorf("metrics: %s: SmoothValue must be a finite number >= 0, got %v", fn, *v)
		}
		if o.smoothMethod == "floor" || o.smoothMethod == "add-k" {
			o.smoothValue = *v
		}
	}
	return o, nil
}

// bleuTokenizers are the tokenizers by sacrebleu's names; nil is "none".
var bleuTokenizers = map[string]func(string) string{
	"13a": Tokenize13a, "intl": TokenizeIntl, "char": TokenizeChar, "none": nil,
}

// signature is sacrebleu's BLEU signature.
func (o bleuConfig) signature(nrefs int) string {
	smooth := o.smoothMethod
	if smooth == "floor" || smooth == "add-k" {
		smooth += fmt.Sprintf("[%.2f]", o.smoothValue)
	}
	return fmt.Sprintf("nrefs:%d|case:%s|eff:%s|tok:%s|smooth:%s|version:%s", nrefs,
		choose(o.lowercase, "lc", "mixed"), choose(o.effectiveOrder, "yes", "no"), o.tokenize, smooth,
		SacreBLEUVersion)
}

func choose(cond bool, yes, no string) string {
	if cond {
		return yes
	}
	return no
}

// preprocess is sacrebleu's _preprocess_segment (lowercase optionally, right-strip, tokenize) followed by the
// split into tokens.
func (o bleuConfig) preprocess(s string) []string {
	if o.lowercase {
		s = strings.ToLower(s)
	}
	s = strings.TrimRightFunc(s, pyIsSpace)
	if o.tokenizer != nil {
		s = o.tokenizer(s)
	}
	return pyFields(s)
}

// ngram identifies an n-gram: its order and its tokens, each prefixed with its length (so no two differ only in
// where the tokens split).
type ngram struct {
	order int
	text  string
}

// ngramCounts counts the n-grams of orders 1..n.
func ngramCounts(tokens []string, n int) map[ngram]int {
	counts := map[ngram]int{}
	var b strings.Builder
	for order := 1; order <= n; order++ {
		for i := 0; i+order <= len(tokens); i++ {
			b.Reset()
			for _, tok := range tokens[i : i+order] {
				b.WriteString(strconv.Itoa(len(tok)))
				b.WriteByte(':')
				b.WriteString(tok)
			}
			counts[ngram{order, b.String()}]++
		}
	}
	return counts
}

// closestRefLen is the reference length closest to the hypothesis length, the shorter on ties.
func closestRefLen(hypLen int, refLens []int) int {
	closestDiff, closestLen := -1, -1
	for _, r := range refLens {
		diff := hypLen - r
		if diff < 0 {
			diff = -diff
		}
		if closestDiff == -1 || diff < closestDiff {
			closestDiff, closestLen = diff, r
		} else if diff == closestDiff && r < closestLen {
			closestLen = r
		}
	}
	return closestLen
}

// computeBLEU is sacrebleu's BLEU.compute_bleu.
func computeBLEU(counts, totals []int, sysLen, refLen int, o bleuConfig) BLEU {
	n := o.maxOrder
	b := BLEU{Counts: slices.Clone(counts), Totals: slices.Clone(totals), Precisions: make([]float64, n),
		SysLen: sysLen, RefLen: refLen, BP: 1}
	if sysLen < refLen {
		b.BP = 0
		if sysLen > 0 {
			b.BP = math.Exp(1 - float64(refLen)/float64(sysLen))
		}
	}
	if !slices.ContainsFunc(counts, func(c int) bool { return c != 0 }) {
		return b // No match at all: 0 (sacrebleu's early stop).
	}
	correct, total := make([]float64, n), make([]float64, n)
	for i := range n {
		correct[i], total[i] = float64(counts[i]), float64(totals[i])
	}
	smoothMteval := 1.0
	effOrder := n
	for order := 1; order <= n; order++ {
		if o.smoothMethod == "add-k" && order > 1 {
			correct[order-1] += o.smoothValue
			total[order-1] += o.smoothValue
		}
		if total[order-1] == 0 {
			break
		}
		if o.effectiveOrder {
			effOrder = order
		}
		switch {
		case correct[order-1] != 0:
			b.Precisions[order-1] = 100 * correct[order-1] / total[order-1]
		case o.smoothMethod == "exp":
			smoothMteval *= 2
			b.Precisions[order-1] = 100 / (smoothMteval * total[order-1])
		case o.smoothMethod == "floor":
			b.Precisions[order-1] = 100 * o.smoothValue / total[order-1]
		}
	}
	logSum := 0.0
	for _, p := range b.Precisions[:effOrder] {
		if p == 0 {
			logSum += -9999999999 // sacrebleu's my_log(0).
		} else {
			logSum += math.Log(p)
		}
	}
	b.Score = b.BP * math.Exp(logSum/float64(effOrder))
	return b
}
