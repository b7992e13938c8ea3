package bot_test

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/ufo-thanhhoa/huunghi/bot"
	"github.com/ufo-thanhhoa/huunghi/bot/telegramtest"
	"github.com/ufo-thanhhoa/huunghi/messages"
)

func buttonData(m telegramtest.Message) []string {
	var out []string
	for _, row := range m.Buttons {
		for _, b := range row {
			out = append(out, b.Data)
		}
	}
	return out
}

// answered waits until some button tap was answered with text (answerCallbackQuery), and reports whether.
func (h *harness) answered(text string) bool {
	return h.srv.Wait(func() bool {
		for _, a := range h.srv.Answers() {
			if a.Params["text"] == text {
				return true
			}
		}
		return false
	}, wait)
}

func hasButton(m telegramtest.Message, data string) bool {
	for _, d := range buttonData(m) {
		if d == data {
			return true
		}
	}
	return false
}

func TestFAQ_AnswersInTheUsersLanguage(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	kb := h.content.FAQ
	topic, _ := kb.Topic("residence_card")
	for i, tc := range []struct{ lang, q string }{
		{"vi", "gia han the tam tru o dau"},
		{"lo", "ບັດພັກເຊົາໝົດອາຍຸ ຕໍ່ແນວໃດ"},
		{"en", "how do i renew my residence card"},
	} {
		u := user(int64(1000+i), tc.lang)
		h.srv.PushText(u, tc.q)
		m := h.messages(u.ID, 1)[0]
		if !strings.Contains(m.Text, topic.TopicTitle(tc.lang)) || !strings.Contains(m.Text, h.content.Answer(topic, tc.lang)[:40]) {
			t.Errorf("%s: got %q, want the residence_card answer in %s", tc.lang, m.Text, tc.lang)
		}
		if !hasButton(m, "faq:no") || !hasButton(m, "faq:t:residence_declaration") || !hasButton(m, "staff:ask") {
			t.Errorf("%s: buttons %v lack not-this, related or staff", tc.lang, buttonData(m))
		}
		if strings.Contains(m.Text, "{{") {
			t.Errorf("%s: unfilled placeholder in %q", tc.lang, m.Text)
		}
	}
}

func TestFAQ_DeclineLogsAndOffersStaff(t *testing.T) {
	t.Parallel()
	h := newHarness(t, map[string]string{"STAFF_CHAT_ID": "-5000", "STAFF_IDS": "900"})
	u := user(1100, "vi")
	h.srv.PushText(u, "giá vàng hôm nay bao nhiêu")
	m := h.messages(u.ID, 1)[0]
	if m.Text != h.content.T("vi", "faq.unknown") || !hasButton(m, "staff:ask") {
		t.Fatalf("decline: got %q %v", m.Text, buttonData(m))
	}
	// "Ask staff" forwards the question to the staff chat.
	h.srv.PushCallback(u, m, "staff:ask")
	staffMsgs := h.messages(-5000, 2)
	if card, q := staffMsgs[0], staffMsgs[1]; !strings.Contains(card.Text, "/reply 1100") ||
		q.Text != h.content.T("vi", "staff.conv.question", "text", "giá vàng hôm nay bao nhiêu") || q.ReplyTo != card.ID {
		t.Errorf("staff card %q and question %q (reply to %d), want the question under the card", card.Text, q.Text, q.ReplyTo)
	}
	if got := h.messages(u.ID, 2)[1].Text; got != h.content.T("vi", "staff.sent") {
		t.Errorf("after ask staff: got %q", got)
	}
	// Staff answer with /reply; only staff may.
	staffer := user(900, "vi")
	h.srv.PushText(staffer, "/reply 1100 Chào bạn, giá vàng không thuộc phạm vi của Liên hiệp.")
	reply := h.messages(u.ID, 3)[2]
	if !strings.HasPrefix(reply.Text, h.content.T("vi", "staff.reply")) || !strings.Contains(reply.Text, "không thuộc phạm vi") {
		t.Errorf("staff reply: got %q", reply.Text)
	}
	h.srv.PushText(user(901, "vi"), "/reply 1100 spam")
	if got := h.messages(901, 1)[0].Text; got != h.content.T("vi", "command.unknown") {
		t.Errorf("non-staff /reply: got %q, want the unknown-command answer", got)
	}
	// The decline was counted for /unanswered.
	h.srv.PushText(staffer, "/unanswered")
	list := h.messages(900, 2)[1].Text
	if !strings.Contains(list, "×1 [vi] giá vàng hôm nay bao nhiêu") {
		t.Errorf("/unanswered: got %q", list)
	}
}

