package mail

import (
	"context"
	"log/slog"
	"time"
)

// Outbox is the durable queue the worker drains.
type Outbox interface {
	ClaimMail(ctx context.Context, lease time.Duration, limit int) ([]Message, error)
	MarkMailSent(ctx context.Context, id int64, via string) error
	MarkMailFailed(ctx context.Context, id int64, reason string, retryIn time.Duration) error
}

// Worker delivers queued mail, retrying failures with growing waits.
type Worker struct {
	Outbox   Outbox
	Sender   Sender
	Via      string // recorded with each delivery: "smtp" or "log"
	Logger   *slog.Logger
	Interval time.Duration
}

// lease is how long a claimed message is reserved for this worker; a worker
// that dies mid-send frees its messages when the lease ends.
const lease = 2 * time.Minute

// Backoff is the wait before the next try after n failed attempts: one
// minute, doubling, at most six hours.
func Backoff(attempts int) time.Duration {
	return min(time.Minute<<min(max(attempts-1, 0), 10), 6*time.Hour)
}

// DeliverDue sends every message that is due now and returns how many were
// delivered.
func (w *Worker) DeliverDue(ctx context.Context) (int, error) {
	sent := 0
	for {
		msgs, err := w.Outbox.ClaimMail(ctx, lease, 20)
		if err != nil || len(msgs) == 0 {
			return sent, err
		}
		for _, m := range msgs {
			if err := w.Sender.Send(ctx, m); err != nil {
				w.Logger.Warn("mail delivery failed", "id", m.ID, "to", m.To, "attempt", m.Attempts, "err", err)
				if err := w.Outbox.MarkMailFailed(ctx, m.ID, err.Error(), Backoff(m.Attempts)); err != nil {
					return sent, err
				}
				continue
			}
			if err := w.Outbox.MarkMailSent(ctx, m.ID, w.Via); err != nil {
				return sent, err
			}
			sent++
		}
	}
}

// Run delivers mail every Interval until ctx ends.
func (w *Worker) Run(ctx context.Context) {
	t := time.NewTicker(w.Interval)
	defer t.Stop()
	for {
		if _, err := w.DeliverDue(ctx); err != nil && ctx.Err() == nil {
			w.Logger.Error("outbox", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
