package redistest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// clusterMasters is how many masters a test cluster has: the smallest Redis Cluster that spreads slots,
// so that a key outside the bot's hash tag lands on another node and a script touching it fails as it
// would in production.
const clusterMasters = 3

// nodes are the redis-server processes of one cluster.
type nodes struct {
	addrs []string
	cmds  []*exec.Cmd
	once  sync.Once
}

// Cluster is a real Redis Cluster of three masters (no replicas) on free loopback ports, each node in its
// own temporary directory, slots spread evenly over them. The store's scripts must keep all their keys in
// one slot there; a test against a single server cannot tell.
type Cluster struct {
	t testing.TB
	n *nodes
}

// StartCluster starts a cluster for t alone, stopped by t.Cleanup. Starting one takes a second or two:
// tests that can share one use SharedCluster.
func StartCluster(t testing.TB) *Cluster {
	t.Helper()
	n := startNodes(t, t.TempDir())
	t.Cleanup(n.stop)
	return &Cluster{t: t, n: n}
}

var shared struct {
	mu  sync.Mutex
	n   *nodes
	dir string
	err error
}

// Main runs a package's tests and then stops the shared cluster and removes its directory; a package that
// uses SharedCluster calls it from TestMain: func TestMain(m *testing.M) { os.Exit(redistest.Main(m)) }.
func Main(m *testing.M) int {
	code := m.Run()
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.n != nil {
		shared.n.stop()
	}
	if shared.dir != "" {
		_ = os.RemoveAll(shared.dir)
	}
	return code
}

// SharedCluster returns the test binary's one cluster, started by the first call, emptied (FLUSHALL on
// every master) for t. It outlives the test: its processes are killed when the test binary exits (on
// Linux even when it is killed, through the parent-death signal). Tests using it must not run in parallel
// with each other (the store's tests do not), since each one empties it.
func SharedCluster(t testing.TB) *Cluster {
	t.Helper()
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.n == nil && shared.err == nil {
		// Not t.TempDir(): the nodes write their cluster configuration there for as long as they run.
		dir, err := os.MkdirTemp("", "redistest-cluster-")
		if err != nil {
			shared.err = err
		} else {
			shared.dir = dir
			// Set until the start succeeds: a cluster that fails to start fails the next tests at once
			// rather than making each one wait for the timeout again.
			shared.err = fmt.Errorf("it failed to start in an earlier test")
			shared.n = startNodes(t, dir)
			shared.err = nil
		}
	}
	if shared.err != nil {
		t.Fatalf("shared cluster: %v", shared.err)
	}
	c := &Cluster{t: t, n: shared.n}
	c.Flush()
	return c
}

// Addrs are the masters' addresses.
func (c *Cluster) Addrs() []string { return c.n.addrs }

// URL is the cluster as a REDIS_URL for REDIS_MODE=cluster: the first node, the others as addr parameters.
func (c *Cluster) URL() string {
	var q []string
	for _, a := range c.n.addrs[1:] {
		q = append(q, "addr="+a)
	}
	return "redis://" + c.n.addrs[0] + "?" + strings.Join(q, "&")
}

// Client returns a cluster client, closed by the test's cleanup.
func (c *Cluster) Client() *redis.ClusterClient {
	cc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: c.n.addrs})
	c.t.Cleanup(func() { _ = cc.Close() })
	return cc
}

// Flush empties every master.
func (c *Cluster) Flush() {
	c.t.Helper()
	for _, a := range c.n.addrs {
		n := redis.NewClient(&redis.Options{Addr: a})
		err := n.FlushAll(context.Background()).Err()
		_ = n.Close()
		if err != nil {
			c.t.Fatalf("flush cluster node %s: %v", a, err)
		}
	}
}

