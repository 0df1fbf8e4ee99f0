package workflow_test

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"

	ch "chapterhouse"
	"chapterhouse/password"
	"chapterhouse/sqldb"
	"chapterhouse/sqldb/sqldbtest"
	"chapterhouse/workflow"
)

type world struct {
	t                 *testing.T
	db                *sqldb.DB
	flows             *workflow.Service
	org, cm, cm2, amb *ch.User
	slug              string
}

func newWorld(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	db := sqldbtest.Open(t)
	w := &world{t: t, db: db}
	w.flows = workflow.New(db, password.NewHasher(password.Params{Time: 1, Memory: 1024, Threads: 1}, 2),
		ch.DefaultProgram(), "https://portal.test",
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	user := func(email, name string, roles ...ch.Role) *ch.User {
		u, err := db.CreateUser(ctx, email, name, "x", true, 0, roles...)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	w.org = user("org@example.org", "Olga Organizer")
	w.cm = user("cm@example.org", "Cora Manager", ch.RoleCommunityManager)
	w.cm2 = user("cm2@example.org", "Carl Manager", ch.RoleCommunityManager)
	w.amb = user("amb@example.org", "Abe Ambassador", ch.RoleAmbassador)
	app := ch.Application{Name: "Lyon Gophers", Description: "Go in Lyon.", City: "Lyon", Country: "FR", TimeZone: "Europe/Paris",
		OrganiserEmails: []string{"team@lyon.example.org"}, URLs: []string{"https://lyon.example.org"}, Cadence: "monthly", PolicyAgreed: true,
		Channels: []ch.Channel{{Type: "chat", URL: "https://chat.example.org/lyon"}}, Employer: "Acme",
		Coordinators: []ch.Coordinator{{Email: "bea@example.org", Name: "Bea Other", Employer: "Globex"}}}
	g, _, err := w.flows.Apply(ctx, w.org, workflow.ProfileInput{Application: app})
	w.must(err)
	_, err = w.flows.Review(ctx, w.cm, g.Slug, ch.Accept, "")
	w.must(err)
	w.slug = g.Slug
	return w
}

func (w *world) must(err error) {
	w.t.Helper()
	if err != nil {
		w.t.Fatalf("%v %v", err, ch.ErrorFields(err))
	}
}

// mark returns the number of mails queued so far; since lists those queued
// after it as "to: subject".
func (w *world) mark() int {
	w.t.Helper()
	n, err := w.db.Outbox(context.Background(), 100000)
	w.must(err)
	return len(n)
}

func (w *world) since(mark int) []string {
	w.t.Helper()
	entries, err := w.db.Outbox(context.Background(), 100000)
	w.must(err)
	var out []string
	for i := len(entries) - 1 - mark; i >= 0; i-- {
		out = append(out, entries[i].To+": "+entries[i].Subject)
	}
	return out
}

func recipients(mails []string) []string {
	var to []string
	for _, m := range mails {
		addr, _, _ := strings.Cut(m, ": ")
		to = append(to, addr)
	}
	slices.Sort(to)
	return slices.Compact(to)
}

// A request for a validation always reaches someone: the mentors, or the
// community managers while the group has none.
func TestRequestReviewReachesSomeone(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	mark := w.mark()
	toMentors, err := w.flows.RequestReview(ctx, w.org, w.slug, "organisation", "We have two employers now.")
	w.must(err)
	if toMentors {
		t.Error("a group without a mentor: the request went to its mentors")
	}
	if got := recipients(w.since(mark)); !slices.Equal(got, []string{w.cm2.Email, w.cm.Email}) {
		t.Errorf("without a mentor the request reached %v, want both community managers", got)
	}

	_, err = w.flows.AddAmbassador(ctx, w.amb, w.slug, "")
	w.must(err)
	mark = w.mark()
	toMentors, err = w.flows.RequestReview(ctx, w.org, w.slug, "organisation", "")
	w.must(err)
	if got := recipients(w.since(mark)); !toMentors || !slices.Equal(got, []string{w.amb.Email}) {
		t.Errorf("with a mentor the request reached %v (to mentors: %v), want the mentor", got, toMentors)
	}

	_, err = w.flows.RequestReview(ctx, w.org, w.slug, "policy", "")
	if ch.ErrorCode(err) != ch.ECONFLICT {
		t.Errorf("asking for a validation of a step the portal checks: %v", err)
	}
	_, err = w.flows.RequestReview(ctx, w.amb, w.slug, "organisation", "")
	if ch.ErrorCode(err) != ch.EFORBIDDEN {
		t.Errorf("an ambassador asking for a validation: %v", err)
	}
}

// SweepOfficial tells each community manager once, in one mail, about
// every official group that newly fails a step, and nobody a second time.
func TestSweepOfficial(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	// Official by the back door the demo uses: no step is met.
	_, err := w.db.ChangeStatus(ctx, w.slug, ch.StatusOfficial, "", w.cm, nil)
	w.must(err)
	mark := w.mark()
	n, err := w.flows.SweepOfficial(ctx)
	w.must(err)
	mails := w.since(mark)
	if n != 1 {
		t.Errorf("the sweep found %d newly lapsed groups, want 1", n)
	}
	for _, cm := range []string{w.cm.Email, w.cm2.Email} {
		var got []string
		for _, m := range mails {
			if strings.HasPrefix(m, cm+": ") {
				got = append(got, m)
			}
		}
		if len(got) != 1 {
			t.Errorf("%s got %v, want one mail", cm, got)
		}
	}
	if to := recipients(mails); !slices.Contains(to, w.org.Email) || !slices.Contains(to, "bea@example.org") {
		t.Errorf("the organizers were not told: %v", mails)
	}
	mark = w.mark()
	if n, err = w.flows.SweepOfficial(ctx); err != nil || n != 0 {
		t.Errorf("a second sweep: %d newly lapsed, %v", n, err)
	}
	if again := w.since(mark); len(again) != 0 {
		t.Errorf("told again: %v", again)
	}
}
