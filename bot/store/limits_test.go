package store_test

import (
	"context"
	"errors"
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
		fast := redis_rate.Limit{Rate: 1, Burst: 3, Period: time.Second}
		if err := s.PauseChat(ctx, 7, 30*time.Second, fast); err != nil {
			t.Fatal(err)
		}
		ok, wait, _ = s.TakeChatBudget(ctx, 7, fast)
		if ok || wait <= 25*time.Second || wait > 30*time.Second {
			t.Fatalf("a paused chat: got %v, wait %v; want a wait of the pause", ok, wait)
		}
		// A pause never shortens what the budget already said (chat 5 waits about an hour).
		if err := s.PauseChat(ctx, 5, time.Second, l); err != nil {
			t.Fatal(err)
		}
		if _, wait, _ := s.TakeChatBudget(ctx, 5, l); wait < 59*time.Minute {
			t.Fatalf("a short pause shortened a chat's wait to %v", wait)
		}
	})
}

func TestFlood_DropsPastDropAndPacesPastPace(t *testing.T) {
	backends(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		fl := store.Flooding{Drop: redis_rate.Limit{Rate: 4, Burst: 4, Period: time.Hour}, Pace: redis_rate.Limit{Rate: 1, Burst: 2, Period: time.Hour}}
		want := []store.FloodVerdict{store.FloodGo, store.FloodGo, store.FloodWait, store.FloodWait, store.FloodDrop}
		for i, w := range want {
			v, err := s.Visit(ctx, 9, "lo", fl)
			if err != nil || v.Flood != w {
				t.Fatalf("message %d: got %v %v, want %v", i+1, v.Flood, err, w)
			}
			if v.Flood == store.FloodWait && (v.FloodWait < 50*time.Minute || v.FloodWait > 2*time.Hour) {
				t.Fatalf("message %d: wait %v, want about an hour per message past the burst", i+1, v.FloodWait)
			}
		}
		// Asking Pace alone (after a wait) takes nothing from Drop: it still says wait, not drop.
		if v, _, _ := s.Paced(ctx, 9, fl.Pace); v != store.FloodWait {
			t.Fatalf("pace alone: got %v, want FloodWait", v)
		}
		if v, _ := s.Visit(ctx, 10, "lo", fl); v.Flood != store.FloodGo {
			t.Fatalf("another person: got %v, want FloodGo", v.Flood)
		}
		// Exempt (admins), and staff added in the chat, are never held.
		exempt := fl
		exempt.Exempt = true
		for range 6 {
			if v, _ := s.Visit(ctx, 11, "lo", exempt); v.Flood != store.FloodGo {
				t.Fatalf("an admin was held: %v", v.Flood)
			}
		}
		if err := s.SaveStaff(ctx, store.StaffMember{UserID: 12, AddedBy: 1}); err != nil {
			t.Fatal(err)
		}
		for range 6 {
			if v, _ := s.Visit(ctx, 12, "lo", fl); v.Flood != store.FloodGo || v.Staff == nil {
				t.Fatalf("staff were held (%v) or not seen as staff (%v)", v.Flood, v.Staff)
			}
		}
		// Paced never creates a record for someone the bot does not keep (after /forget).
		if _, _, err := s.Paced(ctx, 13, fl.Pace); err != nil {
			t.Fatal(err)
		}
		if ok, _ := s.UserExists(ctx, 13); ok {
			t.Fatal("Paced created a user record")
		}
	})
}

// Visit's copies of the session and the conversation serve the update's reads, and a write drops them.
func TestVisited_ReadsTheCopyUntilAWrite(t *testing.T) {
	backends(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if err := s.SaveSession(ctx, 20, store.Session{Flow: "form", Data: []byte(`{"a":1}`)}); err != nil {
			t.Fatal(err)
		}
		v, err := s.Visit(ctx, 20, "vi", store.Flooding{Exempt: true})
		if err != nil {
			t.Fatal(err)
		}
		vctx := store.WithVisited(ctx, v)
		// Changed behind the copy's back (another update of the user's, in another chat): the copy is what
		// the visit read, as if read then.
		if err := s.ClearSession(ctx, 20); err != nil {
			t.Fatal(err)
		}
		if sess, err := s.GetSession(vctx, 20); err != nil || sess.Flow != "form" {
			t.Fatalf("the visit's copy: got %+v %v, want the form session", sess, err)
		}
		if _, err := s.Conversation(vctx, 20); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("no conversation: got %v, want ErrNotFound", err)
		}
		// A write through the update's context drops the copies: the next read is Redis's.
		if _, _, err := s.OpenConversation(vctx, 20, "Noy"); err != nil {
			t.Fatal(err)
		}
		if c, err := s.Conversation(vctx, 20); err != nil || !c.Open {
			t.Fatalf("after opening: got %+v %v, want the open conversation", c, err)
		}
		if _, err := s.GetSession(vctx, 20); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("after a write: got %v, want Redis's answer (no session)", err)
		}
		// The visit of someone in neither a flow nor a conversation notes it; a session saved or a
		// conversation opened later is seen by the next visit all the same.
		for range 2 {
			v, _ := s.Visit(ctx, 22, "vi", store.Flooding{Exempt: true})
			vctx := store.WithVisited(ctx, v)
			if _, err := s.GetSession(vctx, 22); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("no session: got %v", err)
			}
			if _, err := s.Conversation(vctx, 22); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("no conversation: got %v", err)
			}
		}
		if err := s.SaveSession(ctx, 22, store.Session{Flow: "form"}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.OpenConversation(ctx, 22, "Kham"); err != nil {
			t.Fatal(err)
		}
		v, _ = s.Visit(ctx, 22, "vi", store.Flooding{Exempt: true})
		vctx = store.WithVisited(ctx, v)
		if sess, err := s.GetSession(vctx, 22); err != nil || sess.Flow != "form" {
			t.Fatalf("a session saved after a visit that found none: got %+v %v", sess, err)
		}
		if c, err := s.Conversation(vctx, 22); err != nil || !c.Open {
			t.Fatalf("a conversation opened after a visit that found none: got %+v %v", c, err)
		}
		// Another user's reads are never served from the copy.
		if err := s.SaveSession(ctx, 21, store.Session{Flow: "other"}); err != nil {
			t.Fatal(err)
		}
		if sess, err := s.GetSession(vctx, 21); err != nil || sess.Flow != "other" {
			t.Fatalf("another user's session: got %+v %v", sess, err)
		}
	})
}
