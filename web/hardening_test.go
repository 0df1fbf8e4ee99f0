package web

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	ch "chapterhouse"
)

// pageToken is the CSRF token of the form on path, as the browser sees it.
func (b *browser) pageToken(path string) string {
	b.p.t.Helper()
	_, body := b.get(path)
	m := csrfField.FindStringSubmatch(body)
	if m == nil {
		b.p.t.Fatalf("no CSRF field on %s", path)
	}
	return m[1]
}

// postWith sends a form with the given CSRF token and, when csrfCookieValue
// is not empty, that ch_csrf cookie in place of the browser's own.
func (b *browser) postWith(path string, form url.Values, token, csrfCookieValue string) *http.Response {
	b.p.t.Helper()
	form.Set("csrf", token)
	req, _ := http.NewRequest("POST", b.p.ts.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if csrfCookieValue == "" {
		resp, _ := b.do(req)
		return resp
	}
	base, _ := url.Parse(b.p.ts.URL)
	for _, c := range b.client.Jar.Cookies(base) {
		if c.Name != csrfCookie {
			req.AddCookie(c)
		}
	}
	req.AddCookie(&http.Cookie{Name: csrfCookie, Value: csrfCookieValue})
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		b.p.t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

func (p *testPortal) userName(email string) string {
	p.t.Helper()
	u, _, err := p.db.UserByEmail(p.t.Context(), email)
	if err != nil {
		p.t.Fatal(err)
	}
	return u.Name
}

// A signed-in browser's CSRF token is bound to its session: a cookie and a
// field an attacker chose together (a sibling subdomain can plant the
// cookie) do not pass, and signing in again retires the old token.
func TestCSRFTokenBoundToSession(t *testing.T) {
	p := newPortal(t)
	u := p.user("mem@example.org", "Mel Member")
	b := p.browser()
	anonToken := b.pageToken("/signin")
	b.signIn(u.Email)
	first := b.pageToken("/account")
	if first == anonToken {
		t.Fatal("signing in kept the anonymous CSRF token")
	}

	const forged = "attacker-chosen-token-0123456789"
	if resp := b.postWith("/account/name", url.Values{"name": {"Forged Name"}}, forged, forged); resp.StatusCode != http.StatusForbidden {
		t.Errorf("forged ch_csrf cookie with the matching field: %d, want 403", resp.StatusCode)
	}
	if resp := b.postWith("/account/name", url.Values{"name": {"Anonymous Token"}}, anonToken, anonToken); resp.StatusCode != http.StatusForbidden {
		t.Errorf("the token from before signing in: %d, want 403", resp.StatusCode)
	}
	if got := p.userName(u.Email); got != u.Name {
		t.Fatalf("a refused form changed the name to %q", got)
	}
	if resp := b.postWith("/account/name", url.Values{"name": {"First Session"}}, first, ""); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("the page's own token: %d, want 303", resp.StatusCode)
	}

	b.signIn(u.Email)
	second := b.pageToken("/account")
	if second == first {
		t.Fatal("signing in again kept the CSRF token")
	}
	if resp := b.postWith("/account/name", url.Values{"name": {"Old Token"}}, first, ""); resp.StatusCode != http.StatusForbidden {
		t.Errorf("the token of the previous session: %d, want 403", resp.StatusCode)
	}
	if resp := b.postWith("/account/name", url.Values{"name": {"Second Session"}}, second, ""); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("the new session's token: %d, want 303", resp.StatusCode)
	}
	if got := p.userName(u.Email); got != "Second Session" {
		t.Errorf("name %q, want the one sent with the new token", got)
	}
}

// Answers that a shared cache may keep set no cookie, so that no cache
// hands one visitor's CSRF token to the next; pages, which are no-store,
// still give an anonymous visitor the token its forms need.
func TestNoCookieOnPublicAnswers(t *testing.T) {
	p := newPortal(t)
	org := p.user("org@example.org", "Olga Organizer")
	cm := p.user("cm@example.org", "Cora Manager", ch.RoleCommunityManager)
	g := p.createGroup(groupApp("Alpha Python User Group", "FR", coordinator(org, "Acme")), org, cm, true)
	for _, path := range []string{"/groups/" + g.Slug + "/logo.svg", "/groups/" + g.Slug + "/logo.png?width=64",
		"/groups/" + g.Slug + "/logo.png?width=65", p.srv.static.url("style.css")} {
		ended := p.browser()
		base, _ := url.Parse(p.ts.URL)
		ended.client.Jar.SetCookies(base, []*http.Cookie{{Name: sessionCookie, Value: "a-session-that-has-ended", Path: "/"}})
		for who, b := range map[string]*browser{"anonymous": p.browser(), "signed in": p.signedIn(org), "with an ended session": ended} {
			resp, _ := b.get(path)
			if resp.StatusCode >= 400 {
				t.Fatalf("%s %s: %d", who, path, resp.StatusCode)
			}
			if c := resp.Header.Values("Set-Cookie"); len(c) > 0 {
				t.Errorf("%s %s (%s) sets cookies: %q", who, path, resp.Header.Get("Cache-Control"), c)
			}
		}
	}
	resp, _ := p.browser().get("/signin")
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" || !strings.HasPrefix(resp.Header.Get("Set-Cookie"), csrfCookie+"=") {
		t.Errorf("sign-in page: Cache-Control %q, Set-Cookie %q; want no-store and the CSRF cookie", cc, resp.Header.Get("Set-Cookie"))
	}
	// A page, which no cache keeps, tells the browser to forget the ended
	// session.
	ended := p.browser()
	base, _ := url.Parse(p.ts.URL)
	ended.client.Jar.SetCookies(base, []*http.Cookie{{Name: sessionCookie, Value: "a-session-that-has-ended", Path: "/"}})
	ended.get("/signin")
	for _, c := range ended.client.Jar.Cookies(base) {
		if c.Name == sessionCookie {
			t.Errorf("the ended session's cookie is still kept after a page")
		}
	}
}

