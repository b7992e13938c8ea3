package broadcast

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bsm/redislock"

	"github.com/ufo-thanhhoa/huunghi/bot/events"
	"github.com/ufo-thanhhoa/huunghi/bot/outbox"
	"github.com/ufo-thanhhoa/huunghi/bot/store"
	"github.com/ufo-thanhhoa/huunghi/handlers/callback"
)

// defaultLease is how long a replica holds a broadcast it drives before another may take it over, unless
// Config.Lease says: the lock is refreshed every step, so this is how long a dead replica's broadcast waits.
const defaultLease = 15 * time.Second

// Run delivers broadcasts until ctx ends: it starts the due ones and drives those being sent (listing the
// recipients, feeding the lane, finishing, editing the figures). Every replica runs it; see the package doc.
func (s *Service) Run(ctx context.Context) error {
	held := map[string]*redislock.Lock{}
	defer func() {
		for _, l := range held {
			_ = l.Release(context.WithoutCancel(ctx))
		}
	}()
	t := time.NewTicker(s.cfg.Poll)
	defer t.Stop()
	for {
		if err := s.step(ctx, held); err != nil && ctx.Err() == nil {
			s.cfg.Log.Warn("broadcasts step", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		case <-s.wake:
		}
	}
}

// step does one round of the worker's work.
func (s *Service) step(ctx context.Context, held map[string]*redislock.Lock) error {
	st := s.cfg.Store
	started, err := st.StartDueBroadcasts(ctx)
	if err != nil {
		return err
	}
	for _, id := range started {
		s.cfg.Log.Info("broadcast started", "broadcast", id)
	}
	active, err := st.ActiveBroadcasts(ctx)
	if err != nil {
		return err
	}
	// Oldest first: "b9" before "b10".
	slices.SortFunc(active, func(a, b string) int { return cmp.Or(cmp.Compare(len(a), len(b)), strings.Compare(a, b)) })
	// The lane is fed two seconds ahead of the rate: enough that senders never wait for work, little
	// enough that a cancel leaves few messages to skip and the oldest broadcast goes first.
	room := int64(max(2*s.cfg.Rate, 50)) - s.cfg.Out.Depth(ctx)[outbox.LaneBroadcast]
	for id, l := range held {
		if !slices.Contains(active, id) {
			_ = l.Release(ctx)
			delete(held, id)
		}
	}
	for _, id := range active {
		if !s.hold(ctx, held, id) {
			continue
		}
		b, err := s.Get(ctx, id)
		if err != nil {
			s.cfg.Log.Error("broadcast unreadable", "broadcast", id, "err", err)
			continue
		}
		if !b.Record.Resolved {
			if err := s.list(ctx, b); err != nil {
				return err
			}
			continue
		}
		if room > 0 {
			n, err := st.FeedBroadcast(ctx, id, string(outbox.LaneBroadcast), Render, int(room))
			if err != nil {
				return err
			}
			room -= int64(n)
		}
		done, err := st.FinishBroadcast(ctx, id)
		if err != nil {
			return err
		}
		if done {
			s.cfg.Log.Info("broadcast done", "broadcast", id)
			b, _ = s.Get(ctx, id)
		}
		s.maybeProgress(ctx, b, done)
	}
	return nil
}

// Busy reports whether a broadcast is being sent or due to start.
func (s *Service) Busy(ctx context.Context) (bool, error) {
	active, err := s.cfg.Store.ActiveBroadcasts(ctx)
	if err != nil || len(active) > 0 {
		return true, err
	}
	at, ok, err := s.cfg.Store.NextBroadcastDue(ctx)
	return ok && !at.After(s.cfg.Now()), err
}

// hold obtains or refreshes this replica's lock on a broadcast, and reports whether it holds it.
func (s *Service) hold(ctx context.Context, held map[string]*redislock.Lock, id string) bool {
	if l, ok := held[id]; ok {
		if err := l.Refresh(ctx, s.cfg.Lease, nil); err == nil {
			return true
		}
		delete(held, id)
	}
	l, err := redislock.Obtain(ctx, s.cfg.Redis, store.BroadcastLockKey(id), s.cfg.Lease, nil)
	if err != nil {
		if !errors.Is(err, redislock.ErrNotObtained) {
			s.cfg.Log.Warn("broadcast lock", "broadcast", id, "err", err)
		}
		return false
	}
	held[id] = l
	return true
}

// listFor is how long one step lists recipients before feeding and showing figures again.
const listFor = 200 * time.Millisecond

// list lists a broadcast's recipients in batches from where its cursor stands, for up to listFor.
func (s *Service) list(ctx context.Context, b Broadcast) error {
	cursor := b.Record.Cursor
	for start := time.Now(); time.Since(start) < listFor; {
		if state, err := s.cfg.Store.BroadcastState(ctx, b.ID()); err != nil || state != store.BroadcastSending {
			return err // cancelled meanwhile: list no more
		}
		ids, next, err := s.source(ctx, b.Audience, cursor)
		if err != nil {
			return err
		}
		sorted, err := s.sort(ctx, b.Audience, ids)
		if err != nil {
			return err
		}
		if err := s.cfg.Store.AddBroadcastRecipients(ctx, b.ID(), sorted.to, next, next == 0, sorted.unreachable, sorted.optedOut); err != nil {
			return err
		}
		if cursor = next; cursor == 0 {
			return nil
		}
	}
	return nil
}

// maybeProgress edits the figures message when it is time (or the broadcast just ended), in its own
// goroutine: a staff group's budget may make the edit wait seconds, and feeding must not. One edit per
// broadcast runs at a time; a final one asked for meanwhile runs right after it, so the last figures shown
// are the final ones.
func (s *Service) maybeProgress(ctx context.Context, b Broadcast, final bool) {
	if b.Chat == 0 {
		return
	}
	v, _ := s.progressing.LoadOrStore(b.ID(), &figuresEdit{})
	e := v.(*figuresEdit)
	e.mu.Lock()
	defer e.mu.Unlock()
	switch {
	case e.running:
		e.again = e.again || final
		return
	case !final && time.Since(e.at) < s.cfg.ProgressEvery:
		return
	}
	e.running, e.at = true, time.Now()
	go func() {
		for {
			if fresh, err := s.Get(ctx, b.ID()); err == nil {
				b = fresh
			}
			s.progress(ctx, b)
			e.mu.Lock()
			again := e.again
			e.again, e.running = false, again
			e.mu.Unlock()
			if !again {
				if final || b.Record.State != store.BroadcastSending {
					s.progressing.Delete(b.ID())
				}
				return
			}
		}
	}()
}

// figuresEdit is where the figures message of one broadcast stands: being edited (running), another
// edit owed once it is done (again), when the last began (at).
type figuresEdit struct {
	mu             sync.Mutex
	running, again bool
	at             time.Time
}

// progress shows a broadcast's figures in its staff chat: a new message the first time, then edits of it.
func (s *Service) progress(ctx context.Context, b Broadcast) {
	if b.Chat == 0 {
		return
	}
	m := s.Figures(b, b.Lang)
	m.ChatID, m.EditID = b.Chat, b.Record.ProgressID
	id, err := s.cfg.Out.Send(ctx, m)
	if err != nil {
		s.cfg.Log.Warn("broadcast figures not shown", "broadcast", b.ID(), "err", err)
		return
	}
	if id != b.Record.ProgressID {
		if err := s.cfg.Store.SetBroadcastProgress(ctx, b.ID(), b.Chat, id); err != nil {
			s.cfg.Log.Warn("broadcast figures message not recorded", "broadcast", b.ID(), "err", err)
		}
	}
}

// StaffButtons is the Cancel button under a broadcast's figures, for staff: "bc:x:<id>".
var StaffButtons = callback.New("bc", callback.Verb{Name: cancelVerb, Args: 1})

const cancelVerb = "x"

// Figures is the staff's view of a broadcast: audience, state and figures, with a Cancel button while it
// can be cancelled.
func (s *Service) Figures(b Broadcast, lang string) outbox.Message {
	c := s.cfg.Content
	r := b.Record
	n := func(v int64) string { return strconv.FormatInt(v, 10) }
	text := c.T(lang, "broadcast.figures", "id", b.ID(), "audience", s.Describe(context.Background(), b.Audience, lang),
		"state", c.T(lang, "broadcast.state."+r.State), "total", n(r.Total), "sent", n(r.Sent), "failed", n(r.Failed),
		"unreachable", n(r.Unreachable), "skipped", n(r.Skipped+r.Left), "remaining", n(r.Remaining()), "opted_out", n(r.OptedOut))
	switch r.State {
	case store.BroadcastScheduled:
		at := r.At.In(s.cfg.Zone)
		text += "\n" + c.T(lang, "broadcast.starts", "when", events.Day(c, lang, at)+" "+at.Format("15:04")+" ("+events.GMT(at)+")")
	case store.BroadcastSending:
		if eta, ok := s.ETA(r); ok {
			eta = eta.In(s.cfg.Zone)
			text += "\n" + c.T(lang, "broadcast.eta", "when", eta.Format("15:04")+" ("+events.GMT(eta)+")")
		}
	}
	m := outbox.Message{Text: text}
	if r.State == store.BroadcastScheduled || r.State == store.BroadcastSending {
		m.Buttons = [][]outbox.Button{{{Text: c.T(lang, "broadcast.cancel"), Data: StaffButtons.Data(cancelVerb, b.ID())}}}
	}
	return m
}

// ETA estimates when a sending broadcast will be done: at the pace it has had so far, or at the lane's
// rate before there is one.
func (s *Service) ETA(r store.BroadcastRecord) (time.Time, bool) {
	now := s.cfg.Now()
	left := r.Remaining()
	if !r.Resolved || left == 0 {
		return time.Time{}, false
	}
	rate := float64(s.cfg.Rate)
	if el := now.Sub(r.Started).Seconds(); el > 5 && r.Done() > 0 {
		rate = float64(r.Done()) / el
	}
	if rate <= 0 {
		return time.Time{}, false
	}
	return now.Add(time.Duration(float64(left) / rate * float64(time.Second))), true
}
