package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode"

	ch "chapterhouse"
	"chapterhouse/workflow"
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
// reason only for those who run the group, organiser emails only for
// verified accounts (ch.Viewer.CanSeeContacts).
func (s *Server) toAPI(g *ch.Group, v ch.Viewer, detail bool, reqs []ch.Requirement) apiGroup {
	a := apiGroup{Slug: g.Slug, URL: s.link("/groups/" + g.Slug), Name: g.Name, ShortName: g.ShortName, Description: g.Description,
		City: g.City, Country: g.Country, Latitude: g.Latitude, Longitude: g.Longitude, TimeZone: g.TimeZone,
		Cadence: g.Cadence, Status: g.Status, CreatedAt: g.CreatedAt, UpdatedAt: g.UpdatedAt}
	if !detail {
		return a
	}
	a.URLs, a.Channels = g.URLs, g.Channels
	if v.CanSeeContacts() {
		a.OrganiserEmails = g.OrganiserEmails
	}
	for _, c := range g.Coordinators {
		if !v.CanSeeCoordinatorEmails() {
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
	page, err := s.flows.ListGroups(r.Context(), userFrom(r), f)
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
	a.SimilarGroups = similarJSON(similar)
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

// readBody reads a request body of at most maxFormBytes. A larger one is
// refused as too large (413), so the caller learns what to change.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxFormBytes))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return nil, ch.Errorf(ch.ETOOLARGE, "The request body is too large: send at most %d KB.", maxFormBytes/1024)
	} else if err != nil {
		return nil, ch.Errorf(ch.EBADREQUEST, "The request body could not be read: %v", err)
	}
	return body, nil
}

// decodeJSON reads a JSON body strictly: unknown fields are refused so a
// misspelt field is reported instead of silently ignored.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	body, err := readBody(w, r)
	if err != nil {
		return err
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
		return ch.Invalid("The request body has a field of the wrong type.", jsonPath(te.Field), fmt.Sprintf("Expected %s.", te.Type.Kind()))
	} else if te != nil {
		// Not err.Error(): it names the Go type the body is decoded into.
		return &ch.Error{Code: ch.EBADREQUEST, Message: "The request body must be a JSON object."}
	}
	return &ch.Error{Code: ch.EBADREQUEST, Message: "The request body is not valid JSON for this call: " + err.Error()}
}

// jsonPath is the field path of a decoding error as the client wrote it:
// encoding/json names an embedded struct by its Go name (the API's own names
// are lower case), a level the JSON does not have.
func jsonPath(field string) string {
	parts := strings.Split(field, ".")
	return strings.Join(slices.DeleteFunc(parts, func(p string) bool { return p != "" && unicode.IsUpper(rune(p[0])) }), ".")
}

func (s *Server) apiCreateGroup(w http.ResponseWriter, r *http.Request) {
	var in workflow.ProfileInput
	if err := decodeJSON(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	g, similar, err := s.flows.Apply(r.Context(), userFrom(r), in)
	if err != nil {
		s.apiSimilarError(w, r, err, similar)
		return
	}
	s.writeGroup(w, r, http.StatusCreated, g, ch.Viewer{User: userFrom(r), Organizer: true}, similar)
}

// apiSimilarError answers a refused profile, naming the groups with a
// similar name so that the client can show them before confirming.
func (s *Server) apiSimilarError(w http.ResponseWriter, r *http.Request, err error, similar []ch.NamedGroup) {
	if ch.ErrorCode(err) != ch.EINVALID || len(similar) == 0 {
		s.apiError(w, r, err)
		return
	}
	out := apiErrorOf(err)
	out.SimilarGroups = similarJSON(similar)
	writeJSON(w, httpStatus(ch.EINVALID), map[string]apiErrorBody{"error": out})
}

// similarJSON is how the API names groups with a similar name: in a group
// created anyway, and in the refusal that asks to confirm.
func similarJSON(similar []ch.NamedGroup) []map[string]string {
	var out []map[string]string
	for _, n := range similar {
		out = append(out, map[string]string{"slug": n.Slug, "name": n.Name})
	}
	return out
}

func (s *Server) apiUpdateGroup(w http.ResponseWriter, r *http.Request) {
	g, v, err := s.loadGroup(r.Context(), r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	// A PATCH names only the fields it changes: decoding onto the current
	// profile leaves the others as they are.
	in := workflow.ProfileInput{Application: ch.ApplicationOf(g)}
	body, err := readBody(w, r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	clearNamedLists(&in.Application, body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	if err := decodeJSON(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	g, similar, err := s.flows.EditGroup(r.Context(), v.User, g.Slug, in)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeGroup(w, r, http.StatusOK, g, v, similar)
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
	g, err := s.flows.Review(r.Context(), userFrom(r), r.PathValue("slug"), in.Decision, in.Reason)
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
