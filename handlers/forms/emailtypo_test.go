package forms

import (
	"encoding/json"
	"errors"
	"testing"
)

func TestSuggestEmail(t *testing.T) {
	tests := []struct{ in, want string }{ // want "" means no suggestion
		{"noy@gmial.com", "noy@gmail.com"},
		{"noy@gmai.com", "noy@gmail.com"},
		{"noy@gamil.com", "noy@gmail.com"},
		{"noy@gmaill.com", "noy@gmail.com"},
		{"noy@gmail.con", "noy@gmail.com"},
		{"noy@gmail.cmo", "noy@gmail.com"},
		{"noy@gmail.comm", "noy@gmail.com"},
		{"noy@gmail.co", "noy@gmail.com"},
		{"noy@gmial.con", "noy@gmail.com"},
		{"an@hotmial.com", "an@hotmail.com"},
		{"an@hotmial.con", "an@hotmail.com"},
		{"an@yaho.com", "an@yahoo.com"},
		{"an@yahoo.com.vm", "an@yahoo.com.vn"},
		{"an@yahooo.com.vn", "an@yahoo.com.vn"},
		{"an@outlok.com", "an@outlook.com"},
		{"an@iclod.com", "an@icloud.com"},
		{"an@icloud.co", "an@icloud.com"},
		{"Thu.Ha@gxm.de", "Thu.Ha@gmx.de"},
		{"thu@gmx.dee", "thu@gmx.de"},
		{"thu@wbe.de", "thu@web.de"},
		{"thu@tonline.de", "thu@t-online.de"},
		{"thu@t-onlien.de", "thu@t-online.de"},
		{"ivan@mial.ru", "ivan@mail.ru"},
		{"ivan@yandex.ry", "ivan@yandex.ru"},
		{"jana@seznma.cz", "jana@seznam.cz"},
		{"student@hdu.edu.vm", "student@hdu.edu.vn"},
		{"info@company.con", "info@company.com"},
		{"an@mail.con", "an@mail.com"},
		// Correct addresses, also at domains the bot has never heard of.
		{"noy@gmail.com", ""},
		{"noy@gmx.net", ""},
		{"noy@gmx.de", ""},
		{"noy@gmx.at", ""},
		{"noy@gmx.ch", ""},
		{"noy@hotmail.fr", ""},
		{"noy@hotmail.co.uk", ""},
		{"noy@outlook.de", ""},
		{"noy@yahoo.de", ""},
		{"a@yahoo.com.vn", ""},
		{"student@hdu.edu.vn", ""},
		{"somphone@laotel.la", ""},
		{"an@mail.com", ""},
		{"an@email.com", ""},
		{"an@ymail.com", ""},
		{"an@online.de", ""},
		{"an@email.cz", ""},
		{"an@ufo-thanhhoa.org.vn", ""},
		{"thư@ví-dụ.vn", ""},
		{"an@example.cromulent", ""}, // no real TLD near it either: no guess
		{"not an address", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := suggestEmail(tt.in)
			if got != tt.want || ok != (tt.want != "") {
				t.Fatalf("suggestEmail(%q) = %q, %v; want %q", tt.in, got, ok, tt.want)
			}
		})
	}
}

