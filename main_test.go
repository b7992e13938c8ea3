package main

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/ufo-thanhhoa/huunghi/bot"
	"github.com/ufo-thanhhoa/huunghi/bot/store"
	"github.com/ufo-thanhhoa/huunghi/bot/store/redistest"
	"github.com/ufo-thanhhoa/huunghi/bot/telegramtest"
	"github.com/ufo-thanhhoa/huunghi/handlers/faq"
	"github.com/ufo-thanhhoa/huunghi/messages"
)

// TestMain lets a test start this test binary as the real `huunghi serve` process (so it can be killed
// with -9 like the real thing) by setting HUUNGHI_TEST_CHILD.
func TestMain(m *testing.M) {
	if os.Getenv("HUUNGHI_TEST_CHILD") == "serve" {
		// HUUNGHI_TEST_CLOCK_AHEAD runs the child's clock (store included) that much ahead of the real
		// one: a restart with a later one is time that passed while the process was dead, without waiting
		// for it.
		var opts []bot.Option
		if ahead, err := time.ParseDuration(os.Getenv("HUUNGHI_TEST_CLOCK_AHEAD")); err == nil {
			opts = append(opts, bot.WithClock(func() time.Time { return time.Now().Add(ahead) }))
		}
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		err := serve(ctx, os.Getenv, os.Stderr, opts...)
		stop()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestServe_ConfigErrorsAreListed(t *testing.T) {
	var stderr bytes.Buffer
	env := map[string]string{"REDIS_URL": "nope://x", "SEND_RATE": "-1", "WEBHOOK_URL": "https://example.org/hook",
		"CHAT_LEASE": "500ms", "BROADCAST_LEASE": "soon"}
	err := run(context.Background(), []string{"serve"}, func(k string) string { return env[k] }, nil, &bytes.Buffer{}, &stderr)
	if err == nil {
		t.Fatal("serve without a token: want an error")
	}
	for _, want := range []string{"TELEGRAM_TOKEN: missing", "REDIS_URL:", "SEND_RATE:", "WEBHOOK_SECRET: required",
		`CHAT_LEASE: want a duration from 1s to 10m ("5s"), got "500ms"`, `BROADCAST_LEASE: want a duration from 1s to 10m ("15s"), got "soon"`} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
		}
	}
}

func TestCheck_EmbeddedContentPasses(t *testing.T) {
	t.Parallel()
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"check"}, func(string) string { return "" }, nil, &out, &errOut); err != nil {
		t.Fatalf("check: %v\n%s", err, errOut.String())
	}
}

// editedContent writes a CONTENT_DIR holding one shipped file, name, with what matches pattern replaced by
// repl, and returns the directory and the edited file.
func editedContent(t *testing.T, name, pattern, repl string) (dir string, edited []byte) {
	t.Helper()
	src, err := fs.ReadFile(messages.FS(""), name)
	if err != nil {
		t.Fatal(err)
	}
	dir = t.TempDir()
	if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
		t.Fatal(err)
	}
	edited = regexp.MustCompile(pattern).ReplaceAll(src, []byte(repl))
	if err := os.WriteFile(filepath.Join(dir, name), edited, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, edited
}

func TestCheck_WarnsAboutActionsWithoutAButton(t *testing.T) {
	t.Parallel()
	// A topic asks for the settings button, a feature still to come: a warning, not an error.
	dir, _ := editedContent(t, "faq/topics/about_union.yaml", `(?m)^actions:.*$`, "actions: [staff, settings]")
	var out, errOut bytes.Buffer
	env := func(k string) string { return map[string]string{"CONTENT_DIR": dir}[k] }
	if err := run(context.Background(), []string{"check"}, env, nil, &out, &errOut); err != nil {
		t.Fatalf("check: %v\n%s", err, errOut.String())
	}
	if want := `about_union.yaml: warning: action "settings" has no button`; !strings.Contains(errOut.String(), want) {
		t.Errorf("check output lacks %q:\n%s", want, errOut.String())
	}
	if strings.Contains(errOut.String(), `action "staff"`) {
		t.Errorf("a wired action was reported:\n%s", errOut.String())
	}
}

