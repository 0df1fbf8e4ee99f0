package sqldb_test

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	ch "chapterhouse"
	"chapterhouse/sqldb"
	"chapterhouse/sqldb/sqldbtest"
)

// fullApplication is a group that meets the checks of steps 1 to 4 of the
// default program: policy agreed, contact information complete, two
// coordinators from two employers and a channel.
func fullApplication(t *testing.T, name string) ch.Application {
	t.Helper()
	a := application(t, name)
	a.Coordinators = append(a.Coordinators, ch.Coordinator{Email: "bo@example.org", Name: "Bo Chen", Employer: "Globex"})
	a.Channels = []ch.Channel{{Type: "chat", URL: "https://chat.example.org/gophers"}}
	a.Normalize()
	if err := a.Validate(true); err != nil {
		t.Fatalf("test application %q is invalid: %v %v", name, err, ch.ErrorFields(err))
	}
	return a
}

// people of the official process.
type people struct {
	owner, cm, amb, amb2, member *ch.User
}

func newPeople(t *testing.T, db *testDB) people {
	return people{
		owner:  db.user(t, "ann@example.org", true),
		cm:     db.user(t, "cm@example.org", true, ch.RoleCommunityManager),
		amb:    db.user(t, "amb@example.org", true, ch.RoleAmbassador),
		amb2:   db.user(t, "amb2@example.org", true, ch.RoleAmbassador),
		member: db.user(t, "member@example.org", true),
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%v %v", err, ch.ErrorFields(err))
	}
}

// recordMonthly records n meetings, one a month, the latest a few days ago.
func recordMonthly(t *testing.T, db *testDB, slug string, n int, by *ch.User) {
	t.Helper()
	for i := range n {
		m := ch.RecordedMeeting{HeldOn: db.clock.Now().AddDate(0, -i, -3), Title: fmt.Sprintf("Meetup #%d", n-i), Format: "in_person"}
		if _, err := db.RecordMeeting(context.Background(), slug, m, by); err != nil {
			t.Fatalf("RecordMeeting: %v %v", err, ch.ErrorFields(err))
		}
	}
}

// passSteps gives passing verdicts on the steps in the given role.
func passSteps(t *testing.T, db *testDB, slug string, by *ch.User, role ch.Role, steps ...string) {
	t.Helper()
	for _, s := range steps {
		v := ch.Validation{StepID: s, Role: role, Verdict: ch.VerdictPass, Comment: "Looks good."}
		if err := db.AddValidation(context.Background(), slug, v, by, nil); err != nil {
			t.Fatalf("AddValidation(%s, %s): %v %v", s, role, err, ch.ErrorFields(err))
		}
	}
}

func states(results []ch.StepResult) map[string]ch.StepState {
	out := map[string]ch.StepState{}
	for _, r := range results {
		out[r.Step.ID] = r.State
	}
	return out
}

func results(t *testing.T, db *testDB, slug string, p ch.Program) (*ch.Group, []ch.StepResult) {
	t.Helper()
	g, err := db.GroupBySlug(context.Background(), slug)
	if err != nil {
		t.Fatal(err)
	}
	res, err := db.StepResults(context.Background(), g, p)
	if err != nil {
		t.Fatal(err)
	}
	return g, res
}

// TestOfficialProcess walks a group from new to official, revoked and
// official again, through the store.
func TestOfficialProcess(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	p := ch.DefaultProgram()
	who := newPeople(t, db)
	g := db.listed(t, fullApplication(t, "Lyon Gophers"), who.owner, who.cm)
	mail := notifyTo(who.owner.Email)

	_, res := results(t, db, g.Slug, p)
	want := map[string]ch.StepState{
		"policy": ch.StepMet, "contact": ch.StepMet, "organisation": ch.StepAwaitingValidation,
		"channels": ch.StepAwaitingValidation, "meetings": ch.StepNotMet, "mentor": ch.StepNotMet,
	}
	if got := states(res); !maps.Equal(got, want) {
		t.Fatalf("a new group's steps = %v, want %v", got, want)
	}
	_, err := db.GrantOfficial(ctx, g.Slug, "Welcome!", p, who.cm, mail)
	wantCode(t, err, ch.ECONFLICT)
	if fields := slices.Sorted(maps.Keys(ch.ErrorFields(err))); !slices.Equal(fields, []string{"channels", "meetings", "mentor", "organisation"}) {
		t.Errorf("the refusal lists the steps %v", fields)
	}
	if !strings.Contains(ch.ErrorMessage(err), "Meeting regularly") {
		t.Errorf("the refusal says %q", ch.ErrorMessage(err))
	}
	if loaded, _ := db.GroupBySlug(ctx, g.Slug); loaded.Status != ch.StatusNew {
		t.Errorf("a refused grant left the group %s", loaded.Status)
	}
	_, err = db.GrantOfficial(ctx, g.Slug, "", ch.Program{}, who.cm, mail)
	wantCode(t, err, ch.ECONFLICT) // nothing evaluated is not everything met

	// Meetings against the monthly cadence: 9 of 12 at a ratio of 0.75.
	recordMonthly(t, db, g.Slug, 8, who.owner)
	if _, res = results(t, db, g.Slug, p); states(res)["meetings"] != ch.StepNotMet {
		t.Errorf("8 monthly meetings: %s", states(res)["meetings"])
	}
	old := ch.RecordedMeeting{HeldOn: db.clock.Now().AddDate(-1, 0, -1), Title: "Long ago", Format: "online"}
	if _, err := db.RecordMeeting(ctx, g.Slug, old, who.owner); err != nil {
		t.Fatal(err)
	}
	if _, res = results(t, db, g.Slug, p); states(res)["meetings"] != ch.StepNotMet {
		t.Errorf("a meeting over a year old counted: %s", states(res)["meetings"])
	}
	ninth := ch.RecordedMeeting{HeldOn: db.clock.Now().AddDate(0, -10, 0), Title: "Summer picnic", Format: "hybrid"}
	if _, err := db.RecordMeeting(ctx, g.Slug, ninth, who.owner); err != nil {
		t.Fatal(err)
	}

	// A mentor: an ambassador signs up.
	must(t, db.AddAmbassador(ctx, g.Slug, who.amb.ID, who.amb, notifyTo(who.owner.Email, who.amb.Email)))

	passSteps(t, db, g.Slug, who.cm, ch.RoleCommunityManager, "organisation", "channels", "meetings")
	_, res = results(t, db, g.Slug, p)
	for _, id := range []string{"organisation", "channels", "meetings"} {
		if s := states(res)[id]; s != ch.StepAwaitingValidation {
			t.Errorf("step %s with the community manager's pass only: %s", id, s)
		}
	}
	passSteps(t, db, g.Slug, who.amb, ch.RoleAmbassador, "organisation", "channels", "meetings")
	g, res = results(t, db, g.Slug, p)
	want = map[string]ch.StepState{
		"policy": ch.StepMet, "contact": ch.StepMet, "organisation": ch.StepValidated,
		"channels": ch.StepValidated, "meetings": ch.StepValidated, "mentor": ch.StepMet,
	}
	if got := states(res); !maps.Equal(got, want) {
		t.Fatalf("steps once all is done = %v, want %v", got, want)
	}
	if by := res[2].Validations; len(by) != 2 || by[0].ByName != who.cm.Name || by[1].ByName != who.amb.Name {
		t.Errorf("organisation validated by %+v", by)
	}

	db.clock.Add(time.Hour)
	mails, _ := db.OutboxPending(ctx)
	granted, err := db.GrantOfficial(ctx, g.Slug, "  Welcome to the program!  ", p, who.cm, mail)
	must(t, err)
	if granted.Status != ch.StatusOfficial || len(granted.Coordinators) != 2 || !granted.UpdatedAt.Equal(db.clock.Now()) {
		t.Errorf("GrantOfficial returned %+v", granted)
	}
	if loaded, _ := db.GroupBySlug(ctx, g.Slug); loaded.Status != ch.StatusOfficial {
		t.Errorf("stored status %s", loaded.Status)
	}
	if n, _ := db.OutboxPending(ctx); n != mails+1 {
		t.Errorf("granting queued %d mails", n-mails)
	}
	if got := outbox(t, db); got[len(got)-1] != "ann@example.org: About Lyon Gophers / Status: official" {
		t.Errorf("last mail %q", got[len(got)-1])
	}
	// The directory's counts see the change at once.
	page, err := db.ListGroups(ctx, ch.GroupFilter{Statuses: []ch.Status{ch.StatusOfficial}})
	if err != nil || page.Total != 1 {
		t.Errorf("official groups listed: %d, %v", page.Total, err)
	}

	// Granting twice is a conflict: the status no longer allows it.
	_, err = db.GrantOfficial(ctx, g.Slug, "", p, who.cm, nil)
	wantCode(t, err, ch.ECONFLICT)

	// Revoke: a reason is required.
	_, err = db.ChangeStatus(ctx, g.Slug, ch.StatusRevoked, "  ", who.cm, mail)
	wantCode(t, err, ch.EINVALID)
	db.clock.Add(time.Hour)
	revoked, err := db.ChangeStatus(ctx, g.Slug, ch.StatusRevoked, "No meeting since the spring.", who.cm, mail)
	must(t, err)
	if revoked.Status != ch.StatusRevoked {
		t.Errorf("revoked group is %s", revoked.Status)
	}
	_, err = db.ChangeStatus(ctx, g.Slug, ch.StatusRevoked, "Again.", who.cm, mail)
	wantCode(t, err, ch.ECONFLICT)

	// Re-grant: the group keeps its history and validations.
	g, res = results(t, db, g.Slug, p)
	if !ch.AllMet(res) {
		t.Fatalf("a revoked group lost its steps: %v", states(res))
	}
	db.clock.Add(time.Hour)
	again, err := db.GrantOfficial(ctx, g.Slug, "Meeting again.", p, who.cm, mail)
	must(t, err)
	if again.Status != ch.StatusOfficial {
		t.Errorf("re-granted group is %s", again.Status)
	}

	var statusEvents []eventLine
	kinds := map[ch.EventKind]int{}
	for _, e := range events(t, db, g.ID) {
		kinds[e.Kind]++
		if e.Kind == ch.EventStatusChanged {
			statusEvents = append(statusEvents, e)
		}
	}
	wantStatus := []eventLine{
		{ch.EventStatusChanged, ch.StatusNew, ch.StatusOfficial, "Welcome to the program!"},
		{ch.EventStatusChanged, ch.StatusOfficial, ch.StatusRevoked, "No meeting since the spring."},
		{ch.EventStatusChanged, ch.StatusRevoked, ch.StatusOfficial, "Meeting again."},
	}
	if !slices.Equal(statusEvents, wantStatus) {
		t.Errorf("status history:\n got %v\nwant %v", statusEvents, wantStatus)
	}
	if kinds[ch.EventStepValidated] != 6 || kinds[ch.EventMeetingRecorded] != 10 || kinds[ch.EventAmbassadorAdded] != 1 {
		t.Errorf("history kinds: %v", kinds)
	}
}

