package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	ch "chapterhouse"
	"chapterhouse/sqldb"
	"chapterhouse/workflow"
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
// the page and the API share it. The filter's own rules are ch.GroupFilter's.
func listFilter(r *http.Request) (ch.GroupFilter, error) {
	q := r.URL.Query()
	f := ch.GroupFilter{Query: q.Get("q"), Country: q.Get("country"), Sort: q.Get("sort"), Cursor: q.Get("cursor")}
	if st := q.Get("status"); st != "" {
		f.Statuses = []ch.Status{ch.Status(st)}
	}
	if l := q.Get("limit"); l != "" {
		// Anything but a small positive number is "a limit that could not
		// be read", which Validate refuses.
		if n, err := strconv.Atoi(l); err == nil && n > 0 {
			f.Limit = n
		} else {
			f.Limit = -1
		}
	}
	f.Normalize()
	return f, f.Validate()
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
	page, err := s.flows.ListGroups(r.Context(), userFrom(r), f)
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
	page, err := s.DB.ListGroups(r.Context(), ch.GroupFilter{Sort: ch.SortByNewest, Limit: 6})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "home", "User groups", struct {
		Total int
		Cards []card
	}{page.Total, cards(page.Groups)})
}

// loadGroup fetches the group of the request for the signed-in person (or
// the public); groups they may not see are "not found".
func (s *Server) loadGroup(ctx context.Context, r *http.Request) (*ch.Group, ch.Viewer, error) {
	return s.flows.Group(ctx, userFrom(r), r.PathValue("slug"))
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
	// Rename is the group's new name waiting for a community manager, shown
	// to those who run the group.
	Rename *ch.Rename
}

func (s *Server) groupPage(w http.ResponseWriter, r *http.Request) {
	s.renderGroupPage(w, r, http.StatusOK, form{Values: url.Values{}, Errors: map[string]string{}})
}

// toListedSlug sends a request for a group's page by the slug it had as an
// application to the slug it took when listed, so that the page has one
// address. It reports whether it answered.
func toListedSlug(w http.ResponseWriter, r *http.Request, g *ch.Group) bool {
	if r.PathValue("slug") == g.Slug {
		return false
	}
	http.Redirect(w, r, "/groups/"+g.Slug, http.StatusMovedPermanently)
	return true
}

func (s *Server) renderGroupPage(w http.ResponseWriter, r *http.Request, status int, review form) {
	ctx := r.Context()
	g, v, err := s.loadGroup(ctx, r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if r.Method == http.MethodGet && toListedSlug(w, r, g) {
		return
	}
	events, err := s.DB.GroupEvents(ctx, g.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := groupPageData{Group: g, Viewer: v, ShowContacts: v.CanSeeContacts(), ReviewForm: review,
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
		if d.Rename, err = s.DB.PendingRename(ctx, g.ID); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	if d.CanReview {
		named, err := s.DB.NamedGroups(ctx, v.User)
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

func (s *Server) apply(w http.ResponseWriter, r *http.Request) {
	f, unparsed := parseGroupForm(r.PostForm)
	f.Applying = true
	g, similar, err := s.flows.Apply(r.Context(), userFrom(r), workflow.ProfileInput{Application: f.App, ConfirmDistinct: f.ConfirmDistinct, Unparsed: unparsed})
	f.Similar = similar
	if answersOnForm(err) {
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
	retryAfter(w, err)
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
	s.render(w, r, httpStatus(ch.ErrorCode(err)), "groupform", title, f)
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
	f, unparsed := parseGroupForm(r.PostForm)
	f.Slug = r.PathValue("slug")
	g, similar, err := s.flows.EditGroup(r.Context(), userFrom(r), f.Slug, workflow.ProfileInput{Application: f.App, Unparsed: unparsed})
	f.Similar = similar
	if answersOnForm(err) {
		f.SavedName = f.App.Name
		if cur, _, lerr := s.loadGroup(r.Context(), r); lerr == nil {
			f.SavedName = cur.Name
		}
		s.rerenderGroupForm(w, r, f, err)
		return
	} else if err != nil {
		s.fail(w, r, err)
		return
	}
	msg := "The group's profile is saved."
	if g.Status == ch.StatusPending {
		msg = "The group's profile is saved; the application is under review."
	}
	s.redirect(w, r, "/groups/"+g.Slug, msg)
}

func (s *Server) review(w http.ResponseWriter, r *http.Request) {
	d := ch.Decision(r.PostFormValue("decision"))
	_, err := s.flows.Review(r.Context(), userFrom(r), r.PathValue("slug"), d, r.PostFormValue("reason"))
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
	page, err := s.DB.ListGroups(r.Context(), ch.GroupFilter{Statuses: []ch.Status{ch.StatusPending}, Sort: ch.SortByOldest, Limit: 100})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "applications", "Applications to review", page)
}
