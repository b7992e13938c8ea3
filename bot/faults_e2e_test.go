package bot_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/go-telegram/bot/models"

	"github.com/ufo-thanhhoa/huunghi/bot"
	"github.com/ufo-thanhhoa/huunghi/bot/outbox"
	"github.com/ufo-thanhhoa/huunghi/bot/telegramtest"
)

// faultSeed seeds the fake's fault draws; a failure names its seed, and setting it here repeats the draws.
const faultSeed = 11

// faultAPITimeout is the bot's Bot API timeout in these tests: a held call fails after it, not after the
// minute of production. A healthy call that outlasts it on a loaded machine, having taken effect, may be
// sent again; answerLog counts it in the duplicate window with the injected faults that lose an answer.
const faultAPITimeout = time.Second

// wireFaults are the fault kinds the tests run traffic through.
var wireFaults = []struct {
	name string
	f    telegramtest.WireFault
}{
	{"500-json", telegramtest.WireFault{Kind: telegramtest.Status, Code: 500, JSON: true}},
	{"502-html", telegramtest.WireFault{Kind: telegramtest.Status, Code: 502}},
	{"timeout", telegramtest.WireFault{Kind: telegramtest.Hold}},
	{"slow", telegramtest.WireFault{Kind: telegramtest.Slow, Delay: faultAPITimeout / 3}},
	{"reset-before", telegramtest.WireFault{Kind: telegramtest.ResetBefore}},
	{"reset-after", telegramtest.WireFault{Kind: telegramtest.ResetAfter}},
	{"timeout-after", telegramtest.WireFault{Kind: telegramtest.HoldAfter}},
}

// duplicates counts, per chat, the bot's messages that repeat an earlier one of the same chat (text and
// buttons): the traffic of these tests has no message a user should see twice.
func duplicates(h *harness, chats []int64) map[int64]int {
	out := map[int64]int{}
	for _, c := range chats {
		seen := map[string]bool{}
		for _, m := range h.srv.Messages(c) {
			if m.Deleted {
				continue
			}
			k := fmt.Sprintf("%s\x00%v", m.Text, m.Buttons)
			if seen[k] {
				out[c]++
			}
			seen[k] = true
		}
	}
	return out
}

// answerLog numbers the bot's Bot API calls (telegramtest.CallIDHeader) and remembers those it got no
// whole answer to: a timeout, a reset, a body cut short. Matched with the fake's record of which calls
// took effect, it is the duplicate window exactly: the injected faults that lose an answer after the
// effect (ResetAfter, HoldAfter), and a healthy call that a loaded machine made outlast the bot's
// timeout, which counting injections alone took for a bug.
type answerLog struct {
	next atomic.Int64
	mu   sync.Mutex
	lost map[string]bool
}

func (l *answerLog) RoundTrip(r *http.Request) (*http.Response, error) {
	id := strconv.FormatInt(l.next.Add(1), 10)
	r = r.Clone(r.Context()) // a RoundTripper must not change the caller's request
	r.Header.Set(telegramtest.CallIDHeader, id)
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err != nil {
		l.miss(id)
		return nil, err
	}
	resp.Body = &watchedBody{ReadCloser: resp.Body, miss: func() { l.miss(id) }}
	return resp, nil
}

func (l *answerLog) miss(id string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.lost == nil {
		l.lost = map[string]bool{}
	}
	l.lost[id] = true
}

// watchedBody tells its log when an answer's body could not be read to its end.
type watchedBody struct {
	io.ReadCloser
	miss func()
}

func (b *watchedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && err != io.EOF {
		b.miss()
	}
	return n, err
}

// lostAnswers counts, per chat, the calls that took effect (the fake answered, or would have answered,
// 200) and whose answer the bot never got: the one window in which the outbox may send a message twice.
func lostAnswers(h *harness, l *answerLog) map[int64]int {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := map[int64]int{}
	for _, c := range h.srv.Calls("") {
		if c.Code == http.StatusOK && l.lost[c.ID] {
			id, _ := strconv.ParseInt(c.Params["chat_id"], 10, 64)
			out[id]++
		}
	}
	return out
}

// TestFaults_SendsSurviveWireFaults runs the traffic of a busy hour — questions answered from the FAQ,
// two registrations with their confirmations and staff cards (notify lane), reminders (reminder lane,
// once only) and a broadcast to everyone — through a Bot API whose sendMessage meets one kind of wire
// fault on about a third of the calls (never more than two in a row to one chat, inside the outbox's four
// attempts). Every message arrives; a message is repeated only where a call took effect and its answer
// was lost, and never more often than that happened in its chat.
func TestFaults_SendsSurviveWireFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("seven bots, each through a few hundred faulty calls")
	}
	for _, tc := range wireFaults {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel() // waits on backoffs and timeouts, not the CPU
			sendsThrough(t, tc.f)
		})
	}
}

