package bot_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"
	"github.com/xuri/excelize/v2"

	"github.com/ufo-thanhhoa/huunghi/bot/store"
	"github.com/ufo-thanhhoa/huunghi/bot/telegramtest"
)

// decisionData is the data of a decision button on the card of uid's registration in prog.
func decisionData(verb, prog string, uid int64, version int) string {
	return "dec:" + verb + ":" + prog + ":" + strconv.FormatInt(uid, 36) + ":" + strconv.Itoa(version)
}

// decisionTap presses data on msg as from and waits until the bot is idle, the notify lane included.
func decisionTap(h *harness, from models.User, msg telegramtest.Message, data string) int64 {
	h.t.Helper()
	id := h.srv.PushCallback(from, msg, data)
	h.idle()
	return id
}

// onePlaceProgramme writes a copy of the exchange with one place and a waiting list, so that a decision's
// effect on places shows with two applicants; it returns the CONTENT_DIR.
func onePlaceProgramme(t *testing.T, id string) string {
	t.Helper()
	dir := t.TempDir()
	copyProgramme(t, dir, exchange, id, func(small string) string {
		small = regexp.MustCompile(`(?m)^capacity:.*$`).ReplaceAllString(small, "capacity: 1")
		return regexp.MustCompile(`(?m)^waitlist:.*$`).ReplaceAllString(small, "waitlist: true")
	})
	return dir
}

