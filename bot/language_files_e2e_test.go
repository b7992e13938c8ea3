package bot_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"github.com/ufo-thanhhoa/huunghi/messages"
)

// pigLatin turns English text into Pig Latin word by word ("dorm gate" → "ormday ategay"), leaving
// placeholders ({name}, {{office_phone}}, {step:x}), commands, links and addresses as they are: a
// language nobody ships, that a test can still read.
func pigLatin(s string) string {
	keep := regexp.MustCompile(`\{\{[^}]*\}\}|\{[^}]*\}|/[a-z_]+|https?://\S+|\S+@\S+|[A-Za-z]+`)
	return keep.ReplaceAllStringFunc(s, func(w string) string {
		if !unicode.IsLetter(rune(w[0])) || len(w) < 2 {
			return w
		}
		lower := strings.ToLower(w)
		i := strings.IndexAny(lower, "aeiou")
		switch {
		case i == 0:
			return lower + "way"
		case i < 0:
			return lower + "ay"
		}
		return lower[i:] + lower[:i] + "ay"
	})
}

// A language is added with files alone, dropped into CONTENT_DIR: its UI strings and a translation file
// per content file (made here from the English ones, in Pig Latin). A user whose Telegram speaks it is
// greeted in it, finds it in /language, and has questions asked in it answered from its own FAQ texts.
func TestLanguages_AddedThroughContentDirAlone(t *testing.T) {
	t.Parallel()
	files, err := messages.TranslationTemplate(messages.FS(""), "en", "qaa", pigLatin)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for name, b := range files {
		if name == "ui/qaa.yaml" {
			b = regexp.MustCompile(`(?m)^lang\.name: .*$`).ReplaceAll(b, []byte("lang.name: Igpay Atinlay"))
			b = regexp.MustCompile(`(?m)^lang\.telegram: .*$`).ReplaceAll(b, []byte("lang.telegram: qaa"))
		}
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	h := newHarness(t, map[string]string{"CONTENT_DIR": dir})
	if !h.content.HasLang("qaa") {
		t.Fatalf("languages %v", h.content.Langs)
	}
	u := user(4700, "qaa")
	h.srv.PushText(u, "/start")
	if got := h.messages(u.ID, 1)[0].Text; !strings.HasPrefix(got, pigLatin("Hello")) {
		t.Errorf("/start: %q, want the greeting in the new language", got)
	}
	h.idle()
	n := len(h.srv.Messages(u.ID))
	h.srv.PushText(u, "/language")
	if picker := h.messages(u.ID, n+1)[n]; !hasButton(picker, "lang:qaa") || picker.Buttons[0][0].Text != "Igpay Atinlay" {
		t.Errorf("/language: %v, want the new language first", picker.Buttons)
	}
	dorm, _ := h.content.FAQ.Topic("dormitory")
	h.srv.PushText(u, pigLatin("what time does the dorm gate close at night"))
	got := h.messages(u.ID, n+2)[n+1].Text
	if !strings.Contains(got, dorm.TopicTitle("qaa")) || !strings.Contains(got, pigLatin("international office")) {
		t.Errorf("a question in the new language: %q, want the dormitory answer in it", got)
	}
}
