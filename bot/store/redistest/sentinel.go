package redistest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// SentinelMaster is the master name StartSentinel's Sentinel monitors.
const SentinelMaster = "huunghi"

// Sentinel is a real Redis Sentinel set for one test: a master, one replica of it, and one Sentinel
// (quorum 1) watching them, all on loopback. Killing the master (Master.Stop) makes the Sentinel promote the
// replica within a few seconds, as production's would.
type Sentinel struct {
	t               testing.TB
	Master, Replica *Server
	Addr            string // the Sentinel's
	cmd             *exec.Cmd
}

// StartSentinel starts the set and waits until the replica is in sync and the Sentinel knows both; it is
// stopped by t.Cleanup.
func StartSentinel(t testing.TB) *Sentinel {
	t.Helper()
	s := &Sentinel{t: t, Master: Start(t), Replica: Start(t)}
	ctx := context.Background()
	host, port, _ := net.SplitHostPort(s.Master.Addr)
	rc := s.Replica.Client()
	if err := rc.Do(ctx, "REPLICAOF", host, port).Err(); err != nil {
		t.Fatalf("replicaof: %v", err)
	}
	s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(freePort(t)))
	_, sport, _ := net.SplitHostPort(s.Addr)
	dir := t.TempDir()
	conf := filepath.Join(dir, "sentinel.conf")
	cfg := fmt.Sprintf("port %s\nbind 127.0.0.1\ndir %s\nprotected-mode no\n"+
		"sentinel monitor %s %s %s 1\nsentinel down-after-milliseconds %[3]s 1000\nsentinel failover-timeout %[3]s 10000\n",
		sport, dir, SentinelMaster, host, port)
	if err := os.WriteFile(conf, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	s.cmd = exec.Command(binary(t), conf, "--sentinel", "--loglevel", "warning")
	dieWithParent(s.cmd)
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("start sentinel: %v", err)
	}
	t.Cleanup(func() { _ = s.cmd.Process.Kill(); _ = s.cmd.Wait() })
	sc := redis.NewSentinelClient(&redis.Options{Addr: s.Addr, MaxRetries: -1})
	defer sc.Close()
	var why string
	if !until(20*time.Second, func() bool {
		reps, err := sc.Replicas(ctx, SentinelMaster).Result()
		info, _ := rc.Info(ctx, "replication").Result()
		why = fmt.Sprintf("replicas known to the Sentinel: %v (%v); replica: %q", reps, err, info)
		return err == nil && len(reps) > 0 && containsLine(info, "master_link_status:up")
	}) {
		t.Fatalf("the Sentinel set did not come up within 20 s: %s", why)
	}
	return s
}

// URL is the set as REDIS_URL (with REDIS_MODE=sentinel).
func (s *Sentinel) URL() string { return "redis://" + s.Addr + "/0?master_name=" + SentinelMaster }

// Client returns a go-redis failover client through the Sentinel, closed by t.Cleanup.
func (s *Sentinel) Client() *redis.Client {
	c := redis.NewFailoverClient(&redis.FailoverOptions{MasterName: SentinelMaster, SentinelAddrs: []string{s.Addr}})
	s.t.Cleanup(func() { _ = c.Close() })
	return c
}

// MasterAddr is the master's address as the Sentinel says now.
func (s *Sentinel) MasterAddr() string {
	sc := redis.NewSentinelClient(&redis.Options{Addr: s.Addr})
	defer sc.Close()
	a, err := sc.GetMasterAddrByName(context.Background(), SentinelMaster).Result()
	if err != nil || len(a) != 2 {
		return ""
	}
	return net.JoinHostPort(a[0], a[1])
}

// until polls cond every 50 ms until it holds or d passes.
func until(d time.Duration, cond func() bool) bool {
	for end := time.Now().Add(d); ; time.Sleep(50 * time.Millisecond) {
		if cond() {
			return true
		}
		if time.Now().After(end) {
			return false
		}
	}
}

// containsLine reports whether an INFO reply has the line.
func containsLine(info, line string) bool {
	return slices.Contains(strings.Split(strings.ReplaceAll(info, "\r", ""), "\n"), line)
}
