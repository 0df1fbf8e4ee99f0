package logo

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"
)

func svgDoc(body string) []byte {
	return []byte(`<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 100 100">` + body + `</svg>`)
}

func TestArtworkRefused(t *testing.T) {
	tests := map[string][]byte{
		"script":                    svgDoc(`<script>alert(1)</script><circle r="5"/>`),
		"script in a group":         svgDoc(`<g><g><script type="text/javascript"><![CDATA[alert(1)]]></script></g></g>`),
		"script in XHTML":           svgDoc(`<html:script xmlns:html="http://www.w3.org/1999/xhtml">alert(1)</html:script>`),
		"onload on the root":        []byte(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10" onload="alert(1)"/>`),
		"onclick":                   svgDoc(`<circle r="5" onclick="alert(1)"/>`),
		"ONMOUSEOVER":               svgDoc(`<rect width="5" height="5" ONMOUSEOVER="alert(1)"/>`),
		"handler on dropped":        svgDoc(`<metadata><x onerror="alert(1)"/></metadata>`),
		"foreignObject":             svgDoc(`<foreignObject width="10" height="10"><div xmlns="http://www.w3.org/1999/xhtml">hi</div></foreignObject>`),
		"foreignObject in a switch": svgDoc(`<switch><foreignObject requiredExtensions="http://ns.adobe.com/AdobeIllustrator/10.0/"/><g/></switch>`),
		"external use":              svgDoc(`<use xlink:href="https://evil.example/sprite.svg#a"/>`),
		"external use, SVG 2":       svgDoc(`<use href="//evil.example/a.svg#x"/>`),
		"external image":            svgDoc(`<image href="https://evil.example/track.png" width="10" height="10"/>`),
		"file image":                svgDoc(`<image xlink:href="file:///etc/passwd" width="10" height="10"/>`),
		"SVG as data":               svgDoc(`<image href="data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=" width="1" height="1"/>`),
		"javascript link":           svgDoc(`<a xlink:href="javascript:alert(1)"><circle r="5"/></a>`),
		"link out":                  svgDoc(`<a href="https://example.org"><circle r="5"/></a>`),
		"data on use":               svgDoc(`<use href="data:image/png;base64,AAAA"/>`),
		"url() in fill":             svgDoc(`<rect width="5" height="5" fill="url(https://evil.example/p.svg#g)"/>`),
		"url() in style":            svgDoc(`<rect width="5" height="5" style="fill: url('http://evil.example/x#g')"/>`),
		"url() with escapes":        svgDoc(`<rect width="5" height="5" style="fill: u\72l(http://evil.example/x)"/>`),
		"import in style":           svgDoc(`<rect width="5" height="5" style="@import url(http://evil.example/x.css)"/>`),
		"style sheet":               append([]byte(`<?xml-stylesheet href="https://evil.example/s.css" type="text/css"?>`), svgDoc(``)...),
		"entity":                    append([]byte(`<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>`), svgDoc(`<g>&x;</g>`)...),
		"entity expansion":          append([]byte(`<!DOCTYPE svg [<!ENTITY a "aaaaaaaa"><!ENTITY b "&a;&a;&a;">]>`), svgDoc(``)...),
		"not SVG":                   []byte(`<html><body>hi</body></html>`),
		"not XML":                   []byte(`<svg viewBox="0 0 1 1"><g></svg>`),
		"empty":                     nil,
		"text":                      []byte("just text"),
		"no size":                   []byte(`<svg xmlns="http://www.w3.org/2000/svg"><circle r="5"/></svg>`),
		"bad viewBox":               []byte(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 0 10"/>`),
		"NaN viewBox":               []byte(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 NaN 10"/>`),
		"too large":                 svgDoc(strings.Repeat(`<circle r="1"/>`, MaxArtworkBytes/14)),
		"too many elements":         svgDoc(strings.Repeat(`<g/>`, maxElements+1)),
		"too deep":                  svgDoc(strings.Repeat(`<g>`, maxDepth+1) + strings.Repeat(`</g>`, maxDepth+1)),
		"use bomb": svgDoc(`<defs><g id="a"><circle r="1"/><circle r="2"/></g>` +
			`<g id="b"><use href="#a"/><use href="#a"/></g><g id="c"><use href="#b"/><use href="#b"/></g></defs><use href="#c"/>`),
		"use of itself": svgDoc(`<g id="loop"><use href="#loop"/></g>`),
		// The first element of an identifier is the one drawn: checking the
		// rectangle instead would let the group multiply itself.
		"use of a duplicated id": svgDoc(`<g id="a"><use href="#a"/><use href="#a"/></g><rect id="a" width="1" height="1"/><use href="#a"/>`),
		"use of many": svgDoc(`<defs><g id="big">` + strings.Repeat(`<circle r="1"/>`, 1000) + `</g></defs>` +
			strings.Repeat(`<use href="#big"/>`, 30)),
	}
	for name, src := range tests {
		_, err := ParseArtwork(src)
		if !errors.Is(err, ErrArtwork) {
			t.Errorf("%s: err %v, want ErrArtwork", name, err)
			continue
		}
		if len(src) == 0 {
			continue // SVG draws the default artwork
		}
		if _, err := SVG("Go Lyon", Official, Artwork{SVG: src}); !errors.Is(err, ErrArtwork) {
			t.Errorf("%s: SVG err %v, want ErrArtwork", name, err)
		}
	}
}

// An artwork as a drawing program saves it: editor namespaces, metadata,
// styles, gradients that refer to one another, a text and an embedded
// bitmap.
const inkscapeArtwork = `<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">
<!-- Created with Inkscape -->
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"
     xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape"
     xmlns:sodipodi="http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd"
     xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
     width="240mm" height="120mm" viewBox="0 0 240 120" version="1.1" id="svg8" fill="#123456">
  <sodipodi:namedview id="base" pagecolor="#ffffff" inkscape:zoom="0.35"/>
  <metadata id="metadata5"><rdf:RDF><dc:title>Our emblem</dc:title></rdf:RDF></metadata>
  <style>circle { fill: url(#grad) }</style>
  <defs id="defs2">
    <linearGradient id="base-stops" inkscape:collect="always">
      <stop offset="0" style="stop-color:#ff0000;stop-opacity:1"/>
      <stop offset="1" style="stop-color:#0000ff;stop-opacity:1"/>
    </linearGradient>
    <linearGradient id="grad.1" xlink:href="#base-stops" x1="0" y1="0" x2="1" y2="1" gradientUnits="objectBoundingBox"/>
    <clipPath id="clip"><rect width="100" height="100" rx="10"/></clipPath>
  </defs>
  <g inkscape:label="Layer 1" inkscape:groupmode="layer" id="layer1" transform="translate(10,10)" class="shapes">
    <path id="p1" d="M 0,0 L 100,0 L 50,80 Z" style="fill:url(#grad.1);stroke:#000000;stroke-width:2;font-family:Comic Sans;mix-blend-mode:multiply"/>
    <circle id="c1" cx="160" cy="50" r="40" fill="red" style="fill:#00ff00!important" clip-path="url(#clip)"/>
    <use xlink:href="#c1" x="-30"/>
    <text x="10" y="110" style="font-size:12px">Hello</text>
    <image width="10" height="10" xlink:href="data:image/png;base64,iVBORw0KGgo="/>
  </g>
</svg>
`

func TestArtworkCleaned(t *testing.T) {
	a, err := ParseArtwork([]byte(inkscapeArtwork))
	if err != nil {
		t.Fatal(err)
	}
	out := string(a.SVG)
	for _, want := range []string{
		`viewBox="0 0 240 120"`,
		`<g fill="#123456">`,           // the root's presentation attribute
		`id="art-grad_1"`,              // identifiers prefixed and made safe
		`xlink:href="#art-base-stops"`, // and references with them
		`fill="url(#art-grad_1)"`,      // styles become attributes
		`stroke-width="2"`,             //
		`fill="#00ff00"`,               // the style wins, !important dropped
		`clip-path="url(#art-clip)"`,   //
		`<use xlink:href="#art-c1" x="-30"/>`,
		`xlink:href="data:image/png;base64,iVBORw0KGgo="`,
		`transform="translate(10,10)"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %s in\n%s", want, out)
		}
	}
	for _, gone := range []string{"<text", "Hello", "<style", "metadata", "namedview", "inkscape", "sodipodi", "Our emblem",
		"class=", "Comic", "mix-blend", "DOCTYPE", "Created with", `version=`, `"svg8"`} {
		if strings.Contains(out, gone) {
			t.Errorf("%s kept in\n%s", gone, out)
		}
	}
	// The cleaned artwork is itself acceptable, and makes a well-formed logo.
	if _, err := ParseArtwork(a.SVG); err != nil {
		t.Errorf("the cleaned artwork is refused: %v", err)
	}
	svg, err := SVG("Go Lyon", Official, a)
	if err != nil {
		t.Fatal(err)
	}
	parseLogo(t, svg)
	if !bytes.Contains(svg, []byte(`viewBox="0 0 240 120" preserveAspectRatio="xMidYMid meet"`)) {
		t.Errorf("the artwork is not scaled into the emblem:\n%s", svg)
	}
	if bytes.Contains(svg, []byte("Hello")) {
		t.Error("the artwork's text was kept")
	}
}

func TestArtworkSizeFromWidthAndHeight(t *testing.T) {
	a, err := ParseArtwork([]byte(`<svg xmlns="http://www.w3.org/2000/svg" width="64px" height="32"><rect width="64" height="32"/></svg>`))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(a.SVG, []byte(`viewBox="0 0 64 32"`)) {
		t.Errorf("%s", a.SVG)
	}
}

func TestArtworkWithoutNamespace(t *testing.T) {
	if _, err := ParseArtwork([]byte(`<svg viewBox="0 0 10 10"><circle cx="5" cy="5" r="4"/></svg>`)); err != nil {
		t.Error(err)
	}
}

func TestDefaultArtwork(t *testing.T) {
	a, err := ParseArtwork(DefaultArtwork().SVG)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(a.SVG, []byte("clip-path=")) || !bytes.Contains(a.SVG, []byte("<circle")) {
		t.Errorf("the default artwork lost its drawing:\n%s", a.SVG)
	}
	// DefaultArtwork returns a copy.
	d := DefaultArtwork()
	d.SVG[0] = 'X'
	if DefaultArtwork().SVG[0] != '<' {
		t.Error("DefaultArtwork shares its bytes")
	}
}

func FuzzParseArtwork(f *testing.F) {
	f.Add([]byte(inkscapeArtwork))
	f.Add(DefaultArtwork().SVG)
	f.Add(svgDoc(`<script>alert(1)</script>`))
	f.Add(svgDoc(`<g id="a&quot;b" fill="url(#a&quot;b)"><use href="#a&quot;b"/></g>`))
	f.Fuzz(func(t *testing.T, src []byte) {
		a, err := ParseArtwork(src)
		if err != nil {
			return
		}
		// What is accepted cleans into something accepted again, with no
		// active content.
		if _, err := ParseArtwork(a.SVG); err != nil {
			t.Fatalf("cleaned artwork refused: %v\n%s", err, a.SVG)
		}
		d := xml.NewDecoder(bytes.NewReader(a.SVG))
		for {
			tok, err := d.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("not well-formed: %v\n%s", err, a.SVG)
			}
			se, ok := tok.(xml.StartElement)
			if !ok {
				continue
			}
			if se.Name.Local != "svg" && !allowedElements[se.Name.Local] {
				t.Fatalf("element %s kept", se.Name.Local)
			}
			for _, at := range se.Attr {
				if strings.HasPrefix(strings.ToLower(at.Name.Local), "on") {
					t.Fatalf("attribute %s kept", at.Name.Local)
				}
				if at.Name.Local == "href" && !strings.HasPrefix(at.Value, "#") && !strings.HasPrefix(at.Value, "data:image/") {
					t.Fatalf("href %q kept", at.Value)
				}
			}
		}
	})
}
