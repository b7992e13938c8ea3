package bot_test

import (
	"net"
	"net/http"
	"os"
	"slices"
	"testing"
	"time"
)

// BenchmarkIdleConnections holds 10,000 connections open against the webhook port with production limits —
// half silent, half sending complete headers that announce a body never sent, with a wrong secret — and
// measures, while they are held, how long /healthz and a real webhook update take, how many connections
// the server keeps, and the descriptors of the whole process (both ends of every connection are in it).
//
//	go test -run '^$' -bench IdleConnections -benchtime 1x ./bot/
func BenchmarkIdleConnections(b *testing.B) {
	const conns = 10_000
	for range b.N {
		h, addr := webhookHarness(b, "s3cret-token-for-tests")
		var open []net.Conn
		for i := range conns {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				b.Fatalf("dial %d: %v", i, err)
			}
			if i%2 == 1 {
				_, _ = c.Write([]byte("POST /tg/hook HTTP/1.1\r\nHost: bot\r\nContent-Length: 1000\r\nX-Telegram-Bot-Api-Secret-Token: wrong-secret-token-xx\r\n\r\n"))
			}
			open = append(open, c)
		}
		client := &http.Client{Timeout: time.Minute}
		var health []time.Duration
		for range 20 {
			start := time.Now()
			resp, err := client.Get("http://" + addr + "/healthz")
			if err != nil {
				b.Fatal(err)
			}
			resp.Body.Close()
			health = append(health, time.Since(start))
		}
		u := user(530, "en")
		start := time.Now()
		h.srv.PushText(u, "/help")
		h.messages(u.ID, 1)
		update := time.Since(start)
		fds, _ := os.ReadDir("/proc/self/fd")
		b.ReportMetric(h.metric("huunghi_http_connections"), "server-conns")
		b.ReportMetric(float64(len(fds)), "process-fds")
		slices.Sort(health)
		b.ReportMetric(float64(health[len(health)/2].Microseconds())/1000, "healthz-p50-ms")
		b.ReportMetric(float64(health[len(health)-1].Microseconds())/1000, "healthz-max-ms")
		b.ReportMetric(float64(update.Microseconds())/1000, "update-ms")
		for _, c := range open {
			c.Close()
		}
		h.stop()
	}
}
