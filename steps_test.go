package chapterhouse

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

var stepsNow = time.Date(2026, 6, 15, 12, 0, 0, 0, time.UTC)

// metFacts meets every check of the default program.
func metFacts() GroupFacts {
	return GroupFacts{
		PolicyVersion: 2, CurrentPolicyVersion: 2,
		CompletenessPercent: 100,
		Coordinators: []Coordinator{
			{Email: "ann@example.org", Name: "Ann Lee", Employer: "ACME"},
			{Email: "bo@example.org", Name: "Bo Chen", Employer: "Globex"},
		},
		Channels:         1,
		MeetingsLastYear: 9,
		Cadence:          "monthly",
		Ambassadors:      1,
	}
}

func checkOf(t *testing.T, kind CheckKind, f GroupFacts) CheckResult {
	t.Helper()
	return evaluateCheck(NewCheck(kind), f, "")
}

func TestPolicyCheck(t *testing.T) {
	tests := []struct {
		agreed, current int
		met             bool
		explanation     string
	}{
		{2, 2, true, "Agreed to the current Social Media and Event Policy (version 2)."},
		{3, 2, true, "Agreed to the current Social Media and Event Policy (version 2)."},
		{0, 1, false, "The Social Media and Event Policy is not agreed to yet: read it with your fellow organizers and tick the box to agree."},
		// A new policy version asks every group to agree again.
		{1, 2, false, "Agreed to version 1 of the Social Media and Event Policy, but version 2 is now in force: read what changed and agree to version 2."},
		{0, 0, false, "No Social Media and Event Policy is published yet: a community manager publishes it first."},
	}
	for _, tt := range tests {
		f := metFacts()
		f.PolicyVersion, f.CurrentPolicyVersion = tt.agreed, tt.current
		r := checkOf(t, CheckPolicy, f)
		if r.Met != tt.met || r.Explanation() != tt.explanation {
			t.Errorf("agreed %d, current %d: %t %q; want %t %q", tt.agreed, tt.current, r.Met, r.Explanation(), tt.met, tt.explanation)
		}
	}
}

// Publishing a new policy version sends the policy step back to not met,
// and agreeing again brings it back, while other steps are untouched.
func TestPolicyReagreement(t *testing.T) {
	p := DefaultProgram()
	f := metFacts()
	if s := p.Evaluate(f, nil, stepsNow)[0]; s.State != StepMet {
		t.Fatalf("policy step = %s", s.State)
	}
	f.CurrentPolicyVersion = 3
	s := p.Evaluate(f, nil, stepsNow)[0]
	if s.State != StepNotMet || s.Next != "Read what changed and agree to version 3." {
		t.Errorf("after a new version: %s, %q", s.State, s.Next)
	}
	f.PolicyVersion = 3
	if s := p.Evaluate(f, nil, stepsNow)[0]; s.State != StepMet || !strings.Contains(s.Next, "agree again") {
		t.Errorf("after agreeing again: %s, %q", s.State, s.Next)
	}
}

func TestCompletenessCheck(t *testing.T) {
	tests := []struct {
		percent     int
		missing     []string
		min         int
		met         bool
		explanation string
	}{
		{100, nil, 100, true, "Contact information 100% complete."},
		{66, []string{"Add an organiser email.", "Add a web address."}, 100, false, "Contact information 66% complete: add an organiser email; add a web address."},
		{66, nil, 100, false, "Contact information 66% complete: complete the group's profile to reach 100%."},
		{80, []string{"Add a web address."}, 80, true, "Contact information 80% complete."},
		{79, []string{"Add a web address."}, 80, false, "Contact information 79% complete: add a web address."},
	}
	for _, tt := range tests {
		f := metFacts()
		f.CompletenessPercent, f.CompletenessMissing = tt.percent, tt.missing
		r := evaluateCheck(Check{Kind: CheckCompleteness, MinPercent: tt.min}, f, "")
		if r.Met != tt.met || r.Explanation() != tt.explanation {
			t.Errorf("%d%% of %d: %t %q; want %t %q", tt.percent, tt.min, r.Met, r.Explanation(), tt.met, tt.explanation)
		}
	}
}

