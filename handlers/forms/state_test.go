package forms

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"
)

// exchangeForm is a small application form: three required questions, an optional multichoice and an
// optional comment.
func exchangeForm() []Field {
	p := func(en, vi, lo string) map[string]string { return map[string]string{"en": en, "vi": vi, "lo": lo} }
	return []Field{
		{ID: "name", Type: TypeName, Required: true, Prompt: p("Full name\nAs in your passport.", "Họ và tên", "ຊື່ ແລະ ນາມສະກຸນ")},
		{ID: "phone", Type: TypePhone, Required: true, Prompt: p("Phone number?", "Số điện thoại?", "ເບີໂທລະສັບ?")},
		{ID: "born", Type: TypeBirthdate, Required: true, Prompt: p("Date of birth", "Ngày sinh", "ວັນເດືອນປີເກີດ")},
		withPrompt(interestsField(), p("Interests", "Sở thích", "ຄວາມສົນໃຈ")),
		{ID: "note", Type: TypeComment, Prompt: p("Anything else?", "Ghi chú khác?", "ມີຫຍັງເພີ່ມເຕີມບໍ?")},
	}
}

func withPrompt(f Field, p map[string]string) Field {
	f.Prompt = p
	return f
}

func mustAnswer(t *testing.T, s *State, fields []Field, in string) {
	t.Helper()
	if e := s.Answer(fields, in, now); e != nil {
		t.Fatalf("Answer(%q) = %v", in, e)
	}
}

func mustNil(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	var e *InvalidError
	if !errors.As(err, &e) || e.Code != code {
		t.Fatalf("got %v, want InvalidError %s", err, code)
	}
}

func wantStage(t *testing.T, s *State, stage Stage, step int) {
	t.Helper()
	if s.Stage != stage || s.Step != step {
		t.Fatalf("at %s step %d, want %s step %d", s.Stage, s.Step, stage, step)
	}
}

func TestState_FullApplication(t *testing.T) {
	fields := exchangeForm()
	s := New("lao-vn-exchange-2025", now)
	if f, ok := s.Current(fields); !ok || f.ID != "name" {
		t.Fatalf("Current = %q, %v; want name", f.ID, ok)
	}
	mustAnswer(t, s, fields, "ສົມພອນ ພົມມະວົງ")
	mustAnswer(t, s, fields, "020 5555 1234")
	mustAnswer(t, s, fields, "3/5/2004")
	wantStage(t, s, StageFilling, 3)

	mustNil(t, s.Toggle(fields, "sport"))
	mustNil(t, s.Toggle(fields, "culture"))
	mustNil(t, s.Toggle(fields, "volunteer"))
	mustNil(t, s.Toggle(fields, "sport")) // off again
	if got := s.Selected(fields[3]); !slices.Equal(got, []string{"culture", "volunteer"}) {
		t.Fatalf("Selected = %v", got)
	}
	mustNil(t, s.DoneMulti(fields))
	mustNil(t, s.Skip(fields))
	wantStage(t, s, StageConsent, 5)
	if _, ok := s.Current(fields); ok {
		t.Fatal("Current at consent should be false")
	}

	mustNil(t, s.Consent(true))
	wantStage(t, s, StageSummary, 5)
	want := []Line{
		{FieldID: "name", Label: "ຊື່ ແລະ ນາມສະກຸນ", Value: "ສົມພອນ ພົມມະວົງ"},
		{FieldID: "phone", Label: "ເບີໂທລະສັບ", Value: "+856 20 55 551 234"},
		{FieldID: "born", Label: "ວັນເດືອນປີເກີດ", Value: "03/05/2004"},
		{FieldID: "interests", Label: "ຄວາມສົນໃຈ", Value: "ວັດທະນະທຳ, ອາສາສະໝັກ"},
		{FieldID: "note", Label: "ມີຫຍັງເພີ່ມເຕີມບໍ", Value: "—", Skipped: true},
	}
	if got := s.Summary(fields, "lo"); !slices.Equal(got, want) {
		t.Fatalf("Summary:\n got %+v\nwant %+v", got, want)
	}
	raws := map[string]string{"name": "ສົມພອນ ພົມມະວົງ", "phone": "+8562055551234", "born": "2004-05-03", "interests": "culture,volunteer"}
	if len(s.Answers) != len(raws) {
		t.Fatalf("Answers = %v", s.Answers)
	}
	for id, raw := range raws {
		if s.Answers[id].Raw != raw {
			t.Errorf("Answers[%s].Raw = %q, want %q", id, s.Answers[id].Raw, raw)
		}
	}

	mustNil(t, s.Submit())
	wantStage(t, s, StageDone, 5)
	if err := s.Submit(); !errors.Is(err, ErrSubmitted) {
		t.Fatalf("second Submit = %v, want ErrSubmitted", err)
	}
}

