package logo

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/bidi"
	"golang.org/x/text/width"
)

// maxNameRunes bounds the work done on a name; longer names are cut before
// layout (the layout shows far fewer characters than this anyway).
const maxNameRunes = 500

// maxMarks is the number of combining marks kept on one character.
const maxMarks = 4

// cleanName returns the text of a name as it is drawn: valid UTF-8, no
// control characters, no bidirectional overrides or embeddings (which could
// reorder the text deceptively), no XML-forbidden noncharacters, at most
// maxMarks combining marks in a row, and runs of white space collapsed into
// single spaces.
func cleanName(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	var b strings.Builder
	pendingSpace := false
	n, marks := 0, 0
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			pendingSpace = true
			continue
		case unicode.IsControl(r), isBidiControl(r), isNoncharacter(r):
			continue
		}
		if unicode.In(r, unicode.Mn, unicode.Me) {
			// Stacks of combining marks ("Zalgo" text) would climb out of
			// the box; no script needs more than a few on one letter.
			if marks++; marks > maxMarks {
				continue
			}
		} else {
			marks = 0
		}
		if n >= maxNameRunes {
			break
		}
		if pendingSpace && b.Len() > 0 {
			b.WriteByte(' ')
		}
		pendingSpace = false
		b.WriteRune(r)
		n++
	}
	return b.String()
}

func isBidiControl(r rune) bool {
	switch {
	case r == 0x061C, r == 0x200E, r == 0x200F: // ALM, LRM, RLM
		return true
	case r >= 0x202A && r <= 0x202E: // LRE, RLE, PDF, LRO, RLO
		return true
	case r >= 0x2066 && r <= 0x2069: // LRI, RLI, FSI, PDI
		return true
	}
	return false
}

func isNoncharacter(r rune) bool {
	return r >= 0xFDD0 && r <= 0xFDEF || r&0xFFFE == 0xFFFE || r == 0xFEFF
}

// isRTL reports whether the first strongly directional character of s is
// right-to-left (Hebrew, Arabic, Syriac, Thaana…), as HTML's dir="auto" does.
func isRTL(s string) bool {
	for _, r := range s {
		p, _ := bidi.LookupRune(r)
		switch p.Class() {
		case bidi.L:
			return false
		case bidi.R, bidi.AL:
			return true
		}
	}
	return false
}

// safety is the factor applied to every estimate: the table below comes from
// DejaVu Sans Bold, one of the widest sans-serif faces, and this covers the
// difference with other fonts a viewer's browser may substitute.
const safety = 1.05

// asciiWidth holds the advance widths, in em, of the printable ASCII
// characters in DejaVu Sans Bold (the wider of it and Noto Sans Bold).
var asciiWidth = [95]float64{
	0.348, 0.456, 0.521, 0.838, 0.696, 1.002, 0.872, 0.306, 0.457, 0.457, // space ! " # $ % & ' ( )
	0.545, 0.838, 0.380, 0.415, 0.380, 0.413, 0.696, 0.696, 0.696, 0.696, // * + , - . / 0 1 2 3
	0.696, 0.696, 0.696, 0.696, 0.696, 0.696, 0.400, 0.400, 0.838, 0.838, // 4 5 6 7 8 9 : ; < =
	0.838, 0.580, 1.000, 0.774, 0.762, 0.734, 0.830, 0.683, 0.683, 0.821, // > ? @ A B C D E F G
	0.837, 0.389, 0.372, 0.775, 0.637, 0.995, 0.837, 0.850, 0.733, 0.850, // H I J K L M N O P Q
	0.770, 0.720, 0.682, 0.812, 0.774, 1.103, 0.771, 0.724, 0.725, 0.457, // R S T U V W X Y Z [
	0.413, 0.457, 0.838, 0.500, 0.500, 0.675, 0.716, 0.593, 0.716, 0.678, // \ ] ^ _ ` a b c d e
	0.435, 0.716, 0.712, 0.343, 0.343, 0.665, 0.343, 1.042, 0.712, 0.687, // f g h i j k l m n o
	0.716, 0.716, 0.493, 0.595, 0.478, 0.712, 0.652, 0.924, 0.645, 0.652, // p q r s t u v w x y
	0.582, 0.712, 0.551, 0.712, 0.838, // z { | } ~
}

