package workflow

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	ch "chapterhouse"
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
// failed too often; Wait says for how long.
type Throttled struct {
	Err  *ch.Error
	Wait time.Duration
}

func (t *Throttled) Error() string { return t.Err.Error() }
func (t *Throttled) Unwrap() error { return t.Err }

// SignUp creates an account, mails a link to verify its address and opens
// a session; it returns the account and the session's token.
func (s *Service) SignUp(ctx context.Context, in ch.SignUp) (*ch.User, string, error) {
	in.Normalize()
	if err := in.Validate(); err != nil {
		return nil, "", err
	}
	hash, err := s.Hasher.Hash(ctx, in.Password)
	if err != nil {
		return nil, "", err
	}
	u, err := s.DB.CreateUser(ctx, in.Email, in.Name, hash, false, 0)
	if ch.ErrorCode(err) == ch.ECONFLICT {
		return nil, "", ch.Invalid("An account with this email already exists.", "email", "This address already has an account: sign in, or reset its password.")
	} else if err != nil {
		return nil, "", err
	}
	if err := s.sendVerification(ctx, u, u.Email, sqldb.PurposeVerify); err != nil {
		return nil, "", err
	}
	session, err := s.DB.CreateSession(ctx, u.ID, SessionTTL)
	return u, session, err
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

// VerifyEmail follows a verification link.
func (s *Service) VerifyEmail(ctx context.Context, token string) error {
	id, _, err := s.DB.ConsumeUserToken(ctx, token, sqldb.PurposeVerify)
	if err != nil {
		return err
	}
	return s.DB.MarkVerified(ctx, id)
}

// ResendVerification mails a new verification link, unless the address is
// verified already (sent is then false).
func (s *Service) ResendVerification(ctx context.Context, actor *ch.User) (sent bool, err error) {
	if actor.Verified() {
		return false, nil
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
// per client (client names the address the request came from). Unknown
// addresses cost a hash too, so timing does not tell which addresses have
// accounts. It returns the account and a new session's token.
func (s *Service) SignIn(ctx context.Context, email, password, client string) (*ch.User, string, error) {
	email = ch.NormalizeEmail(email)
	accountKey, clientKey := "account:"+email, "ip:"+client
	until, err := s.DB.LockedUntil(ctx, accountKey, clientKey)
	if err != nil {
		return nil, "", err
	}
	if !until.IsZero() {
		wait := max(time.Until(until).Round(time.Second), time.Second)
		return nil, "", &Throttled{Err: ch.Errorf(ch.ETOOMANY, "Too many failed attempts. Try again in %s, or reset your password.", wait), Wait: wait}
	}
	u, hash, err := s.DB.UserByEmail(ctx, email)
	if ch.ErrorCode(err) == ch.ENOTFOUND {
		hash = s.dummyHash
	} else if err != nil {
		return nil, "", err
	}
	ok, err := s.Hasher.Check(ctx, password, hash)
	if err != nil || !ok || u == nil {
		if err := s.DB.RecordFailure(ctx, accountKey, clientKey); err != nil {
			return nil, "", err
		}
		return nil, "", ch.Errorf(ch.EINVALID, "The email address or password is not right.")
	}
	if err := s.DB.ClearFailures(ctx, accountKey); err != nil {
		return nil, "", err
	}
	session, err := s.DB.CreateSession(ctx, u.ID, SessionTTL)
	return u, session, err
}

// SignOut ends a session.
func (s *Service) SignOut(ctx context.Context, session string) error {
	return s.DB.DeleteSession(ctx, session)
}

// ForgotPassword mails a reset link. It answers the same whether or not the
// address has an account, so that nobody can use it to find out who has one.
func (s *Service) ForgotPassword(ctx context.Context, email string) error {
	email = ch.NormalizeEmail(email)
	if !ch.ValidEmail(email) {
		return ch.Invalid("Check the address.", "email", "Enter the email address of your account.")
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
// the address too.
func (s *Service) ResetPassword(ctx context.Context, token, password string) error {
	if msg := ch.CheckPassword(password); msg != "" {
		return ch.Invalid("Choose another password.", "password", msg)
	}
	id, _, err := s.DB.ConsumeUserToken(ctx, token, sqldb.PurposeReset)
	if err != nil {
		return err
	}
	hash, err := s.Hasher.Hash(ctx, password)
	if err != nil {
		return err
	}
	if err := s.DB.SetPassword(ctx, id, hash); err != nil {
		return err
	}
	return s.DB.MarkVerified(ctx, id)
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
// the old one until the link is followed. It returns the new address.
func (s *Service) ChangeEmail(ctx context.Context, actor *ch.User, email string) (string, error) {
	email = ch.NormalizeEmail(email)
	if !ch.ValidEmail(email) {
		return email, ch.Invalid("Check the new address.", "new_email", "Enter an email address like name@example.org.")
	}
	switch _, _, err := s.DB.UserByEmail(ctx, email); {
	case err == nil:
		return email, ch.Invalid("Check the new address.", "new_email", "Another account uses this address.")
	case ch.ErrorCode(err) != ch.ENOTFOUND:
		return email, err
	}
	return email, s.sendVerification(ctx, actor, email, sqldb.PurposeChangeEmail)
}

// ChangePassword sets a new password given the current one. Every session
// of the account ends; the returned one replaces the actor's.
func (s *Service) ChangePassword(ctx context.Context, actor *ch.User, current, next string) (string, error) {
	hash, err := s.DB.PasswordHash(ctx, actor.ID)
	if err != nil {
		return "", err
	}
	fields := ch.FieldErrors{}
	if ok, _ := s.Hasher.Check(ctx, current, hash); !ok {
		fields.Add("current_password", "This is not your current password.")
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
	if err := s.DB.SetPassword(ctx, actor.ID, newHash); err != nil {
		return "", err
	}
	return s.DB.CreateSession(ctx, actor.ID, SessionTTL)
}

// CreateToken makes a personal API token named for the script that will
// use it; the secret is returned once and stored hashed.
func (s *Service) CreateToken(ctx context.Context, actor *ch.User, name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > maxTokenNameLen {
		return "", ch.Invalid("Name the token.", "token_name",
			fmt.Sprintf("Name the token (at most %d characters), e.g. the script that will use it.", maxTokenNameLen))
	}
	return s.DB.CreateAPIToken(ctx, actor.ID, name)
}

// DeleteToken revokes one of the actor's API tokens.
func (s *Service) DeleteToken(ctx context.Context, actor *ch.User, id int64) error {
	return s.DB.DeleteAPIToken(ctx, actor.ID, id)
}
