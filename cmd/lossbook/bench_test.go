package main

import (
	"bytes"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestBenchSmall runs `lossbook bench -small` end to end, PyTorch side included when Debian's python3-torch is
// installed, and checks the table's rows. It checks the plumbing only: tests never judge times.
func TestBenchSmall(t *testing.T) {
	args := []string{"bench", "-small", "-rounds", "2", "-warmup", "1", "-seconds", "0.001", "-script", "../../scripts/bench_torch.py"}
	withTorch := exec.Command("/usr/bin/python3", "-c", "import torch").Run() == nil
	if !withTorch {
		t.Log("no PyTorch at /usr/bin/python3 (Debian's python3-torch): measuring lossbook only")
		args = append(args, "-notorch")
	}
	var stdout, stderr bytes.Buffer
	if status := run(args, &stdout, &stderr); status != 0 {
		t.Fatalf("lossbook %s: status %d\n%s", strings.Join(args, " "), status, stderr.String())
	}
	out := stdout.String()
	t.Log(out)
	for _, want := range []string{"\nce ", "\nbag ", "\ntransformer ", "torch/lossbook", "lossbook peak RSS"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) > 0 && slices.Contains([]string{"ce", "bag", "transformer"}, f[0]) &&
			slices.Contains(f, "yes") {
			t.Errorf("-small row %q says the target is met: toy sizes are never judged", line)
		}
	}
	if withTorch && !strings.Contains(out, "BLAS: ") {
		t.Errorf("output does not say which BLAS PyTorch loaded")
	}
}

func TestBenchErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"bench", "-workloads", "nope"}, `unknown workload "nope" (valid: [ce bag transformer])`},
		{[]string{"bench", "-rounds", "0"}, "-rounds 0 and -warmup 2 must be at least 1"},
		{[]string{"bench", "extra"}, `unexpected arguments ["extra"]`},
		{[]string{"bench", "-small", "-script", "/nonexistent.py"}, "PyTorch script /nonexistent.py not found"},
	}
	for _, tc := range tests {
		var stdout, stderr bytes.Buffer
		if status := run(tc.args, &stdout, &stderr); status == 0 || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("lossbook %s: status %d, stderr %q, want an error containing %q", strings.Join(tc.args, " "), status,
				stderr.String(), tc.want)
		}
	}
}
