package demo

import (
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	ch "chapterhouse"
)

// habits are when a group meets: on the same weekday, at the same hour, on
// a calendar its members can remember.
type habits struct {
	loc          *time.Location
	weekday      time.Weekday
	nth          int // monthly and bimonthly groups: the nth weekday of the month, -1 for the last
	hour, minute int
	holidays     bool // frequent groups pause over the year-end holidays
	summerBreak  bool // no meeting in August (or in January in the south)
	size         int  // people who usually come
	south        bool // the seasons are the other way round
}

// newHabits picks a group's meeting habits: evenings in the week for
// regular meetups, Saturdays for the groups that meet only a few times a
// year for a whole day.
func (s *seeder) newHabits(g *groupSpec) habits {
	h := habits{loc: s.zone(g.City.TimeZone), south: g.City.Lat < 0}
	perYear := g.Cadence.MeetingsPerYear()
	if perYear <= 2 {
		h.weekday, h.hour = time.Saturday, 10
	} else {
		h.weekday = pick(s.r, []time.Weekday{time.Tuesday, time.Wednesday, time.Thursday, time.Thursday, time.Monday})
		h.hour, h.minute = 18, pick(s.r, []int{0, 30, 30})
		if g.Cadence == "weekly" && s.r.IntN(3) == 0 {
			h.weekday, h.hour, h.minute = time.Saturday, 14, 0 // Osaka's mokumoku-kai
		}
	}
	h.nth = pick(s.r, []int{1, 1, 2, 3, -1})
	// Holidays only where the meetings check leaves room for them.
	h.holidays = s.want(g.Cadence) <= perYear*3/4
	h.summerBreak = h.holidays && s.r.IntN(5) < 2
	h.size = 15 + s.r.IntN(50)
	if perYear <= 2 {
		h.size *= 3 // a day people come to from far away
	}
	return h
}

// slots lists the meetings a group holds from from to to (both included),
// by its habits. Week-based rhythms keep a whole number of weeks between
// meetings, no more than the rhythm allows, so that any twelve-month window
// holds what the rhythm promises; monthly and bimonthly groups meet on the
// nth weekday of the month. noSkipUntil: no holiday is taken
// before it (a group meeting again after a pause).
//
// A week-based series runs back from anchor when it is set (a group still
// meeting, whose latest meeting is then recent, so a rare rhythm keeps its
// twelve months' worth for a long while after the demo is generated), and
// forward from from otherwise (a group meeting again, which starts at once).
func (h habits) slots(c ch.Cadence, from, to, noSkipUntil, anchor time.Time) []time.Time {
	if !to.After(from) {
		return nil
	}
	var out []time.Time
	add := func(d time.Time) {
		at := time.Date(d.Year(), d.Month(), d.Day(), h.hour, h.minute, 0, 0, h.loc).UTC()
		if at.Before(from) || at.After(to) || (!at.Before(noSkipUntil) && h.skips(c, at.In(h.loc))) {
			return
		}
		out = append(out, at)
	}
	start := from.In(h.loc)
	switch c {
	case "monthly", "bimonthly":
		step := 1
		if c == "bimonthly" {
			step = 2
		}
		for m := time.Date(start.Year(), start.Month(), 1, 0, 0, 0, 0, h.loc); !m.After(to); m = m.AddDate(0, step, 0) {
			add(h.nthWeekday(m))
		}
	default:
		// A little less than half a year or a year between the rare
		// meetings, so that the next one is recorded before the one a
		// year ago stops counting.
		weeks := map[ch.Cadence]int{"weekly": 1, "fortnightly": 2, "quarterly": 13, "twice-yearly": 25, "yearly": 50}[c]
		if weeks == 0 {
			return nil
		}
		if !anchor.IsZero() {
			a := anchor.In(h.loc)
			d := time.Date(a.Year(), a.Month(), a.Day(), 0, 0, 0, 0, h.loc)
			d = d.AddDate(0, 0, -((int(d.Weekday()) - int(h.weekday) + 7) % 7))
			for ; !d.Before(time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, h.loc)); d = d.AddDate(0, 0, -7*weeks) {
				add(d)
			}
			slices.Reverse(out)
			return out
		}
		// From the day after from: a meeting that day may be over already.
		d := time.Date(start.Year(), start.Month(), start.Day()+1, 0, 0, 0, 0, h.loc)
		d = d.AddDate(0, 0, (int(h.weekday)-int(d.Weekday())+7)%7)
		for ; !d.After(to); d = d.AddDate(0, 0, 7*weeks) {
			add(d)
		}
	}
	return out
}

