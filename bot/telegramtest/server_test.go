package telegramtest_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/ufo-thanhhoa/huunghi/bot/telegramtest"
)

func TestGetMe_Default(t *testing.T) {
	srv := newServer(t)
	me, err := newBot(t, srv).GetMe(ctx(t))
	if err != nil {
		t.Fatalf("GetMe: %v", err)
	}
	want := models.User{ID: 123456, IsBot: true, FirstName: "Hữu Nghị", Username: "huunghi_bot"}
	if *me != want {
		t.Errorf("got %+v, want %+v", *me, want)
	}
	if srv.Bot() != want {
		t.Errorf("Bot() = %+v, want %+v", srv.Bot(), want)
	}
}

func TestGetMe_WithBotUserAndToken(t *testing.T) {
	u := models.User{ID: 42, IsBot: true, FirstName: "Staging", Username: "staging_bot"}
	srv := newServer(t, telegramtest.WithBotUser(u), telegramtest.WithToken("42:OTHER"))
	b, err := bot.New("42:OTHER", bot.WithServerURL(srv.URL()), bot.WithSkipGetMe())
	if err != nil {
		t.Fatal(err)
	}
	me, err := b.GetMe(ctx(t))
	if err != nil {
		t.Fatalf("GetMe: %v", err)
	}
	if *me != u {
		t.Errorf("got %+v, want %+v", *me, u)
	}
	// The default token is now wrong.
	if _, err := newBot(t, srv).GetMe(ctx(t)); !errors.Is(err, bot.ErrorUnauthorized) {
		t.Errorf("GetMe with the default token: got %v, want ErrorUnauthorized", err)
	}
}

