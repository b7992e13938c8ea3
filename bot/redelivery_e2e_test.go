package bot_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/ufo-thanhhoa/huunghi/bot/telegramtest"
)

// redeliver hands the bot an update it already handled, as happens when the acknowledgement of a handled
// update is lost (a crash right after the handler, or Redis unreachable until the process stopped): the
// update is queued again and handled a second time.
func redeliver(t *testing.T, h *harness, id, chat int64) {
	t.Helper()
	ctx := context.Background()
	raw := h.srv.Body(id)
	if raw == nil {
		t.Fatalf("no update %d", id)
	}
	st := h.store()
	if err := st.Requeue(ctx, id, chat, raw); err != nil {
		t.Fatal(err)
	}
	if !h.srv.Wait(func() bool { n, err := st.QueueLength(ctx, chat); return err == nil && n == 0 && h.app.Idle(ctx) }, wait) {
		t.Fatalf("update %d was not handled again", id)
	}
}

// TestRedelivery_RepeatsNothingThatConfuses hands the bot, a second time, a typed form answer and the tap on
// Send: the answer must not be applied to the next question (which would say "that is not a date"), and
// the applicant must not be told twice that they are registered, nor staff get a second card.
func TestRedelivery_RepeatsNothingThatConfuses(t *testing.T) {
	t.Parallel() // waits on the chat's send budget, not the CPU
	h := newHarness(t, map[string]string{"STAFF_CHAT_ID": "-7400"})
	a := &applicant{h: h, u: user(4400, "en"), prog: exchange}
	a.send("/start reg_" + exchange)
	a.press("prog:a:" + exchange)
	id := h.srv.PushText(a.u, "Noy Phommasane") // the name; the birth date is asked next
	a.settle()
	n := a.count()
	redeliver(t, h, id, a.u.ID)
	invalid := h.content.T("en", "form.invalid.date")
	for _, m := range h.srv.Messages(a.u.ID)[n:] {
		if strings.Contains(m.Text, strings.Split(invalid, "{")[0]) {
			t.Errorf("the name handled again was taken as the birth date: %q", m.Text)
		}
	}
	sess, _ := h.store().GetSession(context.Background(), a.u.ID)
	if !strings.Contains(string(sess.Data), "Noy Phommasane") || strings.Contains(string(sess.Data), `"birth_date"`) {
		t.Errorf("form state after the repeat: %s", sess.Data)
	}
	for range 40 {
		if hasButton(a.prompt(), "form:submit:"+exchange) {
			break
		}
		a.answer("en")
	}
	send := h.srv.PushCallback(a.u, a.prompt(), "form:submit:"+exchange)
	a.settle()
	if c := countContaining(h.srv.Messages(a.u.ID), "HN-"); c != 1 {
		t.Fatalf("%d confirmations after Send, want 1", c)
	}
	n = a.count()
	redeliver(t, h, send, a.u.ID)
	if got := a.count(); got != n {
		t.Errorf("Send handled again sent %d more messages", got-n)
	}
	if c := countContaining(h.srv.Messages(a.u.ID), "HN-"); c != 1 {
		t.Errorf("%d messages say registered after Send was handled again, want 1", c)
	}
	if regs, _ := h.store().Registrations(context.Background(), exchange); len(regs) != 1 {
		t.Errorf("%d registrations", len(regs))
	}
	h.messages(-7400, 1)
	h.bulkIdle()
	if n := len(h.srv.Messages(-7400)); n != 1 {
		t.Errorf("%d staff cards, want 1", n)
	}
}

// TestRedelivery_CancelDoesNothingTwice hands the bot, a second time, the tap on Cancel, on "No, continue"
// and on "Yes, discard": the chat must read as after the first handling (no second question, no second
// "discarded"), and a discard handled again after the user started the same form anew must leave the new one.
func TestRedelivery_CancelDoesNothingTwice(t *testing.T) {
	t.Parallel() // waits on the chat's send budget, not the CPU
	h := newFlowHarness(t, nil)
	a := student(t, h, 6500, "en", "flow_test")
	a.begin()
	a.send("Noy Phommasane")
	q := a.last()
	same := func(what string, want telegramtest.Message, n int) {
		t.Helper()
		if got := a.message(q.ID); got.Text != want.Text || fmt.Sprint(got.Buttons) != fmt.Sprint(want.Buttons) || a.count() != n {
			t.Errorf("%s handled again: %q %v and %d new messages, want %q %v and none", what, got.Text, got.Buttons, a.count()-n, want.Text, want.Buttons)
		}
	}
	cancel := h.srv.PushCallback(a.u, q, buttonWith(q, "form:cancel:"))
	a.settle()
	ask, n := a.message(q.ID), a.count()
	redeliver(t, h, cancel, a.u.ID)
	same("Cancel", ask, n)
	keep := h.srv.PushCallback(a.u, ask, buttonWith(ask, "form:resume:"))
	a.settle()
	redeliver(t, h, keep, a.u.ID)
	same("No, continue", q, n)
	if st := formState(t, h, a.u.ID); st == nil || st.Answers["full_name"].Raw != "Noy Phommasane" {
		t.Fatalf("the form after No handled twice: %+v", st)
	}
	a.press(buttonWith(q, "form:cancel:"))
	ask = a.message(q.ID)
	discard := h.srv.PushCallback(a.u, ask, buttonWith(ask, "form:discard:"))
	a.settle()
	done := a.message(q.ID)
	redeliver(t, h, discard, a.u.ID)
	same("Yes, discard", done, n)
	for _, ans := range h.srv.Answers() {
		if ans.Params["text"] == h.content.T("en", "button.expired") {
			t.Errorf("the user was told a button expired")
		}
	}
	// The user applies again; the old discard, handled once more, names the earlier filling of the form.
	a.begin()
	a.send("Khamla Vongsa")
	redeliver(t, h, discard, a.u.ID)
	if st := formState(t, h, a.u.ID); st == nil || st.Answers["full_name"].Raw != "Khamla Vongsa" {
		t.Errorf("an old discard handled again discarded the new form: %+v", st)
	}
}
