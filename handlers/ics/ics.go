// Package ics writes the "Add to calendar" file the bot sends for an event: an iCalendar object (RFC 5545)
// that phone and desktop calendars import with one tap. It is pure: the caller gives the event's instants,
// texts in the reader's language and a stable UID, and gets the file's bytes.
//
// The writer is small and hand-written rather than built on an iCalendar library, because the one that fits
// (github.com/arran4/golang-ical, used by the tests to parse the output back) ends lines with a bare LF by
// default, writes carriage returns and other control characters into TEXT values as they are, and folds at
// spaces. Invariants of every file Write returns, whatever the strings in it:
//   - Lines end with CRLF and are at most 75 octets long; longer ones are folded onto continuation lines that
//     start with a space, never inside a UTF-8 character, so Vietnamese and Lao text unfolds back unchanged.
//   - TEXT values escape backslash, semicolon, comma and line breaks (CRLF, CR and LF are all one newline,
//     written \n); other control characters, which RFC 5545 does not allow in TEXT, are dropped, and invalid
//     UTF-8 becomes U+FFFD. A URL that is not an absolute URL without spaces or controls is left out, and so
//     is a GEO outside the globe: an optional property is better missing than breaking the whole file.
//   - Times are written in UTC ("20270414T010000Z"), so a calendar shows the right hour in any time zone
//     without a VTIMEZONE. Alarm offsets are exact durations ("-PT72H", "-PT90M"), never nominal days,
//     which a calendar would move by an hour across a daylight-saving change.
//
// Calendars recognise a changed event by its UID and a higher SEQUENCE, so the caller keeps the UID of an
// event for ever and raises Sequence each time it changes (moved, re-worded, cancelled).
package ics

import (
	"bytes"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// ProdID names the program that wrote the file (PRODID), as a formal public identifier.
const ProdID = "-//UFO Thanh Hoa//Huu Nghi bot//EN"

// Event is one VEVENT.
type Event struct {
	// UID identifies the event across files: the same UID and a higher Sequence update an event already in
	// the reader's calendar instead of adding a second one. The caller builds it, e.g.
	// "bunpimay_2027@huunghi.ufo-thanhhoa".
	UID string
	// Sequence is the event's revision: 0 at first, raised by the caller each time the event changes.
	Sequence int
	// Stamp (DTSTAMP) is when this file was produced: the bot's clock, not time.Now.
	Stamp time.Time
	// Start and End are instants, written in UTC. An End that is not after Start is left out: the event
	// then lasts no time, which RFC 5545 allows, rather than ending before it starts, which it does not.
	Start, End time.Time
	// Summary is the title; Description and Location are free text in the reader's language.
	Summary     string
	Description string
	Location    string
	// URL is optional, e.g. the event's map link.
	URL string
	// Geo is the optional latitude and longitude of the place (GEO), when the map is coordinates.
	Geo *[2]float64
	// Alarms are offsets before the start, one VALARM (ACTION:DISPLAY) each; a repeated offset is written
	// once. A cancelled event gets none.
	Alarms []time.Duration
	// Cancelled writes STATUS:CANCELLED, which removes the event from calendars that have it; the calendar
	// keeps METHOD:PUBLISH, as a file offered for import does.
	Cancelled bool
}

// Write returns a VCALENDAR (PRODID, VERSION:2.0, CALSCALE:GREGORIAN, METHOD:PUBLISH) with the events.
func Write(events ...Event) []byte {
	var w writer
	w.line("BEGIN", "VCALENDAR")
	w.line("PRODID", ProdID)
	w.line("VERSION", "2.0")
	w.line("CALSCALE", "GREGORIAN")
	w.line("METHOD", "PUBLISH")
	for _, e := range events {
		w.event(e)
	}
	w.line("END", "VCALENDAR")
	return w.buf.Bytes()
}

// writer accumulates content lines, folded and CRLF-terminated.
type writer struct {
	buf bytes.Buffer
}

func (w *writer) event(e Event) {
	w.line("BEGIN", "VEVENT")
	w.line("UID", text(e.UID))
	w.line("DTSTAMP", utc(e.Stamp))
	w.line("SEQUENCE", strconv.Itoa(max(e.Sequence, 0)))
	w.line("DTSTART", utc(e.Start))
	if e.End.After(e.Start) {
		w.line("DTEND", utc(e.End))
	}
	w.line("SUMMARY", text(e.Summary))
	if e.Description != "" {
		w.line("DESCRIPTION", text(e.Description))
	}
	if e.Location != "" {
		w.line("LOCATION", text(e.Location))
	}
	if g, ok := geo(e.Geo); ok {
		w.line("GEO", g)
	}
	if u, ok := uri(e.URL); ok {
		w.line("URL", u)
	}
	if e.Cancelled {
		w.line("STATUS", "CANCELLED")
	} else {
		w.line("STATUS", "CONFIRMED")
		var seen []time.Duration
		for _, d := range e.Alarms {
			d = d.Truncate(time.Second)
			if slices.Contains(seen, d) {
				continue
			}
			seen = append(seen, d)
			w.line("BEGIN", "VALARM")
			w.line("ACTION", "DISPLAY")
			w.line("TRIGGER", trigger(d))
			// A DISPLAY alarm must have a DESCRIPTION; the event's title is what the reminder should say.
			w.line("DESCRIPTION", text(e.Summary))
			w.line("END", "VALARM")
		}
	}
	w.line("END", "VEVENT")
}

// line writes "NAME:value" folded at 75 octets (RFC 5545 3.1): a continuation line is a space and at most
// 74 more octets, cut only between UTF-8 characters. value must already be escaped.
func (w *writer) line(name, value string) {
	s := name + ":" + value
	limit := 75
	for len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		// Keep a Lao vowel or tone mark, or a Vietnamese combining accent, on the line of its letter where a
		// few octets allow it: unfolding joins them anyway, but a reader that shows the folded lines does not.
		for back := cut; back > limit-12; {
			r, _ := utf8.DecodeRuneInString(s[back:])
			if !unicode.Is(unicode.M, r) {
				cut = back
				break
			}
			_, n := utf8.DecodeLastRuneInString(s[:back])
			back -= n
		}
		w.buf.WriteString(s[:cut])
		w.buf.WriteString("\r\n ")
		s = s[cut:]
		limit = 74
	}
	w.buf.WriteString(s)
	w.buf.WriteString("\r\n")
}

