package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	ch "chapterhouse"
	"chapterhouse/sqldb"
)

// programCache holds the program in force: the version community managers
// last saved in the portal, else the one serve started with (--program or
// the built-in default). Reading and parsing it on every request would cost
// more than the pages it serves, so it is refreshed every programTTL, and at
// once after a save here: other instances follow within programTTL.
type programCache struct {
	mu      sync.Mutex
	p       ch.Program
	version int
	at      time.Time
}

const programTTL = 2 * time.Second

// program returns the program in force. If the stored one cannot be read,
// the last known (or starting) one serves and the error is logged.
func (s *Server) program(ctx context.Context) ch.Program {
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
			c.p = s.Program
		}
	case v == 0:
		c.p, c.version = s.Program, 0
	default:
		c.p, c.version = p, v
	}
	c.at = time.Now()
	return c.p
}

func (s *Server) forgetProgram() {
	s.programs.mu.Lock()
	s.programs.at = time.Time{}
	s.programs.mu.Unlock()
}

type programData struct {
	Program ch.Program
	History []sqldb.ProgramChange
	Form    form
}

func (s *Server) programForm(w http.ResponseWriter, r *http.Request) {
	s.renderProgram(w, r, http.StatusOK, form{Values: url.Values{}, Errors: map[string]string{}}, s.program(r.Context()))
}

func (s *Server) renderProgram(w http.ResponseWriter, r *http.Request, status int, f form, p ch.Program) {
	history, err := s.DB.ProgramHistory(r.Context(), 20)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, status, "program", "Steps to official status", programData{Program: p, History: history, Form: f})
}

// saveProgram applies a community manager's edit of titles, guidance and
// thresholds to the program in force and stores it as a new version.
func (s *Server) saveProgram(w http.ResponseWriter, r *http.Request) {
	p := s.program(r.Context()).Clone()
	f := newForm(r)
	if v, err := ch.ParsePeriod(r.PostFormValue("validation_validity")); err != nil {
		f.Errors["validation_validity"] = "Write a period such as “12 months” or “90 days”."
	} else {
		p.ValidationValidity = v
	}
	p.AmbassadorsValidateAnyGroup = r.PostFormValue("ambassadors_validate_any_group") != ""
	number := func(field string, set func(float64)) {
		v := strings.TrimSpace(r.PostFormValue(field))
		x, err := strconv.ParseFloat(strings.ReplaceAll(v, ",", "."), 64)
		if err != nil {
			f.Errors[field] = "Enter a number."
			return
		}
		set(x)
	}
	for i := range p.Steps {
		st := &p.Steps[i]
		st.Title = strings.TrimSpace(r.PostFormValue("title-" + st.ID))
		st.Guidance = strings.TrimSpace(strings.ReplaceAll(r.PostFormValue("guidance-"+st.ID), "\r\n", "\n"))
		for j := range st.Checks {
			c := &st.Checks[j]
			prefix := st.ID + "-" + string(c.Kind) + "-"
			switch c.Kind {
			case ch.CheckCompleteness:
				number(prefix+"min_percent", func(x float64) { c.MinPercent = int(x) })
			case ch.CheckCoordinators:
				number(prefix+"min_people", func(x float64) { c.MinPeople = int(x) })
				number(prefix+"min_employers", func(x float64) { c.MinEmployers = int(x) })
			case ch.CheckChannels:
				number(prefix+"min_channels", func(x float64) { c.MinChannels = int(x) })
			case ch.CheckMeetings:
				number(prefix+"ratio", func(x float64) { c.Ratio = x })
			case ch.CheckAmbassador:
				number(prefix+"min_ambassadors", func(x float64) { c.MinAmbassadors = int(x) })
			}
		}
	}
	var err error
	if len(f.Errors) == 0 {
		if err = p.Validate(); err == nil {
			_, err = s.DB.SaveProgram(r.Context(), p, userFrom(r))
		}
	}
	if len(f.Errors) > 0 || ch.ErrorCode(err) == ch.EINVALID || ch.ErrorCode(err) == ch.ECONFLICT {
		if err != nil {
			f.Error = ch.ErrorMessage(err)
			for k, v := range ch.ErrorFields(err) {
				f.Errors[k] = v
			}
		} else {
			f.Error = "Some fields need attention."
		}
		s.renderProgram(w, r, http.StatusUnprocessableEntity, f, p)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.forgetProgram()
	s.redirect(w, r, "/admin/program", "The steps are saved as a new version; every group's checklist uses them now.")
}
