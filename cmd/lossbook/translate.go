package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/lossbook/lossbook/tasks/translate"
)

func init() {
	registerTask("translate", task{
		summary: "English to Spanish translation (KJV / Reina-Valera verses), encoder-decoder transformer",
		train:   trainTranslate,
		eval:    evalTranslate,
	})
	register("translate", command{
		summary: "translate English to Spanish with a trained model (lossbook translate --checkpoint DIR [TEXT ...])",
		run:     runTranslate,
	})
}

func trainTranslate(args []string, stdout, stderr io.Writer) error {
	def := translate.DefaultConfig()
	fs := newFlags("train translate")
	layers := fs.Int("layers", def.EncoderLayers, "encoder and decoder layers (each)")
	dim := fs.Int("dim", def.DModel, "model width d_model")
	heads := fs.Int("heads", def.Heads, "attention heads")
	vocab := fs.Int("vocab", def.VocabSize, "joint WordPiece vocabulary size")
	steps := fs.Int("steps", def.MaxSteps, "optimizer steps (max_steps)")
	minutes := fs.Float64("minutes", 0, "stop after this many minutes of training (0: no limit; the run keeps its checkpoint)")
	out := fs.String("out", "runs/translate", "run directory to write")
	resume := fs.Bool("resume", false, "continue the run in --out from its checkpoint")
	dataFile := fs.String("data", "", "tab-separated pairs REF<TAB>ENGLISH<TAB>SPANISH instead of the KJV / Reina-Valera verses")
	seed := fs.Uint64("seed", def.Seed, "seed of the initialisation, dropout and batch order, and of the data unless --data-seed is given")
	dataSeed := fs.Uint64("data-seed", 0, "seed of the split, the vocabulary and the batches, as --export writes them (0: --seed)")
	lr := fs.Float64("lr", def.LearningRate, "peak learning rate")
	warmup := fs.Int("warmup", def.WarmupSteps, "warmup steps")
	maxLen := fs.Int("max-len", def.MaxPositions, "longest source or target in tokens (max_position_embeddings); longer training pairs are left out")
	maxTokens := fs.Int("max-tokens", def.MaxTokens, "tokens per batch (rows x padded length)")
	evalSteps := fs.Int("eval-steps", def.EvalSteps, "evaluate (validation NLL and greedy BLEU) every this many steps")
	initializer := fs.String("initializer", "he", "initial weights of the linear layers: he (GoMLX's default) or torch (as PyTorch's nn.Transformer starts them, as the peer script does)")
	export := fs.String("export", "", "write the vocabulary, the training batches and the short test verses for a peer (scripts/peer_translate_torch.py) to this folder, and do not train")
	smoke := fs.Bool("smoke", os.Getenv("LOSSBOOK_SMOKE") != "", "tiny model and run (default from LOSSBOOK_SMOKE)")
	head := "Usage: lossbook train translate [flags]\n\nTrains an encoder-decoder transformer from English to Spanish on the verse pairs (split by chapter)\nwith label-smoothed cross-entropy, and writes a run directory (--out)."
	if err := parseFlags(fs, args, head, stdout); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("train translate", "unexpected arguments %q", fs.Args())
	}
	cfg := def
	if *smoke {
		cfg = translate.SmokeConfig()
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if set["layers"] || !*smoke {
		cfg.EncoderLayers, cfg.DecoderLayers = *layers, *layers
	}
	if set["dim"] || !*smoke {
		cfg.DModel, cfg.FFNDim = *dim, 4**dim
	}
	if set["heads"] || !*smoke {
		cfg.Heads = *heads
	}
	if set["vocab"] || !*smoke {
		cfg.VocabSize = *vocab
	}
	if set["steps"] || !*smoke {
		cfg.MaxSteps = *steps
	}
	if set["warmup"] || !*smoke {
		cfg.WarmupSteps = *warmup
	}
	if set["max-tokens"] || !*smoke {
		cfg.MaxTokens = *maxTokens
	}
	if set["max-len"] || !*smoke {
		cfg.MaxPositions = *maxLen
	}
	if set["eval-steps"] || !*smoke {
		cfg.EvalSteps = *evalSteps
	}
	cfg.MaxMinutes, cfg.DataFile, cfg.Seed, cfg.DataSeed, cfg.LearningRate = *minutes, *dataFile, *seed, *dataSeed, *lr
	if *initializer != "he" {
		cfg.Initializer = *initializer
	}
	if err := cfg.Validate(); err != nil {
		return usagef("train translate", "%s", strings.TrimPrefix(err.Error(), "translate: "))
	}
	if *export != "" {
		if err := translate.Export(context.Background(), cfg, *export); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s: run.json, vocab.txt, batches.jsonl, test_short.tsv\n", *export)
		return nil
	}
	if _, err := os.Stat(filepath.Join(*out, translate.CheckpointFile)); err == nil && !*resume {
		return usagef("train translate", "%s already holds a run: pass --resume to continue it, or another --out", *out)
	} else if err != nil && *resume {
		return usagef("train translate", "--resume: %s holds no checkpoint to resume", *out)
	}
	m, err := translate.Train(context.Background(), cfg, *out, translate.Options{Progress: stderr, Log: stderr})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "trained %d steps in %.1f minutes on %s (padding %.1f%% of batch positions); run directory %s\n",
		m.Metrics.Steps, m.Metrics.Minutes, m.Metrics.Backend, 100*m.Metrics.PaddingShare, *out)
	for _, e := range m.Metrics.Evals {
		fmt.Fprintf(stdout, "  step %6d  %6.1f min  eval NLL %.3f  greedy BLEU (validation, %d verses <= 30 words) %.2f\n",
			e.Step, e.Minutes, e.Loss, m.Config.EvalSentences, e.BLEU)
	}
	return nil
}

