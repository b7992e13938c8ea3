package faq_test

import (
	"testing"

	"github.com/ufo-thanhhoa/huunghi/handlers/faq"
)

// Teaching wrong things on purpose — questions of every set attached to the wrong topic, in-scope ones
// marked out of scope, out-of-scope ones given a topic — changes the answers to exactly those questions:
// every other answer of every set stays what the index gives, so a set's figure drops by at most the
// questions taught wrong.
func TestLessons_WrongLessonsCostOnlyThemselves(t *testing.T) {
	m := knowledgeBase(t)
	c := loadContent(t)
	var rows []row
	for _, f := range []string{"dev", "decline", "heldout", "tune", "tune2", "blind2"} {
		rows = append(rows, readTSV(t, "testdata/"+f+".tsv")...)
	}
	topics := c.FAQ.Topics
	lessons := faq.Lessons{}
	taught := map[string]bool{}
	for i := 0; i < len(rows); i += 17 { // every 17th question of all the sets, taught wrong
		r := rows[i]
		wrong := topics[i%len(topics)].ID
		switch {
		case r.topic == "-":
		case i%2 == 0:
			wrong = faq.OutOfScope
		case wrong == r.topic:
			wrong = topics[(i+1)%len(topics)].ID
		}
		lessons[faq.LessonKey(r.question)] = wrong
		taught[faq.LessonKey(r.question)] = true
	}
	known := func(id string) bool { _, ok := c.FAQ.Topic(id); return ok }
	var base, after, n, hit int
	for _, r := range rows {
		want := r.topic
		if want == "-" {
			want = ""
		}
		before := m.Match(r.question)
		got := lessons.Apply(r.question, before, known)
		n++
		if before.Topic == want {
			base++
		}
		if got.Topic == want {
			after++
		}
		if taught[faq.LessonKey(r.question)] {
			hit++
			if !got.Taught || got.Topic != lessons[faq.LessonKey(r.question)] && lessons[faq.LessonKey(r.question)] != faq.OutOfScope {
				t.Errorf("%q was taught %s but got %q", r.question, lessons[faq.LessonKey(r.question)], got.Topic)
			}
			continue
		}
		if got.Taught || got.Topic != before.Topic || got.Confidence != before.Confidence {
			t.Errorf("%q was not taught but changed: %s %.4f → %s %.4f", r.question, before.Topic, before.Confidence, got.Topic, got.Confidence)
		}
	}
	if base-after > hit {
		t.Errorf("right answers %d → %d, more than the %d questions taught wrong", base, after, hit)
	}
	t.Logf("%d questions, %d taught wrong: right answers %d → %d", n, hit, base, after)
}

// German, the language added as files, is answered from its own texts: questions written for this test,
// not taken from the knowledge base.
func TestMatcher_GermanQuestions(t *testing.T) {
	m := knowledgeBase(t)
	ok := 0
	cases := map[string]string{
		"Wann schließt das Wohnheim?":                     "dormitory",
		"wie kann ich mein Visum verlängern":              "student_visa",
		"Ich habe meinen Pass verloren":                   "lost_passport",
		"Gibt es ein Stipendium für laotische Studenten?": "scholarships_overview",
		"Wie erreiche ich das Büro der Union?":            "contact_office",
		"Notruf Nummer Krankenwagen":                      "emergency_numbers",
		"Tết Treffen für Auslandsvietnamesen":             "diaspora_events",
		"Aufenthaltskarte verlängern":                     "residence_card",
	}
	for q, want := range cases {
		if got := m.Match(q).Topic; got == want {
			ok++
		} else {
			t.Logf("%q: got %q, want %s", q, got, want)
		}
		if faq.Lang(q) != "de" && q != "Notruf Nummer Krankenwagen" && q != "Aufenthaltskarte verlängern" {
			t.Errorf("Lang(%q) = %q, want de", q, faq.Lang(q))
		}
	}
	if ok < len(cases)-1 {
		t.Errorf("German: %d/%d answered right", ok, len(cases))
	}
}
