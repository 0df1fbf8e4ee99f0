//go:build !(linux || darwin || freebsd || openbsd || netbsd || dragonfly)

package sqldb

// lockFile does nothing where flock(2) is missing: restore cannot tell
// whether a portal has the database open, so stop serve before restoring.
func lockFile(path string, exclusive bool) (*fileLock, error) {
	return &fileLock{}, nil
}