func evalTranslate(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("eval translate")
	dir := fs.String("checkpoint", "", "run directory written by lossbook train translate (required)")
	beam := fs.Int("beam", 4, "beam size for the beam-search score (1: greedy only)")
	limit := fs.Int("limit", 0, "evaluate at most this many verses of each set (0: all)")
	all := fs.Bool("all", true, "also score the held-out verses of all lengths")
	asJSON := fs.Bool("json", false, "print the scores as JSON")
	head := "Usage: lossbook eval translate --checkpoint DIR [flags]\n\nScores a translation run on its held-out test chapters: corpus BLEU (sacrebleu 13a) greedy and by beam search,\nchrF, perplexity, and the BLEU of copying the English source, on verses of at most 30 words and on all."
	if err := parseFlags(fs, args, head, stdout); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return usagef("eval translate", "unexpected arguments %q", fs.Args())
	case *dir == "":
		return usagef("eval translate", "missing --checkpoint DIR (a run directory written by lossbook train translate)")
	case *beam < 1:
		return usagef("eval translate", "--beam %d: want >= 1", *beam)
	case *limit < 0:
		return usagef("eval translate", "--limit %d: want >= 0", *limit)
	}
	m, err := translate.Load(*dir)
	if err != nil {
		return err
	}
	scores, err := m.Evaluate(context.Background(), translate.EvalOptions{Beam: *beam, Limit: *limit, All: *all, Log: stderr})
	if err != nil {
		return err
	}
	if *asJSON {
		b, _ := json.MarshalIndent(scores, "", "  ")
		fmt.Fprintln(stdout, string(b))
		return nil
	}
	for _, s := range scores {
		fmt.Fprintf(stdout, "%s (%d verses):\n", s.Name, s.Sentences)
		fmt.Fprintf(stdout, "  greedy  %s\n", s.Greedy)
		if s.Beam != "" {
			fmt.Fprintf(stdout, "  beam %d  %s\n", *beam, s.Beam)
		}
		fmt.Fprintf(stdout, "  signature %s\n", s.Signature)
		fmt.Fprintf(stdout, "  chrF (greedy) %.2f, perplexity %.2f (NLL %.3f nats per token), copy-the-source BLEU %.2f\n",
			s.CHRFGreedy, s.Perplexity, s.Loss, s.CopyBLEU)
	}
	return nil
}

func runTranslate(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("translate")
	dir := fs.String("checkpoint", "", "run directory written by lossbook train translate (required)")
	beam := fs.Int("beam", 4, "beam size (1: greedy)")
	head := "Usage: lossbook translate --checkpoint DIR [--beam N] [TEXT ...]\n\nTranslates each TEXT (or, without TEXT, each line of standard input) from English to Spanish, one line each."
	if err := parseFlags(fs, args, head, stdout); err != nil {
		return err
	}
	if *dir == "" {
		return usagef("translate", "missing --checkpoint DIR (a run directory written by lossbook train translate)")
	}
	if *beam < 1 {
		return usagef("translate", "--beam %d: want >= 1", *beam)
	}
	texts := fs.Args()
	if len(texts) == 0 {
		sc := bufio.NewScanner(stdin)
		sc.Buffer(make([]byte, 1<<16), 1<<20)
		for sc.Scan() {
			texts = append(texts, sc.Text())
		}
		if err := sc.Err(); err != nil {
			return err
		}
	}
	m, err := translate.Load(*dir)
	if err != nil {
		return err
	}
	out, err := m.Translate(texts, *beam)
	if err != nil {
		return err
	}
	for _, o := range out {
		fmt.Fprintln(stdout, o)
	}
	return nil
}
