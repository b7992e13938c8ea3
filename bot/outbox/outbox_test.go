package outbox_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-redis/redis_rate/v10"
	tg "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ufo-thanhhoa/huunghi/bot/outbox"
	"github.com/ufo-thanhhoa/huunghi/bot/store"
	"github.com/ufo-thanhhoa/huunghi/bot/store/redistest"
	"github.com/ufo-thanhhoa/huunghi/bot/telegramtest"
)

const wait = 10 * time.Second

// fixture is an outbox against the fake Bot API and a real redis-server, on a clock the test moves (the
// lanes' leases are on it).
type fixture struct {
	t     *testing.T
	srv   *telegramtest.Server
	st    *store.Store
	clock *clock
	logs  *logBuffer
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{t: t, srv: telegramtest.New(), clock: &clock{at: time.Date(2031, 5, 12, 10, 0, 0, 0, time.UTC)}, logs: &logBuffer{}}
	t.Cleanup(f.srv.Close)
	f.st = store.New(redistest.Start(t).Client(), store.WithClock(f.clock.Now))
	return f
}

// outbox returns an outbox sending to the fake server with cfg.
func (f *fixture) outbox(cfg outbox.Config) *outbox.Outbox {
	f.t.Helper()
	api, err := tg.New(telegramtest.Token, tg.WithServerURL(f.srv.URL()), tg.WithSkipGetMe())
	if err != nil {
		f.t.Fatal(err)
	}
	var to io.Writer = f.logs
	if testing.Verbose() {
		to = io.MultiWriter(f.logs, testWriter{f.t})
	}
	return outbox.New(api, f.st, cfg, slog.New(slog.NewTextHandler(to, &slog.HandlerOptions{Level: slog.LevelWarn})))
}

// run runs o's bulk lanes until the returned stop is called (or the test ends). stop returns once Run has:
// every message a worker had taken is then finished or left in flight.
func (f *fixture) run(o *outbox.Outbox) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { o.Run(ctx); close(done) }()
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); <-done }) }
	f.t.Cleanup(stop)
	return stop
}

// lane returns how many messages wait in lane and how many are in flight.
func (f *fixture) lane(lane outbox.Lane) (waiting, taken int64) {
	f.t.Helper()
	waiting, taken, err := f.st.BulkPending(context.Background(), string(lane))
	if err != nil {
		f.t.Fatal(err)
	}
	return waiting, taken
}

// idle waits until lane has nothing waiting and nothing in flight: after it, "nothing more is sent" holds.
func (f *fixture) idle(lane outbox.Lane) {
	f.t.Helper()
	if !f.srv.Wait(func() bool { w, n := f.lane(lane); return w+n == 0 }, wait) {
		w, n := f.lane(lane)
		f.t.Fatalf("lane %s did not empty: %d waiting, %d in flight", lane, w, n)
	}
}

// until waits for cond, failing the test with what after wait.
func (f *fixture) until(what string, cond func() bool) {
	f.t.Helper()
	if !f.srv.Wait(cond, wait) {
		f.t.Fatalf("never happened: %s", what)
	}
}

// texts returns the texts the bot sent to chat.
func (f *fixture) texts(chat int64) []string {
	var out []string
	for _, m := range f.srv.Messages(chat) {
		out = append(out, m.Text)
	}
	return out
}

