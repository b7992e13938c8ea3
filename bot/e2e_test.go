package bot_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/go-telegram/bot/models"
	"github.com/redis/go-redis/v9"

	"github.com/ufo-thanhhoa/huunghi/bot"
	"github.com/ufo-thanhhoa/huunghi/bot/outbox"
	"github.com/ufo-thanhhoa/huunghi/bot/store"
	"github.com/ufo-thanhhoa/huunghi/bot/store/redistest"
	"github.com/ufo-thanhhoa/huunghi/bot/telegramtest"
	"github.com/ufo-thanhhoa/huunghi/handlers/faq"
	"github.com/ufo-thanhhoa/huunghi/messages"
)

// harness runs the real bot against the fake Bot API server and a real redis-server.
type harness struct {
	t       testing.TB
	srv     *telegramtest.Server
	redis   *redistest.Server
	content *messages.Content
	env     map[string]string
	app     *bot.App
	cancel  context.CancelFunc
	done    chan error
	clock   *testClock
	opts    []bot.Option
	logs    *logBuffer // the bot's warnings and errors, for tests that wait on one
	// rdb, when set, is the Redis the bot was pointed at instead of redis (a cluster): store() reads it.
	rdb redis.UniversalClient
}

// logBuffer keeps what the bot logs, safe for the bot's goroutines and the test's.
type logBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) has(s string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Contains(l.b.String(), s)
}

// logged waits until the bot has logged a line containing s: the signal that something happened which the
// user cannot see (an update received but not stored, say).
func (h *harness) logged(s string) {
	h.t.Helper()
	if !h.srv.Wait(func() bool { return h.logs.has(s) }, wait) {
		h.t.Fatalf("the bot never logged %q", s)
	}
}

// idle waits until the bot has handled every update pushed so far and sent all it queued: after it, "nothing
// more was sent" holds, without sleeping for a guess.
func (h *harness) idle() {
	h.t.Helper()
	if !h.srv.Wait(func() bool { return h.srv.Pending() == 0 && h.app.Idle(context.Background()) }, wait) {
		h.t.Fatal("the bot did not handle every update")
	}
	h.bulkIdle()
}

// wait is how long a test waits for what the bot should do. Generous: the package's tests run several at
// once a CPU (testsAtOnce), often beside other packages' tests, and a test passes as soon as the bot has
// done it, so a long deadline costs nothing unless the bot is wrong.
const wait = 30 * time.Second

// testsAtOnce is how many tests that call t.Parallel run at once per CPU, unless -parallel says otherwise.
// go test's default is one a CPU (GOMAXPROCS), which suits tests that compute; the end-to-end tests
// mostly wait — on the fake's answers, on Redis, on send budgets, backoffs and timeouts held at their real
// length — so that at one a CPU the machine sits idle for most of the run (two at once on two cores left
// the bot package's tests using three quarters of a core). Several at once a CPU keep the CPUs busy; the
// tests wait on signals, never on sleeps, so they stay deterministic under the extra load.
const testsAtOnce = 4

// TestMain runs the package's tests testsAtOnce a CPU when -parallel is not given: an explicit
// -parallel (go test -parallel 1, to read one test's log alone) wins.
func TestMain(m *testing.M) {
	flag.Parse()
	given := false
	flag.Visit(func(f *flag.Flag) { given = given || f.Name == "test.parallel" })
	if !given {
		if err := flag.Set("test.parallel", strconv.Itoa(testsAtOnce*runtime.GOMAXPROCS(0))); err != nil {
			fmt.Fprintln(os.Stderr, "set -test.parallel:", err)
			os.Exit(2)
		}
	}
	os.Exit(m.Run())
}

// hcm is the province's time zone, where programme dates are read.
var hcm, _ = time.LoadLocation("Asia/Ho_Chi_Minh")

// testNow is the day the end-to-end tests live on, whatever the machine's date: the bot's clock (handlers,
// store, jobs) starts there. Any date would do; one years away from the shipped samples' dates shows that.
var testNow = time.Date(2031, 5, 12, 10, 0, 0, 0, hcm)

