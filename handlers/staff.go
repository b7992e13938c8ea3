package handlers

import (
	"context"
	"errors"
	"github.com/ufo-thanhhoa/huunghi/handlers/faq"
	"strconv"
	"strings"
	"time"

	"github.com/go-redis/redis_rate/v10"

	"github.com/ufo-thanhhoa/huunghi/bot/outbox"
	"github.com/ufo-thanhhoa/huunghi/bot/store"
)

// FlowHandoff is the session flow of a user writing a message for staff.
const FlowHandoff = "handoff"

// handoffLimit bounds what one person can send to the staff chat: three messages at once, then one every
// twenty minutes. The staff chat is a group that Telegram lets the bot write to 20 times a minute, and real
// questions must not wait behind one person's tenth message.
var handoffLimit = redis_rate.Limit{Rate: 3, Burst: 3, Period: time.Hour}

func handoffBudget(uid int64) string { return "handoff:" + strconv.FormatInt(uid, 10) }

// staffChatLimit bounds the cards of everyone together: the staff group takes 20 messages a minute, and
// cards queued beyond a minute of that would keep every bulk sender waiting on the staff chat (registration
// cards, promotions and reminders behind them). Many accounts writing at once are told to try later.
var staffChatLimit = redis_rate.Limit{Rate: 20, Burst: 10, Period: time.Minute}

const staffChatBudget = "handoff-all"

// mayWriteToStaff answers the user and returns false when their message cannot go to staff now: staff
// blocked them (a neutral answer: staff cannot be reached through the bot, here is the office), or they
// or everyone together have used the budget (when they can write again). With take it also takes the
// budgets, for a message being passed on; without, it only looks, before the user writes. In a
// conversation staff have answered (answered) the person's budget is the looser one of an exchange.
func mayWriteToStaff(ctx context.Context, d Deps, r *Request, take, answered bool) bool {
	if d.StaffChatID == 0 {
		staffUnavailable(ctx, d, r)
		return false
	}
	if blocked, err := d.Store.HandoffBlocked(ctx, r.UserID); err == nil && blocked {
		staffUnavailable(ctx, d, r)
		return false
	}
	personal := "staff.limit"
	if take {
		personal = "staff.limit_unsent"
	}
	budget, limit := handoffBudget(r.UserID), handoffLimit
	if answered {
		budget, limit = convBudget(r.UserID), convLimit
	}
	// The person's budget is looked at first, so that a message refused for it costs nothing shared.
	if ok, wait, err := d.Store.Peek(ctx, budget, limit); err == nil && !ok {
		d.Reply(ctx, r, d.T(r, personal, "minutes", minutes(wait)))
		return false
	}
	check := d.Store.Peek
	if take {
		check = d.Store.Allow
	}
	if ok, wait, err := check(ctx, staffChatBudget, staffChatLimit); err == nil && !ok {
		d.Reply(ctx, r, d.T(r, "staff.busy", "minutes", minutes(wait)))
		return false
	}
	if take {
		_, _, _ = d.Store.Allow(ctx, budget, limit)
	}
	return true
}

// minutes rounds a wait up to whole minutes, at least one.
func minutes(d time.Duration) string {
	return strconv.Itoa(max(int((d+time.Minute-1)/time.Minute), 1))
}

// AskStaff handles the "Ask staff" button: the user's last question goes to staff in a new conversation,
// or, without a recent question, a conversation opens for what they write next.
func AskStaff(d Deps) func(ctx context.Context, r *Request) {
	h := NewHandoff(d)
	return func(ctx context.Context, r *Request) {
		d.Answer(ctx, r, "")
		if last, err := d.Store.GetLastQuestion(ctx, r.UserID); err == nil && last.Text != "" {
			if h.Ask(ctx, r, last.Text) {
				// Asked once: a second tap must not send the same question again.
				_ = d.Store.SetLastQuestion(ctx, r.UserID, store.LastQuestion{})
			}
			return
		}
		h.Open(ctx, r)
	}
}

