package chapterhouse

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
)

var slugShape = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

func TestSlugify(t *testing.T) {
	tests := []struct{ name, want string }{
		{"Lyon Python User Group", "lyon-python-user-group"},
		{"  Lyon   Gophers  ", "lyon-gophers"},
		{"Zürich Gophers", "zurich-gophers"},
		{"São Paulo .NET", "sao-paulo-net"},
		{"Ñandú Coders — Córdoba", "nandu-coders-cordoba"},
		{"C++ & Rust: Kraków!!!", "c-rust-krakow"},
		{"Go/Rust @ Île-de-France (2025)", "go-rust-ile-de-france-2025"},
		{"Łódź Gophers", "lodz-gophers"},
		{"Straße der Entwickler", "strasse-der-entwickler"},
		{"Øresund Æsir", "oresund-aesir"},
		{"İstanbul Gophers", "istanbul-gophers"},
		{"東京 Go ユーザー会", "go"},
		{"Москва Go", "go"},
		{"東京", "group"},
		{"Москва", "group"},
		{"", "group"},
		{"--- !!! ---", "group"},
		{"🐍🐍", "group"},
	}
	for _, tt := range tests {
		if got := Slugify(tt.name); got != tt.want {
			t.Errorf("Slugify(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestSlugifyLengthCap(t *testing.T) {
	names := []string{
		strings.Repeat("a", 200),
		strings.Repeat("ab ", 50),
		strings.Repeat("Zürich ", 20),
		"The Extraordinarily Long Name of the Greater Metropolitan Area Functional Programmers Association",
		strings.Repeat("x", 59) + " yz",
		strings.Repeat("x", 60) + " yz",
		strings.Repeat("x", 61) + " yz",
	}
	for _, name := range names {
		got := Slugify(name)
		if len(got) > 60 || len(got) < 50 {
			t.Errorf("Slugify(%q) = %q (%d bytes), want 50–60", name, got, len(got))
		}
		if !slugShape.MatchString(got) {
			t.Errorf("Slugify(%q) = %q, not a clean slug", name, got)
		}
		if !strings.HasPrefix(Slugify(name+" and more words"), got[:40]) {
			t.Errorf("Slugify(%q) does not keep the start of the name", name)
		}
	}
}

func TestSlugifyShape(t *testing.T) {
	// Whatever people type, a slug is lower-case ASCII words joined by single hyphens.
	for _, name := range []string{
		"a", "A-B", "a--b", "-a-", "x_y", "Ünïcödé ÑÅMË", "1 2 3", "R&D", "foo.bar/baz?q=1#x", "tab\there",
		"ǅemal", "ﬁre", "Ⅻ Legion", "mixed 東京 words 大阪 here", "'quoted' \"name\"", "L'Œuvre",
	} {
		got := Slugify(name)
		if !slugShape.MatchString(got) || len(got) > 60 {
			t.Errorf("Slugify(%q) = %q", name, got)
		}
	}
}

func TestNameKey(t *testing.T) {
	tests := []struct{ a, b string }{
		{"Lyon Python User Group", "Python Lyon Meetup"},
		{"The Zürich Go Community", "zurich go"},
		{"Gophers of Paris", "paris gophers"},
		{"Les Rustacés de Montréal", "montreal rustaces"},
		{"Python-Lyon", "Lyon Python UG"},
	}
	for _, tt := range tests {
		ka, kb := NameKey(tt.a), NameKey(tt.b)
		if ka != kb {
			t.Errorf("NameKey(%q) = %q, NameKey(%q) = %q; want equal", tt.a, ka, tt.b, kb)
		}
		if ka == "" {
			t.Errorf("NameKey(%q) is empty", tt.a)
		}
	}
	if a, b := NameKey("Paris Go"), NameKey("Paris Rust"); a == b {
		t.Errorf("NameKey of different groups equal: %q", a)
	}
	if k := NameKey("User Group Meetup"); k != "" {
		t.Errorf("NameKey of only common words = %q, want empty", k)
	}
}

func TestSimilarKeys(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{NameKey("Lyon Python User Group"), NameKey("Python Lyon Meetup"), true},
		{NameKey("Paris Go"), NameKey("Paris Rust"), false},
		{NameKey("Paris Go"), NameKey("Paris Gophers"), false},
		{"go", "go", true},                              // equal, however short
		{"go", "js", false},                             // short keys allow no slip
		{"rust", "rest", false},                         // still short
		{"lyon python", "lyon pythn", true},             // one slip
		{"lyon python", "lyon pithn", false},            // two slips on a short key
		{"amsterdam python", "amsterdm pythn", true},    // two slips on a long key
		{"amsterdam python", "amstrdm pythn", false},    // three slips
		{"berlin kotlin", "berlin kotlin scala", false}, // longer by a word
		{"", "", false},                                 // nothing to compare
		{"", "go", false},
		{"zurich", NameKey("Zürich"), true},
	}
	for _, tt := range tests {
		if got := SimilarKeys(tt.a, tt.b); got != tt.want {
			t.Errorf("SimilarKeys(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
		if got := SimilarKeys(tt.b, tt.a); got != tt.want {
			t.Errorf("SimilarKeys(%q, %q) = %v, want %v (not symmetric)", tt.b, tt.a, got, tt.want)
		}
	}
}

func named(slug, name, short string) NamedGroup {
	return NamedGroup{Slug: slug, Name: name, ShortName: short, NameKey: NameKey(name), ShortKey: ShortKey(short)}
}

func TestSimilarGroups(t *testing.T) {
	groups := []NamedGroup{
		named("python-lyon-meetup", "Python Lyon Meetup", "PyLyon"),
		named("paris-rust", "Paris Rust", ""),
		named("pug-l", "Portland Users of Go", "PUG-L"),
		named("zurich-gophers", "Zürich Gophers", "ZG"),
		named("x", "Xylophone Coders", "X"),
	}
	slugs := func(gs []NamedGroup) []string {
		var out []string
		for _, g := range gs {
			out = append(out, g.Slug)
		}
		return out
	}
	tests := []struct {
		name, short, self string
		want              []string
	}{
		{"Lyon Python User Group", "", "", []string{"python-lyon-meetup"}},
		{"Lyon Python User Group", "", "python-lyon-meetup", nil}, // editing itself
		{"Paris Go", "", "", nil},
		{"Zurich Gophers", "", "", []string{"zurich-gophers"}},
		{"Something Else Entirely", "pug l", "", []string{"pug-l"}}, // same short name
		{"Something Else Entirely", "pyLYON", "", []string{"python-lyon-meetup"}},
		{"Something Else Entirely", "X", "", nil}, // one letter says nothing
		{"Something Else Entirely", "", "", nil},
	}
	for _, tt := range tests {
		got := slugs(SimilarGroups(tt.name, tt.short, tt.self, groups))
		if !slices.Equal(got, tt.want) {
			t.Errorf("SimilarGroups(%q, %q, self %q) = %v, want %v", tt.name, tt.short, tt.self, got, tt.want)
		}
	}

	var clones []NamedGroup
	for i := range 8 {
		clones = append(clones, named(fmt.Sprintf("berlin-go-%d", i), "Berlin Go", ""))
	}
	if got := SimilarGroups("Go Berlin", "", "", clones); len(got) != 5 {
		t.Errorf("SimilarGroups over 8 look-alikes returned %d, want at most 5", len(got))
	}
}

func TestSortName(t *testing.T) {
	names := []string{"Zürich Gophers", "Ávila Devs", "amsterdam Python", "Berlin Go", "Écully JS", "Aachen Rust"}
	slices.SortFunc(names, func(a, b string) int { return strings.Compare(SortName(a), SortName(b)) })
	want := []string{"Aachen Rust", "amsterdam Python", "Ávila Devs", "Berlin Go", "Écully JS", "Zürich Gophers"}
	if !slices.Equal(names, want) {
		t.Errorf("sorted by SortName: %v, want %v", names, want)
	}
}
