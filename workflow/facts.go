package workflow

import (
	"context"
	"errors"

	ch "chapterhouse"
)

// Official status follows the facts (see ch.FollowFacts): after every change
// that can make an official group fail a step, and in a periodic sweep for
// what time alone changes (a validation expiring, meetings growing old, a
// policy version nobody agreed to yet), the group's steps are evaluated on
// its locked row and a new failure is told once to its organizers, its
// mentors and the community managers. Nothing is revoked automatically.

// followFacts records the lapse of g. Community managers are told here
// after a change (withManagers), or in one digest after a sweep.
func (s *Service) followFacts(ctx context.Context, g *ch.Group, withManagers bool) ([]ch.StepResult, error) {
	c, err := s.DB.FollowFacts(ctx, g.Slug, s.Program(ctx), func(g *ch.Group, newly []ch.StepResult, mentors, managers []*ch.User) []ch.Mail {
		if !withManagers {
			managers = nil
		}
		return s.Mail.lapsed(g, newly, mentors, managers)
	})
	return c.Newly, err
}

// after runs followFacts once a change to an official group is written.
// The change stands whatever happens next, so a failure here is logged,
// not returned: the next sweep records the lapse.
func (s *Service) after(ctx context.Context, g *ch.Group, err error) error {
	if err != nil || g.Status != ch.StatusOfficial {
		return err
	}
	if _, ferr := s.followFacts(ctx, g, true); ferr != nil {
		s.Logger.Error("follow the facts", "group", g.Slug, "err", ferr)
	}
	return nil
}

// SweepOfficial evaluates every official group (and every group with a
// recorded lapse), as the server does periodically. Organizers and mentors
// are told of each group's new failures; community managers get one mail
// listing every group that newly failed a step in this sweep, rather than
// one per group. It returns the number of groups that newly failed a step.
func (s *Service) SweepOfficial(ctx context.Context) (int, error) {
	groups, err := s.DB.GroupsWithChangedFacts(ctx, s.Program(ctx))
	if err != nil {
		return 0, err
	}
	var lapsed []LapsedGroup
	var errs []error
	for _, g := range groups {
		newly, err := s.followFacts(ctx, g, false)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if len(newly) > 0 {
			lapsed = append(lapsed, LapsedGroup{Group: g, Newly: newly})
		}
	}
	if len(lapsed) > 0 {
		managers, err := s.DB.UsersWithRole(ctx, ch.RoleCommunityManager)
		if err == nil {
			err = s.DB.Enqueue(ctx, s.Mail.lapsedDigest(lapsed, managers)...)
		}
		errs = append(errs, err)
	}
	return len(lapsed), errors.Join(errs...)
}

// LapsedGroup is a group that newly failed steps in a sweep.
type LapsedGroup struct {
	Group *ch.Group
	Newly []ch.StepResult
}
