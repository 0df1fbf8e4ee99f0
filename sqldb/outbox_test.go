package sqldb_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	ch "chapterhouse"
)

func claimIDs(t *testing.T, db *testDB, lease time.Duration, limit int) []int64 {
	t.Helper()
	msgs, err := db.ClaimMail(context.Background(), lease, limit)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, m := range msgs {
		ids = append(ids, m.ID)
	}
	slices.Sort(ids)
	return ids
}

func TestOutboxLeases(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	if err := db.Enqueue(ctx,
		ch.Mail{To: "a@example.org", Subject: "A", Body: "Body A"},
		ch.Mail{To: "b@example.org", Subject: "B", Body: "Body B"},
		ch.Mail{To: "c@example.org", Subject: "C", Body: "Body C"},
	); err != nil {
		t.Fatal(err)
	}
	if n, _ := db.OutboxPending(ctx); n != 3 {
		t.Fatalf("OutboxPending = %d, want 3", n)
	}
	const lease = 2 * time.Minute

	msgs, err := db.ClaimMail(ctx, lease, 2)
	if err != nil || len(msgs) != 2 {
		t.Fatalf("ClaimMail(limit 2) = %d messages, %v", len(msgs), err)
	}
	a, b := msgs[0], msgs[1]
	if a.ID > b.ID {
		a, b = b, a
	}
	if a.To != "a@example.org" || a.Subject != "A" || a.Body != "Body A" || a.Attempts != 1 || b.To != "b@example.org" {
		t.Errorf("claimed %+v and %+v, want the oldest two, first attempt", a, b)
	}

	// Claimed messages are not handed to another worker while leased.
	rest := claimIDs(t, db, lease, 10)
	if len(rest) != 1 {
		t.Fatalf("second claim got %v, want only the third message", rest)
	}
	c := rest[0]
	db.clock.Add(lease - time.Second)
	if got := claimIDs(t, db, lease, 10); len(got) != 0 {
		t.Errorf("claimed %v before the lease passed", got)
	}

	// a is delivered; b fails and waits; c's worker died and says nothing.
	if err := db.MarkMailSent(ctx, a.ID, "smtp"); err != nil {
		t.Fatal(err)
	}
	if err := db.MarkMailFailed(ctx, b.ID, "421 try later", 10*time.Minute); err != nil {
		t.Fatal(err)
	}
	db.clock.Add(2 * time.Second) // the lease has passed
	if got := claimIDs(t, db, lease, 10); !slices.Equal(got, []int64{c}) {
		t.Errorf("after the lease: claimed %v, want the abandoned message %d", got, c)
	}

	db.clock.Add(10 * time.Minute)
	msgs, _ = db.ClaimMail(ctx, lease, 10)
	if len(msgs) != 2 {
		t.Fatalf("after the retry wait and another lease: claimed %d messages, want b and c", len(msgs))
	}
	for _, m := range msgs {
		switch m.ID {
		case b.ID:
			if m.Attempts != 2 {
				t.Errorf("b attempts = %d, want 2", m.Attempts)
			}
		case c:
			if m.Attempts != 3 {
				t.Errorf("c attempts = %d, want 3", m.Attempts)
			}
		default:
			t.Errorf("claimed the sent message %d again", m.ID)
		}
		db.MarkMailSent(ctx, m.ID, "log")
	}

	db.clock.Add(24 * time.Hour)
	if got := claimIDs(t, db, lease, 10); len(got) != 0 {
		t.Errorf("sent messages claimed again: %v", got)
	}
	if n, _ := db.OutboxPending(ctx); n != 0 {
		t.Errorf("OutboxPending = %d after every message was sent", n)
	}

	entries, err := db.Outbox(ctx, 10)
	if err != nil || len(entries) != 3 {
		t.Fatalf("Outbox = %d entries, %v", len(entries), err)
	}
	for _, e := range entries {
		if e.SentAt == nil || e.LastError != "" {
			t.Errorf("entry %d: sent %v, last error %q", e.ID, e.SentAt, e.LastError)
		}
		if e.ID == a.ID && (e.DeliveredVia != "smtp" || e.Attempts != 1) {
			t.Errorf("a: via %q after %d attempts", e.DeliveredVia, e.Attempts)
		}
	}
}

func TestOutboxFailureRecorded(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	db.Enqueue(ctx, ch.Mail{To: "a@example.org", Subject: "A", Body: "B"})
	m := claimIDs(t, db, time.Minute, 1)
	db.MarkMailFailed(ctx, m[0], "connection refused", 5*time.Minute)
	entries, _ := db.Outbox(ctx, 1)
	if e := entries[0]; e.SentAt != nil || e.LastError != "connection refused" || e.Attempts != 1 || !e.CreatedAt.Equal(db.clock.Now()) {
		t.Errorf("after a failure: %+v", e)
	}
	db.clock.Add(5*time.Minute - time.Nanosecond)
	if got := claimIDs(t, db, time.Minute, 1); len(got) != 0 {
		t.Error("claimed before the retry wait")
	}
	db.clock.Add(time.Nanosecond)
	if got := claimIDs(t, db, time.Minute, 1); len(got) != 1 {
		t.Error("not claimed once the retry wait passed")
	}
}

func TestOutboxConcurrentClaims(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	var mails []ch.Mail
	for range 40 {
		mails = append(mails, ch.Mail{To: "x@example.org", Subject: "S", Body: "B"})
	}
	db.Enqueue(ctx, mails...)

	var mu sync.Mutex
	seen := map[int64]int{}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				msgs, err := db.ClaimMail(ctx, time.Hour, 3)
				if err != nil {
					t.Error(err)
					return
				}
				if len(msgs) == 0 {
					return
				}
				mu.Lock()
				for _, m := range msgs {
					seen[m.ID]++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(seen) != 40 {
		t.Errorf("%d distinct messages claimed, want 40", len(seen))
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("message %d claimed %d times", id, n)
		}
	}
}
