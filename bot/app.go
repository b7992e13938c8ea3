// Package bot is the runtime of the Hữu Nghị bot: configuration, wiring, update intake (long polling or
// webhook), the dispatcher, middleware, the routing table (routes.go), the outbox and the HTTP endpoints.
// Everything is built from one Config in New and runs until the context given to Run ends.
package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-redis/redis_rate/v10"
	tg "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/ufo-thanhhoa/huunghi/bot/broadcast"
	"github.com/ufo-thanhhoa/huunghi/bot/events"
	"github.com/ufo-thanhhoa/huunghi/bot/outbox"
	"github.com/ufo-thanhhoa/huunghi/bot/store"
	"github.com/ufo-thanhhoa/huunghi/handlers"
	"github.com/ufo-thanhhoa/huunghi/handlers/faq"
	"github.com/ufo-thanhhoa/huunghi/jobs"
	"github.com/ufo-thanhhoa/huunghi/messages"
)

// App is the running bot.
type App struct {
	cfg      Config
	log      *slog.Logger
	rdb      redis.UniversalClient
	ownRedis bool
	store    *store.Store
	content  *messages.Content
	api      *tg.Bot
	out      *outbox.Outbox
	events   *events.Catalog // the events and their reminder schedule
	// broadcasts makes and delivers staff announcements; its worker runs beside the jobs.
	broadcasts *broadcast.Service
	caughtUp   atomic.Bool // the catch-up at start is done (Idle)
	limiter    *redis_rate.Limiter
	metrics    *metrics
	registry   *prometheus.Registry
	username   string
	// staffCommands are the commands of staff-desk routes (routes.go, staffCommand): a staff chat may
	// use them without naming the bot. Written while the routes are built in New, read-only after.
	staffCommands map[string]bool
	// desk are the routes that need a role (roles.go), read from the routing table in New.
	desk    []DeskRoute
	matcher *faq.Matcher
	lessons atomic.Pointer[faq.Lessons] // what staff taught the FAQ (lessons.go)
	stats   *handlers.Stats             // /stats, and the statistics on /metrics
	// forget deletes a user as /forget does (handlers.ForgetUser), for the inactive users' job.
	forget   func(ctx context.Context, uid int64) error
	jobs     *jobs.Scheduler
	intake   atomic.Pointer[Intake] // set by Run; read by the webhook handler
	running  atomic.Bool
	httpAddr chan string
	// metricsAddr is METRICS_ADDR once listening.
	metricsAddr chan string
	guard       *connGuard // bounds the public listener's connections
	httpLimits  HTTPLimits
	backlog     int // updates a chat may have waiting (see store.StoreUpdate)
	floodLimits FloodLimits
	// perChat, perGroup pace sends to one chat; zero means the outbox's defaults (WithSendLimits).
	perChat, perGroup redis_rate.Limit

	readyMu sync.Mutex // guards readyAt, readyOK: the last Redis ping of /readyz
	readyAt time.Time
	readyOK bool

	lease    time.Duration
	pollWait time.Duration
	// apiTimeout bounds one Bot API call (WithAPITimeout).
	apiTimeout time.Duration
	// transport carries the Bot API calls (WithTransport); nil is http.DefaultTransport.
	transport http.RoundTripper
	workers   int
	now       func() time.Time
}

// Option configures an App beyond Config, for the chat demo and tests.
type Option func(*App)

// WithRedis uses an existing client (the chat demo's embedded store) instead of dialling Config.Redis. The
// caller closes it.
func WithRedis(c redis.UniversalClient) Option { return func(a *App) { a.rdb = c } }

// WithLease sets how long a chat's lease lasts; a crashed worker blocks its chats that long (default 5 s).
func WithLease(d time.Duration) Option { return func(a *App) { a.lease = d } }

// WithClock replaces time.Now as the bot's calendar, for everything that reads a date: handlers (which
// programmes are open, dates shown), the store (when a user was seen or registered, the day a question is
// counted for) and the scheduled jobs (the retention cutoff). Durations — leases, timeouts, send budgets,
// metrics — stay in real time. Tests live on a date of their own with it; the chat demo on --date.
func WithClock(now func() time.Time) Option { return func(a *App) { a.now = now } }