// The window the harness gives every sample programme (sample: true): the shipped ones' dates are staff's
// to change and must not decide whether a test can apply. A test's own programme without the flag keeps
// the dates of its file.
var (
	sampleOpens  = testNow.AddDate(0, -1, 0)
	sampleCloses = testNow.AddDate(0, 3, 0)
)

// testClock is the bot's clock in a test: it starts on a date the test chooses and runs at the speed of
// real time from there, so that the order of events (registrations, the waiting list) is kept, and a test
// can move it (Set) while the bot runs.
type testClock struct {
	mu    sync.Mutex
	base  time.Time
	since time.Time
}

func newTestClock(at time.Time) *testClock { return &testClock{base: at, since: time.Now()} }

// Now is the clock's time.
func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.base.Add(time.Since(c.since))
}

// Set moves the clock to at.
func (c *testClock) Set(at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.base, c.since = at, time.Now()
}

// ownDates gives the sample programmes of c the harness's window (sampleOpens to sampleCloses).
func ownDates(c *messages.Content) {
	for i, p := range c.Programmes {
		if p.Sample {
			q := *p
			q.Opens, q.Closes = sampleOpens, sampleCloses
			c.Programmes[i] = &q
		}
	}
}

// embedded is the shipped content, loaded once for every harness without a CONTENT_DIR: loading it takes
// seconds under the race detector, and Content is read-only (a harness gets its own copy of the lists a
// test may change, loadContent).
var embedded struct {
	once    sync.Once
	content *messages.Content
	err     error
}

// loadContent loads the content of dir over the embedded one, sample programmes open (ownDates).
func loadContent(dir string) (*messages.Content, error) {
	if dir != "" {
		c, _, err := messages.Load(messages.FS(dir))
		if err == nil {
			ownDates(c)
		}
		return c, err
	}
	embedded.once.Do(func() {
		embedded.content, _, embedded.err = messages.Load(messages.FS(""))
		if embedded.err == nil {
			ownDates(embedded.content)
		}
	})
	if embedded.err != nil {
		return nil, embedded.err
	}
	c := *embedded.content
	c.Programmes, c.Events = slices.Clone(c.Programmes), slices.Clone(c.Events)
	return &c, nil
}

// matchers are the FAQ matchers built so far, by the FAQ they were built from: building one is most of
// the cost of starting a bot under the race detector, and a Matcher is read-only once built.
var matchers struct {
	mu   sync.Mutex
	byKB map[string]*faq.Matcher
}

// matcherFor returns the matcher of c's FAQ, built by the bot's own bot.NewMatcher once per distinct FAQ.
func matcherFor(t testing.TB, c *messages.Content) *faq.Matcher {
	t.Helper()
	kb, err := json.Marshal([]any{faq.EntriesOf(c.FAQ), faq.SynonymsOf(c.FAQ)}) // what bot.NewMatcher reads
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(kb)
	key := string(sum[:])
	matchers.mu.Lock()
	defer matchers.mu.Unlock()
	if m, ok := matchers.byKB[key]; ok {
		return m
	}
	if matchers.byKB == nil {
		matchers.byKB = map[string]*faq.Matcher{}
	}
	m := bot.NewMatcher(c)
	matchers.byKB[key] = m
	return m
}

// newHarness starts the bot on testNow with the content of env["CONTENT_DIR"] over the embedded one, sample
// programmes open (ownDates).
func newHarness(t testing.TB, env map[string]string, opts ...bot.Option) *harness {
	t.Helper()
	content, err := loadContent(env["CONTENT_DIR"])
	if err != nil {
		t.Fatal(err)
	}
	opts = append([]bot.Option{bot.WithMatcher(matcherFor(t, content))}, opts...)
	h := &harness{t: t, srv: telegramtest.New(), redis: redistest.Start(t), content: content, opts: opts, clock: newTestClock(testNow), logs: &logBuffer{}}
	t.Cleanup(h.srv.Close)
	h.env = map[string]string{
		"TELEGRAM_TOKEN":   telegramtest.Token,
		"TELEGRAM_API_URL": h.srv.URL(),
		"REDIS_URL":        h.redis.URL(),
		"HTTP_ADDR":        "127.0.0.1:0",
		"METRICS_ADDR":     "127.0.0.1:0",
		"SEND_RATE":        "0",
		"STAFF_IDS":        "900",
	}
	for k, v := range env {
		h.env[k] = v
	}
	h.start()
	t.Cleanup(h.stop)
	return h
}

