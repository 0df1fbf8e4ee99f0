package sqldb

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"time"

	ch "chapterhouse"
)

// Official status follows the facts: lapses of official groups and renames
// waiting for a decision (see ch.FollowFacts and ch.NeedsRenameReview).

// LapseNotify makes the mails about steps newly failing, given the
// group's mentors and the community managers, loaded only when there is
// something to tell.
type LapseNotify func(g *ch.Group, newly []ch.StepResult, mentors, managers []*ch.User) []ch.Mail

// FollowFacts evaluates the steps of program p for a group on its locked
// row and brings its recorded lapse up to date (ch.FollowFacts): a step
// newly failing is written to the history and told, through notify, in the
// same transaction, so that it is told exactly once however many nodes and
// sweeps look at the group.
func (db *DB) FollowFacts(ctx context.Context, slug string, p ch.Program, notify LapseNotify) (ch.LapseChange, error) {
	// Most looks change nothing: read first, so that a sweep over every
	// official group takes no write lock for those, then decide again on
	// the locked row.
	g, err := db.GroupBySlug(ctx, slug)
	if err != nil {
		return ch.LapseChange{}, err
	}
	c, stored, err := db.followFacts(ctx, db.sql, g, p, db.now())
	if err != nil || !c.Changed(stored) {
		return c, err
	}
	err = db.groupWrite(ctx, slug, nil, func(tx *sql.Tx, g *ch.Group, now time.Time) error {
		var stored *ch.Lapse
		var err error
		if c, stored, err = db.followFacts(ctx, tx, g, p, now); err != nil || !c.Changed(stored) {
			return err
		}
		switch {
		case c.Record == nil:
			_, err = tx.ExecContext(ctx, `DELETE FROM official_lapses WHERE group_id = $1`, g.ID)
		case stored == nil:
			_, err = tx.ExecContext(ctx, `INSERT INTO official_lapses (group_id, steps, since) VALUES ($1, $2, $3)`,
				g.ID, ch.LapseSteps(c.Record.Steps), c.Record.Since)
		default:
			_, err = tx.ExecContext(ctx, `UPDATE official_lapses SET steps = $1 WHERE group_id = $2`, ch.LapseSteps(c.Record.Steps), g.ID)
		}
		if err != nil {
			return err
		}
		switch {
		case len(c.Newly) > 0:
			ids := make([]string, len(c.Newly))
			for i, r := range c.Newly {
				ids[i] = r.Step.ID
			}
			if err := addEvent(ctx, tx, ch.GroupEvent{GroupID: g.ID, At: now, Kind: ch.EventStepsLapsed, Detail: strings.Join(ids, ", ")}); err != nil {
				return err
			}
			mentors, err := db.ambassadors(ctx, tx, g.ID)
			if err != nil {
				return err
			}
			managers, err := usersWithRole(ctx, tx, ch.RoleCommunityManager)
			if err != nil {
				return err
			}
			return enqueueAll(ctx, tx, now, func(g *ch.Group) []ch.Mail { return notify(g, c.Newly, mentors, managers) }, g)
		case c.Record == nil && g.Status == ch.StatusOfficial:
			return addEvent(ctx, tx, ch.GroupEvent{GroupID: g.ID, At: now, Kind: ch.EventStepsMetAgain})
		}
		return nil
	})
	return c, err
}

// followFacts evaluates g (loaded with its details) and compares the
// result with its stored lapse.
func (db *DB) followFacts(ctx context.Context, q querier, g *ch.Group, p ch.Program, now time.Time) (ch.LapseChange, *ch.Lapse, error) {
	stored, err := db.lapseOf(ctx, q, g.ID)
	if err != nil {
		return ch.LapseChange{}, nil, err
	}
	var results []ch.StepResult
	if g.Status == ch.StatusOfficial {
		_, all, err := db.evaluate(ctx, q, p, now, g)
		if err != nil {
			return ch.LapseChange{}, nil, err
		}
		results = all[0]
	}
	return ch.FollowFacts(g.Status, stored, results, now), stored, nil
}

func (db *DB) lapseOf(ctx context.Context, q querier, groupID int64) (*ch.Lapse, error) {
	lapses, err := db.lapsesOf(ctx, q, []int64{groupID})
	return lapses[groupID], err
}

// lapsesOf returns the recorded lapses of the groups with ids, by group.
func (db *DB) lapsesOf(ctx context.Context, q querier, ids []int64) (map[int64]*ch.Lapse, error) {
	out := map[int64]*ch.Lapse{}
	if len(ids) == 0 {
		return out, nil
	}
	a := sqlArgs{d: db.d}
	err := eachRow(ctx, q, `SELECT group_id, steps, since FROM official_lapses WHERE group_id IN (`+addList(&a, ids)+`)`, a.vals,
		func(rows *sql.Rows) error {
			var id int64
			var steps string
			var l ch.Lapse
			err := rows.Scan(&id, &steps, &l.Since)
			l.Steps = ch.ParseLapseSteps(steps)
			out[id] = &l
			return err
		})
	return out, err
}

