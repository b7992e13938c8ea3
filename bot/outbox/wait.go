package outbox

import (
	"context"
	"time"
)

// Yielder is a share of bounded capacity that a goroutine holds while it works — a dispatcher slot — and
// gives back while it only waits. Yield gives it back; Resume takes it again, waiting for it if need be.
// Resume fails only when the capacity's owner stops (the dispatcher's shutdown budget is spent), not when
// the sleeper's context ends: a handler's time limit counts its work, not its turn in the queue.
type Yielder interface {
	Yield()
	Resume() error
}

type yielderKey struct{}

// WithYielder returns ctx carrying y: every Sleep under it gives y back for the time it sleeps. The
// dispatcher puts its slot there, so a chat waiting for its own send budget, for flood pacing or for a 429
// does not keep a slot that other chats need.
func WithYielder(ctx context.Context, y Yielder) context.Context {
	return context.WithValue(ctx, yielderKey{}, y)
}

// Sleep waits d, or less when ctx ends first (then it returns ctx's error). Every wait of the runtime —
// backoffs, retry_after, send budgets, flood pacing — goes through it, so shutdown never waits out a timer
// and a waiting handler never holds a dispatcher slot (see WithYielder).
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	if y, ok := ctx.Value(yielderKey{}).(Yielder); ok {
		y.Yield()
		err := sleep(ctx, d)
		if rerr := y.Resume(); err == nil {
			err = rerr
		}
		return err
	}
	return sleep(ctx, d)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
