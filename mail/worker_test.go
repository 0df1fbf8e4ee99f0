package mail_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/quotedprintable"
	"net"
	netmail "net/mail"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	ch "chapterhouse"
	"chapterhouse/mail"
	"chapterhouse/sqldb"
	"chapterhouse/sqldb/sqldbtest"
)

// inbox is an SMTP backend that keeps every message it accepts.
type inbox struct {
	mu   sync.Mutex
	msgs []delivered
	// ids and bodies hold the Message-ID and body of each message in msgs.
	ids, bodies []string
}

type delivered struct {
	From, To, Subject string
}

func (b *inbox) NewSession(*smtp.Conn) (smtp.Session, error) { return &inboxSession{b: b}, nil }

func (b *inbox) received() []delivered {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.msgs)
}

// sent returns the Message-ID and body of each message received, in order,
// read under the lock the server's sessions write them under.
func (b *inbox) sent() (ids, bodies []string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.ids), slices.Clone(b.bodies)
}

type inboxSession struct {
	b        *inbox
	from, to string
}

func (s *inboxSession) Mail(from string, _ *smtp.MailOptions) error { s.from = from; return nil }
func (s *inboxSession) Rcpt(to string, _ *smtp.RcptOptions) error   { s.to = to; return nil }
func (s *inboxSession) Reset()                                      { s.from, s.to = "", "" }
func (s *inboxSession) Logout() error                               { return nil }

func (s *inboxSession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	msg, err := netmail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		return err
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		return err
	}
	var text io.Reader = msg.Body
	if msg.Header.Get("Content-Transfer-Encoding") == "quoted-printable" {
		text = quotedprintable.NewReader(msg.Body)
	}
	body, err := io.ReadAll(text)
	if err != nil {
		return err
	}
	s.b.mu.Lock()
	s.b.msgs = append(s.b.msgs, delivered{s.from, s.to, subject})
	s.b.ids = append(s.b.ids, msg.Header.Get("Message-Id"))
	s.b.bodies = append(s.b.bodies, string(body))
	s.b.mu.Unlock()
	return nil
}

// serve runs an SMTP server on l until the returned function or the test ends it.
func serve(t *testing.T, l net.Listener, b *inbox) (stop func()) {
	t.Helper()
	srv := smtp.NewServer(b)
	srv.Domain = "localhost"
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	done := make(chan struct{})
	go func() { srv.Serve(l); close(done) }()
	var once sync.Once
	stop = func() { once.Do(func() { srv.Close(); <-done }) }
	t.Cleanup(stop)
	return stop
}

// smtpServer runs an SMTP server on a loopback port until the test ends.
func smtpServer(t *testing.T) (*inbox, int) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	box := &inbox{}
	serve(t, l, box)
	return box, l.Addr().(*net.TCPAddr).Port
}

// freePort returns a loopback port on which nothing listens.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return port
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newOutbox(t *testing.T) (*sqldb.DB, *clock) {
	t.Helper()
	db, err := sqldb.Open(context.Background(), t.TempDir(), sqldbtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	c := &clock{t: time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)}
	db.Now = c.Now
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db, c
}

func newWorker(t *testing.T, db *sqldb.DB, port int) *mail.Worker {
	t.Helper()
	sender, err := mail.NewSMTPSender(fmt.Sprintf("smtp://127.0.0.1:%d?from=portal@example.org", port))
	if err != nil {
		t.Fatal(err)
	}
	return &mail.Worker{Outbox: db, Sender: sender, Via: "smtp", Logger: slog.New(slog.DiscardHandler)}
}

func deliver(t *testing.T, w *mail.Worker) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	n, err := w.DeliverDue(ctx)
	if err != nil {
		t.Fatalf("DeliverDue: %v", err)
	}
	return n
}

func entries(t *testing.T, db *sqldb.DB) map[string]sqldb.OutboxEntry {
	t.Helper()
	list, err := db.Outbox(context.Background(), 100)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]sqldb.OutboxEntry{}
	for _, e := range list {
		out[e.Subject] = e
	}
	return out
}

