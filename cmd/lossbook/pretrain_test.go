package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestPretrainEval pre-trains the smoke model for a few steps on Brown, then evaluates the run directory through
// `lossbook eval`: with the run's own pair limit it gives the run's final evaluation, and with --max-eval-pairs 0
// every held-out pair.
func TestPretrainEval(t *testing.T) {
	if testing.Short() {
		t.Skip("reads the Brown corpus; skipped with -short")
	}
	t.Setenv("LOSSBOOK_SMOKE", "1")
	dir := filepath.Join(t.TempDir(), "run")
	var stdout, stderr bytes.Buffer
	if status := run([]string{"pretrain", "--steps", "4", "--out", dir, "--json"}, &stdout, &stderr); status != 0 {
		t.Fatalf("pretrain: status %d, stderr %s", status, stderr.String())
	}
	type evaluation struct {
		Step    int     `json:"step"`
		MLMLoss float64 `json:"mlm_loss"`
		NSPAcc  float64 `json:"nsp_accuracy"`
		Pairs   int     `json:"pairs"`
	}
	var trained struct {
		Final evaluation `json:"final"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &trained); err != nil || trained.Final.Pairs == 0 {
		t.Fatalf("pretrain --json: %s (%v)", stdout.String(), err)
	}
	eval := func(args ...string) evaluation {
		t.Helper()
		stdout.Reset()
		stderr.Reset()
		if status := run(append([]string{"eval", "--checkpoint", dir, "--json"}, args...), &stdout, &stderr); status != 0 {
			t.Fatalf("eval %v: status %d, stderr %s", args, status, stderr.String())
		}
		var out struct {
			Eval    evaluation `json:"eval"`
			Unigram float64    `json:"unigram_entropy"`
		}
		if err := json.Unmarshal(stdout.Bytes(), &out); err != nil || out.Unigram <= 0 {
			t.Fatalf("eval --json: %s (%v)", stdout.String(), err)
		}
		return out.Eval
	}
	if got := eval(); got.Pairs != trained.Final.Pairs || got.Step != 4 || got.MLMLoss != trained.Final.MLMLoss || got.NSPAcc != trained.Final.NSPAcc {
		t.Errorf("eval of the run: %+v, want the run's final evaluation %+v", got, trained.Final)
	}
	if all := eval("--max-eval-pairs", "0"); all.Pairs <= trained.Final.Pairs {
		t.Errorf("--max-eval-pairs 0: %d pairs, want more than the run's %d", all.Pairs, trained.Final.Pairs)
	}
	stdout.Reset()
	if status := run([]string{"eval", "pretrain", "--checkpoint", dir}, &stdout, &stderr); status != 0 ||
		!strings.Contains(stdout.String(), "held-out NSP pairs") {
		t.Errorf("eval pretrain: status %d, stdout %q", status, stdout.String())
	}
}
