package store

import (
	"context"
	"fmt"
	"time"

	"github.com/go-redis/redis_rate/v10"
)

// Allow takes one event from the named budget (a GCRA rate in Redis, shared by every replica; see RateKey)
// and reports whether it was there; when it was not, wait is how long until it is.
func (s *Store) Allow(ctx context.Context, name string, l redis_rate.Limit) (ok bool, wait time.Duration, err error) {
	res, err := s.limiter.Allow(ctx, RateKey(name), l)
	if err != nil {
		return false, 0, fmt.Errorf("rate %s: %w", name, err)
	}
	if res.Allowed > 0 {
		return true, 0, nil
	}
	return false, res.RetryAfter, nil
}

// Peek reports what Allow would, without taking anything: whether there is an event left in the budget,
// and if not how long until there is.
func (s *Store) Peek(ctx context.Context, name string, l redis_rate.Limit) (ok bool, wait time.Duration, err error) {
	res, err := s.limiter.AllowN(ctx, RateKey(name), l, 0)
	if err != nil {
		return false, 0, fmt.Errorf("rate %s: %w", name, err)
	}
	if res.Remaining >= 1 {
		return true, 0, nil
	}
	// Taking nothing, the budget is full again after ResetAfter; one event is back (burst-1) events sooner.
	emission := l.Period / time.Duration(l.Rate)
	return false, max(res.ResetAfter-time.Duration(l.Burst-1)*emission, 0), nil
}

// BlockHandoff stops the user's messages to staff (a staff decision from a handoff card), noting who
// decided and when. It is not the user's data but the Union's, so /forget keeps it: forgetting must not
// lift a block.
func (s *Store) BlockHandoff(ctx context.Context, uid, by int64) error {
	if err := s.rdb.HSet(ctx, keyHandoffBlocked(), id(uid), fmt.Sprintf("%d:%d", by, s.now().Unix())).Err(); err != nil {
		return fmt.Errorf("block handoff of %d: %w", uid, err)
	}
	return nil
}

// UnblockHandoff lets the user write to staff again.
func (s *Store) UnblockHandoff(ctx context.Context, uid int64) error {
	if err := s.rdb.HDel(ctx, keyHandoffBlocked(), id(uid)).Err(); err != nil {
		return fmt.Errorf("unblock handoff of %d: %w", uid, err)
	}
	return nil
}

// HandoffBlocked reports whether staff blocked the user's messages.
func (s *Store) HandoffBlocked(ctx context.Context, uid int64) (bool, error) {
	ok, err := s.rdb.HExists(ctx, keyHandoffBlocked(), id(uid)).Result()
	if err != nil {
		return false, fmt.Errorf("handoff block of %d: %w", uid, err)
	}
	return ok, nil
}
