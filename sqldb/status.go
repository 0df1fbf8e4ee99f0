package sqldb

import (
	"context"
	"database/sql"
	"strings"
	"time"

	ch "chapterhouse"
)

// statusChange is what a status change writes: the new status, its history
// entry and the decline reason the group's page shows.
type statusChange struct {
	to            ch.Status
	kind          ch.EventKind
	detail        string
	declineReason string
}

// changeStatus is every status change, in one transaction on the group's
// locked row: decide sees the group as it stands (loaded with its details;
// it may read more through tx) and returns the change or why not; the new
// status and its history entry are written, and notify's mails are queued
// about the group as it now is.
func (db *DB) changeStatus(ctx context.Context, slug string, by *ch.User, notify ch.Notify,
	decide func(tx *sql.Tx, g *ch.Group, now time.Time) (statusChange, error)) (*ch.Group, error) {
	var changed *ch.Group
	err := db.groupWrite(ctx, slug, notify, func(tx *sql.Tx, g *ch.Group, now time.Time) error {
		c, err := decide(tx, g, now)
		if err != nil {
			return err
		}
		if !g.Status.Public() && c.to.Public() {
			if err := db.listedSlug(ctx, tx, g); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE groups SET status = $1, decline_reason = $2, updated_at = $3 WHERE id = $4`,
			c.to, c.declineReason, now, g.ID); err != nil {
			return err
		}
		if err := addEvent(ctx, tx, ch.GroupEvent{GroupID: g.ID, At: now, ActorID: actorID(by), Kind: c.kind,
			FromStatus: g.Status, ToStatus: c.to, Detail: c.detail}); err != nil {
			return err
		}
		g.Status, g.DeclineReason, g.UpdatedAt = c.to, c.declineReason, now
		changed = g
		return nil
	})
	// The group may have moved between the directory's counts.
	db.counts.clear()
	if err != nil {
		return nil, err
	}
	return changed, nil
}

// ReviewGroup applies a community manager's decision on an application.
func (db *DB) ReviewGroup(ctx context.Context, slug string, d ch.Decision, reason string, by *ch.User, notify ch.Notify) (*ch.Group, error) {
	reason = strings.TrimSpace(reason)
	return db.changeStatus(ctx, slug, by, notify, func(_ *sql.Tx, g *ch.Group, _ time.Time) (statusChange, error) {
		next, err := ch.Review(g.Status, d, reason)
		if err != nil {
			return statusChange{}, err
		}
		if next == ch.StatusDeclined {
			return statusChange{to: next, kind: ch.EventDeclined, detail: reason, declineReason: reason}, nil
		}
		return statusChange{to: next, kind: ch.EventAccepted, detail: reason}, nil
	})
}

// ChangeStatus moves a group to another status, within the rules of
// ch.Transition, and records why: revoking or archiving needs a reason the
// group reads on its page. A revoked group keeps its page, history and
// validations, and can be granted official status again. ChangeStatus does
// not look at the steps: official status with its steps checked is
// GrantOfficial; ChangeStatus to official is for history brought in from
// elsewhere (the demo).
func (db *DB) ChangeStatus(ctx context.Context, slug string, to ch.Status, reason string, by *ch.User, notify ch.Notify) (*ch.Group, error) {
	reason = strings.TrimSpace(reason)
	return db.changeStatus(ctx, slug, by, notify, func(_ *sql.Tx, g *ch.Group, _ time.Time) (statusChange, error) {
		if err := ch.Transition(g.Status, to, reason); err != nil {
			return statusChange{}, err
		}
		// A decline reason speaks only for a declined application, and no
		// status change here leads to declined (see ReviewGroup).
		return statusChange{to: to, kind: ch.EventStatusChanged, detail: reason}, nil
	})
}

// GrantOfficial makes a group official with a community manager's note,
// when its status allows it and every step of p is met
// (ch.CanGrantOfficial: ECONFLICT names the open steps). The steps are
// evaluated inside the transaction that changes the status, after locking
// the group's row, which every change to the group's facts locks as well: a
// coordinator removed or a verdict given meanwhile is either seen, or waits
// for the grant to commit. The status_changed event carries the note;
// notify's mails tell the organizers.
func (db *DB) GrantOfficial(ctx context.Context, slug, note string, p ch.Program, by *ch.User, notify ch.Notify) (*ch.Group, error) {
	note = normalizeText(note)
	if err := checkLen(note, "note", "note"); err != nil {
		return nil, err
	}
	return db.changeStatus(ctx, slug, by, notify, func(tx *sql.Tx, g *ch.Group, now time.Time) (statusChange, error) {
		_, results, err := db.evaluate(ctx, tx, p, now, g)
		if err != nil {
			return statusChange{}, err
		}
		if err := ch.CanGrantOfficial(g.Status, results[0]); err != nil {
			return statusChange{}, err
		}
		return statusChange{to: ch.StatusOfficial, kind: ch.EventStatusChanged, detail: note}, nil
	})
}
