package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	ch "chapterhouse"
	"chapterhouse/sqldb"
)

// role is who sends a request in the authorization table.
type role int

const (
	asAnon       role = iota // no session, no token
	asUnverified             // an account whose address is not verified; listed as a coordinator of the target group
	asMember                 // a verified account without roles
	asOtherOrg               // organizer of another group
	asOrganizer              // organizer of the target groups
	asAmbassador             // program ambassador
	asApprover               // program approver: signs off in-house groups, no power over listed ones
	asManager                // community manager
	nRoles
)

var roleNames = [nRoles]string{"anonymous", "unverified", "member", "other-organizer", "organizer", "ambassador", "approver", "community-manager"}

func (r role) String() string { return roleNames[r] }

// byRole is an expected status per role, in the order of the constants above.
type byRole [nRoles]int

// authzWorld is a portal with one account per role and three groups:
// accepted ("new", run by the organizer), other (run by the other organizer)
// and pending (an application of the organizer).
type authzWorld struct {
	p        *testPortal
	users    [nRoles]*ch.User
	browsers [nRoles]*browser // signed in by session cookie; asAnon has none
	tokens   [nRoles]string   // personal API tokens; asAnon has none
	tokenIDs [nRoles]int64
	accepted string
	other    string
	pending  string
}

const testPassword = "password-123"

// groupApp is a valid application whose coordinators are the given people.
func groupApp(name, country string, coords ...ch.Coordinator) ch.Application {
	app := ch.Application{
		Name: name, Description: "We meet to talk about things.", City: "Lyon", Country: country, TimeZone: "Europe/Paris",
		OrganiserEmails: []string{"contact@" + ch.Slugify(name) + ".example.org"}, URLs: []string{"https://" + ch.Slugify(name) + ".example.org"},
		Channels: []ch.Channel{{Type: "mailing_list", URL: "https://lists.example.org/" + ch.Slugify(name)}},
		Cadence:  "monthly", PolicyAgreed: true, Coordinators: coords,
	}
	app.Normalize()
	return app
}

func coordinator(u *ch.User, employer string) ch.Coordinator {
	return ch.Coordinator{Email: u.Email, Name: u.Name, Employer: employer}
}

// createGroup stores an application straight in the database and, when
// accept is true, has a community manager accept it.
func (p *testPortal) createGroup(app ch.Application, applicant, reviewer *ch.User, accept bool) *ch.Group {
	p.t.Helper()
	ctx := context.Background()
	g, err := p.db.CreateGroup(ctx, app, applicant, nil)
	if err != nil {
		p.t.Fatalf("create %s: %v", app.Name, err)
	}
	if accept {
		if g, err = p.db.ReviewGroup(ctx, g.Slug, ch.Accept, "", reviewer, nil); err != nil {
			p.t.Fatalf("accept %s: %v", app.Name, err)
		}
	}
	return g
}

// signedIn returns a browser holding a fresh session of u, made without the
// sign-in form so that many can be made quickly.
func (p *testPortal) signedIn(u *ch.User) *browser {
	p.t.Helper()
	token, err := p.db.CreateSession(context.Background(), u.ID, time.Hour)
	if err != nil {
		p.t.Fatal(err)
	}
	b := p.browser()
	base, _ := url.Parse(p.ts.URL)
	b.client.Jar.SetCookies(base, []*http.Cookie{{Name: sessionCookie, Value: token, Path: "/"}})
	return b
}

// apiToken creates a personal API token for u and returns it with its id.
func (p *testPortal) apiToken(u *ch.User) (string, int64) {
	p.t.Helper()
	ctx := context.Background()
	token, err := p.db.CreateAPIToken(ctx, u.ID, "test")
	if err != nil {
		p.t.Fatal(err)
	}
	list, err := p.db.APITokens(ctx, u.ID)
	if err != nil || len(list) == 0 {
		p.t.Fatalf("tokens of %s: %v", u.Email, err)
	}
	return token, list[len(list)-1].ID
}

func newAuthzWorld(t *testing.T) *authzWorld {
	t.Helper()
	p := newPortal(t)
	w := &authzWorld{p: p}
	hash, err := cheapHasher.Hash(context.Background(), testPassword)
	if err != nil {
		t.Fatal(err)
	}
	una, err := p.db.CreateUser(context.Background(), "una@example.org", "Uma Unverified", hash, false, 0)
	if err != nil {
		t.Fatal(err)
	}
	w.users[asUnverified] = una
	w.users[asMember] = p.user("mem@example.org", "Mel Member")
	w.users[asOtherOrg] = p.user("oth@example.org", "Otto Other")
	w.users[asOrganizer] = p.user("org@example.org", "Olga Organizer")
	w.users[asAmbassador] = p.user("amb@example.org", "Abe Ambassador", ch.RoleAmbassador)
	w.users[asApprover] = p.user("apr@example.org", "Pat Approver", ch.RoleApprover)
	w.users[asManager] = p.user("cm@example.org", "Cora Manager", ch.RoleCommunityManager)
	w.browsers[asAnon] = p.browser()
	for r := asUnverified; r < nRoles; r++ {
		w.browsers[r] = p.signedIn(w.users[r])
		w.tokens[r], w.tokenIDs[r] = p.apiToken(w.users[r])
	}
	org, cm := w.users[asOrganizer], w.users[asManager]
	// The unverified account's address is listed as a coordinator: an
	// address nobody proved to own must not make its holder an organizer.
	w.accepted = p.createGroup(groupApp("Alpha Python User Group", "FR", coordinator(org, "Acme"), coordinator(una, "Initech")), org, cm, true).Slug
	w.other = p.createGroup(groupApp("Beta Rust Meetup", "DE", coordinator(w.users[asOtherOrg], "Globex")), w.users[asOtherOrg], cm, true).Slug
	w.pending = p.createGroup(groupApp("Gamma Elixir Club", "FR", coordinator(org, "Acme"), coordinator(una, "Initech")), org, cm, false).Slug
	return w
}

