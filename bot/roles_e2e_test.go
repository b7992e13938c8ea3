package bot_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/go-redis/redis_rate/v10"
	"github.com/go-telegram/bot/models"

	"github.com/ufo-thanhhoa/huunghi/bot"
	"github.com/ufo-thanhhoa/huunghi/bot/store"
	"github.com/ufo-thanhhoa/huunghi/bot/telegramtest"
)

// Roles: admins are STAFF_IDS (900 in the harness), staff are added by admins with /team; routes declare
// the role they need, and everything that needs one is refused to others as if it did not exist.

const rolesStaffChat = -7700

// rolesHarness runs the staff events' content with a staff chat, without the per-chat and flood budgets
// (the tests send many commands from one person, which those would pace or drop, and that is another test).
func rolesHarness(t *testing.T) *harness {
	t.Helper()
	many := redis_rate.PerSecond(1000)
	return eventsHarness(t, map[string]string{"STAFF_CHAT_ID": fmt.Sprint(rolesStaffChat)}, staffEventsYAML,
		bot.WithSendLimits(many, many), bot.WithFloodLimits(bot.FloodLimits{Pace: many, Drop: many, Shared: many}))
}

// stateOf is what Redis keeps, without what every update touches whoever sends it: the dedupe marks and
// intake of updates, chat leases, send and flood budgets (redis_rate's "rate:" keys, the chat budgets'
// "{hn}:rate:"), the senders' last-seen times (their hash and the
// last-seen index), job claims.
func stateOf(t *testing.T, h *harness, senders ...int64) map[string]string {
	t.Helper()
	all := dumpRedis(t, h.redis.Client())
	for k := range all {
		volatile := strings.HasPrefix(k, store.Key("upd:")) || strings.HasPrefix(k, store.Key("intake")) || strings.HasPrefix(k, store.Key("lock:")) ||
			strings.HasPrefix(k, "rate:") || strings.HasPrefix(k, store.Key("rate:")) || strings.HasPrefix(k, store.Key("job:")) ||
			k == store.Key("users:seen") // every sender's last-seen time, which moves when a second passes
		for _, uid := range senders {
			volatile = volatile || k == store.Key(fmt.Sprintf("user:%d", uid))
		}
		if volatile {
			delete(all, k)
		}
	}
	return all
}

// chatState is what a chat shows: every message's text, buttons, file and whether it was edited or deleted.
func chatState(h *harness, chat int64) []string {
	var out []string
	for _, m := range h.srv.Messages(chat) {
		doc := ""
		if m.Document != nil {
			doc = m.Document.Name
		}
		out = append(out, fmt.Sprintf("%d|%s|%v|%s|%v|%v", m.ID, m.Text, m.Buttons, doc, m.Edited, m.Deleted))
	}
	return out
}

