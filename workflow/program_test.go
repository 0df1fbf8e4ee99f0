package workflow_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	ch "chapterhouse"
)

// A community manager cannot remove its own community manager role, and
// the program never loses its last one, not even when two managers remove
// each other at the same moment.
func TestSetRoleKeepsAManager(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	_, err := w.flows.SetRole(ctx, w.cm, w.cm.ID, ch.RoleCommunityManager, false)
	if ch.ErrorCode(err) != ch.ECONFLICT || !strings.Contains(ch.ErrorMessage(err), "your own community manager role") {
		t.Errorf("removing one's own manager role: %v", err)
	}
	if u, _ := w.db.UserByID(ctx, w.cm.ID); !u.IsCommunityManager() {
		t.Fatal("a community manager removed its own role")
	}
	// It may still drop another role of its own.
	_, err = w.flows.SetRole(ctx, w.cm, w.cm.ID, ch.RoleAmbassador, true)
	w.must(err)
	_, err = w.flows.SetRole(ctx, w.cm, w.cm.ID, ch.RoleAmbassador, false)
	w.must(err)

	for round := range 5 {
		a, b := w.cm, w.cm2
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, pair := range [][2]*ch.User{{a, b}, {b, a}} {
			wg.Go(func() { _, errs[i] = w.flows.SetRole(ctx, pair[0], pair[1].ID, ch.RoleCommunityManager, false) })
		}
		wg.Wait()
		managers, err := w.db.UsersWithRole(ctx, ch.RoleCommunityManager)
		w.must(err)
		if len(managers) != 1 {
			t.Fatalf("round %d: two managers removing each other left %d managers (%v, %v)", round, len(managers), errs[0], errs[1])
		}
		last := managers[0]
		other := w.cm2
		if last.ID == w.cm2.ID {
			other = w.cm
		}
		// The last one cannot be removed by anyone, and may grant the role again.
		_, err = w.flows.SetRole(ctx, last, last.ID, ch.RoleCommunityManager, false)
		if ch.ErrorCode(err) != ch.ECONFLICT {
			t.Errorf("the last manager removed its own role: %v", err)
		}
		_, err = w.flows.SetRole(ctx, last, other.ID, ch.RoleCommunityManager, true)
		w.must(err)
		w.cm, w.cm2 = refreshed(t, w, w.cm), refreshed(t, w, w.cm2)
	}
}

func refreshed(t *testing.T, w *world, u *ch.User) *ch.User {
	t.Helper()
	fresh, err := w.db.UserByID(context.Background(), u.ID)
	w.must(err)
	return fresh
}
