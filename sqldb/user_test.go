package sqldb_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	ch "chapterhouse"
	"chapterhouse/sqldb"
	"chapterhouse/sqldb/sqldbtest"
)

func TestMigrateIdempotent(t *testing.T) {
	db := newDB(t)
	n, err := db.Migrate(context.Background())
	if err != nil || n != 0 {
		t.Fatalf("second Migrate = %d, %v; want 0, nil", n, err)
	}
	if err := db.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestReopenKeepsData(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	if db.Engine() != "sqlite" {
		t.Skip("reopens the SQLite file")
	}
	db.user(t, "ann@example.org", true)
	db.Close()

	db2, err := sqldb.Open(ctx, db.dir, "")
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	if n, err := db2.Migrate(ctx); err != nil || n != 0 {
		t.Fatalf("Migrate on reopen = %d, %v; want 0, nil", n, err)
	}
	if _, _, err := db2.UserByEmail(ctx, "ann@example.org"); err != nil {
		t.Fatalf("account lost on reopen: %v", err)
	}

	// A sqlite: URL names the file instead of the data directory.
	other := filepath.Join(t.TempDir(), "sub", "portal.db")
	db3, err := sqldb.Open(ctx, db.dir, "sqlite:"+other)
	if err != nil {
		t.Fatal(err)
	}
	defer db3.Close()
	if _, err := os.Stat(other); err != nil {
		t.Errorf("sqlite: URL did not create %s: %v", other, err)
	}
	if _, err := sqldb.Open(ctx, db.dir, "postgres://localhost/x"); err == nil {
		t.Error("Open accepted a database URL it cannot serve")
	}
}

func TestCreateUser(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	u, err := db.CreateUser(ctx, " Ann@Example.ORG ", "Ann", "hash1", false, 0, ch.RoleAmbassador)
	if err != nil {
		t.Fatal(err)
	}
	if u.ID == 0 || u.Email != "ann@example.org" || u.Name != "Ann" || u.Verified() || !u.Has(ch.RoleAmbassador) {
		t.Errorf("created %+v", u)
	}
	if !u.CreatedAt.Equal(db.clock.Now()) {
		t.Errorf("CreatedAt = %v, want %v", u.CreatedAt, db.clock.Now())
	}

	for _, email := range []string{"ann@example.org", "ANN@example.org", "  ann@EXAMPLE.org"} {
		_, err := db.CreateUser(ctx, email, "Other Ann", "hash2", true, 0)
		wantCode(t, err, ch.ECONFLICT)
	}

	got, hash, err := db.UserByEmail(ctx, "ANN@example.org")
	if err != nil || got.ID != u.ID || hash != "hash1" || got.Name != "Ann" {
		t.Errorf("UserByEmail = %+v, %q, %v", got, hash, err)
	}
	_, _, err = db.UserByEmail(ctx, "nobody@example.org")
	wantCode(t, err, ch.ENOTFOUND)
	_, err = db.UserByID(ctx, 9999)
	wantCode(t, err, ch.ENOTFOUND)

	db.clock.Add(time.Hour)
	if err := db.MarkVerified(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	first := db.clock.Now()
	db.clock.Add(time.Hour)
	if err := db.MarkVerified(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	got, _ = db.UserByID(ctx, u.ID)
	if !got.Verified() || !got.VerifiedAt.Equal(first) {
		t.Errorf("VerifiedAt = %v, want the first verification %v", got.VerifiedAt, first)
	}
}

func TestRoles(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	boss := db.user(t, "boss@example.org", true, ch.RoleCommunityManager)
	ann := db.user(t, "ann@example.org", true)

	steps := []struct {
		role  ch.Role
		grant bool
	}{
		{ch.RoleAmbassador, true},
		{ch.RoleAmbassador, true}, // already held: nothing to log
		{ch.RoleApprover, true},
		{ch.RoleApprover, false},
		{ch.RoleApprover, false}, // not held: nothing to log
		{ch.RoleCommunityManager, false},
	}
	for _, s := range steps {
		db.clock.Add(time.Minute)
		if err := db.SetRole(ctx, ann.ID, s.role, s.grant, boss.ID); err != nil {
			t.Fatalf("SetRole(%s, %v): %v", s.role, s.grant, err)
		}
	}
	got, err := db.UserByID(ctx, ann.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Roles, []ch.Role{ch.RoleAmbassador}) {
		t.Errorf("roles = %v, want [ambassador]", got.Roles)
	}

	changes, err := db.RoleChanges(ctx, 50)
	if err != nil {
		t.Fatal(err)
	}
	type change struct {
		email   string
		role    ch.Role
		granted bool
		by      string
	}
	var log []change
	for _, c := range changes {
		log = append(log, change{c.UserEmail, c.Role, c.Granted, c.ByName})
	}
	want := []change{ // newest first
		{"ann@example.org", ch.RoleApprover, false, boss.Name},
		{"ann@example.org", ch.RoleApprover, true, boss.Name},
		{"ann@example.org", ch.RoleAmbassador, true, boss.Name},
		{"boss@example.org", ch.RoleCommunityManager, true, "command line"},
	}
	if !slices.Equal(log, want) {
		t.Errorf("role changes:\n got %v\nwant %v", log, want)
	}
	// The last two steps changed nothing, so the newest entry is two minutes old.
	if changes[0].ByID != boss.ID || !changes[0].At.Equal(db.clock.Now().Add(-2*time.Minute)) {
		t.Errorf("newest change by %d at %v", changes[0].ByID, changes[0].At)
	}
	if short, _ := db.RoleChanges(ctx, 2); len(short) != 2 {
		t.Errorf("RoleChanges(limit 2) returned %d", len(short))
	}
}

func TestListUsers(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	db.user(t, "zed@example.org", true)
	db.user(t, "amy@example.org", true)
	db.user(t, "boss@corp.example", true, ch.RoleCommunityManager)
	all, err := db.ListUsers(ctx, "", 10)
	if err != nil {
		t.Fatal(err)
	}
	var emails []string
	for _, u := range all {
		emails = append(emails, u.Email)
	}
	if want := []string{"boss@corp.example", "amy@example.org", "zed@example.org"}; !slices.Equal(emails, want) {
		t.Errorf("ListUsers = %v, want people with roles first, then by name: %v", emails, want)
	}
	if !all[0].IsCommunityManager() {
		t.Error("ListUsers did not load roles")
	}
	found, _ := db.ListUsers(ctx, "CORP", 10)
	if len(found) != 1 || found[0].Email != "boss@corp.example" {
		t.Errorf("ListUsers(CORP) = %v", found)
	}
}

func TestSessions(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	ann := db.user(t, "ann@example.org", true, ch.RoleAmbassador)
	token, err := db.CreateSession(ctx, ann.ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := db.CreateSession(ctx, ann.ID, 2*time.Hour)
	if token == "" || token == other {
		t.Fatalf("session tokens %q and %q", token, other)
	}

	u, err := db.SessionUser(ctx, token)
	if err != nil || u.ID != ann.ID || !u.Has(ch.RoleAmbassador) {
		t.Fatalf("SessionUser = %+v, %v", u, err)
	}
	_, err = db.SessionUser(ctx, token+"x")
	wantCode(t, err, ch.ENOTFOUND)

	db.clock.Add(time.Hour - time.Second)
	if _, err := db.SessionUser(ctx, token); err != nil {
		t.Errorf("session refused a second before it expires: %v", err)
	}
	db.clock.Add(time.Second)
	_, err = db.SessionUser(ctx, token)
	wantCode(t, err, ch.ENOTFOUND)
	if _, err := db.SessionUser(ctx, other); err != nil {
		t.Errorf("the longer session ended with the shorter: %v", err)
	}

	if err := db.DeleteSession(ctx, other); err != nil {
		t.Fatal(err)
	}
	_, err = db.SessionUser(ctx, other)
	wantCode(t, err, ch.ENOTFOUND)
}

func TestSetPasswordEndsSessionsAndLinks(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	ann := db.user(t, "ann@example.org", true)
	bob := db.user(t, "bob@example.org", true)
	// A credential that failed to be made would pass for one that ended.
	made := func(secret string, err error) string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return secret
	}
	for _, revoke := range []bool{false, true} {
		annSession := made(db.CreateSession(ctx, ann.ID, time.Hour))
		bobSession := made(db.CreateSession(ctx, bob.ID, time.Hour))
		annToken := made(db.CreateAPIToken(ctx, ann.ID, "script"))
		bobToken := made(db.CreateAPIToken(ctx, bob.ID, "script"))
		var annLinks, bobLinks []string
		for _, purpose := range []string{sqldb.PurposeReset, sqldb.PurposeVerify, sqldb.PurposeChangeEmail} {
			annLinks = append(annLinks, purpose, made(db.CreateUserToken(ctx, ann.ID, purpose, "ann2@example.org", time.Hour)))
			bobLinks = append(bobLinks, purpose, made(db.CreateUserToken(ctx, bob.ID, purpose, "bob2@example.org", time.Hour)))
		}

		if err := db.SetPassword(ctx, ann.ID, "newhash", revoke); err != nil {
			t.Fatal(err)
		}
		if h, err := db.PasswordHash(ctx, ann.ID); err != nil || h != "newhash" {
			t.Errorf("PasswordHash = %q, %v", h, err)
		}
		_, err := db.SessionUser(ctx, annSession)
		wantCode(t, err, ch.ENOTFOUND)
		for i := 0; i < len(annLinks); i += 2 {
			_, _, err := db.ConsumeUserToken(ctx, annLinks[i+1], annLinks[i])
			wantCode(t, err, ch.ENOTFOUND)
		}
		if _, err := db.APITokenUser(ctx, annToken); revoke {
			wantCode(t, err, ch.ENOTFOUND)
		} else if err != nil {
			t.Errorf("an API token was revoked though not asked to: %v", err)
		}

		// Someone else's password change ends nothing of Bob's.
		if _, err := db.SessionUser(ctx, bobSession); err != nil {
			t.Errorf("Bob's session ended: %v", err)
		}
		if _, err := db.APITokenUser(ctx, bobToken); err != nil {
			t.Errorf("Bob's API token ended: %v", err)
		}
		for i := 0; i < len(bobLinks); i += 2 {
			if _, _, err := db.ConsumeUserToken(ctx, bobLinks[i+1], bobLinks[i]); err != nil {
				t.Errorf("Bob's %s link ended: %v", bobLinks[i], err)
			}
		}
	}
}

func TestUserTokens(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	ann := db.user(t, "ann@example.org", false)

	t.Run("consumed once", func(t *testing.T) {
		tok, err := db.CreateUserToken(ctx, ann.ID, sqldb.PurposeVerify, "Ann@Example.org", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = db.ConsumeUserToken(ctx, tok, sqldb.PurposeReset)
		wantCode(t, err, ch.ENOTFOUND) // wrong purpose, and it does not use the token up
		id, email, err := db.ConsumeUserToken(ctx, tok, sqldb.PurposeVerify)
		if err != nil || id != ann.ID || email != "ann@example.org" {
			t.Fatalf("ConsumeUserToken = %d, %q, %v", id, email, err)
		}
		_, _, err = db.ConsumeUserToken(ctx, tok, sqldb.PurposeVerify)
		wantCode(t, err, ch.ENOTFOUND)
	})

	t.Run("expired refused", func(t *testing.T) {
		tok, _ := db.CreateUserToken(ctx, ann.ID, sqldb.PurposeReset, ann.Email, 30*time.Minute)
		db.clock.Add(30 * time.Minute)
		_, _, err := db.ConsumeUserToken(ctx, tok, sqldb.PurposeReset)
		wantCode(t, err, ch.ENOTFOUND)
	})

	t.Run("newer token invalidates older", func(t *testing.T) {
		old, _ := db.CreateUserToken(ctx, ann.ID, sqldb.PurposeChangeEmail, "first@example.org", time.Hour)
		other, _ := db.CreateUserToken(ctx, ann.ID, sqldb.PurposeReset, ann.Email, time.Hour)
		newer, _ := db.CreateUserToken(ctx, ann.ID, sqldb.PurposeChangeEmail, "second@example.org", time.Hour)
		_, _, err := db.ConsumeUserToken(ctx, old, sqldb.PurposeChangeEmail)
		wantCode(t, err, ch.ENOTFOUND)
		if _, email, err := db.ConsumeUserToken(ctx, newer, sqldb.PurposeChangeEmail); err != nil || email != "second@example.org" {
			t.Errorf("newest token: %q, %v", email, err)
		}
		if _, _, err := db.ConsumeUserToken(ctx, other, sqldb.PurposeReset); err != nil {
			t.Errorf("a token of another purpose was invalidated: %v", err)
		}
	})
}

func TestAPITokens(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	ann := db.user(t, "ann@example.org", true, ch.RoleCommunityManager)
	bob := db.user(t, "bob@example.org", true)

	tok, err := db.CreateAPIToken(ctx, ann.ID, "laptop")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(tok, "chp_") || len(tok) < 40 {
		t.Errorf("token %q: want chp_ and enough randomness", tok)
	}

	// The secret is shown once and never stored: neither the database nor
	// its write-ahead log holds it. (The files are SQLite's; on PostgreSQL
	// the same statements run.)
	if db.Engine() == "sqlite" {
		checkFilesLackSecret(t, db, tok)
	}
	checkTokensAfterReopen(t, db, tok, ann, bob)
}

func checkFilesLackSecret(t *testing.T, db *testDB, tok string) {
	ctx := context.Background()
	db.Close()
	files, _ := filepath.Glob(filepath.Join(db.dir, "*"))
	if len(files) == 0 {
		t.Fatal("no database files found")
	}
	secret := strings.TrimPrefix(tok, "chp_")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), secret) {
			t.Errorf("%s contains the API token", filepath.Base(f))
		}
	}
	reopened, err := sqldb.Open(ctx, db.dir, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reopened.Close() })
	reopened.Now = db.clock.Now
	db.DB = reopened
}

