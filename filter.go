package chapterhouse

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Directory sort orders.
const (
	SortByName   = "name"
	SortByNewest = "newest"
	SortByOldest = "oldest" // review queues: who waited longest comes first
)

// Bounds of a directory page.
const (
	MaxSearchLen    = 200 // characters of a search
	DefaultPageSize = 20  // groups per page when the filter says none
	MaxPageSize     = 100
)

// GroupFilter selects a page of the directory.
type GroupFilter struct {
	Query    string
	Country  string   // ISO 3166 code
	Statuses []Status // empty means every public status
	Sort     string   // SortByName (the default), SortByNewest or SortByOldest
	Cursor   string   // where the previous page ended
	Limit    int      // groups per page; 0 for the default, negative for a limit that could not be read
}

// Normalize trims what was typed and upper-cases the country code.
func (f *GroupFilter) Normalize() {
	f.Query = strings.TrimSpace(f.Query)
	f.Country = strings.ToUpper(strings.TrimSpace(f.Country))
}

// Validate checks a filter as a visitor or an API client gave it, and says
// what is wrong by query parameter. Whether the viewer may list the
// statuses it names is Viewer.CanSee's question.
func (f GroupFilter) Validate() error {
	fe := FieldErrors{}
	if f.Sort != "" && f.Sort != SortByName && f.Sort != SortByNewest && f.Sort != SortByOldest {
		fe.Add("sort", "Sort by name, newest or oldest.")
	}
	if f.Country != "" {
		if _, ok := CountryName(f.Country); !ok {
			fe.Add("country", "Use an ISO 3166 country code such as FR.")
		}
	}
	if utf8.RuneCountInString(f.Query) > MaxSearchLen {
		fe.Add("q", fmt.Sprintf("Search for at most %d characters.", MaxSearchLen))
	}
	for _, st := range f.Statuses {
		if !st.Valid() {
			fe.Add("status", "Unknown status.")
		}
	}
	if f.Limit < 0 || f.Limit > MaxPageSize {
		fe.Add("limit", fmt.Sprintf("Use a limit between 1 and %d.", MaxPageSize))
	}
	return fe.Err()
}

// What a review queue shows.
const (
	QueueAll         = ""            // steps to validate and groups to decide on
	QueueValidations = "validations" // steps waiting for a validation
	QueueDecisions   = "decisions"   // groups with every step met, not official
)

// QueueFilter selects a review queue.
type QueueFilter struct {
	Kind         string   // QueueAll, QueueValidations or QueueDecisions
	Statuses     []Status // default: new, official and revoked
	Country      string
	AmbassadorID int64       // only the groups this ambassador mentors
	Role         Role        // only steps still waiting for this role
	StepID       string      // only this step
	States       []StepState // default: awaiting_validation and expired
	Limit        int         // default 50, at most 200
}
