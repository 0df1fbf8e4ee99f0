// Package workflow holds one function per action a person can take on the
// portal: it takes the actor, checks permission with the domain's
// predicates, validates, writes in one transaction with its history event
// and queued mail, and returns a domain error code. Pages and the JSON API
// both call these functions and only translate HTTP, so the two entrances
// cannot drift apart.
package workflow

import (
	"context"
	"log/slog"
	"sync"

	ch "chapterhouse"
	"chapterhouse/files"
	"chapterhouse/sqldb"
)

// Service runs the workflows on one store.
type Service struct {
	DB *sqldb.DB
	// Default is the program in force until community managers save one
	// in the portal (serve --program, or the built-in one).
	Default  ch.Program
	programs programCache
	Mail     Mails
	Logger   *slog.Logger
	Hasher   Hasher
	// Files keeps the program's artwork; without it logos use the default.
	Files      files.Store
	art        artworkCache
	background sync.WaitGroup
	// dummyHash is checked against when an address has no account, so that
	// signing in takes as long either way.
	dummyHash string
	signingIn keyTurns
}

// New returns a Service; baseURL is the portal's public address, used in
// mailed links.
func New(db *sqldb.DB, hasher Hasher, program ch.Program, baseURL string, logger *slog.Logger) *Service {
	if len(program.Steps) == 0 {
		program = ch.DefaultProgram()
	}
	return &Service{DB: db, Default: program, Mail: Mails{BaseURL: baseURL}, Logger: logger, Hasher: hasher,
		dummyHash: hasher.Dummy(context.Background())}
}

// errNotFound is what a group the actor may not see answers, so that its
// existence does not leak.
var errNotFound = ch.Errorf(ch.ENOTFOUND, "Group not found.")

// Group loads a group for an actor (nil for the public) with what the
// actor is to it; groups the actor may not see are "not found".
func (s *Service) Group(ctx context.Context, actor *ch.User, slug string) (*ch.Group, ch.Viewer, error) {
	g, err := s.DB.GroupBySlug(ctx, slug)
	if err != nil {
		return nil, ch.Viewer{User: actor}, err
	}
	v, err := s.viewer(ctx, actor, g)
	if err != nil {
		return nil, v, err
	}
	if !v.CanSee(g.Status) {
		return nil, v, errNotFound
	}
	return g, v, nil
}

// viewer says what actor is to group g.
func (s *Service) viewer(ctx context.Context, actor *ch.User, g *ch.Group) (ch.Viewer, error) {
	v := ch.Viewer{User: actor, Organizer: g.HasCoordinator(actor)}
	if actor.Has(ch.RoleAmbassador) {
		var err error
		if v.Ambassador, err = s.DB.IsAmbassadorOf(ctx, g.ID, actor.ID); err != nil {
			return v, err
		}
	}
	return v, nil
}

// allowed loads a group for an actor who may act on it: may says who may,
// refusal what the others are told. Those who may not see the group are
// told it is not found.
func (s *Service) allowed(ctx context.Context, actor *ch.User, slug string, may func(ch.Viewer) bool, refusal string) (*ch.Group, error) {
	g, v, err := s.Group(ctx, actor, slug)
	if err != nil {
		return nil, err
	}
	if !may(v) {
		return nil, forbidden(refusal)
	}
	return g, nil
}

// checklistGroup loads a group whose checklist the actor may see; to anyone
// else the checklist is "not found".
func (s *Service) checklistGroup(ctx context.Context, actor *ch.User, slug string) (*ch.Group, ch.Viewer, error) {
	g, v, err := s.Group(ctx, actor, slug)
	if err != nil {
		return nil, v, err
	}
	if !v.CanSeeChecklist(s.Program(ctx)) {
		return nil, v, errNotFound
	}
	return g, v, nil
}

// step returns the program step with id.
func (s *Service) step(ctx context.Context, id string) (ch.Step, error) {
	st, ok := s.Program(ctx).Step(id)
	if !ok {
		return ch.Step{}, ch.Errorf(ch.ENOTFOUND, "This program has no step %q.", id)
	}
	return st, nil
}

func forbidden(msg string) error { return ch.Errorf(ch.EFORBIDDEN, "%s", msg) }
