package web

import (
	"bytes"
	"io"
	"net/http"
	"time"

	ch "chapterhouse"
	"chapterhouse/workflow"
)

// The JSON API of the Official User Group Process: a group's checklist and
// every action on it. Each handler decodes, calls the workflow the page
// calls (official.go), and encodes.

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

func (s *Server) registerOfficialAPI() {
	const g = "/api/v1/groups/{slug}"
	s.handle("GET", g+"/steps", public, s.apiSteps)
	s.handle("POST", g+"/steps/{id}/validations", verified, s.apiValidateStep)
	s.handle("POST", g+"/steps/{id}/comments", verified, s.apiCommentStep)
	s.handle("POST", g+"/steps/{id}/review-request", verified, s.apiRequestReview)
	s.handle("PUT", g+"/steps/{id}/not-needed", verified, s.apiMarkNotNeeded)
	s.handle("DELETE", g+"/steps/{id}/not-needed", verified, s.apiClearNotNeeded)
	s.handle("POST", g+"/ambassadors", verified, s.apiAddAmbassador)
	s.handle("DELETE", g+"/ambassadors/{uid}", verified, s.apiRemoveAmbassador)
	s.handle("POST", g+"/status", verified, s.apiSetStatus)
	s.handle("POST", g+"/meetings", verified, s.apiRecordMeeting)
	s.handle("DELETE", g+"/meetings/{mid}", verified, s.apiDeleteMeeting)
	s.handle("PUT", g+"/rhythm", verified, s.apiAcceptRhythm)
	s.handle("DELETE", g+"/rhythm", verified, s.apiClearRhythm)
	s.handle("POST", g+"/rename", verified, s.apiDecideRename)
}

func (s *Server) apiSteps(w http.ResponseWriter, r *http.Request) {
	c, err := s.flows.Checklist(r.Context(), userFrom(r), r.PathValue("slug"))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := struct {
		Steps []apiStep `json:"steps"`
	}{Steps: []apiStep{}}
	for _, res := range c.Results {
		out.Steps = append(out.Steps, toAPIStep(res))
	}
	writeJSON(w, http.StatusOK, out)
}

// apiDone answers a workflow's outcome: status with body, or the error.
func (s *Server) apiDone(w http.ResponseWriter, r *http.Request, err error, status int, body any) {
	switch {
	case err != nil:
		s.apiError(w, r, err)
	case body == nil:
		w.WriteHeader(status)
	default:
		writeJSON(w, status, body)
	}
}

