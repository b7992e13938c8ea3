package bot_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ufo-thanhhoa/huunghi/bot/telegramtest"
)

var update = flag.Bool("update", false, "rewrite the golden transcripts in testdata/golden")

// TestGolden_Conversations records what a user sees in each language — the greeting, the menu, an FAQ
// answer, a decline, a programme opened from a poster's link, the start of its form and the question Cancel
// asks — and compares it with testdata/golden/<lang>.txt, so a change to any user-facing text shows up in
// review. A script line "[data]" taps the newest button whose data starts with data; a message the bot edited
// is shown again with "~". Refresh with: go test ./bot -run Golden -update
func TestGolden_Conversations(t *testing.T) {
	// Waits on the per-chat send budget, not the CPU: run alongside the others.
	t.Parallel()
	form := []string{"/start reg_lao_vn_exchange_2027", "[prog:a:]", "[form:cancel:]", "[form:resume:]"}
	scripts := map[string][]string{
		"vi": append([]string{"/start", "/menu", "gia han the tam tru o dau", "giá vàng hôm nay"}, form...),
		"lo": append([]string{"/start", "/menu", "ເບີໂທສຸກເສີນຢູ່ຫວຽດນາມ", "ລາຄາຄຳມື້ນີ້"}, form...),
		"en": append([]string{"/start", "/menu", "how do i renew my residence card", "who won the football match"}, form...),
	}
	h := newHarness(t, nil)
	for i, lang := range []string{"vi", "lo", "en"} {
		a := &applicant{h: h, u: user(int64(3000+i), lang)}
		var b strings.Builder
		var before []telegramtest.Message
		for _, line := range scripts[lang] {
			if data, ok := strings.CutPrefix(line, "["); ok {
				a.pressPrefix(strings.TrimSuffix(data, "]"))
			} else {
				a.send(line)
			}
			fmt.Fprintf(&b, "> %s\n", line)
			msgs := h.srv.Messages(a.u.ID)
			for j, m := range msgs {
				mark := "<"
				switch {
				case j >= len(before):
				case m.Text != before[j].Text || fmt.Sprint(m.Buttons) != fmt.Sprint(before[j].Buttons):
					mark = "~"
				default:
					continue
				}
				fmt.Fprintf(&b, "%s %s\n", mark, strings.ReplaceAll(m.Text, "\n", "\n  "))
				for _, row := range m.Buttons {
					var cells []string
					for _, btn := range row {
						cells = append(cells, fmt.Sprintf("[%s → %s]", btn.Text, btn.Data))
					}
					fmt.Fprintf(&b, "  %s\n", strings.Join(cells, " "))
				}
			}
			before = msgs
		}
		path := filepath.Join("testdata", "golden", lang+".txt")
		if *update {
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run with -update to create it)", err)
		}
		if got := b.String(); got != string(want) {
			t.Errorf("%s transcript differs from %s (run with -update if the change is intended):\n%s", lang, path, diffLines(string(want), got))
		}
	}
}

// diffLines shows the first lines where two transcripts differ.
func diffLines(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var out []string
	for i := 0; i < max(len(w), len(g)) && len(out) < 12; i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			out = append(out, fmt.Sprintf("line %d:\n  want %q\n  got  %q", i+1, wl, gl))
		}
	}
	return strings.Join(out, "\n")
}
