package sqldb

import (
	"context"
	"database/sql"

	ch "chapterhouse"
)

// GrantOfficial makes a group official with a community manager's note.
// results is the group's checklist as the caller evaluated it (StepResults);
// inside the transaction, on the locked group, ch.CanGrantOfficial checks
// again that the group's status allows it and that every step is met, and
// refuses with ECONFLICT naming the open steps. The status_changed event
// carries the note; notify's mails tell the organizers.
//
// The results are computed before the transaction: a verdict given in
// between is not seen. The window is a request long, and a community
// manager grants; revoking undoes a grant made on stale facts.
func (db *DB) GrantOfficial(ctx context.Context, slug, note string, results []ch.StepResult, by *ch.User, notify ch.Notify) (*ch.Group, error) {
	note = normalizeText(note)
	if err := checkLen(note, "note", "note"); err != nil {
		return nil, err
	}
	if len(results) == 0 {
		// AllMet of nothing is true: never grant on a checklist not evaluated.
		return nil, ch.Errorf(ch.ECONFLICT, "The group's steps were not evaluated.")
	}
	now := db.now()
	var g *ch.Group
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var err error
		if g, err = db.lockGroup(ctx, tx, slug); err != nil {
			return err
		}
		if err := ch.CanGrantOfficial(g.Status, results); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE groups SET status = $1, decline_reason = '', updated_at = $2 WHERE id = $3`,
			ch.StatusOfficial, now, g.ID); err != nil {
			return err
		}
		if err := addEvent(ctx, tx, ch.GroupEvent{GroupID: g.ID, At: now, ActorID: actorID(by), Kind: ch.EventStatusChanged,
			FromStatus: g.Status, ToStatus: ch.StatusOfficial, Detail: note}); err != nil {
			return err
		}
		g.Status, g.DeclineReason, g.UpdatedAt = ch.StatusOfficial, "", now
		if err := db.loadDetails(ctx, tx, g); err != nil {
			return err
		}
		return enqueueAll(ctx, tx, now, notify, g)
	})
	db.counts.clear()
	if err != nil {
		return nil, err
	}
	return g, nil
}

// RevokeOfficial withdraws official status with a reason the group reads on
// its page (ch.Transition requires it). The group keeps its page, history
// and validations, and can be granted official status again.
func (db *DB) RevokeOfficial(ctx context.Context, slug, reason string, by *ch.User, notify ch.Notify) (*ch.Group, error) {
	g, err := db.ChangeStatus(ctx, slug, ch.StatusRevoked, reason, by, notify)
	if err != nil {
		return nil, err
	}
	return g, nil
}
