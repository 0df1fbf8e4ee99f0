package logo

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

const (
	arabicName   = "مجموعة مستخدمي بايثون في الرياض"
	hebrewName   = "קהילת המפתחים של תל אביב"
	japaneseName = "東京 Rust コミュニティ"
	emojiName    = "🦀 Rust Lyon 🦀"
	markupName   = `<script>alert("x")</script> & 'Friends' <b>bold</b> ]]> <!-- c -->`
)

var longWord = strings.Repeat("Pneumonoultramicroscopic", 4)[:80]

// testNames covers what a group may be called.
var testNames = []string{
	"Go Lyon",
	"Python User Group Riyadh",
	markupName,
	`"Quoted" & 'single' &amp; &lt;already escaped&gt;`,
	strings.Repeat("Long Name ", 20),                    // 200 characters
	strings.TrimSpace(strings.Repeat("abcdefghi ", 20)), // 199 characters, many words
	longWord,                       // one 80-character word
	"The " + longWord + " Society", // a long word among short ones
	arabicName,                     //
	hebrewName,                     //
	japaneseName,                   //
	"東京Rustコミュニティ勉強会運営委員会と仲間たちの集まり", // no spaces at all
	emojiName, //
	"👩‍💻 Women Who Go 🇫🇷 👍🏽",                                      // ZWJ sequence, flag, skin tone
	"Ελληνική Ομάδα Χρηστών Python",                               //
	"हिन्दी प्रयोक्ता समूह",                                       //
	"Tab\tand\nnewline\x00nul\x1bescape\u202eoverride",            // control characters
	"\xff\xfeinvalid UTF-8 \xc3",                                  //
	"PyData الرياض",                                               // mixed, left-to-right first
	strings.Repeat("W", 200),                                      // the widest Latin letter
	strings.Repeat("🦀", 60),                                       //
	strings.Repeat("東", 200),                                      //
	strings.Repeat("👩\u200d", 100) + "👩",                          // an endless emoji sequence
	"Z" + strings.Repeat("\u0336\u0489\u030d", 60) + "algo Users", // stacked marks
}

// logoDoc is what a test reads back from a logo.
type logoDoc struct {
	viewBox   string
	title     string
	nameLines []nameLine
	labels    []string // other texts
}

type nameLine struct {
	text     string
	x        float64
	dir      string
	fontSize float64
}

// parseLogo parses an SVG strictly and collects its texts; it fails the test
// when the document is not well-formed XML.
func parseLogo(t *testing.T, svg []byte) logoDoc {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(svg))
	d.Strict = true
	var doc logoDoc
	type frame struct {
		name     string
		attrs    map[string]string
		fontSize string
		text     strings.Builder
	}
	var stack []*frame
	depth0 := true
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, svg)
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			f := &frame{name: tk.Name.Local, attrs: map[string]string{}}
			for _, a := range tk.Attr {
				f.attrs[a.Name.Local] = a.Value
			}
			if len(stack) > 0 {
				f.fontSize = stack[len(stack)-1].fontSize
			}
			if fs, ok := f.attrs["font-size"]; ok {
				f.fontSize = fs
			}
			if depth0 {
				if tk.Name.Local != "svg" || tk.Name.Space != svgNS {
					t.Fatalf("root element %v", tk.Name)
				}
				doc.viewBox = f.attrs["viewBox"]
				depth0 = false
			}
			stack = append(stack, f)
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text.Write(tk)
			}
		case xml.EndElement:
			f := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			switch f.name {
			case "title":
				doc.title = f.text.String()
			case "text":
				if f.attrs["class"] == "logo-name" {
					x, _ := strconv.ParseFloat(f.attrs["x"], 64)
					fs, _ := strconv.ParseFloat(f.fontSize, 64)
					doc.nameLines = append(doc.nameLines, nameLine{f.text.String(), x, f.attrs["direction"], fs})
				} else {
					doc.labels = append(doc.labels, f.text.String())
				}
			}
		}
	}
	return doc
}

