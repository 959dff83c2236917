package metrics_test

import (
	"encoding/json"
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

// F-beta weighs recall β times as much as precision: β = 2 favours recall, β = 0.5 precision.
func ExampleFBeta() {
	yTrue := []int{0, 1, 1, 0, 1, 1, 0, 1}
	yPred := []int{0, 1, 0, 0, 1, 0, 0, 0} // P = 2/2, R = 2/5
	for _, beta := range []float64{0.5, 1, 2} {
		f, _ := metrics.FBeta(yTrue, yPred, beta)
		fmt.Printf("F%g %s\n", beta, f)
	}
	// Output:
	// F0.5 0.7692
	// F1 0.5714
	// F2 0.4545
}

func ExamplePrecisionRecallFBeta() {
	yTrue := []int{0, 0, 0, 0, 1, 1, 2, 2, 2, 2}
	yPred := []int{0, 0, 1, 2, 1, 1, 2, 0, 2, 2}
	s, _ := metrics.PrecisionRecallFBeta(yTrue, yPred, 2, metrics.WithAverage(metrics.AverageMacro))
	fmt.Println("macro P", s.Precision, "R", s.Recall, "F2", s.F)
	// Output:
	// macro P 0.6944 R 0.7500 F2 0.7285
}

// The report scikit-learn prints, character for character.
func ExampleClassificationReport() {
	yTrue := []int{0, 0, 0, 0, 1, 1, 2, 2, 2, 2}
	yPred := []int{0, 0, 1, 2, 1, 1, 2, 0, 2, 2}
	r, _ := metrics.ClassificationReport(yTrue, yPred, metrics.WithTargetNames("ham", "spam", "eggs"))
	fmt.Println("classification report:")
	fmt.Print(r)
	fmt.Printf("macro F1 %.4f, accuracy %.1f\n", r.Averages[0].F1, *r.Accuracy)
	// Output:
	// classification report:
	//               precision    recall  f1-score   support
	//
	//          ham       0.67      0.50      0.57         4
	//         spam       0.67      1.00      0.80         2
	//         eggs       0.75      0.75      0.75         4
	//
	//     accuracy                           0.70        10
	//    macro avg       0.69      0.75      0.71        10
	// weighted avg       0.70      0.70      0.69        10
	// macro F1 0.7071, accuracy 0.7
}

// On indicator matrices the report adds the samples average.
func ExampleMultilabelClassificationReport() {
	yTrue := [][]int{{1, 0, 1}, {0, 1, 0}, {1, 1, 0}, {0, 0, 1}}
	yPred := [][]int{{1, 0, 0}, {0, 1, 1}, {1, 0, 0}, {0, 0, 1}}
	r, _ := metrics.MultilabelClassificationReport(yTrue, yPred, metrics.WithTargetNames("sport", "politics", "tech"))
	fmt.Println("classification report:")
	fmt.Print(r)
	// Output:
	// classification report:
	//               precision    recall  f1-score   support
	//
	//        sport       1.00      1.00      1.00         2
	//     politics       1.00      0.50      0.67         2
	//         tech       0.50      0.50      0.50         2
	//
	//    micro avg       0.80      0.67      0.73         6
	//    macro avg       0.83      0.67      0.72         6
	// weighted avg       0.83      0.67      0.72         6
	//  samples avg       0.88      0.75      0.75         6
}

// On imbalanced data, balanced accuracy, Matthews correlation and Cohen's kappa see through a majority-class
// predictor that accuracy rewards.
func ExampleBalancedAccuracy() {
	yTrue := []int{0, 0, 0, 0, 0, 0, 0, 0, 1, 1}
	yPred := []int{0, 0, 0, 0, 0, 0, 0, 0, 0, 1}
	acc, _ := metrics.Accuracy(yTrue, yPred)
	bal, _, _ := metrics.BalancedAccuracy(yTrue, yPred)
	adj, _, _ := metrics.BalancedAccuracy(yTrue, yPred, metrics.WithAdjusted(true))
	mcc, _ := metrics.MatthewsCorrCoef(yTrue, yPred)
	kappa, _ := metrics.CohenKappa(yTrue, yPred)
	fmt.Printf("accuracy %.3f balanced %.3f adjusted %.3f MCC %.3f kappa %.3f\n", acc, bal, adj, mcc, kappa)
	// Output:
	// accuracy 0.900 balanced 0.750 adjusted 0.500 MCC 0.667 kappa 0.615
}

func ExampleMatthewsCorrCoef() {
	mcc, _ := metrics.MatthewsCorrCoef([]int{0, 0, 0, 0, 1, 1, 2, 2, 2, 2}, []int{0, 0, 1, 2, 1, 1, 2, 0, 2, 2})
	constant, _ := metrics.MatthewsCorrCoef([]int{0, 1, 1, 0}, []int{1, 1, 1, 1})
	fmt.Printf("%.4f %.4f\n", mcc, constant)
	// Output:
	// 0.5539 0.0000
}

// Two annotators' labels on an ordinal scale: quadratic weights punish far disagreements most.
func ExampleCohenKappa() {
	a := []int{0, 1, 2, 2, 1, 0, 2, 1}
	b := []int{0, 2, 2, 1, 1, 0, 0, 1}
	for _, w := range []metrics.KappaWeights{metrics.KappaUnweighted, metrics.KappaLinear, metrics.KappaQuadratic} {
		k, _ := metrics.CohenKappa(a, b, metrics.WithKappaWeights(w))
		fmt.Printf("%-11q %.4f\n", w, k)
	}
	// Output:
	// ""          0.4419
	// "linear"    0.4286
	// "quadratic" 0.4146
}

// The confusion matrix normalized over true labels: each row sums to 1, the diagonal holds the recalls.
func ExampleWithNormalize() {
	m, _ := metrics.ConfusionMatrix([]int{0, 0, 0, 0, 1, 1, 2, 2, 2, 2}, []int{0, 0, 1, 2, 1, 1, 2, 0, 2, 2},
		metrics.WithNormalize(metrics.NormalizeTrue))
	fmt.Println(m)
	empty, _ := metrics.ConfusionMatrix(nil, nil, metrics.WithLabels(0, 1))
	fmt.Println(empty.Counts)
	// Output:
	// true\pred	0	1	2
	// 0	0.5	0.25	0.25
	// 1	0	1	0
	// 2	0.25	0	0.75
	// [[0 0] [0 0]]
}

// Log loss is the cross-entropy of the predicted probabilities: −(log 0.7 + log 0.6 + log 0.5)/3.
func ExampleLogLoss() {
	yTrue := []int{0, 1, 2}
	probs := [][]float64{{0.7, 0.2, 0.1}, {0.1, 0.6, 0.3}, {0.2, 0.3, 0.5}}
	loss, _ := metrics.LogLoss(yTrue, probs)
	fmt.Printf("%.6f\n", loss)
	_, err := metrics.LogLoss([]int{1, 1}, [][]float64{{0.2, 0.8}, {0.4, 0.6}})
	fmt.Println(err)
	// Output:
	// 0.520216
	// metrics: LogLoss: y_true contains only one label (1): give the labels with WithLabels
}

func ExampleBrierScore() {
	b, _ := metrics.BrierScore([]int{0, 1, 1, 0}, []float64{0.1, 0.9, 0.8, 0.3})
	fmt.Printf("%.4f\n", b) // (0.01 + 0.01 + 0.04 + 0.09)/4
	// Output:
	// 0.0375
}

// Top-2 accuracy: the true label is among the two highest scores.
func ExampleTopKAccuracy() {
	yTrue := []int{0, 1, 2, 2}
	scores := [][]float64{{0.5, 0.2, 0.3}, {0.3, 0.4, 0.3}, {0.2, 0.4, 0.4}, {0.7, 0.1, 0.2}}
	for k := 1; k <= 2; k++ {
		acc, _, _ := metrics.TopKAccuracy(yTrue, scores, k)
		fmt.Printf("top-%d %.2f\n", k, acc)
	}
	// Output:
	// top-1 0.75
	// top-2 1.00
}

// ROC AUC is the chance that a positive example outscores a negative one; average precision summarizes the
// precision-recall curve.
func ExampleROCAUC() {
	yTrue := []int{0, 0, 1, 1, 0, 1}
	scores := []float64{0.1, 0.4, 0.35, 0.8, 0.2, 0.9}
	auc, _ := metrics.ROCAUC(yTrue, scores)
	ap, _, _ := metrics.AveragePrecision(yTrue, scores)
	fmt.Printf("ROC AUC %.4f, average precision %.4f\n", auc, ap)
	// Output:
	// ROC AUC 0.8889, average precision 0.9167
}

func ExampleAveragePrecision() {
	ap, _, _ := metrics.AveragePrecision([]int{0, 0, 1, 1}, []float64{0.1, 0.4, 0.35, 0.8})
	fmt.Printf("%.4f\n", ap) // thresholds 0.8, 0.4, 0.35: (1/2)·1 + (1/2)·(2/3)
	// Output:
	// 0.8333
}

func ExampleMultilabelPrecisionRecallFBeta() {
	yTrue := [][]int{{1, 0, 1}, {0, 1, 0}, {1, 1, 0}, {0, 0, 1}}
	yPred := [][]int{{1, 0, 0}, {0, 1, 1}, {1, 0, 0}, {0, 0, 1}}
	for _, avg := range []metrics.Average{metrics.AverageMicro, metrics.AverageMacro, metrics.AverageSamples} {
		s, _ := metrics.MultilabelPrecisionRecallFBeta(yTrue, yPred, 1, metrics.WithAverage(avg))
		fmt.Printf("%-7s P %s R %s F1 %s\n", avg, s.Precision, s.Recall, s.F)
	}
	acc, _ := metrics.MultilabelAccuracy(yTrue, yPred)
	fmt.Printf("subset accuracy %.2f\n", acc)
	// Output:
	// micro   P 0.8000 R 0.6667 F1 0.7273
	// macro   P 0.8333 R 0.6667 F1 0.7222
	// samples P 0.8750 R 0.7500 F1 0.7500
	// subset accuracy 0.25
}

func ExampleMultilabelConfusionMatrix() {
	yTrue := [][]int{{1, 0, 1}, {0, 1, 0}, {1, 1, 0}, {0, 0, 1}}
	yPred := [][]int{{1, 0, 0}, {0, 1, 1}, {1, 0, 0}, {0, 0, 1}}
	m, _ := metrics.MultilabelConfusionMatrix(yTrue, yPred)
	for label, c := range m {
		fmt.Printf("label %d: TN %v FP %v FN %v TP %v\n", label, c[0][0], c[0][1], c[1][0], c[1][1])
	}
	// Output:
	// label 0: TN 2 FP 0 FN 0 TP 2
	// label 1: TN 2 FP 0 FN 1 TP 1
	// label 2: TN 1 FP 1 FN 1 TP 1
}

func ExampleMultilabelAccuracy() {
	acc, _ := metrics.MultilabelAccuracy([][]int{{1, 0, 1}, {0, 1, 0}}, [][]int{{1, 0, 1}, {0, 1, 1}})
	fmt.Println(acc)
	// Output:
	// 0.5
}

// A model that is right 60% of the time at confidence 0.9 is overconfident.
func ExampleReliabilityDiagram() {
	yTrue := []int{0, 0, 1, 1, 0, 1, 1, 0, 0, 1}
	probs := [][]float64{{0.9, 0.1}, {0.9, 0.1}, {0.9, 0.1}, {0.1, 0.9}, {0.1, 0.9},
		{0.6, 0.4}, {0.4, 0.6}, {0.6, 0.4}, {0.4, 0.6}, {0.4, 0.6}}
	bins, _ := metrics.ReliabilityDiagram(yTrue, probs, 5)
	for _, b := range bins {
		if b.Count > 0 {
			fmt.Printf("(%.1f, %.1f]: confidence %.2f accuracy %.2f count %d\n", b.Lo, b.Hi, b.Confidence,
				b.Accuracy, b.Count)
		}
	}
	ece, _ := metrics.ExpectedCalibrationError(yTrue, probs, 5)
	fmt.Printf("ECE %.3f\n", ece)
	// Output:
	// (0.4, 0.6]: confidence 0.60 accuracy 0.60 count 5
	// (0.8, 1.0]: confidence 0.90 accuracy 0.60 count 5
	// ECE 0.150
}

func ExampleExpectedCalibrationError() {
	// Confidence 0.8 and right 4 times out of 5: perfectly calibrated.
	probs := [][]float64{{0.8, 0.2}, {0.8, 0.2}, {0.8, 0.2}, {0.8, 0.2}, {0.8, 0.2}}
	ece, _ := metrics.ExpectedCalibrationError([]int{0, 0, 0, 0, 1}, probs, 15)
	fmt.Printf("%.3f\n", ece)
	// Output:
	// 0.000
}

// sacrebleu's README example: sentence BLEU with effective order, and chrF and chrF++ of the corpus.
func ExampleSentenceBLEU() {
	b, _ := metrics.SentenceBLEU("The man had just bitten him.", []string{"The man bit him first.",
		"The man had bitten the dog."}, metrics.BLEUOptions{})
	fmt.Printf("%.2f %s\n", b.Score, b.Signature)
	// Output:
	// 29.07 nrefs:2|case:mixed|eff:yes|tok:13a|smooth:exp|version:2.6.0
}

func ExampleCorpusCHRF() {
	refs := [][]string{
		{"The dog bit the man.", "It was not unexpected.", "The man bit him first."},
		{"The dog had bit the man.", "No one was surprised.", "The man had bitten the dog."},
	}
	sys := []string{"The dog bit the man.", "It wasn't surprising.", "The man had just bitten him."}
	chrf, _ := metrics.CorpusCHRF(sys, refs, metrics.CHRFOptions{})
	chrfpp, _ := metrics.CorpusCHRF(sys, refs, metrics.CHRFOptions{WordOrder: 2})
	fmt.Println(chrf, "|", chrf.Signature)
	fmt.Println(chrfpp, "|", chrfpp.Signature)
	// Output:
	// chrF2 = 59.73 | nrefs:2|case:mixed|eff:yes|nc:6|nw:0|space:no|version:2.6.0
	// chrF2++ = 59.15 | nrefs:2|case:mixed|eff:yes|nc:6|nw:2|space:no|version:2.6.0
}

func ExampleSentenceCHRF() {
	c, _ := metrics.SentenceCHRF("the cat sat on the mat", []string{"the cat is on the mat"}, metrics.CHRFOptions{})
	fmt.Println(c)
	// Output:
	// chrF2 = 64.58
}

// Floor smoothing with the value 0: an order with no match makes BLEU 0, as sacrebleu's
// raw_corpus_bleu(hyps, refs, 0.0); unset, the floor is sacrebleu's default 0.1.
func ExampleBLEUOptions() {
	hyps, refs := []string{"the cat sat on the mat today"}, [][]string{{"the cat is on the mat"}}
	for _, v := range []*float64{new(0.0), nil} {
		b, _ := metrics.CorpusBLEU(hyps, refs, metrics.BLEUOptions{SmoothMethod: "floor", SmoothValue: v})
		fmt.Printf("%.2f %s\n", b.Score, b.Signature)
	}
	// Output:
	// 0.00 nrefs:1|case:mixed|eff:no|tok:13a|smooth:floor[0.00]|version:2.6.0
	// 20.56 nrefs:1|case:mixed|eff:no|tok:13a|smooth:floor[0.10]|version:2.6.0
}

func ExampleTokenizeIntl() {
	fmt.Println(metrics.TokenizeIntl("Preis: 3,50 € (ca.) — «¡Hola!»"))
	// Output:
	// Preis : 3,50 € ( ca . ) — « ¡ Hola ! »
}

func ExampleTokenizeChar() {
	fmt.Println(metrics.TokenizeChar("日本語の文, ok"))
	// Output:
	// 日 本 語 の 文 , o k
}

// A report as scikit-learn's output_dict, for a metrics.json.
func ExampleReport_MarshalJSON() {
	r, _ := metrics.ClassificationReport([]int{0, 1, 1, 0}, []int{0, 1, 0, 0}, metrics.WithTargetNames("ham", "spam"))
	out, _ := json.Marshal(r)
	fmt.Println(string(out))
	// Output:
	// {"ham":{"precision":0.6666666666666666,"recall":1,"f1-score":0.8,"support":2},"spam":{"precision":1,"recall":0.5,"f1-score":0.6666666666666666,"support":2},"accuracy":0.75,"macro avg":{"precision":0.8333333333333333,"recall":0.75,"f1-score":0.7333333333333334,"support":4},"weighted avg":{"precision":0.8333333333333333,"recall":0.75,"f1-score":0.7333333333333334,"support":4}}
}
