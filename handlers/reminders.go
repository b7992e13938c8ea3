package handlers

import (
	"context"
	"errors"
	"strings"

	"github.com/ufo-thanhhoa/huunghi/bot/events"
	"github.com/ufo-thanhhoa/huunghi/bot/outbox"
	"github.com/ufo-thanhhoa/huunghi/bot/store"
)

// Reminders handles /reminders and "rem:…": the user's reminders, on or off per event or altogether. The
// setting is read when each reminder is sent, so it is honoured at once, also for one already queued.
func (v *Events) Reminders(ctx context.Context, r *Request) {
	d := v.d
	verb, a, isTap := parse(ReminderButtons, r)
	if r.Update.CallbackQuery != nil && !isTap {
		d.Expired(ctx, r)
		return
	}
	if isTap {
		ev, on := "", verb == "on" || verb == "allon"
		if len(a) == 1 {
			ev = a[0]
		}
		if err := d.Store.SetReminders(ctx, r.UserID, ev, on); err != nil {
			v.fail(ctx, r, "set reminders", err)
			return
		}
		d.Answer(ctx, r, d.T(r, map[bool]string{true: "reminders.turned_on", false: "reminders.turned_off"}[on]))
	}
	text, rows, err := v.remindersPage(ctx, r)
	if err != nil {
		v.fail(ctx, r, "reminders page", err)
		return
	}
	if isTap && r.Update.CallbackQuery.Message.Message != nil && strings.HasPrefix(r.Update.CallbackQuery.Message.Message.Text, d.T(r, "reminders.title")) {
		d.Edit(ctx, r, text, rows...)
		return
	}
	d.Reply(ctx, r, text, rows...)
}

// remindersPage lists the user's upcoming events with a place and whether each is reminded.
func (v *Events) remindersPage(ctx context.Context, r *Request) (string, [][]outbox.Button, error) {
	d := v.d
	prefs, err := d.Store.ReminderPrefs(ctx, r.UserID)
	if err != nil {
		return "", nil, err
	}
	sups, err := d.Store.UserSignups(ctx, r.UserID)
	if err != nil {
		return "", nil, err
	}
	var b strings.Builder
	b.WriteString(d.T(r, "reminders.title"))
	var rows [][]outbox.Button
	n := 0
	for _, s := range sups {
		e, ok, err := v.cat.Get(ctx, s.Programme)
		if err != nil {
			return "", nil, err
		}
		if !ok || e.Cancelled || s.Status != store.StatusRegistered || !d.now().Before(e.Starts) {
			continue
		}
		n++
		state, verb, label := "reminders.on", "off", "reminders.turn_off"
		if !prefs.Wants(e.ID) {
			state, verb, label = "reminders.off", "on", "reminders.turn_on"
		}
		b.WriteString("\n\n• " + e.TitleIn(r.Lang) + "\n🗓 " + events.When(d.Content, e.Event, r.Lang, v.zone()) + "\n" +
			d.T(r, state, "offsets", events.Offsets(d.Content, r.Lang, e.Reminders)))
		if !prefs.AllOff {
			rows = append(rows, []outbox.Button{{Text: d.T(r, label, "event", e.TitleIn(r.Lang)), Data: ReminderButtons.Data(verb, e.ID)}})
		}
	}
	if n == 0 {
		b.WriteString("\n\n" + d.T(r, "reminders.none"))
	}
	if prefs.AllOff {
		b.WriteString("\n\n" + d.T(r, "reminders.all_off"))
		rows = append(rows, []outbox.Button{{Text: d.T(r, "reminders.all_on"), Data: ReminderButtons.Data("allon")}})
	} else {
		rows = append(rows, []outbox.Button{{Text: d.T(r, "reminders.all_off_button"), Data: ReminderButtons.Data("alloff")}})
	}
	rows = append(rows, []outbox.Button{{Text: d.T(r, "menu.events"), Data: EventButtons.Data("list", "0")}})
	return b.String(), rows, nil
}