// startNodes starts the servers, gives each a third of the slots, introduces them to each other and waits
// until every node says cluster_state:ok with all slots assigned. It is CLUSTER ADDSLOTSRANGE and CLUSTER
// MEET from Go rather than redis-cli --cluster create, so that redis-server is all a machine needs.
func startNodes(t testing.TB, dir string) *nodes {
	t.Helper()
	bin := binary(t)
	n := &nodes{}
	var buses []int
	fail := func(format string, args ...any) {
		t.Helper()
		n.stop()
		t.Fatalf(format, args...)
	}
	for i := range clusterMasters {
		port, bus := freePort(t), freePort(t)
		nodeDir := fmt.Sprintf("%s/node%d", dir, i)
		if err := os.Mkdir(nodeDir, 0o700); err != nil {
			fail("cluster node dir: %v", err)
		}
		cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", nodeDir,
			"--cluster-enabled", "yes", "--cluster-config-file", nodeDir+"/nodes.conf",
			"--cluster-port", strconv.Itoa(bus), "--cluster-node-timeout", "5000",
			"--save", "", "--appendonly", "no", "--protected-mode", "no", "--loglevel", "warning")
		dieWithParent(cmd)
		if err := cmd.Start(); err != nil {
			fail("start cluster node: %v", err)
		}
		n.cmds = append(n.cmds, cmd)
		buses = append(buses, bus)
		n.addrs = append(n.addrs, net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	}
	ctx := context.Background()
	clients := make([]*redis.Client, len(n.addrs))
	for i, a := range n.addrs {
		clients[i] = redis.NewClient(&redis.Options{Addr: a, MaxRetries: -1})
		defer clients[i].Close()
		if err := waitPing(clients[i], nil); err != nil {
			fail("cluster node %s did not answer: %v", a, err)
		}
	}
	const slots = 16384
	for i, c := range clients {
		lo, hi := i*slots/len(clients), (i+1)*slots/len(clients)-1
		if err := c.ClusterAddSlotsRange(ctx, lo, hi).Err(); err != nil {
			fail("assign slots %d-%d to %s: %v", lo, hi, n.addrs[i], err)
		}
		// Distinct epochs from the start, so that no node has to settle a collision before it is ok.
		if err := c.Do(ctx, "CLUSTER", "SET-CONFIG-EPOCH", i+1).Err(); err != nil {
			fail("set config epoch of %s: %v", n.addrs[i], err)
		}
	}
	for i, a := range n.addrs[1:] {
		host, port, _ := net.SplitHostPort(a)
		// The bus port is given: it is not the default port+10000, which may be taken or out of range.
		if err := clients[0].Do(ctx, "CLUSTER", "MEET", host, port, buses[i+1]).Err(); err != nil {
			fail("cluster meet %s: %v", a, err)
		}
	}
	deadline := time.Now().Add(20 * time.Second)
	for i, c := range clients {
		for {
			info, err := c.ClusterInfo(ctx).Result()
			if err == nil && strings.Contains(info, "cluster_state:ok") &&
				strings.Contains(info, "cluster_slots_assigned:16384") &&
				strings.Contains(info, "cluster_known_nodes:"+strconv.Itoa(clusterMasters)) {
				break
			}
			if time.Now().After(deadline) {
				fail("cluster node %s not ok after 20s: %v\n%s", n.addrs[i], err, info)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	return n
}

// stop kills every node. Safe to call twice.
func (n *nodes) stop() {
	n.once.Do(func() {
		for _, cmd := range n.cmds {
			if cmd.Process != nil {
				_ = cmd.Process.Kill()
				_ = cmd.Wait()
			}
		}
	})
}

// waitPing waits up to 10 s for a freshly started server to answer, and returns errExited as soon as
// exited (when not nil) is closed.
func waitPing(c *redis.Client, exited <-chan struct{}) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		err := c.Ping(ctx).Err()
		cancel()
		if err == nil || time.Now().After(deadline) {
			return err
		}
		select {
		case <-exited:
			return errExited
		case <-time.After(20 * time.Millisecond):
		}
	}
}
