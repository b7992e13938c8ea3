package bot

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/ufo-thanhhoa/huunghi/bot/outbox"
	"github.com/ufo-thanhhoa/huunghi/bot/store"
)

// Dispatcher handles stored updates: one chat's updates in order, one at a time; different chats in
// parallel, up to a bound on chats being worked on. A chat is drained by a worker that holds the chat's lease
// in Redis, so replicas never handle one chat concurrently. An update is removed from its queue only after
// it was handled, so a crash re-delivers it; the done-marker set with the removal makes that re-delivery
// happen at most for the update that was in flight (README, "Reliability", gives the whole window).
//
// The bound is on work, not on waiting: a worker gives its slot back whenever its handler sleeps (a reply
// waiting for its chat's send budget, flood pacing, a 429) and between two updates of its chat, so a few
// dozen chats that flood the bot cannot keep everyone else waiting.
type Dispatcher struct {
	st      *store.Store
	log     *slog.Logger
	handle  func(ctx context.Context, u *models.Update)
	lease   time.Duration
	scan    time.Duration
	sem     chan struct{} // one token per chat being worked on
	mu      sync.Mutex
	active  map[int64]bool // chats with a worker in this process
	again   map[int64]bool // chats notified while their worker ran
	handed  map[int64]handed
	wg      sync.WaitGroup
	timeout time.Duration
	base    context.Context // ends with the bot; workers stop taking updates then
	hard    context.Context // ends when the shutdown budget is spent; handlers and acks stop then
	dropped func()          // counts updates given up on (metrics)
	// ackBackoff is the longest wait between two attempts at acknowledging a handled update.
	ackBackoff time.Duration
	ackFailed  func() // told about every failed attempt (tests)
}

// maxAttempts is how many times an update is started before the dispatcher gives up on it. An update is
// started again when the previous start did not end with its ack: the process crashed or was stopped past
// the shutdown budget mid-handler or while Redis was down, or the chat's lease was lost. All but the crash
// are rare and do not repeat for one update; five starts without an ack mean the update itself is the
// problem.
const maxAttempts = 5

// NewDispatcher returns a dispatcher calling handle for each update. It stops taking updates when base
// ends and stops handling and acknowledging them when hard ends (hard must end after base: the shutdown
// budget). workers bounds the chats worked on at once.
func NewDispatcher(base, hard context.Context, st *store.Store, log *slog.Logger, workers int, lease time.Duration, handle func(context.Context, *models.Update)) *Dispatcher {
	return &Dispatcher{
		base: base, hard: hard, st: st, log: log, handle: handle, lease: lease, scan: time.Second,
		sem:        make(chan struct{}, workers),
		active:     map[int64]bool{},
		again:      map[int64]bool{},
		handed:     map[int64]handed{},
		timeout:    2 * time.Minute,
		dropped:    func() {},
		ackBackoff: time.Second,
		ackFailed:  func() {},
	}
}

// Notify says a chat has new stored updates.
func (d *Dispatcher) Notify(chat int64) { d.notify(chat, true) }

// handed is a chat's lease that intake took with the update it stored (store.Taken), waiting for the
// chat's worker, and when it was taken.
type handed struct {
	lock *store.ChatLock
	at   time.Time
}

// HandOver gives the chat's worker a lease intake took with the chat's only update: the worker starts with
// that update instead of asking Redis for it (the take is most of a worker's Redis work for an idle chat's
// message). While shutting down, the lease is given back at once and the update stays queued.
func (d *Dispatcher) HandOver(chat int64, l *store.ChatLock) {
	d.mu.Lock()
	if d.base.Err() != nil {
		d.mu.Unlock()
		d.giveBack(l)
		return
	}
	d.handed[chat] = handed{lock: l, at: time.Now()}
	d.mu.Unlock()
	d.notify(chat, true)
}

// giveBack returns a handed-over lease that no worker will use, with the attempt intake counted.
func (d *Dispatcher) giveBack(l *store.ChatLock) {
	if err := l.PutBack(d.hard, l.Head.Raw); err != nil {
		d.log.Warn("put back an update not handled", "err", err)
	}
	_ = l.Release(d.hard)
}

// take returns the chat's lease with the queue's head: the lease intake handed over, or one taken now. A
// handed-over lease that waited for a worker for more than half its time is refreshed first, so that it
// cannot run out before the refresher's first tick; if it is gone, another worker has the chat (ErrLocked).
func (d *Dispatcher) take(ctx context.Context, chat int64) (*store.ChatLock, store.Head, error) {
	d.mu.Lock()
	h, ok := d.handed[chat]
	delete(d.handed, chat)
	d.mu.Unlock()
	if !ok {
		return d.st.TakeChat(ctx, chat, d.lease)
	}
	if time.Since(h.at) > d.lease/2 {
		if err := h.lock.Refresh(ctx, d.lease); errors.Is(err, store.ErrLeaseLost) {
			return nil, store.Head{}, store.ErrLocked
		} else if err != nil {
			return nil, store.Head{}, err // the lease runs out by itself; the scan takes the chat then
		}
	}
	return h.lock, h.lock.Head, nil
}