func (h *harness) start() {
	h.t.Helper()
	cfg, err := bot.ParseConfig(func(k string) string { return h.env[k] })
	if err != nil {
		h.t.Fatal(err)
	}
	var to io.Writer = h.logs
	if testing.Verbose() {
		to = io.MultiWriter(h.logs, testWriter{h.t})
	}
	log := slog.New(slog.NewTextHandler(to, &slog.HandlerOptions{Level: slog.LevelWarn}))
	h.app, err = bot.New(cfg, h.content, log, h.options()...)
	if err != nil {
		h.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel, h.done = cancel, make(chan error, 1)
	go func() { h.done <- h.app.Run(ctx) }()
}

// testSendLimit is the harness's budget of one chat, private or group: Telegram's 1 msg/s a chat (20 a
// minute a group) would make every conversation of a test wait seconds between answers, for nothing the test
// checks. The pacing itself is tested at production values with productionPacing.
var testSendLimit = redis_rate.PerSecond(1000)

// productionPacing gives a harness the outbox's own per-chat budgets (1 msg/s with a burst of 3, 20 a
// minute in groups), for the tests of that pacing: later options win over the harness's defaults, and a
// zero Limit is the default.
func productionPacing() bot.Option { return bot.WithSendLimits(redis_rate.Limit{}, redis_rate.Limit{}) }

// options are the bot's options in the harness: production's chat lease (5 s), a short poll, the test
// clock, fast per-chat budgets (testSendLimit), then the test's own, which win. The lease is not shortened:
// a worker starved of the CPU for a second (several tests a CPU under the race detector) would lose its chat
// to another worker, which handles the update again — the at-least-once the lease is for, but not the
// exactly-once the tests count. No test waits for a lease to lapse: a stopped harness gives its leases back.
func (h *harness) options() []bot.Option {
	opts := []bot.Option{bot.WithLease(5 * time.Second), bot.WithPollWait(time.Second), bot.WithClock(h.clock.Now),
		bot.WithSendLimits(testSendLimit, testSendLimit)}
	return append(opts, h.opts...)
}

func (h *harness) stop() {
	if h.cancel == nil {
		return
	}
	h.cancel()
	select {
	case err := <-h.done:
		if err != nil {
			h.t.Errorf("Run: %v", err)
		}
	case <-time.After(12 * time.Second):
		h.t.Error("bot did not shut down within 12s")
	}
	h.cancel = nil
}

func (h *harness) restart() { h.stop(); h.start() }

// moveClock sets the bot's clock to at once nothing is in flight on the bulk lanes: their leases are on that
// clock, and a message being sent while time jumps past its lease would be taken for abandoned and sent
// again — which is right had the time really passed, and never happens in production, where time runs.
func (h *harness) moveClock(at time.Time) {
	h.t.Helper()
	h.bulkIdle()
	h.clock.Set(at)
}

func (h *harness) httpAddr() string { return h.addr(h.app.HTTPAddr) }

// addr waits for one of the bot's listening addresses.
func (h *harness) addr(of func(context.Context) (string, error)) string {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	addr, err := of(ctx)
	if err != nil {
		h.t.Fatal(err)
	}
	return addr
}

// bulkIdle waits until the bulk lanes have sent everything queued: nothing waiting, nothing in flight.
func (h *harness) bulkIdle() {
	h.t.Helper()
	ctx := context.Background()
	st := h.store()
	if !h.srv.Wait(func() bool {
		for _, lane := range []outbox.Lane{outbox.LaneNotify, outbox.LaneReminder, outbox.LaneBroadcast} {
			// Read together: apart, a message the reaper gives back between the two reads is in neither.
			waiting, taken, err := st.BulkPending(ctx, string(lane))
			if err != nil || waiting+taken > 0 {
				return false
			}
		}
		return true
	}, wait) {
		h.t.Fatal("the bulk lanes did not empty")
	}
}

// metricsAddr is where the bot serves /metrics.
func (h *harness) metricsAddr() string { return h.addr(h.app.MetricsAddr) }

// metric returns the value of one sample of /metrics ("huunghi_flood_total{action=\"shared\"}"), 0 when absent.
func (h *harness) metric(sample string) float64 { h.t.Helper(); return metricOf(h.t, h.app, sample) }

// messages waits for chat to have at least n bot messages and returns them.
func (h *harness) messages(chat int64, n int) []telegramtest.Message {
	h.t.Helper()
	msgs, err := h.srv.WaitMessages(chat, n, wait)
	if err != nil {
		h.t.Fatal(err)
	}
	return msgs
}

// store is the bot's store as the test sees it, on the bot's clock.
func (h *harness) store() *store.Store {
	if h.rdb != nil {
		return store.New(h.rdb, store.WithClock(h.clock.Now))
	}
	return store.New(h.redis.Client(), store.WithClock(h.clock.Now))
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func user(id int64, lang string) models.User {
	return models.User{ID: id, FirstName: "Noy", LanguageCode: lang}
}

func TestStart_GreetsInTheUsersLanguage(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	for i, lang := range []string{"vi", "lo", "en"} {
		u := user(int64(100+i), lang)
		h.srv.PushText(u, "/start")
		msgs := h.messages(u.ID, 2)
		want := h.content.T(lang, "start.greeting", "name", "Noy")
		if !strings.HasPrefix(msgs[0].Text, want) {
			t.Errorf("%s greeting: got %q, want it to start with %q", lang, msgs[0].Text, want)
		}
		switch lang {
		case "en": // not a decision: the picker comes next
			if msgs[1].Text != h.content.T("en", "start.first_language") {
				t.Errorf("en: second message %q, want the language picker", msgs[1].Text)
			}
		default:
			if msgs[1].Text != h.content.T(lang, "audience.ask") || len(msgs[1].Buttons) != 3 {
				t.Errorf("%s: second message %q %v, want the audience question with 3 buttons", lang, msgs[1].Text, msgs[1].Buttons)
			}
		}
	}
	// A Thai phone: the picker offers Lao first.
	th := user(110, "th")
	h.srv.PushText(th, "/start")
	picker := h.messages(th.ID, 2)[1]
	if got := picker.Buttons[0][0]; got.Text != "ພາສາລາວ" || got.Data != "lang:lo" {
		t.Errorf("th picker first button: got %+v, want ພາສາລາວ", got)
	}
	// Commands are published per language and for the default scope.
	cmds := h.srv.Commands()
	for _, key := range []string{"default/", "default/vi", "default/lo", "default/en"} {
		if len(cmds[key]) == 0 {
			t.Errorf("setMyCommands %s missing; have %v", key, cmds)
		}
	}
	if got := cmds["default/lo"][0].Description; got != h.content.T("lo", "cmd.start") {
		t.Errorf("lo command description: got %q", got)
	}
}

func TestLanguage_ChoicePersistsAcrossRestart(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	u := user(200, "en")
	h.srv.PushText(u, "/language")
	picker := h.messages(u.ID, 1)[0]
	var lo telegramtest.Button
	for _, row := range picker.Buttons {
		if row[0].Data == "lang:lo" {
			lo = row[0]
		}
	}
	if lo.Data == "" {
		t.Fatalf("no Lao button in %v", picker.Buttons)
	}
	h.srv.PushCallback(u, picker, lo.Data)
	h.messages(u.ID, 2) // audience question after the choice
	if got := h.messages(u.ID, 2)[0].Text; got != h.content.T("lo", "lang.set") {
		t.Errorf("picker after choice: got %q, want it edited to the Lao confirmation", got)
	}
	h.restart()
	h.srv.PushText(u, "/help") // language_code is still "en": the stored choice must win
	msgs := h.messages(u.ID, 3)
	if got, want := msgs[2].Text, h.content.T("lo", "help.text"); got != want {
		t.Errorf("after restart: got %q, want Lao help", got)
	}
}

func TestLaoScript_SwitchesUndecidedUserOnly(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	u := user(210, "th")
	h.srv.PushText(u, "ສະບາຍດີ ຂ້ອຍມີຄຳຖາມ")
	msgs := h.messages(u.ID, 2)
	if msgs[0].Text != h.content.T("lo", "lang.detected") {
		t.Errorf("first reply: got %q, want the Lao switch notice", msgs[0].Text)
	}
	// A user who chose English explicitly stays in English.
	v := user(211, "en")
	h.srv.PushText(v, "/language")
	h.srv.PushCallback(v, h.messages(v.ID, 1)[0], "lang:en")
	h.messages(v.ID, 2)
	h.srv.PushText(v, "ສະບາຍດີ ຂ້ອຍມີຄຳຖາມ")
	msgs = h.messages(v.ID, 3)
	for _, m := range msgs[2:] {
		if m.Text == h.content.T("lo", "lang.detected") {
			t.Fatal("an explicit English choice was overridden by Lao detection")
		}
	}
}

func TestUnsupportedAndGroups(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	u := user(300, "vi")
	h.srv.PushSticker(u)
	h.srv.PushPhoto(u, "")
	h.srv.PushEdited(u, "sửa")
	msgs := h.messages(u.ID, 3)
	for i, key := range []string{"unsupported.sticker", "unsupported.photo", "unsupported.edited"} {
		if msgs[i].Text != h.content.T("vi", key) {
			t.Errorf("reply %d: got %q, want %s", i, msgs[i].Text, key)
		}
	}
	group := models.Chat{ID: -1001, Type: models.ChatTypeSupergroup, Title: "SV Lào"}
	h.srv.PushGroupText(u, group, "/help")
	h.srv.PushGroupText(u, group, "mọi người ơi")
	h.srv.PushGroupText(u, group, "/help@huunghi_bot")
	h.messages(group.ID, 1)
	h.idle()
	msgs = h.srv.Messages(group.ID)
	if len(msgs) != 1 || msgs[0].Text != h.content.T("vi", "help.text") {
		t.Errorf("group: got %d messages %v, want only the answer to /help@huunghi_bot", len(msgs), msgs)
	}
	// A forged button gets the polite expiry answer.
	private := h.srv.Messages(u.ID)[0]
	h.srv.PushCallback(u, private, "lang:xx")
	h.srv.PushCallback(u, private, "nonsense")
	if !h.srv.Wait(func() bool { return len(h.srv.Answers()) >= 2 }, wait) {
		t.Fatal("forged callbacks were not answered")
	}
	for _, a := range h.srv.Answers() {
		if a.Params["text"] != h.content.T("vi", "button.expired") {
			t.Errorf("callback answer: got %q, want button.expired", a.Params["text"])
		}
	}
}

func TestForget_DeletesUser(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	u := user(400, "en")
	h.srv.PushText(u, "/forget")
	confirm := h.messages(u.ID, 1)[0]
	h.srv.PushCallback(u, confirm, "forget:yes")
	if !h.srv.Wait(func() bool { return h.srv.Messages(u.ID)[0].Text == h.content.T("en", "forget.done") }, wait) {
		t.Fatalf("got %v, want the confirmation edited to forget.done", h.srv.Messages(u.ID))
	}
	if _, err := h.store().GetUser(context.Background(), u.ID); err != store.ErrNotFound {
		t.Errorf("user after /forget: got %v, want ErrNotFound", err)
	}
}

func TestWebhook_SecretAndDelivery(t *testing.T) {
	t.Parallel()
	addr := redistest.FreeAddr(t)
	secret := "s3cret-token-for-tests"
	h := newHarness(t, map[string]string{
		"HTTP_ADDR":      addr,
		"WEBHOOK_URL":    "http://" + addr + "/tg/hook",
		"WEBHOOK_SECRET": secret,
	})
	if !h.srv.Wait(func() bool { u, _ := h.srv.Webhook(); return u != "" }, wait) {
		t.Fatal("setWebhook was not called")
	}
	if u, s := h.srv.Webhook(); u != "http://"+addr+"/tg/hook" || s != secret {
		t.Fatalf("webhook: got %q %q", u, s)
	}
	body := `{"update_id":77,"message":{"message_id":1,"date":1,"chat":{"id":500,"type":"private"},"from":{"id":500,"first_name":"X","language_code":"en"},"text":"/help"}}`
	for _, tc := range []struct {
		secret string
		want   int
	}{{"", http.StatusUnauthorized}, {"wrong-secret-token-xx", http.StatusUnauthorized}} {
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/tg/hook", strings.NewReader(body))
		if tc.secret != "" {
			req.Header.Set("X-Telegram-Bot-Api-Secret-Token", tc.secret)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("secret %q: got %d, want %d", tc.secret, resp.StatusCode, tc.want)
		}
	}
	big := `{"update_id":78,"message":{"text":"` + strings.Repeat("x", 2<<20) + `"}}`
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/tg/hook", strings.NewReader(big))
	req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("2 MiB body: got %d, want 413", resp.StatusCode)
		}
	}
	h.idle()
	if n := len(h.srv.Messages(500)); n != 0 {
		t.Fatalf("rejected webhook calls produced %d messages", n)
	}
	// The fake server now pushes updates to the webhook with the right secret.
	u := user(501, "vi")
	h.srv.PushText(u, "/help")
	if got := h.messages(u.ID, 1)[0].Text; got != h.content.T("vi", "help.text") {
		t.Errorf("webhook update: got %q", got)
	}
	resp, err := http.Get("http://" + addr + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("/readyz: got %d, want 200", resp.StatusCode)
	}
}

