// Package e2e holds whole-program tests: they build cmd/chapterhouse, start
// it on a free port with a temporary data directory and use it as a person
// would, through a real browser (browser_test.go) or plain HTTP whose pages
// then go through offline HTML validators (html_test.go).
//
// The tests need tools from outside Go: Debian's chromium, and the npm
// packages of package.json (npm ci) with Node.js and Java. Without them a
// test is skipped, except when CI=true, where a missing tool is a failure.
package e2e

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// buildDir holds the chapterhouse command that the tests build once.
var buildDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "chapterhouse-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		os.Exit(1)
	}
	buildDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

var (
	buildOnce sync.Once
	binary    string
	buildErr  error
)

// chapterhouse builds cmd/chapterhouse, once for all the tests, and returns
// the path of the binary.
//
// It first reads every source file of the module. That is for go test's
// cache: this package imports none of the code it tests, so without it a
// cached "ok" would survive a change to a template. go test records the
// files a test opens once the tests run (not before, in TestMain), and
// reruns the test when one of them changes.
func chapterhouse(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		if buildErr = readSources(repoRoot(t)); buildErr != nil {
			return
		}
		bin := filepath.Join(buildDir, "chapterhouse")
		// go test puts its own go first in PATH.
		out, err := exec.Command("go", "build", "-o", bin, "chapterhouse/cmd/chapterhouse").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build chapterhouse/cmd/chapterhouse: %v\n%s", err, out)
			return
		}
		binary = bin
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binary
}

// readSources opens every file the portal or these tests are made of.
func readSources(root string) error {
	return filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case ".git", "node_modules", "data", "docs", "testdata":
				return filepath.SkipDir
			}
			return nil
		}
		switch filepath.Ext(path) {
		case ".go", ".html", ".css", ".js", ".mjs", ".json", ".sql", ".svg", ".mod", ".sum":
			f, err := os.Open(path)
			if err != nil {
				return err
			}
			_, err = io.Copy(io.Discard, f)
			f.Close()
			return err
		}
		return nil
	})
}

// inCI reports whether the tests run in CI, where a missing tool is an error.
func inCI() bool { return os.Getenv("CI") == "true" }

// missingTool skips the test, or fails it in CI.
func missingTool(t *testing.T, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if inCI() {
		t.Fatalf("%s (CI=true: .ci/run must install it)", msg)
	}
	t.Skip(msg + " (skipped; set CI=true to make this a failure)")
}

// repoRoot is the module's root directory, the parent of e2e/.
func repoRoot(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Dir(wd)
}

// logBuffer collects what the server writes while the test reads it.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// portal is a running `chapterhouse serve`.
type portal struct {
	URL  string // http://127.0.0.1:PORT, no trailing slash
	Data string // its --data directory
	Log  *logBuffer
}

// startPortal runs `chapterhouse serve` on a free port with a new data
// directory and stops it (SIGINT, as Ctrl-C would) when the test ends. The
// server's log is printed if the test fails.
func startPortal(t *testing.T, extraArgs ...string) *portal {
	t.Helper()
	p := &portal{Data: t.TempDir(), Log: &logBuffer{}}
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--data", p.Data}, extraArgs...)
	cmd := exec.Command(chapterhouse(t), args...)
	cmd.Env = cleanEnv()
	cmd.Stderr = p.Log
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	urlc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			fmt.Fprintln(p.Log, "stdout:", sc.Text())
			if u, ok := strings.CutPrefix(sc.Text(), "Chapterhouse is running at "); ok {
				select {
				case urlc <- strings.TrimRight(strings.TrimSpace(u), "/"):
				default:
				}
			}
		}
		io.Copy(io.Discard, stdout)
		done <- cmd.Wait()
	}()
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			cmd.Process.Kill()
			<-done
			t.Errorf("serve did not stop within 15 s of SIGINT")
		}
		if t.Failed() {
			t.Logf("serve's output:\n%s", p.Log)
		}
	})
	select {
	case p.URL = <-urlc:
	case err := <-done:
		t.Fatalf("serve exited before it was ready: %v\n%s", err, p.Log)
	case <-time.After(60 * time.Second):
		t.Fatalf("serve printed no address within 60 s\n%s", p.Log)
	}
	return p
}

