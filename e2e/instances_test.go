package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/http/cookiejar"
	netmail "net/mail"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"chapterhouse/sqldb"
	"chapterhouse/sqldb/sqldbtest"
)

// workerInterval is how often each serve's outbox worker polls
// (mail.Worker.Interval in cmd/chapterhouse/commands.go).
const workerInterval = 5 * time.Second

// TestThreeInstancesOnePostgres runs three `serve` processes on one
// PostgreSQL database and one SMTP server, and uses them as a load balancer
// would, round-robin: sessions made on one node work on the others, an
// application made on one is accepted on another and listed on the third,
// and the mail all of them queue in the shared outbox is delivered exactly
// once, also after one node is killed with SIGKILL.
//
// The kill comes when the outbox is empty, so the killed node holds no
// claimed message: a claim (mail/worker.go lease) lasts two minutes, too
// long to wait for here.
func TestThreeInstancesOnePostgres(t *testing.T) {
	if os.Getenv(sqldbtest.EnvURL) == "" {
		// Not missingTool: CI runs the suite twice, first on SQLite without
		// the variable (where failing would be wrong), then with it.
		t.Skipf("%s is not set: this test needs PostgreSQL, e.g. %s='postgres://postgres@127.0.0.1:5432/test?sslmode=disable'",
			sqldbtest.EnvURL, sqldbtest.EnvURL)
	}
	start := time.Now()
	step := func(format string, args ...any) {
		t.Helper()
		t.Logf("%5.1fs  %s", time.Since(start).Seconds(), fmt.Sprintf(format, args...))
	}
	ctx := context.Background()
	dbURL := sqldbtest.URL(t) // a schema of its own, dropped at the end
	mails := startMailServer(t)
	smtpURL := fmt.Sprintf("smtp://%s?from=portal@example.org", mails.addr)

	// One after the other: the first migrates the new schema. (Nodes that
	// migrate an empty database at the same time fail; see docs/scaling.md.)
	var nodes []*node
	for i := range 3 {
		nodes = append(nodes, startNode(t, fmt.Sprintf("node%d", i), "--database-url", dbURL, "--smtp-url", smtpURL, "--trust-proxy"))
	}
	step("3 nodes up: %s, %s, %s", nodes[0].URL, nodes[1].URL, nodes[2].URL)

	store, err := sqldb.Open(ctx, t.TempDir(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })

	const pw = "a long passphrase 42"
	const cmEmail = "cora.manager@example.org"
	createUserIn(t, dbURL, cmEmail, "Cora Manager", "community-manager", pw)

	want := map[mailKey]int{} // every mail the portal must send
	expect := func(to, subject string) { want[mailKey{to, subject}]++ }

	// 1. Sign-ups, round-robin. Each queues a verification mail and opens no
	// session (a taken address must answer alike); signing in then sets a
	// session cookie that works on the next node.
	const accounts = 30
	email := func(i int) string { return fmt.Sprintf("member%02d@example.org", i) }
	signedUp := make([]*client, accounts)
	for i := range accounts {
		n := nodes[i%3]
		c := n.newClient(t)
		c.from = fmt.Sprintf("198.51.100.%d", i+1) // people sign up from their own networks
		p := c.post("/signup", url.Values{"name": {fmt.Sprintf("Member %02d", i)}, "email": {email(i)}, "password": {pw}})
		if p.Status != http.StatusOK || !strings.HasSuffix(p.URL, "/signin") || !strings.Contains(p.Body, email(i)) {
			t.Fatalf("sign up %s on %s: %d at %s\n%s", email(i), n.name, p.Status, p.URL, visibleText(p.Body))
		}
		expect(email(i), "Verify your email address")
		c.signIn(email(i), pw)
		signedUp[i] = c
		other := nodes[(i+1)%3]
		assertSignedIn(t, withSession(t, c, other.portal), other.name, email(i))
	}
	step("%d sign-ups, each session checked on the next node", accounts)

	// Sign in on one node, use the cookie on a second, sign out there: the
	// session is gone on the first too.
	for i := range 3 {
		in, elsewhere := nodes[i], nodes[(i+1)%3]
		c := in.newClient(t)
		c.signIn(email(10+i), pw)
		moved := withSession(t, c, elsewhere.portal)
		assertSignedIn(t, moved, elsewhere.name, email(10+i))
		if p := moved.post("/signout", nil); p.Status != http.StatusOK {
			t.Fatalf("sign out on %s: %d\n%s", elsewhere.name, p.Status, visibleText(p.Body))
		}
		if p := c.get("/account"); !strings.Contains(p.URL, "/signin") {
			t.Fatalf("signed out on %s, but %s still knows the session: %d at %s", elsewhere.name, in.name, p.Status, p.URL)
		}
	}
	step("sign in on one node, use and sign out on another: ok")

	// 2. An application made on node0 is accepted on node1 and shows in the
	// directory of node2. The applicant verifies the address with the link
	// the SMTP server received, followed on node2.
	applicant, applicantEmail := signedUp[0], email(0)
	verify := mails.wait(t, mailKey{applicantEmail, "Verify your email address"}, 20*time.Second)
	link := verifyLinkRE.FindString(verify.body)
	if link == "" {
		t.Fatalf("no verification link in the mail:\n%s", verify.body)
	}
	linkURL, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	onNode2 := withSession(t, applicant, nodes[2].portal)
	if p := onNode2.get(linkURL.RequestURI()); !strings.Contains(p.Body, "Verify your address") {
		t.Fatalf("verification link %s on node2: %d at %s\n%s", linkURL.RequestURI(), p.Status, p.URL, visibleText(p.Body))
	}
	if p := onNode2.post("/verify", url.Values{"token": {linkURL.Query().Get("token")}, "password": {pw}}); !strings.Contains(p.Body, "Your email address is verified.") {
		t.Fatalf("verifying with the password on node2: %d at %s\n%s", p.Status, p.URL, visibleText(p.Body))
	}
	// Proving the address ended the sessions from before: the applicant
	// carries on with the new one, on node0.
	applicant = withSession(t, onNode2, nodes[0].portal)
	step("%s verified with the mailed link (sent %.1fs after start) on node2", applicantEmail, verify.at.Sub(start).Seconds())

	const groupName = "Three Node Gophers"
	visitor := nodes[2].newClient(t)
	if p := visitor.get("/groups"); p.Status != http.StatusOK || !strings.Contains(p.Body, "0 groups found.") {
		t.Fatalf("directory of node2 before the application: %d\n%s", p.Status, visibleText(p.Body))
	}
	p := applicant.post("/groups/new", groupForm(groupName, "TNG", "Lyon"))
	if p.Status != http.StatusOK || !strings.Contains(p.Body, "Your application is in") {
		t.Fatalf("apply on node0: %d at %s\n%s", p.Status, p.URL, visibleText(p.Body))
	}
	groupPath := strings.TrimPrefix(p.URL, nodes[0].URL)
	expect(applicantEmail, "We received the application of "+groupName)
	expect(cmEmail, "A new application to review")
	expect("grace.second@example.org", "You were listed as the coordinator of a user group")

	cm := nodes[1].newClient(t)
	cm.signIn(cmEmail, pw)
	if p := cm.get("/admin/applications"); !strings.Contains(p.Body, groupName) {
		t.Fatalf("node1's review queue lacks the application made on node0:\n%s", visibleText(p.Body))
	}
	if p := cm.post(groupPath+"/review", url.Values{"decision": {"accept"}}); p.Status != http.StatusOK ||
		!strings.Contains(p.Body, "The group is accepted and now listed.") {
		t.Fatalf("accept on node1: %d at %s\n%s", p.Status, p.URL, visibleText(p.Body))
	}
	accepted := time.Now()
	expect(applicantEmail, groupName+" is now listed")
	expect("grace.second@example.org", groupName+" is now listed")

	// The group page is never cached. The anonymous directory is, for 2 s
	// (web/pagecache.go), and its total comes from a count each node keeps
	// for 5 s (sqldb/countcache.go): node2 lists the group within 2 s, and
	// counts it within 7 s at worst.
	if p := visitor.get(groupPath); p.Status != http.StatusOK || !strings.Contains(p.Body, "Accepted as a new group") {
		t.Fatalf("group page on node2 right after the accept: %d\n%s", p.Status, visibleText(p.Body))
	}
	var listedAfter, countedAfter time.Duration
	for listedAfter == 0 || countedAfter == 0 {
		if time.Since(accepted) > 10*time.Second {
			t.Fatalf("node2's directory does not show the group accepted on node1 after 10 s (listed after %v, counted after %v)",
				listedAfter, countedAfter)
		}
		p := visitor.get("/groups")
		if listedAfter == 0 && strings.Contains(p.Body, groupName) {
			listedAfter = time.Since(accepted)
		}
		if countedAfter == 0 && strings.Contains(p.Body, "1 group found.") {
			countedAfter = time.Since(accepted)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if listedAfter > 4*time.Second {
		t.Errorf("node2's directory listed the group %v after the accept; its page cache keeps pages 2 s", listedAfter)
	}
	step("node2's directory lists the group %.1fs and counts it %.1fs after node1 accepted it",
		listedAfter.Seconds(), countedAfter.Seconds())

	// A burst: 8 applications by 8 members, round-robin, each with 19 more
	// coordinators (one person may list 20 a day), queue 168 mails at once. The SMTP server holds the first of them until
	// a second connection delivers at the same time: each worker sends one
	// message after the other, so that proves two nodes claim from the
	// outbox side by side, which is where SKIP LOCKED matters.
	mails.holdUntilOverlap()
	const burst, extraCoordinators = 8, 19
	for i := range burst {
		n := nodes[i%3]
		name := fmt.Sprintf("Burst Group %d", i)
		member := fmt.Sprintf("burst%d@example.org", i)
		createUserIn(t, dbURL, member, fmt.Sprintf("Burst Member %d", i), "", pw)
		c := n.newClient(t)
		c.signIn(member, pw)
		form := url.Values{"name": {name}, "city": {"Nantes"}, "country": {"FR"}, "time_zone": {"Europe/Paris"},
			"cadence": {"monthly"}, "policy_agreed": {"yes"}, "confirm_distinct": {"yes"}}
		for j := range extraCoordinators {
			e := fmt.Sprintf("coordinator%02d.burst%d@example.org", j, i)
			form.Add("coordinator_email", e)
			form.Add("coordinator_name", fmt.Sprintf("Coordinator %d-%d", i, j))
			form.Add("coordinator_employer", "")
			expect(e, "You were listed as the coordinator of a user group")
		}
		p := c.post("/groups/new", form)
		if p.Status != http.StatusOK || !strings.Contains(p.Body, "Your application is in") {
			t.Fatalf("apply for %s on %s: %d at %s\n%s", name, n.name, p.Status, p.URL, visibleText(p.Body))
		}
		expect(member, "We received the application of "+name)
		expect(cmEmail, "A new application to review")
	}
	step("%d applications queued %d mails", burst, burst*(extraCoordinators+2))

	waitDelivered(t, mails, store, want, 20*time.Second)
	if n := mails.overlap(); n < 2 {
		t.Errorf("the SMTP server never had two deliveries at once (at most %d): did only one node work the outbox?", n)
	}
	step("outbox empty: %d mails delivered, up to %d nodes delivering at once", mails.count(), mails.overlap())

	// 3. Kill node2 while it holds no claimed mail (the outbox is empty),
	// then go on round-robin, skipping the dead node as a load balancer's
	// health check would. Node0 and node1 must deliver everything.
	nodes[2].kill(t)
	step("node2 killed with SIGKILL")
	next := 0
	live := func() *node {
		for range len(nodes) {
			n := nodes[next%len(nodes)]
			next++
			if n.healthy() {
				return n
			}
		}
		t.Fatal("no node answers /healthz")
		return nil
	}
	for i := accounts; i < accounts+9; i++ {
		n := live()
		if n == nodes[2] {
			t.Fatal("node2 answers /healthz after SIGKILL")
		}
		c := n.newClient(t)
		c.from = fmt.Sprintf("198.51.100.%d", i+1) // people sign up from their own networks
		p := c.post("/signup", url.Values{"name": {fmt.Sprintf("Member %02d", i)}, "email": {email(i)}, "password": {pw}})
		if p.Status != http.StatusOK || !strings.HasSuffix(p.URL, "/signin") {
			t.Fatalf("sign up %s on %s: %d at %s\n%s", email(i), n.name, p.Status, p.URL, visibleText(p.Body))
		}
		expect(email(i), "Verify your email address")
	}
	for i := range 6 {
		n := live()
		p := n.newClient(t).post("/password/forgot", url.Values{"email": {email(20 + i)}})
		if p.Status != http.StatusOK || !strings.Contains(p.Body, "a reset link is on its way") {
			t.Fatalf("forgot password on %s: %d\n%s", n.name, p.Status, visibleText(p.Body))
		}
		expect(email(20+i), "Reset your password")
	}
	step("9 sign-ups and 6 password resets through node0 and node1")

	// Sign-in throttling lives in the database too: failures on node0 lock
	// the account on node1. (Last: it also locks this test's address.)
	for range 6 {
		if p := nodes[0].newClient(t).post("/signin", url.Values{"email": {email(5)}, "password": {"wrong password"}}); p.Status != http.StatusUnprocessableEntity &&
			p.Status != http.StatusTooManyRequests {
			t.Fatalf("failed sign-in on node0: %d\n%s", p.Status, visibleText(p.Body))
		}
	}
	if p := nodes[1].newClient(t).post("/signin", url.Values{"email": {email(5)}, "password": {pw}}); p.Status != http.StatusTooManyRequests {
		t.Fatalf("sign-in on node1 after 6 failures on node0: %d, want 429\n%s", p.Status, visibleText(p.Body))
	}
	// The per-address count is shared too: another account, from the same
	// address, waits as well. (Behind an HTTP proxy every visitor has the
	// proxy's address: see docs/scaling.md.)
	if p := nodes[1].newClient(t).post("/signin", url.Values{"email": {email(6)}, "password": {pw}}); p.Status != http.StatusTooManyRequests {
		t.Fatalf("sign-in of another account on node1 after 6 failures from this address on node0: %d, want 429\n%s", p.Status, visibleText(p.Body))
	}
	step("6 failed sign-ins on node0 throttle the account, and the address, on node1")

	waitDelivered(t, mails, store, want, 20*time.Second)
	step("outbox empty: %d mails delivered", mails.count())

	// Time for every live worker to poll twice more: nothing may come again.
	time.Sleep(2 * workerInterval)
	checkExactlyOnce(t, mails, want)
	entries, err := store.Outbox(ctx, 10000)
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, n := range want {
		total += n
	}
	if len(entries) != total {
		t.Errorf("the outbox holds %d messages, want %d", len(entries), total)
	}
	for _, e := range entries {
		if e.SentAt == nil || e.Attempts != 1 || e.DeliveredVia != "smtp" || e.LastError != "" {
			t.Errorf("outbox message %d to %s %q: sent %v, %d attempts, via %q, last error %q; want sent once via smtp",
				e.ID, e.To, e.Subject, e.SentAt, e.Attempts, e.DeliveredVia, e.LastError)
		}
	}
	step("%d mails, each received exactly once and claimed once", mails.count())
}

// mailKey identifies a mail of the test: no two expected mails share both.
type mailKey struct{ to, subject string }

// assertSignedIn checks that c's session is accepted by the node it talks to.
func assertSignedIn(t *testing.T, c *client, nodeName, email string) {
	t.Helper()
	p := c.get("/account")
	if p.Status != http.StatusOK || !strings.HasSuffix(p.URL, "/account") || !strings.Contains(p.Body, email) {
		t.Fatalf("%s does not accept the session of %s: %d at %s\n%s", nodeName, email, p.Status, p.URL, visibleText(p.Body))
	}
}

// withSession returns a client of another portal that carries only the
// session cookie c holds, as a browser would when a load balancer sends its
// next request to another node.
func withSession(t *testing.T, c *client, to *portal) *client {
	t.Helper()
	var session *http.Cookie
	for _, ck := range c.http.Jar.Cookies(c.base) {
		if ck.Name == "ch_session" {
			session = ck
		}
	}
	if session == nil {
		t.Fatal("the client holds no session cookie")
	}
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	base, err := url.Parse(to.URL)
	if err != nil {
		t.Fatal(err)
	}
	jar.SetCookies(base, []*http.Cookie{{Name: session.Name, Value: session.Value, Path: "/"}})
	return &client{t: t, base: base, http: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
}

// createUserIn runs `chapterhouse user create` on the database at dbURL.
func createUserIn(t *testing.T, dbURL, email, name, role, password string) {
	t.Helper()
	args := []string{"user", "create", "--data", t.TempDir(), "--database-url", dbURL, "--email", email, "--name", name, "--role", role}
	cmd := exec.Command(chapterhouse(t), args...)
	cmd.Env = cleanEnv()
	cmd.Stdin = strings.NewReader(password + "\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("chapterhouse user create --email %s: %v\n%s", email, err, out)
	}
}

// node is a `chapterhouse serve` this test can kill: startPortal's process
// is out of reach.
type node struct {
	*portal
	name   string
	cmd    *exec.Cmd
	done   chan struct{} // closed when the process has exited
	err    error         // its exit status, once done
	killed bool
}

// startNode runs `chapterhouse serve` on a free port with a new data
// directory, like startPortal, and stops it with SIGINT when the test ends.
func startNode(t *testing.T, name string, extraArgs ...string) *node {
	t.Helper()
	n := &node{portal: &portal{Data: t.TempDir(), Log: &logBuffer{}}, name: name, done: make(chan struct{})}
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--data", n.Data}, extraArgs...)
	n.cmd = exec.Command(chapterhouse(t), args...)
	n.cmd.Env = cleanEnv()
	n.cmd.Stderr = n.Log
	stdout, err := n.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := n.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	urlc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			fmt.Fprintln(n.Log, "stdout:", sc.Text())
			if u, ok := strings.CutPrefix(sc.Text(), "Chapterhouse is running at "); ok {
				select {
				case urlc <- strings.TrimRight(strings.TrimSpace(u), "/"):
				default:
				}
			}
		}
		io.Copy(io.Discard, stdout)
		n.err = n.cmd.Wait()
		close(n.done)
	}()
	t.Cleanup(func() {
		if !n.killed {
			n.cmd.Process.Signal(os.Interrupt)
			select {
			case <-n.done:
				if n.err != nil {
					t.Errorf("%s exited with %v after SIGINT", n.name, n.err)
				}
			case <-time.After(15 * time.Second):
				n.cmd.Process.Kill()
				<-n.done
				t.Errorf("%s did not stop within 15 s of SIGINT", n.name)
			}
		}
		if t.Failed() {
			t.Logf("%s's output:\n%s", n.name, n.Log)
		}
	})
	select {
	case n.URL = <-urlc:
	case <-n.done:
		t.Fatalf("%s exited before it was ready: %v\n%s", name, n.err, n.Log)
	case <-time.After(60 * time.Second):
		t.Fatalf("%s printed no address within 60 s\n%s", name, n.Log)
	}
	return n
}

// kill ends the node with SIGKILL: no shutdown, no release of anything.
func (n *node) kill(t *testing.T) {
	t.Helper()
	n.killed = true
	if err := n.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("kill %s: %v", n.name, err)
	}
	select {
	case <-n.done:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s still runs 10 s after SIGKILL", n.name)
	}
}

