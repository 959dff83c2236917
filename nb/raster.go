package nb

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
	"golang.org/x/image/vector"
)

// PNG returns the plot as a PNG image of the same picture as SVG, drawn in Go (no browser, no C library). A
// notebook that is opened untrusted (not executed on this machine) hides SVG and sanitises HTML, but shows PNG:
// Display sends both, and viewers pick the one they can show.
func (p *Plot) PNG() []byte {
	b, err := rasterSVG(p.SVG(), pngScale)
	if err != nil { // the SVG is this package's own: a failure is a bug here
		panic("nb: " + err.Error())
	}
	return b
}

// pngScale is the PNG's pixels per SVG pixel: 2 keeps lines and text sharp on high-density screens.
const pngScale = 2

// rasterSVG draws the subset of SVG that this package writes (rect, line, polyline, path with M and L, circle,
// text with text-anchor, dominant-baseline middle, bold and a rotate transform, and one clip rectangle per
// group) into a PNG, scale pixels per unit.
func rasterSVG(svg string, scale float64) ([]byte, error) {
	dec := xml.NewDecoder(strings.NewReader(svg))
	r := &raster{scale: scale, clipDefs: map[string]image.Rectangle{}}
	var stack []string // element names, to find text content and clip paths
	var pendingText *xml.StartElement
	var clipID string
	for {
		tok, err := dec.Token()
		if err != nil {
			if err.Error() == "EOF" {
				break
			}
			return nil, fmt.Errorf("reading SVG: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			stack = append(stack, t.Name.Local)
			a := attrs(t)
			switch t.Name.Local {
			case "svg":
				w, h := a.num("width"), a.num("height")
				if w <= 0 || h <= 0 {
					return nil, fmt.Errorf("svg has width %v and height %v", w, h)
				}
				r.img = image.NewRGBA(image.Rect(0, 0, int(math.Ceil(w*scale)), int(math.Ceil(h*scale))))
			case "clipPath":
				clipID = a["id"]
			case "g":
				if ref := a["clip-path"]; ref != "" {
					id := strings.TrimSuffix(strings.TrimPrefix(ref, "url(#"), ")")
					r.pushLayer(r.clipDefs[id])
				}
			case "text":
				tt := t.Copy()
				pendingText = &tt
			default:
				if r.img == nil {
					return nil, fmt.Errorf("<%s> before <svg>", t.Name.Local)
				}
				if clipID != "" && t.Name.Local == "rect" {
					r.clipDefs[clipID] = r.rect(a.num("x"), a.num("y"), a.num("width"), a.num("height"))
					continue
				}
				if err := r.shape(t.Name.Local, a); err != nil {
					return nil, err
				}
			}
		case xml.CharData:
			if pendingText != nil {
				if err := r.text(attrs(*pendingText), string(t)); err != nil {
					return nil, err
				}
				pendingText = nil
			}
		case xml.EndElement:
			stack = stack[:len(stack)-1]
			switch t.Name.Local {
			case "clipPath":
				clipID = ""
			case "g":
				r.popLayer()
			case "text":
				pendingText = nil
			}
		}
	}
	if r.img == nil {
		return nil, fmt.Errorf("no <svg> element")
	}
	var out bytes.Buffer
	if err := png.Encode(&out, r.img); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// raster is the state of rasterSVG: the picture, and the clipped layers open above it.
type raster struct {
	scale    float64
	img      *image.RGBA
	clipDefs map[string]image.Rectangle
	layers   []layer
}

type layer struct {
	img  *image.RGBA
	clip image.Rectangle
}

// target is the image being drawn on: the innermost clipped layer, or the picture.
func (r *raster) target() *image.RGBA {
	if n := len(r.layers); n > 0 {
		return r.layers[n-1].img
	}
	return r.img
}

func (r *raster) pushLayer(clip image.Rectangle) {
	r.layers = append(r.layers, layer{img: image.NewRGBA(r.img.Bounds()), clip: clip})
}

func (r *raster) popLayer() {
	n := len(r.layers)
	if n == 0 {
		return
	}
	l := r.layers[n-1]
	r.layers = r.layers[:n-1]
	draw.Draw(r.target(), l.clip, l.img, l.clip.Min, draw.Over)
}

func (r *raster) rect(x, y, w, h float64) image.Rectangle {
	s := r.scale
	return image.Rect(int(math.Round(x*s)), int(math.Round(y*s)), int(math.Round((x+w)*s)), int(math.Round((y+h)*s)))
}

type attrMap map[string]string

func attrs(e xml.StartElement) attrMap {
	m := attrMap{}
	for _, a := range e.Attr {
		m[a.Name.Local] = a.Value
	}
	return m
}

// num is the attribute as a number (0 when absent).
func (a attrMap) num(name string) float64 {
	v, _ := strconv.ParseFloat(strings.TrimSpace(a[name]), 64)
	return v
}

// shape draws rect, line, polyline, path and circle.
func (r *raster) shape(name string, a attrMap) error {
	fill, hasFill := parseColor(a["fill"])
	stroke, hasStroke := parseColor(a["stroke"])
	width := 1.0
	if a["stroke-width"] != "" {
		width = a.num("stroke-width")
	}
	var dash []float64
	for _, f := range strings.Fields(a["stroke-dasharray"]) {
		v, err := strconv.ParseFloat(f, 64)
		if err != nil {
			return fmt.Errorf("stroke-dasharray %q", a["stroke-dasharray"])
		}
		dash = append(dash, v)
	}
	switch name {
	case "rect":
		x, y, w, h := a.num("x"), a.num("y"), a.num("width"), a.num("height")
		if _, set := a["fill"]; !set { // SVG's default fill is black
			fill, hasFill = color.RGBA{A: 255}, true
		}
		if hasFill {
			r.fillPolygon([][2]float64{{x, y}, {x + w, y}, {x + w, y + h}, {x, y + h}}, fill)
		}
		if hasStroke {
			r.stroke([][2]float64{{x, y}, {x + w, y}, {x + w, y + h}, {x, y + h}, {x, y}}, width, nil, stroke)
		}
	case "line":
		if hasStroke {
			r.stroke([][2]float64{{a.num("x1"), a.num("y1")}, {a.num("x2"), a.num("y2")}}, width, dash, stroke)
		}
	case "polyline":
		pts, err := parsePoints(a["points"])
		if err != nil {
			return err
		}
		if hasStroke {
			r.stroke(pts, width, dash, stroke)
		}
	case "path":
		subpaths, err := parsePath(a["d"])
		if err != nil {
			return err
		}
		if hasStroke {
			for _, sp := range subpaths {
				r.stroke(sp, width, dash, stroke)
			}
		}
	case "circle":
		if hasFill {
			r.fillPolygon(circle(a.num("cx"), a.num("cy"), a.num("r")), fill)
		}
	default:
		return fmt.Errorf("unsupported SVG element <%s>", name)
	}
	return nil
}

// parseColor reads #rgb, #rrggbb, rgb(r,g,b), white, black and none (ok false).
func parseColor(s string) (color.RGBA, bool) {
	s = strings.TrimSpace(s)
	switch {
	case s == "" || s == "none":
		return color.RGBA{}, false
	case s == "white":
		return color.RGBA{255, 255, 255, 255}, true
	case s == "black":
		return color.RGBA{0, 0, 0, 255}, true
	case strings.HasPrefix(s, "#") && len(s) == 4:
		v, err := strconv.ParseUint(s[1:], 16, 16)
		if err != nil {
			return color.RGBA{}, false
		}
		r, g, b := uint8(v>>8&0xf), uint8(v>>4&0xf), uint8(v&0xf)
		return color.RGBA{r * 17, g * 17, b * 17, 255}, true
	case strings.HasPrefix(s, "#") && len(s) == 7:
		v, err := strconv.ParseUint(s[1:], 16, 32)
		if err != nil {
			return color.RGBA{}, false
		}
		return color.RGBA{uint8(v >> 16), uint8(v >> 8), uint8(v), 255}, true
	case strings.HasPrefix(s, "rgb(") && strings.HasSuffix(s, ")"):
		parts := strings.Split(s[4:len(s)-1], ",")
		if len(parts) != 3 {
			return color.RGBA{}, false
		}
		var c [3]uint8
		for i, p := range parts {
			v, err := strconv.Atoi(strings.TrimSpace(p))
			if err != nil {
				return color.RGBA{}, false
			}
			c[i] = uint8(max(0, min(255, v)))
		}
		return color.RGBA{c[0], c[1], c[2], 255}, true
	}
	return color.RGBA{}, false
}

func parsePoints(s string) ([][2]float64, error) {
	var pts [][2]float64
	for _, f := range strings.Fields(s) {
		xs, ys, found := strings.Cut(f, ",")
		x, err1 := strconv.ParseFloat(xs, 64)
		y, err2 := strconv.ParseFloat(ys, 64)
		if !found || err1 != nil || err2 != nil {
			return nil, fmt.Errorf("polyline point %q", f)
		}
		pts = append(pts, [2]float64{x, y})
	}
	return pts, nil
}

// parsePath reads a path of absolute M and L commands ("M1 2L3 4M5 6L7 8") into its subpaths.
func parsePath(d string) ([][][2]float64, error) {
	var out [][][2]float64
	d = strings.NewReplacer("M", " M ", "L", " L ", ",", " ").Replace(d)
	f := strings.Fields(d)
	for i := 0; i < len(f); {
		cmd := f[i]
		if cmd != "M" && cmd != "L" {
			return nil, fmt.Errorf("path command %q (only M and L are drawn)", cmd)
		}
		if i+2 >= len(f) {
			return nil, fmt.Errorf("path %q ends early", d)
		}
		x, err1 := strconv.ParseFloat(f[i+1], 64)
		y, err2 := strconv.ParseFloat(f[i+2], 64)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("path coordinates %q %q", f[i+1], f[i+2])
		}
		if cmd == "M" || len(out) == 0 {
			out = append(out, nil)
		}
		out[len(out)-1] = append(out[len(out)-1], [2]float64{x, y})
		i += 3
	}
	return out, nil
}

// circle is a polygon of 24 points, counter-clockwise in screen coordinates like the stroke quads.
func circle(cx, cy, r float64) [][2]float64 {
	pts := make([][2]float64, 24)
	for i := range pts {
		t := 2 * math.Pi * float64(i) / float64(len(pts))
		pts[i] = [2]float64{cx + r*math.Cos(t), cy + r*math.Sin(t)}
	}
	return pts
}

// orient returns pts with a positive signed area, so that overlapping shapes drawn at once add up instead of
// cancelling.
func orient(pts [][2]float64) [][2]float64 {
	area := 0.0
	for i := range pts {
		j := (i + 1) % len(pts)
		area += pts[i][0]*pts[j][1] - pts[j][0]*pts[i][1]
	}
	if area < 0 {
		for i, j := 0, len(pts)-1; i < j; i, j = i+1, j-1 {
			pts[i], pts[j] = pts[j], pts[i]
		}
	}
	return pts
}

func (r *raster) newRasterizer() *vector.Rasterizer {
	b := r.img.Bounds()
	return vector.NewRasterizer(b.Dx(), b.Dy())
}

func (r *raster) addPolygon(z *vector.Rasterizer, pts [][2]float64) {
	if len(pts) < 3 {
		return
	}
	pts = orient(pts)
	s := float32(r.scale)
	z.MoveTo(float32(pts[0][0])*s, float32(pts[0][1])*s)
	for _, p := range pts[1:] {
		z.LineTo(float32(p[0])*s, float32(p[1])*s)
	}
	z.ClosePath()
}

func (r *raster) fillPolygon(pts [][2]float64, c color.RGBA) {
	z := r.newRasterizer()
	r.addPolygon(z, pts)
	dst := r.target()
	z.Draw(dst, dst.Bounds(), image.NewUniform(c), image.Point{})
}

// stroke draws a polyline width wide with round joins and caps, dashed when dash is set.
func (r *raster) stroke(pts [][2]float64, width float64, dash []float64, c color.RGBA) {
	if len(pts) < 2 || width <= 0 {
		return
	}
	z := r.newRasterizer()
	hw := width / 2
	for _, seg := range dashSegments(pts, dash) {
		for i := 0; i+1 < len(seg); i++ {
			a, b := seg[i], seg[i+1]
			dx, dy := b[0]-a[0], b[1]-a[1]
			l := math.Hypot(dx, dy)
			if l == 0 {
				continue
			}
			nx, ny := -dy/l*hw, dx/l*hw
			r.addPolygon(z, [][2]float64{{a[0] + nx, a[1] + ny}, {b[0] + nx, b[1] + ny}, {b[0] - nx, b[1] - ny}, {a[0] - nx, a[1] - ny}})
		}
		if width > 1.5 { // round joins and caps; a hairline needs none
			for _, p := range seg {
				r.addPolygon(z, circle(p[0], p[1], hw))
			}
		}
	}
	dst := r.target()
	z.Draw(dst, dst.Bounds(), image.NewUniform(c), image.Point{})
}

// dashSegments cuts a polyline into the drawn pieces of a dash pattern (the whole line when dash is empty).
func dashSegments(pts [][2]float64, dash []float64) [][][2]float64 {
	total := 0.0
	for _, d := range dash {
		total += d
	}
	if len(dash) == 0 || total <= 0 {
		return [][][2]float64{pts}
	}
	if len(dash)%2 == 1 { // SVG repeats an odd list to make it even
		dash = append(dash, dash...)
	}
	var out [][][2]float64
	k, left, on := 0, dash[0], true
	cur := [][2]float64{pts[0]}
	for i := 0; i+1 < len(pts); i++ {
		a, b := pts[i], pts[i+1]
		l := math.Hypot(b[0]-a[0], b[1]-a[1])
		pos := 0.0
		for l-pos > left {
			pos += left
			p := [2]float64{a[0] + (b[0]-a[0])*pos/l, a[1] + (b[1]-a[1])*pos/l}
			if on {
				out = append(out, append(cur, p))
			}
			cur = [][2]float64{p}
			on = !on
			k = (k + 1) % len(dash)
			left = dash[k]
		}
		left -= l - pos
		cur = append(cur, b)
	}
	if on && len(cur) > 1 {
		out = append(out, cur)
	}
	return out
}

var (
	facesOnce sync.Once
	faceFonts [2]*opentype.Font // regular, bold
	faceErr   error
)

// face returns Go's own font (regular or bold) at size pixels, scaled.
func (r *raster) face(size float64, bold bool) (font.Face, error) {
	facesOnce.Do(func() {
		for i, ttf := range [][]byte{goregular.TTF, gobold.TTF} {
			faceFonts[i], faceErr = opentype.Parse(ttf)
			if faceErr != nil {
				return
			}
		}
	})
	if faceErr != nil {
		return nil, faceErr
	}
	f := faceFonts[0]
	if bold {
		f = faceFonts[1]
	}
	return opentype.NewFace(f, &opentype.FaceOptions{Size: size * r.scale, DPI: 72, Hinting: font.HintingFull})
}

// text draws s at (x, y) with the element's anchor, baseline, size, weight and rotation.
func (r *raster) text(a attrMap, s string) error {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	size := 12.0
	if a["font-size"] != "" {
		size = a.num("font-size")
	}
	face, err := r.face(size, a["font-weight"] == "bold")
	if err != nil {
		return err
	}
	defer face.Close()
	fill := color.RGBA{A: 255}
	if c, ok := parseColor(a["fill"]); ok {
		fill = c
	}
	width := font.MeasureString(face, s).Ceil()
	m := face.Metrics()
	ascent, descent := m.Ascent.Ceil(), m.Descent.Ceil()
	// Draw the text on its own small image, baseline at ascent.
	tile := image.NewRGBA(image.Rect(0, 0, width+2, ascent+descent+2))
	d := font.Drawer{Dst: tile, Src: image.NewUniform(fill), Face: face, Dot: fixed.P(1, ascent+1)}
	d.DrawString(s)
	// Where the tile's anchor point (x offset by the anchor, y at the baseline) lands.
	ax := 1.0
	switch a["text-anchor"] {
	case "middle":
		ax += float64(width) / 2
	case "end":
		ax += float64(width)
	}
	ay := float64(ascent + 1)
	if a["dominant-baseline"] == "middle" {
		ay -= float64(ascent-descent) / 2
	}
	x, y := a.num("x")*r.scale, a.num("y")*r.scale
	dst := r.target()
	if strings.HasPrefix(a["transform"], "rotate(-90") {
		// A quarter turn counter-clockwise about (x, y): tile pixel (u, v) goes to (x + (v-ay), y - (u-ax)).
		b := tile.Bounds()
		for v := b.Min.Y; v < b.Max.Y; v++ {
			for u := b.Min.X; u < b.Max.X; u++ {
				c := tile.RGBAAt(u, v)
				if c.A == 0 {
					continue
				}
				px, py := int(math.Round(x+float64(v)-ay)), int(math.Round(y-float64(u)+ax))
				over(dst, px, py, c)
			}
		}
		return nil
	} else if a["transform"] != "" {
		return fmt.Errorf("unsupported text transform %q", a["transform"])
	}
	at := image.Pt(int(math.Round(x-ax)), int(math.Round(y-ay)))
	draw.Draw(dst, tile.Bounds().Add(at), tile, image.Point{}, draw.Over)
	return nil
}

// over composites premultiplied c over dst's pixel (x, y).
func over(dst *image.RGBA, x, y int, c color.RGBA) {
	if !(image.Point{x, y}).In(dst.Bounds()) {
		return
	}
	d := dst.RGBAAt(x, y)
	k := 255 - uint32(c.A)
	blend := func(s, d uint8) uint8 { return uint8(uint32(s) + uint32(d)*k/255) }
	dst.SetRGBA(x, y, color.RGBA{blend(c.R, d.R), blend(c.G, d.G), blend(c.B, d.B), blend(c.A, d.A)})
}
