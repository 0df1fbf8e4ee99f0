package web

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	ch "chapterhouse"
)

// apiErrorResponse is the error body every API failure carries.
type apiErrorResponse struct {
	Error struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Fields  map[string]string `json:"fields"`
		// SimilarGroups names the groups an application's name is like.
		SimilarGroups []map[string]string `json:"similar_groups"`
	} `json:"error"`
}

type apiGroupResponse struct {
	Group apiGroup `json:"group"`
}

type apiListResponse struct {
	Groups     []apiGroup `json:"groups"`
	Total      int        `json:"total"`
	NextCursor string     `json:"next_cursor"`
}

// apiCall sends a JSON request, with a Bearer token unless token is empty.
func (p *testPortal) apiCall(method, path, token, body string) (*http.Response, []byte) {
	p.t.Helper()
	req, err := http.NewRequest(method, p.ts.URL+path, strings.NewReader(body))
	if err != nil {
		p.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := p.ts.Client().Do(req)
	if err != nil {
		p.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		p.t.Fatal(err)
	}
	return resp, b
}

// apiJSON calls the API, checks the status and decodes the answer into out.
func (p *testPortal) apiJSON(method, path, token, body string, want int, out any) *http.Response {
	p.t.Helper()
	resp, b := p.apiCall(method, path, token, body)
	if resp.StatusCode != want {
		p.t.Fatalf("%s %s: %d, want %d\n%s", method, path, resp.StatusCode, want, b)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		p.t.Errorf("%s %s: Content-Type %q", method, path, ct)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			p.t.Fatalf("%s %s: %v\n%s", method, path, err, b)
		}
	}
	return resp
}

// apiFail calls the API expecting an error and returns it.
func (p *testPortal) apiFail(method, path, token, body string, want int, code string) apiErrorResponse {
	p.t.Helper()
	var e apiErrorResponse
	p.apiJSON(method, path, token, body, want, &e)
	if e.Error.Code != code || e.Error.Message == "" {
		p.t.Errorf("%s %s: error %+v, want code %q", method, path, e.Error, code)
	}
	return e
}

func wantFields(t *testing.T, what string, e apiErrorResponse, fields ...string) {
	t.Helper()
	for _, f := range fields {
		if e.Error.Fields[f] == "" {
			t.Errorf("%s: no message for field %q in %v", what, f, e.Error.Fields)
		}
	}
}

func slugs(groups []apiGroup) []string {
	var out []string
	for _, g := range groups {
		out = append(out, g.Slug)
	}
	return out
}

// listWorld is a directory of seven listed groups and one application.
type listWorld struct {
	p       *testPortal
	cm, ann *ch.User
	cmToken string
	pending string // the slug of the one application
}

func newListWorld(t *testing.T) *listWorld {
	p := newPortal(t)
	w := &listWorld{p: p, cm: p.user("cm@example.org", "Cora Manager", ch.RoleCommunityManager), ann: p.user("ann@example.org", "Ann Applicant")}
	w.cmToken, _ = p.apiToken(w.cm)
	c := coordinator(w.ann, "Initech")
	for _, g := range []struct{ name, country string }{
		{"Lyon Python User Group", "FR"}, {"Paris Go Meetup", "FR"}, {"Berlin Rust Meetup", "DE"}, {"Munich Python Users", "DE"},
		{"Madrid Java Group", "ES"}, {"Lisbon Data Science", "PT"}, {"Rome Kotlin Circle", "IT"},
	} {
		p.createGroup(groupApp(g.name, g.country, c), w.ann, w.cm, true)
	}
	w.pending = p.createGroup(groupApp("Oslo Elixir Club", "NO", c), w.ann, w.cm, false).Slug
	return w
}

