package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	ch "chapterhouse"
	"chapterhouse/sqldb"
)

// The pages of the Official User Group Process: a group's checklist, the
// forms that validate, discuss and decide on its steps, and the reviewers'
// queue. The JSON API lives in api_official.go.

func (s *Server) registerOfficialRoutes() {
	s.handle("GET", "/groups/{slug}/checklist", signedIn, s.checklist)
	s.handle("POST", "/groups/{slug}/steps/{step}/validations", verified, s.validateStep)
	s.handle("POST", "/groups/{slug}/steps/{step}/comments", verified, s.commentStep)
	s.handle("POST", "/groups/{slug}/steps/{step}/review-request", verified, s.requestReview)
	s.handle("POST", "/groups/{slug}/steps/{step}/not-needed", verified, s.markNotNeeded)
	s.handle("POST", "/groups/{slug}/ambassadors", verified, s.addAmbassador)
	s.handle("POST", "/groups/{slug}/status", verified, s.changeOfficialStatus)
	s.handle("POST", "/groups/{slug}/meetings", verified, s.recordMeeting)
	s.handle("POST", "/groups/{slug}/rhythm", verified, s.acceptRhythm)
	s.handle("GET", "/review/queue", signedIn, s.reviewQueue)
}

// checklistViewer is who looks at a group's checklist.
type checklistViewer struct {
	ch.Viewer
	Ambassador bool // mentors the group
}

// CanSeeChecklist: the group's organizers, its ambassadors and community
// managers.
func (v checklistViewer) CanSeeChecklist() bool {
	return v.Organizer || v.Ambassador || v.User.IsCommunityManager()
}

// loadChecklistGroup loads the group of the request and who looks at it.
func (s *Server) loadChecklistGroup(ctx context.Context, r *http.Request) (*ch.Group, checklistViewer, error) {
	g, v, err := s.loadGroup(ctx, r)
	if err != nil {
		return nil, checklistViewer{Viewer: v}, err
	}
	cv := checklistViewer{Viewer: v}
	if v.User != nil && v.User.Has(ch.RoleAmbassador) {
		if cv.Ambassador, err = s.DB.IsAmbassadorOf(ctx, g.ID, v.User.ID); err != nil {
			return nil, cv, err
		}
	}
	return g, cv, nil
}

// step returns the program step named in the address.
func (s *Server) step(r *http.Request) (ch.Step, error) {
	st, ok := s.program(r.Context()).Step(r.PathValue("step"))
	if !ok {
		return ch.Step{}, ch.Errorf(ch.ENOTFOUND, "This program has no such step.")
	}
	return st, nil
}

type stepView struct {
	ch.StepResult
	Comments     []ch.StepComment
	Roles        []ch.Role // the roles the viewer may validate it in
	CanNotNeeded bool
	CanRequest   bool // organizers may ask for a review
}

type checklistData struct {
	Group       *ch.Group
	Viewer      checklistViewer
	Steps       []stepView
	AllMet      bool
	Unmet       []string
	Ambassadors []*ch.User
	Meetings    []ch.RecordedMeeting
	Formats     []string
	CanComment  bool
	IsManager   bool
	CanSignUp   bool // an ambassador who does not mentor the group yet
	CanRecord   bool
	Official    bool
	FormKey     string // which form Form belongs to
	Form        form
	Today       string
	// Rhythm is the meeting rhythm a community manager accepted instead of
	// the declared cadence, if any; Cadences are the choices.
	Rhythm   *ch.AcceptedRhythm
	Cadences []ch.Cadence
}

// F returns the submitted form when key names it, or an empty one.
func (d checklistData) F(key string) form {
	if d.FormKey == key {
		return d.Form
	}
	return form{Values: url.Values{}, Errors: map[string]string{}}
}

// FormatLabel names a meeting format.
func (d checklistData) FormatLabel(f string) string { return ch.MeetingFormatLabel(f) }

func (s *Server) checklist(w http.ResponseWriter, r *http.Request) {
	s.renderChecklist(w, r, http.StatusOK, "", form{})
}

