package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// makeNotebook builds a notebook from cells given as (type, source) pairs, with outputs for code cells.
func makeNotebook(t *testing.T, cells ...any) *notebook {
	t.Helper()
	nb := &notebook{}
	for i := 0; i < len(cells); i += 3 {
		src, _ := json.Marshal(cells[i+1].(string))
		c := cell{CellType: cells[i].(string), Source: src}
		for _, o := range cells[i+2].([]string) {
			c.Outputs = append(c.Outputs, json.RawMessage(o))
		}
		nb.Cells = append(nb.Cells, c)
	}
	return nb
}

const (
	summaryAndExercises = "## Summary\n\n* done\n\n## Exercises\n\n1. more"
	stdout              = `{"output_type": "stream", "name": "stdout", "text": ["ok\n"]}`
	stderr              = `{"output_type": "stream", "name": "stderr", "text": ["lossbook: backend go\n"]}`
)

func TestChecks(t *testing.T) {
	long := strings.Repeat("x := 1\n", MaxCellLines+1)
	short := strings.Repeat("x := 1\n", MaxCellLines) // a trailing newline does not count as a line
	for _, tc := range []struct {
		name     string
		nb       *notebook
		executed bool
		want     []string // substrings of the problems, in order; none: no problem
	}{
		{"clean", makeNotebook(t, "code", short, []string{stdout}, "markdown", summaryAndExercises, []string(nil)), true, nil},
		{"stderr", makeNotebook(t, "code", "%%", []string{stderr}, "markdown", summaryAndExercises, []string(nil)), true,
			[]string{"cell 0: output on stderr"}},
		{"long cell", makeNotebook(t, "code", long, []string(nil), "markdown", summaryAndExercises, []string(nil)), false,
			[]string{"cell 0: 31 lines of code, more than 30"}},
		{"no summary", makeNotebook(t, "markdown", "## Exercises\n1. x", []string(nil)), false,
			[]string{`no "Summary" heading`}},
		{"no exercises", makeNotebook(t, "markdown", "## Summary\n**Exercises.** 1. x", []string(nil)), false,
			[]string{`no "Exercises" heading`}},
		{"committed with outputs", makeNotebook(t, "code", "%%", []string{stdout}, "markdown", summaryAndExercises, []string(nil)),
			false, []string{"committed with outputs"}},
		{"svg in html", makeNotebook(t, "code", "%%", []string{`{"output_type": "display_data", "data": {"text/html": "<div><svg width='1'></svg></div>"}, "metadata": {}}`},
			"markdown", summaryAndExercises, []string(nil)), true, []string{"an <svg> inside HTML output"}},
		{"svg alone", makeNotebook(t, "code", "%%", []string{`{"output_type": "display_data", "data": {"image/svg+xml": "<svg/>", "text/plain": "x"}, "metadata": {}}`},
			"markdown", summaryAndExercises, []string(nil)), true, []string{"SVG output without a PNG twin"}},
		{"svg with png", makeNotebook(t, "code", "%%", []string{`{"output_type": "display_data", "data": {"image/svg+xml": "<svg/>", "image/png": "iVBO", "text/plain": "x"}, "metadata": {}}`},
			"markdown", summaryAndExercises, []string(nil)), true, nil},
		{"formula as markdown", makeNotebook(t, "code", "%%", []string{`{"output_type": "display_data", "data": {"text/markdown": "$$x$$", "text/plain": "$$x$$"}, "metadata": {}}`},
			"markdown", summaryAndExercises, []string(nil)), true, []string{"a formula as Markdown only"}},
		{"markdown alone", makeNotebook(t, "code", "%%", []string{`{"output_type": "display_data", "data": {"text/markdown": ["**a**"]}, "metadata": {}}`},
			"markdown", summaryAndExercises, []string(nil)), true, []string{"Markdown output without a plain-text twin"}},
		{"formula with latex", makeNotebook(t, "code", "%%", []string{`{"output_type": "display_data", "data": {"text/markdown": "$$x$$", "text/latex": "$$x$$", "text/plain": "$$x$$"}, "metadata": {}}`},
			"markdown", summaryAndExercises, []string(nil)), true, nil},
		{"panic", makeNotebook(t, "code", "%%", []string{`{"output_type": "stream", "name": "stdout", "text": "panic: x"}`},
			"markdown", summaryAndExercises, []string(nil)), true, []string{`output contains "panic:"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			problems := checkStructure("nb.ipynb", tc.nb)
			if tc.executed {
				problems = append(problems, checkExecuted("nb.ipynb", tc.nb)...)
			} else {
				problems = append(problems, checkCommitted("nb.ipynb", tc.nb)...)
			}
			if len(problems) != len(tc.want) {
				t.Fatalf("problems = %q, want %d matching %q", problems, len(tc.want), tc.want)
			}
			for i, w := range tc.want {
				if !strings.Contains(problems[i], w) {
					t.Errorf("problem %d = %q, want it to contain %q", i, problems[i], w)
				}
			}
		})
	}
}
