package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Unanswered questions are kept to improve the knowledge base: /unanswered shows staff the most frequent of
// the last 30 days (fewer when RETAIN_QUESTIONS is shorter). What is kept is what the handler gives (a question cut short, numbers and e-mail
// addresses taken out), counted per day and language, with at most UnansweredPerDay questions of one user a
// day, each counted once. The user's id is kept beside them only in the user's own index, so that /forget
// takes their questions back out of the counts.
// How long they are kept is Retention.Questions (RETAIN_QUESTIONS).
const (
	// UnansweredPerDay is how many questions of one user are counted a day; more are not kept.
	UnansweredPerDay = 10
)

// logUnansweredScript counts a question once per user and day, within the user's daily bound.
// KEYS: the day's counts, the user's index. ARGV: count member, index member, start of the day (unix),
// daily bound, TTL (s), oldest index entry to keep (unix).
var logUnansweredScript = redis.NewScript(`
if redis.call('ZSCORE', KEYS[2], ARGV[2]) then return 0 end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[6])
if redis.call('ZCOUNT', KEYS[2], ARGV[3], '+inf') >= tonumber(ARGV[4]) then return -1 end
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[2])
redis.call('EXPIRE', KEYS[2], ARGV[5])
redis.call('ZINCRBY', KEYS[1], 1, ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[5])
return 1
`)

// LogUnanswered counts a question the bot could not answer (declined, or "not what I asked") for the day,
// in its language. It reports whether it was counted: a question the user already asked today, or one past
// their daily bound, is not.
func (s *Store) LogUnanswered(ctx context.Context, uid int64, lang, question string) (bool, error) {
	now := s.now().UTC()
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	member := lang + "|" + question
	n, err := logUnansweredScript.Run(ctx, s.rdb, []string{keyUnanswered(day), keyUserUnanswered(uid)},
		member, day.Format("20060102")+"|"+member, day.Unix(), UnansweredPerDay,
		int(s.ret.Questions.Seconds()), now.Add(-s.ret.Questions).Unix()).Int()
	if err != nil {
		return false, fmt.Errorf("log unanswered: %w", err)
	}
	return n == 1, nil
}

// UnansweredCount returns how many of the user's questions are counted (/mydata).
func (s *Store) UnansweredCount(ctx context.Context, uid int64) (int64, error) {
	cutoff := s.now().Add(-s.ret.Questions).Unix()
	n, err := s.rdb.ZCount(ctx, keyUserUnanswered(uid), fmt.Sprint(cutoff), "+inf").Result()
	if err != nil {
		return 0, fmt.Errorf("count unanswered of %d: %w", uid, err)
	}
	return n, nil
}

// forgetUnansweredScript takes a user's questions back out of the day counts and deletes the user's
// index. KEYS[1] is the index, KEYS[2..] the days' counts; ARGV[i] the member to take out of KEYS[i+1].
var forgetUnansweredScript = redis.NewScript(`
for i = 2, #KEYS do
  if tonumber(redis.call('ZINCRBY', KEYS[i], -1, ARGV[i-1])) <= 0 then redis.call('ZREM', KEYS[i], ARGV[i-1]) end
end
return redis.call('DEL', KEYS[1])
`)

// forgetUnanswered is /forget's part for unanswered questions.
func (s *Store) forgetUnanswered(ctx context.Context, uid int64) error {
	entries, err := s.rdb.ZRange(ctx, keyUserUnanswered(uid), 0, -1).Result()
	if err != nil {
		return fmt.Errorf("unanswered of %d: %w", uid, err)
	}
	keys := []string{keyUserUnanswered(uid)}
	var members []any
	for _, e := range entries {
		d, member, ok := strings.Cut(e, "|")
		day, err := time.Parse("20060102", d)
		if !ok || err != nil {
			continue
		}
		keys = append(keys, keyUnanswered(day))
		members = append(members, member)
	}
	if err := forgetUnansweredScript.Run(ctx, s.rdb, keys, members...).Err(); err != nil {
		return fmt.Errorf("forget unanswered of %d: %w", uid, err)
	}
	return nil
}

// Unanswered is one counted question.
type Unanswered struct {
	Lang, Question string
	Count          int
}

// TopUnanswered returns the n most frequent unanswered questions of the last days days.
func (s *Store) TopUnanswered(ctx context.Context, days, n int) ([]Unanswered, error) {
	return s.TopUnansweredUntil(ctx, s.now(), days, n)
}

// TopUnansweredUntil returns the n most frequent unanswered questions of the days days ending with the day
// (UTC, as they are counted) of until: /unanswered asks for those up to today, the weekly digest for a
// week that has ended.
func (s *Store) TopUnansweredUntil(ctx context.Context, until time.Time, days, n int) ([]Unanswered, error) {
	until = until.UTC()
	keys := make([]string, days)
	for i := range days {
		keys[i] = keyUnanswered(until.AddDate(0, 0, -i))
	}
	tmp := prefix + "tmp:unanswered:" + fmt.Sprint(s.now().UnixNano())
	pipe := s.rdb.TxPipeline()
	pipe.ZUnionStore(ctx, tmp, &redis.ZStore{Keys: keys, Aggregate: "SUM"})
	top := pipe.ZRevRangeWithScores(ctx, tmp, 0, int64(n-1))
	pipe.Del(ctx, tmp)
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, fmt.Errorf("top unanswered: %w", err)
	}
	var out []Unanswered
	for _, z := range top.Val() {
		lang, q, _ := strings.Cut(fmt.Sprint(z.Member), "|")
		out = append(out, Unanswered{Lang: lang, Question: q, Count: int(z.Score)})
	}
	return out, nil
}

// LastQuestion is the user's most recent free-text question as they wrote it, kept one hour so that "Not
// what I asked" and "Ask staff" buttons can refer to it (button data is limited to 64 bytes).
type LastQuestion struct {
	Text  string `json:"text"`
	Lang  string `json:"lang"`
	Topic string `json:"topic,omitempty"` // the topic answered, if any
}

const lastQuestionTTL = time.Hour

// SetLastQuestion remembers the user's latest question.
func (s *Store) SetLastQuestion(ctx context.Context, uid int64, q LastQuestion) error {
	raw, _ := json.Marshal(q)
	if err := s.rdb.Set(ctx, keyLastQuestion(uid), raw, lastQuestionTTL).Err(); err != nil {
		return fmt.Errorf("set last question of %d: %w", uid, err)
	}
	return nil
}

// GetLastQuestion returns the user's latest question, or ErrNotFound after an hour.
func (s *Store) GetLastQuestion(ctx context.Context, uid int64) (LastQuestion, error) {
	raw, err := s.rdb.Get(ctx, keyLastQuestion(uid)).Bytes()
	if errors.Is(err, redis.Nil) {
		return LastQuestion{}, ErrNotFound
	}
	if err != nil {
		return LastQuestion{}, fmt.Errorf("get last question of %d: %w", uid, err)
	}
	var q LastQuestion
	if err := json.Unmarshal(raw, &q); err != nil {
		return LastQuestion{}, fmt.Errorf("decode last question of %d: %w", uid, err)
	}
	return q, nil
}
