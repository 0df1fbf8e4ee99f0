package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"

	ch "chapterhouse"
	"chapterhouse/sqldb"
)

type directoryData struct {
	Page       sqldb.GroupPage
	NextQuery  url.Values
	FirstQuery url.Values
	Cards      []card
	Q          string
	Country    string
	Status     string
	Sort       string
	Statuses   []ch.Status
	First      bool
}

// listFilter reads the directory's search and filters from a query string;
// the page and the API share it.
func listFilter(r *http.Request) (sqldb.GroupFilter, error) {
	q := r.URL.Query()
	f := sqldb.GroupFilter{Query: strings.TrimSpace(q.Get("q")), Country: strings.ToUpper(strings.TrimSpace(q.Get("country"))),
		Sort: q.Get("sort"), Cursor: q.Get("cursor")}
	fe := ch.FieldErrors{}
	if f.Sort != "" && f.Sort != sqldb.SortName && f.Sort != sqldb.SortNewest && f.Sort != sqldb.SortOldest {
		fe.Add("sort", "Sort by name, newest or oldest.")
	}
	if f.Country != "" {
		if _, ok := ch.CountryName(f.Country); !ok {
			fe.Add("country", "Use an ISO 3166 country code such as FR.")
		}
	}
	if len(f.Query) > 200 {
		fe.Add("q", "Search for at most 200 characters.")
	}
	if s := q.Get("status"); s != "" {
		st := ch.Status(s)
		switch {
		case !st.Valid():
			fe.Add("status", "Unknown status.")
		case !st.Public() && !userFrom(r).IsCommunityManager():
			fe.Add("status", "Only community managers can list groups in this status.")
		default:
			f.Statuses = []ch.Status{st}
		}
	}
	if l := q.Get("limit"); l != "" {
		n := 0
		for _, c := range l {
			if c < '0' || c > '9' || n > 1000 {
				n = -1
				break
			}
			n = n*10 + int(c-'0')
		}
		if n < 1 || n > 100 {
			fe.Add("limit", "Use a limit between 1 and 100.")
		}
		f.Limit = n
	}
	return f, fe.Err()
}

func (s *Server) directory(w http.ResponseWriter, r *http.Request) {
	if s.fromCache(w, r) {
		return
	}
	f, err := listFilter(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	page, err := s.DB.ListGroups(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	next := url.Values{}
	for k, v := range q {
		if k != "cursor" {
			next[k] = v
		}
	}
	first := url.Values{}
	for k, v := range next {
		first[k] = v
	}
	next.Set("cursor", page.NextCursor)
	statuses := ch.PublicStatuses
	if userFrom(r).IsCommunityManager() {
		statuses = ch.Statuses
	}
	s.render(w, r, http.StatusOK, "directory", "User groups", directoryData{
		Page: page, Cards: cards(page.Groups), NextQuery: next, FirstQuery: first, Q: f.Query, Country: f.Country, Status: q.Get("status"),
		Sort: f.Sort, Statuses: statuses, First: f.Cursor == "",
	})
}

func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	if s.fromCache(w, r) {
		return
	}
	page, err := s.DB.ListGroups(r.Context(), sqldb.GroupFilter{Sort: sqldb.SortNewest, Limit: 6})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "home", "User groups", struct {
		Total int
		Cards []card
	}{page.Total, cards(page.Groups)})
}

// loadGroup fetches a group the caller may see; groups the caller may not
// see are "not found", so their existence does not leak.
func (s *Server) loadGroup(ctx context.Context, r *http.Request) (*ch.Group, ch.Viewer, error) {
	u := userFrom(r)
	g, err := s.DB.GroupBySlug(ctx, r.PathValue("slug"))
	if err != nil {
		return nil, ch.Viewer{}, err
	}
	v := ch.Viewer{User: u}
	if u != nil {
		if v.Organizer, err = s.DB.IsOrganizer(ctx, g.ID, u); err != nil {
			return nil, v, err
		}
	}
	if !v.CanSee(g.Status) {
		return nil, v, ch.Errorf(ch.ENOTFOUND, "Group not found.")
	}
	return g, v, nil
}

