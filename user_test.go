package chapterhouse

import (
	"maps"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestSignUpValidate(t *testing.T) {
	tests := []struct {
		name   string
		in     SignUp
		fields []string
	}{
		{"valid", SignUp{Email: " Ann@Example.ORG ", Name: " Ann ", Password: "correct horse"}, nil},
		{"unicode password of ten runes", SignUp{Email: "a@example.org", Name: "Ann", Password: "éééééééééé"}, nil},
		{"everything wrong", SignUp{}, []string{"email", "name", "password"}},
		{"no dot in domain", SignUp{Email: "ann@localhost", Name: "Ann", Password: "correct horse"}, []string{"email"}},
		{"display name", SignUp{Email: "Ann <ann@example.org>", Name: "Ann", Password: "correct horse"}, []string{"email"}},
		{"two addresses", SignUp{Email: "a@example.org, b@example.org", Name: "Ann", Password: "correct horse"}, []string{"email"}},
		{"blank name", SignUp{Email: "ann@example.org", Name: "   ", Password: "correct horse"}, []string{"name"}},
		{"long name", SignUp{Email: "ann@example.org", Name: strings.Repeat("é", 101), Password: "correct horse"}, []string{"name"}},
		{"short password", SignUp{Email: "ann@example.org", Name: "Ann", Password: "123456789"}, []string{"password"}},
		{"huge password", SignUp{Email: "ann@example.org", Name: "Ann", Password: strings.Repeat("x", 1025)}, []string{"password"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.in
			s.Normalize()
			err := s.Validate()
			got := slices.Sorted(maps.Keys(ErrorFields(err)))
			if !slices.Equal(got, tt.fields) {
				t.Errorf("Validate(%+v) fields = %v (%v), want %v", s, got, err, tt.fields)
			}
			if tt.fields != nil && ErrorCode(err) != EINVALID {
				t.Errorf("code = %q, want %s", ErrorCode(err), EINVALID)
			}
		})
	}
	s := SignUp{Email: " Ann@Example.ORG ", Name: "  Ann Lee "}
	s.Normalize()
	if s.Email != "ann@example.org" || s.Name != "Ann Lee" {
		t.Errorf("Normalize = %+v", s)
	}
}

func TestSignInDelay(t *testing.T) {
	// Every one of the free attempts costs nothing; after that the wait
	// doubles from two seconds and never exceeds fifteen minutes.
	for n := 0; n <= FreeSignInAttempts; n++ {
		if d := SignInDelay(n); d != 0 {
			t.Errorf("SignInDelay(%d) = %v, want 0 (free attempt)", n, d)
		}
	}
	tests := []struct {
		failures int
		want     time.Duration
	}{
		{FreeSignInAttempts + 1, 2 * time.Second},
		{FreeSignInAttempts + 2, 4 * time.Second},
		{FreeSignInAttempts + 3, 8 * time.Second},
		{FreeSignInAttempts + 9, 512 * time.Second},
		{FreeSignInAttempts + 10, 15 * time.Minute},
		{FreeSignInAttempts + 100, 15 * time.Minute},
		{1 << 30, 15 * time.Minute},
	}
	for _, tt := range tests {
		if got := SignInDelay(tt.failures); got != tt.want {
			t.Errorf("SignInDelay(%d) = %v, want %v", tt.failures, got, tt.want)
		}
	}
	for n := 1; n < 200; n++ {
		if SignInDelay(n) < SignInDelay(n-1) {
			t.Errorf("SignInDelay(%d) = %v < SignInDelay(%d) = %v", n, SignInDelay(n), n-1, SignInDelay(n-1))
		}
	}
}

func TestParseRole(t *testing.T) {
	for _, in := range []string{"community-manager", " Ambassador ", "APPROVER"} {
		r, err := ParseRole(in)
		if err != nil || !slices.Contains(Roles, r) {
			t.Errorf("ParseRole(%q) = %q, %v", in, r, err)
		}
	}
	for _, in := range []string{"", "admin", "community manager"} {
		if _, err := ParseRole(in); ErrorCode(err) != EINVALID {
			t.Errorf("ParseRole(%q) error = %v, want %s", in, err, EINVALID)
		}
	}
}

func TestUserRoles(t *testing.T) {
	var nobody *User
	if nobody.Verified() || nobody.Has(RoleAmbassador) || nobody.IsCommunityManager() {
		t.Error("a nil user has rights")
	}
	now := time.Now()
	u := &User{VerifiedAt: &now, Roles: []Role{RoleAmbassador}}
	if !u.Verified() || !u.Has(RoleAmbassador) || u.IsCommunityManager() {
		t.Errorf("user %+v: verified %v, ambassador %v, manager %v", u, u.Verified(), u.Has(RoleAmbassador), u.IsCommunityManager())
	}
}

func TestMailbox(t *testing.T) {
	for in, want := range map[string]string{
		"Ann@Example.org":          "ann@example.org",
		"ann+1@example.org":        "ann@example.org",
		"ann+news+x@example.org":   "ann@example.org",
		"a.nn@example.org":         "a.nn@example.org", // dots matter outside Gmail
		"A.n.n+x@gmail.com":        "ann@gmail.com",
		"ann@googlemail.com":       "ann@gmail.com",
		"+ann@example.org":         "+ann@example.org", // nothing before the tag: keep it
		"not an address":           "not an address",
		" Bob+Tag@Sub.Example.ORG": "bob@sub.example.org",
	} {
		if got := Mailbox(in); got != want {
			t.Errorf("Mailbox(%q) = %q, want %q", in, got, want)
		}
	}
}
