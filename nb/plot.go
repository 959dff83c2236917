package nb

import (
	"fmt"
	"html"
	"math"
	"strconv"
	"strings"
)

// Plot is a 2-D line plot drawn as SVG in Go, with no JavaScript and no CDN, so it shows in a saved notebook
// and in a workshop without internet. Build it with NewPlot and the chaining methods, then Display it or take
// its SVG.
//
// Points that are NaN or infinite are skipped and break the line they are on. Every plot needs both axis labels
// (Labels): SVG and Display panic without them, since a reader cannot tell what an unlabelled axis measures.
// Lines get distinct colours and dash patterns, so lines that lie on top of each other can still be told apart;
// the legend is as wide as its longest name; a LogY axis ticks at powers of ten.
type Plot struct {
	Title, XLabel, YLabel string
	Width, Height         int  // in pixels; 0 means 640 x 400
	LogY                  bool // a logarithmic y axis (values <= 0 are skipped)
	// AutoLogY draws the y axis logarithmic when every value is positive and the largest is at least
	// AutoLogRatio times the smallest: a loss falling from 2 to 0.01 is a flat line on a linear axis for most of
	// its run. Training's loss curves set it.
	AutoLogY bool

	series   []series
	contours []contour
}

type series struct {
	name    string
	xs, ys  []float64
	markers bool // points, not a line
}

// NewPlot returns an empty plot with a title.
func NewPlot(title string) *Plot { return &Plot{Title: title} }

// Labels sets the axis labels and returns p.
func (p *Plot) Labels(x, y string) *Plot {
	p.XLabel, p.YLabel = x, y
	return p
}

// Line adds a line through the points (xs[i], ys[i]) and returns p. It panics if the lengths differ.
func (p *Plot) Line(name string, xs, ys []float64) *Plot {
	return p.add(name, xs, ys, false)
}

// LineY adds a line through (i, ys[i]), i = 0, 1, ..., and returns p.
func (p *Plot) LineY(name string, ys []float64) *Plot {
	xs := make([]float64, len(ys))
	for i := range xs {
		xs[i] = float64(i)
	}
	return p.add(name, xs, ys, false)
}

// Points adds markers at (xs[i], ys[i]) and returns p. It panics if the lengths differ.
func (p *Plot) Points(name string, xs, ys []float64) *Plot {
	return p.add(name, xs, ys, true)
}

func (p *Plot) add(name string, xs, ys []float64, markers bool) *Plot {
	if len(xs) != len(ys) {
		panic(fmt.Sprintf("nb: Plot %q: series %q has %d x values and %d y values (want the same number)", p.Title, name, len(xs), len(ys)))
	}
	p.series = append(p.series, series{name: name, xs: append([]float64(nil), xs...), ys: append([]float64(nil), ys...), markers: markers})
	return p
}

// Display shows the plot in the notebook, as SVG with a PNG twin for viewers that hide SVG (see PNG); it does
// nothing outside a notebook.
func (p *Plot) Display() {
	if IsNotebook() {
		picture(p.SVG(), p.PNG(), p.alt())
	}
}

// alt is the plot's plain-text stand-in: its title and axes.
func (p *Plot) alt() string {
	return fmt.Sprintf("[plot %q: %s against %s, %d series]", p.Title, p.YLabel, p.XLabel, len(p.series))
}

// palette is a colour-blind-friendly set (Okabe-Ito).
var palette = []string{"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"}

// dashes are the stroke-dasharray patterns of successive lines ("" is solid).
var dashes = []string{"", "7 3", "2 3", "10 3 2 3", "4 4", "1 2"}

const (
	marginLeft, marginTop, marginBottom = 64, 32, 48
	legendCharWidth                     = 7 // pixels per character of a legend name at font-size 12, generously
)

// marginRight is the width of the legend column: its longest name, the sample line and a gap, at least 150.
func (p *Plot) marginRight() int {
	longest := 0
	for _, s := range p.series {
		longest = max(longest, len([]rune(s.name)))
	}
	return max(150, 12+26+legendCharWidth*longest+8)
}

