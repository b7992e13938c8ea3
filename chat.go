package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/go-telegram/bot/models"
	"github.com/redis/go-redis/v9"

	"github.com/ufo-thanhhoa/huunghi/bot"
	"github.com/ufo-thanhhoa/huunghi/bot/telegramtest"
)

// chat runs the whole bot in this process — embedded Redis-compatible store (miniredis, TTLs following the
// clock), the project's fake Bot API server, the real runtime and handlers — and lets the person at the
// terminal be the Telegram user. Buttons are printed numbered; typing the number presses one.
func chat(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("chat", flag.ContinueOnError)
	lang := fs.String("lang", "en", "the language_code your Telegram app would send (vi, lo, en, th, ...)")
	name := fs.String("name", "Noy", "your first name as Telegram would send it")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	content, err := loadContent(getenv("CONTENT_DIR"), stderr, nil)
	if err != nil {
		return err
	}
	mr := miniredis.NewMiniRedis()
	mr.ClockTTL(true)
	if err := mr.StartAddr("127.0.0.1:0"); err != nil {
		return fmt.Errorf("start embedded store: %w", err)
	}
	defer mr.Close()
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	defer rdb.Close()

	term := &terminal{out: stdout}
	srv := telegramtest.New(telegramtest.WithOnSend(term.show))
	defer srv.Close()

	cfg, err := bot.ParseConfig(func(k string) string {
		switch k {
		case "TELEGRAM_TOKEN":
			return telegramtest.Token
		case "TELEGRAM_API_URL":
			return srv.URL()
		case "HTTP_ADDR", "METRICS_ADDR":
			return "127.0.0.1:0"
		case "SEND_RATE":
			return "0"
		case "STAFF_IDS":
			return strconv.FormatInt(chatUserID, 10) // the person at the terminal may try staff commands
		case "CONTENT_DIR", "LOG_LEVEL", "BOT_TIMEZONE":
			return getenv(k)
		}
		return ""
	})
	if err != nil {
		return err
	}
	cfg.LogLevel = slog.LevelError
	app, err := bot.New(cfg, content, slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelError})),
		bot.WithRedis(rdb), bot.WithPollWait(time.Second))
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- app.Run(ctx) }()

	user := models.User{ID: chatUserID, FirstName: *name, LanguageCode: *lang}
	fmt.Fprintf(stdout, "Hữu Nghị bot — local chat. You are %q (language_code %q). Type a message; a number presses a button; /quit ends.\n", *name, *lang)
	srv.PushText(user, "/start")
	lines := bufio.NewScanner(stdin)
	lines.Buffer(make([]byte, 64<<10), 1<<20)
	for lines.Scan() {
		line := strings.TrimSpace(lines.Text())
		switch {
		case line == "":
			continue
		case line == "/quit":
			cancel()
			return <-done
		}
		term.waitIdle(ctx, srv, app)
		if n, err := strconv.Atoi(line); err == nil {
			if msg, b, ok := term.button(n); ok {
				fmt.Fprintf(stdout, "👤 [%s]\n", b.Text)
				if b.RequestContact {
					srv.PushContact(user, "+84912000000")
				} else {
					srv.PushCallback(user, msg, b.Data)
				}
				continue
			}
		}
		srv.PushText(user, line)
	}
	term.waitIdle(ctx, srv, app) // input ended (a script): let the bot finish answering
	cancel()
	return <-done
}

// chatUserID is the Telegram user id of the person at the terminal.
const chatUserID = 1001

// terminal prints what the bot sends and remembers the last keyboard for numbered presses.
type terminal struct {
	mu      sync.Mutex
	out     io.Writer
	last    telegramtest.Message
	buttons []telegramtest.Button
	shown   time.Time
}

func (t *terminal) show(m telegramtest.Message) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.shown = time.Now()
	if m.Deleted {
		return
	}
	prefix := "🤖 "
	if m.Edited {
		prefix = "🤖 (edited) "
	}
	text := m.Text
	if m.Document != nil {
		text = fmt.Sprintf("📎 %s (%d bytes) %s", m.Document.Name, len(m.Document.Data), m.Text)
	}
	fmt.Fprintf(t.out, "%s%s\n", prefix, strings.ReplaceAll(text, "\n", "\n   "))
	if len(m.Buttons) == 0 {
		return
	}
	t.last, t.buttons = m, nil
	for _, row := range m.Buttons {
		var cells []string
		for _, b := range row {
			t.buttons = append(t.buttons, b)
			cells = append(cells, fmt.Sprintf("[%d] %s", len(t.buttons), b.Text))
		}
		fmt.Fprintf(t.out, "   %s\n", strings.Join(cells, "   "))
	}
}

func (t *terminal) button(n int) (telegramtest.Message, telegramtest.Button, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if n < 1 || n > len(t.buttons) {
		return telegramtest.Message{}, telegramtest.Button{}, false
	}
	return t.last, t.buttons[n-1], true
}

// waitIdle waits until the bot has taken and handled every update sent so far, so a number typed next
// presses a button of the bot's latest answer, and scripted input reads like a conversation.
func (t *terminal) waitIdle(ctx context.Context, srv *telegramtest.Server, app *bot.App) {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		t.mu.Lock()
		quiet := time.Since(t.shown) > 100*time.Millisecond
		t.mu.Unlock()
		if quiet && srv.Pending() == 0 && app.Idle(ctx) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}
