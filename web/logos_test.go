package web

import (
	"bytes"
	"context"
	"image/png"
	"strings"
	"testing"

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
	resp, body := anon.get("/groups/" + g.Slug + "/logo.png?width=300")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("PNG logo: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	img, err := png.Decode(bytes.NewReader([]byte(body)))
	if err != nil || img.Bounds().Dx() != 300 {
		t.Fatalf("PNG logo does not decode at 300 px: %v", err)
	}
	if resp, _ := anon.get("/groups/" + g.Slug + "/logo.png?width=99999"); resp.StatusCode != 422 {
		t.Errorf("absurd width: %d, want 422", resp.StatusCode)
	}
}

// A name the embedded font cannot draw still gives a PNG (drawn from the
// short name), the same on every request, and widths out of bounds are
// refused.
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
	for _, width := range []string{"15", "4097", "-1", "wide"} {
		if resp, _ := anon.get("/groups/" + g.Slug + "/logo.png?width=" + width); resp.StatusCode != 422 {
			t.Errorf("width %s: %d, want 422", width, resp.StatusCode)
		}
	}
}
