package bot_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/go-redis/redis_rate/v10"
	"github.com/go-telegram/bot/models"

	"github.com/ufo-thanhhoa/huunghi/bot"
	"github.com/ufo-thanhhoa/huunghi/bot/broadcast"
	"github.com/ufo-thanhhoa/huunghi/bot/store"
	"github.com/ufo-thanhhoa/huunghi/bot/telegramtest"
)

// Staff make broadcasts in the chat (/broadcast), follow them (/broadcasts, the figures message) and cancel
// them; people stop them with one tap or choose topics in /settings. The staff member is 900 (STAFF_IDS),
// in English.

// broadcastHarness runs the bot with a staff member's many messages to one chat not paced at Telegram's
// 1 msg/s a chat.
func broadcastHarness(t *testing.T, env map[string]string) *harness {
	return newHarness(t, env, bot.WithSendLimits(redis_rate.PerSecond(1000), redis_rate.PerSecond(1000)))
}

// people start the bot, one per language code given, with ids from 1001.
func people(h *harness, langs ...string) []*applicant {
	var out []*applicant
	for i, l := range langs {
		a := &applicant{h: h, u: user(int64(1001+i), l)}
		a.send("/start")
		out = append(out, a)
	}
	return out
}

var broadcastIDRE = regexp.MustCompile(`\bb\d+\b`)

// broadcastOne makes a broadcast with one version for all through the wizard: the audience buttons
// pressed in order, then text, then Send now. It returns the broadcast's id.
func (a *applicant) broadcastOne(audience []string, text string) string {
	a.h.t.Helper()
	a.send("/broadcast")
	for _, p := range audience {
		a.press(p)
	}
	a.press("bcw:v:one")
	a.send(text)
	a.press("bcw:go")
	id := a.madeBroadcast()
	if want := a.h.content.T("en", "broadcast.w.sending", "id", id); id == "" || !a.saw(want) {
		a.h.t.Fatalf("after Send now: want %q in %+v", want, a.h.srv.Messages(a.u.ID))
	}
	return id
}

// figuresDone waits for the figures message of broadcast id, in the staff member's chat, to say it is
// done, and returns it.
func (a *applicant) figuresDone(id string) telegramtest.Message {
	a.h.t.Helper()
	done := a.h.content.T("en", "broadcast.state.done")
	var got telegramtest.Message
	if !a.h.srv.Wait(func() bool {
		for _, m := range a.h.srv.Messages(a.u.ID) {
			if strings.HasPrefix(m.Text, "📣 Broadcast "+id+" ") && strings.Contains(m.Text, ": "+done+"\n") {
				got = m
				return true
			}
		}
		return false
	}, wait) {
		a.h.t.Fatalf("the figures of %s never said done; chat: %v", id, a.h.srv.Messages(a.u.ID))
	}
	return got
}

// buttonText is the label of the message's button with data, "" when it has none.
func buttonText(m telegramtest.Message, data string) string {
	for _, row := range m.Buttons {
		for _, b := range row {
			if b.Data == data {
				return b.Text
			}
		}
	}
	return ""
}

// utf16Len is a string's length as Telegram counts entity offsets.
func utf16Len(s string) int { return len(utf16.Encode([]rune(s))) }

