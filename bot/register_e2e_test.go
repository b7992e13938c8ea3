package bot_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"
	"github.com/xuri/excelize/v2"

	"github.com/ufo-thanhhoa/huunghi/bot/store"
	"github.com/ufo-thanhhoa/huunghi/bot/telegramtest"
	"github.com/ufo-thanhhoa/huunghi/handlers/forms"
)

const exchange = "lao_vn_exchange_2027"

// applicant drives a form through the fake Bot API the way a person would.
type applicant struct {
	h    *harness
	u    models.User
	prog string
}

// wait returns the chat's messages once there are at least n.
func (a *applicant) wait(n int) []telegramtest.Message { return a.h.messages(a.u.ID, n) }

func (a *applicant) count() int { return len(a.h.srv.Messages(a.u.ID)) }

// send types text and waits for an answer.
func (a *applicant) send(text string) telegramtest.Message {
	a.h.t.Helper()
	n := a.count()
	a.h.srv.PushText(a.u, text)
	a.wait(n + 1)
	a.settle()
	msgs := a.h.srv.Messages(a.u.ID)
	return msgs[len(msgs)-1]
}

// settle waits until the bot has handled everything pushed so far. It fails the test when the bot does
// not get there: what a test checks after it ("no second message") would prove nothing.
func (a *applicant) settle() {
	a.h.t.Helper()
	if !a.h.srv.Wait(func() bool { return a.h.srv.Pending() == 0 && a.h.app.Idle(context.Background()) }, wait) {
		a.h.t.Fatal("the bot did not handle every update")
	}
}

// press taps the button with data on the newest message that has it, and waits for the bot.
func (a *applicant) press(data string) {
	a.h.t.Helper()
	msgs := a.h.srv.Messages(a.u.ID)
	for i := len(msgs) - 1; i >= 0; i-- {
		if hasButton(msgs[i], data) {
			a.h.srv.PushCallback(a.u, msgs[i], data)
			a.settle()
			return
		}
	}
	a.h.t.Fatalf("no button %q in chat %d; last message %q %v", data, a.u.ID, msgs[len(msgs)-1].Text, buttonData(msgs[len(msgs)-1]))
}

// pressPrefix taps the button whose data starts with prefix on the newest message that has one.
func (a *applicant) pressPrefix(prefix string) {
	a.h.t.Helper()
	msgs := a.h.srv.Messages(a.u.ID)
	for i := len(msgs) - 1; i >= 0; i-- {
		for _, d := range buttonData(msgs[i]) {
			if strings.HasPrefix(d, prefix) {
				a.press(d)
				return
			}
		}
	}
	a.h.t.Fatalf("no button %q… in chat %d", prefix, a.u.ID)
}

// prompt returns the bot's newest message that has buttons of the form.
func (a *applicant) prompt() telegramtest.Message {
	msgs := a.h.srv.Messages(a.u.ID)
	for i := len(msgs) - 1; i >= 0; i-- {
		if strings.Contains(strings.Join(buttonData(msgs[i]), " "), "form:") {
			return msgs[i]
		}
	}
	return telegramtest.Message{}
}

// answer gives a valid answer to the current question, chosen from the field's type.
func (a *applicant) answer(lang string) {
	a.h.t.Helper()
	p, _ := a.h.content.Programme(a.prog)
	if msgs := a.h.srv.Messages(a.u.ID); len(msgs) > 0 && hasButton(msgs[len(msgs)-1], "prog:a:"+a.prog) {
		a.press("prog:a:" + a.prog) // the programme as a poster's link shows it: Apply starts the form
		return
	}
	q := a.prompt()
	switch {
	case hasButton(q, "form:consent:yes"):
		a.press("form:consent:yes")
		return
	case hasButton(q, "form:submit:"+a.prog):
		a.press("form:submit:" + a.prog)
		return
	}
	// The question being asked is read from the user's form state, as the bot keeps it in Redis.
	sess, err := a.h.store().GetSession(context.Background(), a.u.ID)
	if err != nil {
		a.h.t.Fatalf("%s: no form session (%v); last prompt %q", lang, err, q.Text)
	}
	var st forms.State
	if err := json.Unmarshal(sess.Data, &st); err != nil {
		a.h.t.Fatal(err)
	}
	f, ok := st.Current(p.Fields)
	if !ok {
		a.h.t.Fatalf("%s: no current question in %+v", lang, st)
	}
	switch f.Type {
	case forms.TypeName:
		a.send("Noy Phommasane")
	case forms.TypeBirthdate, forms.TypeDate:
		a.send("3.5.2001")
	case forms.TypePhone, forms.TypeContact:
		a.send("020 5555 1234")
	case forms.TypeEmail:
		a.send("noy@example.org")
	case forms.TypeNumber:
		lo, _ := f.Limits()
		a.send(strconv.Itoa(max(lo, 1)))
	case forms.TypeChoice, forms.TypeCountry, forms.TypeYesNo:
		a.press("form:c:" + f.Choices(lang)[0].ID)
	case forms.TypeMultiChoice:
		a.press("form:t:" + f.Choices(lang)[0].ID)
		a.press("form:done")
	default:
		a.send(strings.Repeat("Tôi muốn tham gia giao lưu văn hóa. ", 2))
	}
}

