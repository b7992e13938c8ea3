package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/bsm/redislock"
	"github.com/redis/go-redis/v9"
)

// seenTTL bounds how long update ids are remembered for deduplication. Telegram keeps an unconfirmed update
// for at most 24 hours, so 48 hours covers every re-delivery.
const seenTTL = 48 * time.Hour

// storeUpdateScript appends an update to its chat's queue once per update_id, unless the queue already
// holds ARGV[5] updates. Atomic, so a crash never leaves an update "seen" but not queued. It returns 1
// (queued), 0 (seen before), 2 (queue full) or 3 (queue full, and the chat was not told in the last
// minute: KEYS[4] remembers the notice).
var storeUpdateScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
if redis.call('LLEN', KEYS[2]) >= tonumber(ARGV[5]) then
  if redis.call('SET', KEYS[4], '1', 'NX', 'EX', 60) then return 3 end
  return 2
end
redis.call('SET', KEYS[1], '1', 'EX', ARGV[4])
redis.call('RPUSH', KEYS[2], ARGV[1])
redis.call('ZADD', KEYS[3], 'NX', ARGV[3], ARGV[2])
return 1
`)

// Stored says what StoreUpdate did with an update.
type Stored int

// What StoreUpdate can do with an update.
const (
	// Queued: the update waits in its chat's queue.
	Queued Stored = iota
	// Duplicate: the update_id was stored before (Telegram delivered it again); nothing changed.
	Duplicate
	// Overflow: the chat's queue is full, so the update was not kept; the chat was told recently.
	Overflow
	// OverflowNotice: as Overflow, and the chat has not been told in the last minute: tell it now.
	OverflowNotice
)

// StoreUpdate durably queues a raw update for its chat, unless the chat already has backlog updates
// waiting: one account sending faster than it is answered must not grow Redis without bound, and past a
// few dozen messages the sender is better told to wait than answered minutes later. Intake calls it before
// confirming the update to Telegram.
func (s *Store) StoreUpdate(ctx context.Context, updateID, chat int64, raw []byte, backlog int) (Stored, error) {
	res, err := s.StoreUpdates(ctx, []Incoming{{ID: updateID, Chat: chat, Raw: raw, Backlog: backlog}})
	if err != nil {
		return Queued, err
	}
	return res[0], nil
}

// Incoming is an update to store: its update_id, the chat it belongs to, its raw JSON, and how many
// updates that chat may have waiting.
type Incoming struct {
	ID, Chat int64
	Raw      []byte
	Backlog  int
}

// StoreUpdates is StoreUpdate for a batch (a getUpdates answer holds up to 100), in one round trip to
// Redis, so that a burst from a few accounts does not hold up the intake of everyone else's messages. Each
// update is stored atomically on its own; on an error the caller stores the whole batch again, which the
// update_id check makes harmless.
func (s *Store) StoreUpdates(ctx context.Context, batch []Incoming) ([]Stored, error) {
	pipe := s.rdb.Pipeline()
	cmds := make([]*redis.Cmd, len(batch))
	// The pending set is ordered by arrival in real time, not by the store's clock: a clock moved back (a
	// test, the demo on a chosen day) must not put a chat that wrote later before one that has waited.
	now := time.Now().UnixMilli()
	for i, u := range batch {
		// EVAL, not EVALSHA: a pipeline cannot fall back when the script is not loaded yet; Redis caches the
		// compiled script either way.
		cmds[i] = storeUpdateScript.Eval(ctx, pipe,
			[]string{keySeen(u.ID), keyIntake(u.Chat), keyIntakeChats(), keyIntakeFull(u.Chat)},
			u.Raw, u.Chat, now, int(seenTTL.Seconds()), u.Backlog)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, fmt.Errorf("store %d updates: %w", len(batch), err)
	}
	out := make([]Stored, len(batch))
	for i, c := range cmds {
		switch n, _ := c.Int(); n {
		case 0:
			out[i] = Duplicate
		case 2:
			out[i] = Overflow
		case 3:
			out[i] = OverflowNotice
		default:
			out[i] = Queued
		}
	}
	return out, nil
}

// Rejected updates are kept for inspection, the newest few for a week: they may hold a message's text.
const (
	rejectedKeep = 100
	rejectedTTL  = 7 * 24 * time.Hour
)

// RejectUpdate keeps an update that could not be decoded aside, so that an operator can see what Telegram
// sent (the log says only that it happened).
func (s *Store) RejectUpdate(ctx context.Context, raw []byte) error {
	pipe := s.rdb.TxPipeline()
	pipe.LPush(ctx, keyRejected(), raw)
	pipe.LTrim(ctx, keyRejected(), 0, rejectedKeep-1)
	pipe.Expire(ctx, keyRejected(), rejectedTTL)
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("keep rejected update: %w", err)
	}
	return nil
}

// forgetRejectedScript removes the kept-aside updates sent by or to a user: any top-level part of the
// update (message, callback_query, ...) whose from, chat or user has that id.
var forgetRejectedScript = redis.NewScript(`
local uid = tonumber(ARGV[1])
local function is(x) return type(x) == 'table' and x.id == uid end
local n = 0
for _, item in ipairs(redis.call('LRANGE', KEYS[1], 0, -1)) do
  local ok, u = pcall(cjson.decode, item)
  if ok and type(u) == 'table' then
    for _, part in pairs(u) do
      if type(part) == 'table' and (is(part.from) or is(part.chat) or is(part.user)) then
        n = n + redis.call('LREM', KEYS[1], 0, item)
        break
      end
    end
  end
