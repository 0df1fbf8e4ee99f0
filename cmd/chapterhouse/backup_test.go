package main

import (
	"context"
	"io"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	ch "chapterhouse"
	"chapterhouse/demo"
	"chapterhouse/password"
	"chapterhouse/sqldb"
	"chapterhouse/sqldb/sqldbtest"
)

// seedDemo fills the database at url (the SQLite file under dir when url is
// "") with the demo program, plus sessions and mail waiting in the outbox.
func seedDemo(t *testing.T, dir, url string) []demo.Account {
	t.Helper()
	ctx := context.Background()
	db, err := sqldb.Open(ctx, dir, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	hasher := password.NewHasher(password.Params{Time: 1, Memory: 1024, Threads: 1}, 2)
	accounts, err := demo.Seed(ctx, db, hasher, demo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range accounts {
		u, _, err := db.UserByEmail(ctx, a.Email)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.CreateSession(ctx, u.ID, time.Hour); err != nil {
			t.Fatal(err)
		}
		if err := db.Enqueue(ctx, ch.Mail{To: a.Email, Subject: "Welcome", Body: "Hello " + a.Name}); err != nil {
			t.Fatal(err)
		}
	}
	return accounts
}

// startServe runs serve on dir until the test ends or stop is called.
func startServe(t *testing.T, dir string) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var out syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--data", dir}, strings.NewReader(""), &out, io.Discard)
	}()
	for deadline := time.Now().Add(20 * time.Second); !strings.Contains(out.String(), "running at"); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("serve did not start: %s", out.String())
		}
	}
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}
	t.Cleanup(stop)
	return stop
}

func TestBackupAndRestoreCommands(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	accounts := seedDemo(t, dir, "")
	stop := startServe(t, dir)

	file := filepath.Join(t.TempDir(), "portal.db")
	if out, err := runCmd(t, "", "backup", file, "--data", dir); err != nil || !strings.Contains(out, "Backed up") {
		t.Fatalf("backup while serve runs: %v\n%s", err, out)
	}
	if _, err := runCmd(t, "", "backup", "--data", dir, file); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("backup over an existing file: %v", err)
	}
	if _, err := runCmd(t, "", "backup", "--database-url", "postgres://localhost/portal", file+"2"); err == nil || !strings.Contains(err.Error(), "pg_dump") {
		t.Errorf("backup of PostgreSQL: %v", err)
	}
	if _, err := runCmd(t, "", "backup", "--data", t.TempDir(), file+"3"); err == nil || !strings.Contains(err.Error(), "no database") {
		t.Errorf("backup of a missing database: %v", err)
	}
	if _, err := runCmd(t, "", "backup", "--data", dir); err == nil {
		t.Error("backup without a file name")
	}
	if _, err := runCmd(t, "", "restore", file, "--data", dir); err == nil || !strings.Contains(err.Error(), "stop serve first") {
		t.Errorf("restore while serve runs: %v", err)
	}
	stop()

	// Change the database after the backup, then restore it over the change.
	db, err := sqldb.Open(ctx, dir, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateUser(ctx, "after@example.org", "After", "hash", true, 0); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if out, err := runCmd(t, "", "restore", "--data", dir, file); err != nil || !strings.Contains(out, "Restored") {
		t.Fatalf("restore: %v\n%s", err, out)
	}
	db, err = sqldb.Open(ctx, dir, "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, _, err := db.UserByEmail(ctx, "after@example.org"); ch.ErrorCode(err) != ch.ENOTFOUND {
		t.Errorf("the restored database has a user made after the backup: %v", err)
	}
	for _, a := range accounts {
		if _, _, err := db.UserByEmail(ctx, a.Email); err != nil {
			t.Errorf("the restored database lacks %s: %v", a.Email, err)
		}
	}
	page, err := db.ListGroups(ctx, ch.GroupFilter{Statuses: ch.Statuses, Query: "python"})
	if err != nil || page.Total == 0 {
		t.Errorf("search in the restored database finds %d groups (%v)", page.Total, err)
	}
}

