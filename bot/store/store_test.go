package store_test

import (
	"context"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"

	"github.com/ufo-thanhhoa/huunghi/bot/store"
	"github.com/ufo-thanhhoa/huunghi/bot/store/redistest"
)

func TestMain(m *testing.M) { os.Exit(redistest.Main(m)) }

// backends runs the same behavioural suite against a real redis-server, a real three-master Redis Cluster
// (every script's keys must share a slot there: a key outside the schema's hash tag fails with CROSSSLOT)
// and the embedded store used by the `chat` demo, so the demo cannot drift from production behaviour.
func backends(t *testing.T, test func(t *testing.T, s *store.Store), opts ...store.Option) {
	realBackends(t, test, opts...)
	t.Run("miniredis", func(t *testing.T) {
		m := miniredis.RunT(t)
		c := redis.NewClient(&redis.Options{Addr: m.Addr()})
		t.Cleanup(func() { _ = c.Close() })
		test(t, store.New(c, opts...))
	})
}

// realBackends runs a test against real Redis only, a single server and a cluster: for what the embedded
// store does not do (expiry in real time, the server's clock that redis_rate reads).
func realBackends(t *testing.T, test func(t *testing.T, s *store.Store), opts ...store.Option) {
	t.Run("redis-server", func(t *testing.T) {
		test(t, store.New(redistest.Start(t).Client(), opts...))
	})
	t.Run("redis-cluster", func(t *testing.T) {
		test(t, store.New(redistest.SharedCluster(t).Client(), opts...))
	})
}

func TestUsers(t *testing.T) {
	backends(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if _, err := s.GetUser(ctx, 7); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("GetUser of unknown: got %v, want ErrNotFound", err)
		}
		u, err := s.TouchUser(ctx, 7, "")
		if err != nil {
			t.Fatal(err)
		}
		if !u.IsNew() || u.Lang != "" {
			t.Fatalf("first touch: got %+v, want a new user without language", u)
		}
		if err := s.SetLanguage(ctx, 7, "lo", store.LangExplicit); err != nil {
			t.Fatal(err)
		}
		// Detection must never override an explicit choice.
		if err := s.SetLanguage(ctx, 7, "en", store.LangDetected); err != nil {
			t.Fatal(err)
		}
		if err := s.MarkUnreachable(ctx, 7); err != nil {
			t.Fatal(err)
		}
		if ok, _ := s.IsUnreachable(ctx, 7); !ok {
			t.Fatal("after MarkUnreachable: want unreachable")
		}
		u, err = s.TouchUser(ctx, 7, "")
		if err != nil {
			t.Fatal(err)
		}
		if u.Lang != "lo" || u.LangSource != store.LangExplicit || u.Unreachable {
			t.Fatalf("after touch: got %+v, want lang lo explicit and reachable", u)
		}
		// A 403 for an unknown chat must not create a record.
		if err := s.MarkUnreachable(ctx, 99); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetUser(ctx, 99); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("MarkUnreachable created user 99: %v", err)
		}
		if err := s.SetLanguage(ctx, 8, "lo", store.LangDetected); err != nil {
			t.Fatal(err)
		}
		if u, _ := s.GetUser(ctx, 8); u.Lang != "lo" || u.LangSource != store.LangDetected {
			t.Fatalf("detected language: got %+v", u)
		}
		if _, err := s.ForgetUser(ctx, 7); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetUser(ctx, 7); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("after ForgetUser: got %v, want ErrNotFound", err)
		}
	})
}

func TestIntakeQueue_BacklogIsBounded(t *testing.T) {
	backends(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		for i := range int64(3) {
			if res, err := s.StoreUpdate(ctx, 100+i, 6, []byte{'a' + byte(i)}, 3); err != nil || res != store.Queued {
				t.Fatalf("update %d of 3: got %v %v, want Queued", i, res, err)
			}
		}
		// The fourth and fifth are turned away; the chat is told once.
		for i, want := range []store.Stored{store.OverflowNotice, store.Overflow} {
			if res, err := s.StoreUpdate(ctx, 200+int64(i), 6, []byte("x"), 3); err != nil || res != want {
				t.Fatalf("update over the bound: got %v %v, want %v", res, err, want)
			}
		}
		// A turned-away update was not remembered as seen: once there is room, Telegram's copy is taken.
		l, head, err := s.TakeChat(ctx, 6, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := l.Ack(ctx, head.Raw); err != nil {
			t.Fatal(err)
		}
		if res, _ := s.StoreUpdate(ctx, 200, 6, []byte("x"), 3); res != store.Queued {
			t.Fatalf("after room was made: got %v, want Queued", res)
		}
		// Other chats are unaffected.
		if res, _ := s.StoreUpdate(ctx, 300, 7, []byte("y"), 3); res != store.Queued {
			t.Fatalf("another chat: got %v, want Queued", res)
		}
	})
}

