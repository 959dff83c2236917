package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/lossbook/lossbook/lib"
	"github.com/lossbook/lossbook/tasks/textclass"
)

const textclassTrainUsage = `Usage: lossbook train textclass [flags]

Trains a text classifier and writes its run directory (--out): run.json, vocab.txt, checkpoint.bin, metrics.json.
With no flags it trains the bag of embeddings on SpamAssassin (deduplicated, split 80/10/10 stratified by
--seed) and prints the held-out test report. Ctrl-C stops at the next step; the last checkpoint (every
--save-steps) stays usable and --resume continues it.

Losses, optimizers and schedules take PyTorch's names and keyword arguments:
  lossbook train textclass --loss CrossEntropyLoss --loss-arg label_smoothing=0.1 --optimizer AdamW --opt-arg lr=3e-4
  lossbook train textclass --loss SoftmaxFocalLoss --loss-arg gamma=2
  lossbook train textclass --model transformer --data brown --steps 3000
  lossbook train textclass --compare-losses     (CE, smoothing, focal, class weights over 3 seeds)

Fine-tuning: --init DIR starts the transformer from the encoder of a pre-training run (lossbook pretrain --out
DIR): its embeddings, layers and pooler, its WordPiece vocabulary and its architecture (--vocab-size,
--max-length, --hidden-size and --num-layers, if given, must equal the run's; a pre-norm run, pre-trained with
--norm-first, gives a pre-norm classifier, and --norm-first on a post-norm run is an error); the classification
head starts fresh and every weight trains. run.json records DIR, and the run directory alone serves eval and predict.
--train-fraction F trains on that share of the training labels (stratified by class, seeded by --seed); the
validation and test splits stay whole:
  lossbook train textclass --data brown --init build/pretrain --train-fraction 0.1`

// kvFlags collects repeated k=v flags; values are read as JSON (numbers, booleans, lists), else as strings.
type kvFlags map[string]any

func (kv kvFlags) String() string { return "" }

func (kv kvFlags) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" {
		return fmt.Errorf("%q is not k=v (e.g. lr=3e-4, betas=[0.9,0.98])", s)
	}
	var val any
	if err := json.Unmarshal([]byte(v), &val); err != nil {
		val = v
	}
	kv[k] = val
	return nil
}

func init() {
	registerTask("textclass", task{
		summary: "text classification: SpamAssassin or Brown genres, bag of embeddings or transformer",
		train:   textclassTrain,
		eval:    textclassEval,
	})
	register("predict", command{
		summary: "classify texts with a trained model (lossbook predict --checkpoint DIR [TEXT ...])",
		run:     textclassPredict,
	})
}

