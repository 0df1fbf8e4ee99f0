package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	ch "chapterhouse"
)

const validationColumns = `v.step_id, v.role, v.verdict, v.comment, COALESCE(v.by_id, 0), COALESCE(u.name, ''), v.at`

func scanValidation(rows *sql.Rows, dst ...any) (ch.Validation, error) {
	var v ch.Validation
	err := rows.Scan(append(dst, &v.StepID, &v.Role, &v.Verdict, &v.Comment, &v.ByID, &v.ByName, &v.At)...)
	return v, err
}

// Validations returns every verdict given on a group's steps, oldest first
// (of two given at the same instant, the one recorded last comes last, as
// Evaluate expects).
func (db *DB) Validations(ctx context.Context, groupID int64) ([]ch.Validation, error) {
	var out []ch.Validation
	err := eachRow(ctx, db.sql, `SELECT `+validationColumns+` FROM step_validations v LEFT JOIN users u ON u.id = v.by_id
		WHERE v.group_id = $1 ORDER BY v.at, v.id`, []any{groupID}, func(rows *sql.Rows) error {
		v, err := scanValidation(rows)
		out = append(out, v)
		return err
	})
	return out, err
}

// latestValidations returns, per group, the latest validation of each step
// in each role: all that Evaluate looks at, however long the history.
func (db *DB) latestValidations(ctx context.Context, q querier, ids []int64) (map[int64][]ch.Validation, error) {
	a := sqlArgs{d: db.d}
	query := `SELECT v.group_id, ` + validationColumns + ` FROM step_validations v LEFT JOIN users u ON u.id = v.by_id
		WHERE v.group_id IN (` + addList(&a, ids) + `) AND NOT EXISTS (SELECT 1 FROM step_validations n
			WHERE n.group_id = v.group_id AND n.step_id = v.step_id AND n.role = v.role
			AND (n.at > v.at OR (n.at = v.at AND n.id > v.id)))
		ORDER BY v.group_id, v.at, v.id`
	out := map[int64][]ch.Validation{}
	err := eachRow(ctx, q, query, a.vals, func(rows *sql.Rows) error {
		var id int64
		v, err := scanValidation(rows, &id)
		out[id] = append(out[id], v)
		return err
	})
	return out, err
}

// checkStepID refuses a step ID no program could hold. Whether the step
// exists is the caller's question: the store does not know the program.
func checkStepID(id string) error {
	if id == "" || len(id) > ch.MaxStepIDLen || strings.Trim(id, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" {
		return ch.Invalid("Unknown step.", "step", "Choose a step of the program.")
	}
	return nil
}

// AddValidation records by's verdict on a step of a group, in v.Role, which
// by must hold (whether by may validate this group is ch.CanValidate's
// question), and queues notify's mails: the organizers learn that the step
// passed or needs work.
func (db *DB) AddValidation(ctx context.Context, slug string, v ch.Validation, by *ch.User, notify ch.Notify) error {
	if by == nil {
		return ch.Errorf(ch.EUNAUTHORIZED, "Sign in to validate steps.")
	}
	v.StepID = strings.TrimSpace(v.StepID)
	v.Comment = normalizeText(v.Comment)
	if err := checkStepID(v.StepID); err != nil {
		return err
	}
	if err := v.Validate(); err != nil {
		return err
	}
	if !slices.Contains(ch.Roles, v.Role) {
		return ch.Invalid("Unknown role.", "role", "Validate as community manager, ambassador or approver.")
	}
	if !by.Has(v.Role) {
		return ch.Errorf(ch.EFORBIDDEN, "You are not %s.", strings.ToLower(v.Role.Label()))
	}
	return db.groupWrite(ctx, slug, notify, func(tx *sql.Tx, g *ch.Group, now time.Time) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO step_validations (group_id, step_id, role, verdict, comment, by_id, at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, g.ID, v.StepID, v.Role, v.Verdict, v.Comment, by.ID, now); err != nil {
			return err
		}
		verdict := "passed"
		if v.Verdict == ch.VerdictNeedsWork {
			verdict = "needs work"
		}
		detail := fmt.Sprintf("%s: %s (%s)", v.StepID, verdict, strings.ToLower(v.Role.Label()))
		if v.Comment != "" {
			detail += ": " + clipDetail(v.Comment)
		}
		return addEvent(ctx, tx, ch.GroupEvent{GroupID: g.ID, At: now, ActorID: by.ID, Kind: ch.EventStepValidated, Detail: detail})
	})
}

// RequestReview records that the organizers ask for a step to be looked at
// (again), with an optional note that joins the step's comments, and queues
// notify's mails: the group's mentoring ambassadors learn of it.
func (db *DB) RequestReview(ctx context.Context, slug, stepID, note string, by *ch.User, notify ch.Notify) error {
	if err := checkStepID(stepID); err != nil {
		return err
	}
	note = normalizeText(note)
	if err := checkLen(note, "note", "note"); err != nil {
		return err
	}
	return db.groupWrite(ctx, slug, notify, func(tx *sql.Tx, g *ch.Group, now time.Time) error {
		if note != "" {
			if _, err := insertComment(ctx, tx, g.ID, stepID, note, actorID(by), now); err != nil {
				return err
			}
		}
		return addEvent(ctx, tx, ch.GroupEvent{GroupID: g.ID, At: now, ActorID: actorID(by), Kind: ch.EventReviewRequested, Detail: stepID})
	})
}
