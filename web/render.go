package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	ch "chapterhouse"
	"chapterhouse/markdown"
	"chapterhouse/workflow"
)

type pageTemplate struct{ t *template.Template }

// page is what every template receives.
type page struct {
	Title string
	User  *ch.User
	CSRF  string
	Flash string
	Path  string
	Data  any
}

func (s *Server) funcs() template.FuncMap {
	return template.FuncMap{
		"static":          s.static.url,
		"markdown":        markdown.HTML,
		"countryName":     func(c string) string { n, _ := ch.CountryName(c); return n },
		"channelLabel":    ch.ChannelLabel,
		"date":            func(t time.Time) string { return t.UTC().Format("2 January 2006") },
		"datetime":        func(t time.Time) string { return t.UTC().Format("2 Jan 2006 15:04 UTC") },
		"iso":             func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"query":           func(v url.Values) template.URL { return template.URL(v.Encode()) },
		"add":             func(a, b int) int { return a + b },
		"seq":             func(n int) []int { return make([]int, n) },
		"fieldID":         func(prefix string, i int) string { return fmt.Sprintf("%s-%d", prefix, i) },
		"dict":            dict,
		"countryOptions":  countryOptions,
		"timeZoneOptions": timeZoneOptions,
		"lower":           strings.ToLower,
	}
}

// excerpt is the first paragraph of a Markdown text as plain text, cut at a
// word boundary.
func excerpt(md string, n int) string {
	para, _, _ := strings.Cut(strings.TrimSpace(md), "\n\n")
	para = strings.Join(strings.Fields(markdownMarks.Replace(para)), " ")
	r := []rune(para)
	if len(r) <= n {
		return para
	}
	cut := string(r[:n])
	if i := strings.LastIndexByte(cut, ' '); i > n/2 {
		cut = cut[:i]
	}
	return cut + "…"
}

var markdownMarks = strings.NewReplacer("#", "", "*", "", "_", "", "`", "", ">", "")

// card is a group as a directory listing shows it. It is computed in Go
// rather than in the template: a page lists twenty and template function
// calls go through reflection.
type card struct {
	Slug, Name, ShortName, Status, StatusLabel, Place, Excerpt string
}

func cards(groups []*ch.Group) []card {
	out := make([]card, len(groups))
	for i, g := range groups {
		country, _ := ch.CountryName(g.Country)
		out[i] = card{Slug: g.Slug, Name: g.Name, ShortName: g.ShortName, Status: string(g.Status),
			StatusLabel: g.Status.Label(), Place: g.City + ", " + country, Excerpt: excerpt(g.Description, 160)}
	}
	return out
}

func (s *Server) parseTemplates() (map[string]*pageTemplate, error) {
	names, err := fs.Glob(assets, "templates/*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*pageTemplate{}
	for _, name := range names {
		base := path.Base(name)
		if base == "layout.html" || base == "parts.html" {
			continue
		}
		t, err := template.New(base).Funcs(s.funcs()).ParseFS(assets, "templates/layout.html", "templates/parts.html", name)
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", base, err)
		}
		pages[strings.TrimSuffix(base, ".html")] = &pageTemplate{t}
	}
	return pages, nil
}

// render writes a page. It renders into a buffer first so that a template
// error becomes a clean error page instead of half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name, title string, data any) {
	p := page{Title: title, User: userFrom(r), CSRF: csrfToken(r), Path: r.URL.Path, Data: data}
	if c, err := r.Cookie(flashCookie); err == nil {
		if v, err := url.QueryUnescape(c.Value); err == nil {
			p.Flash = v
		}
		s.clearCookie(w, r, flashCookie)
	}
	var buf bytes.Buffer
	pt, ok := s.pages[name]
	if !ok {
		s.Logger.Error("no such template", "name", name)
		http.Error(w, "Internal error", http.StatusInternalServerError)
		return
	}
	if err := pt.t.ExecuteTemplate(&buf, "layout", p); err != nil {
		s.Logger.Error("render", "template", name, "err", err, "request_id", requestID(r))
		http.Error(w, "Internal error", http.StatusInternalServerError)
		return
	}
	if cacheable[name] && status == http.StatusOK && p.User == nil && p.Flash == "" && r.Method == http.MethodGet {
		s.anonymous.put(r.URL.RequestURI(), buf.Bytes(), s.DB.GroupsVersion(), time.Now())
	}
	writeHTML(w, status, buf.Bytes())
}

// cacheable are the pages whose anonymous view is the same for everyone:
// they hold no form with a CSRF token.
var cacheable = map[string]bool{"home": true, "directory": true}

func writeHTML(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(body)
}

// fromCache answers an anonymous visitor's listing page from the page cache
// when it can.
func (s *Server) fromCache(w http.ResponseWriter, r *http.Request) bool {
	if userFrom(r) != nil {
		return false
	}
	if _, err := r.Cookie(flashCookie); err == nil {
		return false
	}
	body, ok := s.anonymous.get(r.URL.RequestURI(), s.DB.GroupsVersion(), time.Now())
	if ok {
		writeHTML(w, http.StatusOK, body)
	}
	return ok
}