func TestGroupFacts(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	who := newPeople(t, db)
	g := db.listed(t, fullApplication(t, "Lyon Gophers"), who.owner, who.cm)
	g, _ = db.GroupBySlug(ctx, g.Slug)
	reqs, _ := db.Requirements(ctx)

	f, err := db.GroupFacts(ctx, g, ch.DefaultProgram(), reqs, db.clock.Now())
	must(t, err)
	if f.PolicyVersion != 1 || f.CurrentPolicyVersion != 1 || f.CompletenessPercent != 100 || len(f.Coordinators) != 2 ||
		f.Channels != 1 || f.Cadence != "monthly" || f.MeetingsLastYear != 0 || f.Ambassadors != 0 ||
		f.AcceptedRhythm != nil || len(f.NotNeeded) != 0 {
		t.Errorf("facts of a new group: %+v", f)
	}

	// A new policy version asks the group to agree again.
	_, err = db.PublishPolicy(ctx, ch.PolicySocialMedia, "Second edition.", who.cm.ID)
	must(t, err)
	recordMonthly(t, db, g.Slug, 3, who.owner)
	must(t, db.AddAmbassador(ctx, g.Slug, who.amb.ID, who.cm, nil))
	must(t, db.AddAmbassador(ctx, g.Slug, who.amb2.ID, who.cm, nil))
	must(t, db.SetAcceptedRhythm(ctx, g.Slug, ch.AcceptedRhythm{Cadence: "quarterly", Note: " Large events suit the city. "}, who.cm))
	must(t, db.SetStepNotNeeded(ctx, g.Slug, "mentor", "Established for ten years.", who.cm, nil))
	f, err = db.GroupFacts(ctx, g, ch.DefaultProgram(), reqs, db.clock.Now())
	must(t, err)
	if f.PolicyVersion != 1 || f.CurrentPolicyVersion != 2 || f.MeetingsLastYear != 3 || f.Ambassadors != 2 {
		t.Errorf("facts: %+v", f)
	}
	if r := f.AcceptedRhythm; r == nil || r.Cadence != "quarterly" || r.Note != "Large events suit the city." ||
		r.ByID != who.cm.ID || r.ByName != who.cm.Name || !r.At.Equal(db.clock.Now()) {
		t.Errorf("accepted rhythm %+v", r)
	}
	if !maps.Equal(f.NotNeeded, map[string]string{"mentor": "Established for ten years."}) {
		t.Errorf("not needed %v", f.NotNeeded)
	}
	// Facts are at the time asked: two years on, no meeting is recent.
	later, err := db.GroupFacts(ctx, g, ch.DefaultProgram(), reqs, db.clock.Now().AddDate(2, 0, 0))
	must(t, err)
	if later.MeetingsLastYear != 0 {
		t.Errorf("two years later %d meetings count", later.MeetingsLastYear)
	}
	// Other groups' rows never leak in.
	other := db.listed(t, application(t, "Paris Gophers"), who.owner, who.cm)
	other, _ = db.GroupBySlug(ctx, other.Slug)
	f, err = db.GroupFacts(ctx, other, ch.DefaultProgram(), reqs, db.clock.Now())
	must(t, err)
	if f.MeetingsLastYear != 0 || f.Ambassadors != 0 || f.AcceptedRhythm != nil || f.NotNeeded != nil || f.PolicyVersion != 2 {
		t.Errorf("another group's facts: %+v", f)
	}
}

