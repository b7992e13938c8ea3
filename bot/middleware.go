package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"

	tg "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ufo-thanhhoa/huunghi/bot/store"
	"github.com/ufo-thanhhoa/huunghi/handlers"
)

// The middleware of design.md's update flow, outermost first (the order is set in routes.go):
// addressed → recover → observe → resolve → flood. (There is no dedupe step any more: the dispatcher
// removes an update in the same step as it marks it handled, so a re-delivered update is always one whose
// handling did not finish, which a "done" marker could not catch either; intake's seen marker stops
// Telegram's own re-deliveries.)

// addressed drops group traffic that is not for the bot, before anything is stored about its sender: in a
// group only commands naming the bot ("/help@huunghi_bot"), staff commands in a staff chat (see
// parseCommand), a staff member's reply to one of the bot's messages in a staff chat (an answer to a
// handoff card: see staffReply) and taps on the bot's own buttons are handled. A reply by someone else in
// the staff group is dropped here: it is not an answer the bot may pass on.
func (a *App) addressed(next tg.HandlerFunc) tg.HandlerFunc {
	return func(ctx context.Context, b *tg.Bot, u *models.Update) {
		m := u.Message
		if m == nil {
			m = u.EditedMessage
		}
		if m != nil && m.Chat.Type != models.ChatTypePrivate {
			// In a group: commands for the bot, and in a staff chat staff's replies to the bot's messages (to
			// a handoff card, or with the reason for a decision).
			if _, _, ok := a.parseCommand(m); (!ok && !a.staffReply(u)) || u.EditedMessage != nil {
				return
			}
		}
		if u.ChannelPost != nil || u.EditedChannelPost != nil {
			return
		}
		if m := u.MyChatMember; m != nil && m.Chat.Type != models.ChatTypePrivate {
			return // the bot added to or removed from a group: nothing to answer
		}
		next(ctx, b, u)
	}
}

