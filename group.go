package chapterhouse

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Status is where a group stands in the program.
type Status string

const (
	StatusProposed Status = "proposed" // gathering interest or awaiting approval
	StatusPending  Status = "pending"  // application under review
	StatusDeclined Status = "declined" // application refused, with a reason
	StatusNew      Status = "new"      // listed, new-group logo
	StatusOfficial Status = "official" // official logo
	StatusRevoked  Status = "revoked"  // official status withdrawn; may be re-granted
	StatusArchived Status = "archived"
)

// Statuses lists every status in lifecycle order.
var Statuses = []Status{StatusProposed, StatusPending, StatusDeclined, StatusNew, StatusOfficial, StatusRevoked, StatusArchived}

// PublicStatuses are the statuses anyone may see in the directory. Revoked
// groups stay listed: the process keeps their page and history.
var PublicStatuses = []Status{StatusNew, StatusOfficial, StatusRevoked, StatusArchived}

// Public reports whether anyone may see a group in this status.
func (s Status) Public() bool { return slices.Contains(PublicStatuses, s) }

// Valid reports whether s is a known status.
func (s Status) Valid() bool { return slices.Contains(Statuses, s) }

// Label is the status as pages show it.
func (s Status) Label() string {
	switch s {
	case StatusNew:
		return "New group"
	case StatusOfficial:
		return "Official"
	case StatusPending:
		return "Under review"
	}
	if s == "" {
		return ""
	}
	return strings.ToUpper(string(s[:1])) + string(s[1:])
}

// Cadence is how often a group means to meet. The program measures a group
// against its own cadence because regularity differs between cultures.
type Cadence string

// Cadences lists the choices offered, most frequent first.
var Cadences = []Cadence{"weekly", "fortnightly", "monthly", "bimonthly", "quarterly", "twice-yearly", "yearly"}

// Label is the cadence as pages show it.
func (c Cadence) Label() string {
	switch c {
	case "bimonthly":
		return "Every two months"
	case "twice-yearly":
		return "Twice a year"
	case "fortnightly":
		return "Every two weeks"
	}
	if c == "" {
		return ""
	}
	return strings.ToUpper(string(c[:1])) + string(c[1:])
}

// MeetingsPerYear is the number of meetings the cadence promises.
func (c Cadence) MeetingsPerYear() int {
	return map[Cadence]int{"weekly": 52, "fortnightly": 26, "monthly": 12, "bimonthly": 6, "quarterly": 4, "twice-yearly": 2, "yearly": 1}[c]
}

// ChannelTypes are the kinds of communication channel a group may list.
var ChannelTypes = []string{"mailing_list", "chat", "forum", "social", "meetup", "video", "blog", "other"}

// ChannelLabel names a channel type for people.
func ChannelLabel(t string) string {
	return map[string]string{
		"mailing_list": "Mailing list", "chat": "Chat", "forum": "Forum", "social": "Social media",
		"meetup": "Meetup page", "video": "Video channel", "blog": "Blog", "other": "Other",
	}[t]
}

// Channel is a place where the group talks to its members.
type Channel struct {
	Type string `json:"type"`
	URL  string `json:"url"`
}

// Coordinator is a person who runs a group. Coordinators are keyed by email:
// an invited coordinator becomes an organizer once an account with that
// verified address exists.
type Coordinator struct {
	Email    string `json:"email,omitempty"`
	Name     string `json:"name"`
	Employer string `json:"employer"`
}

