package lesson_test

import (
	"fmt"
	"math"

	"github.com/lossbook/lossbook/lib/lesson"
)

// A bigram model's log-probabilities are the logits of next-token prediction; exp of the mean negative
// log-probability of the true next tokens is the perplexity.
func ExampleNewBigram() {
	train := [][]string{{"the", "cat", "sat"}, {"the", "dog", "sat"}, {"the", "cat", "ran"}}
	model := lesson.NewBigram(train, 10, 0.1)
	prev, next := model.Pairs([][]string{{"the", "cat", "sat"}})
	nll := 0.0
	for i := range prev {
		nll -= model.LogProbs(int(prev[i]))[next[i]]
	}
	fmt.Printf("%d tokens in the vocabulary, %d predictions, perplexity %.2f\n", len(model.Vocab), len(prev),
		math.Exp(nll/float64(len(prev))))
	// Output: 7 tokens in the vocabulary, 4 predictions, perplexity 1.61
}

func ExampleNumericGradient() {
	f := func(x [][]float64) float64 { return x[0][0]*x[0][0] + 3*x[0][1] } // gradient (2a, 3)
	g := lesson.NumericGradient(f, [][]float64{{2, 5}}, 1e-6)
	fmt.Printf("%.6f %.6f\n", g[0][0], g[0][1])
	// Output: 4.000000 3.000000
}
