// Package logo draws a user group's logo: the program's artwork beside the
// group's name, in the official variant or the visibly distinct new-group
// one, as a standalone SVG, and rasterizes it to PNG with rsvg-convert.
//
// Names are untrusted text: they are escaped, stripped of control and
// bidirectional-override characters, wrapped on at most three lines and
// shrunk (or, past the smallest legible size, cut with an ellipsis) so that
// they never leave their box. Widths are estimated per character on the
// generous side, since the fonts that draw the SVG are the viewer's.
// Right-to-left names are set right to left and aligned right.
//
// The PNG looks as good as the fonts of the machine that renders it. On
// Debian: librsvg2-bin (rsvg-convert), fonts-dejavu-core (Latin, Greek,
// Cyrillic, Arabic, Hebrew), fonts-noto-core (nicer Arabic and Hebrew, and
// Indic, Thai, Ethiopic… scripts), fonts-wqy-microhei (Chinese, Japanese,
// Korean) and fonts-symbola (emoji, drawn in one colour).
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

// fontFamily prefers Noto Sans (with its Arabic and Hebrew companions) and
// DejaVu Sans, which the rasterizing machine is expected to have; browsers
// fall back to their usual sans-serif. Other scripts and emoji are found by
// the renderer's font fallback.
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
	text := cleanName(name)
	if text == "" {
		return nil, ErrEmptyName
	}
	pal, ok := palettes[v]
	if !ok {
		return nil, fmt.Errorf("logo: unknown variant %d", int(v))
	}
	src := art.SVG
	if len(src) == 0 {
		src = defaultArtwork
	}
	a, err := parseArtwork(src)
	if err != nil {
		return nil, err
	}
	size, lines := layoutName(text)
	rtl := isRTL(text)

	var b bytes.Buffer
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p(`<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-labelledby="logo-title">`+"\n", Width, Height, Width, Height)
	b.WriteString(`<title id="logo-title">`)
	escape(&b, text)
	if v == Official {
		b.WriteString(" — official user group")
	} else {
		b.WriteString(" — new user group")
	}
	b.WriteString("</title>\n")

	// Definitions: the emblem's disk, the accent bar, the new-group mute.
	p(`<defs><radialGradient id="logo-disk" cx="0.35" cy="0.3" r="0.8"><stop offset="0" stop-color="%s"/><stop offset="1" stop-color="%s"/></radialGradient>`, pal.disk1, pal.disk2)
	p(`<linearGradient id="logo-bar" x1="0" y1="0" x2="1" y2="0"><stop offset="0" stop-color="%s"/><stop offset="1" stop-color="%s"/></linearGradient>`, pal.bar1, pal.bar2)
	// Should a viewer's font be wider than estimated, the name is cut at
	// the emblem and the card's edge rather than drawn over them.
	p(`<clipPath id="logo-text-area"><rect x="%s" y="6" width="%s" height="%d"/></clipPath>`, num(emblemX+emblemR+8), num(Width-6-(emblemX+emblemR+8)), Height-12)
	if v == New {
		b.WriteString(`<filter id="logo-muted" x="0" y="0" width="1" height="1"><feColorMatrix type="saturate" values="0.2"/></filter>`)
	}
	b.WriteString("</defs>\n")

	// The card.
	p(`<rect x="1.5" y="1.5" width="%d" height="%d" rx="26" fill="%s" stroke="%s" stroke-width="3"`, Width-3, Height-3, pal.card, pal.cardStroke)
	if pal.cardDash != "" {
		p(` stroke-dasharray="%s"`, pal.cardDash)
	}
	b.WriteString("/>\n")

	// The emblem: a disk, the artwork scaled into its square, and for
	// official groups a seal.
	p(`<circle cx="%s" cy="%s" r="%s" fill="url(#logo-disk)" stroke="%s" stroke-width="3"`, num(emblemX), num(emblemY), num(emblemR), pal.ring)
	if pal.ringDash != "" {
		p(` stroke-dasharray="%s"`, pal.ringDash)
	}
	b.WriteString("/>\n")
	if v == New {
		b.WriteString(`<g filter="url(#logo-muted)" opacity="0.75">`)
	} else {
		b.WriteString(`<g>`)
	}
	p(`<svg x="%s" y="%s" width="%s" height="%s" viewBox="%s" preserveAspectRatio="xMidYMid meet" overflow="hidden">`,
		num(emblemX-artSize/2), num(emblemY-artSize/2), num(artSize), num(artSize), a.viewBoxString())
	a.writeContent(&b)
	b.WriteString("</svg></g>\n")
	if v == Official {
		b.WriteString(`<g transform="translate(210 226)"><circle r="25" fill="url(#logo-bar)" stroke="#ffffff" stroke-width="5"/>` +
			`<path d="M-10 1l7 7 13-15" fill="none" stroke="#ffffff" stroke-width="5" stroke-linecap="round" stroke-linejoin="round"/></g>` + "\n")
	}

	// The name, the accent bar and the label, as one block centred
	// vertically, aligned left (right for a right-to-left name).
	labelHeight := taglineSize * ascent
	if v == New {
		labelHeight = pillHeight
	}
	nameHeight := (ascent + float64(len(lines)-1)*lineHeight + descent) * size
	top := (Height - (nameHeight + gapAboveBar + barHeight + gapBelowBar + labelHeight)) / 2
	x, dir := textLeft, "ltr"
	if rtl {
		x, dir = textRight, "rtl" // with direction rtl, "start" is the right end
	}
	p(`<g clip-path="url(#logo-text-area)" font-family="%s" font-weight="700" font-size="%s" fill="%s">`+"\n", fontFamily, num(size), pal.name)
	for i, l := range lines {
		y := top + (ascent+float64(i)*lineHeight)*size
		p(`<text class="logo-name" x="%s" y="%s" direction="%s" unicode-bidi="embed" text-anchor="start">`, num(x), num(round2(y)), dir)
		escape(&b, l.text)
		b.WriteString("</text>\n")
	}
	b.WriteString("</g>\n")

	barY := top + nameHeight + gapAboveBar
	barX := textLeft
	if rtl {
		barX = textRight - barWidth
	}
	p(`<rect x="%s" y="%s" width="%s" height="%s" rx="2" fill="url(#logo-bar)"/>`+"\n", num(barX), num(round2(barY)), num(barWidth), num(barHeight))

	labelTop := barY + barHeight + gapBelowBar
	if v == Official {
		lx, la := textLeft, "start"
		if rtl {
			lx, la = textRight, "end"
		}
		p(`<text x="%s" y="%s" font-family="%s" font-weight="700" font-size="%s" letter-spacing="%s" fill="%s" direction="ltr" text-anchor="%s">%s</text>`+"\n",
			num(lx), num(round2(labelTop+labelHeight)), fontFamily, num(taglineSize), num(taglineSpacing), pal.label, la, officialLabel)
	} else {
		w := pillWidth()
		px := textLeft
		if rtl {
			px = textRight - w
		}
		p(`<rect x="%s" y="%s" width="%s" height="%s" rx="%s" fill="%s"/>`, num(px), num(round2(labelTop)), num(round2(w)), num(pillHeight), num(pillHeight/2), pal.pill)
		p(`<text x="%s" y="%s" font-family="%s" font-weight="700" font-size="%s" letter-spacing="%s" fill="%s" direction="ltr" text-anchor="middle">%s</text>`+"\n",
			num(round2(px+w/2+pillSpacing/2)), num(round2(labelTop+pillHeight/2+pillSize*0.36)), fontFamily, num(pillSize), num(pillSpacing), pal.pillText, newLabel)
	}
	b.WriteString("</svg>\n")
	return b.Bytes(), nil
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