func TestState_BackAtFirstStep(t *testing.T) {
	fields := exchangeForm()
	s := New("f", now)
	if s.Back(fields) {
		t.Fatal("Back at the first field reported a move")
	}
	wantStage(t, s, StageFilling, 0)
}

func TestState_BackKeepsAnswers(t *testing.T) {
	fields := exchangeForm()
	s := New("f", now)
	mustAnswer(t, s, fields, "Nguyễn Văn An")
	if !s.Back(fields) {
		t.Fatal("Back did not move")
	}
	wantStage(t, s, StageFilling, 0)
	if s.Answers["name"].Raw != "Nguyễn Văn An" {
		t.Fatalf("answer lost: %v", s.Answers)
	}
	mustAnswer(t, s, fields, "Nguyễn Văn Bình")
	if s.Answers["name"].Raw != "Nguyễn Văn Bình" {
		t.Fatalf("answer not replaced: %v", s.Answers)
	}
	wantStage(t, s, StageFilling, 1)
}

func TestState_BackThroughStages(t *testing.T) {
	fields := exchangeForm()
	s := filled(t, fields)
	if !s.Back(fields) {
		t.Fatal("Back from summary did not move")
	}
	wantStage(t, s, StageConsent, 5)
	if !s.Back(fields) {
		t.Fatal("Back from consent did not move")
	}
	wantStage(t, s, StageFilling, 4)
	if f, _ := s.Current(fields); f.ID != "note" {
		t.Fatalf("Current = %q, want note", f.ID)
	}
	if err := s.Submit(); !errors.Is(err, ErrStale) {
		t.Fatalf("Submit while filling = %v, want ErrStale", err)
	}
}

// filled returns a state at the summary with every required field answered.
func filled(t *testing.T, fields []Field) *State {
	t.Helper()
	s := New("f", now)
	mustAnswer(t, s, fields, "Nguyễn Văn An")
	mustAnswer(t, s, fields, "0912 345 678")
	mustAnswer(t, s, fields, "2001-05-03")
	mustAnswer(t, s, fields, "sport")
	mustAnswer(t, s, fields, "Cảm ơn!")
	mustNil(t, s.Consent(true))
	wantStage(t, s, StageSummary, len(fields))
	return s
}

func TestState_SkipRequiredRefused(t *testing.T) {
	fields := exchangeForm()
	s := New("f", now)
	wantCode(t, s.Skip(fields), CodeRequired)
	wantStage(t, s, StageFilling, 0)
}

func TestState_SkipOptionalClearsAnswer(t *testing.T) {
	fields := exchangeForm()
	s := filled(t, fields)
	mustNil(t, s.Edit(fields, "note"))
	mustNil(t, s.Skip(fields))
	wantStage(t, s, StageSummary, len(fields))
	if _, ok := s.Answers["note"]; ok {
		t.Fatal("skipped answer kept")
	}
	if l := s.Summary(fields, "en")[4]; l.Value != "—" || !l.Skipped {
		t.Fatalf("summary line = %+v", l)
	}
}

