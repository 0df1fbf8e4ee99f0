package logo

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// sampleNames are drawn by TestWriteSamples.
var sampleNames = []string{
	"Go Lyon",
	"Python User Group Riyadh",
	"Chapterhouse International Association of Kubernetes Operators and Friends of Cloud Native Computing in the Greater Toronto Area",
	"مجموعة مستخدمي بايثون في الرياض",
	"קהילת המפתחים של תל אביב",
	"東京 Rust コミュニティ",
	"🦀 Rust Lyon 🦀",
	`<script>alert("x")</script> & 'Friends'`,
	"Pneumonoultramicroscopicsilicovolcanoconiosisandsupercalifragilisticexpialidocious",
	"हिन्दी प्रयोक्ता समूह दिल्ली",
	"Ελληνική Ομάδα Χρηστών Python",
	"Z\u0336\u0336\u0336\u0489\u0489\u030d\u030d\u030d\u030dalgo U\u0489\u0489\u0489\u0489\u0489\u0489sers",
	"👩‍💻 Women Who Go 🇫🇷 👍🏽",
}

// TestWriteSamples writes SVG and PNG logos of sampleNames in both variants
// into $LOGO_SAMPLES (when set), for a person to look at.
func TestWriteSamples(t *testing.T) {
	dir := os.Getenv("LOGO_SAMPLES")
	if dir == "" {
		t.Skip("set LOGO_SAMPLES to a directory to write sample logos")
	}
	for i, name := range sampleNames {
		for _, v := range []Variant{Official, New} {
			svg, err := SVG(name, v, Artwork{})
			if err != nil {
				t.Fatal(err)
			}
			base := filepath.Join(dir, fmt.Sprintf("%02d-%s", i, v))
			if err := os.WriteFile(base+".svg", svg, 0o644); err != nil {
				t.Fatal(err)
			}
			png, err := PNG(context.Background(), name, "", v, Artwork{}, 600)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(base+".png", png, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	// An uploaded artwork, wider than high, and a small rendering.
	for _, v := range []Variant{Official, New} {
		png, err := PNG(context.Background(), "Rust Lyon", "", v, Artwork{SVG: []byte(inkscapeArtwork)}, 300)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("custom-%s-300.png", v)), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