func TestWorkerDeliversEachMailOnce(t *testing.T) {
	ctx := context.Background()
	db, clk := newOutbox(t)
	box, port := smtpServer(t)
	w := newWorker(t, db, port)

	err := db.Enqueue(ctx,
		ch.Mail{To: "ann@example.org", Subject: "Your application is in", Body: "Thanks."},
		ch.Mail{To: "cm@example.org", Subject: "Nouvelle candidature : Zürich", Body: "À relire."},
		ch.Mail{To: "bob@example.org", Subject: "Welcome", Body: "Hi Bob."},
	)
	if err != nil {
		t.Fatal(err)
	}
	if n := deliver(t, w); n != 3 {
		t.Fatalf("DeliverDue delivered %d, want 3", n)
	}
	got := box.received()
	slices.SortFunc(got, func(a, b delivered) int { return cmpString(a.To, b.To) })
	want := []delivered{
		{"portal@example.org", "ann@example.org", "Your application is in"},
		{"portal@example.org", "bob@example.org", "Welcome"},
		{"portal@example.org", "cm@example.org", "Nouvelle candidature : Zürich"},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("server received %v, want %v", got, want)
	}
	for subject, e := range entries(t, db) {
		if e.SentAt == nil || !e.SentAt.Equal(clk.Now()) || e.DeliveredVia != "smtp" || e.Attempts != 1 || e.LastError != "" {
			t.Errorf("%q: sent %v via %q after %d attempts, last error %q", subject, e.SentAt, e.DeliveredVia, e.Attempts, e.LastError)
		}
	}

	// Nothing is sent twice: not on the next round, nor once every lease
	// and retry wait has long passed.
	if n := deliver(t, w); n != 0 {
		t.Errorf("second round delivered %d", n)
	}
	clk.Add(48 * time.Hour)
	if n := deliver(t, w); n != 0 {
		t.Errorf("two days later delivered %d", n)
	}
	if got := len(box.received()); got != 3 {
		t.Errorf("server received %d messages in all, want 3", got)
	}
	if n, _ := db.OutboxPending(ctx); n != 0 {
		t.Errorf("OutboxPending = %d", n)
	}
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func TestWorkersShareTheOutbox(t *testing.T) {
	ctx := context.Background()
	db, _ := newOutbox(t)
	box, port := smtpServer(t)

	const n = 30
	var mails []ch.Mail
	for i := range n {
		mails = append(mails, ch.Mail{To: fmt.Sprintf("p%d@example.org", i), Subject: fmt.Sprintf("Mail %d", i), Body: "x"})
	}
	if err := db.Enqueue(ctx, mails...); err != nil {
		t.Fatal(err)
	}
	// Two app nodes run a worker each against the same database.
	var wg sync.WaitGroup
	counts := make([]int, 2)
	for i := range counts {
		w := newWorker(t, db, port)
		wg.Go(func() { counts[i] = deliver(t, w) })
	}
	wg.Wait()
	if counts[0]+counts[1] != n {
		t.Errorf("workers delivered %v, want %d in all", counts, n)
	}
	seen := map[string]int{}
	for _, m := range box.received() {
		seen[m.Subject]++
	}
	if len(seen) != n {
		t.Errorf("server received %d distinct messages, want %d", len(seen), n)
	}
	for s, k := range seen {
		if k != 1 {
			t.Errorf("%q delivered %d times", s, k)
		}
	}
}

func TestWorkerRetriesWhileServerIsDown(t *testing.T) {
	ctx := context.Background()
	db, clk := newOutbox(t)
	port := freePort(t) // nothing listens there yet
	w := newWorker(t, db, port)
	if err := db.Enqueue(ctx, ch.Mail{To: "ann@example.org", Subject: "Reset your password", Body: "Link"}); err != nil {
		t.Fatal(err)
	}

	if n := deliver(t, w); n != 0 {
		t.Fatalf("delivered %d with the server down", n)
	}
	e := entries(t, db)["Reset your password"]
	if e.SentAt != nil || e.Attempts != 1 || e.LastError == "" {
		t.Fatalf("after a failed attempt: sent %v, attempts %d, last error %q", e.SentAt, e.Attempts, e.LastError)
	}
	if n, _ := db.OutboxPending(ctx); n != 1 {
		t.Fatalf("OutboxPending = %d, want the mail still queued", n)
	}

	// Still down at the first retry: the wait doubles.
	clk.Add(mail.Backoff(1))
	if n := deliver(t, w); n != 0 {
		t.Fatalf("delivered %d with the server down", n)
	}
	if e := entries(t, db)["Reset your password"]; e.Attempts != 2 || e.SentAt != nil || e.LastError == "" {
		t.Fatalf("after the second failure: attempts %d, sent %v, last error %q", e.Attempts, e.SentAt, e.LastError)
	}

	// The server comes back; the mail waits for its turn rather than
	// hammering the server.
	l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Skipf("cannot listen again on port %d: %v", port, err)
	}
	box := &inbox{}
	serve(t, l, box)
	if n := deliver(t, w); n != 0 {
		t.Errorf("retried %d right after a failure", n)
	}
	clk.Add(mail.Backoff(2) - time.Second)
	if n := deliver(t, w); n != 0 {
		t.Errorf("retried %d before the backoff of %v passed", n, mail.Backoff(2))
	}
	if len(box.received()) != 0 {
		t.Fatal("the server received mail before the retry was due")
	}
	clk.Add(time.Second)
	if n := deliver(t, w); n != 1 {
		t.Fatalf("delivered %d once the retry was due, want 1", n)
	}
	e = entries(t, db)["Reset your password"]
	if e.SentAt == nil || e.Attempts != 3 || e.LastError != "" || e.DeliveredVia != "smtp" {
		t.Errorf("after delivery: sent %v, attempts %d, last error %q, via %q", e.SentAt, e.Attempts, e.LastError, e.DeliveredVia)
	}

	clk.Add(24 * time.Hour)
	if n := deliver(t, w); n != 0 {
		t.Errorf("delivered %d more a day later", n)
	}
	if got := box.received(); len(got) != 1 || got[0].To != "ann@example.org" {
		t.Errorf("server received %v, want the one mail once", got)
	}
}

