package logo

import (
	"bytes"
	"context"
	"encoding/base64"
	"image"
	"image/color"
	"image/draw"
	_ "image/gif" // embedded artwork images
	_ "image/jpeg"
	_ "image/png"
	"math"
	"strings"

	"github.com/tdewolff/canvas"
	"github.com/tdewolff/canvas/renderers/rasterizer"
	xdraw "golang.org/x/image/draw"
	"golang.org/x/image/math/f64"
	_ "golang.org/x/image/webp"
)

// A painter paints a drawing (the tree of elements that SVG writes) onto an
// image. It knows the SVG that logos are made of: the logo's own elements
// and those an artwork keeps once sanitised (see allowedElements), with
// their presentation attributes, transforms, gradients, clipping paths,
// <use>, embedded raster images, group opacity and colour-matrix filters.
// Like a browser, it ignores what it cannot read rather than failing.
type painter struct {
	ctx    context.Context
	err    error
	steps  int
	ids    map[string]*node
	layers int // offscreen layers open
	images map[*node]image.Image
}

// maxLayers bounds the offscreen layers open at once (one per nested group
// with opacity, a filter or a clipping path), and so the memory a drawing
// can take; deeper effects are left out.
const maxLayers = 8

// maxImagePixels bounds each embedded raster image, decoded.
const maxImagePixels = 4 << 20

// paintTree paints root onto a new image of the given pixel size; one user
// unit is scale pixels.
func paintTree(ctx context.Context, root *node, width, height int, scale float64) (*image.RGBA, error) {
	p := &painter{ctx: ctx, ids: map[string]*node{}, images: map[*node]image.Image{}}
	root.indexIDs(p.ids)
	s := newSurface(image.Rect(0, 0, width, height))
	// The root's viewBox is the logo's own, 0 0 Width Height: no viewport
	// to apply or clip to beyond the image's edges.
	p.content(s, root, p.enter(root, state{style: defaultStyle, m: canvas.Identity.Scale(scale, scale), vw: Width, vh: Height}), 1)
	return s.img, p.err
}

// ref returns the element a "#id" or "url(#id)" reference points to.
func (p *painter) ref(v string) *node {
	v = strings.TrimSpace(v)
	if inner, ok := strings.CutPrefix(v, "url("); ok {
		v, _, _ = strings.Cut(inner, ")")
		v = strings.Trim(strings.TrimSpace(v), `'"`)
	}
	id, ok := strings.CutPrefix(v, "#")
	if !ok {
		return nil
	}
	return p.ids[id]
}

// length reads n's length attribute name, 0 when it is absent or does not
// parse; a percentage is of ref.
func (n *node) length(name string, ref float64) float64 {
	x, _ := length(n.get(name), ref)
	return x
}

// position reads n's x and y in the viewport of st.
func (n *node) position(st state) (x, y float64) {
	return n.length("x", st.vw), n.length("y", st.vh)
}

// used returns the element a <use> draws (nil when none) and the state it
// is drawn in: st moved by the <use>'s x and y.
func (p *painter) used(u *node, st state) (*node, state) {
	st.m = st.m.Translate(u.position(st))
	return p.ref(u.get("xlink:href")), st
}

// A surface is an image covering rect, in pixels of the whole logo.
type surface struct {
	img  *image.RGBA // a new image, or part of another surface's
	rect image.Rectangle
	ras  *rasterizer.Rasterizer
}

func newSurface(r image.Rectangle) *surface {
	return rasterSurface(image.NewRGBA(image.Rect(0, 0, r.Dx(), r.Dy())), r)
}

func rasterSurface(img *image.RGBA, r image.Rectangle) *surface {
	return &surface{img: img, rect: r, ras: rasterizer.FromImage(img, canvas.DPMM(1), canvas.DefaultColorSpace)}
}

// sub is the part r (not empty) of s: what is painted on it lands on s,
// clipped to r. The rasterizer draws on a sub-image from its first pixel,
// as on an image of its own.
func (s *surface) sub(r image.Rectangle) *surface {
	return rasterSurface(s.img.SubImage(s.local(r)).(*image.RGBA), r)
}

// local turns a rectangle of the logo's pixels into one of s.img.
func (s *surface) local(r image.Rectangle) image.Rectangle {
	return r.Sub(s.rect.Min).Add(s.img.Bounds().Min)
}

