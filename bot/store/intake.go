package store

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// seenTTL bounds how long update ids are remembered for deduplication. Telegram keeps an unconfirmed update
// for at most 24 hours, so 48 hours covers every re-delivery.
const seenTTL = 48 * time.Hour

// storeUpdateScript appends an update to its chat's queue once per update_id, unless the queue already
// holds ARGV[5] updates. Atomic, so a crash never leaves an update "seen" but not queued. It returns 1
// (queued), 0 (seen before), 2 (queue full), 3 (queue full, and the chat was not told in the last minute:
// KEYS[4] remembers the notice) or 4 (queued as the head of an empty queue, with the chat's lease taken for
// ARGV[6]: see StoreUpdates).
//
// Three commands on the common path: the seen marker is set with NX (no EXISTS first); a chat is in the
// pending set exactly while its queue is not empty, so ZADD NX answering 1 says the queue was empty — the
// update will be its head — and RPUSH's answer is the length, so a full queue is found by pushing and taking
// the update back out: the rare path pays, not every update. Taking the lease adds its SET, and the head goes
// in with its attempt counted ("1|…", as headLua writes it), which spares the worker the take (TakeChat's
// script, LINDEX and LSET). A queue found not empty after all (its pending entry lost: not written by this
// code) is put right: the update goes in as it came and the lease is given back.
//
// KEYS: seen marker, queue, pending set, the notice's marker, the chat's lease. ARGV: update, chat, now (ms),
// seen TTL (s), backlog, lease token ("" = do not take the lease), lease (ms).
var storeUpdateScript = redis.NewScript(`
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[4]) then return 0 end
local first = redis.call('ZADD', KEYS[3], 'NX', ARGV[3], ARGV[2]) == 1
if first and ARGV[6] ~= '' and redis.call('SET', KEYS[5], ARGV[6], 'NX', 'PX', ARGV[7]) then
  if redis.call('RPUSH', KEYS[2], '1|' .. ARGV[1]) == 1 then return 4 end
  redis.call('LSET', KEYS[2], -1, ARGV[1])
  redis.call('DEL', KEYS[5])
elseif redis.call('RPUSH', KEYS[2], ARGV[1]) > tonumber(ARGV[5]) then
  redis.call('RPOP', KEYS[2])
  redis.call('DEL', KEYS[1])
  if redis.call('SET', KEYS[4], '1', 'NX', 'EX', 60) then return 3 end
  return 2
end
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
	// Taken: as Queued, and the chat had nothing else queued: the update is the head of its queue, and the
	// lease on the chat was taken with it (Incoming.Lease), for the caller to hand to a worker (Kept.Lock).
	Taken
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
	return res[0].Stored, nil
}

// Incoming is an update to store: its update_id, the chat it belongs to, its raw JSON, how many updates
// that chat may have waiting, and for how long to take the chat's lease when the update is its only one
// (0: never take it).
type Incoming struct {
	ID, Chat int64
	Raw      []byte
	Backlog  int
	Lease    time.Duration
}

// Kept is what StoreUpdates did with one update; Lock is the chat's lease when Stored is Taken (its head is
// the update, with one attempt counted: Lock.Head).
type Kept struct {
	Stored
	Lock *ChatLock
}

// StoreUpdates is StoreUpdate for a batch (a getUpdates answer holds up to 100), in one round trip to
// Redis, so that a burst from a few accounts does not hold up the intake of everyone else's messages. Each
// update is stored atomically on its own; on an error the caller stores the whole batch again, which the
// update_id check makes harmless (a lease taken by a lost answer expires by itself).
//
// An update with a Lease that finds its chat's queue empty comes back Taken, with the lease: most updates
// arrive at an idle chat, and their worker then starts with the update in hand instead of asking Redis for
// it.
func (s *Store) StoreUpdates(ctx context.Context, batch []Incoming) ([]Kept, error) {
	pipe := s.rdb.Pipeline()
	cmds := make([]*redis.Cmd, len(batch))
	locks := make([]*ChatLock, len(batch))
	// The pending set is ordered by arrival in real time, not by the store's clock: a clock moved back (a
	// test, the demo on a chosen day) must not put a chat that wrote later before one that has waited.
	now := time.Now().UnixMilli()
	for i, u := range batch {
		token := ""
		if u.Lease > 0 {
			locks[i] = s.newLock(u.Chat, u.Lease)
			token = locks[i].token
		}
		// EVAL, not EVALSHA: a pipeline cannot fall back when the script is not loaded yet; Redis caches the
		// compiled script either way.
		cmds[i] = storeUpdateScript.Eval(ctx, pipe,
			[]string{keySeen(u.ID), keyIntake(u.Chat), keyIntakeChats(), keyIntakeFull(u.Chat), keyChatLock(u.Chat)},
			u.Raw, u.Chat, now, int(seenTTL.Seconds()), u.Backlog, token, u.Lease.Milliseconds())
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, fmt.Errorf("store %d updates: %w", len(batch), err)
	}
	out := make([]Kept, len(batch))
	for i, c := range cmds {
		switch n, _ := c.Int(); n {
		case 0:
			out[i].Stored = Duplicate
		case 2:
			out[i].Stored = Overflow
		case 3:
			out[i].Stored = OverflowNotice
		case 4:
			out[i] = Kept{Stored: Taken, Lock: locks[i]}
			locks[i].Head = Head{Raw: batch[i].Raw, Attempts: 1}
		default:
			out[i].Stored = Queued
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

// Requeue puts a handled update back in its chat's queue as if its acknowledgement had been lost: for an operator who needs an update handled again, and for the tests of
// what a re-delivery does.
func (s *Store) Requeue(ctx context.Context, updateID, chat int64, raw []byte) error {
	if err := s.rdb.Del(ctx, keySeen(updateID)).Err(); err != nil {
		return fmt.Errorf("requeue update %d: %w", updateID, err)
	}
	if _, err := s.StoreUpdate(ctx, updateID, chat, raw, 1<<20); err != nil {
		return fmt.Errorf("requeue update %d: %w", updateID, err)
	}
	return nil
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

// QueueLength returns how many updates of a chat are stored and not yet handled.
func (s *Store) QueueLength(ctx context.Context, chat int64) (int64, error) {
	return s.rdb.LLen(ctx, keyIntake(chat)).Result()
}

// A chat's queue is worked off by the worker holding the chat's lease, and every step of it is one script:
// taking the lease with the head of the queue (TakeChat), then acknowledging each handled update with the
// next one (ChatLock.Ack), the last acknowledgement giving the lease back. Each step would otherwise be three
// or four round trips (lease, LINDEX, attempt counter, ack, release), and they run for every update.
//
// The count of attempts at the head travels with it in the queue: taking the head rewrites it as
// "<attempts>|<update JSON>" (update JSON starts with "{", so the prefix is unambiguous, and an update
// stored before the prefix existed counts as never attempted). Removing the head removes its count, so
// nothing is left to expire. The count lets the dispatcher give up on an update whose handling keeps
// killing the process instead of crash-looping the bot.
//
// An update is removed only after it was handled, so a crash re-delivers it; a re-delivery is the update
// that was in flight, no other (README, "Reliability").

// headLua returns the head of a chat's queue, counting one more attempt at it: {2, update, attempts}; or,
// when the queue is empty, {1} after taking the chat out of the pending set and giving the lease back.
const headLua = `
local function head(lock, queue, pending, token, chat)
  local item = redis.call('LINDEX', queue, 0)
  if not item then
    redis.call('ZREM', pending, chat)
    redis.call('DEL', lock)
    return {1}
  end
  local n, body = string.match(item, '^(%d+)|(.*)$')
  if not body then n, body = 0, item end
  n = tonumber(n) + 1
  redis.call('LSET', queue, 0, n .. '|' .. body)
  return {2, body, n}
end
`

// takeChatScript takes a chat's lease and its head. KEYS: lease, queue, pending set. ARGV: token, lease (ms),
// chat. {0} when another worker holds the lease.
var takeChatScript = redis.NewScript(headLua + `
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return {0} end
return head(KEYS[1], KEYS[2], KEYS[3], ARGV[1], ARGV[3])
`)

// ackScript removes a handled update from the head of its chat's queue and returns the next head as
// headLua does, or {3} when the lease is no longer this worker's (the update is removed all the same: it was
// handled). KEYS as takeChatScript's; ARGV: token, the handled update, chat, lease (ms).
//
// The common paths cost three commands besides the script's own: LPOP of two items takes the handled update
// and the next one, which goes back with its attempt counted (LPUSH, where LINDEX and LSET would be two); and
// when the queue is empty, GETDEL gives the lease back as it checks it (GET and DEL would be two). GETDEL
// finding another worker's lease (ours expired, and that worker took the chat) puts it back for a whole lease,
// which at worst lengthens that lease a little. A head that is not the handled update (a repeated ack: Redis
// unreachable after it ran, say) is put back untouched, so repeating an ack is harmless.
var ackScript = redis.NewScript(headLua + `
local function strip(item) return string.match(item, '^%d+|(.*)$') or item end
local items = redis.call('LPOP', KEYS[2], 2)
if items and strip(items[1]) == ARGV[2] then
  local nxt = items[2]
  if nxt then
    if redis.call('GET', KEYS[1]) ~= ARGV[1] then
      redis.call('LPUSH', KEYS[2], nxt)
      return {3}
    end
    local n, body = string.match(nxt, '^(%d+)|(.*)$')
    if not body then n, body = 0, nxt end
    n = tonumber(n) + 1
    redis.call('LPUSH', KEYS[2], n .. '|' .. body)
    return {2, body, n}
  end
  redis.call('ZREM', KEYS[3], ARGV[3])
  local holder = redis.call('GETDEL', KEYS[1])
  if holder == ARGV[1] then return {1} end
  if holder then redis.call('SET', KEYS[1], holder, 'PX', ARGV[4]) end
  return {3}
end
if items then for i = #items, 1, -1 do redis.call('LPUSH', KEYS[2], items[i]) end end
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return {3} end
return head(KEYS[1], KEYS[2], KEYS[3], ARGV[1], ARGV[3])
`)

// putBackScript takes back the attempt counted when the head was taken but not handled (the worker stopped
// between two updates). KEYS: queue. ARGV: the update.
var putBackScript = redis.NewScript(`
local item = redis.call('LINDEX', KEYS[1], 0)
if not item then return 0 end
local n, body = string.match(item, '^(%d+)|(.*)$')
if body ~= ARGV[1] then return 0 end
if tonumber(n) <= 1 then redis.call('LSET', KEYS[1], 0, body) else redis.call('LSET', KEYS[1], 0, (n - 1) .. '|' .. body) end
return 1
`)

// refreshScript and releaseScript act on a lease only while it holds the worker's token.
var (
	refreshScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`)
	releaseScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`)
)

// ErrLocked is returned by TakeChat when another worker holds the chat.
var ErrLocked = errors.New("chat is locked by another worker")

// ErrLeaseLost is returned by ChatLock.Refresh and ChatLock.Ack when the lease expired and may be another
// worker's now.
var ErrLeaseLost = errors.New("chat lease lost")

// Head is the oldest unhandled update of a chat, as a worker took it.
type Head struct {
	Raw      []byte // nil: the queue is empty (and the lease was given back)
	Attempts int64  // times it was taken, this time included
}

// ChatLock is a lease on one chat's queue. The lease is the queue's own (a token in hn:lock:chat:{chat}, as
// github.com/bsm/redislock keeps one) rather than redislock's, because taking it is one step with taking the
// head, and giving it back one step with the last acknowledgement.
type ChatLock struct {
	// Head is the head of the queue taken with the lease by intake (Taken), for the worker it is handed to.
	Head  Head
	s     *Store
	chat  int64
	token string
	ttl   time.Duration
	// done: the lease was given back by a script (an empty queue) or lost, so Release has nothing to do.
	done bool
}

// TakeChat takes the lease on a chat's queue for ttl with the queue's head, or returns ErrLocked. Leases
// expire by themselves, so a worker killed with -9 blocks its chats for at most ttl. With an empty queue the
// lease is given back at once and Head.Raw is nil.
func (s *Store) TakeChat(ctx context.Context, chat int64, ttl time.Duration) (*ChatLock, Head, error) {
	l := s.newLock(chat, ttl)
	h, err := l.run(ctx, takeChatScript, nil)
	if err != nil {
		return nil, Head{}, fmt.Errorf("take chat %d: %w", chat, err)
	}
	return l, h, nil
}

// newLock returns a lease on chat with a fresh token, not taken yet.
func (s *Store) newLock(chat int64, ttl time.Duration) *ChatLock {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return &ChatLock{s: s, chat: chat, token: base64.RawURLEncoding.EncodeToString(b[:]), ttl: ttl}
}

func (l *ChatLock) run(ctx context.Context, script *redis.Script, raw []byte) (Head, error) {
	keys := []string{keyChatLock(l.chat), keyIntake(l.chat), keyIntakeChats()}
	args := []any{l.token, l.ttl.Milliseconds(), l.chat}
	if script == ackScript {
		args = []any{l.token, raw, l.chat, l.ttl.Milliseconds()}
	}
	res, err := script.Run(ctx, l.s.rdb, keys, args...).Slice()
	if err != nil || len(res) == 0 {
		return Head{}, err
	}
	switch code, _ := res[0].(int64); code {
	case 0:
		return Head{}, ErrLocked
	case 1:
		l.done = true
	case 3:
		l.done = true
		return Head{}, ErrLeaseLost
	case 2:
		body, _ := res[1].(string)
		n, _ := res[2].(int64)
		return Head{Raw: []byte(body), Attempts: n}, nil
	}
	return Head{}, nil
}

// Ack records that the head update (raw, as Head gave it) was handled and removes it, and returns the next
// head — or an empty Head when the queue is empty, the lease then given back. ErrLeaseLost: the update was
// removed, but the chat is another worker's now.
func (l *ChatLock) Ack(ctx context.Context, raw []byte) (Head, error) {
	h, err := l.run(ctx, ackScript, raw)
	if err != nil && !errors.Is(err, ErrLeaseLost) {
		return Head{}, fmt.Errorf("ack update of chat %d: %w", l.chat, err)
	}
	return h, err
}

// PutBack takes back the attempt counted for a head that was taken and not handled.
func (l *ChatLock) PutBack(ctx context.Context, raw []byte) error {
	return putBackScript.Run(ctx, l.s.rdb, []string{keyIntake(l.chat)}, raw).Err()
}

// Refresh extends the lease. It returns ErrLeaseLost when the lease is no longer this worker's; other
// errors (Redis unreachable) leave it as it was, to try again.
func (l *ChatLock) Refresh(ctx context.Context, ttl time.Duration) error {
	n, err := refreshScript.Run(ctx, l.s.rdb, []string{keyChatLock(l.chat)}, l.token, ttl.Milliseconds()).Int()
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrLeaseLost
	}
	return nil
}

// Release gives the lease back (nothing when it is not held any more). A ChatLock is used by one worker
// at a time, so done needs no lock.
func (l *ChatLock) Release(ctx context.Context) error {
	if l.done {
		return nil
	}
	return releaseScript.Run(ctx, l.s.rdb, []string{keyChatLock(l.chat)}, l.token).Err()
}
