package bot_test

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"testing"
	"time"

	"github.com/go-redis/redis_rate/v10"

	"github.com/ufo-thanhhoa/huunghi/bot"
	"github.com/ufo-thanhhoa/huunghi/bot/outbox"
)

// TestLanes_ReplyDoesNotWaitBehindReminders fills the reminder lane with hundreds of reminders to a dozen
// chats under a real global budget (SEND_RATE 40) and has someone write meanwhile: the reply goes out
// while most reminders are still queued, and the reminders then drain at the global rate, not at the
// 1 msg/s a chat allows by default (the limits are injected with bot.WithSendLimits).
func TestLanes_ReplyDoesNotWaitBehindReminders(t *testing.T) {
	t.Parallel() // waits on send budgets, not the CPU
	generous := redis_rate.Limit{Rate: 1000, Burst: 1000, Period: time.Second}
	h := newHarness(t, map[string]string{"SEND_RATE": "40"}, bot.WithSendLimits(generous, generous))
	const chats, each, first = 12, 20, int64(5000)
	isReminder := func(chat string) bool {
		id, err := strconv.ParseInt(chat, 10, 64)
		return err == nil && id >= first && id < first+chats
	}
	var rem []outbox.Message
	for i := range each {
		for c := range int64(chats) {
			rem = append(rem, outbox.Message{ChatID: first + c, Text: "Bunpimay starts in " + strconv.Itoa(each-i) + " hours",
				Key: "rem:lanes:" + strconv.FormatInt(first+c, 10) + ":" + strconv.Itoa(i), Once: true})
		}
	}
	// Queued as the reminder job does, from outside the bot's own outbox.
	queue := outbox.New(nil, h.store(), outbox.Config{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := queue.Enqueue(context.Background(), outbox.LaneReminder, rem...); err != nil {
		t.Fatal(err)
	}
	sent := func() int {
		n := 0
		for _, c := range h.srv.Calls("sendMessage") {
			if c.Code == 200 && isReminder(c.Params["chat_id"]) {
				n++
			}
		}
		return n
	}
	if !h.srv.Wait(func() bool { return sent() >= 10 }, wait) {
		t.Fatal("the reminders did not start")
	}
	u := user(4999, "en")
	h.srv.PushText(u, "/help")
	if got := h.messages(u.ID, 1)[0].Text; got != h.content.T("en", "help.text") {
		t.Fatalf("reply: got %q", got)
	}
	// In the order of the fake server's log: reminders sent before the reply.
	ahead := 0
	for _, c := range h.srv.Calls("sendMessage") {
		if c.Params["chat_id"] == strconv.FormatInt(u.ID, 10) {
			break
		}
		if c.Code == 200 && isReminder(c.Params["chat_id"]) {
			ahead++
		}
	}
	t.Logf("%d of %d reminders were sent before the reply", ahead, chats*each)
	if ahead >= chats*each/2 {
		t.Errorf("the reply waited until %d of %d reminders were out", ahead, chats*each)
	}
	h.bulkIdle()
	for c := range int64(chats) {
		if n := len(h.srv.Messages(first + c)); n != each {
			t.Errorf("chat %d got %d reminders, want %d", first+c, n, each)
		}
	}
}
