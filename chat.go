package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/go-redis/redis_rate/v10"
	"github.com/go-telegram/bot/models"
	"github.com/redis/go-redis/v9"

	"github.com/ufo-thanhhoa/huunghi/bot"
	"github.com/ufo-thanhhoa/huunghi/bot/outbox"
	"github.com/ufo-thanhhoa/huunghi/bot/store"
	"github.com/ufo-thanhhoa/huunghi/bot/telegramtest"
	"github.com/ufo-thanhhoa/huunghi/messages"
)

// chat runs the whole bot in this process — embedded Redis-compatible store (miniredis, TTLs following the
// clock), the project's fake Bot API server, the real runtime and handlers — and lets the person at the
// terminal be the Telegram user, and a staff member in the staff chat too, so that a message to staff can be
// followed all the way to the answer.
//
// A typed line is always sent as text. Buttons are pressed with a syntax no answer would be: "[2]" presses
// the button printed as [2], "[a]" a button of the keyboard under the text box ("Share my phone number");
// so a "2" typed as the year of study is the answer 2, never the second button.
//
// The shipped programmes are samples with made-up dates. So that the demo shows open programmes on any day,
// a sample that is not open on the demo's date is moved (messages.Content.OpenSamples) and the banner says
// so; --date runs the bot's clock from another day, for a staff member previewing their own programmes.
// Answers come at Telegram's pace, as from the real bot; --pacing=false drops it, so that a script of
// many lines (a staff member's preview, a test) is not a minute of waiting.
func chat(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("chat", flag.ContinueOnError)
	lang := fs.String("lang", "en", "the language_code your Telegram app would send (vi, lo, en, th, ...)")
	name := fs.String("name", "Noy", "your first name as Telegram would send it")
	date := fs.String("date", "", `run the bot's clock from this day: YYYY-MM-DD (09:00) or YYYY-MM-DDTHH:MM, in BOT_TIMEZONE (default: now)`)
	pacing := fs.Bool("pacing", true, "send at Telegram's pace in each chat, as the real bot does (1 message a second with a burst of 3, 20 a minute in the staff chat); --pacing=false shows every answer at once, for a scripted preview")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	content, err := loadContent(getenv("CONTENT_DIR"), stderr, nil)
	if err != nil {
		return err
	}
	mr := miniredis.NewMiniRedis()
	mr.ClockTTL(true) // TTLs are durations: real time, whatever --date says
	if err := mr.StartAddr("127.0.0.1:0"); err != nil {
		return fmt.Errorf("start embedded store: %w", err)
	}
	defer mr.Close()
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	defer rdb.Close()

	term := newTerminal(stdout, chatUserID, chatStaffChatID)
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
		case "STAFF_CHAT_ID":
			return strconv.FormatInt(chatStaffChatID, 10)
		case "CONTENT_DIR", "LOG_LEVEL", "BOT_TIMEZONE":
			return getenv(k)
		}
		return ""
	})
	if err != nil {
		return err
	}
	now, err := demoClock(*date, cfg.Location)
	if err != nil {
		fmt.Fprintf(stderr, "chat: %v\n", err)
		return exitError(2)
	}
	shown, moved := content.OpenSamples(now())
	// Sample events already over on the demo's date move ahead too, so /events has something to show.
	shown, movedEvents := shown.UpcomingSamples(now())
	cfg.LogLevel = slog.LevelError
	opts := []bot.Option{bot.WithRedis(rdb), bot.WithPollWait(time.Second), bot.WithClock(now)}
	if !*pacing {
		// The demo's fake Bot API has no limits to respect; a thousand a second is no pacing at all.
		opts = append(opts, bot.WithSendLimits(redis_rate.PerSecond(1000), redis_rate.PerSecond(1000)))
	}
	app, err := bot.New(cfg, shown, slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelError})), opts...)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- app.Run(ctx) }()

	user := models.User{ID: chatUserID, FirstName: *name, LanguageCode: *lang}
	staffChat := models.Chat{ID: chatStaffChatID, Type: models.ChatTypeGroup, Title: "Staff (demo)"}
	banner(stdout, *name, *lang, *date != "", now(), cfg.Location, moved)
	if len(movedEvents) > 0 {
		fmt.Fprintf(stdout, "   (sample events %s are over on this date: the demo moves them to start a week from now)\n", strings.Join(movedEvents, ", "))
	}
	idle := func() { term.waitIdle(ctx, srv, app, store.New(rdb)) }
	srv.PushText(user, "/start")
	lines := bufio.NewScanner(stdin)
	lines.Buffer(make([]byte, 64<<10), 1<<20)
	for lines.Scan() {
		line := strings.TrimSpace(lines.Text())
		if line == "/quit" {
			cancel()
			return <-done
		}
		chat := user.ID
		if rest, ok := strings.CutPrefix(line, staffPrompt); ok {
			chat, line = staffChat.ID, strings.TrimSpace(rest)
		}
		if line == "" {
			continue
		}
		idle()
		if key, ok := buttonKey(line); ok {
			term.press(chat, key, func(msg telegramtest.Message, b telegramtest.Button) {
				switch {
				case b.RequestContact:
					srv.PushContact(user, demoPhone)
				case msg.Reply: // a reply keyboard button sends its text
					srv.PushText(user, b.Text)
				default:
					srv.PushCallback(user, msg, b.Data)
				}
			})
			continue
		}
		if q, ok := term.takeQuestion(chat); ok && !strings.HasPrefix(line, "/") {
			srv.PushReply(user, q, line) // what a Telegram client does under a ForceReply question
		} else if chat == staffChat.ID {
			srv.PushGroupText(user, staffChat, line)
		} else {
			srv.PushText(user, line)
		}
	}
	idle() // input ended (a script): let the bot finish answering
	cancel()
	return <-done
}