// raster maps the logo's pixels (y down) to the rasterizer's coordinates:
// the surface's own, y up from its bottom edge.
func (s *surface) raster() canvas.Matrix {
	return canvas.Identity.Translate(float64(-s.rect.Min.X), float64(s.rect.Max.Y)).Scale(1, -1)
}

// fill paints path (in the logo's pixels) with paint.
func (s *surface) fill(path *canvas.Path, paint canvas.Paint, rule canvas.FillRule) {
	if !paint.Has() || path.Empty() {
		return
	}
	path = path.Copy().Transform(s.raster()) // Transform changes the path it is called on
	if rule == canvas.EvenOdd {
		// The rasterizer fills by the non-zero rule only; a path the
		// library cannot settle is filled by that rule.
		guard(func() { path = path.Settle(canvas.EvenOdd) })
	}
	s.ras.RenderPath(path, canvas.Style{Fill: paint}, canvas.Identity)
}

// guard runs f, which calls into the geometry library, and reports whether
// it completed: the library panics on some degenerate shapes ("buggy
// intersection code"), which are then drawn more simply or left out rather
// than failing the logo.
func guard(f func()) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	f()
	return true
}

// state is what an element inherits: its style, the transform from its
// user units to the logo's pixels, and its viewport for percentages.
type state struct {
	style
	m      canvas.Matrix
	vw, vh float64
}

type style struct {
	fill, stroke               paintSpec
	fillOpacity, strokeOpacity float64
	fillRule, clipRule         canvas.FillRule
	strokeWidth, miterLimit    float64
	lineCap                    canvas.Capper
	lineJoin                   string
	dashes                     []float64
	dashOffset                 float64
	color                      color.NRGBA
	hidden                     bool
	fontSize, letterSpacing    float64
	textAnchor, direction      string
}

var defaultStyle = style{
	fill:        paintSpec{kind: paintColor, color: color.NRGBA{0, 0, 0, 255}},
	fillOpacity: 1, strokeOpacity: 1, strokeWidth: 1, miterLimit: 4,
	lineCap: canvas.ButtCap, lineJoin: "miter",
	color: color.NRGBA{0, 0, 0, 255}, fontSize: 16, textAnchor: "start", direction: "ltr",
}

type paintKind int

const (
	paintNone paintKind = iota
	paintColor
	paintCurrent // currentColor
	paintRef     // a gradient, or color when it cannot be used
)

type paintSpec struct {
	kind  paintKind
	color color.NRGBA
	ref   string
}

func parsePaint(v string) (paintSpec, bool) {
	v = strings.TrimSpace(v)
	switch {
	case v == "none":
		return paintSpec{kind: paintNone}, true
	case strings.EqualFold(v, "currentColor"):
		return paintSpec{kind: paintCurrent}, true
	case strings.HasPrefix(v, "url("):
		i := strings.IndexByte(v, ')')
		if i < 0 {
			return paintSpec{}, false
		}
		ps := paintSpec{kind: paintRef, ref: v[:i+1]}
		if fb := strings.TrimSpace(v[i+1:]); fb != "" && fb != "none" {
			ps.color, _ = parseColor(fb)
		}
		return ps, true
	}
	c, ok := parseColor(v)
	return paintSpec{kind: paintColor, color: c}, ok
}

