package nb

import (
	"fmt"
	"strings"

	"github.com/janpfeifer/gonb/gonbui"
)

// IsNotebook reports whether the program runs as a GoNB notebook cell. Every display helper in this package
// checks it and does nothing when it is false, so the same code runs under go test and in a terminal.
func IsNotebook() bool { return gonbui.IsNotebook }

// Markdown displays Markdown in the notebook. Inline formulas go between single dollars ($p_i$), display
// formulas between double dollars; Jupyter renders them with MathJax.
func Markdown(markdown string) {
	if IsNotebook() {
		gonbui.DisplayMarkdown(markdown)
	}
}

// Markdownf is Markdown with a fmt.Sprintf format.
func Markdownf(format string, args ...any) {
	if IsNotebook() {
		gonbui.DisplayMarkdown(fmt.Sprintf(format, args...))
	}
}

// Formula displays one LaTeX formula on a line of its own, e.g.
//
//	nb.Formula(`\ell(x, y) = -\log \frac{e^{x_y}}{\sum_c e^{x_c}}`)
//
// It is Markdown with the formula between $$; leading and trailing dollars in latex are trimmed.
func Formula(latex string) {
	Markdown(FormulaMarkdown(latex))
}

// FormulaMarkdown returns the Markdown that Formula displays.
func FormulaMarkdown(latex string) string {
	return "$$" + strings.Trim(strings.TrimSpace(latex), "$") + "$$"
}

// HTML displays raw HTML (an SVG element, a table) in the notebook.
func HTML(html string) {
	if IsNotebook() {
		gonbui.DisplayHTML(html)
	}
}

// update replaces the contents of the output block with the given id (created at the first call).
func update(id, html string) {
	if IsNotebook() {
		gonbui.UpdateHTML(id, html)
	}
}

func uniqueID() string {
	return gonbui.UniqueId()
}