// complete answers until the confirmation arrives and returns it.
func (a *applicant) complete(lang string) string {
	a.h.t.Helper()
	for range 40 {
		last := a.h.srv.Messages(a.u.ID)
		if text := last[len(last)-1].Text; strings.Contains(text, "HN-") {
			return text
		}
		a.answer(lang)
	}
	a.h.t.Fatalf("%s: no confirmation after 40 steps; last %q", lang, a.h.srv.Messages(a.u.ID)[len(a.h.srv.Messages(a.u.ID))-1].Text)
	return ""
}

func TestRegister_FullApplicationInEachLanguage(t *testing.T) {
	// Waits on the per-chat send budget, not the CPU: run alongside the others.
	t.Parallel()
	h := newHarness(t, map[string]string{"STAFF_CHAT_ID": "-7000", "STAFF_IDS": "900"})
	p, ok := h.content.Programme(exchange)
	if !ok {
		t.Fatalf("sample programme %s missing", exchange)
	}
	for i, lang := range []string{"lo", "vi", "en"} {
		a := &applicant{h: h, u: user(int64(2000+i), lang), prog: exchange}
		a.send("/start reg_" + exchange)
		conf := a.complete(lang)
		reg, err := h.store().GetRegistration(context.Background(), exchange, a.u.ID)
		if err != nil {
			t.Fatalf("%s: %v", lang, err)
		}
		want := h.content.T(lang, "reg.confirmed", "programme", p.TitleIn(lang), "ref", reg.Ref) + "\n\n"
		if !strings.HasPrefix(conf, want) || !strings.Contains(conf, "Noy Phommasane") {
			t.Errorf("%s confirmation: got %q, want %q and what was registered", lang, conf, want)
		}
		// The receipt shows answers as the summary did, not as stored (2001-05-03, +8562055551234).
		if !strings.Contains(conf, "03/05/2001") || strings.Contains(conf, "+8562055551234") {
			t.Errorf("%s confirmation shows stored values: %q", lang, conf)
		}
		if reg.Answers["full_name"] != "Noy Phommasane" || reg.Lang != lang {
			t.Errorf("%s: stored %+v", lang, reg)
		}
		for id, v := range reg.Answers {
			if strings.HasPrefix(v, "+") && id != "phone" {
				t.Errorf("unexpected value %s=%q", id, v)
			}
		}
		if reg.Answers["phone"] != "+8562055551234" {
			t.Errorf("%s phone stored as %q, want E.164", lang, reg.Answers["phone"])
		}
	}
	cards := h.messages(-7000, 3)
	if !strings.Contains(cards[0].Text, "HN-") || !strings.Contains(cards[0].Text, "Noy Phommasane") {
		t.Errorf("staff card: %q", cards[0].Text)
	}
	// The Lao applicant's card is all in the staff chat's language, the status too.
	if footer := h.content.T("vi", "staff.registration_footer", "id", "2000", "lang", "lo", "status", h.content.T("vi", "reg.status.registered")); !strings.HasSuffix(cards[0].Text, footer) {
		t.Errorf("staff card %q, want it to end with %q", cards[0].Text, footer)
	}
	// /my lists it; staff see counts and can export.
	me := &applicant{h: h, u: user(2000, "lo"), prog: exchange}
	if got := me.send("/my"); !strings.Contains(got.Text, p.TitleIn("lo")) || !hasButton(got, "my:w:"+exchange) {
		t.Errorf("/my: %q %v", got.Text, buttonData(got))
	}
	staff := &applicant{h: h, u: user(900, "vi"), prog: exchange}
	if got := staff.send("/programmes"); !strings.Contains(got.Text, exchange) || !strings.Contains(got.Text, "3") {
		t.Errorf("/programmes: %q", got.Text)
	}
	doc := staff.send("/export " + exchange)
	if doc.Document == nil {
		t.Fatalf("/export sent no document: %q", doc.Text)
	}
	f, err := excelize.OpenReader(bytes.NewReader(doc.Document.Data))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := f.GetRows(f.GetSheetList()[0])
	if err != nil || len(rows) != 4 {
		t.Fatalf("xlsx rows: %d %v", len(rows), err)
	}
	if rows[0][0] != "ref" || !strings.HasPrefix(rows[1][0], "HN-") || !strings.Contains(strings.Join(rows[1], "|"), "Noy Phommasane") {
		t.Errorf("xlsx: %v", rows[:2])
	}
	csvDoc := staff.send("/export " + exchange + " --csv")
	records, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(csvDoc.Document.Data, []byte("\ufeff")))).ReadAll()
	if err != nil || len(records) != 4 {
		t.Fatalf("csv: %d %v", len(records), err)
	}
	// Not staff: /export does not exist.
	if got := me.send("/export " + exchange); got.Document != nil {
		t.Error("a non-staff user got an export")
	}
}