func TestOutbox_HonoursRetryAfter(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	u := user(600, "en")
	h.srv.FailNext("sendMessage", u.ID, 1, telegramtest.Failure{Code: 429, Description: "Too Many Requests: retry after 3", RetryAfter: 3})
	h.srv.PushText(u, "/help")
	// While the bot waits out retry_after, the bulk lanes of every replica are paused too.
	if !h.srv.Wait(func() bool {
		for _, c := range h.srv.Calls("sendMessage") {
			if c.Code == 429 {
				return true
			}
		}
		return false
	}, wait) {
		t.Fatal("the 429 was never returned")
	}
	// The fake server records the 429 before the bot has read the reply, so
	// the pause is polled for, not read once.
	if !h.srv.Wait(func() bool {
		d, err := h.store().BulkPause(context.Background())
		return err == nil && d > 0
	}, 2*time.Second) {
		t.Error("bulk lanes not paused after a 429")
	}
	if got := h.messages(u.ID, 1)[0].Text; got != h.content.T("en", "help.text") {
		t.Errorf("after 429: got %q", got)
	}
	var codes []int
	var at []time.Time
	for _, c := range h.srv.Calls("sendMessage") {
		if c.Params["chat_id"] == "600" {
			codes, at = append(codes, c.Code), append(at, c.At)
		}
	}
	if len(codes) != 2 || codes[0] != 429 || codes[1] != 200 {
		t.Fatalf("sendMessage codes: got %v, want [429 200]", codes)
	}
	if gap := at[1].Sub(at[0]); gap < 2900*time.Millisecond {
		t.Errorf("resent %v after a 429 with retry_after 3s", gap)
	}
}

