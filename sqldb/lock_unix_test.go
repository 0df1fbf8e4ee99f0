//go:build linux || darwin || freebsd || openbsd || netbsd || dragonfly

package sqldb_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"chapterhouse/sqldb"
)

// TestOpenRefusedDuringRestore checks that while restore holds the database's
// lock, no Chapterhouse process opens the database half-replaced.
func TestOpenRefusedDuringRestore(t *testing.T) {
	dir := t.TempDir()
	f, err := os.OpenFile(filepath.Join(dir, "chapterhouse.db.lock"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		t.Fatal(err)
	}
	if _, err := sqldb.Open(context.Background(), dir, ""); err == nil || !strings.Contains(err.Error(), "being restored") {
		t.Fatalf("Open during a restore: %v", err)
	}
	syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	db, err := sqldb.Open(context.Background(), dir, "")
	if err != nil {
		t.Fatalf("Open after the restore: %v", err)
	}
	// Two processes (here two handles) share the database.
	other, err := sqldb.Open(context.Background(), dir, "")
	if err != nil {
		t.Fatalf("a second Open: %v", err)
	}
	other.Close()
	db.Close()
}
