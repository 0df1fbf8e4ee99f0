package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	ch "chapterhouse"
	"chapterhouse/demo"
	"chapterhouse/files"
	"chapterhouse/mail"
	"chapterhouse/password"
	"chapterhouse/sqldb"
	"chapterhouse/web"
	"chapterhouse/workflow"
)

// storage holds the flags every command shares, so that each works on the
// same database as serve.
type storage struct {
	data, databaseURL string
}

func env(name, def string) string {
	if v, ok := os.LookupEnv("CHAPTERHOUSE_" + name); ok {
		return v
	}
	return def
}

// envBool reads a CHAPTERHOUSE_ switch: true, 1, false, 0… as
// strconv.ParseBool reads them; unset or empty is false. Anything else is
// an error, so that CHAPTERHOUSE_DEMO=false cannot switch the demo on.
func envBool(name string) (bool, error) {
	v := strings.TrimSpace(env(name, ""))
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("CHAPTERHOUSE_%s=%q: use true or false", name, v)
	}
	return b, nil
}

func newFlags(name string, stderr io.Writer) (*flag.FlagSet, *storage) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	st := &storage{}
	fs.StringVar(&st.data, "data", env("DATA", "./data"), "directory of the SQLite database and files (CHAPTERHOUSE_DATA)")
	fs.StringVar(&st.databaseURL, "database-url", env("DATABASE_URL", ""), "database URL, instead of the SQLite file under --data (CHAPTERHOUSE_DATABASE_URL)")
	return fs, st
}

func (st *storage) open(ctx context.Context) (*sqldb.DB, error) {
	db, err := sqldb.Open(ctx, st.data, st.databaseURL)
	if err != nil {
		return nil, err
	}
	if _, err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("migrate: %w", err)
	}
	return db, nil
}

