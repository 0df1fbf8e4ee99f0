package files

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDisk(t *testing.T) {
	testStore(t, func(t *testing.T) Store {
		d, err := NewDisk(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		return d
	})
}

func TestValidKey(t *testing.T) {
	for _, key := range []string{"a", "logo.svg", "groups/42/logo.svg", "A-b_c.d/0.1", strings.Repeat("a", 200), "x..y"} {
		if err := ValidKey(key); err != nil {
			t.Errorf("ValidKey(%q) = %v", key, err)
		}
	}
	for _, key := range badKeys {
		if err := ValidKey(key); !errors.Is(err, ErrInvalidKey) {
			t.Errorf("ValidKey(%q) = %v, want ErrInvalidKey", key, err)
		}
	}
}

// TestDiskStaysInside checks that refused keys leave nothing outside the
// directory and that the layout is the documented one.
func TestDiskStaysInside(t *testing.T) {
	parent := t.TempDir()
	d, err := NewDisk(filepath.Join(parent, "store"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, key := range []string{"../x", "/etc/passwd", "a//b", "a\\b", "", "../store2/x"} {
		if err := d.Put(ctx, key, strings.NewReader("x"), 1, ""); !errors.Is(err, ErrInvalidKey) {
			t.Errorf("Put(%q) = %v, want ErrInvalidKey", key, err)
		}
	}
	entries, _ := os.ReadDir(parent)
	if len(entries) != 1 || entries[0].Name() != "store" {
		t.Fatalf("parent holds %v, want only store", entries)
	}

	put(t, d, "g/logo.svg", []byte("<svg/>"), "image/svg+xml")
	if b, err := os.ReadFile(filepath.Join(parent, "store", "g", "logo.svg")); err != nil || string(b) != "<svg/>" {
		t.Fatalf("file on disk: %q, %v", b, err)
	}
	if _, err := os.Stat(filepath.Join(parent, "store", "g", ".logo.svg.meta")); err != nil {
		t.Fatalf("sidecar: %v", err)
	}
	// No temporary files are left behind.
	left, _ := filepath.Glob(filepath.Join(parent, "store", "*", ".tmp-*"))
	if len(left) != 0 {
		t.Fatalf("temporary files left: %v", left)
	}
	// Delete removes the sidecar too.
	if err := d.Delete(ctx, "g/logo.svg"); err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(filepath.Join(parent, "store", "g")); len(entries) != 0 {
		t.Fatalf("after delete the folder holds %v", entries)
	}
}

// A file copied in by hand, without a sidecar, gets the type of its
// extension.
func TestDiskWithoutSidecar(t *testing.T) {
	dir := t.TempDir()
	d, err := NewDisk(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "by-hand.png"), []byte("png"), 0o644); err != nil {
		t.Fatal(err)
	}
	if info := stat(t, d, "by-hand.png"); info.ContentType != "image/png" || info.Size != 3 {
		t.Fatalf("info = %+v", info)
	}
	if err := os.WriteFile(filepath.Join(dir, "noext"), []byte("?"), 0o644); err != nil {
		t.Fatal(err)
	}
	if info := stat(t, d, "noext"); info.ContentType != "application/octet-stream" {
		t.Fatalf("info = %+v", info)
	}
}

// A failed or cancelled Put leaves the old file whole and no temporary file.
func TestDiskFailedPutKeepsOldFile(t *testing.T) {
	dir := t.TempDir()
	d, err := NewDisk(dir)
	if err != nil {
		t.Fatal(err)
	}
	put(t, d, "keep.txt", []byte("old"), "text/plain")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := d.Put(ctx, "keep.txt", bytes.NewReader([]byte("new")), 3, "text/plain"); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled put: %v", err)
	}
	if err := d.Put(context.Background(), "keep.txt", strings.NewReader("ne"), 3, "text/plain"); err == nil {
		t.Fatal("short put accepted")
	}
	if got, _ := get(t, d, "keep.txt"); string(got) != "old" {
		t.Fatalf("got %q", got)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".tmp-*")); len(left) != 0 {
		t.Fatalf("temporary files left: %v", left)
	}
}

func TestDiskKeyAndFolderConflict(t *testing.T) {
	d, err := NewDisk(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	put(t, d, "a/b", []byte("x"), "")
	if err := d.Put(ctx, "a", strings.NewReader("y"), 1, ""); err == nil {
		t.Fatal(`put "a" over the folder of "a/b" succeeded`)
	}
	if err := d.Put(ctx, "a/b/c", strings.NewReader("y"), 1, ""); err == nil {
		t.Fatal(`put "a/b/c" below the file "a/b" succeeded`)
	}
	if err := d.Delete(ctx, "a"); err != nil {
		t.Fatalf("delete of a folder key: %v", err)
	}
	if got, _ := get(t, d, "a/b"); string(got) != "x" {
		t.Fatalf("got %q", got)
	}
}

func TestOpenDisk(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	s, err := Open(ctx, "", data)
	if err != nil {
		t.Fatal(err)
	}
	if d, ok := s.(*Disk); !ok || d.Dir() != filepath.Join(data, "files") {
		t.Fatalf("Open(\"\") = %v", s)
	}
	other := t.TempDir()
	for _, u := range []string{"file:" + other, "file://" + other} {
		s, err := Open(ctx, u, data)
		if err != nil {
			t.Fatalf("Open(%q): %v", u, err)
		}
		if d, ok := s.(*Disk); !ok || d.Dir() != other {
			t.Fatalf("Open(%q) = %v", u, s)
		}
	}
	// A regular file where the directory should be.
	blocker := filepath.Join(t.TempDir(), "file")
	os.WriteFile(blocker, nil, 0o644)
	for _, u := range []string{"file:", "file://host/x", "ftp://x/y", "file:" + blocker} {
		if _, err := Open(ctx, u, data); err == nil {
			t.Errorf("Open(%q) succeeded", u)
		}
	}
}

func TestOpenBadS3URL(t *testing.T) {
	ctx := context.Background()
	for _, u := range []string{
		"s3://ACC:TOPSECRET@/bucket",
		"s3://ACC:TOPSECRET@host:9000",
		"s3://ACC:TOPSECRET@host:9000/",
		"s3://ACC:TOPSECRET@host:9000/bucket/extra",
		"s3://ACC:TOPSECRET@host:9000/bucket?secure=maybe",
		"s3://ACC:TOPSECRET@host:9000/bucket?sekure=false",
		"s3://ACC:TOPSECRET@host:port/bucket",
		"s3://ACC@host:9000/bucket",
		"s3://ACC:TOPSECRET@host:9000/bad_Bucket?secure=false",
		"S3://ACC:TOPSECRET@host:9000/bucket",
	} {
		_, err := Open(ctx, u, t.TempDir())
		if err == nil {
			t.Errorf("Open(%q) succeeded", u)
			continue
		}
		if strings.Contains(err.Error(), "TOPSECRET") {
			t.Errorf("Open(%q) error shows the secret: %v", u, err)
		}
	}
}
