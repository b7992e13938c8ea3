package handlers

import (
	"context"

	"github.com/ufo-thanhhoa/huunghi/bot/outbox"
)

// MenuItem is one entry of the main menu: a UI string key for its label and the callback data it sends.
// The list lives in bot/routes.go, so the menu shows exactly the features that are wired.
type MenuItem struct {
	Label string
	Data  string
}

// MenuFunc shows the main menu; edit replaces the message a button was pressed on.
type MenuFunc func(ctx context.Context, r *Request, edit bool)

// Menu returns the function that shows the main menu, two buttons a row.
func Menu(d Deps, items []MenuItem) MenuFunc {
	return func(ctx context.Context, r *Request, edit bool) {
		var rows [][]outbox.Button
		for i, it := range items {
			b := outbox.Button{Text: d.T(r, it.Label), Data: it.Data}
			if i%2 == 0 {
				rows = append(rows, []outbox.Button{b})
			} else {
				rows[len(rows)-1] = append(rows[len(rows)-1], b)
			}
		}
		if edit {
			d.Edit(ctx, r, d.T(r, "menu.title"), rows...)
			return
		}
		d.Reply(ctx, r, d.T(r, "menu.title"), rows...)
	}
}

// MenuCommand handles /menu and the "menu:" button.
func MenuCommand(d Deps, menu MenuFunc) func(ctx context.Context, r *Request) {
	return func(ctx context.Context, r *Request) {
		d.Answer(ctx, r, "")
		menu(ctx, r, false)
	}
}

// Help handles /help and the menu's Help. Staff also see their commands where only staff read the
// answer: in a private chat or a staff chat, never in another group.
func Help(d Deps) func(ctx context.Context, r *Request) {
	return func(ctx context.Context, r *Request) {
		d.Answer(ctx, r, "")
		text := d.T(r, "help.text")
		if r.IsStaff() && (r.Private || IsStaffChat(d.Content, d.StaffChatID, r.ChatID)) {
			text += "\n\n" + d.T(r, "help.staff")
			if r.Role == RoleAdmin && r.Private { // a staff chat's other readers may not use /team
				text += "\n\n" + d.T(r, "help.admin")
			}
		}
		d.Reply(ctx, r, text)
	}
}

// Cancel handles /cancel: it leaves whatever flow the user is in.
func Cancel(d Deps) func(ctx context.Context, r *Request) {
	return func(ctx context.Context, r *Request) {
		if _, err := d.Store.GetSession(ctx, r.UserID); err != nil {
			d.Reply(ctx, r, d.T(r, "cancel.nothing"))
			return
		}
		if err := d.Store.ClearSession(ctx, r.UserID); err != nil {
			d.Log.Error("clear session", "chat_id", r.ChatID, "err", err)
			d.Reply(ctx, r, d.T(r, "error.apology"))
			return
		}
		d.send(ctx, outbox.Message{ChatID: r.ChatID, Text: d.T(r, "cancel.done"), RemoveKeyboard: true})
	}
}
