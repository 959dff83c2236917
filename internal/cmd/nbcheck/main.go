// Command nbcheck checks Jupyter notebooks.
//
//	nbcheck -committed a.ipynb ...   committed notebooks carry no outputs and no execution counts
//	nbcheck -executed a.ipynb ...    executed notebooks have outputs, no error outputs and no panic text
//
// It exits 1 and names each notebook, cell and problem when a check fails.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
)

type notebook struct {
	Cells []cell `json:"cells"`
}

type cell struct {
	CellType       string            `json:"cell_type"`
	Source         json.RawMessage   `json:"source"`
	ExecutionCount *int              `json:"execution_count"`
	Outputs        []json.RawMessage `json:"outputs"`
}

type output struct {
	OutputType string          `json:"output_type"`
	Name       string          `json:"name"`
	Text       json.RawMessage `json:"text"`
	Data       map[string]any  `json:"data"`
	EName      string          `json:"ename"`
	EValue     string          `json:"evalue"`
}

// panicMarkers are texts that mean a Go program crashed or GoNB failed to build a cell, even when the kernel
// did not report an error status.
var panicMarkers = []string{
	"panic:", "goroutine 1 [running]", "runtime error:", "fatal error:", // a Go program crashed
	"gonb-err-location", "failed to run", // GoNB could not build the cell (it reports compile errors as HTML)
	"exit status ", // the cell's program exited with a non-zero status
}

func main() {
	committed := flag.Bool("committed", false, "check that notebooks carry no outputs and no execution counts")
	executed := flag.Bool("executed", false, "check that executed notebooks have outputs and no errors")
	flag.Parse()
	if *committed == *executed {
		fmt.Fprintln(os.Stderr, "nbcheck: give exactly one of -committed or -executed, then notebook files")
		os.Exit(2)
	}
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "nbcheck: no notebooks given")
		os.Exit(2)
	}
	var problems []string
	for _, path := range flag.Args() {
		nb, err := read(path)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		if *committed {
			problems = append(problems, checkCommitted(path, nb)...)
		} else {
			problems = append(problems, checkExecuted(path, nb)...)
		}
	}
	for _, p := range problems {
		fmt.Fprintln(os.Stderr, p)
	}
	if len(problems) > 0 {
		fmt.Fprintf(os.Stderr, "nbcheck: %d problem(s)\n", len(problems))
		os.Exit(1)
	}
	fmt.Printf("nbcheck: %d notebook(s) ok\n", flag.NArg())
}

func read(path string) (*notebook, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var nb notebook
	if err := json.Unmarshal(data, &nb); err != nil {
		return nil, fmt.Errorf("%s: not a notebook: %w", path, err)
	}
	return &nb, nil
}

func checkCommitted(path string, nb *notebook) (problems []string) {
	for i, c := range nb.Cells {
		if c.CellType != "code" {
			continue
		}
		if len(c.Outputs) > 0 || c.ExecutionCount != nil {
			problems = append(problems, fmt.Sprintf("%s: cell %d: committed with outputs or an execution count; clear them before committing", path, i))
		}
	}
	return problems
}

func checkExecuted(path string, nb *notebook) (problems []string) {
	numOutputs := 0
	for i, c := range nb.Cells {
		if c.CellType != "code" {
			continue
		}
		for _, raw := range c.Outputs {
			numOutputs++
			var o output
			if err := json.Unmarshal(raw, &o); err != nil {
				problems = append(problems, fmt.Sprintf("%s: cell %d: unreadable output: %v", path, i, err))
				continue
			}
			if o.OutputType == "error" {
				problems = append(problems, fmt.Sprintf("%s: cell %d: error output %s: %s", path, i, o.EName, o.EValue))
			}
			text := string(raw)
			for _, m := range panicMarkers {
				if strings.Contains(text, m) {
					problems = append(problems, fmt.Sprintf("%s: cell %d: output contains %q", path, i, m))
				}
			}
		}
	}
	if numOutputs == 0 {
		problems = append(problems, fmt.Sprintf("%s: the notebook produced no output at all", path))
	}
	return problems
}