// TestCheck_ErrorsFailWithFileAndLine: content with an error fails `check` with exit status 1, naming
// the file and line, and still lists the warnings of the rest; `check` reads the content once for both.
func TestCheck_ErrorsFailWithFileAndLine(t *testing.T) {
	t.Parallel()
	dir, edited := editedContent(t, "programmes/lao_vn_exchange_2027.yaml", `(?m)^kind:.*$`, "kind: camp")
	var out, errOut bytes.Buffer
	env := func(k string) string { return map[string]string{"CONTENT_DIR": dir}[k] }
	err := run(context.Background(), []string{"check"}, env, nil, &out, &errOut)
	if code, ok := err.(exitError); !ok || code != 1 {
		t.Fatalf("check with an unknown kind: got %v, want exit status 1\n%s", err, errOut.String())
	}
	line := 1 + strings.Count(string(edited[:bytes.Index(edited, []byte("\nkind:"))+1]), "\n")
	for _, want := range []string{
		fmt.Sprintf(`programmes/lao_vn_exchange_2027.yaml:%d: kind "camp": want exchange, scholarship, membership or other`, line),
		"contacts.yaml:15: warning: office_phone is a sample value",
		"1 error(s), ",
	} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("check output lacks %q:\n%s", want, errOut.String())
		}
	}
	if out.Len() != 0 {
		t.Errorf("check failed yet printed %q", out.String())
	}
}

// TestCheck_WarnsAboutAClosedSample: a sample programme whose made-up dates have passed is a warning (the
// bot no longer offers it), not an error that would stop staff from deploying their other edits.
func TestCheck_WarnsAboutAClosedSample(t *testing.T) {
	t.Parallel()
	src, err := fs.ReadFile(messages.FS(""), "programmes/lao_vn_exchange_2027.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.MkdirAll(dir+"/programmes", 0o755); err != nil {
		t.Fatal(err)
	}
	// Closed long before any day this test runs on; opened before that.
	edited := regexp.MustCompile(`(?m)^opens:.*$`).ReplaceAll(src, []byte(`opens: "2000-11-01 08:00"`))
	edited = regexp.MustCompile(`(?m)^closes:.*$`).ReplaceAll(edited, []byte(`closes: "2001-03-31 17:00"`))
	if err := os.WriteFile(dir+"/programmes/lao_vn_exchange_2027.yaml", edited, 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	env := func(k string) string { return map[string]string{"CONTENT_DIR": dir}[k] }
	if err := run(context.Background(), []string{"check"}, env, nil, &out, &errOut); err != nil {
		t.Fatalf("check: %v\n%s", err, errOut.String())
	}
	line := 1 + strings.Count(string(edited[:bytes.Index(edited, []byte("\ncloses:"))+1]), "\n")
	want := fmt.Sprintf("programmes/lao_vn_exchange_2027.yaml:%d: warning: lao_vn_exchange_2027 is a sample whose registration closed on 2001-03-31 17:00", line)
	if !strings.Contains(errOut.String(), want) {
		t.Errorf("check output lacks %q:\n%s", want, errOut.String())
	}
}

// TestCheck_StrictFailsOnSamples: the shipped content is full of samples. `check` passes it (staff deploy
// edits while samples remain); `check --strict`, for a deploy pipeline, fails and says why.
func TestCheck_StrictFailsOnSamples(t *testing.T) {
	t.Parallel()
	var out, errOut bytes.Buffer
	noEnv := func(string) string { return "" }
	if err := run(context.Background(), []string{"check"}, noEnv, nil, &out, &errOut); err != nil {
		t.Fatalf("check without --strict: %v\n%s", err, errOut.String())
	}
	out.Reset()
	errOut.Reset()
	err := run(context.Background(), []string{"check", "--strict"}, noEnv, nil, &out, &errOut)
	if code, ok := err.(exitError); !ok || code != 1 {
		t.Fatalf("check --strict on the samples: got %v, want exit status 1\n%s", err, errOut.String())
	}
	for _, want := range []string{
		"contacts.yaml:15: warning: office_phone is a sample value",
		"programmes/lao_vn_exchange_2027.yaml:15: warning: lao_vn_exchange_2027 is a sample",
		"--strict: 24 sample value(s) still in the content",
	} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("check --strict output lacks %q:\n%s", want, errOut.String())
		}
	}
	if strings.Contains(out.String(), "content ok") {
		t.Errorf("check --strict failed yet said %q", out.String())
	}
}

