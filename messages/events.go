package messages

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/ufo-thanhhoa/huunghi/handlers/forms"
)

// Event is a gathering people see in /events, sign up for and are reminded of: a homeland gathering, a
// Bunpimay celebration, an information day.
//
// Each event shipped or written by staff is one file, events/<id>.yaml, overlaid by CONTENT_DIR like
// programmes (an empty file withdraws a shipped one). Events staff create in the chat are the same YAML
// kept in Redis (ParseEvent reads both), so one validator serves both and a staff event can be exported
// to a file as it is. Unlike a programme's dates, an event's are local times in BOT_TIMEZONE, where the event
// takes place; Content.WithZone reads them there.
type Event struct {
	// ID is 1–32 of a-z 0-9 _ and equals the file name; it travels in /start event_<id> and in button data.
	ID string `yaml:"id"`
	// Sample marks a shipped example: check warns until staff confirm it and remove the flag.
	Sample bool `yaml:"sample,omitempty"`
	// Title, Description and Place are per language; every shipped language must have them.
	Title       map[string]string `yaml:"title"`
	Description map[string]string `yaml:"description"`
	Place       map[string]string `yaml:"place"`
	// StartsAt and EndsAt are the file's "YYYY-MM-DDTHH:MM" in the content's zone; Starts and Ends the
	// instants.
	StartsAt string    `yaml:"starts"`
	EndsAt   string    `yaml:"ends"`
	Starts   time.Time `yaml:"-"`
	Ends     time.Time `yaml:"-"`
	// Audience lists who the event is for (student, diaspora, other); empty is everyone.
	Audience []string `yaml:"audience,omitempty,flow"`
	// Signup says whether people sign up in the chat.
	Signup bool `yaml:"signup"`
	// Capacity is the number of places; 0 means no limit. A full event offers its waiting list.
	Capacity int `yaml:"capacity,omitempty"`
	// RemindersAt are the file's offsets before the start ("72h", "90m"); Reminders the parsed ones, longest
	// first. DefaultReminders when the key is absent; an empty list means none.
	RemindersAt []string        `yaml:"reminders,flow"`
	Reminders   []time.Duration `yaml:"-"`
	// Map is optional: "lat,lon" or an http(s) URL.
	Map string `yaml:"map,omitempty"`
	// Fields is an optional sign-up form, asked in order as a programme's is.
	Fields []forms.Field `yaml:"fields,omitempty"`
	// File is where the event was read from: a content path, or "" for one staff created in the chat.
	File string `yaml:"-"`
	// remindersSet tells an absent reminders key (the default) from an empty list (none).
	remindersSet bool
}

// DefaultReminders are the offsets of an event file without a reminders key.
var DefaultReminders = []string{"72h", "24h", "2h"}

// EventTimeLayout is the form of an event's starts and ends.
const EventTimeLayout = "2006-01-02T15:04"

// MaxReminderOffset bounds an offset: a reminder a month ahead is an announcement, not a reminder.
const MaxReminderOffset = 30 * 24 * time.Hour

// eventAudiences are the audiences an event may list (the user audiences of the store).
var eventAudiences = map[string]bool{"student": true, "diaspora": true, "other": true}

// For reports whether the event is offered to a user of the audience ("" when they never said: everyone
// sees every event rather than none).
func (e *Event) For(audience string) bool {
	if len(e.Audience) == 0 || audience == "" {
		return true
	}
	for _, a := range e.Audience {
		if a == audience {
			return true
		}
	}
	return false
}

// TitleIn, DescriptionIn and PlaceIn return the text in lang, falling back to DefaultLang.
func (e *Event) TitleIn(lang string) string       { return inLang(e.Title, lang) }
func (e *Event) DescriptionIn(lang string) string { return inLang(e.Description, lang) }
func (e *Event) PlaceIn(lang string) string       { return inLang(e.Place, lang) }

// MapURL returns a link to open the event's map: the URL as written, or an OpenStreetMap link for
// coordinates. Coordinates returns them when Map is "lat,lon".
func (e *Event) MapURL() string {
	if lat, lon, ok := e.Coordinates(); ok {
		return fmt.Sprintf("https://www.openstreetmap.org/?mlat=%.6f&mlon=%.6f#map=17/%.6f/%.6f", lat, lon, lat, lon)
	}
	return strings.TrimSpace(e.Map)
}