// TestPacing_EachChatAtTelegramsLimits runs the bot with the outbox's own per-chat budgets
// (productionPacing), which the other tests replace with fast ones: a private chat gets three answers at
// once and then one a second, a group three and then one every three seconds (20 a minute), and another
// person is answered meanwhile, not after the paced chat.
func TestPacing_EachChatAtTelegramsLimits(t *testing.T) {
	t.Parallel() // waits on the send budgets, not the CPU
	h := newHarness(t, nil, productionPacing())
	paced, other, member := user(650, "en"), user(651, "en"), user(652, "en")
	group := models.Chat{ID: -6500, Type: models.ChatTypeSupergroup, Title: "SV Lào"}
	const private, inGroup = 8, 4 // within flood control's burst of 8 a person
	for range private {
		h.srv.PushText(paced, "/help")
	}
	for range inGroup {
		h.srv.PushGroupText(member, group, "/help@huunghi_bot")
	}
	h.messages(paced.ID, 4) // the paced chat is past its burst
	h.srv.PushText(other, "/help")
	h.messages(other.ID, 1)
	if n := len(h.srv.Messages(paced.ID)); n >= private {
		t.Errorf("another person was answered only after all %d answers to the paced chat", n)
	}
	h.messages(paced.ID, private)
	h.messages(group.ID, inGroup)
	sentAt := func(chat int64) []time.Time {
		var at []time.Time
		for _, c := range h.srv.Calls("sendMessage") {
			if c.Code == http.StatusOK && c.Params["chat_id"] == strconv.FormatInt(chat, 10) {
				at = append(at, c.At)
			}
		}
		return at
	}
	// The k-th answer past the burst of 3 goes k intervals after the first; a little early for the time
	// between Redis granting the budget and the call reaching the fake.
	const slack = 250 * time.Millisecond
	for chat, every := range map[int64]time.Duration{paced.ID: time.Second, group.ID: 3 * time.Second} {
		at := sentAt(chat)
		for k := 3; k < len(at); k++ {
			if gap, least := at[k].Sub(at[0]), time.Duration(k-2)*every-slack; gap < least {
				t.Errorf("chat %d: answer %d went %v after the first, want at least %v (one every %v past a burst of 3)", chat, k+1, gap, least, every)
			}
		}
	}
}

