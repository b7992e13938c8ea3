package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"
)

// Worker is long-running background work that cron cannot hold: a broadcast's fan-out takes minutes to
// hours, longer than any job's run or a chat worker's two minutes, and must resume after a restart. A
// worker runs for as long as the app does, on every replica; what it works on is shared through Redis, so
// it must take its work with an atomic claim or a lock, as the broadcasts worker does.
type Worker struct {
	Name string // log field
	// Run works until ctx ends. An error (or a panic) restarts it after a pause; nil ends it.
	Run func(ctx context.Context) error
}

// restartAfter is the pause before a worker that failed is started again.
const restartAfter = time.Second

// RunWorkers runs the workers until ctx ends and returns when all of them have returned.
func RunWorkers(ctx context.Context, log *slog.Logger, workers ...Worker) {
	var wg sync.WaitGroup
	for _, w := range workers {
		wg.Go(func() {
			for ctx.Err() == nil {
				err := runWorker(ctx, w)
				if err == nil || ctx.Err() != nil {
					return
				}
				log.Error("worker failed, restarting", "worker", w.Name, "err", err)
				select {
				case <-ctx.Done():
				case <-time.After(restartAfter):
				}
			}
		})
	}
	wg.Wait()
}

// runWorker runs w once, turning a panic into an error so that one bad broadcast does not stop the rest.
func runWorker(ctx context.Context, w Worker) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v\n%s", p, debug.Stack())
		}
	}()
	return w.Run(ctx)
}
