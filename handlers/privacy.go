package handlers

import (
	"context"
	"strconv"
	"time"

	"github.com/ufo-thanhhoa/huunghi/bot/outbox"
	"github.com/ufo-thanhhoa/huunghi/bot/store"
)

// audiences in the order they are offered.
var audiences = [...]string{store.AudienceStudent, store.AudienceDiaspora, store.AudienceOther}

// AudienceChosen handles "aud:<audience>".
func AudienceChosen(d Deps, menu MenuFunc) func(ctx context.Context, r *Request) {
	return func(ctx context.Context, r *Request) {
		_, a := CallbackData(r.Update)
		valid := false
		for _, x := range audiences {
			valid = valid || x == a
		}
		if !valid {
			d.Expired(ctx, r)
			return
		}
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

// MyData handles /mydata and the menu button: it shows everything kept about the user, why, and how to
// delete it.
func MyData(d Deps) func(ctx context.Context, r *Request) {
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
		questions := "0"
		if n, err := d.Store.UnansweredCount(ctx, r.UserID); err != nil {
			d.Log.Warn("mydata: unanswered", "chat_id", r.ChatID, "err", err)
		} else {
			questions = strconv.FormatInt(n, 10)
		}
		text := d.T(r, "mydata.text",
			"registrations", regsLine,
			"questions", d.T(r, "mydata.questions", "count", questions),
			"id", strconv.FormatInt(u.ID, 10),
			"lang", d.Content.T(r.Lang, "lang.name"),
			"source", d.T(r, source),
			"audience", audience,
			"first", u.FirstSeen.UTC().Format(time.DateOnly),
			"last", u.LastSeen.UTC().Format(time.DateOnly))
		d.Reply(ctx, r, text,
			[]outbox.Button{{Text: d.T(r, "mydata.change_audience"), Data: "mydata:audience"}},
			[]outbox.Button{{Text: d.T(r, "mydata.forget"), Data: "forget:ask"}})
	}
}

// MyDataAction handles "mydata:audience".
func MyDataAction(d Deps) func(ctx context.Context, r *Request) {
	return func(ctx context.Context, r *Request) {
		if _, arg := CallbackData(r.Update); arg != "audience" {
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
		_, arg := CallbackData(r.Update)
		switch {
		case r.Update.CallbackQuery == nil || arg == "ask":
			d.Answer(ctx, r, "")
			d.Reply(ctx, r, d.T(r, "forget.confirm"), []outbox.Button{
				{Text: d.T(r, "forget.yes"), Data: "forget:yes"},
				{Text: d.T(r, "forget.no"), Data: "forget:no"},
			})
		case arg == "yes":
			promoted, err := d.Store.ForgetUser(ctx, r.UserID)
			for _, p := range promoted {
				TellPromoted(ctx, d, p.Programme, p.UserID)
			}
			if _, qerr := d.Out.Forget(ctx, r.UserID); err == nil {
				err = qerr
			}
			if err != nil {
				d.Log.Error("forget user", "chat_id", r.ChatID, "err", err)
				d.Answer(ctx, r, d.T(r, "error.apology"))
				return
			}
			d.Answer(ctx, r, "")
			d.Edit(ctx, r, d.T(r, "forget.done"))
		case arg == "no":
			d.Answer(ctx, r, "")
			d.Edit(ctx, r, d.T(r, "forget.kept"))
		default:
			d.Expired(ctx, r)
		}
	}
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
