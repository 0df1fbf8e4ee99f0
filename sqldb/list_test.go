package sqldb_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"testing"
	"time"

	ch "chapterhouse"
)

func sqldbFilter(q string) ch.GroupFilter { return ch.GroupFilter{Query: q} }

func names(gs []*ch.Group) []string {
	var out []string
	for _, g := range gs {
		out = append(out, g.Name)
	}
	return out
}

// directory fills a database with listed groups of the given names, created
// a minute apart in that order, plus one pending and one declined group.
func directory(t *testing.T, groups ...ch.Application) (*testDB, *ch.User) {
	t.Helper()
	db := newDB(t)
	owner := db.user(t, "ann@example.org", true)
	mgr := db.user(t, "cm@example.org", true, ch.RoleCommunityManager)
	for _, app := range groups {
		db.clock.Add(time.Minute)
		db.listed(t, app, owner, mgr)
	}
	db.group(t, application(t, "Pending Zürich Group"), owner)
	declined := db.group(t, application(t, "Declined Zürich Group"), owner)
	if _, err := db.ReviewGroup(context.Background(), declined.Slug, ch.Decline, "No.", mgr, nil); err != nil {
		t.Fatal(err)
	}
	return db, mgr
}

func at(t *testing.T, name, city, country string) ch.Application {
	t.Helper()
	a := application(t, name)
	a.City, a.Country = city, country
	a.Description = "A group in " + city + "."
	return a
}

func TestListGroupsStatusesAndCountry(t *testing.T) {
	ctx := context.Background()
	db, mgr := directory(t,
		at(t, "Zürich Gophers", "Zürich", "CH"),
		at(t, "Lyon Gophers", "Lyon", "FR"),
		at(t, "Paris Rust", "Paris", "FR"),
		at(t, "Archived Group", "Nantes", "FR"),
	)
	if _, err := db.ChangeStatus(ctx, "archived-group", ch.StatusArchived, "Gone quiet.", mgr, nil); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		f    ch.GroupFilter
		want []string
	}{
		{"public by default", ch.GroupFilter{},
			[]string{"Archived Group", "Lyon Gophers", "Paris Rust", "Zürich Gophers"}},
		{"country", ch.GroupFilter{Country: "FR"}, []string{"Archived Group", "Lyon Gophers", "Paris Rust"}},
		{"country in lower case", ch.GroupFilter{Country: "ch"}, []string{"Zürich Gophers"}},
		{"unknown country", ch.GroupFilter{Country: "DE"}, nil},
		{"pending only (review queue)", ch.GroupFilter{Statuses: []ch.Status{ch.StatusPending}}, []string{"Pending Zürich Group"}},
		{"private statuses", ch.GroupFilter{Statuses: []ch.Status{ch.StatusPending, ch.StatusDeclined}},
			[]string{"Declined Zürich Group", "Pending Zürich Group"}},
		{"new only", ch.GroupFilter{Statuses: []ch.Status{ch.StatusNew}, Country: "FR"}, []string{"Lyon Gophers", "Paris Rust"}},
		{"search and country", ch.GroupFilter{Query: "gophers", Country: "FR"}, []string{"Lyon Gophers"}},
	}
	for _, tt := range tests {
		page, err := db.ListGroups(ctx, tt.f)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if got := names(page.Groups); !slices.Equal(got, tt.want) || page.Total != len(tt.want) {
			t.Errorf("%s: %v (total %d), want %v", tt.name, got, page.Total, tt.want)
		}
		if page.NextCursor != "" {
			t.Errorf("%s: a cursor on the only page", tt.name)
		}
	}
}

