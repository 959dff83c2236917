package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"

	"github.com/lossbook/lossbook/lib/data"
	"github.com/lossbook/lossbook/tasks/retrieve"
)

func init() {
	registerTask(retrieve.TaskName, task{
		summary: "cross-lingual verse retriever (English -> Spanish), contrastive or triplet loss",
		train:   retrieveTrain,
		eval:    retrieveEval,
	})
	register("retrieve", command{
		summary: "find the Spanish verses closest to an English text with a trained retriever",
		run:     retrieveSearch,
	})
}

// retrieveErr drops the package's own prefix: run prints "lossbook <command>: " before it.
func retrieveErr(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s", strings.TrimPrefix(err.Error(), "retrieve: "))
}

const retrieveTrainHead = `Usage: lossbook train retrieve [flags]

Trains an English -> Spanish verse retriever (a transformer encoder shared by both languages, mean pooling, a
joint WordPiece vocabulary) with a contrastive or triplet loss, and writes a run directory (--out): run.json,
vocab.txt, checkpoint.bin, metrics.json. It reports recall@1, recall@10 and MRR on the held-out chapters, beside
the word-overlap and TF-IDF baselines and the untrained encoder. Run sizes follow sentence-transformers' and
Hugging Face's names; LOSSBOOK_SMOKE=1 shrinks the defaults to a run of seconds.`

func retrieveTrain(args []string, stdout, stderr io.Writer) error {
	cfg := retrieve.SizedConfig()
	fs := newFlags("train retrieve")
	fs.StringVar(&cfg.Data, "data", cfg.Data, `"verses" or a .jsonl file of {"book","chapter","verse","source","target"}`)
	fs.StringVar(&cfg.Loss, "loss", cfg.Loss, "loss by its registry name (MultipleNegativesRankingLoss, BatchHardTripletLoss, ContrastiveLoss, ...)")
	lossArgs := fs.String("loss_args", "", `the loss's keyword arguments as JSON, e.g. '{"scale": 20}'`)
	fs.StringVar(&cfg.Optimizer, "optimizer", cfg.Optimizer, "optimizer by torch's name")
	lr := fs.Float64("learning_rate", cfg.OptimizerArgs["lr"].(float64), "learning rate")
	fs.StringVar(&cfg.Schedule, "lr_scheduler_type", cfg.Schedule, "schedule: constant, linear, CosineAnnealingLR, StepLR")
	fs.IntVar(&cfg.Steps, "max_steps", cfg.Steps, "optimizer steps")
	fs.IntVar(&cfg.BatchSize, "per_device_train_batch_size", cfg.BatchSize, "translation pairs per step (in-batch negatives: one less)")
	fs.Uint64Var(&cfg.Seed, "seed", cfg.Seed, "seed of the split, the initialisation and the data order")
	fs.IntVar(&cfg.VocabSize, "vocab_size", cfg.VocabSize, "joint WordPiece vocabulary size")
	fs.IntVar(&cfg.MaxLength, "max_length", cfg.MaxLength, "tokens per verse, [CLS] and [SEP] included")
	fs.IntVar(&cfg.HiddenSize, "hidden_size", cfg.HiddenSize, "encoder width")
	fs.IntVar(&cfg.NumHiddenLayers, "num_hidden_layers", cfg.NumHiddenLayers, "encoder blocks")
	fs.IntVar(&cfg.NumAttentionHeads, "num_attention_heads", cfg.NumAttentionHeads, "attention heads")
	fs.IntVar(&cfg.IntermediateSize, "intermediate_size", cfg.IntermediateSize, "feed-forward width")
	fs.Float64Var(&cfg.Dropout, "hidden_dropout_prob", cfg.Dropout, "dropout")
	fs.IntVar(&cfg.EvalEvery, "eval_steps", cfg.EvalEvery, "steps between validation rankings (0: only at the end)")
	fs.IntVar(&cfg.EvalSize, "eval_size", cfg.EvalSize, "validation verses ranked at each evaluation (0: all)")
	fs.IntVar(&cfg.CheckpointEvery, "save_steps", cfg.CheckpointEvery, "steps between checkpoints")
	fs.StringVar(&cfg.Out, "out", "", "run directory to write (required)")
	fs.BoolVar(&cfg.Resume, "resume", false, "continue the run in --out from its checkpoint")
	cache := fs.String("cache", "", "data cache directory (default $LOSSBOOK_CACHE or the user cache)")
	asJSON := fs.Bool("json", false, "print metrics.json instead of a table")
	if err := parseFlags(fs, args, retrieveTrainHead, stdout); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("train retrieve", "unexpected arguments %q", fs.Args())
	}
	if cfg.Out == "" {
		return usagef("train retrieve", "missing --out DIR (the run directory to write)")
	}
	if *lossArgs != "" {
		if err := json.Unmarshal([]byte(*lossArgs), &cfg.LossArgs); err != nil {
			return usagef("train retrieve", "--loss_args %q: want a JSON object: %v", *lossArgs, err)
		}
	}
	cfg.OptimizerArgs = map[string]any{"lr": *lr}
	if err := cfg.Validate(); err != nil {
		return usagef("train retrieve", "%v", retrieveErr(err))
	}
	cfg.DataOptions = data.Options{CacheDir: *cache, Progress: stderr}
	cfg.Progress = stderr
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	m, err := retrieve.Train(ctx, cfg)
	if err != nil {
		return retrieveErr(err)
	}
	return printRetrieveMetrics(stdout, m.Metrics, *asJSON)
}

