package mail

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/http/httptest"
	netmail "net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	gomail "github.com/wneessen/go-mail"
)

// received is one message as the test server saw it.
type received struct {
	from   string
	rcpts  []string
	data   []byte
	authAs string // username after a successful AUTH, "" if none
	mech   string // SASL mechanism of that AUTH
	tls    bool
}

// backend records every completed transaction. Zero value: no AUTH offered,
// everything accepted.
type backend struct {
	mechs      []string // advertised AUTH mechanisms
	user, pass string
	rejectRcpt bool

	mu   sync.Mutex
	msgs []received
}

func (b *backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	_, isTLS := c.TLSConnectionState()
	return &session{b: b, cur: received{tls: isTLS}}, nil
}

func (b *backend) received() []received {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]received(nil), b.msgs...)
}

type session struct {
	b   *backend
	cur received
}

func (s *session) AuthMechanisms() []string { return s.b.mechs }

func (s *session) Auth(mech string) (sasl.Server, error) {
	check := func(user, pass string) error {
		if user != s.b.user || pass != s.b.pass {
			return errors.New("invalid credentials")
		}
		s.cur.authAs, s.cur.mech = user, mech
		return nil
	}
	switch mech {
	case sasl.Plain:
		return sasl.NewPlainServer(func(_, user, pass string) error { return check(user, pass) }), nil
	case sasl.Login:
		return &loginServer{check: check}, nil
	}
	return nil, smtp.ErrAuthUnknownMechanism
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if len(s.b.mechs) > 0 && s.cur.authAs == "" {
		return smtp.ErrAuthRequired
	}
	s.cur.from = from
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if s.b.rejectRcpt {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
	}
	s.cur.rcpts = append(s.cur.rcpts, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	got := s.cur
	got.data = data
	s.b.mu.Lock()
	s.b.msgs = append(s.b.msgs, got)
	s.b.mu.Unlock()
	return nil
}

func (s *session) Reset() {
	s.cur = received{authAs: s.cur.authAs, mech: s.cur.mech, tls: s.cur.tls}
}

func (s *session) Logout() error { return nil }

// loginServer is the server side of SASL LOGIN, which go-sasl no longer ships.
type loginServer struct {
	step  int
	user  string
	check func(user, pass string) error
}

func (l *loginServer) Next(resp []byte) ([]byte, bool, error) {
	l.step++
	switch l.step {
	case 1:
		if resp != nil { // initial response carries the username
			l.user = string(resp)
			l.step++
			return []byte("Password:"), false, nil
		}
		return []byte("Username:"), false, nil
	case 2:
		l.user = string(resp)
		return []byte("Password:"), false, nil
	default:
		return nil, true, l.check(l.user, string(resp))
	}
}

type serverMode int

const (
	plainOnly serverMode = iota
	offerSTARTTLS
	implicitTLS
)

// startServer runs be on 127.0.0.1:0 and returns its port.
func startServer(t *testing.T, be *backend, mode serverMode, cert *tls.Certificate) int {
	t.Helper()
	srv := smtp.NewServer(be)
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	if mode != plainOnly {
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{*cert}}
	}

	var l net.Listener
	var err error
	if mode == implicitTLS {
		l, err = tls.Listen("tcp", "127.0.0.1:0", srv.TLSConfig)
	} else {
		l, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return l.Addr().(*net.TCPAddr).Port
}

// testCert borrows httptest's certificate, which is valid for 127.0.0.1.
func testCert(t *testing.T) (*tls.Certificate, *x509.CertPool) {
	t.Helper()
	ts := httptest.NewUnstartedServer(nil)
	ts.StartTLS()
	defer ts.Close()
	pool := x509.NewCertPool()
	pool.AddCert(ts.Certificate())
	return &ts.TLS.Certificates[0], pool
}

func newSender(t *testing.T, rawURL string, extra ...gomail.Option) Sender {
	t.Helper()
	s, err := parseSMTPURL(rawURL)
	if err != nil {
		t.Fatalf("parseSMTPURL(%q): %v", rawURL, err)
	}
	s.extra = extra
	return s
}

func sendOne(t *testing.T, s Sender) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	return s.Send(ctx, Message{ID: 7, To: "reader@example.com", Subject: "Hello", Body: "Hi there"})
}

