package logo

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/gosimple/unidecode"
	"github.com/tdewolff/canvas"
	"github.com/tdewolff/canvas/text"
	"github.com/tdewolff/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/text/unicode/norm"
)

// The PNG's texts are all bold (the name and the labels), so one face is
// embedded: Go Bold, which covers Latin, Greek and Cyrillic.
var boldFace = sync.OnceValue(func() *canvas.FontFace {
	f, err := canvas.LoadFont(gobold.TTF, 0, canvas.FontBold)
	if err != nil {
		panic("logo: the embedded font does not load: " + err.Error())
	}
	return f.Face(12, canvas.Black)
})

// shaping serialises the shaper, which keeps state between calls.
var shaping sync.Mutex

func glyphs(s string) []text.Glyph {
	shaping.Lock()
	defer shaping.Unlock()
	return boldFace().Glyphs(s)
}

// embeddedAdvance is the advance of r in em in the embedded font, 0 when
// the font lacks it.
func embeddedAdvance(r rune) float64 {
	sfnt := boldFace().Font.SFNT
	id := sfnt.GlyphIndex(r)
	if id == 0 {
		return 0
	}
	return float64(sfnt.GlyphAdvance(id)) / float64(sfnt.Head.UnitsPerEm)
}

// drawable reports whether the font has a glyph for every character of s;
// a missing one would be drawn as an empty box.
func drawable(s string) bool {
	for _, g := range glyphs(s) {
		if g.ID == 0 {
			return false
		}
	}
	return true
}

// textPath returns the outline of s at size (user units), with spacing
// added after each glyph, its baseline starting at the origin and y
// pointing down as in SVG, and its advance.
func textPath(s string, size, spacing float64) (*canvas.Path, float64) {
	gs := glyphs(s)
	face := boldFace()
	scale := size / float64(face.Font.Head.UnitsPerEm)
	p := &canvas.Path{}
	x := 0.0
	for _, g := range gs {
		// Glyphs come from the embedded font, whose outlines are known to
		// be well formed; an error would only leave a glyph out.
		_ = face.Font.GlyphPath(p, g.ID, 0, x+scale*float64(g.XOffset), scale*float64(g.YOffset), scale, font.NoHinting)
		x += scale*float64(g.XAdvance) + spacing
	}
	return p.Transform(canvas.Identity.Scale(1, -1)), x
}

// drawableName chooses the text the PNG shows for a group: its name when
// the embedded font can draw it. Otherwise, in this order:
//
//  1. the name without what the font cannot draw, when that is only
//     decoration: emoji and other pictographs, stray combining marks
//     ("🦀 Rust Lyon 🦀" becomes "Rust Lyon");
//  2. the group's short name, when the font can draw it: it is the group's
//     own choice of how it is written in Latin letters, where a
//     transliteration can be wrong (it reads Japanese kanji as Chinese and
//     cannot restore the vowels Arabic and Hebrew leave unwritten);
//  3. a transliteration of the name into Latin letters ("東京 Rust
//     コミュニティ" becomes "Dong Jing Rust komiyunitei"): imperfect, but it
//     keeps the whole name readable to most people;
//  4. nothing, when not even that leaves a letter or a digit (a name made
//     only of emoji): the logo then shows the artwork and the label alone,
//     rather than empty boxes.
//
// The SVG logo keeps the name as written, drawn by the viewer's fonts.
func drawableName(name, short string) string {
	if t := withoutDecoration(name); t != "" {
		return t
	}
	if t := withoutDecoration(cleanName(short)); t != "" {
		return t
	}
	return withoutDecoration(cleanName(transliterate(name)))
}

// transliterate spells name in ASCII. Of what unidecode writes for a
// character, only letters, digits and spaces are kept: it marks letters
// that Latin lacks with punctuation (` and ' for Arabic ʿayn and hamza, @
// for tāʾ marbūṭa), which reads as noise in a name.
func transliterate(name string) string {
	var b strings.Builder
	for _, r := range name {
		if r < utf8.RuneSelf {
			b.WriteRune(r)
			continue
		}
		for _, c := range unidecode.Unidecode(string(r)) {
			if c == ' ' || unicode.IsLetter(c) || unicode.IsDigit(c) {
				b.WriteRune(c)
			}
		}
	}
	return b.String()
}

// withoutDecoration returns s (cleaned) without the clusters the font
// lacks that are decoration, or "" when a letter is missing or no letter
// or digit remains.
func withoutDecoration(s string) string {
	s = norm.NFC.String(s)
	if s == "" {
		return ""
	}
	if drawable(s) {
		if hasAlphanumeric(s) {
			return s
		}
		return ""
	}
	var b strings.Builder
	for i, w := range splitWords(s) {
		if i > 0 {
			b.WriteByte(' ')
		}
		for _, c := range w.clusters {
			text := c.text
			if !drawable(text) {
				if isDecoration(text) {
					continue
				}
				// A letter keeps its accents when the font has them (as
				// one glyph or as marks), and loses them otherwise.
				if text = strings.Map(dropMark, text); !drawable(text) {
					return ""
				}
			}
			b.WriteString(text)
		}
	}
	t := cleanName(b.String())
	if !hasAlphanumeric(t) || !drawable(t) {
		return ""
	}
	return t
}

// isDecoration reports whether a cluster is an emoji, a symbol or a mark
// left without a letter, which a name can lose and stay the same name.
func isDecoration(cluster string) bool {
	r := firstRune(cluster)
	return isPictographic(r) || isRegional(r) || unicode.In(r, unicode.So, unicode.Sk, unicode.Mn, unicode.Me, unicode.Cf) ||
		isVariationSelector(r)
}

func dropMark(r rune) rune {
	if unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf) || isVariationSelector(r) {
		return -1
	}
	return r
}

func hasAlphanumeric(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsNumber(r) }) >= 0
}
