package logo

import (
	"image"
	"image/color"
	"math"
	"strings"
	"sync"

	"github.com/tdewolff/canvas"
)

// maxHrefChain bounds how many gradients deep the attributes and stops of
// a gradient are looked up through xlink:href (which may loop).
const maxHrefChain = 8

// A gradient paints a linear or radial SVG gradient. The rasterizer asks
// it for the colour of each pixel of the surface it draws on.
type gradient struct {
	inv    canvas.Matrix // from the logo's pixels to the gradient's units
	origin image.Point   // of the surface, in the logo's pixels
	radial bool
	// linear: from (x1, y1) to (x2, y2); radial: from the focal circle
	// (fx, fy, fr) to the circle (cx, cy, r)
	x1, y1, x2, y2 float64
	cx, cy, r      float64
	fx, fy, fr     float64
	spread         string
	stops          []gradientStop
}

type gradientStop struct {
	offset float64
	color  [4]float64 // non-premultiplied, 0…1
}

func (g *gradient) paint() canvas.Paint {
	if len(g.stops) == 1 {
		return canvas.Paint{Color: g.color(0)}
	}
	return canvas.Paint{Gradient: g}
}

// SetView and SetColorSpace leave the gradient as it is: its coordinates
// are already the surface's, and the rasterizer paints in sRGB, as SVG does.
func (g *gradient) SetView(canvas.Matrix) canvas.Gradient           { return g }
func (g *gradient) SetColorSpace(canvas.ColorSpace) canvas.Gradient { return g }

// At returns the colour of the surface's pixel (x, y).
func (g *gradient) At(x, y float64) color.RGBA {
	pt := g.inv.Dot(canvas.Point{X: x + 0.5 + float64(g.origin.X), Y: y + 0.5 + float64(g.origin.Y)})
	var t float64
	if g.radial {
		var ok bool
		if t, ok = conicT(pt, g); !ok {
			return color.RGBA{}
		}
	} else {
		dx, dy := g.x2-g.x1, g.y2-g.y1
		d2 := dx*dx + dy*dy
		if d2 == 0 {
			t = 1 // the area is painted with the last stop
		} else {
			t = ((pt.X-g.x1)*dx + (pt.Y-g.y1)*dy) / d2
		}
	}
	switch g.spread {
	case "repeat":
		t -= math.Floor(t)
	case "reflect":
		t = math.Mod(math.Abs(t), 2)
		if t > 1 {
			t = 2 - t
		}
	}
	return g.color(t)
}

// conicT finds the largest t for which pt lies on the circle interpolated
// between the focal circle (t = 0) and the end circle (t = 1) with a
// radius that is not negative, as SVG and canvas define radial gradients.
func conicT(pt canvas.Point, g *gradient) (float64, bool) {
	cdx, cdy, dr := g.cx-g.fx, g.cy-g.fy, g.r-g.fr
	pdx, pdy := pt.X-g.fx, pt.Y-g.fy
	a := cdx*cdx + cdy*cdy - dr*dr
	b := pdx*cdx + pdy*cdy + g.fr*dr
	c := pdx*pdx + pdy*pdy - g.fr*g.fr
	if math.Abs(a) < 1e-12 {
		if b == 0 {
			return 0, false
		}
		t := c / (2 * b)
		return t, g.fr+t*dr >= 0
	}
	disc := b*b - a*c
	if disc < 0 {
		return 0, false
	}
	sq := math.Sqrt(disc)
	t1, t2 := (b+sq)/a, (b-sq)/a
	if t1 < t2 {
		t1, t2 = t2, t1
	}
	for _, t := range []float64{t1, t2} {
		if g.fr+t*dr >= 0 {
			return t, true
		}
	}
	return 0, false
}

// color interpolates the stops at t, padded at both ends.
func (g *gradient) color(t float64) color.RGBA {
	s := g.stops
	c := s[len(s)-1].color
	if t <= s[0].offset {
		c = s[0].color
	} else {
		for i := 1; i < len(s); i++ {
			if t < s[i].offset {
				a, b := s[i-1], s[i]
				f := (t - a.offset) / (b.offset - a.offset)
				for k := range c {
					c[k] = a.color[k] + f*(b.color[k]-a.color[k])
				}
				break
			}
		}
	}
	return color.RGBA{
		uint8(math.Round(c[0] * c[3] * 255)), uint8(math.Round(c[1] * c[3] * 255)),
		uint8(math.Round(c[2] * c[3] * 255)), uint8(math.Round(c[3] * 255)),
	}
}