func TestCoordinatorsCheck(t *testing.T) {
	co := func(employers ...string) []Coordinator {
		var cs []Coordinator
		for i, e := range employers {
			cs = append(cs, Coordinator{Email: string(rune('a'+i)) + "@example.org", Name: "P", Employer: e})
		}
		return cs
	}
	tests := []struct {
		name        string
		coords      []Coordinator
		people, emp int
		met         bool
		explanation string
	}{
		{"two from two", co("ACME", "Globex"), 2, 2, true, "2 coordinators from 2 employers."},
		{"two from one", co("ACME", "ACME"), 2, 2, false, "2 coordinators from 1 employer: add a coordinator from another employer."},
		{"employers compared case- and space-insensitively", co("ACME Corp", " acme  corp ", "AcmeCorp"), 2, 2, false,
			"3 coordinators from 1 employer: add a coordinator from another employer."},
		{"case differences still count once each", co("Globex", "globex", "ACME"), 2, 2, true, "3 coordinators from 2 employers."},
		{"empty employer is no employer", co("ACME", "  "), 2, 2, false,
			"2 coordinators from 1 employer (1 without an employer): add a coordinator from another employer, or give the employer of 1 coordinator listed without one."},
		{"nobody gave an employer", co("", ""), 2, 2, false,
			"2 coordinators, no employer given: add 2 more coordinators, each from a different employer, or give the employer of 2 coordinators listed without one."},
		{"one coordinator", co("ACME"), 2, 2, false, "1 coordinator from 1 employer: add a coordinator from another employer."},
		{"nobody", nil, 2, 2, false, "No coordinator listed: add 2 more coordinators, each from a different employer."},
		{"nobody, one needed", nil, 1, 1, false, "No coordinator listed: add a coordinator with their employer."},
		{"three people needed", co("ACME", "Globex"), 3, 2, false, "2 coordinators from 2 employers: add 1 more coordinator."},
		{"three people, three employers", co("ACME", "ACME"), 3, 3, false, "2 coordinators from 1 employer: add 2 more coordinators, each from a different employer."},
		{"four people, two employers", co("ACME"), 4, 2, false, "1 coordinator from 1 employer: add 3 more coordinators, one of them from another employer."},
		{"four people, four employers from two", co("ACME", "Globex", "ACME"), 4, 4, false, "3 coordinators from 2 employers: add 2 more coordinators, each from a different employer."},
		{"four people, four employers from one", co("ACME", "ACME", "ACME"), 4, 4, false, "3 coordinators from 1 employer: add 3 more coordinators, each from a different employer."},
		{"five people, three employers", co("ACME", "ACME"), 5, 3, false, "2 coordinators from 1 employer: add 3 more coordinators, from 2 more employers."},
		{"in-house: one employer is enough", co("ACME", "acme"), 2, 1, true, "2 coordinators from 1 employer."},
	}
	for _, tt := range tests {
		r := evaluateCheck(Check{Kind: CheckCoordinators, MinPeople: tt.people, MinEmployers: tt.emp}, GroupFacts{Coordinators: tt.coords}, "")
		if r.Met != tt.met || r.Explanation() != tt.explanation {
			t.Errorf("%s: %t %q\n want %t %q", tt.name, r.Met, r.Explanation(), tt.met, tt.explanation)
		}
	}
	if EmployerKey("  Acme \t Corp ") != EmployerKey("ACMECORP") || EmployerKey("   ") != "" {
		t.Error("EmployerKey does not ignore case and spaces")
	}
}

func TestChannelsCheck(t *testing.T) {
	tests := []struct {
		n, min      int
		met         bool
		explanation string
	}{
		{1, 1, true, "1 channel listed."},
		{3, 1, true, "3 channels listed."},
		{0, 1, false, "No channel listed: list a channel where members can reach the group: a mailing list, chat, forum or meetup page."},
		{1, 2, false, "1 channel listed: list 1 more channel (2 needed)."},
		{0, 3, false, "No channel listed: list 3 more channels (3 needed)."},
	}
	for _, tt := range tests {
		r := evaluateCheck(Check{Kind: CheckChannels, MinChannels: tt.min}, GroupFacts{Channels: tt.n}, "")
		if r.Met != tt.met || r.Explanation() != tt.explanation {
			t.Errorf("%d of %d: %t %q; want %t %q", tt.n, tt.min, r.Met, r.Explanation(), tt.met, tt.explanation)
		}
	}
}

func TestMeetingsExpected(t *testing.T) {
	tests := []struct {
		cadence Cadence
		ratio   float64
		want    int
	}{
		{"weekly", 0.75, 39}, {"fortnightly", 0.75, 20}, {"monthly", 0.75, 9}, {"bimonthly", 0.75, 5},
		{"quarterly", 0.75, 3}, {"twice-yearly", 0.75, 2}, {"yearly", 0.75, 1},
		{"monthly", 1, 12}, {"monthly", 0.5, 6}, {"monthly", 0.01, 1},
		{"bimonthly", 0.7, 5}, {"twice-yearly", 0.5, 1}, {"fortnightly", 0.7, 19},
		{"", 0.75, 0}, {"hourly", 0.75, 0},
	}
	for _, tt := range tests {
		if got := MeetingsExpected(tt.cadence, tt.ratio); got != tt.want {
			t.Errorf("MeetingsExpected(%q, %v) = %d, want %d", tt.cadence, tt.ratio, got, tt.want)
		}
	}
}