// stopDuringSend delivers for real, then the process is told to stop
// before the worker has recorded the delivery.
type stopDuringSend struct {
	mail.Sender
	stop context.CancelFunc
}

func (s stopDuringSend) Send(ctx context.Context, m mail.Message) error {
	err := s.Sender.Send(ctx, m)
	s.stop()
	return err
}

func TestWorkerRecordsDeliveryDuringShutdown(t *testing.T) {
	ctx := context.Background()
	db, clk := newOutbox(t)
	box, port := smtpServer(t)
	w := newWorker(t, db, port)
	db.Enqueue(ctx, ch.Mail{To: "a@example.org", Subject: "First", Body: "x"}, ch.Mail{To: "b@example.org", Subject: "Second", Body: "x"})

	runCtx, stop := context.WithCancel(ctx)
	real := w.Sender
	w.Sender = stopDuringSend{Sender: real, stop: stop}
	n, err := w.DeliverDue(runCtx)
	if n != 1 || !errors.Is(err, context.Canceled) {
		t.Fatalf("DeliverDue during shutdown = %d, %v; want 1 delivered, then canceled", n, err)
	}
	if got := len(box.received()); got != 1 {
		t.Fatalf("server received %d, want 1", got)
	}
	es := entries(t, db)
	if es["First"].SentAt == nil && es["Second"].SentAt == nil {
		t.Fatal("the delivered mail is not recorded as sent")
	}
	for s, e := range es {
		if e.SentAt == nil && e.LastError != "" {
			t.Errorf("%q: the shutdown was recorded as a delivery failure: %q", s, e.LastError)
		}
	}

	// The next worker sends what was left, once its lease is over, and
	// does not send the first mail again.
	w.Sender = real
	clk.Add(10 * time.Minute)
	if n := deliver(t, w); n != 1 {
		t.Errorf("next worker delivered %d, want the one left", n)
	}
	seen := map[string]int{}
	for _, m := range box.received() {
		seen[m.Subject]++
	}
	if seen["First"] != 1 || seen["Second"] != 1 {
		t.Errorf("deliveries per mail: %v, want each once", seen)
	}
}

func TestWorkerRun(t *testing.T) {
	db, _ := newOutbox(t)
	box, port := smtpServer(t)
	w := newWorker(t, db, port)
	w.Interval = 10 * time.Millisecond
	w.Logger = nil // the default logger serves

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { w.Run(ctx); close(done) }()

	// Mail queued while the worker runs goes out without anyone asking.
	db.Enqueue(context.Background(), ch.Mail{To: "ann@example.org", Subject: "Later", Body: "x"})
	deadline := time.Now().Add(10 * time.Second)
	for len(box.received()) == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
	if got := box.received(); len(got) != 1 || got[0].Subject != "Later" {
		t.Errorf("server received %v", got)
	}
}