// enter returns the state of n's content: in, with n's presentation
// attributes and transform applied.
func (p *painter) enter(n *node, in state) state {
	st := in
	if v := n.get("color"); v != "" {
		if c, ok := parseColor(v); ok {
			st.color = c
		}
	}
	for _, at := range n.attrs {
		v := strings.TrimSpace(at.value)
		if v == "inherit" {
			continue
		}
		switch at.name {
		case "fill", "stroke":
			ps, ok := parsePaint(v)
			if !ok {
				continue
			}
			if ps.kind == paintCurrent {
				ps = paintSpec{kind: paintColor, color: st.color}
			}
			if at.name == "fill" {
				st.fill = ps
			} else {
				st.stroke = ps
			}
		case "fill-opacity":
			if x, ok := fraction(v); ok {
				st.fillOpacity = x
			}
		case "stroke-opacity":
			if x, ok := fraction(v); ok {
				st.strokeOpacity = x
			}
		case "fill-rule", "clip-rule":
			rule := canvas.NonZero
			if v == "evenodd" {
				rule = canvas.EvenOdd
			}
			if at.name == "fill-rule" {
				st.fillRule = rule
			} else {
				st.clipRule = rule
			}
		case "stroke-width":
			if x, ok := length(v, math.Hypot(st.vw, st.vh)/math.Sqrt2); ok && x >= 0 {
				st.strokeWidth = x
			}
		case "stroke-miterlimit":
			if x, ok := length(v, 1); ok && x >= 1 {
				st.miterLimit = x
			}
		case "stroke-linecap":
			switch v {
			case "butt":
				st.lineCap = canvas.ButtCap
			case "round":
				st.lineCap = canvas.RoundCap
			case "square":
				st.lineCap = canvas.SquareCap
			}
		case "stroke-linejoin":
			st.lineJoin = v
		case "stroke-dasharray":
			st.dashes = dashes(v)
		case "stroke-dashoffset":
			if x, ok := length(v, 1); ok {
				st.dashOffset = x
			}
		case "visibility":
			st.hidden = v == "hidden" || v == "collapse"
		case "font-size":
			if x, ok := length(v, st.fontSize); ok && x > 0 {
				st.fontSize = x
			}
		case "letter-spacing":
			if x, ok := length(v, 1); ok {
				st.letterSpacing = x
			} else if v == "normal" {
				st.letterSpacing = 0
			}
		case "text-anchor":
			st.textAnchor = v
		case "direction":
			st.direction = v
		case "transform":
			if m, ok := parseTransform(v); ok {
				st.m = st.m.Mul(m)
			}
		}
	}
	return st
}

// dashes reads stroke-dasharray; nil means a solid line.
func dashes(v string) []float64 {
	if v == "none" {
		return nil
	}
	d, ok := numbers(strings.ReplaceAll(v, "px", ""))
	if !ok || len(d) == 0 {
		return nil
	}
	sum := 0.0
	for _, x := range d {
		if x < 0 {
			return nil
		}
		sum += x
	}
	if sum == 0 {
		return nil
	}
	return d
}

// notDrawn are the elements drawn only through a reference, or never.
var notDrawn = map[string]bool{
	"defs": true, "title": true, "clipPath": true, "linearGradient": true, "radialGradient": true,
	"stop": true, "filter": true, "feColorMatrix": true,
}

// paint paints n and its content onto s.
func (p *painter) paint(s *surface, n *node, in state) {
	if p.err != nil || notDrawn[n.name] || n.get("display") == "none" {
		return
	}
	if p.steps++; p.steps%64 == 0 {
		if err := p.ctx.Err(); err != nil {
			p.err = err
			return
		}
	}
	st := p.enter(n, in)
	if n.name == "use" {
		var target *node
		if target, st = p.used(n, st); target == nil || target.name == "use" {
			return
		}
	}
	var clips []clip
	if c, ok := p.clipPath(n, st); ok {
		clips = append(clips, c)
	}
	if n.name == "svg" || n.name == "image" {
		var ok bool
		if st, ok = p.viewport(n, st, &clips); !ok {
			return
		}
	}
	for _, c := range clips {
		if c.path == nil {
			return // a clip that lets nothing through
		}
	}
	opacity := 1.0
	if v := n.get("opacity"); v != "" {
		opacity, _ = fraction(v)
	}
	filter := p.ref(n.get("filter"))
	if filter != nil && filter.name != "filter" {
		filter = nil
	}
	// A shape applies its opacity to its own fill and stroke; a group's
	// opacity or a filter needs the group painted apart first.
	group := n.name == "g" || n.name == "svg" || n.name == "use"
	inPlace := filter == nil && (opacity == 1 || !group)
	if len(clips) == 0 && inPlace || p.layers >= maxLayers {
		p.content(s, n, st, opacity)
		return
	}

	// Clips to a rectangle on the pixel grid are drawn in place, on the
	// part of the surface they keep. Any other effect takes an offscreen
	// layer, composited with the group's opacity, filter and clipping as one
	// image, as SVG defines them.
	r := s.rect
	var masks []clip
	for _, c := range clips {
		if c.pixels.Empty() {
			r = r.Intersect(pixelBounds(c.path.FastBounds()))
			masks = append(masks, c)
		} else {
			r = r.Intersect(c.pixels)
		}
	}
	if r.Empty() {
		return
	}
	if len(masks) == 0 && inPlace {
		p.content(s.sub(r), n, st, opacity)
		return
	}
	if e, ok := p.extent(n, in); ok {
		if r = r.Intersect(pixelBounds(e)); r.Empty() {
			return
		}
	}
	p.layers++
	defer func() { p.layers-- }()
	layer := newSurface(r)
	p.content(layer, n, st, 1)
	if filter != nil {
		colorMatrix(layer.img, filter)
	}
	var mask image.Image = image.NewUniform(color.Alpha{uint8(math.Round(opacity * 255))})
	if len(masks) > 0 {
		alpha := image.NewAlpha(layer.img.Bounds())
		for i := range alpha.Pix {
			alpha.Pix[i] = uint8(math.Round(opacity * 255))
		}
		for _, c := range masks {
			m := newSurface(r)
			m.fill(c.path, canvas.Paint{Color: canvas.White}, c.rule)
			for i := range alpha.Pix {
				alpha.Pix[i] = uint8((uint32(alpha.Pix[i])*uint32(m.img.Pix[4*i+3]) + 127) / 255)
			}
		}
		mask = alpha
	}
	draw.DrawMask(s.img, s.local(r), layer.img, image.Point{}, mask, image.Point{}, draw.Over)
}