// A gradientChain is a gradient element followed by the gradients it
// refers to through xlink:href, at most maxHrefChain in all: it inherits
// their attributes and stops when it does not set its own.
type gradientChain []*node

func (p *painter) gradientChain(g *node) gradientChain {
	chain := gradientChain{g}
	for len(chain) < maxHrefChain {
		if g = p.ref(g.get("xlink:href")); g == nil || !strings.HasSuffix(g.name, "Gradient") {
			break
		}
		chain = append(chain, g)
	}
	return chain
}

// attr reads an attribute from the first gradient of the chain that sets it.
func (c gradientChain) attr(name string) string {
	for _, g := range c {
		if v := g.get(name); v != "" {
			return v
		}
	}
	return ""
}

// gradient prepares the gradient element g to paint an element whose
// bounding box is bbox, on surface s; nil means nothing is painted.
func (p *painter) gradient(g *node, bbox canvas.Rect, st state, s *surface, opacity float64) *gradient {
	chain := p.gradientChain(g)
	gr := &gradient{radial: g.name == "radialGradient", spread: chain.attr("spreadMethod"), origin: s.rect.Min}
	gr.stops = chain.stops(opacity)
	if len(gr.stops) == 0 {
		return nil
	}
	m := st.m
	w, h := st.vw, st.vh
	if chain.attr("gradientUnits") != "userSpaceOnUse" {
		if bbox.W() <= 0 || bbox.H() <= 0 {
			return nil // SVG paints nothing with a box that has no area
		}
		m = m.Translate(bbox.X0, bbox.Y0).Scale(bbox.W(), bbox.H())
		w, h = 1, 1
	}
	if t, ok := parseTransform(chain.attr("gradientTransform")); ok {
		m = m.Mul(t)
	}
	if math.Abs(m.Det()) < 1e-12 {
		return nil
	}
	gr.inv = m.Inv()
	coord := func(name, def string, ref float64) float64 {
		v := chain.attr(name)
		if v == "" {
			v = def
		}
		x, ok := length(v, ref)
		if !ok {
			x, _ = length(def, ref)
		}
		return x
	}
	diag := math.Hypot(w, h) / math.Sqrt2
	if gr.radial {
		gr.cx, gr.cy, gr.r = coord("cx", "50%", w), coord("cy", "50%", h), coord("r", "50%", diag)
		gr.fx, gr.fy, gr.fr = gr.cx, gr.cy, coord("fr", "0%", diag)
		if chain.attr("fx") != "" {
			gr.fx = coord("fx", "50%", w)
		}
		if chain.attr("fy") != "" {
			gr.fy = coord("fy", "50%", h)
		}
		if gr.r <= 0 {
			return &gradient{stops: gr.stops[len(gr.stops)-1:]} // the last stop's colour
		}
	} else {
		gr.x1, gr.y1 = coord("x1", "0%", w), coord("y1", "0%", h)
		gr.x2, gr.y2 = coord("x2", "100%", w), coord("y2", "0%", h)
	}
	return gr
}

// stops reads the stops of the first gradient of the chain that has any,
// their offsets made increasing as SVG requires.
func (chain gradientChain) stops(opacity float64) []gradientStop {
	for _, g := range chain {
		var out []gradientStop
		last := 0.0
		for _, c := range g.children {
			if c.name != "stop" {
				continue
			}
			off, _ := fraction(c.get("offset"))
			off = max(off, last)
			last = off
			col, ok := parseColor(c.get("stop-color"))
			if !ok {
				col = color.NRGBA{0, 0, 0, 255}
			}
			a := float64(col.A) / 255 * opacity
			if v := c.get("stop-opacity"); v != "" {
				so, _ := fraction(v)
				a *= so
			}
			out = append(out, gradientStop{off, [4]float64{float64(col.R) / 255, float64(col.G) / 255, float64(col.B) / 255, a}})
		}
		if len(out) > 0 {
			return out
		}
	}
	return nil
}

