package nb

import (
	"sync"
	"time"
)

// Curve is a live training-curve plot: each Add appends a point to a named series (for instance "train" and
// "eval") and, in a notebook, redraws the plot in place, at most every RedrawEvery. Done draws the final plot as
// a permanent output, so the saved notebook keeps it. Outside a notebook it only records the points.
//
// A Curve is safe for use by several goroutines.
type Curve struct {
	Plot        *Plot         // the plot being drawn; set its labels or LogY before the first Add
	RedrawEvery time.Duration // minimum time between redraws; 0 means 500ms

	mu        sync.Mutex
	id        string
	names     []string
	xs, ys    map[string][]float64
	lastDrawn time.Time
}

// NewCurve returns an empty live curve whose x axis is the step and y axis the value.
func NewCurve(title string) *Curve {
	return &Curve{
		Plot: NewPlot(title).Labels("step", "value"),
		id:   "lossbook_curve_" + uniqueID(),
		xs:   map[string][]float64{},
		ys:   map[string][]float64{},
	}
}

// Add appends (step, value) to the named series and redraws the curve in a notebook when RedrawEvery has passed.
func (c *Curve) Add(series string, step int, value float64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, seen := c.xs[series]; !seen {
		c.names = append(c.names, series)
	}
	c.xs[series] = append(c.xs[series], float64(step))
	c.ys[series] = append(c.ys[series], value)
	every := c.RedrawEvery
	if every <= 0 {
		every = 500 * time.Millisecond
	}
	if IsNotebook() && time.Since(c.lastDrawn) >= every {
		update(c.id, c.svgLocked())
		c.lastDrawn = time.Now()
	}
}

// Values returns a copy of the points of one series.
func (c *Curve) Values(series string) (steps, values []float64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]float64(nil), c.xs[series]...), append([]float64(nil), c.ys[series]...)
}

// SVG returns the curve as it stands.
func (c *Curve) SVG() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.svgLocked()
}

func (c *Curve) svgLocked() string {
	p := *c.Plot
	p.series = nil
	for _, name := range c.names {
		p.Line(name, c.xs[name], c.ys[name])
	}
	return p.SVG()
}

// Done removes the live block and displays the final curve as a permanent output.
func (c *Curve) Done() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !IsNotebook() {
		return
	}
	update(c.id, "")
	p := *c.Plot
	p.series = nil
	for _, name := range c.names {
		p.Line(name, c.xs[name], c.ys[name])
	}
	picture(p.SVG(), p.PNG(), p.alt())
}
