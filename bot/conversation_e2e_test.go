package bot_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/ufo-thanhhoa/huunghi/bot/store"
	"github.com/ufo-thanhhoa/huunghi/bot/telegramtest"
)

// desk is a staff chat with two staff members, for the conversation tests.
type desk struct {
	h         *harness
	chat      models.Chat
	lan, minh models.User
	outsider  models.User // a member of the staff group who is not staff
}

func newDesk(t *testing.T, id int64) *desk {
	h := newHarness(t, map[string]string{"STAFF_CHAT_ID": strconv.FormatInt(id, 10), "STAFF_IDS": "900,901"})
	return &desk{h: h, chat: models.Chat{ID: id, Type: models.ChatTypeSupergroup, Title: "Cán bộ"},
		lan:      models.User{ID: 900, FirstName: "Lan", LanguageCode: "vi"},
		minh:     models.User{ID: 901, FirstName: "Minh", LanguageCode: "vi"},
		outsider: models.User{ID: 4999, FirstName: "Khách", LanguageCode: "vi"}}
}

// all returns the staff chat's messages once there are at least n.
func (k *desk) all(n int) []telegramtest.Message { return k.h.messages(k.chat.ID, n) }

// find returns the staff chat's message with id.
func (k *desk) find(id int) telegramtest.Message {
	for _, m := range k.h.srv.Messages(k.chat.ID) {
		if m.ID == id {
			return m
		}
	}
	k.h.t.Fatalf("no message %d in the staff chat", id)
	return telegramtest.Message{}
}

