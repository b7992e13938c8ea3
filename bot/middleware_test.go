package bot

import (
	"context"
	"io"
	"log/slog"
	"testing"

	tg "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/ufo-thanhhoa/huunghi/bot/store/redistest"
	"github.com/ufo-thanhhoa/huunghi/bot/telegramtest"
	"github.com/ufo-thanhhoa/huunghi/messages"
)

func TestRecoverer_PanicBecomesApology(t *testing.T) {
	srv := telegramtest.New()
	defer srv.Close()
	rs := redistest.Start(t)
	content, _, err := messages.Load(messages.FS(""))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := ParseConfig(func(k string) string {
		return map[string]string{"TELEGRAM_TOKEN": telegramtest.Token, "TELEGRAM_API_URL": srv.URL(), "REDIS_URL": rs.URL(), "SEND_RATE": "0"}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	a, err := New(cfg, content, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
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
