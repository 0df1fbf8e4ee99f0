package web

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"io"
	"mime"
	"net/http"
	"strconv"
	"sync"
	"time"

	ch "chapterhouse"
	"chapterhouse/files"
	"chapterhouse/logo"
)

// artworkKey is where the program's uploaded artwork lives in the files
// store; without it, logos use logo.DefaultArtwork.
const artworkKey = "program/artwork.svg"

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

// artwork returns the program's artwork and whether it is an uploaded one.
// A store that cannot be read keeps the last artwork known (the default at
// first) and is asked again after artworkTTL.
func (s *Server) artwork(ctx context.Context) (logo.Artwork, bool) {
	c := &s.art
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.fetched.IsZero() && time.Since(c.fetched) < artworkTTL {
		return c.art, c.custom
	}
	art, custom, err := s.loadArtwork(ctx)
	if err != nil {
		s.Logger.Error("reading the program's artwork", "key", artworkKey, "err", err)
		if c.fetched.IsZero() && c.art.SVG == nil {
			c.art, c.custom = logo.DefaultArtwork(), false
		}
	} else {
		c.art, c.custom = art, custom
	}
	c.fetched = time.Now()
	return c.art, c.custom
}

func (s *Server) loadArtwork(ctx context.Context) (logo.Artwork, bool, error) {
	rc, _, err := s.Files.Get(ctx, artworkKey)
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

// artworkSlack is what a multipart request adds around the file: the CSRF
// field, boundaries and part headers.
const artworkSlack = 16 << 10

// maxArtworkRequest bounds the upload request.
const maxArtworkRequest = logo.MaxArtworkBytes + artworkSlack

// limitArtworkUpload parses the artwork upload's multipart body, bounded by
// maxArtworkRequest, before the other middleware reads the request: the
// storable check calls r.ParseForm, which leaves a multipart body unread but
// sets r.PostForm, after which r.PostFormValue (the CSRF check) no longer
// parses the body; and the usual form limit (maxFormBytes) is smaller than
// an artwork may be. Parsed here, the CSRF field and the other values are in
// r.PostForm for both checks. A body too large is answered with a redirect
// to the page, which says why, rather than "This form has expired".
func (s *Server) limitArtworkUpload(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/admin/artwork" {
			next.ServeHTTP(w, r)
			return
		}
		tooLarge := func() {
			s.redirect(w, r, "/admin/artwork", "The artwork was not changed: the file is too large. Upload an SVG under "+strconv.Itoa(logo.MaxArtworkBytes>>10)+" KB.")
		}
		if r.ContentLength > maxArtworkRequest {
			tooLarge()
			return
		}
		if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct == "multipart/form-data" {
			r.Body = http.MaxBytesReader(w, r.Body, maxArtworkRequest)
			if err := r.ParseMultipartForm(maxArtworkRequest); err != nil {
				var mbe *http.MaxBytesError
				if errors.As(err, &mbe) {
					tooLarge()
					return
				}
				s.fail(w, r, ch.Errorf(ch.EBADREQUEST, "The upload could not be read. Go back and try again."))
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

type artworkPreview struct {
	Label string
	Src   template.URL
}

type artworkData struct {
	Custom   bool
	Sample   string
	Previews []artworkPreview
	Form     form
	MaxKB    int
}

const artworkSample = "Lyon Python Meetup"

func (s *Server) artworkPage(w http.ResponseWriter, r *http.Request, status int, f form) {
	art, custom := s.artwork(r.Context())
	d := artworkData{Custom: custom, Sample: artworkSample, Form: f, MaxKB: logo.MaxArtworkBytes >> 10}
	for _, v := range []struct {
		label   string
		variant logo.Variant
	}{{"Official user group", logo.Official}, {"New group", logo.New}} {
		svg, err := logo.SVG(artworkSample, v.variant, art)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		// The logo is generated from cleaned artwork and shown through <img>,
		// where SVG runs no script.
		d.Previews = append(d.Previews, artworkPreview{Label: v.label, Src: template.URL("data:image/svg+xml;base64," + base64.StdEncoding.EncodeToString(svg))})
	}
	s.render(w, r, status, "artwork", "Program artwork", d)
}

func (s *Server) artworkForm(w http.ResponseWriter, r *http.Request) {
	s.artworkPage(w, r, http.StatusOK, form{Errors: map[string]string{}})
}

// uploadArtwork takes a multipart form with the file "artwork", or
// action=reset to go back to the default artwork.
func (s *Server) uploadArtwork(w http.ResponseWriter, r *http.Request) {
	// limitArtworkUpload has parsed the multipart form.
	if r.PostFormValue("action") == "reset" {
		if err := s.Files.Delete(r.Context(), artworkKey); err != nil {
			s.fail(w, r, err)
			return
		}
		s.art.invalidate()
		s.Logger.Info("program artwork reset to the default", "by", userFrom(r).ID)
		s.redirect(w, r, "/admin/artwork", "Logos use the default artwork again.")
		return
	}
	refuse := func(msg string) {
		s.artworkPage(w, r, http.StatusUnprocessableEntity, form{Errors: map[string]string{"artwork": msg}, Error: "The artwork was not changed."})
	}
	file, _, err := r.FormFile("artwork")
	if err != nil {
		refuse("Choose an SVG file to upload.")
		return
	}
	defer file.Close()
	b, err := io.ReadAll(io.LimitReader(file, logo.MaxArtworkBytes+1))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if len(b) == 0 {
		refuse("Choose an SVG file to upload.")
		return
	}
	if len(b) > logo.MaxArtworkBytes {
		refuse("The file is too large: the artwork must be at most " + strconv.Itoa(logo.MaxArtworkBytes>>10) + " KB.")
		return
	}
	if !looksLikeSVG(b) {
		refuse("This is not an SVG file (it looks like " + http.DetectContentType(b) + "). Export the artwork as SVG.")
		return
	}
	art, err := logo.ParseArtwork(b)
	if err != nil {
		refuse("This SVG cannot be used: " + artworkReason(err) + ".")
		return
	}
	if err := s.Files.Put(r.Context(), artworkKey, bytes.NewReader(art.SVG), int64(len(art.SVG)), "image/svg+xml"); err != nil {
		s.fail(w, r, err)
		return
	}
	s.art.invalidate()
	s.Logger.Info("program artwork uploaded", "by", userFrom(r).ID, "bytes", len(art.SVG))
	s.redirect(w, r, "/admin/artwork", "The new artwork is saved: every group's logo uses it now.")
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

// memFiles is the files store of a server started without one (tests):
// kept in memory, lost at exit.
type memFiles struct {
	mu    sync.Mutex
	files map[string]memFile
}

type memFile struct {
	data []byte
	info files.Info
}

func (m *memFiles) Put(ctx context.Context, key string, r io.Reader, size int64, ct string) error {
	if err := files.ValidKey(key); err != nil {
		return err
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if ct == "" {
		ct = "application/octet-stream"
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.files == nil {
		m.files = map[string]memFile{}
	}
	m.files[key] = memFile{b, files.Info{Key: key, Size: int64(len(b)), ContentType: ct, ModTime: time.Now()}}
	return nil
}

func (m *memFiles) Get(ctx context.Context, key string) (io.ReadCloser, files.Info, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	f, ok := m.files[key]
	if !ok {
		return nil, files.Info{}, fmt.Errorf("files: %q: %w", key, files.ErrNotFound)
	}
	return readSeekNopCloser{bytes.NewReader(f.data)}, f.info, nil
}

func (m *memFiles) Stat(ctx context.Context, key string) (files.Info, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	f, ok := m.files[key]
	if !ok {
		return files.Info{}, files.ErrNotFound
	}
	return f.info, nil
}

func (m *memFiles) Delete(ctx context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.files, key)
	return nil
}

type readSeekNopCloser struct{ *bytes.Reader }

func (readSeekNopCloser) Close() error { return nil }
