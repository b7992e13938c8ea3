package ics

import (
	"bytes"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
	_ "time/tzdata"
	"unicode"
	"unicode/utf8"

	ical "github.com/arran4/golang-ical"
)

// Texts as the events carry them: long Lao and Vietnamese (three-byte characters, combining marks), with the
// characters TEXT must escape.
const (
	laoDescription = "ງານບຸນປີໃໝ່ລາວ ສຳລັບນັກສຶກສາລາວທີ່ຮຽນຢູ່ແຂວງແທງຮວາ: ພິທີສູດຂວັນ, ຫົດນ້ຳພຣະ; ອາຫານລາວ ແລະ ລຳວົງ.\n" +
		"ກະລຸນາມາກ່ອນເວລາ 15 ນາທີ ແລະ ນຳເອົາບັດນັກສຶກສາມານຳ."
	viDescription = "Gặp mặt đầu xuân của người Thanh Hóa ở nước ngoài; giao lưu, văn nghệ, tặng quà Tết.\r\n" +
		"Xin đến trước 15 phút, mang theo giấy tờ tùy thân (hộ chiếu, thẻ cư trú) và thư mời \\ nếu có."
)

// bunpimay is an event starting at 08:00 in Asia/Ho_Chi_Minh, which is 01:00 UTC.
func bunpimay(t *testing.T) Event {
	t.Helper()
	hcm, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		t.Fatal(err)
	}
	return Event{
		UID:         "bunpimay_2027@huunghi.ufo-thanhhoa",
		Sequence:    2,
		Stamp:       time.Date(2027, 3, 1, 9, 30, 15, 0, hcm),
		Start:       time.Date(2027, 4, 14, 8, 0, 0, 0, hcm),
		End:         time.Date(2027, 4, 14, 11, 30, 0, 0, hcm),
		Summary:     "ບຸນປີໃໝ່ລາວ 2027",
		Description: laoDescription,
		Location:    "Trường Đại học Hồng Đức, cơ sở 1, số 565 Quang Trung, Đông Vệ, Thanh Hóa",
		URL:         "https://www.openstreetmap.org/?mlat=19.8076&mlon=105.7764#map=17/19.8076/105.7764",
		Geo:         &[2]float64{19.8076, 105.7764},
		Alarms:      []time.Duration{72 * time.Hour, 24 * time.Hour, 2 * time.Hour, 90 * time.Minute},
	}
}

// parse reads a file back with golang-ical, which unfolds and unescapes it, and returns its one event.
func parse(t *testing.T, b []byte) (*ical.Calendar, *ical.VEvent) {
	t.Helper()
	cal, err := ical.ParseCalendar(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, b)
	}
	evs := cal.Events()
	if len(evs) != 1 {
		t.Fatalf("%d events, want 1\n%s", len(evs), b)
	}
	return cal, evs[0]
}

// prop is the value of an event's or alarm's property, "" when it has none.
func prop(c *ical.ComponentBase, p ical.ComponentProperty) string {
	if v := c.GetProperty(p); v != nil {
		return v.Value
	}
	return ""
}

// checkLines fails unless b is made of content lines as RFC 5545 3.1 wants them: CRLF after each, no bare
// CR or LF, at most 75 octets, each physical line valid UTF-8 on its own (so no character was cut by a
// fold), and no control character but HTAB.
func checkLines(t *testing.T, b []byte) {
	t.Helper()
	if !bytes.HasSuffix(b, []byte("\r\n")) {
		t.Fatalf("file does not end with CRLF: %q", b[max(0, len(b)-20):])
	}
	for i, l := range strings.Split(strings.TrimSuffix(string(b), "\r\n"), "\r\n") {
		if len(l) > 75 {
			t.Errorf("line %d is %d octets: %q", i+1, len(l), l)
		}
		if !utf8.ValidString(l) {
			t.Errorf("line %d is not valid UTF-8 by itself (a character split by folding?): %q", i+1, l)
		}
		if strings.ContainsFunc(l, func(r rune) bool { return r < 0x20 && r != '\t' || r == 0x7f }) {
			t.Errorf("line %d has a control character: %q", i+1, l)
		}
		if l == "" || l == " " {
			t.Errorf("line %d is empty", i+1)
		}
	}
}