func TestBroadcastChat_EachLanguageGetsItsVersion(t *testing.T) {
	t.Parallel()
	h := broadcastHarness(t, nil)
	staff := &applicant{h: h, u: user(900, "en")}
	staff.send("/start")
	ppl := people(h, "vi", "lo", "en", "lo")
	vi, lo, en, lo2 := ppl[0], ppl[1], ppl[2], ppl[3]
	before := map[int64]int{}
	for _, p := range ppl {
		before[p.u.ID] = p.count()
	}

	staff.send("/broadcast")
	if got := staff.last().Text; got != h.content.T("en", "broadcast.w.audience") {
		t.Fatalf("/broadcast: got %q", got)
	}
	// Readers of Lao: the reach counts the two Lao users only.
	staff.press("bcw:k:lang")
	staff.press("bcw:l:lo")
	reach := func(audience, n string) string {
		return h.content.T("en", "broadcast.w.reach", "audience", audience, "recipients", n, "unreachable", "0", "opted_out", "0")
	}
	laoReaders := h.content.T("en", "broadcast.aud.lang", "lang", h.content.T("lo", "lang.name"))
	if got, want := staff.last().Text, reach(laoReaders, "2")+"\n\n"+h.content.T("en", "broadcast.w.versions"); got != want {
		t.Errorf("reach of lang:lo: got %q, want %q", got, want)
	}
	// Back to the audiences, and everyone: the four people and the staff member.
	staff.press("bcw:back")
	staff.press("bcw:k:all")
	if got := staff.last().Text; !strings.HasPrefix(got, reach(h.content.T("en", "broadcast.aud.all"), "5")) {
		t.Errorf("reach of all: got %q", got)
	}
	staff.press("bcw:v:each")
	// English first (the staff member's language); a sticker is refused and the question asked again.
	askEN := h.content.T("en", "broadcast.w.ask_lang", "language", h.content.T("en", "lang.name"), "code", "en")
	if got := staff.last().Text; got != askEN {
		t.Fatalf("first version: got %q, want %q", got, askEN)
	}
	n := staff.count()
	h.srv.PushSticker(staff.u)
	staff.wait(n + 1)
	staff.settle()
	if got, want := staff.last().Text, h.content.T("en", "broadcast.w.content_only")+"\n\n"+askEN; got != want {
		t.Errorf("a sticker: got %q, want %q", got, want)
	}
	staff.send("New scholarships are open.")
	// A restart loses nothing of the draft; the other languages follow in the content's order.
	h.restart()
	bold := "Học bổng mới"
	viText := bold + ": hạn nộp 30/06."
	loCaption := "ທຶນການສຶກສາໃໝ່ເປີດຮັບສະໝັກແລ້ວ"
	order := []string{"en"}
	for i, l := range h.content.Langs {
		if l == "en" {
			continue
		}
		order = append(order, l)
		ask := h.content.T("en", "broadcast.w.ask_lang", "language", h.content.T(l, "lang.name"), "code", l)
		if i == 1 {
			staff.send("/broadcast") // after the restart: the draft is taken up where it was
		}
		if got := staff.last().Text; got != ask {
			t.Fatalf("version %s: got %q, want %q", l, got, ask)
		}
		n := staff.count()
		switch l {
		case "vi":
			h.srv.PushFormatted(staff.u, viText, []models.MessageEntity{{Type: models.MessageEntityTypeBold, Offset: 0, Length: utf16Len(bold)}})
		case "lo":
			h.srv.PushPhoto(staff.u, loCaption)
		default:
			h.srv.PushText(staff.u, "Neue Stipendien sind ausgeschrieben ("+l+").")
		}
		staff.wait(n + 1)
		staff.settle()
	}
	// The preview: an intro and the message for each language, then the reach with Send now / Schedule /
	// Cancel.
	msgs := h.srv.Messages(staff.u.ID)
	last := 2 * len(order) // the intros and messages, then the reach
	if len(msgs) < last+1 {
		t.Fatalf("preview: %v", msgs)
	}
	pv := msgs[len(msgs)-last-1:]
	shown := map[string]telegramtest.Message{}
	for i, l := range order {
		if want := h.content.T("en", "broadcast.w.preview", "language", h.content.T(l, "lang.name")); pv[2*i].Text != want {
			t.Errorf("preview intro %d: got %q, want %q", i, pv[2*i].Text, want)
		}
		shown[l] = pv[2*i+1]
		if b := pv[2*i+1].Buttons; len(b) != 1 || b[0][0].Text != h.content.T(l, "broadcast.stop") || b[0][0].Data != "bcw:nop" {
			t.Errorf("%s preview's stop button: %v, want the reader's label on a button that does nothing here", l, b)
		}
	}
	if shown["en"].Text != "New scholarships are open." {
		t.Errorf("English preview: %+v", shown["en"])
	}
	if m := shown["vi"]; m.Text != viText || len(m.Entities) != 1 || m.Entities[0].Type != models.MessageEntityTypeBold {
		t.Errorf("Vietnamese preview: %+v", m)
	}
	if m := shown["lo"]; m.Photo == "" || m.Text != loCaption {
		t.Errorf("Lao preview: %+v", m)
	}
	if !hasButton(pv[last], "bcw:go") || !hasButton(pv[last], "bcw:at") || !hasButton(pv[last], "bcw:x") {
		t.Errorf("after the preview: %+v", pv[last])
	}
	staff.press("bcw:go")
	id := staff.madeBroadcast()
	if id == "" {
		t.Fatalf("Send now: %+v", staff.h.srv.Messages(staff.u.ID))
	}
	figures := staff.figuresDone(id)
	if !strings.Contains(figures.Text, "Recipients: 5 · sent 5 ") || len(figures.Buttons) != 0 {
		t.Errorf("final figures: %q %v", figures.Text, figures.Buttons)
	}
	// Each person got their language's version, with the stop button in their language.
	got := func(a *applicant) telegramtest.Message {
		m := a.wait(before[a.u.ID] + 1)
		if len(m) != before[a.u.ID]+1 {
			t.Errorf("user %d got %d messages, want 1", a.u.ID, len(m)-before[a.u.ID])
		}
		return m[len(m)-1]
	}
	if m := got(vi); m.Text != viText || len(m.Entities) != 1 || m.Entities[0].Length != utf16Len(bold) ||
		!hasButton(m, "bcs:all") || m.Buttons[0][0].Text != h.content.T("vi", "broadcast.stop") {
		t.Errorf("Vietnamese reader: %+v", m)
	}
	for _, a := range []*applicant{lo, lo2} {
		if m := got(a); m.Photo != shown["lo"].Photo || m.Text != loCaption || !hasButton(m, "bcs:all") ||
			m.Buttons[0][0].Text != h.content.T("lo", "broadcast.stop") {
			t.Errorf("Lao reader %d: %+v", a.u.ID, m)
		}
	}
	if m := got(en); m.Text != "New scholarships are open." || !hasButton(m, "bcs:all") {
		t.Errorf("English reader: %+v", m)
	}
}