// WithPollWait sets the long-polling timeout (default 50 s).
func WithPollWait(d time.Duration) Option { return func(a *App) { a.pollWait = d } }

// WithAPITimeout sets how long a Bot API call may take before the bot gives up on it (default 1 minute);
// getUpdates may take its long-polling wait on top, plus at most 15 s. Fault tests shorten it to see a
// Telegram that does not answer in a second rather than a minute.
func WithAPITimeout(d time.Duration) Option { return func(a *App) { a.apiTimeout = d } }

// WithTransport carries every Bot API call (getUpdates included) through rt instead of
// http.DefaultTransport: a proxy the office's network requires, or a test's recorder of which calls the
// bot got no answer to (the fault tests bound the duplicates they see by those calls).
func WithTransport(rt http.RoundTripper) Option { return func(a *App) { a.transport = rt } }

// WithHTTPLimits replaces DefaultHTTPLimits (tests use short timeouts and few connections).
func WithHTTPLimits(l HTTPLimits) Option { return func(a *App) { a.httpLimits = l } }

// WithSendLimits replaces the budget of one chat: private chats (default 1 msg/s with a burst of 3) and
// groups (20/min with a burst of 3), Telegram's own limits. Tests of the lanes under a real global budget
// (SEND_RATE) use generous ones, so that many messages to a few chats are not paced at 1 msg/s. A zero
// Limit keeps the default.
func WithSendLimits(perChat, perGroup redis_rate.Limit) Option {
	return func(a *App) { a.perChat, a.perGroup = perChat, perGroup }
}

// NewMatcher builds the FAQ matcher of content, as New does. Building it is the costliest part of New
// (under the race detector, seconds), and a Matcher is read-only once built: tests that start many bots on
// the same content build it once and pass it with WithMatcher.
func NewMatcher(content *messages.Content) *faq.Matcher {
	return faq.New(faq.EntriesOf(content.FAQ), faq.SynonymsOf(content.FAQ), faq.Options{})
}

// WithMatcher uses m, made by NewMatcher from the same content's FAQ, instead of building one.
func WithMatcher(m *faq.Matcher) Option { return func(a *App) { a.matcher = m } }

// WithWorkers sets how many chats are worked on at once (default 64).
func WithWorkers(n int) Option { return func(a *App) { a.workers = n } }

// DefaultBacklog is how many updates a chat may have waiting before more are turned away with a notice.
// People type a few messages before the first answer; twenty is a flood, or a bot. A staff chat, where
// several people tap Block or /reply at once and replies go at a group's 20 a minute, may have ten times
// as many.
const DefaultBacklog = 20

// backlogOf is the backlog bound of a chat.
func (a *App) backlogOf(chat int64) int {
	if a.isStaffChat(chat) {
		return 10 * a.backlog
	}
	return a.backlog
}