func TestState_EditReturnsToSummary(t *testing.T) {
	fields := exchangeForm()
	s := filled(t, fields)
	mustNil(t, s.Edit(fields, "phone"))
	wantStage(t, s, StageFilling, 1)
	if s.Editing != "phone" {
		t.Fatalf("Editing = %q", s.Editing)
	}
	if e := s.Answer(fields, "12345", now); e == nil || e.Code != CodePhone {
		t.Fatalf("bad answer = %v, want %s", e, CodePhone)
	}
	wantStage(t, s, StageFilling, 1)
	mustAnswer(t, s, fields, "+856 20 5555 1234")
	wantStage(t, s, StageSummary, len(fields))
	if s.Editing != "" {
		t.Fatalf("Editing = %q after answer", s.Editing)
	}
	if got := s.Summary(fields, "en")[1].Value; got != "+856 20 55 551 234" {
		t.Fatalf("summary phone = %q", got)
	}
	if s.Answers["name"].Raw != "Nguyễn Văn An" {
		t.Fatal("other answers changed")
	}
}

func TestState_EditThenBackChangesNothing(t *testing.T) {
	fields := exchangeForm()
	s := filled(t, fields)
	before := s.Answers["interests"]
	mustNil(t, s.Edit(fields, "interests"))
	if got := s.Selected(fields[3]); !slices.Equal(got, []string{"sport"}) {
		t.Fatalf("Selected while editing = %v, want the stored answer", got)
	}
	mustNil(t, s.Toggle(fields, "culture"))
	if !s.Back(fields) {
		t.Fatal("Back did not move")
	}
	wantStage(t, s, StageSummary, len(fields))
	if s.Answers["interests"] != before || len(s.Multi) != 0 {
		t.Fatalf("Back from an edit changed the answer: %v, multi %v", s.Answers["interests"], s.Multi)
	}
}

func TestState_EditMultiChoice(t *testing.T) {
	fields := exchangeForm()
	s := filled(t, fields)
	mustNil(t, s.Edit(fields, "interests"))
	mustNil(t, s.Toggle(fields, "music_dance"))
	mustNil(t, s.Toggle(fields, "sport"))
	mustNil(t, s.DoneMulti(fields))
	wantStage(t, s, StageSummary, len(fields))
	if got := s.Answers["interests"].Raw; got != "music_dance" {
		t.Fatalf("interests = %q, want music_dance", got)
	}
}

func TestState_Refusals(t *testing.T) {
	fields := exchangeForm()
	tests := []struct {
		name string
		act  func(s *State) error
		want error  // ErrStale or nil
		code string // InvalidError code
	}{
		{"edit while filling", func(s *State) error { return s.Edit(fields, "name") }, ErrStale, ""},
		{"toggle on a name field", func(s *State) error { return s.Toggle(fields, "sport") }, ErrStale, ""},
		{"done on a name field", func(s *State) error { return s.DoneMulti(fields) }, ErrStale, ""},
		{"consent while filling", func(s *State) error { return s.Consent(true) }, ErrStale, ""},
		{"submit while filling", func(s *State) error { return s.Submit() }, ErrStale, ""},
		{"skip required", func(s *State) error { return s.Skip(fields) }, nil, CodeRequired},
		{"empty answer", func(s *State) error { return errOrNil(s.Answer(fields, " ", now)) }, nil, CodeEmpty},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New("f", now)
			before, _ := json.Marshal(s)
			err := tt.act(s)
			if tt.code != "" {
				wantCode(t, err, tt.code)
			} else if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			if after, _ := json.Marshal(s); string(after) != string(before) {
				t.Fatalf("state changed by a refused action:\n%s\n%s", before, after)
			}
		})
	}
}

func errOrNil(e *InvalidError) error {
	if e == nil {
		return nil
	}
	return e
}

