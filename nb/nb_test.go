package nb

import (
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"strings"
	"testing"
)

// elements parses svg as XML and counts its elements by name; it fails the test on malformed XML.
func elements(t *testing.T, svg string) map[string]int {
	t.Helper()
	counts := map[string]int{}
	dec := xml.NewDecoder(strings.NewReader(svg))
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return counts
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed XML: %v\n%s", err, svg)
		}
		if se, ok := tok.(xml.StartElement); ok {
			counts[se.Name.Local]++
		}
	}
}

func TestPlotSVG(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name          string
		plot          *Plot
		wantPolylines int
		wantCircles   int
		wantPaths     int
	}{
		{"one line", NewPlot("a").Labels("x", "y").Line("l", []float64{0, 1, 2}, []float64{1, 4, 9}), 1, 0, 0},
		{"two lines", NewPlot("b").Labels("x", "y").LineY("x", []float64{1, 2}).LineY("y", []float64{2, 1}), 2, 0, 0},
		{"NaN breaks a line", NewPlot("c").Labels("x", "y").LineY("l", []float64{1, 2, nan, 3, 4}), 2, 0, 0},
		{"all NaN draws nothing", NewPlot("d").Labels("x", "y").LineY("l", []float64{nan, nan}), 0, 0, 0},
		{"points", NewPlot("e").Labels("x", "y").Points("p", []float64{0, 1}, []float64{0, 1}), 0, 2 + 1, 0}, // 2 markers + legend
		{"log y skips non-positive", (&Plot{Title: "f", XLabel: "x", YLabel: "y", LogY: true}).LineY("l", []float64{1, 10, 0, 100}), 2, 0, 0},
		{"contour", NewPlot("g").Labels("x", "y").Contour(func(x, y float64) float64 { return x*x + y*y }, -1, 1, -1, 1, 5), 0, 0, 5},
		{"empty", NewPlot("h").Labels("x", "y"), 0, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := elements(t, tc.plot.SVG())
			if got["svg"] != 1 {
				t.Errorf("got %d <svg> elements, want 1", got["svg"])
			}
			if got["polyline"] != tc.wantPolylines || got["circle"] != tc.wantCircles || got["path"] != tc.wantPaths {
				t.Errorf("polylines, circles, paths = %d, %d, %d; want %d, %d, %d",
					got["polyline"], got["circle"], got["path"], tc.wantPolylines, tc.wantCircles, tc.wantPaths)
			}
		})
	}
}

func TestPlotLengthMismatchPanics(t *testing.T) {
	defer func() {
		r := recover()
		if r == nil || !strings.Contains(r.(string), `nb: Plot "t": series "s" has 2 x values and 1 y values`) {
			t.Errorf("panic = %v, want a message naming the plot, the series and both lengths", r)
		}
	}()
	NewPlot("t").Line("s", []float64{1, 2}, []float64{1})
}

func TestNiceTicks(t *testing.T) {
	tests := []struct {
		lo, hi float64
		want   []float64
	}{
		{0, 1, []float64{0, 0.2, 0.4, 0.6, 0.8, 1}},
		{-0.03, 10.3, []float64{0, 2, 4, 6, 8, 10}},
		{1, 1000, []float64{200, 400, 600, 800, 1000}},
	}
	for _, tc := range tests {
		got := niceTicks(tc.lo, tc.hi, 6)
		if len(got) != len(tc.want) {
			t.Errorf("niceTicks(%g, %g) = %v, want %v", tc.lo, tc.hi, got, tc.want)
			continue
		}
		for i := range got {
			if math.Abs(got[i]-tc.want[i]) > 1e-12 {
				t.Errorf("niceTicks(%g, %g) = %v, want %v", tc.lo, tc.hi, got, tc.want)
				break
			}
		}
	}
}

type fakeTensor struct{ v any }

func (f fakeTensor) Value() any { return f.v }

func TestTensorHTML(t *testing.T) {
	tests := []struct {
		name  string
		value any
		want  []string
	}{
		{"scalar", float32(1.5), []string{"<code>[]</code>", "= <code>1.5</code>"}},
		{"vector", []float64{0.1234567, 2}, []string{"<code>[2]</code>", ">0.123457<", ">2<"}},
		{"matrix", [][]int32{{1, 2, 3}, {4, 5, 6}}, []string{"<code>[2 3]</code>", ">6<"}},
		{"rank 3", [][][]float64{{{1}}, {{2}}}, []string{"<code>[2 1 1]</code>", "x[1]"}},
		{"valuer", fakeTensor{[]float64{math.NaN(), math.Inf(1)}}, []string{">NaN<", ">+Inf<"}},
		{"escaped", []string{"<b>"}, []string{"&lt;b&gt;"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := TensorHTML("x", tc.value)
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("TensorHTML = %s\nwant it to contain %q", got, w)
				}
			}
		})
	}
}

