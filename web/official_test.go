package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	ch "chapterhouse"
)

// checklistWorld is a portal with an accepted group run by two organizers
// from two employers, an ambassador and a community manager.
type checklistWorld struct {
	p               *testPortal
	org, org2       *ch.User
	amb, cm         *ch.User
	orgB, ambB, cmB *browser
	slug            string
	memberB         *browser
}

func newChecklistWorld(t *testing.T) *checklistWorld {
	t.Helper()
	p := newPortal(t)
	w := &checklistWorld{p: p}
	w.org = p.user("org@example.org", "Olga Organizer")
	w.org2 = p.user("org2@example.org", "Omar Organizer")
	w.amb = p.user("amb@example.org", "Abe Ambassador", ch.RoleAmbassador)
	w.cm = p.user("cm@example.org", "Cora Manager", ch.RoleCommunityManager)
	member := p.user("mem@example.org", "Mel Member")
	w.slug = p.createGroup(groupApp("Alpha Python User Group", "FR", coordinator(w.org, "Acme"), coordinator(w.org2, "Initech")), w.org, w.cm, true).Slug
	w.orgB, w.ambB, w.cmB, w.memberB = p.signedIn(w.org), p.signedIn(w.amb), p.signedIn(w.cm), p.signedIn(member)
	return w
}

func (w *checklistWorld) path(rest string) string { return "/groups/" + w.slug + rest }

func wantStatus(t *testing.T, what string, resp *http.Response, body string, want int) {
	t.Helper()
	if resp.StatusCode != want {
		t.Fatalf("%s: %d, want %d\n%.600s", what, resp.StatusCode, want, body)
	}
}

func TestChecklistPage(t *testing.T) {
	w := newChecklistWorld(t)
	resp, body := w.orgB.get(w.path("/checklist"))
	wantStatus(t, "organizer's checklist", resp, body, 200)
	for _, want := range []string{"Organised and coordinated", "Waiting for validation", "Guidance", "Acme", "Initech", "Record a past meeting", "Still open"} {
		if !strings.Contains(body, want) {
			t.Errorf("checklist lacks %q", want)
		}
	}
	if strings.Contains(body, "Validate this step") {
		t.Error("an organizer is offered to validate its own group")
	}
	resp, body = w.memberB.get(w.path("/checklist"))
	wantStatus(t, "member's checklist", resp, body, 404)
	resp, body = w.ambB.get(w.path("/checklist"))
	wantStatus(t, "checklist of a group the ambassador does not mentor", resp, body, 404)

	// Bad input re-renders the form with 422 and the message by the field.
	resp, body = w.orgB.post(w.path("/steps/organisation/comments"), url.Values{"body": {"  "}})
	wantStatus(t, "empty comment", resp, body, 422)
	if !strings.Contains(body, `id="body-organisation-error"`) {
		t.Error("no error next to the comment field")
	}
	resp, body = w.orgB.post(w.path("/meetings"), url.Values{"held_on": {"2999-01-01"}, "title": {""}, "format": {"in_person"}})
	wantStatus(t, "meeting in the future", resp, body, 422)
	if !strings.Contains(body, `id="f-held_on-error"`) || !strings.Contains(body, `id="f-title-error"`) {
		t.Error("no errors next to the meeting fields")
	}
	resp, body = w.cmB.post(w.path("/steps/organisation/validations"), url.Values{"verdict": {"needs_work"}, "comment": {""}})
	wantStatus(t, "needs work without a comment", resp, body, 422)

	// A comment is posted and the other organizer is mailed.
	resp, body = w.cmB.post(w.path("/steps/organisation/comments"), url.Values{"body": {"Who else helps?"}})
	wantStatus(t, "comment", resp, body, 303)
	if _, body = w.cmB.get(w.path("/checklist")); !strings.Contains(body, "Your comment is posted.") {
		t.Error("no flash after the comment")
	}
	if _, body = w.orgB.get(w.path("/checklist")); !strings.Contains(body, "Who else helps?") {
		t.Error("the comment is not on the checklist")
	}
	if !w.mailed(t, w.org2.Email, "New comment on") {
		t.Error("the organizers were not mailed the comment")
	}
}

func (w *checklistWorld) mailed(t *testing.T, to, subject string) bool {
	t.Helper()
	mails, err := w.p.db.Outbox(context.Background(), 200)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range mails {
		if m.To == to && strings.Contains(m.Subject, subject) {
			return true
		}
	}
	return false
}

