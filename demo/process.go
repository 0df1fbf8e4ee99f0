package demo

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	ch "chapterhouse"
)

// The official process in a group's story. A group the demo makes official
// meets every step of the program when it is granted and, if it is still
// official, at the demo's present: its coordinators, channels and policy
// agreement come from its application, its meetings are recorded at its
// declared cadence, a mentoring ambassador signs up, and a community
// manager and the mentor validate the steps that need it, again every year.
// Revoked and archived groups stop meeting, lose their team or get a
// "needs work" verdict, as their reason says. New groups are part-way along
// the path, so that the review queue holds real work.
//
// The story is planned in Go and checked with the domain's own evaluation
// (ch.Program.Evaluate) before it is written: a grant whose steps would not
// all be met at its date is written with ChangeStatus instead (history
// brought in), and showcase groups, whose history is complete, get the
// lapses a sweep would have recorded (FollowFacts) when an official group
// stopped meeting a step.

// need is what the program's checks ask of a group.
type need struct {
	people, employers int     // the coordinators check
	ratio             float64 // the meetings check; 0 without one
}

func needOf(p ch.Program) need {
	var n need
	for _, st := range p.Steps {
		for _, c := range st.Checks {
			switch c.Kind {
			case ch.CheckCoordinators:
				n.people, n.employers = max(n.people, c.MinPeople), max(n.employers, c.MinEmployers)
			case ch.CheckMeetings:
				n.ratio = max(n.ratio, c.Ratio)
			}
		}
	}
	return n
}

// want is how many meetings in twelve months the meetings check asks of a
// cadence.
func (s *seeder) want(c ch.Cadence) int {
	if s.need.ratio == 0 {
		return 0
	}
	return ch.MeetingsExpected(c, s.need.ratio)
}

// diverse reports whether coordinators meet the coordinators check.
func (s *seeder) diverse(coords []ch.Coordinator) bool {
	return len(coords) >= s.need.people && employerCount(coords) >= s.need.employers
}

// diversify adds coordinators from employers the group does not have yet
// until the coordinators check passes, replacing the last one when the
// list is full.
func (s *seeder) diversify(g *groupSpec, coords []ch.Coordinator) []ch.Coordinator {
	coords = slices.Clone(coords)
	for !s.diverse(coords) {
		var p *person
		for p == nil || slices.ContainsFunc(coords, func(c ch.Coordinator) bool {
			return c.Email == p.Email || ch.EmployerKey(c.Employer) == ch.EmployerKey(p.Employer)
		}) {
			p = s.newPerson(g.City, "")
		}
		c := ch.Coordinator{Email: p.Email, Name: p.Name, Employer: p.Employer}
		if len(coords) >= 4 {
			coords[len(coords)-1] = c
		} else {
			coords = append(coords, c)
		}
	}
	return coords
}

// regionOf groups cities as ambassadors cover them.
func regionOf(c *city) string {
	switch {
	case c.TimeZone == "Asia/Jerusalem" || c.TimeZone == "Asia/Dubai" || strings.HasPrefix(c.TimeZone, "Africa/"):
		return "africa"
	case strings.HasPrefix(c.TimeZone, "Europe/"):
		return "europe"
	case strings.HasPrefix(c.TimeZone, "America/"):
		return "americas"
	}
	return "asia-pacific"
}

// regionPools are where each region's ambassadors' names come from.
var regionPools = map[string][]string{
	"europe":       {"fr", "de", "en", "es", "it", "nl", "pl", "nordic", "pt", "cz"},
	"africa":       {"ke", "ng", "gh", "za", "ar", "sn", "et"},
	"asia-pacific": {"in", "ja", "ko", "zh", "my", "id", "en", "ph"},
	"americas":     {"us", "latam", "pt"},
}

// mentored reports whether a group's story gives it a mentor.
func mentored(g *groupSpec) bool {
	switch g.Plan {
	case planPending, planDeclined, planWithdrawn:
		return false
	}
	return g.Stage != stageFresh
}