func TestCurveRecordsOutsideNotebook(t *testing.T) {
	if IsNotebook() {
		t.Skip("runs outside a notebook")
	}
	c := NewCurve("loss")
	for step, v := range []float64{3, 2, 1} {
		c.Add("train", step, v)
	}
	c.Add("eval", 2, 1.5)
	c.Done() // a no-op outside a notebook
	steps, values := c.Values("train")
	if len(steps) != 3 || steps[2] != 2 || values[2] != 1 {
		t.Errorf("train series = %v, %v; want steps 0..2 and values 3, 2, 1", steps, values)
	}
	if got := elements(t, c.SVG())["polyline"]; got != 2 {
		t.Errorf("curve SVG has %d polylines, want 2 (train and eval)", got)
	}
}

func TestPlotNeedsAxisLabels(t *testing.T) {
	for _, tc := range []struct{ x, y string }{{"", ""}, {"step", ""}, {"", "loss"}, {" ", "loss"}} {
		func() {
			defer func() {
				r, _ := recover().(string)
				if !strings.Contains(r, `nb: Plot "p" has x label`) || !strings.Contains(r, "Labels(x, y)") {
					t.Errorf("labels (%q, %q): panic = %q, want one naming the plot and Labels", tc.x, tc.y, r)
				}
			}()
			NewPlot("p").Labels(tc.x, tc.y).LineY("l", []float64{1, 2}).SVG()
		}()
	}
}

func TestPlotLegendFitsLongNames(t *testing.T) {
	long := "linear(num_warmup_steps=10, num_training_steps=100)"
	svg := NewPlot("p").Labels("x", "y").LineY(long, []float64{1, 2}).SVG()
	var width int
	if _, err := fmt.Sscanf(svg[strings.Index(svg, `width="`):], `width="%d"`, &width); err != nil {
		t.Fatal(err)
	}
	// The legend starts 12 px right of the plotting area (426 px wide from x = 64) and needs 26 px for the
	// sample line plus about 7 px a character.
	if need := 64 + 426 + 12 + 26 + 7*len(long); width < need {
		t.Errorf("SVG width %d cuts the legend %q (needs %d)", width, long, need)
	}
	short := NewPlot("p").Labels("x", "y").LineY("a", []float64{1, 2}).SVG()
	if !strings.HasPrefix(short, `<svg xmlns="http://www.w3.org/2000/svg" width="640" height="400"`) {
		t.Errorf("a short legend changed the default size: %.80s", short)
	}
}

func TestPlotDashes(t *testing.T) {
	p := NewPlot("p").Labels("x", "y")
	for _, name := range []string{"a", "b", "c"} {
		p.LineY(name, []float64{1, 2})
	}
	svg := p.SVG()
	// Line 0 is solid; lines 1 and 2 carry their own dash pattern, on the line and in the legend.
	for i, d := range dashes[1:3] {
		if n := strings.Count(svg, `stroke-dasharray="`+d+`"`); n != 2 {
			t.Errorf("line %d: dash %q appears %d times, want 2 (line and legend)", i+1, d, n)
		}
	}
}

func TestLogTicks(t *testing.T) {
	for _, tc := range []struct {
		lo, hi float64 // log10 units
		want   []string
	}{
		{-2.1, 1.2, []string{"0.01", "0.1", "1", "10"}},
		{-0.6, 0.6, []string{"1", "2", "3"}},                            // inside one decade: round values, never 3.162
		{-12.2, 0.1, []string{"1e-12", "1e-09", "1e-06", "0.001", "1"}}, // 13 decades: every third
	} {
		var got []string
		for _, k := range logTicks(tc.lo, tc.hi) {
			got = append(got, formatTick(math.Pow(10, k)))
		}
		if strings.Join(got, " ") != strings.Join(tc.want, " ") {
			t.Errorf("logTicks(%v, %v) = %v, want %v", tc.lo, tc.hi, got, tc.want)
		}
	}
}

func TestAutoLogY(t *testing.T) {
	for _, tc := range []struct {
		name string
		ys   []float64
		log  bool
	}{
		{"a loss falling 200-fold", []float64{2, 0.5, 0.05, 0.01}, true},
		{"a loss falling 3-fold", []float64{3, 2, 1}, false},
		{"a value at zero", []float64{2, 0, 0.001}, false},
		{"NaN skipped", []float64{2, math.NaN(), 0.01}, true},
	} {
		p := NewPlot("t").Labels("step", "loss").LineY("train", tc.ys)
		p.AutoLogY = true
		q := *p
		q.LogY = tc.log
		q.AutoLogY = false
		if got, want := p.SVG(), q.SVG(); got != want {
			t.Errorf("%s: AutoLogY's SVG differs from LogY=%v's", tc.name, tc.log)
		}
	}
}
