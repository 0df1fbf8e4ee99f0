package workflow

import (
	"context"
	"sync"
	"time"

	ch "chapterhouse"
)

// Hasher hashes and checks passwords (password.Hasher).
type Hasher interface {
	Hash(ctx context.Context, pw string) (string, error)
	// Check answers password.ErrBusy when it could not start in time.
	Check(ctx context.Context, pw, encoded string) (bool, error)
	Dummy(ctx context.Context) string
}

// Keys of the sign-in throttle (sqldb.ReserveSignIn) and of keyTurns: every
// workflow that counts, forgives or waits on the failures of an account or
// a client address names them alike.
func accountKey(email string) string { return "account:" + email }
func clientKey(client string) string { return "ip:" + client }

// signInTurnWait bounds how long a sign-in waits for another one of the
// same account or address to finish on this node.
const signInTurnWait = time.Second

// errBusy refuses a sign-in that could not be checked in time; nothing is
// counted against the person.
var errBusy = &Throttled{Err: ch.Errorf(ch.ETOOMANY, "Too many sign-ins are being checked right now. Try again in a moment."), Wait: time.Second}

// keyTurns lets one sign-in per account and per client address check its
// password at a time on this node. A burst from one address then takes one
// hashing slot, not all of them, so it cannot make everyone else's sign-in
// wait; the database's count (sqldb.ReserveSignIn) does the rest across nodes.
type keyTurns struct {
	mu   sync.Mutex
	held map[string]chan struct{}
}

// take waits until none of keys is held, up to wait, and holds them all
// until release is called. Taking all or none means two sign-ins never hold
// one key each while waiting for the other's.
func (t *keyTurns) take(ctx context.Context, wait time.Duration, keys ...string) (release func(), ok bool) {
	timeout := time.NewTimer(wait)
	defer timeout.Stop()
	for {
		t.mu.Lock()
		var busy chan struct{}
		for _, k := range keys {
			if c, held := t.held[k]; held {
				busy = c
				break
			}
		}
		if busy == nil {
			if t.held == nil {
				t.held = map[string]chan struct{}{}
			}
			done := make(chan struct{})
			for _, k := range keys {
				t.held[k] = done
			}
			t.mu.Unlock()
			return func() {
				t.mu.Lock()
				for _, k := range keys {
					delete(t.held, k)
				}
				t.mu.Unlock()
				close(done)
			}, true
		}
		t.mu.Unlock()
		select {
		case <-busy:
		case <-timeout.C:
			return nil, false
		case <-ctx.Done():
			return nil, false
		}
	}
}