// renderChecklist shows the checklist, with form key re-rendered as f.
func (s *Server) renderChecklist(w http.ResponseWriter, r *http.Request, status int, key string, f form) {
	ctx := r.Context()
	g, v, err := s.loadChecklistGroup(ctx, r)
	if err == nil && !v.CanSeeChecklist() {
		err = ch.Errorf(ch.ENOTFOUND, "Group not found.")
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	facts, results, err := s.DB.Checklist(ctx, g, s.program(ctx))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	comments, err := s.DB.StepComments(ctx, g.ID, "")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := checklistData{Group: g, Viewer: v, AllMet: ch.AllMet(results), Unmet: ch.Unmet(results), Formats: ch.MeetingFormats,
		CanComment: true, IsManager: v.User.IsCommunityManager(), CanRecord: v.CanEdit(), Official: g.Status == ch.StatusOfficial,
		FormKey: key, Form: f, Today: time.Now().UTC().Format("2006-01-02")}
	if d.Form.Values == nil {
		d.Form.Values = url.Values{}
	}
	if d.Form.Errors == nil {
		d.Form.Errors = map[string]string{}
	}
	d.CanSignUp = v.User.Has(ch.RoleAmbassador) && !v.Ambassador
	for _, res := range results {
		sv := stepView{StepResult: res,
			Roles:        ch.ValidatorRoles(v.User, res.Step, v.Ambassador, v.Organizer, s.program(ctx)),
			CanNotNeeded: d.IsManager && res.Step.NotNeededAllowed,
			CanRequest:   v.Organizer && len(res.Step.Roles) > 0 && !res.State.Satisfied() && res.State != ch.StepNotMet}
		for _, c := range comments {
			if c.StepID == res.Step.ID {
				sv.Comments = append(sv.Comments, c)
			}
		}
		d.Steps = append(d.Steps, sv)
	}
	if d.Ambassadors, err = s.DB.Ambassadors(ctx, g.ID); err != nil {
		s.fail(w, r, err)
		return
	}
	if d.Meetings, err = s.DB.RecordedMeetings(ctx, g.ID); err != nil {
		s.fail(w, r, err)
		return
	}
	if d.IsManager {
		d.Rhythm, d.Cadences = facts.AcceptedRhythm, ch.Cadences
	}
	s.render(w, r, status, "checklist", "Checklist of "+g.Name, d)
}

// checklistPost loads the group for a form of its checklist, refusing with
// 404 those who may not see the checklist.
func (s *Server) checklistPost(w http.ResponseWriter, r *http.Request) (*ch.Group, checklistViewer, bool) {
	g, v, err := s.loadChecklistGroup(r.Context(), r)
	if err != nil {
		s.fail(w, r, err)
		return nil, v, false
	}
	return g, v, true
}

// finish redirects to the checklist on success, re-renders the form with
// 422 on bad input, and fails otherwise.
func (s *Server) finish(w http.ResponseWriter, r *http.Request, g *ch.Group, key string, err error, flash string) {
	switch {
	case err == nil:
		s.redirect(w, r, "/groups/"+g.Slug+"/checklist", flash)
	case ch.ErrorCode(err) == ch.EINVALID:
		s.renderChecklist(w, r, http.StatusUnprocessableEntity, key, formWithError(r, err))
	default:
		s.fail(w, r, err)
	}
}

func (s *Server) validateStep(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	g, v, ok := s.checklistPost(w, r)
	if !ok {
		return
	}
	st, err := s.step(r)
	if err == nil {
		err = ch.CanValidate(v.User, st, v.Ambassador, v.Organizer, s.program(ctx))
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	roles := ch.ValidatorRoles(v.User, st, v.Ambassador, v.Organizer, s.program(ctx))
	role := ch.Role(r.PostFormValue("role"))
	if role == "" && len(roles) == 1 {
		role = roles[0]
	}
	val := ch.Validation{StepID: st.ID, Role: role, Verdict: ch.Verdict(r.PostFormValue("verdict")), Comment: r.PostFormValue("comment")}
	if !slices.Contains(roles, role) {
		err = &ch.Error{Code: ch.EINVALID, Message: "Choose the role you validate in.", Fields: map[string]string{"role": "Choose one of your roles this step needs."}}
	} else {
		err = s.DB.AddValidation(ctx, g.Slug, val, v.User, s.notifyValidated(v.User, st, val))
	}
	msg := "Thank you: the step is validated."
	if val.Verdict == ch.VerdictNeedsWork {
		msg = "Your request for changes is sent to the organizers."
	}
	s.finish(w, r, g, "validate-"+st.ID, err, msg)
}

func (s *Server) commentStep(w http.ResponseWriter, r *http.Request) {
	g, v, ok := s.checklistPost(w, r)
	if !ok {
		return
	}
	st, err := s.step(r)
	if err == nil && !v.CanSeeChecklist() {
		err = ch.Errorf(ch.EFORBIDDEN, "Only the group's organizers, its ambassadors and community managers comment on its steps.")
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	body := r.PostFormValue("body")
	_, err = s.DB.AddStepComment(r.Context(), g.Slug, st.ID, body, v.User, s.notifyCommented(v.User, st, body))
	s.finish(w, r, g, "comment-"+st.ID, err, "Your comment is posted.")
}

func (s *Server) requestReview(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	g, v, ok := s.checklistPost(w, r)
	if !ok {
		return
	}
	st, err := s.step(r)
	if err == nil && !v.Organizer {
		err = ch.Errorf(ch.EFORBIDDEN, "Only the group's organizers ask for a review of its steps.")
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ambassadors, err := s.DB.Ambassadors(ctx, g.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	err = s.DB.RequestReview(ctx, g.Slug, st.ID, r.PostFormValue("note"), v.User, s.notifyReviewRequested(v.User, st, ambassadors))
	s.finish(w, r, g, "request-"+st.ID, err, "Your request is sent to the group's ambassadors.")
}

func (s *Server) markNotNeeded(w http.ResponseWriter, r *http.Request) {
	g, v, ok := s.checklistPost(w, r)
	if !ok {
		return
	}
	st, err := s.step(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	reason := r.PostFormValue("reason")
	err = ch.CanMarkNotNeeded(v.User, st, reason)
	if err == nil {
		err = s.DB.SetStepNotNeeded(r.Context(), g.Slug, st.ID, reason, v.User, nil)
	}
	s.finish(w, r, g, "notneeded-"+st.ID, err, "The step is marked not needed.")
}

func (s *Server) addAmbassador(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	g, v, ok := s.checklistPost(w, r)
	if !ok {
		return
	}
	u := v.User
	email := strings.TrimSpace(r.PostFormValue("email"))
	var err error
	var amb *ch.User
	switch {
	case email != "" && u.IsCommunityManager():
		if amb, _, err = s.DB.UserByEmail(ctx, email); ch.ErrorCode(err) == ch.ENOTFOUND {
			err = &ch.Error{Code: ch.EINVALID, Message: "No account has this address.", Fields: map[string]string{"email": "Give the address of an ambassador's account."}}
		}
	case u.Has(ch.RoleAmbassador):
		amb = u
	case u.IsCommunityManager():
		err = &ch.Error{Code: ch.EINVALID, Message: "Give the ambassador's address.", Fields: map[string]string{"email": "Give the address of an ambassador's account."}}
	default:
		err = ch.Errorf(ch.EFORBIDDEN, "Only ambassadors sign up to mentor a group; community managers assign them.")
	}
	if err == nil {
		err = s.DB.AddAmbassador(ctx, g.Slug, amb.ID, u, s.notifyMentor(amb))
	}
	if ch.ErrorCode(err) == ch.ECONFLICT && ch.ErrorFields(err) != nil {
		err = &ch.Error{Code: ch.EINVALID, Message: ch.ErrorMessage(err), Fields: ch.ErrorFields(err)}
	}
	msg := "Thank you: you now mentor " + g.Name + "."
	if amb != nil && amb != u {
		msg = amb.Name + " now mentors " + g.Name + "."
	}
	s.finish(w, r, g, "ambassador", err, msg)
}

func (s *Server) changeOfficialStatus(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	g, v, ok := s.checklistPost(w, r)
	if !ok {
		return
	}
	if !v.User.IsCommunityManager() {
		s.fail(w, r, ch.Errorf(ch.EFORBIDDEN, "Only community managers grant or revoke official status."))
		return
	}
	var err error
	var msg string
	switch r.PostFormValue("status") {
	case string(ch.StatusOfficial):
		var results []ch.StepResult
		if results, err = s.DB.StepResults(ctx, g, s.program(ctx)); err == nil {
			_, err = s.DB.GrantOfficial(ctx, g.Slug, r.PostFormValue("note"), results, v.User, s.notifyStatus(r.PostFormValue("note")))
		}
		msg = g.Name + " is now an official user group."
		if ch.ErrorCode(err) == ch.ECONFLICT {
			f := formWithError(r, err)
			f.Errors = map[string]string{}
			s.renderChecklist(w, r, http.StatusConflict, "status", f)
			return
		}
	case string(ch.StatusRevoked):
		_, err = s.DB.RevokeOfficial(ctx, g.Slug, r.PostFormValue("reason"), v.User, s.notifyStatus(r.PostFormValue("reason")))
		msg = "Official status is revoked; the organizers were told why."
	default:
		err = &ch.Error{Code: ch.EINVALID, Message: "Choose to grant or revoke official status.", Fields: map[string]string{"status": "Choose official or revoked."}}
	}
	s.finish(w, r, g, "status", err, msg)
}

func (s *Server) recordMeeting(w http.ResponseWriter, r *http.Request) {
	g, v, ok := s.checklistPost(w, r)
	if !ok {
		return
	}
	if !v.CanEdit() {
		s.fail(w, r, ch.Errorf(ch.EFORBIDDEN, "Only the group's organizers and community managers record its meetings."))
		return
	}
	m := ch.RecordedMeeting{Title: r.PostFormValue("title"), Format: r.PostFormValue("format"), Link: r.PostFormValue("link")}
	fe := ch.FieldErrors{}
	if d := strings.TrimSpace(r.PostFormValue("held_on")); d != "" {
		t, err := time.Parse("2006-01-02", d)
		if err != nil {
			fe.Add("held_on", "Give the date as YYYY-MM-DD.")
		}
		m.HeldOn = t
	}
	if a := strings.TrimSpace(r.PostFormValue("attendance")); a != "" {
		n, err := strconv.Atoi(a)
		if err != nil {
			fe.Add("attendance", "Give the number of people who came, or leave it empty.")
		}
		m.Attendance = &n
	}
	err := fe.Err()
	if err == nil {
		_, err = s.DB.RecordMeeting(r.Context(), g.Slug, m, v.User)
	}
	s.finish(w, r, g, "meeting", err, "The meeting is recorded.")
}

// ── Queue ────────────────────────────────────────────────────────────────

type queueData struct {
	Manager    bool
	Items      []sqldb.QueueItem
	Mentored   []sqldb.QueueItem
	Wanting    []*ch.Group
	Steps      []ch.Step
	States     []ch.StepState
	Kind       string
	StepID     string
	State      string
	FilterErrs map[string]string
	Ambassador bool
	CSRF       string
}

func (s *Server) reviewQueue(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	u := userFrom(r)
	isAmb := u.Has(ch.RoleAmbassador)
	if !u.IsCommunityManager() && !isAmb {
		s.fail(w, r, ch.Errorf(ch.EFORBIDDEN, "The review queue is for community managers and ambassadors."))
		return
	}
	q := r.URL.Query()
	d := queueData{Manager: u.IsCommunityManager(), Steps: s.program(ctx).Steps, Kind: q.Get("kind"), StepID: q.Get("step"), State: q.Get("state"),
		States: []ch.StepState{ch.StepAwaitingValidation, ch.StepExpired, ch.StepNeedsWork, ch.StepNotMet}, FilterErrs: map[string]string{}, Ambassador: isAmb, CSRF: csrfToken(r)}
	f := sqldb.QueueFilter{Kind: d.Kind, StepID: d.StepID}
	if d.Kind != sqldb.QueueAll && d.Kind != sqldb.QueueValidations && d.Kind != sqldb.QueueDecisions {
		d.FilterErrs["kind"] = "Choose what to list."
	}
	if _, ok := s.program(ctx).Step(d.StepID); d.StepID != "" && !ok {
		d.FilterErrs["step"] = "Choose a step of the program."
	}
	if d.State != "" {
		if !slices.Contains(d.States, ch.StepState(d.State)) {
			d.FilterErrs["state"] = "Choose a state."
		} else {
			f.States = []ch.StepState{ch.StepState(d.State)}
		}
	}
	if len(d.FilterErrs) > 0 {
		s.render(w, r, http.StatusUnprocessableEntity, "queue", "Review queue", d)
		return
	}
	var err error
	if d.Manager {
		if d.Items, err = s.DB.ValidationQueue(ctx, s.program(ctx), f); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	if isAmb {
		mf := sqldb.QueueFilter{AmbassadorID: u.ID, States: []ch.StepState{ch.StepAwaitingValidation, ch.StepExpired, ch.StepNeedsWork, ch.StepNotMet}}
		if d.Mentored, err = s.DB.ValidationQueue(ctx, s.program(ctx), mf); err != nil {
			s.fail(w, r, err)
			return
		}
		if d.Wanting, err = s.DB.GroupsWantingMentor(ctx, s.program(ctx), 50); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	s.render(w, r, http.StatusOK, "queue", "Review queue", d)
}

// acceptRhythm lets a community manager measure a group's meetings against
// another rhythm than the one it declared, with a note saying why (the
// process insists regularity differs between cultures), or go back to the
// declared cadence.
func (s *Server) acceptRhythm(w http.ResponseWriter, r *http.Request) {
	g, v, ok := s.checklistPost(w, r)
	if !ok {
		return
	}
	if !v.User.IsCommunityManager() {
		s.fail(w, r, ch.Errorf(ch.EFORBIDDEN, "Only community managers accept another meeting rhythm."))
		return
	}
	if r.PostFormValue("action") == "clear" {
		err := s.DB.ClearAcceptedRhythm(r.Context(), g.Slug, v.User)
		s.finish(w, r, g, "rhythm", err, "Meetings are measured against the group's declared cadence again.")
		return
	}
	err := s.DB.SetAcceptedRhythm(r.Context(), g.Slug, ch.AcceptedRhythm{Cadence: ch.Cadence(r.PostFormValue("cadence")), Note: r.PostFormValue("note")}, v.User)
	s.finish(w, r, g, "rhythm", err, "The rhythm is accepted: meetings are measured against it.")
}
