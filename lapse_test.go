package chapterhouse

import (
	"slices"
	"testing"
	"time"
)

func results(states map[string]StepState, order ...string) []StepResult {
	var out []StepResult
	for _, id := range order {
		out = append(out, StepResult{Step: Step{ID: id, Title: "Step " + id}, State: states[id]})
	}
	return out
}

func TestFollowFacts(t *testing.T) {
	now := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	before := now.AddDate(0, 0, -3)
	order := []string{"policy", "organisation", "meetings"}
	met := map[string]StepState{"policy": StepMet, "organisation": StepValidated, "meetings": StepNotNeeded}
	oneFails := map[string]StepState{"policy": StepMet, "organisation": StepNotMet, "meetings": StepNotNeeded}
	twoFail := map[string]StepState{"policy": StepNotMet, "organisation": StepNotMet, "meetings": StepNotNeeded}
	ids := func(rs []StepResult) []string {
		var out []string
		for _, r := range rs {
			out = append(out, r.Step.ID)
		}
		return out
	}
	for _, tc := range []struct {
		name       string
		status     Status
		stored     *Lapse
		states     map[string]StepState
		wantSteps  []string // nil: no lapse to keep
		wantSince  time.Time
		wantNewly  []string
		wantChange bool
	}{
		{"official, every step met", StatusOfficial, nil, met, nil, time.Time{}, nil, false},
		{"official, a step fails: told", StatusOfficial, nil, oneFails, []string{"organisation"}, now, []string{"organisation"}, true},
		{"the same step still fails: told once", StatusOfficial, &Lapse{Steps: []string{"organisation"}, Since: before}, oneFails,
			[]string{"organisation"}, before, nil, false},
		{"another step fails too: told about it only", StatusOfficial, &Lapse{Steps: []string{"organisation"}, Since: before}, twoFail,
			[]string{"policy", "organisation"}, before, []string{"policy"}, true},
		{"one of two is met again: nobody told", StatusOfficial, &Lapse{Steps: []string{"policy", "organisation"}, Since: before}, oneFails,
			[]string{"organisation"}, before, nil, true},
		{"every step met again: the lapse goes", StatusOfficial, &Lapse{Steps: []string{"organisation"}, Since: before}, met, nil, time.Time{}, nil, true},
		{"a new group does not lapse", StatusNew, nil, twoFail, nil, time.Time{}, nil, false},
		{"revoked: the lapse goes", StatusRevoked, &Lapse{Steps: []string{"organisation"}, Since: before}, oneFails, nil, time.Time{}, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := FollowFacts(tc.status, tc.stored, results(tc.states, order...), now)
			if tc.wantSteps == nil {
				if c.Record != nil {
					t.Errorf("record %+v, want none", c.Record)
				}
			} else if c.Record == nil || !slices.Equal(c.Record.Steps, tc.wantSteps) || !c.Record.Since.Equal(tc.wantSince) {
				t.Errorf("record %+v, want steps %v since %v", c.Record, tc.wantSteps, tc.wantSince)
			}
			if got := ids(c.Newly); !slices.Equal(got, tc.wantNewly) {
				t.Errorf("newly %v, want %v", got, tc.wantNewly)
			}
			if got := c.Changed(tc.stored); got != tc.wantChange {
				t.Errorf("changed %v, want %v", got, tc.wantChange)
			}
		})
	}
}

func TestLapseStepsRoundTrip(t *testing.T) {
	for _, ids := range [][]string{nil, {"policy"}, {"policy", "organisation", "meetings-2"}} {
		if got := ParseLapseSteps(LapseSteps(ids)); !slices.Equal(got, ids) {
			t.Errorf("%v → %q → %v", ids, LapseSteps(ids), got)
		}
	}
}

func TestNeedsRenameReview(t *testing.T) {
	for _, tc := range []struct {
		status                   Status
		oldName, oldShort, n, ns string
		want                     bool
	}{
		{StatusOfficial, "Lyon Python", "LyPy", "Lyon Python", "LyPy", false},
		{StatusOfficial, "Lyon Python", "LyPy", "Python Lyon", "LyPy", true},
		{StatusOfficial, "Lyon Python", "LyPy", "Lyon Python", "PyLy", true},
		{StatusNew, "Lyon Python", "LyPy", "Python Lyon", "PyLy", false},
		{StatusRevoked, "Lyon Python", "", "Python Lyon", "", false},
	} {
		if got := NeedsRenameReview(tc.status, tc.oldName, tc.oldShort, tc.n, tc.ns); got != tc.want {
			t.Errorf("%s %q/%q → %q/%q: %v, want %v", tc.status, tc.oldName, tc.oldShort, tc.n, tc.ns, got, tc.want)
		}
	}
}