// Coordinates parses Map as "lat,lon".
func (e *Event) Coordinates() (lat, lon float64, ok bool) {
	a, b, found := strings.Cut(e.Map, ",")
	if !found {
		return 0, 0, false
	}
	lat, err1 := strconv.ParseFloat(strings.TrimSpace(a), 64)
	lon, err2 := strconv.ParseFloat(strings.TrimSpace(b), 64)
	if err1 != nil || err2 != nil || lat < -90 || lat > 90 || lon < -180 || lon > 180 {
		return 0, 0, false
	}
	return lat, lon, true
}

// KindEvent is the Kind of the programme an event's sign-up form is filled in as (AsProgramme).
const KindEvent = "event"

// AsProgramme is the event as the registrations' form engine sees it: a call open until the event starts,
// with the event's places (a waiting list when full) and form. The ids of events and programmes never clash
// (load checks file events, bot/events checks staff ones), so a form session names either.
func (e *Event) AsProgramme() *Programme {
	return &Programme{ID: e.ID, Kind: KindEvent, Audience: "all", Title: e.Title, Description: e.Description,
		Closes: e.Starts, Capacity: e.Capacity, Waitlist: true, Fields: e.Fields, File: e.File}
}

// Event returns the file event with the given id (staff events live in Redis: see bot/events).
func (c *Content) Event(id string) (*Event, bool) {
	for _, e := range c.Events {
		if e.ID == id {
			return e, true
		}
	}
	return nil, false
}

// Zone is the time zone the content's event times are read in (WithZone; ProgrammeTimeZone by default).
func (c *Content) Zone() *time.Location {
	if c.zone == nil {
		return programmeZone()
	}
	return c.zone
}

// WithZone returns the content with its events' times read in loc, BOT_TIMEZONE; c is not changed. Load
// reads them in ProgrammeTimeZone, BOT_TIMEZONE's default, so `huunghi check` needs no configuration.
func (c *Content) WithZone(loc *time.Location) *Content {
	out := *c
	out.zone = loc
	out.Events = make([]*Event, 0, len(c.Events))
	for _, e := range c.Events {
		q := *e
		// The times were valid in the load zone; a wall time that does not exist in loc (a DST gap) is
		// moved by time.ParseInLocation's rules, which is what a calendar does too.
		q.Starts, _ = time.ParseInLocation(EventTimeLayout, e.StartsAt, loc)
		q.Ends, _ = time.ParseInLocation(EventTimeLayout, e.EndsAt, loc)
		out.Events = append(out.Events, &q)
	}
	SortEvents(out.Events)
	return &out
}

// SortEvents orders events by start, then by ID.
func SortEvents(es []*Event) {
	sort.SliceStable(es, func(i, j int) bool {
		if !es[i].Starts.Equal(es[j].Starts) {
			return es[i].Starts.Before(es[j].Starts)
		}
		return es[i].ID < es[j].ID
	})
}

// loadEvents reads events/*.yaml into c.Events and returns what is wrong with them.
func (c *Content) loadEvents(fsys fs.FS) Problems {
	files := contentFiles(fsys, "events/*.yaml")
	var problems Problems
	byID := map[string]*Event{}
	for _, file := range files {
		raw, err := fs.ReadFile(fsys, file)
		if err != nil {
			problems = append(problems, Problem{File: file, Message: err.Error()})
			continue
		}
		e, ps := parseEvent(fsys, raw, file, c.Langs, c.Zone())
		problems = append(problems, ps...)
		if e == nil {
			continue
		}
		if prev, dup := byID[e.ID]; dup {
			problems = append(problems, Problem{File: file, Message: fmt.Sprintf("duplicate id %q (also in %s)", e.ID, prev.File)})
			continue
		}
		if p, clash := c.Programme(e.ID); clash {
			problems = append(problems, Problem{File: file, Message: fmt.Sprintf("id %q is also a programme (%s): a form's buttons could not tell them apart", e.ID, p.File)})
			continue
		}
		byID[e.ID] = e
		c.Events = append(c.Events, e)
	}
	SortEvents(c.Events)
	return problems
}