func TestMeetingsCheck(t *testing.T) {
	quarterly := &AcceptedRhythm{Cadence: "quarterly", Note: "Two large events and two socials suit the local culture", ByName: "Cleo"}
	tests := []struct {
		name        string
		cadence     Cadence
		held        int
		rhythm      *AcceptedRhythm
		ratio       float64
		met         bool
		explanation string
	}{
		{"monthly, enough", "monthly", 9, nil, 0.75, true, "9 meetings in the last 12 months; the declared cadence (monthly) expects 9."},
		{"monthly, short", "monthly", 7, nil, 0.75, false,
			"7 meetings in the last 12 months; the declared cadence (monthly) expects 9: hold 2 more meetings and record them on the group's page; if the group keeps another rhythm for good reasons, ask a community manager to accept it."},
		{"fortnightly rounds up", "fortnightly", 19, nil, 0.75, false,
			"19 meetings in the last 12 months; the declared cadence (every two weeks) expects 20: hold 1 more meeting and record them on the group's page; if the group keeps another rhythm for good reasons, ask a community manager to accept it."},
		{"yearly, one is enough", "yearly", 1, nil, 0.75, true, "1 meeting in the last 12 months; the declared cadence (yearly) expects 1."},
		{"none held", "twice-yearly", 0, nil, 0.75, false,
			"No meetings in the last 12 months; the declared cadence (twice a year) expects 2: hold 2 more meetings and record them on the group's page; if the group keeps another rhythm for good reasons, ask a community manager to accept it."},
		{"stricter program", "monthly", 11, nil, 1, false,
			"11 meetings in the last 12 months; the declared cadence (monthly) expects 12: hold 1 more meeting and record them on the group's page; if the group keeps another rhythm for good reasons, ask a community manager to accept it."},
		{"no cadence", "", 4, nil, 0.75, false,
			"4 meetings in the last 12 months, no cadence declared: say on the group's profile how often the group means to meet: it is the yardstick for this step."},
		{"accepted rhythm is the yardstick", "monthly", 3, quarterly, 0.75, true,
			"3 meetings in the last 12 months; the accepted rhythm (quarterly) expects 3 — Two large events and two socials suit the local culture."},
		{"accepted rhythm, still short", "monthly", 2, quarterly, 0.75, false,
			"2 meetings in the last 12 months; the accepted rhythm (quarterly) expects 3 — Two large events and two socials suit the local culture: hold 1 more meeting and record them on the group's page."},
		{"accepted rhythm replaces a missing cadence", "", 3, quarterly, 0.75, true,
			"3 meetings in the last 12 months; the accepted rhythm (quarterly) expects 3 — Two large events and two socials suit the local culture."},
		{"a rhythm without a known cadence is ignored", "monthly", 9, &AcceptedRhythm{Cadence: "sometimes"}, 0.75, true,
			"9 meetings in the last 12 months; the declared cadence (monthly) expects 9."},
	}
	for _, tt := range tests {
		f := GroupFacts{Cadence: tt.cadence, MeetingsLastYear: tt.held, AcceptedRhythm: tt.rhythm}
		r := evaluateCheck(Check{Kind: CheckMeetings, Ratio: tt.ratio}, f, "")
		if r.Met != tt.met || r.Explanation() != tt.explanation {
			t.Errorf("%s: %t %q\n want %t %q", tt.name, r.Met, r.Explanation(), tt.met, tt.explanation)
		}
	}
}

func TestAmbassadorCheck(t *testing.T) {
	tests := []struct {
		n, min      int
		notNeeded   string
		met         bool
		explanation string
	}{
		{1, 1, "", true, "1 ambassador mentors the group."},
		{2, 1, "", true, "2 ambassadors mentor the group."},
		{0, 1, "", false, "No ambassador mentors the group yet: ask for a mentor on the checklist: an ambassador signs up, or a community manager assigns one."},
		{1, 3, "", false, "1 ambassador mentors the group: ask for 2 more mentors on the checklist."},
		{0, 1, "Running since 2012 with twelve organizers", true, "Mentoring marked not needed: Running since 2012 with twelve organizers."},
	}
	for _, tt := range tests {
		r := evaluateCheck(Check{Kind: CheckAmbassador, MinAmbassadors: tt.min}, GroupFacts{Ambassadors: tt.n}, tt.notNeeded)
		if r.Met != tt.met || r.Explanation() != tt.explanation {
			t.Errorf("%d of %d: %t %q; want %t %q", tt.n, tt.min, r.Met, r.Explanation(), tt.met, tt.explanation)
		}
	}
}

