package e2e

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// namedPage is a page to validate, saved as Name.html.
type namedPage struct {
	Name string
	page
}

// pageSet collects the pages of a walk through the portal, checking each
// answered with the expected status.
type pageSet struct {
	t     *testing.T
	pages []namedPage
}

func (s *pageSet) add(name string, p page, wantStatus int) page {
	s.t.Helper()
	if p.Status != wantStatus {
		s.t.Fatalf("%s: %s answered %d, want %d\n%s", name, p.URL, p.Status, wantStatus, visibleText(p.Body))
	}
	for _, q := range s.pages {
		if q.Name == name {
			s.t.Fatalf("two pages named %s", name)
		}
	}
	s.pages = append(s.pages, namedPage{Name: name, page: p})
	return p
}

// groupForm is a complete application, as the form would send it.
func groupForm(name, short, city string) url.Values {
	return url.Values{
		"name": {name}, "short_name": {short},
		// Markdown as organizers write it, with the features of GFM.
		"description": {"# About us\n\nWe meet **every month** to talk about Go: talks, workshops and a yearly " +
			"[hack day](https://example.org/hack).\n\n## What we do\n\n- talks\n- workshops\n- [x] a task list\n\n" +
			"| when | what |\n|---|---|\n| March | ~~nothing~~ a talk |\n\n> Be kind.\n\n```\ngo test ./...\n```\n\n" +
			"![Our logo](https://example.org/logo.png) and https://example.org/autolink\n\n<script>alert(1)</script>"},
		"cadence": {"monthly"}, "city": {city}, "country": {"FR"}, "time_zone": {"Europe/Paris"},
		"latitude": {"45.76"}, "longitude": {"4.84"},
		"organiser_emails": {"organisers@example.org"}, "urls": {"https://example.org/" + strings.ToLower(short)},
		"channel_type":         {"chat", "mailing_list", ""},
		"channel_url":          {"https://chat.example.org/" + strings.ToLower(short), "https://lists.example.org/" + strings.ToLower(short), ""},
		"employer":             {"Example SARL"},
		"coordinator_name":     {"Grace Second", ""},
		"coordinator_email":    {"grace.second@example.org", ""},
		"coordinator_employer": {"Other Corp", ""},
		"policy_agreed":        {"yes"},
	}
}