// New builds the bot. It does not touch the network; Run does.
func New(cfg Config, content *messages.Content, log *slog.Logger, opts ...Option) (*App, error) {
	a := &App{
		cfg: cfg, content: content, log: log,
		metrics:     newMetrics(),
		registry:    prometheus.NewRegistry(),
		httpAddr:    make(chan string, 1),
		metricsAddr: make(chan string, 1),
		httpLimits:  DefaultHTTPLimits(),
		backlog:     DefaultBacklog,
		floodLimits: DefaultFloodLimits(),
		lease:       5 * time.Second,
		pollWait:    50 * time.Second,
		apiTimeout:  time.Minute,
		workers:     64,
	}
	if cfg.ChatLease > 0 {
		a.lease = cfg.ChatLease // CHAT_LEASE; WithLease below still has the last word
	}
	for _, o := range opts {
		o(a)
	}
	if a.now == nil {
		a.now = time.Now
	}
	if a.rdb == nil {
		a.rdb, a.ownRedis = cfg.Redis.NewClient(), true
	}
	// The dispatcher learns through it which handlers met an unreachable Redis (redisdown.go). It only
	// observes, so a client given with WithRedis gets it too.
	a.rdb.AddHook(outageHook{})
	if !content.HasLang(cfg.StaffLang) {
		return nil, fmt.Errorf("STAFF_LANG: %q is not a language of the content (%s)", cfg.StaffLang, strings.Join(content.Langs, ", "))
	}
	if cfg.Location != nil {
		// Event times are wall-clock times where the events take place: BOT_TIMEZONE.
		a.content = content.WithZone(cfg.Location)
		content = a.content
	}
	a.store = store.New(a.rdb, store.WithClock(a.now), store.WithRetention(cfg.Retention))
	a.limiter = redis_rate.NewLimiter(a.rdb)
	api, err := tg.New(cfg.Token,
		tg.WithServerURL(cfg.APIURL),
		tg.WithSkipGetMe(),
		tg.WithNotAsyncHandlers(), // the dispatcher orders updates; handlers must finish before the ack
		tg.WithMiddlewares(a.middleware()...),
		tg.WithDefaultHandler(func(context.Context, *tg.Bot, *models.Update) {}),
		tg.WithErrorsHandler(slogErrors(log)),
		tg.WithHTTPClient(time.Minute, &http.Client{Timeout: a.apiTimeout, Transport: a.transport}),
	)
	if err != nil {
		return nil, fmt.Errorf("telegram client: %w", err)
	}
	a.api = api
	ocfg := outbox.Config{SendRate: cfg.SendRate, PaidRate: cfg.PaidBroadcastRate, Lease: cfg.BulkLease, PerChat: a.perChat, PerGroup: a.perGroup}
	a.out = outbox.New(api, a.store, ocfg, log)
	a.events = events.New(a.store, content, a.out, a.now, log)
	a.broadcasts = broadcast.New(broadcast.Config{
		Store: a.store, Redis: a.rdb, Out: a.out, Content: content, Events: a.events,
		Zone: cfg.Location, Rate: a.out.BroadcastRate(), Now: a.now, Log: log, Lease: cfg.BroadcastLease,
	})
	a.out.Handle(broadcast.Render, a.broadcasts.RenderMessage)
	a.out.Observe(broadcast.Render, a.broadcasts.Observe)
	if a.matcher == nil {
		a.matcher = NewMatcher(content)
	}
	d := handlers.Deps{
		Store: a.store, Out: a.out, Content: content, Log: log, StaffChatID: cfg.StaffChatID, StaffLang: cfg.StaffLang, Location: cfg.Location, Now: a.now,
		Events:     a.events,
		Broadcasts: a.broadcasts,
	}
	table := a.routes(d)
	for _, r := range table {
		api.RegisterHandlerMatchFunc(r.match, a.scoped(r))
	}
	a.desk = deskRoutes(table)
	if a.jobs, err = jobs.New(a.store, cfg.Location, log, a.now, a.schedule()...); err != nil {
		return nil, err
	}
	a.registry.MustRegister(a.jobs.Collectors()...)
	a.registry.MustRegister(a.metrics.collectors()...)
	a.registry.MustRegister(a.out.Collectors()...)
	a.registry.MustRegister(a.queueGauges()...)
	a.registry.MustRegister(newStatsCollector(a.stats.Snapshot, log))
	a.registry.MustRegister(newBroadcastsCollector(func(ctx context.Context) (broadcast.Totals, error) {
		return a.broadcasts.Reach(ctx, a.now().AddDate(0, 0, -30))
	}, log))
	a.guard = newConnGuard(a.httpLimits.MaxConns)
	a.registry.MustRegister(a.guard.collectors()...)
	return a, nil
}

// shutdownBudget is how long handlers in flight, the outbox and running jobs have to finish after a stop
// signal, inside the 10 s a SIGTERM allows before SIGKILL; closeGrace is what handlers and workers get
// after it to notice that their context ended (jobs get the same in jobs.Scheduler.Stop). Redis is closed
// only when all of them returned.
const (
	shutdownBudget = 8 * time.Second
	closeGrace     = time.Second
)

