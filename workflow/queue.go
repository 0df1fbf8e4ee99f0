package workflow

import (
	"context"
	"slices"

	ch "chapterhouse"
	"chapterhouse/sqldb"
)

// QueueRequest is what a reviewer asks the review queue to show.
type QueueRequest struct {
	Kind   string // ch.QueueAll, QueueValidations or QueueDecisions
	StepID string // only this step; "" for every step
	State  string // only steps in this state; "" for waiting or expired
}

// QueueStates are the states a reviewer may filter the queue by.
var QueueStates = []ch.StepState{ch.StepAwaitingValidation, ch.StepExpired, ch.StepNeedsWork, ch.StepNotMet}

// ReviewQueue is the work waiting for a reviewer.
type ReviewQueue struct {
	Manager    bool
	Ambassador bool
	// For community managers: steps to validate and groups to decide on,
	// official groups that no longer meet a step, renamed official groups.
	Items   []sqldb.QueueItem
	Lapsed  []sqldb.LapsedGroup
	Renamed []sqldb.RenamedGroup
	// For ambassadors: the groups they mentor that wait for something, and
	// the groups that want a mentor.
	Mentored []sqldb.QueueItem
	Wanting  []*ch.Group
}

// Queue returns the review queue of a community manager or an ambassador.
// A request naming an unknown kind, step or state is refused with EINVALID
// and the problems by field.
func (s *Service) Queue(ctx context.Context, actor *ch.User, req QueueRequest) (*ReviewQueue, error) {
	q := &ReviewQueue{Manager: actor.IsCommunityManager(), Ambassador: actor.Has(ch.RoleAmbassador)}
	if !q.Manager && !q.Ambassador {
		return nil, forbidden("The review queue is for community managers and ambassadors.")
	}
	p := s.Program(ctx)
	f := ch.QueueFilter{Kind: req.Kind, StepID: req.StepID}
	fields := ch.FieldErrors{}
	if req.Kind != ch.QueueAll && req.Kind != ch.QueueValidations && req.Kind != ch.QueueDecisions {
		fields.Add("kind", "Choose what to list.")
	}
	if _, ok := p.Step(req.StepID); req.StepID != "" && !ok {
		fields.Add("step", "Choose a step of the program.")
	}
	if req.State != "" {
		if st := ch.StepState(req.State); slices.Contains(QueueStates, st) {
			f.States = []ch.StepState{st}
		} else {
			fields.Add("state", "Choose a state.")
		}
	}
	if err := fields.Err(); err != nil {
		return q, err
	}
	var err error
	if q.Manager {
		if q.Items, err = s.DB.ValidationQueue(ctx, p, f); err != nil {
			return nil, err
		}
		if q.Lapsed, err = s.DB.Lapses(ctx, p); err != nil {
			return nil, err
		}
		if q.Renamed, err = s.DB.PendingRenames(ctx); err != nil {
			return nil, err
		}
	}
	if q.Ambassador {
		mine := ch.QueueFilter{AmbassadorID: actor.ID, States: QueueStates}
		if q.Mentored, err = s.DB.ValidationQueue(ctx, p, mine); err != nil {
			return nil, err
		}
		if q.Wanting, err = s.DB.GroupsWantingMentor(ctx, p, 50); err != nil {
			return nil, err
		}
	}
	return q, nil
}
