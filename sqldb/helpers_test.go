package sqldb_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"sync"
	"testing"
	"time"

	ch "chapterhouse"
	"chapterhouse/sqldb"
	"chapterhouse/sqldb/sqldbtest"
)

// clock is the injected db.Now: fixed until a test moves it.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// testDB is a migrated database: SQLite in a temporary directory, or a
// schema on the server sqldbtest.EnvURL names.
type testDB struct {
	*sqldb.DB
	dir   string
	url   string
	clock *clock
}

func newDB(t *testing.T) *testDB {
	t.Helper()
	dir, url := t.TempDir(), sqldbtest.URL(t)
	db, err := sqldb.Open(context.Background(), dir, url)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	// Microseconds on purpose: stored times must keep the precision both engines store.
	c := &clock{t: time.Date(2025, 3, 14, 9, 26, 53, 589793000, time.UTC)}
	db.Now = c.Now
	n, err := db.Migrate(context.Background())
	if err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	if n == 0 {
		t.Fatal("Migrate applied no migration to a new database")
	}
	return &testDB{DB: db, dir: dir, url: url, clock: c}
}

// raw opens the same database outside sqldb, to set up states sqldb no
// longer writes, such as those of data older than a migration.
func (db *testDB) raw(t *testing.T) *sql.DB {
	t.Helper()
	var raw *sql.DB
	var err error
	if db.url == "" {
		raw, err = sql.Open("sqlite", filepath.Join(db.dir, "chapterhouse.db"))
	} else {
		raw, err = sql.Open("pgx", db.url)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	return raw
}

func (db *testDB) user(t *testing.T, email string, verified bool, roles ...ch.Role) *ch.User {
	t.Helper()
	u, err := db.CreateUser(context.Background(), email, "Name of "+email, "hash", verified, 0, roles...)
	if err != nil {
		t.Fatalf("CreateUser(%s): %v", email, err)
	}
	return u
}

// application returns a valid, normalized application named name.
func application(t *testing.T, name string) ch.Application {
	t.Helper()
	a := ch.Application{
		Name:            name,
		ShortName:       "",
		Description:     "We meet to talk about " + name + ".",
		City:            "Lyon",
		Country:         "FR",
		TimeZone:        "Europe/Paris",
		Cadence:         "monthly",
		OrganiserEmails: []string{"team@example.org"},
		URLs:            []string{"https://example.org"},
		Coordinators:    []ch.Coordinator{{Email: "ann@example.org", Name: "Ann Lee", Employer: "ACME"}},
		PolicyAgreed:    true,
	}
	a.Normalize()
	if err := a.Validate(true); err != nil {
		t.Fatalf("test application %q is invalid: %v %v", name, err, ch.ErrorFields(err))
	}
	return a
}

func (db *testDB) group(t *testing.T, app ch.Application, by *ch.User) *ch.Group {
	t.Helper()
	g, err := db.CreateGroup(context.Background(), app, by, nil)
	if err != nil {
		t.Fatalf("CreateGroup(%s): %v", app.Name, err)
	}
	return g
}

// listed creates a group and moves it into the directory (status new).
func (db *testDB) listed(t *testing.T, app ch.Application, by, manager *ch.User) *ch.Group {
	t.Helper()
	g := db.group(t, app, by)
	g, err := db.ReviewGroup(context.Background(), g.Slug, ch.Accept, "", manager, nil)
	if err != nil {
		t.Fatalf("accept %s: %v", g.Slug, err)
	}
	return g
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := ch.ErrorCode(err); got != code {
		t.Fatalf("error = %v (code %q), want code %q", err, got, code)
	}
}
