package web

import (
	"context"
	"net/http"
	"strings"
	"testing"

	ch "chapterhouse"
)

func TestApplyReviewAndDirectory(t *testing.T) {
	p := newPortal(t)
	p.user("ann@example.org", "Ann Applicant")
	p.user("cm@example.org", "Cora Manager", ch.RoleCommunityManager)
	ann := p.browser().signIn("ann@example.org")

	resp, body := ann.post("/groups/new", validApplication("Lyon Python User Group"))
	pending := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(pending, "/groups/lyon-python-user-group-") {
		t.Fatalf("apply: %d %s\n%s", resp.StatusCode, pending, body)
	}
	// Pending: the applicant sees it, the public does not.
	if resp, _ := ann.get(pending); resp.StatusCode != 200 {
		t.Fatalf("applicant cannot see own pending group: %d", resp.StatusCode)
	}
	anon := p.browser()
	if resp, _ := anon.get(pending); resp.StatusCode != 404 {
		t.Fatalf("public sees pending group: %d", resp.StatusCode)
	}
	if _, body := anon.get("/groups?q=lyon"); strings.Contains(body, "Lyon Python") {
		t.Fatal("pending group listed in the public directory")
	}

	cm := p.browser().signIn("cm@example.org")
	if _, body := cm.get("/admin/applications"); !strings.Contains(body, "Lyon Python User Group") {
		t.Fatal("application missing from the review queue")
	}
	resp, body = cm.post(pending+"/review", map[string][]string{"decision": {"decline"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Give the applicants a reason") {
		t.Fatalf("decline without reason: %d", resp.StatusCode)
	}
	resp, _ = cm.post(pending+"/review", map[string][]string{"decision": {"accept"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("accept: %d", resp.StatusCode)
	}
	_, body = anon.get("/groups?q=pyth")
	if !strings.Contains(body, "Lyon Python User Group") {
		t.Fatal("accepted group missing from directory search")
	}
	_, body = anon.get("/groups/lyon-python-user-group")
	for _, want := range []string{"Ann Applicant", "Initech", "Bea Other", "Acme", "New group", "<strong>Python</strong>"} {
		if !strings.Contains(body, want) {
			t.Errorf("group page lacks %q", want)
		}
	}
	if strings.Contains(body, "bea@example.org") || strings.Contains(body, "ann@example.org") {
		t.Error("group page shows coordinators' emails to the public")
	}
	mails, err := p.db.Outbox(context.Background(), 50)
	if err != nil {
		t.Fatal(err)
	}
	var subjects []string
	for _, m := range mails {
		subjects = append(subjects, m.To+": "+m.Subject)
	}
	all := strings.Join(subjects, "\n")
	for _, want := range []string{"bea@example.org: You were listed as the coordinator", "ann@example.org: Lyon Python User Group is now listed"} {
		if !strings.Contains(all, want) {
			t.Errorf("outbox lacks %q; has:\n%s", want, all)
		}
	}
}

func TestApplyFormKeepsInputAndShowsErrors(t *testing.T) {
	p := newPortal(t)
	p.user("ann@example.org", "Ann Applicant")
	ann := p.browser().signIn("ann@example.org")
	form := validApplication("Lyon Python User Group")
	form.Set("country", "XX")
	form.Set("latitude", "north")
	form.Set("longitude", "4.8")
	form.Del("policy_agreed")
	resp, body := ann.post("/groups/new", form)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("status %d", resp.StatusCode)
	}
	for _, want := range []string{"Choose a country from the list.", "Enter a decimal number", "Agree to the Social Media",
		`value="Lyon Python User Group"`, `value="north"`, "https://lists.example.org/lyon", "Bea Other", `value="Initech"`} {
		if !strings.Contains(body, want) {
			t.Errorf("re-rendered form lacks %q", want)
		}
	}
}

func TestSimilarNameMustBeAcknowledged(t *testing.T) {
	p := newPortal(t)
	p.user("ann@example.org", "Ann Applicant")
	ann := p.browser().signIn("ann@example.org")
	if resp, _ := ann.post("/groups/new", validApplication("Lyon Python User Group")); resp.StatusCode != http.StatusSeeOther {
		t.Fatal("first application refused")
	}
	form := validApplication("Python Lyon Meetup")
	resp, body := ann.post("/groups/new", form)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "similar name") {
		t.Fatalf("similar name not flagged: %d", resp.StatusCode)
	}
	form.Set("confirm_distinct", "yes")
	if resp, body := ann.post("/groups/new", form); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("confirmed application refused: %d\n%s", resp.StatusCode, body)
	}
}

func TestAnonymousDirectorySeesChangesAtOnce(t *testing.T) {
	p := newPortal(t)
	p.user("ann@example.org", "Ann Applicant")
	p.user("cm@example.org", "Cora Manager", ch.RoleCommunityManager)
	anon := p.browser()
	for range 2 { // the second answer comes from the page cache
		if _, body := anon.get("/groups"); strings.Contains(body, "Lyon Python") || !strings.Contains(body, "0 groups found") {
			t.Fatal("unexpected directory before any group")
		}
	}
	ann := p.browser().signIn("ann@example.org")
	resp, _ := ann.post("/groups/new", validApplication("Lyon Python User Group"))
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatal("apply failed")
	}
	cm := p.browser().signIn("cm@example.org")
	if resp, _ := cm.post(resp.Header.Get("Location")+"/review", map[string][]string{"decision": {"accept"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatal("accept failed")
	}
	for _, path := range []string{"/groups", "/"} {
		if _, body := anon.get(path); !strings.Contains(body, "Lyon Python User Group") {
			t.Errorf("%s still shows the directory from before the group was accepted", path)
		}
	}
}