// validationsProgram has one step that needs a community manager and an
// ambassador, and a validity of 12 months.
func validationsProgram() Program {
	return Program{Version: 1, ValidationValidity: Period{Months: 12}, Steps: []Step{{
		ID: "organisation", Title: "Organised", Checks: []Check{NewCheck(CheckCoordinators)},
		Roles: []Role{RoleCommunityManager, RoleAmbassador},
	}}}
}

func val(role Role, v Verdict, by int64, at time.Time) Validation {
	names := map[int64]string{1: "Cleo", 2: "Dev", 3: "Eve", 4: "Finn"}
	return Validation{StepID: "organisation", Role: role, Verdict: v, Comment: "c" + names[by], ByID: by, ByName: names[by], At: at}
}

func TestStepValidationStates(t *testing.T) {
	const cm, amb = RoleCommunityManager, RoleAmbassador
	day := 24 * time.Hour
	recent := stepsNow.Add(-30 * day)
	older := stepsNow.Add(-60 * day)
	lapsed := stepsNow.AddDate(-1, 0, -1) // 12 months and a day ago
	oneCoordinator := func(f *GroupFacts) { f.Coordinators = f.Coordinators[:1] }
	tests := []struct {
		name     string
		facts    func(*GroupFacts)
		vals     []Validation
		state    StepState
		counting []string // ByName of the counting validations, in role order
		missing  []Role
		expires  time.Time
	}{
		{"checks pass, nobody validated", nil, nil, StepAwaitingValidation, nil, []Role{cm, amb}, time.Time{}},
		{"one role passed", nil, []Validation{val(cm, VerdictPass, 1, recent)}, StepAwaitingValidation, []string{"Cleo"}, []Role{amb}, time.Time{}},
		{"both roles passed", nil, []Validation{val(cm, VerdictPass, 1, recent), val(amb, VerdictPass, 2, older)},
			StepValidated, []string{"Cleo", "Dev"}, nil, older.AddDate(0, 12, 0)},
		{"checks must pass first", oneCoordinator, []Validation{val(cm, VerdictPass, 1, recent), val(amb, VerdictPass, 2, recent)},
			StepNotMet, []string{"Cleo", "Dev"}, nil, time.Time{}},
		{"needs work", nil, []Validation{val(cm, VerdictPass, 1, recent), val(amb, VerdictNeedsWork, 2, recent)},
			StepNeedsWork, []string{"Cleo", "Dev"}, []Role{amb}, time.Time{}},
		{"needs work, then a newer pass by the same role", nil,
			[]Validation{val(cm, VerdictPass, 1, recent), val(amb, VerdictNeedsWork, 2, older), val(amb, VerdictPass, 2, recent)},
			StepValidated, []string{"Cleo", "Dev"}, nil, recent.AddDate(0, 12, 0)},
		{"a pass, then needs work by the same role", nil,
			[]Validation{val(cm, VerdictPass, 1, older), val(amb, VerdictPass, 2, older), val(cm, VerdictNeedsWork, 3, recent)},
			StepNeedsWork, []string{"Eve", "Dev"}, []Role{cm}, time.Time{}},
		{"needs work stays until that role passes", nil,
			[]Validation{val(amb, VerdictNeedsWork, 2, older), val(cm, VerdictPass, 1, recent)},
			StepNeedsWork, []string{"Cleo", "Dev"}, []Role{amb}, time.Time{}},
		{"order of the list does not matter, time does", nil,
			[]Validation{val(amb, VerdictPass, 2, recent), val(cm, VerdictPass, 1, recent), val(amb, VerdictNeedsWork, 4, older)},
			StepValidated, []string{"Cleo", "Dev"}, nil, recent.AddDate(0, 12, 0)},
		{"both passes lapsed", nil, []Validation{val(cm, VerdictPass, 1, lapsed), val(amb, VerdictPass, 2, lapsed)},
			StepExpired, nil, []Role{cm, amb}, lapsed.AddDate(0, 12, 0)},
		{"one pass lapsed", nil, []Validation{val(cm, VerdictPass, 1, lapsed), val(amb, VerdictPass, 2, recent)},
			StepExpired, []string{"Dev"}, []Role{cm}, lapsed.AddDate(0, 12, 0)},
		{"a lapsed pass and a missing role is not expired", nil, []Validation{val(cm, VerdictPass, 1, lapsed)},
			StepAwaitingValidation, nil, []Role{cm, amb}, time.Time{}},
		{"a lapsed needs-work no longer blocks", nil, []Validation{val(cm, VerdictPass, 1, recent), val(amb, VerdictNeedsWork, 2, lapsed)},
			StepAwaitingValidation, []string{"Cleo"}, []Role{amb}, time.Time{}},
		{"a fresh needs-work beats a lapsed pass", nil, []Validation{val(cm, VerdictNeedsWork, 1, recent), val(amb, VerdictPass, 2, lapsed)},
			StepNeedsWork, []string{"Cleo"}, []Role{cm, amb}, time.Time{}},
		{"a renewed pass clears the expiry", nil,
			[]Validation{val(cm, VerdictPass, 1, lapsed), val(amb, VerdictPass, 2, lapsed), val(cm, VerdictPass, 3, recent), val(amb, VerdictPass, 2, recent)},
			StepValidated, []string{"Eve", "Dev"}, nil, recent.AddDate(0, 12, 0)},
		{"expiry boundary: exactly 12 months is lapsed", nil,
			[]Validation{val(cm, VerdictPass, 1, stepsNow.AddDate(-1, 0, 0)), val(amb, VerdictPass, 2, recent)},
			StepExpired, []string{"Dev"}, []Role{cm}, stepsNow},
		{"expiry boundary: a second less still counts", nil,
			[]Validation{val(cm, VerdictPass, 1, stepsNow.AddDate(-1, 0, 0).Add(time.Second)), val(amb, VerdictPass, 2, recent)},
			StepValidated, []string{"Cleo", "Dev"}, nil, stepsNow.Add(time.Second)},
		{"one person counts for one role only", nil, []Validation{val(cm, VerdictPass, 1, recent), val(amb, VerdictPass, 1, recent)},
			StepAwaitingValidation, []string{"Cleo"}, []Role{amb}, time.Time{}},
		{"other steps and other roles are ignored", nil, []Validation{
			val(cm, VerdictPass, 1, recent), val(RoleApprover, VerdictNeedsWork, 3, recent),
			{StepID: "meetings", Role: amb, Verdict: VerdictPass, ByID: 2, At: recent}},
			StepAwaitingValidation, []string{"Cleo"}, []Role{amb}, time.Time{}},
	}
	p := validationsProgram()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := metFacts()
			if tt.facts != nil {
				tt.facts(&f)
			}
			r := p.Evaluate(f, tt.vals, stepsNow)[0]
			var counting []string
			for _, v := range r.Validations {
				counting = append(counting, v.ByName)
			}
			if r.State != tt.state || !slices.Equal(counting, tt.counting) || !slices.Equal(r.MissingRoles, tt.missing) || !r.Expires.Equal(tt.expires) {
				t.Errorf("got %s, counting %v, missing %v, expires %v\nwant %s, counting %v, missing %v, expires %v",
					r.State, counting, r.MissingRoles, r.Expires, tt.state, tt.counting, tt.missing, tt.expires)
			}
			if r.Next == "" {
				t.Error("no Next sentence")
			}
		})
	}
}

