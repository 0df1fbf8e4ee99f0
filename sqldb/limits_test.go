package sqldb_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"chapterhouse/sqldb"
	"chapterhouse/sqldb/sqldbtest"
)

// A burst of concurrent requests gets exactly the allowance, not one more:
// the count is taken in the database, row by row.
func TestTakeUnderBurst(t *testing.T) {
	ctx := context.Background()
	db := sqldbtest.Open(t)
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	var now atomic.Pointer[time.Time]
	now.Store(&t0)
	db.Now = func() time.Time { return *now.Load() }
	perAddress := sqldb.Limit{Key: "mail-to:ann@example.org", Max: 3, Per: time.Hour}

	var admitted, refused atomic.Int32
	var wg sync.WaitGroup
	for range 40 {
		wg.Go(func() {
			wait, err := db.Take(ctx, 1, perAddress)
			switch {
			case err != nil:
				t.Error(err)
			case wait == 0:
				admitted.Add(1)
			case wait != time.Hour:
				t.Errorf("refused with a wait of %v, want the hour the window lasts", wait)
			default:
				refused.Add(1)
			}
		})
	}
	wg.Wait()
	if admitted.Load() != 3 || refused.Load() != 37 {
		t.Fatalf("a burst of 40 admitted %d and refused %d, want 3 and 37", admitted.Load(), refused.Load())
	}

	later := t0.Add(40 * time.Minute)
	now.Store(&later)
	if wait, err := db.Take(ctx, 1, perAddress); err != nil || wait != 20*time.Minute {
		t.Errorf("40 minutes on: wait %v, %v; want 20m left of the window", wait, err)
	}
	// All or none: a limit that refuses leaves the others untouched.
	perAccount := sqldb.Limit{Key: "account:7", Max: 1, Per: time.Hour}
	if wait, err := db.Take(ctx, 1, perAccount, perAddress); err != nil || wait == 0 {
		t.Fatalf("Take over a full limit: wait %v, %v", wait, err)
	}
	if wait, err := db.Take(ctx, 1, perAccount); err != nil || wait != 0 {
		t.Errorf("the refused Take counted against the other limit: wait %v, %v", wait, err)
	}
	// Hits weigh n each: a request of five against a maximum of ten.
	invites := sqldb.Limit{Key: "invite-by:7", Max: 10, Per: 24 * time.Hour}
	for i, want := range []bool{true, true, false} {
		if wait, err := db.Take(ctx, 5, invites); err != nil || (wait == 0) != want {
			t.Errorf("take %d of 5: wait %v, %v", i+1, wait, err)
		}
	}

	after := t0.Add(time.Hour)
	now.Store(&after)
	if wait, err := db.Take(ctx, 1, perAddress); err != nil || wait != 0 {
		t.Errorf("once the window ended: wait %v, %v", wait, err)
	}
	if n, err := db.ForgetExpiredLimits(ctx); err != nil || n != 0 {
		t.Errorf("ForgetExpiredLimits forgot %d live counts (%v)", n, err)
	}
	day := t0.Add(25 * time.Hour)
	now.Store(&day)
	if n, err := db.ForgetExpiredLimits(ctx); err != nil || n != 3 {
		t.Errorf("ForgetExpiredLimits forgot %d, %v; want the 3 ended counts", n, err)
	}
}