// Run runs the bot until ctx ends, then shuts down within about ten seconds: intake stops, in-flight
// handlers finish (or are cancelled when the shutdown budget is spent), HTTP closes, Redis closes last.
func (a *App) Run(ctx context.Context) error {
	a.log.Info("starting", "config", a.cfg)
	ln, err := net.Listen("tcp", a.cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen on HTTP_ADDR %s: %w", a.cfg.HTTPAddr, err)
	}
	servers := []*http.Server{a.serve(ln, a.publicHandler(), a.guard)}
	a.httpAddr <- ln.Addr().String()
	if a.cfg.MetricsAddr != "" {
		mln, err := net.Listen("tcp", a.cfg.MetricsAddr)
		if err != nil {
			_ = servers[0].Close()
			return fmt.Errorf("listen on METRICS_ADDR %s: %w", a.cfg.MetricsAddr, err)
		}
		servers = append(servers, a.serve(mln, a.adminHandler(), nil))
		a.metricsAddr <- mln.Addr().String()
	}
	// hard ends when the shutdown budget is spent: handlers, acks and jobs still running stop then.
	hard, stopHard := context.WithCancel(context.WithoutCancel(ctx))
	defer stopHard()
	// Redis is closed only once nothing uses it any more (drained); otherwise it is left to the exit.
	drained := true
	defer func() { a.closeAll(servers, drained) }()

	if err := a.waitRedis(ctx); err != nil {
		return nil // shut down while waiting
	}
	if err := a.migrateKeys(ctx); err != nil {
		return nil // shut down while waiting
	}
	if err := a.identify(ctx); err != nil {
		return err
	}
	a.publishCommands(ctx)
	a.publishStaffMenus(ctx)

	dispatcher := NewDispatcher(ctx, hard, a.store, a.log, a.workers, a.lease, a.api.ProcessUpdate)
	dispatcher.dropped = a.metrics.dropped.Inc
	intake := &Intake{
		st: a.store, log: a.log, notify: dispatcher.Notify, handOver: dispatcher.HandOver, lease: a.lease,
		apiURL: a.cfg.APIURL, token: a.cfg.Token, secret: a.cfg.WebhookSecret,
		client:   &http.Client{Timeout: a.pollWait + min(a.apiTimeout, 15*time.Second), Transport: a.transport},
		pollWait: a.pollWait, running: a.running.Store,
		bodyTimeout: a.httpLimits.BodyTimeout, backlog: a.backlogOf,
		overflow: a.backlogFull, rejected: a.metrics.rejected.Inc,
	}
	a.intake.Store(intake)
	var wg sync.WaitGroup
	wg.Go(dispatcher.Run)
	wg.Go(func() { a.out.Run(ctx) })
	a.jobs.Start()
	wg.Go(func() { jobs.RunWorkers(ctx, a.log, a.workersToRun()...) })
	wg.Go(func() { a.catchUp(ctx) })
	if a.cfg.WebhookURL != nil {
		a.startWebhook(ctx)
	} else {
		a.stopWebhook(ctx)
		wg.Go(func() { _ = intake.Poll(ctx) })
	}
	a.log.Info("running", "username", a.username, "mode", map[bool]string{true: "webhook", false: "polling"}[a.cfg.WebhookURL != nil])
	<-ctx.Done()
	a.running.Store(false)
	a.log.Info("shutting down")
	// Workers, the outbox and running jobs share one budget.
	stopCtx, stopped := context.WithTimeout(context.Background(), shutdownBudget)
	defer stopped()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	a.jobs.Stop(stopCtx)
	select {
	case <-done:
		return nil
	case <-stopCtx.Done():
	}
	a.log.Warn("shutdown: handlers still busy when the budget was spent; they are stopped, their updates stay stored and are handled after restart", "budget", shutdownBudget)
	stopHard()
	select {
	case <-done:
	case <-time.After(closeGrace):
		drained = false
		a.log.Error("shutdown: workers did not stop within the grace after their context ended; Redis is left open", "grace", closeGrace)
	}
	return nil
}

// serve starts an HTTP server on ln.
func (a *App) serve(ln net.Listener, h http.Handler, guard *connGuard) *http.Server {
	srv := newHTTPServer(h, a.httpLimits, guard, a.log)
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.log.Error("http server", "addr", ln.Addr().String(), "err", err)
		}
	}()
	return srv
}

// HTTPAddr returns the address the HTTP server listens on, once Run has started it.
func (a *App) HTTPAddr(ctx context.Context) (string, error) { return awaitAddr(ctx, a.httpAddr) }

