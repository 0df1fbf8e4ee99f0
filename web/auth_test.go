package web

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	ch "chapterhouse"
	"chapterhouse/workflow"
)

// TestClientIP: the key per-client limits count against is the client's
// IPv4 address, or its IPv6 address's /64, from the peer or, behind a
// trusted proxy, from the last X-Forwarded-For hop.
func TestClientIP(t *testing.T) {
	for _, tc := range []struct {
		trust  bool
		remote string
		fwd    []string
		want   string
	}{
		{false, "192.0.2.1:4321", nil, "192.0.2.1"},
		{false, "192.0.2.1:4321", []string{"203.0.113.9"}, "192.0.2.1"}, // not trusted: a client could claim any address
		{true, "192.0.2.1:4321", nil, "192.0.2.1"},
		{true, "192.0.2.1:4321", []string{"203.0.113.9"}, "203.0.113.9"},
		{true, "192.0.2.1:4321", []string{"6.6.6.6, 203.0.113.9"}, "203.0.113.9"}, // the proxy appends; what the client sent comes first
		{true, "192.0.2.1:4321", []string{"6.6.6.6", "203.0.113.9"}, "203.0.113.9"},
		{true, "192.0.2.1:4321", []string{"not-an-address"}, "192.0.2.1"},
		// A client with a /64 holds 2^64 addresses: all of them are one key.
		{false, "[2001:db8::1]:4321", nil, "2001:db8::/64"},
		{false, "[2001:db8::ffff:ffff:ffff:ffff]:4321", nil, "2001:db8::/64"},
		{false, "[2001:db8:0:1::1]:4321", nil, "2001:db8:0:1::/64"},
		{false, "[fe80::1%eth0]:4321", nil, "fe80::/64"},
		{false, "[::ffff:192.0.2.7]:4321", nil, "192.0.2.7"}, // IPv4 reaching an IPv6 socket
		{true, "192.0.2.1:4321", []string{"2001:db8::1"}, "2001:db8::/64"},
		{true, "192.0.2.1:4321", []string{"6.6.6.6, 2001:db8::abcd:1"}, "2001:db8::/64"},
		{true, "192.0.2.1:4321", []string{"2001:db8:0:2::1"}, "2001:db8:0:2::/64"},
		{true, "192.0.2.1:4321", []string{"::ffff:203.0.113.9"}, "203.0.113.9"},
		{true, "[2001:db8::1]:4321", []string{"not-an-address"}, "2001:db8::/64"},
		{false, "@", nil, "@"}, // a Unix socket's peer has no address
	} {
		s := &Server{Config: Config{TrustProxy: tc.trust}}
		r := httptest.NewRequest("POST", "/signin", nil)
		r.RemoteAddr = tc.remote
		for _, f := range tc.fwd {
			r.Header.Add("X-Forwarded-For", f)
		}
		if got := s.clientIP(r); got != tc.want {
			t.Errorf("trust=%v from %s X-Forwarded-For=%q: %s, want %s", tc.trust, tc.remote, tc.fwd, got, tc.want)
		}
	}
}

// countingHasher counts the passwords the sign-in handler has checked.
type countingHasher struct {
	workflow.Hasher
	checks atomic.Int32
}

func (h *countingHasher) Check(ctx context.Context, pw, encoded string) (bool, error) {
	h.checks.Add(1)
	return h.Hasher.Check(ctx, pw, encoded)
}

// signInAs posts the sign-in form from a fresh browser, from address ip
// (the portal trusts X-Forwarded-For when ip is not empty).
func (p *testPortal) signInAs(email, pw, ip string) (*http.Response, string) {
	p.t.Helper()
	b := p.browser()
	_, page := b.get("/signin")
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		p.t.Fatal("no CSRF field on the sign-in page")
	}
	form := url.Values{"email": {email}, "password": {pw}, "csrf": {m[1]}}
	req, _ := http.NewRequest("POST", p.ts.URL+"/signin", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if ip != "" {
		p.srv.TrustProxy = true
		req.Header.Set("X-Forwarded-For", ip)
	}
	return b.do(req)
}

func sessionSet(resp *http.Response) bool {
	for _, c := range resp.Cookies() {
		if c.Name == sessionCookie && c.Value != "" && c.MaxAge >= 0 {
			return true
		}
	}
	return false
}

