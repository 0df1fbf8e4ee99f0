package chapterhouse

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestDefaultProgram(t *testing.T) {
	p := DefaultProgram()
	if p.Version != 1 || p.ValidationValidity != (Period{Months: 12}) || p.AmbassadorsValidateAnyGroup {
		t.Errorf("settings = %d, %v, %t; want 1, 12 months, false", p.Version, p.ValidationValidity, p.AmbassadorsValidateAnyGroup)
	}
	cmAndAmb := []Role{RoleCommunityManager, RoleAmbassador}
	want := []struct {
		id        string
		roles     []Role
		check     Check
		notNeeded bool
	}{
		{"policy", nil, Check{Kind: CheckPolicy}, false},
		{"contact", nil, Check{Kind: CheckCompleteness, MinPercent: 100}, false},
		{"organisation", cmAndAmb, Check{Kind: CheckCoordinators, MinPeople: 2, MinEmployers: 2}, false},
		{"channels", cmAndAmb, Check{Kind: CheckChannels, MinChannels: 1}, false},
		{"meetings", cmAndAmb, Check{Kind: CheckMeetings, Ratio: 0.75}, false},
		{"mentor", nil, Check{Kind: CheckAmbassador, MinAmbassadors: 1}, true},
	}
	if len(p.Steps) != len(want) {
		t.Fatalf("%d steps, want %d", len(p.Steps), len(want))
	}
	for i, w := range want {
		s := p.Steps[i]
		if s.ID != w.id || !slices.Equal(s.Roles, w.roles) || !reflect.DeepEqual(s.Checks, []Check{w.check}) || s.NotNeededAllowed != w.notNeeded {
			t.Errorf("step %d = %+v\nwant id %s roles %v check %+v notNeeded %t", i+1, s, w.id, w.roles, w.check, w.notNeeded)
		}
		if s.Title == "" {
			t.Errorf("step %s has no title", s.ID)
		}
		// Guidance teaches: several paragraphs of real text.
		if paras := strings.Count(s.Guidance, "\n\n") + 1; paras < 4 || len(s.Guidance) < 1200 {
			t.Errorf("step %s: guidance has %d paragraphs and %d bytes; write more", s.ID, paras, len(s.Guidance))
		}
	}
	// The tips of the in-house document appear where they fit.
	all := strings.ToLower(string(DefaultProgramTOML()))
	for _, tip := range []string{"code of conduct", "standby speaker", "as early as you can", "call for presentations",
		"recorded", "several organizers", "different employers", "short talks", "workshops", "rehearsal", "not needed"} {
		if !strings.Contains(all, tip) {
			t.Errorf("default guidance never mentions %q", tip)
		}
	}
	// Each call returns a copy.
	p.Steps[0].Roles = append(p.Steps[0].Roles, RoleApprover)
	p.Steps[1].Checks[0].MinPercent = 1
	if q := DefaultProgram(); len(q.Steps[0].Roles) != 0 || q.Steps[1].Checks[0].MinPercent != 100 {
		t.Error("DefaultProgram shares its slices with callers")
	}
	if err := DefaultProgram().Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
}

// The embedded file is exactly what ExportProgram writes, so that
// `program export` prints the documented default unchanged.
func TestExportDefaultIsTheEmbeddedFile(t *testing.T) {
	got := ExportProgram(DefaultProgram())
	if !bytes.Equal(got, defaultProgramTOML) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(defaultProgramTOML), "\n")
		for i := range max(len(gl), len(wl)) {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Fatalf("ExportProgram(DefaultProgram()) differs from program/default.toml at line %d:\n got: %q\nwant: %q", i+1, g, w)
			}
		}
	}
}

