package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTranslateCommands trains the smoke model on the test fixture, then translates (arguments and standard
// input) and evaluates through the command line; a second train into the same directory needs --resume.
func TestTranslateCommands(t *testing.T) {
	t.Setenv("LOSSBOOK_SMOKE", "1")
	dir := filepath.Join(t.TempDir(), "run")
	fixture := "../../tasks/translate/testdata/pairs.tsv"
	var stdout, stderr bytes.Buffer
	if status := run([]string{"train", "translate", "--data", fixture, "--vocab", "80", "--steps", "10", "--out", dir}, &stdout, &stderr); status != 0 {
		t.Fatalf("train: status %d, stderr %s", status, stderr.String())
	}
	if !strings.Contains(stdout.String(), "trained 10 steps") {
		t.Errorf("train: stdout %q", stdout.String())
	}
	b, err := os.ReadFile(filepath.Join(dir, RunInfoFile))
	if err != nil {
		t.Fatal(err)
	}
	var info map[string]any
	if err := json.Unmarshal(b, &info); err != nil || info["task"] != "translate" {
		t.Fatalf("run.json: %s (%v)", b, err)
	}
	stdout.Reset()
	stderr.Reset()
	if status := run([]string{"train", "translate", "--data", fixture, "--out", dir}, &stdout, &stderr); status != 2 ||
		!strings.Contains(stderr.String(), "pass --resume") {
		t.Errorf("second train without --resume: status %d, stderr %q", status, stderr.String())
	}
	stdout.Reset()
	if status := run([]string{"translate", "--checkpoint", dir, "--beam", "1", "The man sees the dog.", "The king hears the son."}, &stdout, &stderr); status != 0 {
		t.Fatalf("translate: status %d, stderr %s", status, stderr.String())
	}
	if n := strings.Count(stdout.String(), "\n"); n != 2 {
		t.Errorf("translate: %d lines, want 2: %q", n, stdout.String())
	}
	stdout.Reset()
	stdin = strings.NewReader("The dog loves the man.\nThe son calls the king.\nThe people hears the servant.\n")
	defer func() { stdin = os.Stdin }()
	if status := run([]string{"translate", "--checkpoint", dir, "--beam", "2"}, &stdout, &stderr); status != 0 {
		t.Fatalf("translate from stdin: status %d, stderr %s", status, stderr.String())
	}
	if n := strings.Count(stdout.String(), "\n"); n != 3 {
		t.Errorf("translate from stdin: %d lines, want 3: %q", n, stdout.String())
	}
	stdout.Reset()
	if status := run([]string{"eval", "--checkpoint", dir, "--beam", "2"}, &stdout, &stderr); status != 0 {
		t.Fatalf("eval: status %d, stderr %s", status, stderr.String())
	}
	for _, want := range []string{"test, <= 30 words", "test, all", "greedy  BLEU = ", "beam 2  BLEU = ", "signature nrefs:1|case:mixed|eff:no|tok:13a", "copy-the-source BLEU", "perplexity"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("eval: stdout lacks %q:\n%s", want, stdout.String())
		}
	}
}
