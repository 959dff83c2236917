package metrics

import "math"

// Perplexity accumulates the negative log-likelihood of a whole evaluation set, token-weighted, and gives
// exp(Σ NLL / #tokens): the exponential of the token-mean cross-entropy over the set, in nats. Averaging per-batch
// perplexities or per-batch mean losses instead would weight a short batch like a long one.
//
// Perplexity measures the model's unsmoothed, unweighted NLL: −log p(token) of each non-ignored token, natural
// log, no label smoothing, no class weights. Fed a label-smoothed loss it reports something else (smoothing 0.1
// over 30,000 classes turns a model of perplexity 11.0 into 24.5 in training's TestEvalLossIsUnsmoothedNLL, and
// into 38.0 in issue 24's model): training.CrossEntropySumCount gives the right sum and count, and training.Train's
// eval_loss is that same mean.
//
// Feed it with Add (a batch's summed NLL and its number of non-ignored tokens) or AddMean (a batch's mean NLL and
// its token count). The zero value is ready to use. For causal language models, the labels must be the inputs
// shifted by one.
type Perplexity struct {
	sum, count float64
}

// Add accumulates a batch: nllSum is the sum of its per-token negative log-likelihoods (natural log), count its
// number of tokens.
func (p *Perplexity) Add(nllSum, count float64) {
	p.sum += nllSum
	p.count += count
}

// AddMean accumulates a batch given its mean per-token negative log-likelihood over count tokens.
func (p *Perplexity) AddMean(meanNLL, count float64) {
	if count == 0 {
		return // An empty batch's mean is NaN (0/0) and carries no information.
	}
	p.Add(meanNLL*count, count)
}

// Loss is the token-mean negative log-likelihood so far (NaN before any token).
func (p *Perplexity) Loss() float64 {
	if p.count == 0 {
		return math.NaN()
	}
	return p.sum / p.count
}

// Value is exp(Loss()): the perplexity (NaN before any token).
func (p *Perplexity) Value() float64 { return math.Exp(p.Loss()) }

// Tokens is the number of tokens accumulated.
func (p *Perplexity) Tokens() float64 { return p.count }
