package telegramtest_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-telegram/bot"

	"github.com/ufo-thanhhoa/huunghi/bot/telegramtest"
)

// timeoutBot is a client of srv whose HTTP calls give up after d, as the bot's do after their timeout.
func timeoutBot(t *testing.T, srv *telegramtest.Server, d time.Duration) *bot.Bot {
	t.Helper()
	b, err := bot.New(telegramtest.Token, bot.WithServerURL(srv.URL()), bot.WithSkipGetMe(),
		bot.WithHTTPClient(d, &http.Client{Timeout: d}))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestWire_EachKind(t *testing.T) {
	for _, tc := range []struct {
		f      telegramtest.WireFault
		sent   bool                 // the message is in the chat afterwards
		effect bool                 // Injections marks it as taking effect
		check  func(err error) bool // what the client sees
		want   string               // for the failure message
	}{
		{telegramtest.WireFault{Kind: telegramtest.Status, Code: 500, JSON: true}, false, false,
			func(err error) bool { return err != nil && strings.Contains(err.Error(), "500 Internal Server Error") }, "500 from the JSON body"},
		{telegramtest.WireFault{Kind: telegramtest.Status}, false, false,
			func(err error) bool { return err != nil && strings.Contains(err.Error(), "error decode response body") }, "an undecodable HTML 502"},
		{telegramtest.WireFault{Kind: telegramtest.Hold}, false, false,
			func(err error) bool { return errors.Is(err, context.DeadlineExceeded) }, "the client's timeout"},
		{telegramtest.WireFault{Kind: telegramtest.Slow, Delay: 50 * time.Millisecond}, true, false,
			func(err error) bool { return err == nil }, "success"},
		{telegramtest.WireFault{Kind: telegramtest.ResetBefore}, false, false,
			func(err error) bool { return errors.Is(err, syscall.ECONNRESET) }, "connection reset"},
		{telegramtest.WireFault{Kind: telegramtest.ResetAfter}, true, true,
			func(err error) bool { return errors.Is(err, syscall.ECONNRESET) }, "connection reset"},
		{telegramtest.WireFault{Kind: telegramtest.HoldAfter}, true, true,
			func(err error) bool { return errors.Is(err, context.DeadlineExceeded) }, "the client's timeout"},
	} {
		t.Run(tc.f.Kind.String(), func(t *testing.T) {
			srv := newServer(t)
			b := timeoutBot(t, srv, 300*time.Millisecond)
			srv.InjectNext("SENDMESSAGE", alice.ID, 1, tc.f)
			_, err := b.SendMessage(ctx(t), &bot.SendMessageParams{ChatID: bob.ID, Text: "other chat"})
			if err != nil {
				t.Fatalf("a call to another chat met the fault: %v", err)
			}
			_, err = b.SendMessage(ctx(t), &bot.SendMessageParams{ChatID: alice.ID, Text: "xin chào"})
			if !tc.check(err) {
				t.Fatalf("got %v, want %s", err, tc.want)
			}
			if got := len(srv.Messages(alice.ID)); got != map[bool]int{true: 1, false: 0}[tc.sent] {
				t.Errorf("%d messages in the chat, want sent=%v", got, tc.sent)
			}
			inj := srv.Injections()
			if len(inj) != 1 || inj[0].Fault.Kind != tc.f.Kind || inj[0].ChatID != "1001" || inj[0].Effect != tc.effect {
				t.Errorf("Injections = %+v, want one %s to 1001 with Effect %v", inj, tc.f.Kind, tc.effect)
			}
			// Used up: the next call goes through.
			if _, err := b.SendMessage(ctx(t), &bot.SendMessageParams{ChatID: alice.ID, Text: "lần nữa"}); err != nil {
				t.Errorf("after the fault: %v", err)
			}
		})
	}
}

func TestWire_RandomIsSeededAndBounded(t *testing.T) {
	run := func(seed uint64, maxRun int) []bool {
		srv := newServer(t)
		b := newBot(t, srv)
		srv.InjectRandom("sendMessage", 0.7, seed, maxRun, telegramtest.WireFault{Kind: telegramtest.Status, Code: 502, JSON: true})
		var failed []bool
		for range 60 {
			_, err := b.SendMessage(ctx(t), &bot.SendMessageParams{ChatID: alice.ID, Text: "x"})
			failed = append(failed, err != nil)
		}
		if n := len(srv.Injections()); n != count(failed) {
			t.Errorf("%d injections recorded, %d calls failed", n, count(failed))
		}
		return failed
	}
	a, b := run(42, 0), run(42, 0)
	if count(a) == 0 || count(a) == len(a) {
		t.Fatalf("p=0.7 failed %d of %d calls", count(a), len(a))
	}
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("call %d: the same seed gave different faults", i)
		}
	}
	bounded := run(42, 2)
	inRow := 0
	for i, f := range bounded {
		if inRow = map[bool]int{true: inRow + 1, false: 0}[f]; inRow > 2 {
			t.Fatalf("call %d: %d faults in a row, want at most 2", i, inRow)
		}
	}
}

func count(bs []bool) int {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}