// awaitAddr waits for the address a listener puts in ch, and leaves it there for the next caller.
func awaitAddr(ctx context.Context, ch chan string) (string, error) {
	select {
	case addr := <-ch:
		ch <- addr
		return addr, nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// catchUp runs at start what the events and reminders jobs do each minute: apply event files changed while
// the bot was down, then queue the reminders that came due meanwhile; then it indexes users seen before
// the statistics existed (store.BackfillStats, once across replicas). It calls the catalogue and the store
// directly rather than the jobs, whose runs are claimed per minute: another replica may have run this
// minute's before this one came up, and a restart should not delay reminders by up to a minute. Both steps
// are safe to run on several replicas at once (one Redis script each).
func (a *App) catchUp(ctx context.Context) {
	defer a.caughtUp.Store(true)
	if _, err := a.events.Sync(ctx); err != nil && ctx.Err() == nil {
		a.log.Error("events: catch-up at start", "err", err)
	}
	n, err := a.store.MoveDueReminders(ctx, a.now(), string(outbox.LaneReminder))
	if err != nil && ctx.Err() == nil {
		a.log.Error("reminders: catch-up at start", "err", err)
	}
	if n > 0 {
		a.log.Info("reminders: queued at start what came due while down", "count", n)
	}
	// Last, since it may take a while on a large store and no user's answer waits for it (only Idle, for
	// tests and the demo); /stats says meanwhile that its counts are short.
	if n, err := a.store.BackfillStats(ctx); err != nil && ctx.Err() == nil {
		a.log.Error("statistics: indexing users seen before them", "err", err)
	} else if n > 0 {
		a.log.Info("statistics: indexed users seen before them", "count", n)
	}
}

// RunJob runs one scheduled job now, as its schedule would at the current minute of the bot's clock (tests
// use it to run a night's job without waiting for the night).
func (a *App) RunJob(ctx context.Context, name string) error {
	return a.jobs.RunTick(ctx, name, a.now())
}

// Idle reports whether every stored update has been handled, the catch-up at start is done and no job is
// running (the chat demo and the tests wait for it).
func (a *App) Idle(ctx context.Context) bool {
	if !a.caughtUp.Load() || a.jobs.Busy() {
		return false // the catch-up at start, or a job's run, may still queue reminders and notices
	}
	if busy, err := a.broadcasts.Busy(ctx); err != nil || busy {
		return false // a broadcast due or being sent has more to queue
	}
	n, err := a.store.PendingCount(ctx)
	return err == nil && n == 0
}

// Broadcasts is the bot's broadcast service (the chat demo and tests make broadcasts with it, as
// `huunghi broadcast` does).
func (a *App) Broadcasts() *broadcast.Service { return a.broadcasts }

// MetricsAddr returns the address /metrics is served on, once Run has started it (METRICS_ADDR not "off").
func (a *App) MetricsAddr(ctx context.Context) (string, error) { return awaitAddr(ctx, a.metricsAddr) }

func (a *App) closeAll(servers []*http.Server, closeRedis bool) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	for _, srv := range servers {
		if srv.Shutdown(ctx) != nil {
			_ = srv.Close()
		}
	}
	if a.ownRedis && closeRedis {
		_ = a.rdb.Close()
	}
}

// waitRedis blocks until Redis answers, saying so while it does not (a bot that exits when Redis is a
// second late to start is a bot that flaps in docker compose).
func (a *App) waitRedis(ctx context.Context) error {
	backoff := 250 * time.Millisecond
	for {
		pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		err := a.store.Ping(pctx)
		cancel()
		if err == nil {
			return nil
		}
		a.log.Warn("Redis unreachable, retrying", "addr", a.cfg.Redis.Addr, "retry_in", backoff, "err", err)
		if err := outbox.Sleep(ctx, backoff); err != nil {
			return err
		}
		backoff = min(backoff*2, 10*time.Second)
	}
}

// migrateKeys renames the keys of a store from before the schema's hash tag (store.MigrateKeyPrefix), once
// across replicas, before anything reads the store: a worker started on the old names would see no users
// and no queued updates. A Redis error is retried, since starting without it would be worse than waiting.
func (a *App) migrateKeys(ctx context.Context) error {
	backoff := 250 * time.Millisecond
	for {
		m, err := a.store.MigrateKeyPrefix(ctx)
		if err == nil {
			if m.Renamed > 0 || m.Kept > 0 {
				a.log.Info("keys renamed to the hash-tagged schema", "renamed", m.Renamed, "kept_old", m.Kept)
			}
			if m.Kept > 0 {
				a.log.Warn("old keys left beside keys of the new schema with the same name (nothing was overwritten)", "count", m.Kept)
			}
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		a.log.Warn("renaming keys to the hash-tagged schema, retrying", "retry_in", backoff, "err", err)
		if err := outbox.Sleep(ctx, backoff); err != nil {
			return err
		}
		backoff = min(backoff*2, 10*time.Second)
	}
}

// identify learns the bot's username (group commands name it). A rejected token is fatal; a network
// problem is retried.
func (a *App) identify(ctx context.Context) error {
	backoff := 250 * time.Millisecond
	for {
		me, err := a.api.GetMe(ctx)
		if err == nil {
			a.username = me.Username
			return nil
		}
		if errors.Is(err, tg.ErrorUnauthorized) || errors.Is(err, tg.ErrorNotFound) {
			return fmt.Errorf("TELEGRAM_TOKEN: rejected by Telegram (%v)", err)
		}
		if ctx.Err() != nil {
			return nil
		}
		a.log.Warn("Telegram unreachable, retrying", "retry_in", backoff, "err", err)
		if err := outbox.Sleep(ctx, backoff); err != nil {
			return nil
		}
		backoff = min(backoff*2, 30*time.Second)
	}
}

// publishCommands sets the command menu for every language and the default scope.
func (a *App) publishCommands(ctx context.Context) {
	for _, lang := range append([]string{""}, a.content.Langs...) {
		text := lang
		if text == "" {
			text = messages.DefaultLang
		}
		cmds := make([]models.BotCommand, len(commands))
		for i, c := range commands {
			cmds[i] = models.BotCommand{Command: c, Description: a.content.T(text, "cmd."+c)}
		}
		_, err := a.api.SetMyCommands(ctx, &tg.SetMyCommandsParams{
			Commands: cmds, Scope: &models.BotCommandScopeDefault{}, LanguageCode: lang,
		})
		if err != nil {
			a.log.Warn("setMyCommands", "lang", lang, "err", err)
		}
	}
}

func (a *App) startWebhook(ctx context.Context) {
	for backoff := 250 * time.Millisecond; ctx.Err() == nil; backoff = min(backoff*2, 30*time.Second) {
		_, err := a.api.SetWebhook(ctx, &tg.SetWebhookParams{
			URL: a.cfg.WebhookURL.String(), SecretToken: a.cfg.WebhookSecret, MaxConnections: 40,
		})
		if err == nil {
			a.running.Store(true)
			return
		}
		a.log.Warn("setWebhook failed, retrying", "retry_in", backoff, "err", err)
		_ = outbox.Sleep(ctx, backoff)
	}
}

// stopWebhook removes a webhook left by an earlier webhook deployment, without dropping pending updates,
// so that polling works.
func (a *App) stopWebhook(ctx context.Context) {
	if _, err := a.api.DeleteWebhook(ctx, &tg.DeleteWebhookParams{}); err != nil {
		a.log.Warn("deleteWebhook", "err", err)
	}
}

// queueGauges expose queue depths, read from Redis when scraped.
func (a *App) queueGauges() []prometheus.Collector {
	depth := func(f func(ctx context.Context) (int64, error)) func() float64 {
		return func() float64 {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			n, err := f(ctx)
			if err != nil {
				return -1
			}
			return float64(n)
		}
	}
	gauges := []prometheus.Collector{prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "huunghi_intake_pending_chats", Help: "Chats with stored updates not yet handled.",
	}, depth(a.store.PendingCount))}
	for _, lane := range []outbox.Lane{outbox.LaneNotify, outbox.LaneReminder, outbox.LaneBroadcast} {
		gauges = append(gauges, prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "huunghi_outbox_queued", Help: "Bulk messages waiting, by lane.", ConstLabels: prometheus.Labels{"lane": string(lane)},
		}, depth(func(ctx context.Context) (int64, error) { return a.store.BulkDepth(ctx, string(lane)) })))
	}
	return gauges
}

func outboxMessage(chat int64, text string) outbox.Message {
	return outbox.Message{ChatID: chat, Text: text}
}
