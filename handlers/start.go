package handlers

import (
	"context"
	"strings"

	"github.com/go-telegram/bot/models"

	"github.com/ufo-thanhhoa/huunghi/bot/outbox"
)

// DeepLink opens a feature from a `t.me/<bot>?start=<prefix>_<arg>` link (posters, QR codes).
type DeepLink func(ctx context.Context, r *Request, arg string)

// Start handles /start: a greeting in the user's language, two lines on what the bot does, and the menu.
// On first contact with an undecided language it offers the picker; then it asks who the user is, so that
// programmes and answers fit. "/start <prefix>_<arg>" (or "/start <prefix>") is routed to the deep link registered for prefix.
func Start(d Deps, menu MenuFunc, links map[string]DeepLink) func(ctx context.Context, r *Request) {
	return func(ctx context.Context, r *Request) {
		if prefix, arg, _ := strings.Cut(r.Args, "_"); ValidPayload(r.Args) {
			if link, ok := links[prefix]; ok {
				link(ctx, r, arg)
				return
			}
		}
		name := r.FirstName
		if name == "" {
			name = "👋"
		}
		d.Reply(ctx, r, d.T(r, "start.greeting", "name", name)+"\n\n"+d.T(r, "start.intro"))
		switch {
		case Undecided(r.User, languageCode(r)):
			d.Reply(ctx, r, d.T(r, "start.first_language"), LanguagePicker(d, r)...)
		case r.User.Audience == "":
			AskAudience(d, ctx, r)
		default:
			menu(ctx, r, false)
		}
	}
}

// ValidPayload checks a deep-link payload as Telegram allows it: up to 64 characters of A-Za-z0-9_-.
func ValidPayload(p string) bool {
	if p == "" || len(p) > 64 {
		return false
	}
	for _, c := range p {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// SenderOf is the user an update comes from: nil for updates without one (channel posts).
func SenderOf(u *models.Update) *models.User {
	switch {
	case u.Message != nil:
		return u.Message.From
	case u.EditedMessage != nil:
		return u.EditedMessage.From
	case u.CallbackQuery != nil:
		return &u.CallbackQuery.From
	case u.MyChatMember != nil:
		return &u.MyChatMember.From
	}
	return nil
}

// AskAudience asks whether the user is a student, a member of the diaspora or other.
func AskAudience(d Deps, ctx context.Context, r *Request) {
	d.Reply(ctx, r, d.T(r, "audience.ask"), audienceButtons(d, r)...)
}

func audienceButtons(d Deps, r *Request) [][]outbox.Button {
	var rows [][]outbox.Button
	for _, a := range audiences {
		rows = append(rows, []outbox.Button{{Text: d.T(r, "audience."+a), Data: AudienceButtons.Data("", a)}})
	}
	return rows
}
