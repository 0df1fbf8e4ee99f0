package sqldb_test

import (
	"context"
	"sync"
	"testing"
	"time"

	ch "chapterhouse"
)

// A coordinator removed while a community manager grants official status:
// whichever commits first, the group never becomes official on steps it no
// longer meets. Either the grant saw the removal and was refused, or the
// grant's history entry comes before the removal's. GrantOfficial evaluates
// the steps inside its transaction, on the locked group row; evaluated
// before (as the caller's checklist once was), the grant reads the two
// coordinators, waits for the removal to commit, and makes the group
// official on one.
func TestGrantOfficialRacesCoordinatorRemoval(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	p := ch.DefaultProgram()
	who := newPeople(t, db)
	// Exactly the two coordinators from two employers the organisation
	// step asks for.
	full := fullApplication(t, "Lyon Gophers")
	g := db.listed(t, full, who.owner, who.cm)
	recordMonthly(t, db, g.Slug, 9, who.owner)
	must(t, db.AddAmbassador(ctx, g.Slug, who.amb.ID, who.cm, nil))
	passSteps(t, db, g.Slug, who.cm, ch.RoleCommunityManager, "organisation", "channels", "meetings")
	passSteps(t, db, g.Slug, who.amb, ch.RoleAmbassador, "organisation", "channels", "meetings")
	if _, res := results(t, db, g.Slug, p); !ch.AllMet(res) {
		t.Fatalf("setup: %v", states(res))
	}
	full.PolicyAgreed = false // agreed once, on applying
	fewer := full
	fewer.Coordinators = full.Coordinators[:1]

	const rounds = 40
	var granted, refused int
	seen := len(events(t, db, g.ID))
	for round := range rounds {
		// Who starts first, and by how much, varies, so that both orders
		// happen.
		delay := time.Duration(round/2%5) * 300 * time.Microsecond
		var grantErr, removeErr error
		var wg sync.WaitGroup
		start := make(chan struct{})
		wg.Add(2)
		go func() {
			defer wg.Done()
			<-start
			if round%2 == 0 {
				time.Sleep(delay)
			}
			_, grantErr = db.GrantOfficial(ctx, g.Slug, "Welcome.", p, who.cm, nil)
		}()
		go func() {
			defer wg.Done()
			<-start
			if round%2 == 1 {
				time.Sleep(delay)
			}
			_, removeErr = db.UpdateGroup(ctx, g.Slug, fewer, who.owner, nil)
		}()
		close(start)
		wg.Wait()
		must(t, removeErr)

		evs := events(t, db, g.ID)
		grantAt, removalAt := -1, -1
		for i, e := range evs[seen:] {
			switch {
			case e.Kind == ch.EventStatusChanged && e.To == ch.StatusOfficial:
				grantAt = i
			case e.Kind == ch.EventCoordinatorRemoved:
				removalAt = i
			}
		}
		switch code := ch.ErrorCode(grantErr); {
		case code == "" && grantAt >= 0 && grantAt < removalAt:
			granted++
		case code == "":
			t.Fatalf("round %d: the group became official after a coordinator was removed: %v", round, evs[seen:])
		case code == ch.ECONFLICT && grantAt < 0:
			if _, ok := ch.ErrorFields(grantErr)["organisation"]; !ok {
				t.Fatalf("round %d: the grant was refused for another reason: %v", round, grantErr)
			}
			refused++
		default:
			t.Fatalf("round %d: GrantOfficial: %v (history %v)", round, grantErr, evs[seen:])
		}

		// The next round starts again from a group that meets every step.
		if grantErr == nil {
			_, err := db.ChangeStatus(ctx, g.Slug, ch.StatusRevoked, "Down to one coordinator.", who.cm, nil)
			must(t, err)
		}
		_, err := db.UpdateGroup(ctx, g.Slug, full, who.owner, nil)
		must(t, err)
		seen = len(events(t, db, g.ID))
	}
	t.Logf("%s: %d grants committed before the removal, %d refused after it", db.Engine(), granted, refused)
}
