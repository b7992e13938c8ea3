package bot_test

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ufo-thanhhoa/huunghi/bot/broadcast"
	"github.com/ufo-thanhhoa/huunghi/bot/store"
	"github.com/ufo-thanhhoa/huunghi/bot/telegramtest"
)

// seedUsers records n users from first on, their languages in turn from langs, as if each had written to
// the bot once: broadcasts go to people the bot knows. Writing them through the store keeps a
// 3,000-user test about the broadcast, not about 3,000 greetings at 30 a second.
func seedUsers(t testing.TB, st *store.Store, first int64, n int, langs ...string) {
	t.Helper()
	ctx := context.Background()
	for i := range n {
		uid, lang := first+int64(i), langs[i%len(langs)]
		if _, err := st.TouchUser(ctx, uid, lang); err != nil {
			t.Fatal(err)
		}
		if err := st.SetLanguage(ctx, uid, lang, store.LangExplicit); err != nil {
			t.Fatal(err)
		}
	}
}

// startBroadcast makes a broadcast as `huunghi broadcast` does (in Redis, for the running bot to deliver),
// one text per language, and returns its id.
func startBroadcast(t testing.TB, h *harness, audience string, texts map[string]string, chat int64) string {
	t.Helper()
	a, err := broadcast.ParseAudience(audience)
	if err != nil {
		t.Fatal(err)
	}
	vs := map[string]broadcast.Version{}
	for l, text := range texts {
		vs[l] = broadcast.Version{Text: text}
	}
	id, err := h.app.Broadcasts().Create(context.Background(), broadcast.Broadcast{Audience: a, Versions: vs, Chat: chat, Lang: "en"}, h.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// waitBroadcast waits until a broadcast is over and returns its record.
func waitBroadcast(t testing.TB, h *harness, id string, timeout time.Duration) store.BroadcastRecord {
	t.Helper()
	var rec store.BroadcastRecord
	st := h.store() // one client: the condition is checked on every call the fake answers
	ok := h.srv.Wait(func() bool {
		var err error
		rec, err = st.GetBroadcast(context.Background(), id)
		return err == nil && (rec.State == store.BroadcastDone || rec.State == store.BroadcastCancelled)
	}, timeout)
	if !ok {
		t.Fatalf("broadcast %s not over after %s: %+v", id, timeout, rec)
	}
	return rec
}

// broadcastsTo returns the broadcast messages a chat received: those with the stop button.
func broadcastsTo(h *harness, chat int64) []telegramtest.Message {
	var out []telegramtest.Message
	for _, m := range h.srv.Messages(chat) {
		if buttonWith(m, broadcast.StopButtons.Prefix()) != "" {
			out = append(out, m)
		}
	}
	return out
}

// TestBroadcast_ThreeThousandAtTelegramsLimit sends a broadcast to 3,000 people through a fake Bot API that
// refuses more than floodRate messages a second, with some users who blocked the bot (or whose account is
// gone) and a few extra 429s, while other people ask questions. Every reachable user gets it once, in their
// language; the blocked ones are marked and not tried by the next broadcast; the questions are answered
// while it runs, with none of their answers refused for the flood.
//
// The budgets are rate-agnostic (SEND_RATE, its reply reserve of a tenth, the broadcast lane's share), so
// the bot's SEND_RATE and the fake's limit are both floodRate, ten times Telegram's 30: the same race
// between the broadcast, the replies and the flood limit, in a tenth of the time (at 30/s it took almost
// three minutes). TestBroadcast_AtTelegramsOwnRate keeps Telegram's own figure. Under -race the crowd is a
// thousand (broadcastCrowd): the same race, at a third of the race detector's cost.
func TestBroadcast_ThreeThousandAtTelegramsLimit(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("sends 3,000 messages at the fake's flood limit")
	}
	const floodRate = 300
	h := newHarness(t, map[string]string{"SEND_RATE": strconv.Itoa(floodRate), "STAFF_CHAT_ID": "-1001"})
	h.srv.SetFloodLimit(floodRate)
	const first, n = 500000, broadcastCrowd
	st := h.store()
	seedUsers(t, st, first, n, "lo", "vi", "en")
	blocked := map[int64]bool{}
	for i := int64(7); i < n; i += 100 {
		blocked[first+i] = true
		h.srv.FailNext("sendMessage", first+i, 1, telegramtest.Failure{Code: http.StatusForbidden})
	}
	// An account deleted since: "chat not found" is as final as a block.
	blocked[first+8] = true
	h.srv.FailNext("sendMessage", first+8, 1, telegramtest.Failure{Code: http.StatusBadRequest, Description: "Bad Request: chat not found"})
	texts := map[string]string{"lo": "ຂ່າວ: ທຶນການສຶກສາປີ 2027", "vi": "Tin: học bổng năm 2027", "en": "News: 2027 scholarships"}
	id := startBroadcast(t, h, "all", texts, -1001)
	// A few 429s beyond the flood limit's, with retry_after.
	h.srv.FailNext("sendMessage", 0, 3, telegramtest.Failure{Code: http.StatusTooManyRequests, RetryAfter: 1})

	// Questions while it runs: wait until it is well under way (a tenth sent), then ask.
	if !h.srv.Wait(func() bool { return len(h.srv.Calls("sendMessage")) > n/10 }, time.Minute) {
		t.Fatal("the broadcast did not get going")
	}
	askers := []int64{1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008, 1009, 1010}
	for _, a := range askers {
		h.srv.PushText(user(a, "lo"), "ທຶນການສຶກສາ")
	}
	for _, a := range askers {
		h.messages(a, 1)
		rec, err := st.GetBroadcast(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if rec.State != store.BroadcastSending {
			t.Fatalf("user %d answered only once the broadcast was %s", a, rec.State)
		}
	}
	for _, c := range h.srv.Calls("sendMessage") {
		for _, a := range askers {
			if c.Params["chat_id"] == fmt.Sprint(a) && c.Code == http.StatusTooManyRequests {
				t.Errorf("a reply to %d was refused for the flood: replies must find room beside the broadcast", a)
			}
		}
	}

	rec := waitBroadcast(t, h, id, 5*time.Minute)
	h.bulkIdle()
	if rec.State != store.BroadcastDone || rec.Total != n || rec.Sent != n-int64(len(blocked)) || rec.Unreachable != int64(len(blocked)) || rec.Failed != 0 {
		t.Fatalf("figures: %+v, want %d sent and %d unreachable of %d", rec, n-len(blocked), len(blocked), n)
	}
	langs := []string{"lo", "vi", "en"}
	for i := range int64(n) {
		uid := first + i
		got := broadcastsTo(h, uid)
		if blocked[uid] {
			if len(got) != 0 {
				t.Fatalf("blocked user %d shown %d messages", uid, len(got))
			}
			if gone, _ := st.IsUnreachable(context.Background(), uid); !gone {
				t.Fatalf("blocked user %d not marked unreachable", uid)
			}
			continue
		}
		if len(got) != 1 || got[0].Text != texts[langs[i%3]] {
			t.Fatalf("user %d got %d broadcast messages (%v), want one %q", uid, len(got), got, texts[langs[i%3]])
		}
	}
	if h.srv.FloodRefused() > 0 {
		t.Logf("the fake's flood limit refused %d calls (retried after retry_after)", h.srv.FloodRefused())
	}

	// The next broadcast leaves the blocked users out: counted, not tried. (The people who asked wrote in
	// Lao: they are Lao readers now.)
	calls := len(h.srv.Calls("sendMessage"))
	id2 := startBroadcast(t, h, "lang:lo", map[string]string{"": "ຂ່າວສັ້ນ"}, 0)
	rec2 := waitBroadcast(t, h, id2, 3*time.Minute)
	h.bulkIdle()
	var loBlocked int64
	for uid := range blocked {
		if (uid-first)%3 == 0 {
			loBlocked++
		}
	}
	// Every third user from the first reads Lao: (n+2)/3 of them.
	if want := (n+2)/3 - loBlocked + int64(len(askers)); rec2.Sent != want || rec2.Unreachable != loBlocked {
		t.Fatalf("second broadcast: %+v, want %d sent, %d unreachable", rec2, want, loBlocked)
	}
	for _, c := range h.srv.Calls("sendMessage")[calls:] {
		var uid int64
		fmt.Sscan(c.Params["chat_id"], &uid)
		if blocked[uid] {
			t.Fatalf("blocked user %d tried again", uid)
		}
	}
	// /stats adds up the reach.
	h.srv.PushText(user(900, "en"), "/stats")
	stats := h.messages(900, 1)[0].Text
	if want := fmt.Sprintf("Broadcasts in the last 30 days: 2\n• reached %d of %d", rec.Sent+rec2.Sent, rec.Total+rec2.Total); !strings.Contains(stats, want) {
		t.Errorf("/stats lacks %q:\n%s", want, stats)
	}
	if got := h.metric(`huunghi_broadcast_recipients_30d{outcome="sent"}`); got != float64(rec.Sent+rec2.Sent) {
		t.Errorf("/metrics: %v recipients sent, want %d", got, rec.Sent+rec2.Sent)
	}
	// The staff chat's figures message ends with the final figures.
	done := func() bool {
		figures := h.srv.Messages(-1001)
		last := figures[max(len(figures)-1, 0):]
		return len(last) == 1 && strings.Contains(last[0].Text, "done") && strings.Contains(last[0].Text, fmt.Sprintf("sent %d ", rec.Sent))
	}
	if !h.srv.Wait(done, wait) {
		t.Fatalf("figures in the staff chat: %+v", h.srv.Messages(-1001))
	}
}

// TestBroadcast_AtTelegramsOwnRate is the broadcast at Telegram's real limit, 30 messages a second over all
// chats (SEND_RATE 30, the fake refusing beyond 30/s), while someone asks a question: the bot keeps under
// the limit by itself — not one call refused for the flood — without going faster than the budget allows,
// everyone gets it once, and the question is answered on the reply reserve before the broadcast is over.
func TestBroadcast_AtTelegramsOwnRate(t *testing.T) {
	t.Parallel() // waits on the send budget, not the CPU
	h := newHarness(t, map[string]string{"SEND_RATE": "30"})
	h.srv.SetFloodLimit(30)
	const first, n = 520000, 150
	seedUsers(t, h.store(), first, n, "en")
	id := startBroadcast(t, h, "all", map[string]string{"": "News"}, 0)
	if !h.srv.Wait(func() bool { return len(h.srv.Calls("sendMessage")) >= 30 }, time.Minute) {
		t.Fatal("the broadcast did not get going")
	}
	asker := user(1021, "en")
	h.srv.PushText(asker, "/help")
	h.messages(asker.ID, 1)
	if rec, err := h.store().GetBroadcast(context.Background(), id); err != nil || rec.State != store.BroadcastSending {
		t.Fatalf("the question was answered only once the broadcast was %s (%v)", rec.State, err)
	}
	rec := waitBroadcast(t, h, id, time.Minute)
	h.bulkIdle()
	if rec.Sent != n || rec.Failed != 0 {
		t.Fatalf("figures: %+v, want all %d sent", rec, n)
	}
	for i := range int64(n) {
		if got := broadcastsTo(h, first+i); len(got) != 1 {
			t.Fatalf("user %d got %d broadcast messages, want one", first+i, len(got))
		}
	}
	if refused := h.srv.FloodRefused(); refused != 0 {
		t.Errorf("the fake refused %d calls for the flood: the bot went past Telegram's 30/s", refused)
	}
	var at []time.Time
	for _, c := range h.srv.Calls("sendMessage") {
		if c.Code == http.StatusOK && c.Params["chat_id"] != strconv.FormatInt(asker.ID, 10) {
			at = append(at, c.At)
		}
	}
	// The global budget's burst is a tenth of a second's worth: past it, no faster than 30 a second.
	if took, least := at[len(at)-1].Sub(at[0]), time.Duration(n-3)*time.Second/30; took < least {
		t.Errorf("%d messages in %v: faster than 30 a second (at least %v)", n, took, least)
	}
}

// TestBroadcast_ScheduledStartsOnceWithTwoReplicas schedules a broadcast for an hour later with two bots
// on one Redis: nothing goes before its time, and when it comes everyone gets it once.
func TestBroadcast_ScheduledStartsOnceWithTwoReplicas(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	h.replica()
	const first, n = 600000, 200
	seedUsers(t, h.store(), first, n, "vi", "lo")
	a, _ := broadcast.ParseAudience("all")
	at := h.clock.Now().Add(time.Hour)
	id, err := h.app.Broadcasts().Create(context.Background(), broadcast.Broadcast{Audience: a,
		Versions: map[string]broadcast.Version{"vi": {Text: "Lịch họp mặt"}, "lo": {Text: "ກຳນົດການພົບປະ"}}}, at)
	if err != nil {
		t.Fatal(err)
	}
	h.idle()
	if rec, _ := h.store().GetBroadcast(context.Background(), id); rec.State != store.BroadcastScheduled {
		t.Fatalf("an hour early: %s", rec.State)
	}
	if got := broadcastsTo(h, first); len(got) != 0 {
		t.Fatalf("sent before its time: %v", got)
	}
	h.moveClock(at)
	rec := waitBroadcast(t, h, id, time.Minute)
	h.bulkIdle()
	if rec.State != store.BroadcastDone || rec.Sent != n || rec.Total != n {
		t.Fatalf("figures: %+v", rec)
	}
	for i := range int64(n) {
		want := map[bool]string{true: "Lịch họp mặt", false: "ກຳນົດການພົບປະ"}[i%2 == 0]
		if got := broadcastsTo(h, first+i); len(got) != 1 || got[0].Text != want {
			t.Fatalf("user %d: %v, want one %q", first+i, got, want)
		}
	}
}

// TestBroadcast_CancelStopsIt cancels a broadcast while it is being sent: nobody gets it afterwards, and
// its figures add up to who got it and who did not.
func TestBroadcast_CancelStopsIt(t *testing.T) {
	t.Parallel()
	h := newHarness(t, map[string]string{"SEND_RATE": "10"})
	const first, n = 610000, 150
	st := h.store()
	seedUsers(t, st, first, n, "en")
	id := startBroadcast(t, h, "lang:en", map[string]string{"": "Announcement"}, 0)
	received := func() int {
		c := 0
		for i := range int64(n) {
			c += len(broadcastsTo(h, first+i))
		}
		return c
	}
	if !h.srv.Wait(func() bool { return received() >= 10 }, time.Minute) {
		t.Fatal("the broadcast did not get going")
	}
	if err := h.app.Broadcasts().Cancel(context.Background(), id, 900); err != nil {
		t.Fatal(err)
	}
	h.idle()
	rec, err := st.GetBroadcast(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	got := received()
	if rec.State != store.BroadcastCancelled || got >= n || int64(got) != rec.Sent || rec.Sent+rec.Skipped+rec.Left != n {
		t.Fatalf("after cancel: %d received, figures %+v", got, rec)
	}
	if err := h.app.Broadcasts().Cancel(context.Background(), id, 900); err != store.ErrBroadcastOver {
		t.Fatalf("second cancel: %v", err)
	}
}
