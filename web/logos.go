package web

import (
	"container/list"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"runtime"
	"strconv"
	"sync"
	"time"

	ch "chapterhouse"
	"chapterhouse/logo"
	"chapterhouse/workflow"
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

// pngWidths are the widths logo.png is drawn at: the two the group page
// offers for download (600, 1200) and smaller ones for avatars and lists.
// Any other width is redirected to the nearest of them, so that a client
// asking for many widths makes the server draw each logo at most
// len(pngWidths) times.
var pngWidths = []int{64, 128, 256, 600, 1200}

const defaultPNGWidth = 600

// nearestPNGWidth is the width of pngWidths closest to w, the larger one on
// a tie.
func nearestPNGWidth(w int) int {
	best := pngWidths[0]
	for _, x := range pngWidths[1:] {
		if abs(x-w) <= abs(best-w) {
			best = x
		}
	}
	return best
}

func abs(n int) int { return max(n, -n) }

// pngCache keeps painted logos, the least recently used leaving first once
// they pass pngCacheBytes. Painting one costs milliseconds of CPU (tens at
// the largest width), and a logo changes only with the group's name, short
// name, status or the program's artwork.
type pngCache struct {
	mu    sync.Mutex
	order *list.List // of *pngEntry, most recently used first
	byKey map[string]*list.Element
	bytes int
	// drawing holds the draws under way, so that a burst of requests for
	// one logo draws it once.
	drawing map[string]*pngDraw
	limit   drawLimit
}

type pngEntry struct {
	key string
	png []byte
}

type pngDraw struct {
	done chan struct{}
	png  []byte
	err  error
}

// pngCacheBytes bounds the cache: all five widths of a logo take about
// 130 KB, so this keeps those of some 250 groups.
const pngCacheBytes = 32 << 20

// put keeps png; the caller holds c.mu.
func (c *pngCache) put(key string, png []byte) {
	if c.byKey == nil {
		c.order, c.byKey = list.New(), map[string]*list.Element{}
	}
	c.byKey[key] = c.order.PushFront(&pngEntry{key: key, png: png})
	c.bytes += len(png)
	for c.bytes > pngCacheBytes && c.order.Len() > 1 {
		old := c.order.Remove(c.order.Back()).(*pngEntry)
		delete(c.byKey, old.key)
		c.bytes -= len(old.png)
	}
}

// png returns the logo of key, from the cache or drawn by draw within the
// limits of c.limit for client. A request that would exceed them is refused
// at once with ETOOMANY rather than left waiting.
func (c *pngCache) png(ctx context.Context, key, client string, draw func(context.Context) ([]byte, error)) ([]byte, error) {
	c.mu.Lock()
	if e, ok := c.byKey[key]; ok {
		c.order.MoveToFront(e)
		c.mu.Unlock()
		return e.Value.(*pngEntry).png, nil
	}
	if d, ok := c.drawing[key]; ok {
		c.mu.Unlock()
		select {
		case <-d.done:
			if errors.Is(d.err, context.Canceled) && ctx.Err() == nil {
				return c.png(ctx, key, client, draw) // the drawing request went away
			}
			return d.png, d.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if !c.limit.enter(client) {
		c.mu.Unlock()
		return nil, errTooManyDraws
	}
	d := &pngDraw{done: make(chan struct{})}
	if c.drawing == nil {
		c.drawing = map[string]*pngDraw{}
	}
	c.drawing[key] = d
	c.mu.Unlock()

	d.png, d.err = c.limit.run(ctx, draw)

	c.mu.Lock()
	c.limit.leave(client)
	delete(c.drawing, key)
	if d.err == nil {
		c.put(key, d.png)
	}
	c.mu.Unlock()
	close(d.done)
	return d.png, d.err
}

// errTooManyDraws is a Throttled refusal, so that fail tells the client
// when to try again, as for every other limit.
var errTooManyDraws = &workflow.Throttled{Err: ch.Errorf(ch.ETOOMANY, "Too many logos are being drawn right now. Try again in a moment."), Wait: time.Second}

// drawLimit bounds the painting of logos, which anyone may ask for: at most
// one per slot at once (half the cores, so that pages are still served
// while logos are drawn), at most drawQueue more waiting, and at most
// perClientDraws waiting or running for one client address. Its counters
// are guarded by the pngCache's mutex.
type drawLimit struct {
	slots     chan struct{}
	pending   int
	perClient map[string]int
}

const (
	drawQueue      = 8
	perClientDraws = 2
)

func (l *drawLimit) enter(client string) bool {
	if l.slots == nil {
		l.slots = make(chan struct{}, max(1, runtime.GOMAXPROCS(0)/2))
		l.perClient = map[string]int{}
	}
	if l.pending >= cap(l.slots)+drawQueue || l.perClient[client] >= perClientDraws {
		return false
	}
	l.pending++
	l.perClient[client]++
	return true
}

func (l *drawLimit) leave(client string) {
	l.pending--
	if l.perClient[client]--; l.perClient[client] == 0 {
		delete(l.perClient, client)
	}
}

// run draws once a slot is free.
func (l *drawLimit) run(ctx context.Context, draw func(context.Context) ([]byte, error)) ([]byte, error) {
	select {
	case l.slots <- struct{}{}:
		defer func() { <-l.slots }()
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return draw(ctx)
}

// groupLogo answers /groups/{slug}/logo.svg and logo.png (?width=, one of
// pngWidths, default 600). Logos are public wherever the group's page is.
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
			width := defaultPNGWidth
			v := r.URL.Query().Get("width")
			if v != "" {
				if width, err = strconv.Atoi(v); err != nil {
					s.fail(w, r, &ch.Error{Code: ch.EINVALID, Message: "Give the width in pixels, as a number.", Fields: map[string]string{"width": "a number"}})
					return
				}
			}
			// One URL per image, so that browsers and caches keep one copy.
			if nearest := nearestPNGWidth(width); nearest != width || v != "" && v != strconv.Itoa(nearest) {
				q := r.URL.Query()
				q.Set("width", strconv.Itoa(nearest))
				w.Header().Set("Cache-Control", "public, max-age=86400")
				http.Redirect(w, r, r.URL.Path+"?"+q.Encode(), http.StatusFound)
				return
			}
			// The SVG stands for the name, the status and the artwork; the
			// short name is what the PNG may show instead of the name.
			h := sha256.New()
			h.Write(svg)
			h.Write([]byte{0})
			h.Write([]byte(g.ShortName))
			key := hex.EncodeToString(h.Sum(nil)) + "/" + strconv.Itoa(width)
			png, err := s.pngs.png(r.Context(), key, s.clientIP(r), func(ctx context.Context) ([]byte, error) {
				return logo.PNG(ctx, g.Name, g.ShortName, logoVariant(g.Status), art, width)
			})
			if err != nil {
				s.fail(w, r, err)
				return
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
