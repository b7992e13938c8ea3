package messages

import (
	"fmt"
	"strings"
	"time"
)

// Schedule is a contacts.yaml entry's hours as data (the `schedule` of staff_reply_hours): the days and the
// local times staff answer, so that someone writing outside them can be told when to expect an answer. The
// entry's text value says the same for people to read; both are edited together.
type Schedule struct {
	Days []string `yaml:"days"` // mon … sun
	From string   `yaml:"from"` // "08:00"
	To   string   `yaml:"to"`   // "17:00", after From
}

// Hours is a parsed Schedule. The zero value has no hours: nobody is ever told to wait.
type Hours struct {
	days     [7]bool // by time.Weekday
	from, to int     // minutes after midnight
	set      bool
}

var weekdays = map[string]time.Weekday{"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday,
	"wed": time.Wednesday, "thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday}

// parse reads a schedule, or says what is wrong with it.
func (s Schedule) parse() (Hours, error) {
	var h Hours
	if len(s.Days) == 0 {
		return h, fmt.Errorf("schedule has no days")
	}
	for _, d := range s.Days {
		wd, ok := weekdays[strings.ToLower(strings.TrimSpace(d))]
		if !ok {
			return h, fmt.Errorf("schedule day %q is not one of mon, tue, wed, thu, fri, sat, sun", d)
		}
		h.days[wd] = true
	}
	clock := func(name, v string) (int, error) {
		t, err := time.Parse("15:04", strings.TrimSpace(v))
		if err != nil {
			return 0, fmt.Errorf("schedule %s %q is not a time HH:MM", name, v)
		}
		return t.Hour()*60 + t.Minute(), nil
	}
	var err error
	if h.from, err = clock("from", s.From); err != nil {
		return h, err
	}
	if h.to, err = clock("to", s.To); err != nil {
		return h, err
	}
	if h.to <= h.from {
		return h, fmt.Errorf("schedule ends (%s) before it starts (%s)", s.To, s.From)
	}
	h.set = true
	return h, nil
}

// ReplyHours are the hours staff answer messages (contacts.yaml staff_reply_hours' schedule); ok is false
// when the content gives none.
func (c *Content) ReplyHours() (Hours, bool) {
	s := c.FAQ.Contacts["staff_reply_hours"].Schedule
	if s == nil {
		return Hours{}, false
	}
	h, err := s.parse()
	return h, err == nil
}

// Open reports whether t, in the time zone the hours are meant in, is within them.
func (h Hours) Open(t time.Time) bool {
	m := t.Hour()*60 + t.Minute()
	return h.set && h.days[t.Weekday()] && m >= h.from && m < h.to
}

// Next is the next time the hours begin after t (t itself when they are open), in t's location.
func (h Hours) Next(t time.Time) time.Time {
	if !h.set || h.Open(t) {
		return t
	}
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, t.Location())
	for i := 0; i < 8; i++ {
		d := day.AddDate(0, 0, i)
		start := d.Add(time.Duration(h.from) * time.Minute)
		if h.days[d.Weekday()] && start.After(t) {
			return start
		}
	}
	return t
}
