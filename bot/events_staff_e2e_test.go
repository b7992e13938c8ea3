package bot_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/go-telegram/bot/models"
	"github.com/xuri/excelize/v2"

	"github.com/ufo-thanhhoa/huunghi/bot"
	"github.com/ufo-thanhhoa/huunghi/bot/events"
	"github.com/ufo-thanhhoa/huunghi/bot/telegramtest"
)

// Staff create, change and cancel events from the chat, and see who signed up. The tests' own events are
// in a temp CONTENT_DIR, dated from testNow (12 May 2031, 10:00 in Hanoi's zone).

// staffEventsYAML are the tests' events: one to move, one to cancel (one place: the second person waits),
// one with a sign-up form for /attendees.
var staffEventsYAML = map[string]string{
	"move_test": `id: move_test
title: {en: Friendship evening, vi: Đêm giao lưu hữu nghị, lo: ງານແລກປ່ຽນມິດຕະພາບ, de: Friendship evening}
description: {en: Songs and food., vi: Ca hát và ẩm thực., lo: ຮ້ອງເພງ ແລະ ອາຫານ., de: Songs and food.}
place: {en: Youth House, vi: Nhà Văn hóa Thanh niên, lo: ຫໍວັດທະນະທຳຊາວໜຸ່ມ, de: Youth House}
starts: "2031-05-20T08:00"
ends: "2031-05-20T11:00"
signup: true
reminders: [24h]
`,
	"cancel_test": `id: cancel_test
title: {en: Bunpimay rehearsal, vi: Tập văn nghệ Bunpimay, lo: ຊ້ອມງານບຸນປີໃໝ່, de: Bunpimay rehearsal}
description: {en: A rehearsal., vi: Buổi tập., lo: ການຊ້ອມ., de: A rehearsal.}
place: {en: Hall A, vi: Hội trường A, lo: ຫ້ອງປະຊຸມ A, de: Hall A}
starts: "2031-05-20T08:00"
ends: "2031-05-20T10:00"
signup: true
capacity: 1
reminders: [24h]
`,
	"attend_test": `id: attend_test
title: {en: Study day, vi: Ngày thông tin du học, lo: ມື້ຂໍ້ມູນການສຶກສາ, de: Study day}
description: {en: Talks., vi: Các bài nói., lo: ການບັນຍາຍ., de: Talks.}
place: {en: Room 1, vi: Phòng 1, lo: ຫ້ອງ 1, de: Room 1}
starts: "2031-06-01T08:00"
ends: "2031-06-01T11:00"
signup: true
capacity: 1
fields:
  - id: full_name
    type: text
    required: true
    prompt: {en: "Full name", vi: "Họ và tên", lo: "ຊື່ ແລະ ນາມສະກຸນ", de: "Full name"}
`,
}

// staffEventsHarness runs the bot with the tests' events over the shipped content. A staff member's wizard is
// many messages to one chat: not paced at Telegram's 1 msg/s a chat here.
func staffEventsHarness(t *testing.T, env map[string]string) *harness {
	return eventsHarness(t, env, staffEventsYAML, bot.WithSendLimits(redis_rate.PerSecond(1000), redis_rate.PerSecond(1000)))
}

// draftSteps are the questions the staff member's event draft still has to ask, the current first.
func (a *applicant) draftSteps() []string {
	a.h.t.Helper()
	sess, err := a.h.store().GetSession(context.Background(), a.u.ID)
	if err != nil {
		a.h.t.Fatalf("no event draft: %v", err)
	}
	var dr struct {
		Steps []string `json:"steps"`
		Doc   string   `json:"doc"`
	}
	if sess.Flow != "eventdraft" || json.Unmarshal(sess.Data, &dr) != nil {
		a.h.t.Fatalf("session %q is not an event draft", sess.Flow)
	}
	return dr.Steps
}