func TestRejectedUpdates_KeptAsideBounded(t *testing.T) {
	backends(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		for i := range 105 {
			if err := s.RejectUpdate(ctx, []byte{byte(i)}); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.RejectedUpdates(ctx)
		if err != nil || len(got) != 100 || got[0][0] != 104 {
			t.Fatalf("rejected: got %d (newest %v) %v, want the newest 100", len(got), got[0], err)
		}
		// /forget takes out the user's: by sender, chat or user, whatever the update's kind.
		for _, raw := range []string{
			`{"update_id":1,"message":{"message_id":"x","from":{"id":77,"first_name":"Noy"},"chat":{"id":77}}}`,
			`{"update_id":2,"callback_query":{"id":"q","from":{"id":77},"data":[1]}}`,
			`{"update_id":3,"message":{"message_id":"x","from":{"id":78},"chat":{"id":78}}}`,
		} {
			if err := s.RejectUpdate(ctx, []byte(raw)); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.ForgetUser(ctx, 77); err != nil {
			t.Fatal(err)
		}
		got, _ = s.RejectedUpdates(ctx)
		if len(got) != 98 || !strings.Contains(string(got[0]), `"id":78`) {
			t.Fatalf("after /forget of 77: %d kept, newest %s; want 98 (100 less 77s two), newest 78's", len(got), got[0])
		}
	})
}

func TestIntakeQueue(t *testing.T) {
	backends(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		for i, raw := range []string{"a", "b"} {
			res, err := s.StoreUpdate(ctx, int64(i+1), 5, []byte(raw), 20)
			if err != nil || res != store.Queued {
				t.Fatalf("StoreUpdate %d: %v %v", i, res, err)
			}
		}
		if res, _ := s.StoreUpdate(ctx, 1, 5, []byte("a"), 20); res != store.Duplicate {
			t.Fatalf("a re-delivered update_id: got %v, want Duplicate", res)
		}
		chats, err := s.PendingChats(ctx, 10)
		if err != nil || len(chats) != 1 || chats[0] != 5 {
			t.Fatalf("PendingChats: got %v %v, want [5]", chats, err)
		}
		l, head, err := s.TakeChat(ctx, 5, time.Minute)
		if err != nil || string(head.Raw) != "a" || head.Attempts != 1 {
			t.Fatalf("take: got %q (attempt %d) %v, want \"a\", attempt 1", head.Raw, head.Attempts, err)
		}
		if _, _, err := s.TakeChat(ctx, 5, time.Minute); !errors.Is(err, store.ErrLocked) {
			t.Fatalf("second take while leased: got %v, want ErrLocked", err)
		}
		// The worker stops without handling it (a crash: its lease is given up here); the next take counts a
		// second attempt. Taken back (PutBack), an attempt is not counted.
		if err := l.Release(ctx); err != nil {
			t.Fatal(err)
		}
		l, head, _ = s.TakeChat(ctx, 5, time.Minute)
		if head.Attempts != 2 || string(head.Raw) != "a" {
			t.Fatalf("after a crash: got %q attempt %d, want \"a\" attempt 2", head.Raw, head.Attempts)
		}
		if err := l.PutBack(ctx, head.Raw); err != nil {
			t.Fatal(err)
		}
		_ = l.Release(ctx)
		l, head, _ = s.TakeChat(ctx, 5, time.Minute)
		if head.Attempts != 2 {
			t.Fatalf("after a put-back: attempt %d, want 2 again", head.Attempts)
		}
		// The ack removes it, with its count, and hands over the next one.
		next, err := l.Ack(ctx, head.Raw)
		if err != nil || string(next.Raw) != "b" || next.Attempts != 1 {
			t.Fatalf("ack: got %q attempt %d %v, want \"b\" attempt 1", next.Raw, next.Attempts, err)
		}
		// A repeated ack of the same update must not drop the next one.
		if again, err := l.Ack(ctx, head.Raw); err != nil || string(again.Raw) != "b" {
			t.Fatalf("second ack: got %q %v, want \"b\" still at the head", again.Raw, err)
		}
		if n, _ := s.QueueLength(ctx, 5); n != 1 {
			t.Fatalf("queue after the acks: %d, want 1", n)
		}
		last, err := l.Ack(ctx, next.Raw)
		if err != nil || last.Raw != nil {
			t.Fatalf("last ack: got %q %v, want an empty queue", last.Raw, err)
		}
		if c, _ := s.PendingCount(ctx); c != 0 {
			t.Fatalf("pending chats after draining: got %d, want 0", c)
		}
		// The last ack gave the lease back: another worker takes the chat at once, and finds nothing.
		_, head, err = s.TakeChat(ctx, 5, time.Minute)
		if err != nil || head.Raw != nil {
			t.Fatalf("empty queue: got %q %v, want nothing and the lease free", head.Raw, err)
		}
		if _, _, err := s.TakeChat(ctx, 5, time.Minute); err != nil {
			t.Fatalf("a take of an empty queue keeps the lease: %v", err)
		}
	})
}

// TestIntakeQueue_TakenWithTheFirstUpdate: an update into an idle chat comes back with the chat's lease, as
// the head with one attempt counted; the next one while it is handled is only queued, and the taken lease
// acks like any other. A crash (the lease lost without an ack) counts the second attempt.
func TestIntakeQueue_TakenWithTheFirstUpdate(t *testing.T) {
	backends(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		keep := func(id int64, raw string) store.Kept {
			t.Helper()
			res, err := s.StoreUpdates(ctx, []store.Incoming{{ID: id, Chat: 8, Raw: []byte(raw), Backlog: 20, Lease: time.Minute}})
			if err != nil {
				t.Fatal(err)
			}
			return res[0]
		}
		first := keep(1, "a")
		if first.Stored != store.Taken || string(first.Lock.Head.Raw) != "a" || first.Lock.Head.Attempts != 1 {
			t.Fatalf("into an idle chat: got %v %+v, want Taken with \"a\", attempt 1", first.Stored, first.Lock)
		}
		if _, _, err := s.TakeChat(ctx, 8, time.Minute); !errors.Is(err, store.ErrLocked) {
			t.Fatalf("take while intake's lease is held: %v, want ErrLocked", err)
		}
		if second := keep(2, "b"); second.Stored != store.Queued || second.Lock != nil {
			t.Fatalf("into a busy chat: got %v, want Queued without a lease", second.Stored)
		}
		next, err := first.Lock.Ack(ctx, first.Lock.Head.Raw)
		if err != nil || string(next.Raw) != "b" || next.Attempts != 1 {
			t.Fatalf("ack of the taken head: got %q attempt %d %v, want \"b\" attempt 1", next.Raw, next.Attempts, err)
		}
		// The worker dies with "b" in hand: whoever takes the chat next counts a second attempt.
		if err := first.Lock.Release(ctx); err != nil {
			t.Fatal(err)
		}
		l, head, err := s.TakeChat(ctx, 8, time.Minute)
		if err != nil || string(head.Raw) != "b" || head.Attempts != 2 {
			t.Fatalf("after a crash: got %q attempt %d %v, want \"b\" attempt 2", head.Raw, head.Attempts, err)
		}
		if last, err := l.Ack(ctx, head.Raw); err != nil || last.Raw != nil {
			t.Fatalf("last ack: %q %v", last.Raw, err)
		}
		if third := keep(3, "c"); third.Stored != store.Taken {
			t.Fatalf("into the chat idle again: got %v, want Taken", third.Stored)
		}
	})
}

