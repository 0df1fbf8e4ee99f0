package password

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestHashAndCheck(t *testing.T) {
	h := NewHasher(Params{Time: 1, Memory: 1024, Threads: 1}, 2)
	ctx := context.Background()
	enc, err := h.Hash(ctx, "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=1024,t=1,p=1$") {
		t.Fatalf("hash %q is not an argon2id PHC string", enc)
	}
	enc2, _ := h.Hash(ctx, "correct horse battery")
	if enc == enc2 {
		t.Fatal("two hashes of one password are equal: salt is not random")
	}
	for _, tc := range []struct {
		pw   string
		want bool
	}{{"correct horse battery", true}, {"correct horse batterY", false}, {"", false}} {
		ok, err := h.Check(ctx, tc.pw, enc)
		if err != nil || ok != tc.want {
			t.Errorf("Check(%q) = %v, %v; want %v", tc.pw, ok, err, tc.want)
		}
	}
	// A hash written with other parameters still checks: they are read from the string.
	strong := NewHasher(Params{Time: 2, Memory: 2048, Threads: 1}, 1)
	if ok, _ := strong.Check(ctx, "correct horse battery", enc); !ok {
		t.Error("a hash made with older parameters no longer checks")
	}
	for _, bad := range []string{"", "plain", "$argon2id$v=19$m=x$salt$key", "$bcrypt$v=1$m=1,t=1,p=1$c2FsdA$a2V5"} {
		if _, err := h.Check(ctx, "x", bad); err != ErrMalformed {
			t.Errorf("Check on %q: err %v, want ErrMalformed", bad, err)
		}
	}
}

func TestCheckWaitsAtMostMaxWait(t *testing.T) {
	h := NewHasher(Params{Time: 1, Memory: 1024, Threads: 1}, 1)
	ctx := context.Background()
	enc, err := h.Hash(ctx, "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	h.MaxWait = 50 * time.Millisecond
	h.slots <- struct{}{} // a long check holds the only slot
	start := time.Now()
	if ok, err := h.Check(ctx, "correct horse battery", enc); ok || err != ErrBusy {
		t.Fatalf("Check with every slot busy = %v, %v; want false, ErrBusy", ok, err)
	}
	if waited := time.Since(start); waited > time.Second {
		t.Errorf("Check waited %v for a slot, MaxWait is %v", waited, h.MaxWait)
	}
	<-h.slots
	if ok, err := h.Check(ctx, "correct horse battery", enc); !ok || err != nil {
		t.Errorf("Check once the slot is free = %v, %v", ok, err)
	}
}
