package logo

import (
	"bytes"
	_ "embed"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Artwork is the program's emblem: an SVG document whose drawing is placed
// into every group's logo. Community managers upload it; until they do,
// DefaultArtwork is used.
type Artwork struct {
	SVG []byte
}

//go:embed default_artwork.svg
var defaultArtwork []byte

// DefaultArtwork returns the emblem shipped with Chapterhouse: a faceted
// hexagon carrying three connected nodes.
func DefaultArtwork() Artwork {
	return Artwork{SVG: bytes.Clone(defaultArtwork)}
}

// Limits on an artwork document.
const (
	MaxArtworkBytes = 1 << 20 // size of the uploaded SVG
	maxElements     = 5000
	maxDepth        = 64
	maxUseCost      = 20000 // elements drawn again through <use>, summed
)

// ErrArtwork is wrapped by every error about an artwork that cannot be used;
// the message says why.
var ErrArtwork = errors.New("logo: artwork refused")

func artworkError(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrArtwork, fmt.Sprintf(format, args...))
}

// ParseArtwork checks an uploaded SVG and returns it cleaned: only the
// drawing elements and attributes of the allow-list are kept, identifiers
// are prefixed so that they cannot clash with the logo's own, and styles
// become presentation attributes. It refuses (with an error wrapping
// ErrArtwork) documents that are not SVG, that have no size, and anything
// active or external: <script>, <foreignObject>, event-handler attributes
// (on…), and references (href, url()) to anything but a fragment of the
// document itself or an embedded raster image (data:image/png, jpeg, gif,
// webp).
func ParseArtwork(svg []byte) (Artwork, error) {
	a, err := parseArtwork(svg)
	if err != nil {
		return Artwork{}, err
	}
	var b bytes.Buffer
	doc := el("svg", "xmlns", svgNS, "xmlns:xlink", xlinkNS, "viewBox", a.viewBoxString())
	doc.add(a.content()...)
	doc.writeDocument(&b)
	return Artwork{SVG: b.Bytes()}, nil
}

// artwork is a parsed, cleaned artwork.
type artwork struct {
	viewBox [4]float64
	root    *node // an svg element turned into a g; its children are the drawing
}

type node struct {
	name     string
	attrs    []attr
	children []*node
	text     string // character data, in the logo's own <text> and <title>
}

// el makes an element from attribute names and values in pairs.
func el(name string, attrs ...string) *node {
	n := &node{name: name}
	for i := 0; i+1 < len(attrs); i += 2 {
		n.attrs = append(n.attrs, attr{attrs[i], attrs[i+1]})
	}
	return n
}

func textEl(text, name string, attrs ...string) *node {
	n := el(name, attrs...)
	n.text = text
	return n
}

// set adds an attribute unless its value is empty.
func (n *node) set(name, value string) *node {
	if value != "" {
		n.attrs = append(n.attrs, attr{name, value})
	}
	return n
}

// add appends children and returns the first, so that a container and its
// content can be written in one expression.
func (n *node) add(children ...*node) *node {
	n.children = append(n.children, children...)
	if len(children) == 0 {
		return nil
	}
	return children[0]
}

// indexIDs adds n and its descendants to ids by identifier. Of elements
// sharing one, the first in document order is kept, as browsers resolve a
// reference; the checks of <use> and the painter must agree on it.
func (n *node) indexIDs(ids map[string]*node) {
	if id := n.get("id"); id != "" {
		if _, dup := ids[id]; !dup {
			ids[id] = n
		}
	}
	for _, c := range n.children {
		c.indexIDs(ids)
	}
}

func (n *node) get(name string) string {
	for _, at := range n.attrs {
		if at.name == name {
			return at.value
		}
	}
	return ""
}

type attr struct{ name, value string }

const (
	svgNS   = "http://www.w3.org/2000/svg"
	xlinkNS = "http://www.w3.org/1999/xlink"
)

// allowedElements is the subset of SVG an artwork may use: shapes, groups,
// gradients, clipping paths, local reuse and embedded raster images. Other
// elements (text, style, animation, metadata, editors' extensions…) are
// dropped with their content.
var allowedElements = map[string]bool{
	"g": true, "defs": true, "path": true, "circle": true, "rect": true, "ellipse": true,
	"line": true, "polyline": true, "polygon": true, "linearGradient": true,
	"radialGradient": true, "stop": true, "clipPath": true, "use": true, "image": true,
}

