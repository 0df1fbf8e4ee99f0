package web

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	ch "chapterhouse"
)

type apiStepsResponse struct {
	Steps []apiStep `json:"steps"`
}

type apiStepResponse struct {
	Step apiStep `json:"step"`
}

type apiAmbassadorsResponse struct {
	Ambassadors []apiAmbassador `json:"ambassadors"`
}

// officialWorld is a listed group run by two organizers from two
// employers, with a community manager, two ambassadors and a member.
type officialWorld struct {
	p                              *testPortal
	slug                           string
	org, cm, amb, amb2, member     *ch.User
	orgT, cmT, ambT, amb2T, memT   string
	steps, validate, ambs, setStat string
}

func newOfficialWorld(t *testing.T) *officialWorld {
	p := newPortal(t)
	w := &officialWorld{p: p,
		org:    p.user("org@example.org", "Olga Organizer"),
		cm:     p.user("cm@example.org", "Cora Manager", ch.RoleCommunityManager),
		amb:    p.user("amb@example.org", "Abe Ambassador", ch.RoleAmbassador),
		amb2:   p.user("amb2@example.org", "Ada Ambassador", ch.RoleAmbassador),
		member: p.user("mem@example.org", "Mel Member"),
	}
	bea := ch.Coordinator{Email: "bea@example.org", Name: "Bea Other", Employer: "Globex"}
	w.slug = p.createGroup(groupApp("Lyon Gophers", "FR", coordinator(w.org, "Acme"), bea), w.org, w.cm, true).Slug
	for _, x := range []struct {
		u   *ch.User
		tok *string
	}{{w.org, &w.orgT}, {w.cm, &w.cmT}, {w.amb, &w.ambT}, {w.amb2, &w.amb2T}, {w.member, &w.memT}} {
		*x.tok, _ = p.apiToken(x.u)
	}
	base := "/api/v1/groups/" + w.slug
	w.steps, w.validate, w.ambs, w.setStat = base+"/steps", base+"/steps/%s/validations", base+"/ambassadors", base+"/status"
	return w
}

func (w *officialWorld) stepStates(token string) map[string]ch.StepState {
	w.p.t.Helper()
	var out apiStepsResponse
	w.p.apiJSON("GET", w.steps, token, "", 200, &out)
	states := map[string]ch.StepState{}
	for _, s := range out.Steps {
		states[s.ID] = s.State
	}
	return states
}

// recordMeetings records n monthly meetings, the latest a few days ago.
func (w *officialWorld) recordMeetings(n int) {
	w.p.t.Helper()
	for i := range n {
		m := ch.RecordedMeeting{HeldOn: time.Now().AddDate(0, -i, -3), Title: fmt.Sprintf("Meetup #%d", n-i), Format: "in_person"}
		if _, err := w.p.db.RecordMeeting(context.Background(), w.slug, m, w.org); err != nil {
			w.p.t.Fatalf("RecordMeeting: %v %v", err, ch.ErrorFields(err))
		}
	}
}

func TestAPIOfficialSteps(t *testing.T) {
	w := newOfficialWorld(t)
	p := w.p
	// Organizers and community managers see the checklist; a member and an
	// ambassador not mentoring the group do not, nor the public.
	for _, tok := range []string{"", w.memT, w.ambT} {
		p.apiFail("GET", w.steps, tok, "", 404, ch.ENOTFOUND)
	}
	var out apiStepsResponse
	p.apiJSON("GET", w.steps, w.orgT, "", 200, &out)
	var ids []string
	for _, s := range out.Steps {
		ids = append(ids, s.ID)
	}
	if want := []string{"policy", "contact", "organisation", "channels", "meetings", "mentor"}; !slices.Equal(ids, want) {
		t.Fatalf("steps %v, want %v", ids, want)
	}
	org := out.Steps[2]
	if org.State != ch.StepAwaitingValidation || len(org.Checks) != 1 || !org.Checks[0].Met || org.Checks[0].Kind != ch.CheckCoordinators ||
		!slices.Equal(org.MissingRoles, []ch.Role{ch.RoleCommunityManager, ch.RoleAmbassador}) || org.Next == "" || org.Expires != nil {
		t.Errorf("organisation step = %+v", org)
	}
	if m := out.Steps[4]; m.State != ch.StepNotMet || m.Checks[0].Met || m.Checks[0].Todo == "" {
		t.Errorf("meetings step = %+v", m)
	}
	p.apiJSON("GET", w.steps, w.cmT, "", 200, nil)
	p.apiFail("GET", "/api/v1/groups/no-such-group/steps", w.cmT, "", 404, ch.ENOTFOUND)

	// Once it mentors the group, the ambassador sees it.
	p.apiJSON("POST", w.ambs, w.ambT, "", 201, nil)
	p.apiJSON("GET", w.steps, w.ambT, "", 200, nil)
	p.apiFail("GET", w.steps, w.amb2T, "", 404, ch.ENOTFOUND)
}