func TestProgramRoundTrip(t *testing.T) {
	custom := DefaultProgram()
	custom.Version = 7
	custom.ValidationValidity = Period{Months: 1, Days: 15}
	custom.AmbassadorsValidateAnyGroup = true
	custom.Steps[2].Checks[0].MinEmployers = 1
	custom.Steps[2].Roles = []Role{RoleApprover}
	custom.Steps[4].Checks[0].Ratio = 0.5
	custom.Steps = append(custom.Steps,
		Step{ID: "odd-text", Title: `Quotes "double" and 'single' \ backslash`,
			Guidance: "Ends with a quote: it's the group'", Roles: []Role{RoleCommunityManager}},
		Step{ID: "triple", Title: "Tab\there", Guidance: "Holds ''' three quotes\nand a bell \a and é ✓ 🎉",
			Checks: []Check{NewCheck(CheckChannels), NewCheck(CheckCompleteness)}},
		Step{ID: "empty-guidance", Title: "No guidance", Checks: []Check{{Kind: CheckMeetings, Ratio: 1}}},
	)
	for _, p := range []Program{DefaultProgram(), custom} {
		data := ExportProgram(p)
		got, err := ParseProgram("exported.toml", data)
		if err != nil {
			t.Fatalf("ParseProgram(ExportProgram(p)): %v\n%s", err, data)
		}
		if !reflect.DeepEqual(got, p) {
			t.Errorf("round trip changed the program:\n got %+v\nwant %+v", got, p)
		}
		if again := ExportProgram(got); !bytes.Equal(again, data) {
			t.Error("exporting twice gives different files")
		}
	}
}

func TestParseProgramDefaults(t *testing.T) {
	src := `
[[steps]]
id = "meetings"
title = "  Meet  "
guidance = """
  Some *Markdown*.\r
"""
validated_by = ["ambassador"]
checks = [{ kind = "meetings" }, { kind = "coordinators", min_people = 3 }]

[[steps]]
id = "contact"
title = "Contact"
[[steps.checks]]
kind = "completeness"
[[steps.checks]]
kind = "ambassador"
`
	p, err := ParseProgram("p.toml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	want := Program{Version: 1, ValidationValidity: Period{Months: 12}, Steps: []Step{
		{ID: "meetings", Title: "Meet", Guidance: "Some *Markdown*.", Roles: []Role{RoleAmbassador},
			Checks: []Check{{Kind: CheckMeetings, Ratio: 0.75}, {Kind: CheckCoordinators, MinPeople: 3, MinEmployers: 2}}},
		{ID: "contact", Title: "Contact", Checks: []Check{{Kind: CheckCompleteness, MinPercent: 100}, {Kind: CheckAmbassador, MinAmbassadors: 1}}},
	}}
	if !reflect.DeepEqual(p, want) {
		t.Errorf("got  %+v\nwant %+v", p, want)
	}
}

// lineOf returns the number of the only line of src containing needle, so
// that the tests below state lines independently of the parser.
func lineOf(t *testing.T, src, needle string) int {
	t.Helper()
	n := 0
	for i, l := range strings.Split(src, "\n") {
		if strings.Contains(l, needle) {
			if n != 0 {
				t.Fatalf("%q is on lines %d and %d", needle, n, i+1)
			}
			n = i + 1
		}
	}
	if n == 0 {
		t.Fatalf("%q is not in the source", needle)
	}
	return n
}

// The example from the issue, with the line written out: line 23.
func TestParseProgramReportsFileAndLine(t *testing.T) {
	src := `version = 1
validation_validity = "12 months"

[[steps]]
id = "policy"
title = "Agree to the policy"
guidance = '''
Read it.

Then agree.
'''

[[steps.checks]]
kind = "policy"

[[steps]]
id = "meetings"
title = "Meet regularly"
validated_by = ["community-manager", "ambassador"]

[[steps.checks]]
kind = "meetings"
ratio = 1.5
`
	_, err := ParseProgram("program.toml", []byte(src))
	want := `program.toml:23: step "meetings": ratio must be between 0 and 1`
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v\nwant %s", err, want)
	}
	var pe *ProgramError
	if !errors.As(err, &pe) || pe.File != "program.toml" || len(pe.Problems) != 1 || pe.Problems[0].Line != 23 {
		t.Errorf("ProgramError = %+v", pe)
	}
	if ErrorCode(err) != EINVALID || !strings.Contains(ErrorMessage(err), want) {
		t.Errorf("code %q, message %q", ErrorCode(err), ErrorMessage(err))
	}
}

func TestParseProgramErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		// want lists "needle|message": the error is on the line holding the
		// needle; an empty needle means no line.
		want []string
	}{
		{"unknown top-level key", "versoin = 2\n" + oneStep,
			[]string{`versoin|unknown key "versoin" (use version, validation_validity, ambassadors_validate_any_group, steps)`}},
		{"unknown step key", oneStep + "roles = []\n",
			[]string{`roles|step "policy": unknown key "roles" (use id, title, validated_by, not_needed_allowed, guidance, checks)`}},
		{"unknown check setting", oneStep + "[[steps.checks]]\nkind = \"meetings\"\nratoi = 0.5\n",
			[]string{`ratoi|step "policy": check "meetings": unknown key "ratoi" (use kind, ratio)`}},
		{"setting of another kind", oneStep + "[[steps.checks]]\nkind = \"channels\"\nmin_percent = 50\n",
			[]string{`min_percent|step "policy": check "channels": unknown key "min_percent" (use kind, min_channels)`}},
		{"wrong types", "version = \"2\"\nambassadors_validate_any_group = \"yes\"\n" + oneStep + "not_needed_allowed = 1\n[[steps.checks]]\nkind = \"completeness\"\nmin_percent = 99.5\n",
			[]string{
				`version = "2"|version must be a whole number, not a string`,
				`ambassadors_validate_any_group|ambassadors_validate_any_group must be true or false, not a string`,
				`not_needed_allowed|step "policy": not_needed_allowed must be true or false, not an integer`,
				`min_percent|step "policy": min_percent must be a whole number, not a number with a fraction`,
			}},
		{"title of the wrong type is not also missing", "[[steps]]\nid = \"x\"\ntitle = 3\nvalidated_by = [\"ambassador\"]\n",
			[]string{`title = 3|step "x": title must be a string, not an integer`}},
		{"unknown check kind", oneStep + "[[steps.checks]]\nkind = \"karma\"\n",
			[]string{`karma|step "policy": unknown check kind "karma" (use "policy", "completeness", "coordinators", "channels", "meetings", "ambassador")`}},
		{"check without kind", oneStep + "[[steps.checks]]\nmin_channels = 2\n",
			[]string{`[[steps.checks]]|step "policy": a check has no kind (use "policy", "completeness", "coordinators", "channels", "meetings", "ambassador")`}},
		{"unknown role on its own line", "[[steps]]\nid = \"org\"\ntitle = \"Org\"\nvalidated_by = [\n  \"community-manager\",\n  \"mentor\",\n]\n",
			[]string{`"mentor"|step "org": unknown role "mentor" (use "community-manager", "ambassador", "approver")`}},
		{"role listed twice", "[[steps]]\nid = \"org\"\ntitle = \"Org\"\nvalidated_by = [\"ambassador\", \"ambassador\"]\n",
			[]string{`validated_by|step "org": role "ambassador" is listed twice`}},
		{"duplicate step id", oneStep + "\n[[steps]]\nid = \"policy\" # again\ntitle = \"Again\"\nvalidated_by = [\"ambassador\"]\n",
			[]string{`# again|step "policy": duplicate id: step 1 already uses it`}},
		{"missing title points at the step", "[[steps]] # the step\nid = \"contact\"\nvalidated_by = [\"ambassador\"]\n",
			[]string{`# the step|step "contact": title is missing`}},
		{"missing id", "[[steps]]\ntitle = \"No id\"\nvalidated_by = [\"ambassador\"]\n",
			[]string{`[[steps]]|step 1: id is missing`}},
		{"bad id", "[[steps]]\nid = \"Meet Ups\"\ntitle = \"T\"\nvalidated_by = [\"ambassador\"]\n",
			[]string{`Meet Ups|step 1: id must be lower-case letters, digits and dashes, at most 40 characters`}},
		{"thresholds out of range", oneStep +
			"[[steps.checks]]\nkind = \"completeness\"\nmin_percent = 101\n" +
			"[[steps.checks]]\nkind = \"coordinators\"\nmin_people = -1\nmin_employers = 21\n" +
			"[[steps.checks]]\nkind = \"channels\"\nmin_channels = -3\n" +
			"[[steps.checks]]\nkind = \"ambassador\"\nmin_ambassadors = -1\n" +
			"[[steps.checks]]\nkind = \"meetings\"\nratio = 0\n",
			[]string{
				`min_percent|step "policy": min_percent must be between 0 and 100`,
				`min_people|step "policy": min_people must be between 0 and 20 (a group lists at most 20 coordinators)`,
				`min_employers|step "policy": min_employers must be between 0 and 20`,
				`min_channels|step "policy": min_channels must be between 0 and 20 (a group lists at most 20 channels)`,
				`min_ambassadors|step "policy": min_ambassadors must be between 0 and 20`,
				`ratio = 0|step "policy": ratio must be between 0 and 1`,
			}},
		{"negative ratio and nan", oneStep + "[[steps.checks]]\nkind = \"meetings\"\nratio = -0.5\n\n[[steps]]\nid = \"b\"\ntitle = \"B\"\n[[steps.checks]]\nkind = \"meetings\"\nratio = nan\n",
			[]string{`ratio = -0.5|step "policy": ratio must be between 0 and 1`, `ratio = nan|step "b": ratio must be between 0 and 1`}},
		{"same check twice", oneStep + "[[steps.checks]]\nkind = \"channels\"\n[[steps.checks]]\nkind = \"channels\" # twice\n",
			[]string{`# twice|step "policy": check "channels" is listed twice`}},
		{"validity too short", "validation_validity = \"0 days\"\n" + oneStep,
			[]string{`validation_validity|validation_validity must be at least 1 day`}},
		{"validity unreadable", "validation_validity = \"12 fortnights\"\n" + oneStep,
			[]string{`validation_validity|validation_validity "12 fortnights" is not a length of time: write a number of days, weeks, months or years, such as "12 months"`}},
		{"version zero", "version = 0\n" + oneStep,
			[]string{`version|version must be 1 or more`}},
		{"no steps", "version = 2\n",
			[]string{`|the program has no steps: add at least one [[steps]]`}},
		{"steps of the wrong type", "steps = 3\n",
			[]string{`steps = 3|steps must be an array of tables, not an integer`}},
		{"a step that checks nothing", "[[steps]] # empty\nid = \"x\"\ntitle = \"X\"\n",
			[]string{`# empty|step "x": has neither checks nor validated_by, so it would always be met`}},
		{"inline tables keep their lines", "[[steps]]\nid = \"m\"\ntitle = \"M\"\nchecks = [\n  { kind = \"policy\" },\n  { kind = \"meetings\", ratio = 2.0 },\n]\n",
			[]string{`ratio = 2.0|step "m": ratio must be between 0 and 1`}},
		{"validated_by not an array", "[[steps]]\nid = \"x\"\ntitle = \"X\"\nvalidated_by = \"ambassador\"\n",
			[]string{`validated_by|step "x": validated_by must be an array of roles, not a string`}},
		{"validated_by holding a number", "[[steps]]\nid = \"x\"\ntitle = \"X\"\nvalidated_by = [\n  \"ambassador\",\n  7,\n]\n",
			[]string{`  7,|step "x": validated_by must be an array of role names, not an integer`}},
		{"checks not an array, not reported as missing", "[[steps]]\nid = \"x\"\ntitle = \"X\"\nchecks = \"policy\"\n",
			[]string{`checks|step "x": checks must be an array of tables, not a string`}},
		{"a step that is not a table", "steps = [\n  { id = \"a\", title = \"A\", validated_by = [\"ambassador\"] },\n  1979-05-27,\n]\n",
			[]string{`1979|steps must be an array of tables, not a date or time`}},
		{"kind and ratio of the wrong type", oneStep + "[[steps.checks]]\nkind = 1\n[[steps.checks]]\nkind = \"meetings\"\nratio = \"high\"\n",
			[]string{`kind = 1|step "policy": kind must be a string, not an integer`, `"high"|step "policy": ratio must be a number, not a string`}},
		{"integer too large", "version = 99999999999\n" + oneStep,
			[]string{`version|version is out of range`}},
		{"a table where a value belongs", "[version]\nmajor = 1\n" + oneStep,
			[]string{`[version]|version must be a whole number, not a table`}},
		{"syntax error", oneStep + "guidance = \n",
			[]string{`guidance|TOML syntax: unexpected character U+000A at start of value`}},
		{"key defined twice", oneStep + "title = \"Again\"\n",
			[]string{`"Again"|TOML syntax: key title is already defined`}},
		{"not UTF-8", "version = 1\n# caf\xe9\n" + oneStep,
			[]string{"caf\xe9|the file is not valid UTF-8 text"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseProgram("program.toml", []byte(tt.src))
			var want []string
			for _, w := range tt.want {
				needle, msg, _ := strings.Cut(w, "|")
				switch {
				case needle == "":
					want = append(want, "program.toml: "+msg)
				default:
					want = append(want, fmt.Sprintf("program.toml:%d: %s", lineOf(t, tt.src, needle), msg))
				}
			}
			if err == nil {
				t.Fatalf("no error; want\n%s", strings.Join(want, "\n"))
			}
			if got := err.Error(); got != strings.Join(want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", got, strings.Join(want, "\n"))
			}
		})
	}
}

