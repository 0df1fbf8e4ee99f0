//go:build linux || darwin || freebsd || openbsd || netbsd || dragonfly

package sqldb

import (
	"errors"
	"os"
	"syscall"
)

// lockFile takes an advisory lock on path, creating the file if needed:
// shared for every process that opens the SQLite database, exclusive for
// restore. It never waits: a lock held the other way answers errLocked. The
// lock lasts until release, or until the process ends, however it ends.
func lockFile(path string, exclusive bool) (*fileLock, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o640)
	if err != nil {
		return nil, err
	}
	how := syscall.LOCK_SH
	if exclusive {
		how = syscall.LOCK_EX
	}
	for {
		err = syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, errLocked
		}
		return nil, &os.PathError{Op: "lock", Path: path, Err: err}
	}
	return &fileLock{f: f}, nil
}
