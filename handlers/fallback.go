package handlers

import "context"

// Unsupported answers messages the bot cannot read (stickers, photos, voice, files, ...) with a short,
// specific hint, so the user is never met with silence.
func Unsupported(d Deps) func(ctx context.Context, r *Request) {
	return func(ctx context.Context, r *Request) {
		key := "unsupported.other"
		if m := r.Update.Message; m != nil {
			switch {
			case m.Sticker != nil:
				key = "unsupported.sticker"
			case len(m.Photo) > 0:
				key = "unsupported.photo"
			case m.Voice != nil || m.Audio != nil || m.VideoNote != nil:
				key = "unsupported.voice"
			case m.Document != nil || m.Video != nil:
				key = "unsupported.file"
			}
		}
		if r.Update.EditedMessage != nil {
			key = "unsupported.edited"
		}
		d.Reply(ctx, r, d.T(r, key))
	}
}

// UnknownCommand answers a command the bot does not have.
func UnknownCommand(d Deps) func(ctx context.Context, r *Request) {
	return func(ctx context.Context, r *Request) { d.Reply(ctx, r, d.T(r, "command.unknown")) }
}

// FlowFunc handles the text a user sends while in a flow (a form step, a message for staff).
type FlowFunc func(ctx context.Context, r *Request, text string)

// Text routes free text in a private chat: to the flow the user is in, if any, else to ask (the FAQ). A
// user who has not chosen a language follows the one they write in (FollowLanguage), except in answers to
// a form or to staff's event and broadcast wizards, which are data — a name, an address, a comment in Vietnamese from a
// Lao student, an event's Lao title — and not a choice of the language to be answered in.
func Text(d Deps, flows map[string]FlowFunc, ask FlowFunc) func(ctx context.Context, r *Request) {
	return func(ctx context.Context, r *Request) {
		text := r.Update.Message.Text
		if sess, err := d.Store.GetSession(ctx, r.UserID); err == nil {
			if flow, ok := flows[sess.Flow]; ok {
				if sess.Flow != FlowForm && sess.Flow != FlowEventDraft && sess.Flow != FlowBroadcastDraft && sess.Flow != FlowDecisionReason { // answers are data, not a choice of language
					FollowLanguage(ctx, d, r, text)
				}
				flow(ctx, r, text)
				return
			}
		}
		FollowLanguage(ctx, d, r, text)
		ask(ctx, r, text)
	}
}

// ExpiredButton answers a callback no route knows: a stale button from an older version, or forged data.
func ExpiredButton(d Deps) func(ctx context.Context, r *Request) {
	return func(ctx context.Context, r *Request) { d.Expired(ctx, r) }
}

// Media routes a message without text (sticker, photo, shared contact, ...) in a private chat: to the
// flow the user is in when it takes media (a form answers it and asks its question again), else to
// fallback.
func Media(d Deps, flows map[string]func(ctx context.Context, r *Request), fallback func(ctx context.Context, r *Request)) func(ctx context.Context, r *Request) {
	return func(ctx context.Context, r *Request) {
		if sess, err := d.Store.GetSession(ctx, r.UserID); err == nil {
			if flow, ok := flows[sess.Flow]; ok {
				flow(ctx, r)
				return
			}
		}
		fallback(ctx, r)
	}
}
