package markdown

import (
	"strings"
	"testing"
)

func TestHTML(t *testing.T) {
	for _, tc := range []struct{ in, want, not string }{
		{"**bold** and [link](https://example.org)", "<strong>bold</strong>", ""},
		{"[x](https://example.org)", `rel="nofollow"`, ""},
		{"<script>alert(1)</script>\n\nhi", "hi", "<script"},
		{"[click](javascript:alert(1))", "click", "javascript:"},
		{`<img src=x onerror="alert(1)">`, "", "onerror"},
		{"| a | b |\n|---|---|\n| 1 | 2 |", "<table>", ""},
	} {
		got := string(HTML(tc.in))
		if tc.want != "" && !strings.Contains(got, tc.want) {
			t.Errorf("HTML(%q) = %q, want it to contain %q", tc.in, got, tc.want)
		}
		if tc.not != "" && strings.Contains(got, tc.not) {
			t.Errorf("HTML(%q) = %q, must not contain %q", tc.in, got, tc.not)
		}
	}
}

func TestHeadingsAreDemoted(t *testing.T) {
	got := string(HTML("# Title\n\n## Part\n\n###### Deep"))
	for _, want := range []string{"<h2", "<h3", "<h6"} {
		if !strings.Contains(got, want) {
			t.Errorf("HTML = %q, want %s", got, want)
		}
	}
	if strings.Contains(got, "<h1") {
		t.Errorf("HTML = %q keeps an <h1>", got)
	}
}
