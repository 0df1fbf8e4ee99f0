// Package mail delivers the portal's outgoing email. The durable outbox lives
// in the database; this package only knows how to hand one message over.
package mail

import (
	"context"
	"log/slog"
)

// Message is one email as stored in the outbox.
type Message struct {
	ID      int64
	To      string
	Subject string
	Body    string // plain text
	// Attempts counts delivery tries, this one included; it sets the backoff.
	Attempts int
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
