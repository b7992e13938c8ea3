package handlers

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/ufo-thanhhoa/huunghi/bot/events"
	"github.com/ufo-thanhhoa/huunghi/bot/outbox"
	"github.com/ufo-thanhhoa/huunghi/bot/store"
	"github.com/ufo-thanhhoa/huunghi/handlers/forms"
	"github.com/ufo-thanhhoa/huunghi/handlers/ics"
	"github.com/ufo-thanhhoa/huunghi/messages"
)

// eventsPerPage keeps the list of events one screen on a phone.
const eventsPerPage = 5

// Events is the events feature: the list, an event's card, signing up and cancelling, the calendar file,
// the reminder settings, and the reminders and notices the outbox renders at send time.
type Events struct {
	d   Deps
	cat *events.Catalog
	// form starts an event's sign-up form (the registrations' form engine); nil when no event has one.
	form func(ctx context.Context, r *Request, e events.Event)
}

// NewEvents returns the events feature. form starts the sign-up form of an event that has one.
func NewEvents(d Deps, form func(ctx context.Context, r *Request, e events.Event)) *Events {
	return &Events{d: d, cat: d.Events, form: form}
}

func (v *Events) zone() *time.Location { return v.cat.Zone() }

// List handles /events, the menu's Events and "ev:list:<page>": the upcoming events for the user's audience,
// a page at a time.
func (v *Events) List(ctx context.Context, r *Request) {
	d := v.d
	page := 0
	if _, args, ok := parse(EventButtons, r); ok && len(args) == 1 {
		page, _ = strconv.Atoi(args[0])
	}
	evs, err := v.cat.Upcoming(ctx, audienceShown(r))
	if err != nil {
		v.fail(ctx, r, "list events", err)
		return
	}
	d.Answer(ctx, r, "")
	if len(evs) == 0 {
		d.Reply(ctx, r, d.T(r, "events.none"), []outbox.Button{{Text: d.T(r, "menu.programmes"), Data: ProgrammeButtons.Data("list")}})
		return
	}
	pages := (len(evs) + eventsPerPage - 1) / eventsPerPage
	page = min(max(page, 0), pages-1)
	// Staff see each event's id, which /editevent, /cancelevent and /attendees take; only where no one
	// else reads the list (a private chat or a staff chat).
	staffView := r.IsStaff() && (r.Private || IsStaffChat(d.Content, d.StaffChatID, r.ChatID))
	var b strings.Builder
	b.WriteString(d.T(r, "events.title"))
	var rows [][]outbox.Button
	for i, e := range evs[page*eventsPerPage : min(len(evs), (page+1)*eventsPerPage)] {
		n := strconv.Itoa(page*eventsPerPage + i + 1)
		b.WriteString("\n\n" + n + ". " + e.TitleIn(r.Lang) + "\n🗓 " + events.When(d.Content, e.Event, r.Lang, v.zone()) + "\n📍 " + e.PlaceIn(r.Lang))
		if staffView {
			b.WriteString("\n🆔 " + e.ID)
		}
		rows = append(rows, []outbox.Button{{Text: n + ". " + e.TitleIn(r.Lang), Data: EventButtons.Data("v", e.ID)}})
	}
	if pages > 1 {
		b.WriteString("\n\n" + d.T(r, "events.page", "page", strconv.Itoa(page+1), "pages", strconv.Itoa(pages)))
		var nav []outbox.Button
		if page > 0 {
			nav = append(nav, outbox.Button{Text: d.T(r, "events.prev"), Data: EventButtons.Data("list", strconv.Itoa(page-1))})
		}
		if page < pages-1 {
			nav = append(nav, outbox.Button{Text: d.T(r, "events.next"), Data: EventButtons.Data("list", strconv.Itoa(page+1))})
		}
		rows = append(rows, nav)
	}
	if onEventsPage(r) {
		d.Edit(ctx, r, b.String(), rows...) // paging, or back from a card: the page is replaced
		return
	}
	d.Reply(ctx, r, b.String(), rows...)
}

