package loglimit_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/ufo-thanhhoa/huunghi/bot/loglimit"
)

func records(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

func TestLimit_RepeatsAreDroppedAndCounted(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(loglimit.New(slog.NewJSONHandler(&buf, nil), 10*time.Second, 5))
	start := time.Date(2027, 1, 20, 8, 0, 0, 0, time.UTC)
	emit := func(at time.Time, msg string, n int) {
		for i := range n {
			r := slog.NewRecord(at, slog.LevelError, msg, 0)
			r.AddAttrs(slog.Int("i", i))
			if err := log.Handler().Handle(context.Background(), r); err != nil {
				t.Fatal(err)
			}
		}
	}
	emit(start, "skip undecodable update", 10_000) // a hot loop
	emit(start, "another failure", 1)              // other messages are not held back by it
	emit(start.Add(2*time.Second), "skip undecodable update", 1)
	got := records(t, &buf)
	if len(got) != 7 {
		t.Fatalf("got %d lines, want 5 + 1 + 1", len(got))
	}
	if got[5]["msg"] != "another failure" {
		t.Errorf("line 6: got %v, want the other message", got[5])
	}
	if got[6]["suppressed"] != float64(9_995) {
		t.Errorf("the line after the pause: got %v, want suppressed=9995", got[6])
	}
	if _, ok := got[0]["suppressed"]; ok {
		t.Errorf("first line says suppressed: %v", got[0])
	}
}

func TestLimit_DerivedLoggersShareTheBudget(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(loglimit.New(slog.NewJSONHandler(&buf, nil), time.Minute, 2))
	for i := range 10 {
		log.With("chat_id", i).WithGroup("g").Warn("lost chat lease")
	}
	if n := len(records(t, &buf)); n != 2 {
		t.Fatalf("got %d lines, want 2", n)
	}
}