func TestAPIValidateStepRefusals(t *testing.T) {
	w := newOfficialWorld(t)
	p := w.p
	body := `{"verdict": "pass", "comment": "Fine."}`
	organisation := fmt.Sprintf(w.validate, "organisation")

	p.apiFail("POST", organisation, "", body, 401, ch.EUNAUTHORIZED)
	e := p.apiFail("POST", organisation, w.orgT, body, 403, ch.EFORBIDDEN)
	t.Logf("organizer: %s", e.Error.Message)
	p.apiFail("POST", organisation, w.memT, body, 403, ch.EFORBIDDEN)
	// An ambassador validates only the groups it mentors…
	p.apiFail("POST", organisation, w.amb2T, body, 403, ch.EFORBIDDEN)
	// …and may not pretend to be a community manager.
	p.apiFail("POST", organisation, w.ambT, `{"verdict": "pass", "role": "community-manager"}`, 403, ch.EFORBIDDEN)

	p.apiFail("POST", fmt.Sprintf(w.validate, "no-such-step"), w.cmT, body, 404, ch.ENOTFOUND)
	p.apiFail("POST", fmt.Sprintf(w.validate, "policy"), w.cmT, body, 409, ch.ECONFLICT)
	wantFields(t, "bad verdict", p.apiFail("POST", organisation, w.cmT, `{"verdict": "maybe"}`, 422, ch.EINVALID), "verdict")
	wantFields(t, "needs_work without comment", p.apiFail("POST", organisation, w.cmT, `{"verdict": "needs_work", "comment": "  "}`, 422, ch.EINVALID), "comment")
	wantFields(t, "unknown role", p.apiFail("POST", organisation, w.cmT, `{"verdict": "pass", "role": "approver"}`, 422, ch.EINVALID), "role")
	p.apiFail("POST", organisation, w.cmT, `{"verdict": "pass", "by": "someone"}`, 400, ch.EBADREQUEST)

	// A needs_work verdict shows with its comment.
	var got apiStepResponse
	p.apiJSON("POST", organisation, w.cmT, `{"verdict": "needs_work", "comment": "Add a second employer."}`, 201, &got)
	if s := got.Step; s.ID != "organisation" || s.State != ch.StepNeedsWork || len(s.Validations) != 1 ||
		s.Validations[0].By != w.cm.Name || s.Validations[0].Comment != "Add a second employer." || s.Validations[0].Role != ch.RoleCommunityManager {
		t.Errorf("after needs_work: %+v", s)
	}

	// When the program lets every ambassador validate, one that does not
	// mentor the group sees and validates it; an organizer still cannot.
	p.srv.flows.Default.AmbassadorsValidateAnyGroup = true
	p.srv.flows.ForgetProgram() // the server reads its program through a short cache
	p.apiJSON("GET", w.steps, w.amb2T, "", 200, nil)
	p.apiJSON("POST", organisation, w.amb2T, body, 201, &got)
	if !slices.ContainsFunc(got.Step.Validations, func(v apiValidation) bool { return v.Role == ch.RoleAmbassador && v.By == w.amb2.Name }) {
		t.Errorf("the ambassador's pass is not shown: %+v", got.Step.Validations)
	}
	p.apiFail("POST", organisation, w.orgT, body, 403, ch.EFORBIDDEN)
}