// TestRoles_NonStaffTriesEveryStaffRoute: someone who is not staff sends every command of the routing table
// that needs a role (read from the table, so routes added later are tried too), in their private chat, in
// the staff chat and in another group, and taps every staff button — real ones from staff's chats and
// forged data for every staff prefix. Each command is answered exactly as an unknown command, each tap as
// an expired button, nothing else is sent or edited anywhere, and nothing is kept.
func TestRoles_NonStaffTriesEveryStaffRoute(t *testing.T) {
	t.Parallel()
	h := rolesHarness(t)
	desk := h.app.DeskRoutes()
	var cmds, prefixes []string
	replies := 0
	for _, d := range desk {
		if !d.Named {
			t.Errorf("route %q does not match what its name says (%q %q): name it by its trigger", d.Name, d.Command, d.Data)
		}
		switch {
		case d.Reply:
			replies++
		case d.Command != "":
			cmds = append(cmds, d.Command)
		default:
			prefixes = append(prefixes, d.Data)
		}
	}
	for _, want := range []string{"programmes", "export", "reply", "unanswered", "newevent", "editevent", "cancelevent", "attendees", "team"} {
		if !slices.Contains(cmds, want) {
			t.Errorf("desk routes %v lack /%s", cmds, want)
		}
	}
	for _, want := range []string{"sev:", "hand:"} {
		if !slices.Contains(prefixes, want) {
			t.Errorf("desk routes %v lack the %s buttons", prefixes, want)
		}
	}

	// Real staff buttons: a card in the staff chat, a cancellation to confirm in an admin's chat.
	staffChat := models.Chat{ID: rolesStaffChat, Type: models.ChatTypeSupergroup, Title: "Staff"}
	writer := &applicant{h: h, u: user(7701, "vi")}
	join(t, h, writer.u, "cancel_test")
	writer.send("/staff")
	writer.send("cho em hỏi về học bổng")
	h.messages(rolesStaffChat, 1)
	admin := &applicant{h: h, u: user(900, "en")}
	admin.send("/cancelevent cancel_test")
	h.idle()
	type tap struct {
		msg  telegramtest.Message
		data string
	}
	var real []tap
	for _, chat := range []int64{rolesStaffChat, admin.u.ID} {
		for _, m := range h.srv.Messages(chat) {
			for _, data := range buttonData(m) {
				for _, p := range prefixes {
					if strings.HasPrefix(data, p) {
						real = append(real, tap{m, data})
					}
				}
			}
		}
	}
	if len(real) < 3 {
		t.Fatalf("staff buttons to try: %v, want the card's Block and the cancellation's two", real)
	}

	// The one who is not staff, in their private chat, a member of the staff chat, and in another group.
	other := models.Chat{ID: -7702, Type: models.ChatTypeSupergroup, Title: "Students"}
	nosy := &applicant{h: h, u: user(7703, "en")}
	nosy.send("/help")
	h.srv.PushGroupText(nosy.u, other, "/help@huunghi_bot")
	h.idle()
	before := stateOf(t, h, nosy.u.ID)
	shown := map[int64][]string{rolesStaffChat: chatState(h, rolesStaffChat), admin.u.ID: chatState(h, admin.u.ID), writer.u.ID: chatState(h, writer.u.ID)}
	mine, staffN, otherN := nosy.count(), len(h.srv.Messages(rolesStaffChat)), len(h.srv.Messages(other.ID))
	answers := len(h.srv.Answers())

	sent := 0
	for _, c := range cmds {
		for _, text := range []string{"/" + c, "/" + c + " cancel_test 7701 --csv"} {
			h.srv.PushText(nosy.u, text)
			sent++
		}
		h.srv.PushGroupText(nosy.u, staffChat, "/"+c+" cancel_test")
		h.srv.PushGroupText(nosy.u, other, "/"+c+"@huunghi_bot cancel_test")
		nosy.settle() // a chat keeps at most 20 updates waiting
	}
	taps := 0
	for _, r := range real {
		h.srv.PushCallback(nosy.u, r.msg, r.data)
		taps++
	}
	nosy.settle()
	own := nosy.last()
	for _, p := range prefixes {
		for _, data := range []string{p, p + "x", p + "x:1", p + "cx:cancel_test", p + "b:7701", p + "pub"} {
			h.srv.PushCallback(nosy.u, own, data)
			taps++
		}
		nosy.settle()
	}
	for _, r := range real {
		h.srv.PushCallback(nosy.u, own, r.data) // a real button's data, forged on another message
		taps++
	}
	// Replies to the bot's messages in the staff chat (how staff answer a card): dropped unanswered.
	for range replies {
		for _, r := range real {
			if r.msg.ChatID == rolesStaffChat {
				h.srv.PushGroupReply(nosy.u, staffChat, r.msg, "I answer too")
				break
			}
		}
	}
	h.idle()

	check := func(chat int64, from int, want int, text string) {
		t.Helper()
		got := h.srv.Messages(chat)[from:]
		if len(got) != want {
			t.Errorf("chat %d: %d new messages, want %d", chat, len(got), want)
		}
		for _, m := range got {
			if m.Text != text || len(m.Buttons) != 0 || m.Document != nil {
				t.Errorf("chat %d: got %q %v, want only %q", chat, m.Text, m.Buttons, text)
			}
		}
	}
	check(nosy.u.ID, mine, sent, h.content.T("en", "command.unknown"))
	check(rolesStaffChat, staffN, len(cmds), h.content.T("vi", "command.unknown"))
	check(other.ID, otherN, len(cmds), h.content.T("en", "command.unknown"))
	got := h.srv.Answers()[answers:]
	if len(got) != taps {
		t.Errorf("%d taps answered, want %d", len(got), taps)
	}
	for _, a := range got {
		if a.Params["text"] != h.content.T("en", "button.expired") {
			t.Errorf("a tap was answered %q, want button.expired", a.Params["text"])
		}
	}
	for chat, was := range shown {
		now := chatState(h, chat)
		if chat == rolesStaffChat {
			now = now[:min(len(now), len(was))]
		}
		if !slices.Equal(now, was) {
			t.Errorf("chat %d changed:\n got %q\nwant %q", chat, now, was)
		}
	}
	after := stateOf(t, h, nosy.u.ID)
	for k, v := range after {
		if before[k] != v {
			t.Errorf("Redis %s changed: %q → %q", k, before[k], v)
		}
	}
	for k := range before {
		if _, ok := after[k]; !ok {
			t.Errorf("Redis %s was deleted", k)
		}
	}
	if st, err := h.store().EventState(context.Background(), "cancel_test"); err != nil || !st.Cancelled.IsZero() {
		t.Errorf("the event after the taps: %+v %v", st, err)
	}
}

