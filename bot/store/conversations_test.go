package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/ufo-thanhhoa/huunghi/bot/store"
)

// TestConversations follows one thread: opened once, the first message queues the card and a quick second
// one waits for it, the card's delivery hands the waiting one out and maps the card back to the user; a
// claim is refused to a second staff member unless forced; closing ends it, and /forget leaves nothing.
func TestConversations(t *testing.T) {
	backends(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		const uid, chat = 501, -7000
		if _, _, _, err := s.UserWrote(ctx, uid, "1"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("message without a conversation: %v, want ErrNotFound", err)
		}
		c, created, err := s.OpenConversation(ctx, uid, "Noy")
		if err != nil || !created || !c.Open || c.Name != "Noy" {
			t.Fatalf("open: %+v %v %v", c, created, err)
		}
		if _, created, _ := s.OpenConversation(ctx, uid, "Noy"); created {
			t.Error("a second open created another conversation")
		}
		if card, _, first, err := s.UserWrote(ctx, uid, "3"); err != nil || card != 0 || !first {
			t.Fatalf("first message: card %d first %v err %v, want the card to be queued", card, first, err)
		}
		if card, _, first, err := s.UserWrote(ctx, uid, "4"); err != nil || card != 0 || first {
			t.Fatalf("second message before the card: card %d first %v err %v, want it pending", card, first, err)
		}
		pending, err := s.CardSent(ctx, uid, chat, 70)
		if err != nil || len(pending) != 2 || pending[0] != "3" || pending[1] != "4" {
			t.Fatalf("card sent: pending %v err %v, want [3 4]", pending, err)
		}
		if card, in, _, _ := s.UserWrote(ctx, uid, "5"); card != 70 || in != chat {
			t.Errorf("message after the card: card %d in %d, want 70 in %d (the chat comes with the card)", card, in, chat)
		}
		if got, err := s.ConversationOf(ctx, chat, 70); err != nil || got != uid {
			t.Errorf("card maps to %d %v", got, err)
		}
		if err := s.MapConversationMessage(ctx, uid, chat, 71); err != nil {
			t.Fatal(err)
		}
		if c, _ := s.Conversation(ctx, uid); c.Waiting.IsZero() || c.Answered() {
			t.Errorf("after the user's messages: %+v, want waiting", c)
		}
		if _, err := s.StaffWrote(ctx, uid); err != nil {
			t.Fatal(err)
		}
		if c, _ := s.Conversation(ctx, uid); !c.Answered() {
			t.Errorf("after staff wrote: %+v, want answered", c)
		}
		if c, ok, err := s.ClaimConversation(ctx, uid, 900, "Lan", false); err != nil || !ok || c.ClaimedName != "Lan" {
			t.Fatalf("claim: %+v %v %v", c, ok, err)
		}
		if c, ok, _ := s.ClaimConversation(ctx, uid, 901, "Minh", false); ok || c.ClaimedBy != 900 {
			t.Errorf("second claim: %+v %v, want refused, held by 900", c, ok)
		}
		if c, ok, _ := s.ClaimConversation(ctx, uid, 901, "Minh", true); !ok || c.ClaimedBy != 901 {
			t.Errorf("take-over: %+v %v", c, ok)
		}
		if open, _ := s.OpenConversations(ctx, 10); len(open) != 1 || open[0].UserID != uid {
			t.Errorf("open conversations: %+v", open)
		}
		if _, err := s.CloseConversation(ctx, uid, "user"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CloseConversation(ctx, uid, "staff"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("second close: %v, want ErrNotFound", err)
		}
		if c, err := s.Conversation(ctx, uid); err != nil || c.Open || c.Closed != "user" {
			t.Errorf("closed: %+v %v", c, err)
		}
		if open, _ := s.OpenConversations(ctx, 10); len(open) != 0 {
			t.Errorf("open conversations after close: %+v", open)
		}
		if _, err := s.StaffWrote(ctx, uid); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("staff message after close: %v", err)
		}
		if _, err := s.ForgetUser(ctx, uid); err != nil {
			t.Fatal(err)
		}
		keys, _ := s.Redis().Keys(ctx, store.Key("conv*")).Result()
		if len(keys) != 0 {
			t.Errorf("after /forget: %v", keys)
		}
		if _, err := s.ConversationOf(ctx, chat, 71); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a copy still maps after /forget: %v", err)
		}
	})
}
