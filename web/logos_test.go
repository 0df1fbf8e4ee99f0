package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/png"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	ch "chapterhouse"
	"chapterhouse/logo"
)

// The logo follows the group's status: new-group logo until official, the
// official one while official, and the new-group one again once revoked.
func TestLogoFollowsStatus(t *testing.T) {
	p := newPortal(t)
	ctx := context.Background()
	ann := p.user("ann@example.org", "Ann Applicant")
	cm := p.user("cm@example.org", "Cora Manager", ch.RoleCommunityManager)
	app := groupApp("Lyon <Python> & Friends", "FR")
	app.Coordinators = []ch.Coordinator{{Email: ann.Email, Name: ann.Name, Employer: "Initech"}}
	g, err := p.db.CreateGroup(ctx, app, ann, nil)
	if err != nil {
		t.Fatal(err)
	}
	anon := p.browser()
	if resp, _ := anon.get("/groups/" + g.Slug + "/logo.svg"); resp.StatusCode != 404 {
		t.Fatalf("logo of a pending group: %d, want 404 to the public", resp.StatusCode)
	}
	if g, err = p.db.ReviewGroup(ctx, g.Slug, ch.Accept, "", cm, nil); err != nil {
		t.Fatal(err)
	}
	want := func(label string) {
		t.Helper()
		resp, body := anon.get("/groups/" + g.Slug + "/logo.svg")
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/svg+xml" || !strings.Contains(body, label) {
			t.Fatalf("logo: %d %s, want an SVG saying %q", resp.StatusCode, resp.Header.Get("Content-Type"), label)
		}
		if strings.Contains(body, "<Python>") || !strings.Contains(body, "&lt;Python&gt;") {
			t.Fatal("the group's name is not escaped in its logo")
		}
	}
	want("NEW GROUP")
	if _, body := anon.get("/groups/" + g.Slug); !strings.Contains(body, "New group logo") {
		t.Error("the group page does not show the new-group logo")
	}
	if _, err := p.db.ChangeStatus(ctx, g.Slug, ch.StatusOfficial, "", cm, nil); err != nil {
		t.Fatal(err)
	}
	want("OFFICIAL USER GROUP")
	if _, body := anon.get("/groups/" + g.Slug); !strings.Contains(body, "Official user group logo") {
		t.Error("the group page does not show the official logo")
	}
	if _, err := p.db.ChangeStatus(ctx, g.Slug, ch.StatusRevoked, "No meetings for a year.", cm, nil); err != nil {
		t.Fatal(err)
	}
	want("NEW GROUP")

	// The PNG is painted in Go: no outside program is needed.
	resp, body := anon.get("/groups/" + g.Slug + "/logo.png?width=256")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("PNG logo: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	img, err := png.Decode(bytes.NewReader([]byte(body)))
	if err != nil || img.Bounds().Dx() != 256 {
		t.Fatalf("PNG logo does not decode at 256 px: %v", err)
	}
}

