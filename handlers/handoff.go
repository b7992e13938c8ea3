package handlers

import (
	"context"
	"errors"
	"github.com/ufo-thanhhoa/huunghi/handlers/faq"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-redis/redis_rate/v10"

	"github.com/ufo-thanhhoa/huunghi/bot/outbox"
	"github.com/ufo-thanhhoa/huunghi/bot/store"
	"github.com/ufo-thanhhoa/huunghi/handlers/forms"
)

// The two-way handoff. "Talk to staff" opens a conversation (store.Conversation): from then on what the
// user writes — text, photos, files, voice — goes to the staff chat instead of the FAQ, until either side
// closes it. The first message queues a card (who they are, with Reply, Take it, Close and Block); each
// message is copied (copyMessage, so media arrive as sent) as a reply to the card. Staff answer by
// replying to the card or to any copy (or to the prompt the Reply button posts); the bot copies their
// message to the user under a line saying it is from staff.
//
// Cards and copies go on the outbox's notify lane: the user's acknowledgement never waits for the staff
// group's 20 messages a minute, and /forget takes back what has not been sent. A copy must reply to the
// card, whose id is known only once the card is sent, so the outbox tells SentHandoff's hook where each
// landed: the card's id is recorded and the messages that arrived meanwhile are queued after it; every
// staff-chat message is mapped to the user so that a reply to it finds them.

// SentHandoff names the outbox hook (Handoff.Sent) told where the handoff's queued messages landed.
const SentHandoff = "handoff"

// Keys of the handoff's queued messages: the card, and what is sent on after it.
const (
	cardKey = "handoff:card:"
	copyKey = "handoff:copy:"
)

// staffHeaderGap is how long after staff's last message the next one again gets the line saying it is
// from staff: one line for a burst of messages, not one per message.
const staffHeaderGap = 10 * time.Minute

// convLimit is one person's budget in a conversation staff have answered: a real exchange needs more than
// the three messages an hour of someone still waiting for a first answer (handoffLimit).
var convLimit = redis_rate.Limit{Rate: 30, Burst: 10, Period: time.Hour}

func convBudget(uid int64) string { return "conv:" + strconv.FormatInt(uid, 10) }

// inboxShown is how many conversations /inbox lists with buttons; the rest are counted.
const inboxShown = 10

// Handoff holds the conversation handlers.
type Handoff struct{ d Deps }

// NewHandoff returns the handoff's handlers.
func NewHandoff(d Deps) *Handoff { return &Handoff{d: d} }

// Open handles /staff and "Talk to staff": it opens a conversation, or says one is open.
func (h *Handoff) Open(ctx context.Context, r *Request) {
	d := h.d
	d.Answer(ctx, r, "")
	if !mayWriteToStaff(ctx, d, r, false, false) {
		return
	}
	_, created, err := d.Store.OpenConversation(ctx, r.UserID, r.FirstName)
	if err != nil {
		d.Log.Error("open conversation", "chat_id", r.ChatID, "err", err)
		d.Reply(ctx, r, d.T(r, "error.apology"))
		return
	}
	key := "staff.prompt"
	if !created {
		key = "staff.conv.already"
	}
	d.Reply(ctx, r, d.T(r, key), h.endRow(r))
}

// endRow is the "End conversation" button under the bot's acknowledgements.
func (h *Handoff) endRow(r *Request) []outbox.Button {
	return []outbox.Button{{Text: h.d.T(r, "staff.conv.end"), Data: StaffButtons.Data("end")}}
}

// Ask sends a question the user asked the bot to staff, opening a conversation for it.
func (h *Handoff) Ask(ctx context.Context, r *Request, question string) bool {
	d := h.d
	if !mayWriteToStaff(ctx, d, r, false, false) {
		return false
	}
	if _, _, err := d.Store.OpenConversation(ctx, r.UserID, r.FirstName); err != nil {
		d.Log.Error("open conversation", "chat_id", r.ChatID, "err", err)
		d.Reply(ctx, r, d.T(r, "error.apology"))
		return false
	}
	// The question on the card has a Teach button: staff who answer it can teach the bot too.
	if logged := Loggable(question); logged != "" {
		if _, err := d.Store.OfferTeach(ctx, []store.Teachable{teachableOf(logged, faq.Lang(question))}); err != nil {
			d.Log.Warn("offer teach", "chat_id", r.ChatID, "err", err)
		}
	}
	return h.pass(ctx, r, "q:"+question) == passed
}

