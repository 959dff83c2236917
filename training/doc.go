// Package training minimises lossbook's losses: optimizers with torch.optim's update equations, learning-rate
// schedules, gradient clipping and accumulation, a training loop with checkpoints, and the metrics that judge
// a model (accuracy, precision, recall, F1, perplexity, BLEU).
//
// It owns: everything that changes parameters over steps, and the metrics. It must not touch: loss formulas
// (package losses), data reading (lib/data) or display code (it reports progress through nb, which only shows).
package training
