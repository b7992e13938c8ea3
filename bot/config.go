package bot

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ufo-thanhhoa/huunghi/bot/store"
)

// Config is the whole runtime configuration, read once from the environment by ParseConfig.
type Config struct {
	Token       string
	APIURL      string
	Redis       RedisConfig
	StaffIDs    map[int64]bool
	StaffChatID int64
	// StaffLang is the language of what the bot writes in staff chats (cards, replies to commands there),
	// where several staff read the same message; in a private chat each staff member is answered in their
	// own language.
	StaffLang     string
	WebhookURL    *url.URL
	WebhookSecret string
	HTTPAddr      string
	// MetricsAddr serves /metrics (and /healthz, /readyz) apart from the public HTTP_ADDR; "" when off.
	MetricsAddr string
	SendRate    int
	// PaidBroadcastRate, above 0, sends broadcasts with allow_paid_broadcast at that rate (up to 1000/s,
	// paid by the bot's owner in Telegram Stars), on a budget of its own. 0, the default, is off.
	PaidBroadcastRate int
	// BulkLease is how long a queued message taken by a replica that died waits before another sends it.
	BulkLease  time.Duration
	Location   *time.Location
	ContentDir string
	LogLevel   slog.Level

	// ChatLease is how long the chats a replica that died was working on wait before another handles them
	// (CHAT_LEASE; the lease is refreshed while a chat is worked on); BroadcastLease the same for a
	// broadcast it was driving (BROADCAST_LEASE). Zero keeps the defaults, 5 s and 15 s.
	ChatLease, BroadcastLease time.Duration
	// Retention is how long each kind of personal data is kept (RETAIN_SESSIONS, RETAIN_QUESTIONS,
	// RETAIN_HANDOFF, RETAIN_INACTIVE_USERS): the store's TTLs, the nightly jobs' cutoffs and the figures
	// /privacy and /mydata state all come from it, so what is said is what is done.
	Retention store.Retention
}

// DefaultRedisURL is a single Redis on the same host.
const DefaultRedisURL = "redis://127.0.0.1:6379/0"

// DefaultAPIURL is Telegram's public Bot API.
const DefaultAPIURL = "https://api.telegram.org"

// DefaultMetricsAddr keeps /metrics on the loopback interface: the figures say how many people use the bot
// and when, which is nobody's business outside the host. Prometheus in another container sets
// METRICS_ADDR=:9090 on a network that is not published.
const DefaultMetricsAddr = "127.0.0.1:9090"

// DefaultStaffLang is the language of staff chats: the Union works in Vietnamese.
const DefaultStaffLang = "vi"

