package workflow_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	ch "chapterhouse"
	"chapterhouse/password"
	"chapterhouse/sqldb"
	"chapterhouse/sqldb/sqldbtest"
	"chapterhouse/workflow"
)

// countingHasher counts the passwords checked and how many were checked at
// once; delay makes each check take a while, as a real one does.
type countingHasher struct {
	*password.Hasher
	delay            time.Duration
	busy             bool // answer every check password.ErrBusy
	checks, inFlight atomic.Int32
	mu               sync.Mutex
	maxInFlight      int32
}

func (h *countingHasher) Check(ctx context.Context, pw, encoded string) (bool, error) {
	if h.busy {
		return false, password.ErrBusy
	}
	h.checks.Add(1)
	defer h.work()()
	return h.Hasher.Check(ctx, pw, encoded)
}

func (h *countingHasher) Hash(ctx context.Context, pw string) (string, error) {
	defer h.work()()
	return h.Hasher.Hash(ctx, pw)
}

// work notes a hash in flight, which takes delay, until the returned
// function is called.
func (h *countingHasher) work() (done func()) {
	n := h.inFlight.Add(1)
	h.mu.Lock()
	h.maxInFlight = max(h.maxInFlight, n)
	h.mu.Unlock()
	time.Sleep(h.delay)
	return func() { h.inFlight.Add(-1) }
}

const rightPassword = "the right password"

