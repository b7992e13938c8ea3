package bot

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	tg "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/ufo-thanhhoa/huunghi/bot/broadcast"
	"github.com/ufo-thanhhoa/huunghi/bot/events"
	"github.com/ufo-thanhhoa/huunghi/bot/outbox"
	"github.com/ufo-thanhhoa/huunghi/handlers"
	"github.com/ufo-thanhhoa/huunghi/handlers/forms"
	"github.com/ufo-thanhhoa/huunghi/jobs"
	"github.com/ufo-thanhhoa/huunghi/messages"
)

// This file is the whole surface of the bot: the middleware chain, every command, button and message
// route, the main menu, the deep links and the scheduled jobs. go-telegram/bot tries routes in the order registered; the first
// match handles the update.

// middleware returns the chain every update passes, outermost first.
func (a *App) middleware() []tg.Middleware {
	return []tg.Middleware{a.addressed, a.recoverer, a.observe, a.resolve, a.flood}
}

// scope says where a route answers. Personal features answer in private chats only, so that a group never
// sees someone's data (a forgotten "/mydata@bot" in a group would post it there); staff features answer only
// to staff, in a private chat or a staff chat.
type scope int

const (
	// anywhere: public content (help, FAQ browsing), in private chats and groups alike.
	anywhere scope = iota
	// private: someone's data, settings or forms. Elsewhere the bot says "write to me privately" with a
	// deep link that opens the same thing in the private chat.
	private
	// staffDesk: the staff role needed (staff an admin added with /team, and admins). Others get the answer
	// to an unknown command or button, as if it did not exist; staff in a group that is not a staff chat
	// are asked to write privately.
	staffDesk
	// adminDesk: admins only (STAFF_IDS), for managing the staff. Everyone else, staff included, gets the
	// unknown answer, as for staffDesk.
	adminDesk
)

// route is one line of the routing table.
type route struct {
	name  string
	match tg.MatchFunc
	where scope
	// link is the deep-link payload (t.me/<bot>?start=<link>) that opens a private route in the private
	// chat; nil opens the chat at its start.
	link    func(r *handlers.Request) string
	handler tg.HandlerFunc
}

// to is a constant deep link.
func to(payload string) func(*handlers.Request) string {
	return func(*handlers.Request) string { return payload }
}

// menuItems is the main menu: only features that work are listed.
var menuItems = []handlers.MenuItem{
	{Label: "menu.faq", Data: handlers.FAQButtons.Data("cats")},
	{Label: "menu.programmes", Data: handlers.ProgrammeButtons.Data("list")},
	{Label: "menu.events", Data: handlers.EventButtons.Data("list", "0")},
	{Label: "menu.staff", Data: handlers.StaffButtons.Data("new")},
	{Label: "menu.language", Data: handlers.MenuButtons.Data("language")},
	{Label: "menu.mydata", Data: handlers.MenuButtons.Data("mydata")},
	{Label: "menu.settings", Data: handlers.MenuButtons.Data("settings")},
	{Label: "menu.help", Data: handlers.MenuButtons.Data("help")},
}

// commands are published with setMyCommands in every language, in this order.
var commands = []string{"start", "menu", "faq", "events", "my", "reminders", "settings", "staff", "help", "language", "mydata", "privacy", "forget", "cancel"}

// Commands lists the commands users may be told about (the published ones); content is checked against it.
func Commands() []string { return append([]string(nil), commands...) }

// topicActions are the buttons FAQ answers may carry (label key and callback data), for wired features.
var topicActions = map[string]outbox.Button{
	"staff":      {Text: "action.staff", Data: handlers.StaffButtons.Data("ask")},
	"faq":        {Text: "faq.browse", Data: handlers.FAQButtons.Data("cats")},
	"programmes": {Text: "menu.programmes", Data: handlers.ProgrammeButtons.Data("list")},
	"events":     {Text: "menu.events", Data: handlers.EventButtons.Data("list", "0")},
}

