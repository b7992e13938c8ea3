package bot_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ufo-thanhhoa/huunghi/bot"
	"github.com/ufo-thanhhoa/huunghi/bot/store"
	"github.com/ufo-thanhhoa/huunghi/bot/telegramtest"
	"github.com/ufo-thanhhoa/huunghi/handlers/forms"
)

// flowForm is the form of the test programmes below: a name in Latin letters, a choice with "Other" and the
// question it points to, a number from 1 to 6, a date with its own example, a phone number.
const flowForm = `fields:
  - id: full_name
    type: name
    required: true
    script: latin
    prompt:
      en: "Full name\nIn Latin letters, as in your passport."
      de: "Full name\nIn Latin letters, as in your passport."
      vi: "Họ và tên\nViết bằng chữ Latinh, như trong hộ chiếu."
      lo: "ຊື່ ແລະ ນາມສະກຸນ\nຂຽນເປັນຕົວອັກສອນລາຕິນ ຄືກັບໃນໜັງສືຜ່ານແດນ."
  - id: university
    type: choice
    required: true
    prompt:
      en: "University\nIf it is not listed, choose “Other” and write its name in question {step:university_other}."
      de: "University\nIf it is not listed, choose “Other” and write its name in question {step:university_other}."
      vi: "Trường\nNếu không có, hãy chọn “Trường khác” và ghi tên ở câu {step:university_other}."
      lo: "ມະຫາວິທະຍາໄລ\nຖ້າບໍ່ມີ, ໃຫ້ເລືອກ “ອື່ນໆ” ແລ້ວຂຽນຊື່ໃນຄຳຖາມທີ {step:university_other}."
    options:
      - {id: hong_duc, label: {en: Hồng Đức University, vi: Đại học Hồng Đức, lo: ມະຫາວິທະຍາໄລຮົ່ງດຶກ, de: Hồng Đức University}}
      - {id: other, label: {en: Other, vi: Trường khác, lo: ອື່ນໆ, de: Other}}
  - id: university_other
    type: text
    max: 150
    prompt:
      en: "Other university\nOnly if you chose “Other” in question {step:university}. Otherwise tap “Skip”."
      de: "Other university\nOnly if you chose “Other” in question {step:university}. Otherwise tap “Skip”."
      vi: "Tên trường khác\nChỉ trả lời nếu ở câu {step:university} bạn chọn “Trường khác”. Nếu không, bấm “Bỏ qua”."
      lo: "ຊື່ມະຫາວິທະຍາໄລອື່ນ\nຕອບສະເພາະເມື່ອເຈົ້າເລືອກ “ອື່ນໆ” ໃນຄຳຖາມທີ {step:university}. ຖ້າບໍ່ແມ່ນ, ກົດ “ຂ້າມ”."
  - id: year_of_study
    type: number
    required: true
    min: 1
    max: 6
    prompt:
      en: "Year of study\nType a number from 1 to 6."
      de: "Year of study\nType a number from 1 to 6."
      vi: "Năm học\nGõ một số từ 1 đến 6."
      lo: "ປີຮຽນ\nພິມຕົວເລກ 1 ຫາ 6."
  - id: arrival
    type: date
    required: true
    example: 15/09/2030
    prompt:
      en: "Arrival\nDay/month/year, for example {example}."
      de: "Arrival\nDay/month/year, for example {example}."
      vi: "Ngày đến\nNgày/tháng/năm, ví dụ {example}."
      lo: "ວັນມາຮອດ\nວັນ/ເດືອນ/ປີ, ເຊັ່ນ {example}."
  - id: phone
    type: phone
    required: true
    prompt:
      en: "Phone number\nFor example 020 5555 1234."
      de: "Phone number\nFor example 020 5555 1234."
      vi: "Số điện thoại\nVí dụ 020 5555 1234."
      lo: "ເບີໂທລະສັບ\nເຊັ່ນ 020 5555 1234."
`