// signInNodes returns n services (portal nodes) sharing one database, the
// database of the first, their hasher, and an account whose password is
// rightPassword.
func signInNodes(t *testing.T, n int) ([]*workflow.Service, *sqldb.DB, *countingHasher, *ch.User) {
	t.Helper()
	ctx := context.Background()
	url, dir := sqldbtest.URL(t), t.TempDir()
	h := &countingHasher{Hasher: password.NewHasher(password.Params{Time: 1, Memory: 1024, Threads: 1}, 4)}
	var nodes []*workflow.Service
	var first *sqldb.DB
	for i := range n {
		db, err := sqldb.Open(ctx, dir, url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		if i == 0 {
			if _, err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			first = db
		}
		nodes = append(nodes, workflow.New(db, h, ch.DefaultProgram(), "https://portal.test", slog.New(slog.NewTextHandler(io.Discard, nil))))
	}
	hash, err := h.Hash(ctx, rightPassword)
	if err != nil {
		t.Fatal(err)
	}
	u, err := first.CreateUser(ctx, "ann@example.org", "Ann", hash, true, 0)
	if err != nil {
		t.Fatal(err)
	}
	h.checks.Store(0)
	return nodes, first, h, u
}

func wantThrottled(t *testing.T, what string, err error) {
	t.Helper()
	var th *workflow.Throttled
	if !errors.As(err, &th) || ch.ErrorCode(err) != ch.ETOOMANY || th.Wait < time.Second {
		t.Errorf("%s: %v, want a Throttled ETOOMANY with a wait", what, err)
	}
}

// TestSignInBurst sends bursts of wrong passwords at once through two nodes:
// no more passwords are checked than one-by-one attempts would get, and the
// right password sent after them does not sign in.
func TestSignInBurst(t *testing.T) {
	ctx := context.Background()
	burst := func(nodes []*workflow.Service, n int, email, client func(i int) string) {
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				if _, _, err := nodes[i%len(nodes)].SignIn(ctx, email(i), "wrong password", client(i)); err == nil {
					t.Error("a wrong password signed in")
				}
			})
		}
		wg.Wait()
	}
	same := func(s string) func(int) string { return func(int) string { return s } }
	each := func(f string) func(int) string { return func(i int) string { return fmt.Sprintf(f, i) } }

	// Four nodes and checks that take a while: were attempts counted only
	// after their check, each node would let its own burst through while
	// the others check, far past the limit.
	t.Run("one account from many addresses", func(t *testing.T) {
		nodes, _, h, ann := signInNodes(t, 4)
		h.delay = 20 * time.Millisecond
		burst(nodes, 80, same(ann.Email), each("192.0.2.%d"))
		if n := h.checks.Load(); n > ch.FreeSignInAttempts+1 {
			t.Errorf("a burst of 80 wrong passwords had %d checked, want at most %d", n, ch.FreeSignInAttempts+1)
		}
		_, session, err := nodes[0].SignIn(ctx, ann.Email, rightPassword, "198.51.100.1")
		wantThrottled(t, "the right password after the burst", err)
		if session != "" {
			t.Error("the right password after the burst opened a session")
		}
	})
	t.Run("many accounts from one address", func(t *testing.T) {
		nodes, _, h, ann := signInNodes(t, 4)
		h.delay = 20 * time.Millisecond
		burst(nodes, 80, each("nobody%d@example.org"), same("192.0.2.7"))
		if n := h.checks.Load(); n > ch.FreeSignInAttempts+1 {
			t.Errorf("a burst of 80 wrong passwords had %d checked, want at most %d", n, ch.FreeSignInAttempts+1)
		}
		_, _, err := nodes[1].SignIn(ctx, ann.Email, rightPassword, "192.0.2.7")
		wantThrottled(t, "the right password from the address after its burst", err)
		// The account itself is not locked: its owner elsewhere signs in.
		if _, _, err := nodes[1].SignIn(ctx, ann.Email, rightPassword, "198.51.100.1"); err != nil {
			t.Errorf("the owner from another address: %v", err)
		}
	})
	// Guessing across accounts from one address, with a sign-in to an
	// account of one's own in between, does not wipe the address's slate.
	t.Run("a success does not forgive the address", func(t *testing.T) {
		nodes, _, _, ann := signInNodes(t, 1)
		for i := range ch.FreeSignInAttempts {
			if _, _, err := nodes[0].SignIn(ctx, fmt.Sprintf("victim%d@example.org", i), "guess", "192.0.2.8"); ch.ErrorCode(err) != ch.EINVALID {
				t.Fatalf("guess %d: %v", i+1, err)
			}
		}
		if _, _, err := nodes[0].SignIn(ctx, ann.Email, rightPassword, "192.0.2.8"); err != nil {
			t.Fatalf("the attacker's own account: %v", err)
		}
		nodes[0].SignIn(ctx, "victim9@example.org", "guess", "192.0.2.8")
		_, _, err := nodes[0].SignIn(ctx, "victim10@example.org", "guess", "192.0.2.8")
		wantThrottled(t, "a guess after the free ones, a success in between", err)
	})
}

// signInDuring runs burst 40 times at once, as from one address, while Ann
// signs in from another: she must not wait behind the burst, which may
// hold one hashing slot only.
func signInDuring(t *testing.T, node *workflow.Service, h *countingHasher, ann *ch.User, burst func(i int)) {
	t.Helper()
	h.delay = 30 * time.Millisecond
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Go(func() { burst(i) })
	}
	time.Sleep(10 * time.Millisecond)
	start := time.Now()
	_, _, err := node.SignIn(context.Background(), ann.Email, rightPassword, "198.51.100.1")
	took := time.Since(start)
	wg.Wait()
	if err != nil {
		t.Errorf("sign-in during another address's burst: %v", err)
	}
	if took > password.DefaultMaxWait {
		t.Errorf("sign-in during another address's burst took %v; a hash takes %v", took, h.delay)
	}
	if h.maxInFlight > 2 {
		t.Errorf("%d passwords were hashed at once; the burst's address should hold one slot, the other person one", h.maxInFlight)
	}
}

// TestSignInBurstIsFair: a burst from one address checks one password at a
// time, so it holds one hashing slot and someone else signing in meanwhile
// does not wait behind it.
func TestSignInBurstIsFair(t *testing.T) {
	ctx := context.Background()
	nodes, _, h, ann := signInNodes(t, 1)
	signInDuring(t, nodes[0], h, ann, func(i int) {
		nodes[0].SignIn(ctx, fmt.Sprintf("nobody%d@example.org", i), "wrong password", "192.0.2.7")
	})
}