// ambassadors creates the regional ambassadors who mentor the groups that
// no demo ambassador mentors: one for about ten groups, so that each has a
// handful, as volunteers do.
func (s *seeder) ambassadors(ctx context.Context, specs []*groupSpec) error {
	count := map[string]int{}
	for _, g := range specs {
		if mentored(g) && g.Mentor == regionalMentor {
			count[regionOf(g.City)]++
		}
	}
	s.regional = map[string][]*ambassador{}
	at := s.start.AddDate(0, 0, -26)
	for _, region := range []string{"europe", "africa", "asia-pacific", "americas"} {
		for i := range (count[region] + 9) / 10 {
			name := s.name(regionPools[region][i%len(regionPools[region])])
			email := s.email(name, "ambassadors.demo.chapterhouse.example")
			s.at(at.Add(time.Duration(len(s.users)) * 7 * time.Minute))
			u, err := s.createUser(ctx, email, name, s.cm.ID, ch.RoleAmbassador)
			if err != nil {
				return fmt.Errorf("demo: ambassador %s: %w", email, err)
			}
			s.users[email] = u
			s.regional[region] = append(s.regional[region], &ambassador{u: u})
		}
	}
	return nil
}

// ambassador is a regional ambassador and how many groups it mentors.
type ambassador struct {
	u    *ch.User
	load int
}

// mentorOf picks the ambassador who mentors g: the demo ambassadors for the
// showcase groups that name them, otherwise the least busy one of the
// group's region.
func (s *seeder) mentorOf(g *groupSpec) *ch.User {
	switch g.Mentor {
	case demoMentor:
		return s.amb1
	case demoMentor2:
		return s.amb2
	}
	list := s.regional[regionOf(g.City)]
	if len(list) == 0 {
		return s.amb1
	}
	best := list[0]
	for _, a := range list[1:] {
		if a.load < best.load {
			best = a
		}
	}
	best.load++
	return best.u
}

// span is a time interval; an official span ends at a revocation, an
// archival or the present.
type span struct{ from, to time.Time }

// milestones are the dates of a group's story that the process hangs on.
type milestones struct {
	accepted time.Time
	official []span
	// listedUntil is when the group stopped being listed (revoked for good
	// or archived), or the present.
	listedUntil time.Time
	quiet       time.Time // meetings stop
	resume      time.Time // a new team meets again
	vendor      time.Time // a community manager found the meetings promotional
	alone       time.Time // the co-organisers stepped down
	archived    time.Time
}

// officialNow reports whether the group is official at the present, now.
func (m milestones) officialNow(now time.Time) bool {
	n := len(m.official)
	return n > 0 && m.official[n-1].to.Equal(now)
}

func (s *seeder) milestones(g *groupSpec) milestones {
	m := milestones{listedUntil: s.now}
	var grantAt time.Time
	for _, st := range g.steps {
		switch {
		case st.kind == stepAccept:
			m.accepted = st.at
		case st.kind == stepGrant || (st.kind == stepStatus && st.to == ch.StatusOfficial):
			grantAt = st.at
			m.listedUntil = s.now
		case st.kind == stepStatus && (st.to == ch.StatusRevoked || st.to == ch.StatusArchived):
			if !grantAt.IsZero() {
				m.official = append(m.official, span{grantAt, st.at})
				grantAt = time.Time{}
			}
			m.listedUntil = st.at
			if st.to == ch.StatusArchived {
				m.archived = st.at
			}
		case st.kind == stepUpdate && len(st.coords) < s.need.people && !grantAt.IsZero():
			m.alone = st.at // an official group loses its team
		case st.kind == stepMark && st.mark == markQuiet:
			m.quiet = st.at
		case st.kind == stepMark && st.mark == markResume:
			m.resume = st.at
		case st.kind == stepMark && st.mark == markVendor:
			m.vendor = st.at
		}
	}
	if !grantAt.IsZero() {
		m.official = append(m.official, span{grantAt, s.now})
	}
	return m
}

