package chapterhouse

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// GroupFacts is what step evaluation needs to know about a group. The store
// gathers it; GroupFactsOf fills what the Group itself holds.
type GroupFacts struct {
	PolicyVersion        int // the policy version the group agreed to; 0 when it never agreed
	CurrentPolicyVersion int // the policy version in force
	CompletenessPercent  int
	CompletenessMissing  []string // Completeness.Missing: "Add a web address."
	Coordinators         []Coordinator
	Channels             int
	// MeetingsLastYear counts the meetings held in the twelve months before
	// now, whether recorded by hand or held through the portal.
	MeetingsLastYear int
	Cadence          Cadence         // what the group declared
	AcceptedRhythm   *AcceptedRhythm // a community manager's override of the cadence, if any
	Ambassadors      int             // mentoring ambassadors
	// NotNeeded maps a step ID to the reason a community manager gave for
	// marking it not needed; only steps with NotNeededAllowed honour it.
	NotNeeded map[string]string
}

// GroupFactsOf fills the facts a Group holds: policy, completeness against
// the program's requirements, coordinators, channels and cadence. The caller
// adds meetings, ambassadors, the accepted rhythm and not-needed marks.
func GroupFactsOf(g *Group, reqs []Requirement, currentPolicyVersion int) GroupFacts {
	c := g.Completeness(reqs)
	return GroupFacts{
		PolicyVersion:        g.PolicyVersion,
		CurrentPolicyVersion: currentPolicyVersion,
		CompletenessPercent:  c.Percent,
		CompletenessMissing:  c.Missing,
		Coordinators:         slices.Clone(g.Coordinators),
		Channels:             len(g.Channels),
		Cadence:              g.Cadence,
	}
}

// AcceptedRhythm is a community manager's decision that a group is measured
// against another cadence than the one it declared, with a note saying why
// ("two large, structured events a year suit the local culture").
type AcceptedRhythm struct {
	Cadence Cadence
	Note    string
	ByID    int64
	ByName  string
	At      time.Time
}

// Validate checks a rhythm a community manager is about to accept.
func (r *AcceptedRhythm) Validate() error {
	fe := FieldErrors{}
	if !slices.Contains(Cadences, r.Cadence) {
		fe.Add("cadence", "Choose the rhythm the group is measured against.")
	}
	switch n := utf8.RuneCountInString(strings.TrimSpace(r.Note)); {
	case n == 0:
		fe.Add("note", "Say why this rhythm suits the group; organizers and other reviewers read it.")
	case n > MaxCommentLen:
		fe.Add("note", AtMostChars(MaxCommentLen))
	}
	return fe.Err()
}

// Verdict is the outcome of a validation.
type Verdict string

const (
	VerdictPass      Verdict = "pass"
	VerdictNeedsWork Verdict = "needs_work"
)

// MaxCommentLen bounds validation comments and rhythm notes.
const MaxCommentLen = 5000

// Validation is a reviewer's verdict on one step of one group, given in one
// of the roles the step requires.
type Validation struct {
	StepID  string
	Role    Role
	Verdict Verdict
	Comment string
	ByID    int64
	ByName  string
	At      time.Time
}

// Validate checks a verdict as a reviewer submits it. Asking for changes
// needs a comment: the organizers must know what to change.
func (v *Validation) Validate() error {
	fe := FieldErrors{}
	switch v.Verdict {
	case VerdictPass:
	case VerdictNeedsWork:
		if strings.TrimSpace(v.Comment) == "" {
			fe.Add("comment", "Say what the organizers should change.")
		}
	default:
		fe.Add("verdict", "Use pass or needs_work.")
	}
	if utf8.RuneCountInString(v.Comment) > MaxCommentLen {
		fe.Add("comment", AtMostChars(MaxCommentLen))
	}
	return fe.Err()
}

// StepState is where a group stands on one step.
type StepState string

const (
	StepMet                StepState = "met"                 // checks pass; no validation needed
	StepNotMet             StepState = "not_met"             // a check fails
	StepAwaitingValidation StepState = "awaiting_validation" // checks pass; a required role has not validated
	StepValidated          StepState = "validated"           // checks pass; every required role passed it
	StepNeedsWork          StepState = "needs_work"          // a required role asked for changes
	StepExpired            StepState = "expired"             // it was validated, but a validation is too old
	StepNotNeeded          StepState = "not_needed"          // a community manager marked it not needed
)

