// Package jobs runs the bot's scheduled work — the retention of registrations, the clean-up of form
// sessions, the staff's weekly digest — with github.com/robfig/cron/v3 in the bot's time zone. Jobs take
// what they use as small interfaces and import nothing of the bot but its content (messages), so that
// they are tested against a real Redis without the rest of it.
//
// Every replica runs a scheduler; each scheduled run happens on one replica only. Instead of electing a
// leader that must renew a lease (and whose loss mid-run needs handling), a replica claims the run itself:
// the first to SET NX hn:job:{name}:{minute} runs it, the others skip. Cron fires on minute boundaries, so
// replicas agree on the minute even with clocks a few seconds apart. A replica that dies mid-run leaves that
// run unfinished until the next tick, so jobs must be idempotent and catch up on what an earlier run missed.
package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/robfig/cron/v3"
)

// ErrStopped is returned by RunTick once the scheduler is stopping.
var ErrStopped = errors.New("scheduler stopped")

// Job is one piece of scheduled work.
type Job struct {
	Name string // metric label, log field and claim key: [a-z_]+
	Spec string // standard five-field cron spec in the scheduler's time zone, e.g. "30 3 * * *"
	// Run does the work for the run scheduled at tick. It must be idempotent.
	Run func(ctx context.Context, tick time.Time) error
}

// Claimer decides which replica runs a scheduled run (store.Store in production).
type Claimer interface {
	ClaimJobRun(ctx context.Context, name string, tick time.Time) (bool, error)
}

// Scheduler runs jobs on their schedules until Stop.
type Scheduler struct {
	cron    *cron.Cron
	claim   Claimer
	log     *slog.Logger
	now     func() time.Time
	jobs    map[string]Job
	ids     map[string]cron.EntryID
	ctx     context.Context // ends when Stop gives up waiting: running jobs are interrupted
	cancel  context.CancelFunc
	mu      sync.Mutex // orders running.Add before Stop's Wait
	stopped bool
	running sync.WaitGroup // runs in progress, claim included
	busy    atomic.Int64   // the same count, readable (Busy)
	runs    *prometheus.CounterVec
	success *prometheus.GaugeVec
}

// New checks every job's spec and returns a scheduler that has not started. now is the clock jobs see
// (time.Now in production; tests move it).
func New(claim Claimer, loc *time.Location, log *slog.Logger, now func() time.Time, jobs ...Job) (*Scheduler, error) {
	if now == nil {
		now = time.Now
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Scheduler{
		claim: claim, log: log, now: now, jobs: map[string]Job{}, ids: map[string]cron.EntryID{}, ctx: ctx, cancel: cancel,
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "huunghi_job_runs_total",
			Help: "Scheduled job runs by outcome: ok, error, panic, or skipped (another replica claimed the run).",
		}, []string{"job", "outcome"}),
		success: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "huunghi_job_last_success_timestamp_seconds",
			Help: "When each job last finished without error on this replica (alert when it stops moving).",
		}, []string{"job"}),
	}
	// SkipIfStillRunning: a slow run is not stacked on by the next tick of the same replica.
	s.cron = cron.New(cron.WithLocation(loc), cron.WithChain(cron.SkipIfStillRunning(cronLogger{log})))
	for _, j := range jobs {
		if _, dup := s.jobs[j.Name]; dup || j.Name == "" {
			return nil, fmt.Errorf("job %q: empty or duplicate name", j.Name)
		}
		id, err := s.cron.AddFunc(j.Spec, func() { _ = s.RunTick(s.ctx, j.Name, s.now()) })
		if err != nil {
			return nil, fmt.Errorf("job %s: spec %q: %w", j.Name, j.Spec, err)
		}
		s.jobs[j.Name], s.ids[j.Name] = j, id
	}
	return s, nil
}

