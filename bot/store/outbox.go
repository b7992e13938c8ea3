package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// takeScript moves the oldest message of a bulk lane into the lane's in-flight hash with a deadline. The
// item stays in Redis until DoneBulk, so a sender killed mid-send does not lose it (ReapBulk requeues it).
var takeScript = redis.NewScript(`
local item = redis.call('LPOP', KEYS[1])
if not item then return false end
redis.call('HSET', KEYS[2], item, ARGV[1])
return item
`)

// EnqueueBulk appends messages (already encoded by the outbox) to a bulk lane.
func (s *Store) EnqueueBulk(ctx context.Context, lane string, items ...[]byte) error {
	if len(items) == 0 {
		return nil
	}
	vals := make([]any, len(items))
	for i, it := range items {
		vals[i] = it
	}
	if err := s.rdb.RPush(ctx, keyOutbox(lane), vals...).Err(); err != nil {
		return fmt.Errorf("enqueue %d on %s: %w", len(items), lane, err)
	}
	return nil
}

// enqueueOnceScript queues ARGV[2] on a lane unless the mark KEYS[2] exists, and sets the mark (TTL ARGV[1]
// seconds) in the same step: the message is queued exactly once, by whichever caller comes first, and a
// crash cannot leave it marked but not queued.
var enqueueOnceScript = redis.NewScript(`
if redis.call('SET', KEYS[2], '1', 'NX', 'EX', ARGV[1]) then
  redis.call('RPUSH', KEYS[1], ARGV[2])
  return 1
end
return 0
`)

// EnqueueBulkOnce appends a message to a bulk lane unless one was queued under the same name within keep,
// and reports whether it queued it. The name says what must happen once ("digest:2031-W20").
func (s *Store) EnqueueBulkOnce(ctx context.Context, lane, name string, keep time.Duration, item []byte) (bool, error) {
	secs := int64(keep / time.Second)
	if secs < 1 {
		secs = 1
	}
	n, err := enqueueOnceScript.Run(ctx, s.rdb, []string{keyOutbox(lane), keyOnce(name)}, secs, item).Int()
	if err != nil {
		return false, fmt.Errorf("enqueue %s once on %s: %w", name, lane, err)
	}
	return n == 1, nil
}

// TakeBulk takes the oldest message of a lane for sending; nil when the lane is empty. The caller has lease
// time to send it and call DoneBulk.
//
// The deadline is on the store's clock, as ReapBulk's "now" is: the bot's one calendar (bot.WithClock). A
// clock moved past the deadline while a message is in flight means the lease ran out, and the message is
// sent again — so a test that moves time waits for the lanes to be idle first, as time does not jump in
// production.
func (s *Store) TakeBulk(ctx context.Context, lane string, lease time.Duration) ([]byte, error) {
	deadline := s.now().Add(lease).UnixMilli()
	raw, err := takeScript.Run(ctx, s.rdb, []string{keyOutbox(lane), keyOutboxInflight(lane)}, deadline).Text()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("take from %s: %w", lane, err)
	}
	return []byte(raw), nil
}

// DoneBulk forgets a message taken with TakeBulk (sent, or given up on).
func (s *Store) DoneBulk(ctx context.Context, lane string, item []byte) error {
	return s.rdb.HDel(ctx, keyOutboxInflight(lane), string(item)).Err()
}

// reapScript puts in-flight messages whose deadline passed back at the head of their lane.
var reapScript = redis.NewScript(`
local all = redis.call('HGETALL', KEYS[2])
local n = 0
for i = 1, #all, 2 do
  if tonumber(all[i+1]) < tonumber(ARGV[1]) then
    redis.call('HDEL', KEYS[2], all[i])
    redis.call('LPUSH', KEYS[1], all[i])
    n = n + 1
  end
end
return n
`)

// ReapBulk requeues messages of a lane whose sender died before finishing (their deadline, on the store's
// clock, passed). It returns how many.
func (s *Store) ReapBulk(ctx context.Context, lane string) (int, error) {
	n, err := reapScript.Run(ctx, s.rdb, []string{keyOutbox(lane), keyOutboxInflight(lane)}, s.now().UnixMilli()).Int()
	if err != nil {
		return 0, fmt.Errorf("reap %s: %w", lane, err)
	}
	return n, nil
}

// forgetQueuedScript removes a lane's messages about a user, waiting or in flight. Messages are the
// outbox's JSON; one about a user has "about": <uid>.
var forgetQueuedScript = redis.NewScript(`
local uid = tonumber(ARGV[1])
local function about(item)
  local ok, m = pcall(cjson.decode, item)
  return ok and type(m) == 'table' and m.about == uid
end
local n = 0
for _, item in ipairs(redis.call('LRANGE', KEYS[1], 0, -1)) do
  if about(item) then n = n + redis.call('LREM', KEYS[1], 0, item) end
end
for _, item in ipairs(redis.call('HKEYS', KEYS[2])) do
  if about(item) then n = n + redis.call('HDEL', KEYS[2], item) end
end
return n
`)

// ForgetQueued removes from a lane every message about the user (/forget): a staff card with their answers
// must not reach the staff chat after they asked to be forgotten. A message in flight at that moment is
// taken off the lane too, so it is not sent again; its sender checks that the user still exists right
// before the Bot API call (Outbox), after its waits for the send budgets, so only a call already under
// way can still deliver it. It walks the whole lane, which is meant for lanes of notices (short), not
// broadcasts.
func (s *Store) ForgetQueued(ctx context.Context, uid int64, lane string) (int, error) {
	n, err := forgetQueuedScript.Run(ctx, s.rdb, []string{keyOutbox(lane), keyOutboxInflight(lane)}, uid).Int()
	if err != nil {
		return 0, fmt.Errorf("forget queued messages of %d on %s: %w", uid, lane, err)
	}
	return n, nil
}

