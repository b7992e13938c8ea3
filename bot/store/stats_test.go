package store_test

import (
	"context"
	"maps"
	"strconv"
	"testing"
	"time"

	"github.com/ufo-thanhhoa/huunghi/bot/store"
)

// statsDay is the day the statistics tests live on; any date would do.
var statsDay = time.Date(2031, 5, 12, 10, 0, 0, 0, time.UTC)

// TestUserStats_ActiveAndCounters has users seen 1, 10 and 40 days ago change language, audience and
// reachability, and one of them use /forget: the counters and the active counts follow each change, and a
// forgotten user is in none of them.
func TestUserStats_ActiveAndCounters(t *testing.T) {
	now := statsDay
	clock := func() time.Time { return now }
	backends(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now = statsDay.AddDate(0, 0, -40)
		touch(t, s, 1)
		now = statsDay.AddDate(0, 0, -10)
		touch(t, s, 2)
		now = statsDay.AddDate(0, 0, -1)
		touch(t, s, 3)
		touch(t, s, 3) // a second visit counts the user once
		now = statsDay
		must(t, s.SetLanguage(ctx, 1, "vi", store.LangExplicit))
		must(t, s.SetLanguage(ctx, 2, "lo", store.LangDetected))
		must(t, s.SetLanguage(ctx, 2, "en", store.LangExplicit)) // moves from lo to en
		must(t, s.SetLanguage(ctx, 2, "lo", store.LangDetected)) // an explicit choice stays
		must(t, s.SetAudience(ctx, 2, store.AudienceStudent))
		must(t, s.SetAudience(ctx, 3, store.AudienceDiaspora))
		must(t, s.MarkUnreachable(ctx, 1))
		must(t, s.MarkUnreachable(ctx, 1)) // twice, counted once
		must(t, s.MarkUnreachable(ctx, 3))
		must(t, s.MarkUnreachable(ctx, 99)) // never seen: no record, no count

		c := userStats(t, s)
		want := store.UserCounts{Total: 3, Active7: 1, Active30: 2, Unreachable: 2,
			ByLang:     map[string]int64{"vi": 1, "en": 1, "": 1},
			ByAudience: map[string]int64{"": 1, store.AudienceStudent: 1, store.AudienceDiaspora: 1}}
		sameCounts(t, "after the changes", c, want)

		// User 3 writes again: reachable, still active.
		touch(t, s, 3)
		want.Unreachable = 1
		sameCounts(t, "after user 3 wrote again", userStats(t, s), want)

		if _, err := s.ForgetUser(ctx, 2); err != nil {
			t.Fatal(err)
		}
		want = store.UserCounts{Total: 2, Active7: 1, Active30: 1, Unreachable: 1,
			ByLang: map[string]int64{"vi": 1, "": 1}, ByAudience: map[string]int64{"": 1, store.AudienceDiaspora: 1}}
		sameCounts(t, "after user 2's /forget", userStats(t, s), want)
		if n, err := s.Redis().ZScore(ctx, store.Key("users:seen"), "2").Result(); err == nil {
			t.Errorf("after /forget user 2 is still in the last-seen index (score %v)", n)
		}
	}, store.WithClock(clock))
}

// TestBackfillStats indexes users stored before the statistics existed, once: a second start finds it
// done, and a backfill redone (a replica died before marking it done) or racing with visits counts nobody
// twice.
func TestBackfillStats(t *testing.T) {
	now := statsDay
	backends(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		rdb := s.Redis()
		// Users as an earlier version stored them: a hash and the set of users, no indexes.
		old := func(uid int64, seen time.Time, fields ...any) {
			key := store.Key("user:") + strconv.FormatInt(uid, 10)
			args := append([]any{"first_seen", seen.Unix(), "last_seen", seen.Unix()}, fields...)
			must(t, rdb.HSet(ctx, key, args...).Err())
			must(t, rdb.SAdd(ctx, store.Key("users"), uid).Err())
		}
		for i := range 1200 { // more than one SSCAN batch
			old(int64(1000+i), statsDay.AddDate(0, 0, -(i%60)), "lang", []string{"vi", "lo", "en"}[i%3], "audience", store.AudienceStudent)
		}
		old(5, statsDay.AddDate(0, 0, -2), "unreachable", "1")
		if c := userStats(t, s); c.Indexed || c.Active30 != 0 {
			t.Fatalf("before the backfill: %+v, want nothing indexed", c)
		}
		n, err := s.BackfillStats(ctx)
		if err != nil || n != 1201 {
			t.Fatalf("BackfillStats = %d, %v; want 1201 users indexed", n, err)
		}
		want := store.UserCounts{Total: 1201, Active7: 8*20 + 1, Active30: 31*20 + 1, Unreachable: 1, Indexed: true,
			ByLang:     map[string]int64{"vi": 400, "lo": 400, "en": 400, "": 1},
			ByAudience: map[string]int64{store.AudienceStudent: 1200, "": 1}}
		sameCounts(t, "after the backfill", userStats(t, s), want)
		if n, err := s.BackfillStats(ctx); n != 0 || err != nil {
			t.Errorf("second BackfillStats = %d, %v; want 0 (done once)", n, err)
		}
		// A replica died midway: its claim expired, the next start redoes it, after visits came in.
		touch(t, s, 5)
		must(t, rdb.Del(ctx, store.Key("migrate:stats")).Err())
		if _, err := s.BackfillStats(ctx); err != nil {
			t.Fatal(err)
		}
		want.Unreachable = 0
		sameCounts(t, "after a redone backfill", userStats(t, s), want)
	}, store.WithClock(func() time.Time { return now }))
}

