package outbox

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSplit(t *testing.T) {
	para := strings.Repeat("word ", 300) // 1500 units
	tests := []struct {
		name  string
		text  string
		max   int
		parts int
	}{
		{"short", "hello", 4096, 1},
		{"exact", strings.Repeat("a", 4096), 4096, 1},
		{"paragraphs", para + "\n\n" + para + "\n\n" + para + "\n\n" + para, 4096, 2},
		{"one long word", strings.Repeat("x", 9000), 4096, 3},
		{"lao", strings.Repeat("ສະບາຍດີ ", 1000), 4096, 2},
		{"emoji count two units", strings.Repeat("😀", 3000), 4096, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parts := Split(tt.text, tt.max)
			if len(parts) != tt.parts {
				t.Fatalf("got %d parts, want %d", len(parts), tt.parts)
			}
			for i, p := range parts {
				if units(p) > tt.max {
					t.Errorf("part %d has %d units, over %d", i, units(p), tt.max)
				}
			}
		})
	}
	// Paragraph boundaries are preferred: no part starts mid-paragraph.
	parts := Split(para+"\n\n"+para+"\n\n"+para+"\n\n"+para, 4096)
	if !strings.HasPrefix(parts[1], "word") || strings.HasSuffix(parts[0], "\n") {
		t.Errorf("split not at a paragraph boundary: %q ... %q", parts[0][len(parts[0])-10:], parts[1][:10])
	}
}

func FuzzSplit(f *testing.F) {
	f.Add("hello world\n\nsecond paragraph", 8)
	f.Add(strings.Repeat("ສະບາຍດີ ", 50), 20)
	f.Add("😀😀😀", 3)
	f.Fuzz(func(t *testing.T, text string, max int) {
		if max < 2 || max > 5000 || !utf8.ValidString(text) {
			return
		}
		parts := Split(text, max)
		joined := strings.Join(parts, "")
		strip := func(s string) string { return strings.NewReplacer(" ", "", "\n", "").Replace(s) }
		if strip(joined) != strip(text) {
			t.Fatalf("content changed: %q → %q", text, parts)
		}
		for _, p := range parts {
			if units(p) > max {
				t.Fatalf("part %q over %d units", p, max)
			}
			if !utf8.ValidString(p) {
				t.Fatalf("part %q is not valid UTF-8", p)
			}
		}
	})
}
