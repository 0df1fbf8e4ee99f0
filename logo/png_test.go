package logo

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"image"
	"image/color"
	"image/png"
	"strings"
	"sync"
	"testing"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

func render(t testing.TB, name, short string, v Variant, art Artwork, width int) image.Image {
	t.Helper()
	p, err := PNG(context.Background(), name, short, v, art, width)
	if err != nil {
		t.Fatalf("%q: %v", name, err)
	}
	im, err := png.Decode(bytes.NewReader(p))
	if err != nil {
		t.Fatalf("%q: not a PNG: %v", name, err)
	}
	return im
}

func TestPNGSize(t *testing.T) {
	for _, w := range []int{MinPNGWidth, 301, 600, 1200, MaxPNGWidth} {
		b := render(t, "Go Lyon", "", Official, Artwork{}, w).Bounds()
		if b.Dx() != w || b.Dy() != (w*Height+Width/2)/Width {
			t.Errorf("width %d: image is %v", w, b)
		}
	}
}

func TestPNGRefusesBadWidth(t *testing.T) {
	for _, w := range []int{-1, 0, MinPNGWidth - 1, MaxPNGWidth + 1} {
		if _, err := PNG(context.Background(), "Go Lyon", "", Official, Artwork{}, w); err == nil {
			t.Errorf("width %d accepted", w)
		}
	}
}

func TestPNGErrors(t *testing.T) {
	ctx := context.Background()
	if _, err := PNG(ctx, " \u202e ", "", Official, Artwork{}, 600); !errors.Is(err, ErrEmptyName) {
		t.Errorf("empty name: err %v, want ErrEmptyName", err)
	}
	if _, err := PNG(ctx, "Go Lyon", "", Official, Artwork{SVG: []byte("<html/>")}, 600); !errors.Is(err, ErrArtwork) {
		t.Errorf("bad artwork: err %v, want ErrArtwork", err)
	}
	if _, err := PNG(ctx, "Go Lyon", "", Variant(7), Artwork{}, 600); err == nil {
		t.Error("unknown variant accepted")
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := PNG(cancelled, "Go Lyon", "", Official, Artwork{}, 600); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err %v, want context.Canceled", err)
	}
}

// ink counts the pixels of r that differ clearly from the card's colour.
func ink(im image.Image, r image.Rectangle, bg color.Color) int {
	br, bgr, bb, _ := bg.RGBA()
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			cr, cg, cb, _ := im.At(x, y).RGBA()
			if absDiff(cr, br) > 0x3000 || absDiff(cg, bgr) > 0x3000 || absDiff(cb, bb) > 0x3000 {
				n++
			}
		}
	}
	return n
}

func absDiff(a, b uint32) uint32 {
	if a > b {
		return a - b
	}
	return b - a
}

var cardColor = map[Variant]color.Color{
	Official: color.RGBA{0xff, 0xff, 0xff, 0xff},
	New:      color.RGBA{0xf8, 0xfa, 0xfc, 0xff},
}

// textColumn is where the name, the bar and the label are drawn.
var textColumn = image.Rect(int(textLeft)-2, 8, int(textRight)+2, Height-8)

// nameless is the ink of the text column of a logo without a name: only
// the bar and the label.
func nameless(t *testing.T, v Variant) int {
	return ink(render(t, "🦀", "", v, Artwork{}, Width), textColumn, cardColor[v])
}

// A name in each script the embedded font covers is drawn as it is
// written: its column holds far more ink than with no name at all.
func TestPNGDrawsTheName(t *testing.T) {
	names := []string{
		"Go Lyon",                       // Latin
		"Zürich Gophers: Ñandú & Œuvre", // Latin with accents and ligature letters
		"Ελληνική Ομάδα Χρηστών Python",          // Greek
		"Московская группа пользователей Go",     // Cyrillic
		"Київ Go Ґанок",                          // Cyrillic, Ukrainian letters
		"Zu\u0308rich",                           // a decomposed accent, composed to draw it
		strings.Repeat("Долгое название ", 20),   // cut with an ellipsis
		"Python User Group Riyadh Chapter Three", // three lines
	}
	for _, v := range []Variant{Official, New} {
		blank := nameless(t, v)
		for _, name := range names {
			if got := drawableName(cleanName(name), ""); got != norm.NFC.String(cleanName(name)) {
				t.Errorf("%q is drawn as %q", name, got)
			}
			if got := ink(render(t, name, "", v, Artwork{}, Width), textColumn, cardColor[v]); got < blank+1500 {
				t.Errorf("%q (%v): %d pixels of ink in the text column, %d without a name", name, v, got, blank)
			}
		}
	}
}

