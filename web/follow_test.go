package web

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	ch "chapterhouse"
)

// makeOfficial takes the world's group through every step to official
// status, through the API.
func (w *officialWorld) makeOfficial() {
	p := w.p
	p.t.Helper()
	w.recordMeetings(12)
	p.apiJSON("POST", w.ambs, w.ambT, "", 201, nil)
	for _, step := range []string{"organisation", "channels", "meetings"} {
		p.apiJSON("POST", fmt.Sprintf(w.validate, step), w.cmT, `{"verdict": "pass"}`, 201, nil)
		p.apiJSON("POST", fmt.Sprintf(w.validate, step), w.ambT, `{"verdict": "pass"}`, 201, nil)
	}
	p.apiJSON("POST", w.setStat, w.cmT, `{"status": "official", "reason": "Welcome!"}`, 200, nil)
}

// mailsSince returns the mails queued after the n-th, as "to: subject".
func (p *testPortal) mailsSince(n int) []string {
	p.t.Helper()
	entries, err := p.db.Outbox(context.Background(), 10000)
	if err != nil {
		p.t.Fatal(err)
	}
	var out []string
	for i := len(entries) - 1 - n; i >= 0; i-- {
		out = append(out, entries[i].To+": "+entries[i].Subject)
	}
	return out
}

func (p *testPortal) mailCount() int {
	p.t.Helper()
	n, err := p.db.Outbox(context.Background(), 10000)
	if err != nil {
		p.t.Fatal(err)
	}
	return len(n)
}

// TestOfficialFollowsTheFacts: an official group that drops to one
// coordinator stays official, its organizers, mentor and the community
// managers are told once, and it waits in the managers' queue.
func TestOfficialFollowsTheFacts(t *testing.T) {
	w := newOfficialWorld(t)
	p := w.p
	w.makeOfficial()
	before := p.mailCount()

	// Bea leaves the group: one employer, one coordinator.
	var g apiGroupResponse
	p.apiJSON("PATCH", "/api/v1/groups/"+w.slug, w.orgT, `{"coordinators": [{"email": "org@example.org", "name": "Olga Organizer", "employer": "Acme"}]}`, 200, &g)
	if g.Group.Status != ch.StatusOfficial {
		t.Fatalf("the group became %s: nothing is revoked automatically", g.Group.Status)
	}
	told := map[string]string{}
	for _, m := range p.mailsSince(before) {
		to, subject, _ := strings.Cut(m, ": ")
		told[to] = subject
	}
	for _, to := range []string{w.org.Email, w.amb.Email, w.cm.Email} {
		if !strings.Contains(told[to], "no longer met") {
			t.Errorf("%s was not told the step is no longer met (mails: %v)", to, told)
		}
	}
	if _, ok := told[w.member.Email]; ok {
		t.Errorf("a member was told: %v", told)
	}

	// Another edit: nobody is told again.
	before = p.mailCount()
	p.apiJSON("PATCH", "/api/v1/groups/"+w.slug, w.orgT, `{"description": "We meet monthly."}`, 200, nil)
	if again := p.mailsSince(before); len(again) != 0 {
		t.Errorf("told again: %v", again)
	}

	// The community managers see it in their queue.
	_, page := p.signedIn(w.cm).get("/review/queue")
	lapsed, _, _ := strings.Cut(page[strings.Index(page, `id="lapsed-h"`):], `id="renamed-h"`)
	if !strings.Contains(lapsed, "Lyon Gophers") || !strings.Contains(lapsed, "different employers") {
		t.Errorf("the queue's lapsed section does not show the group and its step:\n%s", lapsed)
	}

	// Bea comes back: the group leaves the queue.
	p.apiJSON("PATCH", "/api/v1/groups/"+w.slug, w.orgT, `{"coordinators": [{"email": "org@example.org", "name": "Olga Organizer", "employer": "Acme"},
		{"email": "bea@example.org", "name": "Bea Other", "employer": "Globex"}]}`, 200, nil)
	_, page = p.signedIn(w.cm).get("/review/queue")
	if !strings.Contains(page, "Every official group meets every step.") {
		t.Error("put right, the group is still in the queue")
	}
}

