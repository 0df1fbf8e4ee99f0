package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	ch "chapterhouse"
	"chapterhouse/workflow"
)

// The pages of the Official User Group Process: a group's checklist, the
// forms that act on its steps, and the reviewers' queue. Each form calls the
// workflow the JSON API calls (api_official.go).

func (s *Server) registerOfficialRoutes() {
	s.handle("GET", "/groups/{slug}/checklist", signedIn, s.checklist)
	s.handle("POST", "/groups/{slug}/steps/{step}/validations", verified, s.validateStep)
	s.handle("POST", "/groups/{slug}/steps/{step}/comments", verified, s.commentStep)
	s.handle("POST", "/groups/{slug}/steps/{step}/review-request", verified, s.requestReview)
	s.handle("POST", "/groups/{slug}/steps/{step}/not-needed", verified, s.markNotNeeded)
	s.handle("POST", "/groups/{slug}/ambassadors", verified, s.addAmbassador)
	s.handle("POST", "/groups/{slug}/ambassadors/{id}/remove", verified, s.removeAmbassador)
	s.handle("POST", "/groups/{slug}/status", verified, s.changeStatus)
	s.handle("POST", "/groups/{slug}/meetings", verified, s.recordMeeting)
	s.handle("POST", "/groups/{slug}/meetings/{id}/delete", verified, s.deleteMeeting)
	s.handle("POST", "/groups/{slug}/rhythm", verified, s.acceptRhythm)
	s.handle("POST", "/groups/{slug}/rename", verified, s.decideRename)
	s.handle("GET", "/review/queue", signedIn, s.reviewQueue)
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
	Viewer      ch.Viewer
	Steps       []stepView
	AllMet      bool
	Unmet       []string
	Ambassadors []*ch.User
	Meetings    []ch.RecordedMeeting
	Formats     []string
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

// CanRemove reports whether the viewer may end the mentoring of amb.
func (d checklistData) CanRemove(amb *ch.User) bool { return d.Viewer.CanRemoveAmbassador(amb.ID) }

func (s *Server) checklist(w http.ResponseWriter, r *http.Request) {
	s.renderChecklist(w, r, http.StatusOK, "", form{})
}

// renderChecklist shows the checklist, with form key re-rendered as f.
func (s *Server) renderChecklist(w http.ResponseWriter, r *http.Request, status int, key string, f form) {
	ctx := r.Context()
	c, err := s.flows.Checklist(ctx, userFrom(r), r.PathValue("slug"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	g, v := c.Group, c.Viewer
	comments, err := s.DB.StepComments(ctx, g.ID, "")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := checklistData{Group: g, Viewer: v, AllMet: ch.AllMet(c.Results), Unmet: ch.Unmet(c.Results), Formats: ch.MeetingFormats,
		IsManager: v.IsManager(), CanRecord: v.CanEdit(), Official: g.Status == ch.StatusOfficial,
		CanSignUp: v.CanMentor(), FormKey: key, Form: f, Today: time.Now().UTC().Format("2006-01-02")}
	if d.Form.Values == nil {
		d.Form.Values = url.Values{}
	}
	if d.Form.Errors == nil {
		d.Form.Errors = map[string]string{}
	}
	for _, res := range c.Results {
		sv := stepView{StepResult: res, Roles: c.ValidatorRoles(res.Step),
			CanNotNeeded: d.IsManager && res.Step.NotNeededAllowed,
			CanRequest:   v.CanRequestReview() && len(res.Step.Roles) > 0 && !res.State.Satisfied() && res.State != ch.StepNotMet}
		for _, cm := range comments {
			if cm.StepID == res.Step.ID {
				sv.Comments = append(sv.Comments, cm)
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
		d.Rhythm, d.Cadences = c.Facts.AcceptedRhythm, ch.Cadences
	}
	s.render(w, r, status, "checklist", "Checklist of "+g.Name, d)
}

// finish redirects to the checklist on success, re-renders form key with
// what was typed on bad input (422), and fails otherwise.
func (s *Server) finish(w http.ResponseWriter, r *http.Request, key string, err error, flash string) {
	switch {
	case err == nil:
		s.redirect(w, r, "/groups/"+r.PathValue("slug")+"/checklist", flash)
	case ch.ErrorCode(err) == ch.EINVALID:
		s.renderChecklist(w, r, http.StatusUnprocessableEntity, key, formWithError(r, err))
	case ch.ErrorCode(err) == ch.ECONFLICT && key == "status":
		// A grant refused names the open steps: show them above the form.
		f := formWithError(r, err)
		f.Errors = map[string]string{}
		s.renderChecklist(w, r, http.StatusConflict, key, f)
	default:
		s.fail(w, r, err)
	}
}

func (s *Server) validateStep(w http.ResponseWriter, r *http.Request) {
	in := workflow.ValidationInput{Role: ch.Role(r.PostFormValue("role")), Verdict: ch.Verdict(r.PostFormValue("verdict")), Comment: r.PostFormValue("comment")}
	_, err := s.flows.ValidateStep(r.Context(), userFrom(r), r.PathValue("slug"), r.PathValue("step"), in)
	msg := "Thank you: the step is validated."
	if in.Verdict == ch.VerdictNeedsWork {
		msg = "Your request for changes is sent to the organizers."
	}
	s.finish(w, r, "validate-"+r.PathValue("step"), err, msg)
}

func (s *Server) commentStep(w http.ResponseWriter, r *http.Request) {
	_, err := s.flows.CommentStep(r.Context(), userFrom(r), r.PathValue("slug"), r.PathValue("step"), r.PostFormValue("body"))
	s.finish(w, r, "comment-"+r.PathValue("step"), err, "Your comment is posted.")
}

func (s *Server) requestReview(w http.ResponseWriter, r *http.Request) {
	toMentors, err := s.flows.RequestReview(r.Context(), userFrom(r), r.PathValue("slug"), r.PathValue("step"), r.PostFormValue("note"))
	msg := "Your request is sent to the group's mentors."
	if !toMentors {
		msg = "The group has no mentor yet: your request is sent to the community managers."
	}
	s.finish(w, r, "request-"+r.PathValue("step"), err, msg)
}

func (s *Server) markNotNeeded(w http.ResponseWriter, r *http.Request) {
	if r.PostFormValue("action") == "clear" {
		err := s.flows.ClearNotNeeded(r.Context(), userFrom(r), r.PathValue("slug"), r.PathValue("step"))
		s.finish(w, r, "notneeded-"+r.PathValue("step"), err, "The step counts again.")
		return
	}
	err := s.flows.MarkNotNeeded(r.Context(), userFrom(r), r.PathValue("slug"), r.PathValue("step"), r.PostFormValue("reason"))
	s.finish(w, r, "notneeded-"+r.PathValue("step"), err, "The step is marked not needed.")
}

func (s *Server) addAmbassador(w http.ResponseWriter, r *http.Request) {
	email := r.PostFormValue("email")
	m, err := s.flows.AddAmbassador(r.Context(), userFrom(r), r.PathValue("slug"), email)
	msg := ""
	switch {
	case err != nil:
	case m.Mentor.ID == userFrom(r).ID:
		msg = "Thank you: you now mentor " + m.Group.Name + "."
	default:
		msg = m.Mentor.Name + " now mentors " + m.Group.Name + " and was told by mail."
	}
	s.finish(w, r, "ambassador", err, msg)
}

func (s *Server) removeAmbassador(w http.ResponseWriter, r *http.Request) {
	err := s.flows.RemoveAmbassador(r.Context(), userFrom(r), r.PathValue("slug"), pathID(r, "id"))
	s.finish(w, r, "ambassador", err, "The mentoring has ended; the organizers were told.")
}

func (s *Server) changeStatus(w http.ResponseWriter, r *http.Request) {
	to := ch.Status(r.PostFormValue("status"))
	text := r.PostFormValue("reason")
	if to == ch.StatusOfficial {
		text = r.PostFormValue("note")
	}
	g, err := s.flows.SetStatus(r.Context(), userFrom(r), r.PathValue("slug"), to, text)
	msg := ""
	if err == nil {
		msg = map[ch.Status]string{
			ch.StatusOfficial: g.Name + " is now an official user group.",
			ch.StatusRevoked:  "Official status is revoked; the organizers were told why.",
			ch.StatusArchived: g.Name + " is archived; the organizers were told why.",
		}[to]
	}
	key := "status"
	if to == ch.StatusArchived {
		key = "archive"
	}
	s.finish(w, r, key, err, msg)
}

func (s *Server) recordMeeting(w http.ResponseWriter, r *http.Request) {
	in := workflow.MeetingInput{RecordedMeeting: ch.RecordedMeeting{Title: r.PostFormValue("title"), Format: r.PostFormValue("format"), Link: r.PostFormValue("link")},
		Unparsed: map[string]string{}}
	readHeldOn(&in, strings.TrimSpace(r.PostFormValue("held_on")))
	if a := strings.TrimSpace(r.PostFormValue("attendance")); a != "" {
		n, err := strconv.Atoi(a)
		if err != nil {
			in.Unparsed["attendance"] = "Give the number of people who came, or leave it empty."
		}
		in.Attendance = &n
	}
	_, err := s.flows.RecordMeeting(r.Context(), userFrom(r), r.PathValue("slug"), in)
	s.finish(w, r, "meeting", err, "The meeting is recorded.")
}

// readHeldOn reads the date of a meeting as the form and the API send it,
// YYYY-MM-DD, or notes in in.Unparsed that it could not; "" leaves it
// unset for the workflow to ask for.
func readHeldOn(in *workflow.MeetingInput, day string) {
	if day == "" {
		return
	}
	t, err := time.Parse("2006-01-02", day)
	if err != nil {
		in.Unparsed["held_on"] = "Give the date as YYYY-MM-DD."
	}
	in.HeldOn = t
}

func (s *Server) deleteMeeting(w http.ResponseWriter, r *http.Request) {
	err := s.flows.DeleteMeeting(r.Context(), userFrom(r), r.PathValue("slug"), pathID(r, "id"))
	s.finish(w, r, "meeting", err, "The meeting is removed from the record.")
}

func (s *Server) acceptRhythm(w http.ResponseWriter, r *http.Request) {
	if r.PostFormValue("action") == "clear" {
		err := s.flows.ClearRhythm(r.Context(), userFrom(r), r.PathValue("slug"))
		s.finish(w, r, "rhythm", err, "Meetings are measured against the group's declared cadence again.")
		return
	}
	rhythm := ch.AcceptedRhythm{Cadence: ch.Cadence(r.PostFormValue("cadence")), Note: r.PostFormValue("note")}
	err := s.flows.AcceptRhythm(r.Context(), userFrom(r), r.PathValue("slug"), rhythm)
	s.finish(w, r, "rhythm", err, "The rhythm is accepted: meetings are measured against it.")
}

// ── Queue ────────────────────────────────────────────────────────────────

type queueData struct {
	*workflow.ReviewQueue
	Steps      []ch.Step
	States     []ch.StepState
	Kind       string
	StepID     string
	State      string
	FilterErrs map[string]string
	CSRF       string
}

func (s *Server) reviewQueue(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	req := workflow.QueueRequest{Kind: q.Get("kind"), StepID: q.Get("step"), State: q.Get("state")}
	queue, err := s.flows.Queue(ctx, userFrom(r), req)
	d := queueData{ReviewQueue: queue, Steps: s.program(ctx).Steps, States: workflow.QueueStates, Kind: req.Kind, StepID: req.StepID, State: req.State,
		FilterErrs: map[string]string{}, CSRF: csrfToken(r)}
	switch {
	case ch.ErrorCode(err) == ch.EINVALID:
		d.FilterErrs = ch.ErrorFields(err)
		s.render(w, r, http.StatusUnprocessableEntity, "queue", "Review queue", d)
	case err != nil:
		s.fail(w, r, err)
	default:
		s.render(w, r, http.StatusOK, "queue", "Review queue", d)
	}
}

// decideRename accepts the new name of an official group or rolls it back;
// both come back to the review queue, where renames wait.
func (s *Server) decideRename(w http.ResponseWriter, r *http.Request) {
	d := ch.RenameDecision(r.PostFormValue("decision"))
	g, err := s.flows.DecideRename(r.Context(), userFrom(r), r.PathValue("slug"), d, r.PostFormValue("note"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	msg := "The new name of " + g.Name + " is accepted."
	if d == ch.RenameRollBack {
		msg = g.Name + " has its name back; the organizers were told."
	}
	s.redirect(w, r, "/review/queue", msg)
}
