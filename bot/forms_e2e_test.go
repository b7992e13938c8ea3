package bot_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"

	"github.com/ufo-thanhhoa/huunghi/bot/telegramtest"
	"github.com/ufo-thanhhoa/huunghi/handlers/forms"
)

// What people type into registration forms instead of tapping: choices without tone marks or in capitals,
// Lao without spaces, shorter names; phone numbers written the way the country they live in writes them;
// e-mail addresses with a typo in the domain.

const typingProg = "typing_test"

// typingYAML is a programme with one question of each kind people type into, labelled like the shipped ones.
const typingYAML = `id: typing_test
kind: other
audience: all
title: {en: Typing test, vi: Thử gõ, lo: ທົດລອງພິມ, de: Typing test}
description: {en: A form to type into., vi: Một biểu mẫu để gõ., lo: ແບບຟອມສຳລັບພິມ., de: A form to type into.}
opens: "2031-01-01 08:00"
closes: "2031-12-31 17:00"
capacity: 0
waitlist: false
fields:
  - id: university
    type: choice
    required: true
    prompt: {en: "University", vi: "Trường", lo: "ມະຫາວິທະຍາໄລ", de: "University"}
    options:
      - {id: hong_duc, label: {vi: Đại học Hồng Đức, lo: ມະຫາວິທະຍາໄລຮົ່ງດຶກ, en: Hồng Đức University, de: Hồng Đức University}}
      - id: culture_sports_tourism
        label: {vi: "Đại học Văn hóa, Thể thao và Du lịch", lo: "ມະຫາວິທະຍາໄລວັດທະນະທຳ, ກິລາ ແລະ ທ່ອງທ່ຽວ", en: "University of Culture, Sports and Tourism", de: "University of Culture, Sports and Tourism"}
      - {id: other, label: {vi: Trường khác, lo: ອື່ນໆ, en: Other, de: Other}}
  - id: activities
    type: multichoice
    required: true
    min: 1
    max: 3
    prompt: {en: "Activities", vi: "Hoạt động", lo: "ກິດຈະກຳ", de: "Activities"}
    options:
      - {id: dance, label: {vi: Múa truyền thống, lo: ຟ້ອນພື້ນເມືອງ, en: Traditional dance, de: Traditional dance}}
      - {id: singing, label: {vi: Ca hát, lo: ຮ້ອງເພງ, en: Singing, de: Singing}}
      - {id: sports, label: {vi: Thể thao, lo: ກິລາ, en: Sports, de: Sports}}
      - {id: photography, label: {vi: Nhiếp ảnh, lo: ຖ່າຍຮູບ, en: Photography, de: Photography}}
  - id: country
    type: country
    required: true
    prompt: {en: "Country you live in", vi: "Nước bạn đang sống", lo: "ປະເທດທີ່ເຈົ້າອາໄສຢູ່", de: "Country you live in"}
    options:
      - {id: vietnam, label: {vi: Việt Nam, lo: ຫວຽດນາມ, en: Vietnam, de: Vietnam}}
      - {id: laos, label: {vi: Lào, lo: ລາວ, en: Laos, de: Laos}}
      - {id: germany, label: {vi: Đức, lo: ເຢຍລະມັນ, en: Germany, de: Germany}}
      - {id: czechia, label: {vi: Séc, lo: ເຊັກ, en: Czechia, de: Czechia}}
  - id: phone
    type: phone
    required: true
    prompt: {en: "Phone number", vi: "Số điện thoại", lo: "ເບີໂທລະສັບ", de: "Phone number"}
  - id: email
    type: email
    prompt: {en: "E-mail", vi: "Email", lo: "ອີເມວ", de: "E-mail"}
  - id: with_child
    type: yesno
    required: true
    prompt: {en: "Coming with your child?", vi: "Đi cùng con?", lo: "ມາພ້ອມລູກບໍ?", de: "Coming with your child?"}
`

