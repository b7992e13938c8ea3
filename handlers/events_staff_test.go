package handlers

import (
	"strings"
	"testing"
	"time"
)

func TestParseTypedTime(t *testing.T) {
	hcm, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		t.Fatal(err)
	}
	want := time.Date(2027, 4, 14, 8, 0, 0, 0, hcm)
	for _, in := range []string{"2027-04-14 08:00", "2027-04-14T08:00", "2027-04-14 8:00", " 2027-4-14  8:00 ",
		"14/04/2027 08:00", "14/4/2027 8:00", "14/04/2027 8h00", "14.04.2027, 08:00", "14-04-2027 08.00", "໒໐໒໗-໐໔-໑໔ ໐໘:໐໐"} {
		got, ok := parseTypedTime(in, hcm)
		if !ok || !got.Equal(want) {
			t.Errorf("parseTypedTime(%q) = %v %v, want %v", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "next tuesday", "2027-04-14", "08:00", "31/04/2027 08:00", "2027-13-01 08:00",
		"2027-04-14 24:00", "2027-04-14 08:60", "04/14/2027 08:00", "2027-04-14 08:00 extra"} {
		if got, ok := parseTypedTime(in, hcm); ok {
			t.Errorf("parseTypedTime(%q) = %v, want it refused", in, got)
		}
	}
}

func TestParseOffsets(t *testing.T) {
	tests := []struct {
		in   string
		want string // "" with ok: none; "!" refused
	}{
		{"72h 24h 2h", "72h 24h 2h"},
		{"72h, 24h, 2h", "72h 24h 2h"},
		{"3d 2h", "72h 2h"},
		{"90m", "90m"},
		{"1h30m", "1h30m"},
		{"-", ""},
		{"none", ""},
		{"không", ""},
		{"khong", ""},
		{"ບໍ່ມີ", ""},
		{"", "!"},
		{"72", "!"},
		{"0h", "!"},
		{"31d", "!"},
		{"24h 1d", "!"}, // twice the same
		{"30s", "!"},
		{"xd", "!"},
	}
	for _, tt := range tests {
		got, ok := parseOffsets(tt.in)
		switch {
		case tt.want == "!" && ok:
			t.Errorf("parseOffsets(%q) = %q, want it refused", tt.in, got)
		case tt.want != "!" && (!ok || strings.Join(got, " ") != tt.want):
			t.Errorf("parseOffsets(%q) = %q %v, want %q", tt.in, got, ok, tt.want)
		}
	}
}

func TestAsciiWords(t *testing.T) {
	for in, want := range map[string]string{
		"Gặp mặt Tết Đồng hương 2027": "gap mat tet dong huong 2027",
		"Bunpimay: Lao New Year!":     "bunpimay lao new year",
		"ງານບຸນປີໃໝ່":                 "",
	} {
		if got := strings.Join(asciiWords(in), " "); got != want {
			t.Errorf("asciiWords(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAudienceOf(t *testing.T) {
	for in, want := range map[string]string{
		"student":                 "student",
		"diaspora,student":        "student,diaspora",
		"everyone,student":        "",
		"student,diaspora,other":  "",
		"other":                   "other",
		"nonsense":                "",
		"student,nonsense,other":  "student,other",
		"diaspora,diaspora,other": "diaspora,other",
	} {
		if got := strings.Join(audienceOf(strings.Split(in, ",")), ","); got != want {
			t.Errorf("audienceOf(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzStaffEventInput: whatever staff type at a date or a reminders question, the parsers do not panic,
// and what they accept is valid.
func FuzzStaffEventInput(f *testing.F) {
	for _, s := range []string{"2027-04-14 08:00", "14/4/2027 8h", "72h 24h 2h", "3d", "-", "99999999999d", "1/1/0000 0:00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if tm, ok := parseTypedTime(s, time.UTC); ok && (tm.Hour() > 23 || tm.Minute() > 59) {
			t.Fatalf("parseTypedTime(%q) = %v", s, tm)
		}
		if offs, ok := parseOffsets(s); ok {
			for _, o := range offs {
				if d, err := time.ParseDuration(o); err != nil || d <= 0 {
					t.Fatalf("parseOffsets(%q) accepted %q", s, o)
				}
			}
		}
		_ = isNone(s)
		_ = validMapText(s)
	})
}
