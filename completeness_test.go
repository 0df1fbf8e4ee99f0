package chapterhouse

import (
	"slices"
	"testing"
)

func TestCompleteness(t *testing.T) {
	full := &Group{Name: "Lyon Gophers", OrganiserEmails: []string{"team@example.org"}, URLs: []string{"https://example.org"}}
	tests := []struct {
		name    string
		g       *Group
		reqs    []Requirement
		percent int
		missing []string
	}{
		{"empty group", &Group{}, DefaultRequirements, 0,
			[]string{"Add a name.", "Add an organiser email.", "Add a web address."}},
		{"name only", &Group{Name: "Lyon Gophers"}, DefaultRequirements, 33,
			[]string{"Add an organiser email.", "Add a web address."}},
		{"name and url", &Group{Name: "Lyon Gophers", URLs: []string{"https://example.org"}}, DefaultRequirements, 66,
			[]string{"Add an organiser email."}},
		{"all three", full, DefaultRequirements, 100, nil},
		{"more than asked", &Group{Name: "x", OrganiserEmails: []string{"a@x.org", "b@x.org"}, URLs: []string{"https://a", "https://b", "https://c"}},
			DefaultRequirements, 100, nil},
		{"two urls asked, one given", full, []Requirement{{FieldURLs, 2}}, 50,
			[]string{"Add 1 more web address entries (2 needed)."}},
		{"two urls asked, none given", &Group{}, []Requirement{{FieldURLs, 2}}, 0,
			[]string{"Add 2 more web address entries (2 needed)."}},
		{"extra urls do not make up for a missing email", &Group{Name: "x", URLs: []string{"https://a", "https://b", "https://c"}},
			[]Requirement{{FieldName, 1}, {FieldOrganiserEmails, 1}, {FieldURLs, 2}}, 75,
			[]string{"Add an organiser email."}},
		{"partial credit across fields", &Group{Name: "x", Channels: []Channel{{Type: "chat", URL: "https://c"}}},
			[]Requirement{{FieldName, 1}, {FieldChannels, 3}}, 50,
			[]string{"Add 2 more communication channel entries (3 needed)."}},
		{"map coordinates", &Group{}, []Requirement{{FieldLocation, 1}}, 0, []string{"Add map coordinates."}},
		{"coordinates given", &Group{Latitude: ptr(1), Longitude: ptr(2)}, []Requirement{{FieldLocation, 1}}, 100, nil},
		{"every field", &Group{}, []Requirement{{FieldShortName, 1}, {FieldDescription, 1}, {FieldCity, 1}, {FieldCoordinators, 1}}, 0,
			[]string{"Add a short name.", "Add a description.", "Add a city.", "Add a coordinator."}},
		{"zero minimum ignored", &Group{}, []Requirement{{FieldName, 0}, {FieldURLs, -1}}, 100, nil},
		{"nothing required", &Group{}, nil, 100, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.g.Completeness(tt.reqs)
			if got.Percent != tt.percent || !slices.Equal(got.Missing, tt.missing) {
				t.Errorf("Completeness = %d%% %q, want %d%% %q", got.Percent, got.Missing, tt.percent, tt.missing)
			}
		})
	}
}

func TestContactFieldsLabelled(t *testing.T) {
	for _, f := range ContactFields {
		if f.Label() == "" {
			t.Errorf("field %q has no label", f)
		}
		c := (&Group{}).Completeness([]Requirement{{f, 1}})
		if c.Percent != 0 || len(c.Missing) != 1 {
			t.Errorf("empty group against %q: %+v, want 0%% and one message", f, c)
		}
	}
}