// PastSamples warns about sample events that have ended at now: their placeholder dates are over, so the
// bot no longer shows them (the chat demo moves them, see UpcomingSamples).
func (c *Content) PastSamples(now time.Time) Problems {
	var out Problems
	for _, e := range c.Events {
		if e.Sample && !now.Before(e.Ends) {
			out = append(out, Problem{File: e.File, Warning: true, Sample: true,
				Message: fmt.Sprintf("%s is a sample event that ended on %s: the bot no longer shows it (the chat demo moves it); give it new dates or withdraw it", e.ID, e.EndsAt)})
		}
	}
	return out
}

// UpcomingSamples returns the content as the chat demo shows it at now: every sample event already over
// is moved whole days ahead, keeping its hours and its order, so that the first of them starts a week
// after now. Real events are left on their dates. c is not changed.
func (c *Content) UpcomingSamples(now time.Time) (*Content, []string) {
	out := *c
	out.Events = make([]*Event, len(c.Events))
	copy(out.Events, c.Events)
	var first time.Time
	for _, e := range c.Events {
		if e.Sample && !now.Before(e.Ends) && (first.IsZero() || e.Starts.Before(first)) {
			first = e.Starts
		}
	}
	var moved []string
	if first.IsZero() {
		return &out, nil
	}
	days := int(now.Sub(first).Hours()/24) + 7
	zone := c.Zone()
	for i, e := range c.Events {
		if !e.Sample || now.Before(e.Ends) {
			continue
		}
		q := *e
		q.Starts, q.Ends = e.Starts.In(zone).AddDate(0, 0, days), e.Ends.In(zone).AddDate(0, 0, days)
		q.StartsAt, q.EndsAt = q.Starts.Format(EventTimeLayout), q.Ends.Format(EventTimeLayout)
		out.Events[i] = &q
		moved = append(moved, e.ID)
	}
	SortEvents(out.Events)
	return &out, moved
}

// ParseEvent reads and validates one event in the file format, read in loc. file names it in problems ("" for
// an event staff are writing in the chat). It returns nil for an empty document (a withdrawn event) and
// when the text cannot be read as an event or has no usable id.
func ParseEvent(raw []byte, file string, langs []string, loc *time.Location) (*Event, Problems) {
	return parseEvent(nil, raw, file, langs, loc)
}

