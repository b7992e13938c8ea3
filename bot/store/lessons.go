package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Lesson is what a staff member taught the FAQ about one question: its topic, or OutOfScopeLesson for a
// question the bot must decline. Lessons take effect at once on every replica (they are announced on a
// channel) and are taken into the content files, for review, with `huunghi faq learned`.
type Lesson struct {
	Key      string    `json:"key"` // faq.LessonKey of the question: what a question asked later is compared by
	Question string    `json:"q"`   // as /unanswered or the card showed it
	Lang     string    `json:"lang"`
	Topic    string    `json:"topic"`
	By       int64     `json:"by"`
	At       time.Time `json:"at"`
}

// OutOfScopeLesson is the topic of a lesson that says "the bot must not answer this".
const OutOfScopeLesson = "-"

// LessonsChannel is the pub/sub channel on which Teach and Untaught announce a change.
func LessonsChannel() string { return keyLessons() }

// Teach records a lesson (replacing one for the same question) and announces it.
func (s *Store) Teach(ctx context.Context, l Lesson) error {
	b, err := json.Marshal(l)
	if err != nil {
		return err
	}
	pipe := s.rdb.Pipeline()
	pipe.HSet(ctx, keyLessons(), l.Key, b)
	pipe.Publish(ctx, LessonsChannel(), l.Key)
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("teach: %w", err)
	}
	return nil
}

// Untaught removes the lesson of a question and announces it; it reports whether there was one.
func (s *Store) Untaught(ctx context.Context, key string) (bool, error) {
	pipe := s.rdb.Pipeline()
	del := pipe.HDel(ctx, keyLessons(), key)
	pipe.Publish(ctx, LessonsChannel(), key)
	if _, err := pipe.Exec(ctx); err != nil {
		return false, fmt.Errorf("untaught: %w", err)
	}
	return del.Val() == 1, nil
}

// Lessons returns every lesson, by key.
func (s *Store) Lessons(ctx context.Context) (map[string]Lesson, error) {
	all, err := s.rdb.HGetAll(ctx, keyLessons()).Result()
	if err != nil {
		return nil, fmt.Errorf("lessons: %w", err)
	}
	out := make(map[string]Lesson, len(all))
	for k, v := range all {
		var l Lesson
		if json.Unmarshal([]byte(v), &l) == nil {
			l.Key = k
			out[k] = l
		}
	}
	return out, nil
}

// WatchLessons calls changed each time a lesson is taught or untaught on any replica, until ctx ends. A
// subscription can miss a message while Redis is away, so the caller also reloads now and then.
func (s *Store) WatchLessons(ctx context.Context, changed func()) {
	sub := s.rdb.Subscribe(ctx, LessonsChannel())
	defer sub.Close()
	ch := sub.Channel()
	for {
		select {
		case <-ctx.Done():
			return
		case _, ok := <-ch:
			if !ok {
				return
			}
			changed()
		}
	}
}

// Teachable is a question behind a Teach button.
type Teachable struct {
	Key      string `json:"key"` // faq.LessonKey of Question
	Question string `json:"q"`
	Lang     string `json:"lang"`
}

// TeachableHash names a question in callback data (which has no room for its text): 16 hex digits of its
// key's SHA-256.
func TeachableHash(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:8])
}

// OfferTeach keeps questions behind Teach buttons (for as long as unanswered questions are kept) and
// returns their hashes, in order.
func (s *Store) OfferTeach(ctx context.Context, qs []Teachable) ([]string, error) {
	pipe := s.rdb.Pipeline()
	hashes := make([]string, len(qs))
	for i, q := range qs {
		b, err := json.Marshal(q)
		if err != nil {
			return nil, err
		}
		hashes[i] = TeachableHash(q.Key)
		pipe.Set(ctx, keyTeachable(hashes[i]), b, s.ret.Questions)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, fmt.Errorf("offer teach: %w", err)
	}
	return hashes, nil
}

// TeachableQuestion returns the question behind a Teach button; ErrNotFound when it expired or never was.
func (s *Store) TeachableQuestion(ctx context.Context, hash string) (Teachable, error) {
	var q Teachable
	b, err := s.rdb.Get(ctx, keyTeachable(hash)).Bytes()
	if errors.Is(err, redis.Nil) {
		return q, ErrNotFound
	}
	if err != nil {
		return q, fmt.Errorf("teachable %s: %w", hash, err)
	}
	if err := json.Unmarshal(b, &q); err != nil {
		return q, ErrNotFound
	}
	return q, nil
}