func TestValidationValidityIsAProgramSetting(t *testing.T) {
	p := validationsProgram()
	p.ValidationValidity = Period{Days: 90}
	at := stepsNow.AddDate(0, 0, -91)
	vals := []Validation{val(RoleCommunityManager, VerdictPass, 1, at), val(RoleAmbassador, VerdictPass, 2, at)}
	r := p.Evaluate(metFacts(), vals, stepsNow)[0]
	if r.State != StepExpired || !r.Expires.Equal(at.AddDate(0, 0, 90)) {
		t.Errorf("state %s, expires %v", r.State, r.Expires)
	}
	if want := "The validation lapsed on 14 June 2026: a validation counts for 90 days, so that every group is looked at again. Ask for a new review; a community manager and an ambassador will look at the step again."; r.Next != want {
		t.Errorf("Next = %q\nwant %q", r.Next, want)
	}
}

func TestStepNext(t *testing.T) {
	p := validationsProgram()
	recent := stepsNow.AddDate(0, -1, 0)
	tests := []struct {
		name  string
		facts func(*GroupFacts)
		vals  []Validation
		want  string
	}{
		{"not met", func(f *GroupFacts) { f.Coordinators[1].Employer = "acme" }, nil,
			"Add a coordinator from another employer. Then a community manager and an ambassador will validate this step."},
		{"awaiting", nil, []Validation{val(RoleCommunityManager, VerdictPass, 1, recent)},
			"Nothing to change for now: the checks pass and the step waits for an ambassador to validate it. If the group has no mentoring ambassador yet, ask for one."},
		{"needs work", nil, []Validation{val(RoleAmbassador, VerdictNeedsWork, 2, recent)},
			"Dev (ambassador) asked for changes: “cDev”. Make the changes, reply in the step's comments, then ask for a new review."},
		{"validated", nil, []Validation{val(RoleCommunityManager, VerdictPass, 1, recent), val(RoleAmbassador, VerdictPass, 2, recent)},
			"Nothing to do: validated by Cleo (community manager) and Dev (ambassador). The validation counts until 15 May 2027; keep the group as it is."},
	}
	for _, tt := range tests {
		f := metFacts()
		if tt.facts != nil {
			tt.facts(&f)
		}
		if got := p.Evaluate(f, tt.vals, stepsNow)[0].Next; got != tt.want {
			t.Errorf("%s: Next = %q\nwant %q", tt.name, got, tt.want)
		}
	}
}

