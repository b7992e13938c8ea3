package jobs_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/ufo-thanhhoa/huunghi/bot/store"
	"github.com/ufo-thanhhoa/huunghi/bot/store/redistest"
	"github.com/ufo-thanhhoa/huunghi/jobs"
)

func TestSessionTTL_IsTheStores(t *testing.T) {
	if jobs.SessionTTL != store.SessionTTL {
		t.Errorf("jobs.SessionTTL %v, store.SessionTTL %v: the clean-up must judge age as the store keeps sessions", jobs.SessionTTL, store.SessionTTL)
	}
}

func TestSessions_RunsAtQuarterPastThreeBeforeRetention(t *testing.T) {
	sessions, err := cron.ParseStandard(jobs.Sessions(nil, 0, nil, nil, quiet).Spec)
	if err != nil {
		t.Fatal(err)
	}
	retention, _ := cron.ParseStandard(jobs.Retention(nil, nil, quiet).Spec)
	from := time.Date(2031, 5, 12, 12, 0, 0, 0, hcm(t))
	if got, want := sessions.Next(from), time.Date(2031, 5, 13, 3, 15, 0, 0, hcm(t)); !got.Equal(want) || !got.Before(retention.Next(from)) {
		t.Errorf("next run after %v: %v, want %v, before retention", from, got, want)
	}
}

// formOf reads the programme of a session the way the bot does for forms (flow "form", data {"form": id}).
func formOf(flow string, data []byte) string {
	var st struct{ Form string }
	if flow != "form" || json.Unmarshal(data, &st) != nil {
		return ""
	}
	return st.Form
}

func TestSessions_DeletesExpiredAndClosedProgrammeForms(t *testing.T) {
	var now time.Time
	st := store.New(redistest.Start(t).Client(), store.WithClock(func() time.Time { return now }))
	ctx := context.Background()
	loc := hcm(t)
	night := time.Date(2031, 5, 20, 3, 15, 0, 0, loc)
	closes := time.Date(2031, 5, 19, 17, 0, 0, 0, loc)
	var asked []time.Time
	open := func(prog string, at time.Time) bool {
		asked = append(asked, at)
		return prog == "exchange" || (prog == "scholarship" && at.Before(closes))
	}
	for _, s := range []struct {
		uid  int64
		at   time.Time
		flow string
		data string
	}{
		{1, night.Add(-8 * 24 * time.Hour), "form", `{"form":"exchange","step":1}`}, // left a week and a day ago
		{2, night.Add(-2 * 24 * time.Hour), "form", `{"form":"scholarship"}`},       // its call closed yesterday
		{3, night.Add(-2 * 24 * time.Hour), "form", `{"form":"withdrawn"}`},         // no longer in the content
		{4, night.Add(-2 * 24 * time.Hour), "form", `{"form":"exchange"}`},
		{5, night.Add(-2 * 24 * time.Hour), "handoff", ``},
	} {
		now = s.at
		if err := st.SaveSession(ctx, s.uid, store.Session{Flow: s.flow, Data: json.RawMessage(s.data)}); err != nil {
			t.Fatal(err)
		}
	}
	now = night
	s, err := jobs.New(st, loc, quiet, func() time.Time { return now }, jobs.Sessions(st, 0, formOf, open, quiet))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.RunTick(ctx, "sessions", night); err != nil {
		t.Fatal(err)
	}
	for uid, kept := range map[int64]bool{1: false, 2: false, 3: false, 4: true, 5: true} {
		_, err := st.GetSession(ctx, uid)
		if kept != (err == nil) || (!kept && !errors.Is(err, store.ErrNotFound)) {
			t.Errorf("session %d: %v, want kept=%v", uid, err, kept)
		}
	}
	for _, at := range asked {
		if !at.Equal(night) {
			t.Errorf("open asked at %v, want the run's tick %v", at, night)
		}
	}
	// The next night has nothing to do, and deletes nothing it should keep.
	now = night.AddDate(0, 0, 1)
	if err := s.RunTick(ctx, "sessions", now); err != nil {
		t.Fatal(err)
	}
	for _, uid := range []int64{4, 5} {
		if _, err := st.GetSession(ctx, uid); err != nil {
			t.Errorf("session %d the next night: %v", uid, err)
		}
	}
}
