package chapterhouse

import (
	_ "embed"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Program is the definition of the path to official status: the steps a
// group takes, what the portal checks for each, whose validation each needs
// and how long a validation counts. It is data, not code: the default comes
// from program/default.toml, a deployment may load its own (ParseProgram)
// and starts from the default written out by ExportProgram.
type Program struct {
	// Version numbers the definition; a program raises it on every change.
	Version int
	// ValidationValidity is how long a validation counts before the step is
	// looked at again, so that official groups are reviewed regularly.
	ValidationValidity Period
	// AmbassadorsValidateAnyGroup lets every ambassador validate any group;
	// by default an ambassador validates only the groups it mentors.
	AmbassadorsValidateAnyGroup bool
	// Steps in the order groups see them.
	Steps []Step
}

// Step is one criterion of the official process.
type Step struct {
	ID       string // short, stable name used in addresses and the API: "meetings"
	Title    string
	Guidance string // Markdown that teaches organizers how to meet the step
	Checks   []Check
	// Roles whose validation the step needs once its checks pass; none means
	// the step is met as soon as the checks pass.
	Roles []Role
	// NotNeededAllowed lets a community manager mark the step not needed for
	// a group, with a reason (the mentor step of an established group).
	NotNeededAllowed bool
}

// CheckKind names something the portal computes about a group.
type CheckKind string

const (
	CheckPolicy       CheckKind = "policy"       // agreed to the current policy version
	CheckCompleteness CheckKind = "completeness" // contact information at least MinPercent complete
	CheckCoordinators CheckKind = "coordinators" // MinPeople coordinators from MinEmployers employers
	CheckChannels     CheckKind = "channels"     // MinChannels channels listed
	CheckMeetings     CheckKind = "meetings"     // meetings held against the group's own cadence
	CheckAmbassador   CheckKind = "ambassador"   // MinAmbassadors mentoring ambassadors
)

// CheckKinds lists every kind of check, in the order of the default steps.
var CheckKinds = []CheckKind{CheckPolicy, CheckCompleteness, CheckCoordinators, CheckChannels, CheckMeetings, CheckAmbassador}

// Check is one computed test with its thresholds; only the thresholds of its
// kind are used (and allowed in a program file).
type Check struct {
	Kind           CheckKind
	MinPercent     int     // completeness: 0–100, default 100
	MinPeople      int     // coordinators: default 2
	MinEmployers   int     // coordinators: distinct employers, default 2
	MinChannels    int     // channels: default 1
	Ratio          float64 // meetings: share of the cadence's meetings, in (0, 1], default 0.75
	MinAmbassadors int     // ambassador: default 1
}

// NewCheck returns a check of the given kind with the default thresholds.
func NewCheck(kind CheckKind) Check {
	c := Check{Kind: kind}
	switch kind {
	case CheckCompleteness:
		c.MinPercent = 100
	case CheckCoordinators:
		c.MinPeople, c.MinEmployers = 2, 2
	case CheckChannels:
		c.MinChannels = 1
	case CheckMeetings:
		c.Ratio = 0.75
	case CheckAmbassador:
		c.MinAmbassadors = 1
	}
	return c
}

// checkSettings maps each kind to the TOML keys of its thresholds.
var checkSettings = map[CheckKind][]string{
	CheckPolicy:       nil,
	CheckCompleteness: {"min_percent"},
	CheckCoordinators: {"min_people", "min_employers"},
	CheckChannels:     {"min_channels"},
	CheckMeetings:     {"ratio"},
	CheckAmbassador:   {"min_ambassadors"},
}

// intSetting returns the field behind an integer threshold key.
func (c *Check) intSetting(key string) *int {
	switch key {
	case "min_percent":
		return &c.MinPercent
	case "min_people":
		return &c.MinPeople
	case "min_employers":
		return &c.MinEmployers
	case "min_channels":
		return &c.MinChannels
	case "min_ambassadors":
		return &c.MinAmbassadors
	}
	return nil
}

// Step returns the step with the given ID.
func (p Program) Step(id string) (Step, bool) {
	i := slices.IndexFunc(p.Steps, func(s Step) bool { return s.ID == id })
	if i < 0 {
		return Step{}, false
	}
	return p.Steps[i], true
}

// Clone returns a deep copy, so that callers may edit it freely.
func (p Program) Clone() Program {
	p.Steps = slices.Clone(p.Steps)
	for i := range p.Steps {
		p.Steps[i].Checks = slices.Clone(p.Steps[i].Checks)
		p.Steps[i].Roles = slices.Clone(p.Steps[i].Roles)
	}
	return p
}

//go:embed program/default.toml
var defaultProgramTOML []byte

// DefaultProgramTOML is the embedded default program file, as shipped.
func DefaultProgramTOML() []byte { return slices.Clone(defaultProgramTOML) }

var defaultProgram = sync.OnceValue(func() Program {
	p, err := ParseProgram("program/default.toml", defaultProgramTOML)
	if err != nil {
		panic("chapterhouse: the embedded default program is invalid: " + err.Error())
	}
	return p
})

// DefaultProgram is the six steps of the Official User Group Process, with
// their guidance. Each call returns a fresh copy.
func DefaultProgram() Program { return defaultProgram().Clone() }

// Period is a calendar length of time: a validation given on 31 January with
// a validity of one month counts until 28 (or 29) February.
type Period struct {
	Months int
	Days   int
}

// Valid reports whether the period is at least one day long.
func (p Period) Valid() bool {
	return p.Months >= 0 && p.Days >= 0 && (p.Months > 0 || p.Days > 0)
}

// After returns the moment the period ends when it starts at t.
func (p Period) After(t time.Time) time.Time { return t.AddDate(0, p.Months, p.Days) }

// String writes the period as ParsePeriod reads it: "12 months", "1 month
// 15 days", "90 days".
func (p Period) String() string {
	var parts []string
	if p.Months != 0 {
		parts = append(parts, plural(p.Months, "month", "months"))
	}
	if p.Days != 0 || p.Months == 0 {
		parts = append(parts, plural(p.Days, "day", "days"))
	}
	return strings.Join(parts, " ")
}

// MarshalText writes the period as String does, so that JSON and forms
// show "12 months".
func (p Period) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalText reads what ParsePeriod reads.
func (p *Period) UnmarshalText(b []byte) error {
	v, err := ParsePeriod(string(b))
	if err != nil {
		return Errorf(EINVALID, "The period %s.", strings.TrimPrefix(err.Error(), "is "))
	}
	*p = v
	return nil
}

var periodPart = regexp.MustCompile(`^(\d{1,5})\s*(days?|d|weeks?|w|months?|years?|y)$`)

// ParsePeriod reads a period such as "12 months", "1 year", "90 days",
// "2 weeks" or "1 year 6 months".
func ParsePeriod(s string) (Period, error) {
	fields := strings.Fields(strings.ToLower(s))
	if len(fields) == 0 {
		return Period{}, fmt.Errorf("is empty: write a length such as \"12 months\" or \"90 days\"")
	}
	var p Period
	for i := 0; i < len(fields); i++ {
		part := fields[i]
		// Accept both "12 months" and "12months".
		if i+1 < len(fields) && isDigits(part) {
			part += " " + fields[i+1]
			i++
		}
		m := periodPart.FindStringSubmatch(part)
		if m == nil {
			return Period{}, fmt.Errorf("%q is not a length of time: write a number of days, weeks, months or years, such as \"12 months\"", s)
		}
		n, _ := strconv.Atoi(m[1])
		switch m[2][0] {
		case 'd':
			p.Days += n
		case 'w':
			p.Days += 7 * n
		case 'm':
			p.Months += n
		case 'y':
			p.Months += 12 * n
		}
	}
	return p, nil
}

func isDigits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// DefaultValidationValidity is how long a validation counts unless the
// program says otherwise.
var DefaultValidationValidity = Period{Months: 12}

// ProgramProblem is one mistake in a program definition. Line is 0 when the
// mistake is not on any line (a missing key at the top of the file).
type ProgramProblem struct {
	Line    int
	Message string
}

// ProgramError lists every mistake found in a program definition file, in
// the order of the file.
type ProgramError struct {
	File     string
	Problems []ProgramProblem
}

// Error writes one "file:line: reason" per problem, as compilers do.
func (e *ProgramError) Error() string {
	var b strings.Builder
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.File)
		if p.Line > 0 {
			b.WriteString(":" + strconv.Itoa(p.Line))
		}
		b.WriteString(": " + p.Message)
	}
	return b.String()
}