func TestChatLock(t *testing.T) {
	backends(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if _, err := s.StoreUpdate(ctx, 1, 5, []byte("a"), 20); err != nil {
			t.Fatal(err)
		}
		l, _, err := s.TakeChat(ctx, 5, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.TakeChat(ctx, 5, time.Minute); !errors.Is(err, store.ErrLocked) {
			t.Fatalf("second lock: got %v, want ErrLocked", err)
		}
		if err := l.Refresh(ctx, time.Minute); err != nil {
			t.Fatalf("refresh of a held lease: %v", err)
		}
		if err := l.Release(ctx); err != nil {
			t.Fatal(err)
		}
		if err := l.Refresh(ctx, time.Minute); !errors.Is(err, store.ErrLeaseLost) {
			t.Fatalf("refresh of a released lease: got %v, want ErrLeaseLost", err)
		}
		l2, head, err := s.TakeChat(ctx, 5, time.Minute)
		if err != nil {
			t.Fatalf("lock after release: %v", err)
		}
		// The first worker's late ack still removes the update it handled, but does not take the chat back.
		if _, err := l.Ack(ctx, head.Raw); !errors.Is(err, store.ErrLeaseLost) {
			t.Fatalf("ack without the lease: got %v, want ErrLeaseLost", err)
		}
		if n, _ := s.QueueLength(ctx, 5); n != 0 {
			t.Fatalf("the handled update is still queued (%d)", n)
		}
		// That ack emptied the queue, and gave back no lease but its own: the second worker's still holds.
		if err := l2.Refresh(ctx, time.Minute); err != nil {
			t.Fatalf("the second worker's lease after the first one's late ack: %v", err)
		}
		if err := l2.Release(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

func TestSessions(t *testing.T) {
	backends(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if _, err := s.GetSession(ctx, 3); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("got %v, want ErrNotFound", err)
		}
		if err := s.SaveSession(ctx, 3, store.Session{Flow: "form", Data: []byte(`{"step":2}`)}); err != nil {
			t.Fatal(err)
		}
		got, err := s.GetSession(ctx, 3)
		if err != nil || got.Flow != "form" || string(got.Data) != `{"step":2}` {
			t.Fatalf("got %+v %v", got, err)
		}
		if err := s.ClearSession(ctx, 3); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetSession(ctx, 3); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("after clear: got %v, want ErrNotFound", err)
		}
	})
}

func TestCleanSessions_ExpiredByTheStoresClockAndDead(t *testing.T) {
	start := time.Date(2031, 5, 12, 10, 0, 0, 0, time.UTC)
	now := start
	backends(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		save := func(uid int64, at time.Time, flow, data string) {
			t.Helper()
			now = at
			if err := s.SaveSession(ctx, uid, store.Session{Flow: flow, Data: []byte(data)}); err != nil {
				t.Fatal(err)
			}
		}
		save(1, start.Add(-8*24*time.Hour), "form", `{"form":"open"}`) // a week and a day old
		save(2, start.Add(-24*time.Hour), "form", `{"form":"closed"}`)
		save(3, start.Add(-24*time.Hour), "form", `{"form":"open"}`)
		save(4, start.Add(-24*time.Hour), "handoff", ``)
		// Many old sessions: the clean-up works through them in batches.
		for uid := int64(100); uid < 550; uid++ {
			save(uid, start.Add(-10*24*time.Hour), "form", `{"form":"open"}`)
		}
		now = start
		// Redis's own TTL runs on real time: the week-old session is still there.
		if _, err := s.GetSession(ctx, 1); err != nil {
			t.Fatalf("before the clean-up: %v", err)
		}
		var seen []string
		dead := func(flow string, data []byte) bool {
			seen = append(seen, flow)
			return flow == "form" && strings.Contains(string(data), `"closed"`)
		}
		expired, dropped, err := s.CleanSessions(ctx, start.Add(-store.SessionTTL), dead)
		if err != nil || expired != 451 || dropped != 1 {
			t.Fatalf("clean: %d expired, %d dropped, %v; want 451, 1", expired, dropped, err)
		}
		if len(seen) != 3 {
			t.Errorf("dead was asked about %d sessions, want the 3 live ones", len(seen))
		}
		for uid, want := range map[int64]bool{1: false, 2: false, 3: true, 4: true, 100: false, 549: false} {
			if _, err := s.GetSession(ctx, uid); (err == nil) != want {
				t.Errorf("session %d: kept=%v, want %v (%v)", uid, err == nil, want, err)
			}
		}
		if expired, dropped, err := s.CleanSessions(ctx, start.Add(-store.SessionTTL), dead); expired+dropped != 0 || err != nil {
			t.Errorf("second run: %d, %d, %v; want nothing", expired, dropped, err)
		}
		// A session saved again while the clean-up looks at it is kept, and so is its index entry.
		dead = func(flow string, data []byte) bool {
			if err := s.SaveSession(ctx, 3, store.Session{Flow: "form", Data: []byte(`{"form":"open","step":2}`)}); err != nil {
				t.Fatal(err)
			}
			return true
		}
		if _, dropped, err := s.CleanSessions(ctx, start.Add(-store.SessionTTL), dead); err != nil || dropped != 1 {
			t.Errorf("racing save: dropped %d %v, want only the handoff session", dropped, err)
		}
		if got, err := s.GetSession(ctx, 3); err != nil || !strings.Contains(string(got.Data), `"step":2`) {
			t.Errorf("session saved during the clean-up: %+v %v", got, err)
		}
		now = start.Add(store.SessionTTL + time.Hour)
		if expired, _, err := s.CleanSessions(ctx, now.Add(-store.SessionTTL), nil); expired != 1 || err != nil {
			t.Errorf("a week after the racing save: %d expired %v, want it found by the index", expired, err)
		}
	}, store.WithClock(func() time.Time { return now }))
}