// copyProgramme writes into dir/programmes a copy of a shipped programme under another id, changed by edit,
// with its translation files.
func copyProgramme(t *testing.T, dir, from, to string, edit func(string) string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(dir, "programmes"), 0o755); err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("../messages/programmes/" + from + ".yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "programmes", to+".yaml"), []byte(edit(strings.Replace(string(src), "id: "+from, "id: "+to, 1))), 0o644); err != nil {
		t.Fatal(err)
	}
	translations, _ := filepath.Glob("../messages/programmes/" + from + ".*.yaml")
	for _, f := range translations {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		lang := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), from+"."), ".yaml")
		if err := os.WriteFile(filepath.Join(dir, "programmes", to+"."+lang+".yaml"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestDecisions_AcceptFromTheCardTellsTheApplicantOnce(t *testing.T) {
	t.Parallel() // waits on the chats' send budgets, not the CPU
	const staffChat = -7600
	h := newHarness(t, map[string]string{"STAFF_CHAT_ID": "-7600", "STAFF_IDS": "900,901"})
	ctx := context.Background()
	p, _ := h.content.Programme(exchange)
	a := &applicant{h: h, u: user(5000, "lo"), prog: exchange}
	a.send("/start reg_" + exchange)
	a.complete("lo")
	reg, err := h.store().GetRegistration(ctx, exchange, a.u.ID)
	if err != nil {
		t.Fatal(err)
	}
	card := h.messages(staffChat, 1)[0]
	accept := decisionData("a", exchange, a.u.ID, 0)
	for _, want := range []string{accept, decisionData("w", exchange, a.u.ID, 0), decisionData("d", exchange, a.u.ID, 0)} {
		if !hasButton(card, want) {
			t.Fatalf("new registration's card %v lacks %q", buttonData(card), want)
		}
	}

	// Someone who is not staff presses Accept: the button does not exist for them, nothing changes.
	stranger := user(5009, "en")
	decisionTap(h, stranger, card, accept)
	if got := lastAnswer(h); got != h.content.T("en", "button.expired") {
		t.Errorf("non-staff press answered %q, want button.expired", got)
	}
	if r, _ := h.store().GetRegistration(ctx, exchange, a.u.ID); r.Decision != "" {
		t.Fatalf("non-staff press decided: %+v", r)
	}
	if got := h.srv.Messages(staffChat)[0]; got.Text != card.Text || !hasButton(got, accept) {
		t.Errorf("non-staff press changed the card: %q %v", got.Text, buttonData(got))
	}

	n := a.count()
	staff := user(900, "vi")
	id := decisionTap(h, staff, card, accept)
	told := h.content.T("lo", "dec.told.accepted", "programme", p.TitleIn("lo"), "ref", reg.Ref)
	if got := a.wait(n + 1)[n].Text; got != told {
		t.Errorf("applicant told %q, want %q", got, told)
	}
	if got := lastAnswer(h); got != h.content.T("vi", "dec.toast.done") {
		t.Errorf("toast %q", got)
	}
	reg, _ = h.store().GetRegistration(ctx, exchange, a.u.ID)
	if reg.Decision != store.DecisionAccepted || reg.DecidedBy != 900 || reg.DecisionVersion != 1 {
		t.Fatalf("stored decision: %+v", reg)
	}
	edited := h.srv.Messages(staffChat)[0]
	decided := h.content.T("vi", "dec.card.accepted", "staff", "900", "date", reg.DecidedAt.In(hcm).Format("02/01/2006 15:04"))
	if !strings.Contains(edited.Text, decided) || !strings.Contains(edited.Text, "Noy Phommasane") ||
		!hasButton(edited, decisionData("r", exchange, a.u.ID, 1)) || !hasButton(edited, "dec:c:"+exchange+":"+strconv.FormatInt(a.u.ID, 36)) {
		t.Errorf("card after Accept: %q %v, want the decision with who took it, Reason and Change", edited.Text, buttonData(edited))
	}

	// The tap handled again (its acknowledgement lost) and a second staff member tapping the old Accept at
	// the same time tell the applicant nothing more; the second sees the first one's decision.
	redeliver(t, h, id, staffChat)
	decisionTap(h, user(901, "en"), card, accept)
	if got := lastAnswer(h); got != h.content.T("en", "dec.toast.changed") {
		t.Errorf("second staff's tap answered %q, want dec.toast.changed", got)
	}
	if c := countContaining(h.srv.Messages(a.u.ID), told); c != 1 {
		t.Errorf("applicant told %d times, want once", c)
	}
	if got := h.srv.Messages(staffChat)[0].Text; !strings.Contains(got, decided) {
		t.Errorf("card after the second tap: %q", got)
	}

	// Forged or stale data: answered as expired, nothing changes.
	for _, data := range []string{
		decisionData("d", exchange, 424242, 1),       // nobody's registration
		decisionData("d", "no_such_call", a.u.ID, 1), // no such programme
		"dec:d:" + exchange + ":" + strconv.FormatInt(a.u.ID, 36) + ":-1",
		"dec:zz:" + exchange,
	} {
		decisionTap(h, staff, card, data)
		if got := lastAnswer(h); got != h.content.T("vi", "button.expired") {
			t.Errorf("forged %q answered %q, want button.expired", data, got)
		}
	}
	if r, _ := h.store().GetRegistration(ctx, exchange, a.u.ID); r.Decision != store.DecisionAccepted || r.DecisionVersion != 1 {
		t.Errorf("forged taps changed the decision: %+v", r)
	}

	// /my shows the decision.
	want := h.content.T("lo", "my.decision", "decision", h.content.T("lo", "dec.name.accepted"), "date", reg.DecidedAt.In(hcm).Format("02/01/2006 15:04"))
	if got := a.send("/my").Text; !strings.Contains(got, want) {
		t.Errorf("/my %q lacks %q", got, want)
	}
}

func TestDecisions_DeclineWithReasonPassesThePlaceOn(t *testing.T) {
	t.Parallel() // waits on the chats' send budgets, not the CPU
	const staffChat, prog = -7700, "tiny_exchange"
	h := newHarness(t, map[string]string{"STAFF_CHAT_ID": "-7700", "CONTENT_DIR": onePlaceProgramme(t, prog)})
	ctx := context.Background()
	p, _ := h.content.Programme(prog)
	holder := &applicant{h: h, u: user(5100, "lo"), prog: prog}
	holder.send("/start reg_" + prog)
	holder.complete("lo")
	waiting := &applicant{h: h, u: user(5101, "en"), prog: prog}
	waiting.send("/start reg_" + prog)
	waiting.complete("en")
	held, _ := h.store().GetRegistration(ctx, prog, holder.u.ID)
	w, _ := h.store().GetRegistration(ctx, prog, waiting.u.ID)
	if held.Status != store.StatusRegistered || w.Status != store.StatusWaitlist {
		t.Fatalf("before: %s and %s", held.Status, w.Status)
	}
	card := h.messages(staffChat, 2)[0]
	staff := user(900, "vi")

	// Decline: the holder is told, the place goes to the first one waiting, who is told, and staff too.
	nh, nw := holder.count(), waiting.count()
	decisionTap(h, staff, card, decisionData("d", prog, holder.u.ID, 0))
	if got, want := holder.wait(nh + 1)[nh].Text, h.content.T("lo", "dec.told.declined", "programme", p.TitleIn("lo"), "ref", held.Ref); got != want {
		t.Errorf("declined applicant told %q, want %q", got, want)
	}
	if got, want := waiting.wait(nw + 1)[nw].Text, h.content.T("en", "reg.promoted", "programme", p.TitleIn("en"), "ref", w.Ref); got != want {
		t.Errorf("promoted applicant told %q, want %q", got, want)
	}
	if r, _ := h.store().GetRegistration(ctx, prog, waiting.u.ID); r.Status != store.StatusRegistered {
		t.Errorf("first waiting: %+v", r)
	}
	if got, want := h.messages(staffChat, 3)[2].Text, h.content.T("vi", "staff.promoted", "ref", w.Ref, "programme", p.TitleIn("vi")); got != want {
		t.Errorf("staff chat told %q, want %q", got, want)
	}

	// A reason, asked in the group with a ForceReply question and given as a reply to it.
	decisionTap(h, staff, h.srv.Messages(staffChat)[0], decisionData("r", prog, holder.u.ID, 1))
	msgs := h.messages(staffChat, 4)
	prompt := msgs[3]
	if !prompt.ForceReply || !strings.Contains(prompt.Text, held.Ref) {
		t.Fatalf("reason prompt: %q force_reply=%v", prompt.Text, prompt.ForceReply)
	}
	reason := "Hồ sơ còn thiếu giấy xác nhận của trường."
	nh = holder.count()
	h.srv.PushReply(staff, prompt, reason)
	h.idle()
	if got, want := holder.wait(nh + 1)[nh].Text, h.content.T("lo", "dec.told.reason", "programme", p.TitleIn("lo"), "ref", held.Ref, "reason", reason); got != want {
		t.Errorf("reason told %q, want %q", got, want)
	}
	if got := h.srv.Messages(staffChat)[0].Text; !strings.Contains(got, h.content.T("vi", "dec.card.reason", "reason", reason)) {
		t.Errorf("card after the reason: %q", got)
	}
	if got := h.messages(staffChat, 5)[4].Text; got != h.content.T("vi", "dec.reason.sent", "ref", held.Ref) {
		t.Errorf("staff chat after the reason: %q", got)
	}
	// The holder sees decision and reason in /my.
	if got := holder.send("/my").Text; !strings.Contains(got, h.content.T("lo", "my.reason", "reason", reason)) ||
		!strings.Contains(got, h.content.T("lo", "reg.status.declined")) {
		t.Errorf("/my after decline: %q", got)
	}

	// Accepting someone on the waiting list while the programme is full asks first, then accepts beyond
	// capacity when told so.
	third := &applicant{h: h, u: user(5102, "en"), prog: prog}
	third.send("/start reg_" + prog)
	third.complete("en")
	cards := h.messages(staffChat, 6)
	thirdCard := cards[len(cards)-1]
	r3, _ := h.store().GetRegistration(ctx, prog, third.u.ID)
	decisionTap(h, staff, thirdCard, decisionData("a", prog, third.u.ID, 0))
	asked := h.srv.Messages(staffChat)[len(cards)-1]
	if !strings.HasSuffix(asked.Text, "\n\n"+h.content.T("vi", "dec.card.full", "programme", p.TitleIn("vi"), "registered", "1", "capacity", "1", "ref", r3.Ref)) ||
		!hasButton(asked, decisionData("f", prog, third.u.ID, 0)) {
		t.Fatalf("accept while full: %q %v", asked.Text, buttonData(asked))
	}
	if r, _ := h.store().GetRegistration(ctx, prog, third.u.ID); r.Status != store.StatusWaitlist || r.Decision != "" {
		t.Errorf("asked, not decided: %+v", r)
	}
	n := third.count()
	decisionTap(h, staff, asked, decisionData("f", prog, third.u.ID, 0))
	if got, want := third.wait(n + 1)[n].Text, h.content.T("en", "dec.told.accepted", "programme", p.TitleIn("en"), "ref", r3.Ref); got != want {
		t.Errorf("accepted beyond capacity told %q, want %q", got, want)
	}
	if reg, wait, _ := h.store().Counts(ctx, prog); reg != 2 || wait != 0 {
		t.Errorf("counts: %d registered, %d waiting, want 2 and 0", reg, wait)
	}

	// Exports carry the decision, who took it, when and the reason.
	desk := &applicant{h: h, u: staff, prog: prog}
	doc := desk.send("/export " + prog + " --csv")
	if doc.Document == nil {
		t.Fatalf("no CSV: %q", doc.Text)
	}
	records, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(doc.Document.Data, []byte("\ufeff")))).ReadAll()
	if err != nil || len(records) != 4 {
		t.Fatalf("csv: %d rows %v", len(records), err)
	}
	col := func(name string) int { return slices.Index(records[0], name) }
	for _, c := range []string{"decision", "decided_by", "decided_at", "reason"} {
		if col(c) < 0 {
			t.Fatalf("csv header %v lacks %q", records[0], c)
		}
	}
	var row []string
	for _, rec := range records[1:] {
		if rec[0] == held.Ref {
			row = rec
		}
	}
	if row == nil || row[col("status")] != store.StatusDeclined || row[col("decision")] != store.DecisionDeclined ||
		row[col("decided_by")] != "900" || row[col("reason")] != reason || row[col("decided_at")] == "" {
		t.Errorf("declined row: %v", row)
	}
	x := desk.send("/export " + prog)
	f, err := excelize.OpenReader(bytes.NewReader(x.Document.Data))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := f.GetRows(f.GetSheetList()[0])
	if len(rows) != 4 || !slices.Contains(rows[0], "decision") || !slices.Contains(rows[0], "reason") {
		t.Errorf("xlsx header: %v", rows)
	}

	// The holder withdraws: staff's reason goes with the answers.
	holder.send("/my")
	holder.press("my:w:" + prog)
	holder.press("my:y:" + prog)
	if r, _ := h.store().GetRegistration(ctx, prog, holder.u.ID); r.Status != store.StatusWithdrawn || r.Reason != "" || r.Answers != nil {
		t.Errorf("withdrawn: %+v", r)
	}
}