// Group is a user group in the program.
type Group struct {
	ID              int64
	Slug            string
	Name            string
	ShortName       string
	Description     string
	City            string
	Country         string
	Latitude        *float64
	Longitude       *float64
	TimeZone        string
	OrganiserEmails []string
	URLs            []string
	Channels        []Channel
	Coordinators    []Coordinator
	Cadence         Cadence
	Status          Status
	DeclineReason   string
	PolicyVersion   int
	CreatedBy       int64
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// Application is the group profile as an applicant or organizer writes it.
// The same shape serves the "start a group" form, the edit form and the API.
type Application struct {
	Name            string        `json:"name"`
	ShortName       string        `json:"short_name"`
	Description     string        `json:"description"`
	City            string        `json:"city"`
	Country         string        `json:"country"`
	Latitude        *float64      `json:"latitude,omitempty"`
	Longitude       *float64      `json:"longitude,omitempty"`
	TimeZone        string        `json:"time_zone"`
	OrganiserEmails []string      `json:"organiser_emails"`
	URLs            []string      `json:"urls"`
	Channels        []Channel     `json:"channels"`
	Coordinators    []Coordinator `json:"coordinators"`
	Cadence         Cadence       `json:"cadence"`
	PolicyAgreed    bool          `json:"policy_agreed"`
	// Employer is the applicant's own employer; it is used only when applying,
	// where the applicant becomes the first coordinator.
	Employer string `json:"employer,omitempty"`
}

// ApplicationOf returns the editable profile of a group. PolicyAgreed is
// left false: agreeing to a policy version is always an explicit act.
func ApplicationOf(g *Group) Application {
	return Application{
		Name: g.Name, ShortName: g.ShortName, Description: g.Description, City: g.City,
		Country: g.Country, Latitude: g.Latitude, Longitude: g.Longitude, TimeZone: g.TimeZone,
		OrganiserEmails: slices.Clone(g.OrganiserEmails), URLs: slices.Clone(g.URLs),
		Channels: slices.Clone(g.Channels), Coordinators: slices.Clone(g.Coordinators),
		Cadence: g.Cadence,
	}
}

// Limits keep one group's profile to a size pages and mails can carry.
const (
	MinNameLen        = 3
	MaxNameLen        = 120
	MaxShortNameLen   = 30
	MaxDescriptionLen = 20000
	MaxCityLen        = 100
	MaxPersonNameLen  = 100 // a person's name (accounts, coordinators), and an employer's
	MaxListLen        = 20
)

// Normalize trims every field, lower-cases emails and country codes, and
// drops empty rows (forms send blank rows for adding more).
func (a *Application) Normalize() {
	for _, p := range []*string{&a.Name, &a.ShortName, &a.City, &a.TimeZone} {
		*p = OneLine(*p)
	}
	a.Description = strings.TrimSpace(strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace(a.Description))
	a.Country = strings.ToUpper(strings.TrimSpace(a.Country))
	a.TimeZone = strings.ReplaceAll(a.TimeZone, " ", "_")
	a.Cadence = Cadence(strings.ToLower(strings.TrimSpace(string(a.Cadence))))
	a.Employer = OneLine(a.Employer)
	a.OrganiserEmails = cleanList(a.OrganiserEmails, NormalizeEmail)
	a.URLs = cleanList(a.URLs, strings.TrimSpace)
	var chans []Channel
	for _, c := range a.Channels {
		c.Type, c.URL = strings.TrimSpace(c.Type), strings.TrimSpace(c.URL)
		// A row without an address is a blank row of the form, whatever its type.
		if c.URL != "" {
			chans = append(chans, c)
		}
	}
	a.Channels = chans
	var coords []Coordinator
	for _, c := range a.Coordinators {
		c.Email = NormalizeEmail(c.Email)
		c.Name = OneLine(c.Name)
		c.Employer = OneLine(c.Employer)
		if c.Email != "" || c.Name != "" || c.Employer != "" {
			coords = append(coords, c)
		}
	}
	a.Coordinators = coords
}

func cleanList(in []string, f func(string) string) []string {
	var out []string
	for _, s := range in {
		if s = f(s); s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// Validate checks a normalized application. requirePolicy is true when the
// applicant must tick the Social Media and Event Policy box (on applying).
func (a *Application) Validate(requirePolicy bool) error {
	fe := FieldErrors{}
	// A line break in a name or a city would be a line of its own in the
	// mails that carry it; these hints come first.
	for field, v := range map[string]string{"name": a.Name, "short_name": a.ShortName, "city": a.City, "employer": a.Employer} {
		if msg := CheckOneLine(v); msg != "" {
			fe.Add(field, msg)
		}
	}
	for _, c := range a.Coordinators {
		if CheckOneLine(c.Name) != "" || CheckOneLine(c.Employer) != "" {
			fe.Add("coordinators", "Write each coordinator's name and employer on one line, without line breaks, tabs or invisible control characters.")
		}
	}
	switch n := utf8.RuneCountInString(a.Name); {
	case n == 0:
		fe.Add("name", "Enter the group's name.")
	case n < MinNameLen:
		fe.Add("name", fmt.Sprintf("Use at least %d characters.", MinNameLen))
	case n > MaxNameLen:
		fe.Add("name", AtMostChars(MaxNameLen))
	}
	if utf8.RuneCountInString(a.ShortName) > MaxShortNameLen {
		fe.Add("short_name", AtMostChars(MaxShortNameLen))
	}
	if utf8.RuneCountInString(a.Description) > MaxDescriptionLen {
		fe.Add("description", AtMostChars(MaxDescriptionLen))
	}
	if a.City == "" {
		fe.Add("city", "Enter the city where the group meets.")
	} else if utf8.RuneCountInString(a.City) > MaxCityLen {
		fe.Add("city", AtMostChars(MaxCityLen))
	}
	if _, ok := CountryName(a.Country); !ok {
		fe.Add("country", "Choose a country from the list.")
	}
	if (a.Latitude == nil) != (a.Longitude == nil) {
		fe.Add("latitude", "Give both latitude and longitude, or neither.")
	} else if a.Latitude != nil {
		// NaN passes every comparison, so range checks alone would let it in.
		if !(*a.Latitude >= -90 && *a.Latitude <= 90) {
			fe.Add("latitude", "Latitude is between -90 and 90.")
		}
		if !(*a.Longitude >= -180 && *a.Longitude <= 180) {
			fe.Add("longitude", "Longitude is between -180 and 180.")
		}
	}
	if !ValidTimeZone(a.TimeZone) {
		fe.Add("time_zone", "Choose a time zone such as Europe/Paris.")
	}
	if a.Cadence != "" && !slices.Contains(Cadences, a.Cadence) {
		fe.Add("cadence", "Choose how often the group means to meet.")
	} else if a.Cadence == "" {
		fe.Add("cadence", "Say how often the group means to meet; it is the yardstick for regular meetings.")
	}
	if len(a.OrganiserEmails) > MaxListLen {
		fe.Add("organiser_emails", fmt.Sprintf("List at most %d addresses.", MaxListLen))
	}
	for _, e := range a.OrganiserEmails {
		if !ValidEmail(e) {
			fe.Add("organiser_emails", "“"+clip(e)+"” is not an email address.")
		}
	}
	if len(a.URLs) > MaxListLen {
		fe.Add("urls", fmt.Sprintf("List at most %d addresses.", MaxListLen))
	}
	for _, u := range a.URLs {
		if !ValidWebURL(u) {
			fe.Add("urls", "“"+clip(u)+"” is not a web address starting with https:// or http://.")
		}
	}
	if len(a.Channels) > MaxListLen {
		fe.Add("channels", fmt.Sprintf("List at most %d channels.", MaxListLen))
	}
	for _, c := range a.Channels {
		if !slices.Contains(ChannelTypes, c.Type) {
			fe.Add("channels", "Choose a type for every channel.")
		} else if !ValidWebURL(c.URL) && !validMailto(c.URL) {
			fe.Add("channels", "Give each channel a web address (https://…) or a mailto: link.")
		}
	}
	if len(a.Coordinators) > MaxListLen {
		fe.Add("coordinators", fmt.Sprintf("List at most %d coordinators.", MaxListLen))
	}
	seen := map[string]bool{}
	for _, c := range a.Coordinators {
		switch {
		case !ValidEmail(c.Email):
			fe.Add("coordinators", "Give every coordinator a valid email address.")
		case c.Name == "":
			fe.Add("coordinators", "Give every coordinator a name.")
		case seen[c.Email]:
			fe.Add("coordinators", c.Email+" is listed twice.")
		case utf8.RuneCountInString(c.Name) > MaxPersonNameLen || utf8.RuneCountInString(c.Employer) > MaxPersonNameLen:
			fe.Add("coordinators", fmt.Sprintf("Keep names and employers to at most %d characters.", MaxPersonNameLen))
		}
		seen[c.Email] = true
	}
	if utf8.RuneCountInString(a.Employer) > MaxPersonNameLen {
		fe.Add("employer", AtMostChars(MaxPersonNameLen))
	}
	if requirePolicy && !a.PolicyAgreed {
		fe.Add("policy_agreed", "Agree to the Social Media and Event Policy to apply.")
	}
	return fe.Err()
}

func clip(s string) string {
	if utf8.RuneCountInString(s) > 40 {
		return string([]rune(s)[:40]) + "…"
	}
	return s
}

// validMailto accepts a mailto: link to one valid address.
func validMailto(s string) bool {
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "mailto" {
		return false
	}
	return ValidEmail(u.Opaque)
}

// ValidWebURL accepts absolute http and https URLs with a host.
func ValidWebURL(s string) bool {
	if len(s) > 2000 {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

// Decision is a community manager's verdict on an application.
type Decision string

const (
	Accept  Decision = "accept"
	Decline Decision = "decline"
)

// Review returns the status a pending group moves to on a decision.
func Review(current Status, d Decision, reason string) (Status, error) {
	if current != StatusPending {
		return "", Errorf(ECONFLICT, "Only applications under review can be accepted or declined; this group is %s.", current.Label())
	}
	switch d {
	case Accept:
		return StatusNew, nil
	case Decline:
		if strings.TrimSpace(reason) == "" {
			return "", Invalid("Say why the application is declined.", "reason", "Give the applicants a reason they can act on.")
		}
		return StatusDeclined, nil
	}
	return "", Invalid("Decide to accept or decline.", "decision", "Use accept or decline.")
}

// Resubmit returns the status a group moves to when its organizers edit it:
// a declined application goes back to review.
func Resubmit(current Status) Status {
	if current == StatusDeclined {
		return StatusPending
	}
	return current
}

// EventKind names an entry in a group's history.
type EventKind string

const (
	EventApplied            EventKind = "applied"
	EventAccepted           EventKind = "accepted"
	EventDeclined           EventKind = "declined"
	EventResubmitted        EventKind = "resubmitted"
	EventEdited             EventKind = "edited"
	EventCoordinatorAdded   EventKind = "coordinator_added"
	EventCoordinatorRemoved EventKind = "coordinator_removed"
	EventStatusChanged      EventKind = "status_changed"

	// The official process; granting and revoking official status are
	// EventStatusChanged. Detail starts with the step ID where there is one.
	EventStepValidated     EventKind = "step_validated" // a pass or a needs_work verdict
	EventReviewRequested   EventKind = "review_requested"
	EventStepNotNeeded     EventKind = "step_not_needed"
	EventStepNeeded        EventKind = "step_needed" // a not-needed mark withdrawn
	EventRhythmAccepted    EventKind = "rhythm_accepted"
	EventRhythmCleared     EventKind = "rhythm_cleared"
	EventAmbassadorAdded   EventKind = "ambassador_added"
	EventAmbassadorRemoved EventKind = "ambassador_removed"
	EventMeetingRecorded   EventKind = "meeting_recorded"
	EventMeetingRemoved    EventKind = "meeting_removed"
)

// GroupEvent is one entry in a group's history: who did what, when and why.
type GroupEvent struct {
	ID         int64
	GroupID    int64
	At         time.Time
	ActorID    int64
	ActorName  string
	Kind       EventKind
	FromStatus Status
	ToStatus   Status
	Detail     string
}

// Public reports whether the public may see this entry in the summary.
func (e GroupEvent) Public() bool {
	return e.Kind == EventAccepted || e.Kind == EventStatusChanged
}

// CoordinatorChanges lists the history entries an edit of coordinators makes.
func CoordinatorChanges(before, after []Coordinator) []GroupEvent {
	var evs []GroupEvent
	has := func(list []Coordinator, email string) bool {
		return slices.ContainsFunc(list, func(c Coordinator) bool { return c.Email == email })
	}
	for _, c := range after {
		if !has(before, c.Email) {
			evs = append(evs, GroupEvent{Kind: EventCoordinatorAdded, Detail: coordinatorLine(c)})
		}
	}
	for _, c := range before {
		if !has(after, c.Email) {
			evs = append(evs, GroupEvent{Kind: EventCoordinatorRemoved, Detail: coordinatorLine(c)})
		}
	}
	return evs
}

func coordinatorLine(c Coordinator) string {
	if c.Employer == "" {
		return c.Name
	}
	return c.Name + " (" + c.Employer + ")"
}

// Mail is a notification to write to the outbox in the same transaction as
// the change it tells about, so that neither exists without the other.
type Mail struct {
	To      string
	Subject string
	Body    string
	// Secret is the one-time token of a link in Body. Only the delivery may
	// carry it: the stored copy loses the link once the mail is sent, and
	// the outgoing mail page shows it only while it still works.
	Secret string
}

// Notify builds the mails that tell people about a change to a group. It is
// called inside the store's transaction, once the group's final state is known.
type Notify func(g *Group) []Mail

// transitions lists the status changes made by a program decision other than
// reviewing an application (see Review).
var transitions = map[Status][]Status{
	StatusProposed: {StatusPending, StatusArchived},
	StatusPending:  {StatusArchived},
	StatusDeclined: {StatusPending, StatusArchived},
	StatusNew:      {StatusOfficial, StatusArchived},
	StatusOfficial: {StatusRevoked, StatusArchived},
	StatusRevoked:  {StatusOfficial, StatusArchived},
	StatusArchived: {StatusNew},
}

// Transition checks a status change. Revoking and archiving need a reason
// the group can read on its page and act on.
func Transition(from, to Status, reason string) error {
	if !slices.Contains(transitions[from], to) {
		return Errorf(ECONFLICT, "A group that is %s cannot become %s.", from.Label(), to.Label())
	}
	if (to == StatusRevoked || to == StatusArchived) && strings.TrimSpace(reason) == "" {
		return Invalid("Give a reason.", "reason", "Say why, so the group knows what to change.")
	}
	return nil
}
