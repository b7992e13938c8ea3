package redistest

import (
	"context"
	"testing"
)

// TestPersistent_KeepsAcknowledgedWritesAcrossACrash: a write Redis answered is there after SIGKILL and a
// restart on the same address, and a plain Start server (no persistence) comes back empty from Stop and Up.
func TestPersistent_KeepsAcknowledgedWritesAcrossACrash(t *testing.T) {
	ctx := context.Background()
	s := StartPersistent(t)
	c := s.Client()
	for i := range 100 {
		if err := c.RPush(ctx, "list", i).Err(); err != nil {
			t.Fatal(err)
		}
	}
	s.Crash()
	if err := c.Ping(ctx).Err(); err == nil {
		t.Fatal("PING answered after Crash")
	}
	s.Restart()
	if n, err := c.LLen(ctx, "list").Result(); err != nil || n != 100 {
		t.Fatalf("after the crash: %d items (%v), want 100", n, err)
	}

	plain := Start(t)
	pc := plain.Client()
	if err := pc.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	plain.Stop()
	plain.Up()
	if n, err := pc.Exists(ctx, "k").Result(); err != nil || n != 0 {
		t.Fatalf("a server without persistence kept %d keys (%v)", n, err)
	}
}
