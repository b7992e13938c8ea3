package handlers

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ufo-thanhhoa/huunghi/bot/store"
	"github.com/ufo-thanhhoa/huunghi/bot/store/redistest"
	"github.com/ufo-thanhhoa/huunghi/messages"
)

// TestStatsRender_Lao writes a snapshot for a Lao-speaking staff member: statuses in the content's words,
// values the content has no word for as stored, languages by use, event sign-ups, a window without questions,
// and the note that users are still being counted.
func TestStatsRender_Lao(t *testing.T) {
	c, _, err := messages.Load(messages.FS(""))
	if err != nil {
		t.Fatal(err)
	}
	hcm, _ := time.LoadLocation("Asia/Ho_Chi_Minh")
	s := NewStats(Deps{Content: c, Location: hcm})
	at := time.Date(2031, 5, 12, 3, 0, 0, 0, time.UTC)
	snap := StatsSnapshot{
		At: at,
		Users: store.UserCounts{Total: 10, Active7: 4, Active30: 7, Unreachable: 1,
			ByLang: map[string]int64{"lo": 6, "vi": 2, "": 2}, ByAudience: map[string]int64{store.AudienceStudent: 6, "": 4}},
		Month:     store.QuestionCounts{Answered: 3, Declined: 1, Topics: map[string]int64{"residence_card": 2, "nope": 1}},
		Countries: []Count{{"LA", 5}, {"DE", 1}, {"??", 1}},
		Programmes: []Applications{{ID: "p", Title: map[string]string{"lo": "ໂຄງການ", "vi": "Chương trình"},
			Statuses:  sortedCounts(map[string]int64{"waitlist": 2, "registered": 3, "interview": 1}),
			Decisions: sortedCounts(map[string]int64{"shortlisted": 1})}},
		Events: []Applications{{ID: "e", Title: map[string]string{"en": "Tết"}, Starts: time.Date(2031, 6, 1, 8, 0, 0, 0, hcm),
			Statuses: []Count{{store.StatusRegistered, 20}, {store.StatusWaitlist, 5}}}},
	}
	got := s.Render("lo", snap)
	topic, _ := c.FAQ.Topic("residence_card")
	for _, want := range []string{
		c.T("lo", "stats.title", "date", "12/05/2031 10:00"),
		c.T("lo", "stats.users", "total", "10", "week", "4", "month", "7", "unreachable", "1"),
		c.T("lo", "stats.indexing"),
		c.T("lo", "stats.languages", "list", c.T("lo", "lang.name")+" 6 · "+c.T("vi", "lang.name")+" 2 · "+c.T("lo", "stats.not_chosen")+" 2"),
		c.T("lo", "stats.audiences", "list", c.T("lo", "stats.audience.student")+" 6 · "+c.T("lo", "stats.not_said")+" 4"),
		c.T("lo", "stats.countries", "known", "7", "list", "🇱🇦 LA 5 · 🇩🇪 DE 1 · ?? 1"),
		c.T("lo", "stats.questions_none", "days", "7"),
		c.T("lo", "stats.questions_line", "days", "30", "answered", "3", "declined", "1", "rate", "75", "not_this", "0"),
		c.T("lo", "stats.topic_line", "n", "1", "topic", topic.TopicTitle("lo"), "count", "2"),
		c.T("lo", "stats.topic_line", "n", "2", "topic", "nope", "count", "1"),
		c.T("lo", "stats.programme_line", "programme", "ໂຄງການ", "counts",
			c.T("lo", "reg.status.registered")+" 3 · "+c.T("lo", "reg.status.waitlist")+" 2 · interview 1 · shortlisted 1"),
		c.T("lo", "stats.event_line", "event", "Tết", "date", "01/06/2031", "registered", "20", "waiting", "5"),
	} {
		if !strings.Contains(got, want) {
			t.Errorf("lacks %q:\n%s", want, got)
		}
	}
}

func TestFlag(t *testing.T) {
	for in, want := range map[string]string{"LA": "🇱🇦", "VN": "🇻🇳", "la": "", "L": "", "LAO": "", "": ""} {
		if got := flag(in); got != want {
			t.Errorf("flag(%q) = %q, want %q", in, got, want)
		}
	}
}

// BenchmarkStatsSnapshot computes /stats over 20 000 users, 5 000 of them registered for a programme with
// a country question: users cost a handful of commands (indexes and counters), registrations one batched
// read each (the scan that gives statuses and countries).
func BenchmarkStatsSnapshot(b *testing.B) {
	const users, registered = 20000, 5000
	c, _, err := messages.Load(messages.FS(""))
	if err != nil {
		b.Fatal(err)
	}
	now := time.Date(2031, 5, 12, 10, 0, 0, 0, time.UTC)
	ctx := context.Background()
	st := store.New(redistest.Start(b).Client(), store.WithClock(func() time.Time { return now }))
	for i := range users {
		now = time.Date(2031, 5, 12, 10, 0, 0, 0, time.UTC).Add(-time.Duration(i%60) * 24 * time.Hour)
		if _, err := st.TouchUser(ctx, int64(i+1), "en"); err != nil {
			b.Fatal(err)
		}
		if i%3 == 0 {
			if err := st.SetLanguage(ctx, int64(i+1), "lo", store.LangExplicit); err != nil {
				b.Fatal(err)
			}
		}
	}
	for i := range registered {
		if _, _, err := st.Register(ctx, "germany_study_info_2027", int64(i+1), "lo", map[string]string{"country": "vietnam"}, 0, false); err != nil {
			b.Fatal(err)
		}
	}
	s := NewStats(Deps{Store: st, Content: c, Now: func() time.Time { return now }})
	start := time.Now()
	for b.Loop() {
		snap, err := s.Snapshot(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if snap.Users.Total != users || len(snap.Countries) != 1 || snap.Countries[0].N != registered {
			b.Fatalf("snapshot: %+v", snap)
		}
	}
	b.ReportMetric(float64(time.Since(start).Microseconds())/float64(b.N), "µs/stats")
	b.ReportMetric(users, "users")
}
