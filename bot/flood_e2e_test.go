package bot_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/go-telegram/bot/models"

	"github.com/ufo-thanhhoa/huunghi/bot"
	"github.com/ufo-thanhhoa/huunghi/bot/telegramtest"
)

// TestFlood_ManyAccountsDoNotDelayOthers floods the bot from more accounts than it has slots, each sending
// more than its backlog holds, and checks that someone else is answered while the flood is still being
// worked off; that every flooder is told once that part of their messages was turned away; and that the
// flooders past their burst were slowed together by the shared budget.
func TestFlood_ManyAccountsDoNotDelayOthers(t *testing.T) {
	t.Parallel() // waits on send budgets, not the CPU
	// SEND_RATE as in production, so that the flooders' replies wait for the global budget (outbox.Patient).
	// The budgets are slow next to any machine's speed, so that what the test checks does not depend on how
	// fast the bot works the flood off: a flooder's third message comes within 5 s of the first two however
	// loaded the machine is (so it is past its burst), and two flooders leave their pace within a minute of
	// each other (so the second waits for the shared budget). With budgets of a few a second, a bot slowed
	// by a loaded machine never got a flooder past its burst, and the test failed once that way.
	h := newHarness(t, map[string]string{"SEND_RATE": "30"}, bot.WithWorkers(4), bot.WithFloodLimits(bot.FloodLimits{
		Pace:   redis_rate.Limit{Rate: 1, Burst: 2, Period: 5 * time.Second},
		Drop:   redis_rate.PerMinute(60),
		Shared: redis_rate.Limit{Rate: 1, Burst: 1, Period: time.Minute},
	}))
	const flooders, each = 12, 30
	var accounts []models.User
	for f := range flooders {
		accounts = append(accounts, user(int64(3000+f), "en"))
	}
	for i := range each {
		for _, a := range accounts {
			h.srv.PushText(a, "spam "+strconv.Itoa(i))
		}
	}
	other := user(2999, "vi")
	h.srv.PushText(other, "/help")
	if got := h.messages(other.ID, 1)[0].Text; got != h.content.T("vi", "help.text") {
		t.Errorf("other user: got %q", got)
	}
	answered := 0
	for _, a := range accounts {
		answered += len(h.srv.Messages(a.ID))
	}
	if answered >= flooders*bot.DefaultBacklog/2 {
		t.Errorf("the other user waited until %d of the flood's replies were out", answered)
	}
	notice := h.content.T("en", "flood.backlog")
	for _, a := range accounts {
		if !h.srv.Wait(func() bool { return count(h.srv.Messages(a.ID), notice) > 0 }, wait) {
			t.Fatalf("flooder %d was not told that messages were turned away", a.ID)
		}
	}
	if got := h.metric("huunghi_intake_overflow_total"); got < flooders {
		t.Errorf("overflow counted %v, want at least one per flooder", got)
	}
	if !h.srv.Wait(func() bool { return h.metric(`huunghi_flood_total{action="shared"}`) > 0 }, wait) {
		t.Error("the flooders past their burst never waited for the shared budget")
	}
	for _, a := range accounts {
		if n := count(h.srv.Messages(a.ID), notice); n != 1 {
			t.Errorf("flooder %d got the backlog notice %d times, want once", a.ID, n)
		}
	}
}

func count(msgs []telegramtest.Message, text string) int {
	n := 0
	for _, m := range msgs {
		if m.Text == text {
			n++
		}
	}
	return n
}
