package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"time"

	ch "chapterhouse"
)

// Sign-in throttling counts wrong passwords per key (an account, a client
// address) in auth_throttle. An attempt is counted as a failure before its
// password is checked and given back when it turns out right: counted
// after, a burst sent at once would all pass the check for a lock that none
// of its attempts had set yet. Being in the database, the count holds across
// every node sharing it.

// errSignInLocked rolls back a reservation that found a key locked.
var errSignInLocked = errors.New("locked")

// ReserveSignIn counts one more sign-in attempt against each key, unless one
// of them is locked: it then counts nothing and returns until when. After
// a few free tries each further attempt doubles the wait, up to fifteen
// minutes; a quiet hour forgives the past.
func (db *DB) ReserveSignIn(ctx context.Context, keys ...string) (lockedUntil time.Time, err error) {
	now := db.now()
	// One order for every transaction, so two never wait on each other's rows.
	keys = slices.Sorted(slices.Values(keys))
	err = db.tx(ctx, func(tx *sql.Tx) error {
		failures := make([]int, len(keys))
		for i, k := range keys {
			// The row must exist for FOR UPDATE to lock it on PostgreSQL.
			if _, err := tx.ExecContext(ctx, `INSERT INTO auth_throttle (key, failures, last_failure, locked_until)
				VALUES ($1, 0, $2, $2) ON CONFLICT (key) DO NOTHING`, k, now); err != nil {
				return err
			}
			var last, until time.Time
			if err := tx.QueryRowContext(ctx, `SELECT failures, last_failure, locked_until FROM auth_throttle WHERE key = $1`+db.d.forUpdate, k).
				Scan(&failures[i], &last, &until); err != nil {
				return err
			}
			if until.After(now) {
				lockedUntil = maxTime(lockedUntil, until)
			}
			if now.Sub(last) > time.Hour {
				failures[i] = 0
			}
		}
		if !lockedUntil.IsZero() {
			return errSignInLocked
		}
		for i, k := range keys {
			n := failures[i] + 1
			if _, err := tx.ExecContext(ctx, `UPDATE auth_throttle SET failures = $1, last_failure = $2, locked_until = $3 WHERE key = $4`,
				n, now, now.Add(ch.SignInDelay(n)), k); err != nil {
				return err
			}
		}
		return nil
	})
	if errors.Is(err, errSignInLocked) {
		return lockedUntil, nil
	}
	return time.Time{}, err
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// ReturnSignIn gives back an attempt ReserveSignIn counted against each key,
// for a right password or one never checked, and lifts the lock that
// attempt set.
func (db *DB) ReturnSignIn(ctx context.Context, keys ...string) error {
	keys = slices.Sorted(slices.Values(keys))
	return db.tx(ctx, func(tx *sql.Tx) error {
		for _, k := range keys {
			var failures int
			var last time.Time
			err := tx.QueryRowContext(ctx, `SELECT failures, last_failure FROM auth_throttle WHERE key = $1`+db.d.forUpdate, k).Scan(&failures, &last)
			if err == sql.ErrNoRows || (err == nil && failures == 0) {
				continue
			}
			if err != nil {
				return err
			}
			failures--
			if _, err := tx.ExecContext(ctx, `UPDATE auth_throttle SET failures = $1, locked_until = $2 WHERE key = $3`,
				failures, last.Add(ch.SignInDelay(failures)), k); err != nil {
				return err
			}
		}
		return nil
	})
}

// ClearSignInFailures forgets a key's failed sign-ins: its account's owner
// signed in or proved their address.
func (db *DB) ClearSignInFailures(ctx context.Context, key string) error {
	_, err := db.sql.ExecContext(ctx, `DELETE FROM auth_throttle WHERE key = $1`, key)
	return err
}
