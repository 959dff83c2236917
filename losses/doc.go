// Package losses computes the loss functions that train and fine-tune language models (cross-entropy with
// label smoothing and class weights, focal, MSE, Huber, KL, the pre-training losses MLM and NSP, margin and
// triplet losses) as GoMLX graph functions, with PyTorch 1.13's names, options and numbers.
//
//	// PyTorch: nn.CrossEntropyLoss(label_smoothing=0.1)(logits, labels)
//	ce := func(logits, labels *graph.Node) *graph.Node {
//		return losses.CrossEntropy(logits, labels, losses.WithLabelSmoothing(0.1))
//	}
//	loss := graph.MustExecOnce(lib.MustBackend(), ce, [][]float32{{2, 1, 0.1}, {0.5, 2.5, 0.3}}, []int32{0, 1})
//	fmt.Println(loss.Value()) // 0.43687308
//
// # Two ways in
//
// Go functions on *graph.Node, with functional options whose defaults are PyTorch's:
//
//	loss := losses.CrossEntropy(logits, labels, losses.WithLabelSmoothing(0.1), losses.WithIgnoreIndex(-100))
//
// and a registry that takes PyTorch's class names and keyword arguments (for configuration files, the command
// line and notebooks), whose Loss takes the inputs in the order of the torch module's forward():
//
//	ce, err := losses.New("CrossEntropyLoss", map[string]any{"label_smoothing": 0.1})
//	if err != nil {
//		log.Fatal(err) // an unknown name or keyword argument: the error says what is valid
//	}
//	loss := ce(logits, labels) // inside a graph function, as above
//	lossFn := ce.LossFn()      // GoMLX's train.LossFn, for train.NewTrainer or training.Train
//
// # The catalogue
//
//	file             Go function               registry name (PyTorch's, or lossbook's)
//	crossentropy.go  CrossEntropy              CrossEntropyLoss
//	                 NLL                       NLLLoss
//	                 BinaryCrossEntropy        BCELoss
//	                 BinaryCrossEntropyLogits  BCEWithLogitsLoss
//	                 SoftMargin                SoftMarginLoss
//	                 MultiLabelSoftMargin      MultiLabelSoftMarginLoss
//	                 SigmoidFocal              SigmoidFocalLoss       (torchvision.ops.sigmoid_focal_loss)
//	                 SoftmaxFocal              SoftmaxFocalLoss       (Lin et al., multi-class)
//	                 Poly1CrossEntropy         Poly1CrossEntropyLoss  (optax.poly_loss_cross_entropy)
//	regression.go    MSE, L1                   MSELoss, L1Loss
//	                 Huber, SmoothL1           HuberLoss, SmoothL1Loss
//	                 PoissonNLL, GaussianNLL   PoissonNLLLoss, GaussianNLLLoss
//	divergence.go    KLDiv                     KLDivLoss
//	contrastive.go   CosineEmbedding           CosineEmbeddingLoss
//	                 MarginRanking             MarginRankingLoss
//	                 TripletMargin             TripletMarginLoss
//	                 HingeEmbedding            HingeEmbeddingLoss
//	pretraining.go   MLM, NSP                  MLMLoss, NSPLoss       (BERT, as Hugging Face)
//	                 BertPreTraining           BertPreTrainingLoss    (MLM + NSP, as BertForPreTraining)
//	robust.go        GeneralRobust             GeneralRobustLoss      (Barron 2019, every α)
//	                 AdaptiveRobustNLL         AdaptiveRobustLoss     (its NLL; AdaptiveRobust learns α, c)
//	uncertainty.go   UncertaintyWeighted       -                      (Kendall et al. 2018, weights of a sum)
//
// cecore.go holds the cross-entropy core that CrossEntropy, SoftmaxFocal, Poly1CrossEntropy, MLM and NSP share:
// the target log-probability by a gather (no one-hot tensor) and a hand-written gradient, softmax minus target.
// It is safe with logits of -Inf (masked classes), as optax's safe_softmax_cross_entropy: finite where the
// target's logit is finite, +Inf where it is -Inf, finite gradients (see CrossEntropy).
//
// # Reduction rules
//
// Every loss ends in one shared helper (reduce in reduction.go) that masks, weights and reduces, so that these
// rules, which are PyTorch 1.13's, hold everywhere. ℓ are the values ReductionNone returns; valid marks targets
// that are not ignore_index; w are the weights.
//
//	loss                                         ReductionMean is Σℓ divided by       ReductionNone returns
//	CrossEntropy, NLL, SoftmaxFocal, MLM         Σ w[y]·valid (weighted mean)         [N, d1, ...], 0 where ignored
//	Poly1CrossEntropy (class indices)            Σ valid                              [N, d1, ...], 0 where ignored
//	CrossEntropy, Poly1 (probability targets)    N·d1·... (weights not normalised)    [N, d1, ...]
//	BCE, BCEWithLogits (weight, pos_weight)      numel (weights not normalised)       input's shape
//	MultiLabelSoftMargin                         N (after the mean over classes)      [N]
//	KLDiv                                        numel; ReductionBatchMean: N         input's shape
//	MSE, L1, Huber, SmoothL1, PoissonNLL,
//	GaussianNLL, SoftMargin, HingeEmbedding,
//	MarginRanking, SigmoidFocal, GeneralRobust,
//	AdaptiveRobustNLL                            numel                                input's shape
//	CosineEmbedding, TripletMargin               N                                    [N]
//	NSP                                          N                                    [N]
//	BertPreTraining                              MLM's mean + NSP's mean              (scalar only)
//
// ReductionSum is Σℓ for all. Special cases: a weighted mean over no valid target is NaN (0/0, as PyTorch) and
// its gradient is 0; the sum over none is 0. Inputs with a dimension of 0 follow PyTorch: with no examples
// (an empty batch or sequence) ReductionNone returns an empty tensor, ReductionMean NaN and ReductionSum 0, with
// empty gradients; zero classes in the class-index losses, CrossEntropy's and Poly-1's probability targets and
// MultiLabelSoftMargin panic (PyTorch raises). Empty inputs are detected before any op is built on them (GoMLX's
// pure-Go backend crashes the process on some ops over empty tensors). ReductionBatchMean is KL's alone. SigmoidFocal's default is
// ReductionNone (torchvision's); every other loss defaults to ReductionMean (PyTorch's).
//
// # Gradients
//
// Gradients flow into the predictions and, wherever PyTorch 1.13 differentiates a float target, into the target
// with PyTorch's numbers: the regression losses (MSE, L1, Huber, SmoothL1, GaussianNLL including its variance),
// KLDiv, probability targets of CrossEntropy, BCE and BCEWithLogits (PyTorch's hand-written target backward),
// MultiLabelSoftMargin, SigmoidFocal, PoissonNLL and MarginRanking's ±1 target. Class indices, the ±1 targets of
// HingeEmbedding, CosineEmbedding and SoftMargin (which PyTorch does not differentiate) and weights are constants. Where PyTorch writes a backward by hand (BCE's clamp, the logistic
// losses, SmoothL1, |x| at 0), lossbook gives the same numbers; the golden tests check every gradient.
//
// # Errors
//
// Mistakes found while building a graph (shapes, dtypes, options a loss does not take, option values out of
// their range or NaN) panic with an error that starts with "losses: " and the loss's name and names both shapes
// (or the option and its range). Configuration mistakes (New's name and arguments, their values included) return
// an error that lists what is valid.
//
// # Parity with PyTorch
//
// testdata/gen_golden.py (run with /usr/bin/python3, torch 1.13) writes testdata/golden.json: values and
// gradients in float64 for every loss and option; the tests compare them in float64 and float32. A randomized
// checker, internal/paritycheck, draws random shapes and options for every loss from a seed and compares
// losses.New with PyTorch to 1e-7.
//
// # Keras names
//
// NewKeras builds a loss from a Keras 3 class name and keyword arguments ("CategoricalCrossentropy",
// {"from_logits": true}) with Keras's numbers: probabilities by default, clipping at 1e-7, per-sample means over
// the last axis, sample weights and the "sum_over_batch_size" reduction. keras.go and keras_losses.go hold it;
// docs/keras.md tabulates every difference from PyTorch. Its goldens (testdata/keras_golden.json) and random
// parity (internal/kerasparity) come from Keras 3 on JAX, from PyPI (make kerasenv).
//
// # For contributors
//
// losses owns: the per-example loss cores, the one shared helper that applies masks, weights and reduction, the
// adapters to GoMLX's train.LossFn, and the registry that builds a loss from PyTorch's name and keyword
// arguments. It must not touch: files, data sets, optimizers, training loops or display. It imports GoMLX's
// graph packages and nothing else of lossbook.
package losses
