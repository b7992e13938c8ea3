package telegramtest_test

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/ufo-thanhhoa/huunghi/bot/telegramtest"
)

func TestSendMessage_InlineKeyboard(t *testing.T) {
	srv := newServer(t)
	b := newBot(t, srv)
	kb := inline(
		[]models.InlineKeyboardButton{{Text: "Tiếng Việt", CallbackData: "lang:vi"}, {Text: "ພາສາລາວ", CallbackData: "lang:lo"}},
		[]models.InlineKeyboardButton{{Text: "Website", URL: "https://thanhhoa.gov.vn"}},
	)
	m, err := b.SendMessage(ctx(t), &bot.SendMessageParams{ChatID: alice.ID, Text: "<b>Chọn ngôn ngữ</b>",
		ParseMode: models.ParseModeHTML, ReplyMarkup: kb})
	if err != nil {
		t.Fatalf("SendMessage: %v", err)
	}
	if m.ID != 1 || m.Chat.ID != alice.ID || m.Chat.Type != models.ChatTypePrivate || m.Date == 0 ||
		m.Text != "<b>Chọn ngôn ngữ</b>" || m.From == nil || m.From.Username != "huunghi_bot" {
		t.Errorf("result = %+v", m)
	}
	if m.ReplyMarkup == nil || len(m.ReplyMarkup.InlineKeyboard) != 2 || m.ReplyMarkup.InlineKeyboard[0][1].CallbackData != "lang:lo" {
		t.Errorf("result reply_markup = %+v, want the keyboard as sent", m.ReplyMarkup)
	}

	got := srv.Messages(alice.ID)
	want := []telegramtest.Message{{
		ID: 1, ChatID: alice.ID, Text: "<b>Chọn ngôn ngữ</b>", ParseMode: "HTML",
		Buttons: [][]telegramtest.Button{
			{{Text: "Tiếng Việt", Data: "lang:vi"}, {Text: "ພາສາລາວ", Data: "lang:lo"}},
			{{Text: "Website", URL: "https://thanhhoa.gov.vn"}},
		},
	}}
	if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", want) {
		t.Errorf("Messages = %+v, want %+v", got, want)
	}
}

func TestSendMessage_ReplyKeyboard(t *testing.T) {
	srv := newServer(t)
	b := newBot(t, srv)
	m, err := b.SendMessage(ctx(t), &bot.SendMessageParams{ChatID: alice.ID, Text: "Gửi số điện thoại?",
		ReplyMarkup: &models.ReplyKeyboardMarkup{Keyboard: [][]models.KeyboardButton{
			{{Text: "📱 Gửi số", RequestContact: true}}, {{Text: "Huỷ"}},
		}, ResizeKeyboard: true, OneTimeKeyboard: true}})
	if err != nil {
		t.Fatalf("SendMessage: %v", err)
	}
	if m.ReplyMarkup != nil {
		t.Errorf("result reply_markup = %+v; Telegram returns inline keyboards only", m.ReplyMarkup)
	}
	if _, err := b.SendMessage(ctx(t), &bot.SendMessageParams{ChatID: alice.ID, Text: "Cảm ơn",
		ReplyMarkup: &models.ReplyKeyboardRemove{RemoveKeyboard: true}}); err != nil {
		t.Fatalf("SendMessage: %v", err)
	}
	got := srv.Messages(alice.ID)
	if len(got) != 2 {
		t.Fatalf("got %d messages, want 2", len(got))
	}
	if !got[0].Reply || got[0].Buttons[0][0] != (telegramtest.Button{Text: "📱 Gửi số", RequestContact: true}) ||
		got[0].Buttons[1][0].Text != "Huỷ" {
		t.Errorf("reply keyboard message = %+v", got[0])
	}
	if !got[1].RemoveKeyboard || got[1].Buttons != nil {
		t.Errorf("remove keyboard message = %+v", got[1])
	}
}