// byID is the chat's message with the id, as it is now (edits included).
func (a *applicant) byID(id int) telegramtest.Message {
	for _, m := range a.h.srv.Messages(a.u.ID) {
		if m.ID == id {
			return m
		}
	}
	a.h.t.Fatalf("no message %d", id)
	return telegramtest.Message{}
}

// before is the text of a UI string up to its first placeholder, for messages whose arguments a test does
// not recompute.
func before(s string) string { t, _, _ := strings.Cut(s, "{"); return t }

func TestStaffEvents_NewEventEndToEnd(t *testing.T) {
	t.Parallel()
	h := staffEventsHarness(t, nil)
	// Telegram in English and no language chosen: typing a Lao title must not switch the wizard to Lao.
	staff := &applicant{h: h, u: user(900, "en")}
	staff.send("/newevent")
	if got := staff.h.srv.Messages(900)[0].Text; got != h.content.T("en", "staff.event.new_intro") {
		t.Errorf("intro: got %q", got)
	}
	titles := map[string]string{"en": "Bunpimay test evening", "lo": "ງານບຸນປີໃໝ່ທົດລອງ", "vi": "Đêm Bunpimay thử", "de": "Bunpimay-Testabend"}
	texts := map[string]string{"en": "Dance and food", "lo": "ຟ້ອນ ແລະ ອາຫານ", "vi": "Múa và ẩm thực", "de": "Tanz und Essen"}
	places := map[string]string{"en": "Hall B", "lo": "ຫ້ອງ B", "vi": "Hội trường B", "de": "Saal B"}
	const id = "bunpimay_test_evening"
	sawBadDate, sawSticker, restarted := false, false, false
	for steps := staff.draftSteps(); len(steps) > 0; steps = staff.draftSteps() {
		kind, lang, _ := strings.Cut(steps[0], ":")
		switch kind {
		case "title":
			staff.send(titles[lang])
			if lang == "lo" {
				if next := staff.draftSteps()[0]; strings.HasPrefix(next, "title:") {
					_, l, _ := strings.Cut(next, ":")
					want := h.content.T("en", "staff.event.ask.title", "language", h.content.T(l, "lang.name"), "code", l)
					if got := staff.last().Text; got != want {
						t.Errorf("after a Lao title the wizard asks %q, want %q (still in English)", got, want)
					}
				}
			}
		case "id":
			if !hasButton(staff.last(), "sev:sug") || !strings.Contains(staff.last().Buttons[0][0].Text, id) {
				t.Fatalf("id question %q %v: want the suggestion %s", staff.last().Text, staff.last().Buttons, id)
			}
			staff.press("sev:sug")
		case "description":
			if !sawSticker {
				sawSticker = true
				n := staff.count()
				h.srv.PushSticker(staff.u)
				staff.wait(n + 1)
				staff.settle()
				if got := staff.last().Text; !strings.HasPrefix(got, h.content.T("en", "staff.event.typed_only")+"\n\n") {
					t.Errorf("sticker mid-wizard: got %q, want the typed-only answer and the question again", got)
				}
				if staff.draftSteps()[0] != steps[0] {
					t.Errorf("a sticker moved the wizard to %s", staff.draftSteps()[0])
				}
			}
			staff.send(texts[lang])
		case "place":
			if !restarted { // the draft is in Redis: a restart loses nothing typed
				restarted = true
				h.restart()
			}
			staff.send(places[lang])
		case "starts":
			if !sawBadDate {
				sawBadDate = true
				if got := staff.send("next Tuesday morning").Text; !strings.HasPrefix(got, before(h.content.T("en", "staff.event.bad.time"))) {
					t.Errorf("bad date: got %q, want the clear error", got)
				}
				if got := staff.send("2031-05-01 08:00").Text; !strings.HasPrefix(got, h.content.T("en", "staff.event.bad.past")) {
					t.Errorf("past date: got %q, want it refused", got)
				}
				if got := staff.draftSteps(); got[0] != "starts" {
					t.Fatalf("after bad dates the wizard is at %v, want the start asked again", got)
				}
			}
			got := staff.send("25/05/2031 8:00").Text
			if want := h.content.T("en", "staff.event.understood", "value", "Sun 25/05/2031 08:00 (GMT+7)"); !strings.HasPrefix(got, want) {
				t.Errorf("start: got %q, want it said back as %q", got, want)
			}
		case "ends":
			staff.send("2031-05-25 11:30")
		case "audience":
			got := staff.send("sinh vien").Text
			if want := h.content.T("en", "staff.event.understood", "value", h.content.T("en", "staff.event.aud.student")); !strings.HasPrefix(got, want) {
				t.Errorf("audience typed without tone marks: got %q, want %q", got, want)
			}
		case "signup":
			staff.press("sev:sig:y")
		case "capacity":
			staff.send("2")
		case "reminders":
			staff.send("3d 2h")
		case "map":
			staff.press("sev:nomap")
		default:
			t.Fatalf("unexpected step %q", steps[0])
		}
	}
	if !sawBadDate || !sawSticker {
		t.Fatal("the wizard skipped the dates or the descriptions")
	}
	msgs := h.srv.Messages(900)
	header, card := msgs[len(msgs)-2], msgs[len(msgs)-1]
	if want := h.content.T("en", "staff.event.preview", "language", "English"); header.Text != want {
		t.Errorf("preview header: got %q, want %q", header.Text, want)
	}
	for _, data := range []string{"sev:pub", "sev:edit", "sev:discard", "sev:pv:lo", "sev:pv:vi"} {
		if !hasButton(card, data) {
			t.Errorf("preview has no %s: %v", data, buttonData(card))
		}
	}
	staff.press("sev:pv:lo")
	if got := staff.byID(card.ID).Text; !strings.HasPrefix(got, titles["lo"]+"\n\n🗓 ") || !strings.Contains(got, places["lo"]) {
		t.Errorf("Lao preview: got %q", got)
	}
	staff.press("sev:pv:en")
	preview := staff.byID(card.ID)
	staff.press("sev:pub")
	if got, want := staff.byID(card.ID).Text, h.content.T("en", "staff.event.published", "event", titles["en"], "id", id); got != want {
		t.Errorf("publish: got %q, want %q", got, want)
	}
	if _, err := h.store().GetSession(context.Background(), 900); err == nil {
		t.Error("the draft outlived its publication")
	}

	// A student sees it in /events and signs up; the card is the preview, to the letter.
	student := &applicant{h: h, u: user(9101, "en")}
	list := student.send("/events")
	if !strings.Contains(list.Text, titles["en"]) || !hasButton(list, "ev:v:"+id) {
		t.Fatalf("/events: %q %v", list.Text, buttonData(list))
	}
	if strings.Contains(list.Text, "🆔") {
		t.Error("a user sees event ids")
	}
	student.press("ev:v:" + id)
	shown := student.last()
	if shown.Text != preview.Text {
		t.Errorf("card: got %q, the preview was %q", shown.Text, preview.Text)
	}
	if got := preview.Buttons[0][0]; got.Text != shown.Buttons[0][0].Text || got.Data != "sev:nop" {
		t.Errorf("preview's first button %+v, want the card's %q doing nothing", got, shown.Buttons[0][0].Text)
	}
	student.press("ev:s:" + id)
	if got := student.last().Text; !strings.HasPrefix(got, before(h.content.T("en", "event.signed_up"))) {
		t.Errorf("sign-up: got %q", got)
	}
	reg, err := h.store().GetSignup(context.Background(), id, 9101)
	if err != nil || reg.Status != "registered" {
		t.Errorf("sign-up in Redis: %+v %v", reg, err)
	}
	// Staff see the id in their /events.
	if got := staff.send("/events").Text; !strings.Contains(got, "🆔 "+id) {
		t.Errorf("staff /events: %q, want the ids", got)
	}
}

