// Package logo draws a user group's logo: the program's artwork beside the
// group's name, in the official variant or the visibly distinct new-group
// one, as a standalone SVG or as a PNG painted in Go from the same layout.
//
// Names are untrusted text: they are escaped, stripped of control and
// bidirectional-override characters, wrapped on at most three lines and
// shrunk (or, past the smallest legible size, cut with an ellipsis) so that
// they never leave their box. Widths are estimated per character on the
// generous side, since the fonts that draw the SVG are the viewer's.
// Right-to-left names are set right to left and aligned right.
//
// The PNG is drawn with the Go Bold font, embedded: Latin, Greek and
// Cyrillic. A name in another script is drawn in a form the font can show
// (see drawableName).
package logo

import (
	"bytes"
	"errors"
	"fmt"
)

// Variant is the kind of logo a group may use.
type Variant int

const (
	// New is the logo of a group that is not, or no longer, official: muted
	// colours, dashed outlines and a "NEW GROUP" label.
	New Variant = iota
	// Official is the logo of an official group, marked "OFFICIAL USER
	// GROUP" with a seal.
	Official
)

func (v Variant) String() string {
	switch v {
	case New:
		return "new"
	case Official:
		return "official"
	}
	return fmt.Sprintf("Variant(%d)", int(v))
}

// ErrEmptyName is returned for a name with nothing to draw.
var ErrEmptyName = errors.New("logo: the group name is empty")

// The canvas and its parts, in SVG user units.
const (
	Width  = 600
	Height = 300

	emblemX, emblemY, emblemR = 132.0, 150.0, 104.0
	artSize                   = 148.0

	textLeft, textRight = 262.0, 572.0
	textBoxWidth        = textRight - textLeft
	maxLines            = 3
	maxNameHeight       = 168.0

	ascent, descent, lineHeight = 0.76, 0.24, 1.2 // em

	barWidth, barHeight = 56.0, 4.0
	gapAboveBar         = 16.0
	gapBelowBar         = 14.0

	taglineSize    = 15.0
	taglineSpacing = 2.4
	pillHeight     = 26.0
	pillSize       = 13.0
	pillSpacing    = 2.0
	pillPadding    = 14.0
)

// nameSizes are the font sizes tried for the name, largest first; the last
// is the smallest considered legible.
var nameSizes = []float64{46, 42, 38, 34, 31, 28, 25, 22, 20, 18, 16}

// fontFamily is for the SVG's viewers: Noto Sans (with its Arabic and
// Hebrew companions) or DejaVu Sans when they have them, else their usual
// sans-serif; other scripts and emoji are found by their font fallback.
// The PNG ignores it and draws with the embedded font.
const fontFamily = `'Noto Sans', 'Noto Sans Arabic', 'Noto Sans Hebrew', 'DejaVu Sans', 'Segoe UI', 'Helvetica Neue', Arial, sans-serif`

const (
	officialLabel = "OFFICIAL USER GROUP"
	newLabel      = "NEW GROUP"
)

type palette struct {
	card, cardStroke, cardDash   string
	disk1, disk2, ring, ringDash string
	name, bar1, bar2, label      string
	pill, pillText               string
}

var palettes = map[Variant]palette{
	Official: {
		card: "#ffffff", cardStroke: "#e2e8f0",
		disk1: "#eef2ff", disk2: "#e0e7ff", ring: "#c7d2fe",
		name: "#0f172a", bar1: "#4f46e5", bar2: "#0ea5e9", label: "#4338ca",
	},
	New: {
		card: "#f8fafc", cardStroke: "#94a3b8", cardDash: "12 8",
		disk1: "#f1f5f9", disk2: "#e2e8f0", ring: "#94a3b8", ringDash: "7 6",
		name: "#334155", bar1: "#94a3b8", bar2: "#cbd5e1",
		pill: "#64748b", pillText: "#ffffff",
	},
}

// SVG draws the logo of the group called name. A zero Artwork means the
// default one. The result is a standalone SVG document of Width×Height user
// units; the same input always gives the same bytes, so callers may cache
// it and derive an ETag from it.
func SVG(name string, v Variant, art Artwork) ([]byte, error) {
	text, a, err := prepare(name, art)
	if err != nil {
		return nil, err
	}
	root, err := drawing(text, v, a)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	root.writeDocument(&b)
	return b.Bytes(), nil
}

