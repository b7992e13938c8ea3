package broadcast

import (
	"strings"
	"testing"
)

func TestParseAudience(t *testing.T) {
	for in, want := range map[string]string{
		"all": "all", " LANG:lo ": "lang:lo", "audience:student": "audience:student",
		"programme:x": "programme:x", "programme:x:waitlist": "programme:x:waitlist", "event:y:registered": "event:y:registered",
		"topic:scholarships": "topic:scholarships",
	} {
		a, err := ParseAudience(in)
		if err != nil || a.String() != want {
			t.Errorf("ParseAudience(%q) = %q, %v; want %q", in, a, err, want)
		}
	}
	for _, in := range []string{"", "everyone", "all:x", "lang:", "audience:teacher", "programme:x:maybe", "topic:a:b", "lang:lo:x"} {
		if _, err := ParseAudience(in); err == nil {
			t.Errorf("ParseAudience(%q): want an error", in)
		}
	}
}

func TestVersion_ValidateCountsAsTelegramDoes(t *testing.T) {
	// 2,048 emoji are 4,096 UTF-16 code units: the most a message takes. One more is too long, though it
	// is far fewer than 4,096 characters.
	if err := (Version{Text: strings.Repeat("🎓", 2048)}).Validate(); err != nil {
		t.Errorf("4,096 units: %v", err)
	}
	if err := (Version{Text: strings.Repeat("🎓", 2049)}).Validate(); err == nil {
		t.Error("4,098 units: want too long")
	}
	if err := (Version{Photo: "p", Text: strings.Repeat("a", 1025)}).Validate(); err == nil {
		t.Error("a caption of 1,025: want too long")
	}
	if err := (Version{Text: "  "}).Validate(); err == nil {
		t.Error("a blank text: want an error")
	}
	if err := (Version{Photo: "p"}).Validate(); err != nil {
		t.Errorf("a photo without caption: %v", err)
	}
}

func TestBroadcast_VersionForAReader(t *testing.T) {
	b := Broadcast{Versions: map[string]Version{"": {Text: "all"}, "lo": {Text: "ລາວ"}}}
	if b.Version("lo").Text != "ລາວ" || b.Version("vi").Text != "all" {
		t.Errorf("versions: lo %q, vi %q", b.Version("lo").Text, b.Version("vi").Text)
	}
	only := Broadcast{Versions: map[string]Version{"vi": {Text: "Việt"}}}
	if only.Version("lo").Text != "Việt" {
		t.Errorf("a single version for another reader: %q", only.Version("lo").Text)
	}
}