func TestBroadcastChat_ScheduledWaitsForItsTime(t *testing.T) {
	t.Parallel()
	h := broadcastHarness(t, nil)
	staff := &applicant{h: h, u: user(900, "en")}
	staff.send("/start")
	p := people(h, "lo")[0]
	before := p.count()

	staff.send("/broadcast")
	staff.press("bcw:k:all")
	staff.press("bcw:v:one")
	staff.send("Bunpimay gathering on Saturday.")
	staff.press("bcw:at")
	example := "13/05/2031 09:00" // tomorrow at 09:00 on the harness's clock
	if got := staff.last().Text; got != h.content.T("en", "broadcast.w.ask_when", "zone", "Asia/Ho_Chi_Minh", "example", example) {
		t.Errorf("Schedule asks: %q", got)
	}
	for _, bad := range []struct{ typed, key string }{
		{"next saturday", "broadcast.w.bad_when"},
		{"31/02/2031 10:00", "broadcast.w.bad_when"},
		{"11/05/2031 09:00", "broadcast.w.past"},
	} {
		want := h.content.T("en", bad.key, "example", example)
		if got := staff.send(bad.typed).Text; !strings.HasPrefix(got, want+"\n\n") {
			t.Errorf("%q: got %q, want %q and the question again", bad.typed, got, want)
		}
	}
	reply := staff.send("12/05/2031 12:00").Text
	id := broadcastIDRE.FindString(reply)
	if id == "" || !strings.Contains(reply, "12:00") {
		t.Fatalf("scheduled: %q", reply)
	}
	// /broadcasts lists it, scheduled, with a Cancel button.
	list := staff.send("/broadcasts")
	if !strings.Contains(list.Text, id+" · "+h.content.T("en", "broadcast.aud.all")+" · "+h.content.T("en", "broadcast.state.scheduled")) ||
		!hasButton(list, "bc:x:"+id) {
		t.Errorf("/broadcasts: %q %v", list.Text, list.Buttons)
	}
	h.idle()
	if rec, err := h.store().GetBroadcast(context.Background(), id); err != nil || rec.State != store.BroadcastScheduled {
		t.Fatalf("before its time: %+v %v", rec.State, err)
	}
	if n := p.count(); n != before {
		t.Fatalf("sent before its time: %v", h.srv.Messages(p.u.ID)[before:])
	}
	h.moveClock(time.Date(2031, 5, 12, 12, 0, 5, 0, hcm))
	if m := p.wait(before + 1)[before]; m.Text != "Bunpimay gathering on Saturday." {
		t.Errorf("at its time: %+v", m)
	}
	staff.figuresDone(id)
}

