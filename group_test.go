package chapterhouse

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// validApplication is a complete, normalized application that passes
// Validate(true); tests change one thing at a time.
func validApplication() Application {
	lat, lon := 45.76, 4.84
	return Application{
		Name:            "Lyon Gophers",
		ShortName:       "LyGo",
		Description:     "Monthly talks about Go in Lyon.",
		City:            "Lyon",
		Country:         "FR",
		Latitude:        &lat,
		Longitude:       &lon,
		TimeZone:        "Europe/Paris",
		OrganiserEmails: []string{"team@lyon.example.org"},
		URLs:            []string{"https://lyon.example.org"},
		Channels:        []Channel{{Type: "chat", URL: "https://chat.example.org/lyon"}, {Type: "mailing_list", URL: "mailto:list@lyon.example.org"}},
		Coordinators:    []Coordinator{{Email: "ann@example.org", Name: "Ann Lee", Employer: "ACME"}},
		Cadence:         "monthly",
		PolicyAgreed:    true,
	}
}

func ptr(f float64) *float64 { return &f }

func TestApplicationNormalize(t *testing.T) {
	a := Application{
		Name:            "  Lyon \u00a0  Gophers ",
		ShortName:       " LyGo ",
		Description:     "\n  First line\r\nSecond line  \r\n",
		City:            "  Saint-Étienne   du  Rouvray ",
		Country:         " fr ",
		TimeZone:        " America/New York ",
		Cadence:         " Monthly ",
		Employer:        "  ACME   Corp ",
		OrganiserEmails: []string{" Team@Example.ORG ", "", "   ", "team@example.org", "b@example.org"},
		URLs:            []string{"", " https://example.org/a ", "https://example.org/a", "https://example.org/b"},
		Channels: []Channel{
			{Type: "mailing_list", URL: ""}, // the blank row the form adds, default type
			{Type: "", URL: "  "},
			{Type: " chat ", URL: " https://chat.example.org "},
			{Type: "forum", URL: " "}, // a type chosen but no address: still a blank row
		},
		Coordinators: []Coordinator{
			{Email: "", Name: "  ", Employer: ""},
			{Email: " Ann@Example.ORG ", Name: "  Ann   Lee ", Employer: " ACME  Corp "},
		},
	}
	a.Normalize()

	want := Application{
		Name:            "Lyon Gophers",
		ShortName:       "LyGo",
		Description:     "First line\nSecond line",
		City:            "Saint-Étienne du Rouvray",
		Country:         "FR",
		TimeZone:        "America/New_York",
		Cadence:         "monthly",
		Employer:        "ACME Corp",
		OrganiserEmails: []string{"team@example.org", "b@example.org"},
		URLs:            []string{"https://example.org/a", "https://example.org/b"},
		Channels:        []Channel{{Type: "chat", URL: "https://chat.example.org"}},
		Coordinators:    []Coordinator{{Email: "ann@example.org", Name: "Ann Lee", Employer: "ACME Corp"}},
	}
	if !reflect.DeepEqual(a, want) {
		t.Errorf("Normalize:\n got %+v\nwant %+v", a, want)
	}
}

func TestApplicationBlankRowsDropped(t *testing.T) {
	a := validApplication()
	a.OrganiserEmails = append(a.OrganiserEmails, "", "  ")
	a.URLs = append([]string{""}, a.URLs...)
	a.Channels = append(a.Channels, Channel{Type: "mailing_list"}, Channel{})
	a.Coordinators = append(a.Coordinators, Coordinator{}, Coordinator{Name: " "})
	a.Normalize()
	if err := a.Validate(true); err != nil {
		t.Fatalf("blank form rows made the application invalid: %v %v", err, ErrorFields(err))
	}
	if len(a.OrganiserEmails) != 1 || len(a.URLs) != 1 || len(a.Channels) != 2 || len(a.Coordinators) != 1 {
		t.Errorf("blank rows kept: %d emails, %d urls, %d channels, %d coordinators",
			len(a.OrganiserEmails), len(a.URLs), len(a.Channels), len(a.Coordinators))
	}
}

