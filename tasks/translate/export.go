package translate

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Export writes what a peer (scripts/peer_translate_torch.py) needs to train the same model on the same batches
// to outDir: run.json (cfg), vocab.txt (the joint vocabulary, trained on the training split as Train does),
// batches.jsonl (every training batch as Train builds it, one JSON object a line: "source", "source_mask",
// "decoder_input", "labels", rows × padded length) and test_short.tsv (the held-out test verses of at most 30
// words: English, then the Spanish reference).
func Export(ctx context.Context, cfg Config, outDir string) error {
	cfg.Task = TaskName
	if err := cfg.Validate(); err != nil {
		return err
	}
	splits, err := LoadSplits(ctx, cfg)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return fmt.Errorf("translate: %w", err)
	}
	tok, err := vocabulary(outDir, cfg, splits.Train)
	if err != nil {
		return err
	}
	ds, err := newBatchDataset(encodePairs(tok, splits.Train), tok.Special(), cfg.MaxTokens, cfg.MaxPositions, cfg.dataSeed())
	if err != nil {
		return err
	}
	if err := writeJSONAtomic(filepath.Join(outDir, RunInfoFile), cfg); err != nil {
		return err
	}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	for _, batch := range ds.batches {
		row := map[string]any{}
		for i, name := range []string{"source", "source_mask", "decoder_input", "labels"} {
			row[name] = batch[i].Value()
		}
		if err := enc.Encode(row); err != nil {
			return err
		}
	}
	if err := writeFileAtomic(filepath.Join(outDir, "batches.jsonl"), b.String()); err != nil {
		return err
	}
	b.Reset()
	for _, p := range ShortPairs(splits.Test) {
		fmt.Fprintf(&b, "%s\t%s\n", p.Source, p.Target)
	}
	return writeFileAtomic(filepath.Join(outDir, "test_short.tsv"), b.String())
}

func writeFileAtomic(path, content string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("translate: %w", err)
	}
	w := bufio.NewWriter(tmp)
	_, err = w.WriteString(content)
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		err = tmp.Chmod(0o644)
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("translate: %w", err)
	}
	return os.Rename(tmp.Name(), path)
}