// process adds the official process to a group's story, whose milestones
// (application, review, grants, revocation, archival) are dated: meetings,
// mentoring, validations, requests and comments.
func (s *seeder) process(g *groupSpec) {
	m := s.milestones(g)
	if m.accepted.IsZero() {
		return // applications under review, declined or withdrawn: no checklist yet
	}
	g.habits = s.newHabits(g)
	zone := g.City.TimeZone

	// When the group began meeting: long before applying for groups that
	// become official, and for some new groups; only lately for others.
	established := g.Plan != planNew && g.Plan != planResubmitted && g.Plan != planArchivedNew
	switch {
	case established || g.Stage == stageReady:
		g.founded = m.accepted.Add(-s.days(400, 1000))
	case g.Stage == stageMentored && !g.alone, s.r.IntN(2) == 0:
		g.founded = m.accepted.Add(s.days(0, 20))
	default:
		g.founded = m.accepted.Add(-s.days(90, 900))
	}

	// Compact histories (generated groups) record only what the checks
	// look at now: the last twelve months of meetings of listed groups. A
	// grant before that is written as history (see settle).
	keepFrom := time.Time{}
	if !g.full {
		keepFrom = s.now.AddDate(-1, 0, -14)
		if !m.archived.IsZero() {
			keepFrom = s.now // nothing of a closed group is looked at
		}
	}

	// Meetings: organizers record the past year's meetings when they start
	// the checklist, and each later meeting a few days after it is held.
	backfill := s.daytime(m.accepted.Add(s.days(1, 10)), zone)
	end := m.listedUntil
	if end.Before(s.now) {
		end = end.Add(-5 * 24 * time.Hour) // recorded before the group is closed
	}
	segment := func(from, to, noSkipUntil time.Time) {
		from = later(from, keepFrom)
		to = earlier(to, s.now.Add(-2*24*time.Hour))
		var anchor time.Time
		if noSkipUntil.IsZero() && to.After(s.now.Add(-3*24*time.Hour)) {
			// Still meeting: the latest meeting was lately.
			anchor = s.now.Add(-s.days(2, min(40, 365/max(g.Cadence.MeetingsPerYear(), 1))))
		}
		for _, t := range g.habits.slots(g.Cadence, from, to, noSkipUntil, anchor) {
			rec := backfill
			if t.After(backfill) {
				rec = s.daytime(t.Add(s.days(1, 4)), zone)
				if rec.After(end) && end.Before(s.now) {
					continue
				}
			}
			g.steps = append(g.steps, step{at: rec, kind: stepMeeting, meeting: s.meeting(g, g.habits, t)})
		}
	}
	stop := end
	if !m.quiet.IsZero() {
		stop = earlier(stop, m.quiet)
	}
	segment(later(g.founded, m.accepted.AddDate(0, -13, 0)), stop, time.Time{})
	if !m.resume.IsZero() && len(m.official) > 0 {
		// A new team meets at once and without a break until the group is
		// official again, then as any group still meeting.
		regrant := m.official[len(m.official)-1].from
		segment(m.resume, regrant, m.resume.AddDate(1, 0, 0))
		segment(regrant, end, time.Time{})
	}

	// A mentor signs up, or a community manager assigns one.
	var mentorAt time.Time
	if mentored(g) && (g.Plan != planArchivedNew || s.r.IntN(5) < 3) && (g.full || m.archived.IsZero()) {
		g.mentor = s.mentorOf(g)
		lo, hi := 3, 25
		if !established {
			lo, hi = 3, 40
		}
		mentorAt = s.daytime(m.accepted.Add(s.days(lo, hi)), zone)
		if mentorAt.After(m.listedUntil) {
			mentorAt = m.accepted.Add(m.listedUntil.Sub(m.accepted) / 3)
		}
		by := g.mentor // signing up
		if s.r.IntN(10) < 3 {
			by = s.cm // assigning
		}
		g.steps = append(g.steps, step{at: mentorAt, kind: stepMentor, user: g.mentor, by: by})
		if !m.archived.IsZero() {
			g.steps = append(g.steps, step{at: m.archived.Add(time.Duration(5+s.r.IntN(120)) * time.Minute), kind: stepUnmentor, user: g.mentor, by: s.cm})
		}
	}
	s.sortSteps(g)

	// Validations: before each grant, every step that needs them is
	// validated by each role once its checks pass; then again about every
	// eleven months while the group is official and active.
	for i, sp := range m.official {
		lo := m.accepted
		if i > 0 {
			lo = later(m.official[i-1].to, m.resume) // the new team
		}
		given := s.validateAll(g, lo, sp.from, mentorAt, nil)
		active := sp.to
		for _, t := range []time.Time{m.quiet, m.vendor, m.alone} {
			if !t.IsZero() && t.After(sp.from) && t.Before(active) {
				active = t
			}
		}
		for prev := given; ; {
			next := s.daytime(prev.Add(s.days(300, 340)), cmTimeZone)
			if next.After(active.Add(-7 * 24 * time.Hour)) {
				break
			}
			s.review(g, next, active, mentorAt)
			prev = next
		}
		if sp.to.Equal(s.now) {
			s.topUp(g, lo, mentorAt)
		}
	}

	// The facts behind an ending.
	if (g.Plan == planRevoked && g.Ending-1 == revokeQuiet) || g.Plan == planRegranted {
		at := s.daytime(m.official[0].to.Add(-s.days(1, 5)), cmTimeZone)
		s.verdict(g, "channels", ch.RoleCommunityManager, ch.VerdictNeedsWork, quietChannelsComment, at)
	}
	if !m.vendor.IsZero() {
		s.verdict(g, "meetings", ch.RoleCommunityManager, ch.VerdictNeedsWork, vendorMeetingsComment, m.vendor)
		s.verdict(g, "channels", ch.RoleCommunityManager, ch.VerdictNeedsWork, vendorChannelsComment, m.vendor.Add(time.Duration(2+s.r.IntN(20))*time.Minute))
	}

	// New groups are part-way along the path.
	if len(m.official) == 0 {
		s.newGroupPath(g, m, mentorAt)
	}
	s.sortSteps(g)

	if !g.full {
		// Of the verdicts, compact histories keep the latest in each role
		// on each step, when it still counts; and they keep no comments.
		seen := map[string]bool{}
		drop := make([]bool, len(g.steps))
		for i := len(g.steps) - 1; i >= 0; i-- {
			switch st := g.steps[i]; st.kind {
			case stepComment:
				drop[i] = true
			case stepValidate:
				key := st.stepID + " " + string(st.role)
				counts := st.verdict == ch.VerdictNeedsWork || s.program.Validity().After(st.at).After(s.now)
				drop[i] = seen[key] || !counts || !m.archived.IsZero()
				seen[key] = true
			}
		}
		kept := g.steps[:0]
		for i, st := range g.steps {
			if !drop[i] {
				kept = append(kept, st)
			}
		}
		g.steps = kept
	}
}