// TestSignInRefusesWrongPasswords: only the right password of an account
// opens a session, whatever else comes in.
func TestSignInRefusesWrongPasswords(t *testing.T) {
	p := newPortal(t)
	ann := p.user("ann@example.org", "Ann")
	if _, err := p.db.CreateUser(context.Background(), "imported@example.org", "Imported", "", true, 0); err != nil {
		t.Fatal(err)
	}
	for i, tc := range []struct{ what, email, pw string }{
		{"wrong password", ann.Email, "password-124"},
		{"empty password", ann.Email, ""},
		{"another case", ann.Email, "PASSWORD-123"},
		{"unknown address", "nobody@example.org", testPassword},
		// The hash checked for unknown addresses is of this (password.Dummy):
		// it must not let anyone in either.
		{"unknown address with the stand-in password", "nobody@example.org", "no account has this password"},
		{"account without a usable hash", "imported@example.org", ""},
	} {
		resp, body := p.signInAs(tc.email, tc.pw, "192.0.2."+strconv.Itoa(i))
		if resp.StatusCode != http.StatusUnprocessableEntity || sessionSet(resp) {
			t.Errorf("%s: %d, session %v, want 422 and none\n%.300s", tc.what, resp.StatusCode, sessionSet(resp), body)
		}
		if !strings.Contains(body, "The email address or password is not right.") {
			t.Errorf("%s: the page does not say what went wrong", tc.what)
		}
	}
	resp, _ := p.signInAs(ann.Email, testPassword, "198.51.100.1")
	if resp.StatusCode != http.StatusSeeOther || !sessionSet(resp) {
		t.Errorf("the right password: %d, session %v", resp.StatusCode, sessionSet(resp))
	}
}

