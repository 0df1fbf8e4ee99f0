package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	ch "chapterhouse"
	"chapterhouse/sqldb"
)

type peopleData struct {
	Q       string
	Users   []*ch.User
	Changes []ch.RoleChange
	Roles   []ch.Role
}

func (s *Server) people(w http.ResponseWriter, r *http.Request) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	users, err := s.DB.ListUsers(r.Context(), q, 100)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	changes, err := s.DB.RoleChanges(r.Context(), 50)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "people", "People and roles", peopleData{Q: q, Users: users, Changes: changes, Roles: ch.Roles})
}

func (s *Server) setRole(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.fail(w, r, ch.Errorf(ch.ENOTFOUND, "Account not found."))
		return
	}
	role, err := ch.ParseRole(r.PostFormValue("role"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	grant := r.PostFormValue("action") == "grant"
	target, err := s.flows.SetRole(r.Context(), userFrom(r), id, role, grant)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	verb := "now holds"
	if !grant {
		verb = "no longer holds"
	}
	s.redirect(w, r, "/admin/people?q="+url.QueryEscape(r.PostFormValue("q")), target.Name+" "+verb+" the "+role.Label()+" role.")
}

// mailData is the outgoing mail page. Bodies show only without SMTP, when
// the page is how links reach people: with SMTP they are for their
// recipients only, and a community manager could otherwise use anyone's
// reset link.
type mailData struct {
	Via           string
	Pending       int
	Entries       []sqldb.OutboxEntry
	RetentionDays int
}

func (s *Server) outgoingMail(w http.ResponseWriter, r *http.Request) {
	entries, err := s.DB.Outbox(r.Context(), 200)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	pending, err := s.DB.OutboxPending(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "mail", "Outgoing mail", mailData{Via: s.MailVia, Pending: pending, Entries: entries,
		RetentionDays: int(sqldb.MailRetention.Hours() / 24)})
}

type settingsData struct {
	Fields []ch.ContactField
	Min    map[ch.ContactField]int
	Form   form
}

func (s *Server) settingsForm(w http.ResponseWriter, r *http.Request) {
	reqs, err := s.DB.Requirements(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := settingsData{Fields: ch.ContactFields, Min: map[ch.ContactField]int{}, Form: form{Values: url.Values{}, Errors: map[string]string{}}}
	for _, q := range reqs {
		d.Min[q.Field] = q.Min
		d.Form.Values.Set(string(q.Field), strconv.Itoa(q.Min))
	}
	s.render(w, r, http.StatusOK, "settings", "Program settings", d)
}

func (s *Server) saveSettings(w http.ResponseWriter, r *http.Request) {
	f := newForm(r)
	var reqs []ch.Requirement
	for _, field := range ch.ContactFields {
		v := strings.TrimSpace(r.PostFormValue(string(field)))
		if v == "" {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 10 {
			f.Errors[string(field)] = "Enter a whole number from 0 to 10."
			continue
		}
		if n > 0 {
			reqs = append(reqs, ch.Requirement{Field: field, Min: n})
		}
	}
	if len(f.Errors) > 0 {
		f.Error = "Some fields need attention."
		s.render(w, r, http.StatusUnprocessableEntity, "settings", "Program settings", settingsData{Fields: ch.ContactFields, Form: f})
		return
	}
	if err := s.flows.SetRequirements(r.Context(), userFrom(r), reqs); err != nil {
		s.fail(w, r, err)
		return
	}
	s.redirect(w, r, "/admin/settings", "The completeness requirements are saved.")
}

func (s *Server) showPolicy(w http.ResponseWriter, r *http.Request) {
	p, err := s.DB.CurrentPolicy(r.Context(), ch.PolicySocialMedia)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "policy", "Social Media and Event Policy", p)
}

type policyFormData struct {
	Current ch.Policy
	Form    form
}

func (s *Server) policyForm(w http.ResponseWriter, r *http.Request) {
	p, err := s.DB.CurrentPolicy(r.Context(), ch.PolicySocialMedia)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "policyform", "Edit the policy", policyFormData{Current: p, Form: form{Values: url.Values{"body": {p.Body}}, Errors: map[string]string{}}})
}

func (s *Server) publishPolicy(w http.ResponseWriter, r *http.Request) {
	v, err := s.flows.PublishPolicy(r.Context(), userFrom(r), r.PostFormValue("body"))
	if ch.ErrorCode(err) == ch.EINVALID {
		p, perr := s.DB.CurrentPolicy(r.Context(), ch.PolicySocialMedia)
		if perr != nil {
			s.fail(w, r, perr)
			return
		}
		s.render(w, r, http.StatusUnprocessableEntity, "policyform", "Edit the policy", policyFormData{Current: p, Form: formWithError(r, err)})
		return
	} else if err != nil {
		s.fail(w, r, err)
		return
	}
	s.redirect(w, r, "/policy", "Version "+strconv.Itoa(v)+" of the policy is published.")
}
