// Package redistest starts a real redis-server for tests: on a free loopback port, in the test's temp dir,
// without persistence, stopped when the test ends. Tests that touch state run against it rather than a mock,
// because Lua scripts, TTLs and blocking commands are where a fake diverges from Redis.
//
// A missing redis-server is installed with apt where the tests run as root on Debian, or fails the tests
// with what to do (binary.go): a suite that silently skips its storage tests is a suite that lies.
package redistest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Server is a running redis-server owned by one test.
type Server struct {
	t    testing.TB
	Addr string
	dir  string
	cmd  *exec.Cmd
	// exited is closed once cmd has been waited for: a server that dies while starting is noticed at once.
	exited chan struct{}
	// persistent: an append-only file fsynced on every write, kept across Crash and Restart
	// (StartPersistent).
	persistent bool
}

// Start launches redis-server for t and returns it; it is stopped by t.Cleanup.
func Start(t testing.TB) *Server {
	t.Helper()
	s := &Server{t: t, dir: t.TempDir()}
	s.startOnFreePort()
	t.Cleanup(s.Stop)
	return s
}

// startOnFreePort starts the server on a port freePort draws, and on another if the server exits while
// starting (another test took the port between the draw and the bind).
func (s *Server) startOnFreePort() {
	s.t.Helper()
	var err error
	for range 5 {
		s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(freePort(s.t)))
		if err = s.launch(); !errors.Is(err, errExited) {
			break
		}
	}
	if err != nil {
		s.t.Fatal(err)
	}
}

// Client returns a go-redis client for the server, closed by t.Cleanup.
func (s *Server) Client() *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: s.Addr})
	s.t.Cleanup(func() { _ = c.Close() })
	return c
}

// URL returns the server's address as a REDIS_URL.
func (s *Server) URL() string { return "redis://" + s.Addr + "/0" }

// errExited is a server that exited before it answered: most often its port was taken.
var errExited = errors.New("redis-server exited while starting")

// start starts the server on its address, failing the test if it does not come up.
func (s *Server) start() {
	s.t.Helper()
	if err := s.launch(); err != nil {
		s.t.Fatal(err)
	}
}

// launch starts redis-server on s.Addr and waits until it answers PING, or says why it did not.
func (s *Server) launch() error {
	_, port, _ := net.SplitHostPort(s.Addr)
	persistence := []string{"--appendonly", "no"}
	if s.persistent {
		persistence = []string{"--appendonly", "yes", "--appendfsync", "always"}
	}
	args := append([]string{"--port", port, "--bind", "127.0.0.1", "--dir", s.dir, "--save", ""}, persistence...)
	cmd := exec.Command(binary(s.t), append(args, "--protected-mode", "no", "--loglevel", "warning")...)
	out := new(bytes.Buffer) // written by exec's copier until Wait returns; read only after exited
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start redis-server: %w", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	s.cmd, s.exited = cmd, exited
	// PING answers LOADING while an append-only file is read: only a PONG means the data is back.
	c := redis.NewClient(&redis.Options{Addr: s.Addr, MaxRetries: -1})
	defer c.Close()
	if err := waitPing(c, exited); err != nil {
		s.Stop()
		if errors.Is(err, errExited) {
			return fmt.Errorf("redis-server on %s: %w: %s", s.Addr, err, bytes.TrimSpace(out.Bytes()))
		}
		return fmt.Errorf("redis-server on %s did not answer: %w", s.Addr, err)
	}
	// The PONG may have come from another test's server that drew the same port and bound it first (ours
	// then exits "Address already in use", maybe after the PING): the server is ours only if INFO gives our
	// process's id. Otherwise the caller draws another port.
	if pid, err := serverPID(c); err != nil || pid != cmd.Process.Pid {
		s.Stop()
		return fmt.Errorf("redis-server on %s: %w: the port was answered by another server (pid %d, ours %d, %v)", s.Addr, errExited, pid, cmd.Process.Pid, err)
	}
	return nil
}

// serverPID returns the process id a Redis server reports.
func serverPID(c *redis.Client) (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	info, err := c.Info(ctx, "server").Result()
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "process_id:"); ok {
			return strconv.Atoi(v)
		}
	}
	return 0, errors.New("no process_id in INFO server")
}

// Stop kills the server (data is lost: the server keeps nothing on disk). Safe to call twice.
func (s *Server) Stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	<-s.exited
	s.cmd = nil
}

// Up starts a stopped server again, empty, on the same address: Stop then Up is "Redis briefly down".
func (s *Server) Up() { s.t.Helper(); s.start() }

// String describes the server for failure messages.
func (s *Server) String() string { return fmt.Sprintf("redis-server at %s", s.Addr) }

// Proxy is a TCP proxy in front of a Server whose link can be cut and restored, to make Redis unreachable
// for a while without losing its data (Stop and Up start an empty server).
type Proxy struct {
	t      testing.TB
	target string
	ln     net.Listener
	Addr   string

	mu    sync.Mutex
	cut   bool
	conns map[net.Conn]bool
}

// NewProxy starts a proxy to s on a free loopback port; it is closed by t.Cleanup.
func NewProxy(t testing.TB, s *Server) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("proxy listen: %v", err)
	}
	p := &Proxy{t: t, target: s.Addr, ln: ln, Addr: ln.Addr().String(), conns: map[net.Conn]bool{}}
	go p.serve()
	t.Cleanup(func() { _ = ln.Close(); p.Cut() })
	return p
}

// URL returns the proxy's address as a REDIS_URL.
func (p *Proxy) URL() string { return "redis://" + p.Addr + "/0" }

// Client returns a go-redis client through the proxy, closed by t.Cleanup.
func (p *Proxy) Client() *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: p.Addr})
	p.t.Cleanup(func() { _ = c.Close() })
	return c
}

// Cut closes every connection through the proxy and refuses new ones until Restore.
func (p *Proxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = true
	for c := range p.conns {
		_ = c.Close()
	}
	clear(p.conns)
}

// Restore lets connections through again.
func (p *Proxy) Restore() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = false
}

func (p *Proxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		if p.cut {
			p.mu.Unlock()
			_ = c.Close()
			continue
		}
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			p.mu.Unlock()
			_ = c.Close()
			continue
		}
		p.conns[c], p.conns[up] = true, true
		p.mu.Unlock()
		pipe := func(dst, src net.Conn) {
			_, _ = io.Copy(dst, src)
			_ = dst.Close()
			p.mu.Lock()
			delete(p.conns, dst)
			p.mu.Unlock()
		}
		go pipe(up, c)
		go pipe(c, up)
	}
}
