package lib

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	. "github.com/gomlx/gomlx/pkg/core/graph"
)

func TestChoose(t *testing.T) {
	tests := []struct {
		name, env  string
		wantConfig string
		wantReason string
	}{
		{name: "explicit", env: "go:ops_sequential", wantConfig: "go:ops_sequential", wantReason: "GOMLX_BACKEND is set"},
		{name: "explicit xla", env: "xla:cpu", wantConfig: "xla:cpu", wantReason: "GOMLX_BACKEND is set"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(EnvBackend, tc.env)
			got, err := Choose()
			if err != nil {
				t.Fatal(err)
			}
			if got.Config != tc.wantConfig || got.Reason != tc.wantReason {
				t.Errorf("Choose() = %+v, want config %q reason %q", got, tc.wantConfig, tc.wantReason)
			}
		})
	}
	t.Run("default without plugin", func(t *testing.T) {
		os.Unsetenv(EnvBackend) // t.Setenv above restored it; make sure it is unset here.
		t.Setenv("PJRT_PLUGIN_LIBRARY_PATH", t.TempDir())
		if installedPJRTPlugin() != "" {
			t.Skip("a PJRT plugin is installed system-wide on this machine; the pure-Go default is not reachable")
		}
		got, err := Choose()
		if err != nil {
			t.Fatal(err)
		}
		if got.Config != GoBackendConfig {
			t.Errorf("Choose() = %+v, want %q", got, GoBackendConfig)
		}
		if line := got.String(); !strings.HasPrefix(line, "lossbook: backend go:parallelism=-1 (pure Go): ") || strings.Contains(line, "\n") {
			t.Errorf("report line = %q, want one line naming the backend and the reason", line)
		}
	})
}

func TestNewErrors(t *testing.T) {
	tests := []struct {
		config, want string
	}{
		{"nosuch", `unknown GoMLX backend "nosuch"`},
		{"go:bogus_option", `unknown configuration option "bogus_option"`},
	}
	for _, tc := range tests {
		_, err := New(tc.config)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("New(%q) error = %v, want it to contain %q", tc.config, err, tc.want)
		}
	}
}

// The child half of TestNoDeadlock: runs inside a subprocess started by the parent, with the backend
// configuration in GOMLX_BACKEND.
const deadlockChildEnv = "LOSSBOOK_DEADLOCK_CHILD"

// numIndependentMatmuls is how many batched matmuls run side by side in the deadlock graph: more than the
// pure-Go worker pool's cap of 2 x cores on a 2-core machine, and at least 8 as the issue asks.
const numIndependentMatmuls = 12

func deadlockGraph(x *Node) *Node {
	// Each DotGeneral has a batch axis, so in the default mode each one, running as a task of the worker
	// pool, asks the pool for more workers to split its batch: with every slot taken by such a matmul, none
	// can proceed.
	var sum *Node
	for i := range numIndependentMatmuls {
		xi := AddScalar(x, float64(i))
		y := Einsum("bij,bjk->bik", xi, xi)
		r := ReduceAllSum(y)
		if sum == nil {
			sum = r
		} else {
			sum = Add(sum, r)
		}
	}
	return sum
}

func TestDeadlockChild(t *testing.T) {
	if os.Getenv(deadlockChildEnv) != "1" {
		t.Skip("runs only as the subprocess of TestNoDeadlock")
	}
	b, err := New(os.Getenv(EnvBackend))
	if err != nil {
		t.Fatal(err)
	}
	input := make([][][]float32, 16)
	for i := range input {
		input[i] = make([][]float32, 64)
		for j := range input[i] {
			input[i][j] = make([]float32, 64)
			for k := range input[i][j] {
				input[i][j][k] = float32((i+j+k)%7) / 7
			}
		}
	}
	for range 20 { // several executions: a deadlock that depends on scheduling gets many chances.
		if _, err := MustNewExec(b, deadlockGraph).Exec(input); err != nil {
			t.Fatal(err)
		}
	}
}

// deadlockModeEnv forces the mode that TestNoDeadlock checks, to show that the test does catch a deadlock:
// LOSSBOOK_DEADLOCK_MODE=go go test ./lib -run TestNoDeadlock fails.
const deadlockModeEnv = "LOSSBOOK_DEADLOCK_MODE"

// TestNoDeadlock runs a graph of numIndependentMatmuls independent batched matmuls on the pure-Go backend in the
// mode lossbook chooses (GoBackendConfig), in a subprocess with a deadline, and fails if it does not finish.
func TestNoDeadlock(t *testing.T) {
	mode := GoBackendConfig
	if forced := os.Getenv(deadlockModeEnv); forced != "" {
		mode = forced
	}
	const deadline = 60 * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestDeadlockChild$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), deadlockChildEnv+"=1", EnvBackend+"="+mode)
	out, err := cmd.CombinedOutput()
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Fatalf("backend %q: a graph with %d independent matmuls did not finish within %s: the pure-Go backend "+
			"deadlocked (its worker pool is full of matmuls each waiting for more workers)", mode, numIndependentMatmuls, deadline)
	}
	if err != nil {
		t.Fatalf("backend %q: subprocess failed: %v\n%s", mode, err, out)
	}
	if !strings.Contains(string(out), "--- PASS: TestDeadlockChild") {
		t.Fatalf("backend %q: subprocess did not run the graph:\n%s", mode, out)
	}
}
