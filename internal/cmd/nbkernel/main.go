// Command nbkernel moves lossbook notebooks to the "Go (lossbook)" kernel: it removes the set-up cell that
// wired the working tree into GoNB through go.work (and the markdown cell before it that explains it), turns
// `!cd "$GONB_DIR/.." && go doc ./pkg ...` into `!*go doc github.com/lossbook/lossbook/pkg ...` (which works
// wherever the notebook is), and declares the kernel in the notebook's metadata.
//
//	go run ./internal/cmd/nbkernel notebooks/04_x.ipynb ...          rewrite the notebooks in place
//	go run ./internal/cmd/nbkernel -check notebooks/*.ipynb          exit 1 naming each notebook it would change
//
// The notebooks are written as Jupyter writes them (keys sorted, one-space indent), through a temporary file.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// Kernelspec is the metadata of the "Go (lossbook)" kernel.
var Kernelspec = map[string]any{"display_name": "Go (lossbook)", "language": "go", "name": "lossbook"}

// goDocInRepo is the old way to show a package's documentation from the repository holding the notebook.
var goDocInRepo = regexp.MustCompile(`!cd "\$GONB_DIR/\.\." && go doc \./([A-Za-z0-9_./-]+)`)

func main() {
	check := flag.Bool("check", false, "change nothing; exit 1 naming each notebook that is not on the kernel")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: nbkernel [-check] notebook.ipynb ...")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
	}
	status := 0
	for _, path := range flag.Args() {
		data, err := os.ReadFile(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, "nbkernel:", err)
			status = 1
			continue
		}
		out, changes, err := Fix(data)
		if err != nil {
			fmt.Fprintf(os.Stderr, "nbkernel: %s: %v\n", path, err)
			status = 1
			continue
		}
		if len(changes) == 0 {
			continue
		}
		if *check {
			fmt.Fprintf(os.Stderr, "nbkernel: %s is not on the Go (lossbook) kernel: %s (fix: go run ./internal/cmd/nbkernel %s)\n",
				path, strings.Join(changes, "; "), path)
			status = 1
			continue
		}
		if err := writeFile(path, out); err != nil {
			fmt.Fprintln(os.Stderr, "nbkernel:", err)
			status = 1
			continue
		}
		fmt.Printf("nbkernel: %s: %s\n", path, strings.Join(changes, "; "))
	}
	os.Exit(status)
}

// Fix returns the notebook moved to the kernel and what changed (nothing: the notebook is already on it).
func Fix(data []byte) ([]byte, []string, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var nb map[string]any
	if err := dec.Decode(&nb); err != nil {
		return nil, nil, fmt.Errorf("not a notebook: %w", err)
	}
	cells, ok := nb["cells"].([]any)
	if !ok {
		return nil, nil, fmt.Errorf("not a notebook: no cells")
	}
	var changes []string
	var kept []any
	for i, c := range cells {
		cm, _ := c.(map[string]any)
		src := source(cm)
		if cm["cell_type"] == "code" && isSetup(src) {
			changes = append(changes, fmt.Sprintf("removed the go.work set-up cell %d", i))
			if n := len(kept); n > 0 {
				if prev, _ := kept[n-1].(map[string]any); prev["cell_type"] == "markdown" && explainsSetup(source(prev)) {
					kept = kept[:n-1]
					changes = append(changes, fmt.Sprintf("removed the markdown cell %d that explained it", i-1))
				}
			}
			continue
		}
		if cm["cell_type"] == "code" && goDocInRepo.MatchString(src) {
			setSource(cm, goDocInRepo.ReplaceAllString(src, "!*go doc github.com/lossbook/lossbook/$1"))
			changes = append(changes, fmt.Sprintf("cell %d runs go doc on the module, not on the repository", i))
		}
		kept = append(kept, c)
	}
	nb["cells"] = kept
	meta, _ := nb["metadata"].(map[string]any)
	if meta == nil {
		meta = map[string]any{}
		nb["metadata"] = meta
	}
	if ks, _ := meta["kernelspec"].(map[string]any); ks == nil || ks["name"] != Kernelspec["name"] || ks["display_name"] != Kernelspec["display_name"] {
		meta["kernelspec"] = Kernelspec
		changes = append(changes, `kernelspec set to "Go (lossbook)"`)
	}
	if len(changes) == 0 {
		return data, nil, nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", " ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(nb); err != nil {
		return nil, nil, err
	}
	return buf.Bytes(), changes, nil
}

func isSetup(src string) bool {
	return strings.Contains(src, "go work init") || strings.Contains(src, "%goworkfix")
}

func explainsSetup(src string) bool {
	return strings.Contains(src, "goworkfix") || strings.Contains(src, "go.work") ||
		strings.Contains(src, "Go workspace") || strings.Contains(src, "working tree's lossbook")
}

// source is a cell's source as one string (Jupyter stores it as a list of lines or as a string).
func source(c map[string]any) string {
	switch s := c["source"].(type) {
	case string:
		return s
	case []any:
		var b strings.Builder
		for _, l := range s {
			if ls, ok := l.(string); ok {
				b.WriteString(ls)
			}
		}
		return b.String()
	}
	return ""
}

// setSource stores src as Jupyter does: a list of lines, each but the last ending in "\n".
func setSource(c map[string]any, src string) {
	var lines []any
	for _, l := range strings.SplitAfter(src, "\n") {
		if l != "" {
			lines = append(lines, l)
		}
	}
	c["source"] = lines
}

func writeFile(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".nbkernel-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if fi, err := os.Stat(path); err == nil {
		os.Chmod(tmp.Name(), fi.Mode().Perm())
	}
	return os.Rename(tmp.Name(), path)
}
