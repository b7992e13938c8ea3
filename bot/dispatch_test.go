package bot

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"
	"github.com/redis/go-redis/v9"

	"github.com/ufo-thanhhoa/huunghi/bot/outbox"
	"github.com/ufo-thanhhoa/huunghi/bot/store"
	"github.com/ufo-thanhhoa/huunghi/bot/store/redistest"
)

const testWait = 10 * time.Second

// dispatcherRig runs a Dispatcher over a real redis-server, reached through a proxy that can cut it off.
type dispatcherRig struct {
	t          *testing.T
	st         *store.Store
	proxy      *redistest.Proxy
	d          *Dispatcher
	stop, halt context.CancelFunc
	ran        chan struct{}
}

func newDispatcherRig(t *testing.T, workers int, handle func(context.Context, *models.Update)) *dispatcherRig {
	proxy := redistest.NewProxy(t, redistest.Start(t))
	// No retries inside go-redis: each failed call fails at once, so an outage counts attempts quickly.
	rdb := redis.NewClient(&redis.Options{Addr: proxy.Addr, MaxRetries: -1})
	t.Cleanup(func() { _ = rdb.Close() })
	r := &dispatcherRig{t: t, st: store.New(rdb), proxy: proxy, ran: make(chan struct{})}
	base, stop := context.WithCancel(context.Background())
	hard, halt := context.WithCancel(context.Background())
	r.stop, r.halt = stop, halt
	r.d = NewDispatcher(base, hard, r.st, slog.New(slog.NewTextHandler(io.Discard, nil)), workers, time.Second, handle)
	r.d.ackBackoff = 10 * time.Millisecond
	go func() { r.d.Run(); close(r.ran) }()
	t.Cleanup(func() { halt(); stop(); <-r.ran })
	return r
}

// push stores an update of chat and tells the dispatcher, as intake does: the first update of an idle chat
// comes with the chat's lease (HandOver), the others with a Notify.
func (r *dispatcherRig) push(id, chat int64) {
	r.t.Helper()
	res, err := r.st.StoreUpdates(context.Background(), []store.Incoming{{ID: id, Chat: chat, Raw: rawUpdate(r.t, id, chat),
		Backlog: DefaultBacklog, Lease: r.d.lease}})
	switch {
	case err != nil:
		r.t.Fatalf("store update %d: %v", id, err)
	case res[0].Stored == store.Taken:
		r.d.HandOver(chat, res[0].Lock)
	case res[0].Stored == store.Queued:
		r.d.Notify(chat)
	default:
		r.t.Fatalf("store update %d: %v", id, res[0].Stored)
	}
}

func rawUpdate(t *testing.T, id, chat int64) []byte {
	t.Helper()
	raw, err := json.Marshal(models.Update{ID: id, Message: &models.Message{
		ID: int(id), Chat: models.Chat{ID: chat, Type: models.ChatTypePrivate}, From: &models.User{ID: chat}, Text: "hi",
	}})
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// TestDispatcher_HandOverWhileStoppingGivesTheLeaseBack: a lease intake took with an update, handed over as
// the dispatcher stops, is given back at once with its attempt, so the update waits for the next start
// without waiting out the lease, and that start is its first attempt.
func TestDispatcher_HandOverWhileStoppingGivesTheLeaseBack(t *testing.T) {
	r := newDispatcherRig(t, 1, func(context.Context, *models.Update) { t.Error("handled while stopping") })
	r.stop()
	<-r.ran
	ctx := context.Background()
	res, err := r.st.StoreUpdates(ctx, []store.Incoming{{ID: 1, Chat: 5, Raw: rawUpdate(t, 1, 5), Backlog: DefaultBacklog, Lease: time.Minute}})
	if err != nil || res[0].Stored != store.Taken || res[0].Lock.Head.Attempts != 1 {
		t.Fatalf("store into an idle chat: %+v %v, want Taken with the update as its first attempt", res, err)
	}
	r.d.HandOver(5, res[0].Lock)
	l, head, err := r.st.TakeChat(ctx, 5, time.Minute)
	if err != nil || head.Attempts != 1 {
		t.Fatalf("after the hand-over while stopping: take %v, attempt %d; want the lease free and attempt 1", err, head.Attempts)
	}
	_ = l.Release(ctx)
}

func receive[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(testWait):
		t.Fatalf("%s: nothing within %v", what, testWait)
	}
	var zero T
	return zero
}

// TestDispatcher_WaitingChatsDoNotHoldSlots fills every slot with chats whose handler waits (as a reply
// waits for its chat's send budget) and checks that another chat is still handled meanwhile.
func TestDispatcher_WaitingChatsDoNotHoldSlots(t *testing.T) {
	waiting := make(chan int64, 4)
	handled := make(chan int64, 4)
	r := newDispatcherRig(t, 2, func(ctx context.Context, u *models.Update) {
		if chat := u.Message.Chat.ID; chat != 3 {
			waiting <- chat
			_ = outbox.Sleep(ctx, time.Hour) // ends when the test stops the dispatcher
			return
		}
		handled <- u.Message.Chat.ID
	})
	r.push(1, 1)
	r.push(2, 2)
	receive(t, waiting, "first waiting chat")
	receive(t, waiting, "second waiting chat")
	r.push(3, 3)
	if got := receive(t, handled, "a third chat while two wait in both slots"); got != 3 {
		t.Fatalf("handled chat %d, want 3", got)
	}
}