// allowedAttributes are kept on every allowed element (href is handled apart).
var allowedAttributes = map[string]bool{
	"id": true, "transform": true, "d": true, "points": true, "pathLength": true,
	"x": true, "y": true, "x1": true, "y1": true, "x2": true, "y2": true,
	"cx": true, "cy": true, "r": true, "rx": true, "ry": true, "fx": true, "fy": true, "fr": true,
	"width": true, "height": true, "preserveAspectRatio": true,
	"gradientUnits": true, "gradientTransform": true, "spreadMethod": true,
	"offset": true, "clipPathUnits": true,
}

// presentation are the properties kept from attributes and from style="…".
var presentation = map[string]bool{
	"fill": true, "fill-opacity": true, "fill-rule": true,
	"stroke": true, "stroke-width": true, "stroke-opacity": true, "stroke-linecap": true,
	"stroke-linejoin": true, "stroke-miterlimit": true, "stroke-dasharray": true,
	"stroke-dashoffset": true, "opacity": true, "stop-color": true, "stop-opacity": true,
	"clip-path": true, "clip-rule": true, "display": true, "visibility": true,
	"color": true, "vector-effect": true, "paint-order": true, "shape-rendering": true,
}

// refused are elements whose mere presence refuses the artwork, in any
// namespace.
var refused = map[string]bool{"script": true, "foreignobject": true, "handler": true, "listener": true}

var (
	urlRef      = regexp.MustCompile(`(?i)url\(\s*(['"]?)([^)'"]*)(['"]?)\s*\)`)
	safeCSS     = regexp.MustCompile(`^[A-Za-z0-9#%.,()\s'"_+-]*$`)
	rasterData  = regexp.MustCompile(`(?i)^data:image/(png|jpeg|gif|webp)[;,]`)
	unsafeIDRun = regexp.MustCompile(`[^A-Za-z0-9_-]`)
)

// idPrefix is put before every identifier of the artwork.
const idPrefix = "art-"

func localID(ref string) string { return idPrefix + unsafeIDRun.ReplaceAllString(ref, "_") }

func parseArtwork(src []byte) (*artwork, error) {
	if len(src) == 0 {
		return nil, artworkError("empty document")
	}
	if len(src) > MaxArtworkBytes {
		return nil, artworkError("larger than %d bytes", MaxArtworkBytes)
	}
	d := xml.NewDecoder(bytes.NewReader(src))
	d.Strict = true
	var (
		a       artwork
		stack   []*node // nil entries: inside a dropped element
		count   int
		sawRoot bool
	)
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, artworkError("not well-formed XML: %v", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			count++
			if count > maxElements {
				return nil, artworkError("more than %d elements", maxElements)
			}
			if len(stack) >= maxDepth {
				return nil, artworkError("nested deeper than %d elements", maxDepth)
			}
			if err := checkElement(t); err != nil {
				return nil, err
			}
			if !sawRoot {
				sawRoot = true
				if t.Name.Local != "svg" || (t.Name.Space != svgNS && t.Name.Space != "") {
					return nil, artworkError("the root element is <%s>, not <svg>", t.Name.Local)
				}
				vb, err := rootViewBox(t)
				if err != nil {
					return nil, err
				}
				a.viewBox = vb
				n, err := newNode("g", t.Attr)
				if err != nil {
					return nil, err
				}
				n.attrs = slices.DeleteFunc(n.attrs, func(at attr) bool { return !presentation[at.name] })
				a.root = n
				stack = append(stack, n)
				continue
			}
			if len(stack) == 0 {
				return nil, artworkError("elements after the root <svg> element")
			}
			var n *node
			parent := stack[len(stack)-1]
			if parent != nil && isSVG(t.Name) && allowedElements[t.Name.Local] {
				n, err = newNode(t.Name.Local, t.Attr)
				if err != nil {
					return nil, err
				}
				parent.children = append(parent.children, n)
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.ProcInst:
			if strings.EqualFold(t.Target, "xml-stylesheet") {
				return nil, artworkError("external style sheet")
			}
		case xml.Directive:
			if bytes.Contains(bytes.ToUpper(t), []byte("<!ENTITY")) || bytes.Contains(bytes.ToUpper(t), []byte("ENTITY ")) {
				return nil, artworkError("entity declarations are not accepted")
			}
		}
	}
	if a.root == nil {
		return nil, artworkError("no <svg> element")
	}
	if err := a.checkReferences(); err != nil {
		return nil, err
	}
	return &a, nil
}

