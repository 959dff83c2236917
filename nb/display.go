package nb

import (
	"bytes"
	"encoding/gob"
	"fmt"
	"image/png"
	"strings"

	"github.com/janpfeifer/gonb/gonbui"
	"github.com/janpfeifer/gonb/gonbui/protocol"
)

// IsNotebook reports whether the program runs as a GoNB notebook cell. Every display helper in this package
// checks it and does nothing when it is false, so the same code runs under go test and in a terminal.
func IsNotebook() bool { return gonbui.IsNotebook }

// Markdown displays Markdown in the notebook. Inline formulas go between single dollars ($p_i$), display
// formulas between double dollars; Jupyter renders them with MathJax. The Markdown source goes along as plain
// text, which is what a viewer that does not trust the notebook shows instead.
func Markdown(markdown string) {
	if IsNotebook() {
		send(map[protocol.MIMEType]any{protocol.MIMETextMarkdown: markdown, protocol.MIMETextPlain: markdown}, nil)
	}
}

// Markdownf is Markdown with a fmt.Sprintf format.
func Markdownf(format string, args ...any) {
	Markdown(fmt.Sprintf(format, args...))
}

// mimeLaTeX is the MIME type of LaTeX output, which every Jupyter front end renders, trusted or not.
const mimeLaTeX protocol.MIMEType = "text/latex"

// GoNB sends display data to the kernel with encoding/gob, which must know the concrete types held in `any`:
// the PNG's size metadata is a map[string]any.
func init() { gob.Register(map[string]any{}) }

// send publishes one output with several representations; the front end shows the richest it can (and may).
func send(data map[protocol.MIMEType]any, metadata map[string]any) {
	gonbui.SendData(&protocol.DisplayData{Data: data, Metadata: metadata})
}

// Formula displays one LaTeX formula on a line of its own, e.g.
//
//	nb.Formula(`\ell(x, y) = -\log \frac{e^{x_y}}{\sum_c e^{x_c}}`)
//
// It is Markdown with the formula between $$; leading and trailing dollars in latex are trimmed.
//
// It sends the formula as Markdown (for JupyterLab and nbconvert's HTML) and as LaTeX (text/latex), which the
// classic Notebook typesets even in a notebook it does not trust, where it hides Markdown output.
func Formula(latex string) {
	if IsNotebook() {
		md := FormulaMarkdown(latex)
		send(map[protocol.MIMEType]any{protocol.MIMETextMarkdown: md, mimeLaTeX: md, protocol.MIMETextPlain: md}, nil)
	}
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

// picture displays an SVG picture with its PNG twin and a line of text: a trusted notebook shows the SVG; one
// opened untrusted (executed elsewhere) hides SVG, and a code host's viewer may, so they show the PNG, drawn at
// pngScale and displayed at the SVG's size; a terminal front end prints the text.
func picture(svg string, pngData []byte, alt string) {
	if !IsNotebook() {
		return
	}
	meta := map[string]any{}
	if cfg, err := png.DecodeConfig(bytes.NewReader(pngData)); err == nil {
		meta[string(protocol.MIMEImagePNG)] = map[string]any{"width": cfg.Width / pngScale, "height": cfg.Height / pngScale}
	}
	send(map[protocol.MIMEType]any{protocol.MIMEImageSVG: svg, protocol.MIMEImagePNG: pngData, protocol.MIMETextPlain: alt}, meta)
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
