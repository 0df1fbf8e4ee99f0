package sqldb

import (
	"context"
	"database/sql"
	"time"

	ch "chapterhouse"
)

// StepExemptions returns the steps marked not needed for a group.
func (db *DB) StepExemptions(ctx context.Context, groupID int64) ([]ch.StepExemption, error) {
	var out []ch.StepExemption
	err := eachRow(ctx, db.sql, `SELECT x.step_id, x.reason, COALESCE(x.by_id, 0), COALESCE(u.name, ''), x.at
		FROM step_exemptions x LEFT JOIN users u ON u.id = x.by_id WHERE x.group_id = $1 ORDER BY x.step_id`, []any{groupID},
		func(rows *sql.Rows) error {
			var x ch.StepExemption
			err := rows.Scan(&x.StepID, &x.Reason, &x.ByID, &x.ByName, &x.At)
			out = append(out, x)
			return err
		})
	return out, err
}

// SetStepNotNeeded marks a step not needed for a group, or changes the
// reason of the mark (ch.CanMarkNotNeeded says who may, and on which steps).
func (db *DB) SetStepNotNeeded(ctx context.Context, slug, stepID, reason string, by *ch.User, notify ch.Notify) error {
	reason = normalizeText(reason)
	if err := checkStepID(stepID); err != nil {
		return err
	}
	if err := ch.CheckNotNeededReason(reason); err != nil {
		return err
	}
	return db.groupWrite(ctx, slug, notify, func(tx *sql.Tx, g *ch.Group, now time.Time) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO step_exemptions (group_id, step_id, reason, by_id, at) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (group_id, step_id) DO UPDATE SET reason = excluded.reason, by_id = excluded.by_id, at = excluded.at`,
			g.ID, stepID, reason, nullID(actorID(by)), now); err != nil {
			return err
		}
		return addEvent(ctx, tx, ch.GroupEvent{GroupID: g.ID, At: now, ActorID: actorID(by), Kind: ch.EventStepNotNeeded,
			Detail: stepID + ": " + clipDetail(reason)})
	})
}

// ClearStepNotNeeded withdraws a not-needed mark: the step counts again.
func (db *DB) ClearStepNotNeeded(ctx context.Context, slug, stepID string, by *ch.User, notify ch.Notify) error {
	return db.groupWrite(ctx, slug, notify, func(tx *sql.Tx, g *ch.Group, now time.Time) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM step_exemptions WHERE group_id = $1 AND step_id = $2`, g.ID, stepID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ch.Errorf(ch.ENOTFOUND, "The step is not marked not needed.")
		}
		return addEvent(ctx, tx, ch.GroupEvent{GroupID: g.ID, At: now, ActorID: actorID(by), Kind: ch.EventStepNeeded, Detail: stepID})
	})
}

// SetAcceptedRhythm records a community manager's decision to measure a
// group's meetings against r.Cadence rather than its declared cadence.
func (db *DB) SetAcceptedRhythm(ctx context.Context, slug string, r ch.AcceptedRhythm, by *ch.User) error {
	r.Note = normalizeText(r.Note)
	if err := r.Validate(); err != nil {
		return err
	}
	return db.groupWrite(ctx, slug, nil, func(tx *sql.Tx, g *ch.Group, now time.Time) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO accepted_rhythms (group_id, cadence, note, by_id, at) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (group_id) DO UPDATE SET cadence = excluded.cadence, note = excluded.note, by_id = excluded.by_id, at = excluded.at`,
			g.ID, r.Cadence, r.Note, nullID(actorID(by)), now); err != nil {
			return err
		}
		return addEvent(ctx, tx, ch.GroupEvent{GroupID: g.ID, At: now, ActorID: actorID(by), Kind: ch.EventRhythmAccepted,
			Detail: r.Cadence.Label() + ": " + clipDetail(r.Note)})
	})
}

// ClearAcceptedRhythm measures the group against its declared cadence again.
func (db *DB) ClearAcceptedRhythm(ctx context.Context, slug string, by *ch.User) error {
	return db.groupWrite(ctx, slug, nil, func(tx *sql.Tx, g *ch.Group, now time.Time) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM accepted_rhythms WHERE group_id = $1`, g.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ch.Errorf(ch.ENOTFOUND, "No rhythm was accepted for this group.")
		}
		return addEvent(ctx, tx, ch.GroupEvent{GroupID: g.ID, At: now, ActorID: actorID(by), Kind: ch.EventRhythmCleared})
	})
}
