package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// A broadcast's states. A broadcast is created scheduled (for now or later); the replica that claims it when
// it is due makes it sending; it ends done or cancelled.
const (
	BroadcastScheduled = "scheduled"
	BroadcastSending   = "sending"
	BroadcastDone      = "done"
	BroadcastCancelled = "cancelled"
)

// Outcomes of one recipient of a broadcast, the fields counting them in hn:bc:{id}.
const (
	OutcomeSent        = "sent"
	OutcomeFailed      = "failed"
	OutcomeUnreachable = "unreachable"
	OutcomeSkipped     = "skipped"
)

// BroadcastRecord is what Redis keeps of a broadcast: its definition (Doc, package broadcast's JSON, which
// the store does not read) and where its delivery stands.
type BroadcastRecord struct {
	ID      string
	Doc     []byte
	State   string
	At      time.Time // when it is to start
	Created time.Time
	Started time.Time
	Ended   time.Time
	// Resolved is set once every recipient is listed; Cursor is where listing them stands until then.
	Resolved bool
	Cursor   uint64
	// Total counts the recipients listed; OptedOut the people of the audience who turned broadcasts off.
	Total, OptedOut int64
	// Queued counts recipients moved to the outbox; the others are outcomes.
	Queued, Sent, Failed, Unreachable, Skipped int64
	// Left counts recipients never sent to because the broadcast was cancelled.
	Left int64
	// ProgressChat and ProgressID are the staff's message that shows the figures.
	ProgressChat int64
	ProgressID   int
	CancelledBy  int64
}

// Done counts the recipients with an outcome.
func (b BroadcastRecord) Done() int64 { return b.Sent + b.Failed + b.Unreachable + b.Skipped }

// Remaining counts the recipients still to be tried.
func (b BroadcastRecord) Remaining() int64 { return max(b.Total-b.Done()-b.Left, 0) }

// ErrBroadcastOver is CancelBroadcast's answer for a broadcast that is done or cancelled already.
var ErrBroadcastOver = errors.New("broadcast already over")

// CreateBroadcast stores a new broadcast due at at and returns its id ("b1", "b2", ...).
func (s *Store) CreateBroadcast(ctx context.Context, doc []byte, at time.Time) (string, error) {
	n, err := s.rdb.Incr(ctx, keyBroadcastSeq()).Result()
	if err != nil {
		return "", fmt.Errorf("broadcast id: %w", err)
	}
	id := "b" + strconv.FormatInt(n, 10)
	now := s.now()
	pipe := s.rdb.TxPipeline()
	pipe.HSet(ctx, keyBroadcast(id), "doc", doc, "state", BroadcastScheduled, "at", at.UnixMilli(), "created", now.UnixMilli())
	pipe.ZAdd(ctx, keyBroadcasts(), redis.Z{Score: float64(n), Member: id})
	pipe.ZAdd(ctx, keyBroadcastsDue(), redis.Z{Score: float64(at.UnixMilli()), Member: id})
	if _, err := pipe.Exec(ctx); err != nil {
		return "", fmt.Errorf("create broadcast: %w", err)
	}
	return id, nil
}

// GetBroadcast returns a broadcast or ErrNotFound.
func (s *Store) GetBroadcast(ctx context.Context, id string) (BroadcastRecord, error) {
	m, err := s.rdb.HGetAll(ctx, keyBroadcast(id)).Result()
	if err != nil {
		return BroadcastRecord{}, fmt.Errorf("get broadcast %s: %w", id, err)
	}
	if len(m) == 0 {
		return BroadcastRecord{}, ErrNotFound
	}
	return broadcastFrom(id, m), nil
}

func broadcastFrom(id string, m map[string]string) BroadcastRecord {
	n := func(k string) int64 { v, _ := strconv.ParseInt(m[k], 10, 64); return v }
	ms := func(k string) time.Time {
		if m[k] == "" {
			return time.Time{}
		}
		return time.UnixMilli(n(k))
	}
	cursor, _ := strconv.ParseUint(m["cursor"], 10, 64)
	return BroadcastRecord{
		ID: id, Doc: []byte(m["doc"]), State: m["state"],
		At: ms("at"), Created: ms("created"), Started: ms("started"), Ended: ms("ended"),
		Resolved: m["resolved"] == "1", Cursor: cursor,
		Total: n("total"), OptedOut: n("opted_out"), Queued: n("queued"),
		Sent: n(OutcomeSent), Failed: n(OutcomeFailed), Unreachable: n(OutcomeUnreachable), Skipped: n(OutcomeSkipped),
		Left: n("left"), ProgressChat: n("progress_chat"), ProgressID: int(n("progress_id")), CancelledBy: n("cancelled_by"),
	}
}

