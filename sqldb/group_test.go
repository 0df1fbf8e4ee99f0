package sqldb_test

import (
	"context"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	ch "chapterhouse"
)

type eventLine struct {
	Kind     ch.EventKind
	From, To ch.Status
	Detail   string
}

func events(t *testing.T, db *testDB, groupID int64) []eventLine {
	t.Helper()
	evs, err := db.GroupEvents(context.Background(), groupID)
	if err != nil {
		t.Fatal(err)
	}
	var out []eventLine
	for _, e := range evs {
		out = append(out, eventLine{e.Kind, e.FromStatus, e.ToStatus, e.Detail})
	}
	return out
}

func notifyTo(to ...string) ch.Notify {
	return func(g *ch.Group) []ch.Mail {
		var out []ch.Mail
		for _, addr := range to {
			out = append(out, ch.Mail{To: addr, Subject: "About " + g.Name, Body: "Status: " + string(g.Status)})
		}
		return out
	}
}

func outbox(t *testing.T, db *testDB) []string {
	t.Helper()
	entries, err := db.Outbox(context.Background(), 100)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.To+": "+e.Subject+" / "+e.Body)
	}
	slices.Reverse(out) // oldest first
	return out
}

func TestCreateGroup(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	policy, err := db.CurrentPolicy(ctx, ch.PolicySocialMedia)
	if err != nil {
		t.Fatal(err)
	}
	applicant := db.user(t, "applicant@example.org", true)

	lat, lon := 45.76, 4.84
	app := application(t, "Lyon Gophers")
	app.ShortName = "LyGo"
	app.Latitude, app.Longitude = &lat, &lon
	app.OrganiserEmails = []string{"z@example.org", "a@example.org", "m@example.org"}
	app.URLs = []string{"https://z.example.org", "https://a.example.org"}
	app.Channels = []ch.Channel{{Type: "social", URL: "https://social.example.org/@lygo"}, {Type: "chat", URL: "https://chat.example.org"}}
	app.Coordinators = []ch.Coordinator{
		{Email: "zoe@example.org", Name: "Zoé", Employer: "Zeta"},
		{Email: "applicant@example.org", Name: "The Applicant", Employer: "ACME"},
		{Email: "bob@example.org", Name: "Bob"},
	}
	g, err := db.CreateGroup(ctx, app, applicant, notifyTo("cm@example.org", "applicant@example.org"))
	if err != nil {
		t.Fatal(err)
	}

	if !strings.HasPrefix(g.Slug, "lyon-gophers-") || g.Status != ch.StatusPending || g.CreatedBy != applicant.ID {
		t.Errorf("slug %q, status %q, created by %d", g.Slug, g.Status, g.CreatedBy)
	}
	if !g.CreatedAt.Equal(db.clock.Now()) || !g.UpdatedAt.Equal(db.clock.Now()) {
		t.Errorf("created %v, updated %v, want %v", g.CreatedAt, g.UpdatedAt, db.clock.Now())
	}
	if g.PolicyVersion != policy.Version {
		t.Errorf("PolicyVersion = %d, want the current %d", g.PolicyVersion, policy.Version)
	}

	loaded, err := db.GroupBySlug(ctx, g.Slug)
	if err != nil {
		t.Fatal(err)
	}
	app.PolicyAgreed = false // the edit form never ticks the box for the organizer
	for name, got := range map[string]*ch.Group{"returned": g, "loaded": loaded} {
		back := ch.ApplicationOf(got)
		if !reflect.DeepEqual(back, app) {
			t.Errorf("%s group does not round-trip:\n got %+v\nwant %+v", name, back, app)
		}
		if got.Latitude == nil || *got.Latitude != lat || *got.Longitude != lon {
			t.Errorf("%s coordinates = %v, %v", name, got.Latitude, got.Longitude)
		}
	}

	if got, want := events(t, db, g.ID), []eventLine{{ch.EventApplied, "", ch.StatusPending, ""}}; !slices.Equal(got, want) {
		t.Errorf("history = %v, want %v", got, want)
	}
	evs, _ := db.GroupEvents(ctx, g.ID)
	if evs[0].ActorID != applicant.ID || evs[0].ActorName != applicant.Name || !evs[0].At.Equal(db.clock.Now()) {
		t.Errorf("applied event %+v", evs[0])
	}

	want := []string{
		"cm@example.org: About Lyon Gophers / Status: pending",
		"applicant@example.org: About Lyon Gophers / Status: pending",
	}
	if got := outbox(t, db); !slices.Equal(got, want) {
		t.Errorf("outbox = %q, want %q", got, want)
	}

	_, err = db.GroupBySlug(ctx, "no-such-group")
	wantCode(t, err, ch.ENOTFOUND)
}

