package messages

import (
	"testing"
	"time"
)

func TestHours_OpenAndNext(t *testing.T) {
	h, err := Schedule{Days: []string{"mon", "tue", "wed", "thu", "fri"}, From: "08:00", To: "17:00"}.parse()
	if err != nil {
		t.Fatal(err)
	}
	zone := time.FixedZone("ICT", 7*3600)
	at := func(day, hour, min int) time.Time { return time.Date(2031, 5, day, hour, min, 0, 0, zone) } // 12 May 2031 is a Monday
	for _, tc := range []struct {
		name string
		t    time.Time
		open bool
		next time.Time
	}{
		{"monday morning", at(12, 10, 0), true, at(12, 10, 0)},
		{"monday before opening", at(12, 7, 59), false, at(12, 8, 0)},
		{"monday at closing", at(12, 17, 0), false, at(13, 8, 0)},
		{"friday evening", at(16, 20, 0), false, at(19, 8, 0)},
		{"saturday", at(17, 9, 0), false, at(19, 8, 0)},
		{"sunday night", at(18, 23, 59), false, at(19, 8, 0)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := h.Open(tc.t); got != tc.open {
				t.Errorf("Open(%v) = %v, want %v", tc.t, got, tc.open)
			}
			if got := h.Next(tc.t); !got.Equal(tc.next) {
				t.Errorf("Next(%v) = %v, want %v", tc.t, got, tc.next)
			}
		})
	}
	for _, bad := range []Schedule{{}, {Days: []string{"moon"}, From: "8:00", To: "9:00"},
		{Days: []string{"mon"}, From: "8h", To: "9:00"}, {Days: []string{"mon"}, From: "17:00", To: "08:00"}} {
		if _, err := bad.parse(); err == nil {
			t.Errorf("%+v parsed", bad)
		}
	}
	if (Hours{}).Open(at(12, 10, 0)) {
		t.Error("no hours are open")
	}
}

func TestReplyHours_ShippedSchedule(t *testing.T) {
	c, _, err := Load(FS(""))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := c.ReplyHours(); !ok {
		t.Error("contacts.yaml's staff_reply_hours has no readable schedule")
	}
}