// runeWidth estimates the advance of r in em in a bold sans-serif face, on
// the generous side: a line estimated to fit must fit whatever font draws it,
// the embedded one of the PNG included. Marks and format characters
// (combining accents, vowel signs, zero-width joiners, variation selectors)
// count as zero; a cluster such as an emoji ZWJ sequence therefore counts as
// the sum of its pictographs, at most.
func runeWidth(r rune) float64 {
	if r >= 0x20 && r < 0x7F {
		return max(asciiWidth[r-0x20], embeddedAdvance(r)) * safety
	}
	var w float64
	switch {
	case unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf):
		return 0
	case isVariationSelector(r):
		return 0
	case isPictographic(r):
		w = 1.3 // colour emoji fonts are wider than 1 em
	case isWide(r):
		w = 1.05 // CJK ideographs, kana, Hangul, fullwidth forms
	case unicode.Is(unicode.Mc, r):
		w = 0.35 // spacing vowel signs of Indic scripts
	case unicode.IsSpace(r):
		w = 0.5
	case unicode.In(r, unicode.Arabic, unicode.Syriac, unicode.Thaana, unicode.Nko):
		w = 0.65
	case unicode.Is(unicode.Hebrew, r):
		w = 0.68
	case unicode.In(r, unicode.Latin, unicode.Greek, unicode.Cyrillic, unicode.Armenian):
		if unicode.IsUpper(r) {
			w = 0.88
		} else {
			w = 0.74
		}
	case unicode.IsDigit(r), unicode.IsPunct(r):
		w = 0.75
	case unicode.In(r, unicode.Thai, unicode.Lao):
		w = 0.62
	case unicode.In(r, unicode.Devanagari, unicode.Bengali, unicode.Gurmukhi, unicode.Gujarati,
		unicode.Oriya, unicode.Telugu, unicode.Kannada, unicode.Sinhala):
		w = 0.75
	case unicode.Is(unicode.Malayalam, r):
		w = 1.1
	case unicode.Is(unicode.Georgian, r):
		w = 0.7
	default:
		w = 1.0
	}
	return max(w, embeddedAdvance(r)) * safety
}

func isVariationSelector(r rune) bool {
	return r >= 0xFE00 && r <= 0xFE0F || r >= 0xE0100 && r <= 0xE01EF
}

// isPictographic approximates Unicode's Extended_Pictographic: the emoji and
// symbol blocks.
func isPictographic(r rune) bool {
	switch {
	case r >= 0x1F000 && r <= 0x1FAFF:
		return true
	case r >= 0x2300 && r <= 0x23FF, r >= 0x2600 && r <= 0x27BF, r >= 0x2B00 && r <= 0x2BFF:
		return true
	}
	return unicode.Is(unicode.So, r) && r >= 0x2100
}

func isWide(r rune) bool {
	switch width.LookupRune(r).Kind() {
	case width.EastAsianWide, width.EastAsianFullwidth:
		return true
	}
	return false
}

// extends reports whether r continues the cluster before it, so that a
// line is never broken between a letter and its accent, or inside an emoji
// sequence.
func extends(prev, r rune) bool {
	switch {
	case prev == 0x200D: // the rune after a zero-width joiner
		return true
	case unicode.In(r, unicode.Mn, unicode.Me, unicode.Mc):
		return true
	case r == 0x200D, isVariationSelector(r):
		return true
	case r >= 0x1F3FB && r <= 0x1F3FF: // skin tone modifiers
		return true
	case r >= 0xE0020 && r <= 0xE007F: // tag characters of flag sequences
		return true
	}
	return false
}

// maxClusterWidth bounds a cluster (em), so that an endless chain of emoji
// joined by zero-width joiners still breaks: a family emoji is about 5.5.
const maxClusterWidth = 6.0

// A cluster is the smallest piece of text a line may be broken before.
type cluster struct {
	text  string
	width float64 // em
}

// A word is a run of text without spaces.
type word struct {
	clusters []cluster
	width    float64
}

func splitWords(s string) []word {
	var words []word
	for _, f := range strings.Split(s, " ") {
		if f == "" {
			continue
		}
		var w word
		var prev rune
		start := 0
		var cw float64 // width of the cluster so far
		for i, r := range f {
			rw := runeWidth(r)
			if i > 0 && (!extends(prev, r) || cw+rw > maxClusterWidth) {
				w.add(f[start:i])
				start, cw = i, 0
			}
			cw += rw
			prev = r
		}
		w.add(f[start:])
		words = append(words, w)
	}
	return words
}

