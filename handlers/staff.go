package handlers

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/ufo-thanhhoa/huunghi/bot/outbox"
	"github.com/ufo-thanhhoa/huunghi/bot/store"
)

// FlowHandoff is the session flow of a user writing a message for staff.
const FlowHandoff = "handoff"

// staffLang is the language of texts staff read (cards in the staff chat): the Union works in Vietnamese.
const staffLang = "vi"

// AskStaff handles the "Ask staff" button: the user's last question goes to the staff chat, or, without a
// recent question, the next message they write does.
func AskStaff(d Deps) func(ctx context.Context, r *Request) {
	talk := TalkToStaff(d)
	return func(ctx context.Context, r *Request) {
		d.Answer(ctx, r, "")
		if d.StaffChatID == 0 {
			staffUnavailable(ctx, d, r)
			return
		}
		if last, err := d.Store.GetLastQuestion(ctx, r.UserID); err == nil && last.Text != "" {
			forward(ctx, d, r, last.Text)
			// Asked once: a second tap must not send the same question again.
			_ = d.Store.SetLastQuestion(ctx, r.UserID, store.LastQuestion{})
			return
		}
		talk(ctx, r)
	}
}

// TalkToStaff handles /staff and the menu's "Talk to staff": the next message the user writes goes to the
// staff chat.
func TalkToStaff(d Deps) func(ctx context.Context, r *Request) {
	return func(ctx context.Context, r *Request) {
		d.Answer(ctx, r, "")
		if d.StaffChatID == 0 {
			staffUnavailable(ctx, d, r)
			return
		}
		if err := d.Store.SaveSession(ctx, r.UserID, store.Session{Flow: FlowHandoff}); err != nil {
			d.Log.Error("start handoff", "chat_id", r.ChatID, "err", err)
			d.Reply(ctx, r, d.T(r, "error.apology"))
			return
		}
		d.Reply(ctx, r, d.T(r, "staff.prompt"))
	}
}

// HandoffText sends the message a user wrote after "Ask staff" and ends the flow.
func HandoffText(d Deps) func(ctx context.Context, r *Request, text string) {
	return func(ctx context.Context, r *Request, text string) {
		if err := d.Store.ClearSession(ctx, r.UserID); err != nil {
			d.Log.Warn("end handoff", "chat_id", r.ChatID, "err", err)
		}
		if d.StaffChatID == 0 {
			staffUnavailable(ctx, d, r)
			return
		}
		forward(ctx, d, r, text)
	}
}

func forward(ctx context.Context, d Deps, r *Request, text string) {
	id := strconv.FormatInt(r.UserID, 10)
	card := d.Content.T(staffLang, "staff.card", "id", id, "lang", r.Lang) + "\n\n" + text + "\n\n" +
		d.Content.T(staffLang, "staff.card_hint", "id", id)
	if _, err := d.Out.Send(ctx, outbox.Message{ChatID: d.StaffChatID, Text: card}); err != nil {
		d.Log.Error("forward to staff", "chat_id", r.ChatID, "err", err)
		staffUnavailable(ctx, d, r)
		return
	}
	d.Reply(ctx, r, d.T(r, "staff.sent"))
}

func staffUnavailable(ctx context.Context, d Deps, r *Request) {
	text := d.T(r, "staff.unavailable")
	if t, ok := d.Content.FAQ.Topic("contact_office"); ok {
		text += "\n\n" + d.Content.Answer(t, r.Lang)
	}
	d.Reply(ctx, r, text)
}

// Reply handles the staff command "/reply <user id> <text>": the text reaches the user in the bot, under a
// line in their language saying it comes from staff.
func Reply(d Deps) func(ctx context.Context, r *Request) {
	return func(ctx context.Context, r *Request) {
		to, text, _ := strings.Cut(r.Args, " ")
		uid, err := strconv.ParseInt(to, 10, 64)
		text = strings.TrimSpace(text)
		if err != nil || uid <= 0 || text == "" {
			d.Reply(ctx, r, d.Content.T(staffLang, "staff.reply_usage"))
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
		}
		d.Reply(ctx, r, d.Content.T(staffLang, key, "id", to))
	}
}

// Unanswered handles the staff command /unanswered: the most frequent questions the bot could not answer
// in the last 30 days, so content can be improved where it matters.
func Unanswered(d Deps) func(ctx context.Context, r *Request) {
	return func(ctx context.Context, r *Request) {
		top, err := d.Store.TopUnanswered(ctx, 30, 30)
		if err != nil {
			d.Log.Error("top unanswered", "err", err)
			d.Reply(ctx, r, d.T(r, "error.apology"))
			return
		}
		if len(top) == 0 {
			d.Reply(ctx, r, d.T(r, "unanswered.none"))
			return
		}
		var b strings.Builder
		b.WriteString(d.T(r, "unanswered.title"))
		b.WriteString("\n")
		for i, u := range top {
			fmt.Fprintf(&b, "\n%d. ×%d [%s] %s", i+1, u.Count, u.Lang, u.Question)
		}
		d.Reply(ctx, r, b.String())
	}
}
