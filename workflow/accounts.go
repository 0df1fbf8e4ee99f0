package workflow

import (
	"context"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	ch "chapterhouse"
	"chapterhouse/password"
	"chapterhouse/sqldb"
)

// Accounts: signing up and in, verifying and changing an address, resetting
// and changing a password, personal API tokens.

// Lifetimes of what the account workflows hand out.
const (
	SessionTTL      = 30 * 24 * time.Hour
	verifyLinkTTL   = 48 * time.Hour
	resetLinkTTL    = 2 * time.Hour
	maxTokenNameLen = 60
)

// Throttled refuses a sign-in while an account or a client address has
// failed too often, or a request over a limit (limits.go); Wait says for
// how long.
type Throttled struct {
	Err  *ch.Error
	Wait time.Duration
}

func (t *Throttled) Error() string { return t.Err.Error() }
func (t *Throttled) Unwrap() error { return t.Err }

// SignUp creates an account and mails a link to verify its address, which
// also signs the person in. It answers alike whether or not the address has
// an account already, so that nobody can use it to find out who has one:
// the owner of a taken address is told by mail instead, and no session
// opens either way.
func (s *Service) SignUp(ctx context.Context, in ch.SignUp, client string) error {
	in.Normalize()
	if err := in.Validate(); err != nil {
		return err
	}
	// One hash at a time per client address, shared with signing in: a
	// burst of sign-ups holds one hashing slot and keeps nobody else waiting.
	leave, ok := s.signingIn.take(ctx, signInTurnWait, clientKey(client))
	if !ok {
		return errBusy
	}
	defer leave()
	if err := s.take(ctx, tooManySignUps, 1, signUpsFrom(client)); err != nil {
		return err
	}
	// Hashed even when the address is taken, so that both answers take
	// as long.
	hash, err := s.Hasher.Hash(ctx, in.Password)
	if err != nil {
		return err
	}
	if err := s.take(ctx, tooMuchAccountMail, 1, accountMailTo(in.Email)); err != nil {
		return err
	}
	u, err := s.DB.CreateUser(ctx, in.Email, in.Name, hash, false, 0)
	if ch.ErrorCode(err) == ch.ECONFLICT {
		owner, _, err := s.DB.UserByEmail(ctx, in.Email)
		if err != nil {
			return err
		}
		return s.DB.Enqueue(ctx, s.Mail.AccountExists(owner))
	} else if err != nil {
		return err
	}
	return s.sendVerification(ctx, u, u.Email, sqldb.PurposeVerify)
}

// sendVerification mails a link that proves email belongs to u: its own
// address (verify) or a new one (change of address).
func (s *Service) sendVerification(ctx context.Context, u *ch.User, email, purpose string) error {
	token, err := s.DB.CreateUserToken(ctx, u.ID, purpose, email, verifyLinkTTL)
	if err != nil {
		return err
	}
	if purpose == sqldb.PurposeChangeEmail {
		return s.DB.Enqueue(ctx, s.Mail.ConfirmEmail(u, email, token))
	}
	return s.DB.Enqueue(ctx, s.Mail.Verify(u, token))
}

// Verification returns the account a verification link was mailed to, for
// the page that asks its password.
func (s *Service) Verification(ctx context.Context, token string) (*ch.User, error) {
	return s.DB.LinkOwner(ctx, token, sqldb.PurposeVerify)
}

// VerifyEmail follows a verification link with the account's password and
// signs its owner in: it returns a new session. The link proves the
// address; the password proves that whoever follows it is who signed up.
// Without it, someone could sign up with a stranger's address, wait for
// the stranger to follow the link the portal mails them, and then sign in
// with the password they chose to an account now verified as the
// stranger's (an organizer, if a group lists the address). Every other
// session, link and API token of the account ends.
func (s *Service) VerifyEmail(ctx context.Context, token, password, client string) (string, error) {
	u, err := s.Verification(ctx, token)
	if err != nil {
		return "", err
	}
	_, session, err := s.SignIn(ctx, u.Email, password, client)
	if ch.ErrorCode(err) == ch.EINVALID {
		return "", ch.Invalid("Check the password.", "password",
			"This is not the password this account was created with.")
	} else if err != nil {
		return "", err
	}
	if err := s.DB.ProveAddress(ctx, token, session); err != nil {
		return "", errors.Join(err, s.DB.DeleteSession(ctx, session))
	}
	return session, nil
}

// ResendVerification mails a new verification link, unless the address is
// verified already (sent is then false).
func (s *Service) ResendVerification(ctx context.Context, actor *ch.User) (sent bool, err error) {
	if actor.Verified() {
		return false, nil
	}
	if err := s.take(ctx, tooManyLinks, 1, linksFor(actor), accountMailTo(actor.Email)); err != nil {
		return false, err
	}
	return true, s.sendVerification(ctx, actor, actor.Email, sqldb.PurposeVerify)
}

