package handlers

import (
	"context"

	"github.com/go-telegram/bot/models"
)

// MemberChanged handles my_chat_member in a private chat: Telegram says the user blocked the bot
// ("kicked") or started or unblocked it ("member"). A block marks the user unreachable at once, so bulk
// sends skip them without first collecting a 403; an unblock needs nothing more, because resolving the
// user for this update already cleared the mark. Nothing is sent either way: a blocked chat can't receive,
// and an unblocked one is about to receive the /start that Telegram sends next.
func MemberChanged(d Deps) func(ctx context.Context, r *Request) {
	return func(ctx context.Context, r *Request) {
		m := r.Update.MyChatMember
		if m == nil || !r.Private || m.NewChatMember.Type != models.ChatMemberTypeBanned {
			return
		}
		if err := d.Store.MarkUnreachable(ctx, r.UserID); err != nil {
			d.Log.Warn("mark blocked user unreachable", "chat_id", r.ChatID, "err", err)
		}
	}
}
