package bot

import (
	"strings"

	tg "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/ufo-thanhhoa/huunghi/handlers"
)

// This file is the whole surface of the bot: the middleware chain, every command, button and message
// route, the main menu and the deep links. go-telegram/bot tries routes in the order registered; the first
// match handles the update.

// middleware returns the chain every update passes, outermost first.
func (a *App) middleware() []tg.Middleware {
	return []tg.Middleware{a.addressed, a.recoverer, a.observe, a.dedupe, a.resolve, a.flood}
}

// route is one line of the routing table.
type route struct {
	name    string
	match   tg.MatchFunc
	handler tg.HandlerFunc
}

// menuItems is the main menu: only features that work are listed.
var menuItems = []handlers.MenuItem{
	{Label: "menu.language", Data: "menu:language"},
	{Label: "menu.mydata", Data: "menu:mydata"},
	{Label: "menu.help", Data: "menu:help"},
}

// commands are published with setMyCommands in every language, in this order.
var commands = []string{"start", "menu", "help", "language", "mydata", "forget", "cancel"}

func (a *App) routes(d handlers.Deps) []route {
	menu := handlers.Menu(d, menuItems)
	links := map[string]handlers.DeepLink{}
	f := handlers.Func
	return []route{
		{"/start", a.command("start"), f(handlers.Start(d, menu, links))},
		{"/menu", a.command("menu"), f(handlers.MenuCommand(d, menu))},
		{"/help", a.command("help"), f(handlers.Help(d))},
		{"/language", a.command("language"), f(handlers.Language(d))},
		{"/mydata", a.command("mydata"), f(handlers.MyData(d))},
		{"/forget", a.command("forget"), f(handlers.Forget(d))},
		{"/cancel", a.command("cancel"), f(handlers.Cancel(d))},
		{"menu:language", callback("menu:language"), f(handlers.Language(d))},
		{"menu:mydata", callback("menu:mydata"), f(handlers.MyData(d))},
		{"menu:help", callback("menu:help"), f(handlers.Help(d))},
		{"menu:", callback("menu:"), f(handlers.MenuCommand(d, menu))},
		{"lang:", callback("lang:"), f(handlers.LanguageChosen(d, menu))},
		{"aud:", callback("aud:"), f(handlers.AudienceChosen(d, menu))},
		{"mydata:", callback("mydata:"), f(handlers.MyDataAction(d))},
		{"forget:", callback("forget:"), f(handlers.Forget(d))},
		{"unknown command", a.anyCommand, f(handlers.UnknownCommand(d))},
		{"edited", edited, f(handlers.Unsupported(d))},
		{"media", media, f(handlers.Unsupported(d))},
		{"text", privateText, f(handlers.UnknownText(d))},
		{"stale button", isCallback, f(handlers.ExpiredButton(d))},
	}
}

// command matches "/name" addressed to the bot (see handlers.ParseCommand).
func (a *App) command(name string) tg.MatchFunc {
	return func(u *models.Update) bool {
		if u.Message == nil {
			return false
		}
		cmd, _, ok := handlers.ParseCommand(u.Message.Text, a.username, u.Message.Chat.Type == models.ChatTypePrivate)
		return ok && cmd == name
	}
}

func (a *App) anyCommand(u *models.Update) bool {
	if u.Message == nil {
		return false
	}
	_, _, ok := handlers.ParseCommand(u.Message.Text, a.username, u.Message.Chat.Type == models.ChatTypePrivate)
	return ok
}

// callback matches button data equal to data, or starting with it when data ends in ':'.
func callback(data string) tg.MatchFunc {
	return func(u *models.Update) bool {
		if u.CallbackQuery == nil {
			return false
		}
		if strings.HasSuffix(data, ":") {
			return strings.HasPrefix(u.CallbackQuery.Data, data)
		}
		return u.CallbackQuery.Data == data
	}
}

func isCallback(u *models.Update) bool { return u.CallbackQuery != nil }
func edited(u *models.Update) bool     { return u.EditedMessage != nil }

func media(u *models.Update) bool {
	return u.Message != nil && u.Message.Text == "" && u.Message.Chat.Type == models.ChatTypePrivate
}

func privateText(u *models.Update) bool {
	return u.Message != nil && u.Message.Text != "" && u.Message.Chat.Type == models.ChatTypePrivate
}
