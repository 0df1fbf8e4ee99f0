package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	ch "chapterhouse"
)

// A parity case is one action taken through its page and through the API.
type parityCase struct {
	action  string
	pending bool // on an application under review instead of a listed group
	// setup prepares a fresh group for the action and returns the values of
	// the placeholders its paths use ({amb}, {meeting}).
	setup     func(t *testing.T, w *authzWorld, slug string) map[string]string
	pageRoute string // "POST /pattern"
	pagePath  string
	form      func(w *authzWorld, as role) url.Values
	apiRoute  string // "METHOD /pattern"
	apiPath   string
	body      func(as role) string
}

// mentor makes the world's ambassador a mentor of the group.
func mentor(t *testing.T, w *authzWorld, slug string) map[string]string {
	amb := w.users[asAmbassador]
	if err := w.p.db.AddAmbassador(context.Background(), slug, amb.ID, w.users[asManager], nil); err != nil {
		t.Fatal(err)
	}
	return map[string]string{"{amb}": itoa(amb.ID)}
}

// renamedOfficial makes the group official, then renames it.
func renamedOfficial(t *testing.T, w *authzWorld, slug string) map[string]string {
	ctx := context.Background()
	if _, err := w.p.db.ChangeStatus(ctx, slug, ch.StatusOfficial, "", w.users[asManager], nil); err != nil {
		t.Fatal(err)
	}
	g, err := w.p.db.GroupBySlug(ctx, slug)
	if err != nil {
		t.Fatal(err)
	}
	app := ch.ApplicationOf(g)
	app.Name = "Alpha Snake Society"
	if _, err := w.p.db.UpdateGroup(ctx, slug, app, w.users[asOrganizer], nil); err != nil {
		t.Fatal(err)
	}
	return nil
}