// HSTS is sent exactly when the portal's public address is https.
func TestHSTSOnlyWithHTTPSBaseURL(t *testing.T) {
	p := newPortal(t)
	for base, want := range map[string]bool{"https://groups.example.org": true, "http://portal.test": false, "http://127.0.0.1:8080": false} {
		srv := newServer(t, p.db, base)
		for _, path := range []string{"/", "/healthz", "/no-such-page"} {
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
			hsts := rec.Header().Get("Strict-Transport-Security")
			if (hsts != "") != want || (want && !strings.HasPrefix(hsts, "max-age=")) {
				t.Errorf("base %s, %s: Strict-Transport-Security %q", base, path, hsts)
			}
		}
	}
}

// A form beyond the size or field limit is refused as too large, not as
// expired (which would send the user reloading into the same failure), and
// changes nothing.
func TestFormTooLarge(t *testing.T) {
	p := newPortal(t)
	u := p.user("mem@example.org", "Mel Member")
	b := p.browser()
	b.signIn(u.Email)
	token := b.pageToken("/account")
	var multi bytes.Buffer
	mw := multipart.NewWriter(&multi)
	mw.WriteField("csrf", token)
	mw.WriteField("name", strings.Repeat("m", maxFormBytes))
	mw.Close()
	for what, req := range map[string]*http.Request{
		"over 1 MB":       formRequest(p, url.Values{"name": {"Big"}, "bio": {strings.Repeat("a", maxFormBytes)}, "csrf": {token}}.Encode()),
		"too many fields": formRequest(p, "name=Many&csrf="+token+strings.Repeat("&f=", maxFormFields)),
		"multipart over 1 MB": func() *http.Request {
			req, _ := http.NewRequest("POST", p.ts.URL+"/account/name", bytes.NewReader(multi.Bytes()))
			req.Header.Set("Content-Type", mw.FormDataContentType())
			return req
		}(),
	} {
		resp, body := b.do(req)
		if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(body, "This form is too large") || strings.Contains(body, "expired") {
			t.Errorf("%s: %d, want 413 saying the form is too large\n%.300s", what, resp.StatusCode, body)
		}
	}
	if got := p.userName(u.Email); got != u.Name {
		t.Errorf("a form too large changed the name to %q", got)
	}
	// Just under the limits, the form goes through.
	fits := url.Values{"name": {"Fits"}, "bio": {strings.Repeat("a", maxFormBytes-100)}, "csrf": {token}}
	if resp, body := b.do(formRequest(p, fits.Encode())); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("a form under 1 MB: %d %.300s", resp.StatusCode, body)
	}
}

func formRequest(p *testPortal, form string) *http.Request {
	req, _ := http.NewRequest("POST", p.ts.URL+"/account/name", strings.NewReader(form))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req
}

// An API body beyond the limit is refused as too large, whichever call
// reads it, and creates nothing.
func TestAPIBodyTooLarge(t *testing.T) {
	p := newPortal(t)
	ann := p.user("ann@example.org", "Ann Applicant")
	token, _ := p.apiToken(ann)
	big := `{"name": "` + strings.Repeat("a", maxFormBytes) + `"}`
	for _, call := range []struct{ method, path string }{
		{"POST", "/api/v1/groups"},
		{"POST", "/api/v1/groups/any/steps/policy/review-request"},
	} {
		e := p.apiFail(call.method, call.path, token, big, http.StatusRequestEntityTooLarge, ch.ETOOLARGE)
		if !strings.Contains(e.Error.Message, "too large") {
			t.Errorf("%s %s: %q does not say the body is too large", call.method, call.path, e.Error.Message)
		}
	}
	if groups, err := p.db.GroupsOf(context.Background(), ann); err != nil || len(groups) != 0 {
		t.Errorf("a body too large created %d groups (%v)", len(groups), err)
	}
}

// The session cookie is out of scripts' reach, not sent along cross-site
// requests, and Secure whenever the portal's public address is https.
func TestSessionCookie(t *testing.T) {
	p := newPortal(t)
	u := p.user("ann@example.org", "Ann")
	for base, secure := range map[string]bool{"https://groups.example.org": true, "http://portal.test": false} {
		srv := newServer(t, p.db, base)
		page := httptest.NewRecorder()
		srv.ServeHTTP(page, httptest.NewRequest("GET", "/signin", nil))
		m := csrfField.FindStringSubmatch(page.Body.String())
		if m == nil {
			t.Fatalf("%s: no CSRF field on the sign-in page", base)
		}
		form := url.Values{"email": {u.Email}, "password": {testPassword}, "csrf": {m[1]}}
		req := httptest.NewRequest("POST", "/signin", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for _, c := range page.Result().Cookies() {
			req.AddCookie(c)
		}
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		var session *http.Cookie
		for _, c := range rec.Result().Cookies() {
			if c.Name == sessionCookie {
				session = c
			}
		}
		if rec.Code != http.StatusSeeOther || session == nil {
			t.Fatalf("%s: signing in answered %d without a session cookie", base, rec.Code)
		}
		if !session.HttpOnly || session.SameSite != http.SameSiteLaxMode || session.Secure != secure || session.Path != "/" {
			t.Errorf("%s: session cookie %+v, want HttpOnly, SameSite=Lax, Path=/, Secure=%v", base, session, secure)
		}
		if session.MaxAge < 29*24*3600 || session.MaxAge > 30*24*3600 {
			t.Errorf("%s: session cookie lasts %d s, want 30 days", base, session.MaxAge)
		}
	}
}