// healthy reports whether the node answers GET /healthz with 200, as a load
// balancer's check would ask.
func (n *node) healthy() bool {
	c := &http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get(n.URL + "/healthz")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// receivedMail is one message the test SMTP server accepted.
type receivedMail struct {
	mailKey
	from string
	body string
	at   time.Time
}

// mailServer is an SMTP server (github.com/emersion/go-smtp) on 127.0.0.1
// that records every message it accepts.
type mailServer struct {
	addr string
	mu   sync.Mutex
	msgs []receivedMail
	errs []string // messages it could not parse

	inData, maxInData int           // transactions between DATA and its answer
	gate              chan struct{} // while set, DATA waits for a second one
}

// holdUntilOverlap makes the next DATA wait, at most 6 s (go-mail gives up
// after 10), until another connection is in DATA too; from then on the
// server answers at once again. overlap tells how many were in DATA at once.
func (m *mailServer) holdUntilOverlap() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.gate = make(chan struct{})
}

func (m *mailServer) overlap() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.maxInData
}

func startMailServer(t *testing.T) *mailServer {
	t.Helper()
	m := &mailServer{}
	srv := smtp.NewServer(m)
	srv.Domain = "localhost"
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	m.addr = l.Addr().String()
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return m
}

func (m *mailServer) NewSession(*smtp.Conn) (smtp.Session, error) { return &mailSession{m: m}, nil }

