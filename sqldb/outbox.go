package sqldb

import (
	"context"
	"database/sql"
	"time"

	ch "chapterhouse"
	"chapterhouse/mail"
)

func enqueue(ctx context.Context, q querier, now time.Time, m ch.Mail) error {
	_, err := q.ExecContext(ctx, `INSERT INTO outbox (recipient, subject, body, created_at, next_attempt_at) VALUES ($1, $2, $3, $4, $4)`,
		m.To, m.Subject, m.Body, now)
	return err
}

// Enqueue writes mails to the outbox for the delivery worker.
func (db *DB) Enqueue(ctx context.Context, mails ...ch.Mail) error {
	now := db.now()
	return db.tx(ctx, func(tx *sql.Tx) error {
		for _, m := range mails {
			if err := enqueue(ctx, tx, now, m); err != nil {
				return err
			}
		}
		return nil
	})
}

// ClaimMail leases up to limit due messages to one worker. A worker that dies
// loses its lease when it expires and the messages are claimed again.
func (db *DB) ClaimMail(ctx context.Context, lease time.Duration, limit int) ([]mail.Message, error) {
	now := db.now()
	var out []mail.Message
	err := db.tx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `UPDATE outbox SET claimed_until = $1, attempts = attempts + 1
			WHERE id IN (SELECT id FROM outbox WHERE sent_at IS NULL AND next_attempt_at <= $2
				AND (claimed_until IS NULL OR claimed_until < $2) ORDER BY next_attempt_at, id LIMIT $3`+db.d.skipLocked+`)
			RETURNING id, recipient, subject, body, attempts`, now.Add(lease), now, limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var m mail.Message
			if err := rows.Scan(&m.ID, &m.To, &m.Subject, &m.Body, &m.Attempts); err != nil {
				return err
			}
			out = append(out, m)
		}
		return rows.Err()
	})
	return out, err
}

// MarkMailSent records a delivery.
func (db *DB) MarkMailSent(ctx context.Context, id int64, via string) error {
	_, err := db.sql.ExecContext(ctx, `UPDATE outbox SET sent_at = $1, delivered_via = $2, claimed_until = NULL, last_error = '' WHERE id = $3`,
		db.now(), via, id)
	return err
}

// MarkMailFailed records a failed attempt and when to try again.
func (db *DB) MarkMailFailed(ctx context.Context, id int64, reason string, retryIn time.Duration) error {
	_, err := db.sql.ExecContext(ctx, `UPDATE outbox SET next_attempt_at = $1, claimed_until = NULL, last_error = $2 WHERE id = $3`,
		db.now().Add(retryIn), reason, id)
	return err
}

// OutboxEntry is a message as the outgoing mail page shows it.
type OutboxEntry struct {
	mail.Message
	CreatedAt    time.Time
	Attempts     int
	SentAt       *time.Time
	DeliveredVia string
	LastError    string
}

// Outbox returns the newest messages, sent or not.
func (db *DB) Outbox(ctx context.Context, limit int) ([]OutboxEntry, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT id, recipient, subject, body, created_at, attempts, sent_at, delivered_via, last_error
		FROM outbox ORDER BY id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []OutboxEntry
	for rows.Next() {
		var e OutboxEntry
		var sent sql.NullTime
		if err := rows.Scan(&e.ID, &e.To, &e.Subject, &e.Body, &e.CreatedAt, &e.Attempts, &sent, &e.DeliveredVia, &e.LastError); err != nil {
			return nil, err
		}
		if sent.Valid {
			e.SentAt = &sent.Time
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// OutboxPending counts messages not yet delivered.
func (db *DB) OutboxPending(ctx context.Context) (int, error) {
	var n int
	err := db.sql.QueryRowContext(ctx, `SELECT count(*) FROM outbox WHERE sent_at IS NULL`).Scan(&n)
	return n, err
}

// ReleaseMail gives claimed messages back to the queue at once, undoing the
// attempt their claim counted.
func (db *DB) ReleaseMail(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	a := sqlArgs{d: db.d}
	_, err := db.sql.ExecContext(ctx, `UPDATE outbox SET claimed_until = NULL, attempts = attempts - 1
		WHERE sent_at IS NULL AND id IN (`+addList(&a, ids)+`)`, a.vals...)
	return err
}
