// Package textclass is lossbook's text classification task: it wires a data set (SpamAssassin's ham and spam, or
// the Brown corpus's 15 genres, or a JSON-lines file of {"text", "label"}), a WordPiece tokenizer trained on the
// training split only, a model from lib/models (BagOfEmbeddings, or a Transformer with its pooled [CLS] head), a
// loss and an optimizer chosen by their PyTorch names, training's loop with checkpoints and resume, and the
// metrics package's classification report and calibration error.
//
//	m, err := textclass.Train(ctx, textclass.DefaultConfig()) // bag of embeddings on SpamAssassin
//	preds, err := m.Predict([]string{"Subject: cheap meds\nBuy now!"})
//	ev, err := m.Evaluate()                                  // held-out test split
//
// # Data
//
// SpamAssassin is read deduplicated (lib/data removes copies of a text before anything is split), then split
// 80/10/10 into train/validation/test, stratified by label and reproducible by Config.Seed. A message is its
// subject and its text joined by a line break. Brown is split by document (no document in two splits), and each
// paragraph is one example labelled with its document's genre. A JSON-lines file is split as SpamAssassin.
// ExportSplit writes the split with the token ids, so that peers (scikit-learn, PyTorch) train on exactly the
// same examples and tokens.
//
// # Run directory
//
// Train writes Config.Out (when set): run.json ({"task": "textclass", ...the configuration, the classes...}),
// vocab.txt (the tokenizer's vocabulary), checkpoint.bin (training's checkpoint: model, optimizer state,
// data position) and metrics.json (the held-out results). Every file is written to a temporary file and renamed;
// checkpoints are written every Config.CheckpointEvery steps, so an interrupted run leaves its last checkpoint
// usable and Config.Resume continues it. Load reads the directory back.
//
// # Fine-tuning a pre-trained encoder
//
// Config.InitFrom (lossbook train textclass --init DIR) names a run directory of package pretrain: the
// transformer then takes that run's architecture and WordPiece vocabulary, starts from its encoder (embeddings,
// layers, pooler; not the MLM head or the NSP classifier) with a fresh classification head, and fine-tunes every
// weight with an optimizer whose state starts empty. Config.TrainFraction trains on a stratified, seeded share of
// the training labels. CompareFineTuning trains the pre-trained and the from-scratch classifier side by side (same
// architecture, vocabulary, label subset, steps and schedule) over seeds and shares of the labels; `make
// experiment-finetune` runs it and writes testdata/finetune.json, which notebook 05 plots.
//
// # For contributors
//
// The task owns no formula: losses come from package losses (losses.New), optimizers and schedules from
// training (training.NewOptimizer, training.NewSchedule), metrics from package metrics, data from lib/data and
// tokens from lib/tokenize. It owns only the wiring and the run directory.
package textclass