func (m *mailServer) received() []receivedMail {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.msgs)
}

func (m *mailServer) count() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.msgs)
}

// wait returns the first message with key k, waiting up to timeout.
func (m *mailServer) wait(t *testing.T, k mailKey, timeout time.Duration) receivedMail {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		for _, r := range m.received() {
			if r.mailKey == k {
				return r
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no mail to %s %q within %v", k.to, k.subject, timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

type mailSession struct {
	m     *mailServer
	from  string
	rcpts []string
}

func (s *mailSession) Reset()        { s.from, s.rcpts = "", nil }
func (s *mailSession) Logout() error { return nil }

func (s *mailSession) Mail(from string, _ *smtp.MailOptions) error {
	s.from = from
	return nil
}

func (s *mailSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.rcpts = append(s.rcpts, to)
	return nil
}

func (s *mailSession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.m.mu.Lock()
	s.m.inData++
	s.m.maxInData = max(s.m.maxInData, s.m.inData)
	gate := s.m.gate
	if gate != nil && s.m.inData >= 2 {
		close(gate)
		s.m.gate = nil
	}
	s.m.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-time.After(6 * time.Second):
		}
	}
	at := time.Now()
	subject, body, perr := parseMail(data)
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	s.m.inData--
	if perr != nil {
		s.m.errs = append(s.m.errs, fmt.Sprintf("%v\n%s", perr, data))
	}
	for _, to := range s.rcpts {
		s.m.msgs = append(s.m.msgs, receivedMail{mailKey: mailKey{to, subject}, from: s.from, body: body, at: at})
	}
	return nil
}

// parseMail returns the decoded subject and text of a message.
func parseMail(data []byte) (subject, body string, err error) {
	msg, err := netmail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		return "", "", err
	}
	if subject, err = new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject")); err != nil {
		return "", "", err
	}
	var r io.Reader = msg.Body
	switch strings.ToLower(msg.Header.Get("Content-Transfer-Encoding")) {
	case "quoted-printable":
		r = quotedprintable.NewReader(r)
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, r) // it skips line breaks
	}
	b, err := io.ReadAll(r)
	return subject, strings.ReplaceAll(string(b), "\r\n", "\n"), err
}