// Satisfied reports whether a step in this state counts towards official
// status.
func (s StepState) Satisfied() bool {
	return s == StepMet || s == StepValidated || s == StepNotNeeded
}

// Label is the state as pages show it.
func (s StepState) Label() string {
	return map[StepState]string{
		StepMet: "Met", StepNotMet: "Not met yet", StepAwaitingValidation: "Waiting for validation",
		StepValidated: "Validated", StepNeedsWork: "Needs work", StepExpired: "Validation expired",
		StepNotNeeded: "Not needed",
	}[s]
}

// CheckResult is the outcome of one check, explained: Have says what is
// there, Todo what is missing (empty when the check passes).
type CheckResult struct {
	Check Check
	Met   bool
	Have  string // "2 coordinators from 1 employer"
	Todo  string // "add a coordinator from another employer"
}

// Explanation is the result in one sentence: "2 coordinators from 1
// employer: add a coordinator from another employer."
func (c CheckResult) Explanation() string {
	s := capitalize(c.Have)
	if c.Todo != "" {
		s += ": " + c.Todo
	}
	return s + "."
}

// StepResult is where a group stands on a step, why, and what to do next.
type StepResult struct {
	Step   Step
	State  StepState
	Checks []CheckResult
	// Validations are those that count: the latest per required role, not
	// expired, in the order of Step.Roles.
	Validations []Validation
	// MissingRoles are the required roles without a counting pass.
	MissingRoles []Role
	// Expires is when the validation will lapse (validated) or lapsed
	// (expired); zero otherwise.
	Expires         time.Time
	NotNeededReason string
	// Next tells the organizers exactly what to do next.
	Next string
}

// Evaluate computes every step of the program for a group at time now.
//
// Checks must all pass before validations matter. For each required role the
// latest validation counts, unless it is older than ValidationValidity. A
// needs_work verdict that counts makes the step needs_work until the same
// role gives a newer pass; a step whose validations all passed but some have
// lapsed is expired. One person counts for one role only: a pass by someone
// who already counts for another role of the step leaves the role missing.
// Validations for other steps or for roles the step does not require are
// ignored.
func (p Program) Evaluate(f GroupFacts, vals []Validation, now time.Time) []StepResult {
	out := make([]StepResult, 0, len(p.Steps))
	for _, s := range p.Steps {
		out = append(out, p.evaluateStep(s, f, vals, now))
	}
	return out
}

func (p Program) evaluateStep(s Step, f GroupFacts, vals []Validation, now time.Time) StepResult {
	r := StepResult{Step: s}
	if s.NotNeededAllowed {
		r.NotNeededReason = strings.TrimSpace(f.NotNeeded[s.ID])
	}
	checksMet := true
	for _, c := range s.Checks {
		cr := evaluateCheck(c, f, r.NotNeededReason)
		checksMet = checksMet && cr.Met
		r.Checks = append(r.Checks, cr)
	}

	// The latest validation per required role.
	validity := p.Validity()
	var needsWork []Validation
	var lapsed []time.Time // expiry of latest passes that are too old
	usedBy := map[int64]bool{}
	for _, role := range s.Roles {
		latest, ok := latestValidation(vals, s.ID, role)
		if !ok {
			r.MissingRoles = append(r.MissingRoles, role)
			continue
		}
		expires := validity.After(latest.At)
		if !now.Before(expires) {
			if latest.Verdict == VerdictPass {
				lapsed = append(lapsed, expires)
			}
			r.MissingRoles = append(r.MissingRoles, role)
			continue
		}
		switch latest.Verdict {
		case VerdictNeedsWork:
			needsWork = append(needsWork, latest)
			r.Validations = append(r.Validations, latest)
			r.MissingRoles = append(r.MissingRoles, role)
		case VerdictPass:
			if latest.ByID != 0 && usedBy[latest.ByID] {
				r.MissingRoles = append(r.MissingRoles, role)
				continue
			}
			usedBy[latest.ByID] = true
			r.Validations = append(r.Validations, latest)
			if r.Expires.IsZero() || expires.Before(r.Expires) {
				r.Expires = expires
			}
		default:
			r.MissingRoles = append(r.MissingRoles, role)
		}
	}

	switch {
	case r.NotNeededReason != "":
		r.State = StepNotNeeded
		r.Expires = time.Time{}
	case !checksMet:
		r.State = StepNotMet
		r.Expires = time.Time{}
	case len(s.Roles) == 0:
		r.State = StepMet
	case len(needsWork) > 0:
		r.State = StepNeedsWork
		r.Expires = time.Time{}
	case len(r.MissingRoles) == 0:
		r.State = StepValidated
	case len(lapsed) > 0 && len(lapsed)+countPasses(r.Validations) == len(s.Roles):
		// Every role passed the step; only age took some passes away.
		r.State = StepExpired
		r.Expires = slices.MinFunc(lapsed, time.Time.Compare)
	default:
		r.State = StepAwaitingValidation
		r.Expires = time.Time{}
	}
	r.Next = nextSentence(r, needsWork, validity, now)
	return r
}

