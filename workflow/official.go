package workflow

import (
	"context"
	"fmt"
	"slices"
	"strings"

	ch "chapterhouse"
)

// The Official User Group Process: a group's checklist and every action on
// it.

// Checklist is a group's steps to official status as one viewer sees them.
type Checklist struct {
	Group   *ch.Group
	Viewer  ch.Viewer
	Program ch.Program
	Facts   ch.GroupFacts
	Results []ch.StepResult
	// coordinated is whether the viewer coordinated the group recently
	// (see Service.coordinated): they validate nothing of it.
	coordinated bool
}

// ValidatorRoles lists the roles in which the viewer may validate step.
func (c *Checklist) ValidatorRoles(st ch.Step) []ch.Role {
	return ch.ValidatorRoles(c.Viewer.User, st, c.Viewer.Ambassador, c.Viewer.Organizer || c.coordinated, c.Program)
}

// coordinated reports whether u coordinated group g at some time within p's
// validation validity before now, today included: such a person neither
// validates its steps nor mentors it, so that leaving the coordinators for
// a while does not make one an independent reviewer of one's own group.
func (s *Service) coordinated(ctx context.Context, g *ch.Group, u *ch.User, p ch.Program) (bool, error) {
	if u == nil {
		return false, nil
	}
	terms, err := s.DB.CoordinatorTerms(ctx, g.ID)
	if err != nil {
		return false, err
	}
	return ch.CoordinatedSince(terms, u.ID, p.ReviewCutoff(s.DB.Now())), nil
}

// reviewsNothing is the refusal for a person who coordinates the group, or
// did within the validity (see coordinated).
func reviewsNothing(p ch.Program, what string) error {
	return forbidden(fmt.Sprintf("You coordinated this group within the last %s, so you cannot %s.", p.Validity(), what))
}