func TestSendMessage_Validation(t *testing.T) {
	data64 := strings.Repeat("d", 64)
	tests := []struct {
		name    string
		params  bot.SendMessageParams
		wantErr string // "" = accepted
	}{
		{"empty text", bot.SendMessageParams{Text: ""}, "Bad Request: message text is empty"},
		{"blank text", bot.SendMessageParams{Text: " \n "}, "Bad Request: message text is empty"},
		{"4096 bytes", bot.SendMessageParams{Text: strings.Repeat("a", 4096)}, ""},
		{"4097 bytes", bot.SendMessageParams{Text: strings.Repeat("a", 4097)}, "Bad Request: message is too long"},
		{"4096 Vietnamese letters", bot.SendMessageParams{Text: strings.Repeat("ệ", 4096)}, ""},
		{"4097 Vietnamese letters", bot.SendMessageParams{Text: strings.Repeat("ệ", 4097)}, "Bad Request: message is too long"},
		{"2048 emoji are 4096 UTF-16 units", bot.SendMessageParams{Text: strings.Repeat("😀", 2048)}, ""},
		{"2049 emoji", bot.SendMessageParams{Text: strings.Repeat("😀", 2049)}, "Bad Request: message is too long"},
		{"HTML tags do not count", bot.SendMessageParams{Text: "<b>" + strings.Repeat("a", 4096) + "</b>", ParseMode: models.ParseModeHTML}, ""},
		{"HTML unknown tag", bot.SendMessageParams{Text: "Hạn <date> nộp", ParseMode: models.ParseModeHTML},
			`Bad Request: can't parse entities: Unsupported start tag "date" at byte offset 6`},
		{"HTML unescaped <", bot.SendMessageParams{Text: "1 < 2", ParseMode: models.ParseModeHTML},
			`Bad Request: can't parse entities: Unsupported start tag "" at byte offset 2`},
		{"HTML unclosed tag", bot.SendMessageParams{Text: "<b>đậm", ParseMode: models.ParseModeHTML},
			`Bad Request: can't parse entities: Can't find end tag corresponding to start tag "b"`},
		{"HTML ok", bot.SendMessageParams{Text: `<b>Hồ sơ</b> &lt;3 <a href="https://x.vn">link</a> & <tg-spoiler>s</tg-spoiler>`, ParseMode: models.ParseModeHTML}, ""},
		{"HTML only tags", bot.SendMessageParams{Text: "<b></b>", ParseMode: models.ParseModeHTML}, "Bad Request: message text is empty"},
		{"MarkdownV2 unescaped dot", bot.SendMessageParams{Text: "Phiên bản 1.0", ParseMode: models.ParseModeMarkdown},
			`Bad Request: can't parse entities: Character '.' is reserved and must be escaped with the preceding '\'`},
		{"MarkdownV2 unescaped parenthesis", bot.SendMessageParams{Text: "Gọi (024) 123", ParseMode: models.ParseModeMarkdown},
			`Character '(' is reserved`},
		{"MarkdownV2 escaped", bot.SendMessageParams{Text: `*Phiên bản* 1\.0 \(mới\) [web](https://x.vn/a_(b\)) ` + "`a.b`", ParseMode: models.ParseModeMarkdown}, ""},
		{"MarkdownV2 unclosed bold", bot.SendMessageParams{Text: "*đậm", ParseMode: models.ParseModeMarkdown},
			"Bad Request: can't parse entities: Can't find end of Bold entity at byte offset 0"},
		{"legacy Markdown user name", bot.SendMessageParams{Text: "Chào nguyen_van_a!", ParseMode: models.ParseModeMarkdownV1},
			""},
		{"legacy Markdown unclosed", bot.SendMessageParams{Text: "Chào *bạn", ParseMode: models.ParseModeMarkdownV1},
			"Bad Request: can't parse entities: Can't find end of the entity starting at byte offset 6"},
		{"unknown parse mode", bot.SendMessageParams{Text: "x", ParseMode: "HTML5"}, "Bad Request: unsupported parse_mode"},
		{"no chat", bot.SendMessageParams{ChatID: nil, Text: "x"}, "Bad Request: chat_id is empty"},
		{"channel username", bot.SendMessageParams{ChatID: "@unknown", Text: "x"}, "Bad Request: chat not found"},
		{"callback data 64 bytes", bot.SendMessageParams{Text: "x", ReplyMarkup: inline([]models.InlineKeyboardButton{{Text: "b", CallbackData: data64}})}, ""},
		{"callback data 65 bytes", bot.SendMessageParams{Text: "x", ReplyMarkup: inline([]models.InlineKeyboardButton{{Text: "b", CallbackData: data64 + "d"}})},
			"Bad Request: BUTTON_DATA_INVALID"},
		{"callback data 64 bytes of Vietnamese", bot.SendMessageParams{Text: "x", ReplyMarkup: inline([]models.InlineKeyboardButton{{Text: "b", CallbackData: strings.Repeat("ệ", 22)}})},
			"Bad Request: BUTTON_DATA_INVALID"},
		{"inline button without action", bot.SendMessageParams{Text: "x", ReplyMarkup: inline([]models.InlineKeyboardButton{{Text: "b"}})},
			"Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"},
		{"inline button without text", bot.SendMessageParams{Text: "x", ReplyMarkup: inline([]models.InlineKeyboardButton{{Text: "", CallbackData: "a"}})},
			"Bad Request: BUTTON_TEXT_INVALID"},
		{"inline button bad URL", bot.SendMessageParams{Text: "x", ReplyMarkup: inline([]models.InlineKeyboardButton{{Text: "b", URL: "javascript:alert(1)"}})},
			"Bad Request: BUTTON_URL_INVALID"},
		{"copy text button", bot.SendMessageParams{Text: "x", ReplyMarkup: inline([]models.InlineKeyboardButton{{Text: "b", CopyText: models.CopyTextButton{Text: "0912"}}})}, ""},
	}
	srv := newServer(t)
	b := newBot(t, srv)
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.params
			if p.ChatID == nil && tt.name != "no chat" {
				p.ChatID = int64(100 + i)
			}
			_, err := b.SendMessage(ctx(t), &p)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("got %v, want no error", err)
				}
				if n := len(srv.Messages(int64(100 + i))); n != 1 {
					t.Errorf("chat has %d messages, want 1", n)
				}
				return
			}
			if !errors.Is(err, bot.ErrorBadRequest) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("got %v, want bad request %q", err, tt.wantErr)
			}
			if n := len(srv.Messages(int64(100 + i))); n != 0 {
				t.Errorf("a refused message was recorded")
			}
		})
	}
}