// flowProgramme is a programme file of the test content.
func flowProgramme(id, audience, opens, closes string) string {
	return fmt.Sprintf(`id: %[1]s
kind: exchange
audience: %[2]s
title: {en: "Call %[1]s", vi: "Chương trình %[1]s", lo: "ໂຄງການ %[1]s", de: "Call %[1]s"}
description: {en: "What %[1]s is about.", vi: "Nội dung của %[1]s.", lo: "ກ່ຽວກັບ %[1]s.", de: "What %[1]s is about."}
opens: "%[3]s"
closes: "%[4]s"
capacity: 0
`, id, audience, opens, closes) + flowForm
}

// flowNow is the clock of these tests: the test programmes are open, every shipped sample has closed.
var flowNow = time.Date(2030, 3, 1, 10, 0, 0, 0, time.FixedZone("ICT", 7*3600))

// newFlowHarness runs the bot on content of its own — a student call, a second one, a diaspora call, one
// that opens later and one that closed — at flowNow, so nothing depends on today's date or the samples.
func newFlowHarness(t *testing.T, env map[string]string) *harness {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "programmes"), 0o755); err != nil {
		t.Fatal(err)
	}
	for id, src := range map[string]string{
		"flow_test":     flowProgramme("flow_test", "student", "2030-01-01 08:00", "2030-06-30 17:00"),
		"flow_other":    flowProgramme("flow_other", "student", "2030-01-02 08:00", "2030-06-30 17:00"),
		"diaspora_call": flowProgramme("diaspora_call", "diaspora", "2030-01-03 08:00", "2030-06-30 17:00"),
		"later_call":    flowProgramme("later_call", "all", "2030-09-01 08:00", "2030-12-31 17:00"),
		"past_call":     flowProgramme("past_call", "all", "2029-09-01 08:00", "2029-12-31 17:00"),
	} {
		if err := os.WriteFile(filepath.Join(dir, "programmes", id+".yaml"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if env == nil {
		env = map[string]string{}
	}
	env["CONTENT_DIR"] = dir
	return newHarness(t, env, bot.WithClock(func() time.Time { return flowNow }))
}

// student is a known user who said they are a foreign student.
func student(t *testing.T, h *harness, id int64, lang, prog string) *applicant {
	t.Helper()
	a := &applicant{h: h, u: user(id, lang), prog: prog}
	a.send("/help") // the user record exists from the first update on
	if err := h.store().SetAudience(context.Background(), id, store.AudienceStudent); err != nil {
		t.Fatal(err)
	}
	return a
}

// last is the bot's newest message in the applicant's chat.
func (a *applicant) last() telegramtest.Message {
	msgs := a.h.srv.Messages(a.u.ID)
	if len(msgs) == 0 {
		return telegramtest.Message{}
	}
	return msgs[len(msgs)-1]
}

// message is the bot's message with the given id as it is now.
func (a *applicant) message(id int) telegramtest.Message {
	for _, m := range a.h.srv.Messages(a.u.ID) {
		if m.ID == id {
			return m
		}
	}
	a.h.t.Fatalf("no message %d in chat %d", id, a.u.ID)
	return telegramtest.Message{}
}

// buttonWith is the data of the first button on m whose data starts with prefix.
func buttonWith(m telegramtest.Message, prefix string) string {
	for _, d := range buttonData(m) {
		if strings.HasPrefix(d, prefix) {
			return d
		}
	}
	return ""
}

// formState is the user's form as the bot keeps it, or nil when there is none.
func formState(t *testing.T, h *harness, uid int64) *forms.State {
	t.Helper()
	sess, err := h.store().GetSession(context.Background(), uid)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var st forms.State
	if err := json.Unmarshal(sess.Data, &st); err != nil {
		t.Fatal(err)
	}
	return &st
}

// begin opens the programme's link, taps Apply and waits for the first question.
func (a *applicant) begin() {
	a.h.t.Helper()
	a.send("/start reg_" + a.prog)
	a.press("prog:a:" + a.prog)
}

// TestRegister_CancelAsksFirst taps Cancel on a question, in each language: the question becomes "Discard
// your answers?", No brings the question back exactly as it was with nothing lost, Yes discards the form,
// says so and offers the programmes.
func TestRegister_CancelAsksFirst(t *testing.T) {
	t.Parallel() // waits on the chat's send budget, not the CPU
	h := newFlowHarness(t, nil)
	for i, lang := range []string{"lo", "vi", "en"} {
		a := student(t, h, int64(6000+i), lang, "flow_test")
		p, _ := h.content.Programme("flow_test")
		a.begin()
		a.send("Noy Phommasane")
		q := a.last() // the university question
		n := a.count()
		cancel := buttonWith(q, "form:cancel:flow_test:")
		if cancel == "" {
			t.Fatalf("%s: no Cancel naming the form on %q: %v", lang, q.Text, buttonData(q))
		}
		a.press(cancel)
		ask := a.message(q.ID)
		wantAsk := h.content.T(lang, "form.discard.ask", "programme", p.TitleIn(lang))
		if ask.Text != wantAsk || len(ask.Buttons) != 1 || len(ask.Buttons[0]) != 2 ||
			ask.Buttons[0][0].Text != h.content.T(lang, "form.discard.yes") || ask.Buttons[0][1].Text != h.content.T(lang, "form.discard.no") ||
			!strings.HasPrefix(ask.Buttons[0][0].Data, "form:discard:flow_test:") || !strings.HasPrefix(ask.Buttons[0][1].Data, "form:resume:flow_test:") {
			t.Errorf("%s: Cancel made the question %q %+v, want %q with Yes, discard / No, continue", lang, ask.Text, ask.Buttons, wantAsk)
		}
		if a.count() != n {
			t.Errorf("%s: Cancel sent %d new messages, want the question edited in place", lang, a.count()-n)
		}
		if st := formState(t, h, a.u.ID); st == nil || st.Answers["full_name"].Raw != "Noy Phommasane" {
			t.Fatalf("%s: asking discarded something: %+v", lang, st)
		}
		a.press(buttonWith(ask, "form:resume:"))
		if back := a.message(q.ID); back.Text != q.Text || fmt.Sprint(back.Buttons) != fmt.Sprint(q.Buttons) {
			t.Errorf("%s: No, continue gave %q %v, want the question as it was: %q %v", lang, back.Text, back.Buttons, q.Text, q.Buttons)
		}
		if st := formState(t, h, a.u.ID); st == nil || st.Step != 1 || st.Answers["full_name"].Raw != "Noy Phommasane" {
			t.Errorf("%s: the form after No: %+v", lang, st)
		}
		// The form goes on from there, and Cancel on the next question asks again; Yes discards.
		a.press("form:c:hong_duc")
		q = a.last()
		a.press(buttonWith(q, "form:cancel:"))
		discard := buttonWith(a.message(q.ID), "form:discard:")
		a.press(discard)
		done := a.message(q.ID)
		if want := h.content.T(lang, "form.discarded", "programme", p.TitleIn(lang)); done.Text != want ||
			len(done.Buttons) != 1 || done.Buttons[0][0].Data != "prog:list" || done.Buttons[0][0].Text != h.content.T(lang, "menu.programmes") {
			t.Errorf("%s: Yes gave %q %+v, want %q with the programmes button", lang, done.Text, done.Buttons, want)
		}
		if st := formState(t, h, a.u.ID); st != nil {
			t.Errorf("%s: the form is still there after Yes: %+v", lang, st)
		}
		// The same Yes tapped again (an old message, a double tap) only says the button expired.
		n = a.count()
		h.srv.PushCallback(a.u, done, discard)
		a.settle()
		if a.count() != n || a.message(q.ID).Text != done.Text {
			t.Errorf("%s: a second Yes changed the chat", lang)
		}
		if got := lastAnswer(h); got != h.content.T(lang, "button.expired") {
			t.Errorf("%s: a second Yes answered %q, want button.expired", lang, got)
		}
	}
}

// lastAnswer is the text of the newest toast the bot showed.
func lastAnswer(h *harness) string {
	answers := h.srv.Answers()
	if len(answers) == 0 {
		return ""
	}
	return answers[len(answers)-1].Params["text"]
}

// TestRegister_StaleDiscardNeverTouchesAnotherForm taps "Yes, discard" of a form the user no longer has: one
// replaced by another programme's form, or by the same programme's form started again. Each is refused as
// expired and the form the user has now is left as it was.
func TestRegister_StaleDiscardNeverTouchesAnotherForm(t *testing.T) {
	t.Parallel() // waits on the chat's send budget, not the CPU
	h := newFlowHarness(t, nil)
	a := student(t, h, 6100, "en", "flow_test")
	a.begin()
	a.send("Noy Phommasane")
	a.pressPrefix("form:cancel:")
	confirm := a.last()
	stale := buttonWith(confirm, "form:discard:")
	// Without answering, the user opens another call's poster link and starts its form.
	b := &applicant{h: h, u: a.u, prog: "flow_other"}
	b.begin()
	b.send("Somphone Phommavong")
	n := a.count()
	h.srv.PushCallback(a.u, confirm, stale)
	a.settle()
	st := formState(t, h, a.u.ID)
	if st == nil || st.Form != "flow_other" || st.Answers["full_name"].Raw != "Somphone Phommavong" {
		t.Fatalf("a stale Yes of flow_test touched the flow_other form: %+v", st)
	}
	if got := lastAnswer(h); got != h.content.T("en", "button.expired") || a.count() != n {
		t.Errorf("stale Yes: toast %q and %d new messages, want button.expired and none", got, a.count()-n)
	}
	// The user discards flow_other, then starts flow_test again: the old flow_test Yes names the first filling.
	b.pressPrefix("form:cancel:")
	b.pressPrefix("form:discard:")
	a.begin()
	a.send("Khamla Vongsa")
	h.srv.PushCallback(a.u, confirm, stale)
	a.settle()
	if st := formState(t, h, a.u.ID); st == nil || st.Form != "flow_test" || st.Answers["full_name"].Raw != "Khamla Vongsa" {
		t.Fatalf("the Yes of an earlier flow_test form discarded the new one: %+v", st)
	}
	// No of a gone form, and a confirmation without a form named, are refused the same way.
	for _, data := range []string{strings.Replace(stale, "form:discard:", "form:resume:", 1), "form:discard", "form:discard:flow_test:zz"} {
		h.srv.PushCallback(a.u, confirm, data)
		a.settle()
		if got := lastAnswer(h); got != h.content.T("en", "button.expired") {
			t.Errorf("%s: toast %q, want button.expired", data, got)
		}
	}
	if st := formState(t, h, a.u.ID); st == nil || st.Answers["full_name"].Raw != "Khamla Vongsa" {
		t.Errorf("the form after stale taps: %+v", st)
	}
	// A Cancel button sent before buttons named their form (no ref) still asks about the form the user has.
	q := a.last()
	h.srv.PushCallback(a.u, q, "form:cancel")
	a.settle()
	if got := a.message(q.ID); !strings.HasPrefix(buttonWith(got, "form:discard:"), "form:discard:flow_test:") {
		t.Errorf("old-style Cancel: %q %v, want the question naming the current form", got.Text, buttonData(got))
	}
}

// TestRegister_CancelAtThePhoneQuestion cancels where the share-my-number keyboard is up: No brings the hint
// and its buttons back; Yes takes the keyboard down with the answer, since an edit cannot.
func TestRegister_CancelAtThePhoneQuestion(t *testing.T) {
	t.Parallel() // waits on the chat's send budget, not the CPU
	h := newFlowHarness(t, nil)
	a := student(t, h, 6200, "vi", "flow_test")
	p, _ := h.content.Programme("flow_test")
	a.begin()
	a.send("Noy Phommasane")
	a.press("form:c:hong_duc")
	a.press("form:skip")
	a.send("2")
	a.send("15/09/2030")
	hint := a.last()
	if hint.Text != h.content.T("vi", "form.contact.hint") {
		t.Fatalf("not at the phone question: %q", hint.Text)
	}
	a.press(buttonWith(hint, "form:cancel:"))
	a.press(buttonWith(a.message(hint.ID), "form:resume:"))
	if got := a.message(hint.ID); got.Text != hint.Text || fmt.Sprint(got.Buttons) != fmt.Sprint(hint.Buttons) {
		t.Errorf("No at the phone question: %q %v, want the hint back: %v", got.Text, got.Buttons, hint.Buttons)
	}
	n := a.count()
	a.press(buttonWith(hint, "form:cancel:"))
	a.press(buttonWith(a.message(hint.ID), "form:discard:"))
	msgs := a.wait(n + 1)
	ask := a.message(hint.ID)
	if ask.Text != h.content.T("vi", "form.discard.ask", "programme", p.TitleIn("vi")) || len(ask.Buttons) != 0 {
		t.Errorf("the question after Yes: %q %v, want it kept without buttons", ask.Text, ask.Buttons)
	}
	if got := msgs[n]; got.Text != h.content.T("vi", "form.discarded", "programme", p.TitleIn("vi")) || !got.RemoveKeyboard {
		t.Errorf("Yes at the phone question: %q (keyboard removed: %v), want form.discarded taking the keyboard down", got.Text, got.RemoveKeyboard)
	}
}

// TestDeepLink_ShowsTheProgrammeOrSaysWhyNot opens poster links: an open call for the user shows its
// description and deadline with Apply (no form yet); an unknown id, and a call for another audience, say why
// and list what is open for this user; upcoming and closed calls keep their messages.
func TestDeepLink_ShowsTheProgrammeOrSaysWhyNot(t *testing.T) {
	t.Parallel() // waits on the chat's send budget, not the CPU
	h := newFlowHarness(t, nil)
	p, _ := h.content.Programme("flow_test")
	a := student(t, h, 6300, "lo", "flow_test")
	got := a.send("/start reg_flow_test")
	deadline := h.content.T("lo", "prog.deadline", "date", "30/06/2030 17:00")
	if want := "📝 " + p.TitleIn("lo") + "\n\n" + p.DescriptionIn("lo") + "\n\n" + deadline; got.Text != want ||
		fmt.Sprint(buttonData(got)) != "[prog:a:flow_test]" {
		t.Errorf("link to an open call: %q %v, want %q with Apply", got.Text, buttonData(got), want)
	}
	if st := formState(t, h, a.u.ID); st != nil {
		t.Errorf("the link started a form before Apply: %+v", st)
	}
	// What is open for a student: the two student calls, not the diaspora one.
	openList := func(lang string, ids ...string) (string, string) {
		var text strings.Builder
		text.WriteString(h.content.T(lang, "prog.list"))
		var data []string
		for _, id := range ids {
			q, _ := h.content.Programme(id)
			fmt.Fprintf(&text, "\n\n• %s\n  %s", q.TitleIn(lang), h.content.T(lang, "prog.deadline", "date", "30/06/2030 17:00"))
			data = append(data, "prog:v:"+id)
		}
		return text.String(), fmt.Sprint(data)
	}
	list, buttons := openList("lo", "flow_test", "flow_other")
	got = a.send("/start reg_no_such_call")
	if want := h.content.T("lo", "prog.unknown") + "\n\n" + list; got.Text != want || fmt.Sprint(buttonData(got)) != buttons {
		t.Errorf("unknown link: %q %v, want %q %s", got.Text, buttonData(got), want, buttons)
	}
	d, _ := h.content.Programme("diaspora_call")
	got = a.send("/start reg_diaspora_call")
	why := h.content.T("lo", "prog.not_for_you", "programme", d.TitleIn("lo"), "audience", h.content.T("lo", "prog.for.diaspora"))
	if want := why + "\n\n" + list; got.Text != want || fmt.Sprint(buttonData(got)) != buttons {
		t.Errorf("a diaspora call for a student: %q %v, want %q %s", got.Text, buttonData(got), want, buttons)
	}
	// A forged or group-listed Apply for the other audience is refused the same way.
	n := a.count()
	h.srv.PushCallback(a.u, got, "prog:a:diaspora_call")
	a.wait(n + 1)
	a.settle()
	if got := a.last(); !strings.HasPrefix(got.Text, why) || formState(t, h, a.u.ID) != nil {
		t.Errorf("Apply for another audience: %q", got.Text)
	}
	// Someone from the diaspora is refused the student call and offered theirs.
	dia := &applicant{h: h, u: user(6301, "en"), prog: "diaspora_call"}
	dia.send("/help")
	if err := h.store().SetAudience(context.Background(), dia.u.ID, store.AudienceDiaspora); err != nil {
		t.Fatal(err)
	}
	list, buttons = openList("en", "diaspora_call")
	got = dia.send("/start reg_flow_test")
	why = h.content.T("en", "prog.not_for_you", "programme", p.TitleIn("en"), "audience", h.content.T("en", "prog.for.student"))
	if want := why + "\n\n" + list; got.Text != want || fmt.Sprint(buttonData(got)) != buttons {
		t.Errorf("a student call for the diaspora: %q %v, want %q %s", got.Text, buttonData(got), want, buttons)
	}
	// Someone who has not said who they are sees any call.
	anyone := &applicant{h: h, u: user(6302, "vi"), prog: "diaspora_call"}
	if got := anyone.send("/start reg_diaspora_call"); !hasButton(got, "prog:a:diaspora_call") {
		t.Errorf("a call for a user of no known audience: %q %v", got.Text, buttonData(got))
	}
	// Upcoming and closed calls say so, as before.
	later, _ := h.content.Programme("later_call")
	if got := a.send("/start reg_later_call"); got.Text != h.content.T("lo", "prog.not_open", "programme", later.TitleIn("lo"), "date", "01/09/2030 08:00") {
		t.Errorf("upcoming call: %q", got.Text)
	}
	past, _ := h.content.Programme("past_call")
	if got := a.send("/start reg_past_call"); got.Text != h.content.T("lo", "prog.closed", "programme", past.TitleIn("lo")) {
		t.Errorf("closed call: %q", got.Text)
	}
}

// TestRegister_WhatTheFormSaysItDoes answers the test form the way a Lao student might: a name in Lao
// script is refused with the reason (the prompt asks for Latin letters), the question that points to another
// one shows its number, and error messages give the example of their own question.
func TestRegister_WhatTheFormSaysItDoes(t *testing.T) {
	t.Parallel() // waits on the chat's send budget, not the CPU
	h := newFlowHarness(t, nil)
	p, _ := h.content.Programme("flow_test")
	a := student(t, h, 6400, "lo", "flow_test")
	a.begin()
	question := a.last().Text
	got := a.send("ສົມພອນ ພົມມະວົງ")
	if want := h.content.T("lo", "form.invalid.latin") + "\n\n" + question; got.Text != want {
		t.Errorf("a name in Lao script: got %q, want %q", got.Text, want)
	}
	if st := formState(t, h, a.u.ID); st == nil || st.Step != 0 || len(st.Answers) != 0 {
		t.Errorf("a refused name moved the form: %+v", st)
	}
	a.send("Somphone Phommavong")
	uni := a.last().Text
	if !strings.Contains(uni, "ໃນຄຳຖາມທີ 3.") || strings.Contains(uni, "{") {
		t.Errorf("the university question does not name question 3: %q", uni)
	}
	a.press("form:c:other")
	if other := a.last().Text; !strings.Contains(other, "ໃນຄຳຖາມທີ 2.") || !strings.HasPrefix(other, h.content.T("lo", "form.step", "n", "3", "total", "6")) {
		t.Errorf("question 3 does not point back to question 2: %q", other)
	}
	a.send("Savannakhet University")
	// A word for a number 1–6: the example is one a 1–6 question takes.
	got = a.send("ສາມ")
	if want := h.content.T("lo", "form.invalid.number", "example", "3"); !strings.HasPrefix(got.Text, want+"\n\n") || strings.Contains(got.Text, "25") {
		t.Errorf("a word for the year of study: %q, want it to start %q", got.Text, want)
	}
	a.send("2")
	// The date question and its error show the same example, the field's own.
	got = a.send("31/02/2030")
	example := p.Fields[4].ExampleAnswer()
	if want := h.content.T("lo", "form.invalid.date", "example", example); example != "15/09/2030" || !strings.HasPrefix(got.Text, want) ||
		strings.Count(got.Text, example) != 2 {
		t.Errorf("an impossible date: %q, want %q and the question, both with %s", got.Text, want, example)
	}
}
