package web

import (
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"

	ch "chapterhouse"
)

// groupForm is the application/edit form as typed, so that a rejected form
// re-renders exactly what the user entered.
type groupForm struct {
	App             ch.Application
	Latitude        string
	Longitude       string
	Errors          map[string]string
	Error           string
	Similar         []ch.NamedGroup
	ConfirmDistinct bool
	Applying        bool
	Slug            string
	SavedName       string // the group's name before this edit, for the title
	Policy          ch.Policy
	PolicyCurrent   bool // the group agreed to the current policy version
}

// blank rows let people add channels and coordinators without JavaScript.
const blankRows = 2

func (f groupForm) ChannelRows() []ch.Channel {
	return append(slices.Clone(f.App.Channels), make([]ch.Channel, blankRows)...)
}

func (f groupForm) CoordinatorRows() []ch.Coordinator {
	return append(slices.Clone(f.App.Coordinators), make([]ch.Coordinator, blankRows)...)
}

func (f groupForm) Lines(list []string) string { return strings.Join(list, "\n") }

func lines(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' || r == ',' })
}

// parseGroupForm reads the HTML form into an application. Numbers that do
// not parse are reported here, since the domain sees only parsed values.
func parseGroupForm(v url.Values) (groupForm, map[string]string) {
	f := groupForm{Latitude: strings.TrimSpace(v.Get("latitude")), Longitude: strings.TrimSpace(v.Get("longitude"))}
	a := ch.Application{
		Name: v.Get("name"), ShortName: v.Get("short_name"), Description: v.Get("description"),
		City: v.Get("city"), Country: v.Get("country"), TimeZone: v.Get("time_zone"),
		OrganiserEmails: lines(v.Get("organiser_emails")), URLs: lines(v.Get("urls")),
		Cadence: ch.Cadence(v.Get("cadence")), PolicyAgreed: v.Get("policy_agreed") != "", Employer: v.Get("employer"),
	}
	types, urls := v["channel_type"], v["channel_url"]
	for i := range min(len(types), len(urls), ch.MaxListLen+blankRows) {
		a.Channels = append(a.Channels, ch.Channel{Type: types[i], URL: urls[i]})
	}
	emails, names, employers := v["coordinator_email"], v["coordinator_name"], v["coordinator_employer"]
	for i := range min(len(emails), len(names), len(employers), ch.MaxListLen+blankRows) {
		a.Coordinators = append(a.Coordinators, ch.Coordinator{Email: emails[i], Name: names[i], Employer: employers[i]})
	}
	errs := map[string]string{}
	parse := func(s, field string) *float64 {
		if s == "" {
			return nil
		}
		x, err := strconv.ParseFloat(strings.ReplaceAll(s, ",", "."), 64)
		// ParseFloat reads "NaN" and "Inf" too, and NaN passes every range check.
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			errs[field] = "Enter a decimal number such as 45.76."
			return nil
		}
		return &x
	}
	a.Latitude, a.Longitude = parse(f.Latitude, "latitude"), parse(f.Longitude, "longitude")
	f.ConfirmDistinct = v.Get("confirm_distinct") != ""
	f.App = a
	return f, errs
}

func ftoa(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }

// Choices offered by the form.
func (groupForm) Cadences() []ch.Cadence { return ch.Cadences }
func (groupForm) ChannelTypes() []string { return ch.ChannelTypes }
