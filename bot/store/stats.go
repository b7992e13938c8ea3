package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Statistics for staff (/stats, /metrics) are read from indexes and counters kept up to date on the hot
// path, so that computing them costs a handful of commands however many users there are:
//
//   - hn:users:seen, a zset of user id → last_seen, answers "active within 7 / 30 days" with ZCOUNT;
//   - hn:stats:users, a hash of counters (users by language, by audience, unreachable). Each user's hash
//     records in its field "st" the values it is counted under ("<lang>|<audience>|<unreachable>"), and
//     one Lua function (reindexLua) moves the user between counters when those values change. Being
//     relative to what was counted, it is idempotent: running it twice, or from the backfill and a visit
//     at once, never counts a user twice;
//   - hn:stats:q:{yyyymmdd}, per-day counters of questions answered, declined, "not what I asked" and
//     answers per FAQ topic. Counts only.
//
// Users seen before these indexes existed are indexed once at start (BackfillStats).

// questionStatsKeep is how long a day's question counters live: the 30 days /stats reports and a margin.
const questionStatsKeep = 32 * 24 * time.Hour

// reindexLua is shared by every script that changes what a user is counted under. reindex(user key,
// counters key, last-seen key, uid) brings the counters and the last-seen index in line with the user's
// hash; unindex takes the user out of both (before the hash is deleted).
const reindexLua = `
local function adjust(counts, tuple, delta)
  local l, a, u = string.match(tuple, '^([^|]*)|([^|]*)|([^|]*)$')
  if not l then return end
  redis.call('HINCRBY', counts, 'lang:' .. l, delta)
  redis.call('HINCRBY', counts, 'aud:' .. a, delta)
  if u == '1' then redis.call('HINCRBY', counts, 'unreachable', delta) end
end
local function reindex(ukey, counts, seen, uid)
  if redis.call('EXISTS', ukey) == 0 then return end
  local f = redis.call('HMGET', ukey, 'lang', 'audience', 'unreachable', 'st', 'last_seen')
  local now = (f[1] or '') .. '|' .. (f[2] or '') .. '|' .. (f[3] or '')
  if f[4] ~= now then
    if f[4] then adjust(counts, f[4], -1) end
    adjust(counts, now, 1)
    redis.call('HSET', ukey, 'st', now)
  end
  if f[5] then redis.call('ZADD', seen, f[5], uid) end
end
local function unindex(ukey, counts, seen, uid)
  local st = redis.call('HGET', ukey, 'st')
  if st then adjust(counts, st, -1) end
  redis.call('HDEL', ukey, 'st')
  redis.call('ZREM', seen, uid)
end
`

// userScript is a script over one user's hash that keeps the statistics in line: KEYS are the user, the
// counters and the last-seen index (statKeys), ARGV[1] the user id.
func userScript(body string) *redis.Script { return redis.NewScript(reindexLua + body) }

// statKeys are the keys a userScript runs on.
func statKeys(uid int64) []string { return []string{keyUser(uid), keyUserCounts(), keyUsersSeen()} }

// setUserScript sets fields of a user's hash and reindexes them. ARGV: uid, "1" to change only an existing
// user, then field, value pairs. It returns 0 when the user did not exist and was left alone.
var setUserScript = userScript(`
if ARGV[2] == '1' and redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
for i = 3, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i+1]) end
reindex(KEYS[1], KEYS[2], KEYS[3], ARGV[1])
return 1
`)

// setUser sets fields of the user's hash (creating it unless existingOnly) through setUserScript.
func (s *Store) setUser(ctx context.Context, uid int64, existingOnly bool, fields ...string) (bool, error) {
	only := "0"
	if existingOnly {
		only = "1"
	}
	args := []any{uid, only}
	for _, f := range fields {
		args = append(args, f)
	}
	n, err := setUserScript.Run(ctx, s.rdb, statKeys(uid), args...).Int()
	return n == 1, err
}

// reindexScript indexes one user as they are (the backfill). ARGV[1]: uid.
var reindexScript = userScript(`
reindex(KEYS[1], KEYS[2], KEYS[3], ARGV[1])
return 1
`)

// forgetUserStatsScript takes the user out of the counters and the last-seen index and deletes their hash
// in one step, so that a counter is never left counting a user who is gone. ARGV[1]: uid.
var forgetUserStatsScript = userScript(`
unindex(KEYS[1], KEYS[2], KEYS[3], ARGV[1])
return redis.call('DEL', KEYS[1])
`)

// backfillLease is how long a replica may take to index the users seen before the statistics existed
// before another one (or a restart) may do it again; redoing it is harmless, since indexing is idempotent.
const backfillLease = 10 * time.Minute

// backfillBatch is how many users one round trip of the backfill indexes.
const backfillBatch = 500

