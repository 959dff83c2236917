// Package losses is lossbook's catalogue of loss functions, built on GoMLX graph nodes, with PyTorch 1.13's
// names, options and numbers.
//
// It owns: the per-example loss cores, the one shared helper that applies masks, weights and reduction, the
// adapters to GoMLX's train.LossFn, and the registry that builds a loss from PyTorch's name and keyword
// arguments. It must not touch: files, data sets, optimizers, training loops or display. It imports GoMLX's
// graph packages and nothing else of lossbook.
package losses