func TestValidations(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	p := ch.DefaultProgram()
	who := newPeople(t, db)
	g := db.listed(t, fullApplication(t, "Lyon Gophers"), who.owner, who.cm)

	refusals := []struct {
		v     ch.Validation
		by    *ch.User
		code  string
		field string
	}{
		{ch.Validation{StepID: "organisation", Role: ch.RoleCommunityManager, Verdict: "maybe"}, who.cm, ch.EINVALID, "verdict"},
		{ch.Validation{StepID: "organisation", Role: ch.RoleCommunityManager, Verdict: ch.VerdictNeedsWork, Comment: "  "}, who.cm, ch.EINVALID, "comment"},
		{ch.Validation{StepID: "organisation", Role: ch.RoleCommunityManager, Verdict: ch.VerdictPass, Comment: strings.Repeat("x", ch.MaxCommentLen+1)}, who.cm, ch.EINVALID, "comment"},
		{ch.Validation{StepID: "", Role: ch.RoleCommunityManager, Verdict: ch.VerdictPass}, who.cm, ch.EINVALID, "step"},
		{ch.Validation{StepID: "Bad Step", Role: ch.RoleCommunityManager, Verdict: ch.VerdictPass}, who.cm, ch.EINVALID, "step"},
		{ch.Validation{StepID: "organisation", Role: "boss", Verdict: ch.VerdictPass}, who.cm, ch.EINVALID, "role"},
		{ch.Validation{StepID: "organisation", Role: ch.RoleAmbassador, Verdict: ch.VerdictPass}, who.cm, ch.EFORBIDDEN, ""},
		{ch.Validation{StepID: "organisation", Role: ch.RoleCommunityManager, Verdict: ch.VerdictPass}, who.member, ch.EFORBIDDEN, ""},
		{ch.Validation{StepID: "organisation", Role: ch.RoleCommunityManager, Verdict: ch.VerdictPass}, nil, ch.EUNAUTHORIZED, ""},
	}
	for _, r := range refusals {
		err := db.AddValidation(ctx, g.Slug, r.v, r.by, notifyTo(who.owner.Email))
		wantCode(t, err, r.code)
		if _, ok := ch.ErrorFields(err)[r.field]; r.field != "" && !ok {
			t.Errorf("%+v: fields %v, want %s", r.v, ch.ErrorFields(err), r.field)
		}
	}
	err := db.AddValidation(ctx, "no-such-group", ch.Validation{StepID: "organisation", Role: ch.RoleCommunityManager, Verdict: ch.VerdictPass}, who.cm, nil)
	wantCode(t, err, ch.ENOTFOUND)
	if vals, _ := db.Validations(ctx, g.ID); len(vals) != 0 {
		t.Fatalf("refused validations were stored: %+v", vals)
	}
	if n, _ := db.OutboxPending(ctx); n != 0 {
		t.Errorf("refusals queued %d mails", n)
	}

	// The ambassador asks for changes; the organizers are told.
	must(t, db.AddValidation(ctx, g.Slug, ch.Validation{StepID: "channels", Role: ch.RoleAmbassador, Verdict: ch.VerdictNeedsWork,
		Comment: "  The chat link is dead.\r\nPlease fix it.  "}, who.amb, notifyTo(who.owner.Email)))
	db.clock.Add(time.Minute)
	passSteps(t, db, g.Slug, who.cm, ch.RoleCommunityManager, "channels")
	vals, err := db.Validations(ctx, g.ID)
	must(t, err)
	if len(vals) != 2 {
		t.Fatalf("Validations = %+v", vals)
	}
	first := vals[0]
	if first.StepID != "channels" || first.Role != ch.RoleAmbassador || first.Verdict != ch.VerdictNeedsWork ||
		first.Comment != "The chat link is dead.\nPlease fix it." || first.ByID != who.amb.ID || first.ByName != who.amb.Name ||
		!first.At.Equal(db.clock.Now().Add(-time.Minute)) {
		t.Errorf("first validation %+v", first)
	}
	if vals[1].Role != ch.RoleCommunityManager || !vals[1].At.Equal(db.clock.Now()) {
		t.Errorf("second validation %+v", vals[1])
	}
	if _, res := results(t, db, g.Slug, p); states(res)["channels"] != ch.StepNeedsWork {
		t.Errorf("channels: %s", states(res)["channels"])
	}
	if got := outbox(t, db); len(got) != 1 || !strings.HasPrefix(got[0], "ann@example.org: About Lyon Gophers") {
		t.Errorf("outbox %q", got)
	}
	wantEvent := eventLine{ch.EventStepValidated, "", "", "channels: needs work (ambassador): The chat link is dead.\nPlease fix it."}
	if evs := events(t, db, g.ID); !slices.Contains(evs, wantEvent) {
		t.Errorf("history %v lacks %v", evs, wantEvent)
	}

	// Validations given at the same instant: the later one counts.
	passSteps(t, db, g.Slug, who.amb, ch.RoleAmbassador, "channels")
	must(t, db.AddValidation(ctx, g.Slug, ch.Validation{StepID: "channels", Role: ch.RoleAmbassador, Verdict: ch.VerdictNeedsWork, Comment: "On second thought…"}, who.amb, nil))
	if _, res := results(t, db, g.Slug, p); states(res)["channels"] != ch.StepNeedsWork {
		t.Errorf("the later of two simultaneous validations did not win: %s", states(res)["channels"])
	}
	passSteps(t, db, g.Slug, who.amb, ch.RoleAmbassador, "channels")
	if _, res := results(t, db, g.Slug, p); states(res)["channels"] != ch.StepValidated {
		t.Errorf("channels after a new pass: %s", states(res)["channels"])
	}
}

// Validations lapse after the program's validity, measured with db.Now.
func TestValidationsExpire(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	p := ch.DefaultProgram()
	who := newPeople(t, db)
	g := db.listed(t, fullApplication(t, "Lyon Gophers"), who.owner, who.cm)
	must(t, db.AddAmbassador(ctx, g.Slug, who.amb.ID, who.cm, nil))
	passSteps(t, db, g.Slug, who.cm, ch.RoleCommunityManager, "organisation")
	passSteps(t, db, g.Slug, who.amb, ch.RoleAmbassador, "organisation")
	given := db.clock.Now()

	db.clock.Add(364 * 24 * time.Hour)
	_, res := results(t, db, g.Slug, p)
	if res[2].State != ch.StepValidated || !res[2].Expires.Equal(given.AddDate(1, 0, 0)) {
		t.Errorf("after 364 days: %s until %v", res[2].State, res[2].Expires)
	}
	db.clock.Add(2 * 24 * time.Hour)
	_, res = results(t, db, g.Slug, p)
	if res[2].State != ch.StepExpired || !res[2].Expires.Equal(given.AddDate(1, 0, 0)) {
		t.Errorf("after 366 days: %s, lapsed %v", res[2].State, res[2].Expires)
	}
	// A shorter validity is a program setting.
	short := p.Clone()
	short.ValidationValidity = ch.Period{Months: 6}
	if _, res = results(t, db, g.Slug, short); res[2].State != ch.StepExpired || !res[2].Expires.Equal(given.AddDate(0, 6, 0)) {
		t.Errorf("six-month validity: %s, %v", res[2].State, res[2].Expires)
	}
	// A new review brings the step back.
	passSteps(t, db, g.Slug, who.cm, ch.RoleCommunityManager, "organisation")
	passSteps(t, db, g.Slug, who.amb, ch.RoleAmbassador, "organisation")
	if _, res = results(t, db, g.Slug, p); res[2].State != ch.StepValidated {
		t.Errorf("after a new review: %s", res[2].State)
	}
}

func TestStepComments(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	who := newPeople(t, db)
	g := db.listed(t, fullApplication(t, "Lyon Gophers"), who.owner, who.cm)

	_, err := db.AddStepComment(ctx, g.Slug, "meetings", " \n ", who.owner, nil)
	wantCode(t, err, ch.EINVALID)
	_, err = db.AddStepComment(ctx, g.Slug, "meetings", strings.Repeat("é", ch.MaxCommentLen+1), who.owner, nil)
	wantCode(t, err, ch.EINVALID)
	_, err = db.AddStepComment(ctx, g.Slug, "../x", "Hello", who.owner, nil)
	wantCode(t, err, ch.EINVALID)
	_, err = db.AddStepComment(ctx, g.Slug, "meetings", "Hello", nil, nil)
	wantCode(t, err, ch.EUNAUTHORIZED)
	_, err = db.AddStepComment(ctx, "nope", "meetings", "Hello", who.owner, nil)
	wantCode(t, err, ch.ENOTFOUND)

	c, err := db.AddStepComment(ctx, g.Slug, "meetings", "  We met in **June** too.\r\n", who.owner, notifyTo(who.cm.Email))
	must(t, err)
	if c.ID == 0 || c.GroupID != g.ID || c.AuthorID != who.owner.ID || c.AuthorName != who.owner.Name || c.Body != "We met in **June** too." || !c.At.Equal(db.clock.Now()) {
		t.Errorf("AddStepComment = %+v", c)
	}
	db.clock.Add(time.Minute)
	_, err = db.AddStepComment(ctx, g.Slug, "meetings", "Please record it.", who.amb, notifyTo(who.owner.Email))
	must(t, err)
	_, err = db.AddStepComment(ctx, g.Slug, "channels", "Which chat?", who.cm, nil)
	must(t, err)

	thread, err := db.StepComments(ctx, g.ID, "meetings")
	must(t, err)
	if len(thread) != 2 || thread[0].ID != c.ID || thread[0].Body != c.Body || thread[0].AuthorName != c.AuthorName || !thread[0].At.Equal(c.At) || thread[1].Body != "Please record it." || thread[1].AuthorName != who.amb.Name {
		t.Errorf("meetings thread %+v", thread)
	}
	all, _ := db.StepComments(ctx, g.ID, "")
	if len(all) != 3 {
		t.Errorf("every thread: %d comments", len(all))
	}
	if got := outbox(t, db); len(got) != 2 || !strings.HasPrefix(got[0], "cm@example.org:") || !strings.HasPrefix(got[1], "ann@example.org:") {
		t.Errorf("outbox %q", got)
	}

	// Asking for a review: the note joins the thread, the mentor is mailed.
	must(t, db.RequestReview(ctx, g.Slug, "meetings", "Recorded now, please look again.", who.owner, notifyTo(who.amb.Email)))
	must(t, db.RequestReview(ctx, g.Slug, "channels", "", who.owner, notifyTo(who.amb.Email)))
	thread, _ = db.StepComments(ctx, g.ID, "meetings")
	if len(thread) != 3 || thread[2].Body != "Recorded now, please look again." {
		t.Errorf("thread after asking for review %+v", thread)
	}
	if all, _ := db.StepComments(ctx, g.ID, ""); len(all) != 4 {
		t.Errorf("a review request without a note added a comment: %d", len(all))
	}
	got := outbox(t, db)
	if len(got) != 4 || !strings.HasPrefix(got[3], "amb@example.org:") {
		t.Errorf("outbox %q", got)
	}
	evs := events(t, db, g.ID)
	if !slices.Contains(evs, eventLine{ch.EventReviewRequested, "", "", "meetings"}) || !slices.Contains(evs, eventLine{ch.EventReviewRequested, "", "", "channels"}) {
		t.Errorf("history %v", evs)
	}
}