func TestSendMessage_IDsPerChatSharedWithUsers(t *testing.T) {
	srv := newServer(t)
	b := newBot(t, srv)
	send := func(chat int64) int {
		t.Helper()
		m, err := b.SendMessage(ctx(t), &bot.SendMessageParams{ChatID: chat, Text: "x"})
		if err != nil {
			t.Fatalf("SendMessage: %v", err)
		}
		return m.ID
	}
	srv.PushText(alice, "/start") // message 1 in alice's chat
	if id := send(alice.ID); id != 2 {
		t.Errorf("first bot message after a user message: id %d, want 2", id)
	}
	if id := send(bob.ID); id != 1 {
		t.Errorf("first message in bob's chat: id %d, want 1", id)
	}
	if id := send(alice.ID); id != 3 {
		t.Errorf("id %d, want 3", id)
	}
	group := int64(-1001234567890)
	if m, err := b.SendMessage(ctx(t), &bot.SendMessageParams{ChatID: group, Text: "x"}); err != nil || m.Chat.Type != models.ChatTypeSupergroup {
		t.Errorf("group message: %+v %v, want a supergroup chat", m, err)
	}
}

func TestSendMessage_Concurrent(t *testing.T) {
	srv := newServer(t)
	b := newBot(t, srv)
	const workers, each = 10, 5
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				if _, err := b.SendMessage(ctx(t), &bot.SendMessageParams{ChatID: 7, Text: fmt.Sprintf("%d-%d", w, i)}); err != nil {
					t.Errorf("SendMessage: %v", err)
				}
				srv.PushText(models.User{ID: int64(2000 + w)}, "hi")
			}
		}()
	}
	wg.Wait()
	msgs := srv.Messages(7)
	if len(msgs) != workers*each {
		t.Fatalf("got %d messages, want %d", len(msgs), workers*each)
	}
	for i, m := range msgs {
		if m.ID != i+1 {
			t.Fatalf("message %d has id %d; ids must increase from 1 without gaps", i, m.ID)
		}
	}
}