func TestSVGWellFormedAndFits(t *testing.T) {
	for _, name := range testNames {
		for _, v := range []Variant{New, Official} {
			svg, err := SVG(name, v, Artwork{})
			if err != nil {
				t.Fatalf("%q %v: %v", name, v, err)
			}
			doc := parseLogo(t, svg)
			if doc.viewBox != "0 0 600 300" {
				t.Errorf("%q: viewBox %q", name, doc.viewBox)
			}
			if n := len(doc.nameLines); n < 1 || n > maxLines {
				t.Fatalf("%q: %d name lines", name, n)
			}
			clean := cleanName(name)
			if !strings.HasPrefix(doc.title, clean) {
				t.Errorf("%q: title %q", name, doc.title)
			}
			var joined []string
			for _, l := range doc.nameLines {
				if l.fontSize < nameSizes[len(nameSizes)-1] || l.fontSize > nameSizes[0] {
					t.Errorf("%q: font size %v", name, l.fontSize)
				}
				if w := textWidth(l.text) * l.fontSize; w > textBoxWidth {
					t.Errorf("%q: line %q is %.0f wide, more than %v", name, l.text, w, textBoxWidth)
				}
				if l.text == "" || strings.TrimSpace(l.text) != l.text {
					t.Errorf("%q: line %q", name, l.text)
				}
				joined = append(joined, l.text)
			}
			// Every character drawn comes from the name, in order; a cut
			// name ends with an ellipsis.
			got := strings.ReplaceAll(strings.Join(joined, ""), " ", "")
			want := strings.ReplaceAll(clean, " ", "")
			if cut, ok := strings.CutSuffix(got, ellipsis); ok && !strings.HasSuffix(want, ellipsis) {
				if !strings.HasPrefix(want, cut) || len(cut) < len(want)/8 {
					t.Errorf("%q: cut to %q", name, got)
				}
			} else if got != want {
				t.Errorf("%q: drawn as %q", name, got)
			}
		}
	}
}

func TestLayout(t *testing.T) {
	tests := []struct {
		name              string
		lines             int     // 0: any
		size              float64 // 0: any
		cut, brokenInWord bool
	}{
		{name: "Go Lyon", lines: 1, size: nameSizes[0]},
		{name: "Python User Group Riyadh", lines: 3, size: nameSizes[0]},
		{name: strings.Repeat("Long Name ", 20), lines: 3, size: nameSizes[len(nameSizes)-1], cut: true},
		{name: longWord, lines: 3, brokenInWord: true},
		{name: strings.Repeat("x", 300), lines: 3, cut: true, brokenInWord: true},
		{name: japaneseName, lines: 2, size: nameSizes[0]},
	}
	for _, tt := range tests {
		size, lines := layoutName(cleanName(tt.name))
		if tt.lines != 0 && len(lines) != tt.lines {
			t.Errorf("%q: %d lines %v", tt.name, len(lines), lines)
		}
		if tt.size != 0 && size != tt.size {
			t.Errorf("%q: size %v", tt.name, size)
		}
		last := lines[len(lines)-1].text
		if cut := strings.HasSuffix(last, ellipsis); cut != tt.cut {
			t.Errorf("%q: last line %q, cut %v", tt.name, last, cut)
		}
		words := map[string]bool{}
		for _, w := range strings.Fields(tt.name) {
			words[w] = true
		}
		broken := false
		for _, l := range lines {
			for _, w := range strings.Fields(strings.TrimSuffix(l.text, ellipsis)) {
				broken = broken || !words[w]
			}
		}
		if broken != tt.brokenInWord {
			t.Errorf("%q: words broken %v: %v", tt.name, broken, lines)
		}
	}
	// Balanced: two or three lines of similar width rather than a full line
	// and a short one.
	_, lines := layoutName("Chapterhouse Users of Lyon and Villeurbanne")
	if len(lines) > 1 {
		lo, hi := lines[0].width, lines[0].width
		for _, l := range lines {
			lo, hi = min(lo, l.width), max(hi, l.width)
		}
		if lo < hi/2 {
			t.Errorf("unbalanced lines %v", lines)
		}
	}
}

func TestSVGEscapesMarkup(t *testing.T) {
	svg, err := SVG(markupName, Official, Artwork{})
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"<script", "<b>", "<!-- c", "]]>", `alert("x")`} {
		if bytes.Contains(svg, []byte(bad)) {
			t.Errorf("markup %q appears unescaped:\n%s", bad, svg)
		}
	}
	if !bytes.Contains(svg, []byte("&lt;script&gt;")) || !bytes.Contains(svg, []byte("&amp;")) {
		t.Errorf("markup not drawn as text:\n%s", svg)
	}
	doc := parseLogo(t, svg)
	var drawn []string
	for _, l := range doc.nameLines {
		drawn = append(drawn, l.text)
	}
	if got := strings.Join(drawn, " "); !strings.Contains(got, `<script>alert("x")</script>`) {
		t.Errorf("name drawn as %q", got)
	}
}

func TestEmptyNameRefused(t *testing.T) {
	for _, name := range []string{"", "   ", "\t\n", "\x00\x01\x7f", "\u202e\u2066", "\ufeff"} {
		if _, err := SVG(name, Official, Artwork{}); !errors.Is(err, ErrEmptyName) {
			t.Errorf("%q: err %v, want ErrEmptyName", name, err)
		}
	}
}

func TestUnknownVariant(t *testing.T) {
	if _, err := SVG("Go Lyon", Variant(7), Artwork{}); err == nil {
		t.Error("unknown variant accepted")
	}
}