func TestBackoff(t *testing.T) {
	want := []time.Duration{time.Minute, time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute}
	for i, d := range want {
		if got := mail.Backoff(i); got != d {
			t.Errorf("Backoff(%d) = %v, want %v", i, got, d)
		}
	}
	for _, n := range []int{10, 20, 100, 1 << 20} {
		if got := mail.Backoff(n); got != 6*time.Hour {
			t.Errorf("Backoff(%d) = %v, want the 6h ceiling", n, got)
		}
	}
}

// slowSender stands in for a slow SMTP server: each send takes delay. It
// records how often each message went out.
type slowSender struct {
	delay time.Duration
	mu    sync.Mutex
	sent  map[int64]int
}

func (s *slowSender) Send(ctx context.Context, m mail.Message) error {
	time.Sleep(s.delay)
	s.mu.Lock()
	s.sent[m.ID]++
	s.mu.Unlock()
	return nil
}

// A batch that takes longer than its lease must not be sent twice: the
// worker stops starting sends when too little lease is left and gives the
// rest back.
func TestSlowServerNoDuplicates(t *testing.T) {
	db, _ := newOutbox(t)
	db.Now = func() time.Time { return time.Now().UTC() } // leases must really expire
	ctx := context.Background()
	var mails []ch.Mail
	for i := range 12 {
		mails = append(mails, ch.Mail{To: fmt.Sprintf("m%d@example.org", i), Subject: "S", Body: "B"})
	}
	if err := db.Enqueue(ctx, mails...); err != nil {
		t.Fatal(err)
	}
	sender := &slowSender{delay: 80 * time.Millisecond, sent: map[int64]int{}}
	var wg sync.WaitGroup
	for range 2 {
		w := &mail.Worker{Outbox: db, Sender: sender, Via: "smtp", Lease: 600 * time.Millisecond, SendBudget: 200 * time.Millisecond}
		wg.Go(func() {
			// Keep passing until nothing is left, as Run would.
			for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
				if _, err := w.DeliverDue(ctx); err != nil {
					t.Error(err)
					return
				}
				if n, _ := db.OutboxPending(ctx); n == 0 {
					return
				}
			}
		})
	}
	wg.Wait()
	if n, _ := db.OutboxPending(ctx); n != 0 {
		t.Fatalf("%d messages left unsent", n)
	}
	for id, n := range sender.sent {
		if n != 1 {
			t.Errorf("message %d sent %d times", id, n)
		}
	}
	if len(sender.sent) != len(mails) {
		t.Errorf("%d messages sent, want %d", len(sender.sent), len(mails))
	}
}

