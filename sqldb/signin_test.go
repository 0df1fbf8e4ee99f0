package sqldb_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	ch "chapterhouse"
	"chapterhouse/sqldb"
	"chapterhouse/sqldb/sqldbtest"
)

func TestSignInThrottle(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	account, ip := "account:ann@example.org", "ip:192.0.2.1"
	reserve := func(keys ...string) time.Time {
		t.Helper()
		until, err := db.ReserveSignIn(ctx, keys...)
		if err != nil {
			t.Fatal(err)
		}
		return until
	}

	// The free tries and the one that sets the first lock are let through.
	for i := 1; i <= ch.FreeSignInAttempts+1; i++ {
		if until := reserve(account, ip); !until.IsZero() {
			t.Fatalf("attempt %d refused until %v (free: %d)", i, until, ch.FreeSignInAttempts)
		}
	}
	want := db.clock.Now().Add(ch.SignInDelay(ch.FreeSignInAttempts + 1))
	if until := reserve(account, ip); !until.Equal(want) {
		t.Fatalf("attempt past the free ones: locked until %v, want %v", until, want)
	}
	// A refused attempt counts nothing, against either key.
	if until := reserve(account, ip); !until.Equal(want) {
		t.Fatalf("a refused attempt moved the lock to %v, want %v", until, want)
	}
	// Another key is locked by its own failures only.
	if until := reserve("ip:198.51.100.7"); !until.IsZero() {
		t.Errorf("an unrelated key is locked until %v", until)
	}
	// The lock is the latest of the keys given.
	db.clock.Add(ch.SignInDelay(ch.FreeSignInAttempts + 1))
	reserve(ip)
	if until := reserve(account, ip); !until.Equal(db.clock.Now().Add(ch.SignInDelay(ch.FreeSignInAttempts + 2))) {
		t.Errorf("ReserveSignIn(account, ip) = %v, want the ip's longer lock", until)
	}
	db.clock.Add(ch.SignInDelay(ch.FreeSignInAttempts + 2))
	if until := reserve(account); !until.IsZero() {
		t.Errorf("still locked after the wait: %v", until)
	}

	// A right password gives its attempt back: people behind one address
	// who sign in correctly never lock it.
	office := "ip:203.0.113.5"
	for range 3 * ch.FreeSignInAttempts {
		if until := reserve(office); !until.IsZero() {
			t.Fatalf("signing in correctly locked the address until %v", until)
		}
		if err := db.ReturnSignIn(ctx, office); err != nil {
			t.Fatal(err)
		}
	}
	// …and a returned attempt that had set a lock lifts it.
	for range ch.FreeSignInAttempts + 1 {
		reserve(office)
	}
	db.ReturnSignIn(ctx, office)
	if until := reserve(office); !until.IsZero() {
		t.Errorf("the lock set by a returned attempt stays until %v", until)
	}

	// Success forgets the account's failures.
	if err := db.ClearSignInFailures(ctx, account); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= ch.FreeSignInAttempts+1; i++ {
		if until := reserve(account); !until.IsZero() {
			t.Fatalf("attempt %d after ClearSignInFailures locked until %v", i, until)
		}
	}

	// A quiet hour forgives the past as well.
	db.clock.Add(time.Hour + time.Second)
	for i := 1; i <= ch.FreeSignInAttempts+1; i++ {
		if until := reserve(account); !until.IsZero() {
			t.Fatalf("attempt %d after a quiet hour locked until %v", i, until)
		}
	}
}

// TestSignInThrottleUnderBurst sends a burst of attempts at once through two
// nodes sharing one database: no more get through than one at a time would.
func TestSignInThrottleUnderBurst(t *testing.T) {
	ctx := context.Background()
	url, dir := sqldbtest.URL(t), t.TempDir()
	var nodes [2]*sqldb.DB
	for i := range nodes {
		db, err := sqldb.Open(ctx, dir, url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		if _, err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		nodes[i] = db
	}
	var passed atomic.Int32
	var wg sync.WaitGroup
	for i := range 60 {
		wg.Go(func() {
			until, err := nodes[i%2].ReserveSignIn(ctx, "account:ann@example.org", "ip:192.0.2.1")
			if err != nil {
				t.Error(err)
			}
			if until.IsZero() {
				passed.Add(1)
			}
		})
	}
	wg.Wait()
	if n := passed.Load(); n != ch.FreeSignInAttempts+1 {
		t.Errorf("%d of a burst of 60 attempts got through, want %d", n, ch.FreeSignInAttempts+1)
	}
}

// Ended sessions, expired links and forgiven failures leave the database;
// live ones stay usable.
func TestForgetExpiredCredentials(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	ann := db.user(t, "ann@example.org", true)
	short, err := db.CreateSession(ctx, ann.ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	long, err := db.CreateSession(ctx, ann.ID, 30*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateUserToken(ctx, ann.ID, sqldb.PurposeReset, ann.Email, time.Hour); err != nil {
		t.Fatal(err)
	}
	verify, err := db.CreateUserToken(ctx, ann.ID, sqldb.PurposeVerify, ann.Email, 48*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	for range ch.FreeSignInAttempts + 2 {
		if _, err := db.ReserveSignIn(ctx, "ip:192.0.2.1"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.SessionUser(ctx, short); err != nil {
		t.Fatalf("the short session does not work before it ends: %v", err)
	}

	// Nothing has ended yet.
	if f, err := db.ForgetExpiredCredentials(ctx); err != nil || f != (sqldb.Forgotten{}) {
		t.Fatalf("forgot %+v (%v) before anything ended", f, err)
	}
	db.clock.Add(2 * time.Hour)
	f, err := db.ForgetExpiredCredentials(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := (sqldb.Forgotten{Sessions: 1, Links: 1, SignInCounts: 1}); f != want {
		t.Errorf("forgot %+v, want %+v", f, want)
	}
	if u, err := db.SessionUser(ctx, long); err != nil || u.ID != ann.ID {
		t.Errorf("the live session stopped working: %v", err)
	}
	if _, _, err := db.ConsumeUserToken(ctx, verify, sqldb.PurposeVerify); err != nil {
		t.Errorf("the live verification link stopped working: %v", err)
	}
}
