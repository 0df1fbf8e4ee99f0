package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"time"
)

// ErrSchemaBehind is returned by Ready when migrations this binary embeds
// have not been applied to the database.
var ErrSchemaBehind = errors.New("database schema is not up to date")

// Ready reports whether the database answers a real query and holds every
// migration this binary embeds, for a readiness probe. Migrations a newer
// binary applied are fine: nodes are upgraded one at a time.
func (db *DB) Ready(ctx context.Context) error {
	var one int
	if err := db.sql.QueryRowContext(ctx, `SELECT 1`).Scan(&one); err != nil {
		return err
	}
	rows, err := db.sql.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		if ctx.Err() != nil {
			return err
		}
		return fmt.Errorf("%w: %v", ErrSchemaBehind, err) // never migrated
	}
	defer rows.Close()
	applied := map[string]bool{}
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return err
		}
		applied[v] = true
	}
	if err := rows.Err(); err != nil {
		return err
	}
	names, err := fs.Glob(migrations, "migrations/"+db.d.name+"/*.sql")
	if err != nil {
		return err
	}
	var missing []string
	for _, name := range names {
		if v := strings.TrimSuffix(filepath.Base(name), ".sql"); !applied[v] {
			missing = append(missing, v)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: not applied: %s", ErrSchemaBehind, strings.Join(missing, ", "))
	}
	return nil
}

// OutboxBacklog counts the messages not yet delivered and says when the
// oldest of them was queued (the zero time when there is none).
func (db *DB) OutboxBacklog(ctx context.Context) (pending int, oldest time.Time, err error) {
	if pending, err = db.OutboxPending(ctx); err != nil || pending == 0 {
		return pending, time.Time{}, err
	}
	// ORDER BY … LIMIT 1 rather than min(): SQLite returns an aggregate of a
	// timestamp column as text, which does not scan into a time.Time.
	err = db.sql.QueryRowContext(ctx, `SELECT created_at FROM outbox WHERE sent_at IS NULL ORDER BY created_at LIMIT 1`).Scan(&oldest)
	if errors.Is(err, sql.ErrNoRows) { // delivered between the two queries
		return 0, time.Time{}, nil
	}
	return pending, oldest, err
}