func countPasses(vals []Validation) int {
	n := 0
	for _, v := range vals {
		if v.Verdict == VerdictPass {
			n++
		}
	}
	return n
}

// latestValidation returns the newest validation of a step in a role; of two
// given at the same instant, the later in the list wins.
func latestValidation(vals []Validation, stepID string, role Role) (Validation, bool) {
	var latest Validation
	found := false
	for _, v := range vals {
		if v.StepID != stepID || v.Role != role {
			continue
		}
		if !found || !v.At.Before(latest.At) {
			latest, found = v, true
		}
	}
	return latest, found
}

func evaluateCheck(c Check, f GroupFacts, notNeededReason string) CheckResult {
	r := CheckResult{Check: c}
	switch c.Kind {
	case CheckPolicy:
		switch {
		case f.CurrentPolicyVersion < 1:
			r.Have = "no Social Media and Event Policy is published yet"
			r.Todo = "a community manager publishes it first"
		case f.PolicyVersion >= f.CurrentPolicyVersion:
			r.Met = true
			r.Have = fmt.Sprintf("agreed to the current Social Media and Event Policy (version %d)", f.CurrentPolicyVersion)
		case f.PolicyVersion < 1:
			r.Have = "the Social Media and Event Policy is not agreed to yet"
			r.Todo = "read it with your fellow organizers and tick the box to agree"
		default:
			r.Have = fmt.Sprintf("agreed to version %d of the Social Media and Event Policy, but version %d is now in force", f.PolicyVersion, f.CurrentPolicyVersion)
			r.Todo = fmt.Sprintf("read what changed and agree to version %d", f.CurrentPolicyVersion)
		}
	case CheckCompleteness:
		r.Met = f.CompletenessPercent >= c.MinPercent
		r.Have = fmt.Sprintf("contact information %d%% complete", f.CompletenessPercent)
		if !r.Met {
			var todo []string
			for _, m := range f.CompletenessMissing {
				if m = strings.TrimSuffix(strings.TrimSpace(m), "."); m != "" {
					todo = append(todo, lowerFirst(m))
				}
			}
			if len(todo) == 0 {
				todo = []string{fmt.Sprintf("complete the group's profile to reach %d%%", c.MinPercent)}
			}
			r.Todo = strings.Join(todo, "; ")
		}
	case CheckCoordinators:
		r = coordinatorsCheck(c, f.Coordinators)
	case CheckChannels:
		r.Met = f.Channels >= c.MinChannels
		if f.Channels == 0 {
			r.Have = "no channel listed"
		} else {
			r.Have = plural(f.Channels, "channel", "channels") + " listed"
		}
		if !r.Met {
			if f.Channels == 0 && c.MinChannels == 1 {
				r.Todo = "list a channel where members can reach the group: a mailing list, chat, forum or meetup page"
			} else {
				r.Todo = fmt.Sprintf("list %s (%d needed)", plural(c.MinChannels-f.Channels, "more channel", "more channels"), c.MinChannels)
			}
		}
	case CheckMeetings:
		r = meetingsCheck(c, f)
	case CheckAmbassador:
		switch {
		case notNeededReason != "":
			r.Met = true
			r.Have = "mentoring marked not needed: " + notNeededReason
		case f.Ambassadors >= c.MinAmbassadors:
			r.Met = true
			r.Have = plural(f.Ambassadors, "ambassador mentors", "ambassadors mentor") + " the group"
		default:
			if f.Ambassadors == 0 {
				r.Have = "no ambassador mentors the group yet"
			} else {
				r.Have = plural(f.Ambassadors, "ambassador mentors", "ambassadors mentor") + " the group"
			}
			if c.MinAmbassadors-f.Ambassadors == 1 {
				r.Todo = "ask for a mentor on the checklist: an ambassador signs up, or a community manager assigns one"
			} else {
				r.Todo = fmt.Sprintf("ask for %d more mentors on the checklist", c.MinAmbassadors-f.Ambassadors)
			}
		}
	default:
		r.Have = fmt.Sprintf("the portal does not know the check %q", c.Kind)
		r.Todo = "a community manager fixes the program definition"
	}
	return r
}