// TalkToStaff handles /staff and the menu's "Talk to staff": it opens a conversation with staff.
func TalkToStaff(d Deps) func(ctx context.Context, r *Request) { return NewHandoff(d).Open }

// HandoffText handles a message of a user whose session still says "the next message goes to staff" (the
// flow before conversations, saved by an older version): the session ends and the message opens a
// conversation.
func HandoffText(d Deps) func(ctx context.Context, r *Request, text string) {
	h := NewHandoff(d)
	return func(ctx context.Context, r *Request, text string) {
		if err := d.Store.ClearSession(ctx, r.UserID); err != nil {
			d.Log.Warn("end handoff", "chat_id", r.ChatID, "err", err)
		}
		if _, _, err := d.Store.OpenConversation(ctx, r.UserID, r.FirstName); err != nil {
			d.Log.Error("open conversation", "chat_id", r.ChatID, "err", err)
			d.Reply(ctx, r, d.T(r, "error.apology"))
			return
		}
		h.pass(ctx, r, h.messageEntry(r))
	}
}

// blockButton is the button under a handoff card: Block, or Unblock once blocked. Data "hand:b:<uid>" or
// "hand:u:<uid>".
func blockButton(d Deps, uid int64, blocked bool) []outbox.Button {
	if blocked {
		return []outbox.Button{{Text: d.Content.T(d.staffLang(), "staff.unblock"), Data: HandoffButtons.Data("u", strconv.FormatInt(uid, 10))}}
	}
	return []outbox.Button{{Text: d.Content.T(d.staffLang(), "staff.block"), Data: HandoffButtons.Data("b", strconv.FormatInt(uid, 10))}}
}

// staffUnavailable tells the user that staff cannot be reached through the bot (no staff chat is
// configured, or staff blocked them) and how to reach people instead: the office's details from
// contacts.yaml. Not the contact_office FAQ answer, which says "type /staff" and would send them round
// in a circle.
func staffUnavailable(ctx context.Context, d Deps, r *Request) {
	contact := func(key string) string { return d.Content.Contact(key, r.Lang) }
	d.Reply(ctx, r, d.T(r, "staff.unavailable")+"\n\n"+d.T(r, "staff.contacts",
		"address", contact("office_address"), "phone", contact("office_phone"),
		"email", contact("office_email"), "hours", contact("office_hours")))
}

// blockedMark starts the line a blocked card gets; Unblock removes what follows it.
const blockedMark = "\n\n🚫 "

// HandoffAction handles the staff's buttons under a handoff card and in /inbox ("hand:<verb>:<uid>"). Block
// and Unblock (b, u) are here: a blocked user's messages no longer reach the staff chat (their conversation
// is closed), and they are told only that staff cannot be reached through the bot; the card says who
// blocked them. The conversation's own buttons are Handoff.Action's.
func HandoffAction(d Deps) func(ctx context.Context, r *Request) {
	h := NewHandoff(d)
	return func(ctx context.Context, r *Request) {
		action, args, ok := parse(HandoffButtons, r)
		if !ok {
			d.Expired(ctx, r)
			return
		}
		uid, err := strconv.ParseInt(args[0], 10, 64)
		if err != nil || uid <= 0 {
			d.Expired(ctx, r)
			return
		}
		if action != "b" && action != "u" {
			h.Action(ctx, r, action, uid)
			return
		}
		block, toast := action == "b", "staff.unblocked"
		if block {
			err, toast = d.Store.BlockHandoff(ctx, uid, r.UserID), "staff.blocked"
			if err == nil {
				if _, cerr := d.Store.CloseConversation(ctx, uid, "staff"); cerr != nil && !errors.Is(cerr, store.ErrNotFound) {
					d.Log.Warn("close conversation of a blocked user", "chat_id", r.ChatID, "err", cerr)
				}
			}
		} else {
			err = d.Store.UnblockHandoff(ctx, uid)
		}
		if err != nil {
			d.Log.Error("handoff block", "chat_id", r.ChatID, "err", err)
			d.Answer(ctx, r, d.T(r, "error.apology"))
			return
		}
		m := r.Update.CallbackQuery.Message.Message
		if m == nil || m.Text == "" { // the card is too old to see: the decision holds, the card stays
			d.Answer(ctx, r, d.T(r, toast))
			return
		}
		text := m.Text
		if i := strings.LastIndex(text, blockedMark); i >= 0 {
			text = text[:i]
		}
		if block {
			text += blockedMark + strings.TrimPrefix(d.Content.T(d.staffLang(), "staff.blocked_note", "staff", strconv.FormatInt(r.UserID, 10)), "🚫 ")
		}
		d.Answer(ctx, r, d.T(r, toast))
		d.Edit(ctx, r, text, blockButton(d, uid, block))
	}
}