// typingHarness runs the bot (on the harness's day, testNow, inside the programme's dates) with the typing test programme added to the shipped content.
func typingHarness(t *testing.T) *harness {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "programmes"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "programmes", typingProg+".yaml"), []byte(typingYAML), 0o644); err != nil {
		t.Fatal(err)
	}
	return newHarness(t, map[string]string{"CONTENT_DIR": dir})
}

// in returns a view of h for a parallel subtest: its own t for failures, the same bot.
func (h *harness) in(t *testing.T) *harness {
	c := *h
	c.t = t
	return &c
}

// typed sends text and returns the messages the bot sent (or edited into new ones) in reply.
func (a *applicant) typed(text string) []telegramtest.Message {
	a.h.t.Helper()
	n := a.count()
	a.send(text)
	return a.h.srv.Messages(a.u.ID)[n:]
}

// state is the user's form as the bot keeps it in Redis.
func (a *applicant) state() forms.State {
	a.h.t.Helper()
	sess, err := a.h.store().GetSession(context.Background(), a.u.ID)
	if err != nil {
		a.h.t.Fatalf("no form session: %v", err)
	}
	var st forms.State
	if err := json.Unmarshal(sess.Data, &st); err != nil {
		a.h.t.Fatal(err)
	}
	return st
}

// expectUnderstood checks that a reply says back value and asks question n next (the consent after the last).
func (a *applicant) expectUnderstood(reply []telegramtest.Message, lang, value string, n int) {
	a.h.t.Helper()
	p, _ := a.h.content.Programme(a.prog)
	var all []string
	for _, m := range reply {
		all = append(all, m.Text)
	}
	text := strings.Join(all, "\n\n")
	want := a.h.content.T(lang, "form.understood", "value", value)
	if !strings.Contains(text, want) {
		a.h.t.Errorf("reply %q does not say %q", text, want)
	}
	q := a.h.content.T(lang, "form.consent.text", "programme", p.TitleIn(lang)) // after the last question
	if n <= len(p.Fields) {
		q = p.Fields[n-1].PromptIn(p.Fields, lang)
	}
	if !strings.Contains(text, q) {
		a.h.t.Errorf("reply %q does not ask question %d (%q)", text, n, q)
	}
	if st := a.state(); st.Step != n-1 {
		a.h.t.Errorf("form at step %d, want %d", st.Step+1, n)
	}
}

