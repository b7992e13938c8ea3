package handlers

import (
	"context"
	"errors"
	"strings"

	"github.com/ufo-thanhhoa/huunghi/bot/events"
	"github.com/ufo-thanhhoa/huunghi/bot/outbox"
	"github.com/ufo-thanhhoa/huunghi/bot/store"
	"github.com/ufo-thanhhoa/huunghi/messages"
)

// My handles /my: the user's registrations with their status, staff's decision and its reason, and a
// Withdraw button for active ones.
func (g *Registrations) My(ctx context.Context, r *Request) {
	d := g.d
	d.Answer(ctx, r, "")
	regs, err := d.Store.UserRegistrations(ctx, r.UserID)
	if err != nil {
		d.Log.Error("list registrations", "chat_id", r.ChatID, "err", err)
		d.Reply(ctx, r, d.T(r, "error.apology"))
		return
	}
	sups, err := d.Store.UserSignups(ctx, r.UserID)
	if err != nil {
		d.Log.Error("list sign-ups", "chat_id", r.ChatID, "err", err)
		d.Reply(ctx, r, d.T(r, "error.apology"))
		return
	}
	if len(regs) == 0 && len(sups) == 0 {
		d.Reply(ctx, r, d.T(r, "my.none"), []outbox.Button{{Text: d.T(r, "menu.programmes"), Data: ProgrammeButtons.Data("list")}},
			[]outbox.Button{{Text: d.T(r, "menu.events"), Data: EventButtons.Data("list", "0")}})
		return
	}
	var b strings.Builder
	var rows [][]outbox.Button
	if len(regs) > 0 {
		b.WriteString(d.T(r, "my.title"))
	}
	for _, reg := range regs {
		p := programmeOrID(d, reg.Programme)
		b.WriteString("\n\n• " + d.T(r, "my.item", "programme", p.TitleIn(r.Lang), "status", d.T(r, "reg.status."+reg.Status),
			"ref", reg.Ref, "date", g.date(reg.Created)))
		if reg.Decision != "" && store.Active(reg.Status) {
			b.WriteString("\n  " + d.T(r, "my.decision", "decision", d.T(r, "dec.name."+reg.Decision), "date", g.date(reg.DecidedAt)))
			if reg.Reason != "" {
				b.WriteString("\n  " + d.T(r, "my.reason", "reason", reg.Reason))
			}
		}
		if reg.Status != store.StatusWithdrawn {
			rows = append(rows, []outbox.Button{{Text: d.T(r, "prog.withdraw") + ": " + p.TitleIn(r.Lang), Data: MyButtons.Data("w", p.ID)}})
		}
	}
	g.mySignups(ctx, r, sups, &b, &rows)
	if b.Len() == 0 { // only withdrawn sign-ups of past events
		b.WriteString(d.T(r, "my.none"))
	}
	d.Reply(ctx, r, b.String(), rows...)
}

// mySignups adds the user's event sign-ups to /my, with date and place, and a button to each event (its
// card has Cancel my sign-up). Withdrawn sign-ups of past events are left out: /my is what is ahead.
func (g *Registrations) mySignups(ctx context.Context, r *Request, sups []store.Registration, b *strings.Builder, rows *[][]outbox.Button) {
	d := g.d
	var lines []string
	for _, s := range sups {
		e, ok, err := d.Events.Get(ctx, s.Programme)
		if err != nil || !ok || s.Status == store.StatusWithdrawn && !d.now().Before(e.Ends) {
			continue
		}
		status := d.T(r, "reg.status."+s.Status)
		if e.Cancelled {
			status = d.T(r, "event.cancelled_short")
		}
		lines = append(lines, "• "+d.T(r, "my.signup", "event", e.TitleIn(r.Lang), "status", status, "ref", s.Ref,
			"when", events.When(d.Content, e.Event, r.Lang, d.Events.Zone()), "place", e.PlaceIn(r.Lang)))
		if s.Status != store.StatusWithdrawn && !e.Cancelled {
			*rows = append(*rows, []outbox.Button{{Text: "📅 " + e.TitleIn(r.Lang), Data: EventButtons.Data("v", e.ID)}})
		}
	}
	if len(lines) == 0 {
		return
	}
	if b.Len() > 0 {
		b.WriteString("\n\n")
	}
	b.WriteString(d.T(r, "my.signups_title") + "\n\n" + strings.Join(lines, "\n\n"))
}