// BulkInFlight returns how many messages of a lane a sender has taken and not finished.
func (s *Store) BulkInFlight(ctx context.Context, lane string) (int64, error) {
	return s.rdb.HLen(ctx, keyOutboxInflight(lane)).Result()
}

// BulkPending returns how many messages of a lane wait and how many are in flight, read in one
// transaction: read apart, a message moving between the two (taken by a sender, or given back by the
// reaper) could be counted in neither, and a lane look idle that is not.
func (s *Store) BulkPending(ctx context.Context, lane string) (waiting, taken int64, err error) {
	var w, t *redis.IntCmd
	_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		w, t = p.LLen(ctx, keyOutbox(lane)), p.HLen(ctx, keyOutboxInflight(lane))
		return nil
	})
	if err != nil {
		return 0, 0, fmt.Errorf("count %s: %w", lane, err)
	}
	return w.Val(), t.Val(), nil
}

// BulkDepth returns how many messages wait in a lane (a queue-depth metric).
func (s *Store) BulkDepth(ctx context.Context, lane string) (int64, error) {
	return s.rdb.LLen(ctx, keyOutbox(lane)).Result()
}

// PauseBulk pauses the bulk lanes of every replica for d.
func (s *Store) PauseBulk(ctx context.Context, d time.Duration) error {
	return s.rdb.Set(ctx, keyPauseBulk(), "1", d).Err()
}

// BulkPause returns how long the bulk lanes must still wait (0 when not paused).
func (s *Store) BulkPause(ctx context.Context) (time.Duration, error) {
	return s.pttl(ctx, keyPauseBulk())
}

func (s *Store) pttl(ctx context.Context, key string) (time.Duration, error) {
	d, err := s.rdb.PTTL(ctx, key).Result()
	if err != nil {
		return 0, err
	}
	if d < 0 { // -2: no key, -1: no TTL (never set by us)
		return 0, nil
	}
	return d, nil
}

// OnceState is what ClaimOnce found for a message that must be sent at most once (outbox Message.Once).
type OnceState int

// The states of a once-only message.
const (
	// OnceClaimed: nobody had claimed the key; the caller holds it now and may call the Bot API.
	OnceClaimed OnceState = iota
	// OnceSending: another sender holds the key and is in the middle of its call.
	OnceSending
	// OnceSent: the message was sent already.
	OnceSent
)

// claimOnceScript claims a once-only key or tells who holds it, in one step: a GET after a failed SET NX
// could find the key expired in between. A claim holds its deadline on the store's clock ("sending:<unix
// ms>") besides Redis's own expiry, as the lanes' in-flight deadlines do: on the bot's one calendar, a
// claim whose deadline passed is free, whichever of the two clocks gets there first.
var claimOnceScript = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if v == 'sent' then return 'sent' end
if v and tonumber(string.sub(v, 9)) and tonumber(string.sub(v, 9)) >= tonumber(ARGV[2]) then return 'sending' end
redis.call('SET', KEYS[1], 'sending:' .. ARGV[3], 'PX', ARGV[1])
return 'claimed'
`)

// ClaimOnce claims key for a send that must happen at most once, for lease: hn:once:<key> = "sending". The
// claim expires after lease, so a sender that dies in the middle of its call frees the key for the
// sender the reaper hands the message to next.
func (s *Store) ClaimOnce(ctx context.Context, key string, lease time.Duration) (OnceState, error) {
	now := s.now()
	v, err := claimOnceScript.Run(ctx, s.rdb, []string{keyOnce(key)}, lease.Milliseconds(), now.UnixMilli(), now.Add(lease).UnixMilli()).Text()
	if err != nil && !errors.Is(err, redis.Nil) {
		return 0, fmt.Errorf("claim once-only send: %w", err)
	}
	switch v {
	case "claimed":
		return OnceClaimed, nil
	case "sent":
		return OnceSent, nil
	default: // "sending"; nil would mean the key vanished inside the script, which cannot happen
		return OnceSending, nil
	}
}

// MarkOnceSent records that the message of key was sent, for ttl: long enough that it can never be queued
// again (reminder keys embed the event's start, so they never recur).
func (s *Store) MarkOnceSent(ctx context.Context, key string, ttl time.Duration) error {
	if err := s.rdb.Set(ctx, keyOnce(key), "sent", ttl).Err(); err != nil {
		return fmt.Errorf("record once-only send: %w", err)
	}
	return nil
}

// retryRoundsTTL is how long a message's count of rounds is kept after its last round: longer than any
// run of rounds lasts (Config.Rounds leases), so a count never restarts in the middle.
const retryRoundsTTL = 24 * time.Hour

// CountRetryRound counts one more round of a queued message (named by its lane and id) left in flight
// after all its attempts failed, and returns the count.
func (s *Store) CountRetryRound(ctx context.Context, name string) (int64, error) {
	var n *redis.IntCmd
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		n = p.Incr(ctx, keyRetryRounds(name))
		p.Expire(ctx, keyRetryRounds(name), retryRoundsTTL)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("count retry round: %w", err)
	}
	return n.Val(), nil
}

// ReleaseOnce gives up a claim after a send that failed, so that the same key queued again is sent.
func (s *Store) ReleaseOnce(ctx context.Context, key string) error {
	return s.rdb.Del(ctx, keyOnce(key)).Err()
}
