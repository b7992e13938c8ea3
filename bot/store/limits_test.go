package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/go-redis/redis_rate/v10"

	"github.com/ufo-thanhhoa/huunghi/bot/store"
)

// The per-chat budget and flood control are the store's own GCRA on the process's clock; these pin them to
// redis_rate's behaviour: a burst, then one event per emission interval, a wait that says how long.
func TestChatBudget_BurstThenRateAndPause(t *testing.T) {
	backends(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		l := redis_rate.Limit{Rate: 1, Burst: 3, Period: time.Hour}
		for i := range 3 {
			if ok, _, err := s.TakeChatBudget(ctx, 5, l); !ok || err != nil {
				t.Fatalf("send %d of the burst: %v %v", i+1, ok, err)
			}
		}
		ok, wait, err := s.TakeChatBudget(ctx, 5, l)
		if ok || err != nil || wait < 59*time.Minute || wait > time.Hour {
			t.Fatalf("past the burst: got %v, wait %v, %v; want a wait of about an hour", ok, wait, err)
		}
		// Another chat has its own budget; a 429 pause of a chat holds it whatever its budget.
		if ok, _, _ := s.TakeChatBudget(ctx, 6, l); !ok {
			t.Fatal("another chat was held by chat 5's budget")
		}
		if err := s.PauseChat(ctx, 7, 30*time.Second); err != nil {
			t.Fatal(err)
		}
		ok, wait, _ = s.TakeChatBudget(ctx, 7, l)
		if ok || wait <= 25*time.Second || wait > 30*time.Second {
			t.Fatalf("a paused chat: got %v, wait %v; want a wait of the pause", ok, wait)
		}
	})
}

func TestFlood_DropsPastDropAndPacesPastPace(t *testing.T) {
	backends(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		drop := redis_rate.Limit{Rate: 4, Burst: 4, Period: time.Hour}
		pace := redis_rate.Limit{Rate: 1, Burst: 2, Period: time.Hour}
		want := []store.FloodVerdict{store.FloodGo, store.FloodGo, store.FloodWait, store.FloodWait, store.FloodDrop}
		for i, w := range want {
			v, wait, err := s.Flood(ctx, 9, drop, pace, false)
			if v != w || err != nil {
				t.Fatalf("message %d: got %v %v, want %v", i+1, v, err, w)
			}
			if v == store.FloodWait && (wait < 50*time.Minute || wait > 2*time.Hour) {
				t.Fatalf("message %d: wait %v, want about an hour per message past the burst", i+1, wait)
			}
		}
		// Asking Pace alone (after a wait) takes nothing from Drop: it still says wait, not drop.
		if v, _, _ := s.Flood(ctx, 9, drop, pace, true); v != store.FloodWait {
			t.Fatalf("pace alone: got %v, want FloodWait", v)
		}
		if v, _, _ := s.Flood(ctx, 10, drop, pace, false); v != store.FloodGo {
			t.Fatalf("another person: got %v, want FloodGo", v)
		}
	})
}