func textclassTrain(args []string, stdout, stderr io.Writer) error {
	def := textclass.DefaultConfig()
	fs := newFlags("train textclass")
	dataFlag := fs.String("data", def.Data, "data set: spamassassin, brown, or a .jsonl file of {\"text\", \"label\"}")
	model := fs.String("model", def.Model, "model: bag (bag of embeddings) or transformer")
	loss := fs.String("loss", def.Loss, "loss, by its PyTorch name (CrossEntropyLoss, SoftmaxFocalLoss, ...)")
	lossArgs := kvFlags{}
	fs.Var(lossArgs, "loss-arg", "loss keyword argument k=v, repeatable (label_smoothing=0.1, gamma=2, weight=[1,3])")
	opt := fs.String("optimizer", def.Optimizer, "optimizer, by its torch.optim or optax name (AdamW, Adam, SGD, RMSprop, Adagrad, NAdam, RAdam, LAMB, Adafactor, Lion)")
	optArgs := kvFlags{}
	fs.Var(optArgs, "opt-arg", "optimizer keyword argument k=v, repeatable (default for the bag: lr=0.003; transformer: lr=0.0005)")
	sched := fs.String("schedule", "", "learning-rate schedule: constant, linear, CosineAnnealingLR, StepLR (default: constant for the bag, linear for the transformer)")
	schedArgs := kvFlags{}
	fs.Var(schedArgs, "sched-arg", "schedule keyword argument k=v, repeatable (num_warmup_steps=100)")
	steps := fs.Int("steps", 0, "optimizer steps (default: 1000; with --smoke 40)")
	batch := fs.Int("batch", 0, "examples per step (default 32)")
	seed := fs.Uint64("seed", def.Seed, "seed of the split, the initialisation and the data order")
	vocab := fs.Int("vocab-size", 0, "WordPiece vocabulary size (default 16000)")
	maxLen := fs.Int("max-length", 0, "tokens per text, [CLS] and [SEP] included (default: 256 for the bag, 128 for the transformer)")
	hidden := fs.Int("hidden-size", 0, "embedding or model width (default: 64 for the bag, 128 for the transformer)")
	layers := fs.Int("num-layers", 0, "transformer blocks (default 2)")
	finalNorm := fs.Bool("final-norm", false, "transformer: a layer norm after the last block (PyTorch: nn.TransformerEncoder's norm), which pre-norm needs (with --init: the encoder's)")
	normFirst := fs.Bool("norm-first", false, "transformer: layer norm before each sub-block (pre-norm, PyTorch's norm_first) instead of BERT's post-norm (with --init: the encoder's)")
	spamFrac := fs.Float64("spam-fraction", 0, "keep this fraction of the spam in the training split (imbalanced variant); 0 keeps all")
	out := fs.String("out", "", "run directory (default runs/textclass-<data>-<model>-<time>)")
	resume := fs.Bool("resume", false, "continue the run in --out from its last checkpoint")
	smoke := fs.Bool("smoke", false, "a run of seconds (also LOSSBOOK_SMOKE=1)")
	asJSON := fs.Bool("json", false, "print metrics.json instead of the report")
	initDir := fs.String("init", "", "fine-tune the encoder of this pre-training run directory (lossbook pretrain --out DIR): its weights, vocabulary and architecture; transformer only")
	trainFrac := fs.Float64("train-fraction", 1, "train on this share of the training split's labels, stratified by class and seeded by --seed (0 < F <= 1)")
	compare := fs.Bool("compare-losses", false, "compare CE, label smoothing 0.1, focal (gamma 2) and class-weighted CE over seeds 1-3, with all the spam and with 5% of it, 200 steps each unless --steps (no run directory)")
	if err := parseFlags(fs, args, textclassTrainUsage, stdout); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("train textclass", "unexpected arguments %q", fs.Args())
	}
	if *initDir != "" {
		if flagSet(fs, "model") && *model != textclass.Transformer {
			return usagef("train textclass", "--init fine-tunes a pre-trained transformer; --model %s cannot start from it", *model)
		}
		if *compare {
			return usagef("train textclass", "--compare-losses trains its own vocabulary and takes no --init")
		}
		*model = textclass.Transformer
	}
	if !(*trainFrac > 0 && *trainFrac <= 1) {
		return usagef("train textclass", "--train-fraction %g: want a share of the training labels, 0 < F <= 1", *trainFrac)
	}
	cfg := def
	if *model == textclass.Transformer {
		cfg = textclass.TransformerConfig()
	}
	cfg.Model = *model
	if *smoke || lib.Smoke() {
		cfg = cfg.Smoke()
	}
	if *initDir != "" {
		cfg = cfg.FromPretrained(*initDir)
	}
	if *trainFrac < 1 {
		cfg.TrainFraction = *trainFrac
	}
	cfg.Data, cfg.Loss, cfg.Optimizer, cfg.Seed, cfg.SpamFraction = *dataFlag, *loss, *opt, *seed, *spamFrac
	cfg.NormFirst, cfg.FinalNorm = *normFirst, *finalNorm
	if len(lossArgs) > 0 {
		cfg.LossArgs = lossArgs
	}
	if len(optArgs) > 0 {
		cfg.OptimizerArgs = optArgs
	}
	if *sched != "" {
		cfg.Schedule = *sched
	}
	if len(schedArgs) > 0 {
		cfg.ScheduleArgs = schedArgs
	}
	for _, f := range []struct {
		name string
		v    int
		dst  *int
	}{{"steps", *steps, &cfg.Steps}, {"batch", *batch, &cfg.BatchSize}, {"vocab-size", *vocab, &cfg.VocabSize},
		{"max-length", *maxLen, &cfg.MaxLength}, {"hidden-size", *hidden, &cfg.HiddenSize},
		{"num-layers", *layers, &cfg.NumHiddenLayers}} {
		if f.v < 0 || (f.v == 0 && flagSet(fs, f.name)) {
			return usagef("train textclass", "--%s %d must be positive", f.name, f.v)
		}
		if f.v > 0 {
			*f.dst = f.v
		}
	}
	if err := cfg.Validate(); err != nil {
		return usagef("train textclass", "%s", trimPackagePrefix(strings.TrimPrefix(err.Error(), "textclass: ")))
	}
	cfg, err := cfg.ResolveInit()
	if err != nil {
		return usagef("train textclass", "%s", initFlagNames.Replace(strings.TrimPrefix(err.Error(), "textclass: ")))
	}
	if *resume && *out == "" {
		return usagef("train textclass", "--resume needs --out DIR, the run to continue")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	cfg.Progress = stderr
	if *compare {
		if !flagSet(fs, "steps") && !*smoke && !lib.Smoke() {
			cfg.Steps = 200
		}
		return textclassCompare(ctx, cfg, *asJSON, stdout, stderr)
	}
	cfg.Out, cfg.Resume = *out, *resume
	if cfg.Out == "" {
		cfg.Out = fmt.Sprintf("runs/textclass-%s-%s-%s", strings.TrimSuffix(baseName(cfg.Data), ".jsonl"), cfg.Model,
			time.Now().Format("20060102-150405"))
	}
	m, err := textclass.Train(ctx, cfg)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(stdout, m.Metrics)
	}
	mt := m.Metrics
	if cfg.InitFrom != "" {
		norm := "post-norm"
		if cfg.NormFirst {
			norm = "pre-norm"
		}
		if cfg.FinalNorm {
			norm += " with a final layer norm"
		}
		fmt.Fprintf(stdout, "fine-tuned from the pre-trained encoder of %s (%d layers, width %d, vocabulary %d, %s)\n",
			cfg.InitFrom, cfg.NumHiddenLayers, cfg.HiddenSize, cfg.VocabSize, norm)
	}
	fmt.Fprintf(stdout, "%s on %s: %d steps in %.1f s (%.2f steps/s, %s); %d training examples; test split of %d:\n\n%s\nrun directory: %s\n",
		cfg.Model, cfg.Data, mt.Steps, mt.TrainSeconds, mt.StepsPerSec, mt.Backend, mt.TrainExamples, mt.Test.N, mt.Test, cfg.Out)
	return nil
}