// content paints n itself (a shape, a text, an image) or its children.
func (p *painter) content(s *surface, n *node, st state, opacity float64) {
	switch n.name {
	case "g", "svg":
		for _, c := range n.children {
			p.paint(s, c, st)
		}
	case "use":
		p.paint(s, p.ref(n.get("xlink:href")), st)
	case "image":
		p.image(s, n, st, opacity)
	case "text":
		p.text(s, n, st, opacity)
	default:
		if path := shape(n, st); path != nil && !st.hidden {
			p.shape(s, path, st, opacity)
		}
	}
}

// shape returns the outline of a basic shape in its user units, or nil.
func shape(n *node, st state) *canvas.Path {
	diag := math.Hypot(st.vw, st.vh) / math.Sqrt2
	switch n.name {
	case "path":
		path, err := canvas.ParseSVGPath(n.get("d"))
		if err != nil {
			return nil
		}
		return path
	case "rect":
		x, y := n.position(st)
		w, h := n.length("width", st.vw), n.length("height", st.vh)
		if w <= 0 || h <= 0 {
			return nil
		}
		rx, okx := length(n.get("rx"), st.vw)
		ry, oky := length(n.get("ry"), st.vh)
		switch {
		case !okx && oky:
			rx = ry
		case okx && !oky:
			ry = rx
		}
		rx, ry = min(max(rx, 0), w/2), min(max(ry, 0), h/2)
		if rx == 0 || ry == 0 {
			return canvas.Rectangle(w, h).Translate(x, y)
		}
		path := &canvas.Path{}
		path.MoveTo(x+rx, y)
		path.LineTo(x+w-rx, y)
		path.ArcTo(rx, ry, 0, false, true, x+w, y+ry)
		path.LineTo(x+w, y+h-ry)
		path.ArcTo(rx, ry, 0, false, true, x+w-rx, y+h)
		path.LineTo(x+rx, y+h)
		path.ArcTo(rx, ry, 0, false, true, x, y+h-ry)
		path.LineTo(x, y+ry)
		path.ArcTo(rx, ry, 0, false, true, x+rx, y)
		path.Close()
		return path
	case "circle":
		if r := n.length("r", diag); r > 0 {
			return canvas.Circle(r).Translate(n.length("cx", st.vw), n.length("cy", st.vh))
		}
	case "ellipse":
		rx, ry := n.length("rx", st.vw), n.length("ry", st.vh)
		if rx > 0 && ry > 0 {
			return canvas.Ellipse(rx, ry).Translate(n.length("cx", st.vw), n.length("cy", st.vh))
		}
	case "line":
		path := &canvas.Path{}
		path.MoveTo(n.length("x1", st.vw), n.length("y1", st.vh))
		path.LineTo(n.length("x2", st.vw), n.length("y2", st.vh))
		return path
	case "polyline", "polygon":
		pts, _ := numbers(n.get("points"))
		if len(pts) < 4 {
			return nil
		}
		path := &canvas.Path{}
		path.MoveTo(pts[0], pts[1])
		for i := 2; i+1 < len(pts); i += 2 {
			path.LineTo(pts[i], pts[i+1])
		}
		if n.name == "polygon" {
			path.Close()
		}
		return path
	}
	return nil
}