// nthWeekday is the group's meeting day in the month that begins at m.
func (h habits) nthWeekday(m time.Time) time.Time {
	if h.nth < 0 {
		last := m.AddDate(0, 1, -1)
		return last.AddDate(0, 0, -((int(last.Weekday()) - int(h.weekday) + 7) % 7))
	}
	first := m.AddDate(0, 0, (int(h.weekday)-int(m.Weekday())+7)%7)
	return first.AddDate(0, 0, 7*(h.nth-1))
}

// skips reports whether a group takes a holiday on day d: frequent groups
// pause over the year-end holidays, and some over the summer. Groups that
// meet less often than monthly never skip: each meeting counts.
func (h habits) skips(c ch.Cadence, d time.Time) bool {
	if c.MeetingsPerYear() < 12 {
		return false
	}
	if h.holidays && c != "monthly" && ((d.Month() == time.December && d.Day() >= 22) || (d.Month() == time.January && d.Day() <= 4)) {
		return true
	}
	summer := time.August
	if h.south {
		summer = time.January
	}
	return h.summerBreak && d.Month() == summer
}

var meetingTitles = []string{
	"{Topic}", "{Topic} in practice", "{Topic}: lessons from production", "Getting started with {topic}",
	"Deep dive: {topic}", "Talks: {topic} and {topic2}", "Workshop: {topic}", "Hands-on workshop: {topic}",
	"Lightning talks", "Lightning talks and community news", "Hack night", "Q&A with maintainers: {topic}",
	"Panel: {topic} today", "Show and tell", "Reading club: {topic}", "Newcomers' night: {topic}",
}

// meeting makes up a meeting a group held at t: a title from its topics,
// how it was held and how many came.
func (s *seeder) meeting(g *groupSpec, h habits, t time.Time) ch.RecordedMeeting {
	topics := g.Tech.Topics
	a, b := s.r.IntN(len(topics)), s.r.IntN(len(topics)-1)
	if b >= a {
		b++
	}
	local := t.In(h.loc)
	title := pick(s.r, meetingTitles)
	switch {
	case g.Cadence == "yearly":
		title = g.Tech.Name + " day " + strconv.Itoa(local.Year())
	case g.Cadence.MeetingsPerYear() <= 4:
		title = season(local, h.south) + " meetup: {topic}"
	case local.Month() == time.December && s.r.IntN(2) == 0:
		title = "Year-end social and lightning talks"
	}
	title = strings.NewReplacer("{Topic}", capitalize(topics[a]), "{topic}", topics[a], "{topic2}", topics[b]).Replace(title)

	format := weighted(s.r, ch.MeetingFormats, []int{70, 12, 18}) // in person, online, hybrid
	if g.Focus != nil && (g.Focus.Short == "Study" || g.Focus.Short == "Reading") {
		format = weighted(s.r, ch.MeetingFormats, []int{40, 40, 20})
	}
	m := ch.RecordedMeeting{HeldOn: t, Title: title, Format: format}
	if s.r.IntN(10) != 0 { // sometimes nobody counted
		n := h.size * (60 + s.r.IntN(80)) / 100
		if strings.HasPrefix(title, "Workshop") || strings.HasPrefix(title, "Hands-on") {
			n = n * 2 / 3 // the room holds fewer laptops than chairs
		}
		if format == "online" {
			n = n * 4 / 3
		}
		n = max(n, 4)
		m.Attendance = &n
	}
	if s.r.IntN(4) == 0 {
		m.Link = g.Site + "meetings/" + local.Format("2006-01-02") + "/"
	}
	return m
}

// season names the part of the year a meeting falls in, where it is held.
func season(t time.Time, south bool) string {
	m := int(t.Month())
	if south {
		m = (m+5)%12 + 1
	}
	switch {
	case m >= 3 && m <= 5:
		return "Spring"
	case m >= 6 && m <= 8:
		return "Summer"
	case m >= 9 && m <= 11:
		return "Autumn"
	}
	return "Winter"
}

func capitalize(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 || unicode.IsUpper(r) {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}