// notify starts a worker for the chat unless one is active. fresh says the updates may have been stored
// after that worker last looked at the queue (intake's word), so it must look again when it is done. The
// scan's word is not fresh: what it saw queued, an active worker sees too — it drains until the queue is
// empty, and an update stored after its last look comes with intake's Notify — so it needs no second pass
// (each would cost an empty take).
func (d *Dispatcher) notify(chat int64, fresh bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.base.Err() != nil {
		return // shutting down: the update stays stored and is handled after restart
	}
	if d.active[chat] {
		if fresh {
			d.again[chat] = true
		}
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
			d.notify(c, false)
		}
		select {
		case <-ctx.Done():
			// Notify checks the context under mu, so once we have held mu no new worker can be added and
			// Wait cannot race with Add.
			d.mu.Lock()
			d.mu.Unlock() //nolint:staticcheck // an empty critical section is the barrier
			d.wg.Wait()
			// Leases handed over to workers that never started: HandOver gives back its own from now on.
			d.mu.Lock()
			left := d.handed
			d.handed = map[int64]handed{}
			d.mu.Unlock()
			for _, h := range left {
				d.giveBack(h.lock)
			}
			return
		case <-t.C:
		}
	}
}

// slot is a worker's hold on one of the dispatcher's tokens. It is an outbox.Yielder: the handler's sleeps
// give it back and take it again. Only the worker's goroutine and the handler it runs use it, one at a time,
// but the lock keeps a handler that waits in another goroutine from confusing the count.
type slot struct {
	sem  chan struct{}
	stop context.Context // the dispatcher's hard context
	mu   sync.Mutex
	held bool
	// worked is how long the slot was held since resetWork, and since when it has been held (unix ns, 0
	// while yielded): a handler's time limit counts the time it works, not the time it waits its turn.
	worked, since atomic.Int64
}

// resetWork starts counting a new handler's working time.
func (s *slot) resetWork() {
	s.worked.Store(0)
	if s.since.Load() != 0 {
		s.since.Store(time.Now().UnixNano())
	}
}

// workedFor is the working time since resetWork.
func (s *slot) workedFor() time.Duration {
	w := s.worked.Load()
	if t := s.since.Load(); t != 0 {
		w += time.Now().UnixNano() - t
	}
	return time.Duration(w)
}

// Resume takes a token again after a yield, waiting until one is free or the dispatcher stops.
func (s *slot) Resume() error { return s.take(s.stop) }