// TestSignUpBurstIsFair: sign-ups hash a password too; a burst of them from
// one address holds one hashing slot, as a burst of sign-ins does.
func TestSignUpBurstIsFair(t *testing.T) {
	ctx := context.Background()
	nodes, db, h, ann := signInNodes(t, 1)
	var refused atomic.Int32
	signInDuring(t, nodes[0], h, ann, func(i int) {
		err := nodes[0].SignUp(ctx, ch.SignUp{Email: fmt.Sprintf("new%d@example.org", i), Name: "New", Password: "a long passphrase"}, "192.0.2.7")
		if ch.ErrorCode(err) == ch.ETOOMANY {
			refused.Add(1)
		} else if err != nil {
			t.Error(err)
		}
	})
	// Those that waited too long were told to try again; the others signed up.
	mails, err := db.Outbox(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	if refused.Load() == 0 || len(mails) != 40-int(refused.Load()) {
		t.Errorf("%d sign-ups refused, %d verification mails queued: every sign-up not refused mails its link", refused.Load(), len(mails))
	}
}

// TestSignInWhenHasherBusy: a sign-in refused because no hashing slot freed
// up in time costs the person nothing.
func TestSignInWhenHasherBusy(t *testing.T) {
	ctx := context.Background()
	nodes, _, h, ann := signInNodes(t, 1)
	h.busy = true
	for range 3 * ch.FreeSignInAttempts {
		_, _, err := nodes[0].SignIn(ctx, ann.Email, rightPassword, "192.0.2.1")
		wantThrottled(t, "sign-in with every slot busy", err)
	}
	h.busy = false
	if _, _, err := nodes[0].SignIn(ctx, ann.Email, rightPassword, "192.0.2.1"); err != nil {
		t.Errorf("sign-in once the slots are free: %v", err)
	}
}

// TestPasswordChangeEndsCredentials: sessions, mailed links and (when asked,
// and always after a reset) API tokens from before a new password stop working.
func TestPasswordChangeEndsCredentials(t *testing.T) {
	ctx := context.Background()
	nodes, db, _, ann := signInNodes(t, 1)
	flows := nodes[0]
	type creds struct{ session, apiToken, reset, verify, changeEmail string }
	current := rightPassword
	// A credential that failed to be made would pass for one that ended.
	made := func(secret string, err error) string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return secret
	}
	links := func(c *creds) {
		t.Helper()
		c.reset = made(db.CreateUserToken(ctx, ann.ID, sqldb.PurposeReset, ann.Email, time.Hour))
		c.verify = made(db.CreateUserToken(ctx, ann.ID, sqldb.PurposeVerify, ann.Email, time.Hour))
		c.changeEmail = made(db.CreateUserToken(ctx, ann.ID, sqldb.PurposeChangeEmail, "ann@new.example.org", time.Hour))
	}
	issue := func() creds {
		t.Helper()
		var c creds
		var err error
		_, c.session, err = flows.SignIn(ctx, ann.Email, current, "192.0.2.1")
		if err != nil {
			t.Fatal(err)
		}
		c.apiToken = made(flows.CreateToken(ctx, ann, "sync script"))
		links(&c)
		return c
	}
	ended := func(when string, c creds, apiTokenEnds bool) {
		t.Helper()
		if _, err := db.SessionUser(ctx, c.session); err == nil {
			t.Errorf("%s: a session from before still works", when)
		}
		if _, err := db.APITokenUser(ctx, c.apiToken); (err == nil) == apiTokenEnds {
			t.Errorf("%s: API token from before: err %v, want it to end: %v", when, err, apiTokenEnds)
		}
		if err := flows.ResetPassword(ctx, c.reset, "attacker's password"); ch.ErrorCode(err) != ch.ENOTFOUND {
			t.Errorf("%s: a reset link from before: %v", when, err)
		}
		if _, _, err := db.ConsumeUserToken(ctx, c.verify, sqldb.PurposeVerify); ch.ErrorCode(err) != ch.ENOTFOUND {
			t.Errorf("%s: a verification link from before: %v", when, err)
		}
		if _, _, err := db.ConsumeUserToken(ctx, c.changeEmail, sqldb.PurposeChangeEmail); ch.ErrorCode(err) != ch.ENOTFOUND {
			t.Errorf("%s: a change-of-address link from before: %v", when, err)
		}
	}
	change := func(revoke bool) {
		t.Helper()
		next := current + "!"
		session, err := flows.ChangePassword(ctx, ann, current, next, revoke)
		if err != nil {
			t.Fatal(err)
		}
		current = next
		if u, err := db.SessionUser(ctx, session); err != nil || u.ID != ann.ID {
			t.Errorf("the session ChangePassword returned: %v, %v", u, err)
		}
	}

	c := issue()
	change(false)
	ended("change keeping tokens", c, false)

	c = issue()
	change(true)
	ended("change revoking tokens", c, true)

	// A wrong current password changes nothing, and counts as a wrong
	// sign-in would: a borrowed session cannot guess it at leisure.
	c = issue()
	for i := range ch.FreeSignInAttempts + 2 {
		_, err := flows.ChangePassword(ctx, ann, "a guess", "a new password", true)
		if ch.ErrorFields(err)["current_password"] == "" {
			t.Fatalf("guess %d: %v, want a current_password error", i+1, err)
		}
	}
	if _, err := db.SessionUser(ctx, c.session); err != nil {
		t.Errorf("a refused change ended a session: %v", err)
	}
	_, err := flows.ChangePassword(ctx, ann, current, "a new password", true)
	if msg := ch.ErrorFields(err)["current_password"]; msg == "" || msg == "This is not your current password." {
		t.Errorf("the right password after guesses: %v %q, want to be told to wait", err, msg)
	}

	// A reset ends everything, API tokens included, and lifts the lock.
	links(&c)
	if err := flows.ResetPassword(ctx, c.reset, "after the reset"); err != nil {
		t.Fatal(err)
	}
	ended("reset", c, true)
	if _, _, err := flows.SignIn(ctx, ann.Email, "after the reset", "192.0.2.1"); err != nil {
		t.Errorf("sign-in after the reset: %v", err)
	}
}

