package sqldb_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	ch "chapterhouse"
	"chapterhouse/sqldb"
	"chapterhouse/sqldb/sqldbtest"
)

// openSQLite opens (and migrates) the SQLite database under dir, whatever
// engine the rest of the suite runs on.
func openSQLite(t *testing.T, dir string) *sqldb.DB {
	t.Helper()
	db, err := sqldb.Open(context.Background(), dir, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}

func TestTablesMatchSchema(t *testing.T) {
	db := newDB(t)
	got, err := db.SchemaTables(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := slices.Sorted(slices.Values(sqldb.Tables))
	if !slices.Equal(got, want) {
		t.Fatalf("the %s schema has the tables %v but sqldb.Tables lists %v: add new tables to sqldb.Tables (Copy would lose them)", db.Engine(), got, want)
	}

	// Copy fills tables in the order of Tables: each must come after those
	// its foreign keys reference.
	dir := t.TempDir()
	openSQLite(t, dir)
	raw, err := sql.Open("sqlite", filepath.Join(dir, "chapterhouse.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	for i, table := range sqldb.Tables {
		rows, err := raw.Query(`SELECT "table" FROM pragma_foreign_key_list($1)`, table)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var parent string
			if err := rows.Scan(&parent); err != nil {
				t.Fatal(err)
			}
			if j := slices.Index(sqldb.Tables, parent); j >= i {
				t.Errorf("sqldb.Tables lists %s before %s, which it references", table, parent)
			}
		}
		rows.Close()
	}
}

func TestBackupWhileWriting(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := openSQLite(t, dir)
	by, err := db.CreateUser(ctx, "ann@example.org", "Ann", "hash", true, 0)
	if err != nil {
		t.Fatal(err)
	}
	apps := make([]ch.Application, 1000)
	for i := range apps {
		apps[i] = application(t, fmt.Sprintf("Writers %d", i))
	}
	var created atomic.Int64
	var failed atomic.Bool
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var writeErr error
	wg.Go(func() {
		for _, app := range apps {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := db.CreateGroup(ctx, app, by, nil); err != nil {
				writeErr = err
				failed.Store(true)
				return
			}
			created.Add(1)
		}
	})
	wait := func(n int64) {
		for created.Load() < n && !failed.Load() && created.Load() < int64(len(apps)) {
			time.Sleep(time.Millisecond)
		}
	}
	wait(10)
	file := filepath.Join(t.TempDir(), "backup.db")
	err = db.Backup(ctx, file)
	wait(created.Load() + 5)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatalf("Backup: %v", err)
	}
	if writeErr != nil {
		t.Fatalf("writing beside the backup: %v", writeErr)
	}
	if err := db.Backup(ctx, file); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("Backup over an existing file: %v", err)
	}
	if leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(file), ".*")); len(leftovers) > 0 {
		t.Errorf("Backup left %v behind", leftovers)
	}

	copied, err := sqldb.Open(ctx, "", "sqlite:"+file)
	if err != nil {
		t.Fatal(err)
	}
	defer copied.Close()
	if n, err := copied.Migrate(ctx); err != nil || n != 0 {
		t.Fatalf("the backup is not migrated: applied %d, %v", n, err)
	}
	page, err := copied.ListGroups(ctx, ch.GroupFilter{Statuses: ch.Statuses, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if page.Total < 10 || int64(page.Total) > created.Load() {
		t.Fatalf("the backup has %d groups; %d existed when it started and %d at the end", page.Total, 10, created.Load())
	}
	// Each group was written in one transaction: the snapshot has all of it.
	for _, g := range page.Groups {
		full, err := copied.GroupBySlug(ctx, g.Slug)
		if err != nil {
			t.Fatal(err)
		}
		events, err := copied.GroupEvents(ctx, g.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(full.Coordinators) != 1 || len(full.URLs) != 1 || len(events) != 1 {
			t.Errorf("group %s is incomplete in the backup: %d coordinators, %d URLs, %d events", g.Slug, len(full.Coordinators), len(full.URLs), len(events))
		}
	}
	found, err := copied.ListGroups(ctx, ch.GroupFilter{Statuses: ch.Statuses, Query: "writers", Limit: 1})
	if err != nil || found.Total != page.Total {
		t.Errorf("search in the backup finds %d of %d groups (%v)", found.Total, page.Total, err)
	}
}

// A backup holds password hashes, sessions and queued mail with live links:
// nobody but its owner may read it, whatever the umask.
func TestBackupIsPrivate(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	db := openSQLite(t, data)
	if err := db.Enqueue(ctx, ch.Mail{To: "x@example.org", Subject: "Hello", Body: "Body"}); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "private.db")
	if err := db.Backup(ctx, file); err != nil {
		t.Fatal(err)
	}
	live, err := filepath.Glob(filepath.Join(data, "*.db*"))
	if err != nil || len(live) < 2 {
		t.Fatalf("no database and write-ahead log in %s: %v %v", data, live, err)
	}
	for _, f := range append(live, file) {
		if strings.HasSuffix(f, ".lock") {
			continue
		}
		fi, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		if perm := fi.Mode().Perm(); perm != 0o600 {
			t.Errorf("%s has mode %v, want -rw-------", filepath.Base(f), perm)
		}
	}
}

func TestBackupRefusesPostgres(t *testing.T) {
	url := sqldbtest.URL(t)
	if url == "" {
		t.Skip("no PostgreSQL: set " + sqldbtest.EnvURL)
	}
	db, err := sqldb.Open(context.Background(), "", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Backup(context.Background(), filepath.Join(t.TempDir(), "b.db")); err == nil || !strings.Contains(err.Error(), "pg_dump") {
		t.Errorf("Backup on PostgreSQL: %v", err)
	}
}

func TestRestore(t *testing.T) {
	ctx := context.Background()
	a := openSQLite(t, t.TempDir())
	if _, err := a.CreateUser(ctx, "a@example.org", "A", "hash", true, 0); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "a.db")
	if err := a.Backup(ctx, file); err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	b, err := sqldb.Open(ctx, dir, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := b.CreateUser(ctx, "b@example.org", "B", "hash", true, 0); err != nil {
		t.Fatal(err)
	}
	if err := sqldb.Restore(ctx, dir, "", file); !errors.Is(err, sqldb.ErrInUse) {
		t.Fatalf("Restore while the database is open: %v", err)
	}
	if _, _, err := b.UserByEmail(ctx, "b@example.org"); err != nil {
		t.Fatalf("a refused restore changed the database: %v", err)
	}
	b.Close()

	// Refusals leave the database alone.
	notDB := filepath.Join(t.TempDir(), "notes.txt")
	os.WriteFile(notDB, []byte("these are not the tables you are looking for"), 0o600)
	bare := filepath.Join(t.TempDir(), "bare.db")
	exec(t, bare, `CREATE TABLE t (x)`)
	newer := filepath.Join(t.TempDir(), "newer.db")
	copyFile(t, file, newer)
	exec(t, newer, `INSERT INTO schema_migrations (version, applied_at) VALUES ('999_future', '2030-01-01 00:00:00')`)
	for _, c := range []struct{ file, url, want string }{
		{notDB, "", "not a SQLite database"},
		{bare, "", "no schema_migrations"},
		{newer, "", "newer Chapterhouse"},
		{filepath.Join(dir, "chapterhouse.db"), "", "the database itself"},
		{file, "postgres://localhost/x", "PostgreSQL"},
		{filepath.Join(dir, "missing.db"), "", "no such file"},
	} {
		if err := sqldb.Restore(ctx, dir, c.url, c.file); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Restore(%s, %q): %v, want an error with %q", filepath.Base(c.file), c.url, err, c.want)
		}
	}

	// A log left by a crashed portal must not be replayed into the restored database.
	for _, suffix := range []string{"-wal", "-shm"} {
		if err := os.WriteFile(filepath.Join(dir, "chapterhouse.db"+suffix), bytes.Repeat([]byte{0x37}, 4096), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := sqldb.Restore(ctx, dir, "", file); err != nil {
		t.Fatalf("Restore: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "chapterhouse.db-wal")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the stale -wal survived the restore: %v", err)
	}
	restored := openSQLite(t, dir)
	if _, _, err := restored.UserByEmail(ctx, "a@example.org"); err != nil {
		t.Errorf("the restored database lacks the backup's user: %v", err)
	}
	if _, _, err := restored.UserByEmail(ctx, "b@example.org"); ch.ErrorCode(err) != ch.ENOTFOUND {
		t.Errorf("the restored database still has the replaced user: %v", err)
	}
	if _, err := restored.CreateUser(ctx, "c@example.org", "C", "hash", true, 0); err != nil {
		t.Errorf("writing to the restored database: %v", err)
	}
}

// exec runs SQL on a SQLite file outside sqldb.
func exec(t *testing.T, file, query string) {
	t.Helper()
	raw, err := sql.Open("sqlite", file)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(query); err != nil {
		t.Fatal(err)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// fill puts rows in every table of the portal through the store, and
// returns the addresses of the accounts it made.
func fill(t *testing.T, db *sqldb.DB) []string {
	t.Helper()
	ctx := context.Background()
	manager, err := db.CreateUser(ctx, "cora@example.org", "Cora", "hash-c", true, 0, ch.RoleCommunityManager)
	if err != nil {
		t.Fatal(err)
	}
	ann, err := db.CreateUser(ctx, "ann@example.org", "Ann Lee", "hash-a", true, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateUser(ctx, "new@example.org", "Unverified", "hash-n", false, 0); err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(db.SetRole(ctx, ann.ID, ch.RoleAmbassador, true, manager.ID))
	_, err = db.CreateSession(ctx, ann.ID, time.Hour)
	must(err)
	_, err = db.CreateUserToken(ctx, ann.ID, "verify", ann.Email, time.Hour)
	must(err)
	_, err = db.CreateAPIToken(ctx, manager.ID, "scripts")
	must(err)
	_, err = db.ReserveSignIn(ctx, "account:ann@example.org")
	must(err)
	_, err = db.Take(ctx, 1, sqldb.Limit{Key: "mail-to:ann@example.org", Max: 3, Per: time.Hour})
	must(err)
	must(db.SetRequirements(ctx, []ch.Requirement{{Field: ch.FieldURLs, Min: 1}}))
	_, err = db.PublishPolicy(ctx, ch.PolicySocialMedia, "Be kind, second edition.", manager.ID)
	must(err)
	must(db.Enqueue(ctx, ch.Mail{To: "x@example.org", Subject: "Hello", Body: "Body"}))
	for i, city := range []string{"Lyon", "Zürich", "São Paulo"} {
		app := application(t, "Gophers of "+city)
		app.City = city
		lat, lon := 45.75+float64(i), 4.85
		app.Latitude, app.Longitude = &lat, &lon
		app.Channels = []ch.Channel{{Type: "chat", URL: "https://chat.example.org/" + fmt.Sprint(i)}}
		g, err := db.CreateGroup(ctx, app, ann, func(g *ch.Group) []ch.Mail {
			return []ch.Mail{{To: "cora@example.org", Subject: "New: " + g.Name, Body: "Review it."}}
		})
		must(err)
		if i > 0 {
			_, err = db.ReviewGroup(ctx, g.Slug, ch.Accept, "", manager, nil)
			must(err)
		}
		if i > 1 {
			_, err = db.ChangeStatus(ctx, g.Slug, ch.StatusOfficial, "", manager, nil)
			must(err)
			// Official without meeting its steps, and renamed since.
			_, err = db.FollowFacts(ctx, g.Slug, ch.DefaultProgram(), func(*ch.Group, []ch.StepResult, []*ch.User, []*ch.User) []ch.Mail { return nil })
			must(err)
			app.Name += " Renamed"
			_, err = db.UpdateGroup(ctx, g.Slug, app, manager, nil)
			must(err)
		}
	}
	fillOfficial(t, db)
	return []string{"cora@example.org", "ann@example.org", "new@example.org"}
}

// sameContents compares what the store reads from two databases.
func sameContents(t *testing.T, want, got *sqldb.DB, emails []string) {
	t.Helper()
	ctx := context.Background()
	utc := func(g *ch.Group) {
		g.CreatedAt, g.UpdatedAt = g.CreatedAt.UTC(), g.UpdatedAt.UTC()
	}
	list := func(db *sqldb.DB, query string) []int64 {
		var ids []int64
		f := ch.GroupFilter{Statuses: ch.Statuses, Query: query, Limit: 100}
		for {
			page, err := db.ListGroups(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			for _, g := range page.Groups {
				ids = append(ids, g.ID)
			}
			if f.Cursor = page.NextCursor; f.Cursor == "" {
				return ids
			}
		}
	}
	all := list(want, "")
	if len(all) == 0 {
		t.Fatal("no groups to compare")
	}
	if g := list(got, ""); !slices.Equal(g, all) {
		t.Fatalf("the copy lists the groups %v, the original %v", g, all)
	}
	for _, q := range []string{"gophers", "zurich", "sao paulo", "lyon", "python"} {
		if a, b := list(want, q), list(got, q); !slices.Equal(a, b) {
			t.Errorf("search %q finds %v in the copy but %v in the original", q, b, a)
		}
	}
	page, err := want.ListGroups(ctx, ch.GroupFilter{Statuses: ch.Statuses, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range page.Groups {
		a, err := want.GroupBySlug(ctx, g.Slug)
		if err != nil {
			t.Fatal(err)
		}
		b, err := got.GroupBySlug(ctx, g.Slug)
		if err != nil {
			t.Fatalf("group %s is missing from the copy: %v", g.Slug, err)
		}
		utc(a)
		utc(b)
		if !reflect.DeepEqual(a, b) {
			t.Errorf("group %s differs:\n original %+v\n copy     %+v", g.Slug, a, b)
		}
		ea, err := want.GroupEvents(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		eb, err := got.GroupEvents(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(ea) != len(eb) {
			t.Errorf("group %s has %d events in the copy, %d in the original", g.Slug, len(eb), len(ea))
		}
	}
	for _, e := range emails {
		a, ha, err := want.UserByEmail(ctx, e)
		if err != nil {
			t.Fatal(err)
		}
		b, hb, err := got.UserByEmail(ctx, e)
		if err != nil {
			t.Fatalf("user %s is missing from the copy: %v", e, err)
		}
		if a.ID != b.ID || a.Name != b.Name || ha != hb || !a.CreatedAt.Equal(b.CreatedAt) ||
			a.Verified() != b.Verified() || !slices.Equal(a.Roles, b.Roles) {
			t.Errorf("user %s differs:\n original %+v\n copy     %+v", e, a, b)
		}
	}
	pa, err := want.CurrentPolicy(ctx, ch.PolicySocialMedia)
	if err != nil {
		t.Fatal(err)
	}
	pb, err := got.CurrentPolicy(ctx, ch.PolicySocialMedia)
	if err != nil {
		t.Fatal(err)
	}
	if pa.ID != pb.ID || pa.Version != pb.Version || pa.Body != pb.Body || pa.CreatedBy != pb.CreatedBy {
		t.Errorf("the current policy differs: original %+v, copy %+v", pa, pb)
	}
	na, _ := want.OutboxPending(ctx)
	nb, _ := got.OutboxPending(ctx)
	if na == 0 || na != nb {
		t.Errorf("%d mails wait in the copy's outbox, %d in the original's", nb, na)
	}
}

// copyInto copies from into a new database at url and returns it with Copy's report.
func copyInto(t *testing.T, from *sqldb.DB, dir, url string) (*sqldb.DB, string) {
	t.Helper()
	to, err := sqldb.Open(context.Background(), dir, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { to.Close() })
	var report bytes.Buffer
	if err := sqldb.Copy(context.Background(), from, to, &report); err != nil {
		t.Fatalf("Copy from %s to %s: %v\n%s", from.Engine(), to.Engine(), err, report.String())
	}
	return to, report.String()
}

func TestCopy(t *testing.T) {
	ctx := context.Background()
	src := openSQLite(t, t.TempDir())
	emails := fill(t, src)

	// SQLite to SQLite, into a database migrated beforehand (it holds the
	// default policy, which Copy replaces).
	dir := t.TempDir()
	openSQLite(t, dir).Close()
	copied, report := copyInto(t, src, dir, "")
	for _, table := range sqldb.Tables {
		if !regexp.MustCompile(`(?m)^` + table + ` +[1-9]\d* `).MatchString(report) {
			t.Errorf("the report shows no rows copied in %s (fill must put rows in every table):\n%s", table, report)
		}
	}
	if !strings.Contains(report, "every table") {
		t.Errorf("report without a verdict:\n%s", report)
	}
	sameContents(t, src, copied, emails)

	// A second copy into the same target is refused and changes nothing.
	var out bytes.Buffer
	if err := sqldb.Copy(ctx, src, copied, &out); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("Copy into a full database: %v", err)
	}

	last := copied
	if url := sqldbtest.URL(t); url != "" {
		pg, _ := copyInto(t, src, "", url)
		sameContents(t, src, pg, emails)
		last, _ = copyInto(t, pg, t.TempDir(), "")
		sameContents(t, src, last, emails)
		checkInserts(t, pg)
	}
	checkInserts(t, last)
}

// checkInserts checks that new rows get new ids after a copy.
func checkInserts(t *testing.T, db *sqldb.DB) {
	t.Helper()
	ctx := context.Background()
	u, err := db.CreateUser(ctx, "later@example.org", "Later", "hash", true, 0)
	if err != nil {
		t.Fatalf("%s: CreateUser after copying: %v", db.Engine(), err)
	}
	if u.ID <= 3 {
		t.Errorf("%s: a new user got the id %d of a copied one", db.Engine(), u.ID)
	}
	g, err := db.CreateGroup(ctx, application(t, "Latecomers"), u, nil)
	if err != nil {
		t.Fatalf("%s: CreateGroup after copying: %v", db.Engine(), err)
	}
	if g.ID <= 3 {
		t.Errorf("%s: a new group got the id %d of a copied one", db.Engine(), g.ID)
	}
	if err := db.Enqueue(ctx, ch.Mail{To: "y@example.org", Subject: "S", Body: "B"}); err != nil {
		t.Errorf("%s: Enqueue after copying: %v", db.Engine(), err)
	}
	if _, err := db.PublishPolicy(ctx, ch.PolicySocialMedia, "Third edition.", u.ID); err != nil {
		t.Errorf("%s: PublishPolicy after copying: %v", db.Engine(), err)
	}
	found, err := db.ListGroups(ctx, ch.GroupFilter{Statuses: ch.Statuses, Query: "latecomers"})
	if err != nil || found.Total != 1 {
		t.Errorf("%s: search after copying finds %d groups (%v)", db.Engine(), found.Total, err)
	}
}

// The database holds no usable session, API or link token: a copy of it
// (a backup, a stolen disk) signs nobody in.
func TestTokensStoredHashed(t *testing.T) {
	ctx := context.Background()
	db := openSQLite(t, t.TempDir())
	u, err := db.CreateUser(ctx, "ann@example.org", "Ann", "x", true, 0)
	if err != nil {
		t.Fatal(err)
	}
	session, err := db.CreateSession(ctx, u.ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	api, err := db.CreateAPIToken(ctx, u.ID, "script")
	if err != nil {
		t.Fatal(err)
	}
	link, err := db.CreateUserToken(ctx, u.ID, sqldb.PurposeReset, u.Email, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "copy.db")
	if err := db.Backup(ctx, file); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for what, token := range map[string]string{"session": session, "API token": api, "reset link": link} {
		if bytes.Contains(raw, []byte(token)) {
			t.Errorf("the database holds the %s itself", what)
		}
		if !bytes.Contains(raw, []byte(sqldb.HashToken(token))) {
			t.Errorf("the database does not hold the %s's hash: the test looks in the wrong place", what)
		}
	}
}