// TestQuestionStats counts answered, declined and "not what I asked" questions per day: a window of 7
// days holds a week's, one of 30 the month's, and a day's counters expire.
func TestQuestionStats(t *testing.T) {
	now := statsDay
	backends(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		count := func(day int, outcome, topic string, n int) {
			now = statsDay.AddDate(0, 0, -day)
			for range n {
				must(t, s.CountQuestion(ctx, outcome, topic))
			}
		}
		count(0, store.QuestionAnswered, "visa", 3)
		count(0, store.QuestionDeclined, "", 1)
		count(6, store.QuestionAnswered, "insurance", 2)
		count(6, store.QuestionNotThis, "", 1)
		count(20, store.QuestionDeclined, "", 4)
		count(20, store.QuestionAnswered, "visa", 1)
		count(31, store.QuestionAnswered, "visa", 9) // out of both windows
		for _, c := range []struct {
			days int
			want store.QuestionCounts
		}{
			{7, store.QuestionCounts{Answered: 5, Declined: 1, NotThis: 1, Topics: map[string]int64{"visa": 3, "insurance": 2}}},
			{30, store.QuestionCounts{Answered: 6, Declined: 5, NotThis: 1, Topics: map[string]int64{"visa": 4, "insurance": 2}}},
		} {
			got, err := s.QuestionStats(ctx, statsDay, c.days)
			if err != nil {
				t.Fatal(err)
			}
			if got.Answered != c.want.Answered || got.Declined != c.want.Declined || got.NotThis != c.want.NotThis || !maps.Equal(got.Topics, c.want.Topics) {
				t.Errorf("%d days: got %+v, want %+v", c.days, got, c.want)
			}
		}
		for _, day := range []int{0, 6, 20, 31} { // each day counted gets its TTL, once
			key := store.Key("stats:q:") + statsDay.AddDate(0, 0, -day).Format("20060102")
			ttl, err := s.Redis().TTL(ctx, key).Result()
			if err != nil || ttl <= 30*24*time.Hour || ttl > 32*24*time.Hour {
				t.Errorf("the counters of %d days before: TTL %v (%v), want just over 30 days", day, ttl, err)
			}
		}
	}, store.WithClock(func() time.Time { return now }))
}

// TestEachRegistration reads every active registration of a programme, over several batches, with its
// status, decision and answers; withdrawn ones are not active.
func TestEachRegistration(t *testing.T) {
	backends(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		for i := range 1100 {
			if _, _, err := s.Register(ctx, "p", int64(i+1), "lo", map[string]string{"country": "LA"}, 1000, true); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.Withdraw(ctx, "p", 5); err != nil {
			t.Fatal(err)
		}
		must(t, s.Redis().HSet(ctx, store.Key("reg:p:7"), "decision", "accepted").Err())
		statuses, decisions, countries := map[string]int{}, map[string]int{}, map[string]int{}
		err := s.EachRegistration(ctx, "p", func(a store.Application) {
			statuses[a.Status]++
			if a.Decision != "" {
				decisions[a.Decision]++
			}
			countries[a.Answers["country"]]++
		})
		if err != nil {
			t.Fatal(err)
		}
		// 1000 places: the one withdrawn gave its place to the first waiting.
		if want := map[string]int{"registered": 1000, "waitlist": 99}; !maps.Equal(statuses, want) {
			t.Errorf("statuses: got %v, want %v", statuses, want)
		}
		if want := map[string]int{"accepted": 1}; !maps.Equal(decisions, want) {
			t.Errorf("decisions: got %v, want %v", decisions, want)
		}
		if want := map[string]int{"LA": 1099}; !maps.Equal(countries, want) {
			t.Errorf("answers: got %v, want %v", countries, want)
		}
	})
}

func touch(t *testing.T, s *store.Store, uid int64) {
	t.Helper()
	if _, err := s.TouchUser(context.Background(), uid, ""); err != nil {
		t.Fatal(err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func userStats(t *testing.T, s *store.Store) store.UserCounts {
	t.Helper()
	c, err := s.UserStats(context.Background(), statsDay)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func sameCounts(t *testing.T, when string, got, want store.UserCounts) {
	t.Helper()
	if got.Total != want.Total || got.Active7 != want.Active7 || got.Active30 != want.Active30 || got.Unreachable != want.Unreachable ||
		got.Indexed != want.Indexed || !maps.Equal(got.ByLang, want.ByLang) || !maps.Equal(got.ByAudience, want.ByAudience) {
		t.Errorf("%s: got %+v, want %+v", when, got, want)
	}
}