func TestNotNeededMentorStep(t *testing.T) {
	p := DefaultProgram()
	f := metFacts()
	f.Ambassadors = 0
	res := p.Evaluate(f, nil, stepsNow)
	mentor := res[5]
	if mentor.State != StepNotMet || !strings.HasPrefix(mentor.Next, "Ask for a mentor on the checklist") {
		t.Errorf("without a mentor: %s, %q", mentor.State, mentor.Next)
	}
	f.NotNeeded = map[string]string{"mentor": "Established since 2012, twelve organizers", "meetings": "ignored: this step does not allow it"}
	res = p.Evaluate(f, nil, stepsNow)
	mentor = res[5]
	if mentor.State != StepNotNeeded || !mentor.State.Satisfied() || mentor.NotNeededReason != "Established since 2012, twelve organizers" ||
		!mentor.Checks[0].Met || mentor.Next != "Nothing to do: a community manager marked this step not needed (Established since 2012, twelve organizers)." {
		t.Errorf("marked not needed: %+v", mentor)
	}
	if res[4].State == StepNotNeeded || res[4].NotNeededReason != "" {
		t.Errorf("a step that does not allow it was marked not needed: %s", res[4].State)
	}
	// A blank reason does not count.
	f.NotNeeded = map[string]string{"mentor": "  "}
	if s := p.Evaluate(f, nil, stepsNow)[5].State; s != StepNotMet {
		t.Errorf("blank reason: %s", s)
	}
}

func TestAcceptedRhythmInEvaluation(t *testing.T) {
	p := DefaultProgram()
	f := metFacts()
	f.MeetingsLastYear = 3
	if r := p.Evaluate(f, nil, stepsNow)[4]; r.State != StepNotMet {
		t.Fatalf("monthly group with 3 meetings: %s", r.State)
	}
	f.AcceptedRhythm = &AcceptedRhythm{Cadence: "quarterly", Note: "Structured events suit the local culture", ByID: 1, ByName: "Cleo", At: stepsNow}
	if r := p.Evaluate(f, nil, stepsNow)[4]; r.State != StepAwaitingValidation || !r.Checks[0].Met {
		t.Errorf("with an accepted quarterly rhythm: %s, %+v", r.State, r.Checks[0])
	}
}

func evaluateAll(f GroupFacts, vals []Validation) []StepResult {
	return DefaultProgram().Evaluate(f, vals, stepsNow)
}

func passAll(at time.Time) []Validation {
	var vals []Validation
	for _, id := range []string{"organisation", "channels", "meetings"} {
		vals = append(vals,
			Validation{StepID: id, Role: RoleCommunityManager, Verdict: VerdictPass, ByID: 1, ByName: "Cleo", At: at},
			Validation{StepID: id, Role: RoleAmbassador, Verdict: VerdictPass, ByID: 2, ByName: "Dev", At: at})
	}
	return vals
}

