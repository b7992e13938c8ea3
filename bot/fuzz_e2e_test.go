package bot_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/go-telegram/bot/models"

	"github.com/ufo-thanhhoa/huunghi/bot"
	"github.com/ufo-thanhhoa/huunghi/bot/broadcast"
	"github.com/ufo-thanhhoa/huunghi/bot/telegramtest"
	"github.com/ufo-thanhhoa/huunghi/handlers"
)

// The pipeline fuzz: generated updates of every kind Telegram sends, pushed through the fake Bot API into
// the real intake, dispatcher, middleware, handlers and outbox, against a real redis-server.
const (
	fuzzUsers  = 2000
	fuzzFirst  = int64(20000) // the users' ids: fuzzFirst … fuzzFirst+fuzzUsers-1
	fuzzGroups = 200          // group chats -300000 …, so that no group's backlog fills
	fuzzStaff  = 3            // the first users are staff (STAFF_IDS)
)

// fuzzCount is how many updates the pipeline fuzz pushes: HUUNGHI_FUZZ_UPDATES, or fuzzDefaultCount
// (100,000; 5,000 under -race, see fuzz_race_test.go).
func fuzzCount(t *testing.T) int {
	if s := os.Getenv("HUUNGHI_FUZZ_UPDATES"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			t.Fatalf("HUUNGHI_FUZZ_UPDATES=%q: want a positive count", s)
		}
		return n
	}
	if testing.Short() {
		return 5000
	}
	return fuzzDefaultCount
}

// fuzzSeed is HUUNGHI_FUZZ_SEED, or a fixed default so that CI runs the same updates every time.
func fuzzSeed(t *testing.T) uint64 {
	if s := os.Getenv("HUUNGHI_FUZZ_SEED"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("HUUNGHI_FUZZ_SEED=%q: want a number", s)
		}
		return n
	}
	return 20311
}

// fuzzGen makes the updates. Every private-chat update of a wave is for a different user, so that what
// appears in a chat during a wave answers that one update.
type fuzzGen struct {
	rng      *rand.Rand
	h        *harness
	prefixes []string
	progs    []string
}

func newFuzzGen(h *harness, seed uint64) *fuzzGen {
	g := &fuzzGen{rng: rand.New(rand.NewPCG(seed, seed+1)), h: h}
	for _, c := range []interface{ Prefix() string }{
		handlers.LangButtons, handlers.AudienceButtons, handlers.MenuButtons, handlers.FAQButtons, handlers.StaffButtons,
		handlers.HandoffButtons, handlers.MyDataButtons, handlers.ForgetButtons, handlers.ProgrammeButtons,
		handlers.FormButtons, handlers.EventButtons, handlers.ReminderButtons, handlers.StaffEventButtons,
		handlers.BroadcastWizardButtons, handlers.SettingsButtons, handlers.DecisionButtons, handlers.MyButtons,
		broadcast.StaffButtons, broadcast.StopButtons,
	} {
		g.prefixes = append(g.prefixes, c.Prefix())
	}
	for _, p := range h.content.Programmes {
		g.progs = append(g.progs, p.ID)
	}
	return g
}

// pieces of text the generator strings together: every script and trap the bot may meet.
var fuzzPieces = []string{
	"gia han the tam tru", "gia hạn thẻ tạm trú ở đâu", "học bổng", "hoc bong", "ký túc xá", "bảo hiểm y tế",
	"ບັດພັກເຊົາໝົດອາຍຸຕໍ່ແນວໃດ", "ສະບາຍດີ", "ທຶນການສຶກສາ", "how do i renew my residence card", "scholarship",
	"مرحبا بالعالم", "שלום עולם", "\u202eevil\u202c", "\u200f\u200e", "e\u0301\u0301\u0301", "a\u0300\u0323\u0309",
	"👨‍👩‍👧‍👦", "🇱🇦🇻🇳", "👍🏽", "\x00", "\u0000nul", "\ufeff", "\uffff", "\U0010ffff", "\t\r\n", "   ",
	"<b>bold</b>", "*_[`~", "@huunghi_bot", "https://t.me/x", "020 5555 1234", "+856 20 5555 1234", "noy@example.org",
	"3.5.2001", "31/02/2001", "-1", "99999999999999999999", "'; DROP TABLE users; --", "{{name}}", "%s%n%x",
	"/start", "/help", "/menu", "/my", "/mydata", "/forget", "/cancel", "/faq", "/events", "/reminders", "/settings",
	"/language", "/staff", "/programmes", "/export", "/broadcast", "/reply", "/inbox", "/stats", "/team add", "/newevent",
	"/start reg_", "/start event_", "/start faq_", "/start ", "/x",
}