// validateAll has every step that needs validations validated in every
// role before by, in the two months before it and once its checks pass
// (not before lo), except in the roles skip reports (skip may be nil); it
// returns the date of the oldest validation, from which the next yearly
// review is due.
func (s *seeder) validateAll(g *groupSpec, lo, by, mentorAt time.Time, skip func(stepID string, role ch.Role) bool) time.Time {
	oldest := time.Time{}
	for _, st := range s.program.Steps {
		if len(st.Roles) == 0 {
			continue
		}
		tp := s.passTime(g, st, lo, by)
		if tp.IsZero() {
			continue // the checks never pass: the grant is written as history
		}
		for _, role := range st.Roles {
			if skip != nil && skip(st.ID, role) {
				continue
			}
			from := later(tp, by.AddDate(0, -2, 0))
			if role == ch.RoleAmbassador {
				from = later(from, mentorAt)
			}
			at, ok := s.between(from, by)
			if !ok {
				continue
			}
			s.verdict(g, st.ID, role, ch.VerdictPass, pickComment(s, passComments[st.ID]), at)
			if oldest.IsZero() || at.Before(oldest) {
				oldest = at
			}
		}
	}
	if oldest.IsZero() {
		return by
	}
	return oldest
}

// topUp validates again, lately, each step of a group that is official now
// whose latest verdict in some role is missing, asks for changes or is
// more than nine months old (a validation counts twelve): so every step is
// validated at the demo's present and stays so for months after.
func (s *seeder) topUp(g *groupSpec, lo, mentorAt time.Time) {
	s.sortSteps(g)
	type key struct {
		stepID string
		role   ch.Role
	}
	latest := map[key]step{}
	for _, x := range g.steps {
		if x.kind == stepValidate {
			latest[key{x.stepID, x.role}] = x
		}
	}
	fresh := func(stepID string, role ch.Role) bool {
		x, ok := latest[key{stepID, role}]
		return ok && x.verdict == ch.VerdictPass && x.at.After(s.now.AddDate(0, -9, 0))
	}
	s.validateAll(g, lo, s.now, mentorAt, fresh)
}

// review is a yearly look at an official group: every step that needs
// validations is validated again, within a fortnight from at (and before
// before).
func (s *seeder) review(g *groupSpec, at, before, mentorAt time.Time) {
	comment := pickComment(s, reviewComments)
	for _, st := range s.program.Steps {
		for _, role := range st.Roles {
			t := at
			if n := s.r.IntN(15); n > 0 {
				t = s.daytime(at.AddDate(0, 0, n), cmTimeZone)
			}
			if !t.Before(before) || !t.After(mentorAt) {
				t = at
			}
			s.verdict(g, st.ID, role, ch.VerdictPass, comment, t)
		}
	}
}