func TestWrite_RoundTrip(t *testing.T) {
	e := bunpimay(t)
	b := Write(e)
	checkLines(t, b)
	cal, ev := parse(t, b)

	calProps := map[string]string{}
	for _, p := range cal.CalendarProperties {
		calProps[p.IANAToken] = p.Value
	}
	for k, want := range map[string]string{"PRODID": ProdID, "VERSION": "2.0", "CALSCALE": "GREGORIAN", "METHOD": "PUBLISH"} {
		if got := calProps[k]; got != want {
			t.Errorf("calendar %s = %q, want %q", k, got, want)
		}
	}

	start, err := ev.GetStartAt()
	if err != nil {
		t.Fatal(err)
	}
	if !start.Equal(e.Start) || start.Location() != time.UTC {
		t.Errorf("start %v, want the instant %v in UTC", start, e.Start)
	}
	// 08:00 in Thanh Hóa is 01:00 UTC, written with Z.
	if got := prop(&ev.ComponentBase, ical.ComponentPropertyDtStart); got != "20270414T010000Z" {
		t.Errorf("DTSTART %q, want 20270414T010000Z", got)
	}
	if end, err := ev.GetEndAt(); err != nil || !end.Equal(e.End) {
		t.Errorf("end %v (%v), want %v", end, err, e.End)
	}
	if stamp, err := ev.GetDtStampTime(); err != nil || !stamp.Equal(e.Stamp) {
		t.Errorf("stamp %v (%v), want %v", stamp, err, e.Stamp)
	}
	for p, want := range map[ical.ComponentProperty]string{
		ical.ComponentPropertyUniqueId:    e.UID,
		ical.ComponentPropertySequence:    "2",
		ical.ComponentPropertySummary:     e.Summary,
		ical.ComponentPropertyDescription: e.Description,
		ical.ComponentPropertyLocation:    e.Location,
		ical.ComponentPropertyUrl:         e.URL,
		ical.ComponentPropertyGeo:         "19.8076;105.7764",
		ical.ComponentPropertyStatus:      "CONFIRMED",
	} {
		if got := prop(&ev.ComponentBase, p); got != want {
			t.Errorf("%s = %q, want %q", p, got, want)
		}
	}

	var triggers []string
	for _, a := range ev.Alarms() {
		if got := prop(&a.ComponentBase, ical.ComponentPropertyAction); got != "DISPLAY" {
			t.Errorf("alarm ACTION %q, want DISPLAY", got)
		}
		if got := prop(&a.ComponentBase, ical.ComponentPropertyDescription); got != e.Summary {
			t.Errorf("alarm DESCRIPTION %q, want the title %q", got, e.Summary)
		}
		triggers = append(triggers, prop(&a.ComponentBase, ical.ComponentPropertyTrigger))
	}
	if want := []string{"-PT72H", "-PT24H", "-PT2H", "-PT90M"}; !slices.Equal(triggers, want) {
		t.Errorf("triggers %q, want %q", triggers, want)
	}
}

// The long Lao and Vietnamese texts are folded (the file has more physical lines than properties), and
// unfold back identical, the Vietnamese CRLF read back as the newline it stands for.
func TestWrite_FoldsMultiByteText(t *testing.T) {
	for name, desc := range map[string]string{"lo": laoDescription, "vi": viDescription} {
		t.Run(name, func(t *testing.T) {
			e := bunpimay(t)
			e.Description = desc
			b := Write(e)
			checkLines(t, b)
			if n := bytes.Count(b, []byte("\r\n ")); n < 3 {
				t.Fatalf("%d continuation lines, want the description folded over several:\n%s", n, b)
			}
			_, ev := parse(t, b)
			want := strings.ReplaceAll(desc, "\r\n", "\n")
			if got := prop(&ev.ComponentBase, ical.ComponentPropertyDescription); got != want {
				t.Errorf("description\n got %q\nwant %q", got, want)
			}
		})
	}
}

