package web

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"sync"

	ch "chapterhouse"
	"chapterhouse/logo"
)

// logoVariant is the logo a group may use: the official mark only while it
// is official; every other listed group (new, revoked, archived) gets the
// new-group logo.
func logoVariant(s ch.Status) logo.Variant {
	if s == ch.StatusOfficial {
		return logo.Official
	}
	return logo.New
}

// pngCache keeps painted logos: painting one costs milliseconds of CPU (tens
// at the largest widths), and a logo changes only with the group's name,
// short name, status or the program's artwork.
type pngCache struct {
	mu      sync.Mutex
	entries map[string][]byte
}

const pngEntries = 500

func (c *pngCache) get(key string) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	b, ok := c.entries[key]
	return b, ok
}

func (c *pngCache) put(key string, b []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil || len(c.entries) >= pngEntries {
		c.entries = map[string][]byte{}
	}
	c.entries[key] = b
}

// groupLogo answers /groups/{slug}/logo.svg and logo.png (?width=, default
// 600). Logos are public wherever the group's page is.
func (s *Server) groupLogo(format string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		g, _, err := s.loadGroup(r.Context(), r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		art, _ := s.flows.Artwork(r.Context())
		svg, err := logo.SVG(g.Name, logoVariant(g.Status), art)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		body, contentType := svg, "image/svg+xml"
		if format == "png" {
			width := 600
			if v := r.URL.Query().Get("width"); v != "" {
				if width, err = strconv.Atoi(v); err != nil || width < logo.MinPNGWidth || width > logo.MaxPNGWidth {
					bounds := fmt.Sprintf("%d to %d", logo.MinPNGWidth, logo.MaxPNGWidth)
					s.fail(w, r, &ch.Error{Code: ch.EINVALID, Message: "Choose a width from " + bounds + " pixels.", Fields: map[string]string{"width": bounds}})
					return
				}
			}
			// The SVG stands for the name, the status and the artwork; the
			// short name is what the PNG may show instead of the name.
			h := sha256.New()
			h.Write(svg)
			h.Write([]byte{0})
			h.Write([]byte(g.ShortName))
			key := hex.EncodeToString(h.Sum(nil)) + "/" + strconv.Itoa(width)
			png, ok := s.pngs.get(key)
			if !ok {
				if png, err = logo.PNG(r.Context(), g.Name, g.ShortName, logoVariant(g.Status), art, width); err != nil {
					s.fail(w, r, err)
					return
				}
				s.pngs.put(key, png)
			}
			body, contentType = png, "image/png"
		}
		sum := sha256.Sum256(body)
		etag := `"` + hex.EncodeToString(sum[:12]) + `"`
		w.Header().Set("ETag", etag)
		w.Header().Set("Cache-Control", "public, max-age=300")
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("Content-Disposition", `inline; filename="`+g.Slug+`-logo.`+format+`"`)
		w.Write(body)
	}
}
