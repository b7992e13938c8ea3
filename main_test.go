package main

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/ufo-thanhhoa/huunghi/bot/store"
	"github.com/ufo-thanhhoa/huunghi/bot/store/redistest"
	"github.com/ufo-thanhhoa/huunghi/bot/telegramtest"
	"github.com/ufo-thanhhoa/huunghi/messages"
)

// TestMain lets a test start this test binary as the real `huunghi serve` process (so it can be killed
// with -9 like the real thing) by setting HUUNGHI_TEST_CHILD.
func TestMain(m *testing.M) {
	if os.Getenv("HUUNGHI_TEST_CHILD") == "serve" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		err := run(ctx, []string{"serve"}, os.Getenv, os.Stdin, os.Stdout, os.Stderr)
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
	env := map[string]string{"REDIS_URL": "nope://x", "SEND_RATE": "-1", "WEBHOOK_URL": "https://example.org/hook"}
	err := run(context.Background(), []string{"serve"}, func(k string) string { return env[k] }, nil, &bytes.Buffer{}, &stderr)
	if err == nil {
		t.Fatal("serve without a token: want an error")
	}
	for _, want := range []string{"TELEGRAM_TOKEN: missing", "REDIS_URL:", "SEND_RATE:", "WEBHOOK_SECRET: required"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
		}
	}
}

func TestCheck_EmbeddedContentPasses(t *testing.T) {
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"check"}, func(string) string { return "" }, nil, &out, &errOut); err != nil {
		t.Fatalf("check: %v\n%s", err, errOut.String())
	}
}

func TestCheck_WarnsAboutActionsWithoutAButton(t *testing.T) {
	// A topic asks for the settings button, a feature still to come: a warning, not an error.
	src, err := fs.ReadFile(messages.FS(""), "faq/topics/about_union.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.MkdirAll(dir+"/faq/topics", 0o755); err != nil {
		t.Fatal(err)
	}
	edited := regexp.MustCompile(`(?m)^actions:.*$`).ReplaceAll(src, []byte("actions: [staff, settings]"))
	if err := os.WriteFile(dir+"/faq/topics/about_union.yaml", edited, 0o644); err != nil {
		t.Fatal(err)
	}
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

// TestServe_KillDashNineLosesNothing kills the bot process with SIGKILL while it handles a burst of
// updates, starts it again, and checks that every update got its answer; then stops it with SIGTERM and
// checks it exits in time.
func TestServe_KillDashNineLosesNothing(t *testing.T) {
	srv := telegramtest.New()
	defer srv.Close()
	rs := redistest.Start(t)
	srv.SetLatency("sendMessage", 20*time.Millisecond) // keep handlers busy so the kill lands mid-flight
	logs, err := os.Create(t.TempDir() + "/serve.log") // a file: the child writes it directly, no copying goroutine
	if err != nil {
		t.Fatal(err)
	}
	defer logs.Close()
	readLogs := func() string { b, _ := os.ReadFile(logs.Name()); return string(b) }
	start := func() *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(),
			"HUUNGHI_TEST_CHILD=serve",
			"TELEGRAM_TOKEN="+telegramtest.Token,
			"TELEGRAM_API_URL="+srv.URL(),
			"REDIS_URL="+rs.URL(),
			"HTTP_ADDR=127.0.0.1:0",
			"METRICS_ADDR=127.0.0.1:0",
			"SEND_RATE=0",
		)
		cmd.Stdout, cmd.Stderr = logs, logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd
	}
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
	bot := start()
	if !srv.Wait(func() bool { return answered(first, first+burst) >= 10 }, 20*time.Second) {
		t.Fatalf("the bot answered nothing:\n%s", readLogs())
	}
	if err := bot.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = bot.Wait()
	before := answered(first, first+burst)
	if before == burst {
		t.Log("every update was answered before the kill; the test proves less than it should")
	}
	for i := range int64(20) { // updates arriving while the bot is down
		srv.PushText(models.User{ID: first + burst + i, FirstName: "U", LanguageCode: "en"}, "/help")
	}
	bot = start()
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
	if err := bot.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- bot.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("exit after SIGTERM: %v\n%s", err, readLogs())
		}
	case <-time.After(10 * time.Second):
		_ = bot.Process.Kill()
		t.Error("no exit within 10s of SIGTERM")
	}
}

func TestExport_CommandLine(t *testing.T) {
	rs := redistest.Start(t)
	st := store.New(rs.Client())
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
	if !strings.Contains(out.String(), "'=HYPERLINK") || !strings.Contains(out.String(), "+8562055551234") {
		t.Errorf("csv export: %q", out.String())
	}
	if err := run(context.Background(), []string{"export", "--programme", "nope"}, func(k string) string { return env[k] }, nil, &out, &errOut); err == nil {
		t.Error("unknown programme: want an error")
	}
}
