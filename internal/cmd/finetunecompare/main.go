// Command finetunecompare runs issue 13's fine-tuning experiment (textclass.CompareFineTuning): the transformer
// classifier started from a pre-trained encoder against the same classifier from scratch (same architecture,
// vocabulary, steps and learning-rate schedule), at 10% and 100% of the training labels, seeds 1-3, on Brown
// genres (and SpamAssassin with -data brown,spamassassin). It prints each run as it ends and a table of means and
// spreads, and with -json writes a textclass.FineTuneReport. `make experiment-finetune PRETRAIN_DIR=DIR` runs it
// at full size and writes tasks/textclass/testdata/finetune.json, which notebook 05 plots; -smoke runs a tiny
// version.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"time"

	"github.com/lossbook/lossbook/lib"
	"github.com/lossbook/lossbook/tasks/textclass"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "finetunecompare:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("finetunecompare", flag.ContinueOnError)
	fs.SetOutput(stderr)
	initDir := fs.String("init", "", "pre-training run directory (lossbook pretrain --out DIR); required")
	dataSets := fs.String("data", textclass.Brown, "comma-separated data sets: brown, spamassassin, or .jsonl files")
	steps := fs.Int("steps", 400, "optimizer steps of every run (both arms, every share of the labels): 10 epochs of 10% of Brown's labels, 1 of all")
	batch := fs.Int("batch", 32, "examples per step")
	lr := fs.Float64("lr", 5e-4, "peak learning rate of AdamW (linear schedule, 10% warmup)")
	seeds := fs.String("seeds", "1,2,3", "comma-separated seeds (split, label subset, initialisation, data order)")
	fractions := fs.String("fractions", "0.1,1", "comma-separated shares of the training labels")
	smoke := fs.Bool("smoke", false, "small runs: 40 steps of 16 (also LOSSBOOK_SMOKE=1)")
	out := fs.String("json", "", "write the textclass.FineTuneReport to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *initDir == "" || fs.NArg() > 0 {
		return fmt.Errorf("usage: finetunecompare -init PRETRAIN_DIR [-data brown] [-steps N] [-json FILE]")
	}
	seedList, err := parseList(*seeds, func(s string) (uint64, error) { return strconv.ParseUint(s, 10, 64) })
	if err != nil {
		return fmt.Errorf("-seeds: %w", err)
	}
	fracList, err := parseList(*fractions, func(s string) (float64, error) { return strconv.ParseFloat(s, 64) })
	if err != nil {
		return fmt.Errorf("-fractions: %w", err)
	}
	base := textclass.TransformerConfig()
	base.Steps, base.BatchSize, base.OptimizerArgs = *steps, *batch, map[string]any{"lr": *lr}
	if *smoke || lib.Smoke() {
		base.Steps, base.BatchSize = 40, 16 // Config.Smoke's size, but the fine-tuning learning rate
	}
	base.Progress = io.Discard
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	report := &textclass.FineTuneReport{Command: "go run ./internal/cmd/finetunecompare " + strings.Join(args, " ")}
	for _, d := range strings.Split(*dataSets, ",") {
		cfg := base
		cfg.Data = d
		fmt.Fprintf(stderr, "%s: %d steps of %d per run, seeds %v, label shares %v, from %s\n", d, cfg.Steps,
			cfg.BatchSize, seedList, fracList, *initDir)
		cmp, err := textclass.CompareFineTuning(ctx, cfg, textclass.FineTuneOptions{InitFrom: *initDir, Seeds: seedList,
			TrainFractions: fracList, OnRun: func(r textclass.FineTuneRun) {
				fmt.Fprintf(stderr, "  %-10s %3.0f%% of labels (%5d), seed %d: macro-F1 %.4f, accuracy %.4f, %.2f steps/s, %.0f s\n",
					r.Init, 100*r.TrainFraction, r.TrainExamples, r.Seed, r.MacroF1, r.Accuracy, r.StepsPerSec, r.Seconds)
			}})
		if err != nil {
			return err
		}
		report.Comparisons = append(report.Comparisons, cmp)
		fmt.Fprintf(stdout, "%s, %d classes, test split of %d; %d steps of %d per run; %s; %.0f s (load average %.1f -> %.1f)\n",
			cmp.Data, cmp.Classes, cmp.TestN, cmp.Steps, cmp.BatchSize, cmp.Backend, cmp.Seconds, cmp.LoadAverage[0],
			cmp.LoadAverage[1])
		fmt.Fprintf(stdout, "%-12s %-7s %-20s %-20s\n", "init", "labels", "macro-F1 (sd)", "accuracy (sd)")
		for _, s := range cmp.Summary {
			fmt.Fprintf(stdout, "%-12s %5.0f%%  %.4f (%.4f)      %.4f (%.4f)\n", s.Init, 100*s.TrainFraction, s.MacroF1Mean,
				s.MacroF1SD, s.AccuracyMean, s.AccuracySD)
		}
		fmt.Fprintln(stdout)
	}
	report.Date = time.Now().UTC().Format(time.RFC3339)
	if *out != "" {
		return textclass.WriteFineTuneReport(*out, report)
	}
	return nil
}

func parseList[T any](s string, parse func(string) (T, error)) ([]T, error) {
	var out []T
	for _, f := range strings.Split(s, ",") {
		v, err := parse(strings.TrimSpace(f))
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}