func TestApplicationValidate(t *testing.T) {
	many := func(n int, f func(i int) string) []string {
		var out []string
		for i := range n {
			out = append(out, f(i))
		}
		return out
	}
	tests := []struct {
		name   string
		change func(a *Application)
		field  string // "" means valid
	}{
		{"valid", func(a *Application) {}, ""},
		{"minimal", func(a *Application) {
			*a = Application{Name: "Gos", City: "Lyon", Country: "FR", TimeZone: "Europe/Paris", Cadence: "yearly", PolicyAgreed: true}
		}, ""},
		{"no coordinates", func(a *Application) { a.Latitude, a.Longitude = nil, nil }, ""},
		{"extreme coordinates", func(a *Application) { a.Latitude, a.Longitude = ptr(-90), ptr(180) }, ""},
		{"mailto channel", func(a *Application) { a.Channels = []Channel{{Type: "mailing_list", URL: "mailto:x@example.org"}} }, ""},
		{"120-rune name", func(a *Application) { a.Name = strings.Repeat("é", 120) }, ""},

		{"empty name", func(a *Application) { a.Name = "" }, "name"},
		{"short name", func(a *Application) { a.Name = "Go" }, "name"},
		{"long name", func(a *Application) { a.Name = strings.Repeat("a", 121) }, "name"},
		{"long short name", func(a *Application) { a.ShortName = strings.Repeat("a", 31) }, "short_name"},
		{"long description", func(a *Application) { a.Description = strings.Repeat("a", 20001) }, "description"},
		{"no city", func(a *Application) { a.City = "" }, "city"},
		{"long city", func(a *Application) { a.City = strings.Repeat("a", 101) }, "city"},
		{"unknown country", func(a *Application) { a.Country = "ZZ" }, "country"},
		{"no country", func(a *Application) { a.Country = "" }, "country"},
		{"latitude only", func(a *Application) { a.Longitude = nil }, "latitude"},
		{"longitude only", func(a *Application) { a.Latitude = nil }, "latitude"},
		{"latitude out of range", func(a *Application) { a.Latitude = ptr(90.5) }, "latitude"},
		{"longitude out of range", func(a *Application) { a.Longitude = ptr(-180.1) }, "longitude"},
		{"unknown time zone", func(a *Application) { a.TimeZone = "Mars/Olympus" }, "time_zone"},
		{"no time zone", func(a *Application) { a.TimeZone = "" }, "time_zone"},
		{"server's local zone", func(a *Application) { a.TimeZone = "Local" }, "time_zone"},
		{"unknown cadence", func(a *Application) { a.Cadence = "daily" }, "cadence"},
		{"no cadence", func(a *Application) { a.Cadence = "" }, "cadence"},
		{"bad organiser email", func(a *Application) { a.OrganiserEmails = []string{"team@example.org", "not-an-address"} }, "organiser_emails"},
		{"organiser email with name", func(a *Application) { a.OrganiserEmails = []string{"Team <team@example.org>"} }, "organiser_emails"},
		{"too many organiser emails", func(a *Application) {
			a.OrganiserEmails = many(21, func(i int) string { return fmt.Sprintf("o%d@example.org", i) })
		}, "organiser_emails"},
		{"relative url", func(a *Application) { a.URLs = []string{"example.org"} }, "urls"},
		{"ftp url", func(a *Application) { a.URLs = []string{"ftp://example.org"} }, "urls"},
		{"javascript url", func(a *Application) { a.URLs = []string{"javascript:alert(1)"} }, "urls"},
		{"too many urls", func(a *Application) {
			a.URLs = many(21, func(i int) string { return fmt.Sprintf("https://example.org/%d", i) })
		}, "urls"},
		{"channel without type", func(a *Application) { a.Channels = []Channel{{URL: "https://chat.example.org"}} }, "channels"},
		{"channel of unknown type", func(a *Application) { a.Channels = []Channel{{Type: "pigeon", URL: "https://chat.example.org"}} }, "channels"},
		{"channel without url", func(a *Application) { a.Channels = []Channel{{Type: "forum"}} }, "channels"},
		{"channel with javascript url", func(a *Application) { a.Channels = []Channel{{Type: "chat", URL: "javascript:alert(1)"}} }, "channels"},
		{"too many channels", func(a *Application) {
			a.Channels = nil
			for i := range 21 {
				a.Channels = append(a.Channels, Channel{Type: "chat", URL: fmt.Sprintf("https://chat.example.org/%d", i)})
			}
		}, "channels"},
		{"coordinator without email", func(a *Application) { a.Coordinators = []Coordinator{{Name: "Ann"}} }, "coordinators"},
		{"coordinator with bad email", func(a *Application) { a.Coordinators = []Coordinator{{Email: "ann", Name: "Ann"}} }, "coordinators"},
		{"coordinator without name", func(a *Application) { a.Coordinators = []Coordinator{{Email: "ann@example.org"}} }, "coordinators"},
		{"coordinator listed twice", func(a *Application) {
			a.Coordinators = []Coordinator{{Email: "ann@example.org", Name: "Ann"}, {Email: "ann@example.org", Name: "Ann L."}}
		}, "coordinators"},
		{"coordinator with long name", func(a *Application) {
			a.Coordinators = []Coordinator{{Email: "ann@example.org", Name: strings.Repeat("a", 101)}}
		}, "coordinators"},
		{"coordinator with long employer", func(a *Application) {
			a.Coordinators = []Coordinator{{Email: "ann@example.org", Name: "Ann", Employer: strings.Repeat("a", 101)}}
		}, "coordinators"},
		{"too many coordinators", func(a *Application) {
			a.Coordinators = nil
			for i := range 21 {
				a.Coordinators = append(a.Coordinators, Coordinator{Email: fmt.Sprintf("c%d@example.org", i), Name: fmt.Sprintf("C %d", i)})
			}
		}, "coordinators"},
		{"long applicant employer", func(a *Application) { a.Employer = strings.Repeat("a", 101) }, "employer"},
		{"policy not agreed", func(a *Application) { a.PolicyAgreed = false }, "policy_agreed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := validApplication()
			tt.change(&a)
			err := a.Validate(true)
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Validate = %v %v, want valid", err, ErrorFields(err))
				}
				return
			}
			if ErrorCode(err) != EINVALID {
				t.Fatalf("Validate = %v, want %s", err, EINVALID)
			}
			fields := ErrorFields(err)
			if len(fields) != 1 || fields[tt.field] == "" {
				t.Errorf("field errors = %v, want exactly one for %q", fields, tt.field)
			}
		})
	}
}

