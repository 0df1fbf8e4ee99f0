package web

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	ch "chapterhouse"
)

// The JSON API of the Official User Group Process: a group's checklist,
// validations, mentoring ambassadors and official status.

type apiCheck struct {
	Kind ch.CheckKind `json:"kind"`
	Met  bool         `json:"met"`
	Have string       `json:"have"`
	Todo string       `json:"todo"`
}

type apiValidation struct {
	Role    ch.Role    `json:"role"`
	Verdict ch.Verdict `json:"verdict"`
	Comment string     `json:"comment"`
	By      string     `json:"by"`
	At      time.Time  `json:"at"`
}

type apiStep struct {
	ID              string          `json:"id"`
	Title           string          `json:"title"`
	State           ch.StepState    `json:"state"`
	Checks          []apiCheck      `json:"checks"`
	Validations     []apiValidation `json:"validations"`
	MissingRoles    []ch.Role       `json:"missing_roles"`
	Next            string          `json:"next"`
	Expires         *time.Time      `json:"expires"`
	NotNeededReason string          `json:"not_needed_reason,omitempty"`
}

func toAPIStep(r ch.StepResult) apiStep {
	a := apiStep{ID: r.Step.ID, Title: r.Step.Title, State: r.State, Next: r.Next, NotNeededReason: r.NotNeededReason,
		Checks: []apiCheck{}, Validations: []apiValidation{}, MissingRoles: []ch.Role{}}
	for _, c := range r.Checks {
		a.Checks = append(a.Checks, apiCheck{Kind: c.Check.Kind, Met: c.Met, Have: c.Have, Todo: c.Todo})
	}
	for _, v := range r.Validations {
		a.Validations = append(a.Validations, apiValidation{Role: v.Role, Verdict: v.Verdict, Comment: v.Comment, By: v.ByName, At: v.At.UTC()})
	}
	a.MissingRoles = append(a.MissingRoles, r.MissingRoles...)
	if !r.Expires.IsZero() {
		e := r.Expires.UTC()
		a.Expires = &e
	}
	return a
}

// apiChecklistViewer is a viewer of a group's checklist, with what the
// official process needs to know about it.
type apiChecklistViewer struct {
	ch.Viewer
	Ambassador bool // mentors the group
}

// apiCanSeeChecklist: the group's organizers, its mentoring ambassadors (every
// ambassador when the program lets any validate) and community managers.
func (s *Server) apiCanSeeChecklist(ctx context.Context, cv apiChecklistViewer) bool {
	u := cv.User
	return cv.Organizer || cv.Ambassador || u.IsCommunityManager() ||
		(u.Has(ch.RoleAmbassador) && s.program(ctx).AmbassadorsValidateAnyGroup)
}

// apiLoadChecklist loads the group of the request for a caller who may see its
// checklist; to anybody else it is "not found".
func (s *Server) apiLoadChecklist(ctx context.Context, r *http.Request) (*ch.Group, apiChecklistViewer, error) {
	g, v, err := s.loadGroup(ctx, r)
	if err != nil {
		return nil, apiChecklistViewer{}, err
	}
	cv := apiChecklistViewer{Viewer: v}
	if v.User != nil && v.User.Has(ch.RoleAmbassador) {
		if cv.Ambassador, err = s.DB.IsAmbassadorOf(ctx, g.ID, v.User.ID); err != nil {
			return nil, cv, err
		}
	}
	if !s.apiCanSeeChecklist(ctx, cv) {
		return nil, cv, ch.Errorf(ch.ENOTFOUND, "Group not found.")
	}
	return g, cv, nil
}