func TestRegister_BackSkipCancelAndBadInput(t *testing.T) {
	// Waits on the per-chat send budget, not the CPU: run alongside the others.
	t.Parallel()
	h := newHarness(t, nil)
	a := &applicant{h: h, u: user(2100, "en"), prog: exchange}
	a.send("/start reg_" + exchange)
	a.press("prog:a:" + exchange)
	a.send("Noy Phommasane")
	// Bad date: a clear message and the same question again, with the example its prompt shows.
	got := a.send("31/02/2001")
	p, _ := h.content.Programme(exchange)
	example := p.Fields[1].ExampleAnswer()
	if !strings.HasPrefix(got.Text, h.content.T("en", "form.invalid.date", "example", example)) || !strings.Contains(got.Text, "2 ") ||
		strings.Count(got.Text, example) != 2 {
		t.Errorf("bad date: %q, want the error and the question to show the example %s", got.Text, example)
	}
	// A sticker mid-form: a hint and the question again, nothing lost.
	n := a.count()
	h.srv.PushSticker(a.u)
	a.wait(n + 1)
	a.settle()
	if got := a.h.srv.Messages(a.u.ID)[a.count()-1].Text; !strings.Contains(got, h.content.T("en", "form.invalid.empty")) {
		t.Errorf("sticker mid-form: %q", got)
	}
	// A huge text where a name is expected is refused, not stored.
	a.press("form:back")
	if got := a.prompt().Text; !strings.Contains(got, "Noy Phommasane") {
		t.Errorf("back: the current answer is not shown: %q", got)
	}
	got = a.send(strings.Repeat("x", 5000))
	_, maxName := p.Fields[0].Limits()
	if want := h.content.T("en", "form.invalid.too_long", "max", strconv.Itoa(maxName)); !strings.HasPrefix(got.Text, want) {
		t.Errorf("5,000-character name: got %q, want it to start with %q", got.Text, want)
	}
	a.send("Noy Phommasane")
	a.send("03/05/2001")
	// Restart the bot in the middle of the form: the user continues where they were.
	h.restart()
	a.answer("en")       // university
	a.press("form:skip") // the other university's name
	a.answer("en")       // phone
	if last := h.srv.Messages(a.u.ID); !hasButton(last[len(last)-1], "form:skip") {
		t.Fatalf("optional e-mail has no Skip: %v", buttonData(last[len(last)-1]))
	}
	a.press("form:skip")
	a.pressPrefix("form:cancel:")
	a.pressPrefix("form:discard:")
	if _, err := h.store().GetSession(context.Background(), a.u.ID); err != store.ErrNotFound {
		t.Errorf("session after cancel: %v", err)
	}
	// A button of the cancelled form answers politely.
	n = a.count()
	h.srv.PushCallback(a.u, h.srv.Messages(a.u.ID)[n-1], "form:back")
	a.wait(n + 1)
	if got := h.srv.Messages(a.u.ID)[n].Text; got != h.content.T("en", "form.expired") {
		t.Errorf("stale form button: %q", got)
	}
}