// EmployerKey is how employers are compared: case, spaces and surrounding
// blanks do not matter ("ACME Corp" and "acme  corp" are one employer).
func EmployerKey(employer string) string {
	return strings.ToLower(strings.Join(strings.Fields(employer), ""))
}

func coordinatorsCheck(c Check, coords []Coordinator) CheckResult {
	r := CheckResult{Check: c}
	employers := map[string]bool{}
	noEmployer := 0
	for _, co := range coords {
		if k := EmployerKey(co.Employer); k != "" {
			employers[k] = true
		} else {
			noEmployer++
		}
	}
	people, emps := len(coords), len(employers)
	r.Met = people >= c.MinPeople && emps >= c.MinEmployers
	switch {
	case people == 0:
		r.Have = "no coordinator listed"
	case emps == 0:
		r.Have = plural(people, "coordinator", "coordinators") + ", no employer given"
	default:
		r.Have = plural(people, "coordinator", "coordinators") + " from " + plural(emps, "employer", "employers")
		if noEmployer > 0 {
			r.Have += fmt.Sprintf(" (%d without an employer)", noEmployer)
		}
	}
	if r.Met {
		return r
	}
	morePeople := max(c.MinPeople-people, 0)
	moreEmps := max(c.MinEmployers-emps, 0)
	add := max(morePeople, moreEmps)
	switch {
	case moreEmps == 0:
		r.Todo = "add " + plural(morePeople, "more coordinator", "more coordinators")
	case add == 1 && people == 0:
		r.Todo = "add a coordinator with their employer"
	case add == 1:
		r.Todo = "add a coordinator from another employer"
	case moreEmps == 1:
		r.Todo = fmt.Sprintf("add %d more coordinators, one of them from another employer", add)
	case moreEmps == add:
		r.Todo = fmt.Sprintf("add %d more coordinators, each from a different employer", add)
	default:
		r.Todo = fmt.Sprintf("add %d more coordinators, from %d more employers", add, moreEmps)
	}
	if noEmployer > 0 {
		r.Todo += ", or give the employer of " + plural(noEmployer, "coordinator listed", "coordinators listed") + " without one"
	}
	return r
}

// MeetingsExpected is how many meetings in twelve months meet a cadence at
// the given ratio: ratio × meetings per year, rounded up.
func MeetingsExpected(c Cadence, ratio float64) int {
	n := c.MeetingsPerYear()
	if n == 0 || !(ratio > 0) {
		return 0
	}
	// The epsilon keeps 0.7 × 10 = 7.000000000000001 at 7.
	return int(math.Ceil(ratio*float64(n) - 1e-9))
}

func meetingsCheck(c Check, f GroupFacts) CheckResult {
	r := CheckResult{Check: c}
	cadence, yardstick := f.Cadence, "the declared cadence"
	if f.AcceptedRhythm != nil && f.AcceptedRhythm.Cadence.MeetingsPerYear() > 0 {
		cadence, yardstick = f.AcceptedRhythm.Cadence, "the accepted rhythm"
	}
	held := "no meetings in the last 12 months"
	if f.MeetingsLastYear > 0 {
		held = plural(f.MeetingsLastYear, "meeting", "meetings") + " in the last 12 months"
	}
	want := MeetingsExpected(cadence, c.Ratio)
	if want == 0 {
		r.Have = held + ", no cadence declared"
		r.Todo = "say on the group's profile how often the group means to meet: it is the yardstick for this step"
		return r
	}
	r.Have = fmt.Sprintf("%s; %s (%s) expects %d", held, yardstick, strings.ToLower(cadence.Label()), want)
	if f.AcceptedRhythm != nil && yardstick == "the accepted rhythm" && strings.TrimSpace(f.AcceptedRhythm.Note) != "" {
		r.Have += " — " + strings.TrimSpace(f.AcceptedRhythm.Note)
	}
	r.Met = f.MeetingsLastYear >= want
	if !r.Met {
		r.Todo = "hold " + plural(want-f.MeetingsLastYear, "more meeting", "more meetings") + " and record them on the group's page"
		if yardstick == "the declared cadence" {
			r.Todo += "; if the group keeps another rhythm for good reasons, ask a community manager to accept it"
		}
	}
	return r
}

