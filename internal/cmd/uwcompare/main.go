// Command uwcompare runs issue 16's loss-weighting experiment: BERT pre-training on Brown (tasks/pretrain) twice,
// with the fixed objective MLM + NSP and with Kendall et al.'s uncertainty weighting, on the same steps, seed,
// data and schedule (pretrain.CompareLossWeighting). It prints the held-out numbers of both runs at every
// evaluation and the learned weights; with -json it writes them all (tasks/pretrain/testdata/loss_weighting.json
// is its committed output, which notebook 08 plots). `make experiment-loss-weighting` runs it at full size:
//
//	go run ./internal/cmd/uwcompare -json tasks/pretrain/testdata/loss_weighting.json
//
// The full size is 1,000 steps of a pre-norm 4-layer encoder of width 128 (4 heads) at a peak learning rate of 2e-3 per
// run; -smoke (or LOSSBOOK_SMOKE=1) starts from pretrain.SmokeConfig instead (seconds). Flags given explicitly
// override either.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"strings"

	"github.com/lossbook/lossbook/lib"
	"github.com/lossbook/lossbook/tasks/pretrain"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if err == flag.ErrHelp {
			return
		}
		fmt.Fprintln(os.Stderr, "uwcompare:", err)
		os.Exit(1)
	}
}

