// Package password hashes and checks passwords with argon2id, the
// memory-hard winner of the Password Hashing Competition recommended by
// OWASP: memory cost makes GPU and ASIC guessing expensive.
package password

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id's cost settings.
type Params struct {
	Time    uint32
	Memory  uint32 // KiB
	Threads uint8
}

// Default follows OWASP's argon2id guidance (m=64 MiB, t=1, p=2); about
// 90 ms a hash on a 2-core server.
var Default = Params{Time: 1, Memory: 64 * 1024, Threads: 2}

// Hasher hashes passwords, bounding how many hashes run at once: each costs
// Memory of RAM, so a burst of sign-ins must not exhaust the machine.
type Hasher struct {
	Params Params
	// MaxWait bounds how long Check queues for a slot. Anyone can make the
	// portal check passwords, so without a bound a burst would make every
	// other sign-in wait behind it.
	MaxWait time.Duration
	slots   chan struct{}
}

// DefaultMaxWait is NewHasher's MaxWait: about ten hashes' time.
const DefaultMaxWait = time.Second

// NewHasher returns a Hasher that runs at most concurrent hashes at a time.
func NewHasher(p Params, concurrent int) *Hasher {
	return &Hasher{Params: p, MaxWait: DefaultMaxWait, slots: make(chan struct{}, max(concurrent, 1))}
}

// ErrBusy is Check's answer when no slot freed up within MaxWait.
var ErrBusy = errors.New("password: too many passwords are being checked")

// acquire takes a slot, giving up after wait when wait is positive.
func (h *Hasher) acquire(ctx context.Context, wait time.Duration) error {
	var timeout <-chan time.Time
	if wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case h.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-timeout:
		return ErrBusy
	}
}

func (h *Hasher) release() { <-h.slots }

// Hash returns the encoded hash of pw in the PHC string format, which
// records the parameters so they can be raised later without breaking old hashes.
func (h *Hasher) Hash(ctx context.Context, pw string) (string, error) {
	// A new password ends a form someone filled in: it waits its turn
	// rather than lose what they typed.
	if err := h.acquire(ctx, 0); err != nil {
		return "", err
	}
	defer h.release()
	salt := make([]byte, 16)
	rand.Read(salt)
	p := h.Params
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, 32)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// ErrMalformed is returned for a stored hash this package did not write.
var ErrMalformed = errors.New("password: malformed hash")

// Check reports whether pw matches the encoded hash. It returns ErrBusy,
// without checking, when it waited MaxWait for a slot.
func (h *Hasher) Check(ctx context.Context, pw, encoded string) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, ErrMalformed
	}
	var p Params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return false, ErrMalformed
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	key, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(key) == 0 {
		return false, ErrMalformed
	}
	if err := h.acquire(ctx, h.MaxWait); err != nil {
		return false, err
	}
	defer h.release()
	got := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// Dummy is a valid hash of a random password, checked when an account does
// not exist so that sign-in takes as long either way and does not reveal
// which addresses have accounts.
func (h *Hasher) Dummy(ctx context.Context) string {
	s, _ := h.Hash(ctx, "no account has this password")
	return s
}