// GroupsToFollow returns the groups a sweep looks at: every official group
// and every group with a recorded lapse.
func (db *DB) GroupsToFollow(ctx context.Context) ([]*ch.Group, error) {
	return db.queryGroups(ctx, `SELECT `+groupColumns+` FROM groups g WHERE g.status = $1
		OR EXISTS (SELECT 1 FROM official_lapses l WHERE l.group_id = g.id) ORDER BY g.id`, ch.StatusOfficial)
}

// GroupsWithChangedFacts returns the groups of GroupsToFollow whose
// recorded lapse no longer matches their steps as they stand: what a sweep
// must record. It evaluates them in batches, reading only, so that a sweep
// over thousands of official groups costs a few statements per batch and
// locks nothing where nothing changed.
func (db *DB) GroupsWithChangedFacts(ctx context.Context, p ch.Program) ([]*ch.Group, error) {
	groups, err := db.GroupsToFollow(ctx)
	if err != nil {
		return nil, err
	}
	now := db.now()
	var out []*ch.Group
	for start := 0; start < len(groups); start += queueBatch {
		batch := groups[start:min(start+queueBatch, len(groups))]
		if err := db.loadDetails(ctx, db.sql, batch...); err != nil {
			return nil, err
		}
		lapses, err := db.lapsesOf(ctx, db.sql, groupIDs(batch))
		if err != nil {
			return nil, err
		}
		_, results, err := db.evaluate(ctx, db.sql, p, now, batch...)
		if err != nil {
			return nil, err
		}
		for i, g := range batch {
			if ch.FollowFacts(g.Status, lapses[g.ID], results[i], now).Changed(lapses[g.ID]) {
				out = append(out, g)
			}
		}
	}
	return out, nil
}

// LapsedGroup is an official group that no longer meets some steps.
type LapsedGroup struct {
	Group *ch.Group
	Lapse ch.Lapse
	Steps []ch.StepResult // the recorded steps as they stand now
}

// Lapses returns the official groups that no longer meet some steps, the
// longest-standing first: the community managers' queue.
func (db *DB) Lapses(ctx context.Context, p ch.Program) ([]LapsedGroup, error) {
	groups, err := db.queryGroups(ctx, `SELECT `+groupColumns+` FROM groups g JOIN official_lapses l ON l.group_id = g.id
		WHERE g.status = $1 ORDER BY l.since, g.id`, ch.StatusOfficial)
	if err != nil || len(groups) == 0 {
		return nil, err
	}
	lapses, err := db.lapsesOf(ctx, db.sql, groupIDs(groups))
	if err != nil {
		return nil, err
	}
	// A lapse cleared between the two statements is gone from the queue.
	groups = slices.DeleteFunc(groups, func(g *ch.Group) bool { return lapses[g.ID] == nil })
	out := make([]LapsedGroup, len(groups))
	for i, g := range groups {
		out[i] = LapsedGroup{Group: g, Lapse: *lapses[g.ID]}
	}
	// Each recorded step as it stands now: not met, needs work, expired.
	if err := db.loadDetails(ctx, db.sql, groups...); err != nil {
		return nil, err
	}
	_, results, err := db.evaluate(ctx, db.sql, p, db.now(), groups...)
	if err != nil {
		return nil, err
	}
	for i := range out {
		for _, r := range results[i] {
			if slices.Contains(out[i].Lapse.Steps, r.Step.ID) {
				out[i].Steps = append(out[i].Steps, r)
			}
		}
	}
	return out, nil
}

