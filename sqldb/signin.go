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
	// One order for every transaction, so two never wait on each other's rows.
	keys = slices.Sorted(slices.Values(keys))
	err = db.tx(ctx, func(tx *sql.Tx) error {
		failures := make([]int, len(keys))
		last := make([]time.Time, len(keys))
		until := make([]time.Time, len(keys))
		for i, k := range keys {
			// The row must exist for FOR UPDATE to lock it on PostgreSQL.
			if _, err := tx.ExecContext(ctx, `INSERT INTO auth_throttle (key, failures, last_failure, locked_until)
				VALUES ($1, 0, $2, $2) ON CONFLICT (key) DO NOTHING`, k, notLocked); err != nil {
				return err
			}
			if err := tx.QueryRowContext(ctx, `SELECT failures, last_failure, locked_until FROM auth_throttle WHERE key = $1`+db.d.forUpdate, k).
				Scan(&failures[i], &last[i], &until[i]); err != nil {
				return err
			}
		}
		// Read once the rows are locked: a clock read before could be older
		// than a lock another attempt set meanwhile.
		now := db.now()
		for i := range keys {
			if until[i].After(now) {
				lockedUntil = maxTime(lockedUntil, until[i])
			}
			if now.Sub(last[i]) > time.Hour {
				failures[i] = 0
			}
		}
		if !lockedUntil.IsZero() {
			return errSignInLocked
		}
		for i, k := range keys {
			n := failures[i] + 1
			if d := ch.SignInDelay(n); d > 0 {
				until[i] = now.Add(d)
			}
			if _, err := tx.ExecContext(ctx, `UPDATE auth_throttle SET failures = $1, last_failure = $2, locked_until = $3 WHERE key = $4`,
				n, now, until[i], k); err != nil {
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

// notLocked is the locked_until of a key that never was: a free attempt
// leaves the lock as it was rather than set it to now, which another node
// whose clock runs a little behind would read as locked.
var notLocked = time.Unix(0, 0).UTC()

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
			until := notLocked
			if d := ch.SignInDelay(failures); d > 0 {
				until = last.Add(d)
			}
			if _, err := tx.ExecContext(ctx, `UPDATE auth_throttle SET failures = $1, locked_until = $2 WHERE key = $3`,
				failures, until, k); err != nil {
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

// Forgotten counts what ForgetExpiredCredentials deleted.
type Forgotten struct{ Sessions, Links, SignInCounts int64 }

// ForgetExpiredCredentials deletes ended sessions, expired mailed links and
// the failed sign-ins a quiet hour has forgiven. None of them can be used
// any more; kept, they would only grow the tables every request reads (a
// probe against made-up addresses leaves a row per address).
func (db *DB) ForgetExpiredCredentials(ctx context.Context) (Forgotten, error) {
	var f Forgotten
	now := db.now()
	for _, d := range []struct {
		n     *int64
		query string
		args  []any
	}{
		{&f.Sessions, `DELETE FROM sessions WHERE expires_at <= $1`, []any{now}},
		{&f.Links, `DELETE FROM user_tokens WHERE expires_at <= $1`, []any{now}},
		{&f.SignInCounts, `DELETE FROM auth_throttle WHERE locked_until <= $1 AND last_failure < $2`, []any{now, now.Add(-time.Hour)}},
	} {
		res, err := db.sql.ExecContext(ctx, d.query, d.args...)
		if err != nil {
			return f, err
		}
		*d.n, _ = res.RowsAffected()
	}
	return f, nil
}
