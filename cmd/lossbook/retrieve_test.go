package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestRetrieveCommands trains a tiny retriever on the task's fixture, then evaluates it and searches with it.
func TestRetrieveCommands(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run")
	fixture := filepath.Join("..", "..", "tasks", "retrieve", "testdata", "verses.jsonl")
	train := []string{"train", "retrieve", "--data", fixture, "--out", out, "--max_steps", "4",
		"--per_device_train_batch_size", "8", "--vocab_size", "300", "--max_length", "24", "--hidden_size", "16",
		"--num_hidden_layers", "1", "--num_attention_heads", "2", "--intermediate_size", "32", "--eval_steps", "0",
		"--save_steps", "0", "--loss", "BatchSemiHardTripletLoss", "--loss_args", `{"distance_metric": "cosine", "margin": 0.2}`}
	var stdout, stderr bytes.Buffer
	if status := run(train, &stdout, &stderr); status != 0 {
		t.Fatalf("train: status %d, stderr %s", status, stderr.String())
	}
	for _, want := range []string{"TF-IDF", "untrained encoder", "trained encoder", "4 steps"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("train output lacks %q:\n%s", want, stdout.String())
		}
	}
	stdout.Reset()
	if status := run([]string{"eval", "--checkpoint", out, "--json"}, &stdout, &stderr); status != 0 {
		t.Fatalf("eval: status %d, stderr %s", status, stderr.String())
	}
	var mt struct {
		Test struct {
			Queries int     `json:"queries"`
			MRR     float64 `json:"mrr"`
		} `json:"test"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &mt); err != nil || mt.Test.Queries < 2 || mt.Test.MRR <= 0 {
		t.Fatalf("eval --json: %v %+v\n%s", err, mt, stdout.String())
	}
	stdout.Reset()
	if status := run([]string{"retrieve", "--checkpoint", out, "-k", "3", "--json", "God said"}, &stdout, &stderr); status != 0 {
		t.Fatalf("retrieve: status %d, stderr %s", status, stderr.String())
	}
	var hits []struct {
		Rank  int     `json:"rank"`
		Ref   string  `json:"ref"`
		Score float64 `json:"score"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &hits); err != nil || len(hits) != 3 || hits[0].Score < hits[2].Score ||
		hits[0].Ref == "" {
		t.Fatalf("retrieve --json: %v %+v\n%s", err, hits, stdout.String())
	}
}
