// Package web serves the portal's pages and JSON API. Handlers are thin:
// they decode input, call the domain and the store, and render.
package web

import (
	"context"
	"embed"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	ch "chapterhouse"
	"chapterhouse/files"
	"chapterhouse/password"
	"chapterhouse/sqldb"
	"chapterhouse/workflow"
)

//go:embed templates static openapi.json
var assets embed.FS

// Config is what the server needs from the command that starts it.
type Config struct {
	DB     *sqldb.DB
	Hasher *password.Hasher
	Logger *slog.Logger
	// BaseURL is the portal's public address, used in mailed links.
	BaseURL string
	// MailVia says how the outbox delivers ("smtp" or "log"), for the
	// outgoing mail page.
	MailVia string
	// TrustProxy says a reverse proxy or load balancer in front appends the
	// client's address to X-Forwarded-For.
	TrustProxy bool
	// MetricsToken is the Bearer token GET /metrics requires; without it
	// the metrics are not served.
	MetricsToken string
	// Program is the path to official status; the built-in default when it
	// has no steps.
	Program ch.Program
	// Files keeps uploaded files (the program's artwork); in memory when nil.
	Files files.Store
}

// Server is the portal's HTTP handler.
type Server struct {
	Config
	mux     *http.ServeMux
	handler http.Handler
	pages   map[string]*pageTemplate
	static  *staticFiles
	routes  []route
	flows   *workflow.Service
	// anonymous caches the listing pages (home, directory) as the public
	// sees them, which are the same for every anonymous visitor.
	anonymous pageCache
	pngs      pngCache
	metrics   *metrics
	draining  atomic.Bool // set once shutdown begins: /readyz answers 503
}

// access is who may call a route; finer checks (organizer of this group)
// happen in the handler, once the group is loaded.
type access int

const (
	public   access = iota
	signedIn        // any account
	verified        // an account whose address is verified
	manager         // a community manager
)

type route struct {
	method, pattern string
	access          access
	api             bool
}

// New builds the server and parses every template, so a broken template
// stops start-up rather than a request.
func New(cfg Config) (*Server, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if len(cfg.Program.Steps) == 0 {
		cfg.Program = ch.DefaultProgram()
	}
	if cfg.Files == nil {
		cfg.Files = &memFiles{}
	}
	s := &Server{Config: cfg, mux: http.NewServeMux(), metrics: newMetrics(cfg.DB, cfg.Logger)}
	s.flows = workflow.New(cfg.DB, cfg.Hasher, cfg.Program, cfg.BaseURL, cfg.Logger)
	s.flows.Files = cfg.Files
	var err error
	if s.static, err = loadStatic(); err != nil {
		return nil, err
	}
	if s.pages, err = s.parseTemplates(); err != nil {
		return nil, err
	}
	s.registerRoutes()
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, ch.Errorf(ch.EFORBIDDEN, "Cross-origin requests are not allowed. Go back to the portal, reload the page and try again."))
	}))
	s.handler = s.instrument(s.recoverer(s.logRequests(s.securityHeaders(cop.Handler(s.limitArtworkUpload(s.storable(s.guardMetrics(s.privateCookies(s.authenticate(s.checkCSRF(routeRecorder(s.mux))))))))))))
	return s, nil
}

// Workflows returns the actions the server runs, for work done outside
// requests (the periodic sweep of official groups).
func (s *Server) Workflows() *workflow.Service { return s.flows }

// link is the public address of a path on the portal.
func (s *Server) link(path string) string { return s.BaseURL + path }

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// handle registers a route with its access rule, wrapping h in the check.
func (s *Server) handle(method, pattern string, a access, h http.HandlerFunc) {
	api := strings.HasPrefix(pattern, "/api/")
	s.routes = append(s.routes, route{method: method, pattern: pattern, access: a, api: api})
	s.mux.Handle(method+" "+pattern, s.require(a, api, h))
}

// Routes lists "METHOD /pattern" of every registered route, for tests and docs.
func (s *Server) Routes() []string {
	out := make([]string, len(s.routes))
	for i, r := range s.routes {
		out[i] = r.method + " " + r.pattern
	}
	return out
}

func (s *Server) require(a access, api bool, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u := userFrom(r)
		var err error
		switch {
		case a == public:
		case u == nil:
			err = ch.Errorf(ch.EUNAUTHORIZED, "Sign in to continue.")
		case a == verified && !u.Verified():
			err = ch.Errorf(ch.EFORBIDDEN, "Verify your email address first: follow the link we mailed you, or ask for a new one on your account page.")
		case a == manager && !u.IsCommunityManager():
			err = ch.Errorf(ch.EFORBIDDEN, "Only community managers may do this.")
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		h(w, r)
	})
}