// UserText sends a text of a user with an open conversation to it; without one, to next (the FAQ).
func (h *Handoff) UserText(next FlowFunc) FlowFunc {
	return func(ctx context.Context, r *Request, text string) {
		if h.pass(ctx, r, h.messageEntry(r)) == noConversation {
			next(ctx, r, text)
		}
	}
}

// UserMedia sends a photo, file, voice … of a user with an open conversation to it; without one, to next.
func (h *Handoff) UserMedia(next func(context.Context, *Request)) func(context.Context, *Request) {
	return func(ctx context.Context, r *Request) {
		if h.pass(ctx, r, h.messageEntry(r)) == noConversation {
			next(ctx, r)
		}
	}
}

// messageEntry is the pending-list entry of the request's message: copy it from the user's chat.
func (h *Handoff) messageEntry(r *Request) string {
	return "m:" + strconv.Itoa(r.Update.Message.ID)
}

// passResult says what pass did.
type passResult int

const (
	passed passResult = iota
	// noConversation: the user has none open; the message is for the caller's fallback.
	noConversation
	// refused: the user was answered (budget, block, error) and nothing was passed on.
	refused
)

// pass sends one message of the user (entry: "m:<id>" to copy, "q:<text>" a question asked of the bot) to
// their open conversation and acknowledges it, telling them when to expect an answer outside staff hours.
func (h *Handoff) pass(ctx context.Context, r *Request, entry string) passResult {
	d := h.d
	c, err := d.Store.Conversation(ctx, r.UserID)
	switch {
	case errors.Is(err, store.ErrNotFound) || err == nil && !c.Open:
		return noConversation
	case err != nil:
		d.Log.Error("conversation", "chat_id", r.ChatID, "err", err)
		d.Reply(ctx, r, d.T(r, "error.apology"))
		return refused
	}
	if !mayWriteToStaff(ctx, d, r, true, c.Answered()) {
		return refused
	}
	card, cardChat, first, err := d.Store.UserWrote(ctx, r.UserID, entry)
	if err == nil {
		switch {
		case first:
			err = d.Out.Enqueue(ctx, outbox.LaneNotify, outbox.Message{ChatID: d.StaffChatID,
				Text: h.cardText(ctx, r.UserID, c), Buttons: h.cardButtons(r.UserID, c),
				About: r.UserID, Key: cardKey + strconv.FormatInt(r.UserID, 10), Sent: SentHandoff})
		case card > 0:
			if m, ok := h.entryMessage(r.UserID, cardChat, card, entry); ok {
				err = d.Out.Enqueue(ctx, outbox.LaneNotify, m)
			}
		}
	}
	if err != nil {
		d.Log.Error("pass message to staff", "chat_id", r.ChatID, "err", err)
		staffUnavailable(ctx, d, r)
		return refused
	}
	text := d.T(r, "staff.conv.added")
	if first {
		text = d.T(r, "staff.sent")
	}
	if c.Waiting.IsZero() { // this message starts a wait: say how long it may be
		if note := h.afterHours(r); note != "" {
			text += "\n\n" + note
		}
	}
	d.Reply(ctx, r, text, h.endRow(r))
	return passed
}

// afterHours is the note for someone writing outside staff's reply hours (contacts.yaml), "" inside them
// or when the content gives none.
func (h *Handoff) afterHours(r *Request) string {
	d := h.d
	hours, ok := d.Content.ReplyHours()
	if !ok {
		return ""
	}
	loc := d.Location
	if loc == nil {
		loc = time.UTC
	}
	now := d.now().In(loc)
	if hours.Open(now) {
		return ""
	}
	next := hours.Next(now)
	return d.T(r, "staff.conv.after_hours", "time", next.Format("15:04"), "date", next.Format("02/01/2006"),
		"hours", d.Content.Contact("staff_reply_hours", r.Lang))
}