func TestApplicationValidateReportsEveryField(t *testing.T) {
	var a Application
	a.Normalize()
	fields := ErrorFields(a.Validate(true))
	want := []string{"name", "city", "country", "time_zone", "cadence", "policy_agreed"}
	if got := slices.Sorted(maps.Keys(fields)); !slices.Equal(got, slices.Sorted(slices.Values(want))) {
		t.Errorf("empty application: field errors on %v, want %v", got, want)
	}
	for f, msg := range fields {
		if msg == "" {
			t.Errorf("field %s has an empty message", f)
		}
	}
}

func TestApplicationPolicyOnlyRequiredOnApply(t *testing.T) {
	a := validApplication()
	a.PolicyAgreed = false
	if err := a.Validate(false); err != nil {
		t.Errorf("editing without the policy box: %v %v", err, ErrorFields(err))
	}
	if f := ErrorFields(a.Validate(true)); f["policy_agreed"] == "" {
		t.Errorf("applying without the policy box: fields %v, want policy_agreed", f)
	}
}

func TestApplicationOfRoundTrips(t *testing.T) {
	a := validApplication()
	g := &Group{Name: a.Name, ShortName: a.ShortName, Description: a.Description, City: a.City, Country: a.Country,
		Latitude: a.Latitude, Longitude: a.Longitude, TimeZone: a.TimeZone, OrganiserEmails: a.OrganiserEmails,
		URLs: a.URLs, Channels: a.Channels, Coordinators: a.Coordinators, Cadence: a.Cadence, PolicyVersion: 2}
	got := ApplicationOf(g)
	a.PolicyAgreed = false // agreeing to a policy is always an explicit act
	if !reflect.DeepEqual(got, a) {
		t.Errorf("ApplicationOf:\n got %+v\nwant %+v", got, a)
	}
	// The edit form works on copies: changing them must not change the group.
	got.URLs[0] = "https://changed.example.org"
	got.Coordinators[0].Name = "Changed"
	if g.URLs[0] == "https://changed.example.org" || g.Coordinators[0].Name == "Changed" {
		t.Error("ApplicationOf shares its lists with the group")
	}
}

func TestHasCoordinator(t *testing.T) {
	now := time.Now()
	g := &Group{Coordinators: []Coordinator{{Email: "bo@example.org", Name: "Bo"}, {Email: "ann@example.org", Name: "Ann"}}}
	ann := &User{Email: "ann@example.org", VerifiedAt: &now}
	tests := []struct {
		name string
		user *User
		want bool
	}{
		{"verified coordinator", ann, true},
		// Someone who signs up with a coordinator's address but never
		// proves it gets nothing.
		{"unverified account with the address", &User{Email: "ann@example.org"}, false},
		{"stranger", &User{Email: "stranger@example.org", VerifiedAt: &now}, false},
		{"nobody", nil, false},
	}
	for _, tt := range tests {
		if got := g.HasCoordinator(tt.user); got != tt.want {
			t.Errorf("%s: HasCoordinator = %v, want %v", tt.name, got, tt.want)
		}
	}
	if (&Group{}).HasCoordinator(ann) {
		t.Error("a group without coordinators has one")
	}
}