func TestRegister_DoubleTapSubmitCreatesOne(t *testing.T) {
	// Waits on the per-chat send budget, not the CPU: run alongside the others.
	t.Parallel()
	h := newHarness(t, nil)
	a := &applicant{h: h, u: user(2200, "vi"), prog: exchange}
	a.send("/start reg_" + exchange)
	for range 40 {
		if hasButton(a.prompt(), "form:submit:"+exchange) {
			break
		}
		a.answer("vi")
	}
	summary := a.prompt()
	n := a.count()
	h.srv.PushCallback(a.u, summary, "form:submit:"+exchange)
	h.srv.PushCallback(a.u, summary, "form:submit:"+exchange)
	a.settle()
	// The summary became the confirmation, once: the second tap edited it into the same text.
	msgs := h.srv.Messages(a.u.ID)
	if len(msgs) != n || !strings.Contains(msgs[n-1].Text, "HN-") || len(msgs[n-1].Buttons) != 0 {
		t.Errorf("double tap: got %d messages (want %d), last %q", len(msgs), n, msgs[len(msgs)-1].Text)
	}
	if c := countContaining(msgs, "HN-"); c != 1 {
		t.Errorf("double tap: %d messages say registered, want 1", c)
	}
	regs, _ := h.store().Registrations(context.Background(), exchange)
	if len(regs) != 1 {
		t.Errorf("double tap created %d registrations", len(regs))
	}
	// Re-applying offers the existing registration and withdrawal instead of a second form.
	got := a.send("/start reg_" + exchange)
	if !hasButton(got, "my:w:"+exchange) || !strings.Contains(got.Text, regs[0].Ref) {
		t.Errorf("re-apply: %q %v", got.Text, buttonData(got))
	}
	a.press("my:w:" + exchange)
	a.press("my:y:" + exchange)
	if r, _ := h.store().GetRegistration(context.Background(), exchange, a.u.ID); r.Status != store.StatusWithdrawn || r.Answers != nil {
		t.Errorf("after withdraw: %+v", r)
	}
}

func countContaining(msgs []telegramtest.Message, s string) int {
	n := 0
	for _, m := range msgs {
		if strings.Contains(m.Text, s) {
			n++
		}
	}
	return n
}

func TestRegister_ClosedAndFull(t *testing.T) {
	// Waits on the per-chat send budget, not the CPU: run alongside the others.
	t.Parallel()
	dir := t.TempDir()
	copyProgramme(t, dir, exchange, "tiny_exchange", func(small string) string {
		small = regexp.MustCompile(`(?m)^capacity:.*$`).ReplaceAllString(small, "capacity: 1")
		return regexp.MustCompile(`(?m)^waitlist:.*$`).ReplaceAllString(small, "waitlist: false")
	})
	h := newHarness(t, map[string]string{"CONTENT_DIR": dir})
	first := &applicant{h: h, u: user(2300, "en"), prog: "tiny_exchange"}
	first.send("/start reg_tiny_exchange")
	first.complete("en")
	second := &applicant{h: h, u: user(2301, "en"), prog: "tiny_exchange"}
	p, _ := h.content.Programme("tiny_exchange")
	if got := second.send("/start reg_tiny_exchange"); !strings.HasSuffix(got.Text, "\n\n"+h.content.T("en", "prog.full", "programme", p.TitleIn("en"))) ||
		len(got.Buttons) != 0 {
		t.Errorf("full programme: %q %v, want it said full, with no Apply", got.Text, buttonData(got))
	}
	// After the closing time nobody can apply; after every call closed, none is listed.
	last := p.Closes
	for _, q := range h.content.Programmes {
		if q.Closes.After(last) {
			last = q.Closes
		}
	}
	// ... and, a year and a day after the first application, past what the consent text promises.
	later := last.Add(time.Minute)
	if y := h.clock.Now().AddDate(0, 12, 1); y.After(later) {
		later = y
	}
	h.moveClock(later)
	third := &applicant{h: h, u: user(2302, "en"), prog: exchange}
	ex, _ := h.content.Programme(exchange)
	if got := third.send("/start reg_" + exchange); got.Text != h.content.T("en", "prog.closed", "programme", ex.TitleIn("en")) {
		t.Errorf("closed programme: %q", got.Text)
	}
	if got := third.send("/menu"); !strings.Contains(fmt.Sprint(buttonData(got)), "prog:list") {
		t.Errorf("menu: %v", buttonData(got))
	}
	third.press("prog:list")
	if got := h.srv.Messages(third.u.ID); got[len(got)-1].Text != h.content.T("en", "prog.none") {
		t.Errorf("closed calls listed: %q", got[len(got)-1].Text)
	}
	// The nightly retention job deletes the year-old registration: /my is empty, the programme count is zero.
	if got := first.send("/my"); !strings.Contains(got.Text, p.TitleIn("en")) {
		t.Fatalf("before retention /my: %q", got.Text)
	}
	if err := h.app.RunJob(context.Background(), "retention"); err != nil {
		t.Fatal(err)
	}
	if got := first.send("/my"); got.Text != h.content.T("en", "my.none") {
		t.Errorf("after retention /my: %q", got.Text)
	}
	if reg, wait, err := h.store().Counts(context.Background(), "tiny_exchange"); reg != 0 || wait != 0 || err != nil {
		t.Errorf("after retention: %d registered, %d waiting, %v", reg, wait, err)
	}
}