func TestCreateGroupPolicyAgreement(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	u := db.user(t, "ann@example.org", true)
	if _, err := db.CurrentPolicy(ctx, ch.PolicySocialMedia); err != nil {
		t.Fatal(err)
	}
	before := db.group(t, application(t, "Before Group"), u)
	v, err := db.PublishPolicy(ctx, ch.PolicySocialMedia, "# Policy v2", u.ID)
	if err != nil {
		t.Fatal(err)
	}
	after := db.group(t, application(t, "After Group"), u)
	app := application(t, "Editing Group")
	app.PolicyAgreed = false
	none := db.group(t, app, u)

	if before.PolicyVersion != v-1 || after.PolicyVersion != v || none.PolicyVersion != 0 {
		t.Errorf("policy versions: %d, %d, %d; want %d, %d, 0", before.PolicyVersion, after.PolicyVersion, none.PolicyVersion, v-1, v)
	}
	if reloaded, _ := db.GroupBySlug(ctx, before.Slug); reloaded.PolicyVersion != v-1 {
		t.Errorf("an earlier agreement moved to version %d after a new policy", reloaded.PolicyVersion)
	}
}

// An application's slug is its name's with a random suffix, whatever else
// exists, so it shows nothing of hidden (pending, declined) groups; when
// listed, a group takes its name's plain slug, numbered among the slugs
// taken, and its earlier slug keeps leading to it.
func TestCreateGroupSlugs(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	u := db.user(t, "ann@example.org", true)
	cm := db.user(t, "cm@example.org", true, ch.RoleCommunityManager)
	hidden := regexp.MustCompile(`^(.+)-[a-z2-7]{8}$`)

	// A declined and a pending application of the same name change nothing
	// of what the next applicant gets.
	declined := db.group(t, application(t, "Lyon Gophers"), u)
	_, err := db.ReviewGroup(ctx, declined.Slug, ch.Decline, "Duplicate", cm, nil)
	must(t, err)
	pending := db.group(t, application(t, "Lyon Gophers"), u)

	var got, early []string
	for _, name := range []string{"Lyon Gophers", "Lyon Gophers", "Lyon  GOPHERS!", "Lyon Gophers 2", "Lyon Gophers", "東京都", "大阪府", "New", "Zürich"} {
		g := db.group(t, application(t, name), u)
		if m := hidden.FindStringSubmatch(g.Slug); m == nil || m[1] != ch.Slugify(name) {
			t.Errorf("the application %q has the slug %q, want its name's with a random suffix", name, g.Slug)
		}
		if slices.Contains(early, g.Slug) || g.Slug == pending.Slug || g.Slug == declined.Slug {
			t.Errorf("slug %q given twice", g.Slug)
		}
		early = append(early, g.Slug)
		listed, err := db.ReviewGroup(ctx, g.Slug, ch.Accept, "", cm, nil)
		must(t, err)
		got = append(got, listed.Slug)
	}
	want := []string{"lyon-gophers", "lyon-gophers-2", "lyon-gophers-3", "lyon-gophers-2-2", "lyon-gophers-4", "group", "group-2", "new-2", "zurich"}
	if !slices.Equal(got, want) {
		t.Errorf("listed slugs = %v, want %v", got, want)
	}
	for i, s := range want {
		for _, slug := range []string{s, early[i]} {
			if g, err := db.GroupBySlug(ctx, slug); err != nil || g.Slug != s {
				t.Errorf("GroupBySlug(%s) = %v, %v; want the group at %s", slug, g, err, s)
			}
		}
	}
	// Writes find a group by its earlier slug too.
	_, err = db.ChangeStatus(ctx, early[0], ch.StatusArchived, "Merged", cm, nil)
	must(t, err)
	for _, slug := range []string{pending.Slug, declined.Slug} {
		if g, err := db.GroupBySlug(ctx, slug); err != nil || g.Slug != slug {
			t.Errorf("hidden group %s: %v, %v", slug, g, err)
		}
	}
}