func onlyOne(t *testing.T, be *backend) received {
	t.Helper()
	got := be.received()
	if len(got) != 1 {
		t.Fatalf("server received %d messages, want 1", len(got))
	}
	return got[0]
}

func TestSMTPSenderDelivers(t *testing.T) {
	be := &backend{}
	port := startServer(t, be, plainOnly, nil)

	s, err := NewSMTPSender(fmt.Sprintf("smtp://127.0.0.1:%d?from=portal@example.org", port))
	if err != nil {
		t.Fatal(err)
	}
	body := "Grüße aus dem Kapitelhaus.\n.a line starting with a dot\n" + strings.Repeat("long ", 40) + "\nend"
	subject := "Einladung: Kapitelsitzung – März"
	err = s.Send(context.Background(), Message{ID: 1, To: "reader@example.com", Subject: subject, Body: body})
	if err != nil {
		t.Fatalf("Send: %v", err)
	}

	got := onlyOne(t, be)
	if got.from != "portal@example.org" {
		t.Errorf("MAIL FROM = %q", got.from)
	}
	if len(got.rcpts) != 1 || got.rcpts[0] != "reader@example.com" {
		t.Errorf("RCPT TO = %q", got.rcpts)
	}
	if got.authAs != "" {
		t.Errorf("authenticated as %q without a user in the URL", got.authAs)
	}

	msg, err := netmail.ReadMessage(bytes.NewReader(got.data))
	if err != nil {
		t.Fatalf("parse DATA: %v\n%s", err, got.data)
	}
	dec := new(mime.WordDecoder)
	if subj, err := dec.DecodeHeader(msg.Header.Get("Subject")); err != nil || subj != subject {
		t.Errorf("Subject = %q (%v), want %q", subj, err, subject)
	}
	if from, err := msg.Header.AddressList("From"); err != nil || len(from) != 1 || from[0].Address != "portal@example.org" {
		t.Errorf("From header = %v (%v)", from, err)
	}
	if to, err := msg.Header.AddressList("To"); err != nil || len(to) != 1 || to[0].Address != "reader@example.com" {
		t.Errorf("To header = %v (%v)", to, err)
	}
	if id := msg.Header.Get("Message-Id"); !strings.HasPrefix(id, "<") || !strings.HasSuffix(id, "@example.org>") {
		t.Errorf("Message-ID = %q, want <...@example.org>", id)
	}
	if d, err := msg.Header.Date(); err != nil || time.Since(d).Abs() > time.Minute {
		t.Errorf("Date header = %v (%v)", d, err)
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "text/plain" || !strings.EqualFold(params["charset"], "utf-8") {
		t.Errorf("Content-Type = %q", msg.Header.Get("Content-Type"))
	}

	var r io.Reader = msg.Body
	if strings.EqualFold(msg.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
		r = quotedprintable.NewReader(r)
	}
	raw, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	gotBody := strings.TrimRight(strings.ReplaceAll(string(raw), "\r\n", "\n"), "\n")
	if gotBody != body {
		t.Errorf("body = %q\nwant   %q", gotBody, body)
	}
}

func TestSMTPSenderDefaultFrom(t *testing.T) {
	be := &backend{}
	port := startServer(t, be, plainOnly, nil)
	if err := sendOne(t, newSender(t, fmt.Sprintf("smtp://127.0.0.1:%d", port))); err != nil {
		t.Fatal(err)
	}
	if got := onlyOne(t, be).from; got != "chapterhouse@localhost" {
		t.Errorf("MAIL FROM = %q, want chapterhouse@localhost", got)
	}
}

func TestSMTPSenderAuth(t *testing.T) {
	for _, tc := range []struct {
		offered []string
		want    string
	}{
		{[]string{sasl.Plain}, sasl.Plain},
		{[]string{sasl.Login}, sasl.Login},
		{[]string{sasl.Login, sasl.Plain}, sasl.Plain},
	} {
		mechs := tc.offered
		t.Run(strings.Join(mechs, "+"), func(t *testing.T) {
			be := &backend{mechs: mechs, user: "portal", pass: "s3cret:/@"}
			port := startServer(t, be, plainOnly, nil)
			u := fmt.Sprintf("smtp://portal:s3cret%%3A%%2F%%40@127.0.0.1:%d?from=portal@example.org", port)
			if err := sendOne(t, newSender(t, u)); err != nil {
				t.Fatalf("Send: %v", err)
			}
			if got := onlyOne(t, be); got.authAs != "portal" || got.mech != tc.want {
				t.Errorf("authenticated as %q with %s, want portal with %s", got.authAs, got.mech, tc.want)
			}
		})
	}

	t.Run("wrong password", func(t *testing.T) {
		be := &backend{mechs: []string{sasl.Plain}, user: "portal", pass: "right"}
		port := startServer(t, be, plainOnly, nil)
		if err := sendOne(t, newSender(t, fmt.Sprintf("smtp://portal:wrong@127.0.0.1:%d", port))); err == nil {
			t.Fatal("Send succeeded with a wrong password")
		}
		if n := len(be.received()); n != 0 {
			t.Errorf("server received %d messages", n)
		}
	})

	t.Run("user given but server offers no AUTH", func(t *testing.T) {
		be := &backend{}
		port := startServer(t, be, plainOnly, nil)
		if err := sendOne(t, newSender(t, fmt.Sprintf("smtp://portal:pw@127.0.0.1:%d", port))); err == nil {
			t.Fatal("Send succeeded although the configured credentials could not be used")
		}
	})
}

// Credentials travel in clear only to localhost; any other plain server must
// make Send fail before AUTH is even attempted.
func TestSMTPSenderNoCleartextCredentials(t *testing.T) {
	be := &backend{mechs: []string{sasl.Plain, sasl.Login}, user: "portal", pass: "pw"}
	srv := smtp.NewServer(be)
	srv.AllowInsecureAuth = true
	l, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Skipf("no 127.0.0.2 loopback: %v", err)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })

	u := fmt.Sprintf("smtp://portal:pw@127.0.0.2:%d", l.Addr().(*net.TCPAddr).Port)
	if err := sendOne(t, newSender(t, u)); err == nil {
		t.Fatal("Send authenticated over an unencrypted connection to a non-local host")
	}
	if n := len(be.received()); n != 0 {
		t.Errorf("server received %d messages", n)
	}
}