// take takes a token, waiting until one is free or ctx ends.
func (s *slot) take(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.held {
		return nil
	}
	select {
	case s.sem <- struct{}{}:
		s.held = true
		s.since.Store(time.Now().UnixNano())
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Yield gives the token back, if held.
func (s *slot) Yield() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.held {
		s.worked.Add(time.Now().UnixNano() - s.since.Swap(0))
		<-s.sem
		s.held = false
	}
}

// work drains one chat's queue while holding its lease.
func (d *Dispatcher) work(chat int64) {
	defer d.wg.Done()
	s := &slot{sem: d.sem, stop: d.hard}
	for {
		if s.take(d.base) != nil {
			d.finish(chat)
			return
		}
		d.drain(d.base, chat, s)
		s.Yield()
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

// drain handles a chat's updates in order. Between two updates it lets chats waiting for a slot go first
// (Go's channel queues waiting senders in order), so a long queue is worked off in turns with everyone
// else's; a chat whose queue is empty after its update leaves at once, without queueing for a turn only to
// find nothing. Redis is asked twice per update: the lease with the head (store.TakeChat, or intake's with
// the update it stored: HandOver), then the ack with the next head (ChatLock.Ack), which gives the lease
// back with the last one.
func (d *Dispatcher) drain(ctx context.Context, chat int64, s *slot) {
	lock, head, err := d.take(ctx, chat)
	if errors.Is(err, store.ErrLocked) {
		return // another worker or replica has it; the scan retries later
	}
	if err != nil {
		if ctx.Err() == nil {
			d.log.Warn("take chat", "chat_id", chat, "err", err)
		}
		return
	}
	if head.Raw == nil {
		return // nothing queued; the lease was given back
	}
	// The lease is refreshed for as long as the chat is drained: while a handler works or waits (a reply
	// may wait seconds for a 429) and while the worker waits for a slot between two updates. A failed
	// refresh (Redis slow or briefly away) is tried again at the next tick; the lease counts as lost only
	// when Redis says another worker holds it, or when refreshes kept failing for longer than the lease.
	// While an ack is in flight, "not held" is the ack giving the lease back, not a loss.
	var lost, acking atomic.Bool
	stop := make(chan struct{})
	var refresher sync.WaitGroup
	refresher.Go(func() {
		t := time.NewTicker(d.lease / 3)
		defer t.Stop()
		ok := time.Now()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
			}
			err := lock.Refresh(d.hard, d.lease)
			switch {
			case err == nil:
				ok = time.Now()
				continue
			case d.hard.Err() != nil, errors.Is(err, store.ErrLeaseLost) && acking.Load():
				return
			case errors.Is(err, store.ErrLeaseLost), time.Since(ok) > d.lease:
				d.log.Warn("lost chat lease", "chat_id", chat, "err", err)
				lost.Store(true)
				return
			}
			d.log.Warn("refresh chat lease; retrying", "chat_id", chat, "err", err)
		}
	})
	// Shutdown lets the update in hand finish, so the lease is released with a context that outlives ctx,
	// after the refresher stopped (it must not refresh a released lease). Releasing a lease the last ack
	// gave back already does nothing.
	defer func() {
		close(stop)
		refresher.Wait()
		_ = lock.Release(d.hard)
	}()
	for {
		var u models.Update
		if err := json.Unmarshal(head.Raw, &u); err != nil {
			// Intake decodes every update before storing it, so this is a stored update from an older
			// version: kept aside like one intake rejects, and acknowledged under its id.
			u.ID, _, _ = decode(head.Raw)
			d.log.Error("undecodable stored update kept aside", "chat_id", chat, "update_id", u.ID, "err", err)
			if err := d.st.RejectUpdate(ctx, head.Raw); err != nil {
				d.log.Warn("keep rejected update", "err", err)
			}
		} else if head.Attempts > maxAttempts {
			d.log.Error("drop update: handling it was interrupted too often (crash loop?)",
				"update_id", u.ID, "chat_id", chat, "attempts", head.Attempts-1)
			d.dropped()
		} else if d.run(&u, s) {
			// Not acknowledged: handled again once Redis answers (redisdown.go says why).
			d.log.Warn("Redis unreachable while handling an update: it stays queued and is handled again when Redis answers",
				"update_id", u.ID, "chat_id", chat)
			return
		}
		acking.Store(true)
		next, err := d.ack(lock, u.ID, chat, head.Raw, s)
		if err != nil || next.Raw == nil {
			return
		}
		acking.Store(false)
		s.Yield()
		if ctx.Err() != nil || s.take(ctx) != nil || lost.Load() {
			// Shutting down (take may pick a free slot over the ended context), or the lease was lost: the
			// next update was taken with the ack but not handled, which is not an attempt.
			if err := lock.PutBack(d.hard, next.Raw); err != nil {
				d.log.Warn("put back an update not handled", "chat_id", chat, "err", err)
			}
			return
		}
		head = next
	}
}

// run handles one update with a context that survives the end of intake until the shutdown budget is
// spent, and ends too when the handler has worked (held its slot) for longer than the handler timeout.
// Time spent waiting — for a send budget, flood pacing, or its turn for a slot — does not count, so a
// handler is never cut short because others were busy. It reports whether a Redis command of the handler
// failed because Redis was unreachable (watchOutage): then the update must not be acknowledged.
func (d *Dispatcher) run(u *models.Update, s *slot) (metOutage bool) {
	hctx, cancel := context.WithCancel(d.hard)
	defer cancel()
	hctx, met := watchOutage(hctx)
	s.resetWork()
	var mu sync.Mutex // orders the assignment of watch before its first firing
	var watch *time.Timer
	mu.Lock()
	watch = time.AfterFunc(d.timeout, func() {
		mu.Lock()
		defer mu.Unlock()
		if left := d.timeout - s.workedFor(); left > 0 {
			watch.Reset(left)
			return
		}
		d.log.Error("handler timed out", "update_id", u.ID, "timeout", d.timeout)
		cancel()
	})
	mu.Unlock()
	defer watch.Stop()
	d.handle(outbox.WithYielder(hctx, s), u)
	return met.Load()
}

// ack removes a handled update and returns the chat's next one (none when the queue is empty or the lease
// was lost). While Redis is unreachable it keeps trying — the update was handled, and leaving it queued
// would handle it again — until the shutdown budget is spent; only then is the update left for after the
// restart.
func (d *Dispatcher) ack(lock *store.ChatLock, id, chat int64, raw []byte, s *slot) (store.Head, error) {
	backoff := 50 * time.Millisecond
	ctx := outbox.WithYielder(d.hard, s)
	for attempt := 1; ; attempt++ {
		next, err := lock.Ack(d.hard, raw)
		if errors.Is(err, store.ErrLeaseLost) {
			d.log.Warn("lost chat lease", "chat_id", chat, "update_id", id)
			return store.Head{}, nil
		}
		if err == nil {
			if attempt > 1 {
				d.log.Info("ack recorded after Redis came back", "update_id", id, "chat_id", chat, "attempts", attempt)
			}
			return next, nil
		}
		d.ackFailed()
		if attempt == 1 {
			d.log.Warn("ack update: Redis unavailable; retrying until it answers", "update_id", id, "chat_id", chat, "err", err)
		}
		if outbox.Sleep(ctx, backoff) != nil {
			d.log.Error("ack update not recorded before shutdown: it will be handled again after restart",
				"update_id", id, "chat_id", chat, "err", err)
			return store.Head{}, err
		}
		backoff = min(backoff*2, d.ackBackoff)
	}
}
