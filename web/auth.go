package web

import (
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode"

	ch "chapterhouse"
	"chapterhouse/sqldb"
	"chapterhouse/workflow"
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

// refusedForm is the form to re-render for a refusal that answersOnForm:
// what was typed but the fields in drop (passwords), with the problems. A
// refusal over a limit also says when it ends.
func refusedForm(w http.ResponseWriter, r *http.Request, err error, drop ...string) form {
	retryAfter(w, err)
	f := formWithError(r, err)
	for _, k := range drop {
		f.Values.Del(k)
	}
	return f
}

// localPath keeps a ?next= target on this site: anything a browser could
// read as another site's address becomes "/groups". http.Redirect cleans a
// path (so "/./\evil" would go out as "/\evil") but leaves alone what
// parses with a host, and browsers drop tabs and newlines and read a
// backslash as a slash: "/<tab>/evil" and "/\evil" are "//evil" to them. Some
// servers and proxies decode %2F and %5C before routing, so the decoded
// path must pass too.
func localPath(next string) string {
	const home = "/groups"
	p, _, _ := strings.Cut(next, "?")
	p, _, _ = strings.Cut(p, "#")
	decoded, err := url.PathUnescape(p)
	if err != nil {
		return home
	}
	for _, p := range []string{next, decoded} {
		if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") ||
			strings.ContainsRune(p, '\\') || strings.IndexFunc(p, unicode.IsControl) >= 0 {
			return home
		}
	}
	// With the checks above nothing parses with a scheme or a host, but a
	// malformed escape in the fragment ("/#%zz"), which the path check does
	// not see, makes no URL at all: http.Redirect would send it unchanged.
	if _, err := url.Parse(next); err != nil {
		return home
	}
	return next
}

func (s *Server) signUpForm(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "signup", "Create an account", form{Values: url.Values{}})
}

// signUp answers alike whether or not the address has an account: check
// your mail. A new account is signed in by its verification link.
func (s *Server) signUp(w http.ResponseWriter, r *http.Request) {
	in := ch.SignUp{Email: r.PostFormValue("email"), Name: r.PostFormValue("name"), Password: r.PostFormValue("password")}
	err := s.flows.SignUp(r.Context(), in, s.clientIP(r))
	if answersOnForm(err) {
		s.render(w, r, httpStatus(ch.ErrorCode(err)), "signup", "Create an account", refusedForm(w, r, err, "password"))
		return
	} else if err != nil {
		s.fail(w, r, err)
		return
	}
	s.redirect(w, r, "/signin", "Check your mail: we sent a message to "+ch.NormalizeEmail(in.Email)+". Follow its link to verify your address and sign in.")
}

// verifyForm asks the password of the account a verification link was
// mailed to: following a link is a GET, which mail scanners and other
// sites can make a browser do, so it changes nothing.
func (s *Server) verifyForm(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("token")
	u, err := s.flows.Verification(r.Context(), token)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "verify", "Verify your address", form{Values: url.Values{"token": {token}}, Extra: u.Email})
}

func (s *Server) verifyEmail(w http.ResponseWriter, r *http.Request) {
	token := r.PostFormValue("token")
	session, err := s.flows.VerifyEmail(r.Context(), token, r.PostFormValue("password"), s.clientIP(r))
	if answersOnForm(err) {
		f := refusedForm(w, r, err, "password")
		if u, err := s.flows.Verification(r.Context(), token); err == nil {
			f.Extra = u.Email
		}
		s.render(w, r, httpStatus(ch.ErrorCode(err)), "verify", "Verify your address", f)
		return
	} else if err != nil {
		s.fail(w, r, err)
		return
	}
	s.setCookie(w, r, sessionCookie, session, workflow.SessionTTL)
	s.redirect(w, r, "/account", "Your email address is verified.")
}

func (s *Server) resendVerification(w http.ResponseWriter, r *http.Request) {
	u := userFrom(r)
	sent, err := s.flows.ResendVerification(r.Context(), u)
	msg := "We sent a new verification link to " + u.Email + "."
	if !sent {
		msg = "Your address is already verified."
	}
	s.accountDone(w, r, err, msg)
}

