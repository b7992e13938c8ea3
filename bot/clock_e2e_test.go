package bot_test

import (
	"strings"
	"testing"
)

// TestClock_OneCalendarForTheWholeBot runs the bot on a day of its own and moves it: what the handlers
// show, what the store records (when a user was first and last seen, the day a question is counted for)
// and which programmes are open all follow the one clock given to bot.WithClock, never the machine's date.
func TestClock_OneCalendarForTheWholeBot(t *testing.T) {
	t.Parallel() // waits on the per-chat send budget, not the CPU
	h := newHarness(t, nil)
	a := &applicant{h: h, u: user(4600, "en")}
	a.send("/language")
	a.press("lang:en")
	a.send("who won the football match") // declined: counted for /unanswered on the bot's day
	md := a.send("/mydata").Text
	for _, want := range []string{"2031-05-12", h.content.T("en", "mydata.questions", "count", "1", "days", "31 days")} {
		if !strings.Contains(md, want) {
			t.Errorf("/mydata on %s: %q lacks %q", testNow.Format("2006-01-02"), md, want)
		}
	}
	a.send("/menu")
	a.press("prog:list")
	list := h.srv.Messages(a.u.ID)
	if got, want := list[len(list)-1].Text, h.content.T("en", "prog.deadline", "date", sampleCloses.Format("02/01/2006 15:04")); !strings.Contains(got, want) {
		t.Errorf("programme list: %q lacks %q", got, want)
	}

	// Forty days later: seen again that day, first seen still the first day, the question past the 30 days.
	h.moveClock(testNow.AddDate(0, 0, 40))
	md = a.send("/mydata").Text
	for _, want := range []string{"2031-05-12", "2031-06-21", h.content.T("en", "mydata.questions", "count", "0", "days", "31 days")} {
		if !strings.Contains(md, want) {
			t.Errorf("/mydata forty days later: %q lacks %q", md, want)
		}
	}
	// After the samples closed, none is offered.
	h.moveClock(sampleCloses)
	a.send("/menu")
	a.press("prog:list")
	list = h.srv.Messages(a.u.ID)
	if got := list[len(list)-1].Text; got != h.content.T("en", "prog.none") {
		t.Errorf("programme list after closing: %q, want prog.none", got)
	}
}