func printRetrieveMetrics(w io.Writer, mt *retrieve.Metrics, asJSON bool) error {
	if asJSON {
		b, err := json.MarshalIndent(mt, "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintln(w, string(b))
		return err
	}
	fmt.Fprintf(w, "%-18s %9s %9s %7s\n", "test chapters", "recall@1", "recall@10", "MRR")
	for _, row := range []struct {
		name string
		r    retrieve.Ranking
	}{{"word overlap", mt.Overlap}, {"TF-IDF", mt.TFIDF}, {"untrained encoder", mt.Untrained}, {"trained encoder", mt.Test}} {
		fmt.Fprintf(w, "%-18s %9.4f %9.4f %7.4f\n", row.name, row.r.RecallAt1, row.r.RecallAt10, row.r.MRR)
	}
	fmt.Fprintf(w, "%d English queries against %d Spanish verses; %d steps in %.0f s (%.2f steps/s, %s)\n",
		mt.Test.Queries, mt.Test.Candidates, mt.Steps, mt.TrainSeconds, mt.StepsPerSec, mt.Backend)
	return nil
}

const retrieveEvalHead = `Usage: lossbook eval retrieve --checkpoint DIR [flags]

Ranks the held-out chapters' Spanish verses for each of their English verses with the run's encoder and prints
recall@1, recall@10 and MRR, beside the baselines recorded at training time.`

func retrieveEval(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("eval retrieve")
	dir := fs.String("checkpoint", "", "run directory written by lossbook train retrieve (required)")
	cache := fs.String("cache", "", "data cache directory")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseFlags(fs, args, retrieveEvalHead, stdout); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("eval retrieve", "unexpected arguments %q", fs.Args())
	}
	if *dir == "" {
		return usagef("eval retrieve", "missing --checkpoint DIR")
	}
	m, err := retrieve.Load(*dir)
	if err != nil {
		return retrieveErr(err)
	}
	m.Config.DataOptions = data.Options{CacheDir: *cache, Progress: stderr}
	r, err := m.Evaluate(context.Background())
	if err != nil {
		return retrieveErr(err)
	}
	mt := retrieve.Metrics{Test: r}
	if m.Metrics != nil {
		mt = *m.Metrics
		mt.Test = r
	}
	return printRetrieveMetrics(stdout, &mt, *asJSON)
}

const retrieveSearchHead = `Usage: lossbook retrieve --checkpoint DIR [flags] "English text"

Embeds the text with a trained retriever and prints the k closest Spanish verses (cosine similarity), searched
among the held-out chapters (--pool test) or all verses of the data (--pool all).`

func retrieveSearch(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("retrieve")
	dir := fs.String("checkpoint", "", "run directory written by lossbook train retrieve (required)")
	k := fs.Int("k", 5, "number of verses to print")
	pool := fs.String("pool", "test", "verses searched: test (held-out chapters) or all")
	cache := fs.String("cache", "", "data cache directory")
	asJSON := fs.Bool("json", false, "print JSON: [{rank, ref, score, text}]")
	if err := parseFlags(fs, args, retrieveSearchHead, stdout); err != nil {
		return err
	}
	switch {
	case *dir == "":
		return usagef("retrieve", "missing --checkpoint DIR")
	case fs.NArg() != 1:
		return usagef("retrieve", "needs one text to search for, got %d arguments", fs.NArg())
	case *k <= 0:
		return usagef("retrieve", "-k %d must be at least 1", *k)
	case *pool != "test" && *pool != "all":
		return usagef("retrieve", "unknown --pool %q; valid: test, all", *pool)
	}
	m, err := retrieve.Load(*dir)
	if err != nil {
		return retrieveErr(err)
	}
	m.Config.DataOptions = data.Options{CacheDir: *cache, Progress: stderr}
	split, err := m.Split(context.Background())
	if err != nil {
		return retrieveErr(err)
	}
	pairs := split.Test
	if *pool == "all" {
		pairs = append(append(append(pairs[:0:0], split.Train...), split.Validation...), split.Test...)
	}
	texts := make([]string, len(pairs))
	for i, p := range pairs {
		texts[i] = p.Target
	}
	hits, err := m.Search(fs.Arg(0), texts, *k)
	if err != nil {
		return retrieveErr(err)
	}
	type row struct {
		Rank  int     `json:"rank"`
		Ref   string  `json:"ref"`
		Score float64 `json:"score"`
		Text  string  `json:"text"`
	}
	rows := make([]row, len(hits))
	for i, h := range hits {
		rows[i] = row{i + 1, pairs[h.Index].Ref.String(), h.Score, h.Text}
	}
	if *asJSON {
		b, err := json.MarshalIndent(rows, "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintln(stdout, string(b))
		return err
	}
	for _, r := range rows {
		fmt.Fprintf(stdout, "%2d  %.4f  %-14s %s\n", r.Rank, r.Score, r.Ref, r.Text)
	}
	return nil
}