// initFlagNames turns the run.json names in textclass.ResolveInit's errors into this command's flags.
var initFlagNames = strings.NewReplacer("InitFrom (--init)", "--init", "InitFrom ", "--init ", "vocab_size ", "--vocab-size ",
	"max_length ", "--max-length ", "hidden_size ", "--hidden-size ", "num_hidden_layers ", "--num-layers ", "norm_first true", "--norm-first", "final_norm true", "--final-norm")

func baseName(p string) string {
	if i := strings.LastIndexAny(p, `/\`); i >= 0 {
		return p[i+1:]
	}
	return p
}

func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

const textclassEvalUsage = `Usage: lossbook eval [textclass] --checkpoint DIR [--json] [--export DIR]

Evaluates a text classifier's run directory on its held-out test split (the data set and split seed of its
run.json): accuracy, per-class precision, recall, F1 and support, macro and weighted F1, the confusion matrix
and the expected calibration error. --export writes train/validation/test.jsonl ({"text", "label", "class",
"ids"} a line) and classes.json, so that scripts/peer_textclass_sklearn.py and peer_textclass_torch.py train on
exactly the same split and tokens.`

func textclassEval(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("eval")
	dir := fs.String("checkpoint", "", "run directory written by lossbook train textclass (required)")
	asJSON := fs.Bool("json", false, "print the evaluation as JSON")
	export := fs.String("export", "", "also write the split with the model's token ids to this folder, for peers (scripts/peer_textclass_*.py)")
	if err := parseFlags(fs, args, textclassEvalUsage, stdout); err != nil {
		return err
	}
	if *dir == "" {
		return usagef("eval", "missing --checkpoint DIR (a run directory written by lossbook train)")
	}
	if fs.NArg() > 0 {
		return usagef("eval", "unexpected arguments %q", fs.Args())
	}
	m, err := textclass.Load(*dir)
	if err != nil {
		return err
	}
	ev, err := m.Evaluate()
	if err != nil {
		return err
	}
	if *export != "" {
		if err := m.ExportSplit(*export); err != nil {
			return err
		}
	}
	if *asJSON {
		return writeJSON(stdout, ev)
	}
	fmt.Fprintf(stdout, "%s on %s, test split of %d:\n\n%s", m.Config.Model, m.Config.Data, ev.N, ev)
	return nil
}

const textclassPredictUsage = `Usage: lossbook predict --checkpoint DIR [--jsonl] [TEXT ...]

Classifies texts with a trained text classifier. Each TEXT argument gets one line: the class, its probability
and every class's probability. With no TEXT it reads standard input, one text per line (or, with --jsonl, one
JSON object {"text": ...} per line), and writes one JSON line per input:
{"class": "spam", "probabilities": {"ham": 0.01, "spam": 0.99}}.`

func textclassPredict(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("predict")
	dir := fs.String("checkpoint", "", "run directory written by lossbook train textclass (required)")
	jsonl := fs.Bool("jsonl", false, "read JSON lines {\"text\": ...} from standard input")
	if err := parseFlags(fs, args, textclassPredictUsage, stdout); err != nil {
		return err
	}
	if *dir == "" {
		return usagef("predict", "missing --checkpoint DIR (a run directory written by lossbook train)")
	}
	if *jsonl && fs.NArg() > 0 {
		return usagef("predict", "--jsonl reads standard input; give no TEXT arguments with it")
	}
	if name, err := runTask(*dir); err != nil {
		return err
	} else if name != textclass.TaskName {
		return fmt.Errorf("%s holds a %q run; predict serves textclass runs", *dir, name)
	}
	m, err := textclass.Load(*dir)
	if err != nil {
		return err
	}
	if fs.NArg() > 0 {
		preds, err := m.Predict(fs.Args())
		if err != nil {
			return err
		}
		for _, p := range preds {
			var probs []string
			for c, name := range m.Classes {
				probs = append(probs, fmt.Sprintf("%s %.4f", name, p.Probabilities[c]))
			}
			fmt.Fprintf(stdout, "%s\t%.4f\t(%s)\n", p.Class, p.Probabilities[p.Label], strings.Join(probs, ", "))
		}
		return nil
	}
	var texts []string
	sc := bufio.NewScanner(stdin)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		if *jsonl {
			var row struct {
				Text *string `json:"text"`
			}
			if err := json.Unmarshal(sc.Bytes(), &row); err != nil || row.Text == nil {
				return fmt.Errorf("standard input line %d: want {\"text\": STRING}", line)
			}
			text = *row.Text
		}
		texts = append(texts, text)
	}
	if err := sc.Err(); err != nil {
		return err
	}
	preds, err := m.Predict(texts)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	for _, p := range preds {
		probs := map[string]float64{}
		for c, name := range m.Classes {
			probs[name] = p.Probabilities[c]
		}
		if err := enc.Encode(struct {
			Class         string             `json:"class"`
			Probabilities map[string]float64 `json:"probabilities"`
		}{p.Class, probs}); err != nil {
			return err
		}
	}
	return nil
}

// textclassCompare runs textclass.CompareLosses on seeds 1-3, balanced and with spam cut to 5%, writes each run
// as a JSON line on stderr as it ends, and prints the table of means and spreads (or every run as JSON).
func textclassCompare(ctx context.Context, cfg textclass.Config, asJSON bool, stdout, stderr io.Writer) error {
	start := time.Now()
	enc := json.NewEncoder(stderr)
	runs, sum, err := textclass.CompareLosses(ctx, cfg, textclass.CompareOptions{Seeds: []uint64{1, 2, 3},
		SpamFractions: []float64{0, 0.05}, OnRun: func(r textclass.CompareRun) { _ = enc.Encode(r) }})
	if err != nil {
		return err
	}
	if asJSON {
		return writeJSON(stdout, struct {
			Runs    []textclass.CompareRun     `json:"runs"`
			Summary []textclass.CompareSummary `json:"summary"`
		}{runs, sum})
	}
	fmt.Fprintf(stdout, "%s on %s, %d steps per run, seeds 1-3, test split; %.0f s in all\n\n", cfg.Model, cfg.Data,
		cfg.Steps, time.Since(start).Seconds())
	fmt.Fprintf(stdout, "%-20s %-6s %-9s %-18s %-18s\n", "loss", "spam", "accuracy", "spam F1 (sd)", "ECE (sd)")
	for _, s := range sum {
		frac := "all"
		if s.SpamFraction > 0 {
			frac = fmt.Sprintf("%g%%", 100*s.SpamFraction)
		}
		fmt.Fprintf(stdout, "%-20s %-6s %-9.4f %.4f (%.4f)    %.4f (%.4f)\n", s.Loss, frac, s.AccuracyMean, s.SpamF1Mean,
			s.SpamF1SD, s.ECEMean, s.ECESD)
	}
	return nil
}
