package sqldb

import (
	"context"
	"database/sql"
	"strings"
	"time"

	ch "chapterhouse"
	"chapterhouse/mail"
)

func enqueue(ctx context.Context, q querier, now time.Time, m ch.Mail) error {
	var kept, tokenHash *string
	if m.Secret != "" {
		k, h := withoutLink(m.Body, m.Secret), HashToken(m.Secret)
		kept, tokenHash = &k, &h
	}
	_, err := q.ExecContext(ctx, `INSERT INTO outbox (recipient, subject, body, created_at, next_attempt_at, kept_body, token_hash)
		VALUES ($1, $2, $3, $4, $4, $5, $6)`, m.To, m.Subject, m.Body, now, kept, tokenHash)
	return err
}

// LinkRemoved stands in the stored copy of a mail for a one-time link.
const LinkRemoved = "[one-time link removed]"

// withoutLink replaces every line of body that holds secret.
func withoutLink(body, secret string) string {
	lines := strings.Split(body, "\n")
	for i, l := range lines {
		if strings.Contains(l, secret) {
			lines[i] = LinkRemoved
		}
	}
	return strings.Join(lines, "\n")
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
			RETURNING id, recipient, subject, body, attempts, created_at`, now.Add(lease), now, limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var m mail.Message
			if err := rows.Scan(&m.ID, &m.To, &m.Subject, &m.Body, &m.Attempts, &m.Queued); err != nil {
				return err
			}
			out = append(out, m)
		}
		return rows.Err()
	})
	return out, err
}

// MarkMailSent records a delivery. A mail delivered for real keeps no
// one-time link; one only logged keeps it, since without SMTP the outgoing
// mail page is how a link reaches its owner (Outbox shows it while it works).
func (db *DB) MarkMailSent(ctx context.Context, id int64, via string) error {
	_, err := db.sql.ExecContext(ctx, `UPDATE outbox SET sent_at = $1, delivered_via = $2, claimed_until = NULL, last_error = '',
		body = CASE WHEN $2 = $3 THEN body ELSE COALESCE(kept_body, body) END,
		kept_body = CASE WHEN $2 = $3 THEN kept_body END,
		token_hash = CASE WHEN $2 = $3 THEN token_hash END
		WHERE id = $4`, db.now(), via, mail.ViaLog, id)
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

// Outbox returns the newest messages, sent or not. A one-time link shows
// only while it still works: once used, replaced by a newer one or expired,
// the body is the stored copy without it.
func (db *DB) Outbox(ctx context.Context, limit int) ([]OutboxEntry, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT o.id, o.recipient, o.subject,
			CASE WHEN o.kept_body IS NULL OR EXISTS (SELECT 1 FROM user_tokens t WHERE t.token_hash = o.token_hash AND t.expires_at > $2)
				THEN o.body ELSE o.kept_body END,
			o.created_at, o.attempts, o.sent_at, o.delivered_via, o.last_error
		FROM outbox o ORDER BY o.id DESC LIMIT $1`, limit, db.now())
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

// MailRetention is how long sent mail stays in the outbox, for the outgoing
// mail page, before ForgetSentMail deletes it.
const MailRetention = 30 * 24 * time.Hour

// ForgetSentMail deletes the mail sent more than MailRetention ago and
// returns how many.
func (db *DB) ForgetSentMail(ctx context.Context) (int64, error) {
	res, err := db.sql.ExecContext(ctx, `DELETE FROM outbox WHERE sent_at IS NOT NULL AND sent_at < $1`, db.now().Add(-MailRetention))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