func TestSMTPSenderSTARTTLS(t *testing.T) {
	cert, pool := testCert(t)
	be := &backend{mechs: []string{sasl.Plain}, user: "portal", pass: "pw"}
	port := startServer(t, be, offerSTARTTLS, cert)
	u := fmt.Sprintf("smtp://portal:pw@127.0.0.1:%d", port)

	trust := gomail.WithTLSConfig(&tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12})
	if err := sendOne(t, newSender(t, u, trust)); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if got := onlyOne(t, be); !got.tls || got.authAs != "portal" {
		t.Errorf("got tls=%v auth=%q", got.tls, got.authAs)
	}

	// Offered TLS with a certificate we cannot verify must fail, not downgrade.
	if err := sendOne(t, newSender(t, u)); err == nil {
		t.Error("Send succeeded over STARTTLS with an untrusted certificate")
	}
}

func TestSMTPSenderImplicitTLS(t *testing.T) {
	cert, pool := testCert(t)
	be := &backend{mechs: []string{sasl.Plain}, user: "portal", pass: "pw"}
	port := startServer(t, be, implicitTLS, cert)
	u := fmt.Sprintf("smtps://portal:pw@127.0.0.1:%d?from=portal@example.org", port)

	trust := gomail.WithTLSConfig(&tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12})
	if err := sendOne(t, newSender(t, u, trust)); err != nil {
		t.Fatalf("Send: %v", err)
	}
	got := onlyOne(t, be)
	if !got.tls || got.authAs != "portal" || got.from != "portal@example.org" {
		t.Errorf("got tls=%v auth=%q from=%q", got.tls, got.authAs, got.from)
	}
}