func TestState_SummaryRefusals(t *testing.T) {
	fields := exchangeForm()
	s := filled(t, fields)
	if err := s.Edit(fields, "nope"); !errors.Is(err, ErrStale) {
		t.Fatalf("Edit unknown = %v, want ErrStale", err)
	}
	if e := s.Answer(fields, "hello", now); e == nil || e.Code != CodeNoQuestion {
		t.Fatalf("Answer at summary = %v, want %s", e, CodeNoQuestion)
	}
	if err := s.Skip(fields); !errors.Is(err, ErrStale) {
		t.Fatalf("Skip at summary = %v, want ErrStale", err)
	}
	if err := s.Consent(true); !errors.Is(err, ErrStale) {
		t.Fatalf("Consent at summary = %v, want ErrStale", err)
	}
}

func TestState_ConsentNo(t *testing.T) {
	fields := exchangeForm()
	s := filled(t, fields)
	s.Back(fields) // to consent
	mustNil(t, s.Consent(false))
	wantStage(t, s, StageConsent, len(fields))
	if err := s.Submit(); !errors.Is(err, ErrStale) {
		t.Fatalf("Submit without consent = %v, want ErrStale", err)
	}
}

func TestState_MultiChoice(t *testing.T) {
	fields := exchangeForm()
	fields[3].Required = true
	fields[3].Max = 2
	s := New("f", now)
	mustAnswer(t, s, fields, "An Nguyen")
	mustAnswer(t, s, fields, "0912345678")
	mustAnswer(t, s, fields, "3/5/2001")

	wantCode(t, s.DoneMulti(fields), CodeRequired)
	if err := s.Toggle(fields, "chess"); !errors.Is(err, ErrStale) {
		t.Fatalf("Toggle unknown = %v, want ErrStale", err)
	}
	mustNil(t, s.Toggle(fields, "sport"))
	mustNil(t, s.Toggle(fields, "sport"))
	if sel, ok := s.Multi["interests"]; !ok || len(sel) != 0 {
		t.Fatalf("emptied selection = %v, %v; want an empty selection in progress", sel, ok)
	}
	wantCode(t, s.DoneMulti(fields), CodeRequired)
	mustNil(t, s.Toggle(fields, "volunteer"))
	mustNil(t, s.Toggle(fields, "culture"))
	wantCode(t, s.Toggle(fields, "sport"), CodeTooManyChoices)
	mustNil(t, s.DoneMulti(fields))
	if got := s.Answers["interests"]; got.Raw != "culture,volunteer" || got.Display != "Culture, Volunteering" {
		t.Fatalf("interests = %+v", got)
	}
	if len(s.Multi) != 0 {
		t.Fatalf("toggles left behind: %v", s.Multi)
	}

	// Back to the field: the stored picks are the starting point.
	s.Back(fields)
	if got := s.Selected(fields[3]); !slices.Equal(got, []string{"culture", "volunteer"}) {
		t.Fatalf("Selected after Back = %v", got)
	}
}

func TestState_OptionalMultiNothingPickedSkips(t *testing.T) {
	fields := exchangeForm()
	s := New("f", now)
	mustAnswer(t, s, fields, "An Nguyen")
	mustAnswer(t, s, fields, "0912345678")
	mustAnswer(t, s, fields, "3/5/2001")
	mustNil(t, s.DoneMulti(fields))
	wantStage(t, s, StageFilling, 4)
	if _, ok := s.Answers["interests"]; ok {
		t.Fatal("empty multichoice stored")
	}
}

