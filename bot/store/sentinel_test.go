package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/ufo-thanhhoa/huunghi/bot/store"
	"github.com/ufo-thanhhoa/huunghi/bot/store/redistest"
)

// TestSentinel_FailoverKeepsTheStoreWorking runs the store through a real Sentinel set (REDIS_MODE=sentinel's
// client): the master dies, the Sentinel promotes the replica, and the same client carries on against the
// new master with what was replicated — a registration made before, a queue taken and acknowledged after.
func TestSentinel_FailoverKeepsTheStoreWorking(t *testing.T) {
	t.Parallel() // waits on the Sentinel's failover, not the CPU
	set := redistest.StartSentinel(t)
	rdb := set.Client()
	s := store.New(rdb)
	ctx := context.Background()
	if _, err := s.StoreUpdate(ctx, 1, 77, []byte(`{"update_id":1}`), 20); err != nil {
		t.Fatal(err)
	}
	if _, err := s.TouchUser(ctx, 77, "lo"); err != nil {
		t.Fatal(err)
	}
	// Replication is asynchronous: wait for the replica to have it, as min-replicas-to-write would.
	if n, err := rdb.Do(ctx, "WAIT", 1, 5000).Int(); err != nil || n != 1 {
		t.Fatalf("WAIT: %d replicas %v", n, err)
	}
	old := set.MasterAddr()
	set.Master.Stop()
	deadline := time.Now().Add(30 * time.Second)
	for set.MasterAddr() == old {
		if time.Now().After(deadline) {
			t.Fatal("the Sentinel did not promote the replica within 30 s")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if got := set.MasterAddr(); got != set.Replica.Addr {
		t.Fatalf("new master %s, want the replica %s", got, set.Replica.Addr)
	}
	var l *store.ChatLock
	var head store.Head
	var err error
	for end := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if l, head, err = s.TakeChat(ctx, 77, time.Minute); err == nil || time.Now().After(end) {
			break
		}
	}
	if err != nil || string(head.Raw) != `{"update_id":1}` {
		t.Fatalf("after the failover: %q %v, want the queued update on the new master", head.Raw, err)
	}
	if next, err := l.Ack(ctx, head.Raw); err != nil || next.Raw != nil {
		t.Fatalf("ack on the new master: %q %v", next.Raw, err)
	}
	if u, err := s.GetUser(ctx, 77); err != nil || u.TelegramLang != "lo" {
		t.Fatalf("the user after the failover: %+v %v", u, err)
	}
}
