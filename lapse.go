package chapterhouse

import (
	"slices"
	"strings"
	"time"
)

// Official status follows the facts: when an official group stops meeting
// a step (a coordinator leaves, a validation expires, a new policy version
// is not agreed yet), the people who can act are told once and community
// managers see it in their queue. Nothing is revoked automatically: a
// community manager decides.

// Lapse is an official group's record of the steps it no longer meets.
type Lapse struct {
	Steps []string // step ids, in program order
	Since time.Time
}

// LapseChange is what to do with a group's lapse after its steps were
// evaluated.
type LapseChange struct {
	// Record is the lapse to store; nil means delete the stored one.
	Record *Lapse
	// Newly are the steps that stopped being met since the stored lapse:
	// the people to tell are told about these.
	Newly []StepResult
}

// FollowFacts compares a group's stored lapse (nil when none) with its
// steps as they stand at now. Only official groups lapse. A lapse that only
// shrinks is updated without telling anyone again; one that grows tells
// about the new steps only, so each failing step is told once.
func FollowFacts(status Status, stored *Lapse, results []StepResult, now time.Time) LapseChange {
	if status != StatusOfficial {
		return LapseChange{}
	}
	var unmet []string
	var newly []StepResult
	for _, r := range results {
		if r.State.Satisfied() {
			continue
		}
		unmet = append(unmet, r.Step.ID)
		if stored == nil || !slices.Contains(stored.Steps, r.Step.ID) {
			newly = append(newly, r)
		}
	}
	if len(unmet) == 0 {
		return LapseChange{}
	}
	since := now
	if stored != nil {
		since = stored.Since
	}
	return LapseChange{Record: &Lapse{Steps: unmet, Since: since}, Newly: newly}
}

// Changed reports whether c differs from the stored lapse.
func (c LapseChange) Changed(stored *Lapse) bool {
	if c.Record == nil || stored == nil {
		return (c.Record == nil) != (stored == nil)
	}
	return !slices.Equal(c.Record.Steps, stored.Steps)
}

// LapseSteps encodes a lapse's step ids for storage, and ParseLapseSteps
// reads them back (step ids are lower-case letters, digits and hyphens).
func LapseSteps(ids []string) string { return strings.Join(ids, ",") }

// ParseLapseSteps reads what LapseSteps wrote.
func ParseLapseSteps(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// Rename is an official group's change of name waiting for a community
// manager's decision: accepted, or rolled back to the old name.
type Rename struct {
	OldName, OldShortName string
	NewName, NewShortName string
	ByID                  int64
	ByName                string
	At                    time.Time
}

// NeedsRenameReview reports whether an edit of a group in status changes
// its name in a way the program must see: official groups carry the
// program's logo and name, so a new name is reviewed like the first one.
func NeedsRenameReview(status Status, oldName, oldShort, newName, newShort string) bool {
	return status == StatusOfficial && (oldName != newName || oldShort != newShort)
}

// RenameDecision is a community manager's verdict on a rename.
type RenameDecision string

const (
	RenameAccept   RenameDecision = "accept"
	RenameRollBack RenameDecision = "roll_back"
)

// History entries of official status following the facts.
const (
	EventStepsLapsed      EventKind = "steps_lapsed"       // Detail: the newly failing step ids
	EventStepsMetAgain    EventKind = "steps_met_again"    // every step met again
	EventRenameAccepted   EventKind = "rename_accepted"    // Detail: the old name
	EventRenameRolledBack EventKind = "rename_rolled_back" // Detail: the name undone
)