func TestListGroupsSearch(t *testing.T) {
	ctx := context.Background()
	db, _ := directory(t,
		at(t, "Zürich Gophers", "Zürich", "CH"),
		at(t, "Gophers of Zurich Oerlikon", "Zurich", "CH"),
		at(t, "Kraków Rustaceans", "Kraków", "PL"),
		at(t, "São Paulo .NET", "São Paulo", "BR"),
		at(t, "Lyon Python", "Lyon", "FR"),
		at(t, "東京 Go", "東京", "JP"),
		at(t, "Nottingham Elixir", "Nottingham", "GB"),
	)
	tests := []struct {
		q    string
		want []string
	}{
		{"zur", []string{"Gophers of Zurich Oerlikon", "Zürich Gophers"}},
		{"Zürich", []string{"Gophers of Zurich Oerlikon", "Zürich Gophers"}},
		{"ZURICH gophers", []string{"Gophers of Zurich Oerlikon", "Zürich Gophers"}},
		{"zur oerl", []string{"Gophers of Zurich Oerlikon"}},
		{"Zu\u0308rich", []string{"Gophers of Zurich Oerlikon", "Zürich Gophers"}}, // combining accent
		{"krakow", []string{"Kraków Rustaceans"}},
		{"sao paulo", []string{"São Paulo .NET"}},
		{".net", []string{"São Paulo .NET"}},
		{"rust", []string{"Kraków Rustaceans"}},
		{"東京", []string{"東京 Go"}},
		{"group in lyon", []string{"Lyon Python"}}, // the description
		{"python rust", nil}, // every word must match
		{"haskell", nil},
		{"pending", nil}, // not in the directory
		{"", []string{"Gophers of Zurich Oerlikon", "Kraków Rustaceans", "Lyon Python", "Nottingham Elixir", "São Paulo .NET", "Zürich Gophers", "東京 Go"}},
	}
	for _, tt := range tests {
		page, err := db.ListGroups(ctx, ch.GroupFilter{Query: tt.q})
		if err != nil {
			t.Errorf("search %q: %v", tt.q, err)
			continue
		}
		if got := names(page.Groups); !slices.Equal(got, tt.want) || page.Total != len(tt.want) {
			t.Errorf("search %q = %v (total %d), want %v", tt.q, got, page.Total, tt.want)
		}
	}

	// Whatever people type, search answers rather than failing on FTS syntax.
	for _, q := range []string{
		`"`, `""`, `"zur`, `zur"`, `*`, `zur*`, `(`, `)`, `(zur`, `zur)`, `NEAR`, `NEAR(zur lyon)`, `zur NEAR lyon`,
		`AND`, `OR`, `NOT`, `zur AND`, `OR lyon`, `NOT zur`, `-zur`, `+zur`, `^zur`, `name:zur`, `{name}: zur`,
		`zur:`, `:`, `'`, `'; DROP TABLE groups; --`, `\`, `%`, `_`, `🐍`, "zu\u0308rich", "\x00", `a b c d e f g h i j k l`,
		`Zürich "Gophers" (2025) * NEAR/3`,
	} {
		if _, err := db.ListGroups(ctx, ch.GroupFilter{Query: q}); err != nil {
			t.Errorf("search %q: %v", q, err)
		}
	}
	// An operator word is searched as a word.
	for _, q := range []string{"NOT", "not", "NOT*", "(not)"} {
		page, _ := db.ListGroups(ctx, ch.GroupFilter{Query: q})
		if got := names(page.Groups); !slices.Equal(got, []string{"Nottingham Elixir"}) {
			t.Errorf("search %q = %v, want Nottingham", q, got)
		}
	}
}

func TestListGroupsSortByName(t *testing.T) {
	ctx := context.Background()
	db, _ := directory(t,
		at(t, "Zürich Gophers", "Zürich", "CH"),
		at(t, "Écully JS", "Écully", "FR"),
		at(t, "Ávila Devs", "Ávila", "ES"),
		at(t, "amsterdam Python", "Amsterdam", "NL"),
		at(t, "Berlin Go", "Berlin", "DE"),
		at(t, "Aachen Rust", "Aachen", "DE"),
	)
	page, err := db.ListGroups(ctx, ch.GroupFilter{Sort: ch.SortByName})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"Aachen Rust", "amsterdam Python", "Ávila Devs", "Berlin Go", "Écully JS", "Zürich Gophers"}
	if got := names(page.Groups); !slices.Equal(got, want) {
		t.Errorf("by name = %v, want %v", got, want)
	}
	page, _ = db.ListGroups(ctx, ch.GroupFilter{Sort: ch.SortByNewest})
	want = []string{"Aachen Rust", "Berlin Go", "amsterdam Python", "Ávila Devs", "Écully JS", "Zürich Gophers"}
	if got := names(page.Groups); !slices.Equal(got, want) {
		t.Errorf("newest first = %v, want %v", got, want)
	}
}

func TestListGroupsPagination(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	owner := db.user(t, "ann@example.org", true)
	mgr := db.user(t, "cm@example.org", true, ch.RoleCommunityManager)
	const n = 57
	cities := []string{"Ávila", "Lyon", "Zürich", "Écully", "Aachen", "Oslo"}
	for i := range n {
		// Several groups share a name (and so a sort key) and several share a
		// creation time, so the cursor must break ties by id.
		if i%4 != 0 {
			db.clock.Add(time.Second)
		}
		db.listed(t, application(t, fmt.Sprintf("%s Group %d", cities[i%len(cities)], i%9)), owner, mgr)
	}
	db.group(t, application(t, "Pending Group"), owner) // never listed

	for _, sort := range []string{ch.SortByName, ch.SortByNewest, ch.SortByOldest} {
		t.Run(sort, func(t *testing.T) {
			all, err := db.ListGroups(ctx, ch.GroupFilter{Sort: sort, Limit: 100})
			if err != nil || len(all.Groups) != n || all.NextCursor != "" {
				t.Fatalf("one big page: %d groups, cursor %q, %v", len(all.Groups), all.NextCursor, err)
			}
			var walked []int64
			cursor := ""
			for pages := 1; ; pages++ {
				page, err := db.ListGroups(ctx, ch.GroupFilter{Sort: sort, Limit: 10, Cursor: cursor})
				if err != nil {
					t.Fatalf("page %d: %v", pages, err)
				}
				if page.Total != n {
					t.Errorf("page %d: total %d, want %d", pages, page.Total, n)
				}
				for _, g := range page.Groups {
					walked = append(walked, g.ID)
				}
				if page.NextCursor == "" {
					if pages != 6 || len(page.Groups) != 7 {
						t.Errorf("last page is page %d with %d groups, want page 6 with 7", pages, len(page.Groups))
					}
					break
				}
				if len(page.Groups) != 10 {
					t.Fatalf("page %d has %d groups", pages, len(page.Groups))
				}
				if pages > n {
					t.Fatal("pagination does not end")
				}
				cursor = page.NextCursor
			}
			var want []int64
			for _, g := range all.Groups {
				want = append(want, g.ID)
			}
			if !slices.Equal(walked, want) {
				t.Errorf("walking pages gave %v,\nwant the order of one big page %v", walked, want)
			}
			if len(all.Groups) > 1 {
				for i := 1; i < len(all.Groups); i++ {
					a, b := all.Groups[i-1], all.Groups[i]
					var ordered bool
					switch sort {
					case ch.SortByNewest:
						ordered = a.CreatedAt.After(b.CreatedAt) || (a.CreatedAt.Equal(b.CreatedAt) && a.ID > b.ID)
					case ch.SortByOldest:
						ordered = a.CreatedAt.Before(b.CreatedAt) || (a.CreatedAt.Equal(b.CreatedAt) && a.ID < b.ID)
					default:
						ordered = ch.SortName(a.Name) < ch.SortName(b.Name) || (ch.SortName(a.Name) == ch.SortName(b.Name) && a.ID < b.ID)
					}
					if !ordered {
						t.Errorf("%q (%d) before %q (%d)", a.Name, a.ID, b.Name, b.ID)
					}
				}
			}
		})
	}

	// Filters and pages combine: a search walked in pages of 3.
	var walked []string
	cursor := ""
	for range 20 {
		page, err := db.ListGroups(ctx, ch.GroupFilter{Query: "zur", Limit: 3, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		walked = append(walked, names(page.Groups)...)
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	if len(walked) != 10 { // i%6 == 2 for i < 57
		t.Errorf("search walked in pages found %d groups, want 10: %v", len(walked), walked)
	}
}

func TestListGroupsBadCursor(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	for _, sort := range []string{ch.SortByName, ch.SortByNewest, ch.SortByOldest} {
		for _, c := range []string{"garbage!", "%%%", "bm90IGpzb24", base64.RawURLEncoding.EncodeToString([]byte(`{"k":1}`))} {
			_, err := db.ListGroups(ctx, ch.GroupFilter{Sort: sort, Cursor: c})
			wantCode(t, err, ch.EINVALID)
		}
	}
	// A name cursor is no newest cursor.
	_, err := db.ListGroups(ctx, ch.GroupFilter{Sort: ch.SortByNewest,
		Cursor: base64.RawURLEncoding.EncodeToString([]byte(`{"k":"lyon gophers","i":3}`))})
	wantCode(t, err, ch.EINVALID)
}

func TestListGroupsLimit(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	owner := db.user(t, "ann@example.org", true)
	mgr := db.user(t, "cm@example.org", true, ch.RoleCommunityManager)
	for i := range 25 {
		db.listed(t, application(t, fmt.Sprintf("Group %02d", i)), owner, mgr)
	}
	for _, tt := range []struct{ limit, want int }{{0, 20}, {-1, 20}, {5, 5}, {1000, 20}, {25, 25}} {
		page, err := db.ListGroups(ctx, ch.GroupFilter{Limit: tt.limit})
		if err != nil || len(page.Groups) != tt.want {
			t.Errorf("Limit %d: %d groups, %v; want %d", tt.limit, len(page.Groups), err, tt.want)
		}
	}
}