// TestPolicyVersionLapsesOfficialGroups: a new policy version makes every
// official group fail its policy step until it agrees; the community
// managers get one mail for the lot.
func TestPolicyVersionLapsesOfficialGroups(t *testing.T) {
	w := newOfficialWorld(t)
	p := w.p
	w.makeOfficial()
	before := p.mailCount()
	resp, body := p.signedIn(w.cm).post("/admin/policy", url.Values{"body": {"Be kind, and say so in every announcement."}})
	if resp.StatusCode != 303 {
		t.Fatalf("publish: %d %.300s", resp.StatusCode, body)
	}
	p.srv.flows.Wait() // the sweep after a new policy runs in the background
	var toManager []string
	lapseMails := 0
	for _, m := range p.mailsSince(before) {
		if strings.HasPrefix(m, w.cm.Email+": ") {
			toManager = append(toManager, m)
		}
		if strings.Contains(m, "no longer met") {
			lapseMails++
		}
	}
	if len(toManager) != 1 || !strings.Contains(toManager[0], "Lyon Gophers") {
		t.Errorf("the community manager got %v, want one mail naming the group", toManager)
	}
	if lapseMails < 2 {
		t.Errorf("%d mails about the policy step no longer met, want the organizers' and the mentor's", lapseMails)
	}
	// Agreeing puts it right.
	p.apiJSON("PATCH", "/api/v1/groups/"+w.slug, w.orgT, `{"policy_agreed": true}`, 200, nil)
	if ls, err := p.db.Lapses(context.Background(), p.srv.program(context.Background())); err != nil || len(ls) != 0 {
		t.Errorf("after agreeing: lapses %v %v", ls, err)
	}
}

// TestRenameOfficialGroup: the organizers rename an official group; the
// community managers see both names in their queue and roll it back.
func TestRenameOfficialGroup(t *testing.T) {
	w := newOfficialWorld(t)
	p := w.p
	w.makeOfficial()
	p.apiJSON("PATCH", "/api/v1/groups/"+w.slug, w.orgT, `{"name": "Lyon Go Club", "short_name": "LGC"}`, 200, nil)
	cm := p.signedIn(w.cm)
	_, page := cm.get("/review/queue")
	renamed, _, _ := strings.Cut(page[strings.Index(page, `id="renamed-h"`):], `id="cm-h"`)
	for _, want := range []string{"Lyon Go Club", "formerly <strong>Lyon Gophers</strong>", "Olga Organizer"} {
		if !strings.Contains(renamed, want) {
			t.Errorf("the queue's renames do not show %q:\n%s", want, renamed)
		}
	}
	// The organizers see, on the group's page, that the name waits.
	_, page = p.signedIn(w.org).get("/groups/" + w.slug)
	if !strings.Contains(page, "new name waits for a community manager") || !strings.Contains(page, "It was <strong>Lyon Gophers</strong>") {
		t.Error("the group's page does not tell its organizers that the new name waits")
	}
	resp, body := cm.post("/groups/"+w.slug+"/rename", url.Values{"decision": {"roll_back"}})
	if resp.StatusCode != 303 {
		t.Fatalf("roll back: %d %.300s", resp.StatusCode, body)
	}
	var g apiGroupResponse
	p.apiJSON("GET", "/api/v1/groups/"+w.slug, "", "", 200, &g)
	if g.Group.Name != "Lyon Gophers" {
		t.Errorf("after the roll-back the group is named %q", g.Group.Name)
	}
	_, page = cm.get("/review/queue")
	if !strings.Contains(page, "No official group was renamed.") {
		t.Error("decided, the rename is still in the queue")
	}
}