// ParseConfig reads the environment through getenv and returns a validated Config, or an error with one line
// per problem ("REDIS_URL: ...") so an operator can fix everything in one go.
func ParseConfig(getenv func(string) string) (Config, error) {
	var errs []error
	bad := func(name string, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", name, fmt.Sprintf(format, args...)))
	}
	env := func(name, def string) string {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v
		}
		return def
	}
	c := Config{
		Token:       env("TELEGRAM_TOKEN", ""),
		APIURL:      strings.TrimRight(env("TELEGRAM_API_URL", DefaultAPIURL), "/"),
		HTTPAddr:    env("HTTP_ADDR", ":8080"),
		MetricsAddr: env("METRICS_ADDR", DefaultMetricsAddr),
		ContentDir:  env("CONTENT_DIR", ""),
		StaffLang:   strings.ToLower(env("STAFF_LANG", DefaultStaffLang)),
		StaffIDs:    map[int64]bool{},
	}
	if c.Token == "" {
		bad("TELEGRAM_TOKEN", "missing (create a bot with @BotFather and set its token)")
	} else if id, _, ok := strings.Cut(c.Token, ":"); !ok || !isDigits(id) {
		bad("TELEGRAM_TOKEN", "does not look like a bot token (<digits>:<secret>)")
	}
	if u, err := url.Parse(c.APIURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad("TELEGRAM_API_URL", "want an http(s) URL, got %q", c.APIURL)
	}
	var err error
	switch mode := strings.ToLower(env("REDIS_MODE", RedisSingle)); mode {
	case RedisSingle, RedisSentinel, RedisCluster:
		if c.Redis, err = ParseRedis(mode, env("REDIS_URL", DefaultRedisURL)); err != nil {
			bad("REDIS_URL", "%v", err)
		}
	default:
		bad("REDIS_MODE", "want %s (the default), %s or %s, got %q", RedisSingle, RedisSentinel, RedisCluster, getenv("REDIS_MODE"))
	}
	for _, s := range strings.Split(getenv("STAFF_IDS"), ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			bad("STAFF_IDS", "%q is not a Telegram user id", s)
			continue
		}
		c.StaffIDs[id] = true
	}
	if _, _, err := net.SplitHostPort(c.HTTPAddr); err != nil {
		bad("HTTP_ADDR", "want host:port (\":8080\"), got %q", c.HTTPAddr)
	}
	switch _, port, _ := net.SplitHostPort(c.MetricsAddr); {
	case c.MetricsAddr == "off":
		c.MetricsAddr = ""
	case c.MetricsAddr == c.HTTPAddr && port != "0":
		bad("METRICS_ADDR", "must differ from HTTP_ADDR: metrics are not served on the public port (\"off\" turns them off)")
	default:
		if _, _, err := net.SplitHostPort(c.MetricsAddr); err != nil {
			bad("METRICS_ADDR", "want host:port (\"127.0.0.1:9090\") or \"off\", got %q", c.MetricsAddr)
		}
	}
	if s := env("STAFF_CHAT_ID", ""); s != "" {
		if c.StaffChatID, err = strconv.ParseInt(s, 10, 64); err != nil {
			bad("STAFF_CHAT_ID", "%q is not a chat id", s)
		}
	}
	if s := env("WEBHOOK_URL", ""); s != "" {
		u, err := url.Parse(s)
		switch {
		case err != nil:
			bad("WEBHOOK_URL", "%v", err)
		case u.Scheme != "https" && u.Scheme != "http" || u.Host == "":
			bad("WEBHOOK_URL", "want an https URL, got %q", s)
		default:
			if u.Path == "" {
				u.Path = "/telegram/webhook"
			}
			c.WebhookURL = u
		}
		c.WebhookSecret = env("WEBHOOK_SECRET", "")
		if !validSecret(c.WebhookSecret) {
			bad("WEBHOOK_SECRET", "required with WEBHOOK_URL: 16-256 characters of A-Z a-z 0-9 _ -")
		}
	}
	if c.SendRate, err = strconv.Atoi(env("SEND_RATE", "30")); err != nil || c.SendRate < 0 {
		bad("SEND_RATE", "want a whole number of messages per second ≥ 0, got %q", getenv("SEND_RATE"))
	}
	if c.PaidBroadcastRate, err = strconv.Atoi(env("PAID_BROADCAST_RATE", "0")); err != nil || c.PaidBroadcastRate < 0 || c.PaidBroadcastRate > 1000 {
		bad("PAID_BROADCAST_RATE", "want messages per second from 0 (off) to 1000, got %q", getenv("PAID_BROADCAST_RATE"))
	}
	if c.BulkLease, err = time.ParseDuration(env("BULK_LEASE", "2m")); err != nil || c.BulkLease < time.Second {
		bad("BULK_LEASE", "want a duration of at least 1s (\"2m\"), got %q", getenv("BULK_LEASE"))
	}
	for _, k := range []struct {
		name, def string
		to        *time.Duration
	}{{"CHAT_LEASE", "5s", &c.ChatLease}, {"BROADCAST_LEASE", "15s", &c.BroadcastLease}} {
		if *k.to, err = time.ParseDuration(env(k.name, k.def)); err != nil || *k.to < time.Second || *k.to > 10*time.Minute {
			bad(k.name, "want a duration from 1s to 10m (%q), got %q", k.def, getenv(k.name))
		}
	}
	if c.Location, err = time.LoadLocation(env("BOT_TIMEZONE", "Asia/Ho_Chi_Minh")); err != nil {
		bad("BOT_TIMEZONE", "%v", err)
	}
	if err := c.LogLevel.UnmarshalText([]byte(env("LOG_LEVEL", "info"))); err != nil {
		bad("LOG_LEVEL", "want debug, info, warn or error, got %q", getenv("LOG_LEVEL"))
	}
	def := store.DefaultRetention()
	for _, k := range []struct {
		name     string
		to       *time.Duration
		def      time.Duration
		min, max time.Duration
		why      string
	}{
		// A form closes SessionTTL after it started, whatever is kept: a longer setting would promise nothing.
		{"RETAIN_SESSIONS", &c.Retention.Sessions, def.Sessions, time.Hour, store.SessionTTL, "a form closes 7 days after it started"},
		{"RETAIN_QUESTIONS", &c.Retention.Questions, def.Questions, day, 366 * day, ""},
		// A link must outlive the conversation it belongs to (7 idle days, then a day closed).
		{"RETAIN_HANDOFF", &c.Retention.Handoff, def.Handoff, 8 * day, 1830 * day, "a conversation stays open up to 7 days"},
		{"RETAIN_INACTIVE_USERS", &c.Retention.InactiveUsers, def.InactiveUsers, 30 * day, 3650 * day, ""},
	} {
		v := env(k.name, "")
		if v == "" {
			*k.to = k.def
			continue
		}
		d, ok := parseDays(v)
		if !ok || d < k.min || d > k.max {
			why := ""
			if k.why != "" {
				why = "; " + k.why
			}
			bad(k.name, "want a duration from %s to %s (\"%s\", or hours as \"36h\"), got %q%s",
				fmtDays(k.min), fmtDays(k.max), fmtDays(k.def), v, why)
			continue
		}
		*k.to = d
	}
	return c, errors.Join(errs...)
}