func TestAPIListGroups(t *testing.T) {
	w := newListWorld(t)
	p := w.p
	resp, raw := p.apiCall("GET", "/api/v1/groups", "", "")
	var shape map[string]json.RawMessage
	if resp.StatusCode != 200 || json.Unmarshal(raw, &shape) != nil {
		t.Fatalf("list: %d %s", resp.StatusCode, raw)
	}
	for _, k := range []string{"groups", "next_cursor"} {
		if _, ok := shape[k]; !ok {
			t.Errorf("list answer lacks %q: %s", k, raw)
		}
	}
	var all apiListResponse
	p.apiJSON("GET", "/api/v1/groups", "", "", 200, &all)
	want := []string{"berlin-rust-meetup", "lisbon-data-science", "lyon-python-user-group", "madrid-java-group", "munich-python-users", "paris-go-meetup", "rome-kotlin-circle"}
	if got := slugs(all.Groups); !slices.Equal(got, want) || all.Total != 7 || all.NextCursor != "" {
		t.Fatalf("list: %v total %d cursor %q", got, all.Total, all.NextCursor)
	}
	for _, g := range all.Groups {
		if g.Status != ch.StatusNew || g.URL != "http://portal.test/groups/"+g.Slug || g.Coordinators != nil || g.Completeness != nil {
			t.Errorf("list item %+v", g)
		}
	}
	if strings.Contains(string(raw), "ann@example.org") || strings.Contains(string(raw), "coordinators") {
		t.Errorf("the list shows coordinators: %s", raw)
	}

	for _, tc := range []struct {
		query, token string
		want         []string
	}{
		{"q=python", "", []string{"lyon-python-user-group", "munich-python-users"}},
		{"q=PYTH", "", []string{"lyon-python-user-group", "munich-python-users"}},
		{"q=" + url.QueryEscape(`"pyth*`), "", []string{"lyon-python-user-group", "munich-python-users"}},
		{"q=" + url.QueryEscape(`python OR rust`), "", nil}, // every word must match
		{"country=de", "", []string{"berlin-rust-meetup", "munich-python-users"}},
		{"country=FR&q=go", "", []string{"paris-go-meetup"}},
		{"q=elixir", "", nil},
		{"status=pending", w.cmToken, []string{w.pending}},
		{"status=new&country=PT", "", []string{"lisbon-data-science"}},
		{"status=official", "", nil},
		{"sort=newest&limit=3", "", []string{"rome-kotlin-circle", "lisbon-data-science", "madrid-java-group"}},
		{"sort=name&limit=2", "", []string{"berlin-rust-meetup", "lisbon-data-science"}},
	} {
		var got apiListResponse
		p.apiJSON("GET", "/api/v1/groups?"+tc.query, tc.token, "", 200, &got)
		if !slices.Equal(slugs(got.Groups), tc.want) {
			t.Errorf("?%s: %v, want %v", tc.query, slugs(got.Groups), tc.want)
		}
		if got.Groups == nil {
			t.Errorf("?%s: groups is null, want []", tc.query)
		}
	}

	// Walking the cursor visits every group once, in order, for both sorts.
	for _, sort := range []string{"name", "newest"} {
		var seen []string
		cursor := ""
		for pages := 0; ; pages++ {
			if pages > 10 {
				t.Fatalf("sort=%s: cursor never ends", sort)
			}
			var page apiListResponse
			p.apiJSON("GET", "/api/v1/groups?limit=2&sort="+sort+"&cursor="+url.QueryEscape(cursor), "", "", 200, &page)
			if len(page.Groups) > 2 || page.Total != 7 {
				t.Fatalf("sort=%s page %d: %d groups, total %d", sort, pages, len(page.Groups), page.Total)
			}
			seen = append(seen, slugs(page.Groups)...)
			if page.NextCursor == "" {
				break
			}
			cursor = page.NextCursor
		}
		want := slices.Clone(want)
		if sort == "newest" {
			want = []string{"rome-kotlin-circle", "lisbon-data-science", "madrid-java-group", "munich-python-users", "berlin-rust-meetup", "paris-go-meetup", "lyon-python-user-group"}
		}
		if !slices.Equal(seen, want) {
			t.Errorf("sort=%s walk: %v, want %v", sort, seen, want)
		}
	}

	for _, tc := range []struct{ query, token, field string }{
		{"cursor=!!!", "", "cursor"},
		{"cursor=" + base64URL(`[1,2]`), "", "cursor"},
		{"sort=newest&cursor=" + base64URL(`{"k":"not a time","i":3}`), "", "cursor"},
		{"limit=0", "", "limit"},
		{"limit=101", "", "limit"},
		{"limit=-1", "", "limit"},
		{"limit=abc", "", "limit"},
		{"limit=99999999999999999999999", "", "limit"},
		{"sort=random", "", "sort"},
		{"country=XX", "", "country"},
		{"country=France", "", "country"},
		{"status=bogus", "", "status"},
		{"status=pending", "", "status"},
		{"status=declined", "", "status"},
		{"q=" + strings.Repeat("a", 201), "", "q"},
	} {
		e := p.apiFail("GET", "/api/v1/groups?"+tc.query, tc.token, "", 422, ch.EINVALID)
		wantFields(t, tc.query, e, tc.field)
	}
	// The page shares the filters.
	if resp, _ := p.browser().get("/groups?limit=0"); resp.StatusCode != 422 {
		t.Errorf("directory with a bad limit: %d", resp.StatusCode)
	}
}

