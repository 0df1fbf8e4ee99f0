// Package files keeps the portal's files (program artwork, uploads, later
// materials and recordings) on the local disk or in an S3-compatible bucket,
// behind one small Store interface.
//
// Keys are slash-separated paths such as "groups/42/logo.svg". Every store
// accepts only keys that ValidKey accepts, so the same key works on both and a
// key can never name a file outside the store's directory. On both stores a
// key cannot also be the folder of another key ("a" and "a/b" cannot both
// exist): the disk store maps keys to files, and so does an S3 gateway on a
// POSIX file system such as versitygw.
package files

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/url"
	"path/filepath"
	"strings"
	"time"
)

// Store keeps files (program artwork, uploads, later materials and recordings).
type Store interface {
	// Put stores r under key, replacing what was there. size is the number
	// of bytes r yields, or -1 when unknown. An empty contentType is stored
	// as "application/octet-stream".
	Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error
	// Get opens the file under key; the caller closes it. A missing key is
	// an error satisfying errors.Is(err, ErrNotFound). The reader of both
	// stores is also an io.Seeker (for http.ServeContent).
	Get(ctx context.Context, key string) (io.ReadCloser, Info, error)
	// Stat describes the file under key, or returns ErrNotFound.
	Stat(ctx context.Context, key string) (Info, error)
	// Delete removes the file under key; deleting a missing key is not an
	// error.
	Delete(ctx context.Context, key string) error
}

// Info describes one stored file.
type Info struct {
	Key         string
	Size        int64
	ContentType string
	ModTime     time.Time
}

var (
	// ErrNotFound is returned (wrapped) for a key that holds no file.
	ErrNotFound = errors.New("file not found")
	// ErrInvalidKey is returned (wrapped) for a key that ValidKey refuses.
	ErrInvalidKey = errors.New("invalid file key")
)

const (
	maxKeyLen     = 1024 // S3's limit on object names
	maxSegmentLen = 200  // leaves room under NAME_MAX (255) for the disk store's sidecar and temporary names
)

// ValidKey reports whether key may name a file: one or more segments joined
// by "/", each starting with an ASCII letter or digit and going on with
// letters, digits, '.', '_' or '-' (at most 200 bytes a segment, 1024 in
// all). So "", "/etc/passwd", "../x", "a//b", "a/", "a\\b", ".hidden" and
// anything with a space, a NUL or non-ASCII are refused. The error wraps
// ErrInvalidKey.
func ValidKey(key string) error {
	bad := func(why string) error { return fmt.Errorf("files: %w %q: %s", ErrInvalidKey, key, why) }
	if key == "" {
		return bad("empty")
	}
	if len(key) > maxKeyLen {
		return bad("longer than 1024 bytes")
	}
	for seg := range strings.SplitSeq(key, "/") {
		if seg == "" {
			return bad("empty path segment (leading, trailing or double slash)")
		}
		if len(seg) > maxSegmentLen {
			return bad("path segment longer than 200 bytes")
		}
		if !isAlnum(seg[0]) {
			return bad("each path segment must start with a letter or digit")
		}
		for i := 1; i < len(seg); i++ {
			if c := seg[i]; !isAlnum(c) && c != '.' && c != '_' && c != '-' {
				return bad(fmt.Sprintf("character %q not allowed", c))
			}
		}
	}
	return nil
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

const defaultContentType = "application/octet-stream"

// contentType checks ct and returns what the stores keep for it.
func contentType(ct string) (string, error) {
	if ct == "" {
		return defaultContentType, nil
	}
	if _, _, err := mime.ParseMediaType(ct); err != nil || strings.ContainsAny(ct, "\r\n") {
		return "", fmt.Errorf("files: invalid content type %q", ct)
	}
	return ct, nil
}

// Open opens the store that rawURL names and checks that it can be used:
//
//   - "" — the disk under dataDir/files (created if missing);
//   - "file:DIR" (or "file:///abs/dir") — the disk under DIR (a relative
//     DIR is taken from the working directory, not dataDir);
//   - "s3://ACCESS:SECRET@host:port/bucket?secure=false&region=us-east-1" —
//     a bucket of an S3-compatible server, which must exist. secure
//     (HTTPS) defaults to true; without region the client asks the server.
//     Without ACCESS:SECRET the credentials come from AWS_ACCESS_KEY_ID and
//     AWS_SECRET_ACCESS_KEY. Characters such as '/' or '+' in the secret
//     are percent-encoded (%2F, %2B).
//
// Errors never repeat the secret.
func Open(ctx context.Context, rawURL string, dataDir string) (Store, error) {
	switch {
	case rawURL == "":
		return NewDisk(filepath.Join(dataDir, "files"))
	case strings.HasPrefix(rawURL, "file:"):
		dir := strings.TrimPrefix(rawURL, "file:")
		if strings.HasPrefix(dir, "//") {
			// file:///abs/dir: an empty authority, then an absolute path.
			dir = strings.TrimPrefix(dir, "//")
			if !strings.HasPrefix(dir, "/") {
				return nil, errors.New(`files: storage URL "file://HOST/..." is not supported: use file:DIR or file:///abs/dir`)
			}
		}
		if dir == "" {
			return nil, errors.New("files: storage URL file: needs a directory, e.g. file:/var/lib/chapterhouse/files")
		}
		return NewDisk(dir)
	case strings.HasPrefix(rawURL, "s3://"):
		cfg, err := parseS3URL(rawURL)
		if err != nil {
			return nil, err
		}
		return openS3(ctx, cfg)
	}
	return nil, fmt.Errorf("files: storage URL %q is not supported: use file:DIR or s3://ACCESS:SECRET@host:port/bucket", redact(rawURL))
}

// redact hides the userinfo of a URL-like string for error messages.
func redact(s string) string {
	if u, err := url.Parse(s); err == nil && u.User != nil {
		u.User = url.User("REDACTED")
		return u.String()
	}
	if i := strings.LastIndex(s, "@"); i >= 0 {
		if j := strings.Index(s, "://"); j >= 0 && j < i {
			return s[:j+3] + "REDACTED" + s[i:]
		}
	}
	return s
}

// ctxReader stops a copy once ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
