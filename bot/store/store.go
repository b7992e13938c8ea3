// Package store keeps everything the bot remembers in Redis: users, the update intake, form sessions and
// the outbox's bulk lanes. It is the only package that knows Redis keys (see keys.go); handlers and jobs see
// typed methods. The same code runs against a real redis-server in production and tests, and against the
// embedded miniredis in the `chat` demo, so it sticks to commands and Lua that both implement.
package store

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
)

// ErrNotFound is returned when a record asked for by id does not exist.
var ErrNotFound = errors.New("not found")

// Store is the bot's Redis-backed state. It is safe for concurrent use.
type Store struct {
	rdb     redis.UniversalClient
	limiter *redis_rate.Limiter
	// now is the calendar: when a user was seen, a registration made, a session saved, the day a question
	// is counted for. Durations — leases, send budgets, TTLs — are real time and never read it (see TakeBulk).
	now func() time.Time
	// ret is how long each kind of personal data is kept (WithRetention; DefaultRetention otherwise).
	ret Retention
	// countedDay is the key of the day's question counters that this process last gave their TTL.
	countedDay atomic.Pointer[string]
}

// Option configures a Store.
type Option func(*Store)

// WithClock replaces time.Now as the store's calendar: the bot gives it the clock its handlers and jobs see
// (bot.WithClock), so that a registration made "in 2031" is 2031 to the retention job too.
func WithClock(now func() time.Time) Option {
	return func(s *Store) {
		if now != nil {
			s.now = now
		}
	}
}

// New returns a Store over an existing client. The caller owns the client and closes it last.
func New(rdb redis.UniversalClient, opts ...Option) *Store {
	s := &Store{rdb: rdb, limiter: redis_rate.NewLimiter(rdb), now: time.Now, ret: DefaultRetention()}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Redis exposes the client for the libraries that need one (rate limiter, locks).
func (s *Store) Redis() redis.UniversalClient { return s.rdb }

// Ping reports whether Redis answers; /readyz uses it.
func (s *Store) Ping(ctx context.Context) error { return s.rdb.Ping(ctx).Err() }