func checkTokensAfterReopen(t *testing.T, db *testDB, tok string, ann, bob *ch.User) {
	ctx := context.Background()

	list, err := db.APITokens(ctx, ann.ID)
	if err != nil || len(list) != 1 || list[0].Name != "laptop" || list[0].LastUsedAt != nil {
		t.Fatalf("APITokens = %+v, %v", list, err)
	}

	db.clock.Add(90 * time.Second)
	u, err := db.APITokenUser(ctx, tok)
	if err != nil || u.ID != ann.ID || !u.IsCommunityManager() {
		t.Fatalf("APITokenUser = %+v, %v", u, err)
	}
	list, _ = db.APITokens(ctx, ann.ID)
	if list[0].LastUsedAt == nil || !list[0].LastUsedAt.Equal(db.clock.Now().Truncate(time.Minute)) {
		t.Errorf("LastUsedAt = %v, want %v", list[0].LastUsedAt, db.clock.Now().Truncate(time.Minute))
	}
	db.clock.Add(10 * time.Minute)
	db.APITokenUser(ctx, tok)
	list, _ = db.APITokens(ctx, ann.ID)
	if list[0].LastUsedAt == nil || !list[0].LastUsedAt.Equal(db.clock.Now().Truncate(time.Minute)) {
		t.Errorf("LastUsedAt after a later use = %v, want %v", list[0].LastUsedAt, db.clock.Now().Truncate(time.Minute))
	}

	_, err = db.APITokenUser(ctx, "chp_wrong")
	wantCode(t, err, ch.ENOTFOUND)
	_, err = db.APITokenUser(ctx, strings.TrimPrefix(tok, "chp_")) // without its prefix
	wantCode(t, err, ch.ENOTFOUND)

	// Only the owner can revoke a token.
	wantCode(t, db.DeleteAPIToken(ctx, bob.ID, list[0].ID), ch.ENOTFOUND)
	if err := db.DeleteAPIToken(ctx, ann.ID, list[0].ID); err != nil {
		t.Fatal(err)
	}
	_, err = db.APITokenUser(ctx, tok)
	wantCode(t, err, ch.ENOTFOUND)
	wantCode(t, db.DeleteAPIToken(ctx, ann.ID, list[0].ID), ch.ENOTFOUND)
}

