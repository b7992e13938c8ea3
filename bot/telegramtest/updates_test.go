package telegramtest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/ufo-thanhhoa/huunghi/bot/telegramtest"
)

// decodeUpdates decodes a getUpdates result.
func decodeUpdates(a answer) ([]models.Update, error) {
	var ups []models.Update
	err := json.Unmarshal(a.Result, &ups)
	return ups, err
}

func TestGetUpdates_OffsetConfirms(t *testing.T) {
	srv := newServer(t)
	if id := srv.PushText(alice, "xin chào"); id != 1 {
		t.Errorf("first update_id = %d, want 1", id)
	}
	if id := srv.PushText(bob, "/start"); id != 2 {
		t.Errorf("second update_id = %d, want 2", id)
	}

	ups := getUpdates(t, srv, map[string]any{})
	if len(ups) != 2 || ups[0].ID != 1 || ups[1].ID != 2 || ups[0].Message.Text != "xin chào" || ups[1].Message.Chat.ID != bob.ID {
		t.Fatalf("updates = %+v", ups)
	}
	// Received is not confirmed.
	if n := srv.Pending(); n != 2 {
		t.Errorf("Pending = %d after receiving, want 2", n)
	}
	if ups := getUpdates(t, srv, map[string]any{"offset": 1, "limit": 1}); len(ups) != 1 || ups[0].ID != 1 {
		t.Errorf("limit 1: %+v", ups)
	}
	if ups := getUpdates(t, srv, map[string]any{"offset": 2}); len(ups) != 1 || ups[0].ID != 2 {
		t.Errorf("offset 2: %+v", ups)
	}
	if n := srv.Pending(); n != 1 {
		t.Errorf("Pending = %d after offset 2, want 1", n)
	}
	if ups := getUpdates(t, srv, map[string]any{"offset": 3}); len(ups) != 0 {
		t.Errorf("offset 3: %+v, want none", ups)
	}
	if n := srv.Pending(); n != 0 {
		t.Errorf("Pending = %d after offset 3, want 0", n)
	}

	// A negative offset keeps the last updates only.
	for range 3 {
		srv.PushText(alice, "a")
	}
	if ups := getUpdates(t, srv, map[string]any{"offset": -1}); len(ups) != 1 || ups[0].ID != 5 {
		t.Errorf("offset -1: %+v, want update 5", ups)
	}
}

func TestGetUpdates_LongPollWakesOnPush(t *testing.T) {
	srv := newServer(t)
	srv.PushText(alice, "một")
	getUpdates(t, srv, map[string]any{})

	type result struct {
		ups []models.Update
		err error
	}
	done := make(chan result, 1)
	go func() {
		_, a, err := callJSON(context.Background(), srv, "getUpdates", map[string]any{"offset": 2, "timeout": 30})
		if err != nil {
			done <- result{err: err}
			return
		}
		ups, err := decodeUpdates(a)
		done <- result{ups, err}
	}()
	// The poll confirmed update 1: it is now waiting.
	if !srv.Wait(func() bool { return srv.Pending() == 0 }, 5*time.Second) {
		t.Fatal("the long poll did not confirm update 1")
	}
	id := srv.PushText(alice, "hai")
	select {
	case r := <-done:
		if r.err != nil {
			t.Fatal(r.err)
		}
		if len(r.ups) != 1 || r.ups[0].ID != id || r.ups[0].Message.Text != "hai" {
			t.Errorf("got %+v, want update %d", r.ups, id)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the long poll did not wake up on a pushed update")
	}
}

func TestGetUpdates_TimeoutAnswersEmpty(t *testing.T) {
	srv := newServer(t)
	code, a := mustCallJSON(t, srv, "getUpdates", map[string]any{"timeout": 1})
	if code != http.StatusOK || string(a.Result) != "[]" {
		t.Errorf("got %d %s, want 200 []", code, a.Result)
	}
}

func TestGetUpdates_EndsWithRequestContext(t *testing.T) {
	srv := newServer(t)
	c, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, _, err := callJSON(c, srv, "getUpdates", map[string]any{"timeout": 30})
		errc <- err
	}()
	time.Sleep(50 * time.Millisecond)
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Errorf("client error = %v, want context.Canceled", err)
	}
	// The server ends the poll too instead of holding it for 30 s.
	if !srv.Wait(func() bool { return len(srv.Calls("getUpdates")) == 1 }, 5*time.Second) {
		t.Error("the server kept polling after the client went away")
	}
}

