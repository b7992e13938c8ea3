package bot

import (
	"context"
	"time"

	"github.com/ufo-thanhhoa/huunghi/handlers/faq"
)

// lessonsReload is how often a replica reads the FAQ lessons again even without an announcement: a
// subscription misses what is announced while its connection is down.
const lessonsReload = time.Minute

// lessonsNow returns what staff taught the FAQ, as this replica last read it.
func (a *App) lessonsNow() faq.Lessons {
	if l := a.lessons.Load(); l != nil {
		return *l
	}
	return nil
}

// loadLessons reads the lessons from Redis; on an error the copy in hand stays.
func (a *App) loadLessons(ctx context.Context) {
	all, err := a.store.Lessons(ctx)
	if err != nil {
		a.log.Warn("load FAQ lessons", "err", err)
		return
	}
	l := make(faq.Lessons, len(all))
	for k, v := range all {
		l[k] = v.Topic
	}
	a.lessons.Store(&l)
}

// keepLessons is the worker that keeps this replica's copy of the lessons: read at start, again as soon
// as any replica announces a change, and every lessonsReload.
func (a *App) keepLessons(ctx context.Context) error {
	changed := make(chan struct{}, 1)
	go a.store.WatchLessons(ctx, func() {
		select {
		case changed <- struct{}{}:
		default: // a reload is already due
		}
	})
	tick := time.NewTicker(lessonsReload)
	defer tick.Stop()
	for {
		a.loadLessons(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-changed:
		case <-tick.C:
		}
	}
}
