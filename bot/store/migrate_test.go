package store_test

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ufo-thanhhoa/huunghi/bot/store"
)

// allKeys lists every key, on every master of a cluster.
func allKeys(t *testing.T, rdb redis.UniversalClient) []string {
	t.Helper()
	ctx := context.Background()
	var mu sync.Mutex
	var keys []string
	scan := func(ctx context.Context, c *redis.Client) error {
		ks, err := c.Keys(ctx, "*").Result()
		mu.Lock()
		keys = append(keys, ks...)
		mu.Unlock()
		return err
	}
	var err error
	if cc, ok := rdb.(*redis.ClusterClient); ok {
		err = cc.ForEachMaster(ctx, scan)
	} else {
		err = scan(ctx, rdb.(*redis.Client))
	}
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// downgrade renames every key of the schema to the name an older version gave it ("{hn}:x" to "hn:x"),
// TTL kept: the store as a deployment from before the hash tag left it. DUMP and RESTORE, since on a
// cluster the two names are in different slots.
func downgrade(t *testing.T, rdb redis.UniversalClient) int {
	t.Helper()
	ctx := context.Background()
	n := 0
	for _, k := range allKeys(t, rdb) {
		rest, ok := strings.CutPrefix(k, store.Key(""))
		if !ok {
			continue
		}
		data, err := rdb.Dump(ctx, k).Result()
		if err != nil {
			t.Fatal(err)
		}
		ttl := rdb.PTTL(ctx, k).Val()
		if ttl < 0 {
			ttl = 0
		}
		if err := rdb.Restore(ctx, "hn:"+rest, ttl, data).Err(); err != nil {
			t.Fatal(err)
		}
		rdb.Del(ctx, k)
		n++
	}
	return n
}

// TestMigrateKeyPrefix: a store written by a version from before the hash tag (a user who chose Lao, an
// update queued for their chat and not yet handled, a form session with its 7 day TTL, a registration) is
// renamed at start: the store reads all of it back, TTLs kept, nothing left under the old names; a second
// run is one GET and changes nothing.
func TestMigrateKeyPrefix(t *testing.T) {
	realBackends(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		rdb := s.Redis()
		if _, err := s.TouchUser(ctx, 42, "en"); err != nil {
			t.Fatal(err)
		}
		must(t, s.SetLanguage(ctx, 42, "lo", store.LangExplicit))
		raw := []byte(`{"update_id":1001,"message":{"chat":{"id":42}}}`)
		if _, err := s.StoreUpdate(ctx, 1001, 42, raw, 20); err != nil {
			t.Fatal(err)
		}
		must(t, s.SaveSession(ctx, 42, store.Session{Flow: "form", Data: json.RawMessage(`{"step":2}`), Updated: statsDay}))
		if _, _, err := s.Register(ctx, "p", 42, "lo", map[string]string{"name": "x"}, 0, false); err != nil {
			t.Fatal(err)
		}
		sessionTTL := rdb.TTL(ctx, store.Key("session:42")).Val()
		if sessionTTL <= 0 {
			t.Fatalf("the session has no TTL to keep (%v)", sessionTTL)
		}
		seeded := downgrade(t, rdb)
		if n, _ := rdb.Exists(ctx, store.Key("user:42")).Result(); n != 0 || seeded < 8 {
			t.Fatalf("downgrade: %d keys, new names left: %d", seeded, n)
		}
		if _, err := s.GetUser(ctx, 42); err == nil {
			t.Fatal("before the migration the store must not see the old keys (else this test proves nothing)")
		}

		m, err := s.MigrateKeyPrefix(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if m.Renamed != seeded || m.Kept != 0 || m.Waited {
			t.Fatalf("migration: %+v, want %d renamed", m, seeded)
		}
		for _, k := range allKeys(t, rdb) {
			if strings.HasPrefix(k, "hn:") {
				t.Errorf("old key left: %s", k)
			}
		}
		if u, err := s.GetUser(ctx, 42); err != nil || u.Lang != "lo" {
			t.Errorf("user after migration: %+v %v, want Lao", u, err)
		}
		if chats, err := s.PendingChats(ctx, 10); err != nil || len(chats) != 1 || chats[0] != 42 {
			t.Errorf("pending chats after migration: %v %v, want [42]", chats, err)
		}
		if l, head, err := s.TakeChat(ctx, 42, time.Minute); err != nil || string(head.Raw) != string(raw) {
			t.Errorf("queued update after migration: %q %v, want it still queued", head.Raw, err)
		} else {
			_ = l.Release(ctx)
		}
		if sess, err := s.GetSession(ctx, 42); err != nil || sess.Flow != "form" {
			t.Errorf("session after migration: %+v %v", sess, err)
		}
		if ttl := rdb.TTL(ctx, store.Key("session:42")).Val(); ttl <= 0 || ttl > sessionTTL {
			t.Errorf("session TTL after migration: %v, want the old one kept (≤ %v)", ttl, sessionTTL)
		}
		if reg, err := s.GetRegistration(ctx, "p", 42); err != nil || reg.Ref == "" {
			t.Errorf("registration after migration: %+v %v", reg, err)
		}

		again, err := s.MigrateKeyPrefix(ctx)
		if err != nil || again != (store.PrefixMigration{}) {
			t.Errorf("second run: %+v %v, want nothing done", again, err)
		}
		if u, err := s.GetUser(ctx, 42); err != nil || u.Lang != "lo" {
			t.Errorf("user after a second run: %+v %v", u, err)
		}
	})
}

// TestMigrateKeyPrefix_NeverOverwrites: a key present under both names (the new one written by this version
// already) keeps the new value, and the old one is left for an operator, counted.
func TestMigrateKeyPrefix_NeverOverwrites(t *testing.T) {
	realBackends(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		rdb := s.Redis()
		must(t, rdb.Set(ctx, "hn:reg:seq", "7", 0).Err())
		must(t, rdb.Set(ctx, store.Key("reg:seq"), "9", 0).Err())
		must(t, rdb.Set(ctx, "hn:lastq:5", "q", time.Hour).Err())
		m, err := s.MigrateKeyPrefix(ctx)
		if err != nil || m.Renamed != 1 || m.Kept != 1 {
			t.Fatalf("migration: %+v %v, want 1 renamed, 1 kept", m, err)
		}
		if v := rdb.Get(ctx, store.Key("reg:seq")).Val(); v != "9" {
			t.Errorf("new key overwritten: %q, want 9", v)
		}
		if v := rdb.Get(ctx, "hn:reg:seq").Val(); v != "7" {
			t.Errorf("old key lost: %q, want it kept", v)
		}
		if ttl := rdb.TTL(ctx, store.Key("lastq:5")).Val(); ttl <= 0 || ttl > time.Hour {
			t.Errorf("TTL after rename: %v, want it kept", ttl)
		}
	})
}

