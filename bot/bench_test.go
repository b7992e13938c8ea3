package bot_test

import (
	"testing"
	"time"

	"github.com/go-telegram/bot/models"
)

// BenchmarkPipeline measures updates per second through the whole runtime: long-polling intake → Redis
// queue → dispatcher → middleware (dedupe, user, language, flood) → the /help handler → outbox → the fake
// Bot API, against a real redis-server. Every update comes from a different user so the per-chat send
// budget (1 msg/s) does not bound the figure.
func BenchmarkPipeline(b *testing.B) {
	h := newHarness(b, nil)
	base := int64(1_000_000)
	// Warm up: the first update creates connections and loads scripts.
	h.srv.PushText(models.User{ID: base - 1, FirstName: "W", LanguageCode: "en"}, "/help")
	h.messages(base-1, 1)
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		h.srv.PushText(models.User{ID: base + int64(i), FirstName: "U", LanguageCode: "vi"}, "/help")
	}
	last := base + int64(b.N) - 1
	deadline := time.Now().Add(5 * time.Minute)
	for id := base; id <= last && time.Now().Before(deadline); {
		if len(h.srv.Messages(id)) > 0 {
			id++
			continue
		}
		time.Sleep(time.Millisecond)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	if len(h.srv.Messages(last)) == 0 {
		b.Fatal("not every update was answered within 5 minutes")
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "updates/s")
}