// The layout's width estimates, which wrap the name for SVG and PNG alike,
// are generous for the embedded font, so that a line the layout fits also
// fits in the PNG.
func TestEstimatesCoverTheFont(t *testing.T) {
	face := boldFace()
	upem := float64(face.Font.Head.UnitsPerEm)
	for _, table := range []*unicode.RangeTable{unicode.Latin, unicode.Greek, unicode.Cyrillic, unicode.Digit, unicode.Punct} {
		for r := rune(0x20); r < 0x2000; r++ {
			s := norm.NFC.String(string(r)) // as the PNG draws it
			if !unicode.Is(table, r) || !unicode.IsPrint(r) || !drawable(s) {
				continue
			}
			var advance int32
			for _, g := range glyphs(s) {
				advance += g.XAdvance
			}
			if em := float64(advance) / upem; em > textWidth(s)+0.001 {
				t.Errorf("%q (%U) is %.3f em wide in Go Bold, estimated %.3f", r, r, em, textWidth(s))
			}
		}
	}
}

// Names in scripts the font lacks fall back as drawableName documents, and
// the PNG is still a readable logo.
func TestPNGFallback(t *testing.T) {
	tests := []struct {
		name, short, want string
	}{
		{name: emojiName, want: "Rust Lyon"},
		{name: "👩‍💻 Women Who Go 🇫🇷 👍🏽", want: "Women Who Go"},
		{name: "Z" + strings.Repeat("\u0489", 4) + "algo Users", want: "Zalgo Users"},
		{name: japaneseName, short: "Rust Tokyo", want: "Rust Tokyo"},
		{name: japaneseName, short: "🦀 東京", want: "Dong Jing Rust komiyunitei"},
		{name: japaneseName, want: "Dong Jing Rust komiyunitei"},
		{name: arabicName, short: " PyRiyadh ", want: "PyRiyadh"},
		{name: arabicName, want: "mjmw mstkhdmy bythwn fy lryD"},
		{name: hebrewName, short: "תל אביב", want: "qhylt hmptkhym shl tl byb"},
		{name: "हिन्दी प्रयोक्ता समूह", want: "hindii pryoktaa smuuh"},
		{name: "北京 Go 用户组", short: "GoCN", want: "GoCN"},
		{name: "🦀🐍", short: "", want: ""},
		{name: "🦀 & 🐍", short: "🐹", want: ""},
	}
	for _, tt := range tests {
		if got := drawableName(cleanName(tt.name), tt.short); got != tt.want {
			t.Errorf("drawableName(%q, %q) = %q, want %q", tt.name, tt.short, got, tt.want)
		}
		for _, v := range []Variant{Official, New} {
			im := render(t, tt.name, tt.short, v, Artwork{}, Width)
			got, blank := ink(im, textColumn, cardColor[v]), nameless(t, v)
			if tt.want != "" && got < blank+1000 {
				t.Errorf("%q (%v): %d pixels of ink in the text column, %d without a name", tt.name, v, got, blank)
			}
			if tt.want == "" && got != blank {
				t.Errorf("%q (%v): %d pixels of ink, want the nameless logo's %d", tt.name, v, got, blank)
			}
		}
	}
}

// No name leaves its box: the strips around the text column stay empty.
func TestPNGNameStaysInItsBox(t *testing.T) {
	strips := map[string]image.Rectangle{
		"right": image.Rect(int(textRight)+3, 30, Width-9, Height-30), // clear of the rounded corners
		"left":  image.Rect(int(emblemX+emblemR)+6, 8, int(textLeft)-3, Height-8),
		"top":   image.Rect(int(textLeft)-2, 5, int(textRight)+2, 14),
		"below": image.Rect(int(textLeft)-2, Height-14, int(textRight)+2, Height-5),
	}
	for _, name := range append(testNames, "ÉÎÕÜ Ŋjjj Ђђ ÅÄÖ qypg", strings.Repeat("Щ", 100)) {
		for _, v := range []Variant{Official, New} {
			im := render(t, name, "", v, Artwork{}, Width)
			for side, r := range strips {
				if n := ink(im, r, cardColor[v]); n > 0 {
					t.Errorf("%q (%v): %d pixels of ink %s of the text box", name, v, n, side)
				}
			}
		}
	}
}

