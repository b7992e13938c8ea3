package events_test

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/ufo-thanhhoa/huunghi/bot/events"
	"github.com/ufo-thanhhoa/huunghi/bot/outbox"
	"github.com/ufo-thanhhoa/huunghi/bot/store"
	"github.com/ufo-thanhhoa/huunghi/bot/store/redistest"
	"github.com/ufo-thanhhoa/huunghi/messages"
)

// queued records what the catalogue queues.
type queued struct {
	mu   sync.Mutex
	msgs []outbox.Message
}

func (q *queued) Enqueue(_ context.Context, _ outbox.Lane, msgs ...outbox.Message) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.msgs = append(q.msgs, msgs...)
	return nil
}

// fixture is a store on a clock of its own and the shipped content, for catalogues of one event each.
type fixture struct {
	ctx     context.Context
	st      *store.Store
	now     time.Time
	content *messages.Content
	event   messages.Event // the first shipped event, moved to start three days after now
	log     *slog.Logger
}

func newFixture(t *testing.T) *fixture {
	f := &fixture{ctx: context.Background(), now: time.Date(2031, 5, 12, 10, 0, 0, 0, time.UTC), log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	f.st = store.New(redistest.Start(t).Client(), store.WithClock(f.clock))
	var err error
	if f.content, _, err = messages.Load(messages.FS("")); err != nil {
		t.Fatal(err)
	}
	f.event = *f.content.Events[0]
	f.event.Starts, f.event.Ends = f.now.Add(72*time.Hour), f.now.Add(75*time.Hour)
	return f
}

func (f *fixture) clock() time.Time { return f.now }

// catalog is a replica's catalogue whose content has e as its only event.
func (f *fixture) catalog(out events.Enqueuer, e messages.Event) *events.Catalog {
	c := *f.content
	c.Events = []*messages.Event{&e}
	return events.New(f.st, &c, out, f.clock, f.log)
}

// A change of a file event is applied once however many replicas sync at the same time: one of them moves
// the reminders and queues one notice per person; the sequence is raised once.
func TestSync_AChangeIsAppliedOnceAcrossReplicas(t *testing.T) {
	f := newFixture(t)
	ctx, st, e, q := f.ctx, f.st, f.event, &queued{}
	cat := f.catalog(q, e)
	if _, err := cat.Sync(ctx); err != nil { // the first sight of the event records it: no change
		t.Fatal(err)
	}
	ev, _, _ := cat.Get(ctx, e.ID)
	for uid := int64(1); uid <= 3; uid++ {
		if _, _, err := cat.SignUp(ctx, ev, uid, "vi", nil); err != nil {
			t.Fatal(err)
		}
	}
	moved := e
	moved.Starts, moved.Ends = e.Starts.Add(24*time.Hour), e.Ends.Add(24*time.Hour)
	var wg sync.WaitGroup
	changed := make(chan int, 4)
	for range 4 { // four replicas deployed with the new file
		wg.Go(func() {
			n, err := f.catalog(q, moved).Sync(ctx)
			if err != nil {
				t.Error(err)
			}
			changed <- n
		})
	}
	wg.Wait()
	close(changed)
	total := 0
	for n := range changed {
		total += n
	}
	if total != 1 || len(q.msgs) != 3 {
		t.Fatalf("%d replicas applied the change, %d notices queued; want 1 and 3", total, len(q.msgs))
	}
	if n, ok := events.ParseNotice(q.msgs[0].Key); !ok || n.Kind != events.NoticeChanged || n.Seq != 1 || !q.msgs[0].Once || q.msgs[0].Render != events.RenderNotice {
		t.Errorf("notice %+v from %+v", n, q.msgs[0])
	}
	if pending, err := st.PendingReminders(ctx); err != nil || pending != 9 {
		t.Errorf("%d reminders pending after the move (%v), want 3 people × 3", pending, err)
	}
	next, err := st.NextReminder(ctx)
	if want := moved.Starts.Add(-72 * time.Hour); err != nil || !next.Equal(want) {
		t.Errorf("first reminder due %v (%v), want %v: the reminders did not move", next, err, want)
	}
}

// flaky fails its first Enqueue, as a replica dying in the middle of carrying a change out would.
type flaky struct {
	queued
	failed bool
}

func (f *flaky) Enqueue(ctx context.Context, lane outbox.Lane, msgs ...outbox.Message) error {
	if !f.failed {
		f.failed = true
		return context.DeadlineExceeded
	}
	return f.queued.Enqueue(ctx, lane, msgs...)
}

// A change whose carrying out was cut short (the notices could not be queued) is carried out by a later sync,
// once the first one's lease has run out — not lost because its fingerprint was already recorded.
func TestSync_AChangeCutShortIsCarriedOutLater(t *testing.T) {
	f := newFixture(t)
	ctx, e, out := f.ctx, f.event, &flaky{}
	cat := f.catalog(out, e)
	if _, err := cat.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	ev, _, _ := cat.Get(ctx, e.ID)
	if _, _, err := cat.SignUp(ctx, ev, 7, "lo", nil); err != nil {
		t.Fatal(err)
	}
	moved := e
	moved.Starts, moved.Ends = e.Starts.Add(time.Hour), e.Ends.Add(time.Hour)
	cat2 := f.catalog(out, moved)
	if _, err := cat2.Sync(ctx); err == nil {
		t.Fatal("the cut-short sync reported no error")
	}
	if n, _ := cat2.Sync(ctx); n != 0 || len(out.msgs) != 0 {
		t.Fatalf("another sync within the lease carried it out too: %d, %d notices", n, len(out.msgs))
	}
	f.now = f.now.Add(time.Minute)
	if n, err := cat2.Sync(ctx); err != nil || n != 1 || len(out.msgs) != 1 {
		t.Fatalf("after the lease: %d changed, %v, %d notices; want 1, nil, 1", n, err, len(out.msgs))
	}
	if n, _ := cat2.Sync(ctx); n != 0 || len(out.msgs) != 1 {
		t.Errorf("carried out again after it was done: %d, %d notices", n, len(out.msgs))
	}
}
