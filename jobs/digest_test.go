package jobs_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/ufo-thanhhoa/huunghi/bot/store"
	"github.com/ufo-thanhhoa/huunghi/bot/store/redistest"
	"github.com/ufo-thanhhoa/huunghi/jobs"
	"github.com/ufo-thanhhoa/huunghi/messages"
)

// laneNotifier queues on the store's notify lane with its once-only mark, as the bot's outbox does; the
// test reads the lane back (queued).
type laneNotifier struct{ st *store.Store }

type notice struct {
	Chat int64  `json:"chat"`
	Text string `json:"text"`
}

func (n laneNotifier) NotifyOnce(ctx context.Context, name string, keep time.Duration, chat int64, text string) (bool, error) {
	raw, _ := json.Marshal(notice{chat, text})
	return n.st.EnqueueBulkOnce(ctx, "notify", name, keep, raw)
}

// queued takes everything waiting on the notify lane.
func queued(t *testing.T, st *store.Store) []notice {
	t.Helper()
	var out []notice
	for {
		raw, err := st.TakeBulk(context.Background(), "notify", time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if raw == nil {
			return out
		}
		var n notice
		if err := json.Unmarshal(raw, &n); err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
}

// digestContent is the shipped content with programmes of the test's own: one open through May 2031 with
// two places and a waiting list, one that closed before the week, one that opens after it.
func digestContent(t *testing.T) *messages.Content {
	t.Helper()
	c, _, err := messages.Load(messages.FS(""))
	if err != nil {
		t.Fatal(err)
	}
	loc := hcm(t)
	prog := func(id string, opens, closes time.Time) *messages.Programme {
		return &messages.Programme{ID: id, Title: map[string]string{"vi": "Giao lưu " + id, "lo": "ແລກປ່ຽນ " + id, "en": "Exchange " + id},
			Opens: opens, Closes: closes, Capacity: 2, Waitlist: true}
	}
	c.Programmes = []*messages.Programme{
		prog("exchange", time.Date(2031, 5, 1, 8, 0, 0, 0, loc), time.Date(2031, 6, 30, 17, 0, 0, 0, loc)),
		prog("old_call", time.Date(2031, 3, 1, 8, 0, 0, 0, loc), time.Date(2031, 4, 30, 17, 0, 0, 0, loc)),
		prog("later", time.Date(2031, 6, 1, 8, 0, 0, 0, loc), time.Date(2031, 7, 30, 17, 0, 0, 0, loc)),
	}
	return c
}

// topQuestions adapts the store's list of unanswered questions as the bot does.
func topQuestions(st *store.Store) jobs.QuestionSource {
	return func(ctx context.Context, until time.Time, days, n int) ([]jobs.Question, error) {
		top, err := st.TopUnansweredUntil(ctx, until, days, n)
		var qs []jobs.Question
		for _, u := range top {
			qs = append(qs, jobs.Question{Lang: u.Lang, Text: u.Question, Count: u.Count})
		}
		return qs, err
	}
}

type digestSetup struct {
	st      *store.Store
	content *messages.Content
	now     *time.Time
	cfg     jobs.DigestConfig
}

func newDigestSetup(t *testing.T, extra ...jobs.DigestSection) *digestSetup {
	t.Helper()
	d := &digestSetup{now: new(time.Time), content: digestContent(t)}
	d.st = store.New(redistest.Start(t).Client(), store.WithClock(func() time.Time { return *d.now }))
	sections := []jobs.DigestSection{jobs.RegistrationsSection(d.st, d.content)}
	sections = append(sections, extra...)
	sections = append(sections, jobs.UnansweredSection(topQuestions(d.st), d.content))
	d.cfg = jobs.DigestConfig{Chat: -7100, Lang: "vi", Location: hcm(t), Content: d.content, Out: laneNotifier{d.st}, Sections: sections, Log: quiet}
	return d
}

func (d *digestSetup) scheduler(t *testing.T) *jobs.Scheduler {
	t.Helper()
	s, err := jobs.New(d.st, hcm(t), quiet, func() time.Time { return *d.now }, jobs.Digest(d.cfg))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (d *digestSetup) register(t *testing.T, uid int64, at time.Time) {
	t.Helper()
	*d.now = at
	if _, _, err := d.st.Register(context.Background(), "exchange", uid, "lo", map[string]string{"full_name": "Noy Phommasane"}, 2, true); err != nil {
		t.Fatal(err)
	}
}

func (d *digestSetup) ask(t *testing.T, uid int64, at time.Time, q string) {
	t.Helper()
	*d.now = at
	if _, err := d.st.LogUnanswered(context.Background(), uid, "lo", q); err != nil {
		t.Fatal(err)
	}
}

func TestDigest_RunsEveryMorningAtEight(t *testing.T) {
	sched, err := cron.ParseStandard(jobs.Digest(jobs.DigestConfig{}).Spec)
	if err != nil {
		t.Fatal(err)
	}
	from := time.Date(2031, 5, 19, 8, 0, 0, 0, hcm(t))
	if got, want := sched.Next(from.Add(-time.Minute)), from; !got.Equal(want) {
		t.Errorf("next run: %v, want Monday %v", got, want)
	}
	if got, want := sched.Next(from), from.AddDate(0, 0, 1); !got.Equal(want) {
		t.Errorf("run after Monday's: %v, want the next morning %v (the catch-up)", got, want)
	}
}

func TestDigest_OneAWeekWithTheWeeksCounts(t *testing.T) {
	loc := hcm(t)
	events := func(ctx context.Context, w jobs.DigestWeek) (string, error) {
		return "🎟 " + w.Lang + " " + w.From.In(loc).Format("02/01") + "–" + w.To.In(loc).Format("02/01"), nil
	}
	empty := func(context.Context, jobs.DigestWeek) (string, error) { return "", nil }
	d := newDigestSetup(t, events, empty)
	due := time.Date(2031, 5, 19, 8, 0, 0, 0, loc) // a Monday: the digest is due
	// One registration the week before, two in the week, the second on the waiting list.
	d.register(t, 880001, time.Date(2031, 5, 10, 9, 0, 0, 0, loc))
	d.register(t, 880002, time.Date(2031, 5, 13, 9, 0, 0, 0, loc))
	d.register(t, 880003, time.Date(2031, 5, 16, 9, 0, 0, 0, loc))
	// Questions: one the week before, one asked twice, one late on Sunday, one after the week.
	d.ask(t, 880010, time.Date(2031, 5, 11, 9, 0, 0, 0, loc), "ວີຊາ ອາທິດກ່ອນ")
	d.ask(t, 880011, time.Date(2031, 5, 13, 10, 0, 0, 0, loc), "ຕໍ່ວີຊາ ຢູ່ໃສ")
	d.ask(t, 880012, time.Date(2031, 5, 14, 10, 0, 0, 0, loc), "ຕໍ່ວີຊາ ຢູ່ໃສ")
	d.ask(t, 880013, time.Date(2031, 5, 18, 20, 0, 0, 0, loc), "ຫໍພັກ")
	d.ask(t, 880014, time.Date(2031, 5, 19, 9, 0, 0, 0, loc), "ມື້ນີ້")

	// Two replicas wake for Monday 08:00: one digest.
	*d.now = due
	replicas := []*jobs.Scheduler{d.scheduler(t), d.scheduler(t)}
	ctx := context.Background()
	for i, s := range replicas {
		if err := s.RunTick(ctx, "digest", due.Add(time.Duration(i)*300*time.Millisecond)); err != nil {
			t.Fatal(err)
		}
	}
	got := queued(t, d.st)
	if len(got) != 1 || got[0].Chat != -7100 {
		t.Fatalf("Monday: queued %+v, want one digest for the staff chat", got)
	}
	c := d.content
	line := func(n, count, q string) string {
		return c.T("vi", "unanswered.line", "n", n, "count", count, "lang", "lo", "question", q)
	}
	want := strings.Join([]string{
		c.T("vi", "staff.digest.title", "from", "12/05/2031 08:00", "to", "19/05/2031 08:00"),
		c.T("vi", "staff.digest.registrations") + "\n\n• Giao lưu exchange\n  " +
			c.T("vi", "staff.digest.programme", "new", "2", "new_waiting", "1", "registered", "2", "waiting", "1"),
		"🎟 vi 12/05–19/05",
		c.T("vi", "staff.digest.unanswered") + "\n" + line("1", "2", "ຕໍ່ວີຊາ ຢູ່ໃສ") + "\n" + line("2", "1", "ຫໍພັກ"),
	}, "\n\n")
	t.Logf("the digest:\n%s", got[0].Text)
	if got[0].Text != want {
		t.Errorf("digest:\n%s\n\nwant:\n%s", got[0].Text, want)
	}
	for _, personal := range []string{"8800", "Noy", "HN-0"} {
		if strings.Contains(got[0].Text, personal) {
			t.Errorf("the digest shows %q: no ids, names or references", personal)
		}
	}

	// The runs of the rest of the week send nothing more; next Monday's sends the next week's digest.
	for day := 1; day < 7; day++ {
		*d.now = due.AddDate(0, 0, day)
		if err := replicas[day%2].RunTick(ctx, "digest", *d.now); err != nil {
			t.Fatal(err)
		}
	}
	if got := queued(t, d.st); len(got) != 0 {
		t.Fatalf("later that week: %d more digests", len(got))
	}
	*d.now = due.AddDate(0, 0, 7)
	if err := replicas[0].RunTick(ctx, "digest", *d.now); err != nil {
		t.Fatal(err)
	}
	got = queued(t, d.st)
	if len(got) != 1 || !strings.HasPrefix(got[0].Text, c.T("vi", "staff.digest.title", "from", "19/05/2031 08:00", "to", "26/05/2031 08:00")) {
		t.Fatalf("next Monday: %+v", got)
	}
	calm := c.T("vi", "staff.digest.programme", "new", "0", "new_waiting", "0", "registered", "2", "waiting", "1")
	if !strings.Contains(got[0].Text, calm) || !strings.Contains(got[0].Text, line("1", "1", "ມື້ນີ້")) {
		t.Errorf("next week's digest: %q", got[0].Text)
	}
}

func TestDigest_CatchesUpLaterThatWeekOnly(t *testing.T) {
	loc := hcm(t)
	d := newDigestSetup(t)
	s := d.scheduler(t)
	ctx := context.Background()
	c := d.content
	// The bot was down on Monday 19 May at 08:00; it runs again on Wednesday morning.
	*d.now = time.Date(2031, 5, 21, 8, 0, 0, 0, loc)
	if err := s.RunTick(ctx, "digest", *d.now); err != nil {
		t.Fatal(err)
	}
	got := queued(t, d.st)
	if len(got) != 1 || !strings.HasPrefix(got[0].Text, c.T("vi", "staff.digest.title", "from", "12/05/2031 08:00", "to", "19/05/2031 08:00")) {
		t.Fatalf("Wednesday: %+v, want the digest of the week that ended on Monday", got)
	}
	if !strings.Contains(got[0].Text, c.T("vi", "staff.digest.no_unanswered")) {
		t.Errorf("quiet week: %q", got[0].Text)
	}
	*d.now = d.now.AddDate(0, 0, 1)
	if err := s.RunTick(ctx, "digest", *d.now); err != nil {
		t.Fatal(err)
	}
	if got := queued(t, d.st); len(got) != 0 {
		t.Errorf("Thursday: %d more", len(got))
	}
	// Down from then until the Wednesday after next: only the newest week's digest goes.
	*d.now = time.Date(2031, 6, 4, 8, 0, 0, 0, loc)
	if err := s.RunTick(ctx, "digest", *d.now); err != nil {
		t.Fatal(err)
	}
	got = queued(t, d.st)
	if len(got) != 1 || !strings.HasPrefix(got[0].Text, c.T("vi", "staff.digest.title", "from", "26/05/2031 08:00", "to", "02/06/2031 08:00")) {
		t.Fatalf("after a long outage: %+v", got)
	}
	// The programme open that week is listed though nobody applied.
	if !strings.Contains(got[0].Text, c.T("vi", "staff.digest.programme", "new", "0", "new_waiting", "0", "registered", "0", "waiting", "0")) {
		t.Errorf("the open programme is missing: %q", got[0].Text)
	}
	// A week when no programme was open says so rather than leaving staff to guess.
	*d.now = time.Date(2031, 8, 13, 8, 0, 0, 0, loc)
	if err := s.RunTick(ctx, "digest", *d.now); err != nil {
		t.Fatal(err)
	}
	if got = queued(t, d.st); len(got) != 1 || !strings.Contains(got[0].Text, c.T("vi", "staff.digest.no_registrations")) {
		t.Errorf("a week without programmes: %+v", got)
	}
}

func TestDigest_NothingWithoutStaffChatOrOnError(t *testing.T) {
	loc := hcm(t)
	d := newDigestSetup(t)
	d.cfg.Chat = 0
	*d.now = time.Date(2031, 5, 19, 8, 0, 0, 0, loc)
	if err := d.scheduler(t).RunTick(context.Background(), "digest", *d.now); err != nil {
		t.Fatal(err)
	}
	if got := queued(t, d.st); len(got) != 0 {
		t.Errorf("without STAFF_CHAT_ID: %+v", got)
	}
	// A section that cannot be read fails the run and queues nothing; the next morning's run sends it.
	broken := newDigestSetup(t, func(context.Context, jobs.DigestWeek) (string, error) { return "", errors.New("redis down") })
	*broken.now = *d.now
	if err := broken.scheduler(t).RunTick(context.Background(), "digest", *broken.now); err == nil {
		t.Error("a failing section did not fail the run")
	}
	if got := queued(t, broken.st); len(got) != 0 {
		t.Errorf("a digest with a section missing was queued: %+v", got)
	}
	broken.cfg.Sections = broken.cfg.Sections[:1]
	*broken.now = broken.now.AddDate(0, 0, 1)
	if err := broken.scheduler(t).RunTick(context.Background(), "digest", *broken.now); err != nil {
		t.Fatal(err)
	}
	if got := queued(t, broken.st); len(got) != 1 {
		t.Errorf("the next morning: %d digests, want 1", len(got))
	}
}

func TestDigest_CountsStaffsDecisions(t *testing.T) {
	loc := hcm(t)
	d := newDigestSetup(t)
	c := d.content
	for i, uid := range []int64{880101, 880102, 880103} {
		d.register(t, uid, time.Date(2031, 5, 13+i, 9, 0, 0, 0, loc))
	}
	ctx := context.Background()
	// The third waits for a place; declining the first gives it the place.
	if _, err := d.st.Decide(ctx, "exchange", 880101, store.DecisionDeclined, 0, 900, 1, 2, false); err != nil {
		t.Fatal(err)
	}
	if _, err := d.st.Decide(ctx, "exchange", 880102, store.DecisionAccepted, 0, 900, 2, 2, false); err != nil {
		t.Fatal(err)
	}
	*d.now = time.Date(2031, 5, 19, 8, 0, 0, 0, loc)
	if err := d.scheduler(t).RunTick(ctx, "digest", *d.now); err != nil {
		t.Fatal(err)
	}
	got := queued(t, d.st)
	// The declined one is neither holding a place nor waiting: like a withdrawn one, not among the new.
	want := c.T("vi", "staff.digest.programme", "new", "2", "new_waiting", "0", "registered", "2", "waiting", "0") + "\n  " +
		c.T("vi", "staff.digest.decisions", "accepted", "1", "waitlisted", "0", "declined", "1", "undecided", "1")
	if len(got) != 1 || !strings.Contains(got[0].Text, want) {
		t.Errorf("digest %+v, want %q", got, want)
	}
}
