package bot_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestDigest_ReachesTheStaffChatOnceAWeek runs the week of a registration and a question the bot could not
// answer, then the digest job on Monday morning: the staff chat gets the digest in the staff's language,
// with the counts and the question and nothing about the people, and the runs later that week send no
// second one.
func TestDigest_ReachesTheStaffChatOnceAWeek(t *testing.T) {
	t.Parallel() // waits on the per-chat send budget, not the CPU
	const staffChat = -7300
	h := newHarness(t, map[string]string{"STAFF_CHAT_ID": "-7300"})
	ctx := context.Background()
	a := &applicant{h: h, u: user(7301, "en"), prog: exchange}
	a.send("/start reg_" + exchange)
	a.complete("en")
	asker := &applicant{h: h, u: user(7302, "en")}
	asker.send("/language")
	asker.press("lang:en")
	asker.send("who won the football match") // declined: counted for /unanswered
	h.idle()
	before := len(h.srv.Messages(staffChat)) // the registration's notice

	monday := time.Date(2031, 5, 19, 8, 0, 0, 0, hcm) // testNow is the Monday before
	h.moveClock(monday)
	if err := h.app.RunJob(ctx, "digest"); err != nil {
		t.Fatal(err)
	}
	digest := h.messages(staffChat, before+1)[before].Text
	p, _ := h.content.Programme(exchange)
	for _, want := range []string{
		h.content.T("vi", "staff.digest.title", "from", "12/05/2031 08:00", "to", "19/05/2031 08:00"),
		h.content.T("vi", "staff.digest.registrations"),
		"• " + p.TitleIn("vi") + "\n  " + h.content.T("vi", "staff.digest.programme",
			"new", "1", "new_waiting", "0", "registered", "1", "waiting", "0"),
		h.content.T("vi", "staff.digest.unanswered") + "\n" +
			h.content.T("vi", "unanswered.line", "n", "1", "count", "1", "lang", "en", "question", "who won the football match"),
	} {
		if !strings.Contains(digest, want) {
			t.Errorf("the digest lacks %q:\n%s", want, digest)
		}
	}
	for _, personal := range []string{"7301", "7302", "Noy", "HN-"} {
		if strings.Contains(digest, personal) {
			t.Errorf("the digest shows %q", personal)
		}
	}
	// Tuesday's run (the catch-up for a bot that was down on Monday) finds the week's digest sent.
	h.moveClock(monday.AddDate(0, 0, 1))
	if err := h.app.RunJob(ctx, "digest"); err != nil {
		t.Fatal(err)
	}
	h.idle()
	if n := len(h.srv.Messages(staffChat)); n != before+1 {
		t.Errorf("the staff chat has %d messages after Tuesday's run, want %d: one digest a week", n, before+1)
	}
}

// TestSessions_NightlyCleanUpEndsDeadForms leaves three forms half filled: one a week and a day ago, one
// for a call that closed since, one from yesterday for a call still open. The night's clean-up deletes the
// first two — the old one although Redis, on real time, still has it — and keeps the third.
func TestSessions_NightlyCleanUpEndsDeadForms(t *testing.T) {
	t.Parallel() // waits on the per-chat send budget, not the CPU
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "programmes"), 0o755); err != nil {
		t.Fatal(err)
	}
	for id, src := range map[string]string{
		"jobs_open":  flowProgramme("jobs_open", "all", "2031-04-01 08:00", "2031-08-31 17:00"),
		"jobs_short": flowProgramme("jobs_short", "all", "2031-05-01 08:00", "2031-05-18 17:00"),
	} {
		if err := os.WriteFile(filepath.Join(dir, "programmes", id+".yaml"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	h := newHarness(t, map[string]string{"CONTENT_DIR": dir})
	old := &applicant{h: h, u: user(7401, "en"), prog: "jobs_open"}
	old.begin()
	h.moveClock(time.Date(2031, 5, 18, 10, 0, 0, 0, hcm))
	closing := &applicant{h: h, u: user(7402, "en"), prog: "jobs_short"}
	closing.begin()
	recent := &applicant{h: h, u: user(7403, "en"), prog: "jobs_open"}
	recent.begin()
	for _, a := range []*applicant{old, closing, recent} {
		if formState(t, h, a.u.ID) == nil {
			t.Fatalf("user %d has no form", a.u.ID)
		}
	}

	h.moveClock(time.Date(2031, 5, 19, 12, 0, 0, 0, hcm)) // a week and two hours after the first form
	if formState(t, h, old.u.ID) == nil {
		t.Fatal("Redis dropped the week-old form by itself: the test does not show the clean-up")
	}
	counts := map[int64]int{}
	for _, a := range []*applicant{old, closing, recent} {
		counts[a.u.ID] = a.count()
	}
	if err := h.app.RunJob(context.Background(), "sessions"); err != nil {
		t.Fatal(err)
	}
	h.idle()
	for _, a := range []*applicant{old, closing, recent} {
		if n := a.count(); n != counts[a.u.ID] {
			t.Errorf("user %d was sent %d messages by the clean-up, want none", a.u.ID, n-counts[a.u.ID])
		}
	}
	if formState(t, h, old.u.ID) != nil || formState(t, h, closing.u.ID) != nil {
		t.Error("the week-old form or the closed call's form was kept")
	}
	if formState(t, h, recent.u.ID) == nil {
		t.Fatal("yesterday's form of an open call was deleted")
	}
	// The closed call's applicant typing on is no longer taken for an answer; the recent one's form goes on.
	if got := closing.send("Noy Phommasane"); buttonWith(got, "form:") != "" {
		t.Errorf("after the clean-up, typing went on with the closed call's form: %q", got.Text)
	}
	if got := recent.send("Noy Phommasane"); buttonWith(got, "form:") == "" {
		t.Errorf("the open call's form did not go on: %q %v", got.Text, buttonData(got))
	}
}
