package chapterhouse

import (
	"fmt"
	"strings"
)

// ContactField is a profile field the program may require for completeness.
type ContactField string

const (
	FieldName            ContactField = "name"
	FieldShortName       ContactField = "short_name"
	FieldDescription     ContactField = "description"
	FieldCity            ContactField = "city"
	FieldOrganiserEmails ContactField = "organiser_emails"
	FieldURLs            ContactField = "urls"
	FieldChannels        ContactField = "channels"
	FieldCoordinators    ContactField = "coordinators"
	FieldLocation        ContactField = "location"
)

// ContactFields lists the fields a program can require, in form order.
var ContactFields = []ContactField{FieldName, FieldShortName, FieldDescription, FieldCity, FieldLocation, FieldOrganiserEmails, FieldURLs, FieldChannels, FieldCoordinators}

// Label names a field for people.
func (f ContactField) Label() string {
	return map[ContactField]string{
		FieldName: "name", FieldShortName: "short name", FieldDescription: "description", FieldCity: "city",
		FieldLocation: "map coordinates", FieldOrganiserEmails: "organiser email", FieldURLs: "web address",
		FieldChannels: "communication channel", FieldCoordinators: "coordinator",
	}[f]
}

// withArticle is the label as the object of "Add …": "an organiser email",
// "a web address", "map coordinates".
func (f ContactField) withArticle() string {
	l := f.Label()
	switch {
	case l == "" || f == FieldLocation:
		return l
	case strings.ContainsRune("aeiou", rune(l[0])):
		return "an " + l
	}
	return "a " + l
}

// Requirement asks for at least Min values of a field.
type Requirement struct {
	Field ContactField `json:"field"`
	Min   int          `json:"min"`
}

// DefaultRequirements are the Official User Group Process's: "need name,
// organiser email>1, URL>1", read as at least one of each.
var DefaultRequirements = []Requirement{{FieldName, 1}, {FieldOrganiserEmails, 1}, {FieldURLs, 1}}

// Completeness is how much of the required contact information a group has.
type Completeness struct {
	Percent int
	Missing []string
}

func (g *Group) count(f ContactField) int {
	str := func(s string) int {
		if s == "" {
			return 0
		}
		return 1
	}
	switch f {
	case FieldName:
		return str(g.Name)
	case FieldShortName:
		return str(g.ShortName)
	case FieldDescription:
		return str(g.Description)
	case FieldCity:
		return str(g.City)
	case FieldLocation:
		if g.Latitude != nil {
			return 1
		}
		return 0
	case FieldOrganiserEmails:
		return len(g.OrganiserEmails)
	case FieldURLs:
		return len(g.URLs)
	case FieldChannels:
		return len(g.Channels)
	case FieldCoordinators:
		return len(g.Coordinators)
	}
	return 0
}

// Completeness scores a group against the requirements. Partly met counts
// earn partial credit, so asking for two URLs and giving one shows progress.
func (g *Group) Completeness(reqs []Requirement) Completeness {
	var have, want int
	var missing []string
	for _, r := range reqs {
		if r.Min <= 0 {
			continue
		}
		n := min(g.count(r.Field), r.Min)
		have += n
		want += r.Min
		if n < r.Min {
			if r.Min == 1 {
				missing = append(missing, "Add "+r.Field.withArticle()+".")
			} else {
				missing = append(missing, fmt.Sprintf("Add %d more %s entries (%d needed).", r.Min-n, r.Field.Label(), r.Min))
			}
		}
	}
	if want == 0 {
		return Completeness{Percent: 100}
	}
	return Completeness{Percent: have * 100 / want, Missing: missing}
}
