package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ufo-thanhhoa/huunghi/bot/store"
	"github.com/ufo-thanhhoa/huunghi/bot/store/redistest"
	"github.com/ufo-thanhhoa/huunghi/handlers/faq"
	"github.com/ufo-thanhhoa/huunghi/messages"
)

// `huunghi faq learned --out DIR` writes what staff taught into copies of the content files: each question
// in its topic's examples, in its language (German into the German translation file), out of scope into
// the out-of-scope list; the result passes check and the matcher built from it answers the taught
// questions by itself.
func TestFAQLearned_WritesTheLessonsIntoContentFiles(t *testing.T) {
	t.Parallel()
	rs := redistest.Start(t)
	st := store.New(rs.Client())
	at := time.Date(2031, 3, 4, 5, 6, 0, 0, time.UTC)
	lessons := []store.Lesson{
		{Question: "wen does the hostel shut at nite", Lang: "en", Topic: "dormitory"},
		{Question: "ktx dong cong luc may gio vay ad", Lang: "vi", Topic: "dormitory"},
		{Question: "wann macht das wohnheim nachts zu", Lang: "de", Topic: "dormitory"},
		{Question: "ສອນເຮັດເຂົ້າໜົມເຄັກຊັອກໂກແລັດແດ່", Lang: "lo", Topic: "-"},
		{Question: "dormitory rules", Lang: "en", Topic: "dormitory"}, // already an example
		{Question: "something", Lang: "en", Topic: "no_such_topic"},
	}
	for _, l := range lessons {
		l.Key, l.By, l.At = faq.LessonKey(l.Question), 900, at
		if err := st.Teach(context.Background(), l); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	env := map[string]string{"REDIS_URL": rs.URL()}
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"faq", "learned", "--out", dir}, func(k string) string { return env[k] }, nil, &out, &errOut); err != nil {
		t.Fatalf("faq learned: %v\n%s", err, errOut.String())
	}
	if !strings.Contains(out.String(), "6 lesson(s): 4 question(s) added to 3 file(s)") || !strings.Contains(errOut.String(), "no topic no_such_topic") {
		t.Errorf("summary: %s\n%s", out.String(), errOut.String())
	}
	dorm, err := os.ReadFile(filepath.Join(dir, "faq", "topics", "dormitory.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(dorm), "- wen does the hostel shut at nite # taught 2031-03-04 by 900") || !strings.Contains(string(dorm), "ktx dong cong luc may gio vay ad") {
		t.Errorf("dormitory.yaml lacks the taught questions:\n%s", dorm)
	}
	if de, err := os.ReadFile(filepath.Join(dir, "faq", "topics", "dormitory.de.yaml")); err != nil || !strings.Contains(string(de), "wann macht das wohnheim nachts zu") {
		t.Errorf("dormitory.de.yaml: %v\n%s", err, de)
	}
	if oos, err := os.ReadFile(filepath.Join(dir, "faq", "out_of_scope.yaml")); err != nil || !strings.Contains(string(oos), "ສອນເຮັດເຂົ້າໜົມເຄັກຊັອກໂກແລັດແດ່") {
		t.Errorf("out_of_scope.yaml: %v", err)
	}
	c, _, err := messages.Load(messages.FS(dir))
	if err != nil {
		t.Fatalf("the written content does not load: %v", err)
	}
	m := faq.New(faq.EntriesOf(c.FAQ), faq.SynonymsOf(c.FAQ), faq.Options{})
	for _, l := range lessons[:3] {
		if got := m.Match(l.Question).Best.Topic; got != l.Topic {
			t.Errorf("%q after the export: best %s, want %s", l.Question, got, l.Topic)
		}
	}
}
