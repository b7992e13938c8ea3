// Package handlers holds one file per feature of the bot. Each handler is made by a function that closes over
// its dependencies (Deps) and returns a go-telegram/bot HandlerFunc; bot/routes.go registers them all in one
// table. Handlers read the resolved user and language from the request context (set by bot's middleware),
// keep state only through the store, and answer only through the outbox.
package handlers

import (
	"context"
	"log/slog"
	"strings"
	"time"

	tg "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/ufo-thanhhoa/huunghi/bot/broadcast"
	"github.com/ufo-thanhhoa/huunghi/bot/events"
	"github.com/ufo-thanhhoa/huunghi/bot/outbox"
	"github.com/ufo-thanhhoa/huunghi/bot/store"
	"github.com/ufo-thanhhoa/huunghi/messages"
)

// Sender is what handlers need of the outbox.
type Sender interface {
	Send(ctx context.Context, m outbox.Message) (int, error)
	Enqueue(ctx context.Context, lane outbox.Lane, msgs ...outbox.Message) error
	AnswerCallback(ctx context.Context, id, text string)
	// Forget removes queued messages about a user (/forget).
	Forget(ctx context.Context, uid int64) (int, error)
}

// Deps are the dependencies shared by handlers.
type Deps struct {
	Store   *store.Store
	Out     Sender
	Content *messages.Content
	Log     *slog.Logger
	// StaffChatID is the staff group that receives handoffs and notifications (0: none configured).
	StaffChatID int64
	// StaffLang is the language of staff chats (STAFF_LANG; Vietnamese when empty).
	StaffLang string
	// Location is the time zone dates are shown in (BOT_TIMEZONE).
	Location *time.Location
	// Now is the clock (time.Now when nil); tests move it to open and close programmes.
	Now func() time.Time
	// Events is the events catalogue and reminder schedule.
	Events *events.Catalog
	// Broadcasts makes, sends and reports on staff announcements.
	Broadcasts *broadcast.Service
}

// now is the bot's clock.
func (d Deps) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

// staffLang is the language of what the bot writes in staff chats, read by several staff at once.
func (d Deps) staffLang() string {
	if d.StaffLang != "" && d.Content.HasLang(d.StaffLang) {
		return d.StaffLang
	}
	return "vi"
}

// IsStaffChat reports whether chat is a staff chat: staffChatID (STAFF_CHAT_ID) or a programme's own
// staff_chat.
func IsStaffChat(c *messages.Content, staffChatID, chat int64) bool {
	if chat == 0 {
		return false
	}
	if chat == staffChatID {
		return true
	}
	for _, p := range c.Programmes {
		if p.StaffChat == chat {
			return true
		}
	}
	return false
}

// Request is what the middleware resolved about the update being handled.
type Request struct {
	Update *models.Update
	ChatID int64
	// UserID is the sender; 0 for updates without one (channel posts).
	UserID    int64
	User      store.User
	Lang      string
	Private   bool
	FirstName string // for greetings only; never stored or logged
	// Command and Args are set for a command addressed to the bot ("/start faq_visa" → "start", "faq_visa").
	Command, Args string
	// Role is what the sender may do, resolved once per update; handlers read it here, never from config.
	Role Role
	// Scope is the programmes and events a staff member is limited to; nil for everything (admins, and
	// staff added without a scope).
	Scope []string
}

// Role is a sender's standing with the Union: a user, staff (added in the chat by an admin, /team) or an
// admin (STAFF_IDS). Each role can do all that the one before it can.
type Role int

const (
	RoleNone Role = iota
	RoleStaff
	RoleAdmin
)

// IsStaff reports whether the sender is staff or an admin.
func (r *Request) IsStaff() bool { return r.Role >= RoleStaff }

// InScope reports whether a staff member may see and act on the programme or event id: an association's
// officer sees only their association's. Ids are compared as typed commands give them, case-insensitively.
func (r *Request) InScope(id string) bool {
	if !r.IsStaff() {
		return false
	}
	if r.Scope == nil {
		return true
	}
	for _, s := range r.Scope {
		if strings.EqualFold(s, id) {
			return true
		}
	}
	return false
}

type requestKey struct{}

// WithRequest returns ctx carrying r.
func WithRequest(ctx context.Context, r *Request) context.Context {
	return context.WithValue(ctx, requestKey{}, r)
}

// RequestFrom returns the request of ctx. Handlers are only called behind the middleware that sets it; a
// missing request is a wiring bug, so a minimal English request is returned rather than a nil to crash on.
func RequestFrom(ctx context.Context) *Request {
	if r, ok := ctx.Value(requestKey{}).(*Request); ok {
		return r
	}
	return &Request{Lang: messages.DefaultLang}
}

// T is the UI string key in the request's language.
func (d Deps) T(r *Request, key string, args ...string) string {
	return d.Content.T(r.Lang, key, args...)
}

// Reply sends a text with optional inline keyboard rows to the request's chat.
func (d Deps) Reply(ctx context.Context, r *Request, text string, rows ...[]outbox.Button) {
	d.send(ctx, outbox.Message{ChatID: r.ChatID, Text: text, Buttons: rows})
}

// send delivers m and logs a failure; a handler has nobody to return an error to, and the user has already
// been told nothing if the send failed.
func (d Deps) send(ctx context.Context, m outbox.Message) int {
	id, err := d.Out.Send(ctx, m)
	if err != nil {
		d.Log.Warn("reply not delivered", "chat_id", m.ChatID, "err", err)
	}
	return id
}

// Edit replaces the text and buttons of the message a callback came from (or sends anew when that fails).
func (d Deps) Edit(ctx context.Context, r *Request, text string, rows ...[]outbox.Button) {
	m := outbox.Message{ChatID: r.ChatID, Text: text, Buttons: rows}
	if cq := r.Update.CallbackQuery; cq != nil && cq.Message.Message != nil {
		m.EditID = cq.Message.Message.ID
	}
	d.send(ctx, m)
}

// Answer answers the callback query of the request, if any, so the user's spinner stops.
func (d Deps) Answer(ctx context.Context, r *Request, text string) {
	if cq := r.Update.CallbackQuery; cq != nil {
		d.Out.AnswerCallback(ctx, cq.ID, text)
	}
}

// Expired tells the user a button is stale or forged — the one answer to callback data we cannot use.
func (d Deps) Expired(ctx context.Context, r *Request) {
	d.Answer(ctx, r, d.T(r, "button.expired"))
}

// Func adapts a handler written against the request to go-telegram/bot's HandlerFunc.
func Func(h func(ctx context.Context, r *Request)) tg.HandlerFunc {
	return func(ctx context.Context, _ *tg.Bot, _ *models.Update) { h(ctx, RequestFrom(ctx)) }
}
