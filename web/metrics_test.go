package web

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	ch "chapterhouse"
	"chapterhouse/mail"
)

const metricsToken = "metrics-secret-0123456789"

// metricsPortal is a test portal that serves its metrics to metricsToken.
func metricsPortal(t *testing.T) *testPortal {
	p := newPortal(t)
	p.srv.MetricsToken = metricsToken
	return p
}

// scrape fetches /metrics with the metrics token and returns its samples,
// "name{labels}" → value, and the raw text.
func scrape(t *testing.T, p *testPortal) (map[string]float64, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", p.ts.URL+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+metricsToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %d %s", resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("GET /metrics: Content-Type %q", ct)
	}
	samples := map[string]float64{}
	for line := range strings.SplitSeq(string(body), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if i < 0 || err != nil {
			t.Fatalf("unparsable sample %q", line)
		}
		samples[line[:i]] = v
	}
	return samples, string(body)
}

// sample finds the one series of a metric that has all the given labels
// (`name="value"` each).
func sample(t *testing.T, samples map[string]float64, name string, labels ...string) float64 {
	t.Helper()
	found, value := 0, 0.0
	for series, v := range samples {
		n, rest, _ := strings.Cut(series, "{")
		if n != name {
			continue
		}
		ok := true
		for _, l := range labels {
			ok = ok && strings.Contains(rest, l)
		}
		if ok {
			found++
			value = v
		}
	}
	if found != 1 {
		t.Fatalf("%d series of %s with %v, want 1", found, name, labels)
	}
	return value
}

func TestMetricsRequestsByRoutePattern(t *testing.T) {
	p := metricsPortal(t)
	org := p.user("org@example.org", "Olga Organizer")
	cm := p.user("cm@example.org", "Cora Manager", ch.RoleCommunityManager)
	g := p.createGroup(groupApp("Alpha Python User Group", "FR", coordinator(org, "Acme")), org, cm, true)
	b := p.browser()
	for range 2 {
		if resp, _ := b.get("/groups/" + g.Slug); resp.StatusCode != http.StatusOK {
			t.Fatalf("group page: %d", resp.StatusCode)
		}
	}
	if resp, _ := b.get("/groups/zz-no-such-group"); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("missing group: %d", resp.StatusCode)
	}
	// Refused by a middleware before the mux runs: still counted under the
	// route the request was for.
	req, _ := http.NewRequest("GET", p.ts.URL+"/groups/"+g.Slug, nil)
	req.Header.Set("Authorization", "Bearer not-a-token")
	if resp, _ := b.do(req); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("bad token: %d", resp.StatusCode)
	}
	b.get("/zz-nowhere/at-all")
	req, _ = http.NewRequest("BREW", p.ts.URL+"/zz-nowhere", nil)
	b.do(req)

	samples, text := scrape(t, p)
	const hist = "chapterhouse_http_request_duration_seconds_count"
	route := `route="/groups/{slug}"`
	if got := sample(t, samples, hist, route, `method="GET"`, `status="2xx"`); got != 2 {
		t.Errorf("2xx on /groups/{slug}: %v, want 2", got)
	}
	if got := sample(t, samples, hist, route, `method="GET"`, `status="4xx"`); got != 2 {
		t.Errorf("4xx on /groups/{slug}: %v, want 2 (a 404 and a refused token)", got)
	}
	if got := sample(t, samples, "chapterhouse_http_request_duration_seconds_bucket", route, `status="2xx"`, `le="+Inf"`); got != 2 {
		t.Errorf("+Inf bucket: %v", got)
	}
	if got := sample(t, samples, hist, `route="/"`, `method="OTHER"`); got != 1 {
		t.Errorf("unknown method on an unknown path: %v", got)
	}
	for _, raw := range []string{g.Slug, "zz-no-such-group", "zz-nowhere", "BREW"} {
		if strings.Contains(text, raw) {
			t.Errorf("the metrics hold %q from a raw request", raw)
		}
	}
	if got := sample(t, samples, "chapterhouse_http_requests_in_flight"); got != 1 {
		t.Errorf("in flight during the scrape: %v, want 1 (the scrape)", got)
	}
	for _, name := range []string{"go_goroutines", "process_start_time_seconds", "chapterhouse_mail_deliveries_total", "chapterhouse_outbox_pending_messages"} {
		sample(t, samples, name)
	}
	// The first scrape is measured too, once it is done.
	samples, _ = scrape(t, p)
	if got := sample(t, samples, hist, `route="/metrics"`); got != 1 {
		t.Errorf("scrapes counted: %v", got)
	}
}

