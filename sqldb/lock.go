package sqldb

import (
	"errors"
	"os"
)

// errLocked reports that another process holds a lock the other way.
var errLocked = errors.New("locked")

// fileLock is an advisory lock on the file beside a SQLite database
// (PATH.lock): every Chapterhouse process that opens the database holds it
// shared, so restore, which needs it exclusive, knows when one is running.
type fileLock struct{ f *os.File }

// release gives the lock up; it is safe on nil and more than once.
func (l *fileLock) release() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}
