// Package sqldb persists the chapterhouse domain on database/sql. All SQL of
// the portal lives here.
package sqldb

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	ch "chapterhouse"
)

//go:embed migrations
var migrations embed.FS

// DB is the portal's database.
type DB struct {
	sql    *sql.DB
	d      dialect
	counts countCache
	// lock, held shared on SQLite, tells restore the database is in use.
	lock *fileLock
	// Now is the clock every write uses, so tests control time.
	Now func() time.Time
	// Rand draws the random suffix of an application's slug (see
	// hiddenSlug); nil is crypto/rand. The demo seeds it to be reproducible.
	Rand io.Reader
}

// Open opens the portal's database: by default (creating it if needed) the
// SQLite file in dataDir; databaseURL names another: sqlite:PATH, or
// postgres://… for PostgreSQL.
func Open(ctx context.Context, dataDir, databaseURL string) (*DB, error) {
	path, isSQLite, err := SQLitePath(dataDir, databaseURL)
	if err != nil {
		return nil, err
	}
	if !isSQLite {
		return openPostgres(ctx, databaseURL)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	// The file holds password hashes and queued mail: only the portal's
	// user may read it. SQLite gives its -wal and -shm files the same mode.
	if f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600); err == nil {
		f.Close()
	} else if !errors.Is(err, fs.ErrExist) {
		return nil, fmt.Errorf("create database: %w", err)
	}
	lock, err := lockFile(path+".lock", false)
	if errors.Is(err, errLocked) {
		return nil, fmt.Errorf("the database %s is being restored: try again when the restore has finished", path)
	}
	if err != nil {
		return nil, err
	}
	// busy_timeout comes first so that even switching a new file to WAL
	// waits for another process doing the same. WAL lets readers run beside
	// the one writer; immediate transactions take
	// the write lock up front so two writers wait (busy_timeout) rather than
	// deadlock on a lock upgrade.
	dsn := "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)" +
		"&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=immediate&_time_format=sqlite"
	sdb, err := sql.Open("sqlite", dsn)
	if err != nil {
		lock.release()
		return nil, err
	}
	sdb.SetMaxOpenConns(8)
	sdb.SetMaxIdleConns(8)
	sdb.SetConnMaxIdleTime(5 * time.Minute)
	db, err := ready(ctx, sdb, sqliteDialect, path)
	if err != nil {
		lock.release()
		return nil, err
	}
	db.lock = lock
	return db, nil
}

func openPostgres(ctx context.Context, url string) (*DB, error) {
	sdb, err := sql.Open("pgx", url)
	if err != nil {
		return nil, err
	}
	// Several app nodes share one server: keep each node's share modest.
	sdb.SetMaxOpenConns(16)
	sdb.SetMaxIdleConns(16)
	sdb.SetConnMaxIdleTime(5 * time.Minute)
	return ready(ctx, sdb, postgresDialect, "the PostgreSQL database")
}

func ready(ctx context.Context, sdb *sql.DB, d dialect, what string) (*DB, error) {
	err := sdb.PingContext(ctx)
	// Two processes opening a new SQLite file at once both switch it to WAL;
	// SQLite answers the loser SQLITE_BUSY at once, without waiting out
	// busy_timeout, so the first connection is retried for a while.
	for tries := 0; err != nil && d.isBusy(err) && tries < 100; tries++ {
		time.Sleep(20 * time.Millisecond)
		err = sdb.PingContext(ctx)
	}
	if err != nil {
		sdb.Close()
		return nil, fmt.Errorf("open %s: %w", what, err)
	}
	return &DB{sql: sdb, d: d, Now: func() time.Time { return time.Now().UTC() }}, nil
}

// Engine names the database engine: "sqlite" or "postgres".
func (db *DB) Engine() string { return db.d.name }

// Close closes the database.
func (db *DB) Close() error {
	err := db.sql.Close()
	db.lock.release()
	return err
}

// Ping reports whether the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.sql.PingContext(ctx) }

// now is the clock at the precision both engines store (PostgreSQL keeps
// microseconds), so a value written reads back equal.
func (db *DB) now() time.Time { return db.Now().UTC().Truncate(time.Microsecond) }

// Migrate applies the embedded migrations not yet applied, each in its own
// transaction, and returns how many it applied.
func (db *DB) Migrate(ctx context.Context) (int, error) {
	// Nodes started together must not migrate at once: on PostgreSQL they
	// queue on an advisory lock (SQLite's immediate transactions already
	// serialize them).
	if db.d.migrationLock != "" {
		conn, err := db.sql.Conn(ctx)
		if err != nil {
			return 0, err
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(`+db.d.migrationLock+`)`); err != nil {
			return 0, fmt.Errorf("wait for other nodes' migrations: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(`+db.d.migrationLock+`)`)
	}
	if _, err := db.sql.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version TEXT PRIMARY KEY, applied_at `+db.d.timestamp+` NOT NULL)`); err != nil {
		return 0, err
	}
	names, err := fs.Glob(migrations, "migrations/"+db.d.name+"/*.sql")
	if err != nil {
		return 0, err
	}
	slices.Sort(names)
	applied := 0
	for _, name := range names {
		version := strings.TrimSuffix(filepath.Base(name), ".sql")
		err := db.tx(ctx, func(tx *sql.Tx) error {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = $1`, version).Scan(&n); err != nil || n > 0 {
				return err
			}
			body, err := migrations.ReadFile(name)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return fmt.Errorf("migration %s: %w", version, err)
			}
			applied++
			_, err = tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)`, version, db.now())
			return err
		})
		if err != nil {
			return applied, err
		}
	}
	// Applicants must always have a policy to agree to.
	if _, err := db.CurrentPolicy(ctx, ch.PolicySocialMedia); err != nil {
		return applied, err
	}
	return applied, db.Optimize(ctx)
}

// Optimize refreshes the query planner's statistics where the data changed
// enough to matter. Without them SQLite filters the directory by status and
// sorts every listed group on each request, instead of walking the name
// index: 40 requests a second instead of thousands at 10,000 groups.
func (db *DB) Optimize(ctx context.Context) error {
	if db.d.optimize == "" {
		return nil
	}
	_, err := db.sql.ExecContext(ctx, db.d.optimize)
	return err
}

// tx runs f in a transaction, committing when f returns nil. On SQLite the
// transaction begins IMMEDIATE (the DSN's _txlock), so it holds the write
// lock before its first read and a read-check-write in it is serialized; on
// PostgreSQL, writes that check what they read lock the rows first
// (lockGroup).
func (db *DB) tx(ctx context.Context, f func(*sql.Tx) error) error {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := f(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// translate turns engine errors into domain errors.
func (db *DB) translate(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return ch.Errorf(ch.ENOTFOUND, "%s not found.", what)
	}
	if db.d.isUnique(err) {
		return ch.Errorf(ch.ECONFLICT, "%s already exists.", what)
	}
	return err
}

// sqlArgs collects the arguments of a statement built piece by piece and
// writes their placeholders in the engine's style (see dialect.param).
type sqlArgs struct {
	d    dialect
	vals []any
}

// add appends v and returns its placeholder.
func (a *sqlArgs) add(v any) string {
	a.vals = append(a.vals, v)
	return a.d.param(len(a.vals))
}

// addList appends every value of vs and returns their placeholders
// separated by commas, for IN (…) and VALUES (…).
func addList[T any](a *sqlArgs, vs []T) string {
	ps := make([]string, len(vs))
	for i, v := range vs {
		ps[i] = a.add(v)
	}
	return strings.Join(ps, ", ")
}
