package mail

import (
	"cmp"
	"context"
	"log/slog"
	"time"
)

// Outbox is the durable queue the worker drains.
type Outbox interface {
	ClaimMail(ctx context.Context, lease time.Duration, limit int) ([]Message, error)
	MarkMailSent(ctx context.Context, id int64, via string) error
	MarkMailFailed(ctx context.Context, id int64, reason string, retryIn time.Duration) error
	// ReleaseMail gives claimed messages back without an attempt on record.
	ReleaseMail(ctx context.Context, ids []int64) error
}

// Worker delivers queued mail, retrying failures with growing waits.
type Worker struct {
	Outbox Outbox
	Sender Sender
	Via    string // recorded with each delivery: "smtp" or ViaLog
	// Host is the portal's host name, which every Message-ID ends with.
	Host     string
	Logger   *slog.Logger
	Interval time.Duration
	// Observer, if set, hears of deliveries, failures and passes (metrics).
	Observer Observer
	// Lease is how long a claimed message is reserved for this worker (2
	// minutes when zero); a worker that dies mid-send frees its messages
	// when the lease ends.
	Lease time.Duration
	// SendBudget is the longest one send may take (30 s when zero; the SMTP
	// sender's timeouts are 2 × 10 s). No send starts with less than this
	// left of the lease: another node could claim the message meanwhile and
	// send it twice.
	SendBudget time.Duration
}

// Observer is told what the worker does. Its methods must be quick and safe
// to call from several goroutines.
type Observer interface {
	Delivered()    // a message was sent and recorded as sent
	Failed()       // a delivery attempt failed; the message will be retried
	Ran(err error) // a DeliverDue pass ended, with its error
}

// claimBatch is how many messages one claim takes: few enough that a slow
// server still gets through a batch within the lease.
const claimBatch = 10

// Backoff is the wait before the next try after n failed attempts: one
// minute, doubling, at most six hours.
func Backoff(attempts int) time.Duration {
	return min(time.Minute<<min(max(attempts-1, 0), 10), 6*time.Hour)
}

// DeliverDue sends every message that is due now and returns how many were
// delivered.
func (w *Worker) DeliverDue(ctx context.Context) (sent int, err error) {
	if w.Observer != nil {
		defer func() { w.Observer.Ran(err) }()
	}
	for {
		lease, budget := cmp.Or(w.Lease, 2*time.Minute), cmp.Or(w.SendBudget, 30*time.Second)
		claimed := time.Now()
		msgs, err := w.Outbox.ClaimMail(ctx, lease, claimBatch)
		if err != nil || len(msgs) == 0 {
			return sent, err
		}
		for i, m := range msgs {
			if err := ctx.Err(); err != nil {
				// Shutting down: the rest of the batch is claimed again when
				// its lease ends, without a failed attempt on record.
				return sent, err
			}
			if time.Since(claimed) > lease-budget {
				var rest []int64
				for _, r := range msgs[i:] {
					rest = append(rest, r.ID)
				}
				if err := w.Outbox.ReleaseMail(ctx, rest); err != nil {
					return sent, err
				}
				break
			}
			m.MessageID = MessageID(m.ID, m.Queued, cmp.Or(w.Host, "localhost"))
			err := w.Sender.Send(ctx, m)
			// Record the outcome even if ctx ends meanwhile: a delivery
			// left unrecorded would be sent again once the lease ends.
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			if err != nil {
				w.logger().Warn("mail delivery failed", "id", m.ID, "to", m.To, "attempt", m.Attempts, "err", err)
				if w.Observer != nil {
					w.Observer.Failed()
				}
				err = w.Outbox.MarkMailFailed(rctx, m.ID, err.Error(), Backoff(m.Attempts))
				cancel()
				if err != nil {
					return sent, err
				}
				continue
			}
			err = w.Outbox.MarkMailSent(rctx, m.ID, w.Via)
			cancel()
			if err != nil {
				return sent, err
			}
			sent++
			if w.Observer != nil {
				w.Observer.Delivered()
			}
		}
	}
}

func (w *Worker) logger() *slog.Logger {
	if w.Logger == nil {
		return slog.Default()
	}
	return w.Logger
}

// Run delivers mail every Interval (default ten seconds) until ctx ends.
func (w *Worker) Run(ctx context.Context) {
	interval := w.Interval
	if interval <= 0 {
		interval = 10 * time.Second
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := w.DeliverDue(ctx); err != nil && ctx.Err() == nil {
			w.logger().Error("outbox", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