func TestAmbassadors(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	p := ch.DefaultProgram()
	who := newPeople(t, db)
	first := db.listed(t, fullApplication(t, "Lyon Gophers"), who.owner, who.cm)
	db.clock.Add(time.Hour)
	second := db.listed(t, application(t, "Paris Gophers"), who.owner, who.cm)
	db.clock.Add(time.Hour)
	third := db.listed(t, application(t, "Nice Gophers"), who.owner, who.cm)
	db.clock.Add(time.Hour)
	pending := db.group(t, application(t, "Pending Gophers"), who.owner)
	_, err := db.ChangeStatus(ctx, third.Slug, ch.StatusOfficial, "", who.cm, nil)
	must(t, err)

	wanting := func() []string {
		t.Helper()
		gs, err := db.GroupsWantingMentor(ctx, p, 10)
		must(t, err)
		var out []string
		for _, g := range gs {
			out = append(out, g.Slug)
		}
		return out
	}
	if got := wanting(); !slices.Equal(got, []string{first.Slug, second.Slug, third.Slug}) {
		t.Errorf("groups wanting a mentor: %v", got)
	}

	err = db.AddAmbassador(ctx, first.Slug, who.member.ID, who.cm, nil)
	wantCode(t, err, ch.ECONFLICT) // not an ambassador
	err = db.AddAmbassador(ctx, first.Slug, 9999, who.cm, nil)
	wantCode(t, err, ch.ENOTFOUND)
	err = db.AddAmbassador(ctx, "nope", who.amb.ID, who.cm, nil)
	wantCode(t, err, ch.ENOTFOUND)

	must(t, db.AddAmbassador(ctx, first.Slug, who.amb.ID, who.amb, notifyTo(who.owner.Email)))
	err = db.AddAmbassador(ctx, first.Slug, who.amb.ID, who.cm, notifyTo(who.owner.Email))
	wantCode(t, err, ch.ECONFLICT)
	db.clock.Add(time.Minute)
	must(t, db.AddAmbassador(ctx, first.Slug, who.amb2.ID, who.cm, nil))
	must(t, db.AddAmbassador(ctx, pending.Slug, who.amb.ID, who.cm, nil))
	must(t, db.SetStepNotNeeded(ctx, second.Slug, "mentor", "Established group.", who.cm, nil))
	if n, _ := db.OutboxPending(ctx); n != 1 {
		t.Errorf("%d mails queued", n)
	}

	ambs, err := db.Ambassadors(ctx, first.ID)
	must(t, err)
	if len(ambs) != 2 || ambs[0].ID != who.amb.ID || ambs[1].ID != who.amb2.ID || !ambs[0].Has(ch.RoleAmbassador) {
		t.Errorf("Ambassadors = %+v", ambs)
	}
	for _, c := range []struct {
		group, user int64
		want        bool
	}{{first.ID, who.amb.ID, true}, {first.ID, who.amb2.ID, true}, {second.ID, who.amb.ID, false}, {first.ID, who.cm.ID, false}} {
		if got, err := db.IsAmbassadorOf(ctx, c.group, c.user); got != c.want || err != nil {
			t.Errorf("IsAmbassadorOf(%d, %d) = %t, %v", c.group, c.user, got, err)
		}
	}
	mentored, err := db.MentoredGroups(ctx, who.amb.ID)
	must(t, err)
	if len(mentored) != 2 || mentored[0].Slug != first.Slug || mentored[1].Slug != pending.Slug {
		t.Errorf("MentoredGroups = %v", mentored)
	}
	if got := wanting(); !slices.Equal(got, []string{third.Slug}) {
		t.Errorf("groups wanting a mentor: %v", got)
	}
	// A program asking for two mentors lists the group with one.
	two := p.Clone()
	two.Steps[5].Checks[0].MinAmbassadors = 2
	must(t, db.RemoveAmbassador(ctx, first.Slug, who.amb2.ID, who.cm, notifyTo(who.owner.Email)))
	if gs, _ := db.GroupsWantingMentor(ctx, two, 10); len(gs) != 2 || gs[0].Slug != first.Slug {
		t.Errorf("wanting a second mentor: %v", gs)
	}
	err = db.RemoveAmbassador(ctx, first.Slug, who.amb2.ID, who.cm, nil)
	wantCode(t, err, ch.ENOTFOUND)

	// Taking the ambassador role away ends the mentoring.
	must(t, db.SetRole(ctx, who.amb.ID, ch.RoleAmbassador, false, who.cm.ID))
	if ok, _ := db.IsAmbassadorOf(ctx, first.ID, who.amb.ID); ok {
		t.Error("a former ambassador still mentors")
	}
	if ambs, _ := db.Ambassadors(ctx, first.ID); len(ambs) != 0 {
		t.Errorf("Ambassadors = %v", ambs)
	}
	if got := wanting(); !slices.Equal(got, []string{first.Slug, third.Slug}) {
		t.Errorf("groups wanting a mentor: %v", got)
	}
	g, _ := db.GroupBySlug(ctx, first.Slug)
	reqs, _ := db.Requirements(ctx)
	if f, _ := db.GroupFacts(ctx, g, ch.DefaultProgram(), reqs, db.clock.Now()); f.Ambassadors != 0 {
		t.Errorf("a former ambassador counts: %d", f.Ambassadors)
	}

	var kinds []eventLine
	for _, e := range events(t, db, first.ID) {
		if e.Kind == ch.EventAmbassadorAdded || e.Kind == ch.EventAmbassadorRemoved {
			kinds = append(kinds, e)
		}
	}
	want := []eventLine{{ch.EventAmbassadorAdded, "", "", who.amb.Name}, {ch.EventAmbassadorAdded, "", "", who.amb2.Name}, {ch.EventAmbassadorRemoved, "", "", who.amb2.Name}}
	if !slices.Equal(kinds, want) {
		t.Errorf("history %v, want %v", kinds, want)
	}

	// Archived groups take no mentor.
	_, err = db.ChangeStatus(ctx, second.Slug, ch.StatusArchived, "Merged.", who.cm, nil)
	must(t, err)
	err = db.AddAmbassador(ctx, second.Slug, who.amb2.ID, who.cm, nil)
	wantCode(t, err, ch.ECONFLICT)
}