func TestReview(t *testing.T) {
	type review struct {
		name     string
		current  Status
		decision Decision
		reason   string
		want     Status
		code     string
		field    string
	}
	tests := []review{
		{"accept", StatusPending, Accept, "", StatusNew, "", ""},
		{"accept with a note", StatusPending, Accept, "Welcome!", StatusNew, "", ""},
		{"decline", StatusPending, Decline, "Add a code of conduct link.", StatusDeclined, "", ""},
		{"decline without reason", StatusPending, Decline, "", "", EINVALID, "reason"},
		{"decline with blank reason", StatusPending, Decline, " \n\t", "", EINVALID, "reason"},
		{"unknown decision", StatusPending, "maybe", "", "", EINVALID, "decision"},
		{"empty decision", StatusPending, "", "", "", EINVALID, "decision"},
	}
	for _, s := range Statuses {
		if s != StatusPending {
			tests = append(tests,
				review{"accept when " + string(s), s, Accept, "", "", ECONFLICT, ""},
				review{"decline when " + string(s), s, Decline, "No.", "", ECONFLICT, ""})
		}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Review(tt.current, tt.decision, tt.reason)
			if got != tt.want || ErrorCode(err) != tt.code {
				t.Fatalf("Review(%s, %s, %q) = %q, %v; want %q, code %q", tt.current, tt.decision, tt.reason, got, err, tt.want, tt.code)
			}
			if tt.field != "" && ErrorFields(err)[tt.field] == "" {
				t.Errorf("fields = %v, want one for %s", ErrorFields(err), tt.field)
			}
			if err != nil && ErrorMessage(err) == "" {
				t.Error("error without a message for the user")
			}
		})
	}
}

func TestTransition(t *testing.T) {
	// The lifecycle of the design: proposed → pending → (review) → new →
	// official ⇄ revoked; a declined application may come back; any → archived;
	// an archived group may be revived as new.
	allowed := map[[2]Status]bool{
		{StatusProposed, StatusPending}:  true,
		{StatusProposed, StatusArchived}: true,
		{StatusPending, StatusArchived}:  true,
		{StatusDeclined, StatusPending}:  true,
		{StatusDeclined, StatusArchived}: true,
		{StatusNew, StatusOfficial}:      true,
		{StatusNew, StatusArchived}:      true,
		{StatusOfficial, StatusRevoked}:  true,
		{StatusOfficial, StatusArchived}: true,
		{StatusRevoked, StatusOfficial}:  true,
		{StatusRevoked, StatusArchived}:  true,
		{StatusArchived, StatusNew}:      true,
	}
	for _, from := range Statuses {
		for _, to := range Statuses {
			err := Transition(from, to, "Because the community manager said so.")
			if allowed[[2]Status{from, to}] {
				if err != nil {
					t.Errorf("Transition(%s → %s) = %v, want allowed", from, to, err)
				}
				continue
			}
			if ErrorCode(err) != ECONFLICT {
				t.Errorf("Transition(%s → %s) = %v, want %s", from, to, err, ECONFLICT)
			}
		}
	}
	// A sample of refusals that matter: review decisions go through Review,
	// and nothing becomes official without first being new.
	for _, tr := range [][2]Status{
		{StatusPending, StatusNew}, {StatusPending, StatusDeclined}, {StatusPending, StatusOfficial},
		{StatusProposed, StatusOfficial}, {StatusDeclined, StatusNew}, {StatusArchived, StatusOfficial},
		{StatusNew, StatusRevoked}, {StatusOfficial, StatusOfficial}, {StatusArchived, StatusArchived},
		{StatusNew, "bogus"}, {"bogus", StatusNew},
	} {
		if err := Transition(tr[0], tr[1], "reason"); ErrorCode(err) != ECONFLICT {
			t.Errorf("Transition(%s → %s) = %v, want %s", tr[0], tr[1], err, ECONFLICT)
		}
	}
}

func TestTransitionRevokeNeedsReason(t *testing.T) {
	for _, reason := range []string{"", "   ", "\n\t"} {
		err := Transition(StatusOfficial, StatusRevoked, reason)
		if ErrorCode(err) != EINVALID || ErrorFields(err)["reason"] == "" {
			t.Errorf("revoking with reason %q: %v %v, want %s on reason", reason, err, ErrorFields(err), EINVALID)
		}
	}
	if err := Transition(StatusOfficial, StatusRevoked, "Inactive for two years."); err != nil {
		t.Errorf("revoking with a reason: %v", err)
	}
	// Granting official status needs no reason.
	if err := Transition(StatusNew, StatusOfficial, ""); err != nil {
		t.Errorf("granting official status without a reason: %v", err)
	}
}