func (w *word) add(text string) {
	c := cluster{text: text, width: textWidth(text)}
	// Two regional indicators make one flag.
	if n := len(w.clusters); n > 0 && isRegional(lastRune(w.clusters[n-1].text)) && isRegional(firstRune(text)) &&
		utf8.RuneCountInString(w.clusters[n-1].text) == 1 {
		w.clusters[n-1].text += text
		w.clusters[n-1].width += c.width
		w.width += c.width
		return
	}
	w.clusters = append(w.clusters, c)
	w.width += c.width
}

func isRegional(r rune) bool { return r >= 0x1F1E6 && r <= 0x1F1FF }

func firstRune(s string) rune { r, _ := utf8.DecodeRuneInString(s); return r }

func lastRune(s string) rune { r, _ := utf8.DecodeLastRuneInString(s); return r }

// textWidth estimates the width of s in em.
func textWidth(s string) float64 {
	var w float64
	for _, r := range s {
		w += runeWidth(r)
	}
	return w
}

// A line is one line of a wrapped name.
type line struct {
	text  string
	width float64 // em
}

// wrap fills lines of at most max em greedily, breaking at spaces. A word
// wider than a line is broken between clusters when breakWords is set;
// otherwise wrap fails. It gives up (ok false) once more than maxLines
// lines are needed, unless maxLines is 0.
func wrap(words []word, max float64, breakWords bool, maxLines int) (lines []line, ok bool) {
	space := runeWidth(' ')
	var cur strings.Builder
	var curW float64
	flush := func() {
		lines = append(lines, line{text: cur.String(), width: curW})
		cur.Reset()
		curW = 0
	}
	for _, w := range words {
		if cur.Len() > 0 {
			if curW+space+w.width <= max {
				cur.WriteByte(' ')
				for _, c := range w.clusters {
					cur.WriteString(c.text)
				}
				curW += space + w.width
				continue
			}
			flush()
		}
		if w.width <= max {
			for _, c := range w.clusters {
				cur.WriteString(c.text)
			}
			curW = w.width
		} else {
			if !breakWords {
				return nil, false
			}
			for _, c := range w.clusters {
				if cur.Len() > 0 && curW+c.width > max {
					flush()
				}
				cur.WriteString(c.text)
				curW += c.width
			}
		}
		if maxLines > 0 && len(lines) > maxLines {
			return nil, false
		}
	}
	if cur.Len() > 0 {
		flush()
	}
	if maxLines > 0 && len(lines) > maxLines {
		return nil, false
	}
	return lines, true
}

// balance narrows the lines of a wrap to the smallest width that still
// needs no more lines, so that "Python User Group Riyadh" becomes two lines
// of similar length rather than a full one and a short one.
func balance(words []word, max float64, breakWords bool, n int) []line {
	lines, _ := wrap(words, max, breakWords, n)
	if n < 2 {
		return lines
	}
	lo, hi := max/float64(n)*0.5, max
	for range 20 {
		mid := (lo + hi) / 2
		if l, ok := wrap(words, mid, breakWords, n); ok && len(l) <= n {
			hi = mid
			lines = l
		} else {
			lo = mid
		}
	}
	return lines
}

// ellipsis is appended to a line cut short.
const ellipsis = "…"

// truncate fills at most n lines of max em and ends the last one with an
// ellipsis when the text does not fit.
func truncate(words []word, max float64, n int) []line {
	lines, _ := wrap(words, max, true, 0)
	if len(lines) <= n {
		return lines
	}
	lines = lines[:n]
	last := &lines[n-1]
	ew := textWidth(ellipsis)
	// Keep the whole words that fit before the ellipsis; cut inside a word
	// only when not even the first one fits.
	var b strings.Builder
	var w float64
	space := runeWidth(' ')
	words = splitWords(last.text)
	for i, wd := range words {
		sep := 0.0
		if i > 0 {
			sep = space
		}
		if w+sep+wd.width+ew > max {
			if i == 0 {
				for _, c := range wd.clusters {
					if w+c.width+ew > max {
						break
					}
					b.WriteString(c.text)
					w += c.width
				}
			}
			break
		}
		if i > 0 {
			b.WriteByte(' ')
		}
		for _, c := range wd.clusters {
			b.WriteString(c.text)
		}
		w += sep + wd.width
	}
	text := strings.TrimRight(b.String(), " ")
	last.text = text + ellipsis
	last.width = textWidth(text) + ew
	return lines
}
