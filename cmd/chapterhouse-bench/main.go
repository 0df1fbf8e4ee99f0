// Command chapterhouse-bench measures the portal's hot paths: it seeds a
// program with the demo generator, serves it on loopback and drives each
// path with a fixed number of connections, printing requests per second and
// latency percentiles as a Markdown table for docs/performance.md.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	ch "chapterhouse"
	"chapterhouse/demo"
	"chapterhouse/password"
	"chapterhouse/sqldb"
	"chapterhouse/web"
)

func main() {
	groups := flag.Int("groups", 10000, "groups in the seeded program")
	flag.IntVar(&members, "members", 200000, "member accounts in the seeded program")
	conns := flag.Int("connections", 32, "concurrent connections")
	duration := flag.Duration("duration", 5*time.Second, "how long to drive each path")
	flag.StringVar(&profileDir, "profile", "", "write a CPU profile of each path into this directory")
	flag.StringVar(&databaseURL, "database-url", "", "also measure on this PostgreSQL database (postgres://…); it must be empty or hold an earlier bench's program")
	nodes := flag.String("instances", "1,3", "with --database-url: numbers of app instances to measure on PostgreSQL, each with its own connection pool, requests round-robin")
	skipSQLite := flag.Bool("skip-sqlite", false, "measure PostgreSQL only")
	flag.StringVar(&dataDir, "data", "", "keep (and reuse) the SQLite database in this directory instead of a temporary one")
	flag.Parse()
	var runs []setup
	if !*skipSQLite {
		runs = append(runs, setup{instances: 1})
	}
	if databaseURL != "" {
		for _, n := range strings.Split(*nodes, ",") {
			k, err := strconv.Atoi(strings.TrimSpace(n))
			if err != nil || k < 1 {
				fmt.Fprintf(os.Stderr, "chapterhouse-bench: bad --instances %q\n", *nodes)
				os.Exit(2)
			}
			runs = append(runs, setup{url: databaseURL, instances: k})
		}
	}
	var all []measured
	for _, r := range runs {
		rows, err := r.run(*groups, *conns, *duration)
		if err != nil {
			fmt.Fprintln(os.Stderr, "chapterhouse-bench:", err)
			os.Exit(1)
		}
		all = append(all, measured{r, rows})
	}
	if len(all) > 1 {
		printComparison(all)
	}
}

var (
	profileDir, dataDir, databaseURL string
	members                          int
)

// setup is one configuration measured: an engine and a number of app nodes.
type setup struct {
	url       string // "" for SQLite
	instances int
}

func (s setup) String() string {
	if s.url == "" {
		return "SQLite"
	}
	return fmt.Sprintf("PostgreSQL ×%d", s.instances)
}

type row struct {
	path, who string
	result
}

type measured struct {
	setup
	rows []row
}

func (s setup) run(groups, conns int, duration time.Duration) ([]row, error) {
	ctx := context.Background()
	dir := dataDir
	if dir == "" || s.url != "" {
		tmp, err := os.MkdirTemp("", "chapterhouse-bench")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	db, err := sqldb.Open(ctx, dir, s.url)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		return nil, err
	}
	hasher := password.NewHasher(password.Default, 4)
	empty, err := demo.Empty(ctx, db)
	if err != nil {
		return nil, err
	}
	if empty {
		start := time.Now()
		if _, err := demo.Seed(ctx, db, hasher, demo.Options{Groups: groups, Members: members}); err != nil {
			return nil, err
		}
		if err := db.Optimize(ctx); err != nil {
			return nil, err
		}
		fmt.Printf("%s: seeded %d groups and %d members in %s.\n\n", s, groups, members, time.Since(start).Round(time.Millisecond))
	}
	page, err := db.ListGroups(ctx, ch.GroupFilter{Limit: 1})
	if err != nil || len(page.Groups) == 0 {
		return nil, fmt.Errorf("no listed group to fetch: %v", err)
	}
	slug := page.Groups[0].Slug

	var bases []string
	for i := range s.instances {
		node := db
		if i > 0 {
			// A node of its own: another pool on the same database.
			if node, err = sqldb.Open(ctx, dir, s.url); err != nil {
				return nil, err
			}
			defer node.Close()
		}
		srv, err := web.New(web.Config{DB: node, Hasher: hasher, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), BaseURL: "http://127.0.0.1", MailVia: "log"})
		if err != nil {
			return nil, err
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		httpSrv := &http.Server{Handler: srv}
		go httpSrv.Serve(ln)
		defer httpSrv.Close()
		bases = append(bases, "http://"+ln.Addr().String())
	}

	fmt.Printf("%s: %d connections, %s per path, GOMAXPROCS=%d, load generator in the same process.\n\n",
		s, conns, duration, runtime.GOMAXPROCS(0))
	// A signed-in member sees pages rendered for them, never the cached
	// anonymous ones: that row measures the full path.
	member, err := db.CreateUser(ctx, "bench-member@example.org", "Bench Member", "x", true, 0)
	if err != nil && ch.ErrorCode(err) != ch.ECONFLICT {
		return nil, err
	}
	if member == nil {
		member, _, err = db.UserByEmail(ctx, "bench-member@example.org")
		if err != nil {
			return nil, err
		}
	}
	session, err := db.CreateSession(ctx, member.ID, time.Hour)
	if err != nil {
		return nil, err
	}
	cookie := "ch_session=" + session
	fmt.Println("| path | visitor | requests/s | p50 | p99 | errors |")
	fmt.Println("| --- | --- | ---: | ---: | ---: | ---: |")
	var rows []row
	for _, t := range []struct{ path, cookie string }{
		{"/healthz", ""}, {"/groups", ""}, {"/groups", cookie}, {"/groups?q=python", ""}, {"/groups?q=python", cookie},
		{"/groups?country=FR&sort=newest", cookie}, {"/api/v1/groups", ""}, {"/groups/" + slug, ""}, {"/api/v1/groups/" + slug, ""},
	} {
		who := "anonymous"
		if t.cookie != "" {
			who = "signed in"
		}
		r, err := profiled(s.String()+t.path+"-"+who, func() result { return drive(bases, t.path, t.cookie, conns, duration) })
		if err != nil {
			return nil, err
		}
		fmt.Printf("| `%s` | %s | %.0f | %s | %s | %d |\n", t.path, who, r.rps, r.p50, r.p99, r.errors)
		rows = append(rows, row{strings.Replace(t.path, slug, "{slug}", 1), who, r})
	}
	fmt.Println()
	return rows, nil
}

