package sqldb_test

import (
	"context"
	"slices"
	"testing"

	ch "chapterhouse"
	"chapterhouse/sqldb"
)

// officialGroup makes a group that meets every step of the default program
// and is granted official status.
func officialGroup(t *testing.T, db *testDB, who people, p ch.Program) *ch.Group {
	t.Helper()
	ctx := context.Background()
	g := db.listed(t, fullApplication(t, "Lyon Gophers"), who.owner, who.cm)
	recordMonthly(t, db, g.Slug, 12, who.owner)
	must(t, db.AddAmbassador(ctx, g.Slug, who.amb.ID, who.amb, nil))
	passSteps(t, db, g.Slug, who.cm, ch.RoleCommunityManager, "organisation", "channels", "meetings")
	passSteps(t, db, g.Slug, who.amb, ch.RoleAmbassador, "organisation", "channels", "meetings")
	g, err := db.GrantOfficial(ctx, g.Slug, "", p, who.cm, nil)
	must(t, err)
	return g
}

// follow runs FollowFacts and returns the ids of the steps it told about.
func follow(t *testing.T, db *testDB, slug string, p ch.Program) []string {
	t.Helper()
	var told []string
	calls := 0
	c, err := db.FollowFacts(context.Background(), slug, p, func(g *ch.Group, newly []ch.StepResult, _, _ []*ch.User) []ch.Mail {
		calls++
		for _, r := range newly {
			told = append(told, r.Step.ID)
		}
		return []ch.Mail{{To: "org@example.org", Subject: "Lapsed: " + g.Name, Body: "."}}
	})
	must(t, err)
	if calls > 1 {
		t.Errorf("notify called %d times", calls)
	}
	if got := len(c.Newly); got != len(told) {
		t.Errorf("the change has %d new steps, notify was told %d", got, len(told))
	}
	return told
}

func lapsedSteps(t *testing.T, db *testDB, p ch.Program) map[string][]string {
	t.Helper()
	ls, err := db.Lapses(context.Background(), p)
	must(t, err)
	out := map[string][]string{}
	for _, l := range ls {
		out[l.Group.Slug] = l.Lapse.Steps
	}
	return out
}

func TestFollowFacts(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	p := ch.DefaultProgram()
	who := newPeople(t, db)
	g := officialGroup(t, db, who, p)
	if told := follow(t, db, g.Slug, p); told != nil {
		t.Fatalf("an official group meeting every step: told %v", told)
	}

	// A coordinator leaves: the organisation step fails, told once.
	app := ch.ApplicationOf(g)
	app.Coordinators = app.Coordinators[:1]
	_, err := db.UpdateGroup(ctx, g.Slug, app, who.owner, nil)
	must(t, err)
	if told := follow(t, db, g.Slug, p); !slices.Equal(told, []string{"organisation"}) {
		t.Fatalf("after a coordinator left: told %v", told)
	}
	if told := follow(t, db, g.Slug, p); told != nil {
		t.Errorf("told again: %v", told)
	}
	if got := lapsedSteps(t, db, p)[g.Slug]; !slices.Equal(got, []string{"organisation"}) {
		t.Errorf("the queue lists %v", got)
	}
	loaded, err := db.GroupBySlug(ctx, g.Slug)
	must(t, err)
	if loaded.Status != ch.StatusOfficial {
		t.Errorf("the group became %s: nothing is revoked automatically", loaded.Status)
	}

	// Its mentor leaves too: told about that step only.
	must(t, db.RemoveAmbassador(ctx, g.Slug, who.amb.ID, who.cm, nil))
	if told := follow(t, db, g.Slug, p); !slices.Equal(told, []string{"mentor"}) {
		t.Errorf("after the mentor left: told %v", told)
	}
	if got := lapsedSteps(t, db, p)[g.Slug]; !slices.Equal(got, []string{"organisation", "mentor"}) {
		t.Errorf("the queue lists %v", got)
	}

	// Put right: the lapse goes, and the history says so.
	app.Coordinators = fullApplication(t, "Lyon Gophers").Coordinators
	_, err = db.UpdateGroup(ctx, g.Slug, app, who.owner, nil)
	must(t, err)
	must(t, db.AddAmbassador(ctx, g.Slug, who.amb.ID, who.amb, nil))
	if told := follow(t, db, g.Slug, p); told != nil {
		t.Errorf("put right: told %v", told)
	}
	if got := lapsedSteps(t, db, p); len(got) != 0 {
		t.Errorf("the queue still lists %v", got)
	}
	events, err := db.GroupEvents(ctx, g.ID)
	must(t, err)
	var kinds []ch.EventKind
	for _, e := range events {
		if e.Kind == ch.EventStepsLapsed || e.Kind == ch.EventStepsMetAgain {
			kinds = append(kinds, e.Kind)
		}
	}
	if !slices.Equal(kinds, []ch.EventKind{ch.EventStepsLapsed, ch.EventStepsLapsed, ch.EventStepsMetAgain}) {
		t.Errorf("history %v", kinds)
	}

	// Time alone: a year on, validations and meetings are stale.
	db.clock.Add(400 * 24 * 3600e9)
	if told := follow(t, db, g.Slug, p); len(told) == 0 {
		t.Error("a year without meetings or fresh validations: told nothing")
	}
	follows, err := db.GroupsToFollow(ctx)
	must(t, err)
	if len(follows) != 1 || follows[0].Slug != g.Slug {
		t.Errorf("groups to follow: %v", follows)
	}

	// Revoked, the lapse goes: it is the decision the queue asked for.
	_, err = db.ChangeStatus(ctx, g.Slug, ch.StatusRevoked, "No meetings for a year.", who.cm, nil)
	must(t, err)
	if follows, _ = db.GroupsToFollow(ctx); len(follows) != 1 {
		t.Errorf("a revoked group with a lapse is not followed: %v", follows)
	}
	follow(t, db, g.Slug, p)
	if got := lapsedSteps(t, db, p); len(got) != 0 {
		t.Errorf("a revoked group is still in the queue: %v", got)
	}
	if follows, _ = db.GroupsToFollow(ctx); len(follows) != 0 {
		t.Errorf("groups to follow after the revocation: %v", follows)
	}
}