func TestEnqueueBulkOnce(t *testing.T) {
	backends(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		for i, want := range []bool{true, false} {
			if ok, err := s.EnqueueBulkOnce(ctx, "notify", "digest:2031-W20", time.Hour, []byte("week 20")); ok != want || err != nil {
				t.Fatalf("enqueue %d: %v %v, want %v", i, ok, err, want)
			}
		}
		if ok, err := s.EnqueueBulkOnce(ctx, "notify", "digest:2031-W21", time.Hour, []byte("week 21")); !ok || err != nil {
			t.Fatalf("another name: %v %v", ok, err)
		}
		if n, _ := s.BulkDepth(ctx, "notify"); n != 2 {
			t.Errorf("queued %d, want 2", n)
		}
	})
}

func TestBulkLanes(t *testing.T) {
	backends(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if err := s.EnqueueBulk(ctx, "broadcast", []byte("m1"), []byte("m2")); err != nil {
			t.Fatal(err)
		}
		got, err := s.TakeBulk(ctx, "broadcast", -time.Second) // lease already over: reapable at once
		if err != nil || string(got) != "m1" {
			t.Fatalf("take: got %q %v", got, err)
		}
		if n, err := s.ReapBulk(ctx, "broadcast"); err != nil || n != 1 {
			t.Fatalf("reap: got %d %v, want 1", n, err)
		}
		got, _ = s.TakeBulk(ctx, "broadcast", time.Minute)
		if string(got) != "m1" {
			t.Fatalf("after reap: got %q, want m1 first again", got)
		}
		if err := s.DoneBulk(ctx, "broadcast", got); err != nil {
			t.Fatal(err)
		}
		if n, _ := s.ReapBulk(ctx, "broadcast"); n != 0 {
			t.Fatalf("reap after done: got %d, want 0", n)
		}
		if d, _ := s.BulkDepth(ctx, "broadcast"); d != 1 {
			t.Fatalf("depth: got %d, want 1", d)
		}
		if err := s.PauseBulk(ctx, time.Minute); err != nil {
			t.Fatal(err)
		}
		if d, _ := s.BulkPause(ctx); d <= 0 {
			t.Fatalf("pause: got %v, want > 0", d)
		}
	})
}

// TestBulkLanes_LeasesFollowTheStoresClock: a lane's in-flight deadline is on the store's clock (the bot's
// one calendar), so a message is reaped exactly when that clock passes its lease and not before; and the
// chats waiting at intake keep the order they wrote in even when the clock goes back (arrival order is real
// time: it sequences, it is no date).
func TestBulkLanes_LeasesFollowTheStoresClock(t *testing.T) {
	now := time.Date(2031, 5, 12, 10, 0, 0, 0, time.UTC)
	backends(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now = time.Date(2031, 5, 12, 10, 0, 0, 0, time.UTC)
		if err := s.EnqueueBulk(ctx, "notify", []byte("card")); err != nil {
			t.Fatal(err)
		}
		if got, err := s.TakeBulk(ctx, "notify", time.Minute); err != nil || string(got) != "card" {
			t.Fatalf("take: %q %v", got, err)
		}
		now = now.Add(59 * time.Second)
		if n, err := s.ReapBulk(ctx, "notify"); err != nil || n != 0 {
			t.Errorf("reap within the lease: got %d %v, want 0", n, err)
		}
		now = now.Add(2 * time.Second)
		if n, err := s.ReapBulk(ctx, "notify"); err != nil || n != 1 {
			t.Errorf("reap past the lease on the store's clock: got %d %v, want 1", n, err)
		}
		if _, err := s.StoreUpdate(ctx, 1, 501, []byte(`{"update_id":1}`), 10); err != nil {
			t.Fatal(err)
		}
		now = now.AddDate(-5, 0, 0)
		if _, err := s.StoreUpdate(ctx, 2, 502, []byte(`{"update_id":2}`), 10); err != nil {
			t.Fatal(err)
		}
		if got, err := s.PendingChats(ctx, 10); err != nil || len(got) != 2 || got[0] != 501 {
			t.Errorf("pending chats: %v %v, want 501 (wrote first) first", got, err)
		}
	}, store.WithClock(func() time.Time { return now }))
}

