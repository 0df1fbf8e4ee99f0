package sqldb_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
	"time"

	ch "chapterhouse"
	"chapterhouse/sqldb"
	"chapterhouse/sqldb/sqldbtest"
)

func TestReadyAndOutboxBacklog(t *testing.T) {
	ctx := context.Background()
	db := sqldbtest.Open(t)
	if err := db.Ready(ctx); err != nil {
		t.Fatalf("Ready on a migrated database: %v", err)
	}
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return t0 }
	if n, oldest, err := db.OutboxBacklog(ctx); n != 0 || !oldest.IsZero() || err != nil {
		t.Fatalf("empty outbox: %d, %v, %v", n, oldest, err)
	}
	db.Enqueue(ctx, ch.Mail{To: "a@example.org", Subject: "One", Body: "."})
	db.Now = func() time.Time { return t0.Add(time.Minute) }
	db.Enqueue(ctx, ch.Mail{To: "b@example.org", Subject: "Two", Body: "."})
	if n, oldest, err := db.OutboxBacklog(ctx); n != 2 || !oldest.Equal(t0) || err != nil {
		t.Fatalf("two queued: %d, %v, %v", n, oldest, err)
	}

	db.Close()
	if err := db.Ready(ctx); err == nil || errors.Is(err, sqldb.ErrSchemaBehind) {
		t.Errorf("Ready on a closed database: %v", err)
	}
}

func TestReadySchemaBehind(t *testing.T) {
	ctx := context.Background()
	dir, url := t.TempDir(), sqldbtest.URL(t)
	db, err := sqldb.Open(ctx, dir, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Ready(ctx); !errors.Is(err, sqldb.ErrSchemaBehind) {
		t.Fatalf("Ready before any migration: %v", err)
	}
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := db.Ready(ctx); err != nil {
		t.Fatalf("Ready once migrated: %v", err)
	}
	var raw *sql.DB
	if url == "" {
		raw, err = sql.Open("sqlite", filepath.Join(dir, "chapterhouse.db"))
	} else {
		raw, err = sql.Open("pgx", url)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.ExecContext(ctx, `DELETE FROM schema_migrations`); err != nil {
		t.Fatal(err)
	}
	if err := db.Ready(ctx); !errors.Is(err, sqldb.ErrSchemaBehind) {
		t.Errorf("Ready with a migration missing: %v", err)
	}
}
