package web

import (
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	ch "chapterhouse"
	"chapterhouse/sqldb"
)

// form is a submitted form as pages re-render it: what was typed and what is
// wrong with each field.
type form struct {
	Values url.Values
	Errors map[string]string
	Error  string
	Extra  any
}

func (f form) Get(k string) string { return f.Values.Get(k) }

// newForm copies the submitted values: handlers delete passwords from the
// copy before re-rendering, and must still be able to read them from r.
func newForm(r *http.Request) form {
	return form{Values: maps.Clone(r.PostForm), Errors: map[string]string{}}
}

func formWithError(r *http.Request, err error) form {
	f := newForm(r)
	if fe := ch.ErrorFields(err); fe != nil {
		f.Errors = fe
	}
	f.Error = ch.ErrorMessage(err)
	return f
}

// localPath keeps a ?next= target on this site. Browsers drop tabs and
// newlines from a URL, so "/\t/evil.example" is "//evil.example" to them.
func localPath(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") ||
		strings.IndexFunc(next, unicode.IsControl) >= 0 {
		return "/groups"
	}
	return next
}

func (s *Server) signUpForm(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "signup", "Create an account", form{Values: url.Values{}})
}

func (s *Server) signUp(w http.ResponseWriter, r *http.Request) {
	in := ch.SignUp{Email: r.PostFormValue("email"), Name: r.PostFormValue("name"), Password: r.PostFormValue("password")}
	in.Normalize()
	err := in.Validate()
	var u *ch.User
	if err == nil {
		var hash string
		if hash, err = s.Hasher.Hash(r.Context(), in.Password); err == nil {
			u, err = s.DB.CreateUser(r.Context(), in.Email, in.Name, hash, false, 0)
		}
	}
	if ch.ErrorCode(err) == ch.ECONFLICT {
		err = ch.Invalid("An account with this email already exists.", "email", "This address already has an account: sign in, or reset its password.")
	}
	if code := ch.ErrorCode(err); code == ch.EINVALID {
		f := formWithError(r, err)
		f.Values.Del("password")
		s.render(w, r, http.StatusUnprocessableEntity, "signup", "Create an account", f)
		return
	} else if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.sendVerification(r, u, u.Email, sqldb.PurposeVerify); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.startSession(w, r, u); err != nil {
		s.fail(w, r, err)
		return
	}
	s.redirect(w, r, "/account", "Welcome! We sent a link to "+u.Email+": follow it to verify your address.")
}

func (s *Server) sendVerification(r *http.Request, u *ch.User, email, purpose string) error {
	token, err := s.DB.CreateUserToken(r.Context(), u.ID, purpose, email, 48*time.Hour)
	if err != nil {
		return err
	}
	if purpose == sqldb.PurposeChangeEmail {
		return s.DB.Enqueue(r.Context(), s.flows.Mail.ConfirmEmail(u, email, token))
	}
	return s.DB.Enqueue(r.Context(), s.flows.Mail.Verify(u, token))
}

func (s *Server) startSession(w http.ResponseWriter, r *http.Request, u *ch.User) error {
	token, err := s.DB.CreateSession(r.Context(), u.ID, sessionTTL)
	if err != nil {
		return err
	}
	s.setCookie(w, r, sessionCookie, token, sessionTTL)
	return nil
}