func newHasher() *password.Hasher { return password.NewHasher(password.Default, 4) }

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, st := newFlags("serve", stderr)
	addr := fs.String("addr", env("ADDR", "127.0.0.1:8080"), "address to listen on (CHAPTERHOUSE_ADDR)")
	baseURL := fs.String("base-url", env("BASE_URL", ""), "public URL of the portal, for links in mail (CHAPTERHOUSE_BASE_URL; default http://ADDR)")
	smtpURL := fs.String("smtp-url", env("SMTP_URL", ""), "SMTP server for mail, e.g. smtp://user@host:587?from=portal@example.org (CHAPTERHOUSE_SMTP_URL); without it mail is logged. A password in this flag is visible to every user of the machine (ps): put the URL in CHAPTERHOUSE_SMTP_URL or the password in --smtp-password-file")
	smtpPasswordFile := fs.String("smtp-password-file", env("SMTP_PASSWORD_FILE", ""), "file holding the password of the SMTP URL's user, e.g. a mounted secret (CHAPTERHOUSE_SMTP_PASSWORD_FILE); a final newline is ignored")
	trustProxyEnv, trustErr := envBool("TRUST_PROXY")
	demoEnv, demoErr := envBool("DEMO")
	trustProxy := fs.Bool("trust-proxy", trustProxyEnv, "a load balancer in front appends the client address to X-Forwarded-For; sign-in throttling counts per client, not per proxy (CHAPTERHOUSE_TRUST_PROXY)")
	metricsToken := fs.String("metrics-token", env("METRICS_TOKEN", ""), "serve GET /metrics to requests with Authorization: Bearer <token> (CHAPTERHOUSE_METRICS_TOKEN, which ps does not show); without it /metrics is off")
	storageURL := fs.String("storage", env("STORAGE", ""), "where uploaded files live: file:DIR or s3://ACCESS:SECRET@host:port/bucket?secure=false&region=us-east-1 (CHAPTERHOUSE_STORAGE; default DATA/files)")
	programFile := fs.String("program", env("PROGRAM", ""), "program definition (TOML) with the steps to official status (CHAPTERHOUSE_PROGRAM); default: the built-in one, see chapterhouse program export")
	withDemo := fs.Bool("demo", demoEnv, "fill an empty database with the demo program first (CHAPTERHOUSE_DEMO)")
	if err := errors.Join(trustErr, demoErr); err != nil {
		return err
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	program, err := loadProgram(*programFile)
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(stderr, nil))
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "smtp-url" && smtpURLHasPassword(f.Value.String()) {
			logger.Warn("the SMTP password in --smtp-url is visible to every user of this machine; use CHAPTERHOUSE_SMTP_URL or --smtp-password-file")
		}
	})
	if *smtpURL, err = withSMTPPassword(*smtpURL, *smtpPasswordFile); err != nil {
		return err
	}
	db, err := st.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	// The program's artwork lives here; opening checks the setting at start.
	store, err := files.Open(ctx, *storageURL, st.data)
	if err != nil {
		return fmt.Errorf("file storage (--storage): %w", err)
	}
	hasher := newHasher()
	if *withDemo {
		empty, err := demo.Empty(ctx, db)
		if err != nil {
			return err
		}
		if empty {
			// The demo's official groups meet the steps of the program serve follows.
			accounts, err := demo.Seed(ctx, db, hasher, demo.Options{Program: program})
			if err == nil {
				err = db.Optimize(ctx)
			}
			if err != nil {
				return fmt.Errorf("demo: %w", err)
			}
			printAccounts(stdout, accounts)
		}
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	if *baseURL == "" {
		*baseURL = "http://" + ln.Addr().String()
	}
	var sender mail.Sender = mail.LogSender{Logger: logger}
	via := mail.ViaLog
	if *smtpURL != "" {
		if sender, err = mail.NewSMTPSender(*smtpURL); err != nil {
			ln.Close()
			return err
		}
		via = "smtp"
	}
	srv, err := web.New(web.Config{DB: db, Hasher: hasher, Logger: logger, BaseURL: *baseURL, MailVia: via, MetricsToken: *metricsToken, TrustProxy: *trustProxy, Program: program, Files: store})
	if err != nil {
		ln.Close()
		return err
	}
	httpSrv := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 60 * time.Second, IdleTimeout: 2 * time.Minute, ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}

	workerCtx, stopWorker := context.WithCancel(context.WithoutCancel(ctx))
	worker := &mail.Worker{Outbox: db, Sender: sender, Via: via, Host: hostOf(*baseURL), Logger: logger, Interval: 5 * time.Second, Observer: srv.MailObserver()}
	workerDone := make(chan struct{})
	go func() { worker.Run(workerCtx); close(workerDone) }()
	go keepOptimized(workerCtx, db, logger)
	go forgetWhatEnded(workerCtx, db, logger)
	go followTheFacts(workerCtx, srv.Workflows(), logger)

	errc := make(chan error, 1)
	go func() { errc <- httpSrv.Serve(ln) }()
	logger.Info("listening", "url", *baseURL, "mail", via, "files", store, "program_steps", len(program.Steps))
	fmt.Fprintf(stdout, "Chapterhouse is running at %s\n", *baseURL)

	select {
	case err = <-errc:
	case <-ctx.Done():
		logger.Info("shutting down")
		srv.SetDraining() // /readyz answers 503 while requests finish
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		err = httpSrv.Shutdown(shutdownCtx)
		cancel()
	}
	srv.Workflows().Wait() // a sweep after a change of rules finishes its groups
	stopWorker()
	<-workerDone
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// withSMTPPassword puts the password read from file into the SMTP URL raw,
// which must name the user and no password of its own.
func withSMTPPassword(raw, file string) (string, error) {
	if file == "" {
		return raw, nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("--smtp-password-file: %w", err)
	}
	password := strings.TrimRight(string(b), "\r\n")
	if password == "" {
		return "", fmt.Errorf("--smtp-password-file: %s is empty", file)
	}
	u, err := url.Parse(raw)
	switch {
	case raw == "":
		return "", errors.New("--smtp-password-file needs --smtp-url (or CHAPTERHOUSE_SMTP_URL) naming the server and the user")
	case err != nil:
		return "", errors.New("--smtp-url: not a URL") // the error would repeat the URL
	case u.User == nil || u.User.Username() == "":
		return "", errors.New("--smtp-password-file: name the user in --smtp-url, as in smtp://user@host:587")
	case smtpURLHasPassword(raw):
		return "", errors.New("--smtp-url has a password and --smtp-password-file gives another: keep one")
	}
	u.User = url.UserPassword(u.User.Username(), password)
	return u.String(), nil
}

func smtpURLHasPassword(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return false
	}
	_, ok := u.User.Password()
	return ok
}

func migrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, st := newFlags("migrate", stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	db, err := sqldb.Open(ctx, st.data, st.databaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	n, err := db.Migrate(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Applied %d migration(s); the database is up to date.\n", n)
	return nil
}

func userCreate(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs, st := newFlags("user create", stderr)
	email := fs.String("email", "", "email address (required)")
	name := fs.String("name", "", "full name (required)")
	roleFlag := fs.String("role", "", "program role: community-manager, ambassador or approver")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var roles []ch.Role
	if *roleFlag != "" {
		r, err := ch.ParseRole(*roleFlag)
		if err != nil {
			return errors.New(ch.ErrorMessage(err))
		}
		roles = append(roles, r)
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && err != io.EOF {
		return fmt.Errorf("read the password from standard input: %w", err)
	}
	in := ch.SignUp{Email: *email, Name: *name, Password: strings.TrimRight(line, "\r\n")}
	in.Normalize()
	if err := in.Validate(); err != nil {
		var msgs []string
		for f, m := range ch.ErrorFields(err) {
			msgs = append(msgs, f+": "+m)
		}
		return fmt.Errorf("cannot create the account: %s (the password is read from standard input)", strings.Join(msgs, "; "))
	}
	db, err := st.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	hash, err := newHasher().Hash(ctx, in.Password)
	if err != nil {
		return err
	}
	// An operator creating an account vouches for its address.
	u, err := db.CreateUser(ctx, in.Email, in.Name, hash, true, 0, roles...)
	if err != nil {
		return errors.New(ch.ErrorMessage(err))
	}
	fmt.Fprintf(stdout, "Created %s <%s>", u.Name, u.Email)
	for _, r := range u.Roles {
		fmt.Fprintf(stdout, ", %s", r.Label())
	}
	fmt.Fprintln(stdout, ".")
	return nil
}

func tokenCreate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, st := newFlags("token create", stderr)
	email := fs.String("email", "", "email address of the account (required)")
	name := fs.String("name", "command line", "what the token is for")
	if err := fs.Parse(args); err != nil {
		return err
	}
	db, err := st.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	u, _, err := db.UserByEmail(ctx, *email)
	if err != nil {
		return fmt.Errorf("no account with the address %q", *email)
	}
	token, err := db.CreateAPIToken(ctx, u.ID, *name)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, token)
	return nil
}

func demoCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, st := newFlags("demo", stderr)
	groups := fs.Int("groups", 0, "number of groups to generate (default: a showcase of about 50)")
	members := fs.Int("members", 0, "number of extra member accounts to generate")
	programFile := fs.String("program", env("PROGRAM", ""), "program definition (TOML) the demo's official groups meet, as serve --program (CHAPTERHOUSE_PROGRAM)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	program, err := loadProgram(*programFile)
	if err != nil {
		return err
	}
	db, err := st.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	start := time.Now()
	accounts, err := demo.Seed(ctx, db, newHasher(), demo.Options{Groups: *groups, Members: *members, Program: program})
	if err == nil {
		err = db.Optimize(ctx)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Demo program created in %s.\n", time.Since(start).Round(time.Millisecond))
	printAccounts(stdout, accounts)
	return nil
}

func printAccounts(w io.Writer, accounts []demo.Account) {
	fmt.Fprintln(w, "Sign in as any of these demo accounts:")
	for _, a := range accounts {
		fmt.Fprintf(w, "  %-20s %-40s password: %s\n", a.Role, a.Email, a.Password)
	}
}

// keepOptimized refreshes the planner's statistics hourly, as SQLite
// recommends for long-running processes.
func keepOptimized(ctx context.Context, db *sqldb.DB, logger *slog.Logger) {
	every(ctx, time.Hour, func() {
		if err := db.Optimize(ctx); err != nil && ctx.Err() == nil {
			logger.Warn("optimize", "err", err)
		}
	})
}

// forgetWhatEnded deletes, every hour, the mail sent longer ago than the
// retention period, the limits whose window has ended, and the sessions,
// links and failed sign-ins that can no longer be used.
func forgetWhatEnded(ctx context.Context, db *sqldb.DB, logger *slog.Logger) {
	every(ctx, time.Hour, func() {
		mails, err := db.ForgetSentMail(ctx)
		if err == nil {
			_, err = db.ForgetExpiredLimits(ctx)
		}
		var creds sqldb.Forgotten
		if err == nil {
			creds, err = db.ForgetExpiredCredentials(ctx)
		}
		if err != nil && ctx.Err() == nil {
			logger.Warn("forget what ended", "err", err)
		}
		if mails > 0 {
			logger.Info("forgot sent mail", "deleted", mails, "older_than", sqldb.MailRetention)
		}
		if creds != (sqldb.Forgotten{}) {
			logger.Info("forgot ended credentials", "sessions", creds.Sessions, "links", creds.Links, "sign_in_counts", creds.SignInCounts)
		}
	})
}

// hostOf is the host name of the portal's public address, for Message-IDs.
func hostOf(baseURL string) string {
	u, err := url.Parse(baseURL)
	if err != nil || u.Hostname() == "" {
		return "localhost"
	}
	return u.Hostname()
}

// every runs f every d until ctx is done.
func every(ctx context.Context, d time.Duration, f func()) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			f()
		}
	}
}

// sweepInterval is how often serve looks for official groups that stopped
// meeting a step through time alone (a validation expiring, meetings
// growing old). Changes people make are followed at once; this only bounds
// how late a lapse by time is noticed. Every node sweeps: each lapse is
// recorded, and told, once under the group's lock.
const sweepInterval = 15 * time.Minute

func followTheFacts(ctx context.Context, flows *workflow.Service, logger *slog.Logger) {
	every(ctx, sweepInterval, func() {
		start := time.Now()
		n, err := flows.SweepOfficial(ctx)
		if err != nil && ctx.Err() == nil {
			logger.Warn("follow the facts", "err", err)
		}
		logger.Info("followed the facts", "newly_lapsed", n, "took", time.Since(start).Round(time.Millisecond))
	})
}