// verdict adds a validation by whoever holds role for the group.
func (s *seeder) verdict(g *groupSpec, stepID string, role ch.Role, v ch.Verdict, comment string, at time.Time) {
	st, ok := s.program.Step(stepID)
	if !ok || !slices.Contains(st.Roles, role) {
		return
	}
	by := s.validator(g, role)
	if by == nil {
		return
	}
	g.steps = append(g.steps, step{at: at, kind: stepValidate, stepID: stepID, role: role, verdict: v, reason: comment, by: by})
}

func (s *seeder) validator(g *groupSpec, role ch.Role) *ch.User {
	switch role {
	case ch.RoleCommunityManager:
		return s.cm
	case ch.RoleAmbassador:
		return g.mentor
	case ch.RoleApprover:
		return s.approver
	}
	return nil
}

// between picks a moment after from and before to: in the community
// manager's working hours on a day in between when there is one.
func (s *seeder) between(from, to time.Time) (time.Time, bool) {
	if !to.After(from) {
		return time.Time{}, false
	}
	if days := int(to.Sub(from).Hours() / 24); days >= 2 {
		d := s.daytime(from.Add(time.Duration(1+s.r.IntN(days-1))*24*time.Hour), cmTimeZone)
		if d.After(from) && d.Before(to) {
			return d, true
		}
	}
	return from.Add(to.Sub(from) / 2).Truncate(time.Second), to.Sub(from) > 2*time.Second
}

// newGroupPath walks a new group part of the way, as its stage says.
func (s *seeder) newGroupPath(g *groupSpec, m milestones, mentorAt time.Time) {
	until := m.listedUntil
	// Validations count for a year: those of a new group are recent.
	lo := later(m.accepted, s.now.AddDate(0, -10, 0))
	if until.Before(s.now) {
		lo = m.accepted
	}
	type passing struct {
		step ch.Step
		at   time.Time
	}
	var pass []passing
	for _, st := range s.program.Steps {
		if len(st.Roles) == 0 {
			continue
		}
		if tp := s.passTime(g, st, m.accepted, until); !tp.IsZero() {
			pass = append(pass, passing{st, later(tp, lo)})
		}
	}
	if len(pass) == 0 {
		return
	}
	// The step the story turns on: the last whose checks passed, or the
	// meetings step when a mentor asks for changes.
	focus := 0
	for i := range pass {
		if !pass[i].at.Before(pass[focus].at) {
			focus = i
		}
	}
	if g.Stage == stageNeedsWork {
		if i := slices.IndexFunc(pass, func(p passing) bool { return p.step.ID == "meetings" }); i >= 0 {
			focus = i
		}
	}
	for i, p := range pass {
		for _, role := range p.step.Roles {
			if g.mentor == nil && role == ch.RoleAmbassador {
				continue
			}
			if g.Stage == stageFresh && s.r.IntN(2) == 0 {
				continue // the community manager has not looked yet
			}
			if g.Stage == stageWaiting && i == focus && (role != ch.RoleCommunityManager || s.r.IntN(2) == 0) {
				continue // the request below waits for this one
			}
			from := p.at
			if role == ch.RoleAmbassador {
				from = later(from, mentorAt)
			}
			at, ok := s.between(from, until)
			if !ok {
				continue
			}
			v, comment := ch.VerdictPass, pickComment(s, passComments[p.step.ID])
			if g.Stage == stageNeedsWork && i == focus && role == ch.RoleAmbassador {
				v, comment = ch.VerdictNeedsWork, needsWorkComments[p.step.ID]
				if comment == "" {
					comment = "Please have another look at this step with your fellow organizers."
				}
				if reply := replyComments[p.step.ID]; reply != "" && g.full {
					if t, ok := s.between(at, until); ok {
						g.steps = append(g.steps, step{at: t, kind: stepComment, stepID: p.step.ID, reason: reply})
					}
				}
			}
			s.verdict(g, p.step.ID, role, v, comment, at)
		}
	}
	if g.Stage == stageWaiting {
		p := pass[focus]
		note := requestNotes[p.step.ID]
		if at, ok := s.between(later(p.at, until.Add(-20*24*time.Hour)), until); ok {
			g.steps = append(g.steps, step{at: at, kind: stepRequest, stepID: p.step.ID, reason: note})
		}
	}
}