// The variants differ as their SVGs do: a seal and a saturated emblem on
// the official logo, a dashed card and a muted emblem on the new one.
func TestPNGVariantsDiffer(t *testing.T) {
	off := render(t, "Go Lyon", "", Official, Artwork{}, Width)
	nw := render(t, "Go Lyon", "", New, Artwork{}, Width)
	seal := image.Rect(190, 206, 230, 246)
	if n := ink(off, seal, color.White); n < 800 {
		t.Errorf("official: %d pixels of the seal", n)
	}
	if n := ink(nw, seal, cardColor[New]); n > 100 {
		t.Errorf("new: %d pixels where the official seal would be", n)
	}
	emblem := image.Rect(90, 110, 175, 190)
	if so, sn := saturation(off, emblem), saturation(nw, emblem); sn > so/2 {
		t.Errorf("the new-group emblem is not muted: saturation %.2f, official %.2f", sn, so)
	}
	// The dashed border of the new-group card has gaps.
	gaps := 0
	for x := 40; x < Width-40; x++ {
		if _, _, _, a := nw.At(x, 0).RGBA(); a < 0x4000 {
			gaps++
		}
		if _, _, _, a := off.At(x, 0).RGBA(); a < 0x4000 {
			t.Fatalf("the official card's border has a gap at x=%d", x)
		}
	}
	if gaps < 100 {
		t.Errorf("the new-group card's border has %d pixels of gaps, want dashes", gaps)
	}
}

// saturation is the mean of max−min of the colour channels over r, 0…1.
func saturation(im image.Image, r image.Rectangle) float64 {
	var sum float64
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			cr, cg, cb, _ := im.At(x, y).RGBA()
			sum += float64(max(cr, cg, cb)-min(cr, cg, cb)) / 0xffff
		}
	}
	return sum / float64(r.Dx()*r.Dy())
}

// The artwork is painted as a browser shows it: a test drawing on a 100×100
// viewBox exercises what sanitised artworks may contain, and known points
// are checked for their colour. At 600 px the artwork square is 148 px
// wide, from (58, 76): one artwork unit is 1.48 px.
func TestPNGPaintsArtwork(t *testing.T) {
	magenta := func() string {
		im := image.NewRGBA(image.Rect(0, 0, 2, 2))
		for i := range im.Pix {
			im.Pix[i] = []uint8{255, 0, 255, 255}[i%4]
		}
		var b bytes.Buffer
		if err := png.Encode(&b, im); err != nil {
			t.Fatal(err)
		}
		return base64.StdEncoding.EncodeToString(b.Bytes())
	}()
	art := `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 100 100">
<defs>
  <linearGradient id="bw"><stop offset="0" stop-color="#000"/><stop offset="1" stop-color="#fff"/></linearGradient>
  <linearGradient id="bw2" xlink:href="#bw" x1="0" x2="0" y1="0" y2="1"/>
  <radialGradient id="glow"><stop offset="0" stop-color="yellow"/><stop offset="100%" stop-color="rgb(0,0,255)"/></radialGradient>
  <clipPath id="disk"><circle cx="75" cy="75" r="10"/></clipPath>
  <rect id="red" x="5" y="5" width="15" height="15" fill="red"/>
</defs>
<use xlink:href="#red"/>
<use xlink:href="#red" y="25"/>
<path fill-rule="evenodd" fill="#000000" d="M25 5h20v20h-20z M30 10h10v10h-10z"/>
<rect x="50" y="5" width="45" height="10" fill="url(#bw)"/>
<rect x="50" y="20" width="10" height="25" fill="url(#bw2)"/>
<circle cx="80" cy="32" r="12" fill="url(#glow)"/>
<g clip-path="url(#disk)"><rect x="50" y="50" width="50" height="50" fill="blue"/></g>
<g opacity="0.5"><rect x="5" y="50" width="20" height="20" fill="#00ff00"/><rect x="15" y="50" width="20" height="20" fill="#00ff00"/></g>
<g transform="translate(5 75) scale(0.5)"><rect width="30" height="30" style="fill:#ffa500;stroke:none"/></g>
<image x="25" y="75" width="20" height="20" xlink:href="data:image/png;base64,` + magenta + `"/>
<line x1="50" y1="97" x2="90" y2="97" stroke="black" stroke-width="2" stroke-dasharray="10 10"/>
</svg>`
	im := render(t, "Go Lyon", "", Official, Artwork{SVG: []byte(art)}, Width)
	at := func(x, y float64) color.RGBA {
		r, g, b, a := im.At(58+int(x*1.48), 76+int(y*1.48)).RGBA()
		return color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), uint8(a >> 8)}
	}
	disk := at(47, 35) // the emblem's disk, where the artwork leaves it bare
	near := func(c, want color.RGBA) bool {
		d := func(a, b uint8) bool { return absDiff(uint32(a), uint32(b)) <= 24 }
		return d(c.R, want.R) && d(c.G, want.G) && d(c.B, want.B)
	}
	checks := []struct {
		what string
		x, y float64
		want color.RGBA
	}{
		{"a shape through <use>", 12, 12, color.RGBA{255, 0, 0, 255}},
		{"<use> with y", 12, 37, color.RGBA{255, 0, 0, 255}},
		{"the ring of an even-odd path", 27, 15, color.RGBA{0, 0, 0, 255}},
		{"the hole of an even-odd path", 35, 15, disk},
		{"a gradient's start", 51, 10, color.RGBA{5, 5, 5, 255}},
		{"a gradient's end", 94, 10, color.RGBA{250, 250, 250, 255}},
		{"an inherited gradient turned vertical, top", 55, 21, color.RGBA{10, 10, 10, 255}},
		{"an inherited gradient turned vertical, bottom", 55, 44, color.RGBA{245, 245, 245, 255}},
		{"a radial gradient's centre", 80, 32, color.RGBA{255, 255, 0, 255}},
		{"inside a clipping path", 75, 75, color.RGBA{0, 0, 255, 255}},
		{"outside a clipping path", 55, 55, disk},
		{"a group at half opacity", 10, 60, blend(disk, color.RGBA{0, 255, 0, 255})},
		{"its shapes overlapping, once", 20, 60, blend(disk, color.RGBA{0, 255, 0, 255})},
		{"a transformed group", 10, 80, color.RGBA{255, 165, 0, 255}},
		{"past its scale", 10, 92, disk},
		{"an embedded PNG", 35, 85, color.RGBA{255, 0, 255, 255}},
		{"a dash", 55, 97, color.RGBA{0, 0, 0, 255}},
		{"a gap between dashes", 65, 97, disk},
	}
	for _, c := range checks {
		if got := at(c.x, c.y); !near(got, c.want) {
			t.Errorf("%s at (%v, %v): %v, want %v", c.what, c.x, c.y, got, c.want)
		}
	}
	if disk.B < 200 || disk.R > 250 {
		t.Errorf("the disk behind the artwork is %v, want its pale blue", disk)
	}
}