// MyAction handles "my:w:<prog>" (ask to confirm), "my:y:<prog>" (withdraw) and "my:n:<prog>" (keep).
func (g *Registrations) MyAction(ctx context.Context, r *Request) {
	d := g.d
	action, args, ok := parse(MyButtons, r)
	if !ok {
		d.Expired(ctx, r)
		return
	}
	id := args[0]
	if _, ok := d.Content.Programme(id); !ok {
		// A programme removed from the content is acted on only where the user has a registration;
		// anything else is a stale or forged button.
		if _, err := d.Store.GetRegistration(ctx, id, r.UserID); err != nil {
			d.Expired(ctx, r)
			return
		}
	}
	p := programmeOrID(d, id)
	d.Answer(ctx, r, "")
	switch action {
	case "w":
		d.Reply(ctx, r, d.T(r, "my.withdraw_confirm", "programme", p.TitleIn(r.Lang)), []outbox.Button{
			{Text: d.T(r, "my.withdraw_yes"), Data: MyButtons.Data("y", p.ID)},
			{Text: d.T(r, "my.withdraw_no"), Data: MyButtons.Data("n", p.ID)},
		})
	case "y":
		promoted, err := d.Store.Withdraw(ctx, p.ID, r.UserID)
		switch {
		case errors.Is(err, store.ErrNotFound):
			d.Edit(ctx, r, d.T(r, "my.withdrawn", "programme", p.TitleIn(r.Lang)))
			return
		case err != nil:
			d.Log.Error("withdraw", "chat_id", r.ChatID, "err", err)
			d.Reply(ctx, r, d.T(r, "error.apology"))
			return
		}
		d.Edit(ctx, r, d.T(r, "my.withdrawn", "programme", p.TitleIn(r.Lang)))
		if promoted != 0 {
			TellPromoted(ctx, d, p.ID, promoted)
		}
	case "n":
		d.Edit(ctx, r, d.T(r, "my.kept"))
	default:
		d.Expired(ctx, r)
	}
}

// TellPromoted tells a waiting-list applicant, in their language, that they now have a place, and the
// programme's staff chat that the list changed. Both go through the notify lane, kept in Redis until sent:
// the person who freed the place is not held up by the promoted person's send budget, and a crash after
// the enqueue does not lose the news. Both are sent once per registration (Once), so a decision handled
// again after a crash, which queues them again, tells nobody twice.
func TellPromoted(ctx context.Context, d Deps, progID string, uid int64) {
	p := programmeOrID(d, progID)
	reg, err := d.Store.GetRegistration(ctx, progID, uid)
	if err != nil {
		return
	}
	u, _ := d.Store.GetUser(ctx, uid)
	lang := ResolveLang(d.Content, u, reg.Lang)
	text := d.Content.T(lang, "reg.promoted", "programme", p.TitleIn(lang), "ref", reg.Ref)
	msgs := []outbox.Message{{ChatID: uid, Text: text, Key: "promoted:" + reg.Ref, Once: true, About: uid}}
	if chat := staffChat(d, p); chat != 0 {
		lang := d.staffLang()
		card := d.Content.T(lang, "staff.promoted", "ref", reg.Ref, "programme", p.TitleIn(lang))
		msgs = append(msgs, outbox.Message{ChatID: chat, Text: card, Key: "promoted:staff:" + reg.Ref, Once: true, About: uid})
	}
	if err := d.Out.Enqueue(ctx, outbox.LaneNotify, msgs...); err != nil {
		d.Log.Error("tell promoted applicant", "chat_id", uid, "err", err)
	}
}

// programmeOrID returns the programme, or for one removed from the content since people registered, a
// stand-in named by its id: their registrations stay visible in /my, can be withdrawn, and promotions are
// still announced.
func programmeOrID(d Deps, id string) *messages.Programme {
	if p, ok := d.Content.Programme(id); ok {
		return p
	}
	return &messages.Programme{ID: id, Title: map[string]string{messages.DefaultLang: id}}
}
