package bot_test

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"
	"github.com/redis/go-redis/v9"

	"github.com/ufo-thanhhoa/huunghi/bot/store"
	"github.com/ufo-thanhhoa/huunghi/bot/telegramtest"
	"github.com/ufo-thanhhoa/huunghi/handlers"
	"github.com/ufo-thanhhoa/huunghi/handlers/forms"
)

// BenchmarkPipeline measures updates per second through the whole runtime: long-polling intake → Redis
// queue → dispatcher → middleware (the visit: user, language, role, flood) → the /help handler → outbox → the fake
// Bot API, against a real redis-server. Every update comes from a different user so the per-chat send
// budget (1 msg/s) does not bound the figure. It reports the Redis commands each update costs (INFO
// commandstats, commands inside scripts included) next to updates/s; BenchmarkFAQBurst does the same for
// known users asking a question. The global send budget and the chat lease are production's (SEND_RATE
// 30, 5 s), as in BenchmarkFAQBurst.
func BenchmarkPipeline(b *testing.B) {
	h := newHarness(b, map[string]string{"SEND_RATE": "30"})
	base := int64(1_000_000)
	// Warm up: the first update creates connections and loads scripts.
	h.srv.PushText(models.User{ID: base - 1, FirstName: "W", LanguageCode: "en"}, "/help")
	h.messages(base-1, 1)
	rdb := h.redis.Client()
	h.idle()
	before := commandStats(b, rdb)
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		h.srv.PushText(models.User{ID: base + int64(i), FirstName: "U", LanguageCode: "vi"}, "/help")
	}
	last := base + int64(b.N) - 1
	deadline := time.Now().Add(5 * time.Minute)
	for id := base; id <= last && time.Now().Before(deadline); {
		if len(h.srv.Messages(id)) > 0 {
			id++
			continue
		}
		time.Sleep(time.Millisecond)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	if len(h.srv.Messages(last)) == 0 {
		b.Fatal("not every update was answered within 5 minutes")
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "updates/s")
	total, _ := commandsSince(b, rdb, before)
	b.ReportMetric(float64(total)/float64(b.N), "redis-commands/update")
}

// BenchmarkRegistrations measures registrations per second end to end — 1,000 applicants whose forms are
// filled in (seeded in Redis at the summary step) tap "Send" at once; each tap goes through intake,
// dispatch, the idempotent Lua registration, the staff card and the confirmation — and the Redis memory
// each registration costs (used_memory after minus before, divided by the count).
func BenchmarkRegistrations(b *testing.B) { benchmarkRegistrations(b, 1000) }

func benchmarkRegistrations(b *testing.B, applicants int) {
	h := newHarness(b, map[string]string{"STAFF_CHAT_ID": "-9000"})
	p, ok := h.content.Programme(exchange)
	if !ok {
		b.Fatal("sample programme missing")
	}
	ctx := context.Background()
	st := h.store()
	rdb := h.redis.Client()
	var total time.Duration
	var bytesPer float64
	for round := range b.N {
		base := int64(5_000_000 + round*applicants)
		for i := range int64(applicants) {
			s := forms.New(p.ID, h.clock.Now())
			for guard := 0; s.Stage != forms.StageSummary && guard < 50; guard++ {
				f, ok := s.Current(p.Fields)
				switch {
				case s.Stage == forms.StageConsent:
					_ = s.Consent(true)
				case !ok:
					b.Fatalf("form stuck at %+v", s)
				case f.Type == forms.TypeMultiChoice:
					_ = s.Toggle(p.Fields, f.Choices("en")[0].ID)
					_ = s.DoneMulti(p.Fields)
				case f.Type == forms.TypeChoice || f.Type == forms.TypeCountry || f.Type == forms.TypeYesNo:
					_ = s.Answer(p.Fields, f.Choices("en")[0].ID, h.clock.Now())
				default:
					_ = s.Answer(p.Fields, sampleAnswer(f), h.clock.Now())
				}
			}
			raw, _ := json.Marshal(s)
			if err := st.SaveSession(ctx, base+i, store.Session{Flow: handlers.FlowForm, Data: raw}); err != nil {
				b.Fatal(err)
			}
		}
		// Each applicant has the summary in their chat (a message of the bot's, which the confirmation edits
		// into a receipt); here it is the answer to a /help, sent before the clock starts.
		for i := range int64(applicants) {
			h.srv.PushText(models.User{ID: base + i, FirstName: "A", LanguageCode: "lo"}, "/help")
		}
		summaries := make([]telegramtest.Message, applicants)
		for i := range int64(applicants) {
			msgs, err := h.srv.WaitMessages(base+i, 1, 2*time.Minute)
			if err != nil {
				b.Fatal(err)
			}
			summaries[i] = msgs[0]
		}
		start := time.Now()
		for i := range int64(applicants) {
			u := models.User{ID: base + i, FirstName: "A", LanguageCode: "lo"}
			h.srv.PushCallback(u, summaries[i], "form:submit:"+p.ID)
		}
		for i := range int64(applicants) {
			if !h.srv.Wait(func() bool { return strings.Contains(h.srv.Messages(base + i)[0].Text, "HN-") }, 2*time.Minute) {
				b.Fatalf("applicant %d not confirmed", i)
			}
		}
		// Until the last confirmation reached the fake Bot API (not until this loop noticed it).
		var last time.Time
		for _, c := range h.srv.Calls("editMessageText") {
			if c.At.After(last) {
				last = c.At
			}
		}
		total += last.Sub(start)
		regs, _, _ := st.Counts(ctx, p.ID)
		if regs < int64(applicants*(round+1)) && !p.Waitlist {
			b.Fatalf("only %d registrations", regs)
		}
		n, bytes, err := registrationMemory(rdb, p.ID)
		if err != nil {
			b.Fatal(err)
		}
		bytesPer = float64(bytes) / float64(n)
	}
	b.ReportMetric(float64(applicants*b.N)/total.Seconds(), "registrations/s")
	b.ReportMetric(bytesPer, "redis-bytes/registration")
}

func sampleAnswer(f forms.Field) string {
	switch f.Type {
	case forms.TypeName:
		return "Noy Phommasane"
	case forms.TypeBirthdate, forms.TypeDate:
		return "03/05/2001"
	case forms.TypePhone, forms.TypeContact:
		return "020 5555 1234"
	case forms.TypeEmail:
		return "noy@example.org"
	case forms.TypeNumber:
		lo, _ := f.Limits()
		return strconv.Itoa(max(lo, 1))
	}
	return "Tôi muốn tham gia giao lưu văn hóa Việt – Lào cùng các bạn sinh viên."
}

// registrationMemory sums MEMORY USAGE of everything registrations keep (the registration hashes, the
// programme's sets, the users' lists of programmes) and returns it with the number of registrations.
func registrationMemory(rdb *redis.Client, prog string) (n, bytes int64, err error) {
	ctx := context.Background()
	for _, pattern := range []string{store.Key("reg:") + prog + ":*", store.Key("regs:") + prog + "*", store.Key("user:*:regs")} {
		iter := rdb.Scan(ctx, 0, pattern, 1000).Iterator()
		for iter.Next(ctx) {
			m, err := rdb.MemoryUsage(ctx, iter.Val()).Result()
			if err != nil {
				return 0, 0, err
			}
			bytes += m
			if strings.HasPrefix(pattern, store.Key("reg:")) {
				n++
			}
		}
		if err := iter.Err(); err != nil {
			return 0, 0, err
		}
	}
	return n, bytes, nil
}
