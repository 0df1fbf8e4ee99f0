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
	art, custom := s.flows.Artwork(r.Context())
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
		if err := s.flows.ResetArtwork(r.Context(), userFrom(r)); err != nil {
			s.fail(w, r, err)
			return
		}
		s.redirect(w, r, "/admin/artwork", "Logos use the default artwork again.")
		return
	}
	var b []byte
	if file, _, err := r.FormFile("artwork"); err == nil {
		defer file.Close()
		if b, err = io.ReadAll(io.LimitReader(file, logo.MaxArtworkBytes+1)); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	err := s.flows.SetArtwork(r.Context(), userFrom(r), b)
	if ch.ErrorCode(err) == ch.EINVALID {
		s.artworkPage(w, r, http.StatusUnprocessableEntity, formWithError(r, err))
		return
	} else if err != nil {
		s.fail(w, r, err)
		return
	}
	s.redirect(w, r, "/admin/artwork", "The new artwork is saved: every group's logo uses it now.")
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