// ConfirmEmailChange follows the link mailed to a new address, which
// becomes the account's; it returns the address.
func (s *Service) ConfirmEmailChange(ctx context.Context, token string) (string, error) {
	id, email, err := s.DB.ConsumeUserToken(ctx, token, sqldb.PurposeChangeEmail)
	if err != nil {
		return "", err
	}
	return email, s.DB.ChangeEmail(ctx, id, email)
}

// SignIn checks a password, slowing down repeated failures per account and
// per client (client names the address the request came from). Each
// attempt is counted before its password is checked, so a burst sent at
// once gets no more tries than one sent one by one. Unknown addresses cost
// a hash too, so timing does not tell which addresses have accounts. It
// returns the account and a new session's token.
func (s *Service) SignIn(ctx context.Context, email, pw, client string) (*ch.User, string, error) {
	email = ch.NormalizeEmail(email)
	account, from := accountKey(email), clientKey(client)
	keys := []string{account, from}
	if !ch.ValidEmail(email) {
		// No account has it; counted against the client only, it cannot
		// fill the throttle table with keys of any length.
		keys = keys[1:]
	}
	leave, ok := s.signingIn.take(ctx, signInTurnWait, keys...)
	if !ok {
		return nil, "", errBusy
	}
	defer leave()
	until, err := s.DB.ReserveSignIn(ctx, keys...)
	if err != nil {
		return nil, "", err
	}
	if !until.IsZero() {
		wait := lockWait(until)
		return nil, "", &Throttled{Err: ch.Errorf(ch.ETOOMANY, "Too many failed attempts. Try again in %s, or reset your password.", wait), Wait: wait}
	}
	u, hash, err := s.DB.UserByEmail(ctx, email)
	if ch.ErrorCode(err) == ch.ENOTFOUND {
		u, hash = nil, s.dummyHash
	} else if err != nil {
		return nil, "", err
	}
	right, err := s.Hasher.Check(ctx, pw, hash)
	if errors.Is(err, password.ErrBusy) {
		// Nothing was checked: the attempt goes back.
		if err := s.DB.ReturnSignIn(ctx, keys...); err != nil {
			return nil, "", err
		}
		return nil, "", errBusy
	}
	if err != nil || !right || u == nil {
		return nil, "", ch.Errorf(ch.EINVALID, "The email address or password is not right.")
	}
	// Failures of the account end here; the address keeps those of other
	// accounts, or one account of an attacker's would wipe its slate.
	if err := s.DB.ClearSignInFailures(ctx, account); err != nil {
		return nil, "", err
	}
	if err := s.DB.ReturnSignIn(ctx, from); err != nil {
		return nil, "", err
	}
	session, err := s.DB.CreateSession(ctx, u.ID, SessionTTL)
	return u, session, err
}

// lockWait is how long until a sign-in lock ends, in whole seconds and at
// least one: a person is told to wait, never to wait 0s.
func lockWait(until time.Time) time.Duration {
	return max(time.Until(until).Round(time.Second), time.Second)
}

// SignOut ends a session.
func (s *Service) SignOut(ctx context.Context, session string) error {
	return s.DB.DeleteSession(ctx, session)
}

// ForgotPassword mails a reset link. It answers the same whether or not the
// address has an account, so that nobody can use it to find out who has one:
// the limit on mail to the address counts unknown addresses too.
func (s *Service) ForgotPassword(ctx context.Context, email string) error {
	email = ch.NormalizeEmail(email)
	if !ch.ValidEmail(email) {
		return ch.Invalid("Check the address.", "email", "Enter the email address of your account.")
	}
	if err := s.take(ctx, tooMuchAccountMail, 1, accountMailTo(email)); err != nil {
		return err
	}
	u, _, err := s.DB.UserByEmail(ctx, email)
	switch ch.ErrorCode(err) {
	case ch.ENOTFOUND:
		return nil
	case "":
	default:
		return err
	}
	token, err := s.DB.CreateUserToken(ctx, u.ID, sqldb.PurposeReset, u.Email, resetLinkTTL)
	if err != nil {
		return err
	}
	return s.DB.Enqueue(ctx, s.Mail.Reset(u, token))
}

// ResetPassword sets a new password through a mailed link, which proves
// the address too. Whoever asked for the link may be retaking an account
// someone else took: every session, mailed link and API token of the
// account ends, and its failed sign-ins are forgiven.
func (s *Service) ResetPassword(ctx context.Context, token, pw string) error {
	if msg := ch.CheckPassword(pw); msg != "" {
		return ch.Invalid("Choose another password.", "password", msg)
	}
	id, _, err := s.DB.ConsumeUserToken(ctx, token, sqldb.PurposeReset)
	if err != nil {
		return err
	}
	hash, err := s.Hasher.Hash(ctx, pw)
	if err != nil {
		return err
	}
	if err := s.DB.SetPassword(ctx, id, hash, true); err != nil {
		return err
	}
	if err := s.DB.MarkVerified(ctx, id); err != nil {
		return err
	}
	u, err := s.DB.UserByID(ctx, id)
	if err != nil {
		return err
	}
	return s.DB.ClearSignInFailures(ctx, accountKey(u.Email))
}