// TestDispatcher_TimeLimitCountsWorkNotWaiting has a handler that yields (as a reply waiting for its
// chat's budget does) find the only slot taken, for longer than the handler time limit, by another chat's
// handler that works all that time: the waiting handler must still be able to reply afterwards, and the
// working one is cut off at the limit.
func TestDispatcher_TimeLimitCountsWorkNotWaiting(t *testing.T) {
	var busy atomic.Bool
	result := make(chan error, 2)
	r := newDispatcherRig(t, 1, func(ctx context.Context, u *models.Update) {
		if u.Message.Chat.ID == 2 { // works, holding the slot, for twice the limit
			busy.Store(true)
			time.Sleep(600 * time.Millisecond)
			result <- ctx.Err()
			return
		}
		for !busy.Load() {
			_ = outbox.Sleep(ctx, 5*time.Millisecond)
		}
		_ = outbox.Sleep(ctx, 5*time.Millisecond) // its turn comes after chat 2's handler
		result <- ctx.Err()
	})
	r.d.timeout = 300 * time.Millisecond
	r.push(1, 1)
	r.push(2, 2)
	first, second := receive(t, result, "first handler"), receive(t, result, "second handler")
	if first == nil {
		t.Error("the handler working past its time limit was not cancelled")
	}
	if second != nil {
		t.Errorf("the handler that waited for its turn was cut short: %v", second)
	}
}

// TestDispatcher_AckOutlivesARedisOutage cuts Redis off right after a handler finished, for longer than the
// acknowledgement used to retry, and checks that the update is handled exactly once: the ack is retried
// until Redis answers, then the chat's next update follows.
func TestDispatcher_AckOutlivesARedisOutage(t *testing.T) {
	var mu sync.Mutex
	var handled []int64
	next := make(chan int64, 4)
	pushed := make(chan struct{}) // both updates are stored before Redis goes away
	var rig *dispatcherRig
	rig = newDispatcherRig(t, 4, func(ctx context.Context, u *models.Update) {
		mu.Lock()
		handled = append(handled, u.ID)
		mu.Unlock()
		if u.ID == 1 {
			<-pushed
			rig.proxy.Cut() // Redis goes away while the reply is being sent
		}
		next <- u.ID
	})
	var failures atomic.Int32
	outage := make(chan struct{})
	rig.d.ackFailed = func() {
		if failures.Add(1) == 30 { // the old ack gave up after 21 attempts and left the update queued
			close(outage)
		}
	}
	rig.push(1, 7)
	rig.push(2, 7)
	close(pushed)
	receive(t, next, "first update")
	receive(t, outage, "30 failed acks")
	rig.proxy.Restore()
	if got := receive(t, next, "the chat's next update after Redis came back"); got != 2 {
		mu.Lock()
		defer mu.Unlock()
		t.Fatalf("after the outage the bot handled update %d (all: %v), want 2", got, handled)
	}
	if !waitFor(func() bool { n, _ := rig.st.PendingCount(context.Background()); return n == 0 }) {
		t.Fatal("the chat's queue did not empty")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(handled) != 2 || handled[0] != 1 || handled[1] != 2 {
		t.Fatalf("handled %v, want [1 2]: each update once, in order", handled)
	}
}

// TestDispatcher_AckRespectsTheShutdownBudget stops the dispatcher while an ack waits for Redis: the retry
// must end when the shutdown budget does, not sleep on past it while Redis is closed under it.
func TestDispatcher_AckRespectsTheShutdownBudget(t *testing.T) {
	var rig *dispatcherRig
	failing := make(chan struct{})
	var once sync.Once
	rig = newDispatcherRig(t, 4, func(ctx context.Context, u *models.Update) { rig.proxy.Cut() })
	rig.d.ackBackoff = time.Second
	rig.d.ackFailed = func() { once.Do(func() { close(failing) }) }
	rig.push(1, 8)
	receive(t, failing, "a failing ack")
	rig.stop()
	rig.halt() // the budget is spent
	receive(t, rig.ran, "the dispatcher's end after its budget")
	// Not acknowledged: the update stays stored, to be handled after the restart.
	rig.proxy.Restore()
	if n, err := rig.st.PendingCount(context.Background()); err != nil || n != 1 {
		t.Fatalf("pending chats after the cut-short ack: got %d %v, want 1", n, err)
	}
}

func waitFor(cond func() bool) bool {
	deadline := time.Now().Add(testWait)
	for time.Now().Before(deadline) {
		if cond() {
			return true
		}
		time.Sleep(10 * time.Millisecond)
	}
	return cond()
}
