package metrics_test

import (
	"fmt"

	"github.com/lossbook/lossbook/metrics"
)

// The worked example of precision, recall and F1 with scikit-learn's averages.
func ExamplePrecisionRecallF1() {
	yTrue := []int{0, 0, 0, 0, 1, 1, 2, 2, 2, 2}
	yPred := []int{0, 0, 1, 2, 1, 1, 2, 0, 2, 2}
	perLabel, _ := metrics.PrecisionRecallF1(yTrue, yPred)
	fmt.Printf("labels %v F1 %.4f support %v\n", perLabel.F.Labels, perLabel.F.PerLabel, perLabel.Support)
	for _, avg := range []metrics.Average{metrics.AverageMacro, metrics.AverageWeighted, metrics.AverageMicro} {
		s, _ := metrics.PrecisionRecallF1(yTrue, yPred, metrics.WithAverage(avg))
		fmt.Printf("%-8s P %s R %s F1 %s\n", avg, s.Precision, s.Recall, s.F)
	}
	acc, _ := metrics.Accuracy(yTrue, yPred)
	fmt.Printf("accuracy %.4f\n", acc)
	// Output:
	// labels [0 1 2] F1 [0.5714 0.8000 0.7500] support [4 2 4]
	// macro    P 0.6944 R 0.7500 F1 0.7071
	// weighted P 0.7000 R 0.7000 F1 0.6886
	// micro    P 0.7000 R 0.7000 F1 0.7000
	// accuracy 0.7000
}

// A label never predicted has no precision: scikit-learn's zero_division rules.
func ExampleWithZeroDivision() {
	yTrue, yPred := []int{0, 1, 1, 0}, []int{0, 0, 0, 0}
	p, _ := metrics.Precision(yTrue, yPred)
	fmt.Println(p, p.Warnings)
	for _, zd := range []metrics.ZeroDivision{metrics.ZeroDivisionZero, metrics.ZeroDivisionOne,
		metrics.ZeroDivisionNaN} {
		p, _ := metrics.Precision(yTrue, yPred, metrics.WithZeroDivision(zd))
		fmt.Print(p, " ")
	}
	fmt.Println()
	// Output:
	// 0.0000 [Precision is ill-defined and being set to 0.0 due to no predicted samples. Use `zero_division` parameter to control this behavior.]
	// 0.0000 1.0000 NaN
}

func ExampleConfusionMatrix() {
	m, _ := metrics.ConfusionMatrix([]int{0, 0, 0, 0, 1, 1, 2, 2, 2, 2}, []int{0, 0, 1, 2, 1, 1, 2, 0, 2, 2})
	fmt.Println(m)
	// Output:
	// true\pred	0	1	2
	// 0	2	1	1
	// 1	0	2	0
	// 2	1	0	3
}

// Perplexity over a set is token-weighted: here exp((10 + 16)/20), not the mean of the batches' exp(2.5), exp(1).
func ExamplePerplexity() {
	var ppl metrics.Perplexity
	ppl.Add(10, 4)       // a batch of 4 tokens whose NLLs sum to 10
	ppl.AddMean(1.0, 16) // a batch of 16 tokens with mean NLL 1
	fmt.Printf("loss %.3f perplexity %.3f over %v tokens\n", ppl.Loss(), ppl.Value(), ppl.Tokens())
	// Output:
	// loss 1.300 perplexity 3.669 over 20 tokens
}

// Corpus BLEU as sacrebleu computes it, with its signature.
func ExampleCorpusBLEU() {
	hyps := []string{"the cat is on the mat", "There is a dog."}
	refs := [][]string{{"the cat sat on the mat", "There is a big dog."}}
	bleu, _ := metrics.CorpusBLEU(hyps, refs, metrics.BLEUOptions{})
	fmt.Println(bleu)
	fmt.Println(bleu.Signature)
	// Output:
	// BLEU = 33.12 90.9/66.7/28.6/10.0 (BP = 0.913 ratio = 0.917 hyp_len = 11 ref_len = 12)
	// nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0
}

func ExampleTokenize13a() {
	fmt.Println(metrics.Tokenize13a(`He paid $3.50, "twice" (in 1990-1995).`))
	// Output:
	// He paid $ 3.50 , " twice " ( in 1990 - 1995 ) .
}
