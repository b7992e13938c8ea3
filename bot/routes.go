package bot

import (
	"context"
	"strings"
	"time"

	tg "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/ufo-thanhhoa/huunghi/bot/outbox"
	"github.com/ufo-thanhhoa/huunghi/handlers"
	"github.com/ufo-thanhhoa/huunghi/jobs"
	"github.com/ufo-thanhhoa/huunghi/messages"
)

// This file is the whole surface of the bot: the middleware chain, every command, button and message
// route, the main menu, the deep links and the scheduled jobs. go-telegram/bot tries routes in the order registered; the first
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
	{Label: "menu.faq", Data: "faq:cats"},
	{Label: "menu.programmes", Data: "prog:list"},
	{Label: "menu.staff", Data: "staff:new"},
	{Label: "menu.language", Data: "menu:language"},
	{Label: "menu.mydata", Data: "menu:mydata"},
	{Label: "menu.help", Data: "menu:help"},
}

// commands are published with setMyCommands in every language, in this order.
var commands = []string{"start", "menu", "faq", "my", "staff", "help", "language", "mydata", "forget", "cancel"}

// Commands lists the commands users may be told about (the published ones); content is checked against it.
func Commands() []string { return append([]string(nil), commands...) }

// topicActions are the buttons FAQ answers may carry (label key and callback data), for wired features.
var topicActions = map[string]outbox.Button{
	"staff":      {Text: "action.staff", Data: "staff:ask"},
	"faq":        {Text: "faq.browse", Data: "faq:cats"},
	"programmes": {Text: "menu.programmes", Data: "prog:list"},
}

// schedule lists the jobs every replica schedules (each run happens on one replica; see package jobs).
func (a *App) schedule() []jobs.Job {
	return []jobs.Job{
		jobs.Retention(a.store, a.programmeOpen, a.log),
	}
}

// programmeOpen reports whether a programme in the content takes registrations at t.
func (a *App) programmeOpen(id string, t time.Time) bool {
	p, ok := a.content.Programme(id)
	return ok && p.Status(t) == messages.StatusOpen
}

// HasTopicAction reports whether FAQ answers can show the named action's button in this version (content
// may name actions of features still to come; `check` warns about those).
func HasTopicAction(name string) bool { _, ok := topicActions[name]; return ok }

func (a *App) routes(d handlers.Deps) []route {
	f := handlers.Func
	menu := handlers.Menu(d, menuItems)
	questions := handlers.NewQuestions(d, a.matcher, topicActions)
	regs := handlers.NewRegistrations(d)
	links := map[string]handlers.DeepLink{
		"faq": questions.Topic,
		"reg": regs.Apply,
	}
	flows := map[string]handlers.FlowFunc{
		handlers.FlowHandoff: handlers.HandoffText(d),
		handlers.FlowForm:    regs.FormText,
	}
	mediaFlows := map[string]func(context.Context, *handlers.Request){
		handlers.FlowForm: regs.FormMedia,
	}
	unknown := f(handlers.UnknownCommand(d))
	staff := func(h func(context.Context, *handlers.Request)) tg.HandlerFunc { return a.staffOnly(f(h), unknown) }
	return []route{
		{"/start", a.command("start"), f(handlers.Start(d, menu, links))},
		{"/menu", a.command("menu"), f(handlers.MenuCommand(d, menu))},
		{"/help", a.command("help"), f(handlers.Help(d))},
		{"/language", a.command("language"), f(handlers.Language(d))},
		{"/mydata", a.command("mydata"), f(handlers.MyData(d))},
		{"/forget", a.command("forget"), f(handlers.Forget(d))},
		{"/cancel", a.command("cancel"), f(handlers.Cancel(d))},
		{"/faq", a.command("faq"), f(questions.Browse)},
		{"/my", a.command("my"), f(regs.My)},
		{"/programmes (staff)", a.command("programmes"), staff(regs.Programmes)},
		{"/export (staff)", a.command("export"), staff(regs.Export)},
		{"prog:list", callback("prog:list"), f(regs.List)},
		{"prog:", callback("prog:"), f(regs.Programme)},
		{"form:", callback("form:"), f(regs.Form)},
		{"my:", callback("my:"), f(regs.MyAction)},
		{"/reply (staff)", a.command("reply"), staff(handlers.Reply(d))},
		{"/unanswered (staff)", a.command("unanswered"), staff(handlers.Unanswered(d))},
		{"faq:", callback("faq:"), f(questions.Browse)},
		{"staff:ask", callback("staff:ask"), f(handlers.AskStaff(d))},
		{"/staff", a.command("staff"), f(handlers.TalkToStaff(d))},
		{"staff:new", callback("staff:new"), f(handlers.TalkToStaff(d))},
		{"menu:language", callback("menu:language"), f(handlers.Language(d))},
		{"menu:mydata", callback("menu:mydata"), f(handlers.MyData(d))},
		{"menu:help", callback("menu:help"), f(handlers.Help(d))},
		{"menu:", callback("menu:"), f(handlers.MenuCommand(d, menu))},
		{"lang:", callback("lang:"), f(handlers.LanguageChosen(d, menu))},
		{"aud:", callback("aud:"), f(handlers.AudienceChosen(d, menu))},
		{"mydata:", callback("mydata:"), f(handlers.MyDataAction(d))},
		{"forget:", callback("forget:"), f(handlers.Forget(d))},
		{"unknown command", a.anyCommand, unknown},
		{"edited", edited, f(handlers.Unsupported(d))},
		{"media", media, f(handlers.Media(d, mediaFlows, handlers.Unsupported(d)))},
		{"text", privateText, f(handlers.Text(d, flows, questions.Ask))},
		{"stale button", isCallback, f(handlers.ExpiredButton(d))},
		{"blocked / unblocked", isMemberChange, f(handlers.MemberChanged(d))},
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

// isMemberChange matches my_chat_member: a user blocked or unblocked the bot (private chats only reach
// the routes; see addressed).
func isMemberChange(u *models.Update) bool { return u.MyChatMember != nil }