// parseEvent is ParseEvent of a file of fsys, with its translation files.
func parseEvent(fsys fs.FS, raw []byte, file string, langs []string, loc *time.Location) (*Event, Problems) {
	var e Event
	doc, problems := decodeDocument(fsys, raw, file, "event keys (id, title, starts, ...)", &e)
	if doc == nil {
		return nil, problems
	}
	add := func(key string, format string, args ...any) {
		problems = append(problems, Problem{File: file, Line: keyLine(doc, key), Message: fmt.Sprintf(format, args...)})
	}
	e.File = file
	e.remindersSet = keyValue(doc, "reminders") != nil

	valid := true
	base := strings.TrimSuffix(path.Base(file), ".yaml")
	switch {
	case e.ID == "":
		add("id", "missing id")
		valid = false
	case !shortID.MatchString(e.ID):
		add("id", "id %q: want 1–32 characters of a-z 0-9 _", e.ID)
		valid = false
	case file != "" && e.ID != base:
		add("id", "id %q does not match the file name", e.ID)
	}
	if e.Sample {
		problems = append(problems, Problem{File: file, Line: keyLine(doc, "sample"), Warning: true, Sample: true,
			Message: fmt.Sprintf("%s is a sample: confirm its date, place and texts, then remove `sample: true`", e.ID)})
	}
	for _, l := range langs {
		for key, m := range map[string]map[string]string{"title": e.Title, "description": e.Description, "place": e.Place} {
			if strings.TrimSpace(m[l]) == "" {
				add(key, "no %s %s", l, key)
			}
		}
		if n := units(e.Title[l]); n > MaxEventTitle {
			add("title", "%s title is %d characters, over %d (it labels a button)", l, n, MaxEventTitle)
		}
	}
	for _, l := range sortedKeys(e.Description) {
		if n := units(e.Description[l]); n > MaxEventDescription {
			add("description", "%s description is %d characters, over %d (it must fit one message with the date, place and buttons)", l, n, MaxEventDescription)
		}
	}
	var startErr, endErr error
	if e.Starts, startErr = ParseEventTime(e.StartsAt, loc); startErr != nil {
		add("starts", "starts: %v", startErr)
	}
	if e.Ends, endErr = ParseEventTime(e.EndsAt, loc); endErr != nil {
		add("ends", "ends: %v", endErr)
	}
	if startErr == nil && endErr == nil && !e.Ends.After(e.Starts) {
		add("ends", "ends (%s) is not after starts (%s)", e.EndsAt, e.StartsAt)
	}
	for _, a := range e.Audience {
		if !eventAudiences[a] {
			add("audience", "audience %q: want student, diaspora or other (or no audience: everyone)", a)
		}
	}
	if e.Capacity < 0 {
		add("capacity", "capacity %d: want 0 (no limit) or more", e.Capacity)
	}
	if e.Capacity > 0 && !e.Signup {
		add("capacity", "capacity without signup: nobody can take a place")
	}
	if !e.remindersSet {
		e.RemindersAt = append([]string(nil), DefaultReminders...)
	}
	var err error
	if e.Reminders, err = ParseReminders(e.RemindersAt); err != nil {
		add("reminders", "reminders: %v", err)
	}
	if e.Map != "" && e.MapURL() == "" || e.Map != "" && !validMap(e) {
		add("map", "map %q: want coordinates \"lat,lon\" or an http(s) link", e.Map)
	}
	if len(e.Fields) > 0 && !e.Signup {
		add("fields", "a sign-up form without signup: true is never asked")
	}
	if len(e.Fields) > 0 {
		problems = append(problems, fieldProblems(file, doc, e.Fields, langs)...)
	}
	if !valid {
		return nil, problems
	}
	return &e, problems
}

// MaxEventTitle and MaxEventDescription keep an event readable on a phone: the title labels a button, the
// description shares one message with the date, place and status.
const (
	MaxEventTitle       = 100
	MaxEventDescription = 3000
)

func validMap(e Event) bool {
	if _, _, ok := e.Coordinates(); ok {
		return true
	}
	u, err := url.Parse(strings.TrimSpace(e.Map))
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

// eventTimeRE accepts the file form and the same with a space, as people type it in the chat.
var eventTimeRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}$`)

// ParseEventTime reads "YYYY-MM-DDTHH:MM" (or with a space) in loc.
func ParseEventTime(s string, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, errors.New("missing")
	}
	if !eventTimeRE.MatchString(s) {
		return time.Time{}, fmt.Errorf("%q: want local time YYYY-MM-DDTHH:MM, e.g. 2027-04-14T08:00", s)
	}
	t, err := time.ParseInLocation(EventTimeLayout, strings.Replace(s, " ", "T", 1), loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a date and time: %v", s, strings.TrimPrefix(err.Error(), "parsing time "))
	}
	return t, nil
}

// ParseReminders reads reminder offsets in Go duration syntax ("72h", "90m", "2m"), longest first, without
// repeats; each must be positive and at most MaxReminderOffset, in whole minutes (the job runs each minute).
func ParseReminders(in []string) ([]time.Duration, error) {
	seen := map[time.Duration]bool{}
	var out []time.Duration
	for _, s := range in {
		d, err := time.ParseDuration(strings.TrimSpace(s))
		switch {
		case err != nil:
			return nil, fmt.Errorf("%q: want a duration like 72h, 24h, 90m", s)
		case d <= 0 || d > MaxReminderOffset:
			return nil, fmt.Errorf("%q: want more than 0 and at most %s", s, "720h")
		case d%time.Minute != 0:
			return nil, fmt.Errorf("%q: want whole minutes", s)
		case seen[d]:
			return nil, fmt.Errorf("%q is listed twice", s)
		}
		seen[d] = true
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] > out[j] })
	return out, nil
}

// MarshalEvent writes e in the file format (staff events are kept so in Redis).
func MarshalEvent(e *Event) ([]byte, error) {
	return yaml.Marshal(e)
}