// waitDelivered waits until the SMTP server has received every wanted mail
// and the outbox has nothing left to send.
func waitDelivered(t *testing.T, m *mailServer, store *sqldb.DB, want map[mailKey]int, timeout time.Duration) {
	t.Helper()
	total := 0
	for _, n := range want {
		total += n
	}
	deadline := time.Now().Add(timeout)
	for {
		pending, err := store.OutboxPending(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		got := m.count()
		if got >= total && pending == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v the SMTP server has %d of %d mails and %d wait in the outbox", timeout, got, total, pending)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// checkExactlyOnce compares what the SMTP server received with want.
func checkExactlyOnce(t *testing.T, m *mailServer, want map[mailKey]int) {
	t.Helper()
	got := map[mailKey][]receivedMail{}
	for _, r := range m.received() {
		got[r.mailKey] = append(got[r.mailKey], r)
		if r.from != "portal@example.org" {
			t.Errorf("mail to %s %q came from %q", r.to, r.subject, r.from)
		}
	}
	for k, n := range want {
		if len(got[k]) != n {
			t.Errorf("mail to %s %q received %d times, want %d", k.to, k.subject, len(got[k]), n)
		}
		if len(got[k]) > n {
			for _, r := range got[k] {
				t.Logf("  received at %s:\n%s", r.at.Format(time.StampMicro), r.body)
			}
		}
	}
	for k, rs := range got {
		if want[k] == 0 {
			t.Errorf("unexpected mail to %s %q received %d times", k.to, k.subject, len(rs))
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, e := range m.errs {
		t.Errorf("unreadable mail: %s", e)
	}
}
