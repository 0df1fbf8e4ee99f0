package sqldb

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	ch "chapterhouse"
)

// QueueItem is a group waiting for a reviewer.
type QueueItem struct {
	Group   *ch.Group
	Results []ch.StepResult // every step
	Waiting []ch.StepResult // the steps that match the filter
	// ReadyToGrant: every step is met and the group may become official.
	ReadyToGrant bool
}

// queueBatch is how many groups the queue evaluates per round of statements.
const queueBatch = 200

// ValidationQueue returns the groups waiting for a validation or for a
// decision, oldest group first, evaluated against p now.
//
// Whether a step waits depends on Evaluate (checks, verdicts, expiry), so
// the queue reads the candidate groups (listed statuses, filtered in SQL by
// country and mentor) in batches of queueBatch, gathers each batch's facts in
// about ten statements and evaluates in Go, until Limit groups are found.
// Its cost grows with the groups scanned, not with those shown: when few of
// 10,000 groups wait, one call reads all of them (some 500 statements and
// tens of milliseconds on SQLite). A page used often at that scale should
// keep each group's state in a column, refreshed by every write that changes
// a fact, and select on it.
func (db *DB) ValidationQueue(ctx context.Context, p ch.Program, f ch.QueueFilter) ([]QueueItem, error) {
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	statuses := f.Statuses
	if len(statuses) == 0 {
		statuses = []ch.Status{ch.StatusNew, ch.StatusOfficial, ch.StatusRevoked}
	}
	states := f.States
	if len(states) == 0 {
		states = []ch.StepState{ch.StepAwaitingValidation, ch.StepExpired}
	}
	decisions := f.Kind != ch.QueueValidations && f.StepID == "" && (f.Role == "" || f.Role == ch.RoleCommunityManager)
	validations := f.Kind != ch.QueueDecisions
	now := db.now()
	var out []QueueItem
	var after *ch.Group
	for len(out) < f.Limit {
		a := sqlArgs{d: db.d}
		query := `SELECT ` + groupColumns + ` FROM groups g WHERE g.status IN (` + addList(&a, statuses) + `)`
		if f.Country != "" {
			query += ` AND g.country = ` + a.add(strings.ToUpper(f.Country))
		}
		if f.AmbassadorID != 0 {
			query += ` AND EXISTS (SELECT 1 FROM group_ambassadors a WHERE a.group_id = g.id AND a.user_id = ` + a.add(f.AmbassadorID) + ` AND ` + activeAmbassador + `)`
		}
		if after != nil {
			query += fmt.Sprintf(` AND (g.created_at > %s OR (g.created_at = %s AND g.id > %s))`, a.add(after.CreatedAt), a.add(after.CreatedAt), a.add(after.ID))
		}
		query += ` ORDER BY g.created_at, g.id LIMIT ` + strconv.Itoa(queueBatch)
		groups, err := db.queryGroups(ctx, query, a.vals...)
		if err != nil {
			return nil, err
		}
		if len(groups) == 0 {
			break
		}
		if err := db.loadDetails(ctx, db.sql, groups...); err != nil {
			return nil, err
		}
		_, evaluated, err := db.evaluate(ctx, db.sql, p, now, groups...)
		if err != nil {
			return nil, err
		}
		for i, g := range groups {
			results := evaluated[i]
			item := QueueItem{Group: g, Results: results}
			if validations {
				for _, r := range results {
					if slices.Contains(states, r.State) && (f.StepID == "" || r.Step.ID == f.StepID) &&
						(f.Role == "" || slices.Contains(r.MissingRoles, f.Role)) {
						item.Waiting = append(item.Waiting, r)
					}
				}
			}
			item.ReadyToGrant = decisions && ch.CanGrantOfficial(g.Status, results) == nil
			if len(item.Waiting) > 0 || item.ReadyToGrant {
				out = append(out, item)
				if len(out) == f.Limit {
					break
				}
			}
		}
		if len(groups) < queueBatch {
			break
		}
		after = groups[len(groups)-1]
	}
	return out, nil
}