// BackfillStats indexes users stored before the statistics indexes existed (hn:users:seen and the
// counters), once: the run is claimed in Redis (hn:migrate:stats) so that replicas starting together do
// not all do it, and marked done when finished; a replica that dies midway leaves the claim to expire and
// the next start redoes it. Users are read with SSCAN in batches of backfillBatch, each batch one pipeline.
// It returns how many users it indexed (0 when done already or another replica is at it).
func (s *Store) BackfillStats(ctx context.Context) (int, error) {
	ok, err := s.rdb.SetNX(ctx, keyStatsMigration(), "running", backfillLease).Result()
	if err != nil {
		return 0, fmt.Errorf("claim stats backfill: %w", err)
	}
	if !ok {
		return 0, nil
	}
	if err := reindexScript.Load(ctx, s.rdb).Err(); err != nil {
		return 0, fmt.Errorf("load reindex script: %w", err)
	}
	n := 0
	var cursor uint64
	for {
		ids, next, err := s.rdb.SScan(ctx, keyUsers(), cursor, "", backfillBatch).Result()
		if err != nil {
			return n, fmt.Errorf("scan users: %w", err)
		}
		pipe := s.rdb.Pipeline()
		for _, v := range ids {
			uid, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				continue
			}
			reindexScript.EvalSha(ctx, pipe, statKeys(uid), uid)
		}
		if len(ids) > 0 {
			if _, err := pipe.Exec(ctx); err != nil {
				return n, fmt.Errorf("index users: %w", err)
			}
		}
		n += len(ids)
		if cursor = next; cursor == 0 {
			break
		}
	}
	if err := s.rdb.Set(ctx, keyStatsMigration(), "done", 0).Err(); err != nil {
		return n, fmt.Errorf("mark stats backfill done: %w", err)
	}
	return n, nil
}

// UserCounts are the statistics on users.
type UserCounts struct {
	Total, Active7, Active30, Unreachable int64
	// ByLang and ByAudience count users by their language and audience; "" is "not chosen yet".
	ByLang, ByAudience map[string]int64
	// Indexed is false while users seen before the statistics existed are still being counted
	// (BackfillStats has not finished), so the numbers above may be short.
	Indexed bool
}

// UserStats returns the statistics on users at now: six commands in one round trip.
func (s *Store) UserStats(ctx context.Context, now time.Time) (UserCounts, error) {
	pipe := s.rdb.Pipeline()
	total := pipe.SCard(ctx, keyUsers())
	a7 := pipe.ZCount(ctx, keyUsersSeen(), strconv.FormatInt(now.Add(-7*24*time.Hour).Unix(), 10), "+inf")
	a30 := pipe.ZCount(ctx, keyUsersSeen(), strconv.FormatInt(now.Add(-30*24*time.Hour).Unix(), 10), "+inf")
	counts := pipe.HGetAll(ctx, keyUserCounts())
	done := pipe.Get(ctx, keyStatsMigration())
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return UserCounts{}, fmt.Errorf("user stats: %w", err)
	}
	c := UserCounts{Total: total.Val(), Active7: a7.Val(), Active30: a30.Val(),
		ByLang: map[string]int64{}, ByAudience: map[string]int64{}, Indexed: done.Val() == "done"}
	for k, v := range counts.Val() {
		n, _ := strconv.ParseInt(v, 10, 64)
		if n <= 0 {
			continue
		}
		switch {
		case k == "unreachable":
			c.Unreachable = n
		case strings.HasPrefix(k, "lang:"):
			c.ByLang[strings.TrimPrefix(k, "lang:")] = n
		case strings.HasPrefix(k, "aud:"):
			c.ByAudience[strings.TrimPrefix(k, "aud:")] = n
		}
	}
	return c, nil
}

// Outcomes of a question, as counted per day.
const (
	QuestionAnswered = "answered"
	QuestionDeclined = "declined"
	// QuestionNotThis is an answer the user said was not what they asked.
	QuestionNotThis = "not_this"
)

// CountQuestion counts a question's outcome for the day (UTC, as unanswered questions are), and for an
// answered one its FAQ topic (a topic is counted for answers only). Counts only: who asked and what is not kept here.
//
// An answered question with a topic is counted under its topic alone: "answered" is the sum of the topics
// (QuestionStats), which spares a command on every answer. One without a topic counts under
// "answered_other". (Days counted before this kept an "answered" field as well, equal to that sum; it is
// ignored.)
func (s *Store) CountQuestion(ctx context.Context, outcome, topic string) error {
	return s.countQuestion(ctx, 0, nil, outcome, topic)
}

// Asked is SetLastQuestion and CountQuestion of the same question in one round trip: every question asked
// costs both.
func (s *Store) Asked(ctx context.Context, uid int64, q LastQuestion, outcome string) error {
	raw, _ := json.Marshal(q)
	return s.countQuestion(ctx, uid, raw, outcome, q.Topic)
}