// colorMatrix applies a filter made of one feColorMatrix (the mute of the
// new-group logo, or an artwork's) to img, in linear RGB unless the filter
// asks for sRGB, as SVG filters do by default.
func colorMatrix(img *image.RGBA, filter *node) {
	var fe *node
	for _, c := range filter.children {
		if c.name == "feColorMatrix" {
			fe = c
			break
		}
	}
	if fe == nil {
		return
	}
	m, ok := matrixOf(fe)
	if !ok {
		return
	}
	linear := filter.get("color-interpolation-filters") != "sRGB" && fe.get("color-interpolation-filters") != "sRGB"
	toLinear, fromLinear := identityCurve, identityCurve
	if linear {
		toLinear, fromLinear = srgbCurves()
	}
	px := img.Pix
	for i := 0; i+3 < len(px); i += 4 {
		a := px[i+3]
		if a == 0 {
			continue
		}
		// Unpremultiply.
		var in [4]float64
		for k := range 3 {
			in[k] = toLinear(float64(min(255, (int(px[i+k])*255+int(a)/2)/int(a))) / 255)
		}
		in[3] = float64(a) / 255
		var out [4]float64
		for row := range 4 {
			v := m[row*5+4]
			for k := range 4 {
				v += m[row*5+k] * in[k]
			}
			out[row] = min(max(v, 0), 1)
		}
		for k := range 3 {
			px[i+k] = uint8(math.Round(fromLinear(out[k]) * out[3] * 255))
		}
		px[i+3] = uint8(math.Round(out[3] * 255))
	}
}

// matrixOf returns the 4×5 matrix of an feColorMatrix.
func matrixOf(fe *node) ([20]float64, bool) {
	var m [20]float64
	vals, ok := numbers(fe.get("values"))
	if !ok {
		return m, false
	}
	switch fe.get("type") {
	case "", "matrix":
		if len(vals) != 20 {
			return m, false
		}
		copy(m[:], vals)
	case "saturate":
		s := 1.0
		if len(vals) == 1 {
			s = vals[0]
		}
		m = [20]float64{
			0.213 + 0.787*s, 0.715 - 0.715*s, 0.072 - 0.072*s, 0, 0,
			0.213 - 0.213*s, 0.715 + 0.285*s, 0.072 - 0.072*s, 0, 0,
			0.213 - 0.213*s, 0.715 - 0.715*s, 0.072 + 0.928*s, 0, 0,
			0, 0, 0, 1, 0,
		}
	case "hueRotate":
		deg := 0.0
		if len(vals) == 1 {
			deg = vals[0]
		}
		sin, cos := math.Sincos(deg * math.Pi / 180)
		m = [20]float64{
			0.213 + cos*0.787 - sin*0.213, 0.715 - cos*0.715 - sin*0.715, 0.072 - cos*0.072 + sin*0.928, 0, 0,
			0.213 - cos*0.213 + sin*0.143, 0.715 + cos*0.285 + sin*0.140, 0.072 - cos*0.072 - sin*0.283, 0, 0,
			0.213 - cos*0.213 - sin*0.787, 0.715 - cos*0.715 + sin*0.715, 0.072 + cos*0.928 + sin*0.072, 0, 0,
			0, 0, 0, 1, 0,
		}
	case "luminanceToAlpha":
		m = [20]float64{15: 0.2125, 16: 0.7154, 17: 0.0721}
	default:
		return m, false
	}
	return m, true
}

func identityCurve(v float64) float64 { return v }

// srgbCurves convert between sRGB and linear light, through tables: a
// filter runs them on every pixel of the artwork.
var srgbCurves = sync.OnceValues(func() (toLinear, fromLinear func(float64) float64) {
	var to [256]float64
	for i := range to {
		v := float64(i) / 255
		if v <= 0.04045 {
			to[i] = v / 12.92
		} else {
			to[i] = math.Pow((v+0.055)/1.055, 2.4)
		}
	}
	var from [4096]float64
	for i := range from {
		v := float64(i) / float64(len(from)-1)
		if v <= 0.0031308 {
			from[i] = v * 12.92
		} else {
			from[i] = 1.055*math.Pow(v, 1/2.4) - 0.055
		}
	}
	toLinear = func(v float64) float64 { return to[int(math.Round(v*255))] }
	fromLinear = func(v float64) float64 { return from[int(math.Round(v*float64(len(from)-1)))] }
	return toLinear, fromLinear
})
