package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	ch "chapterhouse"
)

func TestProgramExportCheckAndServeRefusal(t *testing.T) {
	out, err := runCmd(t, "", "program", "export")
	if err != nil || !strings.Contains(out, `id = "meetings"`) {
		t.Fatalf("program export: %v\n%.300s", err, out)
	}
	dir := t.TempDir()
	good := filepath.Join(dir, "program.toml")
	if err := os.WriteFile(good, []byte(out), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := runCmd(t, "", "program", "check", good); err != nil || !strings.Contains(out, "6 steps") {
		t.Fatalf("program check of the exported default: %v %s", err, out)
	}
	// A mistake names the file and the line, and serve refuses to start.
	bad := filepath.Join(dir, "bad.toml")
	broken := strings.Replace(out, "ratio = 0.75", "ratio = 7.5", 1)
	if broken == out {
		t.Fatal("the exported program has no meetings ratio to break")
	}
	if err := os.WriteFile(bad, []byte(broken), 0o600); err != nil {
		t.Fatal(err)
	}
	line := 1 + strings.Count(broken[:strings.Index(broken, "ratio = 7.5")], "\n")
	want := bad + ":" + strconv.Itoa(line) + ":"
	if _, err := runCmd(t, "", "program", "check", bad); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("program check of a bad file: %v, want it to name %s", err, want)
	}
	_, err = runCmd(t, "", "serve", "--addr", "127.0.0.1:0", "--data", dir, "--program", bad)
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("serve with a bad program: %v, want a refusal naming %s", err, want)
	}
	if ch.ErrorCode(err) != ch.EINVALID {
		t.Errorf("error code %q", ch.ErrorCode(err))
	}
}