// TestSignInHandlerThrottles: the page refuses a locked account or address
// with 429 and Retry-After, even with the right password, and counts
// failures per client address across accounts.
func TestSignInHandlerThrottles(t *testing.T) {
	ctx := context.Background()
	wantLocked := func(t *testing.T, what string, resp *http.Response, body string) {
		t.Helper()
		if resp.StatusCode != http.StatusTooManyRequests || sessionSet(resp) {
			t.Errorf("%s: %d, session %v, want 429 and none\n%.300s", what, resp.StatusCode, sessionSet(resp), body)
		}
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || s < 1 {
			t.Errorf("%s: Retry-After %q", what, resp.Header.Get("Retry-After"))
		}
		if !strings.Contains(body, "Too many failed attempts") || !strings.Contains(body, `value="ann@example.org"`) {
			t.Errorf("%s: the form does not say why, or lost the address typed\n%.2000s", what, body)
		}
	}

	t.Run("locked account", func(t *testing.T) {
		p := newPortal(t)
		ann := p.user("ann@example.org", "Ann")
		for range ch.FreeSignInAttempts + 1 {
			if _, err := p.db.ReserveSignIn(ctx, "account:"+ann.Email); err != nil {
				t.Fatal(err)
			}
		}
		resp, body := p.signInAs(ann.Email, testPassword, "198.51.100.1")
		wantLocked(t, "the right password on a locked account", resp, body)
	})

	t.Run("wrong passwords one by one", func(t *testing.T) {
		p := newPortal(t)
		ann := p.user("ann@example.org", "Ann")
		for i := range ch.FreeSignInAttempts + 1 {
			if resp, _ := p.signInAs(ann.Email, "wrong password", fmt.Sprintf("192.0.2.%d", i)); resp.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("wrong password %d: %d, want 422", i+1, resp.StatusCode)
			}
		}
		resp, body := p.signInAs(ann.Email, testPassword, "198.51.100.1")
		wantLocked(t, "the right password after the free tries", resp, body)
	})

	// Failures from one client address, on other accounts, lock that
	// address (an IPv6 client is its /64) but not the account elsewhere.
	for _, c := range []struct {
		name, locked, elsewhere string
		failFrom                func(i int) string
	}{
		{"one address, many accounts", "192.0.2.9", "198.51.100.1", func(int) string { return "192.0.2.9" }},
		{"one IPv6 /64, many addresses", "2001:db8::ffff", "2001:db8:0:1::1", func(i int) string { return fmt.Sprintf("2001:db8::%x", i+1) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := newPortal(t)
			ann := p.user("ann@example.org", "Ann")
			for i := range ch.FreeSignInAttempts + 1 {
				p.signInAs(fmt.Sprintf("user%d@example.org", i), "wrong password", c.failFrom(i))
			}
			resp, body := p.signInAs(ann.Email, testPassword, c.locked)
			wantLocked(t, "from an address that failed on other accounts", resp, body)
			if resp, _ := p.signInAs(ann.Email, testPassword, c.elsewhere); resp.StatusCode != http.StatusSeeOther {
				t.Errorf("the account's owner from elsewhere: %d, want 303", resp.StatusCode)
			}
		})
	}

	t.Run("concurrent burst", func(t *testing.T) {
		p := newPortal(t)
		ann := p.user("ann@example.org", "Ann")
		h := &countingHasher{Hasher: p.srv.flows.Hasher}
		p.srv.flows.Hasher = h
		b := p.browser()
		_, page := b.get("/signin")
		csrf := csrfField.FindStringSubmatch(page)[1]
		var wg sync.WaitGroup
		for range 50 {
			wg.Go(func() {
				form := url.Values{"email": {ann.Email}, "password": {"wrong password"}, "csrf": {csrf}}
				req, _ := http.NewRequest("POST", p.ts.URL+"/signin", strings.NewReader(form.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				resp, err := b.client.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
				if sessionSet(resp) {
					t.Error("a wrong password in the burst opened a session")
				}
			})
		}
		wg.Wait()
		if n := h.checks.Load(); n > ch.FreeSignInAttempts+1 {
			t.Errorf("a burst of 50 wrong passwords had %d checked, want at most %d", n, ch.FreeSignInAttempts+1)
		}
		resp, body := p.signInAs(ann.Email, testPassword, "")
		wantLocked(t, "the right password after the burst", resp, body)
	})
}

// browserTarget is where a browser on the portal goes when told Location:
// it drops tabs and newlines and, in http(s) URLs, reads a backslash as a
// slash (the WHATWG URL standard).
func browserTarget(location string) (*url.URL, error) {
	loc := strings.NewReplacer("\t", "", "\n", "", "\r", "", `\`, "/").Replace(location)
	loc = strings.TrimFunc(loc, func(r rune) bool { return r <= ' ' })
	base, _ := url.Parse("https://portal.example/signin")
	u, err := url.Parse(loc)
	if err != nil {
		return nil, err
	}
	return base.ResolveReference(u), nil
}

// TestSignInNextBypasses signs in from /signin?next=… with the known ways
// of smuggling another site into a path: the redirect stays on the portal.
func TestSignInNextBypasses(t *testing.T) {
	p := newPortal(t)
	ann := p.user("ann@example.org", "Ann")
	for _, tc := range []struct {
		query string // as it appears after ?next= in the link
		want  string // the Location when it is kept; "" for any local one
	}{
		{"/./%5Cevil.example/phish", ""},
		{"/%5Cevil.example", ""},
		{"%5C%5Cevil.example", ""},
		{"%5C/%5C/evil.example", ""},
		{"/%5C/evil.example", "/groups"},
		{"//evil.example", ""},
		{"///evil.example", ""},
		{"//evil.example/..", ""},
		{"/.//evil.example", ""},
		{"/..//evil.example", ""},
		{"/./%2F/evil.example", ""},
		{"/%2F/evil.example", "/groups"},
		// The link is decoded once: next holds "/%2F/evil.example" and the
		// like, which only a server or proxy decoding again reads as
		// another site. A browser would stay on the portal with them, so
		// only the exact Location shows that the decoded path is checked.
		{"/%252F/evil.example", "/groups"},
		{"/%255C/evil.example", "/groups"},
		{"/%252f%252fevil.example", "/groups"},
		{"/%255C%255Cevil.example", "/groups"},
		{"/%09/evil.example", ""},
		{"/%0A/evil.example", ""},
		{"/%0D%0A/evil.example", ""},
		{"%09//evil.example", ""},
		{"%20//evil.example", ""},
		{"/%E2%80%A8/evil.example", ""},
		{"https://evil.example", ""},
		{"https:/evil.example", ""},
		{"http:%5C%5Cevil.example", ""},
		{"//evil.example%2F%2E%2E", ""},
		{"/%2e%2e//evil.example", ""},
		{"javascript:alert(document.cookie)", ""},
		{"JaVaScRiPt%3Aalert(1)", ""},
		{"data:text/html,<script>alert(1)</script>", ""},
		{"", "/groups"},
		{"groups", "/groups"},
		{"/groups/lyon-gophers", "/groups/lyon-gophers"},
		{"/groups%3Fq%3Dpython%26country%3DFR", "/groups?q=python&country=FR"},
		{"/groups/lyon-gophers/checklist/", "/groups/lyon-gophers/checklist/"},
		{"/groups%23%25zz", "/groups"}, // "/groups#%zz" is no URL: sent on, it would be a broken Location
	} {
		b := p.browser()
		resp, page := b.get("/signin?next=" + tc.query)
		m := nextField.FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("GET /signin?next=%s: %d, no next field\n%.300s", tc.query, resp.StatusCode, page)
		}
		resp, body := b.post("/signin", url.Values{"email": {ann.Email}, "password": {testPassword}, "next": {html.UnescapeString(m[1])}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("next=%s: %d\n%.300s", tc.query, resp.StatusCode, body)
		}
		loc := resp.Header.Get("Location")
		target, err := browserTarget(loc)
		switch {
		case err != nil || target.Scheme != "https" || target.Host != "portal.example":
			t.Errorf("next=%s: Location %q takes the browser to %v (%v)", tc.query, loc, target, err)
		case tc.want != "" && loc != tc.want:
			t.Errorf("next=%s: Location %q, want %q", tc.query, loc, tc.want)
		}
	}
}

var nextField = regexp.MustCompile(`name="next" value="([^"]*)"`)

// TestChangePasswordPage: changing the password signs out the other
// sessions, keeps this one, and revokes the API tokens unless the person
// unticks the box.
func TestChangePasswordPage(t *testing.T) {
	p := newPortal(t)
	ann := p.user("ann@example.org", "Ann")
	here, elsewhere := p.browser().signIn(ann.Email), p.browser().signIn(ann.Email)
	token, _ := p.apiToken(ann)
	tokenWorks := func() bool {
		resp, _ := p.apiCall("GET", "/api/v1/groups", token, "")
		return resp.StatusCode == http.StatusOK
	}
	box := regexp.MustCompile(`<input id="f-revoke-tokens" type="checkbox" name="revoke_tokens" value="yes"( checked)?>`)
	if _, body := here.get("/account"); box.FindStringSubmatch(body) == nil || box.FindStringSubmatch(body)[1] == "" {
		t.Fatalf("the account page does not offer to revoke the API tokens, ticked:\n%s", box.FindString(body))
	}

	// A wrong current password: the form comes back as it was sent.
	resp, body := here.post("/account/password", url.Values{"username": {ann.Email}, "current_password": {"not it at all"}, "new_password": {"a new password"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="f-current_password-error"`) {
		t.Fatalf("wrong current password: %d\n%.500s", resp.StatusCode, body)
	}
	if m := box.FindStringSubmatch(body); m == nil || m[1] != "" {
		t.Errorf("the box the person unticked came back ticked: %q", box.FindString(body))
	}

	resp, body = here.post("/account/password", url.Values{"username": {ann.Email}, "current_password": {testPassword}, "new_password": {"a new password"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("change keeping the tokens: %d\n%.500s", resp.StatusCode, body)
	}
	if _, body := here.get("/account"); !strings.Contains(body, "Your API tokens still work") {
		t.Error("the flash does not say the API tokens still work")
	}
	if resp, _ := elsewhere.get("/account"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("another session after the change: %d, want a redirect to sign in", resp.StatusCode)
	}
	if !tokenWorks() {
		t.Error("the API token stopped working though the box was unticked")
	}

	resp, body = here.post("/account/password", url.Values{"username": {ann.Email}, "current_password": {"a new password"},
		"new_password": {"another new password"}, "revoke_tokens": {"yes"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("change revoking the tokens: %d\n%.500s", resp.StatusCode, body)
	}
	if _, body := here.get("/account"); !strings.Contains(body, "your API tokens revoked") {
		t.Error("the flash does not say the API tokens are revoked")
	}
	if tokenWorks() {
		t.Error("the API token still works after a change that revoked it")
	}
}