func TestServeHTTP_Unauthorized(t *testing.T) {
	srv := newServer(t)
	b, err := bot.New("999:WRONG", bot.WithServerURL(srv.URL()), bot.WithSkipGetMe())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.SendMessage(ctx(t), &bot.SendMessageParams{ChatID: 1, Text: "x"}); !errors.Is(err, bot.ErrorUnauthorized) {
		t.Errorf("got %v, want ErrorUnauthorized", err)
	}
	code, a, err := post(ctx(t), srv.URL()+"/bot999:WRONG/getMe", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if code != http.StatusUnauthorized || a.OK || a.ErrorCode != 401 || a.Description != "Unauthorized" {
		t.Errorf("got %d %+v, want 401 Unauthorized", code, a)
	}
	if len(srv.Messages(1)) != 0 {
		t.Error("an unauthorized call sent a message")
	}
}

func TestServeHTTP_UnknownMethod(t *testing.T) {
	srv := newServer(t)
	code, a, err := post(ctx(t), methodURL(srv, "sendPigeon"), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if code != http.StatusNotFound || a.ErrorCode != 404 || a.Description != "Not Found: method not found" {
		t.Errorf("got %d %+v, want 404 Not Found: method not found", code, a)
	}
	calls := srv.Calls("sendPigeon")
	if len(calls) != 1 || calls[0].Code != 404 {
		t.Errorf("Calls = %+v, want one call with code 404", calls)
	}
}

func TestServeHTTP_MethodNamesIgnoreCase(t *testing.T) {
	srv := newServer(t)
	code, a, err := post(ctx(t), methodURL(srv, "GETME"), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if code != http.StatusOK || !a.OK {
		t.Fatalf("got %d %+v, want 200", code, a)
	}
	if calls := srv.Calls("getMe"); len(calls) != 1 || calls[0].Method != "getMe" {
		t.Errorf("Calls(getMe) = %+v, want one call named getMe", calls)
	}
}

// Every method takes JSON, multipart and URL-encoded parameters; Params shows
// them alike.
func TestServeHTTP_Encodings(t *testing.T) {
	srv := newServer(t)
	markup := `{"inline_keyboard":[[{"text":"Tiếng Việt","callback_data":"lang:vi"}]]}`

	code, a := mustCallJSON(t, srv, "sendMessage", map[string]any{
		"chat_id":      5,
		"text":         "json",
		"reply_markup": map[string]any{"inline_keyboard": [][]map[string]string{{{"text": "Tiếng Việt", "callback_data": "lang:vi"}}}},
	})
	if code != http.StatusOK {
		t.Fatalf("JSON: %d %s", code, a.Description)
	}

	form := url.Values{"chat_id": {"5"}, "text": {"form"}, "reply_markup": {markup}}
	code, a, err := post(ctx(t), methodURL(srv, "sendMessage"), "application/x-www-form-urlencoded", []byte(form.Encode()))
	if err != nil || code != http.StatusOK {
		t.Fatalf("form: %d %s %v", code, a.Description, err)
	}

	// Query string parameters, as in a browser.
	code, a, err = post(ctx(t), methodURL(srv, "sendMessage")+"?chat_id=5&text=query", "", nil)
	if err != nil || code != http.StatusOK {
		t.Fatalf("query: %d %s %v", code, a.Description, err)
	}

	// Multipart, through go-telegram/bot.
	if _, err := newBot(t, srv).SendMessage(ctx(t), &bot.SendMessageParams{ChatID: 5, Text: "multipart",
		ReplyMarkup: inline([]models.InlineKeyboardButton{{Text: "Tiếng Việt", CallbackData: "lang:vi"}})}); err != nil {
		t.Fatalf("multipart: %v", err)
	}

	msgs := srv.Messages(5)
	var texts []string
	for _, m := range msgs {
		texts = append(texts, m.Text)
	}
	if got, want := strings.Join(texts, ","), "json,form,query,multipart"; got != want {
		t.Errorf("texts = %q, want %q", got, want)
	}
	for _, i := range []int{0, 1, 3} {
		if len(msgs[i].Buttons) != 1 || msgs[i].Buttons[0][0].Data != "lang:vi" {
			t.Errorf("message %q buttons = %+v, want one lang:vi button", msgs[i].Text, msgs[i].Buttons)
		}
	}
	for _, c := range srv.Calls("sendMessage") {
		if c.Params["chat_id"] != "5" {
			t.Errorf("Params[chat_id] = %q, want \"5\"", c.Params["chat_id"])
		}
	}
}

func TestServeHTTP_BadJSON(t *testing.T) {
	srv := newServer(t)
	code, a, err := post(ctx(t), methodURL(srv, "sendMessage"), "application/json", []byte(`{"chat_id":`))
	if err != nil {
		t.Fatal(err)
	}
	if code != http.StatusBadRequest || !strings.HasPrefix(a.Description, "Bad Request: ") {
		t.Errorf("got %d %q, want 400 Bad Request", code, a.Description)
	}
}

func TestSendChatActionAndMenuButton(t *testing.T) {
	srv := newServer(t)
	b := newBot(t, srv)
	if _, err := b.SendChatAction(ctx(t), &bot.SendChatActionParams{ChatID: 7, Action: models.ChatActionTyping}); err != nil {
		t.Errorf("SendChatAction: %v", err)
	}
	if _, err := b.SendChatAction(ctx(t), &bot.SendChatActionParams{ChatID: 7, Action: "dancing"}); !errors.Is(err, bot.ErrorBadRequest) {
		t.Errorf("SendChatAction(dancing): got %v, want ErrorBadRequest", err)
	}
	if _, err := b.SetChatMenuButton(ctx(t), &bot.SetChatMenuButtonParams{
		MenuButton: models.MenuButtonCommands{Type: models.MenuButtonTypeCommands}}); err != nil {
		t.Errorf("SetChatMenuButton: %v", err)
	}
	calls := srv.Calls("sendChatAction")
	if len(calls) != 2 || calls[0].Params["action"] != "typing" || calls[0].Code != 200 || calls[1].Code != 400 {
		t.Errorf("Calls(sendChatAction) = %+v", calls)
	}
	if n := len(srv.Calls("")); n != 3 {
		t.Errorf("Calls(\"\") has %d calls, want 3", n)
	}
}

func TestClose_Twice(t *testing.T) {
	srv := telegramtest.New()
	srv.Close()
	srv.Close()
}

// The whole loop the bot runs in production: go-telegram/bot polls the fake,
// routes a /command and a button press to handlers, and answers through it.
func TestBotLoop_EndToEnd(t *testing.T) {
	srv := newServer(t)
	// The fake stores a message before the client has read the answer, so the
	// test waits for each handler to return, not only for what the fake saw:
	// otherwise the cancel at the end can land while onStart still reads.
	started := make(chan struct{})
	onStart := func(c context.Context, b *bot.Bot, u *models.Update) {
		defer close(started)
		_, err := b.SendMessage(c, &bot.SendMessageParams{ChatID: u.Message.Chat.ID, Text: "Chọn ngôn ngữ",
			ReplyMarkup: inline([]models.InlineKeyboardButton{{Text: "ພາສາລາວ", CallbackData: "lang:lo"}})})
		if err != nil {
			t.Errorf("SendMessage: %v", err)
		}
	}
	handled := make(chan struct{})
	onLang := func(c context.Context, b *bot.Bot, u *models.Update) {
		defer close(handled)
		cq := u.CallbackQuery
		if _, err := b.AnswerCallbackQuery(c, &bot.AnswerCallbackQueryParams{CallbackQueryID: cq.ID}); err != nil {
			t.Errorf("AnswerCallbackQuery: %v", err)
		}
		m := cq.Message.Message
		if _, err := b.EditMessageText(c, &bot.EditMessageTextParams{ChatID: m.Chat.ID, MessageID: m.ID, Text: "ສະບາຍດີ!"}); err != nil {
			t.Errorf("EditMessageText: %v", err)
		}
	}
	b, err := bot.New(telegramtest.Token, bot.WithServerURL(srv.URL()), bot.WithSkipGetMe(),
		bot.WithDefaultHandler(func(context.Context, *bot.Bot, *models.Update) {}),
		bot.WithErrorsHandler(func(err error) { t.Logf("bot: %v", err) }))
	if err != nil {
		t.Fatal(err)
	}
	b.RegisterHandler(bot.HandlerTypeMessageText, "start", bot.MatchTypeCommand, onStart)
	b.RegisterHandler(bot.HandlerTypeCallbackQueryData, "lang:", bot.MatchTypePrefix, onLang)

	c, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		b.Start(c)
	}()
	defer func() {
		cancel()
		<-stopped
	}()

	srv.PushText(alice, "/start")
	msgs, err := srv.WaitMessages(alice.ID, 1, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-started:
	case <-time.After(5 * time.Second):
		t.Fatal("the /start handler did not return")
	}
	srv.PushCallback(alice, msgs[0], msgs[0].Buttons[0][0].Data)
	select {
	case <-handled:
	case <-time.After(5 * time.Second):
		t.Fatalf("the button press was not handled: %+v", srv.Messages(alice.ID))
	}
	if got := srv.Messages(alice.ID)[0]; got.Text != "ສະບາຍດີ!" || got.Buttons != nil {
		t.Errorf("after the press: %+v", got)
	}
	if n := len(srv.Answers()); n != 1 {
		t.Errorf("%d callback answers, want 1", n)
	}
	if !srv.Wait(func() bool { return srv.Pending() == 0 }, 5*time.Second) {
		t.Errorf("Pending = %d; the bot's poller confirms what it received", srv.Pending())
	}
}