// Applications made before slugs were random (before migration 006) hold
// their name's plain slug or a number after it. The migration gives every
// hidden one a random suffix and keeps no earlier slug for it, so a group
// listed later under the same name takes the plain slug, showing nothing of
// them; listed groups keep their slugs.
func TestMigrationMovesHiddenSlugs(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	raw := db.raw(t)
	u := db.user(t, "ann@example.org", true)
	cm := db.user(t, "cm@example.org", true, ch.RoleCommunityManager)
	exec := func(query string, args ...any) {
		t.Helper()
		if _, err := raw.ExecContext(ctx, query, args...); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
	}

	// The database as it stood before 006: hidden groups of every hidden
	// status on the slugs they were given then.
	listed := db.listed(t, application(t, "Lyon Gophers"), u, cm)
	old := map[int64]string{}
	for _, s := range ch.Statuses {
		if s.Public() {
			continue
		}
		g := db.group(t, application(t, "Paris Gophers"), u)
		old[g.ID] = "paris-gophers"
		if n := len(old); n > 1 {
			old[g.ID] = fmt.Sprintf("paris-gophers-%d", n)
		}
		exec(`UPDATE groups SET slug = $1, status = $2 WHERE id = $3`, old[g.ID], s, g.ID)
	}
	rust := db.group(t, application(t, "Lyon Rustaceans"), u)
	old[rust.ID] = "lyon-rustaceans"
	exec(`UPDATE groups SET slug = $1 WHERE id = $2`, old[rust.ID], rust.ID)
	exec(`DROP TABLE group_slugs`)
	exec(`DROP TABLE coordinator_terms`)
	exec(`DELETE FROM schema_migrations WHERE version = '006_coordinator_history'`)
	if n, err := db.Migrate(ctx); err != nil || n != 1 {
		t.Fatalf("Migrate = %d, %v; want 006 applied again", n, err)
	}

	now := map[int64]string{}
	for id, was := range old {
		var slug string
		if err := raw.QueryRowContext(ctx, `SELECT slug FROM groups WHERE id = $1`, id).Scan(&slug); err != nil {
			t.Fatal(err)
		}
		if !regexp.MustCompile(`^` + regexp.QuoteMeta(was) + `-[0-9a-f]{8}$`).MatchString(slug) {
			t.Errorf("hidden group %s has the slug %q after the migration, want it with a random suffix", was, slug)
		}
		if _, err := db.GroupBySlug(ctx, was); ch.ErrorCode(err) != ch.ENOTFOUND {
			t.Errorf("GroupBySlug(%s) after the migration: %v, want not found", was, err)
		}
		if g, err := db.GroupBySlug(ctx, slug); err != nil || g.ID != id {
			t.Errorf("GroupBySlug(%s) = %v, %v; want group %d", slug, g, err, id)
		}
		now[id] = slug
	}
	if g, err := db.GroupBySlug(ctx, "lyon-gophers"); err != nil || g.ID != listed.ID {
		t.Errorf("the listed group lost its slug: %v, %v", g, err)
	}
	if g := db.listed(t, application(t, "Paris Gophers"), u, cm); g.Slug != "paris-gophers" {
		t.Errorf("a group listed beside hidden ones of its name has the slug %q, want paris-gophers", g.Slug)
	}
	if g, err := db.ReviewGroup(ctx, "lyon-rustaceans", ch.Accept, "", cm, nil); ch.ErrorCode(err) != ch.ENOTFOUND {
		t.Errorf("accepting by the slug the migration took away: %v, %v", g, err)
	}
	if g, err := db.ReviewGroup(ctx, now[rust.ID], ch.Accept, "", cm, nil); err != nil || g.Slug != "lyon-rustaceans" {
		t.Errorf("an application from before the migration, accepted: %v, %v; want the slug lyon-rustaceans", g, err)
	}
}

