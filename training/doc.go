// Package training minimises lossbook's losses: optimizers with torch.optim's update equations, learning-rate
// schedules, gradient clipping and accumulation, and a training loop with checkpoints. The metrics that judge a
// model (accuracy, F1, perplexity, BLEU, chrF, ...) are in package metrics.
//
// # Optimizers
//
// NewGD, NewSGD, NewAdam and NewAdamW return optimizers with torch.optim's defaults and update equations, equal to
// torch 1.13 to rounding (the tests replay 20 steps of every option against golden traces from PyTorch, to 1e-10
// in float64). NewOptimizer builds them from torch's names and keyword arguments ("lr", "betas", "weight_decay",
// ...). They differ from GoMLX v0.26's optimizers, which lossbook does not use:
//
//   - Adam's ε is 1e-8 and sits outside the square root of the bias-corrected second moment (GoMLX: 1e-7).
//   - AdamW decays by θ(1 − lr·λ) with torch's default λ = 0.01 (GoMLX's "adamw" by name trains as plain Adam
//     unless a context parameter is set), and Adam's weight_decay is torch's coupled L2.
//   - SGD has momentum, dampening, Nesterov and weight decay, and a constant rate (GoMLX divides it by √step).
//   - AMSGrad and maximize are supported.
//   - NoDecay excludes variables from weight decay: BiasesAndNorms (rank < 2, the recommended choice),
//     NameContains (the Hugging Face no_decay list ["bias", "LayerNorm.weight"], matched against TorchName too, so
//     that it spares GoMLX's layer-norm gains and offsets), InScopes, or any VariableFilter.
//   - GradientClipping clips by value and by global norm, as torch.nn.utils.clip_grad_value_ and clip_grad_norm_.
//
// Beyond Adam: NewRMSprop, NewAdagrad, NewNAdam and NewRAdam follow torch 1.13 the same way (torch's names and
// options), and NewLAMB, NewLion and NewAdafactor follow optax 0.2.6's lamb, lion and adafactor, with optax's
// argument names ("learning_rate", "b1", "weight_decay_rate", ...; optax's mask is lossbook's no_decay); their
// tests replay golden traces from optax (testdata/optax.json, gen_optax.py) to 1e-10. StateBytes measures any
// optimizer's state: Adam's is two numbers per parameter, Lion's one, factored Adafactor's a row and a column per
// matrix.
//
// They implement GoMLX's optimizers.Interface and train.OptimizeWithGradients, so they also work inside GoMLX's
// train.Trainer. Their state is per parameter, as torch's optimizer.state[p], and lives in context variables under
// "/optimizers/<Name>": "step", "lr", "owner" and, for each trained variable "/scope/name",
// "/optimizers/<Name>/scope/name/<state>" with torch's state names (step, momentum_buffer, exp_avg, exp_avg_sq,
// max_exp_avg_sq). A checkpoint of the context therefore holds it. A variable trained for the first time (a
// classifier head added after pre-training) starts fresh at its own step 1; a frozen variable keeps its state
// untouched; a new optimizer on a context used by another one of the same Name starts empty, as a new torch
// optimizer does (the tests replay these cases against torch's state, golden traces in testdata/optim_state.json).
//
// # Schedules
//
// Constant, LinearWithWarmup (Hugging Face's get_linear_schedule_with_warmup), CosineAnnealingLR (no restarts) and
// StepLR give the learning rate of each step from the base rate, as torch's schedulers stepped once per optimizer
// step; NewSchedule builds them by name. Their values equal torch's sequences (golden traces, 1e-10).
//
// # Training loop
//
// Train runs an optimizer over a Dataset for a number of steps. The loss is given as a BatchLossFn returning a
// sum and a count, so that gradient accumulation over micro-batches with different numbers of tokens equals the
// full batch (GoMLX's accumulation averages per-step means instead). Loss terms that the model adds with GoMLX's
// train.AddLoss (layers.Dense's L1/L2 regularisation) join the objective, and train.AddPerStepUpdateGraphFn
// updates run after every step, with and without accumulation alike. Train draws a progress bar (loss, evaluation
// metrics, learning rate, steps/s) and, in a notebook, a live loss curve through package nb; it evaluates every
// EvalEvery steps (eval_loss token-weighted over the whole evaluation set, plus Config.Eval's metrics), stops
// early on a metric, and writes checkpoints atomically (temporary file, fsync, rename). A checkpoint holds every
// context variable (model, optimizer state, GoMLX's RNG state), the step (hence the schedule position), the
// data-order RNG state and position, the loss history and the early-stopping state: a run killed with SIGKILL
// and resumed follows the same loss trajectory, bit for bit, as an uninterrupted run (TestResumeAfterKill proves
// it in a child process). A resume first checks the file (CRC, every field) and compares the run's configuration
// (optimizer, schedule, batch size, accumulation, shuffling, seed, data size) with the checkpoint's: a difference
// is refused with an error naming it, unless Config.ResumeAnyway is set, and a refused resume leaves the context
// untouched. Panics raised while building graphs are returned as errors.
//
// Full-batch gradient descent is NewGD with Config.BatchSize 0: every step sees the whole data set.
//
// The tasks' run directories (run.json, vocabulary, checkpoint, metrics.json) are checked before a run by
// PrepareRunDir: a new run needs an empty directory, a resume the same configuration (ConfigDiff) but for the
// fields a task lets it change, such as the number of steps.
//
// # Evaluation loss and perplexity
//
// Train's "eval_loss" and metrics.Perplexity measure the unsmoothed, unweighted negative log-likelihood per token,
// in nats: a label-smoothed or class-weighted loss is a training objective, not a measurement (smoothing 0.1 over
// 30,000 classes turned a perplexity of 11.0 into 24.5 for lossfn_test.go's model, 38.0 for issue 24's).
// CrossEntropySumCount gives that sum and count and takes no loss options; TrainingCrossEntropySumCount applies
// label smoothing and class weights only while training, so one BatchLossFn trains with them and evaluates
// without them.
//
// # For contributors
//
// training owns everything that changes parameters over steps. It must not touch loss formulas (package
// losses), metric definitions (package metrics), data reading (lib/data) or display code (it reports progress
// through nb, which only shows).
package training
