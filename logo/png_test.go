package logo

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// requireRasterizer skips the test without rsvg-convert, or fails it in CI,
// where it must be installed (librsvg2-bin).
func requireRasterizer(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("rsvg-convert"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("rsvg-convert is missing: apt-get install librsvg2-bin")
		}
		t.Skip("rsvg-convert is missing: apt-get install librsvg2-bin")
	}
}

func render(t *testing.T, name string, v Variant, width int) image.Image {
	t.Helper()
	svg, err := SVG(name, v, Artwork{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := PNG(context.Background(), svg, width)
	if err != nil {
		t.Fatal(err)
	}
	im, err := png.Decode(bytes.NewReader(p))
	if err != nil {
		t.Fatalf("%q: not a PNG: %v", name, err)
	}
	return im
}

func TestPNGSize(t *testing.T) {
	requireRasterizer(t)
	for _, w := range []int{MinPNGWidth, 300, 600, 1200} {
		im := render(t, "Go Lyon", Official, w)
		if b := im.Bounds(); b.Dx() != w || b.Dy() != w*Height/Width {
			t.Errorf("width %d: image is %v", w, b)
		}
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

// The name is drawn: its column holds far more ink than with a one-dot
// name, whatever the script (with the fonts installed as CI does).
func TestPNGDrawsTheName(t *testing.T) {
	requireRasterizer(t)
	column := image.Rect(int(textLeft)-2, 0, int(textRight)+2, Height)
	for _, v := range []Variant{Official, New} {
		blank := ink(render(t, ".", v, Width), column, cardColor[v])
		for _, name := range []string{"Go Lyon", arabicName, hebrewName, japaneseName, emojiName} {
			got := ink(render(t, name, v, Width), column, cardColor[v])
			if got < blank+1500 {
				t.Errorf("%q (%v): %d pixels of ink in the text column, %d with a dot", name, v, got, blank)
			}
		}
	}
}

// No name overflows its box with real fonts: the strips around the text
// column stay empty.
func TestPNGNameStaysInItsBox(t *testing.T) {
	requireRasterizer(t)
	strips := map[string]image.Rectangle{
		"right": image.Rect(int(textRight)+3, 30, Width-9, Height-30), // clear of the rounded corners
		"left":  image.Rect(int(emblemX+emblemR)+6, 8, int(textLeft)-3, Height-8),
		"top":   image.Rect(int(textLeft)-2, 5, int(textRight)+2, 14),
		"below": image.Rect(int(textLeft)-2, Height-14, int(textRight)+2, Height-5),
	}
	for _, name := range testNames {
		for _, v := range []Variant{Official, New} {
			im := render(t, name, v, Width)
			for side, r := range strips {
				if n := ink(im, r, cardColor[v]); n > 0 {
					t.Errorf("%q (%v): %d pixels of ink %s of the text box", name, v, n, side)
				}
			}
		}
	}
}

func TestPNGMissingRasterizer(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	svg, _ := SVG("Go Lyon", Official, Artwork{})
	if _, err := PNG(context.Background(), svg, 600); !errors.Is(err, ErrNoRasterizer) {
		t.Errorf("err %v, want ErrNoRasterizer", err)
	}
}

func TestPNGRefusesBadWidth(t *testing.T) {
	svg, _ := SVG("Go Lyon", Official, Artwork{})
	for _, w := range []int{-1, 0, MinPNGWidth - 1, MaxPNGWidth + 1} {
		if _, err := PNG(context.Background(), svg, w); err == nil {
			t.Errorf("width %d accepted", w)
		}
	}
}

func TestPNGErrors(t *testing.T) {
	requireRasterizer(t)
	if _, err := PNG(context.Background(), []byte("not an SVG"), 100); err == nil || !strings.Contains(err.Error(), "rsvg-convert") {
		t.Errorf("err %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	svg, _ := SVG("Go Lyon", Official, Artwork{})
	if _, err := PNG(ctx, svg, 100); !errors.Is(err, context.Canceled) {
		t.Errorf("err %v, want context.Canceled", err)
	}
}

func TestLimitedBuffer(t *testing.T) {
	b := &limitedBuffer{max: 4}
	if _, err := b.Write([]byte("12345")); err == nil || !b.overflow {
		t.Error("overflow not reported")
	}
	s := &limitedBuffer{max: 4, truncate: true}
	if n, err := s.Write([]byte("12345")); n != 5 || err != nil || s.String() != "1234" {
		t.Errorf("truncating write: %d %v %q", n, err, s.String())
	}
}
