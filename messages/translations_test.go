package messages_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/ufo-thanhhoa/huunghi/handlers/forms"
	"github.com/ufo-thanhhoa/huunghi/messages"
)

// A language is added by files alone: the translation template of English, each text marked, dropped
// into CONTENT_DIR, gives one more language in every part of the content, with nothing missing.
func TestTranslations_ALanguageByFilesAlone(t *testing.T) {
	files, err := messages.TranslationTemplate(messages.FS(""), "en", "qaa", func(s string) string { return "⟦" + s + "⟧" })
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for name, b := range files {
		if name == "ui/qaa.yaml" {
			b = append(b, []byte("lang.review: test language\n")...)
			b = []byte(strings.Replace(string(b), "lang.telegram: ⟦en⟧", "lang.telegram: qaa, qaa-x-test", 1))
		}
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	c, problems, err := messages.Load(messages.FS(dir))
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	review := false
	for _, p := range problems {
		review = review || p.File == "ui/qaa.yaml" && strings.Contains(p.Message, "needs a native speaker's review")
	}
	if !review {
		t.Errorf("check does not say the language needs a review: %v", problems)
	}
	if !c.HasLang("qaa") || c.MatchLang("qaa-x-test") != "qaa" {
		t.Fatalf("langs %v, MatchLang %q", c.Langs, c.MatchLang("qaa-x-test"))
	}
	if got, want := c.T("qaa", "menu.title"), "⟦"+c.T("en", "menu.title")+"⟧"; got != want {
		t.Errorf("ui: %q, want %q", got, want)
	}
	for _, topic := range c.FAQ.Topics {
		if topic.Title["qaa"] != "⟦"+topic.Title["en"]+"⟧" || len(topic.Questions["qaa"]) != len(topic.Questions["en"]) || topic.Answer["qaa"] == "" {
			t.Errorf("topic %s: title %q, %d questions", topic.ID, topic.Title["qaa"], len(topic.Questions["qaa"]))
		}
	}
	if len(c.Programmes) == 0 || len(c.Events) == 0 {
		t.Fatal("no programmes or events")
	}
	for _, p := range c.Programmes {
		if p.Title["qaa"] == "" {
			t.Errorf("programme %s has no qaa title", p.ID)
		}
		for _, f := range p.Fields {
			if f.Prompt["qaa"] != "⟦"+f.Prompt["en"]+"⟧" {
				t.Errorf("programme %s, field %s: prompt %q", p.ID, f.ID, f.Prompt["qaa"])
			}
			for _, o := range f.Options {
				if o.Label["qaa"] != "⟦"+o.Label["en"]+"⟧" {
					t.Errorf("programme %s, option %s: label %q", p.ID, o.ID, o.Label["qaa"])
				}
			}
		}
	}
	for _, e := range c.Events {
		if e.Title["qaa"] == "" {
			t.Errorf("event %s has no qaa title", e.ID)
		}
	}
}

// A translation's mistakes are reported in the translation file, at its line; the base file is untouched.
func TestTranslations_MistakesNamedInTheirFile(t *testing.T) {
	base, err := os.ReadFile("faq/topics/dormitory.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct{ file, text, want string }{
		"unknown key":    {"faq/topics/dormitory.en.yaml", "title: x\nanswr: y\n", `faq/topics/dormitory.en.yaml:2: "answr" is not in the base file`},
		"both places":    {"faq/topics/dormitory.en.yaml", "title: Dorms\n", "the en text is also in the base file"},
		"not a language": {"faq/topics/dormitory.xx.yaml", "title: x\n", `"xx" is not a language of the bot`},
		"no base file":   {"faq/topics/dormitry.vi.yaml", "title: x\n", "a translation of faq/topics/dormitry.yaml, which does not exist"},
		"no text there":  {"faq/topics/dormitory.en.yaml", "audience: all\n", "audience holds no text in several languages"},
	} {
		t.Run(name, func(t *testing.T) {
			top := fstest.MapFS{tc.file: {Data: []byte(tc.text)}, "faq/topics/dormitory.yaml": {Data: base}}
			ps := messages.Check(messages.Overlay(top, messages.FS("")))
			if !strings.Contains(ps.Error(), tc.want) {
				t.Errorf("want %q in:\n%v", tc.want, ps)
			}
		})
	}
}

// A yes/no question without options of its own is labelled from the UI strings, so German has "Ja" and
// "Nein" buttons, and a typed "ja" is read as yes, with no code for German.
func TestTranslations_YesNoFromTheUIStrings(t *testing.T) {
	c, _, err := messages.Load(messages.FS(""))
	if err != nil {
		t.Fatal(err)
	}
	p, _ := c.Programme("germany_study_info_2027")
	for _, f := range p.Fields {
		if f.Type != forms.TypeYesNo {
			continue
		}
		if got := f.Choices("de"); len(got) != 2 || got[0].Label != "Ja" || got[1].Label != "Nein" {
			t.Errorf("%s: German choices %v", f.ID, got)
		}
		if v, bad := f.Parse("ja", time.Now()); bad != nil || v.Raw != "yes" {
			t.Errorf("%s: typed ja read as %+v %v", f.ID, v, bad)
		}
		if v, bad := f.Parse("không", time.Now()); bad != nil || v.Raw != "no" {
			t.Errorf("%s: typed không read as %+v %v", f.ID, v, bad)
		}
		return
	}
	t.Fatal("the programme has no yes/no question")
}
