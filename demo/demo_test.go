package demo

import (
	"context"
	"slices"
	"testing"
	"time"

	ch "chapterhouse"
	"chapterhouse/password"
	"chapterhouse/sqldb"
	"chapterhouse/sqldb/sqldbtest"
)

var cheap = password.NewHasher(password.Params{Time: 1, Memory: 1024, Threads: 1}, 2)

var present = time.Date(2026, 3, 14, 10, 0, 0, 0, time.UTC)

func newDB(tb testing.TB) *sqldb.DB {
	tb.Helper()
	ctx := context.Background()
	db, err := sqldb.Open(ctx, tb.TempDir(), sqldbtest.URL(tb))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		tb.Fatal(err)
	}
	return db
}

// allGroups pages through the directory, every status included.
func allGroups(t *testing.T, db *sqldb.DB) []*ch.Group {
	t.Helper()
	var out []*ch.Group
	f := sqldb.GroupFilter{Statuses: ch.Statuses, Limit: 100}
	for {
		page, err := db.ListGroups(context.Background(), f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, page.Groups...)
		if page.NextCursor == "" {
			return out
		}
		f.Cursor = page.NextCursor
	}
}

func TestShowcase(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	empty, err := Empty(ctx, db)
	if err != nil || !empty {
		t.Fatalf("Empty before seeding = %v, %v; want true", empty, err)
	}
	sentinel := time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return sentinel }

	accounts, err := Seed(ctx, db, cheap, Options{Now: present})
	if err != nil {
		t.Fatal(err)
	}
	if got := db.Now(); !got.Equal(sentinel) {
		t.Errorf("db.Now not restored: %v", got)
	}
	empty, err = Empty(ctx, db)
	if err != nil || empty {
		t.Errorf("Empty after seeding = %v, %v; want false", empty, err)
	}

	groups := allGroups(t, db)
	if len(groups) < 40 {
		t.Errorf("%d groups, want at least 40", len(groups))
	}
	countries := map[string]bool{}
	statuses := map[ch.Status]int{}
	cadences := map[ch.Cadence]bool{}
	official, diverse := 0, 0
	var coordinatorChanges int
	for _, g := range groups {
		countries[g.Country] = true
		statuses[g.Status]++
		cadences[g.Cadence] = true
		if g.CreatedAt.Before(present.AddDate(-3, 0, 0)) || g.CreatedAt.After(present) {
			t.Errorf("%s created at %v, outside the last three years", g.Slug, g.CreatedAt)
		}
		full, err := db.GroupBySlug(ctx, g.Slug)
		if err != nil {
			t.Fatal(err)
		}
		if full.PolicyVersion == 0 {
			t.Errorf("%s did not agree to the Social Media and Event Policy", g.Slug)
		}
		app := ch.ApplicationOf(full)
		app.PolicyAgreed = full.PolicyVersion > 0
		if err := app.Validate(true); err != nil {
			t.Errorf("%s is not a valid application: %v", g.Slug, err)
		}
		if n := len(full.Coordinators); n < 1 || n > 4 {
			t.Errorf("%s has %d coordinators, want 1 to 4", g.Slug, n)
		}
		if g.Status == ch.StatusDeclined && g.DeclineReason == "" {
			t.Errorf("%s declined without a reason", g.Slug)
		}
		if g.Status == ch.StatusOfficial {
			official++
			if employerCount(full.Coordinators) >= 2 {
				diverse++
			}
		}
		events, err := db.GroupEvents(ctx, g.ID)
		if err != nil {
			t.Fatal(err)
		}
		last, final := time.Time{}, ch.Status("")
		for _, e := range events {
			if e.ToStatus != "" {
				final = e.ToStatus
			}
			if e.At.Before(last) || e.At.After(present) {
				t.Errorf("%s: event %s at %v out of order or in the future", g.Slug, e.Kind, e.At)
			}
			last = e.At
			if e.Kind == ch.EventCoordinatorAdded {
				coordinatorChanges++
			}
			if e.Kind == ch.EventStatusChanged && e.ToStatus == ch.StatusRevoked && e.Detail == "" {
				t.Errorf("%s revoked without a reason", g.Slug)
			}
		}
		if final != g.Status {
			t.Errorf("%s: history ends in %q, group is %s", g.Slug, final, g.Status)
		}
	}
	if len(countries) < 12 {
		t.Errorf("groups in %d countries, want at least 12", len(countries))
	}
	for _, s := range []ch.Status{ch.StatusPending, ch.StatusDeclined, ch.StatusNew, ch.StatusOfficial, ch.StatusRevoked, ch.StatusArchived} {
		if statuses[s] == 0 {
			t.Errorf("no group is %s (statuses: %v)", s, statuses)
		}
	}
	if statuses[ch.StatusNew]+statuses[ch.StatusOfficial] < len(groups)/2 {
		t.Errorf("most groups should be new or official: %v", statuses)
	}
	for _, c := range ch.Cadences {
		if !cadences[c] {
			t.Errorf("no group meets %s", c)
		}
	}
	if official == 0 || diverse*4 < official*3 {
		t.Errorf("%d of %d official groups have coordinators from 2 employers or more", diverse, official)
	}
	if coordinatorChanges == 0 {
		t.Error("no coordinator was added after an application")
	}

	wantRoles := map[string]int{RoleCommunityManager: 1, RoleAmbassador: 2, RoleApprover: 1, RoleOrganizer: 1, RoleMember: 1}
	for _, a := range accounts {
		wantRoles[a.Role]--
		u, hash, err := db.UserByEmail(ctx, a.Email)
		if err != nil {
			t.Fatalf("account %s: %v", a.Email, err)
		}
		if !u.Verified() || u.Name != a.Name || a.Password != DefaultPassword {
			t.Errorf("account %+v: verified %v, name %q", a, u.Verified(), u.Name)
		}
		if ok, err := cheap.Check(ctx, a.Password, hash); !ok || err != nil {
			t.Errorf("%s: password does not match: %v", a.Email, err)
		}
		mine, err := db.GroupsOf(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		switch a.Role {
		case RoleCommunityManager:
			if !u.Has(ch.RoleCommunityManager) {
				t.Errorf("%s lacks the community manager role: %v", a.Email, u.Roles)
			}
		case RoleAmbassador:
			if !u.Has(ch.RoleAmbassador) {
				t.Errorf("%s lacks the ambassador role: %v", a.Email, u.Roles)
			}
		case RoleApprover:
			if !u.Has(ch.RoleApprover) {
				t.Errorf("%s lacks the approver role: %v", a.Email, u.Roles)
			}
		case RoleOrganizer:
			if len(u.Roles) != 0 || len(mine) < 3 {
				t.Errorf("organizer %s: roles %v, coordinates %d groups", a.Email, u.Roles, len(mine))
			}
			for _, g := range mine {
				if g, err := db.GroupBySlug(ctx, g.Slug); err != nil || !g.HasCoordinator(u) {
					t.Errorf("%s is not an organizer of %s", a.Email, g.Slug)
				}
			}
		case RoleMember:
			if len(u.Roles) != 0 || len(mine) != 0 {
				t.Errorf("member %s: roles %v, coordinates %d groups", a.Email, u.Roles, len(mine))
			}
		}
	}
	for role, n := range wantRoles {
		if n != 0 {
			t.Errorf("%d accounts too few with role %s", n, role)
		}
	}
	if cm, _, _ := db.UserByEmail(ctx, "cm@demo.chapterhouse.example"); cm == nil || !cm.IsCommunityManager() {
		t.Error("no community manager at cm@demo.chapterhouse.example")
	}

	// The demo accounts exist now: seeding again fails instead of mixing programs.
	if _, err := Seed(ctx, db, cheap, Options{Now: present}); err == nil {
		t.Error("seeding a database twice succeeded")
	}
}

