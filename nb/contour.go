package nb

import (
	"fmt"
	"slices"
	"strings"
)

// contour is a function's level lines over a rectangle, drawn under the plot's series.
type contour struct {
	x0, x1, y0, y1 float64
	grid           [][]float64 // grid[i][j] = f(x_j, y_i)
	levels         []float64
}

// contourGrid is the number of cells per side that Contour samples.
const contourGrid = 80

// Contour draws level lines of f over [x0, x1] x [y0, y1] under the plot's lines (for instance a loss surface
// under an optimizer's path) and returns p. The levels are the given number of quantiles of f over the
// rectangle, so that both steep and flat regions get lines. Not with LogY.
func (p *Plot) Contour(f func(x, y float64) float64, x0, x1, y0, y1 float64, levels int) *Plot {
	c := contour{x0: x0, x1: x1, y0: y0, y1: y1}
	var all []float64
	for i := 0; i <= contourGrid; i++ {
		y := y0 + (y1-y0)*float64(i)/contourGrid
		row := make([]float64, contourGrid+1)
		for j := range row {
			row[j] = f(x0+(x1-x0)*float64(j)/contourGrid, y)
			if ok(row[j]) {
				all = append(all, row[j])
			}
		}
		c.grid = append(c.grid, row)
	}
	slices.Sort(all)
	for k := 1; k <= levels && len(all) > 0; k++ {
		q := float64(k) / float64(levels+1)
		c.levels = append(c.levels, all[int(q*float64(len(all)-1))])
	}
	p.contours = append(p.contours, c)
	return p
}

// draw writes the level lines with marching squares: in each grid cell, each level crosses the edges whose
// ends lie on opposite sides, and a segment joins the crossings (linear interpolation along the edge).
func (c contour) draw(b *strings.Builder, tx, ty func(float64) float64) {
	dx := (c.x1 - c.x0) / contourGrid
	dy := (c.y1 - c.y0) / contourGrid
	for li, level := range c.levels {
		shade := 120 + 100*li/max(1, len(c.levels))
		var path strings.Builder
		for i := range contourGrid {
			for j := range contourGrid {
				// Corners counter-clockwise from (x_j, y_i).
				xs := [4]float64{c.x0 + float64(j)*dx, c.x0 + float64(j+1)*dx, c.x0 + float64(j+1)*dx, c.x0 + float64(j)*dx}
				ys := [4]float64{c.y0 + float64(i)*dy, c.y0 + float64(i)*dy, c.y0 + float64(i+1)*dy, c.y0 + float64(i+1)*dy}
				vs := [4]float64{c.grid[i][j], c.grid[i][j+1], c.grid[i+1][j+1], c.grid[i+1][j]}
				var pts [][2]float64
				for e := range 4 {
					a, bb := vs[e], vs[(e+1)%4]
					if !ok(a) || !ok(bb) || (a < level) == (bb < level) {
						continue
					}
					t := (level - a) / (bb - a)
					pts = append(pts, [2]float64{xs[e] + t*(xs[(e+1)%4]-xs[e]), ys[e] + t*(ys[(e+1)%4]-ys[e])})
				}
				for k := 0; k+1 < len(pts); k += 2 {
					fmt.Fprintf(&path, "M%.1f %.1fL%.1f %.1f", tx(pts[k][0]), ty(pts[k][1]), tx(pts[k+1][0]), ty(pts[k+1][1]))
				}
			}
		}
		if path.Len() > 0 {
			fmt.Fprintf(b, `<path d="%s" fill="none" stroke="rgb(%d,%d,%d)" stroke-width="1"/>`, path.String(), shade, shade, shade)
		}
	}
}