func TestStepNotNeeded(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	p := ch.DefaultProgram()
	who := newPeople(t, db)
	g := db.listed(t, fullApplication(t, "Lyon Gophers"), who.owner, who.cm)

	err := db.SetStepNotNeeded(ctx, g.Slug, "mentor", "  ", who.cm, nil)
	wantCode(t, err, ch.EINVALID)
	err = db.SetStepNotNeeded(ctx, g.Slug, "mentor", strings.Repeat("x", ch.MaxCommentLen+1), who.cm, nil)
	wantCode(t, err, ch.EINVALID)
	err = db.ClearStepNotNeeded(ctx, g.Slug, "mentor", who.cm, nil)
	wantCode(t, err, ch.ENOTFOUND)

	must(t, db.SetStepNotNeeded(ctx, g.Slug, "mentor", "Mainly for new groups.", who.cm, notifyTo(who.owner.Email)))
	if _, res := results(t, db, g.Slug, p); res[5].State != ch.StepNotNeeded || res[5].NotNeededReason != "Mainly for new groups." {
		t.Errorf("mentor step: %s %q", res[5].State, res[5].NotNeededReason)
	}
	db.clock.Add(time.Minute)
	must(t, db.SetStepNotNeeded(ctx, g.Slug, "mentor", "Running since 2012.", who.cm, nil))
	xs, err := db.StepExemptions(ctx, g.ID)
	must(t, err)
	if len(xs) != 1 || xs[0].StepID != "mentor" || xs[0].Reason != "Running since 2012." || xs[0].ByID != who.cm.ID || xs[0].ByName != who.cm.Name || !xs[0].At.Equal(db.clock.Now()) {
		t.Errorf("StepExemptions = %+v", xs)
	}
	must(t, db.ClearStepNotNeeded(ctx, g.Slug, "mentor", who.cm, notifyTo(who.owner.Email)))
	if _, res := results(t, db, g.Slug, p); res[5].State != ch.StepNotMet {
		t.Errorf("mentor step after clearing: %s", res[5].State)
	}
	if xs, _ := db.StepExemptions(ctx, g.ID); len(xs) != 0 {
		t.Errorf("StepExemptions = %+v", xs)
	}
	var got []eventLine
	for _, e := range events(t, db, g.ID) {
		if e.Kind == ch.EventStepNotNeeded || e.Kind == ch.EventStepNeeded {
			got = append(got, e)
		}
	}
	want := []eventLine{
		{ch.EventStepNotNeeded, "", "", "mentor: Mainly for new groups."},
		{ch.EventStepNotNeeded, "", "", "mentor: Running since 2012."},
		{ch.EventStepNeeded, "", "", "mentor"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("history %v, want %v", got, want)
	}
	if n, _ := db.OutboxPending(ctx); n != 2 {
		t.Errorf("%d mails", n)
	}
}

func TestAcceptedRhythm(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	p := ch.DefaultProgram()
	who := newPeople(t, db)
	g := db.listed(t, fullApplication(t, "Lyon Gophers"), who.owner, who.cm)
	recordMonthly(t, db, g.Slug, 2, who.owner)

	err := db.SetAcceptedRhythm(ctx, g.Slug, ch.AcceptedRhythm{Cadence: "hourly", Note: "x"}, who.cm)
	wantCode(t, err, ch.EINVALID)
	err = db.SetAcceptedRhythm(ctx, g.Slug, ch.AcceptedRhythm{Cadence: "twice-yearly", Note: " "}, who.cm)
	wantCode(t, err, ch.EINVALID)
	err = db.SetAcceptedRhythm(ctx, "nope", ch.AcceptedRhythm{Cadence: "twice-yearly", Note: "x"}, who.cm)
	wantCode(t, err, ch.ENOTFOUND)
	err = db.ClearAcceptedRhythm(ctx, g.Slug, who.cm)
	wantCode(t, err, ch.ENOTFOUND)

	if _, res := results(t, db, g.Slug, p); res[4].State != ch.StepNotMet {
		t.Errorf("2 meetings against monthly: %s", res[4].State)
	}
	must(t, db.SetAcceptedRhythm(ctx, g.Slug, ch.AcceptedRhythm{Cadence: "quarterly", Note: "Fewer, larger events."}, who.cm))
	must(t, db.SetAcceptedRhythm(ctx, g.Slug, ch.AcceptedRhythm{Cadence: "twice-yearly", Note: "Two structured events a year."}, who.cm))
	_, res := results(t, db, g.Slug, p)
	if res[4].State != ch.StepAwaitingValidation || !strings.Contains(res[4].Checks[0].Have, "Two structured events a year.") {
		t.Errorf("2 meetings against twice a year: %s, %q", res[4].State, res[4].Checks[0].Have)
	}
	must(t, db.ClearAcceptedRhythm(ctx, g.Slug, who.cm))
	if _, res := results(t, db, g.Slug, p); res[4].State != ch.StepNotMet {
		t.Errorf("after clearing: %s", res[4].State)
	}
	var got []eventLine
	for _, e := range events(t, db, g.ID) {
		if e.Kind == ch.EventRhythmAccepted || e.Kind == ch.EventRhythmCleared {
			got = append(got, e)
		}
	}
	want := []eventLine{
		{ch.EventRhythmAccepted, "", "", "Quarterly: Fewer, larger events."},
		{ch.EventRhythmAccepted, "", "", "Twice a year: Two structured events a year."},
		{ch.EventRhythmCleared, "", "", ""},
	}
	if !slices.Equal(got, want) {
		t.Errorf("history %v, want %v", got, want)
	}
}

func TestRecordMeeting(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	who := newPeople(t, db)
	g := db.listed(t, fullApplication(t, "Lyon Gophers"), who.owner, who.cm)
	now := db.clock.Now()
	neg, many := -1, ch.MaxAttendance+1

	bad := []struct {
		m     ch.RecordedMeeting
		field string
	}{
		{ch.RecordedMeeting{HeldOn: now.AddDate(0, -1, 0), Title: "  ", Format: "online"}, "title"},
		{ch.RecordedMeeting{HeldOn: now.AddDate(0, -1, 0), Title: strings.Repeat("t", ch.MaxMeetingTitleLen+1), Format: "online"}, "title"},
		{ch.RecordedMeeting{Title: "No date", Format: "online"}, "held_on"},
		{ch.RecordedMeeting{HeldOn: now.Add(time.Minute), Title: "Tomorrow", Format: "online"}, "held_on"},
		{ch.RecordedMeeting{HeldOn: now.AddDate(0, -1, 0), Title: "Meetup", Format: "picnic"}, "format"},
		{ch.RecordedMeeting{HeldOn: now.AddDate(0, -1, 0), Title: "Meetup", Format: "online", Attendance: &neg}, "attendance"},
		{ch.RecordedMeeting{HeldOn: now.AddDate(0, -1, 0), Title: "Meetup", Format: "online", Attendance: &many}, "attendance"},
		{ch.RecordedMeeting{HeldOn: now.AddDate(0, -1, 0), Title: "Meetup", Format: "online", Link: "javascript:alert(1)"}, "link"},
		{ch.RecordedMeeting{HeldOn: now.AddDate(0, -1, 0), Title: "Meetup", Format: "online", Link: "ftp://example.org/slides"}, "link"},
	}
	for _, b := range bad {
		_, err := db.RecordMeeting(ctx, g.Slug, b.m, who.owner)
		wantCode(t, err, ch.EINVALID)
		if _, ok := ch.ErrorFields(err)[b.field]; !ok {
			t.Errorf("%+v: fields %v, want %s", b.m, ch.ErrorFields(err), b.field)
		}
	}
	_, err := db.RecordMeeting(ctx, "nope", ch.RecordedMeeting{HeldOn: now, Title: "Meetup", Format: "online"}, who.owner)
	wantCode(t, err, ch.ENOTFOUND)

	// Times from any zone are stored as the same instant.
	paris, err := time.LoadLocation("Europe/Paris")
	must(t, err)
	forty := 40
	heldParis := time.Date(2025, 2, 20, 19, 0, 0, 0, paris)
	m1, err := db.RecordMeeting(ctx, g.Slug, ch.RecordedMeeting{HeldOn: heldParis, Title: "  Generics   in practice ",
		Format: " Hybrid ", Attendance: &forty, Link: " https://example.org/slides "}, who.owner)
	must(t, err)
	if m1.ID == 0 || m1.GroupID != g.ID || m1.Title != "Generics in practice" || m1.Format != "hybrid" || m1.Link != "https://example.org/slides" ||
		!m1.HeldOn.Equal(heldParis) || m1.RecordedByID != who.owner.ID || m1.RecordedByName != who.owner.Name || !m1.RecordedAt.Equal(now) {
		t.Errorf("RecordMeeting = %+v", m1)
	}
	m2, err := db.RecordMeeting(ctx, g.Slug, ch.RecordedMeeting{HeldOn: now, Title: "Today", Format: "online"}, who.owner)
	must(t, err)
	m3, err := db.RecordMeeting(ctx, g.Slug, ch.RecordedMeeting{HeldOn: now.AddDate(-1, 0, 0), Title: "A year ago to the microsecond", Format: "in_person"}, who.owner)
	must(t, err)

	list, err := db.RecordedMeetings(ctx, g.ID)
	must(t, err)
	if len(list) != 3 || list[0].ID != m2.ID || list[1].ID != m1.ID || list[2].ID != m3.ID {
		t.Fatalf("RecordedMeetings = %+v", list)
	}
	if list[1].Attendance == nil || *list[1].Attendance != 40 || list[0].Attendance != nil || !list[1].HeldOn.Equal(heldParis) ||
		list[1].RecordedByName != who.owner.Name || list[1].Link != m1.Link {
		t.Errorf("stored meeting %+v", list[1])
	}

	// The window is the twelve months before now: a meeting exactly a year
	// ago is out, one held now is in.
	g, _ = db.GroupBySlug(ctx, g.Slug)
	reqs, _ := db.Requirements(ctx)
	if f, _ := db.GroupFacts(ctx, g, ch.DefaultProgram(), reqs, now); f.MeetingsLastYear != 2 {
		t.Errorf("meetings in the last year: %d, want 2", f.MeetingsLastYear)
	}
	if f, _ := db.GroupFacts(ctx, g, ch.DefaultProgram(), reqs, now.Add(-time.Microsecond)); f.MeetingsLastYear != 2 {
		t.Errorf("a microsecond earlier: %d, want 2 (m3 in, m2 not yet)", f.MeetingsLastYear)
	}

	err = db.DeleteRecordedMeeting(ctx, g.Slug, m3.ID+100, who.owner)
	wantCode(t, err, ch.ENOTFOUND)
	other := db.listed(t, application(t, "Paris Gophers"), who.owner, who.cm)
	err = db.DeleteRecordedMeeting(ctx, other.Slug, m1.ID, who.owner)
	wantCode(t, err, ch.ENOTFOUND) // not that group's meeting
	must(t, db.DeleteRecordedMeeting(ctx, g.Slug, m1.ID, who.owner))
	if list, _ := db.RecordedMeetings(ctx, g.ID); len(list) != 2 {
		t.Errorf("after deleting: %d meetings", len(list))
	}
	evs := events(t, db, g.ID)
	if !slices.Contains(evs, eventLine{ch.EventMeetingRecorded, "", "", "2025-02-20: Generics in practice"}) ||
		!slices.Contains(evs, eventLine{ch.EventMeetingRemoved, "", "", "2025-02-20: Generics in practice"}) {
		t.Errorf("history %v", evs)
	}
}

// Every write that mails does so in its own transaction: when queuing the
// mail fails, the write is undone.
func TestOfficialNotifyRollsBack(t *testing.T) {
	bg := context.Background()
	db := newDB(t)
	p := ch.DefaultProgram()
	who := newPeople(t, db)
	g := db.listed(t, fullApplication(t, "Lyon Gophers"), who.owner, who.cm)
	recordMonthly(t, db, g.Slug, 9, who.owner)
	must(t, db.AddAmbassador(bg, g.Slug, who.amb.ID, who.cm, nil))
	must(t, db.SetStepNotNeeded(bg, g.Slug, "policy", "Set up to be cleared.", who.cm, nil))
	passSteps(t, db, g.Slug, who.cm, ch.RoleCommunityManager, "organisation", "channels", "meetings")
	passSteps(t, db, g.Slug, who.amb, ch.RoleAmbassador, "organisation", "channels", "meetings")
	official := db.listed(t, application(t, "Paris Gophers"), who.owner, who.cm)
	_, err := db.ChangeStatus(bg, official.Slug, ch.StatusOfficial, "", who.cm, nil)
	must(t, err)
	_, ready := results(t, db, g.Slug, p)
	if !ch.AllMet(ready) {
		t.Fatalf("setup: %v", states(ready))
	}

	type snapshot struct {
		events, validations, comments, ambassadors, exemptions int
		status                                                 ch.Status
	}
	snap := func() snapshot {
		t.Helper()
		var s snapshot
		evs, _ := db.GroupEvents(bg, g.ID)
		vals, _ := db.Validations(bg, g.ID)
		cs, _ := db.StepComments(bg, g.ID, "")
		ambs, _ := db.Ambassadors(bg, g.ID)
		xs, _ := db.StepExemptions(bg, g.ID)
		o, _ := db.GroupBySlug(bg, official.Slug)
		s.events, s.validations, s.comments, s.ambassadors, s.exemptions = len(evs), len(vals), len(cs), len(ambs), len(xs)
		loaded, _ := db.GroupBySlug(bg, g.Slug)
		s.status = loaded.Status + "/" + o.Status
		return s
	}
	writes := map[string]func(ctx context.Context, n ch.Notify) error{
		"AddValidation": func(ctx context.Context, n ch.Notify) error {
			// A pass: GrantOfficial, which runs after it, sees it.
			return db.AddValidation(ctx, g.Slug, ch.Validation{StepID: "channels", Role: ch.RoleCommunityManager, Verdict: ch.VerdictPass, Comment: "Still active."}, who.cm, n)
		},
		"AddStepComment": func(ctx context.Context, n ch.Notify) error {
			_, err := db.AddStepComment(ctx, g.Slug, "meetings", "Hello", who.owner, n)
			return err
		},
		"RequestReview": func(ctx context.Context, n ch.Notify) error {
			return db.RequestReview(ctx, g.Slug, "meetings", "Please look.", who.owner, n)
		},
		"AddAmbassador": func(ctx context.Context, n ch.Notify) error {
			return db.AddAmbassador(ctx, g.Slug, who.amb2.ID, who.amb2, n)
		},
		"RemoveAmbassador": func(ctx context.Context, n ch.Notify) error {
			return db.RemoveAmbassador(ctx, g.Slug, who.amb.ID, who.cm, n)
		},
		"SetStepNotNeeded": func(ctx context.Context, n ch.Notify) error {
			return db.SetStepNotNeeded(ctx, g.Slug, "mentor", "Established.", who.cm, n)
		},
		"ClearStepNotNeeded": func(ctx context.Context, n ch.Notify) error {
			return db.ClearStepNotNeeded(ctx, g.Slug, "policy", who.cm, n)
		},
		"GrantOfficial": func(ctx context.Context, n ch.Notify) error {
			_, err := db.GrantOfficial(ctx, g.Slug, "Welcome.", p, who.cm, n)
			return err
		},
		"ChangeStatus to revoked": func(ctx context.Context, n ch.Notify) error {
			_, err := db.ChangeStatus(ctx, official.Slug, ch.StatusRevoked, "No meetings.", who.cm, n)
			return err
		},
	}
	before := snap()
	for _, name := range slices.Sorted(maps.Keys(writes)) {
		ctx, cancel := context.WithCancel(bg)
		called := false
		err := writes[name](ctx, func(g *ch.Group) []ch.Mail {
			called = true
			if len(g.Coordinators) != 2 && g.Slug != official.Slug {
				t.Errorf("%s: notify saw a group without its coordinators: %+v", name, g)
			}
			cancel() // the outbox write that follows fails
			return []ch.Mail{{To: "x@example.org", Subject: "S", Body: "B"}}
		})
		cancel()
		if !called || err == nil {
			t.Errorf("%s: notify called %t, error %v", name, called, err)
			continue
		}
		if after := snap(); after != before {
			t.Errorf("%s: the write stayed without its mail: %+v, was %+v", name, after, before)
		}
	}
	if n, _ := db.OutboxPending(bg); n != 0 {
		t.Errorf("%d mails queued", n)
	}
	// And each succeeds with a working notify.
	for _, name := range slices.Sorted(maps.Keys(writes)) {
		if err := writes[name](bg, notifyTo(who.owner.Email)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if n, _ := db.OutboxPending(bg); n != len(writes) {
		t.Errorf("%d mails queued for %d writes", n, len(writes))
	}
}

func TestValidationQueue(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	p := ch.DefaultProgram()
	who := newPeople(t, db)
	step := func() { db.clock.Add(time.Minute) }

	// Oldest first: notMet, waiting, ready, done, expiring, pending.
	notMet := db.listed(t, application(t, "Not Met Yet"), who.owner, who.cm) // one coordinator: nothing to validate
	step()
	waiting := db.listed(t, fullApplication(t, "Waiting Gophers"), who.owner, who.cm)
	step()
	ready := db.listed(t, fullApplication(t, "Ready Gophers"), who.owner, who.cm)
	step()
	done := db.listed(t, fullApplication(t, "Done Gophers"), who.owner, who.cm)
	step()
	expiring := db.listed(t, fullApplication(t, "Expiring Gophers"), who.owner, who.cm)
	step()
	pending := db.group(t, fullApplication(t, "Pending Gophers"), who.owner)
	_ = notMet

	must(t, db.AddAmbassador(ctx, waiting.Slug, who.amb.ID, who.cm, nil))
	passSteps(t, db, waiting.Slug, who.amb, ch.RoleAmbassador, "organisation", "channels")
	for _, g := range []*ch.Group{ready, done, expiring, pending} {
		recordMonthly(t, db, g.Slug, 9, who.owner)
		must(t, db.AddAmbassador(ctx, g.Slug, who.amb2.ID, who.cm, nil))
	}
	for _, g := range []*ch.Group{ready, done, pending} {
		passSteps(t, db, g.Slug, who.cm, ch.RoleCommunityManager, "organisation", "channels", "meetings")
		passSteps(t, db, g.Slug, who.amb2, ch.RoleAmbassador, "organisation", "channels", "meetings")
	}
	_, err := db.GrantOfficial(ctx, done.Slug, "", p, who.cm, nil)
	must(t, err)

	// The expiring group was validated 13 months ago and made official.
	db.clock.Add(-396 * 24 * time.Hour)
	passSteps(t, db, expiring.Slug, who.cm, ch.RoleCommunityManager, "organisation", "channels", "meetings")
	passSteps(t, db, expiring.Slug, who.amb2, ch.RoleAmbassador, "organisation", "channels", "meetings")
	db.clock.Add(396 * 24 * time.Hour)
	_, err = db.ChangeStatus(ctx, expiring.Slug, ch.StatusOfficial, "", who.cm, nil)
	must(t, err)
	// Its meetings are recent (recorded above, relative to now).

	type line struct {
		slug    string
		waiting string
		ready   bool
	}
	queue := func(f ch.QueueFilter) []line {
		t.Helper()
		items, err := db.ValidationQueue(ctx, p, f)
		must(t, err)
		var out []line
		for _, it := range items {
			var ws []string
			for _, r := range it.Waiting {
				ws = append(ws, r.Step.ID+"="+string(r.State))
			}
			if len(it.Results) != len(p.Steps) {
				t.Errorf("%s: %d results", it.Group.Slug, len(it.Results))
			}
			out = append(out, line{it.Group.Slug, strings.Join(ws, ","), it.ReadyToGrant})
		}
		return out
	}
	check := func(name string, f ch.QueueFilter, want ...line) {
		t.Helper()
		if got := queue(f); !slices.Equal(got, want) {
			t.Errorf("%s:\n got %v\nwant %v", name, got, want)
		}
	}
	exp := "organisation=expired,channels=expired,meetings=expired"
	check("everything", ch.QueueFilter{},
		line{waiting.Slug, "organisation=awaiting_validation,channels=awaiting_validation", false},
		line{ready.Slug, "", true},
		line{expiring.Slug, exp, false})
	check("validations", ch.QueueFilter{Kind: ch.QueueValidations},
		line{waiting.Slug, "organisation=awaiting_validation,channels=awaiting_validation", false},
		line{expiring.Slug, exp, false})
	check("decisions", ch.QueueFilter{Kind: ch.QueueDecisions}, line{ready.Slug, "", true})
	check("limit", ch.QueueFilter{Limit: 2},
		line{waiting.Slug, "organisation=awaiting_validation,channels=awaiting_validation", false},
		line{ready.Slug, "", true})
	// The waiting group's ambassador passed already; a community manager is missing.
	check("ambassador role", ch.QueueFilter{Role: ch.RoleAmbassador}, line{expiring.Slug, exp, false})
	check("community manager role", ch.QueueFilter{Role: ch.RoleCommunityManager},
		line{waiting.Slug, "organisation=awaiting_validation,channels=awaiting_validation", false},
		line{ready.Slug, "", true},
		line{expiring.Slug, exp, false})
	check("step", ch.QueueFilter{StepID: "channels"},
		line{waiting.Slug, "channels=awaiting_validation", false},
		line{expiring.Slug, "channels=expired", false})
	check("mentor's groups", ch.QueueFilter{AmbassadorID: who.amb.ID},
		line{waiting.Slug, "organisation=awaiting_validation,channels=awaiting_validation", false})
	check("statuses", ch.QueueFilter{Statuses: []ch.Status{ch.StatusOfficial}}, line{expiring.Slug, exp, false})
	// A pending application is not listed, and cannot be granted official status.
	check("pending", ch.QueueFilter{Statuses: []ch.Status{ch.StatusPending}})
	check("states", ch.QueueFilter{States: []ch.StepState{ch.StepNotMet}, Kind: ch.QueueValidations},
		line{notMet.Slug, "organisation=not_met,channels=not_met,meetings=not_met,mentor=not_met", false},
		line{waiting.Slug, "meetings=not_met", false})
	check("country", ch.QueueFilter{Country: "de"})
	check("country", ch.QueueFilter{Country: "fr", Kind: ch.QueueDecisions}, line{ready.Slug, "", true})
}

// The queue reads groups in batches; one waiting group after more than a
// batch of others is still found, and a limit stops early.
func TestValidationQueueBatches(t *testing.T) {
	if testing.Short() {
		t.Skip("creates 205 groups")
	}
	ctx := context.Background()
	db := newDB(t)
	who := newPeople(t, db)
	for i := range 205 {
		db.listed(t, application(t, fmt.Sprintf("Quiet Group %03d", i)), who.owner, who.cm)
	}
	last := db.listed(t, fullApplication(t, "Waiting Gophers"), who.owner, who.cm)
	items, err := db.ValidationQueue(ctx, ch.DefaultProgram(), ch.QueueFilter{})
	must(t, err)
	if len(items) != 1 || items[0].Group.Slug != last.Slug || len(items[0].Group.Coordinators) != 2 {
		t.Fatalf("queue = %+v", items)
	}
	states := []ch.StepState{ch.StepNotMet}
	items, _ = db.ValidationQueue(ctx, ch.DefaultProgram(), ch.QueueFilter{States: states, Limit: 200})
	if len(items) != 200 || items[0].Group.Slug != "quiet-group-000" || items[199].Group.Slug != "quiet-group-199" {
		t.Errorf("queue of not-met steps: %d items", len(items))
	}
	items, _ = db.ValidationQueue(ctx, ch.DefaultProgram(), ch.QueueFilter{States: states, Limit: 200, Statuses: []ch.Status{ch.StatusNew}})
	if len(items) != 200 {
		t.Errorf("%d items", len(items))
	}
}

func TestProgramVersion(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	who := newPeople(t, db)

	p, v, err := db.ProgramVersion(ctx)
	must(t, err)
	if v != 0 || !bytes.Equal(ch.ExportProgram(p), ch.ExportProgram(ch.DefaultProgram())) {
		t.Fatalf("ProgramVersion with none saved: version %d", v)
	}
	if h, _ := db.ProgramHistory(ctx, 10); len(h) != 0 {
		t.Errorf("history %v", h)
	}

	edited := p.Clone()
	edited.Steps[4].Checks[0].Ratio = 0.5
	edited.Steps[4].Guidance = "Meet when you can."
	saved, err := db.SaveProgram(ctx, edited, who.cm)
	must(t, err)
	if saved != 2 {
		t.Errorf("editing the default (version 1) saved version %d", saved)
	}
	if edited.Version != 1 {
		t.Error("SaveProgram changed the caller's program")
	}
	got, v, err := db.ProgramVersion(ctx)
	must(t, err)
	if v != 2 || got.Version != 2 || got.Steps[4].Checks[0].Ratio != 0.5 || got.Steps[4].Guidance != "Meet when you can." || got.Steps[0].Guidance != p.Steps[0].Guidance {
		t.Errorf("ProgramVersion = v%d (%d), ratio %v, guidance %q", v, got.Version, got.Steps[4].Checks[0].Ratio, got.Steps[4].Guidance)
	}

	// A wrong program is refused and nothing is stored.
	wrong := got.Clone()
	wrong.Steps[4].Checks[0].Ratio = 2
	_, err = db.SaveProgram(ctx, wrong, who.cm)
	wantCode(t, err, ch.EINVALID)
	if _, ok := ch.ErrorFields(err)["steps.4.checks.0.ratio"]; !ok {
		t.Errorf("fields %v", ch.ErrorFields(err))
	}

	db.clock.Add(time.Hour)
	got.ValidationValidity = ch.Period{Months: 6}
	saved, err = db.SaveProgram(ctx, got, nil)
	must(t, err)
	if saved != 3 {
		t.Errorf("second save: version %d", saved)
	}
	// A program numbered ahead of the store keeps its numbers going up.
	ahead := got.Clone()
	ahead.Version = 10
	if saved, _ = db.SaveProgram(ctx, ahead, who.cm); saved != 11 {
		t.Errorf("saving version 10: stored %d", saved)
	}
	latest, v, _ := db.ProgramVersion(ctx)
	if v != 11 || latest.ValidationValidity != (ch.Period{Months: 6}) {
		t.Errorf("latest v%d validity %v", v, latest.ValidationValidity)
	}
	h, err := db.ProgramHistory(ctx, 10)
	must(t, err)
	if len(h) != 3 || h[0].Version != 11 || h[1].Version != 3 || h[1].ByName != "" || h[1].ByID != 0 || h[2].Version != 2 ||
		h[2].ByName != who.cm.Name || !h[1].At.Equal(db.clock.Now()) {
		t.Errorf("ProgramHistory = %+v", h)
	}
	file, err := db.ProgramFile(ctx, 2)
	must(t, err)
	if back, err := ch.ParseProgram("v2.toml", file); err != nil || back.Version != 2 || back.Steps[4].Checks[0].Ratio != 0.5 {
		t.Errorf("ProgramFile(2) reads back as v%d: %v", back.Version, err)
	}
	_, err = db.ProgramFile(ctx, 4)
	wantCode(t, err, ch.ENOTFOUND)
}

// fillOfficial puts rows in every table of the official process, after
// fill (backup_test.go) made its users and groups. fill should call it, so
// that TestCopy checks these tables too.
func fillOfficial(t *testing.T, db *sqldb.DB) {
	t.Helper()
	ctx := context.Background()
	manager, _, err := db.UserByEmail(ctx, "cora@example.org")
	must(t, err)
	ann, _, err := db.UserByEmail(ctx, "ann@example.org") // an ambassador
	must(t, err)
	must(t, db.AddAmbassador(ctx, "gophers-of-zurich", ann.ID, manager, nil))
	must(t, db.AddValidation(ctx, "gophers-of-zurich", ch.Validation{StepID: "organisation", Role: ch.RoleCommunityManager, Verdict: ch.VerdictPass}, manager, nil))
	_, err = db.AddStepComment(ctx, "gophers-of-zurich", "meetings", "Grüezi!", ann, nil)
	must(t, err)
	must(t, db.SetStepNotNeeded(ctx, "gophers-of-sao-paulo", "mentor", "Established.", manager, nil))
	must(t, db.SetAcceptedRhythm(ctx, "gophers-of-sao-paulo", ch.AcceptedRhythm{Cadence: "quarterly", Note: "Large events."}, manager))
	seven := 7
	_, err = db.RecordMeeting(ctx, "gophers-of-zurich", ch.RecordedMeeting{HeldOn: db.Now().AddDate(0, -1, 0), Title: "Fondue & Go", Format: "in_person", Attendance: &seven}, ann)
	must(t, err)
	_, err = db.RecordMeeting(ctx, "gophers-of-zurich", ch.RecordedMeeting{HeldOn: db.Now().AddDate(0, -2, 0), Title: "Online", Format: "online"}, nil)
	must(t, err)
	_, err = db.SaveProgram(ctx, ch.DefaultProgram(), manager)
	must(t, err)
}

// The official tables survive Copy, between engines too.
func TestCopyOfficialTables(t *testing.T) {
	ctx := context.Background()
	src := openSQLite(t, t.TempDir())
	emails := fill(t, src)
	if _, v, _ := src.ProgramVersion(ctx); v == 0 { // fill does not call fillOfficial yet
		fillOfficial(t, src)
	}
	official := []string{"group_ambassadors", "step_validations", "step_comments", "step_exemptions", "accepted_rhythms", "recorded_meetings", "program_versions"}
	compare := func(a, b *sqldb.DB) {
		t.Helper()
		for _, slug := range []string{"gophers-of-zurich", "gophers-of-sao-paulo"} {
			ga, err := a.GroupBySlug(ctx, slug)
			must(t, err)
			gb, err := b.GroupBySlug(ctx, slug)
			must(t, err)
			reqs, _ := a.Requirements(ctx)
			fa, err := a.GroupFacts(ctx, ga, ch.DefaultProgram(), reqs, a.Now())
			must(t, err)
			fb, err := b.GroupFacts(ctx, gb, ch.DefaultProgram(), reqs, a.Now())
			must(t, err)
			ra, rb := fa.AcceptedRhythm, fb.AcceptedRhythm
			fa.AcceptedRhythm, fb.AcceptedRhythm = nil, nil
			if fmt.Sprint(fa) != fmt.Sprint(fb) || (ra == nil) != (rb == nil) ||
				(ra != nil && (ra.Cadence != rb.Cadence || ra.Note != rb.Note || ra.ByName != rb.ByName || !ra.At.Equal(rb.At))) {
				t.Errorf("%s: facts differ in the %s copy:\n%+v\n%+v", slug, b.Engine(), fa, fb)
			}
			va, _ := a.Validations(ctx, ga.ID)
			vb, _ := b.Validations(ctx, gb.ID)
			ma, _ := a.RecordedMeetings(ctx, ga.ID)
			mb, _ := b.RecordedMeetings(ctx, gb.ID)
			if len(va) != len(vb) || len(ma) != len(mb) {
				t.Errorf("%s: %d/%d validations, %d/%d meetings", slug, len(va), len(vb), len(ma), len(mb))
			}
		}
		_, va, _ := a.ProgramVersion(ctx)
		_, vb, _ := b.ProgramVersion(ctx)
		if va != 2 || vb != 2 {
			t.Errorf("program versions %d and %d", va, vb)
		}
	}
	copied, report := copyInto(t, src, t.TempDir(), "")
	for _, table := range official {
		if !regexp.MustCompile(`(?m)^` + table + ` +[1-9]\d* `).MatchString(report) {
			t.Errorf("no rows copied in %s:\n%s", table, report)
		}
	}
	sameContents(t, src, copied, emails)
	compare(src, copied)
	if url := sqldbtest.URL(t); url != "" {
		pg, _ := copyInto(t, src, "", url)
		compare(src, pg)
		// New rows get new ids after a copy.
		cm, _, _ := pg.UserByEmail(ctx, "cora@example.org")
		must(t, pg.AddValidation(ctx, "gophers-of-zurich", ch.Validation{StepID: "channels", Role: ch.RoleCommunityManager, Verdict: ch.VerdictPass}, cm, nil))
		_, err := pg.RecordMeeting(ctx, "gophers-of-zurich", ch.RecordedMeeting{HeldOn: pg.Now(), Title: "After the move", Format: "online"}, cm)
		must(t, err)
		_, err = pg.AddStepComment(ctx, "gophers-of-zurich", "channels", "Moved.", cm, nil)
		must(t, err)
	}
}