// RecentBroadcasts returns the last n broadcasts created, newest first.
func (s *Store) RecentBroadcasts(ctx context.Context, n int) ([]BroadcastRecord, error) {
	ids, err := s.rdb.ZRevRange(ctx, keyBroadcasts(), 0, int64(n)-1).Result()
	if err != nil {
		return nil, fmt.Errorf("recent broadcasts: %w", err)
	}
	out := make([]BroadcastRecord, 0, len(ids))
	for _, id := range ids {
		b, err := s.GetBroadcast(ctx, id)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return out, err
		}
		out = append(out, b)
	}
	return out, nil
}

// claimDueScript starts the broadcasts due by ARGV[1] (unix ms): each leaves the due set and joins the
// active set in one step, so that of two replicas polling at once exactly one starts it.
var claimDueScript = redis.NewScript(`
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, 20)
for _, id in ipairs(ids) do
  redis.call('ZREM', KEYS[1], id)
  local k = ARGV[2] .. id
  if redis.call('HGET', k, 'state') == 'scheduled' then
    redis.call('HSET', k, 'state', 'sending', 'started', ARGV[1])
    redis.call('SADD', KEYS[2], id)
  end
end
return ids
`)

// StartDueBroadcasts moves the broadcasts due by now from scheduled to sending, once across replicas, and
// returns their ids.
func (s *Store) StartDueBroadcasts(ctx context.Context) ([]string, error) {
	ids, err := claimDueScript.Run(ctx, s.rdb, []string{keyBroadcastsDue(), keyBroadcastsActive()},
		s.now().UnixMilli(), prefix+"bc:").StringSlice()
	if err != nil {
		return nil, fmt.Errorf("start due broadcasts: %w", err)
	}
	return ids, nil
}

// ActiveBroadcasts returns the ids of the broadcasts being sent.
func (s *Store) ActiveBroadcasts(ctx context.Context) ([]string, error) {
	return s.rdb.SMembers(ctx, keyBroadcastsActive()).Result()
}

// NextBroadcastDue returns when the next scheduled broadcast is due, and false when none is.
func (s *Store) NextBroadcastDue(ctx context.Context) (time.Time, bool, error) {
	z, err := s.rdb.ZRangeWithScores(ctx, keyBroadcastsDue(), 0, 0).Result()
	if err != nil || len(z) == 0 {
		return time.Time{}, false, err
	}
	return time.UnixMilli(int64(z[0].Score)), true, nil
}

// listScript appends a batch of recipients and records where listing them stands, in one step: a replica
// that dies between batches leaves the cursor at the last batch written, so the next one lists nobody twice
// and skips nobody. SSCAN may return a member twice; the listed set (KEYS[3]) makes that harmless. ARGV: the
// cursor, "1" on the last batch, how many recipients, how many unreachable, then the user ids: recipients,
// unreachable, then those who turned broadcasts off.
var listScript = redis.NewScript(`
local nsend, nunreach = tonumber(ARGV[3]), tonumber(ARGV[4])
local sent, unreach, opted = 0, 0, 0
for i = 5, #ARGV do
  if redis.call('SADD', KEYS[3], ARGV[i]) == 1 then
    local j = i - 4
    if j <= nsend then
      redis.call('RPUSH', KEYS[1], ARGV[i]); sent = sent + 1
    elseif j <= nsend + nunreach then
      redis.call('HSET', KEYS[4], ARGV[i], 'unreachable'); unreach = unreach + 1
    else
      opted = opted + 1
    end
  end
end
redis.call('HSET', KEYS[2], 'cursor', ARGV[1])
redis.call('HINCRBY', KEYS[2], 'total', sent + unreach)
redis.call('HINCRBY', KEYS[2], 'unreachable', unreach)
redis.call('HINCRBY', KEYS[2], 'opted_out', opted)
if ARGV[2] == '1' then
  redis.call('HSET', KEYS[2], 'resolved', '1')
  redis.call('EXPIRE', KEYS[3], 3600)
end
return sent
`)