// countQuestion pipelines the day's count and, with last, the user's last question: two commands, where a
// script keeping the day's TTL would cost four. The day's counters get their TTL from the first count of
// the day in this process (ExpireNX: never moved once set), so a day that was counted by another replica, or
// before a restart, has it already.
func (s *Store) countQuestion(ctx context.Context, uid int64, last []byte, outcome, topic string) error {
	field := outcome
	if field == "answered" {
		if field = "answered_other"; topic != "" {
			field = "topic:" + topic
		}
	}
	day := keyQuestionStats(s.now().UTC())
	pipe := s.rdb.Pipeline()
	if last != nil {
		pipe.Set(ctx, keyLastQuestion(uid), last, lastQuestionTTL)
	}
	pipe.HIncrBy(ctx, day, field, 1)
	if prev := s.countedDay.Swap(&day); prev == nil || *prev != day {
		pipe.ExpireNX(ctx, day, questionStatsKeep)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		s.countedDay.Store(nil) // the TTL may not be set: try again with the next count
		return fmt.Errorf("count question: %w", err)
	}
	return nil
}

// QuestionCounts are the questions of some days by outcome, and the answers by topic.
type QuestionCounts struct {
	Answered, Declined, NotThis int64
	Topics                      map[string]int64
}

// QuestionStats returns the counts of the days days ending with the day (UTC) of until.
func (s *Store) QuestionStats(ctx context.Context, until time.Time, days int) (QuestionCounts, error) {
	until = until.UTC()
	pipe := s.rdb.Pipeline()
	cmds := make([]*redis.MapStringStringCmd, days)
	for i := range days {
		cmds[i] = pipe.HGetAll(ctx, keyQuestionStats(until.AddDate(0, 0, -i)))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return QuestionCounts{}, fmt.Errorf("question stats: %w", err)
	}
	q := QuestionCounts{Topics: map[string]int64{}}
	for _, c := range cmds {
		for k, v := range c.Val() {
			n, _ := strconv.ParseInt(v, 10, 64)
			switch {
			case k == "answered_other":
				q.Answered += n
			case k == QuestionDeclined:
				q.Declined += n
			case k == QuestionNotThis:
				q.NotThis += n
			case strings.HasPrefix(k, "topic:"):
				q.Topics[strings.TrimPrefix(k, "topic:")] += n
				q.Answered += n
			}
		}
	}
	return q, nil
}

// Application is what the statistics read of one active registration or sign-up.
type Application struct {
	UserID int64
	// Status is the status field (registered, waitlist, …); Decision the decision field staff set, if any.
	Status, Decision string
	Answers          map[string]string
}

// applicationBatch is how many registrations one round trip of EachRegistration reads.
const applicationBatch = 500

// EachRegistration calls fn for every active registration of a programme, reading them by the programme's
// index in batches of applicationBatch (one pipeline of HMGET each): the statistics' one per-record read,
// over registrations, which are far fewer than users.
func (s *Store) EachRegistration(ctx context.Context, prog string, fn func(Application)) error {
	return s.each(ctx, regs, prog, fn)
}

// EachSignup is EachRegistration for an event's sign-ups.
func (s *Store) EachSignup(ctx context.Context, ev string, fn func(Application)) error {
	return s.each(ctx, signups, ev, fn)
}

func (s *Store) each(ctx context.Context, sp space, prog string, fn func(Application)) error {
	for start := int64(0); ; start += applicationBatch {
		uids, err := s.rdb.ZRange(ctx, sp.all(prog), start, start+applicationBatch-1).Result()
		if err != nil {
			return fmt.Errorf("applications of %s: %w", prog, err)
		}
		if len(uids) == 0 {
			return nil
		}
		pipe := s.rdb.Pipeline()
		cmds := make([]*redis.SliceCmd, len(uids))
		for i, u := range uids {
			cmds[i] = pipe.HMGet(ctx, sp.prefix(prog)+u, "status", "decision", "answers")
		}
		if _, err := pipe.Exec(ctx); err != nil {
			return fmt.Errorf("applications of %s: %w", prog, err)
		}
		for i, u := range uids {
			v := cmds[i].Val()
			if len(v) != 3 || v[0] == nil {
				continue // withdrawn or deleted between the two reads
			}
			a := Application{Status: fmt.Sprint(v[0])}
			a.UserID, _ = strconv.ParseInt(u, 10, 64)
			if v[1] != nil {
				a.Decision = fmt.Sprint(v[1])
			}
			if raw, ok := v[2].(string); ok && raw != "" {
				_ = json.Unmarshal([]byte(raw), &a.Answers)
			}
			fn(a)
		}
		if len(uids) < applicationBatch {
			return nil
		}
	}
}
