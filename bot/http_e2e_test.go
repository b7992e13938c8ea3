package bot_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ufo-thanhhoa/huunghi/bot"
	"github.com/ufo-thanhhoa/huunghi/bot/store/redistest"
)

// webhookHarness runs the bot in webhook mode on a fixed free port.
func webhookHarness(t testing.TB, secret string, opts ...bot.Option) (*harness, string) {
	t.Helper()
	addr := redistest.FreeAddr(t)
	h := newHarness(t, map[string]string{
		"HTTP_ADDR":      addr,
		"WEBHOOK_URL":    "http://" + addr + "/tg/hook",
		"WEBHOOK_SECRET": secret,
	}, opts...)
	if !h.srv.Wait(func() bool { u, _ := h.srv.Webhook(); return u != "" }, wait) {
		t.Fatal("setWebhook was not called")
	}
	return h, addr
}

// TestHTTP_SilentAndSlowClientsDoNoHarm opens far more connections than the public listener keeps — silent
// ones, and ones that send complete headers announcing a body they never send, with a wrong secret or none —
// and checks that the bot stays bounded and keeps serving: the slow requests are refused at once without
// waiting for their body, the silent connections are shed or timed out, and meanwhile /healthz answers and
// a real update from Telegram is handled.
func TestHTTP_SilentAndSlowClientsDoNoHarm(t *testing.T) {
	t.Parallel()
	// The header timeout is long next to the time 300 dials take on any machine, so that the silent
	// connections are all open at once and the bound has to shed them: with 1 s, a machine busy enough to
	// accept fewer than 50 a second timed them out first, and nothing was shed (it failed once so).
	limits := bot.HTTPLimits{MaxConns: 50, HeaderTimeout: 10 * time.Second, BodyTimeout: time.Second, WriteTimeout: 15 * time.Second, IdleTimeout: 2 * time.Second}
	secret := "s3cret-token-for-tests"
	h, addr := webhookHarness(t, secret, bot.WithHTTPLimits(limits))
	dial := func() net.Conn {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	// Requests that announce a body and never send it, with a wrong secret, without one, or on an endpoint
	// that takes no body: each is refused at once and its connection closed, instead of the server waiting
	// for the body (and holding the connection) forever.
	var slow []net.Conn
	for i := range 40 {
		c := dial()
		req := "POST /tg/hook HTTP/1.1\r\nHost: bot\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n"
		switch i % 4 {
		case 0:
			req += "X-Telegram-Bot-Api-Secret-Token: wrong-secret-token-xx\r\n"
		case 3:
			req = "POST /healthz HTTP/1.1\r\nHost: bot\r\nContent-Length: 1000\r\n"
		}
		if _, err := c.Write([]byte(req + "\r\n")); err != nil {
			t.Fatal(err)
		}
		slow = append(slow, c)
	}
	for i, c := range slow {
		_ = c.SetReadDeadline(time.Now().Add(wait))
		r := bufio.NewReader(c)
		status, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("slow request %d: no answer before its body: %v", i, err)
		}
		want := "401"
		if i%4 == 3 {
			want = "400"
		}
		if !strings.Contains(status, " "+want+" ") {
			t.Errorf("slow request %d: got %q, want %s", i, strings.TrimSpace(status), want)
		}
		if _, err := io.Copy(io.Discard, r); err != nil {
			t.Errorf("slow request %d: the connection stays open after the refusal: %v", i, err)
		}
	}

	// Six times more silent connections than the bound.
	var silent []net.Conn
	for range 300 {
		silent = append(silent, dial())
	}
	// While they are open: the health check answers and Telegram's update is handled.
	client := &http.Client{Timeout: wait}
	resp, err := client.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatalf("/healthz while flooded with idle connections: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("/healthz: got %d", resp.StatusCode)
	}
	u := user(520, "en")
	h.srv.PushText(u, "/help")
	if got := h.messages(u.ID, 1)[0].Text; got != h.content.T("en", "help.text") {
		t.Errorf("webhook update during the flood: got %q", got)
	}
	// Every silent connection is closed by the server: shed to make room, or at the header timeout.
	for i, c := range silent {
		_ = c.SetReadDeadline(time.Now().Add(wait))
		if _, err := io.Copy(io.Discard, c); err != nil {
			t.Fatalf("silent connection %d still open after %v: %v", i, wait, err)
		}
	}
	if open := h.metric("huunghi_http_connections"); open > float64(limits.MaxConns) {
		t.Errorf("%v connections open, bound %d", open, limits.MaxConns)
	}
	if h.metric("huunghi_http_connections_shed_total") == 0 {
		t.Error("no connection was shed although 300 were opened against a bound of 50")
	}
}

// TestHTTP_MetricsOnlyOnTheirOwnAddress checks that the public port serves health and the webhook but not
// /metrics, which is on METRICS_ADDR.
func TestHTTP_MetricsOnlyOnTheirOwnAddress(t *testing.T) {
	t.Parallel()
	h, addr := webhookHarness(t, "s3cret-token-for-tests")
	for _, tc := range []struct {
		url  string
		want int
	}{
		{"http://" + addr + "/metrics", http.StatusNotFound},
		{"http://" + addr + "/healthz", http.StatusOK},
		{"http://" + h.metricsAddr() + "/metrics", http.StatusOK},
		{"http://" + h.metricsAddr() + "/healthz", http.StatusOK},
		{"http://" + h.metricsAddr() + "/tg/hook", http.StatusNotFound},
	} {
		resp, err := http.Get(tc.url)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("GET %s: got %d, want %d", tc.url, resp.StatusCode, tc.want)
		}
	}
}