// TestRoles_TeamAddAndRemove: an admin adds someone with /team add (by id, or by replying to a message of
// theirs forwarded to the bot); they can then use staff commands, and their command menu, in their language,
// has the staff commands; removed, they get the unknown-command answer again and their menu goes. Admins
// cannot be removed in the chat, and staff cannot manage staff.
func TestRoles_TeamAddAndRemove(t *testing.T) {
	t.Parallel()
	h := rolesHarness(t)
	admin := &applicant{h: h, u: user(900, "en")}
	lao := &applicant{h: h, u: user(7710, "en")} // a Lao student whose phone runs in English
	lao.send("/language")
	lao.press("lang:lo")
	unknown := h.content.T("lo", "command.unknown")
	if got := lao.send("/programmes").Text; got != unknown {
		t.Fatalf("/programmes before /team add: got %q, want the unknown answer", got)
	}
	if got := admin.send("/team add 7710").Text; got != h.content.T("en", "team.added", "id", "7710", "scope", h.content.T("en", "team.scope_all")) {
		t.Fatalf("/team add: got %q", got)
	}
	if got := lao.send("/programmes").Text; !strings.HasPrefix(got, h.content.T("lo", "staff.programmes")) {
		t.Errorf("/programmes by new staff: got %q, want the programmes", got)
	}
	if got := lao.send("/help").Text; !strings.Contains(got, h.content.T("lo", "help.staff")) || strings.Contains(got, h.content.T("lo", "help.admin")) {
		t.Errorf("/help of staff: got %q, want the staff commands and not the admin's", got)
	}
	if got := lao.send("/team add 7711").Text; got != unknown {
		t.Errorf("/team by staff: got %q, want the unknown answer", got)
	}
	h.idle()
	menus := h.srv.Commands()
	menu := menus[fmt.Sprintf("chat:%d/", lao.u.ID)]
	names := map[string]string{}
	for _, c := range menu {
		names[c.Command] = c.Description
	}
	for _, c := range []string{"start", "staff", "programmes", "export", "attendees", "reply"} {
		if names[c] != h.content.T("lo", "cmd."+c) {
			t.Errorf("staff menu /%s: got %q, want the Lao description", c, names[c])
		}
	}
	if _, ok := names["team"]; ok {
		t.Error("a staff member's menu offers /team")
	}
	// A new language, a new menu.
	lao.send("/language")
	lao.press("lang:vi")
	h.idle()
	if menu := h.srv.Commands()[fmt.Sprintf("chat:%d/", lao.u.ID)]; !slices.ContainsFunc(menu, func(c models.BotCommand) bool {
		return c.Command == "export" && c.Description == h.content.T("vi", "cmd.export")
	}) {
		t.Errorf("the menu after choosing Vietnamese: %v", menu)
	}
	if got := admin.send("/team").Text; !strings.Contains(got, h.content.T("en", "team.member", "id", "7710",
		"scope", h.content.T("en", "team.scope_all"), "by", "900", "date", testNow.Format("02/01/2006"))) {
		t.Errorf("/team: got %q, want the new member", got)
	}

	if got := admin.send("/team remove 7710").Text; got != h.content.T("en", "team.removed", "id", "7710") {
		t.Fatalf("/team remove: got %q", got)
	}
	if got := lao.send("/programmes").Text; got != h.content.T("vi", "command.unknown") {
		t.Errorf("/programmes after /team remove: got %q, want the unknown answer", got)
	}
	h.idle()
	if menu, ok := h.srv.Commands()[fmt.Sprintf("chat:%d/", lao.u.ID)]; ok {
		t.Errorf("the removed member's menu is still %v", menu)
	}
	if got := admin.send("/team remove 7710").Text; got != h.content.T("en", "team.not_staff", "id", "7710") {
		t.Errorf("removing again: got %q", got)
	}
	if got := admin.send("/team remove 900").Text; got != h.content.T("en", "team.is_admin", "id", "900") {
		t.Errorf("removing an admin: got %q", got)
	}
	if got := admin.send("/team add nobody").Text; got != h.content.T("en", "team.bad_id", "arg", "nobody") {
		t.Errorf("a name for an id: got %q", got)
	}
	if got := admin.send("/team add 7712 NOPE").Text; got != h.content.T("en", "team.unknown_scope", "id", "nope") {
		t.Errorf("an unknown scope: got %q", got)
	}

	// By a forwarded message: the person's id is on it, unless their privacy settings hide it.
	friend := models.User{ID: 7713, FirstName: "Somphone", LanguageCode: "lo"}
	fwd := func(o models.MessageOrigin) telegramtest.Message {
		n := admin.count()
		h.srv.PushReplyTo(admin.u, models.Message{Text: "ສະບາຍດີ", ForwardOrigin: &o}, "/team add MOVE_TEST")
		return admin.wait(n + 1)[n]
	}
	got := fwd(models.MessageOrigin{Type: models.MessageOriginTypeUser,
		MessageOriginUser: &models.MessageOriginUser{Type: models.MessageOriginTypeUser, Date: 1, SenderUser: friend}})
	if got.Text != h.content.T("en", "team.added", "id", "7713", "scope", "move_test") {
		t.Errorf("/team add in reply to a forwarded message: got %q", got.Text)
	}
	if m, err := h.store().GetStaff(context.Background(), 7713); err != nil || !slices.Equal(m.Scope, []string{"move_test"}) || m.AddedBy != 900 {
		t.Errorf("stored member: %+v %v", m, err)
	}
	got = fwd(models.MessageOrigin{Type: models.MessageOriginTypeHiddenUser,
		MessageOriginHiddenUser: &models.MessageOriginHiddenUser{Type: models.MessageOriginTypeHiddenUser, Date: 1, SenderUserName: "Somchai"}})
	if got.Text != h.content.T("en", "team.hidden") {
		t.Errorf("a hidden sender: got %q, want team.hidden", got.Text)
	}
	h.idle()
	if got := len(h.srv.Commands()[fmt.Sprintf("chat:%d/", admin.u.ID)]); got == 0 {
		t.Error("no menu published for the admin's chat")
	}
	if menu := h.srv.Commands()[fmt.Sprintf("chat:%d/", admin.u.ID)]; !slices.ContainsFunc(menu, func(c models.BotCommand) bool {
		return c.Command == "team" && c.Description == h.content.T("en", "cmd.team")
	}) {
		t.Errorf("the admin's menu %v lacks /team", menu)
	}
}

