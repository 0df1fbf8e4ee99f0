package files

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"
)

// testStore runs the contract every Store meets. newStore returns an empty
// store for each subtest.
func testStore(t *testing.T, newStore func(t *testing.T) Store) {
	ctx := context.Background()

	t.Run("RoundTrip", func(t *testing.T) {
		s := newStore(t)
		before := time.Now().Add(-2 * time.Second)
		body := []byte("<svg xmlns='http://www.w3.org/2000/svg'/>")
		if err := s.Put(ctx, "groups/42/logo.svg", bytes.NewReader(body), int64(len(body)), "image/svg+xml"); err != nil {
			t.Fatal(err)
		}
		got, info := get(t, s, "groups/42/logo.svg")
		if !bytes.Equal(got, body) {
			t.Fatalf("got %q, want %q", got, body)
		}
		if info.Key != "groups/42/logo.svg" || info.Size != int64(len(body)) || info.ContentType != "image/svg+xml" {
			t.Fatalf("info = %+v", info)
		}
		if info.ModTime.Before(before) || info.ModTime.After(time.Now().Add(2*time.Second)) {
			t.Fatalf("mod time %v is not about now", info.ModTime)
		}
	})

	t.Run("ContentTypeWithParametersAndDefault", func(t *testing.T) {
		s := newStore(t)
		put(t, s, "notes.txt", []byte("hi"), "text/plain; charset=utf-8")
		if info := stat(t, s, "notes.txt"); info.ContentType != "text/plain; charset=utf-8" {
			t.Fatalf("content type %q", info.ContentType)
		}
		put(t, s, "blob.png", []byte("x"), "")
		if info := stat(t, s, "blob.png"); info.ContentType != "application/octet-stream" {
			t.Fatalf("empty content type stored as %q, want application/octet-stream", info.ContentType)
		}
		if err := s.Put(ctx, "bad", strings.NewReader("x"), 1, "text/plain\r\nX-Evil: 1"); err == nil {
			t.Fatal("a content type with a line break was accepted")
		}
	})

	t.Run("Overwrite", func(t *testing.T) {
		s := newStore(t)
		put(t, s, "a/b.bin", []byte("first version, longer"), "application/octet-stream")
		put(t, s, "a/b.bin", []byte("second"), "text/plain")
		got, info := get(t, s, "a/b.bin")
		if string(got) != "second" || info.Size != 6 || info.ContentType != "text/plain" {
			t.Fatalf("after overwrite: %q %+v", got, info)
		}
	})

	t.Run("Stat", func(t *testing.T) {
		s := newStore(t)
		put(t, s, "x/y/z.json", []byte(`{"a":1}`), "application/json")
		info := stat(t, s, "x/y/z.json")
		if info.Key != "x/y/z.json" || info.Size != 7 || info.ContentType != "application/json" || info.ModTime.IsZero() {
			t.Fatalf("stat = %+v", info)
		}
	})

	t.Run("MissingIsErrNotFound", func(t *testing.T) {
		s := newStore(t)
		put(t, s, "present/file.txt", []byte("x"), "text/plain")
		for _, key := range []string{"missing", "present/other.txt", "present", "present/file.txt/below", "nowhere/deep/file"} {
			if _, err := s.Stat(ctx, key); !errors.Is(err, ErrNotFound) {
				t.Errorf("Stat(%q) = %v, want ErrNotFound", key, err)
			}
			r, _, err := s.Get(ctx, key)
			if !errors.Is(err, ErrNotFound) {
				t.Errorf("Get(%q) = %v, want ErrNotFound", key, err)
			}
			if r != nil {
				r.Close()
				t.Errorf("Get(%q) returned a reader with the error", key)
			}
		}
	})

	t.Run("DeleteIsIdempotent", func(t *testing.T) {
		s := newStore(t)
		put(t, s, "d/e.txt", []byte("x"), "text/plain")
		for i := range 2 {
			if err := s.Delete(ctx, "d/e.txt"); err != nil {
				t.Fatalf("delete #%d: %v", i+1, err)
			}
		}
		if _, err := s.Stat(ctx, "d/e.txt"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("after delete: %v", err)
		}
		if err := s.Delete(ctx, "never/was"); err != nil {
			t.Fatalf("deleting a missing key: %v", err)
		}
		// The key can be written again.
		put(t, s, "d/e.txt", []byte("again"), "text/plain")
		if got, _ := get(t, s, "d/e.txt"); string(got) != "again" {
			t.Fatalf("got %q", got)
		}
	})

	t.Run("LargerThanOnePart", func(t *testing.T) {
		s := newStore(t)
		const size = 2*PartSize + 1<<20 + 7 // three parts, the last one short
		body := make([]byte, size)
		rand.Read(body)
		want := sha256.Sum256(body)
		// Known size, through a reader that is neither a ReaderAt nor a Seeker.
		if err := s.Put(ctx, "recordings/big.bin", struct{ io.Reader }{bytes.NewReader(body)}, size, "video/mp4"); err != nil {
			t.Fatal(err)
		}
		r, info, err := s.Get(ctx, "recordings/big.bin")
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.New()
		n, err := io.Copy(h, r)
		r.Close()
		if err != nil {
			t.Fatal(err)
		}
		if n != size || info.Size != size || !bytes.Equal(h.Sum(nil), want[:]) {
			t.Fatalf("read %d bytes (info %d) of %d; sha256 equal: %v", n, info.Size, size, bytes.Equal(h.Sum(nil), want[:]))
		}
		if info.ContentType != "video/mp4" {
			t.Fatalf("content type %q", info.ContentType)
		}
	})

	t.Run("UnknownSize", func(t *testing.T) {
		s := newStore(t)
		for _, n := range []int{0, 10, PartSize + 12345} {
			body := make([]byte, n)
			rand.Read(body)
			key := fmt.Sprintf("unknown/%d.bin", n)
			// A pipe hides the length from the store.
			pr, pw := io.Pipe()
			go func() { pw.CloseWithError(writeAll(pw, body)) }()
			if err := s.Put(ctx, key, pr, -1, "application/octet-stream"); err != nil {
				t.Fatalf("%d bytes: %v", n, err)
			}
			got, info := get(t, s, key)
			if !bytes.Equal(got, body) || info.Size != int64(n) {
				t.Fatalf("%d bytes: got %d bytes, info.Size %d, equal %v", n, len(got), info.Size, bytes.Equal(got, body))
			}
		}
	})

	t.Run("ShortReaderFails", func(t *testing.T) {
		s := newStore(t)
		// Not a Seeker: minio-go would seek back and retry ten times.
		if err := s.Put(ctx, "short.bin", struct{ io.Reader }{strings.NewReader("only ten b")}, 20, ""); err == nil {
			t.Fatal("a reader shorter than size was accepted")
		}
		if _, err := s.Stat(ctx, "short.bin"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("after a failed put: %v, want ErrNotFound", err)
		}
	})

	t.Run("ConcurrentPuts", func(t *testing.T) {
		s := newStore(t)
		const n = 16
		bodies := make([][]byte, n)
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i := range n {
			bodies[i] = make([]byte, 1000+i*5000)
			rand.Read(bodies[i])
			wg.Go(func() {
				errs <- s.Put(ctx, fmt.Sprintf("c/%02d.bin", i), bytes.NewReader(bodies[i]), int64(len(bodies[i])), "application/octet-stream")
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		for i := range n {
			if got, _ := get(t, s, fmt.Sprintf("c/%02d.bin", i)); !bytes.Equal(got, bodies[i]) {
				t.Fatalf("c/%02d.bin differs", i)
			}
		}
	})

	t.Run("InvalidKeysRefused", func(t *testing.T) {
		s := newStore(t)
		for _, key := range badKeys {
			if err := s.Put(ctx, key, strings.NewReader("x"), 1, ""); !errors.Is(err, ErrInvalidKey) {
				t.Errorf("Put(%q) = %v, want ErrInvalidKey", key, err)
			}
			if _, err := s.Stat(ctx, key); !errors.Is(err, ErrInvalidKey) {
				t.Errorf("Stat(%q) = %v, want ErrInvalidKey", key, err)
			}
			if _, _, err := s.Get(ctx, key); !errors.Is(err, ErrInvalidKey) {
				t.Errorf("Get(%q) = %v, want ErrInvalidKey", key, err)
			}
			if err := s.Delete(ctx, key); !errors.Is(err, ErrInvalidKey) {
				t.Errorf("Delete(%q) = %v, want ErrInvalidKey", key, err)
			}
		}
	})
}

var badKeys = []string{
	"", "../x", "a/../../x", "/etc/passwd", "a//b", "a\\b", "a/", ".", "..", ".hidden", "a/.meta",
	"nul\x00byte", "sp ace", "ünï", "a/b?c", "a:b", strings.Repeat("a", 201), strings.Repeat("a/", 600) + "a",
}

func writeAll(w io.Writer, b []byte) error {
	// Uneven writes, so parts do not line up with writes.
	for len(b) > 0 {
		n := min(len(b), 70001)
		if _, err := w.Write(b[:n]); err != nil {
			return err
		}
		b = b[n:]
	}
	return nil
}

func put(t *testing.T, s Store, key string, body []byte, ct string) {
	t.Helper()
	if err := s.Put(context.Background(), key, bytes.NewReader(body), int64(len(body)), ct); err != nil {
		t.Fatal(err)
	}
}

func get(t *testing.T, s Store, key string) ([]byte, Info) {
	t.Helper()
	r, info, err := s.Get(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return b, info
}

func stat(t *testing.T, s Store, key string) Info {
	t.Helper()
	info, err := s.Stat(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	return info
}