func TestCopyCommand(t *testing.T) {
	src := t.TempDir()
	accounts := seedDemo(t, src, "")
	// Without PostgreSQL the round trip goes through a second SQLite file.
	middle := sqldbtest.URL(t)
	if middle == "" {
		middle = "sqlite:" + filepath.Join(t.TempDir(), "middle.db")
	}
	out, err := runCmd(t, "", "copy", "--data", src, "--to", middle)
	if err != nil {
		t.Fatalf("copy to %s: %v\n%s", middle, err, out)
	}
	if !regexp.MustCompile(`(?m)^groups +48 +48 `).MatchString(out) || !strings.Contains(out, "every table") {
		t.Errorf("copy report:\n%s", out)
	}
	back := "sqlite:" + filepath.Join(t.TempDir(), "back.db")
	if out, err := runCmd(t, "", "copy", "--from", middle, "--to", back); err != nil {
		t.Fatalf("copy back from %s: %v\n%s", middle, err, out)
	}
	if _, err := runCmd(t, "", "copy", "--data", src, "--to", back); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("copy into a full database: %v", err)
	}
	if _, err := runCmd(t, "", "copy", "--from", back, "--to", back); err == nil || !strings.Contains(err.Error(), "same database") {
		t.Errorf("copy onto itself: %v", err)
	}
	if _, err := runCmd(t, "", "copy", "--data", src); err == nil || !strings.Contains(err.Error(), "--to") {
		t.Errorf("copy without --to: %v", err)
	}

	original := openDB(t, src, "")
	for _, url := range []string{middle, back} {
		copied := openDB(t, "", url)
		compareThroughStore(t, original, copied, accounts)
		// New rows take ids after the copied ones.
		ctx := context.Background()
		u, err := copied.CreateUser(ctx, "later@example.org", "Later", "hash", true, 0)
		if err != nil {
			t.Fatalf("%s: new user after copying: %v", copied.Engine(), err)
		}
		app := ch.Application{Name: "Latecomers", City: "Lyon", Country: "FR", TimeZone: "Europe/Paris", Cadence: "monthly",
			OrganiserEmails: []string{"late@example.org"}, URLs: []string{"https://late.example.org"},
			Coordinators: []ch.Coordinator{{Email: "late@example.org", Name: "Late"}}, PolicyAgreed: true}
		app.Normalize()
		g, err := copied.CreateGroup(ctx, app, u, nil)
		if err != nil {
			t.Fatalf("%s: new group after copying: %v", copied.Engine(), err)
		}
		if g.ID <= 48 {
			t.Errorf("%s: the new group took the id %d of a copied one", copied.Engine(), g.ID)
		}
	}
}

func openDB(t *testing.T, dir, url string) *sqldb.DB {
	t.Helper()
	db, err := sqldb.Open(context.Background(), dir, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// compareThroughStore checks that the store reads the same portal from both databases.
func compareThroughStore(t *testing.T, want, got *sqldb.DB, accounts []demo.Account) {
	t.Helper()
	ctx := context.Background()
	list := func(db *sqldb.DB, query string) []string {
		var slugs []string
		f := ch.GroupFilter{Statuses: ch.Statuses, Query: query, Limit: 100}
		for {
			page, err := db.ListGroups(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			for _, g := range page.Groups {
				slugs = append(slugs, g.Slug)
			}
			if f.Cursor = page.NextCursor; f.Cursor == "" {
				return slugs
			}
		}
	}
	all := list(want, "")
	if len(all) != 48 {
		t.Fatalf("the demo has %d groups, want 48", len(all))
	}
	if g := list(got, ""); !slices.Equal(g, all) {
		t.Fatalf("%s: the copy lists %v, the original %v", got.Engine(), g, all)
	}
	for _, q := range []string{"python", "rust", "paris", "sao paulo", "meetup"} {
		if a, b := list(want, q), list(got, q); !slices.Equal(a, b) {
			t.Errorf("%s: search %q finds %v in the copy, %v in the original", got.Engine(), q, b, a)
		}
	}
	for _, slug := range all {
		a, err := want.GroupBySlug(ctx, slug)
		if err != nil {
			t.Fatal(err)
		}
		b, err := got.GroupBySlug(ctx, slug)
		if err != nil {
			t.Fatalf("%s: %s: %v", got.Engine(), slug, err)
		}
		a.CreatedAt, a.UpdatedAt = a.CreatedAt.UTC(), a.UpdatedAt.UTC()
		b.CreatedAt, b.UpdatedAt = b.CreatedAt.UTC(), b.UpdatedAt.UTC()
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s: group %s differs:\n original %+v\n copy     %+v", got.Engine(), slug, a, b)
		}
		ea, _ := want.GroupEvents(ctx, a.ID)
		eb, _ := got.GroupEvents(ctx, a.ID)
		if len(ea) == 0 || len(ea) != len(eb) {
			t.Errorf("%s: group %s has %d events in the copy, %d in the original", got.Engine(), slug, len(eb), len(ea))
		}
	}
	for _, acc := range accounts {
		a, ha, err := want.UserByEmail(ctx, acc.Email)
		if err != nil {
			t.Fatal(err)
		}
		b, hb, err := got.UserByEmail(ctx, acc.Email)
		if err != nil {
			t.Fatalf("%s: %s: %v", got.Engine(), acc.Email, err)
		}
		if a.ID != b.ID || a.Name != b.Name || ha != hb || !a.CreatedAt.Equal(b.CreatedAt) || !slices.Equal(a.Roles, b.Roles) {
			t.Errorf("%s: user %s differs:\n original %+v\n copy     %+v", got.Engine(), acc.Email, a, b)
		}
	}
	na, _ := want.OutboxPending(ctx)
	nb, _ := got.OutboxPending(ctx)
	if na == 0 || na != nb {
		t.Errorf("%s: %d mails wait in the copy's outbox, %d in the original's", got.Engine(), nb, na)
	}
}