func (s *Server) verifyEmail(w http.ResponseWriter, r *http.Request) {
	id, _, err := s.DB.ConsumeUserToken(r.Context(), r.URL.Query().Get("token"), sqldb.PurposeVerify)
	if err == nil {
		err = s.DB.MarkVerified(r.Context(), id)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.redirect(w, r, "/account", "Your email address is verified.")
}

func (s *Server) resendVerification(w http.ResponseWriter, r *http.Request) {
	u := userFrom(r)
	if u.Verified() {
		s.redirect(w, r, "/account", "Your address is already verified.")
		return
	}
	if err := s.sendVerification(r, u, u.Email, sqldb.PurposeVerify); err != nil {
		s.fail(w, r, err)
		return
	}
	s.redirect(w, r, "/account", "We sent a new verification link to "+u.Email+".")
}

func (s *Server) confirmEmailChange(w http.ResponseWriter, r *http.Request) {
	id, email, err := s.DB.ConsumeUserToken(r.Context(), r.URL.Query().Get("token"), sqldb.PurposeChangeEmail)
	if err == nil {
		err = s.DB.ChangeEmail(r.Context(), id, email)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.redirect(w, r, "/account", "Your email address is now "+email+".")
}

func (s *Server) signInForm(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "signin", "Sign in", form{Values: url.Values{"next": {r.URL.Query().Get("next")}}})
}

// signIn checks a password, slowing down repeated failures per account and
// per client address. Unknown addresses cost a hash too, so timing does not
// tell which addresses have accounts.
func (s *Server) signIn(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	email := ch.NormalizeEmail(r.PostFormValue("email"))
	pw := r.PostFormValue("password")
	accountKey, ipKey := "account:"+email, "ip:"+s.clientIP(r)
	fail := func(status int, msg string) {
		f := newForm(r)
		f.Values.Del("password")
		f.Error = msg
		s.render(w, r, status, "signin", "Sign in", f)
	}
	until, err := s.DB.LockedUntil(ctx, accountKey, ipKey)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !until.IsZero() {
		wait := max(time.Until(until).Round(time.Second), time.Second)
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())))
		fail(http.StatusTooManyRequests, fmt.Sprintf("Too many failed attempts. Try again in %s, or reset your password.", wait))
		return
	}
	u, hash, err := s.DB.UserByEmail(ctx, email)
	if ch.ErrorCode(err) == ch.ENOTFOUND {
		hash = s.dummyPwd
	} else if err != nil {
		s.fail(w, r, err)
		return
	}
	ok, err := s.Hasher.Check(ctx, pw, hash)
	if err != nil || !ok || u == nil {
		if err := s.DB.RecordFailure(ctx, accountKey, ipKey); err != nil {
			s.fail(w, r, err)
			return
		}
		fail(http.StatusUnprocessableEntity, "The email address or password is not right.")
		return
	}
	if err := s.DB.ClearFailures(ctx, accountKey); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.startSession(w, r, u); err != nil {
		s.fail(w, r, err)
		return
	}
	s.redirect(w, r, localPath(r.PostFormValue("next")), "")
}

func (s *Server) signOut(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		if err := s.DB.DeleteSession(r.Context(), c.Value); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	s.clearCookie(w, r, sessionCookie)
	s.redirect(w, r, "/", "You are signed out.")
}

func (s *Server) forgotForm(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "forgot", "Reset your password", form{Values: url.Values{}})
}

// forgot mails a reset link. It answers the same whether or not the address
// has an account, so the form cannot be used to find out who has one.
func (s *Server) forgot(w http.ResponseWriter, r *http.Request) {
	email := ch.NormalizeEmail(r.PostFormValue("email"))
	if !ch.ValidEmail(email) {
		f := newForm(r)
		f.Errors["email"] = "Enter the email address of your account."
		s.render(w, r, http.StatusUnprocessableEntity, "forgot", "Reset your password", f)
		return
	}
	u, _, err := s.DB.UserByEmail(r.Context(), email)
	switch ch.ErrorCode(err) {
	case "":
		token, err := s.DB.CreateUserToken(r.Context(), u.ID, sqldb.PurposeReset, u.Email, 2*time.Hour)
		if err == nil {
			err = s.DB.Enqueue(r.Context(), s.flows.Mail.Reset(u, token))
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
	case ch.ENOTFOUND:
	default:
		s.fail(w, r, err)
		return
	}
	s.redirect(w, r, "/signin", "If "+email+" has an account, a reset link is on its way. It works for two hours.")
}

func (s *Server) resetForm(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "reset", "Choose a new password", form{Values: url.Values{"token": {r.URL.Query().Get("token")}}})
}