// The demo's people and chats: the person at the terminal (a Telegram user id, and staff), and the staff
// chat (a group, STAFF_CHAT_ID) they can also write in. demoPhone is the number "Share my phone number" sends.
const (
	chatUserID      = 1001
	chatStaffChatID = -1002
	demoPhone       = "+84912000000"
)

// staffPrompt starts a line written in the staff chat instead of the private chat.
const staffPrompt = "staff>"

// demoClock is the bot's clock in the demo: the real time, or, with --date, that day running on from the
// moment the demo starts (so that the order of events is kept).
func demoClock(date string, loc *time.Location) (func() time.Time, error) {
	if date == "" {
		return time.Now, nil
	}
	var start time.Time
	var err error
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02"} {
		if start, err = time.ParseInLocation(layout, date, loc); err == nil {
			break
		}
	}
	if err != nil {
		return nil, fmt.Errorf("--date %q: want YYYY-MM-DD or YYYY-MM-DDTHH:MM", date)
	}
	if len(date) == len("2006-01-02") {
		start = start.Add(9 * time.Hour) // a morning of that day
	}
	began := time.Now()
	return func() time.Time { return start.Add(time.Since(began)) }, nil
}

// banner explains the demo: who the person at the terminal is, how to press buttons and write in the staff
// chat, the bot's date, and which sample programmes were moved to be open on it.
func banner(w io.Writer, name, lang string, dated bool, now time.Time, loc *time.Location, moved []messages.MovedSample) {
	day := "today"
	if dated {
		day = "--date"
	}
	const layout = "2006-01-02 15:04"
	fmt.Fprintf(w, `Hữu Nghị bot — local chat. You are %q (language_code %q, user id %d), and staff too.
  • Type a message and press Enter: a line is always sent as text.
  • Buttons are printed as [1] [2] …: type [1] to press one. Buttons under the text box (⌨️, such as
    "Share my phone number") are [a] [b] …
  • 👥 is the staff chat. Start a line with "%s" to write there as staff, e.g. "%s /reply %d Hello",
    or "%s [1]" to press a button printed there as "%s [1]".
  • The bot's date is %s (%s), in %s.
`, name, lang, chatUserID, staffPrompt, staffPrompt, chatUserID, staffPrompt, staffPrompt, now.In(loc).Format(layout), day, loc)
	if len(moved) > 0 {
		fmt.Fprintln(w, "  • Sample programmes have made-up dates; those not open on this date are shown open here:")
		for _, m := range moved {
			fmt.Fprintf(w, "      %s: %s – %s (its file: %s – %s)\n", m.ID, m.Opens.In(loc).Format(layout), m.Closes.In(loc).Format(layout),
				m.FileOpens.In(loc).Format(layout), m.FileCloses.In(loc).Format(layout))
		}
	}
	fmt.Fprintln(w, "  • /quit ends.")
}

// buttonSyntax is how a button is pressed: "[2]" for the second button printed, "[a]" for the first of the
// keyboard under the text box. An answer to a question is never only that.
var buttonSyntax = regexp.MustCompile(`^\[\s*([0-9]+|[a-zA-Z])\s*\]$`)

// buttonKey returns "2" or "a" for a line that presses a button.
func buttonKey(line string) (string, bool) {
	m := buttonSyntax.FindStringSubmatch(line)
	if m == nil {
		return "", false
	}
	return strings.ToLower(m[1]), true
}

// terminal prints what the bot sends, the private chat's and the staff chat's apart, and remembers the
// buttons on screen: the newest inline keyboard of each chat, and the private chat's keyboard under the text
// box until the bot removes it.
type terminal struct {
	mu          sync.Mutex
	out         io.Writer
	user, staff int64
	inline      map[int64]telegramtest.Message
	keyboard    telegramtest.Message // the reply keyboard shown under the text box, if any
	// questions are the bot's ForceReply questions not answered yet, by chat: the next line typed there
	// answers one as a reply to it, as a Telegram client opens the reply by itself.
	questions map[int64]telegramtest.Message
	shown     time.Time
}

