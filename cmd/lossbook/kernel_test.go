package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lossbook/lossbook/internal/kernel"
)

// TestKernelStatusUninstall: status and uninstall of a kernel installed (without its tools) from a small
// lossbook tree into a temporary Jupyter data folder; before the install and after the uninstall, status fails
// with exit status 1, saying how to install.
func TestKernelStatusUninstall(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go command is not on PATH:", err)
	}
	data := t.TempDir()
	t.Setenv("JUPYTER_DATA_DIR", data)
	t.Setenv("GOMODCACHE", t.TempDir())
	t.Setenv("GOFLAGS", "-modcacherw")
	t.Setenv("GOPROXY", "off")
	t.Setenv("GOWORK", "off")
	runKernelCmd := func(args ...string) (int, string, string) {
		var stdout, stderr bytes.Buffer
		status := run(append([]string{"kernel"}, args...), &stdout, &stderr)
		return status, stdout.String(), stderr.String()
	}
	if status, _, stderr := runKernelCmd("status", "--user"); status != 1 || !strings.Contains(stderr, "run lossbook kernel install") {
		t.Errorf("status before install: exit %d, stderr %q; want 1 and how to install", status, stderr)
	}

	src := t.TempDir()
	for name, content := range map[string]string{
		"go.mod":           "module " + kernel.ModulePath + "\n\ngo 1.26\n",
		"losses/answer.go": "package losses\n\nfunc Answer() int { return 42 }\n",
		"tools/go.mod":     "module " + kernel.ModulePath + "/tools\n",
		"tools/go.sum":     "",
	} {
		os.MkdirAll(filepath.Dir(filepath.Join(src, name)), 0o755)
		if err := os.WriteFile(filepath.Join(src, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s, err := kernel.Install(context.Background(), kernel.Options{DataDir: data, Source: src})
	if err != nil {
		t.Fatal(err)
	}
	status, stdout, stderr := runKernelCmd("status", "--user")
	for _, want := range []string{`kernel "lossbook" (Go (lossbook))`, "serves " + kernel.ModulePath + " " + s.Version, "source " + src + ": up to date"} {
		if status != 0 || !strings.Contains(stdout, want) {
			t.Errorf("status: exit %d, stdout %q lacks %q (stderr %q)", status, stdout, want, stderr)
		}
	}
	if err := os.WriteFile(filepath.Join(src, "losses", "answer.go"), []byte("package losses\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, stdout, _ = runKernelCmd("status", "--user")
	if want := "has moved past it: 1 files differ (losses/answer.go); run lossbook kernel update"; !strings.Contains(stdout, want) {
		t.Errorf("status after an edit: %q lacks %q", stdout, want)
	}
	_, stdout, _ = runKernelCmd("status", "--user", "--json")
	var js struct {
		Version  string   `json:"version"`
		UpToDate bool     `json:"up_to_date"`
		Changed  []string `json:"changed"`
	}
	if err := json.Unmarshal([]byte(stdout), &js); err != nil || js.Version != s.Version || js.UpToDate || len(js.Changed) != 1 {
		t.Errorf("status --json: %s (%v)", stdout, err)
	}
	if status, stdout, stderr := runKernelCmd("uninstall", "--user"); status != 0 || !strings.Contains(stdout, "removed") {
		t.Errorf("uninstall: exit %d, stdout %q, stderr %q", status, stdout, stderr)
	}
	if status, _, stderr := runKernelCmd("uninstall", "--user"); status != 1 || !strings.Contains(stderr, "no lossbook kernel \"lossbook\" installed") {
		t.Errorf("uninstall again: exit %d, stderr %q", status, stderr)
	}
}