func TestOutbox_ForbiddenMarksUnreachable(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	u := user(700, "en")
	h.srv.PushText(u, "/menu")
	h.messages(u.ID, 1)
	h.srv.FailNext("sendMessage", u.ID, 5, telegramtest.Failure{Code: 403, Description: "Forbidden: bot was blocked by the user"})
	h.srv.PushText(u, "/help")
	st := h.store()
	if !h.srv.Wait(func() bool { ok, _ := st.IsUnreachable(context.Background(), u.ID); return ok }, wait) {
		t.Fatal("user not marked unreachable after 403")
	}
	n := 0
	for _, c := range h.srv.Calls("sendMessage") {
		if c.Params["chat_id"] == "700" && c.Code == 403 {
			n++
		}
	}
	if n != 1 {
		t.Errorf("403 was retried: %d attempts, want 1", n)
	}
}

func TestFlood_SlowsOnlyTheSpammer(t *testing.T) {
	// Waits on flood control, not the CPU.
	t.Parallel()
	h := newHarness(t, nil)
	spammer, other := user(800, "en"), user(801, "en")
	for i := range 20 {
		h.srv.PushText(spammer, "spam "+strconv.Itoa(i))
	}
	h.srv.PushText(other, "/help")
	h.messages(other.ID, 1)
	if n := len(h.srv.Messages(spammer.ID)); n >= 20 {
		t.Errorf("spammer got all %d replies before another user got one", n)
	}
	// Slowed, not dropped: every message is answered, paced by flood control.
	if _, err := h.srv.WaitMessages(spammer.ID, 20, 40*time.Second); err != nil {
		t.Fatal(err)
	}
}

