package sqldb

import (
	"context"
	"database/sql"
	"time"

	ch "chapterhouse"
)

// RecordMeeting records a past meeting of a group; it counts towards the
// meetings check from then on.
func (db *DB) RecordMeeting(ctx context.Context, slug string, m ch.RecordedMeeting, by *ch.User) (ch.RecordedMeeting, error) {
	m.Normalize()
	now := db.now()
	if err := m.Validate(now); err != nil {
		return m, err
	}
	// SQLite compares times as text: store them all in UTC.
	m.HeldOn = m.HeldOn.UTC().Truncate(time.Microsecond)
	var attendance sql.NullInt64
	if m.Attendance != nil {
		attendance = sql.NullInt64{Int64: int64(*m.Attendance), Valid: true}
	}
	err := db.groupWrite(ctx, slug, nil, func(tx *sql.Tx, g *ch.Group, now time.Time) error {
		m.GroupID, m.RecordedByID, m.RecordedAt = g.ID, actorID(by), now
		if by != nil {
			m.RecordedByName = by.Name
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO recorded_meetings (group_id, held_on, title, format, attendance, link, recorded_by, recorded_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`, g.ID, m.HeldOn, m.Title, m.Format, attendance, m.Link,
			nullID(m.RecordedByID), now).Scan(&m.ID); err != nil {
			return err
		}
		return addEvent(ctx, tx, ch.GroupEvent{GroupID: g.ID, At: now, ActorID: actorID(by), Kind: ch.EventMeetingRecorded,
			Detail: m.HeldOn.Format("2006-01-02") + ": " + m.Title})
	})
	return m, err
}

// RecordedMeetings returns the meetings recorded for a group, latest first.
func (db *DB) RecordedMeetings(ctx context.Context, groupID int64) ([]ch.RecordedMeeting, error) {
	var out []ch.RecordedMeeting
	err := eachRow(ctx, db.sql, `SELECT m.id, m.group_id, m.held_on, m.title, m.format, m.attendance, m.link,
		COALESCE(m.recorded_by, 0), COALESCE(u.name, ''), m.recorded_at
		FROM recorded_meetings m LEFT JOIN users u ON u.id = m.recorded_by
		WHERE m.group_id = $1 ORDER BY m.held_on DESC, m.id DESC`, []any{groupID}, func(rows *sql.Rows) error {
		var m ch.RecordedMeeting
		var attendance sql.NullInt64
		if err := rows.Scan(&m.ID, &m.GroupID, &m.HeldOn, &m.Title, &m.Format, &attendance, &m.Link,
			&m.RecordedByID, &m.RecordedByName, &m.RecordedAt); err != nil {
			return err
		}
		if attendance.Valid {
			n := int(attendance.Int64)
			m.Attendance = &n
		}
		out = append(out, m)
		return nil
	})
	return out, err
}

// DeleteRecordedMeeting removes a meeting recorded by mistake.
func (db *DB) DeleteRecordedMeeting(ctx context.Context, slug string, id int64, by *ch.User) error {
	return db.groupWrite(ctx, slug, nil, func(tx *sql.Tx, g *ch.Group, now time.Time) error {
		var heldOn time.Time
		var title string
		err := tx.QueryRowContext(ctx, `SELECT held_on, title FROM recorded_meetings WHERE id = $1 AND group_id = $2`, id, g.ID).Scan(&heldOn, &title)
		if err != nil {
			return db.translate(err, "Meeting")
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM recorded_meetings WHERE id = $1`, id); err != nil {
			return err
		}
		return addEvent(ctx, tx, ch.GroupEvent{GroupID: g.ID, At: now, ActorID: actorID(by), Kind: ch.EventMeetingRemoved,
			Detail: heldOn.UTC().Format("2006-01-02") + ": " + title})
	})
}