func TestState_JSONRoundTrip(t *testing.T) {
	fields := exchangeForm()
	s := New("lao-vn-exchange-2025", now)
	mustAnswer(t, s, fields, "Nguyễn Thị Hà")
	mustAnswer(t, s, fields, "0912 345 678")
	mustAnswer(t, s, fields, "03/05/2001")
	mustNil(t, s.Toggle(fields, "sport"))

	data, err := json.Marshal(s)
	mustNil(t, err)
	var back State
	mustNil(t, json.Unmarshal(data, &back))
	again, err := json.Marshal(&back)
	mustNil(t, err)
	if string(again) != string(data) {
		t.Fatalf("round trip changed the state:\n%s\n%s", data, again)
	}
	if !back.Started.Equal(s.Started) {
		t.Fatalf("Started = %v, want %v", back.Started, s.Started)
	}

	// The restored state continues where the user was, as after a bot restart.
	if got := back.Selected(fields[3]); !slices.Equal(got, []string{"sport"}) {
		t.Fatalf("Selected after restore = %v", got)
	}
	mustNil(t, back.DoneMulti(fields))
	mustNil(t, back.Skip(fields))
	mustNil(t, back.Consent(true))
	mustNil(t, back.Submit())
	if back.Answers["phone"].Raw != "+84912345678" || back.Answers["interests"].Raw != "sport" {
		t.Fatalf("answers after restore = %v", back.Answers)
	}
}

func TestState_ZeroValueIsFilling(t *testing.T) {
	fields := exchangeForm()
	var s State // as decoded from "{}"
	mustAnswer(t, &s, fields, "An Nguyen")
	wantStage(t, &s, StageFilling, 1)
}

func TestState_ChangedFormDoesNotPanic(t *testing.T) {
	fields := exchangeForm()
	s := New("f", now)
	s.Step = 9 // the programme file lost fields since
	if _, ok := s.Current(fields); ok {
		t.Fatal("Current beyond the form")
	}
	if e := s.Answer(fields, "x", now); e == nil || e.Code != CodeNoQuestion {
		t.Fatalf("Answer = %v", e)
	}
	if !s.Back(fields) {
		t.Fatal("Back beyond the form did not move")
	}
	wantStage(t, s, StageFilling, len(fields)-1)
}

func TestState_Expired(t *testing.T) {
	s := New("f", now)
	tests := []struct {
		after time.Duration
		want  bool
	}{
		{0, false},
		{24 * time.Hour, false},
		{SessionTTL, false},
		{SessionTTL + time.Minute, true},
	}
	for _, tt := range tests {
		if got := s.Expired(now.Add(tt.after)); got != tt.want {
			t.Errorf("Expired after %v = %v, want %v", tt.after, got, tt.want)
		}
	}
	if (&State{}).Expired(now) {
		t.Error("a state without a start time expired")
	}
}