// TestForms_TypedUniversity types the university in the shipped scholarship form the ways students do.
func TestForms_TypedUniversity(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	const prog = "lao_excellence_scholarship"
	p, ok := h.content.Programme(prog)
	if !ok {
		t.Fatalf("shipped programme %s missing", prog)
	}
	at := 0 // index of the university question
	for at < len(p.Fields) && p.Fields[at].ID != "university" {
		at++
	}
	if at == len(p.Fields) {
		t.Fatal("the scholarship has no university question")
	}
	tests := []struct {
		lang, in, want string // want "" means the buttons again
	}{
		{"en", "hong duc university", "hong_duc"},
		{"vi", "Dai hoc Hong Duc", "hong_duc"},
		{"vi", "ĐẠI HỌC HỒNG ĐỨC", "hong_duc"},
		{"vi", "  dai   hoc  hong   duc  ", "hong_duc"},
		{"vi", norm.NFD.String("Đại học Hồng Đức"), "hong_duc"},
		{"vi", "hong duc", "hong_duc"},
		{"vi", "ĐH Hồng Đức", "hong_duc"},
		{"vi", "Trường Đại học Hồng Đức", "hong_duc"},
		{"vi", "van hoa the thao du lich", "culture_sports_tourism"},
		{"lo", "ມະຫາວິທະຍາໄລ\u200bຮົ່ງດຶກ", "hong_duc"},
		{"lo", "ມະຫາວິທະຍາໄລ ຮົ່ງດຶກ", "hong_duc"},
		{"lo", "ຮົ່ງດຶກ", "hong_duc"},
		{"lo", "ມະຫາວິທະຍາໄລວັດທະນະທຳກິລາແລະທ່ອງທ່ຽວ", "culture_sports_tourism"},
		{"vi", "Đại học", ""},
		{"en", "university", ""},
		{"lo", "ມະຫາວິທະຍາໄລ", ""},
	}
	for i, tt := range tests {
		t.Run(tt.lang+" "+tt.in, func(t *testing.T) {
			t.Parallel()
			a := &applicant{h: h.in(t), u: user(int64(5000+i), tt.lang), prog: prog}
			a.begin() // the call, then Apply: the first question
			for a.state().Step < at {
				a.answer(tt.lang)
			}
			reply := a.typed(tt.in)
			last := reply[len(reply)-1]
			if tt.want == "" {
				if want := h.content.T(tt.lang, "form.invalid.choice"); !strings.HasPrefix(last.Text, want) {
					t.Errorf("ambiguous %q: got %q, want it to start with %q", tt.in, last.Text, want)
				}
				for _, c := range p.Fields[at].Choices(tt.lang) {
					if !hasButton(last, "form:c:"+c.ID) {
						t.Errorf("ambiguous %q: no button for %s in %v", tt.in, c.ID, buttonData(last))
					}
				}
				if st := a.state(); st.Step != at || st.Answers["university"].Raw != "" {
					t.Errorf("ambiguous %q was taken: %+v", tt.in, st)
				}
				return
			}
			if got := a.state().Answers["university"].Raw; got != tt.want {
				t.Fatalf("%q stored as %q, want %q", tt.in, got, tt.want)
			}
			label := p.Fields[at].Display(forms.Value{Raw: tt.want}, tt.lang)
			a.expectUnderstood(reply, tt.lang, label, at+2)
		})
	}
}

