package chapterhouse

import (
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Role is a program-wide role. Per-group roles (organizer, member) come from
// a person's relation to a group, not from this list.
type Role string

const (
	RoleCommunityManager Role = "community-manager"
	RoleAmbassador       Role = "ambassador"
	RoleApprover         Role = "approver"
)

// Roles lists the program roles in the order pages show them.
var Roles = []Role{RoleCommunityManager, RoleAmbassador, RoleApprover}

// Label is the role's name for people.
func (r Role) Label() string {
	switch r {
	case RoleCommunityManager:
		return "Community manager"
	case RoleAmbassador:
		return "Ambassador"
	case RoleApprover:
		return "Approver"
	}
	return string(r)
}

// ParseRole accepts a role name as written on the command line or in forms.
func ParseRole(s string) (Role, error) {
	r := Role(strings.ToLower(strings.TrimSpace(s)))
	if slices.Contains(Roles, r) {
		return r, nil
	}
	return "", Errorf(EINVALID, "Unknown role %q: use community-manager, ambassador or approver.", s)
}

// User is a person with an account.
type User struct {
	ID         int64
	Email      string
	Name       string
	VerifiedAt *time.Time
	CreatedAt  time.Time
	Roles      []Role
}

// Verified reports whether the user proved they own their address.
func (u *User) Verified() bool { return u != nil && u.VerifiedAt != nil }

// Has reports whether the user holds a program role.
func (u *User) Has(r Role) bool { return u != nil && slices.Contains(u.Roles, r) }

// IsCommunityManager is the check most routes need.
func (u *User) IsCommunityManager() bool { return u.Has(RoleCommunityManager) }

// RoleChange is one grant or removal of a program role, kept for audit.
type RoleChange struct {
	UserID    int64
	UserEmail string
	Role      Role
	Granted   bool
	ByID      int64
	ByName    string
	At        time.Time
}

// MinPasswordLength follows NIST SP 800-63B: length matters, composition
// rules do not.
const MinPasswordLength = 10

// MaxPasswordBytes bounds what the password hash has to digest.
const MaxPasswordBytes = 1024

// NormalizeEmail lower-cases and trims an address so that one person cannot
// hold two accounts that differ only in case.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// Mailbox names the inbox an address delivers to, for limits on the mail
// one inbox receives: most providers ignore a "+tag" after the local part,
// and Gmail ignores dots too, so victim+1@… and v.ictim@gmail.com must
// count against the same inbox as victim@…. The address itself is still
// the one mailed.
func Mailbox(email string) string {
	email = NormalizeEmail(email)
	at := strings.LastIndexByte(email, '@')
	if at < 0 {
		return email
	}
	local, domain := email[:at], email[at+1:]
	if plus := strings.IndexByte(local, '+'); plus > 0 {
		local = local[:plus]
	}
	if domain == "googlemail.com" {
		domain = "gmail.com"
	}
	if domain == "gmail.com" {
		local = strings.ReplaceAll(local, ".", "")
	}
	return local + "@" + domain
}

// ValidEmail reports whether s is a bare address (no display name).
func ValidEmail(s string) bool {
	if s == "" || len(s) > 254 {
		return false
	}
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && strings.Contains(s[strings.LastIndexByte(s, '@'):], ".")
}

// SignUp is what a person types to create an account.
type SignUp struct {
	Email    string
	Name     string
	Password string
}

// Normalize trims the input in place.
func (s *SignUp) Normalize() {
	s.Email = NormalizeEmail(s.Email)
	s.Name = OneLine(s.Name)
}

// Validate checks a sign-up and reports every wrong field at once.
func (s *SignUp) Validate() error {
	fe := FieldErrors{}
	if !ValidEmail(s.Email) {
		fe.Add("email", "Enter an email address like name@example.org.")
	}
	if msg := personNameProblem(s.Name); msg != "" {
		fe.Add("name", msg)
	}
	if msg := CheckPassword(s.Password); msg != "" {
		fe.Add("password", msg)
	}
	return fe.Err()
}

// personNameProblem returns what is wrong with a person's name as typed
// (normalized by OneLine), or "".
func personNameProblem(name string) string {
	switch {
	case name == "":
		return "Enter your name."
	case utf8.RuneCountInString(name) > MaxPersonNameLen:
		return AtMostChars(MaxPersonNameLen)
	}
	return CheckOneLine(name)
}

// PersonName normalizes a person's new name and checks it as sign-up does;
// the EINVALID error names the field.
func PersonName(name, field string) (string, error) {
	name = OneLine(name)
	if msg := personNameProblem(name); msg != "" {
		return name, Invalid("Check your name.", field, msg)
	}
	return name, nil
}

// CheckPassword returns what is wrong with a new password, or "".
func CheckPassword(p string) string {
	switch n := utf8.RuneCountInString(p); {
	case n < MinPasswordLength:
		return fmt.Sprintf("Use at least %d characters.", MinPasswordLength)
	case len(p) > MaxPasswordBytes:
		return AtMostChars(MaxPasswordBytes)
	}
	return ""
}

// FreeSignInAttempts is how many wrong passwords cost nothing.
const FreeSignInAttempts = 5

// SignInDelay is how long to refuse sign-ins after the n-th failure in a row:
// nothing for the first few, then doubling from two seconds up to fifteen
// minutes, which slows guessing to a crawl without locking anyone out for long.
func SignInDelay(failures int) time.Duration {
	if failures <= FreeSignInAttempts {
		return 0
	}
	d := 2 * time.Second << min(failures-FreeSignInAttempts-1, 20)
	return min(d, 15*time.Minute)
}