func newTerminal(out io.Writer, user, staff int64) *terminal {
	return &terminal{out: out, user: user, staff: staff, inline: map[int64]telegramtest.Message{}, questions: map[int64]telegramtest.Message{}}
}

// takeQuestion returns the ForceReply question the next line in chat answers, and forgets it.
func (t *terminal) takeQuestion(chat int64) (telegramtest.Message, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	q, ok := t.questions[chat]
	delete(t.questions, chat)
	return q, ok
}

func (t *terminal) show(m telegramtest.Message) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.shown = time.Now()
	if m.Deleted {
		return
	}
	var prefix, press string
	switch m.ChatID {
	case t.user:
		prefix = "🤖 "
	case t.staff:
		prefix, press = "👥 [staff chat] 🤖 ", staffPrompt+" "
	default:
		prefix = fmt.Sprintf("🤖 → chat %d: ", m.ChatID)
	}
	if m.Edited {
		prefix += "(edited) "
	}
	text := m.Text
	if m.Document != nil {
		text = fmt.Sprintf("📎 %s (%d bytes) %s", m.Document.Name, len(m.Document.Data), m.Text)
	}
	fmt.Fprintf(t.out, "%s%s\n", prefix, strings.ReplaceAll(text, "\n", "\n   "))
	if m.ForceReply {
		t.questions[m.ChatID] = m
		fmt.Fprintf(t.out, "   ↩️ %s(the next line you type there replies to this)\n", press)
	}
	switch {
	case m.Reply && m.ChatID == t.user:
		t.keyboard = m
		t.printButtons(m.Buttons, "⌨️ ", func(i int) string { return string(rune('a' + i)) })
	case m.RemoveKeyboard && m.ChatID == t.user:
		t.keyboard = telegramtest.Message{}
	case len(m.Buttons) > 0:
		t.inline[m.ChatID] = m
		t.printButtons(m.Buttons, press, func(i int) string { return strconv.Itoa(i + 1) })
	case t.inline[m.ChatID].ID == m.ID: // an edit took the buttons away
		delete(t.inline, m.ChatID)
	}
}

// printButtons prints rows of buttons as "[1] Back   [2] Cancel", each key as it is typed to press it.
func (t *terminal) printButtons(rows [][]telegramtest.Button, press string, key func(int) string) {
	i := 0
	for _, row := range rows {
		var cells []string
		for _, b := range row {
			cell := fmt.Sprintf("%s[%s] %s", press, key(i), b.Text)
			if b.URL != "" {
				cell += " (" + b.URL + ")"
			}
			cells = append(cells, cell)
			i++
		}
		fmt.Fprintf(t.out, "   %s\n", strings.Join(cells, "   "))
	}
}

// press finds the button key names in chat and hands it to push, saying so on the terminal; a key with no
// button is explained, not sent.
func (t *terminal) press(chat int64, key string, push func(telegramtest.Message, telegramtest.Button)) {
	t.mu.Lock()
	msg := t.inline[chat]
	n, err := strconv.Atoi(key)
	if err != nil {
		msg, n = t.keyboard, int(key[0]-'a')+1
		if chat != t.user {
			msg = telegramtest.Message{}
		}
	}
	var found *telegramtest.Button
	i := 0
	for _, row := range msg.Buttons {
		for _, b := range row {
			if i++; i == n {
				found = &b
			}
		}
	}
	switch {
	case found == nil:
		fmt.Fprintf(t.out, "   (no button [%s] here: type it without brackets to send it as text)\n", key)
	case found.URL != "":
		fmt.Fprintf(t.out, "   (a link, opened outside the chat: %s)\n", found.URL)
		found = nil
	case chat == t.staff:
		fmt.Fprintf(t.out, "👥 👤 [%s]\n", found.Text)
	default:
		fmt.Fprintf(t.out, "👤 [%s]\n", found.Text)
	}
	t.mu.Unlock()
	if found != nil {
		push(msg, *found)
	}
}

// waitIdle waits until the bot has taken and handled every update sent so far and sent what it queued for
// the staff chat, so a button typed next presses one of the bot's latest answer, and scripted input reads
// like a conversation.
func (t *terminal) waitIdle(ctx context.Context, srv *telegramtest.Server, app *bot.App, st *store.Store) {
	queued := func() bool {
		for _, lane := range []outbox.Lane{outbox.LaneNotify, outbox.LaneReminder, outbox.LaneBroadcast} {
			waiting, err1 := st.BulkDepth(ctx, string(lane))
			taken, err2 := st.BulkInFlight(ctx, string(lane))
			if err1 != nil || err2 != nil || waiting+taken > 0 {
				return true
			}
		}
		return false
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		t.mu.Lock()
		quiet := time.Since(t.shown) > 100*time.Millisecond
		t.mu.Unlock()
		if quiet && srv.Pending() == 0 && app.Idle(ctx) && !queued() {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}
