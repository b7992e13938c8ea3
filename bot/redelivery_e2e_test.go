package bot_test

import (
	"context"
	"strings"
	"testing"
)

// redeliver hands the bot an update it already handled, as happens when the acknowledgement of a handled
// update is lost (a crash right after the handler, or Redis unreachable until the process stopped): the
// update is queued again, not marked done, and handled a second time.
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
	if !h.srv.Wait(func() bool { ok, _ := st.WasHandled(ctx, id); return ok && h.app.Idle(ctx) }, wait) {
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
