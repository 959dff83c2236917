// Package metrics scores a model's predictions: given the true labels and what the model predicted (labels,
// probabilities, scores or translations), it returns the numbers you report, equal to those of scikit-learn and
// sacrebleu on the same inputs. Everything is plain Go on slices: no graph, no backend, no GoMLX.
//
//	yTrue := []int{0, 1, 1, 0, 1}
//	yPred := []int{0, 1, 0, 0, 1}
//	f1, err := metrics.F1(yTrue, yPred, metrics.WithAverage(metrics.AverageMacro))
//	if err != nil {
//		log.Fatal(err) // empty or mismatched inputs, or an option scikit-learn would refuse
//	}
//	fmt.Println(f1.Value) // 0.8
//	report, _ := metrics.ClassificationReport(yTrue, yPred)
//	fmt.Println(report) // per-class precision, recall, F1 and support, laid out as scikit-learn prints it
//	bleu, _ := metrics.CorpusBLEU([]string{"the cat sat on the mat"}, [][]string{{"the cat is on the mat"}}, metrics.BLEUOptions{})
//	fmt.Println(bleu) // BLEU = 37.99 83.3/60.0/25.0/16.7 (BP = 1.000 ...)
//
// # Classification (scikit-learn 1.2.1)
//
//   - Accuracy, Precision, Recall, F1, FBeta, PrecisionRecallF1, PrecisionRecallFBeta and ClassificationReport
//     (the text laid out as scikit-learn prints it, and a struct), with averages binary (with a positive label),
//     micro, macro, weighted and none, a labels list, sample weights and the zero_division rules ("warn" gives 0
//     and the UndefinedMetricWarning text in Score.Warnings, 0, 1, and NaN as scikit-learn ≥ 1.4 defines it).
//     The options are ScoreOptions (WithAverage, WithLabels, ...), named after scikit-learn's keyword arguments.
//   - ConfusionMatrix (optionally normalized over true labels, predictions or all), BalancedAccuracy,
//     MatthewsCorrCoef and CohenKappa.
//   - Multilabel targets as indicator matrices: MultilabelAccuracy (subset accuracy),
//     MultilabelPrecisionRecallFBeta (with the 'samples' average), MultilabelConfusionMatrix and
//     MultilabelClassificationReport.
//   - From probabilities or scores: LogLoss, BrierScore, TopKAccuracy, and for binary scores ROCAUC and
//     AveragePrecision.
//   - Calibration: ReliabilityDiagram (per confidence bin: mean confidence, accuracy, count) and
//     ExpectedCalibrationError (Guo et al. 2017, equal-width bins).
//
// Golden values come from scikit-learn itself (testdata/gen_metrics.py, run with Debian's python3-sklearn 1.2.1;
// the reliability bins from its calibration_curve). Where scikit-learn raises, lossbook returns an error; where it
// warns, lossbook returns the warning's text with the result; numpy's RuntimeWarnings are not reproduced. Empty
// inputs are an error, except for ConfusionMatrix, which returns zeros as scikit-learn does.
//
// # Language models
//
// Perplexity accumulates the negative log-likelihood token-weighted over a whole set and gives
// exp(Σ NLL / #tokens). It must be fed the unsmoothed, unweighted NLL in nats (training.CrossEntropySumCount gives
// it): a label-smoothed or class-weighted loss is a training objective, and its exponential is not a perplexity.
//
// # Translation (sacrebleu 2.6.0)
//
// CorpusBLEU and SentenceBLEU compute BLEU as sacrebleu does (tokenizers 13a, intl, char and none;
// exp/floor/add-k/none smoothing; brevity penalty and n-gram statistics summed over the corpus; closest reference
// length with ties to the shorter; several references), CorpusCHRF and SentenceCHRF compute chrF and chrF++, and
// all report sacrebleu's signature. Golden values come from sacrebleu itself (testdata/gen_sacrebleu.py).
//
// # Options: unset is not zero
//
// Where zero is a legal value of an option (BLEU's floor smoothing value, chrF's β, log loss's clipping ε), an
// unset option takes the reference's default and an explicit zero means zero: the struct fields are pointers
// (SmoothValue: new(0.0)) and the functional options record that they were given.
//
// # Errors
//
// Bad input (mismatched lengths, an unknown average, probabilities outside [0, 1], ...) returns one error that
// names what was wrong and what was expected, prefixed "metrics: " and the function's name.
//
// Imports: metrics knows nothing of GoMLX or of training; package training and the tasks import it.
package metrics
