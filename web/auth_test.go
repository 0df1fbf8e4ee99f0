package web

import (
	"net/http/httptest"
	"testing"
)

func TestClientIP(t *testing.T) {
	for _, tc := range []struct {
		trust bool
		fwd   []string
		want  string
	}{
		{false, nil, "192.0.2.1"},
		{false, []string{"203.0.113.9"}, "192.0.2.1"}, // not trusted: a client could claim any address
		{true, nil, "192.0.2.1"},
		{true, []string{"203.0.113.9"}, "203.0.113.9"},
		{true, []string{"6.6.6.6, 203.0.113.9"}, "203.0.113.9"}, // the proxy appends; what the client sent comes first
		{true, []string{"6.6.6.6", "203.0.113.9"}, "203.0.113.9"},
		{true, []string{"not-an-address"}, "192.0.2.1"},
	} {
		s := &Server{Config: Config{TrustProxy: tc.trust}}
		r := httptest.NewRequest("POST", "/signin", nil)
		r.RemoteAddr = "192.0.2.1:4321"
		for _, f := range tc.fwd {
			r.Header.Add("X-Forwarded-For", f)
		}
		if got := s.clientIP(r); got != tc.want {
			t.Errorf("trust=%v X-Forwarded-For=%q: %s, want %s", tc.trust, tc.fwd, got, tc.want)
		}
	}
}
