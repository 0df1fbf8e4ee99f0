package workflow

import (
	"context"
	"fmt"
	"strings"

	ch "chapterhouse"
)

// MaxPolicyLen bounds the text of a policy version, in bytes.
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
	case len(body) > MaxPolicyLen:
		return 0, ch.Invalid("The policy is too long.", "body", fmt.Sprintf("Keep the policy under %s characters.", thousands(MaxPolicyLen)))
	case body == strings.TrimSpace(current.Body):
		return 0, ch.Invalid("Nothing changed.", "body", "Edit the text to publish a new version.")
	}
	return s.DB.PublishPolicyAsking(ctx, ch.PolicySocialMedia, body, actor.ID, s.Mail.AskToAgree)
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
	return target, s.DB.SetRole(ctx, userID, role, grant, actor.ID)
}

// thousands writes n with comma separators, as the portal's messages do.
func thousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
