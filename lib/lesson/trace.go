package lesson

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
)

// OptimTrace is the part of training/testdata/optim.json (PyTorch 1.13's optimizer traces, written by
// training/testdata/gen_optim.py) that the notebooks read: a least-squares problem and, for each case, the loss,
// weight and bias after every step.
type OptimTrace struct {
	TorchVersion string `json:"torch_version"`
	Problem      struct {
		X, Y, Weight [][]float64
		Bias         []float64
	}
	Cases []struct {
		Name, Optimizer string
		Kwargs          map[string]any
		Trace           []struct {
			Loss         float64
			Weight, Bias []float64
		}
	}
}

// RepoPath joins elem to lossbook's source tree as a notebook sees it: the parent of $GONB_DIR (the notebook's
// folder, set by GoNB) when that holds lossbook's go.mod (a notebook in the repository's notebooks/); else the
// tree this package was compiled from (the version the "Go (lossbook)" kernel serves, from the module cache,
// for a notebook anywhere else); else the current directory's parent.
func RepoPath(elem ...string) string {
	var roots []string
	if dir := os.Getenv("GONB_DIR"); dir != "" {
		roots = append(roots, filepath.Join(dir, ".."))
	}
	if _, file, _, ok := runtime.Caller(0); ok {
		roots = append(roots, filepath.Join(filepath.Dir(file), "..", ".."))
	}
	for _, root := range roots {
		if b, err := os.ReadFile(filepath.Join(root, "go.mod")); err == nil && modulePath.Match(b) {
			return filepath.Join(append([]string{root}, elem...)...)
		}
	}
	return filepath.Join(append([]string{".."}, elem...)...)
}

// modulePath matches lossbook's module line in a go.mod.
var modulePath = regexp.MustCompile(`(?m)^module\s+"?github\.com/lossbook/lossbook"?\s*$`)

// ReadOptimTrace reads an optim.json golden file.
func ReadOptimTrace(path string) (*OptimTrace, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var trace OptimTrace
	if err := json.Unmarshal(raw, &trace); err != nil {
		return nil, fmt.Errorf("lesson: %s is not an optimizer trace: %w", path, err)
	}
	if len(trace.Cases) == 0 || len(trace.Problem.X) == 0 {
		return nil, fmt.Errorf("lesson: %s has no cases or no problem, want training/testdata/optim.json's layout", path)
	}
	return &trace, nil
}
