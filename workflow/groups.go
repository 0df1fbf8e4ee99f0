package workflow

import (
	"context"
	"maps"
	"slices"
	"strings"

	ch "chapterhouse"
	"chapterhouse/sqldb"
)

// ProfileInput is a group profile as a person sent it.
type ProfileInput struct {
	ch.Application
	// ConfirmDistinct acknowledges that the groups with a similar name are
	// other groups; an application needs it when there are any.
	ConfirmDistinct bool `json:"confirm_distinct"`
	// Unparsed holds fields the entrance could not read (a latitude that is
	// not a number), reported with the domain's own findings.
	Unparsed map[string]string `json:"-"`
}

// checkProfile normalizes and validates a profile, and returns the groups
// whose name is like it (other than self) among those actor may see: an
// applicant is warned of listed groups and its own applications only, not
// of hidden applications of others.
func (s *Service) checkProfile(ctx context.Context, actor *ch.User, in *ProfileInput, applying bool, self string) ([]ch.NamedGroup, error) {
	in.Normalize()
	fields := ch.FieldErrors{}
	maps.Copy(fields, ch.ErrorFields(in.Validate(applying)))
	maps.Copy(fields, in.Unparsed)
	if !applying && len(in.Coordinators) == 0 {
		fields.Add("coordinators", "Keep at least one coordinator.")
	}
	if err := fields.Err(); err != nil {
		return nil, err
	}
	named, err := s.DB.NamedGroups(ctx, actor)
	if err != nil {
		return nil, err
	}
	return ch.SimilarGroups(in.Name, in.ShortName, self, named), nil
}

// Apply records an application to start a group, with the applicant as its
// first coordinator, and tells the applicant, the other coordinators and the
// community managers. A name like an existing group's must be acknowledged
// as another group: the returned similar groups say which. An applicant has
// a few applications waiting at most, and sends a few a day; the
// coordinators it lists are told within the limits of invite.
func (s *Service) Apply(ctx context.Context, actor *ch.User, in ProfileInput) (*ch.Group, []ch.NamedGroup, error) {
	if !actor.Verified() {
		return nil, nil, forbidden("Verify your email address before you apply.")
	}
	in.Application = withApplicant(in.Application, actor)
	similar, err := s.checkProfile(ctx, actor, &in, true, "")
	if err != nil {
		return nil, similar, err
	}
	if len(similar) > 0 && !in.ConfirmDistinct {
		return nil, similar, ch.Invalid("A group with a similar name exists.", "confirm_distinct",
			"Check the groups listed. If yours is a different group, confirm it and send the application again.")
	}
	switch waiting, err := s.DB.PendingApplications(ctx, actor.ID); {
	case err != nil:
		return nil, similar, err
	case waiting >= maxPendingApplications:
		return nil, similar, ch.Errorf(ch.ECONFLICT, "You have %d applications waiting for review already. Once a community manager has reviewed one, you can send another.", waiting)
	}
	if err := s.take(ctx, tooManyApplied, 1, applicationsBy(actor)); err != nil {
		return nil, similar, err
	}
	invited, err := s.invite(ctx, actor, in.Coordinators)
	if err != nil {
		return nil, similar, err
	}
	managers, err := s.DB.UsersWithRole(ctx, ch.RoleCommunityManager)
	if err != nil {
		return nil, similar, err
	}
	g, err := s.DB.CreateGroup(ctx, in.Application, actor, s.Mail.notifyApplied(actor, managers, invited))
	return g, similar, err
}

// withApplicant puts the applicant first among the coordinators, with the
// employer the application gives for them.
func withApplicant(a ch.Application, u *ch.User) ch.Application {
	// A clone: DeleteFunc works in place, and a rejected form re-renders the
	// coordinators as typed.
	a.Coordinators = slices.DeleteFunc(slices.Clone(a.Coordinators), func(c ch.Coordinator) bool { return ch.NormalizeEmail(c.Email) == u.Email })
	a.Coordinators = append([]ch.Coordinator{{Email: u.Email, Name: u.Name, Employer: strings.TrimSpace(a.Employer)}}, a.Coordinators...)
	return a
}

// EditGroup saves a group's profile: its organizers and community managers
// may. A declined application goes back to review; coordinators added are
// told. Similar names are returned for the editor to see, not refused.
func (s *Service) EditGroup(ctx context.Context, actor *ch.User, slug string, in ProfileInput) (*ch.Group, []ch.NamedGroup, error) {
	g, err := s.allowed(ctx, actor, slug, ch.Viewer.CanEdit, "Only the group's organizers and community managers can edit it.")
	if err != nil {
		return nil, nil, err
	}
	similar, err := s.checkProfile(ctx, actor, &in, false, g.Slug)
	if err != nil {
		return nil, similar, err
	}
	added := slices.DeleteFunc(slices.Clone(in.Coordinators), func(c ch.Coordinator) bool {
		return slices.ContainsFunc(g.Coordinators, func(b ch.Coordinator) bool { return b.Email == c.Email })
	})
	invited, err := s.invite(ctx, actor, added)
	if err != nil {
		return nil, similar, err
	}
	g, err = s.DB.UpdateGroup(ctx, g.Slug, in.Application, actor, s.Mail.notifyEdited(actor, invited))
	return g, similar, s.after(ctx, g, err)
}

// Review accepts or declines an application: community managers only. The
// coordinators are told, with the reason of a decline.
func (s *Service) Review(ctx context.Context, actor *ch.User, slug string, d ch.Decision, reason string) (*ch.Group, error) {
	g, err := s.allowed(ctx, actor, slug, ch.Viewer.IsManager, "Only community managers accept or decline applications.")
	if err != nil {
		return nil, err
	}
	return s.DB.ReviewGroup(ctx, g.Slug, d, reason, actor, s.Mail.notifyReviewed)
}

// DecideRename is a community manager's decision on the new name of an
// official group: accept it, or roll back to the name it had when it was
// granted (or last accepted). The organizers are told.
func (s *Service) DecideRename(ctx context.Context, actor *ch.User, slug string, d ch.RenameDecision, note string) (*ch.Group, error) {
	g, err := s.allowed(ctx, actor, slug, ch.Viewer.IsManager, "Only community managers accept or roll back the new name of an official group.")
	if err != nil {
		return nil, err
	}
	if d != ch.RenameAccept && d != ch.RenameRollBack {
		return nil, ch.Invalid("Choose to accept the new name or roll it back.", "decision", "Use accept or roll_back.")
	}
	note = strings.TrimSpace(note)
	g, err = s.DB.DecideRename(ctx, g.Slug, d, note, actor, func(r ch.Rename) ch.Notify { return s.Mail.notifyRenameDecided(d, r, note) })
	return g, s.after(ctx, g, err)
}

// ListGroups lists the directory as the actor may see it: listed groups for
// everyone; applications, declined and archived groups for community
// managers only.
func (s *Service) ListGroups(ctx context.Context, actor *ch.User, f ch.GroupFilter) (sqldb.GroupPage, error) {
	for _, st := range f.Statuses {
		if !(ch.Viewer{User: actor}).CanSee(st) {
			return sqldb.GroupPage{}, ch.Invalid("You cannot list these groups.", "status", "Only community managers can list groups in this status.")
		}
	}
	return s.DB.ListGroups(ctx, f)
}