// outcome reads huunghi_sends_total{lane, outcome} of o.
func outcome(t *testing.T, o *outbox.Outbox, lane outbox.Lane, outcome string) float64 {
	t.Helper()
	reg := prometheus.NewRegistry()
	reg.MustRegister(o.Collectors()...)
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, fam := range families {
		if fam.GetName() != "huunghi_sends_total" {
			continue
		}
		for _, m := range fam.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["lane"] == string(lane) && labels["outcome"] == outcome {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

// clock is the store's calendar in a test: fixed until the test moves it.
type clock struct {
	mu sync.Mutex
	at time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.at }

func (c *clock) Add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.at = c.at.Add(d) }

type logBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) has(s string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Contains(l.b.String(), s)
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// pastLease is more than the bulk lanes' lease (2 minutes): moving the clock by it makes every message in
// flight abandoned, for the reaper that runs when Run starts.
const pastLease = 3 * time.Minute

// reminderItem is a reminder as the lead's Lua mover writes it into the lane: a reference, no text.
func reminderItem(uid int64, key string) []byte {
	id := strconv.FormatInt(uid, 10)
	return []byte(`{"chat_id":` + id + `,"key":"` + key + `","render":"reminder","about":` + id + `,"once":true}`)
}

// TestEnqueue_EqualMessagesStayApartInFlight: two equal messages to one chat are two entries in flight.
// Before the outbox stamped an id they were one hash field, the live sender's DoneBulk removed the dead
// sender's entry with its own, and the reaper had nothing to give back: one message was lost.
func TestEnqueue_EqualMessagesStayApartInFlight(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	o := f.outbox(outbox.Config{})
	m := outbox.Message{ChatID: 501, Text: "The office is closed on Friday."}
	if err := o.Enqueue(ctx, outbox.LaneBroadcast, m, m); err != nil {
		t.Fatal(err)
	}
	// A sender takes the first and dies with it.
	if raw, err := f.st.TakeBulk(ctx, string(outbox.LaneBroadcast), 2*time.Minute); err != nil || raw == nil {
		t.Fatalf("take: %q %v", raw, err)
	}
	stop := f.run(o)
	// Sent and answered: once the outbox has seen the answer, it finishes the message even while stopping.
	f.until("the second message sent", func() bool { return outcome(t, o, outbox.LaneBroadcast, "ok") == 1 })
	stop()
	if w, n := f.lane(outbox.LaneBroadcast); w != 0 || n != 1 {
		t.Fatalf("after the live sender finished: %d waiting, %d in flight; want the dead sender's 1 in flight", w, n)
	}
	f.clock.Add(pastLease)
	f.run(o) // its reaper gives the dead sender's message back
	if _, err := f.srv.WaitMessages(501, 2, wait); err != nil {
		t.Fatal(err)
	}
	f.idle(outbox.LaneBroadcast)
	if got := f.texts(501); len(got) != 2 || got[0] != m.Text || got[1] != m.Text {
		t.Errorf("got %q, want the message twice", got)
	}
}

// TestRender_AtSendTime: a reminder queued as a reference is rendered when it is sent, in the language the
// user has then, to the queued chat whatever the renderer says; the lead's mover's item decodes.
func TestRender_AtSendTime(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	o := f.outbox(outbox.Config{})
	var seen atomic.Pointer[outbox.Message]
	o.Handle("reminder", func(ctx context.Context, m outbox.Message) (outbox.Message, error) {
		seen.Store(&m)
		u, err := f.st.GetUser(ctx, m.About)
		if err != nil {
			return outbox.Message{}, err
		}
		text := map[string]string{"lo": "ງານບຸນປີໃໝ່ເລີ່ມມື້ອື່ນ", "en": "Bunpimay starts tomorrow"}[u.Lang]
		return outbox.Message{ChatID: 999, Text: text, Buttons: [][]outbox.Button{{{Text: "📅", Data: "ev:bunpimay"}}}}, nil
	})
	const uid = 1234567890123
	if _, err := f.st.TouchUser(ctx, uid, "en"); err != nil {
		t.Fatal(err)
	}
	if err := f.st.SetLanguage(ctx, uid, "en", store.LangExplicit); err != nil {
		t.Fatal(err)
	}
	item := reminderItem(uid, "rem:bunpimay:1234567890123:1776000000:24h")
	if err := f.st.EnqueueBulk(ctx, string(outbox.LaneReminder), item); err != nil {
		t.Fatal(err)
	}
	// The user switches to Lao after the reminder was queued.
	if err := f.st.SetLanguage(ctx, uid, "lo", store.LangExplicit); err != nil {
		t.Fatal(err)
	}
	f.run(o)
	msgs, err := f.srv.WaitMessages(uid, 1, wait)
	if err != nil {
		t.Fatal(err)
	}
	if msgs[0].Text != "ງານບຸນປີໃໝ່ເລີ່ມມື້ອື່ນ" || len(msgs[0].Buttons) != 1 {
		t.Errorf("got %q %v, want the Lao text with its button", msgs[0].Text, msgs[0].Buttons)
	}
	if m := seen.Load(); m.Key != "rem:bunpimay:1234567890123:1776000000:24h" || m.About != uid || !m.Once || m.Render != "reminder" {
		t.Errorf("the renderer got %+v, want the queued item", *m)
	}
	f.idle(outbox.LaneReminder)
	if n := len(f.srv.Messages(999)); n != 0 {
		t.Errorf("the renderer's chat got %d messages; the queued chat decides", n)
	}
}

// TestRender_SkipAndUnknown: ErrSkip drops the message (an event cancelled, reminders turned off); an
// unknown renderer is logged and dropped; neither is sent nor left in flight.
func TestRender_SkipAndUnknown(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	o := f.outbox(outbox.Config{})
	o.Handle("reminder", func(context.Context, outbox.Message) (outbox.Message, error) {
		return outbox.Message{}, outbox.ErrSkip
	})
	for _, uid := range []int64{601, 602} {
		if _, err := f.st.TouchUser(ctx, uid, "en"); err != nil {
			t.Fatal(err)
		}
	}
	unknown := []byte(`{"chat_id":602,"key":"rem:x:602","render":"digest","about":602,"once":true}`)
	if err := f.st.EnqueueBulk(ctx, string(outbox.LaneReminder), reminderItem(601, "rem:x:601"), unknown); err != nil {
		t.Fatal(err)
	}
	f.run(o)
	f.idle(outbox.LaneReminder)
	if n := len(f.srv.Messages(601)) + len(f.srv.Messages(602)); n != 0 {
		t.Errorf("%d messages sent, want none", n)
	}
	if got := outcome(t, o, outbox.LaneReminder, "skipped"); got != 1 {
		t.Errorf("skipped: got %v, want 1", got)
	}
	if !f.logs.has("unknown renderer") || !f.logs.has("render=digest") {
		t.Error("the unknown renderer was not logged")
	}
}

// TestRender_ErrorLeavesItForTheReaper: a renderer that fails (Redis unavailable) leaves the message in
// flight; after the lease the reaper gives it back and it is sent.
func TestRender_ErrorLeavesItForTheReaper(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	o := f.outbox(outbox.Config{})
	var calls atomic.Int32
	o.Handle("reminder", func(context.Context, outbox.Message) (outbox.Message, error) {
		if calls.Add(1) == 1 {
			return outbox.Message{}, errors.New("redis: connection refused")
		}
		return outbox.Message{Text: "Tomorrow at 08:00"}, nil
	})
	if _, err := f.st.TouchUser(ctx, 603, "en"); err != nil {
		t.Fatal(err)
	}
	if err := f.st.EnqueueBulk(ctx, string(outbox.LaneReminder), reminderItem(603, "rem:y:603")); err != nil {
		t.Fatal(err)
	}
	stop := f.run(o)
	f.until("the failed render logged", func() bool { return f.logs.has("not rendered") })
	stop()
	if w, n := f.lane(outbox.LaneReminder); w != 0 || n != 1 || len(f.srv.Messages(603)) != 0 {
		t.Fatalf("after the failed render: %d waiting, %d in flight, %d sent; want it in flight, unsent", w, n, len(f.srv.Messages(603)))
	}
	f.clock.Add(pastLease)
	f.run(o)
	if _, err := f.srv.WaitMessages(603, 1, wait); err != nil {
		t.Fatal(err)
	}
	f.idle(outbox.LaneReminder)
	if got := f.texts(603); len(got) != 1 || got[0] != "Tomorrow at 08:00" {
		t.Errorf("got %q", got)
	}
}

// TestOnce_SentOncePerKey: the same reminder queued twice (the reaper's copy of one a slow sender still
// held) is sent once; the second copy is counted as a duplicate.
func TestOnce_SentOncePerKey(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	o := f.outbox(outbox.Config{BulkWorkers: 1})
	o.Handle("reminder", func(context.Context, outbox.Message) (outbox.Message, error) {
		return outbox.Message{Text: "Starts in 2 hours"}, nil
	})
	if _, err := f.st.TouchUser(ctx, 604, "en"); err != nil {
		t.Fatal(err)
	}
	item := reminderItem(604, "rem:z:604:2h")
	if err := f.st.EnqueueBulk(ctx, string(outbox.LaneReminder), item, item); err != nil {
		t.Fatal(err)
	}
	f.run(o)
	f.idle(outbox.LaneReminder)
	if got := f.texts(604); len(got) != 1 {
		t.Errorf("got %q, want the reminder once", got)
	}
	if got := outcome(t, o, outbox.LaneReminder, "duplicate"); got != 1 {
		t.Errorf("duplicate: got %v, want 1", got)
	}
}

// TestOnce_AnotherSenderInItsCall: a copy whose key another sender is sending right now stays in flight
// (not dropped: that sender may die); the reaper gives it back after the lease, and then it is dropped
// when the other sent it, or sent when the other died before it could.
func TestOnce_AnotherSenderInItsCall(t *testing.T) {
	for _, other := range []string{"sent it", "died"} {
		t.Run(other, func(t *testing.T) {
			f := newFixture(t)
			ctx := context.Background()
			o := f.outbox(outbox.Config{})
			const key = "rem:c:605:24h"
			if got, err := f.st.ClaimOnce(ctx, key, time.Minute); err != nil || got != store.OnceClaimed {
				t.Fatalf("the other sender's claim: %v %v", got, err)
			}
			if err := o.Enqueue(ctx, outbox.LaneReminder, outbox.Message{ChatID: 605, Text: "Starts in 24 hours", Key: key, Once: true}); err != nil {
				t.Fatal(err)
			}
			stop := f.run(o)
			f.until("the copy deferred", func() bool { return outcome(t, o, outbox.LaneReminder, "deferred") == 1 })
			stop()
			if w, n := f.lane(outbox.LaneReminder); w != 0 || n != 1 || len(f.srv.Messages(605)) != 0 {
				t.Fatalf("while the other sender holds the key: %d waiting, %d in flight, %d sent; want it in flight", w, n, len(f.srv.Messages(605)))
			}
			want := 0
			switch other {
			case "sent it":
				if err := f.st.MarkOnceSent(ctx, key, time.Hour); err != nil {
					t.Fatal(err)
				}
			case "died":
				// Its claim expires (store.TestClaimOnce_ExpiresWithItsHolder); here it is gone at once.
				if err := f.st.ReleaseOnce(ctx, key); err != nil {
					t.Fatal(err)
				}
				want = 1
			}
			f.clock.Add(pastLease)
			f.run(o)
			f.idle(outbox.LaneReminder)
			if n := len(f.srv.Messages(605)); n != want {
				t.Errorf("after the lease: %d sent, want %d", n, want)
			}
		})
	}
}

// TestOnce_FailedCallsGiveTheKeyBack: a call Telegram refused leaves no claim behind: a 429 is retried
// under a new claim and sent once, and after a final failure the same key queued again is sent.
func TestOnce_FailedCallsGiveTheKeyBack(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	o := f.outbox(outbox.Config{})
	f.run(o)
	f.srv.FailNext("sendMessage", 606, 1, telegramtest.Failure{Code: 429, RetryAfter: 1})
	m := outbox.Message{ChatID: 606, Text: "Starts in 2 hours", Key: "rem:a:606:2h", Once: true}
	if err := o.Enqueue(ctx, outbox.LaneReminder, m); err != nil {
		t.Fatal(err)
	}
	if _, err := f.srv.WaitMessages(606, 1, wait); err != nil {
		t.Fatal(err)
	}
	f.idle(outbox.LaneReminder)

	f.srv.FailNext("sendMessage", 607, 1, telegramtest.Failure{Code: 400, Description: "Bad Request: chat not found"})
	m = outbox.Message{ChatID: 607, Text: "Starts in 2 hours", Key: "rem:a:607:2h", Once: true}
	if err := o.Enqueue(ctx, outbox.LaneReminder, m); err != nil {
		t.Fatal(err)
	}
	f.idle(outbox.LaneReminder)
	if n := len(f.srv.Messages(607)); n != 0 {
		t.Fatalf("refused message: %d sent", n)
	}
	if err := o.Enqueue(ctx, outbox.LaneReminder, m); err != nil {
		t.Fatal(err)
	}
	if _, err := f.srv.WaitMessages(607, 1, wait); err != nil {
		t.Fatal(err)
	}
	f.idle(outbox.LaneReminder)
	if n := len(f.srv.Messages(606)); n != 1 {
		t.Errorf("after a 429: %d sent, want 1", n)
	}
}

// TestForget_RemovesQueuedReminders: a reminder is news only its user should get; /forget takes it off the
// lane, waiting or in flight, in the mover's format (about as a JSON number).
func TestForget_RemovesQueuedReminders(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	o := f.outbox(outbox.Config{})
	const uid, other = 1234567890123, 702
	items := [][]byte{reminderItem(uid, "rem:e:1:72h"), reminderItem(other, "rem:e:702:72h"), reminderItem(uid, "rem:e:1:24h")}
	if err := f.st.EnqueueBulk(ctx, string(outbox.LaneReminder), items...); err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.TakeBulk(ctx, string(outbox.LaneReminder), time.Minute); err != nil { // in flight
		t.Fatal(err)
	}
	if n, err := o.Forget(ctx, uid); err != nil || n != 2 {
		t.Fatalf("Forget: got %d %v, want 2 (one waiting, one in flight)", n, err)
	}
	if w, n := f.lane(outbox.LaneReminder); w != 1 || n != 0 {
		t.Errorf("left: %d waiting, %d in flight; want the other user's one waiting", w, n)
	}
}

// generous is a per-chat budget that does not get in the way: these tests are about the global one.
var generous = redis_rate.Limit{Rate: 1000, Burst: 1000, Period: time.Second}

// TestLanes_RemindersGoBeforeAQueuedBroadcast: with a real global budget and a broadcast lane full,
// reminders queued later wait only for the broadcasts the workers already hold, not for the lane.
func TestLanes_RemindersGoBeforeAQueuedBroadcast(t *testing.T) {
	t.Parallel() // waits on the send budget, not the CPU
	f := newFixture(t)
	ctx := context.Background()
	const workers, broadcasts, reminders = 8, 400, 20
	o := f.outbox(outbox.Config{SendRate: 20, PerChat: generous, BulkWorkers: workers})
	var news []outbox.Message
	for i := range broadcasts {
		news = append(news, outbox.Message{ChatID: 10000 + int64(i), Text: "Newsletter"})
	}
	if err := o.Enqueue(ctx, outbox.LaneBroadcast, news...); err != nil {
		t.Fatal(err)
	}
	f.run(o)
	sent := func(from, to int64) int {
		n := 0
		for _, c := range f.srv.Calls("sendMessage") {
			if id, _ := strconv.ParseInt(c.Params["chat_id"], 10, 64); c.Code == 200 && id >= from && id < to {
				n++
			}
		}
		return n
	}
	f.until("the broadcast under way", func() bool { return sent(10000, 10000+broadcasts) >= 5 })
	var rem []outbox.Message
	for i := range reminders {
		rem = append(rem, outbox.Message{ChatID: 20000 + int64(i), Text: "Starts in 2 hours", Key: "rem:b:" + strconv.Itoa(i), Once: true})
	}
	if err := o.Enqueue(ctx, outbox.LaneReminder, rem...); err != nil {
		t.Fatal(err)
	}
	before := sent(10000, 10000+broadcasts) // at least as many as were out when the reminders were queued
	f.until("every reminder sent", func() bool { return sent(20000, 20000+reminders) == reminders })
	// In the order of the fake server's log: broadcasts sent before the last reminder.
	ahead, seen := 0, 0
	for _, c := range f.srv.Calls("sendMessage") {
		id, _ := strconv.ParseInt(c.Params["chat_id"], 10, 64)
		switch {
		case c.Code != 200:
		case id >= 20000:
			seen++
		case seen < reminders:
			ahead++
		}
	}
	// A worker takes a broadcast only while no reminder waits; but the reminders taken compete for the
	// global budget with the broadcasts other workers hold (the budget has no order among its waiters),
	// so a few go between. Half the lane is seconds of budget beyond that.
	t.Logf("%d broadcasts before the last reminder, %d before the reminders were queued", ahead, before)
	if ahead >= broadcasts/2 {
		t.Errorf("%d of %d broadcasts were sent before the last reminder (%d before the reminders were queued)", ahead, broadcasts, before)
	}
	if w, _ := f.lane(outbox.LaneBroadcast); w == 0 {
		t.Error("the broadcast lane drained before the reminders were out")
	}
}

// TestReplies_CountInTheGlobalBudget: replies never wait for the global budget, but they are counted in it
// — a tick's worth at a time, by Run (countReplies) — so that the bulk lanes leave them room.
func TestReplies_CountInTheGlobalBudget(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	o := f.outbox(outbox.Config{SendRate: 30, PerChat: generous})
	for i := range 3 {
		if _, err := o.Send(ctx, outbox.Message{ChatID: 100 + int64(i), Text: "Học phí"}); err != nil {
			t.Fatal(err)
		}
	}
	rdb, key := f.st.Redis(), "rate:"+store.RateKey("global") // redis_rate's own prefix, then ours
	if n, err := rdb.Exists(ctx, key).Result(); err != nil || n != 0 {
		t.Fatalf("the global budget before the replies were counted: %d %v, want no key", n, err)
	}
	f.run(o)
	f.until("the replies counted in the global budget", func() bool {
		n, err := rdb.Exists(ctx, key).Result()
		return err == nil && n == 1
	})
}

// TestCopy_QueuedCopyRepliesAndTellsItsHook queues a card and a copy of a user's photo replying to it:
// the copy carries the photo, replies to the card, and the hook learns both messages' ids (what a staff
// reply is mapped back by). A ForceReply prompt reaches the chat as one.
func TestCopy_QueuedCopyRepliesAndTellsItsHook(t *testing.T) {
	f := newFixture(t)
	o := f.outbox(outbox.Config{})
	var mu sync.Mutex
	sent := map[string]int{}
	o.OnSent("conv", func(_ context.Context, m outbox.Message, id int) {
		mu.Lock()
		defer mu.Unlock()
		sent[m.Key] = id
	})
	f.srv.PushPhoto(tgUser(42), "receipt")
	const staff = -100
	ctx := context.Background()
	if _, err := o.Send(ctx, outbox.Message{ChatID: staff, Text: "card", Key: "card", Sent: "conv"}); err != nil {
		t.Fatal(err)
	}
	if err := o.Enqueue(ctx, outbox.LaneNotify,
		outbox.Message{ChatID: staff, Text: "card 2", Key: "card", Sent: "conv"},
		outbox.Message{ChatID: staff, Copy: &outbox.Copy{FromChatID: 42, MessageID: 1}, ReplyTo: 1, Key: "copy", Sent: "conv"},
		outbox.Message{ChatID: staff, Text: "Write your reply", ForceReply: "Reply"}); err != nil {
		t.Fatal(err)
	}
	f.run(o)
	f.idle(outbox.LaneNotify)
	msgs := f.srv.Messages(staff)
	if len(msgs) != 4 {
		t.Fatalf("staff chat has %d messages, want 4", len(msgs))
	}
	var cp, prompt telegramtest.Message
	for _, m := range msgs {
		switch {
		case m.CopyOf != "":
			cp = m
		case m.ForceReply:
			prompt = m
		}
	}
	if cp.Media != "photo" || cp.Caption != "receipt" || cp.ReplyTo != 1 {
		t.Errorf("copy: %+v, want the photo replying to the first card", cp)
	}
	if prompt.Placeholder != "Reply" {
		t.Errorf("prompt: %+v", prompt)
	}
	mu.Lock()
	defer mu.Unlock()
	if sent["copy"] != cp.ID || sent["card"] == 0 || sent["card"] == 1 {
		t.Errorf("hook got %v, want the queued card's id and the copy's %d (the sent-at-once card has none)", sent, cp.ID)
	}
}

func tgUser(id int64) models.User { return models.User{ID: id, FirstName: "Noy"} }

// TestOutage_QueuedMessagesWaitItOut: a reminder whose every attempt meets a 502 (Telegram down for longer
// than the backoff) stays in flight instead of failing, and is sent once when the reaper hands it back
// after the lease and Telegram is up again; a message that meets the outage round after round fails after
// Rounds of them, and is not sent.
func TestOutage_QueuedMessagesWaitItOut(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	o := f.outbox(outbox.Config{Attempts: 2, Backoff: time.Millisecond, Rounds: 1})
	down := telegramtest.Failure{Code: 502, Description: "Bad Gateway"}
	round := func(chat int64, want float64) {
		t.Helper()
		f.clock.Add(pastLease) // the reaper that runs when Run starts hands back what is in flight
		stop := f.run(o)
		var got string
		if !f.srv.Wait(func() bool {
			w, n := f.lane(outbox.LaneReminder)
			done := outcome(t, o, outbox.LaneReminder, "retry_later") + outcome(t, o, outbox.LaneReminder, "failed") +
				outcome(t, o, outbox.LaneReminder, "ok")
			got = fmt.Sprintf("%v rounds done, %d waiting, %d in flight", done, w, n)
			return done == want && w == 0
		}, wait) {
			t.Fatalf("round %v of %d: %s", want, chat, got)
		}
		stop()
	}

	f.srv.FailNext("sendMessage", 611, 2, down)
	if err := o.Enqueue(ctx, outbox.LaneReminder, outbox.Message{ChatID: 611, Text: "Starts in 2 hours", Key: "rem:o:611:2h", Once: true}); err != nil {
		t.Fatal(err)
	}
	round(611, 1)
	if w, n := f.lane(outbox.LaneReminder); w != 0 || n != 1 || len(f.srv.Messages(611)) != 0 {
		t.Fatalf("after a round of 502s: %d waiting, %d in flight, %d sent; want it in flight, unsent", w, n, len(f.srv.Messages(611)))
	}
	round(611, 2)
	f.idle(outbox.LaneReminder)
	if got := f.texts(611); len(got) != 1 || got[0] != "Starts in 2 hours" {
		t.Errorf("after the outage: %q, want the reminder once", got)
	}

	f.srv.FailNext("sendMessage", 612, 4, down)
	if err := o.Enqueue(ctx, outbox.LaneReminder, outbox.Message{ChatID: 612, Text: "Starts in 2 hours", Key: "rem:o:612:2h", Once: true}); err != nil {
		t.Fatal(err)
	}
	round(612, 3)
	round(612, 4)
	f.idle(outbox.LaneReminder)
	if n := len(f.srv.Messages(612)); n != 0 || outcome(t, o, outbox.LaneReminder, "failed") != 1 {
		t.Errorf("past Rounds: %d sent, %v failed; want it failed after its second round", n, outcome(t, o, outbox.LaneReminder, "failed"))
	}
	if n := len(f.srv.Calls("sendMessage")); n != 2+1+4 {
		t.Errorf("%d sendMessage calls, want 2+1 for the first reminder and 2+2 for the second", n)
	}
}