// SVG returns the plot as a standalone <svg> element. It panics when an axis label is missing. With Width and
// Height zero, the plotting area is 426 x 320 pixels and the picture widens for a long legend.
func (p *Plot) SVG() string {
	if p.AutoLogY && !p.LogY && p.spansDecades() {
		q := *p
		q.LogY = true
		return q.SVG()
	}
	if strings.TrimSpace(p.XLabel) == "" || strings.TrimSpace(p.YLabel) == "" {
		panic(fmt.Sprintf("nb: Plot %q has x label %q and y label %q: call Labels(x, y) with the quantity on each axis",
			p.Title, p.XLabel, p.YLabel))
	}
	marginRight := p.marginRight()
	w, h := p.Width, p.Height
	if w <= 0 || h <= 0 {
		w, h = 640-150+marginRight, 400
	}
	xr, yr := p.ranges()
	pw, ph := float64(w-marginLeft-marginRight), float64(h-marginTop-marginBottom)
	tx := func(x float64) float64 { return marginLeft + (x-xr.lo)/(xr.hi-xr.lo)*pw }
	ty := func(y float64) float64 {
		if p.LogY {
			y = math.Log10(y)
		}
		return marginTop + ph - (y-yr.lo)/(yr.hi-yr.lo)*ph
	}

	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`, w, h, w, h)
	fmt.Fprintf(&b, `<rect x="0" y="0" width="%d" height="%d" fill="white"/>`, w, h)
	if p.Title != "" {
		fmt.Fprintf(&b, `<text x="%d" y="20" text-anchor="middle" font-size="14" font-weight="bold">%s</text>`, marginLeft+int(pw)/2, html.EscapeString(p.Title))
	}
	// Axes, ticks and grid.
	fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%.1f" height="%.1f" fill="none" stroke="#444"/>`, marginLeft, marginTop, pw, ph)
	for _, t := range niceTicks(xr.lo, xr.hi, 6) {
		x := tx(t)
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%.1f" stroke="#ddd"/>`, x, marginTop, x, marginTop+ph)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`, x, marginTop+ph+16, formatTick(t))
	}
	yTicks := niceTicks(yr.lo, yr.hi, 6)
	if p.LogY {
		yTicks = logTicks(yr.lo, yr.hi)
	}
	for _, t := range yTicks {
		y := marginTop + ph - (t-yr.lo)/(yr.hi-yr.lo)*ph
		label := formatTick(t)
		if p.LogY {
			label = formatTick(math.Pow(10, t))
		}
		fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#ddd"/>`, marginLeft, y, marginLeft+pw, y)
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="end" dominant-baseline="middle">%s</text>`, marginLeft-6, y, label)
	}
	if p.XLabel != "" {
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle">%s</text>`, marginLeft+pw/2, h-8, html.EscapeString(p.XLabel))
	}
	if p.YLabel != "" {
		fmt.Fprintf(&b, `<text x="14" y="%.1f" text-anchor="middle" transform="rotate(-90 14 %.1f)">%s</text>`, marginTop+ph/2, marginTop+ph/2, html.EscapeString(p.YLabel))
	}
	// Clip the data to the plotting area.
	id := "c" + strconv.FormatUint(uint64(len(p.series))*7919+uint64(w*h), 36)
	fmt.Fprintf(&b, `<clipPath id="%s"><rect x="%d" y="%d" width="%.1f" height="%.1f"/></clipPath><g clip-path="url(#%s)">`, id, marginLeft, marginTop, pw, ph, id)
	for _, c := range p.contours {
		c.draw(&b, tx, ty)
	}
	for i, s := range p.series {
		color := palette[i%len(palette)]
		if s.markers {
			for j := range s.xs {
				if ok(s.xs[j]) && p.okY(s.ys[j]) {
					fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3" fill="%s"/>`, tx(s.xs[j]), ty(s.ys[j]), color)
				}
			}
			continue
		}
		dash := dashAttr(i)
		var pts []string
		flush := func() {
			if len(pts) > 0 {
				fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="2"%s points="%s"/>`, color, dash, strings.Join(pts, " "))
			}
			pts = pts[:0]
		}
		for j := range s.xs {
			if !ok(s.xs[j]) || !p.okY(s.ys[j]) {
				flush()
				continue
			}
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", tx(s.xs[j]), ty(s.ys[j])))
		}
		flush()
	}
	b.WriteString("</g>")
	// Legend.
	for i, s := range p.series {
		y := marginTop + 10 + 18*i
		x := marginLeft + int(pw) + 12
		color := palette[i%len(palette)]
		if s.markers {
			fmt.Fprintf(&b, `<circle cx="%d" cy="%d" r="4" fill="%s"/>`, x+10, y, color)
		} else {
			fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="2"%s/>`, x, y, x+20, y, color, dashAttr(i))
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" dominant-baseline="middle">%s</text>`, x+26, y, html.EscapeString(s.name))
	}
	b.WriteString("</svg>")
	return b.String()
}