func (s *Server) reset(w http.ResponseWriter, r *http.Request) {
	pw := r.PostFormValue("password")
	if msg := ch.CheckPassword(pw); msg != "" {
		f := newForm(r)
		f.Values.Del("password")
		f.Errors["password"] = msg
		s.render(w, r, http.StatusUnprocessableEntity, "reset", "Choose a new password", f)
		return
	}
	id, _, err := s.DB.ConsumeUserToken(r.Context(), r.PostFormValue("token"), sqldb.PurposeReset)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	hash, err := s.Hasher.Hash(r.Context(), pw)
	if err == nil {
		err = s.DB.SetPassword(r.Context(), id, hash)
	}
	if err == nil {
		// The link proved the address, so it is verified too.
		err = s.DB.MarkVerified(r.Context(), id)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.redirect(w, r, "/signin", "Your password is changed. Sign in with the new one.")
}

type accountData struct {
	Groups   []*ch.Group
	Tokens   []sqldb.APIToken
	NewToken string
	Form     form
}

func (s *Server) account(w http.ResponseWriter, r *http.Request) {
	s.renderAccount(w, r, http.StatusOK, form{Values: url.Values{}, Errors: map[string]string{}}, "")
}

func (s *Server) renderAccount(w http.ResponseWriter, r *http.Request, status int, f form, newToken string) {
	u := userFrom(r)
	groups, err := s.DB.GroupsOf(r.Context(), u)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	tokens, err := s.DB.APITokens(r.Context(), u.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, status, "account", "Your account", accountData{Groups: groups, Tokens: tokens, NewToken: newToken, Form: f})
}

func (s *Server) changeName(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimSpace(r.PostFormValue("name"))
	if name == "" || utf8.RuneCountInString(name) > ch.MaxPersonNameLen {
		f := newForm(r)
		f.Errors["name"] = fmt.Sprintf("Enter a name of at most %d characters.", ch.MaxPersonNameLen)
		s.renderAccount(w, r, http.StatusUnprocessableEntity, f, "")
		return
	}
	if err := s.DB.SetName(r.Context(), userFrom(r).ID, name); err != nil {
		s.fail(w, r, err)
		return
	}
	s.redirect(w, r, "/account", "Your name is saved.")
}

// changeEmail mails a confirmation link to the new address; the account
// keeps the old one until the link is followed.
func (s *Server) changeEmail(w http.ResponseWriter, r *http.Request) {
	u := userFrom(r)
	email := ch.NormalizeEmail(r.PostFormValue("new_email"))
	f := newForm(r)
	switch _, _, err := s.DB.UserByEmail(r.Context(), email); {
	case !ch.ValidEmail(email):
		f.Errors["new_email"] = "Enter an email address like name@example.org."
	case err == nil:
		f.Errors["new_email"] = "Another account uses this address."
	case ch.ErrorCode(err) != ch.ENOTFOUND:
		s.fail(w, r, err)
		return
	}
	if len(f.Errors) > 0 {
		s.renderAccount(w, r, http.StatusUnprocessableEntity, f, "")
		return
	}
	if err := s.sendVerification(r, u, email, sqldb.PurposeChangeEmail); err != nil {
		s.fail(w, r, err)
		return
	}
	s.redirect(w, r, "/account", "We sent a confirmation link to "+email+". Your address changes when you follow it.")
}

func (s *Server) changePassword(w http.ResponseWriter, r *http.Request) {
	u := userFrom(r)
	f := newForm(r)
	f.Values.Del("current_password")
	f.Values.Del("new_password")
	hash, err := s.DB.PasswordHash(r.Context(), u.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if ok, _ := s.Hasher.Check(r.Context(), r.PostFormValue("current_password"), hash); !ok {
		f.Errors["current_password"] = "This is not your current password."
	}
	if msg := ch.CheckPassword(r.PostFormValue("new_password")); msg != "" {
		f.Errors["new_password"] = msg
	}
	if len(f.Errors) > 0 {
		s.renderAccount(w, r, http.StatusUnprocessableEntity, f, "")
		return
	}
	newHash, err := s.Hasher.Hash(r.Context(), r.PostFormValue("new_password"))
	if err == nil {
		err = s.DB.SetPassword(r.Context(), u.ID, newHash)
	}
	if err == nil {
		err = s.startSession(w, r, u)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.redirect(w, r, "/account", "Your password is changed; other sessions are signed out.")
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimSpace(r.PostFormValue("token_name"))
	if name == "" || len([]rune(name)) > 60 {
		f := newForm(r)
		f.Errors["token_name"] = "Name the token (at most 60 characters), e.g. the script that will use it."
		s.renderAccount(w, r, http.StatusUnprocessableEntity, f, "")
		return
	}
	token, err := s.DB.CreateAPIToken(r.Context(), userFrom(r).ID, name)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// The secret is shown on this one answer only; it is stored hashed.
	s.renderAccount(w, r, http.StatusOK, form{Values: url.Values{}, Errors: map[string]string{}}, token)
}

func (s *Server) deleteToken(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.fail(w, r, ch.Errorf(ch.ENOTFOUND, "API token not found."))
		return
	}
	if err := s.DB.DeleteAPIToken(r.Context(), userFrom(r).ID, id); err != nil {
		s.fail(w, r, err)
		return
	}
	s.redirect(w, r, "/account", "The token is revoked.")
}