// entryMessage is the staff-chat message for a pending entry, replying to the card.
func (h *Handoff) entryMessage(uid, chat int64, card int, entry string) (outbox.Message, bool) {
	m := outbox.Message{ChatID: chat, ReplyTo: card, About: uid, Key: copyKey + strconv.FormatInt(uid, 10), Sent: SentHandoff}
	switch kind, arg, _ := strings.Cut(entry, ":"); kind {
	case "m":
		id, err := strconv.Atoi(arg)
		if err != nil || id <= 0 {
			return m, false
		}
		m.Copy = &outbox.Copy{FromChatID: uid, MessageID: id}
	case "q":
		lang := h.d.staffLang()
		m.Text = h.d.Content.T(lang, "staff.conv.question", "text", arg)
		if logged := Loggable(arg); logged != "" {
			m.Buttons = [][]outbox.Button{{{Text: h.d.Content.T(lang, "teach.card_button"),
				Data: TeachButtons.Data("q", store.TeachableHash(faq.LessonKey(logged)))}}}
		}
	default:
		return m, false
	}
	return m, true
}

// Sent is the outbox hook of the handoff's queued messages: a card's id is recorded and what waited for it
// is queued as replies to it; a copy is mapped back to the user, so that a reply to it finds them.
func (h *Handoff) Sent(ctx context.Context, m outbox.Message, id int) {
	d, uid := h.d, m.About
	switch {
	case uid == 0:
	case strings.HasPrefix(m.Key, cardKey):
		pending, err := d.Store.CardSent(ctx, uid, m.ChatID, id)
		if err != nil {
			d.Log.Error("record card", "chat_id", m.ChatID, "err", err)
			return
		}
		var out []outbox.Message
		for _, e := range pending {
			if msg, ok := h.entryMessage(uid, m.ChatID, id, e); ok {
				out = append(out, msg)
			}
		}
		if len(out) > 0 {
			if err := d.Out.Enqueue(ctx, outbox.LaneNotify, out...); err != nil {
				d.Log.Error("queue messages after the card", "chat_id", m.ChatID, "err", err)
			}
		}
	case strings.HasPrefix(m.Key, copyKey):
		if err := d.Store.MapConversationMessage(ctx, uid, m.ChatID, id); err != nil {
			d.Log.Error("record copy", "chat_id", m.ChatID, "err", err)
		}
	}
}

// cardText is the card of a conversation in the staff chat's language: who the person is (first name,
// language, audience, country where a form gave one) and its state.
func (h *Handoff) cardText(ctx context.Context, uid int64, c store.Conversation) string {
	d, lang := h.d, h.d.staffLang()
	u, _ := d.Store.GetUser(ctx, uid)
	unknown := d.Content.T(lang, "mydata.unknown")
	audience := unknown
	if u.Audience != "" {
		audience = d.Content.T(lang, "staff.event.aud."+u.Audience)
	}
	country := h.userCountry(ctx, uid)
	if country == "" {
		country = unknown
	}
	text := d.Content.T(lang, "staff.conv.card", "name", displayName(c.Name), "id", strconv.FormatInt(uid, 10),
		"lang", ResolveLang(d.Content, u, ""), "audience", audience, "country", country)
	switch {
	case !c.Open && c.Closed == "user":
		text += "\n\n" + d.Content.T(lang, "staff.conv.closed_user_note")
	case !c.Open:
		text += "\n\n" + d.Content.T(lang, "staff.conv.closed_staff_note", "staff", displayName(c.ClaimedName))
	case c.ClaimedBy != 0:
		text += "\n\n" + d.Content.T(lang, "staff.conv.claimed_note", "staff", displayName(c.ClaimedName))
	}
	return text
}