func TestRegister_ForgetPassesThePlaceOn(t *testing.T) {
	t.Parallel()
	h := newHarness(t, map[string]string{"STAFF_CHAT_ID": "-7100"})
	ctx := context.Background()
	p, _ := h.content.Programme(exchange)
	holder := &applicant{h: h, u: user(2400, "en"), prog: exchange}
	waiting := &applicant{h: h, u: user(2401, "lo"), prog: exchange}
	for _, a := range []*applicant{holder, waiting} {
		a.send("/menu") // both are known users with a language
	}
	// The programme has one place: the holder got it, the Lao student is on the waiting list.
	if _, _, err := h.store().Register(ctx, exchange, holder.u.ID, "en", map[string]string{"full_name": "A"}, 1, true); err != nil {
		t.Fatal(err)
	}
	w, _, err := h.store().Register(ctx, exchange, waiting.u.ID, "lo", map[string]string{"full_name": "B"}, 1, true)
	if err != nil || w.Status != "waitlist" {
		t.Fatalf("waiting registration: %+v %v", w, err)
	}
	// /mydata lists everything kept, the registration included.
	md := holder.send("/mydata").Text
	for _, want := range []string{"2400", h.content.T("en", "mydata.registrations", "count", "1")} {
		if !strings.Contains(md, want) {
			t.Errorf("/mydata %q lacks %q", md, want)
		}
	}
	holder.send("/forget")
	holder.press("forget:yes")
	got := waiting.wait(2)[1].Text
	if want := h.content.T("lo", "reg.promoted", "programme", p.TitleIn("lo"), "ref", w.Ref); got != want {
		t.Errorf("promoted applicant told %q, want %q", got, want)
	}
	if r, _ := h.store().GetRegistration(ctx, exchange, waiting.u.ID); r.Status != "registered" {
		t.Errorf("promoted registration: %+v", r)
	}
	card := h.messages(-7100, 1)[0].Text
	if want := h.content.T("vi", "staff.promoted", "ref", w.Ref, "programme", p.TitleIn("vi")); card != want {
		t.Errorf("staff told %q, want %q", card, want)
	}
	// A place in a programme since removed from the content is passed on too, named by its id.
	gone := &applicant{h: h, u: user(2402, "en"), prog: "old_call"}
	next := &applicant{h: h, u: user(2403, "en"), prog: "old_call"}
	next.send("/menu")
	for _, a := range []*applicant{gone, next} {
		if _, _, err := h.store().Register(ctx, "old_call", a.u.ID, "en", map[string]string{"full_name": "C"}, 1, true); err != nil {
			t.Fatal(err)
		}
	}
	gone.send("/forget")
	gone.press("forget:yes")
	if got := next.wait(2)[1].Text; !strings.Contains(got, "old_call") {
		t.Errorf("promotion in a removed programme: %q", got)
	}
	if got := h.srv.Messages(gone.u.ID); got[len(got)-1].Text != h.content.T("en", "forget.done") {
		t.Errorf("forget after promoting in a removed programme: %q", got[len(got)-1].Text)
	}
	// The promoted person still sees that registration in /my and can withdraw it.
	if got := next.send("/my"); !strings.Contains(got.Text, "old_call") || !hasButton(got, "my:w:old_call") {
		t.Fatalf("/my with a removed programme: %q %v", got.Text, buttonData(got))
	}
	next.press("my:w:old_call")
	next.press("my:y:old_call")
	if r, _ := h.store().GetRegistration(ctx, "old_call", next.u.ID); r.Status != "withdrawn" {
		t.Errorf("withdrawing from a removed programme: %+v", r)
	}
	// A forged button for a programme the user never applied to only says the button expired.
	before := len(h.srv.Messages(waiting.u.ID))
	h.srv.PushCallback(waiting.u, h.srv.Messages(waiting.u.ID)[before-1], "my:y:no_such_call")
	waiting.settle()
	if mine, err := h.store().UserRegistrations(ctx, waiting.u.ID); err != nil || len(mine) != 1 || mine[0].Status != "registered" {
		t.Errorf("forged withdraw changed registrations: %+v %v", mine, err)
	}
	if n := len(h.srv.Messages(waiting.u.ID)); n != before {
		t.Errorf("forged withdraw sent %d messages", n-before)
	}
}
