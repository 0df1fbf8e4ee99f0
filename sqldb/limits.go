package sqldb

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"slices"
	"time"

	ch "chapterhouse"
)

// Limit caps how often something may happen to or by one key (an address,
// an account): at most Max hits in a window of Per that opens with the
// first hit.
type Limit struct {
	Key string
	Max int
	Per time.Duration
}

// errOverLimit rolls back the hits of a refused Take.
var errOverLimit = errors.New("over limit")

// Take counts n hits against every limit, all or none. When any limit would
// go over its maximum nothing is counted, and Take returns how long until
// the latest such window ends; a zero wait means the hits were counted. The
// count lives in the database, so the limits hold across nodes; a burst of
// concurrent calls is serialized row by row, never admitted all at once.
func (db *DB) Take(ctx context.Context, n int, limits ...Limit) (wait time.Duration, err error) {
	now := db.now()
	// One order for every caller, so two transactions taking the same
	// keys on PostgreSQL cannot deadlock.
	limits = slices.SortedFunc(slices.Values(limits), func(a, b Limit) int { return cmp.Compare(a.Key, b.Key) })
	err = db.tx(ctx, func(tx *sql.Tx) error {
		refused := false
		for _, l := range limits {
			var hits int
			err := tx.QueryRowContext(ctx, `INSERT INTO rate_limits (key, hits, resets_at) VALUES ($1, $2, $3)
				ON CONFLICT (key) DO UPDATE SET
					hits = CASE WHEN rate_limits.resets_at <= $4 THEN excluded.hits ELSE rate_limits.hits + excluded.hits END,
					resets_at = CASE WHEN rate_limits.resets_at <= $4 THEN excluded.resets_at ELSE rate_limits.resets_at END
				RETURNING hits`, l.Key, n, now.Add(l.Per), now).Scan(&hits)
			if err != nil {
				return err
			}
			if hits <= l.Max {
				continue
			}
			// Read apart from the upsert: SQLite's RETURNING loses the
			// column's TIMESTAMP type, and the text would not scan.
			var resets time.Time
			if err := tx.QueryRowContext(ctx, `SELECT resets_at FROM rate_limits WHERE key = $1`, l.Key).Scan(&resets); err != nil {
				return err
			}
			refused, wait = true, max(wait, resets.Sub(now))
		}
		if refused {
			return errOverLimit
		}
		return nil
	})
	if errors.Is(err, errOverLimit) {
		return max(wait, time.Second), nil
	}
	return 0, err
}

// ForgetExpiredLimits deletes the counts whose window has ended.
func (db *DB) ForgetExpiredLimits(ctx context.Context) (int64, error) {
	res, err := db.sql.ExecContext(ctx, `DELETE FROM rate_limits WHERE resets_at <= $1`, db.now())
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// PendingApplications counts the applications a person sent that wait for
// review, for the limit on how many may wait at once.
func (db *DB) PendingApplications(ctx context.Context, userID int64) (int, error) {
	var n int
	err := db.sql.QueryRowContext(ctx, `SELECT count(*) FROM groups WHERE created_by = $1 AND status = $2`, userID, ch.StatusPending).Scan(&n)
	return n, err
}