// nextSentence tells the organizers what to do about a step.
func nextSentence(r StepResult, needsWork []Validation, validity Period, now time.Time) string {
	s := r.Step
	switch r.State {
	case StepNotNeeded:
		return "Nothing to do: a community manager marked this step not needed (" + strings.TrimSuffix(r.NotNeededReason, ".") + ")."
	case StepNotMet:
		var todo []string
		for _, c := range r.Checks {
			if !c.Met && c.Todo != "" {
				todo = append(todo, c.Todo)
			}
		}
		next := capitalize(strings.Join(todo, "; ")) + "."
		if len(s.Roles) > 0 {
			next += " Then " + roleList(s.Roles) + " will validate this step."
		}
		return next
	case StepMet:
		if slices.ContainsFunc(s.Checks, func(c Check) bool { return c.Kind == CheckPolicy }) {
			return "Nothing to do now. When a new version of the policy is published, read it and agree again."
		}
		return "Nothing to do: this step is met."
	case StepValidated:
		return fmt.Sprintf("Nothing to do: validated by %s. The validation counts until %s; keep the group as it is.",
			byList(r.Validations), r.Expires.In(now.Location()).Format("2 January 2006"))
	case StepNeedsWork:
		parts := make([]string, len(needsWork))
		for i, v := range needsWork {
			who := v.ByName
			if who == "" {
				who = articled(v.Role)
			} else {
				who += " (" + strings.ToLower(v.Role.Label()) + ")"
			}
			parts[i] = capitalize(who) + " asked for changes: “" + clipText(strings.TrimSpace(v.Comment), 200) + "”."
		}
		return strings.Join(parts, " ") + " Make the changes, reply in the step's comments, then ask for a new review."
	case StepExpired:
		return fmt.Sprintf("The validation lapsed on %s: a validation counts for %s, so that every group is looked at again. Ask for a new review; %s will look at the step again.",
			r.Expires.In(now.Location()).Format("2 January 2006"), validity, roleList(r.MissingRoles))
	case StepAwaitingValidation:
		next := "Nothing to change for now: the checks pass and the step waits for " + roleList(r.MissingRoles) + " to validate it."
		if slices.Contains(r.MissingRoles, RoleAmbassador) {
			next += " If the group has no mentoring ambassador yet, ask for one."
		}
		return next
	}
	return ""
}

// roleList writes "a community manager and an ambassador".
func roleList(roles []Role) string {
	words := make([]string, len(roles))
	for i, r := range roles {
		words[i] = articled(r)
	}
	switch len(words) {
	case 0:
		return "a reviewer"
	case 1:
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}

func articled(r Role) string {
	l := strings.ToLower(r.Label())
	if l != "" && strings.ContainsRune("aeiou", rune(l[0])) {
		return "an " + l
	}
	return "a " + l
}

// byList writes "Ann Lee (community manager) and Bo Chen (ambassador)".
func byList(vals []Validation) string {
	words := make([]string, len(vals))
	for i, v := range vals {
		name := v.ByName
		if name == "" {
			name = "someone"
		}
		words[i] = name + " (" + strings.ToLower(v.Role.Label()) + ")"
	}
	if len(words) <= 1 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}

func capitalize(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToLower(r)) + s[n:]
}

func clipText(s string, n int) string {
	if utf8.RuneCountInString(s) > n {
		return string([]rune(s)[:n]) + "…"
	}
	return s
}

// AllMet reports whether every step counts towards official status.
func AllMet(results []StepResult) bool {
	for _, r := range results {
		if !r.State.Satisfied() {
			return false
		}
	}
	return true
}