// prepare reads what SVG and PNG draw: the name as it is drawn, and the
// artwork (the default one when art is zero).
func prepare(name string, art Artwork) (string, *artwork, error) {
	text := cleanName(name)
	if text == "" {
		return "", nil, ErrEmptyName
	}
	src := art.SVG
	if len(src) == 0 {
		src = defaultArtwork
	}
	a, err := parseArtwork(src)
	if err != nil {
		return "", nil, err
	}
	return text, a, nil
}

// drawing lays out the logo of a group whose name reads text as one tree
// of SVG elements, which SVG writes out and PNG paints: both renderings
// come from this one layout. An empty text leaves the name out (PNG does
// so when no form of the name can be drawn).
func drawing(text string, v Variant, a *artwork) (*node, error) {
	pal, ok := palettes[v]
	if !ok {
		return nil, fmt.Errorf("logo: unknown variant %d", int(v))
	}
	title := text + " — new user group"
	if v == Official {
		title = text + " — official user group"
	}
	root := el("svg", "xmlns", svgNS, "xmlns:xlink", xlinkNS, "width", num(Width), "height", num(Height),
		"viewBox", fmt.Sprintf("0 0 %d %d", Width, Height), "role", "img", "aria-labelledby", "logo-title")
	root.add(textEl(title, "title", "id", "logo-title"))

	// Definitions: the emblem's disk, the accent bar, the new-group mute.
	defs := root.add(el("defs"))
	defs.add(el("radialGradient", "id", "logo-disk", "cx", "0.35", "cy", "0.3", "r", "0.8")).add(
		el("stop", "offset", "0", "stop-color", pal.disk1),
		el("stop", "offset", "1", "stop-color", pal.disk2))
	defs.add(el("linearGradient", "id", "logo-bar", "x1", "0", "y1", "0", "x2", "1", "y2", "0")).add(
		el("stop", "offset", "0", "stop-color", pal.bar1),
		el("stop", "offset", "1", "stop-color", pal.bar2))
	// Should a viewer's font be wider than estimated, the name is cut at
	// the emblem and the card's edge rather than drawn over them.
	defs.add(el("clipPath", "id", "logo-text-area")).add(
		el("rect", "x", num(emblemX+emblemR+8), "y", "6", "width", num(Width-6-(emblemX+emblemR+8)), "height", num(Height-12)))
	if v == New {
		defs.add(el("filter", "id", "logo-muted", "x", "0", "y", "0", "width", "1", "height", "1")).add(
			el("feColorMatrix", "type", "saturate", "values", "0.2"))
	}

	// The card.
	root.add(el("rect", "x", "1.5", "y", "1.5", "width", num(Width-3), "height", num(Height-3), "rx", "26",
		"fill", pal.card, "stroke", pal.cardStroke, "stroke-width", "3").set("stroke-dasharray", pal.cardDash))

	// The emblem: a disk, the artwork scaled into its square, and for
	// official groups a seal.
	root.add(el("circle", "cx", num(emblemX), "cy", num(emblemY), "r", num(emblemR), "fill", "url(#logo-disk)",
		"stroke", pal.ring, "stroke-width", "3").set("stroke-dasharray", pal.ringDash))
	emblem := root.add(el("g"))
	if v == New {
		emblem.set("filter", "url(#logo-muted)").set("opacity", "0.75")
	}
	emblem.add(el("svg", "x", num(emblemX-artSize/2), "y", num(emblemY-artSize/2), "width", num(artSize), "height", num(artSize),
		"viewBox", a.viewBoxString(), "preserveAspectRatio", "xMidYMid meet", "overflow", "hidden")).add(a.content()...)
	if v == Official {
		root.add(el("g", "transform", "translate(210 226)")).add(
			el("circle", "r", "25", "fill", "url(#logo-bar)", "stroke", "#ffffff", "stroke-width", "5"),
			el("path", "d", "M-10 1l7 7 13-15", "fill", "none", "stroke", "#ffffff", "stroke-width", "5",
				"stroke-linecap", "round", "stroke-linejoin", "round"))
	}

	// The name, the accent bar and the label, as one block centred
	// vertically, aligned left (right for a right-to-left name).
	size, lines := layoutName(text)
	rtl := isRTL(text)
	labelHeight := taglineSize * ascent
	if v == New {
		labelHeight = pillHeight
	}
	nameHeight, barGap := 0.0, 0.0
	if len(lines) > 0 {
		nameHeight = (ascent + float64(len(lines)-1)*lineHeight + descent) * size
		barGap = gapAboveBar
	}
	top := (Height - (nameHeight + barGap + barHeight + gapBelowBar + labelHeight)) / 2
	x, dir := textLeft, "ltr"
	if rtl {
		x, dir = textRight, "rtl" // with direction rtl, "start" is the right end
	}
	names := root.add(el("g", "clip-path", "url(#logo-text-area)", "font-family", fontFamily, "font-weight", "700",
		"font-size", num(size), "fill", pal.name))
	for i, l := range lines {
		y := top + (ascent+float64(i)*lineHeight)*size
		names.add(textEl(l.text, "text", "class", "logo-name", "x", num(x), "y", num(round2(y)), "direction", dir,
			"unicode-bidi", "embed", "text-anchor", "start"))
	}

	barY := top + nameHeight + barGap
	barX := textLeft
	if rtl {
		barX = textRight - barWidth
	}
	root.add(el("rect", "x", num(barX), "y", num(round2(barY)), "width", num(barWidth), "height", num(barHeight),
		"rx", "2", "fill", "url(#logo-bar)"))

	labelTop := barY + barHeight + gapBelowBar
	if v == Official {
		lx, la := textLeft, "start"
		if rtl {
			lx, la = textRight, "end"
		}
		root.add(textEl(officialLabel, "text", "x", num(lx), "y", num(round2(labelTop+labelHeight)), "font-family", fontFamily,
			"font-weight", "700", "font-size", num(taglineSize), "letter-spacing", num(taglineSpacing), "fill", pal.label,
			"direction", "ltr", "text-anchor", la))
	} else {
		w := pillWidth()
		px := textLeft
		if rtl {
			px = textRight - w
		}
		root.add(el("rect", "x", num(px), "y", num(round2(labelTop)), "width", num(round2(w)), "height", num(pillHeight),
			"rx", num(pillHeight/2), "fill", pal.pill))
		root.add(textEl(newLabel, "text", "x", num(round2(px+w/2+pillSpacing/2)), "y", num(round2(labelTop+pillHeight/2+pillSize*0.36)),
			"font-family", fontFamily, "font-weight", "700", "font-size", num(pillSize), "letter-spacing", num(pillSpacing),
			"fill", pal.pillText, "direction", "ltr", "text-anchor", "middle"))
	}
	return root, nil
}

// layoutName chooses the largest font size at which the name fits on at
// most three lines without breaking a word; failing that, breaking the
// words too wide for a line; failing that, the smallest size with the text
// cut by an ellipsis.
func layoutName(text string) (size float64, lines []line) {
	words := splitWords(text)
	for _, breakWords := range []bool{false, true} {
		for _, s := range nameSizes {
			max := textBoxWidth / s
			if l, ok := wrap(words, max, breakWords, maxLines); ok && fitsHeight(len(l), s) {
				return s, balance(words, max, breakWords, len(l))
			}
		}
	}
	s := nameSizes[len(nameSizes)-1]
	return s, truncate(words, textBoxWidth/s, maxLines)
}

func fitsHeight(n int, size float64) bool {
	return (ascent+float64(n-1)*lineHeight+descent)*size <= maxNameHeight
}

// labelWidth estimates the width of a letter-spaced label.
func labelWidth(s string, size, spacing float64) float64 {
	n := 0
	for range s {
		n++
	}
	return textWidth(s)*size + float64(n)*spacing
}

func pillWidth() float64 {
	return labelWidth(newLabel, pillSize, pillSpacing) + 2*pillPadding
}

func round2(x float64) float64 {
	return float64(int(x*100+0.5)) / 100
}