// onEventsPage reports whether the button tapped is on a message of the events pages themselves — the list
// or a card, whose buttons are all events buttons — which the next page replaces. A tap on a reminder, an FAQ
// answer or the menu leaves that message as it is and answers below it.
func onEventsPage(r *Request) bool {
	cq := r.Update.CallbackQuery
	if cq == nil || cq.Message.Message == nil || cq.Message.Message.ReplyMarkup == nil {
		return false
	}
	n := 0
	for _, row := range cq.Message.Message.ReplyMarkup.InlineKeyboard {
		for _, b := range row {
			if b.CallbackData == "" {
				continue // a map link
			}
			if _, _, ok := EventButtons.Parse(b.CallbackData); !ok {
				return false
			}
			n++
		}
	}
	return n > 0
}

// Link opens /start event_<id>: the event's card, or why it cannot be shown and what can.
func (v *Events) Link(ctx context.Context, r *Request, id string) {
	e, ok, err := v.cat.Get(ctx, id)
	if err != nil {
		v.fail(ctx, r, "event link", err)
		return
	}
	if !ok || !v.d.now().Before(e.Ends) {
		v.d.Reply(ctx, r, v.d.T(r, "event.unknown"), []outbox.Button{{Text: v.d.T(r, "menu.events"), Data: EventButtons.Data("list", "0")}})
		return
	}
	v.card(ctx, r, e, false)
}

// View handles "ev:v:<id>".
func (v *Events) View(ctx context.Context, r *Request) {
	e, ok := v.event(ctx, r)
	if !ok {
		return
	}
	v.d.Answer(ctx, r, "")
	v.card(ctx, r, e, onEventsPage(r))
}

// event reads the event a button names; a button for an event that no longer exists is expired.
func (v *Events) event(ctx context.Context, r *Request) (events.Event, bool) {
	_, a, _ := parse(EventButtons, r)
	if len(a) != 1 {
		v.d.Expired(ctx, r)
		return events.Event{}, false
	}
	e, ok, err := v.cat.Get(ctx, a[0])
	if err != nil {
		v.fail(ctx, r, "get event", err)
		return events.Event{}, false
	}
	if !ok {
		v.d.Expired(ctx, r)
		return events.Event{}, false
	}
	return e, true
}

// card shows an event to the person asking, replacing the message a button came from when edit is set.
func (v *Events) card(ctx context.Context, r *Request, e events.Event, edit bool) {
	text, rows := v.cardView(ctx, e, r.Lang, r.UserID, r.Private)
	if edit {
		v.d.Edit(ctx, r, text, rows...)
		return
	}
	v.d.Reply(ctx, r, text, rows...)
}

// cardView is an event's card in lang as the user uid sees it: when (in BOT_TIMEZONE with its zone, and in
// the user's own time when they told the bot a country whose clock differs), where, whether places are
// left, the user's own sign-up (only in a private chat: a group never sees whether someone signed up), and
// the buttons that fit. It sends nothing, so staff's preview of an event (uid 0, not private: as someone
// not signed up sees it) is the very card people get.
func (v *Events) cardView(ctx context.Context, e events.Event, lang string, uid int64, private bool) (string, [][]outbox.Button) {
	d := v.d
	t := func(key string, args ...string) string { return d.Content.T(lang, key, args...) }
	var b strings.Builder
	b.WriteString(e.TitleIn(lang) + "\n\n🗓 " + events.When(d.Content, e.Event, lang, v.zone()))
	if private {
		if zone := v.userZone(ctx, uid); zone != nil && !events.SameOffset(e.Event, zone, v.zone()) {
			b.WriteString("\n🕒 " + t("event.your_time", "when", events.When(d.Content, e.Event, lang, zone)))
		}
	}
	b.WriteString("\n📍 " + e.PlaceIn(lang))
	var reg store.Registration
	signed := false
	if private && e.Signup {
		var err error
		reg, err = d.Store.GetSignup(ctx, e.ID, uid)
		signed = err == nil && reg.Status != store.StatusWithdrawn
	}
	// Places are counted once, where they matter: an event one can still sign up for, with a capacity.
	held := int64(-1) // unknown
	if e.Capacity > 0 && !signed && !e.Cancelled && v.cat.Open(e) {
		if n, _, err := d.Store.SignupCounts(ctx, e.ID); err == nil {
			held = n
		}
	}
	status := v.status(lang, e, reg, signed, held)
	if status != "" {
		b.WriteString("\n" + status)
	}
	b.WriteString("\n\n" + e.DescriptionIn(lang))

	var rows [][]outbox.Button
	switch {
	case e.Cancelled: // nothing to sign up for or out of
	case signed:
		rows = append(rows, []outbox.Button{{Text: t("event.cancel"), Data: EventButtons.Data("w", e.ID)}})
	case v.cat.Open(e):
		label := "event.signup"
		if held >= int64(e.Capacity) {
			label = "event.waitlist"
		}
		rows = append(rows, []outbox.Button{{Text: t(label), Data: EventButtons.Data("s", e.ID)}})
	}
	if !e.Cancelled {
		row := []outbox.Button{{Text: t("event.ics"), Data: EventButtons.Data("ics", e.ID)}}
		if u := e.MapURL(); u != "" {
			row = append(row, outbox.Button{Text: t("event.map"), URL: u})
		}
		rows = append(rows, row)
	}
	rows = append(rows, []outbox.Button{{Text: t("event.all"), Data: EventButtons.Data("list", "0")}})
	return b.String(), rows
}

