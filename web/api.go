package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	ch "chapterhouse"
)

type apiCompleteness struct {
	Percent int      `json:"percent"`
	Missing []string `json:"missing"`
}

type apiGroup struct {
	Slug            string              `json:"slug"`
	URL             string              `json:"url"`
	Name            string              `json:"name"`
	ShortName       string              `json:"short_name"`
	Description     string              `json:"description"`
	City            string              `json:"city"`
	Country         string              `json:"country"`
	Latitude        *float64            `json:"latitude"`
	Longitude       *float64            `json:"longitude"`
	TimeZone        string              `json:"time_zone"`
	Cadence         ch.Cadence          `json:"cadence"`
	Status          ch.Status           `json:"status"`
	DeclineReason   string              `json:"decline_reason,omitempty"`
	OrganiserEmails []string            `json:"organiser_emails,omitempty"`
	URLs            []string            `json:"urls,omitempty"`
	Channels        []ch.Channel        `json:"channels,omitempty"`
	Coordinators    []ch.Coordinator    `json:"coordinators,omitempty"`
	Completeness    *apiCompleteness    `json:"completeness,omitempty"`
	SimilarGroups   []map[string]string `json:"similar_groups,omitempty"`
	CreatedAt       time.Time           `json:"created_at"`
	UpdatedAt       time.Time           `json:"updated_at"`
}

// toAPI shapes a group for a viewer: coordinators' emails and the decline
// reason only for those who run the group, organiser emails only for people
// signed in.
func (s *Server) toAPI(g *ch.Group, v ch.Viewer, detail bool, reqs []ch.Requirement) apiGroup {
	a := apiGroup{Slug: g.Slug, URL: s.link("/groups/" + g.Slug), Name: g.Name, ShortName: g.ShortName, Description: g.Description,
		City: g.City, Country: g.Country, Latitude: g.Latitude, Longitude: g.Longitude, TimeZone: g.TimeZone,
		Cadence: g.Cadence, Status: g.Status, CreatedAt: g.CreatedAt, UpdatedAt: g.UpdatedAt}
	if !detail {
		return a
	}
	a.URLs, a.Channels = g.URLs, g.Channels
	if v.User != nil {
		a.OrganiserEmails = g.OrganiserEmails
	}
	for _, c := range g.Coordinators {
		if !v.CanEdit() {
			c.Email = ""
		}
		a.Coordinators = append(a.Coordinators, c)
	}
	if v.CanEdit() {
		a.DeclineReason = g.DeclineReason
	}
	c := g.Completeness(reqs)
	a.Completeness = &apiCompleteness{Percent: c.Percent, Missing: c.Missing}
	if a.Completeness.Missing == nil {
		a.Completeness.Missing = []string{}
	}
	return a
}

