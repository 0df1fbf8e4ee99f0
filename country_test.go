package chapterhouse

import (
	"sort"
	"testing"
)

func TestCountryName(t *testing.T) {
	tests := []struct {
		code, name string
		ok         bool
	}{
		{"fr", "France", true},
		{"FR", "France", true},
		{"Gb", "United Kingdom", true},
		{"us", "United States", true},
		{"KR", "South Korea", true},
		{"tw", "Taiwan", true},
		{"ZZ", "", false},
		{"", "", false},
		{"FRA", "", false},
	}
	for _, tt := range tests {
		name, ok := CountryName(tt.code)
		if name != tt.name || ok != tt.ok {
			t.Errorf("CountryName(%q) = %q, %v; want %q, %v", tt.code, name, ok, tt.name, tt.ok)
		}
	}
}

func TestCountryList(t *testing.T) {
	if len(Countries) != 249 {
		t.Errorf("len(Countries) = %d, want 249", len(Countries))
	}
	seen := make(map[string]bool, len(Countries))
	for _, c := range Countries {
		if len(c.Code) != 2 || c.Code[0] < 'A' || c.Code[0] > 'Z' || c.Code[1] < 'A' || c.Code[1] > 'Z' {
			t.Errorf("code %q is not two upper-case letters", c.Code)
		}
		if seen[c.Code] {
			t.Errorf("duplicate code %q", c.Code)
		}
		seen[c.Code] = true
		if c.Name == "" {
			t.Errorf("code %q has an empty name", c.Code)
		}
	}
	if !sort.SliceIsSorted(Countries, func(i, j int) bool { return Countries[i].Name < Countries[j].Name }) {
		t.Error("Countries is not sorted by Name")
	}
}

func TestValidTimeZone(t *testing.T) {
	tests := []struct {
		name string
		want bool
	}{
		{"Europe/Paris", true},
		{"UTC", true},
		{"America/New_York", true},
		{"Mars/Olympus", false},
		{"", false},
		{"Local", false},
	}
	for _, tt := range tests {
		if got := ValidTimeZone(tt.name); got != tt.want {
			t.Errorf("ValidTimeZone(%q) = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestTimeZones(t *testing.T) {
	if !sort.StringsAreSorted(TimeZones) {
		t.Error("TimeZones is not sorted")
	}
	for i, name := range TimeZones {
		if !ValidTimeZone(name) {
			t.Errorf("TimeZones entry %q is not valid", name)
		}
		if i > 0 && TimeZones[i-1] == name {
			t.Errorf("duplicate TimeZones entry %q", name)
		}
	}
}