// expand fills the placeholders of a table path. Tokens for mailed links
// are made when asked for, since each works once.
func (w *authzWorld) expand(path string, as role) string {
	ctx := context.Background()
	p := w.p
	link := func(u *ch.User, purpose, email string) string {
		tok, err := p.db.CreateUserToken(ctx, u.ID, purpose, email, time.Hour)
		if err != nil {
			p.t.Fatal(err)
		}
		return tok
	}
	if strings.Contains(path, "{verify-token}") {
		path = strings.ReplaceAll(path, "{verify-token}", link(w.users[asUnverified], sqldb.PurposeVerify, w.users[asUnverified].Email))
	}
	if strings.Contains(path, "{email-token}") {
		path = strings.ReplaceAll(path, "{email-token}", link(w.users[asMember], sqldb.PurposeChangeEmail, "confirmed-"+as.String()+"@example.org"))
	}
	own := w.tokenIDs[as]
	if as == asAnon {
		own = w.tokenIDs[asMember]
	}
	return strings.NewReplacer(
		"{accepted}", w.accepted, "{pending}", w.pending, "{other}", w.other,
		"{static}", strings.TrimPrefix(p.srv.static.url("style.css"), "/static/"),
		"{member-id}", itoa(w.users[asMember].ID), "{amb-id}", itoa(w.users[asAmbassador].ID),
		"{own-token-id}", itoa(own), "{cm-token-id}", itoa(w.tokenIDs[asManager]),
	).Replace(path)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// send makes one table request as a role: pages through a browser (with a
// valid CSRF token for POSTs), the API with the role's Bearer token.
func (w *authzWorld) send(method, path string, as role, form url.Values, body string) (*http.Response, string) {
	p := w.p
	p.t.Helper()
	if strings.HasPrefix(path, "/api/") {
		resp, b := p.apiCall(method, path, w.tokens[as], body)
		return resp, string(b)
	}
	b := w.browsers[as]
	switch method {
	case "GET":
		return b.get(path)
	case "POST":
		return b.post(path, form)
	}
	p.t.Fatalf("no way to send %s %s", method, path)
	return nil, ""
}

// editForm is the edit form of a group run by the organizer, as a browser
// would send it.
func editForm(name string) url.Values {
	f := validApplication(name)
	f["coordinator_name"] = []string{"Olga Organizer", ""}
	f["coordinator_email"] = []string{"org@example.org", ""}
	f["coordinator_employer"] = []string{"Acme", ""}
	return f
}

const createBody = `{"name": "Delta %s Group", "short_name": "", "description": "…", "city": "Lyon", "country": "FR",
	"time_zone": "Europe/Paris", "organiser_emails": ["a@example.org"], "urls": ["https://lyon.example.org"],
	"channels": [{"type": "mailing_list", "url": "https://lists.example.org"}], "cadence": "monthly", "policy_agreed": true}`

type authzCase struct {
	route string                                  // "METHOD /pattern" as Server.Routes lists it
	path  string                                  // the request path, with placeholders (see expand)
	form  func(w *authzWorld, as role) url.Values // page POSTs: a valid form, so the status shows authorization
	body  func(as role) string                    // API writes: a valid JSON body
	want  byRole                                  // anonymous, unverified, member, other organizer, organizer, ambassador, approver, community manager
	note  string                                  // why, when the row is not obvious
}

const (
	s200 = http.StatusOK
	s201 = http.StatusCreated
	s303 = http.StatusSeeOther
	s401 = http.StatusUnauthorized
	s403 = http.StatusForbidden
	s404 = http.StatusNotFound
)

var (
	allOK      = byRole{s200, s200, s200, s200, s200, s200, s200, s200}
	allSeeOth  = byRole{s303, s303, s303, s303, s303, s303, s303, s303}
	signedPost = byRole{s401, s303, s303, s303, s303, s303, s303, s303}
	adminPage  = byRole{s303, s403, s403, s403, s403, s403, s403, s200}
	adminPost  = byRole{s401, s403, s403, s403, s403, s403, s403, s303}
	// A pending group is "not found" to everyone but its organizers and
	// community managers, so that its existence does not leak.
	pendingView = byRole{s404, s404, s404, s404, s200, s404, s404, s200}
)

func authzCases() []authzCase {
	noForm := func(*authzWorld, role) url.Values { return url.Values{} }
	return []authzCase{
		{route: "GET /healthz", path: "/healthz", want: allOK},
		{route: "GET /readyz", path: "/readyz", want: allOK},
		{route: "GET /metrics", path: "/metrics", want: byRole{s404, s404, s404, s404, s404, s404, s404, s404}, note: "off unless --metrics-token is set (see TestMetricsToken)"},
		{route: "GET /static/{hash}/{file}", path: "/static/{static}", want: allOK},
		{route: "GET /{$}", path: "/", want: allOK},
		{route: "GET /policy", path: "/policy", want: allOK},

		{route: "GET /signup", path: "/signup", want: allOK},
		{route: "POST /signup", path: "/signup", want: allSeeOth, form: func(_ *authzWorld, as role) url.Values {
			return url.Values{"email": {"new-" + as.String() + "@example.org"}, "name": {"New Person"}, "password": {"a-long-password"}}
		}},
		{route: "GET /verify", path: "/verify?token={verify-token}", want: allOK},
		{route: "POST /verify", path: "/verify", want: allSeeOth, form: func(w *authzWorld, as role) url.Values {
			return url.Values{"token": {w.expand("{verify-token}", as)}, "password": {testPassword}}
		}},
		{route: "POST /verify/resend", path: "/verify/resend", want: signedPost, form: noForm},
		{route: "GET /signin", path: "/signin", want: allOK},
		{route: "POST /signin", path: "/signin", want: allSeeOth, form: func(_ *authzWorld, as role) url.Values {
			email := "mem@example.org"
			if as != asAnon {
				email = roleEmails[as]
			}
			return url.Values{"email": {email}, "password": {testPassword}}
		}},
		{route: "POST /signout", path: "/signout", want: signedPost, form: noForm},
		{route: "GET /password/forgot", path: "/password/forgot", want: allOK},
		{route: "POST /password/forgot", path: "/password/forgot", want: allSeeOth, form: func(_ *authzWorld, as role) url.Values {
			return url.Values{"email": {"forgot-" + as.String() + "@example.org"}}
		}},
		{route: "GET /password/reset", path: "/password/reset?token=x", want: allOK},
		{route: "POST /password/reset", path: "/password/reset", want: allSeeOth, form: func(w *authzWorld, _ role) url.Values {
			tok, err := w.p.db.CreateUserToken(context.Background(), w.users[asMember].ID, sqldb.PurposeReset, "mem@example.org", time.Hour)
			if err != nil {
				w.p.t.Fatal(err)
			}
			return url.Values{"token": {tok}, "password": {"a-brand-new-password"}}
		}},
		{route: "GET /email/confirm", path: "/email/confirm?token={email-token}", want: allSeeOth},

		{route: "GET /account", path: "/account", want: byRole{s303, s200, s200, s200, s200, s200, s200, s200}},
		{route: "POST /account/name", path: "/account/name", want: signedPost, form: func(*authzWorld, role) url.Values {
			return url.Values{"name": {"Renamed Person"}}
		}},
		{route: "POST /account/email", path: "/account/email", want: signedPost, form: func(_ *authzWorld, as role) url.Values {
			return url.Values{"new_email": {"moved-" + as.String() + "@example.org"}}
		}},
		{route: "POST /account/password", path: "/account/password", want: signedPost, form: func(*authzWorld, role) url.Values {
			return url.Values{"current_password": {testPassword}, "new_password": {"another-long-password"}}
		}},
		{route: "POST /account/tokens", path: "/account/tokens", want: byRole{s401, s200, s200, s200, s200, s200, s200, s200}, form: func(*authzWorld, role) url.Values {
			return url.Values{"token_name": {"my script"}}
		}},
		{route: "POST /account/tokens/{id}/delete", path: "/account/tokens/{own-token-id}/delete", want: signedPost, form: noForm},
		{route: "POST /account/tokens/{id}/delete", path: "/account/tokens/{cm-token-id}/delete", form: noForm,
			want: byRole{s401, s404, s404, s404, s404, s404, s404, s303}, note: "another person's token is not found"},

		{route: "GET /groups", path: "/groups", want: allOK},
		{route: "GET /groups", path: "/groups?status=pending", want: byRole{422, 422, 422, 422, 422, 422, 422, s200}, note: "only managers list pending groups"},
		{route: "GET /groups/new", path: "/groups/new", want: byRole{s303, s403, s200, s200, s200, s200, s200, s200}},
		{route: "POST /groups/new", path: "/groups/new", want: byRole{s401, s403, s303, s303, s303, s303, s303, s303}, form: func(_ *authzWorld, as role) url.Values {
			f := validApplication("Zeta Kotlin " + as.String())
			f.Set("confirm_distinct", "yes")
			return f
		}},
		{route: "GET /groups/{slug}", path: "/groups/{accepted}", want: allOK},
		{route: "GET /groups/{slug}", path: "/groups/{pending}", want: pendingView},
		{route: "GET /groups/{slug}", path: "/groups/no-such-group", want: byRole{s404, s404, s404, s404, s404, s404, s404, s404}},
		{route: "GET /groups/{slug}/logo.svg", path: "/groups/{accepted}/logo.svg", want: allOK},
		{route: "GET /groups/{slug}/logo.svg", path: "/groups/{pending}/logo.svg", want: pendingView},
		{route: "GET /groups/{slug}/logo.png", path: "/groups/{accepted}/logo.png?width=64", want: allOK},
		{route: "GET /groups/{slug}/logo.png", path: "/groups/{pending}/logo.png?width=64", want: pendingView},
		{route: "GET /groups/{slug}/edit", path: "/groups/{accepted}/edit", want: byRole{s303, s403, s403, s403, s200, s403, s403, s200}},
		{route: "GET /groups/{slug}/edit", path: "/groups/{pending}/edit", want: byRole{s303, s403, s404, s404, s200, s404, s404, s200}},
		{route: "POST /groups/{slug}/edit", path: "/groups/{accepted}/edit", want: byRole{s401, s403, s403, s403, s303, s403, s403, s303}, form: func(*authzWorld, role) url.Values {
			return editForm("Alpha Python User Group")
		}},
		{route: "POST /groups/{slug}/edit", path: "/groups/{pending}/edit", want: byRole{s401, s403, s404, s404, s303, s404, s404, s303}, form: func(*authzWorld, role) url.Values {
			return editForm("Gamma Elixir Club")
		}},
		{route: "POST /groups/{slug}/review", path: "/groups/{pending}/review", want: adminPost, form: func(*authzWorld, role) url.Values {
			return url.Values{"decision": {"accept"}}
		}, note: "an organizer cannot accept its own application"},

		// The Official User Group Process (official.go). The ambassador does
		// not mentor the accepted group, so its checklist is not found to it.
		{route: "GET /groups/{slug}/checklist", path: "/groups/{accepted}/checklist", want: byRole{s303, s404, s404, s404, s200, s404, s404, s200}},
		{route: "GET /groups/{slug}/checklist", path: "/groups/{pending}/checklist", want: byRole{s303, s404, s404, s404, s200, s404, s404, s200}},
		{route: "POST /groups/{slug}/steps/{step}/validations", path: "/groups/{accepted}/steps/organisation/validations", want: byRole{s401, s403, s403, s403, s403, s403, s403, s303}, form: func(*authzWorld, role) url.Values {
			return url.Values{"verdict": {"pass"}, "comment": {"Fine."}}
		}, note: "organizers never validate their group; ambassadors only the groups they mentor"},
		{route: "POST /groups/{slug}/steps/{step}/comments", path: "/groups/{accepted}/steps/organisation/comments", want: byRole{s401, s403, s403, s403, s303, s403, s403, s303}, form: func(*authzWorld, role) url.Values {
			return url.Values{"body": {"A question."}}
		}},
		{route: "POST /groups/{slug}/steps/{step}/review-request", path: "/groups/{accepted}/steps/organisation/review-request", want: byRole{s401, s403, s403, s403, s303, s403, s403, s403}, form: noForm},
		{route: "POST /groups/{slug}/steps/{step}/not-needed", path: "/groups/{accepted}/steps/mentor/not-needed", want: adminPost, form: func(*authzWorld, role) url.Values {
			return url.Values{"reason": {"An established group."}}
		}},
		{route: "POST /groups/{slug}/ambassadors", path: "/groups/{accepted}/ambassadors", want: byRole{s401, s403, s403, s403, s403, s303, s403, s303}, form: func(w *authzWorld, as role) url.Values {
			if as == asManager {
				return url.Values{"email": {w.p.user("amb2@example.org", "Ada Ambassador", ch.RoleAmbassador).Email}}
			}
			return url.Values{}
		}, note: "an ambassador signs up; a community manager assigns one"},
		{route: "POST /groups/{slug}/status", path: "/groups/{accepted}/status", want: byRole{s401, s403, s403, s403, s403, s403, s403, http.StatusConflict}, form: func(*authzWorld, role) url.Values {
			return url.Values{"status": {"official"}, "note": {"Well done."}}
		}, note: "only community managers; refused while steps are unmet"},
		{route: "POST /groups/{slug}/meetings", path: "/groups/{accepted}/meetings", want: byRole{s401, s403, s403, s403, s303, s403, s403, s303}, form: func(*authzWorld, role) url.Values {
			return url.Values{"held_on": {"2024-03-01"}, "title": {"Lightning talks"}, "format": {"in_person"}}
		}},
		{route: "POST /groups/{slug}/ambassadors/{id}/remove", path: "/groups/{accepted}/ambassadors/{amb-id}/remove", want: byRole{s401, s403, s403, s403, s403, s404, s403, s404}, form: noForm,
			note: "only managers and the ambassador itself end a mentoring; this ambassador mentors nothing"},
		{route: "POST /groups/{slug}/meetings/{id}/delete", path: "/groups/{accepted}/meetings/999/delete", want: byRole{s401, s403, s403, s403, s404, s403, s403, s404}, form: noForm,
			note: "organizers and managers pass authorization; no such meeting"},
		{route: "POST /groups/{slug}/rhythm", path: "/groups/{accepted}/rhythm", want: byRole{s401, s403, s403, s403, s403, s403, s403, s303}, form: func(*authzWorld, role) url.Values {
			return url.Values{"cadence": {"quarterly"}, "note": {"A big structured event each quarter suits this city better than monthly meetups."}}
		}},
		{route: "POST /groups/{slug}/rename", path: "/groups/{accepted}/rename", want: byRole{s401, s403, s403, s403, s403, s403, s403, http.StatusConflict}, form: func(*authzWorld, role) url.Values {
			return url.Values{"decision": {"accept"}}
		}, note: "only community managers; the group was not renamed"},
		{route: "GET /review/queue", path: "/review/queue", want: byRole{s303, s403, s403, s403, s403, s200, s403, s200}},

		{route: "GET /admin/applications", path: "/admin/applications", want: adminPage},
		{route: "GET /admin/people", path: "/admin/people", want: adminPage},
		{route: "POST /admin/people/{id}/roles", path: "/admin/people/{member-id}/roles", want: adminPost, form: func(*authzWorld, role) url.Values {
			return url.Values{"role": {"ambassador"}, "action": {"grant"}}
		}},
		{route: "GET /admin/mail", path: "/admin/mail", want: adminPage},
		{route: "GET /admin/settings", path: "/admin/settings", want: adminPage},
		{route: "POST /admin/settings", path: "/admin/settings", want: adminPost, form: func(*authzWorld, role) url.Values {
			return url.Values{"name": {"1"}, "urls": {"1"}, "channels": {"1"}}
		}},
		{route: "GET /admin/program", path: "/admin/program", want: adminPage},
		{route: "POST /admin/program", path: "/admin/program", want: adminPost, form: func(*authzWorld, role) url.Values {
			return programForm(ch.DefaultProgram())
		}},
		{route: "GET /admin/artwork", path: "/admin/artwork", want: adminPage},
		{route: "POST /admin/artwork", path: "/admin/artwork", want: adminPost, form: func(*authzWorld, role) url.Values {
			return url.Values{"action": {"reset"}}
		}, note: "uploads are tested in artwork_test.go"},
		{route: "GET /admin/policy", path: "/admin/policy", want: adminPage},
		{route: "POST /admin/policy", path: "/admin/policy", want: adminPost, form: func(_ *authzWorld, as role) url.Values {
			return url.Values{"body": {"Be kind. Version of " + as.String() + "."}}
		}},

		{route: "GET /api/v1/openapi.json", path: "/api/v1/openapi.json", want: allOK},
		{route: "GET /api/v1/groups", path: "/api/v1/groups", want: allOK},
		{route: "GET /api/v1/groups", path: "/api/v1/groups?status=pending", want: byRole{422, 422, 422, 422, 422, 422, 422, s200}},
		{route: "POST /api/v1/groups", path: "/api/v1/groups", want: byRole{s401, s403, s201, s201, s201, s201, s201, s201}, body: func(as role) string {
			return strings.Replace(createBody, "%s", as.String(), 1)
		}},
		{route: "GET /api/v1/groups/{slug}", path: "/api/v1/groups/{accepted}", want: allOK},
		{route: "GET /api/v1/groups/{slug}", path: "/api/v1/groups/{pending}", want: pendingView},
		{route: "PATCH /api/v1/groups/{slug}", path: "/api/v1/groups/{accepted}", want: byRole{s401, s403, s403, s403, s200, s403, s403, s200}, body: func(role) string {
			return `{"cadence": "weekly"}`
		}},
		{route: "PATCH /api/v1/groups/{slug}", path: "/api/v1/groups/{pending}", want: byRole{s401, s403, s404, s404, s200, s404, s404, s200}, body: func(role) string {
			return `{"cadence": "weekly"}`
		}},
		{route: "PATCH /api/v1/groups/{slug}", path: "/api/v1/groups/{other}", want: byRole{s401, s403, s403, s200, s403, s403, s403, s200}, body: func(role) string {
			return `{"cadence": "weekly"}`
		}},
		{route: "POST /api/v1/groups/{slug}/review", path: "/api/v1/groups/{pending}/review", want: byRole{s401, s403, s403, s403, s403, s403, s403, s200}, body: func(role) string {
			return `{"decision": "accept"}`
		}},
		{route: "GET /api/v1/groups/{slug}/steps", path: "/api/v1/groups/{accepted}/steps", want: byRole{s404, s404, s404, s404, s200, s404, s404, s200},
			note: "the checklist is for organizers, mentoring ambassadors and community managers (see TestAPIOfficialSteps)"},
		{route: "GET /api/v1/groups/{slug}/steps", path: "/api/v1/groups/{pending}/steps", want: pendingView},
		{route: "POST /api/v1/groups/{slug}/steps/{id}/validations", path: "/api/v1/groups/{accepted}/steps/organisation/validations",
			want: byRole{s401, s403, s403, s403, s403, s403, s403, s201}, body: func(role) string {
				return `{"verdict": "pass", "comment": "Two coordinators from two employers."}`
			}, note: "an organizer never validates its own group; an ambassador validates only groups it mentors"},
		{route: "POST /api/v1/groups/{slug}/ambassadors", path: "/api/v1/groups/{accepted}/ambassadors",
			want: byRole{s401, s403, s403, s403, s403, s201, s403, 422}, body: func(role) string { return `{}` },
			note: "an ambassador signs up; a community manager is no ambassador and must name one"},
		{route: "POST /api/v1/groups/{slug}/ambassadors", path: "/api/v1/groups/{accepted}/ambassadors",
			want: byRole{s401, s403, s403, s403, s403, s403, s403, s201}, body: func(role) string { return `{"email": "amb@example.org"}` },
			note: "only community managers assign someone else"},
		{route: "POST /api/v1/groups/{slug}/status", path: "/api/v1/groups/{accepted}/status",
			want: byRole{s401, s403, s403, s403, s403, s403, s403, http.StatusConflict}, body: func(role) string { return `{"status": "official"}` },
			note: "a community manager passes authorization; the new group's steps are not all met"},
		{route: "POST /api/v1/groups/{slug}/steps/{id}/comments", path: "/api/v1/groups/{accepted}/steps/organisation/comments",
			want: byRole{s401, s403, s403, s403, s201, s403, s403, s201}, body: func(role) string { return `{"body": "A question."}` }},
		{route: "POST /api/v1/groups/{slug}/steps/{id}/review-request", path: "/api/v1/groups/{accepted}/steps/organisation/review-request",
			want: byRole{s401, s403, s403, s403, http.StatusAccepted, s403, s403, s403}, body: func(role) string { return `{}` }},
		{route: "PUT /api/v1/groups/{slug}/steps/{id}/not-needed", path: "/api/v1/groups/{accepted}/steps/mentor/not-needed",
			want: byRole{s401, s403, s403, s403, s403, s403, s403, http.StatusNoContent}, body: func(role) string { return `{"reason": "An established group."}` }},
		{route: "DELETE /api/v1/groups/{slug}/steps/{id}/not-needed", path: "/api/v1/groups/{accepted}/steps/mentor/not-needed",
			want: byRole{s401, s403, s403, s403, s403, s403, s403, s404}, note: "a manager passes authorization; the step was not marked"},
		{route: "DELETE /api/v1/groups/{slug}/ambassadors/{uid}", path: "/api/v1/groups/{accepted}/ambassadors/{amb-id}",
			want: byRole{s401, s403, s403, s403, s403, s404, s403, s404}, note: "only managers and the ambassador itself; this ambassador mentors nothing"},
		{route: "POST /api/v1/groups/{slug}/meetings", path: "/api/v1/groups/{accepted}/meetings",
			want: byRole{s401, s403, s403, s403, s201, s403, s403, s201}, body: func(role) string {
				return `{"held_on": "2024-03-01", "title": "Lightning talks", "format": "in_person"}`
			}},
		{route: "DELETE /api/v1/groups/{slug}/meetings/{mid}", path: "/api/v1/groups/{accepted}/meetings/999",
			want: byRole{s401, s403, s403, s403, s404, s403, s403, s404}, note: "organizers and managers pass authorization; no such meeting"},
		{route: "PUT /api/v1/groups/{slug}/rhythm", path: "/api/v1/groups/{accepted}/rhythm",
			want: byRole{s401, s403, s403, s403, s403, s403, s403, http.StatusNoContent}, body: func(role) string {
				return `{"cadence": "quarterly", "note": "A big event each quarter suits this city."}`
			}},
		{route: "POST /api/v1/groups/{slug}/rename", path: "/api/v1/groups/{accepted}/rename",
			want: byRole{s401, s403, s403, s403, s403, s403, s403, http.StatusConflict}, body: func(role) string { return `{"decision": "accept"}` },
			note: "only community managers; the group was not renamed"},
		{route: "DELETE /api/v1/groups/{slug}/rhythm", path: "/api/v1/groups/{accepted}/rhythm",
			want: byRole{s401, s403, s403, s403, s403, s403, s403, s404}, note: "a manager passes authorization; no rhythm was accepted"},
	}
}

var roleEmails = [nRoles]string{"", "una@example.org", "mem@example.org", "oth@example.org", "org@example.org", "amb@example.org", "apr@example.org", "cm@example.org"}

// TestAuthorization requests every route as every role. A route without a
// row fails the test, so a new route must say who may call it.
func TestAuthorization(t *testing.T) {
	cases := authzCases()
	p := newPortal(t)
	access := map[string]access{}
	for _, r := range p.srv.routes {
		access[r.method+" "+r.pattern] = r.access
	}
	covered := map[string]bool{}
	for _, c := range cases {
		if _, ok := access[c.route]; !ok {
			t.Errorf("table row for %q, which is not a route", c.route)
		}
		covered[c.route] = true
	}
	for _, r := range p.srv.Routes() {
		if !covered[r] {
			t.Errorf("route %q has no row in the authorization table", r)
		}
	}
	if t.Failed() {
		return
	}

	for _, c := range cases {
		method, _, _ := strings.Cut(c.route, " ")
		t.Run(c.route+" "+c.path, func(t *testing.T) {
			t.Parallel()
			// A fresh world per row: rows change state (sign out, accept, edit).
			// Within a row the roles go from least to most privileged.
			w := newAuthzWorld(t)
			for as := asAnon; as < nRoles; as++ {
				path := w.expand(c.path, as)
				var form url.Values
				if c.form != nil {
					form = c.form(w, as)
				}
				body := ""
				if c.body != nil {
					body = c.body(as)
				}
				resp, got := w.send(method, path, as, form, body)
				if resp.StatusCode != c.want[as] {
					t.Errorf("as %s: %s %s = %d, want %d %s\n%.300s", as, method, path, resp.StatusCode, c.want[as], c.note, got)
					continue
				}
				checkAuthzAnswer(t, method, path, as, access[c.route], resp, got)
			}
		})
	}
}

// checkAuthzAnswer checks what comes with a refusal: a JSON error with the
// right code on the API, a redirect to the sign-in page for anonymous GETs.
func checkAuthzAnswer(t *testing.T, method, path string, as role, a access, resp *http.Response, body string) {
	t.Helper()
	api := strings.HasPrefix(path, "/api/")
	if api {
		if ct := resp.Header.Get("Content-Type"); resp.StatusCode != http.StatusNoContent && !strings.HasPrefix(ct, "application/json") {
			t.Errorf("as %s: %s %s: Content-Type %q", as, method, path, ct)
		}
		if resp.StatusCode >= 400 {
			var e apiErrorResponse
			if err := json.Unmarshal([]byte(body), &e); err != nil || e.Error.Code == "" || e.Error.Message == "" {
				t.Errorf("as %s: %s %s: error body %q (%v)", as, method, path, body, err)
			}
			want := map[int]string{401: ch.EUNAUTHORIZED, 403: ch.EFORBIDDEN, 404: ch.ENOTFOUND, 409: ch.ECONFLICT, 422: ch.EINVALID}[resp.StatusCode]
			if e.Error.Code != want {
				t.Errorf("as %s: %s %s: error code %q, want %q", as, method, path, e.Error.Code, want)
			}
		}
		return
	}
	if as == asAnon && method == "GET" && a != public {
		if loc := resp.Header.Get("Location"); loc != "/signin?next="+url.QueryEscape(path) {
			t.Errorf("anonymous GET %s redirects to %q, want the sign-in page", path, loc)
		}
	}
}

// TestCSRF checks the form token and http.CrossOriginProtection: a state
// change needs both a same-origin request and the token of the cookie.
func TestCSRF(t *testing.T) {
	p := newPortal(t)
	u := p.user("mem@example.org", "Mel Member")
	cm := p.user("cm@example.org", "Cora Manager", ch.RoleCommunityManager)
	b := p.signedIn(u)
	if resp, _ := b.get("/account"); resp.StatusCode != 200 {
		t.Fatalf("account: %d", resp.StatusCode)
	}
	base, _ := url.Parse(p.ts.URL)
	cookie := ""
	for _, c := range b.client.Jar.Cookies(base) {
		if c.Name == csrfCookie {
			cookie = c.Value
		}
	}
	if len(cookie) < 20 {
		t.Fatalf("no CSRF cookie after a page view: %q", cookie)
	}
	post := func(path string, form url.Values, header http.Header) *http.Response {
		req, _ := http.NewRequest("POST", p.ts.URL+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for k, v := range header {
			req.Header[k] = v
		}
		resp, _ := b.do(req)
		return resp
	}
	name := url.Values{"name": {"Renamed Person"}}
	withToken := url.Values{"name": {"Renamed Person"}, "csrf": {cookie}}
	for _, tc := range []struct {
		what   string
		form   url.Values
		header http.Header
		want   int
	}{
		{"no token", name, nil, s403},
		{"wrong token", url.Values{"name": {"Renamed Person"}, "csrf": {strings.Repeat("x", len(cookie))}}, nil, s403},
		{"token of another length", url.Values{"name": {"Renamed Person"}, "csrf": {cookie[:10]}}, nil, s403},
		{"wrong header token", name, http.Header{"X-Csrf-Token": {"not-the-token-at-all-000"}}, s403},
		{"cross-site with the right token", withToken, http.Header{"Sec-Fetch-Site": {"cross-site"}}, s403},
		{"foreign Origin with the right token", withToken, http.Header{"Origin": {"https://evil.example"}}, s403},
		{"header token", name, http.Header{"X-Csrf-Token": {cookie}}, s303},
		{"form token, same-origin", withToken, http.Header{"Sec-Fetch-Site": {"same-origin"}}, s303},
	} {
		if resp := post("/account/name", tc.form, tc.header); resp.StatusCode != tc.want {
			t.Errorf("%s: %d, want %d", tc.what, resp.StatusCode, tc.want)
		}
	}
	// A form without the cookie cannot pass, whatever it sends.
	anon := p.browser()
	req, _ := http.NewRequest("POST", p.ts.URL+"/signin", strings.NewReader(url.Values{"email": {u.Email}, "password": {testPassword}, "csrf": {""}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if resp, _ := anon.do(req); resp.StatusCode != s403 {
		t.Errorf("sign-in without CSRF cookie: %d", resp.StatusCode)
	}

	// Bearer tokens: a wrong one is refused outright with a JSON error, even
	// where the call would be allowed anonymously.
	token, _ := p.apiToken(cm)
	for _, auth := range []string{"Bearer nope", "Bearer ", "Basic Zm9vOmJhcg==", token, "Bearer " + token + "x"} {
		for _, path := range []string{"/api/v1/groups", "/groups"} {
			req, _ := http.NewRequest("GET", p.ts.URL+path, nil)
			req.Header.Set("Authorization", auth)
			resp, body := p.browser().do(req)
			var e apiErrorResponse
			if resp.StatusCode != s401 || json.Unmarshal([]byte(body), &e) != nil || e.Error.Code != ch.EUNAUTHORIZED {
				t.Errorf("GET %s with Authorization %q: %d %s", path, auth, resp.StatusCode, body)
			}
			if !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("GET %s with a bad token: no WWW-Authenticate challenge", path)
			}
		}
	}
	// A good token writes without any CSRF token, but a cross-site request
	// is refused even with one.
	if resp, body := p.apiCall("POST", "/api/v1/groups", token, strings.Replace(createBody, "%s", "token", 1)); resp.StatusCode != s201 {
		t.Errorf("create with a token: %d %s", resp.StatusCode, body)
	}
	req, _ = http.NewRequest("POST", p.ts.URL+"/api/v1/groups", strings.NewReader(strings.Replace(createBody, "%s", "cross", 1)))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if resp, _ := p.browser().do(req); resp.StatusCode != s403 {
		t.Errorf("cross-site API write: %d", resp.StatusCode)
	}
}

// TestAPIWithSessionCookie: the API answers a signed-in browser's reads, but
// a session cookie is ambient authority a cross-site page could borrow, so
// API writes need a Bearer token, whatever else they carry.
func TestAPIWithSessionCookie(t *testing.T) {
	w := newAuthzWorld(t)
	p := w.p
	cm := w.browsers[asManager]
	if resp, _ := cm.get("/api/v1/groups/" + w.pending); resp.StatusCode != s200 {
		t.Fatalf("manager's session cannot read a pending group: %d", resp.StatusCode)
	}
	if resp, _ := w.browsers[asMember].get("/api/v1/groups/" + w.pending); resp.StatusCode != s404 {
		t.Fatalf("member's session reads a pending group: %d", resp.StatusCode)
	}
	cm.get("/account") // for the CSRF cookie
	base, _ := url.Parse(p.ts.URL)
	var csrf string
	for _, c := range cm.client.Jar.Cookies(base) {
		if c.Name == csrfCookie {
			csrf = c.Value
		}
	}
	review := func(header http.Header) int {
		req, _ := http.NewRequest("POST", p.ts.URL+"/api/v1/groups/"+w.pending+"/review", strings.NewReader(`{"decision":"accept","reason":"=x"}`))
		req.Header.Set("Content-Type", "text/plain")
		for k, v := range header {
			req.Header[k] = v
		}
		resp, _ := cm.do(req)
		return resp.StatusCode
	}
	// The first is what a cross-site form (enctype=text/plain) can send from
	// a browser that gives neither Sec-Fetch-Site nor Origin.
	for _, h := range []http.Header{nil, {"X-Csrf-Token": {csrf}}} {
		if got := review(h); got != s401 {
			t.Errorf("API write by session cookie (header %v): %d, want 401", h, got)
		}
	}
	if g := mustGroup(t, p, w.pending); g.Status != ch.StatusPending {
		t.Fatalf("a session cookie reviewed the application: %s", g.Status)
	}
	if resp, body := p.apiCall("POST", "/api/v1/groups/"+w.pending+"/review", w.tokens[asManager], `{"decision":"accept"}`); resp.StatusCode != s200 {
		t.Errorf("review with a token: %d %s", resp.StatusCode, body)
	}
}

// TestSignInNextStaysOnSite: the page to return to after signing in is
// always on this site, however the ?next= value is spelt.
func TestSignInNextStaysOnSite(t *testing.T) {
	p := newPortal(t)
	p.user("ann@example.org", "Ann Applicant")
	for next, want := range map[string]string{
		"/groups/new": "/groups/new", "/account?tab=1": "/account?tab=1", "": "/groups",
		"https://evil.example": "/groups", "//evil.example": "/groups", "/\\evil.example": "/groups",
		"/\t/evil.example": "/groups", "/\n/evil.example": "/groups", "/\r\n/evil.example": "/groups", "/\x00/evil.example": "/groups",
		"javascript:alert(1)": "/groups", " //evil.example": "/groups",
	} {
		b := p.browser()
		b.get("/signin")
		base, _ := url.Parse(p.ts.URL)
		token := ""
		for _, c := range b.client.Jar.Cookies(base) {
			if c.Name == csrfCookie {
				token = c.Value
			}
		}
		form := url.Values{"email": {"ann@example.org"}, "password": {testPassword}, "next": {next}, "csrf": {token}}
		req, _ := http.NewRequest("POST", p.ts.URL+"/signin", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.AddCookie(&http.Cookie{Name: csrfCookie, Value: token})
		// A bare round trip: the client would refuse to parse some of the
		// Location headers a browser follows.
		resp, err := p.ts.Client().Transport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if strings.ContainsRune(next, 0) && resp.StatusCode == http.StatusBadRequest {
			continue // refused before any redirect: no text with NUL is accepted
		}
		if resp.StatusCode != s303 || resp.Header.Get("Location") != want {
			t.Errorf("next=%q: %d to %q, want %q", next, resp.StatusCode, resp.Header.Get("Location"), want)
		}
	}
}

// TestContactsNeedVerifiedAccount: the organisers' contact addresses are for
// any verified account, as the README says, on the group's page and in the
// API alike; an unverified account (anyone who typed an address) sees what
// the public sees. Coordinators' own addresses are for those who run the
// group.
func TestContactsNeedVerifiedAccount(t *testing.T) {
	w := newAuthzWorld(t)
	const contact = "contact@alpha-python-user-group.example.org"
	for as := asAnon; as < nRoles; as++ {
		verified := as != asAnon && as != asUnverified
		_, page := w.browsers[as].get("/groups/" + w.accepted)
		if got := strings.Contains(page, contact); got != verified {
			t.Errorf("as %s: the group's page shows the organisers' address: %t, want %t", as, got, verified)
		}
		var g apiGroupResponse
		w.p.apiJSON("GET", "/api/v1/groups/"+w.accepted, w.tokens[as], "", 200, &g)
		if got := slices.Contains(g.Group.OrganiserEmails, contact); got != verified {
			t.Errorf("as %s: the API shows the organisers' address: %t, want %t", as, got, verified)
		}
		runs := as == asOrganizer || as == asManager
		if got := g.Group.Coordinators[1].Email == roleEmails[asUnverified]; got != runs {
			t.Errorf("as %s: the API shows a coordinator's address: %t, want %t", as, got, runs)
		}
	}
	_, page := w.browsers[asUnverified].get("/groups/" + w.accepted)
	if !strings.Contains(page, "Verify your address") {
		t.Error("an unverified account is not told how to see the organisers' address")
	}
}

// TestManagerKeepsOwnRole: on the People page a community manager cannot
// remove its own community manager role; another manager can.
func TestManagerKeepsOwnRole(t *testing.T) {
	w := newAuthzWorld(t)
	cm := w.users[asManager]
	remove := url.Values{"role": {"community-manager"}, "action": {"remove"}}
	resp, body := w.browsers[asManager].post("/admin/people/"+itoa(cm.ID)+"/roles", remove)
	if resp.StatusCode != http.StatusConflict || !strings.Contains(body, "your own community manager role") {
		t.Errorf("removing one's own manager role: %d\n%.300s", resp.StatusCode, body)
	}
	if u, _ := w.p.db.UserByID(t.Context(), cm.ID); !u.IsCommunityManager() {
		t.Fatal("a community manager removed its own role")
	}
	other := w.p.user("cm2@example.org", "Carl Manager", ch.RoleCommunityManager)
	if resp, _ := w.p.signedIn(other).post("/admin/people/"+itoa(cm.ID)+"/roles", remove); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("another manager removing the role: %d", resp.StatusCode)
	}
}
