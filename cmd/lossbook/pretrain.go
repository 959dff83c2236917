package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/lossbook/lossbook/lib/data"
	"github.com/lossbook/lossbook/tasks/pretrain"
)

const pretrainHead = `Usage: lossbook pretrain [--corpus brown] [--vocab N] [--layers N] [--dim N] [--heads N] [--seq N]
                         [--segment-tokens N] [--dupe-factor N] [--initializer he|bert|torch] [--steps N | --minutes M]
                         [--loss-weighting fixed|uncertainty] [--out DIR] [--resume]
                         [flags]

Pre-trains a tiny BERT with masked language modelling and next-sentence prediction (loss = MLM + NSP) on the
Brown corpus, split by document: a WordPiece vocabulary trained on the training documents, NSP pairs from
consecutive sentences of a document (half with a random sentence of another document; with --segment-tokens N,
runs of whole sentences of up to N tokens, packed as BERT packs its segments; with --dupe-factor N, the training
documents paired N times with fresh random segments), 15% of the tokens
masked, AdamW with linear warmup and decay (no weight decay on biases and norms), gradient clipping. It writes
the run directory --out (run.json, vocab.txt, checkpoint.bin, metrics.json), checkpointing as it goes; --resume
continues an interrupted run from its checkpoint. It prints the held-out masked-token cross-entropy, perplexity
and accuracy, the held-out NSP accuracy, and beside them the unigram entropy of the training tokens (the
cross-entropy of a model that ignores context). --loss-weighting uncertainty replaces the sum by Kendall et
al.'s uncertainty weighting, exp(-s1)·MLM + exp(-s2)·NSP + (s1 + s2)/2 with learned log-variances s (held-out
numbers stay unweighted; the weights are logged at each evaluation in metrics.json). With LOSSBOOK_SMOKE=1 the
defaults are a run of seconds. lossbook eval pretrain --checkpoint DIR evaluates a run directory again, on every
held-out pair with --max-eval-pairs 0.`

func init() {
	register("pretrain", command{
		summary: "pre-train a tiny BERT (MLM + NSP) on Brown and write a run directory (see -h)",
		run:     runPretrain,
	})
	registerTask("pretrain", task{
		summary: "pre-training a tiny BERT (MLM + NSP) on Brown: the same as lossbook pretrain",
		train:   runPretrain,
		eval:    pretrainEval,
	})
}

const pretrainEvalHead = `Usage: lossbook eval pretrain --checkpoint DIR [--max-eval-pairs N] [--json]

Evaluates a pre-training run directory (lossbook pretrain --out DIR) on its held-out documents, paired and masked
as the run did it: masked-token cross-entropy, perplexity and accuracy beside the unigram entropy of the training
tokens, and NSP accuracy and loss. The run evaluated the first --max-eval-pairs held-out pairs as it trained (512
by default); --max-eval-pairs 0 takes every held-out pair, for a tighter number.`

func pretrainEval(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("eval pretrain")
	dir := fs.String("checkpoint", "", "run directory written by lossbook pretrain (required)")
	maxPairs := fs.Int("max-eval-pairs", -1, "held-out NSP pairs evaluated (max_eval_pairs): 0 for all; -1 for the run's own setting")
	asJSON := fs.Bool("json", false, "print the evaluation and the unigram entropy as JSON on stdout")
	if err := parseFlags(fs, args, pretrainEvalHead, stdout); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("eval pretrain", "unexpected arguments %q", fs.Args())
	}
	if *dir == "" {
		return usagef("eval pretrain", "missing --checkpoint DIR")
	}
	if *maxPairs < -1 {
		return usagef("eval pretrain", "--max-eval-pairs %d: want 0 (all), a positive number, or -1 (the run's own)", *maxPairs)
	}
	m, err := pretrain.Load(*dir)
	if err != nil {
		return pretrainErr(err)
	}
	if *maxPairs >= 0 {
		m.Config.MaxEvalPairs = *maxPairs
	}
	e, err := m.EvaluateHeldOut(context.Background(), data.Options{Progress: stderr})
	if err != nil {
		return pretrainErr(err)
	}
	unigram := 0.0
	if m.Metrics != nil {
		unigram = m.Metrics.UnigramEntropy
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(map[string]any{"eval": e, "unigram_entropy": unigram, "dir": m.Dir})
	}
	printPretrainEval(stdout, e, unigram)
	return nil
}