// A fold falls exactly where a three-byte character straddles octet 75: it moves the whole character to
// the next line rather than cutting it.
func TestWriterLine_NeverSplitsACharacter(t *testing.T) {
	for pad := range 4 {
		var w writer
		value := strings.Repeat("a", pad) + strings.Repeat("ຸ", 60) // U+0EB8, three bytes each
		w.line("SUMMARY", value)
		b := w.buf.Bytes()
		checkLines(t, b)
		unfolded := strings.ReplaceAll(strings.TrimSuffix(string(b), "\r\n"), "\r\n ", "")
		if unfolded != "SUMMARY:"+value {
			t.Errorf("pad %d: unfolded %q, want %q", pad, unfolded, "SUMMARY:"+value)
		}
	}
}

// A Lao vowel or tone mark, or a decomposed Vietnamese accent, is not folded away from its letter: no
// continuation line starts with a combining mark, and the text unfolds back the same.
func TestWriterLine_KeepsMarksWithTheirLetter(t *testing.T) {
	for _, cluster := range []string{"ກຸ", "ນ້ຳ", "ề", "e\u0302\u0300"} {
		for pad := range 8 {
			var w writer
			value := strings.Repeat("a", pad) + strings.Repeat(cluster, 50)
			w.line("DESCRIPTION", value)
			b := w.buf.String()
			checkLines(t, []byte(b))
			for _, l := range strings.Split(b, "\r\n ")[1:] {
				if r, _ := utf8.DecodeRuneInString(l); unicode.Is(unicode.M, r) {
					t.Errorf("%q pad %d: continuation line starts with mark %U: %q", cluster, pad, r, l)
				}
			}
			if unfolded := strings.ReplaceAll(strings.TrimSuffix(b, "\r\n"), "\r\n ", ""); unfolded != "DESCRIPTION:"+value {
				t.Errorf("%q pad %d: unfolded %q", cluster, pad, unfolded)
			}
		}
	}
}