func TestSMTPSenderRejectedRecipient(t *testing.T) {
	be := &backend{rejectRcpt: true}
	port := startServer(t, be, plainOnly, nil)
	err := sendOne(t, newSender(t, fmt.Sprintf("smtp://127.0.0.1:%d", port)))
	if err == nil {
		t.Fatal("Send succeeded although RCPT was rejected")
	}
	if !strings.Contains(err.Error(), "no such user") {
		t.Errorf("error does not carry the server's reason: %v", err)
	}
	if n := len(be.received()); n != 0 {
		t.Errorf("server received %d messages", n)
	}
}

func TestSMTPSenderUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()

	start := time.Now()
	if err := sendOne(t, newSender(t, fmt.Sprintf("smtp://127.0.0.1:%d", port))); err == nil {
		t.Fatal("Send to a closed port succeeded")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Send took %v to fail", d)
	}
}

func TestNewSMTPSenderURLs(t *testing.T) {
	bad := map[string]string{
		"ftp://x":                          "scheme",
		"smtp://":                          "host",
		"://":                              "scheme",
		"":                                 "scheme",
		"smtp:mail.example.org":            "//",
		"smtp://mail.example.org:0":        "port",
		"smtp://mail.example.org:70000":    "port",
		"smtp://mail.example.org:abc":      "port",
		"smtp://mail.example.org/x":        "path",
		"smtp://:pw@mail.example.org":      "user",
		"smtp://h?from=not-an-address":     "from",
		"smtp://h?form=portal@example.org": "form",
		"smtp://h?from=a@b.c&from=d@e.f":   "from",
	}
	for raw, want := range bad {
		_, err := NewSMTPSender(raw)
		if err == nil {
			t.Errorf("NewSMTPSender(%q) succeeded", raw)
			continue
		}
		if !strings.Contains(err.Error(), want) {
			t.Errorf("NewSMTPSender(%q) = %v, want it to mention %q", raw, err, want)
		}
	}

	// A parse error must not echo the password into logs.
	if _, err := NewSMTPSender("smtp://u:hunter2@h:bad port"); err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("error leaks or is missing: %v", err)
	}

	good := []struct {
		raw  string
		want smtpSender
	}{
		{"smtp://mail.example.org", smtpSender{host: "mail.example.org", port: 25, from: defaultFrom}},
		{"smtps://mail.example.org", smtpSender{host: "mail.example.org", port: 465, implicitTLS: true, from: defaultFrom}},
		{"SMTP://u:p@mail.example.org:587/?from=portal@example.org",
			smtpSender{host: "mail.example.org", port: 587, user: "u", pass: "p", from: "portal@example.org"}},
		{"smtp://[::1]:2525", smtpSender{host: "::1", port: 2525, from: defaultFrom}},
	}
	for _, tc := range good {
		got, err := parseSMTPURL(tc.raw)
		if err != nil {
			t.Errorf("parseSMTPURL(%q): %v", tc.raw, err)
			continue
		}
		if got.host != tc.want.host || got.port != tc.want.port || got.implicitTLS != tc.want.implicitTLS ||
			got.user != tc.want.user || got.pass != tc.want.pass || got.from != tc.want.from {
			t.Errorf("parseSMTPURL(%q) = %+v, want %+v", tc.raw, *got, tc.want)
		}
	}
}

func TestLogSender(t *testing.T) {
	var buf bytes.Buffer
	s := LogSender{Logger: slog.New(slog.NewTextHandler(&buf, nil))}
	err := s.Send(context.Background(), Message{ID: 3, To: "reader@example.com", Subject: "Your invitation", Body: "Click here"})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"reader@example.com", "Your invitation", "Click here"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("log %q lacks %q", buf.String(), want)
		}
	}
	var _ Sender = LogSender{}
}