// AddBroadcastRecipients appends a batch of recipients of a broadcast being listed and records the
// cursor reached (see listScript). last marks the final batch. unreachable are people of the audience who
// blocked the bot (counted, not sent to), optedOut those who turned broadcasts off (counted apart).
func (s *Store) AddBroadcastRecipients(ctx context.Context, id string, uids []int64, cursor uint64, last bool, unreachable, optedOut []int64) error {
	args := make([]any, 0, 4+len(uids)+len(unreachable)+len(optedOut))
	end := "0"
	if last {
		end = "1"
	}
	args = append(args, cursor, end, len(uids), len(unreachable))
	for _, group := range [][]int64{uids, unreachable, optedOut} {
		for _, u := range group {
			args = append(args, u)
		}
	}
	err := listScript.Run(ctx, s.rdb, []string{keyBroadcastTo(id), keyBroadcast(id), keyBroadcastListed(id), keyBroadcastDone(id)}, args...).Err()
	if err != nil && !errors.Is(err, redis.Nil) {
		return fmt.Errorf("list recipients of broadcast %s: %w", id, err)
	}
	return nil
}

// feedScript moves up to ARGV[1] recipients of a sending broadcast to the outbox lane KEYS[3], as
// references its renderer (ARGV[3]) turns into the message when sent, each once per "bc:<id>:<uid>".
// Taking them off the list and queueing them is one step: a crash never loses nor doubles one.
var feedScript = redis.NewScript(`
if redis.call('HGET', KEYS[2], 'state') ~= 'sending' then return 0 end
local uids = redis.call('LPOP', KEYS[1], tonumber(ARGV[1]))
if not uids then return 0 end
for _, uid in ipairs(uids) do
  redis.call('RPUSH', KEYS[3], '{"chat_id":' .. uid .. ',"text":"","key":"bc:' .. ARGV[2] .. ':' .. uid .. '","render":"' .. ARGV[3] .. '","once":true}')
end
redis.call('HINCRBY', KEYS[2], 'queued', #uids)
return #uids
`)

// FeedBroadcast moves up to n recipients of a sending broadcast into the outbox lane, as messages that
// the renderer named render makes at send time, and returns how many it moved.
func (s *Store) FeedBroadcast(ctx context.Context, id, lane, render string, n int) (int, error) {
	moved, err := feedScript.Run(ctx, s.rdb, []string{keyBroadcastTo(id), keyBroadcast(id), keyOutbox(lane)}, n, id, render).Int()
	if err != nil {
		return 0, fmt.Errorf("feed broadcast %s: %w", id, err)
	}
	return moved, nil
}

// outcomeScript records a recipient's outcome once: a copy of the message requeued after a crash, found
// already sent, does not count twice.
var outcomeScript = redis.NewScript(`
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
redis.call('HINCRBY', KEYS[2], ARGV[2], 1)
return 1
`)

// RecordBroadcastOutcome records what became of the broadcast's message to uid (OutcomeSent, ...), once.
func (s *Store) RecordBroadcastOutcome(ctx context.Context, id string, uid int64, outcome string) (bool, error) {
	n, err := outcomeScript.Run(ctx, s.rdb, []string{keyBroadcastDone(id), keyBroadcast(id)}, uid, outcome).Int()
	if err != nil {
		return false, fmt.Errorf("record outcome of broadcast %s: %w", id, err)
	}
	return n == 1, nil
}

// BroadcastOutcome returns what became of the broadcast's message to uid ("" while none is known).
func (s *Store) BroadcastOutcome(ctx context.Context, id string, uid int64) (string, error) {
	v, err := s.rdb.HGet(ctx, keyBroadcastDone(id), strconv.FormatInt(uid, 10)).Result()
	if errors.Is(err, redis.Nil) {
		return "", nil
	}
	return v, err
}

// BroadcastState returns a broadcast's state, "" when there is no such broadcast: the renderer reads it for
// every message, so that a cancel holds at once.
func (s *Store) BroadcastState(ctx context.Context, id string) (string, error) {
	v, err := s.rdb.HGet(ctx, keyBroadcast(id), "state").Result()
	if errors.Is(err, redis.Nil) {
		return "", nil
	}
	return v, err
}

