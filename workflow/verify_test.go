package workflow_test

import (
	"context"
	"regexp"
	"testing"
	"time"

	ch "chapterhouse"
	"chapterhouse/sqldb"
)

var verifyLink = regexp.MustCompile(`/verify\?token=(\S+)`)

// verifyToken is the token of the newest verification link mailed to email.
func (w *world) verifyToken(email string) string {
	w.t.Helper()
	for _, m := range w.mailsTo(email) {
		if s := verifyLink.FindStringSubmatch(m.Body); s != nil {
			return s[1]
		}
	}
	w.t.Fatalf("no verification link mailed to %s", email)
	return ""
}

// Someone signs up with the address of a coordinator who has no account yet,
// with a password of their own, and waits for the coordinator to follow
// the link the portal mails them. The link alone must not hand the
// attacker an account verified as the coordinator's.
func TestVerificationNeedsTheSignUpPassword(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	const bea, attackers = "bea@example.org", "the attacker's password"
	if err := w.flows.SignUp(ctx, ch.SignUp{Email: bea, Name: "Bea Other", Password: attackers}, "203.0.113.66"); err != nil {
		t.Fatal(err)
	}
	_, attackerSession, err := w.flows.SignIn(ctx, bea, attackers, "203.0.113.66")
	w.must(err)
	token := w.verifyToken(bea)

	// Bea follows the link she was mailed; she does not know the password.
	if u, err := w.flows.Verification(ctx, token); err != nil || u.Email != bea {
		t.Fatalf("the link's page does not name the account: %v %v", u, err)
	}
	_, err = w.flows.VerifyEmail(ctx, token, "a guess of Bea's", "198.51.100.2")
	if ch.ErrorCode(err) != ch.EINVALID || ch.ErrorFields(err)["password"] == "" {
		t.Fatalf("verifying without the account's password: %v, want a refusal next to the password", err)
	}
	u, err := w.db.SessionUser(ctx, attackerSession)
	w.must(err)
	g, _, err := w.flows.Group(ctx, u, w.slug)
	w.must(err)
	if u.Verified() || g.HasCoordinator(u) {
		t.Fatalf("after Bea followed the link, the attacker's account is verified=%v, organizer=%v", u.Verified(), g.HasCoordinator(u))
	}

	// Bea takes the address back with a new password, as the page suggests:
	// the attacker's session and password stop working.
	w.must(w.flows.ForgotPassword(ctx, bea))
	var reset string
	for _, m := range w.mailsTo(bea) {
		if s := regexp.MustCompile(`/password/reset\?token=(\S+)`).FindStringSubmatch(m.Body); s != nil {
			reset = s[1]
			break
		}
	}
	w.must(w.flows.ResetPassword(ctx, reset, "bea's own passphrase"))
	if _, err := w.db.SessionUser(ctx, attackerSession); ch.ErrorCode(err) != ch.ENOTFOUND {
		t.Errorf("the attacker's session outlived Bea's reset: %v", err)
	}
	if _, _, err := w.flows.SignIn(ctx, bea, attackers, "203.0.113.66"); ch.ErrorCode(err) != ch.EINVALID {
		t.Errorf("the attacker's password still signs in: %v", err)
	}
}

// Whoever signed up verifies with their password and is signed in; sessions
// and tokens from before the address was proved end.
func TestVerificationSignsInAndEndsEarlierCredentials(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	const nell, pw = "nell@example.org", "nell's passphrase"
	w.must(w.flows.SignUp(ctx, ch.SignUp{Email: nell, Name: "Nell", Password: pw}, "192.0.2.1"))
	u, early, err := w.flows.SignIn(ctx, nell, pw, "192.0.2.1")
	w.must(err)
	apiToken, err := w.flows.CreateToken(ctx, u, "script")
	w.must(err)
	token := w.verifyToken(nell)

	session, err := w.flows.VerifyEmail(ctx, token, pw, "192.0.2.1")
	w.must(err)
	if v, err := w.db.SessionUser(ctx, session); err != nil || v.ID != u.ID || !v.Verified() {
		t.Fatalf("the new session is %v (%v), want Nell, verified", v, err)
	}
	if _, err := w.db.SessionUser(ctx, early); ch.ErrorCode(err) != ch.ENOTFOUND {
		t.Errorf("the session from before the address was proved still works: %v", err)
	}
	if _, err := w.db.APITokenUser(ctx, apiToken); ch.ErrorCode(err) != ch.ENOTFOUND {
		t.Errorf("the API token from before the address was proved still works: %v", err)
	}
	if _, err := w.flows.VerifyEmail(ctx, token, pw, "192.0.2.1"); ch.ErrorCode(err) != ch.ENOTFOUND {
		t.Errorf("the link works twice: %v", err)
	}
}

// Links mailed to an address the account has left prove nothing.
func TestVerificationLinkOfAnOldAddress(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	u, err := w.db.CreateUser(ctx, "old@example.org", "Olive", "x", false, 0)
	w.must(err)
	token, err := w.db.CreateUserToken(ctx, u.ID, sqldb.PurposeVerify, u.Email, time.Hour)
	w.must(err)
	reset, err := w.db.CreateUserToken(ctx, u.ID, sqldb.PurposeReset, u.Email, time.Hour)
	w.must(err)
	w.must(w.db.ChangeEmail(ctx, u.ID, "new@example.org"))
	if _, err := w.flows.Verification(ctx, token); ch.ErrorCode(err) != ch.ENOTFOUND {
		t.Errorf("a link mailed to the old address still opens: %v", err)
	}
	if err := w.flows.ResetPassword(ctx, reset, "whoever reads the old mailbox"); ch.ErrorCode(err) != ch.ENOTFOUND {
		t.Errorf("a reset link mailed to the old address still sets the password: %v", err)
	}
}