// Unmet returns the titles of the steps that do not count yet, in order.
func Unmet(results []StepResult) []string {
	var out []string
	for _, r := range results {
		if !r.State.Satisfied() {
			out = append(out, r.Step.Title)
		}
	}
	return out
}

// CanGrantOfficial checks that a group in status may become official: its
// status allows it and every step is met. The ECONFLICT error lists the
// unmet steps in its message and, by step ID, in Fields.
func CanGrantOfficial(status Status, results []StepResult) error {
	if err := Transition(status, StatusOfficial, ""); err != nil {
		return err
	}
	if len(results) == 0 {
		// Every step of none is met: a program without steps (which
		// ParseProgram refuses) must not make every group official.
		return Errorf(ECONFLICT, "The program has no steps to evaluate the group against.")
	}
	if AllMet(results) {
		return nil
	}
	fields := map[string]string{}
	for _, r := range results {
		if !r.State.Satisfied() {
			fields[r.Step.ID] = r.State.Label() + ". " + r.Next
		}
	}
	unmet := Unmet(results)
	return &Error{
		Code:    ECONFLICT,
		Message: fmt.Sprintf("Official status needs every step met; still open: %s.", strings.Join(unmet, "; ")),
		Fields:  fields,
	}
}

// ValidatorRoles lists the roles in which user may validate step for a
// group: the roles the step requires that the user holds, except that an
// ambassador validates only groups it mentors unless the program allows any,
// and an organizer never validates its own group.
func ValidatorRoles(user *User, step Step, isAmbassadorOfGroup, isOrganizerOfGroup bool, p Program) []Role {
	if user == nil || isOrganizerOfGroup {
		return nil
	}
	var out []Role
	for _, r := range step.Roles {
		if !user.Has(r) {
			continue
		}
		if r == RoleAmbassador && !isAmbassadorOfGroup && !p.AmbassadorsValidateAnyGroup {
			continue
		}
		out = append(out, r)
	}
	return out
}

// CanValidate checks that user may validate step for a group, and says why
// not: an organizer cannot validate its own group, an ambassador validates
// only the groups it mentors (unless the program allows any), and only the
// roles the step requires validate it.
func CanValidate(user *User, step Step, isAmbassadorOfGroup, isOrganizerOfGroup bool, p Program) error {
	switch {
	case user == nil:
		return Errorf(EUNAUTHORIZED, "Sign in to validate steps.")
	case len(step.Roles) == 0:
		return Errorf(ECONFLICT, "“%s” is checked by the portal; it needs no validation.", step.Title)
	case isOrganizerOfGroup:
		return Errorf(EFORBIDDEN, "You organize this group, so you cannot validate its steps; %s will.", roleList(step.Roles))
	case len(ValidatorRoles(user, step, isAmbassadorOfGroup, isOrganizerOfGroup, p)) > 0:
		return nil
	case user.Has(RoleAmbassador) && slices.Contains(step.Roles, RoleAmbassador):
		return Errorf(EFORBIDDEN, "Ambassadors validate the groups they mentor: sign up to mentor this group first.")
	}
	return Errorf(EFORBIDDEN, "“%s” is validated by %s.", step.Title, roleList(step.Roles))
}

// CanMarkNotNeeded checks that user may mark step not needed for a group:
// community managers only, on steps that allow it, with a reason.
func CanMarkNotNeeded(user *User, step Step, reason string) error {
	switch {
	case !user.IsCommunityManager():
		return Errorf(EFORBIDDEN, "Only community managers mark steps not needed.")
	case !step.NotNeededAllowed:
		return Errorf(ECONFLICT, "“%s” cannot be marked not needed.", step.Title)
	}
	return CheckNotNeededReason(reason)
}

// CheckNotNeededReason checks the reason a step is marked not needed for: it
// shows on the group's checklist.
func CheckNotNeededReason(reason string) error {
	switch n := utf8.RuneCountInString(strings.TrimSpace(reason)); {
	case n == 0:
		return Invalid("Give a reason.", "reason", "Say why the group does not need this step; it shows on its checklist.")
	case n > MaxCommentLen:
		return Invalid("The reason is too long.", "reason", AtMostChars(MaxCommentLen))
	}
	return nil
}