// TestState_PhoneReadsTheCountryAnswered: a national number is read as the country answered before the phone
// question writes them; without one, or for Vietnam and Laos, as Vietnamese or Lao.
func TestState_PhoneReadsTheCountryAnswered(t *testing.T) {
	p := map[string]string{"en": "Q"}
	country := Field{ID: "country", Type: TypeCountry, Required: true, Prompt: p, Options: []Option{
		{ID: "vietnam", Label: map[string]string{"en": "Vietnam", "vi": "Việt Nam", "lo": "ຫວຽດນາມ"}},
		{ID: "laos", Label: map[string]string{"en": "Laos", "vi": "Lào", "lo": "ລາວ"}},
		{ID: "germany", Label: map[string]string{"en": "Germany", "vi": "Đức", "lo": "ເຢຍລະມັນ"}},
		{ID: "czechia", Label: map[string]string{"en": "Czechia", "vi": "Séc", "lo": "ເຊັກ"}},
		{ID: "russia", Label: map[string]string{"en": "Russia", "vi": "Nga", "lo": "ຣັດເຊຍ"}},
		{ID: "korea", Label: map[string]string{"en": "Korea", "vi": "Hàn Quốc", "lo": "ເກົາຫຼີ"}},
		{ID: "mongolia", Label: map[string]string{"en": "Mongolia"}, Region: "MN"},
	}}
	fields := []Field{country, {ID: "phone", Type: TypePhone, Required: true, Prompt: p}}
	tests := []struct {
		country, phone string
		raw, display   string // raw "" means refused
	}{
		{"germany", "0151 12345678", "+4915112345678", "+49 1511 2345678"},
		{"germany", "49 151 12345678", "+4915112345678", "+49 1511 2345678"},
		{"korea", "82 10 1234 5678", "+821012345678", ""},
		{"Đức", "030 1234567", "+49301234567", "+49 30 1234567"},
		{"nước Đức", "0151 12345678", "+4915112345678", ""},
		{"czechia", "601 123 456", "+420601123456", "+420 601 123 456"},
		{"Cộng hòa Séc", "601 123 456", "+420601123456", ""},
		{"russia", "8 (495) 123-45-67", "+74951234567", "+7 495 123-45-67"},
		{"korea", "010-1234-5678", "+821012345678", "+82 10-1234-5678"},
		{"Poland", "512 345 678", "+48512345678", "+48 512 345 678"},
		{"ປະເທດໂປແລນ", "512 345 678", "+48512345678", ""},
		{"mongolia", "8812 3456", "+97688123456", ""},
		{"germany", "+84 912 345 678", "+84912345678", "+84 912 345 678"},
		{"germany", "0049 151 12345678", "+4915112345678", ""},
		{"korea", "0049 151 12345678", "+4915112345678", ""},
		{"czechia", "0912 345 678", "+84912345678", "+84 912 345 678"},
		{"czechia", "020 5555 1234", "+8562055551234", ""},
		{"vietnam", "0912 345 678", "+84912345678", ""},
		{"vietnam", "020 5555 1234", "+8562055551234", ""},
		{"laos", "020 5555 1234", "+8562055551234", ""},
		{"laos", "0912 345 678", "+84912345678", ""},
		{"Atlantis", "0912 345 678", "+84912345678", ""},
		{"Atlantis", "0151 12345678", "", ""},
		{"vietnam", "0151 12345678", "", ""},
		{"germany", "0151 123", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.country+" "+tt.phone, func(t *testing.T) {
			s := New("f", now)
			mustAnswer(t, s, fields, tt.country)
			e := s.Answer(fields, tt.phone, now)
			if tt.raw == "" {
				if e == nil || e.Code != CodePhone {
					t.Fatalf("Answer(%q) = %v, stored %+v; want %s", tt.phone, e, s.Answers["phone"], CodePhone)
				}
				return
			}
			if e != nil {
				t.Fatalf("Answer(%q) = %v", tt.phone, e)
			}
			v := s.Answers["phone"]
			if v.Raw != tt.raw || (tt.display != "" && v.Display != tt.display) {
				t.Fatalf("stored %+v, want %s %q", v, tt.raw, tt.display)
			}
			if again, e := fields[1].Parse(v.Raw, now); e != nil || again.Raw != v.Raw {
				t.Fatalf("Parse(Raw %q) = %+v, %v", v.Raw, again, e)
			}
		})
	}
	// The country answered after the phone question (from the summary) does not change how it was read.
	s := New("f", now)
	mustAnswer(t, s, fields, "vietnam")
	mustAnswer(t, s, fields, "0912 345 678")
	mustNil(t, s.Consent(true))
	mustNil(t, s.Edit(fields, "country"))
	mustAnswer(t, s, fields, "germany")
	if got := s.Answers["phone"].Raw; got != "+84912345678" {
		t.Fatalf("phone after changing the country: %q", got)
	}
	// Reopened from the summary, the phone question reads the country now answered.
	mustNil(t, s.Edit(fields, "phone"))
	mustAnswer(t, s, fields, "0151 12345678")
	if got := s.Answers["phone"].Raw; got != "+4915112345678" {
		t.Fatalf("phone edited after Germany: %q", got)
	}
}

func TestCountryNames_Unique(t *testing.T) {
	seen := map[string]string{}
	for code, names := range countryNames {
		if !validRegion(code) {
			t.Errorf("%s is not a region the numbering plans know", code)
		}
		for _, n := range names {
			k := keysOf(n).compact
			if other, dup := seen[k]; dup && other != code {
				t.Errorf("%q names both %s and %s", n, other, code)
			}
			seen[k] = code
		}
	}
}