// Config returns the comparison's configuration: the full one (pretrain.DefaultConfig with 1,000 steps, warmup
// over a tenth, of a pre-norm 4-layer encoder of width 128 with 4 heads at lr 2e-3, evaluated every 100 steps) or, with
// smoke, pretrain.SmokeConfig; both with no time budget, so that the runs take the same steps.
func Config(smoke bool) pretrain.Config {
	if smoke {
		c := pretrain.SmokeConfig()
		c.OutputDir = ""
		return c
	}
	c := pretrain.DefaultConfig()
	c.NumHiddenLayers, c.HiddenSize, c.NumAttentionHeads, c.LearningRate, c.NormFirst = 4, 128, 4, 2e-3, true
	c.MaxSteps, c.WarmupSteps, c.EvalSteps, c.Minutes, c.OutputDir = 1000, 100, 100, 0, ""
	c.MaxSeqLength, c.SegmentTokens, c.DupeFactor = 64, 0, 1 // the single-sentence pairs its committed runs used
	return c
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("uwcompare", flag.ContinueOnError)
	fs.SetOutput(stderr)
	smoke := fs.Bool("smoke", lib.Smoke(), "start from the smoke configuration (seconds; as LOSSBOOK_SMOKE=1)")
	full := Config(false)
	steps := fs.Int("steps", full.MaxSteps, "optimizer steps of each run (max_steps)")
	warmup := fs.Int("warmup", 0, "linear warmup steps (0: a tenth of --steps)")
	layers := fs.Int("layers", full.NumHiddenLayers, "encoder layers (num_hidden_layers)")
	dim := fs.Int("dim", full.HiddenSize, "model width (hidden_size)")
	heads := fs.Int("heads", full.NumAttentionHeads, "attention heads (num_attention_heads)")
	lr := fs.Float64("lr", full.LearningRate, "peak learning rate (learning_rate), of the model and the log-variances")
	normFirst := fs.Bool("norm-first", full.NormFirst, "layer norm before each sub-block (pre-norm, PyTorch's norm_first), and one after the last block")
	batch := fs.Int("batch", full.BatchSize, "pairs per batch (per_device_train_batch_size)")
	evalSteps := fs.Int("eval-steps", full.EvalSteps, "evaluate on the held-out pairs every N steps (eval_steps)")
	seed := fs.Uint64("seed", full.Seed, "seed of the split, pairs, masking, data order and initialisation")
	out := fs.String("out", "", "folder for the two run directories (fixed/, uncertainty/); empty: a new temporary folder")
	jsonPath := fs.String("json", "", "write the comparison as JSON to this file (e.g. tasks/pretrain/testdata/loss_weighting.json)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: uwcompare [--steps N] [--layers N --dim N --heads N] [--lr X] [--smoke] [--json FILE]\n\n"+
			"Pre-trains the same BERT twice on Brown, with the fixed sum MLM + NSP and with learned uncertainty weights,\n"+
			"on the same steps, seed, data and schedule, and compares their held-out numbers.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	cfg := Config(*smoke)
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	// At full size every flag applies (its default is the full configuration's); with -smoke only those given.
	apply := func(name string) bool { return set[name] || !*smoke }
	for name, f := range map[string]func(){
		"steps": func() { cfg.MaxSteps = *steps }, "layers": func() { cfg.NumHiddenLayers = *layers },
		"dim": func() { cfg.HiddenSize = *dim }, "heads": func() { cfg.NumAttentionHeads = *heads },
		"lr": func() { cfg.LearningRate = *lr }, "batch": func() { cfg.BatchSize = *batch },
		"eval-steps": func() { cfg.EvalSteps = *evalSteps }, "seed": func() { cfg.Seed = *seed },
		"norm-first": func() { cfg.NormFirst, cfg.FinalNorm = *normFirst, *normFirst },
	} {
		if apply(name) {
			f()
		}
	}
	switch {
	case *warmup > 0:
		cfg.WarmupSteps = *warmup
	case apply("steps"):
		cfg.WarmupSteps = max(1, cfg.MaxSteps/10)
	}
	cfg.SaveSteps = max(cfg.EvalSteps, cfg.MaxSteps/4)
	cfg.LossWeighting, cfg.OutputDir = pretrain.FixedWeighting, *out
	if cfg.OutputDir == "" {
		cfg.OutputDir = os.TempDir() // checked here; the runs go to a new folder in it
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	if *out == "" {
		dir, err := os.MkdirTemp("", "lossbook-uwcompare-")
		if err != nil {
			return err
		}
		cfg.OutputDir = dir
	}
	cfg.Progress = stderr
	fmt.Fprintf(stderr, "uwcompare: two runs of %d steps (%d layers, width %d, %d heads, lr %g) into %s\n",
		cfg.MaxSteps, cfg.NumHiddenLayers, cfg.HiddenSize, cfg.NumAttentionHeads, cfg.LearningRate, cfg.OutputDir)
	cmp, err := pretrain.CompareLossWeighting(context.Background(), cfg)
	if err != nil {
		return err
	}
	cmp.Command = "go run ./internal/cmd/uwcompare " + strings.Join(args, " ")
	report(stdout, cmp)
	if *jsonPath != "" {
		if err := pretrain.WriteWeightingComparison(*jsonPath, cmp); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s\n", *jsonPath)
	}
	return nil
}

// report prints both runs side by side at every evaluation, and their final numbers and times.
func report(w io.Writer, cmp *pretrain.WeightingComparison) {
	fixed, unc := cmp.Run(pretrain.FixedWeighting), cmp.Run(pretrain.UncertaintyWeighting)
	fmt.Fprintf(w, "backend %s; %d training and %d held-out pairs; unigram entropy %.3f nats\n",
		cmp.Backend, cmp.TrainPairs, cmp.EvalPairs, cmp.UnigramEntropy)
	fmt.Fprintf(w, "%6s  %-23s  %-23s  %-23s  %s\n", "", "held-out masked CE", "masked-token accuracy", "NSP accuracy",
		"learned weights")
	fmt.Fprintf(w, "%6s  %11s %11s  %11s %11s  %11s %11s  %8s %8s\n", "step", "fixed", "uncertainty", "fixed",
		"uncertainty", "fixed", "uncertainty", "MLM", "NSP")
	for i := range min(len(fixed.Evals), len(unc.Evals)) {
		f, u := fixed.Evals[i], unc.Evals[i]
		wm, wn := math.NaN(), math.NaN()
		if len(u.LossWeights) == 2 {
			wm, wn = u.LossWeights[0], u.LossWeights[1]
		}
		fmt.Fprintf(w, "%6d  %11.4f %11.4f  %11.4f %11.4f  %11.4f %11.4f  %8.4f %8.4f\n", f.Step, f.MLMLoss, u.MLMLoss,
			f.MLMAccuracy, u.MLMAccuracy, f.NSPAccuracy, u.NSPAccuracy, wm, wn)
	}
	for _, r := range cmp.Runs {
		fmt.Fprintf(w, "%-11s final (step %d): masked CE %.4f (perplexity %.1f), MLM accuracy %.4f, NSP accuracy %.4f; "+
			"%.0f s (%.2f steps/s; load average %.1f at start, %.1f at end)\n", r.LossWeighting, r.Final.Step,
			r.Final.MLMLoss, r.Final.MLMPerplexity, r.Final.MLMAccuracy, r.Final.NSPAccuracy, r.Seconds,
			r.StepsPerSecond, r.LoadAverage[0], r.LoadAverage[1])
	}
	fmt.Fprintf(w, "total %.0f s\n", cmp.Seconds)
}
