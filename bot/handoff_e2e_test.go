package bot_test

import (
	"strings"
	"testing"
	"time"
)

// TestHandoff_BoundedPerUserAndStaffCanBlock has one person write to staff again and again, and staff block
// and unblock another from a card: the staff chat gets at most three messages of one person at once, the
// person is told when they can write again, and a blocked person's messages stop with a neutral answer.
func TestHandoff_BoundedPerUserAndStaffCanBlock(t *testing.T) {
	t.Parallel() // waits on the staff group's send budget, not the CPU
	const staffChat = -7300
	h := newHarness(t, map[string]string{"STAFF_CHAT_ID": "-7300"})
	chatty := &applicant{h: h, u: user(4300, "en")}
	for i := range 3 {
		chatty.send("/staff")
		if got := chatty.send("question " + string(rune('A'+i))); got.Text != h.content.T("en", "staff.sent") {
			t.Fatalf("message %d: got %q, want staff.sent", i, got.Text)
		}
	}
	if got := chatty.send("/staff").Text; !strings.HasPrefix(got, strings.Split(h.content.T("en", "staff.limit"), "{")[0]) {
		t.Errorf("fourth /staff: got %q, want the limit notice", got)
	}
	h.messages(staffChat, 3)
	h.bulkIdle()
	if n := len(h.srv.Messages(staffChat)); n != 3 {
		t.Errorf("the staff chat got %d cards from one person, want 3", n)
	}

	// Staff block another person from their card.
	rude := &applicant{h: h, u: user(4301, "vi")}
	rude.send("/staff")
	rude.send("tin nhắn khó chịu")
	card := h.messages(staffChat, 4)[3]
	if !strings.Contains(card.Text, "tin nhắn khó chịu") || !hasButton(card, "hand:b:4301") {
		t.Fatalf("card: %q %v, want the message and a Block button", card.Text, buttonData(card))
	}
	// Someone who is not staff cannot press it.
	h.srv.PushCallback(chatty.u, card, "hand:b:4301")
	staff := user(900, "vi")
	h.srv.PushCallback(staff, card, "hand:b:4301")
	if !h.srv.Wait(func() bool { return hasButton(h.srv.Messages(staffChat)[3], "hand:u:4301") }, wait) {
		t.Fatalf("after Block the card is %q %v, want an Unblock button", h.srv.Messages(staffChat)[3].Text, buttonData(h.srv.Messages(staffChat)[3]))
	}
	answers := h.srv.Answers()
	if len(answers) != 2 || answers[0].Params["text"] != h.content.T("en", "button.expired") {
		t.Errorf("a non-staff press: got %v, want button.expired", answers)
	}
	if got := h.srv.Messages(staffChat)[3].Text; !strings.Contains(got, "tin nhắn khó chịu") || !strings.Contains(got, h.content.T("vi", "staff.blocked_note", "staff", "900")) {
		t.Errorf("blocked card: %q", got)
	}
	unavailable := h.content.T("vi", "staff.unavailable")
	if got := rude.send("/staff").Text; !strings.HasPrefix(got, unavailable) {
		t.Errorf("blocked person's /staff: got %q, want the neutral staff.unavailable", got)
	}
	// "Ask staff" under an answer is closed to them too.
	rude.send("xyzzy plugh?")
	rude.press("staff:ask")
	if got := h.srv.Messages(rude.u.ID); !strings.HasPrefix(got[len(got)-1].Text, unavailable) {
		t.Errorf("blocked person's Ask staff: got %q", got[len(got)-1].Text)
	}
	// Unblocked, they can write again.
	h.srv.PushCallback(staff, h.srv.Messages(staffChat)[3], "hand:u:4301")
	if !h.srv.Wait(func() bool { return hasButton(h.srv.Messages(staffChat)[3], "hand:b:4301") }, wait) {
		t.Fatal("Unblock did not restore the Block button")
	}
	if got := h.srv.Messages(staffChat)[3].Text; got != card.Text {
		t.Errorf("unblocked card: %q, want the original %q", got, card.Text)
	}
	rude.send("/staff")
	if got := rude.send("xin lỗi, câu hỏi thật"); got.Text != h.content.T("vi", "staff.sent") {
		t.Errorf("after unblocking: got %q", got.Text)
	}
	if got := h.messages(staffChat, 5)[4].Text; !strings.Contains(got, "xin lỗi, câu hỏi thật") {
		t.Errorf("card after unblocking: %q", got)
	}
}

// TestHandoff_ManyAccountsCannotFloodTheStaffChat has more people write to staff at once than a minute of
// the staff group's budget holds: the first get their "sent", the rest are told to try again in a few
// minutes instead of queueing cards that would keep the bulk senders waiting on the staff chat.
func TestHandoff_ManyAccountsCannotFloodTheStaffChat(t *testing.T) {
	h := newHarness(t, map[string]string{"STAFF_CHAT_ID": "-7310"})
	sent, busy := 0, 0
	start := time.Now()
	for i := range 16 {
		a := &applicant{h: h, u: user(int64(4500+i), "en")}
		if got := a.send("/staff").Text; got != h.content.T("en", "staff.prompt") {
			if strings.HasPrefix(got, strings.Split(h.content.T("en", "staff.busy"), ",")[0]) {
				busy++
				continue
			}
			t.Fatalf("user %d: /staff got %q", i, got)
		}
		if got := a.send("question").Text; got == h.content.T("en", "staff.sent") {
			sent++
		}
	}
	// A burst of 10, then one more every 3 s: how many of those came by depends on this machine's speed.
	refills := int(time.Since(start) / (3 * time.Second))
	if sent < 10 || sent > 10+refills+1 || busy == 0 || sent+busy != 16 {
		t.Errorf("%d passed on and %d told the staff chat is busy in %v, want 10 (+%d refilled) and the rest",
			sent, busy, time.Since(start), refills)
	}
}