func TestAPIValidateInTwoRoles(t *testing.T) {
	w := newOfficialWorld(t)
	p := w.p
	both := p.user("both@example.org", "Bo Both", ch.RoleCommunityManager, ch.RoleAmbassador)
	tok, _ := p.apiToken(both)
	organisation := fmt.Sprintf(w.validate, "organisation")
	p.apiJSON("POST", w.ambs, w.cmT, `{"email": "both@example.org"}`, 201, nil)
	wantFields(t, "two roles, none chosen", p.apiFail("POST", organisation, tok, `{"verdict": "pass"}`, 422, ch.EINVALID), "role")
	var got apiStepResponse
	p.apiJSON("POST", organisation, tok, `{"verdict": "pass", "role": "ambassador"}`, 201, &got)
	if got.Step.State != ch.StepAwaitingValidation || !slices.Equal(got.Step.MissingRoles, []ch.Role{ch.RoleCommunityManager}) {
		t.Errorf("after the ambassador's pass: %+v", got.Step)
	}
}

func TestAPIAmbassadors(t *testing.T) {
	w := newOfficialWorld(t)
	p := w.p
	p.apiFail("POST", w.ambs, "", "", 401, ch.EUNAUTHORIZED)
	p.apiFail("POST", w.ambs, w.memT, "", 403, ch.EFORBIDDEN)
	p.apiFail("POST", w.ambs, w.orgT, "{}", 403, ch.EFORBIDDEN)
	wantFields(t, "manager without an address", p.apiFail("POST", w.ambs, w.cmT, "{}", 422, ch.EINVALID), "email") // a community manager is no ambassador: it assigns one
	p.apiFail("POST", w.ambs, w.ambT, `{"email": "amb2@example.org"}`, 403, ch.EFORBIDDEN)                         // only managers assign others

	var got apiAmbassadorsResponse
	p.apiJSON("POST", w.ambs, w.ambT, "", 201, &got)
	if len(got.Ambassadors) != 1 || got.Ambassadors[0].Name != w.amb.Name {
		t.Errorf("after signing up: %+v", got)
	}
	p.apiFail("POST", w.ambs, w.ambT, "{}", 409, ch.ECONFLICT)

	wantFields(t, "unknown account", p.apiFail("POST", w.ambs, w.cmT, `{"email": "nobody@example.org"}`, 422, ch.EINVALID), "email")
	wantFields(t, "not an ambassador", p.apiFail("POST", w.ambs, w.cmT, `{"email": "mem@example.org"}`, 422, ch.EINVALID), "email")
	p.apiFail("POST", w.ambs, w.cmT, `{"email": 3}`, 422, ch.EINVALID)
	p.apiJSON("POST", w.ambs, w.cmT, `{"email": "AMB2@example.org"}`, 201, &got)
	names := []string{}
	for _, a := range got.Ambassadors {
		names = append(names, a.Name)
	}
	if !slices.Equal(names, []string{w.amb.Name, w.amb2.Name}) {
		t.Errorf("ambassadors %v", names)
	}
	// Mail went to the organizers and to the assigned ambassador.
	mails, err := p.db.Outbox(context.Background(), 1000)
	if err != nil {
		t.Fatal(err)
	}
	to := map[string]bool{}
	for _, m := range mails {
		to[m.To] = true
	}
	for _, addr := range []string{w.org.Email, "bea@example.org", w.amb2.Email} {
		if !to[addr] {
			t.Errorf("no mail to %s", addr)
		}
	}
}

func TestAPIOfficialStatus(t *testing.T) {
	w := newOfficialWorld(t)
	p := w.p
	official := `{"status": "official", "reason": "Welcome!"}`

	// Only community managers change the status.
	p.apiFail("POST", w.setStat, "", official, 401, ch.EUNAUTHORIZED)
	for _, tok := range []string{w.orgT, w.ambT, w.memT} {
		p.apiFail("POST", w.setStat, tok, official, 403, ch.EFORBIDDEN)
	}
	wantFields(t, "bad status", p.apiFail("POST", w.setStat, w.cmT, `{"status": "new"}`, 422, ch.EINVALID), "status")
	wantFields(t, "archived without a reason", p.apiFail("POST", w.setStat, w.cmT, `{"status": "archived"}`, 422, ch.EINVALID), "reason")

	// Not every step is met: 409 lists the open ones.
	e := p.apiFail("POST", w.setStat, w.cmT, official, 409, ch.ECONFLICT)
	if got := slices.Sorted(maps.Keys(e.Error.Fields)); !slices.Equal(got, []string{"channels", "meetings", "mentor", "organisation"}) {
		t.Errorf("unmet steps %v (%s)", got, e.Error.Message)
	}
	// Revoking a group that is not official is a conflict too.
	p.apiFail("POST", w.setStat, w.cmT, `{"status": "revoked", "reason": "No."}`, 409, ch.ECONFLICT)
}

