package demo

import (
	"math/rand/v2"
	"strings"

	ch "chapterhouse"
)

// focus is what sets apart a second, third… group of one technology in one
// city in large programs.
type focus struct {
	Name  string // name template: {city} and {tech}
	Short string // short-name suffix
	Line  string // a sentence of the description
}

var focuses = []focus{
	{"{city} {tech} Beginners", "Beginners", "Our sessions are for people who are new to {tech}: no question is too basic, and every session starts with a short refresher."},
	{"Women in {tech} {city}", "Women", "We are a community of women and non-binary people who work with {tech}; allies are welcome at our public events."},
	{"{city} {tech} Study Group", "Study", "We work through a book or an online course together, one chapter per session, and help each other with the exercises."},
	{"{city} {tech} Hack Night", "Hack", "Bring a laptop and a project, or pick one from our list, and hack alongside others until late."},
	{"{city} {tech} Students", "Students", "We are run by and for students at the universities and colleges of {city}, and we help members find internships."},
	{"{city} {tech} Professionals", "Pro", "We focus on using {tech} at work: architecture, operations, hiring and war stories from production."},
	{"{city} {tech} Reading Club", "Reading", "Each session we read and discuss an article, a paper or a chapter about {tech}."},
}

var intros = []string{
	"{name} brings together {tech} developers, users and the curious in and around {city}.",
	"We are a friendly community of people who build things with {tech} in {city}, from seasoned professionals to students writing their first lines of code.",
	"{name} is where the {tech} community of {city} meets: to learn from each other, share what works (and what does not), and make friends along the way.",
	"Whether you run {tech} in production or tried it for the first time last week, {name} is for you.",
	"Founded by a handful of {tech} enthusiasts who kept running into each other at conferences, {name} now welcomes everyone in {city} who is curious about {tech}.",
	"{name} is a volunteer-run, non-commercial group for everyone interested in {tech} in the {city} area.",
}

var generalFormats = []string{
	"talks", "lightning talks", "hands-on workshops", "hack days", "panel discussions",
	"show-and-tell evenings", "discussion evenings around a book", "Q&A sessions with maintainers",
}

var cadencePhrases = map[ch.Cadence][]string{
	"weekly":       {"every week", "every Wednesday evening", "every Saturday morning"},
	"fortnightly":  {"every other Thursday", "every two weeks"},
	"monthly":      {"on the first Tuesday of every month", "once a month", "on the last Thursday of the month"},
	"bimonthly":    {"every two months", "six times a year"},
	"quarterly":    {"four times a year", "once a quarter"},
	"twice-yearly": {"twice a year, in spring and autumn"},
	"yearly":       {"once a year for a full day", "every year"},
}

var venues = []string{
	"Meetups are hosted in turn by local companies, coworking spaces and the university.",
	"We meet at a coworking space in the centre of {city} and stream most talks for those who cannot come.",
	"Venues rotate between our sponsors' offices; the meetup page always has the next address.",
	"We meet in the back room of a café near the station: small, cosy and with good coffee.",
	"The public library lends us a room with a projector, and we move to a nearby bar afterwards.",
}

var closings = []string{
	"Everyone is welcome: please read our [code of conduct]({url}code-of-conduct/) before your first visit.",
	"**Want to speak?** Our call for presentations is always open, and first-time speakers get a mentor and a rehearsal slot.",
	"New here? Say hello on our chat: we are happy to help you find your way.",
	"We are always looking for venues, speakers and volunteers; [get in touch]({url}contact/) if you can help.",
	"Slides and recordings of past sessions are on [our website]({url}).",
}

// description writes a group's Markdown description; a thin one says who
// the group is for but not yet how, when or where it meets.
func description(r *rand.Rand, g *groupSpec, thin bool) string {
	rep := strings.NewReplacer("{name}", g.Name, "{city}", g.City.Name, "{tech}", g.Tech.Name, "{url}", g.Site)
	var b strings.Builder
	para := func(s string) {
		if b.Len() > 0 {
			b.WriteString("\n\n")
		}
		b.WriteString(rep.Replace(s))
	}
	if g.Blurb != "" {
		para(g.Blurb)
	} else {
		para(pick(r, intros))
	}
	if g.Focus != nil {
		para(g.Focus.Line)
	}
	if thin {
		return b.String()
	}
	formats := append(append([]string{}, g.Tech.Extras...), generalFormats...)
	r.Shuffle(len(formats), func(i, j int) { formats[i], formats[j] = formats[j], formats[i] })
	n := 2 + r.IntN(2)
	meet := "We meet " + pick(r, cadencePhrases[g.Cadence]) + " for " + list(formats[:n]) + "."
	if g.Cadence.MeetingsPerYear() <= 4 {
		meet += " In between, we keep the conversation going online."
	}
	para(meet)
	topics := append([]string{}, g.Tech.Topics...)
	r.Shuffle(len(topics), func(i, j int) { topics[i], topics[j] = topics[j], topics[i] })
	switch r.IntN(3) {
	case 0:
		para("Recent sessions covered " + list(topics[:3]) + ".")
	case 1:
		para("Topics we keep coming back to: " + list(topics[:3]) + ".")
	default:
		para("What to expect at a meetup:\n\n- a short welcome and community news\n- one or two talks, for example on " +
			topics[0] + " or " + topics[1] + "\n- time to chat over drinks and snacks from our hosts")
	}
	lang := ""
	if g.City.Lang != "" {
		lang = " " + pick(r, []string{"Talks are in " + g.City.Lang + "; slides are usually in English.",
			"Most talks are in " + g.City.Lang + ", with the occasional one in English."})
	}
	para(pick(r, venues) + lang)
	para(pick(r, closings))
	return b.String()
}