func TestResubmit(t *testing.T) {
	for _, s := range Statuses {
		want := s
		if s == StatusDeclined {
			want = StatusPending
		}
		if got := Resubmit(s); got != want {
			t.Errorf("Resubmit(%s) = %s, want %s", s, got, want)
		}
	}
}

func TestCoordinatorChanges(t *testing.T) {
	ann := Coordinator{Email: "ann@example.org", Name: "Ann Lee", Employer: "ACME"}
	bob := Coordinator{Email: "bob@example.org", Name: "Bob"}
	cy := Coordinator{Email: "cy@example.org", Name: "Cy", Employer: "Initech"}
	type ev struct {
		Kind   EventKind
		Detail string
	}
	tests := []struct {
		name          string
		before, after []Coordinator
		want          []ev
	}{
		{"no change", []Coordinator{ann, bob}, []Coordinator{ann, bob}, nil},
		{"reordered", []Coordinator{ann, bob}, []Coordinator{bob, ann}, nil},
		{"renamed", []Coordinator{ann}, []Coordinator{{Email: ann.Email, Name: "Ann L.", Employer: "Other"}}, nil},
		{"added", []Coordinator{ann}, []Coordinator{ann, bob}, []ev{{EventCoordinatorAdded, "Bob"}}},
		{"removed", []Coordinator{ann, bob}, []Coordinator{bob}, []ev{{EventCoordinatorRemoved, "Ann Lee (ACME)"}}},
		{"first ones", nil, []Coordinator{ann, cy}, []ev{{EventCoordinatorAdded, "Ann Lee (ACME)"}, {EventCoordinatorAdded, "Cy (Initech)"}}},
		{"replaced", []Coordinator{ann, bob}, []Coordinator{cy, bob},
			[]ev{{EventCoordinatorAdded, "Cy (Initech)"}, {EventCoordinatorRemoved, "Ann Lee (ACME)"}}},
		{"all gone", []Coordinator{bob}, nil, []ev{{EventCoordinatorRemoved, "Bob"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []ev
			for _, e := range CoordinatorChanges(tt.before, tt.after) {
				got = append(got, ev{e.Kind, e.Detail})
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("CoordinatorChanges = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestViewerCanSee(t *testing.T) {
	member := &User{ID: 1, Email: "m@example.org"}
	ambassador := &User{ID: 2, Roles: []Role{RoleAmbassador}}
	manager := &User{ID: 3, Roles: []Role{RoleAmbassador, RoleCommunityManager}}
	viewers := []struct {
		name    string
		v       Viewer
		private bool // may see pending and declined applications
		edit    bool
	}{
		{"anonymous", Viewer{}, false, false},
		{"member", Viewer{User: member}, false, false},
		{"ambassador", Viewer{User: ambassador}, false, false},
		{"organizer", Viewer{User: member, Organizer: true}, true, true},
		{"community manager", Viewer{User: manager}, true, true},
	}
	public := map[Status]bool{StatusNew: true, StatusOfficial: true, StatusRevoked: true, StatusArchived: true}
	for _, vt := range viewers {
		for _, s := range Statuses {
			want := public[s] || vt.private
			if got := vt.v.CanSee(s); got != want {
				t.Errorf("%s sees a %s group: %v, want %v", vt.name, s, got, want)
			}
		}
		if got := vt.v.CanEdit(); got != vt.edit {
			t.Errorf("%s may edit: %v, want %v", vt.name, got, vt.edit)
		}
	}
}

func TestStatusAndCadenceLabels(t *testing.T) {
	for _, s := range Statuses {
		if !s.Valid() || s.Label() == "" || s.Label() == string(s) {
			t.Errorf("status %q: valid %v, label %q", s, s.Valid(), s.Label())
		}
	}
	if Status("bogus").Valid() {
		t.Error(`Status("bogus") is valid`)
	}
	for i, c := range Cadences {
		if c.Label() == "" || c.MeetingsPerYear() == 0 {
			t.Errorf("cadence %q: label %q, %d meetings a year", c, c.Label(), c.MeetingsPerYear())
		}
		if i > 0 && c.MeetingsPerYear() >= Cadences[i-1].MeetingsPerYear() {
			t.Errorf("cadences are not listed most frequent first: %s after %s", c, Cadences[i-1])
		}
	}
	for _, c := range ChannelTypes {
		if ChannelLabel(c) == "" {
			t.Errorf("channel type %q has no label", c)
		}
	}
}
