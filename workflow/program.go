package workflow

import (
	"context"
	"strings"
	"unicode/utf8"

	ch "chapterhouse"
)

// MaxPolicyLen bounds the text of a policy version, in characters.
const MaxPolicyLen = 100_000

// PublishPolicy publishes a new version of the Social Media and Event
// Policy: community managers only. The coordinators of every listed group
// are asked, once each and in the same transaction, to agree again.
func (s *Service) PublishPolicy(ctx context.Context, actor *ch.User, body string) (int, error) {
	if !actor.IsCommunityManager() {
		return 0, forbidden("Only community managers publish the policy.")
	}
	body = strings.TrimSpace(strings.ReplaceAll(body, "\r\n", "\n"))
	current, err := s.DB.CurrentPolicy(ctx, ch.PolicySocialMedia)
	if err != nil {
		return 0, err
	}
	switch {
	case body == "":
		return 0, ch.Invalid("The policy cannot be empty.", "body", "Write the policy.")
	case utf8.RuneCountInString(body) > MaxPolicyLen:
		return 0, ch.Invalid("The policy is too long.", "body", ch.AtMostChars(MaxPolicyLen))
	case body == strings.TrimSpace(current.Body):
		return 0, ch.Invalid("Nothing changed.", "body", "Edit the text to publish a new version.")
	}
	v, err := s.DB.PublishPolicyAsking(ctx, ch.PolicySocialMedia, body, actor.ID, s.Mail.AskToAgree)
	if err != nil {
		return 0, err
	}
	// Every official group fails its policy step until it agrees again.
	s.sweepAfter(ctx, "a new policy version")
	return v, nil
}

// SetRole grants or removes a program-wide role: community managers only,
// and never their own community manager role (another one must), so that a
// program cannot lose its last manager by accident. The change is logged.
func (s *Service) SetRole(ctx context.Context, actor *ch.User, userID int64, role ch.Role, grant bool) (*ch.User, error) {
	if !actor.IsCommunityManager() {
		return nil, forbidden("Only community managers grant and remove roles.")
	}
	if !grant && userID == actor.ID && role == ch.RoleCommunityManager {
		return nil, ch.Errorf(ch.ECONFLICT, "You cannot remove your own community manager role; ask another community manager.")
	}
	target, err := s.DB.UserByID(ctx, userID)
	if err != nil {
		return nil, err
	}
	// The groups an ambassador mentors lose their mentor with the role.
	var mentored []*ch.Group
	if !grant && role == ch.RoleAmbassador {
		if mentored, err = s.DB.MentoredGroups(ctx, userID); err != nil {
			return nil, err
		}
	}
	if err := s.DB.SetRole(ctx, userID, role, grant, actor.ID); err != nil {
		return nil, err
	}
	for _, g := range mentored {
		s.after(ctx, g, nil)
	}
	return target, nil
}

// SaveProgram stores a community manager's edit of the steps (titles,
// guidance, thresholds) as a new version of the program, in force at once.
// New thresholds can make official groups fail a step: they are followed
// at once.
func (s *Service) SaveProgram(ctx context.Context, actor *ch.User, p ch.Program) (int, error) {
	if !actor.IsCommunityManager() {
		return 0, forbidden("Only community managers change the steps to official status.")
	}
	if err := p.Validate(); err != nil {
		return 0, err
	}
	v, err := s.DB.SaveProgram(ctx, p, actor)
	if err != nil {
		return 0, err
	}
	s.ForgetProgram()
	s.sweepAfter(ctx, "a new program version")
	return v, nil
}

// SetRequirements sets the contact fields a group's profile must fill for
// the completeness check; official groups are followed at once.
func (s *Service) SetRequirements(ctx context.Context, actor *ch.User, reqs []ch.Requirement) error {
	if !actor.IsCommunityManager() {
		return forbidden("Only community managers change the completeness requirements.")
	}
	if err := s.DB.SetRequirements(ctx, reqs); err != nil {
		return err
	}
	s.sweepAfter(ctx, "new completeness requirements")
	return nil
}

// sweepAfter follows every official group after a change to the program's
// rules, in the background: a new policy version can lapse thousands of
// groups (some 4 s at 4,000 official groups on SQLite), longer than a
// person should wait for the page. The change stands whatever the sweep
// finds, so its failure is logged: the periodic sweep catches up. Wait
// waits for it.
func (s *Service) sweepAfter(ctx context.Context, what string) {
	ctx = context.WithoutCancel(ctx)
	s.background.Go(func() {
		if _, err := s.SweepOfficial(ctx); err != nil {
			s.Logger.Error("follow the facts after "+what, "err", err)
		}
	})
}

// Wait waits for the work started in the background (sweeps after a
// change of rules) to finish: at shutdown, and in tests.
func (s *Service) Wait() { s.background.Wait() }