// ChangeName renames the actor's account.
func (s *Service) ChangeName(ctx context.Context, actor *ch.User, name string) error {
	name, err := ch.PersonName(name, "name")
	if err != nil {
		return err
	}
	return s.DB.SetName(ctx, actor.ID, name)
}

// ChangeEmail mails a confirmation link to a new address; the account keeps
// the old one until the link is followed. It returns the new address. It
// answers alike when the address belongs to another account, whose owner is
// told by mail instead. The confirmation goes to an address nobody has
// proved yet, so even an unverified account may ask only a few times.
func (s *Service) ChangeEmail(ctx context.Context, actor *ch.User, email string) (string, error) {
	email = ch.NormalizeEmail(email)
	if !ch.ValidEmail(email) {
		return email, ch.Invalid("Check the new address.", "new_email", "Enter an email address like name@example.org.")
	}
	if email == actor.Email {
		return email, ch.Invalid("Check the new address.", "new_email", "This is the address of your account already.")
	}
	if err := s.take(ctx, tooManyLinks, 1, linksFor(actor), accountMailTo(email)); err != nil {
		return email, err
	}
	switch owner, _, err := s.DB.UserByEmail(ctx, email); {
	case err == nil:
		return email, s.DB.Enqueue(ctx, s.Mail.AddressTaken(owner))
	case ch.ErrorCode(err) != ch.ENOTFOUND:
		return email, err
	}
	return email, s.sendVerification(ctx, actor, email, sqldb.PurposeChangeEmail)
}

// ChangePassword sets a new password given the current one. Every session
// of the account ends, the returned one replaces the actor's, and links
// mailed before stop working; revokeAPITokens ends the API tokens too.
// Wrong current passwords count against the account as at sign-in, so a
// borrowed session cannot guess it faster.
func (s *Service) ChangePassword(ctx context.Context, actor *ch.User, current, next string, revokeAPITokens bool) (string, error) {
	fields := ch.FieldErrors{}
	account := accountKey(actor.Email)
	until, err := s.DB.ReserveSignIn(ctx, account)
	if err != nil {
		return "", err
	}
	if !until.IsZero() {
		wait := lockWait(until)
		fields.Add("current_password", fmt.Sprintf("Too many wrong passwords. Try again in %s.", wait))
	} else {
		hash, err := s.DB.PasswordHash(ctx, actor.ID)
		if err != nil {
			return "", err
		}
		switch right, err := s.Hasher.Check(ctx, current, hash); {
		case errors.Is(err, password.ErrBusy):
			if err := s.DB.ReturnSignIn(ctx, account); err != nil {
				return "", err
			}
			fields.Add("current_password", "Too many passwords are being checked right now. Try again in a moment.")
		case err != nil || !right:
			fields.Add("current_password", "This is not your current password.")
		default:
			if err := s.DB.ReturnSignIn(ctx, account); err != nil {
				return "", err
			}
		}
	}
	if msg := ch.CheckPassword(next); msg != "" {
		fields.Add("new_password", msg)
	}
	if err := fields.Err(); err != nil {
		return "", err
	}
	newHash, err := s.Hasher.Hash(ctx, next)
	if err != nil {
		return "", err
	}
	if err := s.DB.SetPassword(ctx, actor.ID, newHash, revokeAPITokens); err != nil {
		return "", err
	}
	return s.DB.CreateSession(ctx, actor.ID, SessionTTL)
}

// CreateToken makes a personal API token named for the script that will
// use it; the secret is returned once and stored hashed.
func (s *Service) CreateToken(ctx context.Context, actor *ch.User, name string) (string, error) {
	name = ch.OneLine(name)
	if name == "" || utf8.RuneCountInString(name) > maxTokenNameLen {
		return "", ch.Invalid("Name the token.", "token_name",
			fmt.Sprintf("Name the token (at most %d characters), e.g. the script that will use it.", maxTokenNameLen))
	}
	if msg := ch.CheckOneLine(name); msg != "" {
		return "", ch.Invalid("Name the token.", "token_name", msg)
	}
	return s.DB.CreateAPIToken(ctx, actor.ID, name)
}

// DeleteToken revokes one of the actor's API tokens.
func (s *Service) DeleteToken(ctx context.Context, actor *ch.User, id int64) error {
	return s.DB.DeleteAPIToken(ctx, actor.ID, id)
}