// join signs a user up for an event from its poster link (signUp).
func join(t *testing.T, h *harness, u models.User, ev string) {
	t.Helper()
	signUp(t, &applicant{h: h, u: u}, ev)
}

// remindersIn are the reminder messages a chat received, told by the reminder text in lang.
func remindersIn(h *harness, chat int64, lang string) []telegramtest.Message {
	var out []telegramtest.Message
	prefix := before(h.content.T(lang, "reminder.text"))
	for _, m := range h.srv.Messages(chat) {
		if strings.HasPrefix(m.Text, prefix) {
			out = append(out, m)
		}
	}
	return out
}

func TestStaffEvents_EditMovesTheEventAndItsReminders(t *testing.T) {
	t.Parallel()
	h := staffEventsHarness(t, nil)
	lo, vi := user(9201, "lo"), user(9202, "vi")
	join(t, h, lo, "move_test")
	join(t, h, vi, "move_test")

	staff := &applicant{h: h, u: user(900, "en")}
	menu := staff.send("/editevent MOVE_TEST") // ids are case-insensitive
	if !strings.Contains(menu.Text, h.content.T("en", "staff.event.file_note")) || !hasButton(menu, "sev:f:when") {
		t.Fatalf("/editevent: %q %v", menu.Text, buttonData(menu))
	}
	staff.press("sev:f:when")
	staff.send("2031-05-22 08:00")
	staff.press("sev:keep") // the old end, now before the start: refused, asked again
	if got := staff.last().Text; !strings.HasPrefix(got, before(h.content.T("en", "staff.event.bad.ends_first"))) {
		t.Errorf("kept end before the new start: got %q", got)
	}
	staff.send("2031-05-22 11:00")
	staff.press("sev:pub")
	want := h.content.T("en", "staff.event.saved", "event", "Friendship evening") + "\n" +
		h.content.T("en", "staff.event.saved_told", "n", "2") + "\n\n" + h.content.T("en", "staff.event.file_note")
	if got := staff.last().Text; got != want {
		t.Errorf("save: got %q, want %q", got, want)
	}

	file, _ := h.content.Event("move_test")
	moved := *file
	moved.Starts, moved.Ends = time.Date(2031, 5, 22, 8, 0, 0, 0, hcm), time.Date(2031, 5, 22, 11, 0, 0, 0, hcm)
	for _, u := range []models.User{lo, vi} {
		lang := u.LanguageCode
		want := h.content.T(lang, "event.notice.changed", "event", file.TitleIn(lang),
			"when", events.When(h.content, &moved, lang, hcm), "place", file.PlaceIn(lang))
		if !h.srv.Wait(func() bool { return countText(h.srv.Messages(u.ID), want) == 1 }, wait) {
			t.Errorf("%s: no changed notice %q in %v", lang, want, h.srv.Messages(u.ID))
		}
	}

	ctx := context.Background()
	h.moveClock(time.Date(2031, 5, 19, 8, 1, 0, 0, hcm)) // the old reminder's time
	if err := h.app.RunJob(ctx, "reminders"); err != nil {
		t.Fatal(err)
	}
	h.idle()
	for _, u := range []models.User{lo, vi} {
		if n := len(remindersIn(h, u.ID, u.LanguageCode)); n != 0 {
			t.Errorf("%s got %d reminders at the old time", u.LanguageCode, n)
		}
	}
	h.moveClock(time.Date(2031, 5, 21, 8, 1, 0, 0, hcm)) // the new one's
	if err := h.app.RunJob(ctx, "reminders"); err != nil {
		t.Fatal(err)
	}
	for _, u := range []models.User{lo, vi} {
		if !h.srv.Wait(func() bool { return len(remindersIn(h, u.ID, u.LanguageCode)) == 1 }, wait) {
			t.Errorf("%s: no reminder at the new time", u.LanguageCode)
		}
	}
	h.idle()
	for _, u := range []models.User{lo, vi} {
		if n := len(remindersIn(h, u.ID, u.LanguageCode)); n != 1 {
			t.Errorf("%s got %d reminders, want 1", u.LanguageCode, n)
		}
	}
}

