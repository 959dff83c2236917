// Command nbcheck checks Jupyter notebooks.
//
//	nbcheck -committed a.ipynb ...   committed notebooks carry no outputs and no execution counts
//	nbcheck -executed a.ipynb ...    executed notebooks have outputs, no error outputs, no panic text,
//	                                 nothing on stderr, and no output that a viewer who does not trust the
//	                                 notebook would drop (see untrustedProblem)
//
// In both modes every notebook must also read as STYLE.md's "Notebooks as a student reads them" asks: no code
// cell over MaxCellLines lines (set-up and helpers belong in tested packages), and a "Summary" and an "Exercises"
// heading. It exits 1 and names each notebook, cell and problem when a check fails.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
)

// MaxCellLines is the most lines of source a code cell may have.
const MaxCellLines = 30

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
		problems = append(problems, checkStructure(path, nb)...)
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

// source returns a cell's source as one string (nbformat allows a string or a list of lines).
func (c cell) source() string {
	var lines []string
	if err := json.Unmarshal(c.Source, &lines); err == nil {
		return strings.Join(lines, "")
	}
	var text string
	_ = json.Unmarshal(c.Source, &text)
	return text
}

// checkStructure checks what a student meets in any notebook: short code cells, a summary and exercises.
func checkStructure(path string, nb *notebook) (problems []string) {
	summary, exercises := false, false
	for i, c := range nb.Cells {
		src := strings.TrimRight(c.source(), "\n")
		switch c.CellType {
		case "code":
			if n := strings.Count(src, "\n") + 1; n > MaxCellLines {
				problems = append(problems, fmt.Sprintf("%s: cell %d: %d lines of code, more than %d: move set-up "+
					"and helpers into a tested package, or split the cell", path, i, n, MaxCellLines))
			}
		case "markdown":
			for _, line := range strings.Split(src, "\n") {
				if !strings.HasPrefix(line, "#") {
					continue
				}
				heading := strings.ToLower(line)
				summary = summary || strings.Contains(heading, "summary")
				exercises = exercises || strings.Contains(heading, "exercise")
			}
		}
	}
	if !summary {
		problems = append(problems, fmt.Sprintf("%s: no \"Summary\" heading: every notebook ends with a summary", path))
	}
	if !exercises {
		problems = append(problems, fmt.Sprintf("%s: no \"Exercises\" heading: every notebook ends with exercises", path))
	}
	return problems
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
			if o.OutputType == "stream" && o.Name == "stderr" {
				problems = append(problems, fmt.Sprintf("%s: cell %d: output on stderr (shown as a pink box): %.80q",
					path, i, streamText(o.Text)))
			}
			if o.OutputType == "error" {
				problems = append(problems, fmt.Sprintf("%s: cell %d: error output %s: %s", path, i, o.EName, o.EValue))
			}
			if p := untrustedProblem(o); p != "" {
				problems = append(problems, fmt.Sprintf("%s: cell %d: %s", path, i, p))
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

// untrustedProblem says why a viewer that does not trust the notebook (the classic Notebook opening a notebook
// executed elsewhere, a code host's viewer) would drop or garble a display output, or "" when it would not. Such
// a viewer sanitises HTML (an inline <svg> becomes a line of text) and hides SVG and Markdown output, but shows
// PNG, LaTeX and plain text: package nb sends a PNG beside every SVG picture, LaTeX beside every formula and the
// source beside Markdown.
func untrustedProblem(o output) string {
	if o.OutputType != "display_data" && o.OutputType != "execute_result" {
		return ""
	}
	str := func(mime string) (string, bool) {
		v, ok := o.Data[mime]
		if !ok {
			return "", false
		}
		switch v := v.(type) {
		case string:
			return v, true
		case []any:
			var b strings.Builder
			for _, l := range v {
				s, _ := l.(string)
				b.WriteString(s)
			}
			return b.String(), true
		}
		return "", true
	}
	_, hasPNG := o.Data["image/png"]
	_, hasPlain := o.Data["text/plain"]
	_, hasLaTeX := o.Data["text/latex"]
	if _, svg := o.Data["image/svg+xml"]; svg && !hasPNG {
		return "SVG output without a PNG twin: a viewer that does not trust the notebook hides it (display plots with nb's Plot.Display)"
	}
	if h, _ := str("text/html"); strings.Contains(h, "<svg") && !hasPNG {
		return "an <svg> inside HTML output: a viewer that does not trust the notebook sanitises it to text (display plots with nb's Plot.Display)"
	}
	if md, ok := str("text/markdown"); ok {
		if strings.Contains(md, "$$") && !hasLaTeX {
			return "a formula as Markdown only: a viewer that does not trust the notebook hides it (use nb.Formula, which adds text/latex)"
		}
		if !hasPlain && !hasLaTeX {
			return "Markdown output without a plain-text twin: a viewer that does not trust the notebook hides it (use nb.Markdown)"
		}
	}
	return ""
}

// streamText returns a stream output's text (a string or a list of lines).
func streamText(raw json.RawMessage) string {
	var lines []string
	if err := json.Unmarshal(raw, &lines); err == nil {
		return strings.Join(lines, "")
	}
	var text string
	_ = json.Unmarshal(raw, &text)
	return text
}
