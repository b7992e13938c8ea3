package faq

import (
	"strings"
	"testing"
)

// TestCorrect_WordsAsTyped checks typos are corrected against words as people type them, not against
// stems: "hosptal" is one letter from "hospital" but not from its stem "hospit".
func TestCorrect_WordsAsTyped(t *testing.T) {
	m := New([]Entry{
		{Topic: "medical", Text: "which hospital is near the school"},
		{Topic: "card", Text: "residence card renewal"},
		{Topic: "lao", Text: "ຫໍພັກ ຄ່າເຊົ່າ"},
	}, nil, Options{})
	for in, want := range map[string]string{
		"hosptal near me":     "hospital near me",     // a letter missing
		"residnce card renwl": "residence card renwl", // "renwl" is two letters off: left alone
		"residense card":      "residence card",       // a letter changed
		"hopsital":            "hospital",             // two letters swapped
		"renewing my card":    "renewing my card",     // a form of a known word ("renew") is not a typo
		"ຫໍພັກ":               "ຫໍພັກ",                // Lao is matched by syllables, not corrected
		"room 2026":           "room 2026",
	} {
		if got := strings.Join(m.correct(strings.Fields(Normalize(in))), " "); got != want {
			t.Errorf("correct(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestElsewhere_CountsAsUnknown checks a word only out-of-scope examples have lowers confidence as a
// never-seen word does.
func TestElsewhere_CountsAsUnknown(t *testing.T) {
	m := New([]Entry{
		{Topic: "work", Text: "part time job for students"},
		{Topic: "work", Text: "can students work part time"},
		{Topic: "visa", Text: "student visa documents"},
		{Topic: OutOfScope, Text: "jobs in singapore"},
		{Topic: OutOfScope, Text: "gold price today"},
	}, nil, Options{})
	if r := m.Match("part time job for students"); r.Unknown != 0 {
		t.Errorf("no word of elsewhere: Unknown = %v, want 0", r.Unknown)
	}
	if r := m.Match("part time job in singapore for students"); r.Unknown <= 0 {
		t.Errorf("singapore: Unknown = %v, want > 0", r.Unknown)
	}
}

// TestSynonyms_MarkedFromsMatchAsWritten checks a synonym written with marks rewrites only that spelling:
// "hông" (không) once turned "Hồng Đức" into "không Đức".
func TestSynonyms_MarkedFromsMatchAsWritten(t *testing.T) {
	s := newSynonyms([]Synonym{{From: []string{"hông", "ko"}, To: "không"}})
	for in, want := range map[string]string{
		"đại học hồng đức": "đại học hồng đức",
		"điện thoại hỏng":  "điện thoại hỏng",
		"hông biết":        "không biết",
		"ko biết":          "không biết",
		"kô biết":          "không biết", // a from without marks matches whatever marks are typed
	} {
		out, _ := s.apply(strings.Fields(in), Fold, nil, nil)
		if got := strings.Join(out, " "); got != want {
			t.Errorf("apply(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestForeign_WordsTheTopicNeverUses checks Result.Foreign counts the known words the best topic's texts
// never use — in its questions, whichever topic's texts come first in the index, or in its answer — and
// that such a word lowers confidence.
func TestForeign_WordsTheTopicNeverUses(t *testing.T) {
	m := New([]Entry{
		{Topic: "dorm", Text: "Rooms are shared; the gate closes at night.", Context: true},
		{Topic: "dorm", Text: "dormitory room rent"},
		{Topic: "dorm", Text: "can i cook in the dormitory"},
		{Topic: "travel", Text: "bus from hanoi to thanh hoa"},
		{Topic: "travel", Text: "train from hanoi"},
		{Topic: "vet", Text: "my cat is sick"},
		{Topic: OutOfScope, Text: "gold price today"},
	}, nil, Options{})
	plain := m.Match("dormitory room rent")
	if plain.Best.Topic != "dorm" || plain.Foreign != 0 {
		t.Fatalf("dormitory room rent: best %q, Foreign %v; want dorm, 0", plain.Best.Topic, plain.Foreign)
	}
	if r := m.Match("when does the dormitory gate close"); r.Foreign != 0 {
		t.Errorf("gate and close are the answer's words: Foreign = %v, want 0", r.Foreign)
	}
	for _, q := range []string{"dormitory room rent hanoi", "dormitory room rent cat"} {
		r := m.Match(q)
		if r.Best.Topic != "dorm" || r.Foreign <= 0 {
			t.Errorf("%s: best %q, Foreign %v; want dorm, > 0", q, r.Best.Topic, r.Foreign)
		}
		if r.Confidence >= plain.Confidence {
			t.Errorf("%s: confidence %v, want under %v", q, r.Confidence, plain.Confidence)
		}
	}
	if r := m.Match("bus from hanoi"); r.Best.Topic != "travel" || r.Foreign != 0 {
		t.Errorf("bus from hanoi: best %q, Foreign %v; want travel, 0", r.Best.Topic, r.Foreign)
	}
}