func (g *fuzzGen) pick(xs []string) string { return xs[g.rng.IntN(len(xs))] }

// text is a random text: pieces, random runes (combining marks, RTL, surrogate-range escapes turned
// into U+FFFD by JSON), sometimes 10,000 characters long.
func (g *fuzzGen) text() string {
	var b strings.Builder
	n := 1 + g.rng.IntN(4)
	if g.rng.IntN(200) == 0 {
		n = 10000 // built below to exactly 10,000 characters
	}
	if n == 10000 {
		for b.Len() < 30000 && len([]rune(b.String())) < 10000 {
			b.WriteString(g.pick(fuzzPieces))
			b.WriteByte(' ')
		}
		return string([]rune(b.String())[:10000])
	}
	for i := range n {
		if i > 0 && g.rng.IntN(2) == 0 {
			b.WriteByte(' ')
		}
		switch g.rng.IntN(4) {
		case 0:
			for range 1 + g.rng.IntN(12) {
				b.WriteRune(rune(g.rng.IntN(0x2FFFF)))
			}
		default:
			b.WriteString(g.pick(fuzzPieces))
		}
	}
	s := b.String()
	if strings.HasPrefix(s, "/start reg_") && len(g.progs) > 0 {
		s += g.pick(g.progs)
	}
	return s
}

// command is a command with a bot suffix, another bot's or none, and sometimes a huge argument.
func (g *fuzzGen) command() string {
	cmds := []string{"start", "help", "menu", "my", "mydata", "forget", "cancel", "faq", "events", "reminders", "settings",
		"language", "staff", "programmes", "export", "broadcast", "broadcasts", "reply", "inbox", "unanswered", "stats",
		"team", "newevent", "editevent", "cancelevent", "attendees", "nosuchcommand"}
	c := "/" + g.pick(cmds)
	switch g.rng.IntN(4) {
	case 0:
		c += "@huunghi_bot"
	case 1:
		c += "@otherbot"
	}
	switch g.rng.IntN(5) {
	case 0:
		c += " " + strings.Repeat("x", 4000+g.rng.IntN(6000))
	case 1, 2:
		c += " " + g.text()
	}
	return c
}

// data is forged or malformed callback data: every codec prefix with junk, wrong ids, other users' ids.
func (g *fuzzGen) data(self int64) string {
	verbs := []string{"", "a", "w", "d", "r", "v", "s", "list", "ics", "c", "t", "no", "yes", "ask", "new", "end", "b",
		"u", "off", "on", "all", "k", "l", "go", "done", "consent", "submit", "cats", "audience", "nop", "aud", "x"}
	args := []string{"", strconv.FormatInt(self, 10), strconv.FormatInt(fuzzFirst+int64(g.rng.IntN(fuzzUsers)), 10),
		"-1", "0", "99999999999999999999", "lo", "xx", "yes", "ສະບາຍດີ", "\x00", strings.Repeat("z", 70)}
	if len(g.progs) > 0 {
		args = append(args, g.pick(g.progs))
	}
	d := g.pick(g.prefixes) + g.pick(verbs)
	for range g.rng.IntN(5) {
		d += ":" + g.pick(args)
	}
	if g.rng.IntN(10) == 0 {
		d = g.text()
	}
	return d
}

// fuzzUser is user i, staff for the first few.
func fuzzUser(i int) models.User {
	langs := []string{"vi", "lo", "en", "th", "de", "", "ru"}
	return models.User{ID: fuzzFirst + int64(i), FirstName: "Fuzz" + strconv.Itoa(i), Username: "fz" + strconv.Itoa(i),
		LanguageCode: langs[i%len(langs)]}
}

// pushed is what one generated update was, for the assertions.
type pushed struct {
	chat     int64  // the private chat it belongs to in a wave's bookkeeping; 0 for a group's or channel's
	answered bool   // a private message: it must be answered
	kind     string // for failure messages
}