func countText(msgs []telegramtest.Message, text string) int {
	n := 0
	for _, m := range msgs {
		if m.Text == text {
			n++
		}
	}
	return n
}

func TestStaffEvents_CancelTellsEveryoneAndDropsReminders(t *testing.T) {
	t.Parallel()
	h := staffEventsHarness(t, nil)
	lo, vi := user(9301, "lo"), user(9302, "vi") // one place: the Vietnamese student waits
	join(t, h, lo, "cancel_test")
	join(t, h, vi, "cancel_test")

	staff := &applicant{h: h, u: user(900, "vi")}
	e, _ := h.content.Event("cancel_test")
	confirm := staff.send("/cancelevent cancel_test")
	want := h.content.T("vi", "staff.event.cancel_confirm", "event", e.TitleIn("vi"), "when", events.When(h.content, e, "vi", hcm),
		"registered", "1", "waiting", "1")
	if confirm.Text != want || !hasButton(confirm, "sev:cx:cancel_test") {
		t.Fatalf("confirmation: got %q %v, want %q", confirm.Text, buttonData(confirm), want)
	}
	staff.press("sev:cx:cancel_test")
	if got, want := staff.byID(confirm.ID).Text, h.content.T("vi", "staff.event.cancelled", "event", e.TitleIn("vi"), "n", "2"); got != want {
		t.Errorf("after cancelling: got %q, want %q", got, want)
	}
	for _, u := range []models.User{lo, vi} {
		lang := u.LanguageCode
		want := h.content.T(lang, "event.notice.cancelled", "event", e.TitleIn(lang), "when", events.When(h.content, e, lang, hcm), "place", e.PlaceIn(lang))
		if !h.srv.Wait(func() bool { return countText(h.srv.Messages(u.ID), want) == 1 }, wait) {
			t.Errorf("%s: no cancellation notice %q", lang, want)
		}
	}
	if got := staff.send("/cancelevent cancel_test").Text; got != h.content.T("vi", "staff.event.already_cancelled", "event", e.TitleIn("vi")) {
		t.Errorf("second /cancelevent: got %q", got)
	}
	h.moveClock(time.Date(2031, 5, 19, 8, 1, 0, 0, hcm))
	if err := h.app.RunJob(context.Background(), "reminders"); err != nil {
		t.Fatal(err)
	}
	h.idle()
	if n := len(remindersIn(h, lo.ID, "lo")); n != 0 {
		t.Errorf("a reminder of a cancelled event was sent (%d)", n)
	}
}