// shape fills and strokes path (in user units).
func (p *painter) shape(s *surface, path *canvas.Path, st state, opacity float64) {
	bbox := path.Bounds()
	if fill := p.resolve(st.fill, st.fillOpacity*opacity, bbox, st, s); fill.Has() {
		s.fill(path.Copy().Transform(st.m), fill, st.fillRule)
	}
	if st.strokeWidth <= 0 {
		return
	}
	stroke := p.resolve(st.stroke, st.strokeOpacity*opacity, bbox, st, s)
	if !stroke.Has() {
		return
	}
	line := path
	if st.dashes != nil {
		line = line.Dash(st.dashOffset, st.dashes...)
	}
	// The outline is made in user units, then transformed: a stroke scales
	// with its element, and is flattened finely enough for its final size.
	tolerance := canvas.PixelTolerance / max(scaleOf(st.m), 1e-9)
	var outline *canvas.Path
	if guard(func() {
		outline = line.Stroke(st.strokeWidth, st.lineCap, joiner(st.lineJoin, st.miterLimit), tolerance)
	}) {
		s.fill(outline.Transform(st.m), stroke, canvas.NonZero)
	}
}

func joiner(join string, limit float64) canvas.Joiner {
	switch join {
	case "round":
		return canvas.RoundJoin
	case "bevel":
		return canvas.BevelJoin
	case "arcs":
		return canvas.ArcsJoiner{GapJoiner: canvas.BevelJoin, Limit: limit}
	case "miter-clip":
		return canvas.MiterJoiner{Limit: limit}
	}
	return canvas.MiterJoiner{GapJoiner: canvas.BevelJoin, Limit: limit}
}

// scaleOf is the factor by which m scales lengths, on average.
func scaleOf(m canvas.Matrix) float64 {
	return math.Sqrt(math.Abs(m.Det()))
}

// text paints a <text> element: one line, in the embedded font.
func (p *painter) text(s *surface, n *node, st state, opacity float64) {
	if st.hidden || n.text == "" {
		return
	}
	xs, _ := numbers(n.get("x"))
	ys, _ := numbers(n.get("y"))
	var x, y float64
	if len(xs) > 0 {
		x = xs[0]
	}
	if len(ys) > 0 {
		y = ys[0]
	}
	path, advance := textPath(n.text, st.fontSize, st.letterSpacing)
	switch anchor := st.textAnchor; {
	case anchor == "middle":
		x -= advance / 2
	case (anchor == "end") != (st.direction == "rtl"):
		x -= advance
	}
	path = path.Translate(x, y)
	if fill := p.resolve(st.fill, st.fillOpacity*opacity, path.Bounds(), st, s); fill.Has() {
		s.fill(path.Transform(st.m), fill, canvas.NonZero)
	}
}

// resolve turns a paint into what the rasterizer takes, for an element
// whose bounding box (in user units) is bbox.
func (p *painter) resolve(ps paintSpec, opacity float64, bbox canvas.Rect, st state, s *surface) canvas.Paint {
	switch ps.kind {
	case paintColor:
		return canvas.Paint{Color: premultiply(ps.color, opacity)}
	case paintRef:
		if g := p.ref(ps.ref); g != nil && (g.name == "linearGradient" || g.name == "radialGradient") {
			if gr := p.gradient(g, bbox, st, s, opacity); gr != nil {
				return gr.paint()
			}
			return canvas.Paint{}
		}
		return canvas.Paint{Color: premultiply(ps.color, opacity)}
	}
	return canvas.Paint{}
}

func premultiply(c color.NRGBA, opacity float64) color.RGBA {
	a := float64(c.A) / 255 * opacity
	return color.RGBA{
		uint8(math.Round(float64(c.R) * a)), uint8(math.Round(float64(c.G) * a)),
		uint8(math.Round(float64(c.B) * a)), uint8(math.Round(a * 255)),
	}
}

// A clip is a clipping region: a path in the logo's pixels and, when the
// path is a rectangle on the pixel grid (rounded to it), that rectangle.
type clip struct {
	path   *canvas.Path
	rule   canvas.FillRule
	pixels image.Rectangle
}

