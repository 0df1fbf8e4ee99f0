package sqldb_test

import (
	"context"
	"slices"
	"testing"
	"time"

	ch "chapterhouse"
)

func TestRequirements(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	reqs, err := db.Requirements(ctx)
	if err != nil || !slices.Equal(reqs, ch.DefaultRequirements) {
		t.Fatalf("Requirements = %v, %v; want the defaults %v", reqs, err, ch.DefaultRequirements)
	}
	// What a caller does with the answer must not change the defaults.
	reqs[0].Min = 7
	if again, _ := db.Requirements(ctx); again[0].Min != 1 || ch.DefaultRequirements[0].Min != 1 {
		t.Errorf("changing the returned requirements changed the defaults: %v", ch.DefaultRequirements)
	}

	mine := []ch.Requirement{{Field: ch.FieldURLs, Min: 2}, {Field: ch.FieldChannels, Min: 1}, {Field: ch.FieldCoordinators, Min: 2}}
	if err := db.SetRequirements(ctx, mine); err != nil {
		t.Fatal(err)
	}
	if got, err := db.Requirements(ctx); err != nil || !slices.Equal(got, mine) {
		t.Errorf("Requirements = %v, %v; want %v", got, err, mine)
	}
	mine = mine[:1]
	db.SetRequirements(ctx, mine)
	if got, _ := db.Requirements(ctx); !slices.Equal(got, mine) {
		t.Errorf("Requirements after replacing = %v, want %v", got, mine)
	}
	// An empty list is a choice (nothing required), not a return to the defaults.
	db.SetRequirements(ctx, []ch.Requirement{})
	if got, _ := db.Requirements(ctx); len(got) != 0 {
		t.Errorf("Requirements after clearing = %v", got)
	}
}

func TestPolicies(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	p, err := db.CurrentPolicy(ctx, ch.PolicySocialMedia)
	if err != nil {
		t.Fatal(err)
	}
	if p.Version != 1 || p.Body != ch.DefaultSocialMediaPolicy || p.Kind != ch.PolicySocialMedia || !p.CreatedAt.Equal(db.clock.Now()) {
		t.Errorf("first CurrentPolicy = v%d %q at %v", p.Version, p.Kind, p.CreatedAt)
	}
	again, _ := db.CurrentPolicy(ctx, ch.PolicySocialMedia)
	if again.ID != p.ID || again.Version != 1 {
		t.Errorf("second CurrentPolicy published again: v%d id %d", again.Version, again.ID)
	}

	mgr := db.user(t, "cm@example.org", true, ch.RoleCommunityManager)
	for want := 2; want <= 4; want++ {
		db.clock.Add(time.Hour)
		body := "# Policy " + string(rune('0'+want))
		v, err := db.PublishPolicy(ctx, ch.PolicySocialMedia, body, mgr.ID)
		if err != nil || v != want {
			t.Fatalf("PublishPolicy = %d, %v; want %d", v, err, want)
		}
		cur, _ := db.CurrentPolicy(ctx, ch.PolicySocialMedia)
		if cur.Version != want || cur.Body != body || cur.CreatedBy != mgr.Name || !cur.CreatedAt.Equal(db.clock.Now()) {
			t.Errorf("CurrentPolicy = %+v", cur)
		}
	}

	// Other kinds have no default and are versioned on their own.
	_, err = db.CurrentPolicy(ctx, "code-of-conduct")
	wantCode(t, err, ch.ENOTFOUND)
	if v, _ := db.PublishPolicy(ctx, "code-of-conduct", "Be kind.", 0); v != 1 {
		t.Errorf("first code of conduct is v%d", v)
	}
}