// displayName is a first name as shown to staff: at most 32 characters, never empty.
func displayName(name string) string {
	name = strings.TrimSpace(name)
	if name == "" {
		return "—"
	}
	if r := []rune(name); len(r) > 32 {
		return string(r[:32]) + "…"
	}
	return name
}

// userCountry is the country (ISO code) the user gave in a registration or sign-up form, "" if none.
func (h *Handoff) userCountry(ctx context.Context, uid int64) string {
	d := h.d
	regs, err := d.Store.UserRegistrations(ctx, uid)
	if err != nil {
		return ""
	}
	sups, err := d.Store.UserSignups(ctx, uid)
	if err != nil {
		return ""
	}
	for _, reg := range append(regs, sups...) {
		var fields []forms.Field
		if p, ok := d.Content.Programme(reg.Programme); ok {
			fields = p.Fields
		} else if e, ok := d.Content.Event(reg.Programme); ok {
			fields = e.Fields
		}
		if region := forms.HomeRegion(fields, reg.Answers); region != "" {
			return region
		}
	}
	return ""
}

// cardButtons are the card's buttons for the conversation's state: Reply, Take it (until someone has),
// Close and Block while open; Block alone once closed.
func (h *Handoff) cardButtons(uid int64, c store.Conversation) [][]outbox.Button {
	d, lang, id := h.d, h.d.staffLang(), strconv.FormatInt(uid, 10)
	if !c.Open {
		return [][]outbox.Button{blockButton(d, uid, false)}
	}
	row := []outbox.Button{{Text: d.Content.T(lang, "staff.conv.reply_button"), Data: HandoffButtons.Data("r", id)}}
	if c.ClaimedBy == 0 {
		row = append(row, outbox.Button{Text: d.Content.T(lang, "staff.conv.claim_button"), Data: HandoffButtons.Data("c", id)})
	}
	return [][]outbox.Button{row, append([]outbox.Button{{Text: d.Content.T(lang, "staff.conv.close_button"), Data: HandoffButtons.Data("x", id)}}, blockButton(d, uid, false)...)}
}

// refreshCard edits the conversation's card to show its state (who has it, closed).
func (h *Handoff) refreshCard(ctx context.Context, c store.Conversation) {
	if c.Card == 0 || c.Chat == 0 {
		return
	}
	h.d.send(ctx, outbox.Message{ChatID: c.Chat, EditID: c.Card, Text: h.cardText(ctx, c.UserID, c), Buttons: h.cardButtons(c.UserID, c)})
}

// End closes the user's conversation (their "End conversation" button or /cancel) and tells staff.
func (h *Handoff) End(ctx context.Context, r *Request) {
	d := h.d
	d.Answer(ctx, r, "")
	c, err := d.Store.CloseConversation(ctx, r.UserID, "user")
	switch {
	case errors.Is(err, store.ErrNotFound): // closed already (a second tap): say so again
	case err != nil:
		d.Log.Error("close conversation", "chat_id", r.ChatID, "err", err)
		d.Reply(ctx, r, d.T(r, "error.apology"))
		return
	case c.Card != 0:
		c.Open, c.Closed = false, "user"
		id := strconv.FormatInt(r.UserID, 10)
		err = d.Out.Enqueue(ctx, outbox.LaneNotify,
			outbox.Message{ChatID: c.Chat, EditID: c.Card, Text: h.cardText(ctx, r.UserID, c), Buttons: h.cardButtons(r.UserID, c), About: r.UserID},
			outbox.Message{ChatID: c.Chat, ReplyTo: c.Card, About: r.UserID,
				Text: d.Content.T(d.staffLang(), "staff.conv.user_ended", "name", displayName(c.Name), "id", id)})
		if err != nil {
			d.Log.Warn("tell staff a conversation ended", "chat_id", r.ChatID, "err", err)
		}
	}
	d.Reply(ctx, r, d.T(r, "staff.conv.ended"))
}

