package bot_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-redis/redis_rate/v10"

	"github.com/ufo-thanhhoa/huunghi/bot"
	"github.com/ufo-thanhhoa/huunghi/bot/outbox"
	"github.com/ufo-thanhhoa/huunghi/bot/store"
	"github.com/ufo-thanhhoa/huunghi/bot/store/redistest"
)

// roundRobin is the load balancer in front of the replicas' webhook ports: each request goes to the next
// replica in turn, whatever chat it is for, as an L7 balancer without affinity does. hits counts what each
// replica was given.
type roundRobin struct {
	next    atomic.Uint64
	proxies []*httputil.ReverseProxy
	hits    []atomic.Int64
}

func newRoundRobin(t *testing.T, addrs ...string) *roundRobin {
	t.Helper()
	rr := &roundRobin{hits: make([]atomic.Int64, len(addrs))}
	for _, a := range addrs {
		u, err := url.Parse("http://" + a)
		if err != nil {
			t.Fatal(err)
		}
		rr.proxies = append(rr.proxies, &httputil.ReverseProxy{
			Rewrite:  func(r *httputil.ProxyRequest) { r.SetURL(u); r.Out.Host = r.In.Host },
			ErrorLog: slog.NewLogLogger(slog.NewTextHandler(io.Discard, nil), slog.LevelError), // 502 while a replica starts
		})
	}
	return rr
}

func (rr *roundRobin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	i := int((rr.next.Add(1) - 1) % uint64(len(rr.proxies)))
	rr.hits[i].Add(1)
	rr.proxies[i].ServeHTTP(w, r)
}

// metricOf reads one sample of an app's /metrics (0 when absent).
func metricOf(t testing.TB, app *bot.App, sample string) float64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	addr, err := app.MetricsAddr(ctx)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(body), "\n") {
		if v, ok := strings.CutPrefix(line, sample+" "); ok {
			f, _ := strconv.ParseFloat(v, 64)
			return f
		}
	}
	return 0
}