// push generates and pushes one update from user i. private says whether it may go to i's private chat
// (taken already in this wave, it goes to a group or channel).
func (g *fuzzGen) push(i int, private bool) pushed {
	srv := g.h.srv
	u := fuzzUser(i)
	group := models.Chat{ID: -300000 - int64(g.rng.IntN(fuzzGroups)), Type: models.ChatTypeSupergroup, Title: "Nhóm"}
	if g.rng.IntN(3) == 0 {
		group.Type = models.ChatTypeGroup
	}
	now := int(time.Now().Unix())
	mid := 1_000_000 + g.rng.IntN(1_000_000)
	msg := func(chat models.Chat) *models.Message {
		return &models.Message{ID: mid, From: &u, Date: now, Chat: chat}
	}
	priv := models.Chat{ID: u.ID, Type: models.ChatTypePrivate, FirstName: u.FirstName}
	if !private {
		switch g.rng.IntN(8) {
		case 0, 1, 2:
			text := g.command()
			if g.rng.IntN(2) == 0 {
				text = g.text()
			}
			srv.PushGroupText(u, group, text)
			return pushed{kind: "group text"}
		case 3:
			m := msg(group)
			m.NewChatMembers = []models.User{u, {ID: 123456, IsBot: true, FirstName: "Hữu Nghị", Username: "huunghi_bot"}}
			srv.PushUpdate(models.Update{Message: m})
			return pushed{kind: "new_chat_members"}
		case 4:
			m := msg(group)
			m.LeftChatMember = &u
			srv.PushUpdate(models.Update{Message: m})
			return pushed{kind: "left_chat_member"}
		case 5:
			ch := models.Chat{ID: -400000 - int64(g.rng.IntN(20)), Type: models.ChatTypeChannel, Title: "Kênh"}
			m := &models.Message{ID: mid, Date: now, Chat: ch, Text: g.text(), SenderChat: &ch}
			if g.rng.IntN(2) == 0 {
				srv.PushUpdate(models.Update{ChannelPost: m})
				return pushed{kind: "channel_post"}
			}
			m.EditDate = now
			srv.PushUpdate(models.Update{EditedChannelPost: m})
			return pushed{kind: "edited_channel_post"}
		case 6:
			me := srv.Bot()
			srv.PushUpdate(models.Update{MyChatMember: &models.ChatMemberUpdated{Chat: group, From: u, Date: now,
				OldChatMember: models.ChatMember{Type: models.ChatMemberTypeLeft, Left: &models.ChatMemberLeft{User: &me}},
				NewChatMember: models.ChatMember{Type: models.ChatMemberTypeMember, Member: &models.ChatMemberMember{User: &me}}}})
			return pushed{kind: "my_chat_member (group)"}
		default:
			srv.PushUpdate(models.Update{ChatMember: &models.ChatMemberUpdated{Chat: group, From: u, Date: now,
				OldChatMember: models.ChatMember{Type: models.ChatMemberTypeLeft, Left: &models.ChatMemberLeft{User: &u}},
				NewChatMember: models.ChatMember{Type: models.ChatMemberTypeMember, Member: &models.ChatMemberMember{User: &u}}}})
			return pushed{kind: "chat_member"}
		}
	}
	answer := func(kind string) pushed { return pushed{chat: u.ID, answered: true, kind: kind} }
	quiet := func(kind string) pushed { return pushed{chat: u.ID, kind: kind} }
	switch k := g.rng.IntN(24); k {
	case 0, 1, 2, 3:
		srv.PushText(u, g.text())
		return answer("text")
	case 4, 5:
		srv.PushText(u, g.command())
		return answer("command")
	case 6:
		// Raw JSON: NUL, lone surrogates and other escapes the models cannot express.
		esc := []string{`\u0000`, `\ud800`, `\udfff`, `\ud83d`, `\u202e`, `\\`, `\"`, `\u0301`}
		var b strings.Builder
		for range 1 + g.rng.IntN(8) {
			b.WriteString(g.pick(esc))
			b.WriteString("x")
		}
		srv.PushRaw(fmt.Sprintf(`{"message":{"message_id":%d,"date":%d,"chat":{"id":%d,"type":"private"},"from":{"id":%d,"is_bot":false,"first_name":"F\ud800","language_code":"lo"},"text":"%s"}}`,
			mid, now, u.ID, u.ID, b.String()))
		return answer("raw escapes")
	case 7:
		srv.PushSticker(u)
		return answer("sticker")
	case 8:
		srv.PushPhoto(u, g.text())
		return answer("photo")
	case 9:
		srv.PushContact(u, g.pick([]string{"+8562055551234", "020 5555 1234", "", "abc", "+84912345678"}))
		return answer("contact")
	case 10:
		srv.PushEdited(u, g.text())
		return quiet("edited_message")
	case 11, 12:
		// A tap on a bot message of the chat, or one made up, with forged data.
		msgs := srv.Messages(u.ID)
		var on telegramtest.Message
		if len(msgs) > 0 && g.rng.IntN(2) == 0 {
			on = msgs[g.rng.IntN(len(msgs))]
			if bs := buttonData(on); len(bs) > 0 && g.rng.IntN(2) == 0 {
				srv.PushCallback(u, on, g.pick(bs)) // a real button, maybe stale
				return quiet("callback")
			}
		} else {
			on = telegramtest.Message{ID: mid, ChatID: u.ID}
		}
		srv.PushCallback(u, on, g.data(u.ID))
		return quiet("callback (forged)")
	case 13:
		// callback_query without a message (inline mode).
		srv.PushUpdate(models.Update{CallbackQuery: &models.CallbackQuery{From: u, ChatInstance: "x", InlineMessageID: "inl" + strconv.Itoa(mid), Data: g.data(u.ID)}})
		return quiet("callback without message")
	case 14:
		srv.PushUpdate(models.Update{InlineQuery: &models.InlineQuery{ID: strconv.Itoa(mid), From: &u, Query: g.text()}})
		return quiet("inline_query")
	case 15:
		srv.PushMemberStatus(u, []models.ChatMemberType{models.ChatMemberTypeBanned, models.ChatMemberTypeMember}[g.rng.IntN(2)])
		return quiet("my_chat_member")
	}
	// Other message types in the private chat, pushed as Telegram shapes them.
	m := msg(priv)
	var kind string
	switch g.rng.IntN(9) {
	case 0:
		kind, m.Voice = "voice", &models.Voice{FileID: "v" + strconv.Itoa(mid), FileUniqueID: "uv", Duration: 3}
	case 1:
		kind, m.Document = "document", &models.Document{FileID: "d" + strconv.Itoa(mid), FileUniqueID: "ud", FileName: g.text()}
		m.Caption = g.text()
	case 2:
		kind, m.Location = "location", &models.Location{Latitude: 19.8, Longitude: 105.77}
	case 3:
		kind, m.Poll = "poll", &models.Poll{ID: "p", Question: g.text(), Options: []models.PollOption{{Text: "a"}, {Text: "b"}}}
	case 4:
		kind, m.Dice = "dice", &models.Dice{Emoji: "🎲", Value: 1 + g.rng.IntN(6)}
	case 5:
		kind, m.VideoNote = "video_note", &models.VideoNote{FileID: "vn" + strconv.Itoa(mid), FileUniqueID: "uvn", Length: 240, Duration: 2}
	case 6:
		kind, m.Text = "forwarded", g.text()
		m.ForwardOrigin = &models.MessageOrigin{Type: models.MessageOriginTypeUser, MessageOriginUser: &models.MessageOriginUser{
			Type: models.MessageOriginTypeUser, Date: now, SenderUser: fuzzUser(g.rng.IntN(fuzzUsers))}}
	case 7:
		kind, m.Text = "reply to the bot", g.text()
		if msgs := srv.Messages(u.ID); len(msgs) > 0 {
			to := msgs[g.rng.IntN(len(msgs))]
			me := srv.Bot()
			m.ReplyToMessage = &models.Message{ID: to.ID, From: &me, Date: now, Chat: priv, Text: to.Text}
		}
	default:
		kind, m.Text = "text with entities", g.text()
		m.Entities = []models.MessageEntity{{Type: models.MessageEntityTypeBold, Offset: 0, Length: 1 + g.rng.IntN(50)},
			{Type: models.MessageEntityTypeBotCommand, Offset: g.rng.IntN(5), Length: g.rng.IntN(20)}}
	}
	srv.PushUpdate(models.Update{Message: m})
	return answer(kind)
}