// TestAPIOfficialPath takes a group to official status and back to revoked
// through the API alone, as the people of the program would.
func TestAPIOfficialPath(t *testing.T) {
	w := newOfficialWorld(t)
	p := w.p
	w.recordMeetings(10)

	// An ambassador signs up to mentor the group.
	p.apiJSON("POST", w.ambs, w.ambT, "", 201, nil)
	if s := w.stepStates(w.orgT); s["mentor"] != ch.StepMet || s["meetings"] != ch.StepAwaitingValidation {
		t.Fatalf("after signing up and meetings: %v", s)
	}

	validated := []string{"organisation", "channels", "meetings"}
	for _, id := range validated {
		var got apiStepResponse
		p.apiJSON("POST", fmt.Sprintf(w.validate, id), w.cmT, `{"verdict": "pass", "comment": "Looks good."}`, 201, &got)
		if got.Step.State != ch.StepAwaitingValidation {
			t.Errorf("%s after the community manager: %s", id, got.Step.State)
		}
		p.apiJSON("POST", fmt.Sprintf(w.validate, id), w.ambT, `{"verdict": "pass", "comment": "Met them; all good."}`, 201, &got)
		if got.Step.State != ch.StepValidated || len(got.Step.Validations) != 2 || got.Step.Expires == nil ||
			got.Step.Expires.Before(time.Now().AddDate(0, 11, 0)) || len(got.Step.MissingRoles) != 0 {
			t.Errorf("%s after both: %+v", id, got.Step)
		}
	}
	want := map[string]ch.StepState{"policy": ch.StepMet, "contact": ch.StepMet, "organisation": ch.StepValidated,
		"channels": ch.StepValidated, "meetings": ch.StepValidated, "mentor": ch.StepMet}
	if got := w.stepStates(w.cmT); !maps.Equal(got, want) {
		t.Fatalf("every step: %v, want %v", got, want)
	}

	var g apiGroupResponse
	p.apiJSON("POST", w.setStat, w.cmT, `{"status": "official", "reason": "Welcome to the program!"}`, 200, &g)
	if g.Group.Status != ch.StatusOfficial {
		t.Fatalf("granted: %+v", g.Group)
	}
	p.apiJSON("GET", "/api/v1/groups/"+w.slug, "", "", 200, &g)
	if g.Group.Status != ch.StatusOfficial {
		t.Errorf("public view after the grant: %s", g.Group.Status)
	}
	p.apiFail("POST", w.setStat, w.cmT, `{"status": "official"}`, 409, ch.ECONFLICT) // already official

	wantFields(t, "revoke without a reason", p.apiFail("POST", w.setStat, w.cmT, `{"status": "revoked", "reason": " "}`, 422, ch.EINVALID), "reason")
	p.apiFail("POST", w.setStat, w.orgT, `{"status": "revoked", "reason": "We stop."}`, 403, ch.EFORBIDDEN)
	p.apiJSON("POST", w.setStat, w.cmT, `{"status": "revoked", "reason": "No meeting since the spring."}`, 200, &g)
	if g.Group.Status != ch.StatusRevoked {
		t.Fatalf("revoked: %+v", g.Group)
	}
	p.apiJSON("GET", "/api/v1/groups/"+w.slug, "", "", 200, &g)
	if g.Group.Status != ch.StatusRevoked {
		t.Errorf("public view after revoking: %s", g.Group.Status)
	}
	// The validations still count: the group can be granted again.
	p.apiJSON("POST", w.setStat, w.cmT, `{"status": "official"}`, 200, &g)
	if g.Group.Status != ch.StatusOfficial {
		t.Errorf("granted again: %s", g.Group.Status)
	}

	// The organizers were told of each change.
	mails, err := p.db.Outbox(context.Background(), 1000)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, m := range mails {
		if m.To == w.org.Email {
			n++
		}
	}
	if n < 3+3+3 { // a mentor, six passes (the organizer is not the validator), official, revoked, official
		t.Errorf("%d mails to the organizer", n)
	}
}