func TestUnanswered(t *testing.T) {
	start := time.Date(2027, 3, 9, 23, 0, 0, 0, time.UTC)
	now := start
	backends(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now = start
		log := func(uid int64, q string) bool {
			t.Helper()
			ok, err := s.LogUnanswered(ctx, uid, "vi", q)
			if err != nil {
				t.Fatal(err)
			}
			return ok
		}
		log(1, "gia vang")
		if log(1, "gia vang") {
			t.Error("one person asking twice on one day was counted twice")
		}
		log(2, "gia vang")
		log(3, "football")
		top, err := s.TopUnanswered(ctx, 30, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(top) != 2 || top[0].Question != "gia vang" || top[0].Count != 2 || top[0].Lang != "vi" {
			t.Fatalf("got %+v, want gia vang ×2 first", top)
		}
		// One person adds at most UnansweredPerDay questions a day.
		for i := range store.UnansweredPerDay + 5 {
			log(4, "question "+strconv.Itoa(i))
		}
		if n, _ := s.UnansweredCount(ctx, 4); n != store.UnansweredPerDay {
			t.Errorf("user 4 has %d counted questions, want %d", n, store.UnansweredPerDay)
		}
		// The next day counts again; /forget takes a user's questions out of every day.
		now = now.Add(2 * time.Hour)
		if !log(1, "gia vang") || !log(4, "one more") {
			t.Error("questions of a new day were not counted")
		}
		for _, uid := range []int64{1, 4} {
			if _, err := s.ForgetUser(ctx, uid); err != nil {
				t.Fatal(err)
			}
		}
		top, _ = s.TopUnanswered(ctx, 30, 30)
		if len(top) != 2 || top[0].Question != "gia vang" || top[0].Count != 1 || top[1].Question != "football" {
			t.Fatalf("after /forget of users 1 and 4: got %+v, want gia vang ×1 (user 2) and football", top)
		}
		if n, _ := s.UnansweredCount(ctx, 1); n != 0 {
			t.Errorf("user 1 still has %d counted questions", n)
		}
		if err := s.SetLastQuestion(ctx, 5, store.LastQuestion{Text: "visa?", Lang: "en"}); err != nil {
			t.Fatal(err)
		}
		if q, err := s.GetLastQuestion(ctx, 5); err != nil || q.Text != "visa?" {
			t.Fatalf("got %+v %v", q, err)
		}
	}, store.WithClock(func() time.Time { return now }))
}

func TestForgetQueued_RemovesOnlyThatUsersMessages(t *testing.T) {
	backends(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		items := []string{`{"chat_id":-9,"text":"card of 7","about":7}`, `{"chat_id":-9,"text":"card of 8","about":8}`,
			`{"chat_id":7,"text":"to 7"}`, `not json`, `{"chat_id":-9,"text":"another of 7","about":7}`}
		for _, it := range items {
			if err := s.EnqueueBulk(ctx, "notify", []byte(it)); err != nil {
				t.Fatal(err)
			}
		}
		taken, err := s.TakeBulk(ctx, "notify", time.Minute) // in flight
		if err != nil || string(taken) != items[0] {
			t.Fatalf("take: %q %v", taken, err)
		}
		n, err := s.ForgetQueued(ctx, 7, "notify")
		if err != nil || n != 2 {
			t.Fatalf("ForgetQueued: got %d %v, want 2 (one waiting, one in flight)", n, err)
		}
		var left []string
		for {
			raw, err := s.TakeBulk(ctx, "notify", time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			if raw == nil {
				break
			}
			left = append(left, string(raw))
		}
		if len(left) != 3 || left[0] != items[1] || left[1] != items[2] || left[2] != items[3] {
			t.Errorf("left: got %q", left)
		}
		// The in-flight message about 7 is not requeued by the reaper either, even past its deadline.
		if err := s.EnqueueBulk(ctx, "notify", []byte(`{"chat_id":-9,"text":"late card of 7","about":7}`)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.TakeBulk(ctx, "notify", -time.Minute); err != nil { // its deadline has passed
			t.Fatal(err)
		}
		if n, err := s.ForgetQueued(ctx, 7, "notify"); err != nil || n != 1 {
			t.Fatalf("ForgetQueued of an expired in-flight message: %d %v", n, err)
		}
		if n, err := s.ReapBulk(ctx, "notify"); err != nil || n != 0 {
			t.Fatalf("reaper requeued %d messages (%v), want 0", n, err)
		}
	})
}

func TestClaimOnce(t *testing.T) {
	backends(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		claim := func(want store.OnceState, what string) {
			t.Helper()
			if got, err := s.ClaimOnce(ctx, "rem:e1:7:24h", time.Minute); err != nil || got != want {
				t.Fatalf("%s: got %v %v, want %v", what, got, err, want)
			}
		}
		claim(store.OnceClaimed, "first claim")
		claim(store.OnceSending, "while the first sender is in its call")
		if err := s.ReleaseOnce(ctx, "rem:e1:7:24h"); err != nil {
			t.Fatal(err)
		}
		claim(store.OnceClaimed, "after a failed call gave it back")
		if err := s.MarkOnceSent(ctx, "rem:e1:7:24h", time.Hour); err != nil {
			t.Fatal(err)
		}
		claim(store.OnceSent, "after it was sent")
		if got, err := s.ClaimOnce(ctx, "rem:e1:7:2h", time.Minute); err != nil || got != store.OnceClaimed {
			t.Fatalf("another key: got %v %v, want it claimable", got, err)
		}
	})
}