func isSVG(n xml.Name) bool { return n.Space == svgNS || n.Space == "" }

// checkElement refuses the artwork for an active element or attribute, or
// an external reference, wherever it appears (also inside elements that
// would be dropped).
func checkElement(t xml.StartElement) error {
	if refused[strings.ToLower(t.Name.Local)] {
		return artworkError("<%s> is not accepted", t.Name.Local)
	}
	for _, at := range t.Attr {
		local := strings.ToLower(at.Name.Local)
		if strings.HasPrefix(local, "on") {
			return artworkError("event handler attribute %s on <%s>", at.Name.Local, t.Name.Local)
		}
		if local == "style" && strings.Contains(at.Value, "\\") {
			return artworkError("escaped CSS in a style attribute on <%s>", t.Name.Local)
		}
		if local == "href" || local == "src" {
			if err := checkHref(t.Name.Local, at.Value); err != nil {
				return err
			}
		}
		if err := checkURLs(at.Value); err != nil {
			return err
		}
	}
	return nil
}

func checkHref(element, v string) error {
	v = strings.TrimSpace(v)
	if strings.HasPrefix(v, "#") {
		return nil
	}
	if element == "image" && rasterData.MatchString(v) {
		return nil
	}
	return artworkError("external reference %q on <%s>", shorten(v), element)
}

// checkURLs refuses url(…) references to anything but a local fragment, in
// attributes and in style declarations alike.
func checkURLs(v string) error {
	if !strings.Contains(strings.ToLower(v), "url") {
		return nil
	}
	lower := strings.ToLower(v)
	if strings.Contains(lower, "@import") || strings.Contains(lower, "\\") {
		return artworkError("external reference %q", shorten(v))
	}
	for _, m := range urlRef.FindAllStringSubmatch(v, -1) {
		if !strings.HasPrefix(strings.TrimSpace(m[2]), "#") {
			return artworkError("external reference %q", shorten(m[0]))
		}
	}
	// url( without a parsable reference: refuse rather than guess.
	if strings.Count(lower, "url(") != len(urlRef.FindAllString(v, -1)) {
		return artworkError("unreadable reference %q", shorten(v))
	}
	return nil
}

func shorten(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}

// newNode keeps the allowed attributes of an element, turning its style
// declarations into presentation attributes (which they override).
func newNode(name string, attrs []xml.Attr) (*node, error) {
	n := &node{name: name}
	set := func(k, v string) {
		for i := range n.attrs {
			if n.attrs[i].name == k {
				n.attrs[i].value = v
				return
			}
		}
		n.attrs = append(n.attrs, attr{k, v})
	}
	var style string
	for _, at := range attrs {
		k, v := at.Name.Local, at.Value
		switch {
		case at.Name.Space == xlinkNS && k == "href", at.Name.Space == "" && k == "href":
			if name == "use" && !strings.HasPrefix(strings.TrimSpace(v), "#") {
				return nil, artworkError("<use> may only refer to the document itself")
			}
			set("xlink:href", rewriteRef(strings.TrimSpace(v)))
		case at.Name.Space != "":
			// xmlns declarations, xml:space, editors' namespaces: dropped
		case k == "style":
			style = v
		case k == "id":
			set("id", localID(v))
		case allowedAttributes[k] || presentation[k]:
			set(k, rewriteURLs(v))
		}
	}
	for _, decl := range strings.Split(style, ";") {
		k, v, ok := strings.Cut(decl, ":")
		if !ok {
			continue
		}
		k = strings.ToLower(strings.TrimSpace(k))
		v = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "!important"))
		if !presentation[k] || v == "" || !safeCSS.MatchString(v) {
			continue
		}
		set(k, rewriteURLs(v))
	}
	return n, nil
}

func rewriteRef(v string) string {
	if strings.HasPrefix(v, "#") {
		return "#" + localID(v[1:])
	}
	return v // an embedded raster image (checked before)
}

func rewriteURLs(v string) string {
	return urlRef.ReplaceAllStringFunc(v, func(m string) string {
		ref := strings.TrimSpace(urlRef.FindStringSubmatch(m)[2])
		return "url(#" + localID(strings.TrimPrefix(ref, "#")) + ")"
	})
}