// RenderReminder makes a reminder the reminders job queued (a reference: event, person, offset, start) into
// the message to send, at send time: in the person's language as it is then, with a true "starts in", and
// only if it is still wanted. It drops (outbox.ErrSkip) a reminder whose event was cancelled or moved (the
// moved event's reminders are new ones), whose event has started, whose person cancelled, turned reminders
// off or was forgotten, and one made pointless by a later reminder also due (after downtime, "in 3 days"
// and "tomorrow" both due: only "tomorrow" goes).
func (v *Events) RenderReminder(ctx context.Context, m outbox.Message) (outbox.Message, error) {
	d := v.d
	rem, ok := store.ParseReminder(m.Key)
	if !ok {
		return m, outbox.ErrSkip
	}
	e, ok, err := v.cat.Get(ctx, rem.Event)
	switch {
	case err != nil:
		return m, err
	case !ok || e.Cancelled || !e.Starts.Equal(rem.Start):
		return m, outbox.ErrSkip
	}
	now := d.now()
	if !now.Before(e.Starts) {
		return m, outbox.ErrSkip
	}
	for _, off := range e.Reminders {
		if off < rem.Offset && !now.Before(e.Starts.Add(-off)) {
			return m, outbox.ErrSkip
		}
	}
	lang, ok, err := v.receiver(ctx, e, rem.UserID, true)
	if err != nil {
		return m, err
	}
	if !ok {
		return m, outbox.ErrSkip
	}
	prefs, err := d.Store.ReminderPrefs(ctx, rem.UserID)
	if err != nil {
		return m, err
	}
	if !prefs.Wants(e.ID) {
		return m, outbox.ErrSkip
	}
	c := d.Content
	m.Text = c.T(lang, "reminder.text", "event", e.TitleIn(lang), "in", events.Duration(c, lang, e.Starts.Sub(now)),
		"when", events.When(c, e.Event, lang, v.zone()), "place", e.PlaceIn(lang))
	m.Buttons = [][]outbox.Button{
		{{Text: c.T(lang, "event.open"), Data: EventButtons.Data("v", e.ID)}, {Text: c.T(lang, "event.ics"), Data: EventButtons.Data("ics", e.ID)}},
		{{Text: c.T(lang, "reminders.turn_off", "event", e.TitleIn(lang)), Data: ReminderButtons.Data("off", e.ID)}},
	}
	if u := e.MapURL(); u != "" {
		m.Buttons[0] = append(m.Buttons[0], outbox.Button{Text: c.T(lang, "event.map"), URL: u})
	}
	return m, nil
}

// receiver returns the language of a person signed up for e (with a place when placeOnly, else also on the
// waiting list); ok is false when they are not, or were forgotten.
func (v *Events) receiver(ctx context.Context, e events.Event, uid int64, placeOnly bool) (string, bool, error) {
	reg, err := v.d.Store.GetSignup(ctx, e.ID, uid)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return "", false, nil
	case err != nil:
		return "", false, err
	case reg.Status == store.StatusWithdrawn, placeOnly && reg.Status != store.StatusRegistered:
		return "", false, nil
	}
	u, err := v.d.Store.GetUser(ctx, uid)
	if errors.Is(err, store.ErrNotFound) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	return v.d.Content.ResolveLang(u.Lang, u.TelegramLang, reg.Lang), true, nil
}

// RenderNotice makes a notice about an event (changed, cancelled, a place for someone waiting) at send time,
// in the person's language, with the event as it is then.
func (v *Events) RenderNotice(ctx context.Context, m outbox.Message) (outbox.Message, error) {
	d := v.d
	n, ok := events.ParseNotice(m.Key)
	if !ok {
		return m, outbox.ErrSkip
	}
	e, ok, err := v.cat.Get(ctx, n.Event)
	if err != nil {
		return m, err
	}
	if !ok || !d.now().Before(e.Ends) {
		return m, outbox.ErrSkip
	}
	if n.Kind != events.NoticeCancelled && e.Cancelled {
		return m, outbox.ErrSkip // a change or a place in an event cancelled since: the cancellation says it all
	}
	// A cancellation reaches everyone who was signed up, waiting included; a place only someone who has it.
	lang, ok, err := v.receiver(ctx, e, n.UserID, n.Kind == events.NoticePromoted)
	if err != nil {
		return m, err
	}
	if !ok {
		return m, outbox.ErrSkip
	}
	c := d.Content
	args := []string{"event", e.TitleIn(lang), "when", events.When(c, e.Event, lang, v.zone()), "place", e.PlaceIn(lang)}
	switch n.Kind {
	case events.NoticeChanged:
		m.Text = c.T(lang, "event.notice.changed", args...)
	case events.NoticeCancelled:
		m.Text = c.T(lang, "event.notice.cancelled", args...)
	case events.NoticePromoted:
		m.Text = c.T(lang, "event.notice.promoted", args...)
	default:
		return m, outbox.ErrSkip
	}
	if n.Kind != events.NoticeCancelled {
		m.Buttons = [][]outbox.Button{{{Text: c.T(lang, "event.open"), Data: EventButtons.Data("v", e.ID)}, {Text: c.T(lang, "event.ics"), Data: EventButtons.Data("ics", e.ID)}}}
	}
	return m, nil
}