// Cancel is /cancel: a form or wizard in progress is cancelled first (next); otherwise an open
// conversation ends.
func (h *Handoff) Cancel(next func(context.Context, *Request)) func(context.Context, *Request) {
	return func(ctx context.Context, r *Request) {
		if _, err := h.d.Store.GetSession(ctx, r.UserID); err == nil {
			next(ctx, r)
			return
		}
		if c, err := h.d.Store.Conversation(ctx, r.UserID); err == nil && c.Open {
			h.End(ctx, r)
			return
		}
		next(ctx, r)
	}
}

// StaffReply handles a staff member's message that replies to one of the bot's messages, in a staff chat
// or their private chat: a reply to a card, a copy or a reply prompt reaches the conversation's user;
// other replies in a private chat are ordinary messages (other); in a staff chat they are left alone.
func (h *Handoff) StaffReply(other func(context.Context, *Request)) func(context.Context, *Request) {
	return func(ctx context.Context, r *Request) {
		d, m := h.d, r.Update.Message
		uid, err := d.Store.ConversationOf(ctx, r.ChatID, m.ReplyToMessage.ID)
		if err != nil {
			if !errors.Is(err, store.ErrNotFound) {
				d.Log.Error("conversation of a reply", "chat_id", r.ChatID, "err", err)
			}
			if r.Private {
				other(ctx, r)
			}
			return
		}
		if !r.IsStaff() { // the route is for staff; kept here too, as a reply reaches a person
			return
		}
		c, ok := h.takeFor(ctx, r, uid, m.ID)
		if !ok {
			return
		}
		h.deliver(ctx, r, c, m.ID)
	}
}

// takeFor makes sure the staff member of r may answer the user's conversation: it is open, and theirs or
// nobody's (then it becomes theirs, and the card says so). Otherwise it answers them — closed, or who has
// it with a button to take it over — replying to their message replyTo, and reports false.
func (h *Handoff) takeFor(ctx context.Context, r *Request, uid int64, replyTo int) (store.Conversation, bool) {
	d := h.d
	c, err := d.Store.Conversation(ctx, uid)
	switch {
	case errors.Is(err, store.ErrNotFound) || err == nil && !c.Open:
		d.send(ctx, outbox.Message{ChatID: r.ChatID, ReplyTo: replyTo, Text: d.T(r, "staff.conv.closed")})
		return c, false
	case err != nil:
		d.Log.Error("conversation", "chat_id", r.ChatID, "err", err)
		d.Reply(ctx, r, d.T(r, "error.apology"))
		return c, false
	case c.ClaimedBy == r.UserID:
		return c, true
	}
	c, ok, err := d.Store.ClaimConversation(ctx, uid, r.UserID, r.FirstName, false)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		d.Log.Error("claim conversation", "chat_id", r.ChatID, "err", err)
		d.Reply(ctx, r, d.T(r, "error.apology"))
		return c, false
	}
	if errors.Is(err, store.ErrNotFound) {
		d.send(ctx, outbox.Message{ChatID: r.ChatID, ReplyTo: replyTo, Text: d.T(r, "staff.conv.closed")})
		return c, false
	}
	if !ok {
		d.send(ctx, outbox.Message{ChatID: r.ChatID, ReplyTo: replyTo,
			Text:    d.T(r, "staff.conv.claimed_by", "staff", displayName(c.ClaimedName)),
			Buttons: [][]outbox.Button{{{Text: d.T(r, "staff.conv.takeover_button"), Data: HandoffButtons.Data("t", strconv.FormatInt(uid, 10))}}}})
		return c, false
	}
	h.refreshCard(ctx, c)
	return c, true
}