// list joins items as "a, b and c".
func list(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

func pick[T any](r *rand.Rand, from []T) T { return from[r.IntN(len(from))] }

var acceptNotes = []string{
	"Welcome to the program! Ask for a mentor on your checklist: an ambassador will help you with the next steps.",
	"Accepted: a clear description and a good mix of channels. Welcome aboard.",
	"Welcome! Have a look at the steps to official status on your group's checklist.",
}

// declineReasons are generic reasons to decline an application; the plan of
// a declined group shapes the application so that its page agrees with the
// reason (see seeder.plan).
var declineReasons = []string{
	"The application lists a single coordinator. Find at least one co-organiser, ideally from another employer, and resubmit.",
	"Please tell us more about your meetings in the description: who they are for, what formats you plan and where you will meet. A few sentences are enough.",
	"The description reads as a product promotion for one vendor, and every coordinator works there; the Social Media and Event Policy asks groups to stay impartial. Invite co-organisers from other companies, broaden the scope and apply again.",
	"Another group already covers this technology in this city. Please talk to its organisers first; if you still want a separate group, tell us how it will differ.",
}

const (
	declineSingle = iota
	declineVague
	declineVendor
	declineDuplicate
)

var grantNotes = []string{
	"All the steps of the official process are met. Congratulations!",
	"Regular meetings, diverse organisers and active channels: welcome among the official groups.",
	"Official status granted after the ambassador's review. Well done, everyone.",
}

var regrantNotes = []string{
	"Meeting regularly again with a new coordinating team: official status re-granted.",
}

// revokeReasons: each comes with the facts that justify it (see seeder.plan).
var revokeReasons = []string{
	"No meetings for more than a year and the channels have gone quiet. We will gladly re-grant official status once the group meets again.",
	"The co-organisers have stepped down and one person is left to run the group; it needs a team again before it can be official.",
	"Events were repeatedly used to promote one vendor's products, against the Social Media and Event Policy.",
}

const (
	revokeQuiet = iota
	revokeAlone
	revokeVendor
)

var archiveReasons = []string{
	"The organisers asked us to archive the group: it merged with a larger group in the region.",
	"Inactive for more than a year and the organisers could not be reached.",
	"The coordinators moved away and nobody took over. Get in touch if you would like to restart it.",
}

const (
	archiveMerged = iota
	archiveInactive
	archiveMovedAway
)

var withdrawReasons = []string{
	"Withdrawn by the applicants, who decided to join forces with an existing group instead.",
	"Withdrawn by the applicants: the group will apply again once it has found a regular venue.",
}

// passComments are what reviewers write when a step passes, by step ID; ""
// entries leave some verdicts without a comment, as people do.
var passComments = map[string][]string{
	"organisation": {
		"The organisers share the work: venue, speakers and announcements each have an owner, and anyone could step in.",
		"Organisers from different employers, and decisions are made together. A good team.",
		"Met the organisers at the last meetup: the plan of who does what is written down and shared.",
		"",
	},
	"channels": {
		"Meetings are announced three weeks ahead and questions get an answer within a day or two.",
		"The chat is friendly and on topic; spam is removed quickly.",
		"Announcements, slides and recordings are all where members expect them.",
		"",
	},
	"meetings": {
		"A good mix of talks, workshops and hack nights, at the rhythm the group promised.",
		"Attended the last meetup: welcoming, on time, and a standby talk ready.",
		"Regular meetings with varied formats; first-time speakers get a rehearsal slot.",
		"",
	},
}

// reviewComments are the yearly looks at an official group's steps.
var reviewComments = []string{
	"Yearly review: still going strong.",
	"Looked at again after a year: nothing to change.",
	"Yearly review: as good as last year, with more first-time speakers.",
	"",
}

// needsWorkComments are what a mentor asks for when a step needs changes.
var needsWorkComments = map[string]string{
	"organisation": "Everything still goes through one person. Please give the co-organisers their own tasks (venue, speakers, announcements) and write them down where everyone can see them.",
	"channels":     "The chat has questions left unanswered for weeks and some spam. Please give a second organiser admin rights and answer within a few days.",
	"meetings":     "The last two meetings were announced only a few days ahead, and one had no talk in the end. Please plan a standby speaker or a discussion, and announce two to three weeks before.",
}

// replyComments are the organizers' answers to a request for changes.
var replyComments = map[string]string{
	"organisation": "Thanks for the nudge. We now split the work: one of us books venues, one finds speakers, one writes the announcements. The plan is in our shared folder.",
	"channels":     "We have cleaned up the chat, answered the open questions and made two more organisers admins.",
	"meetings":     "Point taken. We have a standby speaker for the next three meetings and now announce three weeks ahead.",
}

// requestNotes are what organizers write when they ask for a validation.
var requestNotes = map[string]string{
	"organisation": "We are now several organisers from different companies, each with their own part of the work. Could you have a look?",
	"channels":     "Our channels are up and running and we answer within a day or two. Could you have a look?",
	"meetings":     "We have met regularly for a while now and recorded our meetings. Could you have a look?",
}

// Verdicts and notes that come with an ending.
const (
	quietChannelsComment  = "No announcement and no answer on any channel for more than a year."
	vendorMeetingsComment = "Three of the last four meetings were product demonstrations by one vendor, announced with its marketing material."
	vendorChannelsComment = "The channels mostly relay one vendor's promotions."
	vendorBlurb           = "The user group for customers of {employer} in {city}: hear about the latest {employer} {tech} releases first and get exclusive previews from the {employer} engineering team."
)