func base64URL(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func TestAPIGetGroup(t *testing.T) {
	w := newAuthzWorld(t)
	p := w.p
	path := "/api/v1/groups/" + w.accepted
	var anon apiGroupResponse
	p.apiJSON("GET", path, "", "", 200, &anon)
	g := anon.Group
	if g.Slug != w.accepted || g.Name != "Alpha Python User Group" || g.Status != ch.StatusNew || g.Country != "FR" || g.Cadence != "monthly" {
		t.Errorf("group: %+v", g)
	}
	if g.Completeness == nil || g.Completeness.Percent != 100 || g.Completeness.Missing == nil || len(g.Completeness.Missing) != 0 {
		t.Errorf("completeness of a complete group: %+v", g.Completeness)
	}
	if len(g.Coordinators) != 2 || g.Coordinators[0].Name != "Olga Organizer" || g.Coordinators[0].Employer != "Acme" {
		t.Errorf("coordinators: %+v", g.Coordinators)
	}
	for _, c := range g.Coordinators {
		if c.Email != "" {
			t.Errorf("the public sees a coordinator's email: %+v", c)
		}
	}
	if g.OrganiserEmails != nil {
		t.Errorf("the public sees organiser emails: %v", g.OrganiserEmails)
	}
	if len(g.Channels) != 1 || len(g.URLs) != 1 {
		t.Errorf("channels %v, urls %v", g.Channels, g.URLs)
	}
	_, raw := p.apiCall("GET", path, "", "")
	if strings.Contains(string(raw), "org@example.org") || strings.Contains(string(raw), "una@example.org") {
		t.Errorf("answer to the public holds coordinators' emails: %s", raw)
	}

	// Members see the contact addresses; only those who run the group see the
	// coordinators' addresses.
	var mem, org, cm apiGroupResponse
	p.apiJSON("GET", path, w.tokens[asMember], "", 200, &mem)
	p.apiJSON("GET", path, w.tokens[asOrganizer], "", 200, &org)
	p.apiJSON("GET", path, w.tokens[asManager], "", 200, &cm)
	if len(mem.Group.OrganiserEmails) != 1 || mem.Group.Coordinators[0].Email != "" {
		t.Errorf("member's view: %+v", mem.Group)
	}
	for who, v := range map[string]apiGroup{"organizer": org.Group, "manager": cm.Group} {
		if v.Coordinators[0].Email != "org@example.org" || v.Coordinators[1].Email != "una@example.org" {
			t.Errorf("%s's view lacks coordinators' emails: %+v", who, v.Coordinators)
		}
	}
	// Completeness reports what is missing under the program's requirements.
	if err := p.db.SetRequirements(context.Background(), []ch.Requirement{{Field: ch.FieldName, Min: 1}, {Field: ch.FieldLocation, Min: 1}, {Field: ch.FieldURLs, Min: 3}}); err != nil {
		t.Fatal(err)
	}
	p.apiJSON("GET", path, "", "", 200, &anon)
	if c := anon.Group.Completeness; c == nil || c.Percent >= 100 || c.Percent <= 0 || len(c.Missing) != 2 {
		t.Errorf("completeness under stricter requirements: %+v", c)
	}

	for _, slug := range []string{"no-such-group", w.pending, "%20", "a%2Fb"} {
		var e apiErrorResponse
		p.apiJSON("GET", "/api/v1/groups/"+slug, "", "", 404, &e)
		if e.Error.Code != "not_found" || e.Error.Message == "" {
			t.Errorf("%s: %+v", slug, e)
		}
	}
	// Unknown API paths answer in JSON too.
	p.apiFail("GET", "/api/v1/nothing", "", "", 404, ch.ENOTFOUND)
}

// specBody is the example of the issue that introduced POST /api/v1/groups.
const specBody = `{"name": "Lyon Python User Group", "short_name": "LyPUG", "description": "…", "city": "Lyon", "country": "FR", "time_zone": "Europe/Paris", "organiser_emails": ["a@example.org"], "urls": ["https://lyon.example.org"], "channels": [{"type": "mailing_list", "url": "https://lists.example.org"}], "cadence": "monthly", "policy_agreed": true}`

func TestAPICreateGroup(t *testing.T) {
	p := newPortal(t)
	ann := p.user("ann@example.org", "Ann Applicant")
	token, _ := p.apiToken(ann)

	var created apiGroupResponse
	resp := p.apiJSON("POST", "/api/v1/groups", token, specBody, 201, &created)
	g := created.Group
	if !strings.HasPrefix(g.Slug, "lyon-python-user-group-") || g.Status != ch.StatusPending || g.ShortName != "LyPUG" || g.Completeness == nil {
		t.Fatalf("created: %+v", g)
	}
	if loc := resp.Header.Get("Location"); loc != "/api/v1/groups/"+g.Slug {
		t.Errorf("Location %q", loc)
	}
	if len(g.Coordinators) != 1 || g.Coordinators[0].Email != "ann@example.org" || g.Coordinators[0].Name != "Ann Applicant" {
		t.Errorf("the applicant is not the first coordinator: %+v", g.Coordinators)
	}
	if g.SimilarGroups != nil {
		t.Errorf("similar groups for the first group: %v", g.SimilarGroups)
	}
	var again apiGroupResponse
	p.apiJSON("GET", resp.Header.Get("Location"), token, "", 200, &again)
	if again.Group.Slug != g.Slug || again.Group.Description != "…" {
		t.Errorf("read back: %+v", again.Group)
	}
	p.apiFail("GET", resp.Header.Get("Location"), "", "", 404, ch.ENOTFOUND)
	events, err := p.db.GroupEvents(context.Background(), mustGroup(t, p, g.Slug).ID)
	if err != nil || len(events) != 1 || events[0].Kind != ch.EventApplied {
		t.Errorf("history: %+v %v", events, err)
	}

	// A similar name must be confirmed as another group, as on the page;
	// the refusal names the similar groups. Confirmed, the slug stays unique.
	similarBody := strings.Replace(specBody, `"LyPUG"`, `"LyPUG2"`, 1)
	e := p.apiFail("POST", "/api/v1/groups", token, similarBody, 422, ch.EINVALID)
	wantFields(t, "similar name", e, "confirm_distinct")
	if len(e.Error.SimilarGroups) != 1 || e.Error.SimilarGroups[0]["slug"] != g.Slug {
		t.Errorf("similar groups in the refusal: %v", e.Error.SimilarGroups)
	}
	var second apiGroupResponse
	p.apiJSON("POST", "/api/v1/groups", token, strings.Replace(similarBody, `{`, `{"confirm_distinct": true, `, 1), 201, &second)
	if second.Group.Slug == g.Slug || len(second.Group.SimilarGroups) != 1 || second.Group.SimilarGroups[0]["slug"] != g.Slug {
		t.Errorf("second: slug %s similar %v", second.Group.Slug, second.Group.SimilarGroups)
	}
	// Listing oneself again as a coordinator does not list one twice.
	var self apiGroupResponse
	p.apiJSON("POST", "/api/v1/groups", token, strings.Replace(specBody, `"cadence"`, `"confirm_distinct": true, "coordinators": [{"email": "Ann@Example.org", "name": "Ann A."}], "cadence"`, 1), 201, &self)
	if len(self.Group.Coordinators) != 1 {
		t.Errorf("applicant listed twice: %+v", self.Group.Coordinators)
	}

	p.apiFail("POST", "/api/v1/groups", "", specBody, 401, ch.EUNAUTHORIZED)
	una, err := p.db.CreateUser(context.Background(), "una@example.org", "Una", "x", false, 0)
	if err != nil {
		t.Fatal(err)
	}
	unaToken, _ := p.apiToken(una)
	p.apiFail("POST", "/api/v1/groups", unaToken, specBody, 403, ch.EFORBIDDEN)

	for _, body := range []string{
		``, `{`, `{"name": "x"`, `nul`, `{"name": "Lyon"} {"name": "again"}`, `{"name": "Lyon"} x`,
		`{"nmae": "Lyon Python User Group"}`, `{"name": "Lyon", "extra": 1}`, `{"channels": [{"type": "chat", "link": "x"}]}`,
		`[]`, `"a string"`, `42`,
	} {
		e := p.apiFail("POST", "/api/v1/groups", token, body, 400, ch.EBADREQUEST)
		if strings.Contains(e.Error.Message, "chapterhouse") {
			t.Errorf("bad request message leaks internals: %q", e.Error.Message)
		}
	}
	for _, tc := range []struct{ body, field string }{
		{`{"name": 5}`, "name"},
		{`{"latitude": "north"}`, "latitude"},
		{`{"latitude": 1e400}`, "latitude"},
		{`{"urls": "https://lyon.example.org"}`, "urls"},
		{`{"organiser_emails": [1]}`, "organiser_emails"},
		{`{"policy_agreed": "yes"}`, "policy_agreed"},
		{`{"channels": {"type": "chat"}}`, "channels"},
		{`{"channels": [{"type": 1, "url": "https://x.org"}]}`, "channels.type"},
	} {
		e := p.apiFail("POST", "/api/v1/groups", token, tc.body, 422, ch.EINVALID)
		wantFields(t, tc.body, e, tc.field)
	}
	e = p.apiFail("POST", "/api/v1/groups", token, `{}`, 422, ch.EINVALID)
	wantFields(t, "{}", e, "name", "city", "country", "time_zone", "cadence", "policy_agreed")
	invalid := `{"name": "Ly", "short_name": "` + strings.Repeat("x", 31) + `", "city": "Lyon", "country": "XX", "time_zone": "Mars/Olympus",
		"organiser_emails": ["not an email"], "urls": ["ftp://lyon.example.org"], "channels": [{"type": "pigeon", "url": "https://x.org"}],
		"coordinators": [{"email": "bea@example.org", "name": ""}], "cadence": "hourly", "latitude": 91, "longitude": 4, "policy_agreed": false}`
	e = p.apiFail("POST", "/api/v1/groups", token, invalid, 422, ch.EINVALID)
	wantFields(t, "invalid values", e, "name", "short_name", "country", "time_zone", "organiser_emails", "urls", "channels", "coordinators", "cadence", "latitude", "policy_agreed")
	e = p.apiFail("POST", "/api/v1/groups", token, strings.Replace(specBody, `"cadence"`, `"latitude": 45.7, "cadence"`, 1), 422, ch.EINVALID)
	wantFields(t, "latitude without longitude", e, "latitude")

	var list apiListResponse
	p.apiJSON("GET", "/api/v1/groups?status=pending", "", "", 422, nil)
	p.apiJSON("GET", "/api/v1/groups", "", "", 200, &list)
	if len(list.Groups) != 0 {
		t.Errorf("applications listed publicly: %v", slugs(list.Groups))
	}
}

func mustGroup(t *testing.T, p *testPortal, slug string) *ch.Group {
	t.Helper()
	g, err := p.db.GroupBySlug(context.Background(), slug)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestAPIUpdateGroup(t *testing.T) {
	w := newAuthzWorld(t)
	p := w.p
	path := "/api/v1/groups/" + w.accepted
	org := w.tokens[asOrganizer]
	var before, after apiGroupResponse
	p.apiJSON("GET", path, org, "", 200, &before)

	p.apiJSON("PATCH", path, org, `{"cadence": "weekly", "city": "  Villeurbanne  "}`, 200, &after)
	b, a := before.Group, after.Group
	if a.Cadence != "weekly" || a.City != "Villeurbanne" {
		t.Errorf("patched fields: cadence %q city %q", a.Cadence, a.City)
	}
	b.Cadence, b.City, b.UpdatedAt, b.Completeness = a.Cadence, a.City, a.UpdatedAt, a.Completeness
	bj, _ := json.Marshal(b)
	aj, _ := json.Marshal(a)
	if string(aj) != string(bj) {
		t.Errorf("PATCH changed other fields:\nbefore %s\nafter  %s", bj, aj)
	}
	evs := groupEvents(t, p, w.accepted)
	if last := evs[len(evs)-1]; last.Kind != ch.EventEdited || last.ActorID != w.users[asOrganizer].ID {
		t.Errorf("last event %+v", last)
	}

	// Coordinates can be set and cleared.
	p.apiJSON("PATCH", path, org, `{"latitude": 45.76, "longitude": 4.83}`, 200, &after)
	if after.Group.Latitude == nil || *after.Group.Latitude != 45.76 || *after.Group.Longitude != 4.83 {
		t.Errorf("coordinates not set: %v %v", after.Group.Latitude, after.Group.Longitude)
	}
	p.apiJSON("PATCH", path, org, `{"latitude": null, "longitude": null}`, 200, &after)
	if after.Group.Latitude != nil || after.Group.Longitude != nil {
		t.Errorf("coordinates not cleared")
	}

	// Coordinator changes are recorded in the history and the new one is told.
	p.apiJSON("PATCH", path, w.tokens[asManager], `{"coordinators": [
		{"email": "org@example.org", "name": "Olga Organizer", "employer": "Acme"},
		{"email": "nina@example.org", "name": "Nina New"}]}`, 200, &after)
	if cs := after.Group.Coordinators; len(cs) != 2 || cs[1].Email != "nina@example.org" || cs[1].Employer != "" {
		// A new coordinator must not inherit the employer of the one it
		// replaces in the list.
		t.Errorf("coordinators after PATCH: %+v", cs)
	}
	var kinds []string
	for _, e := range groupEvents(t, p, w.accepted) {
		if e.Kind == ch.EventCoordinatorAdded || e.Kind == ch.EventCoordinatorRemoved {
			kinds = append(kinds, string(e.Kind)+": "+e.Detail)
		}
	}
	if want := []string{"coordinator_added: Nina New", "coordinator_removed: Uma Unverified (Initech)"}; !slices.Equal(kinds, want) {
		t.Errorf("coordinator history %q, want %q", kinds, want)
	}
	mails, err := p.db.Outbox(context.Background(), 50)
	if err != nil {
		t.Fatal(err)
	}
	told := false
	for _, m := range mails {
		if m.To == "nina@example.org" && strings.Contains(m.Subject, "You were listed as the coordinator") {
			told = true
		}
		if m.To == "org@example.org" {
			t.Errorf("an existing coordinator was mailed: %s", m.Subject)
		}
	}
	if !told {
		t.Error("the new coordinator was not told")
	}

	// A channel given without its type is refused, not completed from the
	// channel it replaces.
	e := p.apiFail("PATCH", path, org, `{"channels": [{"url": "https://chat.example.org"}]}`, 422, ch.EINVALID)
	wantFields(t, "channel without type", e, "channels")

	for _, tc := range []struct{ body, field string }{
		{`{"coordinators": []}`, "coordinators"},
		{`{"coordinators": null}`, "coordinators"},
		{`{"country": "XX"}`, "country"},
		{`{"name": ""}`, "name"},
		{`{"latitude": 12}`, "latitude"},
		{`{"urls": ["javascript:alert(1)"]}`, "urls"},
		{`{"cadence": 7}`, "cadence"},
	} {
		e := p.apiFail("PATCH", path, org, tc.body, 422, ch.EINVALID)
		wantFields(t, tc.body, e, tc.field)
	}
	for _, body := range []string{``, `{`, `{"slug": "other"}`, `{"status": "official"}`, `[]`} {
		p.apiFail("PATCH", path, org, body, 400, ch.EBADREQUEST)
	}
	// Refused changes leave the group as it was.
	var now apiGroupResponse
	p.apiJSON("GET", path, org, "", 200, &now)
	if now.Group.Country != "FR" || now.Group.Status != ch.StatusNew || now.Group.Name != "Alpha Python User Group" || len(now.Group.Channels) != 1 {
		t.Errorf("group changed by refused PATCHes: %+v", now.Group)
	}
	p.apiFail("PATCH", "/api/v1/groups/no-such-group", w.tokens[asManager], `{}`, 404, ch.ENOTFOUND)
	p.apiFail("PATCH", path, w.tokens[asOtherOrg], `{"cadence": "yearly"}`, 403, ch.EFORBIDDEN)
}

func groupEvents(t *testing.T, p *testPortal, slug string) []ch.GroupEvent {
	t.Helper()
	evs, err := p.db.GroupEvents(context.Background(), mustGroup(t, p, slug).ID)
	if err != nil || len(evs) == 0 {
		t.Fatalf("events of %s: %v", slug, err)
	}
	return evs
}

func TestAPIReviewGroup(t *testing.T) {
	w := newAuthzWorld(t)
	p := w.p
	cm := w.tokens[asManager]
	path := "/api/v1/groups/" + w.pending + "/review"

	e := p.apiFail("POST", path, cm, `{"decision": "decline"}`, 422, ch.EINVALID)
	wantFields(t, "decline without reason", e, "reason")
	e = p.apiFail("POST", path, cm, `{"decision": "decline", "reason": "   "}`, 422, ch.EINVALID)
	wantFields(t, "decline with a blank reason", e, "reason")
	e = p.apiFail("POST", path, cm, `{"decision": "maybe"}`, 422, ch.EINVALID)
	wantFields(t, "unknown decision", e, "decision")
	e = p.apiFail("POST", path, cm, `{"decision": 1}`, 422, ch.EINVALID)
	wantFields(t, "decision of the wrong type", e, "decision")
	p.apiFail("POST", path, cm, `{"decision": "accept", "why": "x"}`, 400, ch.EBADREQUEST)
	p.apiFail("POST", path, cm, `{"decision": "accept"`, 400, ch.EBADREQUEST)
	p.apiFail("POST", "/api/v1/groups/no-such-group/review", cm, `{"decision": "accept"}`, 404, ch.ENOTFOUND)

	var declined apiGroupResponse
	p.apiJSON("POST", path, cm, `{"decision": "decline", "reason": "Tell us where you meet."}`, 200, &declined)
	if declined.Group.Status != ch.StatusDeclined || declined.Group.DeclineReason != "Tell us where you meet." {
		t.Errorf("declined: %+v", declined.Group)
	}
	// A declined application cannot be reviewed until it is sent again.
	p.apiFail("POST", path, cm, `{"decision": "accept"}`, 409, ch.ECONFLICT)
	// The organizers see why; the public still sees nothing.
	var mine apiGroupResponse
	p.apiJSON("GET", "/api/v1/groups/"+w.pending, w.tokens[asOrganizer], "", 200, &mine)
	if mine.Group.DeclineReason != "Tell us where you meet." {
		t.Errorf("organizer does not see the decline reason: %+v", mine.Group)
	}
	p.apiFail("GET", "/api/v1/groups/"+w.pending, "", "", 404, ch.ENOTFOUND)
	// Editing sends it back to review; then it can be accepted.
	var resent apiGroupResponse
	p.apiJSON("PATCH", "/api/v1/groups/"+w.pending, w.tokens[asOrganizer], `{"city": "Lyon 7e"}`, 200, &resent)
	if resent.Group.Status != ch.StatusPending {
		t.Errorf("edited declined group is %s", resent.Group.Status)
	}
	var accepted apiGroupResponse
	p.apiJSON("POST", path, cm, `{"decision": "accept"}`, 200, &accepted)
	if accepted.Group.Status != ch.StatusNew || accepted.Group.DeclineReason != "" {
		t.Errorf("accepted: %+v", accepted.Group)
	}
	p.apiFail("POST", path, cm, `{"decision": "accept"}`, 409, ch.ECONFLICT)
	p.apiFail("POST", "/api/v1/groups/"+w.accepted+"/review", cm, `{"decision": "decline", "reason": "x"}`, 409, ch.ECONFLICT)
	p.apiJSON("GET", "/api/v1/groups/"+w.pending, "", "", 200, nil)
}

// TestAPINeverAnswers500 throws odd input at every API route: whatever
// comes in, the answer is a JSON document and never an internal error.
func TestAPINeverAnswers500(t *testing.T) {
	w := newAuthzWorld(t)
	p := w.p
	bodies := []string{
		``, `{}`, `null`, `[]`, `{"name": null}`, `{"latitude": NaN}`, `{"latitude": 1e999, "longitude": -1e999}`,
		`{"latitude": -0, "longitude": 0}`, `{"name": "\u0000\u0000\u0000"}`, `{"name": "` + strings.Repeat("é", 5000) + `"}`,
		`{"urls": [` + strings.Repeat(`"https://x.org",`, 500) + `"https://y.org"]}`,
		`{"channels": [` + strings.Repeat(`{"type": "chat", "url": "mailto:\u0001"},`, 30) + `{}]}`,
		`{"coordinators": [{"email": "org@example.org", "name": "A"}, {"email": "ORG@example.org", "name": "B"}]}`,
		`{"coordinators": [{"email": "` + strings.Repeat("a", 300) + `@example.org", "name": "A"}]}`,
		`{"name": {"nested": {"deeper": [1, [2, [3]]]}}}`, strings.Repeat(`[`, 10000) + strings.Repeat(`]`, 10000),
		`{"decision": "accept", "reason": "` + strings.Repeat("x", 100000) + `"}`, `{"decision": null}`,
		`{"time_zone": "../../etc/passwd", "country": "fr", "cadence": "MONTHLY"}`, "\xff\xfe{}", `{"name": "\ud800"}`,
		strings.Replace(specBody, `"Lyon Python User Group"`, `"   "`, 1), strings.Replace(specBody, `"FR"`, `"fr "`, 1),
	}
	paths := []struct{ method, path string }{
		{"POST", "/api/v1/groups"}, {"PATCH", "/api/v1/groups/" + w.accepted}, {"PATCH", "/api/v1/groups/" + w.pending},
		{"POST", "/api/v1/groups/" + w.pending + "/review"}, {"POST", "/api/v1/groups/" + w.accepted + "/review"},
	}
	for _, as := range []role{asAnon, asUnverified, asMember, asOrganizer, asManager} {
		for _, pt := range paths {
			for _, body := range bodies {
				resp, raw := p.apiCall(pt.method, pt.path, w.tokens[as], body)
				var e map[string]json.RawMessage
				if resp.StatusCode >= 500 || json.Unmarshal(raw, &e) != nil {
					t.Errorf("as %s %s %s %.60q: %d %.200s", as, pt.method, pt.path, body, resp.StatusCode, raw)
				}
			}
		}
	}
	for _, q := range []string{"q=%00", "q=" + url.QueryEscape(`" OR 1=1 --`), "q=" + url.QueryEscape("NEAR(a b) AND c*"), "q=*", "q=%22",
		"cursor=" + base64URL(`{"k": 5}`), "cursor=" + base64URL(`null`), "sort=newest&cursor=" + base64URL(`{"k":"2024-01-01T00:00:00Z","i":-1}`),
		"limit=1&limit=1000", "country=%C3%A9", "status=", "sort="} {
		resp, raw := p.apiCall("GET", "/api/v1/groups?"+q, "", "")
		if resp.StatusCode >= 500 || !json.Valid(raw) {
			t.Errorf("GET ?%s: %d %.200s", q, resp.StatusCode, raw)
		}
	}
}