// AutoLogRatio is the ratio of the largest to the smallest y value above which AutoLogY draws a log axis.
const AutoLogRatio = 30

// spansDecades reports whether every finite y value is positive and they span at least AutoLogRatio.
func (p *Plot) spansDecades() bool {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, s := range p.series {
		for _, y := range s.ys {
			if !ok(y) {
				continue
			}
			if y <= 0 {
				return false
			}
			lo, hi = min(lo, y), max(hi, y)
		}
	}
	return hi >= lo*AutoLogRatio
}

// dashAttr is the stroke-dasharray attribute of line i ("" for a solid line).
func dashAttr(i int) string {
	if d := dashes[i%len(dashes)]; d != "" {
		return ` stroke-dasharray="` + d + `"`
	}
	return ""
}

// logTicks returns the ticks of a log10 axis spanning [lo, hi] (in log10 units): the integers, that is the powers
// of ten, when the range holds at least two of them; else the log10 of round values (niceTicks of the values
// themselves), so that a tick never reads 3.162.
func logTicks(lo, hi float64) []float64 {
	var ticks []float64
	for k := math.Ceil(lo); k <= hi; k++ {
		ticks = append(ticks, k)
	}
	if len(ticks) >= 2 {
		if len(ticks) > 8 { // many decades: every second or third power of ten
			step := math.Ceil(float64(len(ticks)) / 6)
			var thin []float64
			for _, k := range ticks {
				if math.Mod(k, step) == 0 {
					thin = append(thin, k)
				}
			}
			ticks = thin
		}
		return ticks
	}
	ticks = nil
	for _, v := range niceTicks(math.Pow(10, lo), math.Pow(10, hi), 4) {
		if v > 0 {
			ticks = append(ticks, math.Log10(v))
		}
	}
	return ticks
}

func ok(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

func (p *Plot) okY(v float64) bool { return ok(v) && (!p.LogY || v > 0) }

type span struct{ lo, hi float64 }

func (s *span) include(v float64) {
	s.lo, s.hi = math.Min(s.lo, v), math.Max(s.hi, v)
}

// ranges returns the x and y ranges covering every finite point and contour area (y in log10 if LogY).
func (p *Plot) ranges() (xr, yr span) {
	xr, yr = span{math.Inf(1), math.Inf(-1)}, span{math.Inf(1), math.Inf(-1)}
	for _, s := range p.series {
		for j := range s.xs {
			if !ok(s.xs[j]) || !p.okY(s.ys[j]) {
				continue
			}
			xr.include(s.xs[j])
			y := s.ys[j]
			if p.LogY {
				y = math.Log10(y)
			}
			yr.include(y)
		}
	}
	for _, c := range p.contours {
		xr.include(c.x0)
		xr.include(c.x1)
		yr.include(c.y0)
		yr.include(c.y1)
	}
	for _, r := range []*span{&xr, &yr} {
		if math.IsInf(r.lo, 1) { // no data
			r.lo, r.hi = 0, 1
		}
		if r.hi == r.lo {
			r.lo, r.hi = r.lo-0.5, r.hi+0.5
		}
		pad := 0.03 * (r.hi - r.lo)
		r.lo, r.hi = r.lo-pad, r.hi+pad
	}
	return xr, yr
}

// niceTicks returns about n round tick values between lo and hi.
func niceTicks(lo, hi float64, n int) []float64 {
	raw := (hi - lo) / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := mag
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	var ticks []float64
	for t := math.Ceil(lo/step) * step; t <= hi+step*1e-9; t += step {
		if math.Abs(t) < step*1e-9 {
			t = 0
		}
		ticks = append(ticks, t)
	}
	return ticks
}

func formatTick(t float64) string {
	return strconv.FormatFloat(t, 'g', 4, 64)
}