// rectClip is the clip of the rectangle x, y, w, h in user units under m.
func rectClip(x, y, w, h float64, m canvas.Matrix) clip {
	c := clip{path: canvas.Rectangle(w, h).Translate(x, y).Transform(m), rule: canvas.NonZero}
	if m[0][1] == 0 && m[1][0] == 0 {
		b := c.path.FastBounds()
		c.pixels = image.Rect(int(math.Round(b.X0)), int(math.Round(b.Y0)), int(math.Round(b.X1)), int(math.Round(b.Y1)))
		if c.pixels.Empty() {
			c.path = nil // lets nothing through
		}
	}
	return c
}

// clipPath returns the region n's clip-path attribute keeps, ok false when
// n has none (or refers to nothing usable); a nil path keeps nothing.
func (p *painter) clipPath(n *node, st state) (clip, bool) {
	cp := p.ref(n.get("clip-path"))
	if cp == nil || cp.name != "clipPath" {
		return clip{}, false
	}
	base := st.m
	if cp.get("clipPathUnits") == "objectBoundingBox" {
		e, ok := p.userBounds(n, st, false)
		if !ok || e.W() <= 0 || e.H() <= 0 {
			return clip{}, true
		}
		base = base.Translate(e.X0, e.Y0).Scale(e.W(), e.H())
	}
	cst := p.enter(cp, state{style: defaultStyle, m: base, vw: st.vw, vh: st.vh})
	if len(cp.children) == 1 {
		if c := cp.children[0]; c.name == "rect" && c.get("rx") == "" && c.get("ry") == "" && c.get("display") != "none" {
			cs := p.enter(c, cst)
			if w, h := c.length("width", cs.vw), c.length("height", cs.vh); w > 0 && h > 0 && !cs.hidden {
				x, y := c.position(cs)
				return rectClip(x, y, w, h, cs.m), true
			}
			return clip{}, true
		}
	}
	region := &canvas.Path{}
	for _, c := range cp.children {
		el, est := c, p.enter(c, cst)
		if c.name == "use" {
			if el, est = p.used(c, est); el == nil {
				continue
			}
			est = p.enter(el, est)
		}
		if c.get("display") == "none" || el.get("display") == "none" || est.hidden {
			continue
		}
		path := shape(el, est)
		if path == nil {
			continue
		}
		path = path.Transform(est.m)
		// Settled parts all turn the same way, so that together they fill
		// their union by the non-zero rule.
		if est.clipRule == canvas.EvenOdd || len(cp.children) > 1 {
			guard(func() { path = path.Settle(est.clipRule) })
		}
		region = region.Append(path)
	}
	if region.Empty() {
		return clip{}, true
	}
	return clip{path: region, rule: canvas.NonZero}, true
}

// viewport applies a nested <svg>'s or an <image>'s viewport: it returns
// the state of its content and adds the clip of its edges when its
// content may overflow them. ok is false when there is nothing to draw.
func (p *painter) viewport(n *node, st state, clips *[]clip) (state, bool) {
	x, y := n.position(st)
	w, wok := length(n.get("width"), st.vw)
	h, hok := length(n.get("height"), st.vh)
	var vb [4]float64
	if n.name == "image" {
		img := p.decode(n)
		if img == nil {
			return st, false
		}
		b := img.Bounds()
		vb = [4]float64{0, 0, float64(b.Dx()), float64(b.Dy())}
	} else {
		f, ok := numbers(n.get("viewBox"))
		if ok && len(f) == 4 && f[2] > 0 && f[3] > 0 {
			vb = [4]float64{f[0], f[1], f[2], f[3]}
		}
	}
	if !wok {
		w = vb[2]
	}
	if !hok {
		h = vb[3]
	}
	if w <= 0 || h <= 0 {
		return st, false
	}
	box := st.m
	if vb[2] > 0 {
		m, slice := viewBoxMatrix(vb, x, y, w, h, n.get("preserveAspectRatio"))
		st.m = st.m.Mul(m)
		st.vw, st.vh = vb[2], vb[3]
		if n.name == "image" && !slice {
			return st, true
		}
	} else {
		st.m = st.m.Translate(x, y)
		st.vw, st.vh = w, h
	}
	if o := n.get("overflow"); n.name == "svg" && (o == "visible" || o == "auto") {
		return st, true
	}
	*clips = append(*clips, rectClip(x, y, w, h, box))
	return st, true
}