// pretrainErr drops the package's own prefix: run prints "lossbook <command>: " before it.
func pretrainErr(err error) error {
	return errors.New(strings.TrimPrefix(err.Error(), "pretrain: "))
}

// printPretrainEval prints a held-out evaluation beside the unigram baseline.
func printPretrainEval(w io.Writer, e pretrain.Eval, unigram float64) {
	fmt.Fprintf(w, "held-out masked tokens (%d): cross-entropy %.3f nats (perplexity %.1f), accuracy %.3f\n",
		e.MaskedTokens, e.MLMLoss, e.MLMPerplexity, e.MLMAccuracy)
	fmt.Fprintf(w, "unigram entropy of the training tokens: %.3f nats (cross-entropy below it by %.3f nats)\n",
		unigram, unigram-e.MLMLoss)
	fmt.Fprintf(w, "held-out NSP pairs (%d): accuracy %.3f, loss %.3f\n", e.Pairs, e.NSPAccuracy, e.NSPLoss)
}

func runPretrain(args []string, stdout, stderr io.Writer) error {
	cfg := pretrain.ConfigFromEnv()
	fs := newFlags("pretrain")
	fs.StringVar(&cfg.Corpus, "corpus", cfg.Corpus, "corpus: brown")
	fs.IntVar(&cfg.VocabSize, "vocab", cfg.VocabSize, "WordPiece vocabulary size (vocab_size), special tokens included")
	fs.IntVar(&cfg.NumHiddenLayers, "layers", cfg.NumHiddenLayers, "encoder layers (num_hidden_layers)")
	fs.IntVar(&cfg.HiddenSize, "dim", cfg.HiddenSize, "model width (hidden_size)")
	fs.IntVar(&cfg.NumAttentionHeads, "heads", cfg.NumAttentionHeads, "attention heads (num_attention_heads)")
	fs.IntVar(&cfg.MaxSeqLength, "seq", cfg.MaxSeqLength, "tokens per sentence pair, special tokens included (max_seq_length)")
	fs.IntVar(&cfg.SegmentTokens, "segment-tokens", cfg.SegmentTokens, "pack consecutive sentences into NSP segments of at most this many tokens, as BERT does (0: one sentence a segment; (seq-3)/2 fills a pair)")
	fs.IntVar(&cfg.DupeFactor, "dupe-factor", cfg.DupeFactor, "pair the training segments this many times, each with fresh random next segments, as BERT's dupe_factor (0 or 1: once)")
	fs.StringVar(&cfg.Initializer, "initializer", "he", "initial weights of the linear layers: he (GoMLX's default), bert (truncated normal of std --initializer-range, zero biases: BERT's) or torch (as PyTorch's nn.Linear and nn.MultiheadAttention)")
	fs.Float64Var(&cfg.InitializerRange, "initializer-range", 0.02, "the bert initializer's standard deviation (initializer_range)")
	fs.IntVar(&cfg.BatchSize, "batch", cfg.BatchSize, "pairs per batch (per_device_train_batch_size)")
	fs.IntVar(&cfg.MaxSteps, "steps", cfg.MaxSteps, "optimizer steps (max_steps); ignored with --minutes")
	fs.Float64Var(&cfg.Minutes, "minutes", cfg.Minutes, "train for about this many minutes, sizing --steps to fit (0: use --steps)")
	fs.Float64Var(&cfg.LearningRate, "lr", cfg.LearningRate, "peak learning rate (learning_rate)")
	fs.IntVar(&cfg.WarmupSteps, "warmup", cfg.WarmupSteps, "linear warmup steps (warmup_steps)")
	fs.IntVar(&cfg.EvalSteps, "eval-steps", cfg.EvalSteps, "evaluate on the held-out pairs every N steps (eval_steps)")
	fs.Uint64Var(&cfg.Seed, "seed", cfg.Seed, "seed of the split, pairs, masking, data order and initialisation")
	fs.StringVar(&cfg.LossWeighting, "loss-weighting", cfg.LossWeighting,
		"objective: fixed (MLM + NSP) or uncertainty (learned log-variances, Kendall et al. 2018) (loss_weighting)")
	fs.BoolVar(&cfg.NormFirst, "norm-first", cfg.NormFirst, "layer norm before each sub-block (pre-norm, PyTorch's norm_first); --norm-first=false gives BERT's post-norm, which stays at the unigram plateau far longer")
	fs.BoolVar(&cfg.FinalNorm, "final-norm", cfg.FinalNorm, "a layer norm after the last block (PyTorch: nn.TransformerEncoder's norm), which a pre-norm encoder needs; default: --norm-first's value")
	fs.BoolVar(&cfg.DenseMLMHead, "dense-head", false, "project every position to the vocabulary (slower; the sparse head gives the same loss)")
	fs.StringVar(&cfg.OutputDir, "out", cfg.OutputDir, "run directory")
	fs.BoolVar(&cfg.Resume, "resume", false, "continue the run in --out from its checkpoint")
	asJSON := fs.Bool("json", false, "print metrics.json's final evaluation and baseline as JSON on stdout")
	if err := parseFlags(fs, args, pretrainHead, stdout); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("pretrain", "unexpected arguments %q", fs.Args())
	}
	if w := cfg.LossWeighting; w != pretrain.FixedWeighting && w != pretrain.UncertaintyWeighting {
		return usagef("pretrain", "--loss-weighting %q: want one of %s", w, strings.Join(pretrain.LossWeightings(), ", "))
	}
	if cfg.Minutes < 0 || math.IsNaN(cfg.Minutes) || math.IsInf(cfg.Minutes, 0) {
		return usagef("pretrain", "--minutes %g: want a positive, finite number of minutes", cfg.Minutes)
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if set["norm-first"] && !set["final-norm"] {
		cfg.FinalNorm = cfg.NormFirst // post-norm ends with a layer norm already: BERT has none after it
	}
	stepsSet := set["steps"]
	if stepsSet && cfg.Minutes > 0 {
		if set["minutes"] {
			return usagef("pretrain", "give --steps or --minutes, not both")
		}
		cfg.Minutes = 0 // --steps alone replaces the default time budget
	}
	if !cfg.Resume {
		if err := cfg.Validate(); err != nil {
			return usagef("pretrain", "%s", strings.TrimPrefix(err.Error(), "pretrain: "))
		}
	}
	cfg.Progress = stderr
	m, err := pretrain.Train(context.Background(), cfg)
	if err != nil {
		return pretrainErr(err)
	}
	f := m.Metrics.Final
	if *asJSON {
		return json.NewEncoder(stdout).Encode(map[string]any{"final": f, "unigram_entropy": m.Metrics.UnigramEntropy,
			"steps": m.Metrics.Steps, "seconds": m.Metrics.Seconds, "dir": m.Dir})
	}
	fmt.Fprintf(stdout, "run directory %s: %d steps in %.0f s (%.2f steps/s; load average %.2f at start, %.2f at end)\n",
		m.Dir, m.Metrics.Steps, m.Metrics.Seconds, m.Metrics.StepsPerSecond, m.Metrics.LoadAverage[0], m.Metrics.LoadAverage[1])
	printPretrainEval(stdout, f, m.Metrics.UnigramEntropy)
	if len(f.LossWeights) == 2 {
		fmt.Fprintf(stdout, "learned loss weights exp(-s): MLM %.4f, NSP %.4f (log-variances s %.4f, %.4f)\n",
			f.LossWeights[0], f.LossWeights[1], f.LogVariances[0], f.LogVariances[1])
	}
	return nil
}
