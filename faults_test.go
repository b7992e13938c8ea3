package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/ufo-thanhhoa/huunghi/bot/store"
	"github.com/ufo-thanhhoa/huunghi/bot/store/redistest"
	"github.com/ufo-thanhhoa/huunghi/bot/telegramtest"
	"github.com/ufo-thanhhoa/huunghi/handlers"
	"github.com/ufo-thanhhoa/huunghi/handlers/forms"
	"github.com/ufo-thanhhoa/huunghi/messages"
)

// faultProgramme is the sample programme the fault tests register for: 40 places and a waiting list, so
// that both kinds of reference are made under the kills.
const faultProgramme = "lao_vn_exchange_2027"

// openProgrammeDir writes a CONTENT_DIR where faultProgramme is open around now (a month ago to three
// months ahead): the child is the real `serve` on the real clock, and the sample's shipped dates are staff's
// to change, so the test must not depend on them or on today's date.
func openProgrammeDir(t testing.TB, now time.Time) string {
	t.Helper()
	src, err := fs.ReadFile(messages.FS(""), "programmes/"+faultProgramme+".yaml")
	if err != nil {
		t.Fatal(err)
	}
	zone, _ := time.LoadLocation("Asia/Ho_Chi_Minh")
	opens, closes := now.In(zone).AddDate(0, -1, 0), now.In(zone).AddDate(0, 3, 0)
	edited := regexp.MustCompile(`(?m)^opens:.*$`).ReplaceAll(src, []byte(`opens: "`+opens.Format("2006-01-02 15:04")+`"`))
	edited = regexp.MustCompile(`(?m)^closes:.*$`).ReplaceAll(edited, []byte(`closes: "`+closes.Format("2006-01-02 15:04")+`"`))
	dir := t.TempDir()
	if err := os.MkdirAll(dir+"/programmes", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir+"/programmes/"+faultProgramme+".yaml", edited, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// seedSummaries stores, for each user, a form for faultProgramme filled in up to the summary, as
// bot/bench_test.go's benchmarkRegistrations does: the kills are aimed at "Send", where a registration is
// made and confirmed (the earlier steps only rewrite the session, which TestRedelivery_* cover), and 500
// whole forms at Telegram's 1 msg/s per chat would take minutes of pacing, not of work.
func seedSummaries(t testing.TB, st *store.Store, p *messages.Programme, now time.Time, users []int64) {
	t.Helper()
	ctx := context.Background()
	for _, uid := range users {
		s := forms.New(p.ID, now)
		for guard := 0; s.Stage != forms.StageSummary && guard < 50; guard++ {
			f, ok := s.Current(p.Fields)
			switch {
			case s.Stage == forms.StageConsent:
				_ = s.Consent(true)
			case !ok:
				t.Fatalf("form stuck at %+v", s)
			case f.Type == forms.TypeMultiChoice:
				_ = s.Toggle(p.Fields, f.Choices("en")[0].ID)
				_ = s.DoneMulti(p.Fields)
			case f.Type == forms.TypeChoice || f.Type == forms.TypeCountry || f.Type == forms.TypeYesNo:
				_ = s.Answer(p.Fields, f.Choices("en")[0].ID, now)
			default:
				_ = s.Answer(p.Fields, faultAnswer(f), now)
			}
		}
		if s.Stage != forms.StageSummary {
			t.Fatalf("form not at the summary: %+v", s)
		}
		raw, _ := json.Marshal(s)
		if err := st.SaveSession(ctx, uid, store.Session{Flow: handlers.FlowForm, Data: raw}); err != nil {
			t.Fatal(err)
		}
	}
}

func faultAnswer(f forms.Field) string {
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

var refRe = regexp.MustCompile(`HN-\d{6}`)

// seenRefs is every reference each chat was ever shown, from every text the bot sent or edited into it
// (the fake's record of calls, not only the last state of a message): what the applicants saw.
func seenRefs(srv *telegramtest.Server) map[int64][]string {
	seen := map[int64][]string{}
	for _, m := range []string{"sendMessage", "editMessageText"} {
		for _, c := range srv.Calls(m) {
			if c.Code != 200 {
				continue
			}
			chat, _ := strconv.ParseInt(c.Params["chat_id"], 10, 64)
			for _, ref := range refRe.FindAllString(c.Params["text"], -1) {
				if !slices.Contains(seen[chat], ref) {
					seen[chat] = append(seen[chat], ref)
				}
			}
		}
	}
	return seen
}

// summaryMessages gives each applicant a message of the bot's in their chat that stands for the summary
// (the confirmation edits it): the answer to a /help, which the running child sends.
func summaryMessages(t testing.TB, srv *telegramtest.Server, child *serveChild, users []int64) []telegramtest.Message {
	t.Helper()
	for _, uid := range users {
		srv.PushText(models.User{ID: uid, FirstName: "A", LanguageCode: "lo"}, "/help")
	}
	summaries := make([]telegramtest.Message, len(users))
	for i, uid := range users {
		msgs, err := srv.WaitMessages(uid, 1, 30*time.Second)
		if err != nil {
			t.Fatalf("%v\n%s", err, child.logs())
		}
		summaries[i] = msgs[0]
	}
	return summaries
}

// countConfirmed is how many of users have their summary turned into a confirmation with a reference.
func countConfirmed(srv *telegramtest.Server, users []int64) int {
	c := 0
	for _, uid := range users {
		if msgs := srv.Messages(uid); len(msgs) > 0 && refRe.MatchString(msgs[0].Text) {
			c++
		}
	}
	return c
}

// tapSend has each applicant tap Send under their summary.
func tapSend(srv *telegramtest.Server, users []int64, summaries []telegramtest.Message) {
	for i, uid := range users {
		srv.PushCallback(models.User{ID: uid, FirstName: "A", LanguageCode: "lo"}, summaries[i], "form:submit:"+faultProgramme)
	}
}

// killSeed is the seed of the kill points: HUUNGHI_KILL_SEED replays a failed run, otherwise a new one.
func killSeed(t testing.TB) uint64 {
	if s := os.Getenv("HUUNGHI_KILL_SEED"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("HUUNGHI_KILL_SEED: %v", err)
		}
		return n
	}
	return uint64(time.Now().UnixNano())
}

// TestServe_KillDashNineDuringFiveHundredApplicants: 500 applicants with their forms at the summary tap
// Send at once; the real bot process is killed with SIGKILL two or three times at random points of the
// burst (seeded: the seed is logged, HUUNGHI_KILL_SEED replays it) and started again. Every reference an
// applicant saw is their registration, exactly once in Redis; nobody has two or saw two; no reference was
// made and lost; every applicant got their confirmation in the end.
func TestServe_KillDashNineDuringFiveHundredApplicants(t *testing.T) {
	t.Parallel()
	seed := killSeed(t)
	t.Logf("kill seed %d (HUUNGHI_KILL_SEED=%d replays it)", seed, seed)
	rng := rand.New(rand.NewPCG(seed, seed>>1|1))

	srv := telegramtest.New()
	defer srv.Close()
	rs := redistest.Start(t)
	now := time.Now()
	dir := openProgrammeDir(t, now)
	content, _, err := messages.Load(messages.FS(dir))
	if err != nil {
		t.Fatal(err)
	}
	p, ok := content.Programme(faultProgramme)
	if !ok {
		t.Fatal("programme missing")
	}
	st := store.New(rs.Client())
	ctx := context.Background()
	const first, n = 300_000, 500
	users := make([]int64, n)
	for i := range users {
		users[i] = first + int64(i)
	}
	seedSummaries(t, st, p, now, users)
	// The chats a killed process was working on wait out their lease before the restarted one takes them:
	// 2 s (CHAT_LEASE), not the default 5 s: about what a restart takes, so a kill costs no wait on top.
	child := newServeChild(t, srv, rs.URL(), "CONTENT_DIR="+dir, "CHAT_LEASE=2s")
	child.start()
	summaries := summaryMessages(t, srv, child, users)
	confirmed := func() int { return countConfirmed(srv, users) }

	// Two or three kill points, at distinct random counts of confirmations in the middle of the burst.
	kills := 2 + rng.IntN(2)
	var at []int
	for len(at) < kills {
		if k := 25 + rng.IntN(n-50); !slices.Contains(at, k) {
			at = append(at, k)
		}
	}
	slices.Sort(at)
	t.Logf("kills after %v confirmations", at)

	tapSend(srv, users, summaries)
	var killedAt []int
	for _, k := range at {
		if !srv.Wait(func() bool { return confirmed() >= k }, 60*time.Second) {
			t.Fatalf("%d confirmations after a minute, waiting for %d\n%s", confirmed(), k, child.logs())
		}
		child.kill()
		killedAt = append(killedAt, confirmed())
		child.start()
	}
	if !srv.Wait(func() bool { return confirmed() == n }, 60*time.Second) {
		t.Fatalf("%d of %d applicants confirmed after the last restart\n%s", confirmed(), n, child.logs())
	}
	// A Send handled again after a kill edits the confirmation a second time (Telegram: "not modified").
	edits := map[string]int{}
	for _, c := range srv.Calls("editMessageText") {
		edits[c.Params["chat_id"]]++
	}
	again := 0
	for _, k := range edits {
		again += min(k-1, 1)
	}
	t.Logf("killed with %v of %d confirmed; %d confirmations were handled again after a kill", killedAt, n, again)
	if err := child.stop(10 * time.Second); err != nil {
		t.Error(err)
	}

	regs, err := st.Registrations(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	byUser := map[int64]store.Registration{}
	byRef := map[string]int64{}
	for _, r := range regs {
		if prev, dup := byUser[r.UserID]; dup {
			t.Errorf("user %d registered twice: %s and %s", r.UserID, prev.Ref, r.Ref)
		}
		if other, dup := byRef[r.Ref]; dup {
			t.Errorf("reference %s given to %d and %d", r.Ref, other, r.UserID)
		}
		byUser[r.UserID], byRef[r.Ref] = r, r.UserID
	}
	seen := seenRefs(srv)
	for _, uid := range users {
		refs := seen[uid]
		if len(refs) != 1 {
			t.Errorf("user %d saw references %v, want one", uid, refs)
			continue
		}
		if r, ok := byUser[uid]; !ok || r.Ref != refs[0] {
			t.Errorf("user %d saw %s confirmed; Redis has %+v", uid, refs[0], byUser[uid].Ref)
		}
	}
	if len(regs) != n {
		t.Errorf("%d registrations in Redis, want %d", len(regs), n)
	}
	// References are handed out by one counter, only when a registration is made: a reference made and
	// then lost (or overwritten by a second one) leaves a hole below the highest.
	for i := 1; i <= n; i++ {
		if _, ok := byRef[fmt.Sprintf("HN-%06d", i)]; !ok {
			t.Errorf("reference HN-%06d was made but no registration has it", i)
		}
	}
	registered, waiting, err := st.Counts(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if registered != int64(p.Capacity) || registered+waiting != n {
		t.Errorf("counts: %d registered, %d waiting; want %d and %d", registered, waiting, p.Capacity, n-p.Capacity)
	}
}

// TestServe_RedisKilledAndRestartedWithAOF: Redis runs as production should (append-only file, fsync
// always). Applicants are confirmed; Redis is killed with SIGKILL while a second group is tapping Send;
// while it is down more people write. The bot process (never restarted here) keeps running and confirms
// nothing it has not stored: every update Telegram delivered stays unconfirmed at the fake until Redis is
// back. After Redis restarts on the same port and dir, the bot reconnects by itself and answers everyone;
// every confirmed registration is intact, none twice.
func TestServe_RedisKilledAndRestartedWithAOF(t *testing.T) {
	t.Parallel()
	srv := telegramtest.New()
	defer srv.Close()
	rs := redistest.StartPersistent(t)
	// Handlers wait at their first call to Telegram (the callback's answer, before the registration), so
	// that the kill finds many of them between reading the update and writing the registration.
	srv.SetLatency("answerCallbackQuery", 100*time.Millisecond)
	now := time.Now()
	dir := openProgrammeDir(t, now)
	content, _, err := messages.Load(messages.FS(dir))
	if err != nil {
		t.Fatal(err)
	}
	p, _ := content.Programme(faultProgramme)
	st := store.New(rs.Client())
	ctx := context.Background()
	span := func(from int64, n int) []int64 {
		ids := make([]int64, n)
		for i := range ids {
			ids[i] = from + int64(i)
		}
		return ids
	}
	before, during, writers := span(400_000, 40), span(410_000, 40), span(420_000, 20)
	applicants := append(slices.Clone(before), during...)
	seedSummaries(t, st, p, now, applicants)
	child := newServeChild(t, srv, rs.URL(), "CONTENT_DIR="+dir)
	child.start()
	summaries := summaryMessages(t, srv, child, applicants)

	tapSend(srv, before, summaries[:len(before)])
	if !srv.Wait(func() bool { return countConfirmed(srv, before) == len(before) }, 30*time.Second) {
		t.Fatalf("%d of %d confirmed\n%s", countConfirmed(srv, before), len(before), child.logs())
	}
	// The fake shows a message edited before it records the call's answer: wait until the calls say what
	// the chats show.
	var seenBefore map[int64][]string
	if !srv.Wait(func() bool {
		seenBefore = seenRefs(srv)
		for _, uid := range before {
			if len(seenBefore[uid]) == 0 {
				return false
			}
		}
		return true
	}, 10*time.Second) {
		t.Fatalf("confirmations shown but not recorded as calls: %v", seenBefore)
	}

	// Redis dies in the middle of the second group's taps.
	tapSend(srv, during, summaries[len(before):])
	if !srv.Wait(func() bool { return countConfirmed(srv, during) >= 5 }, 30*time.Second) {
		t.Fatalf("the second group was not being confirmed\n%s", child.logs())
	}
	rs.Crash()
	down := time.Now()
	for _, uid := range writers {
		srv.PushText(models.User{ID: uid, FirstName: "W", LanguageCode: "vi"}, "/help")
	}
	// The bot got the updates from Telegram and could not store them (the signal the test waits on); none
	// may be confirmed to Telegram, and so none answered.
	if !srv.Wait(func() bool { return strings.Contains(child.logs(), "cannot store updates") }, 20*time.Second) {
		t.Fatalf("the bot never tried to store the updates sent while Redis was down\n%s", child.logs())
	}
	if got := srv.Pending(); got < len(writers) {
		t.Errorf("%d updates unconfirmed at Telegram while Redis is down, want at least the %d sent meanwhile", got, len(writers))
	}
	for _, uid := range writers {
		if n := len(srv.Messages(uid)); n != 0 {
			t.Fatalf("user %d answered %d times while Redis was down", uid, n)
		}
	}

	rs.Restart()
	back := time.Now()
	everyone := func() bool {
		for _, uid := range writers {
			if len(srv.Messages(uid)) == 0 {
				return false
			}
		}
		return countConfirmed(srv, applicants) == len(applicants)
	}
	if !srv.Wait(everyone, 30*time.Second) {
		for _, uid := range append(slices.Clone(applicants), writers...) {
			if msgs := srv.Messages(uid); len(msgs) == 0 || uid < writers[0] && !refRe.MatchString(msgs[0].Text) {
				t.Errorf("user %d sees %v", uid, msgs)
			}
		}
		t.Fatalf("after Redis came back: %d of %d applicants confirmed\n%s", countConfirmed(srv, applicants), len(applicants), child.logs())
	}
	t.Logf("Redis down %v; everyone answered %v after it was back; %d updates met the outage in their handler and were handled again",
		back.Sub(down).Round(time.Millisecond), time.Since(back).Round(time.Millisecond), strings.Count(child.logs(), "stays queued and is handled again"))
	for _, uid := range writers {
		if got, want := srv.Messages(uid)[0].Text, content.T("vi", "help.text"); got != want {
			t.Errorf("user %d got %q, want the help text", uid, got)
		}
	}
	if strings.Count(child.logs(), `"msg":"starting"`) != 1 {
		t.Errorf("the bot process started more than once:\n%s", child.logs())
	}
	if err := child.stop(10 * time.Second); err != nil {
		t.Error(err)
	}

	regs, err := st.Registrations(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	byUser := map[int64]string{}
	for _, r := range regs {
		if prev, dup := byUser[r.UserID]; dup {
			t.Errorf("user %d registered twice: %s and %s", r.UserID, prev, r.Ref)
		}
		byUser[r.UserID] = r.Ref
	}
	if len(regs) != len(applicants) {
		t.Errorf("%d registrations, want %d", len(regs), len(applicants))
	}
	seen := seenRefs(srv)
	for _, uid := range applicants {
		if len(seen[uid]) != 1 || byUser[uid] != seen[uid][0] {
			t.Errorf("user %d saw %v; Redis has %q", uid, seen[uid], byUser[uid])
		}
		if uid < during[0] && !slices.Equal(seen[uid], seenBefore[uid]) {
			t.Errorf("user %d confirmed %v before the crash, sees %v after", uid, seenBefore[uid], seen[uid])
		}
	}
}
