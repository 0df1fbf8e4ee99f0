package sqldb

import (
	"context"
	"database/sql"
	"time"

	ch "chapterhouse"
)

// StepComments returns the thread of a step, oldest first; every step's
// when stepID is "".
func (db *DB) StepComments(ctx context.Context, groupID int64, stepID string) ([]ch.StepComment, error) {
	query := `SELECT c.id, c.group_id, c.step_id, COALESCE(c.author_id, 0), COALESCE(u.name, ''), c.body, c.at
		FROM step_comments c LEFT JOIN users u ON u.id = c.author_id WHERE c.group_id = $1`
	args := []any{groupID}
	if stepID != "" {
		query += ` AND c.step_id = $2`
		args = append(args, stepID)
	}
	var out []ch.StepComment
	err := eachRow(ctx, db.sql, query+` ORDER BY c.at, c.id`, args, func(rows *sql.Rows) error {
		var c ch.StepComment
		err := rows.Scan(&c.ID, &c.GroupID, &c.StepID, &c.AuthorID, &c.AuthorName, &c.Body, &c.At)
		out = append(out, c)
		return err
	})
	return out, err
}

// AddStepComment adds a message to a step's thread and queues notify's
// mails (to the organizers, and whoever else the thread concerns).
func (db *DB) AddStepComment(ctx context.Context, slug, stepID, body string, by *ch.User, notify ch.Notify) (ch.StepComment, error) {
	c := ch.StepComment{StepID: stepID, Body: normalizeText(body)}
	if by == nil {
		return c, ch.Errorf(ch.EUNAUTHORIZED, "Sign in to comment.")
	}
	if err := checkStepID(stepID); err != nil {
		return c, err
	}
	if c.Body == "" {
		return c, ch.Invalid("Write a comment.", "body", "Write a comment.")
	}
	if err := checkLen(c.Body, "comment", "body"); err != nil {
		return c, err
	}
	err := db.groupWrite(ctx, slug, notify, func(tx *sql.Tx, g *ch.Group, now time.Time) error {
		var err error
		c.GroupID, c.AuthorID, c.AuthorName, c.At = g.ID, by.ID, by.Name, now
		c.ID, err = insertComment(ctx, tx, g.ID, stepID, c.Body, by.ID, now)
		return err
	})
	return c, err
}

func insertComment(ctx context.Context, tx *sql.Tx, groupID int64, stepID, body string, by int64, now time.Time) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO step_comments (group_id, step_id, author_id, body, at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		groupID, stepID, nullID(by), body, now).Scan(&id)
	return id, err
}