func TestImportUsers(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	db.user(t, "taken@example.org", true)
	var users []sqldb.NewUser
	for i := range 1203 { // more than two batches
		users = append(users, sqldb.NewUser{Email: fmt.Sprintf("Member%04d@Example.org", i), Name: fmt.Sprintf("Member %d", i), PasswordHash: "x", Verified: i%2 == 0})
	}
	users = append(users, sqldb.NewUser{Email: "taken@example.org", Name: "Someone else", PasswordHash: "x"})
	n, err := db.ImportUsers(ctx, users)
	if err != nil || n != 1203 {
		t.Fatalf("ImportUsers = %d, %v; want 1203 added and the taken address skipped", n, err)
	}
	u, _, err := db.UserByEmail(ctx, "member1202@example.org")
	if err != nil || u.Name != "Member 1202" || !u.Verified() {
		t.Fatalf("imported account = %+v, %v", u, err)
	}
	if u, _, _ := db.UserByEmail(ctx, "member0001@example.org"); u.Verified() {
		t.Error("an unverified import came out verified")
	}
	if u, _, _ := db.UserByEmail(ctx, "taken@example.org"); u.Name == "Someone else" {
		t.Error("an import overwrote an existing account")
	}
}

// Nodes started together migrate one at a time and all come up.
func TestConcurrentMigrate(t *testing.T) {
	dir, url := t.TempDir(), sqldbtest.URL(t)
	errs := make(chan error, 3)
	for range 3 {
		go func() {
			db, err := sqldb.Open(context.Background(), dir, url)
			if err != nil {
				errs <- err
				return
			}
			defer db.Close()
			_, err = db.Migrate(context.Background())
			errs <- err
		}()
	}
	for range 3 {
		if err := <-errs; err != nil {
			t.Errorf("concurrent Migrate: %v", err)
		}
	}
}