func (s *Server) apiValidateStep(w http.ResponseWriter, r *http.Request) {
	var in workflow.ValidationInput
	if err := decodeJSON(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	res, err := s.flows.ValidateStep(r.Context(), userFrom(r), r.PathValue("slug"), r.PathValue("id"), in)
	s.apiDone(w, r, err, http.StatusCreated, map[string]apiStep{"step": toAPIStep(res)})
}

type apiComment struct {
	ID     int64     `json:"id"`
	Step   string    `json:"step"`
	Author string    `json:"author"`
	Body   string    `json:"body"`
	At     time.Time `json:"at"`
}

func (s *Server) apiCommentStep(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Body string `json:"body"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	c, err := s.flows.CommentStep(r.Context(), userFrom(r), r.PathValue("slug"), r.PathValue("id"), in.Body)
	s.apiDone(w, r, err, http.StatusCreated, map[string]apiComment{"comment": {ID: c.ID, Step: c.StepID, Author: c.AuthorName, Body: c.Body, At: c.At.UTC()}})
}

func (s *Server) apiRequestReview(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Note string `json:"note"`
	}
	if err := decodeOptionalJSON(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	toMentors, err := s.flows.RequestReview(r.Context(), userFrom(r), r.PathValue("slug"), r.PathValue("id"), in.Note)
	asked := "community_managers"
	if toMentors {
		asked = "mentors"
	}
	s.apiDone(w, r, err, http.StatusAccepted, map[string]string{"asked": asked})
}

func (s *Server) apiMarkNotNeeded(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Reason string `json:"reason"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	err := s.flows.MarkNotNeeded(r.Context(), userFrom(r), r.PathValue("slug"), r.PathValue("id"), in.Reason)
	s.apiDone(w, r, err, http.StatusNoContent, nil)
}

func (s *Server) apiClearNotNeeded(w http.ResponseWriter, r *http.Request) {
	err := s.flows.ClearNotNeeded(r.Context(), userFrom(r), r.PathValue("slug"), r.PathValue("id"))
	s.apiDone(w, r, err, http.StatusNoContent, nil)
}

type apiAmbassador struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

func (s *Server) apiAddAmbassador(w http.ResponseWriter, r *http.Request) {
	// The body may be empty: an ambassador signing up says nothing more.
	var in struct {
		Email string `json:"email"`
	}
	if err := decodeOptionalJSON(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	m, err := s.flows.AddAmbassador(r.Context(), userFrom(r), r.PathValue("slug"), in.Email)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := struct {
		Ambassadors []apiAmbassador `json:"ambassadors"`
	}{Ambassadors: []apiAmbassador{}}
	for _, a := range m.Mentors {
		out.Ambassadors = append(out.Ambassadors, apiAmbassador{ID: a.ID, Name: a.Name})
	}
	writeJSON(w, http.StatusCreated, out)
}

func (s *Server) apiRemoveAmbassador(w http.ResponseWriter, r *http.Request) {
	err := s.flows.RemoveAmbassador(r.Context(), userFrom(r), r.PathValue("slug"), pathID(r, "uid"))
	s.apiDone(w, r, err, http.StatusNoContent, nil)
}

func (s *Server) apiSetStatus(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Status ch.Status `json:"status"`
		Reason string    `json:"reason"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	g, err := s.flows.SetStatus(r.Context(), userFrom(r), r.PathValue("slug"), in.Status, in.Reason)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeGroup(w, r, http.StatusOK, g, ch.Viewer{User: userFrom(r)}, nil)
}

type apiMeeting struct {
	ID         int64  `json:"id"`
	HeldOn     string `json:"held_on"` // YYYY-MM-DD
	Title      string `json:"title"`
	Format     string `json:"format"`
	Attendance *int   `json:"attendance"`
	Link       string `json:"link"`
}

func (s *Server) apiRecordMeeting(w http.ResponseWriter, r *http.Request) {
	var in apiMeeting
	if err := decodeJSON(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	m := workflow.MeetingInput{RecordedMeeting: ch.RecordedMeeting{Title: in.Title, Format: in.Format, Attendance: in.Attendance, Link: in.Link},
		Unparsed: map[string]string{}}
	readHeldOn(&m, in.HeldOn)
	rec, err := s.flows.RecordMeeting(r.Context(), userFrom(r), r.PathValue("slug"), m)
	s.apiDone(w, r, err, http.StatusCreated, map[string]apiMeeting{"meeting": {ID: rec.ID, HeldOn: rec.HeldOn.Format("2006-01-02"),
		Title: rec.Title, Format: rec.Format, Attendance: rec.Attendance, Link: rec.Link}})
}

func (s *Server) apiDeleteMeeting(w http.ResponseWriter, r *http.Request) {
	err := s.flows.DeleteMeeting(r.Context(), userFrom(r), r.PathValue("slug"), pathID(r, "mid"))
	s.apiDone(w, r, err, http.StatusNoContent, nil)
}

func (s *Server) apiAcceptRhythm(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Cadence ch.Cadence `json:"cadence"`
		Note    string     `json:"note"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	err := s.flows.AcceptRhythm(r.Context(), userFrom(r), r.PathValue("slug"), ch.AcceptedRhythm{Cadence: in.Cadence, Note: in.Note})
	s.apiDone(w, r, err, http.StatusNoContent, nil)
}

func (s *Server) apiClearRhythm(w http.ResponseWriter, r *http.Request) {
	err := s.flows.ClearRhythm(r.Context(), userFrom(r), r.PathValue("slug"))
	s.apiDone(w, r, err, http.StatusNoContent, nil)
}

func (s *Server) apiDecideRename(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Decision ch.RenameDecision `json:"decision"`
		Note     string            `json:"note"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	g, err := s.flows.DecideRename(r.Context(), userFrom(r), r.PathValue("slug"), in.Decision, in.Note)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeGroup(w, r, http.StatusOK, g, ch.Viewer{User: userFrom(r)}, nil)
}

// decodeOptionalJSON is decodeJSON for calls whose body may be empty.
func decodeOptionalJSON(w http.ResponseWriter, r *http.Request, v any) error {
	body, err := readBody(w, r)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return decodeJSON(w, r, v)
}