func TestChecklistValidationRefusals(t *testing.T) {
	w := newChecklistWorld(t)
	pass := url.Values{"verdict": {"pass"}, "comment": {"Good."}}
	resp, body := w.orgB.post(w.path("/steps/organisation/validations"), pass)
	wantStatus(t, "organizer validates its own group", resp, body, 403)
	if !strings.Contains(body, "You organize this group") {
		t.Errorf("no clear message: %.300s", body)
	}
	resp, body = w.ambB.post(w.path("/steps/organisation/validations"), pass)
	wantStatus(t, "ambassador validates a group it does not mentor", resp, body, 403)
	if !strings.Contains(body, "sign up to mentor this group first") {
		t.Errorf("no clear message: %.300s", body)
	}
	resp, body = w.ambB.post(w.path("/ambassadors"), nil)
	wantStatus(t, "ambassador signs up", resp, body, 303)
	resp, body = w.ambB.post(w.path("/steps/organisation/validations"), pass)
	wantStatus(t, "mentoring ambassador validates", resp, body, 303)
	resp, body = w.ambB.post(w.path("/steps/policy/validations"), pass)
	wantStatus(t, "validation of a step checked by the portal", resp, body, 409)
	resp, body = w.ambB.post(w.path("/steps/no-such-step/validations"), pass)
	wantStatus(t, "unknown step", resp, body, 404)
	if !w.mailed(t, w.org.Email, "is validated") {
		t.Error("the organizers were not told the step is validated")
	}

	// Only community managers grant or revoke, or mark steps not needed.
	for _, b := range []*browser{w.orgB, w.ambB, w.memberB} {
		resp, body = b.post(w.path("/status"), url.Values{"status": {"official"}})
		wantStatus(t, "grant by a non-manager", resp, body, 403)
		resp, body = b.post(w.path("/status"), url.Values{"status": {"revoked"}, "reason": {"x"}})
		wantStatus(t, "revoke by a non-manager", resp, body, 403)
		resp, body = b.post(w.path("/steps/mentor/not-needed"), url.Values{"reason": {"x"}})
		wantStatus(t, "not needed by a non-manager", resp, body, 403)
	}
	// Granting while steps are unmet is refused, listing them.
	resp, body = w.cmB.post(w.path("/status"), url.Values{"status": {"official"}, "note": {"Welcome."}})
	wantStatus(t, "grant with unmet steps", resp, body, 409)
	for _, want := range []string{"Official status needs every step met", "Communication channels that are active", "Meeting regularly"} {
		if !strings.Contains(body, want) {
			t.Errorf("the refusal does not say %q", want)
		}
	}
	resp, body = w.cmB.post(w.path("/steps/mentor/not-needed"), url.Values{"reason": {""}})
	wantStatus(t, "not needed without a reason", resp, body, 422)
	resp, body = w.cmB.post(w.path("/steps/mentor/not-needed"), url.Values{"reason": {"An established group."}})
	wantStatus(t, "not needed", resp, body, 303)
}

func TestOfficialPath(t *testing.T) {
	w := newChecklistWorld(t)
	now := time.Now().UTC()
	for i := 1; i <= 10; i++ {
		resp, body := w.orgB.post(w.path("/meetings"), url.Values{"held_on": {now.AddDate(0, 0, -30*i).Format("2006-01-02")},
			"title": {"Meetup"}, "format": {"hybrid"}, "attendance": {"20"}})
		wantStatus(t, "record a meeting", resp, body, 303)
	}
	resp, body := w.ambB.post(w.path("/ambassadors"), nil)
	wantStatus(t, "ambassador signs up", resp, body, 303)
	for _, step := range []string{"organisation", "channels", "meetings"} {
		resp, body = w.orgB.post(w.path("/steps/"+step+"/review-request"), url.Values{"note": {"Please have a look."}})
		wantStatus(t, "request a review", resp, body, 303)
		for _, b := range []*browser{w.cmB, w.ambB} {
			resp, body = b.post(w.path("/steps/"+step+"/validations"), url.Values{"verdict": {"pass"}, "comment": {"Well done."}})
			wantStatus(t, "validate "+step, resp, body, 303)
		}
	}
	if !w.mailed(t, w.amb.Email, "asks for a validation") {
		t.Error("the ambassador was not told of the review request")
	}
	_, body = w.orgB.get(w.path("/checklist"))
	if !strings.Contains(body, "Every step is met") {
		t.Fatalf("steps still open:\n%s", body)
	}
	resp, body = w.cmB.post(w.path("/status"), url.Values{"status": {"official"}, "note": {"Welcome aboard."}})
	wantStatus(t, "grant", resp, body, 303)
	_, body = w.memberB.get(w.path(""))
	if !strings.Contains(body, `badge-official">Official<`) {
		t.Error("the group page does not show the Official badge")
	}
	_, logo := w.memberB.get(w.path("/logo.svg"))
	if !strings.Contains(logo, "OFFICIAL USER GROUP") {
		t.Error("the logo is not the official one")
	}
	if !w.mailed(t, w.org.Email, "is an official user group") {
		t.Error("the organizers were not told of the grant")
	}

	resp, body = w.cmB.post(w.path("/status"), url.Values{"status": {"revoked"}, "reason": {""}})
	wantStatus(t, "revoke without a reason", resp, body, 422)
	if !strings.Contains(body, `id="status-reason-error"`) {
		t.Error("no error next to the reason")
	}
	resp, body = w.cmB.post(w.path("/status"), url.Values{"status": {"revoked"}, "reason": {"No meetings for a year."}})
	wantStatus(t, "revoke", resp, body, 303)
	_, logo = w.memberB.get(w.path("/logo.svg"))
	if !strings.Contains(logo, "NEW GROUP") || strings.Contains(logo, "OFFICIAL") {
		t.Error("the logo is still the official one")
	}
	if !w.mailed(t, w.org.Email, "no longer an official user group") {
		t.Error("the organizers were not told of the revocation")
	}
}

