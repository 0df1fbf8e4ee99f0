package sqldb

import (
	"context"
	"database/sql"
	"strings"
	"time"
	"unicode/utf8"

	ch "chapterhouse"
)

// groupWrite runs f in a transaction on the group's locked row, with the
// group loaded with its details, then queues notify's mails about the group
// as f left it, in the same transaction.
func (db *DB) groupWrite(ctx context.Context, slug string, notify ch.Notify, f func(tx *sql.Tx, g *ch.Group, now time.Time) error) error {
	now := db.now()
	return db.tx(ctx, func(tx *sql.Tx) error {
		g, err := db.lockGroup(ctx, tx, slug)
		if err != nil {
			return err
		}
		if err := db.loadDetails(ctx, tx, g); err != nil {
			return err
		}
		if err := f(tx, g, now); err != nil {
			return err
		}
		return enqueueAll(ctx, tx, now, notify, g)
	})
}

func actorID(u *ch.User) int64 {
	if u == nil {
		return 0
	}
	return u.ID
}

// nullID writes the id of an actor who may be nobody (0, such as the
// command line) as NULL, which the foreign keys to users accept.
func nullID(id int64) sql.NullInt64 { return sql.NullInt64{Int64: id, Valid: id != 0} }

// normalizeText trims a comment, note or reason and gives it \n line ends.
func normalizeText(s string) string {
	return strings.TrimSpace(strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace(s))
}

// checkLen refuses a comment, note or reason (what, sent as field) longer
// than ch.MaxCommentLen.
func checkLen(text, what, field string) error {
	if utf8.RuneCountInString(text) > ch.MaxCommentLen {
		return ch.Invalid("The "+what+" is too long.", field, ch.AtMostChars(ch.MaxCommentLen))
	}
	return nil
}

// clipDetail shortens a comment, note or reason that a history entry
// quotes, so that every entry stays one readable line of the history.
func clipDetail(s string) string {
	const n = 300
	if utf8.RuneCountInString(s) > n {
		return string([]rune(s)[:n]) + "…"
	}
	return s
}
