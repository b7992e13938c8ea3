package messages_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ufo-thanhhoa/huunghi/messages"
)

const goodEvent = `id: test_evening
title: {vi: "Đêm giao lưu", lo: "ງານແລກປ່ຽນ", en: "Exchange evening", de: "Exchange evening"}
description: {vi: "Mô tả.", lo: "ລາຍລະອຽດ.", en: "What happens.", de: "What happens."}
place: {vi: "Hội trường", lo: "ຫໍປະຊຸມ", en: "Hall", de: "Hall"}
starts: "2031-06-01T18:30"
ends: "2031-06-01T21:00"
signup: true
`

func TestEvents_ShippedSamplesLoad(t *testing.T) {
	c, warnings, err := messages.Load(messages.FS(""))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Events) != 4 {
		t.Fatalf("%d shipped events", len(c.Events))
	}
	for _, e := range c.Events {
		if !e.Sample || len(e.Reminders) == 0 || e.Starts.Location().String() != messages.ProgrammeTimeZone {
			t.Errorf("%s: sample %v, reminders %v, zone %v", e.ID, e.Sample, e.Reminders, e.Starts.Location())
		}
		if !slices.ContainsFunc(warnings, func(p messages.Problem) bool { return p.Warning && strings.Contains(p.String(), e.ID+" is a sample") }) {
			t.Errorf("no sample warning for %s", e.ID)
		}
	}
}

func TestEvents_FileFormat(t *testing.T) {
	c, _, err := messages.Load(withFiles(map[string]string{"events/test_evening.yaml": goodEvent}))
	if err != nil {
		t.Fatal(err)
	}
	e, ok := c.Event("test_evening")
	if !ok {
		t.Fatal("event not loaded")
	}
	if want := time.Date(2031, 6, 1, 18, 30, 0, 0, hcm); !e.Starts.Equal(want) {
		t.Errorf("starts %v, want %v", e.Starts, want)
	}
	if !slices.Equal(e.Reminders, []time.Duration{72 * time.Hour, 24 * time.Hour, 2 * time.Hour}) {
		t.Errorf("default reminders %v", e.Reminders)
	}
	// BOT_TIMEZONE decides where the wall-clock times are read.
	berlin := mustZone("Europe/Berlin")
	if got := c.WithZone(berlin).Events; len(got) != 4+1 || !func() bool {
		for _, x := range got {
			if x.ID == "test_evening" {
				return x.Starts.Equal(time.Date(2031, 6, 1, 18, 30, 0, 0, berlin))
			}
		}
		return false
	}() {
		t.Error("WithZone does not read the times in the zone")
	}
	// An empty file withdraws a shipped event.
	c2, _, err := messages.Load(withFiles(map[string]string{"events/bunpimay_2027.yaml": ""}))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := c2.Event("bunpimay_2027"); ok {
		t.Error("an empty file did not withdraw the event")
	}
}

func TestEvents_Validation(t *testing.T) {
	cases := []struct{ edit, old, want string }{
		{"bad date", `starts: "2031-06-01T18:30"`, `starts: "01/06/2031 18:30"`},
		{"ends before", `ends: "2031-06-01T21:00"`, `ends: "2031-06-01T17:00"`},
		{"no date", `starts: "2031-06-01T18:30"`, `starts: "2031-02-30T18:30"`},
		{"reminder syntax", `signup: true`, "signup: true\nreminders: [3 days]"},
		{"reminder seconds", `signup: true`, "signup: true\nreminders: [90s]"},
		{"reminder twice", `signup: true`, "signup: true\nreminders: [24h, 1440m]"},
		{"audience", `signup: true`, "signup: true\naudience: [students]"},
		{"capacity without signup", `signup: true`, "signup: false\ncapacity: 10"},
		{"map", `signup: true`, "signup: true\nmap: somewhere nice"},
		{"no lao place", `place: {vi: "Hội trường", lo: "ຫໍປະຊຸມ", en: "Hall", de: "Hall"}`, `place: {vi: "Hội trường", en: "Hall"}`},
		{"misspelt key", `signup: true`, "signup: true\ncapcity: 3"},
		{"programme id", `id: test_evening`, `id: lao_vn_exchange_2027`},
	}
	// Each bad event is a file of its own (test_evening_<i>, its id renamed with it) in one content tree,
	// checked once, as TestCheck_Programmes does: a check reads the whole content, and an event's errors
	// name its file. The one that takes a programme's id keeps that name.
	files := map[string]string{}
	name := func(i int, want string) string {
		if strings.Contains(want, "lao_vn_exchange_2027") {
			return "events/lao_vn_exchange_2027.yaml"
		}
		return fmt.Sprintf("events/test_evening_%02d.yaml", i)
	}
	for i, tc := range cases {
		src := strings.Replace(goodEvent, tc.old, tc.want, 1)
		if !strings.Contains(src, tc.want) {
			t.Fatalf("%s: test setup: %q is not in the event", tc.edit, tc.old)
		}
		files[name(i, tc.want)] = strings.Replace(src, "id: test_evening", fmt.Sprintf("id: test_evening_%02d", i), 1)
	}
	problems := messages.Check(withFiles(files)).Errors()
	for _, p := range problems {
		if _, ours := files[p.File]; !ours {
			t.Errorf("an error outside the cases' files: %s", p)
		}
	}
	for i, tc := range cases {
		t.Run(tc.edit, func(t *testing.T) {
			if !slices.ContainsFunc(problems, func(p messages.Problem) bool { return p.File == name(i, tc.want) }) {
				t.Errorf("no error for %s", tc.edit)
			}
		})
	}
	if problems := messages.Check(withFiles(map[string]string{"events/test_evening.yaml": strings.Replace(goodEvent, "signup: true", "signup: true\nreminders: [90m, 2m]\nmap: \"19.8,105.77\"\ncapacity: 5\naudience: [student, diaspora]", 1)})); len(problems.Errors()) != 0 {
		t.Errorf("valid event refused: %v", problems.Errors())
	}
}

func TestEvents_UpcomingSamplesMoveOverOnes(t *testing.T) {
	c, _, err := messages.Load(messages.FS(""))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2040, 3, 3, 12, 0, 0, 0, hcm)
	if w := c.PastSamples(now); len(w) != 4 {
		t.Errorf("%d past-sample warnings, want 4", len(w))
	}
	shown, moved := c.UpcomingSamples(now)
	if len(moved) != 4 {
		t.Fatalf("moved %v", moved)
	}
	for i, e := range shown.Events {
		orig, _ := c.Event(e.ID)
		if !e.Starts.After(now) || e.Starts.In(hcm).Format("15:04") != orig.Starts.In(hcm).Format("15:04") {
			t.Errorf("%s moved to %v (was %v)", e.ID, e.Starts, orig.Starts)
		}
		if i == 0 && e.Starts.Sub(now) > 8*24*time.Hour {
			t.Errorf("first sample starts %v after now, want about a week", e.Starts.Sub(now))
		}
	}
	if _, moved := shown.UpcomingSamples(now); len(moved) != 0 {
		t.Errorf("moved again: %v", moved)
	}
}
