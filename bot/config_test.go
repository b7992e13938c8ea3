package bot

import (
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/ufo-thanhhoa/huunghi/messages"
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
	content, _, err := messages.Load(messages.FS(""))
	if err != nil {
		t.Fatal(err)
	}
	c, err := ParseConfig(func(k string) string {
		return map[string]string{"TELEGRAM_TOKEN": "123:abc", "STAFF_LANG": "de"}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := New(c, content, slog.New(slog.NewTextHandler(io.Discard, nil))); err == nil || !strings.Contains(err.Error(), "STAFF_LANG") {
		t.Errorf("New with STAFF_LANG=de: got %v, want a STAFF_LANG error", err)
	}
}
