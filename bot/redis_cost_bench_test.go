package bot_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"
	"github.com/redis/go-redis/v9"

	"github.com/ufo-thanhhoa/huunghi/bot/store"
)

// commandStats reads INFO commandstats: calls per command since the server started (or CONFIG RESETSTAT).
func commandStats(tb testing.TB, rdb *redis.Client) map[string]int64 {
	tb.Helper()
	info, err := rdb.Info(context.Background(), "commandstats").Result()
	if err != nil {
		tb.Fatal(err)
	}
	out := map[string]int64{}
	for _, line := range strings.Split(info, "\n") {
		// cmdstat_get:calls=12,usec=34,...
		name, rest, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok || !strings.HasPrefix(name, "cmdstat_") {
			continue
		}
		for _, kv := range strings.Split(rest, ",") {
			if v, ok := strings.CutPrefix(kv, "calls="); ok {
				n, _ := strconv.ParseInt(v, 10, 64)
				out[strings.TrimPrefix(name, "cmdstat_")] = n
			}
		}
	}
	return out
}

// BenchmarkFAQBurst is the job shape the issue measures: a burst of known users (each seen before) asking
// one FAQ question each, through the whole runtime against a real redis-server. It reports the Redis
// commands each update costs (INFO commandstats over the burst, the benchmark's own reads excluded) next to
// updates/s; -v prints the commands by name. The global send budget is on at its default (SEND_RATE 30), as in
// production: every reply counts in it. So is the harness's chat lease (5 s): a burst makes chats wait a few
// seconds for a worker.
func BenchmarkFAQBurst(b *testing.B) {
	const chats = 1000
	h := newHarness(b, map[string]string{"SEND_RATE": "30"})
	rdb := h.redis.Client()
	base := int64(2_000_000)
	user := func(i int) models.User {
		return models.User{ID: base + int64(i), FirstName: "U", LanguageCode: "vi"}
	}
	// Every user is known: their first message (a /start) is handled before the clock starts.
	for i := range chats {
		h.srv.PushText(user(i), "/start")
	}
	for i := range chats {
		if _, err := h.srv.WaitMessages(user(i).ID, 1, 2*time.Minute); err != nil {
			b.Fatal(err)
		}
	}
	h.idle()
	h.idle()
	var perUpdate, rate float64
	var by map[string]int64
	b.ResetTimer()
	for round := range b.N {
		// At least a second after their last message, so that each visit writes (last seen, the activity
		// index) as a returning user's does.
		h.clock.Set(h.clock.Now().Add(time.Minute))
		before := commandStats(b, rdb)
		want := make([]int, chats)
		for i := range chats {
			want[i] = len(h.srv.Messages(user(i).ID)) + 1
		}
		start := time.Now()
		for i := range chats {
			h.srv.PushText(user(i), "học phí bao nhiêu")
		}
		for i := range chats {
			if _, err := h.srv.WaitMessages(user(i).ID, want[i], 2*time.Minute); err != nil {
				b.Fatalf("round %d: %v", round, err)
			}
		}
		elapsed := time.Since(start)
		var total int64
		total, by = commandsSince(b, rdb, before)
		perUpdate = float64(total) / chats
		rate = chats / elapsed.Seconds()
	}
	b.StopTimer()
	b.ReportMetric(perUpdate, "redis-commands/update")
	b.ReportMetric(rate, "updates/s")
	if testing.Verbose() {
		for k, v := range by {
			b.Logf("%-12s %6.2f/update", k, float64(v)/chats)
		}
	}
}

// commandsSince waits until every stored update was acknowledged (the pending set is empty) and returns the
// Redis commands run since before (commandStats), in all and by name. Its own reads are taken out of the
// count; the harness's idle checks are not used, as they would add commands the bot does not send.
func commandsSince(tb testing.TB, rdb *redis.Client, before map[string]int64) (int64, map[string]int64) {
	tb.Helper()
	polls := int64(0)
	for ; ; polls++ {
		if n, err := rdb.ZCard(context.Background(), store.Key("intake:chats")).Result(); err == nil && n == 0 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	after := commandStats(tb, rdb)
	after["zcard"] -= polls + 1
	var total int64
	by := map[string]int64{}
	for k, v := range after {
		if d := v - before[k]; d > 0 && k != "info" {
			by[k] = d
			total += d
		}
	}
	return total, by
}
