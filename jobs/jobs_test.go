package jobs_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/robfig/cron/v3"

	"github.com/ufo-thanhhoa/huunghi/bot/store"
	"github.com/ufo-thanhhoa/huunghi/bot/store/redistest"
	"github.com/ufo-thanhhoa/huunghi/jobs"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func hcm(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// runs reads huunghi_job_runs_total{job,outcome} from a scheduler's collectors.
func runs(t *testing.T, s *jobs.Scheduler, job, outcome string) float64 {
	t.Helper()
	reg := prometheus.NewRegistry()
	reg.MustRegister(s.Collectors()...)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "huunghi_job_runs_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			l := map[string]string{}
			for _, p := range m.GetLabel() {
				l[p.GetName()] = p.GetValue()
			}
			if l["job"] == job && l["outcome"] == outcome {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

func TestRunTick_OneReplicaRunsEachTick(t *testing.T) {
	st := store.New(redistest.Start(t).Client())
	var n atomic.Int32
	job := jobs.Job{Name: "count", Spec: "* * * * *", Run: func(context.Context, time.Time) error {
		n.Add(1)
		return nil
	}}
	var replicas []*jobs.Scheduler
	for range 3 {
		s, err := jobs.New(st, hcm(t), quiet, nil, job)
		if err != nil {
			t.Fatal(err)
		}
		replicas = append(replicas, s)
	}
	ctx := context.Background()
	tick := time.Date(2026, 11, 23, 3, 30, 0, 0, hcm(t))
	// Three replicas wake a few hundred milliseconds apart for the same minute.
	for i, s := range replicas {
		if err := s.RunTick(ctx, "count", tick.Add(time.Duration(i)*300*time.Millisecond)); err != nil {
			t.Fatal(err)
		}
	}
	if got := n.Load(); got != 1 {
		t.Fatalf("ran %d times for one tick on three replicas, want 1", got)
	}
	if runs(t, replicas[0], "count", "ok") != 1 || runs(t, replicas[1], "count", "skipped") != 1 {
		t.Error("metrics do not show one run and the skips")
	}
	if err := replicas[1].RunTick(ctx, "count", tick.Add(time.Minute)); err != nil || n.Load() != 2 {
		t.Fatalf("next minute: %v, runs %d", err, n.Load())
	}
}

func TestRunTick_ErrorsAndPanicsAreReported(t *testing.T) {
	st := store.New(redistest.Start(t).Client())
	s, err := jobs.New(st, hcm(t), quiet, nil,
		jobs.Job{Name: "fails", Spec: "@daily", Run: func(context.Context, time.Time) error { return errors.New("boom") }},
		jobs.Job{Name: "panics", Spec: "@daily", Run: func(context.Context, time.Time) error { panic("bad content") }},
	)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	now := time.Now()
	if err := s.RunTick(ctx, "fails", now); err == nil || runs(t, s, "fails", "error") != 1 {
		t.Errorf("failing job: %v", err)
	}
	if err := s.RunTick(ctx, "panics", now); err == nil || runs(t, s, "panics", "panic") != 1 {
		t.Errorf("panicking job: %v", err)
	}
	if err := s.RunTick(ctx, "nope", now); err == nil {
		t.Error("unknown job name accepted")
	}
}

func TestRunTick_RedisDownIsAnErrorNotARun(t *testing.T) {
	srv := redistest.Start(t)
	st := store.New(srv.Client())
	var ran bool
	s, err := jobs.New(st, hcm(t), quiet, nil, jobs.Job{Name: "x", Spec: "@daily", Run: func(context.Context, time.Time) error {
		ran = true
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	srv.Stop()
	if err := s.RunTick(context.Background(), "x", time.Now()); err == nil || ran {
		t.Errorf("ran=%v err=%v: a run nobody could claim must not run", ran, err)
	}
}

func TestNew_RejectsBadJobs(t *testing.T) {
	st := store.New(redistest.Start(t).Client())
	ok := func(context.Context, time.Time) error { return nil }
	for _, js := range [][]jobs.Job{
		{{Name: "a", Spec: "every night", Run: ok}},
		{{Name: "a", Spec: "@daily", Run: ok}, {Name: "a", Spec: "@hourly", Run: ok}},
		{{Name: "", Spec: "@daily", Run: ok}},
	} {
		if _, err := jobs.New(st, hcm(t), quiet, nil, js...); err == nil {
			t.Errorf("accepted %+v", js)
		}
	}
}

func TestStartStop_SchedulesInTheBotsTimeZone(t *testing.T) {
	st := store.New(redistest.Start(t).Client())
	s, err := jobs.New(st, hcm(t), quiet, nil, jobs.Retention(st, nil, quiet))
	if err != nil {
		t.Fatal(err)
	}
	if !s.Next("retention").IsZero() {
		t.Error("a next run before Start")
	}
	s.Start()
	// 03:30 in Hà Nội is 20:30 UTC the day before, whatever the machine's own time zone.
	next := s.Next("retention").UTC()
	if next.Hour() != 20 || next.Minute() != 30 || time.Until(next) > 24*time.Hour || time.Until(next) <= 0 {
		t.Errorf("next retention run %v, want the coming 20:30 UTC", next)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	s.Stop(ctx)
	if ctx.Err() != nil {
		t.Error("Stop waited for its deadline with nothing running")
	}
	if err := s.RunTick(context.Background(), "retention", time.Now()); !errors.Is(err, jobs.ErrStopped) {
		t.Errorf("RunTick after Stop: %v, want ErrStopped", err)
	}
}

// slowClaimer delays the claim, like a Redis round trip under load.
type slowClaimer struct {
	jobs.Claimer
	started chan struct{}
}

func (c slowClaimer) ClaimJobRun(ctx context.Context, name string, tick time.Time) (bool, error) {
	close(c.started)
	time.Sleep(100 * time.Millisecond)
	return c.Claimer.ClaimJobRun(ctx, name, tick)
}

func TestStop_WaitsForARunBeingClaimed(t *testing.T) {
	st := store.New(redistest.Start(t).Client())
	claimer := slowClaimer{Claimer: st, started: make(chan struct{})}
	finished := make(chan error, 1)
	s, err := jobs.New(claimer, hcm(t), quiet, nil, jobs.Job{Name: "x", Spec: "@daily", Run: func(ctx context.Context, _ time.Time) error {
		return ctx.Err()
	}})
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	go func() { finished <- s.RunTick(context.Background(), "x", time.Now()) }()
	<-claimer.started
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s.Stop(ctx)
	if err := <-finished; err != nil {
		t.Errorf("a run claimed while Stop began ran with %v; its claim would be wasted", err)
	}
}

func TestRetention_RunsAtHalfPastThreeInHanoiTime(t *testing.T) {
	sched, err := cron.ParseStandard(jobs.Retention(nil, nil, quiet).Spec)
	if err != nil {
		t.Fatal(err)
	}
	from := time.Date(2026, 11, 23, 12, 0, 0, 0, hcm(t))
	if got, want := sched.Next(from), time.Date(2026, 11, 24, 3, 30, 0, 0, hcm(t)); !got.Equal(want) {
		t.Errorf("next run after %v: %v, want %v", from, got, want)
	}
}

func TestRetention_DeletesWhatIsOlderThanPromised(t *testing.T) {
	var now time.Time
	st := store.New(redistest.Start(t).Client(), store.WithClock(func() time.Time { return now }))
	ctx := context.Background()
	loc := hcm(t)
	now = time.Date(2025, 11, 20, 10, 0, 0, 0, loc)
	if _, _, err := st.Register(ctx, "old", 1, "lo", map[string]string{"full_name": "A"}, 0, false); err != nil {
		t.Fatal(err)
	}
	now = time.Date(2025, 11, 25, 10, 0, 0, 0, loc)
	if _, _, err := st.Register(ctx, "newer", 1, "lo", map[string]string{"full_name": "A"}, 0, false); err != nil {
		t.Fatal(err)
	}
	s, err := jobs.New(st, loc, quiet, nil, jobs.Retention(st, nil, quiet))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.RunTick(ctx, "retention", time.Date(2026, 11, 23, 3, 30, 0, 0, loc)); err != nil {
		t.Fatal(err)
	}
	mine, err := st.UserRegistrations(ctx, 1)
	if err != nil || len(mine) != 1 || mine[0].Programme != "newer" {
		t.Fatalf("after retention: %+v %v, want only the registration younger than 12 months", mine, err)
	}
}

func TestStop_LetsARunningJobFinishWithinTheBudget(t *testing.T) {
	st := store.New(redistest.Start(t).Client())
	started, finished := make(chan struct{}), make(chan error, 1)
	s, err := jobs.New(st, hcm(t), quiet, nil, jobs.Job{Name: "slow", Spec: "@daily", Run: func(ctx context.Context, _ time.Time) error {
		close(started)
		select {
		case <-time.After(300 * time.Millisecond):
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	go func() { finished <- s.RunTick(context.Background(), "slow", time.Now()) }()
	<-started
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s.Stop(ctx)
	if err := <-finished; err != nil {
		t.Errorf("a job running at shutdown was interrupted although the budget allowed it to finish: %v", err)
	}
}

func TestStop_InterruptsAJobPastTheBudget(t *testing.T) {
	st := store.New(redistest.Start(t).Client())
	started, finished := make(chan struct{}), make(chan error, 1)
	s, err := jobs.New(st, hcm(t), quiet, nil, jobs.Job{Name: "stuck", Spec: "@daily", Run: func(ctx context.Context, _ time.Time) error {
		close(started)
		<-ctx.Done()
		return ctx.Err()
	}})
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	go func() { finished <- s.RunTick(context.Background(), "stuck", time.Now()) }()
	<-started
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	s.Stop(ctx)
	select {
	case err := <-finished:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("interrupted job returned %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a job past the shutdown budget was not interrupted")
	}
}

func TestSchedule_FiresAndClaimsOncePerMinute(t *testing.T) {
	st := store.New(redistest.Start(t).Client())
	ran := make(chan time.Time, 10)
	var replicas []*jobs.Scheduler
	for range 2 {
		s, err := jobs.New(st, hcm(t), quiet, nil, jobs.Job{Name: "tick", Spec: "@every 1s", Run: func(_ context.Context, tick time.Time) error {
			ran <- tick
			return nil
		}})
		if err != nil {
			t.Fatal(err)
		}
		s.Start()
		replicas = append(replicas, s)
	}
	defer func() {
		for _, s := range replicas {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			s.Stop(ctx)
			cancel()
		}
	}()
	// Both replicas fire every second; within one minute only the first run is claimed.
	var first time.Time
	select {
	case first = <-ran:
	case <-time.After(5 * time.Second):
		t.Fatal("the schedule never fired")
	}
	deadline := time.After(2500 * time.Millisecond)
	for {
		select {
		case tick := <-ran:
			if tick.Equal(first) {
				t.Fatalf("tick %v ran twice", tick)
			}
			first = tick // a new minute began meanwhile: that is its one run
		case <-deadline:
			return
		}
	}
}