// TestRoles_MenusPublishedAtStart: at start every admin's and staff member's private chat gets its menu,
// and the staff chat the staff commands in the staff chat's language — never /team, which most of its
// members may not use.
func TestRoles_MenusPublishedAtStart(t *testing.T) {
	t.Parallel()
	h := rolesHarness(t)
	ctx := context.Background()
	if err := h.store().SaveStaff(ctx, store.StaffMember{UserID: 7720, AddedBy: 900, AddedAt: testNow}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.store().TouchUser(ctx, 7720, "lo"); err != nil {
		t.Fatal(err)
	}
	h.restart()
	(&applicant{h: h, u: user(7721, "en")}).send("/help") // the bot is up and has published
	menus := h.srv.Commands()
	staffMenu := menus[fmt.Sprintf("chat:%d/", 7720)]
	if !slices.ContainsFunc(staffMenu, func(c models.BotCommand) bool {
		return c.Command == "attendees" && c.Description == h.content.T("lo", "cmd.attendees")
	}) {
		t.Errorf("staff member's menu at start: %v", staffMenu)
	}
	if len(menus["chat:900/"]) == 0 {
		t.Errorf("no menu for the admin; have %v", menus)
	}
	group := menus[fmt.Sprintf("chat:%d/", rolesStaffChat)]
	if len(group) == 0 || group[0].Description != h.content.T("vi", "cmd."+group[0].Command) {
		t.Errorf("staff chat menu: %v, want staff commands in Vietnamese", group)
	}
	for _, c := range group {
		if c.Command == "team" || c.Command == "start" {
			t.Errorf("staff chat menu offers /%s", c.Command)
		}
	}
	if slices.ContainsFunc(menus["default/"], func(c models.BotCommand) bool { return c.Command == "programmes" }) {
		t.Error("the default menu offers a staff command")
	}
}

// TestRoles_ScopedStaffSeeOnlyTheirs: a staff member limited to one programme and one event lists and
// exports only that programme, and sees, changes and cancels only that event; the rest is "not yours",
// a forged cancellation of another event included.
func TestRoles_ScopedStaffSeeOnlyTheirs(t *testing.T) {
	t.Parallel()
	h := rolesHarness(t)
	if len(h.content.Programmes) < 2 {
		t.Fatal("the test wants two programmes in the content")
	}
	mine, theirs := h.content.Programmes[0], h.content.Programmes[1]
	admin := &applicant{h: h, u: user(900, "en")}
	officer := &applicant{h: h, u: user(7730, "vi")}
	officer.send("/start")
	want := h.content.T("en", "team.added", "id", "7730", "scope", mine.ID+", move_test")
	if got := admin.send("/team add 7730 " + strings.ToUpper(mine.ID) + " move_test").Text; got != want {
		t.Fatalf("/team add with a scope: got %q, want %q", got, want)
	}
	list := officer.send("/programmes").Text
	if !strings.Contains(list, mine.TitleIn("vi")) || strings.Contains(list, theirs.TitleIn("vi")) {
		t.Errorf("scoped /programmes: got %q, want %s only", list, mine.ID)
	}
	if got := officer.send("/export " + mine.ID); got.Document == nil {
		t.Errorf("/export of their programme: got %q, want a file", got.Text)
	}
	notYours := func(id string) string { return h.content.T("vi", "staff.scope.not_yours", "id", id) }
	if got := officer.send("/export " + theirs.ID); got.Document != nil || got.Text != notYours(theirs.ID) {
		t.Errorf("/export of another programme: got %q", got.Text)
	}
	for _, cmd := range []string{"/attendees cancel_test", "/cancelevent cancel_test", "/editevent cancel_test"} {
		if got := officer.send(cmd).Text; got != notYours("cancel_test") {
			t.Errorf("%s: got %q, want not-yours", cmd, got)
		}
	}
	if got := officer.send("/attendees move_test").Text; got != h.content.T("vi", "staff.attendees.none", "event", "Đêm giao lưu hữu nghị") {
		t.Errorf("/attendees of their event: got %q", got)
	}
	if got := officer.send("/cancelevent move_test"); !hasButton(got, "sev:cx:move_test") {
		t.Errorf("/cancelevent of their event: got %q %v", got.Text, buttonData(got))
	}
	answers := len(h.srv.Answers())
	h.srv.PushCallback(officer.u, officer.last(), "sev:cx:cancel_test")
	officer.settle()
	if got := h.srv.Answers()[answers:]; len(got) != 1 || got[0].Params["text"] != h.content.T("vi", "staff.scope.button") {
		t.Errorf("a forged cancellation of another event: %v", got)
	}
	if st, err := h.store().EventState(context.Background(), "cancel_test"); err != nil || !st.Cancelled.IsZero() {
		t.Errorf("the other event after the forged tap: %+v %v", st, err)
	}
	// All again: the officer sees every programme.
	if got := admin.send("/team scope 7730 all").Text; got != h.content.T("en", "team.scoped", "id", "7730", "scope", h.content.T("en", "team.scope_all")) {
		t.Errorf("/team scope all: got %q", got)
	}
	if got := officer.send("/programmes").Text; !strings.Contains(got, theirs.TitleIn("vi")) {
		t.Errorf("/programmes after scope all: got %q", got)
	}
	if got := officer.send("/mydata").Text; !strings.Contains(got, h.content.T("vi", "mydata.staff", "scope", h.content.T("vi", "team.scope_all"))) {
		t.Errorf("/mydata of staff: got %q, want the staff line", got)
	}
}

// TestRoles_ScopedStaffKeepTheEventsTheyCreate: an event a scoped staff member publishes joins their scope,
// so they can go on to see who signed up (and change or cancel it) — without an admin.
func TestRoles_ScopedStaffKeepTheEventsTheyCreate(t *testing.T) {
	t.Parallel()
	h := rolesHarness(t)
	admin := &applicant{h: h, u: user(900, "en")}
	officer := &applicant{h: h, u: user(7740, "en")}
	officer.send("/start")
	admin.send("/team add 7740 move_test")
	officer.send("/newevent")
	for steps := officer.draftSteps(); len(steps) > 0; steps = officer.draftSteps() {
		kind, lang, _ := strings.Cut(steps[0], ":")
		switch kind {
		case "title":
			officer.send("Scoped evening " + lang)
		case "id":
			officer.press("sev:sug")
		case "description":
			officer.send("Songs " + lang)
		case "place":
			officer.send("Hall " + lang)
		case "starts":
			officer.send("2031-05-25 08:00")
		case "ends":
			officer.send("2031-05-25 11:00")
		case "audience":
			officer.send("everyone")
		case "signup":
			officer.press("sev:sig:y")
		case "capacity":
			officer.press("sev:nocap")
		case "reminders":
			officer.press("sev:rdef")
		case "map":
			officer.press("sev:nomap")
		default:
			t.Fatalf("unexpected step %q", steps[0])
		}
	}
	officer.press("sev:pub")
	m, err := h.store().GetStaff(context.Background(), 7740)
	if err != nil || len(m.Scope) != 2 || m.Scope[0] != "move_test" {
		t.Fatalf("scope after publishing: %+v %v, want move_test and the new event", m, err)
	}
	id := m.Scope[1]
	if got := officer.send("/attendees " + id).Text; got != h.content.T("en", "staff.attendees.none", "event", "Scoped evening en") {
		t.Errorf("/attendees of the event they created: got %q", got)
	}
}