// Reply handles the staff command "/reply <user id> <text>": the text reaches the user in the bot, under a
// line in their language saying it comes from staff.
func Reply(d Deps) func(ctx context.Context, r *Request) {
	return func(ctx context.Context, r *Request) {
		to, text, _ := strings.Cut(r.Args, " ")
		uid, err := strconv.ParseInt(to, 10, 64)
		text = strings.TrimSpace(text)
		if err != nil || uid <= 0 || text == "" {
			d.Reply(ctx, r, d.T(r, "staff.reply_usage"))
			return
		}
		u, err := d.Store.GetUser(ctx, uid)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			d.Reply(ctx, r, d.T(r, "error.apology"))
			return
		}
		lang := ResolveLang(d.Content, u, "")
		_, err = d.Out.Send(ctx, outbox.Message{ChatID: uid, Text: d.Content.T(lang, "staff.reply") + "\n\n" + text})
		key := "staff.reply_done"
		if err != nil {
			key = "staff.reply_failed"
			d.Log.Warn("staff reply", "chat_id", uid, "err", err)
		} else if _, err := d.Store.StaffWrote(ctx, uid); err != nil && !errors.Is(err, store.ErrNotFound) {
			d.Log.Warn("staff reply in conversation", "chat_id", r.ChatID, "err", err)
		}
		d.Reply(ctx, r, d.T(r, key, "id", to))
	}
}

// Unanswered handles the staff command /unanswered: the most frequent questions the bot could not answer
// in the last 30 days, so content can be improved where it matters. Questions staff already taught are
// left out (counted at the end); the first ones get Teach buttons (Teach).
func Unanswered(d Deps, teach *Teach, lessons func() faq.Lessons) func(ctx context.Context, r *Request) {
	return func(ctx context.Context, r *Request) {
		top, err := d.Store.TopUnanswered(ctx, 30, 30+teachButtonsPerList)
		if err != nil {
			d.Log.Error("top unanswered", "err", err)
			d.Reply(ctx, r, d.T(r, "error.apology"))
			return
		}
		taught, known := 0, lessons()
		var list []store.Teachable
		for _, u := range top {
			q := teachableOf(u.Question, u.Lang)
			if _, ok := known[q.Key]; ok {
				taught++
				continue
			}
			if len(list) < 30 {
				list = append(list, q)
			}
		}
		if len(list) == 0 && taught == 0 {
			d.Reply(ctx, r, d.T(r, "unanswered.none"))
			return
		}
		var b strings.Builder
		b.WriteString(d.T(r, "unanswered.title"))
		b.WriteString("\n")
		counts := map[string]int{}
		for _, u := range top {
			counts[u.Lang+"|"+u.Question] = u.Count
		}
		for i, q := range list {
			b.WriteString("\n" + d.T(r, "unanswered.line", "n", strconv.Itoa(i+1), "count", strconv.Itoa(counts[q.Lang+"|"+q.Question]), "lang", q.Lang, "question", q.Question))
		}
		if taught > 0 {
			b.WriteString("\n\n" + d.T(r, "unanswered.taught", "count", strconv.Itoa(taught)))
		}
		rows := teach.OfferRows(ctx, r, list)
		if len(rows) > 0 {
			b.WriteString("\n\n" + d.T(r, "unanswered.teach_hint"))
		}
		d.Reply(ctx, r, b.String(), rows...)
	}
}
