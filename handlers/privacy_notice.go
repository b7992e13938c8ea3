package handlers

import (
	"context"
	"strconv"
	"time"

	"github.com/ufo-thanhhoa/huunghi/bot/outbox"
	"github.com/ufo-thanhhoa/huunghi/bot/store"
)

// Retention is what /privacy and /mydata state about how long data is kept: the configured figures
// (RETAIN_*, the store's) and the fixed ones of registrations and sign-ups (package jobs), given by the
// routing table so that the notice says exactly what the store and the jobs do — no figure is written in
// the texts.
type Retention struct {
	store.Retention
	RegistrationMonths int // registrations are kept at most this long (jobs.KeepRegistrationsMonths)
	SignupDays         int // sign-ups are deleted this long after their event (jobs.KeepSignupsDays)
}

// Privacy handles /privacy and the "privacy:show" button: the notice of who keeps what, for how long, what
// is never kept, and how to see and delete it. It contains no personal data, so it answers in groups too.
// A tap answers the callback and sends the notice anew: whatever the button was under (a form waiting for
// consent) is left where it was, and the user continues there.
func Privacy(d Deps, ret Retention) func(ctx context.Context, r *Request) {
	return func(ctx context.Context, r *Request) {
		if r.Update.CallbackQuery != nil {
			if _, _, ok := parse(PrivacyButtons, r); !ok {
				d.Expired(ctx, r)
				return
			}
		}
		d.Answer(ctx, r, "")
		d.Reply(ctx, r, privacyText(d, r, ret))
	}
}

// privacyText is the notice in the request's language with the configured figures and the Union's contacts.
func privacyText(d Deps, r *Request, ret Retention) string {
	return d.T(r, "privacy.text",
		"address", d.Content.Contact("office_address", r.Lang),
		"phone", d.Content.Contact("office_phone", r.Lang),
		"email", d.Content.Contact("office_email", r.Lang),
		"inactive", duration(d, r, ret.InactiveUsers),
		"sessions", duration(d, r, ret.Sessions),
		"questions", duration(d, r, ret.Questions),
		"handoff", duration(d, r, ret.Handoff),
		"idle", duration(d, r, store.ConversationIdle),
		"registrations", d.T(r, "privacy.months", "n", strconv.Itoa(ret.RegistrationMonths)),
		"signups", duration(d, r, time.Duration(ret.SignupDays)*24*time.Hour))
}

// duration writes a retention in whole days, or in hours when it is not whole days (RETAIN_SESSIONS=36h).
func duration(d Deps, r *Request, v time.Duration) string {
	const day = 24 * time.Hour
	switch {
	case v == day:
		return d.T(r, "privacy.day")
	case v%day == 0:
		return d.T(r, "privacy.days", "n", strconv.Itoa(int(v/day)))
	case v == time.Hour:
		return d.T(r, "privacy.hour")
	default:
		return d.T(r, "privacy.hours", "n", strconv.Itoa(int(v.Round(time.Hour)/time.Hour)))
	}
}

// privacyButton is the button that opens the notice.
func privacyButton(d Deps, r *Request) outbox.Button {
	return outbox.Button{Text: d.T(r, "privacy.button"), Data: PrivacyButtons.Data("show")}
}