const day = 24 * time.Hour

// parseDays reads a retention: whole days ("7d", how the Union states them) or a Go duration ("36h").
func parseDays(s string) (time.Duration, bool) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		d, err := strconv.Atoi(n)
		return time.Duration(d) * day, err == nil && d > 0 && d < 100000
	}
	d, err := time.ParseDuration(s)
	return d, err == nil && d > 0
}

// fmtDays writes a retention as parseDays reads it: "7d", or hours when it is not whole days.
func fmtDays(d time.Duration) string {
	if d%day == 0 {
		return strconv.Itoa(int(d/day)) + "d"
	}
	return strconv.Itoa(int(d/time.Hour)) + "h"
}

func isDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

// validSecret follows Telegram's rule for secret_token.
func validSecret(s string) bool {
	if len(s) < 16 || len(s) > 256 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// LogValue keeps the token and secrets out of logs when a Config is logged.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("api_url", c.APIURL),
		slog.String("redis_mode", c.Redis.Mode),
		slog.String("redis", c.Redis.Addr),
		slog.Int("staff", len(c.StaffIDs)),
		slog.Bool("webhook", c.WebhookURL != nil),
		slog.String("http_addr", c.HTTPAddr),
		slog.String("metrics_addr", c.MetricsAddr),
		slog.Int("send_rate", c.SendRate),
		slog.Int("paid_broadcast_rate", c.PaidBroadcastRate),
		slog.String("timezone", c.Location.String()),
		slog.String("content_dir", c.ContentDir),
		slog.String("retain_sessions", fmtDays(c.Retention.Sessions)),
		slog.String("retain_questions", fmtDays(c.Retention.Questions)),
		slog.String("retain_handoff", fmtDays(c.Retention.Handoff)),
		slog.String("retain_inactive_users", fmtDays(c.Retention.InactiveUsers)),
	)
}
