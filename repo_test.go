package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestRepository_NoBuildsCommittedAndALeanDockerContext: no test binary or local build is committed, and the
// Docker build context leaves out the history and such files (a 13 MB export.test once travelled in both).
func TestRepository_NoBuildsCommittedAndALeanDockerContext(t *testing.T) {
	ignore, err := os.ReadFile(".dockerignore")
	if err != nil {
		t.Fatalf(".dockerignore: %v", err)
	}
	lines := map[string]bool{}
	for _, l := range strings.Split(string(ignore), "\n") {
		lines[strings.TrimSpace(l)] = true
	}
	for _, want := range []string{".git", "*.test", "/huunghi"} {
		if !lines[want] {
			t.Errorf(".dockerignore lacks %q", want)
		}
	}
	out, err := exec.Command("git", "ls-files").Output()
	if err != nil {
		t.Skipf("not a git checkout (%v): the tracked files cannot be listed", err)
	}
	for _, f := range strings.Fields(string(out)) {
		info, err := os.Stat(f)
		switch {
		case strings.HasSuffix(f, ".test") || f == "huunghi":
			t.Errorf("%s is a build output and is committed", f)
		case err == nil && info.Size() > 2<<20:
			t.Errorf("%s is committed and has %d bytes: data this large belongs elsewhere", f, info.Size())
		}
	}
}