// Unwrap lets ErrorCode and ErrorMessage see an EINVALID error.
func (e *ProgramError) Unwrap() error {
	return &Error{Code: EINVALID, Message: e.Error()}
}

// programProblem is a mistake found in a Program value, located by the path
// of the TOML key that holds it ("steps.2.checks.0.ratio").
type programProblem struct {
	path string
	msg  string
}

var stepIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)

// Limits on a program definition.
const (
	MaxStepIDLen    = 40
	MaxStepTitleLen = 120
	MaxGuidanceLen  = 50000
	MaxSteps        = 50
)

// Validate checks a program, for example after a community manager edited a
// threshold in the portal. Fields maps the path of each wrong setting
// ("steps.2.checks.0.ratio") to what is wrong with it.
func (p Program) Validate() error {
	problems := p.problems()
	if len(problems) == 0 {
		return nil
	}
	fe := FieldErrors{}
	for _, pr := range problems {
		fe.Add(pr.path, pr.msg)
	}
	return &Error{Code: EINVALID, Message: "The program definition has mistakes: " + problems[0].msg, Fields: fe}
}

func (p Program) problems() []programProblem {
	var out []programProblem
	add := func(path, format string, args ...any) {
		out = append(out, programProblem{path, fmt.Sprintf(format, args...)})
	}
	if p.Version < 1 {
		add("version", "version must be 1 or more")
	}
	if !p.ValidationValidity.Valid() {
		add("validation_validity", "validation_validity must be at least 1 day")
	}
	switch {
	case len(p.Steps) == 0:
		add("steps", "the program has no steps: add at least one [[steps]]")
	case len(p.Steps) > MaxSteps:
		add("steps", "the program has %d steps; keep it to %d", len(p.Steps), MaxSteps)
	}
	seen := map[string]int{}
	for i, s := range p.Steps {
		at := func(key string) string { return "steps." + strconv.Itoa(i) + key }
		ctx := stepContext(i, s.ID)
		switch {
		case s.ID == "":
			add(at(".id"), "%s: id is missing", ctx)
		case len(s.ID) > MaxStepIDLen || !stepIDPattern.MatchString(s.ID):
			add(at(".id"), "%s: id must be lower-case letters, digits and dashes, at most %d characters", ctx, MaxStepIDLen)
		case seen[s.ID] > 0:
			add(at(".id"), "%s: duplicate id: step %d already uses it", ctx, seen[s.ID])
		default:
			seen[s.ID] = i + 1
		}
		switch n := utf8.RuneCountInString(s.Title); {
		case strings.TrimSpace(s.Title) == "":
			add(at(".title"), "%s: title is missing", ctx)
		case n > MaxStepTitleLen:
			add(at(".title"), "%s: title is longer than %d characters", ctx, MaxStepTitleLen)
		}
		if utf8.RuneCountInString(s.Guidance) > MaxGuidanceLen {
			add(at(".guidance"), "%s: guidance is longer than %d characters", ctx, MaxGuidanceLen)
		}
		for j, r := range s.Roles {
			switch {
			case !slices.Contains(Roles, r):
				add(at(".validated_by."+strconv.Itoa(j)), "%s: unknown role %q (use %s)", ctx, r, quotedList(Roles))
			case slices.Index(s.Roles, r) < j:
				add(at(".validated_by."+strconv.Itoa(j)), "%s: role %q is listed twice", ctx, r)
			}
		}
		if len(s.Checks) == 0 && len(s.Roles) == 0 {
			add(at(""), "%s: has neither checks nor validated_by, so it would always be met", ctx)
		}
		for j, c := range s.Checks {
			cat := func(key string) string { return at(".checks." + strconv.Itoa(j) + key) }
			if !slices.Contains(CheckKinds, c.Kind) {
				add(cat(".kind"), "%s: unknown check kind %q (use %s)", ctx, c.Kind, quotedList(CheckKinds))
				continue
			}
			if slices.IndexFunc(s.Checks, func(o Check) bool { return o.Kind == c.Kind }) < j {
				add(cat(".kind"), "%s: check %q is listed twice", ctx, c.Kind)
			}
			switch c.Kind {
			case CheckCompleteness:
				if c.MinPercent < 0 || c.MinPercent > 100 {
					add(cat(".min_percent"), "%s: min_percent must be between 0 and 100", ctx)
				}
			case CheckCoordinators:
				if c.MinPeople < 0 || c.MinPeople > MaxListLen {
					add(cat(".min_people"), "%s: min_people must be between 0 and %d (a group lists at most %d coordinators)", ctx, MaxListLen, MaxListLen)
				}
				if c.MinEmployers < 0 || c.MinEmployers > MaxListLen {
					add(cat(".min_employers"), "%s: min_employers must be between 0 and %d", ctx, MaxListLen)
				}
			case CheckChannels:
				if c.MinChannels < 0 || c.MinChannels > MaxListLen {
					add(cat(".min_channels"), "%s: min_channels must be between 0 and %d (a group lists at most %d channels)", ctx, MaxListLen, MaxListLen)
				}
			case CheckMeetings:
				// Written so that NaN fails too.
				if !(c.Ratio > 0 && c.Ratio <= 1) {
					add(cat(".ratio"), "%s: ratio must be between 0 and 1", ctx)
				}
			case CheckAmbassador:
				if c.MinAmbassadors < 0 || c.MinAmbassadors > MaxListLen {
					add(cat(".min_ambassadors"), "%s: min_ambassadors must be between 0 and %d", ctx, MaxListLen)
				}
			}
		}
	}
	return out
}

// stepContext names a step in messages: by its id when it has a usable one,
// else by its position.
func stepContext(i int, id string) string {
	if id != "" && stepIDPattern.MatchString(id) && len(id) <= MaxStepIDLen {
		return fmt.Sprintf("step %q", id)
	}
	return fmt.Sprintf("step %d", i+1)
}

func quotedList[T ~string](xs []T) string {
	q := make([]string, len(xs))
	for i, x := range xs {
		q[i] = strconv.Quote(string(x))
	}
	return strings.Join(q, ", ")
}

// plural writes "1 month", "2 months".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