// pickComment picks one of comments, "" when there are none.
func pickComment(s *seeder, comments []string) string {
	if len(comments) == 0 {
		return ""
	}
	return pick(s.r, comments)
}

// state is what the checks of a group look at, at one moment of its story.
type state struct {
	coords  []ch.Coordinator
	mentors int
	held    []time.Time // meetings recorded by then
	vals    []ch.Validation
}

// stateAt replays a group's story (sorted) up to t.
func (s *seeder) stateAt(g *groupSpec, t time.Time) state {
	st := state{coords: g.app.Coordinators}
	for _, x := range g.steps {
		if x.at.After(t) {
			break
		}
		switch x.kind {
		case stepUpdate:
			st.coords = x.coords
		case stepMentor:
			st.mentors++
		case stepUnmentor:
			st.mentors--
		case stepMeeting:
			st.held = append(st.held, x.meeting.HeldOn)
		case stepValidate:
			st.vals = append(st.vals, ch.Validation{StepID: x.stepID, Role: x.role, Verdict: x.verdict, ByID: x.by.ID, At: x.at})
		}
	}
	return st
}

// heldInYear counts the meetings the meetings check counts at t: held in
// the twelve months before it, as the store counts them.
func heldInYear(held []time.Time, t time.Time) int {
	from, n := t.AddDate(-1, 0, 0), 0
	for _, h := range held {
		if h.After(from) && !h.After(t) {
			n++
		}
	}
	return n
}

// facts are the group's facts at t, as the store gathers them.
func (s *seeder) facts(g *groupSpec, st state, t time.Time) ch.GroupFacts {
	grp := &ch.Group{Name: g.app.Name, ShortName: g.app.ShortName, Description: g.app.Description, City: g.app.City,
		Country: g.app.Country, Latitude: g.app.Latitude, Longitude: g.app.Longitude, TimeZone: g.app.TimeZone,
		OrganiserEmails: g.app.OrganiserEmails, URLs: g.app.URLs, Channels: g.app.Channels, Coordinators: st.coords,
		Cadence: g.app.Cadence, PolicyVersion: s.policy}
	f := ch.GroupFactsOf(grp, s.reqs, s.policy)
	f.MeetingsLastYear = heldInYear(st.held, t)
	f.Ambassadors = st.mentors
	return f
}

// evaluate is the group's checklist at t, by the domain's rules.
func (s *seeder) evaluate(g *groupSpec, t time.Time) []ch.StepResult {
	st := s.stateAt(g, t)
	return s.program.Evaluate(s.facts(g, st, t), st.vals, t)
}

// passTime is the first moment from lo on, and before hi, when the checks of
// step pass, or zero. It looks only at the moments the facts change, and
// judges them by the domain's rules (ch.Program.Evaluate) on step alone.
func (s *seeder) passTime(g *groupSpec, step ch.Step, lo, hi time.Time) time.Time {
	candidates := []time.Time{lo}
	for _, x := range g.steps {
		if x.at.After(lo) && x.at.Before(hi) && (x.kind == stepUpdate || x.kind == stepMentor || x.kind == stepMeeting) {
			candidates = append(candidates, x.at)
		}
	}
	only := ch.Program{Steps: []ch.Step{step}}
	for _, t := range candidates {
		st := s.stateAt(g, t)
		r := only.Evaluate(s.facts(g, st, t), nil, t)[0]
		if !slices.ContainsFunc(r.Checks, func(c ch.CheckResult) bool { return !c.Met }) {
			return t
		}
	}
	return time.Time{}
}

