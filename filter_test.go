package chapterhouse

import (
	"maps"
	"slices"
	"strings"
	"testing"
)

func TestGroupFilterValidate(t *testing.T) {
	for _, tc := range []struct {
		f    GroupFilter
		want []string // fields at fault
	}{
		{GroupFilter{}, nil},
		{GroupFilter{Query: "python", Country: "fr", Sort: SortByNewest, Limit: 100, Statuses: []Status{StatusOfficial}}, nil},
		{GroupFilter{Sort: "popular"}, []string{"sort"}},
		{GroupFilter{Country: "XX"}, []string{"country"}},
		{GroupFilter{Query: strings.Repeat("é", MaxSearchLen+1)}, []string{"q"}},
		{GroupFilter{Statuses: []Status{"dormant"}}, []string{"status"}},
		{GroupFilter{Limit: -1}, []string{"limit"}},
		{GroupFilter{Limit: MaxPageSize + 1, Sort: "x"}, []string{"limit", "sort"}},
	} {
		tc.f.Normalize()
		got := slices.Sorted(maps.Keys(ErrorFields(tc.f.Validate())))
		if !slices.Equal(got, tc.want) {
			t.Errorf("%+v: fields %v, want %v", tc.f, got, tc.want)
		}
	}
}
