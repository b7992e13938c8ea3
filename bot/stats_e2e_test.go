package bot_test

import (
	"context"
	"strings"
	"testing"

	"github.com/go-telegram/bot/models"

	"github.com/ufo-thanhhoa/huunghi/bot/store"
	"github.com/ufo-thanhhoa/huunghi/handlers/forms"
)

const germany = "germany_study_info_2027"

// TestStats_StaffSeeUsersQuestionsAndRegistrations has people use the bot on different days (the bot's
// clock moved, never today's date), ask questions it answers and one it cannot, and register with their
// country: staff's /stats counts them — active in 7 and 30 days, languages, countries, answer rate, top
// topic, registrations — /metrics shows the same numbers, someone who is not staff is told the command does
// not exist, and after /forget the user is out of the counts and the last-seen index.
func TestStats_StaffSeeUsersQuestionsAndRegistrations(t *testing.T) {
	t.Parallel() // waits on chats' send budgets, not the CPU
	h := newHarness(t, nil)
	ctx := context.Background()
	c := h.content
	seenOn := func(days int, a *applicant) {
		h.moveClock(testNow.AddDate(0, 0, -days))
		a.send("/help")
	}
	month := &applicant{h: h, u: user(5101, "en")}
	seenOn(20, month)
	old := &applicant{h: h, u: user(5102, "vi")}
	seenOn(40, old)
	h.moveClock(testNow)

	asker := &applicant{h: h, u: user(5103, "lo")}
	asker.send("/language")
	asker.press("lang:lo")
	topic, _ := c.FAQ.Topic("residence_card")
	if got := asker.send("ບັດພັກເຊົາໝົດອາຍຸ ຕໍ່ແນວໃດ"); !strings.Contains(got.Text, topic.TopicTitle("lo")) {
		t.Fatalf("the question was not answered: %q", got.Text)
	}
	asker.press("faq:no")
	asker.press("faq:no") // tapped twice: one missed answer
	asker.send("xyzzy plugh qwertz?")

	registrant := &applicant{h: h, u: user(5104, "en"), prog: germany}
	registrant.send("/start reg_" + germany)
	registrant.complete("en")

	// Not staff: as if the command did not exist.
	if got := registrant.send("/stats").Text; got != c.T("en", "command.unknown") {
		t.Errorf("/stats from someone who is not staff: got %q, want command.unknown", got)
	}

	staff := &applicant{h: h, u: user(900, "en")}
	text := staff.send("/stats").Text
	p, _ := c.Programme(germany)
	region := forms.HomeRegion(p.Fields, map[string]string{"country": "vietnam"})
	for _, want := range []string{
		c.T("en", "stats.users", "total", "5", "week", "3", "month", "4", "unreachable", "0"),
		c.T("en", "stats.countries", "known", "1", "list", "🇻🇳 "+region+" 1"),
		c.T("en", "stats.questions_line", "days", "7", "answered", "1", "declined", "1", "rate", "50", "not_this", "1"),
		c.T("en", "stats.questions_line", "days", "30", "answered", "1", "declined", "1", "rate", "50", "not_this", "1"),
		c.T("en", "stats.topic_line", "n", "1", "topic", topic.TopicTitle("en"), "count", "1"),
		c.T("en", "stats.programme_line", "programme", p.TitleIn("en"), "counts", c.T("en", "reg.status.registered")+" 1"),
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/stats lacks %q:\n%s", want, text)
		}
	}
	if region != "VN" {
		t.Errorf("the sample's Vietnam is region %q, want VN", region)
	}
	if !strings.Contains(text, c.T("lo", "lang.name")+" 1") || !strings.Contains(text, c.T("en", "stats.not_chosen")+" 4") {
		t.Errorf("/stats languages: want one Lao and four not chosen:\n%s", text)
	}
	if strings.Contains(text, c.T("en", "stats.indexing")) {
		t.Errorf("/stats says users are still being counted after the backfill at start:\n%s", text)
	}

	for sample, want := range map[string]float64{
		`huunghi_users`:                                                          5,
		`huunghi_users_active{window="7d"}`:                                      3,
		`huunghi_users_active{window="30d"}`:                                     4,
		`huunghi_users_by_language{lang="lo"}`:                                   1,
		`huunghi_users_by_country{country="VN"}`:                                 1,
		`huunghi_questions{outcome="answered",window="7d"}`:                      1,
		`huunghi_questions{outcome="declined",window="30d"}`:                     1,
		`huunghi_registrations{programme="` + germany + `",status="registered"}`: 1,
	} {
		if got := h.metric(sample); got != want {
			t.Errorf("/metrics %s = %v, want %v", sample, got, want)
		}
	}

	asker.send("/forget")
	asker.press("forget:yes")
	if _, err := h.redis.Client().ZScore(ctx, store.Key("users:seen"), "5103").Result(); err == nil {
		t.Error("after /forget the user is still in the last-seen index")
	}
	text = staff.send("/stats").Text
	if want := c.T("en", "stats.users", "total", "4", "week", "2", "month", "3", "unreachable", "0"); !strings.Contains(text, want) {
		t.Errorf("/stats after a /forget lacks %q:\n%s", want, text)
	}
	if strings.Contains(text, c.T("lo", "lang.name")) {
		t.Errorf("/stats after the Lao user's /forget still counts a Lao user:\n%s", text)
	}
}

// TestStats_StaffChatInItsLanguage: a bare /stats in the staff chat is answered there in the staff chat's
// language (STAFF_LANG), and in a group that is not a staff chat staff are asked to write privately, so
// that the numbers stay among staff.
func TestStats_StaffChatInItsLanguage(t *testing.T) {
	t.Parallel() // waits on the groups' send budget, not the CPU
	const staffChat, otherGroup = -7400, -7401
	h := newHarness(t, map[string]string{"STAFF_CHAT_ID": "-7400"})
	staff := user(900, "en")
	h.srv.PushGroupText(staff, models.Chat{ID: staffChat}, "/stats")
	got := h.messages(staffChat, 1)[0].Text
	if want := h.content.T("vi", "stats.users", "total", "1", "week", "1", "month", "1", "unreachable", "0"); !strings.Contains(got, want) {
		t.Errorf("/stats in the staff chat lacks %q:\n%s", want, got)
	}
	h.srv.PushGroupText(staff, models.Chat{ID: otherGroup}, "/stats@huunghi_bot")
	if got := h.messages(otherGroup, 1)[0].Text; got != h.content.T("en", "staff.private_only") {
		t.Errorf("/stats in another group: got %q, want staff.private_only", got)
	}
}