// settle checks the story against the program before it is written: each
// grant whose steps would not all be met at its date becomes history
// brought in (ChangeStatus); in complete histories, every time the failing
// steps of an official group change, the group's facts are followed as the
// workflow and the periodic sweep do, so the history shows the lapse.
func (s *seeder) settle(g *groupSpec) {
	for i := range g.steps {
		if st := &g.steps[i]; st.kind == stepGrant && !ch.AllMet(s.evaluate(g, st.at)) {
			st.kind, st.to = stepStatus, ch.StatusOfficial
			if g.full {
				s.historyGrants++
			}
		}
	}
	m := s.milestones(g)
	if m.officialNow(s.now) && !ch.AllMet(s.evaluate(g, s.now)) {
		s.unmetNow++
	}
	if !g.full {
		return
	}
	var follows []step
	for _, sp := range m.official {
		type candidate struct {
			at     time.Time
			action bool // right after something someone did
		}
		var cands []candidate
		for _, x := range g.steps {
			if x.at.After(sp.from) && x.at.Before(sp.to) && x.kind != stepMark {
				cands = append(cands, candidate{x.at, true})
			}
			if x.kind == stepMeeting {
				if t := x.meeting.HeldOn.AddDate(1, 0, 0).Add(time.Second); t.After(sp.from) && t.Before(sp.to) {
					cands = append(cands, candidate{t, false})
				}
			}
			if x.kind == stepValidate {
				if t := s.program.Validity().After(x.at); t.After(sp.from) && t.Before(sp.to) {
					cands = append(cands, candidate{t, false})
				}
			}
		}
		slices.SortStableFunc(cands, func(a, b candidate) int { return a.at.Compare(b.at) })
		failing := ""
		for _, c := range cands {
			now := strings.Join(ch.Unmet(s.evaluate(g, c.at)), "\n")
			if now == failing {
				continue
			}
			failing = now
			delay := time.Duration(1+s.r.IntN(15)) * time.Minute // the next sweep
			if c.action {
				delay = time.Duration(5+s.r.IntN(60)) * time.Second // the workflow, right after the change
			}
			follows = append(follows, step{at: s.before(g, c.at, delay), kind: stepFollow})
		}
		if failing != "" && sp.to.Before(s.now) {
			// The next sweep clears the lapse of a group that is no
			// longer official.
			follows = append(follows, step{at: s.before(g, sp.to, time.Duration(1+s.r.IntN(15))*time.Minute), kind: stepFollow})
		}
	}
	g.steps = append(g.steps, follows...)
	s.sortSteps(g)
}

// before returns t+d, or earlier if another step of g comes first, so that
// a follow-up sees the facts it follows.
func (s *seeder) before(g *groupSpec, t time.Time, d time.Duration) time.Time {
	at := t.Add(d)
	i, _ := slices.BinarySearchFunc(g.steps, t, func(x step, t time.Time) int {
		if !x.at.After(t) {
			return -1
		}
		return 1
	})
	if i < len(g.steps) && !g.steps[i].at.After(at) {
		at = t.Add(g.steps[i].at.Sub(t) / 2)
	}
	return earlier(at, s.now)
}

// sortSteps orders a group's story by date and makes the dates strictly
// increasing (two actions a minute apart at least), never after the
// present.
func (s *seeder) sortSteps(g *groupSpec) {
	slices.SortStableFunc(g.steps, func(a, b step) int { return a.at.Compare(b.at) })
	for i := 1; i < len(g.steps); i++ {
		if prev := g.steps[i-1].at; !g.steps[i].at.After(prev) {
			g.steps[i].at = prev.Add(time.Duration(60+s.r.IntN(120)) * time.Second)
		}
		if g.steps[i].at.After(s.now) {
			g.steps[i].at = s.now
		}
	}
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// youngSpan is how long a group that began meeting lately needs before its
// meetings pass the check: the meetings it asks for, at the cadence.
func (s *seeder) youngSpan(c ch.Cadence) time.Duration {
	perYear := c.MeetingsPerYear()
	if perYear == 0 {
		return 0
	}
	return time.Duration(float64(max(s.want(c)-1, 0)) * 365.25 / float64(perYear) * float64(24*time.Hour))
}

// regrantDelay is how long after a new team starts meeting a group has
// met often enough to be official again: the meetings its cadence asks for
// a year, the first one in the first month.
func (s *seeder) regrantDelay(c ch.Cadence) time.Duration {
	perYear := c.MeetingsPerYear()
	if perYear == 0 {
		return s.days(30, 60)
	}
	interval := 365.25 / float64(perYear)
	first := 8.0 // week-based rhythms meet in the first week
	if c == "monthly" || c == "bimonthly" {
		first = interval + 7 // the month's meeting may have passed
	}
	d := float64(max(s.want(c)-1, 0))*interval + first
	return time.Duration(math.Ceil(d))*24*time.Hour + s.days(7, 20)
}