func TestEditMessageText(t *testing.T) {
	srv := newServer(t)
	b := newBot(t, srv)
	kb := inline([]models.InlineKeyboardButton{{Text: "Đăng ký", CallbackData: "reg:1"}})
	m, err := b.SendMessage(ctx(t), &bot.SendMessageParams{ChatID: alice.ID, Text: "Sự kiện", ReplyMarkup: kb})
	if err != nil {
		t.Fatal(err)
	}
	edit := func(p bot.EditMessageTextParams) (*models.Message, error) {
		if p.ChatID == nil {
			p.ChatID = alice.ID
		}
		if p.MessageID == 0 {
			p.MessageID = m.ID
		}
		return b.EditMessageText(ctx(t), &p)
	}

	// Same text, same keyboard.
	if _, err := edit(bot.EditMessageTextParams{Text: "Sự kiện", ReplyMarkup: kb}); !errors.Is(err, bot.ErrorBadRequest) ||
		!strings.Contains(err.Error(), "Bad Request: message is not modified") {
		t.Errorf("unchanged edit: got %v, want message is not modified", err)
	}
	// New keyboard only: a change.
	kb2 := inline([]models.InlineKeyboardButton{{Text: "✅ Đã đăng ký", CallbackData: "reg:1:done"}})
	res, err := edit(bot.EditMessageTextParams{Text: "Sự kiện", ReplyMarkup: kb2})
	if err != nil {
		t.Fatalf("edit keyboard: %v", err)
	}
	if res.EditDate == 0 || res.ReplyMarkup == nil || res.ReplyMarkup.InlineKeyboard[0][0].CallbackData != "reg:1:done" {
		t.Errorf("edit result = %+v", res)
	}
	// New text without reply_markup: the keyboard goes, as on Telegram.
	if _, err := edit(bot.EditMessageTextParams{Text: "Sự kiện (đã đóng)"}); err != nil {
		t.Fatalf("edit text: %v", err)
	}
	got := srv.Messages(alice.ID)
	if len(got) != 1 || got[0].Text != "Sự kiện (đã đóng)" || !got[0].Edited || got[0].Buttons != nil {
		t.Errorf("after edits: %+v, want edited text and no buttons", got)
	}

	for _, tt := range []struct {
		name    string
		p       bot.EditMessageTextParams
		wantErr string
	}{
		{"unknown message", bot.EditMessageTextParams{MessageID: 99, Text: "x"}, "Bad Request: message to edit not found"},
		{"unknown chat", bot.EditMessageTextParams{ChatID: 555, Text: "x"}, "Bad Request: message to edit not found"},
		{"empty text", bot.EditMessageTextParams{Text: ""}, "Bad Request: message text is empty"},
		{"too long", bot.EditMessageTextParams{Text: strings.Repeat("a", 4097)}, "Bad Request: message is too long"},
		{"reply keyboard", bot.EditMessageTextParams{Text: "y", ReplyMarkup: &models.ReplyKeyboardMarkup{
			Keyboard: [][]models.KeyboardButton{{{Text: "a"}}}}}, "Bad Request: inline keyboard expected"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := edit(tt.p); !errors.Is(err, bot.ErrorBadRequest) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("got %v, want %q", err, tt.wantErr)
			}
		})
	}

	// A user's message cannot be edited by the bot.
	srv.PushText(alice, "xin chào")
	if _, err := edit(bot.EditMessageTextParams{MessageID: 2, Text: "x"}); err == nil || !strings.Contains(err.Error(), "message can't be edited") {
		t.Errorf("editing a user's message: got %v, want message can't be edited", err)
	}
}