// status is the card's line on places (held of them taken, -1 when unknown) and on the user's sign-up.
func (v *Events) status(lang string, e events.Event, reg store.Registration, signed bool, held int64) string {
	d := v.d
	switch {
	case e.Cancelled:
		return d.Content.T(lang, "event.status.cancelled")
	case signed && reg.Status == store.StatusWaitlist:
		return d.Content.T(lang, "event.status.waiting", "ref", reg.Ref)
	case signed:
		return d.Content.T(lang, "event.status.signed", "ref", reg.Ref)
	case !e.Signup:
		return d.Content.T(lang, "event.status.open_door")
	case !v.cat.Open(e):
		return d.Content.T(lang, "event.status.closed")
	case e.Capacity > 0:
		if held < 0 {
			return ""
		}
		if left := int64(e.Capacity) - held; left > 0 {
			return d.Content.T(lang, "event.status.places", "left", strconv.FormatInt(left, 10), "capacity", strconv.Itoa(e.Capacity))
		}
		return d.Content.T(lang, "event.status.full")
	}
	return ""
}

// userZone is the time zone of the country the user gave in a form (a registration or a sign-up), nil when
// they gave none, or gave one with several zones: the bot never asks for a zone of its own.
func (v *Events) userZone(ctx context.Context, uid int64) *time.Location {
	regs, err := v.d.Store.UserRegistrations(ctx, uid)
	if err != nil {
		return nil
	}
	sups, err := v.d.Store.UserSignups(ctx, uid)
	if err != nil {
		return nil
	}
	for _, reg := range append(regs, sups...) {
		var fields []forms.Field
		if p, ok := v.d.Content.Programme(reg.Programme); ok {
			fields = p.Fields
		} else if e, ok := v.d.Content.Event(reg.Programme); ok {
			fields = e.Fields
		}
		if region := forms.HomeRegion(fields, reg.Answers); region != "" {
			if zone, ok := forms.RegionZone(region); ok {
				return zone
			}
		}
	}
	return nil
}

// SignUp handles "ev:s:<id>": a place (or the waiting list), or the event's form when it has one.
func (v *Events) SignUp(ctx context.Context, r *Request) {
	d := v.d
	e, ok := v.event(ctx, r)
	if !ok {
		return
	}
	if !v.cat.Open(e) {
		d.Answer(ctx, r, d.T(r, "event.closed", "event", e.TitleIn(r.Lang)))
		return
	}
	if len(e.Fields) > 0 && v.form != nil {
		if reg, err := d.Store.GetSignup(ctx, e.ID, r.UserID); err == nil && reg.Status != store.StatusWithdrawn {
			d.Answer(ctx, r, "")
			v.Confirm(ctx, r, e, reg, false)
			return
		}
		d.Answer(ctx, r, "")
		v.form(ctx, r, e)
		return
	}
	reg, created, err := v.cat.SignUp(ctx, e, r.UserID, r.Lang, nil)
	switch {
	case errors.Is(err, events.ErrClosed):
		d.Answer(ctx, r, d.T(r, "event.closed", "event", e.TitleIn(r.Lang)))
		return
	case err != nil:
		v.fail(ctx, r, "sign up", err)
		return
	}
	d.Answer(ctx, r, "")
	v.Confirm(ctx, r, e, reg, created)
}