func TestFAQ_NotWhatIAskedIsCounted(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	u := user(1200, "en")
	h.srv.PushText(u, "what documents for student visa")
	m := h.messages(u.ID, 1)[0]
	h.srv.PushCallback(u, m, "faq:no")
	if got := h.messages(u.ID, 2)[1].Text; got != h.content.T("en", "faq.noted") {
		t.Errorf("after not-this: got %q", got)
	}
	top, err := h.store().TopUnanswered(context.Background(), 30, 5)
	if err != nil || len(top) != 1 || top[0].Question != "what documents for student visa" {
		t.Errorf("unanswered: got %+v %v", top, err)
	}
}

func TestFAQ_SmalltalkBrowseAndDeepLink(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	u := user(1300, "lo")
	h.srv.PushText(u, "ສະບາຍດີ")
	h.srv.PushText(u, "ຂອບໃຈຫຼາຍໆ")
	msgs := h.messages(u.ID, 2)
	for i, kind := range []string{"greeting", "thanks"} {
		var want string
		for _, s := range h.content.FAQ.Smalltalk {
			if s.Kind == kind {
				want = s.Reply["lo"]
			}
		}
		if msgs[i].Text != want {
			t.Errorf("%s: got %q, want %q", kind, msgs[i].Text, want)
		}
	}
	h.srv.PushText(u, "/faq")
	cats := h.messages(u.ID, 3)[2]
	if len(cats.Buttons) != len(h.content.FAQ.Categories) {
		t.Fatalf("/faq: %d buttons, want one per category", len(cats.Buttons))
	}
	h.srv.PushCallback(u, cats, "faq:c:papers")
	if !h.srv.Wait(func() bool { return hasButton(h.srv.Messages(u.ID)[2], "faq:t:residence_card") }, wait) {
		t.Fatalf("category: got %v", buttonData(h.srv.Messages(u.ID)[2]))
	}
	h.srv.PushCallback(u, h.srv.Messages(u.ID)[2], "faq:t:lost_passport")
	topic, _ := h.content.FAQ.Topic("lost_passport")
	if got := h.messages(u.ID, 4)[3].Text; !strings.Contains(got, topic.TopicTitle("lo")) {
		t.Errorf("topic from browse: got %q", got)
	}
	v := user(1301, "en")
	h.srv.PushText(v, "/start faq_emergency_numbers")
	if got := h.messages(v.ID, 1)[0].Text; !strings.Contains(got, "113") {
		t.Errorf("deep link: got %q, want the emergency numbers", got)
	}
	h.srv.PushCallback(v, h.messages(v.ID, 1)[0], "faq:t:no_such_topic")
	if !h.answered(h.content.T("en", "button.expired")) {
		t.Error("a forged topic button was not answered with button.expired")
	}
}

// TestContent_MentionsOnlyRoutedCommands keeps answers and programme texts from promising commands the bot
// does not have.
func TestContent_MentionsOnlyRoutedCommands(t *testing.T) {
	t.Parallel()
	c, _, err := messages.Load(messages.FS(""))
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	for _, cmd := range bot.Commands() {
		known[cmd] = true
	}
	re := regexp.MustCompile(`(?:^|\s)/([a-z_]+)\b`)
	check := func(where, text string) {
		for _, m := range re.FindAllStringSubmatch(text, -1) {
			if !known[m[1]] {
				t.Errorf("%s mentions /%s, which the bot does not have", where, m[1])
			}
		}
	}
	for _, topic := range c.FAQ.Topics {
		for lang, a := range topic.Answer {
			check(topic.File+" ("+lang+")", a)
		}
	}
	for _, p := range c.Programmes {
		for lang, d := range p.Description {
			check(p.File+" ("+lang+")", d)
		}
	}
}

func TestStaff_TalkToStaffFromTheMenu(t *testing.T) {
	t.Parallel()
	h := newHarness(t, map[string]string{"STAFF_CHAT_ID": "-5100"})
	a := &applicant{h: h, u: user(1400, "lo")}
	if got := a.send("/staff"); got.Text != h.content.T("lo", "staff.prompt") {
		t.Fatalf("/staff: got %q", got.Text)
	}
	if got := a.send("ຂ້ອຍຢາກຖາມເລື່ອງຫໍພັກ *ດ່ວນ* <b>"); got.Text != h.content.T("lo", "staff.sent") {
		t.Errorf("after the message: got %q", got.Text)
	}
	copied := h.messages(-5100, 2)[1]
	if copied.Text != "ຂ້ອຍຢາກຖາມເລື່ອງຫໍພັກ *ດ່ວນ* <b>" || copied.ParseMode != "" {
		t.Errorf("the copy under the card must carry the text verbatim as plain text: %q (parse mode %q)", copied.Text, copied.ParseMode)
	}
	// The conversation stays open until the user ends it: the next text goes to staff too.
	if got := a.send("ສະບາຍດີ"); got.Text != h.content.T("lo", "staff.conv.added") {
		t.Errorf("the next message in the conversation: got %q", got.Text)
	}
	a.press("staff:end")
	if got := a.send("ສະບາຍດີ"); got.Text == h.content.T("lo", "staff.conv.added") {
		t.Error("after End conversation the text still went to staff")
	}
}