func TestBroadcastChat_StopButtonAndCancel(t *testing.T) {
	t.Parallel()
	h := broadcastHarness(t, nil)
	staff := &applicant{h: h, u: user(900, "en")}
	staff.send("/start")
	ppl := people(h, "lo", "vi")
	lo, vi := ppl[0], ppl[1]

	id := staff.broadcastOne([]string{"bcw:k:all"}, "First news.")
	done := staff.figuresDone(id)
	// A Cancel tapped on the figures once it is done (a stale button): it is over, and the figures stay.
	answers0 := len(h.srv.Answers())
	h.srv.PushCallback(staff.u, done, "bc:x:"+id)
	if !h.srv.Wait(func() bool { return len(h.srv.Answers()) > answers0 }, wait) {
		t.Fatal("the stale Cancel was not answered")
	}
	staff.settle()
	if a := h.srv.Answers(); a[len(a)-1].Params["text"] != h.content.T("en", "broadcast.over") {
		t.Errorf("stale Cancel: %v", a[len(a)-1].Params)
	}
	if got := staff.byID(done.ID); got.Text != done.Text {
		t.Errorf("the figures became %q", got.Text)
	}
	// The Lao reader taps the stop button: a toast, and how to turn announcements back on.
	m := lo.last()
	answers := len(h.srv.Answers())
	n := lo.count()
	h.srv.PushCallback(lo.u, m, "bcs:all")
	lo.wait(n + 1)
	lo.settle()
	if got := lo.last().Text; got != h.content.T("lo", "broadcast.stopped") {
		t.Errorf("after stop: got %q", got)
	}
	if a := h.srv.Answers(); len(a) <= answers || a[len(a)-1].Params["text"] != h.content.T("lo", "broadcast.stopped_toast") {
		t.Errorf("stop toast: %v", a[answers:])
	}
	loCount, viCount := lo.count(), vi.count()
	id2 := staff.broadcastOne([]string{"bcw:k:all"}, "Second news.")
	figures := staff.figuresDone(id2)
	if !strings.Contains(figures.Text, "Turned broadcasts off: 1") {
		t.Errorf("figures: %q", figures.Text)
	}
	if got := vi.wait(viCount + 1)[viCount].Text; got != "Second news." {
		t.Errorf("vi reader: %q", got)
	}
	if lo.count() != loCount {
		t.Errorf("the reader who stopped got %v", h.srv.Messages(lo.u.ID)[loCount:])
	}
	// /settings turns them back on.
	lo.send("/settings")
	lo.press("set:on")
	if got := lo.last().Text; got != h.content.T("lo", "settings.text", "state", h.content.T("lo", "settings.on"))+"\n\n"+h.content.T("lo", "settings.topics") {
		t.Errorf("settings after on: %q", got)
	}

	// A scheduled broadcast cancelled from /broadcasts never goes out.
	staff.send("/broadcast")
	staff.press("bcw:k:all")
	staff.press("bcw:v:one")
	staff.send("Third news.")
	staff.press("bcw:at")
	id3 := broadcastIDRE.FindString(staff.send("12/05/2031 15:00").Text)
	list := staff.send("/broadcasts")
	answers = len(h.srv.Answers())
	staff.press("bc:x:" + id3)
	if a := h.srv.Answers(); len(a) <= answers || a[len(a)-1].Params["text"] != h.content.T("en", "broadcast.cancelled") {
		t.Errorf("cancel toast: %v", a[answers:])
	}
	edited := staff.byID(list.ID)
	if !strings.Contains(edited.Text, id3+" · "+h.content.T("en", "broadcast.aud.all")+" · "+h.content.T("en", "broadcast.state.cancelled")) ||
		hasButton(edited, "bc:x:"+id3) {
		t.Errorf("the list after cancel: %q %v", edited.Text, edited.Buttons)
	}
	// Cancelling again says it is over.
	h.srv.PushCallback(staff.u, list, "bc:x:"+id3)
	staff.settle()
	if a := h.srv.Answers(); a[len(a)-1].Params["text"] != h.content.T("en", "broadcast.over") {
		t.Errorf("second cancel: %v", a[len(a)-1].Params)
	}
	loCount, viCount = lo.count(), vi.count()
	h.moveClock(time.Date(2031, 5, 12, 15, 0, 5, 0, hcm))
	id4 := staff.broadcastOne([]string{"bcw:k:all"}, "Fourth news.")
	staff.figuresDone(id4) // later than id3's time: the worker has passed it
	for _, a := range []*applicant{lo, vi} {
		msgs := a.wait(a.count())
		var texts []string
		for _, m := range msgs[map[int64]int{lo.u.ID: loCount, vi.u.ID: viCount}[a.u.ID]:] {
			texts = append(texts, m.Text)
		}
		if strings.Join(texts, "|") != "Fourth news." {
			t.Errorf("user %d got %q, want only the fourth news", a.u.ID, texts)
		}
	}
}

