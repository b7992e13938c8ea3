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
// GCRA rather than redis_rate's: each is part of a step the update takes anyway (the chat's budget with its
// 429 pause; flood control's two budgets with the visit, visitScript), and they take the time from this process's clock instead of calling TIME in Redis.
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

// chatBudgetScript takes one send from a chat's budget. KEYS: the budget. ARGV: now (µs), emission interval
// (µs), burst. It returns {1} or {0, wait in µs}. A 429 pause of the chat is in the same state (PauseChat),
// so the check costs no command of its own.
var chatBudgetScript = redis.NewScript(gcraLua + `
local now = tonumber(ARGV[1])
local ok, v = gcra(redis.call('GET', KEYS[1]), now, tonumber(ARGV[2]), tonumber(ARGV[3]))
if not ok then return {0, v} end
redis.call('SET', KEYS[1], v, 'PX', math.ceil((v - now) / 1000))
return {1}
`)

// pauseChatScript holds a chat's budget until now + the pause: its theoretical arrival time moves to where
// the next send is allowed exactly then (never earlier than the budget already said). KEYS: the budget.
// ARGV: now (µs), pause (µs), emission (µs), burst.
var pauseChatScript = redis.NewScript(`
local now = tonumber(ARGV[1])
local tat = now + tonumber(ARGV[2]) + tonumber(ARGV[3]) * (tonumber(ARGV[4]) - 1)
if (tonumber(redis.call('GET', KEYS[1])) or 0) < tat then
  redis.call('SET', KEYS[1], string.format('%d', tat), 'PX', math.ceil((tat - now) / 1000))
end
return 1
`)

// TakeChatBudget takes one message from a chat's own send budget (l), which holds a 429 pause of that chat
// too: ok, or how long to wait before asking again.
func (s *Store) TakeChatBudget(ctx context.Context, chat int64, l redis_rate.Limit) (ok bool, wait time.Duration, err error) {
	res, err := chatBudgetScript.Run(ctx, s.rdb, []string{RateKey("chat:" + id(chat))},
		time.Now().UnixMicro(), emission(l), l.Burst).Int64Slice()
	if err != nil || len(res) == 0 {
		return false, 0, fmt.Errorf("budget of chat %d: %w", chat, err)
	}
	if res[0] == 1 {
		return true, 0, nil
	}
	return false, time.Duration(res[1]) * time.Microsecond, nil
}

// PauseChat records that Telegram asked us to wait d before sending to chat again (429), in the chat's
// budget l (the one TakeChatBudget takes from), so every replica waits.
func (s *Store) PauseChat(ctx context.Context, chat int64, d time.Duration, l redis_rate.Limit) error {
	return pauseChatScript.Run(ctx, s.rdb, []string{RateKey("chat:" + id(chat))}, time.Now().UnixMicro(),
		d.Microseconds(), emission(l), l.Burst).Err()
}

// floodLua is flood control for one person: Drop, the budget past which their messages are dropped, then
// Pace, the one past which they wait. Its state ("<drop tat> <pace tat>", µs) is a field of the person's
// hash, "flood": visitScript reads and writes that hash anyway, so flood control costs no command of its
// own. flood(state, now, drop emission, drop burst, pace emission, pace burst, pace alone) returns the
// verdict (0 go on, 1 drop, 2 wait), the wait (µs) and the new state (nil: unchanged). A dropped message
// takes nothing; a paced one has taken its part of Drop, as when the two were asked one after the other.
const floodLua = gcraLua + `
local function flood(state, now, de, db, pe, pb, paceOnly)
  local d, p = string.match(state or '', '^(%S+) (%S+)$')
  if not paceOnly then
    local ok, v = gcra(d, now, tonumber(de), tonumber(db))
    if not ok then return 1, 0, nil end
    d = v
  end
  local verdict, wait = 0, 0
  local ok, v = gcra(p, now, tonumber(pe), tonumber(pb))
  if ok then p = v else verdict, wait = 2, v end
  return verdict, wait, string.format('%d %d', tonumber(d) or now, tonumber(p) or now)
end
`

// paceScript asks Pace again after a wait (floodLua, pace alone), on the state in the user's hash. KEYS:
// the user. ARGV: now (µs), Pace's emission (µs) and burst. {verdict, wait (µs)}.
var paceScript = redis.NewScript(floodLua + `
if redis.call('EXISTS', KEYS[1]) == 0 then return {0, 0} end
local verdict, wait, state = flood(redis.call('HGET', KEYS[1], 'flood'), tonumber(ARGV[1]), 0, 0, ARGV[2], ARGV[3], true)
redis.call('HSET', KEYS[1], 'flood', state)
return {verdict, wait}
`)

// FloodVerdict is what flood control says about one message.
type FloodVerdict int

const (
	FloodGo   FloodVerdict = iota // handle it
	FloodDrop                     // past Drop: drop it
	FloodWait                     // past Pace: wait, then ask again with paceOnly
)

// Paced asks flood control's Pace again for uid, after the wait a visit (or the last Paced) said: FloodGo or
// FloodWait with how long.
func (s *Store) Paced(ctx context.Context, uid int64, pace redis_rate.Limit) (FloodVerdict, time.Duration, error) {
	res, err := paceScript.Run(ctx, s.rdb, []string{keyUser(uid)}, time.Now().UnixMicro(), emission(pace), pace.Burst).Int64Slice()
	if err != nil || len(res) != 2 {
		return FloodGo, 0, fmt.Errorf("flood control of %d: %w", uid, err)
	}
	return FloodVerdict(res[0]), time.Duration(res[1]) * time.Microsecond, nil
}

// emission is a budget's interval between two events, in µs.
func emission(l redis_rate.Limit) int64 {
	return (l.Period / time.Duration(max(l.Rate, 1))).Microseconds()
}
