package bot_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"
	"github.com/go-telegram/bot/models"

	"github.com/ufo-thanhhoa/huunghi/bot"
	"github.com/ufo-thanhhoa/huunghi/bot/store"
	"github.com/ufo-thanhhoa/huunghi/bot/telegramtest"
)

// eventFile is a test event in the file format, starting at start (local time in the harness's
// BOT_TIMEZONE, Asia/Ho_Chi_Minh) and lasting three hours. extra is appended as YAML.
func eventFile(id string, start time.Time, extra string) string {
	start = start.In(hcm)
	return fmt.Sprintf(`id: %[1]s
title: {vi: "Gặp mặt %[1]s", lo: "ງານພົບປະ %[1]s", en: "Gathering %[1]s", de: "Gathering %[1]s"}
description: {vi: "Mô tả.", lo: "ລາຍລະອຽດ.", en: "What happens.", de: "What happens."}
place: {vi: "Hội trường A", lo: "ຫໍປະຊຸມ A", en: "Hall A", de: "Hall A"}
starts: "%[2]s"
ends: "%[3]s"
signup: true
%[4]s
`, id, start.Format("2006-01-02T15:04"), start.Add(3*time.Hour).Format("2006-01-02T15:04"), extra)
}

// eventsHarness starts the bot with the given event files (id → YAML) over the shipped content.
func eventsHarness(t *testing.T, env map[string]string, files map[string]string, opts ...bot.Option) *harness {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "events"), 0o755); err != nil {
		t.Fatal(err)
	}
	for id, src := range files {
		if err := os.WriteFile(filepath.Join(dir, "events", id+".yaml"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if env == nil {
		env = map[string]string{}
	}
	env["CONTENT_DIR"] = dir
	return newHarness(t, env, opts...)
}

// reminders returns the reminders a chat received: their text starts with the alarm clock, and they open
// their event (the /reminders page has the clock too, and no such button).
func reminders(h *harness, chat int64) []telegramtest.Message {
	var out []telegramtest.Message
	for _, m := range h.srv.Messages(chat) {
		if strings.HasPrefix(m.Text, "⏰") && buttonWith(m, "ev:v:") != "" {
			out = append(out, m)
		}
	}
	return out
}

// remind moves the bot's clock to at and runs the reminders job as its schedule would in that minute, then
// waits until the lanes are empty: whatever was due is delivered (or dropped) after it.
func remind(t *testing.T, h *harness, at time.Time) {
	t.Helper()
	h.moveClock(at)
	if err := h.app.RunJob(context.Background(), "reminders"); err != nil {
		t.Fatal(err)
	}
	h.idle()
}

// signUp opens the event by its poster link and taps Sign up; it returns the confirmation.
func signUp(t *testing.T, a *applicant, id string) telegramtest.Message {
	t.Helper()
	card := a.send("/start event_" + id)
	if !hasButton(card, "ev:s:"+id) {
		t.Fatalf("card of %s has no Sign up: %q %v", id, card.Text, buttonData(card))
	}
	n := a.count()
	a.press("ev:s:" + id)
	msgs := a.wait(n + 1)
	return msgs[len(msgs)-1]
}

func TestEvents_SignUpCalendarAndRemindersOnce(t *testing.T) {
	t.Parallel()
	start := time.Date(2031, 5, 15, 8, 0, 0, 0, hcm) // 70 hours after testNow: the 72h reminder is already past
	h := eventsHarness(t, nil, map[string]string{"spring_meet": eventFile("spring_meet", start, "capacity: 10")})
	a := &applicant{h: h, u: user(3100, "en")}
	list := a.send("/events")
	if !strings.Contains(list.Text, "Gathering spring_meet") || !strings.Contains(list.Text, "Thu 15/05/2031, 08:00–11:00 (GMT+7)") ||
		!hasButton(list, "ev:v:spring_meet") {
		t.Fatalf("/events: %q %v", list.Text, buttonData(list))
	}
	a.press("ev:v:spring_meet")
	card := h.srv.Messages(a.u.ID)[len(h.srv.Messages(a.u.ID))-1]
	for _, want := range []string{"Gathering spring_meet", "📍 Hall A", "Places left: 10 of 10", "What happens."} {
		if !strings.Contains(card.Text, want) {
			t.Errorf("card lacks %q: %q", want, card.Text)
		}
	}
	got := signUp(t, a, "spring_meet")
	if !strings.Contains(got.Text, "You are signed up for Gathering spring_meet") || !strings.Contains(got.Text, "1 day and 2 hours before") {
		t.Errorf("confirmation: %q", got.Text)
	}
	n := a.count()
	a.press("ev:s:spring_meet") // the card's Sign up tapped again
	if again := a.wait(n + 1)[n]; !strings.Contains(again.Text, "already signed up") {
		t.Errorf("second tap: %q", again.Text)
	}

	// The calendar file: RFC 5545, the start in UTC equal to 08:00 in Asia/Ho_Chi_Minh, one alarm per reminder.
	n = a.count()
	a.press("ev:ics:spring_meet")
	doc := a.wait(n + 1)[n].Document
	if doc == nil || doc.Name != "spring_meet.ics" {
		t.Fatalf("no calendar file: %+v", doc)
	}
	cal, err := ics.ParseCalendar(bytes.NewReader(doc.Data))
	if err != nil {
		t.Fatal(err)
	}
	ev := cal.Events()[0]
	if s, err := ev.GetStartAt(); err != nil || !s.Equal(start) || !strings.Contains(string(doc.Data), "DTSTART:20310515T010000Z") {
		t.Errorf("DTSTART %v (%v), want %v", s, err, start.UTC())
	}
	if len(ev.Alarms()) != 3 || ev.Id() != "spring_meet@huunghi.bot" {
		t.Errorf("alarms %d, uid %q", len(ev.Alarms()), ev.Id())
	}

	// Reminders: the 24h one at 08:00 the day before, once, however often the job runs; then the 2h one.
	remind(t, h, start.Add(-24*time.Hour-time.Minute))
	if got := reminders(h, a.u.ID); len(got) != 0 {
		t.Fatalf("reminded a minute early: %q", got[0].Text)
	}
	remind(t, h, start.Add(-24*time.Hour))
	remind(t, h, start.Add(-24*time.Hour+time.Minute))
	h.restart() // the catch-up at start finds nothing more to send
	h.idle()
	got24 := reminders(h, a.u.ID)
	if len(got24) != 1 || !strings.Contains(got24[0].Text, "Gathering spring_meet starts in 1 day") || !strings.Contains(got24[0].Text, "📍 Hall A") {
		t.Fatalf("24h reminder: %d %v", len(got24), got24)
	}
	if !hasButton(got24[0], "rem:off:spring_meet") || !hasButton(got24[0], "ev:v:spring_meet") {
		t.Errorf("reminder buttons: %v", buttonData(got24[0]))
	}
	remind(t, h, start.Add(-2*time.Hour))
	if got := reminders(h, a.u.ID); len(got) != 2 || !strings.Contains(got[1].Text, "starts in 2 hours") {
		t.Fatalf("2h reminder: %v", got)
	}
	if n, err := h.store().PendingReminders(context.Background()); err != nil || n != 0 {
		t.Errorf("pending reminders after the last: %d %v", n, err)
	}
}

// After downtime, a reminder whose time passed while the event is still ahead is sent late with a true
// "starts in"; one made pointless by a later one also due is not; and it is in the language the person
// has when it is sent.
func TestEvents_LateRemindersAfterDowntime(t *testing.T) {
	t.Parallel()
	start := time.Date(2031, 5, 20, 9, 0, 0, 0, hcm)
	h := eventsHarness(t, nil, map[string]string{"late_meet": eventFile("late_meet", start, "reminders: [72h, 24h, 2h]")})
	a := &applicant{h: h, u: user(3200, "en")}
	signUp(t, a, "late_meet")
	a.send("/language")
	a.press("lang:lo")
	h.stop()
	h.clock.Set(start.Add(-20 * time.Hour)) // down from before the 72h reminder until after the 24h one
	h.start()
	h.idle()
	got := reminders(h, a.u.ID)
	if len(got) != 1 {
		t.Fatalf("after downtime %d reminders: %v", len(got), got)
	}
	if want := h.content.T("lo", "dur.hours", "n", "20"); !strings.Contains(got[0].Text, want) || !strings.Contains(got[0].Text, "ງານພົບປະ late_meet") {
		t.Errorf("late reminder %q, want Lao with %q", got[0].Text, want)
	}
	// Past events' reminders are dropped: none after the start, even for a reminder still scheduled.
	remind(t, h, start.Add(time.Minute))
	if got := reminders(h, a.u.ID); len(got) != 1 {
		t.Errorf("reminded after the start: %v", got[len(got)-1].Text)
	}
}

func TestEvents_RemindersOffAndOn(t *testing.T) {
	t.Parallel()
	start := time.Date(2031, 5, 16, 18, 30, 0, 0, hcm)
	h := eventsHarness(t, nil, map[string]string{"evening": eventFile("evening", start, "reminders: [48h, 24h, 90m]")})
	a := &applicant{h: h, u: user(3300, "en")}
	signUp(t, a, "evening")
	page := a.send("/reminders")
	if !strings.Contains(page.Text, "Gathering evening") || !strings.Contains(page.Text, "2 days, 1 day and 90 minutes") {
		t.Fatalf("/reminders: %q", page.Text)
	}
	a.press("rem:off:evening")
	remind(t, h, start.Add(-48*time.Hour))
	if got := reminders(h, a.u.ID); len(got) != 0 {
		t.Fatalf("reminded with reminders off: %q", got[0].Text)
	}
	a.send("/reminders")
	a.press("rem:on:evening")
	remind(t, h, start.Add(-24*time.Hour))
	if got := reminders(h, a.u.ID); len(got) != 1 {
		t.Fatalf("after turning them on: %d reminders", len(got))
	}
	a.send("/reminders")
	a.press("rem:alloff")
	remind(t, h, start.Add(-90*time.Minute))
	if got := reminders(h, a.u.ID); len(got) != 1 {
		t.Errorf("reminded with all reminders off: %d", len(got))
	}
	if got := h.srv.Messages(a.u.ID); !strings.Contains(got[len(got)-1].Text, h.content.T("en", "reminders.all_off")) {
		t.Errorf("/reminders after all off: %q", got[len(got)-1].Text)
	}
}

func TestEvents_WaitingListCancelAndForget(t *testing.T) {
	t.Parallel()
	start := time.Date(2031, 6, 1, 8, 0, 0, 0, hcm)
	h := eventsHarness(t, nil, map[string]string{"small": eventFile("small", start, "capacity: 1")})
	ctx := context.Background()
	first := &applicant{h: h, u: user(3400, "en")}
	second := &applicant{h: h, u: user(3401, "vi")}
	signUp(t, first, "small")
	if got := signUp(t, second, "small"); !strings.HasPrefix(got.Text, "⏳") || !strings.Contains(got.Text, "Gặp mặt small") {
		t.Fatalf("second sign-up: %q", got.Text)
	}
	if my := second.send("/my"); !strings.Contains(my.Text, "Gặp mặt small") || !strings.Contains(my.Text, "Hội trường A") {
		t.Errorf("/my: %q", my.Text)
	}
	// The first cancels: the second gets the place, told in Vietnamese, and is reminded from then on.
	first.send("/start event_small")
	first.press("ev:w:small")
	first.press("ev:y:small")
	h.idle()
	msgs := h.srv.Messages(second.u.ID)
	if got := msgs[len(msgs)-1].Text; !strings.HasPrefix(got, "🎉") || !strings.Contains(got, "Gặp mặt small") {
		t.Fatalf("promotion notice: %q", got)
	}
	remind(t, h, start.Add(-24*time.Hour))
	if len(reminders(h, second.u.ID)) != 1 || len(reminders(h, first.u.ID)) != 0 {
		t.Fatalf("reminders: promoted %d, cancelled %d", len(reminders(h, second.u.ID)), len(reminders(h, first.u.ID)))
	}
	// /forget takes the sign-up, the settings and the scheduled reminders.
	second.send("/reminders")
	second.press("rem:alloff")
	second.send("/forget")
	second.press("forget:yes")
	st := h.store()
	if sups, err := st.UserSignups(ctx, second.u.ID); err != nil || len(sups) != 0 {
		t.Errorf("sign-ups after /forget: %v %v", sups, err)
	}
	if p, err := st.ReminderPrefs(ctx, second.u.ID); err != nil || p.AllOff {
		t.Errorf("reminder settings after /forget: %+v %v", p, err)
	}
	if n, err := st.PendingReminders(ctx); err != nil || n != 0 {
		t.Errorf("scheduled reminders after /forget: %d %v", n, err)
	}
	if held, waiting, _ := st.SignupCounts(ctx, "small"); held != 0 || waiting != 0 {
		t.Errorf("after both left: %d held, %d waiting", held, waiting)
	}
}

// A moved event's reminders move, and the people signed up are told in their language; a file change
// deployed while the bot was down is applied at start.
func TestEvents_MovedByItsFile(t *testing.T) {
	t.Parallel()
	start := time.Date(2031, 5, 18, 8, 0, 0, 0, hcm)
	h := eventsHarness(t, nil, map[string]string{"moving": eventFile("moving", start, "reminders: [24h]")})
	lo := &applicant{h: h, u: user(3500, "lo")}
	vi := &applicant{h: h, u: user(3501, "vi")}
	signUp(t, lo, "moving")
	signUp(t, vi, "moving")
	h.stop()
	later := start.AddDate(0, 0, 7)
	p, _ := h.content.Event("moving")
	moved := *p // as if staff deployed the file with a new date
	moved.StartsAt, moved.EndsAt = later.Format("2006-01-02T15:04"), later.Add(3*time.Hour).Format("2006-01-02T15:04")
	moved.Starts, moved.Ends = later, later.Add(3*time.Hour)
	for i, e := range h.content.Events {
		if e.ID == "moving" {
			h.content.Events[i] = &moved
		}
	}
	h.start()
	h.idle()
	for _, a := range []*applicant{lo, vi} {
		msgs := h.srv.Messages(a.u.ID)
		got := msgs[len(msgs)-1].Text
		when := "25/05/2031, 08:00–11:00 (GMT+7)"
		if !strings.HasPrefix(got, "📅") || !strings.Contains(got, when) || !strings.Contains(got, h.content.T(a.u.LanguageCode, "weekday.sun")) {
			t.Errorf("%s notice: %q", a.u.LanguageCode, got)
		}
	}
	remind(t, h, start.Add(-24*time.Hour))
	if n := len(reminders(h, lo.u.ID)) + len(reminders(h, vi.u.ID)); n != 0 {
		t.Fatalf("%d reminders at the old time", n)
	}
	remind(t, h, later.Add(-24*time.Hour))
	if len(reminders(h, lo.u.ID)) != 1 || len(reminders(h, vi.u.ID)) != 1 {
		t.Fatalf("at the new time: lo %d, vi %d", len(reminders(h, lo.u.ID)), len(reminders(h, vi.u.ID)))
	}
	if !strings.Contains(reminders(h, lo.u.ID)[0].Text, "ງານພົບປະ moving") {
		t.Errorf("Lao reminder: %q", reminders(h, lo.u.ID)[0].Text)
	}
}

// replica starts a second bot on the harness's Redis, fake Bot API and clock, stopped at the test's end.
func (h *harness) replica() *bot.App { h.t.Helper(); return h.replicaWith(nil) }

// replicaWith is replica with env over the harness's environment (a replica's own HTTP_ADDR, say).
func (h *harness) replicaWith(env map[string]string) *bot.App {
	h.t.Helper()
	cfg, err := bot.ParseConfig(func(k string) string {
		if v, ok := env[k]; ok {
			return v
		}
		return h.env[k]
	})
	if err != nil {
		h.t.Fatal(err)
	}
	app, err := bot.New(cfg, h.content, slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelWarn})),
		h.options()...)
	if err != nil {
		h.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- app.Run(ctx) }()
	h.t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			h.t.Errorf("replica: %v", err)
		}
	})
	return app
}