type groupPageData struct {
	Group         *ch.Group
	Viewer        ch.Viewer
	Events        []ch.GroupEvent
	Completeness  ch.Completeness
	Similar       []ch.NamedGroup
	Policy        ch.Policy
	ShowContacts  bool
	ReviewForm    form
	CanReview     bool
	PolicyCurrent bool
}

func (s *Server) groupPage(w http.ResponseWriter, r *http.Request) {
	s.renderGroupPage(w, r, http.StatusOK, form{Values: url.Values{}, Errors: map[string]string{}})
}

func (s *Server) renderGroupPage(w http.ResponseWriter, r *http.Request, status int, review form) {
	ctx := r.Context()
	g, v, err := s.loadGroup(ctx, r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	events, err := s.DB.GroupEvents(ctx, g.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := groupPageData{Group: g, Viewer: v, ShowContacts: v.User != nil, ReviewForm: review,
		CanReview: g.Status == ch.StatusPending && v.User.IsCommunityManager()}
	if !v.CanEdit() {
		events = slices.DeleteFunc(events, func(e ch.GroupEvent) bool { return !e.Public() })
	} else {
		reqs, err := s.DB.Requirements(ctx)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		d.Completeness = g.Completeness(reqs)
		if d.Policy, err = s.DB.CurrentPolicy(ctx, ch.PolicySocialMedia); err != nil {
			s.fail(w, r, err)
			return
		}
		d.PolicyCurrent = g.PolicyVersion >= d.Policy.Version
	}
	if d.CanReview {
		named, err := s.DB.NamedGroups(ctx)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		d.Similar = ch.SimilarGroups(g.Name, g.ShortName, g.Slug, named)
	}
	d.Events = events
	s.render(w, r, status, "group", g.Name, d)
}

func (s *Server) applyForm(w http.ResponseWriter, r *http.Request) {
	p, err := s.DB.CurrentPolicy(r.Context(), ch.PolicySocialMedia)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "groupform", "Start a group", groupForm{Applying: true, Policy: p, Errors: map[string]string{}})
}

// checkApplication validates a profile and looks for groups with a similar
// name, which must be acknowledged before an application goes in.
func (s *Server) checkApplication(ctx context.Context, f *groupForm, app ch.Application, parseErrs map[string]string, self string) error {
	app.Normalize()
	err := app.Validate(f.Applying)
	fields := ch.FieldErrors{}
	for k, v := range ch.ErrorFields(err) {
		fields.Add(k, v)
	}
	for k, v := range parseErrs {
		fields[k] = v
	}
	if len(fields) > 0 {
		return fields.Err()
	}
	named, err := s.DB.NamedGroups(ctx)
	if err != nil {
		return err
	}
	f.Similar = ch.SimilarGroups(app.Name, app.ShortName, self, named)
	if len(f.Similar) > 0 && !f.ConfirmDistinct && f.Applying {
		return &ch.Error{Code: ch.EINVALID, Message: "A group with a similar name exists.",
			Fields: map[string]string{"confirm_distinct": "Check the groups listed. If yours is a different group, tick this box and submit again."}}
	}
	return nil
}

func (s *Server) apply(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	u := userFrom(r)
	f, parseErrs := parseGroupForm(r.PostForm)
	f.Applying = true
	app := withApplicant(f.App, u)
	err := s.checkApplication(ctx, &f, app, parseErrs, "")
	var g *ch.Group
	if err == nil {
		app.Normalize()
		g, err = s.createGroup(ctx, app, u)
	}
	if ch.ErrorCode(err) == ch.EINVALID {
		s.rerenderGroupForm(w, r, f, err)
		return
	} else if err != nil {
		s.fail(w, r, err)
		return
	}
	s.redirect(w, r, "/groups/"+g.Slug, "Thank you! Your application is in. A community manager will review it; we will mail you the decision.")
}

func (s *Server) rerenderGroupForm(w http.ResponseWriter, r *http.Request, f groupForm, err error) {
	f.Errors = ch.ErrorFields(err)
	if f.Errors == nil {
		f.Errors = map[string]string{}
	}
	f.Error = ch.ErrorMessage(err)
	p, perr := s.DB.CurrentPolicy(r.Context(), ch.PolicySocialMedia)
	if perr != nil {
		s.fail(w, r, perr)
		return
	}
	f.Policy = p
	title := "Start a group"
	if !f.Applying {
		title = "Edit " + f.SavedName
	}
	s.render(w, r, http.StatusUnprocessableEntity, "groupform", title, f)
}

func (s *Server) editForm(w http.ResponseWriter, r *http.Request) {
	g, v, err := s.loadGroup(r.Context(), r)
	if err == nil && !v.CanEdit() {
		err = ch.Errorf(ch.EFORBIDDEN, "Only the group's organizers and community managers can edit it.")
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := groupForm{App: ch.ApplicationOf(g), Slug: g.Slug, Errors: map[string]string{}}
	if g.Latitude != nil {
		f.Latitude, f.Longitude = ftoa(*g.Latitude), ftoa(*g.Longitude)
	}
	if f.Policy, err = s.DB.CurrentPolicy(r.Context(), ch.PolicySocialMedia); err != nil {
		s.fail(w, r, err)
		return
	}
	f.PolicyCurrent = g.PolicyVersion >= f.Policy.Version
	s.render(w, r, http.StatusOK, "groupform", "Edit "+g.Name, f)
}

func (s *Server) edit(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	g, v, err := s.loadGroup(ctx, r)
	if err == nil && !v.CanEdit() {
		err = ch.Errorf(ch.EFORBIDDEN, "Only the group's organizers and community managers can edit it.")
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f, parseErrs := parseGroupForm(r.PostForm)
	f.Slug, f.SavedName = g.Slug, g.Name
	err = s.checkApplication(ctx, &f, f.App, parseErrs, g.Slug)
	if err == nil {
		app := f.App
		app.Normalize()
		if len(app.Coordinators) == 0 {
			err = &ch.Error{Code: ch.EINVALID, Message: "A group needs at least one coordinator.", Fields: map[string]string{"coordinators": "Keep at least one coordinator."}}
		} else {
			_, err = s.DB.UpdateGroup(ctx, g.Slug, app, userFrom(r), s.notifyEdited(userFrom(r), g.Coordinators))
		}
	}
	if ch.ErrorCode(err) == ch.EINVALID {
		s.rerenderGroupForm(w, r, f, err)
		return
	} else if err != nil {
		s.fail(w, r, err)
		return
	}
	msg := "The group's profile is saved."
	if g.Status == ch.StatusDeclined {
		msg = "The application is sent again for review."
	}
	s.redirect(w, r, "/groups/"+g.Slug, msg)
}

func (s *Server) review(w http.ResponseWriter, r *http.Request) {
	d := ch.Decision(r.PostFormValue("decision"))
	_, err := s.DB.ReviewGroup(r.Context(), r.PathValue("slug"), d, r.PostFormValue("reason"), userFrom(r), s.notifyReviewed)
	if ch.ErrorCode(err) == ch.EINVALID {
		s.renderGroupPage(w, r, http.StatusUnprocessableEntity, formWithError(r, err))
		return
	} else if err != nil {
		s.fail(w, r, err)
		return
	}
	msg := "The group is accepted and now listed."
	if d == ch.Decline {
		msg = "The application is declined; the applicants were told why."
	}
	s.redirect(w, r, "/admin/applications", msg)
}

func (s *Server) applications(w http.ResponseWriter, r *http.Request) {
	page, err := s.DB.ListGroups(r.Context(), sqldb.GroupFilter{Statuses: []ch.Status{ch.StatusPending}, Sort: sqldb.SortOldest, Limit: 100})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "applications", "Applications to review", page)
}