// deliver copies the staff member's message msg to the conversation's user, after a line in the user's
// language saying it comes from staff (once for a burst of messages), and tells the staff member.
func (h *Handoff) deliver(ctx context.Context, r *Request, c store.Conversation, msg int) {
	d := h.d
	before, err := d.Store.StaffWrote(ctx, c.UserID)
	if err != nil {
		d.send(ctx, outbox.Message{ChatID: r.ChatID, ReplyTo: msg, Text: d.T(r, "staff.conv.closed")})
		return
	}
	u, err := d.Store.GetUser(ctx, c.UserID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		d.Reply(ctx, r, d.T(r, "error.apology"))
		return
	}
	lang := ResolveLang(d.Content, u, "")
	if before.StaffLast.IsZero() || d.now().Sub(before.StaffLast) >= staffHeaderGap {
		_, err = d.Out.Send(ctx, outbox.Message{ChatID: c.UserID, Text: d.Content.T(lang, "staff.reply")})
	}
	if err == nil {
		_, err = d.Out.Send(ctx, outbox.Message{ChatID: c.UserID, Copy: &outbox.Copy{FromChatID: r.ChatID, MessageID: msg},
			Buttons: [][]outbox.Button{{{Text: d.Content.T(lang, "staff.conv.end"), Data: StaffButtons.Data("end")}}}})
	}
	key := "staff.conv.delivered"
	if err != nil {
		key = "staff.conv.failed"
		d.Log.Warn("staff reply", "chat_id", c.UserID, "err", err)
	}
	d.send(ctx, outbox.Message{ChatID: r.ChatID, ReplyTo: msg, Text: d.T(r, key, "name", displayName(c.Name))})
}

// Action handles the card's and /inbox's buttons other than Block and Unblock: Reply (r), Take it (c),
// Take it over (t), Close (x) and Open (o), each "hand:<verb>:<user id>".
func (h *Handoff) Action(ctx context.Context, r *Request, verb string, uid int64) {
	d := h.d
	switch verb {
	case "r":
		var replyTo int
		if m := r.Update.CallbackQuery.Message.Message; m != nil && m.Chat.ID == r.ChatID {
			replyTo = m.ID
		}
		d.Answer(ctx, r, "")
		c, ok := h.takeFor(ctx, r, uid, replyTo)
		if !ok {
			return
		}
		lang, id := d.staffLang(), strconv.FormatInt(uid, 10)
		if r.Private {
			lang = r.Lang
		}
		name := displayName(c.Name)
		prompt, err := d.Out.Send(ctx, outbox.Message{ChatID: r.ChatID, ReplyTo: replyTo,
			Text:       d.Content.T(lang, "staff.conv.prompt", "name", name, "id", id),
			ForceReply: truncate(d.Content.T(lang, "staff.conv.placeholder", "name", name), 64)})
		if err == nil {
			err = d.Store.MapConversationMessage(ctx, uid, r.ChatID, prompt)
		}
		if err != nil {
			d.Log.Warn("reply prompt", "chat_id", r.ChatID, "err", err)
		}
	case "c", "t":
		c, ok, err := d.Store.ClaimConversation(ctx, uid, r.UserID, r.FirstName, verb == "t")
		switch {
		case errors.Is(err, store.ErrNotFound):
			d.Answer(ctx, r, d.T(r, "staff.conv.closed"))
		case err != nil:
			d.Log.Error("claim conversation", "chat_id", r.ChatID, "err", err)
			d.Answer(ctx, r, d.T(r, "error.apology"))
		case !ok:
			d.Answer(ctx, r, d.T(r, "staff.conv.claimed_toast", "staff", displayName(c.ClaimedName)))
		default:
			d.Answer(ctx, r, d.T(r, "staff.conv.yours"))
			h.refreshCard(ctx, c)
		}
	case "x":
		c, err := d.Store.CloseConversation(ctx, uid, "staff")
		switch {
		case errors.Is(err, store.ErrNotFound):
			d.Answer(ctx, r, d.T(r, "staff.conv.closed"))
			return
		case err != nil:
			d.Log.Error("close conversation", "chat_id", r.ChatID, "err", err)
			d.Answer(ctx, r, d.T(r, "error.apology"))
			return
		}
		u, _ := d.Store.GetUser(ctx, uid)
		d.send(ctx, outbox.Message{ChatID: uid, Text: d.Content.T(ResolveLang(d.Content, u, ""), "staff.conv.closed_by_staff")})
		d.Answer(ctx, r, d.T(r, "staff.conv.closed_toast"))
		c.Open, c.Closed = false, "staff"
		if c.ClaimedBy != r.UserID {
			c.ClaimedName = r.FirstName // the note says who closed it
		}
		h.refreshCard(ctx, c)
	case "o":
		c, err := d.Store.Conversation(ctx, uid)
		if err != nil || !c.Open {
			d.Answer(ctx, r, d.T(r, "staff.conv.closed"))
			return
		}
		d.Answer(ctx, r, "")
		id, err := d.Out.Send(ctx, outbox.Message{ChatID: r.ChatID, Text: h.cardText(ctx, uid, c), Buttons: h.cardButtons(uid, c)})
		if err == nil {
			err = d.Store.MapConversationMessage(ctx, uid, r.ChatID, id)
		}
		if err != nil {
			d.Log.Warn("open conversation card", "chat_id", r.ChatID, "err", err)
		}
	default:
		d.Expired(ctx, r)
	}
}