// Two replicas on one Redis, both running the reminders job and the outbox: every reminder arrives once.
func TestEvents_TwoReplicasRemindOnce(t *testing.T) {
	t.Parallel()
	start := time.Date(2031, 5, 14, 20, 0, 0, 0, hcm)
	h := eventsHarness(t, nil, map[string]string{"crowd": eventFile("crowd", start, "reminders: [24h]")})
	const people = 30
	st := h.store()
	ctx := context.Background()
	for i := range int64(people) {
		// Signed up through the store, as the bot would: the replicas' part under test is the reminders.
		if _, _, err := st.SignUp(ctx, "crowd", 3600+i, "en", nil, 0); err != nil {
			t.Fatal(err)
		}
		if _, err := st.TouchUser(ctx, 3600+i, "en"); err != nil {
			t.Fatal(err)
		}
		if err := st.ScheduleReminders(ctx, store.Reminder{Event: "crowd", UserID: 3600 + i, Offset: 24 * time.Hour, Start: start}); err != nil {
			t.Fatal(err)
		}
	}
	second := h.replica()
	h.moveClock(start.Add(-24 * time.Hour))
	done := make(chan error, 2)
	for _, app := range []interface {
		RunJob(context.Context, string) error
	}{h.app, second} {
		go func() { done <- app.RunJob(ctx, "reminders") }()
	}
	for range 2 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	h.clock.Set(start.Add(-24*time.Hour + time.Minute)) // the next minute's runs, on both, find nothing
	for _, app := range []interface {
		RunJob(context.Context, string) error
	}{h.app, second} {
		if err := app.RunJob(ctx, "reminders"); err != nil {
			t.Fatal(err)
		}
	}
	h.idle()
	for i := range int64(people) {
		if got := reminders(h, 3600+i); len(got) != 1 {
			t.Fatalf("user %d got %d reminders", 3600+i, len(got))
		}
	}
}