// TestCheck_StrictPassesReplacedSamples: once staff have confirmed every sample (removed `sample: true` in
// CONTENT_DIR), --strict passes; one sample left fails it again, naming that file.
func TestCheck_StrictPassesReplacedSamples(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	mark := regexp.MustCompile(`(?m)^[ \t]*sample: true[ \t]*\n`)
	var confirmed []string
	err := fs.WalkDir(messages.FS(""), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".yaml") {
			return err
		}
		src, err := fs.ReadFile(messages.FS(""), path)
		if err != nil || !mark.Match(src) {
			return err
		}
		confirmed = append(confirmed, path)
		if err := os.MkdirAll(dir+"/"+path[:max(0, strings.LastIndex(path, "/"))], 0o755); err != nil {
			return err
		}
		return os.WriteFile(dir+"/"+path, mark.ReplaceAll(src, nil), 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(confirmed) < 3 {
		t.Fatalf("found samples only in %v: the test no longer covers contacts, programmes and events", confirmed)
	}
	env := func(k string) string { return map[string]string{"CONTENT_DIR": dir}[k] }
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"check", "--strict"}, env, nil, &out, &errOut); err != nil {
		t.Fatalf("check --strict with every sample confirmed: %v\n%s", err, errOut.String())
	}
	if !strings.Contains(out.String(), "content ok") || strings.Contains(errOut.String(), "sample") {
		t.Errorf("check --strict: stdout %q, stderr:\n%s", out.String(), errOut.String())
	}

	// One event goes back to being a sample.
	src, err := fs.ReadFile(messages.FS(""), "events/bunpimay_2027.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir+"/events/bunpimay_2027.yaml", src, 0o644); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	errOut.Reset()
	err = run(context.Background(), []string{"check", "--strict"}, env, nil, &out, &errOut)
	if code, ok := err.(exitError); !ok || code != 1 {
		t.Fatalf("check --strict with one sample left: got %v, want exit status 1\n%s", err, errOut.String())
	}
	for _, want := range []string{"events/bunpimay_2027.yaml:20: warning: bunpimay_2027 is a sample", "--strict: 1 sample value(s)"} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("check --strict output lacks %q:\n%s", want, errOut.String())
		}
	}
}

// TestServe_KillDashNineLosesNothing kills the bot process with SIGKILL while it handles a burst of
// updates, starts it again, and checks that every update got its answer; then stops it with SIGTERM and
// checks it exits in time.
func TestServe_KillDashNineLosesNothing(t *testing.T) {
	t.Parallel()
	srv := telegramtest.New()
	defer srv.Close()
	rs := redistest.Start(t)
	srv.SetLatency("sendMessage", 20*time.Millisecond) // keep handlers busy so the kill lands mid-flight
	child := newServeChild(t, srv, rs.URL(), "METRICS_ADDR=127.0.0.1:0", "CHAT_LEASE=2s")
	readLogs := child.logs
	answered := func(from, to int64) int {
		n := 0
		for id := from; id < to; id++ {
			if len(srv.Messages(id)) > 0 {
				n++
			}
		}
		return n
	}
	const first, burst = 10_000, 60
	for i := range int64(burst) {
		srv.PushText(models.User{ID: first + i, FirstName: "U", LanguageCode: "en"}, "/help")
	}
	child.start()
	if !srv.Wait(func() bool { return answered(first, first+burst) >= 10 }, 20*time.Second) {
		t.Fatalf("the bot answered nothing:\n%s", readLogs())
	}
	child.kill()
	before := answered(first, first+burst)
	if before == burst {
		t.Log("every update was answered before the kill; the test proves less than it should")
	}
	for i := range int64(20) { // updates arriving while the bot is down
		srv.PushText(models.User{ID: first + burst + i, FirstName: "U", LanguageCode: "en"}, "/help")
	}
	child.start()
	if !srv.Wait(func() bool { return answered(first, first+burst+20) == burst+20 }, 30*time.Second) {
		t.Fatalf("after restart %d of %d users answered (%d before the kill)\n%s", answered(first, first+burst+20), burst+20, before, readLogs())
	}
	t.Logf("killed after %d of %d answers; all %d answered after restart", before, burst, burst+20)
	for id := int64(first); id < first+burst+20; id++ {
		if got := srv.Messages(id)[0].Text; !strings.HasPrefix(got, "Here is what I can do") {
			t.Fatalf("user %d got %q, want the help text", id, got)
		}
	}
	if secret := strings.SplitN(telegramtest.Token, ":", 2)[1]; strings.Contains(readLogs(), secret) {
		t.Error("the bot token appears in the logs")
	}
	if err := child.stop(10 * time.Second); err != nil {
		t.Error(err)
	}
}

