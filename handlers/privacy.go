package handlers

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ufo-thanhhoa/huunghi/bot/outbox"
	"github.com/ufo-thanhhoa/huunghi/bot/store"
)

// audiences in the order they are offered.
var audiences = [...]string{store.AudienceStudent, store.AudienceDiaspora, store.AudienceOther}

// AudienceChosen handles "aud:<audience>".
func AudienceChosen(d Deps, menu MenuFunc) func(ctx context.Context, r *Request) {
	return func(ctx context.Context, r *Request) {
		_, args, ok := parse(AudienceButtons, r)
		if !ok || !slices.Contains(audiences[:], args[0]) {
			d.Expired(ctx, r)
			return
		}
		a := args[0]
		if err := d.Store.SetAudience(ctx, r.UserID, a); err != nil {
			d.Log.Error("set audience", "chat_id", r.ChatID, "err", err)
			d.Answer(ctx, r, d.T(r, "error.apology"))
			return
		}
		r.User.Audience = a
		d.Answer(ctx, r, "")
		d.Edit(ctx, r, d.T(r, "audience.saved"))
		menu(ctx, r, false)
	}
}

// MyData handles /mydata and the menu button: it shows everything kept about the user, why, for how long
// (ret, the configured retention), and how to delete it.
func MyData(d Deps, ret Retention) func(ctx context.Context, r *Request) {
	return func(ctx context.Context, r *Request) {
		d.Answer(ctx, r, "")
		u := r.User
		source := "mydata.source.telegram"
		if u.LangSource != "" {
			source = "mydata.source." + u.LangSource
		}
		audience := d.T(r, "mydata.unknown")
		if u.Audience != "" {
			audience = d.T(r, "audience."+u.Audience)
		}
		regsLine := d.T(r, "mydata.no_registrations")
		if regs, err := d.Store.UserRegistrations(ctx, r.UserID); err != nil {
			d.Log.Warn("mydata: registrations", "chat_id", r.ChatID, "err", err)
		} else if n := activeRegistrations(regs); n > 0 {
			regsLine = d.T(r, "mydata.registrations", "count", strconv.Itoa(n))
		}
		regsLine += "\n" + signupsLine(ctx, d, r)
		regsLine += "\n" + announcementsLine(ctx, d, r)
		if r.Role == RoleStaff { // kept in hn:staff by an admin's decision; admins are configuration
			scope := d.T(r, "team.scope_all")
			if r.Scope != nil {
				scope = strings.Join(r.Scope, ", ")
			}
			regsLine += "\n" + d.T(r, "mydata.staff", "scope", scope)
		}
		if c, err := d.Store.Conversation(ctx, r.UserID); err == nil && c.Open {
			regsLine += "\n" + d.T(r, "mydata.conversation")
		}
		questions := "0"
		if n, err := d.Store.UnansweredCount(ctx, r.UserID); err != nil {
			d.Log.Warn("mydata: unanswered", "chat_id", r.ChatID, "err", err)
		} else {
			questions = strconv.FormatInt(n, 10)
		}
		text := d.T(r, "mydata.text",
			"registrations", regsLine,
			"questions", d.T(r, "mydata.questions", "count", questions, "days", duration(d, r, ret.Questions)),
			"id", strconv.FormatInt(u.ID, 10),
			"lang", d.Content.T(r.Lang, "lang.name"),
			"source", d.T(r, source),
			"audience", audience,
			"first", u.FirstSeen.UTC().Format(time.DateOnly),
			"last", u.LastSeen.UTC().Format(time.DateOnly),
			"inactive", duration(d, r, ret.InactiveUsers),
			"questions_kept", duration(d, r, ret.Questions))
		d.Reply(ctx, r, text,
			[]outbox.Button{{Text: d.T(r, "mydata.change_audience"), Data: MyDataButtons.Data("audience")}},
			[]outbox.Button{privacyButton(d, r)},
			[]outbox.Button{{Text: d.T(r, "mydata.forget"), Data: ForgetButtons.Data("ask")}})
	}
}