// collectPages walks the portal as a visitor, an organizer, a member whose
// address is not verified yet and a community manager, and returns every
// kind of page they meet, forms with and without errors included.
func collectPages(t *testing.T) []namedPage {
	srv := startPortal(t)
	const cmEmail, orgEmail, pw = "cora.manager@example.org", "ada.organiser@example.org", "a long passphrase 42"
	srv.createUser(t, cmEmail, "Cora Manager", "community-manager", pw)
	srv.createUser(t, orgEmail, "Ada Organiser", "", pw)
	s := &pageSet{t: t}

	anon := srv.newClient(t)
	s.add("home-empty", anon.get("/"), http.StatusOK)
	s.add("directory-empty", anon.get("/groups"), http.StatusOK)
	s.add("signin", anon.get("/signin?next=/groups/new"), http.StatusOK)
	s.add("signin-failed", anon.post("/signin", url.Values{"email": {orgEmail}, "password": {"wrong password"}}), http.StatusUnprocessableEntity)
	s.add("signup", anon.get("/signup"), http.StatusOK)
	s.add("signup-errors", anon.post("/signup", url.Values{"name": {""}, "email": {"not an address"}, "password": {"short"}}), http.StatusUnprocessableEntity)
	s.add("forgot", anon.get("/password/forgot"), http.StatusOK)
	s.add("forgot-errors", anon.post("/password/forgot", url.Values{"email": {""}}), http.StatusUnprocessableEntity)
	s.add("reset", anon.get("/password/reset?token=not-a-real-token"), http.StatusOK)
	s.add("policy", anon.get("/policy"), http.StatusOK)
	s.add("not-found", anon.get("/no/such/page"), http.StatusNotFound)
	s.add("forbidden", anon.post("/signout", url.Values{"csrf": {"wrong"}}), http.StatusUnauthorized)

	// Someone who just signed up, not verified yet.
	newbie := srv.newClient(t)
	s.add("signed-up", newbie.post("/signup", url.Values{"name": {"Nell Newbie"}, "email": {"nell@example.org"}, "password": {pw}}), http.StatusOK)
	newbie.signIn("nell@example.org", pw)
	s.add("account-unverified", newbie.get("/account"), http.StatusOK)
	s.add("apply-unverified", newbie.get("/groups/new"), http.StatusForbidden)

	// An organizer applies, with mistakes first.
	org := srv.newClient(t)
	org.signIn(orgEmail, pw)
	s.add("apply-empty", org.get("/groups/new"), http.StatusOK)
	s.add("apply-errors", org.post("/groups/new", url.Values{"name": {"X"}, "latitude": {"north"}, "channel_type": {"chat"}, "channel_url": {"not a url"},
		"coordinator_name": {"No Email"}, "coordinator_email": {""}, "coordinator_employer": {""}}), http.StatusUnprocessableEntity)
	first := s.add("group-pending-organizer", org.post("/groups/new", groupForm("Lyon Gophers", "LyGo", "Lyon")), http.StatusOK)
	firstPath := strings.TrimPrefix(first.URL, srv.URL)
	s.add("edit-form", org.get(firstPath+"/edit"), http.StatusOK)
	s.add("edit-errors", org.post(firstPath+"/edit", url.Values{"name": {""}}), http.StatusUnprocessableEntity)

	// A community manager reviews it.
	cm := srv.newClient(t)
	cm.signIn(cmEmail, pw)
	s.add("applications", cm.get("/admin/applications"), http.StatusOK)
	// The newcomer opens the link the community manager passes on.
	link := regexp.MustCompile(`/verify\?token=[\w-]+`).FindString(cm.get("/admin/mail").Body)
	if link == "" {
		t.Fatal("no verification link on the outgoing mail page")
	}
	s.add("verify", newbie.get(link), http.StatusOK)
	s.add("verify-errors", newbie.post("/verify", url.Values{"token": {strings.TrimPrefix(link, "/verify?token=")}, "password": {"not the password"}}), http.StatusUnprocessableEntity)
	s.add("group-pending-cm", cm.get(firstPath), http.StatusOK)
	s.add("review-errors", cm.post(firstPath+"/review", url.Values{"decision": {"decline"}, "reason": {""}}), http.StatusUnprocessableEntity)
	s.add("applications-after-accept", cm.post(firstPath+"/review", url.Values{"decision": {"accept"}}), http.StatusOK)

	// A second application with a similar name must be confirmed, then is
	// declined.
	s.add("apply-similar", org.post("/groups/new", groupForm("Lyon Gophers Club", "LyGoC", "Lyon")), http.StatusUnprocessableEntity)
	similar := groupForm("Lyon Gophers Club", "LyGoC", "Lyon")
	similar.Set("confirm_distinct", "yes")
	second := org.post("/groups/new", similar)
	if second.Status != http.StatusOK {
		t.Fatalf("second application: %d\n%s", second.Status, visibleText(second.Body))
	}
	secondPath := strings.TrimPrefix(second.URL, srv.URL)
	s.add("group-pending-similar-cm", cm.get(secondPath), http.StatusOK)
	s.add("applications-after-decline", cm.post(secondPath+"/review", url.Values{"decision": {"decline"}, "reason": {"It is the same group as Lyon Gophers: join them."}}), http.StatusOK)
	s.add("group-declined-organizer", org.get(secondPath), http.StatusOK)
	s.add("group-declined-cm", cm.get(secondPath), http.StatusOK)
	s.add("applications-empty", cm.get("/admin/applications"), http.StatusOK)

	// What everyone sees of the accepted group.
	s.add("home", anon.get("/"), http.StatusOK)
	s.add("directory", anon.get("/groups"), http.StatusOK)
	s.add("directory-search", anon.get("/groups?q=lyon&country=FR&status=new&sort=newest"), http.StatusOK)
	s.add("directory-no-match", anon.get("/groups?q=nothing+matches+this"), http.StatusOK)
	s.add("group-anonymous", anon.get(firstPath), http.StatusOK)
	s.add("group-member", newbie.get(firstPath), http.StatusOK)
	s.add("group-organizer", org.get(firstPath), http.StatusOK)
	s.add("group-cm", cm.get(firstPath), http.StatusOK)
	s.add("home-signed-in", org.get("/"), http.StatusOK)

	// The checklist of the Official User Group Process and the review queue.
	s.add("checklist-organizer", org.get(firstPath+"/checklist"), http.StatusOK)
	s.add("checklist-meeting-errors", org.post(firstPath+"/meetings", url.Values{"held_on": {"2999-01-01"}, "title": {""}, "format": {"in_person"}, "attendance": {"-3"}}), http.StatusUnprocessableEntity)
	s.add("checklist-cm", cm.get(firstPath+"/checklist"), http.StatusOK)
	s.add("checklist-validation-errors", cm.post(firstPath+"/steps/organisation/validations", url.Values{"verdict": {"needs_work"}, "comment": {""}}), http.StatusUnprocessableEntity)
	s.add("checklist-grant-refused", cm.post(firstPath+"/status", url.Values{"status": {"official"}, "note": {"Welcome."}}), http.StatusConflict)
	s.add("review-queue", cm.get("/review/queue"), http.StatusOK)

	// Account pages.
	s.add("account", org.get("/account"), http.StatusOK)
	s.add("account-new-token", org.post("/account/tokens", url.Values{"token_name": {"meetup sync"}}), http.StatusOK)
	s.add("account-errors", org.post("/account/password", url.Values{"current_password": {"wrong"}, "new_password": {"short"}}), http.StatusUnprocessableEntity)

	// Community managers' pages.
	s.add("people", cm.get("/admin/people"), http.StatusOK)
	s.add("people-search", cm.get("/admin/people?q=ada"), http.StatusOK)
	s.add("people-search-none", cm.get("/admin/people?q=nobody-at-all"), http.StatusOK)
	s.add("mail", cm.get("/admin/mail"), http.StatusOK)
	s.add("settings", cm.get("/admin/settings"), http.StatusOK)
	s.add("settings-errors", cm.post("/admin/settings", url.Values{"name": {"-3"}, "organiser_emails": {"1.5"}}), http.StatusUnprocessableEntity)
	s.add("policy-form", cm.get("/admin/policy"), http.StatusOK)
	s.add("policy-form-errors", cm.post("/admin/policy", url.Values{"body": {""}}), http.StatusUnprocessableEntity)
	s.add("admin-forbidden", org.get("/admin/people"), http.StatusForbidden)

	// The group becomes official, then loses a coordinator and is renamed:
	// the queue shows it as no longer meeting a step, and the rename.
	const ambEmail = "amir.ambassador@example.org"
	srv.createUser(t, ambEmail, "Amir Ambassador", "ambassador", pw)
	amb := srv.newClient(t)
	amb.signIn(ambEmail, pw)
	must := func(what string, p page, want int) {
		t.Helper()
		if p.Status != want {
			t.Fatalf("%s: %d, want %d\n%s", what, p.Status, want, visibleText(p.Body))
		}
	}
	must("mentor", amb.post(firstPath+"/ambassadors", url.Values{}), http.StatusOK)
	for i := range 12 {
		held := time.Now().AddDate(0, -i, -2).Format("2006-01-02")
		must("record a meeting", org.post(firstPath+"/meetings", url.Values{"held_on": {held}, "title": {fmt.Sprintf("Meetup #%d", 12-i)}, "format": {"in_person"}}), http.StatusOK)
	}
	for _, step := range []string{"organisation", "channels", "meetings"} {
		for _, reviewer := range []*client{cm, amb} {
			must("validate "+step, reviewer.post(firstPath+"/steps/"+step+"/validations", url.Values{"verdict": {"pass"}}), http.StatusOK)
		}
	}
	s.add("checklist-official", cm.post(firstPath+"/status", url.Values{"status": {"official"}, "note": {"Welcome."}}), http.StatusOK)
	renamed := groupForm("Lyon Go Club", "LyGo", "Lyon")
	renamed["coordinator_name"], renamed["coordinator_email"], renamed["coordinator_employer"] = []string{"Ada Organiser"}, []string{orgEmail}, []string{"Example SARL"}
	must("rename", org.post(firstPath+"/edit", renamed), http.StatusOK)
	s.add("review-queue-lapsed-renamed", cm.get("/review/queue"), http.StatusOK)
	s.add("checklist-archive-errors", cm.post(firstPath+"/status", url.Values{"status": {"archived"}, "reason": {""}}), http.StatusUnprocessableEntity)
	s.add("checklist-official-lapsed", org.get(firstPath+"/checklist"), http.StatusOK)
	return s.pages
}