func TestExport_CommandLine(t *testing.T) {
	t.Parallel()
	rs := redistest.Start(t)
	// The registration is made on a day of the test's own, and the table shows that day in the bot's time.
	registered := time.Date(2031, 5, 12, 3, 4, 0, 0, time.UTC)
	st := store.New(rs.Client(), store.WithClock(func() time.Time { return registered }))
	if _, _, err := st.Register(context.Background(), "lao_vn_exchange_2027", 42, "lo",
		map[string]string{"full_name": "=HYPERLINK(\"x\")", "phone": "+8562055551234"}, 0, false); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"REDIS_URL": rs.URL()}
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"export", "--programme", "lao_vn_exchange_2027", "--format", "csv"},
		func(k string) string { return env[k] }, nil, &out, &errOut)
	if err != nil {
		t.Fatalf("export: %v\n%s", err, errOut.String())
	}
	if !strings.Contains(out.String(), "'=HYPERLINK") || !strings.Contains(out.String(), "+8562055551234") ||
		!strings.Contains(out.String(), "2031-05-12 10:04") {
		t.Errorf("csv export: %q", out.String())
	}
	if err := run(context.Background(), []string{"export", "--programme", "nope"}, func(k string) string { return env[k] }, nil, &out, &errOut); err == nil {
		t.Error("unknown programme: want an error")
	}
}

// runChat runs `huunghi chat` with args, typing script one line at a time as a person would (each line once
// the bot has answered the previous one), and returns what the terminal showed. Tests about what the demo
// shows pass --pacing=false: at Telegram's pace (20 a minute in the staff chat) a script waits tens of
// seconds for nothing it checks.
func runChat(t *testing.T, args []string, script ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	stdin := strings.NewReader(strings.Join(script, "\n") + "\n")
	if err := run(context.Background(), append([]string{"chat"}, args...), func(string) string { return "" }, stdin, &out, &errOut); err != nil {
		t.Fatalf("chat: %v\n%s", err, errOut.String())
	}
	return out.String()
}

// inOrder reports the first of wants that out does not show after the ones before it, or "" when all are.
func inOrder(out string, wants ...string) string {
	for _, w := range wants {
		i := strings.Index(out, w)
		if i < 0 {
			return w
		}
		out = out[i+len(w):]
	}
	return ""
}

// hcm is the bot's default time zone, where --date is read.
var hcm, _ = time.LoadLocation("Asia/Ho_Chi_Minh")

