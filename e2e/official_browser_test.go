package e2e

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestOfficialStatus walks the Official User Group Process in a real
// browser: an organizer whose group was accepted with an incomplete profile
// completes it and records its meetings, an ambassador signs up as mentor
// from the review queue and validates the steps, a community manager
// validates them too and grants official status; an anonymous visitor then
// sees the Official badge and the official logo. The community manager
// revokes the status and the new-group logo returns.
func TestOfficialStatus(t *testing.T) {
	browser := newBrowser(t)
	srv := startPortal(t)
	const (
		cmEmail, cmPass     = "cora.manager@example.org", "correct horse battery"
		ambEmail, ambPass   = "amir.ambassador@example.org", "an ambassador's passphrase"
		orgEmail, orgPass   = "ada.organiser@example.org", "a long passphrase 42"
		coEmail, coPass     = "bea.second@example.org", "another long passphrase"
		groupName, mentorOf = "Grenoble Gophers", "Mentor Grenoble Gophers"
	)
	srv.createUser(t, cmEmail, "Cora Manager", "community-manager", cmPass)
	srv.createUser(t, ambEmail, "Amir Ambassador", "ambassador", ambPass)
	srv.createUser(t, orgEmail, "Ada Organiser", "", orgPass)
	srv.createUser(t, coEmail, "Bea Second", "", coPass)

	// Ada applies with a thin profile: no contact addresses, no channel,
	// herself as the only coordinator.
	ada := newPerson(t, browser, srv, "Ada")
	ada.signIn(orgEmail, orgPass)
	ada.open("/groups/new")
	ada.fill("f-name", groupName)
	ada.fill("f-description", "Go in the Alps: talks, workshops and a hack day.")
	ada.choose("f-cadence", "monthly")
	ada.fill("f-city", "Grenoble")
	ada.choose("f-country", "FR")
	ada.fill("f-time_zone", "Europe/Paris")
	ada.fill("f-employer", "Example SARL")
	ada.do("tick the policy", chromedp.Click(chromedp.ID("f-policy"), chromedp.NodeVisible))
	ada.submit(`main form[action="/groups/new"] button[type=submit]`, http.StatusOK)
	ada.sees("Your application is in", groupName)
	groupPath := strings.TrimPrefix(ada.location(), srv.URL)
	if !strings.HasPrefix(groupPath, "/groups/") || groupPath == "/groups/new" {
		ada.fatal("after applying the browser is at %s, not on the group's page", groupPath)
	}

	// Cora accepts it.
	cora := newPerson(t, browser, srv, "Cora")
	cora.signIn(cmEmail, cmPass)
	cora.open(groupPath)
	cora.submit(`button[name=decision][value=accept]`, http.StatusOK)
	cora.sees("The group is accepted and now listed.")
	// Listed, the group takes its name's plain slug; the application's
	// address leads there.
	cora.open(groupPath)
	groupPath = strings.TrimPrefix(cora.location(), srv.URL)
	slug := strings.TrimPrefix(groupPath, "/groups/")
	checklist := groupPath + "/checklist"

	// Ada opens the checklist from the group's page: most steps are open.
	ada.open(groupPath)
	ada.submit(`main a[href="`+checklist+`"]`, http.StatusOK)
	ada.sees("Steps to official status: "+groupName, "Still open:",
		"Complete the group's contact information",
		"Organised and coordinated by several people from different employers",
		"Communication channels that are active and follow the policy",
		"Meeting regularly, with appropriate content",
		"An ambassador mentors the organizers")

	// She completes the profile.
	ada.open(groupPath + "/edit")
	ada.fill("f-organiser_emails", "organisers@grenoble-gophers.example.org")
	ada.fill("f-urls", "https://grenoble-gophers.example.org")
	ada.choose("channel-type-0", "chat")
	ada.fill("channel-url-0", "https://chat.example.org/grenoble-gophers")
	ada.fill("coord-name-1", "Bea Second")
	ada.fill("coord-email-1", coEmail)
	ada.fill("coord-employer-1", "Other GmbH")
	ada.submit(`main form[action="`+groupPath+`/edit"] button[type=submit]`, http.StatusOK)
	ada.open(checklist)
	ada.sees("Bea Second, Other GmbH", "https://chat.example.org/grenoble-gophers")
	state := func(p *person, step string) string {
		p.t.Helper()
		s, err := chromedp.Run(p.ctx, chromedp.Text(chromedp.CSS(`#step-`+step+`-h .badge`)))
		if err != nil {
			p.fatal("read the state of step %s: %v", step, err)
		}
		return strings.TrimSpace(s)
	}
	if got := state(ada, "contact"); got != "Met" {
		ada.fatal("the contact step is %q after completing the profile, want Met", got)
	}
	for _, step := range []string{"organisation", "channels"} {
		if got := state(ada, step); got != "Waiting for validation" {
			ada.fatal("step %s is %q, want Waiting for validation", step, got)
		}
	}

	// She records nine monthly meetings through the checklist's form.
	today := time.Now().UTC()
	for i := 1; i <= 9; i++ {
		day := today.AddDate(0, 0, -30*i).Format("2006-01-02")
		ada.do("set the meeting's date", chromedp.SetValue(chromedp.ID("f-held_on"), day, chromedp.NodeVisible))
		ada.fill("f-title", fmt.Sprintf("Monthly meetup #%d", 10-i))
		ada.fill("f-attendance", "25")
		ada.submit(`main form[action="`+groupPath+`/meetings"] button[type=submit]`, http.StatusOK)
		ada.sees("The meeting is recorded.", fmt.Sprintf("Monthly meetup #%d", 10-i))
	}
	if got := state(ada, "meetings"); got != "Waiting for validation" {
		ada.fatal("the meetings step is %q after nine meetings, want Waiting for validation", got)
	}
	if got := state(ada, "mentor"); got != "Not met yet" {
		ada.fatal("the mentor step is %q without an ambassador, want Not met yet", got)
	}

	// Amir, an ambassador, signs up as mentor from the review queue and
	// passes the steps that need an ambassador.
	amir := newPerson(t, browser, srv, "Amir")
	amir.signIn(ambEmail, ambPass)
	amir.open("/review/queue")
	amir.sees("Groups that want a mentor", groupName)
	amir.submit(`form[action="/groups/`+slug+`/ambassadors"] button[type=submit]`, http.StatusOK)
	amir.sees("Thank you: you now mentor "+groupName+".", "Amir Ambassador")
	if !strings.HasSuffix(amir.location(), checklist) {
		amir.fatal("after signing up the browser is at %s, not on the checklist", amir.location())
	}
	pass := func(p *person, step, comment string) {
		p.t.Helper()
		p.fill("comment-"+step, comment)
		p.submit(`#step-`+step+` form[action="`+groupPath+`/steps/`+step+`/validations"] button[type=submit]`, http.StatusOK)
		p.sees("Thank you: the step is validated.")
	}
	for _, step := range []string{"organisation", "channels", "meetings"} {
		pass(amir, step, "Looks good to me, the ambassador.")
	}
	amir.open("/review/queue")
	amir.doesNotSee(mentorOf)

	// Cora passes them as well and grants official status with a note.
	cora.open(checklist)
	for _, step := range []string{"organisation", "channels", "meetings"} {
		pass(cora, step, "Checked by the community manager.")
		if got := state(cora, step); got != "Validated" {
			cora.fatal("step %s is %q after both validations, want Validated", step, got)
		}
	}
	cora.sees("Every step is met.", "A community manager can now grant official status.")
	cora.fill("status-note", "Welcome to the program, Grenoble Gophers!")
	cora.submit(`form[action="`+groupPath+`/status"] button[type=submit]`, http.StatusOK)
	cora.sees(groupName+" is now an official user group.", "Revoke official status")

	// An anonymous visitor sees the badge and the official logo.
	visitor := newPerson(t, browser, srv, "visitor")
	logoSrc := func() string {
		visitor.t.Helper()
		src, err := chromedp.Run(visitor.ctx, chromedp.Evaluate[string](`document.querySelector("img.logo").getAttribute("src")`))
		if err != nil {
			visitor.fatal("read the logo's src: %v", err)
		}
		return src
	}
	logoText := func(src string) string {
		t.Helper()
		resp, err := http.Get(srv.URL + src)
		if err != nil {
			t.Fatalf("GET %s: %v", src, err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: status %d, %v", src, resp.StatusCode, err)
		}
		return string(b)
	}
	visitor.open(groupPath)
	badge, err := chromedp.Run(visitor.ctx, chromedp.Text(chromedp.CSS(`main .badge-official`)))
	if err != nil || strings.TrimSpace(badge) != "Official" {
		visitor.fatal("no Official badge on the group page: %q, %v", badge, err)
	}
	visitor.sees("As an official user group, " + groupName + " may use this logo")
	src := logoSrc()
	if src != groupPath+"/logo.svg" {
		visitor.fatal("the logo's src is %q, want %s/logo.svg", src, groupPath)
	}
	if svg := logoText(src); !strings.Contains(svg, "OFFICIAL USER GROUP") || strings.Contains(svg, "NEW GROUP") {
		t.Fatalf("%s is not the official logo:\n%s", src, svg)
	}

	// Bea steps down and Ada renames the group. It stays official; Cora's
	// queue shows it as no longer meeting a step, and the rename with both
	// names, and she gives the group its name back.
	ada.open(groupPath + "/edit")
	ada.fill("f-name", "Grenoble Go Club")
	for _, id := range []string{"coord-name-1", "coord-email-1", "coord-employer-1"} {
		ada.do("clear #"+id, chromedp.Clear(chromedp.ID(id)))
	}
	ada.submit(`main form[action="`+groupPath+`/edit"] button[type=submit]`, http.StatusOK)
	ada.sees("The group's profile is saved.", "Grenoble Go Club", "Official")
	cora.open("/review/queue")
	cora.sees("Official, step no longer met", "Organised and coordinated by several people from different employers",
		"Official groups renamed", "Grenoble Go Club", "formerly Grenoble Gophers", "renamed by Ada Organiser")
	for _, view := range []struct {
		name string
		set  func()
	}{{"desktop", cora.desktop}, {"phone", cora.phone}} {
		view.set()
		cora.open("/review/queue")
		cora.fitsWidth("the review queue on a " + view.name)
		cora.open(checklist)
		cora.fitsWidth("the checklist on a " + view.name)
		if dir := os.Getenv("SCREENSHOTS"); dir != "" {
			cora.open("/review/queue")
			cora.screenshot(filepath.Join(dir, "queue-"+view.name+".png"))
		}
	}
	cora.desktop()
	cora.open("/review/queue")
	cora.submit(`form[action="`+groupPath+`/rename"] button.secondary`, http.StatusOK)
	cora.sees(groupName+" has its name back; the organizers were told.", "No official group was renamed.")

	// Cora revokes the status with a reason; the new-group logo returns.
	cora.open(checklist)
	cora.fill("status-reason", "The group stopped meeting and its channels went quiet.")
	cora.submit(`form[action="`+groupPath+`/status"] button[type=submit]`, http.StatusOK)
	cora.sees("Official status is revoked; the organizers were told why.", "Grant official status")

	visitor.open(groupPath)
	visitor.sees("Revoked", "Until the group becomes official it uses the new-group logo.")
	if n, err := chromedp.Run(visitor.ctx, chromedp.Evaluate[int](`document.querySelectorAll("main .badge-official").length`)); err != nil || n != 0 {
		visitor.fatal("the Official badge is still there after revocation (%d, %v)", n, err)
	}
	src = logoSrc()
	if src != groupPath+"/logo.svg" {
		visitor.fatal("the logo's src is %q, want %s/logo.svg", src, groupPath)
	}
	if svg := logoText(src); !strings.Contains(svg, "NEW GROUP") || strings.Contains(svg, "OFFICIAL USER GROUP") {
		t.Fatalf("%s is not the new-group logo after revocation:\n%s", src, svg)
	}
	checkConsole(t, ada, cora, amir, visitor)
}
