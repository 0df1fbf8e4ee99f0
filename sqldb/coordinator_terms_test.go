package sqldb_test

import (
	"context"
	"slices"
	"testing"
	"time"

	ch "chapterhouse"
)

// A verdict counts only from someone who did not coordinate the group from
// a validity before it until now, and a mentor counts only if it did not
// coordinate the group within the validity: coordinator terms are recorded
// on every change of the coordinators, and an address change follows the
// person.
func TestCoordinatorHistoryDisqualifiesReviewers(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	p := ch.DefaultProgram()
	who := newPeople(t, db)
	g := db.listed(t, fullApplication(t, "Lyon Gophers"), who.owner, who.cm)
	must(t, db.AddAmbassador(ctx, g.Slug, who.amb.ID, who.amb, nil))
	setCoordinators := func(with bool) {
		t.Helper()
		g, err := db.GroupBySlug(ctx, g.Slug)
		must(t, err)
		app := ch.ApplicationOf(g)
		app.Coordinators = slices.DeleteFunc(app.Coordinators, func(c ch.Coordinator) bool { return c.Email == who.amb.Email })
		if with {
			app.Coordinators = append(app.Coordinators, ch.Coordinator{Email: who.amb.Email, Name: "Amb", Employer: "Initech"})
		}
		_, err = db.UpdateGroup(ctx, g.Slug, app, who.owner, nil)
		must(t, err)
	}
	state := func(step string) ch.StepState {
		t.Helper()
		_, res := results(t, db, g.Slug, p)
		return states(res)[step]
	}
	pass := func(by *ch.User, role ch.Role) {
		t.Helper()
		must(t, db.AddValidation(ctx, g.Slug, ch.Validation{StepID: "organisation", Role: role, Verdict: ch.VerdictPass}, by, nil))
	}
	if state("mentor") != ch.StepMet {
		t.Fatalf("an independent mentor: mentor step %s", state("mentor"))
	}

	// Mentoring while a coordinator, then stepping out: the mentor does not
	// count until a validity has passed since it left.
	setCoordinators(true)
	if state("mentor") != ch.StepNotMet {
		t.Errorf("a mentor who coordinates the group: mentor step %s", state("mentor"))
	}
	setCoordinators(false)
	db.clock.Add(24 * time.Hour)
	if state("mentor") != ch.StepNotMet {
		t.Errorf("a mentor who left the coordinators yesterday: mentor step %s", state("mentor"))
	}
	// A verdict given right after stepping out does not count.
	pass(who.cm, ch.RoleCommunityManager)
	pass(who.amb, ch.RoleAmbassador)
	if got := state("organisation"); got == ch.StepValidated {
		t.Errorf("a verdict of a coordinator who stepped out yesterday validated the step")
	}

	// A validity after it left, it is independent again.
	db.clock.Add(366 * 24 * time.Hour)
	if state("mentor") != ch.StepMet {
		t.Errorf("a mentor who left the coordinators over a year ago: mentor step %s", state("mentor"))
	}
	pass(who.cm, ch.RoleCommunityManager)
	pass(who.amb, ch.RoleAmbassador)
	if got := state("organisation"); got != ch.StepValidated {
		t.Fatalf("verdicts of independent reviewers: organisation %s", got)
	}

	// Coming back takes its verdict and its mentoring away.
	setCoordinators(true)
	if got := state("organisation"); got == ch.StepValidated {
		t.Error("the verdict of a coordinator who came back still counts")
	}
	if state("mentor") != ch.StepNotMet {
		t.Errorf("a mentor who came back to the coordinators: mentor step %s", state("mentor"))
	}

	// A new address does not wipe the slate.
	setCoordinators(false)
	must(t, db.ChangeEmail(ctx, who.amb.ID, "amb.new@example.org"))
	terms, err := db.CoordinatorTerms(ctx, g.ID)
	must(t, err)
	if !ch.CoordinatedSince(terms, who.amb.ID, db.clock.Now().Add(-time.Hour)) {
		t.Errorf("after an address change the history forgets the coordinator: %+v", terms)
	}
}