// MyDataAction handles "mydata:audience".
func MyDataAction(d Deps) func(ctx context.Context, r *Request) {
	return func(ctx context.Context, r *Request) {
		if _, _, ok := parse(MyDataButtons, r); !ok {
			d.Expired(ctx, r)
			return
		}
		d.Answer(ctx, r, "")
		AskAudience(d, ctx, r)
	}
}

// Forget handles /forget and "forget:ask|yes|no": deletion needs one confirming tap.
func Forget(d Deps) func(ctx context.Context, r *Request) {
	return func(ctx context.Context, r *Request) {
		verb, _, ok := parse(ForgetButtons, r)
		switch {
		case r.Update.CallbackQuery == nil || ok && verb == "ask":
			d.Answer(ctx, r, "")
			d.Reply(ctx, r, d.T(r, "forget.confirm"), []outbox.Button{
				{Text: d.T(r, "forget.yes"), Data: ForgetButtons.Data("yes")},
				{Text: d.T(r, "forget.no"), Data: ForgetButtons.Data("no")},
			})
		case ok && verb == "yes":
			if err := ForgetUser(ctx, d, r.UserID); err != nil {
				d.Log.Error("forget user", "chat_id", r.ChatID, "err", err)
				d.Answer(ctx, r, d.T(r, "error.apology"))
				return
			}
			d.Answer(ctx, r, "")
			d.Edit(ctx, r, d.T(r, "forget.done"))
		case ok && verb == "no":
			d.Answer(ctx, r, "")
			d.Edit(ctx, r, d.T(r, "forget.kept"))
		default:
			d.Expired(ctx, r)
		}
	}
}

// ForgetUser deletes everything kept about the user, as /forget promises: the store's part, the messages
// about them still queued, and the places they held passed on, whose new holders are told. The nightly
// deletion of inactive users (jobs.InactiveUsers) calls it too, so both mean the same.
func ForgetUser(ctx context.Context, d Deps, uid int64) error {
	promoted, err := d.Store.ForgetUser(ctx, uid)
	for _, p := range promoted {
		if !p.Event {
			TellPromoted(ctx, d, p.Programme, p.UserID)
		} else if perr := d.Events.Promoted(ctx, p.Programme, p.UserID); perr != nil {
			d.Log.Warn("tell promoted attendee", "chat_id", p.UserID, "err", perr)
		}
	}
	if _, qerr := d.Out.Forget(ctx, uid); err == nil {
		err = qerr
	}
	return err
}

// signupsLine is /mydata's line on event sign-ups and reminder settings.
func signupsLine(ctx context.Context, d Deps, r *Request) string {
	sups, err := d.Store.UserSignups(ctx, r.UserID)
	if err != nil {
		d.Log.Warn("mydata: sign-ups", "chat_id", r.ChatID, "err", err)
	}
	prefs, err := d.Store.ReminderPrefs(ctx, r.UserID)
	if err != nil {
		d.Log.Warn("mydata: reminder settings", "chat_id", r.ChatID, "err", err)
	}
	reminders := d.T(r, "mydata.reminders_on")
	if prefs.AllOff {
		reminders = d.T(r, "mydata.reminders_all_off")
	} else if len(prefs.Off) > 0 {
		reminders = d.T(r, "mydata.reminders_some_off", "count", strconv.Itoa(len(prefs.Off)))
	}
	if n := activeRegistrations(sups); n > 0 {
		return d.T(r, "mydata.signups", "count", strconv.Itoa(n), "reminders", reminders)
	}
	return d.T(r, "mydata.no_signups", "reminders", reminders)
}

// activeRegistrations counts the registrations that are registered or waiting (a withdrawn one keeps no
// answers).
func activeRegistrations(regs []store.Registration) int {
	n := 0
	for _, r := range regs {
		if r.Status != store.StatusWithdrawn {
			n++
		}
	}
	return n
}
