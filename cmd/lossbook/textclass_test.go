package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// tinyTrainArgs train the bag model for 30 steps on tasks/textclass's fixture of 120 made-up mails.
func tinyTrainArgs(out string, extra ...string) []string {
	args := []string{"train", "textclass", "--data", filepath.Join("..", "..", "tasks", "textclass", "testdata", "tiny.jsonl"),
		"--steps", "30", "--batch", "16", "--vocab-size", "100", "--max-length", "24", "--opt-arg", "lr=0.02",
		"--out", out}
	return append(args, extra...)
}

func runOK(t *testing.T, args ...string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if status := run(args, &stdout, &stderr); status != 0 {
		t.Fatalf("lossbook %s: status %d, stderr %q", strings.Join(args, " "), status, stderr.String())
	}
	return stdout.String()
}

func TestTextclassTrainEvalPredict(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run")
	got := runOK(t, tinyTrainArgs(out)...)
	for _, want := range []string{"bag on", "30 steps", "accuracy", "macro avg", "confusion matrix", "run directory: " + out} {
		if !strings.Contains(got, want) {
			t.Errorf("train output lacks %q:\n%s", want, got)
		}
	}
	var ev struct {
		N         int     `json:"n"`
		Accuracy  float64 `json:"accuracy"`
		Confusion [][]int `json:"confusion_matrix"`
		Classes   []struct {
			Class   string `json:"class"`
			Support int    `json:"support"`
		} `json:"classes"`
	}
	if err := json.Unmarshal([]byte(runOK(t, "eval", "--checkpoint", out, "--json")), &ev); err != nil {
		t.Fatal(err)
	}
	if ev.N != 12 || len(ev.Confusion) != 2 || ev.Classes[1].Class != "spam" || ev.Accuracy < 0.9 {
		t.Errorf("eval --json = %+v, want 12 test mails, 2 classes, accuracy >= 0.9", ev)
	}
	if text := runOK(t, "eval", "textclass", "--checkpoint", out); !strings.Contains(text, "weighted avg") {
		t.Errorf("eval textclass: %q lacks the report", text)
	}
	lines := runOK(t, "predict", "--checkpoint", out, "free money click now", "meeting tomorrow review the patch")
	if rows := strings.Split(strings.TrimSpace(lines), "\n"); len(rows) != 2 || !strings.HasPrefix(rows[0], "spam\t") ||
		!strings.HasPrefix(rows[1], "ham\t") {
		t.Errorf("predict TEXT TEXT = %q, want a spam line then a ham line", lines)
	}
	for _, tc := range []struct {
		input string
		flags []string
	}{
		{"free money click now\nmeeting tomorrow review the patch\n", nil},
		{`{"text": "free money click now"}` + "\n" + `{"text": "meeting tomorrow review the patch"}` + "\n", []string{"--jsonl"}},
	} {
		stdin = strings.NewReader(tc.input)
		got := runOK(t, append([]string{"predict", "--checkpoint", out}, tc.flags...)...)
		stdin = nil
		var classes []string
		for _, line := range strings.Split(strings.TrimSpace(got), "\n") {
			var p struct {
				Class         string             `json:"class"`
				Probabilities map[string]float64 `json:"probabilities"`
			}
			if err := json.Unmarshal([]byte(line), &p); err != nil || len(p.Probabilities) != 2 {
				t.Fatalf("predict %v: line %q is not {class, probabilities}", tc.flags, line)
			}
			classes = append(classes, p.Class)
		}
		if strings.Join(classes, ",") != "spam,ham" {
			t.Errorf("predict %v from stdin: classes %v, want spam, ham", tc.flags, classes)
		}
	}
}

func TestTextclassResume(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run")
	runOK(t, tinyTrainArgs(out, "--steps", "10")...)
	var stdout, stderr bytes.Buffer
	if status := run(tinyTrainArgs(out), &stdout, &stderr); status != 1 || !strings.Contains(stderr.String(), "not empty") {
		t.Errorf("training into a used --out: status %d, stderr %q; want 1 and 'not empty'", status, stderr.String())
	}
	got := runOK(t, tinyTrainArgs(out, "--resume", "--json")...)
	var m struct {
		Steps int `json:"steps"`
	}
	if err := json.Unmarshal([]byte(got), &m); err != nil || m.Steps != 30 {
		t.Errorf("resumed run: metrics %q, want 30 steps", got)
	}
}