// oneStep is a valid step for the error tests to spoil.
const oneStep = `[[steps]]
id = "policy"
title = "Agree to the policy"
validated_by = ["community-manager"]
`

// Every problem of a file is reported at once, in the order of the file,
// each on its own line — including inside the n-th [[steps]] table, whose
// keys all have the same dotted name.
func TestParseProgramCollectsAllProblems(t *testing.T) {
	src := `version = -1
colour = "blue"

[[steps]]
id = "a"
title = "A"
[[steps.checks]]
kind = "meetings"
ratio = 0.5

[[steps]]
id = "b"
title = ""
validated_by = ["wizard"]
[[steps.checks]]
kind = "meetings"
ratio = 3

[[steps]]
id = "a"
title = "C"
[[steps.checks]]
kind = "completeness"
min_percent = 150
`
	_, err := ParseProgram("p.toml", []byte(src))
	want := strings.Join([]string{
		`p.toml:1: version must be 1 or more`,
		`p.toml:2: unknown key "colour" (use version, validation_validity, ambassadors_validate_any_group, steps)`,
		`p.toml:13: step "b": title is missing`,
		`p.toml:14: step "b": unknown role "wizard" (use "community-manager", "ambassador", "approver")`,
		`p.toml:17: step "b": ratio must be between 0 and 1`,
		`p.toml:20: step "a": duplicate id: step 1 already uses it`,
		`p.toml:24: step "a": min_percent must be between 0 and 100`,
	}, "\n")
	if err == nil || err.Error() != want {
		t.Errorf("got\n%v\nwant\n%s", err, want)
	}
	var pe *ProgramError
	if errors.As(err, &pe) && len(pe.Problems) != 7 {
		t.Errorf("%d problems, want 7", len(pe.Problems))
	}
}