func TestEditMessageReplyMarkupAndDelete(t *testing.T) {
	srv := newServer(t)
	b := newBot(t, srv)
	kb := inline([]models.InlineKeyboardButton{{Text: "A", CallbackData: "a"}})
	m, err := b.SendMessage(ctx(t), &bot.SendMessageParams{ChatID: bob.ID, Text: "Chọn", ReplyMarkup: kb})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.EditMessageReplyMarkup(ctx(t), &bot.EditMessageReplyMarkupParams{ChatID: bob.ID, MessageID: m.ID, ReplyMarkup: kb}); err == nil ||
		!strings.Contains(err.Error(), "message is not modified") {
		t.Errorf("same markup: got %v, want message is not modified", err)
	}
	if _, err := b.EditMessageReplyMarkup(ctx(t), &bot.EditMessageReplyMarkupParams{ChatID: bob.ID, MessageID: m.ID}); err != nil {
		t.Fatalf("remove keyboard: %v", err)
	}
	if got := srv.Messages(bob.ID)[0]; got.Buttons != nil || !got.Edited || got.Text != "Chọn" {
		t.Errorf("after removing the keyboard: %+v", got)
	}

	ok, err := b.DeleteMessage(ctx(t), &bot.DeleteMessageParams{ChatID: bob.ID, MessageID: m.ID})
	if err != nil || !ok {
		t.Fatalf("DeleteMessage: %v %v", ok, err)
	}
	if got := srv.Messages(bob.ID); len(got) != 1 || !got[0].Deleted {
		t.Errorf("after delete: %+v, want the message marked deleted", got)
	}
	if _, err := b.DeleteMessage(ctx(t), &bot.DeleteMessageParams{ChatID: bob.ID, MessageID: m.ID}); err == nil ||
		!strings.Contains(err.Error(), "Bad Request: message to delete not found") {
		t.Errorf("second delete: got %v, want message to delete not found", err)
	}
	if _, err := b.EditMessageText(ctx(t), &bot.EditMessageTextParams{ChatID: bob.ID, MessageID: m.ID, Text: "x"}); err == nil ||
		!strings.Contains(err.Error(), "message to edit not found") {
		t.Errorf("edit after delete: got %v, want message to edit not found", err)
	}
	if _, err := b.DeleteMessage(ctx(t), &bot.DeleteMessageParams{ChatID: bob.ID}); err == nil ||
		!strings.Contains(err.Error(), "message identifier is not specified") {
		t.Errorf("delete without id: got %v", err)
	}
}