// A name the embedded font cannot draw still gives a PNG (drawn from the
// short name), the same on every request.
func TestLogoPNGOfAnyScript(t *testing.T) {
	p := newPortal(t)
	ctx := context.Background()
	ann := p.user("ann@example.org", "Ann Applicant")
	cm := p.user("cm@example.org", "Cora Manager", ch.RoleCommunityManager)
	app := groupApp("東京 Rust コミュニティ 🦀", "JP")
	app.ShortName = "Rust Tokyo"
	app.Coordinators = []ch.Coordinator{{Email: ann.Email, Name: ann.Name, Employer: "Initech"}}
	g := p.createGroup(app, ann, cm, true)
	anon := p.browser()
	var first string
	for range 2 {
		resp, body := anon.get("/groups/" + g.Slug + "/logo.png")
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" {
			t.Fatalf("PNG logo: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		img, err := png.Decode(strings.NewReader(body))
		if err != nil || img.Bounds().Dx() != 600 || img.Bounds().Dy() != 300 {
			t.Fatalf("PNG logo does not decode at 600×300: %v", err)
		}
		if first != "" && body != first {
			t.Error("the second request gave another PNG")
		}
		first = body
	}
	// Drawn from the short name, not from the transliteration that the
	// name alone would give.
	fromShort, err := logo.PNG(ctx, g.Name, app.ShortName, logoVariant(g.Status), logo.DefaultArtwork(), 600)
	if err != nil {
		t.Fatal(err)
	}
	if first != string(fromShort) {
		t.Errorf("the PNG is not the logo drawn with the short name %q", app.ShortName)
	}
}

// The PNG comes in a fixed set of widths: the ones the group page links
// work, any other number is redirected to the nearest, and each is drawn
// once however often and in however many widths it is asked for. 400
// distinct widths used to keep both cores busy for minutes.
func TestLogoPNGWidths(t *testing.T) {
	p := newPortal(t)
	org := p.user("org@example.org", "Olga Organizer")
	cm := p.user("cm@example.org", "Cora Manager", ch.RoleCommunityManager)
	g := p.createGroup(groupApp("Alpha Python User Group", "FR", coordinator(org, "Acme")), org, cm, true)
	anon := p.browser()
	logoURL := "/groups/" + g.Slug + "/logo.png"

	_, page := anon.get("/groups/" + g.Slug)
	for _, width := range []int{600, 1200} {
		link := fmt.Sprintf("%s?width=%d", logoURL, width)
		if !strings.Contains(page, link) {
			t.Fatalf("the group page does not link %s", link)
		}
		resp, body := anon.get(link)
		img, err := png.Decode(strings.NewReader(body))
		if resp.StatusCode != 200 || err != nil || img.Bounds().Dx() != width {
			t.Fatalf("%s: %d, %v", link, resp.StatusCode, err)
		}
	}
	for width, want := range map[string]int{"1": 64, "-1": 64, "65": 64, "97": 128, "300": 256, "427": 256, "428": 600,
		"601": 600, "900": 1200, "4097": 1200, "99999999": 1200, "0600": 600} {
		resp, _ := anon.get(logoURL + "?width=" + width)
		if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusFound || loc != fmt.Sprintf("%s?width=%d", logoURL, want) {
			t.Errorf("width=%s: %d to %q, want a redirect to width %d", width, resp.StatusCode, loc, want)
		}
	}
	for _, width := range []string{"wide", "1e3", "64px"} {
		if resp, _ := anon.get(logoURL + "?width=" + width); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("width=%s: %d, want 422", width, resp.StatusCode)
		}
	}

	// A burst of distinct widths, followed like a browser follows them,
	// draws each allowed width once.
	follow := &http.Client{}
	var wg sync.WaitGroup
	for i := range 100 {
		wg.Go(func() {
			resp, err := follow.Get(fmt.Sprintf("%s%s?width=%d", p.ts.URL, logoURL, 20+i*13))
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			if resp.StatusCode != 200 && resp.StatusCode != http.StatusTooManyRequests {
				t.Errorf("width %d: %d", 20+i*13, resp.StatusCode)
			}
		})
	}
	wg.Wait()
	for _, width := range pngWidths {
		if resp, _ := anon.get(fmt.Sprintf("%s?width=%d", logoURL, width)); resp.StatusCode != 200 {
			t.Fatalf("width %d after the burst: %d", width, resp.StatusCode)
		}
	}
	if n := p.srv.pngs.order.Len(); n != len(pngWidths) {
		t.Errorf("%d PNGs drawn and kept for one logo, want one per width (%d)", n, len(pngWidths))
	}
}