// TestClaimOnce_ExpiresWithItsHolder: a sender that dies in its call leaves a claim that expires, and the
// next sender gets it (real redis-server: the lease is Redis's own TTL).
func TestClaimOnce_ExpiresWithItsHolder(t *testing.T) {
	realBackends(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if got, err := s.ClaimOnce(ctx, "rem:x", 50*time.Millisecond); err != nil || got != store.OnceClaimed {
			t.Fatalf("claim: %v %v", got, err)
		}
		deadline := time.Now().Add(5 * time.Second)
		for {
			got, err := s.ClaimOnce(ctx, "rem:x", time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			if got == store.OnceClaimed {
				break
			}
			if got != store.OnceSending || time.Now().After(deadline) {
				t.Fatalf("the dead holder's claim: got %v, want it to expire", got)
			}
			time.Sleep(10 * time.Millisecond) // polling for an expiry Redis measures
		}
	})
}

func TestRegistrations(t *testing.T) {
	backends(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		ans := map[string]string{"full_name": "Noy Phommasane"}
		r1, created, err := s.Register(ctx, "p", 1, "lo", ans, 1, true)
		if err != nil || !created || r1.Status != store.StatusRegistered || r1.Ref == "" {
			t.Fatalf("first: %+v %v %v", r1, created, err)
		}
		again, created, err := s.Register(ctx, "p", 1, "lo", ans, 1, true)
		if err != nil || created || again.Ref != r1.Ref {
			t.Fatalf("repeat must return the same registration: %+v %v %v", again, created, err)
		}
		r2, _, err := s.Register(ctx, "p", 2, "vi", ans, 1, true)
		if err != nil || r2.Status != store.StatusWaitlist {
			t.Fatalf("second on capacity 1: got %+v %v, want waitlist", r2, err)
		}
		if _, _, err := s.Register(ctx, "q", 2, "vi", ans, 1, false); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Register(ctx, "q", 3, "vi", ans, 1, false); !errors.Is(err, store.ErrFull) {
			t.Fatalf("full without waitlist: got %v, want ErrFull", err)
		}
		if reg, wait, _ := s.Counts(ctx, "p"); reg != 1 || wait != 1 {
			t.Fatalf("counts: %d %d", reg, wait)
		}
		promoted, err := s.Withdraw(ctx, "p", 1)
		if err != nil || promoted != 2 {
			t.Fatalf("withdraw: promoted %d %v, want 2", promoted, err)
		}
		if r, _ := s.GetRegistration(ctx, "p", 1); r.Status != store.StatusWithdrawn || r.Answers != nil {
			t.Fatalf("withdrawn keeps answers or status: %+v", r)
		}
		if r, _ := s.GetRegistration(ctx, "p", 2); r.Status != store.StatusRegistered {
			t.Fatalf("promoted: %+v", r)
		}
		if _, err := s.Withdraw(ctx, "p", 1); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("second withdraw: %v", err)
		}
		// Re-applying after withdrawal creates a new registration.
		if r, created, _ := s.Register(ctx, "p", 1, "lo", ans, 0, false); !created || r.Ref == r1.Ref {
			t.Fatalf("re-apply: %+v %v", r, created)
		}
		list, err := s.Registrations(ctx, "p")
		if err != nil || len(list) != 2 || list[0].UserID != 2 || list[1].UserID != 1 || list[1].Answers["full_name"] != "Noy Phommasane" {
			t.Fatalf("registrations: %+v %v", list, err)
		}
		mine, _ := s.UserRegistrations(ctx, 2)
		if len(mine) != 2 {
			t.Fatalf("user 2 registrations: %+v", mine)
		}
		// User 5 waits behind user 2 in q; user 2 forgetting everything gives 5 the place.
		if r, _, _ := s.Register(ctx, "q", 5, "lo", ans, 1, true); r.Status != store.StatusWaitlist {
			t.Fatalf("user 5 in q: %+v", r)
		}
		moved, err := s.ForgetUser(ctx, 2)
		if err != nil || len(moved) != 1 || moved[0] != (store.Promotion{Programme: "q", UserID: 5}) {
			t.Fatalf("forget: promoted %+v %v, want user 5 into q", moved, err)
		}
		if mine, _ := s.UserRegistrations(ctx, 2); len(mine) != 0 {
			t.Fatalf("after forget: %+v", mine)
		}
		if reg, wait, _ := s.Counts(ctx, "p"); reg != 1 || wait != 0 {
			t.Fatalf("counts after forget: %d %d", reg, wait)
		}
	})
}

