package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	ch "chapterhouse"
)

// Publishing a new policy version asks the coordinators of every listed
// group, once each, to agree again; the group's first step is open until then.
func TestNewPolicyAsksGroupsToAgree(t *testing.T) {
	p := newPortal(t)
	ctx := context.Background()
	ann := p.user("ann@example.org", "Ann Applicant")
	cm := p.user("cm@example.org", "Cora Manager", ch.RoleCommunityManager)
	var slugs []string
	for _, name := range []string{"Lyon Gophers", "Lyon Rustaceans", "Paris Haskell"} {
		app := groupApp(name, "FR")
		app.Coordinators = []ch.Coordinator{{Email: ann.Email, Name: ann.Name, Employer: "Initech"}}
		g, err := p.db.CreateGroup(ctx, app, ann, nil)
		if err != nil {
			t.Fatal(err)
		}
		slugs = append(slugs, g.Slug)
	}
	for _, slug := range slugs[:2] { // the third stays pending
		if _, err := p.db.ReviewGroup(ctx, slug, ch.Accept, "", cm, nil); err != nil {
			t.Fatal(err)
		}
	}
	cmB := p.browser().signIn(cm.Email)
	if resp, body := cmB.post("/admin/policy", url.Values{"body": {"Be kind, and announce recordings."}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("publish: %d\n%s", resp.StatusCode, body)
	}
	mails, err := p.db.Outbox(ctx, 50)
	if err != nil {
		t.Fatal(err)
	}
	var asked []string
	for _, m := range mails {
		if strings.Contains(m.Subject, "Social Media and Event Policy") {
			asked = append(asked, m.To+": "+m.Body)
		}
	}
	if len(asked) != 1 || !strings.Contains(asked[0], "Lyon Gophers, Lyon Rustaceans") || strings.Contains(asked[0], "Paris Haskell") {
		t.Fatalf("mails asking to agree: %q; want one to ann@example.org naming her two listed groups", asked)
	}
	g, err := p.db.GroupBySlug(ctx, slugs[0])
	if err != nil {
		t.Fatal(err)
	}
	results, err := p.db.StepResults(ctx, g, ch.DefaultProgram())
	if err != nil {
		t.Fatal(err)
	}
	if results[0].Step.ID != "policy" || results[0].State != ch.StepNotMet {
		t.Errorf("policy step after a new version: %s, want not met", results[0].State)
	}
}