func (s *Server) registerRoutes() {
	s.handle("GET", "/healthz", public, s.healthz)
	s.handle("GET", "/readyz", public, s.readyz)
	s.handle("GET", "/metrics", public, s.serveMetrics) // to the holder of --metrics-token only
	s.handle("GET", "/static/{hash}/{file}", public, s.serveStatic)
	s.handle("GET", "/{$}", public, s.home)
	s.handle("GET", "/policy", public, s.showPolicy)

	s.handle("GET", "/signup", public, s.signUpForm)
	s.handle("POST", "/signup", public, s.signUp)
	s.handle("GET", "/verify", public, s.verifyForm)
	s.handle("POST", "/verify", public, s.verifyEmail)
	s.handle("POST", "/verify/resend", signedIn, s.resendVerification)
	s.handle("GET", "/signin", public, s.signInForm)
	s.handle("POST", "/signin", public, s.signIn)
	s.handle("POST", "/signout", signedIn, s.signOut)
	s.handle("GET", "/password/forgot", public, s.forgotForm)
	s.handle("POST", "/password/forgot", public, s.forgot)
	s.handle("GET", "/password/reset", public, s.resetForm)
	s.handle("POST", "/password/reset", public, s.reset)
	s.handle("GET", "/email/confirm", public, s.confirmEmailChange)

	s.handle("GET", "/account", signedIn, s.account)
	s.handle("POST", "/account/name", signedIn, s.changeName)
	s.handle("POST", "/account/email", signedIn, s.changeEmail)
	s.handle("POST", "/account/password", signedIn, s.changePassword)
	s.handle("POST", "/account/tokens", signedIn, s.createToken)
	s.handle("POST", "/account/tokens/{id}/delete", signedIn, s.deleteToken)

	s.handle("GET", "/groups", public, s.directory)
	s.handle("GET", "/groups/new", verified, s.applyForm)
	s.handle("POST", "/groups/new", verified, s.apply)
	s.handle("GET", "/groups/{slug}", public, s.groupPage)
	s.handle("GET", "/groups/{slug}/logo.svg", public, s.groupLogo("svg"))
	s.handle("GET", "/groups/{slug}/logo.png", public, s.groupLogo("png"))
	s.handle("GET", "/groups/{slug}/edit", verified, s.editForm)
	s.handle("POST", "/groups/{slug}/edit", verified, s.edit)
	s.handle("POST", "/groups/{slug}/review", manager, s.review)
	s.registerOfficialRoutes()

	s.handle("GET", "/admin/applications", manager, s.applications)
	s.handle("GET", "/admin/people", manager, s.people)
	s.handle("POST", "/admin/people/{id}/roles", manager, s.setRole)
	s.handle("GET", "/admin/mail", manager, s.outgoingMail)
	s.handle("GET", "/admin/settings", manager, s.settingsForm)
	s.handle("POST", "/admin/settings", manager, s.saveSettings)
	s.handle("GET", "/admin/program", manager, s.programForm)
	s.handle("POST", "/admin/program", manager, s.saveProgram)
	s.handle("GET", "/admin/policy", manager, s.policyForm)
	s.handle("POST", "/admin/policy", manager, s.publishPolicy)
	s.handle("GET", "/admin/artwork", manager, s.artworkForm)
	s.handle("POST", "/admin/artwork", manager, s.uploadArtwork)

	s.handle("GET", "/api/v1/openapi.json", public, s.openAPI)
	s.handle("GET", "/api/v1/groups", public, s.apiListGroups)
	s.handle("POST", "/api/v1/groups", verified, s.apiCreateGroup)
	s.handle("GET", "/api/v1/groups/{slug}", public, s.apiGetGroup)
	s.handle("PATCH", "/api/v1/groups/{slug}", verified, s.apiUpdateGroup)
	s.handle("POST", "/api/v1/groups/{slug}/review", manager, s.apiReviewGroup)
	s.registerOfficialAPI()

	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, ch.Errorf(ch.ENOTFOUND, "There is no page here."))
	})
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.DB.Ping(ctx); err != nil {
		s.Logger.Error("health check", "err", err)
		http.Error(w, "database unavailable", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok\n"))
}