// recordRename notes, inside UpdateGroup's transaction, that an official
// group was renamed: a community manager accepts or rolls back. A second
// rename before the decision keeps the first old name; renaming back to it
// withdraws the request.
func (db *DB) recordRename(ctx context.Context, tx *sql.Tx, old *ch.Group, app ch.Application, by *ch.User, now time.Time) error {
	if !ch.NeedsRenameReview(old.Status, old.Name, old.ShortName, app.Name, app.ShortName) {
		return nil
	}
	renames, err := db.renamesOf(ctx, tx, []int64{old.ID})
	switch pending := renames[old.ID]; {
	case err != nil:
	case pending == nil:
		_, err = tx.ExecContext(ctx, `INSERT INTO pending_renames (group_id, old_name, old_short_name, new_name, new_short_name, by_id, at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, old.ID, old.Name, old.ShortName, app.Name, app.ShortName, actorID(by), now)
	case pending.OldName == app.Name && pending.OldShortName == app.ShortName:
		_, err = tx.ExecContext(ctx, `DELETE FROM pending_renames WHERE group_id = $1`, old.ID)
	default:
		_, err = tx.ExecContext(ctx, `UPDATE pending_renames SET new_name = $1, new_short_name = $2, by_id = $3, at = $4 WHERE group_id = $5`,
			app.Name, app.ShortName, actorID(by), now, old.ID)
	}
	return err
}

// RenamedGroup is an official group whose new name waits for a decision.
type RenamedGroup struct {
	Group  *ch.Group
	Rename ch.Rename
}

// PendingRenames returns the renames waiting for a decision, oldest first.
func (db *DB) PendingRenames(ctx context.Context) ([]RenamedGroup, error) {
	groups, err := db.queryGroups(ctx, `SELECT `+groupColumns+` FROM groups g JOIN pending_renames r ON r.group_id = g.id ORDER BY r.at, g.id`)
	if err != nil {
		return nil, err
	}
	renames, err := db.renamesOf(ctx, db.sql, groupIDs(groups))
	if err != nil {
		return nil, err
	}
	var out []RenamedGroup
	for _, g := range groups {
		// A rename decided between the two statements is gone.
		if r := renames[g.ID]; r != nil {
			out = append(out, RenamedGroup{Group: g, Rename: *r})
		}
	}
	return out, nil
}

// PendingRename returns the rename of a group waiting for a decision, or
// nil when none waits.
func (db *DB) PendingRename(ctx context.Context, groupID int64) (*ch.Rename, error) {
	renames, err := db.renamesOf(ctx, db.sql, []int64{groupID})
	return renames[groupID], err
}

// renamesOf returns the renames waiting for a decision of the groups with
// ids, by group.
func (db *DB) renamesOf(ctx context.Context, q querier, ids []int64) (map[int64]*ch.Rename, error) {
	out := map[int64]*ch.Rename{}
	if len(ids) == 0 {
		return out, nil
	}
	a := sqlArgs{d: db.d}
	err := eachRow(ctx, q, `SELECT r.group_id, r.old_name, r.old_short_name, r.new_name, r.new_short_name, COALESCE(r.by_id, 0), COALESCE(u.name, ''), r.at
		FROM pending_renames r LEFT JOIN users u ON u.id = r.by_id WHERE r.group_id IN (`+addList(&a, ids)+`)`, a.vals,
		func(rows *sql.Rows) error {
			var id int64
			var r ch.Rename
			err := rows.Scan(&id, &r.OldName, &r.OldShortName, &r.NewName, &r.NewShortName, &r.ByID, &r.ByName, &r.At)
			out[id] = &r
			return err
		})
	return out, err
}

// DecideRename accepts the new name of an official group, or restores the
// old one (its slug stays: links keep working). Both are written to the
// history; notify's mails (made for the rename decided) tell the organizers.
func (db *DB) DecideRename(ctx context.Context, slug string, d ch.RenameDecision, note string, by *ch.User, notify func(ch.Rename) ch.Notify) (*ch.Group, error) {
	var out *ch.Group
	var r ch.Rename
	err := db.groupWrite(ctx, slug, func(g *ch.Group) []ch.Mail { return notify(r)(g) }, func(tx *sql.Tx, g *ch.Group, now time.Time) error {
		renames, err := db.renamesOf(ctx, tx, []int64{g.ID})
		pending := renames[g.ID]
		switch {
		case err != nil:
			return err
		case pending == nil:
			return ch.Errorf(ch.ECONFLICT, "No new name of %s waits for a decision.", g.Name)
		}
		r = *pending
		if _, err := tx.ExecContext(ctx, `DELETE FROM pending_renames WHERE group_id = $1`, g.ID); err != nil {
			return err
		}
		e := ch.GroupEvent{GroupID: g.ID, At: now, ActorID: actorID(by), Kind: ch.EventRenameAccepted, Detail: r.OldName + " → " + r.NewName}
		if d == ch.RenameRollBack {
			e.Kind = ch.EventRenameRolledBack
			app := ch.ApplicationOf(g)
			app.Name, app.ShortName = r.OldName, r.OldShortName
			if _, err := tx.ExecContext(ctx, `UPDATE groups SET name = $1, short_name = $2, sort_name = $3, name_key = $4, short_key = $5,
				search_text = $6, updated_at = $7 WHERE id = $8`, app.Name, app.ShortName, ch.SortName(app.Name), ch.NameKey(app.Name),
				ch.ShortKey(app.ShortName), searchText(app), now, g.ID); err != nil {
				return err
			}
			g.Name, g.ShortName, g.UpdatedAt = app.Name, app.ShortName, now
		}
		if note != "" {
			e.Detail += ": " + clipDetail(note)
		}
		out = g
		return addEvent(ctx, tx, e)
	})
	if err != nil {
		return nil, err
	}
	db.counts.clear()
	return out, nil
}
