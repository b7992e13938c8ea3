// Package loglimit keeps a log readable, and its disk bounded, when something fails over and over: records of
// one level and message pass through a token bucket (golang.org/x/time/rate) of burst tokens refilled at
// burst per period, the others are dropped, and the next one of them that is written says how many were
// dropped (attribute "suppressed"). A hot loop that logs an error
// each time — the poller meeting the same broken update 8,800 times a second, say — then costs a few lines a
// period instead of megabytes, and the first lines, which say what went wrong, are always kept.
//
// Records are told apart by level and message only: the attributes (ids, errors) usually differ between
// repeats of the same failure.
package loglimit

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// maxKeys bounds the distinct messages remembered; past it the memory starts over (messages are constants
// in the code, so this is only reached by a message built from data, which it must not grow with).
const maxKeys = 1024

// New returns a handler passing to next, for each level and message, a burst of records and then burst per
// period.
func New(next slog.Handler, period time.Duration, burst int) slog.Handler {
	return &handler{next: next, st: &state{
		limit: rate.Limit(float64(burst) / period.Seconds()), burst: burst, seen: map[key]*seen{},
	}}
}

type key struct {
	level slog.Level
	msg   string
}

type seen struct {
	lim     *rate.Limiter
	dropped int
}

// state is shared by a handler and those derived from it with WithAttrs and WithGroup.
type state struct {
	limit rate.Limit
	burst int

	mu   sync.Mutex
	seen map[key]*seen
}

type handler struct {
	next slog.Handler
	st   *state
}

func (h *handler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

func (h *handler) Handle(ctx context.Context, r slog.Record) error {
	at := r.Time
	if at.IsZero() {
		at = time.Now()
	}
	k := key{r.Level, r.Message}
	h.st.mu.Lock()
	s := h.st.seen[k]
	if s == nil {
		if len(h.st.seen) >= maxKeys {
			clear(h.st.seen)
		}
		s = &seen{lim: rate.NewLimiter(h.st.limit, h.st.burst)}
		h.st.seen[k] = s
	}
	if !s.lim.AllowN(at, 1) {
		s.dropped++
		h.st.mu.Unlock()
		return nil
	}
	dropped := s.dropped
	s.dropped = 0
	h.st.mu.Unlock()
	if dropped > 0 {
		r = r.Clone()
		r.AddAttrs(slog.Int("suppressed", dropped))
	}
	return h.next.Handle(ctx, r)
}

func (h *handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &handler{next: h.next.WithAttrs(attrs), st: h.st}
}

func (h *handler) WithGroup(name string) slog.Handler {
	return &handler{next: h.next.WithGroup(name), st: h.st}
}
