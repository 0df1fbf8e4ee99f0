package web

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"runtime/debug"
	"slices"
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
	privateCookiesKey
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

// securityHeaders sets the headers every answer carries. HSTS is sent only
// when the portal's public address is https: sent over plain HTTP it would be
// ignored, and a laptop install on http://127.0.0.1 must keep working.
func (s *Server) securityHeaders(next http.Handler) http.Handler {
	hsts := strings.HasPrefix(s.BaseURL, "https://")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
		if hsts {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
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
				setPrivateCookie(r, s.cookie(r, sessionCookie, "", -1))
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

// setCookie sets a cookie for the whole site. Setting a new session also
// sets the CSRF token bound to it, so that the pages of the answer's
// redirect carry a token that works.
func (s *Server) setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge time.Duration) {
	http.SetCookie(w, s.cookie(r, name, value, int(maxAge.Seconds())))
	if name == sessionCookie {
		s.setCookie(w, r, csrfCookie, sessionCSRF(value), 0)
	}
}

func (s *Server) clearCookie(w http.ResponseWriter, r *http.Request, name string) {
	http.SetCookie(w, s.cookie(r, name, "", -1))
}

func (s *Server) cookie(r *http.Request, name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge, HttpOnly: true,
		Secure: s.secure(r), SameSite: http.SameSiteLaxMode}
}

// sessionCSRF is the CSRF token of a signed-in browser: a MAC of the
// session, which only the session's holder can compute. A token that a
// cookie could set (a sibling subdomain can plant cookies) would let an
// attacker forge the pair; this one changes with every sign-in, needs no
// server secret and is the same on every node.
func sessionCSRF(session string) string {
	mac := hmac.New(sha256.New, []byte(session))
	mac.Write([]byte("chapterhouse csrf"))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// expectedCSRF is the token a state change must send, and the one the
// browser's cookie holds. A signed-in browser's token is bound to its
// session; an anonymous one's (sign-in, sign-up, password reset) is the
// double-submit cookie.
func expectedCSRF(r *http.Request) (expected, cookie string) {
	if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) >= 20 {
		cookie = c.Value
	}
	if userFrom(r) != nil && r.Context().Value(viaTokenKey) == nil {
		if c, err := r.Cookie(sessionCookie); err == nil {
			return sessionCSRF(c.Value), cookie
		}
	}
	return cookie, cookie
}

// checkCSRF adds a synchronizer token to http.CrossOriginProtection, which
// lets through requests from browsers that send neither Sec-Fetch-Site nor
// Origin. The token must come in the form (or the X-CSRF-Token header). API
// calls authenticated by a Bearer token carry no ambient credentials and
// need none.
func (s *Server) checkCSRF(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, cookie := expectedCSRF(r)
		safe := r.Method == http.MethodGet || r.Method == http.MethodHead || r.Method == http.MethodOptions
		if !safe && r.Context().Value(viaTokenKey) == nil && !strings.HasPrefix(r.URL.Path, "/api/") {
			sent := r.Header.Get("X-CSRF-Token")
			if sent == "" {
				sent = r.PostFormValue("csrf")
			}
			if token == "" || subtle.ConstantTimeCompare([]byte(sent), []byte(token)) != 1 {
				s.fail(w, r, ch.Errorf(ch.EFORBIDDEN, "This form has expired. Go back, reload the page and try again."))
				return
			}
		}
		if !strings.HasPrefix(r.URL.Path, "/api/") && !strings.HasPrefix(r.URL.Path, "/static/") && !probe(r.URL.Path) {
			if token == "" {
				token = randomID(24)
			}
			if token != cookie {
				setPrivateCookie(r, s.cookie(r, csrfCookie, token, 0))
			}
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), csrfKey, token)))
	})
}

// privateCookies holds back the cookies that middleware sets for the
// browser's upkeep (a CSRF token it lacks, forgetting a session that has
// ended) until the answer's headers go out, and sends them only with an
// answer no shared cache may keep (Cache-Control private or no-store, as on
// every page). On a public answer (a logo, a static file) a cache could
// keep the cookie and hand it, token included, to everyone; the browser
// gets it with its next page instead.
func (s *Server) privateCookies(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		pw := &privateCookieWriter{ResponseWriter: w}
		next.ServeHTTP(pw, r.WithContext(context.WithValue(r.Context(), privateCookiesKey, pw)))
	})
}