// In a group, /events is public content: the list and an event's card show, with nobody's sign-up on it,
// and Sign up opens the private chat on the event instead of signing anyone up in front of the group.
func TestEvents_InAGroupNothingPersonal(t *testing.T) {
	t.Parallel()
	start := time.Date(2031, 5, 30, 8, 0, 0, 0, hcm)
	h := eventsHarness(t, nil, map[string]string{"open_day": eventFile("open_day", start, "")})
	a := &applicant{h: h, u: user(3700, "en")}
	signUp(t, a, "open_day")
	group := models.Chat{ID: -3700, Type: models.ChatTypeSupergroup, Title: "Lao students"}
	h.srv.PushGroupText(a.u, group, "/events@huunghi_bot")
	list := h.messages(group.ID, 1)[0]
	if !strings.Contains(list.Text, "Gathering open_day") {
		t.Fatalf("group list: %q", list.Text)
	}
	h.srv.PushCallback(a.u, list, "ev:v:open_day")
	h.idle()
	card := h.srv.Messages(group.ID)[0]
	if strings.Contains(card.Text, "signed up") || strings.Contains(card.Text, "HN-") || !hasButton(card, "ev:s:open_day") {
		t.Errorf("group card shows a sign-up or lacks Sign up: %q %v", card.Text, buttonData(card))
	}
	answers := len(h.srv.Answers())
	h.srv.PushCallback(user(3701, "en"), card, "ev:s:open_day")
	if !h.srv.Wait(func() bool { return len(h.srv.Answers()) > answers }, wait) {
		t.Fatal("the tap in the group was not answered")
	}
	if got := h.srv.Answers()[answers].Params["url"]; got != "https://t.me/huunghi_bot?start=event_open_day" {
		t.Errorf("Sign up in a group opens %q", got)
	}
	if _, err := h.store().GetSignup(context.Background(), "open_day", 3701); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("signed up from the group: %v", err)
	}
}

