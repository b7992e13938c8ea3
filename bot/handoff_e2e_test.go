package bot_test

import (
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"
)

// TestHandoff_BoundedPerUserAndStaffCanBlock has one person write to staff again and again, and staff block
// and unblock another from a card: the staff chat gets at most three messages of one person waiting for an
// answer, the person is told when they can write again, and a blocked person's messages stop with a
// neutral answer.
func TestHandoff_BoundedPerUserAndStaffCanBlock(t *testing.T) {
	t.Parallel() // waits on the staff group's send budget, not the CPU
	const staffChat = -7300
	h := newHarness(t, map[string]string{"STAFF_CHAT_ID": "-7300"})
	chatty := &applicant{h: h, u: user(4300, "en")}
	chatty.send("/staff")
	for i, want := range []string{"staff.sent", "staff.conv.added", "staff.conv.added"} {
		if got := chatty.send("question " + string(rune('A'+i))); got.Text != h.content.T("en", want) {
			t.Fatalf("message %d: got %q, want %s", i, got.Text, want)
		}
	}
	if got := chatty.send("question D").Text; !strings.HasPrefix(got, strings.Split(h.content.T("en", "staff.limit_unsent"), "{")[0]) {
		t.Errorf("fourth message: got %q, want the limit notice", got)
	}
	if got := chatty.send("/staff").Text; !strings.HasPrefix(got, strings.Split(h.content.T("en", "staff.limit"), "{")[0]) {
		t.Errorf("/staff again: got %q, want the limit notice", got)
	}
	h.messages(staffChat, 4)
	h.bulkIdle()
	if n := len(h.srv.Messages(staffChat)); n != 4 {
		t.Errorf("the staff chat got %d messages from one person, want the card and 3 copies", n)
	}

	// Staff block another person from their card.
	rude := &applicant{h: h, u: user(4301, "vi")}
	rude.send("/staff")
	rude.send("tin nhắn khó chịu")
	msgs := h.messages(staffChat, 6)
	card, copied := msgs[4], msgs[5]
	if !strings.Contains(card.Text, "4301") || !hasButton(card, "hand:b:4301") || copied.Text != "tin nhắn khó chịu" || copied.ReplyTo != card.ID {
		t.Fatalf("card %q %v and copy %q (reply to %d), want a card with a Block button and the message under it",
			card.Text, buttonData(card), copied.Text, copied.ReplyTo)
	}
	// Someone who is not staff cannot press it.
	h.srv.PushCallback(chatty.u, card, "hand:b:4301")
	staff := user(900, "vi")
	h.srv.PushCallback(staff, card, "hand:b:4301")
	if !h.srv.Wait(func() bool { return hasButton(h.srv.Messages(staffChat)[4], "hand:u:4301") }, wait) {
		t.Fatalf("after Block the card is %q %v, want an Unblock button", h.srv.Messages(staffChat)[4].Text, buttonData(h.srv.Messages(staffChat)[4]))
	}
	answers := h.srv.Answers()
	if len(answers) != 2 || answers[0].Params["text"] != h.content.T("en", "button.expired") {
		t.Errorf("a non-staff press: got %v, want button.expired", answers)
	}
	if got := h.srv.Messages(staffChat)[4].Text; !strings.Contains(got, h.content.T("vi", "staff.blocked_note", "staff", "900")) {
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
	h.srv.PushCallback(staff, h.srv.Messages(staffChat)[4], "hand:u:4301")
	if !h.srv.Wait(func() bool { return hasButton(h.srv.Messages(staffChat)[4], "hand:b:4301") }, wait) {
		t.Fatal("Unblock did not restore the Block button")
	}
	rude.send("/staff")
	if got := rude.send("xin lỗi, câu hỏi thật"); got.Text != h.content.T("vi", "staff.sent") {
		t.Errorf("after unblocking: got %q", got.Text)
	}
	if got := h.messages(staffChat, 8)[7].Text; got != "xin lỗi, câu hỏi thật" {
		t.Errorf("copy after unblocking: %q", got)
	}
}

// TestHandoff_ManyAccountsCannotFloodTheStaffChat has more people write to staff at once than a minute of
// the staff group's budget holds: the first get their "sent", the rest are told to try again in a few
// minutes instead of queueing cards that would keep the bulk senders waiting on the staff chat.
func TestHandoff_ManyAccountsCannotFloodTheStaffChat(t *testing.T) {
	t.Parallel()
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

// TestHandoff_StaffAnswerInTheStaffChat follows a message to staff the whole way: the card reaches the
// staff chat, a staff member answers there with "/reply <id> …" as the card says — without naming the bot,
// as people type in their own group — and the person gets the answer. Other bare commands in the staff
// chat are left to the other bots a group may have.
func TestHandoff_StaffAnswerInTheStaffChat(t *testing.T) {
	t.Parallel()
	h := newHarness(t, map[string]string{"STAFF_CHAT_ID": "-7400"})
	staffChat := models.Chat{ID: -7400, Type: models.ChatTypeSupergroup, Title: "Cán bộ"}
	a := &applicant{h: h, u: user(4400, "lo")}
	a.send("/staff")
	a.send("ຂ້ອຍຢາກຖາມເລື່ອງທຶນ")
	card := h.messages(staffChat.ID, 2)[0] // the card and the copy of the message
	if want := "/reply 4400"; !strings.Contains(card.Text, want) {
		t.Fatalf("card %q lacks %q", card.Text, want)
	}
	staff := user(900, "vi")
	h.srv.PushGroupText(staff, staffChat, "/help")
	h.srv.PushGroupText(staff, staffChat, "/reply 4400 Chào bạn, hạn nộp là 31/3.")
	got := a.wait(3)[2].Text
	if !strings.HasPrefix(got, h.content.T("lo", "staff.reply")) || !strings.Contains(got, "hạn nộp là 31/3") {
		t.Errorf("the person got %q, want the staff reply", got)
	}
	msgs := h.messages(staffChat.ID, 3)
	if want := h.content.T("vi", "staff.reply_done", "id", "4400"); msgs[2].Text != want {
		t.Errorf("staff chat: %q, want %q", msgs[2].Text, want)
	}
	// The chat's updates are handled in order: the bare /help before the /reply was left alone.
	if len(msgs) != 3 {
		t.Errorf("staff chat got %d messages, want the card, the copy and the delivery note: %q", len(msgs), msgs[len(msgs)-1].Text)
	}
}

// TestHandoff_WithoutAStaffChatGivesTheOfficeContacts: a bot deployed without STAFF_CHAT_ID cannot pass
// messages on, so "Talk to staff" gives the office's contacts — and never "type /staff", which would send
// the person round in a circle.
func TestHandoff_WithoutAStaffChatGivesTheOfficeContacts(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	for i, lang := range []string{"en", "lo", "vi"} {
		a := &applicant{h: h, u: user(int64(4410+i), lang)}
		for _, via := range []string{"/staff", "menu"} {
			var got string
			if via == "/staff" {
				got = a.send("/staff").Text
			} else {
				a.send("/menu")
				a.press("staff:new")
				msgs := h.srv.Messages(a.u.ID)
				got = msgs[len(msgs)-1].Text
			}
			if !strings.HasPrefix(got, h.content.T(lang, "staff.unavailable")) {
				t.Errorf("%s %s: got %q, want staff.unavailable", lang, via, got)
			}
			for _, key := range []string{"office_phone", "office_email", "office_address"} {
				if v := h.content.Contact(key, lang); v == "" || !strings.Contains(got, v) {
					t.Errorf("%s %s: %q lacks %s %q", lang, via, got, key, v)
				}
			}
			if strings.Contains(got, "/staff") {
				t.Errorf("%s %s: %q sends the person back to /staff", lang, via, got)
			}
		}
	}
}