func TestProgramValidateFields(t *testing.T) {
	p := DefaultProgram()
	p.Steps[4].Checks[0].Ratio = 1.2
	p.Steps[1].Title = " "
	err := p.Validate()
	if ErrorCode(err) != EINVALID {
		t.Fatalf("err = %v", err)
	}
	want := map[string]string{
		"steps.4.checks.0.ratio": `step "meetings": ratio must be between 0 and 1`,
		"steps.1.title":          `step "contact": title is missing`,
	}
	if got := ErrorFields(err); !reflect.DeepEqual(got, want) {
		t.Errorf("fields = %v", got)
	}
}

func TestParsePeriod(t *testing.T) {
	tests := []struct {
		in   string
		want Period
		str  string
	}{
		{"12 months", Period{Months: 12}, "12 months"},
		{"1 month", Period{Months: 1}, "1 month"},
		{"1 year", Period{Months: 12}, "12 months"},
		{"2y", Period{Months: 24}, "24 months"},
		{"90 days", Period{Days: 90}, "90 days"},
		{"1 day", Period{Days: 1}, "1 day"},
		{"2 weeks", Period{Days: 14}, "14 days"},
		{" 1 Year  6 Months 3 days ", Period{Months: 18, Days: 3}, "18 months 3 days"},
		{"6months", Period{Months: 6}, "6 months"},
		{"0 days", Period{}, "0 days"},
	}
	for _, tt := range tests {
		got, err := ParsePeriod(tt.in)
		if err != nil || got != tt.want || got.String() != tt.str {
			t.Errorf("ParsePeriod(%q) = %+v (%q), %v; want %+v (%q)", tt.in, got, got.String(), err, tt.want, tt.str)
		}
	}
	for _, bad := range []string{"", "12", "months", "12 fortnights", "-1 day", "1.5 months", "12 months ago"} {
		if p, err := ParsePeriod(bad); err == nil {
			t.Errorf("ParsePeriod(%q) = %+v, want an error", bad, p)
		}
	}
	var p struct{ V Period }
	if err := json.Unmarshal([]byte(`{"V": "1 year 2 days"}`), &p); err != nil || p.V != (Period{Months: 12, Days: 2}) {
		t.Errorf("json.Unmarshal = %+v, %v", p, err)
	}
	if b, _ := json.Marshal(p); string(b) != `{"V":"12 months 2 days"}` {
		t.Errorf("json.Marshal = %s", b)
	}
	if err := json.Unmarshal([]byte(`{"V": "soon"}`), &p); ErrorCode(err) != EINVALID {
		t.Errorf("json.Unmarshal of a bad period: %v", err)
	}
	if (Period{}).Valid() || !(Period{Days: 1}).Valid() || (Period{Months: -1, Days: 40}).Valid() {
		t.Error("Valid is wrong")
	}
}

// FuzzParseProgram: no input makes the parser panic, and whatever it accepts
// survives a round trip through ExportProgram.
func FuzzParseProgram(f *testing.F) {
	f.Add(defaultProgramTOML)
	f.Add([]byte(oneStep + "[[steps.checks]]\nkind = \"meetings\"\nratio = 0.5\n"))
	f.Add([]byte("steps = [{ id = \"a\", title = \"A\", checks = [{ kind = \"channels\" }] }]\n"))
	f.Add([]byte("[steps]\nid = 1\n[[steps.checks]]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParseProgram("f.toml", data)
		if err != nil {
			var pe *ProgramError
			if !errors.As(err, &pe) || len(pe.Problems) == 0 {
				t.Fatalf("error is not a *ProgramError with problems: %v", err)
			}
			return
		}
		back, err := ParseProgram("f.toml", ExportProgram(p))
		if err != nil || !reflect.DeepEqual(back, p) {
			t.Fatalf("round trip: %v\n%+v\n%+v", err, p, back)
		}
	})
}