func TestDecisions_FromProgrammesInAPrivateChat(t *testing.T) {
	t.Parallel() // waits on the chats' send budgets, not the CPU
	const prog = "tiny_exchange"
	h := newHarness(t, map[string]string{"CONTENT_DIR": onePlaceProgramme(t, prog)})
	ctx := context.Background()
	p, _ := h.content.Programme(prog)
	first := &applicant{h: h, u: user(5200, "lo"), prog: prog}
	first.send("/start reg_" + prog)
	first.complete("lo")
	second := &applicant{h: h, u: user(5201, "vi"), prog: prog}
	second.send("/start reg_" + prog)
	second.complete("vi")
	r1, _ := h.store().GetRegistration(ctx, prog, first.u.ID)
	r2, _ := h.store().GetRegistration(ctx, prog, second.u.ID)

	staff := &applicant{h: h, u: user(900, "en"), prog: prog}
	if got := staff.send("/programmes"); !hasButton(got, "dec:l:"+prog+":0") {
		t.Fatalf("/programmes: %v", buttonData(got))
	}
	staff.press("dec:l:" + prog + ":0")
	list := h.srv.Messages(staff.u.ID)
	page := list[len(list)-1]
	if !strings.Contains(page.Text, r1.Ref) || !strings.Contains(page.Text, r2.Ref) || !strings.Contains(page.Text, h.content.T("en", "dec.list.undecided")) ||
		!hasButton(page, "dec:v:"+prog+":"+strconv.FormatInt(first.u.ID, 36)) {
		t.Fatalf("applications: %q %v", page.Text, buttonData(page))
	}
	// The waiting list, in order.
	staff.press("dec:q:" + prog)
	list = h.srv.Messages(staff.u.ID)
	if got := list[len(list)-1].Text; !strings.Contains(got, "1. "+r2.Ref) || strings.Contains(got, r1.Ref) {
		t.Errorf("waiting list: %q", got)
	}
	staff.press("dec:l:" + prog + ":0")

	// A card from the list, wait-listed, then a reason typed in the private chat as the next message.
	staff.press("dec:v:" + prog + ":" + strconv.FormatInt(first.u.ID, 36))
	n := first.count()
	staff.press(decisionData("w", prog, first.u.ID, 0))
	h.idle()
	if got, want := first.wait(n + 1)[n].Text, h.content.T("lo", "dec.told.waitlisted", "programme", p.TitleIn("lo"), "ref", r1.Ref); got != want {
		t.Errorf("wait-listed applicant told %q, want %q", got, want)
	}
	// The place it freed went to the one waiting, who was not put on the list by staff.
	if r, _ := h.store().GetRegistration(ctx, prog, second.u.ID); r.Status != store.StatusRegistered {
		t.Errorf("second after the first was wait-listed: %+v", r)
	}
	staff.press(decisionData("r", prog, first.u.ID, 1))
	n = first.count()
	reason := "Chúng tôi sẽ báo khi có thêm chỗ."
	if got := staff.send(reason).Text; got != h.content.T("en", "dec.reason.sent", "ref", r1.Ref) {
		t.Errorf("reason typed privately: %q", got)
	}
	h.idle()
	if got, want := first.wait(n + 1)[n].Text, h.content.T("lo", "dec.told.reason", "programme", p.TitleIn("lo"), "ref", r1.Ref, "reason", reason); got != want {
		t.Errorf("reason told %q, want %q", got, want)
	}
	if u, _ := h.store().GetUser(ctx, staff.u.ID); u.Lang == "vi" {
		t.Error("a Vietnamese reason switched the staff member's language")
	}
	// The waiting list marks the one staff put there.
	staff.send("/programmes")
	staff.press("dec:l:" + prog + ":0")
	staff.press("dec:q:" + prog)
	list = h.srv.Messages(staff.u.ID)
	if got := list[len(list)-1].Text; !strings.Contains(got, r1.Ref) || !strings.Contains(got, h.content.T("en", "dec.waiting.held")) {
		t.Errorf("waiting list after wait-listing: %q", got)
	}
	// A reason asked for the wait-listing, then the decision changed: Change shows the other decisions and
	// Back; accepting needs a place the second now holds, so it asks, and Back leaves it as it was.
	var cardID int
	for _, m := range h.srv.Messages(staff.u.ID) {
		if hasButton(m, decisionData("r", prog, first.u.ID, 1)) {
			cardID = m.ID
		}
	}
	byID := func(id int) telegramtest.Message {
		for _, m := range h.srv.Messages(staff.u.ID) {
			if m.ID == id {
				return m
			}
		}
		t.Fatalf("no message %d", id)
		return telegramtest.Message{}
	}
	staff.press(decisionData("r", prog, first.u.ID, 1))
	list = h.srv.Messages(staff.u.ID)
	oldPrompt := list[len(list)-1]
	if !oldPrompt.ForceReply {
		t.Fatalf("reason prompt: %q", oldPrompt.Text)
	}
	u36 := strconv.FormatInt(first.u.ID, 36)
	staff.press("dec:c:" + prog + ":" + u36)
	changing := byID(cardID)
	if !hasButton(changing, decisionData("a", prog, first.u.ID, 1)) || !hasButton(changing, decisionData("d", prog, first.u.ID, 1)) ||
		hasButton(changing, decisionData("w", prog, first.u.ID, 1)) || !hasButton(changing, "dec:k:"+prog+":"+u36) {
		t.Fatalf("changing the decision: %v", buttonData(changing))
	}
	staff.press(decisionData("a", prog, first.u.ID, 1))
	if got := byID(cardID); !hasButton(got, decisionData("f", prog, first.u.ID, 1)) {
		t.Errorf("accepting while full: %q %v", got.Text, buttonData(got))
	}
	staff.press("dec:k:" + prog + ":" + u36)
	if r, _ := h.store().GetRegistration(ctx, prog, first.u.ID); r.Decision != store.DecisionWaitlisted || r.Reason != reason {
		t.Errorf("after asking to accept and going back: %+v", r)
	}
	staff.press("dec:c:" + prog + ":" + u36)
	n = first.count()
	staff.press(decisionData("d", prog, first.u.ID, 1))
	h.idle()
	if got, want := first.wait(n + 1)[n].Text, h.content.T("lo", "dec.told.declined", "programme", p.TitleIn("lo"), "ref", r1.Ref); got != want {
		t.Errorf("changed to declined, told %q, want %q", got, want)
	}
	// The reason asked for the earlier decision is refused, and reaches nobody.
	n = first.count()
	h.srv.PushReply(staff.u, oldPrompt, "Lý do cũ")
	h.idle()
	list = h.srv.Messages(staff.u.ID)
	if got := list[len(list)-1].Text; got != h.content.T("en", "dec.reason.stale", "ref", r1.Ref) {
		t.Errorf("reason for a changed decision answered %q", got)
	}
	if got := first.count(); got != n {
		t.Errorf("the stale reason sent the applicant %d messages", got-n)
	}
	if r, _ := h.store().GetRegistration(ctx, prog, first.u.ID); r.Reason != "" || r.Decision != store.DecisionDeclined {
		t.Errorf("after the stale reason: %+v", r)
	}
	// Asked for a reason and forgotten: a message typed more than an hour later is not taken as one.
	staff.press(decisionData("r", prog, first.u.ID, 2))
	list = h.srv.Messages(staff.u.ID)
	if got, want := list[len(list)-1].Text, h.content.T("en", "dec.reason.prompt_private", "ref", r1.Ref, "decision", h.content.T("en", "dec.name.declined")); got != want {
		t.Errorf("private reason prompt %q, want %q", got, want)
	}
	h.moveClock(h.clock.Now().Add(61 * time.Minute))
	n = first.count()
	if got := staff.send("how do I renew a visa?").Text; got != h.content.T("en", "dec.reason.expired") {
		t.Errorf("a late message answered %q, want dec.reason.expired", got)
	}
	h.idle()
	if got := first.count(); got != n {
		t.Errorf("a late message reached the applicant (%d messages)", got-n)
	}
	if r, _ := h.store().GetRegistration(ctx, prog, first.u.ID); r.Reason != "" {
		t.Errorf("a late message became the reason: %q", r.Reason)
	}
	// The waiting list is empty now: the declined one is not on it.
	staff.send("/programmes")
	staff.press("dec:l:" + prog + ":0")
	staff.press("dec:q:" + prog)
	list = h.srv.Messages(staff.u.ID)
	if got := list[len(list)-1].Text; got != h.content.T("en", "dec.waiting.none", "programme", p.TitleIn("en")) {
		t.Errorf("waiting list after declining: %q", got)
	}
}