func TestReviewQueue(t *testing.T) {
	w := newChecklistWorld(t)
	resp, body := w.memberB.get("/review/queue")
	wantStatus(t, "member's queue", resp, body, 403)
	resp, body = w.orgB.get("/review/queue")
	wantStatus(t, "organizer's queue", resp, body, 403)
	resp, body = w.ambB.get("/review/queue")
	wantStatus(t, "ambassador's queue", resp, body, 200)
	if !strings.Contains(body, "Mentor Alpha Python User Group") {
		t.Error("the group wanting a mentor is not listed with a sign-up button")
	}
	resp, body = w.cmB.get("/review/queue")
	wantStatus(t, "manager's queue", resp, body, 200)
	if !strings.Contains(body, "Alpha Python User Group") {
		t.Error("the group waiting for validation is not in the manager's queue")
	}
	resp, body = w.cmB.get("/review/queue?state=bogus")
	wantStatus(t, "bad filter", resp, body, 422)
	resp, body = w.cmB.get("/review/queue?step=meetings&kind=validations")
	wantStatus(t, "filtered queue", resp, body, 200)
}

// A community manager accepts another rhythm for a group's meetings, with a
// note; the meetings step is then measured against it.
func TestAcceptedRhythm(t *testing.T) {
	p := newPortal(t)
	ctx := context.Background()
	ann := p.user("ann@example.org", "Ann Applicant")
	cm := p.user("cm@example.org", "Cora Manager", ch.RoleCommunityManager)
	app := groupApp("Riyadh Python", "SA")
	app.Coordinators = []ch.Coordinator{{Email: ann.Email, Name: ann.Name, Employer: "Initech"}}
	g, err := p.db.CreateGroup(ctx, app, ann, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.db.ReviewGroup(ctx, g.Slug, ch.Accept, "", cm, nil); err != nil {
		t.Fatal(err)
	}
	cmB := p.browser().signIn(cm.Email)
	path := "/groups/" + g.Slug + "/rhythm"
	resp, body := cmB.post(path, url.Values{"cadence": {"quarterly"}, "note": {""}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Say why this rhythm suits the group") {
		t.Fatalf("rhythm without a note: %d", resp.StatusCode)
	}
	if resp, _ := cmB.post(path, url.Values{"cadence": {"quarterly"}, "note": {"Quarterly conferences, as is the custom here."}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("accept rhythm: %d", resp.StatusCode)
	}
	_, body = cmB.get("/groups/" + g.Slug + "/checklist")
	if !strings.Contains(body, "Accepted instead: <strong>quarterly</strong>") {
		t.Error("the checklist does not show the accepted rhythm")
	}
	results, err := p.db.StepResults(ctx, g, ch.DefaultProgram())
	if err != nil {
		t.Fatal(err)
	}
	for _, res := range results {
		if res.Step.ID == "meetings" && !strings.Contains(res.Checks[0].Have+res.Checks[0].Todo, "3") {
			t.Errorf("meetings check after accepting a quarterly rhythm: %+v (want the yardstick of 3 meetings a year)", res.Checks[0])
		}
	}
	if resp, _ := cmB.post(path, url.Values{"action": {"clear"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("clear rhythm: %d", resp.StatusCode)
	}
	if _, body := cmB.get("/groups/" + g.Slug + "/checklist"); strings.Contains(body, "Accepted instead") {
		t.Error("the accepted rhythm is still shown after clearing it")
	}
}