func TestText_Escaping(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"Hữu Nghị", "Hữu Nghị"},
		{`a,b;c\d`, `a\,b\;c\\d`},
		{"one\r\ntwo\rthree\nfour", `one\ntwo\nthree\nfour`},
		{`literal \n stays`, `literal \\n stays`},
		{"tab\tkept, bell\a and escape\x1b and nul\x00 and del\x7f dropped", `tab` + "\t" + `kept\, bell and escape and nul and del dropped`},
		{"bad \xff byte", "bad \uFFFD byte"},
		{"colon: and \"quotes\" are plain TEXT", "colon: and \"quotes\" are plain TEXT"},
	} {
		if got := text(c.in); got != c.want {
			t.Errorf("text(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// Escaped values read back as the text they escape, through a parser that knows nothing of this writer.
func TestWrite_EscapingRoundTrip(t *testing.T) {
	e := bunpimay(t)
	e.Summary = `Gala; "Lào, Việt" \ 2027`
	e.Location = "Phòng 2,\nTầng 3; Nhà A"
	_, ev := parse(t, Write(e))
	if got := prop(&ev.ComponentBase, ical.ComponentPropertySummary); got != e.Summary {
		t.Errorf("summary %q, want %q", got, e.Summary)
	}
	if got := prop(&ev.ComponentBase, ical.ComponentPropertyLocation); got != e.Location {
		t.Errorf("location %q, want %q", got, e.Location)
	}
}

func TestTrigger(t *testing.T) {
	for _, c := range []struct {
		d    time.Duration
		want string
	}{
		{72 * time.Hour, "-PT72H"},
		{24 * time.Hour, "-PT24H"},
		{2 * time.Hour, "-PT2H"},
		{90 * time.Minute, "-PT90M"},
		{2 * time.Minute, "-PT2M"},
		{90 * time.Second, "-PT90S"},
		{1500 * time.Millisecond, "-PT1S"},
		{0, "PT0S"},
		{-15 * time.Minute, "PT15M"},
		{time.Duration(math.MinInt64), "PT9223372036S"},
		{time.Duration(math.MaxInt64), "-PT9223372036S"},
	} {
		if got := trigger(c.d); got != c.want {
			t.Errorf("trigger(%v) = %q, want %q", c.d, got, c.want)
		}
	}
}

// A cancelled event keeps its UID and a raised SEQUENCE, says STATUS:CANCELLED in a PUBLISH calendar, and
// has no alarm left to ring.
func TestWrite_Cancelled(t *testing.T) {
	e := bunpimay(t)
	e.Sequence = 3
	e.Cancelled = true
	b := Write(e)
	checkLines(t, b)
	_, ev := parse(t, b)
	if got := prop(&ev.ComponentBase, ical.ComponentPropertyStatus); got != "CANCELLED" {
		t.Errorf("STATUS %q, want CANCELLED", got)
	}
	if got := prop(&ev.ComponentBase, ical.ComponentPropertySequence); got != "3" {
		t.Errorf("SEQUENCE %q, want 3", got)
	}
	if got := prop(&ev.ComponentBase, ical.ComponentPropertyUniqueId); got != e.UID {
		t.Errorf("UID %q, want %q", got, e.UID)
	}
	if n := len(ev.Alarms()); n != 0 {
		t.Errorf("%d alarms on a cancelled event, want none", n)
	}
	if !bytes.Contains(b, []byte("\r\nMETHOD:PUBLISH\r\n")) || bytes.Contains(b, []byte("METHOD:CANCEL")) {
		t.Errorf("want METHOD:PUBLISH only:\n%s", b)
	}
}

// Optional properties that would make the file invalid are left out; the rest of the event stays.
func TestWrite_LeavesOutWhatWouldBreakTheFile(t *testing.T) {
	for _, c := range []struct {
		name   string
		change func(*Event)
		absent string
	}{
		{"end before start", func(e *Event) { e.End = e.Start.Add(-time.Hour) }, "\r\nDTEND:"},
		{"end equals start", func(e *Event) { e.End = e.Start }, "\r\nDTEND:"},
		{"no end", func(e *Event) { e.End = time.Time{} }, "\r\nDTEND:"},
		{"relative URL", func(e *Event) { e.URL = "maps/hong-duc" }, "\r\nURL:"},
		{"URL with a line break", func(e *Event) { e.URL = "https://maps.example/a\r\nDTSTART:19700101T000000Z" }, "\r\nURL:"},
		{"URL with a space", func(e *Event) { e.URL = "https://maps.example/a b" }, "\r\nURL:"},
		{"latitude off the globe", func(e *Event) { e.Geo = &[2]float64{91, 105} }, "\r\nGEO:"},
		{"longitude NaN", func(e *Event) { e.Geo = &[2]float64{19.8, math.NaN()} }, "\r\nGEO:"},
		{"no geo", func(e *Event) { e.Geo = nil }, "\r\nGEO:"},
		{"no description", func(e *Event) { e.Description = "" }, "\r\nDESCRIPTION:ງານ"},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := bunpimay(t)
			c.change(&e)
			b := Write(e)
			checkLines(t, b)
			_, ev := parse(t, b)
			if bytes.Contains(b, []byte(c.absent)) {
				t.Errorf("%q written:\n%s", c.absent, b)
			}
			if start, err := ev.GetStartAt(); err != nil || !start.Equal(e.Start) {
				t.Errorf("start %v (%v), want %v", start, err, e.Start)
			}
			if bytes.Count(b, []byte("DTSTART:")) != 1 {
				t.Errorf("want one DTSTART:\n%s", b)
			}
		})
	}
}

// An offset given twice is one alarm; the order of the others is kept.
func TestWrite_RepeatedAlarmOnce(t *testing.T) {
	e := bunpimay(t)
	e.Alarms = []time.Duration{24 * time.Hour, 2 * time.Hour, 24 * time.Hour, 120 * time.Minute}
	_, ev := parse(t, Write(e))
	var triggers []string
	for _, a := range ev.Alarms() {
		triggers = append(triggers, prop(&a.ComponentBase, ical.ComponentPropertyTrigger))
	}
	if want := []string{"-PT24H", "-PT2H"}; !slices.Equal(triggers, want) {
		t.Errorf("triggers %q, want %q", triggers, want)
	}
}

func TestWrite_SeveralEvents(t *testing.T) {
	a, b := bunpimay(t), bunpimay(t)
	b.UID, b.Summary = "gathering_2027@huunghi.ufo-thanhhoa", "Gặp mặt đầu xuân"
	out := Write(a, b)
	checkLines(t, out)
	cal, err := ical.ParseCalendar(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	var uids []string
	for _, ev := range cal.Events() {
		uids = append(uids, ev.Id())
	}
	if want := []string{a.UID, b.UID}; !slices.Equal(uids, want) {
		t.Errorf("UIDs %q, want %q", uids, want)
	}
	if empty := Write(); !bytes.Equal(empty, []byte("BEGIN:VCALENDAR\r\nPRODID:"+ProdID+"\r\nVERSION:2.0\r\nCALSCALE:GREGORIAN\r\nMETHOD:PUBLISH\r\nEND:VCALENDAR\r\n")) {
		t.Errorf("empty calendar %q", empty)
	}
}

// Any strings make a file of valid content lines that parses back, and text without control characters
// comes back exactly as it went in.
func FuzzWrite(f *testing.F) {
	f.Add("bunpimay_2027@huunghi", "ບຸນປີໃໝ່ລາວ", laoDescription, "Hồng Đức, Thanh Hóa", "https://maps.example/?q=19.8,105.7", 0, int64(24*time.Hour))
	f.Add("", "", "", "", "", -1, int64(0))
	f.Add("a;b,c\\", "x\r\ny\rz", strings.Repeat("ຸ", 200), "\x00\x7f\xff", "geo:19.8,105.7", 7, int64(-90*time.Minute))
	f.Add(strings.Repeat("é", 100), "END:VEVENT", "\r\nBEGIN:VEVENT\r\n", "\\n\\,", "https://a.b/c\nd", math.MaxInt, int64(math.MinInt64))
	f.Fuzz(func(t *testing.T, uid, summary, description, location, link string, seq int, alarm int64) {
		e := Event{
			UID: uid, Sequence: seq, Summary: summary, Description: description, Location: location, URL: link,
			Stamp:  time.Date(2027, 3, 1, 2, 0, 0, 0, time.UTC),
			Start:  time.Date(2027, 4, 14, 1, 0, 0, 0, time.UTC),
			End:    time.Date(2027, 4, 14, 4, 0, 0, 0, time.UTC),
			Alarms: []time.Duration{time.Duration(alarm)},
		}
		b := Write(e)
		checkLines(t, b)
		cal, err := ical.ParseCalendar(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("parse: %v\n%s", err, b)
		}
		evs := cal.Events()
		if len(evs) != 1 {
			t.Fatalf("%d events, want 1\n%s", len(evs), b)
		}
		ev := evs[0]
		if start, err := ev.GetStartAt(); err != nil || !start.Equal(e.Start) {
			t.Fatalf("start %v (%v), want %v", start, err, e.Start)
		}
		if n := len(ev.Alarms()); n != 1 {
			t.Fatalf("%d alarms, want 1", n)
		}
		for p, in := range map[ical.ComponentProperty]string{
			ical.ComponentPropertyUniqueId: uid, ical.ComponentPropertySummary: summary,
			ical.ComponentPropertyDescription: description, ical.ComponentPropertyLocation: location,
		} {
			clean := utf8.ValidString(in) && !strings.ContainsFunc(in, func(r rune) bool { return r < 0x20 && r != '\t' && r != '\n' || r == 0x7f })
			if got := prop(&ev.ComponentBase, p); clean && got != in {
				t.Fatalf("%s = %q, want %q", p, got, in)
			}
		}
	})
}