end
return n
`)

// forgetRejected is /forget's part for updates kept aside.
func (s *Store) forgetRejected(ctx context.Context, uid int64) error {
	if err := forgetRejectedScript.Run(ctx, s.rdb, []string{keyRejected()}, uid).Err(); err != nil {
		return fmt.Errorf("forget rejected updates of %d: %w", uid, err)
	}
	return nil
}

// RejectedUpdates returns the updates kept by RejectUpdate, newest first.
func (s *Store) RejectedUpdates(ctx context.Context) ([][]byte, error) {
	vals, err := s.rdb.LRange(ctx, keyRejected(), 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("rejected updates: %w", err)
	}
	out := make([][]byte, len(vals))
	for i, v := range vals {
		out[i] = []byte(v)
	}
	return out, nil
}

// NextUpdate returns the oldest unhandled update of a chat, or nil when the queue is empty.
// It stays queued until AckUpdate, so a crash while handling re-delivers it.
func (s *Store) NextUpdate(ctx context.Context, chat int64) ([]byte, error) {
	raw, err := s.rdb.LIndex(ctx, keyIntake(chat), 0).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("next update of chat %d: %w", chat, err)
	}
	return raw, nil
}

// ackScript marks an update handled and removes it from the head of its chat's queue; the chat leaves the
// pending set when its queue is empty. Checking the head makes a repeated ack harmless.
var ackScript = redis.NewScript(`
redis.call('SET', KEYS[3], '1', 'EX', ARGV[3])
redis.call('DEL', KEYS[4])
if redis.call('LINDEX', KEYS[1], 0) == ARGV[1] then redis.call('LPOP', KEYS[1]) end
local n = redis.call('LLEN', KEYS[1])
if n == 0 then redis.call('ZREM', KEYS[2], ARGV[2]) end
return n
`)

// AckUpdate records that the head update of a chat was handled and removes it. It returns how many
// updates of that chat remain.
func (s *Store) AckUpdate(ctx context.Context, updateID, chat int64, raw []byte) (int, error) {
	n, err := ackScript.Run(ctx, s.rdb, []string{keyIntake(chat), keyIntakeChats(), keyDone(updateID), keyTries(updateID)},
		raw, chat, int(seenTTL.Seconds())).Int()
	if err != nil {
		return 0, fmt.Errorf("ack update %d: %w", updateID, err)
	}
	return n, nil
}

// Requeue puts a handled update back in its chat's queue and forgets that it was handled, as if its
// acknowledgement had been lost: for an operator who needs an update handled again, and for the tests of
// what a re-delivery does.
func (s *Store) Requeue(ctx context.Context, updateID, chat int64, raw []byte) error {
	if err := s.rdb.Del(ctx, keyDone(updateID), keySeen(updateID)).Err(); err != nil {
		return fmt.Errorf("requeue update %d: %w", updateID, err)
	}
	if _, err := s.StoreUpdate(ctx, updateID, chat, raw, 1<<20); err != nil {
		return fmt.Errorf("requeue update %d: %w", updateID, err)
	}
	return nil
}

// StartAttempt counts one more attempt at handling an update and returns the count. A panic is recovered
// inside the handler, but a crash of the whole process (out of memory, a fatal runtime error, a kill during
// a handler that always hangs) leaves the update at the head of its queue to be tried again after restart;
// the count lets the dispatcher give up on an update that keeps doing that instead of crash-looping the bot.
func (s *Store) StartAttempt(ctx context.Context, updateID int64) (int64, error) {
	pipe := s.rdb.TxPipeline()
	n := pipe.Incr(ctx, keyTries(updateID))
	pipe.Expire(ctx, keyTries(updateID), seenTTL)
	if _, err := pipe.Exec(ctx); err != nil {
		return 0, fmt.Errorf("count attempt at update %d: %w", updateID, err)
	}
	return n.Val(), nil
}

// WasHandled reports whether an update was already handled (the dedupe step before a handler runs).
func (s *Store) WasHandled(ctx context.Context, updateID int64) (bool, error) {
	n, err := s.rdb.Exists(ctx, keyDone(updateID)).Result()
	if err != nil {
		return false, fmt.Errorf("check update %d: %w", updateID, err)
	}
	return n == 1, nil
}

// PendingChats lists up to limit chats that have stored updates, oldest first.
func (s *Store) PendingChats(ctx context.Context, limit int64) ([]int64, error) {
	ids, err := s.rdb.ZRange(ctx, keyIntakeChats(), 0, limit-1).Result()
	if err != nil {
		return nil, fmt.Errorf("pending chats: %w", err)
	}
	out := make([]int64, 0, len(ids))
	for _, v := range ids {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			out = append(out, n)
		}
	}
	return out, nil
}

// PendingCount returns how many chats have stored, unhandled updates (a queue-depth metric).
func (s *Store) PendingCount(ctx context.Context) (int64, error) {
	return s.rdb.ZCard(ctx, keyIntakeChats()).Result()
}

// ErrLocked is returned by LockChat when another worker holds the chat.
var ErrLocked = errors.New("chat is locked by another worker")

// ChatLock is a lease on one chat's queue.
type ChatLock struct{ l *redislock.Lock }

// LockChat takes the lease on a chat's queue for ttl, or returns ErrLocked. Leases expire by themselves, so
// a worker killed with -9 blocks its chats for at most ttl.
func (s *Store) LockChat(ctx context.Context, chat int64, ttl time.Duration) (*ChatLock, error) {
	l, err := redislock.New(s.rdb).Obtain(ctx, keyChatLock(chat), ttl, nil)
	if errors.Is(err, redislock.ErrNotObtained) {
		return nil, ErrLocked
	}
	if err != nil {
		return nil, fmt.Errorf("lock chat %d: %w", chat, err)
	}
	return &ChatLock{l: l}, nil
}

// ErrLeaseLost is returned by ChatLock.Refresh when the lease expired and may be another worker's now.
var ErrLeaseLost = errors.New("chat lease lost")

// Refresh extends the lease. It returns ErrLeaseLost when the lease is no longer this worker's; other
// errors (Redis unreachable) leave it as it was, to try again.
func (c *ChatLock) Refresh(ctx context.Context, ttl time.Duration) error {
	err := c.l.Refresh(ctx, ttl, nil)
	if errors.Is(err, redislock.ErrNotObtained) {
		return ErrLeaseLost
	}
	return err
}

// Release gives the lease back.
func (c *ChatLock) Release(ctx context.Context) error {
	err := c.l.Release(ctx)
	if errors.Is(err, redislock.ErrLockNotHeld) {
		return nil
	}
	return err
}
