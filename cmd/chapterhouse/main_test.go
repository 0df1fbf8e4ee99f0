package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	ch "chapterhouse"
	"chapterhouse/sqldb"
)

func runCmd(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, strings.NewReader(stdin), &out, &errOut)
	return out.String() + errOut.String(), err
}

func TestUserAndTokenCreate(t *testing.T) {
	dir := t.TempDir()
	out, err := runCmd(t, "a long passphrase\n", "user", "create", "--data", dir, "--email", "Cora@Example.org", "--name", "Cora", "--role", "community-manager")
	if err != nil || !strings.Contains(out, "Community manager") {
		t.Fatalf("user create: %v\n%s", err, out)
	}
	if _, err := runCmd(t, "a long passphrase\n", "user", "create", "--data", dir, "--email", "cora@example.org", "--name", "Cora"); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("duplicate account: err %v", err)
	}
	if _, err := runCmd(t, "short\n", "user", "create", "--data", dir, "--email", "x@example.org", "--name", "X"); err == nil || !strings.Contains(err.Error(), "password") {
		t.Errorf("short password accepted: err %v", err)
	}
	if _, err := runCmd(t, "a long passphrase\n", "user", "create", "--data", dir, "--email", "y@example.org", "--name", "Y", "--role", "king"); err == nil || !strings.Contains(err.Error(), "Unknown role") {
		t.Errorf("unknown role accepted: err %v", err)
	}
	out, err = runCmd(t, "", "token", "create", "--data", dir, "--email", "cora@example.org")
	if err != nil {
		t.Fatal(err)
	}
	token := strings.TrimSpace(out)
	db, err := sqldb.Open(context.Background(), dir, "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	u, err := db.APITokenUser(context.Background(), token)
	if err != nil || u.Email != "cora@example.org" || !u.Has(ch.RoleCommunityManager) || !u.Verified() {
		t.Fatalf("token does not authenticate the verified community manager: %v %+v", err, u)
	}
	if _, err := runCmd(t, "", "token", "create", "--data", dir, "--email", "nobody@example.org"); err == nil {
		t.Error("token for an unknown account")
	}
}

func TestUnknownCommand(t *testing.T) {
	for _, args := range [][]string{{}, {"frobnicate"}, {"user", "delete"}} {
		if _, err := runCmd(t, "", args...); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}

// syncBuffer lets the test read what serve prints while it runs.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestServeAnswersAndShutsDown(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--data", t.TempDir()}, strings.NewReader(""), &out, io.Discard)
	}()
	re := regexp.MustCompile(`running at (http://\S+)`)
	var base string
	for deadline := time.Now().Add(20 * time.Second); base == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			base = m[1]
		}
	}
	if base == "" {
		t.Fatalf("serve did not start: %s", out.String())
	}
	for path, want := range map[string]int{"/healthz": 200, "/groups": 200, "/groups/nope": 404, "/api/v1/groups": 200} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET %s: %d, want %d", path, resp.StatusCode, want)
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve ended with %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not shut down")
	}
}