func TestSeedMany(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	if _, err := Seed(ctx, db, cheap, Options{Groups: 500, Members: 1500, Now: present, Seed: 7}); err != nil {
		t.Fatal(err)
	}
	u, _, err := db.UserByEmail(ctx, "member001500@members.demo.chapterhouse.example")
	if err != nil || !u.Verified() || len(u.Roles) != 0 || u.Name == "" {
		t.Errorf("the last member = %+v, %v; want a verified account without roles", u, err)
	}
	groups := allGroups(t, db)
	if len(groups) != 500 {
		t.Fatalf("%d groups, want 500", len(groups))
	}
	slugs := map[string]bool{}
	statuses := map[ch.Status]bool{}
	for _, g := range groups {
		if slugs[g.Slug] {
			t.Errorf("slug %s twice", g.Slug)
		}
		slugs[g.Slug] = true
		statuses[g.Status] = true
		// Names are distinct enough that no slug needed a number to be unique.
		if g.Slug != ch.Slugify(g.Name) {
			t.Errorf("%q has slug %s", g.Name, g.Slug)
		}
	}
	for _, s := range []ch.Status{ch.StatusPending, ch.StatusDeclined, ch.StatusNew, ch.StatusOfficial, ch.StatusRevoked, ch.StatusArchived} {
		if !statuses[s] {
			t.Errorf("no group is %s", s)
		}
	}
}

func TestSeedFew(t *testing.T) {
	db := newDB(t)
	if _, err := Seed(context.Background(), db, cheap, Options{Groups: 5, Now: present}); err != nil {
		t.Fatal(err)
	}
	if n := len(allGroups(t, db)); n != 5 {
		t.Errorf("%d groups, want 5", n)
	}
}

func TestReproducible(t *testing.T) {
	ctx := context.Background()
	names := func() []string {
		db := newDB(t)
		if _, err := Seed(ctx, db, cheap, Options{Groups: 80, Now: present, Seed: 3}); err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, g := range allGroups(t, db) {
			out = append(out, g.Slug+" "+string(g.Status)+" "+g.CreatedAt.Format(time.RFC3339))
		}
		return out
	}
	if a, b := names(), names(); !slices.Equal(a, b) {
		t.Errorf("the same seed gave different programs:\n%v\n%v", a, b)
	}
}

func BenchmarkSeed10000(b *testing.B) {
	ctx := context.Background()
	for b.Loop() {
		db := newDB(b)
		if _, err := Seed(ctx, db, cheap, Options{Groups: 10000, Now: present}); err != nil {
			b.Fatal(err)
		}
		db.Close()
	}
}
