package mail

import (
	"cmp"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	netmail "net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

const (
	defaultFrom = "chapterhouse@localhost"
	smtpTimeout = 10 * time.Second
)

type smtpSender struct {
	host        string
	port        int
	implicitTLS bool
	user, pass  string
	from        string
	fromDomain  string

	// extra lets tests trust their own certificate; production has none.
	extra []gomail.Option
}

// NewSMTPSender parses an SMTP URL and returns a Sender that delivers with
// github.com/wneessen/go-mail.
//
// URL forms:
//
//	smtp://user:pass@host:port   STARTTLS when the server offers it, plain otherwise (default port 25)
//	smtps://user:pass@host:port  implicit TLS (default port 465)
//
// The query parameter from (?from=portal@example.org) sets the From address,
// default "chapterhouse@localhost". Authentication happens only when a user
// is given: PLAIN, or LOGIN when only that is offered, else whatever go-mail
// discovers. Credentials are only ever sent over TLS or to localhost, so a
// remote server without STARTTLS fails rather than receiving them in clear.
func NewSMTPSender(rawURL string) (Sender, error) {
	return parseSMTPURL(rawURL)
}

func parseSMTPURL(rawURL string) (*smtpSender, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		// url.Error repeats the whole URL, password included; keep only the cause.
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return nil, fmt.Errorf("mail: invalid SMTP URL: %v", err)
	}

	s := &smtpSender{from: defaultFrom}
	switch u.Scheme {
	case "smtp":
		s.port = 25
	case "smtps":
		s.port = 465
		s.implicitTLS = true
	case "":
		return nil, errors.New("mail: invalid SMTP URL: missing scheme (want smtp:// or smtps://)")
	default:
		return nil, fmt.Errorf("mail: invalid SMTP URL: unsupported scheme %q (want smtp or smtps)", u.Scheme)
	}
	if u.Opaque != "" {
		return nil, fmt.Errorf("mail: invalid SMTP URL: missing // after %q", u.Scheme+":")
	}
	s.host = u.Hostname()
	if s.host == "" {
		return nil, errors.New("mail: invalid SMTP URL: missing host")
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("mail: invalid SMTP URL: port %q out of range", p)
		}
		s.port = n
	}
	if u.Path != "" && u.Path != "/" {
		return nil, fmt.Errorf("mail: invalid SMTP URL: unexpected path %q", u.Path)
	}
	if u.Fragment != "" {
		return nil, errors.New("mail: invalid SMTP URL: unexpected fragment")
	}
	if u.User != nil {
		s.user = u.User.Username()
		s.pass, _ = u.User.Password()
		if s.user == "" {
			return nil, errors.New("mail: invalid SMTP URL: password given without user")
		}
	}

	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return nil, fmt.Errorf("mail: invalid SMTP URL: query: %v", err)
	}
	for k, v := range q {
		// Rejecting unknown keys catches typos such as ?form= that would
		// otherwise silently fall back to the default sender.
		if k != "from" {
			return nil, fmt.Errorf("mail: invalid SMTP URL: unknown query parameter %q", k)
		}
		if len(v) != 1 {
			return nil, errors.New("mail: invalid SMTP URL: from given more than once")
		}
		if _, err := netmail.ParseAddress(v[0]); err != nil {
			return nil, fmt.Errorf("mail: invalid SMTP URL: from address %q: %v", v[0], err)
		}
		s.from = v[0]
	}
	addr, _ := netmail.ParseAddress(s.from)
	s.fromDomain = addr.Address[strings.LastIndexByte(addr.Address, '@')+1:]
	return s, nil
}

func (s *smtpSender) options() []gomail.Option {
	opts := []gomail.Option{
		gomail.WithPort(s.port),
		gomail.WithTimeout(smtpTimeout),
	}
	if s.implicitTLS {
		opts = append(opts, gomail.WithSSL())
	} else {
		// go-mail defaults to TLSMandatory, which would refuse the plain
		// relays (local Postfix, test servers) that smtp:// is meant to allow.
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	}
	if s.user != "" {
		// Plain autodiscovery would never pick PLAIN or LOGIN on an unencrypted
		// connection, not even to localhost; listing them explicitly keeps
		// go-mail's own guard (TLS or localhost only) in charge instead.
		opts = append(opts,
			gomail.WithOpportunisticSMTPAuth(gomail.SMTPAuthPlain, gomail.SMTPAuthLogin),
			gomail.WithUsername(s.user),
			gomail.WithPassword(s.pass),
		)
	}
	return append(opts, s.extra...)
}

// Send opens one connection per message. A fresh go-mail Client per call is
// deliberate: opportunistic auth rewrites the Client's auth type when falling
// back, which would race between concurrent Sends and stick across them.
func (s *smtpSender) Send(ctx context.Context, m Message) error {
	msg := gomail.NewMsg()
	if err := msg.From(s.from); err != nil {
		return fmt.Errorf("mail %d: from %q: %w", m.ID, s.from, err)
	}
	if err := msg.To(m.To); err != nil {
		return fmt.Errorf("mail %d: to %q: %w", m.ID, m.To, err)
	}
	msg.Subject(m.Subject)
	// go-mail would use os.Hostname, often a bare container name, which spam
	// filters dislike; a message sent alone has the sender's domain.
	msg.SetMessageIDWithValue(cmp.Or(m.MessageID, rand.Text()+"@"+s.fromDomain))
	msg.SetBodyString(gomail.TypeTextPlain, m.Body)

	client, err := gomail.NewClient(s.host, s.options()...)
	if err != nil {
		return fmt.Errorf("mail %d: %w", m.ID, err)
	}
	if err := client.DialAndSendWithContext(ctx, msg); err != nil {
		if msg.IsDelivered() {
			// The server accepted the DATA; only the trailing RSET/QUIT failed.
			// Reporting an error would make the outbox send a duplicate.
			slog.WarnContext(ctx, "mail delivered but SMTP session ended with an error",
				slog.Int64("id", m.ID), slog.Any("err", err))
			return nil
		}
		return fmt.Errorf("mail %d to %s via %s:%d: %w", m.ID, m.To, s.host, s.port, err)
	}
	return nil
}
