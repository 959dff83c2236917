package lib

import (
	"context"
	"debug/elf"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph"
)

func TestChoose(t *testing.T) {
	tests := []struct {
		name, env  string
		wantConfig string
		wantReason string
	}{
		{name: "explicit", env: "go:ops_sequential", wantConfig: "go:ops_sequential", wantReason: "GOMLX_BACKEND is set"},
		{name: "go is the safe mode", env: "go", wantConfig: GoBackendConfig,
			wantReason: `"go" runs as go:parallelism=-1 (GoMLX's default pure-Go mode can deadlock); GOMLX_BACKEND is set`},
		{name: "parallelism", env: "go:parallelism=2", wantConfig: "go:parallelism=2", wantReason: "GOMLX_BACKEND is set"},
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
		t.Setenv(EnvBackend, "") // set but empty: the same as unset
		t.Setenv(EnvPluginPath, t.TempDir())
		got, err := Choose()
		if err != nil {
			t.Fatal(err)
		}
		if got.Config != GoBackendConfig || !strings.HasPrefix(got.Reason, "GOMLX_BACKEND unset") {
			t.Errorf("Choose() = %+v, want %q chosen because GOMLX_BACKEND is unset", got, GoBackendConfig)
		}
		if line := got.String(); !strings.HasPrefix(line, "lossbook: backend go:parallelism=-1 (pure Go): ") || strings.Contains(line, "\n") {
			t.Errorf("report line = %q, want one line naming the backend and the reason", line)
		}
	})
}

// badPlugins writes files that sit where plugins are searched but cannot be loaded, and returns their paths by
// what is wrong with them.
func badPlugins(t *testing.T) map[string]string {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		sub := filepath.Join(dir, name)
		if err := os.MkdirAll(sub, 0o755); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(sub, "pjrt_c_api_cpu_plugin.so")
		if err := os.WriteFile(path, data, 0o755); err != nil {
			t.Fatal(err)
		}
		return path
	}
	self, err := os.ReadFile("/bin/true") // an ELF executable: the right format, not a shared library
	if err != nil {
		t.Fatal(err)
	}
	libc, err := filepath.Glob("/lib/x86_64-linux-gnu/libc.so.6") // a shared library that is no PJRT plugin
	if err != nil || len(libc) == 0 {
		libc, _ = filepath.Glob("/lib/*/libc.so.6")
	}
	bad := map[string]string{
		"corrupt":    write("corrupt", []byte("this is not a shared library\n")),
		"empty":      write("empty", nil),
		"executable": write("executable", self),
		"other arch": write("otherarch", otherArch(self)),
	}
	if len(libc) > 0 {
		data, err := os.ReadFile(libc[0])
		if err != nil {
			t.Fatal(err)
		}
		bad["not pjrt"] = write("notpjrt", data)
	}
	return bad
}

// otherArch returns a copy of an ELF file with its machine field (e_machine, at byte 18) set to an
// architecture other than this process's.
func otherArch(elfFile []byte) []byte {
	out := slices.Clone(elfFile)
	machine := uint16(elf.EM_AARCH64)
	if runtime.GOARCH == "arm64" {
		machine = uint16(elf.EM_X86_64)
	}
	binary.LittleEndian.PutUint16(out[18:], machine)
	return out
}

func TestBadPluginFiles(t *testing.T) {
	wantReason := map[string]string{
		"corrupt":    "is not a shared library (ELF)",
		"empty":      "is not a shared library (ELF)",
		"executable": "does not export GetPjrtApi",
		"other arch": "is built for",
		"not pjrt":   "does not export GetPjrtApi",
	}
	for what, path := range badPlugins(t) {
		t.Run(what, func(t *testing.T) {
			_, err := CheckPlugin(path)
			var pe *PluginError
			if !errors.As(err, &pe) || !strings.Contains(err.Error(), wantReason[what]) ||
				!strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "lossbook xla install cpu") {
				t.Fatalf("CheckPlugin(%s) = %v, want a PluginError naming the file, %q and the fix", what, err, wantReason[what])
			}
			t.Setenv(EnvPluginPath, filepath.Dir(path))
			// Asked for explicitly: an error, never a silent fall-back to pure Go.
			t.Setenv(EnvBackend, "xla:cpu")
			wantErr := wantReason[what]
			if !xlaCompiledIn {
				wantErr = "XLA is not compiled into this build"
			}
			if c, err := Choose(); err == nil || !strings.Contains(err.Error(), wantErr) {
				t.Errorf("GOMLX_BACKEND=xla:cpu: Choose() = %+v, %v; want the plugin's error", c, err)
			}
			if _, err := New("xla:" + path); !xlaCompiledIn || err == nil || !strings.Contains(err.Error(), wantReason[what]) {
				if xlaCompiledIn {
					t.Errorf("New(xla:%s) = %v, want the plugin's error", path, err)
				}
			}
			// Not asked for: pure Go, and the line says why XLA was skipped.
			os.Unsetenv(EnvBackend)
			c, err := Choose()
			if err != nil {
				t.Fatal(err)
			}
			if c.Config != GoBackendConfig || (xlaCompiledIn && !strings.Contains(c.Reason, "XLA skipped because "+path)) {
				t.Errorf("Choose() = %+v, want pure Go with the reason naming %s", c, path)
			}
		})
	}
	t.Run("missing", func(t *testing.T) {
		_, err := CheckPlugin("/nonexistent/pjrt_c_api_cpu_plugin.so")
		if err == nil || !strings.Contains(err.Error(), "does not exist") {
			t.Errorf("CheckPlugin(missing) = %v", err)
		}
	})
}

