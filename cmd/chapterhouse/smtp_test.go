package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"chapterhouse/mail"
)

// The SMTP password can stay out of the command line, which every user of
// the machine can read with ps: from a file (a mounted secret) or with the
// whole URL in the environment.
func TestSMTPPasswordFromFile(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "smtp-password")
	if err := os.WriteFile(secret, []byte("s3cr:t/pa ss\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := withSMTPPassword("smtp://mailer@mail.example.org:587?from=groups@example.org", secret)
	if err != nil {
		t.Fatal(err)
	}
	if !smtpURLHasPassword(got) || !strings.Contains(got, "mailer:") {
		t.Fatalf("URL %q does not carry the password", got)
	}
	if _, err := mail.NewSMTPSender(got); err != nil {
		t.Fatalf("the sender refuses the URL: %v", err)
	}
	if u, _ := withSMTPPassword("smtp://mailer:inline@mail.example.org", ""); u != "smtp://mailer:inline@mail.example.org" {
		t.Errorf("without a file the URL changed: %q", u)
	}

	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, []byte("\n"), 0o600)
	for _, tc := range []struct{ url, file, want string }{
		{"smtp://mail.example.org:587", secret, "name the user"},
		{"smtp://mailer:inline@mail.example.org", secret, "keep one"},
		{"", secret, "needs --smtp-url"},
		{"smtp://mailer@mail.example.org", filepath.Join(dir, "missing"), "no such file"},
		{"smtp://mailer@mail.example.org", empty, "is empty"},
	} {
		if _, err := withSMTPPassword(tc.url, tc.file); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q with %s: %v, want an error saying %q", tc.url, filepath.Base(tc.file), err, tc.want)
		}
	}

	help, _ := runCmd(t, "", "serve", "--help")
	for _, want := range []string{"--smtp-password-file", "CHAPTERHOUSE_SMTP_PASSWORD_FILE", "visible to every user of the machine (ps)"} {
		if !strings.Contains(strings.Join(strings.Fields(help), " "), want) {
			t.Errorf("serve --help does not say %q", want)
		}
	}
}