func (s *Server) confirmEmailChange(w http.ResponseWriter, r *http.Request) {
	email, err := s.flows.ConfirmEmailChange(r.Context(), r.URL.Query().Get("token"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.redirect(w, r, "/account", "Your email address is now "+email+".")
}

func (s *Server) signInForm(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "signin", "Sign in", form{Values: url.Values{"next": {r.URL.Query().Get("next")}}})
}

func (s *Server) signIn(w http.ResponseWriter, r *http.Request) {
	_, session, err := s.flows.SignIn(r.Context(), r.PostFormValue("email"), r.PostFormValue("password"), s.clientIP(r))
	if answersOnForm(err) {
		s.render(w, r, httpStatus(ch.ErrorCode(err)), "signin", "Sign in", refusedForm(w, r, err, "password"))
		return
	} else if err != nil {
		s.fail(w, r, err)
		return
	}
	s.setCookie(w, r, sessionCookie, session, workflow.SessionTTL)
	s.redirect(w, r, localPath(r.PostFormValue("next")), "")
}

func (s *Server) signOut(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		if err := s.flows.SignOut(r.Context(), c.Value); err != nil {
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

func (s *Server) forgot(w http.ResponseWriter, r *http.Request) {
	err := s.flows.ForgotPassword(r.Context(), r.PostFormValue("email"))
	if answersOnForm(err) {
		s.render(w, r, httpStatus(ch.ErrorCode(err)), "forgot", "Reset your password", refusedForm(w, r, err))
		return
	} else if err != nil {
		s.fail(w, r, err)
		return
	}
	email := ch.NormalizeEmail(r.PostFormValue("email"))
	s.redirect(w, r, "/signin", "If "+email+" has an account, a reset link is on its way. It works for two hours.")
}

func (s *Server) resetForm(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "reset", "Choose a new password", form{Values: url.Values{"token": {r.URL.Query().Get("token")}}})
}

func (s *Server) reset(w http.ResponseWriter, r *http.Request) {
	err := s.flows.ResetPassword(r.Context(), r.PostFormValue("token"), r.PostFormValue("password"))
	if ch.ErrorCode(err) == ch.EINVALID {
		s.render(w, r, http.StatusUnprocessableEntity, "reset", "Choose a new password", refusedForm(w, r, err, "password"))
		return
	} else if err != nil {
		s.fail(w, r, err)
		return
	}
	s.redirect(w, r, "/signin", "Your password is changed, every session is signed out and your API tokens are revoked. Sign in with the new password.")
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

// accountDone redirects to the account page with flash, or re-renders it
// with what was typed (but passwords) and the problems.
func (s *Server) accountDone(w http.ResponseWriter, r *http.Request, err error, flash string) {
	switch {
	case err == nil:
		s.redirect(w, r, "/account", flash)
	case answersOnForm(err):
		s.renderAccount(w, r, httpStatus(ch.ErrorCode(err)), refusedForm(w, r, err, "current_password", "new_password"), "")
	default:
		s.fail(w, r, err)
	}
}

func (s *Server) changeName(w http.ResponseWriter, r *http.Request) {
	s.accountDone(w, r, s.flows.ChangeName(r.Context(), userFrom(r), r.PostFormValue("name")), "Your name is saved.")
}

func (s *Server) changeEmail(w http.ResponseWriter, r *http.Request) {
	email, err := s.flows.ChangeEmail(r.Context(), userFrom(r), r.PostFormValue("new_email"))
	s.accountDone(w, r, err, "We sent a confirmation link to "+email+". Your address changes when you follow it.")
}

func (s *Server) changePassword(w http.ResponseWriter, r *http.Request) {
	u := userFrom(r)
	revoke := r.PostFormValue("revoke_tokens") != ""
	session, err := s.flows.ChangePassword(r.Context(), u, r.PostFormValue("current_password"), r.PostFormValue("new_password"), revoke)
	if err != nil {
		s.accountDone(w, r, err, "")
		return
	}
	s.setCookie(w, r, sessionCookie, session, workflow.SessionTTL)
	flash := "Your password is changed; your other sessions are signed out."
	if revoke {
		flash = "Your password is changed; your other sessions are signed out and your API tokens revoked."
	} else if tokens, err := s.DB.APITokens(r.Context(), u.ID); err == nil && len(tokens) > 0 {
		flash += " Your API tokens still work: revoke any the old password may have exposed."
	}
	s.accountDone(w, r, nil, flash)
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request) {
	token, err := s.flows.CreateToken(r.Context(), userFrom(r), r.PostFormValue("token_name"))
	if err != nil {
		s.accountDone(w, r, err, "")
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
	if err := s.flows.DeleteToken(r.Context(), userFrom(r), id); err != nil {
		s.fail(w, r, err)
		return
	}
	s.redirect(w, r, "/account", "The token is revoked.")
}