// embedded is the shipped content, loaded once per test binary: a load takes most of a second under the
// race detector, and tests only read it (bot.New too, which several tests start on it).
func embedded(t *testing.T) *messages.Content {
	t.Helper()
	c, err := shipped()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var shipped = sync.OnceValues(func() (*messages.Content, error) {
	c, _, err := messages.Load(messages.FS(""))
	return c, err
})

// shippedMatcher is the FAQ matcher of the shipped content, built once per test binary (seconds under the
// race detector; a Matcher is read-only once built): startBot passes it to every bot it starts.
var shippedMatcher = sync.OnceValue(func() *faq.Matcher {
	c, err := shipped()
	if err != nil {
		return nil // embedded reports it
	}
	return bot.NewMatcher(c)
})

// TestChat_SamplesOpenOnAnyDate: whatever the day — before the shipped samples open, long after they close
// — the demo lists them as open calls, and its banner names those it moved to be open.
func TestChat_SamplesOpenOnAnyDate(t *testing.T) {
	t.Parallel()
	c := embedded(t)
	ex, _ := c.Programme("lao_vn_exchange_2027")
	for _, date := range []time.Time{time.Date(2020, 1, 15, 9, 0, 0, 0, hcm), time.Date(2031, 6, 1, 18, 30, 0, 0, hcm)} {
		out := runChat(t, []string{"--date", date.Format("2006-01-02T15:04"), "--pacing=false"}, "/menu", "[2]")
		if missing := inOrder(out, date.Format("2006-01-02 15:04")+" (--date)",
			"[2] "+c.T("en", "menu.programmes"), "👤 ["+c.T("en", "menu.programmes")+"]",
			"🤖 "+c.T("en", "prog.list"), ex.TitleIn("en")); missing != "" {
			t.Errorf("--date %s: no %q in:\n%s", date, missing, out)
		}
		if strings.Contains(out, c.T("en", "prog.none")) {
			t.Errorf("--date %s: no open calls:\n%s", date, out)
		}
		// The banner names each sample whose file does not have it open on that day, and no other.
		for _, p := range c.Programmes {
			if listed := strings.Contains(out, "      "+p.ID+": "); listed != (p.Status(date) != messages.StatusOpen) {
				t.Errorf("--date %s: %s is %s in its file, moved in the banner: %v", date, p.ID, p.Status(date), listed)
			}
		}
	}
	var errOut bytes.Buffer
	if err := run(context.Background(), []string{"chat", "--date", "31/03/2027"}, func(string) string { return "" },
		strings.NewReader(""), &bytes.Buffer{}, &errOut); err == nil || !strings.Contains(errOut.String(), "want YYYY-MM-DD") {
		t.Errorf("a day-first --date: %v %q, want a usage error", err, errOut.String())
	}
}

// TestChat_ButtonsNeverCollideWithAnswers fills in a form in the demo: "2" typed as the year of study is
// the answer 2 (it used to press the second button, Cancel, and throw the form away), "[1]" presses a
// button, "[a]" presses "Share my phone number" under the text box, and a key with no button is explained,
// not sent.
func TestChat_ButtonsNeverCollideWithAnswers(t *testing.T) {
	t.Parallel()
	c := embedded(t)
	step := func(n int) string { return c.T("en", "form.step", "n", strconv.Itoa(n), "total", "9") }
	out := runChat(t, []string{"--date", "2031-06-01", "--pacing=false"},
		"[1]", "/start reg_lao_excellence_scholarship", "[1]", "Noy Phommasane", "3/5/2001", "[1]", "[2]", "2", "8.5", "[a]", "[9]")
	if missing := inOrder(out,
		"[1] English", "👤 [English]",
		"[1] "+c.T("en", "prog.apply"), "👤 ["+c.T("en", "prog.apply")+"]",
		step(3), "[1] Hồng Đức University", "👤 [Hồng Đức University]",
		step(4), "[2] "+c.T("en", "form.skip"), "👤 ["+c.T("en", "form.skip")+"]",
		step(5), step(6), // "2" answered the question
		step(7), "⌨️ [a] "+c.T("en", "form.contact.share"), "[1] "+c.T("en", "form.back"),
		"👤 ["+c.T("en", "form.contact.share")+"]", "+84 912 000 000", step(8),
		"(no button [9] here"); missing != "" {
		t.Errorf("no %q in:\n%s", missing, out)
	}
	if cancelled := c.T("en", "cancel.done"); strings.Contains(out, cancelled) {
		t.Errorf("the form was cancelled:\n%s", out)
	}
}

// TestChat_StaffHandoffAllTheWay: in the demo the person is also staff, so a message to staff can be
// followed to the end — the card in the staff chat with the message under it, the answer typed there with
// /reply, and the card's Block button. It runs the demo as a person starts it, at Telegram's pace (the
// other chat tests drop it with --pacing=false, as a scripted preview would).
func TestChat_StaffHandoffAllTheWay(t *testing.T) {
	t.Parallel()
	c := embedded(t)
	out := runChat(t, nil, "/staff", "Please call me about the scholarship",
		"staff> /reply 1001 We will call you tomorrow", "staff> [4]")
	unknown := c.T("vi", "mydata.unknown")
	card := strings.Split(c.T("vi", "staff.conv.card", "name", "Noy", "id", "1001", "lang", "en", "audience", unknown, "country", unknown), "\n")[0]
	if missing := inOrder(out,
		"🤖 "+c.T("en", "staff.prompt"),
		"👥 [staff chat] 🤖 "+card, "staff> [4] "+c.T("vi", "staff.block"),
		"👥 [staff chat] 🤖 Please call me about the scholarship",
		"🤖 "+c.T("en", "staff.reply"), "We will call you tomorrow",
		"👥 [staff chat] 🤖 "+c.T("vi", "staff.reply_done", "id", "1001"),
		"👥 👤 ["+c.T("vi", "staff.block")+"]",
		"👥 [staff chat] 🤖 (edited) ", "staff> [1] "+c.T("vi", "staff.unblock")); missing != "" {
		t.Errorf("no %q in:\n%s", missing, out)
	}
	if strings.Contains(out, c.T("en", "staff.unavailable")) {
		t.Errorf("the demo says staff can't be reached:\n%s", out)
	}
}

// TestChat_DecisionAllTheWay: in the demo the person applies, then, as staff, accepts from the card in the
// staff chat and gives a reason by typing the next staff> line, which answers the bot's ForceReply question
// as a Telegram client's reply does.
func TestChat_DecisionAllTheWay(t *testing.T) {
	t.Parallel()
	c := embedded(t)
	const reason = "Hồ sơ đã đủ, chúc mừng bạn."
	out := runChat(t, []string{"--date", "2031-06-01", "--pacing=false"},
		"[1]", "/start reg_lao_excellence_scholarship", "[1]", "Noy Phommasane", "3/5/2001", "[1]", "[2]", "2", "8.5", "[a]", "[2]",
		"Tôi muốn học tiếng Việt và văn hóa Việt Nam ở Thanh Hóa.", "[1]", "[10]", "staff> [1]", "staff> [1]", "staff> "+reason)
	p, _ := c.Programme("lao_excellence_scholarship")
	accepted, reasoning := "👥 👤 ["+c.T("vi", "dec.accept")+"]", "👥 👤 ["+c.T("vi", "dec.reason")+"]"
	if missing := inOrder(out,
		"staff> [1] "+c.T("vi", "dec.accept"), accepted,
		"staff> [1] "+c.T("vi", "dec.reason"), reasoning,
		"👥 [staff chat] 🤖 "+c.T("vi", "dec.reason.prompt", "ref", "HN-000001", "decision", c.T("vi", "dec.name.accepted")), "↩️ staff>",
		"🤖 "+strings.ReplaceAll(c.T("en", "dec.told.reason", "programme", p.TitleIn("en"), "ref", "HN-000001", "reason", reason), "\n", "\n   ")); missing != "" {
		t.Errorf("no %q in:\n%s", missing, out)
	}
	// The applicant is told of the acceptance before the next staff line; in their own chat, so before or
	// after the card's edit in the staff chat.
	_, afterAccept, _ := strings.Cut(out, accepted)
	beforeReason, _, _ := strings.Cut(afterAccept, reasoning)
	if told := "🤖 " + c.T("en", "dec.told.accepted", "programme", p.TitleIn("en"), "ref", "HN-000001"); !strings.Contains(beforeReason, told) {
		t.Errorf("no %q between the acceptance and the next staff line:\n%s", told, out)
	}
	// The card's edit and the confirmation in the staff chat follow the staff's reply; they go to another
	// chat than the applicant's note, so they may come before or after it.
	_, after, _ := strings.Cut(out, "↩️ staff>")
	if missing := inOrder(after, c.T("vi", "dec.card.reason", "reason", reason)); missing != "" {
		t.Errorf("the card does not show the reason after it was given:\n%s", out)
	}
	if missing := inOrder(after, "👥 [staff chat] 🤖 "+c.T("vi", "dec.reason.sent", "ref", "HN-000001")); missing != "" {
		t.Errorf("staff are not told the reason was sent:\n%s", out)
	}
}

// TestServe_KillDashNineAcrossAReminder signs a user up, kills the bot with SIGKILL before the reminder is
// due, lets the due time pass while nothing runs, and starts it again: the reminder arrives once, late, from
// the catch-up at start. A second kill and start send nothing more. The due time is an hour away; the time
// that passes while the process is dead is the restarted child's clock running past it
// (HUUNGHI_TEST_CLOCK_AHEAD, TestMain), store included, so the test does not wait for it.
func TestServe_KillDashNineAcrossAReminder(t *testing.T) {
	t.Parallel()
	srv := telegramtest.New()
	defer srv.Close()
	rs := redistest.Start(t)
	zone, _ := time.LoadLocation("Asia/Ho_Chi_Minh")
	// The event starts two hours from the current minute, with a reminder an hour before.
	start := time.Now().In(zone).Truncate(time.Minute).Add(2 * time.Hour)
	due := start.Add(-time.Hour)
	dir := t.TempDir()
	if err := os.MkdirAll(dir+"/events", 0o755); err != nil {
		t.Fatal(err)
	}
	event := fmt.Sprintf(`id: kill_test
title: {vi: "Gặp mặt", lo: "ງານພົບປະ", en: "Gathering", de: "Gathering"}
description: {vi: "Mô tả.", lo: "ລາຍລະອຽດ.", en: "What happens.", de: "What happens."}
place: {vi: "Hội trường", lo: "ຫໍປະຊຸມ", en: "Hall", de: "Hall"}
starts: "%s"
ends: "%s"
signup: true
reminders: [1h]
`, start.Format("2006-01-02T15:04"), start.Add(time.Hour).Format("2006-01-02T15:04"))
	if err := os.WriteFile(dir+"/events/kill_test.yaml", []byte(event), 0o644); err != nil {
		t.Fatal(err)
	}
	child := newServeChild(t, srv, rs.URL(), "CONTENT_DIR="+dir)
	readLogs := child.logs
	u := models.User{ID: 4200, FirstName: "Noy", LanguageCode: "en"}
	waitFor := func(what string, n int, timeout time.Duration) []telegramtest.Message {
		t.Helper()
		msgs, err := srv.WaitMessages(u.ID, n, timeout)
		if err != nil {
			t.Fatalf("%s: %v\n%s", what, err, readLogs())
		}
		return msgs
	}
	reminded := func() int {
		n := 0
		for _, m := range srv.Messages(u.ID) {
			if strings.HasPrefix(m.Text, "⏰ Reminder: Gathering") {
				n++
			}
		}
		return n
	}

	child.start()
	srv.PushText(u, "/start event_kill_test")
	card := waitFor("event card", 1, 20*time.Second)[0]
	srv.PushCallback(u, card, "ev:s:kill_test")
	if got := waitFor("sign-up", 2, 20*time.Second)[1]; !strings.Contains(got.Text, "You are signed up") {
		t.Fatalf("sign-up: %q", got.Text)
	}
	child.kill()
	// Started again a second past the due time by its clock, and later at every start after this one.
	child.env = append(child.env, "HUUNGHI_TEST_CLOCK_AHEAD="+(time.Until(due)+time.Second).String())
	child.start()
	if !srv.Wait(func() bool { return reminded() == 1 }, 30*time.Second) {
		t.Fatalf("no reminder after restart:\n%s", readLogs())
	}
	st := store.New(rs.Client())
	ctx := context.Background()
	settled := func() bool {
		pending, _ := st.PendingReminders(ctx)
		waiting, taken, _ := st.BulkPending(ctx, "reminder")
		return pending == 0 && waiting+taken == 0
	}
	// Killed once the send is recorded (between Telegram's answer and that record is the one window where
	// a kill means a second send: the package doc of bot/outbox says so), nothing is left to send.
	if !srv.Wait(settled, 20*time.Second) {
		t.Fatal("the reminder lane did not settle after the send")
	}
	child.kill()
	child.start()
	n := len(srv.Messages(u.ID))
	srv.PushText(u, "/help")
	waitFor("help after the second restart", n+1, 20*time.Second)
	if !settled() {
		t.Fatal("reminders scheduled or queued again after the second restart")
	}
	if got := reminded(); got != 1 {
		t.Errorf("%d reminders, want 1", got)
	}
	if err := child.stop(10 * time.Second); err != nil {
		t.Error(err)
	}
}

// TestServe_KillDashNineMidBroadcast makes a broadcast with `huunghi broadcast`, kills the real bot process
// with SIGKILL while it is being sent at the fake's flood limit, and starts it again: everyone gets the
// message, nobody twice beyond the few calls in flight at the kill, and `--status` shows the figures.
// The bound on repeats is the bulk senders in flight, whatever the rate: SEND_RATE and the fake's limit are
// 150/s, five times Telegram's 30, so the test waits seconds, not half a minute; and the killed process's
// hold on the broadcast lapses after BROADCAST_LEASE=2s, not the default 15 s, which would be the test's
// longest wait.
func TestServe_KillDashNineMidBroadcast(t *testing.T) {
	t.Parallel()
	srv := telegramtest.New()
	defer srv.Close()
	srv.SetFloodLimit(150)
	rs := redistest.Start(t)
	st := store.New(rs.Client())
	ctx := context.Background()
	const first, n = 700000, 600
	for i := range int64(n) {
		if _, err := st.TouchUser(ctx, first+i, "lo"); err != nil {
			t.Fatal(err)
		}
	}
	child := newServeChild(t, srv, rs.URL(), "SEND_RATE=150", "BULK_LEASE=3s", "BROADCAST_LEASE=2s", "STAFF_CHAT_ID=-1001", "STAFF_LANG=en")
	readLogs := child.logs
	env := map[string]string{"REDIS_URL": rs.URL(), "STAFF_CHAT_ID": "-1001", "STAFF_LANG": "en"}
	getenv := func(k string) string { return env[k] }
	text := t.TempDir() + "/news.txt"
	if err := os.WriteFile(text, []byte("ຂ່າວ: ເປີດຮັບສະໝັກທຶນການສຶກສາ\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if err := run(ctx, []string{"broadcast", "--audience", "lang:lo", "--text-file", text}, getenv, nil, &out, &errOut); err != nil {
		t.Fatalf("broadcast: %v\n%s", err, errOut.String())
	}
	id := strings.TrimSpace(out.String())
	if !regexp.MustCompile(`^b\d+$`).MatchString(id) {
		t.Fatalf("broadcast printed %q, want its id", out.String())
	}
	got := func(uid int64) int {
		c := 0
		for _, m := range srv.Messages(uid) {
			if strings.HasPrefix(m.Text, "ຂ່າວ: ເປີດຮັບສະໝັກ") {
				c++
			}
		}
		return c
	}
	sent := func() int {
		c := 0
		for i := range int64(n) {
			c += min(got(first+i), 1)
		}
		return c
	}

	child.start()
	if !srv.Wait(func() bool { return len(srv.Calls("sendMessage")) > n/3 }, time.Minute) {
		t.Fatalf("the broadcast did not get going:\n%s", readLogs())
	}
	child.kill()
	before := sent()
	if before == n {
		t.Fatal("everyone got it before the kill; the test proves nothing")
	}
	child.start()
	defer func() { _ = child.stop(10 * time.Second) }()
	status := func() string {
		out.Reset()
		if err := run(ctx, []string{"broadcast", "--status", id}, getenv, nil, &out, &errOut); err != nil {
			t.Fatalf("status: %v\n%s", err, errOut.String())
		}
		return out.String()
	}
	done := func() bool { b, err := st.GetBroadcast(ctx, id); return err == nil && b.State == store.BroadcastDone }
	if !srv.Wait(done, 2*time.Minute) {
		t.Fatalf("broadcast not done after restart (%d of %d sent before the kill):\n%s\n%s", before, n, status(), readLogs())
	}
	twice := 0
	for i := range int64(n) {
		switch c := got(first + i); {
		case c == 0:
			t.Fatalf("user %d skipped", first+i)
		case c > 1:
			twice++
		}
	}
	// At most the calls in flight at the kill: the outbox's 8 bulk senders.
	if twice > 8 {
		t.Errorf("%d users got it twice, more than the 8 calls in flight", twice)
	}
	s := status()
	for _, want := range []string{"total: 600", "sent: 600", "failed: 0", "remaining: 0"} {
		if !strings.Contains(s, want+"\n") {
			t.Errorf("status lacks %q:\n%s", want, s)
		}
	}
	if err := run(ctx, []string{"broadcast", "--cancel", id}, getenv, nil, &out, &errOut); err == nil || !strings.Contains(errOut.String(), "over already") {
		t.Errorf("cancel of a finished broadcast: %v %q", err, errOut.String())
	}
	t.Logf("killed with %d of %d sent; after restart all had it, %d twice", before, n, twice)
}

// TestBroadcast_CommandLineRefusesBadInput: `huunghi broadcast` says what is wrong, exits non-zero and
// makes nothing.
func TestBroadcast_CommandLineRefusesBadInput(t *testing.T) {
	t.Parallel()
	rs := redistest.Start(t)
	env := map[string]string{"REDIS_URL": rs.URL()}
	text := t.TempDir() + "/t.txt"
	if err := os.WriteFile(text, []byte("Tin mới"), 0o644); err != nil {
		t.Fatal(err)
	}
	long := t.TempDir() + "/long.txt"
	if err := os.WriteFile(long, []byte(strings.Repeat("a", 5000)), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--audience", "everyone", "--text-file", text}, "--audience"},
		{[]string{"--audience", "lang:fr", "--text-file", text}, `no language "fr"`},
		{[]string{"--audience", "programme:nope", "--text-file", text}, `no programme "nope"`},
		{[]string{"--audience", "event:nope", "--text-file", text}, `no event "nope"`},
		{[]string{"--audience", "topic:nope", "--text-file", text}, `no topic "nope"`},
		{[]string{"--audience", "all", "--text-file", "/nonexistent"}, "--text-file"},
		{[]string{"--audience", "all", "--text-file", long}, "at most 4096"},
		{[]string{"--audience", "all", "--text-file", text, "--at", "20/01/2027 08:00"}, "--at: want"},
		{[]string{"--audience", "all", "--text-file", text, "--at", "2020-01-20T08:00"}, "in the past"},
		{[]string{"--status", "b999"}, `no broadcast "b999"`},
		{[]string{"--status", "b1", "--cancel", "b1"}, "usage"},
	} {
		var out, errOut bytes.Buffer
		err := run(context.Background(), append([]string{"broadcast"}, c.args...), func(k string) string { return env[k] }, nil, &out, &errOut)
		if err == nil || !strings.Contains(errOut.String(), c.want) || out.Len() != 0 {
			t.Errorf("%v: err %v, stderr %q, stdout %q; want an error saying %q", c.args, err, errOut.String(), out.String(), c.want)
		}
	}
	if n, _ := rs.Client().Exists(context.Background(), store.Key("bc:b1")).Result(); n != 0 {
		t.Error("a broadcast was made from bad input")
	}
}
