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
	child := newServeChild(t, srv, rs.URL(), "CONTENT_DIR="+dir)
	child.start()
	// Each applicant has a message of the bot's in their chat that stands for the summary (the confirmation
	// edits it): the answer to a /help, before the burst.
	for _, uid := range users {
		srv.PushText(models.User{ID: uid, FirstName: "A", LanguageCode: "lo"}, "/help")
	}
	summaries := make([]telegramtest.Message, n)
	for i, uid := range users {
		msgs, err := srv.WaitMessages(uid, 1, 30*time.Second)
		if err != nil {
			t.Fatalf("%v\n%s", err, child.logs())
		}
		summaries[i] = msgs[0]
	}
	confirmed := func() int {
		c := 0
		for _, uid := range users {
			if refRe.MatchString(srv.Messages(uid)[0].Text) {
				c++
			}
		}
		return c
	}

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

	for i, uid := range users {
		srv.PushCallback(models.User{ID: uid, FirstName: "A", LanguageCode: "lo"}, summaries[i], "form:submit:"+p.ID)
	}
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
