package messages_test

import (
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/ufo-thanhhoa/huunghi/messages"
)

func TestEmbeddedContentIsValid(t *testing.T) {
	c, warnings, err := messages.Load(messages.FS(""))
	if err != nil {
		t.Fatalf("embedded content: %v", err)
	}
	for _, w := range warnings {
		t.Logf("warning: %s", w)
	}
	if got := strings.Join(c.Langs, ","); got != "en,de,lo,vi" {
		t.Fatalf("Langs: got %q, want %q", got, "en,de,lo,vi")
	}
	// German is shipped complete, and check says it awaits a native speaker's review.
	if !slices.ContainsFunc(warnings, func(p messages.Problem) bool {
		return p.File == "ui/de.yaml" && strings.Contains(p.Message, "needs a native speaker's review")
	}) {
		t.Error("check does not say German needs a native review")
	}
}

func TestCheck_ReportsFileAndLine(t *testing.T) {
	fsys := fstest.MapFS{
		"ui/en.yaml": {Data: []byte("a: A {x}\nb: B\n")},
		"ui/lo.yaml": {Data: []byte("a: ກ\nc: C\n")},
	}
	got := messages.Check(fsys).Error()
	for _, want := range []string{
		`ui/lo.yaml:1: "a" lacks placeholder(s) {x}`,
		`ui/lo.yaml: missing "b" (present in en.yaml line 2)`,
		`ui/lo.yaml:2: unknown key "c" (not in en.yaml)`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("Check output lacks %q; got:\n%s", want, got)
		}
	}
	bad := fstest.MapFS{"ui/en.yaml": {Data: []byte("a: [\n")}}
	if got := messages.Check(bad).Error(); !strings.HasPrefix(got, "ui/en.yaml:") {
		t.Errorf("syntax error: got %q, want a ui/en.yaml:line: prefix", got)
	}
}

func TestT_FallsBackAndFills(t *testing.T) {
	c, _, err := messages.Load(messages.FS(""))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.T("lo", "start.greeting", "name", "Noy"); !strings.Contains(got, "Noy") || !strings.HasPrefix(got, "ສະບາຍດີ") {
		t.Errorf("lo greeting: got %q", got)
	}
	if got, want := c.T("xx", "menu.title"), c.T("en", "menu.title"); got != want {
		t.Errorf("unknown language: got %q, want English %q", got, want)
	}
	if got := c.T("en", "no.such.key"); got != "no.such.key" {
		t.Errorf("unknown key: got %q", got)
	}
}

func TestMatchLang(t *testing.T) {
	c, _, _ := messages.Load(messages.FS(""))
	for code, want := range map[string]string{"vi": "vi", "vi-VN": "vi", "lo": "lo", "en-GB": "en", "th": "", "": "", "de": "de", "de-AT": "de", "cs": ""} {
		if got := c.MatchLang(code); got != want {
			t.Errorf("MatchLang(%q): got %q, want %q", code, got, want)
		}
	}
}
