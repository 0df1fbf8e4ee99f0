package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	ch "chapterhouse"
	"chapterhouse/mail"
	"chapterhouse/password"
	"chapterhouse/sqldb"
	"chapterhouse/sqldb/sqldbtest"
)

// testPortal is a server on a real SQLite database in a temporary directory.
type testPortal struct {
	t   *testing.T
	db  *sqldb.DB
	srv *Server
	ts  *httptest.Server
}

var cheapHasher = password.NewHasher(password.Params{Time: 1, Memory: 1024, Threads: 1}, 4)

// newServer is a portal on db, known at base, with mail only logged.
func newServer(tb testing.TB, db *sqldb.DB, base string) *Server {
	tb.Helper()
	srv, err := New(Config{DB: db, Hasher: cheapHasher, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), BaseURL: base, MailVia: mail.ViaLog})
	if err != nil {
		tb.Fatal(err)
	}
	return srv
}

func newPortal(t *testing.T) *testPortal {
	t.Helper()
	db := sqldbtest.Open(t)
	srv := newServer(t, db, "http://portal.test")
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return &testPortal{t: t, db: db, srv: srv, ts: ts}
}

// user creates a verified account with the given roles.
func (p *testPortal) user(email, name string, roles ...ch.Role) *ch.User {
	p.t.Helper()
	hash, err := cheapHasher.Hash(context.Background(), "password-123")
	if err != nil {
		p.t.Fatal(err)
	}
	u, err := p.db.CreateUser(context.Background(), email, name, hash, true, 0, roles...)
	if err != nil {
		p.t.Fatal(err)
	}
	return u
}

// browser is an HTTP client with cookies that does not follow redirects, so
// tests see each answer.
type browser struct {
	p      *testPortal
	client *http.Client
}

func (p *testPortal) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{p: p, client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browser) do(req *http.Request) (*http.Response, string) {
	b.p.t.Helper()
	resp, err := b.client.Do(req)
	if err != nil {
		b.p.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

func (b *browser) get(path string) (*http.Response, string) {
	req, _ := http.NewRequest("GET", b.p.ts.URL+path, nil)
	return b.do(req)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// post submits a form with the CSRF token the browser's cookie carries.
func (b *browser) post(path string, form url.Values) (*http.Response, string) {
	b.p.t.Helper()
	u, _ := url.Parse(b.p.ts.URL)
	token := ""
	for _, c := range b.client.Jar.Cookies(u) {
		if c.Name == csrfCookie {
			token = c.Value
		}
	}
	if token == "" {
		_, body := b.get("/signin")
		if m := csrfField.FindStringSubmatch(body); m != nil {
			token = m[1]
		}
	}
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf", token)
	req, _ := http.NewRequest("POST", b.p.ts.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// signIn signs the browser in with the test password.
func (b *browser) signIn(email string) *browser {
	b.p.t.Helper()
	resp, body := b.post("/signin", url.Values{"email": {email}, "password": {"password-123"}})
	if resp.StatusCode != http.StatusSeeOther {
		b.p.t.Fatalf("sign in as %s: %d %s", email, resp.StatusCode, body)
	}
	return b
}

// validApplication is a form a user would send to start a group.
func validApplication(name string) url.Values {
	return url.Values{
		"name": {name}, "short_name": {""}, "description": {"We meet to talk about **Python**."},
		"city": {"Lyon"}, "country": {"FR"}, "time_zone": {"Europe/Paris"}, "cadence": {"monthly"},
		"organiser_emails": {"contact@lyon.example.org"}, "urls": {"https://lyon.example.org"},
		"channel_type": {"mailing_list", "chat"}, "channel_url": {"https://lists.example.org/lyon", ""},
		"coordinator_name": {"Bea Other", ""}, "coordinator_email": {"bea@example.org", ""}, "coordinator_employer": {"Acme", ""},
		"employer": {"Initech"}, "policy_agreed": {"yes"},
	}
}
