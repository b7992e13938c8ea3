package jobs_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ufo-thanhhoa/huunghi/bot/store"
	"github.com/ufo-thanhhoa/huunghi/bot/store/redistest"
	"github.com/ufo-thanhhoa/huunghi/jobs"
)

const day = 24 * time.Hour

// TestInactiveUsers_ForgetsThoseNotSeenForTheRetention: a user last seen longer ago than the retention is
// deleted as /forget does; one seen since, or one who still has a registration on record, is kept; a
// shorter setting deletes more.
func TestInactiveUsers_ForgetsThoseNotSeenForTheRetention(t *testing.T) {
	var now time.Time
	st := store.New(redistest.Start(t).Client(), store.WithClock(func() time.Time { return now }))
	ctx := context.Background()
	night := time.Date(2031, 5, 20, 4, 0, 0, 0, hcm(t))
	seen := func(uid int64, at time.Time) {
		t.Helper()
		now = at
		if _, err := st.TouchUser(ctx, uid, "lo"); err != nil {
			t.Fatal(err)
		}
	}
	seen(1, night.Add(-731*day)) // two years and a day
	seen(2, night.Add(-729*day)) // a day short of two years
	seen(3, night.Add(-800*day)) // old, but an application is still on record
	if _, _, err := st.Register(ctx, "exchange", 3, "lo", map[string]string{"name": "x"}, 0, false); err != nil {
		t.Fatal(err)
	}
	seen(4, night.Add(-400*day))
	now = night
	var forgotten []int64
	forget := func(ctx context.Context, uid int64) error {
		forgotten = append(forgotten, uid)
		_, err := st.ForgetUser(ctx, uid)
		return err
	}
	run := func(keep time.Duration, minute int) {
		t.Helper()
		s, err := jobs.New(st, hcm(t), quiet, func() time.Time { return now }, jobs.InactiveUsers(st, keep, forget, quiet))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.RunTick(ctx, "inactive_users", night.Add(time.Duration(minute)*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	exists := func(uid int64) bool {
		ok, err := st.UserExists(ctx, uid)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	run(730*day, 0)
	if len(forgotten) != 1 || forgotten[0] != 1 || exists(1) {
		t.Errorf("730d: forgot %v (user 1 exists: %v), want only user 1", forgotten, exists(1))
	}
	for _, uid := range []int64{2, 3, 4} {
		if !exists(uid) {
			t.Errorf("730d: user %d was deleted", uid)
		}
	}
	forgotten = nil
	run(365*day, 1) // the setting decides: a year deletes user 2 and 4 too, still not the applicant
	if len(forgotten) != 2 || exists(2) || exists(4) || !exists(3) {
		t.Errorf("365d: forgot %v; want users 2 and 4, not 3", forgotten)
	}
	if n, err := st.CountUsers(ctx); err != nil || n != 1 {
		t.Errorf("users left: %d (%v), want 1", n, err)
	}
}

// TestInactiveUsers_BoundedPerRunAndStopsOnError: a run deletes at most InactivePerRun users, the rest the
// next night; a failing deletion stops the run and is reported.
func TestInactiveUsers_BoundedPerRunAndStopsOnError(t *testing.T) {
	var now time.Time
	st := store.New(redistest.Start(t).Client(), store.WithClock(func() time.Time { return now }))
	ctx := context.Background()
	night := time.Date(2031, 5, 20, 4, 0, 0, 0, hcm(t))
	now = night.Add(-800 * day)
	for uid := int64(1); uid <= jobs.InactivePerRun+5; uid++ {
		if _, err := st.TouchUser(ctx, uid, ""); err != nil {
			t.Fatal(err)
		}
	}
	now = night
	forget := func(ctx context.Context, uid int64) error { _, err := st.ForgetUser(ctx, uid); return err }
	n, err := st.ForgetInactiveUsers(ctx, night.Add(-730*day), jobs.InactivePerRun, forget)
	if err != nil || n != jobs.InactivePerRun {
		t.Fatalf("first run: %d, %v; want %d", n, err, jobs.InactivePerRun)
	}
	boom := errors.New("boom")
	if _, err := st.ForgetInactiveUsers(ctx, night.Add(-730*day), jobs.InactivePerRun, func(context.Context, int64) error { return boom }); !errors.Is(err, boom) {
		t.Errorf("failing deletion: got %v, want boom", err)
	}
	if n, err := st.ForgetInactiveUsers(ctx, night.Add(-730*day), jobs.InactivePerRun, forget); err != nil || n != 5 {
		t.Errorf("second run: %d, %v; want the 5 left", n, err)
	}
}

// TestQuestions_DeletesTheDaysOlderThanTheRetention: the texts of unanswered questions of days wholly older
// than the retention go; the days within it stay, and the setting moves the line.
func TestQuestions_DeletesTheDaysOlderThanTheRetention(t *testing.T) {
	var now time.Time
	st := store.New(redistest.Start(t).Client(), store.WithClock(func() time.Time { return now }))
	ctx := context.Background()
	night := time.Date(2031, 5, 20, 4, 5, 0, 0, time.UTC)
	for i, ago := range []int{40, 32, 30, 10, 0} {
		now = night.Add(-time.Duration(ago) * day)
		if _, err := st.LogUnanswered(ctx, int64(i+1), "lo", "question asked "+time.Duration(ago).String()); err != nil {
			t.Fatal(err)
		}
	}
	now = night
	count := func() int {
		t.Helper()
		top, err := st.TopUnanswered(ctx, 60, 100)
		if err != nil {
			t.Fatal(err)
		}
		return len(top)
	}
	if got := count(); got != 5 {
		t.Fatalf("before: %d questions, want 5", got)
	}
	run := func(keep time.Duration, minute int) {
		t.Helper()
		s, err := jobs.New(st, time.UTC, quiet, func() time.Time { return now }, jobs.Questions(st, keep, quiet))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.RunTick(ctx, "questions_retention", night.Add(time.Duration(minute)*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	run(31*day, 0)
	if got := count(); got != 3 {
		t.Errorf("31d: %d questions left, want 3 (30, 10 and 0 days old)", got)
	}
	run(7*day, 1)
	if got := count(); got != 1 {
		t.Errorf("7d: %d questions left, want today's", got)
	}
}

// TestHandoff_DeletesTheLinksOfPeopleSilentForTheRetention: the link from a staff-chat card to its user
// goes when the user has not written for the retention; a recent one stays, and so does an open
// conversation's.
func TestHandoff_DeletesTheLinksOfPeopleSilentForTheRetention(t *testing.T) {
	var now time.Time
	st := store.New(redistest.Start(t).Client(), store.WithClock(func() time.Time { return now }))
	ctx := context.Background()
	night := time.Date(2031, 5, 20, 4, 10, 0, 0, hcm(t))
	const staffChat = -100
	thread := func(uid int64, at time.Time, msg int, closeIt bool) {
		t.Helper()
		now = at
		if _, err := st.TouchUser(ctx, uid, ""); err != nil {
			t.Fatal(err)
		}
		if _, _, err := st.OpenConversation(ctx, uid, "A"); err != nil {
			t.Fatal(err)
		}
		if err := st.MapConversationMessage(ctx, uid, staffChat, msg); err != nil {
			t.Fatal(err)
		}
		if closeIt {
			if _, err := st.CloseConversation(ctx, uid, "user"); err != nil {
				t.Fatal(err)
			}
		}
	}
	thread(1, night.Add(-366*day), 11, true)
	thread(2, night.Add(-100*day), 12, true)
	thread(3, night.Add(-366*day), 13, false) // still open on the bot's calendar: left alone
	now = night
	linked := func(msg int) bool {
		_, err := st.ConversationOf(ctx, staffChat, msg)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			t.Fatal(err)
		}
		return err == nil
	}
	run := func(keep time.Duration, minute int) {
		t.Helper()
		s, err := jobs.New(st, hcm(t), quiet, func() time.Time { return now }, jobs.Handoff(st, keep, quiet))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.RunTick(ctx, "handoff_retention", night.Add(time.Duration(minute)*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	run(365*day, 0)
	if linked(11) || !linked(12) || !linked(13) {
		t.Errorf("365d: links 11 %v, 12 %v, 13 %v; want only 11 gone", linked(11), linked(12), linked(13))
	}
	run(30*day, 1)
	if linked(12) || !linked(13) {
		t.Errorf("30d: links 12 %v, 13 %v; want 12 gone, 13 kept", linked(12), linked(13))
	}
}