// cancelScript cancels a broadcast that is scheduled or sending: the recipients not yet queued are counted
// as left and dropped; those queued are skipped by the renderer, which reads the state.
var cancelScript = redis.NewScript(`
local st = redis.call('HGET', KEYS[1], 'state')
if not st then return -1 end
if st ~= 'scheduled' and st ~= 'sending' then return -2 end
local left = redis.call('LLEN', KEYS[2])
redis.call('DEL', KEYS[2])
redis.call('HSET', KEYS[1], 'state', 'cancelled', 'cancelled_by', ARGV[1], 'ended', ARGV[2])
redis.call('HINCRBY', KEYS[1], 'left', left)
redis.call('ZREM', KEYS[3], ARGV[3])
redis.call('SREM', KEYS[4], ARGV[3])
redis.call('EXPIRE', KEYS[5], ARGV[4])
redis.call('DEL', KEYS[6])
return left
`)

// CancelBroadcast stops a broadcast: nobody else gets it from now on. ErrNotFound for no such broadcast,
// ErrBroadcastOver when it is done or cancelled already.
func (s *Store) CancelBroadcast(ctx context.Context, id string, by int64) error {
	n, err := cancelScript.Run(ctx, s.rdb, []string{keyBroadcast(id), keyBroadcastTo(id), keyBroadcastsDue(), keyBroadcastsActive(),
		keyBroadcastDone(id), keyBroadcastListed(id)}, by, s.now().UnixMilli(), id, int(keepOutcomes.Seconds())).Int()
	switch {
	case err != nil:
		return fmt.Errorf("cancel broadcast %s: %w", id, err)
	case n == -1:
		return ErrNotFound
	case n == -2:
		return ErrBroadcastOver
	}
	return nil
}

// finishScript ends a sending broadcast once every recipient has an outcome.
var finishScript = redis.NewScript(`
local m = redis.call('HMGET', KEYS[1], 'state', 'resolved', 'total', 'sent', 'failed', 'unreachable', 'skipped')
if m[1] ~= 'sending' or m[2] ~= '1' then return 0 end
local done = (tonumber(m[4]) or 0) + (tonumber(m[5]) or 0) + (tonumber(m[6]) or 0) + (tonumber(m[7]) or 0)
if done < (tonumber(m[3]) or 0) or redis.call('LLEN', KEYS[2]) > 0 then return 0 end
redis.call('HSET', KEYS[1], 'state', 'done', 'ended', ARGV[1])
redis.call('SREM', KEYS[3], ARGV[2])
redis.call('EXPIRE', KEYS[4], ARGV[3])
return 1
`)

// keepOutcomes is how long who-got-what is kept after a broadcast ends: as long as a once-only key, so a
// late requeued copy still finds its recipient counted.
const keepOutcomes = 45 * 24 * time.Hour

// FinishBroadcast marks a sending broadcast done when every recipient has an outcome, and reports whether
// it did.
func (s *Store) FinishBroadcast(ctx context.Context, id string) (bool, error) {
	n, err := finishScript.Run(ctx, s.rdb, []string{keyBroadcast(id), keyBroadcastTo(id), keyBroadcastsActive(), keyBroadcastDone(id)},
		s.now().UnixMilli(), id, int(keepOutcomes.Seconds())).Int()
	if err != nil {
		return false, fmt.Errorf("finish broadcast %s: %w", id, err)
	}
	return n == 1, nil
}

// SetBroadcastProgress records the staff's message that shows a broadcast's figures.
func (s *Store) SetBroadcastProgress(ctx context.Context, id string, chat int64, msg int) error {
	return s.rdb.HSet(ctx, keyBroadcast(id), "progress_chat", chat, "progress_id", msg).Err()
}

// BroadcastRecipient is what the audience filter needs of a user.
type BroadcastRecipient struct {
	ID           int64
	Exists       bool
	Lang         string // chosen or detected language, "" when none
	TelegramLang string
	Audience     string
	Unreachable  bool
	OptedOut     bool
}

// BroadcastRecipients reads, in one round trip, what the audience filter needs of each user.
func (s *Store) BroadcastRecipients(ctx context.Context, uids []int64) ([]BroadcastRecipient, error) {
	pipe := s.rdb.Pipeline()
	cmds := make([]*redis.SliceCmd, len(uids))
	for i, u := range uids {
		cmds[i] = pipe.HMGet(ctx, keyUser(u), "first_seen", "lang", "tg_lang", "audience", "unreachable", "no_broadcasts")
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("read recipients: %w", err)
	}
	out := make([]BroadcastRecipient, len(uids))
	for i, c := range cmds {
		v := c.Val()
		str := func(j int) string { s, _ := v[j].(string); return s }
		out[i] = BroadcastRecipient{ID: uids[i], Exists: v[0] != nil, Lang: str(1), TelegramLang: str(2), Audience: str(3),
			Unreachable: str(4) == "1", OptedOut: str(5) == "1"}
	}
	return out, nil
}

