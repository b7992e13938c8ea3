package bot

import (
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ufo-thanhhoa/huunghi/bot/store"
)

func TestParseConfig(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	c, err := ParseConfig(env(map[string]string{"TELEGRAM_TOKEN": "123:abc", "STAFF_IDS": "1, 2", "SEND_RATE": "0"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.APIURL != DefaultAPIURL || c.Redis.Addr != "127.0.0.1:6379" || !c.StaffIDs[2] || c.SendRate != 0 || c.HTTPAddr != ":8080" || c.Location.String() != "Asia/Ho_Chi_Minh" {
		t.Errorf("defaults: got %+v", c)
	}
	_, err = ParseConfig(env(map[string]string{
		"TELEGRAM_TOKEN": "nonsense", "REDIS_URL": "x", "STAFF_IDS": "1,abc", "SEND_RATE": "fast",
		"BOT_TIMEZONE": "Mars/Base", "LOG_LEVEL": "loud", "WEBHOOK_URL": "https://h.example/hook", "WEBHOOK_SECRET": "short",
	}))
	if err == nil {
		t.Fatal("want errors")
	}
	for _, want := range []string{"TELEGRAM_TOKEN:", "REDIS_URL:", "STAFF_IDS: \"abc\"", "SEND_RATE:", "BOT_TIMEZONE:", "LOG_LEVEL:", "WEBHOOK_SECRET:"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("errors lack %q:\n%v", want, err)
		}
	}
	if strings.Contains(err.Error(), "nonsense") {
		t.Error("the token value leaked into an error message")
	}
}

// TestNew_RefusesAStaffLangTheContentLacks: STAFF_LANG must be a shipped language, or staff cards would
// fall back silently.
func TestNew_RefusesAStaffLangTheContentLacks(t *testing.T) {
	content, _ := shippedContent(t)
	c, err := ParseConfig(func(k string) string {
		return map[string]string{"TELEGRAM_TOKEN": "123:abc", "STAFF_LANG": "cs"}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := New(c, content, slog.New(slog.NewTextHandler(io.Discard, nil))); err == nil || !strings.Contains(err.Error(), "STAFF_LANG") {
		t.Errorf("New with STAFF_LANG=cs: got %v, want a STAFF_LANG error", err)
	}
}

// TestParseConfig_Retention: the RETAIN_* settings default to the Union's decision, take days or hours, and
// a value out of range or unreadable is refused with one line naming the setting and its range.
func TestParseConfig_Retention(t *testing.T) {
	env := func(m map[string]string) func(string) string {
		return func(k string) string {
			if k == "TELEGRAM_TOKEN" {
				return "123:abc"
			}
			return m[k]
		}
	}
	c, err := ParseConfig(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.Retention, store.DefaultRetention(); got != want {
		t.Errorf("defaults: got %+v, want %+v", got, want)
	}
	if c.Retention.Sessions != 7*day || c.Retention.Questions != 31*day || c.Retention.Handoff != 365*day || c.Retention.InactiveUsers != 730*day {
		t.Errorf("defaults are not the issue's 7d/31d/365d/730d: %+v", c.Retention)
	}
	c, err = ParseConfig(env(map[string]string{"RETAIN_SESSIONS": "36h", "RETAIN_QUESTIONS": "14d", "RETAIN_HANDOFF": "90d", "RETAIN_INACTIVE_USERS": "400d"}))
	if err != nil {
		t.Fatal(err)
	}
	if want := (store.Retention{Sessions: 36 * time.Hour, Questions: 14 * day, Handoff: 90 * day, InactiveUsers: 400 * day}); c.Retention != want {
		t.Errorf("set: got %+v, want %+v", c.Retention, want)
	}
	_, err = ParseConfig(env(map[string]string{"RETAIN_SESSIONS": "8d", "RETAIN_QUESTIONS": "forever", "RETAIN_HANDOFF": "7d", "RETAIN_INACTIVE_USERS": "-5d"}))
	if err == nil {
		t.Fatal("want errors")
	}
	lines := strings.Split(err.Error(), "\n")
	for _, want := range []string{
		`RETAIN_SESSIONS: want a duration from 1h to 7d ("7d", or hours as "36h"), got "8d"; a form closes 7 days after it started`,
		`RETAIN_QUESTIONS: want a duration from 1d to 366d ("31d", or hours as "36h"), got "forever"`,
		`RETAIN_HANDOFF: want a duration from 8d to 1830d ("365d", or hours as "36h"), got "7d"; a conversation stays open up to 7 days`,
		`RETAIN_INACTIVE_USERS: want a duration from 30d to 3650d ("730d", or hours as "36h"), got "-5d"`,
	} {
		if !slices.Contains(lines, want) {
			t.Errorf("errors lack the line %q:\n%v", want, err)
		}
	}
}

// TestParseRedis: the three REDIS_URL forms, with go-redis's own parsers behind REDIS_MODE; what the bot
// cannot work with is refused with a reason, and no password reaches an error or the start-up log.
func TestParseRedis(t *testing.T) {
	env := func(m map[string]string) func(string) string {
		m["TELEGRAM_TOKEN"] = "123:abc"
		return func(k string) string { return m[k] }
	}
	c, err := ParseConfig(env(map[string]string{"REDIS_URL": "rediss://bot:s3cret-single@redis.example:6380/2"}))
	if err != nil || c.Redis.Mode != RedisSingle || c.Redis.Single == nil || c.Redis.Single.DB != 2 || c.Redis.Single.TLSConfig == nil || c.Redis.Addr != "redis.example:6380" {
		t.Errorf("single over TLS: %+v %v", c.Redis, err)
	}
	c, err = ParseConfig(env(map[string]string{"REDIS_MODE": "sentinel",
		"REDIS_URL": "redis://:s3cret-sentinel@s1:26379/0?master_name=huunghi&addr=s2:26379&addr=s3:26379&password=s3cret-master"}))
	if f := c.Redis.Failover; err != nil || f == nil || f.MasterName != "huunghi" || len(f.SentinelAddrs) != 3 ||
		f.Password != "s3cret-master" || f.SentinelPassword != "s3cret-sentinel" || c.Redis.Addr != "huunghi@s1:26379,s2:26379,s3:26379" {
		t.Errorf("sentinel: %+v %v", c.Redis, err)
	}
	var log strings.Builder
	slog.New(slog.NewJSONHandler(&log, nil)).Info("starting", "config", c)
	c, err = ParseConfig(env(map[string]string{"REDIS_MODE": "Cluster", "REDIS_URL": "redis://bot:s3cret-cluster@n1:7000?addr=n2:7001&addr=n3:7002"}))
	if cl := c.Redis.Cluster; err != nil || cl == nil || len(cl.Addrs) != 3 || cl.Password != "s3cret-cluster" || c.Redis.Addr != "n1:7000,n2:7001,n3:7002" {
		t.Errorf("cluster: %+v %v", c.Redis, err)
	}
	slog.New(slog.NewJSONHandler(&log, nil)).Info("starting", "config", c)
	if !strings.Contains(log.String(), `"redis_mode":"cluster"`) || strings.Contains(log.String(), "s3cret") {
		t.Errorf("start-up log: want the mode, no password:\n%s", log.String())
	}

	for _, c := range []struct{ mode, url, want string }{
		{"", "redis://h:6379/0?master_name=m", "REDIS_MODE=sentinel"},
		{"sentinel", "redis://h:26379/0", "master_name"},
		{"sentinel", "redis://h:26379/0?master_name=m&route_randomly=true", "route_randomly is not supported"}, // go-redis would panic
		{"sentinel", "redis://h:26379/0?master_name=m&replica_only=true", "replica_only is not supported"},
		{"cluster", "redis://h:7000/3", "database 0 only"},
		{"cluster", "redis://h:7000?read_only=true", "read_only is not supported"},
		{"cluster", "redis://h:7000?addr=nonsense", "addr"},
		{"cluster", "redis://:s3cret@h:7000?bogus=1", "unexpected option: bogus"},
		{"", "redis://u:s3cret@h:bad port/0", "REDIS_URL:"},
		{"replicated", "redis://h:6379/0", "REDIS_MODE: want single"},
	} {
		_, err := ParseConfig(env(map[string]string{"REDIS_MODE": c.mode, "REDIS_URL": c.url}))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("REDIS_MODE=%q REDIS_URL=%q: got %v, want an error saying %q", c.mode, c.url, err, c.want)
			continue
		}
		if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("REDIS_URL=%q: the password leaked: %v", c.url, err)
		}
		if n := strings.Count(err.Error(), "\n"); n != 0 {
			t.Errorf("REDIS_URL=%q: want one line, got %d:\n%v", c.url, n+1, err)
		}
	}
}
