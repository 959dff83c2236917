package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lossbook/lossbook/tasks/pretrain"
)

// TestTextclassInit pre-trains a tiny BERT on the texts of textclass's fixture, then fine-tunes it with
// train textclass --init on a quarter of the labels; eval and predict serve the fine-tuned run without the
// pre-training run, and an explicit setting that differs from the encoder's is a usage error.
func TestTextclassInit(t *testing.T) {
	tiny := filepath.Join("..", "..", "tasks", "textclass", "testdata", "tiny.jsonl")
	f, err := os.Open(tiny)
	if err != nil {
		t.Fatal(err)
	}
	var docs [][]string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var row struct{ Text string }
		if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
			t.Fatal(err)
		}
		w := strings.Fields(row.Text)
		docs = append(docs, []string{strings.Join(w[:len(w)/2], " "), strings.Join(w[len(w)/2:], " ")})
	}
	f.Close()
	pre := filepath.Join(t.TempDir(), "pretrain")
	c := pretrain.SmokeConfig()
	c.VocabSize, c.HiddenSize, c.NumAttentionHeads, c.NumHiddenLayers, c.MaxSeqLength = 200, 16, 2, 1, 32
	c.BatchSize, c.MaxSteps, c.WarmupSteps, c.EvalSteps, c.SaveSteps, c.MaxEvalPairs = 8, 4, 1, 4, 4, 20
	c.OutputDir, c.Progress = pre, io.Discard
	if _, err := pretrain.Train(context.Background(), c, pretrain.WithCorpus(&pretrain.Corpus{Train: docs[:100], Eval: docs[100:]})); err != nil {
		t.Fatal(err)
	}

	var stdout, stderr bytes.Buffer
	args := []string{"train", "textclass", "--data", tiny, "--init", pre, "--num-layers", "2"}
	if status := run(args, &stdout, &stderr); status != 2 ||
		!strings.Contains(stderr.String(), "train textclass: --num-layers 2 conflicts with the pre-trained encoder's 1") {
		t.Errorf("--init with another --num-layers: status %d, stderr %q; want 2 and the conflict", status, stderr.String())
	}

	out := filepath.Join(t.TempDir(), "run")
	got := runOK(t, "train", "textclass", "--data", tiny, "--init", pre, "--train-fraction", "0.25", "--steps", "5",
		"--batch", "8", "--out", out)
	for _, want := range []string{"fine-tuned from the pre-trained encoder of " + pre + " (1 layers, width 16", ", pre-norm with a final layer norm)\n", "transformer on",
		"24 training examples", "run directory: " + out} {
		if !strings.Contains(got, want) {
			t.Errorf("train --init output lacks %q:\n%s", want, got)
		}
	}
	if err := os.RemoveAll(pre); err != nil {
		t.Fatal(err)
	}
	if text := runOK(t, "eval", "--checkpoint", out); !strings.Contains(text, "transformer on") || !strings.Contains(text, "test split of 12") {
		t.Errorf("eval of the fine-tuned run: %q", text)
	}
	if lines := runOK(t, "predict", "--checkpoint", out, "free money click now"); !strings.Contains(lines, "spam ") {
		t.Errorf("predict with the fine-tuned run: %q", lines)
	}
}
