package web

import (
	"bytes"
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	ch "chapterhouse"
)

// cloneApp copies an application deeply enough that normalizing the copy
// cannot change the original.
func cloneApp(a ch.Application) ch.Application {
	a.OrganiserEmails = slices.Clone(a.OrganiserEmails)
	a.URLs = slices.Clone(a.URLs)
	a.Channels = slices.Clone(a.Channels)
	a.Coordinators = slices.Clone(a.Coordinators)
	return a
}

// checkApplication normalizes and validates an application as the handlers
// do and checks what must hold whatever the input.
func checkApplication(t *testing.T, app ch.Application, requirePolicy bool) {
	t.Helper()
	app.Normalize()
	twice := cloneApp(app)
	twice.Normalize()
	if !reflect.DeepEqual(app, twice) {
		t.Fatalf("Normalize is not idempotent:\nonce  %#v\ntwice %#v", app, twice)
	}
	err := app.Validate(requirePolicy)
	if err != nil {
		fields := ch.ErrorFields(err)
		if ch.ErrorCode(err) != ch.EINVALID || len(fields) == 0 {
			t.Fatalf("Validate: %v (fields %v), want EINVALID with fields", err, fields)
		}
		for k, v := range fields {
			if k == "" || v == "" {
				t.Fatalf("Validate: field %q message %q", k, v)
			}
		}
		return
	}
	// Accepted: every value is one the portal can store and show.
	if _, ok := ch.CountryName(app.Country); !ok {
		t.Fatalf("accepted unknown country %q", app.Country)
	}
	if n := utf8.RuneCountInString(app.Name); n < 3 || n > ch.MaxNameLen {
		t.Fatalf("accepted name %q", app.Name)
	}
	if !slices.Contains(ch.Cadences, app.Cadence) {
		t.Fatalf("accepted cadence %q", app.Cadence)
	}
	if !ch.ValidTimeZone(app.TimeZone) {
		t.Fatalf("accepted time zone %q", app.TimeZone)
	}
	if requirePolicy && !app.PolicyAgreed {
		t.Fatal("accepted without agreeing to the policy")
	}
	webURL := func(s string) {
		u, err := url.Parse(s)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			t.Fatalf("accepted URL %q: %v", s, err)
		}
	}
	for _, s := range app.URLs {
		webURL(s)
	}
	for _, c := range app.Channels {
		if !slices.Contains(ch.ChannelTypes, c.Type) {
			t.Fatalf("accepted channel type %q", c.Type)
		}
		if strings.HasPrefix(c.URL, "mailto:") {
			if _, err := url.Parse(c.URL); err != nil {
				t.Fatalf("accepted channel address %q: %v", c.URL, err)
			}
			continue
		}
		webURL(c.URL)
	}
	for _, e := range app.OrganiserEmails {
		if !ch.ValidEmail(e) {
			t.Fatalf("accepted organiser email %q", e)
		}
	}
	for _, c := range app.Coordinators {
		if !ch.ValidEmail(c.Email) || c.Name == "" {
			t.Fatalf("accepted coordinator %+v", c)
		}
	}
	for _, l := range [][]string{app.OrganiserEmails, app.URLs} {
		if len(l) > ch.MaxListLen {
			t.Fatalf("accepted a list of %d", len(l))
		}
	}
	if len(app.Channels) > ch.MaxListLen || len(app.Coordinators) > ch.MaxListLen {
		t.Fatalf("accepted %d channels, %d coordinators", len(app.Channels), len(app.Coordinators))
	}
	if (app.Latitude == nil) != (app.Longitude == nil) {
		t.Fatal("accepted only one coordinate")
	}
	if app.Latitude != nil {
		lat, lon := *app.Latitude, *app.Longitude
		if math.IsNaN(lat) || math.IsNaN(lon) || lat < -90 || lat > 90 || lon < -180 || lon > 180 {
			t.Fatalf("accepted coordinates %v, %v", lat, lon)
		}
	}
}