// Drawing is bounded: never more draws at once than the slots, one client
// cannot have more than perClientDraws waiting or running, and beyond the
// queue a request is refused at once instead of waiting.
func TestLogoDrawsBounded(t *testing.T) {
	var c pngCache
	release := make(chan struct{})
	var mu sync.Mutex
	running, most := 0, 0
	draw := func(context.Context) ([]byte, error) {
		mu.Lock()
		running++
		most = max(most, running)
		mu.Unlock()
		<-release
		mu.Lock()
		running--
		mu.Unlock()
		return []byte("png"), nil
	}
	ctx := context.Background()
	type result struct{ err error }
	results := make(chan result, 100)
	start := func(key, client string) {
		go func() {
			_, err := c.png(ctx, key, client, draw)
			results <- result{err}
		}()
	}
	refusedAtOnce := func(key, client string) {
		t.Helper()
		if _, err := c.png(ctx, key, client, draw); !errors.Is(err, errTooManyDraws) {
			t.Errorf("%s for %s: %v, want refused", key, client, err)
		}
	}
	waitPending := func(n int) {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
			c.mu.Lock()
			pending := c.limit.pending
			c.mu.Unlock()
			if pending == n {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d draws pending, want %d", pending, n)
			}
		}
	}

	for i := range perClientDraws {
		start(fmt.Sprint("one-client/", i), "198.51.100.1")
	}
	waitPending(perClientDraws)
	refusedAtOnce("one-client/more", "198.51.100.1")

	capacity := cap(c.limit.slots) + drawQueue
	for i := perClientDraws; i < capacity; i++ {
		start(fmt.Sprint("many-clients/", i), fmt.Sprint("203.0.113.", i))
	}
	waitPending(capacity)
	refusedAtOnce("many-clients/more", "192.0.2.1")
	// A logo being drawn is waited for, not drawn again nor refused.
	start("one-client/0", "192.0.2.2")

	close(release)
	for range capacity + 1 {
		if r := <-results; r.err != nil {
			t.Errorf("an admitted draw failed: %v", r.err)
		}
	}
	if most != cap(c.limit.slots) || most > max(1, runtime.GOMAXPROCS(0)/2) {
		t.Errorf("%d draws ran at once, want %d", most, cap(c.limit.slots))
	}
	if n := c.order.Len(); n != capacity {
		t.Errorf("%d PNGs cached, want %d", n, capacity)
	}
	if _, err := c.png(ctx, "one-client/more", "198.51.100.1", draw); err != nil {
		t.Errorf("once the draws are done, the client may draw again: %v", err)
	}
}

// A request waiting for another's draw of the same logo still gets it when
// that other request goes away before its draw starts.
func TestLogoDrawOutlivesItsRequester(t *testing.T) {
	var c pngCache
	release := make(chan struct{})
	busy := func(context.Context) ([]byte, error) { <-release; return []byte("busy"), nil }
	wanted := func(context.Context) ([]byte, error) { return []byte("wanted"), nil }
	slots := max(1, runtime.GOMAXPROCS(0)/2)
	done := make(chan struct{}, slots)
	for i := range slots {
		go func() {
			c.png(context.Background(), fmt.Sprint("busy/", i), fmt.Sprint("192.0.2.", i), busy)
			done <- struct{}{}
		}()
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		c.mu.Lock()
		full := c.limit.slots != nil && len(c.limit.slots) == slots
		c.mu.Unlock()
		if full {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the slots never filled")
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	gone := make(chan error, 1)
	go func() { _, err := c.png(ctx, "wanted", "198.51.100.1", wanted); gone <- err }()
	got := make(chan []byte, 1)
	time.Sleep(20 * time.Millisecond) // the first request queues for a slot
	go func() {
		png, err := c.png(context.Background(), "wanted", "198.51.100.2", wanted)
		if err != nil {
			t.Errorf("the waiting request: %v", err)
		}
		got <- png
	}()
	time.Sleep(20 * time.Millisecond) // the second waits for the first's draw
	cancel()
	if err := <-gone; !errors.Is(err, context.Canceled) {
		t.Errorf("the request that went away: %v", err)
	}
	close(release)
	if png := <-got; string(png) != "wanted" {
		t.Errorf("the waiting request got %q", png)
	}
	for range slots {
		<-done
	}
}
