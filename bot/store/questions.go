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

// unansweredKeep is how long unanswered questions are counted: /unanswered looks at the last 30 days.
const unansweredKeep = 31 * 24 * time.Hour

// LogUnanswered counts a question the bot could not answer (declined, or "not what I asked"), in its
// normalised form, per day and language. No user id is kept with it.
func (s *Store) LogUnanswered(ctx context.Context, lang, question string) error {
	key := keyUnanswered(s.now().UTC())
	pipe := s.rdb.TxPipeline()
	pipe.ZIncrBy(ctx, key, 1, lang+"|"+question)
	pipe.Expire(ctx, key, unansweredKeep)
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("log unanswered: %w", err)
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
	now := s.now().UTC()
	keys := make([]string, days)
	for i := range days {
		keys[i] = keyUnanswered(now.AddDate(0, 0, -i))
	}
	tmp := prefix + "tmp:unanswered:" + fmt.Sprint(now.UnixNano())
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

// LastQuestion is the user's most recent free-text question, kept one hour so that "Not what I asked" and
// "Ask staff" buttons can refer to it (button data is limited to 64 bytes).
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