func TestRenameOfficialGroup(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	p := ch.DefaultProgram()
	who := newPeople(t, db)
	g := officialGroup(t, db, who, p)
	pending := func() []sqldb.RenamedGroup {
		t.Helper()
		rs, err := db.PendingRenames(ctx)
		must(t, err)
		return rs
	}
	rename := func(name, short string) {
		t.Helper()
		app := ch.ApplicationOf(g)
		app.Name, app.ShortName = name, short
		_, err := db.UpdateGroup(ctx, g.Slug, app, who.owner, nil)
		must(t, err)
	}
	_, err := db.DecideRename(ctx, g.Slug, ch.RenameAccept, "", who.cm, func(ch.Rename) ch.Notify { return nil })
	wantCode(t, err, ch.ECONFLICT)

	rename("Gophers of Lyon", "GoLyon")
	rename("Lyon Go Club", "LGC")
	rs := pending()
	if len(rs) != 1 || rs[0].Rename.OldName != "Lyon Gophers" || rs[0].Rename.NewName != "Lyon Go Club" || rs[0].Rename.ByName != who.owner.Name {
		t.Fatalf("pending renames %+v", rs)
	}
	rename("Lyon Gophers", g.ShortName)
	if rs := pending(); len(rs) != 0 {
		t.Errorf("renamed back, still pending: %+v", rs)
	}

	rename("Lyon Go Club", "LGC")
	var decided ch.Rename
	g2, err := db.DecideRename(ctx, g.Slug, ch.RenameRollBack, "The program knows the group by its name.", who.cm, func(r ch.Rename) ch.Notify {
		decided = r
		return notifyTo(who.owner.Email)
	})
	must(t, err)
	if g2.Name != "Lyon Gophers" || g2.ShortName != g.ShortName || decided.NewName != "Lyon Go Club" {
		t.Errorf("rolled back to %q (%q); the rename told was %+v", g2.Name, g2.ShortName, decided)
	}
	if loaded, _ := db.GroupBySlug(ctx, g.Slug); loaded.Name != "Lyon Gophers" {
		t.Errorf("stored name %q", loaded.Name)
	}
	if rs := pending(); len(rs) != 0 {
		t.Errorf("decided, still pending: %+v", rs)
	}
	if got := outbox(t, db); !slices.Contains(got, who.owner.Email+": About Lyon Gophers / Status: official") {
		t.Errorf("outbox %v: the organizer was not told of the name restored", got)
	}

	// A group that is not official renames freely.
	other := db.listed(t, fullApplication(t, "Zurich Gophers"), who.owner, who.cm)
	app := ch.ApplicationOf(other)
	app.Name = "Gophers of Zurich"
	_, err = db.UpdateGroup(ctx, other.Slug, app, who.owner, nil)
	must(t, err)
	if rs := pending(); len(rs) != 0 {
		t.Errorf("a new group's rename waits for review: %+v", rs)
	}
}