// TestForms_TypedAnswers fills the typing test form by typing only, in each language: a shorter university
// name, a comma list of activities, the country in capitals or as a name not on the buttons, a phone number
// in the local form of that country, and an e-mail address with a typo, which the bot asks about.
func TestForms_TypedAnswers(t *testing.T) {
	t.Parallel()
	h := typingHarness(t)
	start := func(t *testing.T, id int64, lang string) *applicant {
		a := &applicant{h: h.in(t), u: user(id, lang), prog: typingProg}
		a.begin() // the call, then Apply: the first question
		return a
	}

	t.Run("en", func(t *testing.T) {
		t.Parallel()
		a := start(t, 5100, "en")
		a.expectUnderstood(a.typed("hong duc"), "en", "Hồng Đức University", 2)
		a.expectUnderstood(a.typed("dance, photography"), "en", "Traditional dance, Photography", 3)
		a.expectUnderstood(a.typed("  DUC "), "en", "Germany", 4)
		a.expectUnderstood(a.typed("0151 12345678"), "en", "+49 1511 2345678", 5)

		// A typo in the domain: asked about, nothing stored yet.
		reply := a.typed("noy@gmial.com")
		ask := reply[len(reply)-1]
		if want := h.content.T("en", "form.email.suggest", "suggested", "noy@gmail.com", "typed", "noy@gmial.com"); !strings.Contains(ask.Text, want) {
			t.Fatalf("typo: got %q, want %q", ask.Text, want)
		}
		if _, stored := a.state().Answers["email"]; stored {
			t.Fatal("the typo was stored before the user decided")
		}
		var fix, keep string
		for _, row := range ask.Buttons {
			for _, b := range row {
				switch {
				case b.Text == h.content.T("en", "form.email.use", "email", "noy@gmail.com"):
					fix = b.Data
				case b.Text == h.content.T("en", "form.email.keep", "email", "noy@gmial.com"):
					keep = b.Data
				}
				if strings.Contains(b.Data, "@") || len(b.Data) > 64 {
					t.Errorf("button %q carries %q", b.Text, b.Data)
				}
			}
		}
		if !strings.HasPrefix(fix, "form:") || !strings.HasPrefix(keep, "form:") || !hasButton(ask, "form:back") {
			t.Fatalf("suggestion buttons: %v %v", ask.Buttons, buttonData(ask))
		}
		a.press(fix)
		for _, got := range h.srv.Messages(a.u.ID) {
			if got.ID == ask.ID && (got.Text != h.content.T("en", "form.understood", "value", "noy@gmail.com") || len(got.Buttons) != 0) {
				t.Errorf("the question was not turned into the answer: %+v", got)
			}
		}
		if st := a.state(); st.Answers["email"].Raw != "noy@gmail.com" || st.Step != 5 {
			t.Fatalf("after Use: %+v at step %d", st.Answers["email"], st.Step+1)
		}
		// The same tap again, or a forged one, is told it expired and changes nothing.
		before, _ := h.store().GetSession(context.Background(), a.u.ID)
		n, answered := a.count(), len(h.srv.Answers())
		for _, data := range []string{fix, keep, "form:fix:00000000"} {
			h.srv.PushCallback(a.u, ask, data)
			a.settle()
		}
		expired := 0
		for _, c := range h.srv.Answers()[answered:] {
			if c.Params["text"] == h.content.T("en", "button.expired") {
				expired++
			}
		}
		if expired != 3 || a.count() != n {
			t.Errorf("stale taps: %d told expired (want 3), %d new messages", expired, a.count()-n)
		}
		if after, _ := h.store().GetSession(context.Background(), a.u.ID); string(after.Data) != string(before.Data) {
			t.Errorf("a stale tap changed the form:\n%s\n%s", before.Data, after.Data)
		}
		a.expectUnderstood(a.typed("  NO  "), "en", "No", 7)
		if got := a.prompt(); !hasButton(got, "form:consent:yes") {
			t.Errorf("after the last question: %q %v", got.Text, buttonData(got))
		}
	})

	t.Run("vi", func(t *testing.T) {
		t.Parallel()
		a := start(t, 5101, "vi")
		a.expectUnderstood(a.typed("ĐẠI HỌC HỒNG ĐỨC"), "vi", "Đại học Hồng Đức", 2)
		a.expectUnderstood(a.typed("mua, ca hat"), "vi", "Múa truyền thống, Ca hát", 3)
		// Not on the buttons: kept as typed, and still a country whose numbers the bot knows.
		a.expectUnderstood(a.typed("Cộng hòa Séc"), "vi", "Cộng hòa Séc", 4)
		a.expectUnderstood(a.typed("601 123 456"), "vi", "+420 601 123 456", 5)
		reply := a.typed("noy@gmial.com")
		if !strings.Contains(reply[len(reply)-1].Text, "noy@gmail.com") {
			t.Fatalf("typo: %q", reply[len(reply)-1].Text)
		}
		// Typing another address instead of tapping: taken as the answer.
		a.expectUnderstood(a.typed("noy@yahoo.com.vn"), "vi", "noy@yahoo.com.vn", 6)
		a.expectUnderstood(a.typed("dạ có ạ"), "vi", "Có", 7)
		st := a.state()
		want := map[string]string{"university": "hong_duc", "activities": "dance,singing", "country": "Cộng hòa Séc",
			"phone": "+420601123456", "email": "noy@yahoo.com.vn", "with_child": "yes"}
		for id, raw := range want {
			if st.Answers[id].Raw != raw {
				t.Errorf("%s stored as %q, want %q", id, st.Answers[id].Raw, raw)
			}
		}
	})

	t.Run("lo", func(t *testing.T) {
		t.Parallel()
		a := start(t, 5102, "lo")
		a.expectUnderstood(a.typed("ມະຫາວິທະຍາໄລ\u200bຮົ່ງດຶກ"), "lo", "ມະຫາວິທະຍາໄລຮົ່ງດຶກ", 2)
		a.expectUnderstood(a.typed("ຟ້ອນ, ຮ້ອງເພງ"), "lo", "ຟ້ອນພື້ນເມືອງ, ຮ້ອງເພງ", 3)
		a.expectUnderstood(a.typed("ຫວຽດນາມ"), "lo", "ຫວຽດນາມ", 4)
		// A Lao student living in Vietnam gives the Lao number as Lao students write it.
		a.expectUnderstood(a.typed("020 5555 1234"), "lo", "+856 20 55 551 234", 5)
		reply := a.typed("noy@hotmial.com")
		ask := reply[len(reply)-1]
		keep := buttonWith(ask, "form:keep:")
		if keep == "" {
			t.Fatalf("typo: %q %v", ask.Text, buttonData(ask))
		}
		a.press(keep)
		if st := a.state(); st.Answers["email"].Raw != "noy@hotmial.com" || st.Step != 5 {
			t.Fatalf("after Keep: %+v at step %d", st.Answers["email"], st.Step+1)
		}
		// Back to the e-mail question, another typo, and this time the fix.
		a.press("form:back")
		reply = a.typed("noy@gmial.con")
		fix := buttonWith(reply[len(reply)-1], "form:fix:")
		if !strings.Contains(reply[len(reply)-1].Text, "noy@gmail.com") || fix == "" {
			t.Fatalf("second typo: %q %v", reply[len(reply)-1].Text, buttonData(reply[len(reply)-1]))
		}
		a.press(fix)
		if got := a.state().Answers["email"].Raw; got != "noy@gmail.com" {
			t.Fatalf("after Use: %q", got)
		}
		a.expectUnderstood(a.typed("ແມ່ນ"), "lo", "ແມ່ນ", 7)
	})
}

