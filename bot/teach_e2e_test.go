package bot_test

import (
	"context"
	"strings"
	"testing"

	"github.com/ufo-thanhhoa/huunghi/bot/store"
	"github.com/ufo-thanhhoa/huunghi/bot/telegramtest"
	"github.com/ufo-thanhhoa/huunghi/handlers"
	"github.com/ufo-thanhhoa/huunghi/handlers/faq"
)

// teachHash is the hash a Teach button carries for a question as a user typed it.
func teachHash(question string) string {
	return store.TeachableHash(faq.LessonKey(handlers.Loggable(question)))
}

// lastWith waits until the newest message of chat has a button with data, and returns it.
func lastWith(t *testing.T, h *harness, chat int64, data string) telegramtest.Message {
	t.Helper()
	var m telegramtest.Message
	if !h.srv.Wait(func() bool {
		msgs := h.srv.Messages(chat)
		if len(msgs) == 0 {
			return false
		}
		m = msgs[len(msgs)-1]
		return hasButton(m, data)
	}, wait) {
		t.Fatalf("chat %d: no message with button %s; last: %q %v", chat, data, m.Text, buttonData(m))
	}
	return m
}

// A question the bot declined is taught from /unanswered in a few taps and answered at once; Undo takes the
// lesson back; a question on a handoff card is taught out of scope from the card. Only staff can teach, and
// forged or stale buttons do nothing.
func TestTeach_FromUnansweredAndFromTheCard(t *testing.T) {
	t.Parallel()
	h := newHarness(t, map[string]string{"STAFF_CHAT_ID": "-5000", "STAFF_IDS": "900"})
	ctx := context.Background()
	dorm, _ := h.content.FAQ.Topic("dormitory")
	staffer := user(900, "en")

	// Declined, and counted for /unanswered.
	const q1 = "wen does the hostel shut at nite"
	asker := user(1400, "en")
	h.srv.PushText(asker, q1)
	if got := h.messages(asker.ID, 1)[0]; strings.Contains(got.Text, dorm.TopicTitle("en")) {
		t.Fatalf("%q was answered before it was taught: %q", q1, got.Text)
	}
	h.srv.PushText(staffer, "/unanswered")
	list := lastWith(t, h, staffer.ID, "teach:q:"+teachHash(q1))
	if !strings.Contains(list.Text, "×1 [en] "+q1) || !strings.Contains(list.Text, h.content.T("en", "unanswered.teach_hint")) {
		t.Fatalf("/unanswered: %q", list.Text)
	}

	// Teach: the picker, another topic, the subject, the topic.
	hash := teachHash(q1)
	h.srv.PushCallback(staffer, list, "teach:q:"+hash)
	pick := lastWith(t, h, staffer.ID, "teach:more:"+hash)
	if !strings.Contains(pick.Text, q1) || !hasButton(pick, "teach:o:"+hash) {
		t.Fatalf("picker: %q %v", pick.Text, buttonData(pick))
	}
	h.srv.PushCallback(staffer, pick, "teach:more:"+hash)
	cats := lastWith(t, h, staffer.ID, "teach:c:"+hash+":life")
	// Someone who is not staff cannot teach, even with a button's data.
	intruder := user(1401, "en")
	h.srv.PushCallback(intruder, cats, "teach:s:"+hash+":visa_exemption")
	h.srv.PushCallback(staffer, cats, "teach:c:"+hash+":life")
	topics := lastWith(t, h, staffer.ID, "teach:s:"+hash+":dormitory")
	h.srv.PushCallback(staffer, topics, "teach:s:"+hash+":dormitory")
	done := h.content.T("en", "teach.done", "question", q1, "topic", dorm.TopicTitle("en"))
	if !h.srv.Wait(func() bool { m := h.srv.Messages(staffer.ID); return m[len(m)-1].Text == done }, wait) {
		t.Fatalf("after teaching: %q", h.srv.Messages(staffer.ID)[len(h.srv.Messages(staffer.ID))-1].Text)
	}
	lessons, err := h.store().Lessons(ctx)
	if err != nil || len(lessons) != 1 || lessons[faq.LessonKey(q1)].Topic != "dormitory" || lessons[faq.LessonKey(q1)].By != 900 {
		t.Fatalf("lessons: %+v %v (the intruder's tap must not count)", lessons, err)
	}

	// Asked again — by someone else, in capitals, with punctuation — it is answered.
	other := user(1402, "en")
	h.srv.PushText(other, "WEN does the hostel shut at nite??")
	if got := h.messages(other.ID, 1)[0].Text; !strings.Contains(got, dorm.TopicTitle("en")) {
		t.Errorf("taught question: got %q, want the dormitory answer", got)
	}
	// A neighbouring question is not affected.
	h.srv.PushText(other, "wen does the hostel open in the morning")
	if got := h.messages(other.ID, 2)[1].Text; strings.Contains(got, dorm.TopicTitle("en")) && !strings.Contains(got, h.content.T("en", "faq.unsure")) {
		t.Logf("neighbour answered with the dormitory as before the lesson: %q", got)
	}

	// A taught question is no longer listed.
	h.srv.PushText(staffer, "/unanswered")
	if !h.srv.Wait(func() bool {
		m := h.srv.Messages(staffer.ID)
		return strings.Contains(m[len(m)-1].Text, h.content.T("en", "unanswered.taught", "count", "1"))
	}, wait) {
		t.Errorf("/unanswered after teaching: %q", h.srv.Messages(staffer.ID)[len(h.srv.Messages(staffer.ID))-1].Text)
	}

	// Undo.
	h.srv.PushCallback(staffer, h.srv.Messages(staffer.ID)[len(h.srv.Messages(staffer.ID))-2], "teach:u:"+hash)
	undone := h.content.T("en", "teach.undone", "question", q1)
	if !h.srv.Wait(func() bool {
		for _, m := range h.srv.Messages(staffer.ID) {
			if m.Text == undone {
				return true
			}
		}
		return false
	}, wait) {
		t.Fatal("undo was not confirmed")
	}
	h.srv.PushText(other, q1)
	if got := h.messages(other.ID, 3)[2].Text; strings.Contains(got, dorm.TopicTitle("en")) {
		t.Errorf("after undo: got %q, want the question declined again", got)
	}

	// From the card: a question sent to staff carries a Teach button; out of scope, it is declined
	// without suggestions and not listed again.
	const q3 = "can my dorm mate borrow my bike for the weekend"
	u3 := user(1403, "en")
	h.srv.PushText(u3, q3)
	h.srv.PushCallback(u3, h.messages(u3.ID, 1)[0], "staff:ask")
	hash3 := teachHash(q3)
	card := lastWith(t, h, -5000, "teach:q:"+hash3)
	h.srv.PushCallback(staffer, card, "teach:q:"+hash3)
	pick3 := lastWith(t, h, -5000, "teach:o:"+hash3)
	h.srv.PushCallback(staffer, pick3, "teach:o:"+hash3)
	oos := h.content.T("en", "teach.done_out_of_scope", "question", q3)
	if !h.srv.Wait(func() bool { m := h.srv.Messages(-5000); return m[len(m)-1].Text == oos }, wait) {
		t.Fatalf("out of scope from the card: %q", h.srv.Messages(-5000)[len(h.srv.Messages(-5000))-1].Text)
	}
	u4 := user(1404, "en")
	h.srv.PushText(u4, q3)
	m := h.messages(u4.ID, 1)[0]
	if m.Text != h.content.T("en", "faq.unknown") {
		t.Errorf("taught out of scope: got %q %v, want the plain decline", m.Text, buttonData(m))
	}

	// A forged hash is a stale button.
	h.srv.PushCallback(staffer, card, "teach:q:0123456789abcdef")
	if !h.answered(h.content.T("en", "button.expired")) {
		t.Error("a forged teach button was not answered as expired")
	}
}