// TestMigrateKeyPrefix_Replicas: two replicas starting together rename each key once between them, and
// both return only once it is all done; one whose predecessor died midway (its claim left to expire)
// takes the work over.
func TestMigrateKeyPrefix_Replicas(t *testing.T) {
	realBackends(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		rdb := s.Redis()
		const keys = 500
		for i := range keys {
			must(t, rdb.Set(ctx, "hn:upd:seen:"+strconv.Itoa(i), "1", time.Hour).Err())
		}
		// A replica that died renaming: its claim is there and expires.
		must(t, rdb.Set(ctx, store.Key("migrate:prefix"), "running:dead", 300*time.Millisecond).Err())
		other := store.New(rdb)
		var wg sync.WaitGroup
		results := make([]store.PrefixMigration, 2)
		errs := make([]error, 2)
		for i, st := range []*store.Store{s, other} {
			wg.Go(func() { results[i], errs[i] = st.MigrateKeyPrefix(ctx) })
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("replica %d: %v", i, err)
			}
			if !results[i].Waited {
				t.Errorf("replica %d did not wait for the dead one's claim: %+v", i, results[i])
			}
		}
		if got := results[0].Renamed + results[1].Renamed; got != keys {
			t.Errorf("renamed %d keys between the replicas, want %d", got, keys)
		}
		if v := rdb.Get(ctx, store.Key("migrate:prefix")).Val(); v != "done" {
			t.Errorf("state: %q, want done", v)
		}
		for _, k := range allKeys(t, rdb) {
			if strings.HasPrefix(k, "hn:") {
				t.Fatalf("old key left: %s", k)
			}
		}
	})
}