// failFor is a mail.Sender that fails for one recipient.
type failFor string

func (f failFor) Send(_ context.Context, m mail.Message) error {
	if m.To == string(f) {
		return errors.New("mailbox unavailable")
	}
	return nil
}

func TestMetricsOutboxAndWorker(t *testing.T) {
	p := metricsPortal(t)
	ctx := context.Background()
	var clock atomic.Int64
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	clock.Store(t0.UnixNano())
	p.db.Now = func() time.Time { return time.Unix(0, clock.Load()).UTC() }

	samples, _ := scrape(t, p)
	if n, age := sample(t, samples, "chapterhouse_outbox_pending_messages"), sample(t, samples, "chapterhouse_outbox_oldest_pending_age_seconds"); n != 0 || age != 0 {
		t.Fatalf("empty outbox: %v pending, oldest %vs", n, age)
	}
	if err := p.db.Enqueue(ctx, ch.Mail{To: "a@example.org", Subject: "One", Body: "."}); err != nil {
		t.Fatal(err)
	}
	clock.Add(int64(30 * time.Second))
	if err := p.db.Enqueue(ctx, ch.Mail{To: "b@example.org", Subject: "Two", Body: "."}); err != nil {
		t.Fatal(err)
	}
	clock.Add(int64(60 * time.Second))
	samples, _ = scrape(t, p)
	if n, age := sample(t, samples, "chapterhouse_outbox_pending_messages"), sample(t, samples, "chapterhouse_outbox_oldest_pending_age_seconds"); n != 2 || age != 90 {
		t.Fatalf("two queued: %v pending, oldest %vs; want 2 and 90s", n, age)
	}

	// A worker delivers one and fails the other; the server counts both.
	w := &mail.Worker{Outbox: p.db, Sender: failFor("a@example.org"), Via: "log", Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Observer: p.srv.MailObserver()}
	if sent, err := w.DeliverDue(ctx); sent != 1 || err != nil {
		t.Fatalf("DeliverDue: %d, %v", sent, err)
	}
	samples, _ = scrape(t, p)
	for name, want := range map[string]float64{
		"chapterhouse_outbox_pending_messages":           1,
		"chapterhouse_outbox_oldest_pending_age_seconds": 90,
		"chapterhouse_mail_deliveries_total":             1,
		"chapterhouse_mail_delivery_failures_total":      1,
	} {
		if got := sample(t, samples, name); got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	if ok, failed := sample(t, samples, "chapterhouse_mail_worker_runs_total", `result="ok"`), sample(t, samples, "chapterhouse_mail_worker_runs_total", `result="error"`); ok != 1 || failed != 0 {
		t.Errorf("worker runs: %v ok, %v error", ok, failed)
	}
	if last := sample(t, samples, "chapterhouse_mail_worker_last_success_timestamp_seconds"); last < float64(time.Now().Add(-time.Minute).Unix()) {
		t.Errorf("last successful run at %v", last)
	}

	entries, err := p.db.Outbox(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.SentAt == nil {
			if err := p.db.MarkMailSent(ctx, e.ID, "log"); err != nil {
				t.Fatal(err)
			}
		}
	}
	samples, _ = scrape(t, p)
	if n, age := sample(t, samples, "chapterhouse_outbox_pending_messages"), sample(t, samples, "chapterhouse_outbox_oldest_pending_age_seconds"); n != 0 || age != 0 {
		t.Errorf("all delivered: %v pending, oldest %vs", n, age)
	}
}

// The metrics are served only to the holder of the metrics token, and not
// at all without one.
func TestMetricsToken(t *testing.T) {
	p := newPortal(t)
	get := func(ts string, path, auth string) (*http.Response, string) {
		req, _ := http.NewRequest("GET", ts+path, nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp, string(body)
	}
	apiToken, _ := p.apiToken(p.user("cm@example.org", "Cora Manager", ch.RoleCommunityManager))
	// Off by default, whoever asks.
	for _, auth := range []string{"", "Bearer " + apiToken, "Bearer " + metricsToken} {
		resp, body := get(p.ts.URL, "/metrics", auth)
		if resp.StatusCode != http.StatusNotFound || strings.Contains(body, "chapterhouse_") || !strings.Contains(body, "--metrics-token") {
			t.Errorf("no metrics token configured, Authorization %q: %d %.100s", auth, resp.StatusCode, body)
		}
	}

	srv, err := New(Config{DB: p.db, Hasher: cheapHasher, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		BaseURL: "http://portal.test", MailVia: "log", MetricsToken: metricsToken})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	for _, auth := range []string{"", "Bearer", "Bearer wrong", "Bearer " + metricsToken + "x", "Bearer " + metricsToken[:10], metricsToken,
		"Basic " + metricsToken, "Bearer " + apiToken} {
		resp, body := get(ts.URL, "/metrics", auth)
		if resp.StatusCode != http.StatusUnauthorized || strings.Contains(body, "chapterhouse_") {
			t.Errorf("Authorization %q: %d %.100s", auth, resp.StatusCode, body)
		}
		if !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("Authorization %q: no WWW-Authenticate challenge", auth)
		}
	}
	for _, auth := range []string{"Bearer " + metricsToken, "bearer " + metricsToken} {
		if resp, body := get(ts.URL, "/metrics", auth); resp.StatusCode != http.StatusOK || !strings.Contains(body, "chapterhouse_http_requests_in_flight") {
			t.Errorf("Authorization %q: %d %.100s", auth, resp.StatusCode, body)
		}
	}
	// The metrics token opens nothing else, and the probes stay public.
	if resp, _ := get(ts.URL, "/api/v1/groups", "Bearer "+metricsToken); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("API with the metrics token: %d", resp.StatusCode)
	}
	for _, path := range []string{"/readyz", "/healthz"} {
		if resp, _ := get(ts.URL, path, ""); resp.StatusCode != http.StatusOK {
			t.Errorf("%s with a metrics token configured: %d", path, resp.StatusCode)
		}
	}
}