// image paints an embedded raster image; st maps its pixels.
func (p *painter) image(s *surface, n *node, st state, opacity float64) {
	img := p.decode(n)
	if img == nil || st.hidden {
		return
	}
	if opacity < 1 {
		faded := image.NewRGBA(img.Bounds())
		draw.DrawMask(faded, faded.Bounds(), img, img.Bounds().Min, image.NewUniform(color.Alpha{uint8(math.Round(opacity * 255))}), image.Point{}, draw.Src)
		img = faded
	}
	// Drawn here rather than by the rasterizer, which places images
	// relative to its image's own origin, not a sub-image's.
	m := canvas.Identity.Translate(float64(s.img.Rect.Min.X-s.rect.Min.X), float64(s.img.Rect.Min.Y-s.rect.Min.Y)).Mul(st.m)
	xdraw.CatmullRom.Transform(s.img, f64.Aff3{m[0][0], m[0][1], m[0][2], m[1][0], m[1][1], m[1][2]}, img, img.Bounds(), xdraw.Over, nil)
}

// decode returns an <image>'s embedded picture, or nil when it is not a
// readable PNG, JPEG, GIF or WebP of a bounded size.
func (p *painter) decode(n *node) image.Image {
	if img, ok := p.images[n]; ok {
		return img
	}
	p.images[n] = nil
	href := strings.TrimSpace(n.get("xlink:href"))
	if !rasterData.MatchString(href) {
		return nil
	}
	meta, data, ok := strings.Cut(href, ",")
	if !ok || !strings.HasSuffix(strings.ToLower(meta), ";base64") {
		return nil
	}
	raw, err := base64.StdEncoding.DecodeString(strings.Map(func(r rune) rune {
		if r == ' ' || r == '\n' || r == '\r' || r == '\t' {
			return -1
		}
		return r
	}, data))
	if err != nil {
		return nil
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(raw))
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > maxImagePixels {
		return nil
	}
	img, _, err := image.Decode(bytes.NewReader(raw))
	if err != nil {
		return nil
	}
	p.images[n] = img
	return img
}

// extent bounds, in the logo's pixels, what n paints (generously); ok is
// false when unknown.
func (p *painter) extent(n *node, in state) (canvas.Rect, bool) {
	e, ok := p.userBounds(n, in, true)
	if !ok {
		return canvas.Rect{}, false
	}
	return e.Transform(p.enter(n, in).m), true
}

// userBounds bounds n's geometry in its own user units, with the width of
// strokes when asked (generously: as if every join were a miter); ok is
// false when unknown or empty.
func (p *painter) userBounds(n *node, in state, strokes bool) (canvas.Rect, bool) {
	st := p.enter(n, in)
	st.m = canvas.Identity
	switch n.name {
	case "g", "svg", "use":
		kids := n.children
		switch n.name {
		case "use":
			var t *node
			if t, st = p.used(n, st); t == nil {
				return canvas.Rect{}, false
			}
			kids = []*node{t}
		case "svg":
			var clips []clip
			var ok bool
			if st, ok = p.viewport(n, st, &clips); !ok {
				return canvas.Rect{}, false
			}
			if len(clips) > 0 {
				return clips[0].path.Bounds(), true
			}
		}
		var r canvas.Rect
		found := false
		for _, c := range kids {
			if notDrawn[c.name] || c.get("display") == "none" {
				continue
			}
			e, ok := p.userBounds(c, st, strokes)
			if !ok {
				if c.name == "text" {
					return canvas.Rect{}, false
				}
				continue
			}
			e = e.Transform(p.enter(c, st).m)
			if found {
				r = r.Add(e)
			} else {
				r, found = e, true
			}
		}
		return r, found
	case "image":
		img := p.decode(n)
		if img == nil {
			return canvas.Rect{}, false
		}
		x, y := n.position(st)
		w, ok := length(n.get("width"), st.vw)
		if !ok {
			w = float64(img.Bounds().Dx())
		}
		h, ok := length(n.get("height"), st.vh)
		if !ok {
			h = float64(img.Bounds().Dy())
		}
		return canvas.RectFromSize(x, y, w, h), true
	}
	path := shape(n, st)
	if path == nil {
		return canvas.Rect{}, false
	}
	r := path.Bounds()
	if strokes && st.stroke.kind != paintNone {
		r = r.Expand(st.strokeWidth * max(st.miterLimit, 1) / 2)
	}
	return r, true
}

func pixelBounds(r canvas.Rect) image.Rectangle {
	return image.Rect(int(math.Floor(r.X0))-1, int(math.Floor(r.Y0))-1, int(math.Ceil(r.X1))+1, int(math.Ceil(r.Y1))+1)
}
