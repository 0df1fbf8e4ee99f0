package chapterhouse

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"
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
		// Look-alike letters of other scripts (Unicode TR 39 skeletons).
		{"Lyоn Pythоn User Group", "", "", []string{"python-lyon-meetup"}},        // Cyrillic о
		{"Ζürich Gορhers", "", "", []string{"zurich-gophers"}},                    // Greek Ζ, ο, ρ
		{"Рython Lyon", "", "", []string{"python-lyon-meetup"}},                   // Cyrillic Р, word order
		{"Something Else Entirely", "РyLyоn", "", []string{"python-lyon-meetup"}}, // Cyrillic Р and о
		{"Ρaris Gо", "", "", nil},                                                 // look-alikes of a name that is not there
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

// One-line fields refuse what would break a mail's lines or read otherwise
// than it compares, and keep what scripts and emoji need.
func TestCheckOneLine(t *testing.T) {
	for _, s := range []string{
		"Eve\r\nBcc: all@example.org", "Eve\nEve", "Eve\rEve", "Eve\tEve", "Eve\x00", "Eve\x1b[31m", "Eve\x7f",
		"Eve\u0085Eve", "Eve\u2028Eve", "Eve\u2029Eve", "\u202eevE", "Eve\u2066x\u2069", "E\u200bve", "\ufeffEve", "E\u00adve", "Eve\xff",
	} {
		for _, typed := range []string{s, " " + s + " "} {
			if CheckOneLine(OneLine(typed)) == "" {
				t.Errorf("CheckOneLine(OneLine(%q)) accepts it", typed)
			}
		}
	}
	for typed, want := range map[string]string{
		"  Ann \u00a0 Lee ": "Ann Lee", "Zoë": "Zoë", "👩\u200d👩\u200d👧 Family": "👩\u200d👩\u200d👧 Family", "می\u200cخواهم": "می\u200cخواهم", "東京 Gophers": "東京 Gophers",
	} {
		got := OneLine(typed)
		if got != want || CheckOneLine(got) != "" {
			t.Errorf("OneLine(%q) = %q (%q), want %q accepted", typed, got, CheckOneLine(got), want)
		}
	}

	// Every one-line field says so next to itself.
	su := SignUp{Email: "eve@example.org", Name: "Eve\r\nBcc: all@example.org", Password: "long enough password"}
	su.Normalize()
	if f := ErrorFields(su.Validate()); f["name"] == "" || len(f) != 1 {
		t.Errorf("sign-up with a line break in the name: %v", f)
	}
	if _, err := PersonName("Eve\nAdmin", "name"); ErrorFields(err)["name"] == "" {
		t.Errorf("PersonName with a line break: %v", err)
	}
	a := validApplication()
	a.Name, a.ShortName, a.City, a.Employer = "Lyon\nGophers", "Ly\tGo", "Lyon\u202e", "Acme\r"
	a.Coordinators = []Coordinator{{Email: "bo@example.org", Name: "Bo\nChen"}}
	a.Normalize()
	fields := ErrorFields(a.Validate(true))
	for _, k := range []string{"name", "short_name", "city", "employer", "coordinators"} {
		if fields[k] == "" {
			t.Errorf("application field %s with a control character: no hint (%v)", k, fields)
		}
	}
	m := RecordedMeeting{Title: "Talks\r\nand more", HeldOn: time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC), Format: "online"}
	m.Normalize()
	if f := ErrorFields(m.Validate(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))); f["title"] == "" {
		t.Errorf("meeting title with a line break: %v", f)
	}
}

// FuzzOneLine: whatever is typed, OneLine is idempotent and keeps every
// character CheckOneLine refuses, a field CheckOneLine accepts holds no line
// break, control or format character but the joiners, and no name accepted
// at sign-up, on an application or for a meeting holds one.
func FuzzOneLine(f *testing.F) {
	for _, s := range []string{"Ann Lee", " a \t b ", "x\r\ny", "\u202e", "\u2028", "a\u200db", "\xff\xfe", "\u0085", "Lyоn", ""} {
		f.Add(s)
	}
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		n := OneLine(s)
		if OneLine(n) != n {
			t.Fatalf("OneLine is not idempotent: %q then %q", n, OneLine(n))
		}
		count := func(s string) (k int) {
			for _, r := range s {
				if hiddenInLine(r) {
					k++
				}
			}
			return k
		}
		if count(s) != count(n) {
			t.Fatalf("OneLine(%q) = %q dropped a character CheckOneLine refuses", s, n)
		}
		oneLine := func(what, v string) {
			t.Helper()
			for _, r := range v {
				if (unicode.In(r, unicode.Cc, unicode.Cf, unicode.Zl, unicode.Zp) && r != '\u200c' && r != '\u200d') || r == utf8.RuneError {
					t.Fatalf("%s %q accepted with %U", what, v, r)
				}
			}
		}
		if CheckOneLine(n) == "" {
			oneLine("a one-line field", n)
		}
		su := SignUp{Email: "a@example.org", Name: s, Password: "long enough password"}
		su.Normalize()
		if su.Validate() == nil {
			oneLine("sign-up name", su.Name)
		}
		if name, err := PersonName(s, "name"); err == nil {
			oneLine("account name", name)
		}
		a := validApplication()
		a.Name, a.City, a.Employer = s+" Gophers", s+"ville", s
		a.Coordinators = []Coordinator{{Email: "bo@example.org", Name: "Bo " + s, Employer: s}}
		a.Normalize()
		if a.Validate(true) == nil {
			for _, v := range []string{a.Name, a.City, a.Employer, a.Coordinators[0].Name, a.Coordinators[0].Employer} {
				oneLine("application field", v)
			}
		}
		m := RecordedMeeting{Title: s, HeldOn: now.AddDate(0, -1, 0), Format: "online"}
		m.Normalize()
		if m.Validate(now) == nil {
			oneLine("meeting title", m.Title)
		}
	})
}