// An event with a sign-up form is signed up for through the registrations' form engine: the answers are
// kept with the sign-up, and the receipt has the calendar file.
func TestEvents_SignUpForm(t *testing.T) {
	t.Parallel()
	start := time.Date(2031, 6, 7, 8, 0, 0, 0, hcm)
	form := `fields:
  - id: people
    type: number
    required: true
    min: 1
    max: 10
    prompt: {vi: "Số người", lo: "ຈຳນວນຄົນ", en: "How many people", de: "How many people"}`
	h := eventsHarness(t, nil, map[string]string{"with_form": eventFile("with_form", start, form)})
	a := &applicant{h: h, u: user(3800, "en")}
	a.send("/start event_with_form")
	a.press("ev:s:with_form")
	if p := h.srv.Messages(a.u.ID); !strings.Contains(p[len(p)-1].Text, "How many people") {
		t.Fatalf("form prompt: %q", p[len(p)-1].Text)
	}
	a.send("3")
	a.press("form:consent:yes")
	a.press("form:submit:with_form")
	msgs := h.srv.Messages(a.u.ID)
	receipt := msgs[len(msgs)-1]
	if !strings.Contains(receipt.Text, "You are signed up for Gathering with_form") || !strings.Contains(receipt.Text, "How many people: 3") ||
		!hasButton(receipt, "ev:ics:with_form") {
		t.Fatalf("receipt: %q %v", receipt.Text, buttonData(receipt))
	}
	reg, err := h.store().GetSignup(context.Background(), "with_form", a.u.ID)
	if err != nil || reg.Answers["people"] != "3" || reg.Status != store.StatusRegistered {
		t.Fatalf("sign-up %+v %v", reg, err)
	}
	remind(t, h, start.Add(-24*time.Hour))
	if len(reminders(h, a.u.ID)) != 1 {
		t.Errorf("%d reminders after a form sign-up", len(reminders(h, a.u.ID)))
	}
}

