// Package events is the catalogue of events people see and the schedule of their reminders.
//
// An event is a file (messages/events/<id>.yaml) or was made by staff in the chat; staff changes and
// cancellations are kept in Redis (store.EventState) and override the file. Everything that changes who is
// reminded when — a sign-up, a cancelled sign-up, a moved event, a cancelled one — goes through the Catalog,
// so the reminder schedule (a Redis sorted set, moved into the outbox by the reminders job) always follows
// the events. Handlers and jobs both use it; it imports neither.
package events

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ufo-thanhhoa/huunghi/bot/outbox"
	"github.com/ufo-thanhhoa/huunghi/bot/store"
	"github.com/ufo-thanhhoa/huunghi/messages"
)

// Event is an event as people see it: what its file or the chat says, and its state.
type Event struct {
	*messages.Event
	// Seq is the iCalendar SEQUENCE, raised each time the event changes.
	Seq int
	// Cancelled is set once staff cancelled it.
	Cancelled bool
	// Staff says the event was created or changed in the chat (its text is in Redis).
	Staff bool
}

// Enqueuer is what the catalogue needs of the outbox: notices to the people signed up.
type Enqueuer interface {
	Enqueue(ctx context.Context, lane outbox.Lane, msgs ...outbox.Message) error
}

// Catalog is the events and their reminders.
type Catalog struct {
	st      *store.Store
	content *messages.Content
	out     Enqueuer
	now     func() time.Time
	log     *slog.Logger
}

// New returns the catalogue of content's events (read in BOT_TIMEZONE: content.WithZone) and of those staff
// keep in st. now is the bot's clock.
func New(st *store.Store, content *messages.Content, out Enqueuer, now func() time.Time, log *slog.Logger) *Catalog {
	if now == nil {
		now = time.Now
	}
	return &Catalog{st: st, content: content, out: out, now: now, log: log}
}

// Content returns the content the catalogue reads.
func (c *Catalog) Content() *messages.Content { return c.content }

// Zone is BOT_TIMEZONE, where event times are read and shown.
func (c *Catalog) Zone() *time.Location { return c.content.Zone() }