func TestResolveErrors(t *testing.T) {
	tests := []struct {
		config, want string
	}{
		{"nosuch", `"nosuch" names an unknown backend`},
		{"gpu", `"gpu" names an unknown backend`},
		{"go:bogus", `unknown pure-Go option "bogus"`},
		{"go:parallelism=x", `needs an integer in parallelism=N, got "x"`},
		{"go:ops_sequential=1", `option "ops_sequential" takes no value`},
		{"XLA:CPU", "names are lower case"},
		{" go", "names are lower case, without spaces"},
		{":", "names no backend"},
		{"", "names no backend"},
		{"xla:cpu,bogus", "takes no options after the plugin"},
		{"xla:nosuch", "no PJRT plugin nosuch is installed"},
	}
	t.Setenv(EnvPluginPath, t.TempDir())
	for _, tc := range tests {
		t.Run(tc.config, func(t *testing.T) {
			_, err := New(tc.config)
			want := tc.want
			if !xlaCompiledIn && strings.HasPrefix(tc.config, "xla") {
				want = "XLA is not compiled into this build"
			}
			if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("New(%q) error = %v, want one line containing %q", tc.config, err, want)
			}
			if !strings.Contains(err.Error(), "valid:") && !strings.Contains(err.Error(), "lossbook xla install") &&
				!strings.Contains(err.Error(), "not compiled") {
				t.Errorf("New(%q) error = %v, want it to list the valid values or the fix", tc.config, err)
			}
			if tc.config == "" {
				return // GOMLX_BACKEND set but empty counts as unset (TestChoose)
			}
			t.Setenv(EnvBackend, tc.config)
			if _, err := Choose(); err == nil || !strings.Contains(err.Error(), "GOMLX_BACKEND") {
				t.Errorf("GOMLX_BACKEND=%q: Choose() error = %v, want it to name GOMLX_BACKEND", tc.config, err)
			}
		})
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
	// GoMLX directly, not New: New runs "go" in the safe mode, and the parent may force the raw one.
	b, err := backends.NewWithConfig(os.Getenv(deadlockModeEnv))
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
	cmd.Env = append(os.Environ(), deadlockChildEnv+"=1", deadlockModeEnv+"="+mode)
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

func TestReportOncePerKernel(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(EnvGoNBTmpDir, dir)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	saved := os.Stdout
	os.Stdout = w
	report("lossbook: backend A")
	report("lossbook: backend A") // a later cell: already said
	report("lossbook: backend B") // the choice changed: said again
	os.Stdout = saved
	w.Close()
	out, _ := io.ReadAll(r)
	if got, want := string(out), "lossbook: backend A\nlossbook: backend B\n"; got != want {
		t.Errorf("stdout = %q, want %q", got, want)
	}
}

func TestFindPluginsNames(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"pjrt_c_api_cpu_plugin.so", "pjrt_plugin_tpu.so", "pjrt-plugin-metal.so", "libfoo.so", "pjrt_c_api_cpu_plugin.so.bak"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	nvidia := filepath.Join(dir, "nvidia")
	if err := os.Mkdir(nvidia, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(nvidia, "pjrt_c_api_cuda_plugin.so"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv(EnvPluginPath, dir+":"+nvidia)
	var names []string
	for _, p := range FindPlugins() {
		names = append(names, p.Name)
		if p.Err == nil {
			t.Errorf("%s: a file of one byte passed CheckPlugin", p.Path)
		}
	}
	slices.Sort(names)
	if want := []string{"cpu", "cuda", "metal", "tpu"}; !slices.Equal(names, want) {
		t.Errorf("FindPlugins names = %q, want %q", names, want)
	}
}