// Sign-ups are kept a month after their event ends, then the nightly job deletes them: /my no longer shows
// them, and nothing of them stays in Redis.
func TestEvents_SignupsDeletedAMonthAfterTheEvent(t *testing.T) {
	t.Parallel()
	start := time.Date(2031, 5, 20, 8, 0, 0, 0, hcm)
	h := eventsHarness(t, nil, map[string]string{"past": eventFile("past", start, "capacity: 1")})
	ctx := context.Background()
	a, b := &applicant{h: h, u: user(3900, "en")}, &applicant{h: h, u: user(3901, "en")}
	signUp(t, a, "past")
	signUp(t, b, "past") // the waiting list
	a.send("/reminders")
	a.press("rem:off:past")
	ends := start.Add(3 * time.Hour)
	for _, at := range []time.Time{ends.AddDate(0, 0, 29), ends.AddDate(0, 0, 31)} {
		h.moveClock(at)
		if err := h.app.RunJob(ctx, "signups_retention"); err != nil {
			t.Fatal(err)
		}
		if sups, _ := h.store().UserSignups(ctx, a.u.ID); at.Before(ends.AddDate(0, 0, 30)) != (len(sups) == 1) {
			t.Fatalf("%v after the event: %d sign-ups", at.Sub(ends), len(sups))
		}
	}
	if got := a.send("/my"); got.Text != h.content.T("en", "my.none") {
		t.Errorf("/my a month after: %q", got.Text)
	}
	keys, err := h.redis.Client().Keys(ctx, store.Key("signup*")).Result()
	if err != nil || len(keys) != 0 {
		t.Errorf("sign-up keys left: %v %v", keys, err)
	}
	if p, _ := h.store().ReminderPrefs(ctx, a.u.ID); p.Off["past"] {
		t.Error("the reminder setting for the event stayed")
	}
}