// redirect sends the browser on after a successful POST, with an optional
// message for the next page.
func (s *Server) redirect(w http.ResponseWriter, r *http.Request, to, flash string) {
	if flash != "" {
		s.setCookie(w, r, flashCookie, url.QueryEscape(flash), time.Minute)
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

func httpStatus(code string) int {
	switch code {
	case ch.EBADREQUEST:
		return http.StatusBadRequest
	case ch.EINVALID:
		return http.StatusUnprocessableEntity
	case ch.ENOTFOUND:
		return http.StatusNotFound
	case ch.ECONFLICT:
		return http.StatusConflict
	case ch.EFORBIDDEN:
		return http.StatusForbidden
	case ch.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case ch.ETOOMANY:
		return http.StatusTooManyRequests
	case ch.ETOOLARGE:
		return http.StatusRequestEntityTooLarge
	}
	return http.StatusInternalServerError
}

// retryAfter tells the client when a refusal over a limit ends.
func retryAfter(w http.ResponseWriter, err error) {
	var t *workflow.Throttled
	if errors.As(err, &t) {
		w.Header().Set("Retry-After", strconv.Itoa(int(max(t.Wait, time.Second).Seconds())))
	}
}

// answersOnForm says whether a refusal re-renders the form it came from,
// with what was typed: not only invalid fields, but also a limit reached or
// a state that forbids it for now.
func answersOnForm(err error) bool {
	switch ch.ErrorCode(err) {
	case ch.EINVALID, ch.ETOOMANY, ch.ECONFLICT:
		return true
	}
	return false
}

// fail answers with an error page, or a JSON error under /api/. Internal
// errors are logged and shown only as a request id.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	if strings.HasPrefix(r.URL.Path, "/api/") {
		s.apiError(w, r, err)
		return
	}
	retryAfter(w, err)
	code := ch.ErrorCode(err)
	if code == ch.EINTERNAL {
		s.Logger.Error("internal error", "err", err, "request_id", requestID(r), "path", r.URL.Path)
	}
	if code == ch.EUNAUTHORIZED && r.Method == http.MethodGet {
		s.redirect(w, r, "/signin?next="+url.QueryEscape(r.URL.RequestURI()), "")
		return
	}
	s.render(w, r, httpStatus(code), "error", "Something went wrong", struct {
		Message   string
		RequestID string
		Status    int
	}{ch.ErrorMessage(err), requestID(r), httpStatus(code)})
}

type apiErrorBody struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
	// SimilarGroups names the groups an application's name is like, when it
	// must confirm it is another group.
	SimilarGroups []map[string]string `json:"similar_groups,omitempty"`
}

func apiErrorOf(err error) apiErrorBody {
	return apiErrorBody{Code: ch.ErrorCode(err), Message: ch.ErrorMessage(err), Fields: ch.ErrorFields(err)}
}

func (s *Server) apiError(w http.ResponseWriter, r *http.Request, err error) {
	retryAfter(w, err)
	code := ch.ErrorCode(err)
	if code == ch.EINTERNAL {
		s.Logger.Error("internal error", "err", err, "request_id", requestID(r), "path", r.URL.Path)
	}
	if code == ch.EUNAUTHORIZED {
		w.Header().Set("WWW-Authenticate", `Bearer realm="chapterhouse"`)
	}
	writeJSON(w, httpStatus(code), map[string]apiErrorBody{"error": apiErrorOf(err)})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, `{"error":{"code":"internal","message":"An internal error occurred."}}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// staticFiles serves embedded assets under content-hashed URLs, so they can
// be cached for a year and still change on upgrade.
type staticFiles struct {
	byName map[string]string // name → hash
	data   map[string][]byte
}

func loadStatic() (*staticFiles, error) {
	sf := &staticFiles{byName: map[string]string{}, data: map[string][]byte{}}
	err := fs.WalkDir(assets, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := assets.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		name := path.Base(p)
		sf.byName[name] = hex.EncodeToString(sum[:6])
		sf.data[name] = b
		return nil
	})
	return sf, err
}

func (sf *staticFiles) url(name string) string {
	return "/static/" + sf.byName[name] + "/" + name
}

func (s *Server) serveStatic(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	b, ok := s.static.data[name]
	if !ok || s.static.byName[name] != r.PathValue("hash") {
		http.NotFound(w, r)
		return
	}
	switch path.Ext(name) {
	case ".css":
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
	case ".js":
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	case ".svg":
		w.Header().Set("Content-Type", "image/svg+xml")
	}
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Write(b)
}

// dict lets a template pass several named values to a partial.
func dict(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, fmt.Errorf("dict: odd number of arguments")
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
		}
		m[k] = kv[i+1]
	}
	return m, nil
}

// pathID reads a numeric id from the path; one that is not a number names
// nothing, so it is "not found".
func pathID(r *http.Request, name string) int64 {
	id, _ := strconv.ParseInt(r.PathValue(name), 10, 64)
	return id
}
