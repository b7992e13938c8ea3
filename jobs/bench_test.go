package jobs_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ufo-thanhhoa/huunghi/bot/store"
	"github.com/ufo-thanhhoa/huunghi/bot/store/redistest"
)

// BenchmarkRetention measures the nightly retention pass over 20,000 registrations in 4 programmes, half
// of them older than 12 months: registrations scanned per second (the job's cost grows with everything
// kept, not only with what it deletes).
func BenchmarkRetention(b *testing.B) {
	const n = 20_000
	var now time.Time
	st := store.New(redistest.Start(b).Client(), store.WithClock(func() time.Time { return now }))
	ctx := context.Background()
	ans := map[string]string{"full_name": "Noy Phommasane", "phone": "+8562055551234", "email": "noy@example.org"}
	var elapsed time.Duration
	for b.Loop() {
		b.StopTimer()
		for i := range n {
			now = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
			if i%2 == 1 {
				now = now.AddDate(1, 6, 0)
			}
			if _, _, err := st.Register(ctx, "prog_"+strconv.Itoa(i%4), int64(i), "lo", ans, 0, false); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		start := time.Now()
		deleted, err := st.ExpireRegistrations(ctx, time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC), nil)
		elapsed += time.Since(start)
		if err != nil || deleted != n/2 {
			b.Fatalf("deleted %d %v, want %d", deleted, err, n/2)
		}
		b.StopTimer()
		if _, err := st.ExpireRegistrations(ctx, time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), nil); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(n*b.N)/elapsed.Seconds(), "registrations-scanned/s")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkReminders_50kDueInOneMinute schedules 50,000 reminders (1,000 people signed up for each of 50
// events starting at the same minute) and measures the reminders job's step: moving all that is due into
// the outbox's reminder lane. It reports the time to hand them over, reminders moved per second, and the
// Redis memory one pending reminder costs (its schedule entry and its event index entry).
func BenchmarkReminders_50kDueInOneMinute(b *testing.B) {
	const events, people = 50, 1000
	const n = events * people
	rdb := redistest.Start(b).Client()
	st := store.New(rdb)
	ctx := context.Background()
	start := time.Date(2031, 6, 1, 8, 0, 0, 0, time.UTC)
	used := func() float64 {
		info, err := rdb.Info(ctx, "memory").Result()
		if err != nil {
			b.Fatal(err)
		}
		for _, line := range strings.Split(info, "\r\n") {
			if v, ok := strings.CutPrefix(line, "used_memory:"); ok {
				f, _ := strconv.ParseFloat(v, 64)
				return f
			}
		}
		b.Fatal("no used_memory in INFO")
		return 0
	}
	var elapsed time.Duration
	var perReminder float64
	for b.Loop() {
		b.StopTimer()
		if err := rdb.FlushDB(ctx).Err(); err != nil {
			b.Fatal(err)
		}
		before := used()
		for e := range events {
			rs := make([]store.Reminder, 0, people)
			for p := range people {
				rs = append(rs, store.Reminder{Event: "event_" + strconv.Itoa(e), UserID: int64(5_000_000_000 + e*people + p), Offset: 2 * time.Hour, Start: start})
			}
			if err := st.ScheduleReminders(ctx, rs...); err != nil {
				b.Fatal(err)
			}
		}
		perReminder = (used() - before) / n
		b.StartTimer()
		t0 := time.Now()
		moved, err := st.MoveDueReminders(ctx, start.Add(-2*time.Hour), "reminder")
		elapsed += time.Since(t0)
		if err != nil || moved != n {
			b.Fatalf("moved %d %v, want %d", moved, err, n)
		}
	}
	b.ReportMetric(elapsed.Seconds()*1000/float64(b.N), "ms/50k")
	b.ReportMetric(float64(n*b.N)/elapsed.Seconds(), "reminders/s")
	b.ReportMetric(perReminder, "redis-B/pending-reminder")
	b.ReportMetric(0, "ns/op")
}
