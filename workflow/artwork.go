package workflow

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	ch "chapterhouse"
	"chapterhouse/files"
	"chapterhouse/logo"
)

// The program's artwork: the picture every group's logo is drawn around.

// ArtworkKey is where the program's uploaded artwork lives in the files
// store; without it, logos use logo.DefaultArtwork.
const ArtworkKey = "program/artwork.svg"

// artworkTTL is how long a server keeps the artwork it read from the store.
// The server that takes an upload or a reset forgets its copy at once; the
// others (several instances behind a load balancer) see the change within
// this delay. Logos are sent with Cache-Control max-age=300, so browsers
// may show the previous artwork for a few minutes more.
const artworkTTL = 5 * time.Second

// artworkCache holds the current artwork, read from the store at most once
// per artworkTTL.
type artworkCache struct {
	mu      sync.Mutex
	art     logo.Artwork
	custom  bool
	fetched time.Time
}

func (c *artworkCache) invalidate() {
	c.mu.Lock()
	c.fetched = time.Time{}
	c.mu.Unlock()
}

// Artwork returns the program's artwork and whether it is an uploaded one.
// A store that cannot be read keeps the last artwork known (the default at
// first) and is asked again after artworkTTL.
func (s *Service) Artwork(ctx context.Context) (logo.Artwork, bool) {
	c := &s.art
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.fetched.IsZero() && time.Since(c.fetched) < artworkTTL {
		return c.art, c.custom
	}
	art, custom, err := s.loadArtwork(ctx)
	if err != nil {
		s.Logger.Error("reading the program's artwork", "key", ArtworkKey, "err", err)
		if c.fetched.IsZero() && c.art.SVG == nil {
			c.art, c.custom = logo.DefaultArtwork(), false
		}
	} else {
		c.art, c.custom = art, custom
	}
	c.fetched = time.Now()
	return c.art, c.custom
}

func (s *Service) loadArtwork(ctx context.Context) (logo.Artwork, bool, error) {
	if s.Files == nil {
		return logo.DefaultArtwork(), false, nil
	}
	rc, _, err := s.Files.Get(ctx, ArtworkKey)
	if errors.Is(err, files.ErrNotFound) {
		return logo.DefaultArtwork(), false, nil
	}
	if err != nil {
		return logo.Artwork{}, false, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, logo.MaxArtworkBytes+1))
	if err != nil {
		return logo.Artwork{}, false, err
	}
	// Stored artwork was cleaned on upload; checking it again costs little
	// (once per TTL) and keeps a hand-edited file from reaching the logos.
	art, err := logo.ParseArtwork(b)
	if err != nil {
		return logo.Artwork{}, false, err
	}
	return art, true, nil
}

// SetArtwork checks, cleans and stores the program's artwork, an SVG file
// (community managers only); every logo uses it from then on.
func (s *Service) SetArtwork(ctx context.Context, actor *ch.User, b []byte) error {
	if !actor.IsCommunityManager() {
		return forbidden("Only community managers change the program's artwork.")
	}
	refuse := func(hint string) error {
		return ch.Invalid("The artwork was not changed.", "artwork", hint)
	}
	switch {
	case len(b) == 0:
		return refuse("Choose an SVG file to upload.")
	case len(b) > logo.MaxArtworkBytes:
		return refuse(fmt.Sprintf("The file is too large: the artwork must be at most %d KB.", logo.MaxArtworkBytes>>10))
	case !looksLikeSVG(b):
		return refuse("This is not an SVG file (it looks like " + http.DetectContentType(b) + "). Export the artwork as SVG.")
	}
	art, err := logo.ParseArtwork(b)
	if err != nil {
		return refuse("This SVG cannot be used: " + artworkReason(err) + ".")
	}
	if s.Files == nil {
		return errors.New("no file store for the artwork")
	}
	if err := s.Files.Put(ctx, ArtworkKey, bytes.NewReader(art.SVG), int64(len(art.SVG)), "image/svg+xml"); err != nil {
		return err
	}
	s.art.invalidate()
	s.Logger.Info("program artwork uploaded", "by", actor.ID, "bytes", len(art.SVG))
	return nil
}

// ResetArtwork goes back to the default artwork (community managers only).
func (s *Service) ResetArtwork(ctx context.Context, actor *ch.User) error {
	if !actor.IsCommunityManager() {
		return forbidden("Only community managers change the program's artwork.")
	}
	if s.Files != nil {
		if err := s.Files.Delete(ctx, ArtworkKey); err != nil {
			return err
		}
	}
	s.art.invalidate()
	s.Logger.Info("program artwork reset to the default", "by", actor.ID)
	return nil
}

// looksLikeSVG sniffs the content, whatever name and type the browser gave
// the file: text (an XML document) that has an <svg element. Raster images,
// PDFs, archives and HTML are refused before parsing.
func looksLikeSVG(b []byte) bool {
	switch ct := http.DetectContentType(b); ct {
	case "text/xml; charset=utf-8", "text/plain; charset=utf-8", "text/plain; charset=utf-16be", "text/plain; charset=utf-16le":
		return bytes.Contains(b, []byte("<svg"))
	}
	return false
}

// artworkReason is logo.ParseArtwork's refusal without its package prefix.
func artworkReason(err error) string {
	msg := err.Error()
	prefix := logo.ErrArtwork.Error() + ": "
	if len(msg) > len(prefix) && msg[:len(prefix)] == prefix {
		return msg[len(prefix):]
	}
	return msg
}