// TestConversation_TwoWayWithMedia follows a whole conversation: the user's text and photo reach the staff
// chat as a card and copies under it; a staff member's replies to the card (text) and to the photo's copy
// (a file) reach the user, marked as from staff, with the file kept; the user answers back into the same
// thread; another staff member's reply is refused with who has the conversation; a member of the staff
// group who is not staff reaches nobody; staff close it, both sides are told, and the user's next text goes
// to the FAQ again.
func TestConversation_TwoWayWithMedia(t *testing.T) {
	t.Parallel() // waits on the staff group's send budget, not the CPU
	k := newDesk(t, -7500)
	h := k.h
	a := &applicant{h: h, u: models.User{ID: 4800, FirstName: "Noy", LanguageCode: "lo"}}
	if got := a.send("/staff"); got.Text != h.content.T("lo", "staff.prompt") || !hasButton(got, "staff:end") {
		t.Fatalf("/staff: %q %v, want the prompt with End conversation", got.Text, buttonData(got))
	}
	question := "ສະບາຍດີ, ຂ້ອຍມີຄຳຖາມເລື່ອງວີຊາ"
	if got := a.send(question); got.Text != h.content.T("lo", "staff.sent") || !hasButton(got, "staff:end") {
		t.Fatalf("first message: %q %v, want staff.sent (within office hours: no note) with End conversation", got.Text, buttonData(got))
	}
	n := a.count()
	h.srv.PushPhoto(a.u, "passport")
	if got := a.wait(n + 1)[n]; got.Text != h.content.T("lo", "staff.conv.added") {
		t.Errorf("photo: %q, want staff.conv.added", got.Text)
	}

	msgs := k.all(3)
	card := msgs[0]
	for _, want := range []string{"Noy", "4800", "lo"} {
		if !strings.Contains(card.Text, want) {
			t.Errorf("card %q lacks %q", card.Text, want)
		}
	}
	for _, b := range []string{"hand:r:4800", "hand:c:4800", "hand:x:4800", "hand:b:4800"} {
		if !hasButton(card, b) {
			t.Errorf("card buttons %v lack %s", buttonData(card), b)
		}
	}
	var text, photo telegramtest.Message
	for _, m := range msgs[1:] {
		if m.ReplyTo != card.ID || m.CopyOf == "" {
			t.Errorf("%+v is not a copy replying to the card", m)
		}
		if m.Media == "photo" {
			photo = m
		} else {
			text = m
		}
	}
	if text.Text != question || photo.Caption != "passport" {
		t.Fatalf("copies: text %q, photo %q, want the user's message and photo", text.Text, photo.Caption)
	}

	// Lan answers the card with text, and the photo with a file.
	before := a.count()
	h.srv.PushGroupReply(k.lan, k.chat, card, "Chào bạn, hãy mang hộ chiếu đến văn phòng.")
	got := a.wait(before + 2)
	if got[before].Text != h.content.T("lo", "staff.reply") || got[before+1].Text != "Chào bạn, hãy mang hộ chiếu đến văn phòng." {
		t.Errorf("the user got %q then %q, want the staff line and the answer", got[before].Text, got[before+1].Text)
	}
	if !hasButton(got[before+1], "staff:end") {
		t.Errorf("staff answer without End conversation: %v", buttonData(got[before+1]))
	}
	if !h.srv.Wait(func() bool { return strings.Contains(k.find(card.ID).Text, "Lan") }, wait) {
		t.Errorf("card after Lan's answer: %q, want who has it", k.find(card.ID).Text)
	}
	if hasButton(k.find(card.ID), "hand:c:4800") {
		t.Error("a taken card still offers Take it")
	}
	h.srv.PushGroupReplyDocument(k.lan, k.chat, photo, "mau-don.pdf", []byte("%PDF-1.4 form"), "Điền mẫu này")
	got = a.wait(before + 3)
	if d := got[before+2].Document; d == nil || d.Name != "mau-don.pdf" || string(d.Data) != "%PDF-1.4 form" || d.Caption != "Điền mẫu này" {
		t.Errorf("the file reached the user as %+v", got[before+2])
	}
	delivered := h.content.T("vi", "staff.conv.delivered", "name", "Noy")
	if !h.srv.Wait(func() bool {
		c := 0
		for _, m := range h.srv.Messages(k.chat.ID) {
			if m.Text == delivered {
				c++
			}
		}
		return c == 2
	}, wait) {
		t.Error("the staff chat was not told twice that the answers were delivered")
	}

	// The user answers back: the same thread.
	if got := a.send("ຂອບໃຈຫຼາຍໆ"); got.Text != h.content.T("lo", "staff.conv.added") {
		t.Errorf("answer back: %q", got.Text)
	}
	if !h.srv.Wait(func() bool {
		for _, m := range h.srv.Messages(k.chat.ID) {
			if m.Text == "ຂອບໃຈຫຼາຍໆ" && m.ReplyTo == card.ID {
				return true
			}
		}
		return false
	}, wait) {
		t.Error("the user's answer did not reach the thread")
	}

	// Minh replies too: refused, with who has it and a Take over button. Nothing reaches the user.
	a.settle()
	h.bulkIdle()
	userCount, staffCount := a.count(), len(h.srv.Messages(k.chat.ID))
	h.srv.PushGroupReply(k.minh, k.chat, card, "Mình trả lời luôn nhé")
	refusal := k.all(staffCount + 1)[staffCount]
	if refusal.Text != h.content.T("vi", "staff.conv.claimed_by", "staff", "Lan") || !hasButton(refusal, "hand:t:4800") {
		t.Errorf("Minh's reply: %q %v, want who has it and Take over", refusal.Text, buttonData(refusal))
	}
	// A member of the group who is not staff replies to the card: nothing at all.
	h.srv.PushGroupReply(k.outsider, k.chat, card, "Tôi trả lời được không?")
	h.idle()
	if n := a.count(); n != userCount {
		t.Errorf("the user got %d more messages from refused replies: %q", n-userCount, h.srv.Messages(a.u.ID)[n-1].Text)
	}
	if n := len(h.srv.Messages(k.chat.ID)); n != staffCount+1 {
		t.Errorf("the staff chat got %d messages, want only the refusal", n-staffCount)
	}

	// Minh takes it over and closes it.
	h.srv.PushCallback(k.minh, refusal, "hand:t:4800")
	if !h.srv.Wait(func() bool { return strings.Contains(k.find(card.ID).Text, "Minh") }, wait) {
		t.Errorf("card after the take-over: %q", k.find(card.ID).Text)
	}
	h.srv.PushCallback(k.minh, k.find(card.ID), "hand:x:4800")
	if got := a.wait(userCount + 1)[userCount]; got.Text != h.content.T("lo", "staff.conv.closed_by_staff") {
		t.Errorf("the user was told %q, want staff.conv.closed_by_staff", got.Text)
	}
	if !h.srv.Wait(func() bool {
		return strings.Contains(k.find(card.ID).Text, h.content.T("vi", "staff.conv.closed_staff_note", "staff", "Minh"))
	}, wait) {
		t.Errorf("closed card: %q", k.find(card.ID).Text)
	}
	if c := k.find(card.ID); hasButton(c, "hand:r:4800") || !hasButton(c, "hand:b:4800") {
		t.Errorf("closed card buttons %v, want Block only", buttonData(c))
	}
	// Closed: the user's text is a question for the bot again, and a late staff reply is refused.
	h.idle()
	staffCount = len(h.srv.Messages(k.chat.ID))
	if got := a.send("ວີຊາ"); got.Text == h.content.T("lo", "staff.conv.added") || hasButton(got, "staff:end") {
		t.Errorf("after close the user's text went to staff: %q", got.Text)
	}
	h.srv.PushGroupReply(k.lan, k.chat, card, "Còn một việc nữa")
	if got := k.all(staffCount + 1)[staffCount]; got.Text != h.content.T("vi", "staff.conv.closed") {
		t.Errorf("a reply after close: %q, want staff.conv.closed", got.Text)
	}
}

