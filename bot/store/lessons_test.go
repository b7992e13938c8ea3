package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ufo-thanhhoa/huunghi/bot/store"
)

// Lessons are kept, replaced, untaught and announced: a replica watching the channel hears of each change
// made through any connection (on a Cluster the channel reaches every node).
func TestLessons_KeptAndAnnounced(t *testing.T) {
	backends(t, func(t *testing.T, s *store.Store) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		heard := make(chan struct{}, 16)
		watching := make(chan struct{})
		go func() { defer close(watching); s.WatchLessons(ctx, func() { heard <- struct{}{} }) }()
		l := store.Lesson{Key: "ktx dong cong may gio", Question: "ktx đóng cổng mấy giờ", Lang: "vi", Topic: "dormitory", By: 900, At: time.Unix(1900000000, 0).UTC()}
		// The subscription is made in the background: teach until the first announcement is heard.
		for i := 0; ; i++ {
			if err := s.Teach(ctx, l); err != nil {
				t.Fatal(err)
			}
			select {
			case <-heard:
			case <-time.After(100 * time.Millisecond):
				if i == 100 {
					t.Fatal("no announcement heard")
				}
				continue
			}
			break
		}
		waitHeard := func() {
			t.Helper()
			select {
			case <-heard:
			case <-time.After(20 * time.Second):
				t.Fatal("no announcement heard")
			}
		}
		l.Topic = store.OutOfScopeLesson
		if err := s.Teach(ctx, l); err != nil {
			t.Fatal(err)
		}
		waitHeard()
		all, err := s.Lessons(ctx)
		if err != nil || len(all) != 1 || all[l.Key].Topic != store.OutOfScopeLesson || all[l.Key].Question != l.Question || !all[l.Key].At.Equal(l.At) {
			t.Fatalf("lessons: %+v %v", all, err)
		}
		if was, err := s.Untaught(ctx, l.Key); err != nil || !was {
			t.Fatalf("untaught: %v %v", was, err)
		}
		waitHeard()
		if all, _ := s.Lessons(ctx); len(all) != 0 {
			t.Fatalf("after untaught: %+v", all)
		}
		// A question behind a Teach button, by its hash.
		hashes, err := s.OfferTeach(ctx, []store.Teachable{{Key: l.Key, Question: l.Question, Lang: "vi"}})
		if err != nil || len(hashes) != 1 || hashes[0] != store.TeachableHash(l.Key) {
			t.Fatalf("offer: %v %v", hashes, err)
		}
		if q, err := s.TeachableQuestion(ctx, hashes[0]); err != nil || q.Question != l.Question {
			t.Fatalf("teachable: %+v %v", q, err)
		}
		if _, err := s.TeachableQuestion(ctx, "0000000000000000"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown hash: %v", err)
		}
		cancel()
		<-watching
	})
}
