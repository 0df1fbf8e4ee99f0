package web

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"chapterhouse/mail"
	"chapterhouse/sqldb"
)

// metrics is what GET /metrics exposes, on a registry of the server's own
// (not Prometheus' global one), so that a process or a test may run several
// servers.
type metrics struct {
	registry        *prometheus.Registry
	handler         http.Handler
	requestDuration *prometheus.HistogramVec
	inFlight        prometheus.Gauge
	mailDelivered   prometheus.Counter
	mailFailed      prometheus.Counter
	workerRuns      *prometheus.CounterVec
	workerLastRun   prometheus.Gauge
}

// outboxScrapeTimeout bounds the outbox queries of a scrape, so a slow
// database delays Prometheus by at most this long.
const outboxScrapeTimeout = time.Second

func newMetrics(db *sqldb.DB, logger *slog.Logger) *metrics {
	reg := prometheus.NewRegistry()
	m := &metrics{
		registry: reg,
		requestDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "chapterhouse_http_request_duration_seconds",
			Help:    "Time to answer HTTP requests, by route pattern, method and status class.",
			Buckets: prometheus.DefBuckets,
		}, []string{"route", "method", "status"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "chapterhouse_http_requests_in_flight",
			Help: "HTTP requests being answered.",
		}),
		mailDelivered: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "chapterhouse_mail_deliveries_total",
			Help: "Messages this process delivered from the outbox.",
		}),
		mailFailed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "chapterhouse_mail_delivery_failures_total",
			Help: "Delivery attempts of this process that failed (the message is retried later).",
		}),
		workerRuns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chapterhouse_mail_worker_runs_total",
			Help: "Passes of the mail worker over the due messages, by result (ok or error).",
		}, []string{"result"}),
		workerLastRun: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "chapterhouse_mail_worker_last_success_timestamp_seconds",
			Help: "When the mail worker last finished a pass without error (Unix time).",
		}),
	}
	m.workerRuns.WithLabelValues("ok")
	m.workerRuns.WithLabelValues("error")
	reg.MustRegister(m.requestDuration, m.inFlight, m.mailDelivered, m.mailFailed, m.workerRuns, m.workerLastRun,
		newOutboxCollector(db),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.handler = promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		// A failing collector (the database is down) must not hide the
		// other metrics: it is logged and counted in
		// promhttp_metric_handler_errors_total, and its series are absent.
		ErrorHandling:       promhttp.ContinueOnError,
		ErrorLog:            slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		Registry:            reg,
		MaxRequestsInFlight: 4,
	})
	return m
}

// Delivered, Failed and Ran make metrics a mail.Observer.
func (m *metrics) Delivered() { m.mailDelivered.Inc() }
func (m *metrics) Failed()    { m.mailFailed.Inc() }
func (m *metrics) Ran(err error) {
	switch {
	case errors.Is(err, context.Canceled):
		return // cut short by shutdown: neither a success nor a failure
	case err != nil:
		m.workerRuns.WithLabelValues("error").Inc()
		return
	}
	m.workerRuns.WithLabelValues("ok").Inc()
	m.workerLastRun.SetToCurrentTime()
}

// MailObserver counts the deliveries, failures and passes of a mail.Worker
// in this server's metrics.
func (s *Server) MailObserver() mail.Observer { return s.metrics }

// outboxCollector reads the outbox's depth from the database at scrape time.
// Every node of a cluster reports the same shared queue: aggregate with max,
// not sum.
type outboxCollector struct {
	db                 *sqldb.DB
	pending, oldestAge *prometheus.Desc
}

func newOutboxCollector(db *sqldb.DB) *outboxCollector {
	return &outboxCollector{
		db: db,
		pending: prometheus.NewDesc("chapterhouse_outbox_pending_messages",
			"Messages in the outbox not yet delivered (shared by all nodes).", nil, nil),
		oldestAge: prometheus.NewDesc("chapterhouse_outbox_oldest_pending_age_seconds",
			"Age of the oldest message not yet delivered; 0 when the outbox is empty.", nil, nil),
	}
}

func (c *outboxCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.pending
	ch <- c.oldestAge
}

func (c *outboxCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), outboxScrapeTimeout)
	defer cancel()
	n, oldest, err := c.db.OutboxBacklog(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.pending, err)
		return
	}
	age := 0.0
	if n > 0 {
		age = max(c.db.Now().Sub(oldest).Seconds(), 0)
	}
	ch <- prometheus.MustNewConstMetric(c.pending, prometheus.GaugeValue, float64(n))
	ch <- prometheus.MustNewConstMetric(c.oldestAge, prometheus.GaugeValue, age)
}

