package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	ch "chapterhouse"
)

// programForm is the program editor's form filled with p.
func programForm(p ch.Program) url.Values {
	v := url.Values{"validation_validity": {p.ValidationValidity.String()}}
	for _, st := range p.Steps {
		v.Set("title-"+st.ID, st.Title)
		v.Set("guidance-"+st.ID, st.Guidance)
		for _, c := range st.Checks {
			prefix := st.ID + "-" + string(c.Kind) + "-"
			switch c.Kind {
			case ch.CheckCompleteness:
				v.Set(prefix+"min_percent", fmt.Sprint(c.MinPercent))
			case ch.CheckCoordinators:
				v.Set(prefix+"min_people", fmt.Sprint(c.MinPeople))
				v.Set(prefix+"min_employers", fmt.Sprint(c.MinEmployers))
			case ch.CheckChannels:
				v.Set(prefix+"min_channels", fmt.Sprint(c.MinChannels))
			case ch.CheckMeetings:
				v.Set(prefix+"ratio", fmt.Sprint(c.Ratio))
			case ch.CheckAmbassador:
				v.Set(prefix+"min_ambassadors", fmt.Sprint(c.MinAmbassadors))
			}
		}
	}
	return v
}

// Community managers edit guidance and thresholds; each save is a version
// and checklists use it at once.
func TestProgramEditor(t *testing.T) {
	p := newPortal(t)
	p.user("cm@example.org", "Cora Manager", ch.RoleCommunityManager)
	cm := p.browser().signIn("cm@example.org")
	form := programForm(ch.DefaultProgram())
	form.Set("organisation-coordinators-min_people", "3")
	form.Set("guidance-organisation", "Find **three** organizers.")
	form.Set("meetings-meetings-ratio", "7")
	resp, body := cm.post("/admin/program", form)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "value=\"7\"") {
		t.Fatalf("a ratio of 7: %d, want 422 with the typed value kept", resp.StatusCode)
	}
	form.Set("meetings-meetings-ratio", "0.5")
	if resp, body := cm.post("/admin/program", form); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", resp.StatusCode, body)
	}
	got, version, err := p.db.ProgramVersion(context.Background())
	if err != nil || version == 0 {
		t.Fatalf("no saved version: %v", err)
	}
	st, _ := got.Step("organisation")
	if st.Guidance != "Find **three** organizers." || st.Checks[0].MinPeople != 3 {
		t.Errorf("saved organisation step = %+v", st)
	}
	if p.srv.program(context.Background()).Steps[1].Title == "" {
		t.Error("the server does not use the saved program")
	}
	if got, _ := p.srv.program(context.Background()).Step("organisation"); got.Checks[0].MinPeople != 3 {
		t.Error("the server still uses the program from before the save")
	}
	if _, body := cm.get("/admin/program"); !strings.Contains(body, "Version ") || !strings.Contains(body, "Cora Manager") {
		t.Error("the editor does not list the saved version and who saved it")
	}
}