// All returns every event, file and staff-made, cancelled and past ones included, by start.
func (c *Catalog) All(ctx context.Context) ([]Event, error) {
	states, err := c.st.EventStates(ctx)
	if err != nil {
		return nil, err
	}
	var out []Event
	seen := map[string]bool{}
	for _, f := range c.content.Events {
		seen[f.ID] = true
		out = append(out, c.merge(f, states[f.ID]))
	}
	for id, st := range states {
		if seen[id] || st.Doc == nil {
			continue
		}
		if e, ok := c.parse(st); ok {
			out = append(out, Event{Event: e, Seq: st.Seq, Cancelled: !st.Cancelled.IsZero(), Staff: true})
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].Starts.Equal(out[j].Starts) {
			return out[i].Starts.Before(out[j].Starts)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

// merge applies what Redis keeps about a file event.
func (c *Catalog) merge(f *messages.Event, st store.EventState) Event {
	e := Event{Event: f, Seq: st.Seq, Cancelled: !st.Cancelled.IsZero()}
	if st.Doc != nil {
		if changed, ok := c.parse(st); ok {
			e.Event, e.Staff = changed, true
		}
	}
	return e
}

// parse reads an event staff wrote in the chat. It was valid when saved; one that no longer is (the content's
// languages changed) is logged and left out, or its file shown instead.
func (c *Catalog) parse(st store.EventState) (*messages.Event, bool) {
	e, problems := messages.ParseEvent(st.Doc, "", c.content.Langs, c.Zone())
	if e == nil || len(problems.Errors()) > 0 {
		c.log.Error("event kept in Redis is not valid", "event", st.ID, "problems", problems.Errors().Error())
		return nil, false
	}
	return e, true
}

// Get returns one event.
func (c *Catalog) Get(ctx context.Context, id string) (Event, bool, error) {
	st, err := c.st.EventState(ctx, id)
	if err != nil {
		return Event{}, false, err
	}
	if f, ok := c.content.Event(id); ok {
		return c.merge(f, st), true, nil
	}
	if st.Doc == nil {
		return Event{}, false, nil
	}
	e, ok := c.parse(st)
	if !ok {
		return Event{}, false, nil
	}
	return Event{Event: e, Seq: st.Seq, Cancelled: !st.Cancelled.IsZero(), Staff: true}, true, nil
}

// Upcoming returns the events not yet over and not cancelled that are for audience ("" for everyone's).
func (c *Catalog) Upcoming(ctx context.Context, audience string) ([]Event, error) {
	all, err := c.All(ctx)
	if err != nil {
		return nil, err
	}
	now := c.now()
	var out []Event
	for _, e := range all {
		if !e.Cancelled && now.Before(e.Ends) && e.For(audience) {
			out = append(out, e)
		}
	}
	return out, nil
}

// Open reports whether people can sign up for e now: it takes sign-ups, is not cancelled and has not started.
func (c *Catalog) Open(e Event) bool {
	return e.Signup && !e.Cancelled && c.now().Before(e.Starts)
}

// ErrClosed is returned by SignUp for an event that takes no sign-ups now.
var ErrClosed = errors.New("event takes no sign-ups")

// SignUp signs the user up for e (a place, or the waiting list when full) and schedules their reminders.
// A second call returns the existing sign-up with created false.
func (c *Catalog) SignUp(ctx context.Context, e Event, uid int64, lang string, answers map[string]string) (store.Registration, bool, error) {
	if !c.Open(e) {
		return store.Registration{}, false, ErrClosed
	}
	reg, created, err := c.st.SignUp(ctx, e.ID, uid, lang, answers, e.Capacity)
	if err != nil {
		return reg, false, err
	}
	if reg.Status == store.StatusRegistered {
		if err := c.st.ScheduleReminders(ctx, c.reminders(e, uid)...); err != nil {
			return reg, created, err
		}
	}
	return reg, created, nil
}

// CancelSignup withdraws the user's sign-up, drops their reminders and gives a freed place to the first on
// the waiting list (told so, and reminded from then on). store.ErrNotFound when nothing was active.
func (c *Catalog) CancelSignup(ctx context.Context, e Event, uid int64) error {
	promoted, err := c.st.CancelSignup(ctx, e.ID, uid)
	if err != nil {
		return err
	}
	if err := c.st.UnscheduleUser(ctx, e.ID, uid); err != nil {
		return err
	}
	if promoted != 0 {
		return c.Promoted(ctx, e.ID, promoted)
	}
	return nil
}

// Promoted schedules the reminders of someone moved from the waiting list into a place, and tells them.
func (c *Catalog) Promoted(ctx context.Context, ev string, uid int64) error {
	e, ok, err := c.Get(ctx, ev)
	if err != nil || !ok || e.Cancelled {
		return err
	}
	if err := c.st.ScheduleReminders(ctx, c.reminders(e, uid)...); err != nil {
		return err
	}
	return c.notify(ctx, e, NoticePromoted, uid)
}

// Ahead returns the offsets of e whose reminder is still to come: someone signing up the day before is not
// sent the "in three days" one.
func (c *Catalog) Ahead(e Event) []time.Duration {
	now := c.now()
	var out []time.Duration
	for _, off := range e.Reminders {
		if e.Starts.Add(-off).After(now) {
			out = append(out, off)
		}
	}
	return out
}

// reminders are the user's reminders for e that are still ahead (Ahead).
func (c *Catalog) reminders(e Event, uid int64) []store.Reminder {
	var out []store.Reminder
	for _, off := range c.Ahead(e) {
		out = append(out, store.Reminder{Event: e.ID, UserID: uid, Offset: off, Start: e.Starts})
	}
	return out
}

// The notices sent to people signed up for an event, rendered at send time in their language.
const (
	NoticeChanged   = "changed"   // its date or place changed
	NoticeCancelled = "cancelled" // staff cancelled it
	NoticePromoted  = "promoted"  // a place freed up for someone on the waiting list
)

// NoticeKeyPrefix starts the outbox key of a notice: evn:<event>:<kind>:<seq>:<uid>.
const NoticeKeyPrefix = "evn:"

// Notice is a parsed notice key.
type Notice struct {
	Event, Kind string
	Seq         int
	UserID      int64
}

// ParseNotice reads a notice key.
func ParseNotice(key string) (Notice, bool) {
	parts := strings.Split(strings.TrimPrefix(key, NoticeKeyPrefix), ":")
	if len(parts) != 4 || !strings.HasPrefix(key, NoticeKeyPrefix) {
		return Notice{}, false
	}
	seq, err1 := strconv.Atoi(parts[2])
	uid, err2 := strconv.ParseInt(parts[3], 10, 64)
	if err1 != nil || err2 != nil || uid <= 0 {
		return Notice{}, false
	}
	return Notice{Event: parts[0], Kind: parts[1], Seq: seq, UserID: uid}, true
}

// RenderNotice and RenderReminder are the outbox renderer names of the two kinds of event message.
const (
	RenderNotice   = "event_notice"
	RenderReminder = "reminder"
)

// notify queues a notice about e to each user; the key makes it once per user, kind and version of e.
func (c *Catalog) notify(ctx context.Context, e Event, kind string, uids ...int64) error {
	if len(uids) == 0 {
		return nil
	}
	msgs := make([]outbox.Message, len(uids))
	for i, uid := range uids {
		msgs[i] = outbox.Message{ChatID: uid, About: uid, Render: RenderNotice, Once: true,
			Key: fmt.Sprintf("%s%s:%s:%d:%d", NoticeKeyPrefix, e.ID, kind, e.Seq, uid)}
	}
	return c.out.Enqueue(ctx, outbox.LaneReminder, msgs...)
}

// ErrExists is returned by Create for an id that is taken.
var ErrExists = errors.New("an event with this id exists")

// Create stores a new event staff wrote in the chat and schedules nothing yet (nobody signed up).
func (c *Catalog) Create(ctx context.Context, e *messages.Event) error {
	if _, ok := c.content.Event(e.ID); ok {
		return ErrExists
	}
	if _, ok := c.content.Programme(e.ID); ok {
		return ErrExists
	}
	doc, err := messages.MarshalEvent(e)
	if err != nil {
		return err
	}
	if err := c.st.CreateEvent(ctx, e.ID, doc); errors.Is(err, store.ErrExists) {
		return ErrExists
	} else if err != nil {
		return err
	}
	_, err = c.sync(ctx, Event{Event: e, Staff: true})
	return err
}

// Save stores staff's change of an event (a file event is then overridden by it) and applies it at once:
// a moved event's reminders move and the people signed up are told (Sync).
func (c *Catalog) Save(ctx context.Context, e *messages.Event) error {
	doc, err := messages.MarshalEvent(e)
	if err != nil {
		return err
	}
	if err := c.st.SaveEventDoc(ctx, e.ID, doc); err != nil {
		return err
	}
	cur, ok, err := c.Get(ctx, e.ID)
	if err != nil || !ok {
		return err
	}
	_, err = c.sync(ctx, cur)
	return err
}

// Cancel cancels an event: its reminders are dropped and everyone signed up (or waiting) is told, once. It
// reports false when the event was already cancelled; the rest is done again anyway, since the call that
// cancelled it may have been cut short by a crash (the notices are sent once per key, so nobody is told
// twice).
func (c *Catalog) Cancel(ctx context.Context, e Event) (bool, error) {
	first, err := c.st.CancelEvent(ctx, e.ID)
	if err != nil {
		return false, err
	}
	if _, err := c.st.UnscheduleEvent(ctx, e.ID); err != nil {
		return first, err
	}
	regs, err := c.st.Signups(ctx, e.ID)
	if err != nil {
		return first, err
	}
	uids := make([]int64, len(regs))
	for i, r := range regs {
		uids[i] = r.UserID
	}
	e.Cancelled = true
	return first, c.notify(ctx, e, NoticeCancelled, uids...)
}

// Sync applies changes to events that were not made through the catalogue — a file edited by staff and
// deployed — as Save does for changes made in the chat. The events job runs it every minute and at start.
// It returns how many events changed.
func (c *Catalog) Sync(ctx context.Context) (int, error) {
	all, err := c.All(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	var errs []error
	for _, e := range all {
		changed, err := c.sync(ctx, e)
		if changed {
			n++
		}
		errs = append(errs, err)
	}
	return n, errors.Join(errs...)
}

// fingerprint is what an event says, by part: when, where, reminders, texts. A change of any raises the
// iCalendar SEQUENCE; of the first two, people are told; of the first or third, the reminders move.
func fingerprint(e *messages.Event) string {
	h := func(parts ...string) string {
		sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
		return hex.EncodeToString(sum[:6])
	}
	var place, text []string
	for _, l := range slices.Sorted(maps.Keys(e.Place)) {
		place = append(place, l, e.Place[l])
	}
	for _, l := range slices.Sorted(maps.Keys(e.Title)) {
		text = append(text, l, e.Title[l], e.Description[l])
	}
	var rem []string
	for _, d := range e.Reminders {
		rem = append(rem, d.String())
	}
	return strings.Join([]string{
		h(strconv.FormatInt(e.Starts.Unix(), 10), strconv.FormatInt(e.Ends.Unix(), 10)),
		h(place...), h(rem...), h(append(text, e.Map)...),
	}, ".")
}

// sync records e's fingerprint and, when it changed since a change was last carried out (on any replica),
// moves its reminders and tells the people signed up of a new date or place, then records the change as
// carried out — so a crash in between leaves it to the next sync. Past and cancelled events are left alone.
func (c *Catalog) sync(ctx context.Context, e Event) (bool, error) {
	if e.Cancelled || !c.now().Before(e.Ends) {
		return false, nil
	}
	fp := fingerprint(e.Event)
	seq, prev, err := c.st.SetEventFingerprint(ctx, e.ID, fp)
	if err != nil || prev == "" {
		return false, err
	}
	e.Seq = seq
	was, now := strings.Split(prev, "."), strings.Split(fp, ".")
	if len(was) != len(now) {
		was = make([]string, len(now)) // an older format: treat every part as changed
	}
	moved, placed, reminded := was[0] != now[0], was[1] != now[1], was[2] != now[2]
	c.log.Info("event changed", "event", e.ID, "seq", seq, "moved", moved, "place", placed, "reminders", reminded)
	regs, err := c.st.Signups(ctx, e.ID)
	if err != nil {
		return true, err
	}
	if moved || reminded {
		if _, err := c.st.UnscheduleEvent(ctx, e.ID); err != nil {
			return true, err
		}
		var rs []store.Reminder
		for _, r := range regs {
			if r.Status == store.StatusRegistered {
				rs = append(rs, c.reminders(e, r.UserID)...)
			}
		}
		if err := c.st.ScheduleReminders(ctx, rs...); err != nil {
			return true, err
		}
	}
	if moved || placed {
		uids := make([]int64, len(regs))
		for i, r := range regs {
			uids[i] = r.UserID
		}
		if err := c.notify(ctx, e, NoticeChanged, uids...); err != nil {
			return true, err
		}
	}
	return true, c.st.EventApplied(ctx, e.ID, fp)
}
