package web

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	ch "chapterhouse"
	"chapterhouse/files"
	"chapterhouse/workflow"
)

const uploadedArtwork = `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">
<circle cx="50" cy="50" r="40" style="fill:#c0ffee"/>
</svg>`

// uploadArtwork posts svg as the file "artwork", with the browser's CSRF
// token, the way the page's multipart form does.
func (b *browser) uploadArtwork(name string, svg []byte) (*http.Response, string) {
	b.p.t.Helper()
	_, page := b.get("/admin/artwork")
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		b.p.t.Fatal("no CSRF field on the artwork page")
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("csrf", m[1])
	fw, _ := mw.CreateFormFile("artwork", name)
	fw.Write(svg)
	mw.Close()
	req, _ := http.NewRequest("POST", b.p.ts.URL+"/admin/artwork", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(req)
}

func TestArtworkUpload(t *testing.T) {
	p := newPortal(t)
	disk, err := files.NewDisk(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	p.srv.flows.Files = disk
	ctx := context.Background()
	cm := p.user("cm@example.org", "Cora Manager", ch.RoleCommunityManager)
	g, err := p.db.CreateGroup(ctx, groupApp("Lyon Gophers", "FR"), cm, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.db.ReviewGroup(ctx, g.Slug, ch.Accept, "", cm, nil); err != nil {
		t.Fatal(err)
	}
	anon := p.browser()
	logoSVG := func() string {
		t.Helper()
		resp, body := anon.get("/groups/" + g.Slug + "/logo.svg")
		if resp.StatusCode != 200 {
			t.Fatalf("logo: %d", resp.StatusCode)
		}
		return body
	}
	defaultLogo := logoSVG()
	if strings.Contains(defaultLogo, "#c0ffee") {
		t.Fatal("the default logo already has the test colour")
	}

	b := p.browser().signIn(cm.Email)
	if resp, body := b.get("/admin/artwork"); resp.StatusCode != 200 || !strings.Contains(body, "data:image/svg") || !strings.Contains(body, `enctype="multipart/form-data"`) {
		t.Fatalf("artwork page: %d", resp.StatusCode)
	}
	resp, body := b.uploadArtwork("emblem.svg", []byte(uploadedArtwork))
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("upload: %d %s", resp.StatusCode, body)
	}
	if !strings.Contains(logoSVG(), "#c0ffee") {
		t.Fatal("the group's logo does not use the uploaded artwork")
	}
	if _, info, err := disk.Get(ctx, workflow.ArtworkKey); err != nil || info.ContentType != "image/svg+xml" {
		t.Fatalf("stored artwork: %v %+v", err, info)
	}
	if _, body := b.get("/admin/artwork"); !strings.Contains(body, "Reset to the default artwork") {
		t.Error("the page does not offer to reset an uploaded artwork")
	}

	refused := []struct{ name, svg, why string }{
		{"script", `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><script>alert(1)</script><rect width="5" height="5" fill="#badbad"/></svg>`, "&lt;script&gt; is not accepted"},
		{"handler", `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10" onload="alert(1)"><rect width="5" height="5" fill="#badbad"/></svg>`, "event handler"},
		{"png", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not an SVG file"},
		{"empty", "", "Choose an SVG file"},
	}
	for _, c := range refused {
		resp, body := b.uploadArtwork(c.name+".svg", []byte(c.svg))
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="f-artwork-error"`) || !strings.Contains(body, c.why) {
			t.Errorf("%s: %d, want 422 saying %q next to the field", c.name, resp.StatusCode, c.why)
		}
	}
	if l := logoSVG(); !strings.Contains(l, "#c0ffee") || strings.Contains(l, "#badbad") {
		t.Fatal("a refused upload changed the artwork")
	}

	// Too large: refused before the form is read, with the reason.
	big := []byte(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">` + strings.Repeat(`<rect width="1" height="1" fill="#badbad"/>`, 30000) + `</svg>`)
	resp, _ = b.uploadArtwork("big.svg", big)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("oversized upload: %d, want 303 back to the page", resp.StatusCode)
	}
	if _, body := b.get("/admin/artwork"); !strings.Contains(body, "too large") {
		t.Error("the page does not say the file was too large")
	}
	if !strings.Contains(logoSVG(), "#c0ffee") {
		t.Fatal("an oversized upload changed the artwork")
	}

	// Others may not.
	member := p.user("mo@example.org", "Mo Member")
	mb := p.browser().signIn(member.Email)
	if resp, _ := mb.get("/admin/artwork"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("member sees the artwork page: %d", resp.StatusCode)
	}
	if resp, _ := mb.post("/admin/artwork", url.Values{"action": {"reset"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("member resets the artwork: %d", resp.StatusCode)
	}
	if !strings.Contains(logoSVG(), "#c0ffee") {
		t.Fatal("a member changed the artwork")
	}

	if resp, _ := b.post("/admin/artwork", url.Values{"action": {"reset"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("reset: %d", resp.StatusCode)
	}
	if logoSVG() != defaultLogo {
		t.Fatal("reset did not bring back the default artwork")
	}
	if _, err := disk.Stat(ctx, workflow.ArtworkKey); err == nil {
		t.Fatal("reset left the uploaded artwork in the store")
	}
}