// rootViewBox reads the drawing's coordinate system from viewBox, or else
// from width and height.
func rootViewBox(t xml.StartElement) ([4]float64, error) {
	var vb [4]float64
	var w, h string
	for _, at := range t.Attr {
		if at.Name.Space != "" {
			continue
		}
		switch at.Name.Local {
		case "viewBox":
			f := strings.FieldsFunc(at.Value, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' || r == '\r' })
			if len(f) != 4 {
				return vb, artworkError("viewBox %q is not four numbers", shorten(at.Value))
			}
			for i, s := range f {
				x, err := strconv.ParseFloat(s, 64)
				if err != nil || math.IsInf(x, 0) || math.IsNaN(x) {
					return vb, artworkError("viewBox %q is not four numbers", shorten(at.Value))
				}
				vb[i] = x
			}
			if vb[2] <= 0 || vb[3] <= 0 {
				return vb, artworkError("viewBox %q has no area", shorten(at.Value))
			}
			return vb, nil
		case "width":
			w = at.Value
		case "height":
			h = at.Value
		}
	}
	wf, werr := leadingNumber(w)
	hf, herr := leadingNumber(h)
	if werr != nil || herr != nil || wf <= 0 || hf <= 0 {
		return vb, artworkError("the <svg> element needs a viewBox (or a width and a height in pixels)")
	}
	return [4]float64{0, 0, wf, hf}, nil
}

func leadingNumber(s string) (float64, error) {
	s = strings.TrimSpace(s)
	s = strings.TrimSuffix(s, "px")
	x, err := strconv.ParseFloat(s, 64)
	if err == nil && (math.IsInf(x, 0) || math.IsNaN(x)) {
		err = errors.New("not finite")
	}
	return x, err
}

// checkReferences bounds what <use> can multiply: a <use> may not point to
// an element that contains another <use> (nor to itself or an ancestor),
// and the elements drawn again through <use> are counted.
func (a *artwork) checkReferences() error {
	ids := map[string]*node{}
	a.root.indexIDs(ids)
	cost := 0
	var walk func(n *node) error
	walk = func(n *node) error {
		if n.name == "use" {
			for _, at := range n.attrs {
				if at.name != "xlink:href" {
					continue
				}
				target := ids[strings.TrimPrefix(at.value, "#")]
				if target == nil {
					continue
				}
				size, hasUse := target.size()
				if hasUse {
					return artworkError("<use> refers to an element containing <use>")
				}
				cost += size
				if cost > maxUseCost {
					return artworkError("<use> repeats more than %d elements", maxUseCost)
				}
			}
		}
		for _, c := range n.children {
			if err := walk(c); err != nil {
				return err
			}
		}
		return nil
	}
	return walk(a.root)
}

func (n *node) size() (count int, hasUse bool) {
	count = 1
	hasUse = n.name == "use"
	for _, c := range n.children {
		k, u := c.size()
		count += k
		hasUse = hasUse || u
	}
	return count, hasUse
}

func (a *artwork) viewBoxString() string {
	s := make([]string, 4)
	for i, x := range a.viewBox {
		s[i] = num(x)
	}
	return strings.Join(s, " ")
}

// content is the drawing: the root's own presentation attributes on a
// group around its children.
func (a *artwork) content() []*node {
	if len(a.root.attrs) == 0 {
		return a.root.children
	}
	return []*node{a.root}
}

// writeDocument writes n as the root of a document, a line per child.
func (n *node) writeDocument(b *bytes.Buffer) {
	n.writeOpen(b)
	b.WriteString(">\n")
	for _, c := range n.children {
		c.write(b)
		b.WriteByte('\n')
	}
	b.WriteString("</" + n.name + ">\n")
}

// writeOpen writes the start tag of n but its closing > or />.
func (n *node) writeOpen(b *bytes.Buffer) {
	b.WriteByte('<')
	b.WriteString(n.name)
	for _, at := range n.attrs {
		b.WriteByte(' ')
		b.WriteString(at.name)
		b.WriteString(`="`)
		escape(b, at.value)
		b.WriteByte('"')
	}
}

func (n *node) write(b *bytes.Buffer) {
	n.writeOpen(b)
	if len(n.children) == 0 && n.text == "" {
		b.WriteString("/>")
		return
	}
	b.WriteByte('>')
	escape(b, n.text)
	for _, c := range n.children {
		c.write(b)
	}
	b.WriteString("</")
	b.WriteString(n.name)
	b.WriteByte('>')
}

// escape writes s as XML character data or attribute text.
func escape(b *bytes.Buffer, s string) {
	_ = xml.EscapeText(b, []byte(s))
}

func num(x float64) string {
	return strconv.FormatFloat(x, 'f', -1, 64)
}