// ScanUsers returns a batch of user ids from cursor (SSCAN of hn:users) and the next cursor, 0 at the end.
func (s *Store) ScanUsers(ctx context.Context, cursor uint64, n int64) ([]int64, uint64, error) {
	return s.scanIDs(ctx, keyUsers(), cursor, n)
}

// ScanTopic returns a batch of a topic's subscribers, as ScanUsers.
func (s *Store) ScanTopic(ctx context.Context, topic string, cursor uint64, n int64) ([]int64, uint64, error) {
	return s.scanIDs(ctx, keyTopic(topic), cursor, n)
}

func (s *Store) scanIDs(ctx context.Context, key string, cursor uint64, n int64) ([]int64, uint64, error) {
	vals, next, err := s.rdb.SScan(ctx, key, cursor, "", n).Result()
	if err != nil {
		return nil, 0, fmt.Errorf("scan %s: %w", key, err)
	}
	ids := make([]int64, 0, len(vals))
	for _, v := range vals {
		if u, err := strconv.ParseInt(v, 10, 64); err == nil {
			ids = append(ids, u)
		}
	}
	return ids, next, nil
}

// SetBroadcastsOff turns all broadcasts off (or back on) for the user: the one-tap "stop" under every
// broadcast, and /settings.
func (s *Store) SetBroadcastsOff(ctx context.Context, uid int64, off bool) error {
	if off {
		return s.rdb.HSet(ctx, keyUser(uid), "no_broadcasts", "1").Err()
	}
	return s.rdb.HDel(ctx, keyUser(uid), "no_broadcasts").Err()
}

// SetTopic subscribes the user to a topic's broadcasts, or unsubscribes them.
func (s *Store) SetTopic(ctx context.Context, uid int64, topic string, on bool) error {
	pipe := s.rdb.TxPipeline()
	if on {
		pipe.SAdd(ctx, keyTopic(topic), uid)
		pipe.SAdd(ctx, keyUserTopics(uid), topic)
	} else {
		pipe.SRem(ctx, keyTopic(topic), uid)
		pipe.SRem(ctx, keyUserTopics(uid), topic)
	}
	_, err := pipe.Exec(ctx)
	return err
}

// UserTopics returns the topics the user subscribed to.
func (s *Store) UserTopics(ctx context.Context, uid int64) ([]string, error) {
	return s.rdb.SMembers(ctx, keyUserTopics(uid)).Result()
}

// Subscribed reports whether the user subscribed to the topic.
func (s *Store) Subscribed(ctx context.Context, uid int64, topic string) (bool, error) {
	return s.rdb.SIsMember(ctx, keyTopic(topic), uid).Result()
}

// forgetTopics takes the user out of every topic they subscribed to (part of ForgetUser).
func (s *Store) forgetTopics(ctx context.Context, uid int64) error {
	topics, err := s.UserTopics(ctx, uid)
	if err != nil {
		return fmt.Errorf("forget topics of %d: %w", uid, err)
	}
	pipe := s.rdb.TxPipeline()
	for _, t := range topics {
		pipe.SRem(ctx, keyTopic(t), uid)
	}
	pipe.Del(ctx, keyUserTopics(uid))
	_, err = pipe.Exec(ctx)
	return err
}

// forgetBroadcasts takes the user out of what broadcasts keep about their recipients — who got what, who
// was listed (part of ForgetUser). A broadcast still listing or sending does not reach them any more: the
// renderer skips people the bot no longer knows.
func (s *Store) forgetBroadcasts(ctx context.Context, uid int64) error {
	ids, err := s.rdb.ZRange(ctx, keyBroadcasts(), 0, -1).Result()
	if err != nil {
		return fmt.Errorf("forget broadcasts of %d: %w", uid, err)
	}
	pipe := s.rdb.Pipeline()
	for _, id := range ids {
		pipe.HDel(ctx, keyBroadcastDone(id), strconv.FormatInt(uid, 10))
		pipe.SRem(ctx, keyBroadcastListed(id), uid)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("forget broadcasts of %d: %w", uid, err)
	}
	return nil
}