// Checklist evaluates a group's steps for a viewer who may see them (see
// ch.Viewer.CanSeeChecklist); to anyone else it is "not found".
func (s *Service) Checklist(ctx context.Context, actor *ch.User, slug string) (*Checklist, error) {
	g, v, err := s.checklistGroup(ctx, actor, slug)
	if err != nil {
		return nil, err
	}
	p := s.Program(ctx)
	facts, results, err := s.DB.Checklist(ctx, g, p)
	if err != nil {
		return nil, err
	}
	c := &Checklist{Group: g, Viewer: v, Program: p, Facts: facts, Results: results}
	// Only program roles validate: others need not be looked up.
	if len(actor.Roles) > 0 {
		if c.coordinated, err = s.coordinated(ctx, g, actor, p); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// onStep loads the group and the step of an action on a step. The group
// must be visible to the actor; each action then says who may take it.
func (s *Service) onStep(ctx context.Context, actor *ch.User, slug, stepID string) (*ch.Group, ch.Viewer, ch.Step, error) {
	g, v, err := s.Group(ctx, actor, slug)
	if err != nil {
		return nil, v, ch.Step{}, err
	}
	st, err := s.step(ctx, stepID)
	return g, v, st, err
}

// ValidationInput is a reviewer's verdict on a step.
type ValidationInput struct {
	Role    ch.Role    `json:"role"`    // may be left out when the reviewer has one role the step needs
	Verdict ch.Verdict `json:"verdict"` // pass or needs_work
	Comment string     `json:"comment"`
}

// ValidateStep records a reviewer's verdict on a step (ch.CanValidate says
// who may) and tells the organizers. It returns the step as it now stands.
func (s *Service) ValidateStep(ctx context.Context, actor *ch.User, slug, stepID string, in ValidationInput) (ch.StepResult, error) {
	g, v, st, err := s.onStep(ctx, actor, slug, stepID)
	if err != nil {
		return ch.StepResult{}, err
	}
	p := s.Program(ctx)
	if err := ch.CanValidate(actor, st, v.Ambassador, v.Organizer, p); err != nil {
		return ch.StepResult{}, err
	}
	if former, err := s.coordinated(ctx, g, actor, p); err != nil {
		return ch.StepResult{}, err
	} else if former {
		return ch.StepResult{}, reviewsNothing(p, "validate its steps")
	}
	roles := ch.ValidatorRoles(actor, st, v.Ambassador, v.Organizer, p)
	hint := "Validate as " + roleNames(roles) + "."
	switch {
	case in.Role == "" && len(roles) == 1:
		in.Role = roles[0]
	case in.Role == "":
		return ch.StepResult{}, ch.Invalid("Say in which role you validate this step.", "role", hint)
	case !slices.Contains(roles, in.Role):
		return ch.StepResult{}, ch.Invalid(fmt.Sprintf("You cannot validate “%s” in that role.", st.Title), "role", hint)
	}
	val := ch.Validation{StepID: st.ID, Role: in.Role, Verdict: in.Verdict, Comment: in.Comment}
	err = s.DB.AddValidation(ctx, g.Slug, val, actor, s.Mail.notifyValidated(actor, st, val))
	if err := s.after(ctx, g, err); err != nil {
		return ch.StepResult{}, err
	}
	results, err := s.DB.StepResults(ctx, g, p)
	if err != nil {
		return ch.StepResult{}, err
	}
	i := slices.IndexFunc(results, func(r ch.StepResult) bool { return r.Step.ID == st.ID })
	return results[i], nil
}

func roleNames(roles []ch.Role) string {
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = string(r)
	}
	return strings.Join(names, " or ")
}

// CommentStep adds a message to a step's thread: whoever sees the checklist
// may. The organizers, except the author, are told.
func (s *Service) CommentStep(ctx context.Context, actor *ch.User, slug, stepID, body string) (ch.StepComment, error) {
	g, v, st, err := s.onStep(ctx, actor, slug, stepID)
	if err != nil {
		return ch.StepComment{}, err
	}
	if !v.CanSeeChecklist(s.Program(ctx)) {
		return ch.StepComment{}, forbidden("Only the group's organizers, its ambassadors and community managers comment on its steps.")
	}
	return s.DB.AddStepComment(ctx, g.Slug, st.ID, body, actor, s.Mail.notifyCommented(actor, st, strings.TrimSpace(body)))
}

// RequestReview lets the organizers ask for a step to be validated, with
// an optional note. The group's mentors are told, or the community managers
// while it has none: toMentors says which.
func (s *Service) RequestReview(ctx context.Context, actor *ch.User, slug, stepID, note string) (toMentors bool, err error) {
	g, v, st, err := s.onStep(ctx, actor, slug, stepID)
	if err != nil {
		return false, err
	}
	switch {
	case !v.CanRequestReview():
		return false, forbidden("Only the group's organizers ask for a review of its steps.")
	case len(st.Roles) == 0:
		return false, ch.Errorf(ch.ECONFLICT, "“%s” is checked by the portal; it needs no validation.", st.Title)
	}
	reviewers, err := s.DB.Ambassadors(ctx, g.ID)
	toMentors = len(reviewers) > 0
	if err == nil && !toMentors {
		reviewers, err = s.DB.UsersWithRole(ctx, ch.RoleCommunityManager)
	}
	if err != nil {
		return false, err
	}
	return toMentors, s.DB.RequestReview(ctx, g.Slug, st.ID, note, actor, s.Mail.notifyReviewRequested(actor, st, strings.TrimSpace(note), reviewers))
}

// MarkNotNeeded marks a step not needed for a group, with a reason shown on
// its checklist (ch.CanMarkNotNeeded says who may, and on which steps).
func (s *Service) MarkNotNeeded(ctx context.Context, actor *ch.User, slug, stepID, reason string) error {
	g, _, st, err := s.onStep(ctx, actor, slug, stepID)
	if err != nil {
		return err
	}
	if err := ch.CanMarkNotNeeded(actor, st, reason); err != nil {
		return err
	}
	return s.after(ctx, g, s.DB.SetStepNotNeeded(ctx, g.Slug, st.ID, reason, actor, nil))
}

// ClearNotNeeded withdraws a not-needed mark: the step counts again.
func (s *Service) ClearNotNeeded(ctx context.Context, actor *ch.User, slug, stepID string) error {
	g, v, st, err := s.onStep(ctx, actor, slug, stepID)
	if err != nil {
		return err
	}
	if !v.IsManager() {
		return forbidden("Only community managers mark steps not needed, or needed again.")
	}
	return s.after(ctx, g, s.DB.ClearStepNotNeeded(ctx, g.Slug, st.ID, actor, nil))
}

// AddAmbassador makes an ambassador a mentor of a group: with email empty,
// the actor signs up (ambassadors only); with an email, a community manager
// assigns that ambassador. The organizers and the ambassador are told. It
// returns who now mentors the group.
func (s *Service) AddAmbassador(ctx context.Context, actor *ch.User, slug, email string) (*Mentoring, error) {
	g, v, err := s.Group(ctx, actor, slug)
	if err != nil {
		return nil, err
	}
	email = strings.TrimSpace(email)
	mentor := actor
	const hint = "Give the address of an ambassador's account."
	switch {
	case email == "" && actor.Has(ch.RoleAmbassador):
	case !v.IsManager():
		return nil, forbidden("Only ambassadors sign up to mentor a group; community managers assign them.")
	case email == "":
		return nil, ch.Invalid("Give the ambassador's address.", "email", hint)
	default:
		if mentor, _, err = s.DB.UserByEmail(ctx, email); ch.ErrorCode(err) == ch.ENOTFOUND {
			return nil, ch.Invalid("No account has this address.", "email", hint)
		} else if err != nil {
			return nil, err
		}
		if !mentor.Has(ch.RoleAmbassador) {
			return nil, ch.Invalid(mentor.Name+" is not an ambassador: grant the role on People first.", "email",
				"Choose someone who holds the ambassador role.")
		}
	}
	p := s.Program(ctx)
	if former, err := s.coordinated(ctx, g, mentor, p); err != nil {
		return nil, err
	} else if former {
		if mentor == actor {
			return nil, reviewsNothing(p, "mentor it")
		}
		return nil, ch.Invalid(fmt.Sprintf("%s coordinated this group within the last %s, so they cannot mentor it.", mentor.Name, p.Validity()),
			"email", "Choose an ambassador who has not coordinated the group.")
	}
	if err := s.after(ctx, g, s.DB.AddAmbassador(ctx, g.Slug, mentor.ID, actor, s.Mail.notifyMentor(mentor, actor))); err != nil {
		return nil, err
	}
	mentors, err := s.DB.Ambassadors(ctx, g.ID)
	if err != nil {
		return nil, err
	}
	return &Mentoring{Group: g, Mentor: mentor, Mentors: mentors}, nil
}

// Mentoring is a group with the ambassador who just started mentoring it
// and all its mentors.
type Mentoring struct {
	Group   *ch.Group
	Mentor  *ch.User
	Mentors []*ch.User
}

// RemoveAmbassador ends the mentoring of the ambassador with id: community
// managers may, and the ambassador itself. Both sides are told.
func (s *Service) RemoveAmbassador(ctx context.Context, actor *ch.User, slug string, id int64) error {
	g, err := s.allowed(ctx, actor, slug, func(v ch.Viewer) bool { return v.CanRemoveAmbassador(id) }, "Only community managers, and the ambassador itself, end a mentoring.")
	if err != nil {
		return err
	}
	amb, err := s.DB.UserByID(ctx, id)
	if ch.ErrorCode(err) == ch.ENOTFOUND {
		return ch.Errorf(ch.ENOTFOUND, "This ambassador does not mentor the group.")
	} else if err != nil {
		return err
	}
	return s.after(ctx, g, s.DB.RemoveAmbassador(ctx, g.Slug, id, actor, s.Mail.notifyMentorEnded(amb, actor)))
}

// SetStatus is a community manager's decision on a group's standing:
// official (granted only when every step is met, evaluated in the same
// transaction), revoked or archived (each with a reason the organizers
// read). The organizers are told.
func (s *Service) SetStatus(ctx context.Context, actor *ch.User, slug string, to ch.Status, text string) (*ch.Group, error) {
	g, err := s.allowed(ctx, actor, slug, ch.Viewer.IsManager, "Only community managers grant, revoke or archive.")
	if err != nil {
		return nil, err
	}
	text = strings.TrimSpace(text)
	switch to {
	case ch.StatusOfficial:
		g, err = s.DB.GrantOfficial(ctx, g.Slug, text, s.Program(ctx), actor, s.Mail.notifyStatus(text))
	case ch.StatusRevoked, ch.StatusArchived:
		g, err = s.DB.ChangeStatus(ctx, g.Slug, to, text, actor, s.Mail.notifyStatus(text))
	default:
		return nil, ch.Invalid("Choose to grant, revoke or archive.", "status", "Use official, revoked or archived.")
	}
	if err != nil {
		return nil, err
	}
	// A group that leaves official status leaves its lapse behind.
	if _, err := s.followFacts(ctx, g, true); err != nil {
		s.Logger.Error("follow the facts", "group", g.Slug, "err", err)
	}
	return g, nil
}

// MeetingInput is a past meeting as an organizer records it.
type MeetingInput struct {
	ch.RecordedMeeting
	// Unparsed holds fields the entrance could not read (a date that is
	// not one).
	Unparsed map[string]string
}

// RecordMeeting records a past meeting of a group: its organizers and
// community managers may. It counts towards the meetings step from then on.
func (s *Service) RecordMeeting(ctx context.Context, actor *ch.User, slug string, in MeetingInput) (ch.RecordedMeeting, error) {
	g, err := s.allowed(ctx, actor, slug, ch.Viewer.CanEdit, "Only the group's organizers and community managers record its meetings.")
	if err != nil {
		return in.RecordedMeeting, err
	}
	if len(in.Unparsed) > 0 {
		fields := ch.FieldErrors{}
		for k, msg := range in.Unparsed {
			fields.Add(k, msg)
		}
		return in.RecordedMeeting, fields.Err()
	}
	m, err := s.DB.RecordMeeting(ctx, g.Slug, in.RecordedMeeting, actor)
	return m, s.after(ctx, g, err)
}

// DeleteMeeting removes a meeting recorded by mistake: its organizers and
// community managers may.
func (s *Service) DeleteMeeting(ctx context.Context, actor *ch.User, slug string, id int64) error {
	g, err := s.allowed(ctx, actor, slug, ch.Viewer.CanEdit, "Only the group's organizers and community managers remove its meetings.")
	if err != nil {
		return err
	}
	return s.after(ctx, g, s.DB.DeleteRecordedMeeting(ctx, g.Slug, id, actor))
}

// AcceptRhythm lets a community manager measure a group's meetings against
// another rhythm than the one it declared, with a note saying why (the
// process insists regularity differs between cultures).
func (s *Service) AcceptRhythm(ctx context.Context, actor *ch.User, slug string, r ch.AcceptedRhythm) error {
	g, err := s.allowed(ctx, actor, slug, ch.Viewer.IsManager, "Only community managers accept another meeting rhythm.")
	if err != nil {
		return err
	}
	return s.after(ctx, g, s.DB.SetAcceptedRhythm(ctx, g.Slug, r, actor))
}

// ClearRhythm measures a group's meetings against its declared cadence
// again.
func (s *Service) ClearRhythm(ctx context.Context, actor *ch.User, slug string) error {
	g, err := s.allowed(ctx, actor, slug, ch.Viewer.IsManager, "Only community managers accept another meeting rhythm.")
	if err != nil {
		return err
	}
	return s.after(ctx, g, s.DB.ClearAcceptedRhythm(ctx, g.Slug, actor))
}