func TestExpireRegistrations(t *testing.T) {
	var now time.Time
	clock := func() time.Time { return now }
	backends(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		ans := map[string]string{"full_name": "Noy"}
		now = time.Date(2025, 1, 10, 9, 0, 0, 0, time.UTC)
		// Old: user 1 holds the only place of p, user 2 waits, user 3 withdrew from q; user 4 holds the
		// only place of m, a membership call that is still open, and user 5 waits for it.
		for _, r := range []struct {
			prog string
			uid  int64
		}{{"p", 1}, {"p", 2}, {"q", 3}, {"m", 4}, {"m", 5}} {
			if _, _, err := s.Register(ctx, r.prog, r.uid, "lo", ans, 1, true); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.Withdraw(ctx, "q", 3); err != nil {
			t.Fatal(err)
		}
		// Recent: user 1 again, in another programme.
		now = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
		if _, _, err := s.Register(ctx, "r", 1, "lo", ans, 0, false); err != nil {
			t.Fatal(err)
		}
		cutoff := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
		open := func(prog string) bool { return prog == "m" }
		n, err := s.ExpireRegistrations(ctx, cutoff, open)
		if err != nil || n != 5 {
			t.Fatalf("expired %d %v, want 5", n, err)
		}
		for uid, want := range map[int64]int{1: 1, 2: 0, 3: 0, 4: 1, 5: 1} {
			mine, err := s.UserRegistrations(ctx, uid)
			if err != nil {
				t.Fatal(err)
			}
			if len(mine) != want {
				t.Errorf("user %d keeps %+v, want %d registrations", uid, mine, want)
			}
		}
		if reg, wait, _ := s.Counts(ctx, "p"); reg != 0 || wait != 0 {
			t.Errorf("p counts after retention: %d %d", reg, wait)
		}
		// The open programme keeps its places and its queue; only the answers are gone.
		if reg, wait, _ := s.Counts(ctx, "m"); reg != 1 || wait != 1 {
			t.Errorf("m counts after retention: %d %d, want 1 1", reg, wait)
		}
		if r, _ := s.GetRegistration(ctx, "m", 4); r.Status != store.StatusRegistered || r.Ref == "" || r.Answers != nil {
			t.Errorf("open programme's registration after retention: %+v", r)
		}
		if _, _, err := s.Register(ctx, "m", 6, "vi", ans, 1, false); !errors.Is(err, store.ErrFull) {
			t.Errorf("a newcomer took a place retention must keep: %v", err)
		}
		if list, _ := s.Registrations(ctx, "r"); len(list) != 1 || list[0].Answers["full_name"] != "Noy" {
			t.Errorf("recent registration touched: %+v", list)
		}
		// The reference counter survives: numbers are never reused.
		if r, _, _ := s.Register(ctx, "p", 7, "vi", ans, 1, false); r.Ref != "HN-000007" {
			t.Errorf("next reference after retention: %q", r.Ref)
		}
		if n, err := s.ExpireRegistrations(ctx, cutoff, open); n != 0 || err != nil {
			t.Errorf("second pass changed %d %v", n, err)
		}
		// Once m closes, its old registrations go entirely.
		if n, err := s.ExpireRegistrations(ctx, cutoff, nil); n != 2 || err != nil {
			t.Errorf("after m closed: changed %d %v, want 2", n, err)
		}
		if reg, wait, _ := s.Counts(ctx, "m"); reg != 0 || wait != 0 {
			t.Errorf("m counts after it closed: %d %d", reg, wait)
		}
	}, store.WithClock(clock))
}

func TestClaimJobRun(t *testing.T) {
	backends(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		tick := time.Date(2026, 11, 23, 3, 30, 0, 0, time.UTC)
		for i, want := range []bool{true, false} {
			if ok, err := s.ClaimJobRun(ctx, "retention", tick); ok != want || err != nil {
				t.Fatalf("claim %d: %v %v, want %v", i, ok, err, want)
			}
		}
		if ok, _ := s.ClaimJobRun(ctx, "retention", tick.Add(time.Minute)); !ok {
			t.Error("the next tick must be claimable")
		}
		if ok, _ := s.ClaimJobRun(ctx, "other", tick); !ok {
			t.Error("another job's tick must be claimable")
		}
	})
}

func TestLimits_PeekTakesNothing(t *testing.T) {
	realBackends(t, func(t *testing.T, s *store.Store) {
		// Real Redis only: redis_rate reads the server's clock (TIME), which miniredis does not move.
		ctx := context.Background()
		l := redis_rate.Limit{Rate: 1, Burst: 2, Period: time.Hour}
		for i := range 5 {
			if ok, _, err := s.Peek(ctx, "t", l); !ok || err != nil {
				t.Fatalf("peek %d: %v %v, want a full budget", i, ok, err)
			}
		}
		for i := range 2 {
			if ok, _, _ := s.Allow(ctx, "t", l); !ok {
				t.Fatalf("take %d of a burst of 2 refused", i)
			}
		}
		ok, wait, err := s.Peek(ctx, "t", l)
		if ok || err != nil || wait < 59*time.Minute || wait > time.Hour {
			t.Fatalf("peek of an empty budget: %v %v %v, want not ok, about an hour", ok, wait, err)
		}
		if ok, w, _ := s.Allow(ctx, "t", l); ok || w < 59*time.Minute {
			t.Fatalf("take of an empty budget: %v %v", ok, w)
		}
	})
}

func TestHandoffBlock_SurvivesForget(t *testing.T) {
	backends(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if _, err := s.TouchUser(ctx, 9, ""); err != nil {
			t.Fatal(err)
		}
		if err := s.BlockHandoff(ctx, 9, 900); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ForgetUser(ctx, 9); err != nil {
			t.Fatal(err)
		}
		if ok, err := s.HandoffBlocked(ctx, 9); !ok || err != nil {
			t.Fatalf("after /forget: blocked %v %v, want the staff decision kept", ok, err)
		}
		if err := s.UnblockHandoff(ctx, 9); err != nil {
			t.Fatal(err)
		}
		if ok, _ := s.HandoffBlocked(ctx, 9); ok {
			t.Fatal("still blocked after unblocking")
		}
	})
}

