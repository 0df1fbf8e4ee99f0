package web

import (
	"net/http"
	"strings"
	"testing"

	ch "chapterhouse"
)

// Issue #8, finding 6: the similar-name warning names to an applicant only
// the groups it may see (listed ones and its own), on the page and in the
// API; a community manager reviewing an application sees every similar
// group, pending and declined ones included. A new application's slug says
// nothing of hidden groups of the same name.
func TestSimilarNamesHideApplications(t *testing.T) {
	w := newAuthzWorld(t)
	p := w.p
	cm, org := w.users[asManager], w.users[asOrganizer]
	pending := p.createGroup(groupApp("Lyon Scala Meetup", "FR", coordinator(org, "Acme")), org, cm, false)
	declined := p.createGroup(groupApp("Scala Lyon", "FR", coordinator(org, "Acme")), org, cm, false)
	if _, err := p.db.ReviewGroup(t.Context(), declined.Slug, ch.Decline, "Duplicate", cm, nil); err != nil {
		t.Fatal(err)
	}

	// A member (and, through the API, another organizer) applying under a
	// like name is warned of nothing it may not
	// see, and its slug is what it would be were there no such groups.
	form := validApplication("Lyon Scala User Group")
	resp, body := w.browsers[asMember].post("/groups/new", form)
	if resp.StatusCode != http.StatusSeeOther || strings.Contains(body, "Lyon Scala Meetup") {
		t.Fatalf("a member's application was held up by hidden groups: %d\n%.400s", resp.StatusCode, body)
	}
	slug := strings.TrimPrefix(resp.Header.Get("Location"), "/groups/")
	if !strings.HasPrefix(slug, "lyon-scala-user-group-") || len(slug) != len("lyon-scala-user-group-")+8 {
		t.Errorf("the member's application has the slug %q", slug)
	}
	var created apiGroupResponse
	p.apiJSON("POST", "/api/v1/groups", w.tokens[asOtherOrg], `{"name": "Scala Lyon", "description": "…", "city": "Lyon", "country": "FR",
		"time_zone": "Europe/Paris", "cadence": "monthly", "policy_agreed": true}`, 201, &created)
	if len(created.Group.SimilarGroups) != 0 {
		t.Errorf("the API names hidden groups to an applicant: %v", created.Group.SimilarGroups)
	}

	// The organizer of the hidden applications is warned of its own.
	e := p.apiFail("POST", "/api/v1/groups", w.tokens[asOrganizer], `{"name": "Scala Lyon", "description": "…", "city": "Lyon", "country": "FR",
		"time_zone": "Europe/Paris", "cadence": "monthly", "policy_agreed": true}`, 422, ch.EINVALID)
	if len(e.Error.SimilarGroups) < 2 {
		t.Errorf("the organizer is not warned of its own applications: %v", e.Error.SimilarGroups)
	}

	// The community manager reviewing the member's application sees them all.
	_, page := w.browsers[asManager].get("/groups/" + slug)
	for _, g := range []string{pending.Slug, declined.Slug, created.Group.Slug} {
		if !strings.Contains(page, `href="/groups/`+g+`"`) {
			t.Errorf("the reviewer is not shown the similar group %s", g)
		}
	}
	_, page = w.browsers[asMember].get("/groups/" + slug)
	if strings.Contains(page, pending.Slug) || strings.Contains(page, declined.Slug) {
		t.Error("the applicant's page names hidden groups")
	}

	// Listed, the group takes its name's plain slug; the application's
	// slug leads there.
	var listed apiGroupResponse
	p.apiJSON("POST", "/api/v1/groups/"+slug+"/review", w.tokens[asManager], `{"decision": "accept"}`, 200, &listed)
	if listed.Group.Slug != "lyon-scala-user-group" {
		t.Errorf("the accepted group's slug is %q", listed.Group.Slug)
	}
	resp, _ = p.browser().get("/groups/" + slug)
	if resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != "/groups/lyon-scala-user-group" {
		t.Errorf("the application's address answers %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}