// printComparison puts every setup's rows side by side.
func printComparison(all []measured) {
	head, rule := "| path | visitor |", "| --- | --- |"
	for _, m := range all {
		head += fmt.Sprintf(" %s req/s | p50 | p99 |", m.setup)
		rule += " ---: | ---: | ---: |"
	}
	fmt.Println("Side by side:")
	fmt.Println()
	fmt.Println(head)
	fmt.Println(rule)
	for i, r := range all[0].rows {
		line := fmt.Sprintf("| `%s` | %s |", r.path, r.who)
		for _, m := range all {
			x := m.rows[i]
			line += fmt.Sprintf(" %.0f | %s | %s |", x.rps, x.p50, x.p99)
		}
		fmt.Println(line)
	}
}

type result struct {
	rps      float64
	p50, p99 time.Duration
	errors   int
}

// drive sends GET requests on conns connections for d (after a short
// warm-up) and reports throughput and latency. It stops by itself.
func drive(bases []string, path, cookie string, conns int, d time.Duration) result {
	client := &http.Client{Transport: &http.Transport{MaxIdleConns: conns, MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns, DisableCompression: true}, Timeout: 10 * time.Second}
	var mu sync.Mutex
	var latencies []time.Duration
	errors := 0
	loop := func(until time.Time, record bool) {
		var wg sync.WaitGroup
		for c := range conns {
			url := bases[c%len(bases)] + path
			wg.Go(func() {
				var mine []time.Duration
				bad := 0
				for time.Now().Before(until) {
					t := time.Now()
					req, _ := http.NewRequest(http.MethodGet, url, nil)
					if cookie != "" {
						req.Header.Set("Cookie", cookie)
					}
					resp, err := client.Do(req)
					if err == nil {
						io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
					}
					if err != nil || resp.StatusCode != http.StatusOK {
						bad++
						continue
					}
					mine = append(mine, time.Since(t))
				}
				if record {
					mu.Lock()
					latencies = append(latencies, mine...)
					errors += bad
					mu.Unlock()
				}
			})
		}
		wg.Wait()
	}
	loop(time.Now().Add(500*time.Millisecond), false)
	start := time.Now()
	loop(start.Add(d), true)
	elapsed := time.Since(start)
	slices.Sort(latencies)
	pct := func(p float64) time.Duration {
		if len(latencies) == 0 {
			return 0
		}
		return latencies[min(int(float64(len(latencies))*p), len(latencies)-1)].Round(10 * time.Microsecond)
	}
	return result{rps: float64(len(latencies)) / elapsed.Seconds(), p50: pct(0.50), p99: pct(0.99), errors: errors}
}

// profiled runs f under the CPU profiler when --profile is set.
func profiled(path string, f func() result) (result, error) {
	if profileDir == "" {
		return f(), nil
	}
	name := strings.Trim(strings.NewReplacer("/", "_", "?", "_", "&", "_", "=", "-", " ", "-", "×", "x").Replace(path), "_")
	out, err := os.Create(filepath.Join(profileDir, name+".pprof"))
	if err != nil {
		return result{}, err
	}
	defer out.Close()
	if err := pprof.StartCPUProfile(out); err != nil {
		return result{}, err
	}
	defer pprof.StopCPUProfile()
	return f(), nil
}