func TestStaffEvents_Attendees(t *testing.T) {
	t.Parallel()
	const staffChat = -7700
	h := staffEventsHarness(t, map[string]string{"STAFF_CHAT_ID": "-7700"})
	ctx := context.Background()
	st := h.store()
	// Sign-ups with the event's form answered (the form itself is the registrations' engine, tested there);
	// the second waits. An answer starting with "=" must reach the file as text.
	if _, _, err := st.SignUp(ctx, "attend_test", 9401, "lo", map[string]string{"full_name": "Noy Phommasane"}, 1); err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.SignUp(ctx, "attend_test", 9402, "vi", map[string]string{"full_name": "=HYPERLINK(\"x\")"}, 1); err != nil {
		t.Fatal(err)
	}
	staff := &applicant{h: h, u: user(900, "vi")}
	e, _ := h.content.Event("attend_test")
	n := staff.count()
	h.srv.PushText(staff.u, "/attendees ATTEND_TEST")
	msgs := staff.wait(n + 2)
	list, doc := msgs[n], msgs[n+1]
	if !strings.HasPrefix(list.Text, h.content.T("vi", "staff.attendees.title", "event", e.TitleIn("vi"), "registered", "1", "waiting", "1")) ||
		!strings.Contains(list.Text, "9401") || !strings.Contains(list.Text, h.content.T("vi", "reg.status.waitlist")) {
		t.Errorf("list: %q", list.Text)
	}
	if doc.Document == nil || !strings.HasSuffix(doc.Document.Name, ".xlsx") {
		t.Fatalf("no XLSX: %+v", doc)
	}
	f, err := excelize.OpenReader(bytes.NewReader(doc.Document.Data))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := f.GetRows(f.GetSheetList()[0])
	if err != nil || len(rows) != 3 {
		t.Fatalf("xlsx rows: %v %v", rows, err)
	}
	if got := strings.Join(rows[0], "|"); got != "ref|status|created|user_id|lang|Họ và tên" {
		t.Errorf("header: %q", got)
	}
	if got := strings.Join(rows[1], "|"); !strings.Contains(got, "|registered|") || !strings.HasSuffix(got, "|9401|lo|Noy Phommasane") {
		t.Errorf("first row: %q", got)
	}
	if got := rows[2][5]; got != "'=HYPERLINK(\"x\")" {
		t.Errorf("a formula answer: got %q, want it neutralised", got)
	}
	// CSV, in the staff chat.
	group := models.Chat{ID: staffChat, Type: models.ChatTypeSupergroup, Title: "Staff"}
	h.srv.PushGroupText(staff.u, group, "/attendees attend_test --csv")
	gm := h.messages(staffChat, 2)
	if gm[1].Document == nil || !strings.HasSuffix(gm[1].Document.Name, ".csv") {
		t.Fatalf("staff chat: %+v", gm)
	}
	records, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(gm[1].Document.Data, []byte("\ufeff")))).ReadAll()
	if err != nil || len(records) != 3 || records[0][5] != "Họ và tên" {
		t.Errorf("csv: %v %v", records, err)
	}
	// The wizard is a conversation: in the staff chat, staff are sent to the private chat.
	h.srv.PushGroupText(staff.u, group, "/newevent")
	if got := h.messages(staffChat, 3)[2].Text; got != h.content.T("vi", "staff.event.private") {
		t.Errorf("/newevent in the staff chat: got %q", got)
	}
	// Personal data stays out of other groups.
	other := models.Chat{ID: -7800, Type: models.ChatTypeSupergroup, Title: "Students"}
	h.srv.PushGroupText(staff.u, other, "/attendees@huunghi_bot attend_test")
	if got := h.messages(other.ID, 1)[0]; got.Document != nil || got.Text != h.content.T("vi", "staff.private_only") {
		t.Errorf("in another group: %+v", got)
	}
	if got := staff.send("/attendees nope").Text; got != h.content.T("vi", "staff.event.unknown", "id", "nope") {
		t.Errorf("unknown event: %q", got)
	}
}

func TestStaffEvents_NotForOthers(t *testing.T) {
	t.Parallel()
	h := staffEventsHarness(t, nil)
	u := &applicant{h: h, u: user(9501, "en")}
	join(t, h, u.u, "cancel_test")
	for _, cmd := range []string{"/newevent", "/editevent move_test", "/cancelevent cancel_test", "/attendees cancel_test"} {
		if got := u.send(cmd).Text; got != h.content.T("en", "command.unknown") {
			t.Errorf("%s by a user: got %q, want the unknown-command answer", cmd, got)
		}
	}
	// A forged confirmation button does nothing either.
	h.srv.PushCallback(u.u, u.last(), "sev:cx:cancel_test")
	u.settle()
	answers := h.srv.Answers()
	if got := answers[len(answers)-1].Params["text"]; got != h.content.T("en", "button.expired") {
		t.Errorf("forged staff button: got %q", got)
	}
	if st, err := h.store().EventState(context.Background(), "cancel_test"); err != nil || !st.Cancelled.IsZero() {
		t.Errorf("the event after a forged tap: %+v %v", st, err)
	}
}