func TestDirection(t *testing.T) {
	tests := []struct {
		name string
		rtl  bool
	}{
		{arabicName, true},
		{hebrewName, true},
		{"«" + arabicName + "» 2025", true},
		{"PyData الرياض", false},
		{japaneseName, false},
		{emojiName, false},
		{"2025", false},
	}
	for _, tt := range tests {
		svg, err := SVG(tt.name, New, Artwork{})
		if err != nil {
			t.Fatal(err)
		}
		doc := parseLogo(t, svg)
		for _, l := range doc.nameLines {
			wantDir, wantX := "ltr", textLeft
			if tt.rtl {
				wantDir, wantX = "rtl", textRight
			}
			if l.dir != wantDir || l.x != wantX {
				t.Errorf("%q: line %q direction %q at x=%v, want %q at %v", tt.name, l.text, l.dir, l.x, wantDir, wantX)
			}
		}
	}
}

func TestVariantsDiffer(t *testing.T) {
	for _, name := range []string{"Go Lyon", arabicName} {
		off, err := SVG(name, Official, Artwork{})
		if err != nil {
			t.Fatal(err)
		}
		nw, err := SVG(name, New, Artwork{})
		if err != nil {
			t.Fatal(err)
		}
		o, n := parseLogo(t, off), parseLogo(t, nw)
		if !contains(o.labels, officialLabel) || contains(o.labels, newLabel) {
			t.Errorf("official labels %q", o.labels)
		}
		if !contains(n.labels, newLabel) || strings.Contains(strings.Join(n.labels, " "), "OFFICIAL") {
			t.Errorf("new labels %q", n.labels)
		}
		if !bytes.Contains(nw, []byte(`filter="url(#logo-muted)"`)) || bytes.Contains(off, []byte("logo-muted")) {
			t.Error("the new variant's artwork is not muted, or the official one is")
		}
	}
	// The labels fit their box.
	if w := labelWidth(officialLabel, taglineSize, taglineSpacing); w > textBoxWidth {
		t.Errorf("%q is %.0f wide", officialLabel, w)
	}
	if w := pillWidth(); w > textBoxWidth {
		t.Errorf("the pill is %.0f wide", w)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestSVGDeterministic(t *testing.T) {
	a, _ := SVG(emojiName, Official, Artwork{})
	b, _ := SVG(emojiName, Official, DefaultArtwork())
	if !bytes.Equal(a, b) {
		t.Error("the zero Artwork and DefaultArtwork give different logos")
	}
}

func TestCleanName(t *testing.T) {
	tests := map[string]string{
		"  Go \t Lyon \n":                        "Go Lyon",
		"a\x00b\x1bc\u0085d":                     "abc d",
		"\u202eevil\u202c \u2067":                "evil",
		"x\xffy":                                 "x\uFFFDy",
		"👩\u200d💻 \u00a0Go":                      "👩\u200d💻 Go",
		"e\u0301":                                "e\u0301",
		"Z" + strings.Repeat("\u0301", 40) + "o": "Z\u0301\u0301\u0301\u0301o",
	}
	for in, want := range tests {
		if got := cleanName(in); got != want {
			t.Errorf("cleanName(%q) = %q, want %q", in, got, want)
		}
	}
	if n := utf8.RuneCountInString(cleanName(strings.Repeat("a", 10000))); n != maxNameRunes {
		t.Errorf("a long name keeps %d runes", n)
	}
}

func TestClustersNotSplit(t *testing.T) {
	for _, s := range []string{"👩\u200d💻", "👍🏽", "🇫🇷", "e\u0301", "☺\ufe0f", "कि"} {
		words := splitWords(strings.Repeat(s, 3))
		if len(words) != 1 || len(words[0].clusters) != 3 {
			t.Errorf("%q: %d words, clusters %v", s, len(words), words)
			continue
		}
		for _, c := range words[0].clusters {
			if c.text != s {
				t.Errorf("%q split into cluster %q", s, c.text)
			}
		}
	}
}

func FuzzSVG(f *testing.F) {
	for _, n := range testNames {
		f.Add(n, true)
	}
	f.Fuzz(func(t *testing.T, name string, official bool) {
		v := New
		if official {
			v = Official
		}
		svg, err := SVG(name, v, Artwork{})
		if cleanName(name) == "" {
			if !errors.Is(err, ErrEmptyName) {
				t.Fatalf("%q: %v", name, err)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		doc := parseLogo(t, svg)
		if len(doc.nameLines) < 1 || len(doc.nameLines) > maxLines {
			t.Fatalf("%q: %d lines", name, len(doc.nameLines))
		}
		for _, l := range doc.nameLines {
			if w := textWidth(l.text) * l.fontSize; w > textBoxWidth+0.001 {
				t.Fatalf("%q: line %q is %.1f wide", name, l.text, w)
			}
		}
	})
}