// recoverer turns a panic into a log line with the stack and an apology to the user: never a dead bot.
// It runs outside resolve, so that a panic in resolve is caught too; resolve leaves the request it built
// in a slot of the context (requestKey), and the apology is in the language the user is answered in. A
// panic before that apologises in Telegram's language_code, or English.
func (a *App) recoverer(next tg.HandlerFunc) tg.HandlerFunc {
	return func(ctx context.Context, b *tg.Bot, u *models.Update) {
		var req *handlers.Request
		defer func() {
			if p := recover(); p != nil {
				a.metrics.panics.Inc()
				a.log.Error("handler panicked", "update_id", u.ID, "chat_id", chatOf(u), "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				lang := a.content.MatchLang(languageCodeOf(u))
				if req != nil {
					lang = req.Lang
				}
				if chat := chatOf(u); chat != 0 {
					_, _ = a.out.Send(ctx, outboxMessage(chat, a.content.T(lang, "error.apology")))
				}
			}
		}()
		next(context.WithValue(ctx, requestKey{}, &req), b, u)
	}
}

// requestKey is the context key of the slot where resolve leaves its request for recoverer.
type requestKey struct{}

// observe logs each update with its ids (never its text or the user's name) and records metrics.
func (a *App) observe(next tg.HandlerFunc) tg.HandlerFunc {
	return func(ctx context.Context, b *tg.Bot, u *models.Update) {
		start := time.Now()
		next(ctx, b, u)
		d := time.Since(start)
		kind := updateKind(u)
		a.metrics.updates.WithLabelValues(kind).Inc()
		a.metrics.latency.WithLabelValues(kind).Observe(d.Seconds())
		a.log.Debug("update handled", "update_id", u.ID, "chat_id", chatOf(u), "kind", kind, "duration", d)
	}
}

// resolve loads the sender, picks the language and the sender's role, and puts the handlers.Request into the context. (Free text
// in Lao or Vietnamese may then switch an undecided user's language: handlers.FollowLanguage, called where
// the text is known not to be a form's answer.)
func (a *App) resolve(next tg.HandlerFunc) tg.HandlerFunc {
	return func(ctx context.Context, b *tg.Bot, u *models.Update) {
		r := &handlers.Request{Update: u, ChatID: chatOf(u)}
		from := handlers.SenderOf(u)
		switch {
		case u.Message != nil:
			r.Private = u.Message.Chat.Type == models.ChatTypePrivate
		case u.EditedMessage != nil:
			r.Private = u.EditedMessage.Chat.Type == models.ChatTypePrivate
		case u.CallbackQuery != nil:
			switch m := u.CallbackQuery.Message; {
			case m.Message != nil:
				r.Private = m.Message.Chat.Type == models.ChatTypePrivate
			case m.InaccessibleMessage != nil:
				r.Private = m.InaccessibleMessage.Chat.Type == models.ChatTypePrivate
			default: // no message at all (inline mode): the sender is answered in their own chat
				r.Private = r.ChatID > 0
			}
		case u.MyChatMember != nil:
			r.Private = u.MyChatMember.Chat.Type == models.ChatTypePrivate
		}
		if from == nil || from.IsBot {
			return
		}
		r.UserID, r.FirstName = from.ID, from.FirstName
		if u.Message != nil {
			r.Command, r.Args, _ = a.parseCommand(u.Message)
		}
		fl := store.Flooding{Drop: a.floodLimits.Drop, Pace: a.floodLimits.Pace, Exempt: a.cfg.StaffIDs[from.ID]}
		v, err := a.store.Visit(ctx, from.ID, a.content.MatchLang(from.LanguageCode), fl)
		if err != nil {
			// Redis hiccup: answer in Telegram's language rather than not at all.
			a.log.Warn("load user", "chat_id", r.ChatID, "err", err)
		} else {
			ctx = store.WithVisited(ctx, v)
		}
		user, staff := v.User, v.Staff
		r.User = user
		r.Lang = handlers.ResolveLang(a.content, user, from.LanguageCode)
		r.Role, r.Scope = a.roleOf(from.ID, staff, err)
		if !r.Private && u.CallbackQuery == nil && a.isStaffChat(r.ChatID) {
			// Several staff read what the bot writes in a staff chat: its language, not the sender's. A
			// button's toast is seen by the one who tapped it alone, and stays in theirs.
			r.Lang = a.cfg.StaffLang
		}
		if slot, ok := ctx.Value(requestKey{}).(**handlers.Request); ok {
			*slot = r
		}
		next(handlers.WithRequest(ctx, r), b, u)
	}
}

// role is what the sender may do: admins are STAFF_IDS; staff are those an admin added (/team), with their
// scope. When Redis cannot say, the sender is treated as a user: a staff command then answers as unknown,
// which is safer than opening the desk to anyone during an outage.
func (a *App) role(ctx context.Context, uid int64) (handlers.Role, []string) {
	if a.cfg.StaffIDs[uid] {
		return handlers.RoleAdmin, nil
	}
	m, err := a.store.GetStaff(ctx, uid)
	if errors.Is(err, store.ErrNotFound) {
		return handlers.RoleNone, nil
	}
	return a.roleOf(uid, &m, err)
}

// roleOf is role from a staff record already read (store.Visit reads it with the user): nil when the
// user is not staff, err when Redis could not say.
func (a *App) roleOf(uid int64, m *store.StaffMember, err error) (handlers.Role, []string) {
	switch {
	case a.cfg.StaffIDs[uid]:
		return handlers.RoleAdmin, nil
	case err != nil:
		a.log.Warn("load role", "err", err)
		return handlers.RoleNone, nil
	case m == nil:
		return handlers.RoleNone, nil
	case len(m.Scope) == 0:
		return handlers.RoleStaff, nil
	}
	return handlers.RoleStaff, m.Scope
}

// languageCodeOf is the sender's Telegram language_code, "" without a sender.
func languageCodeOf(u *models.Update) string {
	if from := handlers.SenderOf(u); from != nil {
		return from.LanguageCode
	}
	return ""
}

func updateKind(u *models.Update) string {
	switch {
	case u.Message != nil && u.Message.Text != "":
		return "text"
	case u.Message != nil:
		return "media"
	case u.CallbackQuery != nil:
		return "callback"
	case u.EditedMessage != nil:
		return "edited"
	}
	return "other"
}

// metrics are the runtime's Prometheus collectors, registered on the App's own registry.
type metrics struct {
	updates *prometheus.CounterVec
	latency *prometheus.HistogramVec
	panics  prometheus.Counter
	flood   *prometheus.CounterVec
	dropped prometheus.Counter
	// rejected counts undecodable updates kept aside; overflow counts updates turned away from a full chat
	// queue.
	rejected prometheus.Counter
	overflow prometheus.Counter
}

func newMetrics() *metrics {
	return &metrics{
		updates:  prometheus.NewCounterVec(prometheus.CounterOpts{Name: "huunghi_updates_handled_total", Help: "Updates handled, by kind."}, []string{"kind"}),
		latency:  prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "huunghi_handler_seconds", Help: "Time to handle one update, replies included.", Buckets: prometheus.DefBuckets}, []string{"kind"}),
		panics:   prometheus.NewCounter(prometheus.CounterOpts{Name: "huunghi_handler_panics_total", Help: "Handler panics recovered."}),
		flood:    prometheus.NewCounterVec(prometheus.CounterOpts{Name: "huunghi_flood_total", Help: "Updates slowed or dropped by flood control."}, []string{"action"}),
		dropped:  prometheus.NewCounter(prometheus.CounterOpts{Name: "huunghi_updates_dropped_total", Help: "Updates given up on after repeated interrupted attempts (crash loop)."}),
		rejected: prometheus.NewCounter(prometheus.CounterOpts{Name: "huunghi_updates_rejected_total", Help: "Updates that could not be decoded, kept aside in {hn}:intake:rejected."}),
		overflow: prometheus.NewCounter(prometheus.CounterOpts{Name: "huunghi_intake_overflow_total", Help: "Updates turned away because their chat already had a full backlog waiting."}),
	}
}

func (m *metrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{m.updates, m.latency, m.panics, m.flood, m.dropped, m.rejected, m.overflow}
}

// slogErrors routes go-telegram/bot's error log into slog (the library would print to stderr).
func slogErrors(log *slog.Logger) tg.ErrorsHandler {
	return func(err error) { log.Warn("telegram client", "err", err) }
}