// truncate cuts s to at most n characters.
func truncate(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}

// Inbox handles the staff command /inbox: the open conversations, those waiting for an answer first
// (longest waiting first), then the answered ones (quietest first), with who has each, and buttons to open
// one's card here and to take it.
func (h *Handoff) Inbox(ctx context.Context, r *Request) {
	d := h.d
	all, err := d.Store.OpenConversations(ctx, 500)
	if err != nil {
		d.Log.Error("inbox", "chat_id", r.ChatID, "err", err)
		d.Reply(ctx, r, d.T(r, "error.apology"))
		return
	}
	if len(all) == 0 {
		d.Reply(ctx, r, d.T(r, "staff.inbox.none"))
		return
	}
	slices.SortStableFunc(all, func(a, b store.Conversation) int {
		switch aw, bw := !a.Waiting.IsZero(), !b.Waiting.IsZero(); {
		case aw && !bw:
			return -1
		case bw && !aw:
			return 1
		case aw:
			return a.Waiting.Compare(b.Waiting)
		}
		return a.Last.Compare(b.Last)
	})
	loc := d.Location
	if loc == nil {
		loc = time.UTC
	}
	at := func(t time.Time) string { return t.In(loc).Format("02/01 15:04") }
	var b strings.Builder
	b.WriteString(d.T(r, "staff.inbox.title", "count", strconv.Itoa(len(all))))
	var rows [][]outbox.Button
	for i, c := range all[:min(len(all), inboxShown)] {
		n, id := strconv.Itoa(i+1), strconv.FormatInt(c.UserID, 10)
		state := d.T(r, "staff.inbox.answered", "time", at(c.Last))
		if !c.Waiting.IsZero() {
			state = d.T(r, "staff.inbox.waiting", "time", at(c.Waiting))
		}
		claimed := ""
		if c.ClaimedBy != 0 {
			claimed = d.T(r, "staff.inbox.claimed", "staff", displayName(c.ClaimedName))
		}
		u, _ := d.Store.GetUser(ctx, c.UserID)
		b.WriteString("\n" + d.T(r, "staff.inbox.line", "n", n, "name", displayName(c.Name), "id", id,
			"lang", ResolveLang(d.Content, u, ""), "state", state, "claimed", claimed))
		row := []outbox.Button{{Text: truncate(d.T(r, "staff.inbox.open_button", "n", n, "name", displayName(c.Name)), 40), Data: HandoffButtons.Data("o", id)}}
		if c.ClaimedBy == 0 {
			row = append(row, outbox.Button{Text: d.T(r, "staff.conv.claim_button"), Data: HandoffButtons.Data("c", id)})
		}
		rows = append(rows, row)
	}
	if len(all) > inboxShown {
		b.WriteString("\n" + d.T(r, "staff.inbox.more", "count", strconv.Itoa(len(all)-inboxShown)))
	}
	d.Reply(ctx, r, b.String(), rows...)
}