// TestPagesAreValidHTML checks the main pages with two offline validators:
// the Nu Html Checker (vnu.jar, the W3C validator) for conformance to HTML,
// and html-validate with its accessibility rules (e2e/htmlvalidate.config.mjs).
// Both come from package.json (npm ci); vnu.jar runs on Java.
func TestPagesAreValidHTML(t *testing.T) {
	root := repoRoot(t)
	pages := collectPages(t)
	// With go test -artifacts the pages stay in -outputdir for a look.
	dir := t.ArtifactDir()
	var files []string
	for _, p := range pages {
		f := filepath.Join(dir, p.Name+".html")
		if err := os.WriteFile(f, []byte(p.Body), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	t.Logf("checking %d pages", len(files))

	t.Run("labels", func(t *testing.T) {
		total := 0
		for _, p := range pages {
			problems, n := unlabelledControls(p.Body)
			total += n
			for _, problem := range problems {
				t.Errorf("%s.html (%s): %s", p.Name, p.URL, problem)
			}
		}
		if total < 100 {
			t.Errorf("only %d form controls in %d pages: are the pages right?", total, len(pages))
		}
		t.Logf("%d form controls have a label", total)
	})

	known := &knownSet{}
	ran := 0
	t.Run("vnu", func(t *testing.T) {
		java, err := exec.LookPath("java")
		if err != nil {
			missingTool(t, "java is not installed (apt-get install default-jre-headless)")
		}
		jar := filepath.Join(root, "node_modules", "vnu-jar", "build", "dist", "vnu.jar")
		if !exists(jar) {
			missingTool(t, "vnu.jar is not installed: run npm ci --ignore-scripts in %s", root)
		}
		// vnu also checks the style sheet, with --also-check-css.
		css := filepath.Join(root, "web", "static", "style.css")
		args := append([]string{"-Xss4m", "-jar", jar, "--format", "gnu", "--also-check-css", css}, files...)
		out, err := exec.Command(java, args...).CombinedOutput()
		report(t, "the Nu Html Checker", err, relative(out, dir, root), known)
		ran++
	})
	t.Run("html-validate", func(t *testing.T) {
		node, err := exec.LookPath("node")
		if err != nil {
			missingTool(t, "node is not installed (apt-get install nodejs npm)")
		}
		bin := filepath.Join(root, "node_modules", "html-validate", "bin", "html-validate.mjs")
		if !exists(bin) {
			missingTool(t, "html-validate is not installed: run npm ci --ignore-scripts in %s", root)
		}
		args := append([]string{bin, "--config", filepath.Join(root, "e2e", "htmlvalidate.config.mjs"), "--formatter", "text"}, files...)
		cmd := exec.Command(node, args...)
		cmd.Dir = root
		out, err := cmd.CombinedOutput()
		report(t, "html-validate", err, relative(out, dir, root), known)
		ran++
	})
	if ran == 2 {
		t.Run("known problems are still there", func(t *testing.T) {
			for _, k := range knownProblems {
				if !known.seen[k.Message.String()] {
					t.Errorf("fixed, it seems: remove the entry %q from knownProblems in e2e/html_test.go", k.Message.String())
				}
			}
		})
	}
}

// knownProblem is a problem the validators report in the templates today,
// waiting for a fix. It is logged, not failed, so that the test guards
// against new problems meanwhile; once fixed, its entry must go.
type knownProblem struct {
	Pages   *regexp.Regexp // the page files it shows on
	Message *regexp.Regexp // what either validator says
	Fix     string
}

var knownProblems = []knownProblem{}

// knownSet records which known problems showed up, across validators.
type knownSet struct {
	mu   sync.Mutex
	seen map[string]bool
}

func (k *knownSet) match(line string) *knownProblem {
	m := problemFileRE.FindStringSubmatch(line)
	if m == nil {
		return nil
	}
	for i, p := range knownProblems {
		if p.Pages.MatchString(m[1]) && p.Message.MatchString(line) {
			k.mu.Lock()
			defer k.mu.Unlock()
			if k.seen == nil {
				k.seen = map[string]bool{}
			}
			k.seen[p.Message.String()] = true
			return &knownProblems[i]
		}
	}
	return nil
}

// problemFileRE finds the file a validator's line is about: vnu writes
// "file.html":1.2-3.4: ..., html-validate file.html:1:2: ...
var problemFileRE = regexp.MustCompile(`^"?([^":]+\.(?:html|css))"?:\d`)

// report fails t with the validator's messages, but for known problems.
func report(t *testing.T, validator string, runErr error, out string, known *knownSet) {
	t.Helper()
	var problems []string
	fixes := map[string]int{}
	for line := range strings.Lines(out) {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if k := known.match(line); k != nil {
			fixes[k.Fix]++
			continue
		}
		problems = append(problems, line)
	}
	for fix, n := range fixes {
		t.Logf("known problem, %d message(s), to fix: %s", n, fix)
	}
	switch {
	case len(problems) > 0:
		t.Errorf("%s found %d problem(s):\n%s", validator, len(problems), strings.Join(problems, "\n"))
	case runErr != nil && len(fixes) == 0:
		t.Errorf("%s failed and said nothing: %v", validator, runErr)
	}
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// relative takes the directories out of the file names in a validator's
// messages.
func relative(out []byte, dirs ...string) string {
	s := string(out)
	for _, dir := range dirs {
		s = strings.ReplaceAll(s, "file:"+dir+string(filepath.Separator), "")
		s = strings.ReplaceAll(s, dir+string(filepath.Separator), "")
	}
	return s
}

// unlabelledControls lists the form controls of a page that have no
// accessible name from a <label for>, aria-label or aria-labelledby, and the
// labels that point at nothing. It also counts the controls it checked.
func unlabelledControls(page string) (problems []string, controls int) {
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		return []string{"cannot parse: " + err.Error()}, 0
	}
	ids := map[string]bool{}
	labelFor := map[string]bool{}
	var nodes []*html.Node
	for n := range doc.Descendants() {
		if n.Type != html.ElementNode {
			continue
		}
		if id := attr(n, "id"); id != "" {
			ids[id] = true
		}
		switch n.DataAtom {
		case atom.Label:
			if f := attr(n, "for"); f != "" {
				labelFor[f] = true
			}
		case atom.Input, atom.Select, atom.Textarea:
			if hasAttr(n, "hidden") {
				continue // not shown, e.g. a username for password managers
			}
			switch strings.ToLower(attr(n, "type")) {
			case "hidden", "submit", "reset", "button", "image":
			default:
				nodes = append(nodes, n)
			}
		}
	}
	for _, n := range nodes {
		id := attr(n, "id")
		switch {
		case id != "" && labelFor[id]:
		case strings.TrimSpace(attr(n, "aria-label")) != "":
		case attr(n, "aria-labelledby") != "" && !slices.ContainsFunc(strings.Fields(attr(n, "aria-labelledby")), func(ref string) bool { return !ids[ref] }):
		default:
			problems = append(problems, "no <label for> or aria-label for "+render(n))
		}
	}
	for f := range labelFor {
		if !ids[f] {
			problems = append(problems, fmt.Sprintf("<label for=%q> names no element", f))
		}
	}
	slices.Sort(problems)
	return problems, len(nodes)
}

func hasAttr(n *html.Node, key string) bool {
	for _, a := range n.Attr {
		if a.Key == key {
			return true
		}
	}
	return false
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// render is the start tag of n, for messages.
func render(n *html.Node) string {
	var b bytes.Buffer
	c := *n
	c.FirstChild, c.LastChild, c.Parent, c.PrevSibling, c.NextSibling = nil, nil, nil, nil, nil
	html.Render(&b, &c)
	s, _, _ := strings.Cut(b.String(), ">")
	return strings.TrimSuffix(s, "/") + ">"
}

// TestLabelCheck makes sure the label check itself catches what it should.
func TestLabelCheck(t *testing.T) {
	page := `<!DOCTYPE html><title>t</title>
<label for="a">A</label><input id="a" name="a">
<input name="b" type="email">
<input name="c" aria-label="C">
<span id="dl">D</span><select name="d" aria-labelledby="dl"></select>
<textarea name="e" aria-labelledby="missing"></textarea>
<input type="hidden" name="csrf"><input type="submit"><input name="username" hidden>
<label for="nowhere">F</label>`
	got, n := unlabelledControls(page)
	if n != 5 {
		t.Errorf("checked %d controls, want 5", n)
	}
	want := []*regexp.Regexp{
		regexp.MustCompile(`<label for="nowhere"> names no element`),
		regexp.MustCompile(`no <label for> or aria-label for <input name="b" type="email">`),
		regexp.MustCompile(`no <label for> or aria-label for <textarea name="e"`),
	}
	if len(got) != len(want) {
		t.Fatalf("got %d problems, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
	for i, re := range want {
		if !re.MatchString(got[i]) {
			t.Errorf("problem %d: %q does not match %s", i, got[i], re)
		}
	}
}
