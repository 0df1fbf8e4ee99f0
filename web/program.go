package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	ch "chapterhouse"
	"chapterhouse/sqldb"
)

// program returns the program in force (see workflow.Service.Program).
func (s *Server) program(ctx context.Context) ch.Program { return s.flows.Program(ctx) }

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
		_, err = s.flows.SaveProgram(r.Context(), userFrom(r), p)
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
	s.redirect(w, r, "/admin/program", "The steps are saved as a new version; every group's checklist uses them now.")
}