// A one-time link travels in the delivery only: once the server has the
// mail, the stored copy (the outgoing mail page, backups) no longer holds
// it. Sent mail is deleted after the retention period.
func TestSentMailKeepsNoLink(t *testing.T) {
	ctx := context.Background()
	db, clk := newOutbox(t)
	box, port := smtpServer(t)
	w := newWorker(t, db, port)
	ann, err := db.CreateUser(ctx, "ann@example.org", "Ann", "x", true, 0)
	if err != nil {
		t.Fatal(err)
	}
	token, err := db.CreateUserToken(ctx, ann.ID, sqldb.PurposeReset, ann.Email, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	body := "Hello Ann,\n\nFollow this link:\n\nhttps://portal.example.org/password/reset?token=" + token + "\n\nThanks.\n"
	if err := db.Enqueue(ctx, ch.Mail{To: ann.Email, Subject: "Reset your password", Body: body, Secret: token}); err != nil {
		t.Fatal(err)
	}
	if n := deliver(t, w); n != 1 {
		t.Fatalf("delivered %d, want 1", n)
	}
	if _, got := box.sent(); len(got) != 1 || !strings.Contains(got[0], token) {
		t.Fatalf("the server received %q, want the link with its token", got)
	}
	// The link still works (nobody followed it), so the page would show it
	// if the stored body held it.
	e := entries(t, db)["Reset your password"]
	if strings.Contains(e.Body, token) || !strings.Contains(e.Body, sqldb.LinkRemoved) || !strings.Contains(e.Body, "Thanks.") {
		t.Errorf("the stored copy of a sent mail reads:\n%s", e.Body)
	}
	clk.Add(sqldb.MailRetention - time.Minute)
	if n, err := db.ForgetSentMail(ctx); n != 0 || err != nil {
		t.Errorf("ForgetSentMail within the retention period deleted %d (%v)", n, err)
	}
	clk.Add(2 * time.Minute)
	if n, err := db.ForgetSentMail(ctx); n != 1 || err != nil {
		t.Errorf("ForgetSentMail after the retention period deleted %d (%v), want the sent mail", n, err)
	}
}

// Without SMTP the outgoing mail page is how a link reaches its owner: it
// shows the link while it works, and not once it is used.
func TestLoggedMailShowsLinkUntilUsed(t *testing.T) {
	ctx := context.Background()
	db, _ := newOutbox(t)
	w := &mail.Worker{Outbox: db, Sender: mail.LogSender{Logger: slog.New(slog.DiscardHandler)}, Via: mail.ViaLog}
	ann, err := db.CreateUser(ctx, "ann@example.org", "Ann", "x", false, 0)
	if err != nil {
		t.Fatal(err)
	}
	token, err := db.CreateUserToken(ctx, ann.ID, sqldb.PurposeVerify, ann.Email, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	link := "https://portal.example.org/verify?token=" + token
	if err := db.Enqueue(ctx, ch.Mail{To: ann.Email, Subject: "Verify", Body: "Follow:\n" + link + "\n", Secret: token}); err != nil {
		t.Fatal(err)
	}
	if n := deliver(t, w); n != 1 {
		t.Fatalf("logged %d, want 1", n)
	}
	if e := entries(t, db)["Verify"]; !strings.Contains(e.Body, link) {
		t.Fatalf("a logged mail whose link works shows:\n%s", e.Body)
	}
	if _, _, err := db.ConsumeUserToken(ctx, token, sqldb.PurposeVerify); err != nil {
		t.Fatal(err)
	}
	if e := entries(t, db)["Verify"]; strings.Contains(e.Body, token) || !strings.Contains(e.Body, sqldb.LinkRemoved) {
		t.Errorf("once the link is used the page shows:\n%s", e.Body)
	}
}

// forgetful records nothing the first time a delivery is marked sent, as if
// the process died between the delivery and its record.
type forgetful struct {
	mail.Outbox
	forgot bool
}

func (f *forgetful) MarkMailSent(ctx context.Context, id int64, via string) error {
	if !f.forgot {
		f.forgot = true
		return errors.New("killed")
	}
	return f.Outbox.MarkMailSent(ctx, id, via)
}

// Delivery is at least once: a mail sent again after a crash carries the
// same Message-ID, so that receiving servers and mail clients can drop the
// copy; another mail has another.
func TestResentMailKeepsItsMessageID(t *testing.T) {
	ctx := context.Background()
	db, clk := newOutbox(t)
	box, port := smtpServer(t)
	w := newWorker(t, db, port)
	w.Host = "portal.example.org"
	w.Outbox = &forgetful{Outbox: db}
	if err := db.Enqueue(ctx, ch.Mail{To: "ann@example.org", Subject: "Once", Body: "x"}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.DeliverDue(ctx); err == nil {
		t.Fatal("the lost record went unnoticed")
	}
	clk.Add(10 * time.Minute) // the lease ends; the mail is due again
	if n := deliver(t, w); n != 1 {
		t.Fatalf("delivered %d after the crash, want the mail again", n)
	}
	if err := db.Enqueue(ctx, ch.Mail{To: "ann@example.org", Subject: "Other", Body: "y"}); err != nil {
		t.Fatal(err)
	}
	deliver(t, w)
	ids, _ := box.sent()
	if len(ids) != 3 {
		t.Fatalf("the server received %d messages, want 3", len(ids))
	}
	if ids[0] != ids[1] || !strings.HasSuffix(ids[0], "@portal.example.org>") {
		t.Errorf("the two sends of one mail carry Message-IDs %q and %q, want one, at the portal's host", ids[0], ids[1])
	}
	if ids[2] == ids[0] {
		t.Errorf("another mail carries the same Message-ID %q", ids[2])
	}
}
