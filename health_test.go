package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/ufo-thanhhoa/huunghi/bot"
	"github.com/ufo-thanhhoa/huunghi/bot/store/redistest"
	"github.com/ufo-thanhhoa/huunghi/bot/telegramtest"
)

// startBot runs the real bot (bot.New, Run) against the fake Bot API and redisURL, on a free loopback port,
// and returns its HTTP address and a stop function that returns once Run has.
func startBot(t *testing.T, redisURL string) (addr string, stop func()) {
	t.Helper()
	api := telegramtest.New()
	t.Cleanup(api.Close)
	env := map[string]string{
		"TELEGRAM_TOKEN": telegramtest.Token, "TELEGRAM_API_URL": api.URL(), "REDIS_URL": redisURL,
		"HTTP_ADDR": "127.0.0.1:0", "METRICS_ADDR": "off", "SEND_RATE": "0",
	}
	cfg, err := bot.ParseConfig(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	// Intake counts as running once a getUpdates has returned: a short long-poll gets there quickly.
	content := embedded(t)
	app, err := bot.New(cfg, content, newLogger(io.Discard, 0), bot.WithPollWait(time.Second), bot.WithMatcher(shippedMatcher()))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- app.Run(ctx) }()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("run: %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Error("the bot did not stop within 15 s")
		}
	}
	t.Cleanup(stop)
	wait, waited := context.WithTimeout(ctx, 10*time.Second)
	defer waited()
	if addr, err = app.HTTPAddr(wait); err != nil {
		t.Fatalf("the bot did not listen: %v", err)
	}
	return addr, stop
}

// health runs `huunghi health args...` with env and returns its exit status and what it printed.
func health(t *testing.T, env map[string]string, args ...string) (int, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), append([]string{"health"}, args...), func(k string) string { return env[k] }, nil, &out, &errOut)
	code := 0
	if err != nil {
		e, ok := err.(exitError)
		if !ok {
			t.Fatalf("health: %v (not an exit status)", err)
		}
		code = int(e)
	}
	return code, out.String() + errOut.String()
}

// awaitHealth runs the probe until it exits with want, for up to 10 s (the bot gets ready, or notices
// Redis went away, in its own time), and returns the last output.
func awaitHealth(t *testing.T, want int, env map[string]string, args ...string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		code, out := health(t, env, args...)
		if code == want {
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("health %v: exit %d, want %d; last output: %s", args, code, want, out)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestHealth_AgainstARealBot: ready → 0; Redis gone → 1 saying so; the bot stopped → 1 saying nothing
// listens. Each answer is one line.
func TestHealth_AgainstARealBot(t *testing.T) {
	t.Parallel()
	rs := redistest.Start(t)
	addr, stop := startBot(t, rs.URL())
	url := "http://" + addr

	out := awaitHealth(t, 0, nil, "--url", url)
	if want := "healthy: " + url + " ready\n"; out != want {
		t.Errorf("healthy: got %q, want %q", out, want)
	}
	// The address serve listens on, from HTTP_ADDR as serve reads it: no flag needed in the container.
	if code, out := health(t, map[string]string{"HTTP_ADDR": addr}); code != 0 {
		t.Errorf("health with HTTP_ADDR=%s: exit %d: %s", addr, code, out)
	}

	rs.Stop()
	out = awaitHealth(t, 1, nil, "--url", url)
	if !strings.HasPrefix(out, "unhealthy: GET "+url+"/readyz: 503 Service Unavailable redis unreachable") || strings.Count(out, "\n") != 1 {
		t.Errorf("Redis down: got %q, want one line saying Redis is unreachable", out)
	}

	stop()
	code, out := health(t, nil, "--url", url)
	if code != 1 || !strings.Contains(out, "unhealthy: GET "+url+"/healthz") || !strings.Contains(out, "connection refused") || strings.Count(out, "\n") != 1 {
		t.Errorf("nothing listening: exit %d, %q; want 1 and one line saying the connection was refused", code, out)
	}
}

// TestHealth_NotReadyUntilRedisAnswers: a bot started while Redis is unreachable serves /healthz but is not
// ready, and the probe says so.
func TestHealth_NotReadyUntilRedisAnswers(t *testing.T) {
	redisAddr := redistest.FreeAddr(t) // a port that refuses: nothing listens on it
	addr, _ := startBot(t, "redis://"+redisAddr+"/0")
	code, out := health(t, nil, "--url", "http://"+addr)
	if code != 1 || !strings.Contains(out, "/readyz: 503 Service Unavailable redis unreachable") {
		t.Errorf("Redis never reached: exit %d, %q; want 1, redis unreachable", code, out)
	}
}

// TestHealth_Timeout: a server that accepts and never answers is unhealthy within the probe's 3 s.
func TestHealth_Timeout(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close() // held open, silent, until the listener closes
		}
	}()
	start := time.Now()
	code, out := health(t, nil, "--url", "http://"+ln.Addr().String())
	if code != 1 || !strings.Contains(out, "context deadline exceeded") {
		t.Errorf("silent server: exit %d, %q; want 1 and a timeout", code, out)
	}
	if took := time.Since(start); took > healthTimeout+2*time.Second {
		t.Errorf("the probe took %v, past its %v timeout", took, healthTimeout)
	}
}

func TestHealthURL(t *testing.T) {
	for _, tc := range []struct{ addr, want, err string }{
		{"", "http://127.0.0.1:8080", ""},
		{":8080", "http://127.0.0.1:8080", ""},
		{"0.0.0.0:9000", "http://127.0.0.1:9000", ""},
		{"[::]:9000", "http://127.0.0.1:9000", ""},
		{"10.0.0.5:8080", "http://10.0.0.5:8080", ""},
		{"[::1]:8080", "http://[::1]:8080", ""},
		{"bot.internal:8080", "http://bot.internal:8080", ""},
		{"8080", "", "HTTP_ADDR: want host:port"},
		{"127.0.0.1:0", "", "give --url"},
	} {
		got, err := healthURL(tc.addr)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("healthURL(%q): got %q, %v; want an error with %q", tc.addr, got, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("healthURL(%q): got %q, %v; want %q", tc.addr, got, err, tc.want)
		}
	}
}