func TestGetUpdates_SecondPollerConflicts(t *testing.T) {
	srv := newServer(t)
	codes := make(chan int, 2)
	poll := func() {
		code, _, err := callJSON(context.Background(), srv, "getUpdates", map[string]any{"timeout": 10})
		if err != nil {
			t.Error(err)
		}
		codes <- code
	}
	go poll()
	time.Sleep(50 * time.Millisecond)
	go poll()
	select {
	case code := <-codes:
		if code != http.StatusConflict {
			t.Fatalf("first answer %d, want 409 for the older poll", code)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("two pollers ran side by side")
	}
	calls := srv.Calls("getUpdates")
	if len(calls) != 1 || !strings.HasPrefix(calls[0].Description, "Conflict: terminated by other getUpdates request") {
		t.Errorf("calls = %+v", calls)
	}
	srv.PushText(alice, "x")
	if code := <-codes; code != http.StatusOK {
		t.Errorf("newer poll answered %d, want 200", code)
	}
}

func TestGetUpdates_Multipart(t *testing.T) {
	srv := newServer(t)
	srv.PushText(alice, "a")
	srv.PushText(alice, "b")
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	_ = w.WriteField("offset", "2")
	_ = w.WriteField("timeout", "0")
	_ = w.Close()
	code, a, err := post(ctx(t), methodURL(srv, "getUpdates"), w.FormDataContentType(), body.Bytes())
	if err != nil || code != http.StatusOK {
		t.Fatalf("%d %s %v", code, a.Description, err)
	}
	ups, err := decodeUpdates(a)
	if err != nil || len(ups) != 1 || ups[0].Message.Text != "b" {
		t.Errorf("got %+v %v, want update b", ups, err)
	}
}

func TestGetUpdates_AllowedUpdates(t *testing.T) {
	srv := newServer(t)
	// Telegram leaves out reactions unless asked for.
	reaction := models.Update{MessageReactionCount: &models.MessageReactionCountUpdated{Chat: models.Chat{ID: 1, Type: "private"}, MessageID: 1, Date: 1}}
	if id := srv.PushUpdate(reaction); id != 0 {
		t.Errorf("reaction update pushed as %d, want dropped (0)", id)
	}
	getUpdates(t, srv, map[string]any{"allowed_updates": []string{"message", "message_reaction_count"}})
	if id := srv.PushUpdate(reaction); id == 0 {
		t.Error("reaction update dropped although the bot asked for it")
	}
	if id := srv.PushCallback(alice, telegramtest.Message{ID: 1, ChatID: alice.ID}, "x"); id != 0 {
		t.Errorf("callback pushed as %d although the bot did not ask for callbacks", id)
	}
	// An empty list restores the default.
	getUpdates(t, srv, map[string]any{"allowed_updates": []string{}})
	if id := srv.PushCallback(alice, telegramtest.Message{ID: 1, ChatID: alice.ID}, "x"); id == 0 {
		t.Error("callback dropped with the default allowed_updates")
	}
}

func TestPushText_CommandEntities(t *testing.T) {
	srv := newServer(t)
	group := models.Chat{ID: -1001, Title: "Hội Việt–Lào"}
	srv.PushText(alice, "/start reg_exchange")
	srv.PushText(alice, "/help@huunghi_bot")
	groupText := "Chào cả nhà 👋 /faq và /events@huunghi_bot"
	srv.PushGroupText(bob, group, groupText)
	ups := getUpdates(t, srv, map[string]any{})
	if len(ups) != 3 {
		t.Fatalf("got %d updates, want 3", len(ups))
	}
	type ent struct{ off, n int }
	u16 := func(s string) int { return len(utf16.Encode([]rune(s))) }
	faq, events := strings.Index(groupText, "/faq"), strings.Index(groupText, "/events")
	for i, want := range [][]ent{{{0, 6}}, {{0, 17}}, {{u16(groupText[:faq]), 4}, {u16(groupText[:events]), 19}}} {
		m := ups[i].Message
		var got []ent
		for _, e := range m.Entities {
			if e.Type != models.MessageEntityTypeBotCommand {
				t.Errorf("entity type %q, want bot_command", e.Type)
			}
			got = append(got, ent{e.Offset, e.Length})
		}
		if len(got) != len(want) {
			t.Errorf("%q: entities %v, want %v", m.Text, got, want)
			continue
		}
		for j := range got {
			if got[j] != want[j] {
				t.Errorf("%q: entities %v, want %v (UTF-16 offsets)", m.Text, got, want)
			}
		}
	}
	g := ups[2].Message
	if g.Chat.ID != group.ID || g.Chat.Type != models.ChatTypeSupergroup || g.Chat.Title != group.Title || g.From.ID != bob.ID {
		t.Errorf("group message chat %+v from %+v", g.Chat, g.From)
	}
	p := ups[0].Message
	if p.Chat.ID != alice.ID || p.Chat.Type != models.ChatTypePrivate || p.From.LanguageCode != "lo" || p.Date == 0 {
		t.Errorf("private message %+v", p)
	}
}

func TestPush_MessageKinds(t *testing.T) {
	srv := newServer(t)
	srv.PushSticker(alice)
	srv.PushPhoto(alice, "Thẻ tạm trú")
	srv.PushContact(alice, "+8562055512345")
	srv.PushText(alice, "Toi muon dang ky")
	srv.PushEdited(alice, "Tôi muốn đăng ký")
	ups := getUpdates(t, srv, map[string]any{})
	if len(ups) != 5 {
		t.Fatalf("got %d updates, want 5", len(ups))
	}
	if m := ups[0].Message; m.Sticker == nil || m.Sticker.FileID == "" || m.Text != "" {
		t.Errorf("sticker: %+v", m)
	}
	if m := ups[1].Message; len(m.Photo) == 0 || m.Caption != "Thẻ tạm trú" {
		t.Errorf("photo: %+v", m)
	}
	if m := ups[2].Message; m.Contact == nil || m.Contact.PhoneNumber != "+8562055512345" || m.Contact.UserID != alice.ID {
		t.Errorf("contact: %+v", m.Contact)
	}
	e := ups[4].EditedMessage
	if ups[4].Message != nil || e == nil || e.ID != ups[3].Message.ID || e.Text != "Tôi muốn đăng ký" || e.EditDate == 0 {
		t.Errorf("edited: %+v, want message %d edited", e, ups[3].Message.ID)
	}
	for i, u := range ups[:4] {
		if u.Message.ID != i+1 {
			t.Errorf("update %d: message id %d, want %d", i, u.Message.ID, i+1)
		}
	}
}

func TestPushReplyTo_ForwardedMessage(t *testing.T) {
	srv := newServer(t)
	origin := models.MessageOrigin{Type: models.MessageOriginTypeUser,
		MessageOriginUser: &models.MessageOriginUser{Type: models.MessageOriginTypeUser, Date: 1, SenderUser: bob}}
	srv.PushReplyTo(alice, models.Message{Text: "Xin chào", ForwardOrigin: &origin}, "/team add")
	ups := getUpdates(t, srv, map[string]any{})
	if len(ups) != 1 {
		t.Fatalf("got %d updates, want 1", len(ups))
	}
	m := ups[0].Message
	if m.Text != "/team add" || len(m.Entities) != 1 || m.ID != 2 {
		t.Errorf("reply: %+v", m)
	}
	to := m.ReplyToMessage
	if to == nil || to.ID != 1 || to.Chat.ID != alice.ID || to.Text != "Xin chào" || to.ForwardOrigin == nil ||
		to.ForwardOrigin.MessageOriginUser == nil || to.ForwardOrigin.MessageOriginUser.SenderUser.ID != bob.ID {
		t.Errorf("replied-to message: %+v", to)
	}
}

func TestPushCallback_AnswerCallbackQuery(t *testing.T) {
	srv := newServer(t)
	b := newBot(t, srv)
	if _, err := b.SendMessage(ctx(t), &bot.SendMessageParams{ChatID: alice.ID, Text: "Chọn ngôn ngữ",
		ReplyMarkup: inline([]models.InlineKeyboardButton{{Text: "ພາສາລາວ", CallbackData: "lang:lo"}})}); err != nil {
		t.Fatal(err)
	}
	msgs, err := srv.WaitMessages(alice.ID, 1, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	srv.PushCallback(alice, msgs[0], msgs[0].Buttons[0][0].Data)
	ups := getUpdates(t, srv, map[string]any{})
	if len(ups) != 1 || ups[0].CallbackQuery == nil {
		t.Fatalf("updates = %+v, want a callback query", ups)
	}
	cq := ups[0].CallbackQuery
	if cq.ID == "" || cq.Data != "lang:lo" || cq.From.ID != alice.ID {
		t.Errorf("callback query = %+v", cq)
	}
	m := cq.Message.Message
	if cq.Message.Type != models.MaybeInaccessibleMessageTypeMessage || m == nil || m.ID != msgs[0].ID ||
		m.Text != "Chọn ngôn ngữ" || m.ReplyMarkup == nil || m.ReplyMarkup.InlineKeyboard[0][0].CallbackData != "lang:lo" {
		t.Errorf("callback message = %+v", m)
	}

	if ok, err := b.AnswerCallbackQuery(ctx(t), &bot.AnswerCallbackQueryParams{CallbackQueryID: cq.ID, Text: "Đã chọn", ShowAlert: true}); err != nil || !ok {
		t.Fatalf("AnswerCallbackQuery: %v %v", ok, err)
	}
	if _, err := b.AnswerCallbackQuery(ctx(t), &bot.AnswerCallbackQueryParams{CallbackQueryID: cq.ID}); !errors.Is(err, bot.ErrorBadRequest) ||
		!strings.Contains(err.Error(), "query ID is invalid") {
		t.Errorf("second answer: got %v, want query ID is invalid", err)
	}
	if _, err := b.AnswerCallbackQuery(ctx(t), &bot.AnswerCallbackQueryParams{CallbackQueryID: "42"}); !errors.Is(err, bot.ErrorBadRequest) {
		t.Errorf("unknown query: got %v, want bad request", err)
	}
	answers := srv.Answers()
	if len(answers) != 1 || answers[0].Params["text"] != "Đã chọn" || answers[0].Params["show_alert"] != "true" ||
		answers[0].Params["callback_query_id"] != cq.ID {
		t.Errorf("Answers = %+v", answers)
	}

	// A deleted message is inaccessible to a late press.
	if _, err := b.DeleteMessage(ctx(t), &bot.DeleteMessageParams{ChatID: alice.ID, MessageID: msgs[0].ID}); err != nil {
		t.Fatal(err)
	}
	srv.PushCallback(alice, msgs[0], "lang:lo")
	ups = getUpdates(t, srv, map[string]any{"offset": ups[0].ID + 1})
	if len(ups) != 1 || ups[0].CallbackQuery.Message.Type != models.MaybeInaccessibleMessageTypeInaccessibleMessage {
		t.Errorf("press on a deleted message: %+v", ups[0].CallbackQuery)
	}
}

func TestPushUpdate_KeepsWhatWasPushed(t *testing.T) {
	srv := newServer(t)
	m := &models.Message{ID: 1, Chat: models.Chat{ID: 5, Type: "private"}, Text: "trước", Date: 1}
	id := srv.PushUpdate(models.Update{ID: 999, Message: m})
	m.Text = "sau"
	ups := getUpdates(t, srv, map[string]any{})
	if id != 1 || len(ups) != 1 || ups[0].ID != 1 || ups[0].Message.Text != "trước" {
		t.Errorf("got id %d, updates %+v; want update 1 as pushed", id, ups)
	}
}