// TestReplicas_WebhookBehindALoadBalancer runs two replicas in webhook mode on one Redis behind a
// round-robin balancer, the fake Bot API delivering to the balancer's URL (one update at a time, again
// until a 2xx, as Telegram does), so that consecutive updates of one chat land on different replicas.
// 50 chats × 10 numbered questions: each is answered once, in the order asked. The reminders job run by
// both in the same minute reminds everyone once. And a broadcast both replicas send stays within SEND_RATE
// summed over both, measured at the fake: the budget is in Redis, not per process.
func TestReplicas_WebhookBehindALoadBalancer(t *testing.T) {
	t.Parallel()
	addrA, addrB := redistest.FreeAddr(t), redistest.FreeAddr(t) // the balancer knows them before the replicas start
	rr := newRoundRobin(t, addrA, addrB)
	lb := httptest.NewServer(rr)
	defer lb.Close()
	const sendRate = 20
	start := time.Date(2031, 5, 14, 20, 0, 0, 0, hcm)
	// Replies may go fast (the order under test is the dispatcher's, not the chat budget's pacing); the
	// broadcast is paced by the global budget alone.
	h := eventsHarness(t, map[string]string{
		"HTTP_ADDR": addrA, "WEBHOOK_URL": lb.URL + "/tg/hook", "WEBHOOK_SECRET": "replicas-secret-token",
		"SEND_RATE": strconv.Itoa(sendRate),
	}, map[string]string{"crowd": eventFile("crowd", start, "reminders: [24h]")},
		bot.WithSendLimits(redis_rate.Limit{Rate: 1000, Burst: 1000, Period: time.Second}, redis_rate.Limit{}))
	second := h.replicaWith(map[string]string{"HTTP_ADDR": addrB})
	apps := []*bot.App{h.app, second}
	ctx := context.Background()
	idle := func() {
		t.Helper()
		// Generous: the fake delivers the 500 updates one at a time, each through the balancer and stored in
		// Redis before its 200, which takes half a minute on a machine busy with other tests.
		if !h.srv.Wait(func() bool { return h.srv.Pending() == 0 && h.app.Idle(ctx) && second.Idle(ctx) }, 2*time.Minute) {
			t.Fatal("the replicas did not handle every update")
		}
		h.bulkIdle()
	}

	// Questions whose answers say which they answer: the titles of ten FAQ topics, asked by deep link.
	topics := h.content.FAQ.Topics[:10]
	const chats, first = 50, int64(7000)
	for c := range int64(chats) {
		u := user(first+c, "en")
		for _, tp := range topics {
			h.srv.PushText(u, "/start faq_"+tp.ID)
		}
	}
	idle()
	for i, n := range []int64{rr.hits[0].Load(), rr.hits[1].Load()} {
		if n < chats*int64(len(topics))/3 {
			t.Errorf("replica %d was given %d of %d updates: the balancer did not spread them", i, n, chats*len(topics))
		}
	}
	for c := range int64(chats) {
		msgs := h.srv.Messages(first + c)
		var order []int
		for _, m := range msgs {
			for k, tp := range topics {
				if strings.Contains(m.Text, tp.TopicTitle("en")) {
					order = append(order, k)
					break
				}
			}
		}
		if want := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}; !slices.Equal(order, want) {
			t.Fatalf("chat %d: answers to questions %v, want %v (each once, in order); %d messages; a lease was lost: %v", first+c, order, want, len(msgs), h.logs.has("lost chat lease"))
		}
	}

	// The reminders job, run by both replicas in the minute the reminders come due.
	st := h.store()
	const people, firstPerson = 20, int64(7600)
	for i := range int64(people) {
		if _, _, err := st.SignUp(ctx, "crowd", firstPerson+i, "en", nil, 0); err != nil {
			t.Fatal(err)
		}
		if _, err := st.TouchUser(ctx, firstPerson+i, "en"); err != nil {
			t.Fatal(err)
		}
		if err := st.ScheduleReminders(ctx, store.Reminder{Event: "crowd", UserID: firstPerson + i, Offset: 24 * time.Hour, Start: start}); err != nil {
			t.Fatal(err)
		}
	}
	h.moveClock(start.Add(-24 * time.Hour))
	done := make(chan error, len(apps))
	for _, app := range apps {
		go func() { done <- app.RunJob(ctx, "reminders") }()
	}
	for range apps {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	idle()
	for i := range int64(people) {
		if got := reminders(h, firstPerson+i); len(got) != 1 {
			t.Fatalf("user %d got %d reminders, want 1", firstPerson+i, len(got))
		}
	}

	// A broadcast, queued once in Redis and sent by both replicas' outboxes.
	const recipients, firstRecipient = 120, int64(8000)
	msgs := make([]outbox.Message, recipients)
	for i := range msgs {
		msgs[i] = outbox.Message{ChatID: firstRecipient + int64(i), Text: "Tin mới " + strconv.Itoa(i)}
	}
	began := len(h.srv.Calls("sendMessage"))
	q := outbox.New(nil, st, outbox.Config{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := q.Enqueue(ctx, outbox.LaneBroadcast, msgs...); err != nil {
		t.Fatal(err)
	}
	// When the broadcast's sends were made, as the fake recorded them. The fake stores a message before it
	// records its call, so the test waits on the calls (and then the messages), not on the messages alone.
	sends := func() []time.Time {
		var at []time.Time
		for _, c := range h.srv.Calls("sendMessage")[began:] {
			if id, _ := strconv.ParseInt(c.Params["chat_id"], 10, 64); c.Code == http.StatusOK && id >= firstRecipient && id < firstRecipient+recipients {
				at = append(at, c.At)
			}
		}
		return at
	}
	if !h.srv.Wait(func() bool {
		if len(sends()) < recipients {
			return false
		}
		for i := range int64(recipients) {
			if len(h.srv.Messages(firstRecipient+i)) == 0 {
				return false
			}
		}
		return true
	}, time.Minute) {
		t.Fatal("the broadcast was not delivered")
	}
	h.bulkIdle()
	at := sends()
	if len(at) != recipients {
		t.Errorf("%d broadcast sends for %d recipients", len(at), recipients)
	}
	// The most sends in any one second, over both replicas: at most SEND_RATE and the global budget's
	// burst (a tenth of it). Each replica on a budget of its own would send about twice that.
	slices.SortFunc(at, func(a, b time.Time) int { return a.Compare(b) })
	most := 0
	for i := range at {
		j := i
		for j < len(at) && at[j].Sub(at[i]) < time.Second {
			j++
		}
		most = max(most, j-i)
	}
	if limit := sendRate + sendRate/10; most > limit {
		t.Errorf("%d sends in one second over both replicas, want at most %d (SEND_RATE %d + burst)", most, limit, sendRate)
	}
	perReplica := make([]float64, len(apps))
	for i, app := range apps {
		perReplica[i] = metricOf(t, app, `huunghi_sends_total{lane="broadcast",outcome="ok"}`)
	}
	for i, n := range perReplica {
		if n == 0 {
			t.Errorf("replica %d sent none of the broadcast (%v): the test shows no sharing", i, perReplica)
		}
	}
	t.Logf("updates given to the replicas %d/%d; broadcast sent %v by each, at most %d in one second (SEND_RATE %d)",
		rr.hits[0].Load(), rr.hits[1].Load(), perReplica, most, sendRate)
}