func TestDecisions(t *testing.T) {
	backends(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		ans := map[string]string{"full_name": "Noy Phommasane"}
		for uid := int64(1); uid <= 4; uid++ {
			if _, _, err := s.Register(ctx, "p", uid, "lo", ans, 2, true); err != nil {
				t.Fatal(err)
			}
		}
		// 1 and 2 hold the two places; 3 and 4 wait. Staff put 3 on the waiting list themselves.
		if res, err := s.Decide(ctx, "p", 3, store.DecisionWaitlisted, 0, 900, 11, 2, false); err != nil || res.Outcome != store.Decided || res.Version != 1 {
			t.Fatalf("wait-list 3: %+v %v", res, err)
		}
		// The same update handled again is recognised; a tap made for the old version changes nothing.
		if res, _ := s.Decide(ctx, "p", 3, store.DecisionWaitlisted, 0, 900, 11, 2, false); res.Outcome != store.DecidedAgain {
			t.Fatalf("same update again: %+v", res)
		}
		if res, _ := s.Decide(ctx, "p", 3, store.DecisionDeclined, 0, 901, 12, 2, false); res.Outcome != store.DecisionChanged || res.Version != 1 {
			t.Fatalf("stale version: %+v", res)
		}
		// Accepting someone waiting while the programme is full needs the explicit choice.
		if res, _ := s.Decide(ctx, "p", 4, store.DecisionAccepted, 0, 900, 13, 2, false); res.Outcome != store.DecisionFull {
			t.Fatalf("accept while full: %+v", res)
		}
		// Declining 1 frees a place: it goes to 4, not to 3 whom staff put on the list.
		res, err := s.Decide(ctx, "p", 1, store.DecisionDeclined, 0, 900, 14, 2, false)
		if err != nil || res.Outcome != store.Decided || res.Promoted != 4 {
			t.Fatalf("decline 1: %+v %v, want 4 promoted", res, err)
		}
		r1, _ := s.GetRegistration(ctx, "p", 1)
		if r1.Status != store.StatusDeclined || r1.Decision != store.DecisionDeclined || r1.DecidedBy != 900 || r1.DecisionVersion != 1 {
			t.Fatalf("declined registration: %+v", r1)
		}
		if reg, wait, _ := s.Counts(ctx, "p"); reg != 2 || wait != 1 {
			t.Fatalf("counts after decline: %d registered, %d waiting, want 2 and 1", reg, wait)
		}
		// Declined cannot apply again over the decision.
		if again, created, _ := s.Register(ctx, "p", 1, "lo", ans, 2, true); created || again.Status != store.StatusDeclined {
			t.Fatalf("re-apply after decline: %+v %v", again, created)
		}
		// A reason is for one decision: given for the current one, refused for an old one.
		if out, n, err := s.SetReason(ctx, "p", 1, 1, "Hồ sơ chưa đủ", 15); err != nil || out != store.Decided || n != 1 {
			t.Fatalf("reason: %s %d %v", out, n, err)
		}
		if out, n, _ := s.SetReason(ctx, "p", 1, 1, "Hồ sơ chưa đủ", 15); out != store.DecidedAgain || n != 1 {
			t.Fatalf("reason again: %s %d", out, n)
		}
		if out, _, _ := s.SetReason(ctx, "p", 1, 0, "x", 16); out != store.DecisionChanged {
			t.Fatalf("reason for an old decision: %s", out)
		}
		if r, _ := s.GetRegistration(ctx, "p", 1); r.Reason != "Hồ sơ chưa đủ" {
			t.Fatalf("reason stored: %+v", r)
		}
		// Accepting 3 beyond capacity, explicitly.
		if res, _ := s.Decide(ctx, "p", 3, store.DecisionAccepted, 1, 900, 17, 2, true); res.Outcome != store.Decided {
			t.Fatalf("accept beyond capacity: %+v", res)
		}
		if reg, wait, _ := s.Counts(ctx, "p"); reg != 3 || wait != 0 {
			t.Fatalf("counts beyond capacity: %d %d", reg, wait)
		}
		// Withdrawing a declined registration deletes the answers and staff's reason.
		if _, err := s.Withdraw(ctx, "p", 1); err != nil {
			t.Fatal(err)
		}
		if r, _ := s.GetRegistration(ctx, "p", 1); r.Status != store.StatusWithdrawn || r.Reason != "" || r.Answers != nil {
			t.Fatalf("withdrawn declined registration: %+v", r)
		}
		if _, err := s.Decide(ctx, "p", 1, store.DecisionAccepted, 1, 900, 18, 2, false); !errors.Is(err, store.ErrNotActive) {
			t.Fatalf("decide on withdrawn: %v", err)
		}
		// A reason prompt round-trips.
		pr := store.ReasonPrompt{Programme: "p", UserID: 2, Version: 0, CardChat: -7000, CardID: 42}
		if err := s.SaveReasonPrompt(ctx, -7000, 43, pr); err != nil {
			t.Fatal(err)
		}
		if got, err := s.GetReasonPrompt(ctx, -7000, 43); err != nil || got != pr {
			t.Fatalf("prompt: %+v %v", got, err)
		}
		if _, err := s.GetReasonPrompt(ctx, -7000, 44); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("no prompt: %v", err)
		}
	})
}

// TestBroadcasts_ForgetTakesTheUserOut: after /forget, no broadcast keeps who the user was or what they got,
// and the broadcast's figures stay as they were.
func TestBroadcasts_ForgetTakesTheUserOut(t *testing.T) {
	backends(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		for _, uid := range []int64{5, 6} {
			if _, err := s.TouchUser(ctx, uid, "lo"); err != nil {
				t.Fatal(err)
			}
		}
		id, err := s.CreateBroadcast(ctx, []byte(`{}`), time.Unix(0, 0))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.AddBroadcastRecipients(ctx, id, []int64{5, 6}, 0, true, nil, nil); err != nil {
			t.Fatal(err)
		}
		for _, uid := range []int64{5, 6} {
			if _, err := s.RecordBroadcastOutcome(ctx, id, uid, store.OutcomeSent); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.ForgetUser(ctx, 5); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.BroadcastOutcome(ctx, id, 5); got != "" {
			t.Errorf("outcome of the forgotten user kept: %q", got)
		}
		if got, _ := s.BroadcastOutcome(ctx, id, 6); got != store.OutcomeSent {
			t.Errorf("outcome of another user: %q", got)
		}
		if b, _ := s.GetBroadcast(ctx, id); b.Sent != 2 || b.Total != 2 {
			t.Errorf("figures changed: %+v", b)
		}
	})
}