func TestBroadcastChat_TopicReachesSubscribersOnly(t *testing.T) {
	t.Parallel()
	h := broadcastHarness(t, nil)
	staff := &applicant{h: h, u: user(900, "en")}
	staff.send("/start")
	ppl := people(h, "lo", "vi")
	sub, other := ppl[0], ppl[1]

	page := sub.send("/settings")
	if !strings.HasPrefix(buttonText(page, "set:t:scholarships"), "▫️ ") {
		t.Fatalf("/settings: %q %v", page.Text, page.Buttons)
	}
	sub.press("set:t:scholarships")
	if edited := sub.byID(page.ID); !edited.Edited || !strings.HasPrefix(buttonText(edited, "set:t:scholarships"), "✅ ") {
		t.Errorf("after the toggle, the page in place: %v", edited.Buttons)
	}
	topic, _ := h.content.NewsTopic("scholarships")
	if got, want := sub.send("/mydata").Text, h.content.T("lo", "mydata.announcements", "state", h.content.T("lo", "settings.on"),
		"topics", topic.NameIn("lo")); !strings.Contains(got, want) {
		t.Errorf("/mydata: %q, want it to contain %q", got, want)
	}
	subCount, otherCount := sub.count(), other.count()
	staff.send("/broadcast")
	staff.press("bcw:k:topic")
	staff.press("bcw:t:scholarships")
	if got := staff.last().Text; !strings.Contains(got, ": 1 people") {
		t.Errorf("reach of the topic: %q", got)
	}
	staff.press("bcw:v:one")
	staff.send("Scholarship call.")
	staff.press("bcw:go")
	id := staff.madeBroadcast()
	staff.figuresDone(id)
	m := sub.wait(subCount + 1)[subCount]
	if m.Text != "Scholarship call." || !hasButton(m, "bcs:t:scholarships") || m.Buttons[0][0].Text != h.content.T("lo", "broadcast.stop_topic") {
		t.Errorf("subscriber: %+v", m)
	}
	if other.count() != otherCount {
		t.Errorf("a non-subscriber got %v", h.srv.Messages(other.u.ID)[otherCount:])
	}
	// Unsubscribing from the topic with the button under it.
	n := sub.count()
	h.srv.PushCallback(sub.u, m, "bcs:t:scholarships")
	sub.wait(n + 1)
	sub.settle()
	if on, err := h.store().Subscribed(context.Background(), sub.u.ID, "scholarships"); err != nil || on {
		t.Errorf("still subscribed: %v %v", on, err)
	}
	// The menu's Settings opens the same page.
	sub.send("/menu")
	sub.press("menu:settings")
	if got := sub.last(); !strings.HasPrefix(buttonText(got, "set:t:scholarships"), "▫️ ") || !hasButton(got, "set:off") {
		t.Errorf("settings after unsubscribing: %q %v", got.Text, got.Buttons)
	}
}