func TestGrantOfficial(t *testing.T) {
	recent := stepsNow.AddDate(0, -2, 0)
	all := evaluateAll(metFacts(), passAll(recent))
	wantStates := []StepState{StepMet, StepMet, StepValidated, StepValidated, StepValidated, StepMet}
	for i, r := range all {
		if r.State != wantStates[i] {
			t.Errorf("step %s = %s, want %s", r.Step.ID, r.State, wantStates[i])
		}
	}
	if !AllMet(all) || Unmet(all) != nil {
		t.Errorf("AllMet = %t, Unmet = %v", AllMet(all), Unmet(all))
	}
	for _, s := range []Status{StatusNew, StatusRevoked} {
		if err := CanGrantOfficial(s, all); err != nil {
			t.Errorf("CanGrantOfficial(%s) = %v", s, err)
		}
	}
	for _, s := range []Status{StatusProposed, StatusPending, StatusDeclined, StatusOfficial, StatusArchived} {
		if err := CanGrantOfficial(s, all); ErrorCode(err) != ECONFLICT {
			t.Errorf("CanGrantOfficial(%s) = %v, want a conflict", s, err)
		}
	}
	if err := CanGrantOfficial(StatusNew, nil); ErrorCode(err) != ECONFLICT {
		t.Errorf("CanGrantOfficial with no steps evaluated = %v, want a conflict", err)
	}

	f := metFacts()
	f.CurrentPolicyVersion = 3
	vals := passAll(recent)
	vals = append(vals, Validation{StepID: "meetings", Role: RoleAmbassador, Verdict: VerdictNeedsWork, Comment: "Vary the format", ByID: 2, ByName: "Dev", At: stepsNow})
	some := evaluateAll(f, vals)
	if AllMet(some) {
		t.Error("AllMet with open steps")
	}
	wantUnmet := []string{"Agree to the Social Media and Event Policy", "Meeting regularly, with appropriate content"}
	if got := Unmet(some); !slices.Equal(got, wantUnmet) {
		t.Errorf("Unmet = %q", got)
	}
	err := CanGrantOfficial(StatusNew, some)
	if ErrorCode(err) != ECONFLICT ||
		ErrorMessage(err) != "Official status needs every step met; still open: Agree to the Social Media and Event Policy; Meeting regularly, with appropriate content." {
		t.Fatalf("err = %v", err)
	}
	fields := ErrorFields(err)
	if keys := slices.Sorted(func(yield func(string) bool) {
		for k := range fields {
			if !yield(k) {
				return
			}
		}
	}); !reflect.DeepEqual(keys, []string{"meetings", "policy"}) {
		t.Errorf("fields = %v", fields)
	}
	if fields["policy"] != "Not met yet. Read what changed and agree to version 3." ||
		!strings.HasPrefix(fields["meetings"], "Needs work. Dev (ambassador) asked for changes: “Vary the format”. Make the changes") {
		t.Errorf("fields = %q", fields)
	}

	// A year later the validations lapse, and official status can no longer
	// be granted until the steps are reviewed again.
	later := evaluateAll(metFacts(), passAll(stepsNow.AddDate(-1, -1, 0)))
	if got := Unmet(later); len(got) != 3 || later[2].State != StepExpired {
		t.Errorf("a year later: %v, %s", got, later[2].State)
	}
}

func TestCanValidate(t *testing.T) {
	p := DefaultProgram()
	anyAmb := DefaultProgram()
	anyAmb.AmbassadorsValidateAnyGroup = true
	organisation, _ := p.Step("organisation")
	policy, _ := p.Step("policy")
	approverStep := Step{ID: "approval", Title: "Approved", Roles: []Role{RoleApprover}}
	user := func(roles ...Role) *User { return &User{ID: 9, Name: "U", Roles: roles} }
	const cm, amb, appr = RoleCommunityManager, RoleAmbassador, RoleApprover
	tests := []struct {
		name              string
		user              *User
		step              Step
		mentor, organizer bool
		program           Program
		code              string
		roles             []Role
	}{
		{"community manager", user(cm), organisation, false, false, p, "", []Role{cm}},
		{"mentoring ambassador", user(amb), organisation, true, false, p, "", []Role{amb}},
		{"ambassador of another group", user(amb), organisation, false, false, p, EFORBIDDEN, nil},
		{"ambassador, program allows any group", user(amb), organisation, false, false, anyAmb, "", []Role{amb}},
		{"both roles, not mentoring", user(cm, amb), organisation, false, false, p, "", []Role{cm}},
		{"both roles, mentoring", user(cm, amb), organisation, true, false, p, "", []Role{cm, amb}},
		{"organizer who is a community manager", user(cm), organisation, false, true, p, EFORBIDDEN, nil},
		{"organizer who mentors", user(amb), organisation, true, true, p, EFORBIDDEN, nil},
		{"approver on a step it does not validate", user(appr), organisation, false, false, p, EFORBIDDEN, nil},
		{"approver on its step", user(appr), approverStep, false, false, p, "", []Role{appr}},
		{"community manager on an approver step", user(cm), approverStep, false, false, p, EFORBIDDEN, nil},
		{"member without a role", user(), organisation, false, false, p, EFORBIDDEN, nil},
		{"anonymous", nil, organisation, false, false, p, EUNAUTHORIZED, nil},
		{"a step the portal checks alone", user(cm), policy, false, false, p, ECONFLICT, nil},
	}
	for _, tt := range tests {
		err := CanValidate(tt.user, tt.step, tt.mentor, tt.organizer, tt.program)
		if ErrorCode(err) != tt.code {
			t.Errorf("%s: CanValidate = %v, want code %q", tt.name, err, tt.code)
		}
		if got := ValidatorRoles(tt.user, tt.step, tt.mentor, tt.organizer, tt.program); !slices.Equal(got, tt.roles) {
			t.Errorf("%s: ValidatorRoles = %v, want %v", tt.name, got, tt.roles)
		}
	}
	if err := CanValidate(user(amb), organisation, false, false, p); !strings.Contains(ErrorMessage(err), "mentor") {
		t.Errorf("message for a non-mentoring ambassador: %q", ErrorMessage(err))
	}
	if err := CanValidate(user(cm), organisation, false, true, p); !strings.Contains(ErrorMessage(err), "You organize this group") {
		t.Errorf("message for an organizer: %q", ErrorMessage(err))
	}
}