// TestConversation_UserEndsAndReplyButton: staff answer through the card's Reply button (a ForceReply
// prompt that their answer replies to), and the user ends the conversation with the button: staff are
// told under the card, and the user's next text goes to the FAQ.
func TestConversation_UserEndsAndReplyButton(t *testing.T) {
	t.Parallel()
	k := newDesk(t, -7510)
	h := k.h
	a := &applicant{h: h, u: models.User{ID: 4810, FirstName: "Sengdao", LanguageCode: "en"}}
	a.send("/staff")
	a.send("How do I renew my residence card?")
	card := k.all(2)[0]
	h.srv.PushCallback(k.lan, card, "hand:r:4810")
	prompt := k.all(3)[2]
	if !prompt.ForceReply || prompt.ReplyTo != card.ID || !strings.Contains(prompt.Text, "Sengdao") {
		t.Fatalf("Reply: %+v, want a ForceReply prompt naming the person", prompt)
	}
	n := a.count()
	h.srv.PushGroupReply(k.lan, k.chat, prompt, "Bring your passport to the immigration office.")
	if got := a.wait(n + 2)[n+1]; got.Text != "Bring your passport to the immigration office." {
		t.Errorf("answer through the prompt: %q", got.Text)
	}
	a.press("staff:end")
	if got := a.last(); got.Text != h.content.T("en", "staff.conv.ended") {
		t.Errorf("End conversation: %q", got.Text)
	}
	ended := h.content.T("vi", "staff.conv.user_ended", "name", "Sengdao", "id", "4810")
	if !h.srv.Wait(func() bool {
		for _, m := range h.srv.Messages(k.chat.ID) {
			if m.Text == ended && m.ReplyTo == card.ID {
				return true
			}
		}
		return false
	}, wait) {
		t.Error("staff were not told under the card that the person ended the conversation")
	}
	if !h.srv.Wait(func() bool {
		return strings.Contains(k.find(card.ID).Text, h.content.T("vi", "staff.conv.closed_user_note"))
	}, wait) {
		t.Errorf("card after the user ended it: %q", k.find(card.ID).Text)
	}
	if got := a.send("What about insurance?"); got.Text == h.content.T("en", "staff.conv.added") {
		t.Error("after ending, the user's text still went to staff")
	}
	if got := a.send("/cancel"); got.Text != h.content.T("en", "cancel.nothing") {
		t.Errorf("/cancel with nothing open: %q", got.Text)
	}
}