// setPrivateCookie sets c on the answer to r if that answer is private,
// unless the handler sets a cookie of the same name itself.
func setPrivateCookie(r *http.Request, c *http.Cookie) {
	if pw, ok := r.Context().Value(privateCookiesKey).(*privateCookieWriter); ok {
		pw.cookies = append(pw.cookies, c)
	}
}

type privateCookieWriter struct {
	http.ResponseWriter
	cookies []*http.Cookie
	started bool
}

func (w *privateCookieWriter) WriteHeader(code int) {
	w.addCookies()
	w.ResponseWriter.WriteHeader(code)
}

func (w *privateCookieWriter) Write(b []byte) (int, error) {
	w.addCookies()
	return w.ResponseWriter.Write(b)
}

func (w *privateCookieWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *privateCookieWriter) addCookies() {
	if w.started {
		return
	}
	w.started = true
	h := w.Header()
	if cc := h.Get("Cache-Control"); !strings.Contains(cc, "no-store") && !strings.Contains(cc, "private") {
		return
	}
	set := h.Values("Set-Cookie")
	for _, c := range w.cookies {
		if !slices.ContainsFunc(set, func(v string) bool { return strings.HasPrefix(v, c.Name+"=") }) {
			http.SetCookie(w, c)
		}
	}
}

// clientIP is the address every per-client limit counts against (sign-in
// failures, sign-up turns, logo drawing): the peer, or with TrustProxy the
// address the proxy in front saw, which is the last one in X-Forwarded-For
// (earlier ones are whatever the client claimed). Without TrustProxy behind
// a proxy, every client shares the proxy's address. An IPv6 address counts
// as its /64 (see clientKey).
func (s *Server) clientIP(r *http.Request) string {
	if s.TrustProxy {
		if fwd := r.Header.Values("X-Forwarded-For"); len(fwd) > 0 {
			hops := strings.Split(fwd[len(fwd)-1], ",")
			if ip, err := netip.ParseAddr(strings.TrimSpace(hops[len(hops)-1])); err == nil {
				return clientKey(ip)
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		return clientKey(ip)
	}
	return host
}

// clientKey is the part of an address one client holds: an IPv4 address
// (an IPv4-mapped IPv6 one included) whole, an IPv6 address's /64, since
// one host or home is commonly given a whole /64 and could otherwise take
// a fresh address, out of 2^64, for every try.
func clientKey(ip netip.Addr) string {
	if ip = ip.Unmap(); ip.Is4() {
		return ip.String()
	}
	p, _ := ip.Prefix(64) // an IPv6 address always has 64 bits to keep
	return p.String()
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
			if err := readForm(w, r); err != nil {
				s.fail(w, r, err)
				return
			}
			ok = storableValues(r.PostForm)
		}
		if !ok {
			s.fail(w, r, ch.Errorf(ch.EBADREQUEST, "The request contains characters that are not text (a NUL character or bytes that are not UTF-8)."))
			return
		}
		next.ServeHTTP(w, r)
	})
}

const (
	maxFormBytes = 1 << 20
	// maxFormFields is net/url's own limit, which it enforces by parsing
	// nothing at all; counted here, it gets a message of its own.
	maxFormFields = 10000
)

// errFormTooLarge is the answer to a form beyond maxFormBytes or
// maxFormFields. Without it the form would parse as empty and its missing
// CSRF field would make it "expired", which sends the user reloading a page
// that will fail again.
var errFormTooLarge = ch.Errorf(ch.ETOOLARGE, "This form is too large: a form may send at most %d KB in at most %d fields. Go back, shorten what you typed and send it again.", maxFormBytes>>10, maxFormFields)

// readForm parses a posted form into r.PostForm within maxFormBytes and
// maxFormFields. Values it cannot decode (a stray %) are left out, as
// r.ParseForm leaves them.
func readForm(w http.ResponseWriter, r *http.Request) error {
	if r.MultipartForm != nil {
		return nil // the artwork upload, parsed with its own limit
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "multipart/form-data":
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		if err := r.ParseMultipartForm(maxFormBytes); err != nil {
			return formReadError(err)
		}
	case "application/x-www-form-urlencoded":
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxFormBytes))
		if err != nil {
			return formReadError(err)
		}
		if bytes.Count(body, []byte("&")) >= maxFormFields {
			return errFormTooLarge
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	r.ParseForm()
	return nil
}

func formReadError(err error) error {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) || errors.Is(err, multipart.ErrMessageTooLarge) {
		return errFormTooLarge
	}
	return ch.Errorf(ch.EBADREQUEST, "The form could not be read. Go back and send it again.")
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