// TestFuzz_UpdatePipeline pushes fuzzCount generated updates from 2,000 users (a few of them staff, some in
// the middle of a form at every step) through the whole bot, in waves in which each user's private chat
// gets at most one update. No handler may panic, every private message is answered, and nothing the bot
// says in a group answers a personal command with personal data.
func TestFuzz_UpdatePipeline(t *testing.T) {
	t.Parallel()
	total, seed := fuzzCount(t), fuzzSeed(t)
	t.Logf("pipeline fuzz: %d updates, seed %d (HUUNGHI_FUZZ_SEED, HUUNGHI_FUZZ_UPDATES)", total, seed)
	generous := redis_rate.Limit{Rate: 1_000_000, Burst: 1_000_000, Period: time.Second}
	staff := make([]string, fuzzStaff)
	for i := range staff {
		staff[i] = strconv.FormatInt(fuzzFirst+int64(i), 10)
	}
	h := newHarness(t, map[string]string{"STAFF_CHAT_ID": "-9100", "STAFF_IDS": strings.Join(staff, ","), "SEND_RATE": "0"},
		bot.WithSendLimits(generous, generous),
		bot.WithFloodLimits(bot.FloodLimits{Pace: generous, Drop: generous, Shared: generous}),
		bot.WithWorkers(128))
	g := newFuzzGen(h, seed)

	// Users in the middle of a form, one at each step.
	for step := range 12 {
		a := &applicant{h: h, u: fuzzUser(fuzzStaff + step), prog: exchange}
		a.send("/start reg_" + exchange)
		for range step {
			if last := h.srv.Messages(a.u.ID); strings.Contains(last[len(last)-1].Text, "HN-") {
				break
			}
			a.answer(a.u.LanguageCode)
		}
	}
	h.idle()

	const waveSize = 2500
	start := time.Now()
	failures := 0
	for done := 0; done < total; {
		n := min(waveSize, total-done)
		before := map[int64]int{}
		used := map[int64]pushed{}
		for range n {
			i := g.rng.IntN(fuzzUsers)
			uid := fuzzUser(i).ID
			_, busy := used[uid]
			if !busy {
				before[uid] = len(h.srv.Messages(uid))
			}
			p := g.push(i, !busy)
			if p.chat != 0 {
				used[p.chat] = p
			}
		}
		done += n
		if !h.srv.Wait(func() bool { return h.srv.Pending() == 0 && h.app.Idle(context.Background()) }, 2*time.Minute) {
			t.Fatalf("after %d updates: the bot did not handle the wave (seed %d)", done, seed)
		}
		for uid, p := range used {
			if p.answered && len(h.srv.Messages(uid)) <= before[uid] {
				failures++
				if failures <= 20 {
					t.Errorf("user %d: a private %s got no answer (seed %d, wave ending at %d)", uid, p.kind, seed, done)
				}
			}
		}
		if h.logs.has("handler panicked") {
			t.Fatalf("a handler panicked (seed %d, wave ending at %d):\n%s", seed, done, panicLines(h))
		}
	}
	h.idle()
	elapsed := time.Since(start)
	t.Logf("%d updates in %v: %.0f updates/s", total, elapsed.Round(time.Millisecond), float64(total)/elapsed.Seconds())
	if failures > 0 {
		t.Errorf("%d private messages got no answer", failures)
	}
	if n := h.metric("huunghi_handler_panics_total"); n != 0 {
		t.Errorf("/metrics counts %v recovered panics", n)
	}
	// Nothing personal in a group: no user's id, phone, e-mail or name from a form, no document.
	for c := int64(0); c < fuzzGroups; c++ {
		for _, m := range h.srv.Messages(-300000 - c) {
			for _, leak := range []string{"+856", "noy@example.org", "Noy Phommasane", "HN-"} {
				if strings.Contains(m.Text, leak) {
					t.Errorf("group %d saw %q (contains %q)", -300000-c, m.Text, leak)
				}
			}
			if id := userIDRE.FindString(m.Text); id != "" {
				t.Errorf("group %d saw a user's id %s: %q", -300000-c, id, m.Text)
			}
			if m.Document != nil {
				t.Errorf("group %d got a document %q", -300000-c, m.Document.Name)
			}
		}
	}
}

// userIDRE matches the fuzz users' ids.
var userIDRE = regexp.MustCompile(`\b2[01]\d{3}\b`)

// panicLines is the panics the bot logged, for the failure message.
func panicLines(h *harness) string {
	h.logs.mu.Lock()
	defer h.logs.mu.Unlock()
	var out []string
	for _, l := range strings.Split(h.logs.b.String(), "\n") {
		if strings.Contains(l, "handler panicked") {
			out = append(out, l)
		}
	}
	b, _ := json.Marshal(out[:min(len(out), 5)])
	return string(b)
}