func TestDistance(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want int
	}{
		{"gmail", "gmail", 0}, {"gmial", "gmail", 1}, {"gmai", "gmail", 1}, {"gmaill", "gmail", 1},
		{"gmxil", "gmail", 1}, {"gamil", "gmail", 1}, {"ca", "abc", 3}, {"gmx.at", "gmx.de", 2}, {"ví", "vì", 1},
		{"", "abc", 3}, {"a", "", 1},
	} {
		if got := distance(tt.a, tt.b); got != tt.want {
			t.Errorf("distance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

func emailForm() []Field {
	p := map[string]string{"en": "Q"}
	return []Field{
		{ID: "name", Type: TypeName, Required: true, Prompt: p},
		{ID: "email", Type: TypeEmail, Prompt: p},
		{ID: "note", Type: TypeComment, Prompt: p},
	}
}

// TestState_EmailSuggestion: a likely typo is asked about, never fixed silently; either answer moves on, so
// does typing a new address, and a button that does not fit the pending suggestion changes nothing.
func TestState_EmailSuggestion(t *testing.T) {
	fields := emailForm()
	start := func() *State {
		s := New("f", now)
		mustAnswer(t, s, fields, "Noy Phommasane")
		mustAnswer(t, s, fields, "noy@gmial.com")
		return s
	}
	s := start()
	wantStage(t, s, StageFilling, 1)
	g := s.Pending(fields)
	if g == nil || g.Typed.Raw != "noy@gmial.com" || g.Fix.Raw != "noy@gmail.com" {
		t.Fatalf("pending = %+v", g)
	}
	if _, stored := s.Answers["email"]; stored {
		t.Fatal("the typo was stored before the user decided")
	}
	before, _ := json.Marshal(s)
	for _, token := range []string{"", "00000000", g.Token() + "x"} {
		if err := s.Decide(fields, token, true); !errors.Is(err, ErrStale) {
			t.Fatalf("Decide(%q) = %v, want ErrStale", token, err)
		}
	}
	if after, _ := json.Marshal(s); string(after) != string(before) {
		t.Fatalf("a forged token changed the state:\n%s\n%s", before, after)
	}
	mustNil(t, s.Decide(fields, g.Token(), true))
	wantStage(t, s, StageFilling, 2)
	if s.Answers["email"].Raw != "noy@gmail.com" || s.Suggest != nil {
		t.Fatalf("after using the fix: %+v, %+v", s.Answers["email"], s.Suggest)
	}
	if err := s.Decide(fields, g.Token(), true); !errors.Is(err, ErrStale) {
		t.Fatalf("second tap = %v, want ErrStale", err)
	}

	s = start()
	mustNil(t, s.Decide(fields, s.Suggest.Token(), false))
	if s.Answers["email"].Raw != "noy@gmial.com" {
		t.Fatalf("kept: %+v", s.Answers["email"])
	}

	s = start()
	old := s.Suggest.Token()
	mustAnswer(t, s, fields, "noy@gmail.com")
	wantStage(t, s, StageFilling, 2)
	if s.Answers["email"].Raw != "noy@gmail.com" {
		t.Fatalf("typed anew: %+v", s.Answers["email"])
	}
	if !s.Back(fields) {
		t.Fatal("Back")
	}
	if err := s.Decide(fields, old, true); !errors.Is(err, ErrStale) {
		t.Fatalf("old suggestion's button after going back = %v", err)
	}

	// Typing the questioned address again means it: it is stored as written.
	s = start()
	mustAnswer(t, s, fields, " noy@GMIAL.com ")
	if s.Answers["email"].Raw != "noy@gmial.com" || s.Step != 2 {
		t.Fatalf("insisted: %+v at %d", s.Answers["email"], s.Step)
	}

	// Back to an address kept as written, and typed again: not asked twice.
	s.Back(fields)
	mustAnswer(t, s, fields, "noy@gmial.com")
	if s.Suggest != nil || s.Step != 2 {
		t.Fatalf("kept address typed again: %+v at %d", s.Suggest, s.Step)
	}

	// Another typo replaces the suggestion; a bad input keeps it; Back and Skip drop it.
	s = start()
	mustAnswer(t, s, fields, "noy@yaho.com")
	if g := s.Pending(fields); g == nil || g.Fix.Raw != "noy@yahoo.com" {
		t.Fatalf("second typo: %+v", g)
	}
	if e := s.Answer(fields, "noy at yahoo", now); e == nil || s.Pending(fields) == nil {
		t.Fatalf("bad input: %v, pending %+v", e, s.Suggest)
	}
	s.Back(fields)
	if s.Suggest != nil {
		t.Fatal("Back kept the suggestion")
	}
	s = start()
	mustNil(t, s.Skip(fields))
	if s.Suggest != nil || s.Answers["email"].Raw != "" {
		t.Fatalf("Skip: %+v %+v", s.Suggest, s.Answers)
	}
}

// TestState_SuggestionSurvivesJSON: the pending suggestion is kept in Redis with the form, and a state stored
// before suggestions existed still loads.
func TestState_SuggestionSurvivesJSON(t *testing.T) {
	fields := emailForm()
	s := New("f", now)
	mustAnswer(t, s, fields, "Noy Phommasane")
	mustAnswer(t, s, fields, "noy@gmial.com")
	data, err := json.Marshal(s)
	mustNil(t, err)
	var back State
	mustNil(t, json.Unmarshal(data, &back))
	mustNil(t, back.Decide(fields, s.Suggest.Token(), true))
	if back.Answers["email"].Raw != "noy@gmail.com" {
		t.Fatalf("after restore: %+v", back.Answers)
	}
	old := `{"form":"f","step":1,"answers":{"name":{"raw":"Noy","display":"Noy"}},"stage":"filling","started":"2025-09-01T09:00:00+07:00"}`
	var prev State
	mustNil(t, json.Unmarshal([]byte(old), &prev))
	if prev.Pending(fields) != nil {
		t.Fatal("an old state has a suggestion")
	}
	mustAnswer(t, &prev, fields, "noy@gmail.com")
	wantStage(t, &prev, StageFilling, 2)
}
