package bot_test

import (
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"
)

// BenchmarkFlood measures what a flood costs everyone else: 100 accounts each send 30 messages as fast as
// Telegram delivers them while 50 other people ask one question each, one every 100 ms, and the figure is
// how long those people waited for their answer (from the update's arrival at the fake Bot API to the
// bot's sendMessage), as p50, p95 and max in milliseconds. Production settings: SEND_RATE 30, 64 workers,
// the default flood limits and backlog.
//
//	go test -run '^$' -bench Flood -benchtime 1x ./bot/
func BenchmarkFlood(b *testing.B) {
	const flooders, each, others = 100, 30, 50
	var waits []time.Duration
	for round := range b.N {
		h := newHarness(b, map[string]string{"SEND_RATE": "30"})
		base := int64(7_000_000 + round*10_000)
		for i := range each {
			for f := range int64(flooders) {
				h.srv.PushText(models.User{ID: base + f, FirstName: "F", LanguageCode: "en"}, "hello "+strconv.Itoa(i))
			}
		}
		asked := make([]time.Time, others)
		questions := []string{"/help", "hoc bong cho sinh vien lao", "ທຶນການສຶກສາ", "how do I renew my residence card"}
		for i := range others {
			u := models.User{ID: base + 5000 + int64(i), FirstName: "O", LanguageCode: "vi"}
			asked[i] = time.Now()
			h.srv.PushText(u, questions[i%len(questions)])
			time.Sleep(100 * time.Millisecond)
		}
		for i := range others {
			chat := base + 5000 + int64(i)
			if _, err := h.srv.WaitMessages(chat, 1, time.Minute); err != nil {
				b.Fatal(err)
			}
			for _, c := range h.srv.Calls("sendMessage") {
				if c.Params["chat_id"] == strconv.FormatInt(chat, 10) {
					waits = append(waits, c.At.Sub(asked[i]))
					break
				}
			}
		}
		b.StopTimer()
		h.stop()
		b.StartTimer()
	}
	slices.Sort(waits)
	at := func(q float64) float64 { return float64(waits[int(q*float64(len(waits)-1))].Milliseconds()) }
	b.ReportMetric(at(0.50), "p50-ms")
	b.ReportMetric(at(0.95), "p95-ms")
	b.ReportMetric(at(1), "max-ms")
}