// TestForms_SuggestionSurvivesRestart: the pending "did you mean" lives in Redis with the form, so its
// button still works after the bot restarts.
func TestForms_SuggestionSurvivesRestart(t *testing.T) {
	t.Parallel()
	h := typingHarness(t)
	a := &applicant{h: h, u: user(5200, "en"), prog: typingProg}
	a.begin() // the call, then Apply: the first question
	for _, in := range []string{"other", "sports", "laos", "020 5555 1234"} {
		a.send(in)
	}
	reply := a.typed("noy@gmial.com")
	ask := reply[len(reply)-1]
	h.restart()
	fix := buttonWith(ask, "form:fix:")
	if fix == "" {
		t.Fatalf("typo: %q %v", ask.Text, buttonData(ask))
	}
	a.press(fix)
	if st := a.state(); st.Answers["email"].Raw != "noy@gmail.com" || st.Answers["phone"].Raw != "+8562055551234" {
		t.Fatalf("after restart and Use: %+v", st.Answers)
	}
}

// TestForms_SharedContactFromAbroad: "Share my phone number" at a phone question gives the number as Telegram
// has it, with the country code but without "+"; a German number is taken like a Vietnamese one.
func TestForms_SharedContactFromAbroad(t *testing.T) {
	t.Parallel()
	h := typingHarness(t)
	a := &applicant{h: h, u: user(5300, "vi"), prog: typingProg}
	a.begin() // the call, then Apply: the first question
	for _, in := range []string{"khac", "the thao", "Đức"} {
		a.send(in)
	}
	if q := a.h.srv.Messages(a.u.ID); !q[len(q)-2].Reply {
		t.Fatalf("the phone question has no share button: %+v", q[len(q)-2])
	}
	n := a.count()
	h.srv.PushContact(a.u, "4915112345678")
	a.wait(n + 1)
	a.settle()
	a.expectUnderstood(h.srv.Messages(a.u.ID)[n:], "vi", "+49 1511 2345678", 5)
	if got := a.state().Answers["phone"].Raw; got != "+4915112345678" {
		t.Fatalf("shared contact stored as %q", got)
	}
}