// schedule lists the jobs every replica schedules (each run happens on one replica; see package jobs).
func (a *App) schedule() []jobs.Job {
	return []jobs.Job{
		jobs.Retention(a.store, a.programmeOpen, a.log),
		jobs.Events(a.events, a.log),
		jobs.SignupRetention(a.store, a.endedEvents, a.log),
		jobs.Reminders(a.store, string(outbox.LaneReminder), a.now, a.log),
		jobs.Sessions(a.store, a.store.Retention().Sessions, formProgramme, a.programmeOpen, a.log),
		jobs.InactiveUsers(a.store, a.store.Retention().InactiveUsers, a.forget, a.log),
		jobs.Questions(a.store, a.store.Retention().Questions, a.log),
		jobs.Handoff(a.store, a.store.Retention().Handoff, a.log),
		jobs.Digest(jobs.DigestConfig{
			Chat: a.cfg.StaffChatID, Lang: a.cfg.StaffLang, Location: a.cfg.Location, Content: a.content,
			Out: staffNotices{a.out}, Log: a.log,
			Sections: []jobs.DigestSection{
				jobs.RegistrationsSection(a.store, a.content),
				a.signupsSection,
				jobs.UnansweredSection(a.topUnanswered, a.content),
			},
		}),
	}
}

// workersToRun lists the background workers every replica runs beside the jobs (see jobs.Worker).
func (a *App) workersToRun() []jobs.Worker {
	return []jobs.Worker{{Name: "broadcasts", Run: a.broadcasts.Run}, {Name: "faq lessons", Run: a.keepLessons}}
}

// formProgramme names the programme a session is a form for, for the sessions clean-up: "" for other
// flows and for a form it cannot read (the form handler says such a form expired, and clears it).
func formProgramme(flow string, data []byte) string {
	var st forms.State
	if flow != handlers.FlowForm || json.Unmarshal(data, &st) != nil {
		return ""
	}
	return st.Form
}

// topUnanswered is the store's list of unanswered questions, the one /unanswered shows, for the digest.
func (a *App) topUnanswered(ctx context.Context, until time.Time, days, n int) ([]jobs.Question, error) {
	top, err := a.store.TopUnansweredUntil(ctx, until, days, n)
	qs := make([]jobs.Question, len(top))
	for i, u := range top {
		qs[i] = jobs.Question{Lang: u.Lang, Text: u.Question, Count: u.Count}
	}
	return qs, err
}

// staffNotices queues the jobs' messages to staff chats on the notify lane.
type staffNotices struct{ out *outbox.Outbox }

func (n staffNotices) NotifyOnce(ctx context.Context, name string, keep time.Duration, chat int64, text string) (bool, error) {
	return n.out.EnqueueOnce(ctx, outbox.LaneNotify, name, keep, outbox.Message{ChatID: chat, Text: text})
}