type metricsCtxKey int

const (
	// routeKey holds, in a request's context, where routeRecorder writes
	// the pattern the ServeMux matched.
	routeKey metricsCtxKey = iota
	// metricsAllowedKey marks a request to /metrics that carried the
	// metrics token.
	metricsAllowedKey
)

// instrument measures every request by the route pattern that matched, never
// the raw path, so that slugs and ids do not multiply the series.
func (s *Server) instrument(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		s.metrics.inFlight.Inc()
		defer s.metrics.inFlight.Dec()
		var pattern string
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r.WithContext(context.WithValue(r.Context(), routeKey, &pattern)))
		if pattern == "" {
			// Refused by a middleware before the mux ran: ask it which
			// route the request was for.
			_, pattern = s.mux.Handler(r)
		}
		status := sw.status
		if status == 0 {
			status = http.StatusOK
		}
		s.metrics.requestDuration.WithLabelValues(routeLabel(pattern), methodLabel(r.Method), strconv.Itoa(status/100)+"xx").
			Observe(time.Since(start).Seconds())
	})
}

// routeRecorder sits right around the mux, which sets r.Pattern on the
// request it is given; the middlewares above only see copies of it.
func routeRecorder(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p, ok := r.Context().Value(routeKey).(*string); ok {
			defer func() { *p = r.Pattern }() // also when the handler panics
		}
		mux.ServeHTTP(w, r)
	})
}

// routeLabel is the path part of a pattern such as "GET /groups/{slug}".
func routeLabel(pattern string) string {
	if pattern == "" {
		return "unmatched"
	}
	if i := strings.IndexByte(pattern, ' '); i >= 0 {
		pattern = pattern[i+1:]
	}
	return pattern
}

// methodLabel keeps the method label to a known set: any client may send
// any method name.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions:
		return m
	}
	return "OTHER"
}

// guardMetrics serves /metrics only to the holder of the metrics token, and
// not at all when none is configured: the metrics name every route, the
// mail backlog and the process's resources, which are no one else's
// business. It runs before authenticate, which would take the Bearer token
// for an API token and refuse it, and removes the token once checked.
func (s *Server) guardMetrics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/metrics" {
			next.ServeHTTP(w, r)
			return
		}
		if s.MetricsToken == "" {
			metricsOff(w)
			return
		}
		scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		if !strings.EqualFold(scheme, "Bearer") || !sameSecret(strings.TrimSpace(token), s.MetricsToken) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="chapterhouse metrics"`)
			http.Error(w, "The metrics need the metrics token: Authorization: Bearer <token>.", http.StatusUnauthorized)
			return
		}
		r = r.WithContext(context.WithValue(r.Context(), metricsAllowedKey, true))
		r.Header = r.Header.Clone()
		r.Header.Del("Authorization")
		next.ServeHTTP(w, r)
	})
}

func metricsOff(w http.ResponseWriter) {
	http.Error(w, "The metrics are off: start serve with --metrics-token (or CHAPTERHOUSE_METRICS_TOKEN) to serve them to its holder.", http.StatusNotFound)
}

// sameSecret compares in constant time, lengths included.
func sameSecret(got, want string) bool {
	g, w := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(want))
	return subtle.ConstantTimeCompare(g[:], w[:]) == 1
}

func (s *Server) serveMetrics(w http.ResponseWriter, r *http.Request) {
	if r.Context().Value(metricsAllowedKey) == nil {
		metricsOff(w) // guardMetrics did not check the token: never serve them unchecked
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	s.metrics.handler.ServeHTTP(w, r)
}

// SetDraining makes /readyz answer 503 from now on: the process is shutting
// down and a load balancer should stop sending it requests.
func (s *Server) SetDraining() { s.draining.Store(true) }

// readyz tells a load balancer whether to send this node traffic: the
// database answers a real query, its schema is current and the process is
// not shutting down. /healthz stays the cheap liveness check.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if s.draining.Load() {
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.DB.Ready(ctx); err != nil {
		s.Logger.Warn("readiness check", "err", err)
		msg := "database unavailable"
		if errors.Is(err, sqldb.ErrSchemaBehind) {
			msg = "database schema is not up to date: run chapterhouse migrate"
		}
		http.Error(w, msg, http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ready\n"))
}
