package web

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	ch "chapterhouse"
	"chapterhouse/sqldb"
)

// Sign-up answers alike whether or not the address has an account: the same
// redirect and message, and no session either way.
func TestSignUpAnswersAlike(t *testing.T) {
	p := newPortal(t)
	p.user("owner@example.org", "Owner")
	answer := func(email string) (int, string, string) {
		b := p.browser()
		resp, _ := b.post("/signup", url.Values{"email": {email}, "name": {"Someone"}, "password": {"a long passphrase"}})
		flash := ""
		for _, c := range resp.Cookies() {
			switch c.Name {
			case sessionCookie:
				t.Errorf("sign-up with %s opened a session", email)
			case flashCookie:
				flash, _ = url.QueryUnescape(c.Value)
			}
		}
		return resp.StatusCode, resp.Header.Get("Location"), strings.ReplaceAll(flash, email, "ADDRESS")
	}
	newStatus, newTo, newFlash := answer("new@example.org")
	takenStatus, takenTo, takenFlash := answer("owner@example.org")
	if newStatus != takenStatus || newTo != takenTo || newFlash != takenFlash {
		t.Errorf("a new address gets %d → %s %q; a taken one %d → %s %q", newStatus, newTo, newFlash, takenStatus, takenTo, takenFlash)
	}
	if newStatus != http.StatusSeeOther || !strings.Contains(newFlash, "Check your mail") {
		t.Errorf("sign-up answers %d %q", newStatus, newFlash)
	}
}

// A limit reached says so on the page, keeps what was typed, and tells the
// client when to try again; the API answers 429 likewise.
func TestLimitsAnswer429(t *testing.T) {
	p := newPortal(t)
	b := p.browser()
	var resp *http.Response
	var body string
	for range 6 {
		resp, body = b.post("/password/forgot", url.Values{"email": {"fay@example.org"}})
	}
	if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "Try again in") || !strings.Contains(body, `value="fay@example.org"`) {
		t.Errorf("the sixth reset request: %d\n%s", resp.StatusCode, body)
	}
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || s <= 0 || s > 3600 {
		t.Errorf("Retry-After %q", resp.Header.Get("Retry-After"))
	}

	ann := p.user("ann@example.org", "Ann Applicant")
	token, _ := p.apiToken(ann)
	application := func(name string) string {
		var cs []string
		for i := range ch.MaxListLen - 1 {
			cs = append(cs, fmt.Sprintf(`{"email": "c%d-%s@example.org", "name": "C", "employer": "E"}`, i, strings.ToLower(name)))
		}
		return strings.Replace(specBody, `"name": "Lyon Python User Group"`,
			`"confirm_distinct": true, "name": "`+name+`", "coordinators": [`+strings.Join(cs, ",")+`]`, 1)
	}
	p.apiJSON("POST", "/api/v1/groups", token, application("Alpha"), http.StatusCreated, nil)
	resp, _ = p.apiCall("POST", "/api/v1/groups", token, application("Omega"))
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Errorf("a second application of %d coordinators the same day: %d, Retry-After %q", ch.MaxListLen-1, resp.StatusCode, resp.Header.Get("Retry-After"))
	}
}

// The outgoing mail page shows a one-time link only without SMTP, and only
// while it works.
func TestOutgoingMailHidesLinks(t *testing.T) {
	p := newPortal(t)
	ctx := context.Background()
	p.user("cm@example.org", "Cora Manager", ch.RoleCommunityManager)
	p.browser().post("/signup", url.Values{"email": {"nell@example.org"}, "name": {"Nell"}, "password": {"a long passphrase"}})
	nell, _, err := p.db.UserByEmail(ctx, "nell@example.org")
	if err != nil {
		t.Fatal(err)
	}
	// The link mailed is the newest; make one whose token the test knows.
	token, err := p.db.CreateUserToken(ctx, nell.ID, sqldb.PurposeVerify, nell.Email, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.db.Enqueue(ctx, p.srv.flows.Mail.Verify(nell, token)); err != nil {
		t.Fatal(err)
	}
	cm := p.browser().signIn("cm@example.org")
	if _, body := cm.get("/admin/mail"); !strings.Contains(body, "/verify?token="+token) {
		t.Fatalf("without SMTP, the page does not show the working link:\n%s", body)
	}
	if resp, _ := p.browser().post("/verify", url.Values{"token": {token}, "password": {"a long passphrase"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("following the link: %d", resp.StatusCode)
	}
	if _, body := cm.get("/admin/mail"); strings.Contains(body, token) || !strings.Contains(body, sqldb.LinkRemoved) {
		t.Errorf("once used, the page still shows the link:\n%s", body)
	}

	// With SMTP, no body is shown: not even of mail still waiting.
	srv, err := New(Config{DB: p.db, Hasher: cheapHasher, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), BaseURL: "http://portal.test", MailVia: "smtp"})
	if err != nil {
		t.Fatal(err)
	}
	smtp := &testPortal{t: t, db: p.db, srv: srv, ts: httptest.NewServer(srv)}
	t.Cleanup(smtp.ts.Close)
	reset, err := p.db.CreateUserToken(ctx, nell.ID, sqldb.PurposeReset, nell.Email, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.db.Enqueue(ctx, p.srv.flows.Mail.Reset(nell, reset)); err != nil {
		t.Fatal(err)
	}
	if _, body := smtp.browser().signIn("cm@example.org").get("/admin/mail"); strings.Contains(body, reset) || !strings.Contains(body, "Reset your password") {
		t.Errorf("with SMTP the page shows:\n%s", body)
	}
}
