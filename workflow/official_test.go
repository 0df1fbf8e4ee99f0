package workflow_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	ch "chapterhouse"
	"chapterhouse/workflow"
)

// The probe of issue #8: an ambassador mentors a group, joins its
// coordinators, steps out to validate it and comes back. While it
// coordinates the group, or did within the validity, it neither validates
// nor counts as the group's mentor, and is not offered to validate.
func TestFormerCoordinatorDoesNotReview(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	_, err := w.flows.AddAmbassador(ctx, w.amb, w.slug, "")
	w.must(err)
	mentorMet := func() bool {
		t.Helper()
		c, err := w.flows.Checklist(ctx, w.cm, w.slug)
		w.must(err)
		i := slices.IndexFunc(c.Results, func(r ch.StepResult) bool { return r.Step.ID == "mentor" })
		return c.Results[i].State.Satisfied()
	}
	if !mentorMet() {
		t.Fatal("an independent mentor does not meet the mentor step")
	}
	setCoordinators := func(with bool) {
		t.Helper()
		g, _, err := w.flows.Group(ctx, w.org, w.slug)
		w.must(err)
		app := ch.ApplicationOf(g)
		app.Coordinators = slices.DeleteFunc(app.Coordinators, func(c ch.Coordinator) bool { return c.Email == w.amb.Email })
		if with {
			app.Coordinators = append(app.Coordinators, ch.Coordinator{Email: w.amb.Email, Name: w.amb.Name, Employer: "Initech"})
		}
		_, _, err = w.flows.EditGroup(ctx, w.org, w.slug, workflow.ProfileInput{Application: app})
		w.must(err)
	}

	setCoordinators(true)
	if mentorMet() {
		t.Error("a mentor who coordinates the group meets its mentor step")
	}
	setCoordinators(false)
	if mentorMet() {
		t.Error("a mentor who just left the coordinators meets the mentor step")
	}
	c, err := w.flows.Checklist(ctx, w.amb, w.slug)
	w.must(err)
	st, _ := c.Program.Step("organisation")
	if roles := c.ValidatorRoles(st); len(roles) != 0 {
		t.Errorf("a former coordinator is offered to validate as %v", roles)
	}
	_, err = w.flows.ValidateStep(ctx, w.amb, w.slug, "organisation", workflow.ValidationInput{Verdict: ch.VerdictPass})
	if ch.ErrorCode(err) != ch.EFORBIDDEN {
		t.Fatalf("a former coordinator validating its group: %v, want forbidden", err)
	}
	if msg := ch.ErrorMessage(err); !strings.Contains(msg, "coordinated this group within the last 12 months") {
		t.Errorf("the refusal says %q", msg)
	}
	setCoordinators(true)
	_, err = w.flows.ValidateStep(ctx, w.amb, w.slug, "organisation", workflow.ValidationInput{Verdict: ch.VerdictPass})
	if ch.ErrorCode(err) != ch.EFORBIDDEN {
		t.Errorf("a coordinator validating its group: %v, want forbidden", err)
	}

	// A coordinator who is an ambassador neither signs up to mentor its
	// group nor is assigned to it.
	bea, err := w.db.CreateUser(ctx, "bea@example.org", "Bea Other", "x", true, 0, ch.RoleAmbassador)
	w.must(err)
	if _, err = w.flows.AddAmbassador(ctx, bea, w.slug, ""); ch.ErrorCode(err) != ch.EFORBIDDEN {
		t.Errorf("a coordinator signing up to mentor its own group: %v, want forbidden", err)
	}
	if _, err = w.flows.AddAmbassador(ctx, w.cm, w.slug, bea.Email); ch.ErrorFields(err)["email"] == "" {
		t.Errorf("a coordinator assigned to mentor its own group: %v, want a refusal next to the address", err)
	}
}
