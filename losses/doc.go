// Package losses is lossbook's catalogue of loss functions, built on GoMLX graph nodes, with PyTorch 1.13's
// names, options and numbers.
//
// It owns: the per-example loss cores, the one shared helper that applies masks, weights and reduction, the
// adapters to GoMLX's train.LossFn, and the registry that builds a loss from PyTorch's name and keyword
// arguments. It must not touch: files, data sets, optimizers, training loops or display. It imports GoMLX's
// graph packages and nothing else of lossbook.
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
//	loss := ce(logits, labels)
//	trainer := train.NewTrainer(backend, ctx, modelFn, ce.LossFn(), optimizer, nil, nil)
//
// # Reduction rules
//
// Every loss ends in one shared helper (reduce in reduction.go) that masks, weights and reduces, so that these
// rules, which are PyTorch 1.13's, hold everywhere. ℓ are the per-element (or per-example) losses that
// ReductionNone returns; valid marks targets that are not ignore_index; w are weights.
//
//	loss (family)                          ReductionMean divides Σℓ by            ReductionNone shape
//	CrossEntropy, NLL (class indices)      Σ w[y]·valid (weighted mean)           [N, d1, ...]; 0 where ignored
//	CrossEntropy (probability targets)     N·d1·... (count; weights not normalised) [N, d1, ...]
//
// Special cases: a mean over no valid target is NaN (0/0) and its gradient is 0; a sum over none is 0.
// ReductionBatchMean (Σℓ / N) is KL's alone.
//
// # Errors
//
// Mistakes found while building a graph (shapes, dtypes, options a loss does not take) panic with an error that
// starts with "losses: " and the loss's name and names both shapes. Configuration mistakes (New's name and
// arguments) return an error that lists what is valid.
package losses