func TestSendDocument(t *testing.T) {
	srv := newServer(t)
	b := newBot(t, srv)
	data := []byte("ho_ten,truong\nKhampheng,Hồng Đức\n")
	m, err := b.SendDocument(ctx(t), &bot.SendDocumentParams{
		ChatID:      -100777,
		Document:    &models.InputFileUpload{Filename: "dang-ky.csv", Data: bytes.NewReader(data)},
		Caption:     "Danh sách đăng ký",
		ReplyMarkup: inline([]models.InlineKeyboardButton{{Text: "Tải lại", CallbackData: "export:again"}}),
	})
	if err != nil {
		t.Fatalf("SendDocument: %v", err)
	}
	if m.Document == nil || m.Document.FileID == "" || m.Document.FileName != "dang-ky.csv" ||
		m.Document.FileSize != int64(len(data)) || m.Caption != "Danh sách đăng ký" {
		t.Fatalf("result = %+v document %+v", m, m.Document)
	}

	// Sending the file again by file_id is what bots do for a file they sent once.
	if _, err := b.SendDocument(ctx(t), &bot.SendDocumentParams{ChatID: alice.ID,
		Document: &models.InputFileString{Data: m.Document.FileID}}); err != nil {
		t.Fatalf("SendDocument by file_id: %v", err)
	}
	if _, err := b.SendDocument(ctx(t), &bot.SendDocumentParams{ChatID: alice.ID,
		Document: &models.InputFileString{Data: "no-such-file"}}); !errors.Is(err, bot.ErrorBadRequest) ||
		!strings.Contains(err.Error(), "wrong file identifier/HTTP URL specified") {
		t.Errorf("unknown file_id: got %v", err)
	}
	if _, err := b.SendDocument(ctx(t), &bot.SendDocumentParams{ChatID: alice.ID,
		Document: &models.InputFileUpload{Filename: "x.txt", Data: bytes.NewReader(nil)}}); err == nil ||
		!strings.Contains(err.Error(), "file must be non-empty") {
		t.Errorf("empty file: got %v", err)
	}
	if _, err := b.SendDocument(ctx(t), &bot.SendDocumentParams{ChatID: alice.ID,
		Document: &models.InputFileString{Data: "x"}, Caption: strings.Repeat("c", 1025)}); err == nil ||
		!strings.Contains(err.Error(), "message caption is too long") {
		t.Errorf("long caption: got %v", err)
	}

	got := srv.Messages(-100777)
	if len(got) != 1 || got[0].Document == nil {
		t.Fatalf("Messages = %+v, want one document", got)
	}
	d := got[0].Document
	if d.Name != "dang-ky.csv" || !bytes.Equal(d.Data, data) || d.Caption != "Danh sách đăng ký" || d.FileID != m.Document.FileID ||
		got[0].Buttons[0][0].Data != "export:again" {
		t.Errorf("document = %+v, buttons %+v", d, got[0].Buttons)
	}
	again := srv.Messages(alice.ID)
	if len(again) != 1 || again[0].Document == nil || !bytes.Equal(again[0].Document.Data, data) || again[0].Document.Name != "dang-ky.csv" {
		t.Errorf("resent document = %+v, want the original name and bytes", again)
	}

	// Messages returns copies.
	got[0].Document.Data[0] = 'X'
	if srv.Messages(-100777)[0].Document.Data[0] != data[0] {
		t.Error("changing a returned document changed the server's copy")
	}
	if _, err := b.EditMessageText(ctx(t), &bot.EditMessageTextParams{ChatID: -100777, MessageID: m.ID, Text: "x"}); err == nil ||
		!strings.Contains(err.Error(), "there is no text in the message to edit") {
		t.Errorf("editing the text of a document: got %v", err)
	}
}

