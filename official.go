package chapterhouse

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// The records of the Official User Group Process that organizers and
// reviewers write: meetings held, comments on steps, steps not needed.

// MeetingFormats are the ways a meeting is held.
var MeetingFormats = []string{"in_person", "online", "hybrid"}

// MeetingFormatLabel names a meeting format for people.
func MeetingFormatLabel(f string) string {
	return map[string]string{"in_person": "In person", "online": "Online", "hybrid": "Hybrid"}[f]
}

// Limits of a recorded meeting.
const (
	MaxMeetingTitleLen = 200
	MaxAttendance      = 1_000_000
)

// RecordedMeeting is a past meeting the organizers recorded on the group's
// page, until meetings are held through the portal (see countMeetingsHeld).
type RecordedMeeting struct {
	ID             int64
	GroupID        int64
	HeldOn         time.Time
	Title          string
	Format         string // one of MeetingFormats
	Attendance     *int   // nil when nobody counted
	Link           string // slides, recording or announcement; may be empty
	RecordedByID   int64
	RecordedByName string
	RecordedAt     time.Time
}

// Normalize trims what was typed.
func (m *RecordedMeeting) Normalize() {
	m.Title = OneLine(m.Title)
	m.Format = strings.ToLower(strings.TrimSpace(m.Format))
	m.Link = strings.TrimSpace(m.Link)
}

// Validate checks a meeting an organizer records at time now: a title, a
// date that is not in the future, a known format, a plausible attendance and
// a web address if a link is given.
func (m *RecordedMeeting) Validate(now time.Time) error {
	fe := FieldErrors{}
	if msg := CheckOneLine(m.Title); msg != "" {
		fe.Add("title", msg)
	}
	switch n := utf8.RuneCountInString(m.Title); {
	case n == 0:
		fe.Add("title", "Give the meeting's title or topic.")
	case n > MaxMeetingTitleLen:
		fe.Add("title", AtMostChars(MaxMeetingTitleLen))
	}
	switch {
	case m.HeldOn.IsZero():
		fe.Add("held_on", "Give the date of the meeting.")
	case m.HeldOn.After(now):
		fe.Add("held_on", "Record meetings once they are held: this date is in the future.")
	case m.HeldOn.Year() < 1990:
		fe.Add("held_on", "Check the year of the meeting.")
	}
	if !slices.Contains(MeetingFormats, m.Format) {
		fe.Add("format", "Say whether the meeting was in person, online or hybrid.")
	}
	if m.Attendance != nil && (*m.Attendance < 0 || *m.Attendance > MaxAttendance) {
		fe.Add("attendance", "Give the number of people who came, or leave it empty.")
	}
	if m.Link != "" && !ValidWebURL(m.Link) {
		fe.Add("link", "Give a web address starting with https:// or http://, or leave it empty.")
	}
	return fe.Err()
}

// StepComment is one message in the thread of a step, where organizers,
// the group's ambassadors and community managers talk.
type StepComment struct {
	ID         int64
	GroupID    int64
	StepID     string
	AuthorID   int64
	AuthorName string
	Body       string // Markdown
	At         time.Time
}

// StepExemption is a step a community manager marked not needed for a group.
type StepExemption struct {
	StepID string
	Reason string
	ByID   int64
	ByName string
	At     time.Time
}

// CoordinatorTerm is a time a person with an account coordinated a group:
// from From until Until (nil while they still do).
type CoordinatorTerm struct {
	UserID int64
	From   time.Time
	Until  *time.Time
}

// Validity is how long a validation counts: the program's validation
// validity, or the default where it sets none.
func (p Program) Validity() Period {
	if !p.ValidationValidity.Valid() {
		return DefaultValidationValidity
	}
	return p.ValidationValidity
}

// ReviewCutoff is the earliest time a coordinator term disqualifies a
// reviewer whose verdict is given at t, or who counts as a mentor at t: a
// validity before it, so that stepping out of the coordinators long enough
// to vouch for one's own group does not pass.
func (p Program) ReviewCutoff(t time.Time) time.Time {
	v := p.Validity()
	return t.AddDate(0, -v.Months, -v.Days)
}

// CoordinatedSince reports whether the user coordinated the group (terms
// are the group's) at some time from since on, now included.
func CoordinatedSince(terms []CoordinatorTerm, userID int64, since time.Time) bool {
	for _, t := range terms {
		if t.UserID == userID && (t.Until == nil || t.Until.After(since)) {
			return true
		}
	}
	return false
}

// IndependentValidations drops the verdicts of people who coordinated the
// group from a validity before their verdict until now: one's own group is
// not vouched for, neither by stepping out of its coordinators for the
// verdict nor by coming back after it.
func (p Program) IndependentValidations(vals []Validation, terms []CoordinatorTerm) []Validation {
	if len(terms) == 0 {
		return vals
	}
	out := make([]Validation, 0, len(vals))
	for _, v := range vals {
		if !CoordinatedSince(terms, v.ByID, p.ReviewCutoff(v.At)) {
			out = append(out, v)
		}
	}
	return out
}
