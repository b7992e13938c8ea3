package bot_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/go-telegram/bot/models"

	"github.com/ufo-thanhhoa/huunghi/bot/store"
)

// retentionEnv is a retention that is not the default, so that a figure the notice shows can only have
// come from the configuration.
var retentionEnv = map[string]string{
	"RETAIN_SESSIONS": "3d", "RETAIN_QUESTIONS": "14d", "RETAIN_HANDOFF": "90d", "RETAIN_INACTIVE_USERS": "500d",
}

// TestPrivacy_NoticeInEachLanguageShowsTheConfiguredFigures: /privacy in Lao, Vietnamese and English says
// who keeps the data (the Union, with its contacts), how long each kind is kept — the figures of RETAIN_*,
// not the defaults — and how to see and delete it; in a group it answers too (no personal data in it).
// /mydata states the same retention.
func TestPrivacy_NoticeInEachLanguageShowsTheConfiguredFigures(t *testing.T) {
	t.Parallel() // waits on the per-chat send budget, not the CPU
	h := newHarness(t, retentionEnv)
	days := func(lang, n string) string { return h.content.T(lang, "privacy.days", "n", n) }
	for i, lang := range []string{"lo", "vi", "en"} {
		a := &applicant{h: h, u: user(int64(4800+i), lang)}
		got := a.send("/privacy").Text
		for _, want := range []string{
			days(lang, "500"), days(lang, "3"), days(lang, "14"), days(lang, "90"), days(lang, "30"),
			h.content.T(lang, "privacy.months", "n", "12"),
			h.content.Contact("office_email", lang), h.content.Contact("office_phone", lang), h.content.Contact("office_address", lang),
			"/mydata", "/forget",
		} {
			if !strings.Contains(got, want) {
				t.Errorf("%s /privacy lacks %q:\n%s", lang, want, got)
			}
		}
		for _, def := range []string{days(lang, "730"), days(lang, "365"), days(lang, "31")} {
			if strings.Contains(got, def) {
				t.Errorf("%s /privacy shows the default %q, not the configured figure:\n%s", lang, def, got)
			}
		}
		if strings.Contains(got, "{") {
			t.Errorf("%s /privacy has a placeholder left: %s", lang, got)
		}
		md := a.send("/mydata")
		if !strings.Contains(md.Text, days(lang, "500")) || !strings.Contains(md.Text, days(lang, "14")) {
			t.Errorf("%s /mydata does not state the retention (500 and 14 days):\n%s", lang, md.Text)
		}
		if !hasButton(md, "privacy:show") {
			t.Errorf("%s /mydata has no button to the privacy notice: %v", lang, buttonData(md))
		}
	}
	group := models.Chat{ID: -1003, Type: models.ChatTypeSupergroup, Title: "SV Lào Thanh Hóa"}
	h.srv.PushGroupText(user(4810, "vi"), group, "/privacy@huunghi_bot")
	if got := h.messages(group.ID, 1)[0].Text; !strings.Contains(got, days("vi", "500")) || !strings.HasPrefix(got, "🔒") {
		t.Errorf("/privacy in a group: got %q, want the notice", got)
	}
}

// TestPrivacy_ConsentStepLinksTheNoticeAndTheFormContinues: the consent step of a registration form has a
// privacy button; tapping it sends the notice as a new message, leaves the consent message and the form as
// they were, and the applicant then agrees and submits as usual.
func TestPrivacy_ConsentStepLinksTheNoticeAndTheFormContinues(t *testing.T) {
	t.Parallel() // waits on the per-chat send budget, not the CPU
	h := newHarness(t, retentionEnv)
	ctx := context.Background()
	a := &applicant{h: h, u: user(4820, "lo"), prog: exchange}
	a.send("/start reg_" + exchange)
	for range 40 {
		if hasButton(a.prompt(), "form:consent:yes") {
			break
		}
		a.answer("lo")
	}
	consent := a.prompt()
	if !hasButton(consent, "form:consent:yes") || !hasButton(consent, "privacy:show") {
		t.Fatalf("consent step %q has buttons %v, want consent and privacy:show", consent.Text, buttonData(consent))
	}
	before := a.state()
	n := a.count()
	a.press("privacy:show")
	msgs := a.wait(n + 1)
	notice := msgs[len(msgs)-1]
	if !strings.HasPrefix(notice.Text, "🔒") || !strings.Contains(notice.Text, h.content.T("lo", "privacy.days", "n", "500")) {
		t.Errorf("after the privacy button: %q, want the Lao notice", notice.Text)
	}
	if again := a.message(consent.ID); again.Text != consent.Text || fmt.Sprint(again.Buttons) != fmt.Sprint(consent.Buttons) {
		t.Errorf("the consent message changed: %q %v", again.Text, again.Buttons)
	}
	if after := a.state(); after.Stage != before.Stage || fmt.Sprint(after.Answers) != fmt.Sprint(before.Answers) {
		t.Errorf("the form moved: %+v, was %+v", after, before)
	}
	if conf := a.complete("lo"); !strings.Contains(conf, "HN-") {
		t.Errorf("no confirmation after the notice: %q", conf)
	}
	if _, err := h.store().GetRegistration(ctx, exchange, a.u.ID); err != nil {
		t.Errorf("registration after the notice: %v", err)
	}
}

// TestPrivacy_NightlyJobDeletesInactiveUsers: the inactive users' job, run at night on the bot's clock,
// deletes a user not seen for RETAIN_INACTIVE_USERS (500 days here, not the default two years) as /forget
// does — record, counted question, last-seen index — and keeps one who wrote since.
func TestPrivacy_NightlyJobDeletesInactiveUsers(t *testing.T) {
	t.Parallel() // waits on the per-chat send budget, not the CPU
	h := newHarness(t, retentionEnv)
	ctx := context.Background()
	st := h.store()
	gone := &applicant{h: h, u: user(4830, "en")}
	kept := &applicant{h: h, u: user(4831, "en")}
	for _, a := range []*applicant{gone, kept} {
		a.send("/language")
		a.press("lang:en")
		a.send("who won the football match") // declined: a question kept for /unanswered
	}
	h.moveClock(testNow.AddDate(0, 0, 300))
	kept.send("/menu")
	h.moveClock(testNow.AddDate(0, 0, 501))
	if err := h.app.RunJob(ctx, "inactive_users"); err != nil {
		t.Fatal(err)
	}
	gone.settle()
	if ok, err := st.UserExists(ctx, gone.u.ID); err != nil || ok {
		t.Errorf("user not seen for 501 days: exists %v (%v), want deleted", ok, err)
	}
	if n, err := st.UnansweredCount(ctx, gone.u.ID); err != nil || n != 0 {
		t.Errorf("their question: %d (%v), want none", n, err)
	}
	if u, err := st.GetUser(ctx, kept.u.ID); err != nil || u.Lang != "en" {
		t.Errorf("user seen 201 days ago: %+v %v, want kept with their language", u, err)
	}
	for k, v := range dumpRedis(t, h.redis.Client()) {
		if strings.HasPrefix(k, "rate:") || strings.HasPrefix(k, store.Key("rate:")) || strings.HasPrefix(k, store.Key("upd:")) || strings.HasPrefix(k, store.Key("job:")) {
			continue // ids only, expiring on their own within hours
		}
		if strings.Contains(k, "4830") || strings.Contains(v, "4830") {
			t.Errorf("after the job %s still holds the deleted user: %.200s", k, v)
		}
	}
	if _, err := st.GetSession(ctx, gone.u.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("session of the deleted user: %v", err)
	}
}
