package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ufo-thanhhoa/huunghi/bot/telegramtest"
)

// serveChild is the real `huunghi serve` process, run from this test binary (TestMain starts serve when
// HUUNGHI_TEST_CHILD is set), so that a test can kill it with SIGKILL — no deferred function, no shutdown,
// exactly what an OOM kill or a power cut leaves — and start it again on the same Redis and fake Bot API.
type serveChild struct {
	t   testing.TB
	env []string
	// logFile is shared by every start: the child writes it directly (no copying goroutine that a kill
	// could cut short), and a failure message shows the whole history of restarts.
	logFile *os.File
	cmd     *exec.Cmd
	starts  int // how many times the process was started
}

// newServeChild prepares a child against srv and redisURL, with polling, no global send pacing and no
// metrics listener; extra ("KEY=value") adds to or overrides that environment. It does not start it. A
// child still running when the test ends is killed.
func newServeChild(t testing.TB, srv *telegramtest.Server, redisURL string, extra ...string) *serveChild {
	t.Helper()
	f, err := os.Create(t.TempDir() + "/serve.log")
	if err != nil {
		t.Fatal(err)
	}
	c := &serveChild{t: t, logFile: f, env: append([]string{
		"HUUNGHI_TEST_CHILD=serve",
		"TELEGRAM_TOKEN=" + telegramtest.Token,
		"TELEGRAM_API_URL=" + srv.URL(),
		"REDIS_URL=" + redisURL,
		"HTTP_ADDR=127.0.0.1:0",
		"METRICS_ADDR=off",
		"SEND_RATE=0",
	}, extra...)}
	t.Cleanup(func() {
		if c.cmd != nil {
			c.kill()
		}
		_ = f.Close()
	})
	return c
}

// start starts the process; it must not be running.
func (c *serveChild) start() {
	c.t.Helper()
	if c.cmd != nil {
		c.t.Fatal("serveChild.start: already running")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	// os/exec keeps the last of duplicate keys, so extra overrides the defaults and the test's own env.
	cmd.Env = append(os.Environ(), c.env...)
	cmd.Stdout, cmd.Stderr = c.logFile, c.logFile
	if err := cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	c.cmd = cmd
	c.starts++
}

// exited reports whether the running process has ended (it is reaped by kill or stop).
func (c *serveChild) exited() bool {
	return c.cmd.Process.Signal(syscall.Signal(0)) != nil
}

// kill sends SIGKILL and waits for the process to be gone.
func (c *serveChild) kill() {
	c.t.Helper()
	if c.cmd == nil {
		return
	}
	if err := c.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		c.t.Fatal(err)
	}
	_ = c.cmd.Wait()
	c.cmd = nil
}

// stop sends SIGTERM and waits up to timeout for a clean exit; past it the process is killed and stop
// says so.
func (c *serveChild) stop(timeout time.Duration) error {
	if c.cmd == nil {
		return nil
	}
	// A SIGTERM that arrives before the process has set up its signal handling kills it outright (what a
	// real supervisor's stop right after a start would do too): wait until this start has logged
	// "starting", which it does after that, or has exited.
	for deadline := time.Now().Add(timeout); strings.Count(c.logs(), `"msg":"starting"`) < c.starts && time.Now().Before(deadline); {
		if c.exited() {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	cmd := c.cmd
	c.cmd = nil
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return fmt.Errorf("SIGTERM: %w", err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("exit after SIGTERM: %v\n%s", err, c.logs())
		}
		return nil
	case <-time.After(timeout):
		_ = cmd.Process.Kill()
		<-done
		return fmt.Errorf("no exit within %v of SIGTERM", timeout)
	}
}

// logs is everything the child processes wrote so far.
func (c *serveChild) logs() string {
	b, _ := os.ReadFile(c.logFile.Name())
	return string(b)
}