func FuzzGroupForm(f *testing.F) {
	f.Add(validApplication("Lyon Python User Group").Encode())
	f.Add(editForm("Alpha Python User Group").Encode())
	f.Add("")
	f.Add("name=Ly&country=fr&city=%20&time_zone=Europe%2FParis&cadence=MONTHLY&policy_agreed=1")
	f.Add("name=Caf%C3%A9+%E2%98%95+%E6%9D%B1%E4%BA%AC&city=%E6%9D%B1%E4%BA%AC&country=jp&time_zone=Asia/Tokyo&cadence=weekly&urls=https://%E4%BE%8B.jp")
	f.Add("latitude=NaN&longitude=NaN")
	f.Add("latitude=nan&longitude=4.8&name=Lyon+Group&city=Lyon&country=FR&time_zone=Europe/Paris&cadence=monthly")
	f.Add("latitude=Infinity&longitude=-Inf")
	f.Add("latitude=1e400&longitude=0x1p-2")
	f.Add("latitude=45,76&longitude=4,83&latitude=1")
	f.Add("latitude=-0&longitude=%2B0")
	f.Add("%zz=%&&=&name")
	f.Add("description=a%0D%0D%0Ab%0D%0A&name=%09%0BLyon%C2%A0%C2%85Group%E2%80%A8")
	f.Add("urls=https://a.org,http://b.org%0Aftp://c.org%0D%0Ajavascript:alert(1)&organiser_emails=A@B.ORG,a@b.org,%20a@b.org")
	f.Add("channel_type=chat&channel_url=mailto:a%01b&channel_type=other&channel_url=mailto:")
	f.Add(strings.Repeat("channel_type=chat&channel_url=https://x.org&", 200) + strings.Repeat("urls=https://y.org%0A", 100))
	f.Add(strings.Repeat("coordinator_email=a@b.org&coordinator_name=A&coordinator_employer=&", 50))
	f.Add("name=" + strings.Repeat("%F0%9F%90%8D", 121) + "&time_zone=Europe/%20Paris&time_zone=UTC")
	f.Add("name=\xff\xfe&city=\xc3&country=\xef\xbf\xbd")
	f.Fuzz(func(t *testing.T, body string) {
		v, _ := url.ParseQuery(body) // a browser sends what it sends; keep what parses
		form, errs := parseGroupForm(v)
		for k, msg := range errs {
			if msg == "" || (k != "latitude" && k != "longitude") {
				t.Fatalf("parse error %q: %q", k, msg)
			}
		}
		for k, p := range map[string]*float64{"latitude": form.App.Latitude, "longitude": form.App.Longitude} {
			if p != nil && (math.IsNaN(*p) || math.IsInf(*p, 0)) {
				t.Fatalf("%s parsed to %v without an error", k, *p)
			}
		}
		if len(form.App.Channels) > ch.MaxListLen+blankRows || len(form.App.Coordinators) > ch.MaxListLen+blankRows {
			t.Fatalf("form kept %d channels, %d coordinators", len(form.App.Channels), len(form.App.Coordinators))
		}
		checkApplication(t, form.App, true)
		checkApplication(t, form.App, false)
	})
}

