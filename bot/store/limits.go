package store

import (
	"context"
	"fmt"
	"github.com/redis/go-redis/v9"
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

// The per-chat send budget and per-user flood control run on every update, so they are this package's own
// GCRA scripts rather than redis_rate's: each is one round trip (with the chat's 429 pause, or both of flood
// control's budgets), and they take the time from this process's clock instead of calling TIME in Redis.
// Replicas' clocks agree to within milliseconds (NTP), far below these budgets' periods (a second and
// more). The shared budgets (the global send rate, the bulk lanes', flood control's shared one) stay on
// redis_rate, whose one clock — Redis's — is what keeps replicas from overspending them together.
//
// The clock is the real one, never the store's (WithClock): a test or the demo may set the calendar, but
// pacing is about seconds that really pass.

// gcraLua is redis_rate's GCRA in integer microseconds: gcra(tat, now, emission, burst) returns whether one
// event is allowed, the new theoretical arrival time if so, or how long until it would be.
const gcraLua = `
local function gcra(tat, now, emission, burst)
  tat = math.max(tonumber(tat) or now, now)
  local new = tat + emission
  local diff = now - (new - emission * burst)
  if diff < 0 then return false, -diff end
  return true, new
end
`

// chatBudgetScript takes one send from a chat's budget unless Telegram paused the chat (429). KEYS: the
// budget, the pause. ARGV: now (µs), emission interval (µs), burst. It returns {1} or {0, wait in µs}.
var chatBudgetScript = redis.NewScript(gcraLua + `
local now = tonumber(ARGV[1])
local pause = redis.call('PTTL', KEYS[2])
if pause > 0 then return {0, pause * 1000} end
local ok, v = gcra(redis.call('GET', KEYS[1]), now, tonumber(ARGV[2]), tonumber(ARGV[3]))
if not ok then return {0, v} end
redis.call('SET', KEYS[1], v, 'PX', math.ceil((v - now) / 1000))
return {1}
`)

// TakeChatBudget takes one message from a chat's own send budget (l), waiting out a 429 pause of that chat
// first: ok, or how long to wait before asking again.
func (s *Store) TakeChatBudget(ctx context.Context, chat int64, l redis_rate.Limit) (ok bool, wait time.Duration, err error) {
	res, err := chatBudgetScript.Run(ctx, s.rdb, []string{RateKey("chat:" + id(chat)), keyPauseChat(chat)},
		time.Now().UnixMicro(), emission(l), l.Burst).Int64Slice()
	if err != nil || len(res) == 0 {
		return false, 0, fmt.Errorf("budget of chat %d: %w", chat, err)
	}
	if res[0] == 1 {
		return true, 0, nil
	}
	return false, time.Duration(res[1]) * time.Microsecond, nil
}

// floodScript is flood control for one person: Drop, the budget past which their messages are dropped, then
// Pace, the one past which they wait. KEYS: the person's state ("<drop tat> <pace tat>"). ARGV: now (µs),
// drop emission (µs) and burst, pace emission and burst, "pace" to ask Pace alone (after a wait). It returns
// {0} (go on), {1} (drop) or {2, wait in µs}. A dropped message takes nothing; a paced one has taken its part
// of Drop, as when the two were asked one after the other.
var floodScript = redis.NewScript(gcraLua + `
local now = tonumber(ARGV[1])
local d, p = string.match(redis.call('GET', KEYS[1]) or '', '^(%S+) (%S+)$')
if ARGV[6] ~= 'pace' then
  local ok, v = gcra(d, now, tonumber(ARGV[2]), tonumber(ARGV[3]))
  if not ok then return {1} end
  d = v
end
local ok, v = gcra(p, now, tonumber(ARGV[4]), tonumber(ARGV[5]))
local out = {0}
if ok then p = v else out = {2, v} end
d, p = tonumber(d) or now, tonumber(p) or now
redis.call('SET', KEYS[1], string.format('%d %d', d, p), 'PX', math.max(1, math.ceil((math.max(d, p) - now) / 1000)))
return out
`)

// FloodVerdict is what flood control says about one message.
type FloodVerdict int

const (
	FloodGo   FloodVerdict = iota // handle it
	FloodDrop                     // past Drop: drop it
	FloodWait                     // past Pace: wait, then ask again with paceOnly
)

// Flood asks flood control about one message of uid (see floodScript); with FloodWait, wait says how long.
func (s *Store) Flood(ctx context.Context, uid int64, drop, pace redis_rate.Limit, paceOnly bool) (FloodVerdict, time.Duration, error) {
	mode := "all"
	if paceOnly {
		mode = "pace"
	}
	res, err := floodScript.Run(ctx, s.rdb, []string{RateKey("flood:" + id(uid))}, time.Now().UnixMicro(),
		emission(drop), drop.Burst, emission(pace), pace.Burst, mode).Int64Slice()
	if err != nil || len(res) == 0 {
		return FloodGo, 0, fmt.Errorf("flood control of %d: %w", uid, err)
	}
	if res[0] == 2 {
		return FloodWait, time.Duration(res[1]) * time.Microsecond, nil
	}
	return FloodVerdict(res[0]), 0, nil
}

// emission is a budget's interval between two events, in µs.
func emission(l redis_rate.Limit) int64 {
	return (l.Period / time.Duration(max(l.Rate, 1))).Microseconds()
}