// An address no account can have is counted against the client only: it
// cannot lock anyone out or grow the throttle table with keys of any size
// (PostgreSQL refuses index entries over 8 KB).
func TestSignInWithImpossibleAddress(t *testing.T) {
	ctx := context.Background()
	nodes, _, _, ann := signInNodes(t, 1)
	// Random, so that PostgreSQL cannot compress it under its limit.
	noise := make([]byte, 4500)
	rand.Read(noise)
	huge := hex.EncodeToString(noise) + "@example.org"
	for i := range ch.FreeSignInAttempts {
		if _, _, err := nodes[0].SignIn(ctx, huge, "whatever", "192.0.2.9"); ch.ErrorCode(err) != ch.EINVALID {
			t.Fatalf("attempt %d with an impossible address: %v, want the usual refusal", i+1, err)
		}
	}
	// The client's failures count as any others do.
	nodes[0].SignIn(ctx, huge, "whatever", "192.0.2.9")
	_, _, err := nodes[0].SignIn(ctx, ann.Email, rightPassword, "192.0.2.9")
	wantThrottled(t, "the right password from a client past its free failures", err)
	if _, _, err := nodes[0].SignIn(ctx, ann.Email, rightPassword, "198.51.100.1"); err != nil {
		t.Errorf("the account from elsewhere: %v", err)
	}
}