func TestWithOnSend(t *testing.T) {
	var mu sync.Mutex
	var seen []telegramtest.Message
	srv := newServer(t, telegramtest.WithOnSend(func(m telegramtest.Message) {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, m)
	}))
	b := newBot(t, srv)
	m, err := b.SendMessage(ctx(t), &bot.SendMessageParams{ChatID: alice.ID, Text: "một"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.EditMessageText(ctx(t), &bot.EditMessageTextParams{ChatID: alice.ID, MessageID: m.ID, Text: "hai"}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.DeleteMessage(ctx(t), &bot.DeleteMessageParams{ChatID: alice.ID, MessageID: m.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.SendMessage(ctx(t), &bot.SendMessageParams{ChatID: alice.ID, Text: ""}); err == nil {
		t.Fatal("empty text accepted")
	}
	// No waiting: OnSend has run before each call was answered.
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 3 {
		t.Fatalf("OnSend saw %d messages, want 3: %+v", len(seen), seen)
	}
	if seen[0].Text != "một" || seen[0].Edited || seen[1].Text != "hai" || !seen[1].Edited || !seen[2].Deleted {
		t.Errorf("OnSend saw %+v", seen)
	}
}

func TestWaitMessages(t *testing.T) {
	srv := newServer(t)
	b := newBot(t, srv)
	go func() {
		time.Sleep(20 * time.Millisecond)
		_, _ = b.SendMessage(ctx(t), &bot.SendMessageParams{ChatID: alice.ID, Text: "Xin chào"})
	}()
	got, err := srv.WaitMessages(alice.ID, 1, 5*time.Second)
	if err != nil || len(got) != 1 || got[0].Text != "Xin chào" {
		t.Fatalf("WaitMessages: %+v %v", got, err)
	}

	// A failed send is why a message is missing; the error says so.
	_, _ = b.SendMessage(ctx(t), &bot.SendMessageParams{ChatID: alice.ID, Text: "x", ParseMode: models.ParseModeHTML,
		ReplyMarkup: inline([]models.InlineKeyboardButton{{Text: "b"}})})
	_, err = srv.WaitMessages(alice.ID, 2, 50*time.Millisecond)
	if err == nil {
		t.Fatal("WaitMessages: no error for a missing message")
	}
	for _, want := range []string{"chat 1001", "1 message(s)", "want 2", `"Xin chào"`, "sendMessage 400", "Text buttons are unallowed"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestWait(t *testing.T) {
	srv := newServer(t)
	if srv.Wait(func() bool { return false }, 30*time.Millisecond) {
		t.Error("Wait: true for a condition that never holds")
	}
	go srv.PushText(alice, "a")
	if !srv.Wait(func() bool { return srv.Pending() == 1 }, 5*time.Second) {
		t.Error("Wait: missed a pushed update")
	}
}

func TestSendPhoto_ByTheFileIDOfAUsersPhoto(t *testing.T) {
	srv := newServer(t)
	b := newBot(t, srv)
	if _, err := b.SendPhoto(ctx(t), &bot.SendPhotoParams{ChatID: alice.ID, Photo: &models.InputFileString{Data: "made-up"}}); err == nil {
		t.Fatal("a file_id the fake never gave out was accepted")
	}
	srv.PushPhoto(alice, "")
	u := getUpdates(t, srv, nil)
	photo := u[len(u)-1].Message.Photo[1].FileID
	bold := []models.MessageEntity{{Type: models.MessageEntityTypeBold, Offset: 0, Length: 3}}
	m, err := b.SendPhoto(ctx(t), &bot.SendPhotoParams{ChatID: alice.ID, Photo: &models.InputFileString{Data: photo},
		Caption: "Tết gathering", CaptionEntities: bold})
	if err != nil {
		t.Fatalf("SendPhoto: %v", err)
	}
	if len(m.Photo) == 0 || m.Photo[0].FileID != photo || m.Caption != "Tết gathering" {
		t.Fatalf("result = %+v", m)
	}
	got := srv.Messages(alice.ID)
	if len(got) != 1 || got[0].Photo != photo || got[0].Text != "Tết gathering" || len(got[0].Entities) != 1 || got[0].Entities[0].Length != 3 {
		t.Errorf("recorded %+v", got)
	}
	// A text's entities are recorded too.
	if _, err := b.SendMessage(ctx(t), &bot.SendMessageParams{ChatID: alice.ID, Text: "Bold news", Entities: bold}); err != nil {
		t.Fatal(err)
	}
	if got := srv.Messages(alice.ID); len(got[1].Entities) != 1 || got[1].Entities[0].Type != models.MessageEntityTypeBold {
		t.Errorf("text entities: %+v", got[1])
	}
}