// Start starts the schedules in the background and logs when each job runs next.
func (s *Scheduler) Start() {
	s.cron.Start()
	for name := range s.jobs {
		s.log.Info("job scheduled", "job", name, "next", s.Next(name))
	}
}

// Next returns when the named job runs next (zero before Start or for an unknown job).
func (s *Scheduler) Next(name string) time.Time {
	id, ok := s.ids[name]
	if !ok {
		return time.Time{}
	}
	return s.cron.Entry(id).Next
}

// Stop stops scheduling and lets running jobs finish until ctx ends; then it cancels their context and
// waits up to a second more for them to return, so that Redis is not closed under a job that is still
// unwinding. A run that had not yet claimed its tick when Stop began is not started: another replica, or
// this one after restart, runs it.
func (s *Scheduler) Stop(ctx context.Context) {
	s.mu.Lock()
	s.stopped = true
	s.mu.Unlock()
	s.cron.Stop()
	done := make(chan struct{})
	go func() { s.running.Wait(); close(done) }()
	defer s.cancel()
	select {
	case <-done:
	case <-ctx.Done():
		s.log.Warn("jobs: still running at shutdown; interrupted, they run again at their next tick")
		s.cancel()
		select {
		case <-done:
		case <-time.After(time.Second):
			s.log.Error("jobs: a job did not return within a second of being interrupted")
		}
	}
}

// RunTick runs the named job for the run scheduled in the minute of at, unless another replica claimed that
// run. A panic in a job is recovered and reported like an error. It is what the schedule calls, exported so
// tests and operators can trigger a run. After Stop it returns ErrStopped.
func (s *Scheduler) RunTick(ctx context.Context, name string, at time.Time) (err error) {
	j, ok := s.jobs[name]
	if !ok {
		return fmt.Errorf("no job named %q", name)
	}
	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		return ErrStopped
	}
	s.running.Add(1)
	s.busy.Add(1)
	s.mu.Unlock()
	defer s.running.Done()
	defer s.busy.Add(-1)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(s.ctx, cancel)() // Stop's deadline interrupts runs started by hand too
	tick := at.Truncate(time.Minute)
	claimed, err := s.claim.ClaimJobRun(ctx, name, tick)
	if err != nil {
		s.runs.WithLabelValues(name, "error").Inc()
		s.log.Error("job not run: cannot claim it", "job", name, "err", err)
		return err
	}
	if !claimed {
		s.runs.WithLabelValues(name, "skipped").Inc()
		return nil
	}
	start := time.Now()
	defer func() {
		outcome := "ok"
		if p := recover(); p != nil {
			outcome, err = "panic", fmt.Errorf("job %s panicked: %v", name, p)
		} else if err != nil {
			outcome = "error"
		}
		s.runs.WithLabelValues(name, outcome).Inc()
		if outcome != "ok" {
			s.log.Error("job failed", "job", name, "outcome", outcome, "took", time.Since(start), "err", err)
			return
		}
		s.success.WithLabelValues(name).SetToCurrentTime()
		s.log.Info("job done", "job", name, "took", time.Since(start))
	}()
	return j.Run(ctx, tick)
}

// Busy reports whether a run is in progress (claim included): a test waiting for the bot to be idle must
// also wait for a scheduled run that fired on its own, whose claim made the test's run of the same minute
// a no-op.
func (s *Scheduler) Busy() bool { return s.busy.Load() > 0 }

// Collectors returns the scheduler's Prometheus metrics.
func (s *Scheduler) Collectors() []prometheus.Collector {
	return []prometheus.Collector{s.runs, s.success}
}

// cronLogger sends robfig/cron's own messages to slog; its Info chatter (every wake-up) goes to Debug.
type cronLogger struct{ log *slog.Logger }

func (l cronLogger) Info(msg string, kv ...any) { l.log.Debug("cron: "+msg, kv...) }
func (l cronLogger) Error(err error, msg string, kv ...any) {
	l.log.Error("cron: "+msg, append(kv, "err", err)...)
}