func TestBroadcastChat_NotForUsers(t *testing.T) {
	t.Parallel()
	h := broadcastHarness(t, map[string]string{"STAFF_CHAT_ID": "-100200"})
	u := people(h, "en")[0]
	for _, cmd := range []string{"/broadcast", "/broadcasts"} {
		if got := u.send(cmd).Text; got != h.content.T("en", "command.unknown") {
			t.Errorf("%s by a user: got %q", cmd, got)
		}
	}
	if _, err := h.store().GetSession(context.Background(), u.u.ID); err == nil {
		t.Error("a user's /broadcast started a draft")
	}
	// Staff in the staff chat are sent to the private chat, with a button to it.
	staff := &applicant{h: h, u: user(900, "en")}
	group := models.Chat{ID: -100200, Type: models.ChatTypeSupergroup, Title: "Staff"}
	h.srv.PushGroupText(staff.u, group, "/broadcast")
	if got := h.messages(group.ID, 1)[0]; got.Text != h.content.T("vi", "broadcast.w.private") || len(got.Buttons) != 1 || got.Buttons[0][0].URL == "" {
		t.Errorf("/broadcast in the staff chat: %+v", got)
	}
}

func TestBroadcastChat_ProgrammeApplicants(t *testing.T) {
	t.Parallel()
	h := broadcastHarness(t, nil)
	staff := &applicant{h: h, u: user(900, "en")}
	staff.send("/start")
	applied := &applicant{h: h, u: user(2100, "lo"), prog: exchange}
	applied.send("/start reg_" + exchange)
	applied.complete("lo")
	reg, err := h.store().GetRegistration(context.Background(), exchange, applied.u.ID)
	if err != nil {
		t.Fatal(err)
	}
	bystander := people(h, "lo")[0]
	p, _ := h.content.Programme(exchange)

	reachOf := func(status string) string {
		staff.press("bcw:k:programme")
		staff.press("bcw:p:" + exchange)
		if got := staff.last().Text; got != h.content.T("en", "broadcast.w.pick_status", "programme", p.TitleIn("en")) {
			t.Errorf("statuses: %q", got)
		}
		staff.press("bcw:ps:" + exchange + ":" + status)
		return staff.last().Text
	}
	staff.send("/broadcast")
	for _, status := range []string{store.StatusRegistered, store.StatusWaitlist} {
		n := "0"
		if reg.Status == status {
			n = "1"
		}
		audience := h.content.T("en", "broadcast.aud.programme", "programme", p.TitleIn("en")) + " (" + h.content.T("en", "broadcast.status."+status) + ")"
		if got := reachOf(status); !strings.HasPrefix(got, "📣 To "+audience+": "+n+" people") {
			t.Errorf("reach of %s: got %q, want %s of %s", status, got, n, audience)
		}
		staff.press("bcw:back")
	}
	if got := reachOf("all"); !strings.Contains(got, ": 1 people") {
		t.Errorf("reach of all applicants: %q", got)
	}
	staff.press("bcw:v:one")
	// Too long for Telegram: refused with the count, and asked again.
	long := strings.Repeat("ສ", 4100)
	want := h.content.T("en", "broadcast.w.too_long", "what", h.content.T("en", "broadcast.w.text"), "n", "4100", "max", "4096")
	if got := staff.send(long).Text; !strings.HasPrefix(got, want+"\n\n"+h.content.T("en", "broadcast.w.ask_all")) {
		t.Errorf("a text too long: got %q", got)
	}
	before, others := applied.count(), bystander.count()
	staff.send("Interviews on Monday.")
	staff.press("bcw:go")
	staff.figuresDone(staff.madeBroadcast())
	if got := applied.wait(before + 1)[before].Text; got != "Interviews on Monday." {
		t.Errorf("applicant: %q", got)
	}
	if bystander.count() != others {
		t.Errorf("someone who did not apply got %v", h.srv.Messages(bystander.u.ID)[others:])
	}
}

