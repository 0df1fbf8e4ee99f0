// Package mail delivers the portal's outgoing email. The durable outbox lives
// in the database; this package only knows how to hand one message over.
package mail

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// Message is one email as stored in the outbox.
type Message struct {
	ID      int64
	To      string
	Subject string
	Body    string // plain text
	// Attempts counts delivery tries, this one included; it sets the backoff.
	Attempts int
	// Queued is when the message entered the outbox.
	Queued time.Time
	// MessageID, set by the Worker, is the same on every attempt, so that a
	// message sent twice (a crash between the delivery and its record) is
	// recognisably one message to receiving servers and mail clients.
	MessageID string
}

// ViaLog is the Worker.Via of a portal without SMTP, whose mail only goes
// to the log.
const ViaLog = "log"

// MessageID names one outbox message for good: its id and the time it was
// queued (an id alone may come back after old rows are deleted), at host,
// the portal's own.
func MessageID(id int64, queued time.Time, host string) string {
	return fmt.Sprintf("%d.%d.outbox@%s", id, queued.UnixMicro(), host)
}

// Sender delivers one message; an error means "try again later".
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// LogSender writes the message to a slog.Logger instead of delivering it
// (laptop installs without SMTP).
type LogSender struct{ Logger *slog.Logger }

// Send logs the whole message, body included: on a laptop install the log is
// the only place to find e.g. a password-reset link.
func (s LogSender) Send(ctx context.Context, m Message) error {
	logger := s.Logger
	if logger == nil {
		logger = slog.Default()
	}
	logger.InfoContext(ctx, "mail not delivered: logging only",
		slog.Int64("id", m.ID),
		slog.String("to", m.To),
		slog.String("subject", m.Subject),
		slog.String("body", m.Body),
	)
	return nil
}
