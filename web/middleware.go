package web

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"time"
	"unicode/utf8"

	ch "chapterhouse"
)

type ctxKey int

const (
	userKey ctxKey = iota
	requestIDKey
	csrfKey
	viaTokenKey
)

const (
	sessionCookie = "ch_session"
	csrfCookie    = "ch_csrf"
	flashCookie   = "ch_flash"
)

func userFrom(r *http.Request) *ch.User {
	u, _ := r.Context().Value(userKey).(*ch.User)
	return u
}

func requestID(r *http.Request) string {
	id, _ := r.Context().Value(requestIDKey).(string)
	return id
}

func csrfToken(r *http.Request) string {
	t, _ := r.Context().Value(csrfKey).(string)
	return t
}

func randomID(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

// logRequests gives every request an id (echoed in X-Request-Id and on error
// pages, so a user's report can be found in the log) and logs it when done.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := randomID(9)
		w.Header().Set("X-Request-Id", id)
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r.WithContext(context.WithValue(r.Context(), requestIDKey, id)))
		if probe(r.URL.Path) && sw.status == http.StatusOK {
			return // load balancers and scrapers ask every few seconds
		}
		s.Logger.LogAttrs(r.Context(), slog.LevelInfo, "request", slog.String("id", id), slog.String("method", r.Method),
			slog.String("path", r.URL.Path), slog.Int("status", sw.status), slog.Int("bytes", sw.bytes),
			slog.Duration("duration", time.Since(start)))
	})
}

func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.Logger.Error("panic", "path", r.URL.Path, "value", fmt.Sprint(v), "stack", string(debug.Stack()))
				s.fail(w, r, ch.Errorf(ch.EINTERNAL, "An internal error occurred."))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
		next.ServeHTTP(w, r)
	})
}

// authenticate finds who is calling: a Bearer token on the API, otherwise
// the session cookie. A bad Bearer token is refused outright rather than
// treated as anonymous, so a client learns its token is wrong.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if auth := r.Header.Get("Authorization"); auth != "" {
			scheme, token, ok := strings.Cut(auth, " ")
			ok = ok && strings.EqualFold(scheme, "Bearer")
			u, err := s.DB.APITokenUser(ctx, strings.TrimSpace(token))
			if !ok || err != nil {
				w.Header().Set("WWW-Authenticate", `Bearer realm="chapterhouse"`)
				s.apiError(w, r, ch.Errorf(ch.EUNAUTHORIZED, "The API token is not valid."))
				return
			}
			ctx = context.WithValue(context.WithValue(ctx, userKey, u), viaTokenKey, true)
		} else if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" && !apiWrite(r) {
			if u, err := s.DB.SessionUser(ctx, c.Value); err == nil {
				ctx = context.WithValue(ctx, userKey, u)
			} else if ch.ErrorCode(err) == ch.ENOTFOUND {
				s.clearCookie(w, r, sessionCookie)
			} else {
				s.fail(w, r, err)
				return
			}
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func (s *Server) secure(r *http.Request) bool {
	return r.TLS != nil || strings.HasPrefix(s.BaseURL, "https://")
}

func (s *Server) setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge time.Duration) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: int(maxAge.Seconds()),
		HttpOnly: true, Secure: s.secure(r), SameSite: http.SameSiteLaxMode})
}

func (s *Server) clearCookie(w http.ResponseWriter, r *http.Request, name string) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: s.secure(r), SameSite: http.SameSiteLaxMode})
}

// checkCSRF adds a synchronizer token to http.CrossOriginProtection, which
// lets through requests from browsers that send neither Sec-Fetch-Site nor
// Origin. The token lives in a cookie and must come back in the form (or the
// X-CSRF-Token header). API calls authenticated by a Bearer token carry no
// ambient credentials and need none.
func (s *Server) checkCSRF(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token := ""
		if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) >= 20 {
			token = c.Value
		}
		safe := r.Method == http.MethodGet || r.Method == http.MethodHead || r.Method == http.MethodOptions
		if !safe && r.Context().Value(viaTokenKey) == nil && !strings.HasPrefix(r.URL.Path, "/api/") {
			r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
			sent := r.Header.Get("X-CSRF-Token")
			if sent == "" {
				sent = r.PostFormValue("csrf")
			}
			if token == "" || subtle.ConstantTimeCompare([]byte(sent), []byte(token)) != 1 {
				s.fail(w, r, ch.Errorf(ch.EFORBIDDEN, "This form has expired. Go back, reload the page and try again."))
				return
			}
		}
		if token == "" && !strings.HasPrefix(r.URL.Path, "/api/") && !strings.HasPrefix(r.URL.Path, "/static/") && !probe(r.URL.Path) {
			token = randomID(24)
			s.setCookie(w, r, csrfCookie, token, 0)
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), csrfKey, token)))
	})
}

const maxFormBytes = 1 << 20

// clientIP is the address sign-in throttling counts failures against: the
// peer, or with TrustProxy the address the proxy in front saw, which is the
// last one in X-Forwarded-For (earlier ones are whatever the client claimed).
// Without TrustProxy behind a proxy, every client shares the proxy's address.
func (s *Server) clientIP(r *http.Request) string {
	if s.TrustProxy {
		if fwd := r.Header.Values("X-Forwarded-For"); len(fwd) > 0 {
			hops := strings.Split(fwd[len(fwd)-1], ",")
			if ip := strings.TrimSpace(hops[len(hops)-1]); net.ParseIP(ip) != nil {
				return ip
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// apiWrite reports whether r changes state through the API. Those calls must
// carry a Bearer token: a session cookie is ambient authority a cross-site
// page could borrow, so the API ignores it for writes.
func apiWrite(r *http.Request) bool {
	return strings.HasPrefix(r.URL.Path, "/api/") && r.Method != http.MethodGet && r.Method != http.MethodHead && r.Method != http.MethodOptions
}

// storable refuses requests whose path, query or form holds text no
// database can keep: NUL characters (PostgreSQL refuses them in text) or
// bytes that are not UTF-8. Refusing them here, with a 400, keeps every
// handler and query from having to care.
func (s *Server) storable(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ok := storableText(r.URL.Path)
		if q, err := url.ParseQuery(r.URL.RawQuery); err == nil && ok {
			ok = storableValues(q)
		}
		if ok && !strings.HasPrefix(r.URL.Path, "/api/") && (r.Method == http.MethodPost || r.Method == http.MethodPut || r.Method == http.MethodPatch) {
			r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
			if err := r.ParseForm(); err == nil {
				ok = storableValues(r.PostForm)
			}
		}
		if !ok {
			s.fail(w, r, ch.Errorf(ch.EBADREQUEST, "The request contains characters that are not text (a NUL character or bytes that are not UTF-8)."))
			return
		}
		next.ServeHTTP(w, r)
	})
}

func storableText(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }

func storableValues(v url.Values) bool {
	for k, vs := range v {
		if !storableText(k) {
			return false
		}
		for _, x := range vs {
			if !storableText(x) {
				return false
			}
		}
	}
	return true
}

// probe reports whether path is one that machines poll: health, readiness
// and metrics.
func probe(path string) bool {
	return path == "/healthz" || path == "/readyz" || path == "/metrics"
}