// madeBroadcast is the id the bot's last "on its way" or "scheduled" answer gives. The staff member may be in
// the audience too, and by the time the bot is idle their own copy of the broadcast follows that answer.
func (a *applicant) madeBroadcast() string {
	msgs := a.h.srv.Messages(a.u.ID)
	for i := len(msgs) - 1; i >= 0; i-- {
		if id := broadcastIDRE.FindString(msgs[i].Text); id != "" && buttonWith(msgs[i], broadcast.StopButtons.Prefix()) == "" {
			return id
		}
	}
	return ""
}

// saw reports whether the bot sent the chat a message reading text.
func (a *applicant) saw(text string) bool {
	for _, m := range a.h.srv.Messages(a.u.ID) {
		if m.Text == text {
			return true
		}
	}
	return false
}

// TestBroadcastChat_ScopedStaffAddressTheirsOnly: a staff member limited to one programme (/team) is
// offered only programmes and events, only theirs, and a forged tap for everyone is refused.
func TestBroadcastChat_ScopedStaffAddressTheirsOnly(t *testing.T) {
	t.Parallel()
	h := broadcastHarness(t, nil)
	mine, theirs := h.content.Programmes[0], h.content.Programmes[1]
	admin := &applicant{h: h, u: user(900, "en")}
	officer := &applicant{h: h, u: user(7731, "en")}
	officer.send("/start")
	admin.send("/team add 7731 " + mine.ID)
	kinds := officer.send("/broadcast")
	if hasButton(kinds, "bcw:k:all") || hasButton(kinds, "bcw:k:lang") || !hasButton(kinds, "bcw:k:programme") {
		t.Fatalf("kinds offered to a scoped officer: %v", buttonData(kinds))
	}
	officer.press("bcw:k:programme")
	list := officer.last()
	if !hasButton(list, "bcw:p:"+mine.ID) || hasButton(list, "bcw:p:"+theirs.ID) {
		t.Fatalf("programmes offered: %v", buttonData(list))
	}
	h.srv.PushCallback(officer.u, list, "bcw:k:all")
	officer.settle()
	if got := officer.last().Text; got != h.content.T("en", "staff.scope.button") {
		t.Fatalf("forged everyone: %q", got)
	}
	if _, err := h.store().GetBroadcast(context.Background(), "b1"); err != store.ErrNotFound {
		t.Fatalf("a broadcast was made: %v", err)
	}
}