// A group that already holds its name's slug when it is listed, as its
// slug or an earlier one, keeps it rather than moving to "-2" away from
// itself.
func TestListedSlugKeepsItsOwn(t *testing.T) {
	for _, tc := range []struct {
		name, hold string
	}{
		{"slug", `UPDATE groups SET slug = 'paris-gophers' WHERE id = $1`},
		{"earlier slug", `INSERT INTO group_slugs (slug, group_id) VALUES ('paris-gophers', $1)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			db := newDB(t)
			u := db.user(t, "ann@example.org", true)
			cm := db.user(t, "cm@example.org", true, ch.RoleCommunityManager)
			g := db.group(t, application(t, "Paris Gophers"), u)
			if _, err := db.raw(t).ExecContext(ctx, tc.hold, g.ID); err != nil {
				t.Fatal(err)
			}
			listed, err := db.ReviewGroup(ctx, "paris-gophers", ch.Accept, "", cm, nil)
			if err != nil || listed.Slug != "paris-gophers" {
				t.Fatalf("accepted: %v, %v; want the slug paris-gophers", listed, err)
			}
			if got, err := db.GroupBySlug(ctx, "paris-gophers"); err != nil || got.ID != g.ID {
				t.Errorf("GroupBySlug(paris-gophers) = %v, %v; want group %d", got, err, g.ID)
			}
		})
	}
}

func TestCreateGroupRollsBack(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	u := db.user(t, "ann@example.org", true)
	app := application(t, "Lyon Gophers")
	// Validate refuses this; the store must still not keep half a group.
	app.Coordinators = append(app.Coordinators, app.Coordinators[0])
	_, err := db.CreateGroup(ctx, app, u, notifyTo("cm@example.org"))
	wantCode(t, err, ch.ECONFLICT)
	if n, err := db.NamedGroups(ctx, nil); err != nil || len(n) != 0 {
		t.Errorf("a failed application left a group behind: %v %v", n, err)
	}
	if n, _ := db.OutboxPending(ctx); n != 0 {
		t.Errorf("a failed application queued %d mails", n)
	}
	if g := db.group(t, application(t, "Lyon Gophers"), u); !strings.HasPrefix(g.Slug, "lyon-gophers-") {
		t.Errorf("slug after a failed attempt = %q", g.Slug)
	}
}

// Mails are written in the transaction of the change they tell about: when
// queuing them fails, the change is not made either.
func TestNotifyInSameTransaction(t *testing.T) {
	db := newDB(t)
	owner := db.user(t, "ann@example.org", true)
	mgr := db.user(t, "cm@example.org", true, ch.RoleCommunityManager)
	failing := func(cancel context.CancelFunc, seen **ch.Group) ch.Notify {
		return func(g *ch.Group) []ch.Mail {
			*seen = g
			cancel() // the queue write that follows fails
			return []ch.Mail{{To: "cm@example.org", Subject: "S", Body: "B"}}
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	var seen *ch.Group
	_, err := db.CreateGroup(ctx, application(t, "Lyon Gophers"), owner, failing(cancel, &seen))
	if err == nil {
		t.Fatal("CreateGroup succeeded although its mail could not be queued")
	}
	if seen == nil || seen.ID == 0 || seen.Status != ch.StatusPending || len(seen.Coordinators) != 1 {
		t.Errorf("notify saw %+v, want the group as stored", seen)
	}
	if _, err := db.GroupBySlug(context.Background(), "lyon-gophers"); ch.ErrorCode(err) != ch.ENOTFOUND {
		t.Errorf("the group exists without its mail: %v", err)
	}

	g := db.group(t, application(t, "Lyon Gophers"), owner)
	ctx, cancel = context.WithCancel(context.Background())
	if _, err := db.ReviewGroup(ctx, g.Slug, ch.Accept, "", mgr, failing(cancel, &seen)); err == nil {
		t.Fatal("ReviewGroup succeeded although its mail could not be queued")
	}
	if seen.Status != ch.StatusNew {
		t.Errorf("notify saw status %q, want the decision's", seen.Status)
	}
	if loaded, _ := db.GroupBySlug(context.Background(), g.Slug); loaded.Status != ch.StatusPending {
		t.Errorf("the decision was kept without its mail: %q", loaded.Status)
	}
	if n, _ := db.OutboxPending(context.Background()); n != 0 {
		t.Errorf("%d mails queued", n)
	}
}

func TestUpdateGroup(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	owner := db.user(t, "ann@example.org", true)
	g := db.group(t, application(t, "Lyon Gophers"), owner)
	created := g.CreatedAt

	db.clock.Add(time.Hour)
	app := ch.ApplicationOf(g)
	app.Name = "Lyon Gophers Club"
	app.Description = "New description"
	app.URLs = []string{"https://b.example.org", "https://a.example.org"}
	app.Coordinators = []ch.Coordinator{
		{Email: "cy@example.org", Name: "Cy", Employer: "Initech"},
		{Email: "ann@example.org", Name: "Ann Lee", Employer: "ACME"},
	}
	g2, err := db.UpdateGroup(ctx, g.Slug, app, owner, notifyTo("cm@example.org"))
	if err != nil {
		t.Fatal(err)
	}
	if g2.Slug != g.Slug || g2.Name != "Lyon Gophers Club" || g2.Status != ch.StatusPending {
		t.Errorf("after edit: slug %q, name %q, status %q", g2.Slug, g2.Name, g2.Status)
	}
	if !g2.CreatedAt.Equal(created) || !g2.UpdatedAt.Equal(db.clock.Now()) {
		t.Errorf("created %v, updated %v", g2.CreatedAt, g2.UpdatedAt)
	}
	if !slices.Equal(g2.URLs, app.URLs) || !slices.Equal(g2.Coordinators, app.Coordinators) {
		t.Errorf("lists not saved in order: %v %v", g2.URLs, g2.Coordinators)
	}

	db.clock.Add(time.Hour)
	app.Coordinators = app.Coordinators[:1]
	if _, err := db.UpdateGroup(ctx, g.Slug, app, owner, nil); err != nil {
		t.Fatal(err)
	}
	got := events(t, db, g.ID)
	want := []eventLine{
		{ch.EventApplied, "", ch.StatusPending, ""},
		{ch.EventEdited, "", "", "Profile updated"},
		{ch.EventCoordinatorAdded, "", "", "Cy (Initech)"},
		{ch.EventEdited, "", "", "Profile updated"},
		{ch.EventCoordinatorRemoved, "", "", "Ann Lee (ACME)"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("history:\n got %v\nwant %v", got, want)
	}
	if got := outbox(t, db); !slices.Equal(got, []string{"cm@example.org: About Lyon Gophers Club / Status: pending"}) {
		t.Errorf("outbox = %q", got)
	}

	// The full-text index follows the edit.
	mgr := db.user(t, "cm@example.org", true, ch.RoleCommunityManager)
	db.ReviewGroup(ctx, g.Slug, ch.Accept, "", mgr, nil)
	if page, _ := db.ListGroups(ctx, sqldbFilter("club")); len(page.Groups) != 1 {
		t.Errorf("search for the new name found %d groups", len(page.Groups))
	}
	if page, _ := db.ListGroups(ctx, sqldbFilter("monthly talks")); len(page.Groups) != 0 {
		t.Errorf("search for the old description still finds %d groups", len(page.Groups))
	}

	_, err = db.UpdateGroup(ctx, "no-such-group", app, owner, nil)
	wantCode(t, err, ch.ENOTFOUND)
}

func TestReviewGroup(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	owner := db.user(t, "ann@example.org", true)
	mgr := db.user(t, "cm@example.org", true, ch.RoleCommunityManager)

	t.Run("accept", func(t *testing.T) {
		g := db.group(t, application(t, "Accepted Group"), owner)
		db.clock.Add(time.Minute)
		g, err := db.ReviewGroup(ctx, g.Slug, ch.Accept, "", mgr, notifyTo(owner.Email))
		if err != nil {
			t.Fatal(err)
		}
		loaded, _ := db.GroupBySlug(ctx, g.Slug)
		if g.Status != ch.StatusNew || loaded.Status != ch.StatusNew || !loaded.UpdatedAt.Equal(db.clock.Now()) {
			t.Errorf("status %q / stored %q, updated %v", g.Status, loaded.Status, loaded.UpdatedAt)
		}
		if got := events(t, db, g.ID); got[len(got)-1] != (eventLine{ch.EventAccepted, ch.StatusPending, ch.StatusNew, ""}) {
			t.Errorf("last event %v", got[len(got)-1])
		}
		if got := outbox(t, db); got[len(got)-1] != "ann@example.org: About Accepted Group / Status: new" {
			t.Errorf("outbox = %q", got)
		}
		// Reviewing twice is a conflict.
		_, err = db.ReviewGroup(ctx, g.Slug, ch.Decline, "Too late", mgr, nil)
		wantCode(t, err, ch.ECONFLICT)
	})

	t.Run("decline with reason, resubmit", func(t *testing.T) {
		g := db.group(t, application(t, "Declined Group"), owner)
		g, err := db.ReviewGroup(ctx, g.Slug, ch.Decline, "  Add a code of conduct.  ", mgr, nil)
		if err != nil {
			t.Fatal(err)
		}
		loaded, _ := db.GroupBySlug(ctx, g.Slug)
		if loaded.Status != ch.StatusDeclined || loaded.DeclineReason != "Add a code of conduct." {
			t.Errorf("stored status %q, reason %q", loaded.Status, loaded.DeclineReason)
		}
		if got := events(t, db, g.ID); got[len(got)-1] != (eventLine{ch.EventDeclined, ch.StatusPending, ch.StatusDeclined, "Add a code of conduct."}) {
			t.Errorf("last event %v", got[len(got)-1])
		}

		// An edit by the organizers sends it back to review.
		app := ch.ApplicationOf(loaded)
		app.Description = "Now with a code of conduct."
		g, err = db.UpdateGroup(ctx, g.Slug, app, owner, nil)
		if err != nil {
			t.Fatal(err)
		}
		if g.Status != ch.StatusPending {
			t.Errorf("status after resubmission = %q", g.Status)
		}
		if loaded, _ := db.GroupBySlug(ctx, g.Slug); loaded.DeclineReason != "" {
			t.Errorf("the resubmitted application still shows the decline reason %q", loaded.DeclineReason)
		}
		got := events(t, db, g.ID)
		if want := (eventLine{ch.EventResubmitted, ch.StatusDeclined, ch.StatusPending, ""}); !slices.Contains(got, want) {
			t.Errorf("history %v lacks %v", got, want)
		}
		if _, err := db.ReviewGroup(ctx, g.Slug, ch.Accept, "", mgr, nil); err != nil {
			t.Errorf("accepting the resubmission: %v", err)
		}
		if loaded, _ := db.GroupBySlug(ctx, g.Slug); loaded.DeclineReason != "" {
			t.Errorf("accepted group keeps the decline reason %q", loaded.DeclineReason)
		}
	})

	t.Run("decline without reason changes nothing", func(t *testing.T) {
		g := db.group(t, application(t, "Unreasoned Group"), owner)
		before := events(t, db, g.ID)
		mails, _ := db.OutboxPending(ctx)
		db.clock.Add(time.Minute)
		_, err := db.ReviewGroup(ctx, g.Slug, ch.Decline, "   ", mgr, notifyTo(owner.Email))
		wantCode(t, err, ch.EINVALID)
		if ch.ErrorFields(err)["reason"] == "" {
			t.Errorf("no field error on reason: %v", ch.ErrorFields(err))
		}
		loaded, _ := db.GroupBySlug(ctx, g.Slug)
		if loaded.Status != ch.StatusPending || !loaded.UpdatedAt.Equal(g.UpdatedAt) {
			t.Errorf("status %q, updated %v after a refused decline", loaded.Status, loaded.UpdatedAt)
		}
		if got := events(t, db, g.ID); !slices.Equal(got, before) {
			t.Errorf("history changed: %v", got)
		}
		if n, _ := db.OutboxPending(ctx); n != mails {
			t.Errorf("outbox grew from %d to %d", mails, n)
		}
	})

	t.Run("declined, sent back to review by a manager", func(t *testing.T) {
		g := db.group(t, application(t, "Reopened Group"), owner)
		db.ReviewGroup(ctx, g.Slug, ch.Decline, "Missing a venue.", mgr, nil)
		g, err := db.ChangeStatus(ctx, g.Slug, ch.StatusPending, "The venue is in the description.", mgr, nil)
		if err != nil {
			t.Fatal(err)
		}
		loaded, _ := db.GroupBySlug(ctx, g.Slug)
		if loaded.Status != ch.StatusPending || loaded.DeclineReason != "" || g.DeclineReason != "" {
			t.Errorf("status %q, decline reason %q / %q", loaded.Status, loaded.DeclineReason, g.DeclineReason)
		}
	})

	_, err := db.ReviewGroup(ctx, "no-such-group", ch.Accept, "", mgr, nil)
	wantCode(t, err, ch.ENOTFOUND)
}

func TestChangeStatus(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	owner := db.user(t, "ann@example.org", true)
	mgr := db.user(t, "cm@example.org", true, ch.RoleCommunityManager)
	g := db.listed(t, application(t, "Lyon Gophers"), owner, mgr)

	steps := []struct {
		to     ch.Status
		reason string
		code   string
	}{
		{ch.StatusOfficial, "", ""},
		{ch.StatusNew, "", ch.ECONFLICT},
		{ch.StatusRevoked, "  ", ch.EINVALID},
		{ch.StatusRevoked, " No meeting for two years. ", ""},
		{ch.StatusOfficial, "", ""},
		{ch.StatusArchived, "The group merged with another.", ""},
	}
	for _, s := range steps {
		db.clock.Add(time.Minute)
		before, _ := db.GroupBySlug(ctx, g.Slug)
		got, err := db.ChangeStatus(ctx, g.Slug, s.to, s.reason, mgr, notifyTo(owner.Email))
		wantCode(t, err, s.code)
		after, _ := db.GroupBySlug(ctx, g.Slug)
		if s.code != "" {
			if after.Status != before.Status || !after.UpdatedAt.Equal(before.UpdatedAt) {
				t.Errorf("refused change to %s still changed the group: %s", s.to, after.Status)
			}
			continue
		}
		if got.Status != s.to || after.Status != s.to || !after.UpdatedAt.Equal(db.clock.Now()) {
			t.Errorf("ChangeStatus(%s) = %q, stored %q", s.to, got.Status, after.Status)
		}
	}
	got := events(t, db, g.ID)
	want := []eventLine{
		{ch.EventApplied, "", ch.StatusPending, ""},
		{ch.EventAccepted, ch.StatusPending, ch.StatusNew, ""},
		{ch.EventStatusChanged, ch.StatusNew, ch.StatusOfficial, ""},
		{ch.EventStatusChanged, ch.StatusOfficial, ch.StatusRevoked, "No meeting for two years."},
		{ch.EventStatusChanged, ch.StatusRevoked, ch.StatusOfficial, ""},
		{ch.EventStatusChanged, ch.StatusOfficial, ch.StatusArchived, "The group merged with another."},
	}
	if !slices.Equal(got, want) {
		t.Errorf("history:\n got %v\nwant %v", got, want)
	}
	if n, _ := db.OutboxPending(ctx); n != 4 {
		t.Errorf("%d mails queued for 4 changes", n)
	}
	_, err := db.ChangeStatus(ctx, "no-such-group", ch.StatusArchived, "x", mgr, nil)
	wantCode(t, err, ch.ENOTFOUND)
}

// GroupsOf lists a person's groups by verified address only (see
// ch.Group.HasCoordinator).
func TestGroupsOf(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	creator := db.user(t, "creator@example.org", true)
	db.group(t, application(t, "Lyon Gophers"), creator) // coordinator ann@example.org
	db.group(t, application(t, "Other Group"), creator)
	ann := db.user(t, "ANN@example.org", true)
	impostor := *ann
	impostor.VerifiedAt = nil

	groups, err := db.GroupsOf(ctx, ann)
	if err != nil || len(groups) != 2 {
		t.Errorf("GroupsOf(ann) = %d groups, %v; want 2", len(groups), err)
	}
	if groups, _ := db.GroupsOf(ctx, &impostor); len(groups) != 0 {
		t.Errorf("GroupsOf(unverified) = %d groups", len(groups))
	}
	if groups, _ := db.GroupsOf(ctx, creator); len(groups) != 0 {
		t.Errorf("GroupsOf(creator, not a coordinator) = %d groups", len(groups))
	}
}

func TestChangeEmailMovesCoordinatorRows(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	ann := db.user(t, "ann@example.org", true)
	g := db.group(t, application(t, "Lyon Gophers"), ann)
	both := application(t, "Both Addresses")
	both.Coordinators = append(both.Coordinators, ch.Coordinator{Email: "ann@new.example.org", Name: "Ann (new)"})
	g2 := db.group(t, both, ann)
	db.user(t, "taken@example.org", true)

	db.clock.Add(time.Hour)
	if err := db.ChangeEmail(ctx, ann.ID, " Ann@NEW.example.org "); err != nil {
		t.Fatal(err)
	}
	moved, _, err := db.UserByEmail(ctx, "ann@new.example.org")
	if err != nil || moved.ID != ann.ID || !moved.VerifiedAt.Equal(db.clock.Now()) {
		t.Fatalf("UserByEmail(new) = %+v, %v", moved, err)
	}
	if _, _, err := db.UserByEmail(ctx, "ann@example.org"); ch.ErrorCode(err) != ch.ENOTFOUND {
		t.Errorf("old address still signs in: %v", err)
	}
	for _, slug := range []string{g.Slug, g2.Slug} {
		if loaded, err := db.GroupBySlug(ctx, slug); err != nil || !loaded.HasCoordinator(moved) {
			t.Errorf("after changing address Ann no longer coordinates %s (%v)", slug, err)
		}
	}
	loaded, _ := db.GroupBySlug(ctx, g.Slug)
	if loaded.Coordinators[0].Email != "ann@new.example.org" && loaded.Coordinators[1].Email != "ann@new.example.org" {
		t.Errorf("coordinators = %+v", loaded.Coordinators)
	}

	wantCode(t, db.ChangeEmail(ctx, ann.ID, "taken@example.org"), ch.ECONFLICT)
	wantCode(t, db.ChangeEmail(ctx, 9999, "free@example.org"), ch.ENOTFOUND)
}

// The similar-name check warns an applicant only of groups it may see:
// listed ones and its own applications. Reviewers see every group,
// declined ones included, so they can spot a resubmission under a new name.
func TestNamedGroups(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	u := db.user(t, "ann@example.org", true)
	other := db.user(t, "other@example.org", true)
	mgr := db.user(t, "cm@example.org", true, ch.RoleCommunityManager)
	pending := db.group(t, application(t, "Python Lyon Meetup"), u)
	declined := db.group(t, application(t, "Declined Lyon Python"), u)
	_, err := db.ReviewGroup(ctx, declined.Slug, ch.Decline, "Duplicate", mgr, nil)
	must(t, err)
	listed := db.listed(t, application(t, "Lyon Pythonistas"), u, mgr)

	for _, c := range []struct {
		who  *ch.User
		want []string
	}{
		{nil, []string{listed.Slug}},
		{other, []string{listed.Slug}},
		{u, []string{pending.Slug, declined.Slug, listed.Slug}},
		{mgr, []string{pending.Slug, declined.Slug, listed.Slug}},
	} {
		named, err := db.NamedGroups(ctx, c.who)
		must(t, err)
		var got []string
		for _, n := range named {
			got = append(got, n.Slug)
		}
		if slices.Sort(got); !slices.Equal(got, slices.Sorted(slices.Values(c.want))) {
			t.Errorf("NamedGroups for %v = %v, want %v", c.who, got, c.want)
		}
	}
	named, _ := db.NamedGroups(ctx, other)
	if similar := ch.SimilarGroups("Lyon Python User Group", "", "", named); len(similar) != 0 {
		t.Errorf("a member is warned of hidden applications: %v", similar)
	}
}
