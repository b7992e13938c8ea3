package jobs_test

import (
	"context"
	"strconv"
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