func (s *Server) apiListGroups(w http.ResponseWriter, r *http.Request) {
	f, err := listFilter(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	page, err := s.DB.ListGroups(r.Context(), f)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := struct {
		Groups     []apiGroup `json:"groups"`
		Total      int        `json:"total"`
		NextCursor string     `json:"next_cursor"`
	}{Groups: []apiGroup{}, Total: page.Total, NextCursor: page.NextCursor}
	for _, g := range page.Groups {
		out.Groups = append(out.Groups, s.toAPI(g, ch.Viewer{User: userFrom(r)}, false, nil))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) writeGroup(w http.ResponseWriter, r *http.Request, status int, g *ch.Group, v ch.Viewer, similar []ch.NamedGroup) {
	reqs, err := s.DB.Requirements(r.Context())
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	a := s.toAPI(g, v, true, reqs)
	for _, n := range similar {
		a.SimilarGroups = append(a.SimilarGroups, map[string]string{"slug": n.Slug, "name": n.Name})
	}
	if status == http.StatusCreated {
		w.Header().Set("Location", "/api/v1/groups/"+g.Slug)
	}
	writeJSON(w, status, map[string]apiGroup{"group": a})
}

func (s *Server) apiGetGroup(w http.ResponseWriter, r *http.Request) {
	g, v, err := s.loadGroup(r.Context(), r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeGroup(w, r, http.StatusOK, g, v, nil)
}

// decodeJSON reads a JSON body strictly: unknown fields are refused so a
// misspelt field is reported instead of silently ignored.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxFormBytes))
	if err != nil {
		return ch.Errorf(ch.EBADREQUEST, "The request body could not be read: %v", err)
	}
	// JSON can spell a NUL character, which no text column can store.
	if bytes.Contains(body, []byte(`\u0000`)) {
		return ch.Errorf(ch.EBADREQUEST, "Text in the request body may not contain NUL characters (\\u0000).")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	err = dec.Decode(v)
	if err == nil && dec.Decode(&struct{}{}) != io.EOF {
		err = errors.New("unexpected data after the JSON object")
	}
	if err == nil {
		return nil
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return &ch.Error{Code: ch.EINVALID, Message: "The request body has a field of the wrong type.",
			Fields: map[string]string{te.Field: fmt.Sprintf("Expected %s.", te.Type.Kind())}}
	} else if te != nil {
		// Not err.Error(): it names the Go type the body is decoded into.
		return &ch.Error{Code: ch.EBADREQUEST, Message: "The request body must be a JSON object."}
	}
	return &ch.Error{Code: ch.EBADREQUEST, Message: "The request body is not valid JSON for this call: " + err.Error()}
}

func (s *Server) apiCreateGroup(w http.ResponseWriter, r *http.Request) {
	u := userFrom(r)
	var app ch.Application
	if err := decodeJSON(w, r, &app); err != nil {
		s.apiError(w, r, err)
		return
	}
	app = withApplicant(app, u)
	app.Normalize()
	if err := app.Validate(true); err != nil {
		s.apiError(w, r, err)
		return
	}
	named, err := s.DB.NamedGroups(r.Context())
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	g, err := s.createGroup(r.Context(), app, u)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	// Similar names are reported, not refused: the reviewer sees them too.
	s.writeGroup(w, r, http.StatusCreated, g, ch.Viewer{User: u, Organizer: true}, ch.SimilarGroups(app.Name, app.ShortName, g.Slug, named))
}

func (s *Server) apiUpdateGroup(w http.ResponseWriter, r *http.Request) {
	g, v, err := s.loadGroup(r.Context(), r)
	if err == nil && !v.CanEdit() {
		err = ch.Errorf(ch.EFORBIDDEN, "Only the group's organizers and community managers can edit it.")
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	// A PATCH names only the fields it changes: decoding onto the current
	// profile leaves the others as they are.
	app := ch.ApplicationOf(g)
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxFormBytes))
	if err != nil {
		s.apiError(w, r, ch.Errorf(ch.EBADREQUEST, "The request body could not be read: %v", err))
		return
	}
	clearNamedLists(&app, body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	if err := decodeJSON(w, r, &app); err != nil {
		s.apiError(w, r, err)
		return
	}
	app.Normalize()
	if err := app.Validate(false); err != nil {
		s.apiError(w, r, err)
		return
	}
	if len(app.Coordinators) == 0 {
		s.apiError(w, r, &ch.Error{Code: ch.EINVALID, Message: "A group needs at least one coordinator.", Fields: map[string]string{"coordinators": "Keep at least one coordinator."}})
		return
	}
	g, err = s.DB.UpdateGroup(r.Context(), g.Slug, app, v.User, s.notifyEdited(v.User, g.Coordinators))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeGroup(w, r, http.StatusOK, g, v, nil)
}

// clearNamedLists empties the lists and coordinates a PATCH body names, so
// that they are replaced whole: encoding/json decodes array elements onto
// the existing ones, so a new coordinator would keep the employer of the one
// it replaces in the list, and a channel without a type the old one's type.
func clearNamedLists(app *ch.Application, body []byte) {
	var named map[string]json.RawMessage
	if json.Unmarshal(body, &named) != nil {
		return // decodeJSON reports it
	}
	for k := range named {
		// encoding/json matches names without regard to case.
		switch {
		case strings.EqualFold(k, "latitude"):
			app.Latitude = nil
		case strings.EqualFold(k, "longitude"):
			app.Longitude = nil
		case strings.EqualFold(k, "organiser_emails"):
			app.OrganiserEmails = nil
		case strings.EqualFold(k, "urls"):
			app.URLs = nil
		case strings.EqualFold(k, "channels"):
			app.Channels = nil
		case strings.EqualFold(k, "coordinators"):
			app.Coordinators = nil
		}
	}
}

func (s *Server) apiReviewGroup(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Decision ch.Decision `json:"decision"`
		Reason   string      `json:"reason"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	g, err := s.DB.ReviewGroup(r.Context(), r.PathValue("slug"), in.Decision, in.Reason, userFrom(r), s.notifyReviewed)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeGroup(w, r, http.StatusOK, g, ch.Viewer{User: userFrom(r)}, nil)
}

func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) {
	b, err := assets.ReadFile("openapi.json")
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Write(b)
}
