package workflow

import (
	"context"
	"sync"
	"time"

	ch "chapterhouse"
)

// programCache holds the program in force: the version community managers
// last saved in the portal, else the default. Reading and parsing it on
// every request would cost more than the pages it serves, so it is
// refreshed every programTTL, and at once after a save here: other
// instances follow within programTTL.
type programCache struct {
	mu sync.Mutex
	p  ch.Program
	at time.Time
}

const programTTL = 2 * time.Second

// Program returns the program in force: the path to official status every
// checklist, grant and sweep uses. If the stored one cannot be read, the
// last known (or the default) one serves and the error is logged.
func (s *Service) Program(ctx context.Context) ch.Program {
	c := &s.programs
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.at.IsZero() && time.Since(c.at) < programTTL {
		return c.p
	}
	p, v, err := s.DB.ProgramVersion(ctx)
	switch {
	case err != nil:
		s.Logger.Error("program", "err", err)
		if c.at.IsZero() {
			c.p = s.Default
		}
	case v == 0:
		c.p = s.Default
	default:
		c.p = p
	}
	c.at = time.Now()
	return c.p
}

// ForgetProgram makes the next Program read the stored one again.
func (s *Service) ForgetProgram() {
	s.programs.mu.Lock()
	s.programs.at = time.Time{}
	s.programs.mu.Unlock()
}