// Confirm tells the user their sign-up went through (or that they already had one), with the calendar file
// button; the event's form ends here too.
func (v *Events) Confirm(ctx context.Context, r *Request, e events.Event, reg store.Registration, created bool) {
	d := v.d
	title := e.TitleIn(r.Lang)
	ahead := v.cat.Ahead(e)
	var text string
	switch {
	case !created:
		text = d.T(r, "event.already", "event", title, "ref", reg.Ref)
	case reg.Status == store.StatusWaitlist:
		text = d.T(r, "event.waitlisted", "event", title, "ref", reg.Ref)
	case len(ahead) > 0:
		text = d.T(r, "event.signed_up", "event", title, "ref", reg.Ref) + "\n" +
			d.T(r, "event.reminded", "offsets", events.Offsets(d.Content, r.Lang, ahead))
	default:
		text = d.T(r, "event.signed_up", "event", title, "ref", reg.Ref)
	}
	d.Reply(ctx, r, text, []outbox.Button{{Text: d.T(r, "event.ics"), Data: EventButtons.Data("ics", e.ID)}},
		[]outbox.Button{{Text: d.T(r, "event.open"), Data: EventButtons.Data("v", e.ID)}})
}

// Withdraw handles "ev:w:<id>" (ask), "ev:y:<id>" (cancel my sign-up) and "ev:n:<id>" (keep it).
func (v *Events) Withdraw(ctx context.Context, r *Request) {
	d := v.d
	verb, _, _ := parse(EventButtons, r)
	e, ok := v.event(ctx, r)
	if !ok {
		return
	}
	d.Answer(ctx, r, "")
	title := e.TitleIn(r.Lang)
	switch verb {
	case "w":
		d.Reply(ctx, r, d.T(r, "event.cancel_confirm", "event", title), []outbox.Button{
			{Text: d.T(r, "event.cancel_yes"), Data: EventButtons.Data("y", e.ID)},
			{Text: d.T(r, "event.cancel_no"), Data: EventButtons.Data("n", e.ID)},
		})
	case "y":
		err := v.cat.CancelSignup(ctx, e, r.UserID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			v.fail(ctx, r, "cancel sign-up", err)
			return
		}
		d.Edit(ctx, r, d.T(r, "event.cancelled_signup", "event", title))
	case "n":
		d.Edit(ctx, r, d.T(r, "event.kept"))
	}
}

// Calendar handles "ev:ics:<id>": the event as an .ics file (RFC 5545) with its reminders as alarms.
func (v *Events) Calendar(ctx context.Context, r *Request) {
	d := v.d
	e, ok := v.event(ctx, r)
	if !ok {
		return
	}
	d.Answer(ctx, r, "")
	d.send(ctx, outbox.Message{ChatID: r.ChatID, Text: d.T(r, "event.ics_caption", "event", e.TitleIn(r.Lang)),
		Document: &outbox.Document{Name: e.ID + ".ics", Data: CalendarFile(d.Content, e, r.Lang, d.now())}})
}

// CalendarFile is e as an iCalendar file in lang. Its UID is the event's id, the same in every file sent
// for it, and its SEQUENCE the event's, so a calendar that imported it updates the entry when a newer file
// is opened.
func CalendarFile(c *messages.Content, e events.Event, lang string, now time.Time) []byte {
	ev := ics.Event{
		UID: e.ID + "@huunghi.bot", Sequence: e.Seq, Stamp: now,
		Start: e.Starts, End: e.Ends,
		Summary: e.TitleIn(lang), Description: e.DescriptionIn(lang), Location: e.PlaceIn(lang),
		Alarms: e.Reminders, Cancelled: e.Cancelled,
	}
	if lat, lon, ok := e.Coordinates(); ok {
		ev.Geo = &[2]float64{lat, lon}
	}
	if u := e.MapURL(); u != "" {
		ev.URL = u
	}
	return ics.Write(ev)
}

// fail logs an error without personal data and apologises.
func (v *Events) fail(ctx context.Context, r *Request, what string, err error) {
	v.d.Log.Error(what, "chat_id", r.ChatID, "err", err)
	v.d.Answer(ctx, r, "")
	v.d.Reply(ctx, r, v.d.T(r, "error.apology"))
}