// cleanEnv is the environment without CHAPTERHOUSE_* settings, so that a
// developer's own configuration does not leak into the tests.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CHAPTERHOUSE_") {
			env = append(env, kv)
		}
	}
	return env
}

// createUser runs `chapterhouse user create` on the portal's data directory,
// with the password on standard input, as an operator would.
func (p *portal) createUser(t *testing.T, email, name, role, password string) {
	t.Helper()
	args := []string{"user", "create", "--data", p.Data, "--email", email, "--name", name}
	if role != "" {
		args = append(args, "--role", role)
	}
	cmd := exec.Command(chapterhouse(t), args...)
	cmd.Env = cleanEnv()
	cmd.Stdin = strings.NewReader(password + "\n")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("chapterhouse %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// client is one person's HTTP session with the portal: a cookie jar that
// follows redirects, like a browser without JavaScript.
type client struct {
	t    *testing.T
	base *url.URL
	http *http.Client
	// from is the address a load balancer in front would name in
	// X-Forwarded-For (for portals run with --trust-proxy); empty, the
	// client is known by its own address, 127.0.0.1.
	from string
}

func (p *portal) newClient(t *testing.T) *client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	base, err := url.Parse(p.URL)
	if err != nil {
		t.Fatal(err)
	}
	return &client{t: t, base: base, http: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
}

// page is a fetched HTML page.
type page struct {
	Status int
	URL    string // after redirects
	Body   string
}

func (c *client) do(req *http.Request) page {
	c.t.Helper()
	if c.from != "" {
		req.Header.Set("X-Forwarded-For", c.from)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	return page{Status: resp.StatusCode, URL: resp.Request.URL.String(), Body: string(b)}
}

// get fetches a path (with its query) of the portal.
func (c *client) get(path string) page {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodGet, c.base.String()+path, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	return c.do(req)
}

// post submits a form to path with the CSRF token the portal gave this
// client, as its forms do.
func (c *client) post(path string, form url.Values) page {
	c.t.Helper()
	token := ""
	for _, ck := range c.http.Jar.Cookies(c.base) {
		if ck.Name == "ch_csrf" {
			token = ck.Value
		}
	}
	if token == "" {
		c.get("/") // any page sets the CSRF cookie
		return c.post(path, form)
	}
	v := url.Values{}
	for k, vs := range form {
		v[k] = append([]string(nil), vs...)
	}
	v.Set("csrf", token)
	req, err := http.NewRequest(http.MethodPost, c.base.String()+path, strings.NewReader(v.Encode()))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

// signIn signs the client in and checks that it worked.
func (c *client) signIn(email, password string) {
	c.t.Helper()
	p := c.post("/signin", url.Values{"email": {email}, "password": {password}})
	if p.Status != http.StatusOK || strings.Contains(p.URL, "/signin") {
		c.t.Fatalf("sign in as %s: status %d at %s\n%s", email, p.Status, p.URL, visibleText(p.Body))
	}
}

var (
	tagRE   = regexp.MustCompile(`(?s)<script.*?</script>|<style.*?</style>|<[^>]*>`)
	spaceRE = regexp.MustCompile(`\s+`)
)

// visibleText is a page's text without tags, for assertions and messages.
func visibleText(html string) string {
	s := tagRE.ReplaceAllString(html, " ")
	for _, r := range [][2]string{{"&amp;", "&"}, {"&lt;", "<"}, {"&gt;", ">"}, {"&#39;", "'"}, {"&#34;", `"`}, {"&quot;", `"`}} {
		s = strings.ReplaceAll(s, r[0], r[1])
	}
	return strings.TrimSpace(spaceRE.ReplaceAllString(s, " "))
}