func parityCases() []parityCase {
	form := func(kv ...string) func(*authzWorld, role) url.Values {
		return func(*authzWorld, role) url.Values {
			v := url.Values{}
			for i := 0; i < len(kv); i += 2 {
				v.Set(kv[i], kv[i+1])
			}
			return v
		}
	}
	body := func(s string) func(role) string { return func(role) string { return s } }
	// stepCase sends the same fields, as a form and as a JSON object, to one
	// of a step's sub-resources (validations, comments, review-request,
	// not-needed, which the API sets with PUT).
	stepCase := func(c parityCase, step, what string, kv ...string) parityCase {
		method := "POST"
		if what == "not-needed" {
			method = "PUT"
		}
		c.pageRoute, c.pagePath = "POST /groups/{slug}/steps/{step}/"+what, "/groups/{slug}/steps/"+step+"/"+what
		c.apiRoute, c.apiPath = method+" /api/v1/groups/{slug}/steps/{id}/"+what, "/api/v1"+c.pagePath
		c.form = form(kv...)
		fields := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			fields[kv[i]] = kv[i+1]
		}
		js, err := json.Marshal(fields)
		if err != nil {
			panic(err)
		}
		c.body = body(string(js))
		return c
	}
	ctx := context.Background()
	return []parityCase{
		{action: "apply", pageRoute: "POST /groups/new", pagePath: "/groups/new", form: func(_ *authzWorld, as role) url.Values {
			f := validApplication("Zeta Kotlin " + as.String() + " page")
			f.Set("confirm_distinct", "yes")
			return f
		}, apiRoute: "POST /api/v1/groups", apiPath: "/api/v1/groups", body: func(as role) string {
			return strings.Replace(createBody, `"name": "Delta %s Group"`, `"confirm_distinct": true, "name": "Zeta Kotlin `+as.String()+` api"`, 1)
		}},
		{action: "apply with a similar name, unconfirmed", pageRoute: "POST /groups/new", pagePath: "/groups/new", form: func(*authzWorld, role) url.Values {
			return validApplication("Alpha Python User Group")
		}, apiRoute: "POST /api/v1/groups", apiPath: "/api/v1/groups", body: func(role) string {
			return strings.Replace(createBody, "Delta %s Group", "Alpha Python User Group", 1)
		}},
		{action: "edit", pageRoute: "POST /groups/{slug}/edit", pagePath: "/groups/{slug}/edit", form: func(*authzWorld, role) url.Values {
			return editForm("Alpha Python User Group")
		}, apiRoute: "PATCH /api/v1/groups/{slug}", apiPath: "/api/v1/groups/{slug}", body: body(`{"cadence": "weekly"}`)},
		{action: "edit an application", pending: true, pageRoute: "POST /groups/{slug}/edit", pagePath: "/groups/{slug}/edit", form: func(*authzWorld, role) url.Values {
			return editForm("Gamma Elixir Club")
		}, apiRoute: "PATCH /api/v1/groups/{slug}", apiPath: "/api/v1/groups/{slug}", body: body(`{"cadence": "weekly"}`)},
		{action: "edit, dropping every coordinator", pageRoute: "POST /groups/{slug}/edit", pagePath: "/groups/{slug}/edit", form: func(*authzWorld, role) url.Values {
			f := editForm("Alpha Python User Group")
			f["coordinator_name"], f["coordinator_email"], f["coordinator_employer"] = []string{""}, []string{""}, []string{""}
			return f
		}, apiRoute: "PATCH /api/v1/groups/{slug}", apiPath: "/api/v1/groups/{slug}", body: body(`{"coordinators": []}`)},
		{action: "accept an application", pending: true, pageRoute: "POST /groups/{slug}/review", pagePath: "/groups/{slug}/review", form: form("decision", "accept"),
			apiRoute: "POST /api/v1/groups/{slug}/review", apiPath: "/api/v1/groups/{slug}/review", body: body(`{"decision": "accept"}`)},
		{action: "decline without a reason", pending: true, pageRoute: "POST /groups/{slug}/review", pagePath: "/groups/{slug}/review", form: form("decision", "decline"),
			apiRoute: "POST /api/v1/groups/{slug}/review", apiPath: "/api/v1/groups/{slug}/review", body: body(`{"decision": "decline"}`)},
		stepCase(parityCase{action: "validate a step"}, "organisation", "validations", "verdict", "pass", "comment", "Fine."),
		stepCase(parityCase{action: "validate a step of a mentored group", setup: mentor}, "organisation", "validations", "verdict", "pass"),
		stepCase(parityCase{action: "validate an application's step", pending: true}, "organisation", "validations", "verdict", "pass"),
		stepCase(parityCase{action: "ask for changes without a comment", setup: mentor}, "organisation", "validations", "verdict", "needs_work"),
		stepCase(parityCase{action: "validate a step the portal checks"}, "channels", "validations", "verdict", "pass"),
		stepCase(parityCase{action: "validate a step that does not exist"}, "no-such-step", "validations", "verdict", "pass"),
		stepCase(parityCase{action: "comment on a step"}, "organisation", "comments", "body", "A question."),
		stepCase(parityCase{action: "comment on a mentored group's step", setup: mentor}, "organisation", "comments", "body", "A question."),
		stepCase(parityCase{action: "post an empty comment"}, "organisation", "comments", "body", " "),
		stepCase(parityCase{action: "ask for a validation"}, "organisation", "review-request", "note", "We have two employers now."),
		stepCase(parityCase{action: "mark a step not needed"}, "mentor", "not-needed", "reason", "An established group."),
		stepCase(parityCase{action: "mark a step not needed without a reason"}, "mentor", "not-needed", "reason", ""),
		{action: "need a step again", setup: func(t *testing.T, w *authzWorld, slug string) map[string]string {
			if err := w.p.db.SetStepNotNeeded(ctx, slug, "mentor", "Established.", w.users[asManager], nil); err != nil {
				t.Fatal(err)
			}
			return nil
		}, pageRoute: "POST /groups/{slug}/steps/{step}/not-needed", pagePath: "/groups/{slug}/steps/mentor/not-needed",
			form: form("action", "clear"), apiRoute: "DELETE /api/v1/groups/{slug}/steps/{id}/not-needed",
			apiPath: "/api/v1/groups/{slug}/steps/mentor/not-needed"},
		{action: "sign up to mentor", pageRoute: "POST /groups/{slug}/ambassadors", pagePath: "/groups/{slug}/ambassadors", form: form(),
			apiRoute: "POST /api/v1/groups/{slug}/ambassadors", apiPath: "/api/v1/groups/{slug}/ambassadors", body: body(`{}`)},
		{action: "assign an ambassador", pageRoute: "POST /groups/{slug}/ambassadors", pagePath: "/groups/{slug}/ambassadors", form: form("email", "amb@example.org"),
			apiRoute: "POST /api/v1/groups/{slug}/ambassadors", apiPath: "/api/v1/groups/{slug}/ambassadors", body: body(`{"email": "amb@example.org"}`)},
		{action: "assign someone who is no ambassador", pageRoute: "POST /groups/{slug}/ambassadors", pagePath: "/groups/{slug}/ambassadors", form: form("email", "mem@example.org"),
			apiRoute: "POST /api/v1/groups/{slug}/ambassadors", apiPath: "/api/v1/groups/{slug}/ambassadors", body: body(`{"email": "mem@example.org"}`)},
		{action: "sign up to mentor twice", setup: mentor, pageRoute: "POST /groups/{slug}/ambassadors", pagePath: "/groups/{slug}/ambassadors", form: form(),
			apiRoute: "POST /api/v1/groups/{slug}/ambassadors", apiPath: "/api/v1/groups/{slug}/ambassadors", body: body(`{}`)},
		{action: "end a mentoring", setup: mentor, pageRoute: "POST /groups/{slug}/ambassadors/{id}/remove", pagePath: "/groups/{slug}/ambassadors/{amb}/remove", form: form(),
			apiRoute: "DELETE /api/v1/groups/{slug}/ambassadors/{uid}", apiPath: "/api/v1/groups/{slug}/ambassadors/{amb}"},
		{action: "grant official status with steps open", pageRoute: "POST /groups/{slug}/status", pagePath: "/groups/{slug}/status", form: form("status", "official"),
			apiRoute: "POST /api/v1/groups/{slug}/status", apiPath: "/api/v1/groups/{slug}/status", body: body(`{"status": "official"}`)},
		{action: "revoke official status", setup: func(t *testing.T, w *authzWorld, slug string) map[string]string {
			if _, err := w.p.db.ChangeStatus(ctx, slug, ch.StatusOfficial, "", w.users[asManager], nil); err != nil {
				t.Fatal(err)
			}
			return nil
		}, pageRoute: "POST /groups/{slug}/status", pagePath: "/groups/{slug}/status", form: form("status", "revoked", "reason", "No meetings for a year."),
			apiRoute: "POST /api/v1/groups/{slug}/status", apiPath: "/api/v1/groups/{slug}/status", body: body(`{"status": "revoked", "reason": "No meetings for a year."}`)},
		{action: "revoke a group that is not official", pageRoute: "POST /groups/{slug}/status", pagePath: "/groups/{slug}/status", form: form("status", "revoked", "reason", "No meetings."),
			apiRoute: "POST /api/v1/groups/{slug}/status", apiPath: "/api/v1/groups/{slug}/status", body: body(`{"status": "revoked", "reason": "No meetings."}`)},
		{action: "archive without a reason", pageRoute: "POST /groups/{slug}/status", pagePath: "/groups/{slug}/status", form: form("status", "archived"),
			apiRoute: "POST /api/v1/groups/{slug}/status", apiPath: "/api/v1/groups/{slug}/status", body: body(`{"status": "archived"}`)},
		{action: "archive", pageRoute: "POST /groups/{slug}/status", pagePath: "/groups/{slug}/status", form: form("status", "archived", "reason", "The group stopped."),
			apiRoute: "POST /api/v1/groups/{slug}/status", apiPath: "/api/v1/groups/{slug}/status", body: body(`{"status": "archived", "reason": "The group stopped."}`)},
		{action: "record a meeting", pageRoute: "POST /groups/{slug}/meetings", pagePath: "/groups/{slug}/meetings",
			form:     form("held_on", "2024-03-01", "title", "Lightning talks", "format", "in_person", "attendance", "12"),
			apiRoute: "POST /api/v1/groups/{slug}/meetings", apiPath: "/api/v1/groups/{slug}/meetings",
			body: body(`{"held_on": "2024-03-01", "title": "Lightning talks", "format": "in_person", "attendance": 12}`)},
		{action: "record a meeting with a bad date", pageRoute: "POST /groups/{slug}/meetings", pagePath: "/groups/{slug}/meetings",
			form:     form("held_on", "March 1st", "title", "Lightning talks", "format", "in_person"),
			apiRoute: "POST /api/v1/groups/{slug}/meetings", apiPath: "/api/v1/groups/{slug}/meetings",
			body: body(`{"held_on": "March 1st", "title": "Lightning talks", "format": "in_person"}`)},
		{action: "remove a recorded meeting", setup: func(t *testing.T, w *authzWorld, slug string) map[string]string {
			m, err := w.p.db.RecordMeeting(ctx, slug, ch.RecordedMeeting{HeldOn: time.Now().AddDate(0, -1, 0), Title: "Talks", Format: "online"}, w.users[asOrganizer])
			if err != nil {
				t.Fatal(err)
			}
			return map[string]string{"{meeting}": itoa(m.ID)}
		}, pageRoute: "POST /groups/{slug}/meetings/{id}/delete", pagePath: "/groups/{slug}/meetings/{meeting}/delete", form: form(),
			apiRoute: "DELETE /api/v1/groups/{slug}/meetings/{mid}", apiPath: "/api/v1/groups/{slug}/meetings/{meeting}"},
		{action: "roll back the new name of an official group", setup: renamedOfficial, pageRoute: "POST /groups/{slug}/rename", pagePath: "/groups/{slug}/rename",
			form: form("decision", "roll_back"), apiRoute: "POST /api/v1/groups/{slug}/rename", apiPath: "/api/v1/groups/{slug}/rename",
			body: body(`{"decision": "roll_back"}`)},
		{action: "accept a new name that nobody asked for", pageRoute: "POST /groups/{slug}/rename", pagePath: "/groups/{slug}/rename",
			form: form("decision", "accept"), apiRoute: "POST /api/v1/groups/{slug}/rename", apiPath: "/api/v1/groups/{slug}/rename",
			body: body(`{"decision": "accept"}`)},
		{action: "decide a rename without a decision", setup: renamedOfficial, pageRoute: "POST /groups/{slug}/rename", pagePath: "/groups/{slug}/rename",
			form: form(), apiRoute: "POST /api/v1/groups/{slug}/rename", apiPath: "/api/v1/groups/{slug}/rename", body: body(`{}`)},
		{action: "accept another rhythm", pageRoute: "POST /groups/{slug}/rhythm", pagePath: "/groups/{slug}/rhythm",
			form: form("cadence", "quarterly", "note", "A big event each quarter suits this city."), apiRoute: "PUT /api/v1/groups/{slug}/rhythm",
			apiPath: "/api/v1/groups/{slug}/rhythm", body: body(`{"cadence": "quarterly", "note": "A big event each quarter suits this city."}`)},
		{action: "go back to the declared cadence", setup: func(t *testing.T, w *authzWorld, slug string) map[string]string {
			if err := w.p.db.SetAcceptedRhythm(ctx, slug, ch.AcceptedRhythm{Cadence: "quarterly", Note: "Quarterly suits."}, w.users[asManager]); err != nil {
				t.Fatal(err)
			}
			return nil
		}, pageRoute: "POST /groups/{slug}/rhythm", pagePath: "/groups/{slug}/rhythm", form: form("action", "clear"),
			apiRoute: "DELETE /api/v1/groups/{slug}/rhythm", apiPath: "/api/v1/groups/{slug}/rhythm"},
	}
}

