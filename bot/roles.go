package bot

import (
	"context"
	"slices"
	"strings"

	tg "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/ufo-thanhhoa/huunghi/handlers"
	"github.com/ufo-thanhhoa/huunghi/messages"
)

// Roles: admins are STAFF_IDS, staff are who the admins add with /team (bot/store/staff.go). The role is
// resolved once per update (resolve, middleware.go); routes declare the role they need (staffDesk,
// adminDesk in routes.go). This file reads the staff surface out of the routing table, for the command
// menus published to staff alone and for the tests that try it as someone who is not staff.

// DeskRoute is a route of the routing table that needs a role, as its name spells its trigger: a route
// named "/reply (staff)" is the command /reply, one named "sev: (staff)" the buttons whose data starts
// with "sev:".
type DeskRoute struct {
	Name string
	// Command is the command without "/", or Data the callback data (a prefix when it ends in ':').
	Command, Data string
	// Admin is set for adminDesk routes.
	Admin bool
	// Reply is set for a route named "reply …": staff's replies to the bot's messages, which a matcher
	// recognises by who writes (staff only), so that a group member's reply is dropped before anything is
	// stored about them.
	Reply bool
	// Named is false when the route does not match what its name spells: the name must be fixed, or the
	// route would be missing from staff's command menus and from the tests of refusals.
	Named bool
}

// DeskRoutes lists the routes of the routing table that need a role, in its order.
func (a *App) DeskRoutes() []DeskRoute { return slices.Clone(a.desk) }

// deskRoutes reads the desk routes of a routing table.
func deskRoutes(table []route) []DeskRoute {
	var out []DeskRoute
	for _, r := range table {
		if r.where != staffDesk && r.where != adminDesk {
			continue
		}
		d := DeskRoute{Name: r.name, Admin: r.where == adminDesk}
		trigger, _, _ := strings.Cut(r.name, " ")
		probe := &models.Update{}
		from := &models.User{ID: 1}
		if trigger == "reply" {
			d.Reply, d.Named = true, true
			out = append(out, d)
			continue
		}
		if cmd, ok := strings.CutPrefix(trigger, "/"); ok {
			d.Command = cmd
			probe.Message = &models.Message{From: from, Chat: models.Chat{ID: 1, Type: models.ChatTypePrivate}, Text: trigger}
		} else {
			d.Data = trigger
			probe.CallbackQuery = &models.CallbackQuery{From: *from, Data: trigger}
		}
		d.Named = trigger != "" && r.match(probe)
		out = append(out, d)
	}
	return out
}

// deskCommands are the commands of the desk routes for a role, in the table's order: staff get the staff
// commands, admins those and the admin ones.
func (a *App) deskCommands(role handlers.Role) []string {
	var out []string
	for _, d := range a.desk {
		if d.Named && d.Command != "" && (!d.Admin || role == handlers.RoleAdmin) && !slices.Contains(out, d.Command) {
			out = append(out, d.Command)
		}
	}
	return out
}

// botCommands is a command menu in lang; commands without a description ("cmd.<name>") are left out,
// with a warning, rather than published with their key as text.
func (a *App) botCommands(lang string, names []string) []models.BotCommand {
	out := make([]models.BotCommand, 0, len(names))
	for _, c := range names {
		key := "cmd." + c
		desc := a.content.T(lang, key)
		if desc == key {
			a.log.Warn("command without a description", "command", c)
			continue
		}
		out = append(out, models.BotCommand{Command: c, Description: desc})
	}
	return out
}

// publishStaffMenus publishes at start the command menus of every admin's and staff member's private chat
// and of the staff chats: the default menu (publishCommands) is everyone's, and staff commands must not be
// offered to people who would only be told they are unknown.
func (a *App) publishStaffMenus(ctx context.Context) {
	uids := make([]int64, 0, len(a.cfg.StaffIDs))
	for uid := range a.cfg.StaffIDs {
		uids = append(uids, uid)
	}
	staff, err := a.store.Staff(ctx)
	if err != nil {
		a.log.Warn("staff menus: list staff", "err", err)
	}
	for _, m := range staff {
		uids = append(uids, m.UserID)
	}
	slices.Sort(uids)
	for _, uid := range slices.Compact(uids) {
		a.refreshMenu(ctx, uid)
	}
	chats := []int64{}
	if a.cfg.StaffChatID != 0 {
		chats = append(chats, a.cfg.StaffChatID)
	}
	for _, p := range a.content.Programmes {
		if p.StaffChat != 0 && !slices.Contains(chats, p.StaffChat) {
			chats = append(chats, p.StaffChat)
		}
	}
	// Everyone in a staff chat sees its menu, so it holds the staff commands only (not /team), in the
	// staff chat's language.
	for _, chat := range chats {
		_, err := a.api.SetMyCommands(ctx, &tg.SetMyCommandsParams{
			Commands: a.botCommands(a.cfg.StaffLang, a.deskCommands(handlers.RoleStaff)),
			Scope:    &models.BotCommandScopeChat{ChatID: chat},
		})
		if err != nil {
			a.log.Warn("setMyCommands", "chat_id", chat, "err", err)
		}
	}
}

// commandMenus are the staff's command menus for /team (handlers.CommandMenus).
type commandMenus struct{ a *App }

func (m commandMenus) Refresh(ctx context.Context, uid int64) { m.a.refreshMenu(ctx, uid) }

// refreshMenu publishes the command menu of uid's private chat for the role they have now: the users'
// commands and the staff (and admin) ones, in the language they are answered in; or deletes it when they
// are not staff, so that the default menu shows again. The menu is published with no language_code: in a
// private chat there is one reader, and a Lao student's Telegram often runs in English or Thai, so it must
// not depend on the app's language.
func (a *App) refreshMenu(ctx context.Context, uid int64) {
	role, _ := a.role(ctx, uid)
	scope := &models.BotCommandScopeChat{ChatID: uid}
	if role == handlers.RoleNone {
		if _, err := a.api.DeleteMyCommands(ctx, &tg.DeleteMyCommandsParams{Scope: scope}); err != nil {
			a.log.Warn("deleteMyCommands", "chat_id", uid, "err", err)
		}
		return
	}
	lang := messages.DefaultLang
	if u, err := a.store.GetUser(ctx, uid); err == nil {
		lang = handlers.ResolveLang(a.content, u, "")
	}
	names := append(slices.Clone(commands), a.deskCommands(role)...)
	if _, err := a.api.SetMyCommands(ctx, &tg.SetMyCommandsParams{Commands: a.botCommands(lang, names), Scope: scope}); err != nil {
		a.log.Warn("setMyCommands", "chat_id", uid, "err", err)
	}
}

// withMenu publishes a staff member's command menu again after h, which may have changed the language
// they are answered in and so the one their menu is written in.
func (a *App) withMenu(h tg.HandlerFunc) tg.HandlerFunc {
	return func(ctx context.Context, b *tg.Bot, u *models.Update) {
		h(ctx, b, u)
		if r := handlers.RequestFrom(ctx); r.IsStaff() {
			a.refreshMenu(ctx, r.UserID)
		}
	}
}
