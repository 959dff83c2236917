package nb

import (
	"bytes"
	"image"
	"image/png"
	"math"
	"os"
	"testing"
)

// TestPlotPNG checks that the PNG twin of a plot has the SVG's size (times pngScale), a white background, the
// series' colours inside the plotting area, and dark pixels (text) where the axis labels and the title are.
func TestPlotPNG(t *testing.T) {
	xs := []float64{0, 1, 2, 3, 4}
	p := NewPlot("Loss").Labels("step", "loss").Line("train", xs, []float64{4, 3, 2.5, 2.2, 2}).
		Line("validation", xs, []float64{4.2, 3.3, 3, 2.9, 2.9})
	img, err := png.Decode(bytes.NewReader(p.PNG()))
	if err != nil {
		t.Fatal(err)
	}
	if os.Getenv("NB_PNG_OUT") != "" { // to look at it: NB_PNG_OUT=/tmp/plot.png go test -run PlotPNG ./nb
		_ = os.WriteFile(os.Getenv("NB_PNG_OUT"), p.PNG(), 0o644)
	}
	b := img.Bounds()
	if b.Dx() != 640*pngScale || b.Dy() != 400*pngScale {
		t.Fatalf("PNG is %v, want %dx%d", b.Size(), 640*pngScale, 400*pngScale)
	}
	count := func(r image.Rectangle, match func(r, g, b uint32) bool) int {
		n := 0
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				cr, cg, cb, _ := img.At(x, y).RGBA()
				if match(cr>>8, cg>>8, cb>>8) {
					n++
				}
			}
		}
		return n
	}
	s := pngScale
	near := func(want [3]uint32) func(r, g, b uint32) bool {
		return func(r, g, b uint32) bool {
			return math.Abs(float64(r)-float64(want[0]))+math.Abs(float64(g)-float64(want[1]))+math.Abs(float64(b)-float64(want[2])) < 30
		}
	}
	dark := func(r, g, b uint32) bool { return r+g+b < 200 }
	area := image.Rect(marginLeft*s, marginTop*s, (640-150)*s, (400-marginBottom)*s)
	tests := []struct {
		name string
		r    image.Rectangle
		f    func(r, g, b uint32) bool
		min  int
	}{
		{"first series blue #0072B2 in the plotting area", area, near([3]uint32{0x00, 0x72, 0xB2}), 200},
		{"second series vermilion #D55E00 in the plotting area", area, near([3]uint32{0xD5, 0x5E, 0x00}), 100},
		{"title text", image.Rect(0, 0, 640*s, 26*s), dark, 50},
		{"y label text (rotated) in the left column", image.Rect(0, marginTop*s, 22*s, (400-marginBottom)*s), dark, 30},
		{"x label text at the bottom", image.Rect(marginLeft*s, (400-22)*s, (640-150)*s, 400*s), dark, 30},
		{"legend text", image.Rect((640-150)*s, marginTop*s, 640*s, (marginTop+50)*s), dark, 50},
	}
	for _, tc := range tests {
		if n := count(tc.r, tc.f); n < tc.min {
			t.Errorf("%s: %d matching pixels, want at least %d", tc.name, n, tc.min)
		}
	}
	if n := count(image.Rect(0, 0, 4*s, 4*s), func(r, g, b uint32) bool { return r == 255 && g == 255 && b == 255 }); n != 16*s*s {
		t.Errorf("corner: %d white pixels of %d, want a white background", n, 16*s*s)
	}
}

func TestRasterSVGErrors(t *testing.T) {
	for _, svg := range []string{
		`<rect x="0" y="0" width="1" height="1"/>`,
		`<svg width="0" height="10"></svg>`,
		`<svg width="10" height="10"><ellipse cx="1"/></svg>`,
		`<svg width="10" height="10"><path d="C1 2 3 4" stroke="black"/></svg>`,
		`<svg width="10" height="10"><polyline points="1,x" stroke="black"/></svg>`,
		`<svg width="10" height="10"`,
	} {
		if _, err := rasterSVG(svg, 1); err == nil {
			t.Errorf("rasterSVG(%q): no error", svg)
		}
	}
}

func TestDashSegments(t *testing.T) {
	segs := dashSegments([][2]float64{{0, 0}, {10, 0}}, []float64{3, 2})
	// on 0-3, off 3-5, on 5-8, off 8-10
	if len(segs) != 2 || segs[0][1][0] != 3 || segs[1][0][0] != 5 || segs[1][1][0] != 8 {
		t.Errorf("dashSegments = %v, want [0,3] and [5,8]", segs)
	}
}