// outcome is what a person learns from an answer: done, or which refusal.
func outcome(api bool, status int) string {
	switch {
	case !api && status == http.StatusSeeOther, api && status >= 200 && status < 300:
		return "done"
	}
	return fmt.Sprintf("refused %d", status)
}

// TestPageAPIParity takes every action on a group through its page and
// through the API, as every role, each time on a fresh group in the same
// state, and requires the same outcome. Every page form acting on a group
// and every API write must have a case, so a new action must be added here.
func TestPageAPIParity(t *testing.T) {
	cases := parityCases()
	w := newAuthzWorld(t)
	covered := map[string]bool{}
	for _, c := range cases {
		covered[c.pageRoute], covered[c.apiRoute] = true, true
	}
	for _, r := range w.p.srv.Routes() {
		method, pattern, _ := strings.Cut(r, " ")
		action := method != "GET" && (strings.HasPrefix(pattern, "/groups/") || strings.HasPrefix(pattern, "/api/"))
		if action && !covered[r] {
			t.Errorf("%s has no parity case", r)
		}
	}
	org, una, cm := w.users[asOrganizer], w.users[asUnverified], w.users[asManager]
	n := 0
	fresh := func(c parityCase) (string, map[string]string) {
		n++
		// The same name each time: the edit form sends it back unchanged.
		name := "Alpha Python User Group"
		if c.pending {
			name = "Gamma Elixir Club"
		}
		g, err := w.p.db.CreateGroup(context.Background(), groupApp(name, "FR", coordinator(org, "Acme"), coordinator(una, "Initech")), org, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !c.pending {
			if _, err := w.p.db.ReviewGroup(context.Background(), g.Slug, ch.Accept, "", cm, nil); err != nil {
				t.Fatal(err)
			}
		}
		vars := map[string]string{"{slug}": g.Slug}
		if c.setup != nil {
			for k, v := range c.setup(t, w, g.Slug) {
				vars[k] = v
			}
		}
		return g.Slug, vars
	}
	fill := func(path string, vars map[string]string) string {
		for k, v := range vars {
			path = strings.ReplaceAll(path, k, v)
		}
		return path
	}
	for _, c := range cases {
		for as := asAnon; as < nRoles; as++ {
			_, pv := fresh(c)
			_, av := fresh(c)
			var f url.Values
			if c.form != nil {
				f = c.form(w, as)
			}
			pageMethod, _, _ := strings.Cut(c.pageRoute, " ")
			presp, pbody := w.send(pageMethod, fill(c.pagePath, pv), as, f, "")
			b := ""
			if c.body != nil {
				b = c.body(as)
			}
			apiMethod, _, _ := strings.Cut(c.apiRoute, " ")
			aresp, abody := w.send(apiMethod, fill(c.apiPath, av), as, nil, b)
			page, api := outcome(false, presp.StatusCode), outcome(true, aresp.StatusCode)
			if page != api {
				t.Errorf("%s as %s: page %s, API %s\npage: %.200s\nAPI: %.300s", c.action, as, page, api, pbody, abody)
			}
		}
	}
}
