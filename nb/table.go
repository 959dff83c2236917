package nb

import (
	"fmt"
	"html"
	"math"
	"reflect"
	"strconv"
	"strings"
)

// TableHTML returns an HTML table with the given header (may be nil) and rows of cells. Cells are escaped.
func TableHTML(header []string, rows [][]string) string {
	var b strings.Builder
	b.WriteString(`<table style="border-collapse:collapse;font-family:monospace">`)
	if len(header) > 0 {
		b.WriteString("<thead><tr>")
		for _, h := range header {
			fmt.Fprintf(&b, `<th style="border-bottom:1px solid #888;padding:2px 8px;text-align:right">%s</th>`, html.EscapeString(h))
		}
		b.WriteString("</tr></thead>")
	}
	b.WriteString("<tbody>")
	for _, row := range rows {
		b.WriteString("<tr>")
		for _, c := range row {
			fmt.Fprintf(&b, `<td style="padding:2px 8px;text-align:right">%s</td>`, html.EscapeString(c))
		}
		b.WriteString("</tr>")
	}
	b.WriteString("</tbody></table>")
	return b.String()
}

// Table displays TableHTML(header, rows) in the notebook.
func Table(header []string, rows [][]string) {
	HTML(TableHTML(header, rows))
}

// valuer is what a GoMLX *tensors.Tensor offers; nb accepts it without importing GoMLX.
type valuer interface{ Value() any }

// TensorHTML returns a tensor as an HTML table, preceded by its name and shape. value is a number, a slice of
// numbers, a slice of slices (a matrix), deeper slices (shown as one matrix per leading index), or anything with a
// Value() any method that returns one of those, such as a GoMLX *tensors.Tensor. Floats are printed with %.6g.
func TensorHTML(name string, value any) string {
	if v, ok := value.(valuer); ok {
		value = v.Value()
	}
	rv := reflect.ValueOf(value)
	dims := shapeOf(rv)
	var b strings.Builder
	fmt.Fprintf(&b, "<div><b>%s</b> <code>%v</code>", html.EscapeString(name), dims)
	switch len(dims) {
	case 0:
		fmt.Fprintf(&b, " = <code>%s</code></div>", html.EscapeString(formatScalar(rv)))
		return b.String()
	case 1:
		b.WriteString(TableHTML(indexHeader(dims[0]), [][]string{row(rv)}))
	case 2:
		b.WriteString(matrixTable(rv))
	default:
		for i := range rv.Len() {
			fmt.Fprintf(&b, "<div>[%d, ...]</div>", i)
			b.WriteString(TensorHTML(fmt.Sprintf("%s[%d]", name, i), rv.Index(i).Interface()))
		}
	}
	b.WriteString("</div>")
	return b.String()
}

// Tensor displays TensorHTML(name, value) in the notebook.
func Tensor(name string, value any) {
	HTML(TensorHTML(name, value))
}

func shapeOf(rv reflect.Value) []int {
	var dims []int
	for rv.Kind() == reflect.Slice || rv.Kind() == reflect.Array {
		dims = append(dims, rv.Len())
		if rv.Len() == 0 {
			break
		}
		rv = rv.Index(0)
	}
	return dims
}

func indexHeader(n int) []string {
	h := make([]string, n)
	for i := range h {
		h[i] = strconv.Itoa(i)
	}
	return h
}

func row(rv reflect.Value) []string {
	cells := make([]string, rv.Len())
	for i := range cells {
		cells[i] = formatScalar(rv.Index(i))
	}
	return cells
}

func matrixTable(rv reflect.Value) string {
	var rows [][]string
	cols := 0
	for i := range rv.Len() {
		r := append([]string{strconv.Itoa(i)}, row(rv.Index(i))...)
		cols = max(cols, len(r)-1)
		rows = append(rows, r)
	}
	return TableHTML(append([]string{""}, indexHeader(cols)...), rows)
}

func formatScalar(rv reflect.Value) string {
	switch rv.Kind() {
	case reflect.Float32, reflect.Float64:
		f := rv.Float()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return strconv.FormatFloat(f, 'g', -1, 64)
		}
		return strconv.FormatFloat(f, 'g', 6, 64)
	default:
		return fmt.Sprint(rv.Interface())
	}
}