// textEscaper escapes a TEXT value (RFC 5545 3.3.11); line breaks are made LF before it runs.
var textEscaper = strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\n", `\n`)

// text is s as an iCalendar TEXT value: valid UTF-8, every line break one escaped newline, backslash,
// semicolon and comma escaped, other control characters (HTAB excepted) dropped.
func text(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\r':
			return '\n'
		case r == '\n' || r == '\t':
			return r
		case r < 0x20 || r == 0x7f:
			return -1
		}
		return r
	}, s)
	return textEscaper.Replace(s)
}

// trigger is the VALARM trigger for an alarm d before the start, as an RFC 5545 dur-value in the largest
// unit that states it exactly: 2h is "-PT2H", 90m "-PT90M", 72h "-PT72H"; zero is "PT0S", and a negative d
// (after the start) has no sign. Hours rather than days keep the offset exact (a "P1D" is a calendar day).
func trigger(d time.Duration) string {
	sign := "-"
	if d <= 0 {
		sign = ""
	}
	// The magnitude as whole seconds; math.MinInt64 nanoseconds has no positive Duration, but its seconds do.
	secs := d / time.Second
	if secs < 0 {
		secs = -secs
	}
	switch {
	case secs == 0:
		return "PT0S"
	case secs%3600 == 0:
		return sign + "PT" + strconv.FormatInt(int64(secs/3600), 10) + "H"
	case secs%60 == 0:
		return sign + "PT" + strconv.FormatInt(int64(secs/60), 10) + "M"
	}
	return sign + "PT" + strconv.FormatInt(int64(secs), 10) + "S"
}

// utc is t as a UTC DATE-TIME (RFC 5545 3.3.5, form 2), to the second.
func utc(t time.Time) string {
	return t.UTC().Format("20060102T150405Z")
}

// geo is the GEO value "lat;lon", false for a missing or impossible position.
func geo(p *[2]float64) (string, bool) {
	if p == nil {
		return "", false
	}
	lat, lon := p[0], p[1]
	if math.IsNaN(lat) || math.IsNaN(lon) || lat < -90 || lat > 90 || lon < -180 || lon > 180 {
		return "", false
	}
	return strconv.FormatFloat(lat, 'f', -1, 64) + ";" + strconv.FormatFloat(lon, 'f', -1, 64), true
}

// uri is s as a URI value (not escaped: RFC 5545 3.3.13), false when it is not an absolute URL or holds a
// space, a control character or invalid UTF-8, any of which would break the line or the reader's link.
func uri(s string) (string, bool) {
	if s == "" || !utf8.ValidString(s) || strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return "", false
	}
	u, err := url.Parse(s)
	if err != nil || !u.IsAbs() || u.Host == "" && u.Opaque == "" {
		return "", false
	}
	return s, true
}
