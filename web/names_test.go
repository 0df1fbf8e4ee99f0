package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	ch "chapterhouse"
)

// A line break in a one-line field would be a line of its own in the mails
// that carry it: the account page and the API refuse it next to the field,
// and keep what was typed.
func TestOneLineFieldsRefuseControlCharacters(t *testing.T) {
	w := newAuthzWorld(t)
	resp, body := w.browsers[asMember].post("/account/name", url.Values{"name": {"Mel\r\nBcc: all@example.org"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "without line breaks") || !strings.Contains(body, "Bcc: all@example.org") {
		t.Errorf("account name with a line break: %d\n%.500s", resp.StatusCode, body)
	}
	if u, err := w.p.db.UserByID(t.Context(), w.users[asMember].ID); err != nil || u.Name != "Mel Member" {
		t.Errorf("the name became %q (%v)", u.Name, err)
	}
	resp, body = w.browsers[asMember].post("/account/tokens", url.Values{"token_name": {"sync\r\nscript"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "without line breaks") {
		t.Errorf("token name with a line break: %d\n%.500s", resp.StatusCode, body)
	}
	e := w.p.apiFail("POST", "/api/v1/groups", w.tokens[asMember], `{"name": "Lyon\nGophers", "city": "Lyon\u202e", "description": "…", "country": "FR",
		"time_zone": "Europe/Paris", "cadence": "monthly", "policy_agreed": true}`, 422, ch.EINVALID)
	wantFields(t, "control characters", e, "name", "city")
}