// endedEvents lists the events that ended before a time (cancelled ones by their date too).
func (a *App) endedEvents(ctx context.Context, before time.Time) ([]string, error) {
	all, err := a.events.All(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range all {
		if e.Ends.Before(before) {
			out = append(out, e.ID)
		}
	}
	return out, nil
}

// signupsSection is the weekly digest's part on events: for each event not over before the week began, the
// week's new sign-ups and where it stands. Counts only, as the digest's other parts.
func (a *App) signupsSection(ctx context.Context, w jobs.DigestWeek) (string, error) {
	all, err := a.events.All(ctx)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for _, e := range all {
		if !e.Signup || e.Ends.Before(w.From) || !e.Starts.Before(w.To.AddDate(0, 6, 0)) {
			continue // over before the week, or half a year ahead and nobody can be expected yet
		}
		n, nw, err := a.store.NewSignups(ctx, e.ID, w.From, w.To)
		if err != nil {
			return "", err
		}
		held, waiting, err := a.store.SignupCounts(ctx, e.ID)
		if err != nil {
			return "", err
		}
		state := ""
		if e.Cancelled {
			state = " (" + a.content.T(w.Lang, "event.cancelled_short") + ")"
		}
		b.WriteString("\n\n• " + e.TitleIn(w.Lang) + state + ", " + e.Starts.In(a.events.Zone()).Format("02/01/2006") + "\n  " +
			a.content.T(w.Lang, "staff.digest.event", "new", strconv.FormatInt(n+nw, 10),
				"registered", strconv.FormatInt(held, 10), "waiting", strconv.FormatInt(waiting, 10)))
	}
	if b.Len() == 0 {
		return "", nil
	}
	return a.content.T(w.Lang, "staff.digest.signups") + b.String(), nil
}

// programmeOpen reports whether a programme in the content takes registrations at t.
func (a *App) programmeOpen(id string, t time.Time) bool {
	p, ok := a.content.Programme(id)
	return ok && p.Status(t) == messages.StatusOpen
}

// statsSections are the parts other features add to /stats after its own (users, questions,
// registrations, events), in this order.
func (a *App) statsSections() []handlers.StatsSection {
	return []handlers.StatsSection{a.broadcastReach}
}

// broadcastReach is /stats' part on broadcasts: how many in the last 30 days, and whom they reached.
func (a *App) broadcastReach(ctx context.Context, lang string) (string, error) {
	r, err := a.broadcasts.Reach(ctx, a.now().AddDate(0, 0, -30))
	if err != nil || r.Count == 0 {
		return a.content.T(lang, "stats.broadcasts_none"), err
	}
	n := func(v int64) string { return strconv.FormatInt(v, 10) }
	return a.content.T(lang, "stats.broadcasts", "count", strconv.Itoa(r.Count), "sent", n(r.Sent), "total", n(r.Total),
		"rate", n(100*r.Sent/max(r.Total, 1)), "unreachable", n(r.Unreachable), "failed", n(r.Failed), "opted_out", n(r.OptedOut)), nil
}

// HasTopicAction reports whether FAQ answers can show the named action's button in this version (content
// may name actions of features still to come; `check` warns about those).
func HasTopicAction(name string) bool { _, ok := topicActions[name]; return ok }

func (a *App) routes(d handlers.Deps) []route {
	f := handlers.Func
	menu := handlers.Menu(d, menuItems)
	questions := handlers.NewQuestions(d, a.matcher, topicActions, a.lessonsNow)
	teach := handlers.NewTeach(d, a.matcher, a.loadLessons)
	regs := handlers.NewRegistrations(d)
	decs := handlers.NewDecisions(d)
	evs := handlers.NewEvents(d, regs.ApplyEvent)
	staffEvs := handlers.NewStaffEvents(d, evs)
	a.stats = handlers.NewStats(d, a.statsSections()...)
	a.forget = func(ctx context.Context, uid int64) error { return handlers.ForgetUser(ctx, d, uid) }
	bcs := handlers.NewBroadcasts(d)
	settings := handlers.Settings(d)
	team := handlers.NewTeam(d, a.admins(), commandMenus{a})
	a.out.Handle(events.RenderReminder, evs.RenderReminder)
	a.out.Handle(events.RenderNotice, evs.RenderNotice)
	// What /privacy and /mydata say is kept, and for how long: the figures the store and the jobs apply.
	ret := handlers.Retention{Retention: a.store.Retention(), RegistrationMonths: jobs.KeepRegistrationsMonths, SignupDays: jobs.KeepSignupsDays}
	page := func(h func(context.Context, *handlers.Request)) handlers.DeepLink {
		return func(ctx context.Context, r *handlers.Request, _ string) { h(ctx, r) }
	}
	// Deep links: /start <prefix>_<arg>, or /start <prefix> for a page without argument. The private
	// routes' links below open these.
	links := map[string]handlers.DeepLink{
		"faq":        questions.Topic,
		"reg":        regs.Link,
		"event":      evs.Link,
		"events":     page(evs.List),
		"reminders":  page(evs.Reminders),
		"settings":   page(settings),
		"programmes": page(regs.List),
		"my":         page(regs.My),
		"mydata":     page(handlers.MyData(d, ret)),
		"privacy":    page(handlers.Privacy(d, ret)),
		"forget":     page(handlers.Forget(d)),
		"staff":      page(handlers.TalkToStaff(d)),
		"language":   page(handlers.Language(d)),
		"menu":       page(handlers.MenuCommand(d, menu)),
	}
	flows := map[string]handlers.FlowFunc{
		handlers.FlowHandoff:        handlers.HandoffText(d),
		handlers.FlowForm:           regs.FormText,
		handlers.FlowEventDraft:     staffEvs.Text,
		handlers.FlowBroadcastDraft: bcs.Text,
		handlers.FlowDecisionReason: decs.ReasonText, // staff in a private chat typing a decision's reason
	}
	mediaFlows := map[string]func(context.Context, *handlers.Request){
		handlers.FlowForm:           regs.FormMedia,
		handlers.FlowEventDraft:     staffEvs.Media,
		handlers.FlowBroadcastDraft: bcs.Media,
	}
	// A user with an open conversation with staff writes to it, not to the FAQ (a form in progress
	// still takes its answers first).
	handoff := handlers.NewHandoff(d)
	a.out.OnSent(handlers.SentHandoff, handoff.Sent)
	text := handlers.Text(d, flows, handoff.UserText(questions.Ask))
	mediaMsg := handlers.Media(d, mediaFlows, handoff.UserMedia(handlers.Unsupported(d)))
	// A staff member's reply to something else of the bot's in their private chat is an ordinary message.
	ordinary := func(ctx context.Context, r *handlers.Request) {
		if r.Update.Message.Text != "" {
			text(ctx, r)
		} else {
			mediaMsg(ctx, r)
		}
	}
	unknown := f(handlers.UnknownCommand(d))
	return []route{
		{"/start", a.command("start"), private, startLink, f(handlers.Start(d, menu, links))},
		{"/menu", a.command("menu"), private, to("menu"), f(handlers.MenuCommand(d, menu))},
		{"/help", a.command("help"), anywhere, nil, f(handlers.Help(d))},
		{"/language", a.command("language"), private, to("language"), f(handlers.Language(d))},
		{"/mydata", a.command("mydata"), private, to("mydata"), f(handlers.MyData(d, ret))},
		{"/privacy", a.command("privacy"), anywhere, nil, f(handlers.Privacy(d, ret))}, // general information, no personal data
		{"privacy:", callback(handlers.PrivacyButtons.Prefix()), anywhere, nil, f(handlers.Privacy(d, ret))},
		{"/forget", a.command("forget"), private, to("forget"), f(handlers.Forget(d))},
		{"/cancel", a.command("cancel"), private, nil, f(handoff.Cancel(handlers.Cancel(d)))},
		{"/faq", a.command("faq"), anywhere, nil, f(questions.Browse)},
		{"/my", a.command("my"), private, to("my"), f(regs.My)},
		{"/programmes (staff)", a.staffCommand("programmes"), staffDesk, nil, f(regs.Programmes)},
		{"/export (staff)", a.staffCommand("export"), staffDesk, nil, f(regs.Export)},
		{"dec: (staff)", callback(handlers.DecisionButtons.Prefix()), staffDesk, nil, f(decs.Button)},
		{"/events", a.command("events"), anywhere, nil, f(evs.List)},
		{"ev:list", callback(handlers.EventButtons.VerbPrefix("list")), anywhere, nil, f(evs.List)},
		{"ev:v", callback(handlers.EventButtons.VerbPrefix("v")), anywhere, nil, f(evs.View)},
		{"ev:ics", callback(handlers.EventButtons.VerbPrefix("ics")), anywhere, nil, f(evs.Calendar)},
		{"ev:s", callback(handlers.EventButtons.VerbPrefix("s")), private, eventLink, f(evs.SignUp)},
		{"ev: (sign-up)", callback(handlers.EventButtons.Prefix()), private, eventLink, f(evs.Withdraw)},
		{"/newevent (staff)", a.staffCommand("newevent"), staffDesk, nil, f(staffEvs.New)},
		{"/editevent (staff)", a.staffCommand("editevent"), staffDesk, nil, f(staffEvs.Edit)},
		{"/cancelevent (staff)", a.staffCommand("cancelevent"), staffDesk, nil, f(staffEvs.CancelEvent)},
		{"/attendees (staff)", a.staffCommand("attendees"), staffDesk, nil, f(staffEvs.Attendees)},
		{"sev: (staff)", callback(handlers.StaffEventButtons.Prefix()), staffDesk, nil, f(staffEvs.Button)},
		{"/reminders", a.command("reminders"), private, to("reminders"), f(evs.Reminders)},
		{"rem:", callback(handlers.ReminderButtons.Prefix()), private, to("reminders"), f(evs.Reminders)},
		{"/broadcast (staff)", a.staffCommand("broadcast"), staffDesk, nil, a.privateDesk("broadcast.w.private", f(bcs.New))},
		{"bcw: (staff)", callback(handlers.BroadcastWizardButtons.Prefix()), staffDesk, nil, f(bcs.Button)},
		{"/broadcasts (staff)", a.staffCommand("broadcasts"), staffDesk, nil, f(bcs.List)},
		{"bc: (staff)", callback(broadcast.StaffButtons.Prefix()), staffDesk, nil, f(bcs.Cancel)},
		{"bcs:", callback(broadcast.StopButtons.Prefix()), anywhere, nil, f(bcs.Stop)},
		{"/settings", a.command("settings"), private, to("settings"), f(settings)},
		{"set:", callback(handlers.SettingsButtons.Prefix()), private, to("settings"), f(settings)},
		{"menu:settings", callback(handlers.MenuButtons.Data("settings")), private, to("settings"), f(settings)},
		{"prog:list", callback(handlers.ProgrammeButtons.Data("list")), anywhere, nil, f(regs.List)},
		{"prog:", callback(handlers.ProgrammeButtons.Prefix()), private, programmeLink, f(regs.Programme)},
		{"form:", callback(handlers.FormButtons.Prefix()), private, nil, f(regs.Form)},
		{"my:", callback(handlers.MyButtons.Prefix()), private, to("my"), f(regs.MyAction)},
		{"/reply (staff)", a.staffCommand("reply"), staffDesk, nil, f(handlers.Reply(d))},
		{"/inbox (staff)", a.staffCommand("inbox"), staffDesk, nil, f(handoff.Inbox)},
		{"/unanswered (staff)", a.staffCommand("unanswered"), staffDesk, nil, f(handlers.Unanswered(d, teach, a.lessonsNow))},
		{"teach: (staff)", callback(handlers.TeachButtons.Prefix()), staffDesk, nil, f(teach.Button)},
		{"/stats (staff)", a.staffCommand("stats"), staffDesk, nil, f(a.stats.Command)},
		{"/team (admin)", a.staffCommand("team"), adminDesk, nil, f(team.Command)},
		{"hand: (staff)", callback(handlers.HandoffButtons.Prefix()), staffDesk, nil, f(handlers.HandoffAction(d))},
		{"reply to the bot (staff)", a.staffReply, staffDesk, nil, f(decs.ReasonReply(handoff.StaffReply(ordinary)))},
		{"faq:", callback(handlers.FAQButtons.Prefix()), anywhere, nil, f(questions.Browse)},
		{"staff:ask", callback(handlers.StaffButtons.Data("ask")), private, to("staff"), f(handlers.AskStaff(d))},
		{"/staff", a.command("staff"), private, to("staff"), f(handlers.TalkToStaff(d))},
		{"staff:new", callback(handlers.StaffButtons.Data("new")), private, to("staff"), f(handlers.TalkToStaff(d))},
		{"staff:end", callback(handlers.StaffButtons.Data("end")), private, nil, f(handoff.End)},
		{"menu:language", callback(handlers.MenuButtons.Data("language")), private, to("language"), f(handlers.Language(d))},
		{"menu:mydata", callback(handlers.MenuButtons.Data("mydata")), private, to("mydata"), f(handlers.MyData(d, ret))},
		{"menu:help", callback(handlers.MenuButtons.Data("help")), anywhere, nil, f(handlers.Help(d))},
		{"lang:", callback(handlers.LangButtons.Prefix()), private, to("language"), a.withMenu(f(handlers.LanguageChosen(d, menu)))},
		{"aud:", callback(handlers.AudienceButtons.Prefix()), private, to("mydata"), f(handlers.AudienceChosen(d, menu))},
		{"mydata:", callback(handlers.MyDataButtons.Prefix()), private, to("mydata"), f(handlers.MyDataAction(d))},
		{"forget:", callback(handlers.ForgetButtons.Prefix()), private, to("forget"), f(handlers.Forget(d))},
		{"unknown command", a.anyCommand, anywhere, nil, unknown},
		{"edited", edited, anywhere, nil, f(handlers.Unsupported(d))},
		{"media", media, anywhere, nil, f(mediaMsg)},
		{"text", privateText, anywhere, nil, f(text)},
		{"stale button", isCallback, anywhere, nil, f(handlers.ExpiredButton(d))},
		{"blocked / unblocked", isMemberChange, anywhere, nil, f(handlers.MemberChanged(d))},
	}
}

// admins are STAFF_IDS.
func (a *App) admins() []int64 {
	out := make([]int64, 0, len(a.cfg.StaffIDs))
	for uid := range a.cfg.StaffIDs {
		out = append(out, uid)
	}
	return out
}

// startLink sends "/start <payload>" in a group on to the private chat with the same payload.
func startLink(r *handlers.Request) string {
	if handlers.ValidPayload(r.Args) {
		return r.Args
	}
	return ""
}

// eventLink opens the event an "ev:…:<id>" button names in the private chat, as its poster link does.
func eventLink(r *handlers.Request) string {
	if r.Update.CallbackQuery != nil {
		if _, args, ok := handlers.EventButtons.Parse(r.Update.CallbackQuery.Data); ok && len(args) == 1 && handlers.ValidPayload("event_"+args[0]) {
			return "event_" + args[0]
		}
	}
	return "events"
}

// programmeLink opens the programme a "prog:v:<id>" or "prog:a:<id>" button names, as its poster link does.
func programmeLink(r *handlers.Request) string {
	if r.Update.CallbackQuery == nil {
		return "programmes"
	}
	if _, args, ok := handlers.ProgrammeButtons.Parse(r.Update.CallbackQuery.Data); ok && len(args) == 1 && handlers.ValidPayload("reg_"+args[0]) {
		return "reg_" + args[0]
	}
	return "programmes"
}

// scoped applies a route's scope around its handler.
func (a *App) scoped(r route) tg.HandlerFunc {
	switch r.where {
	case private:
		return func(ctx context.Context, b *tg.Bot, u *models.Update) {
			req := handlers.RequestFrom(ctx)
			if req.Private {
				r.handler(ctx, b, u)
				return
			}
			link := ""
			if r.link != nil {
				link = r.link(req)
			}
			a.writePrivately(ctx, req, "private.only", link)
		}
	case staffDesk, adminDesk:
		need := handlers.RoleStaff
		if r.where == adminDesk {
			need = handlers.RoleAdmin
		}
		return func(ctx context.Context, b *tg.Bot, u *models.Update) {
			req := handlers.RequestFrom(ctx)
			switch {
			case req.Role < need:
				a.log.Info("staff route refused", "chat_id", req.ChatID)
				if u.CallbackQuery != nil {
					a.out.AnswerCallback(ctx, u.CallbackQuery.ID, a.content.T(req.Lang, "button.expired"))
					return
				}
				_, _ = a.out.Send(ctx, outboxMessage(req.ChatID, a.content.T(req.Lang, "command.unknown")))
			case !req.Private && !a.isStaffChat(req.ChatID):
				a.writePrivately(ctx, req, "staff.private_only", "")
			default:
				r.handler(ctx, b, u)
			}
		}
	}
	return r.handler
}

// privateDesk runs a staff conversation (a wizard, which cannot read a group's messages in privacy mode)
// in the private chat only: in a staff chat it answers with key and a button to the private chat.
func (a *App) privateDesk(key string, h tg.HandlerFunc) tg.HandlerFunc {
	return func(ctx context.Context, b *tg.Bot, u *models.Update) {
		if req := handlers.RequestFrom(ctx); !req.Private {
			a.writePrivately(ctx, req, key, "")
			return
		}
		h(ctx, b, u)
	}
}

// writePrivately answers a private feature asked for in a group: a tapped button gets a toast and opens
// the private chat (Telegram opens t.me links given to answerCallbackQuery); a command gets a short reply
// with a button to the private chat. Nothing of the person's data is shown in the group.
func (a *App) writePrivately(ctx context.Context, r *handlers.Request, key, payload string) {
	link := "https://t.me/" + a.username
	if payload != "" {
		link += "?start=" + payload
	}
	text := a.content.T(r.Lang, key)
	if cq := r.Update.CallbackQuery; cq != nil {
		a.out.AnswerCallbackURL(ctx, cq.ID, text, link)
		return
	}
	_, err := a.out.Send(ctx, outbox.Message{ChatID: r.ChatID, Text: text,
		Buttons: [][]outbox.Button{{{Text: a.content.T(r.Lang, "private.open"), URL: link}}}})
	if err != nil {
		a.log.Warn("reply not delivered", "chat_id", r.ChatID, "err", err)
	}
}

// isStaffChat reports whether chat is STAFF_CHAT_ID or the staff chat of a programme: where staff may use
// staff commands outside a private chat (an export goes to the people who handle the registrations).
func (a *App) isStaffChat(chat int64) bool {
	return handlers.IsStaffChat(a.content, a.cfg.StaffChatID, chat)
}

// command matches "/name" addressed to the bot (see parseCommand).
func (a *App) command(name string) tg.MatchFunc {
	return func(u *models.Update) bool {
		if u.Message == nil {
			return false
		}
		cmd, _, ok := a.parseCommand(u.Message)
		return ok && cmd == name
	}
}

// staffCommand is command for a staff-desk route: one that a staff chat may also use without naming the
// bot. Registering the route is what makes it one.
func (a *App) staffCommand(name string) tg.MatchFunc {
	if a.staffCommands == nil {
		a.staffCommands = map[string]bool{}
	}
	a.staffCommands[name] = true
	return a.command(name)
}

// parseCommand reads the command of a message addressed to the bot (handlers.ParseCommand): in a private
// chat any command, in a group one naming the bot — and in a staff chat also a bare staff command
// ("/reply 1001 …", as the handoff card says), because that chat is the bot's desk. Other bare commands
// there are left alone: they may be meant for another bot in the group.
func (a *App) parseCommand(m *models.Message) (cmd, args string, ok bool) {
	private := m.Chat.Type == models.ChatTypePrivate
	if cmd, args, ok = handlers.ParseCommand(m.Text, a.username, private); ok || private || !a.isStaffChat(m.Chat.ID) {
		return cmd, args, ok
	}
	if cmd, args, ok = handlers.ParseCommand(m.Text, a.username, true); ok && a.staffCommands[cmd] {
		return cmd, args, true
	}
	return "", "", false
}

func (a *App) anyCommand(u *models.Update) bool {
	if u.Message == nil {
		return false
	}
	_, _, ok := a.parseCommand(u.Message)
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

// staffReply matches a staff member's message replying to one of the bot's own messages, in a staff chat
// or in their private chat: the answer to a handoff card or copy, or the reason for a decision asked with a
// ForceReply prompt. A bot in privacy mode receives replies
// to its messages in groups, so this works with privacy on.
func (a *App) staffReply(u *models.Update) bool {
	m := u.Message
	if m == nil || m.From == nil || m.ReplyToMessage == nil || !a.staffMember(m.From.ID) {
		return false
	}
	if _, _, ok := a.parseCommand(m); ok {
		return false // a command is a command, whatever it replies to
	}
	to := m.ReplyToMessage.From
	if to == nil || !to.IsBot || !strings.EqualFold(to.Username, a.username) {
		return false
	}
	return m.Chat.Type == models.ChatTypePrivate || a.isStaffChat(m.Chat.ID)
}

// staffMember reports whether a user is an admin or staff, for the matchers that run before the request's
// role is resolved (a group member's reply to the bot is dropped before anything is stored about them
// unless they are staff). Redis unavailable: not staff, as role says.
func (a *App) staffMember(uid int64) bool {
	r, _ := a.role(context.Background(), uid)
	return r >= handlers.RoleStaff
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