// TestConversation_OutsideOfficeHours: a message to staff on a Saturday is told when to expect an answer:
// Monday at the start of the reply hours in contacts.yaml, in BOT_TIMEZONE.
func TestConversation_OutsideOfficeHours(t *testing.T) {
	t.Parallel()
	k := newDesk(t, -7520)
	h := k.h
	h.moveClock(time.Date(2031, 5, 17, 21, 30, 0, 0, hcm)) // Saturday evening
	a := &applicant{h: h, u: models.User{ID: 4820, FirstName: "Noy", LanguageCode: "vi"}}
	a.send("/staff")
	got := a.send("cho em hoi ve hoc bong")
	want := h.content.T("vi", "staff.conv.after_hours", "time", "08:00", "date", "19/05/2031",
		"hours", h.content.Contact("staff_reply_hours", "vi"))
	if !strings.HasPrefix(got.Text, h.content.T("vi", "staff.sent")) || !strings.HasSuffix(got.Text, want) {
		t.Errorf("after hours: %q, want staff.sent and %q", got.Text, want)
	}
	if got := a.send("em gui them"); strings.Contains(got.Text, "08:00") {
		t.Errorf("the note is repeated while the person already waits: %q", got.Text)
	}
}

// TestConversation_InboxAndForget: /inbox lists the open conversations, the longest waiting first, with who
// has each; Open posts a card a reply to which reaches the user. /mydata mentions the open conversation,
// and /forget deletes it and its map: a later reply to its card reaches nobody.
func TestConversation_InboxAndForget(t *testing.T) {
	t.Parallel()
	k := newDesk(t, -7530)
	h := k.h
	first := &applicant{h: h, u: models.User{ID: 4830, FirstName: "Khamla", LanguageCode: "lo"}}
	second := &applicant{h: h, u: models.User{ID: 4831, FirstName: "Anna", LanguageCode: "en"}}
	first.send("/staff")
	first.send("ສະບາຍດີ")
	h.moveClock(testNow.Add(time.Hour))
	second.send("/staff")
	second.send("Hello")
	card := k.all(4)[0]
	h.srv.PushCallback(k.lan, card, "hand:c:4830")
	if !h.srv.Wait(func() bool { return strings.Contains(k.find(card.ID).Text, "Lan") }, wait) {
		t.Fatalf("Take it: card %q", k.find(card.ID).Text)
	}
	h.idle()
	n := len(h.srv.Messages(k.chat.ID))
	h.srv.PushGroupText(k.minh, k.chat, "/inbox")
	inbox := k.all(n + 1)[n]
	i, j := strings.Index(inbox.Text, "Khamla"), strings.Index(inbox.Text, "Anna")
	if i < 0 || j < 0 || i > j || !strings.Contains(inbox.Text, "🙋 Lan") {
		t.Errorf("inbox %q, want Khamla (taken by Lan) before Anna", inbox.Text)
	}
	if !hasButton(inbox, "hand:o:4831") || !hasButton(inbox, "hand:c:4831") || hasButton(inbox, "hand:c:4830") {
		t.Errorf("inbox buttons %v", buttonData(inbox))
	}
	h.srv.PushCallback(k.minh, inbox, "hand:o:4831")
	opened := k.all(n + 2)[n+1]
	if !strings.Contains(opened.Text, "Anna") || !hasButton(opened, "hand:r:4831") {
		t.Fatalf("Open: %q %v", opened.Text, buttonData(opened))
	}
	m := second.count()
	h.srv.PushGroupReply(k.minh, k.chat, opened, "Hi Anna, how can we help?")
	if got := second.wait(m + 2)[m+1]; got.Text != "Hi Anna, how can we help?" {
		t.Errorf("reply to the opened card: %q", got.Text)
	}

	// /mydata mentions the open conversation; /forget deletes it.
	if got := first.send("/mydata"); !strings.Contains(got.Text, h.content.T("lo", "mydata.conversation")) {
		t.Errorf("/mydata %q does not mention the conversation", got.Text)
	}
	first.send("/forget")
	first.press("forget:yes")
	if _, err := h.store().Conversation(context.Background(), 4830); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("after /forget the conversation is %v", err)
	}
	keys, _ := h.redis.Client().Keys(context.Background(), store.Key("conv*")).Result()
	for _, key := range keys {
		if strings.Contains(key, "4830") {
			t.Errorf("after /forget %s remains", key)
		}
		if v, _ := h.redis.Client().Get(context.Background(), key).Result(); v == "4830" {
			t.Errorf("after /forget %s still maps to the user", key)
		}
	}
	h.idle()
	c := first.count()
	h.srv.PushGroupReply(k.lan, k.chat, card, "Còn đó không?")
	h.idle()
	if got := first.count(); got != c {
		t.Errorf("a reply to a forgotten user's card reached them: %q", first.last().Text)
	}
}
