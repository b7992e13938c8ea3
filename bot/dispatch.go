package bot

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/ufo-thanhhoa/huunghi/bot/store"
)

// Dispatcher handles stored updates: one chat's updates in order, one at a time; different chats in
// parallel, up to a bound. A chat is drained by a worker that holds the chat's lease in Redis, so replicas
// never handle one chat concurrently. An update is removed from its queue only after it was handled, so a
// crash re-delivers it; the done-marker set with the removal makes that re-delivery happen at most for the
// update that was in flight.
type Dispatcher struct {
	st      *store.Store
	log     *slog.Logger
	handle  func(ctx context.Context, u *models.Update)
	lease   time.Duration
	scan    time.Duration
	slots   chan struct{}
	mu      sync.Mutex
	active  map[int64]bool // chats with a worker in this process
	again   map[int64]bool // chats notified while their worker ran
	wg      sync.WaitGroup
	timeout time.Duration
	base    context.Context // ends with the bot; workers stop taking updates then
	dropped func()          // counts updates given up on (metrics)
}

// maxAttempts is how many times an update is started before the dispatcher gives up on it. An update is
// started again when the previous start did not end with its ack: the process crashed or was stopped past
// the shutdown budget mid-handler, the chat's lease was lost, or Redis failed the ack for longer than the
// ack's retries. All but the crash are rare and do not repeat for one update; five starts without an ack
// mean the update itself is the problem.
const maxAttempts = 5

// NewDispatcher returns a dispatcher calling handle for each update; it stops taking updates when ctx ends.
// workers bounds concurrent chats.
func NewDispatcher(ctx context.Context, st *store.Store, log *slog.Logger, workers int, lease time.Duration, handle func(context.Context, *models.Update)) *Dispatcher {
	return &Dispatcher{
		base: ctx, st: st, log: log, handle: handle, lease: lease, scan: time.Second,
		slots:   make(chan struct{}, workers),
		active:  map[int64]bool{},
		again:   map[int64]bool{},
		timeout: 2 * time.Minute,
		dropped: func() {},
	}
}

// Notify says a chat has new stored updates.
func (d *Dispatcher) Notify(chat int64) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.base.Err() != nil {
		return // shutting down: the update stays stored and is handled after restart
	}
	if d.active[chat] {
		d.again[chat] = true
		return
	}
	d.active[chat] = true
	d.wg.Add(1)
	go d.work(chat)
}

// Run scans Redis for chats with stored updates until the dispatcher's context ends (this recovers updates
// stored before a crash or by another replica), then waits for running workers to finish their update.
func (d *Dispatcher) Run() {
	ctx := d.base
	t := time.NewTicker(d.scan)
	defer t.Stop()
	for {
		chats, err := d.st.PendingChats(ctx, 1000)
		if err != nil && ctx.Err() == nil {
			d.log.Warn("scan pending chats", "err", err)
		}
		for _, c := range chats {
			d.Notify(c)
		}
		select {
		case <-ctx.Done():
			// Notify checks the context under mu, so once we have held mu no new worker can be added and
			// Wait cannot race with Add.
			d.mu.Lock()
			d.mu.Unlock() //nolint:staticcheck // an empty critical section is the barrier
			d.wg.Wait()
			return
		case <-t.C:
		}
	}
}

// work drains one chat's queue while holding its lease.
func (d *Dispatcher) work(chat int64) {
	defer d.wg.Done()
	ctx := d.base
	for {
		select {
		case d.slots <- struct{}{}:
		case <-ctx.Done():
			d.finish(chat)
			return
		}
		d.drain(ctx, chat)
		<-d.slots
		if !d.finish(chat) {
			return
		}
	}
}

// finish marks the chat idle unless it was notified meanwhile; it reports whether to drain again.
func (d *Dispatcher) finish(chat int64) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.again[chat] {
		delete(d.again, chat)
		return true
	}
	delete(d.active, chat)
	return false
}

func (d *Dispatcher) drain(ctx context.Context, chat int64) {
	lock, err := d.st.LockChat(ctx, chat, d.lease)
	if errors.Is(err, store.ErrLocked) {
		return // another worker or replica has it; the scan retries later
	}
	if err != nil {
		if ctx.Err() == nil {
			d.log.Warn("lock chat", "chat_id", chat, "err", err)
		}
		return
	}
	// Shutdown lets the update in hand finish, so the lease is released with a context that outlives ctx.
	defer lock.Release(context.WithoutCancel(ctx))
	refreshed := time.Now()
	for ctx.Err() == nil {
		raw, err := d.st.NextUpdate(ctx, chat)
		if err != nil || raw == nil {
			if err != nil && ctx.Err() == nil {
				d.log.Warn("read chat queue", "chat_id", chat, "err", err)
			}
			return
		}
		if time.Since(refreshed) > d.lease/3 {
			if err := lock.Refresh(ctx, d.lease); err != nil {
				d.log.Warn("lost chat lease", "chat_id", chat, "err", err)
				return
			}
			refreshed = time.Now()
		}
		var u models.Update
		if err := json.Unmarshal(raw, &u); err != nil {
			d.log.Error("drop undecodable stored update", "chat_id", chat, "err", err)
		} else if n, err := d.st.StartAttempt(ctx, u.ID); err == nil && n > maxAttempts {
			// Redis errors fall through to handling: better a possible repeat than a lost update.
			d.log.Error("drop update: handling it was interrupted too often (crash loop?)",
				"update_id", u.ID, "chat_id", chat, "attempts", n-1)
			d.dropped()
		} else {
			d.run(ctx, lock, &u)
		}
		if err := d.ack(ctx, u.ID, chat, raw); err != nil {
			return
		}
	}
}

// run handles one update with a context that survives shutdown for a bounded time, refreshing the lease
// while the handler works (a reply may wait seconds for a 429).
func (d *Dispatcher) run(ctx context.Context, lock *store.ChatLock, u *models.Update) {
	hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), d.timeout)
	defer cancel()
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(d.lease / 3)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				_ = lock.Refresh(hctx, d.lease)
			}
		}
	}()
	d.handle(hctx, u)
	close(done)
}

// ack removes a handled update, retrying while Redis is briefly down: the update was handled, and giving up
// would handle it again.
func (d *Dispatcher) ack(ctx context.Context, id, chat int64, raw []byte) error {
	backoff := 100 * time.Millisecond
	actx := context.WithoutCancel(ctx)
	for attempt := 0; ; attempt++ {
		_, err := d.st.AckUpdate(actx, id, chat, raw)
		if err == nil {
			return nil
		}
		if attempt >= 20 {
			d.log.Error("ack update", "update_id", id, "chat_id", chat, "err", err)
			return err
		}
		time.Sleep(backoff)
		backoff = min(backoff*2, 2*time.Second)
	}
}
