package files

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"os"
	"path"
	"path/filepath"
	"syscall"
)

// Disk keeps files in a directory: key "a/b/c.png" is the file
// DIR/a/b/c.png, so an operator can back the directory up or look into it.
//
// The content type lives in a sidecar DIR/a/b/.c.png.meta (JSON). Names
// starting with '.' can never be keys (see ValidKey), so sidecars and
// temporary files never collide with files. A file without a sidecar (copied
// in by hand) gets the type of its extension, or application/octet-stream.
//
// Put writes to a temporary file in the same directory, syncs it and renames
// it over the old file, so readers see the old file or the new one, never a
// half-written one. The sidecar is renamed into place first, then the data;
// Delete removes the data first, then the sidecar. Two concurrent Puts of the
// same key leave one writer's data, possibly with the other's content type;
// callers give each thing its own key. Emptied folders are left in place.
type Disk struct {
	dir string
}

const (
	dirPerm    = 0o755
	filePerm   = 0o644
	metaSuffix = ".meta"
	tmpPattern = ".tmp-*"
)

// NewDisk opens (creating it if needed) the directory dir as a store and
// checks that files can be written there.
func NewDisk(dir string) (*Disk, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("files: storage directory %q: %w", dir, err)
	}
	if err := os.MkdirAll(abs, dirPerm); err != nil {
		return nil, fmt.Errorf("files: cannot create the storage directory: %w", err)
	}
	probe, err := os.CreateTemp(abs, tmpPattern)
	if err != nil {
		return nil, fmt.Errorf("files: cannot write in the storage directory: %w", err)
	}
	probe.Close()
	os.Remove(probe.Name())
	return &Disk{dir: abs}, nil
}

// Dir is the absolute directory of the store.
func (d *Disk) Dir() string { return d.dir }

// String names the store for logs.
func (d *Disk) String() string { return "file:" + d.dir }

func (d *Disk) path(key string) string { return filepath.Join(d.dir, filepath.FromSlash(key)) }

func metaPath(p string) string {
	return filepath.Join(filepath.Dir(p), "."+filepath.Base(p)+metaSuffix)
}

type diskMeta struct {
	ContentType string `json:"content_type"`
}

// Put implements Store.
func (d *Disk) Put(ctx context.Context, key string, r io.Reader, size int64, ct string) error {
	if err := ValidKey(key); err != nil {
		return err
	}
	ct, err := contentType(ct)
	if err != nil {
		return err
	}
	p := d.path(key)
	if err := os.MkdirAll(filepath.Dir(p), dirPerm); err != nil {
		if errors.Is(err, syscall.ENOTDIR) {
			return fmt.Errorf("files: put %q: a folder of the key is already a file", key)
		}
		return fmt.Errorf("files: put %q: %w", key, err)
	}
	if fi, err := os.Stat(p); err == nil && fi.IsDir() {
		return fmt.Errorf("files: put %q: the key is already the folder of other keys", key)
	}
	meta, err := json.Marshal(diskMeta{ContentType: ct})
	if err != nil {
		return err
	}
	if err := writeAtomic(ctx, metaPath(p), bytes.NewReader(meta), int64(len(meta))); err != nil {
		return fmt.Errorf("files: put %q: %w", key, err)
	}
	if err := writeAtomic(ctx, p, r, size); err != nil {
		return fmt.Errorf("files: put %q: %w", key, err)
	}
	return nil
}

// writeAtomic writes r to a temporary file beside p and renames it to p.
func writeAtomic(ctx context.Context, p string, r io.Reader, size int64) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(p), tmpPattern)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	var src io.Reader = ctxReader{ctx, r}
	if size >= 0 {
		src = io.LimitReader(src, size)
	}
	n, err := io.Copy(tmp, src)
	if err != nil {
		return err
	}
	if size >= 0 && n != size {
		return fmt.Errorf("read %d bytes, expected %d: %w", n, size, io.ErrUnexpectedEOF)
	}
	if err := tmp.Chmod(filePerm); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), p)
}

// Get implements Store. The reader is an *os.File.
func (d *Disk) Get(ctx context.Context, key string) (io.ReadCloser, Info, error) {
	if err := ValidKey(key); err != nil {
		return nil, Info{}, err
	}
	if err := ctx.Err(); err != nil {
		return nil, Info{}, err
	}
	p := d.path(key)
	f, err := os.Open(p)
	if err != nil {
		return nil, Info{}, d.err("get", key, err)
	}
	fi, err := f.Stat()
	if err == nil && fi.IsDir() {
		err = fs.ErrNotExist
	}
	if err != nil {
		f.Close()
		return nil, Info{}, d.err("get", key, err)
	}
	return f, d.info(key, p, fi), nil
}

// Stat implements Store.
func (d *Disk) Stat(ctx context.Context, key string) (Info, error) {
	if err := ValidKey(key); err != nil {
		return Info{}, err
	}
	if err := ctx.Err(); err != nil {
		return Info{}, err
	}
	p := d.path(key)
	fi, err := os.Stat(p)
	if err == nil && fi.IsDir() {
		err = fs.ErrNotExist
	}
	if err != nil {
		return Info{}, d.err("stat", key, err)
	}
	return d.info(key, p, fi), nil
}

// Delete implements Store.
func (d *Disk) Delete(ctx context.Context, key string) error {
	if err := ValidKey(key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	p := d.path(key)
	if fi, err := os.Stat(p); err == nil && fi.IsDir() {
		return nil // a folder of other keys: no file under this key
	}
	for _, name := range []string{p, metaPath(p)} {
		if err := os.Remove(name); err != nil && !isNotExist(err) {
			return fmt.Errorf("files: delete %q: %w", key, err)
		}
	}
	return nil
}

func (d *Disk) info(key, p string, fi fs.FileInfo) Info {
	ct := ""
	if b, err := os.ReadFile(metaPath(p)); err == nil {
		var m diskMeta
		if json.Unmarshal(b, &m) == nil {
			ct = m.ContentType
		}
	}
	if ct == "" {
		ct = mime.TypeByExtension(path.Ext(key))
	}
	if ct == "" {
		ct = defaultContentType
	}
	return Info{Key: key, Size: fi.Size(), ContentType: ct, ModTime: fi.ModTime()}
}

func (d *Disk) err(op, key string, err error) error {
	if isNotExist(err) {
		return fmt.Errorf("files: %s %q: %w", op, key, ErrNotFound)
	}
	return fmt.Errorf("files: %s %q: %w", op, key, err)
}

// isNotExist also counts ENOTDIR: a folder of the key is a file, so the key
// holds nothing.
func isNotExist(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)
}