func blend(under, over color.RGBA) color.RGBA {
	mix := func(a, b uint8) uint8 { return uint8((uint32(a) + uint32(b) + 1) / 2) }
	return color.RGBA{mix(under.R, over.R), mix(under.G, over.G), mix(under.B, over.B), 255}
}

// Every sample artwork of the tests paints without error, within bounds.
func TestPNGArtworks(t *testing.T) {
	for _, src := range []string{inkscapeArtwork, string(defaultArtwork)} {
		for _, w := range []int{MinPNGWidth, 600} {
			render(t, "Go Lyon", "", New, Artwork{SVG: []byte(src)}, w)
		}
	}
}

// Logos are painted concurrently (run with -race).
func TestPNGConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			name := []string{"Go Lyon", japaneseName, "Ελληνική Ομάδα", emojiName}[i%4]
			if _, err := PNG(context.Background(), name, "", Variant(i%2), Artwork{}, 300); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
}

func BenchmarkPNG(b *testing.B) {
	for _, bench := range []struct {
		name    string
		variant Variant
		width   int
	}{
		{"official/600", Official, 600},
		{"new/600", New, 600},
		{"official/1200", Official, 1200},
		{"new/4096", New, 4096},
	} {
		b.Run(bench.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := PNG(context.Background(), "Python User Group Riyadh", "", bench.variant, Artwork{}, bench.width); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// FuzzPNG paints names and artworks: any name and any artwork the
// sanitiser accepts give a PNG.
func FuzzPNG(f *testing.F) {
	f.Add("Go Lyon", []byte(inkscapeArtwork))
	f.Add(japaneseName, defaultArtwork)
	f.Add(emojiName, svgDoc(`<path fill-rule="evenodd" d="M0 0h10v10h-10zM2 2h6v6h-6zM1 1L9 9"/><g opacity=".5" clip-path="url(#c)"><clipPath id="c"><circle r="5" cx="5" cy="5"/><rect width="3" height="3" transform="rotate(30)"/></clipPath><ellipse rx="3" ry="1" stroke="red" stroke-dasharray="1 .5" stroke-linejoin="round"/></g>`))
	f.Fuzz(func(t *testing.T, name string, art []byte) {
		_, err := PNG(context.Background(), name, "", Official, Artwork{SVG: art}, 64)
		if err != nil && !errors.Is(err, ErrArtwork) && !errors.Is(err, ErrEmptyName) {
			t.Fatalf("%q with %q: %v", name, art, err)
		}
	})
}