func (s *Server) apiSteps(w http.ResponseWriter, r *http.Request) {
	g, _, err := s.apiLoadChecklist(r.Context(), r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	results, err := s.DB.StepResults(r.Context(), g, s.program(r.Context()))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := struct {
		Steps []apiStep `json:"steps"`
	}{Steps: []apiStep{}}
	for _, res := range results {
		out.Steps = append(out.Steps, toAPIStep(res))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiValidateStep(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	u := userFrom(r)
	var in struct {
		Verdict ch.Verdict `json:"verdict"`
		Comment string     `json:"comment"`
		Role    ch.Role    `json:"role"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	g, v, err := s.loadGroup(ctx, r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	step, ok := s.program(ctx).Step(r.PathValue("id"))
	if !ok {
		s.apiError(w, r, ch.Errorf(ch.ENOTFOUND, "The program has no step %q.", r.PathValue("id")))
		return
	}
	isAmb := false
	if u.Has(ch.RoleAmbassador) {
		if isAmb, err = s.DB.IsAmbassadorOf(ctx, g.ID, u.ID); err != nil {
			s.apiError(w, r, err)
			return
		}
	}
	if err := ch.CanValidate(u, step, isAmb, v.Organizer, s.program(ctx)); err != nil {
		s.apiError(w, r, err)
		return
	}
	roles := ch.ValidatorRoles(u, step, isAmb, v.Organizer, s.program(ctx))
	switch {
	case in.Role == "" && len(roles) == 1:
		in.Role = roles[0]
	case in.Role == "":
		s.apiError(w, r, &ch.Error{Code: ch.EINVALID, Message: "Say in which role you validate this step.",
			Fields: map[string]string{"role": "Use " + apiJoinRoles(roles, " or ") + "."}})
		return
	case !slices.Contains(step.Roles, in.Role):
		s.apiError(w, r, &ch.Error{Code: ch.EINVALID, Message: fmt.Sprintf("“%s” is not validated in that role.", step.Title),
			Fields: map[string]string{"role": "Use " + apiJoinRoles(roles, " or ") + "."}})
		return
	case !slices.Contains(roles, in.Role):
		s.apiError(w, r, ch.Errorf(ch.EFORBIDDEN, "You cannot validate this step as %s.", strings.ToLower(in.Role.Label())))
		return
	}
	val := ch.Validation{StepID: step.ID, Role: in.Role, Verdict: in.Verdict, Comment: in.Comment}
	if err := val.Validate(); err != nil {
		s.apiError(w, r, err)
		return
	}
	notify := func(g *ch.Group) []ch.Mail {
		what := "passed"
		if in.Verdict == ch.VerdictNeedsWork {
			what = "needs work"
		}
		body := fmt.Sprintf("%s (%s) reviewed the step “%s” of %s: %s.\n", u.Name, strings.ToLower(in.Role.Label()), step.Title, g.Name, what)
		if c := strings.TrimSpace(in.Comment); c != "" {
			body += "\n" + c + "\n"
		}
		body += "\nSee the checklist: " + s.link("/groups/"+g.Slug) + "\n"
		return toCoordinators(g, u.Email, "“"+step.Title+"” "+what+": "+g.Name, body)
	}
	if err := s.DB.AddValidation(ctx, g.Slug, val, u, notify); err != nil {
		s.apiError(w, r, err)
		return
	}
	results, err := s.DB.StepResults(ctx, g, s.program(ctx))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	i := slices.IndexFunc(results, func(res ch.StepResult) bool { return res.Step.ID == step.ID })
	if i < 0 {
		s.apiError(w, r, fmt.Errorf("step %q missing from the evaluated checklist", step.ID))
		return
	}
	writeJSON(w, http.StatusCreated, map[string]apiStep{"step": toAPIStep(results[i])})
}

func apiJoinRoles(roles []ch.Role, sep string) string {
	q := make([]string, len(roles))
	for i, r := range roles {
		q[i] = string(r)
	}
	return strings.Join(q, sep)
}

type apiAmbassador struct {
	Name string `json:"name"`
}

func (s *Server) apiAddAmbassador(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	u := userFrom(r)
	var in struct {
		Email string `json:"email"`
	}
	// The body may be empty: an ambassador signing up says nothing more.
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxFormBytes))
	if err != nil {
		s.apiError(w, r, ch.Errorf(ch.EBADREQUEST, "The request body could not be read: %v", err))
		return
	}
	if len(bytes.TrimSpace(body)) > 0 {
		r.Body = io.NopCloser(bytes.NewReader(body))
		if err := decodeJSON(w, r, &in); err != nil {
			s.apiError(w, r, err)
			return
		}
	}
	in.Email = strings.TrimSpace(in.Email)
	g, _, err := s.loadGroup(ctx, r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	mentor := u
	switch {
	case in.Email == "":
		if !u.Has(ch.RoleAmbassador) {
			s.apiError(w, r, ch.Errorf(ch.EFORBIDDEN, "Only ambassadors sign up to mentor a group; a community manager assigns one with its email."))
			return
		}
	case !u.IsCommunityManager():
		s.apiError(w, r, ch.Errorf(ch.EFORBIDDEN, "Only community managers assign an ambassador to a group."))
		return
	default:
		if mentor, _, err = s.DB.UserByEmail(ctx, in.Email); err != nil {
			if ch.ErrorCode(err) == ch.ENOTFOUND {
				err = &ch.Error{Code: ch.ENOTFOUND, Message: "No account has this email address.", Fields: map[string]string{"email": "Give the address of an ambassador's account."}}
			}
			s.apiError(w, r, err)
			return
		}
		if !mentor.Has(ch.RoleAmbassador) {
			s.apiError(w, r, &ch.Error{Code: ch.EINVALID, Message: mentor.Name + " is not an ambassador: a community manager grants the role first.",
				Fields: map[string]string{"email": "Choose someone who holds the ambassador role."}})
			return
		}
	}
	notify := func(g *ch.Group) []ch.Mail {
		page := s.link("/groups/" + g.Slug)
		mails := toCoordinators(g, "", mentor.Name+" now mentors "+g.Name,
			fmt.Sprintf("%s, an ambassador of the program, now mentors %s on its path to official status.\n\nSee the checklist: %s\n", mentor.Name, g.Name, page))
		if mentor.ID != u.ID {
			mails = append(mails, ch.Mail{To: mentor.Email, Subject: "You now mentor " + g.Name,
				Body: fmt.Sprintf("Hello %s,\n\n%s assigned you to mentor %s. See its checklist: %s\n", mentor.Name, u.Name, g.Name, page)})
		}
		return mails
	}
	if err := s.DB.AddAmbassador(ctx, g.Slug, mentor.ID, u, notify); err != nil {
		s.apiError(w, r, err)
		return
	}
	ambs, err := s.DB.Ambassadors(ctx, g.ID)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := struct {
		Ambassadors []apiAmbassador `json:"ambassadors"`
	}{Ambassadors: []apiAmbassador{}}
	for _, a := range ambs {
		out.Ambassadors = append(out.Ambassadors, apiAmbassador{Name: a.Name})
	}
	writeJSON(w, http.StatusCreated, out)
}

func (s *Server) apiSetStatus(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	u := userFrom(r)
	var in struct {
		Status ch.Status `json:"status"`
		Reason string    `json:"reason"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	switch {
	case in.Status != ch.StatusOfficial && in.Status != ch.StatusRevoked:
		s.apiError(w, r, &ch.Error{Code: ch.EINVALID, Message: "Choose official or revoked.", Fields: map[string]string{"status": "Use official or revoked."}})
		return
	case in.Status == ch.StatusRevoked && strings.TrimSpace(in.Reason) == "":
		s.apiError(w, r, &ch.Error{Code: ch.EINVALID, Message: "Say why official status is revoked.",
			Fields: map[string]string{"reason": "The organizers read it by mail and on the group's page."}})
		return
	}
	g, v, err := s.loadGroup(ctx, r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	notify := func(g *ch.Group) []ch.Mail {
		page := s.link("/groups/" + g.Slug)
		if in.Status == ch.StatusOfficial {
			body := fmt.Sprintf("%s is now an official user group. Congratulations, and thank you for the work that went into it.\n", g.Name)
			if n := strings.TrimSpace(in.Reason); n != "" {
				body += "\n" + n + "\n"
			}
			return toCoordinators(g, "", g.Name+" is now an official user group", body+"\nThe group's page and official logo: "+page+"\n")
		}
		return toCoordinators(g, "", "Official status of "+g.Name+" revoked",
			fmt.Sprintf("A community manager revoked the official status of %s:\n\n%s\n\nThe group keeps its page and history, and can become official again. See its checklist: %s\n",
				g.Name, strings.TrimSpace(in.Reason), page))
	}
	if in.Status == ch.StatusOfficial {
		var results []ch.StepResult
		if results, err = s.DB.StepResults(ctx, g, s.program(ctx)); err != nil {
			s.apiError(w, r, err)
			return
		}
		g, err = s.DB.GrantOfficial(ctx, g.Slug, in.Reason, results, u, notify)
	} else {
		g, err = s.DB.RevokeOfficial(ctx, g.Slug, in.Reason, u, notify)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeGroup(w, r, http.StatusOK, g, v, nil)
}