func sendsThrough(t *testing.T, f telegramtest.WireFault) {
	const staffChat = -7100
	generous := redis_rate.Limit{Rate: 1000, Burst: 1000, Period: time.Second}
	answers := &answerLog{}
	h := newHarness(t, map[string]string{"STAFF_CHAT_ID": strconv.Itoa(staffChat), "STAFF_IDS": "900", "BULK_LEASE": "5s"},
		bot.WithSendLimits(generous, generous), bot.WithAPITimeout(faultAPITimeout), bot.WithTransport(answers))
	h.srv.InjectRandom("sendMessage", 0.3, faultSeed, 2, f)
	ctx := context.Background()
	var chats []int64

	// Questions, all at once.
	topic, _ := h.content.FAQ.Topic("residence_card")
	questions := []struct{ lang, q string }{
		{"vi", "gia han the tam tru o dau"},
		{"lo", "ບັດພັກເຊົາໝົດອາຍຸ ຕໍ່ແນວໃດ"},
		{"en", "how do i renew my residence card"},
	}
	var askers []models.User
	for i := range 12 {
		q := questions[i%len(questions)]
		u := user(int64(8100+i), q.lang)
		askers = append(askers, u)
		chats = append(chats, u.ID)
		h.srv.PushText(u, q.q)
	}
	// Reminders, queued as the reminder job queues them.
	queue := outbox.New(nil, h.store(), outbox.Config{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	var rem []outbox.Message
	for i, u := range askers {
		for j := range 2 {
			rem = append(rem, outbox.Message{ChatID: u.ID, Text: fmt.Sprintf("⏰ Bunpimay %d/%d in %d hours", i, j, 24*(j+1)),
				Key: fmt.Sprintf("rem:faults:%d:%d", u.ID, j), Once: true})
		}
	}
	if err := queue.Enqueue(ctx, outbox.LaneReminder, rem...); err != nil {
		t.Fatal(err)
	}
	// Two registrations, step by step, meanwhile.
	var applicants []*applicant
	for i, lang := range []string{"lo", "vi"} {
		a := &applicant{h: h, u: user(int64(8200+i), lang), prog: exchange}
		chats = append(chats, a.u.ID)
		a.send("/start reg_" + exchange)
		a.complete(lang)
		applicants = append(applicants, a)
	}
	h.idle()

	// A broadcast to everyone the bot knows.
	id := startBroadcast(t, h, "all", map[string]string{"vi": "Thông báo: Tết Lào", "lo": "ແຈ້ງການ: ບຸນປີໃໝ່", "en": "Notice: Lao New Year"}, staffChat)
	rec := waitBroadcast(t, h, id, 30*time.Second)
	h.idle()
	chats = append(chats, staffChat)

	// Nothing lost.
	for i, u := range askers {
		q := questions[i%len(questions)]
		msgs := h.srv.Messages(u.ID)
		if !slices.ContainsFunc(msgs, func(m telegramtest.Message) bool { return strings.Contains(m.Text, topic.TopicTitle(q.lang)) }) {
			t.Errorf("%d (%s) never got the answer to %q: %d messages", u.ID, q.lang, q.q, len(msgs))
		}
	}
	for _, m := range rem {
		if !slices.ContainsFunc(h.srv.Messages(m.ChatID), func(s telegramtest.Message) bool { return s.Text == m.Text }) {
			t.Errorf("reminder %q never reached %d", m.Text, m.ChatID)
		}
	}
	cards := h.srv.Messages(staffChat)
	for _, a := range applicants {
		reg, err := h.store().GetRegistration(ctx, exchange, a.u.ID)
		if err != nil {
			t.Fatalf("%d: registration: %v", a.u.ID, err)
		}
		if !slices.ContainsFunc(h.srv.Messages(a.u.ID), func(m telegramtest.Message) bool { return strings.Contains(m.Text, reg.Ref) }) {
			t.Errorf("%d never saw the confirmation of %s", a.u.ID, reg.Ref)
		}
		if !slices.ContainsFunc(cards, func(m telegramtest.Message) bool { return strings.Contains(m.Text, reg.Ref) }) {
			t.Errorf("the staff chat never got the card of %s", reg.Ref)
		}
	}
	for _, c := range chats[:len(chats)-1] {
		if n := len(broadcastsTo(h, c)); n == 0 {
			t.Errorf("%d never got the broadcast", c)
		}
	}
	if rec.Failed > 0 {
		t.Errorf("broadcast %s: %d sent, %d failed under faults the outbox retries", id, rec.Sent, rec.Failed)
	}

	// Duplicates only where an answer was lost, and at most as many.
	dups, lost := duplicates(h, chats), lostAnswers(h, answers)
	for c, n := range dups {
		if n > lost[c] {
			t.Errorf("chat %d: %d duplicate messages, %d calls took effect without an answer (seed %d)", c, n, lost[c], faultSeed)
		}
	}
	injected := len(h.srv.Injections())
	if injected < 10 {
		t.Errorf("only %d faults injected: the traffic did not meet the faults", injected)
	}
	t.Logf("%s: %d faults injected, %d calls took effect without an answer, %d duplicates", f.Kind, injected, sum(lost), sum(dups))
}

func sum(m map[int64]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// TestFaults_PollingSurvivesWireFaults pushes updates while getUpdates meets each kind of wire fault on
// half its calls (at most three in a row), most of them carrying one update and the offset confirming
// the one before: every update is handled, and none twice.
func TestFaults_PollingSurvivesWireFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("seven bots polling through faults")
	}
	for _, tc := range wireFaults {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel() // waits on the intake's backoff
			h := newHarness(t, nil, bot.WithAPITimeout(faultAPITimeout))
			h.srv.InjectRandom("getUpdates", 0.5, faultSeed, 3, tc.f)
			var users []models.User
			for i := range 18 {
				u := user(int64(8300+i), []string{"vi", "lo", "en"}[i%3])
				users = append(users, u)
				h.srv.PushText(u, "/help")
				if i%3 != 2 {
					h.messages(u.ID, 1) // mostly one update a poll, so that many polls meet the faults
				}
			}
			h.idle()
			for _, u := range users {
				msgs := h.srv.Messages(u.ID)
				if len(msgs) != 1 || msgs[0].Text != h.content.T(u.LanguageCode, "help.text") {
					t.Errorf("%d: got %d messages %v, want the help text once", u.ID, len(msgs), msgs)
				}
			}
			if n := len(h.srv.Injections()); n < 3 { // a slow poll may carry several updates: fewer polls
				t.Errorf("only %d faults injected on getUpdates", n)
			}
		})
	}
}
