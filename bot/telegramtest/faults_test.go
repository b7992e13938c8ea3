package telegramtest_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot"

	"github.com/ufo-thanhhoa/huunghi/bot/telegramtest"
)

func TestFailNext_TooManyRequests(t *testing.T) {
	srv := newServer(t)
	b := newBot(t, srv)
	srv.FailNext("sendMessage", alice.ID, 2, telegramtest.Failure{Code: 429, RetryAfter: 7})

	for range 2 {
		_, err := b.SendMessage(ctx(t), &bot.SendMessageParams{ChatID: alice.ID, Text: "x"})
		var tooMany *bot.TooManyRequestsError
		if !errors.As(err, &tooMany) || tooMany.RetryAfter != 7 {
			t.Fatalf("got %v, want *bot.TooManyRequestsError with RetryAfter 7", err)
		}
		if !strings.Contains(tooMany.Message, "Too Many Requests: retry after 7") {
			t.Errorf("message %q", tooMany.Message)
		}
	}
	// Other chats are served meanwhile; the fault is used up after n calls.
	if _, err := b.SendMessage(ctx(t), &bot.SendMessageParams{ChatID: bob.ID, Text: "y"}); err != nil {
		t.Errorf("other chat: %v", err)
	}
	if _, err := b.SendMessage(ctx(t), &bot.SendMessageParams{ChatID: alice.ID, Text: "z"}); err != nil {
		t.Errorf("after the faults: %v", err)
	}
	if got := srv.Messages(alice.ID); len(got) != 1 || got[0].Text != "z" {
		t.Errorf("Messages = %+v; a refused send must have no effect", got)
	}
	var codes []int
	for _, c := range srv.Calls("sendMessage") {
		codes = append(codes, c.Code)
	}
	if want := []int{429, 429, 200, 200}; len(codes) != len(want) || codes[0] != 429 || codes[1] != 429 || codes[2] != 200 || codes[3] != 200 {
		t.Errorf("codes = %v, want %v", codes, want)
	}
}

func TestFailNext_ForbiddenAndServerErrors(t *testing.T) {
	srv := newServer(t)
	b := newBot(t, srv)
	srv.FailNext("sendMessage", 0, 1, telegramtest.Failure{Code: 403})
	_, err := b.SendMessage(ctx(t), &bot.SendMessageParams{ChatID: bob.ID, Text: "x"})
	if !errors.Is(err, bot.ErrorForbidden) || !strings.Contains(err.Error(), "bot was blocked by the user") {
		t.Errorf("got %v, want ErrorForbidden", err)
	}

	srv.FailNext("SENDDOCUMENT", 0, 1, telegramtest.Failure{Code: 502})
	srv.FailNext("sendMessage", 0, 1, telegramtest.Failure{Code: 500, Description: "Internal Server Error: restart"})
	if _, err := b.SendMessage(ctx(t), &bot.SendMessageParams{ChatID: bob.ID, Text: "x"}); err == nil ||
		!strings.Contains(err.Error(), "500 Internal Server Error: restart") {
		t.Errorf("500: got %v", err)
	}
	calls := srv.Calls("sendMessage")
	if last := calls[len(calls)-1]; last.Code != 500 || last.Description != "Internal Server Error: restart" {
		t.Errorf("last call %+v", last)
	}
	if n := len(srv.Messages(bob.ID)); n != 0 {
		t.Errorf("%d messages recorded from failed calls", n)
	}
	// The 502 waits for its method.
	if _, err := b.SendMessage(ctx(t), &bot.SendMessageParams{ChatID: bob.ID, Text: "ok"}); err != nil {
		t.Errorf("sendMessage after its faults: %v", err)
	}
}

func TestSetLatency(t *testing.T) {
	srv := newServer(t)
	b := newBot(t, srv)
	srv.SetLatency("sendMessage", time.Minute)

	c, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := b.SendMessage(c, &bot.SendMessageParams{ChatID: alice.ID, Text: "chậm"}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want context.DeadlineExceeded", err)
	}
	// The call ends on the server too, without effect.
	if !srv.Wait(func() bool { return len(srv.Calls("sendMessage")) == 1 }, 5*time.Second) {
		t.Fatal("the slow call did not end with its client")
	}
	if c := srv.Calls("sendMessage")[0]; c.Code != 0 {
		t.Errorf("abandoned call code %d, want 0", c.Code)
	}
	if n := len(srv.Messages(alice.ID)); n != 0 {
		t.Errorf("an abandoned call sent %d messages", n)
	}

	// Other methods are not slowed down, and latency can be removed.
	if _, err := b.GetMe(ctx(t)); err != nil {
		t.Errorf("GetMe: %v", err)
	}
	srv.SetLatency("sendMessage", 0)
	if _, err := b.SendMessage(ctx(t), &bot.SendMessageParams{ChatID: alice.ID, Text: "nhanh"}); err != nil {
		t.Errorf("after removing latency: %v", err)
	}
}