func FuzzApplicationJSON(f *testing.F) {
	f.Add([]byte(specBody))
	f.Add([]byte(`{}`))
	f.Add([]byte(`null`))
	f.Add([]byte(`{"name": "Lyon", "latitude": NaN}`))
	f.Add([]byte(`{"latitude": 1e309, "longitude": -1e309}`))
	f.Add([]byte(`{"latitude": -0.0, "longitude": 0e0}`))
	f.Add([]byte(`{"latitude": "NaN", "longitude": "Infinity"}`))
	f.Add([]byte(`{"latitude": 45.76, "longitude": 4.83, "latitude": null}`))
	f.Add([]byte(`{"name": {"a": {"b": {"c": [[[[[]]]]]}}}, "urls": [[["x"]]]}`))
	f.Add([]byte(strings.Repeat(`{"name":`, 500) + `1` + strings.Repeat(`}`, 500)))
	f.Add([]byte(`{"urls": [` + strings.Repeat(`"https://x.org",`, 300) + `"https://y.org"]}`))
	f.Add([]byte(`{"channels": [` + strings.Repeat(`{"type": "chat", "url": "https://x.org"},`, 25) + `{}]}`))
	f.Add([]byte(`{"name": "Café ☕ 東京 \u0000 \ud800", "city": "\u2028", "country": "ﬁ", "time_zone": "Europe/ Paris"}`))
	f.Add([]byte("{\"name\": \"\xff\xfe\"}"))
	f.Add([]byte(`{"NAME": "upper", "Urls": ["https://x.org"], "policy_agreed": 1}`))
	f.Add([]byte(`{"coordinators": [{"email": "A@B.org", "name": " a "}, {"email": "a@b.org", "name": "b"}]}`))
	f.Add([]byte(`{"channels": [{"type": "other", "url": "mailto:\u0001"}]}`))
	f.Add([]byte(`{"description": "a\r\r\nb"}`))
	f.Add([]byte(`{"name": "Lyon"} {"name": "again"}`))
	f.Add([]byte(`[{"name": "in an array"}]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		checkDecoded := func(err error) bool {
			if err == nil {
				return true
			}
			code, msg := ch.ErrorCode(err), ch.ErrorMessage(err)
			if (code != ch.EINVALID && code != ch.EBADREQUEST) || msg == "" {
				t.Fatalf("decodeJSON: code %q message %q (%v)", code, msg, err)
			}
			if code == ch.EINVALID && len(ch.ErrorFields(err)) == 0 {
				t.Fatalf("decodeJSON: EINVALID without fields: %v", err)
			}
			if strings.Contains(msg, "chapterhouse.") {
				t.Fatalf("decodeJSON message names a Go type: %q", msg)
			}
			return false
		}
		// As POST /api/v1/groups decodes it.
		var app ch.Application
		req := httptest.NewRequest("POST", "/api/v1/groups", bytes.NewReader(body))
		if checkDecoded(decodeJSON(httptest.NewRecorder(), req, &app)) {
			checkApplication(t, app, true)
		}
		// As PATCH decodes it, onto a group's profile.
		lat, lon := 45.76, 4.83
		patch := groupApp("Alpha Python User Group", "FR", ch.Coordinator{Email: "org@example.org", Name: "Olga", Employer: "Acme"})
		patch.Latitude, patch.Longitude = &lat, &lon
		clearNamedLists(&patch, body)
		req = httptest.NewRequest("PATCH", "/api/v1/groups/alpha", bytes.NewReader(body))
		if checkDecoded(decodeJSON(httptest.NewRecorder(), req, &patch)) {
			if lat != 45.76 || lon != 4.83 {
				t.Fatal("PATCH decoding wrote through the group's coordinates")
			}
			// Lists the body names are replaced whole: they are what the body
			// decodes to on its own, with nothing left of the old elements.
			// encoding/json itself says which fields the body names.
			var named struct {
				Latitude        json.RawMessage `json:"latitude"`
				Longitude       json.RawMessage `json:"longitude"`
				OrganiserEmails json.RawMessage `json:"organiser_emails"`
				URLs            json.RawMessage `json:"urls"`
				Channels        json.RawMessage `json:"channels"`
				Coordinators    json.RawMessage `json:"coordinators"`
			}
			json.Unmarshal(body, &named)
			var fresh ch.Application
			if err := json.Unmarshal(body, &fresh); err != nil {
				t.Fatalf("decodes onto a profile but not on its own: %v", err)
			}
			for _, c := range []struct {
				named           json.RawMessage
				patched, wanted any
			}{
				{named.Latitude, patch.Latitude, fresh.Latitude}, {named.Longitude, patch.Longitude, fresh.Longitude},
				{named.OrganiserEmails, patch.OrganiserEmails, fresh.OrganiserEmails}, {named.URLs, patch.URLs, fresh.URLs},
				{named.Channels, patch.Channels, fresh.Channels}, {named.Coordinators, patch.Coordinators, fresh.Coordinators},
			} {
				if c.named != nil && !reflect.DeepEqual(c.patched, c.wanted) {
					t.Fatalf("PATCH kept old values: got %#v, want %#v", c.patched, c.wanted)
				}
			}
			checkApplication(t, patch, false)
		}
	})
}

// FuzzSignInNext: wherever ?next= points, the redirect after signing in
// takes a browser to a page of the portal.
func FuzzSignInNext(f *testing.F) {
	for _, s := range []string{"", "/groups/lyon?tab=1", "/./\\evil.example/phish", "/\\evil", "//evil", "/%2F/evil", "/%5C/evil",
		"/\t/evil", "/\n/evil", "\\/\\/evil", "https://evil", "//evil/..", "/.//evil", "/%09/evil", "///evil", "javascript:alert(1)",
		" //evil", "/..//evil", "/%2e%2e//evil", "http:\\\\evil", "/\u2028/evil", "/#//evil", "/?//evil", "/%zz", "/#%zz"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, next string) {
		w := httptest.NewRecorder()
		http.Redirect(w, httptest.NewRequest("POST", "/signin", nil), localPath(next), http.StatusSeeOther)
		loc := w.Header().Get("Location")
		if target, err := browserTarget(loc); err != nil || target.Scheme != "https" || target.Host != "portal.example" {
			t.Fatalf("next=%q: Location %q takes the browser to %v (%v)", next, loc, target, err)
		}
	})
}
