package events

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/ufo-thanhhoa/huunghi/messages"
)

// weekdays are the UI keys of the days of the week, Sunday first as time.Weekday counts.
var weekdays = [7]string{"weekday.sun", "weekday.mon", "weekday.tue", "weekday.wed", "weekday.thu", "weekday.fri", "weekday.sat"}

// When writes an event's time in zone, with the zone written ("Sat 13/02/2027, 08:00–11:30 (GMT+7)"): the
// reader may be anywhere, and a bare "08:00" would be read in their own time.
func When(c *messages.Content, e *messages.Event, lang string, zone *time.Location) string {
	s, end := e.Starts.In(zone), e.Ends.In(zone)
	day := func(t time.Time) string { return Day(c, lang, t) }
	var out string
	if s.Format(time.DateOnly) == end.Format(time.DateOnly) {
		out = day(s) + ", " + s.Format("15:04") + "–" + end.Format("15:04")
	} else {
		out = day(s) + " " + s.Format("15:04") + " – " + day(end) + " " + end.Format("15:04")
	}
	return out + " (" + GMT(s) + ")"
}

// Day writes t's date with its weekday, as When does: "Sat 13/02/2027" (in t's location).
func Day(c *messages.Content, lang string, t time.Time) string {
	return c.T(lang, weekdays[t.Weekday()]) + " " + t.Format("02/01/2006")
}

// GMT writes t's offset from UTC as people read it: GMT+7, GMT+5:30, GMT-3, GMT.
func GMT(t time.Time) string {
	_, off := t.Zone()
	if off == 0 {
		return "GMT"
	}
	sign := "+"
	if off < 0 {
		sign, off = "-", -off
	}
	s := "GMT" + sign + strconv.Itoa(off/3600)
	if m := off % 3600 / 60; m != 0 {
		s += fmt.Sprintf(":%02d", m)
	}
	return s
}

// SameOffset reports whether two zones show e's start at the same clock time (then one is enough).
func SameOffset(e *messages.Event, a, b *time.Location) bool {
	_, x := e.Starts.In(a).Zone()
	_, y := e.Starts.In(b).Zone()
	return x == y
}

// Duration writes d for a reader ("3 days", "20 hours", "90 minutes"): whole days from 22 hours on, hours
// from 2 hours (and whole hours below), minutes below that; rounded. A reminder offset is written as
// staff gave it when it is a whole number of its unit (24h reads "1 day", 90m "90 minutes").
func Duration(c *messages.Content, lang string, d time.Duration) string {
	unit := func(one, many string, n int) string {
		key := many
		if n == 1 {
			key = one
		}
		return c.T(lang, key, "n", strconv.Itoa(n))
	}
	d = d.Round(time.Minute) // a reminder rendered a second after it came due still reads "2 hours"
	switch {
	case d >= 22*time.Hour:
		return unit("dur.day", "dur.days", max(1, int(math.Round(d.Hours()/24))))
	case d >= 2*time.Hour || d >= time.Hour && d%time.Hour == 0:
		return unit("dur.hour", "dur.hours", int(math.Round(d.Hours())))
	}
	return unit("dur.minute", "dur.minutes", max(1, int(math.Round(d.Minutes()))))
}

// Offsets writes an event's reminder offsets as a list: "3 days, 1 day and 2 hours".
func Offsets(c *messages.Content, lang string, ds []time.Duration) string {
	parts := make([]string, len(ds))
	for i, d := range ds {
		parts[i] = Duration(c, lang, d)
	}
	switch len(parts) {
	case 0:
		return ""
	case 1:
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + c.T(lang, "list.and") + parts[len(parts)-1]
}
