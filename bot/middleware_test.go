package bot

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"

	tg "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/ufo-thanhhoa/huunghi/bot/store"
	"github.com/ufo-thanhhoa/huunghi/bot/store/redistest"
	"github.com/ufo-thanhhoa/huunghi/bot/telegramtest"
	"github.com/ufo-thanhhoa/huunghi/handlers/faq"
	"github.com/ufo-thanhhoa/huunghi/messages"
)

// shipped is the embedded content and its FAQ matcher, loaded and built once for the package's internal
// tests (the end-to-end ones have their own, in e2e_test.go): each takes seconds under the race detector,
// and an App changes neither.
var shipped struct {
	once    sync.Once
	content *messages.Content
	matcher *faq.Matcher
	err     error
}

// shippedContent returns the embedded content and its matcher.
func shippedContent(t *testing.T) (*messages.Content, *faq.Matcher) {
	t.Helper()
	shipped.once.Do(func() {
		shipped.content, _, shipped.err = messages.Load(messages.FS(""))
		if shipped.err == nil {
			shipped.matcher = NewMatcher(shipped.content)
		}
	})
	if shipped.err != nil {
		t.Fatal(shipped.err)
	}
	return shipped.content, shipped.matcher
}

// middlewareApp builds an App (not run) on a real Redis and the fake Bot API, for calling its middleware
// directly.
func middlewareApp(t *testing.T) (*App, *telegramtest.Server, *messages.Content) {
	t.Helper()
	srv := telegramtest.New()
	t.Cleanup(srv.Close)
	rs := redistest.Start(t)
	content, matcher := shippedContent(t)
	cfg, err := ParseConfig(func(k string) string {
		return map[string]string{"TELEGRAM_TOKEN": telegramtest.Token, "TELEGRAM_API_URL": srv.URL(), "REDIS_URL": rs.URL(), "SEND_RATE": "0"}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	a, err := New(cfg, content, slog.New(slog.NewTextHandler(io.Discard, nil)), WithMatcher(matcher))
	if err != nil {
		t.Fatal(err)
	}
	return a, srv, content
}

// TestRecoverer_ApologisesInTheUsersLanguage: the apology after a panic is in the language the user is
// answered in — a stored choice (Lao, though the phone is in English), Telegram's language_code
// (Vietnamese), or a language detected from what they wrote earlier — not in English because the recoverer runs outside
// language resolution.
func TestRecoverer_ApologisesInTheUsersLanguage(t *testing.T) {
	t.Parallel()
	a, srv, content := middlewareApp(t)
	ctx := context.Background()
	for uid, l := range map[int64][2]string{43: {"lo", store.LangExplicit}, 44: {"lo", store.LangDetected}, 45: {"vi", store.LangDetected}} {
		if err := a.store.SetLanguage(ctx, uid, l[0], l[1]); err != nil {
			t.Fatal(err)
		}
	}
	h := a.recoverer(a.resolve(func(context.Context, *tg.Bot, *models.Update) { panic("handler bug") }))
	for i, tc := range []struct {
		name string
		uid  int64
		code string
		text string
		want string
	}{
		{"vi by language_code", 42, "vi", "boom", "vi"},
		{"lo chosen, phone in English", 43, "en", "boom", "lo"},
		{"lo detected earlier, phone in Thai", 44, "th", "boom", "lo"},
		{"vi detected earlier, phone in German", 45, "de", "boom", "vi"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := &models.Update{ID: int64(i + 1), Message: &models.Message{Chat: models.Chat{ID: tc.uid, Type: models.ChatTypePrivate},
				From: &models.User{ID: tc.uid, LanguageCode: tc.code}, Text: tc.text}}
			h(ctx, nil, u) // must not panic
			msgs, err := srv.WaitMessages(tc.uid, 1, 5e9)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := msgs[0].Text, content.T(tc.want, "error.apology"); got != want {
				t.Errorf("got %q, want the %s apology %q", got, tc.want, want)
			}
		})
	}
}

func TestRecoverer_PanicBecomesApology(t *testing.T) {
	t.Parallel()
	a, srv, content := middlewareApp(t)
	u := &models.Update{ID: 1, Message: &models.Message{Chat: models.Chat{ID: 42, Type: models.ChatTypePrivate}, From: &models.User{ID: 42}, Text: "boom"}}
	h := a.recoverer(a.resolve(func(context.Context, *tg.Bot, *models.Update) { panic("handler bug") }))
	h(context.Background(), nil, u) // must not panic
	msgs, err := srv.WaitMessages(42, 1, 5e9)
	if err != nil {
		t.Fatal(err)
	}
	if msgs[0].Text != content.T("en", "error.apology") {
		t.Errorf("got %q, want the apology", msgs[0].Text)
	}
}