func TestValidationValidate(t *testing.T) {
	tests := []struct {
		v      Validation
		fields []string
	}{
		{Validation{Verdict: VerdictPass}, nil},
		{Validation{Verdict: VerdictPass, Comment: "Well organised."}, nil},
		{Validation{Verdict: VerdictNeedsWork, Comment: "Add a second organizer."}, nil},
		{Validation{Verdict: VerdictNeedsWork, Comment: "  "}, []string{"comment"}},
		{Validation{Verdict: "maybe"}, []string{"verdict"}},
		{Validation{Verdict: VerdictPass, Comment: strings.Repeat("x", MaxCommentLen+1)}, []string{"comment"}},
	}
	for _, tt := range tests {
		err := tt.v.Validate()
		var got []string
		for k := range ErrorFields(err) {
			got = append(got, k)
		}
		slices.Sort(got)
		if !slices.Equal(got, tt.fields) {
			t.Errorf("%+v: fields %v, want %v", tt.v.Verdict, got, tt.fields)
		}
	}
}

func TestAcceptedRhythmValidate(t *testing.T) {
	if err := (&AcceptedRhythm{Cadence: "quarterly", Note: "Suits the culture"}).Validate(); err != nil {
		t.Errorf("valid rhythm: %v", err)
	}
	err := (&AcceptedRhythm{Cadence: "sometimes", Note: " "}).Validate()
	if f := ErrorFields(err); f["cadence"] == "" || f["note"] == "" {
		t.Errorf("fields = %v", f)
	}
}

func TestCanMarkNotNeeded(t *testing.T) {
	p := DefaultProgram()
	mentor, _ := p.Step("mentor")
	meetings, _ := p.Step("meetings")
	cm := &User{Roles: []Role{RoleCommunityManager}}
	amb := &User{Roles: []Role{RoleAmbassador}}
	tests := []struct {
		user   *User
		step   Step
		reason string
		code   string
	}{
		{cm, mentor, "Established group", ""},
		{cm, mentor, " ", EINVALID},
		{cm, meetings, "Established group", ECONFLICT},
		{amb, mentor, "Established group", EFORBIDDEN},
		{nil, mentor, "Established group", EFORBIDDEN},
	}
	for _, tt := range tests {
		if got := ErrorCode(CanMarkNotNeeded(tt.user, tt.step, tt.reason)); got != tt.code {
			t.Errorf("%v on %s with %q: %q, want %q", tt.user, tt.step.ID, tt.reason, got, tt.code)
		}
	}
}

func TestGroupFactsOf(t *testing.T) {
	g := &Group{
		Name: "Lyon Gophers", OrganiserEmails: []string{"team@example.org"}, PolicyVersion: 1,
		Channels:     []Channel{{Type: "chat", URL: "https://chat.example.org"}},
		Coordinators: []Coordinator{{Email: "ann@example.org", Name: "Ann", Employer: "ACME"}},
		Cadence:      "monthly",
	}
	f := GroupFactsOf(g, DefaultRequirements, 2)
	want := GroupFacts{PolicyVersion: 1, CurrentPolicyVersion: 2, CompletenessPercent: 66, CompletenessMissing: []string{"Add a web address."},
		Coordinators: g.Coordinators, Channels: 1, Cadence: "monthly"}
	if !reflect.DeepEqual(f, want) {
		t.Errorf("got  %+v\nwant %+v", f, want)
	}
	if r := evaluateCheck(NewCheck(CheckCompleteness), f, ""); r.Explanation() != "Contact information 66% complete: add a web address." {
		t.Errorf("explanation = %q", r.Explanation())
	}
}

func TestStepStateLabels(t *testing.T) {
	for _, s := range []StepState{StepMet, StepNotMet, StepAwaitingValidation, StepValidated, StepNeedsWork, StepExpired, StepNotNeeded} {
		if s.Label() == "" {
			t.Errorf("%s has no label", s)
		}
	}
}
