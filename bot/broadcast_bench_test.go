package bot_test

import (
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"
)

// BenchmarkBroadcast_RepliesDuringIt sends a broadcast to 900 people through the fake Bot API at its flood
// limit (30/s, SEND_RATE=30) while 60 other people each ask a question, two a second. It reports the
// broadcast's throughput as a fraction of the broadcast lane's configured rate (SEND_RATE minus the reserve
// for replies: 27/s) and the time from a question to its answer (p50, p95). Run with -benchtime=1x: one
// iteration is a whole broadcast (~35 s).
func BenchmarkBroadcast_RepliesDuringIt(b *testing.B) {
	for range b.N {
		h := newHarness(b, map[string]string{"SEND_RATE": "30"})
		h.srv.SetFloodLimit(30)
		const first, n, askers = 800000, 900, 60
		st := h.store()
		seedUsers(b, st, first, n, "lo", "vi", "en")
		id := startBroadcast(b, h, "all", map[string]string{"": "Tin: học bổng 2027"}, 0)
		if !h.srv.Wait(func() bool { return len(h.srv.Calls("sendMessage")) > 50 }, time.Minute) {
			b.Fatal("the broadcast did not get going")
		}
		var waits []time.Duration
		for i := range int64(askers) {
			uid := 10_000 + i
			asked := time.Now()
			h.srv.PushText(user(uid, "vi"), "học bổng")
			h.messages(uid, 1)
			waits = append(waits, time.Since(asked))
			time.Sleep(time.Until(asked.Add(500 * time.Millisecond))) // the pace of the questions, not a wait for a result
		}
		rec := waitBroadcast(b, h, id, 5*time.Minute)
		var firstAt, lastAt time.Time
		sent := 0
		for _, c := range h.srv.Calls("sendMessage") {
			uid, _ := strconv.ParseInt(c.Params["chat_id"], 10, 64)
			if uid < first || uid >= first+n || c.Code != http.StatusOK {
				continue
			}
			if firstAt.IsZero() {
				firstAt = c.At
			}
			lastAt, sent = c.At, sent+1
		}
		if int64(sent) != rec.Sent || sent != n {
			b.Fatalf("sent %d (figures %d), want %d", sent, rec.Sent, n)
		}
		rate := float64(sent-1) / lastAt.Sub(firstAt).Seconds()
		slices.Sort(waits)
		b.ReportMetric(rate/float64(h.app.Broadcasts().Rate()), "of_rate")
		b.ReportMetric(rate, "msgs/s")
		b.ReportMetric(float64(waits[len(waits)/2].Milliseconds()), "reply_p50_ms")
		b.ReportMetric(float64(waits[len(waits)*95/100].Milliseconds()), "reply_p95_ms")
		b.ReportMetric(float64(h.srv.FloodRefused()), "refused_429")
		h.stop()
	}
}
