package demo

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	ch "chapterhouse"
	"chapterhouse/password"
	"chapterhouse/sqldb"
	"chapterhouse/sqldb/sqldbtest"
	"chapterhouse/workflow"
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
	f := ch.GroupFilter{Statuses: ch.Statuses, Limit: 100}
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
	db.Now = func() time.Time { return present }
	counts := checkFollowsProcess(t, db)
	t.Logf("queue: %d waiting, %d ready; %d want a mentor", counts.waiting, counts.ready, counts.wantMentor)
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
		// Names are distinct enough that no slug needed a number to be
		// unique; applications not listed carry a random suffix.
		if want := ch.Slugify(g.Name); g.Slug != want && (g.Status.Public() || !strings.HasPrefix(g.Slug, want+"-")) {
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

// TestFollowsProcess checks that the demo keeps its own rules: official
// status follows the facts, so every official group meets every step and
// the periodic sweep finds nothing to tell anyone; the queues show work a
// community manager and the ambassadors would really do.
func TestFollowsProcess(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	_, s, err := seed(ctx, db, cheap, Options{Now: present})
	if err != nil {
		t.Fatal(err)
	}
	if s.historyGrants != 0 {
		t.Errorf("%d showcase grants were written as history: their steps were not met", s.historyGrants)
	}
	db.Now = func() time.Time { return present }
	counts := checkFollowsProcess(t, db)

	amb, _, err := db.UserByEmail(ctx, "ambassador@demo.chapterhouse.example")
	if err != nil {
		t.Fatal(err)
	}
	mentored, err := db.MentoredGroups(ctx, amb.ID)
	if err != nil {
		t.Fatal(err)
	}
	byStatus := map[ch.Status]int{}
	for _, g := range mentored {
		byStatus[g.Status]++
	}
	if byStatus[ch.StatusOfficial] == 0 || byStatus[ch.StatusNew] == 0 || len(mentored) > 10 {
		t.Errorf("the demo ambassador mentors %d groups (%v), want a handful, official and new ones", len(mentored), byStatus)
	}
	ambassadors, err := db.UsersWithRole(ctx, ch.RoleAmbassador)
	if err != nil {
		t.Fatal(err)
	}
	if len(ambassadors) < 4 {
		t.Errorf("%d ambassadors, want several", len(ambassadors))
	}

	// Real work in the queues, and not too much of it.
	if counts.waiting < 2 || counts.waiting > 10 || counts.ready < 1 || counts.ready > 4 {
		t.Errorf("the review queue lists %d groups waiting for a validation and %d ready for a decision; want a handful and a few",
			counts.waiting, counts.ready)
	}
	if counts.wantMentor < 1 || counts.wantMentor > 6 {
		t.Errorf("%d groups want a mentor, want a few", counts.wantMentor)
	}
	t.Logf("queue: %d waiting, %d ready; %d want a mentor; the demo ambassador mentors %d groups %v",
		counts.waiting, counts.ready, counts.wantMentor, len(mentored), byStatus)

	// The organizer's official group is the one people look at first.
	lyon, err := db.GroupBySlug(ctx, "lyon-python-user-group")
	if err != nil {
		t.Fatal(err)
	}
	meetings, err := db.RecordedMeetings(ctx, lyon.ID)
	if err != nil {
		t.Fatal(err)
	}
	if lyon.Status != ch.StatusOfficial || len(meetings) < 12 {
		t.Errorf("Lyon Python User Group is %s with %d recorded meetings", lyon.Status, len(meetings))
	}
	for _, m := range meetings {
		if m.Title == "" || !slices.Contains(ch.MeetingFormats, m.Format) || m.HeldOn.After(present) || m.RecordedAt.Before(m.HeldOn) {
			t.Errorf("implausible meeting %+v", m)
		}
	}
}

type processCounts struct{ waiting, ready, wantMentor int }

// checkFollowsProcess checks, at the database's present, what every demo
// program must hold: a sweep of official groups lapses none and mails
// nobody, every official group meets every step, official groups are not
// waiting for validations, only new groups want a mentor, and the facts of
// revoked and declined groups agree with the reasons they were given.
func checkFollowsProcess(t *testing.T, db *sqldb.DB) processCounts {
	t.Helper()
	ctx := context.Background()
	p := ch.DefaultProgram()
	// The demo leaves no lapse recorded: an official group's lapse ends
	// when its steps are met again, any other group's when a sweep sees it.
	follow, err := db.GroupsToFollow(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range follow {
		if g.Status != ch.StatusOfficial {
			t.Errorf("%s is %s and still has a lapse recorded", g.Slug, g.Status)
		}
	}
	if lapses, err := db.Lapses(ctx, p); err != nil || len(lapses) != 0 {
		t.Errorf("%d official groups have a lapse recorded (%v)", len(lapses), err)
	}

	flows := workflow.New(db, cheap, ch.DefaultProgram(), "http://x", slog.New(slog.NewTextHandler(io.Discard, nil)))
	lapsed, err := flows.SweepOfficial(ctx)
	if err != nil || lapsed != 0 {
		t.Errorf("SweepOfficial = %d, %v; want no official group lapsed", lapsed, err)
	}
	if n, err := db.OutboxPending(ctx); err != nil || n != 0 {
		t.Errorf("%d mails in the outbox (%v), want none", n, err)
	}

	var counts processCounts
	for _, g := range allGroups(t, db) {
		full, err := db.GroupBySlug(ctx, g.Slug)
		if err != nil {
			t.Fatal(err)
		}
		_, results, err := db.Checklist(ctx, full, p)
		if err != nil {
			t.Fatal(err)
		}
		state := func(id string) ch.StepState {
			for _, r := range results {
				if r.Step.ID == id {
					return r.State
				}
			}
			return ""
		}
		switch g.Status {
		case ch.StatusOfficial:
			for _, r := range results {
				if !r.State.Satisfied() {
					t.Errorf("official %s: step %s is %s: %s", g.Slug, r.Step.ID, r.State, r.Next)
				}
			}
		case ch.StatusRevoked:
			events, err := db.GroupEvents(ctx, g.ID)
			if err != nil {
				t.Fatal(err)
			}
			reason := ""
			for _, e := range events {
				if e.ToStatus == ch.StatusRevoked {
					reason = e.Detail
				}
			}
			if ch.AllMet(results) {
				t.Errorf("revoked %s meets every step, yet was revoked: %q", g.Slug, reason)
			}
			switch reason {
			case revokeReasons[revokeQuiet]:
				if s := state("meetings"); s != ch.StepNotMet {
					t.Errorf("revoked %s for want of meetings, but its meetings step is %s", g.Slug, s)
				}
			case revokeReasons[revokeAlone]:
				if len(full.Coordinators) != 1 {
					t.Errorf("revoked %s for want of a team, but it has %d coordinators", g.Slug, len(full.Coordinators))
				}
			case revokeReasons[revokeVendor]:
				vals, err := db.Validations(ctx, g.ID)
				if err != nil {
					t.Fatal(err)
				}
				i := slices.IndexFunc(vals, func(v ch.Validation) bool { return v.StepID == "meetings" && v.Verdict == ch.VerdictNeedsWork })
				if s := state("meetings"); i < 0 || s.Satisfied() {
					t.Errorf("revoked %s for promotional meetings, but its meetings step is %s without a verdict asking for changes", g.Slug, s)
				}
			default:
				t.Errorf("revoked %s for an unknown reason %q", g.Slug, reason)
			}
		case ch.StatusDeclined:
			switch g.DeclineReason {
			case declineReasons[declineSingle]:
				if len(full.Coordinators) != 1 {
					t.Errorf("declined %s for a single coordinator, but it lists %d", g.Slug, len(full.Coordinators))
				}
			case declineReasons[declineVague]:
				if strings.Contains(full.Description, "We meet") {
					t.Errorf("declined %s for a vague description, but it says how it meets", g.Slug)
				}
			case declineReasons[declineVendor]:
				if employerCount(full.Coordinators) != 1 {
					t.Errorf("declined %s for one vendor's promotion, but its coordinators work for %d employers", g.Slug, employerCount(full.Coordinators))
				}
			}
			if strings.Contains(g.DeclineReason, "no public channel") && len(full.Channels) > 0 {
				t.Errorf("declined %s for listing no channel, but it lists %d", g.Slug, len(full.Channels))
			}
		}
	}

	queue, err := db.ValidationQueue(ctx, p, ch.QueueFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, item := range queue {
		if item.Group.Status == ch.StatusOfficial && len(item.Waiting) > 0 {
			t.Errorf("official %s waits in the queue: %s is %s", item.Group.Slug, item.Waiting[0].Step.ID, item.Waiting[0].State)
		}
		if item.ReadyToGrant {
			counts.ready++
		}
		if len(item.Waiting) > 0 {
			counts.waiting++
		}
	}
	wanting, err := db.GroupsWantingMentor(ctx, p, 500)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range wanting {
		if g.Status != ch.StatusNew {
			t.Errorf("%s is %s and wants a mentor", g.Slug, g.Status)
		}
	}
	counts.wantMentor = len(wanting)
	return counts
}

// TestPlanFollowsProcess plans large programs without writing them (which
// takes a minute) and checks each group's story by the domain's own rules:
// every group official at the present meets every step then.
func TestPlanFollowsProcess(t *testing.T) {
	ctx := context.Background()
	for _, o := range []Options{{Groups: 10000, Seed: 1}, {Groups: 3000, Seed: 5}} {
		o.Now = present
		o = o.withDefaults()
		s := newSeeder(nil, "", o)
		s.policy, s.reqs = 1, ch.DefaultRequirements
		if _, err := s.accounts(ctx, o.Password); err != nil {
			t.Fatal(err)
		}
		specs, err := s.groups(ctx, o.Groups)
		if err != nil {
			t.Fatal(err)
		}
		official, lapseSoon := 0, 0
		for _, g := range specs {
			s.story(g)
			if s.milestones(g).officialNow(s.now) {
				official++
				// A demo left running a month without anyone recording
				// a meeting or validating a step stays consistent.
				if !ch.AllMet(s.evaluate(g, s.now.AddDate(0, 1, 0))) {
					lapseSoon++
				}
			}
			g.steps = nil
		}
		if s.unmetNow != 0 || s.historyGrants != 0 || official < o.Groups/4 || lapseSoon != 0 {
			t.Errorf("%d groups, seed %d: %d of %d official groups miss a step at present, %d a month later; %d showcase grants written as history",
				o.Groups, o.Seed, s.unmetNow, official, lapseSoon, s.historyGrants)
		}
	}
}
