package telegramtest_test

import (
	"testing"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

// TestCopyMessage_CarriesWhatTheSourceHad copies a user's text, photo and file to a group and the
// group's reply back: each copy carries the source's text, caption, photo or file, replies where it was
// asked to, and a reply to a copy reaches the bot with the copy as reply_to_message.
func TestCopyMessage_CarriesWhatTheSourceHad(t *testing.T) {
	srv := newServer(t)
	b := newBot(t, srv)
	u := models.User{ID: 77, FirstName: "Noy"}
	srv.PushText(u, "hello")
	srv.PushPhoto(u, "my card")
	srv.PushDocument(u, "passport.pdf", []byte("%PDF"), "scan")
	const group = -500
	card, err := b.SendMessage(ctx(t), &bot.SendMessageParams{ChatID: group, Text: "card"})
	if err != nil {
		t.Fatal(err)
	}
	for id := 1; id <= 3; id++ {
		if _, err := b.CopyMessage(ctx(t), &bot.CopyMessageParams{ChatID: group, FromChatID: u.ID, MessageID: id,
			ReplyParameters: &models.ReplyParameters{MessageID: card.ID}}); err != nil {
			t.Fatalf("copy %d: %v", id, err)
		}
	}
	got := srv.Messages(group)
	if len(got) != 4 {
		t.Fatalf("group has %d messages, want the card and 3 copies", len(got))
	}
	if got[1].Text != "hello" || got[1].ReplyTo != card.ID || got[1].CopyOf != "77:1" {
		t.Errorf("text copy: %+v", got[1])
	}
	if got[2].Media != "photo" || got[2].Caption != "my card" || got[2].FileID == "" || got[2].Text != "" {
		t.Errorf("photo copy: %+v", got[2])
	}
	if d := got[3].Document; d == nil || d.Name != "passport.pdf" || string(d.Data) != "%PDF" || d.Caption != "scan" {
		t.Errorf("document copy: %+v", got[3])
	}
	if _, err := b.CopyMessage(ctx(t), &bot.CopyMessageParams{ChatID: group, FromChatID: u.ID, MessageID: 99}); err == nil {
		t.Error("copying a message that does not exist succeeded")
	}
	if _, err := b.SendMessage(ctx(t), &bot.SendMessageParams{ChatID: group, Text: "x",
		ReplyParameters: &models.ReplyParameters{MessageID: 999}}); err == nil {
		t.Error("a reply to a missing message was sent")
	}

	// Staff reply to the photo's copy with a file; the bot copies that to the user.
	prompt, err := b.SendMessage(ctx(t), &bot.SendMessageParams{ChatID: group, Text: "Write your reply",
		ReplyMarkup: &models.ForceReply{ForceReply: true, InputFieldPlaceholder: "Reply"}})
	if err != nil {
		t.Fatal(err)
	}
	if m := srv.Messages(group)[4]; !m.ForceReply || m.Placeholder != "Reply" {
		t.Errorf("force reply prompt: %+v", m)
	}
	srv.PushGroupReplyDocument(models.User{ID: 900, FirstName: "Lan"}, models.Chat{ID: group}, got[2], "answer.pdf", []byte("A"), "see")
	srv.PushGroupReply(models.User{ID: 900, FirstName: "Lan"}, models.Chat{ID: group}, srv.Messages(group)[4], "plain")
	ups := getUpdates(t, srv, nil)
	if len(ups) != 5 {
		t.Fatalf("%d updates, want 5", len(ups))
	}
	r := ups[3].Message
	if r.ReplyToMessage == nil || r.ReplyToMessage.ID != got[2].ID || len(r.ReplyToMessage.Photo) == 0 || r.Document == nil {
		t.Fatalf("staff reply: %+v", r)
	}
	if ups[4].Message.ReplyToMessage == nil || ups[4].Message.ReplyToMessage.ID != prompt.ID {
		t.Errorf("reply to the prompt: %+v", ups[4].Message)
	}
	if _, err := b.CopyMessage(ctx(t), &bot.CopyMessageParams{ChatID: u.ID, FromChatID: group, MessageID: r.ID}); err != nil {
		t.Fatal(err)
	}
	back := srv.Messages(u.ID)
	if d := back[len(back)-1].Document; d == nil || d.Name != "answer.pdf" || d.Caption != "see" {
		t.Errorf("copy to the user: %+v", back[len(back)-1])
	}
}
