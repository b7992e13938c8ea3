package bot

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ufo-thanhhoa/huunghi/bot/broadcast"
	"github.com/ufo-thanhhoa/huunghi/handlers"
)

// statsCacheFor is how long /metrics reuses the statistics it computed: Prometheus scrapes every 15–60 s,
// perhaps from two servers, and the numbers (users, registrations) move slowly.
const statsCacheFor = 60 * time.Second

// statsCollector exposes /stats's numbers as Prometheus gauges, computed on scrape from the same snapshot
// (handlers.Stats.Snapshot) and cached for statsCacheFor in real time. A scrape when Redis fails gets the
// last numbers if there are any, otherwise none of these gauges (never zeros that look like a collapse).
type statsCollector struct {
	snapshot func(context.Context) (handlers.StatsSnapshot, error)
	log      *slog.Logger

	mu   sync.Mutex
	at   time.Time // when snap was computed (real time)
	snap handlers.StatsSnapshot
	ok   bool

	users, active, unreachable, byLang, byAudience, byCountry *prometheus.Desc
	questions, registrations, decisions, signups              *prometheus.Desc
}

func newStatsCollector(snapshot func(context.Context) (handlers.StatsSnapshot, error), log *slog.Logger) *statsCollector {
	d := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc(name, help, labels, nil)
	}
	return &statsCollector{
		snapshot:      snapshot,
		log:           log,
		users:         d("huunghi_users", "Users the bot keeps a record of."),
		active:        d("huunghi_users_active", "Users seen within the window (7d, 30d).", "window"),
		unreachable:   d("huunghi_users_unreachable", "Users who blocked the bot."),
		byLang:        d("huunghi_users_by_language", "Users by language (\"\": not chosen).", "lang"),
		byAudience:    d("huunghi_users_by_audience", "Users by audience (\"\": not said).", "audience"),
		byCountry:     d("huunghi_users_by_country", "Users by the country they gave in a form (ISO 3166).", "country"),
		questions:     d("huunghi_questions", "Questions of the last days by outcome (answered, declined, not_this).", "window", "outcome"),
		registrations: d("huunghi_registrations", "Active registrations by programme and status.", "programme", "status"),
		decisions:     d("huunghi_registration_decisions", "Active registrations by programme and the decision staff took.", "programme", "decision"),
		signups:       d("huunghi_event_signups", "Active event sign-ups by event and status.", "event", "status"),
	}
}

// Describe implements prometheus.Collector.
func (c *statsCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.users, c.active, c.unreachable, c.byLang, c.byAudience, c.byCountry, c.questions, c.registrations, c.decisions, c.signups} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *statsCollector) Collect(ch chan<- prometheus.Metric) {
	snap, ok := c.current()
	if !ok {
		return
	}
	g := func(d *prometheus.Desc, v int64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, float64(v), labels...)
	}
	u := snap.Users
	g(c.users, u.Total)
	g(c.active, u.Active7, "7d")
	g(c.active, u.Active30, "30d")
	g(c.unreachable, u.Unreachable)
	for l, n := range u.ByLang {
		g(c.byLang, n, l)
	}
	for a, n := range u.ByAudience {
		g(c.byAudience, n, a)
	}
	for _, k := range snap.Countries {
		g(c.byCountry, k.N, k.Key)
	}
	for _, w := range []struct {
		name string
		n    [3]int64
	}{{"7d", [3]int64{snap.Week.Answered, snap.Week.Declined, snap.Week.NotThis}},
		{"30d", [3]int64{snap.Month.Answered, snap.Month.Declined, snap.Month.NotThis}}} {
		g(c.questions, w.n[0], w.name, "answered")
		g(c.questions, w.n[1], w.name, "declined")
		g(c.questions, w.n[2], w.name, "not_this")
	}
	for _, p := range snap.Programmes {
		for _, k := range p.Statuses {
			g(c.registrations, k.N, p.ID, k.Key)
		}
		for _, k := range p.Decisions {
			g(c.decisions, k.N, p.ID, k.Key)
		}
	}
	for _, e := range snap.Events {
		for _, k := range e.Statuses {
			g(c.signups, k.N, e.ID, k.Key)
		}
	}
}

// current returns the cached snapshot, computing it when older than statsCacheFor. Concurrent scrapes
// share one computation (the mutex is held during it).
func (c *statsCollector) current() (handlers.StatsSnapshot, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ok && time.Since(c.at) < statsCacheFor {
		return c.snap, true
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	snap, err := c.snapshot(ctx)
	if err != nil {
		c.log.Warn("statistics for /metrics", "err", err)
		return c.snap, c.ok
	}
	c.snap, c.at, c.ok = snap, time.Now(), true
	return snap, true
}

// broadcastsCollector exposes the broadcasts of the last 30 days on /metrics: how many, and their
// recipients by outcome (the reach /stats shows). Computed on scrape, cached as the statistics are.
type broadcastsCollector struct {
	reach func(ctx context.Context) (broadcast.Totals, error)
	log   *slog.Logger

	mu   sync.Mutex
	at   time.Time
	last broadcast.Totals
	ok   bool

	count, recipients *prometheus.Desc
}

func newBroadcastsCollector(reach func(ctx context.Context) (broadcast.Totals, error), log *slog.Logger) *broadcastsCollector {
	return &broadcastsCollector{reach: reach, log: log,
		count:      prometheus.NewDesc("huunghi_broadcasts_30d", "Broadcasts made in the last 30 days.", nil, nil),
		recipients: prometheus.NewDesc("huunghi_broadcast_recipients_30d", "Recipients of the last 30 days' broadcasts by outcome (total, sent, failed, unreachable, opted_out).", []string{"outcome"}, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *broadcastsCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.count; ch <- c.recipients }

// Collect implements prometheus.Collector.
func (c *broadcastsCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	if !c.ok || time.Since(c.at) >= statsCacheFor {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if t, err := c.reach(ctx); err != nil {
			c.log.Warn("broadcast figures for /metrics", "err", err)
		} else {
			c.last, c.at, c.ok = t, time.Now(), true
		}
		cancel()
	}
	t, ok := c.last, c.ok
	c.mu.Unlock()
	if !ok {
		return
	}
	ch <- prometheus.MustNewConstMetric(c.count, prometheus.GaugeValue, float64(t.Count))
	for outcome, n := range map[string]int64{"total": t.Total, "sent": t.Sent, "failed": t.Failed, "unreachable": t.Unreachable, "opted_out": t.OptedOut} {
		ch <- prometheus.MustNewConstMetric(c.recipients, prometheus.GaugeValue, float64(n), outcome)
	}
}