func TestBroadcastLane_SkipsUnreachable(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	a, b := user(850, "en"), user(851, "en")
	for _, u := range []models.User{a, b} {
		h.srv.PushText(u, "/menu")
		h.messages(u.ID, 1)
	}
	st := h.store()
	if err := st.MarkUnreachable(context.Background(), b.ID); err != nil {
		t.Fatal(err)
	}
	out := outbox.New(nil, st, outbox.Config{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	err := out.Enqueue(context.Background(), outbox.LaneBroadcast,
		outbox.Message{ChatID: a.ID, Text: "news"}, outbox.Message{ChatID: b.ID, Text: "news"})
	if err != nil {
		t.Fatal(err)
	}
	if got := h.messages(a.ID, 2)[1].Text; got != "news" {
		t.Errorf("broadcast: got %q", got)
	}
	h.idle()
	if n := len(h.srv.Messages(b.ID)); n != 1 {
		t.Errorf("unreachable user got %d messages, want only the earlier 1", n)
	}
}

func TestRedisBrieflyDown_LosesNothing(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	a, b := user(860, "en"), user(861, "vi")
	h.srv.PushText(a, "/help")
	h.messages(a.ID, 1)
	h.redis.Stop()
	h.srv.PushText(b, "/help") // arrives while Redis is down: intake must not confirm it yet
	h.logged("cannot store updates")
	if n := len(h.srv.Messages(b.ID)); n != 0 {
		t.Fatalf("answered %d times without Redis", n)
	}
	if h.srv.Pending() == 0 {
		t.Error("the update was confirmed to Telegram although it could not be stored")
	}
	h.redis.Up()
	if got := h.messages(b.ID, 1)[0].Text; got != h.content.T("vi", "help.text") {
		t.Errorf("after Redis came back: got %q", got)
	}
}

func TestDispatch_DropsAnUpdateThatKeepsCrashingTheBot(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	h.stop()
	ctx := context.Background()
	u := user(870, "en")
	st := h.store()
	for i, text := range []string{"/menu", "/help"} {
		raw, err := json.Marshal(models.Update{ID: int64(9000 + i), Message: &models.Message{
			ID: i + 1, Date: int(time.Now().Unix()), From: &u, Chat: models.Chat{ID: u.ID, Type: models.ChatTypePrivate}, Text: text,
			Entities: []models.MessageEntity{{Type: models.MessageEntityTypeBotCommand, Offset: 0, Length: len(text)}},
		}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.StoreUpdate(ctx, int64(9000+i), u.ID, raw, bot.DefaultBacklog); err != nil {
			t.Fatal(err)
		}
	}
	// The first update was started five times and each time the process died before it finished (its lease
	// given up without an ack).
	for range 5 {
		l, head, err := st.TakeChat(ctx, u.ID, time.Minute)
		if err != nil || head.Raw == nil {
			t.Fatalf("take: %v", err)
		}
		if err := l.Release(ctx); err != nil {
			t.Fatal(err)
		}
	}
	h.start()
	msgs := h.messages(u.ID, 1)
	if msgs[0].Text != h.content.T("en", "help.text") {
		t.Errorf("after the dropped update, got %q, want the /help answer", msgs[0].Text)
	}
	h.idle()
	if n := len(h.srv.Messages(u.ID)); n != 1 {
		t.Errorf("got %d messages; the crash-looping /menu must be dropped", n)
	}
	if n, _ := st.QueueLength(ctx, u.ID); n != 0 {
		t.Errorf("%d updates still queued; the dropped one must be removed", n)
	}
	if got := h.metric("huunghi_updates_dropped_total"); got != 1 {
		t.Errorf("/metrics counts %v dropped updates, want 1", got)
	}
}

func TestBlockAndUnblock_AreNoticedWithoutSending(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	u := user(880, "en")
	h.srv.PushText(u, "/menu")
	h.messages(u.ID, 1)
	st := h.store()
	ctx := context.Background()
	// The user blocks the bot: Telegram says so with my_chat_member, and bulk sends skip them at once.
	if h.srv.PushMemberStatus(u, models.ChatMemberTypeBanned) == 0 {
		t.Fatal("the fake dropped my_chat_member: the bot must not filter it out of allowed_updates")
	}
	if !h.srv.Wait(func() bool { ok, _ := st.IsUnreachable(ctx, u.ID); return ok }, wait) {
		t.Fatal("a blocked user is not marked unreachable")
	}
	// Unblocking (Telegram's "Restart bot") makes them reachable again.
	h.srv.PushMemberStatus(u, models.ChatMemberTypeMember)
	if !h.srv.Wait(func() bool { ok, _ := st.IsUnreachable(ctx, u.ID); return !ok }, wait) {
		t.Fatal("an unblocked user stays unreachable")
	}
	h.idle()
	if n := len(h.srv.Messages(u.ID)); n != 1 {
		t.Errorf("blocking and unblocking sent %d messages, want none", n-1)
	}
	for _, c := range h.srv.Calls("sendMessage") {
		if c.Code == 403 {
			t.Error("the bot learned of the block by sending into it")
		}
	}
}