func TestReadyz(t *testing.T) {
	get := func(p *testPortal, path string) (int, string) {
		resp, body := p.browser().get(path)
		return resp.StatusCode, body
	}
	p := metricsPortal(t)
	if code, body := get(p, "/readyz"); code != http.StatusOK || body != "ready\n" {
		t.Fatalf("/readyz: %d %q", code, body)
	}
	p.srv.SetDraining()
	if code, body := get(p, "/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "shutting down") {
		t.Errorf("/readyz while draining: %d %q", code, body)
	}
	if code, _ := get(p, "/healthz"); code != http.StatusOK {
		t.Errorf("/healthz while draining: %d, want 200 (the process is alive)", code)
	}

	p = metricsPortal(t)
	p.db.Close()
	if code, body := get(p, "/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "database unavailable") {
		t.Errorf("/readyz with the database closed: %d %q", code, body)
	}
	// The metrics still answer, without the outbox, and count the failure.
	for range 2 { // a scrape counts its own error once it is done: look at the next
		_, text := scrape(t, p)
		if strings.Contains(text, "chapterhouse_outbox_pending_messages ") {
			t.Errorf("outbox depth reported without a database")
		}
	}
	samples, _ := scrape(t, p)
	if got := sample(t, samples, "promhttp_metric_handler_errors_total", `cause="gathering"`); got != 2 {
		t.Errorf("gathering errors: %v", got)
	}
}
